// SPDX-License-Identifier: GPL-2.0
/*
 * teearray status: what the kernel says about an open array (status line,
 * table, "members" message) joined with the configuration's addresses, for
 * people or, with --json, for programs.  Status does no member I/O.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "teearray-cli.h"
#include "teearray-dm.h"
#include "teearray-status.h"
#include "teearray-table.h"

static const char *cli_member_word(char h)
{
	switch (h) {
	case 'A': return "alive";
	case 'a': return "rebuilding";
	case 'D': return "dead";
	default: return "absent";
	}
}

/* How a member answers (the status field <latency>). */
static const char *cli_latency_word(char c)
{
	switch (c) {
	case 's': return "slow";
	case 'w': return "waited-on";
	default: return "ok";
	}
}

const char *cli_array_state(const struct cli_dm_status *st)
{
	if (strcmp(st->mode, "rw") && strcmp(st->mode, "ro"))
		return "failed";
	if (!strcmp(st->sync_action, "recover"))
		return "rebuilding";
	if (!strcmp(st->sync_action, "check") || !strcmp(st->sync_action, "repair"))
		return "checking";
	if (strspn(st->health, "A") != st->members)
		return "degraded";
	return "clean";
}

/* Parse the answer to "members" into info->slots; 0 or -EPROTO. */
static int cli_parse_members(char *text, struct cli_status *info)
{
	char *line, *save = NULL;
	unsigned int n = 0;

	line = strtok_r(text, "\n", &save);
	if (!line || sscanf(line, "generation %" SCNu64, &info->generation) != 1)
		return -EPROTO;
	while ((line = strtok_r(NULL, "\n", &save)) && n < info->st.members) {
		struct cli_slot *s = &info->slots[n];
		char state;

		if (sscanf(line, "%u %c %36s %32s", &s->slot, &state, s->uuid, s->instance) != 4 ||
		    s->slot != n)
			return -EPROTO;
		n++;
	}
	return n == info->st.members ? 0 : -EPROTO;
}

int cli_status_read(const char *name, const char *config, struct cli_status *info)
{
	char *answer = NULL, *table = NULL;
	struct td_config cfg;
	uint8_t uuid[16];
	unsigned int i;
	char err[512];
	int r;

	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "%s", name);
	r = cli_dm_status(name, &info->st);
	if (r == -ENOTTY)
		return cli_error(CLI_EXIT_USAGE, "%s is not a teearray device", name);
	if (r == -EPROTO)
		return cli_error(CLI_EXIT_FAIL, "cannot parse the status of %s: is the module "
				 "older than this teearray?", name);
	if (r)
		return cli_error(CLI_EXIT_FAIL, "%s is not open (teearray open %s)", name, name);
	if (cli_dm_table(name, &table) || sscanf(table, "%36s %*s %u %u", info->uuid,
						   &info->data, &info->parity) != 3) {
		free(table);
		return cli_error(CLI_EXIT_FAIL, "cannot read the table of %s", name);
	}
	free(table);
	info->slots = calloc(info->st.members, sizeof(*info->slots));
	if (!info->slots)
		return cli_error(CLI_EXIT_FAIL, "out of memory");
	r = cli_dm_message(name, "members", &answer);
	if (!r)
		r = cli_parse_members(answer, info);
	free(answer);
	if (r)
		return cli_error(CLI_EXIT_FAIL, "cannot read the member list of %s (%s)", name,
				 strerror(-r));
	/* Addresses come from the configuration, when it can be read. */
	for (i = 0; i < info->st.members; i++)
		snprintf(info->slots[i].address, sizeof(info->slots[i].address), "unknown");
	if (td_config_load(config, &cfg, err, sizeof(err)) == 0) {
		for (i = 0; i < info->st.members; i++) {
			const struct td_member_cfg *mc;

			if (ta_uuid_parse(uuid, info->slots[i].uuid))
				continue;
			mc = td_config_member(&cfg, uuid);
			if (mc)
				snprintf(info->slots[i].address, sizeof(info->slots[i].address),
					 "%s", mc->addr);
		}
		td_config_free(&cfg);
	}
	return 0;
}

void cli_status_free(struct cli_status *info)
{
	free(info->slots);
	info->slots = NULL;
}

double cli_sync_rate(const char *name, struct cli_status *info)
{
	struct timespec ts = { 1, 0 };
	struct cli_dm_status later;

	if (!strcmp(info->st.sync_action, "idle"))
		return 0;
	nanosleep(&ts, NULL);
	if (cli_dm_status(name, &later) || strcmp(later.sync_action, info->st.sync_action) ||
	    later.sync_done < info->st.sync_done)
		return 0;
	/* Stripes per second; every member holds one 4 KiB sector of each. */
	return (double)(later.sync_done - info->st.sync_done) * 4.0;
}

void cli_progress_bar(FILE *f, const char *what, uint64_t done, uint64_t total, double kib_s)
{
	unsigned int width = 30, fill = total ? (unsigned int)(done * width / total) : width;
	char bar[64];

	memset(bar, '#', fill);
	memset(bar + fill, '.', width - fill);
	bar[width] = 0;
	fprintf(f, "%s [%s] %5.1f%% (%" PRIu64 "/%" PRIu64 ")", what, bar,
		total ? 100.0 * (double)done / (double)total : 100.0, done, total);
	if (kib_s > 0)
		fprintf(f, " %.0f KiB/s per member", kib_s);
}

static void cli_json_string(FILE *f, const char *key, const char *v, int comma)
{
	fprintf(f, "\"%s\":\"", key);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fprintf(f, "\\%c", *v);
		else if ((unsigned char)*v < 0x20)
			fprintf(f, "\\u%04x", *v);
		else
			fputc(*v, f);
	}
	fprintf(f, "\"%s", comma ? "," : "");
}

static void cli_status_json(FILE *f, const struct cli_status *in, double rate)
{
	const struct cli_dm_status *st = &in->st;
	unsigned int i;

	fputc('{', f);
	cli_json_string(f, "name", in->name, 1);
	cli_json_string(f, "uuid", in->uuid, 1);
	fprintf(f, "\"data\":%u,\"parity\":%u,\"size_bytes\":%" PRIu64 ",", in->data,
		in->parity, st->length * 512);
	cli_json_string(f, "state", cli_array_state(st), 1);
	cli_json_string(f, "mode", st->mode, 1);
	cli_json_string(f, "daemon", st->daemon, 1);
	cli_json_string(f, "health", st->health, 1);
	fprintf(f, "\"generation\":%" PRIu64 ",\"death_version\":%" PRIu64 ",\"commit_version\":%"
		PRIu64 ",\"mac_failures\":%" PRIu64 ",", in->generation, st->death_version,
		st->commit_version, st->mac_failures);
	fprintf(f, "\"journal\":{\"used\":%u,\"capacity\":%u},", st->journal_used,
		st->journal_capacity);
	fprintf(f, "\"key_epoch\":%" PRIu32 ",\"old_key_epoch\":%s,\"audit_seq\":%" PRIu64
		",", st->key_epoch, strcmp(st->old_epoch, "-") ? st->old_epoch : "null",
		st->audit_seq);
	if (st->unverifiable >= 0)
		fprintf(f, "\"unverifiable\":%" PRId64 ",", st->unverifiable);
	else
		fprintf(f, "\"unverifiable\":null,");
	fprintf(f, "\"sync\":{");
	cli_json_string(f, "action", st->sync_action, 1);
	fprintf(f, "\"done\":%" PRIu64 ",\"total\":%" PRIu64 ",\"mismatches\":%" PRIu64
		",\"rate_kib_s\":%.0f},", st->sync_done, st->sync_total, st->mismatches, rate);
	fprintf(f, "\"members\":[");
	for (i = 0; i < st->members; i++) {
		const struct cli_slot *s = &in->slots[i];

		fprintf(f, "%s{\"slot\":%u,", i ? "," : "", s->slot);
		cli_json_string(f, "state", cli_member_word(st->health[i]), 1);
		cli_json_string(f, "answers", cli_latency_word(st->latency[i]), 1);
		cli_json_string(f, "uuid", s->uuid, 1);
		cli_json_string(f, "address", s->address, 1);
		cli_json_string(f, "instance", s->instance, 0);
		fputc('}', f);
	}
	fprintf(f, "]}\n");
}

static void cli_status_human(FILE *f, const struct cli_status *in, double rate)
{
	const struct cli_dm_status *st = &in->st;
	unsigned int i, dead = 0;

	for (i = 0; i < st->members; i++)
		dead += st->health[i] != 'A' && st->health[i] != 'a';
	fprintf(f, "%s: dm-teearray %u+%u, %.1f MiB, /dev/mapper/%s\n", in->name, in->data,
		in->parity, (double)st->length / 2048, in->name);
	fprintf(f, "  array uuid    %s\n", in->uuid);
	fprintf(f, "  state         %s (%s), %u of %u members lost, %u more tolerated\n",
		cli_array_state(st), st->mode, dead, st->members,
		dead <= in->parity ? in->parity - dead : 0);
	fprintf(f, "  daemon        %s\n", st->daemon);
	fprintf(f, "  generation    %" PRIu64 "   death record version %" PRIu64 "\n",
		in->generation, st->death_version);
	fprintf(f, "  journal       %u/%u sectors in the last entry, commit version %" PRIu64 "\n",
		st->journal_used, st->journal_capacity, st->commit_version);
	fprintf(f, "  key epoch     %" PRIu32 "%s%s%s\n", st->key_epoch,
		strcmp(st->old_epoch, "-") ? "   (rotation from epoch " : "",
		strcmp(st->old_epoch, "-") ? st->old_epoch : "",
		strcmp(st->old_epoch, "-") ? " unfinished)" : "");
	fprintf(f, "  audit log     %" PRIu64 " entries (teearray log %s --verify)\n",
		st->audit_seq, in->name);
	fprintf(f, "  MAC failures  %" PRIu64 "%s\n", st->mac_failures,
		st->mac_failures ? "   (a member served bad data: see the kernel log)" : "");
	if (st->unverifiable > 0)
		fprintf(f, "  unverifiable  %" PRId64 " stripes   (more members lied than parity "
			"can tell: see the kernel log and teearray log %s)\n", st->unverifiable,
			in->name);
	if (strcmp(st->sync_action, "idle")) {
		fprintf(f, "  ");
		cli_progress_bar(f, st->sync_action, st->sync_done, st->sync_total, rate);
		fputc('\n', f);
	}
	if (st->mismatches || strcmp(st->sync_action, "idle"))
		fprintf(f, "  mismatches    %" PRIu64 " parity columns (last check)\n",
			st->mismatches);
	fprintf(f, "  %-4s %-10s %-22s %-36s %s\n", "slot", "state", "address", "member uuid",
		"instance");
	for (i = 0; i < st->members; i++) {
		const struct cli_slot *s = &in->slots[i];

		fprintf(f, "  %-4u %-10s %-22s %-36s %s%s%s\n", s->slot,
			cli_member_word(st->health[i]), s->address, s->uuid, s->instance,
			st->latency[i] == '-' ? "" : "  ",
			st->latency[i] == '-' ? "" : cli_latency_word(st->latency[i]));
	}
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = CLI_DEFAULT_CONFIG;
	struct cli_status info;
	int c, json = 0, r;
	double rate;

	while ((c = getopt_long(argc, argv, "c:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'j': json = 1; break;
		case 'h':
			printf("usage: teearray status NAME [--json] [--config FILE]\n");
			return 0;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_error(CLI_EXIT_USAGE, "status needs exactly one array NAME");
	r = cli_status_read(argv[optind], config, &info);
	if (r)
		return r;
	rate = cli_sync_rate(argv[optind], &info);
	if (json)
		cli_status_json(stdout, &info, rate);
	else
		cli_status_human(stdout, &info, rate);
	r = strcmp(cli_array_state(&info.st), "failed") ? 0 : CLI_EXIT_FOUND;
	cli_status_free(&info);
	return r;
}
