// SPDX-License-Identifier: GPL-2.0
/*
 * Who lied: find a stripe's true contents from columns some of which lie;
 * see teearray-blame.h for the search order and its bound.
 */
#include "teearray-blame.h"

int teearray_blame_exclusion(unsigned int u, unsigned int h, unsigned int k,
			     unsigned int excl[2])
{
	unsigned int j;

	if (k >= TEEARRAY_BLAME_MAX_TRIES || u > h)
		return -1;
	if (!k)
		return 0;
	k--;
	if (h < u + 1)
		return -1;
	if (k < u) {
		excl[0] = k;
		return 1;
	}
	k -= u;
	if (h < u + 2)
		return -1;
	for (j = 1; j <= u; j++) {
		if (k < j) {
			excl[0] = k;
			excl[1] = j;
			return 2;
		}
		k -= j;
	}
	return -1;
}

int teearray_blame_search(struct tee_ec *ec, void *work, unsigned int n,
			  unsigned int p, u8 *const *col, u8 *const *saved,
			  const u8 *state, teearray_blame_check_fn check,
			  void *ctx, bool *liar, unsigned int *tries)
{
	u8 erased[TEE_EC_MAX_SECTORS], dirty[TEE_EC_MAX_PARITY] = { 0 };
	u8 q[TEE_EC_MAX_PARITY];	/* held parity columns, as parity indexes */
	unsigned int c, i, k, u = 0, h = 0, excl[2];
	bool ok = false;
	int ne, r;

	*tries = 0;
	for (c = 0; c < n; c++)
		u += state[c] != TEEARRAY_BLAME_HELD;
	for (i = 0; i < p; i++) {
		if (state[n + i] != TEEARRAY_BLAME_HELD)
			continue;
		q[h++] = i;
		memcpy(saved[i], col[n + i], TEE_EC_SECTOR);
	}
	for (k = 0; !ok && (ne = teearray_blame_exclusion(u, h, k, excl)) >= 0; k++) {
		for (c = 0; c < n; c++)
			erased[c] = state[c] != TEEARRAY_BLAME_HELD;
		for (i = 0; i < p; i++)
			erased[n + i] = state[n + i] != TEEARRAY_BLAME_HELD;
		for (i = 0; i < (unsigned int)ne; i++)
			erased[n + q[excl[i]]] = 1;
		/* What an earlier candidate rebuilt in place goes back. */
		for (i = 0; i < p; i++) {
			if (dirty[i])
				memcpy(col[n + i], saved[i], TEE_EC_SECTOR);
			dirty[i] = erased[n + i] && state[n + i] == TEEARRAY_BLAME_HELD;
		}
		if (u + ne) {
			r = tee_ec_decode_once(ec, work, col, erased);
			if (r)
				return r;
		}
		(*tries)++;
		ok = true;
		for (c = 0; c < n && ok; c++) {
			if (state[c] == TEEARRAY_BLAME_HELD)
				continue;
			r = check(ctx, c, col[c]);
			ok = !r || r == -ENODATA;
		}
	}
	if (!ok)
		return -ENOENT;
	/* The data is the truth: so is the parity it encodes to. */
	tee_ec_encode(ec, work, (const u8 *const *)col, col + n);
	for (c = 0; c < n; c++)
		liar[c] = state[c] == TEEARRAY_BLAME_BAD;
	for (i = 0; i < p; i++)
		liar[n + i] = state[n + i] == TEEARRAY_BLAME_HELD &&
			      memcmp(saved[i], col[n + i], TEE_EC_SECTOR);
	return 0;
}
