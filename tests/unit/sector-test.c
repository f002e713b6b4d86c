// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the per-sector AEAD and the metadata sectors
 * (kernel/teearray-sector.c, kernel/teearray-chacha20.h): ChaCha20 against
 * RFC 8439 vectors, seal/verify/decrypt, tampering of every input, unwritten
 * entries, the IV layout, metadata tags and known answers that recompute
 * the MAC inputs of the design note (notes/journal-design.md) by hand.
 */
#include <stdlib.h>
#include <sodium.h>
#include "teearray-kdf.h"
#include "teearray-sector.h"
#include "teearray-chacha20.h"
#include "tap.h"

#define SECTOR TEEARRAY_SECTOR_SIZE

static void unhex(const char *h, u8 *out, size_t *len)
{
	size_t n = 0;

	while (*h) {
		if (*h == ' ' || *h == '\n' || *h == ':') {
			h++;
			continue;
		}
		sscanf(h, "%2hhx", &out[n++]);
		h += 2;
	}
	*len = n;
}

static int hex_equal(const u8 *b, size_t len, const char *hex)
{
	u8 want[512];
	size_t n;

	unhex(hex, want, &n);
	return n == len && !memcmp(b, want, n);
}

static bool is_zero(const u8 *b, size_t len)
{
	while (len--)
		if (*b++)
			return false;
	return true;
}

/* ---- ChaCha20: the wrapper starts at block counter 0 ---------------- */

/* RFC 8439 section 2.4.2 (counter 1), typed in from the RFC. */
static const char rfc_242_plain[] =
	"Ladies and Gentlemen of the class of '99: If I could offer you only one "
	"tip for the future, sunscreen would be it.";
static const char rfc_242_cipher[] =
	"6e 2e 35 9a 25 68 f9 80 41 ba 07 28 dd 0d 69 81"
	"e9 7e 7a ec 1d 43 60 c2 0a 27 af cc fd 9f ae 0b"
	"f9 1b 65 c5 52 47 33 ab 8f 59 3d ab cd 62 b3 57"
	"16 39 d6 24 e6 51 52 ab 8f 53 0c 35 9f 08 61 d8"
	"07 ca 0d bf 50 0d 6a 61 56 a3 8e 08 8a 22 b6 5e"
	"52 bc 51 4d 16 cc f8 06 81 8c e9 1a b7 79 37 36"
	"5a f9 0b bf 74 a3 5b e6 b4 0b 8e ed f2 78 5e 42"
	"87 4d";

/* RFC 8439 section 2.3.2: serialized block, key 00..1f, counter 1. */
static const char rfc_232_block[] =
	"10 f1 e7 e4 d1 3b 59 15 50 0f dd 1f a3 20 71 c4"
	"c7 d1 f4 c7 33 c0 68 03 04 22 aa 9a c3 d4 6c 4e"
	"d2 82 64 46 07 9f aa 09 14 c2 d7 05 d9 8b 02 a2"
	"b5 12 9c d1 de 16 4e b9 cb d0 83 e8 a2 50 3c 4e";

/*
 * RFC 8439 section 2.6.2 (Poly1305 key generation): key 80..9f, nonce
 * 000000000001020304050607, block counter 0.  The final state words; the
 * first 32 bytes of their little-endian serialization are also printed in
 * the RFC ("Output bytes").
 */
static const u32 rfc_262_state[16] = {
	0x8ba0d58a, 0xcc815f90, 0x27405081, 0x7194b24a,
	0x37b633a8, 0xa50dfde3, 0xe2b8db08, 0x46a6d1fd,
	0x7da03782, 0x9183a233, 0x148ad271, 0xb46773d1,
	0x3cc1875a, 0x8607def1, 0xca5c3086, 0x7085eb87,
};
static const char rfc_262_out[] =
	"8a d5 a0 8b 90 5f 81 cc 81 50 40 27 4a b2 94 71"
	"a8 33 b6 37 e3 fd 0d a5 08 db b8 e2 fd d1 a6 46";

/* RFC 8439 appendix A.1/A.2 test vector #1: all-zero key and nonce, counter 0. */
static const char rfc_a1_block[] =
	"76 b8 e0 ad a0 f1 3d 90 40 5d 6a e5 53 86 bd 28"
	"bd d2 19 b8 a0 8d ed 1a a8 36 ef cc 8b 77 0d c7"
	"da 41 59 7c 51 57 48 8d 77 24 e0 3f b8 d8 4a 37"
	"6a 43 b8 f4 15 18 a1 1c c3 87 b6 69 b2 ee 65 86";

static void test_chacha20_rfc(void)
{
	u8 key[32], nonce[12], buf[64 + 114], ks[128];
	size_t n, plen = strlen(rfc_242_plain);
	unsigned int i;

	tap_begin();
	CHECK(plen == 114);
	/* 2.4.2: the RFC's counter-1 ciphertext starts at byte 64 of ours. */
	for (i = 0; i < 32; i++)
		key[i] = (u8)i;
	unhex("00 00 00 00 00 00 00 4a 00 00 00 00", nonce, &n);
	CHECK(n == 12);
	memset(buf, 0, 64);
	memcpy(buf + 64, rfc_242_plain, plen);
	teearray_chacha20(key, nonce, buf, buf, sizeof(buf));
	CHECK(hex_equal(buf + 64, 114, rfc_242_cipher));
	/* ...and decrypting gives the plaintext back, out of place. */
	{
		u8 back[sizeof(buf)];

		teearray_chacha20(key, nonce, back, buf, sizeof(buf));
		CHECK(is_zero(back, 64));
		CHECK(!memcmp(back + 64, rfc_242_plain, plen));
	}

	/* 2.3.2: the counter-1 block is bytes 64..127 of our keystream. */
	unhex("00 00 00 09 00 00 00 4a 00 00 00 00", nonce, &n);
	memset(ks, 0, sizeof(ks));
	teearray_chacha20(key, nonce, ks, ks, sizeof(ks));
	CHECK(hex_equal(ks + 64, 64, rfc_232_block));

	/* 2.6.2: counter 0 directly, non-trivial key and nonce. */
	for (i = 0; i < 32; i++)
		key[i] = (u8)(0x80 + i);
	unhex("00 00 00 00 00 01 02 03 04 05 06 07", nonce, &n);
	memset(ks, 0, 64);
	teearray_chacha20(key, nonce, ks, ks, 64);
	CHECK(hex_equal(ks, 32, rfc_262_out));
	for (i = 0; i < 16; i++) {
		__le32 w = cpu_to_le32(rfc_262_state[i]);

		CHECK(!memcmp(ks + 4 * i, &w, 4));
	}

	/* A.1 #1: all-zero key and nonce, counter 0. */
	memset(key, 0, sizeof(key));
	memset(nonce, 0, sizeof(nonce));
	memset(ks, 0, 64);
	teearray_chacha20(key, nonce, ks, ks, 64);
	CHECK(hex_equal(ks, 64, rfc_a1_block));
	tap_end("chacha20: RFC 8439 2.4.2 (at offset 64), 2.3.2 block 1, 2.6.2 and A.1 block 0");
}

/* ---- Sector AEAD -------------------------------------------------------- */

static u8 root_key[64];
static const u8 uuid_a[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
			       0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };

static void fill(u8 *b, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (u8)(i * 131 + seed * 17 + (i >> 8));
}

static void test_keys(void)
{
	struct teearray_sector_keys k;
	u8 want[32];

	tap_begin();
	teearray_sector_keys_init(&k, root_key, sizeof(root_key), uuid_a, 0);
	CHECK(!memcmp(k.array_uuid, uuid_a, 16));
	teearray_derive_key(root_key, 64, uuid_a, "sector-cipher", 0, want);
	CHECK(!memcmp(k.cipher, want, 32));
	teearray_derive_key(root_key, 64, uuid_a, "sector-mac", 0, want);
	CHECK(!memcmp(k.mac, want, 32));
	teearray_derive_key(root_key, 64, uuid_a, "metadata", 0, want);
	CHECK(!memcmp(k.meta, want, 32));
	CHECK(memcmp(k.cipher, k.mac, 32) && memcmp(k.mac, k.meta, 32) &&
	      memcmp(k.cipher, k.meta, 32));
	/* The epoch changes the data keys; the metadata key stays epoch 0. */
	{
		struct teearray_sector_keys k2;

		teearray_sector_keys_init(&k2, root_key, sizeof(root_key), uuid_a, 1);
		CHECK(memcmp(k.cipher, k2.cipher, 32));
		CHECK(memcmp(k.mac, k2.mac, 32));
		CHECK(!memcmp(k.meta, k2.meta, 32));
	}
	tap_end("sector: keys are HKDF purposes sector-cipher, sector-mac, metadata");
}

static void test_iv(void)
{
	static const u64 counters[] = { 1ULL << 32, (1ULL << 32) | 1, (7ULL << 32) | 0xffffffff,
					0xffffffffULL << 32, ~0ULL };
	u8 iv[TEEARRAY_IV_SIZE], want[TEEARRAY_IV_SIZE];
	unsigned int i;
	size_t n;

	tap_begin();
	teearray_iv_make(iv, 0x04030201, 0x1211100f0e0d0c0bULL);
	unhex("01 02 03 04 0b 0c 0d 0e 0f 10 11 12", want, &n);
	CHECK(n == 12 && !memcmp(iv, want, 12));
	/* (generation 5 << 32) | seq 9 under epoch 0 */
	teearray_iv_make(iv, 0, (5ULL << 32) | 9);
	unhex("00 00 00 00 09 00 00 00 05 00 00 00", want, &n);
	CHECK(!memcmp(iv, want, 12));
	/* Generation >= 1: never the all-zero "unwritten" IV. */
	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		teearray_iv_make(iv, 0, counters[i]);
		CHECK(!is_zero(iv, sizeof(iv)));
	}
	for (i = 0; i < 64; i++) {
		teearray_iv_make(iv, 0, (1ULL << 32) << (i % 32) | i);
		CHECK(!is_zero(iv, sizeof(iv)));
	}
	tap_end("sector: IV is le32 epoch || le64 counter and never zero for counter >= 2^32");
}

static void test_roundtrip(void)
{
	struct teearray_sector_keys k;
	struct teearray_entry e, e2;
	u8 *plain = malloc(SECTOR), *ct = malloc(SECTOR), *back = malloc(SECTOR);
	u8 iv[TEEARRAY_IV_SIZE];
	u64 vs;

	tap_begin();
	teearray_sector_keys_init(&k, root_key, sizeof(root_key), uuid_a, 0);
	for (vs = 0; vs < 5; vs++) {
		u64 v = vs * 0x100000007ULL;

		fill(plain, SECTOR, (unsigned int)vs);
		teearray_iv_make(iv, 0, (1ULL << 32) | (vs + 1));
		teearray_sector_seal(&k, v, iv, plain, ct, &e);
		CHECK(!memcmp(e.iv, iv, sizeof(iv)));
		CHECK(!teearray_entry_unwritten(&e));
		CHECK(memcmp(ct, plain, SECTOR));
		CHECK(teearray_sector_verify(&k, v, &e, ct) == 0);
		teearray_sector_decrypt(&k, &e, ct, back);
		CHECK(!memcmp(back, plain, SECTOR));
		/* In place: seal and decrypt may alias. */
		memcpy(back, plain, SECTOR);
		teearray_sector_seal(&k, v, iv, back, back, &e2);
		CHECK(!memcmp(back, ct, SECTOR) && !memcmp(&e, &e2, sizeof(e)));
		teearray_sector_decrypt(&k, &e2, back, back);
		CHECK(!memcmp(back, plain, SECTOR));
	}
	/* Another IV gives another ciphertext and MAC for the same plaintext. */
	teearray_iv_make(iv, 0, (2ULL << 32) | 1);
	teearray_sector_seal(&k, 3, iv, plain, back, &e2);
	teearray_iv_make(iv, 0, (2ULL << 32) | 2);
	teearray_sector_seal(&k, 3, iv, plain, ct, &e);
	CHECK(memcmp(back, ct, SECTOR) && memcmp(e.mac, e2.mac, sizeof(e.mac)));
	free(plain);
	free(ct);
	free(back);
	tap_end("sector: seal, verify, decrypt round trip (also in place)");
}

static void test_tamper(void)
{
	struct teearray_sector_keys k, other;
	struct teearray_entry e, bad;
	u8 *plain = malloc(SECTOR), *ct = malloc(SECTOR), *tmp = malloc(SECTOR);
	u8 iv[TEEARRAY_IV_SIZE], root2[64], uuid_b[16];
	const u64 v = 1234567;
	unsigned int bit, refused, tried;

	tap_begin();
	teearray_sector_keys_init(&k, root_key, sizeof(root_key), uuid_a, 0);
	fill(plain, SECTOR, 99);
	teearray_iv_make(iv, 0, (4ULL << 32) | 77);
	teearray_sector_seal(&k, v, iv, plain, ct, &e);
	CHECK(teearray_sector_verify(&k, v, &e, ct) == 0);

	/* Ciphertext: every 61st bit from the first, and the last bit. */
	refused = tried = 0;
	for (bit = 0; bit < SECTOR * 8 + 61; bit += 61) {
		unsigned int b = bit < SECTOR * 8 ? bit : SECTOR * 8 - 1;

		memcpy(tmp, ct, SECTOR);
		tmp[b / 8] ^= (u8)(1 << (b % 8));
		refused += teearray_sector_verify(&k, v, &e, tmp) == -EBADMSG;
		tried++;
	}
	CHECK(tried > 500 && refused == tried);
	/* Every bit of the entry: IV and MAC. */
	refused = tried = 0;
	for (bit = 0; bit < sizeof(e) * 8; bit++) {
		bad = e;
		((u8 *)&bad)[bit / 8] ^= (u8)(1 << (bit % 8));
		refused += teearray_sector_verify(&k, v, &bad, ct) == -EBADMSG;
		tried++;
	}
	CHECK(tried == 28 * 8 && refused == tried);
	/* Another virtual sector (each bit of it). */
	for (bit = 0; bit < 64; bit++)
		CHECK(teearray_sector_verify(&k, v ^ (1ULL << bit), &e, ct) == -EBADMSG);
	/* Another array UUID, same keys: the UUID itself is in the MAC. */
	other = k;
	other.array_uuid[15] ^= 1;
	CHECK(teearray_sector_verify(&other, v, &e, ct) == -EBADMSG);
	/* Keys of another array (UUID salts the KDF). */
	memcpy(uuid_b, uuid_a, 16);
	uuid_b[0] ^= 0x80;
	teearray_sector_keys_init(&other, root_key, sizeof(root_key), uuid_b, 0);
	CHECK(teearray_sector_verify(&other, v, &e, ct) == -EBADMSG);
	/* Another array key; and another MAC key alone. */
	memcpy(root2, root_key, 64);
	root2[63] ^= 1;
	teearray_sector_keys_init(&other, root2, sizeof(root2), uuid_a, 0);
	CHECK(teearray_sector_verify(&other, v, &e, ct) == -EBADMSG);
	other = k;
	other.mac[0] ^= 1;
	CHECK(teearray_sector_verify(&other, v, &e, ct) == -EBADMSG);
	/* Another key epoch. */
	teearray_sector_keys_init(&other, root_key, sizeof(root_key), uuid_a, 1);
	CHECK(teearray_sector_verify(&other, v, &e, ct) == -EBADMSG);
	/* The cipher key is not in the MAC, but decrypting under it is wrong. */
	other = k;
	other.cipher[31] ^= 1;
	CHECK(teearray_sector_verify(&other, v, &e, ct) == 0);
	teearray_sector_decrypt(&other, &e, ct, tmp);
	CHECK(memcmp(tmp, plain, SECTOR));
	/* The original still verifies (nothing above changed it). */
	CHECK(teearray_sector_verify(&k, v, &e, ct) == 0);
	free(plain);
	free(ct);
	free(tmp);
	tap_end("sector: flipped ciphertext, IV or MAC bit, other sector, UUID, key or epoch refused");
}

static void test_unwritten(void)
{
	struct teearray_sector_keys k;
	struct teearray_entry zero, e;
	u8 *ct = calloc(1, SECTOR), *out = malloc(SECTOR);
	unsigned int i;

	tap_begin();
	teearray_sector_keys_init(&k, root_key, sizeof(root_key), uuid_a, 0);
	memset(&zero, 0, sizeof(zero));
	CHECK(teearray_entry_unwritten(&zero));
	CHECK(teearray_sector_verify(&k, 0, &zero, ct) == 0);
	CHECK(teearray_sector_verify(&k, ~0ULL, &zero, ct) == 0);
	memset(out, 0xee, SECTOR);
	teearray_sector_decrypt(&k, &zero, ct, out);
	CHECK(is_zero(out, SECTOR));
	/* A zero entry over any non-zero byte is a MAC failure. */
	for (i = 0; i < SECTOR; i += 255) {
		ct[i] = 0x01;
		CHECK(teearray_sector_verify(&k, 5, &zero, ct) == -EBADMSG);
		ct[i] = 0;
	}
	ct[SECTOR - 1] = 0x80;
	CHECK(teearray_sector_verify(&k, 5, &zero, ct) == -EBADMSG);
	ct[SECTOR - 1] = 0;
	/* A zero IV with a non-zero MAC (or the reverse) is not "unwritten". */
	e = zero;
	e.mac[15] = 1;
	CHECK(!teearray_entry_unwritten(&e));
	CHECK(teearray_sector_verify(&k, 5, &e, ct) == -EBADMSG);
	e = zero;
	e.iv[0] = 1;
	CHECK(!teearray_entry_unwritten(&e));
	CHECK(teearray_sector_verify(&k, 5, &e, ct) == -EBADMSG);
	free(ct);
	free(out);
	tap_end("sector: zero entry over zero sector reads as zeroes; over data it fails");
}

/* ---- Metadata sectors ----------------------------------------------------- */

static void test_meta(void)
{
	struct teearray_sector_keys k, other;
	struct teearray_meta_disk *m = malloc(sizeof(*m)), *bad = malloc(sizeof(*bad));
	unsigned int bit, refused = 0, tried = 0, i;
	u64 mv = 4242;

	tap_begin();
	CHECK(sizeof(*m) == SECTOR && sizeof(struct teearray_entry) == 28);
	CHECK(TEEARRAY_META_PER_SECTOR * 28 + 8 == SECTOR);
	teearray_sector_keys_init(&k, root_key, sizeof(root_key), uuid_a, 0);
	/* All zero: 146 never-written sectors, valid for every mv. */
	memset(m, 0, sizeof(*m));
	CHECK(teearray_meta_verify(&k, 0, m) == 0);
	CHECK(teearray_meta_verify(&k, ~0ULL, m) == 0);
	/* Zero entries with a non-zero tag, or a zero tag over entries: refused. */
	m->tag[7] = 1;
	CHECK(teearray_meta_verify(&k, 0, m) == -EBADMSG);
	memset(m, 0, sizeof(*m));
	m->entry[145].mac[0] = 1;
	CHECK(teearray_meta_verify(&k, 0, m) == -EBADMSG);

	fill((u8 *)m->entry, sizeof(m->entry), 7);
	teearray_meta_seal(&k, mv, m);
	CHECK(!is_zero(m->tag, sizeof(m->tag)));
	CHECK(teearray_meta_verify(&k, mv, m) == 0);
	/* Every single bit flip anywhere, entries and tag. */
	for (bit = 0; bit < SECTOR * 8; bit++) {
		memcpy(bad, m, sizeof(*m));
		((u8 *)bad)[bit / 8] ^= (u8)(1 << (bit % 8));
		refused += teearray_meta_verify(&k, mv, bad) == -EBADMSG;
		tried++;
	}
	CHECK(tried == SECTOR * 8 && refused == tried);
	/* Wrong metadata sector number. */
	for (bit = 0; bit < 64; bit++)
		CHECK(teearray_meta_verify(&k, mv ^ (1ULL << bit), m) == -EBADMSG);
	/* Another array (UUID in the MAC input), another metadata key. */
	other = k;
	other.array_uuid[3] ^= 4;
	CHECK(teearray_meta_verify(&other, mv, m) == -EBADMSG);
	other = k;
	other.meta[0] ^= 1;
	CHECK(teearray_meta_verify(&other, mv, m) == -EBADMSG);
	/* The data-sector keys are not involved. */
	other = k;
	other.mac[0] ^= 1;
	other.cipher[0] ^= 1;
	CHECK(teearray_meta_verify(&other, mv, m) == 0);
	/* Resealing after changing an entry verifies again. */
	for (i = 0; i < TEEARRAY_META_PER_SECTOR; i += 29) {
		m->entry[i].iv[4] ^= 0x10;
		CHECK(teearray_meta_verify(&k, mv, m) == -EBADMSG);
		teearray_meta_seal(&k, mv, m);
		CHECK(teearray_meta_verify(&k, mv, m) == 0);
	}
	free(m);
	free(bad);
	tap_end("meta: seal/verify; zero sector valid; every bit flip, wrong mv, UUID or key refused");
}

static void test_meta_sector_of(void)
{
	static const u64 vs[] = { 0, 1, 145, 146, 147, 291, 292, 146 * 1000 + 17,
				  0xffffffffULL, 1ULL << 40, ~0ULL };
	unsigned int i;
	u32 idx;
	u64 mv;

	tap_begin();
	CHECK(teearray_meta_sector_of(0, &idx) == 0 && idx == 0);
	CHECK(teearray_meta_sector_of(145, &idx) == 0 && idx == 145);
	CHECK(teearray_meta_sector_of(146, &idx) == 1 && idx == 0);
	CHECK(teearray_meta_sector_of(146 * 1000 + 17, &idx) == 1000 && idx == 17);
	CHECK(teearray_meta_sector_of(~0ULL, &idx) == ~0ULL / 146 && idx == ~0ULL % 146);
	for (i = 0; i < ARRAY_SIZE(vs); i++) {
		mv = teearray_meta_sector_of(vs[i], &idx);
		CHECK(idx < TEEARRAY_META_PER_SECTOR);
		CHECK(mv * TEEARRAY_META_PER_SECTOR + idx == vs[i]);
	}
	tap_end("meta: virtual sector v has entry v %% 146 of metadata sector v / 146");
}

/* ---- Known answers -------------------------------------------------------- */

/*
 * Inputs: array key bytes 0x80..0xbf, array UUID bytes 0x10..0x1f,
 * virtual sector 0x123456789a, IV epoch 0 counter (3 << 32) | 0x2a,
 * plaintext byte i = i * 31 + 7; metadata sector 0x1234567 with entry
 * bytes i * 13 + 1.  Expected values computed independently with Python
 * (hmac, hashlib, cryptography's ChaCha20, RFC 5869 by hand) from the
 * design note's MAC inputs.
 */
#define KAT_CIPHER_KEY	"9daf45d60656d92b51db109b20e77e166e24099f9679d9cdbbf3f09cd31025c1"
#define KAT_MAC_KEY	"186ddd221a6610257b856367c1640b841c899244571fd96da23075e452207feb"
#define KAT_META_KEY	"13e490a88dc08dd437d2cc8086ecd0a930ec744891981d1acb13f21f7fd81ae1"
#define KAT_CT_HEAD	"b2196de44ded40915d6d799560c775e081f83c42c10763dcbc21faa985939521"
#define KAT_CT_SHA256	"789b1ec59327526c4de9dffac8d30442e24886c787f5aadf1eadd39d4bbb06a1"
#define KAT_SECTOR_MAC	"c3dd6046d805192990ca22ba4d142b1d"
#define KAT_META_TAG	"7e9bc74372d6483b"

static void test_kat(void)
{
	const u64 vs = 0x123456789aULL, mv = 0x1234567;
	u8 root[64], uuid[16], iv[TEEARRAY_IV_SIZE], ck[32], mk[32], meta[32], mac[32], h[32];
	u8 *plain = malloc(SECTOR), *ct = malloc(SECTOR), *want_ct = malloc(SECTOR);
	u8 *msg = malloc(8 + 16 + 8 + 12 + SECTOR);
	struct teearray_meta_disk *m = malloc(sizeof(*m));
	struct teearray_sector_keys k;
	struct teearray_entry e;
	__le64 le;
	size_t len;
	unsigned int i;

	tap_begin();
	for (i = 0; i < 64; i++)
		root[i] = (u8)(0x80 + i);
	for (i = 0; i < 16; i++)
		uuid[i] = (u8)(0x10 + i);
	for (i = 0; i < SECTOR; i++)
		plain[i] = (u8)(i * 31 + 7);

	/* Keys: HKDF with the purpose names of the design note. */
	teearray_derive_key(root, 64, uuid, "sector-cipher", 0, ck);
	teearray_derive_key(root, 64, uuid, "sector-mac", 0, mk);
	teearray_derive_key(root, 64, uuid, "metadata", 0, meta);
	CHECK(hex_equal(ck, 32, KAT_CIPHER_KEY));
	CHECK(hex_equal(mk, 32, KAT_MAC_KEY));
	CHECK(hex_equal(meta, 32, KAT_META_KEY));

	/* IV = le32 epoch || le64 counter, written out by hand. */
	memset(iv, 0, sizeof(iv));
	iv[4] = 0x2a;
	iv[8] = 0x03;

	/* ciphertext = ChaCha20(cipher_key, IV, plaintext), counter from 0 */
	crypto_stream_chacha20_ietf_xor_ic(want_ct, plain, SECTOR, iv, 0, ck);
	CHECK(hex_equal(want_ct, 32, KAT_CT_HEAD));
	crypto_hash_sha256(h, want_ct, SECTOR);
	CHECK(hex_equal(h, 32, KAT_CT_SHA256));

	/* MAC = HMAC(mac_key, "TA-SECT" || uuid || le64 v || IV || ct)[0..16) */
	len = 0;
	memcpy(msg + len, "TA-SECT", 7);
	len += 7;
	memcpy(msg + len, uuid, 16);
	len += 16;
	le = cpu_to_le64(vs);
	memcpy(msg + len, &le, 8);
	len += 8;
	memcpy(msg + len, iv, 12);
	len += 12;
	memcpy(msg + len, want_ct, SECTOR);
	len += SECTOR;
	CHECK(crypto_auth_hmacsha256_KEYBYTES == 32);
	{
		crypto_auth_hmacsha256_state st;

		crypto_auth_hmacsha256_init(&st, mk, 32);
		crypto_auth_hmacsha256_update(&st, msg, len);
		crypto_auth_hmacsha256_final(&st, mac);
	}
	CHECK(hex_equal(mac, 16, KAT_SECTOR_MAC));

	/* The code under test must produce exactly these bytes. */
	teearray_sector_keys_init(&k, root, 64, uuid, 0);
	teearray_iv_make(e.iv, 0, (3ULL << 32) | 0x2a);
	CHECK(!memcmp(e.iv, iv, 12));
	teearray_sector_seal(&k, vs, iv, plain, ct, &e);
	CHECK(!memcmp(ct, want_ct, SECTOR));
	CHECK(!memcmp(e.iv, iv, 12));
	CHECK(!memcmp(e.mac, mac, 16));
	CHECK(teearray_sector_verify(&k, vs, &e, ct) == 0);

	/* tag = HMAC(meta_key, "TA-META" || uuid || le64 mv || entries)[0..8) */
	for (i = 0; i < sizeof(m->entry); i++)
		((u8 *)m->entry)[i] = (u8)(i * 13 + 1);
	memset(m->tag, 0, sizeof(m->tag));
	{
		crypto_auth_hmacsha256_state st;

		le = cpu_to_le64(mv);
		crypto_auth_hmacsha256_init(&st, meta, 32);
		crypto_auth_hmacsha256_update(&st, (const u8 *)"TA-META", 7);
		crypto_auth_hmacsha256_update(&st, uuid, 16);
		crypto_auth_hmacsha256_update(&st, (const u8 *)&le, 8);
		crypto_auth_hmacsha256_update(&st, (const u8 *)m->entry, 4088);
		crypto_auth_hmacsha256_final(&st, mac);
	}
	CHECK(hex_equal(mac, 8, KAT_META_TAG));
	teearray_meta_seal(&k, mv, m);
	CHECK(!memcmp(m->tag, mac, 8));
	CHECK(!memcmp((u8 *)m + 4088, mac, 8));	/* the tag is the last 8 bytes */
	CHECK(teearray_meta_verify(&k, mv, m) == 0);

	free(plain);
	free(ct);
	free(want_ct);
	free(msg);
	free(m);
	tap_end("sector: known answers for a sealed sector and a metadata tag (design note MAC inputs)");
}

int main(void)
{
	unsigned int i;

	tap_plan(9);
	if (sodium_init() < 0)
		return 1;
	for (i = 0; i < sizeof(root_key); i++)
		root_key[i] = (u8)(i * 7 + 3);
	test_chacha20_rfc();
	test_keys();
	test_iv();
	test_roundtrip();
	test_tamper();
	test_unwritten();
	test_meta();
	test_meta_sector_of();
	test_kat();
	return tap_exit_status();
}
