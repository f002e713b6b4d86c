// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the teearrayd configuration parser and key loader: a full
 * valid file, defaults, and every error, each of which must name the file,
 * the line and the problem.
 */
#include <fcntl.h>
#include <keyutils.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "td-config.h"
#include "td-log.h"

#define M1 "11111111-2222-3333-4444-555555555555"
#define M2 "11111111-2222-3333-4444-555555555556"
#define AR "6a1b2c3d-0000-4000-8000-00000000000a"
#define HEX64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
/* x-only public key of the secret 1 (the generator). */
#define GPUB "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"

static const char *base =
	"signing-key file:/run/teearray/storage.key\n"
	"member " M1 " " AR " 0 127.0.0.1:7000\n";

/* Parse text; expect success. */
static int parse_ok(const char *text, struct td_config *cfg)
{
	char err[512];
	int ret = td_config_parse("t.conf", text, cfg, err, sizeof(err));

	if (ret)
		printf("#   unexpected error: %s\n", err);
	return ret == 0;
}

/*
 * Parse base + extra (extra lands on line 3); expect an error message that
 * equals "t.conf:<line>: " followed by a text containing want.
 */
static void expect_err(const char *extra, int line, const char *want, const char *name)
{
	struct td_config cfg;
	char text[8192], err[512], prefix[64];
	int ret;

	tap_begin();
	snprintf(text, sizeof(text), "%s%s", base, extra);
	ret = td_config_parse("t.conf", text, &cfg, err, sizeof(err));
	if (line)
		snprintf(prefix, sizeof(prefix), "t.conf:%d: ", line);
	else
		snprintf(prefix, sizeof(prefix), "t.conf: ");
	CHECK(ret == -1);
	CHECK(!strncmp(err, prefix, strlen(prefix)));
	CHECK(strstr(err, want) != NULL);
	if (ret != -1 || strncmp(err, prefix, strlen(prefix)) || !strstr(err, want))
		printf("#   got: %s\n", ret ? err : "(success)");
	td_config_free(&cfg);
	tap_end("config error: %s", name);
}

/* Whole-text variant for errors that need their own file. */
static void expect_err_text(const char *text, int line, const char *want, const char *name)
{
	struct td_config cfg;
	char err[512], prefix[64];
	int ret;

	tap_begin();
	ret = td_config_parse("t.conf", text, &cfg, err, sizeof(err));
	if (line)
		snprintf(prefix, sizeof(prefix), "t.conf:%d: ", line);
	else
		snprintf(prefix, sizeof(prefix), "t.conf: ");
	CHECK(ret == -1);
	CHECK(!strncmp(err, prefix, strlen(prefix)));
	CHECK(strstr(err, want) != NULL);
	if (ret != -1 || strncmp(err, prefix, strlen(prefix)) || !strstr(err, want))
		printf("#   got: %s\n", ret ? err : "(success)");
	td_config_free(&cfg);
	tap_end("config error: %s", name);
}

static void test_full(void)
{
	struct td_config cfg;
	const struct td_member_cfg *m;
	uint8_t u[16];

	tap_begin();
	CHECK(parse_ok(
		"# teearrayd configuration\n"
		"\n"
		"signing-key keyring:teearray:storage   # a user key\n"
		"policy allow-simulated yes\n"
		"policy sim-pubkey " GPUB "\n"
		"policy teedisk-hash " HEX64 "\n"
		"policy tsm-verifier /usr/libexec/teearray/verify\n"
		"\tmember-timeout 2500ms\r\n"
		"credits 512\n"
		"batch-max 32\n"
		"member " M1 " " AR " 0 10.0.0.5:7000\n"
		"member " M2 " " AR " 1 [fe80::1%eth0]:7001 measurement=" HEX64 "\n", &cfg));
	CHECK(cfg.key_source == TD_KEY_KEYRING && !strcmp(cfg.key_arg, "teearray:storage"));
	CHECK(cfg.policy.allow_simulated && cfg.policy.have_sim_pubkey);
	CHECK(cfg.have_teedisk_hash && cfg.teedisk_hash[1] == 0x11);
	CHECK(cfg.policy.tsm_verifier && !strcmp(cfg.policy.tsm_verifier,
						 "/usr/libexec/teearray/verify"));
	CHECK(cfg.member_timeout_ms == 2500 && cfg.credits == 512 && cfg.batch_max == 32);
	CHECK(cfg.nmembers == 2);
	ta_uuid_parse(u, M2);
	m = td_config_member(&cfg, u);
	CHECK(m && m->slot == 1 && !strcmp(m->addr, "[fe80::1%eth0]:7001") &&
	      m->have_measurement && m->line == 12);
	ta_uuid_parse(u, M1);
	m = td_config_member(&cfg, u);
	CHECK(m && m->slot == 0 && !m->have_measurement && m->line == 11);
	u[15] ^= 0x40;
	CHECK(td_config_member(&cfg, u) == NULL);
	td_config_free(&cfg);
	tap_end("config: a complete file parses with every directive");
}

static void test_defaults(void)
{
	struct td_config cfg;

	tap_begin();
	CHECK(parse_ok(base, &cfg));
	CHECK(cfg.key_source == TD_KEY_FILE &&
	      !strcmp(cfg.key_arg, "/run/teearray/storage.key"));
	CHECK(cfg.member_timeout_ms == TD_DEFAULT_TIMEOUT_MS);
	CHECK(cfg.credits == TD_DEFAULT_CREDITS && cfg.batch_max == TD_DEFAULT_BATCH_MAX);
	CHECK(!cfg.policy.allow_simulated && !cfg.have_teedisk_hash);
	td_config_free(&cfg);
	tap_end("config: defaults (timeout 10 s, 256 credits, batches of 64, no simulation)");

	tap_begin();
	CHECK(parse_ok("signing-key file:/k\nmember " M1 " " AR " 7 h:1\nmember-timeout 3\n",
		       &cfg));
	CHECK(cfg.member_timeout_ms == 3000);
	td_config_free(&cfg);
	CHECK(parse_ok("signing-key file:/k\nmember " M1 " " AR " 7 h:1\nmember-timeout 4s\n",
		       &cfg));
	CHECK(cfg.member_timeout_ms == 4000);
	td_config_free(&cfg);
	CHECK(parse_ok("signing-key file:/k\nmember " M1 " " AR " 255 h:65535", &cfg));
	CHECK(cfg.nmembers == 1 && cfg.members[0].slot == 255);
	td_config_free(&cfg);
	tap_end("config: durations N, Ns, Nms; last line without newline; slot 255, port 65535");
}

static void test_errors(void)
{
	char longline[TD_MAX_LINE + 40];

	expect_err("frobnicate yes\n", 3, "unknown directive 'frobnicate'", "unknown directive");
	expect_err("policy\n", 3, "policy needs a setting", "policy without a setting");
	expect_err("policy colour blue\n", 3, "unknown policy setting 'colour'",
		   "unknown policy setting");
	expect_err("policy measurement " HEX64 "\n", 3, "differs per member",
		   "global measurement pin refused with the reason");
	expect_err("policy allow-simulated maybe\n", 3, "must be yes or no, got 'maybe'",
		   "allow-simulated not yes/no");
	expect_err("policy allow-simulated\n", 3, "missing argument",
		   "allow-simulated without value");
	expect_err("policy allow-simulated yes no\n", 3, "too many arguments",
		   "allow-simulated with two values");
	expect_err("policy allow-simulated no\npolicy allow-simulated no\n", 4,
		   "given twice (first at line 3)", "allow-simulated twice");
	expect_err("policy sim-pubkey 1234\n", 3, "64 hex digits", "sim-pubkey too short");
	expect_err("policy sim-pubkey " HEX64 "\n", 3, "not a valid x-only public key",
		   "sim-pubkey not on the curve");
	expect_err("policy allow-simulated yes\n", 0, "needs policy sim-pubkey",
		   "allow-simulated yes without sim-pubkey");
	expect_err("policy sim-pubkey " GPUB "\n", 0, "not allowed",
		   "sim-pubkey without allow-simulated");
	expect_err("policy teedisk-hash " HEX64 "0\n", 3, "64 hex digits",
		   "teedisk-hash too long");
	expect_err("policy teedisk-hash "
		   "zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		   3, "64 hex digits", "teedisk-hash not hex");
	expect_err("policy tsm-verifier verify\n", 3, "absolute path",
		   "tsm-verifier relative path");
	expect_err("member-timeout soon\n", 3, "not a duration", "member-timeout not a number");
	expect_err("member-timeout 5ms\n", 3, "out of range", "member-timeout too short");
	expect_err("member-timeout 3601\n", 3, "out of range", "member-timeout too long");
	expect_err("member-timeout -5\n", 3, "not a duration", "member-timeout negative");
	expect_err("member-timeout 99999999999999999999\n", 3, "not a duration",
		   "member-timeout overflow");
	expect_err("credits 0\n", 3, "from 1 to 4096, got '0'", "credits zero");
	expect_err("credits 4097\n", 3, "from 1 to 4096", "credits too many");
	expect_err("credits 1\ncredits 2\n", 4, "credits given twice", "credits twice");
	expect_err("batch-max 1025\n", 3, "from 1 to 1024", "batch-max above the wire limit");
	expect_err("batch-max 0x10\n", 3, "from 1 to 1024", "batch-max in hex");
	expect_err("signing-key file:/other\n", 3, "signing-key given twice (first at line 1)",
		   "signing-key twice");
	expect_err_text("signing-key file:relative\n", 1, "absolute path",
			"signing-key relative file");
	expect_err_text("signing-key keyring:\n", 1, "needs a key description",
			"signing-key empty keyring description");
	expect_err_text("signing-key /run/key\n", 1, "file:PATH or keyring:DESCRIPTION",
			"signing-key without a source");
	expect_err_text("member " M1 " " AR " 0 h:1\n", 0, "no signing-key line",
			"no signing-key");
	expect_err_text("signing-key file:/k\n# nothing\n", 0, "no member lines", "no members");
	expect_err("member " M2 " " AR " 1\n", 3, "missing argument", "member too short");
	expect_err("member " M2 " " AR " 1 h:1 measurement=" HEX64 " x\n", 3,
		   "too many arguments", "member too long");
	expect_err("member nonsense " AR " 1 h:1\n", 3, "member UUID 'nonsense' is not a UUID",
		   "member UUID invalid");
	expect_err("member " M2 " 6a1b2c3d-0000-4000-8000 1 h:1\n", 3, "array UUID",
		   "array UUID too short");
	expect_err("member 00000000-0000-0000-0000-000000000000 " AR " 1 h:1\n", 3, "nil UUID",
		   "nil member UUID");
	expect_err("member " M2 " " AR " 256 h:1\n", 3, "from 0 to 255, got '256'",
		   "slot too large");
	expect_err("member " M2 " " AR " one h:1\n", 3, "got 'one'", "slot not a number");
	expect_err("member " M2 " " AR " 1 h\n", 3, "HOST:PORT", "address without port");
	expect_err("member " M2 " " AR " 1 h:0\n", 3, "HOST:PORT", "port zero");
	expect_err("member " M2 " " AR " 1 h:65536\n", 3, "HOST:PORT", "port too large");
	expect_err("member " M2 " " AR " 1 :7000\n", 3, "HOST:PORT", "empty host");
	expect_err("member " M2 " " AR " 1 h/x:7000\n", 3, "HOST:PORT", "host with a slash");
	expect_err("member " M2 " " AR " 1 [fe80::1:7000\n", 3, "HOST:PORT",
		   "unclosed IPv6 bracket");
	expect_err("member " M2 " " AR " 1 h:1 measure=" HEX64 "\n", 3,
		   "unknown member option 'measure=", "unknown member option");
	expect_err("member " M2 " " AR " 1 h:1 measurement=abc\n", 3, "64 hex digits",
		   "member measurement too short");
	expect_err("member " M1 " " AR " 1 h:1\n", 3, "already defined at line 2",
		   "duplicate member UUID");
	expect_err("member " M2 " " AR " 0 h:1\n", 3, "slot 0 already defined at line 2",
		   "duplicate array slot");
	expect_err("member\001 x\n", 3, "control character 0x01", "control character");
	memset(longline, 'a', sizeof(longline) - 2);
	longline[sizeof(longline) - 2] = '\n';
	longline[sizeof(longline) - 1] = 0;
	expect_err(longline, 3, "longer than 4096", "line too long");
	expect_err("policy allow-simulated no a b c d e f g h i j k l m n\n", 3, "too many words",
		   "too many words");
}

static void test_many_members(void)
{
	struct td_config cfg;
	size_t cap = 128 * (TD_MAX_MEMBERS + 2), len;
	char *text = malloc(cap), err[512];
	int ret;

	tap_begin();
	len = (size_t)snprintf(text, cap, "signing-key file:/k\n");
	for (unsigned int i = 0; i <= TD_MAX_MEMBERS; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"member 11111111-2222-3333-4444-%012x "
					"6a1b2c3d-0000-4000-8000-%012x %u h:1\n",
					i + 1, i / 256 + 1, i % 256);
	ret = td_config_parse("t.conf", text, &cfg, err, sizeof(err));
	CHECK(ret == -1);
	CHECK(strstr(err, "t.conf:1026: too many members") != NULL);
	td_config_free(&cfg);
	free(text);
	tap_end("config: member %u is refused with its line number", TD_MAX_MEMBERS + 1);
}

static void write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		printf("#   cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
}

static void test_load_and_keys(void)
{
	char dir[] = "/tmp/teearrayd-config-XXXXXX", path[256], keyp[256], text[1024],
	     err[512];
	static const char one_hex[] =
		"0000000000000000000000000000000000000000000000000000000000000001\n";
	uint8_t pub[32];
	struct td_config cfg;
	struct ta_key key;
	int ret;

	if (!mkdtemp(dir)) {
		printf("not ok - config: cannot create a temporary directory\n");
		tap_failures++;
		return;
	}
	ta_hex_decode(pub, 32, GPUB);
	snprintf(keyp, sizeof(keyp), "%s/storage.key", dir);
	snprintf(path, sizeof(path), "%s/teearrayd.conf", dir);

	tap_begin();
	ret = td_config_load(path, &cfg, err, sizeof(err));
	CHECK(ret == -1 && strstr(err, "teearrayd.conf: cannot open: No such file"));
	td_config_free(&cfg);
	ret = td_config_load(dir, &cfg, err, sizeof(err));
	CHECK(ret == -1 && strstr(err, "not a regular file"));
	td_config_free(&cfg);
	write_file(path, "signing-key file:/k\n\0member\n", 28);
	ret = td_config_load(path, &cfg, err, sizeof(err));
	CHECK(ret == -1 && strstr(err, "NUL byte"));
	td_config_free(&cfg);
	snprintf(text, sizeof(text), "signing-key file:%s\nmember " M1 " " AR " 0 h:1\nbogus\n",
		 keyp);
	write_file(path, text, strlen(text));
	ret = td_config_load(path, &cfg, err, sizeof(err));
	snprintf(text, sizeof(text), "%s:3: unknown directive 'bogus'", path);
	CHECK(ret == -1 && !strcmp(err, text));
	td_config_free(&cfg);
	tap_end("config: load errors (missing file, directory, NUL byte) and file:line in messages");

	tap_begin();
	snprintf(text, sizeof(text), "signing-key file:%s\nmember " M1 " " AR " 0 h:1\n", keyp);
	write_file(path, text, strlen(text));
	CHECK(td_config_load(path, &cfg, err, sizeof(err)) == 0);
	ret = td_key_load(&cfg, &key, err, sizeof(err));
	CHECK(ret == -1 && strstr(err, "storage.key: cannot open"));
	write_file(keyp, one_hex, sizeof(one_hex) - 1);
	CHECK(td_key_load(&cfg, &key, err, sizeof(err)) == 0);
	CHECK(!memcmp(key.pub, pub, 32));
	write_file(keyp, one_hex, 64);
	CHECK(td_key_load(&cfg, &key, err, sizeof(err)) == 0 && !memcmp(key.pub, pub, 32));
	write_file(keyp, "abc\n", 4);
	ret = td_key_load(&cfg, &key, err, sizeof(err));
	CHECK(ret == -1 && strstr(err, "must hold 64 hex digits"));
	write_file(keyp, "x000000000000000000000000000000000000000000000000000000000000001\n", 65);
	ret = td_key_load(&cfg, &key, err, sizeof(err));
	CHECK(ret == -1 && strstr(err, "not 64 hex digits"));
	write_file(keyp, "0000000000000000000000000000000000000000000000000000000000000000\n", 65);
	ret = td_key_load(&cfg, &key, err, sizeof(err));
	CHECK(ret == -1 && strstr(err, "not a valid secp256k1 secret key"));
	td_config_free(&cfg);
	tap_end("config: signing key from a file (hex, with and without newline; every error)");

	tap_begin();
	{
		char desc[64];
		uint8_t raw[32] = { 0 };
		key_serial_t k;

		snprintf(desc, sizeof(desc), "teearrayd-test:%d", (int)getpid());
		snprintf(text, sizeof(text), "signing-key keyring:%s\nmember " M1 " " AR " 0 h:1\n",
			 desc);
		CHECK(td_config_parse("t.conf", text, &cfg, err, sizeof(err)) == 0);
		ret = td_key_load(&cfg, &key, err, sizeof(err));
		CHECK(ret == -1 && strstr(err, "no user key with that description"));
		raw[31] = 1;
		k = add_key("user", desc, raw, 32, KEY_SPEC_PROCESS_KEYRING);
		if (k < 0) {
			printf("#   add_key failed: the kernel keyring is not available here\n");
			CHECK(k >= 0);
		} else {
			CHECK(td_key_load(&cfg, &key, err, sizeof(err)) == 0);
			CHECK(!memcmp(key.pub, pub, 32));
			keyctl_update(k, one_hex, 64);
			CHECK(td_key_load(&cfg, &key, err, sizeof(err)) == 0 &&
			      !memcmp(key.pub, pub, 32));
			keyctl_update(k, raw, 31);
			ret = td_key_load(&cfg, &key, err, sizeof(err));
			CHECK(ret == -1 && strstr(err, "32 bytes or 64 hex digits, has 31"));
			keyctl_unlink(k, KEY_SPEC_PROCESS_KEYRING);
		}
		td_config_free(&cfg);
	}
	tap_end("config: signing key from the kernel keyring (raw and hex payloads; errors)");

	unlink(keyp);
	unlink(path);
	rmdir(dir);
}

static void test_addr(void)
{
	tap_begin();
	CHECK(td_addr_valid("127.0.0.1:1") == 0);
	CHECK(td_addr_valid("teedisk-3.example:7000") == 0);
	CHECK(td_addr_valid("[::1]:7000") == 0);
	CHECK(td_addr_valid("[]:7000") != 0);
	CHECK(td_addr_valid("host:") != 0);
	CHECK(td_addr_valid("host:70a") != 0);
	CHECK(td_addr_valid("ho st:70") != 0);
	tap_end("config: member address syntax");
}

/* Array lines: what teearray open turns into a table. */
static void test_arrays(void)
{
	const struct td_array_cfg *a;
	struct td_config cfg;
	char text[2048];
	int ok;

	tap_begin();
	snprintf(text, sizeof(text), "%sarray vault " AR " 4 3 key=/etc/teearray/vault.key "
		 "journal_mode=erase commit_time=5\narray b-2.x " M2 " 1 1 key=/k\n", base);
	ok = parse_ok(text, &cfg);
	a = ok ? td_config_array(&cfg, "vault") : NULL;
	CHECK(a && a->data == 4 && a->parity == 3);
	CHECK(a && !strcmp(a->key_path, "/etc/teearray/vault.key"));
	CHECK(a && !strcmp(a->table_opts, "journal_mode:erase commit_time:5") && a->nopts == 2);
	CHECK(td_config_array(&cfg, "b-2.x") && !td_config_array(&cfg, "vaul"));
	CHECK(a && td_config_slot(&cfg, a->uuid, 0) && !td_config_slot(&cfg, a->uuid, 1));
	tap_end("array lines parsed: shape, key path, table options, lookup by name and slot");
	td_config_free(&cfg);

	tap_begin();
	/* member_timeout_min is not member_timeout given twice, in either order. */
	snprintf(text, sizeof(text), "%sarray a " AR " 4 3 key=/k member_timeout_min=200 "
		 "member_timeout=3000 journal_mode=keep commit_time=5 rebuild_rate=0\n", base);
	ok = parse_ok(text, &cfg);
	a = ok ? td_config_array(&cfg, "a") : NULL;
	CHECK(a && !strcmp(a->table_opts, "member_timeout_min:200 member_timeout:3000 "
			   "journal_mode:keep commit_time:5 rebuild_rate:0") && a->nopts == 5);
	if (ok)
		td_config_free(&cfg);
	tap_end("array line with every table option, member_timeout_min before member_timeout");

	tap_begin();
	snprintf(text, sizeof(text), "%sarray f " AR " 4 3 key=file:/r\narray k " M2
		 " 1 1 key=keyring:vault-root\n", base);
	ok = parse_ok(text, &cfg);
	a = ok ? td_config_array(&cfg, "f") : NULL;
	CHECK(a && a->key_kind == TD_AKEY_FILE && !strcmp(a->key_path, "/r"));
	a = ok ? td_config_array(&cfg, "k") : NULL;
	CHECK(a && a->key_kind == TD_AKEY_KEYRING && !strcmp(a->key_path, "vault-root"));
	if (ok)
		td_config_free(&cfg);
	snprintf(text, sizeof(text), "%sarray c " AR " 4 3 key=command:/usr/lib/kms\n", base);
	ok = parse_ok(text, &cfg);
	a = ok ? td_config_array(&cfg, "c") : NULL;
	CHECK(a && a->key_kind == TD_AKEY_COMMAND && !strcmp(a->key_path, "/usr/lib/kms"));
	if (ok)
		td_config_free(&cfg);
	tap_end("array key providers: file:, keyring: and command:");

	expect_err("array v " AR " 4 3\n", 3, "missing argument", "array line without key=");
	expect_err("array v " AR " 4 3 /k\n", 3, "must be key=PATH", "array key not key=");
	expect_err("array v " AR " 4 3 key=rel\n", 3, "absolute path", "relative array key path");
	expect_err("array v " AR " 4 3 key=command:kms\n", 3, "absolute path",
		   "relative key command");
	expect_err("array v " AR " 4 3 key=keyring:\n", 3, "key=keyring:DESCRIPTION",
		   "empty keyring description");
	expect_err("array a/b " AR " 4 3 key=/k\n", 3, "array name 'a/b'", "array name with /");
	expect_err("array .x " AR " 4 3 key=/k\n", 3, "array name '.x'", "array name starting with .");
	expect_err("array v " AR " 0 3 key=/k\n", 3, "DATA must be", "zero data members");
	expect_err("array v " AR " 200 100 key=/k\n", 3, "DATA + PARITY <= 256", "too many members");
	expect_err("array v " AR " 4 3 key=/k colour=red\n", 3, "unknown array option 'colour=red'",
		   "unknown array option");
	expect_err("array v " AR " 4 3 key=/k journal_mode=shred\n", 3,
		   "journal_mode must be keep or erase", "bad journal mode");
	expect_err("array v " AR " 4 3 key=/k commit_time=0\n", 3,
		   "commit_time must be a number from 1 to 60000", "commit_time out of range");
	expect_err("array v " AR " 4 3 key=/k commit_time=1 commit_time=2\n", 3, "given twice",
		   "array option twice");
	expect_err("array v " AR " 4 3 key=/k member_timeout=500 member_timeout=600\n", 3,
		   "member_timeout given twice", "member_timeout twice");
	expect_err("array v " AR " 4 3 key=/k member_timeout_min=99\n", 3,
		   "member_timeout_min must be a number from 100 to 600000",
		   "member_timeout_min out of range");
	expect_err("array v " AR " 4 3 key=/k\narray v " M1 " 1 1 key=/k\n", 4,
		   "array v already defined at line 3", "two arrays with one name");
	expect_err("array v " AR " 4 3 key=/k\narray w " AR " 1 1 key=/k\n", 4,
		   "already used by array v", "two arrays with one UUID");
}

/* One warning line per configuration, naming the policy; none when pinned. */
static void test_pin_warning(void)
{
	struct td_config cfg;
	char w[512];

	tap_begin();
	CHECK(parse_ok("signing-key file:/k\n"
		       "member " M1 " " AR " 0 127.0.0.1:7000\n"
		       "member " M2 " " AR " 1 127.0.0.1:7001 measurement=" HEX64 "\n", &cfg));
	CHECK(td_config_pin_warning(&cfg, "t.conf", w, sizeof(w)) == strlen(w));
	CHECK(!strncmp(w, "t.conf: 1 of 2 members have no measurement=", 43));
	CHECK(strstr(w, "policy teedisk-hash") && !strchr(w, '\n'));
	td_config_free(&cfg);
	CHECK(parse_ok("signing-key file:/k\npolicy teedisk-hash " HEX64 "\n"
		       "member " M1 " " AR " 0 127.0.0.1:7000\n", &cfg));
	CHECK(td_config_pin_warning(&cfg, "t.conf", w, sizeof(w)) == 0 && !w[0]);
	td_config_free(&cfg);
	CHECK(parse_ok("signing-key file:/k\n"
		       "member " M1 " " AR " 0 127.0.0.1:7000 measurement=" HEX64 "\n", &cfg));
	CHECK(td_config_pin_warning(&cfg, "t.conf", w, sizeof(w)) == 0 && !w[0]);
	td_config_free(&cfg);
	tap_end("config: one unpinned-measurement warning per file, naming policy teedisk-hash");
}

int main(void)
{
	tap_plan(63 + 5 + 12);	/* expect_err() calls, expect_err_text() calls, the rest */
	td_log_set_stderr_prio(LOG_ERR);
	ta_crypto_init();
	test_full();
	test_defaults();
	test_errors();
	test_many_members();
	test_load_and_keys();
	test_addr();
	test_arrays();
	test_pin_warning();
	return tap_exit_status();
}
