// SPDX-License-Identifier: GPL-2.0
/*
 * AVX-512 executor for the erasure code; built with -mavx512f -mavx512vl
 * (see Kbuild), so a ^ b ^ c becomes one vpternlogq.
 */
#define TEE_EC_VBYTES	64
#define TEE_EC_NAME	avx512
#include "tee-ec-simd-body.h"

static bool tee_ec_avx512_usable(void)
{
	return teearray_cpu_avx512();
}

const struct tee_ec_impl tee_ec_impl_avx512 = {
	.name = "avx512",
	.simd = true,
	.usable = tee_ec_avx512_usable,
	.run = tee_ec_avx512_run,
	.kernels = tee_ec_avx512_kernels,
};

/*
 * GFNI matrix executor: out = mat x in over GF(2^8), for decode schedules
 * and shapes without a straight-line kernel.  Per 64-byte column of the
 * eight planes, every input sector is transposed into byte form (a byte
 * shuffle network puts the eight planes' bytes of one offset into a qword,
 * one vgf2p8affineqb with a constant transposes its 8x8 bits), multiplied
 * with one vgf2p8affineqb per coefficient (mat[] holds each coefficient's
 * 8x8 bit matrix, see tee-ec.c) and XOR, and the outputs are transposed
 * back.  The element order inside a column is a permutation that the
 * inverse transposition undoes, so the output bytes are exactly those of
 * the portable path.  Needs AVX-512BW (byte unpacks), AVX-512VBMI
 * (vpermt2b) and GFNI; instructions are written as inline asm.
 */
#define GF_IBLK	TEE_EC_GFNI_IBLK
/* prefetch distance in the input planes (cold 8+3 decode: +15%) */
#define GF_PF_DIST	128

static __always_inline tee_vec gf_aff(tee_vec x, tee_vec a)
{
	tee_vec r;

	asm("vgf2p8affineqb $0, %2, %1, %0" : "=v" (r) : "v" (x), "v" (a));
	return r;
}

/* x times the 8x8 bit matrix *m, broadcast from memory */
static __always_inline tee_vec gf_aff_bc(tee_vec x, const u64 *m)
{
	tee_vec r;

	asm("vgf2p8affineqb $0, %2%{1to8%}, %1, %0" : "=v" (r) : "v" (x), "m" (*m));
	return r;
}

static __always_inline tee_vec gf_vpunpcklbw(tee_vec a, tee_vec b)
{
	tee_vec r;

	asm("vpunpcklbw %2, %1, %0" : "=v" (r) : "v" (a), "v" (b));
	return r;
}

static __always_inline tee_vec gf_vpunpckhbw(tee_vec a, tee_vec b)
{
	tee_vec r;

	asm("vpunpckhbw %2, %1, %0" : "=v" (r) : "v" (a), "v" (b));
	return r;
}

static __always_inline tee_vec gf_vpunpcklwd(tee_vec a, tee_vec b)
{
	tee_vec r;

	asm("vpunpcklwd %2, %1, %0" : "=v" (r) : "v" (a), "v" (b));
	return r;
}

static __always_inline tee_vec gf_vpunpckhwd(tee_vec a, tee_vec b)
{
	tee_vec r;

	asm("vpunpckhwd %2, %1, %0" : "=v" (r) : "v" (a), "v" (b));
	return r;
}

static __always_inline tee_vec gf_vpunpckldq(tee_vec a, tee_vec b)
{
	tee_vec r;

	asm("vpunpckldq %2, %1, %0" : "=v" (r) : "v" (a), "v" (b));
	return r;
}

static __always_inline tee_vec gf_vpunpckhdq(tee_vec a, tee_vec b)
{
	tee_vec r;

	asm("vpunpckhdq %2, %1, %0" : "=v" (r) : "v" (a), "v" (b));
	return r;
}

/* bytes of a and b picked by idx (bit 6: from b) */
static __always_inline tee_vec gf_perm2(tee_vec a, tee_vec idx, tee_vec b)
{
	asm("vpermt2b %2, %1, %0" : "+v" (a) : "v" (idx), "v" (b));
	return a;
}

/*
 * Inverse of the unpacks of elements of s bytes: with lo = unpacklo(x, y)
 * and hi = unpackhi(x, y), x = perm2(lo, idx(s, 0), hi) and
 * y = perm2(lo, idx(s, 1), hi).  Byte t of x is element w = (t % 16) / s of
 * its 16-byte lane, which unpack put at element 2 w of lo (w < 8 / s) or
 * 2 (w - 8 / s) of hi; y's are the odd elements.
 */
static const union {
	u8 b[6][64];
	tee_vec v[6];
} gf_deint = { .b = {
	{ /* 1-byte elements, x */
		0, 2, 4, 6, 8, 10, 12, 14, 64, 66, 68, 70, 72, 74, 76, 78,
		16, 18, 20, 22, 24, 26, 28, 30, 80, 82, 84, 86, 88, 90, 92, 94,
		32, 34, 36, 38, 40, 42, 44, 46, 96, 98, 100, 102, 104, 106, 108, 110,
		48, 50, 52, 54, 56, 58, 60, 62, 112, 114, 116, 118, 120, 122, 124, 126,
	},
	{ /* 1-byte elements, y */
		1, 3, 5, 7, 9, 11, 13, 15, 65, 67, 69, 71, 73, 75, 77, 79,
		17, 19, 21, 23, 25, 27, 29, 31, 81, 83, 85, 87, 89, 91, 93, 95,
		33, 35, 37, 39, 41, 43, 45, 47, 97, 99, 101, 103, 105, 107, 109, 111,
		49, 51, 53, 55, 57, 59, 61, 63, 113, 115, 117, 119, 121, 123, 125, 127,
	},
	{ /* 2-byte elements, x */
		0, 1, 4, 5, 8, 9, 12, 13, 64, 65, 68, 69, 72, 73, 76, 77,
		16, 17, 20, 21, 24, 25, 28, 29, 80, 81, 84, 85, 88, 89, 92, 93,
		32, 33, 36, 37, 40, 41, 44, 45, 96, 97, 100, 101, 104, 105, 108, 109,
		48, 49, 52, 53, 56, 57, 60, 61, 112, 113, 116, 117, 120, 121, 124, 125,
	},
	{ /* 2-byte elements, y */
		2, 3, 6, 7, 10, 11, 14, 15, 66, 67, 70, 71, 74, 75, 78, 79,
		18, 19, 22, 23, 26, 27, 30, 31, 82, 83, 86, 87, 90, 91, 94, 95,
		34, 35, 38, 39, 42, 43, 46, 47, 98, 99, 102, 103, 106, 107, 110, 111,
		50, 51, 54, 55, 58, 59, 62, 63, 114, 115, 118, 119, 122, 123, 126, 127,
	},
	{ /* 4-byte elements, x */
		0, 1, 2, 3, 8, 9, 10, 11, 64, 65, 66, 67, 72, 73, 74, 75,
		16, 17, 18, 19, 24, 25, 26, 27, 80, 81, 82, 83, 88, 89, 90, 91,
		32, 33, 34, 35, 40, 41, 42, 43, 96, 97, 98, 99, 104, 105, 106, 107,
		48, 49, 50, 51, 56, 57, 58, 59, 112, 113, 114, 115, 120, 121, 122, 123,
	},
	{ /* 4-byte elements, y */
		4, 5, 6, 7, 12, 13, 14, 15, 68, 69, 70, 71, 76, 77, 78, 79,
		20, 21, 22, 23, 28, 29, 30, 31, 84, 85, 86, 87, 92, 93, 94, 95,
		36, 37, 38, 39, 44, 45, 46, 47, 100, 101, 102, 103, 108, 109, 110, 111,
		52, 53, 54, 55, 60, 61, 62, 63, 116, 117, 118, 119, 124, 125, 126, 127,
	},
} };

/*
 * The bit transposition of each qword, as the matrix operand with the data
 * as factor: byte j of the result, bit i, is bit 7 - j of byte 7 - i; it is
 * its own inverse.
 */
static const union {
	u64 q[8];
	tee_vec v;
} gf_tr = { .q = {
	0x0102040810204080ull, 0x0102040810204080ull, 0x0102040810204080ull,
	0x0102040810204080ull, 0x0102040810204080ull, 0x0102040810204080ull,
	0x0102040810204080ull, 0x0102040810204080ull,
} };

/* eight planes at p + off -> byte form e[0..7] */
static __always_inline void gf_fwd(const u8 *p, unsigned int off, tee_vec j,
				   tee_vec *e)
{
	tee_vec t0, t1, t2, t3, t4, t5, t6, t7, u0, u1, u2, u3, u4, u5, u6, u7;

	/* 8 N streams are more than the hardware prefetcher follows */
	if (off + GF_PF_DIST < TEE_EC_PLANE) {
		unsigned int c;

		for (c = 0; c < 8; c++)
			__builtin_prefetch(p + c * TEE_EC_PLANE + off + GF_PF_DIST);
	}
	t0 = gf_vpunpcklbw(L(p, 7), L(p, 6));
	t1 = gf_vpunpckhbw(L(p, 7), L(p, 6));
	t2 = gf_vpunpcklbw(L(p, 5), L(p, 4));
	t3 = gf_vpunpckhbw(L(p, 5), L(p, 4));
	t4 = gf_vpunpcklbw(L(p, 3), L(p, 2));
	t5 = gf_vpunpckhbw(L(p, 3), L(p, 2));
	t6 = gf_vpunpcklbw(L(p, 1), L(p, 0));
	t7 = gf_vpunpckhbw(L(p, 1), L(p, 0));
	u0 = gf_vpunpcklwd(t0, t2);
	u1 = gf_vpunpckhwd(t0, t2);
	u2 = gf_vpunpcklwd(t1, t3);
	u3 = gf_vpunpckhwd(t1, t3);
	u4 = gf_vpunpcklwd(t4, t6);
	u5 = gf_vpunpckhwd(t4, t6);
	u6 = gf_vpunpcklwd(t5, t7);
	u7 = gf_vpunpckhwd(t5, t7);
	/* qword byte k = plane 7 - k of one offset; then transpose its bits */
	e[0] = gf_aff(j, gf_vpunpckldq(u0, u4));
	e[1] = gf_aff(j, gf_vpunpckhdq(u0, u4));
	e[2] = gf_aff(j, gf_vpunpckldq(u1, u5));
	e[3] = gf_aff(j, gf_vpunpckhdq(u1, u5));
	e[4] = gf_aff(j, gf_vpunpckldq(u2, u6));
	e[5] = gf_aff(j, gf_vpunpckhdq(u2, u6));
	e[6] = gf_aff(j, gf_vpunpckldq(u3, u7));
	e[7] = gf_aff(j, gf_vpunpckhdq(u3, u7));
}

/* byte form e[0..7] -> eight planes at p + off */
static __always_inline void gf_bwd(u8 *p, unsigned int off, tee_vec j,
				   const tee_vec *e, const tee_vec *ix)
{
	tee_vec q0, q1, q2, q3, q4, q5, q6, q7, u0, u1, u2, u3, u4, u5, u6, u7;
	tee_vec t0, t1, t2, t3, t4, t5, t6, t7;

	q0 = gf_aff(j, e[0]);
	q1 = gf_aff(j, e[1]);
	q2 = gf_aff(j, e[2]);
	q3 = gf_aff(j, e[3]);
	q4 = gf_aff(j, e[4]);
	q5 = gf_aff(j, e[5]);
	q6 = gf_aff(j, e[6]);
	q7 = gf_aff(j, e[7]);
	u0 = gf_perm2(q0, ix[4], q1);
	u4 = gf_perm2(q0, ix[5], q1);
	u1 = gf_perm2(q2, ix[4], q3);
	u5 = gf_perm2(q2, ix[5], q3);
	u2 = gf_perm2(q4, ix[4], q5);
	u6 = gf_perm2(q4, ix[5], q5);
	u3 = gf_perm2(q6, ix[4], q7);
	u7 = gf_perm2(q6, ix[5], q7);
	t0 = gf_perm2(u0, ix[2], u1);
	t2 = gf_perm2(u0, ix[3], u1);
	t1 = gf_perm2(u2, ix[2], u3);
	t3 = gf_perm2(u2, ix[3], u3);
	t4 = gf_perm2(u4, ix[2], u5);
	t6 = gf_perm2(u4, ix[3], u5);
	t5 = gf_perm2(u6, ix[2], u7);
	t7 = gf_perm2(u6, ix[3], u7);
	S(p, 7, gf_perm2(t0, ix[0], t1));
	S(p, 6, gf_perm2(t0, ix[1], t1));
	S(p, 5, gf_perm2(t2, ix[0], t3));
	S(p, 4, gf_perm2(t2, ix[1], t3));
	S(p, 3, gf_perm2(t4, ix[0], t5));
	S(p, 2, gf_perm2(t4, ix[1], t5));
	S(p, 1, gf_perm2(t6, ix[0], t7));
	S(p, 0, gf_perm2(t6, ix[1], t7));
}

/*
 * eout[r][.] (+)= sum over k < kb of mat[r * nin + k] * ein[k][.], r < nr:
 * one accumulator register per output, one load per input vector.
 */
static __always_inline tee_vec gf_ld(const tee_vec *p, bool zero)
{
	tee_vec v;

	if (zero)
		memset(&v, 0, sizeof(v));
	else
		v = *p;
	return v;
}

static __always_inline void gf_mac(const u64 *mat, unsigned int nin,
				   const tee_vec *ein, tee_vec *eout,
				   unsigned int kb, bool first,
				   const unsigned int nr)
{
	const u64 *m0 = mat, *m1 = mat + nin, *m2 = mat + 2 * nin;
	const u64 *m3 = mat + 3 * nin, *m4 = mat + 4 * nin;
	const u64 *m5 = mat + 5 * nin, *m6 = mat + 6 * nin;
	const u64 *m7 = mat + 7 * nin;
	unsigned int c, k;

	for (c = 0; c < 8; c++) {
		tee_vec a0, a1, a2, a3, a4, a5, a6, a7;

		if (nr > 0)
			a0 = gf_ld(eout + c, first);
		if (nr > 1)
			a1 = gf_ld(eout + 8 + c, first);
		if (nr > 2)
			a2 = gf_ld(eout + 16 + c, first);
		if (nr > 3)
			a3 = gf_ld(eout + 24 + c, first);
		if (nr > 4)
			a4 = gf_ld(eout + 32 + c, first);
		if (nr > 5)
			a5 = gf_ld(eout + 40 + c, first);
		if (nr > 6)
			a6 = gf_ld(eout + 48 + c, first);
		if (nr > 7)
			a7 = gf_ld(eout + 56 + c, first);
		for (k = 0; k < kb; k++) {
			tee_vec e = ein[k * 8 + c];

			if (nr > 0)
				a0 ^= gf_aff_bc(e, m0 + k);
			if (nr > 1)
				a1 ^= gf_aff_bc(e, m1 + k);
			if (nr > 2)
				a2 ^= gf_aff_bc(e, m2 + k);
			if (nr > 3)
				a3 ^= gf_aff_bc(e, m3 + k);
			if (nr > 4)
				a4 ^= gf_aff_bc(e, m4 + k);
			if (nr > 5)
				a5 ^= gf_aff_bc(e, m5 + k);
			if (nr > 6)
				a6 ^= gf_aff_bc(e, m6 + k);
			if (nr > 7)
				a7 ^= gf_aff_bc(e, m7 + k);
		}
		if (nr > 0)
			eout[c] = a0;
		if (nr > 1)
			eout[8 + c] = a1;
		if (nr > 2)
			eout[16 + c] = a2;
		if (nr > 3)
			eout[24 + c] = a3;
		if (nr > 4)
			eout[32 + c] = a4;
		if (nr > 5)
			eout[40 + c] = a5;
		if (nr > 6)
			eout[48 + c] = a6;
		if (nr > 7)
			eout[56 + c] = a7;
	}
}

static void tee_ec_gfni_mul(const u64 *mat, unsigned int nout, unsigned int nin,
			    const u8 *const *in, u8 *const *out, void *work)
{
	tee_vec *ein = (tee_vec *)(((unsigned long)work + TEE_EC_ALIGN - 1) &
				   ~(unsigned long)(TEE_EC_ALIGN - 1));
	tee_vec *eout = ein + 8 * GF_IBLK;
	const tee_vec *ix = gf_deint.v;
	tee_vec j = gf_tr.v;
	unsigned int off, ib, k, o;

	for (off = 0; off < TEE_EC_PLANE; off += TEE_EC_VBYTES) {
		for (ib = 0; ib < nin; ib += GF_IBLK) {
			unsigned int kb = min(nin - ib, (unsigned int)GF_IBLK);

			for (k = 0; k < kb; k++)
				gf_fwd(in[ib + k], off, j, ein + 8 * k);
			for (o = 0; o < nout; o += 8) {
				const u64 *m = mat + (size_t)o * nin + ib;
				tee_vec *eo = eout + 8 * o;
				bool first = !ib;

				switch (min(nout - o, 8u)) {
				case 1:
					gf_mac(m, nin, ein, eo, kb, first, 1);
					break;
				case 2:
					gf_mac(m, nin, ein, eo, kb, first, 2);
					break;
				case 3:
					gf_mac(m, nin, ein, eo, kb, first, 3);
					break;
				case 4:
					gf_mac(m, nin, ein, eo, kb, first, 4);
					break;
				case 5:
					gf_mac(m, nin, ein, eo, kb, first, 5);
					break;
				case 6:
					gf_mac(m, nin, ein, eo, kb, first, 6);
					break;
				case 7:
					gf_mac(m, nin, ein, eo, kb, first, 7);
					break;
				default:
					gf_mac(m, nin, ein, eo, kb, first, 8);
					break;
				}
			}
		}
		for (o = 0; o < nout; o++)
			gf_bwd(out[o], off, j, eout + 8 * o, ix);
	}
}

static bool tee_ec_gfni_usable(void)
{
#ifdef __KERNEL__
	return teearray_cpu_avx512() && boot_cpu_has(X86_FEATURE_AVX512BW) &&
	       boot_cpu_has(X86_FEATURE_AVX512VBMI) &&
	       boot_cpu_has(X86_FEATURE_GFNI);
#else
	return teearray_cpu_avx512() && __builtin_cpu_supports("avx512bw") &&
	       __builtin_cpu_supports("avx512vbmi") &&
	       __builtin_cpu_supports("gfni");
#endif
}

const struct tee_ec_impl tee_ec_impl_gfni = {
	.name = "avx512-gfni",
	.simd = true,
	.usable = tee_ec_gfni_usable,
	.run = tee_ec_avx512_run,
	.mul = tee_ec_gfni_mul,
	.kernels = tee_ec_avx512_kernels,
};
