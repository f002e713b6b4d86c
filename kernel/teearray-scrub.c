// SPDX-License-Identifier: GPL-2.0
/*
 * Scrub ("check" and "repair" messages): walk every erasure-coded stripe,
 * read all its columns, verify every data sector's MAC and every metadata
 * sector's tag as a read would, and compare the parity with the parity the
 * data gives.  A member that served data that does not verify is failed
 * exactly as on a read.  Parity columns that differ are counted and, for
 * repair, rewritten from the verified data.  The walk shares the rebuild's
 * slot: only one of them runs at a time.  A scrub paused by a suspend
 * continues at its cursor on resume.
 */
#include <linux/slab.h>

#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

void teearray_scrub_work(struct work_struct *work)
{
	struct teearray_c *tc = container_of(work, struct teearray_c, scrub_work);
	bool repair = READ_ONCE(tc->scrub_repair);
	struct teearray_window *win = NULL;
	struct teearray_buf *buf;
	u8 **parity;
	unsigned int i;
	int r = -ENOMEM;
	u64 ms;

	buf = mempool_alloc(tc->buf_pool, GFP_NOIO);
	parity = kcalloc(tc->p, sizeof(*parity), GFP_NOIO);
	if (!parity)
		goto out;
	for (i = 0; i < tc->p; i++) {
		parity[i] = (u8 *)__get_free_page(GFP_NOIO);
		if (!parity[i])
			goto out;
	}
	ms = teearray_first_ms(tc) + atomic64_read(&tc->scrub_done);
	DMINFO("%s: %s %s", teearray_dev(tc),
	       repair ? "repair" : "check", ms == teearray_first_ms(tc) ? "started" : "resumed");
	win = teearray_window_new(tc);
	r = 0;
	while (ms < teearray_end_ms(tc)) {
		u32 w = win ? (u32)min_t(u64, win->max, teearray_end_ms(tc) - ms) : 1;

		if (teearray_walk_should_stop(tc)) {
			r = -EINTR;
			break;
		}
		r = teearray_scrub_stripes(tc, ms, w, repair, parity, win, buf);
		if (r < 0)
			break;
		atomic64_add(r, &tc->scrub_mismatches);
		ms += w;
		atomic64_set(&tc->scrub_done, ms - teearray_first_ms(tc));
		r = 0;
		cond_resched();
	}
	teearray_window_free(win);
	if (r == -EINTR && READ_ONCE(tc->suspended) && !READ_ONCE(tc->fail_reason))
		DMINFO("%s: %s paused at sector %llu by a suspend; it continues on resume",
		       teearray_dev(tc), repair ? "repair" : "check", ms);
	else if (r)
		DMWARN("%s: %s stopped at sector %llu (%d)", teearray_dev(tc),
		       repair ? "repair" : "check", ms, r);
	else
		DMINFO("%s: %s finished: %llu parity mismatches%s",
		       teearray_dev(tc), repair ? "repair" : "check",
		       (u64)atomic64_read(&tc->scrub_mismatches), repair ? " repaired" : "");
out:
	for (i = 0; parity && i < tc->p; i++)
		free_page((unsigned long)parity[i]);
	kfree(parity);
	mempool_free(buf, tc->buf_pool);
	mutex_lock(&tc->member_lock);
	tc->scrub_running = false;
	/* Paused by a suspend: teearray_walk_next() starts it again. */
	tc->scrub_pending = r == -EINTR && tc->suspended && !tc->fail_reason;
	mutex_unlock(&tc->member_lock);
	dm_table_event(tc->ti->table);
	/* A member replaced while the scrub ran waits for it. */
	teearray_walk_next(tc);
}

/* Messages "check" and "repair". */
int teearray_scrub_start(struct teearray_c *tc, bool repair)
{
	int r = 0;

	mutex_lock(&tc->member_lock);
	if (!tc->assembled || tc->fail_reason || tc->suspended || tc->rebuild_running ||
	    tc->scrub_running || tc->scrub_pending || tc->rotate_running) {
		DMWARN("%s: %s: the array is not assembled, has failed, is suspended or is busy",
		       teearray_dev(tc), repair ? "repair" : "check");
		r = -EBUSY;
		goto out;
	}
	tc->scrub_running = true;
	tc->scrub_started = true;
	tc->scrub_repair = repair;
	atomic64_set(&tc->scrub_done, 0);
	atomic64_set(&tc->scrub_mismatches, 0);
	queue_work(system_long_wq, &tc->scrub_work);
out:
	mutex_unlock(&tc->member_lock);
	return r;
}
