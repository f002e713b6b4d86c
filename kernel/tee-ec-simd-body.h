/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Executor for tee-ec programs (see tee-ec-impl.h), compiled once per
 * instruction set: the including file defines TEE_EC_VBYTES (the vector
 * width in bytes: 8 for the portable path, 32 for AVX2, 64 for AVX-512)
 * and TEE_EC_NAME, and is built with the matching compiler flags.  GCC
 * vector extensions turn the XORs into vpxor/vpternlogq; no intrinsics.
 *
 * Two kinds of code run here: the straight-line encode kernels generated
 * for common shapes (tee-ec-enc-gen.h) and the executor of run-time
 * programs (decode schedules, wide shapes, updates) at the end.
 */
#include "tee-ec-impl.h"

typedef u64 tee_vec __attribute__((vector_size(TEE_EC_VBYTES)));
typedef u64 tee_uvec __attribute__((vector_size(TEE_EC_VBYTES), aligned(1),
				    may_alias));

#define TEE_EC_CAT2(a, b)	a##b
#define TEE_EC_CAT(a, b)	TEE_EC_CAT2(a, b)
#define TEE_EC_FN(x)	TEE_EC_CAT(TEE_EC_CAT(tee_ec_, TEE_EC_NAME), x)

/* Plane c of sector p at the current column; store v there. */
#define L(p, c)	(*(const tee_uvec *)((p) + (c) * TEE_EC_PLANE + off))
#define S(p, c, v)	(*(tee_uvec *)((p) + (c) * TEE_EC_PLANE + off) = (v))
/*
 * Software prefetch hooks of the generated kernels, for experiments
 * (make bench-ec EC_DEFS=-DTEE_EC_PF_MODE=1): 1 prefetches every plane
 * TEE_EC_PF_DIST bytes ahead, 2 the whole input stripe at entry.  Neither
 * beat the hardware prefetcher out of cache on this machine, so the
 * default (0) compiles them away.
 */
#ifndef TEE_EC_PF_MODE
#define TEE_EC_PF_MODE 0
#endif
#ifndef TEE_EC_PF_DIST
#define TEE_EC_PF_DIST 256
#endif
#if TEE_EC_PF_MODE == 1
#define TEE_EC_PF_START(p)	do { } while (0)
#define TEE_EC_PF(p)	do {					\
	if (!(off & 63) && off + TEE_EC_PF_DIST < TEE_EC_PLANE) {		\
		unsigned int _c;					\
		for (_c = 0; _c < 8; _c++)				\
			__builtin_prefetch((p) + _c * TEE_EC_PLANE + off + TEE_EC_PF_DIST); \
	} } while (0)
#elif TEE_EC_PF_MODE == 2
#define TEE_EC_PF_START(p)	do {					\
	unsigned int _o;						\
	for (_o = 0; _o < TEE_EC_SECTOR; _o += 64)			\
		__builtin_prefetch((p) + _o);				\
	} while (0)
#define TEE_EC_PF(p)	do { } while (0)
#else
#define TEE_EC_PF_START(p)	do { } while (0)
#define TEE_EC_PF(p)	do { } while (0)
#endif

#ifdef TEE_EC_BOOTSTRAP		/* building tools/tee-ec-gen itself */
static const struct tee_ec_kernel TEE_EC_FN(_kernels)[TEE_EC_NKERNELS];
#else
#include "tee-ec-enc-gen.h"
#endif

/*
 * The run-time executor (see tee-ec-impl.h for the program format).  It is
 * op-major within a column of nv vectors per plane: each program entry keeps
 * its nv accumulators in registers, XORs its terms two at a time (one
 * vpternlogq each on AVX-512) and stores once, so registers never spill
 * whatever the width of the code.  Up to TEE_EC_COPY_PLANES input planes
 * are read in place, in columns as wide as a whole plane when the slots
 * fit TEE_EC_L1_BUDGET and the temporaries their buffer; wider programs
 * copy each TEE_EC_COPY_CHUNK-byte column of their inputs into a contiguous
 * slot array first, because the planes of 4 KiB-aligned sectors at one
 * offset share a few L1 sets.  tab[] maps a slot to its column.
 */
static __always_inline void TEE_EC_FN(_exec)(const struct tee_ec_prog *pg,
					     const u8 *const *in, u8 *const *out,
					     bool acc, void *work,
					     const unsigned int nv, const bool copy)
{
	const unsigned int chunk = nv * TEE_EC_VBYTES;
	const u8 **tab = (const u8 **)work;
	u8 *temp = (u8 *)work + TEE_EC_TAB_BYTES;
	const u16 *end = pg->code + pg->ncode;
	unsigned int nin8 = 8 * pg->nin;
	unsigned int off, t, v;

	for (t = copy ? 0 : nin8; t < pg->nslots; t++)
		tab[t] = temp + (copy ? t : t - nin8) * chunk;
	for (off = 0; off < TEE_EC_PLANE; off += chunk) {
		const u16 *p = pg->code;

		for (t = 0; t < nin8; t++) {
			const u8 *src = in[t >> 3] + (t & 7) * TEE_EC_PLANE + off;

			if (copy) {
				tee_vec *d = (tee_vec *)(temp + t * chunk);

#pragma GCC unroll 8
				for (v = 0; v < nv; v++)
					d[v] = ((const tee_uvec *)src)[v];
			} else {
				tab[t] = src;
			}
		}
		while (p < end) {
			unsigned int dst = *p++, n = *p++;
			tee_uvec *o;
			tee_vec a[8];

			if (dst & TEE_EC_OUT) {
				dst &= ~TEE_EC_OUT;
				o = (tee_uvec *)(out[dst >> 3] +
						 (dst & 7) * TEE_EC_PLANE + off);
				if (acc) {
#pragma GCC unroll 8
					for (v = 0; v < nv; v++)
						a[v] = o[v];
					goto terms;
				}
			} else {
				o = (tee_uvec *)tab[dst];
			}
			if (n) {
				const tee_uvec *s = (const tee_uvec *)tab[*p++];

#pragma GCC unroll 8
				for (v = 0; v < nv; v++)
					a[v] = s[v];
				n--;
			} else {
				memset(a, 0, sizeof(a));
			}
terms:
			for (; n >= 2; n -= 2, p += 2) {
				const tee_uvec *s0 = (const tee_uvec *)tab[p[0]];
				const tee_uvec *s1 = (const tee_uvec *)tab[p[1]];

#pragma GCC unroll 8
				for (v = 0; v < nv; v++)
					a[v] ^= s0[v] ^ s1[v];
			}
			if (n) {
				const tee_uvec *s = (const tee_uvec *)tab[*p++];

#pragma GCC unroll 8
				for (v = 0; v < nv; v++)
					a[v] ^= s[v];
			}
#pragma GCC unroll 8
			for (v = 0; v < nv; v++)
				o[v] = a[v];
		}
	}
}

static void TEE_EC_FN(_run)(const struct tee_ec_prog *pg, const u8 *const *in,
			    u8 *const *out, bool acc, void *work)
{
	unsigned int ntemp = pg->nslots - 8 * pg->nin;
	unsigned long w = ((unsigned long)work + TEE_EC_ALIGN - 1) &
			  ~(unsigned long)(TEE_EC_ALIGN - 1);
	unsigned int nv = 8;

	if (8 * pg->nin > TEE_EC_COPY_PLANES) {
		/*
		 * Wide: the planes of 4 KiB-aligned sectors at one offset share
		 * a few L1 sets, so columns are copied to a contiguous slot array.
		 */
#if TEE_EC_COPY_CHUNK / TEE_EC_VBYTES >= 8
		TEE_EC_FN(_exec)(pg, in, out, acc, (void *)w, 8, true);
#elif TEE_EC_COPY_CHUNK / TEE_EC_VBYTES >= 4
		TEE_EC_FN(_exec)(pg, in, out, acc, (void *)w, 4, true);
#else
		TEE_EC_FN(_exec)(pg, in, out, acc, (void *)w, 2, true);
#endif
		return;
	}
	/* the column of every slot in L1, the temporaries in their buffer */
	while (nv > 1 && ((unsigned long)pg->nslots * nv * TEE_EC_VBYTES > TEE_EC_L1_BUDGET ||
			  (unsigned long)ntemp * nv * TEE_EC_VBYTES > TEE_EC_TEMP_BYTES))
		nv /= 2;
	if (nv == 8)
		TEE_EC_FN(_exec)(pg, in, out, acc, (void *)w, 8, false);
	else if (nv == 4)
		TEE_EC_FN(_exec)(pg, in, out, acc, (void *)w, 4, false);
	else if (nv == 2)
		TEE_EC_FN(_exec)(pg, in, out, acc, (void *)w, 2, false);
	else
		TEE_EC_FN(_exec)(pg, in, out, acc, (void *)w, 1, false);
}
