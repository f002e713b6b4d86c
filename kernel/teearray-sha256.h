/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SHA-256 for the pure code: the kernel crypto API's in the module,
 * libsodium's in userspace builds.  Same three calls either way.
 */
#ifndef TEEARRAY_SHA256_H
#define TEEARRAY_SHA256_H

#include "teearray-compat.h"

#define TEEARRAY_SHA256_SIZE	32
#define TEEARRAY_SHA256_BLOCK	64

#ifdef __KERNEL__
#include <crypto/hash.h>
#include <crypto/sha2.h>

/*
 * The crypto API's "sha256" (SHA-NI or AVX2 code where the CPU has them),
 * taken at module load by teearray_sha256_setup(); the library's generic
 * code when it is not available.  Every sector MAC and metadata tag goes
 * through here.
 */
#define TEEARRAY_SHA256_DESC_MAX	128	/* largest descsize we take */
extern struct crypto_shash *teearray_sha256_tfm;

struct teearray_sha256 {
	bool api;
	union {
		struct sha256_state st;
		u8 desc[sizeof(struct shash_desc) + TEEARRAY_SHA256_DESC_MAX]
			__aligned(CRYPTO_MINALIGN);
	};
};

static inline struct shash_desc *teearray_sha256_desc(struct teearray_sha256 *s)
{
	return (struct shash_desc *)s->desc;
}

static inline void teearray_sha256_init(struct teearray_sha256 *s)
{
	s->api = teearray_sha256_tfm;
	if (s->api) {
		teearray_sha256_desc(s)->tfm = teearray_sha256_tfm;
		crypto_shash_init(teearray_sha256_desc(s));
	} else {
		sha256_init(&s->st);
	}
}

static inline void teearray_sha256_update(struct teearray_sha256 *s,
					  const u8 *data, size_t len)
{
	if (s->api)
		crypto_shash_update(teearray_sha256_desc(s), data, len);
	else
		sha256_update(&s->st, data, len);
}

static inline void teearray_sha256_final(struct teearray_sha256 *s, u8 *out)
{
	if (s->api)
		crypto_shash_final(teearray_sha256_desc(s), out);
	else
		sha256_final(&s->st, out);
}

/*
 * Module load and unload.  Without the crypto API's sha256 (or with one
 * whose state is too large) the library's code is used.
 */
void teearray_sha256_setup(void);
void teearray_sha256_teardown(void);

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
