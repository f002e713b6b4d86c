// SPDX-License-Identifier: GPL-2.0
/*
 * teearray open and close.  open checks the members itself before it asks
 * the kernel for anything (so a wrong key, unformatted members or a missing
 * quorum get a clear answer, not a kernel log line), then loads the keys,
 * the module and the transport daemon, and creates the device.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <libkmod.h>
#include <sodium.h>

#include "teearray-cli.h"
#include "teearray-dm.h"
#include "teearray-keys.h"
#include "teearray-keyprov.h"
#include "td-ctl.h"

static int cli_load_module(void)
{
	struct kmod_ctx *ctx;
	struct kmod_module *mod = NULL;
	int r;

	if (access("/sys/module/dm_teearray", F_OK) == 0)
		return 0;
	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		return cli_error(CLI_EXIT_FAIL, "libkmod failed to initialise");
	r = kmod_module_new_from_name(ctx, "dm-teearray", &mod);
	if (!r)
		r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL,
						    NULL, NULL);
	kmod_module_unref(mod);
	kmod_unref(ctx);
	if (r)
		return cli_error(CLI_EXIT_FAIL, "cannot load the dm-teearray module: %s (is it "
				 "installed for kernel this kernel? see `dkms status`)",
				 strerror(r < 0 ? -r : EINVAL));
	return 0;
}

/* teearrayd next to this program, else from PATH. */
static void cli_exec_daemon(const char *config, const char *pid_file, const char *ctl_path)
{
	char self[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 16);
	/* --control-socket only for another path than the default (NULL ends the list). */
	const char *ctl_opt = strcmp(ctl_path, TD_CTL_DEFAULT_PATH) ? "--control-socket" : NULL;

	if (n > 0) {
		self[n] = 0;
		slash = strrchr(self, '/');
		if (slash) {
			strcpy(slash + 1, "teearrayd");
			execl(self, "teearrayd", "--config", config, "--pid-file", pid_file,
			      ctl_opt, ctl_path, (char *)NULL);
		}
	}
	execlp("teearrayd", "teearrayd", "--config", config, "--pid-file", pid_file,
	       ctl_opt, ctl_path, (char *)NULL);
	_exit(127);
}

/*
 * Start teearrayd (it detaches and writes its pid file) unless it runs;
 * *started is the pid of one started here, else 0.
 */
static int cli_ensure_daemon(const char *config, const char *pid_file, const char *ctl_path,
			     unsigned int timeout_ms, pid_t *started)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	unsigned int i;
	int status;
	pid_t pid;

	*started = 0;
	if (cli_daemon_pid(pid_file))
		return 0;
	pid = fork();
	if (pid < 0)
		return cli_error(CLI_EXIT_FAIL, "fork: %s", strerror(errno));
	if (pid == 0)
		cli_exec_daemon(config, pid_file, ctl_path);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return cli_error(CLI_EXIT_FAIL, "teearrayd did not start (exit status %d): run "
				 "teearrayd --config %s --check-config, and see the system log",
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1, config);
	for (i = 0; i < timeout_ms / 50; i++) {
		*started = cli_daemon_pid(pid_file);
		if (*started)
			return 0;
		nanosleep(&ts, NULL);
	}
	return cli_error(CLI_EXIT_FAIL, "teearrayd started but wrote no pid file %s: see the "
			 "system log", pid_file);
}

/*
 * Before the kernel assembles: a daemon that started or reloads must be
 * registered with the kernel (daemon.c).  One started here must answer on
 * its control socket; one already running is waited for when it is seen
 * starting or reloading there.  0 or an exit code.
 */
static int cli_open_wait_daemon(const struct td_array_cfg *a, const char *ctl_path,
				const char *pid_file, pid_t started, unsigned int timeout_ms)
{
	struct cli_daemon_want w = {
		.ctl_path = ctl_path, .array = a->uuid, .need_ctl = started > 0,
		.pid = started > 0 ? started : cli_daemon_pid(pid_file), .timeout_ms = timeout_ms,
	};
	char why[256];
	int r = cli_daemon_wait(&w, NULL, why, sizeof(why));

	if (r == -ESRCH)
		return cli_error(CLI_EXIT_FAIL, "teearrayd exited before it registered with the "
				 "kernel: see the system log (teearrayd --config ... --foreground "
				 "shows why)");
	if (r)
		return cli_error(CLI_EXIT_FAIL, "teearrayd did not register with the kernel in "
				 "%u s (%s): see the system log", timeout_ms / 1000, why);
	return 0;
}

/* Decide from the probe whether the array can be assembled; exit code. */
static int cli_open_verdict(const struct td_array_cfg *a, const struct cli_member *mb)
{
	unsigned int m = a->data + a->parity, i, ok = 0, badmac = 0, blank = 0, old = 0;
	const struct cli_member *ref = NULL;

	for (i = 0; i < m; i++) {
		ok += mb[i].state == CLI_MEMBER_OK;
		old += mb[i].state == CLI_MEMBER_OLDFORMAT;
		badmac += mb[i].state == CLI_MEMBER_BADMAC;
		blank += mb[i].state == CLI_MEMBER_BLANK;
		if (mb[i].state == CLI_MEMBER_OK && !ref)
			ref = &mb[i];
	}
	if (ref && (ref->data != a->data || ref->parity != a->parity))
		return cli_error(CLI_EXIT_USAGE, "the configuration says %s is %u+%u but its "
				 "members were formatted as %u+%u: fix the array line", a->name,
				 a->data, a->parity, ref->data, ref->parity);
	if (!ok && badmac)
		return cli_error(CLI_EXIT_USAGE, "wrong key: the superblocks of %u member(s) do "
				 "not verify with %s (or they belong to another array)", badmac,
				 a->key_path);
	if (!ok && old)
		return cli_error(CLI_EXIT_USAGE, "%s was formatted by an earlier release (format "
				 "version 3, replicated journal), which this release cannot open: "
				 "open it with that release, copy the data off, and format it "
				 "again (admin guide, \"No in-place upgrade\")", a->name);
	if (!ok && blank == m)
		return cli_error(CLI_EXIT_USAGE, "the members of %s are blank: run teearray "
				 "format %s first", a->name, a->name);
	if (ok < a->data) {
		cli_error(CLI_EXIT_MEMBER, "%s cannot be assembled: %u of %u members answer with "
			  "a valid superblock, %u are needed", a->name, ok, m, a->data);
		for (i = 0; i < m; i++)
			if (mb[i].state != CLI_MEMBER_OK)
				fprintf(stderr, "  member %u (%s): %s\n", i, mb[i].cfg->addr,
					mb[i].why);
		fprintf(stderr, "  start the missing teedisks (with their memory intact) and "
			"run teearray open %s again\n", a->name);
		return CLI_EXIT_MEMBER;
	}
	return 0;
}

/*
 * The key epoch the superblocks name (the highest, authenticated or not:
 * a newer epoch must not be opened with an older key), and whether a
 * rotation into it is unfinished (some superblock says so, or still names
 * the epoch before).
 */
static uint32_t cli_open_epoch(const struct td_array_cfg *a, const struct cli_member *mb,
			       int *unfinished)
{
	unsigned int m = a->data + a->parity, i;
	uint32_t e = 0;

	for (i = 0; i < m; i++)
		if ((mb[i].state == CLI_MEMBER_OK || mb[i].state == CLI_MEMBER_NOKEY) &&
		    mb[i].key_epoch > e)
			e = mb[i].key_epoch;
	*unfinished = 0;
	for (i = 0; i < m && e; i++)
		if ((mb[i].state == CLI_MEMBER_OK || mb[i].state == CLI_MEMBER_NOKEY) &&
		    ((mb[i].key_epoch == e && mb[i].rotating) || mb[i].key_epoch == e - 1))
			*unfinished = 1;
	return e;
}

/* The table's parameters: every member by UUID, options from the config. */
static int cli_open_params(const struct td_config *cfg, const struct td_array_cfg *a,
			   uint32_t epoch, int unfinished, char *out, size_t len)
{
	unsigned int i, nopts = a->nopts + (epoch > 0) + !!unfinished;
	char uuid[37];
	size_t at;

	cli_uuid_str(a->uuid, uuid);
	at = (size_t)snprintf(out, len, "%s :64:logon:teearray:%s@%u %u %u", uuid, a->name,
			      epoch, a->data, a->parity);
	for (i = 0; i < a->data + a->parity && at < len; i++) {
		cli_uuid_str(td_config_slot(cfg, a->uuid, i)->uuid, uuid);
		at += (size_t)snprintf(out + at, len - at, " %s", uuid);
	}
	if (nopts && at < len)
		at += (size_t)snprintf(out + at, len - at, " %u", nopts);
	if (a->nopts && at < len)
		at += (size_t)snprintf(out + at, len - at, " %s", a->table_opts);
	if (epoch && at < len)
		at += (size_t)snprintf(out + at, len - at, " key_epoch:%u", epoch);
	if (unfinished && at < len)
		at += (size_t)snprintf(out + at, len - at, " prev_key::64:logon:teearray:%s@%u",
				       a->name, epoch - 1);
	return at < len ? 0 : -1;
}

/* Get the epoch keys the open needs and put them in the keyring; exit code. */
static int cli_open_keys(const struct td_array_cfg *a, struct cli_key_cache *kc,
			 uint32_t epoch, int unfinished)
{
	const uint8_t *key;
	unsigned int k;
	int r;

	for (k = 0; k <= (unsigned int)!!unfinished; k++) {
		r = cli_epoch_key_cached(kc, a, epoch - k, &key);
		if (r)
			return cli_error(r, "cannot open %s: no key for key epoch %u%s", a->name,
					 epoch - k, k ? " (a rotation into the next epoch is "
					 "unfinished and needs both)" : "");
		r = cli_keyring_add_epoch_key(a->name, epoch - k, key);
		if (r)
			return r;
	}
	return 0;
}

int cmd_open(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "signing-key", required_argument, NULL, 's' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "daemon-socket", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = CLI_DEFAULT_CONFIG, *signing = CLI_DEFAULT_SIGNING_KEY;
	const char *pid_file = CLI_DEFAULT_PIDFILE, *ctl_path = TD_CTL_DEFAULT_PATH, *name;
	const struct td_array_cfg *a;
	struct cli_member *mb = NULL;
	struct cli_dm_status st;
	struct cli_dm_info info;
	struct td_config cfg;
	struct cli_key_cache keys = { 0 };
	char params[TD_MAX_LINE * 4], dm_uuid[64], uuid[37];
	unsigned int i, missing = 0, timeout_ms;
	int c, r, unfinished, tries;
	uint32_t epoch;
	pid_t started;

	while ((c = getopt_long(argc, argv, "c:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 's': signing = optarg; break;
		case 'P': pid_file = optarg; break;
		case 'S': ctl_path = optarg; break;
		case 'h':
			printf("usage: teearray open NAME [--config FILE] [--signing-key FILE] "
			       "[--pid-file FILE] [--daemon-socket PATH]\n");
			return 0;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_error(CLI_EXIT_USAGE, "open needs exactly one array NAME");
	name = argv[optind];
	r = cli_load_array(config, name, &cfg, &a);
	if (r)
		return r;
	if (!cli_dm_info(name, &info) && info.exists) {
		r = cli_error(CLI_EXIT_FAIL, "%s is already open (/dev/mapper/%s); see teearray "
			      "status %s", name, name, name);
		goto out_cfg;
	}
	mb = calloc(a->data + a->parity, sizeof(*mb));
	if (!mb) {
		r = cli_error(CLI_EXIT_FAIL, "out of memory");
		goto out;
	}
	/* The probe signs with the storage key, so it must be loadable first. */
	r = cli_keyring_load_signing_key(&cfg, signing);
	if (!r)
		r = cli_probe_members(&cfg, a, &keys, mb);
	epoch = r ? 0 : cli_open_epoch(a, mb, &unfinished);
	if (!r)
		r = cli_open_keys(a, &keys, epoch, unfinished);
	if (!r)
		r = cli_open_verdict(a, mb);
	if (r)
		goto out_key;
	for (i = 0; i < a->data + a->parity; i++) {
		if (mb[i].state == CLI_MEMBER_OK)
			continue;
		missing++;
		fprintf(stderr, "teearray: member %u (%s): %s; the array will list it dead "
			"(replace it with teearray replace %s %u)\n", i, mb[i].cfg->addr,
			mb[i].why, name, i);
	}
	timeout_ms = cli_daemon_timeout_ms(cfg.member_timeout_ms);
	r = cli_load_module();
	if (!r)
		r = cli_ensure_daemon(config, pid_file, ctl_path, timeout_ms, &started);
	if (r)
		goto out_key;
	if (cli_open_params(&cfg, a, epoch, unfinished, params, sizeof(params))) {
		r = cli_error(CLI_EXIT_FAIL, "table line too long");
		goto out_key;
	}
	cli_uuid_str(a->uuid, uuid);
	snprintf(dm_uuid, sizeof(dm_uuid), "TEEARRAY-%s", uuid);
	for (i = 0; i < a->data + a->parity; i++)
		if (mb[i].state == CLI_MEMBER_OK)
			break;
	/*
	 * Assembly is member I/O through the daemon, which the kernel waits
	 * for only a few seconds: let a daemon that is starting or reloading
	 * register first, and try once more if it went away during assembly.
	 */
	for (tries = 1;; tries++) {
		r = cli_open_wait_daemon(a, ctl_path, pid_file, started, timeout_ms);
		if (r)
			goto out_key;
		r = cli_dm_create(name, dm_uuid, mb[i].array_sectors * 8, params);
		if (r != -ENOTCONN || tries == 2 || (!cli_dm_info(name, &info) && info.exists))
			break;
		fprintf(stderr, "teearray: %s: no transport daemon during assembly; waiting for "
			"teearrayd and trying again\n", name);
	}
	if (r == -ENOTCONN) {
		r = cli_error(CLI_EXIT_FAIL, "the kernel found no transport daemon to assemble %s: "
			      "start teearrayd (or see why it stopped in the system log) and run "
			      "teearray open %s again", name, name);
		goto out_key;
	}
	if (r) {
		r = cli_error(CLI_EXIT_FAIL, "the kernel refused to assemble %s (%s): the reason "
			      "is in the kernel log (dmesg | grep teearray)", name, strerror(-r));
		goto out_key;
	}
	if (!cli_dm_status(name, &st))
		printf("%s: opened as /dev/mapper/%s, %u+%u, %.1f MiB, health %s%s\n", name, name,
		       a->data, a->parity, (double)st.length / 2048, st.health,
		       missing ? " (degraded)" : "");
	r = 0;
	goto out;
out_key:
	cli_keyring_drop_epoch_keys(name);
out:
	cli_key_cache_wipe(&keys);
	free(mb);
out_cfg:
	td_config_free(&cfg);
	return r;
}

int cmd_close(int argc, char **argv)
{
	struct cli_dm_status st;
	struct cli_dm_info info;
	const char *name;
	char why[256];
	int r;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: teearray close NAME\n");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_error(CLI_EXIT_USAGE, "close needs exactly one array NAME");
	name = argv[1];
	if (cli_dm_info(name, &info) || !info.exists)
		return cli_error(CLI_EXIT_FAIL, "%s is not open", name);
	if (cli_dm_status(name, &st) == -ENOTTY)
		return cli_error(CLI_EXIT_USAGE, "%s is not a teearray device: use dmsetup for "
				 "it", name);
	if (info.open_count)
		return cli_error(CLI_EXIT_FAIL, "%s is in use (mounted, or open by a program): "
				 "unmount it first", name);
	/*
	 * Logged in the audit log before the device goes, which takes a
	 * daemon: the kernel drops the entry when there is none.
	 */
	r = cli_daemon_settle(name, NULL, TD_CTL_DEFAULT_PATH, CLI_DEFAULT_PIDFILE, 0,
			      cli_daemon_timeout_ms(TD_DEFAULT_TIMEOUT_MS), why, sizeof(why));
	if (r)
		fprintf(stderr, "teearray: warning: no transport daemon serves %s (%s): the audit "
			"log gets no close entry\n", name,
			r == -ENOENT ? "teearrayd is not running" : why);
	cli_dm_message(name, "close", NULL);
	r = cli_dm_remove(name);
	if (r)
		return cli_error(CLI_EXIT_FAIL, "cannot remove %s: %s", name, strerror(-r));
	cli_keyring_drop_epoch_keys(name);
	printf("%s: closed\n", name);
	return 0;
}
