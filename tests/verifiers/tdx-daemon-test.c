// SPDX-License-Identifier: GPL-2.0
/*
 * teearray-verify-tdx behind the attestation code teedisk and teearrayd
 * share (libteearray): a teedisk quotes through a fake configfs-tsm tree
 * whose "kernel" returns the real v4 TDX quote (vectors/README.md) as
 * outblob with provider tdx_guest, and the daemon's check runs the
 * verifier through --tsm-verifier exactly as teearrayd does.  The verifier
 * is the tests' sanitizer build behind a wrapper script (the way the admin
 * guide tells operators to pass --collateral and --policy), pinned to a
 * time inside the vector's collateral.  Host-side only; run from the top
 * of the tree.
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
#define V4_RD "9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9" \
	      "eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20"
/* SHA-256(MRTD || RTMR0..3) of that quote: what the verifier prints */
#define V4_MEAS "8ef444fda246f7e0d5f9a3ba0a2822ae0be7dbec5e321277d03b73b198fa2545"
#define V4_POLICY \
	"mrtd 91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407" \
	"de03ae6dc5f87f27428b2538873118b7\n" \
	"rtmr0 44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c" \
	"48aca29b220b80b6a540cf994b9bc9c0\n" \
	"rtmr1 any\nrtmr2 any\nrtmr3 any\n"

static char tmpdir[] = "/tmp/tdx-daemon-XXXXXX";
static uint8_t quote[16384];
static size_t quote_len;

static void put_file(const char *path, const void *p, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

/* The "kernel": whatever the inblob, the outblob is the recorded TDX quote. */
static void tdx_kernel(const char *dir, void *arg)
{
	char path[1200];

	(void)arg;
	snprintf(path, sizeof(path), "%s/outblob", dir);
	put_file(path, quote, quote_len, 0600);
	snprintf(path, sizeof(path), "%s/provider", dir);
	put_file(path, "tdx_guest\n", 10, 0600);
	snprintf(path, sizeof(path), "%s/generation", dir);
	put_file(path, "1\n", 2, 0600);
}

static void wrapper(const char *path, const char *opts, const char *policy)
{
	char cwd[512], text[2048];

	if (!getcwd(cwd, sizeof(cwd)))
		abort();
	snprintf(text, sizeof(text),
		 "#!/bin/sh\nexec %s/build/test/teearray-verify-tdx-san %s --collateral "
		 "%s/" VEC "tdx-collateral-v4 --policy %s \"$@\" 2>/dev/null\n",
		 cwd, opts, cwd, policy);
	put_file(path, text, strlen(text), 0700);
}

int main(void)
{
	struct ta_attester a;
	struct ta_policy pol = { 0 };
	struct ta_claims cl;
	uint8_t rd[64], meas[32], *ev = NULL;
	size_t ev_len;
	char root[300], verify[300], verify_now[300], policy[300], cmd[400];
	FILE *f;

	tap_plan(4);
	if (!mkdtemp(tmpdir))
		return 2;
	f = fopen(VEC "tdx-quote-v4.bin", "rb");
	if (!f)
		return 2;
	quote_len = fread(quote, 1, sizeof(quote), f);
	fclose(f);
	ta_hex_decode(rd, 64, V4_RD);
	ta_hex_decode(meas, 32, V4_MEAS);
	snprintf(root, sizeof(root), "%s/tsm", tmpdir);
	mkdir(root, 0700);
	snprintf(root, sizeof(root), "%s/tsm/report", tmpdir);
	mkdir(root, 0700);
	snprintf(policy, sizeof(policy), "%s/policy", tmpdir);
	put_file(policy, V4_POLICY, strlen(V4_POLICY), 0600);
	snprintf(verify, sizeof(verify), "%s/verify-tdx", tmpdir);
	wrapper(verify, "--test-now 1751328000", policy);
	snprintf(verify_now, sizeof(verify_now), "%s/verify-tdx-now", tmpdir);
	wrapper(verify_now, "", policy);

	tap_begin();
	CHECK(ta_attester_init_tsm(&a, root) == TA_OK);
	a.tsm_hook = tdx_kernel;
	CHECK(ta_quote(&a, rd, &ev, &ev_len) == TA_OK);
	pol.tsm_verifier = verify;
	CHECK(ev && ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_OK);
	CHECK(!strcmp(cl.platform, "tdx_guest"));
	CHECK(!memcmp(cl.measurement, meas, 32));
	tap_end("a teedisk's configfs-tsm evidence with a real TDX quote passes the daemon's "
		"check through teearray-verify-tdx; measurement= reaches the claims");

	tap_begin();
	pol.have_measurement = 1;
	memcpy(pol.measurement, meas, 32);
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_OK);
	pol.measurement[31] ^= 1;
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_E_ATTEST_MEASUREMENT);
	pol.have_measurement = 0;
	tap_end("the daemon's platform measurement pin applies to the TDX verifier's measurement=");

	tap_begin();
	rd[0] ^= 1;
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) != TA_OK);
	rd[0] ^= 1;
	ev[ev_len - 2000] ^= 1;		/* inside the quote's PCK chain */
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_E_ATTEST_VERIFIER);
	ev[ev_len - 2000] ^= 1;
	tap_end("other report data or a changed quote is refused by the verifier");

	tap_begin();
	pol.tsm_verifier = verify_now;
	CHECK(ta_evidence_check(ev, ev_len, &pol, rd, &cl) == TA_E_ATTEST_VERIFIER);
	tap_end("at the real clock the recorded collateral is stale and the member is refused");

	free(ev);
	ta_attester_wipe(&a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd))
		return 2;
	return tap_exit_status();
}
