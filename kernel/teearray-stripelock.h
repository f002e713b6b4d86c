/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stripe locks: which jobs may hold which stripes at once.
 *
 * Stripes hash to TEEARRAY_STRIPE_LOCKS slots; a job names the slots of
 * all the stripes it needs (a set) and takes them all at once or none, so
 * jobs holding several stripes never deadlock.  A job that only reads
 * (a user read, a rotation check, a scrub that does not repair) takes its
 * set shared: readers of the same metadata stripe (every data stripe it
 * covers shares it) run side by side.  A job that writes (a journal
 * commit, a rebuild step, a repair, the key barrier) takes its set
 * exclusive.
 *
 * Writers are not starved by a stream of readers: a writer that cannot
 * take its set marks every slot of it as wanted, and no reader takes a
 * wanted slot until the writer got it.  Writers do not wait on marks, so
 * writers still queue only on slots actually held.
 *
 * Pure code: builds in the module and in userspace; the caller holds the
 * table's lock around every call and sleeps outside it.
 */
#ifndef TEEARRAY_STRIPELOCK_H
#define TEEARRAY_STRIPELOCK_H

#include "teearray-compat.h"

#define TEEARRAY_STRIPE_LOCKS	64

struct teearray_stripelocks {
	int held[TEEARRAY_STRIPE_LOCKS];	/* -1: one writer; n > 0: n readers */
	u32 wanted[TEEARRAY_STRIPE_LOCKS];	/* writers waiting for the slot */
};

/*
 * Take every slot of set, shared or exclusive, or none.  A writer that
 * fails marks its set wanted once (*marked becomes true) and clears the
 * marks when it succeeds; pass the same *marked on every try of one wait,
 * false at first.  Waiters never give up (teearray_lock_stripes sleeps
 * uninterruptibly), so marks always end with the writer's success.
 */
bool teearray_stripelocks_try(struct teearray_stripelocks *t, const unsigned long *set,
			      bool shared, bool *marked);
void teearray_stripelocks_release(struct teearray_stripelocks *t, const unsigned long *set,
				  bool shared);

#endif /* TEEARRAY_STRIPELOCK_H */
