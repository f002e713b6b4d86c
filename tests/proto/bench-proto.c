// SPDX-License-Identifier: GPL-2.0
/*
 * Protocol benchmark on loopback: 4 KiB sector writes and reads against a
 * real teedisk, one signature per command versus one per batch of 64, plus
 * the cost of signing and verifying alone, and what answer authentication
 * (protocol 2: a MAC per answer, a key exchange per connection) adds to a
 * batch next to the previous release, which did not authenticate answers.
 *
 * usage: bench-proto [PATH-TO-TEEDISK] [SECONDS-PER-CASE]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ta-attest.h"
#include "ta-client.h"
#include "ta-crypto.h"

#define SECTORS 4096

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "bench-proto: %s: %s\n", what, ta_err_name(err));
	exit(1);
}

static double secs_per_case = 2.0;

/* Runs batches of `per` commands of op until the time is up; us per batch. */
static double run_case(struct ta_client *c, uint16_t op, unsigned int per, const char *label)
{
	static struct ta_cmd cmds[64];
	static uint8_t data[64 * TA_SECTOR_SIZE];
	uint64_t sectors = 0, batches = 0, next = 0;
	double t0 = now(), t;
	int ret;

	memset(data, 0x5a, sizeof(data));
	do {
		for (unsigned int i = 0; i < per; i++) {
			cmds[i] = (struct ta_cmd){ .op = op, .count = 1, .sector = next++ % SECTORS };
			if (op == TA_OP_WRITE) {
				cmds[i].payload = data + i * TA_SECTOR_SIZE;
				cmds[i].payload_len = TA_SECTOR_SIZE;
			}
		}
		if (op == TA_OP_READ) {
			uint8_t *res = NULL;
			size_t rl;

			ret = ta_client_batch(c, cmds, per, 0, &res, &rl);
			free(res);
		} else {
			ret = ta_client_batch(c, cmds, per, 0, NULL, NULL);
		}
		if (ret)
			die(label, ret);
		sectors += per;
		batches++;
		t = now() - t0;
	} while (t < secs_per_case);
	printf("%-34s %9.0f cmds/s %8.1f MB/s %8.1f us/batch %7.2f us/sector\n", label,
	       sectors / t, sectors * (double)TA_SECTOR_SIZE / t / 1e6, t / batches * 1e6,
	       t / sectors * 1e6);
	return t / batches * 1e6;
}

/*
 * us for the member's MAC plus the client's check of one answer with
 * results_len bytes of results (hashed once for attestation and MAC alike:
 * the B2 pass is counted here only when there is no attestation to share it).
 */
static double answer_mac_cost(size_t results_len, size_t evidence_len, int shared)
{
	static uint8_t body[TA_BRESP_HDR_LEN + TA_SECTOR_SIZE + 256 + TA_MAC_LEN];
	uint8_t key[TA_MAC_LEN] = { 1 }, req[TA_HASH_LEN] = { 2 }, id[16] = { 3 };
	uint8_t hr[TA_HASH_LEN], mac[TA_MAC_LEN];
	const uint8_t *ev = body + TA_BRESP_HDR_LEN + results_len;
	int n = 20000;
	double t0 = now();

	ta_results_hash(hr, body + TA_BRESP_HDR_LEN, results_len);
	for (int i = 0; i < n; i++) {
		if (!shared)
			ta_results_hash(hr, body + TA_BRESP_HDR_LEN, results_len);
		ta_bresp_mac(mac, key, id, 0, id, req, body, hr, ev, evidence_len);
		if (ta_bresp_verify(mac, key, id, 0, id, req, body, hr, ev, evidence_len))
			die("answer verify", TA_E_ANSWER_AUTH);
	}
	return (now() - t0) / n * 1e6;
}

/* Per-connection cost: both ends' key pairs and session keys. */
static double session_cost(void)
{
	uint8_t k1[TA_MAC_LEN], k2[TA_MAC_LEN];
	struct ta_kx a, b;
	int n = 2000;
	double t0 = now();

	for (int i = 0; i < n; i++) {
		ta_kx_generate(&a);
		ta_kx_generate(&b);
		if (ta_kx_member_session(k1, &b, a.pub) || ta_kx_client_session(k2, &a, b.pub) ||
		    memcmp(k1, k2, sizeof(k1)))
			die("key exchange", TA_E_MISMATCH);
	}
	return (now() - t0) / n * 1e6;
}

static void crypto_costs(void)
{
	struct ta_key k;
	struct ta_batch_hdr h = { .ncmds = 1 }, h64 = { .ncmds = 64 };
	static struct ta_cmd c[64];
	static uint8_t data[TA_SECTOR_SIZE];
	uint8_t sec[32], msg[32];
	int n = 2000;
	double t0, ts, tv, th, th64;

	if (ta_key_generate(&k, sec))
		die("keygen", TA_E_INTERNAL);
	for (int i = 0; i < 64; i++)
		c[i] = (struct ta_cmd){ .op = TA_OP_WRITE, .count = 1, .sector = (uint64_t)i,
					.payload = data, .payload_len = TA_SECTOR_SIZE };
	t0 = now();
	for (int i = 0; i < n; i++)
		ta_batch_sighash(&h, c, msg);
	th = (now() - t0) / n;
	t0 = now();
	for (int i = 0; i < n / 8; i++)
		ta_batch_sighash(&h64, c, msg);
	th64 = (now() - t0) / (n / 8);
	t0 = now();
	for (int i = 0; i < n; i++)
		ta_sign32(&k, msg, h.sig);
	ts = (now() - t0) / n;
	t0 = now();
	for (int i = 0; i < n; i++)
		if (ta_verify32(k.pub, msg, h.sig))
			die("verify", TA_E_SIGNATURE);
	tv = (now() - t0) / n;
	printf("BIP340 sign %.1f us, verify %.1f us; command hash (4 KiB write) %.1f us,"
	       " batch-of-64 hash %.1f us\n", ts * 1e6, tv * 1e6, th * 1e6, th64 * 1e6);
	printf("signature cost per sector: per-command sign+verify %.1f us,"
	       " batch of 64 %.2f us\n", (ts + tv) * 1e6, (ts + tv) / 64 * 1e6);
}

int main(int argc, char **argv)
{
	const char *teedisk = argc > 1 ? argv[1] : "build/bin/teedisk";
	char dir[] = "/tmp/bench-proto-XXXXXX", simf[64], portf[64], hex[65], spub[65];
	char arrs[] = "b0b0b0b0-0000-4000-8000-000000000001", sectors[16], addr[32];
	struct ta_key key, simk;
	struct ta_policy pol = { .allow_simulated = 1, .have_sim_pubkey = 1 };
	struct ta_client c;
	uint8_t sec[32], arr[16];
	FILE *f;
	pid_t pid;
	int port = 0;

	if (argc > 2)
		secs_per_case = atof(argv[2]);
	if (ta_crypto_init() || !mkdtemp(dir) || ta_key_generate(&key, sec) ||
	    ta_key_generate(&simk, sec))
		die("setup", TA_E_INTERNAL);
	snprintf(simf, sizeof(simf), "%s/sim", dir);
	snprintf(portf, sizeof(portf), "%s/port", dir);
	f = fopen(simf, "w");
	ta_hex_encode(hex, sec, 32);
	if (!f || fprintf(f, "%s\n", hex) < 0 || fclose(f))
		die("sim key", TA_E_IO);
	ta_hex_encode(hex, key.pub, 32);
	ta_hex_encode(spub, simk.pub, 32);
	snprintf(sectors, sizeof(sectors), "%d", SECTORS);
	pid = fork();
	if (pid == 0) {
		execl(teedisk, teedisk, "--listen", "127.0.0.1:0", "--sectors", sectors,
		      "--array", arrs, "--slot", "0", "--authorized-key", hex, "--attest", "sim",
		      "--sim-key", simf, "--port-file", portf, (char *)NULL);
		perror("exec teedisk");
		_exit(127);
	}
	for (int i = 0; i < 200 && !port; i++) {
		usleep(20000);
		f = fopen(portf, "r");
		if (f) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
		}
	}
	if (!port)
		die("teedisk did not start", TA_E_IO);
	memcpy(pol.sim_pubkey, simk.pub, 32);
	ta_uuid_parse(arr, arrs);
	ta_client_init(&c, &key, &pol, arr, 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	if (ta_client_connect(&c, addr, 10000))
		die("connect", TA_E_IO);
	if (ta_client_identify(&c))
		die("identify", TA_E_PROTOCOL);

	printf("teedisk protocol on loopback, 4 KiB sectors, sim attestation, %.0f s per case\n",
	       secs_per_case);
	crypto_costs();
	{
		double w1, w64, r1, ack, rd, kx;

		w1 = run_case(&c, TA_OP_WRITE, 1, "write, 1 signature per command");
		w64 = run_case(&c, TA_OP_WRITE, 64, "write, 1 signature per 64");
		r1 = run_case(&c, TA_OP_READ, 1, "read, 1 sig+attestation per cmd");
		run_case(&c, TA_OP_READ, 64, "read, 1 sig+attestation per 64");
		ack = answer_mac_cost(0, 0, 0);
		rd = answer_mac_cost(TA_SECTOR_SIZE, 200, 1);
		kx = session_cost();
		printf("answer authentication (MAC by the member + check by the client), per batch;\n"
		       "the previous release (protocol 1) did not authenticate answers: 0 us\n");
		printf("  write acknowledgement %6.2f us = %5.2f%% of a 1-write round trip (%.1f us),"
		       " %5.3f%% of a 64-write batch (%.1f us)\n", ack, 100 * ack / w1, w1,
		       100 * ack / w64, w64);
		printf("  4 KiB read answer     %6.2f us = %5.2f%% of a 1-read round trip (%.1f us;"
		       " the data's hash is the attestation's)\n", rd, 100 * rd / r1, r1);
		printf("  session key exchange  %6.1f us once per connection (both ends)\n", kx);
	}
	ta_client_close(&c);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	unlink(simf);
	unlink(portf);
	rmdir(dir);
	return 0;
}
