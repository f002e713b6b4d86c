/* SPDX-License-Identifier: GPL-2.0 */
/* An open array as teearray status shows it; see status.c. */
#ifndef TEEARRAY_STATUS_H
#define TEEARRAY_STATUS_H

#include <stdio.h>

#include "teearray-dm.h"

struct cli_slot {
	unsigned int slot;
	char uuid[37];		/* "-" for an absent slot */
	char instance[33];	/* hex, "-" when unknown */
	char address[256];	/* from the configuration, "unknown" otherwise */
};

struct cli_status {
	char name[128];
	char uuid[37];
	unsigned int data, parity;
	uint64_t generation;
	struct cli_dm_status st;
	struct cli_slot *slots;	/* st.members of them */
};

/* Fill info from the kernel and the configuration; 0 or an exit code. */
int cli_status_read(const char *name, const char *config, struct cli_status *info);
void cli_status_free(struct cli_status *info);
/* clean, degraded, rebuilding, checking or failed. */
const char *cli_array_state(const struct cli_dm_status *st);
/* KiB/s per member of the running rebuild or scrub, sampled over a second. */
double cli_sync_rate(const char *name, struct cli_status *info);
void cli_progress_bar(FILE *f, const char *what, uint64_t done, uint64_t total, double kib_s);
/* Show the progress of walk `action` until it ends; st is the last status. */
int cli_follow(const char *name, const char *action, struct cli_dm_status *st);

#endif /* TEEARRAY_STATUS_H */
