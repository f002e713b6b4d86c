// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the bitsliced Cauchy Reed-Solomon code (kernel/tee-ec*.c),
 * built from the module's sources.  The reference encoder below works from
 * the documented format only (byte-wise GF(2^8) arithmetic on elements
 * gathered from the bit-planes), independently of the XOR schedules.
 */
#include <stdlib.h>
#include <inttypes.h>
#include "tee-ec.h"
#include "tee-ec-impl.h"
#include "tap.h"

#define SECT TEE_EC_SECTOR

static uint64_t rng = 0x9e3779b97f4a7c15ull;

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

/* Shift-and-add multiply modulo 0x11d: no tables shared with the codec. */
static u8 ref_mul(u8 a, u8 b)
{
	unsigned int r = 0, x = a;

	while (b) {
		if (b & 1)
			r ^= x;
		b >>= 1;
		x <<= 1;
		if (x & 0x100)
			x ^= 0x11d;
	}
	return r;
}

/* Element i of a sector: bit c is bit (i % 8) of byte 512 * c + i / 8. */
static u8 get_elem(const u8 *s, unsigned int i)
{
	unsigned int c;
	u8 v = 0;

	for (c = 0; c < 8; c++)
		v |= ((s[512 * c + i / 8] >> (i % 8)) & 1) << c;
	return v;
}

static void put_elem(u8 *s, unsigned int i, u8 v)
{
	unsigned int c;

	for (c = 0; c < 8; c++) {
		u8 *b = &s[512 * c + i / 8];

		*b = (*b & ~(1u << (i % 8))) | (((v >> c) & 1) << (i % 8));
	}
}

static void ref_encode(const struct tee_ec *ec, unsigned int n, unsigned int p,
		       u8 *const *data, u8 *const *par)
{
	unsigned int i, j, e;

	for (e = 0; e < SECT; e++) {
		u8 v[TEE_EC_MAX_SECTORS];

		for (j = 0; j < n; j++)
			v[j] = get_elem(data[j], e);
		for (i = 0; i < p; i++) {
			u8 acc = 0;

			for (j = 0; j < n; j++)
				acc ^= ref_mul(tee_ec_coef(ec, i, j), v[j]);
			put_elem(par[i], e, acc);
		}
	}
}

struct stripe {
	unsigned int n, p;
	struct tee_ec *ec;
	u8 *mem, *work;
	u8 *s[TEE_EC_MAX_SECTORS];	/* encoded stripe */
	u8 *t[TEE_EC_MAX_SECTORS];	/* scratch copy */
};

static int stripe_init(struct stripe *st, unsigned int n, unsigned int p)
{
	unsigned int i;

	st->n = n;
	st->p = p;
	st->ec = tee_ec_alloc(n, p);
	if (!st->ec)
		return -1;
	st->mem = aligned_alloc(64, (size_t)2 * (n + p) * SECT);
	st->work = malloc(tee_ec_work_size(st->ec));
	if (!st->mem || !st->work)
		abort();
	for (i = 0; i < n + p; i++) {
		st->s[i] = st->mem + (size_t)i * SECT;
		st->t[i] = st->mem + (size_t)(n + p + i) * SECT;
	}
	fill(st->mem, (size_t)n * SECT);
	tee_ec_encode(st->ec, st->work, (const u8 *const *)st->s, st->s + n);
	return 0;
}

static void stripe_free(struct stripe *st)
{
	tee_ec_free(st->ec);
	free(st->mem);
	free(st->work);
}

/* Erase the flagged sectors of a copy, decode, compare with the original. */
static int try_decode(struct stripe *st, const u8 *erased)
{
	unsigned int i, nt = st->n + st->p;

	for (i = 0; i < nt; i++) {
		if (erased[i])
			memset(st->t[i], (int)(rnd() & 0xff), SECT);
		else
			memcpy(st->t[i], st->s[i], SECT);
	}
	if (tee_ec_decode(st->ec, st->work, st->t, erased))
		return -1;
	for (i = 0; i < nt; i++)
		if (memcmp(st->t[i], st->s[i], SECT))
			return -1;
	return 0;
}

static void test_bad_args(void)
{
	struct stripe st;
	u8 erased[6] = { 1, 1, 0, 0, 0, 1 };

	tap_begin();
	CHECK(!tee_ec_alloc(0, 1));
	CHECK(!tee_ec_alloc(1, 0));
	CHECK(!tee_ec_alloc(10, 129));
	CHECK(!tee_ec_alloc(200, 57));
	CHECK(stripe_init(&st, 4, 2) == 0);
	CHECK(tee_ec_decode(st.ec, st.work, st.t, erased) == -EINVAL);
	{
		const u16 bad = 4;
		const u8 *d[1] = { st.t[0] };

		CHECK(tee_ec_update(st.ec, st.work, 1, &bad, d, st.s + 4) == -EINVAL);
	}
	stripe_free(&st);
	tap_end("bad shapes and too many erasures are rejected");
}

static void test_reference(unsigned int n, unsigned int p)
{
	struct stripe st;
	unsigned int i, j;

	tap_begin();
	CHECK(stripe_init(&st, n, p) == 0);
	for (j = 0; j < n; j++)
		CHECK(tee_ec_coef(st.ec, 0, j) == 1);
	for (i = 0; i < p; i++)
		for (j = 0; j < n; j++)
			CHECK(tee_ec_coef(st.ec, i, j) != 0);
	ref_encode(st.ec, n, p, st.s, st.t);
	for (i = 0; i < p; i++)
		CHECK(!memcmp(st.t[i], st.s[n + i], SECT));
	if (p >= 1) {
		/* parity 0 is the XOR of the data */
		u8 *x = st.t[0];

		memset(x, 0, SECT);
		for (j = 0; j < n; j++)
			for (i = 0; i < SECT; i++)
				x[i] ^= st.s[j][i];
		CHECK(!memcmp(x, st.s[n], SECT));
	}
	stripe_free(&st);
	tap_end("encode %u+%u equals the byte-wise reference", n, p);
}

/* Every erasure pattern of 1..P sectors for every shape with N + P <= 10. */
static void test_exhaustive(void)
{
	unsigned int tot, n, p;

	for (tot = 2; tot <= 10; tot++) {
		unsigned long patterns = 0, bad = 0;

		tap_begin();
		for (p = 1; p < tot; p++) {
			struct stripe st;
			unsigned int m;

			n = tot - p;
			CHECK(stripe_init(&st, n, p) == 0);
			for (m = 1; m < (1u << tot); m++) {
				u8 erased[16] = { 0 };
				unsigned int i;

				if ((unsigned int)__builtin_popcount(m) > p)
					continue;
				for (i = 0; i < tot; i++)
					erased[i] = (m >> i) & 1;
				patterns++;
				if (try_decode(&st, erased)) {
					bad++;
					printf("#   %u+%u pattern %#x failed\n", n, p, m);
				}
			}
			stripe_free(&st);
		}
		CHECK(bad == 0);
		tap_end("all %lu erasure patterns decode for every shape with N+P=%u",
			patterns, tot);
	}
}

static void pick_erasures(u8 *erased, unsigned int nt, unsigned int k)
{
	unsigned int i;

	memset(erased, 0, nt);
	for (i = 0; i < k;) {
		unsigned int x = rnd() % nt;

		if (!erased[x]) {
			erased[x] = 1;
			i++;
		}
	}
}

static const unsigned int big_shapes[][3] = {
	/* n, p, random patterns */
	{ 16, 16, 12 }, { 32, 8, 8 }, { 100, 28, 6 }, { 128, 128, 4 },
	{ 200, 56, 4 }, { 255, 1, 4 }, { 1, 128, 4 }, { 250, 6, 6 },
};

static void test_big(void)
{
	unsigned int s;

	for (s = 0; s < ARRAY_SIZE(big_shapes); s++) {
		unsigned int n = big_shapes[s][0], p = big_shapes[s][1];
		u8 erased[TEE_EC_MAX_SECTORS];
		struct stripe st;
		unsigned int k;

		tap_begin();
		CHECK(stripe_init(&st, n, p) == 0);
		for (k = 0; k < big_shapes[s][2]; k++) {
			/* always include a full-P pattern and an all-data one */
			unsigned int ne = k == 0 ? p : 1 + rnd() % p;

			if (k == 1) {
				unsigned int i;

				memset(erased, 0, n + p);
				for (i = 0; i < p && i < n; i++)
					erased[n - 1 - i] = 1;
			} else {
				pick_erasures(erased, n + p, ne);
			}
			CHECK(try_decode(&st, erased) == 0);
		}
		stripe_free(&st);
		tap_end("random erasure patterns decode for %u+%u", n, p);
	}
}

static void test_update(unsigned int n, unsigned int p, unsigned int rounds)
{
	struct stripe st;
	unsigned int r, i;
	u8 *delta[TEE_EC_MAX_SECTORS];
	u16 idx[TEE_EC_MAX_SECTORS];

	tap_begin();
	CHECK(stripe_init(&st, n, p) == 0);
	for (r = 0; r < rounds; r++) {
		unsigned int nchg = r == 0 ? 1 : 1 + rnd() % n;
		u8 used[TEE_EC_MAX_SECTORS] = { 0 };

		for (i = 0; i < nchg;) {
			unsigned int j = rnd() % n;

			if (used[j])
				continue;
			used[j] = 1;
			idx[i] = j;
			delta[i] = st.t[i];
			fill(delta[i], SECT);
			i++;
		}
		CHECK(tee_ec_update(st.ec, st.work, nchg, idx,
				    (const u8 *const *)delta, st.s + n) == 0);
		for (i = 0; i < nchg; i++) {
			unsigned int b;

			for (b = 0; b < SECT; b++)
				st.s[idx[i]][b] ^= delta[i][b];
		}
		/* re-encode the new data into scratch and compare */
		tee_ec_encode(st.ec, st.work, (const u8 *const *)st.s, st.t);
		for (i = 0; i < p; i++)
			CHECK(!memcmp(st.t[i], st.s[n + i], SECT));
	}
	stripe_free(&st);
	tap_end("delta update equals re-encode for %u+%u (%u rounds)", n, p, rounds);
}

/* Every executor gives the portable path's bytes, for every operation. */
static void test_impls(void)
{
	static const unsigned int shapes[][2] = {
		{ 1, 1 }, { 4, 4 }, { 8, 3 }, { 16, 16 }, { 33, 7 }, { 60, 60 },
	};
	const struct tee_ec_impl *const *im;
	unsigned int count, k, s;

	im = tee_ec_impls(&count);
	for (k = 1; k < count; k++) {
		if (!im[k]->usable()) {
			printf("ok - %s executor is bit-identical to the portable path "
			       "# SKIP not supported by this CPU\n", im[k]->name);
			continue;
		}
		tap_begin();
		for (s = 0; s < ARRAY_SIZE(shapes); s++) {
			unsigned int n = shapes[s][0], p = shapes[s][1], i;
			u8 erased[TEE_EC_MAX_SECTORS];
			u8 *ref[TEE_EC_MAX_SECTORS];
			struct stripe st;
			u16 idx[3] = { 0, (u16)(n / 2), (u16)(n - 1) };
			unsigned int nchg = n >= 3 ? 3 : 1;

			CHECK(stripe_init(&st, n, p) == 0);
			for (i = 0; i < n + p; i++)
				ref[i] = malloc(SECT);
			/* encode */
			tee_ec_set_impl(&tee_ec_impl_generic);
			tee_ec_encode(st.ec, st.work, (const u8 *const *)st.s, ref);
			tee_ec_set_impl(im[k]);
			tee_ec_encode(st.ec, st.work, (const u8 *const *)st.s, st.t);
			for (i = 0; i < p; i++)
				CHECK(!memcmp(st.t[i], ref[i], SECT));
			/* decode: garbage in the erased sectors must not matter */
			pick_erasures(erased, n + p, p);
			for (i = 0; i < n + p; i++)
				memcpy(st.t[i], st.s[i], SECT);
			CHECK(try_decode(&st, erased) == 0);
			/* update from the same deltas on both paths */
			for (i = 0; i < nchg; i++)
				fill(st.t[i], SECT);
			for (i = 0; i < p; i++)
				memcpy(ref[i], st.s[n + i], SECT);
			tee_ec_set_impl(&tee_ec_impl_generic);
			CHECK(!tee_ec_update(st.ec, st.work, nchg, idx,
					     (const u8 *const *)st.t, ref));
			tee_ec_set_impl(im[k]);
			CHECK(!tee_ec_update(st.ec, st.work, nchg, idx,
					     (const u8 *const *)st.t, st.s + n));
			for (i = 0; i < p; i++)
				CHECK(!memcmp(ref[i], st.s[n + i], SECT));
			for (i = 0; i < n + p; i++)
				free(ref[i]);
			stripe_free(&st);
		}
		tap_end("%s executor is bit-identical to the portable path", im[k]->name);
	}
	tee_ec_set_impl(&tee_ec_impl_generic);
}

/*
 * Decode on every executor, random erasure patterns (fixed seed) of every
 * size up to P on narrow and wide shapes: the lost sectors come back as the
 * portable path encoded them, bit for bit.
 */
static void test_impl_decode(void)
{
	static const unsigned int shapes[][3] = {
		/* n, p, patterns */
		{ 2, 2, 6 }, { 8, 2, 10 }, { 8, 3, 16 }, { 8, 4, 16 }, { 8, 8, 16 },
		{ 9, 3, 8 }, { 16, 4, 8 }, { 16, 16, 8 }, { 32, 32, 6 },
		{ 64, 64, 4 }, { 128, 128, 3 }, { 200, 56, 3 }, { 1, 128, 3 },
	};
	const struct tee_ec_impl *const *im;
	unsigned int count, k, s;

	im = tee_ec_impls(&count);
	for (k = 1; k < count; k++) {
		unsigned long bad = 0, total = 0;

		if (!im[k]->usable()) {
			printf("ok - %s decodes random patterns # SKIP not supported "
			       "by this CPU\n", im[k]->name);
			continue;
		}
		tap_begin();
		for (s = 0; s < ARRAY_SIZE(shapes); s++) {
			unsigned int n = shapes[s][0], p = shapes[s][1], r;
			u8 erased[TEE_EC_MAX_SECTORS];
			struct stripe st;

			tee_ec_set_impl(&tee_ec_impl_generic);
			CHECK(stripe_init(&st, n, p) == 0);
			tee_ec_set_impl(im[k]);
			for (r = 0; r < shapes[s][2]; r++) {
				/* all P lost, all data lost first, then any size */
				unsigned int ne = r == 0 ? p : 1 + rnd() % p;

				if (r == 1) {
					unsigned int i;

					memset(erased, 0, n + p);
					for (i = 0; i < p; i++)
						erased[i] = 1;
				} else {
					pick_erasures(erased, n + p, ne);
				}
				total++;
				if (try_decode(&st, erased)) {
					printf("#   %s %u+%u pattern %u failed\n",
					       im[k]->name, n, p, r);
					bad++;
				}
			}
			stripe_free(&st);
		}
		CHECK(bad == 0);
		tap_end("%s decodes %lu random patterns bit-identically to the portable path",
			im[k]->name, total);
	}
	tee_ec_set_impl(&tee_ec_impl_generic);
}

/*
 * Every executor's mul (the matrix path of GFNI) on random matrices of odd
 * sizes (more than one input block and output block) against the reference.
 */
static void test_mul(void)
{
	static const unsigned int dims[][2] = {
		{ 3, 5 }, { 1, 1 }, { 9, 33 }, { 17, 70 }, { 8, 8 },
	};
	const struct tee_ec_impl *const *im;
	unsigned int count, i, d, o, k, e, nmul = 0;

	im = tee_ec_impls(&count);
	tap_begin();
	for (i = 0; i < count; i++) {
		if (!im[i]->mul || !im[i]->usable())
			continue;
		nmul++;
		for (d = 0; d < ARRAY_SIZE(dims); d++) {
			unsigned int nout = dims[d][0], nin = dims[d][1];
			u8 *in[70], *out[17], g[17][70];
			u64 mat[17 * 70];
			void *work = malloc(TEE_EC_GFNI_WORK(nout));

			for (k = 0; k < nin; k++) {
				in[k] = malloc(SECT);
				fill(in[k], SECT);
			}
			for (o = 0; o < nout; o++) {
				out[o] = malloc(SECT);
				for (k = 0; k < nin; k++) {
					g[o][k] = rnd() >> 24;
					mat[o * nin + k] = tee_ec_gf_affine(g[o][k]);
				}
			}
			im[i]->mul(mat, nout, nin, (const u8 *const *)in, out, work);
			for (o = 0; o < nout; o++) {
				for (e = 0; e < SECT; e++) {
					u8 acc = 0;

					for (k = 0; k < nin; k++)
						acc ^= ref_mul(g[o][k], get_elem(in[k], e));
					if (get_elem(out[o], e) != acc)
						break;
				}
				CHECK(e == SECT);
				free(out[o]);
			}
			for (k = 0; k < nin; k++)
				free(in[k]);
			free(work);
		}
	}
	if (!nmul)
		printf("ok - mul equals the reference # SKIP no executor with mul on "
		       "this CPU\n");
	else
		tap_end("mul of %u executor(s) equals the reference on random matrices",
			nmul);
}

/*
 * Known answers: FNV-1a 64 of all parity sectors for data from xorshift64
 * seeded with 1 (the same filler as the kernel self-test).  A change here is
 * an on-disk format change.
 */
static const struct {
	unsigned int n, p;
	uint64_t h;
} kat[] = {
	{ 8, 3, 0xdb02de3028f87ca4ull },
	{ 4, 1, 0x9330d4f02a99bc7cull },
	{ 10, 4, 0x0c611bdc98ccb5feull },
	{ 16, 16, 0x9726a5f164610138ull },
	{ 5, 2, 0x6dfc654badf7f124ull },
	{ 64, 32, 0x20f4e5af3872df3full },
	{ 128, 128, 0x094b340a7858da82ull },
};

static void kat_fill(u8 *buf, size_t len)
{
	uint64_t seed = 1;
	size_t i;

	for (i = 0; i < len; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		buf[i] = seed >> 32;
	}
}

static void test_kat(void)
{
	unsigned int k, i;

	for (k = 0; k < ARRAY_SIZE(kat); k++) {
		unsigned int n = kat[k].n, p = kat[k].p;
		uint64_t h = 0xcbf29ce484222325ull;
		struct stripe st;

		tap_begin();
		CHECK(stripe_init(&st, n, p) == 0);
		kat_fill(st.mem, (size_t)n * SECT);
		tee_ec_encode(st.ec, st.work, (const u8 *const *)st.s, st.s + n);
		for (i = 0; i < p; i++)
			h = tee_ec_fnv1a(h, st.s[n + i], SECT);
		if (h != kat[k].h)
			printf("#   %u+%u: parity hash %#018" PRIx64 "\n", n, p, h);
		CHECK(h == kat[k].h);
		stripe_free(&st);
		tap_end("known-answer parity for %u+%u", n, p);
	}
}

/* Every straight-line kernel, on every executor, against the reference. */
static void test_kernels(void)
{
	const struct tee_ec_impl *const *im;
	unsigned int count, k, s, i, bad = 0;

	im = tee_ec_impls(&count);
	tap_begin();
	for (s = 0; s < TEE_EC_NKERNELS; s++) {
		unsigned int n = im[0]->kernels[s].n, p = im[0]->kernels[s].p;
		struct stripe st;
		u8 *ref[TEE_EC_MAX_PARITY];

		CHECK(stripe_init(&st, n, p) == 0);
		for (i = 0; i < p; i++)
			ref[i] = malloc(SECT);
		ref_encode(st.ec, n, p, st.s, ref);
		for (k = 0; k < count; k++) {
			if (!im[k]->usable())
				continue;
			CHECK(im[k]->kernels[s].n == n && im[k]->kernels[s].p == p);
			tee_ec_set_impl(im[k]);
			for (i = 0; i < p; i++)
				memset(st.t[i], 0x5a, SECT);
			tee_ec_encode(st.ec, st.work, (const u8 *const *)st.s, st.t);
			for (i = 0; i < p; i++) {
				if (memcmp(st.t[i], ref[i], SECT)) {
					printf("#   %s kernel %u+%u parity %u differs\n",
					       im[k]->name, n, p, i);
					bad++;
				}
			}
		}
		for (i = 0; i < p; i++)
			free(ref[i]);
		stripe_free(&st);
	}
	tee_ec_set_impl(&tee_ec_impl_generic);
	CHECK(bad == 0);
	tap_end("all %u straight-line encode kernels match the reference on every executor",
		TEE_EC_NKERNELS);
}

static void test_select(void)
{
	unsigned int mbps = 0;

	tap_begin();
	CHECK(tee_ec_select(2000000, &mbps) == 0);
	CHECK(mbps > 0);
	printf("# selected %s, %u MB/s (sanitizer build)\n",
	       tee_ec_get_impl()->name, mbps);
	tap_end("load-time self-test passes and selects an executor");
	tee_ec_set_impl(&tee_ec_impl_generic);
}

int main(void)
{
	static const unsigned int ref_shapes[][2] = {
		{ 1, 1 }, { 3, 2 }, { 8, 3 }, { 8, 4 }, { 7, 8 }, { 16, 16 },
		{ 20, 11 },
	};
	unsigned int i, nimpls;

	tee_ec_impls(&nimpls);
	/*
	 * In call order: bad arguments, one case per reference shape and per
	 * known answer, N+P = 2..10 exhaustively, one per big shape, three
	 * updates, every executor but the portable one (operations, then
	 * random decode patterns), mul, kernels, selection.
	 */
	tap_plan(1 + ARRAY_SIZE(ref_shapes) + ARRAY_SIZE(kat) + 9 + ARRAY_SIZE(big_shapes) + 3 +
		 2 * (nimpls - 1) + 1 + 2);
	test_bad_args();
	for (i = 0; i < ARRAY_SIZE(ref_shapes); i++)
		test_reference(ref_shapes[i][0], ref_shapes[i][1]);
	test_kat();
	test_exhaustive();
	test_big();
	test_update(8, 3, 20);
	test_update(16, 16, 10);
	test_update(100, 28, 4);
	test_impls();
	test_impl_decode();
	test_mul();
	test_kernels();
	test_select();
	return tap_exit_status();
}
