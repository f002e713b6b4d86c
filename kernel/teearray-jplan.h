/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Journal entry planning: what one journal entry carries and what that
 * costs in payload sectors, where each payload sector's replicas go, whether
 * a journal can hold one write at all, and which records replay considers.
 *
 * An entry carries, for every data stripe it writes, the new data columns
 * and the stripe's P new parity columns; for every metadata sector whose
 * entries change (those of every column of a written stripe, since
 * checking the old data needs them), the new sector and the P new parity
 * columns of its metadata stripe; and at most one audit log sector with its
 * stripe's parity.  So a write to a data stripe new to the entry costs
 * 1 + P, plus for the metadata sector of its first column 1 + P (its
 * metadata stripe is new to the entry), 1 (only the sector is) or 0, plus
 * 1 + P when its last column's entry is in another metadata sector (counted
 * in full: an over-estimate at worst).  A write to another column of a
 * stripe in the entry costs 1, a rewrite of a column in it 0.  The worst
 * single write costs 3 + 3P: an entry holds max(240, 3 + 3P) payload
 * sectors (the pages the kernel keeps for them).
 *
 * Every payload sector goes once, to its home member's payload half, so a
 * member holds at most one payload per stripe of the entry; each member's
 * record summarises every stripe.  An entry therefore changes at most
 * teearray_jrec_max_stripes() stripes, and the worst single write changes
 * three (its data stripe and the two metadata stripes its entries may
 * span).  Replay takes the newest authentic entry, or when it is
 * incomplete the one just before it, never an older one (see
 * dm-teearray-journal.rst).
 *
 * Pure code: builds in the module and in userspace; no locking, no
 * allocation, no I/O.
 */
#ifndef TEEARRAY_JPLAN_H
#define TEEARRAY_JPLAN_H

#include "teearray-compat.h"
#include "teearray-format.h"
#include "teearray-jrec.h"
#include "teearray-plan.h"

/* A stripe of the entry being built and the columns it changes. */
struct teearray_jstripe {
	u64 ms;
	unsigned int rewrap;		/* re-encrypt up to this many old-epoch columns */
	unsigned int nw;		/* columns in written */
	DECLARE_BITMAP(written, TEEARRAY_MAX_MEMBERS);
};

/*
 * What the entry being built carries.  The caller provides dst, mst and
 * meta_mv of capacity entries each (an entry never holds more) and sets
 * geo and capacity; teearray_jplan_reset() starts a new entry.
 */
struct teearray_jplan {
	const struct teearray_geometry *geo;
	u32 capacity;			/* payload sectors per entry */
	u32 used;			/* payload sectors taken so far */
	u32 max_stripes;		/* stripes per entry (teearray_jrec_max_stripes) */
	struct teearray_jstripe *dst, *mst;	/* data, metadata stripes */
	unsigned int nd, nm, nlog;
	u64 *meta_mv;			/* metadata sectors of the entry */
	unsigned int nmeta;
	struct teearray_jstripe lst;	/* the log sector's stripe, if taken */
};

#define TEEARRAY_JPLAN_PAYLOADS		240	/* payload sectors per entry, at least */

/* Payload sectors the worst single write of an array with P parity needs. */
static inline u32 teearray_jplan_min_capacity(u32 parity)
{
	return 3 + 3 * parity;
}

/* Payload sectors one entry of an array with P parity may carry. */
static inline u32 teearray_jplan_capacity(u32 parity)
{
	u32 min = teearray_jplan_min_capacity(parity);

	return min > TEEARRAY_JPLAN_PAYLOADS ? min : TEEARRAY_JPLAN_PAYLOADS;
}

/*
 * Metadata sectors one entry may change: every data stripe costs at least
 * 1 + P payload sectors and brings at most two.
 */
static inline u32 teearray_jplan_max_meta(u32 parity)
{
	return 2 * (teearray_jplan_capacity(parity) / (1 + parity));
}

/*
 * Can a journal of geometry g hold one write of its array (three stripes
 * in a record and in every member's payload half)?  0 or -EINVAL.
 */
int teearray_jplan_check(const struct teearray_geometry *g);

/* Set up e for geometry g: capacity and stripe limit; nothing taken. */
void teearray_jplan_init(struct teearray_jplan *e, const struct teearray_geometry *g);

/* Stripes the entry changes so far (each gets a summary line). */
static inline unsigned int teearray_jplan_stripes(const struct teearray_jplan *e)
{
	return e->nd + e->nm + e->nlog;
}

/* Start a new entry: nothing taken. */
void teearray_jplan_reset(struct teearray_jplan *e);

/* Index of metadata sector mv among the entry's (meta_mv[]), or -1. */
int teearray_jplan_meta_index(const struct teearray_jplan *e, u64 mv);

/* Payload sectors a write of virtual sector v adds to the entry. */
unsigned int teearray_jplan_write_cost(const struct teearray_jplan *e, u64 v);

/*
 * Take a write of virtual sector v into the entry.  Returns the index of
 * its data stripe in dst[] (the last one when the stripe is new); -ENOSPC
 * when it does not fit (the next entry takes it); -E2BIG when it does not
 * even fit an empty entry.
 */
int teearray_jplan_add_write(struct teearray_jplan *e, u64 v);

/*
 * Take data stripe s for re-encryption: as many of its columns as fit (at
 * least one), with its metadata.  Returns its index in dst[], or -ENOSPC.
 */
int teearray_jplan_add_rewrap(struct teearray_jplan *e, u64 stripe);

/* Take the audit log sector in column col of stripe ms if it fits. */
bool teearray_jplan_add_log(struct teearray_jplan *e, u64 ms, u32 col);

/*
 * Of nr records read at replay (ok[i]: authentic, with version[i]): the
 * newest version, returned (0: none), the last record holding it in *best
 * and the last holding the version just before it in *prev (-1: none).
 */
u64 teearray_jplan_pick(const u64 *version, const bool *ok, unsigned int nr,
			int *best, int *prev);

/*
 * Is the entry summarised by sum complete on the members replay can use?
 * It is when every member in present (m entries) that is home to a
 * journalled column holds, per holds[], its record of the entry and all
 * its payloads with matching MACs.  Then it is rolled forward; otherwise
 * it was never acknowledged and its apply never started.
 */
bool teearray_jplan_complete(const struct teearray_jrec *sum,
			     const struct teearray_geometry *g,
			     const bool *present, const bool *holds);

#endif /* TEEARRAY_JPLAN_H */
