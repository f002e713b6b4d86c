// SPDX-License-Identifier: GPL-2.0
/*
 * Loading the collateral directory: PEM certificate chains, CRLs, and
 * Intel's signed JSON documents (TCB info, QE identity) exactly as the
 * Provisioning Certification Service returns them:
 *
 *   {"tcbInfo":{...},"signature":"<r || s, 128 hex digits>"}
 *
 * The signature covers the bytes of the first member's value as they are
 * in the file, so we locate that span in the raw text, check the signature
 * over it, and then interpret only that span (never a re-serialisation or
 * a later duplicate key).
 */
#include "tdx-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#define MAX_DOC (1024 * 1024)

STACK_OF(X509) *tdx_pem_certs(const uint8_t *pem, size_t len)
{
	STACK_OF(X509) *sk;
	BIO *b;
	X509 *x;

	if (len > MAX_DOC)
		return NULL;
	b = BIO_new_mem_buf(pem, (int)len);
	sk = sk_X509_new_null();
	if (!b || !sk)
		goto bad;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		if (!sk_X509_push(sk, x)) {
			X509_free(x);
			goto bad;
		}
	ERR_clear_error();	/* the end of the input */
	BIO_free(b);
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
bad:
	BIO_free(b);
	sk_X509_pop_free(sk, X509_free);
	return NULL;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(MAX_DOC + 1);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, MAX_DOC + 1, f);
	fclose(f);
	if (n == 0 || n > MAX_DOC) {
		free(buf);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

STACK_OF(X509) *tdx_load_chain(const char *path)
{
	size_t len;
	char *buf = slurp(path, &len);
	STACK_OF(X509) *sk;

	if (!buf)
		return NULL;
	sk = tdx_pem_certs((const uint8_t *)buf, len);
	free(buf);
	return sk;
}

/* Intel serves CRLs as DER (encoding=der) or PEM: take either. */
X509_CRL *tdx_load_crl(const char *path)
{
	size_t len;
	char *buf = slurp(path, &len);
	const unsigned char *p = (const unsigned char *)buf;
	X509_CRL *c = NULL;
	BIO *b;

	if (!buf)
		return NULL;
	b = BIO_new_mem_buf(buf, (int)len);
	if (b)
		c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!c) {
		ERR_clear_error();
		c = d2i_X509_CRL(NULL, &p, (long)len);
	}
	free(buf);
	return c;
}

/* "2025-06-19T10:16:03Z" (the only form Intel uses) into a time_t. */
int tdx_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	int n = 0;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 20)
		return -1;
	if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return *out == (time_t)-1 ? -1 : 0;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* The raw span of the value of the document's first member, which must be key. */
static json_object *first_member(const char *buf, size_t len, const char *key,
				 const char **span, size_t *spanlen)
{
	const char *p = buf, *end = buf + len;
	size_t kl = strlen(key);
	json_tokener *tok;
	json_object *o;

	p = skip_ws(p, end);
	if (p == end || *p++ != '{')
		return NULL;
	p = skip_ws(p, end);
	if ((size_t)(end - p) < kl + 2 || p[0] != '"' || memcmp(p + 1, key, kl) || p[kl + 1] != '"')
		return NULL;
	p = skip_ws(p + kl + 2, end);
	if (p == end || *p++ != ':')
		return NULL;
	p = skip_ws(p, end);
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, p, (int)(end - p));
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		json_tokener_free(tok);
		return NULL;
	}
	*span = p;
	*spanlen = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	return o;
}

/* ECDSA P-256 over SHA-256; sig is r || s, 32 bytes each, big-endian. */
int tdx_ecdsa_p256_ok(EVP_PKEY *k, const uint8_t sig[64], const void *data, size_t len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *sv = BN_bin2bn(sig + 32, 32, NULL);
	unsigned char *der = NULL;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int derlen, ok = 0;

	if (!s || !r || !sv || !md || !ECDSA_SIG_set0(s, r, sv)) {
		BN_free(r);
		BN_free(sv);
		goto out;
	}
	derlen = i2d_ECDSA_SIG(s, &der);
	if (derlen > 0 && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
	    EVP_DigestVerify(md, der, (size_t)derlen, data, len) == 1)
		ok = 1;
out:
	ERR_clear_error();
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	EVP_MD_CTX_free(md);
	return ok;
}

static const char *str_member(json_object *o, const char *k)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * Reads a signed document from path, checks its signature with signer's
 * key and its issueDate/nextUpdate at now; *body is the signed object.
 */
int tdx_signed_doc(const char *path, const char *key, X509 *signer, time_t now,
		   json_object **body, char *msg, size_t ml)
{
	size_t len;
	char *buf;
	int ret;

	*body = NULL;
	errno = 0;
	buf = slurp(path, &len);
	if (!buf)
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_MISSING, "missing or unreadable %s%s%s", path,
				errno ? ": " : "", errno ? strerror(errno) : "");
	ret = tdx_signed_doc_buf(buf, len, path, key, signer, now, body, msg, ml);
	free(buf);
	return ret;
}

/* The same on a NUL-terminated buffer (path only names it in messages). */
int tdx_signed_doc_buf(const char *buf, size_t len, const char *path, const char *key,
		       X509 *signer, time_t now, json_object **body, char *msg, size_t ml)
{
	const char *span = NULL, *sighex, *s;
	size_t spanlen = 0;
	json_tokener *tok = NULL;
	json_object *doc = NULL, *o = NULL;
	uint8_t sig[64];
	time_t issue, next;
	int ret;

	*body = NULL;
	if (len > MAX_DOC)
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID, "%s is too large", path);
	tok = json_tokener_new();
	if (tok)
		doc = json_tokener_parse_ex(tok, buf, (int)len);
	if (!doc || json_tokener_get_error(tok) != json_tokener_success ||
	    skip_ws(buf + json_tokener_get_parse_end(tok), buf + len) != buf + len ||
	    !json_object_is_type(doc, json_type_object)) {
		ret = vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID, "%s is not a JSON object", path);
		goto out;
	}
	sighex = str_member(doc, "signature");
	o = first_member(buf, len, key, &span, &spanlen);
	if (!o || !sighex || vrf_hex_decode(sig, 64, sighex)) {
		ret = vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID,
			       "%s is not {\"%s\":{...},\"signature\":\"<128 hex digits>\"} as Intel "
			       "PCS serves it", path, key);
		goto out;
	}
	if (!tdx_ecdsa_p256_ok(X509_get0_pubkey(signer), sig, span, spanlen)) {
		ret = vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID,
			       "%s: the signature does not verify with the TCB signing certificate",
			       path);
		goto out;
	}
	s = str_member(o, "issueDate");
	if (!s || tdx_parse_time(s, &issue) ||
	    !(s = str_member(o, "nextUpdate")) || tdx_parse_time(s, &next)) {
		ret = vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID, "%s: no valid issueDate/nextUpdate",
			       path);
		goto out;
	}
	if (now < issue) {
		ret = vrf_fail(msg, ml, TDX_E_COLLATERAL_STALE, "%s is not valid yet (issueDate %s)",
			       path, str_member(o, "issueDate"));
		goto out;
	}
	if (now >= next) {
		ret = vrf_fail(msg, ml, TDX_E_COLLATERAL_STALE,
			       "%s is stale (nextUpdate %s has passed): fetch it again from Intel PCS",
			       path, s);
		goto out;
	}
	*body = o;
	o = NULL;
	ret = TDX_OK;
out:
	json_object_put(o);
	json_object_put(doc);
	json_tokener_free(tok);
	return ret;
}
