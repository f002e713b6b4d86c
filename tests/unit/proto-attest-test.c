// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the attestation providers: the simulated provider is
 * accepted only when the policy allows it and pins its key; configfs-tsm is
 * driven against a fake configfs tree in a temporary directory, with a hook
 * standing in for the kernel and a shell script standing in for the
 * external quote verifier.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "ta-attest.h"

static char tmpdir[] = "/tmp/proto-attest-XXXXXX";

static void put_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		printf("# cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
}

static int dir_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void write_sim_key(const char *path, struct ta_key *k)
{
	uint8_t sec[32];
	char hex[66];

	ta_key_generate(k, sec);
	ta_hex_encode(hex, sec, 32);
	strcat(hex, "\n");
	put_file(path, hex, strlen(hex));
}

static void test_sim(void)
{
	struct ta_attester a;
	struct ta_policy pol = { 0 };
	struct ta_claims cl;
	struct ta_key simk, other;
	uint8_t meas[32], rd[64], rd2[64], *ev;
	size_t ev_len;
	char path[256];

	snprintf(path, sizeof(path), "%s/sim.key", tmpdir);
	write_sim_key(path, &simk);
	memset(meas, 0x42, sizeof(meas));
	memset(rd, 0x17, sizeof(rd));

	tap_begin();
	CHECK(ta_attester_init_sim(&a, path, meas) == TA_OK);
	CHECK(ta_quote(&a, rd, &ev, &ev_len) == TA_OK);
	CHECK(ev_len == TA_EV_HDR_LEN + TA_SIM_BODY_LEN);
	pol.allow_simulated = 1;
	pol.have_sim_pubkey = 1;
	memcpy(pol.sim_pubkey, simk.pub, 32);
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_OK);
	CHECK(cl.provider == TA_PROV_SIM && (cl.flags & TA_EV_F_SIMULATED));
	CHECK(!memcmp(cl.measurement, meas, 32) && !memcmp(cl.report_data, rd, 64));
	pol.have_measurement = 1;
	memcpy(pol.measurement, meas, 32);
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_OK);
	tap_end("sim: report verifies when the policy allows simulation and pins the key");

	tap_begin();
	pol.allow_simulated = 0;
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_SIMULATED);
	tap_end("sim: refused by a policy that does not allow simulated evidence");

	tap_begin();
	pol.allow_simulated = 1;
	pol.have_sim_pubkey = 0;
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_SIGNATURE);
	ta_key_generate(&other, rd2);
	pol.have_sim_pubkey = 1;
	memcpy(pol.sim_pubkey, other.pub, 32);
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_SIGNATURE);
	memcpy(pol.sim_pubkey, simk.pub, 32);
	tap_end("sim: refused without a pinned key or with another key");

	tap_begin();
	pol.measurement[0] ^= 1;
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_MEASUREMENT);
	pol.measurement[0] ^= 1;
	memcpy(rd2, rd, 64);
	rd2[63] ^= 1;
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd2, &cl) == TA_E_ATTEST_REPORT_DATA);
	tap_end("sim: wrong measurement and wrong report data are refused");

	tap_begin();
	ev[TA_EV_HDR_LEN + 40] ^= 1;	/* report data inside the evidence */
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_SIGNATURE);
	ev[TA_EV_HDR_LEN + 40] ^= 1;
	ev[TA_EV_HDR_LEN + 3] ^= 1;	/* measurement */
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_SIGNATURE);
	ev[TA_EV_HDR_LEN + 3] ^= 1;
	ta_put16(ev + 2, 0);		/* a sim report claiming not to be simulated */
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_FORMAT);
	ta_put16(ev + 2, TA_EV_F_SIMULATED);
	CHECK(ta_evidence_verify(ev, ev_len - 1, &pol, &cl) == TA_E_ATTEST_FORMAT);
	ta_put16(ev, 9);
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_PROVIDER);
	ta_put16(ev, TA_PROV_SIM);
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_OK);
	tap_end("sim: tampered, relabelled, truncated or unknown-provider evidence is refused");
	free(ev);
	ta_attester_wipe(&a);

	tap_begin();
	snprintf(path, sizeof(path), "%s/missing.key", tmpdir);
	CHECK(ta_attester_init_sim(&a, path, meas) == TA_E_ATTEST_IO);
	tap_end("sim: missing key file is an error");
}

/* Fake kernel: outblob = "FAKEQUOTE" || inblob, provider, generation. */
static int hook_mode;

static void fake_kernel(const char *dir, void *arg)
{
	char path[1200], in[64];
	uint8_t out[9 + 64];
	int fd;

	(void)arg;
	if (hook_mode == 1)
		return;		/* a kernel that produced nothing */
	snprintf(path, sizeof(path), "%s/inblob", dir);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, in, 64) != 64)
		printf("# fake kernel: no inblob\n");
	if (fd >= 0)
		close(fd);
	memcpy(out, "FAKEQUOTE", 9);
	memcpy(out + 9, in, 64);
	snprintf(path, sizeof(path), "%s/outblob", dir);
	put_file(path, out, sizeof(out));
	snprintf(path, sizeof(path), "%s/provider", dir);
	put_file(path, "fake_guest\n", 11);
	snprintf(path, sizeof(path), "%s/generation", dir);
	put_file(path, hook_mode == 2 ? "x\n" : "1\n", 2);
}

static void test_tsm(void)
{
	struct ta_attester a;
	struct ta_policy pol = { 0 };
	struct ta_claims cl;
	uint8_t rd[64], *ev;
	size_t ev_len;
	char root[256], verifier[256], bad_verifier[256], script[1024];
	const char *meas_hex = "1111111111111111111111111111111111111111111111111111111111111111";

	snprintf(root, sizeof(root), "%s/tsm/report", tmpdir);
	snprintf(script, sizeof(script), "%s/tsm", tmpdir);
	mkdir(script, 0700);
	mkdir(root, 0700);
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)(i * 3 + 1);

	tap_begin();
	CHECK(ta_attester_init_tsm(&a, "/nonexistent/tsm/report") == TA_E_ATTEST_IO);
	CHECK(ta_attester_init_tsm(&a, root) == TA_OK);
	a.tsm_hook = fake_kernel;
	CHECK(ta_quote(&a, rd, &ev, &ev_len) == TA_OK);
	CHECK(ev_len == TA_EV_HDR_LEN + TA_TSM_FIXED_LEN + 9 + 64);
	CHECK(ta_get16(ev) == TA_PROV_TSM && ta_get16(ev + 2) == 0);
	CHECK(!memcmp(ev + TA_EV_HDR_LEN, rd, 64));
	CHECK(!memcmp(ev + TA_EV_HDR_LEN + 72, "fake_guest", 11));
	CHECK(!memcmp(ev + TA_EV_HDR_LEN + TA_TSM_FIXED_LEN + 9, rd, 64));
	CHECK(dir_entries(root) == 0);
	tap_end("tsm: quote through a fake configfs tree; the entry is removed afterwards");

	tap_begin();
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_NO_VERIFIER);
	tap_end("tsm: hardware evidence without a configured verifier is refused");

	/* Verifier: accepts only a fake_guest quote that carries exactly $2. */
	snprintf(verifier, sizeof(verifier), "%s/verify.sh", tmpdir);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\n[ \"$1\" = fake_guest ] || exit 1\n"
		 "got=$(tail -c 64 \"$3\" | od -An -v -tx1 | tr -d ' \\n')\n"
		 "[ \"$got\" = \"$2\" ] || exit 1\necho measurement=%s\n", meas_hex);
	put_file(verifier, script, strlen(script));
	snprintf(bad_verifier, sizeof(bad_verifier), "%s/refuse.sh", tmpdir);
	put_file(bad_verifier, "#!/bin/sh\nexit 1\n", 17);

	tap_begin();
	pol.tsm_verifier = verifier;
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_OK);
	CHECK(cl.provider == TA_PROV_TSM && !(cl.flags & TA_EV_F_SIMULATED));
	CHECK(!strcmp(cl.platform, "fake_guest"));
	CHECK(cl.measurement[0] == 0x11 && cl.measurement[31] == 0x11);
	pol.have_measurement = 1;
	memset(pol.measurement, 0x11, 32);
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_OK);
	pol.measurement[5] = 0;
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_E_ATTEST_MEASUREMENT);
	pol.have_measurement = 0;
	tap_end("tsm: external verifier accepts, measurement pinning applies");

	tap_begin();
	ev[TA_EV_HDR_LEN + TA_TSM_FIXED_LEN + 20] ^= 1;	/* quote no longer carries rd */
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_VERIFIER);
	ev[TA_EV_HDR_LEN + TA_TSM_FIXED_LEN + 20] ^= 1;
	pol.tsm_verifier = bad_verifier;
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_VERIFIER);
	pol.tsm_verifier = "/nonexistent/verifier";
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_VERIFIER);
	pol.tsm_verifier = verifier;
	ta_put16(ev + 2, TA_EV_F_SIMULATED);
	CHECK(ta_evidence_verify(ev, ev_len, &pol, &cl) == TA_E_ATTEST_FORMAT);
	ta_put16(ev + 2, 0);
	CHECK(ta_evidence_verify(ev, ev_len - 1, &pol, &cl) == TA_E_ATTEST_FORMAT);
	tap_end("tsm: verifier refusal, missing verifier, relabelled and truncated evidence");
	free(ev);

	tap_begin();
	hook_mode = 1;
	CHECK(ta_quote(&a, rd, &ev, &ev_len) == TA_E_ATTEST_IO);
	CHECK(dir_entries(root) == 0);
	hook_mode = 2;
	CHECK(ta_quote(&a, rd, &ev, &ev_len) == TA_E_ATTEST_FORMAT);
	CHECK(dir_entries(root) == 0);
	hook_mode = 0;
	tap_end("tsm: a kernel that produces no outblob or a bad generation is an error");
	ta_attester_wipe(&a);
}

static void test_derivations(void)
{
	uint8_t exe[32] = { 1 }, arr[16] = { 2 }, key[32] = { 3 }, m1[32], m2[32];
	uint8_t idb[TA_IDENTITY_LEN] = { 0 }, nonce[32] = { 4 }, r1[64], r2[64];
	struct ta_bresp_hdr h = { .generation = 1, .first_seq = 5, .last_seq = 5, .ncmds = 1,
				  .results_len = 4 };
	uint8_t res[4] = { 9, 9, 9, 9 }, inst[16] = { 5 };

	tap_begin();
	ta_measurement(m1, exe, TA_PROV_SIM, arr, 1, 100, key);
	ta_measurement(m2, exe, TA_PROV_SIM, arr, 1, 101, key);
	CHECK(memcmp(m1, m2, 32));
	ta_measurement(m2, exe, TA_PROV_SIM, arr, 2, 100, key);
	CHECK(memcmp(m1, m2, 32));
	key[31] ^= 1;
	ta_measurement(m2, exe, TA_PROV_SIM, arr, 1, 100, key);
	CHECK(memcmp(m1, m2, 32));
	ta_measurement(m2, exe, TA_PROV_TSM, arr, 1, 100, key);
	CHECK(memcmp(m1, m2, 32));
	tap_end("measurement covers sectors, slot, key and provider");

	tap_begin();
	{
		uint8_t cpk[32] = { 1 }, mpk[32] = { 2 };

		ta_rd_identify(r1, idb, nonce, cpk, mpk, m1);
		nonce[0] ^= 1;
		ta_rd_identify(r2, idb, nonce, cpk, mpk, m1);
		CHECK(memcmp(r1, r2, 32) && !memcmp(r1 + 32, m1, 32));
		nonce[0] ^= 1;
		cpk[0] ^= 1;
		ta_rd_identify(r2, idb, nonce, cpk, mpk, m1);
		CHECK(memcmp(r1, r2, 32));
		cpk[0] ^= 1;
		mpk[0] ^= 1;
		ta_rd_identify(r2, idb, nonce, cpk, mpk, m1);
		CHECK(memcmp(r1, r2, 32));
		nonce[0] ^= 1;
	}
	ta_rd_batch(r1, arr, 1, inst, nonce, &h, res, m1);
	res[3] = 8;
	ta_rd_batch(r2, arr, 1, inst, nonce, &h, res, m1);
	CHECK(memcmp(r1, r2, 32));
	res[3] = 9;
	h.first_seq = 6;
	ta_rd_batch(r2, arr, 1, inst, nonce, &h, res, m1);
	CHECK(memcmp(r1, r2, 32));
	h.first_seq = 5;
	inst[0] ^= 1;
	ta_rd_batch(r2, arr, 1, inst, nonce, &h, res, m1);
	CHECK(memcmp(r1, r2, 32));
	tap_end("report data binds nonce, both session keys, responses, sequence and instance");
}

int main(void)
{
	char cmd[300];

	tap_plan(13);
	if (ta_crypto_init() != TA_OK || !mkdtemp(tmpdir)) {
		printf("not ok - setup\n");
		return 1;
	}
	test_sim();
	test_tsm();
	test_derivations();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd))
		printf("# could not remove %s\n", tmpdir);
	return tap_exit_status();
}
