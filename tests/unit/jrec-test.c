// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the journal atomicity records of format version 4, the
 * erasure-coded journal (kernel/teearray-jrec.c): the on-member layout, a
 * record of variable length (header, summary lines, payload MACs, then the
 * record MAC; the rest of the sector zero), with records built byte by
 * byte and MACed with libsodium, their MACs computed independently with
 * Python's hmac/hashlib (a 4+2, a 128+128 and an empty record); build/parse
 * round trips for arrays from 1+1 to 128+128, against the test's own
 * encoder; every single-byte corruption; authentic records with each
 * out-of-range field (each with a control just inside its range); records
 * parsed as another member's; the payload MAC; the stripe limit of a
 * record, build's clamp to it, and the summary helpers.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "teearray-kdf.h"
#include "teearray-jrec.h"
#include "tap.h"

#define SECTOR TEEARRAY_SECTOR_SIZE
#define HDR 64
#define RMAC 32		/* the record MAC, at the end of the record */

static u8 root_key[64];
static const u8 uuid_a[16] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
			       0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };
static u8 meta_key[32];
static struct teearray_geometry geo;	/* 4+2, default journal, 100000-sector members */

static u32 members(const struct teearray_geometry *g)
{
	return g->data_members + g->parity_members;
}

/* End of the erasure-coded areas: home sectors lie in [meta_start, end). */
static u64 area_end(const struct teearray_geometry *g)
{
	return g->data_start + g->data_sectors;
}

static u64 rnd(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

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

static void put_le(u8 *p, u64 v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (u8)(v >> (8 * i));
}

static u64 get_le(const u8 *p, unsigned int bytes)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

/* A summary line as the format defines it: le64 member sector, ceil(M / 64) words. */
static u32 line_size(const struct teearray_geometry *g)
{
	return 8 + 8 * ((members(g) + 63) / 64);
}

/* Bytes of a record: header, nst lines, nown payload MACs, record MAC. */
static u32 rec_len(const struct teearray_geometry *g, u32 nst, u32 nown)
{
	return HDR + nst * line_size(g) + nown * 16 + RMAC;
}

/* Length of the record in d, as its header's counts say. */
static u32 hdr_len(const u8 *d, const struct teearray_geometry *g)
{
	return rec_len(g, (u32)get_le(d + 44, 2), (u32)get_le(d + 46, 2));
}

/*
 * The record MAC as the format defines it, with libsodium: over "TA-JREC"
 * and the bytes before it, at the end of the record its header's counts
 * describe (none when those do not fit the sector).
 */
static void remac(u8 *d, const struct teearray_geometry *g, const u8 key[32])
{
	crypto_auth_hmacsha256_state st;
	u32 len = hdr_len(d, g);

	if (len > SECTOR)
		return;
	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, (const u8 *)"TA-JREC", 7);
	crypto_auth_hmacsha256_update(&st, d, len - RMAC);
	crypto_auth_hmacsha256_final(&st, d + len - RMAC);
}

/*
 * A record of member slot with nst distinct stripes: the first at
 * meta_start, the second at the last data sector, the rest anywhere in the
 * erasure-coded areas; each column journalled with probability 1/4 (at
 * least one per stripe; stripe 2 has columns 0 and M - 1); then the slot's
 * own MACs.
 */
static void make_rec(struct teearray_jrec *r, const struct teearray_geometry *g,
		     u64 version, u32 slot, u32 nst, u64 seed)
{
	u64 span = area_end(g) - g->meta_start, x = seed;
	u32 m = members(g), s, t, c, i;

	memset(r, 0, sizeof(*r));
	r->version = version;
	r->generation = 0x0102030405060708ULL ^ seed;
	r->slot = slot;
	r->nstripes = nst;
	for (s = 0; s < nst; s++) {
		struct teearray_jrec_stripe *st = &r->st[s];
		bool any = false;

		if (s == 0) {
			st->ms = g->meta_start;
		} else if (s == 1) {
			st->ms = area_end(g) - 1;
		} else {
			for (;;) {
				st->ms = g->meta_start + rnd(&x) % span;
				for (t = 0; t < s && r->st[t].ms != st->ms; t++)
					;
				if (t == s)
					break;
			}
		}
		for (c = 0; c < m; c++) {
			if (rnd(&x) % 4)
				continue;
			__set_bit(c, st->cols);
			any = true;
		}
		if (s == 2) {
			__set_bit(0, st->cols);
			__set_bit(m - 1, st->cols);
		} else if (!any) {
			__set_bit(rnd(&x) % m, st->cols);
		}
	}
	r->nown = teearray_jrec_count_own(r, g, slot);
	for (i = 0; i < r->nown; i++)
		for (c = 0; c < TEEARRAY_JPAY_MAC_SIZE; c++)
			r->mac[i][c] = (u8)rnd(&x);
}

/* Recount and refill the own MACs after the summary of r changed. */
static void fix_own(struct teearray_jrec *r, const struct teearray_geometry *g)
{
	u32 i;

	r->nown = teearray_jrec_count_own(r, g, r->slot);
	memset(r->mac, 0, sizeof(r->mac));
	for (i = 0; i < r->nown; i++)
		memset(r->mac[i], (int)(0xa0 + i), TEEARRAY_JPAY_MAC_SIZE);
}

/* Everything parse fills in, including that it left the rest zero. */
static bool rec_equal(const struct teearray_jrec *a, const struct teearray_jrec *b)
{
	return a->version == b->version && a->generation == b->generation &&
	       a->slot == b->slot && a->nstripes == b->nstripes && a->nown == b->nown &&
	       !memcmp(a->st, b->st, sizeof(a->st)) && !memcmp(a->mac, b->mac, sizeof(a->mac));
}

static bool rec_zero(const struct teearray_jrec *r)
{
	return !r->version && !r->generation && !r->slot && !r->nstripes && !r->nown &&
	       teearray_all_zero(r->st, sizeof(r->st)) &&
	       teearray_all_zero(r->mac, sizeof(r->mac));
}

/* Nothing of the record but (perhaps) its counts: what parse refusing the sizes leaves. */
static bool rec_bare(const struct teearray_jrec *r)
{
	return !r->version && !r->generation && !r->slot &&
	       teearray_all_zero(r->st, sizeof(r->st)) &&
	       teearray_all_zero(r->mac, sizeof(r->mac));
}

static struct teearray_jrec rec, out;

static void test_layout(void)
{
	static const u32 ms[][2] = { { 2, 16 }, { 6, 16 }, { 64, 16 }, { 65, 24 }, { 128, 24 },
				     { 129, 32 }, { 192, 32 }, { 193, 40 }, { 256, 40 } };
	struct teearray_jrec_hdr_disk h;
	struct teearray_geometry g;
	unsigned int i;

	tap_begin();
	CHECK(sizeof(struct teearray_jrec_hdr_disk) == HDR);
	CHECK(offsetof(struct teearray_jrec_hdr_disk, magic) == 0);
	CHECK(offsetof(struct teearray_jrec_hdr_disk, version) == 8);
	CHECK(offsetof(struct teearray_jrec_hdr_disk, array_uuid) == 16);
	CHECK(offsetof(struct teearray_jrec_hdr_disk, generation) == 32);
	CHECK(offsetof(struct teearray_jrec_hdr_disk, slot) == 40);
	CHECK(offsetof(struct teearray_jrec_hdr_disk, nstripes) == 44);
	CHECK(offsetof(struct teearray_jrec_hdr_disk, nown) == 46);
	CHECK(offsetof(struct teearray_jrec_hdr_disk, flags) == 48);
	CHECK(offsetof(struct teearray_jrec_hdr_disk, reserved) == 52);
	CHECK(TEEARRAY_JREC_HDR_SIZE == HDR && TEEARRAY_MAC_SIZE == RMAC);
	CHECK(TEEARRAY_JREC_ROOM == SECTOR - HDR - RMAC && TEEARRAY_JREC_ROOM == 4000);
	CHECK(TEEARRAY_JPAY_MAC_SIZE == 16);
	h.magic = cpu_to_le64(TEEARRAY_JREC_MAGIC);
	CHECK(!memcmp(&h.magic, "TA_JRNL2", 8));
	/* A summary line: le64 member sector and ceil(M / 64) 64-bit words. */
	for (i = 0; i < ARRAY_SIZE(ms); i++) {
		CHECK(teearray_geometry_init(&g, ms[i][0] - 1, 1, 100000, 242, 32) == 0);
		CHECK(teearray_jrec_stripe_size(&g) == ms[i][1] && line_size(&g) == ms[i][1]);
		/* A record: header, lines, payload MACs and its 32-byte MAC. */
		CHECK(teearray_jrec_len(&g, 0, 0) == 96);
		CHECK(teearray_jrec_len(&g, 1, 0) == 96 + ms[i][1]);
		CHECK(teearray_jrec_len(&g, 1, 1) == 112 + ms[i][1]);
		CHECK(teearray_jrec_len(&g, 7, 3) == 96 + 7 * ms[i][1] + 48);
		CHECK(teearray_jrec_len(&g, 71, 71) == rec_len(&g, 71, 71));
	}
	/* The largest records: 4072 bytes at M = 256, a whole sector at M = 64. */
	CHECK(teearray_geometry_init(&g, 128, 128, 1 << 24, 242, 32) == 0);
	CHECK(teearray_jrec_len(&g, 71, 71) == 4072);
	CHECK(teearray_geometry_init(&g, 60, 4, 1 << 20, 300, 32) == 0);
	CHECK(teearray_jrec_max_stripes(&g) == 125 && teearray_jrec_len(&g, 125, 125) == SECTOR);
	/* The summary struct holds any member's column. */
	CHECK(sizeof(rec.st[0].cols) * 8 >= TEEARRAY_MAX_MEMBERS);
	tap_end("jrec: 64-byte header, summary lines of 8 + 8 * ceil(M / 64) bytes, 16-byte payload "
		"MACs, record length 64 + lines + MACs + 32 (96 to 4096 bytes)");
}

/*
 * Three records built byte by byte from the format description, record
 * MACs (HMAC-SHA256 over "TA-JREC" and the record's bytes before its MAC)
 * and a payload MAC computed independently with Python's hmac/hashlib
 * (key bytes 0x80..0x9f, array UUID 10..1f, MACs 11..20 and 31..40):
 *  A: 4+2 (100000-sector members: meta 243, log 922, data 954), version 5,
 *     generation 3, slot 1; stripes 960 {0,1,4}, 243 {2}, 925 {0,5}: slot 1
 *     holds column 1 of 960 and column 0 of 925, not column 4 of 243.
 *     176 bytes, MAC at 144.
 *  B: 128+128, version 9, generation 0xfedcba9876543210, slot 255; stripes
 *     99999 {0,63,64,96,200,255}, 243 {12}: slot 255 holds column 96 of
 *     99999 and 12 of 243.  208 bytes, MAC at 176.
 *  E: 4+2, version 1, generation 0, slot 0, no stripes: 96 bytes, MAC at 64.
 *  payload MAC: version 5, slot 1, sector 960, payload byte i = i * 5 + 3.
 */
#define KAT_A_MAC "93e14754221f033d2437872d47b4cd6bbd8402350470dc904617ca6936397a4b"
#define KAT_B_MAC "5325b6ce545cb79868971dc77c487c3778abdc2ba88d63977b163babfec25ac9"
#define KAT_E_MAC "6487798b7c8182775221cd241bd5d1c6a540f264ad1c817cec70cd40319ce0fa"
#define KAT_JPAY_MAC "52fb652ddd3ab14ecbb766933e4350f3"

static void kat_key(u8 key[32])
{
	unsigned int i;

	for (i = 0; i < 32; i++)
		key[i] = (u8)(0x80 + i);
}

static void kat_header(u8 *hand, u64 version, u64 generation, u32 slot, u16 nst, u16 nown)
{
	memcpy(hand, "TA_JRNL2", 8);
	put_le(hand + 8, version, 8);
	memcpy(hand + 16, uuid_a, 16);
	put_le(hand + 32, generation, 8);
	put_le(hand + 40, slot, 4);
	put_le(hand + 44, nst, 2);
	put_le(hand + 46, nown, 2);
}

static void kat_macs(u8 *m0, u8 *m1)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		m0[i] = (u8)(0x11 + i);
		m1[i] = (u8)(0x31 + i);
	}
}

/*
 * The test's own encoding of r, from the format description, without the
 * record MAC (remac() adds it) and without build's clamping: header, the
 * r->nstripes lines, the r->nown MACs, zeros.  Returns the record's length;
 * 0, writing nothing, when it would not fit the sector.
 */
static u32 encode(u8 *d, const struct teearray_jrec *r, const struct teearray_geometry *g)
{
	u32 ls = line_size(g), len = rec_len(g, r->nstripes, r->nown), s, c, i;

	if (len > SECTOR)
		return 0;
	memset(d, 0, SECTOR);
	kat_header(d, r->version, r->generation, r->slot, (u16)r->nstripes, (u16)r->nown);
	for (s = 0; s < r->nstripes; s++) {
		put_le(d + HDR + s * ls, r->st[s].ms, 8);
		for (c = 0; c < 8 * (ls - 8); c++)
			if (test_bit(c, r->st[s].cols))
				d[HDR + s * ls + 8 + c / 8] |= (u8)(1u << (c % 8));
	}
	for (i = 0; i < r->nown; i++)
		memcpy(d + HDR + r->nstripes * ls + 16 * i, r->mac[i], 16);
	return len;
}

static void test_kat(void)
{
	u8 key[32], *hand = calloc(1, SECTOR), *d = malloc(SECTOR), *d2 = malloc(SECTOR);
	struct teearray_geometry gb;
	char *error = NULL;
	unsigned int c, i;

	tap_begin();
	kat_key(key);
	/* A: M = 6, one bitmap word per stripe, 16-byte lines. */
	kat_header(hand, 5, 3, 1, 3, 2);
	put_le(hand + 64, 960, 8);
	hand[72] = 0x13;			/* columns 0, 1, 4 */
	put_le(hand + 80, 243, 8);
	hand[88] = 0x04;			/* column 2 */
	put_le(hand + 96, 925, 8);
	hand[104] = 0x21;			/* columns 0, 5 */
	kat_macs(hand + 112, hand + 128);
	remac(hand, &geo, key);
	CHECK(hex_equal(hand + 144, 32, KAT_A_MAC));
	CHECK(teearray_all_zero(hand + 176, SECTOR - 176));

	memset(&rec, 0, sizeof(rec));
	rec.version = 5;
	rec.generation = 3;
	rec.slot = 1;
	rec.nstripes = 3;
	rec.st[0].ms = 960;
	__set_bit(0, rec.st[0].cols);
	__set_bit(1, rec.st[0].cols);
	__set_bit(4, rec.st[0].cols);
	rec.st[1].ms = 243;
	__set_bit(2, rec.st[1].cols);
	rec.st[2].ms = 925;
	__set_bit(0, rec.st[2].cols);
	__set_bit(5, rec.st[2].cols);
	CHECK(teearray_jrec_count_own(&rec, &geo, 1) == 2);
	rec.nown = 2;
	kat_macs(rec.mac[0], rec.mac[1]);
	CHECK(teearray_jrec_len(&geo, 3, 2) == 176);
	memset(d, 0x5a, SECTOR);
	CHECK(teearray_jrec_build(d, &rec, &geo, uuid_a, key) == 176);
	CHECK(!memcmp(d, hand, SECTOR));	/* and zero after the MAC */
	CHECK(teearray_jrec_parse(hand, &out, uuid_a, key, &geo, 1, 7, &error) == 0);
	CHECK(rec_equal(&rec, &out));
	CHECK(out.st[2].ms == 925 && test_bit(5, out.st[2].cols) && !test_bit(4, out.st[2].cols));

	/* B: M = 256, four words per stripe, 40-byte lines; bit c of byte c / 8. */
	CHECK(teearray_geometry_init(&gb, 128, 128, 100000, TEEARRAY_DEF_JOURNAL_SECTORS, 32) == 0);
	CHECK(gb.meta_start == 243 && area_end(&gb) == 100000);
	memset(hand, 0, SECTOR);
	kat_header(hand, 9, 0xfedcba9876543210ULL, 255, 2, 2);
	put_le(hand + 64, 99999, 8);
	hand[72 + 0] = 0x01;			/* column 0 */
	hand[72 + 7] = 0x80;			/* 63 */
	hand[72 + 8] = 0x01;			/* 64 */
	hand[72 + 12] = 0x01;			/* 96 */
	hand[72 + 25] = 0x01;			/* 200 */
	hand[72 + 31] = 0x80;			/* 255 */
	put_le(hand + 104, 243, 8);
	hand[112 + 1] = 0x10;			/* 12 */
	kat_macs(hand + 144, hand + 160);
	remac(hand, &gb, key);
	CHECK(hex_equal(hand + 176, 32, KAT_B_MAC));
	CHECK(teearray_all_zero(hand + 208, SECTOR - 208));

	memset(&rec, 0, sizeof(rec));
	rec.version = 9;
	rec.generation = 0xfedcba9876543210ULL;
	rec.slot = 255;
	rec.nstripes = 2;
	rec.st[0].ms = 99999;
	for (c = 0; c < 256; c++)
		if (c == 0 || c == 63 || c == 64 || c == 96 || c == 200 || c == 255)
			__set_bit(c, rec.st[0].cols);
	rec.st[1].ms = 243;
	__set_bit(12, rec.st[1].cols);
	CHECK(teearray_jrec_count_own(&rec, &gb, 255) == 2);
	CHECK(teearray_jrec_count_all(&rec) == 7);
	rec.nown = 2;
	kat_macs(rec.mac[0], rec.mac[1]);
	CHECK(teearray_jrec_len(&gb, 2, 2) == 208);
	memset(d, 0xff, SECTOR);
	CHECK(teearray_jrec_build(d, &rec, &gb, uuid_a, key) == 208);
	CHECK(!memcmp(d, hand, SECTOR));
	CHECK(teearray_jrec_parse(hand, &out, uuid_a, key, &gb, 255, 7, &error) == 0);
	CHECK(rec_equal(&rec, &out));
	memset(d2, 0xff, SECTOR);
	CHECK(teearray_jrec_build(d2, &out, &gb, uuid_a, key) == 208);
	CHECK(!memcmp(d2, hand, SECTOR));
	for (i = 0, c = 0; c < 256; c++)
		i += test_bit(c, out.st[0].cols);
	CHECK(i == 6 && test_bit(255, out.st[0].cols) && test_bit(200, out.st[0].cols));

	/* E: the shortest record, its MAC right after the header. */
	memset(hand, 0, SECTOR);
	kat_header(hand, 1, 0, 0, 0, 0);
	remac(hand, &geo, key);
	CHECK(hex_equal(hand + 64, 32, KAT_E_MAC));
	CHECK(teearray_all_zero(hand + 96, SECTOR - 96));
	memset(&rec, 0, sizeof(rec));
	rec.version = 1;
	memset(d, 0x5a, SECTOR);
	CHECK(teearray_jrec_len(&geo, 0, 0) == 96);
	CHECK(teearray_jrec_build(d, &rec, &geo, uuid_a, key) == 96);
	CHECK(!memcmp(d, hand, SECTOR));
	CHECK(teearray_jrec_parse(hand, &out, uuid_a, key, &geo, 0, 0, &error) == 0);
	CHECK(rec_equal(&rec, &out));
	free(hand);
	free(d);
	free(d2);
	tap_end("jrec: known answers: hand-built 4+2, 128+128 and empty records (176, 208, 96 bytes, "
		"zero after) equal the built ones, build returns their length, and they parse back");
}

static void test_payload_mac(void)
{
	u8 key[32], *pay = malloc(SECTOR), base[16], mac[16], sod[32], uuid_b[16], le[20];
	crypto_auth_hmacsha256_state st;
	unsigned int i;

	tap_begin();
	kat_key(key);
	for (i = 0; i < SECTOR; i++)
		pay[i] = (u8)(i * 5 + 3);
	/* HMAC(key, "TA-JPAY" || uuid || le64 version || le32 slot || le64 sector || payload) */
	put_le(le, 5, 8);
	put_le(le + 8, 1, 4);
	put_le(le + 12, 960, 8);
	crypto_auth_hmacsha256_init(&st, key, 32);
	crypto_auth_hmacsha256_update(&st, (const u8 *)"TA-JPAY", 7);
	crypto_auth_hmacsha256_update(&st, uuid_a, 16);
	crypto_auth_hmacsha256_update(&st, le, 20);
	crypto_auth_hmacsha256_update(&st, pay, SECTOR);
	crypto_auth_hmacsha256_final(&st, sod);
	CHECK(hex_equal(sod, 16, KAT_JPAY_MAC));
	memset(base, 0xee, 16);
	teearray_jpay_mac(key, uuid_a, 5, 1, 960, pay, base);
	CHECK(hex_equal(base, 16, KAT_JPAY_MAC));

	/* It binds version, slot and home sector, each in full width... */
	teearray_jpay_mac(key, uuid_a, 6, 1, 960, pay, mac);
	CHECK(memcmp(base, mac, 16));
	teearray_jpay_mac(key, uuid_a, 5 | (1ULL << 63), 1, 960, pay, mac);
	CHECK(memcmp(base, mac, 16));
	teearray_jpay_mac(key, uuid_a, 5, 0, 960, pay, mac);
	CHECK(memcmp(base, mac, 16));
	teearray_jpay_mac(key, uuid_a, 5, 1 | (1u << 31), 960, pay, mac);
	CHECK(memcmp(base, mac, 16));
	teearray_jpay_mac(key, uuid_a, 5, 1, 961, pay, mac);
	CHECK(memcmp(base, mac, 16));
	teearray_jpay_mac(key, uuid_a, 5, 1, 960 | (1ULL << 40), pay, mac);
	CHECK(memcmp(base, mac, 16));
	/* ... with the fields apart (version 1, slot 5 is not version 5, slot 1) ... */
	teearray_jpay_mac(key, uuid_a, 1, 5, 960, pay, mac);
	CHECK(memcmp(base, mac, 16));
	teearray_jpay_mac(key, uuid_a, 5, 960, 1, pay, mac);
	CHECK(memcmp(base, mac, 16));
	/* ... and the array, the key and every part of the payload. */
	memcpy(uuid_b, uuid_a, 16);
	uuid_b[15] ^= 1;
	teearray_jpay_mac(key, uuid_b, 5, 1, 960, pay, mac);
	CHECK(memcmp(base, mac, 16));
	key[31] ^= 1;
	teearray_jpay_mac(key, uuid_a, 5, 1, 960, pay, mac);
	CHECK(memcmp(base, mac, 16));
	key[31] ^= 1;
	for (i = 0; i < SECTOR; i += 455) {
		pay[i] ^= 0x10;
		teearray_jpay_mac(key, uuid_a, 5, 1, 960, pay, mac);
		CHECK(memcmp(base, mac, 16));
		pay[i] ^= 0x10;
	}
	pay[SECTOR - 1] ^= 0x80;
	teearray_jpay_mac(key, uuid_a, 5, 1, 960, pay, mac);
	CHECK(memcmp(base, mac, 16));
	pay[SECTOR - 1] ^= 0x80;
	teearray_jpay_mac(key, uuid_a, 5, 1, 960, pay, mac);
	CHECK(!memcmp(base, mac, 16));
	free(pay);
	tap_end("jrec: payload MAC known answer; it binds version, slot, home sector, UUID, key, payload");
}

/* Shapes of the round trip: N, P, member sectors. */
static const struct { u32 n, p; u64 sectors; } shapes[] = {
	{ 4, 2, 100000 }, { 8, 8, 1 << 20 }, { 2, 16, 1 << 20 }, { 2, 128, 1 << 22 },
	{ 128, 128, 1 << 24 }, { 1, 1, 100000 }, { 60, 4, 1 << 20 }, { 61, 4, 1 << 20 },
};

/*
 * Build (into sectors full of other bytes): the length returned is
 * teearray_jrec_len, the bytes after it zero, the bytes those of the test's
 * own encoder and MAC; parse with the exact capacity, compare, rebuild:
 * same bytes.
 */
static bool roundtrip(const struct teearray_geometry *g, u8 *d, u8 *d2)
{
	static u8 own[SECTOR];
	u32 all = teearray_jrec_count_all(&rec), len = rec_len(g, rec.nstripes, rec.nown);
	char *error = NULL;
	bool ok = len <= SECTOR;

	memset(d, 0xa5, SECTOR);
	ok &= teearray_jrec_build(d, &rec, g, uuid_a, meta_key) == len;
	ok &= teearray_jrec_len(g, rec.nstripes, rec.nown) == len;
	ok &= teearray_all_zero(d + len, SECTOR - len);
	ok &= encode(own, &rec, g) == len;
	remac(own, g, meta_key);
	ok &= !memcmp(d, own, SECTOR);
	ok &= teearray_jrec_parse(d, &out, uuid_a, meta_key, g, rec.slot, all, &error) == 0;
	ok &= rec_equal(&rec, &out);
	memset(d2, 0x5a, SECTOR);
	ok &= teearray_jrec_build(d2, &out, g, uuid_a, meta_key) == len;
	ok &= !memcmp(d, d2, SECTOR);
	/* The payload capacity bounds the summary: one fewer is refused. */
	if (all) {
		error = NULL;
		ok &= teearray_jrec_parse(d, &out, uuid_a, meta_key, g, rec.slot, all - 1,
					  &error) == -EINVAL && error;
	}
	return ok;
}

static void test_roundtrip(void)
{
	u8 *d = malloc(SECTOR), *d2 = malloc(SECTOR), other_key[32];
	unsigned int i, k, bad = 0, runs = 0;
	struct teearray_geometry g;
	char *error;

	tap_begin();
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		u32 m = shapes[i].n + shapes[i].p, max, s, own;
		u32 nsts[6];

		CHECK(teearray_geometry_init(&g, shapes[i].n, shapes[i].p, shapes[i].sectors,
					     TEEARRAY_DEF_JOURNAL_SECTORS, 32) == 0);
		max = teearray_jrec_max_stripes(&g);
		CHECK(max >= 3 && area_end(&g) - g.meta_start > 4 * max);
		nsts[0] = 0;
		nsts[1] = 1;
		nsts[2] = 2;
		nsts[3] = 5;
		nsts[4] = max / 2;
		nsts[5] = max;
		for (k = 0; k < ARRAY_SIZE(nsts); k++) {
			u32 slots[3] = { 0, m - 1, (7 * k + i) % m };

			for (s = 0; s < 3; s++) {
				make_rec(&rec, &g, 1 + k * 1000003ULL + i, slots[s], nsts[k],
					 i * 100 + k);
				runs++;
				if (!roundtrip(&g, d, d2) && bad++ < 5)
					printf("#   %u+%u: %u stripes, slot %u\n", shapes[i].n,
					       shapes[i].p, nsts[k], slots[s]);
			}
			/* Every member's record of one entry: the same entry, own MACs split. */
			make_rec(&rec, &g, 77, 0, nsts[k], i * 100 + k);
			for (s = 0, own = 0; s < m; s++) {
				make_rec(&out, &g, 77, s, nsts[k], i * 100 + k);
				own += out.nown;
				CHECK(teearray_jrec_same_entry(&rec, &out));
			}
			CHECK(own == teearray_jrec_count_all(&rec));
		}
		/* The densest record: max stripes, every column, a payload on every member. */
		make_rec(&rec, &g, ~0ULL, m / 2, max, i);
		for (s = 0; s < max; s++)
			memset(rec.st[s].cols, 0, sizeof(rec.st[s].cols));
		for (s = 0; s < max; s++)
			for (k = 0; k < m; k++)
				__set_bit(k, rec.st[s].cols);
		fix_own(&rec, &g);
		CHECK(rec.nown == max && teearray_jrec_count_all(&rec) == max * m);
		CHECK(rec_len(&g, max, max) <= SECTOR);
		runs++;
		if (!roundtrip(&g, d, d2) && bad++ < 5)
			printf("#   %u+%u: densest record\n", shapes[i].n, shapes[i].p);
	}
	CHECK(runs == ARRAY_SIZE(shapes) * (6 * 3 + 1));
	CHECK(bad == 0);

	/* Extreme but legal header values. */
	make_rec(&rec, &geo, ~0ULL, 5, 3, 1);
	rec.generation = 0;
	CHECK(roundtrip(&geo, d, d2));
	make_rec(&rec, &geo, 1, 0, 3, 2);
	rec.generation = ~0ULL;
	CHECK(roundtrip(&geo, d, d2));
	/* The longest record: 60+4 and a larger journal, 125 full stripes, the whole sector. */
	CHECK(teearray_geometry_init(&g, 60, 4, 1 << 20, 300, 32) == 0);
	make_rec(&rec, &g, 3, 17, 125, 99);
	for (i = 0; i < 125; i++)
		for (k = 0; k < 64; k++)
			__set_bit(k, rec.st[i].cols);
	fix_own(&rec, &g);
	CHECK(rec.nown == 125 && rec_len(&g, 125, 125) == SECTOR);
	CHECK(roundtrip(&g, d, d2));
	/* Blank slot, wrong key; a failed parse leaves nothing behind. */
	memset(d2, 0, SECTOR);
	error = NULL;
	CHECK(teearray_jrec_parse(d2, &out, uuid_a, meta_key, &geo, 0, 240, &error) == -ENODATA);
	CHECK(error != NULL && rec_zero(&out));
	make_rec(&rec, &geo, 12, 2, 4, 3);
	teearray_jrec_build(d, &rec, &geo, uuid_a, meta_key);
	memcpy(other_key, meta_key, 32);
	other_key[31] ^= 1;
	error = NULL;
	CHECK(teearray_jrec_parse(d, &out, uuid_a, other_key, &geo, 2, 240, &error) == -EBADMSG);
	CHECK(error != NULL && rec_zero(&out));
	free(d);
	free(d2);
	tap_end("jrec: build/parse round trip, canonical bytes of the returned length, zero after, "
		"for 4+2, 8+8, 2+16, 2+128, 128+128, 1+1, 60+4, 61+4 up to the densest record; "
		"blank -> ENODATA, wrong key -> EBADMSG");
}

/*
 * Every byte of a record sector, XORed with several masks: never accepted.
 * A corrupt magic is refused before the MAC, as are stripe and payload
 * counts out of range (the counts locate the MAC); any other change to the
 * record's bytes, its MAC included, fails the MAC; a byte after the MAC,
 * which the MAC does not cover, is refused as such.
 */
static void test_corruption(void)
{
	static const u8 masks[] = { 0x01, 0x80, 0xff };
	u8 *d = malloc(SECTOR), *bad = malloc(SECTOR);
	unsigned int n, i, j, k, tried = 0, unexpected = 0, mac = 0, counts = 0, tail = 0;
	unsigned int tails = 0;
	struct teearray_geometry g[3];
	char *error;
	bool ok;
	u32 len;
	int r;

	tap_begin();
	g[0] = geo;
	CHECK(teearray_geometry_init(&g[1], 128, 128, 1 << 24, TEEARRAY_DEF_JOURNAL_SECTORS,
				     32) == 0);
	CHECK(teearray_geometry_init(&g[2], 60, 4, 1 << 20, 300, 32) == 0);
	for (n = 0; n < 3; n++) {
		u32 slot = 3 + n;

		make_rec(&rec, &g[n], 77 + n, slot, n ? teearray_jrec_max_stripes(&g[n]) : 5, n);
		if (n == 2) {
			/* 125 stripes of every column: 4096 bytes, no tail. */
			for (i = 0; i < rec.nstripes; i++)
				for (k = 0; k < members(&g[n]); k++)
					__set_bit(k, rec.st[i].cols);
			fix_own(&rec, &g[n]);
		}
		len = teearray_jrec_build(d, &rec, &g[n], uuid_a, meta_key);
		CHECK(len == rec_len(&g[n], rec.nstripes, rec.nown));
		CHECK(n != 2 || len == SECTOR);
		tails += (SECTOR - len) * ARRAY_SIZE(masks);
		CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &g[n], slot, 1u << 20,
					  &error) == 0);
		for (i = 0; i < SECTOR; i++) {
			for (j = 0; j < ARRAY_SIZE(masks); j++) {
				memcpy(bad, d, SECTOR);
				bad[i] ^= masks[j];
				error = NULL;
				r = teearray_jrec_parse(bad, &out, uuid_a, meta_key, &g[n], slot,
							1u << 20, &error);
				tried++;
				if (!error) {
					ok = false;
				} else if (i < 8) {
					ok = r == -EINVAL && strstr(error, "format 4") &&
					     rec_zero(&out);
				} else if (i >= 44 && i < 48 && r == -EINVAL) {
					ok = (strstr(error, "more stripes") ||
					      strstr(error, "payload count")) && rec_bare(&out);
					counts += ok;
				} else if (i >= len) {
					ok = r == -EINVAL && strstr(error, "bytes after") &&
					     rec_bare(&out);
					tail += ok;
				} else {
					ok = r == -EBADMSG && rec_zero(&out);
					mac += ok;
				}
				if (!ok && unexpected++ < 5)
					printf("#   record %u: byte %u ^ %#x: %d (%s)\n", n, i,
					       masks[j], r, error ? error : "-");
			}
		}
	}
	CHECK(tried == 3 * SECTOR * ARRAY_SIZE(masks));
	CHECK(unexpected == 0);
	/* Each kind happened: count changes both ways, and every tail byte. */
	CHECK(counts > 0 && tail == tails && tails > 0);
	CHECK(mac + counts + tail + 3 * 8 * ARRAY_SIZE(masks) == tried);
	free(d);
	free(bad);
	tap_end("jrec: every single-byte corruption (3 masks; 4+2, a full 128+128 and a 4096-byte "
		"60+4 record) refused: EBADMSG, or EINVAL for the magic, for stripe or payload "
		"counts out of range, and for any byte after the MAC");
}

/* Parse d as it is. */
static int parse_as_is(u8 *d, const struct teearray_geometry *g, u32 slot, u32 cap,
		       char **error)
{
	*error = NULL;
	return teearray_jrec_parse(d, &out, uuid_a, meta_key, g, slot, cap, error);
}

/*
 * Re-MAC d (an authentic record, as a member with the key could write) at
 * the end its header's counts give, and parse it.
 */
static int parse_remac(u8 *d, const struct teearray_geometry *g, u32 slot, u32 cap,
		       char **error)
{
	remac(d, g, meta_key);
	return parse_as_is(d, g, slot, cap, error);
}

/* Refused as out of range, for the reason named (a word of its message). */
#define REFUSED_BY(parse, d, g, slot, cap, why)					\
	do {									\
		char *err_;							\
		int r_ = parse(d, g, slot, cap, &err_);				\
		CHECK(r_ == -EINVAL);						\
		CHECK(err_ && strstr(err_, why));				\
		if (r_ != -EINVAL || !err_ || !strstr(err_, why))		\
			printf("#   got %d (%s), want %s\n", r_,		\
			       err_ ? err_ : "-", why);				\
	} while (0)
#define REFUSED(d, g, slot, cap, why) REFUSED_BY(parse_remac, d, g, slot, cap, why)
/* The same without a new MAC: refused before it, or after it verified. */
#define REFUSED_AS_IS(d, g, slot, cap, why) REFUSED_BY(parse_as_is, d, g, slot, cap, why)

#define ACCEPTED(d, g, slot, cap)						\
	do {									\
		char *err_;							\
		int r_ = parse_remac(d, g, slot, cap, &err_);			\
		CHECK(r_ == 0);							\
		if (r_)								\
			printf("#   refused: %s\n", err_ ? err_ : "-");		\
	} while (0)

#define CAP (1u << 20)

/*
 * The base record of the range tests: 4+2, member 2, stripes in data,
 * metadata and log areas, none at a bound.
 */
static void base_rec(struct teearray_jrec *r)
{
	static const u64 ms[5] = { 964, 965, 248, 930, 1454 };
	static const u8 cols[5] = { 0x13, 0x06, 0x21, 0x3f, 0x08 };
	u32 s, c;

	memset(r, 0, sizeof(*r));
	r->version = 10;
	r->generation = 4;
	r->slot = 2;
	r->nstripes = 5;
	for (s = 0; s < 5; s++) {
		r->st[s].ms = ms[s];
		for (c = 0; c < 8; c++)
			if (cols[s] & (1u << c))
				__set_bit(c, r->st[s].cols);
	}
	fix_own(r, &geo);
}

static void build(u8 *d, const struct teearray_jrec *r, const struct teearray_geometry *g)
{
	teearray_jrec_build(d, r, g, uuid_a, meta_key);
}

/*
 * Set the counts of the record in d: its end, so its MAC, moves; the bytes
 * from the new MAC on are cleared (the MAC is the caller's).
 */
static void set_counts(u8 *d, const struct teearray_geometry *g, u32 nst, u32 nown)
{
	u32 len;

	put_le(d + 44, nst, 2);
	put_le(d + 46, nown, 2);
	len = hdr_len(d, g);
	if (len <= SECTOR)
		memset(d + len - RMAC, 0, SECTOR - len + RMAC);
}

static void test_authentic_invalid(void)
{
	u8 *good = malloc(SECTOR), *d = malloc(SECTOR), uuid_b[16];
	const u32 ss = teearray_jrec_stripe_size(&geo);
	struct teearray_geometry small, wide, g256;
	struct teearray_jrec base;
	u32 own, all, i, end, len;
	char *error;

	tap_begin();
	base_rec(&base);
	own = base.nown;
	all = teearray_jrec_count_all(&base);
	CHECK(own == 3 && all == 14);
	build(good, &base, &geo);
	/* remac() agrees with the code's MAC, so the tests below are meaningful. */
	memcpy(d, good, SECTOR);
	ACCEPTED(d, &geo, 2, all);
	CHECK(!memcmp(d, good, SECTOR) && rec_equal(&base, &out));

	/* Magic: another format's record under a valid MAC. */
	memcpy(d, good, SECTOR);
	memcpy(d, "TA_JRNL1", 8);
	REFUSED(d, &geo, 2, CAP, "format 4");
	memcpy(d, good, SECTOR);
	d[7] ^= 0x40;
	REFUSED(d, &geo, 2, CAP, "format 4");
	/* Another array's record under the same key. */
	memcpy(d, good, SECTOR);
	d[16 + 15] ^= 1;
	REFUSED(d, &geo, 2, CAP, "another array");
	memcpy(uuid_b, uuid_a, 16);
	uuid_b[0] ^= 0x80;
	teearray_jrec_build(d, &base, &geo, uuid_b, meta_key);
	error = NULL;
	CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &geo, 2, CAP, &error) == -EINVAL);
	CHECK(error && strstr(error, "another array"));
	CHECK(teearray_jrec_parse(d, &out, uuid_b, meta_key, &geo, 2, CAP, &error) == 0);
	/* Flags and reserved bytes. */
	for (i = 0; i < 32; i += 3) {
		memcpy(d, good, SECTOR);
		put_le(d + 48, 1ULL << i, 4);
		REFUSED(d, &geo, 2, CAP, "flags");
	}
	for (i = 52; i < 64; i++) {
		memcpy(d, good, SECTOR);
		d[i] = (u8)(1u << (i % 8));
		REFUSED(d, &geo, 2, CAP, "reserved");
	}
	/* Version 0; 1 and the largest are fine. */
	memcpy(d, good, SECTOR);
	put_le(d + 8, 0, 8);
	REFUSED(d, &geo, 2, CAP, "version 0");
	put_le(d + 8, 1, 8);
	ACCEPTED(d, &geo, 2, CAP);
	put_le(d + 8, ~0ULL, 8);
	ACCEPTED(d, &geo, 2, CAP);
	CHECK(out.version == ~0ULL);
	/* The header names another member than the one it was read from. */
	for (i = 0; i < 6; i++) {
		memcpy(d, good, SECTOR);
		put_le(d + 40, i, 4);
		if (i == 2)
			ACCEPTED(d, &geo, 2, CAP);
		else
			REFUSED(d, &geo, 2, CAP, "another member");
	}
	memcpy(d, good, SECTOR);
	put_le(d + 40, 2 | (1ULL << 31), 4);
	REFUSED(d, &geo, 2, CAP, "another member");

	/*
	 * nstripes above teearray_jrec_max_stripes (120 here); the bound is
	 * fine.  Build leaves such stripes out, so the test's encoder writes
	 * them (the record does fit the sector).
	 */
	make_rec(&rec, &geo, 10, 2, 120, 5);
	build(d, &rec, &geo);
	ACCEPTED(d, &geo, 2, CAP);
	make_rec(&rec, &geo, 10, 2, 121, 5);
	CHECK(encode(d, &rec, &geo) == HDR + 121 * ss + rec.nown * 16 + RMAC);
	REFUSED(d, &geo, 2, CAP, "more stripes");
	memcpy(d, good, SECTOR);
	put_le(d + 44, 0xffff, 2);
	REFUSED(d, &geo, 2, CAP, "more stripes");
	/* ... which follows the journal: a half of 3 sectors holds 3 stripes. */
	CHECK(teearray_geometry_init(&small, 4, 2, 100000, 8, 32) == 0);
	CHECK(teearray_jrec_max_stripes(&small) == 3);
	make_rec(&rec, &small, 10, 1, 3, 6);
	build(d, &rec, &small);
	ACCEPTED(d, &small, 1, CAP);
	make_rec(&rec, &small, 10, 1, 4, 6);
	CHECK(encode(d, &rec, &small) != 0);
	REFUSED(d, &small, 1, CAP, "more stripes");
	/* ... and M: 71 stripes at M = 256. */
	CHECK(teearray_geometry_init(&g256, 128, 128, 1 << 24, TEEARRAY_DEF_JOURNAL_SECTORS,
				     32) == 0);
	make_rec(&rec, &g256, 10, 200, 71, 7);
	build(d, &rec, &g256);
	ACCEPTED(d, &g256, 200, CAP);
	make_rec(&rec, &g256, 10, 200, 72, 7);
	CHECK(encode(d, &rec, &g256) == HDR + 72 * 40 + rec.nown * 16 + RMAC);
	REFUSED(d, &g256, 200, CAP, "more stripes");
	/*
	 * The counts locate the MAC, so they are bounded before it: too many
	 * stripes, or more payloads than stripes, refused with no MAC at all;
	 * counts in range move the MAC, so they fail it.
	 */
	memcpy(d, good, SECTOR);
	put_le(d + 44, 121, 2);
	REFUSED_AS_IS(d, &geo, 2, CAP, "more stripes");
	memcpy(d, good, SECTOR);
	put_le(d + 44, 0xffff, 2);
	REFUSED_AS_IS(d, &geo, 2, CAP, "more stripes");
	memcpy(d, good, SECTOR);
	put_le(d + 46, 6, 2);
	REFUSED_AS_IS(d, &geo, 2, CAP, "payload count");
	memcpy(d, good, SECTOR);
	put_le(d + 46, 0xffff, 2);
	REFUSED_AS_IS(d, &geo, 2, CAP, "payload count");
	memcpy(d, good, SECTOR);
	set_counts(d, &geo, 0, 1);
	REFUSED_AS_IS(d, &geo, 2, CAP, "payload count");
	memcpy(d, good, SECTOR);
	put_le(d + 46, 5, 2);
	CHECK(parse_as_is(d, &geo, 2, CAP, &error) == -EBADMSG);
	memcpy(d, good, SECTOR);
	put_le(d + 44, 120, 2);
	CHECK(parse_as_is(d, &geo, 2, CAP, &error) == -EBADMSG);
	memcpy(d, good, SECTOR);
	put_le(d + 44, 4, 2);
	CHECK(parse_as_is(d, &geo, 2, CAP, &error) == -EBADMSG);
	/* ... and authentic: more payloads than stripes, 6 of 5 or 1 of none. */
	rec = base;
	rec.nown = 6;
	CHECK(encode(d, &rec, &geo) != 0);
	REFUSED(d, &geo, 2, CAP, "payload count");
	memcpy(d, good, SECTOR);
	set_counts(d, &geo, 0, 1);
	REFUSED(d, &geo, 2, CAP, "payload count");

	/* Home sectors outside [meta_start, data_start + data_sectors). */
	{
		const u64 bad_ms[] = { 0, 1, geo.journal_start + geo.journal_sectors - 1,
				       geo.meta_start - 1, area_end(&geo), area_end(&geo) + 1,
				       geo.member_sectors + 7, 1ULL << 63, ~0ULL };
		const u64 good_ms[] = { geo.meta_start, geo.log_start, geo.data_start,
					area_end(&geo) - 1 };

		for (i = 0; i < ARRAY_SIZE(bad_ms); i++) {
			rec = base;
			rec.st[3].ms = bad_ms[i];
			fix_own(&rec, &geo);
			build(d, &rec, &geo);
			REFUSED(d, &geo, 2, CAP, "stripe out of range");
		}
		for (i = 0; i < ARRAY_SIZE(good_ms); i++) {
			rec = base;
			rec.st[3].ms = good_ms[i];
			fix_own(&rec, &geo);
			build(d, &rec, &geo);
			ACCEPTED(d, &geo, 2, CAP);
			CHECK(rec_equal(&rec, &out));
		}
	}
	/* The same stripe twice, adjacent or not. */
	rec = base;
	rec.st[1].ms = rec.st[0].ms;
	fix_own(&rec, &geo);
	build(d, &rec, &geo);
	REFUSED(d, &geo, 2, CAP, "stripe twice");
	rec = base;
	rec.st[4].ms = rec.st[2].ms;
	fix_own(&rec, &geo);
	build(d, &rec, &geo);
	REFUSED(d, &geo, 2, CAP, "stripe twice");
	/* Columns >= M in the bitmap (M = 6: bits 6..63 of each word). */
	for (i = 6; i < 64; i += 19) {
		memcpy(d, good, SECTOR);
		d[HDR + 1 * ss + 8 + i / 8] |= (u8)(1u << (i % 8));
		REFUSED(d, &geo, 2, CAP, "column out of range");
	}
	memcpy(d, good, SECTOR);
	d[HDR + 4 * ss + 8 + 7] |= 0x80;	/* column 63 of the last stripe */
	REFUSED(d, &geo, 2, CAP, "column out of range");
	memcpy(d, good, SECTOR);
	d[HDR + 0 * ss + 8] |= 0x40;		/* column 6 of the first */
	REFUSED(d, &geo, 2, CAP, "column out of range");
	rec = base;
	__set_bit(5, rec.st[1].cols);		/* column M - 1: fine */
	fix_own(&rec, &geo);
	build(d, &rec, &geo);
	ACCEPTED(d, &geo, 2, CAP);
	/* ... with a multi-word bitmap: 2+128 (M = 130, three words). */
	CHECK(teearray_geometry_init(&wide, 2, 128, 1 << 22, TEEARRAY_DEF_JOURNAL_SECTORS,
				     32) == 0);
	CHECK(teearray_jrec_stripe_size(&wide) == 32);
	make_rec(&rec, &wide, 10, 100, 4, 8);
	build(good, &rec, &wide);
	memcpy(d, good, SECTOR);
	ACCEPTED(d, &wide, 100, CAP);
	for (i = 130; i < 192; i += 61) {
		memcpy(d, good, SECTOR);
		d[HDR + 2 * 32 + 8 + i / 8] |= (u8)(1u << (i % 8));
		REFUSED(d, &wide, 100, CAP, "column out of range");
	}
	rec.st[0].ms = 2000;
	memset(rec.st[0].cols, 0, sizeof(rec.st[0].cols));
	__set_bit(129, rec.st[0].cols);
	__set_bit(128, rec.st[0].cols);
	__set_bit(64, rec.st[0].cols);
	fix_own(&rec, &wide);
	build(d, &rec, &wide);
	ACCEPTED(d, &wide, 100, CAP);
	CHECK(rec_equal(&rec, &out));
	build(good, &base, &geo);
	/* A stripe without columns. */
	rec = base;
	memset(rec.st[2].cols, 0, sizeof(rec.st[2].cols));
	fix_own(&rec, &geo);
	build(d, &rec, &geo);
	REFUSED(d, &geo, 2, CAP, "without columns");
	/*
	 * nown other than the member's own columns (within the stripes), the
	 * record MAC moved to the new end: the old one's first half taken as
	 * one more payload MAC, or the last payload MAC left out.
	 */
	memcpy(d, good, SECTOR);
	set_counts(d, &geo, 5, own + 1);
	REFUSED(d, &geo, 2, CAP, "payload count");
	memcpy(d, good, SECTOR);
	set_counts(d, &geo, 5, own - 1);
	REFUSED(d, &geo, 2, CAP, "payload count");
	memcpy(d, good, SECTOR);
	set_counts(d, &geo, 5, 5);
	REFUSED(d, &geo, 2, CAP, "payload count");
	memcpy(d, good, SECTOR);
	set_counts(d, &geo, 5, 0);
	REFUSED(d, &geo, 2, CAP, "payload count");
	memcpy(d, good, SECTOR);
	put_le(d + 46, 0xffff, 2);
	REFUSED(d, &geo, 2, CAP, "payload count");
	rec = base;
	rec.nown = own + 1;
	build(d, &rec, &geo);
	REFUSED(d, &geo, 2, CAP, "payload count");
	/* Total columns above the entry's payload capacity. */
	memcpy(d, good, SECTOR);
	REFUSED(d, &geo, 2, all - 1, "more sectors");
	REFUSED(d, &geo, 2, 0, "more sectors");
	ACCEPTED(d, &geo, 2, all);
	/*
	 * The record ends with its MAC right after the own MACs; anything
	 * after it (the MAC does not cover it, so it still verifies) is
	 * refused: one bit anywhere, the last byte, or one more MAC.
	 */
	end = HDR + 5 * ss + own * 16;
	len = end + RMAC;
	CHECK(teearray_jrec_len(&geo, 5, own) == len && len == 224);
	CHECK(teearray_all_zero(good + len, SECTOR - len));
	CHECK(!teearray_all_zero(good + end - 16, 16) && !teearray_all_zero(good + end, RMAC));
	for (i = len; i < SECTOR; i += 41) {
		memcpy(d, good, SECTOR);
		d[i] = (u8)(1u << (i % 8));
		REFUSED_AS_IS(d, &geo, 2, CAP, "bytes after");
	}
	memcpy(d, good, SECTOR);
	d[len] = 1;
	REFUSED_AS_IS(d, &geo, 2, CAP, "bytes after");
	memcpy(d, good, SECTOR);
	d[SECTOR - 1] = 0x80;
	REFUSED_AS_IS(d, &geo, 2, CAP, "bytes after");
	memcpy(d, good, SECTOR);
	memcpy(d + len, d + end, RMAC);
	REFUSED_AS_IS(d, &geo, 2, CAP, "bytes after");
	/* ... also re-MACed: one more payload MAC than the header counts. */
	memcpy(d, good, SECTOR);
	memset(d + end, 0xa5, 16 + RMAC);
	REFUSED(d, &geo, 2, CAP, "bytes after");
	/* The last byte of the MAC is covered by it. */
	memcpy(d, good, SECTOR);
	d[len - 1] ^= 1;
	CHECK(parse_as_is(d, &geo, 2, CAP, &error) == -EBADMSG && rec_zero(&out));
	/* The MAC bytes themselves are whatever the member wrote. */
	memcpy(d, good, SECTOR);
	d[end - 1] ^= 0xff;
	d[HDR + 5 * ss] ^= 0xff;
	ACCEPTED(d, &geo, 2, CAP);
	CHECK((out.mac[own - 1][15] ^ base.mac[own - 1][15]) == 0xff);
	/* An empty entry: no stripes, no payload, any capacity; its MAC right after the header. */
	rec = base;
	rec.nstripes = 0;
	fix_own(&rec, &geo);
	CHECK(teearray_jrec_build(d, &rec, &geo, uuid_a, meta_key) == HDR + RMAC);
	ACCEPTED(d, &geo, 2, 0);
	d[HDR + RMAC] = 1;
	REFUSED(d, &geo, 2, 0, "bytes after");
	d[HDR + RMAC] = 0;
	d[HDR] ^= 1;
	CHECK(parse_as_is(d, &geo, 2, 0, &error) == -EBADMSG);
	free(good);
	free(d);
	tap_end("jrec: authentic records with magic, UUID, flags, reserved, version 0, slot, nstripes, "
		"stripe range, duplicate, column, empty stripe, nown, capacity or bytes after the MAC out "
		"of range refused with EINVAL for that reason (the counts before the MAC); the bounds "
		"themselves accepted");
}

/*
 * Build leaves out summary lines beyond teearray_jrec_max_stripes and
 * payload MACs beyond the lines it keeps, so it never writes past the
 * sector (d is exactly a sector: ASan would see it), even from a struct
 * full to TEEARRAY_JREC_MAX_STRIPES stripes of every column, whose record
 * would not fit; what it writes is the record of the stripes it keeps.
 */
static void test_build_clamp(void)
{
	static const struct { u32 n, p; u64 journal; u32 max; } shapes[] = {
		{ 128, 128, TEEARRAY_DEF_JOURNAL_SECTORS, 71 },
		{ 2, 128, TEEARRAY_DEF_JOURNAL_SECTORS, 83 },
		{ 61, 4, 300, 100 },
		{ 60, 4, 300, 125 },
		{ 4, 2, TEEARRAY_DEF_JOURNAL_SECTORS, 120 },
		{ 4, 2, 8, 3 },
	};
	static struct teearray_jrec keep;
	u8 *d = malloc(SECTOR);
	struct teearray_geometry g;
	unsigned int i, s, c, overflow = 0;
	char *error;
	u32 m, max, len;

	tap_begin();
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		CHECK(teearray_geometry_init(&g, shapes[i].n, shapes[i].p, 1 << 24,
					     shapes[i].journal, 32) == 0);
		m = members(&g);
		max = teearray_jrec_max_stripes(&g);
		CHECK(max == shapes[i].max);
		make_rec(&rec, &g, 5 + i, m - 1, TEEARRAY_JREC_MAX_STRIPES, 40 + i);
		for (s = 0; s < rec.nstripes; s++)
			for (c = 0; c < m; c++)
				__set_bit(c, rec.st[s].cols);
		fix_own(&rec, &g);
		CHECK(rec.nown == TEEARRAY_JREC_MAX_STRIPES);
		overflow += rec_len(&g, rec.nown, rec.nown) > SECTOR;
		memset(d, 0xa5, SECTOR);
		len = teearray_jrec_build(d, &rec, &g, uuid_a, meta_key);
		CHECK(len == teearray_jrec_len(&g, max, max) && len == rec_len(&g, max, max));
		CHECK(len <= SECTOR && teearray_all_zero(d + len, SECTOR - len));
		CHECK(get_le(d + 44, 2) == max && get_le(d + 46, 2) == max);
		/* It is the record of the first max stripes. */
		keep = rec;
		keep.nstripes = keep.nown = max;
		memset(keep.st + max, 0, sizeof(keep.st) - max * sizeof(keep.st[0]));
		memset(keep.mac + max, 0, sizeof(keep.mac) - max * sizeof(keep.mac[0]));
		error = NULL;
		CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &g, m - 1, CAP, &error) == 0);
		CHECK(rec_equal(&keep, &out));
	}
	/* 128+128, 2+128 and 61+4 would have overflowed. */
	CHECK(overflow == 3);
	/* More payload MACs than lines: as many as the lines; no count overflows. */
	base_rec(&rec);
	rec.nown = 10;
	memset(d, 0xa5, SECTOR);
	len = teearray_jrec_build(d, &rec, &geo, uuid_a, meta_key);
	CHECK(len == teearray_jrec_len(&geo, 5, 5) && teearray_all_zero(d + len, SECTOR - len));
	CHECK(get_le(d + 44, 2) == 5 && get_le(d + 46, 2) == 5);
	rec.nstripes = ~0u;
	rec.nown = ~0u;
	memset(d, 0xa5, SECTOR);
	len = teearray_jrec_build(d, &rec, &geo, uuid_a, meta_key);
	CHECK(len == teearray_jrec_len(&geo, 120, 120) && teearray_all_zero(d + len, SECTOR - len));
	CHECK(get_le(d + 44, 2) == 120 && get_le(d + 46, 2) == 120);
	free(d);
	tap_end("jrec: build clamps a summary to max_stripes (71 at M = 256, 83, 100, 125, 120, 3) "
		"and payload MACs to the lines, within the sector, as a parseable record");
}

/* A member's record read as another member's is refused. */
static void test_wrong_slot(void)
{
	u8 *d = malloc(SECTOR);
	unsigned int a, b, accepted = 0, refused = 0;
	struct teearray_geometry g256;
	char *error;
	int r;

	tap_begin();
	for (a = 0; a < 6; a++) {
		make_rec(&rec, &geo, 20 + a, a, 9, a);
		build(d, &rec, &geo);
		for (b = 0; b < 6; b++) {
			error = NULL;
			r = teearray_jrec_parse(d, &out, uuid_a, meta_key, &geo, b, CAP, &error);
			if (a == b) {
				accepted += r == 0;
			} else {
				refused += r == -EINVAL && error && strstr(error, "another member");
			}
		}
		error = NULL;
		CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &geo, a + 6, CAP, &error) ==
		      -EINVAL);
		CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &geo, ~0u, CAP, &error) ==
		      -EINVAL);
	}
	CHECK(accepted == 6 && refused == 30);
	/* M = 256: slot 511 is not slot 255 (no comparison modulo M). */
	CHECK(teearray_geometry_init(&g256, 128, 128, 1 << 24, TEEARRAY_DEF_JOURNAL_SECTORS,
				     32) == 0);
	make_rec(&rec, &g256, 3, 255, 10, 9);
	build(d, &rec, &g256);
	error = NULL;
	CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &g256, 255, CAP, &error) == 0);
	CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &g256, 0, CAP, &error) == -EINVAL);
	CHECK(teearray_jrec_parse(d, &out, uuid_a, meta_key, &g256, 511, CAP, &error) == -EINVAL);
	free(d);
	tap_end("jrec: a record parses only as the record of the member it names (4+2 all pairs, 128+128)");
}

/* Record slots and payload halves stay inside the journal and never overlap. */
static void check_journal(u64 journal_sectors, u32 m, u32 want_max)
{
	struct teearray_geometry g;
	u32 max, i, j;
	u64 v, end;

	CHECK(teearray_geometry_init(&g, m - 1, 1, 1000000, journal_sectors, 32) == 0);
	max = teearray_jrec_max_stripes(&g);
	CHECK(max == want_max);
	if (max != want_max)
		printf("#   journal %llu, M %u: max_stripes %u, want %u\n",
		       (unsigned long long)journal_sectors, m, max, want_max);
	/* The densest record fits, and one more stripe would not fit (or is capped). */
	CHECK(teearray_jrec_len(&g, max, max) <= SECTOR && rec_len(&g, max, max) <= SECTOR);
	CHECK(max == TEEARRAY_JREC_MAX_STRIPES || max == teearray_journal_half(&g) ||
	      rec_len(&g, max + 1, max + 1) > SECTOR);
	CHECK(max <= teearray_journal_half(&g) && max <= TEEARRAY_JREC_MAX_STRIPES);
	end = g.journal_start + g.journal_sectors;
	CHECK(end == g.meta_start);
	for (v = 1; v <= 4; v++) {
		u64 rs = teearray_jrec_sector(&g, v);

		CHECK(rs == g.journal_start + (v % 2));
		CHECK(rs != teearray_jrec_sector(&g, v + 1));
		CHECK(rs == teearray_jrec_sector(&g, v + 2));
		/* A member's own payloads: at most one per stripe, so max_stripes. */
		for (i = 0; i < max; i++) {
			u64 s = teearray_jpay_sector(&g, v, i);

			CHECK(s >= g.journal_start + 2 && s < end);
			CHECK(s == teearray_jpay_sector(&g, v + 2, i));
			if (i)
				CHECK(s == teearray_jpay_sector(&g, v, i - 1) + 1);
			for (j = 0; j < max; j++)
				CHECK(s != teearray_jpay_sector(&g, v + 1, j));
		}
	}
	CHECK(teearray_jpay_sector(&g, 2, 0) == g.journal_start + 2);
	CHECK(teearray_jpay_sector(&g, 1, 0) == g.journal_start + 2 + (journal_sectors - 2) / 2);
}

static void test_max_stripes(void)
{
	struct teearray_geometry g;

	tap_begin();
	CHECK(TEEARRAY_DEF_JOURNAL_SECTORS == 242);
	CHECK(teearray_jrec_max_stripes(&geo) == 120);
	/* The default journal: its half (120) up to M = 64, then the record's room. */
	check_journal(TEEARRAY_DEF_JOURNAL_SECTORS, 6, 120);
	check_journal(TEEARRAY_DEF_JOURNAL_SECTORS, 64, 120);
	check_journal(TEEARRAY_DEF_JOURNAL_SECTORS, 65, 100);	/* 4000 / 40 */
	check_journal(TEEARRAY_DEF_JOURNAL_SECTORS, 130, 83);	/* 4000 / 48 */
	check_journal(TEEARRAY_DEF_JOURNAL_SECTORS, 192, 83);
	check_journal(TEEARRAY_DEF_JOURNAL_SECTORS, 193, 71);	/* 4000 / 56 */
	check_journal(TEEARRAY_DEF_JOURNAL_SECTORS, 256, 71);
	/* A larger journal: the record's room, capped at 125. */
	check_journal(252, 2, 125);
	check_journal(300, 64, 125);
	check_journal(1 << 16, 6, 125);
	check_journal(300, 65, 100);
	/* Small journals: the payload half. */
	check_journal(4, 6, 1);
	check_journal(5, 6, 1);
	check_journal(7, 6, 2);
	check_journal(8, 6, 3);
	check_journal(10, 256, 4);
	check_journal(66, 6, 32);
	CHECK(teearray_geometry_init(&g, 128, 128, 1 << 24, TEEARRAY_DEF_JOURNAL_SECTORS, 32) == 0);
	CHECK(teearray_jrec_max_stripes(&g) == 71);
	tap_end("jrec: stripes per record: 120 for 4+2 (default journal), 71 at M = 256, 125 at most, "
		"the payload half for small journals; payload sectors stay in their half");
}

static void test_counts(void)
{
	static const u32 want_own[6] = { 3, 2, 0, 0, 1, 1 };
	struct teearray_geometry g256;
	struct teearray_jrec a, b;
	u32 s, c, sum;

	tap_begin();
	/* 4+2: 960 (960 % 6 = 0) {0,1,4}, 961 (1) {0,5}, 243 (3) {2,3}. */
	memset(&a, 0, sizeof(a));
	a.version = 4;
	a.generation = 2;
	a.nstripes = 3;
	a.st[0].ms = 960;
	__set_bit(0, a.st[0].cols);
	__set_bit(1, a.st[0].cols);
	__set_bit(4, a.st[0].cols);
	a.st[1].ms = 961;
	__set_bit(0, a.st[1].cols);
	__set_bit(5, a.st[1].cols);
	a.st[2].ms = 243;
	__set_bit(2, a.st[2].cols);
	__set_bit(3, a.st[2].cols);
	CHECK(teearray_jrec_count_all(&a) == 7);
	for (s = 0, sum = 0; s < 6; s++) {
		CHECK(teearray_jrec_count_own(&a, &geo, s) == want_own[s]);
		sum += teearray_jrec_count_own(&a, &geo, s);
	}
	CHECK(sum == 7);
	/* Homes follow teearray_slot_of: column 5 of 961 is on slot 0. */
	CHECK(teearray_slot_of(&geo, 961, 5) == 0 && teearray_column_of(&geo, 961, 0) == 5);
	/* Only the first nstripes count. */
	a.nstripes = 2;
	CHECK(teearray_jrec_count_all(&a) == 5 && teearray_jrec_count_own(&a, &geo, 5) == 0);
	a.nstripes = 0;
	CHECK(teearray_jrec_count_all(&a) == 0 && teearray_jrec_count_own(&a, &geo, 0) == 0);
	a.nstripes = 3;
	/* M = 256: every column of two stripes. */
	CHECK(teearray_geometry_init(&g256, 128, 128, 1 << 24, TEEARRAY_DEF_JOURNAL_SECTORS,
				     32) == 0);
	memset(&b, 0, sizeof(b));
	b.nstripes = 2;
	b.st[0].ms = g256.meta_start;
	b.st[1].ms = g256.data_start + 12345;
	for (c = 0; c < 256; c++) {
		__set_bit(c, b.st[0].cols);
		__set_bit(c, b.st[1].cols);
	}
	CHECK(teearray_jrec_count_all(&b) == 512);
	for (s = 0; s < 256; s++)
		CHECK(teearray_jrec_count_own(&b, &g256, s) == 2);

	/* same_entry: version, generation and summary; not slot, nown or MACs. */
	b = a;
	CHECK(teearray_jrec_same_entry(&a, &b));
	b.slot = 4;
	b.nown = 1;
	memset(b.mac, 0x77, sizeof(b.mac));
	CHECK(teearray_jrec_same_entry(&a, &b) && teearray_jrec_same_entry(&b, &a));
	b = a;
	b.version++;
	CHECK(!teearray_jrec_same_entry(&a, &b));
	b = a;
	b.generation ^= 1ULL << 63;
	CHECK(!teearray_jrec_same_entry(&a, &b));
	b = a;
	b.nstripes = 2;
	CHECK(!teearray_jrec_same_entry(&a, &b) && !teearray_jrec_same_entry(&b, &a));
	b = a;
	b.st[2].ms++;
	CHECK(!teearray_jrec_same_entry(&a, &b));
	b = a;
	__set_bit(1, b.st[1].cols);
	CHECK(!teearray_jrec_same_entry(&a, &b));
	b = a;
	b.st[0].cols[0] &= ~(1UL << 4);	/* column 4 of 960 */
	CHECK(!teearray_jrec_same_entry(&a, &b));
	/* Stripes past nstripes do not matter. */
	b = a;
	b.st[3].ms = 999;
	__set_bit(1, b.st[3].cols);
	CHECK(teearray_jrec_same_entry(&a, &b));
	tap_end("jrec: count_own (per slot, by teearray_slot_of), count_all and same_entry");
}

int main(void)
{
	unsigned int i;

	tap_plan(10);
	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < sizeof(root_key); i++)
		root_key[i] = (u8)(i * 11 + 5);
	teearray_derive_key(root_key, 64, uuid_a, TEEARRAY_PURPOSE_METADATA, 0, meta_key);
	if (teearray_geometry_init(&geo, 4, 2, 100000, TEEARRAY_DEF_JOURNAL_SECTORS, 32))
		return 1;
	test_layout();
	test_kat();
	test_payload_mac();
	test_roundtrip();
	test_corruption();
	test_authentic_invalid();
	test_build_clamp();
	test_wrong_slot();
	test_max_stripes();
	test_counts();
	return tap_exit_status();
}
