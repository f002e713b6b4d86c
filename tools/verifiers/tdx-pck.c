// SPDX-License-Identifier: GPL-2.0
/*
 * The SGX extension of an Intel PCK certificate (OID 1.2.840.113741.1.13.1,
 * Intel SGX PCK Certificate and CRL Profile): a SEQUENCE of (OID, value)
 * pairs.  We need the platform's FMSPC, PCE-ID and TCB (16 component SVNs
 * and the PCESVN) to pick the TCB level.  OpenSSL's DER decoder does the
 * parsing; this file only walks the decoded tree.
 */
#include "tdx-verify.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/objects.h>

#define SGX_OID "1.2.840.113741.1.13.1"

/* Decodes a DER SEQUENCE into its elements; NULL if it is not one. */
static STACK_OF(ASN1_TYPE) *seq(const unsigned char *p, long len)
{
	const unsigned char *q = p;
	STACK_OF(ASN1_TYPE) *s = d2i_ASN1_SEQUENCE_ANY(NULL, &q, len);

	if (s && q != p + len) {	/* trailing bytes */
		sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
		return NULL;
	}
	return s;
}

/* A (OID, value) pair: the OID as dotted text and the value. */
static int pair(ASN1_TYPE *t, char *oid, size_t oidlen, STACK_OF(ASN1_TYPE) **out)
{
	STACK_OF(ASN1_TYPE) *s;
	ASN1_TYPE *o;

	if (ASN1_TYPE_get(t) != V_ASN1_SEQUENCE)
		return -1;
	s = seq(ASN1_STRING_get0_data(t->value.sequence), ASN1_STRING_length(t->value.sequence));
	if (!s)
		return -1;
	o = sk_ASN1_TYPE_num(s) == 2 ? sk_ASN1_TYPE_value(s, 0) : NULL;
	if (!o || ASN1_TYPE_get(o) != V_ASN1_OBJECT ||
	    OBJ_obj2txt(oid, (int)oidlen, o->value.object, 1) <= 0 ||
	    strlen(oid) >= oidlen - 1) {
		sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
		return -1;
	}
	*out = s;
	return 0;
}

static int octets(ASN1_TYPE *v, uint8_t *out, int n)
{
	if (ASN1_TYPE_get(v) != V_ASN1_OCTET_STRING ||
	    ASN1_STRING_length(v->value.octet_string) != n)
		return -1;
	memcpy(out, ASN1_STRING_get0_data(v->value.octet_string), (size_t)n);
	return 0;
}

static int small_int(ASN1_TYPE *v, long max, long *out)
{
	if (ASN1_TYPE_get(v) != V_ASN1_INTEGER ||
	    ASN1_STRING_length(v->value.integer) > 4)
		return -1;
	*out = ASN1_INTEGER_get(v->value.integer);
	return *out < 0 || *out > max ? -1 : 0;
}

/* The TCB SEQUENCE: .2.1 .. .2.16 component SVNs, .2.17 PCESVN, .2.18 CPUSVN. */
static int parse_tcb(ASN1_TYPE *v, struct tdx_pck_info *out, unsigned int *seen)
{
	STACK_OF(ASN1_TYPE) *s;
	int ret = -1;

	if (ASN1_TYPE_get(v) != V_ASN1_SEQUENCE)
		return -1;
	s = seq(ASN1_STRING_get0_data(v->value.sequence), ASN1_STRING_length(v->value.sequence));
	if (!s)
		return -1;
	for (int i = 0; i < sk_ASN1_TYPE_num(s); i++) {
		STACK_OF(ASN1_TYPE) *p;
		char oid[80];
		const char *tail;
		long n, x;

		if (pair(sk_ASN1_TYPE_value(s, i), oid, sizeof(oid), &p))
			goto out;
		tail = oid + strlen(SGX_OID ".2.");
		if (strncmp(oid, SGX_OID ".2.", strlen(SGX_OID ".2.")) ||
		    (n = strtol(tail, NULL, 10)) < 1 || n > 18) {
			sk_ASN1_TYPE_pop_free(p, ASN1_TYPE_free);
			goto out;
		}
		if (n <= 16 && !small_int(sk_ASN1_TYPE_value(p, 1), 255, &x)) {
			out->comp_svn[n - 1] = (uint8_t)x;
			*seen |= 1u << (n - 1);
		} else if (n == 17 && !small_int(sk_ASN1_TYPE_value(p, 1), 65535, &x)) {
			out->pcesvn = (unsigned int)x;
			*seen |= 1u << 16;
		} else if (n != 18) {	/* CPUSVN repeats the components as bytes */
			sk_ASN1_TYPE_pop_free(p, ASN1_TYPE_free);
			goto out;
		}
		sk_ASN1_TYPE_pop_free(p, ASN1_TYPE_free);
	}
	ret = 0;
out:
	sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
	return ret;
}

/*
 * der: the contents of the extension (its OCTET STRING value).  0 if the
 * FMSPC, the PCE-ID and all 17 TCB numbers are there, -1 otherwise.
 */
int tdx_pck_parse(const unsigned char *der, size_t len, struct tdx_pck_info *out)
{
	STACK_OF(ASN1_TYPE) *s;
	unsigned int seen = 0;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (len > 65536)
		return -1;
	s = seq(der, (long)len);
	if (!s)
		return -1;
	for (int i = 0; i < sk_ASN1_TYPE_num(s); i++) {
		STACK_OF(ASN1_TYPE) *p;
		ASN1_TYPE *v;
		char oid[80];
		int bad = 0;

		if (pair(sk_ASN1_TYPE_value(s, i), oid, sizeof(oid), &p))
			goto out;
		v = sk_ASN1_TYPE_value(p, 1);
		if (!strcmp(oid, SGX_OID ".2")) {
			bad = parse_tcb(v, out, &seen);
		} else if (!strcmp(oid, SGX_OID ".3")) {
			bad = octets(v, out->pceid, 2);
			seen |= 1u << 17;
		} else if (!strcmp(oid, SGX_OID ".4")) {
			bad = octets(v, out->fmspc, 6);
			seen |= 1u << 18;
		}	/* PPID, SGX type, platform instance id...: not needed */
		sk_ASN1_TYPE_pop_free(p, ASN1_TYPE_free);
		if (bad)
			goto out;
	}
	ret = seen == (1u << 19) - 1 ? 0 : -1;	/* 16 SVNs, PCESVN, PCE-ID, FMSPC */
out:
	sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
	return ret;
}
