/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stripe planning: where a stripe lives, which of its columns can be read,
 * which columns a fetch reads, and how a parity update is done.
 *
 * Stripes (metadata, log and data) are named by their member sector ms;
 * data stripe s is ms = data_start + s and holds virtual sectors s*N ..
 * s*N + N-1; metadata sector mv lives in column mv mod N of metadata stripe
 * meta_start + mv / N, and the entries of a data stripe's N sectors are in
 * one or two metadata sectors.  Column c of stripe ms is on slot
 * teearray_slot_of() (teearray-format.h).
 *
 * A fetch reads the wanted columns from their members when it can; when one
 * is unreadable or to be avoided, it reads N usable columns (the wanted
 * ones, then the other data columns, then parity, lowest first) and
 * decodes.  A parity update of W written data columns reads the written
 * columns and the parity and applies the delta (read-modify-write, W + P
 * reads) when that is cheaper than reading the N - W other data columns and
 * encoding (reconstruct-write), and only on a stripe whose every column can
 * be read.
 *
 * Pure code: builds in the module and in userspace; no locking, no
 * allocation, no I/O.  Arrays indexed by column have N + P entries.
 */
#ifndef TEEARRAY_PLAN_H
#define TEEARRAY_PLAN_H

#include "teearray-compat.h"
#include "teearray-format.h"
#include "teearray-sector.h"
#include "teearray-fresh.h"

/* Member sector of data stripe s. */
static inline u64 teearray_geo_data_ms(const struct teearray_geometry *g, u64 stripe)
{
	return g->data_start + stripe;
}

/* Member sector of the stripe holding metadata sector mv, and its column. */
static inline u64 teearray_geo_meta_ms(const struct teearray_geometry *g, u64 mv,
				       u32 *col)
{
	*col = (u32)(mv % g->data_members);
	return g->meta_start + mv / g->data_members;
}

/* First and one-past-last erasure-coded stripe (what a rebuild walks). */
static inline u64 teearray_geo_first_ms(const struct teearray_geometry *g)
{
	return g->meta_start;
}

static inline u64 teearray_geo_end_ms(const struct teearray_geometry *g)
{
	return g->data_start + g->data_sectors;
}

/* Virtual sector in data column col of data stripe ms. */
static inline u64 teearray_geo_data_v(const struct teearray_geometry *g, u64 ms,
				      u32 col)
{
	return (ms - g->data_start) * g->data_members + col;
}

/* Metadata sector in data column col of metadata stripe ms. */
static inline u64 teearray_geo_meta_mv(const struct teearray_geometry *g, u64 ms,
				       u32 col)
{
	return (ms - g->meta_start) * g->data_members + col;
}

/*
 * The metadata sectors holding the entries of data stripe s: mv[0] has its
 * first column's, mv[1] its last column's.  Returns how many differ (1, 2).
 */
static inline unsigned int teearray_geo_stripe_meta(const struct teearray_geometry *g,
						    u64 stripe, u64 mv[2])
{
	u64 first = stripe * g->data_members;
	u32 i;

	mv[0] = teearray_meta_sector_of(first, &i);
	mv[1] = teearray_meta_sector_of(first + g->data_members - 1, &i);
	return mv[1] != mv[0] ? 2 : 1;
}

/*
 * A read of a run of rows: span[slot] is the range of rows, as offsets
 * [off, off + count) from the first row, from the first to the last row in
 * which the slot holds a sector read (count 0: none).  The slot is read
 * in runs within its span (teearray_plan_run), which skip the rows where it
 * holds parity or sectors not read.
 */
struct teearray_row_span {
	u32 off;
	u32 count;
};

/*
 * Plan a read of virtual sectors [v, v + nv) (nv >= 1): *first is the data
 * stripe of the first row; fills span[0 .. N+P-1]; returns the number of
 * rows.
 */
u32 teearray_plan_rows(const struct teearray_geometry *g, u64 v, u32 nv,
		       u64 *first, struct teearray_row_span *span);

/*
 * The next run of the read planned by teearray_plan_rows (same v, nv and
 * first) on slot: consecutive rows from *from on, within span, in each of
 * which the slot holds a data sector read.  Fills run (row offsets) and
 * moves *from past it; false when the slot has no run left.  A slot's runs
 * are disjoint, as long as they can be, and together hold exactly its
 * sectors of the read: no parity, nothing outside [v, v + nv).
 */
bool teearray_plan_run(const struct teearray_geometry *g, u64 v, u32 nv, u64 first,
		       u32 slot, const struct teearray_row_span *span, u32 *from,
		       struct teearray_row_span *run);

/* readable[c]: can column c of stripe ms be read from its member? */
void teearray_plan_readable(const struct teearray_geometry *g,
			    const struct teearray_member *members,
			    const struct teearray_rebuild_pos *rb, u64 ms,
			    bool *readable);

/* Columns readable and not to be avoided (avoid may be NULL). */
unsigned int teearray_plan_usable(const struct teearray_geometry *g,
				  const bool *readable, const bool *avoid);

/*
 * Plan a fetch of the wanted columns: read[c] for each column to read.
 * Returns 0 when every wanted column is read from its member, 1 when some
 * must be decoded from the N columns read, -EIO when fewer than N columns
 * are usable (avoid may be NULL).
 */
int teearray_plan_fetch(const struct teearray_geometry *g, const bool *readable,
			const bool *avoid, const bool *want, bool *read);

/*
 * Should a parity update of nw written data columns read-modify-write?
 * Only when W + P < N - W and every column of the stripe is readable.
 */
bool teearray_plan_rmw(const struct teearray_geometry *g, unsigned int nw,
		       const bool *readable);

/*
 * Plan a parity update of the written data columns (nw of them): want[c]
 * for every column to fetch.  Read-modify-write fetches the parity and,
 * unless have_old, the written columns' old contents; reconstruct-write the
 * unwritten data columns not in have[] (may be NULL; when have[] holds all
 * of them, reconstruct-write costs nothing and is chosen).  Returns true
 * for read-modify-write.
 */
bool teearray_plan_update(const struct teearray_geometry *g,
			  const unsigned long *written, unsigned int nw,
			  bool have_old, const bool *have, const bool *readable,
			  bool *want);

#endif /* TEEARRAY_PLAN_H */
