/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Executor for tee-ec programs (see tee-ec-impl.h), compiled once per
 * instruction set: the including file defines TEE_EC_VBYTES (the vector
 * width in bytes: 8 for the portable path, 32 for AVX2, 64 for AVX-512)
 * and TEE_EC_NAME, and is built with the matching compiler flags.  GCC
 * vector extensions turn the XORs into vpxor/vpternlogq; no intrinsics.
 *
 * The loop is column-major: for each TEE_EC_CHUNK-byte column of the 8
 * planes of every input, the column is copied into the slot array once, the
 * program runs on the slots and each output column is stored once.
 */
#include "tee-ec-impl.h"

typedef u64 tee_vec __attribute__((vector_size(TEE_EC_VBYTES)));
typedef u64 tee_uvec __attribute__((vector_size(TEE_EC_VBYTES), aligned(1),
				    may_alias));

#define TEE_EC_NV	(TEE_EC_CHUNK / TEE_EC_VBYTES)
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

struct tee_ec_slot {
	tee_vec v[TEE_EC_NV];
};

static void TEE_EC_FN(_run)(const struct tee_ec_prog *pg, const u8 *const *in,
			    u8 *const *out, bool acc, void *work)
{
	struct tee_ec_slot *slot = (struct tee_ec_slot *)
		(((unsigned long)work + TEE_EC_ALIGN - 1) &
		 ~(unsigned long)(TEE_EC_ALIGN - 1));
	const u16 *end = pg->code + pg->ncode;
	unsigned int nin8 = 8 * pg->nin;
	unsigned int off, t, v;

	for (off = 0; off < TEE_EC_PLANE; off += TEE_EC_CHUNK) {
		const u16 *p = pg->code;

		for (t = 0; t < nin8; t++) {
			const tee_uvec *src = (const tee_uvec *)
				(in[t >> 3] + (t & 7) * TEE_EC_PLANE + off);

			for (v = 0; v < TEE_EC_NV; v++)
				slot[t].v[v] = src[v];
		}
		while (p < end) {
			unsigned int dst = *p++, n = *p++;
			tee_uvec *o = NULL;
			tee_vec a[TEE_EC_NV];

			if (dst & TEE_EC_OUT) {
				dst &= ~TEE_EC_OUT;
				o = (tee_uvec *)(out[dst >> 3] +
						 (dst & 7) * TEE_EC_PLANE + off);
			}
			if (o && acc) {
				for (v = 0; v < TEE_EC_NV; v++)
					a[v] = o[v];
			} else if (n) {
				for (v = 0; v < TEE_EC_NV; v++)
					a[v] = slot[*p].v[v];
				p++;
				n--;
			} else {
				memset(a, 0, sizeof(a));
			}
			for (; n >= 2; n -= 2, p += 2) {
				const struct tee_ec_slot *s0 = &slot[p[0]];
				const struct tee_ec_slot *s1 = &slot[p[1]];

				for (v = 0; v < TEE_EC_NV; v++)
					a[v] ^= s0->v[v] ^ s1->v[v];
			}
			if (n) {
				for (v = 0; v < TEE_EC_NV; v++)
					a[v] ^= slot[*p].v[v];
				p++;
			}
			if (o) {
				for (v = 0; v < TEE_EC_NV; v++)
					o[v] = a[v];
			} else {
				for (v = 0; v < TEE_EC_NV; v++)
					slot[dst].v[v] = a[v];
			}
		}
	}
}
