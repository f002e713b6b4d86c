// SPDX-License-Identifier: GPL-2.0
/*
 * SEV-SNP attestation report verification: the order of the checks, the
 * report signature and the policy.  The report layout is in snp-report.c,
 * the certificates in snp-certs.c, snp-chain.c and snp-root.c; OpenSSL
 * does the certificate chain, validity, CRL and ECDSA checks.
 */
#include "snp-internal.h"

#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

static const char *const rc_names[] = {
	"ok", "usage", "malformed-report", "collateral-missing", "collateral-stale",
	"chain-invalid", "revoked", "bad-signature", "report-data-mismatch",
	"debug-allowed", "tcb-too-old", "measurement-not-allowed", "policy-invalid",
	"vmpl-not-allowed", "product-mismatch",
};

const char *snp_rc_name(int rc)
{
	if (rc < 0 || (size_t)rc >= sizeof(rc_names) / sizeof(rc_names[0]))
		return "unknown";
	return rc_names[rc];
}

uint64_t snp_get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* ECDSA P-384 over SHA-384 of bytes 0..0x29f; r and s are 72-byte little-endian. */
static int check_signature(const uint8_t *r, X509 *leaf, const char *key, char *msg, size_t len)
{
	uint8_t be[72], *der = NULL;
	EVP_PKEY *k = X509_get0_pubkey(leaf);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *bn[2] = { NULL, NULL };
	EVP_MD_CTX *md = NULL;
	int derlen, ret = SNP_E_SIGNATURE;
	char group[32] = "";
	size_t glen;

	if (!k || EVP_PKEY_get_base_id(k) != EVP_PKEY_EC ||
	    !EVP_PKEY_get_group_name(k, group, sizeof(group), &glen) ||
	    strcmp(group, "secp384r1")) {
		ret = vrf_fail(msg, len, SNP_E_CHAIN, "the %s's key is not ECDSA P-384", key);
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
		ret = vrf_fail(msg, len, SNP_E_SIGNATURE, "report signature does not verify with the %s",
			       key);
	goto out;
oom:
	ret = vrf_fail(msg, len, SNP_E_USAGE, "out of memory");
out:
	BN_free(bn[0]);
	BN_free(bn[1]);
	ECDSA_SIG_free(sig);
	OPENSSL_free(der);
	EVP_MD_CTX_free(md);
	return ret;
}

static int check_policy(const struct snp_report *rep, int product, const uint8_t rd[SNP_RD_LEN],
			const struct snp_policy *pol, char *msg, size_t ml)
{
	const uint8_t *r = rep->raw;
	struct snp_tcb t;
	unsigned int i;

	if (memcmp(r + R_REPORT_DATA, rd, SNP_RD_LEN))
		return vrf_fail(msg, ml, SNP_E_REPORT_DATA,
				"report_data differs from the expected value");
	if (rep->policy & SNP_POLICY_DEBUG)
		return vrf_fail(msg, ml, SNP_E_DEBUG, "the guest policy allows debugging (0x%llx)",
				(unsigned long long)rep->policy);
	if (pol->max_vmpl >= 0 && rep->vmpl > (uint32_t)pol->max_vmpl)
		return vrf_fail(msg, ml, SNP_E_VMPL, "report from VMPL %u, policy allows up to %d",
				rep->vmpl, pol->max_vmpl);
	snp_tcb_decode(rep->reported_tcb, product, &t);
	if (t.fmc >= 0 && pol->min_fmc < 0)
		return vrf_fail(msg, ml, SNP_E_POLICY,
				"the report is from Turin and the policy's min-tcb sets no fmc");
	{
		const int have[5] = { t.fmc, t.bootloader, t.tee, t.snp, t.microcode };
		const int min[5] = { pol->min_fmc, pol->min_bootloader, pol->min_tee, pol->min_snp,
				     pol->min_microcode };
		static const char *const name[5] = { "fmc", "bootloader", "tee", "snp",
						     "microcode" };

		for (i = 0; i < 5; i++)
			if (have[i] >= 0 && have[i] < min[i])
				return vrf_fail(msg, ml, SNP_E_TCB,
						"reported TCB %s SPL %d is below the minimum %d",
						name[i], have[i], min[i]);
	}
	for (i = 0; i < pol->nmeas; i++)
		if (!memcmp(pol->meas[i], r + R_MEASUREMENT, SNP_MEAS_LEN))
			return SNP_OK;
	{
		char mh[2 * SNP_MEAS_LEN + 1];

		vrf_hex_encode(mh, r + R_MEASUREMENT, SNP_MEAS_LEN);
		return vrf_fail(msg, ml, SNP_E_MEASUREMENT, "launch measurement %s is not allowed",
				mh);
	}
}

static X509 *load(const char *dir, const char *name, const char *what, int *ret, char *msg,
		  size_t ml)
{
	char path[4096];
	X509 *x;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	x = snp_load_cert(path);
	if (!x)
		*ret = vrf_fail(msg, ml, SNP_E_COLLATERAL_MISSING, "missing or unreadable %s%s", path,
				what);
	return x;
}

int snp_verify(const uint8_t *r, size_t rlen, const uint8_t rd[SNP_RD_LEN],
	       const struct snp_policy *pol, const struct snp_opts *o, struct snp_result *res)
{
	char path[4096], name[200], chiphex[129], *msg = res->msg;
	size_t ml = sizeof(res->msg);
	const char *key;
	struct snp_report rep;
	X509 *ark = NULL, *ica = NULL, *leaf = NULL;
	STACK_OF(X509_CRL) *crls = NULL;
	int ret, product;

	memset(res->measurement, 0, sizeof(res->measurement));
	res->msg[0] = 0;
	res->product = res->signer = NULL;

	/* 1. format */
	ret = snp_report_parse(r, rlen, &rep, msg, ml);
	if (ret)
		return ret;
	key = rep.signer == SNP_SIGNER_VLEK ? "VLEK" : "VCEK";
	res->signer = rep.signer == SNP_SIGNER_VLEK ? "vlek" : "vcek";

	/* 2. collateral: AMD's ARK for the report's product */
	ark = load(o->collateral, "ark.pem", "", &ret, msg, ml);
	if (!ark)
		goto out;
	product = snp_ark_product(ark, o->test_ark_sha256);
	if (product == SNP_PRODUCT_UNKNOWN) {
		ret = vrf_fail(msg, ml, SNP_E_CHAIN,
			       "%s/ark.pem is not AMD's ARK for Milan, Genoa or Turin", o->collateral);
		goto out;
	}
	if (rep.product != SNP_PRODUCT_UNKNOWN && rep.product != product) {
		ret = vrf_fail(msg, ml, SNP_E_PRODUCT,
			       "the report is from a %s processor, the collateral (ark.pem) is %s's",
			       snp_product_name(rep.product), snp_product_name(product));
		goto out;
	}
	if (rep.version == 2 && product == SNP_TURIN) {
		ret = vrf_fail(msg, ml, SNP_E_PRODUCT,
			       "a version 2 report with Turin collateral (Turin writes version 3+)");
		goto out;
	}
	res->product = snp_product_name(product);
	vrf_hex_encode(chiphex, r + R_CHIP_ID, 64);
	if (rep.signer == SNP_SIGNER_VLEK) {
		ica = load(o->collateral, "asvk.pem", " (AMD's ASVK, for VLEK-signed reports)",
			   &ret, msg, ml);
		snprintf(name, sizeof(name), "vlek/%016llx.der",
			 (unsigned long long)rep.reported_tcb);
		if (ica)
			leaf = load(o->collateral, name, " (the VLEK for this reported TCB)", &ret,
				    msg, ml);
	} else {
		ica = load(o->collateral, "ask.pem", "", &ret, msg, ml);
		snprintf(name, sizeof(name), "vcek/%s-%016llx.der", chiphex,
			 (unsigned long long)rep.reported_tcb);
		if (ica)
			leaf = load(o->collateral, name, " (the VCEK for this chip and TCB)", &ret,
				    msg, ml);
	}
	if (!leaf)
		goto out;
	if (o->crl_required) {
		snprintf(path, sizeof(path), "%s/crl.pem", o->collateral);
		crls = snp_load_crls(path);
		if (!crls) {
			ret = vrf_fail(msg, ml, SNP_E_COLLATERAL_MISSING, "missing or unreadable %s",
				       path);
			goto out;
		}
	}

	/* 3. chain leaf -> ASK/ASVK -> ARK, validity times, CRLs */
	ret = snp_chain_check(ark, ica, leaf, crls, o->crl_required, o->now, msg, ml);
	if (ret)
		goto out;

	/* 4. the VCEK is this chip's (the VLEK a CSP's) at this TCB */
	ret = snp_leaf_matches(leaf, &rep, product, msg, ml);
	if (ret)
		goto out;

	/* 5. signature */
	ret = check_signature(r, leaf, key, msg, ml);
	if (ret)
		goto out;

	/* 6. binding and policy (the report is now known to be genuine) */
	ret = check_policy(&rep, product, rd, pol, msg, ml);
	if (ret)
		goto out;
	memcpy(res->measurement, r + R_MEASUREMENT, SNP_MEAS_LEN);
	SHA256(res->measurement, SNP_MEAS_LEN, res->digest);
out:
	X509_free(ark);
	X509_free(ica);
	X509_free(leaf);
	sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return ret;
}
