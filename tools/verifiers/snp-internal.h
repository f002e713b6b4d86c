/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals of the SEV-SNP verifier shared by its files, its unit test and
 * its fuzz target: the report layout, the products, the certificates.
 */
#ifndef SNP_INTERNAL_H
#define SNP_INTERNAL_H

#include "snp-verify.h"

#include <stdio.h>

#include <openssl/x509.h>

/* ATTESTATION_REPORT offsets (SEV-SNP firmware ABI specification) */
#define R_VERSION	0x000
#define R_POLICY	0x008
#define R_VMPL		0x030
#define R_SIG_ALGO	0x034
#define R_FLAGS		0x048
#define R_REPORT_DATA	0x050
#define R_MEASUREMENT	0x090
#define R_REPORTED_TCB	0x180
#define R_CPUID_FAM	0x188		/* version 3 and later */
#define R_CPUID_MOD	0x189
#define R_CPUID_STEP	0x18a
#define R_CHIP_ID	0x1a0
#define R_SIGNATURE	0x2a0

#define SNP_POLICY_DEBUG	(1ULL << 19)
#define SNP_SIG_ECDSA_P384	1

enum snp_product { SNP_PRODUCT_UNKNOWN, SNP_MILAN, SNP_GENOA, SNP_TURIN, SNP_NPRODUCTS };
enum snp_signer { SNP_SIGNER_VCEK = 0, SNP_SIGNER_VLEK = 1 };

struct snp_report {
	const uint8_t *raw;
	uint32_t version, vmpl, signer;
	uint64_t policy, reported_tcb;
	int product;			/* from CPUID_FAM/MOD_ID (version >= 3), else unknown */
	uint8_t family, model;
};

/* TCB_VERSION split into its SPLs; fmc is -1 outside Turin's layout. */
struct snp_tcb {
	int fmc, bootloader, tee, snp, microcode;
};

uint64_t snp_get_le(const uint8_t *p, int n);

/* snp-report.c */
int snp_report_parse(const uint8_t *r, size_t len, struct snp_report *rep, char *msg, size_t ml);
void snp_tcb_decode(uint64_t tcb, int product, struct snp_tcb *t);
const char *snp_product_name(int product);
size_t snp_hwid_len(int product);

/* snp-policy.c */
int snp_policy_read(FILE *f, const char *name, struct snp_policy *pol, char *msg, size_t ml);

/* snp-certs.c: files and AMD's certificate extensions */
X509 *snp_load_cert(const char *path);
STACK_OF(X509_CRL) *snp_load_crls(const char *path);
STACK_OF(X509_CRL) *snp_crls_from_buf(const uint8_t *buf, size_t n);
int snp_cert_int_ext(X509 *x, const char *oid, long *out);
int snp_cert_octets(X509 *x, const char *oid, uint8_t *out, size_t max, size_t *len);
int snp_cert_has_ext(X509 *x, const char *oid);
int snp_leaf_matches(X509 *leaf, const struct snp_report *rep, int product, char *msg, size_t ml);

/* snp-root.c: AMD's ARKs */
int snp_ark_product(X509 *ark, const uint8_t *test_sha256);

/* snp-chain.c: leaf -> ASK/ASVK -> ARK and the CRLs */
int snp_chain_check(X509 *ark, X509 *ica, X509 *leaf, STACK_OF(X509_CRL) *crls, int crl_required,
		    time_t now, char *msg, size_t ml);

#endif
