// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the wire parsers and for teedisk's command
 * validation.  The first input byte picks a mode:
 *   0, 3  the rest is a frame (header + body) handed to td_handle() as a
 *         teedisk would after reading it off a socket;
 *   1     the rest is a batch body: if it parses, its header is pointed at
 *         the disk (array, slot, instance, generation, sequence from input
 *         bits) and re-signed with the authorised key, so the fuzzer reaches
 *         the semantic checks and the executor behind the signature;
 *   2     the rest goes to every response decoder, the evidence verifier and
 *         the client's identity, batch-answer and error checks, once as it
 *         is and once with its last 32 bytes replaced by the right answer
 *         MAC, so the checks behind the MAC are reached too.
 * Modes 0, 1 and 3 run in a session (as after HELLO) unless a HELLO in the
 * input replaces it.
 * Invariant checked on every input: a rejected request changes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "disk.h"
#include "ta-attest.h"
#include "ta-client.h"
#include "ta-crypto.h"
#include "ta-wire.h"

#define SECTORS 8

static struct td_disk d;
static struct td_session sess;
static const uint8_t sess_key[TA_MAC_LEN] = { 0x5a, 0xa5, 3 };
static struct ta_attester att;
static struct ta_key key;
static struct ta_policy pol;
static uint8_t *shadow;

static void setup(void)
{
	static const uint8_t ksec[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
					  31, 32 };
	static const uint8_t ssec[32] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
					  9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9 };
	struct td_config cfg = { .slot = 1, .sectors = SECTORS, .allow_unlocked = 1 };
	uint8_t meas[32] = { 0x11 };

	if (ta_crypto_init() || ta_key_from_secret(&key, ksec))
		abort();
	memset(&att, 0, sizeof(att));
	att.provider = TA_PROV_SIM;
	memcpy(att.measurement, meas, 32);
	if (ta_key_from_secret(&att.sim_key, ssec))
		abort();
	memset(cfg.array, 0xaa, 16);
	memcpy(cfg.authorized_key, key.pub, 32);
	if (td_disk_init(&d, &cfg, meas, &att))
		abort();
	shadow = malloc(d.mem_len);
	pol.allow_simulated = 1;
	pol.have_sim_pubkey = 1;
	memcpy(pol.sim_pubkey, att.sim_key.pub, 32);
}

static void handle_checked(uint8_t kind, const uint8_t *body, size_t len)
{
	uint64_t g = d.generation, s = d.last_seq, dv = d.death_version;
	uint8_t *resp = NULL;
	size_t rl = 0;
	int acc = 0, ret;

	memcpy(shadow, d.mem, d.mem_len);
	ret = td_handle(&d, &sess, kind, body, len, &resp, &rl, &acc);
	if (ret == TA_OK) {
		struct ta_frame_hdr h;

		/* Every response must itself be a well-formed frame. */
		if (ta_frame_hdr_parse(resp, rl, &h) || h.body_len != rl - TA_FRAME_HDR_LEN)
			abort();
		/* accepted <=> answered with a batch response */
		if ((resp[5] == TA_K_BATCH_RESP) != !!acc)
			abort();
	}
	if (!acc && (g != d.generation || s != d.last_seq || dv != d.death_version ||
		     memcmp(shadow, d.mem, d.mem_len)))
		abort();	/* a rejected request changed state */
	if (acc && d.last_seq <= s)
		abort();	/* an accepted batch must consume sequence numbers */
	free(resp);
}

static void mode_frame(const uint8_t *p, size_t n)
{
	struct ta_frame_hdr h;

	if (ta_frame_hdr_parse(p, n, &h))
		return;
	/* The socket layer delivers exactly body_len bytes or nothing. */
	if (n - TA_FRAME_HDR_LEN < h.body_len)
		return;
	handle_checked(h.kind, p + TA_FRAME_HDR_LEN, h.body_len);
}

static void mode_resign(const uint8_t *p, size_t n)
{
	struct ta_batch b;
	uint8_t *body;
	size_t len;
	uint8_t sel;

	if (n < 1)
		return;
	sel = p[0];
	if (ta_batch_parse(p + 1, n - 1, &b))
		return;
	if (!(sel & 1))
		memcpy(b.hdr.array, d.cfg.array, 16);
	if (!(sel & 2))
		b.hdr.slot = d.cfg.slot;
	if (!(sel & 4))
		memcpy(b.hdr.instance, d.instance, 16);
	if (!(sel & 8))
		b.hdr.generation = d.generation;
	if (!(sel & 16))
		b.hdr.first_seq = d.last_seq + 1 + (sel >> 6);
	if (!(sel & 32))
		ta_batch_sign(&key, &b.hdr, b.cmds);
	if (ta_batch_build(&b.hdr, b.cmds, &body, &len) == TA_OK) {
		handle_checked(TA_K_BATCH, body, len);
		free(body);
	}
	ta_batch_free(&b);
}

static void mode_decoders(const uint8_t *p, size_t n)
{
	static const uint8_t nonce[TA_NONCE_LEN];
	struct ta_cmd cmds[2] = {
		{ .op = TA_OP_READ, .count = 1, .sector = 0 },
		{ .op = TA_OP_TRIM, .count = 1, .sector = 1 },
	};
	static const uint8_t req[TA_HASH_LEN] = { 0x77 };
	struct ta_batch_hdr h = { .ncmds = 2, .first_seq = 1 };
	struct ta_identity id;
	struct ta_bresp_hdr rh;
	struct ta_error e;
	struct ta_claims cl;
	struct ta_client c;
	uint8_t *sealed;

	(void)ta_identity_decode(p, n, &id);
	(void)ta_bresp_hdr_decode(p, n, &rh);
	(void)ta_error_decode(p, n, &e);
	(void)ta_evidence_verify(p, n, &pol, &cl);	/* no tsm verifier: never spawns */
	ta_client_init(&c, &key, &pol, d.cfg.array, d.cfg.slot);
	(void)ta_client_accept_identity(&c, p, n, nonce);
	c.identified = 1;
	c.have_session = 1;
	memcpy(c.session_key, sess_key, TA_MAC_LEN);
	(void)ta_client_accept_bresp(&c, &h, req, cmds, 0, p, n, &rh);
	(void)ta_client_accept_error(&c, req, p, n);
	if (n < TA_MAC_LEN)
		return;
	sealed = malloc(n);
	if (!sealed)
		return;
	memcpy(sealed, p, n);
	if (ta_bresp_hdr_decode(sealed, n, &rh) == TA_OK) {
		uint8_t hr[TA_HASH_LEN];

		ta_results_hash(hr, sealed + TA_BRESP_HDR_LEN, rh.results_len);
		ta_bresp_mac(sealed + n - TA_MAC_LEN, sess_key, c.id.array, c.id.slot,
			     c.id.instance, req, sealed, hr,
			     sealed + TA_BRESP_HDR_LEN + rh.results_len, rh.evidence_len);
	}
	if (ta_client_accept_bresp(&c, &h, req, cmds, 0, sealed, n, &rh) == TA_OK &&
	    (rh.first_seq != 1 || rh.last_seq != 2 || rh.results_len != TA_SECTOR_SIZE))
		abort();	/* accepted an answer that does not fit the request */
	ta_answer_mac(sealed + n - TA_MAC_LEN, sess_key, TA_K_ERROR, c.id.array, c.id.slot,
		      c.id.instance, req, sealed, n - TA_MAC_LEN);
	if (ta_client_accept_error(&c, req, sealed, n) == TA_OK && !c.last_error_auth)
		abort();
	free(sealed);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!shadow)
		setup();
	if (size < 1)
		return 0;
	/* Keep runs independent of each other's fencing, sequence and session. */
	sess.active = 1;
	memcpy(sess.key, sess_key, TA_MAC_LEN);
	d.generation = 0;
	d.last_seq = 0;
	d.death_version = 0;
	switch (data[0] & 3) {
	case 0:
	case 3:
		mode_frame(data + 1, size - 1);
		break;
	case 1:
		mode_resign(data + 1, size - 1);
		break;
	case 2:
		mode_decoders(data + 1, size - 1);
		break;
	}
	return 0;
}
