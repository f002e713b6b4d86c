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
 * single write costs 3 + 3P: a journal whose entries hold fewer payload
 * sectors cannot be used.
 *
 * Payload sector i of an entry goes to the first P + 1 members that take
 * writes, from its home slot on (so up to P members may fail and one copy
 * survives); the record goes to every member.  Replay takes the newest
 * authentic record, or when its payload is incomplete the one just before
 * it, never an older one (see dm-teearray-journal.rst).
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
	struct teearray_jstripe *dst, *mst;	/* data, metadata stripes */
	unsigned int nd, nm;
	u64 *meta_mv;			/* metadata sectors of the entry */
	unsigned int nmeta;
	struct teearray_jstripe lst;	/* the log sector's stripe, if taken */
};

/* Payload sectors the worst single write of an array with P parity needs. */
static inline u32 teearray_jplan_min_capacity(u32 parity)
{
	return 3 + 3 * parity;
}

/*
 * Can a journal of geometry g hold one write of its array, and a record
 * describe a whole payload half?  0 or -EINVAL.
 */
int teearray_jplan_check(const struct teearray_geometry *g);

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
 * The members a payload sector homed on slot home goes to: the first P + 1
 * that take writes from home on, in slot order.  Returns how many (fewer
 * when fewer take writes), in slots[] (P + 1 entries).
 */
unsigned int teearray_jplan_replicas(const struct teearray_geometry *g,
				     const struct teearray_member *members,
				     u32 home, u32 *slots);

/*
 * Of nr records read at replay (ok[i]: authentic, with version[i]): the
 * newest version, returned (0: none), the last record holding it in *best
 * and the last holding the version just before it in *prev (-1: none).
 */
u64 teearray_jplan_pick(const u64 *version, const bool *ok, unsigned int nr,
			int *best, int *prev);

#endif /* TEEARRAY_JPLAN_H */
