// SPDX-License-Identifier: GPL-2.0
/*
 * Array formatting; see ta-format.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "ta-format.h"
#include "teearray-format.h"
#include "teearray-jrec.h"
#include "teearray-kdf.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int is_blank(struct ta_client *c, uint8_t *buf)
{
	if (ta_client_read(c, 0, 1, buf) != TA_OK)
		return -1;
	for (unsigned int i = 0; i < TA_SECTOR_SIZE; i++)
		if (buf[i])
			return 0;
	return c->id.death_version == 0;
}

static int trim_all(struct ta_client *c, uint64_t sectors)
{
	for (uint64_t s = 0; s < sectors; s += TA_MAX_COUNT) {
		uint64_t left = sectors - s;
		uint32_t count = left < TA_MAX_COUNT ? (uint32_t)left : TA_MAX_COUNT;

		if (ta_client_trim(c, s, count) != TA_OK)
			return -1;
	}
	return 0;
}

int ta_format_array(struct ta_client *const *clients, unsigned int n, unsigned int p,
		    const uint8_t array_uuid[16], const uint8_t (*member_uuids)[16],
		    const uint8_t epoch0_key[64], int force, char *err, size_t errlen)
{
	unsigned int m = n + p, i;
	uint64_t sectors = UINT64_MAX, generation = 0, version = 0;
	struct teearray_geometry geo;
	struct teearray_sb_info info;
	struct teearray_dr_info *dri;
	struct teearray_sb_disk sb;
	struct teearray_dr_disk dr;
	uint8_t key[TEEARRAY_DERIVED_KEY_SIZE];
	uint8_t buf[TA_SECTOR_SIZE];
	int r = -1;

	if (n < 1 || p < 1 || p > TEEARRAY_MAX_PARITY || m > TEEARRAY_MAX_MEMBERS)
		return fail(err, errlen, "invalid shape %u+%u", n, p);
	if (n > TEEARRAY_MAX_DATA_ENGINE)
		return fail(err, errlen,
			    "%u data members are more than this release supports (at most %u)",
			    n, TEEARRAY_MAX_DATA_ENGINE);
	for (i = 0; i < m; i++) {
		const struct ta_client *c = clients[i];

		if (!c->identified)
			return fail(err, errlen, "member %u has not been identified", i);
		if (c->id.sectors < sectors)
			sectors = c->id.sectors;
		if (c->generation > generation)
			generation = c->generation;
		if (c->id.death_version > version)
			version = c->id.death_version;
	}
	switch (teearray_geometry_init(&geo, n, p, sectors, TEEARRAY_DEF_JOURNAL_SECTORS,
				       TEEARRAY_DEF_LOG_STRIPES)) {
	case 0:
		break;
	case -ENOSPC:
		return fail(err, errlen, "members of %llu sectors are too small for a %u+%u array",
			    (unsigned long long)sectors, n, p);
	default:
		return fail(err, errlen, "invalid shape %u+%u", n, p);
	}
	/* One write changes up to three stripes: they must fit an entry. */
	if (teearray_jrec_max_stripes(&geo) < 3)
		return fail(err, errlen, "the journal cannot hold one write of a %u+%u array",
			    n, p);

	for (i = 0; i < m; i++) {
		int blank = is_blank(clients[i], buf);

		if (blank < 0)
			return fail(err, errlen, "member %u: cannot read sector 0", i);
		if (!blank && !force)
			return fail(err, errlen,
				    "member %u is not blank: refusing to format over existing data (use --force)",
				    i);
		if (!blank && trim_all(clients[i], clients[i]->id.sectors))
			return fail(err, errlen, "member %u: trim failed", i);
	}

	dri = calloc(1, sizeof(*dri));
	if (!dri)
		return fail(err, errlen, "out of memory");
	teearray_derive_key(epoch0_key, 64, array_uuid, TEEARRAY_PURPOSE_METADATA, 0, key);
	generation++;
	version++;
	memset(&info, 0, sizeof(info));
	info.geo = geo;
	memcpy(info.array_uuid, array_uuid, 16);
	info.create_time = (uint64_t)time(NULL);
	dri->version = version;
	dri->generation = generation;
	dri->nr_members = m;

	for (i = 0; i < m; i++) {
		struct ta_client *c = clients[i];

		memcpy(info.member_uuid, member_uuids[i], 16);
		info.slot = i;
		teearray_sb_build(&sb, &info, key);
		if (ta_client_write(c, 0, 1, (const uint8_t *)&sb) != TA_OK) {
			fail(err, errlen, "member %u: writing the superblock failed", i);
			goto out;
		}
		if (ta_client_fence(c, generation) != TA_OK) {
			fail(err, errlen, "member %u: raising the generation failed", i);
			goto out;
		}
		dri->state[i] = TEEARRAY_MEMBER_ALIVE;
		memcpy(dri->instance[i], c->instance, TEEARRAY_DR_INSTANCE_SIZE);
	}
	teearray_dr_build(&dr, dri, array_uuid, key);
	for (i = 0; i < m; i++) {
		if (ta_client_death_write(clients[i], version, (const uint8_t *)&dr) != TA_OK) {
			fail(err, errlen, "member %u: writing the death record failed", i);
			goto out;
		}
	}
	r = 0;
out:
	sodium_memzero(key, sizeof(key));
	free(dri);
	return r;
}
