// SPDX-License-Identifier: GPL-2.0
/*
 * How the teearray CLI waits for teearrayd (tools/teearray/daemon.c),
 * against a control socket played by a thread of this test: the SESSION
 * answer parsed, an older daemon (SESSION unknown) and a socket nobody
 * serves told apart from a missing one, and cli_daemon_wait waiting for a
 * new, registered instance after a reload, giving up in time with a reason,
 * and at once when the daemon process exits.  The kernel's side (status,
 * "members") is covered by the VM tests.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "teearray-cli.h"
#include "td-ctl.h"
#include "teearray-netlink.h"

static char dir[] = "/tmp/cli-daemon-XXXXXX";
static char path[300];

/* What the fake daemon answers; changed by the test while it runs. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct td_ctl_session answer;
static int old_daemon;		/* answer TD_CTL_ST_BAD, as before SESSION */
static int silent;		/* accept, never answer (a daemon registering) */
static int lfd = -1;
static const uint8_t array[16] = { 0x5a, 0x6b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14 };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		struct td_ctl_req q;
		struct td_ctl_resp a = { .magic = TD_CTL_MAGIC };
		struct td_ctl_session s;
		int bad, quiet;

		if (fd < 0)
			return NULL;
		if (recv(fd, &q, sizeof(q), MSG_WAITALL) != (ssize_t)sizeof(q)) {
			close(fd);
			continue;
		}
		pthread_mutex_lock(&lock);
		s = answer;
		bad = old_daemon;
		quiet = silent;
		pthread_mutex_unlock(&lock);
		if (quiet) {
			sleep_ms(1500);
			close(fd);
			continue;
		}
		a.tag = q.tag;
		if (bad || q.magic != TD_CTL_MAGIC || q.op != TD_CTL_OP_SESSION ||
		    memcmp(q.array, array, 16)) {
			a.status = TD_CTL_ST_BAD;
			send(fd, &a, sizeof(a), MSG_NOSIGNAL);
		} else {
			a.status = TEEARRAY_ST_OK;
			a.len = sizeof(s);
			send(fd, &a, sizeof(a), MSG_NOSIGNAL);
			send(fd, &s, sizeof(s), MSG_NOSIGNAL);
		}
		close(fd);
	}
}

static void set_answer(uint8_t id, uint64_t epoch, int bad, int quiet)
{
	pthread_mutex_lock(&lock);
	memset(answer.daemon_id, id, sizeof(answer.daemon_id));
	answer.epoch = epoch;
	answer.members = 3;
	answer.seen = 2;
	old_daemon = bad;
	silent = quiet;
	pthread_mutex_unlock(&lock);
}

/* A reload as the daemon goes through it, on a timer. */
static void *reload(void *arg)
{
	(void)arg;
	sleep_ms(300);
	set_answer(0xbb, 0, 0, 0);	/* the new instance, not registered yet */
	sleep_ms(300);
	set_answer(0xbb, 8, 0, 0);	/* registered */
	return NULL;
}

int main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct cli_session s, old;
	char why[256];
	pthread_t th, rt;
	uint64_t t0;
	int r;

	tap_plan(6);
	signal(SIGCHLD, SIG_IGN);	/* exited children go at once, as daemons do */
	if (!mkdtemp(dir)) {
		printf("not ok - cli daemon: mkdtemp\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);

	tap_begin();
	CHECK(cli_daemon_session(path, array, &s) == -ENOENT && !s.answered);
	CHECK(cli_daemon_session("", array, &s) == -ENOENT);
	tap_end("cli daemon: no control socket -> ENOENT");

	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 8)) {
		printf("not ok - cli daemon: listen\n");
		return 1;
	}
	set_answer(0xaa, 7, 0, 0);
	pthread_create(&th, NULL, serve, NULL);

	tap_begin();
	r = cli_daemon_session(path, array, &s);
	CHECK(r == 0 && s.answered && s.epoch == 7 && s.members == 3 && s.seen == 2);
	CHECK(s.id[0] == 0xaa && s.id[15] == 0xaa);
	old = s;
	set_answer(0xaa, 7, 1, 0);
	CHECK(cli_daemon_session(path, array, &s) == -EPROTO && !s.answered);
	set_answer(0xaa, 7, 0, 1);
	t0 = now_ms();
	CHECK(cli_daemon_session(path, array, &s) == -ETIMEDOUT);
	CHECK(now_ms() - t0 < 1400);
	sleep_ms(1600);
	tap_end("cli daemon: SESSION parsed; an older daemon -> EPROTO; a daemon that does not "
		"answer (registering) -> ETIMEDOUT after a second");

	tap_begin();
	{
		struct cli_daemon_want w = {
			.ctl_path = path, .array = array, .old = &old, .need_ctl = 1,
			.timeout_ms = 5000,
		};

		set_answer(0xaa, 7, 0, 0);
		pthread_create(&rt, NULL, reload, NULL);
		t0 = now_ms();
		r = cli_daemon_wait(&w, &s, why, sizeof(why));
		CHECK(r == 0);
		CHECK(now_ms() - t0 >= 550);
		CHECK(s.id[0] == 0xbb && s.epoch == 8);
		pthread_join(rt, NULL);
	}
	tap_end("cli daemon: after a reload, waits for another instance that is registered");

	tap_begin();
	{
		struct cli_daemon_want w = {
			.ctl_path = path, .array = array, .old = &s, .need_ctl = 1,
			.timeout_ms = 400,
		};

		t0 = now_ms();
		r = cli_daemon_wait(&w, NULL, why, sizeof(why));
		CHECK(r == -ETIMEDOUT && now_ms() - t0 >= 400 && now_ms() - t0 < 2000);
		CHECK(strstr(why, "has not restarted yet") != NULL);
		set_answer(0xcc, 0, 0, 0);
		r = cli_daemon_wait(&w, NULL, why, sizeof(why));
		CHECK(r == -ETIMEDOUT && strstr(why, "not registered") != NULL);
		printf("#   %s\n", why);
	}
	tap_end("cli daemon: gives up after its timeout and says what was missing");

	tap_begin();
	{
		struct cli_daemon_want w = {
			.ctl_path = path, .array = array, .need_ctl = 1, .timeout_ms = 10000,
		};

		set_answer(0xdd, 0, 0, 0);	/* never registers */
		w.pid = fork();
		if (w.pid == 0) {
			sleep_ms(300);
			_exit(0);
		}
		t0 = now_ms();
		r = cli_daemon_wait(&w, NULL, why, sizeof(why));
		CHECK(r == -ESRCH && now_ms() - t0 < 3000);
		CHECK(strstr(why, "exited") != NULL);
	}
	tap_end("cli daemon: stops waiting at once when the daemon process exits");

	tap_begin();
	{
		struct cli_daemon_want w = {
			.ctl_path = path, .array = array, .timeout_ms = 300,
		};

		/* Not required and not there: nothing to wait for. */
		shutdown(lfd, SHUT_RDWR);	/* the server thread's accept returns */
		close(lfd);
		pthread_join(th, NULL);
		unlink(path);
		CHECK(cli_daemon_wait(&w, NULL, why, sizeof(why)) == 0);
		w.need_ctl = 1;
		CHECK(cli_daemon_wait(&w, NULL, why, sizeof(why)) == -ETIMEDOUT);
	}
	tap_end("cli daemon: a missing socket is waited for only when it is required");
	rmdir(dir);
	return tap_exit_status();
}
