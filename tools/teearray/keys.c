// SPDX-License-Identifier: GPL-2.0
/*
 * Keys: `teearray keygen` writes the array key and the storage signing key
 * to files only root can read; `open` loads them into the kernel keyring
 * (the array key as a logon key, which userspace cannot read back; the
 * signing key as a user key for teearrayd), `close` unlinks the array key.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <keyutils.h>
#include <sodium.h>

#include "teearray-cli.h"
#include "teearray-keys.h"
#include "ta-crypto.h"

/* Create the missing parent directories of path, mode 0700 (mkdir -p). */
static int cli_mkdirs(const char *path)
{
	char *copy = strdup(path), *dir;
	struct stat st;
	int r = 0;

	if (!copy)
		return -1;
	dir = dirname(copy);
	if (stat(dir, &st)) {
		r = cli_mkdirs(dir);
		if (!r && mkdir(dir, 0700) && errno != EEXIST)
			r = -1;
	}
	free(copy);
	return r;
}

/* Say so when others may enter the directory that holds a key. */
static void cli_warn_dir_mode(const char *path)
{
	char *copy = strdup(path);
	struct stat st;

	if (copy && !stat(dirname(copy), &st) && (st.st_mode & 077))
		fprintf(stderr, "teearray: warning: %s is mode %04o; make it 0700 (chmod 0700 "
			"%s)\n", copy, (unsigned int)(st.st_mode & 07777), copy);
	free(copy);
}

/* Refuse (before anything is written) a key file that exists, unless force. */
static int cli_check_new(const char *path, int force)
{
	if (path && !force && access(path, F_OK) == 0)
		return cli_error(CLI_EXIT_USAGE, "%s exists: refusing to overwrite a key (an "
				 "array formatted with it would become unreadable); use --force "
				 "only if you are sure", path);
	return 0;
}

/*
 * Create path (mode 0400, never over an existing file unless force) with
 * data: written to path.new (O_EXCL), synced, then renamed into place.
 */
static int cli_write_secret(const char *path, const void *data, size_t len, int force)
{
	char tmp[4096];
	int fd, ok, r;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return cli_error(CLI_EXIT_USAGE, "path too long: %s", path);
	r = cli_check_new(path, force);
	if (r)
		return r;
	if (cli_mkdirs(path))
		return cli_error(CLI_EXIT_FAIL, "cannot create the directory of %s: %s", path,
				 strerror(errno));
	cli_warn_dir_mode(path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0400);
	if (fd < 0)
		return cli_error(CLI_EXIT_FAIL, "cannot create %s: %s", tmp, strerror(errno));
	ok = fchmod(fd, 0400) == 0 && write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
	ok &= close(fd) == 0;
	if (!ok || (force ? rename(tmp, path) : link(tmp, path))) {
		int e = errno;

		unlink(tmp);
		if (e == EEXIST)
			return cli_check_new(path, 0);
		return cli_error(CLI_EXIT_FAIL, "cannot write %s: %s", path, strerror(e));
	}
	if (!force)
		unlink(tmp);	/* link() put it in place without replacing anything */
	return 0;
}

int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "array-key", required_argument, NULL, 'a' },
		{ "signing-key", required_argument, NULL, 's' },
		{ "public-key", required_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *array_key = NULL, *signing_key = NULL, *public_key = NULL;
	uint8_t key[CLI_ARRAY_KEY_SIZE], sec[32];
	char hex[2 * 32 + 2];
	struct ta_key sk;
	int c, force = 0, r;

	while ((c = getopt_long(argc, argv, "a:s:p:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'a': array_key = optarg; break;
		case 's': signing_key = optarg; break;
		case 'p': public_key = optarg; break;
		case 'f': force = 1; break;
		case 'h':
			printf("usage: teearray keygen [--array-key FILE] [--signing-key FILE] "
			       "[--public-key FILE] [--force]\n"
			       "  without --array-key or --signing-key: both, %s and %s\n"
			       "  --public-key also writes the signing key's public key to FILE\n",
			       CLI_DEFAULT_ARRAY_KEY, CLI_DEFAULT_SIGNING_KEY);
			return 0;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_error(CLI_EXIT_USAGE, "keygen: unexpected argument '%s'", argv[optind]);
	if (!array_key && !signing_key) {
		array_key = CLI_DEFAULT_ARRAY_KEY;
		signing_key = CLI_DEFAULT_SIGNING_KEY;
	}
	if (public_key && !signing_key)
		return cli_error(CLI_EXIT_USAGE, "keygen: --public-key goes with a new signing "
				 "key (--signing-key FILE, or neither key option for both)");
	/* All or nothing: refuse before the first file is written. */
	r = cli_check_new(array_key, force);
	if (!r)
		r = cli_check_new(signing_key, force);
	if (!r)
		r = cli_check_new(public_key, force);
	if (r)
		return r;
	umask(077);
	if (array_key) {
		randombytes_buf(key, sizeof(key));
		r = cli_write_secret(array_key, key, sizeof(key), force);
		sodium_memzero(key, sizeof(key));
		if (r)
			return r;
		fprintf(stderr, "array key: %s (64 random bytes; keep a copy offline: without it "
			"the array cannot be read)\n", array_key);
	}
	if (signing_key) {
		if (ta_key_generate(&sk, sec))
			return cli_error(CLI_EXIT_FAIL, "generating the signing key failed");
		sodium_bin2hex(hex, sizeof(hex) - 1, sec, sizeof(sec));
		strcat(hex, "\n");
		sodium_memzero(sec, sizeof(sec));
		r = cli_write_secret(signing_key, hex, strlen(hex), force);
		sodium_memzero(hex, sizeof(hex));
		if (!r) {
			sodium_bin2hex(hex, sizeof(hex), sk.pub, sizeof(sk.pub));
			strcat(hex, "\n");
			if (public_key)
				r = cli_write_secret(public_key, hex, strlen(hex), force);
		}
		if (!r) {
			fprintf(stderr, "signing key: %s; its public key (teedisk --authorized-key)%s%s:\n",
				signing_key, public_key ? " is in " : "", public_key ? public_key : "");
			printf("%s", hex);
		}
		ta_key_wipe(&sk);
		if (r)
			return r;
	}
	return 0;
}

/* Logon key "teearray:NAME@EPOCH": the epoch key, for the kernel only. */
static void cli_epoch_key_desc(char *desc, size_t len, const char *name, uint32_t epoch)
{
	snprintf(desc, len, "teearray:%s@%u", name, epoch);
}

int cli_keyring_add_epoch_key(const char *name, uint32_t epoch,
			      const uint8_t key[CLI_ARRAY_KEY_SIZE])
{
	char desc[128];

	cli_epoch_key_desc(desc, sizeof(desc), name, epoch);
	if (add_key("logon", desc, key, CLI_ARRAY_KEY_SIZE, KEY_SPEC_USER_KEYRING) < 0)
		return cli_error(CLI_EXIT_FAIL, "cannot add the key of epoch %u to the user "
				 "keyring: %s", epoch, strerror(errno));
	return 0;
}

void cli_keyring_drop_epoch_key(const char *name, uint32_t epoch)
{
	char desc[128];
	key_serial_t id;

	cli_epoch_key_desc(desc, sizeof(desc), name, epoch);
	id = keyctl_search(KEY_SPEC_USER_KEYRING, "logon", desc, 0);
	if (id >= 0)
		keyctl_invalidate(id);
}

/* Every "teearray:NAME@*" logon key in the user keyring. */
void cli_keyring_drop_epoch_keys(const char *name)
{
	char prefix[128], *desc = NULL;
	key_serial_t *ids = NULL;
	long n, i;

	snprintf(prefix, sizeof(prefix), "teearray:%s@", name);
	n = keyctl_read_alloc(KEY_SPEC_USER_KEYRING, (void **)&ids);
	for (i = 0; i < n / (long)sizeof(*ids); i++) {
		if (keyctl_describe_alloc(ids[i], &desc) < 0)
			continue;
		/* "type;uid;gid;perm;description" */
		if (!strncmp(desc, "logon;", 6) && strrchr(desc, ';') &&
		    !strncmp(strrchr(desc, ';') + 1, prefix, strlen(prefix)))
			keyctl_invalidate(ids[i]);
		free(desc);
		desc = NULL;
	}
	free(ids);
}

int cli_keyring_load_signing_key(const struct td_config *cfg, const char *file)
{
	char text[80];
	struct ta_key k;
	ssize_t n = -1;
	int fd;

	if (cfg->key_source != TD_KEY_KEYRING ||
	    keyctl_search(KEY_SPEC_USER_KEYRING, "user", cfg->key_arg, 0) >= 0)
		return 0;
	/* The file holds 64 hex digits; the user key takes them as they are. */
	if (!ta_key_load_file(&k, file)) {
		ta_key_wipe(&k);
		fd = open(file, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, text, 64);
			close(fd);
		}
	}
	if (n != 64) {
		sodium_memzero(text, sizeof(text));
		return cli_error(CLI_EXIT_USAGE, "the configuration wants the signing key in user "
				 "key '%s', which is not in the keyring, and %s cannot be read as a "
				 "signing key: give --signing-key FILE", cfg->key_arg, file);
	}
	n = add_key("user", cfg->key_arg, text, 64, KEY_SPEC_USER_KEYRING);
	sodium_memzero(text, sizeof(text));
	if (n < 0)
		return cli_error(CLI_EXIT_FAIL, "cannot add the signing key to the user keyring: %s",
				 strerror(errno));
	return 0;
}
