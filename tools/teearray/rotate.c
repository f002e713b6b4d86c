// SPDX-License-Identifier: GPL-2.0
/*
 * teearray rotate: move an open array to its next key epoch (the kernel
 * re-encrypts online, then wipes the old epoch); teearray epoch-key: the
 * epoch key derivation, for key services and for dmsetup users.  See
 * Documentation/admin-guide/device-mapper/dm-teearray-keys.rst.
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "teearray-cli.h"
#include "teearray-dm.h"
#include "teearray-status.h"
#include "teearray-keys.h"
#include "teearray-keyprov.h"
#include "teearray-kdf.h"
#include "td-ctl.h"

int cmd_rotate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = CLI_DEFAULT_CONFIG, *name;
	const struct td_array_cfg *a;
	struct cli_dm_status st;
	struct td_config cfg;
	uint8_t key[CLI_ARRAY_KEY_SIZE];
	char msg[192], why[256];
	int c, r, no_wait = 0;
	uint32_t e;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'n': no_wait = 1; break;
		case 'h':
			printf("usage: teearray rotate NAME [--config FILE] [--no-wait]\n");
			return 0;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_error(CLI_EXIT_USAGE, "rotate needs exactly one array NAME");
	name = argv[optind];
	r = cli_load_array(config, name, &cfg, &a);
	if (r)
		return r;
	r = cli_dm_status(name, &st);
	if (r) {
		r = cli_error(CLI_EXIT_FAIL, "%s is not open (teearray open %s)", name, name);
		goto out;
	}
	if (strcmp(st.old_epoch, "-") && !strcmp(st.sync_action, "rotate")) {
		r = cli_error(CLI_EXIT_FAIL, "a rotation of %s to key epoch %u is running "
			      "(%" PRIu64 "/%" PRIu64 "); rotate again when it is done "
			      "(teearray status %s)", name, st.key_epoch, st.sync_done,
			      st.sync_total, name);
		goto out;
	}
	if (strcmp(st.old_epoch, "-")) {
		r = cli_error(CLI_EXIT_FAIL, "the rotation of %s to key epoch %u stopped "
			      "unfinished (see dmesg | grep teearray); restart it with dmsetup "
			      "message %s 0 rotate %u :64:logon:teearray:%s@%u, or close and open "
			      "%s", name, st.key_epoch, name, st.key_epoch, name, st.key_epoch,
			      name);
		goto out;
	}
	if (strcmp(st.sync_action, "idle")) {
		r = cli_error(CLI_EXIT_FAIL, "%s is busy (%s running): rotate when it is done "
			      "(teearray status %s)", name, st.sync_action, name);
		goto out;
	}
	if (strcmp(st.mode, "rw")) {
		r = cli_error(CLI_EXIT_FAIL, "%s has failed (mode %s): it cannot rotate; see "
			      "teearray status %s", name, st.mode, name);
		goto out;
	}
	if (st.key_epoch == UINT32_MAX) {
		r = cli_error(CLI_EXIT_FAIL, "%s is at the last key epoch", name);
		goto out;
	}
	/* The kernel writes every superblock through the daemon before it answers. */
	r = cli_daemon_settle(name, a->uuid, TD_CTL_DEFAULT_PATH, CLI_DEFAULT_PIDFILE, 0,
			      cli_daemon_timeout_ms(cfg.member_timeout_ms), why, sizeof(why));
	if (r) {
		r = cli_error(CLI_EXIT_FAIL, "no transport daemon serves %s (%s): a rotation "
			      "writes every member through it; start teearrayd", name,
			      r == -ENOENT ? "teearrayd is not running" : why);
		goto out;
	}
	e = st.key_epoch + 1;
	r = cli_epoch_key(a, e, key);
	if (r) {
		fprintf(stderr, "teearray: %s keeps serving under key epoch %u until it is "
			"closed; it cannot be opened again without that epoch's key\n", name,
			st.key_epoch);
		goto out;
	}
	r = cli_keyring_add_epoch_key(name, e, key);
	sodium_memzero(key, sizeof(key));
	if (r)
		goto out;
	snprintf(msg, sizeof(msg), "rotate %u :64:logon:teearray:%s@%u", e, name, e);
	r = cli_dm_message(name, msg, NULL);
	if (r) {
		cli_keyring_drop_epoch_key(name, e);
		r = cli_error(CLI_EXIT_FAIL, "the kernel refused to rotate %s (%s%s): the reason "
			      "is in the kernel log (dmesg | grep teearray); %s still serves under "
			      "key epoch %u", name, strerror(-r), r == -EBUSY ? ": a rebuild, "
			      "check or rotation started meanwhile" : "", name, st.key_epoch);
		goto out;
	}
	if (no_wait) {
		printf("%s: new writes use key epoch %u; re-encrypting in the background\n", name, e);
		goto out;
	}
	r = cli_follow(name, "rotate", &st);
	if (!r && strcmp(st.old_epoch, "-"))
		r = cli_error(CLI_EXIT_FAIL, "the re-encryption of %s stopped (see the kernel "
			      "log); it continues on the next open, or send dmsetup message %s 0 "
			      "rotate %u :64:logon:teearray:%s@%u", name, name, e, name, e);
	if (r)
		goto out;
	cli_keyring_drop_epoch_key(name, e - 1);
	printf("%s: now at key epoch %u; epoch %u key wiped\n", name, e, e - 1);
out:
	td_config_free(&cfg);
	return r;
}

int cmd_epoch_key(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "uuid", required_argument, NULL, 'u' },
		{ "epoch", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *root_file = NULL, *uuid_s = NULL, *epoch_s = NULL;
	uint8_t root[CLI_ARRAY_KEY_SIZE], key[TEEARRAY_EPOCH_KEY_SIZE], uuid[16];
	unsigned long long e;
	char *end;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': root_file = optarg; break;
		case 'u': uuid_s = optarg; break;
		case 'e': epoch_s = optarg; break;
		case 'h':
			printf("usage: teearray epoch-key --root FILE --uuid ARRAY-UUID --epoch N "
			       "> KEYFILE\n");
			return 0;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc || !root_file || !uuid_s || !epoch_s)
		return cli_error(CLI_EXIT_USAGE, "epoch-key needs --root FILE, --uuid ARRAY-UUID "
				 "and --epoch N");
	if (ta_uuid_parse(uuid, uuid_s))
		return cli_error(CLI_EXIT_USAGE, "--uuid: '%s' is not a UUID", uuid_s);
	errno = 0;
	e = strtoull(epoch_s, &end, 10);
	if (errno || *end || !*epoch_s || epoch_s[0] == '-' || e > UINT32_MAX)
		return cli_error(CLI_EXIT_USAGE, "--epoch must be a number from 0 to %u, got '%s'",
				 UINT32_MAX, epoch_s);
	if (isatty(STDOUT_FILENO))
		return cli_error(CLI_EXIT_USAGE, "refusing to write a key to a terminal: redirect "
				 "standard output");
	r = cli_read_array_key(root_file, root);
	if (r)
		return r;
	teearray_epoch_key(root, sizeof(root), uuid, (uint32_t)e, key);
	sodium_memzero(root, sizeof(root));
	r = fwrite(key, sizeof(key), 1, stdout) == 1 && !fflush(stdout) ? 0 :
		cli_error(CLI_EXIT_FAIL, "cannot write the key: %s", strerror(errno));
	sodium_memzero(key, sizeof(key));
	return r;
}
