// SPDX-License-Identifier: GPL-2.0
/*
 * Online rebuild of a replaced member.  The new member takes writes at once
 * (state 'a' in the death record); the rebuild walks the stripes in order,
 * reconstructing the member's column of each from the others under the
 * stripe's lock, a window of stripes per round trip (teearray-window.c),
 * and the member becomes readable for a stripe as soon as the walk has
 * passed it.  When the walk ends the death record marks the member in sync
 * ('A').
 */
#include <linux/slab.h>
#include <linux/jiffies.h>

#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

/* Sleep as needed to stay under rebuild_rate KiB/s (0: unlimited). */
static void teearray_rebuild_throttle(struct teearray_c *tc, unsigned long start,
				      u64 stripes)
{
	unsigned int rate = tc->params->rebuild_rate_kib;
	u64 due_ms;
	unsigned long due;

	if (!rate)
		return;
	due_ms = div_u64(stripes * (TEEARRAY_SECTOR_SIZE / 1024) * 1000, rate);
	due = start + msecs_to_jiffies(due_ms);
	if (time_before(jiffies, due))
		teearray_walk_sleep(tc, due - jiffies);
}

/* Rebuild the slot's column of stripe ms alone.  Context: rebuild work. */
static int teearray_rebuild_stripe(struct teearray_c *tc, u64 ms, u32 slot,
				   struct teearray_buf *buf)
{
	bool want[TEEARRAY_MAX_MEMBERS] = { false }, cols[TEEARRAY_MAX_MEMBERS] = { false };
	u32 col = teearray_column_of(&tc->geo, ms, slot);
	DECLARE_BITMAP(set, TEEARRAY_STRIPE_LOCKS);
	int r;

	want[col] = true;
	cols[col] = true;
	bitmap_zero(set, TEEARRAY_STRIPE_LOCKS);
	teearray_stripe_set_add(set, ms);
	teearray_lock_stripes(tc, set);
	/* Raw columns: the MACs are checked when the data is read. */
	r = teearray_fetch_columns(tc, ms, want, NULL, NULL, buf);
	if (!r)
		r = teearray_write_columns(tc, ms, cols, buf);
	teearray_unlock_stripes(tc, set);
	return r;
}

/*
 * Rebuild the slot's column of stripes [ms, ms + w) with two round trips:
 * fetch them from N other members (the first N readable), decode each
 * stripe, write the slot's run.  -EAGAIN: not N members readable for the
 * whole window, or one failed; the caller goes stripe by stripe.  Context:
 * rebuild work.
 */
static int teearray_rebuild_window(struct teearray_c *tc, struct teearray_window *win,
				   u64 ms, u32 w, u32 slot, struct teearray_buf *buf)
{
	struct teearray_rebuild_pos rb;
	DECLARE_BITMAP(set, TEEARRAY_STRIPE_LOCKS);
	bool slots[TEEARRAY_MAX_MEMBERS] = { false };
	struct teearray_request rq;
	u32 s, chosen = 0, i, c;
	int r;

	teearray_rebuild_pos_get(tc, &rb);
	for (s = 0; s < tc->m && chosen < tc->n; s++) {
		if (s == slot || !teearray_member_readable_at(&tc->members[s], s, &rb, ms))
			continue;
		slots[s] = true;
		chosen++;
	}
	if (chosen < tc->n)
		return -EAGAIN;
	bitmap_zero(set, TEEARRAY_STRIPE_LOCKS);
	for (i = 0; i < w; i++)
		teearray_stripe_set_add(set, ms + i);
	teearray_lock_stripes(tc, set);
	r = teearray_window_fetch(tc, win, ms, w, slots);
	for (i = 0; i < w && !r; i++) {
		for (c = 0; c < tc->m; c++) {
			s = teearray_slot_of(&tc->geo, ms + i, c);
			win->col[c] = teearray_window_sector(win, s, i);
			buf->plan->erased[c] = !win->read[s];
		}
		/* The slot's sector of the window receives its column. */
		r = tee_ec_decode(tc->ec, buf->ec_work, win->col, buf->plan->erased);
	}
	if (!r && teearray_member_writable(&tc->members[slot])) {
		teearray_rq_init(tc, &rq, slot, TEEARRAY_OP_WRITE, ms,
				 teearray_window_sector(win, slot, 0));
		rq.count = w;
		r = teearray_io(tc, &rq, 1);
		if (!r && !teearray_handle_failures(tc, &rq, 1, "write failed"))
			r = -EIO;
	}
	teearray_unlock_stripes(tc, set);
	return r;
}

void teearray_rebuild_work(struct work_struct *work)
{
	struct teearray_c *tc = container_of(work, struct teearray_c, rebuild_work);
	u64 ms, first = teearray_first_ms(tc) + atomic64_read(&tc->rebuild_done);
	u32 slot = READ_ONCE(tc->rebuild_slot);
	unsigned long start = jiffies;
	struct teearray_window *win;
	struct teearray_buf *buf;
	int r = 0;

	DMINFO("%s: rebuilding member %u from sector %llu to %llu",
	       teearray_dev(tc), slot, first, teearray_end_ms(tc));
	buf = mempool_alloc(tc->buf_pool, GFP_NOIO);
	win = teearray_window_new(tc);
	for (ms = first; ms < teearray_end_ms(tc); ) {
		u32 w = win ? (u32)min_t(u64, win->max, teearray_end_ms(tc) - ms) : 1;

		if (teearray_walk_should_stop(tc) ||
		    READ_ONCE(tc->members[slot].state) != TEEARRAY_MEMBER_REBUILDING) {
			r = -EINTR;
			break;
		}
		r = win ? teearray_rebuild_window(tc, win, ms, w, slot, buf) : -EAGAIN;
		if (r == -EAGAIN) {
			w = 1;
			r = teearray_rebuild_stripe(tc, ms, slot, buf);
		}
		if (r)
			break;
		ms += w;
		/* Readable up to here: the I/O path reads the slot's new columns. */
		atomic64_set(&tc->rebuild_done, ms - teearray_first_ms(tc));
		teearray_rebuild_throttle(tc, start, ms - first);
		cond_resched();
	}
	teearray_window_free(win);
	mempool_free(buf, tc->buf_pool);

	mutex_lock(&tc->member_lock);
	tc->rebuild_running = false;
	if (!r && tc->members[slot].state == TEEARRAY_MEMBER_REBUILDING) {
		tc->members[slot].state = TEEARRAY_MEMBER_ALIVE;
		r = teearray_persist_dr_locked(tc);
		if (!r) {
			DMINFO("%s: member %u rebuilt and in sync",
			       teearray_dev(tc), slot);
			teearray_audit_event_slot(tc, TEEARRAY_EV_REBUILD_DONE, slot,
						  teearray_end_ms(tc) - teearray_first_ms(tc),
						  slot);
		}
	}
	mutex_unlock(&tc->member_lock);
	dm_table_event(tc->ti->table);
	/* Another member may be waiting for its rebuild, or a rotation. */
	if (!r)
		teearray_walk_next(tc);
}

/*
 * Message "replace <slot>": a fresh, blank member now answers for a dead
 * slot (a teedisk restarted or newly started for that member UUID).  Give it
 * a superblock, list it as rebuilding in the death record, and rebuild it.
 */
int teearray_replace_member(struct teearray_c *tc, u32 slot)
{
	struct teearray_member *mb;
	struct teearray_request rq;
	struct teearray_sb_info info;
	struct teearray_sb_disk *sb;
	bool retired = false;
	int r;

	if (slot >= tc->m)
		return -EINVAL;
	sb = kzalloc(sizeof(*sb), GFP_KERNEL);
	if (!sb)
		return -ENOMEM;
	mb = &tc->members[slot];
	mutex_lock(&tc->member_lock);
again:
	r = -EBUSY;
	if (!tc->assembled || tc->fail_reason || tc->suspended || tc->rebuild_running ||
	    tc->scrub_running || tc->rotate_running || teearray_keys_rotating(tc)) {
		DMWARN("%s: replace: the array is not assembled, failed, suspended or busy",
		       teearray_dev(tc));
		goto out;
	}
	if (tc->params->member_absent[slot]) {
		DMWARN("%s: replace: slot %u has no member in the table", teearray_dev(tc), slot);
		r = -EINVAL;
		goto out;
	}

	teearray_rq_init(tc, &rq, slot, TEEARRAY_OP_IDENTIFY, 0, NULL);
	if (teearray_io_locked(tc, &rq, 1) || rq.status != TEEARRAY_ST_OK) {
		DMWARN("%s: replace: member %u does not answer (%s)", teearray_dev(tc), slot,
		       teearray_status_name(rq.status));
		r = -EIO;
		goto out;
	}
	if (mb->state != TEEARRAY_MEMBER_DEAD) {
		/* Listed alive: replaceable only if it is a new instance. */
		if (!memcmp(mb->instance, rq.instance_out, TEEARRAY_INSTANCE_SIZE)) {
			DMWARN("%s: replace: member %u is alive and unchanged; fail it first",
			       teearray_dev(tc), slot);
			goto out;
		}
		DMWARN("%s: replace: member %u was restarted: marking the old instance dead",
		       teearray_dev(tc), slot);
		mb->state = TEEARRAY_MEMBER_DEAD;
		atomic64_inc(&tc->member_errors);
		r = teearray_persist_dr_locked(tc);
		if (r)
			goto out;
	}
	if (!retired) {
		/*
		 * The newest journal entry may name a column of the old
		 * instance, which the blank member cannot hold: replay would
		 * take that entry for incomplete and fall back to the one
		 * before it.  An empty entry first; entries after it leave
		 * the dead slot out.  Then look at the slot again.
		 */
		mutex_unlock(&tc->member_lock);
		teearray_journal_force_record(tc);
		retired = true;
		mutex_lock(&tc->member_lock);
		goto again;
	}
	r = -EIO;
	memcpy(mb->instance, rq.instance_out, TEEARRAY_INSTANCE_SIZE);
	mb->generation = rq.member_generation;
	if (rq.member_sectors < tc->geo.member_sectors) {
		DMWARN("%s: replace: member %u has %llu sectors, the array needs %llu",
		       teearray_dev(tc),
		       slot, rq.member_sectors, tc->geo.member_sectors);
		goto out;
	}

	teearray_rq_init(tc, &rq, slot, TEEARRAY_OP_READ, 0, sb);
	if (teearray_io_locked(tc, &rq, 1) || rq.status != TEEARRAY_ST_OK)
		goto out;
	if (!teearray_all_zero(sb, sizeof(*sb))) {
		DMWARN("%s: replace: member %u is not blank; only a fresh member can replace",
		       teearray_dev(tc),
		       slot);
		goto out;
	}

	teearray_rq_init(tc, &rq, slot, TEEARRAY_OP_FENCE, 0, NULL);
	rq.arg = max(tc->members[slot].generation + 1, teearray_max_generation(tc));
	if (teearray_io_locked(tc, &rq, 1) || rq.status != TEEARRAY_ST_OK)
		goto out;
	mb->generation = rq.arg;

	memset(&info, 0, sizeof(info));
	info.geo = tc->geo;
	memcpy(info.array_uuid, tc->params->array_uuid, TEEARRAY_UUID_SIZE);
	memcpy(info.member_uuid, mb->uuid, TEEARRAY_UUID_SIZE);
	info.slot = slot;
	info.create_time = tc->create_time;	/* the array's, not the member's */
	info.key_epoch = tc->key_epoch;
	teearray_sb_build(sb, &info, teearray_keys_cur(tc)->meta_key);
	teearray_rq_init(tc, &rq, slot, TEEARRAY_OP_WRITE, 0, sb);
	if (teearray_io_locked(tc, &rq, 1) || rq.status != TEEARRAY_ST_OK)
		goto out;

	mb->state = TEEARRAY_MEMBER_REBUILDING;
	atomic64_set(&tc->rebuild_done, 0);
	r = teearray_persist_dr_locked(tc);
	if (r)
		goto out;
	DMINFO("%s: member %u replaced; rebuilding", teearray_dev(tc), slot);
	teearray_audit_event_slot(tc, TEEARRAY_EV_REPLACE, slot, 0, slot);
	r = 0;
out:
	mutex_unlock(&tc->member_lock);
	kfree(sb);
	if (!r)
		teearray_walk_next(tc);
	return r;
}
