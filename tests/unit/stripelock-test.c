// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the stripe locks (kernel/teearray-stripelock.c): readers
 * share, writers exclude everyone, a set is taken whole or not at all, and
 * a waiting writer is not starved by readers that keep coming.
 */
#include "teearray-stripelock.h"
#include "tap.h"

static void set_of(unsigned long *set, unsigned int a, unsigned int b)
{
	memset(set, 0, BITS_TO_LONGS(TEEARRAY_STRIPE_LOCKS) * sizeof(long));
	__set_bit(a, set);
	__set_bit(b, set);
}

static void test_readers_share(void)
{
	struct teearray_stripelocks t = { 0 };
	DECLARE_BITMAP(s1, TEEARRAY_STRIPE_LOCKS);
	DECLARE_BITMAP(s2, TEEARRAY_STRIPE_LOCKS);
	bool m1 = false, m2 = false;

	tap_begin();
	/* Two reads of data stripes that share a metadata stripe (slot 7). */
	set_of(s1, 3, 7);
	set_of(s2, 5, 7);
	CHECK(teearray_stripelocks_try(&t, s1, true, &m1));
	CHECK(teearray_stripelocks_try(&t, s2, true, &m2));
	CHECK(t.held[7] == 2 && t.held[3] == 1 && t.held[5] == 1);
	teearray_stripelocks_release(&t, s1, true);
	teearray_stripelocks_release(&t, s2, true);
	CHECK(t.held[7] == 0 && t.held[3] == 0 && t.held[5] == 0);
	CHECK(!m1 && !m2);
	tap_end("stripelock: readers of a shared metadata stripe hold it together");
}

static void test_writers_exclude(void)
{
	struct teearray_stripelocks t = { 0 };
	DECLARE_BITMAP(w, TEEARRAY_STRIPE_LOCKS);
	DECLARE_BITMAP(r, TEEARRAY_STRIPE_LOCKS);
	DECLARE_BITMAP(w2, TEEARRAY_STRIPE_LOCKS);
	bool mw = false, mr = false, mw2 = false;

	tap_begin();
	set_of(w, 1, 2);
	set_of(r, 2, 9);
	set_of(w2, 9, 1);
	CHECK(teearray_stripelocks_try(&t, w, false, &mw));
	/* A reader and a writer overlapping a held slot wait, taking nothing. */
	CHECK(!teearray_stripelocks_try(&t, r, true, &mr));
	CHECK(t.held[9] == 0);
	CHECK(!teearray_stripelocks_try(&t, w2, false, &mw2));
	CHECK(t.held[9] == 0 && t.held[1] == -1);
	teearray_stripelocks_release(&t, w, false);
	/* The waiting writer's marks hold the reader off until it is in. */
	CHECK(!teearray_stripelocks_try(&t, r, true, &mr));
	CHECK(teearray_stripelocks_try(&t, w2, false, &mw2));
	CHECK(!mw2 && t.wanted[9] == 0 && t.wanted[1] == 0);
	CHECK(!teearray_stripelocks_try(&t, r, true, &mr));
	teearray_stripelocks_release(&t, w2, false);
	CHECK(teearray_stripelocks_try(&t, r, true, &mr));
	/* A writer waits for readers too. */
	CHECK(!teearray_stripelocks_try(&t, w2, false, &mw2));
	teearray_stripelocks_release(&t, r, true);
	CHECK(teearray_stripelocks_try(&t, w2, false, &mw2));
	teearray_stripelocks_release(&t, w2, false);
	tap_end("stripelock: a writer excludes readers and writers, a set is all or nothing");
}

static void test_writer_not_starved(void)
{
	struct teearray_stripelocks t = { 0 };
	DECLARE_BITMAP(r1, TEEARRAY_STRIPE_LOCKS);
	DECLARE_BITMAP(r2, TEEARRAY_STRIPE_LOCKS);
	DECLARE_BITMAP(w, TEEARRAY_STRIPE_LOCKS);
	bool m1 = false, m2 = false, mw = false;
	unsigned int i;

	tap_begin();
	set_of(r1, 4, 4);
	set_of(r2, 4, 6);
	set_of(w, 4, 5);
	CHECK(teearray_stripelocks_try(&t, r1, true, &m1));
	CHECK(!teearray_stripelocks_try(&t, w, false, &mw));
	CHECK(mw && t.wanted[4] == 1 && t.wanted[5] == 1);
	/* Readers keep coming: none gets in past the waiting writer. */
	for (i = 0; i < 100; i++)
		CHECK(!teearray_stripelocks_try(&t, r2, true, &m2));
	/* Trying again does not mark twice. */
	CHECK(!teearray_stripelocks_try(&t, w, false, &mw));
	CHECK(t.wanted[4] == 1);
	teearray_stripelocks_release(&t, r1, true);
	CHECK(teearray_stripelocks_try(&t, w, false, &mw));
	teearray_stripelocks_release(&t, w, false);
	CHECK(teearray_stripelocks_try(&t, r2, true, &m2));
	teearray_stripelocks_release(&t, r2, true);
	tap_end("stripelock: readers that keep coming do not starve a waiting writer");
}

int main(void)
{
	tap_plan(3);
	test_readers_share();
	test_writers_exclude();
	test_writer_not_starved();
	return tap_exit_status();
}
