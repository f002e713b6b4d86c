/* SPDX-License-Identifier: GPL-2.0 */
/*
 * On-member formats of dm-teearray: geometry, superblock and death record.
 *
 * Every member stores 4096-byte sectors, laid out as
 *
 *   sector 0                        superblock (this member)
 *   journal_start .. +journal       journal area: two record slots, two payload halves
 *   meta_start .. +meta             IV+MAC metadata stripes (erasure-coded)
 *   log_start .. +log               audit log stripes (erasure-coded)
 *   data_start .. +data             data stripes (erasure-coded)
 *
 * The death record is not in this range: every teedisk keeps one dedicated
 * death-record sector with a strictly increasing version.
 *
 * All multi-byte fields are little-endian.  Pure code: builds in the module
 * and in userspace; no locking, no allocation.
 */
#ifndef TEEARRAY_FORMAT_H
#define TEEARRAY_FORMAT_H

#include "teearray-compat.h"
#include "teearray-table.h"

#define TEEARRAY_SB_MAGIC		0x5941525241454554ULL	/* "TEEARRAY" */
#define TEEARRAY_DR_MAGIC		0x44524145445f4154ULL	/* "TA_DEADR" */
#define TEEARRAY_FORMAT_VERSION		4	/* 4: erasure-coded journal */
#define TEEARRAY_FORMAT_VERSION_REPLICATED	3	/* refused, with its own message */
#define TEEARRAY_MAC_SIZE		32
#define TEEARRAY_META_PER_SECTOR	146	/* IV+MAC entries per metadata sector */
/*
 * The engine handles a data stripe whose IV+MAC entries lie in at most two
 * metadata sectors (teearray-plan.h): true up to N = 148 (plan-test); from
 * 149 on some stripes span three.  format and the constructor refuse more.
 */
#define TEEARRAY_MAX_DATA_ENGINE	148
#define TEEARRAY_DEF_JOURNAL_SECTORS	242	/* 2 records + 2 halves of 120 */
#define TEEARRAY_DEF_LOG_STRIPES	32
#define TEEARRAY_INSTANCE_SIZE		16	/* teedisk instance id */
#define TEEARRAY_DR_INSTANCE_SIZE	8	/* prefix kept in the death record */

/* Member state in the death record. */
#define TEEARRAY_MEMBER_ALIVE		'A'	/* in sync */
#define TEEARRAY_MEMBER_REBUILDING	'a'	/* alive, being rebuilt */
#define TEEARRAY_MEMBER_DEAD		'D'	/* never read or written again */

struct teearray_geometry {
	u32 data_members;
	u32 parity_members;
	u64 member_sectors;	/* sectors used on every member */
	u64 journal_start, journal_sectors;
	u64 meta_start, meta_sectors;
	u64 log_start, log_sectors;
	u64 data_start, data_sectors;	/* data_sectors == number of stripes */
	u64 array_sectors;		/* virtual 4 KiB sectors: stripes * N */
};

/* Superblock, sector 0 of every member; the MAC covers the bytes before it. */
struct teearray_sb_disk {
	__le64 magic;
	__le32 format_version;
	__le32 sector_size;
	u8 array_uuid[TEEARRAY_UUID_SIZE];
	u8 member_uuid[TEEARRAY_UUID_SIZE];
	__le32 slot;
	__le32 data_members;
	__le32 parity_members;
	__le32 flags;			/* TEEARRAY_SB_* */
	__le64 member_sectors;
	__le64 journal_start;
	__le64 journal_sectors;
	__le64 meta_start;
	__le64 meta_sectors;
	__le64 log_start;
	__le64 log_sectors;
	__le64 data_start;
	__le64 data_sectors;
	__le64 array_sectors;
	__le64 create_time;		/* seconds since 1970, informational */
	__le32 key_epoch;		/* the MAC is under this epoch's key */
	u8 reserved[3908];		/* zero */
	u8 mac[TEEARRAY_MAC_SIZE];
} __packed;

/* Superblock flags. */
#define TEEARRAY_SB_ROTATING		1	/* sectors of key_epoch - 1 may remain */

/* Death record: the member list of the array and the fencing generation. */
struct teearray_dr_disk {
	__le64 version;			/* first: teedisk checks it is increasing */
	__le64 magic;
	u8 array_uuid[TEEARRAY_UUID_SIZE];
	__le64 generation;		/* fencing generation */
	__le32 nr_members;
	__le32 flags;			/* must be zero */
	__le32 key_epoch;		/* the MAC is under this epoch's key */
	u8 reserved0[12];
	u8 state[TEEARRAY_MAX_MEMBERS];
	u8 instance[TEEARRAY_MAX_MEMBERS][TEEARRAY_DR_INSTANCE_SIZE];
	u8 reserved[1696];
	u8 mac[TEEARRAY_MAC_SIZE];
} __packed;

struct teearray_sb_info {
	struct teearray_geometry geo;
	u8 array_uuid[TEEARRAY_UUID_SIZE];
	u8 member_uuid[TEEARRAY_UUID_SIZE];
	u32 slot;
	u64 create_time;
	u32 key_epoch;
	bool rotating;		/* a rotation from key_epoch - 1 is unfinished */
};

struct teearray_dr_info {
	u64 version;
	u32 key_epoch;
	u64 generation;
	u32 nr_members;
	u8 state[TEEARRAY_MAX_MEMBERS];
	u8 instance[TEEARRAY_MAX_MEMBERS][TEEARRAY_DR_INSTANCE_SIZE];
};

/*
 * Lay out members of member_sectors sectors each.  Returns 0, or -ENOSPC
 * when the members are too small to hold even one data stripe, or -EINVAL
 * for a shape outside 1 <= P <= 128, N + P <= 256.
 */
int teearray_geometry_init(struct teearray_geometry *g, u32 data_members,
			   u32 parity_members, u64 member_sectors,
			   u64 journal_sectors, u64 log_stripes);

/*
 * The epoch whose metadata key MACs a superblock or death record, read
 * before anything is authenticated: it only chooses the key to try.
 */
static inline u32 teearray_sb_key_epoch(const struct teearray_sb_disk *sb)
{
	return le32_to_cpu(sb->key_epoch);
}

static inline u32 teearray_dr_key_epoch(const struct teearray_dr_disk *dr)
{
	return le32_to_cpu(dr->key_epoch);
}

/* mac_key: metadata key of info->key_epoch. */
void teearray_sb_build(struct teearray_sb_disk *sb,
		       const struct teearray_sb_info *info,
		       const u8 mac_key[TEEARRAY_MAC_SIZE]);

/*
 * Parse and authenticate a superblock.  Returns 0; -ENODATA for an
 * all-zero sector (a blank member); -EBADMSG when the MAC does not verify
 * (another array's member, or the wrong key); -EINVAL when a field is out
 * of range, with *error saying which.
 */
int teearray_sb_parse(const struct teearray_sb_disk *sb,
		      struct teearray_sb_info *info,
		      const u8 mac_key[TEEARRAY_MAC_SIZE], char **error);

void teearray_dr_build(struct teearray_dr_disk *dr,
		       const struct teearray_dr_info *info,
		       const u8 array_uuid[TEEARRAY_UUID_SIZE],
		       const u8 mac_key[TEEARRAY_MAC_SIZE]);

/* As teearray_sb_parse, for a death record of the given array. */
int teearray_dr_parse(const struct teearray_dr_disk *dr,
		      struct teearray_dr_info *info,
		      const u8 array_uuid[TEEARRAY_UUID_SIZE],
		      const u8 mac_key[TEEARRAY_MAC_SIZE], char **error);

/* A parser's refusal: *error says why; returns -EINVAL. */
static inline int teearray_reject(char **error, char *why)
{
	*error = why;
	return -EINVAL;
}

/* Is the buffer all zero bytes (a blank or trimmed sector)? */
bool teearray_all_zero(const void *p, size_t len);

/* Number of members in state; the dead ones decide whether I/O is possible. */
unsigned int teearray_dr_count(const struct teearray_dr_info *info, u8 state);

/*
 * Stripe placement.  Metadata, log and data stripes are named by their
 * member sector ms (the same on every member); column c (0..N-1 data,
 * N..N+P-1 parity) of stripe ms lives on slot (c + ms) mod (N + P), so
 * parity rotates over all members and every member holds the same share.
 */
static inline u32 teearray_slot_of(const struct teearray_geometry *g,
				   u64 stripe, u32 column)
{
	u32 m = g->data_members + g->parity_members;

	return (u32)((column + stripe % m) % m);
}

static inline u32 teearray_column_of(const struct teearray_geometry *g,
				     u64 stripe, u32 slot)
{
	u32 m = g->data_members + g->parity_members;

	return (u32)((slot + m - stripe % m) % m);
}

#endif /* TEEARRAY_FORMAT_H */
