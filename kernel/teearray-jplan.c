// SPDX-License-Identifier: GPL-2.0
/*
 * Journal entry planning: the accounting of teearray-jplan.h.
 */
#include "teearray-jplan.h"

int teearray_jplan_check(const struct teearray_geometry *g)
{
	return teearray_jrec_max_stripes(g) < 3 ? -EINVAL : 0;
}

void teearray_jplan_init(struct teearray_jplan *e, const struct teearray_geometry *g)
{
	e->geo = g;
	e->capacity = teearray_jplan_capacity(g->parity_members);
	e->max_stripes = teearray_jrec_max_stripes(g);
	teearray_jplan_reset(e);
}

void teearray_jplan_reset(struct teearray_jplan *e)
{
	e->used = 0;
	e->nd = 0;
	e->nm = 0;
	e->nlog = 0;
	e->nmeta = 0;
}

static int teearray_jstripe_find(const struct teearray_jstripe *a, unsigned int n, u64 ms)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (a[i].ms == ms)
			return i;
	return -1;
}

static unsigned int teearray_jstripe_add(struct teearray_jstripe *a, unsigned int *n,
					 u64 ms)
{
	struct teearray_jstripe *st = &a[*n];

	st->ms = ms;
	st->rewrap = 0;
	st->nw = 0;
	memset(st->written, 0, sizeof(st->written));
	return (*n)++;
}

int teearray_jplan_meta_index(const struct teearray_jplan *e, u64 mv)
{
	unsigned int k;

	for (k = 0; k < e->nmeta; k++)
		if (e->meta_mv[k] == mv)
			return k;
	return -1;
}

/* Cost of adding metadata sector mv: its stripe brings P parity sectors. */
static unsigned int teearray_jplan_meta_cost(const struct teearray_jplan *e, u64 mv)
{
	u32 mc;
	u64 mms = teearray_geo_meta_ms(e->geo, mv, &mc);
	int s = teearray_jstripe_find(e->mst, e->nm, mms);

	if (s < 0)
		return 1 + e->geo->parity_members;
	return !test_bit(mc, e->mst[s].written);
}

/* Stripes a data stripe new to the entry adds: itself and new metadata stripes. */
static unsigned int teearray_jplan_new_stripes(const struct teearray_jplan *e,
					       const u64 mv[2])
{
	u32 mc;
	u64 m0 = teearray_geo_meta_ms(e->geo, mv[0], &mc);
	u64 m1 = teearray_geo_meta_ms(e->geo, mv[1], &mc);
	unsigned int n = 1 + (teearray_jstripe_find(e->mst, e->nm, m0) < 0);

	return n + (m1 != m0 && teearray_jstripe_find(e->mst, e->nm, m1) < 0);
}

/*
 * Must cost more payload sectors and stripes more stripes wait for the next
 * entry?  Only when this one holds something: an empty entry takes what
 * it can (its callers refuse what can never fit).
 */
static bool teearray_jplan_full(const struct teearray_jplan *e, unsigned int cost,
				unsigned int stripes)
{
	return e->used && (e->used + cost > e->capacity ||
			   teearray_jplan_stripes(e) + stripes > e->max_stripes);
}

static void teearray_jplan_take_meta(struct teearray_jplan *e, u64 mv)
{
	u32 mc;
	u64 mms = teearray_geo_meta_ms(e->geo, mv, &mc);
	int s = teearray_jstripe_find(e->mst, e->nm, mms);
	struct teearray_jstripe *mst;

	if (s < 0)
		s = teearray_jstripe_add(e->mst, &e->nm, mms);
	mst = &e->mst[s];
	if (!__test_and_set_bit(mc, mst->written)) {
		mst->nw++;
		e->meta_mv[e->nmeta++] = mv;
	}
}

/*
 * What a data stripe new to the entry costs besides its own columns: its
 * P parity sectors and its metadata (a second metadata stripe in full).
 */
static unsigned int teearray_jplan_stripe_extra(const struct teearray_jplan *e,
						const u64 mv[2])
{
	unsigned int p = e->geo->parity_members;

	return p + teearray_jplan_meta_cost(e, mv[0]) + (mv[1] != mv[0] ? 1 + p : 0);
}

unsigned int teearray_jplan_write_cost(const struct teearray_jplan *e, u64 v)
{
	const struct teearray_geometry *g = e->geo;
	u64 stripe = v / g->data_members, mv[2];
	u32 c = (u32)(v % g->data_members);
	int s = teearray_jstripe_find(e->dst, e->nd, teearray_geo_data_ms(g, stripe));

	if (s >= 0)
		return !test_bit(c, e->dst[s].written);
	teearray_geo_stripe_meta(g, stripe, mv);
	return 1 + teearray_jplan_stripe_extra(e, mv);
}

/* Add data stripe s with its metadata sectors; returns its index. */
static unsigned int teearray_jplan_take_stripe(struct teearray_jplan *e, u64 stripe)
{
	unsigned int s;
	u64 mv[2];

	s = teearray_jstripe_add(e->dst, &e->nd, teearray_geo_data_ms(e->geo, stripe));
	teearray_geo_stripe_meta(e->geo, stripe, mv);
	teearray_jplan_take_meta(e, mv[0]);
	teearray_jplan_take_meta(e, mv[1]);
	return s;
}

int teearray_jplan_add_write(struct teearray_jplan *e, u64 v)
{
	const struct teearray_geometry *g = e->geo;
	u64 stripe = v / g->data_members;
	u32 c = (u32)(v % g->data_members);
	unsigned int cost = teearray_jplan_write_cost(e, v), stripes = 0;
	struct teearray_jstripe *ds;
	int s;
	u64 mv[2];

	s = teearray_jstripe_find(e->dst, e->nd, teearray_geo_data_ms(g, stripe));
	if (s < 0) {
		teearray_geo_stripe_meta(g, stripe, mv);
		stripes = teearray_jplan_new_stripes(e, mv);
	}
	if (teearray_jplan_full(e, cost, stripes))
		return -ENOSPC;
	if (cost > e->capacity || stripes > e->max_stripes)
		return -E2BIG;
	e->used += cost;
	if (s < 0)
		s = teearray_jplan_take_stripe(e, stripe);
	ds = &e->dst[s];
	ds->nw += !__test_and_set_bit(c, ds->written);
	return s;
}

int teearray_jplan_add_rewrap(struct teearray_jplan *e, u64 stripe)
{
	const struct teearray_geometry *g = e->geo;
	int s = teearray_jstripe_find(e->dst, e->nd, teearray_geo_data_ms(g, stripe));
	unsigned int extra = 0, cols, stripes = 0;
	u64 mv[2];

	if (s < 0) {
		teearray_geo_stripe_meta(g, stripe, mv);
		extra = teearray_jplan_stripe_extra(e, mv);
		stripes = teearray_jplan_new_stripes(e, mv);
	}
	/* capacity >= 3 + 3P and the journal check: one column fits */
	if (teearray_jplan_full(e, extra + 1, stripes))
		return -ENOSPC;
	/* A wide stripe may need more than one entry (the walk repeats). */
	cols = min(g->data_members, e->capacity - e->used - extra);
	e->used += extra + cols;
	if (s < 0)
		s = teearray_jplan_take_stripe(e, stripe);
	e->dst[s].rewrap = cols;
	return s;
}

bool teearray_jplan_add_log(struct teearray_jplan *e, u64 ms, u32 col)
{
	u32 cost = 1 + e->geo->parity_members;

	if (teearray_jplan_full(e, cost, 1))
		return false;
	e->nlog = 1;
	e->lst.ms = ms;
	e->lst.rewrap = 0;
	e->lst.nw = 1;
	memset(e->lst.written, 0, sizeof(e->lst.written));
	__set_bit(col, e->lst.written);
	e->used += cost;
	return true;
}

u64 teearray_jplan_pick(const u64 *version, const bool *ok, unsigned int nr,
			int *best, int *prev)
{
	unsigned int i;
	u64 max_seen = 0;

	*best = -1;
	*prev = -1;
	for (i = 0; i < nr; i++)
		if (ok[i])
			max_seen = max(max_seen, version[i]);
	for (i = 0; i < nr; i++) {
		if (!ok[i])
			continue;
		if (version[i] == max_seen)
			*best = i;
		else if (version[i] + 1 == max_seen)
			*prev = i;
	}
	return max_seen;
}

bool teearray_jplan_complete(const struct teearray_jrec *sum,
			     const struct teearray_geometry *g,
			     const bool *present, const bool *holds)
{
	u32 slot, m = g->data_members + g->parity_members;

	for (slot = 0; slot < m; slot++)
		if (present[slot] && !holds[slot] && teearray_jrec_count_own(sum, g, slot))
			return false;
	return true;
}
