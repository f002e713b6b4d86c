/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Table line parser for the teearray target.
 *
 * Pure code: no allocation, no locking, no I/O.  It builds in the module and
 * in the userspace unit tests and fuzzer.  Context: any; the caller owns the
 * params structure.
 */
#ifndef TEEARRAY_TABLE_H
#define TEEARRAY_TABLE_H

#include "teearray-compat.h"

#define TEEARRAY_UUID_SIZE	16
#define TEEARRAY_UUID_STRLEN	36
#define TEEARRAY_MAX_MEMBERS	256
#define TEEARRAY_MAX_PARITY	128
#define TEEARRAY_KEY_SIZE	64
#define TEEARRAY_KEY_DESC_MAX	255
#define TEEARRAY_KEY_TYPE_MAX	15

/* Logical (and member) sector size: 4 KiB everywhere. */
#define TEEARRAY_SECTOR_SHIFT	12
#define TEEARRAY_SECTOR_SIZE	4096U	/* 1 << TEEARRAY_SECTOR_SHIFT */

enum teearray_journal_mode {
	TEEARRAY_JOURNAL_KEEP = 0,	/* applied entries stay until overwritten */
	TEEARRAY_JOURNAL_ERASE = 1,	/* applied entries are trimmed everywhere */
};

/* Bits of teearray_params.opt_given, in table output order. */
enum teearray_opt {
	TEEARRAY_OPT_COMMIT_TIME,
	TEEARRAY_OPT_MEMBER_TIMEOUT,
	TEEARRAY_OPT_JOURNAL_MODE,
	TEEARRAY_OPT_REBUILD_RATE,
	TEEARRAY_OPT_KEY_EPOCH,
	TEEARRAY_OPT_PREV_KEY,
	TEEARRAY_OPT_MEMBER_TIMEOUT_MIN,
	TEEARRAY_NR_OPTS,
};

#define TEEARRAY_DEF_COMMIT_TIME_MS	10
#define TEEARRAY_MAX_COMMIT_TIME_MS	60000
#define TEEARRAY_DEF_MEMBER_TIMEOUT_MS	10000
#define TEEARRAY_MIN_MEMBER_TIMEOUT_MS	100
#define TEEARRAY_MAX_MEMBER_TIMEOUT_MS	600000
/* Floor of the adaptive timeout (teearray-slow.h); member_timeout is its ceiling. */
#define TEEARRAY_DEF_MEMBER_TIMEOUT_MIN_MS	1000

struct teearray_key_ref {
	unsigned int size;
	char type[TEEARRAY_KEY_TYPE_MAX + 1];
	char desc[TEEARRAY_KEY_DESC_MAX + 1];
};

struct teearray_params {
	u8 array_uuid[TEEARRAY_UUID_SIZE];
	struct teearray_key_ref key;
	unsigned int data_members;
	unsigned int parity_members;
	/* Slot i holds member_uuid[i]; a slot given as "-" is absent. */
	u8 member_uuid[TEEARRAY_MAX_MEMBERS][TEEARRAY_UUID_SIZE];
	bool member_absent[TEEARRAY_MAX_MEMBERS];
	unsigned int nr_absent;

	unsigned int opt_given;		/* bitmask of enum teearray_opt */
	unsigned int commit_time_ms;
	unsigned int member_timeout_ms;		/* ceiling of one wait */
	unsigned int member_timeout_min_ms;	/* floor of one wait */
	enum teearray_journal_mode journal_mode;
	unsigned int rebuild_rate_kib;	/* KiB/s, 0 = unlimited */
	u32 key_epoch;			/* epoch of key */
	struct teearray_key_ref prev_key;	/* epoch key_epoch - 1, while rotating */
};

/*
 * teearray_parse_table - parse the target arguments (without start/length).
 * On failure returns -EINVAL, sets *error to a static message suitable for
 * ti->error and *bad_arg to the index of the offending argument (or -1 when
 * the problem is the argument count).
 */
int teearray_parse_table(struct teearray_params *p, unsigned int argc,
			 char **argv, char **error, int *bad_arg);

/*
 * teearray_format_table - print params as a table line that parses back to
 * the same params.  Returns the length that the full line needs (like
 * snprintf); the output is truncated when that is >= len.
 */
int teearray_format_table(const struct teearray_params *p, char *buf,
			  size_t len);

/* Parse ":<size>:<type>:<description>"; -EINVAL with *error on failure. */
int teearray_parse_key_ref(const char *s, struct teearray_key_ref *key,
			   char **error);

/* Canonical lowercase 36-character form plus NUL into out[37]. */
void teearray_format_uuid(const u8 uuid[TEEARRAY_UUID_SIZE],
			  char out[TEEARRAY_UUID_STRLEN + 1]);

/* Returns 0 and fills uuid, or -EINVAL; the nil UUID is rejected. */
int teearray_parse_uuid(const char *s, u8 uuid[TEEARRAY_UUID_SIZE]);

#endif /* TEEARRAY_TABLE_H */
