// SPDX-License-Identifier: GPL-2.0
/*
 * Journal replay at assembly: find the newest journal entry on the live
 * members, roll it forward when it is complete (else the one before it),
 * then write an empty record with the next version; erase mode trims both
 * payload halves.  Documentation/admin-guide/device-mapper/dm-teearray-journal.rst,
 * "Assembly and recovery", has the procedure and why it is safe.
 *
 * Runs in preresume under member_lock, before any I/O; it uses the
 * journal's buffers (payload pages, where[], rqs[], rec, rec_disk), which
 * the commit work does not touch until assembly has finished.
 */
#include <linux/slab.h>

#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

/* What assembly read from the record slots, and the decision's inputs. */
struct teearray_replay {
	u8 *disk;			/* 2m record sectors, [2 * slot + half] */
	struct teearray_jrec *rec;	/* 2m parsed records */
	const u8 **key;			/* 2m: the key each verified under */
	bool *ok;			/* 2m: authentic */
	u64 *version;			/* 2m */
	bool *present, *holds;		/* m */
};

/*
 * Parse a record under the current epoch's metadata key or, while a rotation
 * is unfinished, the previous one's; *key is the one that verified.
 */
static int teearray_replay_parse(struct teearray_c *tc, const u8 *d, u32 slot,
				 struct teearray_jrec *rec, const u8 **key, char **error)
{
	u32 e = tc->key_epoch, cap = tc->journal.capacity;
	const struct teearray_epoch_keys *k = teearray_keys_of(tc, e);
	int r = teearray_jrec_parse(d, rec, tc->params->array_uuid, k->meta_key,
				    &tc->geo, slot, cap, error);

	*key = k->meta_key;
	k = e ? teearray_keys_of(tc, e - 1) : NULL;
	if (r == -EBADMSG && k &&
	    !teearray_jrec_parse(d, rec, tc->params->array_uuid, k->meta_key, &tc->geo,
				 slot, cap, error)) {
		*key = k->meta_key;
		r = 0;
	}
	return r;
}

/* Mark members whose requests failed dead and persist that; true if any. */
static int teearray_replay_failures(struct teearray_c *tc,
				    struct teearray_request *rqs, unsigned int n)
{
	bool changed = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct teearray_member *mb = &tc->members[rqs[i].slot];

		if (rqs[i].status == TEEARRAY_ST_OK || mb->state == TEEARRAY_MEMBER_DEAD)
			continue;
		DMWARN("%s: member %u: journal replay: %s: marking it dead", teearray_dev(tc),
		       rqs[i].slot, teearray_status_name(rqs[i].status));
		mb->state = TEEARRAY_MEMBER_DEAD;
		changed = true;
	}
	if (!changed)
		return 0;
	return teearray_persist_dr_locked(tc) ?: 1;
}

/*
 * Read both record slots of every live member.  A member that cannot be
 * read is marked dead: with one copy of each column, a member replay cannot
 * read must never again serve a column it might hold stale.
 */
static int teearray_replay_read_records(struct teearray_c *tc, struct teearray_replay *rp)
{
	struct teearray_request *rqs = tc->journal.rqs;
	unsigned int i, k = 0;
	char *error = "";
	int r;

	for (i = 0; i < 2 * tc->m; i++) {
		if (!teearray_member_writable(&tc->members[i / 2]))
			continue;
		teearray_rq_init(tc, &rqs[k++], i / 2, TEEARRAY_OP_READ,
				 tc->geo.journal_start + i % 2,
				 rp->disk + (size_t)i * TEEARRAY_SECTOR_SIZE);
	}
	r = teearray_io_locked(tc, rqs, k);
	if (!r)
		r = teearray_replay_failures(tc, rqs, k);
	if (r < 0)
		return r;
	for (i = 0; i < 2 * tc->m; i++) {
		int pr;

		if (!teearray_member_writable(&tc->members[i / 2]))
			continue;
		pr = teearray_replay_parse(tc, rp->disk + (size_t)i * TEEARRAY_SECTOR_SIZE,
					   i / 2, &rp->rec[i], &rp->key[i], &error);
		if (pr) {
			if (pr != -ENODATA)
				DMWARN("%s: member %u: journal slot %u: %s",
				       teearray_dev(tc), i / 2, i % 2, error);
			continue;
		}
		rp->ok[i] = true;
		rp->version[i] = rp->rec[i].version;
	}
	return 0;
}

/*
 * Is entry version complete?  Reads every live member's own payloads of it
 * (into the journal's payload pages, their homes in where[]) and checks
 * their MACs.  Returns 1 when complete, 0 when not, or a negative error;
 * *nr is the number of payloads read.
 */
static int teearray_replay_check(struct teearray_c *tc, struct teearray_replay *rp,
				 u64 version, u32 *nr)
{
	struct teearray_journal *j = &tc->journal;
	const struct teearray_jrec *sum = NULL;
	const u8 *key = NULL;
	unsigned int i, k, s, t;
	int r;

again:
	for (i = 0; i < 2 * tc->m && !sum; i++)
		if (rp->ok[i] && rp->version[i] == version &&
		    teearray_member_writable(&tc->members[i / 2])) {
			sum = &rp->rec[i];
			key = rp->key[i];
		}
	if (!sum)
		return 0;
	for (s = 0, k = 0; s < tc->m; s++) {
		unsigned int h = 2 * s + (version & 1), own = 0;

		rp->present[s] = teearray_member_writable(&tc->members[s]);
		rp->holds[s] = rp->present[s] && rp->ok[h] &&
			       teearray_jrec_same_entry(&rp->rec[h], sum);
		if (!rp->holds[s])
			continue;
		for (t = 0; t < sum->nstripes; t++) {
			if (!test_bit(teearray_column_of(&tc->geo, sum->st[t].ms, s),
				      sum->st[t].cols))
				continue;
			j->where[k].slot = s;
			j->where[k].index = own;
			j->where[k].ms = sum->st[t].ms;
			teearray_rq_init(tc, &j->rqs[k], s, TEEARRAY_OP_READ,
					 teearray_jpay_sector(&tc->geo, version, own++),
					 j->payload[k]);
			k++;
		}
	}
	r = teearray_io_locked(tc, j->rqs, k);
	if (!r)
		r = teearray_replay_failures(tc, j->rqs, k);
	if (r < 0)
		return r;
	if (r) {
		sum = NULL;	/* fewer members now: look again */
		goto again;
	}
	for (i = 0; i < k; i++) {
		const struct teearray_jpayload *w = &j->where[i];
		u8 mac[TEEARRAY_JPAY_MAC_SIZE];

		teearray_jpay_mac(key, tc->params->array_uuid, version, w->slot, w->ms,
				  j->payload[i], mac);
		if (!teearray_mac_equal(mac, rp->rec[2 * w->slot + (version & 1)].mac[w->index],
					sizeof(mac)))
			rp->holds[w->slot] = false;
	}
	*nr = k;
	return teearray_jplan_complete(sum, &tc->geo, rp->present, rp->holds);
}

/* Roll a complete entry forward: each payload read to its home. */
static int teearray_replay_apply(struct teearray_c *tc, u32 nr)
{
	struct teearray_journal *j = &tc->journal;
	unsigned int i, k = 0;
	int r;

	for (i = 0; i < nr; i++) {
		u32 slot = j->where[i].slot;

		if (!teearray_member_writable(&tc->members[slot]))
			continue;
		teearray_rq_init(tc, &j->rqs[k++], slot, TEEARRAY_OP_WRITE,
				 j->where[i].ms, j->payload[i]);
	}
	r = teearray_io_locked(tc, j->rqs, k);
	if (!r)
		r = teearray_replay_failures(tc, j->rqs, k);
	return r < 0 ? r : 0;
}

/*
 * Write the empty record version to every member; erase mode then trims
 * both payload halves.  The record goes first: once it is out, no entry is
 * replayed again, so a crash during the trims cannot make an older entry
 * look like the newest complete one.
 */
static int teearray_replay_finish(struct teearray_c *tc, u64 version)
{
	struct teearray_journal *j = &tc->journal;
	const u8 *key = teearray_keys_cur(tc)->meta_key;
	unsigned int i, half, k = 0;
	int r;

	memset(j->rec, 0, sizeof(*j->rec));
	j->rec->version = version;
	j->rec->generation = teearray_max_generation(tc);
	for (i = 0; i < tc->m; i++)
		if (teearray_member_writable(&tc->members[i]))
			teearray_journal_record(tc, &j->rqs[k++], i, 0, key);
	r = teearray_io_locked(tc, j->rqs, k);
	if (!r)
		r = teearray_replay_failures(tc, j->rqs, k);
	for (half = 0; half < 2 && r >= 0 &&
	     tc->params->journal_mode == TEEARRAY_JOURNAL_ERASE; half++) {
		for (i = 0, k = 0; i < tc->m; i++) {
			if (!teearray_member_writable(&tc->members[i]))
				continue;
			teearray_rq_init(tc, &j->rqs[k], i, TEEARRAY_OP_TRIM,
					 teearray_jpay_sector(&tc->geo, half, 0), NULL);
			j->rqs[k++].count = teearray_journal_half(&tc->geo);
		}
		r = teearray_io_locked(tc, j->rqs, k);
		if (!r)
			r = teearray_replay_failures(tc, j->rqs, k);
	}
	if (r < 0)
		return r;
	j->version = version;
	j->fill = 0;
	return 0;
}

static void teearray_replay_free(struct teearray_replay *rp)
{
	kfree(rp->holds);
	kfree(rp->present);
	kfree(rp->version);
	kfree(rp->ok);
	kfree(rp->key);
	kvfree(rp->rec);
	kvfree(rp->disk);
}

int teearray_journal_replay(struct teearray_c *tc)
{
	struct teearray_journal *j = &tc->journal;
	struct teearray_replay rp = { };
	u64 max_seen, v;
	int r = -ENOMEM, best, prev;
	u32 nr = 0;

	lockdep_assert_held(&tc->member_lock);
	teearray_jplan_init(&j->plan, &tc->geo);
	if (teearray_jplan_check(&tc->geo)) {
		DMERR("%s: journal of %llu sectors cannot hold one write of a %u+%u array",
		      teearray_dev(tc), tc->geo.journal_sectors, tc->n, tc->p);
		return -EINVAL;
	}
	rp.disk = kvmalloc_array(2 * tc->m, TEEARRAY_SECTOR_SIZE, GFP_KERNEL);
	rp.rec = kvcalloc(2 * tc->m, sizeof(*rp.rec), GFP_KERNEL);
	rp.key = kcalloc(2 * tc->m, sizeof(*rp.key), GFP_KERNEL);
	rp.ok = kcalloc(2 * tc->m, sizeof(*rp.ok), GFP_KERNEL);
	rp.version = kcalloc(2 * tc->m, sizeof(*rp.version), GFP_KERNEL);
	rp.present = kcalloc(tc->m, sizeof(*rp.present), GFP_KERNEL);
	rp.holds = kcalloc(tc->m, sizeof(*rp.holds), GFP_KERNEL);
	if (!rp.disk || !rp.rec || !rp.key || !rp.ok || !rp.version || !rp.present ||
	    !rp.holds)
		goto out;
	r = teearray_replay_read_records(tc, &rp);
	if (r)
		goto out;
	max_seen = teearray_jplan_pick(rp.version, rp.ok, 2 * tc->m, &best, &prev);
	/* The newest entry if complete, else the one before it; none older. */
	for (v = max_seen; v && v + 1 >= max_seen; v--) {
		r = teearray_replay_check(tc, &rp, v, &nr);
		if (r < 0)
			goto out;
		if (r) {
			if (nr)
				DMINFO("%s: replaying journal entry %llu (%u sectors)",
				       teearray_dev(tc), v, nr);
			r = teearray_replay_apply(tc, nr);
			if (r)
				goto out;
			break;
		}
	}
	r = teearray_replay_finish(tc, max_seen + 1);
out:
	teearray_replay_free(&rp);
	return r;
}
