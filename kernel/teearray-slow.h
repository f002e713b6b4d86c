/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Slow is not dead: how long the array waits for a member's answer, and
 * when missing answers are evidence enough to fail it.
 *
 * Every answer a member gives is a round-trip sample; the request timeout
 * follows them as TCP's retransmission timer does (RFC 6298: smoothed time
 * plus four deviations), clamped to the table's member_timeout_min (floor)
 * and member_timeout (ceiling).  A request that times out is sent again
 * with twice the timeout (up to the ceiling): the member is slow, not dead.
 *
 * A member is failed for silence only when all of these hold
 * (teearray_latency_gone):
 *   - TEEARRAY_SLOW_STRIKES requests in a row timed out at the member, with
 *     no answer from it in between;
 *   - the first of those timeouts is at least TEEARRAY_SLOW_SILENCE
 *     ceilings old;
 *   - failing it leaves at least N members (teearray_latency_may_fail);
 *     otherwise the array waits on it, says so in status and the log, and
 *     the member comes back when it answers.
 * Timeouts the member cannot be blamed for (the daemon queued the request
 * past its deadline, or the daemon itself did not answer in time) are
 * retried without a strike.  A member that refuses connections, restarted,
 * or answers with a lie is failed at once, as before: that is evidence.
 *
 * Pure code: builds in the module and in userspace; no locking (the
 * caller holds the member's latency lock), no allocation, no I/O.  Times
 * are milliseconds from any monotonic clock.
 */
#ifndef TEEARRAY_SLOW_H
#define TEEARRAY_SLOW_H

#include "teearray-compat.h"

#define TEEARRAY_SLOW_STRIKES	3
#define TEEARRAY_SLOW_SILENCE	3

struct teearray_latency {
	u32 srtt8;		/* smoothed answer time, ms << 3; 0: no sample yet */
	u32 rttvar4;		/* its mean deviation, ms << 2 */
	u32 strikes;		/* timeouts in a row at the member, no answer between */
	u64 silent_since;	/* when the first timeout of this streak came */
	bool waited;		/* failing it would leave fewer than N: the array waits */
};

/* An answer came back after rtt_ms: a sample, and the end of any streak. */
void teearray_latency_answer(struct teearray_latency *l, u32 rtt_ms);

/*
 * The timeout for attempt (0: first send) of a request: the smoothed time
 * plus four deviations, doubled per earlier attempt, within [floor, ceil].
 * Before the first sample: the ceiling.
 */
u32 teearray_latency_timeout(const struct teearray_latency *l, u32 floor, u32 ceil,
			     unsigned int attempt);

/* A request timed out at the member: one more strike. */
void teearray_latency_strike(struct teearray_latency *l, u64 now);

/* Is the silence evidence enough (strikes and time; see above)? */
bool teearray_latency_gone(const struct teearray_latency *l, u32 ceil, u64 now);

/* May a member be failed when @others members besides it are in sync? */
static inline bool teearray_latency_may_fail(unsigned int others, unsigned int n)
{
	return others >= n;
}

#endif /* TEEARRAY_SLOW_H */
