// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for key epochs and the audit log: epoch-key derivation
 * (known-answer vectors computed independently with Python's hmac and
 * hashlib), the audit entry hash (same), the entry parser, and teearrayd's
 * AUDIT_SIGN handler (what it fills in, what it refuses).
 */
#include <stdlib.h>
#include <sodium.h>
#include "teearray-kdf.h"
#include "teearray-sector.h"
#include "teearray-audit-entry.h"
#include "td-member.h"
#include "ta-crypto.h"
#include "tap.h"

static int hex_equal(const u8 *b, size_t len, const char *hex)
{
	char out[2 * 256 + 1];

	ta_hex_encode(out, b, len);
	return !strcmp(out, hex);
}

static void test_epoch_keys(void)
{
	static const char *const kat[] = {
		"3495436364e481ba022aebfd146af21ad589473cba30f9b926d7be43ffe0076a"
		"6b64b1bfde3308c3e581006d6a6f5e99ce1b8f0d88f67d8167960d93eb51fd91",
		"d40bda55bb289c94ee47163220f13912aa03278ad1c83b0b2cb0b71b06fa2724"
		"699e657670ed682f8e09c5e95c9000f29c6cdf383e2599db8bd95d18c1819480",
		"c14c9ff74839310112dc81357081f0762a0567ee60a0a1565913f41c0030dc3e"
		"c63ea39a3768f75c2ec8e61bd1a48bf1f1b41ee807af09981ca63320d8103040",
	};
	static const u32 epochs[] = { 0, 1, 0xffffffff };
	struct teearray_sector_keys k0, k1;
	u8 root[64], uuid[16], e0[64], e1[64];
	unsigned int i;

	for (i = 0; i < 64; i++)
		root[i] = (u8)i;
	for (i = 0; i < 16; i++)
		uuid[i] = (u8)(0x10 + i);
	tap_begin();
	for (i = 0; i < 3; i++) {
		u8 e[64];

		teearray_epoch_key(root, sizeof(root), uuid, epochs[i], e);
		CHECK(hex_equal(e, sizeof(e), kat[i]));
	}
	tap_end("keys: epoch keys match known-answer vectors (epochs 0, 1, 2^32-1)");

	tap_begin();
	teearray_epoch_key(root, sizeof(root), uuid, 0, e0);
	teearray_epoch_key(root, sizeof(root), uuid, 1, e1);
	teearray_sector_keys_init(&k0, e0, 64, uuid, 0);
	teearray_sector_keys_init(&k1, e1, 64, uuid, 1);
	CHECK(memcmp(k0.cipher, k1.cipher, 32) && memcmp(k0.mac, k1.mac, 32) &&
	      memcmp(k0.meta, k1.meta, 32));
	/* The epoch key is not the root, and no epoch's key is another's. */
	CHECK(memcmp(e0, root, 64) && memcmp(e0, e1, 64));
	tap_end("keys: every key of epoch 1 differs from epoch 0's and from the root");
}

static void make_entry(struct teearray_audit_disk *e, const u8 uuid[16])
{
	memset(e, 0, sizeof(*e));
	e->magic = cpu_to_le64(TEEARRAY_AUDIT_MAGIC);
	e->version = cpu_to_le32(TEEARRAY_AUDIT_VERSION);
	e->event = cpu_to_le32(TEEARRAY_EV_ROTATE_DONE);
	memcpy(e->array_uuid, uuid, 16);
	e->seq = cpu_to_le64(7);
	e->nr_ids = cpu_to_le32(2);
	e->id[0].slot = cpu_to_le16(0);
	e->id[0].state = TEEARRAY_MEMBER_ALIVE;
	memset(e->id[0].instance, 0xa0, 16);
	e->id[1].slot = cpu_to_le16(3);
	e->id[1].state = TEEARRAY_MEMBER_DEAD;
	memset(e->id[1].instance, 0xb3, 16);
}

static void test_audit_entry(void)
{
	static struct teearray_audit_disk e, bad;
	u8 uuid[16] = { 1, 2, 3 }, other[16] = { 9 }, h[32];
	char *error = NULL;
	unsigned int i;

	tap_begin();
	for (i = 0; i < sizeof(e); i++)
		((u8 *)&e)[i] = (u8)(i * 7 + 3);
	teearray_audit_hash(&e, h);
	CHECK(hex_equal(h, 32, "adb17740ed974217f9eeeb6b79ae7e969f68a46edb067ac8e8b07df7aa4baf3a"));
	/* The signature is not hashed; everything before it is. */
	e.sig[5] ^= 1;
	teearray_audit_hash(&e, h);
	CHECK(hex_equal(h, 32, "adb17740ed974217f9eeeb6b79ae7e969f68a46edb067ac8e8b07df7aa4baf3a"));
	e.signer[0] ^= 1;
	teearray_audit_hash(&e, h);
	CHECK(!hex_equal(h, 32, "adb17740ed974217f9eeeb6b79ae7e969f68a46edb067ac8e8b07df7aa4baf3a"));
	tap_end("audit: entry hash matches a known-answer vector and covers all but the signature");

	tap_begin();
	make_entry(&e, uuid);
	CHECK(teearray_audit_parse(&e, uuid, &error) == 0);
	CHECK(!strcmp(teearray_audit_event_name(TEEARRAY_EV_ROTATE_DONE), "rotate-done"));
	CHECK(!strcmp(teearray_audit_event_name(99), "unknown"));
	memset(&bad, 0, sizeof(bad));
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -ENODATA);
	CHECK(teearray_audit_parse(&e, other, &error) == -EINVAL);
	bad = e;
	bad.magic ^= 1;
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.event = cpu_to_le32(__TEEARRAY_EV_MAX);
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.version = cpu_to_le32(2);
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.event = 0;
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.id[1].slot = cpu_to_le16(TEEARRAY_MAX_MEMBERS);
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.nr_ids = cpu_to_le32(TEEARRAY_AUDIT_MAX_IDS);	/* 64 ids: all in use */
	for (i = 2; i < TEEARRAY_AUDIT_MAX_IDS; i++)
		bad.id[i].state = TEEARRAY_MEMBER_ALIVE;
	CHECK(teearray_audit_parse(&bad, uuid, &error) == 0);
	bad = e;
	bad.seq = 0;
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.nr_ids = cpu_to_le32(65);
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.id[2].state = 'A';		/* beyond nr_ids */
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.reserved[100] = 1;
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.id[1].reserved[0] = 1;
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.id[1].state = 0;		/* no member state */
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.id[0].state = '"';
	CHECK(teearray_audit_parse(&bad, uuid, &error) == -EINVAL);
	bad = e;
	bad.id[0].state = TEEARRAY_MEMBER_REBUILDING;
	CHECK(teearray_audit_parse(&bad, uuid, &error) == 0);
	tap_end("audit: parser accepts a written entry, refuses other arrays and malformed fields");
}

/*
 * The daemon's AUDIT_SIGN, with an engine of three configured members of
 * the array (no connections): slot 0 attested with the instance the entry
 * names, slot 3 attested with another instance, slot 5 never attested.
 */
static void test_audit_sign(void)
{
	static struct td_request r;
	struct teearray_audit_disk *e = (struct teearray_audit_disk *)r.small, copy;
	struct td_member_cfg mcfg[3] = { 0 };
	struct td_member mem[3];
	struct td_config cfg = { 0 };
	struct td_engine eng = { 0 };
	struct ta_key key;
	u8 uuid[16] = { 4, 5, 6 }, h[32], sec[32], meas0[32], zero[32] = { 0 };
	unsigned int i;

	memset(mem, 0, sizeof(mem));
	for (i = 0; i < 3; i++) {
		memcpy(mcfg[i].array, uuid, 16);
		mcfg[i].uuid[0] = (u8)(0x40 + i);
		mcfg[i].slot = i ? 2 * i + 1 : 0;	/* slots 0, 3, 5 */
		mem[i].cfg = &mcfg[i];
		pthread_mutex_init(&mem[i].lock, NULL);
	}
	memset(meas0, 0x5c, sizeof(meas0));
	mem[0].have_attested = 1;
	memset(mem[0].attested_instance, 0xa0, 16);
	memcpy(mem[0].attested_measurement, meas0, 32);
	mem[1].have_attested = 1;
	memset(mem[1].attested_instance, 0xb4, 16);	/* the entry names 0xb3.. */
	memset(mem[1].attested_measurement, 0x77, 32);
	cfg.members = mcfg;
	cfg.nmembers = 3;
	eng.members = mem;
	eng.nmembers = 3;

	tap_begin();
	CHECK(ta_key_generate(&key, sec) == TA_OK);
	sodium_memzero(sec, sizeof(sec));
	eng.cfg = &cfg;
	eng.key = &key;
	make_entry(e, uuid);
	copy = *e;
	memcpy(r.nl.array, uuid, 16);
	r.nl.count = 1;
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_OK && r.out_len == 4096);
	CHECK(!memcmp(e->signer, key.pub, 32));
	teearray_audit_hash(e, h);
	CHECK(ta_verify32(e->signer, h, e->sig) == TA_OK);
	CHECK(teearray_audit_parse(e, uuid, &(char *){ NULL }) == 0);
	/* Slot 0's attested measurement; none for slot 3 (another instance). */
	CHECK(!memcmp(e->id[0].measurement, meas0, 32));
	CHECK(!memcmp(e->id[1].measurement, zero, 32));
	/* Nothing else changed. */
	memcpy(copy.id[0].measurement, meas0, 32);
	CHECK(!memcmp(e, &copy, offsetof(struct teearray_audit_disk, signer)));
	tap_end("audit: teearrayd fills in the measurement attested for exactly the instance named, "
		"signs with the storage key and changes nothing else");

	tap_begin();
	/* A member attested with the instance but not configured for this slot. */
	make_entry(e, uuid);
	e->id[1].slot = cpu_to_le16(4);
	memset(e->id[1].instance, 0xa0, 16);
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_OK);
	CHECK(!memcmp(e->id[0].measurement, meas0, 32));
	CHECK(!memcmp(e->id[1].measurement, zero, 32));
	/* The member of slot 5 was never attested. */
	make_entry(e, uuid);
	e->id[1].slot = cpu_to_le16(5);
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_OK && !memcmp(e->id[1].measurement, zero, 32));
	/* No identities at all. */
	make_entry(e, uuid);
	e->nr_ids = 0;
	memset(e->id, 0, sizeof(e->id));
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_OK);
	teearray_audit_hash(e, h);
	CHECK(ta_verify32(key.pub, h, e->sig) == TA_OK);
	tap_end("audit: no measurement for a slot or instance the daemon did not attest");

	tap_begin();
	td_audit_sign(&eng, &r);	/* already signed */
	CHECK(r.status == TEEARRAY_ST_REJECTED && !r.out_len);
	make_entry(e, uuid);
	e->array_uuid[0] ^= 1;		/* the entry names another array */
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_REJECTED);
	r.nl.array[0] ^= 1;		/* both: an array not configured */
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_REJECTED && !r.out_len);
	r.nl.array[0] ^= 1;
	make_entry(e, uuid);
	e->id[0].measurement[0] = 1;	/* the kernel may not claim a measurement */
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_REJECTED);
	make_entry(e, uuid);
	r.nl.count = 2;			/* one entry per request */
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_REJECTED);
	r.nl.count = 1;
	e->nr_ids = cpu_to_le32(65);
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_REJECTED);
	memset(e, 0, sizeof(*e));	/* a never-written sector */
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_REJECTED);
	memset(e, 0xff, sizeof(*e));
	td_audit_sign(&eng, &r);
	CHECK(r.status == TEEARRAY_ST_REJECTED && !r.out_len);
	tap_end("audit: teearrayd refuses signed, foreign, unconfigured, pre-measured, oversized, "
		"empty and garbage entries");
	for (i = 0; i < 3; i++)
		pthread_mutex_destroy(&mem[i].lock);
	ta_key_wipe(&key);
}

int main(void)
{
	tap_plan(7);
	if (sodium_init() < 0 || ta_crypto_init())
		return 1;
	test_epoch_keys();
	test_audit_entry();
	test_audit_sign();
	return tap_exit_status();
}
