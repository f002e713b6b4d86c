// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the table parser (kernel/teearray-table.c), built from the
 * same source as the module.  Every rejection asserts the exact message the
 * operator sees in ti->error.
 */
#include <stdlib.h>
#include "teearray-table.h"
#include "tap.h"

#define AU "6d2b1c9e-0f3a-4e8b-9c1d-2a3b4c5d6e7f"
#define M0 "00000000-0000-4000-8000-000000000001"
#define M1 "00000000-0000-4000-8000-000000000002"
#define M2 "00000000-0000-4000-8000-000000000003"
#define KEY ":64:logon:teearray:test"

static struct teearray_params params;

/* Split a line on spaces into a static argv. */
static unsigned int split(const char *line, char **argv, char *store)
{
	unsigned int argc = 0;
	char *tok, *save;

	strcpy(store, line);
	for (tok = strtok_r(store, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	return argc;
}

static int parse(const char *line, char **error, int *bad)
{
	static char store[16384];
	static char *argv[1024];
	unsigned int argc = split(line, argv, store);

	return teearray_parse_table(&params, argc, argv, error, bad);
}

struct reject_case {
	const char *line;
	const char *error;
	int bad_arg;
};

static const struct reject_case rejects[] = {
	{ "", "Not enough arguments: <array_uuid> <key> <#data> <#parity> <member_uuid>... [<#opt_params> <opt_params>]", -1 },
	{ AU " " KEY " 2 1", "Not enough arguments: <array_uuid> <key> <#data> <#parity> <member_uuid>... [<#opt_params> <opt_params>]", -1 },
	{ "not-a-uuid " KEY " 2 1 " M0 " " M1 " " M2, "Invalid array UUID", 0 },
	{ "00000000-0000-0000-0000-000000000000 " KEY " 2 1 " M0 " " M1 " " M2, "Invalid array UUID", 0 },
	{ "6d2b1c9e0f3a-4e8b-9c1d-2a3b4c5d6e7f0 " KEY " 2 1 " M0 " " M1 " " M2, "Invalid array UUID", 0 },
	{ AU " 0123456789abcdef 2 1 " M0 " " M1 " " M2, "Key must be a keyring reference :<size>:<type>:<description>; literal keys are not accepted", 1 },
	{ AU " :64:logon 2 1 " M0 " " M1 " " M2, "Malformed key reference: expected :<size>:<type>:<description>", 1 },
	{ AU " :32:logon:x:y 2 1 " M0 " " M1 " " M2, "Key size must be 64 bytes", 1 },
	{ AU " :064:logon:x:y 2 1 " M0 " " M1 " " M2, "Invalid key size in key reference", 1 },
	{ AU " ::logon:x:y 2 1 " M0 " " M1 " " M2, "Invalid key size in key reference", 1 },
	{ AU " :64:trusted:x 2 1 " M0 " " M1 " " M2, "Key type must be logon or user", 1 },
	{ AU " :64:logon: 2 1 " M0 " " M1 " " M2, "Key description must be 1-255 characters", 1 },
	{ AU " " KEY " 0 1 " M0 " " M1 " " M2, "Invalid number of data members: expected 1-255", 2 },
	{ AU " " KEY " 256 1 " M0 " " M1 " " M2, "Invalid number of data members: expected 1-255", 2 },
	{ AU " " KEY " -1 1 " M0 " " M1 " " M2, "Invalid number of data members: expected 1-255", 2 },
	{ AU " " KEY " 2 0 " M0 " " M1 " " M2, "Invalid number of parity members: expected 1-128", 3 },
	{ AU " " KEY " 2 129 " M0 " " M1 " " M2, "Invalid number of parity members: expected 1-128", 3 },
	{ AU " " KEY " 200 100 " M0 " " M1 " " M2, "Too many members: data + parity must not exceed 256", 3 },
	{ AU " " KEY " 2 2 " M0 " " M1 " " M2, "Not enough member UUIDs for the given data + parity count", -1 },
	{ AU " " KEY " 2 1 " M0 " bogus " M2, "Invalid member UUID (use - for an absent member)", 5 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M0, "Duplicate member UUID", 6 },
	{ AU " " KEY " 2 1 " M0 " " AU " " M2, "Member UUID equals the array UUID", 5 },
	{ AU " " KEY " 2 1 - - " M2, "More absent members than parity members: the array cannot be assembled", -1 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " " M2, "Invalid number of optional arguments (or too many member UUIDs)", 7 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 2 commit_time:5", "Invalid number of optional arguments (or too many member UUIDs)", 7 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 commit_time", "Optional argument must be <name>:<value>", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 frobnicate:1", "Unknown optional argument", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 2 commit_time:5 commit_time:6", "Duplicate optional argument", 9 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 commit_time:0", "Invalid commit_time: expected 1-60000 (milliseconds)", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 commit_time:60001", "Invalid commit_time: expected 1-60000 (milliseconds)", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 member_timeout:99", "Invalid member_timeout: expected 100-600000 (milliseconds)", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 member_timeout_min:99", "Invalid member_timeout_min: expected 100-600000 (milliseconds)", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 2 member_timeout:2000 member_timeout_min:2001", "member_timeout_min must not exceed member_timeout", -1 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 member_timeout_min:600001", "Invalid member_timeout_min: expected 100-600000 (milliseconds)", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 journal_mode:shred", "Invalid journal_mode: expected keep or erase", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 rebuild_rate:4294967296", "Invalid rebuild_rate: expected KiB/s as a decimal number, 0 for unlimited", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 key_epoch:4294967296", "Invalid key_epoch: expected a decimal number below 2^32", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 key_epoch:-1", "Invalid key_epoch: expected a decimal number below 2^32", 8 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 prev_key::64:logon:old", "prev_key needs key_epoch 1 or higher", -1 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 2 key_epoch:0 prev_key::64:logon:old", "prev_key needs key_epoch 1 or higher", -1 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 2 key_epoch:3 prev_key:00112233", "Key must be a keyring reference :<size>:<type>:<description>; literal keys are not accepted", 9 },
	{ AU " " KEY " 2 1 " M0 " " M1 " " M2 " 2 key_epoch:3 prev_key::32:logon:old", "Key size must be 64 bytes", 9 },
};

static void test_rejects(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rejects); i++) {
		char *error = NULL;
		int bad = -2;

		tap_begin();
		CHECK(parse(rejects[i].line, &error, &bad) == -EINVAL);
		CHECK(error && !strcmp(error, rejects[i].error));
		CHECK(bad == rejects[i].bad_arg);
		if (tap_case_failed)
			printf("#   line '%s'\n#   got '%s' at %d\n", rejects[i].line,
			       error ? error : "(none)", bad);
		tap_end("table: rejects case %u (%s)", i, rejects[i].error);
	}
}

/* A valid line parses, and the formatted table parses back to the same params. */
static void roundtrip(const char *line, const char *expect)
{
	static struct teearray_params first;
	char out[16384], *error = NULL;
	int bad;

	tap_begin();
	CHECK(parse(line, &error, &bad) == 0);
	first = params;
	CHECK(teearray_format_table(&first, out, sizeof(out)) == (int)strlen(out));
	CHECK(!strcmp(out, expect));
	if (strcmp(out, expect))
		printf("#   got    '%s'\n#   expect '%s'\n", out, expect);
	CHECK(parse(out, &error, &bad) == 0);
	CHECK(!memcmp(&first, &params, sizeof(params)));
	tap_end("table: round trip '%.60s...'", line);
}

static void test_valid(void)
{
	roundtrip(AU " " KEY " 2 1 " M0 " " M1 " " M2,
		  AU " " KEY " 2 1 " M0 " " M1 " " M2);
	/* Upper-case hex is accepted and printed canonically. */
	roundtrip("6D2B1C9E-0F3A-4E8B-9C1D-2A3B4C5D6E7F :64:user:k 2 1 - " M1 " " M2,
		  AU " :64:user:k 2 1 - " M1 " " M2);
	roundtrip(AU " " KEY " 2 1 " M0 " " M1 " " M2
		  " 4 rebuild_rate:0 journal_mode:erase member_timeout:100 commit_time:60000",
		  AU " " KEY " 2 1 " M0 " " M1 " " M2
		  " 4 commit_time:60000 member_timeout:100 journal_mode:erase rebuild_rate:0");
	roundtrip(AU " " KEY " 2 1 " M0 " " M1 " " M2 " 2 prev_key::64:logon:teearray:v@6 key_epoch:7",
		  AU " " KEY " 2 1 " M0 " " M1 " " M2 " 2 key_epoch:7 prev_key::64:logon:teearray:v@6");
	roundtrip(AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 key_epoch:4294967295",
		  AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 key_epoch:4294967295");
	roundtrip(AU " " KEY " 2 1 " M0 " " M1 " " M2 " 0",
		  AU " " KEY " 2 1 " M0 " " M1 " " M2);
	roundtrip(AU " " KEY " 2 1 " M0 " " M1 " " M2 " 2 member_timeout_min:250 member_timeout:3000",
		  AU " " KEY " 2 1 " M0 " " M1 " " M2 " 2 member_timeout:3000 member_timeout_min:250");

	tap_begin();
	{
		char *error;
		int bad;

		CHECK(parse(AU " " KEY " 2 1 " M0 " " M1 " " M2, &error, &bad) == 0);
		CHECK(params.commit_time_ms == TEEARRAY_DEF_COMMIT_TIME_MS);
		CHECK(params.member_timeout_ms == TEEARRAY_DEF_MEMBER_TIMEOUT_MS);
		CHECK(params.member_timeout_min_ms == TEEARRAY_DEF_MEMBER_TIMEOUT_MIN_MS);
		/* The default floor follows a ceiling below it. */
		CHECK(parse(AU " " KEY " 2 1 " M0 " " M1 " " M2 " 1 member_timeout:300",
			    &error, &bad) == 0);
		CHECK(params.member_timeout_ms == 300 && params.member_timeout_min_ms == 300);
		CHECK(params.journal_mode == TEEARRAY_JOURNAL_KEEP);
		CHECK(params.data_members == 2 && params.parity_members == 1);
		CHECK(!strcmp(params.key.type, "logon"));
		CHECK(!strcmp(params.key.desc, "teearray:test"));
	}
	tap_end("table: defaults and key reference fields");
}

/* The largest shape: 128 + 128 members, formatted into a short buffer too. */
static void test_large(void)
{
	static char line[16384], out[16384];
	unsigned int i;
	char *error;
	int bad, need;

	tap_begin();
	snprintf(line, sizeof(line), AU " " KEY " 128 128");
	for (i = 0; i < 256; i++)
		snprintf(line + strlen(line), sizeof(line) - strlen(line),
			 " 00000000-0000-4000-8000-%012x", i + 1);
	CHECK(parse(line, &error, &bad) == 0);
	need = teearray_format_table(&params, out, sizeof(out));
	CHECK(need == (int)strlen(line));
	CHECK(!strcmp(out, line));
	CHECK(teearray_format_table(&params, out, 10) == need);
	CHECK(strlen(out) == 9);
	tap_end("table: 128+128 members, truncation reports needed length");
}

int main(void)
{
	/* One case per rejects[] entry, six round trips, defaults, the largest shape */
	tap_plan(ARRAY_SIZE(rejects) + 7 + 1 + 1);
	test_rejects();
	test_valid();
	test_large();
	return tap_exit_status();
}
