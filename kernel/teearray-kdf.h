/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HMAC-SHA256 and HKDF-SHA256 (RFC 2104, RFC 5869), and the derivation of
 * every dm-teearray key from the 64-byte array key.  Pure code, identical in
 * the module and in userspace, checked against the RFC test vectors.
 * Context: any; no locking, no allocation.
 */
#ifndef TEEARRAY_KDF_H
#define TEEARRAY_KDF_H

#include "teearray-sha256.h"

#define TEEARRAY_DERIVED_KEY_SIZE	32

struct teearray_hmac {
	struct teearray_sha256 inner;
	struct teearray_sha256 outer;
};

void teearray_hmac_init(struct teearray_hmac *h, const u8 *key, size_t key_len);
void teearray_hmac_update(struct teearray_hmac *h, const u8 *data, size_t len);
void teearray_hmac_final(struct teearray_hmac *h, u8 out[TEEARRAY_SHA256_SIZE]);
void teearray_hmac(const u8 *key, size_t key_len, const u8 *data, size_t len,
		   u8 out[TEEARRAY_SHA256_SIZE]);

/*
 * Start an HMAC over the prefix the on-member MACs share: a domain string
 * (without its NUL), the array UUID and a little-endian 64-bit index.
 */
void teearray_hmac_init_domain(struct teearray_hmac *h, const u8 *key,
			       size_t key_len, const char *domain,
			       const u8 uuid[16], u64 index);

/* HKDF-SHA256; okm_len must be at most 255 * 32. */
void teearray_hkdf(const u8 *salt, size_t salt_len, const u8 *ikm,
		   size_t ikm_len, const u8 *info, size_t info_len, u8 *okm,
		   size_t okm_len);

/* Purposes of derived keys; their names are part of the on-member format. */
#define TEEARRAY_PURPOSE_METADATA	"metadata"	/* superblock, death record */

/*
 * K = HKDF-SHA256(salt = array UUID, ikm = array key,
 *                 info = "dm-teearray v1 " || purpose || 0x00 || le64(epoch))
 */
void teearray_derive_key(const u8 *array_key, size_t array_key_len,
			 const u8 array_uuid[16], const char *purpose, u64 epoch,
			 u8 out[TEEARRAY_DERIVED_KEY_SIZE]);

/*
 * The key hierarchy.  The root key (64 bytes) stays with its key provider;
 * the kernel only ever holds epoch keys:
 *
 *   E(e) = HKDF-SHA256(salt = array UUID, ikm = root,
 *                      info = "dm-teearray v1 epoch" || 0x00 || le64(e)), 64 bytes
 *
 * and every key of epoch e is teearray_derive_key(E(e), uuid, purpose, e).
 * Wiping E(e) and its derived keys makes sectors written under e unreadable
 * to anyone who later obtains the kernel's keys (forward secrecy).
 */
#define TEEARRAY_EPOCH_KEY_SIZE		64
#define TEEARRAY_EPOCH_MAX		0xffffffffU	/* IVs carry le32 epochs */

void teearray_epoch_key(const u8 *root, size_t root_len, const u8 array_uuid[16],
			u32 epoch, u8 out[TEEARRAY_EPOCH_KEY_SIZE]);

/* Compare without data-dependent timing. */
bool teearray_mac_equal(const u8 *a, const u8 *b, size_t len);

/* Zeroisation the compiler cannot drop. */
void teearray_wipe(void *p, size_t len);

#endif /* TEEARRAY_KDF_H */
