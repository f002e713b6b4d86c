/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the erasure code: the XOR schedule ("program") that every
 * executor in tee-ec-simd-body.h runs.
 *
 * A program computes nout output sectors from nin input sectors.  Slots
 * 0..8*nin-1 hold the input planes (slot 8*k+c is plane c of input k) of
 * the current TEE_EC_CHUNK-byte column; higher slots hold temporaries.
 * code[] is a sequence of entries "dst, n, term[0..n-1]": the XOR of the
 * n slots is stored to temporary slot dst, or, if dst has TEE_EC_OUT set,
 * to plane (dst & 7) of output sector (dst & ~TEE_EC_OUT) >> 3 (XORed into
 * it in accumulate mode).  Entries are in dependency order.
 */
#ifndef TEE_EC_IMPL_H
#define TEE_EC_IMPL_H

#include "tee-ec.h"

#define TEE_EC_CHUNK	128
#define TEE_EC_OUT	0x8000u
#define TEE_EC_ALIGN	64

struct tee_ec_prog {
	u16 nin;
	u16 nout;
	u16 nslots;
	u32 ncode;
	u32 nxor;	/* XORs per column (statistics only) */
	u16 code[];
};

/* Straight-line encode kernels (tee-ec-enc-gen.h), one table per executor. */
#define TEE_EC_NKERNELS	34

struct tee_ec_kernel {
	u8 n, p;
	void (*enc)(const u8 *const *in, u8 *const *out);
};

/* For tools/tee-ec-gen.c: the run-time encode schedule of a code. */
const struct tee_ec_prog *tee_ec_encode_prog(const struct tee_ec *ec);
/* Encode schedule with @group output sectors per CSE pass, @cap temporaries. */
struct tee_ec_prog *tee_ec_gen_prog(const struct tee_ec *ec, unsigned int group,
				    unsigned int cap);
/* The same for data sectors first .. first + count - 1 only. */
struct tee_ec_prog *tee_ec_gen_prog_cols(const struct tee_ec *ec,
					 unsigned int first, unsigned int count,
					 unsigned int group, unsigned int cap);

#endif /* TEE_EC_IMPL_H */
