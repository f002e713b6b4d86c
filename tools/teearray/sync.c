// SPDX-License-Identifier: GPL-2.0
/*
 * teearray replace and check: start a background stripe walk in the kernel
 * (a rebuild onto a new member, or a scrub) and follow it to the end with a
 * progress bar.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "teearray-cli.h"
#include "teearray-dm.h"
#include "teearray-status.h"
#include "td-ctl.h"

/*
 * Follow the walk until the action is no longer `action`; draws a bar on a
 * terminal, and only the final state otherwise (logs stay short).  Returns
 * the final status in st.
 */
int cli_follow(const char *name, const char *action, struct cli_dm_status *st)
{
	struct timespec ts = { 0, 500 * 1000 * 1000 };
	int tty = isatty(STDOUT_FILENO);
	uint64_t last_done = 0, seen_total = 0;
	unsigned int ticks = 0;
	double rate = 0;
	int r;

	for (;;) {
		r = cli_dm_status(name, st);
		if (r)
			return cli_error(CLI_EXIT_FAIL, "lost the status of %s: %s", name,
					 strerror(-r));
		if (strcmp(st->sync_action, action))
			break;
		seen_total = st->sync_total;
		if (++ticks % 2 == 0) {
			rate = st->sync_done >= last_done ? (double)(st->sync_done - last_done) * 4 : 0;
			last_done = st->sync_done;
		}
		if (tty) {
			printf("\r");
			cli_progress_bar(stdout, action, st->sync_done, st->sync_total, rate);
			printf("   ");
			fflush(stdout);
		}
		nanosleep(&ts, NULL);
	}
	if (tty)
		printf("\r");
	/* A rotation's idle status shows the last scrub: report the walk's end. */
	if (!strcmp(action, "rotate"))
		cli_progress_bar(stdout, action, seen_total, seen_total, 0);
	else
		cli_progress_bar(stdout, action, st->sync_done, st->sync_total, 0);
	printf("\n");
	return 0;
}

/* Write config again with the address of (array, slot) changed to addr. */
static int cli_rewrite_member(const char *config, const struct td_member_cfg *mc,
			      const char *addr)
{
	char tmp[4096], err[512], *text = NULL, *line;
	struct td_config check;
	unsigned int n = 0;
	size_t len = 0;
	FILE *in, *out;
	struct stat st;
	int fd, ok = 1;

	in = fopen(config, "re");
	if (!in || fstat(fileno(in), &st))
		return cli_error(CLI_EXIT_FAIL, "cannot read %s: %s", config, strerror(errno));
	if (getdelim(&text, &len, 0, in) < 0) {
		fclose(in);
		free(text);
		return cli_error(CLI_EXIT_FAIL, "cannot read %s", config);
	}
	fclose(in);
	snprintf(tmp, sizeof(tmp), "%s.new", config);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
	out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		free(text);
		return cli_error(CLI_EXIT_FAIL, "cannot write %s: %s", tmp, strerror(errno));
	}
	/* Only the member's own line changes: its fifth word is the address. */
	for (line = text; *line; n++) {
		char *eol = strchr(line, '\n'), *w = line;
		size_t l = eol ? (size_t)(eol - line) : strlen(line);
		unsigned int k;

		if (n + 1 != mc->line) {
			fprintf(out, "%.*s\n", (int)l, line);
		} else {
			for (k = 0; k < 5; k++) {
				w += strspn(w, " \t");
				if (k < 4)
					w += strcspn(w, " \t");
			}
			fprintf(out, "%.*s%s%.*s\n", (int)(w - line), line, addr,
				(int)(l - (size_t)(w - line) - strcspn(w, " \t\n")),
				w + strcspn(w, " \t\n"));
		}
		line += l + (eol ? 1 : 0);
	}
	free(text);
	ok &= fflush(out) == 0 && fsync(fileno(out)) == 0;
	ok &= fclose(out) == 0;
	if (!ok) {
		unlink(tmp);
		return cli_error(CLI_EXIT_FAIL, "cannot write %s", tmp);
	}
	/* The daemon re-reads it on SIGHUP: never put a file it refuses in place. */
	if (td_config_load(tmp, &check, err, sizeof(err))) {
		unlink(tmp);
		return cli_error(CLI_EXIT_FAIL, "the rewritten configuration does not parse (%s); "
				 "%s is unchanged", err, config);
	}
	td_config_free(&check);
	if (rename(tmp, config)) {
		unlink(tmp);
		return cli_error(CLI_EXIT_FAIL, "cannot replace %s: %s", config, strerror(errno));
	}
	return 0;
}

/* The new teedisk for slot must answer, attest and be blank. */
static int cli_check_new_member(const struct td_config *cfg, const struct td_member_cfg *mc,
				const char *addr)
{
	struct ta_client c;
	uint8_t sector[TA_SECTOR_SIZE];
	struct ta_key skey;
	char why[256], err[512];
	enum cli_member_state s;
	int r = 0;

	if (td_addr_valid(addr))
		return cli_error(CLI_EXIT_USAGE, "'%s' is not HOST:PORT", addr);
	if (td_key_load(cfg, &skey, err, sizeof(err)))
		return cli_error(CLI_EXIT_USAGE, "%s", err);
	s = cli_connect(&c, cfg, &skey, mc->array, mc->slot, addr, why, sizeof(why));
	if (s != CLI_MEMBER_OK) {
		r = cli_error(CLI_EXIT_MEMBER, "the new member %s; start it (teedisk --array ... "
			      "--slot %u) and try again", why, mc->slot);
	} else if (ta_client_read(&c, 0, 1, sector) != TA_OK) {
		r = cli_error(CLI_EXIT_MEMBER, "cannot read from the new member %s", addr);
	} else if (!cli_all_zero(sector, sizeof(sector))) {
		r = cli_error(CLI_EXIT_USAGE, "the new member %s is not blank: only a fresh "
			      "teedisk can replace a member", addr);
	}
	ta_client_close(&c);
	ta_key_wipe(&skey);
	return r;
}

/*
 * Make teearrayd use the new address: rewrite its line and SIGHUP it.  The
 * daemon re-executes under the same pid and registers again, and the kernel
 * fences the members for the new session: wait for all of that (see
 * daemon.c), so the replace message does not meet the old instance on its
 * way out or no daemon at all.
 */
static int cli_move_member(const char *name, const char *config, const char *pid_file,
			   const char *ctl_path, const struct td_member_cfg *mc, const char *addr,
			   unsigned int timeout_ms)
{
	struct cli_daemon_want w = {
		.ctl_path = ctl_path, .array = mc->array, .name = name, .timeout_ms = timeout_ms,
	};
	struct cli_session old;
	uint64_t gen;
	char why[256];
	pid_t pid;
	int r;

	r = cli_kernel_generation(name, &gen);
	if (r)
		return cli_error(CLI_EXIT_FAIL, "cannot read the member list of %s (%s)", name,
				 strerror(-r));
	/* The instance to see go (none known from a daemon without SESSION). */
	cli_daemon_session(ctl_path, mc->array, &old);
	r = cli_rewrite_member(config, mc, addr);
	if (r)
		return r;
	pid = cli_daemon_pid(pid_file);
	if (!pid)
		return cli_error(CLI_EXIT_FAIL, "teearrayd is not running (no %s): start it", pid_file);
	if (kill(pid, SIGHUP))
		return cli_error(CLI_EXIT_FAIL, "cannot signal teearrayd: %s", strerror(errno));
	w.old = &old;
	w.need_ctl = old.answered;
	w.gen_before = &gen;
	w.pid = pid;
	r = cli_daemon_wait(&w, NULL, why, sizeof(why));
	if (r)
		return cli_error(CLI_EXIT_FAIL, "teearrayd did not come back from the reload %s (%s); "
				 "%s now gives member %u the address %s: see the system log, and "
				 "run teearray replace %s %u again once teearrayd serves the kernel",
				 r == -ESRCH ? "(it exited)" : "in time", why, config, mc->slot,
				 addr, name, mc->slot);
	return 0;
}

/*
 * After the replace message failed with r: did the daemon session change
 * meanwhile (the kernel then answered "no daemon")?  before is what the
 * control socket said just before the message.
 */
static int cli_session_changed(const char *name, const char *ctl_path, const uint8_t *array,
			       const struct cli_session *before, int r)
{
	struct cli_dm_status st;
	struct cli_session now;

	if (r != -EIO && r != -EAGAIN)
		return 0;
	if (cli_dm_status(name, &st) || strcmp(st.daemon, "up"))
		return 1;
	if (!before->answered)
		return 0;
	return cli_daemon_session(ctl_path, array, &now) || !now.epoch ||
	       now.epoch != before->epoch || memcmp(now.id, before->id, sizeof(now.id));
}

/* Tries of the replace message when the daemon session changes under it. */
#define CLI_REPLACE_TRIES	3

int cmd_replace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "daemon-socket", required_argument, NULL, 'S' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = CLI_DEFAULT_CONFIG, *pid_file = CLI_DEFAULT_PIDFILE, *name, *addr;
	const char *ctl_path = TD_CTL_DEFAULT_PATH;
	const struct td_member_cfg *mc;
	struct cli_status info;
	struct cli_dm_status st;
	struct cli_session before;
	struct td_config cfg;
	uint8_t uuid[16], array[16];
	char msg[32], err[512], why[256];
	unsigned int timeout_ms = cli_daemon_timeout_ms(TD_DEFAULT_TIMEOUT_MS);
	unsigned long slot;
	int c, wait = 1, r, tries;
	char *end;

	while ((c = getopt_long(argc, argv, "c:nh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'P': pid_file = optarg; break;
		case 'S': ctl_path = optarg; break;
		case 'n': wait = 0; break;
		case 'h':
			printf("usage: teearray replace NAME SLOT [HOST:PORT] [--no-wait] [--config FILE] "
			       "[--pid-file FILE] [--daemon-socket PATH]\n");
			return 0;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (argc - optind < 2 || argc - optind > 3)
		return cli_error(CLI_EXIT_USAGE, "replace needs NAME SLOT [HOST:PORT]");
	name = argv[optind];
	addr = argc - optind == 3 ? argv[optind + 2] : NULL;
	errno = 0;
	slot = strtoul(argv[optind + 1], &end, 10);
	if (errno || *end || !*argv[optind + 1] || argv[optind + 1][0] == '-')
		return cli_error(CLI_EXIT_USAGE, "SLOT must be a number, got '%s'", argv[optind + 1]);
	r = cli_status_read(name, config, &info);
	if (r)
		return r;
	if (slot >= info.st.members) {
		r = cli_error(CLI_EXIT_USAGE, "%s has slots 0 to %u, not %lu", name,
			      info.st.members - 1, slot);
		goto out;
	}
	if (info.st.health[slot] == '-') {
		r = cli_error(CLI_EXIT_USAGE, "slot %lu of %s has no member in the table", slot, name);
		goto out;
	}
	if (ta_uuid_parse(array, info.uuid)) {
		r = cli_error(CLI_EXIT_FAIL, "the table of %s names no array UUID", name);
		goto out;
	}
	/* Without HOST:PORT the configuration only sets how long to wait for the daemon. */
	if (td_config_load(config, &cfg, err, sizeof(err))) {
		if (addr) {
			r = cli_error(CLI_EXIT_USAGE, "%s", err);
			goto out;
		}
	} else {
		timeout_ms = cli_daemon_timeout_ms(cfg.member_timeout_ms);
		mc = ta_uuid_parse(uuid, info.slots[slot].uuid) ? NULL :
		     td_config_member(&cfg, uuid);
		if (addr && !mc)
			r = cli_error(CLI_EXIT_USAGE, "%s has no member line for %s", config,
				      info.slots[slot].uuid);
		else if (addr && strcmp(mc->addr, addr))
			r = cli_check_new_member(&cfg, mc, addr) ?:
			    cli_move_member(name, config, pid_file, ctl_path, mc, addr, timeout_ms);
		td_config_free(&cfg);
		if (r)
			goto out;
	}
	/*
	 * The kernel does the replace's member I/O at once, without waiting
	 * for a daemon: wait for one here (a daemon starting or reloading),
	 * and try again if the session changed while the kernel worked.
	 */
	snprintf(msg, sizeof(msg), "replace %lu", slot);
	for (tries = 1;; tries++) {
		r = cli_daemon_settle(name, array, ctl_path, pid_file, 0, timeout_ms, why,
				      sizeof(why));
		if (r && r != -ENOENT) {
			r = cli_error(CLI_EXIT_FAIL, "no transport daemon serves %s (%s): member "
				      "%lu was not replaced; see the system log, and run teearray "
				      "replace %s %lu again once teearrayd runs", name, why, slot,
				      name, slot);
			goto out;
		}
		cli_daemon_session(ctl_path, array, &before);
		r = cli_dm_message(name, msg, NULL);
		if (!r || tries == CLI_REPLACE_TRIES ||
		    !cli_session_changed(name, ctl_path, array, &before, r))
			break;
		fprintf(stderr, "teearray: the transport daemon changed while the kernel replaced "
			"member %lu (%s); trying again\n", slot, strerror(-r));
	}
	if (r == -EBUSY) {
		r = cli_error(CLI_EXIT_FAIL, "the kernel refused to replace member %lu: a rebuild "
			      "or check is running (wait for it), or the member is alive and "
			      "unchanged (to take a working member out: dmsetup message %s 0 "
			      "fail_member %lu %" PRIu64 ")", slot, name, slot,
			      info.st.death_version);
		goto out;
	}
	if (r) {
		r = cli_error(CLI_EXIT_MEMBER, "the kernel refused to replace member %lu (%s): the "
			      "new member must answer, be blank and be large enough; the kernel "
			      "log says which", slot, strerror(-r));
		goto out;
	}
	printf("%s: member %lu replaced, rebuilding\n", name, slot);
	if (wait) {
		r = cli_follow(name, "recover", &st);
		if (!r && st.health[slot] != 'A')
			r = cli_error(CLI_EXIT_FAIL, "the rebuild of member %lu stopped (health %s): "
				      "see the kernel log; run teearray replace again", slot,
				      st.health);
		else if (!r)
			printf("%s: member %lu rebuilt and in sync\n", name, slot);
	}
out:
	cli_status_free(&info);
	return r;
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "repair", no_argument, NULL, 'r' },
		{ "no-wait", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_dm_status before, st;
	int c, repair = 0, wait = 1, r;
	const char *name, *action;
	char why[256];

	while ((c = getopt_long(argc, argv, "rnh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': repair = 1; break;
		case 'n': wait = 0; break;
		case 'h':
			printf("usage: teearray check NAME [--repair] [--no-wait]\n");
			return 0;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_error(CLI_EXIT_USAGE, "check needs exactly one array NAME");
	name = argv[optind];
	action = repair ? "repair" : "check";
	r = cli_dm_status(name, &before);
	if (r == -ENOTTY)
		return cli_error(CLI_EXIT_USAGE, "%s is not a teearray device", name);
	if (r)
		return cli_error(CLI_EXIT_FAIL, "%s is not open (teearray open %s)", name, name);
	/* The walk reads every member through the daemon. */
	r = cli_daemon_settle(name, NULL, TD_CTL_DEFAULT_PATH, CLI_DEFAULT_PIDFILE, 0,
			      cli_daemon_timeout_ms(TD_DEFAULT_TIMEOUT_MS), why, sizeof(why));
	if (r)
		return cli_error(CLI_EXIT_FAIL, "no transport daemon serves %s (%s): the %s reads "
				 "every member through it; start teearrayd", name,
				 r == -ENOENT ? "teearrayd is not running" : why, action);
	r = cli_dm_message(name, action, NULL);
	if (r)
		return cli_error(CLI_EXIT_FAIL, "the kernel refused to start the %s (%s): %s", action,
				 strerror(-r), r == -EBUSY ? "a rebuild or check is running, or "
				 "the array has failed" : "see the kernel log");
	if (!wait) {
		printf("%s: %s started; follow it with teearray status %s\n", name, action, name);
		return 0;
	}
	r = cli_follow(name, action, &st);
	if (r)
		return r;
	if (st.sync_done < st.sync_total)
		return cli_error(CLI_EXIT_FAIL, "the %s stopped at %" PRIu64 " of %" PRIu64
				 " stripes (suspended, failed, or a stripe could not be read): see "
				 "the kernel log", action, st.sync_done, st.sync_total);
	printf("%s: %s done: %" PRIu64 " stripes, %" PRIu64 " parity mismatches%s, %" PRIu64
	       " new MAC failures, health %s\n", name, action, st.sync_total, st.mismatches,
	       repair && st.mismatches ? " (rewritten)" : "", st.mac_failures - before.mac_failures,
	       st.health);
	if (st.mac_failures > before.mac_failures)
		fprintf(stderr, "teearray: members that served bad data were marked dead: replace "
			"them (teearray replace %s SLOT)\n", name);
	if ((st.mismatches && !repair) || st.mac_failures > before.mac_failures)
		return CLI_EXIT_FOUND;
	return 0;
}
