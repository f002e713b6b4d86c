// SPDX-License-Identifier: GPL-2.0
/*
 * The layout of an Intel DCAP quote for a TD (Intel TDX DCAP Quote
 * Generation Library and Quote Verification Library API, quote format
 * versions 4 and 5).  No cryptography here: this only finds the pieces,
 * and never reads outside [buf, buf + len), whatever the length fields say.
 */
#include "tdx-verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ATT_KEY_ECDSA_P256	2
#define TEE_TYPE_TDX		0x81
#define BODY_TD10		2
#define BODY_TD15		3
#define CERT_QE_REPORT		6	/* QE report certification data */
#define CERT_PCK_CHAIN		5	/* PEM: PCK leaf, intermediate, root */

/* Intel's QE vendor id, 939A7233-F79C-4CA9-940A-0DB3957F0607 */
static const uint8_t intel_qe_vendor[16] = {
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
	0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

static int qfail(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int qfail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return TDX_E_FORMAT;
}

static uint32_t le(const uint8_t *p, int n)
{
	uint32_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A cursor that refuses to move past the end. */
struct cur {
	const uint8_t *p;
	size_t left;
};

static const uint8_t *take(struct cur *c, size_t n)
{
	const uint8_t *p = c->p;

	if (n > c->left)
		return NULL;
	c->p += n;
	c->left -= n;
	return p;
}

static int take_le(struct cur *c, int n, uint32_t *v)
{
	const uint8_t *p = take(c, (size_t)n);

	if (!p)
		return -1;
	*v = le(p, n);
	return 0;
}

int tdx_quote_parse(const uint8_t *buf, size_t len, struct tdx_quote *q, char *msg, size_t ml)
{
	struct cur c = { buf, len }, sd, qe;
	uint32_t v, type, size, sdlen;
	const uint8_t *h;

	memset(q, 0, sizeof(*q));
	q->raw = buf;
	q->len = len;
	if (len > TDX_MAX_QUOTE)
		return qfail(msg, ml, "quote is %zu bytes, more than %d", len, TDX_MAX_QUOTE);
	h = take(&c, TDX_HEADER_LEN);
	if (!h)
		return qfail(msg, ml, "quote is %zu bytes, shorter than its header", len);
	q->version = le(h, 2);
	if (q->version != 4 && q->version != 5)
		return qfail(msg, ml, "quote version %u is not 4 or 5", q->version);
	if (le(h + 2, 2) != ATT_KEY_ECDSA_P256)
		return qfail(msg, ml, "attestation key type %u is not ECDSA P-256", le(h + 2, 2));
	if (le(h + 4, 4) != TEE_TYPE_TDX)
		return qfail(msg, ml, "TEE type 0x%x is not TDX (0x81)", le(h + 4, 4));
	if (memcmp(h + 12, intel_qe_vendor, 16))
		return qfail(msg, ml, "the quoting enclave is not Intel's (QE vendor id)");
	if (q->version == 4) {
		q->body_len = TDX_TD10_LEN;
	} else {
		if (take_le(&c, 2, &type) || take_le(&c, 4, &size))
			return qfail(msg, ml, "quote truncated in the body descriptor");
		if (type == BODY_TD10 && size == TDX_TD10_LEN)
			q->body_len = TDX_TD10_LEN;
		else if (type == BODY_TD15 && size == TDX_TD15_LEN)
			q->body_len = TDX_TD15_LEN;
		else
			return qfail(msg, ml, "quote body type %u size %u is not a TD 1.0 or 1.5 report",
				     type, size);
	}
	q->body = take(&c, q->body_len);
	if (!q->body)
		return qfail(msg, ml, "quote truncated in the TD report");
	q->signed_len = (size_t)(c.p - buf);

	if (take_le(&c, 4, &sdlen) || sdlen > c.left)
		return qfail(msg, ml, "quote truncated in the signature data");
	sd.p = take(&c, sdlen);
	sd.left = sdlen;
	q->sig = take(&sd, 64);
	q->ak = take(&sd, 64);
	if (!q->sig || !q->ak || take_le(&sd, 2, &type) || take_le(&sd, 4, &size))
		return qfail(msg, ml, "signature data truncated");
	if (type != CERT_QE_REPORT)
		return qfail(msg, ml, "certification data type %u is not QE report data (6)", type);
	if (size != sd.left)
		return qfail(msg, ml, "QE report certification data size %u does not fill the "
			     "signature data (%zu bytes)", size, sd.left);
	qe = sd;
	q->qe_report = take(&qe, TDX_QE_REPORT_LEN);
	q->qe_sig = take(&qe, 64);
	if (!q->qe_report || !q->qe_sig || take_le(&qe, 2, &v))
		return qfail(msg, ml, "QE report certification data truncated");
	q->qe_auth_len = v;
	q->qe_auth = take(&qe, v);
	if (!q->qe_auth || take_le(&qe, 2, &type) || take_le(&qe, 4, &size))
		return qfail(msg, ml, "QE authentication data truncated");
	if (type != CERT_PCK_CHAIN)
		return qfail(msg, ml, "PCK certification data type %u is not a PCK chain (5)", type);
	if (size != qe.left || size == 0)
		return qfail(msg, ml, "PCK chain size %u does not match the %zu bytes left", size,
			     qe.left);
	q->pck_chain = qe.p;
	q->pck_chain_len = size;
	/* Quotes read from configfs-tsm may carry zero padding after the signature data. */
	for (size_t i = 0; i < c.left; i++)
		if (c.p[i])
			return qfail(msg, ml, "%zu unexpected bytes after the signature data", c.left);
	return TDX_OK;
}
