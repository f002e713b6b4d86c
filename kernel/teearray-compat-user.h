/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace half of teearray-compat.h: the kernel types and helpers the pure
 * code uses, for the unit tests, fuzzers and benchmarks.  Not kernel code
 * (checkpatch does not apply); include teearray-compat.h, never this file.
 */
#ifndef TEEARRAY_COMPAT_USER_H
#define TEEARRAY_COMPAT_USER_H

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
#define __packed __attribute__((packed))
#define fallthrough __attribute__((fallthrough))

#include <stdlib.h>
#include <pthread.h>
#include <time.h>

typedef unsigned int gfp_t;
#define GFP_KERNEL 0u
#define GFP_NOIO 0u
static inline void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return malloc(size ? size : 1);
}

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	return calloc(1, size ? size : 1);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	return calloc(n ? n : 1, size ? size : 1);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#define kvmalloc(size, gfp) kmalloc(size, gfp)
#define kvfree(p) kfree(p)

struct mutex {
	pthread_mutex_t m;
};

#define mutex_init(x) pthread_mutex_init(&(x)->m, NULL)
#define mutex_destroy(x) pthread_mutex_destroy(&(x)->m)
#define mutex_lock(x) pthread_mutex_lock(&(x)->m)
#define mutex_unlock(x) pthread_mutex_unlock(&(x)->m)

#define hweight8(x) ((unsigned int)__builtin_popcount((u8)(x)))
#define hweight32(x) ((unsigned int)__builtin_popcount((u32)(x)))
#define max(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
#define min(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define div64_u64(a, b) ((u64)(a) / (u64)(b))

/* Bitmaps (non-atomic forms only). */
#define BITS_PER_LONG (8 * (int)sizeof(long))
#define BITS_TO_LONGS(nr) (((nr) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}

static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline bool __test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	bool old = test_bit(nr, addr);

	__set_bit(nr, addr);
	return old;
}

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

static inline bool teearray_simd_begin(void)
{
	return true;
}

static inline void teearray_simd_end(void)
{
}

static inline bool teearray_cpu_avx2(void)
{
#ifdef __x86_64__
	return __builtin_cpu_supports("avx2");
#else
	return false;
#endif
}

static inline bool teearray_cpu_avx512(void)
{
#ifdef __x86_64__
	return __builtin_cpu_supports("avx512f") &&
	       __builtin_cpu_supports("avx512vl");
#else
	return false;
#endif
}

static inline u64 teearray_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec;
}

#endif /* TEEARRAY_COMPAT_USER_H */
