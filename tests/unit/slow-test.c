// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for "slow is not dead" (kernel/teearray-slow.c): the adaptive
 * request timeout (RFC 6298 estimator, floor, ceiling, doubling per attempt)
 * and the evidence rule that decides when a member that does not answer may
 * be failed: never on one timeout, never before TEEARRAY_SLOW_SILENCE
 * ceilings of silence, never when that would leave fewer than N members.
 */
#include "teearray-slow.h"
#include "tap.h"

#define FLOOR	1000u
#define CEIL	10000u

static void test_timeout_before_samples(void)
{
	struct teearray_latency l = { 0 };

	tap_begin();
	/* Nothing measured yet: the ceiling, as before adaptive timeouts. */
	CHECK(teearray_latency_timeout(&l, FLOOR, CEIL, 0) == CEIL);
	CHECK(teearray_latency_timeout(&l, FLOOR, CEIL, 5) == CEIL);
	tap_end("slow: no sample yet: the timeout is the ceiling");
}

static void test_timeout_follows_samples(void)
{
	struct teearray_latency l = { 0 };
	unsigned int i;

	tap_begin();
	/* First sample r: srtt r, rttvar r/2, timeout r + 4 * r/2 = 3r. */
	teearray_latency_answer(&l, 2000);
	CHECK(teearray_latency_timeout(&l, FLOOR, CEIL, 0) == 6000);
	/* Fast, steady answers: down to the floor, never below it. */
	for (i = 0; i < 200; i++)
		teearray_latency_answer(&l, 5);
	CHECK(teearray_latency_timeout(&l, FLOOR, CEIL, 0) == FLOOR);
	/* A member that gets slow (a loaded host): the timeout grows with it. */
	for (i = 0; i < 200; i++)
		teearray_latency_answer(&l, 2500);
	CHECK(teearray_latency_timeout(&l, FLOOR, CEIL, 0) >= 2500);
	CHECK(teearray_latency_timeout(&l, FLOOR, CEIL, 0) <= 4000);
	/* Never above the ceiling, however slow. */
	for (i = 0; i < 50; i++)
		teearray_latency_answer(&l, 60000);
	CHECK(teearray_latency_timeout(&l, FLOOR, CEIL, 0) == CEIL);
	tap_end("slow: the timeout follows the answers, within floor and ceiling");
}

static void test_timeout_doubles(void)
{
	struct teearray_latency l = { 0 };
	unsigned int i;

	tap_begin();
	for (i = 0; i < 200; i++)
		teearray_latency_answer(&l, 100);
	/* Steady 100 ms: about 100 ms + 4 * (small deviation), floored. */
	CHECK(teearray_latency_timeout(&l, 100, CEIL, 0) >= 100);
	CHECK(teearray_latency_timeout(&l, 100, CEIL, 0) < 200);
	CHECK(teearray_latency_timeout(&l, 100, CEIL, 1) ==
	      2 * teearray_latency_timeout(&l, 100, CEIL, 0));
	CHECK(teearray_latency_timeout(&l, 100, CEIL, 3) ==
	      8 * teearray_latency_timeout(&l, 100, CEIL, 0));
	CHECK(teearray_latency_timeout(&l, 100, CEIL, 10) == CEIL);
	/* A huge attempt count neither overflows nor passes the ceiling. */
	CHECK(teearray_latency_timeout(&l, 100, CEIL, 255) == CEIL);
	/* A floor above the ceiling (the parser prevents it) yields the ceiling. */
	CHECK(teearray_latency_timeout(&l, 20000, CEIL, 0) == CEIL);
	tap_end("slow: each attempt after a timeout waits twice as long");
}

static void test_one_timeout_is_not_death(void)
{
	struct teearray_latency l = { 0 };

	tap_begin();
	teearray_latency_answer(&l, 50);
	teearray_latency_strike(&l, 1000);
	/* One timeout, however long ago: not gone. */
	CHECK(!teearray_latency_gone(&l, CEIL, 1000));
	CHECK(!teearray_latency_gone(&l, CEIL, 1000 + 100 * CEIL));
	tap_end("slow: one timeout is never evidence");
}

static void test_strikes_need_time(void)
{
	struct teearray_latency l = { 0 };
	u64 t0 = 5000;

	tap_begin();
	/* Many timeouts in a burst (one batch of requests): not yet. */
	teearray_latency_strike(&l, t0);
	teearray_latency_strike(&l, t0);
	teearray_latency_strike(&l, t0 + 10);
	teearray_latency_strike(&l, t0 + 20);
	CHECK(l.strikes == 4);
	CHECK(!teearray_latency_gone(&l, CEIL, t0 + 20));
	CHECK(!teearray_latency_gone(&l, CEIL, t0 + TEEARRAY_SLOW_SILENCE * CEIL - 1));
	/* Silent for TEEARRAY_SLOW_SILENCE ceilings since the first timeout. */
	CHECK(teearray_latency_gone(&l, CEIL, t0 + TEEARRAY_SLOW_SILENCE * CEIL));
	/* A clock that went backwards is not evidence. */
	CHECK(!teearray_latency_gone(&l, CEIL, t0 - 1));
	tap_end("slow: strikes count only after %u ceilings of silence", TEEARRAY_SLOW_SILENCE);
}

static void test_answer_clears_streak(void)
{
	struct teearray_latency l = { 0 };
	u64 t = 0;
	unsigned int i;

	tap_begin();
	/* A member that answers between timeouts is slow, never gone. */
	for (i = 0; i < 100; i++) {
		teearray_latency_strike(&l, t);
		teearray_latency_strike(&l, t + CEIL);
		t += 2 * CEIL;
		CHECK(!teearray_latency_gone(&l, CEIL, t));
		teearray_latency_answer(&l, 9000);
		CHECK(l.strikes == 0);
	}
	/* The streak restarts from the first timeout after the answer. */
	l.waited = true;
	teearray_latency_answer(&l, 10);
	CHECK(!l.waited);
	teearray_latency_strike(&l, t);
	CHECK(l.silent_since == t);
	tap_end("slow: an answer ends the streak and the wait");
}

static void test_may_fail(void)
{
	tap_begin();
	/* 8+8 with 8 members lost: failing one more would leave 7 < 8. */
	CHECK(!teearray_latency_may_fail(7, 8));
	CHECK(!teearray_latency_may_fail(0, 1));
	CHECK(teearray_latency_may_fail(8, 8));
	CHECK(teearray_latency_may_fail(9, 8));
	tap_end("slow: a member is failed only if N others stay in sync");
}

int main(void)
{
	tap_plan(7);
	test_timeout_before_samples();
	test_timeout_follows_samples();
	test_timeout_doubles();
	test_one_timeout_is_not_death();
	test_strikes_need_time();
	test_answer_clears_streak();
	test_may_fail();
	return tap_exit_status();
}
