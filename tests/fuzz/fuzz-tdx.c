// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for teearray-verify-tdx's parsers of untrusted input:
 * the quote layout (and the PEM chain inside it), the PCK certificate's
 * SGX extension, Intel's signed JSON documents, and the TCB info and QE
 * identity walkers.  The first byte picks the parser.
 */
#include "tdx-internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>

static X509 *signer;
static struct tdx_quote fixed_q;
static uint8_t body[TDX_TD15_LEN], qe_report[TDX_QE_REPORT_LEN];

static void setup(void)
{
	BIO *b;

	if (signer)
		return;
	b = BIO_new_mem_buf(tdx_intel_root_pem, -1);
	signer = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	body[TD_TEE_TCB_SVN] = 6;
	body[TD_TEE_TCB_SVN + 1] = 1;
	body[TD_TEE_TCB_SVN + 2] = 3;
	fixed_q.body = body;
	fixed_q.body_len = sizeof(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[512], *text;
	struct tdx_quote q;
	struct tdx_pck_info pck;
	struct tdx_tcb_result r;
	json_object *o;

	setup();
	if (size < 1)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = 0;
	switch (data[0] % 4) {
	case 0:
		if (!tdx_quote_parse(data + 1, size - 1, &q, msg, sizeof(msg))) {
			STACK_OF(X509) *sk = tdx_pem_certs(q.pck_chain, q.pck_chain_len);

			sk_X509_pop_free(sk, X509_free);
		}
		break;
	case 1:
		(void)tdx_pck_parse(data + 1, size - 1, &pck);
		break;
	case 2:
		o = json_tokener_parse(text);
		memset(&pck, 0, sizeof(pck));
		memcpy(pck.fmspc, "\xb0\xc0\x6f\x00\x00\x00", 6);
		memset(&r, 0, sizeof(r));
		(void)tdx_tcb_match(o, &pck, &fixed_q, &r, msg, sizeof(msg));
		(void)tdx_qe_match(o, qe_report, &r, msg, sizeof(msg));
		json_object_put(o);
		break;
	default:
		if (!tdx_signed_doc_buf(text, size - 1, "fuzz", "tcbInfo", signer, 0, &o, msg,
					sizeof(msg)))
			json_object_put(o);
		break;
	}
	free(text);
	return 0;
}
