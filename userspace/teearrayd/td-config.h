/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teearrayd configuration file.
 *
 * One directive per line; '#' starts a comment (at the start of a word);
 * words are separated by blanks.  Every error names FILE:LINE and what is
 * wrong, and parsing stops at the first error.  The format is documented in
 * Documentation/admin-guide/device-mapper/dm-teearray-daemon.rst.
 *
 *   signing-key file:PATH | keyring:DESCRIPTION
 *   policy allow-simulated yes|no
 *   policy sim-pubkey HEX64
 *   policy teedisk-hash HEX64
 *   policy tsm-verifier COMMAND
 *   member-timeout N[s|ms]
 *   credits N
 *   batch-max N
 *   member MEMBER-UUID ARRAY-UUID SLOT HOST:PORT [measurement=HEX64]
 *   array NAME ARRAY-UUID DATA PARITY key=PROVIDER [journal_mode=keep|erase]
 *         [commit_time=MS] [member_timeout=MS] [rebuild_rate=KIB]
 *
 * Array lines are for the teearray CLI; the daemon only validates them.
 */
#ifndef TD_CONFIG_H
#define TD_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "ta-attest.h"
#include "ta-crypto.h"

#define TD_MAX_MEMBERS		1024u
#define TD_MAX_LINE		4096u
#define TD_ADDR_MAX		256u
#define TD_DEFAULT_TIMEOUT_MS	10000u
#define TD_DEFAULT_CREDITS	256u
#define TD_DEFAULT_BATCH_MAX	64u
#define TD_MAX_CREDITS		4096u
#define TD_MAX_ARRAYS		64u
#define TD_ARRAY_NAME_MAX	64u

enum td_key_source {
	TD_KEY_NONE,
	TD_KEY_FILE,		/* 64 hex digits in a file (tmpfs) */
	TD_KEY_KEYRING,		/* "user" key: 32 raw bytes or 64 hex digits */
};

struct td_member_cfg {
	uint8_t uuid[TA_UUID_LEN];
	uint8_t array[TA_UUID_LEN];
	uint32_t slot;
	char addr[TD_ADDR_MAX];
	int have_measurement;
	uint8_t measurement[TA_HASH_LEN];
	unsigned int line;
};

/* Where an array's keys come from (key= of the array line). */
enum td_array_key {
	TD_AKEY_FILE,		/* key=/PATH or key=file:PATH: the root key */
	TD_AKEY_KEYRING,	/* key=keyring:DESC: the root in a user key */
	TD_AKEY_COMMAND,	/* key=command:PATH: prints one epoch key */
};

struct td_array_cfg {
	char name[TD_ARRAY_NAME_MAX + 1];	/* device-mapper name */
	uint8_t uuid[TA_UUID_LEN];
	uint32_t data, parity;
	enum td_array_key key_kind;
	char key_path[PATH_MAX];		/* path, or keyring description */
	char table_opts[160];			/* "name:value ..." for the table */
	unsigned int nopts;
	unsigned int line;
};

struct td_config {
	enum td_key_source key_source;
	char key_arg[PATH_MAX];
	/* Attestation policy shared by all members (measurement per member). */
	struct ta_policy policy;
	char *tsm_verifier;		/* owned; policy.tsm_verifier points here */
	int have_teedisk_hash;
	uint8_t teedisk_hash[TA_HASH_LEN];
	unsigned int member_timeout_ms;
	unsigned int credits;
	unsigned int batch_max;
	struct td_member_cfg *members;
	size_t nmembers;
	struct td_array_cfg *arrays;
	size_t narrays;
};

/*
 * Parse text (the contents of the file called name) into cfg.  Returns 0,
 * or -1 with a message "name:line: what" (or "name: what" for a problem of
 * the whole file) in err.  cfg is always safe to td_config_free.
 */
int td_config_parse(const char *name, const char *text, struct td_config *cfg,
		    char *err, size_t errlen);
/* Reads path (at most 1 MiB) and parses it. */
int td_config_load(const char *path, struct td_config *cfg, char *err, size_t errlen);
void td_config_free(struct td_config *cfg);

/* The array line called name, or NULL. */
const struct td_array_cfg *td_config_array(const struct td_config *cfg, const char *name);
/* The member line for slot of the given array, or NULL. */
const struct td_member_cfg *td_config_slot(const struct td_config *cfg,
					   const uint8_t array[TA_UUID_LEN], uint32_t slot);
const struct td_member_cfg *td_config_member(const struct td_config *cfg,
					     const uint8_t uuid[TA_UUID_LEN]);

/*
 * Load the signing key the configuration names.  Returns 0 or -1 with a
 * message in err.  The secret is wiped from every buffer this touches.
 */
int td_key_load(const struct td_config *cfg, struct ta_key *key, char *err, size_t errlen);

/*
 * When neither policy teedisk-hash nor measurement= pins the teedisk program
 * of every member: one line for the whole configuration (no newline) that
 * says how many members accept any teedisk program and which policy to set;
 * returns its length.  Returns 0 and leaves buf empty when all are pinned.
 */
size_t td_config_pin_warning(const struct td_config *cfg, const char *name, char *buf,
			     size_t len);

/* "host:port" or "[v6]:port" with a port 1..65535; 0 if valid. */
int td_addr_valid(const char *s);

#endif /* TD_CONFIG_H */
