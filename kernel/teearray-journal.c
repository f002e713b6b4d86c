// SPDX-License-Identifier: GPL-2.0
/*
 * Writes: group commit through the journal.
 *
 * One commit work takes every write queued so far (as many as fit one
 * entry), locks the data and metadata stripes they touch, and builds the
 * entry: new data ciphertext with fresh IVs, the stripes' new parity, the
 * changed metadata sectors and their parity.  Then, in ONE round trip,
 * every changed column goes once, to the journal of its own home member,
 * and each of those members gets a record (the entry's summary and the
 * MACs of its own payload); the bios complete; member-local COPY commands
 * move the payload home; erase mode trims the payload.  Entry
 * v + 1 starts only after entry v is home, so at most the newest entry is
 * not applied.  Documentation/admin-guide/device-mapper/dm-teearray-journal.rst
 * has the proof that this ordering never loses an acknowledged write;
 * teearray-replay.c recovers it at assembly.
 *
 * Everything in struct teearray_journal except pending belongs to the
 * commit work (non-reentrant) or to assembly, which runs before any I/O.
 */
#include <linux/slab.h>
#include <linux/bio.h>
#include <linux/math64.h>

#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

/* Context: map(), process. */
void teearray_journal_queue(struct teearray_c *tc, struct bio *bio)
{
	struct teearray_journal *j = &tc->journal;
	unsigned int delay = tc->params->commit_time_ms;

	spin_lock_irq(&j->lock);
	bio_list_add(&j->pending, bio);
	spin_unlock_irq(&j->lock);
	/* Flushes, FUA and synchronous writes do not wait for company. */
	if (!delay || bio->bi_opf & (REQ_FUA | REQ_PREFLUSH | REQ_SYNC))
		mod_delayed_work(tc->io_wq, &j->commit_work, 0);
	else
		queue_delayed_work(tc->io_wq, &j->commit_work, msecs_to_jiffies(delay));
}

/* Commit whatever is queued now (suspend). */
void teearray_journal_kick(struct teearray_c *tc)
{
	mod_delayed_work(tc->io_wq, &tc->journal.commit_work, 0);
}

/*
 * Besides the queued writes: stripes a key rotation wants re-encrypted
 * (each may gain all N columns), one audit log sector, a forced record.
 * Caller holds the journal lock.
 */
static void teearray_journal_take_more(struct teearray_c *tc)
{
	struct teearray_journal *j = &tc->journal;

	while (j->rewrap_next < j->nrewrap) {
		unsigned int nd = j->plan.nd;
		int s = teearray_jplan_add_rewrap(&j->plan, j->rewrap[j->rewrap_next]);

		if (s < 0)
			break;
		if ((unsigned int)s == nd)
			bio_list_init(&j->bios[s]);
		j->rewrap_next++;
	}
	j->log_cur = NULL;
	if (!list_empty(&j->log_pending)) {
		struct teearray_log_write *lw = list_first_entry(&j->log_pending,
								 struct teearray_log_write,
								 node);

		if (teearray_jplan_add_log(&j->plan, lw->ms, lw->col)) {
			list_del(&lw->node);
			j->log_cur = lw;
		}
	}
	j->forcing = j->force_record;
	j->forcing_ticket = j->force_ticket;
	j->force_record = false;
}

/* Take queued writes while the entry has room (teearray_jplan_add_write). */
static bool teearray_journal_take(struct teearray_c *tc)
{
	struct teearray_journal *j = &tc->journal;
	struct bio_list too_big;
	struct bio *bio;

	bio_list_init(&too_big);
	teearray_jplan_reset(&j->plan);
	spin_lock_irq(&j->lock);
	while ((bio = bio_list_peek(&j->pending))) {
		u64 v = dm_target_offset(tc->ti, bio->bi_iter.bi_sector) >> 3;
		unsigned int nd = j->plan.nd;
		int s = teearray_jplan_add_write(&j->plan, v);

		if (s == -ENOSPC)
			break;
		bio_list_pop(&j->pending);
		if (s < 0) {
			/* assembly checked capacity >= 3 + 3P: cannot happen */
			bio_list_add(&too_big, bio);
			continue;
		}
		if ((unsigned int)s == nd)
			bio_list_init(&j->bios[s]);
		bio_list_add(&j->bios[s], bio);
	}
	teearray_journal_take_more(tc);
	spin_unlock_irq(&j->lock);
	while ((bio = bio_list_pop(&too_big))) {
		DMERR_LIMIT("%s: a write does not fit a journal entry",
			    teearray_dev(tc));
		bio_io_error(bio);
	}
	return j->plan.nd || j->log_cur || j->forcing;
}

/*
 * Append the changed columns of stripe st (its written columns and its
 * parity) to the entry and its summary, except those whose member is dead.
 */
static void teearray_entry_add_stripe(struct teearray_c *tc, u32 *nr,
				      struct teearray_jstripe *st)
{
	struct teearray_journal *j = &tc->journal;
	struct teearray_buf *buf = j->buf;
	struct teearray_jrec_stripe *sum = &j->rec->st[j->rec->nstripes];
	bool any = false;
	unsigned int c;

	memset(sum->cols, 0, sizeof(sum->cols));
	sum->ms = st->ms;
	for (c = 0; c < tc->m; c++) {
		u32 slot = teearray_slot_of(&tc->geo, st->ms, c);
		struct teearray_jpayload *w = &j->where[*nr];

		if ((c < tc->n && !test_bit(c, st->written)) ||
		    !teearray_member_writable(&tc->members[slot]))
			continue;
		memcpy(j->payload[*nr], buf->col[c], TEEARRAY_SECTOR_SIZE);
		w->slot = slot;
		w->index = j->own[slot]++;
		w->ms = st->ms;
		__set_bit(c, sum->cols);
		any = true;
		(*nr)++;
	}
	j->rec->nstripes += any;
}

static int teearray_next_iv(struct teearray_c *tc, u8 iv[TEEARRAY_IV_SIZE])
{
	struct teearray_journal *j = &tc->journal;

	if (j->iv_seq >= TEEARRAY_SEQ_MAX) {
		DMERR_LIMIT("%s: IV space of this activation exhausted: reload the table",
			    teearray_dev(tc));
		return -EIO;
	}
	teearray_iv_make(iv, tc->key_epoch, j->iv_gen << 32 | ++j->iv_seq);
	return 0;
}

/* Old data columns are checked against the entries as they are now. */
static int teearray_check_old_data(struct teearray_c *tc, u64 ms, u32 col,
				   const u8 *sector, void *ctx)
{
	struct teearray_journal *j = &tc->journal;
	u64 v = teearray_geo_data_v(&tc->geo, ms, col);
	u32 i;
	int k = teearray_jplan_meta_index(&j->plan, teearray_meta_sector_of(v, &i));
	const struct teearray_meta_disk *m;

	if (k < 0)	/* cannot happen: every written stripe's sectors are in */
		return -EBADMSG;
	m = (const struct teearray_meta_disk *)j->meta_new[k];
	return teearray_verify_sector(tc, v, &m->entry[i], sector);
}

/* The entry of virtual sector v in the entry's metadata images, or NULL. */
static struct teearray_entry *teearray_entry_new(struct teearray_c *tc, u64 v)
{
	struct teearray_journal *j = &tc->journal;
	u32 i;
	int k = teearray_jplan_meta_index(&j->plan, teearray_meta_sector_of(v, &i));

	if (k < 0)
		return NULL;
	return &((struct teearray_meta_disk *)j->meta_new[k])->entry[i];
}

/*
 * Key rotation: the columns of a stripe still under an older epoch, and
 * not written by this entry, are decrypted into aux to be sealed again
 * under the current one.  Under the stripe's lock, so a user write can
 * never be overtaken by the old contents.
 */
static int teearray_rewrap_columns(struct teearray_c *tc, struct teearray_jstripe *ds)
{
	struct teearray_buf *buf = tc->journal.buf;
	u64 first = teearray_geo_data_v(&tc->geo, ds->ms, 0);
	bool want[TEEARRAY_MAX_MEMBERS] = { false };
	unsigned int c, count = 0;
	int r;

	for (c = 0; c < tc->n; c++) {
		const struct teearray_entry *e = teearray_entry_new(tc, first + c);

		want[c] = count < ds->rewrap && e && !test_bit(c, ds->written) &&
			  !teearray_entry_unwritten(e) && teearray_entry_epoch(e) != tc->key_epoch;
		count += want[c];
	}
	if (!count)
		return 0;
	r = teearray_fetch_verified(tc, ds->ms, want, buf, teearray_check_old_data, NULL);
	if (r)
		return r;
	for (c = 0; c < tc->n; c++) {
		if (!want[c])
			continue;
		teearray_decrypt_sector(tc, teearray_entry_new(tc, first + c), buf->col[c],
					buf->aux[c]);
		__set_bit(c, ds->written);
		ds->nw++;
	}
	atomic64_add(count, &tc->rotate_rewrapped);
	return 0;
}

/*
 * A data stripe's part of the entry: fetch what the parity update needs
 * (checked), encrypt the new data under fresh IVs into the metadata
 * images, compute parity, append.
 */
static int teearray_entry_data_stripe(struct teearray_c *tc, u32 *nr,
				      struct teearray_jstripe *ds, struct bio_list *bios,
				      bool *fatal)
{
	struct teearray_journal *j = &tc->journal;
	struct teearray_buf *buf = j->buf;
	u64 first = teearray_geo_data_v(&tc->geo, ds->ms, 0);
	struct bio *bio;
	unsigned int c;
	bool rmw;
	int r;

	/* Later bios to the same sector win: copy in arrival order. */
	bio_list_for_each(bio, bios) {
		struct bvec_iter iter;
		struct bio_vec bv;
		unsigned int off = 0;
		u32 col;

		div_u64_rem(dm_target_offset(tc->ti, bio->bi_iter.bi_sector) >> 3, tc->n, &col);
		bio_for_each_segment(bv, bio, iter) {
			memcpy_from_bvec(buf->aux[col] + off, &bv);
			off += bv.bv_len;
		}
	}
	if (ds->rewrap) {
		r = teearray_rewrap_columns(tc, ds);
		if (r || !ds->nw)
			return r;
	}
	r = teearray_stripe_fetch_old(tc, ds->ms, ds->written, ds->nw, false, NULL,
				      buf, teearray_check_old_data, NULL, &rmw);
	if (r)
		return r;
	/* From here on the metadata images change: a failure fails the entry. */
	*fatal = true;
	for (c = 0; c < tc->n; c++) {
		struct teearray_meta_disk *m;
		u8 iv[TEEARRAY_IV_SIZE];
		u32 i;
		int k;

		if (!test_bit(c, ds->written))
			continue;
		k = teearray_jplan_meta_index(&j->plan, teearray_meta_sector_of(first + c, &i));
		r = k < 0 ? -EIO : teearray_next_iv(tc, iv);
		if (r)
			return r;
		m = (struct teearray_meta_disk *)j->meta_new[k];
		teearray_sector_seal(&teearray_keys_cur(tc)->skeys, first + c, iv, buf->aux[c],
				     buf->aux[c], &m->entry[i]);
	}
	r = teearray_stripe_compute(tc, ds->written, NULL, buf, rmw);
	if (!r)
		teearray_entry_add_stripe(tc, nr, ds);
	return r;
}

/*
 * Load the metadata sectors the entry changes into its images: from the
 * cache, or fetched and checked.
 */
static int teearray_entry_load_meta(struct teearray_c *tc)
{
	struct teearray_journal *j = &tc->journal;
	struct teearray_buf *buf = j->buf;
	unsigned int s, c;
	int r;

	for (s = 0; s < j->plan.nm; s++) {
		struct teearray_jstripe *mst = &j->plan.mst[s];
		bool want[TEEARRAY_MAX_MEMBERS] = { false };
		bool any = false;

		for (c = 0; c < tc->n; c++) {
			u64 mv = teearray_geo_meta_mv(&tc->geo, mst->ms, c);
			int k = teearray_jplan_meta_index(&j->plan, mv);

			if (!test_bit(c, mst->written))
				continue;
			if (k < 0)
				return -EIO;
			want[c] = !teearray_metacache_get(tc, mv, j->meta_old[k]);
			any |= want[c];
			if (!want[c])
				memcpy(j->meta_new[k], j->meta_old[k], TEEARRAY_SECTOR_SIZE);
		}
		if (!any)
			continue;
		r = teearray_fetch_verified(tc, mst->ms, want, buf, teearray_check_meta, NULL);
		if (r)
			return r;
		for (c = 0; c < tc->n; c++) {
			u64 mv = teearray_geo_meta_mv(&tc->geo, mst->ms, c);
			int k = teearray_jplan_meta_index(&j->plan, mv);

			if (!want[c])
				continue;
			memcpy(j->meta_old[k], buf->col[c], TEEARRAY_SECTOR_SIZE);
			memcpy(j->meta_new[k], buf->col[c], TEEARRAY_SECTOR_SIZE);
		}
	}
	return 0;
}

/* Seal the changed metadata sectors and append them with their parity. */
static int teearray_entry_meta_stripe(struct teearray_c *tc, u32 *nr,
				      struct teearray_jstripe *mst, u8 **old)
{
	struct teearray_journal *j = &tc->journal;
	struct teearray_buf *buf = j->buf;
	bool have[TEEARRAY_MAX_MEMBERS] = { false };
	unsigned int c;
	bool rmw;
	int r;

	for (c = 0; c < tc->n; c++) {
		u64 mv = teearray_geo_meta_mv(&tc->geo, mst->ms, c);
		int k;

		if (!test_bit(c, mst->written)) {
			/* a cached column need not be read for reconstruct-write */
			have[c] = teearray_metacache_get(tc, mv, buf->col[c]);
			continue;
		}
		k = teearray_jplan_meta_index(&j->plan, mv);
		if (k < 0)
			return -EIO;
		teearray_meta_seal(&teearray_keys_cur(tc)->skeys, mv,
				   (struct teearray_meta_disk *)j->meta_new[k]);
		memcpy(buf->aux[c], j->meta_new[k], TEEARRAY_SECTOR_SIZE);
		old[c] = j->meta_old[k];
	}
	r = teearray_stripe_fetch_old(tc, mst->ms, mst->written, mst->nw, true, have,
				      buf, teearray_check_meta, NULL, &rmw);
	for (c = 0; c < tc->n && !r && !rmw; c++)
		if (!test_bit(c, mst->written) && !have[c])
			teearray_metacache_put(tc, teearray_geo_meta_mv(&tc->geo, mst->ms, c),
					       buf->col[c]);
	if (!r)
		r = teearray_stripe_compute(tc, mst->written, old, buf, rmw);
	if (!r)
		teearray_entry_add_stripe(tc, nr, mst);
	return r;
}

/*
 * Log sectors carry their own signatures and hash chain, which teearray log
 * --verify checks; the kernel takes the other log columns as they are.
 */
static int teearray_check_log(struct teearray_c *tc, u64 ms, u32 col,
			      const u8 *sector, void *ctx)
{
	return 0;
}

/* The audit log sector of the entry, with its stripe's new parity. */
static int teearray_entry_log_stripe(struct teearray_c *tc, u32 *nr)
{
	struct teearray_journal *j = &tc->journal;
	struct teearray_buf *buf = j->buf;
	bool rmw;
	int r;

	memcpy(buf->aux[j->log_cur->col], j->log_cur->sector, TEEARRAY_SECTOR_SIZE);
	r = teearray_stripe_fetch_old(tc, j->plan.lst.ms, j->plan.lst.written, 1, false, NULL,
				      buf, teearray_check_log, NULL, &rmw);
	if (!r)
		r = teearray_stripe_compute(tc, j->plan.lst.written, NULL, buf, rmw);
	if (!r)
		teearray_entry_add_stripe(tc, nr, &j->plan.lst);
	return r;
}

/*
 * Build the entry.  A data stripe that cannot be read fails its own bios
 * (status kept in its bios' bi_status) and is left out; the metadata images
 * only ever gain entries of stripes that made it in.
 */
static int teearray_entry_build(struct teearray_c *tc, u32 *nr, u8 **old)
{
	struct teearray_journal *j = &tc->journal;
	unsigned int s;
	int r;

	*nr = 0;
	j->rec->nstripes = 0;
	memset(j->own, 0, tc->m * sizeof(*j->own));
	r = teearray_entry_load_meta(tc);
	if (r)
		return r;
	for (s = 0; s < j->plan.nd; s++) {
		struct teearray_jstripe *ds = &j->plan.dst[s];
		bool fatal = false;

		r = teearray_entry_data_stripe(tc, nr, ds, &j->bios[s], &fatal);
		if (r) {
			struct bio *bio;

			DMWARN_LIMIT("%s: write to stripe %llu failed: %d",
				     teearray_dev(tc), ds->ms, r);
			if (fatal || READ_ONCE(tc->fail_reason))
				return -EIO;
			bio_list_for_each(bio, &j->bios[s])
				bio->bi_status = errno_to_blk_status(r);
			if (ds->rewrap)
				j->rewrap_error = r;
		}
	}
	if (j->log_cur) {
		r = teearray_entry_log_stripe(tc, nr);
		if (r)
			return r;
	}
	for (s = 0; s < j->plan.nm; s++) {
		r = teearray_entry_meta_stripe(tc, nr, &j->plan.mst[s], old);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Build member slot's record of the entry in j->rec (the summary and its
 * own MACs, taken from the first nr payloads) and the short write that
 * carries it.
 */
void teearray_journal_record(struct teearray_c *tc, struct teearray_request *rq,
			     u32 slot, u32 nr, const u8 *key)
{
	struct teearray_journal *j = &tc->journal;
	u32 i;

	j->rec->slot = slot;
	j->rec->nown = 0;
	for (i = 0; i < nr; i++)
		if (j->where[i].slot == slot)
			memcpy(j->rec->mac[j->rec->nown++], j->pmac[i], TEEARRAY_JPAY_MAC_SIZE);
	teearray_rq_init(tc, rq, slot, TEEARRAY_OP_WRITE_SHORT,
			 teearray_jrec_sector(&tc->geo, j->rec->version), j->rec_disk[slot]);
	rq->len = teearray_jrec_build(j->rec_disk[slot], j->rec, &tc->geo,
				      tc->params->array_uuid, key);
}

/*
 * The one round trip: each payload to its home member's journal, and a
 * record to each member that got a payload (to every member when the
 * entry is empty, so that its version is on all of them).
 */
static int teearray_entry_write(struct teearray_c *tc, u32 nr, bool may_give_up)
{
	struct teearray_journal *j = &tc->journal;
	const u8 *key = teearray_keys_cur(tc)->meta_key;
	u64 v = j->version + 1;
	unsigned int i, k = 0;
	int r;

	j->rec->version = v;
	j->rec->generation = teearray_max_generation(tc);
	for (i = 0; i < nr; i++) {
		const struct teearray_jpayload *w = &j->where[i];

		teearray_jpay_mac(key, tc->params->array_uuid, v, w->slot, w->ms,
				  j->payload[i], j->pmac[i]);
		teearray_rq_init(tc, &j->rqs[k++], w->slot, TEEARRAY_OP_WRITE,
				 teearray_jpay_sector(&tc->geo, v, w->index), j->payload[i]);
	}
	for (i = 0; i < tc->m; i++) {
		if (!teearray_member_writable(&tc->members[i]) || (nr && !j->own[i]))
			continue;
		teearray_journal_record(tc, &j->rqs[k++], i, nr, key);
	}
	/* A torn entry fails its bios: it may fail alone (teearray-slow.h). */
	for (i = 0; i < k; i++)
		j->rqs[i].may_give_up = may_give_up;
	/* Whatever happens, v is used: a torn v must never meet another v. */
	WRITE_ONCE(j->version, v);
	r = teearray_io(tc, j->rqs, k);
	if (!r && !teearray_handle_failures(tc, j->rqs, k, "journal write failed"))
		r = -EIO;
	if (!r)
		WRITE_ONCE(j->fill, nr);
	return r;
}

/* Trim a payload half on every member (erase mode), with m requests of rqs. */
static void teearray_journal_trim(struct teearray_c *tc, u64 version,
				  struct teearray_request *rqs)
{
	unsigned int i, k = 0;

	for (i = 0; i < tc->m; i++) {
		if (!teearray_member_writable(&tc->members[i]))
			continue;
		teearray_rq_init(tc, &rqs[k], i, TEEARRAY_OP_TRIM,
				 teearray_jpay_sector(&tc->geo, version, 0), NULL);
		rqs[k++].count = teearray_journal_half(&tc->geo);
	}
	if (!teearray_io(tc, rqs, k))
		teearray_handle_failures(tc, rqs, k, "journal trim failed");
}

/*
 * Plan the apply of the entry just written into j->arqs: the payload moves
 * home with member-local copies, one command per run of consecutive homes
 * of a member.  Context: commit work, before it takes the next entry
 * (which rewrites where[] and own[]).
 */
static void teearray_entry_apply_plan(struct teearray_c *tc, u32 nr)
{
	struct teearray_journal *j = &tc->journal;
	struct teearray_request *last = NULL;
	u64 v = j->version;
	unsigned int i, k = 0;
	u32 slot;

	for (slot = 0; slot < tc->m; slot++) {
		if (!j->own[slot] || !teearray_member_writable(&tc->members[slot]))
			continue;
		for (i = 0, last = NULL; i < nr; i++) {
			const struct teearray_jpayload *w = &j->where[i];

			if (w->slot != slot)
				continue;
			if (last && last->arg + last->count == w->ms &&
			    last->count < TEEARRAY_NL_MAX_RANGE) {
				last->count++;
				continue;
			}
			last = &j->arqs[k++];
			teearray_rq_init(tc, last, slot, TEEARRAY_OP_COPY,
					 teearray_jpay_sector(&tc->geo, v, w->index), NULL);
			last->arg = w->ms;
		}
	}
	j->nar = k;
	j->apply_version = v;
}

/*
 * After a round trip that failed without failing the array: its entry may
 * be complete on some members although its bios failed and it was never
 * applied.  Erase mode trims its half; then an empty entry, which is always
 * complete, becomes the newest, so that replay (which looks no further back
 * than the entry before the newest) can never roll the failed entry forward
 * over a later one.  The empty entry waits for slow members rather than give
 * up; if even it cannot be written, the array fails.
 */
static bool teearray_entry_close_failed(struct teearray_c *tc)
{
	struct teearray_journal *j = &tc->journal;

	if (tc->params->journal_mode == TEEARRAY_JOURNAL_ERASE)
		teearray_journal_trim(tc, j->version, j->rqs);
	j->rec->nstripes = 0;
	memset(j->own, 0, tc->m * sizeof(*j->own));
	if (READ_ONCE(tc->fail_reason))
		return false;
	if (!teearray_entry_write(tc, 0, false))
		return true;
	teearray_set_failed(tc, "journal: no empty entry after a failed one");
	return false;
}

/*
 * What the entry's waiters are told when it is done (teearray_entry_done),
 * taken from the entry before the commit work takes the next one.
 */
static void teearray_entry_outcome(struct teearray_c *tc, struct teearray_entry_outcome *o)
{
	struct teearray_journal *j = &tc->journal;
	unsigned int s;

	o->nrewrap = 0;
	for (s = 0; s < j->plan.nd; s++)
		o->nrewrap += j->plan.dst[s].rewrap != 0;
	o->log = j->log_cur;
	o->forcing = j->forcing;
	o->forcing_ticket = j->forcing_ticket;
	j->log_cur = NULL;
	j->forcing = false;
}

/*
 * Tell the key rotation and the audit log how their part went, and a
 * forced record's waiter whether an entry after its request is on the
 * members (empty_ok: the entry, or the empty one that closed it); a failed
 * forced record is asked for again.
 */
static void teearray_entry_done(struct teearray_c *tc, const struct teearray_entry_outcome *o,
				int r, bool empty_ok)
{
	struct teearray_journal *j = &tc->journal;
	unsigned int s;

	for (s = 0; s < o->nrewrap; s++) {
		if (r)
			j->rewrap_error = r;
		atomic_dec(&j->rewrap_left);
	}
	if (o->log) {
		o->log->error = r;
		complete(&o->log->done);
	}
	if (o->forcing && empty_ok) {
		WRITE_ONCE(j->force_done, o->forcing_ticket);
	} else if (o->forcing && !READ_ONCE(tc->fail_reason)) {
		spin_lock_irq(&j->lock);
		j->force_record = true;
		spin_unlock_irq(&j->lock);
	}
	wake_up_all(&j->wait);
}

/*
 * The apply of the entry planned by teearray_entry_apply_plan; erase mode
 * then trims its half.  Then the entry's stripes are free and its waiters
 * are told.
 */
static void teearray_apply_work(struct work_struct *work)
{
	struct teearray_journal *j = container_of(work, struct teearray_journal, apply_work);
	struct teearray_c *tc = container_of(j, struct teearray_c, journal);

	if (!teearray_io(tc, j->arqs, j->nar) &&
	    teearray_handle_failures(tc, j->arqs, j->nar, "journal apply failed") &&
	    tc->params->journal_mode == TEEARRAY_JOURNAL_ERASE)
		teearray_journal_trim(tc, j->apply_version, j->arqs);
	teearray_unlock_stripes(tc, j->apply_set);
	teearray_entry_done(tc, &j->apply_outcome, 0, true);
}

static void teearray_entry_commit(struct teearray_c *tc, u8 **old)
{
	struct teearray_journal *j = &tc->journal;
	struct teearray_entry_outcome outcome;
	DECLARE_BITMAP(set, TEEARRAY_STRIPE_LOCKS);
	bool wrote = false, closed = false;
	unsigned int s;
	u32 nr = 0;
	int r;

	bitmap_zero(set, TEEARRAY_STRIPE_LOCKS);
	for (s = 0; s < j->plan.nd; s++)
		teearray_stripe_set_add(set, j->plan.dst[s].ms);
	for (s = 0; s < j->plan.nm; s++)
		teearray_stripe_set_add(set, j->plan.mst[s].ms);
	if (j->log_cur)
		teearray_stripe_set_add(set, j->plan.lst.ms);
	teearray_lock_stripes(tc, set);

	r = READ_ONCE(tc->fail_reason) ? -EIO : teearray_entry_build(tc, &nr, old);
	if (!r) {
		/*
		 * The members see the last entry applied before this one (its
		 * apply was queued by this or an earlier run of this work).
		 */
		flush_work(&j->apply_work);
		wrote = true;
		/* An empty entry (forced record) waits for slow members. */
		r = teearray_entry_write(tc, nr, nr != 0);
	}
	if (r)
		DMWARN_LIMIT("%s: journal entry %llu failed: %d",
			     teearray_dev(tc), j->version, r);
	if (r && wrote && nr && !READ_ONCE(tc->fail_reason))
		closed = teearray_entry_close_failed(tc);
	/* Cache what the members now hold; after a failure, nothing. */
	for (s = 0; s < j->plan.nmeta; s++) {
		if (r)
			teearray_metacache_drop(tc, j->plan.meta_mv[s]);
		else
			teearray_metacache_put(tc, j->plan.meta_mv[s], j->meta_new[s]);
	}
	for (s = 0; s < j->plan.nd; s++) {
		struct bio *bio;

		while ((bio = bio_list_pop(&j->bios[s]))) {
			if (r)
				bio->bi_status = errno_to_blk_status(r);
			else if (!bio->bi_status)
				atomic64_inc(&tc->stat_user_written);
			bio_endio(bio);
		}
	}
	if (!r) {
		/* Apply while the next entry is taken and built. */
		teearray_entry_apply_plan(tc, nr);
		teearray_entry_outcome(tc, &j->apply_outcome);
		bitmap_copy(j->apply_set, set, TEEARRAY_STRIPE_LOCKS);
		queue_work(j->apply_wq, &j->apply_work);
		return;
	}
	teearray_unlock_stripes(tc, set);
	teearray_entry_outcome(tc, &outcome);
	teearray_entry_done(tc, &outcome, r, closed);
}

static void teearray_commit_work(struct work_struct *work)
{
	struct teearray_journal *j = container_of(to_delayed_work(work),
						  struct teearray_journal, commit_work);
	struct teearray_c *tc = container_of(j, struct teearray_c, journal);

	/*
	 * The last apply may still run: a write queued meanwhile (the next
	 * fsync's) is taken and built beside it by the next run of this work.
	 */
	while (teearray_journal_take(tc))
		teearray_entry_commit(tc, j->old_cols);
}

/* Wait until every queued write is committed and applied (postsuspend). */
void teearray_journal_flush(struct teearray_c *tc)
{
	flush_delayed_work(&tc->journal.commit_work);
	flush_work(&tc->journal.apply_work);
}

/*
 * Re-encrypt the old-epoch sectors of up to TEEARRAY_REWRAP_BATCH data
 * stripes through the journal and wait for them.  Context: the rotation
 * walk (one caller at a time), holding no stripe.
 */
int teearray_journal_rewrap(struct teearray_c *tc, const u64 *stripes, unsigned int n)
{
	struct teearray_journal *j = &tc->journal;

	spin_lock_irq(&j->lock);
	memcpy(j->rewrap, stripes, n * sizeof(*stripes));
	j->nrewrap = n;
	j->rewrap_next = 0;
	j->rewrap_error = 0;
	atomic_set(&j->rewrap_left, n);
	spin_unlock_irq(&j->lock);
	teearray_journal_kick(tc);
	wait_event(j->wait, !atomic_read(&j->rewrap_left) || READ_ONCE(tc->fail_reason));
	if (atomic_read(&j->rewrap_left))
		return -EIO;
	return j->rewrap_error;
}

/*
 * Write a record under the current epoch, in an entry built after this
 * call, and wait until it is on the members (or the array failed).
 */
void teearray_journal_force_record(struct teearray_c *tc)
{
	struct teearray_journal *j = &tc->journal;
	u64 t;

	spin_lock_irq(&j->lock);
	t = ++j->force_ticket;
	j->force_record = true;
	spin_unlock_irq(&j->lock);
	teearray_journal_kick(tc);
	wait_event(j->wait, READ_ONCE(j->force_done) >= t || READ_ONCE(tc->fail_reason));
}

/* Queue an audit log sector and wait until its entry is on the members. */
int teearray_journal_log_write(struct teearray_c *tc, struct teearray_log_write *lw)
{
	struct teearray_journal *j = &tc->journal;

	init_completion(&lw->done);
	spin_lock_irq(&j->lock);
	list_add_tail(&lw->node, &j->log_pending);
	spin_unlock_irq(&j->lock);
	teearray_journal_kick(tc);
	wait_for_completion(&lw->done);
	return lw->error;
}

int teearray_journal_init(struct teearray_c *tc)
{
	struct teearray_journal *j = &tc->journal;
	unsigned int i, cap = teearray_jplan_capacity(tc->p);
	unsigned int meta = teearray_jplan_max_meta(tc->p);

	spin_lock_init(&j->lock);
	bio_list_init(&j->pending);
	init_waitqueue_head(&j->wait);
	INIT_LIST_HEAD(&j->log_pending);
	INIT_DELAYED_WORK(&j->commit_work, teearray_commit_work);
	INIT_WORK(&j->apply_work, teearray_apply_work);
	j->plan.geo = &tc->geo;	/* known at assembly: teearray_journal_replay */
	j->capacity = cap;
	j->max_meta = meta;
	j->buf = teearray_buf_new(tc, GFP_KERNEL);
	j->rec = kvzalloc(sizeof(*j->rec), GFP_KERNEL);
	j->rec_disk = kcalloc(tc->m, sizeof(u8 *), GFP_KERNEL);
	j->payload = kcalloc(cap, sizeof(u8 *), GFP_KERNEL);
	j->where = kvcalloc(cap, sizeof(*j->where), GFP_KERNEL);
	j->pmac = kvcalloc(cap, sizeof(*j->pmac), GFP_KERNEL);
	j->own = kcalloc(tc->m, sizeof(*j->own), GFP_KERNEL);
	j->old_cols = kcalloc(tc->m, sizeof(u8 *), GFP_KERNEL);
	j->meta_old = kcalloc(meta, sizeof(u8 *), GFP_KERNEL);
	j->meta_new = kcalloc(meta, sizeof(u8 *), GFP_KERNEL);
	j->plan.meta_mv = kcalloc(meta, sizeof(u64), GFP_KERNEL);
	j->plan.dst = kvcalloc(cap, sizeof(*j->plan.dst), GFP_KERNEL);
	j->plan.mst = kvcalloc(meta, sizeof(*j->plan.mst), GFP_KERNEL);
	j->bios = kcalloc(cap, sizeof(*j->bios), GFP_KERNEL);
	/* A write, copy or read per payload; two records, or a trim, per member. */
	j->max_rqs = cap + 3 * tc->m;
	j->rqs = kvcalloc(j->max_rqs, sizeof(*j->rqs), GFP_KERNEL);
	/* A copy per payload at most, or a trim per member. */
	j->arqs = kvcalloc(cap + tc->m, sizeof(*j->arqs), GFP_KERNEL);
	/*
	 * Its own queue: a work that flushes another on the same
	 * WQ_MEM_RECLAIM queue could wait for ever on its one rescuer.
	 */
	j->apply_wq = alloc_workqueue("teearray_apply", WQ_MEM_RECLAIM | WQ_UNBOUND, 1);
	if (!j->buf || !j->rec || !j->rec_disk || !j->payload || !j->where || !j->pmac ||
	    !j->own || !j->old_cols || !j->meta_old || !j->meta_new || !j->plan.meta_mv ||
	    !j->plan.dst || !j->plan.mst || !j->bios || !j->rqs || !j->arqs || !j->apply_wq)
		return -ENOMEM;
	for (i = 0; i < tc->m; i++) {
		j->rec_disk[i] = (u8 *)__get_free_page(GFP_KERNEL);
		if (!j->rec_disk[i])
			return -ENOMEM;
	}
	for (i = 0; i < cap; i++) {
		j->payload[i] = (u8 *)__get_free_page(GFP_KERNEL);
		if (!j->payload[i])
			return -ENOMEM;
	}
	for (i = 0; i < meta; i++) {
		j->meta_old[i] = (u8 *)__get_free_page(GFP_KERNEL);
		j->meta_new[i] = (u8 *)__get_free_page(GFP_KERNEL);
		if (!j->meta_old[i] || !j->meta_new[i])
			return -ENOMEM;
	}
	return 0;
}

/* Context: dtr; the device is suspended, nothing is queued. */
void teearray_journal_exit(struct teearray_c *tc)
{
	struct teearray_journal *j = &tc->journal;
	unsigned int i;

	if (j->commit_work.work.func)
		cancel_delayed_work_sync(&j->commit_work);
	/* Runs the last apply, if one is queued, to its end. */
	if (j->apply_wq)
		destroy_workqueue(j->apply_wq);
	for (i = 0; j->payload && i < j->capacity; i++)
		free_page((unsigned long)j->payload[i]);
	for (i = 0; j->rec_disk && i < tc->m; i++)
		free_page((unsigned long)j->rec_disk[i]);
	for (i = 0; i < j->max_meta; i++) {
		if (j->meta_old)
			free_page((unsigned long)j->meta_old[i]);
		if (j->meta_new)
			free_page((unsigned long)j->meta_new[i]);
	}
	kvfree(j->arqs);
	kvfree(j->rqs);
	kfree(j->bios);
	kvfree(j->plan.mst);
	kvfree(j->plan.dst);
	kfree(j->plan.meta_mv);
	kfree(j->meta_new);
	kfree(j->meta_old);
	kfree(j->old_cols);
	kfree(j->own);
	kvfree(j->pmac);
	kvfree(j->where);
	kfree(j->payload);
	kfree(j->rec_disk);
	kvfree(j->rec);
	teearray_buf_put(j->buf);
	memset(j, 0, sizeof(*j));
}
