// SPDX-License-Identifier: GPL-2.0
/*
 * teearray-verify-snp: the external verifier teearrayd runs for configfs-tsm
 * evidence from SEV-SNP guests (--tsm-verifier):
 *
 *   teearray-verify-snp [--collateral DIR] [--policy FILE] PROVIDER REPORT_DATA_HEX FILE
 *
 * Exit 0 and "measurement=<sha256 of the launch measurement>" only for a
 * genuine report (VCEK- or VLEK-signed, Milan, Genoa or Turin) with
 * current collateral, the given report data and an acceptable policy,
 * measurement and TCB.  Exit codes: snp-verify.h.
 */
#include "snp-verify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef SNP_VERIFY_TESTING
#include <openssl/pem.h>
#include <openssl/sha.h>
#endif

#define DEFAULT_COLLATERAL "/etc/teearray/snp"

static void usage(void)
{
	fprintf(stderr,
		"usage: teearray-verify-snp [--collateral DIR] [--policy FILE] "
		"PROVIDER REPORT_DATA_HEX REPORT_FILE\n"
		"  DIR (default $TEEARRAY_SNP_COLLATERAL or " DEFAULT_COLLATERAL ") holds\n"
		"  ark.pem, ask.pem, crl.pem and vcek/<chip_id>-<reported_tcb>.der\n"
		"  (VLEK-signed reports: asvk.pem and vlek/<reported_tcb>.der);\n"
		"  FILE defaults to $TEEARRAY_SNP_POLICY or DIR/policy.\n");
}

#ifdef SNP_VERIFY_TESTING
/* The tests' build only: another root (its SHA-256) for re-signed vectors. */
static int test_root(const char *path, uint8_t md[32])
{
	FILE *f = fopen(path, "r");
	unsigned char *der = NULL;
	X509 *x;
	int n;

	if (!f)
		return -1;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	n = x ? i2d_X509(x, &der) : -1;
	X509_free(x);
	if (n <= 0)
		return -1;
	SHA256(der, (size_t)n, md);
	OPENSSL_free(der);
	return 0;
}
#endif

int main(int argc, char **argv)
{
	const char *coll = getenv("TEEARRAY_SNP_COLLATERAL"), *polpath = getenv("TEEARRAY_SNP_POLICY");
	static uint8_t report[SNP_REPORT_LEN + 1];
	static struct snp_policy pol;
	struct snp_result res;
	struct snp_opts o = { .crl_required = 1, .now = time(NULL) };
	char polbuf[4096], msg[256];
#ifdef SNP_VERIFY_TESTING
	static uint8_t test_md[32];
#endif
	uint8_t rd[SNP_RD_LEN];
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
#ifdef SNP_VERIFY_TESTING
		} else if (!strcmp(argv[i], "--test-root") && i + 1 < argc) {
			if (test_root(argv[i + 1], test_md))
				return SNP_E_USAGE;
			o.test_ark_sha256 = test_md;
		} else if (!strcmp(argv[i], "--test-now") && i + 1 < argc) {
			o.now = (time_t)strtoll(argv[i + 1], NULL, 10);
#endif
		} else {
			usage();
			return SNP_E_USAGE;
		}
		i += 2;
	}
	if (argc - i != 3) {
		usage();
		return SNP_E_USAGE;
	}
	o.collateral = coll;
	if (strcmp(argv[i], "sev_guest") && strcmp(argv[i], "sev-guest")) {
		fprintf(stderr, "teearray-verify-snp: provider '%s' is not SEV-SNP (sev_guest)\n",
			argv[i]);
		return SNP_E_FORMAT;
	}
	if (snp_hex_decode(rd, SNP_RD_LEN, argv[i + 1])) {
		fprintf(stderr, "teearray-verify-snp: report data must be 128 hex digits\n");
		return SNP_E_USAGE;
	}
	if (!polpath || !*polpath) {
		snprintf(polbuf, sizeof(polbuf), "%s/policy", coll);
		polpath = polbuf;
	}
	rc = snp_policy_load(polpath, &pol, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "teearray-verify-snp: %s\n", msg);
		return rc;
	}
	f = fopen(argv[i + 2], "rb");
	if (!f) {
		fprintf(stderr, "teearray-verify-snp: %s: %s\n", argv[i + 2], strerror(errno));
		return SNP_E_USAGE;
	}
	n = fread(report, 1, sizeof(report), f);
	fclose(f);
	rc = snp_verify(report, n, rd, &pol, &o, &res);
	if (rc) {
		fprintf(stderr, "teearray-verify-snp: refused (%s): %s\n", snp_rc_name(rc), res.msg);
		return rc;
	}
	printf("measurement=");
	for (int j = 0; j < 32; j++)
		printf("%02x", res.digest[j]);
	printf("\nsnp_measurement=");
	for (int j = 0; j < SNP_MEAS_LEN; j++)
		printf("%02x", res.measurement[j]);
	printf("\nsnp_product=%s\nsnp_signer=%s\n", res.product, res.signer);
	return fflush(stdout) ? SNP_E_USAGE : SNP_OK;
}
