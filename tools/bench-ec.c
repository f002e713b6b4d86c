// SPDX-License-Identifier: GPL-2.0
/*
 * bench-ec: single-thread throughput of the erasure code (kernel/tee-ec*.c,
 * fastest executor as chosen by the load-time selection) against Intel
 * ISA-L's table-driven Cauchy RS on the same shapes, in the same run.
 *
 * GB/s are of data (N sectors of 4 KiB per stripe).  Decode loses
 * min(P, N) data sectors (the rest of the P from parity).  Two regimes:
 * one stripe reused (cache-resident) and a ~256 MiB working set walked
 * stripe by stripe (out of cache).  "xor" is a plain N-way XOR of the same
 * buffers into one sector: the memory-bandwidth reference.
 *
 * Usage: bench-ec [seconds-per-measurement]   (default 0.15)
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <immintrin.h>
#include <isa-l/erasure_code.h>
#include "tee-ec.h"

#define SECT TEE_EC_SECTOR
#define BIG (256ul << 20)

static double budget = 0.15;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct shape {
	unsigned int n, p, nlost, nstripes;
	u8 *mem;			/* nstripes * (n + p) sectors */
	struct tee_ec *ec;
	u8 *work;
	u8 erased[TEE_EC_MAX_SECTORS];
	u8 isal_enc[32 * 256 * 128];
	u8 isal_dec[32 * 256 * 128];
	int lost[TEE_EC_MAX_PARITY];
	int surv[TEE_EC_MAX_SECTORS];
};

static u8 *sector(struct shape *s, unsigned int stripe, unsigned int i)
{
	return s->mem + ((size_t)stripe * (s->n + s->p) + i) * SECT;
}

static void isal_setup(struct shape *s)
{
	unsigned int n = s->n, p = s->p, i, j, k = 0;
	static u8 a[256 * 256], b[256 * 256], inv[256 * 256], d[256 * 256];

	gf_gen_cauchy1_matrix(a, n + p, n);
	ec_init_tables(n, p, &a[n * n], s->isal_enc);
	for (i = 0; i < n + p && k < n; i++)
		if (!s->erased[i])
			s->surv[k++] = i;
	for (i = 0; i < n; i++)
		memcpy(&b[i * n], &a[s->surv[i] * n], n);
	if (gf_invert_matrix(b, inv, n)) {
		fprintf(stderr, "isa-l: singular matrix\n");
		exit(1);
	}
	for (k = 0; k < s->nlost; k++) {
		unsigned int e = s->lost[k];

		if (e < n) {
			memcpy(&d[k * n], &inv[e * n], n);
		} else {
			for (i = 0; i < n; i++) {
				u8 acc = 0;

				for (j = 0; j < n; j++)
					acc ^= gf_mul(inv[j * n + i], a[e * n + j]);
				d[k * n + i] = acc;
			}
		}
	}
	ec_init_tables(n, s->nlost, d, s->isal_dec);
}

static void init_shape(struct shape *s, unsigned int n, unsigned int p, bool big)
{
	unsigned int i;
	size_t bytes;

	s->n = n;
	s->p = p;
	s->nstripes = big ? BIG / ((size_t)(n + p) * SECT) : 1;
	bytes = (size_t)s->nstripes * (n + p) * SECT;
	s->mem = aligned_alloc(4096, bytes);
	s->ec = tee_ec_alloc(n, p);
	s->work = aligned_alloc(64, tee_ec_work_size(s->ec));
	if (!s->mem || !s->ec || !s->work)
		exit(1);
	for (i = 0; i < bytes / 8; i++)
		((u64 *)s->mem)[i] = i * 0x9e3779b97f4a7c15ull;
	memset(s->erased, 0, sizeof(s->erased));
	s->nlost = 0;
	for (i = 0; i < p && i < n; i++)
		s->erased[i] = 1;
	for (; i < p; i++)
		s->erased[n + i] = 1;
	for (i = 0; i < n + p; i++)
		if (s->erased[i])
			s->lost[s->nlost++] = i;
	isal_setup(s);
}

static void free_shape(struct shape *s)
{
	free(s->mem);
	free(s->work);
	tee_ec_free(s->ec);
}

enum op { OUR_ENC, OUR_DEC, ISAL_ENC, ISAL_DEC, XOR_REF };

static void run_stripe(struct shape *s, enum op op, unsigned int st)
{
	u8 *ptr[TEE_EC_MAX_SECTORS], *in[TEE_EC_MAX_SECTORS], *out[TEE_EC_MAX_PARITY];
	unsigned int i, n = s->n;

	for (i = 0; i < n + s->p; i++)
		ptr[i] = sector(s, st, i);
	switch (op) {
	case OUR_ENC:
		tee_ec_encode(s->ec, s->work, (const u8 *const *)ptr, ptr + n);
		break;
	case OUR_DEC:
		tee_ec_decode(s->ec, s->work, ptr, s->erased);
		break;
	case ISAL_ENC:
		ec_encode_data(SECT, n, s->p, s->isal_enc, ptr, ptr + n);
		break;
	case ISAL_DEC:
		for (i = 0; i < n; i++)
			in[i] = ptr[s->surv[i]];
		for (i = 0; i < s->nlost; i++)
			out[i] = ptr[s->lost[i]];
		ec_encode_data(SECT, n, s->nlost, s->isal_dec, in, out);
		break;
	case XOR_REF: {
		u8 *o = ptr[n];
		unsigned int off;

		for (off = 0; off < SECT; off += 64) {
			__m512i a = _mm512_load_si512(ptr[0] + off);

			for (i = 1; i < n; i++)
				a = _mm512_xor_si512(a, _mm512_load_si512(ptr[i] + off));
			_mm512_store_si512(o + off, a);
		}
		break;
	}
	}
}

/* GB/s of data. */
static double measure(struct shape *s, enum op op)
{
	double t0, t;
	unsigned long stripes = 0;
	unsigned int st = 0;

	run_stripe(s, op, 0);	/* builds and caches the decode schedule */
	t0 = now();
	do {
		unsigned int k;

		for (k = 0; k < 64; k++) {
			run_stripe(s, op, st);
			if (++st == s->nstripes)
				st = 0;
		}
		stripes += 64;
		t = now() - t0;
	} while (t < budget);
	return stripes * (double)s->n * SECT / t / 1e9;
}

static const unsigned int ns[] = { 4, 8, 16 };
static const unsigned int ps[] = { 1, 2, 3, 4, 8, 16 };

static void regime(bool big)
{
	unsigned int a, b;

	printf("\n%s (single thread, 4 KiB sectors, GB/s of data)\n",
	       big ? "out of cache: ~256 MiB working set" : "cache-resident: one stripe");
	printf("  N  P | enc ours  isa-l  ratio | dec ours  isa-l  ratio | xor ref\n");
	for (a = 0; a < sizeof(ns) / sizeof(ns[0]); a++) {
		for (b = 0; b < sizeof(ps) / sizeof(ps[0]); b++) {
			static struct shape s;
			double oe, ie, od, id, x;

			init_shape(&s, ns[a], ps[b], big);
			oe = measure(&s, OUR_ENC);
			ie = measure(&s, ISAL_ENC);
			od = measure(&s, OUR_DEC);
			id = measure(&s, ISAL_DEC);
			x = measure(&s, XOR_REF);
			printf("%3u %2u | %8.2f %6.2f %6.2f | %8.2f %6.2f %6.2f | %7.2f\n",
			       s.n, s.p, oe, ie, oe / ie, od, id, od / id, x);
			fflush(stdout);
			free_shape(&s);
		}
	}
}

int main(int argc, char **argv)
{
	unsigned int mbps = 0;

	if (argc > 1)
		budget = atof(argv[1]);
	if (tee_ec_select(20000000, &mbps)) {
		fprintf(stderr, "bench-ec: self-test failed\n");
		return 1;
	}
	printf("executor: %s (self-test passed, %u MB/s encode 8+3)\n",
	       tee_ec_get_impl()->name, mbps);
	regime(false);
	regime(true);
	return 0;
}
