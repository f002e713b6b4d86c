// SPDX-License-Identifier: GPL-2.0
/*
 * SEV-SNP attestation report verification (AMD SEV-SNP ABI specification,
 * ATTESTATION_REPORT, versions 2 and 3).  OpenSSL does the certificate
 * chain, validity, CRL and ECDSA checks; this file only parses the report
 * and applies the policy.
 */
#include "snp-verify.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Report offsets */
#define R_VERSION	0x000
#define R_POLICY	0x008
#define R_VMPL		0x030
#define R_SIG_ALGO	0x034
#define R_FLAGS		0x048
#define R_REPORT_DATA	0x050
#define R_MEASUREMENT	0x090
#define R_REPORTED_TCB	0x180
#define R_CHIP_ID	0x1a0
#define R_SIGNATURE	0x2a0

#define SNP_POLICY_DEBUG	(1ULL << 19)
#define SNP_SIG_ECDSA_P384	1

static const char *const rc_names[] = {
	"ok", "usage", "malformed-report", "collateral-missing", "collateral-stale",
	"chain-invalid", "revoked", "bad-signature", "report-data-mismatch",
	"debug-allowed", "tcb-too-old", "measurement-not-allowed", "policy-invalid",
	"vmpl-not-allowed",
};

const char *snp_rc_name(int rc)
{
	if (rc < 0 || (size_t)rc >= sizeof(rc_names) / sizeof(rc_names[0]))
		return "unknown";
	return rc_names[rc];
}

static int fail(char *msg, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *msg, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return rc;
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int snp_hex_decode(uint8_t *out, size_t n, const char *s)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void hex_encode(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* ---- policy ------------------------------------------------------------- */

static int parse_tcb(char *v, struct snp_policy *pol)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(v, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '='), *end;
		long n;
		int *dst;

		if (!eq)
			return -1;
		*eq = 0;
		if (!strcmp(tok, "bootloader"))
			dst = &pol->min_bootloader;
		else if (!strcmp(tok, "tee"))
			dst = &pol->min_tee;
		else if (!strcmp(tok, "snp"))
			dst = &pol->min_snp;
		else if (!strcmp(tok, "microcode"))
			dst = &pol->min_microcode;
		else
			return -1;
		errno = 0;
		n = strtol(eq + 1, &end, 10);
		if (errno || *end || end == eq + 1 || n < 0 || n > 255)
			return -1;
		*dst = (int)n;
	}
	return 0;
}

int snp_policy_load(const char *path, struct snp_policy *pol, char *msg, size_t msglen)
{
	char line[512];
	unsigned int lineno = 0;
	FILE *f;

	memset(pol, 0, sizeof(*pol));
	pol->min_bootloader = pol->min_tee = pol->min_snp = pol->min_microcode = -1;
	pol->max_vmpl = -1;
	f = fopen(path, "r");
	if (!f)
		return fail(msg, msglen, SNP_E_POLICY, "policy %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *k, *v, *e;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			fclose(f);
			return fail(msg, msglen, SNP_E_POLICY, "policy %s:%u: line too long",
				    path, lineno);
		}
		if ((e = strchr(line, '#')))
			*e = 0;
		for (e = line + strlen(line); e > line && isspace((unsigned char)e[-1]); e--)
			;
		*e = 0;
		for (k = line; isspace((unsigned char)*k); k++)
			;
		if (!*k)
			continue;
		for (v = k; *v && !isspace((unsigned char)*v); v++)
			;
		if (*v)
			*v++ = 0;
		while (isspace((unsigned char)*v))
			v++;
		if (!strcmp(k, "measurement")) {
			if (pol->nmeas == SNP_MAX_MEAS ||
			    snp_hex_decode(pol->meas[pol->nmeas], SNP_MEAS_LEN, v))
				goto bad;
			pol->nmeas++;
		} else if (!strcmp(k, "min-tcb")) {
			if (parse_tcb(v, pol))
				goto bad;
		} else if (!strcmp(k, "max-vmpl")) {
			if (strlen(v) != 1 || v[0] < '0' || v[0] > '3')
				goto bad;
			pol->max_vmpl = v[0] - '0';
		} else {
			goto bad;
		}
	}
	fclose(f);
	if (!pol->nmeas)
		return fail(msg, msglen, SNP_E_POLICY,
			    "policy %s: no accepted measurement (add a 'measurement' line)", path);
	if (pol->min_bootloader < 0 || pol->min_tee < 0 || pol->min_snp < 0 ||
	    pol->min_microcode < 0)
		return fail(msg, msglen, SNP_E_POLICY,
			    "policy %s: min-tcb must set bootloader, tee, snp and microcode", path);
	return SNP_OK;
bad:
	fclose(f);
	return fail(msg, msglen, SNP_E_POLICY, "policy %s:%u: invalid line", path, lineno);
}

/* ---- collateral ----------------------------------------------------------- */

static X509 *load_cert(const char *path)
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

static X509_CRL *load_crl(const char *path)
{
	X509_CRL *c = NULL;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	c = PEM_read_X509_CRL(f, NULL, NULL, NULL);
	if (!c) {
		rewind(f);
		c = d2i_X509_CRL_fp(f, NULL);
	}
	fclose(f);
	return c;
}

/* An AMD VCEK extension holding a DER INTEGER (TCB components). */
static int vcek_ext_int(X509 *x, const char *oid, long *out)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	const unsigned char *p;
	ASN1_OCTET_STRING *data;
	ASN1_INTEGER *ai;
	int idx;

	if (!obj)
		return -1;
	idx = X509_get_ext_by_OBJ(x, obj, -1);
	ASN1_OBJECT_free(obj);
	if (idx < 0)
		return -1;
	data = X509_EXTENSION_get_data(X509_get_ext(x, idx));
	p = ASN1_STRING_get0_data(data);
	ai = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(data));
	if (!ai)
		return -1;
	*out = ASN1_INTEGER_get(ai);
	ASN1_INTEGER_free(ai);
	return *out < 0 ? -1 : 0;
}

/* The VCEK's hwID extension: the chip id, raw or as a DER OCTET STRING. */
static int vcek_hwid(X509 *x, uint8_t id[64])
{
	ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.3704.1.4", 1);
	ASN1_OCTET_STRING *data, *inner;
	const unsigned char *p;
	int idx, n, ret = -1;

	if (!obj)
		return -1;
	idx = X509_get_ext_by_OBJ(x, obj, -1);
	ASN1_OBJECT_free(obj);
	if (idx < 0)
		return -1;
	data = X509_EXTENSION_get_data(X509_get_ext(x, idx));
	p = ASN1_STRING_get0_data(data);
	n = ASN1_STRING_length(data);
	if (n == 64) {
		memcpy(id, p, 64);
		return 0;
	}
	inner = d2i_ASN1_OCTET_STRING(NULL, &p, n);
	if (inner && ASN1_STRING_length(inner) == 64) {
		memcpy(id, ASN1_STRING_get0_data(inner), 64);
		ret = 0;
	}
	ASN1_OCTET_STRING_free(inner);
	return ret;
}

static int map_verify_error(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return SNP_E_COLLATERAL_STALE;
	case X509_V_ERR_CERT_REVOKED:
		return SNP_E_REVOKED;
	default:
		return SNP_E_CHAIN;
	}
}

/*
 * AMD's KDS CRL (/vcek/v1/<product>/crl) is issued by the ARK and lists
 * revoked ASKs (and ARKs); VCEKs are issued by the ASK and per-TCB, so no
 * ARK-issued CRL can list them.  Check that it is signed by our ARK and
 * current, and that neither the ASK nor the ARK is on it.
 */
static int check_crl(X509_CRL *crl, X509 *ark, X509 *ask, time_t now, char *msg, size_t len)
{
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	const ASN1_TIME *last = X509_CRL_get0_lastUpdate(crl);
	X509 *chain[2] = { ark, ask };
	EVP_PKEY *k = X509_get0_pubkey(ark);
	X509_REVOKED *rev;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ark)))
		return fail(msg, len, SNP_E_CHAIN, "crl.pem is not issued by the ARK");
	if (!k || X509_CRL_verify(crl, k) != 1)
		return fail(msg, len, SNP_E_CHAIN, "crl.pem signature does not verify with the ARK");
	if (!last || X509_cmp_time(last, &now) >= 0)
		return fail(msg, len, SNP_E_COLLATERAL_STALE, "crl.pem is not yet valid");
	if (!next)
		return fail(msg, len, SNP_E_COLLATERAL_STALE, "crl.pem has no nextUpdate");
	if (X509_cmp_time(next, &now) <= 0)
		return fail(msg, len, SNP_E_COLLATERAL_STALE,
			    "crl.pem is stale (nextUpdate has passed): fetch a new one");
	for (int i = 0; i < 2; i++)
		if (X509_CRL_get0_by_cert(crl, &rev, chain[i]) == 1)
			return fail(msg, len, SNP_E_REVOKED, "the CRL revokes the %s",
				    i == 0 ? "ARK" : "ASK");
	return SNP_OK;
}

static int check_chain(X509 *ark, X509 *ask, X509 *vcek, time_t now, char *msg, size_t len)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int ret = SNP_E_USAGE;

	if (!store || !ctx || !untrusted || !X509_STORE_add_cert(store, ark) ||
	    !sk_X509_push(untrusted, ask) ||
	    !X509_STORE_CTX_init(ctx, store, vcek, untrusted)) {
		fail(msg, len, SNP_E_USAGE, "out of memory");
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, now);
	/* The ARK is the only anchor: nothing from the system trust store. */
	if (X509_verify_cert(ctx) == 1) {
		ret = SNP_OK;
	} else {
		int err = X509_STORE_CTX_get_error(ctx);
		int depth = X509_STORE_CTX_get_error_depth(ctx);

		ret = fail(msg, len, map_verify_error(err), "certificate chain (depth %d): %s%s",
			   depth, X509_verify_cert_error_string(err),
			   map_verify_error(err) == SNP_E_COLLATERAL_STALE ?
			   ": fetch current collateral" : "");
	}
out:
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ret;
}

/* ECDSA P-384 over SHA-384 of bytes 0..0x29f; r and s are 72-byte little-endian. */
static int check_signature(const uint8_t *r, X509 *vcek, char *msg, size_t len)
{
	uint8_t be[72], *der = NULL;
	EVP_PKEY *k = X509_get0_pubkey(vcek);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *bn[2] = { NULL, NULL };
	EVP_MD_CTX *md = NULL;
	int derlen, ret = SNP_E_SIGNATURE;
	char group[32] = "";
	size_t glen;

	if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_group_name(k, group, sizeof(group), &glen) ||
	    strcmp(group, "secp384r1")) {
		ret = fail(msg, len, SNP_E_CHAIN, "the VCEK's key is not ECDSA P-384");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		const uint8_t *le = r + R_SIGNATURE + 72 * i;

		for (int j = 0; j < 72; j++)
			be[j] = le[71 - j];
		bn[i] = BN_bin2bn(be, 72, NULL);
		if (!bn[i])
			goto oom;
	}
	if (!sig || !ECDSA_SIG_set0(sig, bn[0], bn[1]))
		goto oom;
	bn[0] = bn[1] = NULL;
	derlen = i2d_ECDSA_SIG(sig, &der);
	if (derlen <= 0)
		goto oom;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, k) != 1)
		goto oom;
	if (EVP_DigestVerify(md, der, (size_t)derlen, r, SNP_SIGNED_LEN) == 1)
		ret = SNP_OK;
	else
		ret = fail(msg, len, SNP_E_SIGNATURE, "report signature does not verify with the VCEK");
	goto out;
oom:
	ret = fail(msg, len, SNP_E_USAGE, "out of memory");
out:
	BN_free(bn[0]);
	BN_free(bn[1]);
	ECDSA_SIG_free(sig);
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	return ret;
}

int snp_verify(const uint8_t *r, size_t rlen, const uint8_t rd[SNP_RD_LEN],
	       const struct snp_policy *pol, const struct snp_opts *o, struct snp_result *res)
{
	char path[4096], chiphex[129], *msg = res->msg;
	size_t ml = sizeof(res->msg);
	uint32_t version, vmpl, sigalgo, signing_key;
	uint64_t policy, tcb;
	X509 *ark = NULL, *ask = NULL, *vcek = NULL;
	X509_CRL *crl = NULL;
	uint8_t hwid[64];
	long ext[4];
	static const char *const tcb_oid[4] = {
		"1.3.6.1.4.1.3704.1.3.1", "1.3.6.1.4.1.3704.1.3.2",
		"1.3.6.1.4.1.3704.1.3.3", "1.3.6.1.4.1.3704.1.3.8",
	};
	static const char *const tcb_name[4] = { "bootloader", "tee", "snp", "microcode" };
	/* Milan/Genoa TCB_VERSION: byte 0 bootloader, 1 tee, 6 snp, 7 microcode */
	static const int tcb_byte[4] = { 0, 1, 6, 7 };
	int min[4] = { pol->min_bootloader, pol->min_tee, pol->min_snp, pol->min_microcode };
	int ret;
	unsigned int i;

	memset(res->measurement, 0, sizeof(res->measurement));
	res->msg[0] = 0;

	/* 1. format */
	if (rlen != SNP_REPORT_LEN)
		return fail(msg, ml, SNP_E_FORMAT, "report is %zu bytes, not %d", rlen,
			    SNP_REPORT_LEN);
	version = (uint32_t)get_le(r + R_VERSION, 4);
	if (version != 2 && version != 3)
		return fail(msg, ml, SNP_E_FORMAT, "report version %u is not 2 or 3", version);
	sigalgo = (uint32_t)get_le(r + R_SIG_ALGO, 4);
	if (sigalgo != SNP_SIG_ECDSA_P384)
		return fail(msg, ml, SNP_E_FORMAT, "signature algorithm %u is not ECDSA P-384",
			    sigalgo);
	signing_key = ((uint32_t)get_le(r + R_FLAGS, 4) >> 2) & 7;
	if (signing_key != 0)
		return fail(msg, ml, SNP_E_FORMAT,
			    "report is signed by signing key %u (only the VCEK, 0, is supported)",
			    signing_key);
	tcb = get_le(r + R_REPORTED_TCB, 8);
	hex_encode(chiphex, r + R_CHIP_ID, 64);

	/* 2. collateral */
	snprintf(path, sizeof(path), "%s/ark.pem", o->collateral);
	ark = load_cert(path);
	if (!ark) {
		ret = fail(msg, ml, SNP_E_COLLATERAL_MISSING, "missing or unreadable %s", path);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/ask.pem", o->collateral);
	ask = load_cert(path);
	if (!ask) {
		ret = fail(msg, ml, SNP_E_COLLATERAL_MISSING, "missing or unreadable %s", path);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/vcek/%s-%016llx.der", o->collateral, chiphex,
		 (unsigned long long)tcb);
	vcek = load_cert(path);
	if (!vcek) {
		ret = fail(msg, ml, SNP_E_COLLATERAL_MISSING,
			   "missing or unreadable %s (the VCEK for this chip and TCB)", path);
		goto out;
	}
	if (o->crl_required) {
		snprintf(path, sizeof(path), "%s/crl.pem", o->collateral);
		crl = load_crl(path);
		if (!crl) {
			ret = fail(msg, ml, SNP_E_COLLATERAL_MISSING, "missing or unreadable %s",
				   path);
			goto out;
		}
	}

	/* 3. chain VCEK -> ASK -> ARK, validity times, CRL */
	ret = check_chain(ark, ask, vcek, o->now, msg, ml);
	if (ret)
		goto out;
	if (crl) {
		ret = check_crl(crl, ark, ask, o->now, msg, ml);
		if (ret)
			goto out;
	}

	/* 4. the VCEK is this chip's at this TCB */
	if (vcek_hwid(vcek, hwid) || memcmp(hwid, r + R_CHIP_ID, 64)) {
		ret = fail(msg, ml, SNP_E_CHAIN, "the VCEK's hwID is not the report's chip id");
		goto out;
	}
	for (i = 0; i < 4; i++) {
		if (vcek_ext_int(vcek, tcb_oid[i], &ext[i])) {
			ret = fail(msg, ml, SNP_E_CHAIN, "the VCEK lacks its %s SPL", tcb_name[i]);
			goto out;
		}
		if (ext[i] != (long)((tcb >> (8 * tcb_byte[i])) & 0xff)) {
			ret = fail(msg, ml, SNP_E_CHAIN,
				   "the VCEK's %s SPL is not the report's reported TCB", tcb_name[i]);
			goto out;
		}
	}

	/* 5. signature */
	ret = check_signature(r, vcek, msg, ml);
	if (ret)
		goto out;

	/* 6. binding and policy (the report is now known to be genuine) */
	if (memcmp(r + R_REPORT_DATA, rd, SNP_RD_LEN)) {
		ret = fail(msg, ml, SNP_E_REPORT_DATA, "report_data differs from the expected value");
		goto out;
	}
	policy = get_le(r + R_POLICY, 8);
	if (policy & SNP_POLICY_DEBUG) {
		ret = fail(msg, ml, SNP_E_DEBUG, "the guest policy allows debugging (0x%llx)",
			   (unsigned long long)policy);
		goto out;
	}
	vmpl = (uint32_t)get_le(r + R_VMPL, 4);
	if (pol->max_vmpl >= 0 && vmpl > (uint32_t)pol->max_vmpl) {
		ret = fail(msg, ml, SNP_E_VMPL, "report from VMPL %u, policy allows up to %d",
			   vmpl, pol->max_vmpl);
		goto out;
	}
	for (i = 0; i < 4; i++) {
		int v = (int)((tcb >> (8 * tcb_byte[i])) & 0xff);

		if (v < min[i]) {
			ret = fail(msg, ml, SNP_E_TCB, "reported TCB %s SPL %d is below the minimum %d",
				   tcb_name[i], v, min[i]);
			goto out;
		}
	}
	for (i = 0; i < pol->nmeas; i++)
		if (!memcmp(pol->meas[i], r + R_MEASUREMENT, SNP_MEAS_LEN))
			break;
	if (i == pol->nmeas) {
		char mh[2 * SNP_MEAS_LEN + 1];

		hex_encode(mh, r + R_MEASUREMENT, SNP_MEAS_LEN);
		ret = fail(msg, ml, SNP_E_MEASUREMENT, "launch measurement %s is not allowed", mh);
		goto out;
	}
	memcpy(res->measurement, r + R_MEASUREMENT, SNP_MEAS_LEN);
	SHA256(res->measurement, SNP_MEAS_LEN, res->digest);
	ret = SNP_OK;
out:
	X509_free(ark);
	X509_free(ask);
	X509_free(vcek);
	X509_CRL_free(crl);
	return ret;
}
