// SPDX-License-Identifier: GPL-2.0
/*
 * Stripe locks: shared for readers, exclusive for writers, taken a whole
 * set at a time; see teearray-stripelock.h.
 */
#include "teearray-stripelock.h"

static void teearray_stripelocks_mark(struct teearray_stripelocks *t,
				      const unsigned long *set, int delta)
{
	unsigned int b;

	for (b = 0; b < TEEARRAY_STRIPE_LOCKS; b++)
		if (test_bit(b, set))
			t->wanted[b] += delta;
}

static void teearray_stripelocks_unmark(struct teearray_stripelocks *t,
					const unsigned long *set, bool *marked)
{
	if (*marked)
		teearray_stripelocks_mark(t, set, -1);
	*marked = false;
}

bool teearray_stripelocks_try(struct teearray_stripelocks *t, const unsigned long *set,
			      bool shared, bool *marked)
{
	unsigned int b;

	for (b = 0; b < TEEARRAY_STRIPE_LOCKS; b++) {
		if (!test_bit(b, set))
			continue;
		if (shared ? t->held[b] < 0 || t->wanted[b] : t->held[b] != 0) {
			if (!shared && !*marked) {
				teearray_stripelocks_mark(t, set, 1);
				*marked = true;
			}
			return false;
		}
	}
	for (b = 0; b < TEEARRAY_STRIPE_LOCKS; b++)
		if (test_bit(b, set))
			t->held[b] = shared ? t->held[b] + 1 : -1;
	teearray_stripelocks_unmark(t, set, marked);
	return true;
}

void teearray_stripelocks_release(struct teearray_stripelocks *t, const unsigned long *set,
				  bool shared)
{
	unsigned int b;

	for (b = 0; b < TEEARRAY_STRIPE_LOCKS; b++)
		if (test_bit(b, set))
			t->held[b] = shared ? t->held[b] - 1 : 0;
}
