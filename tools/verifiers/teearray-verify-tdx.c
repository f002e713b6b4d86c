// SPDX-License-Identifier: GPL-2.0
/*
 * teearray-verify-tdx: the external verifier teearrayd runs for configfs-tsm
 * evidence from Intel TDX guests (--tsm-verifier):
 *
 *   teearray-verify-tdx [--collateral DIR] [--policy FILE] PROVIDER REPORT_DATA_HEX FILE
 *
 * Exit 0 and "measurement=<sha256 of MRTD || RTMR0..3>" only for a genuine
 * DCAP quote with current collateral, the given report data and an
 * acceptable TCB, MRTD and RTMRs.  Exit codes: tdx-verify.h.
 */
#include "tdx-verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_COLLATERAL "/etc/teearray/tdx"

static void usage(void)
{
	fprintf(stderr,
		"usage: teearray-verify-tdx [--collateral DIR] [--policy FILE] "
		"PROVIDER REPORT_DATA_HEX QUOTE_FILE\n"
		"  DIR (default $TEEARRAY_TDX_COLLATERAL or " DEFAULT_COLLATERAL ") holds\n"
		"  root-ca-crl.der, pckcrl-platform.der (or pckcrl-processor.der),\n"
		"  tcb-signing-chain.pem, tcb-info-<FMSPC>.json and qe-identity.json;\n"
		"  FILE defaults to $TEEARRAY_TDX_POLICY or DIR/policy.\n");
}

#ifdef TDX_VERIFY_TESTING
/* The tests' build only: another root and a fixed clock, for recorded vectors. */
static int test_opt(const char *opt, const char *arg, void *ctx)
{
	static char root[8192];
	struct tdx_opts *o = ctx;
	size_t n;

	if (!strcmp(opt, "--test-root")) {
		if (vrf_read_file(arg, root, sizeof(root) - 1, &n))
			return TDX_E_USAGE;
		root[n] = 0;
		o->root_pem = root;
	} else if (!strcmp(opt, "--test-now")) {
		o->now = (time_t)strtoll(arg, NULL, 10);
	} else {
		return -1;
	}
	return 0;
}
#else
#define test_opt NULL
#endif

static void print_hex(const char *key, const uint8_t *p, size_t n)
{
	char hex[2 * TDX_MEAS_LEN + 1];

	vrf_hex_encode(hex, p, n);
	printf("%s=%s\n", key, hex);
}

int main(int argc, char **argv)
{
	static uint8_t quote[TDX_MAX_QUOTE + 1];
	static struct tdx_policy pol;
	static struct tdx_result res;
	static struct vrf_cli c;
	struct tdx_opts o = { .now = time(NULL) };
	uint8_t rd[TDX_RD_LEN];
	char msg[512];
	size_t n;
	int rc;

	c.collateral = getenv("TEEARRAY_TDX_COLLATERAL");
	c.policy = getenv("TEEARRAY_TDX_POLICY");
	if (!c.collateral || !*c.collateral)
		c.collateral = DEFAULT_COLLATERAL;
	rc = vrf_cli_parse(argc, argv, &c, test_opt, &o);
	if (rc < 0) {
		usage();
		return TDX_E_USAGE;
	}
	if (rc)
		return rc;
	o.collateral = c.collateral;
	if (strcmp(c.provider, "tdx_guest") && strcmp(c.provider, "tdx-guest")) {
		fprintf(stderr, "teearray-verify-tdx: provider '%s' is not TDX (tdx_guest)\n",
			c.provider);
		return TDX_E_FORMAT;
	}
	if (vrf_hex_decode(rd, TDX_RD_LEN, c.report_data)) {
		fprintf(stderr, "teearray-verify-tdx: report data must be 128 hex digits\n");
		return TDX_E_USAGE;
	}
	rc = tdx_policy_load(c.policy, &pol, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "teearray-verify-tdx: %s\n", msg);
		return rc;
	}
	if (vrf_read_file(c.file, quote, sizeof(quote), &n)) {
		fprintf(stderr, "teearray-verify-tdx: %s: %s\n", c.file, strerror(errno));
		return TDX_E_USAGE;
	}
	rc = tdx_verify(quote, n, rd, &pol, &o, &res);
	if (rc) {
		fprintf(stderr, "teearray-verify-tdx: refused (%s): %s\n", tdx_rc_name(rc), res.msg);
		return rc;
	}
	print_hex("measurement", res.digest, 32);
	print_hex("tdx_mrtd", res.mrtd, TDX_MEAS_LEN);
	for (int j = 0; j < 4; j++) {
		char key[24];

		snprintf(key, sizeof(key), "tdx_rtmr%d", j);
		print_hex(key, res.rtmr[j], TDX_MEAS_LEN);
	}
	printf("tdx_tcb_status=%s\n", tdx_status_name(res.tcb.platform));
	return fflush(stdout) ? TDX_E_USAGE : TDX_OK;
}
