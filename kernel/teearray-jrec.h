/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Journal atomicity records (format version 4: the erasure-coded journal).
 *
 * The journal area of every member holds two record slots and two payload
 * halves.  Entry version v uses record slot v % 2 and payload half v % 2.
 * Every changed column of the entry (data, parity, metadata, metadata
 * parity) is journalled once, on its own home member, in that member's
 * payload half; the member's record carries the entry's summary (each
 * changed stripe with a bitmap of its journalled columns) and the MACs of
 * the member's own payload sectors, in summary order.  A record is trusted
 * only when its own MAC verifies; replay rolls an entry forward only when
 * every live member with a column in it holds its record and payloads.
 *
 * Pure code: builds in the module and in userspace; no locking, no
 * allocation.
 */
#ifndef TEEARRAY_JREC_H
#define TEEARRAY_JREC_H

#include "teearray-compat.h"
#include "teearray-table.h"
#include "teearray-format.h"

#define TEEARRAY_JREC_MAGIC		0x324c4e524a5f4154ULL	/* "TA_JRNL2" */
#define TEEARRAY_JREC_HDR_SIZE		64
#define TEEARRAY_JPAY_MAC_SIZE		16
/* Room for summary lines and payload MACs between header and record MAC. */
#define TEEARRAY_JREC_ROOM		(TEEARRAY_SECTOR_SIZE - TEEARRAY_JREC_HDR_SIZE - \
					 TEEARRAY_MAC_SIZE)
/* Stripes a record can summarise: 4000 / (8 + 8 + 16) at M <= 64. */
#define TEEARRAY_JREC_MAX_STRIPES	125

/* Record header, at the start of the record sector. */
struct teearray_jrec_hdr_disk {
	__le64 magic;
	__le64 version;
	u8 array_uuid[TEEARRAY_UUID_SIZE];
	__le64 generation;		/* fencing generation that wrote it */
	__le32 slot;			/* the member this record is stored on */
	__le16 nstripes;		/* stripes in the summary */
	__le16 nown;			/* payload MACs after the summary */
	__le32 flags;			/* zero */
	u8 reserved[12];		/* zero */
} __packed;

/* A stripe of the entry: its member sector and its journalled columns. */
struct teearray_jrec_stripe {
	u64 ms;
	DECLARE_BITMAP(cols, TEEARRAY_MAX_MEMBERS);
};

struct teearray_jrec {
	u64 version;
	u64 generation;
	u32 slot;
	u32 nstripes;
	u32 nown;
	struct teearray_jrec_stripe st[TEEARRAY_JREC_MAX_STRIPES];
	/* MACs of the payloads homed on slot, in summary order */
	u8 mac[TEEARRAY_JREC_MAX_STRIPES][TEEARRAY_JPAY_MAC_SIZE];
};

/* Sectors of one payload half (the two record slots come first). */
static inline u64 teearray_journal_half(const struct teearray_geometry *g)
{
	return g->journal_sectors >= 2 ? (g->journal_sectors - 2) / 2 : 0;
}

/* Bytes of one summary stripe: member sector and a bitmap of M bits. */
static inline u32 teearray_jrec_stripe_size(const struct teearray_geometry *g)
{
	u32 m = g->data_members + g->parity_members;

	return 8 + 8 * ((m + 63) / 64);
}

/*
 * Stripes one entry may change: its summary, and at worst one payload of
 * every member per stripe, must fit a record, and a member's payloads its
 * payload half.
 */
static inline u32 teearray_jrec_max_stripes(const struct teearray_geometry *g)
{
	u64 room = TEEARRAY_JREC_ROOM /
		   (teearray_jrec_stripe_size(g) + TEEARRAY_JPAY_MAC_SIZE);
	u64 half = teearray_journal_half(g);

	room = room < half ? room : half;
	return room < TEEARRAY_JREC_MAX_STRIPES ? (u32)room : TEEARRAY_JREC_MAX_STRIPES;
}

/* Member sector of record slot version % 2. */
static inline u64 teearray_jrec_sector(const struct teearray_geometry *g,
				       u64 version)
{
	return g->journal_start + (version & 1);
}

/* Member sector of a member's own payload i of entry version. */
static inline u64 teearray_jpay_sector(const struct teearray_geometry *g,
				       u64 version, u32 i)
{
	return g->journal_start + 2 + (version & 1) * teearray_journal_half(g) + i;
}

/*
 * Bytes of a record of nstripes summary lines and nown payload MACs: it
 * ends with its MAC; the rest of the record sector is zero, so the record
 * goes to its member as a short write of this length.
 */
static inline u32 teearray_jrec_len(const struct teearray_geometry *g, u32 nstripes,
				    u32 nown)
{
	return TEEARRAY_JREC_HDR_SIZE + nstripes * teearray_jrec_stripe_size(g) +
	       nown * TEEARRAY_JPAY_MAC_SIZE + TEEARRAY_MAC_SIZE;
}

/* Payloads of rec homed on member slot (columns of the summary it holds). */
u32 teearray_jrec_count_own(const struct teearray_jrec *rec,
			    const struct teearray_geometry *g, u32 slot);

/*
 * Total journalled columns of rec's summary.  Replay needs a page for each,
 * so parse refuses a summary above the entry's payload capacity.
 */
u32 teearray_jrec_count_all(const struct teearray_jrec *rec);

/* Do two records describe the same entry (version, generation, summary)? */
bool teearray_jrec_same_entry(const struct teearray_jrec *a,
			      const struct teearray_jrec *b);

/*
 * MAC of a payload sector of entry version whose home is the given member
 * sector on member slot, as stored in that member's record.
 */
void teearray_jpay_mac(const u8 mac_key[TEEARRAY_MAC_SIZE],
		       const u8 array_uuid[TEEARRAY_UUID_SIZE], u64 version,
		       u32 slot, u64 sector, const u8 *payload,
		       u8 out[TEEARRAY_JPAY_MAC_SIZE]);

/*
 * Build the record of member rec->slot into a sector; returns its length
 * (teearray_jrec_len).  rec->nown must be teearray_jrec_count_own(rec, g,
 * rec->slot); summary lines beyond teearray_jrec_max_stripes(g) are left
 * out (callers never have them).
 */
u32 teearray_jrec_build(u8 d[TEEARRAY_SECTOR_SIZE],
			const struct teearray_jrec *rec,
			const struct teearray_geometry *g,
			const u8 array_uuid[TEEARRAY_UUID_SIZE],
			const u8 mac_key[TEEARRAY_MAC_SIZE]);

/*
 * Parse and authenticate a record read from member slot of an array with
 * geometry g whose entries carry at most capacity payload sectors.
 * Returns 0; -ENODATA for an all-zero sector (no record yet); -EBADMSG when
 * the MAC does not verify; -EINVAL when a field is out of range, with
 * *error saying which.
 */
int teearray_jrec_parse(const u8 d[TEEARRAY_SECTOR_SIZE],
			struct teearray_jrec *rec,
			const u8 array_uuid[TEEARRAY_UUID_SIZE],
			const u8 mac_key[TEEARRAY_MAC_SIZE],
			const struct teearray_geometry *g, u32 slot,
			u32 capacity, char **error);

#endif /* TEEARRAY_JREC_H */
