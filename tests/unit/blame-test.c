// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the search for lying members (kernel/teearray-blame.c),
 * built with the module's erasure code.  A "MAC" here is a comparison with
 * the true column; the expected outcome of every case is computed
 * independently from the documented candidate order.
 */
#include <stdlib.h>
#include <string.h>
#include "teearray-blame.h"
#include "tap.h"

#define SECT TEE_EC_SECTOR

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill(u8 *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = rnd() >> 24;
}

struct stripe {
	unsigned int n, p, m;
	struct tee_ec *ec;
	void *work;
	u8 *truth[TEE_EC_MAX_SECTORS], *col[TEE_EC_MAX_SECTORS];
	u8 *saved[TEE_EC_MAX_PARITY];
	unsigned int checks;
};

static int check_col(void *ctx, unsigned int c, const u8 *sector)
{
	struct stripe *s = ctx;
	static const u8 zero[SECT];

	s->checks++;
	if (memcmp(sector, s->truth[c], SECT))
		return -EBADMSG;
	return memcmp(sector, zero, SECT) ? 0 : -ENODATA;
}

static struct stripe *stripe_new(unsigned int n, unsigned int p)
{
	struct stripe *s = calloc(1, sizeof(*s));
	unsigned int c;

	s->n = n;
	s->p = p;
	s->m = n + p;
	s->ec = tee_ec_alloc(n, p);
	s->work = malloc(tee_ec_work_size(s->ec));
	for (c = 0; c < s->m; c++) {
		s->truth[c] = malloc(SECT);
		s->col[c] = malloc(SECT);
	}
	for (c = 0; c < p; c++)
		s->saved[c] = malloc(SECT);
	return s;
}

static void stripe_free(struct stripe *s)
{
	unsigned int c;

	for (c = 0; c < s->m; c++) {
		free(s->truth[c]);
		free(s->col[c]);
	}
	for (c = 0; c < s->p; c++)
		free(s->saved[c]);
	free(s->work);
	tee_ec_free(s->ec);
	free(s);
}

/* New true contents: random data (zero columns where zero[c]), its parity. */
static void stripe_encode(struct stripe *s, const bool *zero)
{
	unsigned int c;

	for (c = 0; c < s->n; c++) {
		if (zero && zero[c])
			memset(s->truth[c], 0, SECT);
		else
			fill(s->truth[c], SECT);
	}
	tee_ec_encode(s->ec, s->work, (const u8 *const *)s->truth, s->truth + s->n);
}

/*
 * The documented order, independently: is there a candidate k < 64 whose
 * parity set (first u held after leaving out nothing, one of the first u,
 * or a pair i < j <= u) holds no liar?  Returns its k + 1, or 0.
 */
static unsigned int expect_tries(unsigned int u, unsigned int h, const bool *qliar)
{
	unsigned int k = 0, i, j, x;

	for (x = 0; x <= 2; x++) {
		for (j = 0; j <= u; j++) {
			for (i = 0; i <= j; i++) {
				bool clean = true;
				unsigned int got = 0, pos;

				/* x = 0: the empty set; 1: {j} (j < u); 2: {i, j}, i < j */
				if ((x == 0 && (i || j)) || (x == 1 && (i || j >= u)) ||
				    (x == 2 && i == j))
					continue;
				if (h < u + x || k >= TEEARRAY_BLAME_MAX_TRIES)
					return 0;
				k++;
				for (pos = 0; pos < h && got < u; pos++) {
					if ((x == 1 && pos == j) || (x == 2 && (pos == i || pos == j)))
						continue;
					clean &= !qliar[pos];
					got++;
				}
				if (clean)
					return k;
			}
		}
	}
	return 0;
}

static void test_exclusion_order(void)
{
	unsigned int e[2], k, u, h, count;
	int ne;

	tap_begin();
	CHECK(teearray_blame_exclusion(1, 2, 0, e) == 0);
	CHECK(teearray_blame_exclusion(1, 2, 1, e) == 1 && e[0] == 0);
	CHECK(teearray_blame_exclusion(1, 2, 2, e) == -1);
	CHECK(teearray_blame_exclusion(1, 1, 1, e) == -1);
	CHECK(teearray_blame_exclusion(2, 1, 0, e) == -1);
	CHECK(teearray_blame_exclusion(0, 0, 0, e) == 0);
	CHECK(teearray_blame_exclusion(0, 5, 1, e) == -1);
	/* u = 2, h = 4: -, {0}, {1}, {0,1}, {0,2}, {1,2} */
	CHECK(teearray_blame_exclusion(2, 4, 1, e) == 1 && e[0] == 0);
	CHECK(teearray_blame_exclusion(2, 4, 2, e) == 1 && e[0] == 1);
	CHECK(teearray_blame_exclusion(2, 4, 3, e) == 2 && e[0] == 0 && e[1] == 1);
	CHECK(teearray_blame_exclusion(2, 4, 4, e) == 2 && e[0] == 0 && e[1] == 2);
	CHECK(teearray_blame_exclusion(2, 4, 5, e) == 2 && e[0] == 1 && e[1] == 2);
	CHECK(teearray_blame_exclusion(2, 4, 6, e) == -1);
	/* Counts: 1 + u + u(u+1)/2, never more than 64, for every shape. */
	for (u = 0; u <= TEE_EC_MAX_PARITY; u++) {
		for (h = u; h <= TEE_EC_MAX_PARITY; h++) {
			unsigned int want = 1 + (h > u ? u : 0) + (h > u + 1 ? u * (u + 1) / 2 : 0);

			for (count = 0, k = 0; (ne = teearray_blame_exclusion(u, h, k, e)) >= 0; k++) {
				count++;
				CHECK(ne <= 2 && (ne < 1 || e[0] < h) && (ne < 2 || e[1] < h));
				CHECK(ne < 2 || (e[0] < e[1] && e[1] <= u));
				CHECK(u + ne <= h);
			}
			CHECK(count == (want < TEEARRAY_BLAME_MAX_TRIES ? want :
					TEEARRAY_BLAME_MAX_TRIES));
		}
	}
	tap_end("candidate order: nothing, single, pair exclusions; at most 64");
}

/*
 * One case: dbad data columns and pbad parity columns (chosen at random,
 * or those given) lie, dmiss data and pmiss parity columns are not held.
 */
static bool run_case(struct stripe *s, unsigned int dbad, unsigned int pbad,
		     unsigned int dmiss, unsigned int pmiss, const int *fixed)
{
	u8 state[TEE_EC_MAX_SECTORS];
	bool liar[TEE_EC_MAX_SECTORS], lied[TEE_EC_MAX_SECTORS] = { false };
	bool qliar[TEE_EC_MAX_PARITY] = { false };
	unsigned int c, u = 0, h = 0, tries, want;
	bool ok = true;
	int r;

	stripe_encode(s, NULL);
	for (c = 0; c < s->m; c++) {
		state[c] = TEEARRAY_BLAME_HELD;
		memcpy(s->col[c], s->truth[c], SECT);
	}
	if (fixed) {
		for (; *fixed >= 0; fixed++)
			lied[*fixed] = true;
	} else {
		while (dbad || dmiss || pbad || pmiss) {
			unsigned int *left = dbad ? &dbad : dmiss ? &dmiss : pbad ? &pbad : &pmiss;
			bool parity = left == &pbad || left == &pmiss;

			c = parity ? s->n + rnd() % s->p : rnd() % s->n;
			if (lied[c] || state[c] != TEEARRAY_BLAME_HELD)
				continue;
			if (left == &dmiss || left == &pmiss)
				state[c] = TEEARRAY_BLAME_NONE;
			else
				lied[c] = true;
			(*left)--;
		}
	}
	for (c = 0; c < s->m; c++) {
		if (state[c] == TEEARRAY_BLAME_NONE) {
			fill(s->col[c], SECT);	/* whatever */
			continue;
		}
		if (!lied[c])
			continue;
		s->col[c][rnd() % SECT] ^= 1 + rnd() % 255;
		if (c < s->n)
			state[c] = TEEARRAY_BLAME_BAD;	/* the caller's check found it */
	}
	for (c = 0; c < s->n; c++)
		u += state[c] != TEEARRAY_BLAME_HELD;
	for (c = s->n; c < s->m; c++)
		if (state[c] == TEEARRAY_BLAME_HELD)
			qliar[h++] = lied[c];
	want = u <= h ? expect_tries(u, h, qliar) : 0;

	s->checks = 0;
	r = teearray_blame_search(s->ec, s->work, s->n, s->p, s->col, s->saved, state,
				  check_col, s, liar, &tries);
	if (!want) {
		ok &= r == -ENOENT;
	} else {
		ok &= r == 0 && tries == want;
		for (c = 0; c < s->m; c++) {
			ok &= !memcmp(s->col[c], s->truth[c], SECT);
			ok &= liar[c] == lied[c];
		}
	}
	ok &= s->checks <= (unsigned int)TEEARRAY_BLAME_MAX_TRIES * u;
	if (!ok)
		printf("#   n %u p %u u %u h %u: r %d tries %u, expected %u\n", s->n, s->p, u, h,
		       r, tries, want);
	return ok;
}

static void test_shapes(void)
{
	static const unsigned int shape[][2] = {
		{ 4, 2 }, { 2, 1 }, { 1, 1 }, { 3, 3 }, { 8, 4 }, { 10, 6 }, { 16, 16 },
	};
	unsigned int i, t;

	for (i = 0; i < sizeof(shape) / sizeof(shape[0]); i++) {
		struct stripe *s = stripe_new(shape[i][0], shape[i][1]);
		unsigned int n = s->n, p = s->p, cases = 0, bad = 0;

		tap_begin();
		for (t = 0; t < 60; t++) {
			unsigned int dbad = 1 + rnd() % (n < 3 ? n : 3);
			unsigned int pbad = rnd() % (p + 1);
			unsigned int dmiss = rnd() % 2 ? rnd() % (n - dbad + 1) : 0;
			unsigned int pmiss = rnd() % 3 ? 0 : rnd() % (p - pbad + 1);

			if (dmiss > p)
				dmiss = p;
			cases++;
			bad += !run_case(s, dbad, pbad, dmiss, pmiss, NULL);
		}
		CHECK(!bad);
		tap_end("%u+%u: %u random cases of lying and missing columns: %u wrong",
			n, p, cases, bad);
		stripe_free(s);
	}
}

/* The VM test's cases, column by column. */
static void test_fixed(void)
{
	struct stripe *s = stripe_new(4, 2);
	static const int d_p0[] = { 1, 4, -1 }, d_p1[] = { 2, 5, -1 }, d_only[] = { 0, -1 };
	static const int d_p01[] = { 3, 4, 5, -1 }, dd_p0[] = { 0, 1, 4, -1 };

	tap_begin();
	CHECK(run_case(s, 0, 0, 0, 0, d_p0));	/* found on the second try */
	CHECK(run_case(s, 0, 0, 0, 0, d_p1));	/* found at once */
	CHECK(run_case(s, 0, 0, 0, 0, d_only));
	CHECK(run_case(s, 0, 0, 0, 0, d_p01));	/* 3 liars > P: not found */
	CHECK(run_case(s, 0, 0, 0, 0, dd_p0));	/* 3 liars > P: not found */
	tap_end("4+2: a data column with either parity column lies: found; three liars: not");
	stripe_free(s);

	s = stripe_new(2, 1);
	tap_begin();
	{
		static const int d_p[] = { 0, 2, -1 }, d[] = { 1, -1 };

		CHECK(run_case(s, 0, 0, 0, 0, d_p));	/* not found */
		CHECK(run_case(s, 0, 0, 0, 0, d));
	}
	tap_end("2+1: data and parity lie: not found; data alone: found");
	stripe_free(s);
}

/* Never-written (all zero) columns verify as -ENODATA and are accepted. */
static void test_zero(void)
{
	struct stripe *s = stripe_new(4, 2);
	bool zero[4] = { true, false, true, true }, liar[6];
	u8 state[6];
	unsigned int c, tries;
	int r;

	tap_begin();
	stripe_encode(s, zero);
	for (c = 0; c < 6; c++) {
		state[c] = TEEARRAY_BLAME_HELD;
		memcpy(s->col[c], s->truth[c], SECT);
	}
	memset(s->col[0], 0x5a, SECT);		/* a never-written column filled */
	state[0] = TEEARRAY_BLAME_BAD;
	s->col[4][7] ^= 1;
	r = teearray_blame_search(s->ec, s->work, 4, 2, s->col, s->saved, state, check_col, s,
				  liar, &tries);
	CHECK(r == 0 && tries == 2);
	for (c = 0; c < 6; c++) {
		CHECK(!memcmp(s->col[c], s->truth[c], SECT));
		CHECK(liar[c] == (c == 0 || c == 4));
	}
	tap_end("a zero column rebuilt as zero verifies; the liars are named");
	stripe_free(s);
}

int main(void)
{
	tap_plan(4 + 7);	/* four cases, then test_shapes(): one per shape */
	test_exclusion_order();
	test_fixed();
	test_zero();
	test_shapes();
	return tap_failures ? 1 : 0;
}
