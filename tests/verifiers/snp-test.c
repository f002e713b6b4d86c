// SPDX-License-Identifier: GPL-2.0
/*
 * teearray-verify-snp: a real SEV-SNP report (Milan, from go-sev-guest's
 * test data, see vectors/README.md) with its real VCEK/ASK/ARK, and a
 * synthetic chain built here with OpenSSL for what the real collateral
 * cannot express (a CRL we can sign, expired and revoked certificates, a
 * debug guest).  Run from the top of the tree.
 */
#include "snp-verify.h"
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
 * The recorded vectors are checked at a fixed time inside their validity
 * (2025-01-01T00:00:00Z: after the Milan VCEKs' notBefore, 2022-09 and
 * 2023-04, before their notAfter, 2029-09 and 2030-04), so the tests do
 * not fail when the real certificates expire.  The synthetic chain is made
 * at run time around the real clock and is checked at time(NULL).
 */
#define VECTORS_NOW ((time_t)1735689600)
#define DBG_MEAS "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b" \
		 "6bdf8a9ece31a5a608eb0cf2e4872b01"

static char tmpdir[] = "/tmp/snp-test-XXXXXX";
static char realdir[64], syndir[64];

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

/* Puts the VCEK for a report where the verifier looks for it. */
static void install_vcek(const uint8_t *rep, const char *vcek)
{
	char path[400], chip[129];
	uint64_t tcb = 0;

	for (int i = 7; i >= 0; i--)
		tcb = tcb << 8 | rep[0x180 + i];
	for (int i = 0; i < 64; i++)
		sprintf(chip + 2 * i, "%02x", rep[0x1a0 + i]);
	snprintf(path, sizeof(path), "%s/vcek/%s-%016llx.der", realdir, chip,
		 (unsigned long long)tcb);
	copy_file(vcek, path);
}

static int load_policy_text(const char *text, struct snp_policy *pol)
{
	char path[300], msg[256];

	snprintf(path, sizeof(path), "%s/p.tmp", tmpdir);
	write_policy(path, text);
	return snp_policy_load(path, pol, msg, sizeof(msg));
}

/* ---- synthetic chain ------------------------------------------------------ */

static EVP_PKEY *ark_key, *ask_key, *vcek_key, *other_key;
static uint8_t syn_chip[64];
/* bootloader 3, tee 0, snp 8, microcode 115 */
static const uint64_t syn_tcb = 3ULL | (8ULL << 48) | (115ULL << 56);

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

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, long serial,
		       long from, long to, int ca, int vcek)
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
	if (vcek) {
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		ASN1_OBJECT *obj = OBJ_txt2obj("1.3.6.1.4.1.3704.1.4", 1);
		X509_EXTENSION *e;

		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.1", (long)(syn_tcb & 0xff));
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.2", (long)((syn_tcb >> 8) & 0xff));
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.3", (long)((syn_tcb >> 48) & 0xff));
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.8", (long)((syn_tcb >> 56) & 0xff));
		ASN1_OCTET_STRING_set(os, syn_chip, 64);
		e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		ASN1_OCTET_STRING_free(os);
		ASN1_OBJECT_free(obj);
	}
	if (!X509_sign(x, ikey, EVP_sha384()))
		abort();
	X509_NAME_free(n);
	return x;
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

static void write_crl(const char *dir, X509 *issuer, EVP_PKEY *key, long last, long next,
		      long revoked_serial)
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
	if (revoked_serial) {
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
	f = fopen(path, "w");
	if (!f || !PEM_write_X509_CRL(f, c))
		abort();
	fclose(f);
	ASN1_TIME_free(t);
	X509_CRL_free(c);
}

static X509 *syn_ark, *syn_ask;

/* Builds a collateral directory for the synthetic chain. */
static void syn_collateral(const char *dir, long vcek_to, long crl_next, long revoked)
{
	char path[400], chip[129];
	X509 *vcek;

	mkdir(dir, 0700);
	snprintf(path, sizeof(path), "%s/vcek", dir);
	mkdir(path, 0700);
	write_cert(dir, "ark.pem", syn_ark);
	write_cert(dir, "ask.pem", syn_ask);
	vcek = make_cert("SEV-VCEK", vcek_key, syn_ask, ask_key, 3, -3600, vcek_to, 0, 1);
	for (int i = 0; i < 64; i++)
		sprintf(chip + 2 * i, "%02x", syn_chip[i]);
	snprintf(path, sizeof(path), "vcek/%s-%016llx.der", chip, (unsigned long long)syn_tcb);
	{
		char full[600];
		unsigned char *der = NULL;
		int n = i2d_X509(vcek, &der);

		snprintf(full, sizeof(full), "%s/%s", dir, path);
		write_file(full, der, (size_t)n);
		OPENSSL_free(der);
	}
	X509_free(vcek);
	if (crl_next)
		write_crl(dir, syn_ark, ark_key, -3600, crl_next, revoked);
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

/* A version 2 report signed by the synthetic VCEK. */
static void syn_report(uint8_t r[SNP_REPORT_LEN], const uint8_t rd[64], uint64_t policy,
		       const uint8_t meas[48])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t sig[256], be[72];
	const unsigned char *p = sig;
	size_t siglen = sizeof(sig);
	ECDSA_SIG *es;
	const BIGNUM *bn[2];

	memset(r, 0, SNP_REPORT_LEN);
	put_le(r + 0, 2, 4);
	put_le(r + 8, policy, 8);
	put_le(r + 0x34, 1, 4);
	put_le(r + 0x38, syn_tcb, 8);
	memcpy(r + 0x50, rd, 64);
	memcpy(r + 0x90, meas, 48);
	put_le(r + 0x180, syn_tcb, 8);
	memcpy(r + 0x1a0, syn_chip, 64);
	if (EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, vcek_key) != 1 ||
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

/* Runs the sanitizer build of the program; returns its exit code. */
static int run_prog(const char *coll, const char *rdhex, const char *file, char *out, size_t outlen)
{
	char cmd[2048];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd),
		 "build/test/teearray-verify-snp-san --collateral %s sev_guest %s %s 2>/dev/null",
		 coll, rdhex, file);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(out, 1, outlen - 1, p);
	out[n] = 0;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

int main(void)
{
	static uint8_t real[SNP_REPORT_LEN], dbg[SNP_REPORT_LEN], t[SNP_REPORT_LEN], r[SNP_REPORT_LEN];
	static struct snp_policy pol, pol2;
	struct snp_opts o_nocrl = { .crl_required = 0, .now = VECTORS_NOW };
	struct snp_opts o_crl = { .crl_required = 1, .now = time(NULL) };
	struct snp_result res;
	uint8_t rd[64], meas[48], d[32];
	char path[1024], out[2048], rdhex[129], file[400];
	int rc, bad;

	tap_plan(19);
	if (!mkdtemp(tmpdir))
		return 2;
	snprintf(realdir, sizeof(realdir), "%s/real", tmpdir);
	snprintf(syndir, sizeof(syndir), "%s/syn", tmpdir);

	/* Real collateral directory from the vectors. */
	CHECK(read_file(VEC "snp-report-milan.bin", real, sizeof(real)) == SNP_REPORT_LEN);
	mkdir(realdir, 0700);
	snprintf(path, sizeof(path), "%s/vcek", realdir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/ark.pem", realdir);
	copy_file(VEC "snp-ark-milan.pem", path);
	snprintf(path, sizeof(path), "%s/ask.pem", realdir);
	copy_file(VEC "snp-ask-milan.pem", path);
	install_vcek(real, VEC "snp-vcek-milan.der");
	CHECK(read_file(VEC "snp-report-milan-debug.bin", dbg, sizeof(dbg)) == SNP_REPORT_LEN);
	install_vcek(dbg, VEC "snp-vcek-milan-debug.der");
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
	CHECK(run_prog(realdir, rdhex, VEC "snp-report-milan.bin", out, sizeof(out)) ==
	      SNP_E_COLLATERAL_MISSING);
	tap_end("the program refuses the real report without crl.pem (collateral-missing)");

	tap_begin();
	bad = 0;
	for (int i = 0; i < SNP_SIGNED_LEN + 144; i++) {
		int want;

		memcpy(t, real, sizeof(t));
		t[i] ^= 0x01;
		rc = snp_verify(t, sizeof(t), rd, &pol, &o, &res);
		if (i < 4 || (i >= 0x34 && i < 0x38) || (i >= 0x48 && i < 0x4c && i == 0x48))
			want = SNP_E_FORMAT;	/* version, algorithm, signing key */
		else if ((i >= 0x180 && i < 0x188) || (i >= 0x1a0 && i < 0x1e0))
			want = SNP_E_COLLATERAL_MISSING;	/* names another VCEK */
		else
			want = SNP_E_SIGNATURE;
		if (i == 0)	/* version 2 -> 3 is well-formed */
			want = SNP_E_SIGNATURE;
		if (i == 0x48)	/* bit 0 is author_key_en: signed, not the key selector */
			want = SNP_E_SIGNATURE;
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
	t[0x48] ^= 0x04;	/* signing_key = 1 (VLEK) */
	CHECK(snp_verify(t, sizeof(t), rd, &pol, &o, &res) == SNP_E_FORMAT);
	CHECK(snp_verify(real, sizeof(real) - 1, rd, &pol, &o, &res) == SNP_E_FORMAT);
	tap_end("VLEK-signed and truncated reports are malformed");

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
	tap_end("out-of-date TCB (snp, microcode, bootloader) is refused");

	tap_begin();
	memset(meas, 0x11, sizeof(meas));
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
		CHECK(load_policy_text("measurement " REAL_MEAS "\nallow-debug yes\n", &p) ==
		      SNP_E_POLICY);
	}
	tap_end("invalid policy files are refused");

	/* Synthetic chain: ARK -> ASK -> VCEK, all P-384, with a CRL we sign. */
	ark_key = EVP_EC_gen("P-384");
	ask_key = EVP_EC_gen("P-384");
	vcek_key = EVP_EC_gen("P-384");
	other_key = EVP_EC_gen("P-384");
	for (int i = 0; i < 64; i++)
		syn_chip[i] = (uint8_t)(0xa0 + i);
	syn_ark = make_cert("ARK-Test", ark_key, NULL, ark_key, 1, -86400, 86400 * 365, 1, 0);
	syn_ask = make_cert("SEV-Test", ask_key, syn_ark, ark_key, 2, -86400, 86400 * 365, 1, 0);
	memset(meas, 0x5a, sizeof(meas));
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)i;
	hex(rdhex, rd, 64);
	CHECK(!load_policy_text("measurement 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
				"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\n"
				"min-tcb bootloader=3 tee=0 snp=8 microcode=115\n", &pol));
	snprintf(path, sizeof(path), "%s/policy", syndir);
	syn_report(r, rd, 0x30000, meas);
	snprintf(file, sizeof(file), "%s/report.bin", tmpdir);
	write_file(file, r, sizeof(r));
	o = o_crl;
	o.collateral = syndir;

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_OK);
	write_policy(path, "measurement 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
		     "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\n"
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
	syn_collateral(syndir, 86400 * 30, -60, 0);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_STALE);
	CHECK(run_prog(syndir, rdhex, file, out, sizeof(out)) == SNP_E_COLLATERAL_STALE);
	tap_end("a CRL whose nextUpdate has passed is stale collateral");

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 2);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_REVOKED);
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 1);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_REVOKED);
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 99);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_OK);
	tap_end("a CRL revoking the ASK or the ARK is refused; an unrelated serial is not");

	tap_begin();
	syn_collateral(syndir, -60, 86400 * 7, 0);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_STALE);
	tap_end("an expired VCEK is stale collateral");

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	{
		X509 *oth = make_cert("ARK-Test", other_key, NULL, other_key, 1, -86400, 86400, 1, 0);

		write_crl(syndir, oth, other_key, -3600, 86400, 0);
		CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_CHAIN);
		write_cert(syndir, "ark.pem", oth);
		CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_CHAIN);
		X509_free(oth);
	}
	tap_end("a CRL or ARK from another root does not verify (chain-invalid)");

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	snprintf(path, sizeof(path), "%s/crl.pem", syndir);
	unlink(path);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_MISSING);
	CHECK(run_prog(syndir, rdhex, file, out, sizeof(out)) == SNP_E_COLLATERAL_MISSING);
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	snprintf(path, sizeof(path), "%s/ask.pem", syndir);
	unlink(path);
	CHECK(snp_verify(r, sizeof(r), rd, &pol, &o, &res) == SNP_E_COLLATERAL_MISSING);
	tap_end("missing crl.pem or ask.pem is collateral-missing");

	tap_begin();
	syn_collateral(syndir, 86400 * 30, 86400 * 7, 0);
	syn_report(t, rd, 0x30000 | (1ULL << 19), meas);
	CHECK(snp_verify(t, sizeof(t), rd, &pol, &o, &res) == SNP_E_DEBUG);
	tap_end("a genuine report from a debug-enabled guest is refused");

	tap_begin();
	CHECK(!load_policy_text("measurement 5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
				"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a\n"
				"min-tcb bootloader=3 tee=0 snp=8 microcode=115\nmax-vmpl 0\n",
				&pol2));
	CHECK(snp_verify(r, sizeof(r), rd, &pol2, &o, &res) == SNP_OK);
	tap_end("max-vmpl 0 accepts a VMPL 0 report");

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
