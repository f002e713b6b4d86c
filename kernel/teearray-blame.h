/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Who lied: the search for a stripe's true contents when a column rebuilt
 * from the others still does not verify.
 *
 * Data columns carry a MAC (or a tag), parity columns nothing.  The caller
 * checks every data column it holds as its member served it: one that
 * verifies is the truth, one that does not is a liar.  What remains unknown
 * is which parity columns lie.  The search rebuilds the data columns it
 * lacks (unverified or unreadable, u of them) from the verified ones and u
 * held parity columns, trying sets of parity columns in a fixed order until
 * every rebuilt column verifies.  Data determines the parity, so a set
 * that makes every data column verify gives the whole stripe: every member
 * whose served column (data or parity) differs from it lied.
 *
 * The bound on work: the held parity columns in column order are q0, q1,
 * ...; candidate k uses the first u of them after leaving out
 *   k = 0              nothing,
 *   k = 1 .. u         one of q0 .. q(u-1),
 *   k > u              a pair qi, qj with i < j <= u (j, then i, ascending),
 * as far as enough parity is held, and at most TEEARRAY_BLAME_MAX_TRIES
 * candidates in all (one decode of u columns and u checks each, never
 * more than 64 decodes however large N and P are).  So the stripe is found
 * whenever at most two of the first u + 2 held parity columns lie and
 * u <= 9 (1 + u + u(u+1)/2 <= 64), or at most one lies and u <= 63;
 * otherwise the caller reports it as unverifiable.
 *
 * Pure code: builds in the module and in userspace; no locking, no
 * allocation (the caller provides the pages).  Context: any that may use
 * the erasure code.
 */
#ifndef TEEARRAY_BLAME_H
#define TEEARRAY_BLAME_H

#include "teearray-compat.h"
#include "tee-ec.h"

#define TEEARRAY_BLAME_MAX_TRIES	64

/* What the caller knows of each column. */
enum teearray_blame_state {
	TEEARRAY_BLAME_NONE = 0,	/* not held (unreadable): rebuilt */
	TEEARRAY_BLAME_HELD,		/* as served; a data column verifies */
	TEEARRAY_BLAME_BAD,		/* a data column that does not verify */
};

/*
 * Candidate k with u data columns to rebuild and h parity columns held:
 * stores the positions (among the held parity columns) it leaves out in
 * excl[] and returns how many (0-2), or -1 when there is no candidate k.
 */
int teearray_blame_exclusion(unsigned int u, unsigned int h, unsigned int k,
			     unsigned int excl[2]);

/* Check of data column col: 0 or -ENODATA (all zero, accepted) verify. */
typedef int (*teearray_blame_check_fn)(void *ctx, unsigned int col,
				       const u8 *sector);

/*
 * Search stripe col[0 .. n+p-1] of code ec (n data, p parity columns).
 * state[c] as above; HELD columns hold what their member served, the
 * others anything.  saved[0 .. p-1] are p scratch sectors (only those of
 * held parity columns are used).  On success returns 0 with col[] holding
 * the whole stripe, data and parity, and liar[c] set for every column
 * whose served contents differ from it (every BAD one among them).
 * Returns -ENOENT when no candidate verifies (col[] is then undefined),
 * or the decoder's error.  *tries counts the candidates decoded.
 */
int teearray_blame_search(struct tee_ec *ec, void *work, unsigned int n,
			  unsigned int p, u8 *const *col, u8 *const *saved,
			  const u8 *state, teearray_blame_check_fn check,
			  void *ctx, bool *liar, unsigned int *tries);

#endif /* TEEARRAY_BLAME_H */
