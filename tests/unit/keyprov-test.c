// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for teearray's key providers (tools/teearray/keyprov.c): the
 * file and keyring providers derive the epoch key from the root; the
 * command provider runs a program with the array UUID and the epoch, no
 * shell, stdin /dev/null, none of our other files, and takes exactly 128
 * hex digits (and a newline) or nothing: a refusal, a crash, a hang, a
 * program that closes stdout and carries on, and every malformed answer are
 * refused, with the program's stderr passed through and no key left behind.
 * The provider's time limit is shortened to 1.5 s here.
 */
#define CLI_PROVIDER_TIMEOUT_MS 1500
#include "../../tools/teearray/keyprov.c"

#include "tap.h"

#define UUID_S "10111213-1415-1617-1819-1a1b1c1d1e1f"
/* 64 bytes 0xa0..0xdf as the key service's answer. */
#define ANSWER "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" \
	       "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
#define LEAK_FD 57

static char dir[64];

static void make_cfg(struct td_array_cfg *a, enum td_array_key kind, const char *path)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "kp");
	for (unsigned int i = 0; i < 16; i++)
		a->uuid[i] = (uint8_t)(0x10 + i);
	a->data = 2;
	a->parity = 1;
	a->key_kind = kind;
	snprintf(a->key_path, sizeof(a->key_path), "%s", path);
}

/* dir/name holding a /bin/sh script, mode 0700 (0600 if noexec). */
static const char *script_mode(const char *name, const char *body, int noexec)
{
	static char path[128];
	char text[1024];
	int fd, len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	len = snprintf(text, sizeof(text), "#!/bin/sh\n%s\n", body);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, noexec ? 0600 : 0700);
	if (fd >= 0) {
		if (write(fd, text, (size_t)len) != len)
			printf("# cannot write %s\n", path);
		close(fd);
	}
	return path;
}

static const char *script(const char *name, const char *body)
{
	return script_mode(name, body, 0);
}

static char errtext[4096];

/* cli_epoch_key with stderr captured in errtext. */
static int epoch_key(const struct td_array_cfg *a, uint32_t epoch, uint8_t out[64])
{
	char path[128];
	int saved, fd, r;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	r = cli_epoch_key(a, epoch, out);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, errtext, sizeof(errtext) - 1) : -1;
	errtext[n > 0 ? n : 0] = '\0';
	if (fd >= 0)
		close(fd);
	return r;
}

static int is_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;

	while (n--)
		acc |= *p++;
	return !acc;
}

static void test_file_provider(void)
{
	struct td_array_cfg a;
	uint8_t root[64], want[64], out[64];
	char path[128];
	FILE *f;

	for (unsigned int i = 0; i < 64; i++)
		root[i] = (uint8_t)i;
	snprintf(path, sizeof(path), "%s/root.key", dir);
	f = fopen(path, "w");
	CHECK(f && fwrite(root, 64, 1, f) == 1);
	if (f)
		fclose(f);
	make_cfg(&a, TD_AKEY_FILE, path);

	tap_begin();
	teearray_epoch_key(root, 64, a.uuid, 3, want);
	CHECK(epoch_key(&a, 3, out) == 0 && !memcmp(out, want, 64));
	/* The first known-answer vector of tests/unit/audit-test.c. */
	CHECK(epoch_key(&a, 0, out) == 0);
	CHECK(out[0] == 0x34 && out[1] == 0x95 && out[62] == 0xfd && out[63] == 0x91);
	tap_end("keyprov: file provider derives E(epoch) from the root key file");

	tap_begin();
	f = fopen(path, "a");
	CHECK(f && fputc(0, f) == 0);
	if (f)
		fclose(f);
	CHECK(epoch_key(&a, 3, out) == CLI_EXIT_USAGE);
	CHECK(strstr(errtext, "must hold exactly 64 bytes"));
	make_cfg(&a, TD_AKEY_FILE, "/nonexistent/root.key");
	CHECK(epoch_key(&a, 3, out) == CLI_EXIT_USAGE);
	CHECK(strstr(errtext, "cannot open the array key /nonexistent/root.key"));
	tap_end("keyprov: file provider refuses a 65-byte or missing root key (exit 2)");
}

static void test_keyring_provider(void)
{
	struct td_array_cfg a;
	uint8_t root[64], want[64], out[64];

	for (unsigned int i = 0; i < 64; i++)
		root[i] = (uint8_t)(0xff - i);
	make_cfg(&a, TD_AKEY_KEYRING, "teearray-keyprov-test");
	/* A session keyring of our own, so nothing of the caller's is touched. */
	if (keyctl_join_session_keyring(NULL) < 0 ||
	    add_key("user", "teearray-keyprov-test", root, 64, KEY_SPEC_SESSION_KEYRING) < 0) {
		printf("ok - keyprov: keyring provider # SKIP no keyring here (%s)\n",
		       strerror(errno));
		return;
	}
	tap_begin();
	teearray_epoch_key(root, 64, a.uuid, 9, want);
	CHECK(epoch_key(&a, 9, out) == 0 && !memcmp(out, want, 64));
	CHECK(add_key("user", "teearray-keyprov-short", root, 32, KEY_SPEC_SESSION_KEYRING) >= 0);
	make_cfg(&a, TD_AKEY_KEYRING, "teearray-keyprov-short");
	CHECK(epoch_key(&a, 9, out) == CLI_EXIT_USAGE && strstr(errtext, "not a 64-byte root"));
	make_cfg(&a, TD_AKEY_KEYRING, "teearray-keyprov-absent");
	CHECK(epoch_key(&a, 9, out) == CLI_EXIT_USAGE && strstr(errtext, "no user key"));
	tap_end("keyprov: keyring provider derives E(epoch) from a 64-byte user key; "
		"short or absent key refused");
}

static void test_command_ok(void)
{
	struct td_array_cfg a;
	uint8_t out[64];
	const char *p;

	tap_begin();
	/* Arguments, stdin, and none of our descriptors (LEAK_FD is open, not CLOEXEC). */
	p = script("kms-ok",
		   "[ $# = 2 ] && [ \"$1\" = " UUID_S " ] && [ \"$2\" = 7 ] || exit 3\n"
		   "[ \"$(readlink /proc/self/fd/0)\" = /dev/null ] || exit 4\n"
		   "[ -e /proc/$$/fd/" "57" " ] && exit 5\n"
		   "echo " ANSWER);
	make_cfg(&a, TD_AKEY_COMMAND, p);
	CHECK(epoch_key(&a, 7, out) == 0);
	for (unsigned int i = 0; i < 64; i++)
		CHECK(out[i] == 0xa0 + i);
	CHECK(epoch_key(&a, 8, out) == CLI_EXIT_USAGE);	/* exits 3: wrong epoch */
	p = script("kms-nonl", "printf %s " ANSWER);
	make_cfg(&a, TD_AKEY_COMMAND, p);
	CHECK(epoch_key(&a, 7, out) == 0 && out[63] == 0xdf);
	p = script("kms-upper", "echo " ANSWER " | tr a-f A-F");
	make_cfg(&a, TD_AKEY_COMMAND, p);
	CHECK(epoch_key(&a, 7, out) == 0 && out[0] == 0xa0);
	tap_end("keyprov: command provider gets ARRAY-UUID EPOCH, stdin /dev/null, no other "
		"descriptors; 128 hex digits with or without a newline accepted");
}

static void expect_refused(const char *name, const char *body, const char *msg,
			   const char *what)
{
	struct td_array_cfg a;
	uint8_t out[64];
	struct timespec t0, t1;
	int r;

	tap_begin();
	make_cfg(&a, TD_AKEY_COMMAND, script(name, body));
	memset(out, 0x55, sizeof(out));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = epoch_key(&a, 3, out);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(r == CLI_EXIT_USAGE);
	CHECK(is_zero(out, sizeof(out)));
	CHECK(strstr(errtext, msg));
	/* Bounded by the provider's time limit (1.5 s here). */
	CHECK(t1.tv_sec - t0.tv_sec < 5);
	if (!strstr(errtext, msg))
		printf("#   stderr: %s", errtext);
	tap_end("keyprov: command provider %s: refused (exit 2), no key left", what);
}

static void test_command_refused(void)
{
	expect_refused("kms-revoked", "echo \"kms: epoch $2 is revoked\" >&2\nexit 1",
		       "kms: epoch 3 is revoked\nteearray: key provider command:", "exits 1");
	CHECK(strstr(errtext, "refused epoch 3 (revoked?)"));
	expect_refused("kms-partial", "echo " ANSWER "\nexit 1", "refused epoch 3 (revoked?)",
		       "prints a key but exits 1");
	expect_refused("kms-signal", "kill -9 $$", "was killed by signal 9 for epoch 3",
		       "dies of a signal");
	expect_refused("kms-empty", "exit 0", "other than 128 hex digits", "prints nothing");
	expect_refused("kms-short", "echo " ANSWER " | cut -c2-", "other than 128 hex digits",
		       "prints 127 digits");
	expect_refused("kms-long", "echo 0" ANSWER, "other than 128 hex digits",
		       "prints 129 digits");
	expect_refused("kms-nonhex", "echo " ANSWER " | tr a g", "other than 128 hex digits",
		       "prints a non-hex digit");
	expect_refused("kms-crlf", "printf '%s\\r\\n' " ANSWER, "other than 128 hex digits",
		       "ends its line with CR LF");
	expect_refused("kms-twolines", "echo " ANSWER "; echo", "other than 128 hex digits",
		       "prints a second line");
	expect_refused("kms-huge", "head -c 200000 /dev/zero | tr '\\0' a",
		       "other than 128 hex digits", "prints 200 kB");
	expect_refused("kms-hang", "exec sleep 20", "did not answer for epoch 3 within 1 s",
		       "hangs");
	expect_refused("kms-closes", "echo " ANSWER "\nexec >&-\nexec sleep 20",
		       "did not answer for epoch 3 within 1 s",
		       "answers, closes stdout and does not exit");
	tap_begin();
	{
		struct td_array_cfg a;
		uint8_t out[64];
		const char *path = script_mode("kms-noexec", "echo " ANSWER, 1);

		make_cfg(&a, TD_AKEY_COMMAND, path);
		CHECK(epoch_key(&a, 3, out) == CLI_EXIT_USAGE);
		CHECK(strstr(errtext, "cannot be run: Permission denied"));
		make_cfg(&a, TD_AKEY_COMMAND, "/nonexistent/kms");
		CHECK(epoch_key(&a, 3, out) == CLI_EXIT_USAGE);
		CHECK(strstr(errtext, "command:/nonexistent/kms cannot be run"));
	}
	tap_end("keyprov: command provider that cannot be run is refused before it is started");
}

static void test_cache(void)
{
	struct cli_key_cache kc = { 0 };
	struct td_array_cfg a;
	const uint8_t *k1, *k2;
	char count[128], body[512], buf[64];
	int fd, saved;

	snprintf(count, sizeof(count), "%s/calls", dir);
	snprintf(body, sizeof(body), "echo \"$2\" >> %s\n[ \"$2\" = 6 ] && exit 1\necho " ANSWER,
		 count);
	make_cfg(&a, TD_AKEY_COMMAND, script("kms-count", body));
	tap_begin();
	CHECK(cli_epoch_key_cached(&kc, &a, 5, &k1) == 0);
	CHECK(cli_epoch_key_cached(&kc, &a, 5, &k2) == 0 && k1 == k2 && k1[0] == 0xa0);
	/* The refusal is printed once, when the command runs. */
	fflush(stderr);
	saved = dup(2);
	fd = open("/dev/null", O_WRONLY);
	dup2(fd, 2);
	close(fd);
	CHECK(cli_epoch_key_cached(&kc, &a, 6, &k2) == CLI_EXIT_USAGE);
	CHECK(cli_epoch_key_cached(&kc, &a, 6, &k2) == CLI_EXIT_USAGE);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fd = open(count, O_RDONLY);
	memset(buf, 0, sizeof(buf));
	CHECK(fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0 && !strcmp(buf, "5\n6\n"));
	if (fd >= 0)
		close(fd);
	cli_key_cache_wipe(&kc);
	CHECK(kc.n == 0 && is_zero(kc.key[0], sizeof(kc.key[0])));
	tap_end("keyprov: a command runs once per epoch (answers and refusals cached); "
		"the cache is wiped");
}

int main(void)
{
	int leak;

	tap_plan(12 + 6);	/* expect_refused() calls, the rest */
	if (sodium_init() < 0)
		return 1;
	snprintf(dir, sizeof(dir), "/tmp/keyprov-test.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	/* A descriptor the provider must not inherit. */
	leak = open("/dev/null", O_RDONLY);
	if (leak < 0 || dup2(leak, LEAK_FD) < 0)
		return 1;
	close(leak);

	test_file_provider();
	test_keyring_provider();
	test_command_ok();
	test_command_refused();
	test_cache();

	close(LEAK_FD);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			printf("# could not remove %s\n", dir);
	}
	return tap_exit_status();
}
