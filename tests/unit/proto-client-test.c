// SPDX-License-Identifier: GPL-2.0
/*
 * Client-side checks against a man in the middle: a thread serves the
 * teedisk core over a socketpair and tampers with its answers; the client
 * library must refuse every altered, stripped, replayed or forged answer,
 * acknowledgements and errors included, and a member whose attested state
 * counter went back.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "disk.h"
#include "ta-client.h"

enum { M_NONE, M_FLIP_DATA, M_REPLAY_READ, M_STRIP_EVIDENCE, M_IDENTITY_GEN,
       M_REPLAY_IDENTITY, M_FORGE_ACK, M_FORGE_ERROR, M_REPLAY_ACK, M_FLIP_ACK,
       M_SWAP_KX, M_STOP };

static atomic_int mode, forged_error = TA_E_STALE_GENERATION;
static struct td_disk d;
static struct td_session sess;
static uint8_t *saved_ack;
static size_t saved_ack_len;
static struct ta_attester att;
static int sv[2];
static uint8_t *saved_read, *saved_id;
static size_t saved_read_len, saved_id_len;

static int recv_all(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = recv(fd, p, n, 0);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * What a host that drops the request would answer: an acknowledgement or an
 * error made up from the request's header, with a MAC it cannot compute.
 */
static uint8_t *forge(const uint8_t *body, size_t len, int m, size_t *rl)
{
	struct ta_bresp_hdr rh = { 0 };
	struct ta_error e = { 0 };
	struct ta_batch b;
	uint8_t *p;
	size_t blen;

	if (ta_batch_parse(body, len, &b))
		abort();
	if (m == M_FORGE_ERROR) {
		e.code = (uint16_t)atomic_load(&forged_error);
		e.index = 0xffff;
		e.generation = b.hdr.generation + 1;
		e.last_seq = b.hdr.first_seq;
		ta_random(e.mac, sizeof(e.mac));
		p = calloc(1, TA_FRAME_HDR_LEN + TA_ERROR_LEN);
		ta_frame_hdr_build(p, TA_K_ERROR, TA_ERROR_LEN);
		ta_error_encode(p + TA_FRAME_HDR_LEN, &e);
		*rl = TA_FRAME_HDR_LEN + TA_ERROR_LEN;
		ta_batch_free(&b);
		return p;
	}
	rh.generation = b.hdr.generation;
	rh.first_seq = b.hdr.first_seq;
	rh.last_seq = b.hdr.first_seq + b.hdr.ncmds - 1;
	rh.ncmds = b.hdr.ncmds;
	for (unsigned int i = 0; i < b.hdr.ncmds; i++)
		rh.results_len += (uint32_t)ta_op_result_len(b.cmds[i].op, b.cmds[i].count);
	blen = TA_BRESP_HDR_LEN + rh.results_len + TA_MAC_LEN;
	p = calloc(1, TA_FRAME_HDR_LEN + blen);
	ta_frame_hdr_build(p, TA_K_BATCH_RESP, (uint32_t)blen);
	ta_bresp_hdr_encode(p + TA_FRAME_HDR_LEN, &rh);
	ta_random(p + TA_FRAME_HDR_LEN + blen - TA_MAC_LEN, TA_MAC_LEN);
	*rl = TA_FRAME_HDR_LEN + blen;
	ta_batch_free(&b);
	return p;
}

static void *server(void *arg)
{
	(void)arg;
	for (;;) {
		uint8_t hb[TA_FRAME_HDR_LEN], *body, *resp = NULL;
		struct ta_frame_hdr h;
		size_t rl = 0;
		int acc, m;

		if (recv_all(sv[1], hb, sizeof(hb)) || ta_frame_hdr_parse(hb, sizeof(hb), &h))
			return NULL;
		body = malloc(h.body_len + 1);
		m = atomic_load(&mode);
		if (!body || recv_all(sv[1], body, h.body_len) || m == M_STOP) {
			free(body);
			return NULL;
		}
		if (m == M_SWAP_KX && h.kind == TA_K_HELLO)
			body[TA_NONCE_LEN] ^= 1;	/* our own session key instead */
		if ((m == M_FORGE_ACK || m == M_FORGE_ERROR) && h.kind == TA_K_BATCH)
			resp = forge(body, h.body_len, m, &rl);
		else
			td_handle(&d, &sess, h.kind, body, h.body_len, &resp, &rl, &acc);
		free(body);
		if (resp[5] == TA_K_BATCH_RESP && m == M_NONE &&
		    !ta_get32(resp + TA_FRAME_HDR_LEN + 28)) {
			free(saved_ack);
			saved_ack = malloc(rl);
			memcpy(saved_ack, resp, rl);
			saved_ack_len = rl;
		}
		if (m == M_REPLAY_ACK && resp[5] == TA_K_BATCH_RESP && saved_ack_len == rl) {
			memcpy(saved_ack + TA_FRAME_HDR_LEN, resp + TA_FRAME_HDR_LEN, 24);
			memcpy(resp, saved_ack, rl);
		}
		if (m == M_FLIP_ACK && resp[5] == TA_K_BATCH_RESP)
			resp[TA_FRAME_HDR_LEN + 16] ^= 1;	/* last_seq */
		if (resp[5] == TA_K_BATCH_RESP && m == M_NONE &&
		    ta_get32(resp + TA_FRAME_HDR_LEN + 28)) {
			free(saved_read);
			saved_read = malloc(rl);
			memcpy(saved_read, resp, rl);
			saved_read_len = rl;
		}
		if (resp[5] == TA_K_IDENTITY && m == M_NONE) {
			free(saved_id);
			saved_id = malloc(rl);
			memcpy(saved_id, resp, rl);
			saved_id_len = rl;
		}
		if (m == M_FLIP_DATA && resp[5] == TA_K_BATCH_RESP)
			resp[TA_FRAME_HDR_LEN + TA_BRESP_HDR_LEN + 100] ^= 1;
		if (m == M_REPLAY_READ && resp[5] == TA_K_BATCH_RESP && saved_read_len == rl) {
			/* The old answer, its sequence fields rewritten to fit. */
			memcpy(saved_read + TA_FRAME_HDR_LEN, resp + TA_FRAME_HDR_LEN, 24);
			memcpy(resp, saved_read, rl);
		}
		if (m == M_STRIP_EVIDENCE && resp[5] == TA_K_BATCH_RESP) {
			uint32_t ev = ta_get32(resp + TA_FRAME_HDR_LEN + 32);

			ta_put32(resp + TA_FRAME_HDR_LEN + 32, 0);
			rl -= ev;
			ta_put32(resp + 8, (uint32_t)(rl - TA_FRAME_HDR_LEN));
		}
		if (m == M_IDENTITY_GEN && resp[5] == TA_K_IDENTITY)
			resp[TA_FRAME_HDR_LEN + 48] ^= 1;
		if (m == M_REPLAY_IDENTITY && resp[5] == TA_K_IDENTITY && saved_id_len == rl)
			memcpy(resp, saved_id, rl);
		if (send(sv[1], resp, rl, MSG_NOSIGNAL) != (ssize_t)rl)
			return NULL;
		free(resp);
	}
}

int main(void)
{
	char path[] = "/tmp/proto-client-XXXXXX", hex[65];
	struct td_config cfg = { .slot = 1, .sectors = 8, .allow_unlocked = 1 };
	struct ta_key key, simk;
	struct ta_policy pol = { .allow_simulated = 1, .have_sim_pubkey = 1 };
	struct ta_client c;
	uint8_t sec[32], meas[32] = { 9 }, data[TA_SECTOR_SIZE], back[TA_SECTOR_SIZE];
	pthread_t th;
	int fd;

	tap_plan(13);
	if (ta_crypto_init() || ta_key_generate(&key, sec) || ta_key_generate(&simk, sec) ||
	    (fd = mkstemp(path)) < 0) {
		printf("not ok - setup\n");
		return 1;
	}
	ta_hex_encode(hex, sec, 32);
	if (write(fd, hex, 64) != 64)
		printf("# short write\n");
	close(fd);
	if (ta_attester_init_sim(&att, path, meas)) {
		printf("not ok - sim attester\n");
		return 1;
	}
	unlink(path);
	memset(cfg.array, 0x42, 16);
	memcpy(cfg.authorized_key, key.pub, 32);
	memcpy(pol.sim_pubkey, simk.pub, 32);
	if (td_disk_init(&d, &cfg, meas, &att) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) ||
	    pthread_create(&th, NULL, server, NULL)) {
		printf("not ok - server\n");
		return 1;
	}
	ta_client_init(&c, &key, &pol, cfg.array, 1);
	c.fd = sv[0];
	c.timeout_ms = 5000;

	tap_begin();
	memset(data, 0xc3, sizeof(data));
	CHECK(ta_client_identify(&c) == TA_OK);
	CHECK(ta_client_write(&c, 2, 1, data) == TA_OK);
	CHECK(ta_client_read(&c, 2, 1, back) == TA_OK && !memcmp(back, data, sizeof(data)));
	tap_end("client: identify, write and attested read through an honest relay");

	tap_begin();
	{
		uint8_t rec[TA_SECTOR_SIZE + 1];
		uint64_t seq;
		int rest_zero = 1;

		memset(rec, 0x71, sizeof(rec));
		CHECK(ta_client_write_short(&c, 2, rec, 200) == TA_OK);
		CHECK(ta_client_read(&c, 2, 1, back) == TA_OK && !memcmp(back, rec, 200));
		for (size_t i = 200; i < sizeof(back); i++)
			rest_zero &= back[i] == 0;
		CHECK(rest_zero);
		seq = d.last_seq;
		CHECK(ta_client_write_short(&c, 2, rec, 0) == TA_E_ARG);
		CHECK(ta_client_write_short(&c, 2, rec, TA_SECTOR_SIZE + 1) == TA_E_ARG);
		CHECK(ta_client_write_short(&c, 2, NULL, 10) == TA_E_ARG);
		CHECK(d.last_seq == seq);	/* refused before sending */
		CHECK(ta_client_write_short(&c, 2, rec, TA_SECTOR_SIZE) == TA_OK);
		CHECK(ta_client_read(&c, 2, 1, back) == TA_OK &&
		      !memcmp(back, rec, TA_SECTOR_SIZE));
		CHECK(ta_client_write(&c, 2, 1, data) == TA_OK);
	}
	tap_end("client: write-short of 200 bytes reads back as them and zeroes; 0, 4097 bytes or "
		"no data refused locally");

	tap_begin();
	memset(data, 0x3c, sizeof(data));
	CHECK(ta_client_write(&c, 2, 1, data) == TA_OK);	/* the saved read is now stale */
	CHECK(saved_read != NULL);
	atomic_store(&mode, M_REPLAY_READ);
	CHECK(ta_client_read(&c, 2, 1, back) == TA_E_ANSWER_AUTH);
	tap_end("client: an old read answer replayed with fixed-up sequence numbers is refused");

	tap_begin();
	atomic_store(&mode, M_FLIP_DATA);
	CHECK(ta_client_read(&c, 2, 1, back) == TA_E_ANSWER_AUTH);
	tap_end("client: read data altered in transit is refused");

	tap_begin();
	atomic_store(&mode, M_STRIP_EVIDENCE);
	CHECK(ta_client_read(&c, 2, 1, back) == TA_E_ANSWER_AUTH);
	tap_end("client: a read answer without its attestation is refused");

	tap_begin();
	atomic_store(&mode, M_NONE);
	CHECK(ta_client_identify(&c) == TA_OK);
	CHECK(ta_client_trim(&c, 7, 1) == TA_OK && saved_ack != NULL);
	atomic_store(&mode, M_FORGE_ACK);
	{
		uint64_t before = d.last_seq;
		uint8_t rec[TA_SECTOR_SIZE] = { 0 };

		ta_put64(rec, 9);
		CHECK(ta_client_write(&c, 2, 1, data) == TA_E_ANSWER_AUTH);
		CHECK(ta_client_write_short(&c, 2, data, 100) == TA_E_ANSWER_AUTH);
		CHECK(ta_client_copy(&c, 2, 3, 1) == TA_E_ANSWER_AUTH);
		CHECK(ta_client_trim(&c, 2, 1) == TA_E_ANSWER_AUTH);
		CHECK(ta_client_death_write(&c, 9, rec) == TA_E_ANSWER_AUTH);
		CHECK(ta_client_fence(&c, 40) == TA_E_ANSWER_AUTH && c.generation != 40);
		CHECK(ta_client_read(&c, 2, 1, back) == TA_E_ANSWER_AUTH);
		CHECK(d.last_seq == before);	/* nothing reached the member */
	}
	tap_end("client: forged acknowledgements of write, write-short, copy, trim, death record, "
		"fence and read are refused");

	tap_begin();
	atomic_store(&mode, M_FORGE_ERROR);
	CHECK(ta_client_write(&c, 2, 1, data) == TA_E_ANSWER_AUTH && !c.last_error_auth);
	CHECK(c.last_error.code == TA_E_STALE_GENERATION);	/* seen, not believed */
	atomic_store(&forged_error, TA_E_DEATH_VERSION);
	CHECK(ta_client_write(&c, 2, 1, data) == TA_E_ANSWER_AUTH && !c.last_error_auth);
	tap_end("client: forged error frames (stale-generation, death-version) are not believed");

	tap_begin();
	atomic_store(&mode, M_REPLAY_ACK);
	CHECK(ta_client_trim(&c, 7, 1) == TA_E_ANSWER_AUTH);
	atomic_store(&mode, M_FLIP_ACK);
	CHECK(ta_client_trim(&c, 7, 1) == TA_E_ANSWER_AUTH);
	tap_end("client: a replayed or altered acknowledgement is refused");

	tap_begin();
	atomic_store(&mode, M_NONE);
	{
		struct ta_cmd w = { .op = TA_OP_WRITE, .count = 1, .sector = 2,
				    .payload_len = TA_SECTOR_SIZE, .payload = data };
		uint64_t seq;

		CHECK(ta_client_identify(&c) == TA_OK);
		CHECK(ta_client_fence(&c, d.generation + 3) == TA_OK);
		seq = c.next_seq;
		/* A genuine rejection is authenticated and believed. */
		c.generation--;
		CHECK(ta_client_batch(&c, &w, 1, 0, NULL, NULL) == TA_E_STALE_GENERATION);
		CHECK(c.last_error_auth && c.last_error.generation == d.generation);
		c.generation++;
		CHECK(ta_client_batch(&c, &w, 1, 0, NULL, NULL) == TA_OK);
		CHECK(c.acked_seq == seq + 1);
	}
	tap_end("client: the member's own rejection is authenticated; acks advance the counter");

	tap_begin();
	atomic_store(&mode, M_SWAP_KX);
	CHECK(ta_client_identify(&c) == TA_E_ATTEST_REPORT_DATA && !c.have_session);
	atomic_store(&mode, M_NONE);
	CHECK(ta_client_write(&c, 2, 1, data) != TA_OK);	/* no session: nothing believed */
	tap_end("client: a session key swapped in transit is refused");

	tap_begin();
	CHECK(ta_client_identify(&c) == TA_OK);
	CHECK(ta_client_write(&c, 2, 1, data) == TA_OK);
	d.last_seq -= 1;	/* a member that lost its last acknowledged batch */
	CHECK(ta_client_identify(&c) == TA_E_ROLLBACK);
	CHECK(c.rollback_seq == d.last_seq && c.acked_seq == d.last_seq + 1);
	d.last_seq += 1;
	CHECK(ta_client_identify(&c) == TA_OK);
	tap_end("client: a member whose attested counter is below what it acknowledged is refused");

	tap_begin();
	atomic_store(&mode, M_IDENTITY_GEN);
	CHECK(ta_client_identify(&c) == TA_E_ATTEST_REPORT_DATA);
	atomic_store(&mode, M_REPLAY_IDENTITY);
	CHECK(ta_client_identify(&c) == TA_E_ATTEST_REPORT_DATA);
	tap_end("client: an altered or replayed identity is refused");

	tap_begin();
	atomic_store(&mode, M_NONE);
	CHECK(ta_client_identify(&c) == TA_OK);
	CHECK(ta_client_read(&c, 2, 1, back) == TA_OK && !memcmp(back, data, sizeof(data)));
	tap_end("client: works again once the relay is honest");

	atomic_store(&mode, M_STOP);
	ta_client_identify(&c);	/* wakes the server, which stops */
	pthread_join(th, NULL);
	close(sv[0]);
	close(sv[1]);
	c.fd = -1;
	ta_client_close(&c);
	free(saved_read);
	free(saved_id);
	free(saved_ack);
	td_disk_destroy(&d);
	return tap_exit_status();
}
