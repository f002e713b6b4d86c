/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teearray's device-mapper calls (libdevmapper).  Functions return 0 or a
 * negative errno.
 */
#ifndef TEEARRAY_DM_H
#define TEEARRAY_DM_H

#include <inttypes.h>
#include <stdint.h>

struct cli_dm_info {
	int exists;
	int open_count;
	int suspended;
};

/* The status line of a teearray device, parsed (see dm-teearray.rst). */
struct cli_dm_status {
	uint64_t length;		/* 512-byte sectors */
	unsigned int members;
	char health[257];
	uint64_t sync_done, sync_total;
	char sync_action[16];
	uint64_t mac_failures;
	unsigned int journal_used, journal_capacity;
	uint64_t commit_version, death_version;
	char daemon[8], mode[8];
	uint64_t mismatches;
	uint32_t key_epoch;
	char old_epoch[12];		/* "-" or the epoch still held */
	uint64_t audit_seq;
	/* Stripes found unverifiable; -1 from a module without the field. */
	int64_t unverifiable;
	/*
	 * Per member: '-' answers, 's' slow (requests sent again after a
	 * timeout), 'w' waited on; all '-' from a module without the field.
	 */
	char latency[257];
};

void cli_dm_init(void);
int cli_dm_info(const char *name, struct cli_dm_info *info);
/* Create, load and resume; dm_uuid names the device for udev. */
int cli_dm_create(const char *name, const char *dm_uuid, uint64_t sectors,
		  const char *params);
int cli_dm_remove(const char *name);
/* -ENOTTY: the device is not a teearray device. */
int cli_dm_status(const char *name, struct cli_dm_status *st);
int cli_dm_table(const char *name, char **params);
/* Send msg to the target; the answer (malloc'd) when answer is not NULL. */
int cli_dm_message(const char *name, const char *msg, char **answer);

#endif /* TEEARRAY_DM_H */
