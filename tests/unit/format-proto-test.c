// SPDX-License-Identifier: GPL-2.0
/*
 * Array formatting against real teedisk processes on loopback: what
 * ta_format_array writes must parse with the kernel's own format code, raise
 * every member to one generation, and refuse non-blank members unless forced.
 */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sodium.h>

#include "ta-format.h"
#include "teearray-format.h"
#include "teearray-kdf.h"
#include "tap.h"

#define N 2
#define P 1
#define M (N + P)
#define SECTORS 400

static char dir[] = "/tmp/teearray-format.XXXXXX";
static pid_t pids[M];
static struct ta_key key;
static struct ta_policy policy;
static const uint8_t array_uuid[16] = { 0x6a, 0x1b, 0x2c, 0x3d, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0x0f };
static uint8_t member_uuids[M][16];
static uint8_t array_key[64];

static void write_hex_file(const char *path, const uint8_t *b, size_t n)
{
	FILE *f = fopen(path, "w");
	char hex[129];

	sodium_bin2hex(hex, sizeof(hex), b, n);
	fprintf(f, "%s\n", hex);
	fclose(f);
}

static void start_teedisk(unsigned int slot, const char *pub_hex, const char *array_hex)
{
	char sec[16], sl[16], portfile[128], keyfile[128];

	snprintf(sec, sizeof(sec), "%d", SECTORS);
	snprintf(sl, sizeof(sl), "%u", slot);
	snprintf(portfile, sizeof(portfile), "%s/%u.port", dir, slot);
	snprintf(keyfile, sizeof(keyfile), "%s/sim", dir);
	unlink(portfile);
	pids[slot] = fork();
	if (!pids[slot]) {
		char log[160];

		snprintf(log, sizeof(log), "%s/%u.log", dir, slot);
		if (!freopen(log, "w", stderr))
			_exit(126);
		execl("build/test/teedisk-san", "teedisk", "--listen", "127.0.0.1:0",
		      "--sectors", sec, "--array", array_hex, "--slot", sl,
		      "--authorized-key", pub_hex, "--attest", "sim", "--sim-key", keyfile,
		      "--port-file", portfile, (char *)NULL);
		_exit(127);
	}
}

static int connect_member(struct ta_client *c, unsigned int slot)
{
	char portfile[128], addr[64];
	int port = 0;

	snprintf(portfile, sizeof(portfile), "%s/%u.port", dir, slot);
	for (int i = 0; i < 200 && !port; i++) {
		FILE *f = fopen(portfile, "r");

		if (f) {
			if (fscanf(f, "%d", &port) != 1)
				port = 0;
			fclose(f);
		}
		if (!port)
			usleep(20000);
	}
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	ta_client_init(c, &key, &policy, array_uuid, slot);
	if (ta_client_connect(c, addr, 5000) != TA_OK)
		return -1;
	return ta_client_identify(c) == TA_OK ? 0 : -1;
}

int main(void)
{
	struct ta_client clients[M], *cp[M];
	uint8_t sec[32], simsec[32], meta[32];
	char pub_hex[65], array_hex[37], err[256], path[128];
	struct ta_key sim;
	struct teearray_sb_disk sb;
	struct teearray_sb_info sbi;
	struct teearray_dr_disk dr;
	struct teearray_dr_info dri;
	char *error;
	unsigned int i;
	int ok = 1;

	tap_plan(5);
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 1;
	ta_key_generate(&key, sec);
	ta_key_generate(&sim, simsec);
	snprintf(path, sizeof(path), "%s/sim", dir);
	write_hex_file(path, simsec, 32);
	sodium_bin2hex(pub_hex, sizeof(pub_hex), key.pub, 32);
	teearray_format_uuid(array_uuid, array_hex);
	policy.allow_simulated = 1;
	policy.have_sim_pubkey = 1;
	memcpy(policy.sim_pubkey, sim.pub, 32);
	randombytes_buf(array_key, sizeof(array_key));
	teearray_derive_key(array_key, 64, array_uuid, TEEARRAY_PURPOSE_METADATA, 0, meta);

	for (i = 0; i < M; i++) {
		randombytes_buf(member_uuids[i], 16);
		start_teedisk(i, pub_hex, array_hex);
	}
	for (i = 0; i < M; i++) {
		cp[i] = &clients[i];
		if (connect_member(&clients[i], i))
			ok = 0;
	}
	tap_begin();
	CHECK(ok);
	tap_end("format: %d teedisks started and identified", M);
	if (!ok)
		goto out;

	tap_begin();
	CHECK(ta_format_array(cp, N, P, array_uuid, (const uint8_t (*)[16])member_uuids,
			      array_key, 0, err, sizeof(err)) == 0);
	for (i = 0; i < M; i++) {
		CHECK(ta_client_read(&clients[i], 0, 1, (uint8_t *)&sb) == TA_OK);
		CHECK(teearray_sb_parse(&sb, &sbi, meta, &error) == 0);
		CHECK(sbi.slot == i && !memcmp(sbi.member_uuid, member_uuids[i], 16));
		CHECK(sbi.geo.data_members == N && sbi.geo.member_sectors <= SECTORS);
		CHECK(ta_client_death_read(&clients[i], (uint8_t *)&dr) == TA_OK);
		CHECK(teearray_dr_parse(&dr, &dri, array_uuid, meta, &error) == 0);
		CHECK(dri.version == 1 && dri.generation == 1 && dri.nr_members == M);
		CHECK(teearray_dr_count(&dri, TEEARRAY_MEMBER_ALIVE) == M);
		CHECK(!memcmp(dri.instance[i], clients[i].instance, TEEARRAY_DR_INSTANCE_SIZE));
		CHECK(ta_client_identify(&clients[i]) == TA_OK && clients[i].generation == 1);
	}
	tap_end("format: superblocks and death record parse with the kernel's code; generation 1");

	tap_begin();
	CHECK(ta_format_array(cp, N, P, array_uuid, (const uint8_t (*)[16])member_uuids,
			      array_key, 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "is not blank") != NULL);
	CHECK(ta_client_read(&clients[0], 0, 1, (uint8_t *)&sb) == TA_OK);
	CHECK(teearray_sb_parse(&sb, &sbi, meta, &error) == 0);
	tap_end("format: refuses members that hold data, and changes nothing");

	tap_begin();
	for (i = 0; i < M; i++)
		CHECK(ta_client_identify(&clients[i]) == TA_OK);
	CHECK(ta_format_array(cp, N, P, array_uuid, (const uint8_t (*)[16])member_uuids,
			      array_key, 1, err, sizeof(err)) == 0);
	CHECK(ta_client_death_read(&clients[2], (uint8_t *)&dr) == TA_OK);
	CHECK(teearray_dr_parse(&dr, &dri, array_uuid, meta, &error) == 0);
	CHECK(dri.version == 2 && dri.generation == 2);
	tap_end("format: --force reformats with a higher death-record version and generation");

	tap_begin();
	CHECK(ta_format_array(cp, 2, 129, array_uuid, (const uint8_t (*)[16])member_uuids,
			      array_key, 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "invalid shape") != NULL);
	/* A stripe's entries would span three metadata sectors. */
	CHECK(ta_format_array(cp, 149, 1, array_uuid, (const uint8_t (*)[16])member_uuids,
			      array_key, 0, err, sizeof(err)) == -1);
	CHECK(strstr(err, "149 data members are more than this release supports (at most 148)"));
	tap_end("format: refuses an impossible shape and more than 148 data members");
out:
	for (i = 0; i < M; i++) {
		ta_client_close(&clients[i]);
		kill(pids[i], SIGTERM);
		waitpid(pids[i], NULL, 0);
	}
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path))
		return 1;
	return tap_exit_status();
}
