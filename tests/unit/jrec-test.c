// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the journal atomicity records (kernel/teearray-jrec.c):
 * the on-member layout of notes/journal-design.md (checked against a record
 * built by hand and MACed with libsodium), build/parse round trip, every
 * single-byte corruption, authentic records with out-of-range fields, the
 * payload MAC and the journal layout helpers.
 */
#include <stdlib.h>
#include <sodium.h>
#include "teearray-kdf.h"
#include "teearray-jrec.h"
#include "tap.h"

#define SECTOR TEEARRAY_SECTOR_SIZE
#define MAC_OFF (SECTOR - 32)

static u8 root_key[64];
static const u8 uuid_a[16] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
			       0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
static u8 meta_key[32];
static struct teearray_geometry geo;	/* 4+3, default 242-sector journal */

static void unhex(const char *h, u8 *out, size_t *len)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2)
		sscanf(h, "%2hhx", &out[n++]);
	*len = n;
}

static int hex_equal(const u8 *b, size_t len, const char *hex)
{
	u8 want[64];
	size_t n;

	unhex(hex, want, &n);
	return n == len && !memcmp(b, want, n);
}

/* The record MAC as the design note defines it, with libsodium. */
static void remac(struct teearray_jrec_disk *d, const u8 key[32])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, (const u8 *)"TA-JREC", 7);
	crypto_auth_hmacsha256_update(&st, (const u8 *)d, MAC_OFF);
	crypto_auth_hmacsha256_final(&st, (u8 *)d + MAC_OFF);
}

static void make_rec(struct teearray_jrec *r, const struct teearray_geometry *g,
		     u64 version, u32 nr)
{
	u32 m = g->data_members + g->parity_members, i, j;
	u64 span = g->data_start + g->data_sectors - g->meta_start;

	memset(r, 0, sizeof(*r));
	r->version = version;
	r->generation = 0x0102030405060708ULL ^ version;
	r->nr = nr;
	for (i = 0; i < nr; i++) {
		r->desc[i].slot = (i * 5 + 1) % m;
		r->desc[i].sector = g->meta_start + (i * 7919ULL) % span;
		for (j = 0; j < TEEARRAY_JPAY_MAC_SIZE; j++)
			r->desc[i].mac[j] = (u8)(i * 16 + j + 1);
	}
}

static bool rec_equal(const struct teearray_jrec *a, const struct teearray_jrec *b)
{
	u32 i;

	if (a->version != b->version || a->generation != b->generation || a->nr != b->nr)
		return false;
	for (i = 0; i < TEEARRAY_JREC_MAX_DESC; i++)
		if (a->desc[i].slot != b->desc[i].slot ||
		    a->desc[i].sector != b->desc[i].sector ||
		    memcmp(a->desc[i].mac, b->desc[i].mac, TEEARRAY_JPAY_MAC_SIZE))
			return false;
	return true;
}

static void test_layout(void)
{
	struct teearray_jrec_disk d;

	tap_begin();
	CHECK(sizeof(struct teearray_jrec_disk) == SECTOR);
	CHECK(sizeof(struct teearray_jdesc_disk) == 32);
	CHECK(offsetof(struct teearray_jrec_disk, magic) == 0);
	CHECK(offsetof(struct teearray_jrec_disk, version) == 8);
	CHECK(offsetof(struct teearray_jrec_disk, array_uuid) == 16);
	CHECK(offsetof(struct teearray_jrec_disk, generation) == 32);
	CHECK(offsetof(struct teearray_jrec_disk, nr) == 40);
	CHECK(offsetof(struct teearray_jrec_disk, flags) == 44);
	CHECK(offsetof(struct teearray_jrec_disk, reserved) == 48);
	CHECK(offsetof(struct teearray_jrec_disk, desc) == 64);
	CHECK(offsetof(struct teearray_jrec_disk, mac) == MAC_OFF);
	CHECK(offsetof(struct teearray_jdesc_disk, slot) == 0);
	CHECK(offsetof(struct teearray_jdesc_disk, reserved) == 4);
	CHECK(offsetof(struct teearray_jdesc_disk, sector) == 8);
	CHECK(offsetof(struct teearray_jdesc_disk, mac) == 16);
	/* Enough descriptors for a full entry of the default journal. */
	CHECK(TEEARRAY_JREC_MAX_DESC * 32 + 64 + 32 == SECTOR);
	d.magic = cpu_to_le64(TEEARRAY_JREC_MAGIC);
	CHECK(!memcmp(&d.magic, "TA_JRNL1", 8));
	tap_end("jrec: on-member layout is the design note's (4096 bytes, 32-byte descriptors)");
}

/*
 * A record built byte by byte from the design note: version 5, generation 3,
 * descriptors (slot 1, sector 300, MAC 11..20) and (slot 6, sector 301, MAC
 * 31..40), array UUID 10..1f, array key bytes 0x80..0xbf.  Record MAC and
 * payload MAC (version 5, index 1, payload byte i = i * 5 + 3) computed
 * independently with Python's hmac/hashlib.
 */
#define KAT_JREC_MAC "5595d27677b50128e78d3487e8f81eb777591745c5e3cd90e5253cda28b2ed92"
#define KAT_JPAY_MAC "f795d9a9579437765ea560423167e8ed"

static void put_le(u8 *p, u64 v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void test_kat(void)
{
	u8 root[64], key[32], *hand = calloc(1, SECTOR), *pay = malloc(SECTOR), mac[32];
	struct teearray_jrec_disk *d = malloc(sizeof(*d));
	struct teearray_jrec rec, out;
	char *error = NULL;
	unsigned int i;

	tap_begin();
	for (i = 0; i < 64; i++)
		root[i] = (u8)(0x80 + i);
	teearray_derive_key(root, 64, uuid_a, "metadata", 0, key);
	/* Hand-made record. */
	memcpy(hand, "TA_JRNL1", 8);
	put_le(hand + 8, 5, 8);
	memcpy(hand + 16, uuid_a, 16);
	put_le(hand + 32, 3, 8);
	put_le(hand + 40, 2, 4);
	put_le(hand + 64, 1, 4);
	put_le(hand + 72, 300, 8);
	for (i = 0; i < 16; i++)
		hand[80 + i] = (u8)(0x11 + i);
	put_le(hand + 96, 6, 4);
	put_le(hand + 104, 301, 8);
	for (i = 0; i < 16; i++)
		hand[112 + i] = (u8)(0x31 + i);
	remac((struct teearray_jrec_disk *)hand, key);
	CHECK(hex_equal(hand + MAC_OFF, 32, KAT_JREC_MAC));
	/* The code builds the same bytes and parses them back. */
	memset(&rec, 0, sizeof(rec));
	rec.version = 5;
	rec.generation = 3;
	rec.nr = 2;
	rec.desc[0].slot = 1;
	rec.desc[0].sector = 300;
	rec.desc[1].slot = 6;
	rec.desc[1].sector = 301;
	for (i = 0; i < 16; i++) {
		rec.desc[0].mac[i] = (u8)(0x11 + i);
		rec.desc[1].mac[i] = (u8)(0x31 + i);
	}
	teearray_jrec_build(d, &rec, uuid_a, key);
	CHECK(!memcmp(d, hand, SECTOR));
	CHECK(teearray_jrec_parse((struct teearray_jrec_disk *)hand, &out, uuid_a, key,
				  &geo, &error) == 0);
	CHECK(rec_equal(&rec, &out));

	/* payload_mac = HMAC(meta, "TA-JPAY" || uuid || le64 v || le32 i || payload)[0..16) */
	for (i = 0; i < SECTOR; i++)
		pay[i] = (u8)(i * 5 + 3);
	{
		crypto_auth_hmacsha256_state st;
		u8 le[12];

		put_le(le, 5, 8);
		put_le(le + 8, 1, 4);
		crypto_auth_hmacsha256_init(&st, key, 32);
		crypto_auth_hmacsha256_update(&st, (const u8 *)"TA-JPAY", 7);
		crypto_auth_hmacsha256_update(&st, uuid_a, 16);
		crypto_auth_hmacsha256_update(&st, le, 12);
		crypto_auth_hmacsha256_update(&st, pay, SECTOR);
		crypto_auth_hmacsha256_final(&st, mac);
	}
	CHECK(hex_equal(mac, 16, KAT_JPAY_MAC));
	memset(mac + 16, 0xee, 16);
	teearray_jpay_mac(key, uuid_a, 5, 1, pay, mac + 16);
	CHECK(!memcmp(mac, mac + 16, 16));
	free(hand);
	free(pay);
	free(d);
	tap_end("jrec: known answers for a hand-built record and a payload MAC (design note MAC inputs)");
}

static void test_roundtrip(void)
{
	static const u32 nrs[] = { 0, 1, 2, 60, 119, 120 };
	struct teearray_jrec_disk *d = malloc(sizeof(*d)), *d2 = malloc(sizeof(*d2));
	struct teearray_jrec rec, out;
	u8 other_key[32];
	char *error;
	unsigned int i;

	tap_begin();
	CHECK(teearray_journal_capacity(geo.journal_sectors) == 120);
	for (i = 0; i < ARRAY_SIZE(nrs); i++) {
		make_rec(&rec, &geo, 1 + i * 1000003ULL, nrs[i]);
		teearray_jrec_build(d, &rec, uuid_a, meta_key);
		error = NULL;
		CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &geo, &error) == 0);
		CHECK(rec_equal(&rec, &out));
		/* The encoding is canonical: parse then build gives the same bytes. */
		teearray_jrec_build(d2, &out, uuid_a, meta_key);
		CHECK(!memcmp(d, d2, SECTOR));
	}
	/* Extreme but legal values. */
	make_rec(&rec, &geo, ~0ULL, 3);
	rec.generation = 0;
	rec.desc[0].slot = 6;
	rec.desc[0].sector = geo.meta_start;
	rec.desc[1].slot = 0;
	rec.desc[1].sector = geo.data_start + geo.data_sectors - 1;
	rec.desc[2].sector = geo.log_start;
	teearray_jrec_build(d, &rec, uuid_a, meta_key);
	CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &geo, &error) == 0);
	CHECK(rec_equal(&rec, &out));
	/* Blank slot, wrong key. */
	memset(d2, 0, sizeof(*d2));
	error = NULL;
	CHECK(teearray_jrec_parse(d2, &out, uuid_a, meta_key, &geo, &error) == -ENODATA);
	CHECK(error != NULL);
	memcpy(other_key, meta_key, 32);
	other_key[31] ^= 1;
	error = NULL;
	CHECK(teearray_jrec_parse(d, &out, uuid_a, other_key, &geo, &error) == -EBADMSG);
	CHECK(error != NULL);
	/* A failed parse leaves nothing behind in the output. */
	CHECK(out.nr == 0 && out.version == 0);
	free(d);
	free(d2);
	tap_end("jrec: build/parse round trip (nr 0..120), canonical; blank -> ENODATA, wrong key -> EBADMSG");
}

/* Every byte of a record, XORed with several masks: never accepted. */
static void test_corruption(void)
{
	static const u8 masks[] = { 0x01, 0x80, 0xff };
	static const u32 nrs[] = { 3, 120 };
	struct teearray_jrec_disk *d = malloc(sizeof(*d)), *bad = malloc(sizeof(*bad));
	unsigned int i, j, n, tried = 0, refused = 0, unexpected = 0;
	struct teearray_jrec rec, out;
	char *error;
	int r;

	tap_begin();
	for (n = 0; n < ARRAY_SIZE(nrs); n++) {
		make_rec(&rec, &geo, 77 + n, nrs[n]);
		teearray_jrec_build(d, &rec, uuid_a, meta_key);
		for (i = 0; i < SECTOR; i++) {
			for (j = 0; j < ARRAY_SIZE(masks); j++) {
				memcpy(bad, d, SECTOR);
				((u8 *)bad)[i] ^= masks[j];
				error = NULL;
				r = teearray_jrec_parse(bad, &out, uuid_a, meta_key, &geo, &error);
				tried++;
				refused += r != 0;
				if ((r != -EBADMSG && r != -EINVAL) || !error) {
					if (unexpected++ < 5)
						printf("#   byte %u ^ %#x: %d\n", i, masks[j], r);
				}
			}
		}
	}
	CHECK(tried == 2 * SECTOR * 3);
	CHECK(refused == tried);
	CHECK(unexpected == 0);
	free(d);
	free(bad);
	tap_end("jrec: every single-byte corruption (3 masks, 2 records) refused with EBADMSG/EINVAL");
}

/* Authentic (re-MACed) records whose fields are out of range. */
static int parse_remac(struct teearray_jrec_disk *d, const struct teearray_geometry *g,
		       char **error)
{
	struct teearray_jrec out;

	remac(d, meta_key);
	*error = NULL;
	return teearray_jrec_parse(d, &out, uuid_a, meta_key, g, error);
}

#define REFUSED(d, g)							\
	do {								\
		char *err_;						\
		CHECK(parse_remac(d, g, &err_) == -EINVAL);		\
		CHECK(err_ != NULL);					\
	} while (0)

#define ACCEPTED(d, g)							\
	do {								\
		char *err_;						\
		CHECK(parse_remac(d, g, &err_) == 0);			\
	} while (0)

static void test_authentic_invalid(void)
{
	struct teearray_jrec_disk *good = malloc(sizeof(*good)), *d = malloc(sizeof(*d));
	u32 m = geo.data_members + geo.parity_members;
	struct teearray_geometry small;
	struct teearray_jrec rec, out;
	u8 uuid_b[16];
	char *error;
	unsigned int i;

	tap_begin();
	make_rec(&rec, &geo, 10, 3);
	teearray_jrec_build(good, &rec, uuid_a, meta_key);
	/* remac() agrees with the code's MAC, so the tests below are meaningful. */
	memcpy(d, good, SECTOR);
	ACCEPTED(d, &geo);
	CHECK(!memcmp(d, good, SECTOR));

	/* nr above the capacity (120 here), up to what the record could hold and beyond. */
	{
		static const u32 nrs[] = { 121, TEEARRAY_JREC_MAX_DESC, TEEARRAY_JREC_MAX_DESC + 1,
					   0x80000000u, 0xffffffffu };

		for (i = 0; i < ARRAY_SIZE(nrs); i++) {
			make_rec(&rec, &geo, 10, nrs[i] <= TEEARRAY_JREC_MAX_DESC ? nrs[i] : 0);
			teearray_jrec_build(d, &rec, uuid_a, meta_key);
			d->nr = cpu_to_le32(nrs[i]);
			REFUSED(d, &geo);
		}
		make_rec(&rec, &geo, 10, 120);
		teearray_jrec_build(d, &rec, uuid_a, meta_key);
		ACCEPTED(d, &geo);
	}
	/* Slot >= N + P. */
	memcpy(d, good, SECTOR);
	d->desc[1].slot = cpu_to_le32(m - 1);
	ACCEPTED(d, &geo);
	d->desc[1].slot = cpu_to_le32(m);
	REFUSED(d, &geo);
	d->desc[1].slot = cpu_to_le32(0xffffffffu);
	REFUSED(d, &geo);
	d->desc[1].slot = cpu_to_le32(TEEARRAY_MAX_MEMBERS);
	REFUSED(d, &geo);
	/* Home sector outside [meta_start, data_start + data_sectors). */
	{
		const u64 bad_sectors[] = { 0, geo.journal_start, geo.meta_start - 1,
					    geo.data_start + geo.data_sectors,
					    geo.member_sectors, 1ULL << 63, ~0ULL };
		const u64 good_sectors[] = { geo.meta_start, geo.log_start, geo.data_start,
					     geo.data_start + geo.data_sectors - 1 };

		for (i = 0; i < ARRAY_SIZE(bad_sectors); i++) {
			memcpy(d, good, SECTOR);
			d->desc[2].sector = cpu_to_le64(bad_sectors[i]);
			REFUSED(d, &geo);
		}
		for (i = 0; i < ARRAY_SIZE(good_sectors); i++) {
			memcpy(d, good, SECTOR);
			d->desc[0].sector = cpu_to_le64(good_sectors[i]);
			ACCEPTED(d, &geo);
		}
	}
	/* Non-zero flags, header reserved bytes, descriptor reserved word. */
	for (i = 0; i < 32; i += 5) {
		memcpy(d, good, SECTOR);
		d->flags = cpu_to_le32(1u << i);
		REFUSED(d, &geo);
	}
	for (i = 0; i < sizeof(d->reserved); i++) {
		memcpy(d, good, SECTOR);
		d->reserved[i] = 0x40;
		REFUSED(d, &geo);
	}
	for (i = 0; i < 3; i++) {
		memcpy(d, good, SECTOR);
		d->desc[i].reserved = cpu_to_le32(i == 1 ? 0x80000000u : 1);
		REFUSED(d, &geo);
	}
	/* Anything after the last descriptor: one bit, or a whole valid descriptor. */
	for (i = 64 + 3 * 32; i < MAC_OFF; i += 37) {
		memcpy(d, good, SECTOR);
		((u8 *)d)[i] = 1;
		REFUSED(d, &geo);
	}
	memcpy(d, good, SECTOR);
	((u8 *)d)[MAC_OFF - 1] = 0x80;
	REFUSED(d, &geo);
	memcpy(d, good, SECTOR);
	d->desc[3] = d->desc[0];
	REFUSED(d, &geo);
	/* Version 0. */
	memcpy(d, good, SECTOR);
	d->version = 0;
	REFUSED(d, &geo);
	/* Wrong magic, MAC fine. */
	memcpy(d, good, SECTOR);
	d->magic ^= cpu_to_le64(1);
	REFUSED(d, &geo);
	/* Another array's record under the same key. */
	memcpy(uuid_b, uuid_a, 16);
	uuid_b[7] ^= 0x20;
	make_rec(&rec, &geo, 10, 3);
	teearray_jrec_build(d, &rec, uuid_b, meta_key);
	error = NULL;
	CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &geo, &error) == -EINVAL);
	CHECK(error != NULL);
	CHECK(teearray_jrec_parse(d, &out, uuid_b, meta_key, &geo, &error) == 0);
	memcpy(d, good, SECTOR);
	d->array_uuid[15] ^= 1;
	REFUSED(d, &geo);

	/* A 4-sector journal holds one payload sector per entry. */
	CHECK(teearray_geometry_init(&small, 4, 3, 100000, 4, 32) == 0);
	make_rec(&rec, &small, 9, 1);
	teearray_jrec_build(d, &rec, uuid_a, meta_key);
	ACCEPTED(d, &small);
	make_rec(&rec, &small, 9, 2);
	teearray_jrec_build(d, &rec, uuid_a, meta_key);
	REFUSED(d, &small);
	/* The home-sector range follows the geometry: 243 is metadata in the
	 * default layout but inside the journal of a 300-sector one. */
	CHECK(teearray_geometry_init(&small, 4, 3, 100000, 300, 32) == 0);
	memcpy(d, good, SECTOR);
	d->desc[0].sector = cpu_to_le64(geo.meta_start);
	ACCEPTED(d, &geo);
	REFUSED(d, &small);
	free(good);
	free(d);
	tap_end("jrec: authentic records with nr, slot, home sector, flags, reserved, trailing data, "
		"version 0, magic or UUID out of range refused with EINVAL");
}

static void test_payload_mac(void)
{
	u8 *pay = malloc(SECTOR), base[16], mac[16], uuid_b[16], key2[32];
	unsigned int i;

	tap_begin();
	for (i = 0; i < SECTOR; i++)
		pay[i] = (u8)(i ^ (i >> 8));
	teearray_jpay_mac(meta_key, uuid_a, 8, 3, pay, base);
	teearray_jpay_mac(meta_key, uuid_a, 8, 3, pay, mac);
	CHECK(!memcmp(base, mac, 16));
	teearray_jpay_mac(meta_key, uuid_a, 9, 3, pay, mac);
	CHECK(memcmp(base, mac, 16));
	teearray_jpay_mac(meta_key, uuid_a, 8 | (1ULL << 40), 3, pay, mac);
	CHECK(memcmp(base, mac, 16));
	teearray_jpay_mac(meta_key, uuid_a, 8, 4, pay, mac);
	CHECK(memcmp(base, mac, 16));
	teearray_jpay_mac(meta_key, uuid_a, 8, 3 | (1u << 31), pay, mac);
	CHECK(memcmp(base, mac, 16));
	memcpy(uuid_b, uuid_a, 16);
	uuid_b[0] ^= 1;
	teearray_jpay_mac(meta_key, uuid_b, 8, 3, pay, mac);
	CHECK(memcmp(base, mac, 16));
	memcpy(key2, meta_key, 32);
	key2[0] ^= 1;
	teearray_jpay_mac(key2, uuid_a, 8, 3, pay, mac);
	CHECK(memcmp(base, mac, 16));
	for (i = 0; i < SECTOR; i += 511) {
		pay[i] ^= 0x04;
		teearray_jpay_mac(meta_key, uuid_a, 8, 3, pay, mac);
		CHECK(memcmp(base, mac, 16));
		pay[i] ^= 0x04;
	}
	pay[SECTOR - 1] ^= 0x80;
	teearray_jpay_mac(meta_key, uuid_a, 8, 3, pay, mac);
	CHECK(memcmp(base, mac, 16));
	free(pay);
	tap_end("jrec: payload MAC depends on version, index, UUID, key and every part of the content");
}

/* Record slots and payload halves stay inside the journal and never overlap. */
static void check_journal(u64 journal_sectors, u32 want_capacity)
{
	struct teearray_geometry g;
	u32 cap, i, j;
	u64 v, end;

	CHECK(teearray_geometry_init(&g, 2, 1, 1000000, journal_sectors, 32) == 0);
	cap = teearray_journal_capacity(g.journal_sectors);
	CHECK(cap == want_capacity);
	end = g.journal_start + g.journal_sectors;
	CHECK(end == g.meta_start);
	for (v = 1; v <= 4; v++) {
		u64 rs = teearray_jrec_sector(&g, v);

		CHECK(rs == g.journal_start + (v % 2));
		CHECK(rs != teearray_jrec_sector(&g, v + 1));
		CHECK(rs == teearray_jrec_sector(&g, v + 2));
		for (i = 0; i < cap; i++) {
			u64 s = teearray_jpay_sector(&g, v, i);

			CHECK(s >= g.journal_start + 2 && s < end);
			CHECK(s == teearray_jpay_sector(&g, v + 2, i));
			/* Consecutive payloads are consecutive sectors. */
			if (i)
				CHECK(s == teearray_jpay_sector(&g, v, i - 1) + 1);
			/* Entry v + 1 never writes a sector of entry v. */
			for (j = 0; j < cap; j++)
				CHECK(s != teearray_jpay_sector(&g, v + 1, j));
		}
	}
	CHECK(teearray_jpay_sector(&g, 2, 0) == g.journal_start + 2);
	CHECK(teearray_jpay_sector(&g, 1, 0) == g.journal_start + 2 + (journal_sectors - 2) / 2);
}

static void test_journal_layout(void)
{
	struct teearray_geometry g;
	u64 js;

	tap_begin();
	CHECK(TEEARRAY_DEF_JOURNAL_SECTORS == 242);
	CHECK(teearray_journal_capacity(242) == 120);
	CHECK(teearray_journal_capacity(4) == 1);
	CHECK(teearray_journal_capacity(5) == 1);
	CHECK(teearray_journal_capacity(6) == 2);
	CHECK(teearray_journal_capacity(3) == 0);
	CHECK(teearray_journal_capacity(0) == 0);
	CHECK(teearray_journal_capacity(252) == TEEARRAY_JREC_MAX_DESC);
	CHECK(teearray_journal_capacity(1ULL << 32) == TEEARRAY_JREC_MAX_DESC);
	check_journal(242, 120);
	check_journal(4, 1);
	check_journal(5, 1);
	check_journal(7, 2);
	check_journal(66, 32);
	check_journal(300, TEEARRAY_JREC_MAX_DESC);
	/* The geometry refuses journals without two slots and two halves. */
	for (js = 0; js < 4; js++)
		CHECK(teearray_geometry_init(&g, 4, 3, 100000, js, 32) == -EINVAL);
	CHECK(teearray_geometry_init(&g, 4, 3, 100000, 4, 32) == 0);
	CHECK(teearray_geometry_init(&g, 4, 3, 100000, TEEARRAY_DEF_JOURNAL_SECTORS, 32) == 0);
	CHECK(g.journal_start == 1 && g.meta_start == 1 + 242);
	tap_end("jrec: journal capacity, record slots and payload halves (242 -> 120, 4 -> 1); "
		"journals under 4 sectors refused");
}

int main(void)
{
	unsigned int i;

	tap_plan(7);
	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < sizeof(root_key); i++)
		root_key[i] = (u8)(i * 11 + 5);
	teearray_derive_key(root_key, 64, uuid_a, TEEARRAY_PURPOSE_METADATA, 0, meta_key);
	if (teearray_geometry_init(&geo, 4, 3, 100000, TEEARRAY_DEF_JOURNAL_SECTORS, 32))
		return 1;
	test_layout();
	test_kat();
	test_roundtrip();
	test_corruption();
	test_authentic_invalid();
	test_payload_mac();
	test_journal_layout();
	return tap_exit_status();
}
