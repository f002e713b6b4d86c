// SPDX-License-Identifier: GPL-2.0
/*
 * teearray-verify-snp: real SEV-SNP reports (Milan VCEK- and VLEK-signed,
 * Genoa) with their real VCEK/VLEK, ASK/ASVK and ARK and AMD's real CRLs
 * (see vectors/README.md), checked at pinned times; the real Turin VCEK
 * chain; and chains built here with OpenSSL under a test root for what the
 * real collateral cannot express (CRLs we sign, expired and revoked
 * certificates, a debug guest, a Turin report, the real VCEK re-certified
 * and revoked).  Run from the top of the tree.
 */
#include "snp-internal.h"
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
#define REAL_MEAS "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d" \
		  "3e1a0dc39b2c60bd95b9c480cd81841f"
/*
 * The recorded vectors are checked at fixed times inside their validity,
 * so the tests do not fail when the real certificates and CRLs expire:
 * 2025-01-01T00:00:00Z for the Milan reports without a CRL (after the
 * Milan VCEKs' notBefore, 2022-09 and 2023-04, before their notAfter,
 * 2029-09 and 2030-04), and 2025-07-01T00:00:00Z with AMD's real CRLs
 * (Milan: 2025-05-06 to 2026-05-12; Genoa: 2024-10-23 to 2025-11-03), when
 * the Genoa VCEK (from 2025-06-11) and the Milan VLEK (2024-12-10 to
 * 2025-12-10) are valid too.  The chains made here are made at run time
 * around the real clock and are checked at time(NULL).
 */
#define VECTORS_NOW ((time_t)1735689600)
#define CRL_NOW ((time_t)1751328000)
#define DBG_MEAS "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b" \
		 "6bdf8a9ece31a5a608eb0cf2e4872b01"
#define SYN_MEAS "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a" \
		 "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"

static char tmpdir[] = "/tmp/snp-test-XXXXXX";
static char realdir[64], syndir[64], testroot[64];

static size_t read_file(const char *path, uint8_t *buf, size_t max)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, max, f);
	fclose(f);
	return n;
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(p, 1, n, f) != n)
		abort();
	fclose(f);
}

static void copy_file(const char *from, const char *to)
{
	static uint8_t buf[65536];
	size_t n = read_file(from, buf, sizeof(buf));

	if (!n)
		abort();
	write_file(to, buf, n);
}

static void write_policy(const char *path, const char *text)
{
	write_file(path, text, strlen(text));
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* A collateral directory with its vcek/ and vlek/ subdirectories. */
static void mkcoll(const char *dir)
{
	char path[400];

	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/vcek", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/vlek", dir);
	mkdir(path, 0700);
}

/* dir/name from a vector file */
static void put_vec(const char *dir, const char *name, const char *vec)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	copy_file(vec, path);
}

static void rm(const char *dir, const char *name)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* Where the verifier looks for a report's VCEK or VLEK. */
static void leaf_path(char *path, size_t n, const char *dir, const uint8_t *rep)
{
	char chip[129];
	uint64_t tcb = 0;

	for (int i = 7; i >= 0; i--)
		tcb = tcb << 8 | rep[0x180 + i];
	hex(chip, rep + 0x1a0, 64);
	if ((rep[0x48] >> 2 & 7) == 1)
		snprintf(path, n, "%s/vlek/%016llx.der", dir, (unsigned long long)tcb);
	else
		snprintf(path, n, "%s/vcek/%s-%016llx.der", dir, chip, (unsigned long long)tcb);
}

static void install_leaf(const char *dir, const uint8_t *rep, const char *vec)
{
	char path[400];

	leaf_path(path, sizeof(path), dir, rep);
	copy_file(vec, path);
}

static int load_policy_text(const char *text, struct snp_policy *pol)
{
	char path[300], msg[256];

	snprintf(path, sizeof(path), "%s/p.tmp", tmpdir);
	write_policy(path, text);
	return snp_policy_load(path, pol, msg, sizeof(msg));
}

/* A policy accepting a report's measurement, with the given min-tcb line. */
static int policy_for(const uint8_t *rep, const char *rest, struct snp_policy *pol, char *text,
		      size_t n)
{
	char m[97];

	hex(m, rep + 0x90, 48);
	snprintf(text, n, "measurement %s\n%s", m, rest);
	return load_policy_text(text, pol);
}

/* ---- chains made here ------------------------------------------------------ */

enum { LEAF_NONE, LEAF_VCEK, LEAF_VCEK_TURIN, LEAF_VLEK };

static EVP_PKEY *ark_key, *ask_key, *vcek_key, *other_key;
static uint8_t syn_chip[64];
/* bootloader 3, tee 0, snp 8, microcode 115 */
static const uint64_t syn_tcb = 3ULL | (8ULL << 48) | (115ULL << 56);
/* Turin layout: fmc 1, bootloader 2, tee 0, snp 5, microcode 77 */
static const uint64_t turin_tcb = 1ULL | (2ULL << 8) | (5ULL << 24) | (77ULL << 56);

static void add_int_ext(X509 *x, const char *oid, long v)
{
	ASN1_INTEGER *ai = ASN1_INTEGER_new();
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	unsigned char *der = NULL;
	int n;

	ASN1_INTEGER_set(ai, v);
	n = i2d_ASN1_INTEGER(ai, &der);
	ASN1_OCTET_STRING_set(os, der, n);
	{
		X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);

		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	OPENSSL_free(der);
	ASN1_INTEGER_free(ai);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

static void add_raw_ext(X509 *x, const char *oid, const uint8_t *p, int n)
{
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	X509_EXTENSION *e;

	ASN1_OCTET_STRING_set(os, p, n);
	e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, long serial,
		       long from, long to, int ca, int leaf)
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
	if (ca) {
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
							"critical,CA:TRUE");

		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		e = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	if (leaf == LEAF_VCEK || leaf == LEAF_VLEK) {
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.1", (long)(syn_tcb & 0xff));
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.2", (long)((syn_tcb >> 8) & 0xff));
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.3", (long)((syn_tcb >> 48) & 0xff));
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.8", (long)((syn_tcb >> 56) & 0xff));
		if (leaf == LEAF_VCEK)
			add_raw_ext(x, "1.3.6.1.4.1.3704.1.4", syn_chip, 64);
		else	/* CSP ID, an IA5String */
			add_raw_ext(x, "1.3.6.1.4.1.3704.1.5", (const uint8_t *)"\x16\x04test", 6);
	} else if (leaf == LEAF_VCEK_TURIN) {
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.9", (long)(turin_tcb & 0xff));
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.1", (long)((turin_tcb >> 8) & 0xff));
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.2", (long)((turin_tcb >> 16) & 0xff));
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.3", (long)((turin_tcb >> 24) & 0xff));
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.8", (long)((turin_tcb >> 56) & 0xff));
		add_raw_ext(x, "1.3.6.1.4.1.3704.1.4", syn_chip, 8);
	}
	if (!X509_sign(x, ikey, EVP_sha384()))
		abort();
	X509_NAME_free(n);
	return x;
}

static void cert_md(X509 *x, uint8_t md[32])
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	SHA256(der, (size_t)n, md);
	OPENSSL_free(der);
}

static void write_cert(const char *dir, const char *name, X509 *x)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || !PEM_write_X509(f, x))
		abort();
	fclose(f);
}

static void write_der(const char *path, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);

	write_file(path, der, (size_t)n);
	OPENSSL_free(der);
}

/* Writes (append: adds) a CRL of issuer to dir/crl.pem. */
static void write_crl_mode(const char *dir, X509 *issuer, EVP_PKEY *key, long last, long next,
			   long revoked_serial, const char *mode)
{
	X509_CRL *c = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	char path[400];
	FILE *f;

	X509_CRL_set_version(c, 1);
	X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer));
	X509_gmtime_adj(t, last);
	X509_CRL_set1_lastUpdate(c, t);
	X509_gmtime_adj(t, next);
	X509_CRL_set1_nextUpdate(c, t);
	if (revoked_serial >= 0) {
		X509_REVOKED *r = X509_REVOKED_new();
		ASN1_INTEGER *s = ASN1_INTEGER_new();

		ASN1_INTEGER_set(s, revoked_serial);
		X509_REVOKED_set_serialNumber(r, s);
		X509_gmtime_adj(t, last);
		X509_REVOKED_set_revocationDate(r, t);
		X509_CRL_add0_revoked(c, r);
		ASN1_INTEGER_free(s);
	}
	X509_CRL_sort(c);
	if (!X509_CRL_sign(c, key, EVP_sha384()))
		abort();
	snprintf(path, sizeof(path), "%s/crl.pem", dir);
	f = fopen(path, mode);
	if (!f || !PEM_write_X509_CRL(f, c))
		abort();
	fclose(f);
	ASN1_TIME_free(t);
	X509_CRL_free(c);
}

static void write_crl(const char *dir, X509 *issuer, EVP_PKEY *key, long last, long next,
		      long revoked_serial)
{
	write_crl_mode(dir, issuer, key, last, next, revoked_serial ? revoked_serial : -1, "w");
}

static X509 *syn_ark, *syn_ask;
static uint8_t syn_ark_md[32];

/* Builds a collateral directory for the chain made here. */
static void syn_collateral(const char *dir, long vcek_to, long crl_next, long revoked)
{
	char path[400], chip[129];
	X509 *vcek;

	mkcoll(dir);
	write_cert(dir, "ark.pem", syn_ark);
	write_cert(dir, "ask.pem", syn_ask);
	vcek = make_cert("SEV-VCEK", vcek_key, syn_ask, ask_key, 3, -3600, vcek_to, 0, LEAF_VCEK);
	hex(chip, syn_chip, 64);
	snprintf(path, sizeof(path), "%s/vcek/%s-%016llx.der", dir, chip,
		 (unsigned long long)syn_tcb);
	write_der(path, vcek);
	X509_free(vcek);
	if (crl_next)
		write_crl(dir, syn_ark, ark_key, -3600, crl_next, revoked);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* Signs bytes 0..0x29f of r with key into r, s (little-endian). */
static void sign_report(uint8_t r[SNP_REPORT_LEN], EVP_PKEY *key)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t sig[256], be[72];
	const unsigned char *p = sig;
	size_t siglen = sizeof(sig);
	ECDSA_SIG *es;
	const BIGNUM *bn[2];

	memset(r + 0x2a0, 0, SNP_REPORT_LEN - 0x2a0);
	if (EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, r, SNP_SIGNED_LEN) != 1)
		abort();
	es = d2i_ECDSA_SIG(NULL, &p, (long)siglen);
	ECDSA_SIG_get0(es, &bn[0], &bn[1]);
	for (int i = 0; i < 2; i++) {
		BN_bn2binpad(bn[i], be, 72);
		for (int j = 0; j < 72; j++)
			r[0x2a0 + 72 * i + j] = be[71 - j];
	}
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(md);
}

/* A version 2 report signed by the VCEK made here. */
static void syn_report(uint8_t r[SNP_REPORT_LEN], const uint8_t rd[64], uint64_t policy,
		       const uint8_t meas[48])
{
	memset(r, 0, SNP_REPORT_LEN);
	put_le(r + 0, 2, 4);
	put_le(r + 8, policy, 8);
	put_le(r + 0x34, 1, 4);
	put_le(r + 0x38, syn_tcb, 8);
	memcpy(r + 0x50, rd, 64);
	memcpy(r + 0x90, meas, 48);
	put_le(r + 0x180, syn_tcb, 8);
	memcpy(r + 0x1a0, syn_chip, 64);
	sign_report(r, vcek_key);
}

/* Runs the sanitizer build of the program; returns its exit code. */
static int run_prog_opts(const char *opts, const char *coll, const char *rdhex, const char *file,
			 char *out, size_t outlen)
{
	char cmd[2048];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd),
		 "build/test/teearray-verify-snp-san %s --collateral %s sev_guest %s %s 2>/dev/null",
		 opts, coll, rdhex, file);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, outlen - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The program with the test root made here. */
static int run_prog(const char *coll, const char *rdhex, const char *file, char *out, size_t outlen)
{
	char opts[200];

	snprintf(opts, sizeof(opts), "--test-root %s", testroot);
	return run_prog_opts(opts, coll, rdhex, file, out, outlen);
}

static int verify_at(const uint8_t *r, const uint8_t *rd, const struct snp_policy *pol,
		     const char *dir, time_t now, const uint8_t *test_md, struct snp_result *res)
{
	struct snp_opts o = { .collateral = dir, .crl_required = 1, .now = now,
			      .test_ark_sha256 = test_md };
	int rc = snp_verify(r, SNP_REPORT_LEN, rd, pol, &o, res);

	if (rc)
		printf("#   %s: %s\n", snp_rc_name(rc), res->msg);
	return rc;
}

#define NCASES 36

int main(void)
{
	static uint8_t real[SNP_REPORT_LEN], dbg[SNP_REPORT_LEN], t[SNP_REPORT_LEN], r[SNP_REPORT_LEN];
	static uint8_t genoa[SNP_REPORT_LEN], vlek[SNP_REPORT_LEN];
	static struct snp_policy pol, pol2, gpol, vpol;
	struct snp_opts o_nocrl = { .crl_required = 0, .now = VECTORS_NOW };
	struct snp_opts o_crl = { .crl_required = 1, .now = time(NULL) };
	struct snp_result res;
	uint8_t rd[64], meas[48], d[32];
	char path[1024], out[2048], rdhex[129], file[400], text[600], gdir[64], vdir[64];
	int rc, bad;

	tap_plan(NCASES);
	if (!mkdtemp(tmpdir))
		return 2;
	snprintf(realdir, sizeof(realdir), "%s/real", tmpdir);
	snprintf(syndir, sizeof(syndir), "%s/syn", tmpdir);
	snprintf(gdir, sizeof(gdir), "%s/genoa", tmpdir);
	snprintf(vdir, sizeof(vdir), "%s/vlek", tmpdir);
	snprintf(testroot, sizeof(testroot), "%s/test-root.pem", tmpdir);

	/* Real collateral directory from the vectors. */
	CHECK(read_file(VEC "snp-report-milan.bin", real, sizeof(real)) == SNP_REPORT_LEN);
	mkcoll(realdir);
	put_vec(realdir, "ark.pem", VEC "snp-ark-milan.pem");
	put_vec(realdir, "ask.pem", VEC "snp-ask-milan.pem");
	install_leaf(realdir, real, VEC "snp-vcek-milan.der");
	CHECK(read_file(VEC "snp-report-milan-debug.bin", dbg, sizeof(dbg)) == SNP_REPORT_LEN);
	install_leaf(realdir, dbg, VEC "snp-vcek-milan-debug.der");
	memcpy(rd, real + 0x50, 64);
	CHECK(!load_policy_text("measurement " REAL_MEAS "\n"
				"min-tcb bootloader=3 tee=0 snp=8 microcode=115\n", &pol));

	/* Real report */
	tap_begin();
	struct snp_opts o = o_nocrl;

	o.collateral = realdir;
	rc = snp_verify(real, sizeof(real), rd, &pol, &o, &res);
	CHECK(rc == SNP_OK);
	if (rc)
		printf("#   %s: %s\n", snp_rc_name(rc), res.msg);
	SHA256(real + 0x90, 48, d);
	CHECK(!memcmp(res.digest, d, 32));
	CHECK(res.product && !strcmp(res.product, "Milan") && !strcmp(res.signer, "vcek"));
	tap_end("real Milan report verifies against the real VCEK -> ASK -> ARK (no CRL)");

	tap_begin();
	o.now = (time_t)1924992000;	/* 2031-01-01: the VCEK has expired */
	CHECK(snp_verify(real, sizeof(real), rd, &pol, &o, &res) == SNP_E_COLLATERAL_STALE);
	o.now = (time_t)1640995200;	/* 2022-01-01: before the VCEK's notBefore */
	CHECK(snp_verify(real, sizeof(real), rd, &pol, &o, &res) == SNP_E_COLLATERAL_STALE);
	o.now = VECTORS_NOW;
	tap_end("the real report checked after its VCEK expired or before it was issued is stale");

	tap_begin();
	hex(rdhex, rd, 64);
	snprintf(path, sizeof(path), "%s/policy", realdir);
	write_policy(path, "measurement " REAL_MEAS "\n"
		     "min-tcb bootloader=3 tee=0 snp=8 microcode=115\n");
	CHECK(run_prog_opts("--test-now 1751328000", realdir, rdhex, VEC "snp-report-milan.bin",
			    out, sizeof(out)) == SNP_E_COLLATERAL_MISSING);
	tap_end("the program refuses the real report without crl.pem (collateral-missing)");

	tap_begin();
	bad = 0;
	for (int i = 0; i < SNP_SIGNED_LEN + 144; i++) {
		int want;

		memcpy(t, real, sizeof(t));
		t[i] ^= 0x01;
		rc = snp_verify(t, sizeof(t), rd, &pol, &o, &res);
		if (i < 4 || (i >= 0x34 && i < 0x38))
			want = SNP_E_FORMAT;	/* version, algorithm */
		else if ((i >= 0x180 && i < 0x188) || (i >= 0x1a0 && i < 0x1e0))
			want = SNP_E_COLLATERAL_MISSING;	/* names another VCEK */
		else
			want = SNP_E_SIGNATURE;
		if (i == 0)	/* version 3: CPUID_FAM_ID 0 names no product */
			want = SNP_E_PRODUCT;
		if (rc != want) {
			printf("#   byte 0x%x flipped: %s, wanted %s\n", i, snp_rc_name(rc),
			       snp_rc_name(want));
			bad++;
		}
	}
	CHECK(bad == 0);
	tap_end("every byte of the signed report and of r, s flipped is refused with the right code");

	tap_begin();
	memcpy(t, real, sizeof(t));
	t[0x48] |= 7 << 2;	/* signing_key 7: no signature */
	CHECK(snp_verify(t, sizeof(t), rd, &pol, &o, &res) == SNP_E_FORMAT);
	t[0x48] = (uint8_t)((t[0x48] & ~0x1c) | 2 << 2);	/* reserved */
	CHECK(snp_verify(t, sizeof(t), rd, &pol, &o, &res) == SNP_E_FORMAT);
	CHECK(snp_verify(real, sizeof(real) - 1, rd, &pol, &o, &res) == SNP_E_FORMAT);
	memcpy(t, real, sizeof(t));
	t[0] = 6;
	CHECK(snp_verify(t, sizeof(t), rd, &pol, &o, &res) == SNP_E_FORMAT);
	t[0] = 1;
	CHECK(snp_verify(t, sizeof(t), rd, &pol, &o, &res) == SNP_E_FORMAT);
	tap_end("unsigned, reserved signing key, version 1 or 6 and truncated reports are malformed");

	tap_begin();
	memcpy(t, rd, 64);
	t[63] ^= 0x80;
	CHECK(snp_verify(real, sizeof(real), t, &pol, &o, &res) == SNP_E_REPORT_DATA);
	tap_end("wrong report_data is refused");

	tap_begin();
	CHECK(!load_policy_text("measurement " DBG_MEAS "\n"
				"min-tcb bootloader=0 tee=0 snp=0 microcode=0\n", &pol2));
	memcpy(t, dbg + 0x50, 64);
	rc = snp_verify(dbg, sizeof(dbg), t, &pol2, &o, &res);
	CHECK(rc == SNP_E_DEBUG);
	tap_end("a real report from a debug-enabled guest (go-sev-guest vector) is refused");

	tap_begin();
	CHECK(!load_policy_text("measurement " REAL_MEAS "\n"
				"min-tcb bootloader=3 tee=0 snp=9 microcode=115\n", &pol2));
	CHECK(snp_verify(real, sizeof(real), rd, &pol2, &o, &res) == SNP_E_TCB);
	CHECK(!load_policy_text("measurement " REAL_MEAS "\n"
				"min-tcb bootloader=3 tee=0 snp=8 microcode=116\n", &pol2));
	CHECK(snp_verify(real, sizeof(real), rd, &pol2, &o, &res) == SNP_E_TCB);
	CHECK(!load_policy_text("measurement " REAL_MEAS "\n"
				"min-tcb bootloader=4 tee=0 snp=8 microcode=115\n", &pol2));
	CHECK(snp_verify(real, sizeof(real), rd, &pol2, &o, &res) == SNP_E_TCB);
	CHECK(!load_policy_text("measurement " REAL_MEAS "\n"
				"min-tcb bootloader=3 tee=0 snp=8 microcode=115 fmc=9\n", &pol2));
	CHECK(snp_verify(real, sizeof(real), rd, &pol2, &o, &res) == SNP_OK);
	tap_end("out-of-date TCB (snp, microcode, bootloader) is refused; fmc does not apply to Milan");

	tap_begin();
	CHECK(!load_policy_text("measurement 1111111111111111111111111111111111111111111111111111"
				"11111111111111111111111111111111111111111111\n"
				"min-tcb bootloader=0 tee=0 snp=0 microcode=0\n", &pol2));
	CHECK(snp_verify(real, sizeof(real), rd, &pol2, &o, &res) == SNP_E_MEASUREMENT);
	tap_end("a measurement outside the allow-list is refused");

	tap_begin();
	{
		struct snp_policy p;

		CHECK(load_policy_text("min-tcb bootloader=0 tee=0 snp=0 microcode=0\n", &p) ==
		      SNP_E_POLICY);
		CHECK(load_policy_text("measurement " REAL_MEAS "\n", &p) == SNP_E_POLICY);
		CHECK(load_policy_text("measurement abc\nmin-tcb bootloader=0 tee=0 snp=0 "
				       "microcode=0\n", &p) == SNP_E_POLICY);
		CHECK(load_policy_text("measurement " REAL_MEAS "\nmin-tcb bootloader=0 tee=0 "
				       "snp=0 microcode=256\n", &p) == SNP_E_POLICY);
		CHECK(load_policy_text("measurement " REAL_MEAS "\nmin-tcb bootloader=0 tee=0 "
				       "snp=0 microcode=0 fmc=-1\n", &p) == SNP_E_POLICY);
		CHECK(load_policy_text("measurement " REAL_MEAS "\nallow-debug yes\n", &p) ==
		      SNP_E_POLICY);
	}
	tap_end("invalid policy files are refused");

	/* ---- AMD's real CRLs ---- */
	tap_begin();
	put_vec(realdir, "crl.pem", VEC "snp-crl-milan.der");
	CHECK(verify_at(real, rd, &pol, realdir, CRL_NOW, NULL, &res) == SNP_OK);
	CHECK(run_prog_opts("--test-now 1751328000", realdir, rdhex, VEC "snp-report-milan.bin",
			    out, sizeof(out)) == 0);
	CHECK(strstr(out, "snp_product=Milan\nsnp_signer=vcek\n") != NULL);
	tap_end("the real Milan report with AMD's real Milan CRL (DER) verifies at 2025-07-01");

	tap_begin();
	/* 2026-06-01: the VCEK is valid, the CRL's nextUpdate (2026-05-12) has passed */
	CHECK(snp_verify(real, sizeof(real), rd, &pol,
			 &(struct snp_opts){ .collateral = realdir, .crl_required = 1,
					     .now = 1780272000 }, &res) == SNP_E_COLLATERAL_STALE);
	CHECK(strstr(res.msg, "stale") != NULL);
	CHECK(run_prog_opts("--test-now 1780272000", realdir, rdhex, VEC "snp-report-milan.bin",
			    out, sizeof(out)) == SNP_E_COLLATERAL_STALE);
	/* 2025-01-01: before the CRL's lastUpdate (2025-05-06) */
	CHECK(snp_verify(real, sizeof(real), rd, &pol,
			 &(struct snp_opts){ .collateral = realdir, .crl_required = 1,
					     .now = VECTORS_NOW }, &res) == SNP_E_COLLATERAL_STALE);
	CHECK(strstr(res.msg, "not yet valid") != NULL);
	tap_end("past the real CRL's nextUpdate it is stale (collateral-stale), before its "
		"lastUpdate not yet valid");

	tap_begin();
	CHECK(run_prog_opts("", realdir, rdhex, VEC "snp-report-milan.bin", out, sizeof(out)) ==
	      (time(NULL) < 1778544000 ? 0 : SNP_E_COLLATERAL_STALE));
	tap_end("the installed program's clock: the real Milan collateral is %s now",
		time(NULL) < 1778544000 ? "current" : "stale");

	tap_begin();
	put_vec(realdir, "crl.pem", VEC "snp-crl-genoa.der");
	CHECK(verify_at(real, rd, &pol, realdir, CRL_NOW, NULL, &res) == SNP_E_COLLATERAL_MISSING);
	CHECK(strstr(res.msg, "another product") != NULL);
	put_vec(realdir, "crl.pem", VEC "snp-crl-milan.der");
	tap_end("AMD's Genoa CRL in a Milan collateral directory is not this ARK's: "
		"collateral-missing");

	/* ---- Genoa ---- */
	tap_begin();
	CHECK(read_file(VEC "snp-report-genoa.bin", genoa, sizeof(genoa)) == SNP_REPORT_LEN);
	mkcoll(gdir);
	put_vec(gdir, "ark.pem", VEC "snp-ark-genoa.pem");
	put_vec(gdir, "ask.pem", VEC "snp-ask-genoa.pem");
	put_vec(gdir, "crl.pem", VEC "snp-crl-genoa.der");
	install_leaf(gdir, genoa, VEC "snp-vcek-genoa.der");
	CHECK(!policy_for(genoa, "min-tcb bootloader=10 tee=0 snp=23 microcode=84\n", &gpol, text,
			  sizeof(text)));
	CHECK(verify_at(genoa, genoa + 0x50, &gpol, gdir, CRL_NOW, NULL, &res) == SNP_OK);
	CHECK(res.product && !strcmp(res.product, "Genoa"));
	tap_end("a real Genoa report (version 3) with its VCEK, ASK, ARK and AMD's real Genoa CRL "
		"(which revokes serial 020001, not the current ASK 020002) verifies");

	tap_begin();
	CHECK(verify_at(genoa, genoa + 0x50, &gpol, gdir, (time_t)1764547200, NULL, &res) ==
	      SNP_E_COLLATERAL_STALE);	/* 2025-12-01, after the Genoa CRL's nextUpdate */
	CHECK(!policy_for(genoa, "min-tcb bootloader=10 tee=0 snp=24 microcode=84\n", &pol2, text,
			  sizeof(text)));
	CHECK(verify_at(genoa, genoa + 0x50, &pol2, gdir, CRL_NOW, NULL, &res) == SNP_E_TCB);
	memcpy(t, genoa, sizeof(t));
	t[0x90] ^= 1;
	CHECK(verify_at(t, genoa + 0x50, &gpol, gdir, CRL_NOW, NULL, &res) == SNP_E_SIGNATURE);
	tap_end("the Genoa report: stale past its CRL, TCB below the minimum, a changed byte");

	tap_begin();
	CHECK(verify_at(genoa, genoa + 0x50, &gpol, realdir, CRL_NOW, NULL, &res) ==
	      SNP_E_PRODUCT);
	install_leaf(gdir, real, VEC "snp-vcek-milan.der");
	CHECK(verify_at(real, rd, &pol, gdir, CRL_NOW, NULL, &res) == SNP_E_CHAIN);
	memcpy(t, genoa, sizeof(t));
	t[0x188] = 0x17;	/* CPUID family 17h (Rome) */
	CHECK(verify_at(t, genoa + 0x50, &gpol, gdir, CRL_NOW, NULL, &res) == SNP_E_PRODUCT);
	tap_end("a Genoa report with Milan collateral, a Milan VCEK under the Genoa ARK and an "
		"unknown CPU family are refused (product-mismatch, chain-invalid)");

	/* ---- VLEK ---- */
	tap_begin();
	CHECK(read_file(VEC "snp-report-milan-vlek.bin", vlek, sizeof(vlek)) == SNP_REPORT_LEN);
	mkcoll(vdir);
	put_vec(vdir, "ark.pem", VEC "snp-ark-milan.pem");
	put_vec(vdir, "ask.pem", VEC "snp-ask-milan.pem");
	put_vec(vdir, "asvk.pem", VEC "snp-asvk-milan.pem");
	put_vec(vdir, "crl.pem", VEC "snp-crl-milan.der");
	install_leaf(vdir, vlek, VEC "snp-vlek-milan.der");
	CHECK(!policy_for(vlek, "min-tcb bootloader=4 tee=0 snp=24 microcode=217\n", &vpol, text,
			  sizeof(text)));
	CHECK(verify_at(vlek, vlek + 0x50, &vpol, vdir, CRL_NOW, NULL, &res) == SNP_OK);
	CHECK(res.signer && !strcmp(res.signer, "vlek") && !strcmp(res.product, "Milan"));
	snprintf(path, sizeof(path), "%s/policy", vdir);
	write_policy(path, text);
	{
		char h[129];

		hex(h, vlek + 0x50, 64);
		CHECK(run_prog_opts("--test-now 1751328000", vdir, h,
				    VEC "snp-report-milan-vlek.bin", out, sizeof(out)) == 0);
		CHECK(strstr(out, "snp_signer=vlek\n") != NULL);
	}
	tap_end("a real VLEK-signed Milan report (version 3) verifies with its VLEK -> ASVK -> ARK "
		"and AMD's Milan CRL");

	tap_begin();
	CHECK(!policy_for(vlek, "min-tcb bootloader=4 tee=0 snp=24 microcode=217\nmax-vmpl 0\n",
			  &pol2, text, sizeof(text)));
	CHECK(verify_at(vlek, vlek + 0x50, &pol2, vdir, CRL_NOW, NULL, &res) == SNP_E_VMPL);
	CHECK(verify_at(vlek, vlek + 0x50, &vpol, vdir, (time_t)1767225600, NULL, &res) ==
	      SNP_E_COLLATERAL_STALE);	/* 2026-01-01: the VLEK expired 2025-12-10 */
	memcpy(t, vlek + 0x50, 64);
	t[0] ^= 1;
	CHECK(verify_at(vlek, t, &vpol, vdir, CRL_NOW, NULL, &res) == SNP_E_REPORT_DATA);
	tap_end("the VLEK report: from VMPL 1 above max-vmpl 0, after the VLEK expired, other "
		"report data");

	tap_begin();
	rm(vdir, "asvk.pem");
	CHECK(verify_at(vlek, vlek + 0x50, &vpol, vdir, CRL_NOW, NULL, &res) ==
	      SNP_E_COLLATERAL_MISSING);
	put_vec(vdir, "asvk.pem", VEC "snp-ask-milan.pem");	/* the ASK instead */
	CHECK(verify_at(vlek, vlek + 0x50, &vpol, vdir, CRL_NOW, NULL, &res) == SNP_E_CHAIN);
	put_vec(vdir, "asvk.pem", VEC "snp-asvk-milan.pem");
	install_leaf(vdir, vlek, VEC "snp-vcek-milan.der");	/* a VCEK as the VLEK */
	CHECK(verify_at(vlek, vlek + 0x50, &vpol, vdir, CRL_NOW, NULL, &res) == SNP_E_CHAIN);
	install_leaf(vdir, vlek, VEC "snp-vlek-milan.der");
	memcpy(t, vlek, sizeof(t));
	t[0x48] &= (uint8_t)~0x1c;	/* the same report claiming the VCEK */
	install_leaf(vdir, t, VEC "snp-vlek-milan.der");
	CHECK(verify_at(t, vlek + 0x50, &vpol, vdir, CRL_NOW, NULL, &res) == SNP_E_CHAIN);
	tap_end("VLEK without asvk.pem, with the ASK as asvk.pem, a VCEK as the VLEK, and the VLEK "
		"used as a VCEK are refused");

	/* ---- Turin ---- */
	tap_begin();
	{
		X509 *tark = snp_load_cert(VEC "snp-ark-turin.pem");
		X509 *task = snp_load_cert(VEC "snp-ask-turin.pem");
		X509 *tvcek = snp_load_cert(VEC "snp-vcek-turin.der");
		uint8_t hw[64];
		size_t hl;
		long fmc;

		CHECK(tark && task && tvcek);
		CHECK(snp_ark_product(tark, NULL) == SNP_TURIN);
		CHECK(snp_chain_check(tark, task, tvcek, NULL, 0, CRL_NOW, out, sizeof(out)) ==
		      SNP_OK);
		CHECK(snp_chain_check(tark, task, tvcek, NULL, 0, (time_t)1956528000, out,
				      sizeof(out)) == SNP_E_COLLATERAL_STALE);	/* 2032 */
		CHECK(!snp_cert_octets(tvcek, "1.3.6.1.4.1.3704.1.4", hw, 8, &hl) && hl == 8);
		CHECK(!snp_cert_int_ext(tvcek, "1.3.6.1.4.1.3704.1.3.9", &fmc));
		X509_free(tark);
		X509_free(task);
		X509_free(tvcek);
	}
	tap_end("AMD's real Turin VCEK -> ASK -> ARK verifies at 2025-07-01 (8-byte hwID, fmc "
		"SPL); no real Turin report was found");

	/* Chains made here: ARK -> ASK -> VCEK, all P-384, with CRLs we sign. */
	ark_key = EVP_EC_gen("P-384");
	ask_key = EVP_EC_gen("P-384");
	vcek_key = EVP_EC_gen("P-384");
	other_key = EVP_EC_gen("P-384");
	for (int i = 0; i < 64; i++)
		syn_chip[i] = (uint8_t)(0xa0 + i);
	syn_ark = make_cert("ARK-Milan", ark_key, NULL, ark_key, 1, -86400, 86400 * 365, 1,
			    LEAF_NONE);
	syn_ask = make_cert("SEV-Milan", ask_key, syn_ark, ark_key, 2, -86400, 86400 * 365, 1,
			    LEAF_NONE);
	cert_md(syn_ark, syn_ark_md);
	write_cert(tmpdir, "test-root.pem", syn_ark);
	memset(meas, 0x5a, sizeof(meas));
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)i;
	hex(rdhex, rd, 64);
	CHECK(!load_policy_text("measurement " SYN_MEAS "\n"
				"min-tcb bootloader=3 tee=0 snp=8 microcode=115\n", &pol));
	syn_report(r, rd, 0x30000, meas);
	snprintf(file, sizeof(file), "%s/report.bin", tmpdir);
	write_file(file, r, sizeof(r));
	o = o_crl;
	o.collateral = syndir;
	o.test_ark_sha256 = syn_ark_md;

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_OK);
	snprintf(path, sizeof(path), "%s/policy", syndir);
	write_policy(path, "measurement " SYN_MEAS "\n"
		     "min-tcb bootloader=3 tee=0 snp=8 microcode=115\n");
	CHECK(run_prog(syndir, rdhex, file, out, sizeof(out)) == 0);
	SHA256(meas, 48, d);
	{
		char want[80] = "measurement=";

		hex(want + 12, d, 32);
		CHECK(strstr(out, want) != NULL);
	}
	tap_end("test chain with a current CRL: verifies; the program exits 0 with measurement=");

	tap_begin();
	CHECK(snp_verify(r, sizeof(r), rd, &pol,
			 &(struct snp_opts){ .collateral = syndir, .crl_required = 1,
					     .now = time(NULL) }, &res) == SNP_E_CHAIN);
	CHECK(strstr(res.msg, "not AMD's ARK") != NULL);
	CHECK(run_prog_opts("", syndir, rdhex, file, out, sizeof(out)) == SNP_E_CHAIN);
	tap_end("an ARK that is not one of AMD's pinned ARKs is chain-invalid (core and program)");

	tap_begin();
	syn_collateral(syndir, 86400 * 30, -60, 0);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_STALE);
	CHECK(run_prog(syndir, rdhex, file, out, sizeof(out)) == SNP_E_COLLATERAL_STALE);
	tap_end("a CRL whose nextUpdate has passed is stale collateral");

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 2);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_REVOKED);
	CHECK(run_prog(syndir, rdhex, file, out, sizeof(out)) == SNP_E_REVOKED);
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 1);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_REVOKED);
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 99);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_OK);
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 3);	/* the VCEK's serial, ARK's CRL */
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_OK);
	tap_end("a CRL revoking the ASK or the ARK is refused; an unrelated serial, or the VCEK's "
		"serial on the ARK's CRL, is not");

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	write_crl_mode(syndir, syn_ask, ask_key, -3600, 86400, 3, "a");
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_REVOKED);
	CHECK(strstr(res.msg, "VCEK") != NULL);
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	write_crl_mode(syndir, syn_ask, ask_key, -3600, 86400, 4, "a");
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_OK);
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	write_crl_mode(syndir, syn_ask, ask_key, -3600, -60, -1, "a");
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_STALE);
	syn_collateral(syndir, 86400 * 30, 0, 0);
	write_crl_mode(syndir, syn_ask, ask_key, -3600, 86400, -1, "w");
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_MISSING);
	tap_end("an ASK-issued CRL in crl.pem listing the VCEK revokes it; a stale one is stale; "
		"without an ARK-issued CRL crl.pem is missing");

	tap_begin();
	syn_collateral(syndir, -60, 86400 * 7, 0);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_STALE);
	tap_end("an expired VCEK is stale collateral");

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	{
		X509 *oth = make_cert("ARK-Milan", other_key, NULL, other_key, 1, -86400, 86400, 1,
				      LEAF_NONE);

		write_crl(syndir, oth, other_key, -3600, 86400, 0);
		CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_CHAIN);
		write_cert(syndir, "ark.pem", oth);
		CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_CHAIN);
		X509_free(oth);
	}
	tap_end("a CRL or ARK from another root does not verify (chain-invalid)");

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	rm(syndir, "crl.pem");
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_MISSING);
	CHECK(run_prog(syndir, rdhex, file, out, sizeof(out)) == SNP_E_COLLATERAL_MISSING);
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	rm(syndir, "ask.pem");
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_MISSING);
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	write_policy(path, "not a CRL\n");
	snprintf(path, sizeof(path), "%s/crl.pem", syndir);
	write_policy(path, "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_MISSING);
	tap_end("missing or unreadable crl.pem, missing ask.pem is collateral-missing");

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	syn_report(t, rd, 0x30000 | (1ULL << 19), meas);
	CHECK(snp_verify(t, sizeof(t), rd, &pol, &o, &res) == SNP_E_DEBUG);
	tap_end("a genuine report from a debug-enabled guest is refused");

	tap_begin();
	CHECK(!load_policy_text("measurement " SYN_MEAS "\n"
				"min-tcb bootloader=3 tee=0 snp=8 microcode=115\nmax-vmpl 0\n",
				&pol2));
	CHECK(snp_verify(r, sizeof(r), rd, &pol2, &o, &res) == SNP_OK);
	tap_end("max-vmpl 0 accepts a VMPL 0 report");

	tap_begin();
	{
		/* The real Milan VCEK (its key and AMD's extensions) re-issued by the test ASK */
		X509 *v = snp_load_cert(VEC "snp-vcek-milan.der");
		char lp[400];

		CHECK(v != NULL);
		X509_set_issuer_name(v, X509_get_subject_name(syn_ask));
		X509_gmtime_adj(X509_getm_notBefore(v), -3600);
		X509_gmtime_adj(X509_getm_notAfter(v), 86400 * 30);
		if (!X509_sign(v, ask_key, EVP_sha384()))
			abort();
		mkcoll(syndir);
		write_cert(syndir, "ark.pem", syn_ark);
		write_cert(syndir, "ask.pem", syn_ask);
		leaf_path(lp, sizeof(lp), syndir, real);
		write_der(lp, v);
		write_crl(syndir, syn_ark, ark_key, -3600, 86400 * 7, 0);
		CHECK(!load_policy_text("measurement " REAL_MEAS "\n"
					"min-tcb bootloader=3 tee=0 snp=8 microcode=115\n", &pol2));
		CHECK(snp_verify(real, sizeof(real), real + 0x50, &pol2, &o, &res) == SNP_OK);
		/* the real VCEK's serial is 0 */
		write_crl_mode(syndir, syn_ask, ask_key, -3600, 86400, 0, "a");
		CHECK(snp_verify(real, sizeof(real), real + 0x50, &pol2, &o, &res) == SNP_E_REVOKED);
		X509_free(v);
	}
	tap_end("the real Milan report with its real VCEK re-certified under a test root verifies "
		"at the real clock; listed in a test CRL of its ASK it is revoked");

	tap_begin();
	{
		/* A Turin report (version 3, family 1Ah model 02h) under a test ARK-Turin */
		EVP_PKEY *tk = EVP_EC_gen("P-384");
		X509 *tark = make_cert("ARK-Turin", tk, NULL, tk, 1, -86400, 86400 * 365, 1, 0);
		X509 *task = make_cert("SEV-Turin", ask_key, tark, tk, 2, -86400, 86400 * 365, 1, 0);
		X509 *tv = make_cert("SEV-VCEK", vcek_key, task, ask_key, 3, -3600, 86400 * 30, 0,
				     LEAF_VCEK_TURIN);
		uint8_t tmd[32];
		char tdir[80], lp[400];
		struct snp_opts to = o;

		snprintf(tdir, sizeof(tdir), "%s/turin", tmpdir);
		mkcoll(tdir);
		write_cert(tdir, "ark.pem", tark);
		write_cert(tdir, "ask.pem", task);
		write_crl(tdir, tark, tk, -3600, 86400 * 7, 0);
		cert_md(tark, tmd);
		to.collateral = tdir;
		to.test_ark_sha256 = tmd;
		memset(t, 0, sizeof(t));
		put_le(t, 3, 4);
		put_le(t + 8, 0x30000, 8);
		put_le(t + 0x34, 1, 4);
		memcpy(t + 0x50, rd, 64);
		memcpy(t + 0x90, meas, 48);
		put_le(t + 0x180, turin_tcb, 8);
		t[0x188] = 0x1a;
		t[0x189] = 0x02;
		memcpy(t + 0x1a0, syn_chip, 8);	/* Turin: the hwID is 8 bytes */
		sign_report(t, vcek_key);
		leaf_path(lp, sizeof(lp), tdir, t);
		write_der(lp, tv);
		CHECK(!load_policy_text("measurement " SYN_MEAS "\nmin-tcb fmc=1 bootloader=2 tee=0 "
					"snp=5 microcode=77\n", &pol2));
		CHECK(snp_verify(t, sizeof(t), rd, &pol2, &to, &res) == SNP_OK);
		CHECK(res.product && !strcmp(res.product, "Turin"));
		CHECK(!load_policy_text("measurement " SYN_MEAS "\nmin-tcb fmc=2 bootloader=2 tee=0 "
					"snp=5 microcode=77\n", &pol2));
		CHECK(snp_verify(t, sizeof(t), rd, &pol2, &to, &res) == SNP_E_TCB);
		CHECK(strstr(res.msg, "fmc") != NULL);
		CHECK(!load_policy_text("measurement " SYN_MEAS "\nmin-tcb bootloader=2 tee=0 "
					"snp=6 microcode=77\n", &pol2));
		CHECK(snp_verify(t, sizeof(t), rd, &pol2, &to, &res) == SNP_E_POLICY);
		CHECK(!load_policy_text("measurement " SYN_MEAS "\nmin-tcb fmc=0 bootloader=2 tee=0 "
					"snp=6 microcode=77\n", &pol2));
		CHECK(snp_verify(t, sizeof(t), rd, &pol2, &to, &res) == SNP_E_TCB);
		/* a version 2 report (no CPUID) with Turin collateral */
		CHECK(snp_verify(r, sizeof(r), rd, &pol, &to, &res) == SNP_E_PRODUCT);
		t[0x188] = 0x19;	/* a Milan CPUID (family 19h model 01h) */
		t[0x189] = 0x01;
		sign_report(t, vcek_key);
		CHECK(snp_verify(t, sizeof(t), rd, &pol2, &to, &res) == SNP_E_PRODUCT);
		X509_free(tark);
		X509_free(task);
		X509_free(tv);
		EVP_PKEY_free(tk);
	}
	tap_end("a Turin report re-signed under a test root: Turin TCB layout and 8-byte hwID, fmc "
		"minimum enforced and required; a version 2 report or a Milan one is refused");

	tap_begin();
	{
		/* A VLEK-signed report under the test ARK-Milan's ASVK */
		X509 *asvk = make_cert("SEV-VLEK-Milan", ask_key, syn_ark, ark_key, 5, -86400,
				       86400 * 365, 1, 0);
		X509 *vl = make_cert("SEV-VLEK", vcek_key, asvk, ask_key, 6, -3600, 86400 * 30, 0,
				     LEAF_VLEK);
		char lp[400];

		syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
		write_cert(syndir, "asvk.pem", asvk);
		memcpy(t, r, sizeof(t));
		t[0x48] |= 1 << 2;
		memset(t + 0x1a0, 0, 64);	/* MASK_CHIP_ID: a VLEK does not need it */
		sign_report(t, vcek_key);
		leaf_path(lp, sizeof(lp), syndir, t);
		write_der(lp, vl);
		CHECK(snp_verify(t, sizeof(t), rd, &pol, &o, &res) == SNP_OK);
		/* an ASVK CRL next to the ARK's: applies to VLEKs, skipped for VCEKs */
		write_crl_mode(syndir, asvk, ask_key, -3600, 86400, 6, "a");
		CHECK(snp_verify(t, sizeof(t), rd, &pol, &o, &res) == SNP_E_REVOKED);
		CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_OK);
		write_crl_mode(syndir, syn_ark, ark_key, -3600, 86400, 5, "w");
		CHECK(snp_verify(t, sizeof(t), rd, &pol, &o, &res) == SNP_E_REVOKED);
		CHECK(strstr(res.msg, "ASK/ASVK") != NULL);
		X509_free(asvk);
		X509_free(vl);
	}
	tap_end("a VLEK report under a test ASVK verifies with a masked chip id; an ASVK CRL "
		"listing the VLEK, or the ARK's CRL listing the ASVK, refuses it; a VCEK report "
		"skips the ASVK's CRL");

	tap_begin();
	CHECK(run_prog(syndir, "00", file, out, sizeof(out)) == SNP_E_USAGE);
	{
		char cmd[800];

		snprintf(cmd, sizeof(cmd), "build/test/teearray-verify-snp-san --collateral %s "
			 "tdx_guest %s %s 2>/dev/null", syndir, rdhex, file);
		rc = system(cmd);
		CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == SNP_E_FORMAT);
	}
	tap_end("the program refuses bad report data and a non-SNP provider");

	tap_begin();
	{
		static const char *const names[] = {
			"ok", "usage", "malformed-report", "collateral-missing", "collateral-stale",
			"chain-invalid", "revoked", "bad-signature", "report-data-mismatch",
			"debug-allowed", "tcb-too-old", "measurement-not-allowed", "policy-invalid",
			"vmpl-not-allowed", "product-mismatch",
		};

		for (int i = 0; i <= SNP_E_PRODUCT; i++)
			CHECK(!strcmp(snp_rc_name(i), names[i]));
		CHECK(SNP_E_VMPL == 13 && SNP_E_PRODUCT == 14);
		CHECK(!strcmp(snp_rc_name(15), "unknown"));
	}
	tap_end("exit codes and their names are stable (product-mismatch added last, 14)");

	EVP_PKEY_free(ark_key);
	EVP_PKEY_free(ask_key);
	EVP_PKEY_free(vcek_key);
	EVP_PKEY_free(other_key);
	X509_free(syn_ark);
	X509_free(syn_ask);
	snprintf(out, sizeof(out), "rm -rf %s", tmpdir);
	if (system(out))
		return 2;
	return tap_exit_status();
}
