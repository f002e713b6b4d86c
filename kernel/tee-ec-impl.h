/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the erasure code: the XOR schedule ("program") that every
 * executor in tee-ec-simd-body.h runs.
 *
 * A program computes nout output sectors from nin input sectors.  Slots
 * 0..8*nin-1 are the input planes (slot 8*k+c is plane c of input k) at
 * the current column; higher slots hold temporaries.
 * code[] is a sequence of entries "dst, n, term[0..n-1]": the XOR of the
 * n slots is stored to temporary slot dst, or, if dst has TEE_EC_OUT set,
 * to plane (dst & 7) of output sector (dst & ~TEE_EC_OUT) >> 3 (XORed into
 * it in accumulate mode).  Entries are in dependency order.
 */
#ifndef TEE_EC_IMPL_H
#define TEE_EC_IMPL_H

#include "tee-ec.h"

#define TEE_EC_OUT	0x8000u
#define TEE_EC_ALIGN	64
/* temporaries per program (per CSE group; groups reuse them) */
#define TEE_EC_TEMP_CAP	256
/*
 * Executor work area: slot table, then one column of every temporary, or
 * for programs of more than TEE_EC_COPY_PLANES input planes one column of
 * at most TEE_EC_COPY_CHUNK bytes of every slot (a copy of the inputs).
 */
#define TEE_EC_TAB_BYTES	((8 * TEE_EC_MAX_SECTORS + TEE_EC_TEMP_CAP) * sizeof(void *))
#define TEE_EC_TEMP_BYTES	(32 * 1024)
#define TEE_EC_COPY_PLANES	128
#define TEE_EC_COPY_CHUNK	128
#define TEE_EC_COPY_BYTES(nin)	((8 * (size_t)(nin) + TEE_EC_TEMP_CAP) * TEE_EC_COPY_CHUNK)

/* Work of the run-time executor for programs of up to @nin inputs. */
static inline size_t tee_ec_exec_work(unsigned int nin)
{
	size_t area = TEE_EC_TEMP_BYTES;

	if (8 * nin > TEE_EC_COPY_PLANES && TEE_EC_COPY_BYTES(nin) > area)
		area = TEE_EC_COPY_BYTES(nin);
	return TEE_EC_TAB_BYTES + TEE_EC_ALIGN + area;
}

/* GFNI matrix executor: inputs per block; work: one block, the outputs */
#define TEE_EC_GFNI_IBLK	32
#define TEE_EC_GFNI_WORK(nout)	(TEE_EC_ALIGN + 512 * (TEE_EC_GFNI_IBLK + (size_t)(nout)))
/* one column of all slots of a program should stay in L1 or close */
#ifndef TEE_EC_L1_BUDGET
#define TEE_EC_L1_BUDGET	(128 * 1024)
#endif

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

/* For the unit tests: the 8x8 bit matrix of multiplication by @g for mul. */
u64 tee_ec_gf_affine(u8 g);

#endif /* TEE_EC_IMPL_H */
