// SPDX-License-Identifier: GPL-2.0
/*
 * Journal atomicity records; see teearray-jrec.h.  Records come from
 * members and are hostile until their MAC verifies; after that every field
 * is still range-checked so an authentic record can never make replay
 * write outside the data, metadata or log areas, nor ask for more pages
 * than an entry has.
 */
#include "teearray-jrec.h"
#include "teearray-kdf.h"

/* MAC inputs start with these 7 bytes, without the terminating NUL. */
static const char jrec_domain[] = "TA-JREC";
static const char jpay_domain[] = "TA-JPAY";

void teearray_jpay_mac(const u8 mac_key[TEEARRAY_MAC_SIZE],
		       const u8 array_uuid[TEEARRAY_UUID_SIZE], u64 version,
		       u32 slot, u64 sector, const u8 *payload,
		       u8 out[TEEARRAY_JPAY_MAC_SIZE])
{
	struct teearray_hmac h;
	__le32 s = cpu_to_le32(slot);
	__le64 ms = cpu_to_le64(sector);
	u8 mac[TEEARRAY_SHA256_SIZE];

	teearray_hmac_init_domain(&h, mac_key, TEEARRAY_MAC_SIZE, jpay_domain,
				  array_uuid, version);
	teearray_hmac_update(&h, (const u8 *)&s, sizeof(s));
	teearray_hmac_update(&h, (const u8 *)&ms, sizeof(ms));
	teearray_hmac_update(&h, payload, TEEARRAY_SECTOR_SIZE);
	teearray_hmac_final(&h, mac);
	memcpy(out, mac, TEEARRAY_JPAY_MAC_SIZE);
}

u32 teearray_jrec_count_own(const struct teearray_jrec *rec,
			    const struct teearray_geometry *g, u32 slot)
{
	u32 s, own = 0;

	for (s = 0; s < rec->nstripes; s++)
		own += test_bit(teearray_column_of(g, rec->st[s].ms, slot), rec->st[s].cols);
	return own;
}

u32 teearray_jrec_count_all(const struct teearray_jrec *rec)
{
	u32 s, c, all = 0;

	for (s = 0; s < rec->nstripes; s++)
		for (c = 0; c < TEEARRAY_MAX_MEMBERS; c++)
			all += test_bit(c, rec->st[s].cols);
	return all;
}

bool teearray_jrec_same_entry(const struct teearray_jrec *a,
			      const struct teearray_jrec *b)
{
	u32 s;

	if (a->version != b->version || a->generation != b->generation ||
	    a->nstripes != b->nstripes)
		return false;
	for (s = 0; s < a->nstripes; s++)
		if (a->st[s].ms != b->st[s].ms ||
		    memcmp(a->st[s].cols, b->st[s].cols, sizeof(a->st[s].cols)))
			return false;
	return true;
}

/* The record MAC covers the len - 32 bytes before it. */
static void jrec_mac(const u8 *d, u32 len, const u8 mac_key[TEEARRAY_MAC_SIZE],
		     u8 out[TEEARRAY_MAC_SIZE])
{
	struct teearray_hmac h;

	teearray_hmac_init(&h, mac_key, TEEARRAY_MAC_SIZE);
	teearray_hmac_update(&h, (const u8 *)jrec_domain, sizeof(jrec_domain) - 1);
	teearray_hmac_update(&h, d, len - TEEARRAY_MAC_SIZE);
	teearray_hmac_final(&h, out);
}

u32 teearray_jrec_build(u8 d[TEEARRAY_SECTOR_SIZE],
			const struct teearray_jrec *rec,
			const struct teearray_geometry *g,
			const u8 array_uuid[TEEARRAY_UUID_SIZE],
			const u8 mac_key[TEEARRAY_MAC_SIZE])
{
	struct teearray_jrec_hdr_disk *h = (struct teearray_jrec_hdr_disk *)d;
	u32 m = g->data_members + g->parity_members, bm = teearray_jrec_stripe_size(g) - 8;
	u32 ns = min(rec->nstripes, teearray_jrec_max_stripes(g)), no = min(rec->nown, ns);
	u32 s, c, i, off = TEEARRAY_JREC_HDR_SIZE;

	BUILD_BUG_ON(sizeof(struct teearray_jrec_hdr_disk) != TEEARRAY_JREC_HDR_SIZE);
	memset(d, 0, TEEARRAY_SECTOR_SIZE);
	h->magic = cpu_to_le64(TEEARRAY_JREC_MAGIC);
	h->version = cpu_to_le64(rec->version);
	memcpy(h->array_uuid, array_uuid, TEEARRAY_UUID_SIZE);
	h->generation = cpu_to_le64(rec->generation);
	h->slot = cpu_to_le32(rec->slot);
	h->nstripes = cpu_to_le16((u16)ns);
	h->nown = cpu_to_le16((u16)no);
	for (s = 0; s < ns; s++) {
		__le64 ms = cpu_to_le64(rec->st[s].ms);

		memcpy(d + off, &ms, sizeof(ms));
		for (c = 0; c < m; c++)
			if (test_bit(c, rec->st[s].cols))
				d[off + 8 + c / 8] |= (u8)(1u << (c % 8));
		off += 8 + bm;
	}
	for (i = 0; i < no; i++) {
		memcpy(d + off, rec->mac[i], TEEARRAY_JPAY_MAC_SIZE);
		off += TEEARRAY_JPAY_MAC_SIZE;
	}
	jrec_mac(d, off + TEEARRAY_MAC_SIZE, mac_key, d + off);
	return off + TEEARRAY_MAC_SIZE;
}

/* Home sectors replay may write: the erasure-coded areas, nothing else. */
static bool home_sector_valid(const struct teearray_geometry *g, u64 sector)
{
	return sector >= g->meta_start &&
	       sector < g->data_start + g->data_sectors;
}

/* Read the summary; the bitmap may only name columns 0 .. M-1. */
static int jrec_parse_summary(const u8 *d, struct teearray_jrec *rec,
			      const struct teearray_geometry *g, char **error)
{
	u32 m = g->data_members + g->parity_members, bm = teearray_jrec_stripe_size(g) - 8;
	u32 s, t, c, off = TEEARRAY_JREC_HDR_SIZE;

	for (s = 0; s < rec->nstripes; s++, off += 8 + bm) {
		struct teearray_jrec_stripe *st = &rec->st[s];
		__le64 ms;
		bool any = false;

		memcpy(&ms, d + off, sizeof(ms));
		st->ms = le64_to_cpu(ms);
		if (!home_sector_valid(g, st->ms))
			return teearray_reject(error, "journal record: stripe out of range");
		for (t = 0; t < s; t++)
			if (rec->st[t].ms == st->ms)
				return teearray_reject(error, "journal record: stripe twice");
		for (c = 0; c < 8 * bm; c++) {
			if (!(d[off + 8 + c / 8] & (1u << (c % 8))))
				continue;
			if (c >= m)
				return teearray_reject(error,
						       "journal record: column out of range");
			__set_bit(c, st->cols);
			any = true;
		}
		if (!any)
			return teearray_reject(error, "journal record: stripe without columns");
	}
	return 0;
}

int teearray_jrec_parse(const u8 d[TEEARRAY_SECTOR_SIZE],
			struct teearray_jrec *rec,
			const u8 array_uuid[TEEARRAY_UUID_SIZE],
			const u8 mac_key[TEEARRAY_MAC_SIZE],
			const struct teearray_geometry *g, u32 slot,
			u32 capacity, char **error)
{
	const struct teearray_jrec_hdr_disk *h = (const struct teearray_jrec_hdr_disk *)d;
	u32 off, i, len;
	u8 mac[TEEARRAY_MAC_SIZE];
	int r;

	memset(rec, 0, sizeof(*rec));
	if (teearray_all_zero(d, TEEARRAY_SECTOR_SIZE)) {
		*error = "no journal record";
		return -ENODATA;
	}
	if (le64_to_cpu(h->magic) != TEEARRAY_JREC_MAGIC)
		return teearray_reject(error, "not a dm-teearray format 4 journal record");
	/* The sizes locate the MAC: bound them before anything is read. */
	rec->nstripes = le16_to_cpu(h->nstripes);
	rec->nown = le16_to_cpu(h->nown);
	if (rec->nstripes > teearray_jrec_max_stripes(g))
		return teearray_reject(error,
				       "journal record names more stripes than an entry holds");
	if (rec->nown > rec->nstripes)
		return teearray_reject(error, "journal record: payload count does not match");
	len = teearray_jrec_len(g, rec->nstripes, rec->nown);
	jrec_mac(d, len, mac_key, mac);
	if (!teearray_mac_equal(mac, d + len - TEEARRAY_MAC_SIZE, sizeof(mac))) {
		memset(rec, 0, sizeof(*rec));
		*error = "journal record MAC does not verify";
		return -EBADMSG;
	}
	if (!teearray_all_zero(d + len, TEEARRAY_SECTOR_SIZE - len))
		return teearray_reject(error, "journal record: bytes after its MAC");
	if (memcmp(h->array_uuid, array_uuid, TEEARRAY_UUID_SIZE))
		return teearray_reject(error, "journal record of another array");
	if (h->flags || !teearray_all_zero(h->reserved, sizeof(h->reserved)))
		return teearray_reject(error, "unknown journal record flags or reserved bytes set");
	rec->version = le64_to_cpu(h->version);
	rec->generation = le64_to_cpu(h->generation);
	rec->slot = le32_to_cpu(h->slot);
	if (!rec->version)
		return teearray_reject(error, "journal record version 0");
	if (rec->slot != slot)
		return teearray_reject(error, "journal record of another member");
	r = jrec_parse_summary(d, rec, g, error);
	if (r)
		return r;
	if (rec->nown != teearray_jrec_count_own(rec, g, slot))
		return teearray_reject(error, "journal record: payload count does not match");
	if (teearray_jrec_count_all(rec) > capacity)
		return teearray_reject(error,
				       "journal record names more sectors than an entry holds");
	off = TEEARRAY_JREC_HDR_SIZE + rec->nstripes * teearray_jrec_stripe_size(g);
	for (i = 0; i < rec->nown; i++, off += TEEARRAY_JPAY_MAC_SIZE)
		memcpy(rec->mac[i], d + off, TEEARRAY_JPAY_MAC_SIZE);
	return 0;
}
