// SPDX-License-Identifier: GPL-2.0
/*
 * The device-mapper side of teearray, through libdevmapper: create and
 * remove a device, read its table and status, send it messages.  Node
 * creation goes through udev cookies when udev runs and is done by
 * libdevmapper itself otherwise (as dmsetup does).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <libdevmapper.h>

#include "teearray-cli.h"
#include "teearray-dm.h"

/* Set while a call whose failure the caller explains runs. */
static int cli_dm_quiet;

static struct dm_task *cli_dm_task(int type, const char *name)
{
	struct dm_task *dmt = dm_task_create(type);

	if (!dmt)
		return NULL;
	if (!dm_task_set_name(dmt, name)) {
		dm_task_destroy(dmt);
		return NULL;
	}
	return dmt;
}

/* Run a task that creates or removes a node, waiting for udev. */
static int cli_dm_run_node(struct dm_task *dmt)
{
	uint32_t cookie = 0;
	int ok;

	if (!dm_task_set_cookie(dmt, &cookie, 0))
		return 0;
	ok = dm_task_run(dmt);
	dm_udev_wait(cookie);
	return ok;
}

int cli_dm_info(const char *name, struct cli_dm_info *out)
{
	struct dm_task *dmt = cli_dm_task(DM_DEVICE_INFO, name);
	struct dm_info info;
	int r = -EIO;

	memset(out, 0, sizeof(*out));
	if (!dmt)
		return -ENOMEM;
	if (dm_task_run(dmt) && dm_task_get_info(dmt, &info)) {
		out->exists = info.exists;
		out->open_count = info.open_count;
		out->suspended = info.suspended;
		r = 0;
	}
	dm_task_destroy(dmt);
	return r;
}

int cli_dm_create(const char *name, const char *dm_uuid, uint64_t sectors,
		  const char *params)
{
	struct dm_task *dmt = cli_dm_task(DM_DEVICE_CREATE, name);
	int errno_saved, ok;

	if (!dmt)
		return -ENOMEM;
	ok = dm_task_set_uuid(dmt, dm_uuid) &&
	     dm_task_add_target(dmt, 0, sectors, "teearray", params) &&
	     cli_dm_run_node(dmt);
	errno_saved = dm_task_get_errno(dmt);
	dm_task_destroy(dmt);
	return ok ? 0 : -(errno_saved ? errno_saved : EIO);
}

int cli_dm_remove(const char *name)
{
	struct dm_task *dmt = cli_dm_task(DM_DEVICE_REMOVE, name);
	int errno_saved, ok;

	if (!dmt)
		return -ENOMEM;
	ok = cli_dm_run_node(dmt);
	errno_saved = dm_task_get_errno(dmt);
	dm_task_destroy(dmt);
	return ok ? 0 : -(errno_saved ? errno_saved : EIO);
}

/* The params of the single teearray target of a STATUS or TABLE task. */
static int cli_dm_params(const char *name, int type, char **out, uint64_t *length)
{
	struct dm_task *dmt = cli_dm_task(type, name);
	uint64_t start, len;
	char *ttype = NULL, *params = NULL;
	struct dm_info info;
	int r = -EIO;

	if (!dmt)
		return -ENOMEM;
	if (dm_task_run(dmt) && dm_task_get_info(dmt, &info)) {
		if (!info.exists) {
			dm_task_destroy(dmt);
			return -ENODEV;
		}
		dm_get_next_target(dmt, NULL, &start, &len, &ttype, &params);
		if (!ttype || strcmp(ttype, "teearray") || !params)
			r = -ENOTTY;
		else if ((*out = strdup(params)))
			r = 0;
		if (length)
			*length = len;
	}
	dm_task_destroy(dmt);
	return r;
}

int cli_dm_status(const char *name, struct cli_dm_status *st)
{
	char *p = NULL;
	int r, n;

	memset(st, 0, sizeof(*st));
	r = cli_dm_params(name, DM_DEVICE_STATUS, &p, &st->length);
	if (r)
		return r;
	/*
	 * Fields are only ever appended: a module before <unverifiable> has
	 * 16, one before <latency> 17, later ones may have more than 18.
	 */
	st->unverifiable = -1;
	n = sscanf(p, "%u %256s %" SCNu64 "/%" SCNu64 " %15s %" SCNu64 " %u/%u %" SCNu64 " %"
		   SCNu64 " %7s %7s %" SCNu64 " %" SCNu32 " %11s %" SCNu64 " %" SCNd64 " %256s",
		   &st->members, st->health, &st->sync_done, &st->sync_total, st->sync_action,
		   &st->mac_failures, &st->journal_used, &st->journal_capacity,
		   &st->commit_version, &st->death_version, st->daemon, st->mode,
		   &st->mismatches, &st->key_epoch, st->old_epoch, &st->audit_seq,
		   &st->unverifiable, st->latency);
	free(p);
	if (n < 16 || strlen(st->health) != st->members ||
	    (n >= 17 && st->unverifiable < 0) ||
	    (n >= 18 && (strlen(st->latency) != st->members ||
			 strspn(st->latency, "-sw") != st->members)))
		return -EPROTO;
	if (n < 18)
		memset(st->latency, '-', st->members);
	/* "-" or a decimal epoch (--json prints it as it is). */
	if (strcmp(st->old_epoch, "-") && (!st->old_epoch[0] ||
	    strspn(st->old_epoch, "0123456789") != strlen(st->old_epoch)))
		return -EPROTO;
	return 0;
}

int cli_dm_table(const char *name, char **params)
{
	return cli_dm_params(name, DM_DEVICE_TABLE, params, NULL);
}

int cli_dm_message(const char *name, const char *msg, char **answer)
{
	struct dm_task *dmt = cli_dm_task(DM_DEVICE_TARGET_MSG, name);
	const char *resp;
	int errno_saved, ok;

	if (answer)
		*answer = NULL;
	if (!dmt)
		return -ENOMEM;
	cli_dm_quiet = 1;
	ok = dm_task_set_sector(dmt, 0) && dm_task_set_message(dmt, msg) && dm_task_run(dmt);
	cli_dm_quiet = 0;
	errno_saved = dm_task_get_errno(dmt);
	if (ok && answer) {
		resp = dm_task_get_message_response(dmt);
		*answer = strdup(resp ? resp : "");
		if (!*answer)
			ok = 0;
	}
	dm_task_destroy(dmt);
	return ok ? 0 : -(errno_saved ? errno_saved : EIO);
}

/* libdevmapper's own messages: only errors, prefixed like ours. */
static void cli_dm_log(int level, const char *file, int line, int dm_errno_or_class,
		       const char *f, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	(void)dm_errno_or_class;
	if ((level & 7) > 3 || cli_dm_quiet)
		return;
	fputs("teearray: ", stderr);
	va_start(ap, f);
	vfprintf(stderr, f, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_dm_init(void)
{
	dm_log_with_errno_init(cli_dm_log);
}
