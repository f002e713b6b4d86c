// SPDX-License-Identifier: GPL-2.0
/*
 * Key rotation ("rotate <epoch> <key>" message).
 *
 * 1. The new epoch's keys are installed and every member's superblock says
 *    "epoch e+1, rotation unfinished" (MAC'd under e+1): from then on an
 *    open needs both keys, so no crash can leave a sector no key reads.
 * 2. Behind the key barrier new writes switch to e+1 at once.
 * 3. A walk finds every data stripe with a sector (or a metadata tag) still
 *    under e and has the journal re-encrypt it under the stripe's lock,
 *    exactly like a write: crash-safe by the journal's own argument.
 * 4. A record, the death record and the superblocks are written under e+1
 *    alone; then, behind the barrier, e's keys are wiped from memory.
 * The loaded table is never changed: status reports the epochs.  A walk
 * stopped by a suspend or a crash starts again from the beginning on the
 * next resume (with both keys in the table after a crash).
 */
#include <linux/slab.h>

#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

/*
 * Write every writable member's superblock, MAC'd under epoch's key.
 * Members that do not take it are failed.  Context: process, may sleep.
 */
int teearray_write_superblocks(struct teearray_c *tc, u32 epoch, bool rotating)
{
	const struct teearray_epoch_keys *k = teearray_keys_of(tc, epoch);
	struct teearray_request *rqs;
	struct teearray_sb_disk *sbs;
	struct teearray_sb_info info;
	unsigned int i, n = 0;
	int r = -ENOMEM;

	if (!k)
		return -ENOKEY;
	sbs = kvcalloc(tc->m, sizeof(*sbs), GFP_KERNEL);
	rqs = kcalloc(tc->m, sizeof(*rqs), GFP_KERNEL);
	if (!sbs || !rqs)
		goto out;
	memset(&info, 0, sizeof(info));
	info.geo = tc->geo;
	memcpy(info.array_uuid, tc->params->array_uuid, TEEARRAY_UUID_SIZE);
	info.create_time = tc->create_time;
	info.key_epoch = epoch;
	info.rotating = rotating;
	for (i = 0; i < tc->m; i++) {
		if (!teearray_member_writable(&tc->members[i]))
			continue;
		memcpy(info.member_uuid, tc->members[i].uuid, TEEARRAY_UUID_SIZE);
		info.slot = i;
		teearray_sb_build(&sbs[n], &info, k->meta_key);
		teearray_rq_init(tc, &rqs[n], i, TEEARRAY_OP_WRITE, 0, &sbs[n]);
		n++;
	}
	r = teearray_io(tc, rqs, n);
	if (!r && !teearray_handle_failures(tc, rqs, n, "superblock write failed"))
		r = -EIO;
out:
	kfree(rqs);
	kvfree(sbs);
	return r;
}

/* Message "rotate <epoch> <key>": see the top of the file. */
int teearray_rotate_start(struct teearray_c *tc, u32 epoch, const char *keyref)
{
	struct teearray_key_ref ref;
	u8 key[TEEARRAY_KEY_SIZE];
	char *error = "";
	u32 old;
	int r;

	if (teearray_parse_key_ref(keyref, &ref, &error)) {
		DMWARN("%s: rotate: %s", teearray_dev(tc), error);
		return -EINVAL;
	}
	/* The current epoch again: restart a stopped walk. */
	if (epoch == READ_ONCE(tc->key_epoch) && teearray_keys_rotating(tc) &&
	    !READ_ONCE(tc->suspended)) {
		teearray_walk_next(tc);
		return 0;
	}
	mutex_lock(&tc->rotate_lock);
	mutex_lock(&tc->member_lock);
	old = tc->key_epoch;
	r = -EBUSY;
	if (!tc->assembled || tc->fail_reason || tc->suspended || tc->rebuild_running ||
	    tc->scrub_running || tc->rotate_running || teearray_keys_rotating(tc)) {
		DMWARN("%s: rotate: the array is not assembled, is suspended, failed or busy",
		       teearray_dev(tc));
	} else if (old == TEEARRAY_EPOCH_MAX || epoch != old + 1) {
		DMWARN("%s: rotate: the next epoch is %u, not %u",
		       teearray_dev(tc), old + 1, epoch);
		r = -EINVAL;
	} else {
		r = 0;
		tc->rotate_running = true;
	}
	mutex_unlock(&tc->member_lock);
	if (r)
		goto unlock;

	r = teearray_read_key(&ref, key, &error);
	if (r) {
		DMWARN("%s: rotate: %s", teearray_dev(tc), error);
		goto not_running;
	}
	teearray_keys_install(tc, epoch, key);
	memzero_explicit(key, sizeof(key));
	r = teearray_write_superblocks(tc, epoch, true);
	if (r) {
		DMWARN("%s: rotate: superblocks not written (%d); still at epoch %u",
		       teearray_dev(tc), r, old);
		teearray_keys_barrier(tc);
		teearray_keys_wipe(tc, epoch);
		teearray_keys_barrier_end(tc);
		goto not_running;
	}

	teearray_keys_barrier(tc);
	WRITE_ONCE(tc->key_epoch, epoch);
	teearray_keys_barrier_end(tc);
	DMINFO("%s: key epoch %u -> %u: new writes use epoch %u; re-encrypting",
	       teearray_dev(tc), old, epoch, epoch);
	teearray_audit_event(tc, TEEARRAY_EV_ROTATE_START, old, epoch, NULL);

	mutex_lock(&tc->member_lock);
	atomic64_set(&tc->rotate_done, 0);
	atomic64_set(&tc->rotate_rewrapped, 0);
	queue_work(system_long_wq, &tc->rotate_work);
	mutex_unlock(&tc->member_lock);
	goto unlock;

not_running:
	mutex_lock(&tc->member_lock);
	tc->rotate_running = false;
	mutex_unlock(&tc->member_lock);
unlock:
	mutex_unlock(&tc->rotate_lock);
	return r;
}

/* Step 4: nothing under the old epoch is left; forget it. */
static int teearray_rotate_finish(struct teearray_c *tc)
{
	u32 old = tc->key_epoch - 1;
	int r;

	teearray_journal_force_record(tc);
	mutex_lock(&tc->member_lock);
	r = teearray_persist_dr_locked(tc);
	mutex_unlock(&tc->member_lock);
	if (!r)
		r = teearray_write_superblocks(tc, tc->key_epoch, false);
	if (r)
		return r;
	mutex_lock(&tc->rotate_lock);
	teearray_keys_barrier(tc);
	teearray_keys_wipe(tc, old);
	teearray_keys_barrier_end(tc);
	mutex_unlock(&tc->rotate_lock);
	DMINFO("%s: rotation to key epoch %u done: %llu sectors re-encrypted; epoch %u wiped",
	       teearray_dev(tc), tc->key_epoch,
	       (u64)atomic64_read(&tc->rotate_rewrapped), old);
	teearray_audit_event(tc, TEEARRAY_EV_ROTATE_DONE, old,
			     atomic64_read(&tc->rotate_rewrapped), NULL);
	return 0;
}

/*
 * One pass over the data stripes; *queued counts the stripes handed to the
 * journal.  Returns 0 or an error.
 */
static int teearray_rotate_pass(struct teearray_c *tc, struct teearray_buf *buf, u64 *queued)
{
	u64 batch[TEEARRAY_REWRAP_BATCH], s;
	unsigned int n = 0;
	int r = 0;

	*queued = 0;
	for (s = 0; !r && s < tc->geo.data_sectors; s++) {
		if (teearray_walk_should_stop(tc))
			return -EINTR;
		r = teearray_stripe_stale(tc, s, buf);
		if (r > 0) {
			batch[n++] = s;
			r = 0;
		}
		if (!r && (n == TEEARRAY_REWRAP_BATCH || (n && s + 1 == tc->geo.data_sectors))) {
			r = teearray_journal_rewrap(tc, batch, n);
			*queued += n;
			n = 0;
		}
		if (!r)
			atomic64_set(&tc->rotate_done, s + 1);
		cond_resched();
	}
	return r;
}

void teearray_rotate_work(struct work_struct *work)
{
	struct teearray_c *tc = container_of(work, struct teearray_c, rotate_work);
	struct teearray_buf *buf;
	u64 queued = 0;
	int r;

	buf = mempool_alloc(tc->buf_pool, GFP_NOIO);
	/* After a crash some superblocks may still say the old epoch. */
	r = teearray_write_superblocks(tc, tc->key_epoch, true);
	/*
	 * Until a pass finds nothing: a stripe wider than a journal entry is
	 * re-encrypted over several passes, and the check is cheap (metadata,
	 * mostly cached).
	 */
	do {
		if (!r)
			r = teearray_rotate_pass(tc, buf, &queued);
	} while (!r && queued);
	mempool_free(buf, tc->buf_pool);
	if (!r)
		r = teearray_rotate_finish(tc);
	if (r)
		DMWARN("%s: key rotation stopped (%d); it continues on the next resume",
		       teearray_dev(tc), r);
	mutex_lock(&tc->member_lock);
	tc->rotate_running = false;
	mutex_unlock(&tc->member_lock);
	dm_table_event(tc->ti->table);
	teearray_walk_next(tc);
}
