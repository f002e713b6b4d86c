// SPDX-License-Identifier: GPL-2.0
/*
 * Background walks and suspend.  One walk runs at a time: the rebuild of a
 * replaced member, a scrub ("check"/"repair") or a key rotation.  This file
 * decides which one runs next and stops them for a suspend; the walks
 * themselves live in teearray-rebuild.c, -scrub.c and -rotate.c and only
 * call in here, never the other way (their work items are queued, not
 * called).
 *
 * Suspend, as device-mapper drives it:
 *   presuspend   no walk starts any more, running walks stop between two
 *                stripes (a throttled walk is woken), state-changing
 *                messages are refused with EBUSY;
 *                device-mapper then waits for the bios in flight;
 *   postsuspend  the journal's apply of the last entry finishes, audit
 *                writes and the fencing of a new daemon session wait for
 *                resume: from here on no member command is sent;
 *   resume       fencing and audit writes catch up, and the stopped walk
 *                continues where it stopped (a rebuild and a scrub at
 *                their cursor, a rotation with a new pass).
 */
#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

/* The next walk, by priority.  Caller holds member_lock. */
static void teearray_walk_next_locked(struct teearray_c *tc)
{
	unsigned int i;

	lockdep_assert_held(&tc->member_lock);
	if (!tc->assembled || tc->fail_reason || tc->suspended ||
	    tc->rebuild_running || tc->scrub_running || tc->rotate_running)
		return;
	/*
	 * Not on ctl_wq: a walk's I/O may wait for the fencing of a new daemon
	 * session, which runs there.
	 */
	for (i = 0; i < tc->m; i++) {
		if (tc->members[i].state != TEEARRAY_MEMBER_REBUILDING)
			continue;
		tc->rebuild_slot = i;
		tc->rebuild_running = true;
		queue_work(system_long_wq, &tc->rebuild_work);
		return;
	}
	if (tc->scrub_pending) {
		tc->scrub_pending = false;
		tc->scrub_running = true;
		queue_work(system_long_wq, &tc->scrub_work);
		return;
	}
	if (teearray_keys_rotating(tc)) {
		tc->rotate_running = true;
		atomic64_set(&tc->rotate_done, 0);
		queue_work(system_long_wq, &tc->rotate_work);
	}
}

/* Start the next walk if none runs.  Context: process, no member_lock. */
void teearray_walk_next(struct teearray_c *tc)
{
	mutex_lock(&tc->member_lock);
	teearray_walk_next_locked(tc);
	mutex_unlock(&tc->member_lock);
}

/*
 * While suspended: the walk resume continues, in teearray_walk_next()'s
 * order ('a' a rebuild, 's' a scrub, 'r' a rotation), or 0.  For status;
 * does no I/O.
 */
char teearray_walk_paused(struct teearray_c *tc)
{
	unsigned int i;

	if (!READ_ONCE(tc->suspended) || !tc->assembled || READ_ONCE(tc->rebuild_running) ||
	    READ_ONCE(tc->scrub_running) || READ_ONCE(tc->rotate_running))
		return 0;
	for (i = 0; i < tc->m; i++)
		if (READ_ONCE(tc->members[i].state) == TEEARRAY_MEMBER_REBUILDING)
			return 'a';
	if (READ_ONCE(tc->scrub_pending))
		return 's';
	return teearray_keys_rotating(tc) ? 'r' : 0;
}

/* Checked by a walk between two stripes (or windows of them). */
bool teearray_walk_should_stop(struct teearray_c *tc)
{
	return READ_ONCE(tc->suspended) || READ_ONCE(tc->fail_reason);
}

/* A walk's pause (throttling) that a suspend cuts short. */
void teearray_walk_sleep(struct teearray_c *tc, unsigned long timeout)
{
	wait_event_interruptible_timeout(tc->walk_wq, teearray_walk_should_stop(tc),
					 timeout);
}

/*
 * Presuspend and dtr: stop the walks and wait for them.  rotate_lock orders
 * this after a rotate message that is already starting its walk.
 */
void teearray_walks_stop(struct teearray_c *tc)
{
	mutex_lock(&tc->rotate_lock);
	mutex_lock(&tc->member_lock);
	tc->suspended = true;
	mutex_unlock(&tc->member_lock);
	mutex_unlock(&tc->rotate_lock);
	wake_up_all(&tc->walk_wq);
	flush_work(&tc->rebuild_work);
	flush_work(&tc->scrub_work);
	flush_work(&tc->rotate_work);
}

/* Postsuspend: after this no member command is sent until resume. */
void teearray_quiesce(struct teearray_c *tc)
{
	mutex_lock(&tc->member_lock);
	tc->quiesced = true;
	mutex_unlock(&tc->member_lock);
	/* The apply (COPY, TRIM) of the entry the last bios went into. */
	teearray_journal_flush(tc);
	teearray_audit_hold(tc);
	/* A fencing that started before quiesced was set. */
	flush_work(&tc->fence_work);
}

/* Preresume: member commands are allowed again (assembly needs them). */
void teearray_unquiesce(struct teearray_c *tc)
{
	bool fence;

	mutex_lock(&tc->member_lock);
	tc->quiesced = false;
	fence = tc->fence_pending;
	tc->fence_pending = false;
	mutex_unlock(&tc->member_lock);
	if (fence)
		queue_work(tc->ctl_wq, &tc->fence_work);
}

/* Resume: audit writes catch up, the stopped walk continues. */
void teearray_walks_resume(struct teearray_c *tc)
{
	mutex_lock(&tc->member_lock);
	tc->suspended = false;
	teearray_walk_next_locked(tc);
	mutex_unlock(&tc->member_lock);
	teearray_audit_release(tc);
}
