// SPDX-License-Identifier: GPL-2.0
/*
 * teearray-verify-tdx: real DCAP quotes (a v4 quote with a TD 1.0 report
 * and a v5 quote with a TD 1.5 report) with Intel's real collateral, from
 * dcap-qvl's samples (see vectors/README.md), checked at fixed times under
 * the pinned Intel root; and the same real quotes re-certified by a test
 * root made here with OpenSSL, for what Intel's collateral cannot express
 * (CRLs we sign, revoked and expired certificates, out-of-date TCB levels).
 * Re-certifying keeps the real PCK key, so the real QE report signature,
 * QE binding and quote signature are still what is checked.  Run from the
 * top of the tree.
 */
#include "tdx-verify.h"
#include "../unit/tap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define VEC "tests/verifiers/vectors/"
#define COLL4 VEC "tdx-collateral-v4"
#define COLL5 VEC "tdx-collateral-v5"
/*
 * The recorded vectors are checked at fixed times inside their collateral's
 * validity, so the tests never expire: v4 2025-07-01T00:00:00Z (TCB info,
 * QE identity and PCK CRL issued 2025-06-19, next update 2025-07-19), v5
 * 2026-03-01T00:00:00Z (issued 2026-02-18, next update 2026-03-20).
 */
#define V4_NOW ((time_t)1751328000)
#define V5_NOW ((time_t)1772323200)
#define V4_RD "9a9d48e7f6799642d3d1b34e1e5e1742d4bb02dd6ddd551862c1211d35c304f9" \
	      "eca3efdbb481601c163cf52493d6e44aed55d51ec39b7e518fadb92c2b523f20"
#define V5_RD "d2142b643598eb5fae2bc8529dd79a558b29f868ccbb6531cb28dab9dce47728" \
	      "0000000000000000000000000000000000000000000000000000000000000000"
#define V4_MRTD "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407" \
		"de03ae6dc5f87f27428b2538873118b7"
#define V4_RTMR0 "44c0197b39157fdd7a4dcc44767f9d6b0bb3977c7a8e347b8492f827fe9d9e5c" \
		 "48aca29b220b80b6a540cf994b9bc9c0"
#define V4_RTMR1 "0084452c01668329d4bc06acdf58a7205c26743304509973949e5619bf81a6a7" \
		 "aea8c323c173019b3093d54e579e9378"
#define V4_RTMR2 "d833feef2cd945148aa38ead2c53e9b7f138190aaaebfc551dccd829fc207aa3" \
		 "ba80b70870d7330733642e01d48c3132"
#define V5_MRTD "273828c46252fcbdd8ad2dd907130222b03466d52a2911d70c1a5950895d6bd1" \
		"ae451d382d5a9b1b4c0ed0e5ae9a3dbd"
#define V4_POLICY "mrtd " V4_MRTD "\nrtmr0 " V4_RTMR0 "\nrtmr1 " V4_RTMR1 "\nrtmr2 " V4_RTMR2 \
		  "\nrtmr3 any\n"
#define V5_POLICY "mrtd " V5_MRTD "\nrtmr0 any\nrtmr1 any\nrtmr2 any\nrtmr3 any\n"
/* Intel's published SHA-256 fingerprint of the Intel SGX Root CA certificate */
#define INTEL_ROOT_SHA256 "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3"

static char tmpdir[] = "/tmp/tdx-test-XXXXXX";

static uint8_t *read_all(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(1 << 20);

	if (!f || !buf)
		abort();
	*n = fread(buf, 1, (1 << 20) - 1, f);
	buf[*n] = 0;
	fclose(f);
	return buf;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static void put(const char *dir, const char *name, const void *p, size_t n)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_file(path, p, n);
}

static void copy_dir(const char *from, const char *to)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s && cp %s/* %s/", to, to, from, to);
	if (system(cmd))
		abort();
}

static int load_policy_text(const char *text, struct tdx_policy *pol)
{
	char path[300], msg[512];

	snprintf(path, sizeof(path), "%s/p.tmp", tmpdir);
	write_file(path, text, strlen(text));
	return tdx_policy_load(path, pol, msg, sizeof(msg));
}

/* Runs the sanitizer build of the program; returns its exit code. */
static int run_prog(const char *opts, const char *coll, const char *pol, const char *rd,
		    const char *file, char *out, size_t outlen)
{
	char cmd[2048];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd),
		 "build/test/teearray-verify-tdx-san %s --collateral %s --policy %s tdx_guest %s %s "
		 "2>/dev/null", opts, coll, pol, rd, file);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, outlen - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- the test root and what it re-certifies -------------------------------- */

static EVP_PKEY *root_key, *ca_key, *tcbs_key, *other_key;
static X509 *root, *ca, *tcbs;
static char root_pem[8192];

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, long serial,
		       long from, long to, int is_ca)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	X509_set_pubkey(x, key);
	if (is_ca) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
							"critical,CA:TRUE");

		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		e = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	if (!X509_sign(x, ikey, EVP_sha256()))
		abort();
	X509_NAME_free(n);
	return x;
}

static void pem_append(char *buf, size_t len, X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (!b || !PEM_write_bio_X509(b, x))
		abort();
	n = BIO_get_mem_data(b, &p);
	if (strlen(buf) + (size_t)n + 1 > len)
		abort();
	strncat(buf, p, (size_t)n);
	BIO_free(b);
}

/* The real PCK certificate (real key, real SGX extensions) issued by our CA. */
static X509 *reissue_pck(X509 *real, long serial, long from, long to)
{
	X509 *x = X509_dup(real);
	int i;

	X509_set_issuer_name(x, X509_get_subject_name(ca));
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), from);
	X509_gmtime_adj(X509_getm_notAfter(x), to);
	/* Intel's authority key id would name Intel's CA */
	i = X509_get_ext_by_NID(x, NID_authority_key_identifier, -1);
	if (i >= 0)
		X509_EXTENSION_free(X509_delete_ext(x, i));
	if (!X509_sign(x, ca_key, EVP_sha256()))
		abort();
	return x;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The quote with its PEM chain replaced by pem: three size fields change. */
static size_t rechain(const uint8_t *in, size_t len, const char *pem, uint8_t *out)
{
	struct tdx_quote q;
	char msg[256];
	size_t pre, plen = strlen(pem);
	long delta;
	uint8_t *f[3];

	if (tdx_quote_parse(in, len, &q, msg, sizeof(msg)))
		abort();
	pre = (size_t)(q.pck_chain - in);
	delta = (long)plen - (long)q.pck_chain_len;
	memcpy(out, in, pre);
	memcpy(out + pre, pem, plen);
	f[0] = out + (q.sig - in) - 4;		/* signature data length */
	f[1] = out + (q.qe_report - in) - 4;	/* QE report certification data size */
	f[2] = out + pre - 4;			/* PCK chain size */
	for (int i = 0; i < 3; i++)
		put_le32(f[i], (uint32_t)((long)get_le32(f[i]) + delta));
	return pre + plen;
}

static void fmt_time(char out[21], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* s with the first (or every) from after the first 'after' replaced by to. */
static char *replace(const char *s, const char *after, const char *from, const char *to, int all)
{
	size_t fl = strlen(from), tl = strlen(to);
	char *out = malloc(strlen(s) * 2 + 64), *o = out;
	const char *p = after ? strstr(s, after) : s;

	if (!out || !p)
		abort();
	memcpy(o, s, (size_t)(p - s));
	o += p - s;
	for (int done = 0; *p;) {
		if ((all || !done) && !strncmp(p, from, fl)) {
			memcpy(o, to, tl);
			o += tl;
			p += fl;
			done = 1;
		} else {
			*o++ = *p++;
		}
	}
	*o = 0;
	return out;
}

/* The signed member of a PCS document, as text. */
static char *signed_span(const char *doc, const char *key)
{
	char pre[64];
	const char *b, *e;
	char *out;

	snprintf(pre, sizeof(pre), "{\"%s\":", key);
	b = strstr(doc, pre);
	e = strstr(doc, ",\"signature\":\"");
	if (!b || !e)
		abort();
	b += strlen(pre);
	out = strndup(b, (size_t)(e - b));
	return out;
}

/* {"key":span,"signature":"<r||s by k>"} into dir/name. */
static void put_signed(const char *dir, const char *name, const char *key, const char *span,
		       EVP_PKEY *k)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[128], rs[64];
	const unsigned char *p = der;
	size_t dl = sizeof(der);
	const BIGNUM *r, *s;
	ECDSA_SIG *es;
	char hex[129], *doc;
	size_t n = strlen(span) + 256;

	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) != 1 ||
	    EVP_DigestSign(md, der, &dl, (const uint8_t *)span, strlen(span)) != 1)
		abort();
	es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
	ECDSA_SIG_get0(es, &r, &s);
	BN_bn2binpad(r, rs, 32);
	BN_bn2binpad(s, rs + 32, 32);
	tdx_hex_encode(hex, rs, 64);
	doc = malloc(n);
	snprintf(doc, n, "{\"%s\":%s,\"signature\":\"%s\"}", key, span, hex);
	put(dir, name, doc, strlen(doc));
	free(doc);
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
}

static void put_crl(const char *dir, const char *name, X509 *issuer, EVP_PKEY *key, long last,
		    long next, long revoked)
{
	X509_CRL *c = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	unsigned char *der = NULL;
	int n;

	X509_CRL_set_version(c, 1);
	X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer));
	X509_gmtime_adj(t, last);
	X509_CRL_set1_lastUpdate(c, t);
	X509_gmtime_adj(t, next);
	X509_CRL_set1_nextUpdate(c, t);
	if (revoked) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();

		ASN1_INTEGER_set(s, revoked);
		X509_REVOKED_set_serialNumber(r, s);
		X509_gmtime_adj(t, last);
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(c, r);
		ASN1_INTEGER_free(s);
	}
	X509_CRL_sort(c);
	if (!X509_CRL_sign(c, key, EVP_sha256()))
		abort();
	n = i2d_X509_CRL(c, &der);
	put(dir, name, der, (size_t)n);
	OPENSSL_free(der);
	ASN1_TIME_free(t);
	X509_CRL_free(c);
}

/* What a re-certified collateral directory looks like; 0 = the default. */
struct syn {
	long root_crl_next, pck_crl_next;	/* seconds from now; default a week */
	long root_revokes, pck_revokes;		/* serial on the CRL */
	long pck_to;				/* PCK notAfter from now; default 30 days */
	long tcb_next, qe_next;			/* nextUpdate from now; default a week */
	int platform_outofdate, qe_outofdate, lower_seamldr;
	EVP_PKEY *pck_crl_key;			/* default ca_key */
};

#define PCK_SERIAL 77
#define CA_SERIAL 2
#define TCBS_SERIAL 3

/*
 * dir: root-ca-crl, PCK CRL, TCB signing chain, the real TCB info and QE
 * identity re-dated around now and re-signed; qout: the real quote from
 * 'quote' with its PCK re-issued by our CA.
 */
static size_t syn_build(const char *dir, const char *coll, const char *fmspc, const uint8_t *quote,
			size_t qlen, const struct syn *s, uint8_t *qout)
{
	static char chain[16384];
	char path[512], name[64], issue[21], next[21], *doc, *span, *t1, *t2;
	struct tdx_quote q;
	BIO *b;
	X509 *real, *pck;
	size_t n, ql;
	time_t now = time(NULL);

	mkdir(dir, 0700);
	/* quote */
	if (tdx_quote_parse(quote, qlen, &q, path, sizeof(path)))
		abort();
	b = BIO_new_mem_buf(q.pck_chain, (int)q.pck_chain_len);
	real = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	pck = reissue_pck(real, PCK_SERIAL, -86400, s->pck_to ? s->pck_to : 86400 * 30);
	chain[0] = 0;
	pem_append(chain, sizeof(chain), pck);
	pem_append(chain, sizeof(chain), ca);
	pem_append(chain, sizeof(chain), root);
	ql = rechain(quote, qlen, chain, qout);
	X509_free(real);
	X509_free(pck);

	/* CRLs and the TCB signing chain */
	put_crl(dir, "root-ca-crl.der", root, root_key, -3600,
		s->root_crl_next ? s->root_crl_next : 86400 * 7, s->root_revokes);
	put_crl(dir, "pckcrl-platform.der", ca, s->pck_crl_key ? s->pck_crl_key : ca_key, -3600,
		s->pck_crl_next ? s->pck_crl_next : 86400 * 7, s->pck_revokes);
	chain[0] = 0;
	pem_append(chain, sizeof(chain), tcbs);
	pem_append(chain, sizeof(chain), root);
	put(dir, "tcb-signing-chain.pem", chain, strlen(chain));

	/* Intel's TCB info and QE identity, re-dated and re-signed */
	fmt_time(issue, now - 3600);
	fmt_time(next, now + (s->tcb_next ? s->tcb_next : 86400 * 7));
	snprintf(path, sizeof(path), "%s/tcb-info-%s.json", coll, fmspc);
	doc = (char *)read_all(path, &n);
	span = signed_span(doc, "tcbInfo");
	memcpy(strstr(span, "\"issueDate\":\"") + 13, issue, 20);
	memcpy(strstr(span, "\"nextUpdate\":\"") + 14, next, 20);
	t1 = replace(span, NULL, "{\"svn\":5,\"category\":\"OS/VMM\",\"type\":\"SEAMLDR ACM\"}",
		     s->lower_seamldr ? "{\"svn\":3,\"category\":\"OS/VMM\",\"type\":\"SEAMLDR ACM\"}" :
		     "{\"svn\":5,\"category\":\"OS/VMM\",\"type\":\"SEAMLDR ACM\"}", 1);
	t2 = replace(t1, "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\"", "\"tcbStatus\":\"UpToDate\"",
		     s->platform_outofdate ? "\"tcbStatus\":\"OutOfDate\"" :
		     "\"tcbStatus\":\"UpToDate\"", 0);
	snprintf(name, sizeof(name), "tcb-info-%s.json", fmspc);
	put_signed(dir, name, "tcbInfo", t2, tcbs_key);
	free(doc);
	free(span);
	free(t1);
	free(t2);
	fmt_time(next, now + (s->qe_next ? s->qe_next : 86400 * 7));
	snprintf(path, sizeof(path), "%s/qe-identity.json", coll);
	doc = (char *)read_all(path, &n);
	span = signed_span(doc, "enclaveIdentity");
	memcpy(strstr(span, "\"issueDate\":\"") + 13, issue, 20);
	memcpy(strstr(span, "\"nextUpdate\":\"") + 14, next, 20);
	t1 = replace(span, NULL, "\"tcbStatus\":\"UpToDate\"",
		     s->qe_outofdate ? "\"tcbStatus\":\"OutOfDate\"" : "\"tcbStatus\":\"UpToDate\"", 0);
	put_signed(dir, "qe-identity.json", "enclaveIdentity", t1, tcbs_key);
	free(doc);
	free(span);
	free(t1);
	return ql;
}

static int vq(const uint8_t *quote, size_t len, const char *rdhex, const struct tdx_policy *pol,
	      const char *coll, time_t now, const char *rootpem, struct tdx_result *res)
{
	struct tdx_opts o = { .collateral = coll, .now = now, .root_pem = rootpem };
	uint8_t rd[TDX_RD_LEN];

	if (tdx_hex_decode(rd, TDX_RD_LEN, rdhex))
		abort();
	return tdx_verify(quote, len, rd, pol, &o, res);
}

int main(void)
{
	static struct tdx_policy pol4, pol5, p;
	static struct tdx_result res;
	static uint8_t t[TDX_MAX_QUOTE], sq[TDX_MAX_QUOTE], sq5[TDX_MAX_QUOTE];
	struct tdx_quote q;
	struct tdx_tcb_result tcb;
	uint8_t *v4, *v5, d[32];
	size_t n4, n5, ns, ns5;
	char dir[256], syndir[256], polpath[300], rootpath[300], out[4096], msg[512];
	int rc, bad;

	tap_plan(26);
	if (!mkdtemp(tmpdir))
		return 2;
	v4 = read_all(VEC "tdx-quote-v4.bin", &n4);
	v5 = read_all(VEC "tdx-quote-v5-td15.bin", &n5);
	CHECK(!load_policy_text(V4_POLICY, &pol4));
	CHECK(!load_policy_text(V5_POLICY, &pol5));
	snprintf(polpath, sizeof(polpath), "%s/policy4", tmpdir);
	write_file(polpath, V4_POLICY, strlen(V4_POLICY));

	/* ---- real vectors, pinned Intel root, fixed time ---------------------- */
	tap_begin();
	{
		X509 *x;
		BIO *b = BIO_new_mem_buf(tdx_intel_root_pem, -1);
		unsigned char *der = NULL;
		char hex[65];
		int len;

		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		CHECK(x != NULL);
		len = i2d_X509(x, &der);
		SHA256(der, (size_t)len, d);
		tdx_hex_encode(hex, d, 32);
		CHECK(!strcmp(hex, INTEL_ROOT_SHA256));
		OPENSSL_free(der);
		X509_free(x);
		BIO_free(b);
	}
	tap_end("the pinned root is Intel SGX Root CA (its published SHA-256 fingerprint)");

	tap_begin();
	rc = vq(v4, n4, V4_RD, &pol4, COLL4, V4_NOW, NULL, &res);
	CHECK(rc == TDX_OK);
	if (rc)
		printf("#   %s: %s\n", tdx_rc_name(rc), res.msg);
	{
		uint8_t m[5 * TDX_MEAS_LEN];

		tdx_hex_decode(m, TDX_MEAS_LEN, V4_MRTD);
		memcpy(m + TDX_MEAS_LEN, v4 + 48 + TD_RTMR0, 4 * TDX_MEAS_LEN);
		SHA256(m, sizeof(m), d);
		CHECK(!memcmp(res.digest, d, 32));
	}
	CHECK(res.tcb.platform == TDX_ST_UPTODATE && res.tcb.module == TDX_ST_UPTODATE &&
	      res.tcb.qe == TDX_ST_UPTODATE && res.tcb.tcb_eval == 17);
	tap_end("real v4 quote (TD 1.0) verifies with Intel's real collateral: all UpToDate");

	tap_begin();
	{
		char want[80] = "measurement=";

		CHECK(run_prog("--test-now 1751328000", COLL4, polpath, V4_RD, VEC "tdx-quote-v4.bin",
			       out, sizeof(out)) == 0);
		tdx_hex_encode(want + 12, d, 32);
		CHECK(strstr(out, want) != NULL);
		CHECK(strstr(out, "tdx_mrtd=" V4_MRTD "\n") != NULL);
		CHECK(strstr(out, "tdx_tcb_status=UpToDate\n") != NULL);
		CHECK(run_prog("", COLL4, polpath, V4_RD, VEC "tdx-quote-v4.bin", out,
			       sizeof(out)) == TDX_E_COLLATERAL_STALE);
	}
	tap_end("the program accepts it at the pinned time (measurement=) and refuses it now as stale");

	tap_begin();
	CHECK(vq(v4, n4, V4_RD, &pol4, COLL4, (time_t)1754006400, NULL, &res) ==
	      TDX_E_COLLATERAL_STALE);	/* 2025-08-01: the PCK CRL and TCB info are past nextUpdate */
	CHECK(strstr(res.msg, "CRL has expired") != NULL);
	CHECK(vq(v4, n4, V4_RD, &pol4, COLL4, (time_t)1750291200, NULL, &res) ==
	      TDX_E_COLLATERAL_STALE);	/* 2025-06-19 00:00: before the CRL's and TCB info's issue */
	tap_end("the real quote checked after nextUpdate or before issue is collateral-stale");

	tap_begin();
	/* 2025-07-19 04:40, hours before the PCK CRL's nextUpdate (10:00:35) */
	CHECK(vq(v4, n4, V4_RD, &pol4, COLL4, (time_t)1752900000, NULL, &res) == TDX_OK);
	tap_end("the real quote near the end of its collateral's window still verifies");

	/* every signed or structural byte of the quote, flipped */
	tap_begin();
	bad = 0;
	CHECK(!tdx_quote_parse(v4, n4, &q, msg, sizeof(msg)));
	{
		size_t o_sig = (size_t)(q.sig - v4), o_ak = (size_t)(q.ak - v4);
		size_t o_qer = (size_t)(q.qe_report - v4), o_qes = (size_t)(q.qe_sig - v4);
		size_t o_auth = (size_t)(q.qe_auth - v4), o_pem = (size_t)(q.pck_chain - v4);

		for (size_t i = 0; i < o_pem; i++) {
			int want;

			memcpy(t, v4, n4);
			t[i] ^= 0x01;
			rc = vq(t, n4, V4_RD, &pol4, COLL4, V4_NOW, NULL, &res);
			if (i < 8 || (i >= 12 && i < 28))
				want = TDX_E_FORMAT;	/* version, key type, TEE type, QE vendor */
			else if (i < q.signed_len)
				want = TDX_E_SIGNATURE;	/* header and TD report */
			else if (i < o_sig)
				want = TDX_E_FORMAT;	/* signature data length */
			else if (i < o_ak)
				want = TDX_E_SIGNATURE;
			else if (i < o_ak + 64)
				want = TDX_E_QE_BINDING;	/* the attestation key */
			else if (i < o_qer)
				want = TDX_E_FORMAT;	/* certification data type and size */
			else if (i < o_qes + 64)
				want = TDX_E_QE_REPORT;	/* QE report and its signature */
			else if (i < o_auth)
				want = TDX_E_FORMAT;	/* QE auth data length */
			else if (i < o_auth + q.qe_auth_len)
				want = TDX_E_QE_BINDING;
			else
				want = TDX_E_FORMAT;	/* PCK chain type and size */
			if (rc != want) {
				printf("#   byte %zu flipped: %s, wanted %s (%s)\n", i, tdx_rc_name(rc),
				       tdx_rc_name(want), res.msg);
				if (++bad > 10)
					break;
			}
		}
	}
	CHECK(bad == 0);
	tap_end("every byte of header, TD report, signature, attestation key, QE report, QE "
		"signature and QE auth data flipped is refused with its own code");

	tap_begin();
	bad = 0;
	{
		/* PCK leaf and PCK CA (not the root copy: the pinned root is used instead) */
		const char *pem = (const char *)q.pck_chain, *end3;

		end3 = strstr(strstr(pem, "-----END CERTIFICATE-----") + 25, "-----END CERTIFICATE-----");
		for (const char *c = pem + 40; c < end3 - 100; c += 37) {
			size_t off = (size_t)(c - (const char *)v4);

			/* not the PEM armour, not a last group whose low bits are padding */
			if (*c == '\n' || *c == '-' || memchr(c, '=', 4))
				continue;
			memcpy(t, v4, n4);
			t[off] = t[off] == 'A' ? 'B' : 'A';
			rc = vq(t, n4, V4_RD, &pol4, COLL4, V4_NOW, NULL, &res);
			if (rc != TDX_E_CHAIN) {
				printf("#   PEM byte %zu changed: %s (%s)\n", off, tdx_rc_name(rc), res.msg);
				bad++;
			}
		}
	}
	CHECK(bad == 0);
	tap_end("a changed PCK certificate or PCK CA in the quote is chain-invalid");

	tap_begin();
	CHECK(!tdx_quote_parse(v4, n4, &q, msg, sizeof(msg)));
	/* this quote carries 70 bytes of zero padding after its signature data */
	for (size_t l = 0, end = (size_t)(q.pck_chain - v4) + q.pck_chain_len; l < n4; l++)
		if (tdx_quote_parse(v4, l, &q, msg, sizeof(msg)) != (l < end ? TDX_E_FORMAT : TDX_OK))
			bad++;
	memcpy(t, v4, n4);
	memset(t + n4, 0, 64);
	CHECK(tdx_quote_parse(t, n4 + 64, &q, msg, sizeof(msg)) == TDX_OK);
	t[n4 + 10] = 1;
	CHECK(tdx_quote_parse(t, n4 + 64, &q, msg, sizeof(msg)) == TDX_E_FORMAT);
	CHECK(bad == 0);
	tap_end("every truncation is malformed; zero padding is accepted, other trailing bytes "
		"not");

	tap_begin();
	{
		char wrong[] = V4_RD;

		wrong[0] = '8';
		CHECK(vq(v4, n4, wrong, &pol4, COLL4, V4_NOW, NULL, &res) == TDX_E_REPORT_DATA);
	}
	tap_end("wrong report_data is refused");

	tap_begin();
	memcpy(t, v4, n4);
	t[48 + TD_TDATTRIBUTES] |= TD_ATTR_DEBUG;
	CHECK(vq(t, n4, V4_RD, &pol4, COLL4, V4_NOW, NULL, &res) == TDX_E_SIGNATURE);
	CHECK(!tdx_quote_parse(t, n4, &q, msg, sizeof(msg)));
	memset(&tcb, 0, sizeof(tcb));
	tcb.platform = tcb.module = tcb.qe = TDX_ST_UPTODATE;
	CHECK(tdx_policy_check(&q, &tcb, &pol4, msg, sizeof(msg)) == TDX_E_DEBUG);
	CHECK(strstr(msg, "debuggable") != NULL);
	CHECK(!tdx_quote_parse(v4, n4, &q, msg, sizeof(msg)));
	CHECK(tdx_policy_check(&q, &tcb, &pol4, msg, sizeof(msg)) == TDX_OK);
	tap_end("a debug TD: the flipped attribute breaks the signature; the policy refuses DEBUG");

	tap_begin();
	CHECK(!tdx_quote_parse(v4, n4, &q, msg, sizeof(msg)));
	tcb.platform = TDX_ST_OUTOFDATE;
	CHECK(tdx_policy_check(&q, &tcb, &pol4, msg, sizeof(msg)) == TDX_E_TCB);
	tcb.platform = TDX_ST_UPTODATE;
	tcb.qe = TDX_ST_OUTOFDATE;
	CHECK(tdx_policy_check(&q, &tcb, &pol4, msg, sizeof(msg)) == TDX_E_TCB);
	tcb.qe = TDX_ST_UPTODATE;
	tcb.module = TDX_ST_SWHARDENING;
	CHECK(tdx_policy_check(&q, &tcb, &pol4, msg, sizeof(msg)) == TDX_E_TCB);
	CHECK(!load_policy_text(V4_POLICY "accept-tcb-status UpToDate SWHardeningNeeded\n", &p));
	CHECK(tdx_policy_check(&q, &tcb, &p, msg, sizeof(msg)) == TDX_OK);
	CHECK(!load_policy_text(V4_POLICY "min-tcb-evaluation 18\n", &p));
	CHECK(vq(v4, n4, V4_RD, &p, COLL4, V4_NOW, NULL, &res) == TDX_E_TCB);
	CHECK(strstr(res.msg, "tcbEvaluationDataNumber 17") != NULL);
	tap_end("TCB statuses outside accept-tcb-status and an old tcbEvaluationDataNumber are refused");

	tap_begin();
	CHECK(!load_policy_text("mrtd " V4_RTMR0 "\nrtmr0 any\nrtmr1 any\nrtmr2 any\nrtmr3 any\n", &p));
	CHECK(vq(v4, n4, V4_RD, &p, COLL4, V4_NOW, NULL, &res) == TDX_E_MRTD);
	CHECK(strstr(res.msg, V4_MRTD) != NULL);
	CHECK(!load_policy_text("mrtd " V4_MRTD "\nrtmr0 " V4_RTMR0 "\nrtmr1 " V4_RTMR0
				"\nrtmr2 any\nrtmr3 any\n", &p));
	CHECK(vq(v4, n4, V4_RD, &p, COLL4, V4_NOW, NULL, &res) == TDX_E_RTMR);
	CHECK(strstr(res.msg, "RTMR1 " V4_RTMR1) != NULL);
	tap_end("an MRTD or an RTMR outside the policy is refused, naming the value");

	tap_begin();
	CHECK(load_policy_text("rtmr0 any\nrtmr1 any\nrtmr2 any\nrtmr3 any\n", &p) == TDX_E_POLICY);
	CHECK(load_policy_text("mrtd " V4_MRTD "\nrtmr0 any\nrtmr1 any\nrtmr2 any\n", &p) ==
	      TDX_E_POLICY);
	CHECK(load_policy_text(V4_POLICY "rtmr3 " V4_RTMR0 "\n", &p) == TDX_E_POLICY);
	CHECK(load_policy_text(V4_POLICY "accept-tcb-status Revoked\n", &p) == TDX_E_POLICY);
	CHECK(load_policy_text(V4_POLICY "accept-tcb-status UpToDat\n", &p) == TDX_E_POLICY);
	CHECK(load_policy_text(V4_POLICY "allow-debug yes\n", &p) == TDX_E_POLICY);
	CHECK(load_policy_text("mrtd abc\n", &p) == TDX_E_POLICY);
	CHECK(load_policy_text(V4_POLICY "rtmr4 any\n", &p) == TDX_E_POLICY);
	tap_end("invalid policy files are refused");

	tap_begin();
	{
		static const char *const files[] = {
			"root-ca-crl.der", "pckcrl-platform.der", "tcb-signing-chain.pem",
			"tcb-info-B0C06F000000.json", "qe-identity.json",
		};

		snprintf(dir, sizeof(dir), "%s/missing", tmpdir);
		for (size_t i = 0; i < 5; i++) {
			char path[400];

			copy_dir(COLL4, dir);
			snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
			unlink(path);
			rc = vq(v4, n4, V4_RD, &pol4, dir, V4_NOW, NULL, &res);
			CHECK(rc == TDX_E_COLLATERAL_MISSING);
			CHECK(strstr(res.msg, files[i]) != NULL);
		}
	}
	tap_end("each missing collateral file is collateral-missing, naming the file");

	tap_begin();
	{
		char path[400], *doc;
		size_t n;

		copy_dir(COLL4, dir);
		snprintf(path, sizeof(path), "%s/tcb-info-B0C06F000000.json", dir);
		doc = (char *)read_all(path, &n);
		strstr(doc, "\"pcesvn\":11")[10] = '0';	/* still JSON, not what Intel signed */
		write_file(path, doc, n);
		CHECK(vq(v4, n4, V4_RD, &pol4, dir, V4_NOW, NULL, &res) == TDX_E_COLLATERAL_INVALID);
		CHECK(strstr(res.msg, "signature does not verify") != NULL);
		free(doc);
		copy_dir(COLL4, dir);
		snprintf(path, sizeof(path), "%s/qe-identity.json", dir);
		doc = (char *)read_all(path, &n);
		strstr(doc, "\"isvsvn\":4")[9] = '9';
		write_file(path, doc, n);
		CHECK(vq(v4, n4, V4_RD, &pol4, dir, V4_NOW, NULL, &res) == TDX_E_COLLATERAL_INVALID);
		CHECK(strstr(res.msg, "signature does not verify") != NULL);
		write_file(path, "{\"enclaveIdentity\":{", 20);
		CHECK(vq(v4, n4, V4_RD, &pol4, dir, V4_NOW, NULL, &res) == TDX_E_COLLATERAL_INVALID);
		CHECK(strstr(res.msg, "not a JSON object") != NULL);
		free(doc);
		/* the v5 platform's TCB info beside the v4 quote */
		copy_dir(COLL4, dir);
		snprintf(path, sizeof(path), "cp %s/tcb-info-90C06F000000.json "
			 "%s/tcb-info-B0C06F000000.json", COLL5, dir);
		CHECK(system(path) == 0);
		CHECK(vq(v4, n4, V4_RD, &pol4, dir, V4_NOW, NULL, &res) != TDX_OK);
	}
	tap_end("altered TCB info or QE identity, or another platform's, is refused");

	tap_begin();
	rc = vq(v5, n5, V5_RD, &pol5, COLL5, V5_NOW, NULL, &res);
	CHECK(rc == TDX_E_TCB);
	CHECK(strstr(res.msg, "below every TCB level") != NULL);
	tap_end("real v5 quote (TD 1.5): genuine, but its SGX TCB (SEAMLDR ACM SVN 3) is below "
		"every level of Intel's TCB info");

	tap_begin();
	CHECK(run_prog("--test-now 1751328000", COLL4, polpath, "00", VEC "tdx-quote-v4.bin", out,
		       sizeof(out)) == TDX_E_USAGE);
	{
		char cmd[800];

		snprintf(cmd, sizeof(cmd), "build/test/teearray-verify-tdx-san --collateral %s "
			 "--policy %s sev_guest %s %s 2>/dev/null", COLL4, polpath, V4_RD,
			 VEC "tdx-quote-v4.bin");
		rc = system(cmd);
		CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == TDX_E_FORMAT);
		snprintf(cmd, sizeof(cmd), "build/test/teearray-verify-tdx-san --collateral %s "
			 "--policy %s/none tdx_guest %s %s 2>/dev/null", COLL4, tmpdir, V4_RD,
			 VEC "tdx-quote-v4.bin");
		rc = system(cmd);
		CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == TDX_E_POLICY);
	}
	tap_end("the program refuses bad report data, a non-TDX provider and a missing policy");

	/* ---- re-certified by a test root, checked at the real clock ------------ */
	root_key = EVP_EC_gen("P-256");
	ca_key = EVP_EC_gen("P-256");
	tcbs_key = EVP_EC_gen("P-256");
	other_key = EVP_EC_gen("P-256");
	root = make_cert("Test SGX Root CA", root_key, NULL, root_key, 1, -86400, 86400 * 365, 1);
	ca = make_cert("Intel SGX PCK Platform CA", ca_key, root, root_key, CA_SERIAL, -86400,
		       86400 * 365, 1);
	tcbs = make_cert("Intel SGX TCB Signing", tcbs_key, root, root_key, TCBS_SERIAL, -86400,
			 86400 * 365, 0);
	root_pem[0] = 0;
	pem_append(root_pem, sizeof(root_pem), root);
	snprintf(rootpath, sizeof(rootpath), "%s/root.pem", tmpdir);
	write_file(rootpath, root_pem, strlen(root_pem));
	snprintf(syndir, sizeof(syndir), "%s/syn", tmpdir);

	tap_begin();
	{
		struct syn s = { 0 };
		char qpath[300], opts[400];

		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		rc = vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res);
		CHECK(rc == TDX_OK);
		if (rc)
			printf("#   %s: %s\n", tdx_rc_name(rc), res.msg);
		snprintf(qpath, sizeof(qpath), "%s/quote.bin", tmpdir);
		write_file(qpath, sq, ns);
		snprintf(opts, sizeof(opts), "--test-root %s", rootpath);
		CHECK(run_prog(opts, syndir, polpath, V4_RD, qpath, out, sizeof(out)) == 0);
		CHECK(strstr(out, "measurement=") != NULL);
		/* the installed program cannot take another root */
		CHECK(run_prog("", syndir, polpath, V4_RD, qpath, out, sizeof(out)) == TDX_E_CHAIN);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), NULL, &res) == TDX_E_CHAIN);
	}
	tap_end("the real quote re-certified by a test root verifies under that root only");

	tap_begin();
	{
		struct syn s = { .pck_revokes = PCK_SERIAL };

		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) == TDX_E_REVOKED);
		s.pck_revokes = 0;
		s.root_revokes = CA_SERIAL;
		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) == TDX_E_REVOKED);
		s.root_revokes = TCBS_SERIAL;
		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) == TDX_E_REVOKED);
		CHECK(strstr(res.msg, "TCB signing") != NULL);
		s.root_revokes = 99;
		s.pck_revokes = 98;
		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) == TDX_OK);
	}
	tap_end("a PCK CRL revoking the PCK, or a root CA CRL revoking the PCK CA or the TCB "
		"signing certificate, is refused; unrelated serials are not");

	tap_begin();
	{
		struct syn s = { .pck_crl_next = -60 };

		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) ==
		      TDX_E_COLLATERAL_STALE);
		s.pck_crl_next = 0;
		s.root_crl_next = -60;
		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) ==
		      TDX_E_COLLATERAL_STALE);
		s.root_crl_next = 0;
		s.pck_to = -60;
		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) ==
		      TDX_E_COLLATERAL_STALE);
		s.pck_to = 0;
		s.tcb_next = -60;
		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) ==
		      TDX_E_COLLATERAL_STALE);
		CHECK(strstr(res.msg, "tcb-info-B0C06F000000.json is stale") != NULL);
		s.tcb_next = 0;
		s.qe_next = -60;
		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) ==
		      TDX_E_COLLATERAL_STALE);
		CHECK(strstr(res.msg, "qe-identity.json is stale") != NULL);
	}
	tap_end("a PCK CRL, root CA CRL, TCB info or QE identity past nextUpdate, or an expired "
		"PCK, is stale collateral");

	tap_begin();
	{
		struct syn s = { .pck_crl_key = other_key };

		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) == TDX_E_CHAIN);
		s.pck_crl_key = NULL;
		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		{
			X509 *oth = make_cert("Intel SGX TCB Signing", other_key, root, other_key, 5,
					      -86400, 86400, 0);
			char chain[8192] = "";

			pem_append(chain, sizeof(chain), oth);
			pem_append(chain, sizeof(chain), root);
			put(syndir, "tcb-signing-chain.pem", chain, strlen(chain));
			CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) ==
			      TDX_E_CHAIN);
			X509_free(oth);
		}
	}
	tap_end("a PCK CRL or a TCB signing certificate not signed by its issuer is chain-invalid");

	tap_begin();
	{
		struct syn s = { .platform_outofdate = 1 };

		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		rc = vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res);
		CHECK(rc == TDX_E_TCB);
		CHECK(strstr(res.msg, "platform TCB status is OutOfDate") != NULL);
		CHECK(!load_policy_text(V4_POLICY "accept-tcb-status UpToDate OutOfDate\n", &p));
		CHECK(vq(sq, ns, V4_RD, &p, syndir, time(NULL), root_pem, &res) == TDX_OK);
		s.platform_outofdate = 0;
		s.qe_outofdate = 1;
		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) == TDX_E_TCB);
		CHECK(strstr(res.msg, "QE TCB status is OutOfDate") != NULL);
	}
	tap_end("an OutOfDate platform or QE TCB level is refused unless the policy accepts it");

	tap_begin();
	{
		struct syn s = { .lower_seamldr = 1 };

		snprintf(dir, sizeof(dir), "%s/syn5", tmpdir);
		ns5 = syn_build(dir, COLL5, "90C06F000000", v5, n5, &s, sq5);
		rc = vq(sq5, ns5, V5_RD, &pol5, dir, time(NULL), root_pem, &res);
		CHECK(rc == TDX_OK);
		if (rc)
			printf("#   %s: %s\n", tdx_rc_name(rc), res.msg);
		memcpy(t, sq5, ns5);
		t[54 + TD_MRSERVICETD] ^= 1;	/* a TD 1.5 field: signed too */
		CHECK(vq(t, ns5, V5_RD, &pol5, dir, time(NULL), root_pem, &res) == TDX_E_SIGNATURE);
		memcpy(t, sq5, ns5);
		t[50] ^= 0x40;	/* body size no longer 648 */
		CHECK(vq(t, ns5, V5_RD, &pol5, dir, time(NULL), root_pem, &res) == TDX_E_FORMAT);
	}
	tap_end("the real v5 quote (TD 1.5 report) verifies once a TCB level admits its platform");

	tap_begin();
	{
		struct syn s = { 0 };

		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		memcpy(t, sq, ns);
		t[q.qe_report - v4 + 128] ^= 1;		/* the QE's MRSIGNER */
		CHECK(vq(t, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) == TDX_E_QE_REPORT);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) == TDX_OK);
	}
	tap_end("the re-certified quote still needs the real PCK's QE report signature");

	tap_begin();
	{
		/* the genuine QE identity describes another enclave: re-signed with mrsigner changed */
		char path[400], *doc, *span, *t1;
		size_t n;

		snprintf(path, sizeof(path), "%s/qe-identity.json", syndir);
		doc = (char *)read_all(path, &n);
		span = signed_span(doc, "enclaveIdentity");
		t1 = replace(span, NULL, "\"mrsigner\":\"DC9E", "\"mrsigner\":\"DC9F", 0);
		put_signed(syndir, "qe-identity.json", "enclaveIdentity", t1, tcbs_key);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) ==
		      TDX_E_QE_IDENTITY);
		free(t1);
		t1 = replace(span, NULL, "\"isvprodid\":2", "\"isvprodid\":3", 0);
		put_signed(syndir, "qe-identity.json", "enclaveIdentity", t1, tcbs_key);
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) ==
		      TDX_E_QE_IDENTITY);
		free(t1);
		free(span);
		free(doc);
	}
	tap_end("a QE that is not the one in Intel's QE identity is refused (qe-identity-mismatch)");

	tap_begin();
	{
		/* the signed span must be the first member; a later duplicate is not what is read */
		char path[400], *doc, *bad2;
		size_t n;
		struct syn s = { 0 };

		ns = syn_build(syndir, COLL4, "B0C06F000000", v4, n4, &s, sq);
		snprintf(path, sizeof(path), "%s/tcb-info-B0C06F000000.json", syndir);
		doc = (char *)read_all(path, &n);
		bad2 = malloc(n + 64);
		snprintf(bad2, n + 64, "{\"x\":1,%s", doc + 1);
		write_file(path, bad2, strlen(bad2));
		CHECK(vq(sq, ns, V4_RD, &pol4, syndir, time(NULL), root_pem, &res) ==
		      TDX_E_COLLATERAL_INVALID);
		free(bad2);
		free(doc);
	}
	tap_end("a TCB info document not laid out as Intel PCS serves it is refused");

	EVP_PKEY_free(root_key);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(tcbs_key);
	EVP_PKEY_free(other_key);
	X509_free(root);
	X509_free(ca);
	X509_free(tcbs);
	free(v4);
	free(v5);
	snprintf(out, sizeof(out), "rm -rf %s", tmpdir);
	if (system(out))
		return 2;
	return tap_exit_status();
}
