// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the teedisk core (userspace/teedisk/disk.c) in process:
 * every rejection leaves sectors, death record, generation and sequence
 * untouched; accepted batches do what they say; responses are attested;
 * every answer to a batch, acknowledgement or rejection, carries the answer
 * MAC of its session bound to the request.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "disk.h"
#include "ta-attest.h"
#include "ta-crypto.h"

#define SECTORS 16

static struct td_disk d;
static struct td_session sess;
static uint8_t ckey[TA_MAC_LEN];	/* the client's side of the session key */
static struct ta_attester att;
static struct ta_key key, other, simk;
static struct ta_policy pol;
static uint8_t arr[16] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };

struct snap {
	uint8_t *mem;
	uint64_t gen, seq, death;
};

static void snap_take(struct snap *s)
{
	s->mem = malloc(d.mem_len);
	memcpy(s->mem, d.mem, d.mem_len);
	s->gen = d.generation;
	s->seq = d.last_seq;
	s->death = d.death_version;
}

static int snap_same(struct snap *s)
{
	int same = !memcmp(s->mem, d.mem, d.mem_len) && s->gen == d.generation &&
		   s->seq == d.last_seq && s->death == d.death_version;

	free(s->mem);
	return same;
}

static void hdr_for(struct ta_batch_hdr *h, unsigned int n)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->array, arr, 16);
	h->slot = 4;
	h->ncmds = (uint16_t)n;
	memcpy(h->instance, d.instance, 16);
	h->generation = d.generation;
	h->first_seq = d.last_seq + 1;
	ta_random(h->nonce, 32);
}

/* TA_OK if the answer frame r carries the right MAC for request req. */
static int answer_check(const uint8_t *r, size_t rl, const uint8_t req[TA_HASH_LEN])
{
	const uint8_t *b = r + TA_FRAME_HDR_LEN;
	struct ta_bresp_hdr rh;
	uint8_t hr[TA_HASH_LEN];

	if (r[5] == TA_K_ERROR)
		return ta_answer_verify(b + TA_ERROR_FIELDS_LEN, ckey, TA_K_ERROR, arr, 4,
					d.instance, req, b, TA_ERROR_FIELDS_LEN);
	if (ta_bresp_hdr_decode(b, rl - TA_FRAME_HDR_LEN, &rh))
		return -1;
	ta_results_hash(hr, b + TA_BRESP_HDR_LEN, rh.results_len);
	return ta_bresp_verify(b + rl - TA_FRAME_HDR_LEN - TA_MAC_LEN, ckey, arr, 4, d.instance,
			       req, b, hr, b + TA_BRESP_HDR_LEN + rh.results_len, rh.evidence_len);
}

/* Signs (with k) and submits; returns the error code or TA_OK; *resp kept. */
static int submit(const struct ta_key *k, struct ta_batch_hdr *h, const struct ta_cmd *c,
		  uint8_t **resp, size_t *resp_len)
{
	uint8_t *body, *r = NULL;
	size_t len, rl = 0;
	int acc, ret;

	uint8_t req[TA_HASH_LEN];

	ta_batch_sign_hash(k, h, c, req);
	if (ta_batch_build(h, c, &body, &len))
		return -1;
	ret = td_handle(&d, &sess, TA_K_BATCH, body, len, &r, &rl, &acc);
	free(body);
	if (ret)
		return -1;
	/* Every answer to a batch is bound to it under the session key. */
	if (answer_check(r, rl, req)) {
		printf("#   answer MAC does not verify\n");
		free(r);
		return -4;
	}
	if (r[5] == TA_K_ERROR) {
		ret = ta_get16(r + TA_FRAME_HDR_LEN);
		if (acc)
			ret = -2;	/* accepted but answered with an error */
	} else {
		ret = acc ? TA_OK : -3;
	}
	if (resp) {
		*resp = r;
		*resp_len = rl;
	} else {
		free(r);
	}
	return ret;
}

static int one(const struct ta_key *k, struct ta_cmd c, void (*tweak)(struct ta_batch_hdr *))
{
	struct ta_batch_hdr h;

	hdr_for(&h, 1);
	if (tweak)
		tweak(&h);
	return submit(k, &h, &c, NULL, NULL);
}

static uint8_t buf[4 * TA_SECTOR_SIZE], rec[TA_SECTOR_SIZE];

static void t_array(struct ta_batch_hdr *h) { h->array[0] ^= 1; }
static void t_slot(struct ta_batch_hdr *h) { h->slot = 5; }
static void t_instance(struct ta_batch_hdr *h) { h->instance[3] ^= 1; }
static void t_genlow(struct ta_batch_hdr *h) { h->generation--; }
static void t_genhigh(struct ta_batch_hdr *h) { h->generation++; }
static void t_replay(struct ta_batch_hdr *h) { h->first_seq--; }
static void t_reorder(struct ta_batch_hdr *h) { h->first_seq = 1; }
static void t_wrap(struct ta_batch_hdr *h) { h->first_seq = UINT64_MAX; }

static void expect_reject(const char *what, int want, struct ta_cmd c,
			  void (*tweak)(struct ta_batch_hdr *), const struct ta_key *k)
{
	struct snap s;
	int got;

	tap_begin();
	snap_take(&s);
	got = one(k ? k : &key, c, tweak);
	if (got != want)
		printf("#   got %s, want %s\n", ta_err_name(got), ta_err_name(want));
	CHECK(got == want);
	CHECK(snap_same(&s));
	tap_end("rejects %s (%s) and changes nothing", what, ta_err_name(want));
}

static void test_rejections(void)
{
	struct ta_cmd w = { .op = TA_OP_WRITE, .count = 1, .sector = 2,
			    .payload_len = TA_SECTOR_SIZE, .payload = buf };

	memset(buf, 0x77, sizeof(buf));
	expect_reject("a bad signature", TA_E_SIGNATURE, w, NULL, &other);
	expect_reject("a wrong array", TA_E_WRONG_ARRAY, w, t_array, NULL);
	expect_reject("a wrong slot", TA_E_WRONG_SLOT, w, t_slot, NULL);
	expect_reject("a wrong instance id", TA_E_WRONG_INSTANCE, w, t_instance, NULL);
	expect_reject("a lower generation", TA_E_STALE_GENERATION, w, t_genlow, NULL);
	expect_reject("a higher generation without fence", TA_E_FUTURE_GENERATION, w,
		      t_genhigh, NULL);
	expect_reject("a replayed sequence number", TA_E_REPLAY, w, t_replay, NULL);
	expect_reject("a reordered (older) sequence number", TA_E_REPLAY, w, t_reorder, NULL);
	expect_reject("a sequence number that would wrap", TA_E_SEQ_WRAP, w, t_wrap, NULL);
	w.sector = SECTORS;
	expect_reject("a write past the end", TA_E_RANGE, w, NULL, NULL);
	w.sector = UINT64_MAX;
	expect_reject("a sector that overflows", TA_E_RANGE, w, NULL, NULL);
	expect_reject("a read range past the end", TA_E_RANGE,
		      (struct ta_cmd){ .op = TA_OP_READ, .count = 2, .sector = SECTORS - 1 },
		      NULL, NULL);
	expect_reject("a copy to past the end", TA_E_RANGE,
		      (struct ta_cmd){ .op = TA_OP_COPY, .count = 1, .sector = 0, .arg = SECTORS },
		      NULL, NULL);
	expect_reject("a trim past the end", TA_E_RANGE,
		      (struct ta_cmd){ .op = TA_OP_TRIM, .count = 3, .sector = SECTORS - 2 },
		      NULL, NULL);
	expect_reject("a fence not above the generation", TA_E_FENCE,
		      (struct ta_cmd){ .op = TA_OP_FENCE, .count = 1, .arg = d.generation },
		      NULL, NULL);
	expect_reject("a write-short past the end", TA_E_RANGE,
		      (struct ta_cmd){ .op = TA_OP_WRITE_SHORT, .count = 1, .sector = SECTORS,
				       .payload_len = 100, .payload = buf }, NULL, NULL);
	expect_reject("a write-short at a sector that overflows", TA_E_RANGE,
		      (struct ta_cmd){ .op = TA_OP_WRITE_SHORT, .count = 1, .sector = UINT64_MAX,
				       .payload_len = 100, .payload = buf }, NULL, NULL);
	memset(rec, 0, sizeof(rec));
	ta_put64(rec, d.death_version);
	expect_reject("a death record version not above the stored one", TA_E_DEATH_VERSION,
		      (struct ta_cmd){ .op = TA_OP_DEATH_WRITE, .count = 1, .arg = d.death_version,
				       .payload_len = TA_SECTOR_SIZE, .payload = rec }, NULL, NULL);
	ta_put64(rec, d.death_version + 5);
	expect_reject("a death record whose stored version differs", TA_E_DEATH_MISMATCH,
		      (struct ta_cmd){ .op = TA_OP_DEATH_WRITE, .count = 1,
				       .arg = d.death_version + 1,
				       .payload_len = TA_SECTOR_SIZE, .payload = rec }, NULL, NULL);
}

static void test_batch_atomic(void)
{
	struct ta_cmd c[3] = {
		{ .op = TA_OP_WRITE, .count = 1, .sector = 1, .payload_len = TA_SECTOR_SIZE,
		  .payload = buf },
		{ .op = TA_OP_TRIM, .count = 1, .sector = 0 },
		{ .op = TA_OP_READ, .count = 1, .sector = SECTORS },
	};
	struct ta_cmd f[2] = {
		{ .op = TA_OP_READ, .count = 1, .sector = 0 },
		{ .op = TA_OP_FENCE, .count = 1, .arg = 99 },
	};
	struct ta_batch_hdr h;
	struct snap s;
	uint8_t *r;
	size_t rl;

	tap_begin();
	snap_take(&s);
	hdr_for(&h, 3);
	CHECK(submit(&key, &h, c, &r, &rl) == TA_E_RANGE);
	CHECK(ta_get16(r + TA_FRAME_HDR_LEN + 2) == 2);	/* failing index */
	free(r);
	CHECK(snap_same(&s));
	tap_end("a batch with one bad command is rejected whole, index reported");

	tap_begin();
	snap_take(&s);
	hdr_for(&h, 2);
	CHECK(submit(&key, &h, f, NULL, NULL) == TA_E_FENCE_NOT_ALONE);
	CHECK(snap_same(&s));
	tap_end("a fence must be alone in its batch");
}

static void test_accepted(void)
{
	struct ta_cmd c[4];
	struct ta_batch_hdr h;
	struct ta_bresp_hdr rh;
	struct ta_claims cl;
	uint8_t *r, rd[64];
	size_t rl;
	uint64_t seq0;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 1);

	tap_begin();
	seq0 = d.last_seq;
	c[0] = (struct ta_cmd){ .op = TA_OP_WRITE, .count = 2, .sector = 3,
				.payload_len = 2 * TA_SECTOR_SIZE, .payload = buf };
	c[1] = (struct ta_cmd){ .op = TA_OP_COPY, .count = 2, .sector = 3, .arg = 10 };
	c[2] = (struct ta_cmd){ .op = TA_OP_TRIM, .count = 1, .sector = 4 };
	c[3] = (struct ta_cmd){ .op = TA_OP_READ, .count = 3, .sector = 10 };
	hdr_for(&h, 4);
	CHECK(submit(&key, &h, c, &r, &rl) == TA_OK);
	CHECK(d.last_seq == seq0 + 4);
	CHECK(ta_bresp_hdr_decode(r + TA_FRAME_HDR_LEN, rl - TA_FRAME_HDR_LEN, &rh) == TA_OK);
	CHECK(rh.first_seq == seq0 + 1 && rh.last_seq == seq0 + 4 && rh.ncmds == 4);
	CHECK(rh.results_len == 3 * TA_SECTOR_SIZE && rh.evidence_len > 0);
	{
		const uint8_t *res = r + TA_FRAME_HDR_LEN + TA_BRESP_HDR_LEN;
		uint8_t zero[TA_SECTOR_SIZE] = { 0 };

		CHECK(!memcmp(res, buf, 2 * TA_SECTOR_SIZE));	/* copied 3,4 -> 10,11 */
		CHECK(!memcmp(res + 2 * TA_SECTOR_SIZE, zero, TA_SECTOR_SIZE));
		CHECK(!memcmp(d.mem + 4 * TA_SECTOR_SIZE, zero, TA_SECTOR_SIZE));	/* trimmed */
		ta_rd_batch(rd, arr, 4, d.instance, h.nonce, &rh, res, d.measurement);
		CHECK(ta_evidence_check(res + rh.results_len, rh.evidence_len, &pol, rd, &cl) == 0);
		h.nonce[0] ^= 1;	/* the same response under another nonce */
		ta_rd_batch(rd, arr, 4, d.instance, h.nonce, &rh, res, d.measurement);
		CHECK(ta_evidence_check(res + rh.results_len, rh.evidence_len, &pol, rd, &cl) ==
		      TA_E_ATTEST_REPORT_DATA);
	}
	free(r);
	tap_end("write, copy, trim and read in one batch; response attested over the nonce");

	tap_begin();
	memset(rec, 0xab, sizeof(rec));
	ta_put64(rec, 3);
	c[0] = (struct ta_cmd){ .op = TA_OP_DEATH_WRITE, .count = 1, .arg = 3,
				.payload_len = TA_SECTOR_SIZE, .payload = rec };
	c[1] = (struct ta_cmd){ .op = TA_OP_DEATH_READ, .count = 1 };
	hdr_for(&h, 2);
	CHECK(submit(&key, &h, c, &r, &rl) == TA_OK);
	CHECK(d.death_version == 3);
	CHECK(!memcmp(r + TA_FRAME_HDR_LEN + TA_BRESP_HDR_LEN, rec, TA_SECTOR_SIZE));
	free(r);
	/* Two death writes in one batch must still increase. */
	ta_put64(rec, 5);
	c[0].arg = 5;
	c[1] = c[0];
	hdr_for(&h, 2);
	CHECK(submit(&key, &h, c, NULL, NULL) == TA_E_DEATH_VERSION);
	CHECK(d.death_version == 3);
	tap_end("death record: stored with its version, read back, versions strictly increase");

	tap_begin();
	CHECK(one(&key, (struct ta_cmd){ .op = TA_OP_FENCE, .count = 1, .arg = 5 }, NULL) == 0);
	CHECK(d.generation == 5);
	hdr_for(&h, 1);
	h.generation = 4;
	c[0] = (struct ta_cmd){ .op = TA_OP_READ, .count = 1, .sector = 0 };
	CHECK(submit(&key, &h, c, NULL, NULL) == TA_E_STALE_GENERATION);
	CHECK(one(&key, c[0], NULL) == TA_OK);
	tap_end("fence raises the generation; the old generation is refused from then on");
}

/* Sector s of the disk after a write-short of n bytes of p: p, then zeroes. */
static int short_sector(uint64_t s, const uint8_t *p, size_t n)
{
	const uint8_t *m = d.mem + (size_t)s * TA_SECTOR_SIZE;

	if (memcmp(m, p, n))
		return 0;
	for (size_t i = n; i < TA_SECTOR_SIZE; i++)
		if (m[i])
			return 0;
	return 1;
}

static void test_write_short(void)
{
	static uint8_t pat[TA_SECTOR_SIZE], rec100[100];
	struct ta_cmd c[3];
	struct ta_batch_hdr h;
	struct ta_bresp_hdr rh;
	uint8_t *r, *before;
	size_t rl;
	uint64_t seq0;
	int others_same = 1;

	for (size_t i = 0; i < sizeof(pat); i++)
		pat[i] = (uint8_t)(i * 29 + 3) | 1;	/* no zero byte */
	for (size_t i = 0; i < sizeof(rec100); i++)
		rec100[i] = (uint8_t)(0xc0 + i);

	tap_begin();
	c[0] = (struct ta_cmd){ .op = TA_OP_WRITE, .count = 1, .sector = 7,
				.payload_len = TA_SECTOR_SIZE, .payload = pat };
	c[1] = (struct ta_cmd){ .op = TA_OP_WRITE, .count = 1, .sector = 8,
				.payload_len = TA_SECTOR_SIZE, .payload = pat };
	hdr_for(&h, 2);
	CHECK(submit(&key, &h, c, NULL, NULL) == TA_OK);
	CHECK(!memcmp(d.mem + 7 * TA_SECTOR_SIZE, pat, TA_SECTOR_SIZE));
	before = malloc(d.mem_len);
	memcpy(before, d.mem, d.mem_len);
	seq0 = d.last_seq;
	/* A write-short of 100 bytes over the pattern, and a read of it in the same batch. */
	c[0] = (struct ta_cmd){ .op = TA_OP_WRITE_SHORT, .count = 1, .sector = 7,
				.payload_len = sizeof(rec100), .payload = rec100 };
	c[1] = (struct ta_cmd){ .op = TA_OP_READ, .count = 1, .sector = 7 };
	hdr_for(&h, 2);
	CHECK(submit(&key, &h, c, &r, &rl) == TA_OK);
	CHECK(d.last_seq == seq0 + 2);
	CHECK(short_sector(7, rec100, sizeof(rec100)));
	CHECK(ta_bresp_hdr_decode(r + TA_FRAME_HDR_LEN, rl - TA_FRAME_HDR_LEN, &rh) == TA_OK);
	/* The read's sector only: a write-short returns nothing. */
	CHECK(rh.results_len == TA_SECTOR_SIZE);
	CHECK(!memcmp(r + TA_FRAME_HDR_LEN + TA_BRESP_HDR_LEN, d.mem + 7 * TA_SECTOR_SIZE,
		      TA_SECTOR_SIZE));
	free(r);
	for (size_t i = 0; i < d.mem_len; i++)
		if (i / TA_SECTOR_SIZE != 7 && d.mem[i] != before[i])
			others_same = 0;
	CHECK(others_same);	/* sector 8 (and the death record) untouched */
	free(before);
	tap_end("write-short of 100 bytes over a pattern: the 100 bytes, then zeroes; nothing "
		"else changes");

	tap_begin();
	c[0] = (struct ta_cmd){ .op = TA_OP_WRITE_SHORT, .count = 1, .sector = 8,
				.payload_len = TA_SECTOR_SIZE, .payload = rec };
	memset(rec, 0x6d, sizeof(rec));
	CHECK(one(&key, c[0], NULL) == TA_OK);
	CHECK(!memcmp(d.mem + 8 * TA_SECTOR_SIZE, rec, TA_SECTOR_SIZE));
	c[0].payload_len = 1;
	CHECK(one(&key, c[0], NULL) == TA_OK);
	CHECK(short_sector(8, rec, 1));
	c[0].sector = SECTORS - 1;
	c[0].payload_len = TA_SECTOR_SIZE - 1;
	CHECK(one(&key, c[0], NULL) == TA_OK);
	CHECK(short_sector(SECTORS - 1, rec, TA_SECTOR_SIZE - 1));
	/* Two write-shorts of one sector in one batch: in order, the last one wins. */
	c[0] = (struct ta_cmd){ .op = TA_OP_WRITE_SHORT, .count = 1, .sector = 9,
				.payload_len = 300, .payload = pat };
	c[1] = (struct ta_cmd){ .op = TA_OP_WRITE_SHORT, .count = 1, .sector = 9,
				.payload_len = 10, .payload = rec100 };
	hdr_for(&h, 2);
	CHECK(submit(&key, &h, c, NULL, NULL) == TA_OK);
	CHECK(short_sector(9, rec100, 10));
	tap_end("write-short of 4096, 1 and 4095 bytes (the last sector); two in one batch apply "
		"in order");
}

/*
 * HELLO on session s with a fresh client key pair: checks the attested
 * identity binds both session public keys and sets key to the client's
 * session key.  Returns 0 when everything checked out.
 */
static int hello(struct td_session *s, uint8_t key[TA_MAC_LEN])
{
	uint8_t *r, body[TA_HELLO_LEN], rd[64];
	const size_t fixed = TA_FRAME_HDR_LEN + TA_IDENTITY_LEN + TA_KX_PUBLEN + 4;
	struct ta_identity id;
	struct ta_claims cl;
	struct ta_kx kx;
	size_t rl;
	int acc, bad = 0;

	ta_kx_generate(&kx);
	ta_random(body, TA_NONCE_LEN);
	memcpy(body + TA_NONCE_LEN, kx.pub, TA_KX_PUBLEN);
	if (td_handle(&d, s, TA_K_HELLO, body, sizeof(body), &r, &rl, &acc) || acc ||
	    r[5] != TA_K_IDENTITY || rl < fixed)
		return -1;
	bad |= ta_identity_decode(r + TA_FRAME_HDR_LEN, rl - TA_FRAME_HDR_LEN, &id) != TA_OK;
	bad |= id.generation != d.generation || id.last_seq != d.last_seq || id.sectors != SECTORS;
	ta_rd_identify(rd, r + TA_FRAME_HDR_LEN, body, kx.pub,
		       r + TA_FRAME_HDR_LEN + TA_IDENTITY_LEN, d.measurement);
	bad |= ta_evidence_check(r + fixed, rl - fixed, &pol, rd, &cl) != 0;
	/* Another client key in the report data does not verify. */
	rd[0] ^= 1;
	bad |= ta_evidence_check(r + fixed, rl - fixed, &pol, rd, &cl) != TA_E_ATTEST_REPORT_DATA;
	bad |= ta_kx_client_session(key, &kx, r + TA_FRAME_HDR_LEN + TA_IDENTITY_LEN) != TA_OK;
	bad |= !s->active || memcmp(key, s->key, TA_MAC_LEN);
	ta_kx_wipe(&kx);
	free(r);
	return bad;
}

static void test_frames(void)
{
	uint8_t *r, nonce[TA_HELLO_LEN + 8] = { 0 }, k2[TA_MAC_LEN];
	struct td_session s2 = { 0 };
	size_t rl;
	int acc;

	tap_begin();
	/* Protocol version 3 (WRITE_SHORT): in every frame header and in the identity. */
	CHECK(td_handle(&d, &sess, TA_K_STATUS, nonce, 0, &r, &rl, &acc) == TA_OK);
	CHECK(rl >= TA_FRAME_HDR_LEN + TA_IDENTITY_LEN && r[5] == TA_K_STATUS_RESP);
	CHECK(r[4] == 3 && ta_get32(r + TA_FRAME_HDR_LEN) == 3);
	free(r);
	{
		uint8_t body[TA_HELLO_LEN];
		struct ta_kx kx;

		ta_kx_generate(&kx);
		ta_random(body, TA_NONCE_LEN);
		memcpy(body + TA_NONCE_LEN, kx.pub, TA_KX_PUBLEN);
		CHECK(td_handle(&d, &s2, TA_K_HELLO, body, sizeof(body), &r, &rl, &acc) ==
		      TA_OK);
		CHECK(r[5] == TA_K_IDENTITY && r[4] == 3 && ta_get32(r + TA_FRAME_HDR_LEN) == 3);
		free(r);
		ta_kx_wipe(&kx);
		td_session_end(&s2);
	}
	tap_end("frames and the identity (status and attested) carry protocol version 3");

	tap_begin();
	CHECK(hello(&s2, k2) == 0);
	CHECK(memcmp(k2, ckey, TA_MAC_LEN) != 0);	/* a session key per HELLO */
	td_session_end(&s2);
	tap_end("hello returns an identity attested over the nonce and both session keys");

	tap_begin();
	CHECK(td_handle(&d, &sess, TA_K_HELLO, nonce, TA_HELLO_LEN - 1, &r, &rl, &acc) == TA_OK);
	CHECK(r[5] == TA_K_ERROR && ta_get16(r + TA_FRAME_HDR_LEN) == TA_E_TRUNCATED);
	free(r);
	CHECK(td_handle(&d, &sess, TA_K_HELLO, nonce, TA_HELLO_LEN + 1, &r, &rl, &acc) == TA_OK);
	CHECK(r[5] == TA_K_ERROR && ta_get16(r + TA_FRAME_HDR_LEN) == TA_E_LENGTH);
	free(r);
	CHECK(td_handle(&d, &sess, TA_K_STATUS, nonce, 1, &r, &rl, &acc) == TA_OK);
	CHECK(r[5] == TA_K_ERROR && ta_get16(r + TA_FRAME_HDR_LEN) == TA_E_LENGTH);
	free(r);
	CHECK(td_handle(&d, &sess, TA_K_IDENTITY, nonce, 0, &r, &rl, &acc) == TA_OK);
	CHECK(r[5] == TA_K_ERROR && ta_get16(r + TA_FRAME_HDR_LEN) == TA_E_KIND);
	free(r);
	CHECK(td_handle(&d, &sess, TA_K_BATCH, nonce, 40, &r, &rl, &acc) == TA_OK && !acc);
	CHECK(r[5] == TA_K_ERROR && ta_get16(r + TA_FRAME_HDR_LEN) == TA_E_TRUNCATED);
	free(r);
	tap_end("malformed hello/status/batch bodies and response kinds are refused");
}

/*
 * The answer MAC, computed independently in one pass over its layout: for
 * a BATCH_RESP the caller passes the body with the results already replaced
 * by their BLAKE2b-256.
 */
static void ref_mac(uint8_t out[TA_MAC_LEN], const uint8_t key[TA_MAC_LEN], uint8_t kind,
		    const uint8_t req[TA_HASH_LEN], const uint8_t *body, size_t len)
{
	static const char tag[] = "teearray/v2/answer";
	uint8_t *m = malloc(sizeof(tag) - 1 + 1 + 16 + 4 + 16 + 32 + len), *p = m;

	memcpy(p, tag, sizeof(tag) - 1);
	p += sizeof(tag) - 1;
	*p++ = kind;
	memcpy(p, arr, 16);
	p += 16;
	*p++ = 4;	/* slot, little-endian */
	*p++ = 0;
	*p++ = 0;
	*p++ = 0;
	memcpy(p, d.instance, 16);
	p += 16;
	memcpy(p, req, 32);
	p += 32;
	memcpy(p, body, len);
	p += len;
	crypto_generichash(out, TA_MAC_LEN, m, (size_t)(p - m), key, TA_MAC_LEN);
	free(m);
}

static void test_answer_mac(void)
{
	struct ta_cmd w[2] = {
		{ .op = TA_OP_WRITE, .count = 1, .sector = 6, .payload_len = TA_SECTOR_SIZE,
		  .payload = buf },
		{ .op = TA_OP_READ, .count = 1, .sector = 6 },
	};
	struct td_session none = { 0 };
	uint8_t *r, *body, *ref, req[TA_HASH_LEN], mac[TA_MAC_LEN], k2[TA_MAC_LEN], inst[16];
	uint8_t hr[TA_HASH_LEN];
	const uint8_t *b;
	struct ta_bresp_hdr rh;
	struct ta_batch_hdr h;
	size_t rl, len, bl, flips = 0, caught = 0;
	int acc;

	tap_begin();
	hdr_for(&h, 2);
	ta_batch_sign_hash(&key, &h, w, req);
	CHECK(ta_batch_build(&h, w, &body, &len) == TA_OK);
	CHECK(td_handle(&d, &sess, TA_K_BATCH, body, len, &r, &rl, &acc) == TA_OK && acc);
	b = r + TA_FRAME_HDR_LEN;
	bl = rl - TA_FRAME_HDR_LEN - TA_MAC_LEN;
	CHECK(ta_bresp_hdr_decode(b, bl + TA_MAC_LEN, &rh) == TA_OK);
	CHECK(rh.results_len == TA_SECTOR_SIZE && rh.evidence_len > 0);
	/* header || B2(results) || evidence */
	ref = malloc(bl);
	memcpy(ref, b, TA_BRESP_HDR_LEN);
	crypto_generichash(ref + TA_BRESP_HDR_LEN, 32, b + TA_BRESP_HDR_LEN, rh.results_len,
			   NULL, 0);
	memcpy(ref + TA_BRESP_HDR_LEN + 32, b + TA_BRESP_HDR_LEN + rh.results_len,
	       rh.evidence_len);
	ref_mac(mac, ckey, TA_K_BATCH_RESP, req, ref, TA_BRESP_HDR_LEN + 32 + rh.evidence_len);
	CHECK(!memcmp(mac, b + bl, TA_MAC_LEN));
	free(ref);
	tap_end("answer MAC: matches BLAKE2b-256 keyed with the session key over its layout");

	tap_begin();
	for (size_t bit = 0; bit < 8 * (bl + TA_MAC_LEN); bit++) {
		uint8_t *p = r + TA_FRAME_HDR_LEN;

		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		flips++;
		caught += answer_check(r, rl, req) != TA_OK;
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	CHECK(flips == caught);
	CHECK(answer_check(r, rl, req) == TA_OK);
	tap_end("answer MAC: every one of %zu bit flips in a write+read answer is caught", flips);

	tap_begin();
	ta_results_hash(hr, b + TA_BRESP_HDR_LEN, rh.results_len);
#define VERIFY(key_, req_, slot_, inst_) \
	ta_bresp_verify(b + bl, key_, arr, slot_, inst_, req_, b, hr, \
			b + TA_BRESP_HDR_LEN + rh.results_len, rh.evidence_len)
	CHECK(VERIFY(ckey, req, 4, d.instance) == TA_OK);
	memcpy(k2, ckey, sizeof(k2));
	k2[31] ^= 0x80;
	CHECK(VERIFY(k2, req, 4, d.instance) == TA_E_ANSWER_AUTH);
	req[0] ^= 1;
	CHECK(VERIFY(ckey, req, 4, d.instance) == TA_E_ANSWER_AUTH);
	req[0] ^= 1;
	CHECK(VERIFY(ckey, req, 5, d.instance) == TA_E_ANSWER_AUTH);
	memcpy(inst, d.instance, 16);
	inst[15] ^= 1;
	CHECK(VERIFY(ckey, req, 4, inst) == TA_E_ANSWER_AUTH);
#undef VERIFY
	/* The same bytes as an ERROR's MAC (another kind) do not verify. */
	CHECK(ta_answer_verify(b + bl, ckey, TA_K_ERROR, arr, 4, d.instance, req, b, bl) ==
	      TA_E_ANSWER_AUTH);
	free(r);
	tap_end("answer MAC: wrong key, request, kind, slot or instance does not verify");

	tap_begin();
	/* The same request again is a replay; its rejection is MAC'd too. */
	CHECK(td_handle(&d, &sess, TA_K_BATCH, body, len, &r, &rl, &acc) == TA_OK && !acc);
	CHECK(r[5] == TA_K_ERROR && ta_get16(r + TA_FRAME_HDR_LEN) == TA_E_REPLAY);
	CHECK(ta_answer_verify(r + rl - TA_MAC_LEN, ckey, TA_K_ERROR, arr, 4, d.instance, req,
			       r + TA_FRAME_HDR_LEN, TA_ERROR_FIELDS_LEN) == TA_OK);
	CHECK(ta_get64(r + TA_FRAME_HDR_LEN + 16) == d.last_seq);	/* its state counter */
	free(r);
	tap_end("answer MAC: a rejection carries the member's counter under the same MAC");

	tap_begin();
	free(body);
	hdr_for(&h, 1);
	ta_batch_sign_hash(&key, &h, w, req);
	CHECK(ta_batch_build(&h, w, &body, &len) == TA_OK);
	{
		struct snap sn;
		uint8_t zero[TA_MAC_LEN] = { 0 };

		snap_take(&sn);
		CHECK(td_handle(&d, &none, TA_K_BATCH, body, len, &r, &rl, &acc) == TA_OK && !acc);
		CHECK(r[5] == TA_K_ERROR && ta_get16(r + TA_FRAME_HDR_LEN) == TA_E_NO_SESSION);
		CHECK(!memcmp(r + rl - TA_MAC_LEN, zero, TA_MAC_LEN));
		CHECK(snap_same(&sn));
		free(r);
	}
	free(body);
	tap_end("a batch on a connection without HELLO is refused (no-session), unauthenticated");
}

static void test_restart(void)
{
	uint8_t old[16], meas[32];
	struct td_config cfg = d.cfg;
	size_t nonzero = 0;

	tap_begin();
	memcpy(old, d.instance, 16);
	memcpy(meas, d.measurement, 32);
	td_disk_destroy(&d);
	td_session_end(&sess);
	CHECK(d.mem == NULL && !sess.active);
	CHECK(td_disk_init(&d, &cfg, meas, &att) == TA_OK);
	CHECK(!memcmp(d.measurement, meas, 32));
	CHECK(memcmp(old, d.instance, 16) != 0);
	CHECK(d.generation == 0 && d.last_seq == 0 && d.death_version == 0);
	for (size_t i = 0; i < d.mem_len; i++)
		nonzero += d.mem[i] != 0;
	CHECK(nonzero == 0);
	CHECK(hello(&sess, ckey) == 0);
	tap_end("a restarted disk has a new instance id and is empty");
}

int main(void)
{
	char path[] = "/tmp/proto-disk-XXXXXX", hex[66];
	struct td_config cfg = { .slot = 4, .sectors = SECTORS, .allow_unlocked = 1 };
	uint8_t sec[32], meas[32];
	int fd;

	tap_plan(19 + 16);	/* expect_reject() calls, the rest */
	if (ta_crypto_init() || ta_key_generate(&key, sec) || ta_key_generate(&other, sec) ||
	    ta_key_generate(&simk, sec) || (fd = mkstemp(path)) < 0) {
		printf("not ok - setup\n");
		return 1;
	}
	ta_hex_encode(hex, sec, 32);
	if (write(fd, hex, 64) != 64)
		printf("# short write\n");
	close(fd);
	memset(meas, 0x3c, sizeof(meas));
	if (ta_attester_init_sim(&att, path, meas)) {
		printf("not ok - sim attester\n");
		return 1;
	}
	unlink(path);
	pol.allow_simulated = 1;
	pol.have_sim_pubkey = 1;
	memcpy(pol.sim_pubkey, simk.pub, 32);
	memcpy(cfg.array, arr, 16);
	memcpy(cfg.authorized_key, key.pub, 32);
	if (td_disk_init(&d, &cfg, meas, &att)) {
		printf("not ok - disk init\n");
		return 1;
	}
	if (hello(&sess, ckey)) {
		printf("not ok - hello\n");
		return 1;
	}
	/* Some state first, so "changes nothing" has something to lose. */
	memset(buf, 0x5e, sizeof(buf));
	if (one(&key, (struct ta_cmd){ .op = TA_OP_WRITE, .count = 4, .sector = 0,
				       .payload_len = sizeof(buf), .payload = buf }, NULL) ||
	    one(&key, (struct ta_cmd){ .op = TA_OP_FENCE, .count = 1, .arg = 2 }, NULL))
		printf("not ok - initial state\n");
	test_rejections();
	test_batch_atomic();
	test_accepted();
	test_write_short();
	test_frames();
	test_answer_mac();
	test_restart();
	td_disk_destroy(&d);
	ta_attester_wipe(&att);
	return tap_exit_status();
}
