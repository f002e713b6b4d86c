// SPDX-License-Identifier: GPL-2.0
/*
 * Geometry, superblock and death record; see teearray-format.h.
 *
 * The parsers treat member data as hostile: a sector is accepted only when
 * its MAC verifies under a key derived from the array key, and then every
 * field is range-checked again, so a bug that wrote a bad but authentic
 * sector is reported rather than trusted.
 */
#include "teearray-format.h"
#include "teearray-kdf.h"

static u64 div_round_up_u64(u64 a, u64 b)
{
	return a / b + (a % b != 0);
}

/* Metadata stripes needed to hold IV+MAC entries for `stripes` data stripes. */
static u64 meta_stripes(u64 stripes, u32 n)
{
	u64 meta_sectors = div_round_up_u64(stripes * n, TEEARRAY_META_PER_SECTOR);

	return div_round_up_u64(meta_sectors, n);
}

int teearray_geometry_init(struct teearray_geometry *g, u32 data_members,
			   u32 parity_members, u64 member_sectors,
			   u64 journal_sectors, u64 log_stripes)
{
	u64 fixed, avail, stripes;

	memset(g, 0, sizeof(*g));
	if (data_members < 1 || parity_members < 1 ||
	    parity_members > TEEARRAY_MAX_PARITY ||
	    data_members + parity_members > TEEARRAY_MAX_MEMBERS)
		return -EINVAL;
	/* Far beyond any RAM; keeps stripes * N below 2^64. */
	if (member_sectors > (1ULL << 48) || journal_sectors > (1ULL << 32) ||
	    log_stripes > (1ULL << 32))
		return -EINVAL;
	/* Two record slots and two payload halves of at least one sector. */
	if (journal_sectors < 4)
		return -EINVAL;

	fixed = 1 + journal_sectors + log_stripes;
	if (member_sectors <= fixed + 1)
		return -ENOSPC;
	avail = member_sectors - fixed;
	/* The largest stripe count whose metadata still fits. */
	stripes = avail - meta_stripes(avail, data_members);
	while (stripes && stripes + meta_stripes(stripes, data_members) > avail)
		stripes--;
	while (stripes + 1 + meta_stripes(stripes + 1, data_members) <= avail)
		stripes++;
	if (!stripes)
		return -ENOSPC;

	g->data_members = data_members;
	g->parity_members = parity_members;
	g->journal_start = 1;
	g->journal_sectors = journal_sectors;
	g->meta_start = g->journal_start + journal_sectors;
	g->meta_sectors = meta_stripes(stripes, data_members);
	g->log_start = g->meta_start + g->meta_sectors;
	g->log_sectors = log_stripes;
	g->data_start = g->log_start + log_stripes;
	g->data_sectors = stripes;
	g->member_sectors = g->data_start + stripes;
	g->array_sectors = stripes * data_members;
	return 0;
}

bool teearray_all_zero(const void *p, size_t len)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

void teearray_sb_build(struct teearray_sb_disk *sb,
		       const struct teearray_sb_info *info,
		       const u8 mac_key[TEEARRAY_MAC_SIZE])
{
	const struct teearray_geometry *g = &info->geo;

	BUILD_BUG_ON(sizeof(struct teearray_sb_disk) != TEEARRAY_SECTOR_SIZE);
	memset(sb, 0, sizeof(*sb));
	sb->magic = cpu_to_le64(TEEARRAY_SB_MAGIC);
	sb->format_version = cpu_to_le32(TEEARRAY_FORMAT_VERSION);
	sb->sector_size = cpu_to_le32(TEEARRAY_SECTOR_SIZE);
	memcpy(sb->array_uuid, info->array_uuid, TEEARRAY_UUID_SIZE);
	memcpy(sb->member_uuid, info->member_uuid, TEEARRAY_UUID_SIZE);
	sb->slot = cpu_to_le32(info->slot);
	sb->data_members = cpu_to_le32(g->data_members);
	sb->parity_members = cpu_to_le32(g->parity_members);
	sb->member_sectors = cpu_to_le64(g->member_sectors);
	sb->journal_start = cpu_to_le64(g->journal_start);
	sb->journal_sectors = cpu_to_le64(g->journal_sectors);
	sb->meta_start = cpu_to_le64(g->meta_start);
	sb->meta_sectors = cpu_to_le64(g->meta_sectors);
	sb->log_start = cpu_to_le64(g->log_start);
	sb->log_sectors = cpu_to_le64(g->log_sectors);
	sb->data_start = cpu_to_le64(g->data_start);
	sb->data_sectors = cpu_to_le64(g->data_sectors);
	sb->array_sectors = cpu_to_le64(g->array_sectors);
	sb->create_time = cpu_to_le64(info->create_time);
	sb->key_epoch = cpu_to_le32(info->key_epoch);
	sb->flags = cpu_to_le32(info->rotating ? TEEARRAY_SB_ROTATING : 0);
	teearray_hmac(mac_key, TEEARRAY_MAC_SIZE, (const u8 *)sb,
		      offsetof(struct teearray_sb_disk, mac), sb->mac);
}

int teearray_sb_parse(const struct teearray_sb_disk *sb,
		      struct teearray_sb_info *info,
		      const u8 mac_key[TEEARRAY_MAC_SIZE], char **error)
{
	struct teearray_geometry *g = &info->geo, expect;
	u8 mac[TEEARRAY_MAC_SIZE];

	memset(info, 0, sizeof(*info));
	if (teearray_all_zero(sb, sizeof(*sb))) {
		*error = "blank member (no superblock)";
		return -ENODATA;
	}
	if (le64_to_cpu(sb->magic) != TEEARRAY_SB_MAGIC)
		return teearray_reject(error, "not a dm-teearray superblock");
	teearray_hmac(mac_key, TEEARRAY_MAC_SIZE, (const u8 *)sb,
		      offsetof(struct teearray_sb_disk, mac), mac);
	if (!teearray_mac_equal(mac, sb->mac, sizeof(mac))) {
		*error = "superblock MAC does not verify (wrong key or another array)";
		return -EBADMSG;
	}
	if (le32_to_cpu(sb->format_version) == TEEARRAY_FORMAT_VERSION_REPLICATED)
		return teearray_reject(error,
				       "format version 3 (replicated journal of an earlier release): this release reads version 4; copy the data to an array formatted by it");
	if (le32_to_cpu(sb->format_version) != TEEARRAY_FORMAT_VERSION)
		return teearray_reject(error, "unsupported superblock format version");
	if (le32_to_cpu(sb->sector_size) != TEEARRAY_SECTOR_SIZE)
		return teearray_reject(error, "unsupported sector size");
	if (le32_to_cpu(sb->flags) & ~TEEARRAY_SB_ROTATING ||
	    !teearray_all_zero(sb->reserved, sizeof(sb->reserved)))
		return teearray_reject(error, "unknown superblock flags or reserved bytes set");
	info->key_epoch = le32_to_cpu(sb->key_epoch);
	info->rotating = le32_to_cpu(sb->flags) & TEEARRAY_SB_ROTATING;
	if (info->rotating && !info->key_epoch)
		return teearray_reject(error, "superblock rotates to epoch 0");

	memcpy(info->array_uuid, sb->array_uuid, TEEARRAY_UUID_SIZE);
	memcpy(info->member_uuid, sb->member_uuid, TEEARRAY_UUID_SIZE);
	info->slot = le32_to_cpu(sb->slot);
	info->create_time = le64_to_cpu(sb->create_time);
	g->data_members = le32_to_cpu(sb->data_members);
	g->parity_members = le32_to_cpu(sb->parity_members);
	g->member_sectors = le64_to_cpu(sb->member_sectors);
	g->journal_start = le64_to_cpu(sb->journal_start);
	g->journal_sectors = le64_to_cpu(sb->journal_sectors);
	g->meta_start = le64_to_cpu(sb->meta_start);
	g->meta_sectors = le64_to_cpu(sb->meta_sectors);
	g->log_start = le64_to_cpu(sb->log_start);
	g->log_sectors = le64_to_cpu(sb->log_sectors);
	g->data_start = le64_to_cpu(sb->data_start);
	g->data_sectors = le64_to_cpu(sb->data_sectors);
	g->array_sectors = le64_to_cpu(sb->array_sectors);

	/* The layout must be exactly what geometry_init computes for it. */
	if (teearray_geometry_init(&expect, g->data_members, g->parity_members,
				   g->member_sectors, g->journal_sectors,
				   g->log_sectors) ||
	    memcmp(&expect, g, sizeof(expect)))
		return teearray_reject(error, "inconsistent superblock geometry");
	if (info->slot >= g->data_members + g->parity_members)
		return teearray_reject(error, "superblock slot out of range");
	return 0;
}

void teearray_dr_build(struct teearray_dr_disk *dr,
		       const struct teearray_dr_info *info,
		       const u8 array_uuid[TEEARRAY_UUID_SIZE],
		       const u8 mac_key[TEEARRAY_MAC_SIZE])
{
	BUILD_BUG_ON(sizeof(struct teearray_dr_disk) != TEEARRAY_SECTOR_SIZE);
	memset(dr, 0, sizeof(*dr));
	dr->version = cpu_to_le64(info->version);
	dr->magic = cpu_to_le64(TEEARRAY_DR_MAGIC);
	memcpy(dr->array_uuid, array_uuid, TEEARRAY_UUID_SIZE);
	dr->generation = cpu_to_le64(info->generation);
	dr->nr_members = cpu_to_le32(info->nr_members);
	dr->key_epoch = cpu_to_le32(info->key_epoch);
	memcpy(dr->state, info->state, info->nr_members);
	memcpy(dr->instance, info->instance,
	       (size_t)info->nr_members * TEEARRAY_DR_INSTANCE_SIZE);
	teearray_hmac(mac_key, TEEARRAY_MAC_SIZE, (const u8 *)dr,
		      offsetof(struct teearray_dr_disk, mac), dr->mac);
}

int teearray_dr_parse(const struct teearray_dr_disk *dr,
		      struct teearray_dr_info *info,
		      const u8 array_uuid[TEEARRAY_UUID_SIZE],
		      const u8 mac_key[TEEARRAY_MAC_SIZE], char **error)
{
	u8 mac[TEEARRAY_MAC_SIZE];
	unsigned int i;

	memset(info, 0, sizeof(*info));
	if (teearray_all_zero(dr, sizeof(*dr))) {
		*error = "no death record";
		return -ENODATA;
	}
	if (le64_to_cpu(dr->magic) != TEEARRAY_DR_MAGIC)
		return teearray_reject(error, "not a dm-teearray death record");
	teearray_hmac(mac_key, TEEARRAY_MAC_SIZE, (const u8 *)dr,
		      offsetof(struct teearray_dr_disk, mac), mac);
	if (!teearray_mac_equal(mac, dr->mac, sizeof(mac))) {
		*error = "death record MAC does not verify";
		return -EBADMSG;
	}
	if (memcmp(dr->array_uuid, array_uuid, TEEARRAY_UUID_SIZE))
		return teearray_reject(error, "death record of another array");
	info->version = le64_to_cpu(dr->version);
	info->generation = le64_to_cpu(dr->generation);
	info->nr_members = le32_to_cpu(dr->nr_members);
	info->key_epoch = le32_to_cpu(dr->key_epoch);
	if (dr->flags || !teearray_all_zero(dr->reserved0, sizeof(dr->reserved0)) ||
	    !teearray_all_zero(dr->reserved, sizeof(dr->reserved)))
		return teearray_reject(error, "unknown death record flags or reserved bytes set");
	if (info->nr_members < 2 || info->nr_members > TEEARRAY_MAX_MEMBERS)
		return teearray_reject(error, "death record member count out of range");
	for (i = 0; i < TEEARRAY_MAX_MEMBERS; i++) {
		u8 s = dr->state[i];

		if (i >= info->nr_members ? s != 0 :
		    s != TEEARRAY_MEMBER_ALIVE && s != TEEARRAY_MEMBER_REBUILDING &&
		    s != TEEARRAY_MEMBER_DEAD)
			return teearray_reject(error, "invalid member state in death record");
		if (i >= info->nr_members &&
		    !teearray_all_zero(dr->instance[i], TEEARRAY_DR_INSTANCE_SIZE))
			return teearray_reject(error, "instance id set for an unused slot");
	}
	memcpy(info->state, dr->state, sizeof(info->state));
	memcpy(info->instance, dr->instance, sizeof(info->instance));
	return 0;
}

unsigned int teearray_dr_count(const struct teearray_dr_info *info, u8 state)
{
	unsigned int i, n = 0;

	for (i = 0; i < info->nr_members && i < TEEARRAY_MAX_MEMBERS; i++)
		n += info->state[i] == state;
	return n;
}
