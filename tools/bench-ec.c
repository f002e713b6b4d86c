// SPDX-License-Identifier: GPL-2.0
/*
 * bench-ec: single-thread throughput of the erasure code (kernel/tee-ec*.c,
 * the executor chosen by the load-time selection) against Intel ISA-L's
 * table-driven Cauchy RS on the same shapes, in the same run: Debian's
 * libisal (linked) and, with --isal PATH (make bench-ec ISAL=PATH), an
 * upstream build's libisal.so loaded beside it (RTLD_DEEPBIND, so each
 * library keeps its own internals).
 *
 * GB/s are of data (N sectors of 4 KiB per stripe), computed from the CPU
 * time of the thread (the machine may be shared); each figure is the
 * median of REPS runs, and the wall-clock median is printed too.  Decode
 * loses min(P, N) data sectors (the rest of the P from parity).  Before it
 * is timed, every decode (ours and each ISA-L) is checked: the lost
 * sectors are overwritten and must come back bit for bit.  Two regimes:
 * one stripe reused (cache-resident) and a ~256 MiB working set walked
 * stripe by stripe (out of cache).
 *
 * Usage: bench-ec [--isal PATH] [--shapes N+P,...] [--impl NAME] [seconds-per-run]
 *
 * --impl runs a given executor (generic, avx2, avx512, avx512-gfni) instead
 * of the one the load-time selection picks, after the same self-test.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <dlfcn.h>
#include <isa-l/erasure_code.h>
#include "tee-ec.h"

#define SECT TEE_EC_SECTOR
#define BIG (256ul << 20)
#define REPS 5

static double budget = 0.04;

/* One ISA-L: Debian's (linked) or an upstream libisal.so (dlopen). */
struct isal {
	const char *name;
	void (*gen_cauchy)(unsigned char *a, int m, int k);
	int (*invert)(unsigned char *in, unsigned char *out, const int n);
	unsigned char (*mul)(unsigned char a, unsigned char b);
	void (*init_tables)(int k, int rows, unsigned char *a, unsigned char *t);
	void (*encode)(int len, int k, int rows, unsigned char *t,
		       unsigned char **data, unsigned char **coding);
};

static struct isal isal[2] = { {
	.name = "debian",
	.gen_cauchy = gf_gen_cauchy1_matrix,
	.invert = gf_invert_matrix,
	.mul = gf_mul,
	.init_tables = ec_init_tables,
	.encode = ec_encode_data,
} };
static unsigned int nisal = 1;

static int load_isal(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
	struct isal *u = &isal[1];

	if (!h) {
		fprintf(stderr, "bench-ec: %s\n", dlerror());
		return -1;
	}
	u->name = "upstream";
	u->gen_cauchy = (void (*)(unsigned char *, int, int))dlsym(h, "gf_gen_cauchy1_matrix");
	u->invert = (int (*)(unsigned char *, unsigned char *, const int))
		dlsym(h, "gf_invert_matrix");
	u->mul = (unsigned char (*)(unsigned char, unsigned char))dlsym(h, "gf_mul");
	u->init_tables = (void (*)(int, int, unsigned char *, unsigned char *))
		dlsym(h, "ec_init_tables");
	u->encode = (void (*)(int, int, int, unsigned char *, unsigned char **,
			      unsigned char **))dlsym(h, "ec_encode_data");
	if (!u->gen_cauchy || !u->invert || !u->mul || !u->init_tables || !u->encode) {
		fprintf(stderr, "bench-ec: %s lacks an ISA-L symbol\n", path);
		return -1;
	}
	nisal = 2;
	return 0;
}

static double now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct shape {
	unsigned int n, p, nlost, nstripes;
	u8 *mem;			/* nstripes * (n + p) sectors */
	u8 *copy;			/* one stripe, for verification */
	struct tee_ec *ec;
	u8 *work;
	u8 erased[TEE_EC_MAX_SECTORS];
	int lost[TEE_EC_MAX_PARITY];
	int surv[TEE_EC_MAX_SECTORS];
	u8 *enc_tbl[2], *dec_tbl[2];	/* per ISA-L */
};

static u8 *sector(struct shape *s, unsigned int stripe, unsigned int i)
{
	return s->mem + ((size_t)stripe * (s->n + s->p) + i) * SECT;
}

static void isal_setup(struct shape *s, unsigned int which)
{
	const struct isal *is = &isal[which];
	unsigned int n = s->n, p = s->p, i, j, k;
	static u8 a[256 * 256], b[256 * 256], inv[256 * 256], d[256 * 256];

	s->enc_tbl[which] = malloc(32 * n * p);
	s->dec_tbl[which] = malloc(32 * n * s->nlost);
	if (!s->enc_tbl[which] || !s->dec_tbl[which])
		exit(1);
	is->gen_cauchy(a, n + p, n);
	is->init_tables(n, p, &a[n * n], s->enc_tbl[which]);
	for (i = 0; i < n; i++)
		memcpy(&b[i * n], &a[s->surv[i] * n], n);
	if (is->invert(b, inv, n)) {
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
					acc ^= is->mul(inv[j * n + i], a[e * n + j]);
				d[k * n + i] = acc;
			}
		}
	}
	is->init_tables(n, s->nlost, d, s->dec_tbl[which]);
}

static void init_shape(struct shape *s, unsigned int n, unsigned int p, bool big)
{
	unsigned int i, k = 0;
	size_t bytes;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->p = p;
	s->nstripes = big ? BIG / ((size_t)(n + p) * SECT) : 1;
	bytes = (size_t)s->nstripes * (n + p) * SECT;
	s->mem = aligned_alloc(4096, bytes);
	s->copy = aligned_alloc(4096, (size_t)(n + p) * SECT);
	s->ec = tee_ec_alloc(n, p);
	if (!s->mem || !s->copy || !s->ec)
		exit(1);
	s->work = aligned_alloc(64, (tee_ec_work_size(s->ec) + 63) & ~63ul);
	if (!s->work)
		exit(1);
	for (i = 0; i < bytes / 8; i++)
		((u64 *)s->mem)[i] = i * 0x9e3779b97f4a7c15ull;
	for (i = 0; i < p && i < n; i++)
		s->erased[i] = 1;
	for (; i < p; i++)
		s->erased[n + i] = 1;
	for (i = 0; i < n + p; i++)
		if (s->erased[i])
			s->lost[s->nlost++] = i;
	for (i = 0; i < n + p && k < n; i++)
		if (!s->erased[i])
			s->surv[k++] = i;
	for (i = 0; i < nisal; i++)
		isal_setup(s, i);
}

static void free_shape(struct shape *s)
{
	unsigned int i;

	for (i = 0; i < nisal; i++) {
		free(s->enc_tbl[i]);
		free(s->dec_tbl[i]);
	}
	free(s->mem);
	free(s->copy);
	free(s->work);
	tee_ec_free(s->ec);
}

/* op: 0 = encode, 1 = decode; engine 0 = ours, 1.. = isal[engine - 1] */
static void run_stripe(struct shape *s, unsigned int engine, int op, unsigned int st)
{
	u8 *ptr[TEE_EC_MAX_SECTORS], *in[TEE_EC_MAX_SECTORS], *out[TEE_EC_MAX_PARITY];
	unsigned int i, n = s->n;

	for (i = 0; i < n + s->p; i++)
		ptr[i] = sector(s, st, i);
	if (!engine) {
		if (!op)
			tee_ec_encode(s->ec, s->work, (const u8 *const *)ptr, ptr + n);
		else if (tee_ec_decode(s->ec, s->work, ptr, s->erased))
			exit(1);
		return;
	}
	if (!op) {
		isal[engine - 1].encode(SECT, n, s->p, s->enc_tbl[engine - 1], ptr, ptr + n);
		return;
	}
	for (i = 0; i < n; i++)
		in[i] = ptr[s->surv[i]];
	for (i = 0; i < s->nlost; i++)
		out[i] = ptr[s->lost[i]];
	isal[engine - 1].encode(SECT, n, s->nlost, s->dec_tbl[engine - 1], in, out);
}

/* Encode stripe 0, lose the sectors, decode, compare. */
static void verify(struct shape *s, unsigned int engine)
{
	size_t len = (size_t)(s->n + s->p) * SECT;
	unsigned int k;

	run_stripe(s, engine, 0, 0);
	memcpy(s->copy, s->mem, len);
	for (k = 0; k < s->nlost; k++)
		memset(sector(s, 0, s->lost[k]), 0x5a + k, SECT);
	run_stripe(s, engine, 1, 0);
	if (memcmp(s->copy, s->mem, len)) {
		fprintf(stderr, "bench-ec: %u+%u decode by %s is WRONG\n", s->n, s->p,
			engine ? isal[engine - 1].name : "teearray");
		exit(1);
	}
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median GB/s of data by CPU time (*wall: by wall-clock time). */
static double measure(struct shape *s, unsigned int engine, int op, double *wall)
{
	double cpu[REPS], wl[REPS];
	unsigned int r, st = 0;

	run_stripe(s, engine, op, 0);	/* builds and caches the decode schedule */
	for (r = 0; r < REPS; r++) {
		double c0 = now(CLOCK_THREAD_CPUTIME_ID), w0 = now(CLOCK_MONOTONIC), c;
		unsigned long stripes = 0;

		do {
			unsigned int k;

			for (k = 0; k < 16; k++) {
				run_stripe(s, engine, op, st);
				if (++st == s->nstripes)
					st = 0;
			}
			stripes += 16;
			c = now(CLOCK_THREAD_CPUTIME_ID) - c0;
		} while (c < budget);
		cpu[r] = stripes * (double)s->n * SECT / c / 1e9;
		wl[r] = stripes * (double)s->n * SECT / (now(CLOCK_MONOTONIC) - w0) / 1e9;
	}
	qsort(cpu, REPS, sizeof(cpu[0]), cmp_dbl);
	qsort(wl, REPS, sizeof(wl[0]), cmp_dbl);
	*wall = wl[REPS / 2];
	return cpu[REPS / 2];
}

static unsigned int shapes[64][2] = {
	{ 4, 2 }, { 8, 2 }, { 8, 3 }, { 8, 4 }, { 8, 8 }, { 16, 4 }, { 16, 8 },
	{ 16, 16 }, { 32, 32 }, { 64, 64 }, { 128, 128 },
};
static unsigned int nshapes = 11;

static void regime(bool big)
{
	static const char *const opname[2] = { "encode", "decode" };
	unsigned int a, e, op;

	printf("\n%s (single thread, 4 KiB sectors, GB/s of data by CPU time,\n"
	       "median of %u; wall-clock median in brackets)\n",
	       big ? "out of cache: ~256 MiB working set" : "cache-resident: one stripe",
	       REPS);
	printf("    N+P  op     |       ours        | debian isa-l      ratio");
	if (nisal > 1)
		printf(" | upstream isa-l    ratio");
	printf("\n");
	for (a = 0; a < nshapes; a++) {
		static struct shape s;

		init_shape(&s, shapes[a][0], shapes[a][1], big);
		for (e = 0; e <= nisal; e++)
			verify(&s, e);
		for (op = 0; op < 2; op++) {
			double ours, ow, x, xw;

			ours = measure(&s, 0, op, &ow);
			printf("%3u+%-3u %s | %7.2f [%7.2f] |", s.n, s.p, opname[op], ours, ow);
			for (e = 1; e <= nisal; e++) {
				x = measure(&s, e, op, &xw);
				printf("%s %6.2f [%6.2f] %6.2f", e > 1 ? " |" : "", x, xw,
				       ours / x);
			}
			printf("\n");
			fflush(stdout);
		}
		free_shape(&s);
	}
}

int main(int argc, char **argv)
{
	const char *want = NULL;
	unsigned int mbps = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--isal") && i + 1 < argc) {
			if (load_isal(argv[++i]))
				return 1;
		} else if (!strcmp(argv[i], "--impl") && i + 1 < argc) {
			want = argv[++i];
		} else if (!strcmp(argv[i], "--shapes") && i + 1 < argc) {
			char *p = argv[++i];

			nshapes = 0;
			while (nshapes < 64 && *p) {
				unsigned int n, q;
				int used;

				if (sscanf(p, "%u+%u%n", &n, &q, &used) != 2)
					break;
				shapes[nshapes][0] = n;
				shapes[nshapes++][1] = q;
				p += used;
				if (*p == ',')
					p++;
			}
		} else {
			budget = atof(argv[i]);
		}
	}
	if (tee_ec_select(20000000, &mbps)) {
		fprintf(stderr, "bench-ec: self-test failed\n");
		return 1;
	}
	if (want) {
		const struct tee_ec_impl *const *im;
		unsigned int k, count;

		im = tee_ec_impls(&count);
		for (k = 0; k < count && strcmp(im[k]->name, want); k++)
			;
		if (k == count || !im[k]->usable()) {
			fprintf(stderr, "bench-ec: no usable executor '%s'\n", want);
			return 1;
		}
		tee_ec_set_impl(im[k]);
	}
	printf("executor: %s (self-test passed, %u MB/s encode 8+3)\n",
	       tee_ec_get_impl()->name, mbps);
	if (nisal > 1)
		printf("upstream ISA-L loaded beside Debian's\n");
	regime(false);
	regime(true);
	return 0;
}
