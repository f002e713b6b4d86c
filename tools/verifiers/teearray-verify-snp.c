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

static int test_opt(const char *opt, const char *arg, void *ctx)
{
	static uint8_t test_md[32];
	struct snp_opts *o = ctx;

	if (!strcmp(opt, "--test-root")) {
		if (test_root(arg, test_md))
			return SNP_E_USAGE;
		o->test_ark_sha256 = test_md;
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

int main(int argc, char **argv)
{
	static uint8_t report[SNP_REPORT_LEN + 1];
	static struct snp_policy pol;
	static struct vrf_cli c;
	struct snp_result res;
	struct snp_opts o = { .crl_required = 1, .now = time(NULL) };
	uint8_t rd[SNP_RD_LEN];
	char msg[256];
	size_t n;
	int rc;

	c.collateral = getenv("TEEARRAY_SNP_COLLATERAL");
	c.policy = getenv("TEEARRAY_SNP_POLICY");
	if (!c.collateral || !*c.collateral)
		c.collateral = DEFAULT_COLLATERAL;
	rc = vrf_cli_parse(argc, argv, &c, test_opt, &o);
	if (rc < 0) {
		usage();
		return SNP_E_USAGE;
	}
	if (rc)
		return rc;
	o.collateral = c.collateral;
	if (strcmp(c.provider, "sev_guest") && strcmp(c.provider, "sev-guest")) {
		fprintf(stderr, "teearray-verify-snp: provider '%s' is not SEV-SNP (sev_guest)\n",
			c.provider);
		return SNP_E_FORMAT;
	}
	if (vrf_hex_decode(rd, SNP_RD_LEN, c.report_data)) {
		fprintf(stderr, "teearray-verify-snp: report data must be 128 hex digits\n");
		return SNP_E_USAGE;
	}
	rc = snp_policy_load(c.policy, &pol, msg, sizeof(msg));
	if (rc) {
		fprintf(stderr, "teearray-verify-snp: %s\n", msg);
		return rc;
	}
	if (vrf_read_file(c.file, report, sizeof(report), &n)) {
		fprintf(stderr, "teearray-verify-snp: %s: %s\n", c.file, strerror(errno));
		return SNP_E_USAGE;
	}
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
