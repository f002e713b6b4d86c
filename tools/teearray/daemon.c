// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting for teearrayd.  A CLI step that makes the kernel do member I/O
 * right away (open's assembly, replace, the close entry of the audit log)
 * fails when no daemon serves the kernel at that moment: "no daemon" (EIO),
 * ENOTCONN, or an audit entry that is never written.  The daemon is not
 * there yet when it was just started, and not there for a moment while it
 * reloads: teearray replace rewrites a member's address and sends SIGHUP,
 * the daemon re-executes under the same pid (so neither the pid nor the pid
 * file tell the old instance from the new one), the kernel sees the old
 * session end, the new instance registers, and the kernel fences the members
 * for the new session before it lets I/O through.  On a loaded machine that
 * takes well over the half second the CLI used to sleep.
 *
 * So these steps wait, bounded, for what the kernel and the daemon say:
 *   - the daemon's control socket (td-ctl.h) answers SESSION with a kernel
 *     session (epoch != 0) and, after a reload, another daemon_id than the
 *     instance that was asked to reload;
 *   - the kernel's status of the array says daemon "up";
 *   - after a reload, the kernel's fencing generation ("members" message)
 *     is above the one before it: the kernel fenced for the new session;
 *   - for reads through the daemon (teearray log), the daemon has used
 *     every member the kernel lists alive (it can read only those).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "teearray-cli.h"
#include "teearray-dm.h"
#include "td-ctl.h"
#include "teearray-netlink.h"

/* Is process pid a teearrayd? */
static int cli_is_daemon(long pid)
{
	char comm[64] = "", path[64];
	ssize_t n;
	int fd;

	if (pid <= 0 || pid > INT_MAX || kill((pid_t)pid, 0))
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	return n > 0 && !strncmp(comm, "teearrayd\n", 10);
}

pid_t cli_daemon_pid(const char *pid_file)
{
	char buf[32] = "";
	ssize_t n;
	long pid;
	int fd = open(pid_file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	pid = n > 0 ? strtol(buf, NULL, 10) : 0;
	return cli_is_daemon(pid) ? (pid_t)pid : 0;
}

/* The daemon per pid_file, else any process called teearrayd, else 0. */
static pid_t cli_any_daemon(const char *pid_file)
{
	pid_t pid = pid_file ? cli_daemon_pid(pid_file) : 0;
	struct dirent *de;
	DIR *d;

	if (pid)
		return pid;
	d = opendir("/proc");
	while (d && (de = readdir(d))) {
		long p = strtol(de->d_name, NULL, 10);

		if (p > 0 && cli_is_daemon(p)) {
			pid = (pid_t)p;
			break;
		}
	}
	if (d)
		closedir(d);
	return pid;
}

static uint64_t cli_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Send or receive all of len bytes within ms; 0 or -errno. */
static int cli_ctl_xfer(int fd, void *buf, size_t len, int out, int ms)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pf = { .fd = fd, .events = out ? POLLOUT : POLLIN };
		ssize_t n;
		int r = poll(&pf, 1, ms);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r ? -errno : -ETIMEDOUT;
		n = out ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int cli_daemon_session(const char *ctl_path, const uint8_t *array, struct cli_session *s)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct td_ctl_req q = { .magic = TD_CTL_MAGIC, .op = TD_CTL_OP_SESSION };
	struct td_ctl_resp resp;
	struct td_ctl_session ses;
	int fd, r;

	memset(s, 0, sizeof(*s));
	if (!ctl_path || !*ctl_path)
		return -ENOENT;
	if (strlen(ctl_path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	strcpy(a.sun_path, ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A daemon registering does not serve its socket yet: short waits, asked again. */
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS) {
		r = -errno;
		close(fd);
		return r;
	}
	if (array)
		memcpy(q.array, array, sizeof(q.array));
	r = cli_ctl_xfer(fd, &q, sizeof(q), 1, 1000);
	if (!r)
		r = cli_ctl_xfer(fd, &resp, sizeof(resp), 0, 1000);
	if (!r && (resp.magic != TD_CTL_MAGIC || resp.status == TD_CTL_ST_BAD))
		r = -EPROTO;	/* a daemon older than SESSION */
	if (!r && (resp.status != TEEARRAY_ST_OK || resp.len != sizeof(ses)))
		r = -EPROTO;
	if (!r)
		r = cli_ctl_xfer(fd, &ses, sizeof(ses), 0, 1000);
	close(fd);
	if (r)
		return r;
	s->answered = 1;
	memcpy(s->id, ses.daemon_id, sizeof(s->id));
	s->epoch = ses.epoch;
	s->members = ses.members;
	s->seen = ses.seen;
	return 0;
}

int cli_kernel_generation(const char *name, uint64_t *gen)
{
	char *answer = NULL;
	int r = cli_dm_message(name, "members", &answer);

	if (!r && (!answer || sscanf(answer, "generation %" SCNu64, gen) != 1))
		r = -EPROTO;
	free(answer);
	return r;
}

unsigned int cli_daemon_timeout_ms(unsigned int member_timeout_ms)
{
	/* Start or re-execute, register, then fence: a member that does not answer costs one timeout. */
	return 30000 + 2 * member_timeout_ms;
}

/* One look at everything w asks for: 1 ready, 0 not yet (why says what is missing). */
static int cli_daemon_ready(const struct cli_daemon_want *w, struct cli_session *now,
			    char *why, size_t whylen)
{
	struct cli_dm_status st;
	unsigned int alive = 0, i;
	uint64_t gen;
	int r;

	r = cli_daemon_session(w->ctl_path, w->array, now);
	/*
	 * No socket, or a daemon without SESSION: nothing to ask.  Refused or
	 * silent: a daemon between two instances, or registering.
	 */
	if (r && (w->need_ctl || (r != -ENOENT && r != -EPROTO && r != -ENAMETOOLONG))) {
		snprintf(why, whylen, "teearrayd's control socket %s does not answer (%s)",
			 w->ctl_path, strerror(-r));
		return 0;
	}
	if (!r && !now->epoch) {
		snprintf(why, whylen, "teearrayd is not registered with the kernel yet");
		return 0;
	}
	if (!r && w->old && w->old->answered && !memcmp(now->id, w->old->id, sizeof(now->id))) {
		snprintf(why, whylen, "teearrayd has not restarted yet (the reload is pending)");
		return 0;
	}
	if (!w->name)
		return 1;
	r = cli_dm_status(w->name, &st);
	if (r) {
		snprintf(why, whylen, "cannot read the status of %s (%s)", w->name, strerror(-r));
		return 0;
	}
	if (strcmp(st.daemon, "up")) {
		snprintf(why, whylen, "the kernel has no transport daemon (daemon %s)", st.daemon);
		return 0;
	}
	if (w->gen_before) {
		r = cli_kernel_generation(w->name, &gen);
		if (r || gen <= *w->gen_before) {
			snprintf(why, whylen, "the kernel has not fenced the members for the new "
				 "daemon session yet (generation %" PRIu64 ")",
				 r ? 0 : gen);
			return 0;
		}
	}
	if (w->all_seen && now->answered) {
		for (i = 0; i < st.members; i++)
			alive += st.health[i] == 'A' || st.health[i] == 'a';
		if (now->seen < alive) {
			snprintf(why, whylen, "teearrayd serves %u of the %u live members of %s yet",
				 now->seen, alive, w->name);
			return 0;
		}
	}
	return 1;
}

int cli_daemon_wait(const struct cli_daemon_want *w, struct cli_session *now,
		    char *why, size_t whylen)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	uint64_t until = cli_now_ms() + w->timeout_ms;
	struct cli_session scratch;

	if (!now)
		now = &scratch;
	for (;;) {
		if (cli_daemon_ready(w, now, why, whylen))
			return 0;
		if (w->pid > 0 && kill(w->pid, 0) && errno == ESRCH) {
			snprintf(why, whylen, "teearrayd (pid %d) exited", (int)w->pid);
			return -ESRCH;
		}
		if (cli_now_ms() >= until)
			return -ETIMEDOUT;
		nanosleep(&ts, NULL);
	}
}

int cli_daemon_settle(const char *name, const uint8_t *array, const char *ctl_path,
		      const char *pid_file, int all_seen, unsigned int timeout_ms,
		      char *why, size_t whylen)
{
	struct cli_daemon_want w = {
		.ctl_path = ctl_path, .array = array, .name = name, .all_seen = all_seen,
		.pid = cli_any_daemon(pid_file), .timeout_ms = 0,
	};
	int r;

	r = cli_daemon_wait(&w, NULL, why, whylen);
	if (!r)
		return 0;
	/* No daemon process (a reload keeps its pid): nothing to wait for. */
	if (!w.pid)
		return -ENOENT;
	w.timeout_ms = timeout_ms;
	return cli_daemon_wait(&w, NULL, why, whylen);
}
