// SPDX-License-Identifier: GPL-2.0
/*
 * teearray-verify-snp behind the attestation code teedisk and teearrayd
 * share (libteearray): a teedisk quotes through a fake configfs-tsm tree
 * whose "kernel" returns a real SEV-SNP report (vectors/README.md: the
 * VCEK-signed Milan report, then the VLEK-signed one) as outblob with
 * provider sev_guest, and the daemon's check runs the verifier through
 * --tsm-verifier exactly as teearrayd does.  The verifier is the tests'
 * sanitizer build behind a wrapper script (the way the admin guide tells
 * operators to pass --collateral and --policy), with a collateral
 * directory holding AMD's real certificates and AMD's real Milan CRL,
 * pinned to 2025-07-01, inside the CRL's validity.  Host-side only; run
 * from the top of the tree.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../unit/tap.h"
#include "ta-attest.h"
#include "ta-crypto.h"

#define VEC "tests/verifiers/vectors/"
#define REPORT_LEN 1184
/* report_data of snp-report-milan.bin */
#define MILAN_RD "d447b55d197491bfe15cf298f9de9986b7a7c4be2468b4f6e2d53b71d7c64581" \
		 "0b0f2cdfca0040433be063fc1a8293f0f3f8dae7b79fecb3d1cd82bd6a93ebfd"
/* SHA-256 of its launch measurement: what the verifier prints */
#define MILAN_MEAS "a0fa662360ee3db0fda7d5e222c4d5e5423126c2bb1e854d5baad8bdf7c6d3e5"
#define MILAN_POLICY \
	"measurement 7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d" \
	"3e1a0dc39b2c60bd95b9c480cd81841f\n" \
	"min-tcb bootloader=3 tee=0 snp=8 microcode=115\n"

static char tmpdir[] = "/tmp/snp-daemon-XXXXXX";
static uint8_t report[REPORT_LEN], vlek_report[REPORT_LEN];
static const uint8_t *blob = report;

static void put_file(const char *path, const void *p, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

static void copy(const char *from, const char *dir, const char *name)
{
	static uint8_t buf[65536];
	char path[600];
	FILE *f = fopen(from, "rb");
	size_t n;

	if (!f)
		abort();
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	put_file(path, buf, n, 0600);
}

static void read_vec(const char *path, uint8_t *p)
{
	FILE *f = fopen(path, "rb");

	if (!f || fread(p, 1, REPORT_LEN, f) != REPORT_LEN)
		abort();
	fclose(f);
}

/* The "kernel": whatever the inblob, the outblob is the recorded report. */
static void snp_kernel(const char *dir, void *arg)
{
	char path[1200];

	(void)arg;
	snprintf(path, sizeof(path), "%s/outblob", dir);
	put_file(path, blob, REPORT_LEN, 0600);
	snprintf(path, sizeof(path), "%s/provider", dir);
	put_file(path, "sev_guest\n", 10, 0600);
	snprintf(path, sizeof(path), "%s/generation", dir);
	put_file(path, "1\n", 2, 0600);
}

/* A collateral directory as the admin guide describes, from AMD's files. */
static void collateral(char *dir, size_t n, const char *name, const char *policy)
{
	char sub[400], chip[129], leaf[300];
	const uint8_t *r = name[0] == 'v' ? vlek_report : report;
	unsigned long long tcb = 0;

	snprintf(dir, n, "%s/%s", tmpdir, name);
	mkdir(dir, 0700);
	snprintf(sub, sizeof(sub), "%s/vcek", dir);
	mkdir(sub, 0700);
	snprintf(sub, sizeof(sub), "%s/vlek", dir);
	mkdir(sub, 0700);
	copy(VEC "snp-ark-milan.pem", dir, "ark.pem");
	copy(VEC "snp-ask-milan.pem", dir, "ask.pem");
	copy(VEC "snp-asvk-milan.pem", dir, "asvk.pem");
	copy(VEC "snp-crl-milan.der", dir, "crl.pem");
	for (int i = 7; i >= 0; i--)
		tcb = tcb << 8 | r[0x180 + i];
	for (int i = 0; i < 64; i++)
		sprintf(chip + 2 * i, "%02x", r[0x1a0 + i]);
	if (r == vlek_report) {
		snprintf(leaf, sizeof(leaf), "vlek/%016llx.der", tcb);
		copy(VEC "snp-vlek-milan.der", dir, leaf);
	} else {
		snprintf(leaf, sizeof(leaf), "vcek/%s-%016llx.der", chip, tcb);
		copy(VEC "snp-vcek-milan.der", dir, leaf);
	}
	snprintf(sub, sizeof(sub), "%s/policy", dir);
	put_file(sub, policy, strlen(policy), 0600);
}

static void wrapper(const char *path, const char *opts, const char *dir)
{
	char cwd[512], text[2048];

	if (!getcwd(cwd, sizeof(cwd)))
		abort();
	snprintf(text, sizeof(text),
		 "#!/bin/sh\nexec %s/build/test/teearray-verify-snp-san %s --collateral %s "
		 "--policy %s/policy \"$@\" 2>/dev/null\n", cwd, opts, dir, dir);
	put_file(path, text, strlen(text), 0700);
}

int main(void)
{
	struct ta_attester a;
	struct ta_policy pol = { 0 };
	struct ta_claims cl;
	uint8_t rd[64], vrd[64], meas[32], *ev = NULL, *vev = NULL;
	size_t ev_len, vev_len;
	char root[300], verify[300], verify_now[300], vverify[300], cmd[400];
	char mdir[300], vdir[300], vpol[300], mh[97];

	tap_plan(5);
	if (!mkdtemp(tmpdir))
		return 2;
	read_vec(VEC "snp-report-milan.bin", report);
	read_vec(VEC "snp-report-milan-vlek.bin", vlek_report);
	ta_hex_decode(rd, 64, MILAN_RD);
	ta_hex_decode(meas, 32, MILAN_MEAS);
	memcpy(vrd, vlek_report + 0x50, 64);
	snprintf(root, sizeof(root), "%s/tsm", tmpdir);
	mkdir(root, 0700);
	snprintf(root, sizeof(root), "%s/tsm/report", tmpdir);
	mkdir(root, 0700);
	collateral(mdir, sizeof(mdir), "milan", MILAN_POLICY);
	for (int i = 0; i < 48; i++)
		sprintf(mh + 2 * i, "%02x", vlek_report[0x90 + i]);
	snprintf(vpol, sizeof(vpol), "measurement %s\nmin-tcb bootloader=4 tee=0 snp=24 "
		 "microcode=217\n", mh);
	collateral(vdir, sizeof(vdir), "vlek", vpol);
	snprintf(verify, sizeof(verify), "%s/verify-snp", tmpdir);
	wrapper(verify, "--test-now 1751328000", mdir);
	snprintf(verify_now, sizeof(verify_now), "%s/verify-snp-now", tmpdir);
	wrapper(verify_now, "", mdir);
	snprintf(vverify, sizeof(vverify), "%s/verify-snp-vlek", tmpdir);
	wrapper(vverify, "--test-now 1751328000", vdir);

	tap_begin();
	CHECK(ta_attester_init_tsm(&a, root) == TA_OK);
	a.tsm_hook = snp_kernel;
	CHECK(ta_quote(&a, rd, &ev, &ev_len) == TA_OK);
	pol.tsm_verifier = verify;
	CHECK(ev && ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_OK);
	CHECK(!strcmp(cl.platform, "sev_guest"));
	CHECK(!memcmp(cl.measurement, meas, 32));
	tap_end("a teedisk's configfs-tsm evidence with a real SEV-SNP report passes the daemon's "
		"check through teearray-verify-snp (AMD's real CRL); measurement= reaches the claims");

	tap_begin();
	pol.have_measurement = 1;
	memcpy(pol.measurement, meas, 32);
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_OK);
	pol.measurement[31] ^= 1;
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_E_ATTEST_MEASUREMENT);
	pol.have_measurement = 0;
	tap_end("the daemon's platform measurement pin applies to the SNP verifier's measurement=");

	tap_begin();
	rd[0] ^= 1;
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) != TA_OK);
	rd[0] ^= 1;
	ev[ev_len - REPORT_LEN + 0x90] ^= 1;	/* the launch measurement, signed */
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_E_ATTEST_VERIFIER);
	ev[ev_len - REPORT_LEN + 0x90] ^= 1;
	ev[ev_len - REPORT_LEN + 0x2a0] ^= 1;	/* the signature's r */
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_E_ATTEST_VERIFIER);
	ev[ev_len - REPORT_LEN + 0x2a0] ^= 1;
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_OK);
	tap_end("other report data or a changed report is refused by the verifier");

	tap_begin();
	pol.tsm_verifier = verify_now;
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_E_ATTEST_VERIFIER);
	tap_end("at the real clock the recorded CRL is stale (nextUpdate 2026-05-12) and the "
		"member is refused");

	tap_begin();
	blob = vlek_report;
	CHECK(ta_quote(&a, vrd, &vev, &vev_len) == TA_OK);
	pol.tsm_verifier = vverify;
	CHECK(vev && ta_evidence_check(vev, vev_len, &pol, vrd, &cl) == TA_OK);
	pol.tsm_verifier = verify;	/* the VCEK-only directory: no vlek/ certificate */
	CHECK(vev && ta_evidence_check(vev, vev_len, &pol, vrd, &cl) == TA_E_ATTEST_VERIFIER);
	tap_end("a real VLEK-signed report passes the same path with asvk.pem and its VLEK, and "
		"is refused without them");

	free(ev);
	free(vev);
	ta_attester_wipe(&a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		return 2;
	return tap_exit_status();
}
