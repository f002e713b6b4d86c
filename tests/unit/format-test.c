// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the pure on-member code: HMAC/HKDF (RFC vectors and an
 * independent libsodium cross-check), geometry, superblock, death record
 * and stripe placement.
 */
#include <stdlib.h>
#include <sodium.h>
#include "teearray-kdf.h"
#include "teearray-format.h"
#include "tap.h"

/* Computed independently with Python's hmac/hashlib (RFC 5869 by hand). */
#define KDF_KAT "bf2643079e8cbfca6536a45345f6cba9dc14b485ad33dfb2211af313512991a2"

static void unhex(const char *h, u8 *out, size_t *len)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2)
		sscanf(h, "%2hhx", &out[n++]);
	*len = n;
}

static int hex_equal(const u8 *b, size_t len, const char *hex)
{
	u8 want[256];
	size_t n;

	unhex(hex, want, &n);
	return n == len && !memcmp(b, want, n);
}

static void test_hmac_rfc4231(void)
{
	u8 key[131], out[32];
	size_t klen;

	tap_begin();
	memset(key, 0x0b, 20);
	teearray_hmac(key, 20, (const u8 *)"Hi There", 8, out);
	CHECK(hex_equal(out, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
	teearray_hmac((const u8 *)"Jefe", 4,
		      (const u8 *)"what do ya want for nothing?", 28, out);
	CHECK(hex_equal(out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
	memset(key, 0xaa, sizeof(key));
	klen = sizeof(key);
	teearray_hmac(key, klen,
		      (const u8 *)"Test Using Larger Than Block-Size Key - Hash Key First", 54, out);
	CHECK(hex_equal(out, 32, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"));
	tap_end("kdf: HMAC-SHA256 RFC 4231 cases 1, 2, 6");
}

static void test_hmac_vs_sodium(void)
{
	u8 key[100], msg[300], a[32], b[32];
	crypto_auth_hmacsha256_state st;
	unsigned int klen, mlen;

	tap_begin();
	for (klen = 0; klen < sizeof(key); klen += 7) {
		for (mlen = 0; mlen < sizeof(msg); mlen += 31) {
			randombytes_buf(key, klen);
			randombytes_buf(msg, mlen);
			teearray_hmac(key, klen, msg, mlen, a);
			crypto_auth_hmacsha256_init(&st, key, klen);
			crypto_auth_hmacsha256_update(&st, msg, mlen);
			crypto_auth_hmacsha256_final(&st, b);
			CHECK(!memcmp(a, b, 32));
		}
	}
	tap_end("kdf: HMAC-SHA256 equals libsodium for key lengths 0-98, messages 0-279");
}

static void test_hkdf_rfc5869(void)
{
	u8 ikm[80], salt[80], info[80], okm[82];
	size_t il, sl, nl;

	tap_begin();
	unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", ikm, &il);
	unhex("000102030405060708090a0b0c", salt, &sl);
	unhex("f0f1f2f3f4f5f6f7f8f9", info, &nl);
	teearray_hkdf(salt, sl, ikm, il, info, nl, okm, 42);
	CHECK(hex_equal(okm, 42, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));

	for (il = 0; il < 80; il++) {
		ikm[il] = (u8)il;
		salt[il] = (u8)(0x60 + il);
		info[il] = (u8)(0xb0 + il);
	}
	teearray_hkdf(salt, 80, ikm, 80, info, 80, okm, 82);
	CHECK(hex_equal(okm, 82, "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"));

	unhex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", ikm, &il);
	teearray_hkdf(NULL, 0, ikm, il, NULL, 0, okm, 42);
	CHECK(hex_equal(okm, 42, "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"));
	tap_end("kdf: HKDF-SHA256 RFC 5869 cases 1, 2, 3");
}

static void test_derive(void)
{
	u8 root[64], uuid[16], a[32], b[32];

	tap_begin();
	memset(root, 0x42, sizeof(root));
	memset(uuid, 0x17, sizeof(uuid));
	teearray_derive_key(root, 64, uuid, "metadata", 0, a);
	teearray_derive_key(root, 64, uuid, "metadata", 0, b);
	CHECK(!memcmp(a, b, 32));
	teearray_derive_key(root, 64, uuid, "metadata", 1, b);
	CHECK(memcmp(a, b, 32));
	teearray_derive_key(root, 64, uuid, "sector", 0, b);
	CHECK(memcmp(a, b, 32));
	uuid[15] ^= 1;
	teearray_derive_key(root, 64, uuid, "metadata", 0, b);
	CHECK(memcmp(a, b, 32));
	uuid[15] ^= 1;
	root[63] ^= 1;
	teearray_derive_key(root, 64, uuid, "metadata", 0, b);
	CHECK(memcmp(a, b, 32));
	/* Known answer: pins the info encoding of the on-member format. */
	root[63] ^= 1;
	CHECK(hex_equal(a, 32, KDF_KAT));
	tap_end("kdf: derived keys separate purpose, epoch, array UUID and root; known answer");
}

static void test_geometry(void)
{
	static const u32 shapes[][2] = { {1, 1}, {2, 1}, {4, 3}, {8, 8}, {16, 4}, {128, 128}, {255, 1} };
	static const u64 sizes[] = { 101, 1000, 4096, 65536, 1000003, 1ULL << 30 };
	struct teearray_geometry g, bigger;
	unsigned int i, j;

	tap_begin();
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		for (j = 0; j < ARRAY_SIZE(sizes); j++) {
			u32 n = shapes[i][0], p = shapes[i][1];
			int r = teearray_geometry_init(&g, n, p, sizes[j], 66, 32);

			CHECK(r == 0);
			if (r)
				continue;
			CHECK(g.member_sectors <= sizes[j]);
			CHECK(g.journal_start == 1 && g.meta_start == 67);
			CHECK(g.log_start == g.meta_start + g.meta_sectors);
			CHECK(g.data_start == g.log_start + 32);
			CHECK(g.member_sectors == g.data_start + g.data_sectors);
			CHECK(g.array_sectors == g.data_sectors * n);
			/* Enough IV+MAC entries for every data sector... */
			CHECK(g.meta_sectors * n * TEEARRAY_META_PER_SECTOR >= g.array_sectors);
			/* ...and not one stripe more would fit. */
			bigger = g;
			bigger.data_sectors++;
			CHECK(1 + 66 + 32 + bigger.data_sectors +
			      (((bigger.data_sectors * n + 145) / 146 + n - 1) / n) > sizes[j]);
		}
	}
	CHECK(teearray_geometry_init(&g, 4, 3, 99, 66, 32) == -ENOSPC);
	CHECK(teearray_geometry_init(&g, 4, 3, 100, 66, 32) == -ENOSPC);
	CHECK(teearray_geometry_init(&g, 4, 0, 1000, 66, 32) == -EINVAL);
	CHECK(teearray_geometry_init(&g, 0, 1, 1000, 66, 32) == -EINVAL);
	CHECK(teearray_geometry_init(&g, 200, 57, 1000, 66, 32) == -EINVAL);
	CHECK(teearray_geometry_init(&g, 100, 129, 1000, 66, 32) == -EINVAL);
	CHECK(teearray_geometry_init(&g, 4, 3, 1ULL << 50, 66, 32) == -EINVAL);
	tap_end("format: geometry is maximal, consistent, and refuses impossible shapes");
}

static const u8 key[32] = { 1, 2, 3, 4, 5 };
static const u8 array_uuid[16] = { 0xaa, 0xbb, 1 };

static void make_sb(struct teearray_sb_disk *sb, struct teearray_sb_info *info)
{
	memset(info, 0, sizeof(*info));
	CHECK(teearray_geometry_init(&info->geo, 4, 3, 10000, 66, 32) == 0);
	memcpy(info->array_uuid, array_uuid, 16);
	memset(info->member_uuid, 0x5a, 16);
	info->slot = 6;
	info->create_time = 1700000000;
	teearray_sb_build(sb, info, key);
}

static void test_superblock(void)
{
	struct teearray_sb_disk sb, bad;
	struct teearray_sb_info info, out;
	u8 other_key[32] = { 9 };
	unsigned int i, bad_count = 0;
	char *error = NULL;

	tap_begin();
	make_sb(&sb, &info);
	CHECK(teearray_sb_parse(&sb, &out, key, &error) == 0);
	CHECK(!memcmp(&out, &info, sizeof(out)));
	CHECK(teearray_sb_parse(&sb, &out, other_key, &error) == -EBADMSG);
	memset(&bad, 0, sizeof(bad));
	CHECK(teearray_sb_parse(&bad, &out, key, &error) == -ENODATA);
	/* Every single-bit flip anywhere is refused. */
	for (i = 0; i < sizeof(sb) * 8; i += 7) {
		bad = sb;
		((u8 *)&bad)[i / 8] ^= (u8)(1 << (i % 8));
		bad_count += teearray_sb_parse(&bad, &out, key, &error) != 0;
	}
	CHECK(bad_count == (sizeof(sb) * 8 + 6) / 7);
	tap_end("format: superblock round trip; wrong key, blank sector and every bit flip refused");

	tap_begin();
	/* Authentic but inconsistent: the MAC is fine, the layout is not. */
	info.geo.data_sectors--;
	teearray_sb_build(&bad, &info, key);
	CHECK(teearray_sb_parse(&bad, &out, key, &error) == -EINVAL);
	CHECK(error && !strcmp(error, "inconsistent superblock geometry"));
	make_sb(&sb, &info);
	info.slot = 7;
	teearray_sb_build(&bad, &info, key);
	CHECK(teearray_sb_parse(&bad, &out, key, &error) == -EINVAL);
	CHECK(error && !strcmp(error, "superblock slot out of range"));
	/* An earlier release's array: its format version is named. */
	make_sb(&sb, &info);
	bad = sb;
	bad.format_version = cpu_to_le32(3);
	teearray_hmac(key, TEEARRAY_MAC_SIZE, (const u8 *)&bad,
		      offsetof(struct teearray_sb_disk, mac), bad.mac);
	CHECK(teearray_sb_parse(&bad, &out, key, &error) == -EINVAL);
	CHECK(error && strstr(error, "format version 3") && strstr(error, "reads version 4"));
	bad.format_version = cpu_to_le32(5);
	teearray_hmac(key, TEEARRAY_MAC_SIZE, (const u8 *)&bad,
		      offsetof(struct teearray_sb_disk, mac), bad.mac);
	CHECK(teearray_sb_parse(&bad, &out, key, &error) == -EINVAL);
	CHECK(error && !strcmp(error, "unsupported superblock format version"));
	tap_end("format: authentic superblocks with impossible fields or another format version are refused");

	tap_begin();
	/* Key epochs: the epoch is readable before the MAC is checked. */
	make_sb(&sb, &info);
	info.key_epoch = 41;
	info.rotating = true;
	teearray_sb_build(&sb, &info, key);
	CHECK(teearray_sb_key_epoch(&sb) == 41);
	CHECK(teearray_sb_parse(&sb, &out, key, &error) == 0);
	CHECK(out.key_epoch == 41 && out.rotating);
	CHECK(!memcmp(&out, &info, sizeof(out)));
	info.key_epoch = 0;
	teearray_sb_build(&bad, &info, key);
	CHECK(teearray_sb_parse(&bad, &out, key, &error) == -EINVAL);
	CHECK(error && !strcmp(error, "superblock rotates to epoch 0"));
	/* An unknown flag, authentic: refused. */
	bad = sb;
	bad.flags = cpu_to_le32(2);
	teearray_hmac(key, 32, (const u8 *)&bad, offsetof(struct teearray_sb_disk, mac), bad.mac);
	CHECK(teearray_sb_parse(&bad, &out, key, &error) == -EINVAL);
	/* Changing the epoch (to point at another key) breaks the MAC. */
	bad = sb;
	bad.key_epoch = cpu_to_le32(40);
	CHECK(teearray_sb_parse(&bad, &out, key, &error) == -EBADMSG);
	tap_end("format: superblock key epoch and rotating flag round trip; flags and epoch are authenticated");
}

static void test_death_record(void)
{
	struct teearray_dr_info info, out;
	struct teearray_dr_disk dr, bad;
	u8 other_uuid[16] = { 0xab };
	char *error = NULL;
	unsigned int i;

	tap_begin();
	memset(&info, 0, sizeof(info));
	info.version = 7;
	info.key_epoch = 12;
	info.generation = 3;
	info.nr_members = 7;
	for (i = 0; i < 7; i++) {
		info.state[i] = i == 2 ? TEEARRAY_MEMBER_DEAD : TEEARRAY_MEMBER_ALIVE;
		memset(info.instance[i], (int)i + 1, TEEARRAY_DR_INSTANCE_SIZE);
	}
	teearray_dr_build(&dr, &info, array_uuid, key);
	CHECK(le64_to_cpu(*(__le64 *)&dr) == 7);
	CHECK(teearray_dr_key_epoch(&dr) == 12);
	CHECK(teearray_dr_parse(&dr, &out, array_uuid, key, &error) == 0);
	CHECK(!memcmp(&out, &info, sizeof(out)));
	CHECK(teearray_dr_count(&out, TEEARRAY_MEMBER_DEAD) == 1);
	CHECK(teearray_dr_count(&out, TEEARRAY_MEMBER_ALIVE) == 6);
	CHECK(teearray_dr_parse(&dr, &out, other_uuid, key, &error) == -EINVAL);
	bad = dr;
	bad.generation ^= 1;
	CHECK(teearray_dr_parse(&bad, &out, array_uuid, key, &error) == -EBADMSG);
	info.state[3] = 'x';
	teearray_dr_build(&bad, &info, array_uuid, key);
	CHECK(teearray_dr_parse(&bad, &out, array_uuid, key, &error) == -EINVAL);
	/* A state for an unused slot, authentic: refused all the same. */
	bad = dr;
	bad.state[9] = TEEARRAY_MEMBER_ALIVE;
	teearray_hmac(key, 32, (const u8 *)&bad, offsetof(struct teearray_dr_disk, mac), bad.mac);
	CHECK(teearray_dr_parse(&bad, &out, array_uuid, key, &error) == -EINVAL);
	tap_end("format: death record round trip; other array, tampering, bad states refused");
}

static void test_placement(void)
{
	static const u32 shapes[][2] = { {2, 1}, {4, 3}, {8, 8}, {5, 2} };
	struct teearray_geometry g;
	unsigned int i;

	tap_begin();
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		u32 m = shapes[i][0] + shapes[i][1], c, s, slot;
		unsigned int count[256][256];

		memset(count, 0, sizeof(count));
		CHECK(teearray_geometry_init(&g, shapes[i][0], shapes[i][1], 100000, 66, 32) == 0);
		for (s = 0; s < 3 * m; s++) {
			unsigned int seen[256] = { 0 };

			for (c = 0; c < m; c++) {
				slot = teearray_slot_of(&g, s, c);
				CHECK(slot < m);
				CHECK(teearray_column_of(&g, s, slot) == c);
				seen[slot]++;
				count[slot][c]++;
			}
			for (slot = 0; slot < m; slot++)
				CHECK(seen[slot] == 1);
		}
		/* Over M stripes, every slot holds every column equally often. */
		for (slot = 0; slot < m; slot++)
			for (c = 0; c < m; c++)
				CHECK(count[slot][c] == 3);
	}
	tap_end("format: placement is a bijection per stripe and balances parity over members");
}

int main(void)
{
	tap_plan(10);
	if (sodium_init() < 0)
		return 1;
	test_hmac_rfc4231();
	test_hmac_vs_sodium();
	test_hkdf_rfc5869();
	test_derive();
	test_geometry();
	test_superblock();
	test_death_record();
	test_placement();
	return tap_exit_status();
}
