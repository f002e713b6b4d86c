/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Journal atomicity records.
 *
 * The journal area of every member holds two record slots and two payload
 * halves.  Entry version v uses record slot v % 2 and payload half v % 2.
 * A record names, for each journalled sector, its home (member slot and
 * member sector) and a MAC of the payload; a record is trusted only when
 * its own MAC verifies and, for replay, when every payload it names is found
 * with a matching MAC on some member.
 *
 * Pure code: builds in the module and in userspace; no locking, no
 * allocation.
 */
#ifndef TEEARRAY_JREC_H
#define TEEARRAY_JREC_H

#include "teearray-compat.h"
#include "teearray-table.h"
#include "teearray-format.h"

#define TEEARRAY_JREC_MAGIC		0x314c4e524a5f4154ULL	/* "TA_JRNL1" */
#define TEEARRAY_JREC_MAX_DESC		125	/* descriptors that fit a record */
#define TEEARRAY_JPAY_MAC_SIZE		16

struct teearray_jdesc_disk {
	__le32 slot;
	__le32 reserved;		/* zero */
	__le64 sector;			/* home member sector */
	u8 mac[TEEARRAY_JPAY_MAC_SIZE];	/* of the payload sector */
} __packed;

struct teearray_jrec_disk {
	__le64 magic;
	__le64 version;
	u8 array_uuid[TEEARRAY_UUID_SIZE];
	__le64 generation;		/* fencing generation that wrote it */
	__le32 nr;			/* descriptors in use */
	__le32 flags;			/* zero */
	u8 reserved[16];		/* zero */
	struct teearray_jdesc_disk desc[TEEARRAY_JREC_MAX_DESC];
	u8 mac[TEEARRAY_MAC_SIZE];	/* HMAC-SHA256 of the bytes before */
} __packed;

struct teearray_jdesc {
	u32 slot;
	u64 sector;
	u8 mac[TEEARRAY_JPAY_MAC_SIZE];
};

struct teearray_jrec {
	u64 version;
	u64 generation;
	u32 nr;
	struct teearray_jdesc desc[TEEARRAY_JREC_MAX_DESC];
};

/* Payload sectors one entry can carry in a journal of journal_sectors. */
static inline u32 teearray_journal_capacity(u64 journal_sectors)
{
	u64 half = journal_sectors >= 4 ? (journal_sectors - 2) / 2 : 0;

	return half < TEEARRAY_JREC_MAX_DESC ? (u32)half : TEEARRAY_JREC_MAX_DESC;
}

/* Sectors of one payload half (the two record slots come first). */
static inline u64 teearray_journal_half(const struct teearray_geometry *g)
{
	return (g->journal_sectors - 2) / 2;
}

/* Member sector of record slot version % 2. */
static inline u64 teearray_jrec_sector(const struct teearray_geometry *g,
				       u64 version)
{
	return g->journal_start + (version & 1);
}

/* Member sector of payload i of entry version. */
static inline u64 teearray_jpay_sector(const struct teearray_geometry *g,
				       u64 version, u32 i)
{
	return g->journal_start + 2 + (version & 1) * teearray_journal_half(g) + i;
}

/* MAC of payload i of entry version, as stored in its descriptor. */
void teearray_jpay_mac(const u8 mac_key[TEEARRAY_MAC_SIZE],
		       const u8 array_uuid[TEEARRAY_UUID_SIZE], u64 version,
		       u32 index, const u8 *payload,
		       u8 out[TEEARRAY_JPAY_MAC_SIZE]);

/* Build a record; rec->nr must not exceed TEEARRAY_JREC_MAX_DESC. */
void teearray_jrec_build(struct teearray_jrec_disk *d,
			 const struct teearray_jrec *rec,
			 const u8 array_uuid[TEEARRAY_UUID_SIZE],
			 const u8 mac_key[TEEARRAY_MAC_SIZE]);

/*
 * Parse and authenticate a record read from a member of an array with
 * nr_members members and geometry g.  Returns 0; -ENODATA for an all-zero
 * sector (no record yet, or trimmed); -EBADMSG when the MAC does not
 * verify; -EINVAL when a field is out of range, with *error saying which.
 */
int teearray_jrec_parse(const struct teearray_jrec_disk *d,
			struct teearray_jrec *rec,
			const u8 array_uuid[TEEARRAY_UUID_SIZE],
			const u8 mac_key[TEEARRAY_MAC_SIZE],
			const struct teearray_geometry *g, char **error);

#endif /* TEEARRAY_JREC_H */
