// SPDX-License-Identifier: GPL-2.0
/*
 * Collateral files (certificates and CRLs, PEM or DER) and AMD's X.509
 * extensions of VCEK and VLEK certificates (AMD KDS specification): the
 * TCB SPLs, hwID (VCEK) and CSP ID (VLEK), checked against the report.
 * OpenSSL parses everything.
 */
#include "snp-internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define OID_HWID	"1.3.6.1.4.1.3704.1.4"
#define OID_CSP_ID	"1.3.6.1.4.1.3704.1.5"
#define MAX_FILE	(1 << 20)

X509 *snp_load_cert(const char *path)
{
	X509 *x = NULL;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	if (!x) {
		rewind(f);
		x = d2i_X509_fp(f, NULL);
	}
	fclose(f);
	return x;
}

/* One DER CRL, or any number of PEM ones; NULL if none could be read. */
STACK_OF(X509_CRL) *snp_crls_from_buf(const uint8_t *buf, size_t n)
{
	STACK_OF(X509_CRL) *sk;
	const unsigned char *p;
	X509_CRL *c;

	if (!n || n > MAX_FILE)
		return NULL;
	sk = sk_X509_CRL_new_null();
	if (!sk)
		return NULL;
	if (memmem(buf, n, "-----BEGIN", 10)) {
		BIO *b = BIO_new_mem_buf(buf, (int)n);

		while (b && (c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)))
			if (!sk_X509_CRL_push(sk, c)) {
				X509_CRL_free(c);
				break;
			}
		BIO_free(b);
	} else {
		p = buf;
		c = d2i_X509_CRL(NULL, &p, (long)n);
		if (c && !sk_X509_CRL_push(sk, c))
			X509_CRL_free(c);
	}
	if (!sk_X509_CRL_num(sk)) {
		sk_X509_CRL_free(sk);
		return NULL;
	}
	return sk;
}

STACK_OF(X509_CRL) *snp_load_crls(const char *path)
{
	STACK_OF(X509_CRL) *sk = NULL;
	unsigned char *buf = malloc(MAX_FILE);
	FILE *f = fopen(path, "rb");
	size_t n;

	if (buf && f) {
		n = fread(buf, 1, MAX_FILE, f);
		if (n < MAX_FILE)	/* larger than any CRL AMD issues: refuse */
			sk = snp_crls_from_buf(buf, n);
	}
	if (f)
		fclose(f);
	free(buf);
	return sk;
}

static ASN1_OCTET_STRING *ext_data(X509 *x, const char *oid)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	int idx;

	if (!obj)
		return NULL;
	idx = X509_get_ext_by_OBJ(x, obj, -1);
	ASN1_OBJECT_free(obj);
	return idx < 0 ? NULL : X509_EXTENSION_get_data(X509_get_ext(x, idx));
}

int snp_cert_has_ext(X509 *x, const char *oid)
{
	return ext_data(x, oid) != NULL;
}

/* An extension holding a DER INTEGER (the TCB SPLs). */
int snp_cert_int_ext(X509 *x, const char *oid, long *out)
{
	ASN1_OCTET_STRING *data = ext_data(x, oid);
	const unsigned char *p;
	ASN1_INTEGER *ai;

	if (!data)
		return -1;
	p = ASN1_STRING_get0_data(data);
	ai = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(data));
	if (!ai)
		return -1;
	*out = ASN1_INTEGER_get(ai);
	ASN1_INTEGER_free(ai);
	return *out < 0 ? -1 : 0;
}

/*
 * An extension holding exactly want bytes, raw (as AMD KDS writes the
 * hwID) or as a DER OCTET STRING.
 */
int snp_cert_octets(X509 *x, const char *oid, uint8_t *out, size_t want, size_t *len)
{
	ASN1_OCTET_STRING *data = ext_data(x, oid), *inner;
	const unsigned char *p;
	int n, ret = -1;

	if (!data)
		return -1;
	p = ASN1_STRING_get0_data(data);
	n = ASN1_STRING_length(data);
	if (n >= 0 && (size_t)n == want) {
		memcpy(out, p, want);
		*len = want;
		return 0;
	}
	inner = d2i_ASN1_OCTET_STRING(NULL, &p, n);
	if (inner && ASN1_STRING_length(inner) >= 0 && (size_t)ASN1_STRING_length(inner) == want) {
		memcpy(out, ASN1_STRING_get0_data(inner), want);
		*len = want;
		ret = 0;
	}
	ASN1_OCTET_STRING_free(inner);
	return ret;
}

/*
 * The VCEK is this chip's (hwID = CHIP_ID, or its first 8 bytes on Turin),
 * the VLEK a CSP's (CSP ID, no hwID), and either is for the report's
 * REPORTED_TCB.
 */
int snp_leaf_matches(X509 *leaf, const struct snp_report *rep, int product, char *msg, size_t ml)
{
	static const char *const oid[5] = {
		"1.3.6.1.4.1.3704.1.3.9", "1.3.6.1.4.1.3704.1.3.1", "1.3.6.1.4.1.3704.1.3.2",
		"1.3.6.1.4.1.3704.1.3.3", "1.3.6.1.4.1.3704.1.3.8",
	};
	static const char *const name[5] = { "fmc", "bootloader", "tee", "snp", "microcode" };
	const char *key = rep->signer == SNP_SIGNER_VLEK ? "VLEK" : "VCEK";
	struct snp_tcb t;
	int want[5];
	uint8_t hwid[64];
	size_t n;

	if (rep->signer == SNP_SIGNER_VLEK) {
		if (!snp_cert_has_ext(leaf, OID_CSP_ID) || snp_cert_has_ext(leaf, OID_HWID))
			return vrf_fail(msg, ml, SNP_E_CHAIN,
					"the VLEK certificate has no CSP ID or has a hwID: not a VLEK");
	} else if (snp_cert_octets(leaf, OID_HWID, hwid, snp_hwid_len(product), &n) ||
		   memcmp(hwid, rep->raw + R_CHIP_ID, n)) {
		return vrf_fail(msg, ml, SNP_E_CHAIN, "the VCEK's hwID is not the report's chip id");
	}
	snp_tcb_decode(rep->reported_tcb, product, &t);
	want[0] = t.fmc;
	want[1] = t.bootloader;
	want[2] = t.tee;
	want[3] = t.snp;
	want[4] = t.microcode;
	for (int i = 0; i < 5; i++) {
		long v;

		if (want[i] < 0)
			continue;
		if (snp_cert_int_ext(leaf, oid[i], &v))
			return vrf_fail(msg, ml, SNP_E_CHAIN, "the %s lacks its %s SPL", key, name[i]);
		if (v != want[i])
			return vrf_fail(msg, ml, SNP_E_CHAIN,
					"the %s's %s SPL %ld is not the report's reported TCB (%d)",
					key, name[i], v, want[i]);
	}
	return SNP_OK;
}
