// SPDX-License-Identifier: GPL-2.0
/*
 * What several teearray subcommands share: the configuration and its array
 * lines, the array key file, and attested connections to the members.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "teearray-cli.h"
#include "teearray-keyprov.h"
#include "teearray-format.h"
#include "teearray-kdf.h"
#include "teearray-table.h"

int cli_error(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("teearray: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

void cli_uuid_str(const uint8_t u[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11],
		 u[12], u[13], u[14], u[15]);
}

int cli_all_zero(const void *p, size_t len)
{
	return teearray_all_zero(p, len);
}

int cli_load_array(const char *config, const char *name, struct td_config *cfg,
		   const struct td_array_cfg **array)
{
	char err[512];

	if (td_config_load(config, cfg, err, sizeof(err)))
		return cli_error(CLI_EXIT_USAGE, "%s", err);
	*array = td_config_array(cfg, name);
	if (!*array) {
		td_config_free(cfg);
		return cli_error(CLI_EXIT_USAGE, "%s has no array called '%s': add a line "
				 "'array %s UUID DATA PARITY key=PATH' (see teearray(8))",
				 config, name, name);
	}
	return 0;
}

int cli_read_array_key(const char *path, uint8_t key[CLI_ARRAY_KEY_SIZE])
{
	uint8_t extra;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cli_error(CLI_EXIT_USAGE, "cannot open the array key %s: %s (create one "
				 "with teearray keygen --array-key %s)", path, strerror(errno), path);
	n = read(fd, key, CLI_ARRAY_KEY_SIZE);
	if (n == CLI_ARRAY_KEY_SIZE && read(fd, &extra, 1) == 0) {
		close(fd);
		return 0;
	}
	close(fd);
	sodium_memzero(key, CLI_ARRAY_KEY_SIZE);
	return cli_error(CLI_EXIT_USAGE, "the array key %s must hold exactly 64 bytes", path);
}

const char *cli_member_state_name(enum cli_member_state s)
{
	static const char *const names[] = {
		[CLI_MEMBER_OK] = "ok",
		[CLI_MEMBER_UNREACHABLE] = "unreachable",
		[CLI_MEMBER_UNTRUSTED] = "failed attestation",
		[CLI_MEMBER_BLANK] = "blank",
		[CLI_MEMBER_BADMAC] = "superblock does not verify",
		[CLI_MEMBER_MISMATCH] = "belongs elsewhere",
		[CLI_MEMBER_IOERR] = "read failed",
		[CLI_MEMBER_NOKEY] = "no key for its epoch",
		[CLI_MEMBER_OLDFORMAT] = "earlier release's format",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

enum cli_member_state cli_connect(struct ta_client *c, const struct td_config *cfg,
				  const struct ta_key *skey, const uint8_t array[16],
				  uint32_t slot, const char *addr, char *why, size_t whylen)
{
	struct timespec t0, t1;
	long ms;
	int r;

	ta_client_init(c, skey, &cfg->policy, array, slot);
	if (ta_client_connect(c, addr, (int)cfg->member_timeout_ms) != TA_OK) {
		snprintf(why, whylen, "%s does not answer", addr);
		return CLI_MEMBER_UNREACHABLE;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = ta_client_identify(c);
	if (r == TA_OK)
		return CLI_MEMBER_OK;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	if (r == TA_E_IO && ms + 50 >= (long)cfg->member_timeout_ms) {
		/* Connected, then silence: a stopped or blackholed member. */
		snprintf(why, whylen, "%s accepted the connection but did not answer within "
			 "the member timeout (%u ms)", addr, cfg->member_timeout_ms);
		return CLI_MEMBER_UNREACHABLE;
	}
	snprintf(why, whylen, "%s failed identification or attestation (%s)", addr,
		 ta_err_name(c->last_error.code ? (int)c->last_error.code : r));
	return CLI_MEMBER_UNTRUSTED;
}

/*
 * Why a read on an identified connection failed, for messages: the
 * member's own refusal, or what the library saw (timeout, reset, an answer
 * that does not verify).
 */
const char *cli_read_error(const struct ta_client *c, int r)
{
	if (c->last_error.code && (int)c->last_error.code == r)
		return ta_err_name((int)c->last_error.code);
	return ta_err_name(r);
}

/*
 * Classify the superblock sb that member slot returned, under the key of
 * the epoch it names.  Not thread-safe (the key cache may ask a provider).
 */
static void cli_classify_sb(const struct teearray_sb_disk *sb, const struct td_array_cfg *a,
			    uint32_t slot, struct cli_key_cache *keys, struct cli_member *mb)
{
	uint8_t meta_key[TEEARRAY_DERIVED_KEY_SIZE] = { 0 };
	struct teearray_sb_info info;
	const uint8_t *ekey;
	char *error = NULL;
	uint32_t e;
	int r;

	e = teearray_sb_key_epoch(sb);
	mb->key_epoch = e;	/* unauthenticated until the MAC verifies */
	if (!cli_all_zero(sb, sizeof(*sb)) && cli_epoch_key_cached(keys, a, e, &ekey)) {
		mb->state = CLI_MEMBER_NOKEY;
		snprintf(mb->why, sizeof(mb->why), "no key for key epoch %u", e);
		return;
	}
	if (!cli_all_zero(sb, sizeof(*sb)))
		teearray_derive_key(ekey, CLI_ARRAY_KEY_SIZE, a->uuid, TEEARRAY_PURPOSE_METADATA,
				    e, meta_key);
	r = teearray_sb_parse(sb, &info, meta_key, &error);
	sodium_memzero(meta_key, sizeof(meta_key));
	if (r == -ENODATA) {
		mb->state = CLI_MEMBER_BLANK;
		snprintf(mb->why, sizeof(mb->why), "blank: not formatted, or a restarted teedisk");
	} else if (r == -EBADMSG) {
		mb->state = CLI_MEMBER_BADMAC;
		snprintf(mb->why, sizeof(mb->why), "its superblock does not verify with this key");
	} else if (r && le32_to_cpu(sb->format_version) == TEEARRAY_FORMAT_VERSION_REPLICATED) {
		mb->state = CLI_MEMBER_OLDFORMAT;
		snprintf(mb->why, sizeof(mb->why), "%s", error);
	} else if (r) {
		mb->state = CLI_MEMBER_MISMATCH;
		snprintf(mb->why, sizeof(mb->why), "invalid superblock: %s", error);
	} else if (memcmp(info.array_uuid, a->uuid, 16) || info.slot != slot ||
		   memcmp(info.member_uuid, mb->cfg->uuid, 16)) {
		mb->state = CLI_MEMBER_MISMATCH;
		snprintf(mb->why, sizeof(mb->why), "its superblock names slot %u of another "
			 "member or array", info.slot);
	} else {
		mb->state = CLI_MEMBER_OK;
		mb->array_sectors = info.geo.array_sectors;
		mb->data = info.geo.data_members;
		mb->parity = info.geo.parity_members;
		mb->key_epoch = info.key_epoch;
		mb->rotating = info.rotating;
	}
}

/* One member's probe, run on a thread of its own: connect, identify, read sector 0. */
struct cli_probe_job {
	const struct td_config *cfg;
	const struct ta_key *skey;
	const struct td_array_cfg *a;
	uint32_t slot;
	struct cli_member *mb;
	struct teearray_sb_disk sb;
	int have_sb;
	pthread_t thread;
	int started;
};

static void *cli_probe_one(void *arg)
{
	struct cli_probe_job *j = arg;
	struct cli_member *mb = j->mb;
	struct ta_client c;
	int r;

	mb->state = cli_connect(&c, j->cfg, j->skey, j->a->uuid, j->slot, mb->cfg->addr,
				mb->why, sizeof(mb->why));
	if (mb->state == CLI_MEMBER_OK) {
		mb->sectors = c.id.sectors;
		r = ta_client_read(&c, 0, 1, (uint8_t *)&j->sb);
		if (r == TA_OK) {
			j->have_sb = 1;
		} else {
			mb->state = CLI_MEMBER_IOERR;
			snprintf(mb->why, sizeof(mb->why), "reading its superblock failed (%s)",
				 cli_read_error(&c, r));
		}
	}
	ta_client_close(&c);
	return NULL;
}

int cli_probe_members(const struct td_config *cfg, const struct td_array_cfg *a,
		      struct cli_key_cache *keys, struct cli_member *members)
{
	unsigned int m = a->data + a->parity, i;
	struct cli_probe_job *jobs;
	struct ta_key skey;
	char err[512];

	for (i = 0; i < m; i++) {
		members[i].cfg = td_config_slot(cfg, a->uuid, i);
		if (!members[i].cfg)
			return cli_error(CLI_EXIT_USAGE, "the configuration has no member line "
					 "for slot %u of array %s", i, a->name);
	}
	jobs = calloc(m, sizeof(*jobs));
	if (!jobs)
		return cli_error(CLI_EXIT_FAIL, "out of memory");
	if (td_key_load(cfg, &skey, err, sizeof(err))) {
		free(jobs);
		return cli_error(CLI_EXIT_USAGE, "%s", err);
	}
	/*
	 * All members at once, one connection each: a member that does not
	 * answer costs one member timeout in all, not one per member.
	 */
	for (i = 0; i < m; i++) {
		jobs[i] = (struct cli_probe_job){ .cfg = cfg, .skey = &skey, .a = a, .slot = i,
						  .mb = &members[i] };
		jobs[i].started = !pthread_create(&jobs[i].thread, NULL, cli_probe_one, &jobs[i]);
		if (!jobs[i].started)
			cli_probe_one(&jobs[i]);
	}
	for (i = 0; i < m; i++)
		if (jobs[i].started)
			pthread_join(jobs[i].thread, NULL);
	/* Keys (perhaps from a provider) and messages in slot order, on this thread. */
	for (i = 0; i < m; i++)
		if (jobs[i].have_sb)
			cli_classify_sb(&jobs[i].sb, a, i, keys, &members[i]);
	ta_key_wipe(&skey);
	free(jobs);
	return 0;
}
