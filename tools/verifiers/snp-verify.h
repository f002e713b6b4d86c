/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SEV-SNP attestation report verification for teearray-verify-snp.
 * All X.509, CRL and ECDSA work is done by OpenSSL.
 */
#ifndef SNP_VERIFY_H
#define SNP_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "verifier-util.h"

#define SNP_REPORT_LEN		1184
#define SNP_SIGNED_LEN		0x2a0
#define SNP_MEAS_LEN		48
#define SNP_RD_LEN		64
#define SNP_MAX_MEAS		64

/* Exit codes of teearray-verify-snp; stable, documented in its man page. */
enum snp_rc {
	SNP_OK = 0,
	SNP_E_USAGE = 1,		/* bad arguments or internal error */
	SNP_E_FORMAT = 2,		/* the report is malformed */
	SNP_E_COLLATERAL_MISSING = 3,	/* a collateral file is absent or unreadable */
	SNP_E_COLLATERAL_STALE = 4,	/* a certificate or a CRL is expired or not yet valid */
	SNP_E_CHAIN = 5,		/* VCEK/VLEK -> ASK/ASVK -> ARK does not verify, or does
					 * not match the report, or the ARK is not AMD's */
	SNP_E_REVOKED = 6,		/* a CRL revokes a certificate of the chain */
	SNP_E_SIGNATURE = 7,		/* the report signature does not verify */
	SNP_E_REPORT_DATA = 8,		/* report_data differs from the argument */
	SNP_E_DEBUG = 9,		/* the guest policy allows debugging */
	SNP_E_TCB = 10,			/* the reported TCB is below the policy minimum */
	SNP_E_MEASUREMENT = 11,		/* the launch measurement is not in the allow-list */
	SNP_E_POLICY = 12,		/* the policy file is missing or invalid */
	SNP_E_VMPL = 13,		/* the report comes from a VMPL above the policy maximum */
	SNP_E_PRODUCT = 14,		/* the report's processor is not a supported product
					 * (Milan, Genoa, Turin), or the collateral is for
					 * another product */
};

struct snp_policy {
	uint8_t meas[SNP_MAX_MEAS][SNP_MEAS_LEN];
	unsigned int nmeas;
	/* minimum TCB components; -1: not constrained */
	int min_bootloader, min_tee, min_snp, min_microcode;
	int min_fmc;			/* Turin only; -1: not set (Turin reports refused) */
	int max_vmpl;			/* -1: any */
};

struct snp_opts {
	const char *collateral;		/* directory: ark.pem ask.pem asvk.pem crl.pem vcek/ vlek/ */
	int crl_required;		/* always 1 in the program; 0 only in unit tests */
	time_t now;			/* the time certificates and CRLs are checked at:
					 * time(NULL) in the program; a fixed time inside the
					 * recorded vectors' validity in the tests */
	const uint8_t *test_ark_sha256;	/* tests only: accept this ARK (SHA-256 of its DER,
					 * product from its CN) besides AMD's pinned ones;
					 * NULL in the installed program */
};

struct snp_result {
	uint8_t measurement[SNP_MEAS_LEN];
	uint8_t digest[32];		/* SHA-256 of measurement: the measurement= line */
	const char *product;		/* "Milan", "Genoa", "Turin" once known */
	const char *signer;		/* "vcek" or "vlek" once known */
	char msg[256];			/* why it failed, for stderr */
};

int snp_policy_load(const char *path, struct snp_policy *pol, char *msg, size_t msglen);
int snp_verify(const uint8_t *report, size_t len, const uint8_t rd[SNP_RD_LEN],
	       const struct snp_policy *pol, const struct snp_opts *o, struct snp_result *res);
const char *snp_rc_name(int rc);

/* Exactly 2n hex digits into out; 0, or -1 for anything else. */
static inline int snp_hex_decode(uint8_t *out, size_t n, const char *s)
{
	return vrf_hex_decode(out, n, s);
}

#endif
