// SPDX-License-Identifier: GPL-2.0
/*
 * The stripe engine: fetching columns (reading them, or reconstructing them
 * when a member is missing or lies), verified reads, parity updates, and
 * the stripe sets that keep jobs off each other's stripes.
 *
 * Reads are queued per data stripe by map(); one job per stripe takes every
 * read queued so far.  A read checks the sector's metadata sector and then
 * the sector's MAC; a column that does not verify is rebuilt from the other
 * members and checked again, and the member that served it is failed.  If
 * the rebuilt column does not verify either, every column is fetched and
 * the stripe searched for the members that lie (teearray-blame.h); a stripe
 * that cannot be verified even so fails the read with EIO, counted in
 * status and logged in the audit log: bad data never reaches the caller.
 * Writes go through the journal (teearray-journal.c), which uses the parity
 * helpers here.
 */
#include <linux/slab.h>
#include <linux/bio.h>
#include <linux/hash.h>
#include <linux/math64.h>

#include "teearray.h"
#include "teearray-blame.h"

#define DM_MSG_PREFIX "teearray"

struct teearray_stripe {
	struct hlist_node node;
	u64 index;			/* data stripe */
	struct bio_list bios;
	struct work_struct work;
	struct teearray_c *tc;
};

/* readable[c]: can column c of stripe ms be read from its member (now)? */
static void teearray_readable_cols(struct teearray_c *tc, u64 ms, bool *readable)
{
	struct teearray_rebuild_pos rb;

	teearray_rebuild_pos_get(tc, &rb);
	teearray_plan_readable(&tc->geo, tc->members, &rb, ms, readable);
}

/* Columns of stripe ms that can be read and are not to be avoided. */
static unsigned int teearray_usable_cols(struct teearray_c *tc, u64 ms,
					 const bool *avoid)
{
	bool readable[TEEARRAY_MAX_MEMBERS];

	teearray_readable_cols(tc, ms, readable);
	return teearray_plan_usable(&tc->geo, readable, avoid);
}

void teearray_stripe_set_add(unsigned long *set, u64 ms)
{
	__set_bit(hash_64(ms, ilog2(TEEARRAY_STRIPE_LOCKS)), set);
}

/*
 * Take every stripe of the set or none (teearray-stripelock.h): never
 * deadlocks.  May sleep.
 */
static void teearray_lock_stripes_as(struct teearray_c *tc, const unsigned long *set,
				     bool shared)
{
	bool marked = false, ok;
	DEFINE_WAIT(wait);

	for (;;) {
		prepare_to_wait(&tc->busy_wq, &wait, TASK_UNINTERRUPTIBLE);
		spin_lock(&tc->busy_lock);
		ok = teearray_stripelocks_try(&tc->locks, set, shared, &marked);
		spin_unlock(&tc->busy_lock);
		if (ok)
			break;
		schedule();
	}
	finish_wait(&tc->busy_wq, &wait);
}

static void teearray_unlock_stripes_as(struct teearray_c *tc, const unsigned long *set,
				       bool shared)
{
	spin_lock(&tc->busy_lock);
	teearray_stripelocks_release(&tc->locks, set, shared);
	spin_unlock(&tc->busy_lock);
	wake_up_all(&tc->busy_wq);
}

void teearray_lock_stripes(struct teearray_c *tc, const unsigned long *set)
{
	teearray_lock_stripes_as(tc, set, false);
}

void teearray_unlock_stripes(struct teearray_c *tc, const unsigned long *set)
{
	teearray_unlock_stripes_as(tc, set, false);
}

void teearray_lock_stripes_shared(struct teearray_c *tc, const unsigned long *set)
{
	teearray_lock_stripes_as(tc, set, true);
}

void teearray_unlock_stripes_shared(struct teearray_c *tc, const unsigned long *set)
{
	teearray_unlock_stripes_as(tc, set, true);
}

/*
 * Fail the members whose requests failed; false if the array failed, the
 * death record saying so could not be persisted, or a request gave up
 * waiting on a member the array cannot do without (that I/O fails alone).
 * A timeout that reaches here is one teearray_io judged evidence enough
 * (teearray-slow.h).
 */
bool teearray_handle_failures(struct teearray_c *tc,
			      struct teearray_request *rqs, unsigned int n,
			      const char *what)
{
	bool failed[TEEARRAY_MAX_MEMBERS] = { false };
	u32 cause = TEEARRAY_FAIL_SILENT;
	bool any = false, gave_up = false;
	u64 detail = 0;
	unsigned int i;

	if (READ_ONCE(tc->fail_reason))
		return false;
	for (i = 0; i < n; i++) {
		u32 slot = rqs[i].slot;

		if (rqs[i].status == TEEARRAY_ST_OK)
			continue;
		if (teearray_status_is_fatal(rqs[i].status)) {
			teearray_set_failed(tc, "fenced by a newer generation");
			return false;
		}
		if (rqs[i].status == TEEARRAY_RQ_GAVE_UP) {
			if (!gave_up)
				DMWARN_LIMIT("%s: member %u: %s: waited %llu ms: I/O fails alone",
					     teearray_dev(tc), slot, what,
					     teearray_member_silent_ms(tc, slot));
			gave_up = true;
			continue;
		}
		if (!failed[slot])
			DMWARN_LIMIT("%s: member %u: %s: %s", teearray_dev(tc), slot, what,
				     teearray_status_name(rqs[i].status));
		if (rqs[i].status == TEEARRAY_ST_TIMEOUT) {
			detail = max(detail, teearray_member_silent_ms(tc, slot));
		} else if (cause == TEEARRAY_FAIL_SILENT) {
			cause = TEEARRAY_FAIL_STATUS;
			detail = (u32)rqs[i].status;
		}
		failed[slot] = true;
		any = true;
	}
	if (any && teearray_fail_members(tc, failed, what, cause, detail))
		return false;
	return !gave_up && !READ_ONCE(tc->fail_reason);
}

/*
 * Make buf->col[c] hold the current contents of every wanted column of
 * stripe ms, reading them or, when a member is missing, fails, or is to be
 * avoided, reading N other columns and decoding.  direct[c] (optional) says
 * which columns came straight from their member.  Context: job holding the
 * stripe.
 */
int teearray_fetch_columns(struct teearray_c *tc, u64 ms, const bool *want,
			   const bool *avoid, bool *direct,
			   struct teearray_buf *buf)
{
	struct teearray_request *rqs;
	struct {
		bool readable[TEEARRAY_MAX_MEMBERS];
		bool read[TEEARRAY_MAX_MEMBERS];
		u8 erased[TEEARRAY_MAX_MEMBERS];
	} *plan;
	bool *read;
	unsigned int attempt, c, k;
	int r = -EIO;

	rqs = kcalloc(tc->m, sizeof(*rqs), GFP_NOIO);
	plan = kmalloc(sizeof(*plan), GFP_NOIO);
	if (!rqs || !plan) {
		r = -ENOMEM;
		goto out;
	}
	read = plan->read;

	for (attempt = 0; attempt <= tc->m; attempt++) {
		int missing;

		if (READ_ONCE(tc->fail_reason))
			break;
		teearray_readable_cols(tc, ms, plan->readable);
		missing = teearray_plan_fetch(&tc->geo, plan->readable, avoid, want, read);
		if (missing < 0) {
			if (!avoid)
				teearray_set_failed(tc, "fewer than N readable members");
			break;
		}

		for (c = 0, k = 0; c < tc->m; c++) {
			if (!read[c])
				continue;
			teearray_rq_init(tc, &rqs[k], teearray_slot_of(&tc->geo, ms, c),
					 TEEARRAY_OP_READ, ms, buf->col[c]);
			/* A read may fail alone rather than wait on a member for ever. */
			rqs[k++].may_give_up = true;
		}
		if (teearray_io(tc, rqs, k))
			break;
		if (!teearray_handle_failures(tc, rqs, k, "read failed"))
			break;
		for (c = 0; c < k; c++)
			if (rqs[c].status != TEEARRAY_ST_OK)
				break;
		if (c < k)
			continue;	/* membership changed: plan again */

		if (missing) {
			for (c = 0; c < tc->m; c++)
				plan->erased[c] = !read[c];
			r = tee_ec_decode(tc->ec, buf->ec_work, buf->col, plan->erased);
			if (r)
				break;
		}
		if (direct)
			for (c = 0; c < tc->m; c++)
				direct[c] = read[c];
		r = 0;
		break;
	}
out:
	kfree(plan);
	kfree(rqs);
	return r;
}

/* What the search's check of a data column needs. */
struct teearray_blame_ctx {
	struct teearray_c *tc;
	u64 ms;
	teearray_check_fn check;
	void *ctx;
	u8 state[TEEARRAY_MAX_MEMBERS];
	bool liar[TEEARRAY_MAX_MEMBERS];
	bool fetch[TEEARRAY_MAX_MEMBERS];
	bool readable[TEEARRAY_MAX_MEMBERS];
	bool slots[TEEARRAY_MAX_MEMBERS];	/* by slot */
	u8 *saved[TEE_EC_MAX_PARITY];
};

static int teearray_blame_check(void *ctx, unsigned int col, const u8 *sector)
{
	struct teearray_blame_ctx *b = ctx;

	return b->check(b->tc, b->ms, col, sector, b->ctx);
}

/*
 * A column rebuilt from the others did not verify: one of the columns it
 * was rebuilt from lies too.  Fetch every readable column not held yet
 * (held[c]: buf->col[c] is what its member served; bad[c]: a data column
 * known not to verify, already counted), check every data column, and
 * search for the stripe (teearray_blame_search).  Found: buf->col holds the
 * whole stripe and every member whose column differs from it is failed.
 * Not found: -EIO, counted in <unverifiable>, logged and audited, nobody
 * failed (nothing decides who lied).  Context: job holding the stripe.
 */
static noinline_for_stack int
teearray_fetch_blame(struct teearray_c *tc, u64 ms, struct teearray_buf *buf,
		     teearray_check_fn check, void *ctx, const bool *bad,
		     const bool *held)
{
	const char *dev = teearray_dev(tc);
	struct teearray_request *rqs;
	struct teearray_blame_ctx *b;
	unsigned int c, i, k = 0, tries = 0;
	bool any = false;
	int r;

	b = kzalloc(sizeof(*b), GFP_NOIO);
	rqs = kcalloc(tc->m, sizeof(*rqs), GFP_NOIO);
	if (!b || !rqs) {
		r = -ENOMEM;
		goto out;
	}
	b->tc = tc;
	b->ms = ms;
	b->check = check;
	b->ctx = ctx;
	teearray_readable_cols(tc, ms, b->readable);
	for (c = 0; c < tc->m; c++) {
		if (c < tc->n && bad[c])
			b->state[c] = TEEARRAY_BLAME_BAD;
		else if (held[c])
			b->state[c] = TEEARRAY_BLAME_HELD;
		else if (b->readable[c])
			b->fetch[c] = true;
	}
	for (c = 0; c < tc->m; c++) {
		if (!b->fetch[c])
			continue;
		teearray_rq_init(tc, &rqs[k], teearray_slot_of(&tc->geo, ms, c),
				 TEEARRAY_OP_READ, ms, buf->col[c]);
		rqs[k++].may_give_up = true;
	}
	r = k ? teearray_io(tc, rqs, k) : 0;
	if (r || !teearray_handle_failures(tc, rqs, k, "read failed")) {
		r = -EIO;
		goto out;
	}
	for (c = 0, i = 0; c < tc->m; c++)
		if (b->fetch[c] && rqs[i++].status == TEEARRAY_ST_OK)
			b->state[c] = TEEARRAY_BLAME_HELD;
	for (c = 0; c < tc->n; c++) {
		int v;

		if (b->state[c] != TEEARRAY_BLAME_HELD)
			continue;
		v = check(tc, ms, c, buf->col[c], ctx);
		if (!v || v == -ENODATA)
			continue;
		b->state[c] = TEEARRAY_BLAME_BAD;
		atomic64_inc(&tc->mac_failures);
		teearray_audit_event_slot(tc, TEEARRAY_EV_MAC_FAILURE, ms,
					  atomic64_read(&tc->mac_failures),
					  teearray_slot_of(&tc->geo, ms, c));
		DMWARN_LIMIT("%s: stripe %llu column %u (member %u) does not verify either",
			     dev, ms, c, teearray_slot_of(&tc->geo, ms, c));
	}
	for (i = 0; i < tc->p; i++) {
		if (b->state[tc->n + i] != TEEARRAY_BLAME_HELD)
			continue;
		b->saved[i] = (u8 *)__get_free_page(GFP_NOIO);
		if (!b->saved[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = teearray_blame_search(tc->ec, buf->ec_work, tc->n, tc->p, buf->col,
				  b->saved, b->state, teearray_blame_check, b,
				  b->liar, &tries);
	if (r == -ENOENT) {
		u64 nr = atomic64_inc_return(&tc->unverifiable);

		for (c = 0; c < tc->n; c++)
			if (b->state[c] == TEEARRAY_BLAME_BAD)
				b->slots[teearray_slot_of(&tc->geo, ms, c)] = true;
		dm_table_event(tc->ti->table);
		teearray_audit_event(tc, TEEARRAY_EV_UNVERIFIABLE, ms, nr, b->slots);
		DMERR_LIMIT("%s: stripe %llu: no set of columns verifies (%u tried): EIO",
			    dev, ms, tries);
		r = -EIO;
		goto out;
	}
	if (r)
		goto out;
	for (c = 0; c < tc->m; c++) {
		u32 slot = teearray_slot_of(&tc->geo, ms, c);

		if (!b->liar[c])
			continue;
		DMWARN_LIMIT("%s: stripe %llu: member %u lied (column %u): failing it",
			     dev, ms, slot, c);
		b->slots[slot] = true;
		any = true;
	}
	if (any) {
		if (teearray_fail_members(tc, b->slots,
					  "served a column that differs from the verified stripe",
					  TEEARRAY_FAIL_LIED, 0))
			r = -EIO;
	}
out:
	if (r && r != -EIO)
		DMERR_LIMIT("%s: stripe %llu: searching for the members that lie failed: %d",
			    dev, ms, r);
	if (b)
		for (i = 0; i < tc->p; i++)
			free_page((unsigned long)b->saved[i]);
	kfree(rqs);
	kfree(b);
	return r;
}

/*
 * Fetch the wanted columns and check each data column with check().  A
 * column its member served that does not verify is rebuilt from the other
 * members; if the rebuilt one verifies, the member lied and is failed.  A
 * column that does not verify after a rebuild, or cannot be rebuilt
 * because too few columns are left, means more members lie: then
 * teearray_fetch_blame() looks at the whole stripe, fails the liars or
 * fails the fetch with EIO (never silently).  check() returns -ENODATA for
 * contents that verify only because they are all zero ("never written"); a
 * member could zero a sector to hide data, so each such column is
 * confirmed once by rebuilding it, one at a time so that N other columns
 * stay available (and not at all when the stripe has no redundancy left:
 * then nothing can tell).
 */
int teearray_fetch_verified(struct teearray_c *tc, u64 ms, const bool *want,
			    struct teearray_buf *buf, teearray_check_fn check,
			    void *ctx)
{
	bool avoid[TEEARRAY_MAX_MEMBERS] = { false };
	bool liar[TEEARRAY_MAX_MEMBERS] = { false };
	bool zero_ok[TEEARRAY_MAX_MEMBERS] = { false };
	bool direct[TEEARRAY_MAX_MEMBERS];
	unsigned int attempt, c;
	bool any_liar = false;
	int r = -EIO;

	for (attempt = 0; attempt <= 2 * tc->n + 1; attempt++) {
		bool again = false, confirming = false, lacking = false;

		for (c = 0; c < tc->n && attempt; c++)
			lacking |= want[c] && avoid[c];
		if (lacking && teearray_usable_cols(tc, ms, avoid) < tc->n) {
			DMWARN_LIMIT("%s: stripe %llu: cannot rebuild: searching the stripe",
				     teearray_dev(tc), ms);
			return teearray_fetch_blame(tc, ms, buf, check, ctx, liar, direct);
		}
		r = teearray_fetch_columns(tc, ms, want, attempt ? avoid : NULL,
					   direct, buf);
		if (r)
			return r;
		for (c = 0; c < tc->n; c++) {
			bool probe = avoid[c] && !liar[c];
			int v;

			if (!want[c])
				continue;
			v = check(tc, ms, c, buf->col[c], ctx);
			if (v == -ENODATA && !direct[c]) {
				/* rebuilt as zero: the member told the truth */
				zero_ok[c] = true;
				avoid[c] = false;
				continue;
			}
			if (v == -ENODATA) {
				if (teearray_usable_cols(tc, ms, avoid) <= tc->n)
					zero_ok[c] = true;
				if (!zero_ok[c] && !confirming) {
					avoid[c] = true;
					confirming = true;
				}
				again |= !zero_ok[c];
				continue;
			}
			if (!v && !probe)
				continue;
			if (v && !direct[c]) {
				/* No member served this: it was rebuilt from liars. */
				DMWARN_LIMIT("%s: stripe %llu column %u: rebuilt, does not verify",
					     teearray_dev(tc), ms, c);
				return teearray_fetch_blame(tc, ms, buf, check, ctx, liar, direct);
			}
			atomic64_inc(&tc->mac_failures);
			dm_table_event(tc->ti->table);
			teearray_audit_event_slot(tc, TEEARRAY_EV_MAC_FAILURE, ms,
						  atomic64_read(&tc->mac_failures),
						  teearray_slot_of(&tc->geo, ms, c));
			if (!v) {
				DMWARN_LIMIT("%s: stripe %llu: member %u zeroed a written sector",
					     teearray_dev(tc), ms,
					     teearray_slot_of(&tc->geo, ms, c));
				liar[c] = true;
				continue;
			}
			DMWARN_LIMIT("%s: stripe %llu column %u (member %u) does not verify%s",
				     teearray_dev(tc), ms, c,
				     teearray_slot_of(&tc->geo, ms, c),
				     ": rebuilding it from the others");
			avoid[c] = true;
			liar[c] = true;
			again = true;
		}
		if (!again)
			break;
	}
	if (attempt > 2 * tc->n + 1) {
		DMWARN_LIMIT("%s: stripe %llu: rebuilding does not settle: searching the stripe",
			     teearray_dev(tc), ms);
		return teearray_fetch_blame(tc, ms, buf, check, ctx, liar, direct);
	}
	for (c = 0; c < tc->n; c++)
		any_liar |= liar[c];
	if (any_liar) {
		bool failed[TEEARRAY_MAX_MEMBERS] = { false };

		for (c = 0; c < tc->n; c++)
			if (liar[c])
				failed[teearray_slot_of(&tc->geo, ms, c)] = true;
		if (teearray_fail_members(tc, failed, "returned data that does not verify",
					  TEEARRAY_FAIL_LIED, 0))
			return -EIO;
	}
	return 0;
}

/* Write the given columns of stripe ms to every member that takes writes. */
int teearray_write_columns(struct teearray_c *tc, u64 ms, const bool *cols,
			   struct teearray_buf *buf)
{
	struct teearray_request *rqs;
	unsigned int c, k = 0;
	int r;

	rqs = kcalloc(tc->m, sizeof(*rqs), GFP_NOIO);
	if (!rqs)
		return -ENOMEM;
	for (c = 0; c < tc->m; c++) {
		u32 slot = teearray_slot_of(&tc->geo, ms, c);

		if (!cols[c] || !teearray_member_writable(&tc->members[slot]))
			continue;
		teearray_rq_init(tc, &rqs[k++], slot, TEEARRAY_OP_WRITE, ms, buf->col[c]);
	}
	r = teearray_io(tc, rqs, k);
	if (!r && !teearray_handle_failures(tc, rqs, k, "write failed"))
		r = -EIO;
	kfree(rqs);
	return r;
}

/* Metadata stripe check: the sector's tag; -ENODATA for all zero. */
int teearray_check_meta(struct teearray_c *tc, u64 ms, u32 col,
			const u8 *sector, void *ctx)
{
	u64 mv = teearray_geo_meta_mv(&tc->geo, ms, col);

	if (!memchr_inv(sector, 0, TEEARRAY_SECTOR_SIZE))
		return -ENODATA;
	return teearray_verify_meta(tc, mv, (const struct teearray_meta_disk *)sector, NULL);
}

/*
 * Fetch what a parity update of the written columns needs
 * (teearray_plan_update: for RMW the parity and, unless have_old, the
 * written columns' old contents; for RCW the unwritten data columns, except
 * those in have[], already in buf->col).  Data columns are checked with
 * check().
 */
int teearray_stripe_fetch_old(struct teearray_c *tc, u64 ms,
			      const unsigned long *written, unsigned int nw,
			      bool have_old, const bool *have,
			      struct teearray_buf *buf, teearray_check_fn check,
			      void *ctx, bool *rmw)
{
	bool want[TEEARRAY_MAX_MEMBERS] = { false }, readable[TEEARRAY_MAX_MEMBERS];
	bool any = false;
	unsigned int c;

	teearray_readable_cols(tc, ms, readable);
	*rmw = teearray_plan_update(&tc->geo, written, nw, have_old, have, readable, want);
	for (c = 0; c < tc->m; c++)
		any |= want[c];
	if (!any)
		return 0;
	return teearray_fetch_verified(tc, ms, want, buf, check, ctx);
}

/*
 * New contents of the written columns are in buf->aux[c]; old contents
 * in old[c] (or, when old is NULL, in buf->col[c] as fetched).  Leaves the
 * new written columns and the new parity in buf->col.
 */
int teearray_stripe_compute(struct teearray_c *tc,
			    const unsigned long *written, u8 *const *old,
			    struct teearray_buf *buf, bool rmw)
{
	u16 idx[TEEARRAY_MAX_MEMBERS];
	unsigned int c, i, w = 0;

	for (c = 0; c < tc->n; c++)
		if (test_bit(c, written))
			idx[w++] = c;
	if (!rmw) {
		for (c = 0; c < w; c++)
			memcpy(buf->col[idx[c]], buf->aux[idx[c]], TEEARRAY_SECTOR_SIZE);
		tee_ec_encode(tc->ec, buf->ec_work, (const u8 *const *)buf->col,
			      buf->col + tc->n);
		return 0;
	}
	/* parity += code(old ^ new); aux becomes the delta. */
	for (c = 0; c < w; c++) {
		u8 *delta = buf->aux[idx[c]], *dst = buf->col[idx[c]];
		const u8 *o = old ? old[idx[c]] : dst;

		for (i = 0; i < TEEARRAY_SECTOR_SIZE; i++) {
			delta[i] ^= o[i];
			dst[i] = o[i] ^ delta[i];
		}
	}
	return tee_ec_update(tc->ec, buf->ec_work, w, idx,
			     (const u8 *const *)buf->aux, buf->col + tc->n);
}

static void teearray_bio_copy(struct bio *bio, u8 *sector, bool to_bio)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	unsigned int off = 0;

	bio_for_each_segment(bv, bio, iter) {
		if (to_bio)
			memcpy_to_bvec(&bv, sector + off);
		else
			memcpy_from_bvec(sector + off, &bv);
		off += bv.bv_len;
	}
}

/* Virtual 4 KiB sector of a bio. */
static u64 teearray_bio_vsector(struct teearray_c *tc, struct bio *bio)
{
	return dm_target_offset(tc->ti, bio->bi_iter.bi_sector) >> 3;
}

static void teearray_end_bios(struct bio_list *bios, int r)
{
	struct bio *bio;

	while ((bio = bio_list_pop(bios))) {
		if (r)
			bio->bi_status = errno_to_blk_status(r);
		bio_endio(bio);
	}
}

/* Context of a data-column check: the stripe's metadata sectors. */
struct teearray_read_ctx {
	u64 stripe;			/* data stripe */
	u64 mv[2];			/* at most two metadata sectors per stripe */
	const struct teearray_meta_disk *meta[2];
};

static const struct teearray_entry *
teearray_read_entry(struct teearray_read_ctx *rc, u64 v)
{
	u32 i;
	u64 mv = teearray_meta_sector_of(v, &i);

	return &rc->meta[mv == rc->mv[0] ? 0 : 1]->entry[i];
}

static int teearray_check_data(struct teearray_c *tc, u64 ms, u32 col,
			       const u8 *sector, void *ctx)
{
	struct teearray_read_ctx *rc = ctx;
	u64 v = rc->stripe * tc->n + col;

	return teearray_verify_sector(tc, v, teearray_read_entry(rc, v), sector);
}

/*
 * Fetch and verify metadata sector mv into page.  Context: job holding the
 * metadata stripe.
 */
static int teearray_fetch_meta(struct teearray_c *tc, u64 mv, u8 *page,
			       struct teearray_buf *buf)
{
	bool want[TEEARRAY_MAX_MEMBERS] = { false };
	u32 col;
	u64 ms = teearray_meta_ms(tc, mv, &col);
	int r;

	if (teearray_metacache_get(tc, mv, page))
		return 0;
	want[col] = true;
	r = teearray_fetch_verified(tc, ms, want, buf, teearray_check_meta, NULL);
	if (!r) {
		memcpy(page, buf->col[col], TEEARRAY_SECTOR_SIZE);
		teearray_metacache_put(tc, mv, page);
	}
	return r;
}

/*
 * Fetch and verify the metadata sectors of data stripe rc->stripe into
 * aux[0] and aux[N-1] (N >= 2 when there are two).
 */
static int teearray_read_ctx_init(struct teearray_c *tc, struct teearray_read_ctx *rc,
				  struct teearray_buf *buf)
{
	unsigned int c, nmeta;
	int r;

	nmeta = teearray_geo_stripe_meta(&tc->geo, rc->stripe, rc->mv);
	for (c = 0; c < nmeta; c++) {
		u8 *page = buf->aux[c ? tc->n - 1 : 0];

		r = teearray_fetch_meta(tc, rc->mv[c], page, buf);
		if (r)
			return r;
		rc->meta[c] = (const struct teearray_meta_disk *)page;
	}
	if (nmeta == 1)
		rc->meta[1] = rc->meta[0];
	return 0;
}

static int teearray_read_stripe(struct teearray_c *tc, u64 stripe,
				const bool *want, struct teearray_buf *buf)
{
	struct teearray_read_ctx rc = { .stripe = stripe };
	u64 first = stripe * tc->n;
	unsigned int c;
	int r;

	r = teearray_read_ctx_init(tc, &rc, buf);
	if (r)
		return r;
	r = teearray_fetch_verified(tc, teearray_data_ms(tc, stripe), want, buf,
				    teearray_check_data, &rc);
	if (r)
		return r;
	for (c = 0; c < tc->n; c++)
		if (want[c])
			teearray_decrypt_sector(tc, teearray_read_entry(&rc, first + c),
						buf->col[c], buf->col[c]);
	return 0;
}

/* The stripes a read of data stripe s holds: its own and its metadata's. */
static void teearray_read_set(struct teearray_c *tc, u64 stripe, unsigned long *set)
{
	u64 mv[2];
	u32 col;

	teearray_geo_stripe_meta(&tc->geo, stripe, mv);
	bitmap_zero(set, TEEARRAY_STRIPE_LOCKS);
	teearray_stripe_set_add(set, teearray_data_ms(tc, stripe));
	teearray_stripe_set_add(set, teearray_meta_ms(tc, mv[0], &col));
	teearray_stripe_set_add(set, teearray_meta_ms(tc, mv[1], &col));
}

/*
 * Key rotation: does data stripe s hold a sector under another epoch than
 * the current one, or a metadata sector whose tag verifies only under the
 * previous epoch?  Returns 1, 0 or an error.  Context: process, holding no
 * stripe.
 */
int teearray_stripe_stale(struct teearray_c *tc, u64 stripe, struct teearray_buf *buf)
{
	struct teearray_read_ctx rc = { .stripe = stripe };
	DECLARE_BITMAP(set, TEEARRAY_STRIPE_LOCKS);
	unsigned int c;
	bool old;
	int r;

	teearray_read_set(tc, stripe, set);
	teearray_lock_stripes_shared(tc, set);
	r = teearray_read_ctx_init(tc, &rc, buf);
	for (c = 0; c < tc->n && !r; c++) {
		const struct teearray_entry *e = teearray_read_entry(&rc, stripe * tc->n + c);

		if (!teearray_entry_unwritten(e) && teearray_entry_epoch(e) != tc->key_epoch)
			r = 1;
	}
	for (c = 0; c < 2 && !r; c++)
		if (memchr_inv(rc.meta[c], 0, TEEARRAY_SECTOR_SIZE) &&
		    !teearray_verify_meta(tc, rc.mv[c], rc.meta[c], &old) && old)
			r = 1;
	teearray_unlock_stripes_shared(tc, set);
	return r;
}

/*
 * Scrub stripe ms: fetch every column, check the data columns as a read
 * does (a member that served bad data is failed), recompute the parity into
 * parity[] (P pages) and compare it with what the parity members hold.
 * Returns the number of parity columns that differ, rewritten from the data
 * when repair is set, or a negative errno.  Context: scrub worker, holding
 * no stripe.
 */
int teearray_scrub_stripe(struct teearray_c *tc, u64 ms, bool repair,
			  u8 **parity, struct teearray_buf *buf)
{
	bool want[TEEARRAY_MAX_MEMBERS] = { false }, cols[TEEARRAY_MAX_MEMBERS] = { false };
	DECLARE_BITMAP(set, TEEARRAY_STRIPE_LOCKS);
	struct teearray_read_ctx rc = { .stripe = ms - tc->geo.data_start };
	bool data = ms >= tc->geo.data_start;
	unsigned int c;
	int r, bad = 0;

	for (c = 0; c < tc->m; c++)
		want[c] = true;
	if (data) {
		teearray_read_set(tc, rc.stripe, set);
	} else {
		bitmap_zero(set, TEEARRAY_STRIPE_LOCKS);
		teearray_stripe_set_add(set, ms);
	}
	/* Checking only reads: beside user reads; a repair writes. */
	if (repair)
		teearray_lock_stripes(tc, set);
	else
		teearray_lock_stripes_shared(tc, set);
	if (data) {
		r = teearray_read_ctx_init(tc, &rc, buf);
		if (!r)
			r = teearray_fetch_verified(tc, ms, want, buf, teearray_check_data, &rc);
	} else if (ms < tc->geo.log_start) {
		r = teearray_fetch_verified(tc, ms, want, buf, teearray_check_meta, NULL);
	} else {
		/* Log sectors carry signatures (teearray log --verify): parity only. */
		r = teearray_fetch_columns(tc, ms, want, NULL, NULL, buf);
	}
	if (!r) {
		tee_ec_encode(tc->ec, buf->ec_work, (const u8 *const *)buf->col, parity);
		for (c = tc->n; c < tc->m; c++) {
			if (!memcmp(parity[c - tc->n], buf->col[c], TEEARRAY_SECTOR_SIZE))
				continue;
			DMWARN_LIMIT("%s: stripe %llu: parity column %u (member %u) differs%s",
				     teearray_dev(tc), ms, c,
				     teearray_slot_of(&tc->geo, ms, c),
				     repair ? ": rewriting it" : "");
			memcpy(buf->col[c], parity[c - tc->n], TEEARRAY_SECTOR_SIZE);
			cols[c] = true;
			bad++;
		}
		if (bad && repair)
			r = teearray_write_columns(tc, ms, cols, buf);
	}
	if (repair)
		teearray_unlock_stripes(tc, set);
	else
		teearray_unlock_stripes_shared(tc, set);
	return r ? r : bad;
}

static void teearray_do_reads(struct teearray_c *tc, u64 stripe,
			      struct bio_list *bios, struct teearray_buf *buf)
{
	bool want[TEEARRAY_MAX_MEMBERS] = { false };
	struct bio *bio;
	u32 col;
	int r;

	bio_list_for_each(bio, bios) {
		div_u64_rem(teearray_bio_vsector(tc, bio), tc->n, &col);
		want[col] = true;
	}
	r = READ_ONCE(tc->fail_reason) ? -EIO :
	    teearray_read_stripe(tc, stripe, want, buf);
	if (!r) {
		bio_list_for_each(bio, bios) {
			div_u64_rem(teearray_bio_vsector(tc, bio), tc->n, &col);
			teearray_bio_copy(bio, buf->col[col], true);
		}
	}
	teearray_end_bios(bios, r);
}

static void teearray_stripe_work(struct work_struct *work)
{
	struct teearray_stripe *st = container_of(work, struct teearray_stripe, work);
	struct teearray_c *tc = st->tc;
	DECLARE_BITMAP(set, TEEARRAY_STRIPE_LOCKS);
	struct teearray_buf *buf;
	struct bio_list bios;

	teearray_read_set(tc, st->index, set);
	teearray_lock_stripes_shared(tc, set);
	buf = mempool_alloc(tc->buf_pool, GFP_NOIO);
	for (;;) {
		spin_lock_irq(&tc->stripe_lock);
		bios = st->bios;
		bio_list_init(&st->bios);
		if (bio_list_empty(&bios)) {
			hash_del(&st->node);
			spin_unlock_irq(&tc->stripe_lock);
			break;
		}
		spin_unlock_irq(&tc->stripe_lock);
		teearray_do_reads(tc, st->index, &bios, buf);
	}
	mempool_free(buf, tc->buf_pool);
	teearray_unlock_stripes_shared(tc, set);
	mempool_free(st, tc->stripe_pool);
}

static int teearray_queue_read(struct teearray_c *tc, struct bio *bio)
{
	struct teearray_stripe *st, *new;
	u64 stripe = div_u64(teearray_bio_vsector(tc, bio), tc->n);

	new = mempool_alloc(tc->stripe_pool, GFP_NOIO);
	spin_lock_irq(&tc->stripe_lock);
	hash_for_each_possible(tc->stripe_table, st, node, stripe) {
		if (st->index == stripe) {
			bio_list_add(&st->bios, bio);
			spin_unlock_irq(&tc->stripe_lock);
			mempool_free(new, tc->stripe_pool);
			return DM_MAPIO_SUBMITTED;
		}
	}
	new->index = stripe;
	new->tc = tc;
	bio_list_init(&new->bios);
	bio_list_add(&new->bios, bio);
	INIT_WORK(&new->work, teearray_stripe_work);
	hash_add(tc->stripe_table, &new->node, stripe);
	spin_unlock_irq(&tc->stripe_lock);
	queue_work(tc->io_wq, &new->work);
	return DM_MAPIO_SUBMITTED;
}

/* Context: map(), process; may sleep for a stripe descriptor. */
int teearray_map_bio(struct teearray_c *tc, struct bio *bio)
{
	if (bio->bi_opf & REQ_PREFLUSH && !bio->bi_iter.bi_size) {
		/*
		 * device-mapper sends flushes as empty REQ_PREFLUSH writes.  A
		 * write completes only once its journal entry is on the
		 * members: nothing is left to flush.
		 */
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	if (bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE)
		return DM_MAPIO_KILL;
	if (READ_ONCE(tc->fail_reason))
		return DM_MAPIO_KILL;
	/* The queue limits make every bio one aligned 4 KiB sector; check. */
	if (bio->bi_iter.bi_size != TEEARRAY_SECTOR_SIZE ||
	    dm_target_offset(tc->ti, bio->bi_iter.bi_sector) & 7) {
		DMWARN_LIMIT("%s: refusing a bio of %u bytes at sector %llu: not one 4 KiB sector",
			     teearray_dev(tc),
			     bio->bi_iter.bi_size,
			     (unsigned long long)bio->bi_iter.bi_sector);
		return DM_MAPIO_KILL;
	}
	if (bio_data_dir(bio) == WRITE) {
		teearray_journal_queue(tc, bio);
		return DM_MAPIO_SUBMITTED;
	}
	return teearray_queue_read(tc, bio);
}

void teearray_buf_put(struct teearray_buf *buf)
{
	unsigned int i;

	if (!buf)
		return;
	for (i = 0; i < TEEARRAY_MAX_MEMBERS; i++) {
		free_page((unsigned long)buf->col[i]);
		free_page((unsigned long)buf->aux[i]);
	}
	kvfree(buf->ec_work);
	kfree(buf);
}

struct teearray_buf *teearray_buf_new(struct teearray_c *tc, gfp_t gfp)
{
	struct teearray_buf *buf;
	unsigned int i;

	buf = kzalloc(sizeof(*buf), gfp);
	if (!buf)
		return NULL;
	for (i = 0; i < tc->m; i++) {
		buf->col[i] = (u8 *)__get_free_page(gfp);
		if (!buf->col[i])
			goto bad;
	}
	for (i = 0; i < tc->n; i++) {
		buf->aux[i] = (u8 *)__get_free_page(gfp);
		if (!buf->aux[i])
			goto bad;
	}
	buf->ec_work = kmalloc(tee_ec_work_size(tc->ec), gfp);
	if (!buf->ec_work)
		goto bad;
	return buf;
bad:
	teearray_buf_put(buf);
	return NULL;
}

static void teearray_buf_free(void *element, void *pool_data)
{
	teearray_buf_put(element);
}

static void *teearray_buf_alloc(gfp_t gfp, void *pool_data)
{
	return teearray_buf_new(pool_data, gfp);
}

int teearray_io_init(struct teearray_c *tc)
{
	spin_lock_init(&tc->stripe_lock);
	hash_init(tc->stripe_table);
	spin_lock_init(&tc->busy_lock);
	init_waitqueue_head(&tc->busy_wq);
	tc->stripe_pool = mempool_create_kmalloc_pool(16, sizeof(struct teearray_stripe));
	tc->buf_pool = mempool_create(2, teearray_buf_alloc, teearray_buf_free, tc);
	tc->io_wq = alloc_workqueue("teearray_io", WQ_MEM_RECLAIM, 64);
	if (!tc->stripe_pool || !tc->buf_pool || !tc->io_wq) {
		teearray_io_exit(tc);
		return -ENOMEM;
	}
	return 0;
}

void teearray_io_exit(struct teearray_c *tc)
{
	if (tc->io_wq)
		destroy_workqueue(tc->io_wq);
	mempool_destroy(tc->buf_pool);
	mempool_destroy(tc->stripe_pool);
}
