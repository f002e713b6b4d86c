// SPDX-License-Identifier: GPL-2.0
/*
 * Journal atomicity records; see teearray-jrec.h.  Records come from
 * members and are hostile until their MAC verifies; after that every field
 * is still range-checked so an authentic record can never make replay
 * write outside the data, metadata or log areas.
 */
#include "teearray-jrec.h"
#include "teearray-kdf.h"

/* MAC inputs start with these 7 bytes, without the terminating NUL. */
static const char jrec_domain[] = "TA-JREC";
static const char jpay_domain[] = "TA-JPAY";

void teearray_jpay_mac(const u8 mac_key[TEEARRAY_MAC_SIZE],
		       const u8 array_uuid[TEEARRAY_UUID_SIZE], u64 version,
		       u32 index, const u8 *payload,
		       u8 out[TEEARRAY_JPAY_MAC_SIZE])
{
	struct teearray_hmac h;
	__le32 i = cpu_to_le32(index);
	u8 mac[TEEARRAY_SHA256_SIZE];

	teearray_hmac_init_domain(&h, mac_key, TEEARRAY_MAC_SIZE, jpay_domain,
				  array_uuid, version);
	teearray_hmac_update(&h, (const u8 *)&i, sizeof(i));
	teearray_hmac_update(&h, payload, TEEARRAY_SECTOR_SIZE);
	teearray_hmac_final(&h, mac);
	memcpy(out, mac, TEEARRAY_JPAY_MAC_SIZE);
}

static void jrec_mac(const struct teearray_jrec_disk *d,
		     const u8 mac_key[TEEARRAY_MAC_SIZE],
		     u8 out[TEEARRAY_MAC_SIZE])
{
	struct teearray_hmac h;

	teearray_hmac_init(&h, mac_key, TEEARRAY_MAC_SIZE);
	teearray_hmac_update(&h, (const u8 *)jrec_domain, sizeof(jrec_domain) - 1);
	teearray_hmac_update(&h, (const u8 *)d, offsetof(struct teearray_jrec_disk, mac));
	teearray_hmac_final(&h, out);
}

void teearray_jrec_build(struct teearray_jrec_disk *d,
			 const struct teearray_jrec *rec,
			 const u8 array_uuid[TEEARRAY_UUID_SIZE],
			 const u8 mac_key[TEEARRAY_MAC_SIZE])
{
	u32 i;

	BUILD_BUG_ON(sizeof(struct teearray_jdesc_disk) != 32);
	BUILD_BUG_ON(sizeof(struct teearray_jrec_disk) != TEEARRAY_SECTOR_SIZE);
	memset(d, 0, sizeof(*d));
	d->magic = cpu_to_le64(TEEARRAY_JREC_MAGIC);
	d->version = cpu_to_le64(rec->version);
	memcpy(d->array_uuid, array_uuid, TEEARRAY_UUID_SIZE);
	d->generation = cpu_to_le64(rec->generation);
	d->nr = cpu_to_le32(rec->nr);
	for (i = 0; i < rec->nr && i < TEEARRAY_JREC_MAX_DESC; i++) {
		d->desc[i].slot = cpu_to_le32(rec->desc[i].slot);
		d->desc[i].sector = cpu_to_le64(rec->desc[i].sector);
		memcpy(d->desc[i].mac, rec->desc[i].mac, TEEARRAY_JPAY_MAC_SIZE);
	}
	jrec_mac(d, mac_key, d->mac);
}

/* Home sectors replay may write: the erasure-coded areas, nothing else. */
static bool home_sector_valid(const struct teearray_geometry *g, u64 sector)
{
	return sector >= g->meta_start &&
	       sector < g->data_start + g->data_sectors;
}

int teearray_jrec_parse(const struct teearray_jrec_disk *d,
			struct teearray_jrec *rec,
			const u8 array_uuid[TEEARRAY_UUID_SIZE],
			const u8 mac_key[TEEARRAY_MAC_SIZE],
			const struct teearray_geometry *g, char **error)
{
	u32 m = g->data_members + g->parity_members;
	u8 mac[TEEARRAY_MAC_SIZE];
	u32 i;

	memset(rec, 0, sizeof(*rec));
	if (teearray_all_zero(d, sizeof(*d))) {
		*error = "no journal record";
		return -ENODATA;
	}
	if (le64_to_cpu(d->magic) != TEEARRAY_JREC_MAGIC)
		return teearray_reject(error, "not a dm-teearray journal record");
	jrec_mac(d, mac_key, mac);
	if (!teearray_mac_equal(mac, d->mac, sizeof(mac))) {
		*error = "journal record MAC does not verify";
		return -EBADMSG;
	}
	if (memcmp(d->array_uuid, array_uuid, TEEARRAY_UUID_SIZE))
		return teearray_reject(error, "journal record of another array");
	if (d->flags || !teearray_all_zero(d->reserved, sizeof(d->reserved)))
		return teearray_reject(error, "unknown journal record flags or reserved bytes set");
	rec->version = le64_to_cpu(d->version);
	rec->generation = le64_to_cpu(d->generation);
	rec->nr = le32_to_cpu(d->nr);
	if (!rec->version)
		return teearray_reject(error, "journal record version 0");
	if (rec->nr > teearray_journal_capacity(g->journal_sectors))
		return teearray_reject(error,
				       "journal record names more sectors than an entry holds");
	for (i = 0; i < TEEARRAY_JREC_MAX_DESC; i++) {
		const struct teearray_jdesc_disk *dd = &d->desc[i];

		if (i >= rec->nr) {
			if (!teearray_all_zero(dd, sizeof(*dd)))
				return teearray_reject(error,
						       "journal record: bytes after the descriptors");
			continue;
		}
		rec->desc[i].slot = le32_to_cpu(dd->slot);
		rec->desc[i].sector = le64_to_cpu(dd->sector);
		memcpy(rec->desc[i].mac, dd->mac, TEEARRAY_JPAY_MAC_SIZE);
		if (dd->reserved || rec->desc[i].slot >= m ||
		    !home_sector_valid(g, rec->desc[i].sector))
			return teearray_reject(error, "journal descriptor out of range");
	}
	return 0;
}
