// SPDX-License-Identifier: GPL-2.0
/*
 * tee-ec-gen: writes kernel/tee-ec-enc-gen.h, straight-line encode kernels
 * for the common stripe shapes, from the same XOR schedules (matrix + CSE)
 * that kernel/tee-ec.c builds at run time (2 parity sectors per CSE pass,
 * at most 32 temporaries so the compiled code keeps a small stack frame;
 * GEN_GROUP and GEN_CAP in the environment override this for experiments).
 * The output depends only on that
 * code, so it is reproducible; `tee-ec-gen [--check FILE]` regenerates in
 * memory and prints a TAP line saying whether FILE (default
 * kernel/tee-ec-enc-gen.h) is identical; `tee-ec-gen -o FILE` writes it.
 *
 *   make ec-gen          regenerate kernel/tee-ec-enc-gen.h
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tee-ec-impl.h"

static const unsigned int shapes[][2] = {
	{ 2, 1 }, { 2, 2 }, { 3, 1 }, { 3, 2 }, { 4, 1 }, { 4, 2 }, { 4, 3 },
	{ 4, 4 }, { 4, 8 }, { 4, 16 }, { 5, 1 }, { 5, 2 }, { 5, 3 }, { 6, 1 },
	{ 6, 2 }, { 6, 3 }, { 6, 4 }, { 8, 1 }, { 8, 2 }, { 8, 3 }, { 8, 4 },
	{ 8, 8 }, { 8, 16 }, { 10, 2 }, { 10, 4 }, { 12, 2 }, { 12, 3 },
	{ 12, 4 }, { 16, 1 }, { 16, 2 }, { 16, 3 }, { 16, 4 }, { 16, 8 },
	{ 16, 16 },
};

/* Without arguments: check the committed file (run from the tree's top). */
#define GEN_DEFAULT "kernel/tee-ec-enc-gen.h"

static unsigned int gen_group = 2, gen_cap = 32;
static char *buf;
static size_t len, cap;

static void __attribute__((format(printf, 1, 2))) out(const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(buf + len, cap - len, fmt, ap);
		va_end(ap);
		if ((size_t)n < cap - len)
			break;
		cap = cap ? 2 * cap : 1 << 20;
		buf = realloc(buf, cap);
		if (!buf)
			exit(2);
	}
	len += n;
}

static void term(char *s, size_t sz, unsigned int slot, unsigned int nin8,
		 unsigned int first)
{
	if (slot < nin8)
		snprintf(s, sz, "L(i%u, %u)", first + slot / 8, slot % 8);
	else
		snprintf(s, sz, "t%u", slot - nin8);
}

/*
 * One column loop computing the parities from data sectors first ..
 * first + pg->nin - 1; with acc the parities already hold the other part.
 */
static void gen_loop(const struct tee_ec_prog *pg, unsigned int first, bool acc)
{
	unsigned int nin8 = 8 * pg->nin, ntemp = pg->nslots - nin8, i, col;
	const u16 *c, *end;

	out("\tfor (off = 0; off < TEE_EC_PLANE; off += TEE_EC_VBYTES) {\n");
	out("\t\ttee_vec x");
	col = 18;
	for (i = 0; i < ntemp; i++) {
		char t[16];
		int w = snprintf(t, sizeof(t), "t%u", i);

		if (col + w + 2 > 72) {
			out(",\n\t\t\t");
			col = 24;
		} else {
			out(", ");
			col += 2;
		}
		out("%s", t);
		col += w;
	}
	out(";\n\n");
	for (i = 0; i < pg->nin; i++)
		out("\t\tTEE_EC_PF(i%u);\n", first + i);
	end = pg->code + pg->ncode;
	for (c = pg->code; c < end;) {
		unsigned int dst = *c++, k = *c++, j;
		bool more = false;
		char a[32], b[32];
		const char *v = "x";
		char tv[16];

		if (!(dst & TEE_EC_OUT)) {
			snprintf(tv, sizeof(tv), "t%u", dst - nin8);
			v = tv;
		} else if (acc) {
			dst &= ~TEE_EC_OUT;
			out("\t\tx = L(o%u, %u);\n", dst / 8, dst % 8);
			dst |= TEE_EC_OUT;
			more = true;
		}
		for (j = 0; j < k; j += 2) {
			term(a, sizeof(a), c[j], nin8, first);
			if (j + 1 < k) {
				term(b, sizeof(b), c[j + 1], nin8, first);
				out("\t\t%s %s= %s ^ %s;\n", v, j || more ? "^" : "", a, b);
			} else {
				out("\t\t%s %s= %s;\n", v, j || more ? "^" : "", a);
			}
		}
		if (!k)
			exit(2);	/* every parity plane has a term */
		if (dst & TEE_EC_OUT) {
			dst &= ~TEE_EC_OUT;
			out("\t\tS(o%u, %u, x);\n", dst / 8, dst % 8);
		}
		c += k;
	}
	out("\t}\n");
}

/*
 * More than 8 data sectors and more than one parity: two passes over the
 * stripe, 8 or fewer data
 * sectors each, so one column's lines of a plane (same offset in every
 * 4 KiB page, hence the same L1 set) fit the 12-way L1 cache.
 */
static void gen_shape(unsigned int n, unsigned int p)
{
	struct tee_ec *ec = tee_ec_alloc(n, p);
	unsigned int half = n > 8 && p > 1 ? n / 2 : n, i;
	struct tee_ec_prog *pa, *pb = NULL;

	if (!ec)
		exit(2);
	pa = tee_ec_gen_prog_cols(ec, 0, half, gen_group, gen_cap);
	if (half < n)
		pb = tee_ec_gen_prog_cols(ec, half, n - half, gen_group, gen_cap);
	if (!pa || (half < n && !pb))
		exit(2);
	out("\n/* %u data + %u parity: %u XORs per column%s */\n", n, p,
	    pa->nxor + (pb ? pb->nxor + 8 * p : 0), pb ? ", two passes" : "");
	out("static void TEE_EC_FN(_enc_%u_%u)(const u8 *const *in, u8 *const *out)\n{\n",
	    n, p);
	for (i = 0; i < n; i++)
		out("\tconst u8 *i%u = in[%u];\n", i, i);
	for (i = 0; i < p; i++)
		out("\tu8 *o%u = out[%u];\n", i, i);
	out("\tunsigned int off;\n\n");
	for (i = 0; i < n; i++)
		out("\tTEE_EC_PF_START(i%u);\n", i);
	gen_loop(pa, 0, false);
	if (pb)
		gen_loop(pb, half, true);
	out("}\n");
	free(pa);
	free(pb);
	tee_ec_free(ec);
}

static void generate(void)
{
	unsigned int i;

	out("/* SPDX-License-Identifier: GPL-2.0 */\n");
	out("/*\n * GENERATED by tools/tee-ec-gen.c -- do not edit.  Regenerate with\n");
	out(" * `make ec-gen`; `make check-unit` fails if this file is stale.\n *\n");
	out(" * Straight-line encode kernels for common shapes, included by\n");
	out(" * tee-ec-simd-body.h once per instruction set.  Each computes the same\n");
	out(" * schedule the run-time interpreter would, one vector column at a time.\n");
	out(" */\n");
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		gen_shape(shapes[i][0], shapes[i][1]);
	out("\nstatic const struct tee_ec_kernel TEE_EC_FN(_kernels)[TEE_EC_NKERNELS] = {\n");
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		out("\t{ %u, %u, TEE_EC_FN(_enc_%u_%u) },\n", shapes[i][0], shapes[i][1],
		    shapes[i][0], shapes[i][1]);
	out("};\n");
}

int main(int argc, char **argv)
{
	FILE *f;

	if (sizeof(shapes) / sizeof(shapes[0]) != TEE_EC_NKERNELS) {
		fprintf(stderr, "TEE_EC_NKERNELS in tee-ec-impl.h must be %zu\n",
			sizeof(shapes) / sizeof(shapes[0]));
		return 2;
	}
	if (getenv("GEN_GROUP"))
		gen_group = atoi(getenv("GEN_GROUP"));
	if (getenv("GEN_CAP"))
		gen_cap = atoi(getenv("GEN_CAP"));
	generate();
	if (argc == 1 || (argc == 3 && !strcmp(argv[1], "--check"))) {
		const char *path = argc == 3 ? argv[2] : GEN_DEFAULT;
		char *old = malloc(len + 2);
		size_t got = 0;

		printf("1..1\n");
		f = fopen(path, "r");
		if (f) {
			got = fread(old, 1, len + 1, f);
			fclose(f);
		}
		if (f && got == len && !memcmp(old, buf, len)) {
			printf("ok - %s is what tools/tee-ec-gen.c generates\n", path);
			return 0;
		}
		printf("not ok - %s is stale: run make ec-gen\n", path);
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "-o")) {
		f = fopen(argv[2], "w");
		if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
			perror(argv[2]);
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: tee-ec-gen [--check FILE | -o FILE]\n");
	return 2;
}
