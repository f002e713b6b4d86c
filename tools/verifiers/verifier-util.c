// SPDX-License-Identifier: GPL-2.0
/* Helpers both attestation verifiers use; see verifier-util.h. */
#include "verifier-util.h"

#include <ctype.h>
#include <stdarg.h>
#include <string.h>

int vrf_fail(char *msg, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return rc;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int vrf_hex_decode(uint8_t *out, size_t n, const char *s)
{
	if (strlen(s) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval((unsigned char)s[2 * i]), lo = hexval((unsigned char)s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void vrf_hex_encode(char *out, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = 0;
}

int vrf_read_file(const char *path, void *buf, size_t cap, size_t *n)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	*n = fread(buf, 1, cap, f);
	fclose(f);
	return 0;
}

int vrf_cli_parse(int argc, char **argv, struct vrf_cli *c,
		  int (*extra)(const char *opt, const char *arg, void *ctx), void *ctx)
{
	int i = 1;

	while (i < argc && !strncmp(argv[i], "--", 2)) {
		if (i + 1 >= argc)
			return -1;
		if (!strcmp(argv[i], "--collateral")) {
			c->collateral = argv[i + 1];
		} else if (!strcmp(argv[i], "--policy")) {
			c->policy = argv[i + 1];
		} else {
			int rc = extra ? extra(argv[i], argv[i + 1], ctx) : -1;

			if (rc)
				return rc;
		}
		i += 2;
	}
	if (argc - i != 3)
		return -1;
	c->provider = argv[i];
	c->report_data = argv[i + 1];
	c->file = argv[i + 2];
	if (!c->policy || !*c->policy) {
		snprintf(c->policy_buf, sizeof(c->policy_buf), "%s/policy", c->collateral);
		c->policy = c->policy_buf;
	}
	return 0;
}

int vrf_policy_line(FILE *f, char *line, size_t len, unsigned int *lineno, char **key,
		    char **val)
{
	while (fgets(line, (int)len, f)) {
		char *k, *v, *e;

		(*lineno)++;
		if (!strchr(line, '\n') && !feof(f))
			return -1;
		if ((e = strchr(line, '#')))
			*e = 0;
		for (e = line + strlen(line); e > line && isspace((unsigned char)e[-1]); e--)
			;
		*e = 0;
		for (k = line; isspace((unsigned char)*k); k++)
			;
		if (!*k)
			continue;
		for (v = k; *v && !isspace((unsigned char)*v); v++)
			;
		if (*v)
			*v++ = 0;
		while (isspace((unsigned char)*v))
			v++;
		*key = k;
		*val = v;
		return 1;
	}
	return 0;
}
