// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for teearray-verify-snp's parsers of untrusted input:
 * the attestation report (signing key, product, TCB layout), the policy
 * file, AMD's certificate extensions on a VCEK or VLEK checked against a
 * report, and crl.pem (DER or PEM) applied to AMD's real Milan chain.  The
 * first byte picks the parser.  The fixed chain is read from
 * tests/verifiers/vectors at start (tests/fuzz/run runs from the top of
 * the tree); without it the CRL case only parses.
 */
#include "snp-internal.h"

#include <stdlib.h>
#include <string.h>

static X509 *ark, *ask, *vcek;
static uint8_t milan[SNP_REPORT_LEN];
static int ready;

static void setup(void)
{
	FILE *f;

	if (ready)
		return;
	ready = 1;
	ark = snp_load_cert("tests/verifiers/vectors/snp-ark-milan.pem");
	ask = snp_load_cert("tests/verifiers/vectors/snp-ask-milan.pem");
	vcek = snp_load_cert("tests/verifiers/vectors/snp-vcek-milan.der");
	f = fopen("tests/verifiers/vectors/snp-report-milan.bin", "rb");
	if (f) {
		if (fread(milan, 1, sizeof(milan), f) != sizeof(milan))
			memset(milan, 0, sizeof(milan));
		fclose(f);
	}
}

static void report_case(const uint8_t *d, size_t n)
{
	static uint8_t r[SNP_REPORT_LEN];
	struct snp_report rep;
	struct snp_tcb t;
	char msg[256];

	(void)snp_report_parse(d, n, &rep, msg, sizeof(msg));
	memset(r, 0, sizeof(r));
	memcpy(r, d, n < sizeof(r) ? n : sizeof(r));
	if (!snp_report_parse(r, sizeof(r), &rep, msg, sizeof(msg))) {
		snp_tcb_decode(rep.reported_tcb, rep.product, &t);
		(void)snp_product_name(rep.product);
	}
}

static void policy_case(const uint8_t *d, size_t n)
{
	static struct snp_policy pol;
	char msg[256];
	FILE *f;

	if (!n)
		return;
	f = fmemopen((void *)d, n, "r");
	if (!f)
		return;
	(void)snp_policy_read(f, "fuzz", &pol, msg, sizeof(msg));
	fclose(f);
}

/* A certificate as the VCEK or VLEK of the recorded report, for each product. */
static void cert_case(const uint8_t *d, size_t n)
{
	const unsigned char *p = d;
	X509 *x = d2i_X509(NULL, &p, (long)n);
	struct snp_report rep;
	uint8_t buf[64];
	size_t len;
	char msg[256];

	if (!x)
		return;
	memset(&rep, 0, sizeof(rep));
	rep.raw = milan;
	rep.reported_tcb = snp_get_le(milan + R_REPORTED_TCB, 8);
	for (int product = SNP_MILAN; product < SNP_NPRODUCTS; product++)
		for (uint32_t signer = 0; signer < 2; signer++) {
			rep.signer = signer;
			(void)snp_leaf_matches(x, &rep, product, msg, sizeof(msg));
		}
	(void)snp_cert_octets(x, "1.3.6.1.4.1.3704.1.4", buf, 8, &len);
	(void)snp_ark_product(x, NULL);
	X509_free(x);
}

static void crl_case(const uint8_t *d, size_t n)
{
	STACK_OF(X509_CRL) *crls = snp_crls_from_buf(d, n);
	char msg[256];

	if (crls && ark && ask && vcek)
		(void)snp_chain_check(ark, ask, vcek, crls, 1, (time_t)1751328000, msg, sizeof(msg));
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < 1)
		return 0;
	switch (data[0] % 4) {
	case 0:
		report_case(data + 1, size - 1);
		break;
	case 1:
		policy_case(data + 1, size - 1);
		break;
	case 2:
		cert_case(data + 1, size - 1);
		break;
	default:
		crl_case(data + 1, size - 1);
		break;
	}
	return 0;
}
