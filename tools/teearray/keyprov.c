// SPDX-License-Identifier: GPL-2.0
/*
 * Key providers: where the key of an epoch comes from (key= of the array
 * line; Documentation/admin-guide/device-mapper/dm-teearray-keys.rst).  A
 * file or keyring provider holds the root and the epoch key is derived
 * here; a command provider (a key service) hands out epoch keys itself and
 * can refuse one, which is how an array is revoked.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <keyutils.h>
#include <sodium.h>

#include "teearray-cli.h"
#include "teearray-keyprov.h"
#include "teearray-kdf.h"
#include "ta-crypto.h"

#ifndef CLI_PROVIDER_TIMEOUT_MS	/* unit tests shorten it */
#define CLI_PROVIDER_TIMEOUT_MS	30000
#endif

static int cli_root_from_keyring(const char *desc, uint8_t root[CLI_ARRAY_KEY_SIZE])
{
	key_serial_t id = keyctl_search(KEY_SPEC_SESSION_KEYRING, "user", desc, 0);
	void *buf = NULL;
	long n;

	if (id < 0)
		id = keyctl_search(KEY_SPEC_USER_KEYRING, "user", desc, 0);
	if (id < 0)
		return cli_error(CLI_EXIT_USAGE, "no user key '%s' holds the root key in the "
				 "session or user keyring", desc);
	n = keyctl_read_alloc(id, &buf);
	if (n != CLI_ARRAY_KEY_SIZE) {
		if (n > 0)
			sodium_memzero(buf, (size_t)n);
		free(buf);
		return cli_error(CLI_EXIT_USAGE, "user key '%s' is not a 64-byte root key", desc);
	}
	memcpy(root, buf, CLI_ARRAY_KEY_SIZE);
	sodium_memzero(buf, CLI_ARRAY_KEY_SIZE);
	free(buf);
	return 0;
}

static long cli_ms_left(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return CLI_PROVIDER_TIMEOUT_MS - ((now.tv_sec - start->tv_sec) * 1000 +
					  (now.tv_nsec - start->tv_nsec) / 1000000);
}

/* The provider's side of the fork: stdin /dev/null, stdout the pipe, nothing else. */
static void __attribute__((noreturn)) cli_exec_provider(const char *path, int out_fd,
							const char *uuid_s, const char *epoch_s)
{
	int devnull = open("/dev/null", O_RDONLY);

	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_fd, 1) < 0)
		_exit(127);
	/* Member connections and the device-mapper control file stay here. */
	if (close_range(3, ~0U, 0))
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
	signal(SIGPIPE, SIG_DFL);
	execl(path, path, uuid_s, epoch_s, (char *)NULL);
	fprintf(stderr, "teearray: cannot run the key provider %s: %s\n", path, strerror(errno));
	_exit(127);
}

/*
 * Run PATH ARRAY-UUID EPOCH (no shell, stdin /dev/null, its stderr ours);
 * its stdout must be the epoch key in hex.  It gets CLI_PROVIDER_TIMEOUT_MS
 * to answer and exit, then it is killed.
 */
static int cli_key_from_command(const char *path, const uint8_t uuid[16], uint32_t epoch,
				uint8_t out[CLI_ARRAY_KEY_SIZE])
{
	char uuid_s[37], epoch_s[16], buf[512], junk[256];
	struct timespec start, ts = { 0, 10 * 1000 * 1000 };
	size_t got = 0;
	int fd[2], status = 0, timed_out = 0, too_long = 0, r;
	pid_t pid, w;

	if (access(path, X_OK))
		return cli_error(CLI_EXIT_USAGE, "key provider command:%s cannot be run: %s",
				 path, strerror(errno));
	cli_uuid_str(uuid, uuid_s);
	snprintf(epoch_s, sizeof(epoch_s), "%u", epoch);
	if (pipe2(fd, O_CLOEXEC))
		return cli_error(CLI_EXIT_FAIL, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return cli_error(CLI_EXIT_FAIL, "fork: %s", strerror(errno));
	}
	if (!pid)
		cli_exec_provider(path, fd[1], uuid_s, epoch_s);
	close(fd[1]);
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* Its answer, up to end of file. */
	for (;;) {
		struct pollfd pfd = { .fd = fd[0], .events = POLLIN };
		long left = cli_ms_left(&start);
		ssize_t n;

		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (got < sizeof(buf))
			n = read(fd[0], buf + got, sizeof(buf) - got);
		else
			n = read(fd[0], junk, sizeof(junk));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		if (got < sizeof(buf))
			got += (size_t)n;
		else
			too_long = 1;
	}
	close(fd[0]);
	/* Its exit, within the same time (it may close stdout and carry on). */
	w = 0;
	while (!timed_out) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (cli_ms_left(&start) <= 0)
			timed_out = 1;
		else
			nanosleep(&ts, NULL);
	}
	if (timed_out) {
		kill(pid, SIGKILL);
		while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
			;
	}
	sodium_memzero(junk, sizeof(junk));
	r = 0;
	if (timed_out)
		r = cli_error(CLI_EXIT_USAGE, "key provider command:%s did not answer for epoch %u "
			      "within %d s", path, epoch, CLI_PROVIDER_TIMEOUT_MS / 1000);
	else if (w != pid)
		r = cli_error(CLI_EXIT_FAIL, "key provider command:%s: waitpid: %s", path,
			      strerror(errno));
	else if (WIFSIGNALED(status))
		r = cli_error(CLI_EXIT_USAGE, "key provider command:%s was killed by signal %d "
			      "for epoch %u", path, WTERMSIG(status), epoch);
	else if (WEXITSTATUS(status))
		r = cli_error(CLI_EXIT_USAGE, "key provider command:%s refused epoch %u "
			      "(revoked?)", path, epoch);
	if (!r) {
		if (got == 2 * CLI_ARRAY_KEY_SIZE + 1 && buf[got - 1] == '\n')
			got--;
		if (!too_long && got == 2 * CLI_ARRAY_KEY_SIZE) {
			buf[got] = '\0';
			if (ta_hex_decode(out, CLI_ARRAY_KEY_SIZE, buf) != TA_OK)
				got = 0;
		}
		if (too_long || got != 2 * CLI_ARRAY_KEY_SIZE)
			r = cli_error(CLI_EXIT_USAGE, "key provider command:%s printed something "
				      "other than 128 hex digits for epoch %u", path, epoch);
	}
	sodium_memzero(buf, sizeof(buf));
	if (r)
		sodium_memzero(out, CLI_ARRAY_KEY_SIZE);
	return r;
}

int cli_epoch_key(const struct td_array_cfg *a, uint32_t epoch, uint8_t out[CLI_ARRAY_KEY_SIZE])
{
	uint8_t root[CLI_ARRAY_KEY_SIZE];
	int r;

	switch (a->key_kind) {
	case TD_AKEY_COMMAND:
		return cli_key_from_command(a->key_path, a->uuid, epoch, out);
	case TD_AKEY_KEYRING:
		r = cli_root_from_keyring(a->key_path, root);
		break;
	default:
		r = cli_read_array_key(a->key_path, root);
		break;
	}
	if (!r)
		teearray_epoch_key(root, sizeof(root), a->uuid, epoch, out);
	sodium_memzero(root, sizeof(root));
	return r;
}

/* Epoch keys asked for once per command: a key service runs once per epoch. */
int cli_epoch_key_cached(struct cli_key_cache *kc, const struct td_array_cfg *a, uint32_t epoch,
			 const uint8_t **key)
{
	unsigned int i;
	int r;

	for (i = 0; i < kc->n; i++) {
		if (kc->epoch[i] == epoch) {
			*key = kc->key[i];
			return kc->err[i];
		}
	}
	if (kc->n == CLI_KEY_CACHE)
		return cli_error(CLI_EXIT_USAGE, "members name more than %d key epochs",
				 CLI_KEY_CACHE);
	i = kc->n++;
	kc->epoch[i] = epoch;
	r = cli_epoch_key(a, epoch, kc->key[i]);
	kc->err[i] = r;
	*key = kc->key[i];
	return r;
}

void cli_key_cache_wipe(struct cli_key_cache *kc)
{
	sodium_memzero(kc, sizeof(*kc));
}
