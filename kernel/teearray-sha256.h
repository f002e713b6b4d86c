/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 for the pure code: the kernel's library implementation in the
 * module, libsodium's in userspace builds.  Same three calls either way.
 */
#ifndef TEEARRAY_SHA256_H
#define TEEARRAY_SHA256_H

#include "teearray-compat.h"

#define TEEARRAY_SHA256_SIZE	32
#define TEEARRAY_SHA256_BLOCK	64

#ifdef __KERNEL__
#include <crypto/sha2.h>

struct teearray_sha256 {
	struct sha256_state st;
};

static inline void teearray_sha256_init(struct teearray_sha256 *s)
{
	sha256_init(&s->st);
}

static inline void teearray_sha256_update(struct teearray_sha256 *s,
					  const u8 *data, size_t len)
{
	sha256_update(&s->st, data, len);
}

static inline void teearray_sha256_final(struct teearray_sha256 *s, u8 *out)
{
	sha256_final(&s->st, out);
}

#else
#include <sodium.h>

struct teearray_sha256 {
	crypto_hash_sha256_state st;
};

static inline void teearray_sha256_init(struct teearray_sha256 *s)
{
	crypto_hash_sha256_init(&s->st);
}

static inline void teearray_sha256_update(struct teearray_sha256 *s,
					  const u8 *data, size_t len)
{
	crypto_hash_sha256_update(&s->st, data, len);
}

static inline void teearray_sha256_final(struct teearray_sha256 *s, u8 *out)
{
	crypto_hash_sha256_final(&s->st, out);
}
#endif

#endif /* TEEARRAY_SHA256_H */
