// SPDX-License-Identifier: GPL-2.0
/*
 * Member answer times and the evidence rule for silence (see
 * teearray-slow.h).
 */
#include "teearray-slow.h"

void teearray_latency_answer(struct teearray_latency *l, u32 rtt_ms)
{
	/* A zero sample would read as "no sample yet". */
	u32 r = rtt_ms ? rtt_ms : 1;

	if (!l->srtt8) {
		l->srtt8 = r << 3;
		l->rttvar4 = r << 1;	/* r / 2, << 2 */
	} else {
		u32 srtt = l->srtt8 >> 3;
		u32 dev = srtt > r ? srtt - r : r - srtt;

		/* rttvar = 3/4 rttvar + 1/4 |srtt - r|; srtt = 7/8 srtt + 1/8 r */
		l->rttvar4 = l->rttvar4 - (l->rttvar4 >> 2) + dev;
		l->srtt8 = l->srtt8 - (l->srtt8 >> 3) + r;
	}
	l->strikes = 0;
	l->waited = false;
}

u32 teearray_latency_timeout(const struct teearray_latency *l, u32 floor, u32 ceil,
			     unsigned int attempt)
{
	u64 t;

	if (floor > ceil)
		floor = ceil;
	if (!l->srtt8)
		return ceil;
	t = (u64)(l->srtt8 >> 3) + l->rttvar4;	/* srtt + 4 * rttvar */
	t <<= min(attempt, 16u);
	if (t < floor)
		return floor;
	return t > ceil ? ceil : (u32)t;
}

void teearray_latency_strike(struct teearray_latency *l, u64 now)
{
	if (!l->strikes++)
		l->silent_since = now;
}

bool teearray_latency_gone(const struct teearray_latency *l, u32 ceil, u64 now)
{
	u64 since = l->silent_since;

	return l->strikes >= TEEARRAY_SLOW_STRIKES &&
	       now >= since && now - since >= (u64)TEEARRAY_SLOW_SILENCE * ceil;
}
