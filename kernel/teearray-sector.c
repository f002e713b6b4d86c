// SPDX-License-Identifier: GPL-2.0
/*
 * Per-sector AEAD and metadata sectors; see teearray-sector.h.
 *
 * Encrypt-then-MAC with ChaCha20 and HMAC-SHA256: unlike Poly1305, HMAC
 * commits to the key, so a ciphertext cannot be made to verify under two
 * keys.  Every MAC input starts with a domain string so a MAC computed for
 * one structure never verifies as another.
 */
#include "teearray-sector.h"
#include "teearray-kdf.h"
#include "teearray-chacha20.h"

/* MAC inputs start with these 7 bytes, without the terminating NUL. */
static const char sect_domain[] = "TA-SECT";
static const char meta_domain[] = "TA-META";

void teearray_sector_keys_init(struct teearray_sector_keys *k,
			       const u8 *array_key, size_t array_key_len,
			       const u8 array_uuid[TEEARRAY_UUID_SIZE], u64 epoch)
{
	memcpy(k->array_uuid, array_uuid, TEEARRAY_UUID_SIZE);
	teearray_derive_key(array_key, array_key_len, array_uuid,
			    TEEARRAY_PURPOSE_SECTOR_CIPHER, epoch, k->cipher);
	teearray_derive_key(array_key, array_key_len, array_uuid,
			    TEEARRAY_PURPOSE_SECTOR_MAC, epoch, k->mac);
	teearray_derive_key(array_key, array_key_len, array_uuid,
			    TEEARRAY_PURPOSE_METADATA, 0, k->meta);
}

void teearray_iv_make(u8 iv[TEEARRAY_IV_SIZE], u32 epoch, u64 counter)
{
	__le32 e = cpu_to_le32(epoch);
	__le64 c = cpu_to_le64(counter);

	memcpy(iv, &e, sizeof(e));
	memcpy(iv + sizeof(e), &c, sizeof(c));
}

static void sector_mac(const struct teearray_sector_keys *k, u64 vsector,
		       const u8 iv[TEEARRAY_IV_SIZE], const u8 *ct,
		       u8 out[TEEARRAY_SHA256_SIZE])
{
	struct teearray_hmac h;

	teearray_hmac_init_domain(&h, k->mac, sizeof(k->mac), sect_domain,
				  k->array_uuid, vsector);
	teearray_hmac_update(&h, iv, TEEARRAY_IV_SIZE);
	teearray_hmac_update(&h, ct, TEEARRAY_SECTOR_SIZE);
	teearray_hmac_final(&h, out);
}

void teearray_sector_seal(const struct teearray_sector_keys *k, u64 vsector,
			  const u8 iv[TEEARRAY_IV_SIZE], const u8 *plain,
			  u8 *ct, struct teearray_entry *e)
{
	u8 mac[TEEARRAY_SHA256_SIZE];

	memcpy(e->iv, iv, TEEARRAY_IV_SIZE);
	teearray_chacha20(k->cipher, e->iv, ct, plain, TEEARRAY_SECTOR_SIZE);
	sector_mac(k, vsector, e->iv, ct, mac);
	memcpy(e->mac, mac, TEEARRAY_TAG_SIZE);
}

int teearray_sector_verify(const struct teearray_sector_keys *k, u64 vsector,
			   const struct teearray_entry *e, const u8 *ct)
{
	u8 mac[TEEARRAY_SHA256_SIZE];

	if (teearray_entry_unwritten(e))
		return teearray_all_zero(ct, TEEARRAY_SECTOR_SIZE) ? 0 : -EBADMSG;
	sector_mac(k, vsector, e->iv, ct, mac);
	return teearray_mac_equal(mac, e->mac, TEEARRAY_TAG_SIZE) ? 0 : -EBADMSG;
}

void teearray_sector_decrypt(const struct teearray_sector_keys *k,
			     const struct teearray_entry *e, const u8 *ct,
			     u8 *plain)
{
	if (teearray_entry_unwritten(e))
		memset(plain, 0, TEEARRAY_SECTOR_SIZE);
	else
		teearray_chacha20(k->cipher, e->iv, plain, ct, TEEARRAY_SECTOR_SIZE);
}

static void meta_tag(const struct teearray_sector_keys *k, u64 mv,
		     const struct teearray_meta_disk *m,
		     u8 out[TEEARRAY_SHA256_SIZE])
{
	struct teearray_hmac h;

	teearray_hmac_init_domain(&h, k->meta, sizeof(k->meta), meta_domain,
				  k->array_uuid, mv);
	teearray_hmac_update(&h, (const u8 *)m->entry, sizeof(m->entry));
	teearray_hmac_final(&h, out);
}

void teearray_meta_seal(const struct teearray_sector_keys *k, u64 mv,
			struct teearray_meta_disk *m)
{
	u8 tag[TEEARRAY_SHA256_SIZE];

	BUILD_BUG_ON(sizeof(struct teearray_entry) != 28);
	BUILD_BUG_ON(sizeof(struct teearray_meta_disk) != TEEARRAY_SECTOR_SIZE);
	meta_tag(k, mv, m, tag);
	memcpy(m->tag, tag, TEEARRAY_META_TAG_SIZE);
}

int teearray_meta_verify(const struct teearray_sector_keys *k, u64 mv,
			 const struct teearray_meta_disk *m)
{
	u8 tag[TEEARRAY_SHA256_SIZE];

	if (teearray_all_zero(m, sizeof(*m)))
		return 0;
	meta_tag(k, mv, m, tag);
	return teearray_mac_equal(tag, m->tag, TEEARRAY_META_TAG_SIZE) ? 0 : -EBADMSG;
}
