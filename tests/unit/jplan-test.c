// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for journal entry planning (kernel/teearray-jplan.c), format
 * version 4 (erasure-coded journal): which journals can hold a write of
 * their array, what an entry holds, what writes cost in payload sectors
 * for several shapes, how an entry fills up to its payload capacity and to
 * the stripes its records can summarise, that it never needs more
 * metadata pages than the kernel keeps (teearray_jplan_max_meta), which
 * records replay considers and when an entry is complete.  Expected costs
 * are worked out by hand from "Sizes" in
 * Documentation/admin-guide/device-mapper/dm-teearray-journal.rst.
 *
 * The entry's arrays are allocated as the kernel allocates them
 * (teearray_journal_init: capacity data stripes, max_meta metadata stripes
 * and sectors), so an entry outgrowing them is an ASan error.
 */
#include <stdlib.h>
#include "teearray-jplan.h"
#include "tap.h"

static struct teearray_geometry geo;
static struct teearray_jstripe *dst, *mst;
static u64 *meta_mv;

static int geo_init(u32 n, u32 p, u64 journal_sectors)
{
	return teearray_geometry_init(&geo, n, p, 1ULL << 24, journal_sectors,
				      TEEARRAY_DEF_LOG_STRIPES);
}

/* An empty entry for geo, with arrays of the kernel's sizes. */
static void plan_init(struct teearray_jplan *e)
{
	u32 meta = teearray_jplan_max_meta(geo.parity_members);

	free(dst);
	free(mst);
	free(meta_mv);
	memset(e, 0x5a, sizeof(*e));	/* init must set everything it uses */
	teearray_jplan_init(e, &geo);
	dst = calloc(e->capacity, sizeof(*dst));
	mst = calloc(meta, sizeof(*mst));
	meta_mv = calloc(meta, sizeof(*meta_mv));
	e->dst = dst;
	e->mst = mst;
	e->meta_mv = meta_mv;
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
static unsigned int carried(const struct teearray_jplan *e)
{
	unsigned int s, k = 0, p = e->geo->parity_members, n = e->geo->data_members;

	for (s = 0; s < e->nd; s++)
		k += min(n, e->dst[s].nw + e->dst[s].rewrap) + p;
	for (s = 0; s < e->nm; s++)
		k += e->mst[s].nw + p;
	return k + (e->nlog ? 1 + p : 0);
}

/* Stripes a write of v adds to e: its data stripe and new metadata stripes. */
static unsigned int new_stripes(const struct teearray_jplan *e, u64 v)
{
	const struct teearray_geometry *g = e->geo;
	u64 stripe = v / g->data_members, mv[2], ms[2];
	unsigned int k, s, n = 1;
	u32 c;

	for (s = 0; s < e->nd; s++)
		if (e->dst[s].ms == teearray_geo_data_ms(g, stripe))
			return 0;
	teearray_geo_stripe_meta(g, stripe, mv);
	for (k = 0; k < 2; k++) {
		ms[k] = teearray_geo_meta_ms(g, mv[k], &c);
		if (k && ms[1] == ms[0])
			break;
		for (s = 0; s < e->nm && e->mst[s].ms != ms[k]; s++)
			;
		n += s == e->nm;
	}
	return n;
}

/*
 * What the entry's records and pages rely on: within capacity, stripe
 * limit and the kernel's arrays, and the metadata of every data stripe in
 * it (each metadata sector once, marked in its metadata stripe).
 */
static bool plan_consistent(const struct teearray_jplan *e)
{
	const struct teearray_geometry *g = e->geo;
	u32 p = g->parity_members, c;
	unsigned int s, k, t, bits = 0;

	if (e->used > e->capacity || teearray_jplan_stripes(e) > e->max_stripes ||
	    e->nd + e->nm + e->nlog != teearray_jplan_stripes(e) ||
	    e->nmeta > teearray_jplan_max_meta(p) || e->nm > e->nmeta ||
	    e->nd > e->capacity / (1 + p) || carried(e) > e->used)
		return false;
	for (s = 0; s < e->nd; s++) {
		u64 mv[2], stripe = e->dst[s].ms - g->data_start;

		if (e->dst[s].ms < g->data_start || (!e->dst[s].nw && !e->dst[s].rewrap))
			return false;
		teearray_geo_stripe_meta(g, stripe, mv);
		if (teearray_jplan_meta_index(e, mv[0]) < 0 ||
		    teearray_jplan_meta_index(e, mv[1]) < 0)
			return false;
		for (t = 0; t < s; t++)
			if (e->dst[t].ms == e->dst[s].ms)
				return false;
	}
	for (k = 0; k < e->nmeta; k++) {
		u64 ms = teearray_geo_meta_ms(g, e->meta_mv[k], &c);

		if (teearray_jplan_meta_index(e, e->meta_mv[k]) != (int)k)
			return false;		/* twice */
		for (s = 0; s < e->nm && e->mst[s].ms != ms; s++)
			;
		if (s == e->nm || !test_bit(c, e->mst[s].written))
			return false;
	}
	for (s = 0; s < e->nm; s++) {
		bits += e->mst[s].nw;
		for (c = 0; c < g->data_members; c++)
			if (test_bit(c, e->mst[s].written) &&
			    teearray_jplan_meta_index(e, (e->mst[s].ms - g->meta_start) *
							 g->data_members + c) < 0)
				return false;
	}
	return bits == e->nmeta;
}

static void test_check(void)
{
	struct teearray_jplan e;

	tap_begin();
	/* Payload capacity: 240, or the worst single write 3 + 3P when larger. */
	CHECK(TEEARRAY_JPLAN_PAYLOADS == 240);
	CHECK(teearray_jplan_min_capacity(1) == 6 && teearray_jplan_min_capacity(128) == 387);
	CHECK(teearray_jplan_capacity(1) == 240 && teearray_jplan_capacity(2) == 240);
	CHECK(teearray_jplan_capacity(79) == 240 && teearray_jplan_capacity(80) == 243);
	CHECK(teearray_jplan_capacity(128) == 387);
	/* Metadata pages: two per data stripe an entry can hold. */
	CHECK(teearray_jplan_max_meta(1) == 240 && teearray_jplan_max_meta(2) == 160);
	CHECK(teearray_jplan_max_meta(8) == 52 && teearray_jplan_max_meta(39) == 12);
	CHECK(teearray_jplan_max_meta(128) == 6);
	/* init: capacity and stripe limit of the geometry, nothing taken. */
	CHECK(!geo_init(4, 2, TEEARRAY_DEF_JOURNAL_SECTORS));
	plan_init(&e);
	CHECK(e.geo == &geo && e.capacity == 240 && e.max_stripes == 120);
	CHECK(!e.used && !e.nd && !e.nm && !e.nlog && !e.nmeta && !teearray_jplan_stripes(&e));
	CHECK(!geo_init(128, 128, TEEARRAY_DEF_JOURNAL_SECTORS));
	plan_init(&e);
	CHECK(e.capacity == 387 && e.max_stripes == 71);
	CHECK(!geo_init(2, 128, TEEARRAY_DEF_JOURNAL_SECTORS));
	plan_init(&e);
	CHECK(e.capacity == 387 && e.max_stripes == 83);

	/* The default journal holds a write of any shape... */
	CHECK(!geo_init(2, 1, TEEARRAY_DEF_JOURNAL_SECTORS) && !teearray_jplan_check(&geo));
	CHECK(!geo_init(4, 2, TEEARRAY_DEF_JOURNAL_SECTORS) && !teearray_jplan_check(&geo));
	CHECK(!geo_init(8, 8, TEEARRAY_DEF_JOURNAL_SECTORS) && !teearray_jplan_check(&geo));
	CHECK(!geo_init(100, 40, TEEARRAY_DEF_JOURNAL_SECTORS) && !teearray_jplan_check(&geo));
	CHECK(!geo_init(2, 128, TEEARRAY_DEF_JOURNAL_SECTORS) && !teearray_jplan_check(&geo));
	CHECK(!geo_init(128, 128, TEEARRAY_DEF_JOURNAL_SECTORS) && !teearray_jplan_check(&geo));
	/* ... and so does a large one (the record's 125 stripes are the limit). */
	CHECK(!geo_init(2, 1, 254) && !teearray_jplan_check(&geo));
	CHECK(teearray_jrec_max_stripes(&geo) == 125);
	CHECK(!geo_init(4, 2, 1 << 20) && !teearray_jplan_check(&geo));
	/* A journal must give three stripes: halves of 3 sectors, not 2 or 1. */
	CHECK(!geo_init(4, 2, 8) && !teearray_jplan_check(&geo));
	CHECK(!geo_init(128, 128, 8) && !teearray_jplan_check(&geo));
	CHECK(!geo_init(4, 2, 7) && teearray_jplan_check(&geo) == -EINVAL);
	CHECK(!geo_init(4, 2, 5) && teearray_jplan_check(&geo) == -EINVAL);
	CHECK(!geo_init(128, 128, 4) && teearray_jplan_check(&geo) == -EINVAL);
	tap_end("check: capacity max(240, 3 + 3P), max_meta, init; a journal must give 3 stripes");
}

/*
 * First write to stripe s (empty entry), then one to another column of it,
 * then the same column again.
 */
static void first_writes(u32 n, u32 p, u64 s, int first)
{
	struct teearray_jplan e;
	int got;

	CHECK(!geo_init(n, p, TEEARRAY_DEF_JOURNAL_SECTORS));
	plan_init(&e);
	got = take(&e, s * n);
	CHECK(got == first);
	if (got != first)
		printf("#   %u+%u stripe %llu: cost %d, want %d\n", n, p,
		       (unsigned long long)s, got, first);
	CHECK(e.nd == 1 && e.dst[0].ms == geo.data_start + s && e.dst[0].nw == 1);
	if (n > 1 && first + 1 <= (int)e.capacity) {
		CHECK(take(&e, s * n + 1) == 1);
		CHECK(e.dst[0].nw == 2);
	}
	CHECK(take(&e, s * n) == 0);
	CHECK(plan_consistent(&e));
}

static void test_sizes(void)
{
	tap_begin();
	/* 2 + 2P: the sector, P parity, its metadata sector, P metadata parity. */
	first_writes(2, 1, 0, 4);
	first_writes(4, 2, 0, 6);
	first_writes(8, 8, 0, 18);
	first_writes(2, 128, 0, 258);
	first_writes(128, 128, 0, 258);
	/* 3 + 3P: entries straddling two metadata sectors (4+2 stripe 36: 144..147). */
	first_writes(4, 2, 36, 9);
	first_writes(8, 8, 18, 27);
	/* Wide: 100+39 stripe 1 (100..199) straddles. */
	first_writes(100, 39, 0, 80);
	first_writes(100, 39, 1, 120);
	/* 128+128 stripe 1 (128..255) straddles: 387, the whole entry. */
	first_writes(128, 128, 1, 387);
	tap_end("sizes: a write's payload sectors for 2+1, 4+2, 8+8, 100+39, 2+128 and 128+128");
}

static void test_sharing(void)
{
	struct teearray_jplan e;
	u64 v;

	tap_begin();
	CHECK(!geo_init(2, 1, TEEARRAY_DEF_JOURNAL_SECTORS));
	plan_init(&e);
	CHECK(take(&e, 0) == 4);
	CHECK(e.nd == 1 && e.nm == 1 && teearray_jplan_stripes(&e) == 2);
	/* Stripe 1: its entries are in metadata sector 0, already in: 1 + P. */
	CHECK(take(&e, 2) == 2);
	CHECK(teearray_jplan_stripes(&e) == 3);
	/* Stripe 73 (146, 147): metadata sector 1, same metadata stripe: + 1. */
	CHECK(take(&e, 146) == 3);
	CHECK(take(&e, 148) == 2);
	/* Metadata sector 2 is in the next metadata stripe: + 1 + P. */
	CHECK(take(&e, 292) == 4);
	CHECK(e.nd == 5 && e.nm == 2 && e.nmeta == 3 && teearray_jplan_stripes(&e) == 7);
	CHECK(teearray_jplan_meta_index(&e, 0) == 0);
	CHECK(teearray_jplan_meta_index(&e, 1) == 1);
	CHECK(teearray_jplan_meta_index(&e, 2) == 2);
	CHECK(teearray_jplan_meta_index(&e, 3) == -1);
	CHECK(e.mst[0].ms == geo.meta_start && e.mst[0].nw == 2);
	CHECK(e.mst[1].ms == geo.meta_start + 1 && e.mst[1].nw == 1);
	/* Nothing straddles here: what is counted is exactly what is carried. */
	CHECK(carried(&e) == e.used && e.used == 15);
	for (v = 0; v < 8; v++)
		take(&e, v);
	CHECK(carried(&e) == e.used);
	CHECK(plan_consistent(&e));
	/* reset empties the entry, log included. */
	CHECK(teearray_jplan_add_log(&e, geo.log_start, 0) && e.nlog == 1);
	teearray_jplan_reset(&e);
	CHECK(!e.used && !e.nd && !e.nm && !e.nlog && !e.nmeta && !teearray_jplan_stripes(&e));
	CHECK(teearray_jplan_meta_index(&e, 0) == -1);
	tap_end("sizes: stripes share metadata sectors and metadata stripes");
}

/* An entry stops taking new stripes at max_stripes, whatever room is left. */
static void test_stripe_limit(void)
{
	struct teearray_jplan e;
	unsigned int s;

	tap_begin();
	/* 4+2, journal of 22 sectors: halves of 10, so 10 stripes an entry. */
	CHECK(!geo_init(4, 2, 22) && !teearray_jplan_check(&geo));
	plan_init(&e);
	CHECK(e.max_stripes == 10 && e.capacity == 240);
	CHECK(take(&e, 0) == 6);			/* data stripe 0 + metadata stripe */
	for (s = 1; s < 8; s++)
		CHECK(take(&e, 4 * s) == 3);		/* same metadata sector */
	CHECK(teearray_jplan_stripes(&e) == 9 && e.used == 27);
	/* Stripe 146 (v 584) is in metadata stripe 1: two new stripes, one left. */
	CHECK(new_stripes(&e, 584) == 2);
	CHECK(teearray_jplan_add_write(&e, 584) == -ENOSPC);
	CHECK(teearray_jplan_stripes(&e) == 9 && e.used == 27 && e.nd == 8 && e.nm == 1);
	CHECK(teearray_jplan_add_rewrap(&e, 146) == -ENOSPC);
	/* Stripe 8 still fits, then no new stripe does... */
	CHECK(take(&e, 32) == 3);
	CHECK(teearray_jplan_stripes(&e) == 10 && e.used == 30);
	CHECK(teearray_jplan_add_write(&e, 36) == -ENOSPC);
	CHECK(teearray_jplan_add_rewrap(&e, 9) == -ENOSPC);
	CHECK(!teearray_jplan_add_log(&e, geo.log_start, 1) && !e.nlog);
	CHECK(e.used == 30 && e.nd == 9);
	/* ... but the stripes in it take more columns and re-encryption. */
	CHECK(take(&e, 1) == 1 && take(&e, 35) == 1 && take(&e, 35) == 0);
	CHECK(teearray_jplan_add_rewrap(&e, 3) == 3);
	CHECK(teearray_jplan_stripes(&e) == 10 && plan_consistent(&e));
	/* A new entry takes them. */
	teearray_jplan_reset(&e);
	CHECK(take(&e, 584) == 6 && take(&e, 36) == 6);
	CHECK(teearray_jplan_add_log(&e, geo.log_start, 1));
	CHECK(teearray_jplan_stripes(&e) == 5 && plan_consistent(&e));

	/* The smallest usable journal: 3 stripes, one write and a log sector. */
	CHECK(!geo_init(4, 2, 8) && !teearray_jplan_check(&geo));
	plan_init(&e);
	CHECK(e.max_stripes == 3);
	CHECK(take(&e, 0) == 6);
	CHECK(teearray_jplan_add_log(&e, geo.log_start + 3, 2));
	CHECK(teearray_jplan_stripes(&e) == 3);
	CHECK(teearray_jplan_add_write(&e, 4) == -ENOSPC);
	teearray_jplan_reset(&e);
	CHECK(take(&e, 0) == 6 && take(&e, 4) == 3);
	CHECK(!teearray_jplan_add_log(&e, geo.log_start, 0));
	teearray_jplan_reset(&e);
	CHECK(take(&e, 0) == 6);
	CHECK(teearray_jplan_add_rewrap(&e, 584 / 4) == -ENOSPC);	/* two new */
	CHECK(teearray_jplan_add_rewrap(&e, 1) == 1 && e.dst[1].rewrap == 4);
	CHECK(teearray_jplan_stripes(&e) == 3 && plan_consistent(&e));

	/* A journal under 3 stripes: its check fails; a write does not fit. */
	CHECK(!geo_init(4, 2, 4) && teearray_jplan_check(&geo) == -EINVAL);
	plan_init(&e);
	CHECK(e.max_stripes == 1);
	CHECK(teearray_jplan_add_write(&e, 0) == -E2BIG);
	CHECK(!e.used && !e.nd && !e.nm && !e.nmeta);

	/* 2+128: one write of 258, then a second stripe sharing its metadata
	 * sector (129): 387, the capacity; a third does not fit. */
	CHECK(!geo_init(2, 128, TEEARRAY_DEF_JOURNAL_SECTORS) && !teearray_jplan_check(&geo));
	plan_init(&e);
	CHECK(e.capacity == 387);
	CHECK(take(&e, 1) == 258);
	CHECK(take(&e, 2) == 129 && e.used == 387);
	CHECK(teearray_jplan_add_write(&e, 4) == -ENOSPC);
	/* Full: only rewrites of columns already in it (cost 0) still fit. */
	CHECK(take(&e, 1) == 0 && take(&e, 2) == 0);
	CHECK(teearray_jplan_add_write(&e, 0) == -ENOSPC);
	CHECK(e.used == 387 && e.nd == 2 && plan_consistent(&e));
	tap_end("stripes: an entry stops at max_stripes (10, 3) stripes; under 3 the check fails; "
		"2+128 fits one write (capacity 387)");
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
	CHECK(e.used == 6 && e.nd == 1 && e.nm == 1 && e.nmeta == 1);
	tap_end("fill: a write no entry can hold is refused, not queued forever");
}

static void test_rewrap_log(void)
{
	struct teearray_jplan e;
	int s;

	tap_begin();
	CHECK(!geo_init(100, 10, TEEARRAY_DEF_JOURNAL_SECTORS));
	plan_init(&e);
	CHECK(e.capacity == 240);
	/* Stripe 0: P + metadata (1 + P) = 21 besides its columns: all 100 fit. */
	s = teearray_jplan_add_rewrap(&e, 0);
	CHECK(s == 0 && e.dst[0].rewrap == 100 && e.used == 121 && e.dst[0].nw == 0);
	/* Stripe 2 (200..299, metadata sectors 1 and 2): 10 + 1 + 11 = 22, 97 columns. */
	s = teearray_jplan_add_rewrap(&e, 2);
	CHECK(s == 1 && e.dst[1].rewrap == 97 && e.used == 240);
	CHECK(plan_consistent(&e));
	/* The entry is full: the next stripe waits. */
	CHECK(teearray_jplan_add_rewrap(&e, 4) == -ENOSPC);
	CHECK(!teearray_jplan_add_log(&e, geo.log_start, 3));
	CHECK(e.used == 240 && e.nd == 2 && !e.nlog);
	/* On an empty entry a wide stripe takes what fits (the walk repeats). */
	teearray_jplan_reset(&e);
	CHECK(take(&e, 0) == 22);
	s = teearray_jplan_add_rewrap(&e, 1);	/* 100..199: two metadata sectors */
	CHECK(s == 1 && e.dst[1].rewrap == 100 && e.used == 22 + 21 + 100);
	/* One column short of full: a new stripe needs its extra and a column. */
	e.used = 240 - 22;
	CHECK(teearray_jplan_add_rewrap(&e, 5) == -ENOSPC);
	e.used = 240 - 23;
	s = teearray_jplan_add_rewrap(&e, 5);
	CHECK(s == 2 && e.dst[2].rewrap == 1 && e.used == 240);
	/* A log sector fits an empty entry, or one with 1 + P to spare. */
	teearray_jplan_reset(&e);
	CHECK(teearray_jplan_add_log(&e, geo.log_start + 5, 7));
	CHECK(e.used == 11 && e.nlog == 1 && e.lst.ms == geo.log_start + 5 && e.lst.nw == 1);
	CHECK(test_bit(7, e.lst.written) && !test_bit(6, e.lst.written));
	CHECK(carried(&e) == e.used && teearray_jplan_stripes(&e) == 1);
	teearray_jplan_reset(&e);
	e.used = 229;
	CHECK(teearray_jplan_add_log(&e, geo.log_start, 0) && e.used == 240);
	teearray_jplan_reset(&e);
	e.used = 230;
	CHECK(!teearray_jplan_add_log(&e, geo.log_start, 0) && e.used == 230 && !e.nlog);
	tap_end("rewrap and log: re-encryption and audit sectors share the entry's room");
}

/*
 * Random writes, re-encryptions and log sectors, entry after entry: each
 * is refused exactly when it does not fit (capacity or stripes) and the
 * entry stays consistent; nmeta never exceeds teearray_jplan_max_meta(P);
 * every member's record of the entry (a line per stripe, at most a payload
 * MAC per stripe) fits its sector.
 */
static void test_fill(void)
{
	static const struct { u32 n, p; u64 journal; } shapes[] = {
		{ 2, 1, TEEARRAY_DEF_JOURNAL_SECTORS }, { 4, 2, TEEARRAY_DEF_JOURNAL_SECTORS },
		{ 8, 8, TEEARRAY_DEF_JOURNAL_SECTORS }, { 13, 1, TEEARRAY_DEF_JOURNAL_SECTORS },
		{ 13, 5, TEEARRAY_DEF_JOURNAL_SECTORS }, { 100, 39, TEEARRAY_DEF_JOURNAL_SECTORS },
		{ 2, 128, TEEARRAY_DEF_JOURNAL_SECTORS }, { 128, 128, TEEARRAY_DEF_JOURNAL_SECTORS },
		{ 60, 4, TEEARRAY_DEF_JOURNAL_SECTORS }, { 2, 1, 252 }, { 4, 2, 22 }, { 3, 1, 8 },
		{ 146, 2, 30 }, { 1, 1, TEEARRAY_DEF_JOURNAL_SECTORS },
	};
	unsigned int i, bad = 0, peak_meta = 0, peak_stripes = 0, stripe_full = 0;

	tap_begin();
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct teearray_jplan e;
		unsigned int entries = 1, taken = 0, op, meta_max;
		u64 x = 12345 + i, v = 0, span;

		CHECK(!geo_init(shapes[i].n, shapes[i].p, shapes[i].journal));
		CHECK(!teearray_jplan_check(&geo));
		plan_init(&e);
		meta_max = teearray_jplan_max_meta(shapes[i].p);
		span = geo.array_sectors < 200000 ? geo.array_sectors : 200000;
		for (op = 0; op < 6000; op++) {
			unsigned int used = e.used, stripes = teearray_jplan_stripes(&e), cost, ns;
			unsigned int nd = e.nd, kind;
			bool refused, want_refused;
			int s;

			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			kind = (unsigned int)(x >> 60);
			/* Mostly nearby writes (stripes share metadata), some anywhere. */
			if (kind < 8)
				v = (v + (x >> 33) % (4 * geo.data_members)) % span;
			else
				v = (x >> 20) % span;
			if (kind == 14) {
				/* A key rotation's stripe. */
				u64 stripe = v / geo.data_members;

				ns = new_stripes(&e, v);
				s = teearray_jplan_add_rewrap(&e, stripe);
				refused = s == -ENOSPC;
				if (!refused && (s < 0 || !e.dst[s].rewrap ||
						 e.dst[s].ms != teearray_geo_data_ms(&geo, stripe)))
					bad++;
				if (refused && (!used || e.used != used || e.nd != nd))
					bad++;
				if (refused && stripes + ns > e.max_stripes)
					stripe_full++;
			} else if (kind == 15 && !e.nlog) {
				/* The entry's audit log sector. */
				u32 col = (u32)(x >> 40) % geo.data_members;

				refused = !teearray_jplan_add_log(&e, geo.log_start +
								  (x >> 8) % geo.log_sectors, col);
				want_refused = used && (used + 1 + geo.parity_members > e.capacity ||
							stripes + 1 > e.max_stripes);
				if (refused != want_refused || (!refused && !test_bit(col, e.lst.written)))
					bad++;
			} else {
				cost = teearray_jplan_write_cost(&e, v);
				ns = new_stripes(&e, v);
				s = teearray_jplan_add_write(&e, v);
				refused = s == -ENOSPC;
				want_refused = used && (used + cost > e.capacity ||
							stripes + ns > e.max_stripes);
				if (refused != want_refused || (s < 0 && !refused))
					bad++;
				if (refused) {
					if (e.used != used || e.nd != nd ||
					    teearray_jplan_stripes(&e) != stripes)
						bad++;
					if (stripes + ns > e.max_stripes &&
					    used + cost <= e.capacity)
						stripe_full++;
				} else if (s >= 0) {
					if ((unsigned int)s >= e.nd || e.used != used + cost ||
					    teearray_jplan_stripes(&e) != stripes + ns ||
					    e.dst[s].ms != teearray_geo_data_ms(&geo, v / geo.data_members) ||
					    !test_bit(v % geo.data_members, e.dst[s].written))
						bad++;
					taken++;
				}
			}
			if (!plan_consistent(&e) || e.nmeta > meta_max ||
			    teearray_jrec_len(&geo, teearray_jplan_stripes(&e),
					      teearray_jplan_stripes(&e)) > TEEARRAY_SECTOR_SIZE) {
				if (bad++ < 5)
					printf("#   %u+%u: inconsistent after op %u\n", shapes[i].n,
					       shapes[i].p, op);
			}
			peak_meta = max(peak_meta, e.nmeta * 100 / meta_max);
			peak_stripes = max(peak_stripes, teearray_jplan_stripes(&e));
			if (refused) {
				teearray_jplan_reset(&e);
				entries++;
			}
		}
		CHECK(entries > 1 && taken > 1000);
	}
	printf("#   fill: peak nmeta %u%% of max_meta, peak %u stripes, %u refusals for stripes\n",
	       peak_meta, peak_stripes, stripe_full);
	CHECK(bad == 0);
	CHECK(stripe_full > 0);
	tap_end("fill: random writes, rewraps and log sectors over 14 shapes: refused exactly when "
		"over capacity or max_stripes; nmeta <= max_meta(P); the entry stays consistent and "
		"its records fit a sector");
}

/* The cheapest way to many metadata sectors: one new metadata sector per write. */
static void test_max_meta(void)
{
	static const u32 shapes[][2] = { { 1, 1 }, { 13, 1 }, { 100, 1 }, { 146, 1 },
					 { 4, 2 }, { 8, 8 }, { 100, 39 }, { 128, 128 } };
	unsigned int i;

	tap_begin();
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct teearray_jplan e;
		u64 v;

		CHECK(!geo_init(shapes[i][0], shapes[i][1], 1 << 12));
		plan_init(&e);
		/* Writes at the first entry of metadata sectors 0, 1, 2, ... */
		for (v = 0; v < geo.array_sectors; v += TEEARRAY_META_PER_SECTOR)
			if (teearray_jplan_add_write(&e, v) < 0)
				break;
		CHECK(v < geo.array_sectors);
		CHECK(e.nmeta <= teearray_jplan_max_meta(shapes[i][1]));
		CHECK(plan_consistent(&e));
		/* And at the last entry, so that every stripe straddles when it can. */
		teearray_jplan_reset(&e);
		for (v = TEEARRAY_META_PER_SECTOR - 1; v < geo.array_sectors;
		     v += TEEARRAY_META_PER_SECTOR)
			if (teearray_jplan_add_write(&e, v) < 0)
				break;
		CHECK(e.nmeta <= teearray_jplan_max_meta(shapes[i][1]));
		CHECK(plan_consistent(&e));
	}
	tap_end("max_meta: writes each to a new metadata sector stay within max_meta(P) pages");
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

static void test_complete(void)
{
	/* 4+2: 960 {0,1,4}, 961 {0,5}, 243 {2,3}: payloads per slot. */
	static const u32 own[6] = { 3, 2, 0, 0, 1, 1 };
	bool present[TEEARRAY_MAX_MEMBERS], holds[TEEARRAY_MAX_MEMBERS];
	unsigned int pm, hm, s, wrong = 0;
	struct teearray_jrec *sum = calloc(1, sizeof(*sum));

	tap_begin();
	CHECK(!geo_init(4, 2, TEEARRAY_DEF_JOURNAL_SECTORS));
	sum->version = 7;
	sum->nstripes = 3;
	sum->st[0].ms = 960;
	__set_bit(0, sum->st[0].cols);
	__set_bit(1, sum->st[0].cols);
	__set_bit(4, sum->st[0].cols);
	sum->st[1].ms = 961;
	__set_bit(0, sum->st[1].cols);
	__set_bit(5, sum->st[1].cols);
	sum->st[2].ms = 243;
	__set_bit(2, sum->st[2].cols);
	__set_bit(3, sum->st[2].cols);
	for (s = 0; s < 6; s++)
		CHECK(teearray_jrec_count_own(sum, &geo, s) == own[s]);
	memset(present, 1, sizeof(present));
	memset(holds, 1, sizeof(holds));
	CHECK(teearray_jplan_complete(sum, &geo, present, holds));
	/* A present member with columns that lacks them: incomplete. */
	holds[4] = false;
	CHECK(!teearray_jplan_complete(sum, &geo, present, holds));
	/* The same member absent (dead): its columns do not matter. */
	present[4] = false;
	CHECK(teearray_jplan_complete(sum, &geo, present, holds));
	/* A present member without columns need not hold anything. */
	holds[2] = holds[3] = false;
	CHECK(teearray_jplan_complete(sum, &geo, present, holds));
	/* Every member with columns matters, the first and the last. */
	holds[0] = false;
	CHECK(!teearray_jplan_complete(sum, &geo, present, holds));
	holds[0] = true;
	holds[5] = false;
	CHECK(!teearray_jplan_complete(sum, &geo, present, holds));
	/* Every combination of present and holds, against the table above. */
	for (pm = 0; pm < 64; pm++) {
		for (hm = 0; hm < 64; hm++) {
			bool want = true;

			for (s = 0; s < 6; s++) {
				present[s] = (pm >> s) & 1;
				holds[s] = (hm >> s) & 1;
				if (present[s] && !holds[s] && own[s])
					want = false;
			}
			wrong += teearray_jplan_complete(sum, &geo, present, holds) != want;
		}
	}
	CHECK(wrong == 0);
	/* An empty entry (the record replay writes) is complete on any members. */
	sum->nstripes = 0;
	memset(present, 1, sizeof(present));
	memset(holds, 0, sizeof(holds));
	CHECK(teearray_jplan_complete(sum, &geo, present, holds));
	/* 128+128: the last member's column counts too. */
	CHECK(!geo_init(128, 128, TEEARRAY_DEF_JOURNAL_SECTORS));
	memset(sum, 0, sizeof(*sum));
	sum->version = 3;
	sum->nstripes = 1;
	sum->st[0].ms = geo.data_start + 1;
	__set_bit(254, sum->st[0].cols);	/* slot (254 + ms) % 256 */
	s = teearray_slot_of(&geo, sum->st[0].ms, 254);
	memset(present, 1, sizeof(present));
	memset(holds, 1, sizeof(holds));
	holds[s] = false;
	CHECK(!teearray_jplan_complete(sum, &geo, present, holds));
	holds[s] = true;
	holds[(s + 1) % 256] = false;
	CHECK(teearray_jplan_complete(sum, &geo, present, holds));
	present[s] = false;
	holds[s] = false;
	CHECK(teearray_jplan_complete(sum, &geo, present, holds));
	free(sum);
	tap_end("complete: absent members and members without columns do not matter; a present "
		"member missing its columns does; an empty entry is complete");
}

int main(void)
{
	tap_plan(10);
	test_check();
	test_sizes();
	test_sharing();
	test_stripe_limit();
	test_too_big();
	test_rewrap_log();
	test_fill();
	test_max_meta();
	test_pick();
	test_complete();
	free(dst);
	free(mst);
	free(meta_mv);
	return tap_exit_status();
}
