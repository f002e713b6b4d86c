// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the wire format and of command signatures: round trips,
 * every parse error code, and that flipping any bound field of a signed
 * batch makes verification fail.
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ta-crypto.h"
#include "ta-wire.h"

static uint8_t payload_a[2 * TA_SECTOR_SIZE], payload_d[TA_SECTOR_SIZE];

/* A three-command batch: write 2 sectors, read 1, death-write. */
static void sample(struct ta_batch_hdr *h, struct ta_cmd *c)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 16; i++) {
		h->array[i] = (uint8_t)(0xa0 + i);
		h->instance[i] = (uint8_t)(0x10 + i);
	}
	h->slot = 3;
	h->ncmds = 3;
	h->generation = 7;
	h->first_seq = 41;
	memset(h->nonce, 0x5a, sizeof(h->nonce));
	for (size_t i = 0; i < sizeof(payload_a); i++)
		payload_a[i] = (uint8_t)(i * 7);
	memset(payload_d, 0, sizeof(payload_d));
	ta_put64(payload_d, 9);
	memset(c, 0, 3 * sizeof(*c));
	c[0] = (struct ta_cmd){ .op = TA_OP_WRITE, .count = 2, .sector = 10,
				.payload_len = sizeof(payload_a), .payload = payload_a };
	c[1] = (struct ta_cmd){ .op = TA_OP_READ, .count = 1, .sector = 11 };
	c[2] = (struct ta_cmd){ .op = TA_OP_DEATH_WRITE, .count = 1, .arg = 9,
				.payload_len = TA_SECTOR_SIZE, .payload = payload_d };
}

static void test_frame_hdr(void)
{
	uint8_t b[TA_FRAME_HDR_LEN];
	struct ta_frame_hdr h;

	tap_begin();
	ta_frame_hdr_build(b, TA_K_BATCH, 1234);
	CHECK(ta_frame_hdr_parse(b, sizeof(b), &h) == TA_OK);
	CHECK(h.kind == TA_K_BATCH && h.body_len == 1234);
	CHECK(b[0] == 'T' && b[1] == 'E' && b[2] == 'E' && b[3] == 'A');
	tap_end("frame header round trip, wire bytes start with TEEA");

	tap_begin();
	CHECK(ta_frame_hdr_parse(b, TA_FRAME_HDR_LEN - 1, &h) == TA_E_TRUNCATED);
	b[0] ^= 1;
	CHECK(ta_frame_hdr_parse(b, sizeof(b), &h) == TA_E_MAGIC);
	b[0] ^= 1;
	b[4] = 1;	/* unauthenticated answers */
	CHECK(ta_frame_hdr_parse(b, sizeof(b), &h) == TA_E_VERSION);
	b[4] = 2;	/* the previous release: no WRITE_SHORT */
	CHECK(ta_frame_hdr_parse(b, sizeof(b), &h) == TA_E_VERSION);
	b[4] = 4;
	CHECK(ta_frame_hdr_parse(b, sizeof(b), &h) == TA_E_VERSION);
	b[4] = 3;
	CHECK(TA_PROTO_VERSION == 3 && ta_frame_hdr_parse(b, sizeof(b), &h) == TA_OK);
	b[4] = TA_PROTO_VERSION;
	b[5] = 0;
	CHECK(ta_frame_hdr_parse(b, sizeof(b), &h) == TA_E_KIND);
	b[5] = TA_K_ERROR + 1;
	CHECK(ta_frame_hdr_parse(b, sizeof(b), &h) == TA_E_KIND);
	b[5] = TA_K_HELLO;
	b[7] = 1;
	CHECK(ta_frame_hdr_parse(b, sizeof(b), &h) == TA_E_RESERVED);
	b[7] = 0;
	ta_put32(b + 8, TA_MAX_BODY + 1);
	CHECK(ta_frame_hdr_parse(b, sizeof(b), &h) == TA_E_OVERSIZE);
	ta_put32(b + 8, TA_MAX_BODY);
	CHECK(ta_frame_hdr_parse(b, sizeof(b), &h) == TA_OK);
	tap_end("frame header errors: truncated, magic, version, kind, reserved, oversize");
}

static void test_batch_roundtrip(void)
{
	struct ta_batch_hdr h;
	struct ta_cmd c[3];
	struct ta_batch b;
	uint8_t *body;
	size_t len;

	tap_begin();
	sample(&h, c);
	memset(h.sig, 0x33, sizeof(h.sig));
	CHECK(ta_batch_build(&h, c, &body, &len) == TA_OK);
	CHECK(len == TA_BATCH_HDR_LEN + 3 * TA_CMD_HDR_LEN + 3 * TA_SECTOR_SIZE);
	CHECK(ta_batch_parse(body, len, &b) == TA_OK);
	CHECK(!memcmp(&b.hdr.array, h.array, 16) && b.hdr.slot == 3 && b.hdr.ncmds == 3);
	CHECK(!memcmp(b.hdr.instance, h.instance, 16) && b.hdr.generation == 7);
	CHECK(b.hdr.first_seq == 41 && !memcmp(b.hdr.nonce, h.nonce, 32));
	CHECK(!memcmp(b.hdr.sig, h.sig, 64));
	for (int i = 0; i < 3; i++) {
		CHECK(b.cmds[i].op == c[i].op && b.cmds[i].count == c[i].count);
		CHECK(b.cmds[i].sector == c[i].sector && b.cmds[i].arg == c[i].arg);
		CHECK(b.cmds[i].payload_len == c[i].payload_len);
		CHECK(!c[i].payload_len || !memcmp(b.cmds[i].payload, c[i].payload,
						   c[i].payload_len));
	}
	ta_batch_free(&b);
	free(body);
	tap_end("batch build/parse round trip keeps every field and payload");
}

/* Builds the sample batch, lets mutate() damage the body, returns the code. */
static int parse_mutated(void (*mutate)(uint8_t *body, size_t *len))
{
	struct ta_batch_hdr h;
	struct ta_cmd c[3];
	struct ta_batch b;
	uint8_t *body, *big;
	size_t len;
	int ret;

	sample(&h, c);
	if (ta_batch_build(&h, c, &body, &len))
		return -1;
	big = calloc(1, len + 64);
	memcpy(big, body, len);
	free(body);
	mutate(big, &len);
	ret = ta_batch_parse(big, len, &b);
	ta_batch_free(&b);
	free(big);
	return ret;
}

#define C0 TA_BATCH_HDR_LEN			/* first command header */
#define C1 (C0 + TA_CMD_HDR_LEN + 2 * TA_SECTOR_SIZE)	/* the read */
#define C2 (C1 + TA_CMD_HDR_LEN)		/* the death write */

static void m_short_hdr(uint8_t *b, size_t *l) { (void)b; *l = TA_BATCH_HDR_LEN - 1; }
static void m_short_cmd(uint8_t *b, size_t *l) { (void)b; *l = C2 + 10; }
static void m_short_payload(uint8_t *b, size_t *l) { (void)b; *l -= 1; }
static void m_trailing(uint8_t *b, size_t *l) { (void)b; *l += 1; }
static void m_flags(uint8_t *b, size_t *l) { (void)l; ta_put16(b + 20, 0x8000); }
static void m_ncmds0(uint8_t *b, size_t *l) { (void)l; ta_put16(b + 22, 0); }
static void m_ncmds_big(uint8_t *b, size_t *l) { (void)l; ta_put16(b + 22, TA_MAX_CMDS + 1); }
static void m_ncmds_more(uint8_t *b, size_t *l) { (void)l; ta_put16(b + 22, 4); }
static void m_cmd_flags(uint8_t *b, size_t *l) { (void)l; b[C1 + 2] = 1; }
static void m_cmd_reserved(uint8_t *b, size_t *l) { (void)l; b[C1 + 31] = 1; }
static void m_op(uint8_t *b, size_t *l) { (void)l; ta_put16(b + C1, 99); }
static void m_op0(uint8_t *b, size_t *l) { (void)l; ta_put16(b + C1, 0); }
static void m_count0(uint8_t *b, size_t *l) { (void)l; ta_put32(b + C1 + 4, 0); }
static void m_count_big(uint8_t *b, size_t *l) { (void)l; ta_put32(b + C1 + 4, TA_MAX_COUNT + 1); }
static void m_death_count(uint8_t *b, size_t *l) { (void)l; ta_put32(b + C2 + 4, 2); }
static void m_read_payload(uint8_t *b, size_t *l) { (void)l; ta_put32(b + C1 + 24, 1); }
static void m_write_count(uint8_t *b, size_t *l) { (void)l; ta_put32(b + C0 + 4, 1); }

static void test_batch_errors(void)
{
	static const struct { void (*m)(uint8_t *, size_t *); int want; const char *what; } t[] = {
		{ m_short_hdr, TA_E_TRUNCATED, "short header" },
		{ m_short_cmd, TA_E_TRUNCATED, "short command header" },
		{ m_short_payload, TA_E_TRUNCATED, "short payload" },
		{ m_trailing, TA_E_TRAILING, "trailing byte" },
		{ m_flags, TA_E_FLAGS, "unknown batch flag" },
		{ m_ncmds0, TA_E_NCMDS, "zero commands" },
		{ m_ncmds_big, TA_E_NCMDS, "too many commands" },
		{ m_ncmds_more, TA_E_TRUNCATED, "count above what is there" },
		{ m_cmd_flags, TA_E_RESERVED, "command flags" },
		{ m_cmd_reserved, TA_E_RESERVED, "command reserved word" },
		{ m_op, TA_E_UNKNOWN_OP, "unknown op 99" },
		{ m_op0, TA_E_UNKNOWN_OP, "unknown op 0" },
		{ m_count0, TA_E_COUNT, "zero sectors" },
		{ m_count_big, TA_E_COUNT, "too many sectors" },
		{ m_death_count, TA_E_COUNT, "death write count 2" },
		{ m_read_payload, TA_E_PAYLOAD, "read with payload" },
		{ m_write_count, TA_E_PAYLOAD, "write payload/count mismatch" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int got;

		tap_begin();
		got = parse_mutated(t[i].m);
		if (got != t[i].want)
			printf("#   got %s, want %s\n", ta_err_name(got), ta_err_name(t[i].want));
		CHECK(got == t[i].want);
		tap_end("batch parse: %s -> %s", t[i].what, ta_err_name(t[i].want));
	}
}

/* ---- WRITE_SHORT: payload_len is the command's own, 1..4096 bytes ---------- */

static uint8_t payload_s[TA_SECTOR_SIZE + 1];

/* write-short of len bytes at sector 12, then a read of sector 12. */
static void sample_short(struct ta_batch_hdr *h, struct ta_cmd *c, uint32_t len)
{
	sample(h, c);
	h->ncmds = 2;
	for (size_t i = 0; i < sizeof(payload_s); i++)
		payload_s[i] = (uint8_t)(i * 11 + 5);
	c[0] = (struct ta_cmd){ .op = TA_OP_WRITE_SHORT, .count = 1, .sector = 12,
				.payload_len = len, .payload = payload_s };
	c[1] = (struct ta_cmd){ .op = TA_OP_READ, .count = 1, .sector = 12 };
}

static void test_write_short(void)
{
	static const uint32_t lens[] = { 1, 100, 300, TA_SECTOR_SIZE - 1, TA_SECTOR_SIZE };
	struct ta_batch_hdr h, h2;
	struct ta_cmd c[3], c2[3];
	struct ta_batch b;
	struct ta_key k;
	uint8_t *body, sec[32];
	size_t len;
	int ok = 1;

	tap_begin();
	CHECK(!strcmp(ta_op_name(TA_OP_WRITE_SHORT), "write-short"));
	CHECK(ta_op_result_len(TA_OP_WRITE_SHORT, 1) == 0);
	CHECK(ta_op_payload_len(TA_OP_WRITE_SHORT, 1) == TA_PAYLOAD_SHORT);
	CHECK(ta_op_payload_check(TA_OP_WRITE_SHORT, 1, 1) == TA_OK);
	CHECK(ta_op_payload_check(TA_OP_WRITE_SHORT, 1, TA_SECTOR_SIZE) == TA_OK);
	CHECK(ta_op_payload_check(TA_OP_WRITE_SHORT, 1, 0) == TA_E_PAYLOAD);
	CHECK(ta_op_payload_check(TA_OP_WRITE_SHORT, 1, TA_SECTOR_SIZE + 1) == TA_E_PAYLOAD);
	CHECK(ta_op_payload_check(TA_OP_WRITE, 2, 2 * TA_SECTOR_SIZE) == TA_OK);
	CHECK(ta_op_payload_check(TA_OP_WRITE, 2, TA_SECTOR_SIZE) == TA_E_PAYLOAD);
	CHECK(ta_op_payload_check(TA_OP_READ, 1, 0) == TA_OK);
	CHECK(ta_op_payload_check(99, 1, 0) == TA_E_UNKNOWN_OP);
	tap_end("write-short: name, no result bytes, payload of 1..4096 bytes");

	tap_begin();
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		sample_short(&h, c, lens[i]);
		memset(h.sig, 0x44, sizeof(h.sig));
		if (ta_batch_build(&h, c, &body, &len)) {
			ok = 0;
			continue;
		}
		ok &= len == TA_BATCH_HDR_LEN + 2 * TA_CMD_HDR_LEN + lens[i];
		/* The command header names the payload length (bytes 24..27). */
		ok &= ta_get16(body + TA_BATCH_HDR_LEN) == TA_OP_WRITE_SHORT &&
		      ta_get32(body + TA_BATCH_HDR_LEN + 4) == 1 &&
		      ta_get64(body + TA_BATCH_HDR_LEN + 16) == 0 &&
		      ta_get32(body + TA_BATCH_HDR_LEN + 24) == lens[i];
		ok &= ta_batch_parse(body, len, &b) == TA_OK;
		ok &= b.cmds && b.cmds[0].op == TA_OP_WRITE_SHORT && b.cmds[0].count == 1 &&
		      b.cmds[0].sector == 12 && b.cmds[0].arg == 0 &&
		      b.cmds[0].payload_len == lens[i] &&
		      !memcmp(b.cmds[0].payload, payload_s, lens[i]) &&
		      b.cmds[1].op == TA_OP_READ && b.cmds[1].payload_len == 0;
		ta_batch_free(&b);
		free(body);
	}
	CHECK(ok);
	tap_end("write-short: build/parse round trip with payloads of 1, 100, 300, 4095 and "
		"4096 bytes");

	tap_begin();
	CHECK(ta_key_generate(&k, sec) == TA_OK);
	sample_short(&h, c, 100);
	ta_batch_sign(&k, &h, c);
	CHECK(ta_batch_verify(k.pub, &h, c) == TA_OK);
	h2 = h;
	memcpy(c2, c, sizeof(c));
	c2[0].payload_len = 99;
	CHECK(ta_batch_verify(k.pub, &h2, c2) == TA_E_SIGNATURE);
	memcpy(c2, c, sizeof(c));
	c2[0].payload_len = 101;
	CHECK(ta_batch_verify(k.pub, &h2, c2) == TA_E_SIGNATURE);
	memcpy(c2, c, sizeof(c));
	c2[0].op = TA_OP_WRITE;
	CHECK(ta_batch_verify(k.pub, &h2, c2) == TA_E_SIGNATURE);
	tap_end("write-short: the signature binds its payload length and its op");
}

/* Builds a write-short batch (100 bytes), lets mutate() damage it, returns the code. */
static int parse_short_mutated(void (*mutate)(uint8_t *body, size_t *len))
{
	struct ta_batch_hdr h;
	struct ta_cmd c[3];
	struct ta_batch b;
	uint8_t *body, *big;
	size_t len;
	int ret;

	sample_short(&h, c, 100);
	if (ta_batch_build(&h, c, &body, &len))
		return -1;
	big = calloc(1, len + 8192);
	memcpy(big, body, len);
	free(body);
	mutate(big, &len);
	ret = ta_batch_parse(big, len, &b);
	ta_batch_free(&b);
	free(big);
	return ret;
}

#define S0 TA_BATCH_HDR_LEN			/* the write-short's command header */

static void ms_plen0(uint8_t *b, size_t *l) { ta_put32(b + S0 + 24, 0); *l -= 100; }
static void ms_plen_big(uint8_t *b, size_t *l)
{
	ta_put32(b + S0 + 24, TA_SECTOR_SIZE + 1);
	*l += TA_SECTOR_SIZE + 1 - 100;
}
static void ms_count2(uint8_t *b, size_t *l) { (void)l; ta_put32(b + S0 + 4, 2); }
static void ms_count0(uint8_t *b, size_t *l) { (void)l; ta_put32(b + S0 + 4, 0); }
static void ms_arg(uint8_t *b, size_t *l) { (void)l; ta_put64(b + S0 + 16, 1); }
static void ms_arg_high(uint8_t *b, size_t *l) { (void)l; b[S0 + 23] = 0x80; }
static void ms_plen_more(uint8_t *b, size_t *l) { (void)l; ta_put32(b + S0 + 24, 101); }
static void ms_short(uint8_t *b, size_t *l) { (void)b; *l = S0 + TA_CMD_HDR_LEN + 50; }

static void test_write_short_errors(void)
{
	static const struct { void (*m)(uint8_t *, size_t *); int want; const char *what; } t[] = {
		{ ms_plen0, TA_E_PAYLOAD, "payload_len 0" },
		{ ms_plen_big, TA_E_PAYLOAD, "payload_len 4097" },
		{ ms_count2, TA_E_COUNT, "count 2" },
		{ ms_count0, TA_E_COUNT, "count 0" },
		{ ms_arg, TA_E_RESERVED, "arg 1" },
		{ ms_arg_high, TA_E_RESERVED, "arg with its top bit set" },
		{ ms_plen_more, TA_E_TRUNCATED, "payload_len 101 over a 100-byte payload (the "
		  "next header comes up short)" },
		{ ms_short, TA_E_TRUNCATED, "payload cut short" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int got;

		tap_begin();
		got = parse_short_mutated(t[i].m);
		if (got != t[i].want)
			printf("#   got %s, want %s\n", ta_err_name(got), ta_err_name(t[i].want));
		CHECK(got == t[i].want);
		tap_end("batch parse: write-short with %s -> %s", t[i].what,
			ta_err_name(t[i].want));
	}
}

static void test_messages(void)
{
	struct ta_identity id = { .proto_version = TA_PROTO_VERSION, .slot = 5, .sectors = 99,
				  .generation = 4, .last_seq = 8, .death_version = 2,
				  .provider = 1 }, id2;
	struct ta_bresp_hdr r = { .generation = 1, .first_seq = 2, .last_seq = 3, .ncmds = 2,
				  .results_len = 10, .evidence_len = 5 }, r2;
	struct ta_error e = { .code = TA_E_REPLAY, .index = 2, .generation = 6, .last_seq = 77 }, e2;
	uint8_t b[TA_IDENTITY_LEN + 64];

	tap_begin();
	memset(id.array, 1, 16);
	memset(id.instance, 2, 16);
	memset(id.authorized_key, 3, 32);
	memset(id.measurement, 4, 32);
	ta_identity_encode(b, &id);
	CHECK(ta_identity_decode(b, TA_IDENTITY_LEN, &id2) == TA_OK);
	CHECK(!memcmp(&id, &id2, sizeof(id)));
	CHECK(ta_identity_decode(b, TA_IDENTITY_LEN - 1, &id2) == TA_E_TRUNCATED);
	b[139] = 1;
	CHECK(ta_identity_decode(b, TA_IDENTITY_LEN, &id2) == TA_E_RESERVED);
	b[0] = 9;
	CHECK(ta_identity_decode(b, TA_IDENTITY_LEN, &id2) == TA_E_VERSION);
	tap_end("identity round trip and errors");

	tap_begin();
	ta_bresp_hdr_encode(b, &r);
	/* results 10 + evidence 5 + the MAC */
	CHECK(ta_bresp_hdr_decode(b, TA_BRESP_HDR_LEN + 15 + TA_MAC_LEN, &r2) == TA_OK);
	CHECK(r2.generation == 1 && r2.first_seq == 2 && r2.last_seq == 3 && r2.ncmds == 2);
	CHECK(r2.results_len == 10 && r2.evidence_len == 5);
	CHECK(ta_bresp_hdr_decode(b, TA_BRESP_HDR_LEN + 15, &r2) == TA_E_TRUNCATED);
	CHECK(ta_bresp_hdr_decode(b, TA_BRESP_HDR_LEN + 14 + TA_MAC_LEN, &r2) ==
	      TA_E_TRUNCATED);
	CHECK(ta_bresp_hdr_decode(b, TA_BRESP_HDR_LEN + 16 + TA_MAC_LEN, &r2) ==
	      TA_E_TRAILING);
	CHECK(ta_bresp_hdr_decode(b, TA_BRESP_HDR_LEN - 1, &r2) == TA_E_TRUNCATED);
	r.evidence_len = TA_MAX_EVIDENCE + 1;
	ta_bresp_hdr_encode(b, &r);
	CHECK(ta_bresp_hdr_decode(b, TA_BRESP_HDR_LEN + 15 + TA_MAC_LEN, &r2) == TA_E_OVERSIZE);
	tap_end("batch response header round trip and errors");

	tap_begin();
	ta_error_encode(b, &e);
	CHECK(ta_error_decode(b, TA_ERROR_LEN, &e2) == TA_OK);
	CHECK(e2.code == TA_E_REPLAY && e2.index == 2 && e2.generation == 6 &&
	      e2.last_seq == 77 && !memcmp(e2.mac, e.mac, TA_MAC_LEN));
	CHECK(ta_error_decode(b, TA_ERROR_LEN + 1, &e2) == TA_E_TRAILING);
	CHECK(ta_error_decode(b, TA_ERROR_LEN - 1, &e2) == TA_E_TRUNCATED);
	b[5] = 1;
	CHECK(ta_error_decode(b, TA_ERROR_LEN, &e2) == TA_E_RESERVED);
	tap_end("error message round trip and errors");

	tap_begin();
	for (int i = 0; i < TA_E__COUNT; i++) {
		CHECK(strcmp(ta_err_name(i), "unknown-error") != 0);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(ta_err_name(i), ta_err_name(j)) != 0);
	}
	CHECK(!strcmp(ta_err_name(TA_E__COUNT), "unknown-error"));
	CHECK(!strcmp(ta_err_name(-1), "unknown-error"));
	tap_end("every error code has its own name");
}

static void test_hex_uuid(void)
{
	uint8_t u[16], x[2];
	char s[37];

	tap_begin();
	CHECK(ta_uuid_parse(u, "0f2a8c1e-1111-2222-3333-444455556666") == TA_OK);
	ta_uuid_format(s, u);
	CHECK(!strcmp(s, "0f2a8c1e-1111-2222-3333-444455556666"));
	CHECK(ta_uuid_parse(u, "0f2a8c1e11112222333344445555666") == TA_E_ARG);
	CHECK(ta_uuid_parse(u, "0f2a8c1e1111222233334444555566667") == TA_E_ARG);
	CHECK(ta_uuid_parse(u, "0f2a8c1e-1111-2222-3333-44445555666g") == TA_E_ARG);
	CHECK(ta_hex_decode(x, 2, "aB09") == TA_OK && x[0] == 0xab && x[1] == 0x09);
	CHECK(ta_hex_decode(x, 2, "ab0") == TA_E_ARG);
	tap_end("hex and UUID parsing");
}

/* ---- signature binding ------------------------------------------------- */

struct flip {
	const char *what;
	void (*f)(struct ta_batch_hdr *h, struct ta_cmd *c);
};

static uint8_t payload_copy[2 * TA_SECTOR_SIZE];

static void f_array(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)c; h->array[15] ^= 1; }
static void f_slot(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)c; h->slot++; }
static void f_flags(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)c; h->flags ^= 1; }
static void f_ncmds(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)c; h->ncmds = 2; }
static void f_instance(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)c; h->instance[0] ^= 0x80; }
static void f_gen(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)c; h->generation++; }
static void f_seq(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)c; h->first_seq++; }
static void f_nonce(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)c; h->nonce[31] ^= 4; }
static void f_sig(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)c; h->sig[10] ^= 1; }
static void f_op(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)h; c[1].op = TA_OP_TRIM; }
static void f_count(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)h; c[1].count = 2; }
static void f_sector(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)h; c[0].sector++; }
static void f_arg(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)h; c[2].arg++; }
static void f_plen(struct ta_batch_hdr *h, struct ta_cmd *c) { (void)h; c[0].payload_len--; }
static void f_payload(struct ta_batch_hdr *h, struct ta_cmd *c)
{
	(void)h;
	memcpy(payload_copy, payload_a, sizeof(payload_a));
	payload_copy[5000] ^= 1;
	c[0].payload = payload_copy;
}
static void f_order(struct ta_batch_hdr *h, struct ta_cmd *c)
{
	struct ta_cmd t = c[0];

	(void)h;
	c[0] = c[1];
	c[1] = t;
}

static void test_signature_binding(void)
{
	static const struct flip flips[] = {
		{ "array", f_array }, { "slot", f_slot }, { "batch flags", f_flags },
		{ "command count", f_ncmds }, { "instance id", f_instance },
		{ "generation", f_gen }, { "sequence", f_seq }, { "nonce", f_nonce },
		{ "signature", f_sig }, { "operation", f_op }, { "sector count", f_count },
		{ "sector", f_sector }, { "argument", f_arg }, { "payload length", f_plen },
		{ "payload byte", f_payload }, { "command order", f_order },
	};
	struct ta_batch_hdr h, h2;
	struct ta_cmd c[3], c2[3];
	struct ta_key k, other;
	uint8_t sec[32];

	tap_begin();
	CHECK(ta_key_generate(&k, sec) == TA_OK);
	CHECK(ta_key_generate(&other, sec) == TA_OK);
	sample(&h, c);
	ta_batch_sign(&k, &h, c);
	CHECK(ta_batch_verify(k.pub, &h, c) == TA_OK);
	CHECK(ta_batch_verify(other.pub, &h, c) == TA_E_SIGNATURE);
	tap_end("signed batch verifies under its key only");

	for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]); i++) {
		tap_begin();
		h2 = h;
		memcpy(c2, c, sizeof(c));
		flips[i].f(&h2, c2);
		CHECK(ta_batch_verify(k.pub, &h2, c2) == TA_E_SIGNATURE);
		tap_end("signature binds the %s", flips[i].what);
	}

	tap_begin();
	{
		uint8_t h1[32], h2b[32];
		struct ta_th th;

		/* Domain separation: same bytes under another tag hash differently. */
		ta_batch_sighash(&h, c, h1);
		ta_th_init(&th, TA_TAG_IDENTIFY);
		ta_th_final(&th, h2b);
		CHECK(memcmp(h1, h2b, 32) != 0);
		/* Known answer: TH(tag, "") for the command tag is stable. */
		ta_th_init(&th, TA_TAG_COMMAND);
		ta_th_final(&th, h1);
		ta_th_init(&th, TA_TAG_COMMAND);
		ta_th_final(&th, h2b);
		CHECK(!memcmp(h1, h2b, 32));
	}
	tap_end("tagged hashes are domain separated");
}

int main(void)
{
	/*
	 * test_batch_errors(): 17 malformed batches; test_write_short_errors(): 8;
	 * test_signature_binding(): 16 flips
	 */
	tap_plan(17 + 8 + 16 + 13);
	if (ta_crypto_init() != TA_OK) {
		printf("not ok - crypto init\n");
		return 1;
	}
	test_frame_hdr();
	test_batch_roundtrip();
	test_batch_errors();
	test_write_short();
	test_write_short_errors();
	test_messages();
	test_hex_uuid();
	test_signature_binding();
	return tap_exit_status();
}
