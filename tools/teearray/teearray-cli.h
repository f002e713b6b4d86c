/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teearray, the operator CLI: exit codes, error reporting and the helpers
 * the subcommands share.  Every error says what went wrong and what to do
 * next.
 */
#ifndef TEEARRAY_CLI_H
#define TEEARRAY_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "td-config.h"
#include "ta-client.h"

enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAIL = 1,	/* the operation failed */
	CLI_EXIT_USAGE = 2,	/* bad arguments, configuration or key */
	CLI_EXIT_MEMBER = 3,	/* a member is unreachable or failed attestation; no quorum */
	CLI_EXIT_FOUND = 4,	/* check found mismatches; status of a failed array */
};

#define CLI_DEFAULT_CONFIG	"/etc/teearray/teearrayd.conf"
#define CLI_DEFAULT_PIDFILE	"/run/teearrayd.pid"
#define CLI_ARRAY_KEY_SIZE	64

/* Prints "teearray: <message>" to stderr and returns code. */
int cli_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The configuration and the array line called name; exit code on error. */
int cli_load_array(const char *config, const char *name, struct td_config *cfg,
		   const struct td_array_cfg **array);
/* Exactly 64 bytes from path; exit code on error. */
int cli_read_array_key(const char *path, uint8_t key[CLI_ARRAY_KEY_SIZE]);

/* What a member's superblock says, as seen by an attested connection. */
enum cli_member_state {
	CLI_MEMBER_OK,		/* superblock of this array and slot verifies */
	CLI_MEMBER_UNREACHABLE,	/* no connection */
	CLI_MEMBER_UNTRUSTED,	/* identification or attestation failed */
	CLI_MEMBER_BLANK,	/* no superblock (fresh or restarted teedisk) */
	CLI_MEMBER_BADMAC,	/* superblock MAC does not verify: wrong key */
	CLI_MEMBER_MISMATCH,	/* verifies but another slot, shape or member UUID */
	CLI_MEMBER_IOERR,	/* reading the superblock failed */
	CLI_MEMBER_NOKEY,	/* the provider has no key for its epoch */
};
const char *cli_member_state_name(enum cli_member_state s);

struct cli_member {
	const struct td_member_cfg *cfg;
	enum cli_member_state state;
	char why[160];
	uint64_t sectors;		/* member capacity */
	uint64_t array_sectors;		/* from a verified superblock, 4 KiB */
	uint32_t data, parity;
	uint32_t key_epoch;		/* from a verified superblock */
	int rotating;
};

struct cli_key_cache;

/*
 * Connect to every member of the array (attested) and read its superblock,
 * all members in parallel (a thread and a connection each), so the whole
 * probe takes about one member timeout however many members do not
 * answer.  members[] has data + parity entries, filled in slot order.  Returns 0, or an exit code when
 * the configuration lacks a member or the signing key cannot be loaded.
 */
int cli_probe_members(const struct td_config *cfg, const struct td_array_cfg *a,
		      struct cli_key_cache *keys, struct cli_member *members);

/*
 * Connect to and identify one member (attested): CLI_MEMBER_OK,
 * CLI_MEMBER_UNREACHABLE or CLI_MEMBER_UNTRUSTED with why filled in.
 * Close c in every case.
 */
enum cli_member_state cli_connect(struct ta_client *c, const struct td_config *cfg,
				  const struct ta_key *skey, const uint8_t array[16],
				  uint32_t slot, const char *addr, char *why, size_t whylen);

/* Why a read on connection c failed with r: the member's error name or the library's. */
const char *cli_read_error(const struct ta_client *c, int r);

void cli_uuid_str(const uint8_t uuid[16], char out[37]);
/* teearray_all_zero() for files that cannot include the kernel headers. */
int cli_all_zero(const void *p, size_t len);
/* 0, or non-zero when s is not a UUID. */
int cli_parse_uuid(const char *s, uint8_t out[16]);

/* The pid of the running teearrayd per its pid file, or 0. */
pid_t cli_daemon_pid(const char *pid_file);

int cmd_keygen(int argc, char **argv);
int cmd_format(int argc, char **argv);
int cmd_open(int argc, char **argv);
int cmd_close(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_replace(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_rotate(int argc, char **argv);
int cmd_epoch_key(int argc, char **argv);
int cmd_log(int argc, char **argv);

#endif /* TEEARRAY_CLI_H */
