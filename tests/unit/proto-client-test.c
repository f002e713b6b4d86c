// SPDX-License-Identifier: GPL-2.0
/*
 * Client-side checks against a man in the middle: a thread serves the
 * teedisk core over a socketpair and tampers with its answers; the client
 * library must refuse every altered, stripped or replayed answer.
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
       M_REPLAY_IDENTITY, M_STOP };

static atomic_int mode;
static struct td_disk d;
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
		td_handle(&d, h.kind, body, h.body_len, &resp, &rl, &acc);
		free(body);
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
	memset(data, 0x3c, sizeof(data));
	CHECK(ta_client_write(&c, 2, 1, data) == TA_OK);	/* the saved read is now stale */
	CHECK(saved_read != NULL);
	atomic_store(&mode, M_REPLAY_READ);
	CHECK(ta_client_read(&c, 2, 1, back) == TA_E_ATTEST_REPORT_DATA);
	tap_end("client: an old read answer replayed with fixed-up sequence numbers is refused");

	tap_begin();
	atomic_store(&mode, M_FLIP_DATA);
	CHECK(ta_client_read(&c, 2, 1, back) == TA_E_ATTEST_REPORT_DATA);
	tap_end("client: read data altered in transit is refused");

	tap_begin();
	atomic_store(&mode, M_STRIP_EVIDENCE);
	CHECK(ta_client_read(&c, 2, 1, back) == TA_E_ATTEST_FORMAT);
	tap_end("client: a read answer without its attestation is refused");

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
	td_disk_destroy(&d);
	return tap_exit_status();
}
