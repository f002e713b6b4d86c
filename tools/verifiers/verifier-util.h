/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers both attestation verifiers (teearray-verify-snp and
 * teearray-verify-tdx) use: formatted failure messages, hex, reading a
 * whole file, their common command line and their policy-file lines.
 * Plain C and stdio only, so either verifier links it without the other.
 */
#ifndef VERIFIER_UTIL_H
#define VERIFIER_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Formats the reason into msg (len bytes) and returns rc. */
int vrf_fail(char *msg, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Exactly 2n hex digits into out; 0, or -1 for anything else. */
int vrf_hex_decode(uint8_t *out, size_t n, const char *s);
/* n bytes as 2n lowercase hex digits and a NUL into out. */
void vrf_hex_encode(char *out, const uint8_t *p, size_t n);

/* Up to cap bytes of path into buf, their count in *n; -1 (errno set) if it cannot be opened. */
int vrf_read_file(const char *path, void *buf, size_t cap, size_t *n);

/*
 * The verifiers' command line:
 *   [--collateral DIR] [--policy FILE] [--OPT ARG]... PROVIDER REPORT_DATA_HEX FILE
 * collateral and policy come in holding their defaults; an empty policy
 * becomes DIR/policy.  extra (may be NULL) takes the other "--OPT ARG"
 * pairs: 0 taken, -1 unknown, anything else an exit code to stop with.
 * Returns 0, -1 for a usage error (the caller prints its usage), or the
 * exit code extra returned.
 */
struct vrf_cli {
	const char *collateral, *policy;
	const char *provider, *report_data, *file;
	char policy_buf[4096];
};

int vrf_cli_parse(int argc, char **argv, struct vrf_cli *c,
		  int (*extra)(const char *opt, const char *arg, void *ctx), void *ctx);

/*
 * The next policy line of f that says something, read into line (len
 * bytes): comments ('#' to the end) and surrounding blanks dropped, split
 * into its first word (*key) and the rest (*val, leading blanks dropped).
 * *lineno counts every line read.  1 for such a line, 0 at the end of the
 * file, -1 for a line longer than line.
 */
int vrf_policy_line(FILE *f, char *line, size_t len, unsigned int *lineno, char **key,
		    char **val);

#endif
