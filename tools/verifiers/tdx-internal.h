/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Interfaces between the files of the TDX verifier that need OpenSSL or
 * json-c types; tdx-verify.h is the part the program and the tests use.
 */
#ifndef TDX_INTERNAL_H
#define TDX_INTERNAL_H

#include "tdx-verify.h"

#include <json-c/json.h>
#include <openssl/x509.h>

/* tdx-collateral.c */
STACK_OF(X509) *tdx_pem_certs(const uint8_t *pem, size_t len);
STACK_OF(X509) *tdx_load_chain(const char *path);
X509_CRL *tdx_load_crl(const char *path);
int tdx_ecdsa_p256_ok(EVP_PKEY *k, const uint8_t sig[64], const void *data, size_t len);
int tdx_parse_time(const char *s, time_t *out);
int tdx_signed_doc(const char *path, const char *key, X509 *signer, time_t now,
		   json_object **body, char *msg, size_t ml);
int tdx_signed_doc_buf(const char *buf, size_t len, const char *path, const char *key,
		       X509 *signer, time_t now, json_object **body, char *msg, size_t ml);

/* tdx-tcb.c */
int tdx_tcb_match(json_object *tcbinfo, const struct tdx_pck_info *pck,
		  const struct tdx_quote *q, struct tdx_tcb_result *r, char *msg, size_t ml);
int tdx_qe_match(json_object *qeid, const uint8_t *qe_report, struct tdx_tcb_result *r,
		 char *msg, size_t ml);

#endif
