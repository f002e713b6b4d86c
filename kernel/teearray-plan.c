// SPDX-License-Identifier: GPL-2.0
/*
 * Stripe planning: the choices of teearray-plan.h.
 */
#include "teearray-plan.h"

void teearray_plan_readable(const struct teearray_geometry *g,
			    const struct teearray_member *members,
			    const struct teearray_rebuild_pos *rb, u64 ms,
			    bool *readable)
{
	u32 c, m = g->data_members + g->parity_members;

	for (c = 0; c < m; c++) {
		u32 slot = teearray_slot_of(g, ms, c);

		readable[c] = teearray_member_readable_at(&members[slot], slot, rb, ms);
	}
}

u32 teearray_plan_rows(const struct teearray_geometry *g, u64 v, u32 nv,
		       u64 *first, struct teearray_row_span *span)
{
	u32 n = g->data_members, m = n + g->parity_members, i;
	u64 s0 = v / n;

	*first = s0;
	memset(span, 0, m * sizeof(*span));
	for (i = 0; i < nv; i++) {
		u32 col = (u32)((v + i) % n), row = (u32)((v + i) / n - s0);
		struct teearray_row_span *sp =
			&span[teearray_slot_of(g, teearray_geo_data_ms(g, s0 + row), col)];

		if (!sp->count) {
			sp->off = row;
			sp->count = 1;
		} else {
			/* Rows only grow along the read. */
			sp->count = row - sp->off + 1;
		}
	}
	return (u32)((v + nv - 1) / n - s0 + 1);
}

/* Does slot hold a sector of [v, v + nv) in row `row` (from first)? */
static bool teearray_plan_holds(const struct teearray_geometry *g, u64 v, u32 nv,
				u64 first, u32 slot, u32 row)
{
	u64 s = first + row;
	u32 col = teearray_column_of(g, teearray_geo_data_ms(g, s), slot);
	u64 sector = s * g->data_members + col;

	return col < g->data_members && sector >= v && sector - v < nv;
}

bool teearray_plan_run(const struct teearray_geometry *g, u64 v, u32 nv, u64 first,
		       u32 slot, const struct teearray_row_span *span, u32 *from,
		       struct teearray_row_span *run)
{
	u32 end = span->off + span->count, row = max(*from, span->off);

	while (row < end && !teearray_plan_holds(g, v, nv, first, slot, row))
		row++;
	if (row >= end) {
		*from = end;
		return false;
	}
	run->off = row;
	while (row < end && teearray_plan_holds(g, v, nv, first, slot, row))
		row++;
	run->count = row - run->off;
	*from = row;
	return true;
}

unsigned int teearray_plan_usable(const struct teearray_geometry *g,
				  const bool *readable, const bool *avoid)
{
	unsigned int c, k = 0, m = g->data_members + g->parity_members;

	for (c = 0; c < m; c++)
		k += readable[c] && !(avoid && avoid[c]);
	return k;
}

int teearray_plan_fetch(const struct teearray_geometry *g, const bool *readable,
			const bool *avoid, const bool *want, bool *read)
{
	unsigned int c, n = g->data_members, m = n + g->parity_members, nread = 0;
	bool missing = false;

	for (c = 0; c < m; c++) {
		bool ok = readable[c] && !(avoid && avoid[c]);

		read[c] = want[c] && ok;
		missing |= want[c] && !ok;
	}
	if (!missing)
		return 0;
	/* Any N usable columns: wanted ones, then data, then parity. */
	for (c = 0; c < m; c++)
		nread += read[c];
	for (c = 0; c < m && nread < n; c++) {
		if (read[c] || !readable[c] || (avoid && avoid[c]))
			continue;
		read[c] = true;
		nread++;
	}
	return nread < n ? -EIO : 1;
}

bool teearray_plan_rmw(const struct teearray_geometry *g, unsigned int nw,
		       const bool *readable)
{
	unsigned int c, n = g->data_members, p = g->parity_members;

	if (nw >= n || nw + p >= n - nw)
		return false;
	for (c = 0; c < n + p; c++)
		if (!readable[c])
			return false;
	return true;
}

bool teearray_plan_update(const struct teearray_geometry *g,
			  const unsigned long *written, unsigned int nw,
			  bool have_old, const bool *have, const bool *readable,
			  bool *want)
{
	unsigned int c, n = g->data_members, m = n + g->parity_members;
	bool all_have = !!have, rmw;

	for (c = 0; c < n && have; c++)
		all_have &= test_bit(c, written) || have[c];
	rmw = !all_have && teearray_plan_rmw(g, nw, readable);
	for (c = 0; c < m; c++) {
		if (rmw)
			want[c] = c >= n || (!have_old && test_bit(c, written));
		else
			want[c] = c < n && !test_bit(c, written) && !(have && have[c]);
	}
	return rmw;
}
