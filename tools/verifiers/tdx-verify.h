/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel TDX DCAP quote verification for teearray-verify-tdx.
 * OpenSSL does all X.509, CRL, ECDSA and SHA work; json-c parses Intel's
 * signed TCB info and QE identity.  The files split the work:
 *   tdx-quote.c       quote layout (no crypto), bounds-checked
 *   tdx-pck.c         the PCK certificate's SGX extensions (FMSPC, TCB)
 *   tdx-collateral.c  loading and authenticating the collateral directory
 *   tdx-tcb.c         TCB level, TDX module and QE identity matching
 *   tdx-policy.c      the operator's policy file and its decision
 *   tdx-verify.c      the order of the checks
 */
#ifndef TDX_VERIFY_H
#define TDX_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "verifier-util.h"

#define TDX_HEADER_LEN		48
#define TDX_TD10_LEN		584
#define TDX_TD15_LEN		648
#define TDX_QE_REPORT_LEN	384
#define TDX_MEAS_LEN		48
#define TDX_RD_LEN		64
#define TDX_MAX_QUOTE		(64 * 1024)
#define TDX_MAX_MEAS		64

/* TD report body offsets (TDX module ABI, TDREPORT_STRUCT TDINFO/TEE_TCB_INFO) */
#define TD_TEE_TCB_SVN		0
#define TD_MRSEAM		16
#define TD_MRSIGNERSEAM		64
#define TD_SEAMATTRIBUTES	112
#define TD_TDATTRIBUTES		120
#define TD_XFAM			128
#define TD_MRTD			136
#define TD_MRCONFIGID		184
#define TD_MROWNER		232
#define TD_MROWNERCONFIG	280
#define TD_RTMR0		328
#define TD_REPORTDATA		520
#define TD_TEE_TCB_SVN2		584	/* TD 1.5 only */
#define TD_MRSERVICETD		600	/* TD 1.5 only */

#define TD_ATTR_DEBUG		1ULL	/* TDATTRIBUTES bit 0 (TUD.DEBUG) */

/* Exit codes of teearray-verify-tdx; stable, documented in its man page. */
enum tdx_rc {
	TDX_OK = 0,
	TDX_E_USAGE = 1,		/* bad arguments or internal error */
	TDX_E_FORMAT = 2,		/* the quote is malformed or of an unsupported kind */
	TDX_E_COLLATERAL_MISSING = 3,	/* a collateral file is absent or unreadable */
	TDX_E_COLLATERAL_STALE = 4,	/* a certificate, CRL, TCB info or QE identity is expired/not yet valid */
	TDX_E_CHAIN = 5,		/* a certificate chain does not verify to Intel's root */
	TDX_E_REVOKED = 6,		/* a CRL revokes a certificate of a chain */
	TDX_E_SIGNATURE = 7,		/* the quote signature (attestation key) does not verify */
	TDX_E_REPORT_DATA = 8,		/* report_data differs from the argument */
	TDX_E_DEBUG = 9,		/* the TD is debuggable */
	TDX_E_TCB = 10,			/* TCB status not accepted, or no TCB level matches */
	TDX_E_MRTD = 11,		/* MRTD is not in the policy */
	TDX_E_POLICY = 12,		/* the policy file is missing or invalid */
	TDX_E_RTMR = 13,		/* an RTMR is not in the policy */
	TDX_E_QE_REPORT = 14,		/* the QE report signature (PCK) does not verify */
	TDX_E_QE_BINDING = 15,		/* QE report data do not bind the attestation key + auth data */
	TDX_E_QE_IDENTITY = 16,		/* the QE is not the one Intel's QE identity describes */
	TDX_E_COLLATERAL_INVALID = 17,	/* TCB info / QE identity malformed, badly signed or for another platform */
};

/* TCB statuses of Intel's TCB info and QE identity, as a bit set. */
enum tdx_tcb_status {
	TDX_ST_UPTODATE = 1 << 0,
	TDX_ST_SWHARDENING = 1 << 1,		/* SWHardeningNeeded */
	TDX_ST_CONFIG = 1 << 2,			/* ConfigurationNeeded */
	TDX_ST_CONFIG_SWHARDENING = 1 << 3,	/* ConfigurationAndSWHardeningNeeded */
	TDX_ST_OUTOFDATE = 1 << 4,
	TDX_ST_OUTOFDATE_CONFIG = 1 << 5,	/* OutOfDateConfigurationNeeded */
	TDX_ST_REVOKED = 1 << 6,
};

/* A parsed quote: pointers into the caller's buffer, all bounds-checked. */
struct tdx_quote {
	const uint8_t *raw;
	size_t len;
	unsigned int version;		/* 4 or 5 */
	size_t signed_len;		/* header (+ v5 body descriptor) + body */
	const uint8_t *body;		/* TD report, body_len bytes */
	size_t body_len;		/* TDX_TD10_LEN or TDX_TD15_LEN */
	const uint8_t *sig;		/* 64: r || s, big-endian */
	const uint8_t *ak;		/* 64: attestation public key x || y */
	const uint8_t *qe_report;	/* TDX_QE_REPORT_LEN: SGX report body of the QE */
	const uint8_t *qe_sig;		/* 64: signature of qe_report by the PCK key */
	const uint8_t *qe_auth;		/* QE authentication data */
	size_t qe_auth_len;
	const uint8_t *pck_chain;	/* PEM: PCK cert, its CA, the root */
	size_t pck_chain_len;
};

/* What the PCK certificate says about the platform (SGX extensions). */
struct tdx_pck_info {
	uint8_t fmspc[6];
	uint8_t pceid[2];
	uint8_t comp_svn[16];		/* SGX TCB component SVNs */
	unsigned int pcesvn;
};

struct tdx_policy {
	uint8_t mrtd[TDX_MAX_MEAS][TDX_MEAS_LEN];
	unsigned int nmrtd;
	uint8_t rtmr[4][TDX_MAX_MEAS][TDX_MEAS_LEN];
	unsigned int nrtmr[4];
	int rtmr_any[4];		/* "rtmrN any": not constrained */
	unsigned int accept_status;	/* tdx_tcb_status bits; default UpToDate only */
	long min_tcb_eval;		/* minimum tcbEvaluationDataNumber; -1: none */
};

/* The TCB outcome, for the policy decision. */
struct tdx_tcb_result {
	unsigned int platform;		/* one tdx_tcb_status bit each */
	unsigned int module;		/* 0 when the TCB info has no module identity levels */
	unsigned int qe;
	long tcb_eval;			/* tcbEvaluationDataNumber of the TCB info */
};

struct tdx_opts {
	const char *collateral;		/* the directory; see teearray-verify-tdx(8) */
	time_t now;			/* certificates, CRLs and collateral are checked at
					 * this time: time(NULL) in the program, a fixed time
					 * inside the recorded vectors' validity in the tests */
	const char *root_pem;		/* NULL: the pinned Intel SGX Root CA (always, in
					 * the program); another root only in the tests */
};

struct tdx_result {
	uint8_t mrtd[TDX_MEAS_LEN];
	uint8_t rtmr[4][TDX_MEAS_LEN];
	uint8_t digest[32];		/* SHA-256(MRTD || RTMR0..3): the measurement= line */
	struct tdx_tcb_result tcb;
	char msg[512];			/* why it failed, for stderr */
};

/* tdx-quote.c */
int tdx_quote_parse(const uint8_t *buf, size_t len, struct tdx_quote *q, char *msg, size_t msglen);

/* tdx-pck.c */
int tdx_pck_parse(const unsigned char *der_ext, size_t len, struct tdx_pck_info *out);

/* tdx-policy.c */
int tdx_policy_load(const char *path, struct tdx_policy *pol, char *msg, size_t msglen);
int tdx_policy_check(const struct tdx_quote *q, const struct tdx_tcb_result *tcb,
		     const struct tdx_policy *pol, char *msg, size_t msglen);
const char *tdx_status_name(unsigned int status_bit);
unsigned int tdx_status_parse(const char *s);	/* 0 if unknown */

/* tdx-verify.c */
int tdx_verify(const uint8_t *quote, size_t len, const uint8_t rd[TDX_RD_LEN],
	       const struct tdx_policy *pol, const struct tdx_opts *o, struct tdx_result *res);
const char *tdx_rc_name(int rc);
extern const char tdx_intel_root_pem[];

/* Exactly 2n hex digits into out; 0, or -1 for anything else. */
static inline int tdx_hex_decode(uint8_t *out, size_t n, const char *s)
{
	return vrf_hex_decode(out, n, s);
}

static inline void tdx_hex_encode(char *out, const uint8_t *p, size_t n)
{
	vrf_hex_encode(out, p, n);
}

#endif
