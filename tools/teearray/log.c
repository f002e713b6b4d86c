// SPDX-License-Identifier: GPL-2.0
/*
 * teearray log: read the audit log straight from the members (attested
 * connections), so it works whether or not the array is open; print it,
 * export it as JSON lines, or verify chain, signatures, the kernel's head
 * and an anchor.  The columns of members that do not answer, hold no
 * superblock of the array, or that the newest death record marks dead,
 * rebuilding or with another instance (stale) are rebuilt from parity.
 * Nothing read here is trusted before --verify: a lying member can only
 * make the log fail to verify.
 *
 * While the array is open, teearrayd drives its members, and a signed batch
 * of ours would end the daemon's session and race it for sequence numbers
 * (td-ctl.h says what that can cost): then every read goes through the
 * daemon's control socket instead, as part of its own batches.
 * Documentation/admin-guide/device-mapper/dm-teearray-audit.rst.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "teearray-cli.h"
#include "teearray-dm.h"
#include "teearray-audit-entry.h"
#include "tee-ec.h"
#include "ta-crypto.h"
#include "td-ctl.h"
#include "teearray-netlink.h"

struct cli_log {
	struct teearray_geometry geo;
	struct teearray_audit_disk *sectors;	/* every virtual log sector */
	size_t nsectors;
	struct teearray_audit_disk **entries;	/* the valid ones, by seq */
	uint8_t (*hash)[TEEARRAY_SHA256_SIZE];
	size_t n;
	char bad[200];				/* the first malformed sector */
};

/* Log stripes this tool reads (formats use TEEARRAY_DEF_LOG_STRIPES). */
#define CLI_LOG_MAX_STRIPES	4096

/* What one member gave. */
struct cli_log_member {
	uint8_t *share;			/* its column of every log stripe */
	uint8_t instance[TA_INSTANCE_LEN];
	int have_dr;
	struct teearray_dr_disk dr;	/* unauthenticated */
};

/*
 * The layout from a superblock's (unauthenticated) fields, recomputed, if
 * the superblock is this array's for this slot and member.  Nothing here
 * is trusted: a lie only makes the entries fail to verify.
 */
static int cli_log_geometry(const struct td_array_cfg *a, const struct td_member_cfg *mc,
			    uint32_t slot, const struct teearray_sb_disk *sb,
			    struct teearray_geometry *g)
{
	if (le64_to_cpu(sb->magic) != TEEARRAY_SB_MAGIC ||
	    memcmp(sb->array_uuid, a->uuid, 16) || memcmp(sb->member_uuid, mc->uuid, 16) ||
	    le32_to_cpu(sb->slot) != slot ||
	    le32_to_cpu(sb->data_members) != a->data ||
	    le32_to_cpu(sb->parity_members) != a->parity ||
	    teearray_geometry_init(g, a->data, a->parity, le64_to_cpu(sb->member_sectors),
				   le64_to_cpu(sb->journal_sectors), le64_to_cpu(sb->log_sectors)) ||
	    g->log_start != le64_to_cpu(sb->log_start) || !g->log_sectors)
		return -1;
	return 0;
}

/* A death record of this array and shape (structure only: no key here). */
static int cli_log_dr_ok(const struct td_array_cfg *a, const struct teearray_dr_disk *dr)
{
	unsigned int i, m = a->data + a->parity;

	if (le64_to_cpu(dr->magic) != TEEARRAY_DR_MAGIC || memcmp(dr->array_uuid, a->uuid, 16) ||
	    le32_to_cpu(dr->nr_members) != m)
		return 0;
	for (i = 0; i < m; i++)
		if (dr->state[i] != TEEARRAY_MEMBER_ALIVE &&
		    dr->state[i] != TEEARRAY_MEMBER_REBUILDING &&
		    dr->state[i] != TEEARRAY_MEMBER_DEAD)
			return 0;
	return 1;
}

/* Where one member's sectors come from: our own connection, or teearrayd's. */
struct cli_log_src {
	int fd;				/* >= 0: the daemon's control socket */
	struct ta_client cl;		/* otherwise */
	const uint8_t *array;
	uint32_t slot;
	uint8_t instance[TA_INSTANCE_LEN];	/* of the member as read (daemon) */
	char err[64];			/* why the last read failed */
};

static const char *cli_ctl_status_name(uint32_t st)
{
	static const char *const names[] = {
		"ok", "timeout", "unreachable", "restarted", "attestation", "rejected",
		"stale-version", "fenced", "unknown-member", "internal", "rolled-back",
	};

	if (st < sizeof(names) / sizeof(names[0]))
		return names[st];
	if (st == TD_CTL_ST_UNKNOWN)
		return "not in use by the kernel through this daemon";
	if (st == TD_CTL_ST_BUSY)
		return "daemon busy";
	return "refused by the daemon";
}

static int cli_ctl_io(int fd, void *buf, size_t len, int out)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pf = { .fd = fd, .events = out ? POLLOUT : POLLIN };
		ssize_t n;

		if (poll(&pf, 1, 120000) != 1)
			return -1;
		n = out ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * count sectors from sector (or the death record when death), through the
 * daemon: up to TD_CTL_MAX_INFLIGHT requests in flight.  0 or -1 (err set).
 */
static int cli_ctl_read(struct cli_log_src *src, int death, uint64_t sector, uint32_t count,
			uint8_t *out)
{
	uint32_t sent = 0, got = 0, failed = 0;

	if (death)
		count = 1;
	while (got < count) {
		struct td_ctl_resp a;
		uint8_t sec[TEEARRAY_SECTOR_SIZE];

		while (sent < count && sent - got < TD_CTL_MAX_INFLIGHT) {
			struct td_ctl_req q = {
				.magic = TD_CTL_MAGIC,
				.op = death ? TD_CTL_OP_DEATH_READ : TD_CTL_OP_READ,
				.slot = src->slot, .tag = sent, .sector = sector + sent,
			};

			memcpy(q.array, src->array, 16);
			if (cli_ctl_io(src->fd, &q, sizeof(q), 1))
				goto lost;
			sent++;
		}
		if (cli_ctl_io(src->fd, &a, sizeof(a), 0) || a.magic != TD_CTL_MAGIC ||
		    a.tag >= count || a.len > sizeof(sec) ||
		    (a.len && cli_ctl_io(src->fd, sec, a.len, 0)))
			goto lost;
		got++;
		if (a.status != TEEARRAY_ST_OK || a.len != TEEARRAY_SECTOR_SIZE) {
			if (!failed++)
				snprintf(src->err, sizeof(src->err), "%s",
					 a.status == TEEARRAY_ST_OK ? "short answer" :
					 cli_ctl_status_name(a.status));
			continue;
		}
		memcpy(src->instance, a.instance, TA_INSTANCE_LEN);
		memcpy(out + (size_t)a.tag * TEEARRAY_SECTOR_SIZE, sec, TEEARRAY_SECTOR_SIZE);
	}
	return failed ? -1 : 0;
lost:
	snprintf(src->err, sizeof(src->err), "lost the connection to teearrayd");
	return -1;
}

static int cli_src_read(struct cli_log_src *src, uint64_t sector, uint32_t count, uint8_t *out)
{
	int r;

	if (src->fd >= 0)
		return cli_ctl_read(src, 0, sector, count, out);
	r = ta_client_read(&src->cl, sector, count, out);
	if (r != TA_OK)
		snprintf(src->err, sizeof(src->err), "%s", cli_read_error(&src->cl, r));
	return r == TA_OK ? 0 : -1;
}

static int cli_src_death_read(struct cli_log_src *src, uint8_t *out)
{
	if (src->fd >= 0)
		return cli_ctl_read(src, 1, 0, 1, out);
	return ta_client_death_read(&src->cl, out) == TA_OK ? 0 : -1;
}

/* The daemon's control socket, or -1. */
static int cli_ctl_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Its share of the log stripes, TA_MAX_COUNT sectors per read. */
static uint8_t *cli_log_read_share(struct cli_log_src *src, const struct teearray_geometry *g)
{
	uint8_t *share = malloc(g->log_sectors * TEEARRAY_SECTOR_SIZE);
	uint64_t done = 0;

	while (share && done < g->log_sectors) {
		uint32_t n = g->log_sectors - done > TA_MAX_COUNT ? TA_MAX_COUNT :
			     (uint32_t)(g->log_sectors - done);

		if (cli_src_read(src, g->log_start + done, n,
				 share + done * TEEARRAY_SECTOR_SIZE)) {
			free(share);
			return NULL;
		}
		done += n;
	}
	return share;
}

/*
 * Columns the array itself would not read: members the newest death record
 * marks dead or being rebuilt, and members restarted since it was written
 * (another instance: blank or stale).  They are rebuilt from the others.
 */
static void cli_log_drop_stale(const struct td_array_cfg *a, struct cli_log_member *mb)
{
	unsigned int m = a->data + a->parity, i;
	const struct teearray_dr_disk *best = NULL;

	for (i = 0; i < m; i++)
		if (mb[i].have_dr && (!best || le64_to_cpu(mb[i].dr.version) >
					       le64_to_cpu(best->version)))
			best = &mb[i].dr;
	if (!best)
		return;
	for (i = 0; i < m; i++) {
		const char *why = NULL;

		if (!mb[i].share)
			continue;
		if (best->state[i] == TEEARRAY_MEMBER_DEAD)
			why = "is dead in the death record";
		else if (best->state[i] == TEEARRAY_MEMBER_REBUILDING)
			why = "is being rebuilt";
		else if (memcmp(mb[i].instance, best->instance[i], TEEARRAY_DR_INSTANCE_SIZE))
			why = "was restarted since the death record was written";
		if (!why)
			continue;
		fprintf(stderr, "teearray: member %u %s: its log columns are rebuilt from the "
			"others\n", i, why);
		free(mb[i].share);
		mb[i].share = NULL;
	}
}

/*
 * Read every member's share of the log stripes, then put each stripe's
 * data columns in place, rebuilding those of members that are missing.
 */
static int cli_log_read(const struct td_config *cfg, const struct td_array_cfg *a,
			struct cli_log *log, int ctl_fd)
{
	unsigned int m = a->data + a->parity, i, c, have = 0, geo_slot = 0;
	struct cli_log_member *mb = calloc(m, sizeof(*mb));
	struct tee_ec *ec = tee_ec_alloc(a->data, a->parity);
	uint8_t *parity = malloc((size_t)a->parity * TEEARRAY_SECTOR_SIZE);
	struct teearray_sb_disk sb;
	int r = CLI_EXIT_MEMBER, geo_ok = 0;
	void *work = NULL;
	struct ta_key skey;
	char err[512];
	uint64_t s;

	if (!mb || !ec || !parity) {
		r = cli_error(CLI_EXIT_FAIL, "out of memory");
		goto out;
	}
	if (td_key_load(cfg, &skey, err, sizeof(err))) {
		r = cli_error(CLI_EXIT_USAGE, "%s", err);
		goto out;
	}
	for (i = 0; i < m; i++) {
		const struct td_member_cfg *mc = td_config_slot(cfg, a->uuid, i);
		struct cli_log_src src = { .fd = ctl_fd, .array = a->uuid, .slot = i };
		struct teearray_geometry g;
		char why[160];

		if (!mc) {
			r = cli_error(CLI_EXIT_USAGE, "the configuration has no member line for "
				      "slot %u of array %s", i, a->name);
			goto out_key;
		}
		if (ctl_fd < 0 &&
		    cli_connect(&src.cl, cfg, &skey, a->uuid, i, mc->addr, why, sizeof(why)) !=
		    CLI_MEMBER_OK) {
			fprintf(stderr, "teearray: member %u: %s\n", i, why);
			ta_client_close(&src.cl);
			continue;
		}
		if (cli_src_read(&src, 0, 1, (uint8_t *)&sb)) {
			fprintf(stderr, "teearray: member %u: reading its superblock failed (%s)%s\n",
				i, src.err, ctl_fd >= 0 ? " through teearrayd" : "");
		} else if (cli_log_geometry(a, mc, i, &sb, &g)) {
			fprintf(stderr, "teearray: member %u: %s\n", i,
				cli_all_zero(&sb, sizeof(sb)) ? "blank: no superblock (not "
				"formatted, or a restarted teedisk)" : "no superblock of this "
				"array and slot");
		} else if (geo_ok && (g.log_start != log->geo.log_start ||
				      g.log_sectors != log->geo.log_sectors)) {
			fprintf(stderr, "teearray: member %u: its superblock places the log "
				"elsewhere than member %u's\n", i, geo_slot);
		} else if (g.log_sectors > CLI_LOG_MAX_STRIPES) {
			fprintf(stderr, "teearray: member %u: a log of %" PRIu64 " stripes is "
				"larger than this tool reads (%u)\n", i, (uint64_t)g.log_sectors,
				CLI_LOG_MAX_STRIPES);
		} else {
			if (!geo_ok) {
				log->geo = g;
				geo_slot = i;
				geo_ok = 1;
			}
			mb[i].share = cli_log_read_share(&src, &log->geo);
			if (!mb[i].share)
				fprintf(stderr, "teearray: member %u: reading the log failed (%s)\n",
					i, src.err);
			mb[i].have_dr = mb[i].share &&
					!cli_src_death_read(&src, (uint8_t *)&mb[i].dr) &&
					cli_log_dr_ok(a, &mb[i].dr);
		}
		memcpy(mb[i].instance, ctl_fd >= 0 ? src.instance : src.cl.instance,
		       TA_INSTANCE_LEN);
		if (ctl_fd < 0)
			ta_client_close(&src.cl);
	}
	cli_log_drop_stale(a, mb);
	for (i = 0; i < m; i++)
		have += !!mb[i].share;
	if (have < a->data) {
		r = cli_error(CLI_EXIT_MEMBER, "%s: %u of %u members served the log, %u are needed",
			      a->name, have, m, a->data);
		goto out_key;
	}
	log->nsectors = log->geo.log_sectors * a->data;
	log->sectors = calloc(log->nsectors, sizeof(*log->sectors));
	work = malloc(tee_ec_work_size(ec));
	if (!log->sectors || !work) {
		r = cli_error(CLI_EXIT_FAIL, "out of memory");
		goto out_key;
	}
	for (s = 0; s < log->geo.log_sectors; s++) {
		uint64_t ms = log->geo.log_start + s;
		uint8_t *col[TEEARRAY_MAX_MEMBERS], erased[TEEARRAY_MAX_MEMBERS];
		int missing = 0;

		for (c = 0; c < m; c++) {
			uint32_t slot = teearray_slot_of(&log->geo, ms, c);

			col[c] = c < a->data ? (uint8_t *)&log->sectors[s * a->data + c] :
					       parity + (size_t)(c - a->data) * TEEARRAY_SECTOR_SIZE;
			erased[c] = !mb[slot].share;
			missing += erased[c] && c < a->data;
			if (mb[slot].share)
				memcpy(col[c], mb[slot].share + s * TEEARRAY_SECTOR_SIZE,
				       TEEARRAY_SECTOR_SIZE);
		}
		if (missing && tee_ec_decode(ec, work, col, erased)) {
			r = cli_error(CLI_EXIT_MEMBER, "log stripe %" PRIu64 " cannot be rebuilt",
				      ms);
			goto out_key;
		}
	}
	r = 0;
out_key:
	ta_key_wipe(&skey);
out:
	for (i = 0; mb && i < m; i++)
		free(mb[i].share);
	free(mb);
	free(parity);
	free(work);
	tee_ec_free(ec);
	return r;
}

static int cli_log_seq_cmp(const void *x, const void *y)
{
	uint64_t a = le64_to_cpu((*(struct teearray_audit_disk *const *)x)->seq);
	uint64_t b = le64_to_cpu((*(struct teearray_audit_disk *const *)y)->seq);

	return a < b ? -1 : a > b;
}

/* The valid entries, ordered by seq, with their hashes. */
static int cli_log_collect(const struct td_array_cfg *a, struct cli_log *log)
{
	size_t i;

	log->entries = calloc(log->nsectors, sizeof(*log->entries));
	log->hash = calloc(log->nsectors, sizeof(*log->hash));
	if (!log->entries || !log->hash)
		return cli_error(CLI_EXIT_FAIL, "out of memory");
	for (i = 0; i < log->nsectors; i++) {
		char *error = NULL;
		uint64_t seq;
		int r = teearray_audit_parse(&log->sectors[i], a->uuid, &error);

		if (r == -ENODATA)
			continue;
		if (r) {
			if (!log->bad[0])
				snprintf(log->bad, sizeof(log->bad), "log sector %zu: %s", i, error);
			continue;
		}
		/* Entry seq is only ever written to log sector (seq - 1) mod capacity. */
		seq = le64_to_cpu(log->sectors[i].seq);
		if ((seq - 1) % log->nsectors != i) {
			if (!log->bad[0])
				snprintf(log->bad, sizeof(log->bad), "entry %" PRIu64 " is in log "
					 "sector %zu, not in its own (%" PRIu64 "): moved or copied",
					 seq, i, (seq - 1) % log->nsectors);
			continue;
		}
		log->entries[log->n++] = &log->sectors[i];
	}
	qsort(log->entries, log->n, sizeof(*log->entries), cli_log_seq_cmp);
	for (i = 0; i < log->n; i++)
		teearray_audit_hash(log->entries[i], log->hash[i]);
	return 0;
}

static void cli_hex(char *out, const uint8_t *in, size_t n)
{
	ta_hex_encode(out, in, n);
}

/* A member state as one character: A, a, D, or ? for anything else. */
static char cli_log_state(uint8_t state)
{
	return state == TEEARRAY_MEMBER_ALIVE || state == TEEARRAY_MEMBER_REBUILDING ||
	       state == TEEARRAY_MEMBER_DEAD ? (char)state : '?';
}

static void cli_log_print(FILE *f, const struct cli_log *log, size_t k)
{
	const struct teearray_audit_disk *e = log->entries[k];
	char when[32], h[65], inst[33];
	uint64_t secs = le64_to_cpu(e->time);
	time_t t = (time_t)secs;
	struct tm tm;
	uint32_t i;

	/* The time is the entry's word (signed, but not checked here). */
	if (secs > INT64_MAX || !gmtime_r(&t, &tm) ||
	    !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(when, sizeof(when), "@%" PRIu64, secs);
	cli_hex(h, log->hash[k], 32);
	fprintf(f, "%6" PRIu64 " %s %-13s epoch %u gen %" PRIu64 " args %" PRIu64 " %" PRIu64,
		le64_to_cpu(e->seq), when, teearray_audit_event_name(le32_to_cpu(e->event)),
		le32_to_cpu(e->key_epoch), le64_to_cpu(e->generation), le64_to_cpu(e->arg[0]),
		le64_to_cpu(e->arg[1]));
	if (le32_to_cpu(e->event) == TEEARRAY_EV_MEMBER_FAILED)
		fprintf(f, " (%s)", teearray_audit_fail_cause_name(le64_to_cpu(e->arg[0])));
	for (i = 0; i < le32_to_cpu(e->nr_ids); i++) {
		cli_hex(inst, e->id[i].instance, 4);
		fprintf(f, " %u:%c:%s", le16_to_cpu(e->id[i].slot), cli_log_state(e->id[i].state),
			inst);
	}
	fprintf(f, " %.12s\n", h);
}

static void cli_log_json(FILE *f, const struct cli_log *log, size_t k)
{
	const struct teearray_audit_disk *e = log->entries[k];
	char h[129];
	uint32_t i, ev = le32_to_cpu(e->event);

	fprintf(f, "{\"seq\":%" PRIu64 ",\"time\":%" PRIu64 ",\"event\":\"%s\",\"event_code\":%u,"
		"\"key_epoch\":%u,\"generation\":%" PRIu64 ",\"dr_version\":%" PRIu64
		",\"arg0\":%" PRIu64 ",\"arg1\":%" PRIu64, le64_to_cpu(e->seq),
		le64_to_cpu(e->time), teearray_audit_event_name(ev), ev, le32_to_cpu(e->key_epoch),
		le64_to_cpu(e->generation), le64_to_cpu(e->dr_version), le64_to_cpu(e->arg[0]),
		le64_to_cpu(e->arg[1]));
	if (ev == TEEARRAY_EV_MEMBER_FAILED)
		fprintf(f, ",\"cause\":\"%s\"",
			teearray_audit_fail_cause_name(le64_to_cpu(e->arg[0])));
	cli_hex(h, e->array_uuid, 16);
	fprintf(f, ",\"version\":%u,\"array_uuid\":\"%s\"", le32_to_cpu(e->version), h);
	cli_hex(h, e->prev_hash, 32);
	fprintf(f, ",\"prev_hash\":\"%s\"", h);
	cli_hex(h, log->hash[k], 32);
	fprintf(f, ",\"hash\":\"%s\"", h);
	cli_hex(h, e->signer, 32);
	fprintf(f, ",\"signer\":\"%s\"", h);
	cli_hex(h, e->sig, 64);
	fprintf(f, ",\"sig\":\"%s\",\"ids\":[", h);
	for (i = 0; i < le32_to_cpu(e->nr_ids); i++) {
		char inst[33], meas[65];

		cli_hex(inst, e->id[i].instance, 16);
		cli_hex(meas, e->id[i].measurement, 32);
		fprintf(f, "%s{\"slot\":%u,\"state\":\"%c\",\"state_code\":%u,\"instance\":\"%s\","
			"\"measurement\":\"%s\"}", i ? "," : "", le16_to_cpu(e->id[i].slot),
			cli_log_state(e->id[i].state), e->id[i].state, inst, meas);
	}
	fprintf(f, "]}\n");
}

/* The kernel's head ("<seq> <hash>") when the array is open: 1, 0, or -1. */
/*
 * Is device-mapper in the kernel at all?  0 when /proc/misc says it is not
 * (no array can be open: libdevmapper is not asked, so it neither complains
 * nor creates /dev/mapper/control), else 1.
 */
static int cli_log_have_dm(void)
{
	FILE *f = fopen("/proc/misc", "r");
	char line[128];
	int found = 0;

	if (!f)
		return 1;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " device-mapper") != NULL;
	fclose(f);
	return found;
}

static int cli_log_kernel_head(const char *name, uint64_t *seq, uint8_t hash[32])
{
	struct cli_dm_info info;
	char *answer = NULL, hex[65];
	int ok;

	if (!cli_log_have_dm())
		return 0;
	if (cli_dm_info(name, &info)) {
		fprintf(stderr, "teearray: cannot ask device-mapper whether %s is open: the log "
			"is not compared with the kernel's head\n", name);
		return 0;
	}
	if (!info.exists)
		return 0;
	if (cli_dm_message(name, "audit", &answer) || !answer) {
		cli_error(CLI_EXIT_FAIL, "%s is open but did not report its audit log head", name);
		return -1;
	}
	ok = sscanf(answer, "%" SCNu64 " %64s", seq, hex) == 2 &&
	     ta_hex_decode(hash, 32, hex) == TA_OK;
	free(answer);
	if (!ok)
		cli_error(CLI_EXIT_FAIL, "unexpected audit head from the kernel");
	return ok ? 1 : -1;
}

/* Returns 0 when everything verifies, else prints why and returns 4. */
static int cli_log_verify(const char *name, const struct td_config *cfg, struct cli_log *log,
			  int have_head, uint64_t head_seq, const uint8_t head[32],
			  const char *anchor)
{
	uint8_t want[32], zero[32] = { 0 };
	uint64_t anchor_seq = 0;
	struct ta_key skey;
	char err[512], h[65];
	size_t k;
	int found = 0;

	if (td_key_load(cfg, &skey, err, sizeof(err)))
		return cli_error(CLI_EXIT_USAGE, "%s", err);
	memcpy(want, skey.pub, sizeof(want));
	ta_key_wipe(&skey);
	if (log->bad[0])
		return cli_error(CLI_EXIT_FOUND, "log %s: %s", name, log->bad);
	for (k = 0; k < log->n; k++) {
		const struct teearray_audit_disk *e = log->entries[k];
		uint64_t seq = le64_to_cpu(e->seq);

		if (k && seq != le64_to_cpu(log->entries[k - 1]->seq) + 1)
			return cli_error(CLI_EXIT_FOUND, "log %s: entry %" PRIu64 " follows entry %"
					 PRIu64 ": entries are missing or repeated", name, seq,
					 le64_to_cpu(log->entries[k - 1]->seq));
		if ((k && memcmp(e->prev_hash, log->hash[k - 1], 32)) ||
		    (seq == 1 && memcmp(e->prev_hash, zero, 32)))
			return cli_error(CLI_EXIT_FOUND, "log %s: entry %" PRIu64 ": does not chain "
					 "to the entry before it", name, seq);
		if (memcmp(e->signer, want, 32))
			return cli_error(CLI_EXIT_FOUND, "log %s: entry %" PRIu64 ": signed by "
					 "another key than the storage signing key", name, seq);
		if (ta_verify32(e->signer, log->hash[k], e->sig) != TA_OK)
			return cli_error(CLI_EXIT_FOUND, "log %s: entry %" PRIu64 ": signature does "
					 "not verify", name, seq);
	}
	if (have_head && head_seq) {
		for (k = 0; k < log->n; k++)
			if (le64_to_cpu(log->entries[k]->seq) == head_seq)
				break;
		if (k == log->n || memcmp(log->hash[k], head, 32))
			return cli_error(CLI_EXIT_FOUND, "log %s: the kernel's newest entry %" PRIu64
					 " is %s on the members: truncated, rolled back or "
					 "altered", name, head_seq,
					 k == log->n ? "missing" : "different");
	}
	if (anchor) {
		const char *hex = strchr(anchor, ':');
		char *end;

		if (hex) {
			errno = 0;
			anchor_seq = strtoull(anchor, &end, 10);
			if (errno || end != hex || !anchor_seq)
				return cli_error(CLI_EXIT_USAGE, "--anchor: expected HASH or SEQ:HASH");
			hex++;
		} else {
			hex = anchor;
		}
		if (strlen(hex) != 64 || ta_hex_decode(want, 32, hex) != TA_OK)
			return cli_error(CLI_EXIT_USAGE, "--anchor: expected 64 hex digits");
		for (k = 0; k < log->n && !found; k++)
			found = !memcmp(log->hash[k], want, 32) &&
				(!anchor_seq || le64_to_cpu(log->entries[k]->seq) == anchor_seq);
		if (!found)
			return cli_error(CLI_EXIT_FOUND, "log %s: anchor not found: the log was "
					 "truncated, rolled back or altered", name);
	}
	if (!log->n) {
		printf("log %s: no entries\n", name);
		return 0;
	}
	cli_hex(h, log->hash[log->n - 1], 32);
	printf("log %s: %zu entries (seq %" PRIu64 "..%" PRIu64 ") verified; head %s\n", name,
	       log->n, le64_to_cpu(log->entries[0]->seq),
	       le64_to_cpu(log->entries[log->n - 1]->seq), h);
	return 0;
}

int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verify", no_argument, NULL, 'v' },
		{ "anchor", required_argument, NULL, 'a' },
		{ "export", no_argument, NULL, 'x' },
		{ "daemon-socket", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = CLI_DEFAULT_CONFIG, *anchor = NULL, *name;
	const char *ctl_path = TD_CTL_DEFAULT_PATH;
	struct cli_dm_info info;
	int ctl_fd = -1;
	const struct td_array_cfg *a;
	struct cli_log log = { 0 };
	struct td_config cfg;
	uint8_t head[32];
	uint64_t head_seq = 0;
	char why[256];
	int c, r, verify = 0, export = 0, have_head = 0;
	size_t k;

	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'v': verify = 1; break;
		case 'a': anchor = optarg; verify = 1; break;
		case 'x': export = 1; break;
		case 'S': ctl_path = optarg; break;
		case 'h':
			printf("usage: teearray log NAME [--config FILE] [--verify [--anchor "
			       "[SEQ:]HASH]] [--export] [--daemon-socket PATH]\n");
			return 0;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_error(CLI_EXIT_USAGE, "log needs exactly one array NAME");
	if (verify && export)
		return cli_error(CLI_EXIT_USAGE, "--verify and --export do not go together");
	name = argv[optind];
	r = cli_load_array(config, name, &cfg, &a);
	if (r)
		return r;
	/* The kernel's head first: entries written meanwhile only add to the log. */
	if (verify) {
		have_head = cli_log_kernel_head(name, &head_seq, head);
		r = have_head < 0 ? CLI_EXIT_FAIL : 0;
	}
	/* Open: teearrayd owns the members' sessions; read through it. */
	if (!r && cli_log_have_dm() && !cli_dm_info(name, &info) && info.exists) {
		/*
		 * A daemon that starts or reloads reads only members the kernel
		 * has used through it since: wait until it serves every live
		 * one (on failure the reads below say what is missing).
		 */
		cli_daemon_settle(name, a->uuid, ctl_path, CLI_DEFAULT_PIDFILE, 1,
				  cli_daemon_timeout_ms(cfg.member_timeout_ms), why, sizeof(why));
		ctl_fd = cli_ctl_connect(ctl_path);
		if (ctl_fd < 0)
			r = cli_error(CLI_EXIT_FAIL, "%s is open and teearrayd's control socket %s "
				      "does not answer (%s): the log of an open array is read "
				      "through the daemon, because reading the members directly "
				      "would take their sessions away from it; start teearrayd, "
				      "or close the array", name, ctl_path, strerror(errno));
	}
	if (!r)
		r = cli_log_read(&cfg, a, &log, ctl_fd);
	if (ctl_fd >= 0)
		close(ctl_fd);
	if (!r)
		r = cli_log_collect(a, &log);
	if (!r && verify)
		r = cli_log_verify(name, &cfg, &log, have_head > 0, head_seq, head, anchor);
	for (k = 0; !r && !verify && k < log.n; k++) {
		if (export)
			cli_log_json(stdout, &log, k);
		else
			cli_log_print(stdout, &log, k);
	}
	if (!r && !verify && log.bad[0])
		fprintf(stderr, "teearray: %s (teearray log %s --verify)\n", log.bad, name);
	free(log.entries);
	free(log.hash);
	free(log.sectors);
	td_config_free(&cfg);
	return r;
}
