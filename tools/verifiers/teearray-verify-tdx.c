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
static char *read_text(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}
#endif

static void print_hex(const char *key, const uint8_t *p, size_t n)
{
	char hex[2 * TDX_MEAS_LEN + 1];

	tdx_hex_encode(hex, p, n);
	printf("%s=%s\n", key, hex);
}

int main(int argc, char **argv)
{
	const char *coll = getenv("TEEARRAY_TDX_COLLATERAL"), *polpath = getenv("TEEARRAY_TDX_POLICY");
	static uint8_t quote[TDX_MAX_QUOTE + 1];
	static struct tdx_policy pol;
	static struct tdx_result res;
	struct tdx_opts o = { .now = time(NULL) };
	char polbuf[4096], msg[512];
	uint8_t rd[TDX_RD_LEN];
	size_t n;
	FILE *f;
	int i = 1, rc;

	if (!coll || !*coll)
		coll = DEFAULT_COLLATERAL;
	while (i < argc && !strncmp(argv[i], "--", 2)) {
		if (!strcmp(argv[i], "--collateral") && i + 1 < argc) {
			coll = argv[i + 1];
		} else if (!strcmp(argv[i], "--policy") && i + 1 < argc) {
			polpath = argv[i + 1];
#ifdef TDX_VERIFY_TESTING
		} else if (!strcmp(argv[i], "--test-root") && i + 1 < argc) {
			o.root_pem = read_text(argv[i + 1]);
			if (!o.root_pem)
				return TDX_E_USAGE;
		} else if (!strcmp(argv[i], "--test-now") && i + 1 < argc) {
			o.now = (time_t)strtoll(argv[i + 1], NULL, 10);
#endif
		} else {
			usage();
			return TDX_E_USAGE;
		}
		i += 2;
	}
	if (argc - i != 3) {
		usage();
		return TDX_E_USAGE;
	}
	o.collateral = coll;
	if (strcmp(argv[i], "tdx_guest") && strcmp(argv[i], "tdx-guest")) {
		fprintf(stderr, "teearray-verify-tdx: provider '%s' is not TDX (tdx_guest)\n", argv[i]);
		return TDX_E_FORMAT;
	}
	if (tdx_hex_decode(rd, TDX_RD_LEN, argv[i + 1])) {
		fprintf(stderr, "teearray-verify-tdx: report data must be 128 hex digits\n");
		return TDX_E_USAGE;
	}
	if (!polpath || !*polpath) {
		snprintf(polbuf, sizeof(polbuf), "%s/policy", coll);
		polpath = polbuf;
	}
	rc = tdx_policy_load(polpath, &pol, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "teearray-verify-tdx: %s\n", msg);
		return rc;
	}
	f = fopen(argv[i + 2], "rb");
	if (!f) {
		fprintf(stderr, "teearray-verify-tdx: %s: %s\n", argv[i + 2], strerror(errno));
		return TDX_E_USAGE;
	}
	n = fread(quote, 1, sizeof(quote), f);
	fclose(f);
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
