/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teearray, the operator CLI: shared exit codes and error reporting.
 * Every error says what went wrong and what to do next.
 */
#ifndef TEEARRAY_CLI_H
#define TEEARRAY_CLI_H

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,	/* the operation failed */
	CLI_EXIT_USAGE = 2,	/* bad arguments, configuration or key */
	CLI_EXIT_MEMBER = 3,	/* a member is unreachable or failed attestation */
};

/* Prints "teearray: <message>" to stderr and returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_format(int argc, char **argv);

#endif /* TEEARRAY_CLI_H */
