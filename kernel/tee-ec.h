/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bitsliced (XOR-only) Cauchy Reed-Solomon erasure code over GF(2^8).
 *
 * A stripe is N data + P parity sectors of TEE_EC_SECTOR bytes, with
 * 1 <= P <= 128 and N + P <= 256.  Each sector is 8 bit-planes of
 * TEE_EC_PLANE bytes; multiplying by a field element is a fixed pattern of
 * plane XORs.  The exact code (field, matrix, layout) is specified in
 * Documentation/admin-guide/device-mapper/dm-teearray-erasure-code.rst.
 *
 * The algorithmic core (tee-ec.c, tee-ec-simd-body.h) uses only
 * teearray-compat.h, so it builds into the module and into userspace tests
 * and benchmarks.  Sector buffers need no particular alignment, but 64-byte
 * aligned buffers are faster.
 *
 * Every call that computes needs a work buffer of tee_ec_work_size() bytes
 * that no other thread uses at the same time; a struct tee_ec itself may be
 * shared by any number of threads.
 */
#ifndef TEE_EC_H
#define TEE_EC_H

#include "teearray-compat.h"

#define TEE_EC_SECTOR		4096
#define TEE_EC_PLANE		(TEE_EC_SECTOR / 8)
#define TEE_EC_MAX_SECTORS	256
#define TEE_EC_MAX_PARITY	128

struct tee_ec_prog;
struct tee_ec_kernel;

/*
 * One implementation of the schedule executor (portable C, AVX2, AVX-512,
 * AVX-512 with GFNI).
 */
struct tee_ec_impl {
	const char *name;
	bool simd;			/* needs the FPU/vector state */
	bool (*usable)(void);		/* CPU and OS support it */
	void (*run)(const struct tee_ec_prog *prog, const u8 *const *in,
		    u8 *const *out, bool accumulate, void *work);
	/*
	 * Optional: out[0..nout-1] = mat x in[0..nin-1], mat[] being nout rows
	 * of nin 8x8 bit matrices (tee-ec.c), for decode and wide shapes.
	 */
	void (*mul)(const u64 *mat, unsigned int nout, unsigned int nin,
		    const u8 *const *in, u8 *const *out, void *work);
	const struct tee_ec_kernel *kernels;	/* TEE_EC_NKERNELS of them */
};

extern const struct tee_ec_impl tee_ec_impl_generic;
#ifdef __x86_64__
extern const struct tee_ec_impl tee_ec_impl_avx2;
extern const struct tee_ec_impl tee_ec_impl_avx512;
extern const struct tee_ec_impl tee_ec_impl_gfni;
#endif

struct tee_ec;

/* Build the code for @n data + @p parity sectors; NULL on bad shape or OOM. */
struct tee_ec *tee_ec_alloc(unsigned int n, unsigned int p);
void tee_ec_free(struct tee_ec *ec);
size_t tee_ec_work_size(const struct tee_ec *ec);

/* GF(2^8) coefficient of data sector @j in parity sector @i. */
u8 tee_ec_coef(const struct tee_ec *ec, unsigned int i, unsigned int j);

/* parity[0..P-1] = code of data[0..N-1]. */
void tee_ec_encode(const struct tee_ec *ec, void *work,
		   const u8 *const *data, u8 *const *parity);

/*
 * sect[0..N-1] are data, sect[N..N+P-1] parity.  Every sector with
 * erased[i] != 0 is rebuilt in place from the others.  Returns -EINVAL if
 * more than P sectors are erased, -ENOMEM if a schedule cannot be built.
 */
int tee_ec_decode(struct tee_ec *ec, void *work, u8 *const *sect,
		  const u8 *erased);

/*
 * As tee_ec_decode(), but a schedule that has to be built is used once and
 * not cached: for one-off erasure patterns (the search for a lying member,
 * teearray-blame.c) that must not fill the cache the usual patterns need.
 */
int tee_ec_decode_once(struct tee_ec *ec, void *work, u8 *const *sect,
		       const u8 *erased);

/*
 * Partial-stripe write: delta[k] is old XOR new contents of data sector
 * idx[k] (k < nchg, idx distinct and < N).  XORs the matching change into
 * parity[0..P-1] in place, without the other data sectors.
 */
int tee_ec_update(struct tee_ec *ec, void *work, unsigned int nchg,
		  const u16 *idx, const u8 *const *delta, u8 *const *parity);

/* Executor selection (the default is the portable path). */
const struct tee_ec_impl *tee_ec_get_impl(void);
void tee_ec_set_impl(const struct tee_ec_impl *impl);
const struct tee_ec_impl *const *tee_ec_impls(unsigned int *count);

/*
 * Self-test every usable implementation (known answer and agreement with the
 * portable path), benchmark them for about @budget_ns each (a third each
 * encoding 8+3, decoding two data and one parity sector of 8+3, encoding
 * 9+3, a shape without a straight-line kernel) and make the one with the
 * best harmonic mean of the three rates the active one.  Returns 0
 * or -EIO if any self-test failed (the portable path stays active then) or
 * -ENOMEM.  @mbps gets the chosen
 * one's encode speed in MB/s of data for the N=8 P=3 shape.
 */
int tee_ec_select(u64 budget_ns, unsigned int *mbps);

/* 64-bit FNV-1a over a buffer, for known-answer checks. */
u64 tee_ec_fnv1a(u64 h, const void *buf, size_t len);

#ifdef __KERNEL__
int tee_ec_module_init(void);
#endif

#endif /* TEE_EC_H */
