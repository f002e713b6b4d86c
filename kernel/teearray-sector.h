/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-sector AEAD and the IV+MAC metadata sectors.
 *
 * A virtual sector is stored as ChaCha20 ciphertext; its 28-byte entry
 * (IV, then HMAC-SHA256 truncated to 16 bytes over array UUID, virtual
 * sector, IV and ciphertext) lives in a metadata sector of 146 entries and
 * an 8-byte tag.  An all-zero entry means "never written".
 *
 * Pure code: builds in the module and in userspace; no locking, no
 * allocation.  Functions are safe in any context that may use ChaCha20
 * (process context in the module).
 */
#ifndef TEEARRAY_SECTOR_H
#define TEEARRAY_SECTOR_H

#include "teearray-compat.h"
#include "teearray-table.h"
#include "teearray-format.h"

#define TEEARRAY_IV_SIZE	12
#define TEEARRAY_TAG_SIZE	16	/* truncated sector MAC */
#define TEEARRAY_META_TAG_SIZE	8	/* truncated metadata-sector MAC */
#define TEEARRAY_SEQ_MAX	0xffffffffULL	/* writes per activation */

#define TEEARRAY_PURPOSE_SECTOR_CIPHER	"sector-cipher"
#define TEEARRAY_PURPOSE_SECTOR_MAC	"sector-mac"

struct teearray_entry {
	u8 iv[TEEARRAY_IV_SIZE];	/* le32 key epoch, le64 counter */
	u8 mac[TEEARRAY_TAG_SIZE];
} __packed;

struct teearray_meta_disk {
	struct teearray_entry entry[TEEARRAY_META_PER_SECTOR];
	u8 tag[TEEARRAY_META_TAG_SIZE];
} __packed;

/* Keys of one array; derived from the array key, wiped by the owner. */
struct teearray_sector_keys {
	u8 array_uuid[TEEARRAY_UUID_SIZE];
	u8 cipher[32];		/* "sector-cipher" */
	u8 mac[32];		/* "sector-mac" */
	u8 meta[32];		/* "metadata": metadata-sector tags */
};

/* Derive the three keys from the array key; epoch as in teearray_derive_key. */
void teearray_sector_keys_init(struct teearray_sector_keys *k,
			       const u8 *array_key, size_t array_key_len,
			       const u8 array_uuid[TEEARRAY_UUID_SIZE], u64 epoch);

/*
 * IV = le32 key epoch || le64 counter, where the caller makes the counter
 * unique per key: (fencing generation << 32) | write sequence.
 */
void teearray_iv_make(u8 iv[TEEARRAY_IV_SIZE], u32 epoch, u64 counter);

static inline bool teearray_entry_unwritten(const struct teearray_entry *e)
{
	static const struct teearray_entry zero;

	return !memcmp(e, &zero, sizeof(zero));
}

/* The key epoch a written entry was sealed under. */
static inline u32 teearray_entry_epoch(const struct teearray_entry *e)
{
	__le32 v;

	memcpy(&v, e->iv, sizeof(v));
	return le32_to_cpu(v);
}

/* Encrypt plain into ct (may alias) and fill the entry. */
void teearray_sector_seal(const struct teearray_sector_keys *k, u64 vsector,
			  const u8 iv[TEEARRAY_IV_SIZE], const u8 *plain,
			  u8 *ct, struct teearray_entry *e);

/*
 * Check ct against the entry.  Returns 0 when it verifies (or the entry is
 * unwritten and ct is all zero), -EBADMSG otherwise.
 */
int teearray_sector_verify(const struct teearray_sector_keys *k, u64 vsector,
			   const struct teearray_entry *e, const u8 *ct);

/* Decrypt a verified ct into plain (may alias); zeroes for unwritten. */
void teearray_sector_decrypt(const struct teearray_sector_keys *k,
			     const struct teearray_entry *e, const u8 *ct,
			     u8 *plain);

/* Recompute the tag of metadata sector mv after changing its entries. */
void teearray_meta_seal(const struct teearray_sector_keys *k, u64 mv,
			struct teearray_meta_disk *m);

/* 0 when the tag verifies or the whole sector is zero, else -EBADMSG. */
int teearray_meta_verify(const struct teearray_sector_keys *k, u64 mv,
			 const struct teearray_meta_disk *m);

/*
 * Module load (teearray-selftest.c): RFC 8439 ChaCha20 vectors through
 * teearray_sector_seal() and teearray_sector_decrypt().  0, or -EIO (the
 * module must not load) or -ENOMEM, logged.  Kernel only.
 */
int teearray_sector_selftest(void);

/* Where the entry of virtual sector v lives. */
static inline u64 teearray_meta_sector_of(u64 v, u32 *index)
{
	*index = (u32)(v % TEEARRAY_META_PER_SECTOR);
	return v / TEEARRAY_META_PER_SECTOR;
}

#endif /* TEEARRAY_SECTOR_H */
