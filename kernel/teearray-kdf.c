// SPDX-License-Identifier: GPL-2.0
/*
 * HMAC-SHA256, HKDF-SHA256 and key derivation; see teearray-kdf.h.
 */
#include "teearray-kdf.h"
#ifdef __KERNEL__
#include <crypto/algapi.h>
#endif

#ifdef __KERNEL__
struct crypto_shash *teearray_sha256_tfm;

void teearray_sha256_setup(void)
{
	struct crypto_shash *tfm = crypto_alloc_shash("sha256", 0, 0);

	if (IS_ERR(tfm))
		return;
	/* The state lives in struct teearray_sha256, on callers' stacks. */
	if (crypto_shash_descsize(tfm) > TEEARRAY_SHA256_DESC_MAX) {
		crypto_free_shash(tfm);
		return;
	}
	teearray_sha256_tfm = tfm;
}

void teearray_sha256_teardown(void)
{
	if (teearray_sha256_tfm)
		crypto_free_shash(teearray_sha256_tfm);
	teearray_sha256_tfm = NULL;
}
#endif

void teearray_wipe(void *p, size_t len)
{
#ifdef __KERNEL__
	memzero_explicit(p, len);
#else
	sodium_memzero(p, len);
#endif
}

void teearray_hmac_init(struct teearray_hmac *h, const u8 *key, size_t key_len)
{
	u8 block[TEEARRAY_SHA256_BLOCK] = { 0 };
	unsigned int i;

	if (key_len > TEEARRAY_SHA256_BLOCK) {
		teearray_sha256_init(&h->inner);
		teearray_sha256_update(&h->inner, key, key_len);
		teearray_sha256_final(&h->inner, block);
	} else {
		memcpy(block, key, key_len);
	}

	for (i = 0; i < sizeof(block); i++)
		block[i] ^= 0x36;
	teearray_sha256_init(&h->inner);
	teearray_sha256_update(&h->inner, block, sizeof(block));

	for (i = 0; i < sizeof(block); i++)
		block[i] ^= 0x36 ^ 0x5c;
	teearray_sha256_init(&h->outer);
	teearray_sha256_update(&h->outer, block, sizeof(block));
	teearray_wipe(block, sizeof(block));
}

void teearray_hmac_update(struct teearray_hmac *h, const u8 *data, size_t len)
{
	teearray_sha256_update(&h->inner, data, len);
}

void teearray_hmac_final(struct teearray_hmac *h, u8 out[TEEARRAY_SHA256_SIZE])
{
	u8 inner[TEEARRAY_SHA256_SIZE];

	teearray_sha256_final(&h->inner, inner);
	teearray_sha256_update(&h->outer, inner, sizeof(inner));
	teearray_sha256_final(&h->outer, out);
	teearray_wipe(inner, sizeof(inner));
	teearray_wipe(h, sizeof(*h));
}

void teearray_hmac(const u8 *key, size_t key_len, const u8 *data, size_t len,
		   u8 out[TEEARRAY_SHA256_SIZE])
{
	struct teearray_hmac h;

	teearray_hmac_init(&h, key, key_len);
	teearray_hmac_update(&h, data, len);
	teearray_hmac_final(&h, out);
}

void teearray_hmac_init_domain(struct teearray_hmac *h, const u8 *key,
			       size_t key_len, const char *domain,
			       const u8 uuid[16], u64 index)
{
	__le64 v = cpu_to_le64(index);

	teearray_hmac_init(h, key, key_len);
	teearray_hmac_update(h, (const u8 *)domain, strlen(domain));
	teearray_hmac_update(h, uuid, 16);
	teearray_hmac_update(h, (const u8 *)&v, sizeof(v));
}

void teearray_hkdf(const u8 *salt, size_t salt_len, const u8 *ikm,
		   size_t ikm_len, const u8 *info, size_t info_len, u8 *okm,
		   size_t okm_len)
{
	u8 prk[TEEARRAY_SHA256_SIZE], t[TEEARRAY_SHA256_SIZE];
	static const u8 zero_salt[TEEARRAY_SHA256_SIZE];
	struct teearray_hmac h;
	size_t done = 0, n;
	u8 counter = 0;

	if (!salt_len) {
		salt = zero_salt;
		salt_len = sizeof(zero_salt);
	}
	teearray_hmac(salt, salt_len, ikm, ikm_len, prk);

	while (done < okm_len) {
		teearray_hmac_init(&h, prk, sizeof(prk));
		if (counter)
			teearray_hmac_update(&h, t, sizeof(t));
		teearray_hmac_update(&h, info, info_len);
		counter++;
		teearray_hmac_update(&h, &counter, 1);
		teearray_hmac_final(&h, t);
		n = okm_len - done < sizeof(t) ? okm_len - done : sizeof(t);
		memcpy(okm + done, t, n);
		done += n;
	}
	teearray_wipe(prk, sizeof(prk));
	teearray_wipe(t, sizeof(t));
}

void teearray_derive_key(const u8 *array_key, size_t array_key_len,
			 const u8 array_uuid[16], const char *purpose, u64 epoch,
			 u8 out[TEEARRAY_DERIVED_KEY_SIZE])
{
	static const char prefix[] = "dm-teearray v1 ";
	u8 info[sizeof(prefix) + 32 + 8];
	size_t plen = strlen(purpose), len = 0;
	__le64 e = cpu_to_le64(epoch);

	/* Purposes are short compile-time names. */
	if (plen > 32)
		plen = 32;
	memcpy(info, prefix, sizeof(prefix) - 1);
	len = sizeof(prefix) - 1;
	memcpy(info + len, purpose, plen);
	len += plen;
	info[len++] = 0;
	memcpy(info + len, &e, sizeof(e));
	len += sizeof(e);
	teearray_hkdf(array_uuid, 16, array_key, array_key_len, info, len, out,
		      TEEARRAY_DERIVED_KEY_SIZE);
}

void teearray_epoch_key(const u8 *root, size_t root_len, const u8 array_uuid[16],
			u32 epoch, u8 out[TEEARRAY_EPOCH_KEY_SIZE])
{
	static const char label[] = "dm-teearray v1 epoch";
	u8 info[sizeof(label) + 8];	/* label, its NUL, le64 epoch */
	__le64 e = cpu_to_le64(epoch);

	memcpy(info, label, sizeof(label));
	memcpy(info + sizeof(label), &e, sizeof(e));
	teearray_hkdf(array_uuid, 16, root, root_len, info, sizeof(info), out,
		      TEEARRAY_EPOCH_KEY_SIZE);
}

/* Constant time: a MAC compare must not tell how many bytes matched. */
bool teearray_mac_equal(const u8 *a, const u8 *b, size_t len)
{
#ifdef __KERNEL__
	return !crypto_memneq(a, b, len);
#else
	return sodium_memcmp(a, b, len) == 0;
#endif
}
