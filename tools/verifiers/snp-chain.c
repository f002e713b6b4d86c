// SPDX-License-Identifier: GPL-2.0
/*
 * The certificate chain VCEK -> ASK -> ARK (or VLEK -> ASVK -> ARK) at a
 * given time, and the CRLs: OpenSSL verifies the chain and each CRL's
 * signature; this file decides which CRL applies to which certificate.
 */
#include "snp-internal.h"

#include <openssl/x509v3.h>

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

static int verify_chain(X509 *ark, X509 *ica, X509 *leaf, time_t now, char *msg, size_t ml)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	int ret = SNP_E_USAGE;

	if (!store || !ctx || !untrusted || !X509_STORE_add_cert(store, ark) ||
	    !sk_X509_push(untrusted, ica) ||
	    !X509_STORE_CTX_init(ctx, store, leaf, untrusted)) {
		vrf_fail(msg, ml, SNP_E_USAGE, "out of memory");
		goto out;
	}
	X509_STORE_CTX_set_time(ctx, 0, now);
	/* The ARK is the only anchor: nothing from the system trust store. */
	if (X509_verify_cert(ctx) == 1) {
		if (sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) != 3)
			ret = vrf_fail(msg, ml, SNP_E_CHAIN,
				       "the signing key's certificate is not issued by the ASK/ASVK");
		else
			ret = SNP_OK;
	} else {
		int err = X509_STORE_CTX_get_error(ctx);
		int depth = X509_STORE_CTX_get_error_depth(ctx);

		ret = vrf_fail(msg, ml, map_verify_error(err), "certificate chain (depth %d): %s%s",
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

/*
 * Each CRL must be issued and signed by the ARK or by the ASK/ASVK, and
 * current; a CRL revokes the certificates its issuer signed.  AMD KDS
 * publishes one CRL per product and key type (/vcek/v1/<product>/crl,
 * /vlek/v1/<product>/crl), issued by the ARK: it lists revoked ASKs and
 * ASVKs (and would list the ARK).  A CRL issued by the ASK/ASVK, which
 * AMD does not publish today, would list VCEKs or VLEKs and is applied
 * the same way.  A CRL of another issuer (the other intermediate of the
 * same ARK, when the VCEK and the VLEK CRL share crl.pem, or another
 * product's) cannot revoke anything in this chain and is skipped.  At
 * least one ARK-issued CRL is required.
 */
static int check_crls(X509 *ark, X509 *ica, X509 *leaf, STACK_OF(X509_CRL) *crls, int required,
		      time_t now, char *msg, size_t ml)
{
	int have_ark_crl = 0, other = 0;

	for (int i = 0; i < sk_X509_CRL_num(crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(crls, i);
		const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
		const ASN1_TIME *last = X509_CRL_get0_lastUpdate(crl);
		X509 *issuer, *listed[2];
		const char *what[2];
		X509_REVOKED *rev;
		EVP_PKEY *k;
		int n;

		if (!X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ark))) {
			issuer = ark;
			listed[0] = ark;
			what[0] = "ARK";
			listed[1] = ica;
			what[1] = "ASK/ASVK";
			n = 2;
			have_ark_crl = 1;
		} else if (!X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ica))) {
			issuer = ica;
			listed[0] = leaf;
			what[0] = "VCEK/VLEK";
			n = 1;
		} else {
			other++;
			continue;
		}
		k = X509_get0_pubkey(issuer);
		if (!k || X509_CRL_verify(crl, k) != 1)
			return vrf_fail(msg, ml, SNP_E_CHAIN,
					"CRL %d of crl.pem: signature does not verify with its issuer",
					i + 1);
		if (!last || X509_cmp_time(last, &now) >= 0)
			return vrf_fail(msg, ml, SNP_E_COLLATERAL_STALE,
					"CRL %d of crl.pem is not yet valid", i + 1);
		if (!next)
			return vrf_fail(msg, ml, SNP_E_COLLATERAL_STALE,
					"CRL %d of crl.pem has no nextUpdate", i + 1);
		if (X509_cmp_time(next, &now) <= 0)
			return vrf_fail(msg, ml, SNP_E_COLLATERAL_STALE,
					"CRL %d of crl.pem is stale (nextUpdate has passed): fetch a "
					"new one", i + 1);
		for (int j = 0; j < n; j++)
			if (X509_CRL_get0_by_cert(crl, &rev, listed[j]) == 1)
				return vrf_fail(msg, ml, SNP_E_REVOKED, "the CRL revokes the %s",
						what[j]);
	}
	if (required && !have_ark_crl)
		return vrf_fail(msg, ml, SNP_E_COLLATERAL_MISSING,
				"crl.pem holds no CRL of this ARK (AMD KDS /vcek/v1/<product>/crl)%s",
				other ? "; its CRLs are other issuers' (another product's?)" : "");
	return SNP_OK;
}

int snp_chain_check(X509 *ark, X509 *ica, X509 *leaf, STACK_OF(X509_CRL) *crls, int crl_required,
		    time_t now, char *msg, size_t ml)
{
	int ret = verify_chain(ark, ica, leaf, now, msg, ml);

	if (ret || !crls)
		return ret;
	return check_crls(ark, ica, leaf, crls, crl_required, now, msg, ml);
}
