// SPDX-License-Identifier: GPL-2.0
/*
 * teearray: operator command line for dm-teearray arrays, in the style of
 * cryptsetup and mdadm.  Talks to the kernel through libdevmapper,
 * libkeyutils and libkmod; never runs dmsetup or modprobe.
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "teearray-cli.h"
#include "teearray-dm.h"
#include "ta-crypto.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "keygen", cmd_keygen, "create an array key and a storage signing key" },
	{ "format", cmd_format, "initialise the members of a new array" },
	{ "open", cmd_open, "assemble an array as /dev/mapper/NAME" },
	{ "close", cmd_close, "remove /dev/mapper/NAME" },
	{ "status", cmd_status, "shape, health, members, journal, rebuild (--json)" },
	{ "replace", cmd_replace, "rebuild a member onto a fresh teedisk" },
	{ "check", cmd_check, "verify every MAC and all parity (--repair)" },
	{ "rotate", cmd_rotate, "move to the next key epoch online, wipe the old one" },
	{ "log", cmd_log, "print or verify the audit log (--verify, --anchor, --export)" },
	{ "epoch-key", cmd_epoch_key, "derive an epoch key from a root key (for dmsetup)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: teearray COMMAND [options]   (teearray COMMAND --help)\n");
	fprintf(f, "exit status: 0 ok, 1 failed, 2 bad arguments, configuration or key,\n"
		"             3 members missing or untrusted, 4 check found mismatches\n");
	for (unsigned int i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (sodium_init() < 0 || ta_crypto_init())
		return cli_error(CLI_EXIT_FAIL, "libsodium or libsecp256k1 failed to initialise");
	cli_dm_init();
	for (unsigned int i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	usage(stderr);
	return cli_error(CLI_EXIT_USAGE, "unknown command '%s'", argv[1]);
}
