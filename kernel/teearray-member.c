// SPDX-License-Identifier: GPL-2.0
/*
 * Members: synchronous member I/O on top of the transport, the death record,
 * fencing, and assembly.
 *
 * Rules this file enforces:
 *  - A member is marked dead in the death record on the survivors BEFORE
 *    any bio that relied on it being dead completes (teearray_fail_members
 *    returns only once the record is persisted or the array has failed).
 *  - Every assembly and every new daemon session raises the fencing
 *    generation on all live members, so commands signed for an older
 *    session or by a forked main program are refused by the members.
 *  - Assembly refuses to serve possibly stale data: the newest death record
 *    must be confirmed by enough members with unchanged instance ids.
 */
#include <linux/slab.h>
#include <linux/sched.h>

#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

struct teearray_wait {
	atomic_t left;
	struct completion done;
};

static void teearray_wait_done(struct teearray_request *rq)
{
	struct teearray_wait *w = rq->private;

	if (atomic_dec_and_test(&w->left))
		complete(&w->done);
}

/* Milliseconds on the monotonic clock: answer times and silences. */
static u64 teearray_now_ms(void)
{
	return ktime_to_ms(ktime_get());
}

/* The timeout of a request's attempt to member slot (teearray-slow.h). */
static u32 teearray_member_timeout(struct teearray_c *tc, u32 slot, unsigned int attempt)
{
	u32 t;

	spin_lock(&tc->latency_lock);
	t = teearray_latency_timeout(&tc->latency[slot], tc->params->member_timeout_min_ms,
				     tc->params->member_timeout_ms, attempt);
	spin_unlock(&tc->latency_lock);
	return t;
}

void teearray_rq_init(struct teearray_c *tc, struct teearray_request *rq,
		      u32 slot, u32 op, u64 sector, void *data)
{
	struct teearray_member *mb = &tc->members[slot];

	memset(rq, 0, sizeof(*rq));
	rq->array_uuid = tc->params->array_uuid;
	rq->member_uuid = mb->uuid;
	rq->instance = op == TEEARRAY_OP_IDENTIFY ? NULL : mb->instance;
	rq->slot = slot;
	rq->op = op;
	rq->sector = sector;
	rq->count = op == TEEARRAY_OP_IDENTIFY || op == TEEARRAY_OP_FENCE ? 0 : 1;
	rq->data = data;
	rq->timeout_ms = teearray_member_timeout(tc, slot, 0);
	rq->done = teearray_wait_done;
}

/*
 * Fault injection for the crash tests: once armed, the command that takes
 * crash_left below zero and every later one is never sent, as if the
 * machine running the array had stopped.
 */
void teearray_arm_crash(struct teearray_c *tc, u64 after)
{
	atomic64_set(&tc->crash_left, after);
	WRITE_ONCE(tc->crash_armed, true);
}

static bool teearray_crash_point(struct teearray_c *tc)
{
	if (!READ_ONCE(tc->crash_armed) ||
	    atomic64_dec_return(&tc->crash_left) >= 0)
		return false;
	teearray_set_failed(tc, "crash injected");
	return true;
}

static void teearray_count(struct teearray_c *tc, const struct teearray_request *rq)
{
	atomic64_inc(&tc->stat_cmds);
	if (rq->op == TEEARRAY_OP_WRITE_SHORT)
		atomic64_add(rq->len, &tc->stat_short_bytes_out);
	if (rq->op == TEEARRAY_OP_WRITE || rq->op == TEEARRAY_OP_DEATH_WRITE)
		atomic64_add(rq->op == TEEARRAY_OP_WRITE ? rq->count : 1,
			     &tc->stat_sectors_out);
	if (rq->op == TEEARRAY_OP_READ || rq->op == TEEARRAY_OP_DEATH_READ)
		atomic64_add(rq->op == TEEARRAY_OP_READ ? rq->count : 1,
			     &tc->stat_sectors_in);
}

/* The member answered (anything it said itself): a sample, no streak. */
static void teearray_member_answered(struct teearray_c *tc, u32 slot, u32 rtt_ms, u64 now)
{
	struct teearray_latency *l = &tc->latency[slot];
	u64 waited = 0;

	spin_lock(&tc->latency_lock);
	if (l->waited)
		waited = now - l->silent_since;
	teearray_latency_answer(l, rtt_ms);
	spin_unlock(&tc->latency_lock);
	if (waited) {
		DMINFO("%s: member %u answers again after %llu ms without an answer",
		       teearray_dev(tc), slot, waited);
		dm_table_event(tc->ti->table);
	}
}

/* Members in sync other than slot: whether slot may be failed. */
static unsigned int teearray_in_sync_others(struct teearray_c *tc, u32 slot)
{
	unsigned int i, k = 0;

	for (i = 0; i < tc->m; i++)
		k += i != slot && READ_ONCE(tc->members[i].state) == TEEARRAY_MEMBER_ALIVE;
	return k;
}

enum teearray_verdict {
	TEEARRAY_SEND_AGAIN, TEEARRAY_FAIL_IT, TEEARRAY_GIVE_UP, TEEARRAY_STOP_ARRAY
};

/*
 * A request timed out at the member: send it again (slow is not dead),
 * let the caller fail the member (the silence is evidence enough and the
 * array can do without it), or, when it cannot, wait on it: requests that
 * may give up then fail alone, the others keep waiting, except while a
 * suspend waits for them: then the array stops (as if the machine had
 * stopped; assembly replays the journal), so that a member that never
 * answers again cannot hold a suspend or a removal for ever.
 */
static enum teearray_verdict
teearray_member_timed_out(struct teearray_c *tc, const struct teearray_request *rq, u64 now)
{
	struct teearray_latency *l = &tc->latency[rq->slot];
	enum teearray_verdict v = TEEARRAY_SEND_AGAIN;
	bool newly_waited = false;
	u64 silent;

	/* Failed meanwhile (or never assembled): nothing to wait for. */
	if (READ_ONCE(tc->members[rq->slot].state) == TEEARRAY_MEMBER_DEAD)
		return TEEARRAY_FAIL_IT;
	spin_lock(&tc->latency_lock);
	teearray_latency_strike(l, now);
	silent = now - l->silent_since;
	if (teearray_latency_gone(l, tc->params->member_timeout_ms, now)) {
		if (teearray_latency_may_fail(teearray_in_sync_others(tc, rq->slot), tc->n)) {
			v = TEEARRAY_FAIL_IT;
		} else {
			newly_waited = !l->waited;
			l->waited = true;
			if (rq->may_give_up)
				v = TEEARRAY_GIVE_UP;
			else if (READ_ONCE(tc->suspended))
				v = TEEARRAY_STOP_ARRAY;
		}
	}
	spin_unlock(&tc->latency_lock);
	if (newly_waited) {
		DMWARN("%s: member %u: no answer for %llu ms; the array needs it: waiting for it",
		       teearray_dev(tc), rq->slot, silent);
		dm_table_event(tc->ti->table);
	}
	return v;
}

/* Send rq again, with the next attempt's (longer) timeout. */
static void teearray_rq_again(struct teearray_c *tc, struct teearray_request *rq)
{
	if (rq->attempt < U8_MAX)
		rq->attempt++;
	rq->timeout_ms = teearray_member_timeout(tc, rq->slot, rq->attempt);
	rq->status = TEEARRAY_RQ_RETRY;
}

/*
 * After a round: answer times, and what to do about requests that got no
 * answer.  Those to send again get TEEARRAY_RQ_RETRY; returns how many.
 */
static unsigned int teearray_io_account(struct teearray_c *tc,
					struct teearray_request *rqs, unsigned int n)
{
	u64 now = teearray_now_ms();
	unsigned int i, again = 0;

	for (i = 0; i < n; i++) {
		struct teearray_request *rq = &rqs[i];

		if (!rq->in_round)
			continue;
		rq->in_round = false;
		switch (rq->status) {
		case TEEARRAY_ST_OK:
		case TEEARRAY_ST_REJECTED:
		case TEEARRAY_ST_STALE_VERSION:
		case TEEARRAY_ST_FENCED:
			/* The daemon answers AUDIT_SIGN itself: not a sample. */
			if (rq->op != TEEARRAY_OP_AUDIT_SIGN)
				teearray_member_answered(tc, rq->slot,
							 min_t(u64, now - rq->sent_ms, U32_MAX),
							 now);
			break;
		case TEEARRAY_RQ_LATE:
		case TEEARRAY_ST_QUEUED:
			/*
			 * The daemon's delay, not the member's: no strike, a
			 * longer timeout.  Only a daemon that keeps doing it
			 * makes it count as the member's silence.
			 */
			if (!rq->once && ++rq->late <= TEEARRAY_SLOW_STRIKES) {
				teearray_rq_again(tc, rq);
				again++;
				break;
			}
			rq->status = TEEARRAY_ST_TIMEOUT;
			fallthrough;
		case TEEARRAY_ST_TIMEOUT:
			if (rq->once)
				break;
			switch (teearray_member_timed_out(tc, rq, now)) {
			case TEEARRAY_SEND_AGAIN:
				DMWARN_LIMIT("%s: member %u: no answer in %u ms: sending again",
					     teearray_dev(tc), rq->slot, rq->timeout_ms);
				teearray_rq_again(tc, rq);
				again++;
				break;
			case TEEARRAY_GIVE_UP:
				rq->status = TEEARRAY_RQ_GAVE_UP;
				break;
			case TEEARRAY_STOP_ARRAY:
				teearray_set_failed(tc, "suspended while waiting on a member");
				break;
			case TEEARRAY_FAIL_IT:
				break;
			}
			break;
		default:
			break;
		}
	}
	return again;
}

/* Send the requests of rqs[] whose status is want (all: first) and wait. */
static void teearray_io_round(struct teearray_c *tc, struct teearray_request *rqs,
			      unsigned int n, bool all, int want)
{
	unsigned int i, count = 0;
	struct teearray_wait w;

	for (i = 0; i < n; i++)
		count += all || rqs[i].status == want;
	if (!count)
		return;
	atomic_set(&w.left, count);
	init_completion(&w.done);
	atomic64_inc(&tc->stat_rounds);
	for (i = 0; i < n; i++) {
		if (!all && rqs[i].status != want)
			continue;
		rqs[i].private = &w;
		rqs[i].generation = READ_ONCE(tc->members[rqs[i].slot].generation);
		rqs[i].in_round = true;
		rqs[i].sent_ms = teearray_now_ms();
		if (teearray_crash_point(tc)) {
			rqs[i].status = TEEARRAY_ST_UNREACHABLE;
			teearray_wait_done(&rqs[i]);
			continue;
		}
		teearray_count(tc, &rqs[i]);
		teearray_submit(&rqs[i]);
	}
	wait_for_completion(&w.done);
}

/*
 * Submit rqs[] (all of them, or only those the transport handed back for
 * reissue) and wait for them, sending again what a slow member did not
 * answer in time.  Returns how many need reissuing in the next session.
 */
static unsigned int teearray_io_once(struct teearray_c *tc,
				     struct teearray_request *rqs,
				     unsigned int n, bool only_reissue)
{
	unsigned int i, count = 0;

	teearray_io_round(tc, rqs, n, !only_reissue, TEEARRAY_RQ_REISSUE);
	while (teearray_io_account(tc, rqs, n)) {
		if (READ_ONCE(tc->fail_reason))
			break;
		teearray_io_round(tc, rqs, n, false, TEEARRAY_RQ_RETRY);
	}
	for (i = 0; i < n; i++) {
		/* The array failed while a slow member kept it waiting. */
		if (rqs[i].status == TEEARRAY_RQ_RETRY)
			rqs[i].status = TEEARRAY_ST_TIMEOUT;
		count += rqs[i].status == TEEARRAY_RQ_REISSUE;
	}
	return count;
}

static bool teearray_fenced(struct teearray_c *tc)
{
	u64 epoch = teearray_daemon_epoch();

	return (epoch && READ_ONCE(tc->fenced_epoch) == epoch) ||
	       READ_ONCE(tc->fail_reason);
}

/*
 * Run requests in the current, fenced daemon session.  Requests the
 * transport hands back for reissue are sent again once the members are
 * fenced for the next session.  Returns 0 when every request has a final
 * status (check each rq->status), or -EIO when the array failed or no
 * daemon came back in time.  Must not be called with member_lock held.
 */
int teearray_io(struct teearray_c *tc, struct teearray_request *rqs,
		unsigned int n)
{
	bool first = true;

	for (;;) {
		if (!wait_event_timeout(teearray_daemon_wq, teearray_fenced(tc),
					TEEARRAY_DAEMON_WAIT))
			return -EIO;
		if (READ_ONCE(tc->fail_reason))
			return -EIO;
		if (!teearray_io_once(tc, rqs, n, !first))
			return 0;
		first = false;
	}
}

/*
 * As teearray_io, for callers holding member_lock (fencing, assembly,
 * death record): never waits for a new session; -EAGAIN when the session
 * ended, and the next session's fencing redoes the work.
 */
int teearray_io_locked(struct teearray_c *tc, struct teearray_request *rqs,
		       unsigned int n)
{
	lockdep_assert_held(&tc->member_lock);
	return teearray_io_once(tc, rqs, n, false) ? -EAGAIN : 0;
}

/* A status that means someone else owns the array now: stop everything. */
bool teearray_status_is_fatal(int status)
{
	return status == TEEARRAY_ST_FENCED;
}

void teearray_set_failed(struct teearray_c *tc, const char *why)
{
	if (!cmpxchg(&tc->fail_reason, NULL, why)) {
		DMERR("%s: array failed: %s; all I/O now fails",
		      teearray_dev(tc), why);
		dm_table_event(tc->ti->table);
	}
	wake_up_all(&teearray_daemon_wq);
}

static void teearray_build_dr(struct teearray_c *tc, struct teearray_dr_disk *dr,
			      struct teearray_dr_info *info, u64 version)
{
	teearray_members_dr_info(tc->members, tc->m, tc->key_epoch, version, info);
	teearray_dr_build(dr, info, tc->params->array_uuid, teearray_keys_cur(tc)->meta_key);
}

/*
 * Write a new death record version to every live member.  Members that fail
 * to take it are marked dead and the record is written again, until it is
 * on every member still listed alive.  Caller holds member_lock.
 */
int teearray_persist_dr_locked(struct teearray_c *tc)
{
	struct teearray_dr_info *info;
	struct teearray_request *rqs;
	struct teearray_dr_disk *dr;
	unsigned int i, k;
	bool again = true;
	int r = 0;

	lockdep_assert_held(&tc->member_lock);
	rqs = tc->dr_rqs;
	/* One page each, and rare; NOFAIL keeps a failing member from failing the array. */
	dr = kmalloc(sizeof(*dr), GFP_NOIO | __GFP_NOFAIL);
	info = kmalloc(sizeof(*info), GFP_NOIO | __GFP_NOFAIL);

	while (again && !r) {
		again = false;
		if (teearray_members_too_many_dead(tc->members, tc->m, tc->p)) {
			teearray_set_failed(tc, "more members failed than parity covers");
			r = -EIO;
			break;
		}
		teearray_build_dr(tc, dr, info, ++tc->dr_version);
		for (i = 0, k = 0; i < tc->m; i++) {
			if (!teearray_member_writable(&tc->members[i]))
				continue;
			teearray_rq_init(tc, &rqs[k], i, TEEARRAY_OP_DEATH_WRITE, 0, dr);
			rqs[k++].arg = tc->dr_version;
		}
		r = teearray_io_locked(tc, rqs, k);
		for (i = 0; i < k && !r; i++) {
			if (rqs[i].status == TEEARRAY_ST_OK)
				continue;
			/*
			 * Sent again after no answer in time, and "not higher":
			 * the first send landed.  Nobody else writes records at
			 * our generation (fencing), so it holds ours.
			 */
			if (rqs[i].status == TEEARRAY_ST_STALE_VERSION &&
			    (rqs[i].attempt || rqs[i].late))
				continue;
			if (teearray_status_is_fatal(rqs[i].status)) {
				teearray_set_failed(tc, "fenced by a newer generation");
				r = -EIO;
				break;
			}
			DMWARN("%s: member %u refused death record v%llu (%s): marking it dead",
			       teearray_dev(tc), rqs[i].slot, tc->dr_version,
			       teearray_status_name(rqs[i].status));
			tc->members[rqs[i].slot].state = TEEARRAY_MEMBER_DEAD;
			again = true;
		}
	}
	if (!r)
		teearray_audit_event(tc, TEEARRAY_EV_DEATH_RECORD, tc->dr_version, 0, NULL);
	kfree(info);
	kfree(dr);
	return r;
}

/*
 * Mark members dead and persist the death record.  With expect_version set,
 * only if the record is still at that version (checked under member_lock,
 * so the compare and the swap are one step).  Returns 0 or -ESTALE.
 */
static int teearray_fail_members_cas(struct teearray_c *tc, const bool *failed,
				     const char *why, u32 cause, u64 detail,
				     const u64 *expect_version)
{
	bool changed = false;
	unsigned int i;
	int r = 0;

	/* A failed (or crashed) array changes nothing any more. */
	if (READ_ONCE(tc->fail_reason))
		return -EIO;
	mutex_lock(&tc->member_lock);
	/* The operator's message: a suspended array sends no member command. */
	if (expect_version && tc->suspended) {
		DMWARN("%s: fail_member: the device is suspended; resume it first",
		       teearray_dev(tc));
		mutex_unlock(&tc->member_lock);
		return -EBUSY;
	}
	if (expect_version && *expect_version != tc->dr_version) {
		DMWARN("%s: fail_member: death record is at v%llu, not v%llu", teearray_dev(tc),
		       tc->dr_version, *expect_version);
		mutex_unlock(&tc->member_lock);
		return -ESTALE;
	}
	for (i = 0; i < tc->m; i++) {
		if (!failed[i] || tc->members[i].state == TEEARRAY_MEMBER_DEAD)
			continue;
		DMWARN("%s: member %u failed (%s)",
		       teearray_dev(tc), i, why);
		/* A rebuild onto this member stops at its next stripe. */
		tc->members[i].state = TEEARRAY_MEMBER_DEAD;
		atomic64_inc(&tc->member_errors);
		changed = true;
	}
	if (changed) {
		teearray_audit_event(tc, TEEARRAY_EV_MEMBER_FAILED, cause, detail, failed);
		r = teearray_persist_dr_locked(tc);
	}
	mutex_unlock(&tc->member_lock);

	if (changed)
		dm_table_event(tc->ti->table);
	/*
	 * No session to persist in: the next session's fencing writes the
	 * record (it includes these states) before any I/O is let through.
	 * Until that is done the record is not on the survivors.
	 */
	if (r == -EAGAIN &&
	    wait_event_timeout(teearray_daemon_wq, teearray_fenced(tc), TEEARRAY_DAEMON_WAIT) &&
	    !READ_ONCE(tc->fail_reason))
		r = 0;
	if (r) {
		DMERR("%s: death record not persisted (%s): %s",
		      teearray_dev(tc),
		      READ_ONCE(tc->fail_reason) ? "the array failed" : "no daemon came back",
		      why);
		return r == -EAGAIN ? -ETIMEDOUT : r;
	}
	return 0;
}

/*
 * Mark members dead; returns 0 once the death record saying so is on every
 * surviving member, else an error (and then nothing that relied on their
 * death may complete successfully).  cause and detail go to the audit log
 * (enum teearray_fail_cause).
 */
int teearray_fail_members(struct teearray_c *tc, const bool *failed, const char *why,
			  u32 cause, u64 detail)
{
	return teearray_fail_members_cas(tc, failed, why, cause, detail, NULL);
}

/* How long slot has not answered (0: it answers). */
u64 teearray_member_silent_ms(struct teearray_c *tc, u32 slot)
{
	const struct teearray_latency *l = &tc->latency[slot];
	u64 ms = 0;

	spin_lock(&tc->latency_lock);
	if (l->strikes)
		ms = teearray_now_ms() - l->silent_since;
	spin_unlock(&tc->latency_lock);
	return ms;
}

/* For status: '-' answers, 's' slow (requests sent again), 'w' waited on. */
char teearray_member_latency_char(struct teearray_c *tc, u32 slot)
{
	const struct teearray_latency *l = &tc->latency[slot];
	char c;

	/* A dead member's last streak is history. */
	if (READ_ONCE(tc->members[slot].state) == TEEARRAY_MEMBER_DEAD)
		return '-';
	spin_lock(&tc->latency_lock);
	c = l->waited ? 'w' : l->strikes ? 's' : '-';
	spin_unlock(&tc->latency_lock);
	return c;
}

/*
 * A FENCE got no answer in time.  Sending it again cannot tell "it landed"
 * from "refused" (the member is at the new generation, so a second FENCE
 * signed for the old one is refused as stale), so ask the member where it
 * stands (IDENTIFY is sent again as long as it is slow, see
 * teearray_io_account) and fence again only if it is still behind.  Sets
 * fence->status to the outcome.  Caller holds member_lock.
 */
static int teearray_fence_slow_locked(struct teearray_c *tc,
				      struct teearray_request *fence)
{
	struct teearray_member *mb = &tc->members[fence->slot];
	struct teearray_request rq;
	unsigned int tries;
	int r;

	for (tries = 0; tries < TEEARRAY_FENCE_TRIES; tries++) {
		teearray_rq_init(tc, &rq, fence->slot, TEEARRAY_OP_IDENTIFY, 0, NULL);
		r = teearray_io_locked(tc, &rq, 1);
		if (r)
			return r;
		fence->status = rq.status;
		if (rq.status != TEEARRAY_ST_OK)
			return 0;
		if (memcmp(rq.instance_out, mb->instance, TEEARRAY_INSTANCE_SIZE)) {
			fence->status = TEEARRAY_ST_RESTARTED;
			return 0;
		}
		if (rq.member_generation == fence->arg)
			return 0;	/* the FENCE landed */
		if (rq.member_generation > fence->arg) {
			fence->status = TEEARRAY_ST_FENCED;
			return 0;
		}
		teearray_rq_init(tc, &rq, fence->slot, TEEARRAY_OP_FENCE, 0, NULL);
		rq.arg = fence->arg;
		rq.once = true;
		r = teearray_io_locked(tc, &rq, 1);
		if (r)
			return r;
		fence->status = rq.status;
		if (rq.status != TEEARRAY_ST_TIMEOUT)
			return 0;
	}
	return 0;
}

/* Raise the generation on every live member.  Caller holds member_lock. */
static int teearray_fence_locked(struct teearray_c *tc, u64 new_gen)
{
	struct teearray_request *rqs;
	unsigned int i, k = 0;
	int r;

	lockdep_assert_held(&tc->member_lock);
	rqs = tc->fence_rqs;
	for (i = 0; i < tc->m; i++) {
		if (!teearray_member_writable(&tc->members[i]))
			continue;
		teearray_rq_init(tc, &rqs[k], i, TEEARRAY_OP_FENCE, 0, NULL);
		rqs[k].arg = new_gen;
		rqs[k++].once = true;
	}
	r = teearray_io_locked(tc, rqs, k);
	for (i = 0; i < k && !r; i++)
		if (rqs[i].status == TEEARRAY_ST_TIMEOUT)
			r = teearray_fence_slow_locked(tc, &rqs[i]);
	if (!r)
		teearray_audit_event(tc, TEEARRAY_EV_FENCE, teearray_max_generation(tc), new_gen,
				     NULL);
	for (i = 0; i < k && !r; i++) {
		struct teearray_member *mb = &tc->members[rqs[i].slot];

		if (rqs[i].status == TEEARRAY_ST_OK) {
			WRITE_ONCE(mb->generation, new_gen);
		} else if (teearray_status_is_fatal(rqs[i].status)) {
			teearray_set_failed(tc, "fenced by a newer generation");
			r = -EIO;
		} else {
			DMWARN("%s: member %u could not be fenced (%s): marking it dead",
			       teearray_dev(tc),
			       rqs[i].slot, teearray_status_name(rqs[i].status));
			mb->state = TEEARRAY_MEMBER_DEAD;
		}
	}
	return r;
}

u64 teearray_max_generation(struct teearray_c *tc)
{
	return teearray_members_max_generation(tc->members, tc->m);
}

/* A new daemon session: fence for it, then let I/O through. */
void teearray_fence_work(struct work_struct *work)
{
	struct teearray_c *tc = container_of(work, struct teearray_c, fence_work);
	u64 epoch;
	int r;

	mutex_lock(&tc->member_lock);
	epoch = teearray_daemon_epoch();
	if (!tc->assembled || !epoch || epoch == tc->fenced_epoch || tc->fail_reason) {
		mutex_unlock(&tc->member_lock);
		return;
	}
	if (tc->quiesced) {
		/* Suspended: no member command until resume, which fences. */
		tc->fence_pending = true;
		mutex_unlock(&tc->member_lock);
		return;
	}
	r = teearray_fence_locked(tc, teearray_max_generation(tc) + 1);
	if (!r)
		r = teearray_persist_dr_locked(tc);
	if (!r) {
		WRITE_ONCE(tc->fenced_epoch, epoch);
		DMINFO("%s: members fenced at generation %llu for daemon session %llu",
		       teearray_dev(tc), teearray_max_generation(tc), epoch);
	}
	mutex_unlock(&tc->member_lock);
	wake_up_all(&teearray_daemon_wq);
}

void teearray_new_session(struct teearray_transport_watcher *w, u64 epoch)
{
	struct teearray_c *tc = container_of(w, struct teearray_c, watcher);

	queue_work(tc->ctl_wq, &tc->fence_work);
}

static int teearray_probe_members(struct teearray_c *tc,
				  struct teearray_probe *pr)
{
	struct teearray_request *rqs;
	unsigned int i, k;
	int r;

	rqs = kcalloc(tc->m, sizeof(*rqs), GFP_KERNEL);
	if (!rqs)
		return -ENOMEM;
	/* Identify first: the reads must name the instance we saw. */
	for (i = 0, k = 0; i < tc->m; i++)
		if (!tc->params->member_absent[i])
			teearray_rq_init(tc, &rqs[k++], i, TEEARRAY_OP_IDENTIFY, 0, NULL);
	r = teearray_io_locked(tc, rqs, k);
	for (i = 0; i < k && !r; i++) {
		struct teearray_member *mb = &tc->members[rqs[i].slot];

		pr[rqs[i].slot].sb_state = -EIO;
		pr[rqs[i].slot].dr_state = -EIO;
		if (rqs[i].status != TEEARRAY_ST_OK) {
			DMWARN("%s: member %u: not reachable for assembly (%s)", teearray_dev(tc),
			       rqs[i].slot, teearray_status_name(rqs[i].status));
			continue;
		}
		memcpy(mb->instance, rqs[i].instance_out, TEEARRAY_INSTANCE_SIZE);
		mb->generation = rqs[i].member_generation;
		mb->state = TEEARRAY_MEMBER_ALIVE;	/* provisional */
	}
	kfree(rqs);
	if (r)
		return r;

	rqs = kcalloc(2 * tc->m, sizeof(*rqs), GFP_KERNEL);
	if (!rqs)
		return -ENOMEM;
	for (i = 0, k = 0; i < tc->m; i++) {
		if (tc->members[i].state != TEEARRAY_MEMBER_ALIVE)
			continue;
		teearray_rq_init(tc, &rqs[k++], i, TEEARRAY_OP_READ, 0, &pr[i].sb);
		teearray_rq_init(tc, &rqs[k++], i, TEEARRAY_OP_DEATH_READ, 0, &pr[i].dr);
	}
	r = teearray_io_locked(tc, rqs, k);
	for (i = 0; i < k && !r; i++) {
		struct teearray_probe *p = &pr[rqs[i].slot];
		const struct teearray_epoch_keys *k;
		char *error = "";
		int *state;
		u32 e;

		state = rqs[i].op == TEEARRAY_OP_READ ? &p->sb_state : &p->dr_state;
		if (rqs[i].status != TEEARRAY_ST_OK) {
			DMWARN("%s: member %u: read failed during assembly (%s)", teearray_dev(tc),
			       rqs[i].slot, teearray_status_name(rqs[i].status));
			*state = -EIO;
			continue;
		}
		if (rqs[i].op == TEEARRAY_OP_READ) {
			e = teearray_sb_key_epoch(&p->sb);
			k = teearray_keys_of(tc, e);
		} else {
			e = teearray_dr_key_epoch(&p->dr);
			k = teearray_keys_of(tc, e);
		}
		if (teearray_all_zero(rqs[i].data, TEEARRAY_SECTOR_SIZE))
			*state = -ENODATA;
		else if (!k)
			*state = -EKEYREJECTED;
		else if (rqs[i].op == TEEARRAY_OP_READ)
			*state = teearray_sb_parse(&p->sb, &p->sbi, k->meta_key, &error);
		else
			*state = teearray_dr_parse(&p->dr, &p->dri, tc->params->array_uuid,
						   k->meta_key, &error);
		if (*state == -EKEYREJECTED)
			DMWARN("%s: member %u: %s is under key epoch %u, which the table lacks",
			       teearray_dev(tc),
			       rqs[i].slot, rqs[i].op == TEEARRAY_OP_READ ?
			       "superblock" : "death record", e);
		else if (*state && *state != -ENODATA)
			DMWARN("%s: member %u: %s", teearray_dev(tc), rqs[i].slot, error);
	}
	kfree(rqs);
	return r;
}

/* What the table says the array is, for the checks of teearray-fresh.h. */
static void teearray_expect(struct teearray_c *tc, struct teearray_expect *x)
{
	x->array_uuid = tc->params->array_uuid;
	x->n = tc->n;
	x->p = tc->p;
	x->key_epoch = tc->key_epoch;
	x->prev_key = teearray_keys_rotating(tc);
	x->len = tc->ti->len;
}

/* The superblocks agree: take the geometry (teearray_fresh_superblocks). */
static int teearray_check_superblocks(struct teearray_c *tc,
				      const struct teearray_expect *x,
				      struct teearray_probe *pr, const char **why)
{
	unsigned int i;
	int r = teearray_fresh_superblocks(x, tc->members, pr, &tc->geo, why);

	for (i = 0; i < tc->m; i++)
		if (pr[i].foreign)
			DMWARN("%s: member %u: superblock belongs to another array or slot",
			       teearray_dev(tc), i);
	if (r)
		return r;
	for (i = 0; i < tc->m; i++) {
		const struct teearray_sb_info *sbi = &pr[i].sbi;

		if (tc->members[i].state != TEEARRAY_MEMBER_ALIVE || pr[i].sb_state)
			continue;
		/* The array's: members replaced by an older release carry their own. */
		if (sbi->create_time &&
		    (!tc->create_time || sbi->create_time < tc->create_time))
			tc->create_time = sbi->create_time;
	}
	return 0;
}

/* The newest death record, confirmed (teearray_fresh_death_record). */
static int teearray_check_death_record(struct teearray_c *tc,
				       const struct teearray_expect *x,
				       const struct teearray_probe *pr,
				       struct teearray_dr_info *best,
				       const char **why)
{
	struct teearray_dr_tally t;
	int r = teearray_fresh_death_record(x, tc->members, pr, best, &t, why);

	if (r == -ESTALE)
		DMERR("%s: death record v%llu: %u live, %u agree (%u synced); need %u synced, >%u",
		      teearray_dev(tc), best->version, t.listed, t.confirmed, t.in_sync, tc->n,
		      t.listed - tc->n);
	return r;
}

/*
 * Assemble the array: identify every member, read superblocks and death
 * records, check freshness, then fence and write a new death record.
 * Context: preresume, process; takes member_lock.
 */
int teearray_assemble(struct teearray_c *tc)
{
	struct teearray_dr_info *best = NULL;
	struct teearray_probe *pr;
	struct teearray_expect x;
	const char *why = NULL;
	unsigned int i;
	u64 epoch;
	int r;

	if (!wait_event_timeout(teearray_daemon_wq, teearray_daemon_connected(),
				5 * HZ)) {
		DMERR(/* never split: operators grep for this */
		      "%s: no transport daemon connected: start teearrayd before activating the array",
		      teearray_dev(tc));
		return -ENOTCONN;
	}
	pr = kvcalloc(tc->m, sizeof(*pr), GFP_KERNEL);
	best = kzalloc(sizeof(*best), GFP_KERNEL);
	if (!pr || !best) {
		r = -ENOMEM;
		goto out;
	}

	mutex_lock(&tc->member_lock);
	epoch = teearray_daemon_epoch();
	for (i = 0; i < tc->m; i++)
		tc->members[i].state = TEEARRAY_MEMBER_DEAD;
	r = teearray_probe_members(tc, pr);
	if (r == -EAGAIN) {
		why = "the transport daemon went away during assembly";
		r = -ENOTCONN;
	}
	teearray_expect(tc, &x);
	if (!r)
		r = teearray_check_superblocks(tc, &x, pr, &why);
	if (!r)
		r = teearray_check_death_record(tc, &x, pr, best, &why);
	if (r)
		goto unlock;

	/* Members the record lists alive keep its state if they confirm it. */
	tc->dr_version = best->version;
	for (i = 0; i < tc->m; i++) {
		struct teearray_member *mb = &tc->members[i];
		u8 state = teearray_fresh_state(best, i, mb, &pr[i]);

		if (state == TEEARRAY_MEMBER_DEAD && best->state[i] != TEEARRAY_MEMBER_DEAD)
			DMWARN("%s: member %u is missing or was restarted: marking it dead",
			       teearray_dev(tc), i);
		mb->state = state;
		mb->generation = max(mb->generation, best->generation);
	}
	/* A rebuild that was under way starts again from the beginning. */
	for (i = 0; i < tc->m; i++)
		if (tc->members[i].state == TEEARRAY_MEMBER_REBUILDING)
			tc->rebuild_slot = i;
	atomic64_set(&tc->rebuild_done, 0);

	r = teearray_fence_locked(tc, teearray_max_generation(tc) + 1);
	if (!r)
		r = teearray_persist_dr_locked(tc);
	if (r) {
		why = r == -EAGAIN ? "the transport daemon went away during assembly" :
				     "members could not be fenced";
		goto unlock;
	}
	tc->journal.iv_gen = teearray_max_generation(tc);
	tc->journal.iv_seq = 0;
	if (tc->journal.iv_gen >= 1ULL << 32) {
		why = "fencing generation too large for the IV counter";
		r = -EOVERFLOW;
		goto unlock;
	}
	r = teearray_journal_replay(tc);
	if (r) {
		why = r == -EAGAIN ? "the transport daemon went away during assembly" :
				     "journal replay failed";
		goto unlock;
	}
	WRITE_ONCE(tc->fenced_epoch, epoch);
	tc->assembled = true;
	DMINFO("%s: assembled %u+%u, %llu sectors, gen %llu, death v%llu, journal v%llu, %u dead",
	       teearray_dev(tc), tc->n, tc->p,
	       tc->geo.array_sectors, teearray_max_generation(tc), tc->dr_version,
	       tc->journal.version,
	       teearray_members_count(tc->members, tc->m, TEEARRAY_MEMBER_DEAD));
unlock:
	mutex_unlock(&tc->member_lock);
	if (r && why)
		DMERR("%s: cannot assemble: %s", teearray_dev(tc), why);
out:
	kfree(best);
	kvfree(pr);
	wake_up_all(&teearray_daemon_wq);
	return r;
}

/* Message fail_member <slot> <death_record_version>: compare and swap. */
int teearray_fail_member_cas(struct teearray_c *tc, u32 slot, u64 version)
{
	bool failed[TEEARRAY_MAX_MEMBERS] = { false };

	if (slot >= tc->m)
		return -EINVAL;
	failed[slot] = true;
	return teearray_fail_members_cas(tc, failed, "failed by the operator",
					 TEEARRAY_FAIL_OPERATOR, 0, &version);
}
