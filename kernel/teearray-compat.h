/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compatibility shim for the pure parts of dm-teearray.
 *
 * Layout arithmetic, the erasure code, on-member formats and the table parser
 * are written against the small set of kernel types and helpers below, so the
 * same source builds into the module and into userspace tests, fuzzers and
 * benchmarks (the way lib/raid6 has a userspace test build).  Nothing in a
 * file that includes only this header may call a kernel-only function.
 */
#ifndef TEEARRAY_COMPAT_H
#define TEEARRAY_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <linux/build_bug.h>
#include <asm/byteorder.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/bitops.h>
#include <linux/minmax.h>
#ifdef CONFIG_X86
#include <asm/cpufeature.h>
#include <asm/fpu/api.h>
#include <asm/simd.h>
#endif

/* Vector registers may be used only between these two (false: not now). */
static inline bool teearray_simd_begin(void)
{
#ifdef CONFIG_X86
	if (!may_use_simd())
		return false;
	kernel_fpu_begin();
	return true;
#else
	return false;
#endif
}

static inline void teearray_simd_end(void)
{
#ifdef CONFIG_X86
	kernel_fpu_end();
#endif
}

static inline bool teearray_cpu_avx2(void)
{
#ifdef CONFIG_X86
	return boot_cpu_has(X86_FEATURE_AVX) && boot_cpu_has(X86_FEATURE_AVX2) &&
	       cpu_has_xfeatures(XFEATURE_MASK_SSE | XFEATURE_MASK_YMM, NULL);
#else
	return false;
#endif
}

static inline bool teearray_cpu_avx512(void)
{
#ifdef CONFIG_X86
	return boot_cpu_has(X86_FEATURE_AVX512F) &&
	       boot_cpu_has(X86_FEATURE_AVX512VL) &&
	       cpu_has_xfeatures(XFEATURE_MASK_SSE | XFEATURE_MASK_YMM |
				 XFEATURE_MASK_AVX512, NULL);
#else
	return false;
#endif
}

static inline u64 teearray_now_ns(void)
{
	return ktime_get_ns();
}

#else /* userspace */
#include "teearray-compat-user.h"
#endif /* __KERNEL__ */

#endif /* TEEARRAY_COMPAT_H */
