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

#else /* userspace */

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <stdio.h>
#include <errno.h>
#include <endian.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint64_t __le64;

#define cpu_to_le16(x) htole16(x)
#define cpu_to_le32(x) htole32(x)
#define cpu_to_le64(x) htole64(x)
#define le16_to_cpu(x) le16toh(x)
#define le32_to_cpu(x) le32toh(x)
#define le64_to_cpu(x) le64toh(x)

#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __maybe_unused __attribute__((unused))
#define fallthrough __attribute__((fallthrough))

#endif /* __KERNEL__ */

#endif /* TEEARRAY_COMPAT_H */
