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
	CLI_MEMBER_OLDFORMAT,	/* verifies, but an earlier release's format */
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

/* The pid of the running teearrayd per its pid file, or 0. */
pid_t cli_daemon_pid(const char *pid_file);

/* What teearrayd's control socket says about the daemon (daemon.c, td-ctl.h). */
struct cli_session {
	int answered;			/* the daemon answered SESSION */
	uint8_t id[16];			/* the daemon instance: new at every start and reload */
	uint64_t epoch;			/* its kernel session; 0: not registered */
	uint32_t members, seen;		/* of the array asked about: configured, used by the kernel */
};

/*
 * Ask the daemon at ctl_path (array: whose members to count, or NULL).
 * 0 with s filled; -EPROTO from a daemon without SESSION; else -errno
 * (-ENOENT: no socket, -ECONNREFUSED: nobody listens, as while a daemon
 * re-executes).
 */
int cli_daemon_session(const char *ctl_path, const uint8_t *array, struct cli_session *s);

/* The kernel's fencing generation of open array name ("members" message). */
int cli_kernel_generation(const char *name, uint64_t *gen);

/* How long a CLI step waits for the daemon: 30 s and two member timeouts. */
unsigned int cli_daemon_timeout_ms(unsigned int member_timeout_ms);

/* What cli_daemon_wait waits for; see daemon.c. */
struct cli_daemon_want {
	const char *ctl_path;		/* the daemon's control socket */
	const uint8_t *array;		/* the array (members counted for all_seen) */
	const char *name;		/* open array: its status must say daemon up */
	const struct cli_session *old;	/* answered: another instance than this one */
	const uint64_t *gen_before;	/* the kernel generation must be above it */
	int need_ctl;			/* the control socket must answer SESSION */
	int all_seen;			/* the daemon has used every live member */
	pid_t pid;			/* give up at once if this daemon exits */
	unsigned int timeout_ms;
};

/*
 * Wait until everything w asks for holds.  0 (now filled, if not NULL);
 * -ETIMEDOUT or -ESRCH (the daemon exited) with why saying what was missing.
 */
int cli_daemon_wait(const struct cli_daemon_want *w, struct cli_session *now,
		    char *why, size_t whylen);

/*
 * Before a step that needs the daemon of open array name: wait for it if a
 * daemon is running (pid file) or starting or reloading (control socket);
 * -ENOENT at once when none is, 0 when it serves the array, else as
 * cli_daemon_wait.
 */
int cli_daemon_settle(const char *name, const uint8_t *array, const char *ctl_path,
		      const char *pid_file, int all_seen, unsigned int timeout_ms,
		      char *why, size_t whylen);

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
