// SPDX-License-Identifier: GPL-2.0
/*
 * The order of the checks on a TDX quote.  First everything the quote
 * leans on (Intel's chains, CRLs, TCB info, QE identity, all at o->now),
 * then the quote from the inside out: the PCK signed the QE report, the QE
 * report vouches for the attestation key, the attestation key signed the
 * header and TD report; and last what the genuine quote says (TCB level,
 * report data, policy).  OpenSSL verifies the chains, CRLs and signatures.
 */
#include "tdx-internal.h"

#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#define SGX_EXT_OID	"1.2.840.113741.1.13.1"
#define QE_REPORTDATA	320

static const char *const rc_names[] = {
	"ok", "usage", "malformed-quote", "collateral-missing", "collateral-stale",
	"chain-invalid", "revoked", "bad-signature", "report-data-mismatch", "debug-td",
	"tcb-not-accepted", "mrtd-not-allowed", "policy-invalid", "rtmr-not-allowed",
	"bad-qe-report-signature", "qe-binding-invalid", "qe-identity-mismatch",
	"collateral-invalid",
};

const char *tdx_rc_name(int rc)
{
	if (rc < 0 || (size_t)rc >= sizeof(rc_names) / sizeof(rc_names[0]))
		return "unknown";
	return rc_names[rc];
}

static X509 *load_root(const char *pem)
{
	BIO *b = BIO_new_mem_buf(pem, -1);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

	BIO_free(b);
	return x;
}

static int map_verify_error(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
	case X509_V_ERR_CRL_HAS_EXPIRED:
	case X509_V_ERR_CRL_NOT_YET_VALID:
		return TDX_E_COLLATERAL_STALE;
	case X509_V_ERR_CERT_REVOKED:
		return TDX_E_REVOKED;
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		return TDX_E_COLLATERAL_MISSING;
	default:
		return TDX_E_CHAIN;
	}
}

/*
 * leaf -> untrusted... -> root, every certificate checked against the CRLs
 * (the root CA CRL for Intel's intermediates, the PCK CRL for the PCK).
 */
static int check_chain(const char *what, X509 *root, X509 *leaf, STACK_OF(X509) *untrusted,
		       X509_CRL *const *crls, int ncrl, time_t now, char *msg, size_t ml)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ret;

	if (!store || !ctx || !X509_STORE_add_cert(store, root)) {
		ret = vrf_fail(msg, ml, TDX_E_USAGE, "out of memory");
		goto out;
	}
	for (int i = 0; i < ncrl; i++)
		if (!X509_STORE_add_crl(store, crls[i])) {
			ret = vrf_fail(msg, ml, TDX_E_USAGE, "out of memory");
			goto out;
		}
	if (!X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
		ret = vrf_fail(msg, ml, TDX_E_USAGE, "out of memory");
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, now);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
	/* The pinned root is the only anchor: no system trust store. */
	if (X509_verify_cert(ctx) == 1) {
		ret = TDX_OK;
	} else {
		int err = X509_STORE_CTX_get_error(ctx), rc = map_verify_error(err);

		ret = vrf_fail(msg, ml, rc, "%s (depth %d): %s%s", what,
			       X509_STORE_CTX_get_error_depth(ctx), X509_verify_cert_error_string(err),
			       rc == TDX_E_COLLATERAL_STALE ? ": fetch current collateral" :
			       rc == TDX_E_COLLATERAL_MISSING ? ": wrong or missing CRL file" : "");
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ret;
}

static int sha256_2(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
		 EVP_DigestUpdate(md, a, alen) == 1 && EVP_DigestUpdate(md, b, blen) == 1 &&
		 EVP_DigestFinal_ex(md, out, NULL) == 1;

	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

static int is_p256(EVP_PKEY *k)
{
	char group[32] = "";
	size_t glen;

	return k && EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	       EVP_PKEY_get_group_name(k, group, sizeof(group), &glen) &&
	       !strcmp(group, "prime256v1");
}

/* The attestation key: a raw P-256 point x || y; NULL if not on the curve. */
static EVP_PKEY *ak_key(const uint8_t xy[64])
{
	unsigned char pt[65];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;

	pt[0] = 0x04;
	memcpy(pt + 1, xy, 64);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt));
	params[2] = OSSL_PARAM_construct_end();
	if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return k;
}

static int pck_info(X509 *pck, struct tdx_pck_info *info)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(SGX_EXT_OID, 1);
	ASN1_OCTET_STRING *d;
	int idx;

	if (!obj)
		return -1;
	idx = X509_get_ext_by_OBJ(pck, obj, -1);
	ASN1_OBJECT_free(obj);
	if (idx < 0)
		return -1;
	d = X509_EXTENSION_get_data(X509_get_ext(pck, idx));
	return tdx_pck_parse(ASN1_STRING_get0_data(d), (size_t)ASN1_STRING_length(d), info);
}

/* Which PCK CRL: the PCK is issued by the Platform CA or the Processor CA. */
static const char *pck_ca_kind(X509 *pck)
{
	char cn[128] = "";

	if (X509_NAME_get_text_by_NID(X509_get_issuer_name(pck), NID_commonName, cn,
				      sizeof(cn)) <= 0)
		return NULL;
	if (!strcmp(cn, "Intel SGX PCK Platform CA"))
		return "platform";
	if (!strcmp(cn, "Intel SGX PCK Processor CA"))
		return "processor";
	return NULL;
}

int tdx_verify(const uint8_t *quote, size_t len, const uint8_t rd[TDX_RD_LEN],
	       const struct tdx_policy *pol, const struct tdx_opts *o, struct tdx_result *res)
{
	char path[4096], fmspc[13], *msg = res->msg;
	size_t ml = sizeof(res->msg);
	struct tdx_quote q;
	struct tdx_pck_info pck;
	STACK_OF(X509) *pck_chain = NULL, *tcb_chain = NULL;
	X509_CRL *crls[2] = { NULL, NULL };
	X509 *root = NULL, *leaf;
	json_object *tcbinfo = NULL, *qeid = NULL;
	EVP_PKEY *ak = NULL;
	const char *kind;
	uint8_t h[32];
	int ret;

	memset(res, 0, sizeof(*res));

	/* 1. layout */
	ret = tdx_quote_parse(quote, len, &q, msg, ml);
	if (ret)
		return ret;
	pck_chain = tdx_pem_certs(q.pck_chain, q.pck_chain_len);
	if (!pck_chain || sk_X509_num(pck_chain) < 2) {
		ret = vrf_fail(msg, ml, TDX_E_CHAIN, "the quote's PCK chain is not PEM certificates");
		goto out;
	}
	leaf = sk_X509_value(pck_chain, 0);
	if (pck_info(leaf, &pck)) {
		ret = vrf_fail(msg, ml, TDX_E_CHAIN,
			       "the PCK certificate lacks a valid SGX extension (FMSPC, TCB)");
		goto out;
	}
	kind = pck_ca_kind(leaf);
	if (!kind) {
		ret = vrf_fail(msg, ml, TDX_E_CHAIN, "the PCK certificate is not issued by an Intel "
			       "SGX PCK Platform or Processor CA");
		goto out;
	}
	root = load_root(o->root_pem ? o->root_pem : tdx_intel_root_pem);
	if (!root) {
		ret = vrf_fail(msg, ml, TDX_E_USAGE, "cannot load the root certificate");
		goto out;
	}

	/* 2. collateral present */
	snprintf(path, sizeof(path), "%s/root-ca-crl.der", o->collateral);
	crls[0] = tdx_load_crl(path);
	if (!crls[0]) {
		ret = vrf_fail(msg, ml, TDX_E_COLLATERAL_MISSING, "missing or unreadable %s", path);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/pckcrl-%s.der", o->collateral, kind);
	crls[1] = tdx_load_crl(path);
	if (!crls[1]) {
		ret = vrf_fail(msg, ml, TDX_E_COLLATERAL_MISSING, "missing or unreadable %s", path);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/tcb-signing-chain.pem", o->collateral);
	tcb_chain = tdx_load_chain(path);
	if (!tcb_chain) {
		ret = vrf_fail(msg, ml, TDX_E_COLLATERAL_MISSING, "missing or unreadable %s", path);
		goto out;
	}

	/* 3. chains to the pinned root, at o->now, with both CRLs */
	ret = check_chain("PCK certificate chain", root, leaf, pck_chain, crls, 2, o->now, msg, ml);
	if (ret)
		goto out;
	ret = check_chain("TCB signing chain (tcb-signing-chain.pem)", root,
			  sk_X509_value(tcb_chain, 0), tcb_chain, crls, 2, o->now, msg, ml);
	if (ret)
		goto out;

	/* 4. Intel's signed statements about this platform and the QE */
	vrf_hex_encode(fmspc, pck.fmspc, 6);
	for (char *c = fmspc; *c; c++)
		if (*c >= 'a')
			*c = (char)(*c - 'a' + 'A');
	snprintf(path, sizeof(path), "%s/tcb-info-%s.json", o->collateral, fmspc);
	ret = tdx_signed_doc(path, "tcbInfo", sk_X509_value(tcb_chain, 0), o->now, &tcbinfo,
			     msg, ml);
	if (ret)
		goto out;
	snprintf(path, sizeof(path), "%s/qe-identity.json", o->collateral);
	ret = tdx_signed_doc(path, "enclaveIdentity", sk_X509_value(tcb_chain, 0), o->now, &qeid,
			     msg, ml);
	if (ret)
		goto out;

	/* 5. the PCK signed the QE report; the QE report binds the attestation key */
	if (!is_p256(X509_get0_pubkey(leaf))) {
		ret = vrf_fail(msg, ml, TDX_E_CHAIN, "the PCK key is not ECDSA P-256");
		goto out;
	}
	if (!tdx_ecdsa_p256_ok(X509_get0_pubkey(leaf), q.qe_sig, q.qe_report, TDX_QE_REPORT_LEN)) {
		ret = vrf_fail(msg, ml, TDX_E_QE_REPORT,
			       "the QE report signature does not verify with the PCK certificate");
		goto out;
	}
	if (sha256_2(q.ak, 64, q.qe_auth, q.qe_auth_len, h)) {
		ret = vrf_fail(msg, ml, TDX_E_USAGE, "out of memory");
		goto out;
	}
	{
		static const uint8_t zero[32];

		if (memcmp(q.qe_report + QE_REPORTDATA, h, 32) ||
		    memcmp(q.qe_report + QE_REPORTDATA + 32, zero, 32)) {
			ret = vrf_fail(msg, ml, TDX_E_QE_BINDING,
				       "the QE report data are not SHA-256(attestation key || QE "
				       "authentication data)");
			goto out;
		}
	}
	ret = tdx_qe_match(qeid, q.qe_report, &res->tcb, msg, ml);
	if (ret)
		goto out;

	/* 6. the attestation key signed header and TD report */
	ak = ak_key(q.ak);
	if (!ak || !tdx_ecdsa_p256_ok(ak, q.sig, q.raw, q.signed_len)) {
		ret = vrf_fail(msg, ml, TDX_E_SIGNATURE,
			       "the quote signature does not verify with the attestation key");
		goto out;
	}

	/* 7. what the genuine quote says */
	ret = tdx_tcb_match(tcbinfo, &pck, &q, &res->tcb, msg, ml);
	if (ret)
		goto out;
	if (memcmp(q.body + TD_REPORTDATA, rd, TDX_RD_LEN)) {
		ret = vrf_fail(msg, ml, TDX_E_REPORT_DATA, "report_data differs from the expected value");
		goto out;
	}
	ret = tdx_policy_check(&q, &res->tcb, pol, msg, ml);
	if (ret)
		goto out;
	memcpy(res->mrtd, q.body + TD_MRTD, TDX_MEAS_LEN);
	memcpy(res->rtmr, q.body + TD_RTMR0, sizeof(res->rtmr));
	/* measurement=: one 32-byte value the daemon logs for the TD's platform */
	ret = sha256_2(res->mrtd, TDX_MEAS_LEN, res->rtmr, sizeof(res->rtmr), res->digest) ?
	      vrf_fail(msg, ml, TDX_E_USAGE, "out of memory") : TDX_OK;
out:
	EVP_PKEY_free(ak);
	json_object_put(tcbinfo);
	json_object_put(qeid);
	X509_CRL_free(crls[0]);
	X509_CRL_free(crls[1]);
	X509_free(root);
	sk_X509_pop_free(pck_chain, X509_free);
	sk_X509_pop_free(tcb_chain, X509_free);
	return ret;
}
