// SPDX-License-Identifier: GPL-2.0
/*
 * teearray: operator command line for dm-teearray arrays.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "teearray-cli.h"

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("teearray: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "format", cmd_format, "initialise the members of a new array" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: teearray COMMAND [options]   (teearray COMMAND --help)\n");
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
	if (sodium_init() < 0)
		return cli_error(CLI_EXIT_FAIL, "libsodium failed to initialise");
	for (unsigned int i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	usage(stderr);
	return cli_error(CLI_EXIT_USAGE, "unknown command '%s'", argv[1]);
}
