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

#endif /* TEE_EC_IMPL_H */
