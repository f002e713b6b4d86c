// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for journal entry planning (kernel/teearray-jplan.c): which
 * journals can hold a write of their array, what writes cost in payload
 * sectors for several shapes, how an entry fills up, where payload
 * replicas go, where records and payload live, and which records replay
 * considers.  Expected costs are worked out by hand from "Sizes" in
 * Documentation/admin-guide/device-mapper/dm-teearray-journal.rst.
 */
#include <stdlib.h>
#include "teearray-jplan.h"
#include "tap.h"

#define A TEEARRAY_MEMBER_ALIVE
#define R TEEARRAY_MEMBER_REBUILDING
#define D TEEARRAY_MEMBER_DEAD

static struct teearray_geometry geo;
static struct teearray_jstripe dst[TEEARRAY_JREC_MAX_DESC], mst[TEEARRAY_JREC_MAX_DESC];
static u64 meta_mv[TEEARRAY_JREC_MAX_DESC];
static struct teearray_member members[TEEARRAY_MAX_MEMBERS];

static int geo_init(u32 n, u32 p, u64 journal_sectors)
{
	return teearray_geometry_init(&geo, n, p, 1ULL << 24, journal_sectors,
				      TEEARRAY_DEF_LOG_STRIPES);
}

/* An empty entry for geo with the capacity its journal gives. */
static void plan_init(struct teearray_jplan *e)
{
	memset(e, 0, sizeof(*e));
	e->geo = &geo;
	e->capacity = teearray_journal_capacity(geo.journal_sectors);
	e->dst = dst;
	e->mst = mst;
	e->meta_mv = meta_mv;
	teearray_jplan_reset(e);
}

/* Cost of a write of v, then take it; -1 when it was not taken. */
static int take(struct teearray_jplan *e, u64 v)
{
	unsigned int cost = teearray_jplan_write_cost(e, v), used = e->used;
	int s = teearray_jplan_add_write(e, v);

	if (s < 0)
		return -1;
	CHECK(e->used == used + cost);
	return (int)cost;
}

/* Payload sectors the planned entry carries (before dead members drop out). */
static unsigned int carried(const struct teearray_jplan *e, bool log)
{
	unsigned int s, k = 0, p = e->geo->parity_members;

	for (s = 0; s < e->nd; s++)
		k += e->dst[s].nw + p;
	for (s = 0; s < e->nm; s++)
		k += e->mst[s].nw + p;
	return k + (log ? 1 + p : 0);
}

static void test_check(void)
{
	tap_begin();
	/* Default journal (242 sectors): entries of 120 payload sectors. */
	CHECK(!geo_init(2, 1, TEEARRAY_DEF_JOURNAL_SECTORS));
	CHECK(teearray_journal_capacity(geo.journal_sectors) == 120);
	CHECK(!teearray_jplan_check(&geo));
	CHECK(!geo_init(4, 2, TEEARRAY_DEF_JOURNAL_SECTORS) && !teearray_jplan_check(&geo));
	CHECK(!geo_init(8, 8, TEEARRAY_DEF_JOURNAL_SECTORS) && !teearray_jplan_check(&geo));
	/* The worst write is 3 + 3P: P = 39 fits 120 exactly, P = 40 does not. */
	CHECK(teearray_jplan_min_capacity(39) == 120);
	CHECK(!geo_init(100, 39, TEEARRAY_DEF_JOURNAL_SECTORS) && !teearray_jplan_check(&geo));
	CHECK(!geo_init(100, 40, TEEARRAY_DEF_JOURNAL_SECTORS));
	CHECK(teearray_jplan_check(&geo) == -EINVAL);
	/* ... but does with the largest journal a record can describe (2 + 2 * 125). */
	CHECK(!geo_init(100, 40, 252) && !teearray_jplan_check(&geo));
	/* A wide array whose worst write (171) no entry can hold. */
	CHECK(!geo_init(200, 56, 252));
	CHECK(teearray_jplan_check(&geo) == -EINVAL);
	/* Halves larger than a record describes are refused. */
	CHECK(!geo_init(2, 1, 254));
	CHECK(teearray_journal_capacity(geo.journal_sectors) == 125);
	CHECK(teearray_jplan_check(&geo) == -EINVAL);
	tap_end("capacity: a journal must hold the worst single write of its array");
}

/*
 * First write to stripe s (empty entry), then one to another column of it,
 * then the same column again.
 */
static void first_writes(u32 n, u32 p, u64 s, int first)
{
	struct teearray_jplan e;

	CHECK(!geo_init(n, p, TEEARRAY_DEF_JOURNAL_SECTORS));
	plan_init(&e);
	CHECK(take(&e, s * n) == first);
	CHECK(e.nd == 1 && e.dst[0].ms == geo.data_start + s && e.dst[0].nw == 1);
	if (n > 1 && first + 1 <= (int)e.capacity) {
		CHECK(take(&e, s * n + 1) == 1);
		CHECK(e.dst[0].nw == 2);
	}
	CHECK(take(&e, s * n) == 0);
	CHECK(carried(&e, false) <= e.used);
}

static void test_sizes(void)
{
	tap_begin();
	/* 2 + 2P: the sector, P parity, its metadata sector, P metadata parity. */
	first_writes(2, 1, 0, 4);
	first_writes(4, 2, 0, 6);
	first_writes(8, 8, 0, 18);
	/* 3 + 3P: entries straddling two metadata sectors (4+2 stripe 36: 144..147). */
	first_writes(4, 2, 36, 9);
	first_writes(8, 8, 18, 27);
	/* Wide: 100+39 stripe 1 (100..199) straddles: the whole entry, 120. */
	first_writes(100, 39, 0, 80);
	first_writes(100, 39, 1, 120);
	tap_end("sizes: a write's payload sectors for 2+1, 4+2, 8+8 and 100+39");
}

static void test_sharing(void)
{
	struct teearray_jplan e;
	u64 v;

	tap_begin();
	CHECK(!geo_init(2, 1, TEEARRAY_DEF_JOURNAL_SECTORS));
	plan_init(&e);
	CHECK(take(&e, 0) == 4);
	/* Stripe 1: its entries are in metadata sector 0, already in: 1 + P. */
	CHECK(take(&e, 2) == 2);
	/* Stripe 73 (146, 147): metadata sector 1, same metadata stripe: + 1. */
	CHECK(take(&e, 146) == 3);
	CHECK(take(&e, 148) == 2);
	/* Metadata sector 2 is in the next metadata stripe: + 1 + P. */
	CHECK(take(&e, 292) == 4);
	CHECK(e.nd == 5 && e.nm == 2 && e.nmeta == 3);
	CHECK(teearray_jplan_meta_index(&e, 0) == 0);
	CHECK(teearray_jplan_meta_index(&e, 1) == 1);
	CHECK(teearray_jplan_meta_index(&e, 2) == 2);
	CHECK(teearray_jplan_meta_index(&e, 3) == -1);
	CHECK(e.mst[0].ms == geo.meta_start && e.mst[0].nw == 2);
	CHECK(e.mst[1].ms == geo.meta_start + 1 && e.mst[1].nw == 1);
	/* Nothing straddles here: what is counted is exactly what is carried. */
	CHECK(carried(&e, false) == e.used && e.used == 15);
	for (v = 0; v < 8; v++)
		take(&e, v);
	CHECK(carried(&e, false) == e.used);
	tap_end("sizes: stripes share metadata sectors and metadata stripes");
}

static void test_fill(void)
{
	static const u32 shapes[][2] = { { 2, 1 }, { 4, 2 }, { 8, 8 }, { 13, 5 }, { 100, 39 } };
	unsigned int i;

	tap_begin();
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct teearray_jplan e;
		unsigned int entries = 1, taken = 0;
		u64 v = 0, x = 12345;

		CHECK(!geo_init(shapes[i][0], shapes[i][1], TEEARRAY_DEF_JOURNAL_SECTORS));
		plan_init(&e);
		while (taken < 2000) {
			unsigned int cost, used = e.used;
			int s;

			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			v = (x >> 33) % (geo.array_sectors < 50000 ? geo.array_sectors : 50000);
			cost = teearray_jplan_write_cost(&e, v);
			s = teearray_jplan_add_write(&e, v);
			if (s == -ENOSPC) {
				/* Refused only when it does not fit; an empty entry takes it. */
				CHECK(used + cost > e.capacity && used);
				CHECK(e.used == used);
				teearray_jplan_reset(&e);
				entries++;
				continue;
			}
			CHECK(s >= 0 && (unsigned int)s < e.nd);
			CHECK(e.dst[s].ms == teearray_geo_data_ms(&geo, v / shapes[i][0]));
			CHECK(test_bit(v % shapes[i][0], e.dst[s].written));
			CHECK(e.used == used + cost && e.used <= e.capacity);
			CHECK(carried(&e, false) <= e.used);
			taken++;
		}
		CHECK(entries > 1);
	}
	tap_end("fill: entries take writes up to their capacity, never beyond");
}

static void test_too_big(void)
{
	struct teearray_jplan e;

	tap_begin();
	CHECK(!geo_init(4, 2, TEEARRAY_DEF_JOURNAL_SECTORS));
	plan_init(&e);
	e.capacity = 8;
	/* 4+2 stripe 36 needs 9: never fits an entry of 8. */
	CHECK(teearray_jplan_add_write(&e, 144) == -E2BIG && e.used == 0 && e.nd == 0);
	CHECK(teearray_jplan_add_write(&e, 0) == 0 && e.used == 6);
	CHECK(teearray_jplan_add_write(&e, 144) == -ENOSPC);
	tap_end("fill: a write no entry can hold is refused, not queued forever");
}

static void test_rewrap_log(void)
{
	struct teearray_jplan e;
	int s;

	tap_begin();
	CHECK(!geo_init(100, 10, TEEARRAY_DEF_JOURNAL_SECTORS));
	plan_init(&e);
	/* Stripe 0: P + metadata (1 + P) = 21 besides its columns: 99 of 100 fit. */
	s = teearray_jplan_add_rewrap(&e, 0);
	CHECK(s == 0 && e.dst[0].rewrap == 99 && e.used == 120 && e.dst[0].nw == 0);
	/* The entry is full: the next stripe waits. */
	CHECK(teearray_jplan_add_rewrap(&e, 2) == -ENOSPC);
	CHECK(!teearray_jplan_add_log(&e, geo.log_start, 3));
	/* On an empty entry a wide stripe takes what fits (the walk repeats). */
	teearray_jplan_reset(&e);
	CHECK(take(&e, 0) == 22);
	s = teearray_jplan_add_rewrap(&e, 1);	/* 100..199: two metadata sectors */
	CHECK(s == 1 && e.dst[1].rewrap == 120 - 22 - (10 + 0 + 11));
	CHECK(e.used == 120);
	/* A log sector fits an empty entry, or one with 1 + P to spare. */
	teearray_jplan_reset(&e);
	CHECK(teearray_jplan_add_log(&e, geo.log_start + 5, 7));
	CHECK(e.used == 11 && e.lst.ms == geo.log_start + 5 && e.lst.nw == 1);
	CHECK(test_bit(7, e.lst.written) && !test_bit(6, e.lst.written));
	CHECK(carried(&e, true) == e.used);
	tap_end("rewrap and log: re-encryption and audit sectors share the entry's room");
}

static void members_set(unsigned int m, u8 state)
{
	unsigned int i;

	memset(members, 0, sizeof(members));
	for (i = 0; i < m; i++)
		members[i].state = state;
}

static void test_replicas(void)
{
	u32 slots[TEEARRAY_MAX_PARITY + 1];

	tap_begin();
	CHECK(!geo_init(4, 2, TEEARRAY_DEF_JOURNAL_SECTORS));
	members_set(6, A);
	/* P + 1 = 3 copies, from the home slot on, wrapping around. */
	CHECK(teearray_jplan_replicas(&geo, members, 5, slots) == 3);
	CHECK(slots[0] == 5 && slots[1] == 0 && slots[2] == 1);
	CHECK(teearray_jplan_replicas(&geo, members, 2, slots) == 3);
	CHECK(slots[0] == 2 && slots[1] == 3 && slots[2] == 4);
	/* Dead members are skipped; a member being rebuilt takes writes. */
	members[0].state = D;
	members[1].state = R;
	CHECK(teearray_jplan_replicas(&geo, members, 5, slots) == 3);
	CHECK(slots[0] == 5 && slots[1] == 1 && slots[2] == 2);
	/* Home dead: the copies start after it. */
	members[5].state = D;
	CHECK(teearray_jplan_replicas(&geo, members, 5, slots) == 3);
	CHECK(slots[0] == 1 && slots[1] == 2 && slots[2] == 3);
	/* 2+1 with two dead: the one member left. */
	CHECK(!geo_init(2, 1, TEEARRAY_DEF_JOURNAL_SECTORS));
	members_set(3, D);
	members[1].state = A;
	CHECK(teearray_jplan_replicas(&geo, members, 2, slots) == 1 && slots[0] == 1);
	tap_end("replicas: payload goes to the first P + 1 writable members from its home");
}

static void test_layout(void)
{
	static const u32 shapes[][2] = { { 2, 1 }, { 4, 2 }, { 8, 8 }, { 100, 39 } };
	unsigned int i;

	tap_begin();
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		u32 cap;
		u64 v;

		CHECK(!geo_init(shapes[i][0], shapes[i][1], TEEARRAY_DEF_JOURNAL_SECTORS));
		cap = teearray_journal_capacity(geo.journal_sectors);
		CHECK(geo.journal_start == 1 && teearray_journal_half(&geo) == 120);
		for (v = 1; v < 5; v++) {
			/* Record slot and payload half v % 2, inside the journal area. */
			CHECK(teearray_jrec_sector(&geo, v) == 1 + v % 2);
			CHECK(teearray_jpay_sector(&geo, v, 0) == 3 + (v % 2) * 120);
			CHECK(teearray_jpay_sector(&geo, v, cap - 1) < geo.meta_start);
			CHECK(teearray_jpay_sector(&geo, v, cap - 1) + 1 ==
			      teearray_jpay_sector(&geo, v + 1, 0) ||
			      teearray_jpay_sector(&geo, v, cap - 1) + 1 == geo.meta_start);
		}
		/* The last payload sector is the journal's last sector. */
		CHECK(teearray_jpay_sector(&geo, 1, cap - 1) == geo.journal_start +
		      geo.journal_sectors - 1);
	}
	tap_end("layout: record slots and payload halves of entries v and v + 1 never overlap");
}

static void test_pick(void)
{
	u64 version[8];
	bool ok[8];
	int best, prev;

	tap_begin();
	/* Members hold records 7 and 8 (a torn 9 did not verify anywhere). */
	memset(ok, 1, sizeof(ok));
	version[0] = 8; version[1] = 7; version[2] = 8; version[3] = 7;
	version[4] = 9; ok[4] = false;
	version[5] = 6; version[6] = 8; version[7] = 5;
	CHECK(teearray_jplan_pick(version, ok, 8, &best, &prev) == 8);
	CHECK(best == 6 && version[best] == 8);	/* the last holding the newest */
	CHECK(prev == 3 && version[prev] == 7);
	/* No record just before the newest: an older one is never taken. */
	version[1] = version[3] = 6;
	CHECK(teearray_jplan_pick(version, ok, 8, &best, &prev) == 8);
	CHECK(best == 6 && prev == -1);
	/* An authentic newer record wins over any number of older ones. */
	ok[4] = true;
	CHECK(teearray_jplan_pick(version, ok, 8, &best, &prev) == 9);
	CHECK(best == 4 && version[prev] == 8);
	/* Nothing authentic: no record, version 0. */
	memset(ok, 0, sizeof(ok));
	CHECK(teearray_jplan_pick(version, ok, 8, &best, &prev) == 0);
	CHECK(best == -1 && prev == -1);
	CHECK(teearray_jplan_pick(version, ok, 0, &best, &prev) == 0 && best == -1);
	tap_end("replay: the newest authentic record, and only the one just before it");
}

int main(void)
{
	tap_plan(9);
	test_check();
	test_sizes();
	test_sharing();
	test_fill();
	test_too_big();
	test_rewrap_log();
	test_replicas();
	test_layout();
	test_pick();
	return tap_exit_status();
}
