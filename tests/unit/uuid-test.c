// SPDX-License-Identifier: GPL-2.0
/*
 * One UUID syntax for the whole project.  The same strings must be accepted
 * and refused, with the same bytes, by
 *   - the kernel's table parser, teearray_parse_uuid (kernel/teearray-table.c,
 *     built here for userspace);
 *   - libteearray's ta_uuid_parse, which the CLI (every UUID it reads: the
 *     configuration, --array, --uuid, the kernel's table and "members"
 *     answer), teedisk and teedisk-client use;
 *   - the daemon's configuration parser (td_config_parse), for a member
 *     UUID, a member's array UUID and an array line's UUID.
 * The accepted syntax is the kernel's: 8-4-4-4-12 hex digits in either case
 * with dashes, 36 characters, not the nil UUID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "td-config.h"
#include "ta-crypto.h"
#include "teearray-table.h"

#define OTHER "6a1b2c3d-0000-4000-8000-00000000000a"
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

struct uuid_case {
	const char *s;
	int ok;			/* the one syntax accepts it */
	const char *why;
};

static const struct uuid_case cases[] = {
	{ "5a6b7c8d-1111-4222-8333-444455556666", 1, "canonical, lower case" },
	{ "5A6B7C8D-1111-4222-8333-444455556666", 1, "upper case" },
	{ "5a6B7c8D-AbCd-4222-8333-44445555ffFF", 1, "mixed case" },
	{ "00000000-0000-0000-0000-000000000001", 1, "all zero but the last bit" },
	{ "ffffffff-ffff-ffff-ffff-ffffffffffff", 1, "all ones" },
	{ "00000000-0000-0000-0000-000000000000", 0, "the nil UUID" },
	{ "5a6b7c8d11114222833344445555666a", 0, "32 hex digits without dashes" },
	{ "5a6b7c8d-1111-4222-8333-44445555666", 0, "35 characters" },
	{ "5a6b7c8d-1111-4222-8333-4444555566667", 0, "37 characters" },
	{ "5a6b7c8d-1111-4222-8333-444455556666-", 0, "a trailing dash" },
	{ "-5a6b7c8d-1111-4222-8333-444455556666", 0, "a leading dash" },
	{ "5a6b7c8-d1111-4222-8333-444455556666", 0, "a dash one place early" },
	{ "5a6b7c8d1-111-4222-8333-444455556666", 0, "a dash one place late" },
	{ "5a6b7c8d-11114-222-8333-444455556666", 0, "second dash misplaced" },
	{ "5a6b7c8d-1111-42228-333-444455556666", 0, "third dash misplaced" },
	{ "5a6b7c8d-1111-4222-83334-44455556666", 0, "fourth dash misplaced" },
	{ "5a6b7c8d--111-4222-8333-444455556666", 0, "two dashes in a row" },
	{ "5a6b7c8d_1111_4222_8333_444455556666", 0, "underscores" },
	{ "5a6b7c8d-1111-4222-8333-44445555666g", 0, "a non-hex letter" },
	{ "5a6b7c8d-1111-4222-8333-4444 5556666", 0, "a space inside" },
	{ " 5a6b7c8d-1111-4222-8333-44445555666", 0, "a leading space" },
	{ "5a6b7c8d-1111-4222-8333-44445555666 ", 0, "a trailing space" },
	{ "{5a6b7c8d-1111-4222-8333-4444555566}", 0, "braces" },
	{ "urn:uuid:5a6b7c8d-1111-4222-8333-444455556666", 0, "a urn: prefix" },
	{ "0x5a6b7c-1111-4222-8333-444455556666", 0, "0x" },
	{ "+a6b7c8d-1111-4222-8333-444455556666", 0, "a sign" },
	{ "5a6b7c8d-1111-4222-8333-4444555566\xc3\xa9", 0, "a non-ASCII byte" },
	{ "", 0, "empty" },
	{ "x", 0, "one letter" },
	{ "------------------------------------", 0, "only dashes" },
};

/* The daemon's verdict on s as member UUID, member's array UUID and array UUID. */
static int config_accepts(const char *s, uint8_t out[3][16])
{
	char text[1024], err[512];
	struct td_config cfg;
	int ok = 1, r;

	/* As a member UUID. */
	snprintf(text, sizeof(text), "signing-key file:/k\nmember %s " OTHER " 0 h:1\n", s);
	r = td_config_parse("t.conf", text, &cfg, err, sizeof(err));
	ok &= !r;
	if (!r)
		memcpy(out[0], cfg.members[0].uuid, 16);
	td_config_free(&cfg);
	/* As the array UUID of a member line and of its array line. */
	snprintf(text, sizeof(text), "signing-key file:/k\nmember " OTHER " %s 0 h:1\n"
		 "array a %s 2 1 key=/k\n", s, s);
	r = td_config_parse("t.conf", text, &cfg, err, sizeof(err));
	if (!r) {
		memcpy(out[1], cfg.members[0].array, 16);
		memcpy(out[2], cfg.arrays[0].uuid, 16);
	}
	td_config_free(&cfg);
	/* Both or neither: one function decides for every UUID of the file. */
	if (ok != !r)
		printf("#   '%s': member UUID %s, array UUID %s by the daemon\n", s,
		       ok ? "accepted" : "refused", r ? "refused" : "accepted");
	return ok == !r ? ok : -1;
}

static void test_same_verdicts(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct uuid_case *c = &cases[i];
		uint8_t k[16], l[16], d[3][16];
		int kern, lib, daemon;

		tap_begin();
		kern = teearray_parse_uuid(c->s, k) == 0;
		lib = ta_uuid_parse(l, c->s) == TA_OK;
		daemon = config_accepts(c->s, d);
		CHECK(kern == c->ok);
		CHECK(lib == c->ok);
		CHECK(daemon == c->ok);
		if (c->ok && kern && lib && daemon == 1) {
			CHECK(!memcmp(k, l, 16));
			CHECK(!memcmp(k, d[0], 16) && !memcmp(k, d[1], 16) && !memcmp(k, d[2], 16));
		}
		tap_end("uuid: %s: %s by the kernel, libteearray (CLI) and the daemon's configuration",
			c->why, c->ok ? "accepted" : "refused");
	}
}

static void test_round_trip(void)
{
	static const char *in = "5A6B7C8D-AbCd-4222-8333-44445555ffFF";
	uint8_t u[16], k[16];
	char out[37], kout[TEEARRAY_UUID_STRLEN + 1];

	tap_begin();
	CHECK(ta_uuid_parse(u, in) == TA_OK);
	ta_uuid_format(out, u);
	CHECK(!strcmp(out, "5a6b7c8d-abcd-4222-8333-44445555ffff"));
	CHECK(teearray_parse_uuid(in, k) == 0);
	teearray_format_uuid(k, kout);
	CHECK(!strcmp(out, kout));
	/* A refused string leaves the output alone. */
	memset(u, 0xa5, sizeof(u));
	CHECK(ta_uuid_parse(u, "00000000-0000-0000-0000-000000000000") == TA_E_ARG);
	CHECK(u[0] == 0xa5 && u[15] == 0xa5);
	CHECK(ta_uuid_parse(u, NULL) == TA_E_ARG);
	tap_end("uuid: printed back in lower case, the same by the kernel and libteearray; "
		"a refusal writes nothing");
}

/* Every string of 36 characters over the alphabet that matters, at the dash places. */
static void test_dash_positions(void)
{
	const char *base = "5a6b7c8d-1111-4222-8333-444455556666";
	unsigned int i, bad = 0;
	char s[37];

	tap_begin();
	for (i = 0; i < 36; i++) {
		static const char subst[] = "-0aAgG _";

		for (const char *c = subst; *c; c++) {
			uint8_t k[16], l[16], d[3][16];
			int kern, lib, daemon;

			memcpy(s, base, sizeof(s));
			s[i] = *c;
			kern = teearray_parse_uuid(s, k) == 0;
			lib = ta_uuid_parse(l, s) == TA_OK;
			daemon = config_accepts(s, d);
			if (kern != lib || kern != daemon || (kern && memcmp(k, l, 16))) {
				if (!bad++)
					printf("#   '%s': kernel %d, libteearray %d, daemon %d\n", s,
					       kern, lib, daemon);
			}
		}
	}
	CHECK(bad == 0);
	tap_end("uuid: every single-character change of a UUID (dash, digit, letter, non-hex, "
		"space) gets the same verdict from all three");
}

int main(void)
{
	if (ta_crypto_init() != TA_OK) {
		printf("not ok - uuid: crypto library\n");
		return 1;
	}
	tap_plan(ARRAY_SIZE(cases) + 2);	/* one per case, round trip, dash positions */
	test_same_verdicts();
	test_round_trip();
	test_dash_positions();
	return tap_exit_status();
}
