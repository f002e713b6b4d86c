// SPDX-License-Identifier: GPL-2.0
/*
 * teedisk: one storage enclave.  Keeps sectors in locked RAM, accepts only
 * commands signed by the authorised key, attests what it returns, never
 * writes anything to persistent storage, and wipes its memory on exit.
 *
 * One thread, one poll loop.  A connection may ask HELLO and STATUS at any
 * time; the connection that last had a signed batch accepted is the
 * session, and a batch accepted on another connection (necessarily at the
 * current, i.e. at least as high, generation) closes the previous session.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "disk.h"
#include "ta-attest.h"
#include "ta-crypto.h"

#define TD_MAX_CONNS	8
#define TD_SEND_TIMEOUT_MS	10000

struct td_conn {
	int fd;
	uint8_t hdr[TA_FRAME_HDR_LEN];
	size_t hdr_have;
	struct ta_frame_hdr fh;
	uint8_t *body;
	size_t body_have;
	uint64_t last_active;	/* td_tick at the last byte received */
	uint64_t frame_start_ms;	/* when the current frame's first byte came */
	struct td_session sess;	/* answer key from this connection's HELLO */
};

/* A frame must arrive completely within this long of its first byte. */
static unsigned int td_frame_timeout_ms = 30000;

static uint64_t td_tick;

static volatile sig_atomic_t td_stop;
static int td_verbose;

static uint64_t td_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void td_on_signal(int sig)
{
	(void)sig;
	td_stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: teedisk --listen ADDR:PORT --sectors N --array UUID --slot N\n"
"               --authorized-key HEX --attest sim|tsm [options]\n"
"  --sim-key FILE        sim: the simulated attestation secret key (hex)\n"
"  --tsm-root DIR        tsm: configfs-tsm report directory\n"
"                        (default " TA_TSM_DEFAULT_ROOT ")\n"
"  --port-file FILE      write the bound port there once listening\n"
"  --frame-timeout SEC   drop a connection whose frame stalls this long (30)\n"
"  --allow-unlocked      keep running if mlock() fails (tests only)\n"
"  --verbose             log accepted requests too\n");
}

static int td_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int td_listen(const char *spec, int *port_out)
{
	char host[256], *colon;
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, one = 1;

	if (strlen(spec) >= sizeof(host))
		return -1;
	strcpy(host, spec);
	colon = strrchr(host, ':');
	if (!colon)
		return -1;
	*colon = 0;
	if (host[0] == '[' && colon[-1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 16))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return -1;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*port_out = ntohs(ss.ss_family == AF_INET6 ?
				  ((struct sockaddr_in6 *)&ss)->sin6_port :
				  ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void td_conn_close(struct td_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->body);
	td_session_end(&c->sess);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Sends a whole buffer on a non-blocking socket, waiting at most a while. */
static int td_send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (poll(&pfd, 1, TD_SEND_TIMEOUT_MS) <= 0)
				return -1;
			continue;
		}
		return -1;
	}
	return 0;
}

static void td_quickack(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

/*
 * Reads what is available.  Returns 1 when a whole frame is buffered, 0 when
 * more is needed, -1 when the connection must be closed.
 */
static int td_conn_read(struct td_disk *d, struct td_conn *c)
{
	ssize_t r;

	if (c->hdr_have < TA_FRAME_HDR_LEN) {
		r = recv(c->fd, c->hdr + c->hdr_have, TA_FRAME_HDR_LEN - c->hdr_have, 0);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			if (c->hdr_have)
				fprintf(stderr, "teedisk: connection closed inside a frame header\n");
			return -1;
		}
		if (r < 0)
			return 0;
		td_quickack(c->fd);
		c->last_active = ++td_tick;
		if (c->hdr_have == 0)
			c->frame_start_ms = td_now_ms();
		c->hdr_have += (size_t)r;
		if (c->hdr_have < TA_FRAME_HDR_LEN)
			return 0;
		r = ta_frame_hdr_parse(c->hdr, TA_FRAME_HDR_LEN, &c->fh);
		if (r) {
			uint8_t *resp;
			size_t resp_len;

			/* Framing is lost: answer once, then drop the connection. */
			d->ctr.frames_bad++;
			fprintf(stderr, "teedisk: bad frame header: %s\n", ta_err_name((int)r));
			if (td_error_frame(d, NULL, NULL, (int)r, 0xffff, &resp, &resp_len) == TA_OK) {
				td_send_all(c->fd, resp, resp_len);
				free(resp);
			}
			return -1;
		}
		if (c->fh.body_len == 0)
			return 1;
		c->body = malloc(c->fh.body_len);
		if (!c->body)
			return -1;
		c->body_have = 0;
	}
	r = recv(c->fd, c->body + c->body_have, c->fh.body_len - c->body_have, 0);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		d->ctr.frames_bad++;
		fprintf(stderr, "teedisk: connection closed after %zu of %u body bytes"
			" (truncated frame)\n", c->body_have, c->fh.body_len);
		return -1;
	}
	if (r < 0)
		return 0;
	td_quickack(c->fd);
	c->last_active = ++td_tick;
	c->body_have += (size_t)r;
	return c->body_have == c->fh.body_len;
}

static const char *td_kind_name(uint8_t k)
{
	switch (k) {
	case TA_K_HELLO: return "hello";
	case TA_K_STATUS: return "status";
	case TA_K_BATCH: return "batch";
	default: return "other";
	}
}

static int td_serve(struct td_disk *d, int lfd)
{
	struct td_conn conns[TD_MAX_CONNS];
	struct pollfd pfds[TD_MAX_CONNS + 1];
	int session = -1;	/* index into conns */
	struct timespec tick = { .tv_sec = 1 };
	sigset_t empty;

	sigemptyset(&empty);
	for (int i = 0; i < TD_MAX_CONNS; i++) {
		memset(&conns[i], 0, sizeof(conns[i]));
		conns[i].fd = -1;
	}
	while (!td_stop) {
		int n;

		pfds[0].fd = lfd;
		pfds[0].events = POLLIN;
		for (int i = 0; i < TD_MAX_CONNS; i++) {
			pfds[i + 1].fd = conns[i].fd;
			pfds[i + 1].events = POLLIN;
			pfds[i + 1].revents = 0;
		}
		n = ppoll(pfds, TD_MAX_CONNS + 1, &tick, &empty);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("teedisk: ppoll");
			return 1;
		}
		/* Drop connections that started a frame and stalled. */
		for (int i = 0; i < TD_MAX_CONNS; i++) {
			struct td_conn *c = &conns[i];

			if (c->fd < 0 || c->hdr_have == 0 ||
			    td_now_ms() - c->frame_start_ms < td_frame_timeout_ms)
				continue;
			fprintf(stderr, "teedisk: frame timeout after %zu of %u body bytes,"
				" closing the connection\n", c->body_have, c->fh.body_len);
			d->ctr.frames_bad++;
			td_conn_close(c);
			pfds[i + 1].revents = 0;
			if (session == i)
				session = -1;
		}
		if (pfds[0].revents & POLLIN) {
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), slot = -1;
			int one = 1;

			for (int i = 0; i < TD_MAX_CONNS && fd >= 0; i++)
				if (conns[i].fd < 0) {
					slot = i;
					break;
				}
			/*
			 * All slots taken: evict the least recently active
			 * connection other than the session, so idle
			 * connections cannot lock the main program out.
			 */
			if (fd >= 0 && slot < 0) {
				for (int i = 0; i < TD_MAX_CONNS; i++) {
					if (i == session)
						continue;
					if (slot < 0 ||
					    conns[i].last_active < conns[slot].last_active)
						slot = i;
				}
				fprintf(stderr, "teedisk: connection limit, closing the least"
					" recently active one\n");
				td_conn_close(&conns[slot]);
			}
			if (fd >= 0) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				td_quickack(fd);
				conns[slot].fd = fd;
				conns[slot].last_active = ++td_tick;
			}
		}
		for (int i = 0; i < TD_MAX_CONNS; i++) {
			struct td_conn *c = &conns[i];
			uint8_t *resp = NULL;
			size_t resp_len = 0;
			int r, accepted = 0, ret;

			if (c->fd < 0 || !(pfds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			r = td_conn_read(d, c);
			if (r < 0) {
				td_conn_close(c);
				if (session == i)
					session = -1;
				continue;
			}
			if (r == 0)
				continue;
			ret = td_handle(d, &c->sess, c->fh.kind, c->body, c->fh.body_len, &resp,
					&resp_len, &accepted);
			if (resp && resp_len > TA_FRAME_HDR_LEN && resp[5] == TA_K_ERROR) {
				uint16_t code = ta_get16(resp + TA_FRAME_HDR_LEN);

				fprintf(stderr, "teedisk: rejected %s: %s\n",
					td_kind_name(c->fh.kind), ta_err_name(code));
			} else if (td_verbose) {
				fprintf(stderr, "teedisk: served %s\n", td_kind_name(c->fh.kind));
			}
			free(c->body);
			c->body = NULL;
			c->hdr_have = 0;
			c->body_have = 0;
			if (accepted && session != i) {
				if (session >= 0) {
					fprintf(stderr, "teedisk: new session at generation %llu"
						" replaces the previous one\n",
						(unsigned long long)d->generation);
					td_conn_close(&conns[session]);
				}
				session = i;
				d->ctr.sessions++;
			}
			if (ret != TA_OK || td_send_all(c->fd, resp, resp_len)) {
				td_conn_close(c);
				if (session == i)
					session = -1;
			}
			free(resp);
		}
	}
	for (int i = 0; i < TD_MAX_CONNS; i++)
		td_conn_close(&conns[i]);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "sectors", required_argument, NULL, 'n' },
		{ "array", required_argument, NULL, 'a' },
		{ "slot", required_argument, NULL, 's' },
		{ "authorized-key", required_argument, NULL, 'k' },
		{ "attest", required_argument, NULL, 't' },
		{ "sim-key", required_argument, NULL, 'S' },
		{ "tsm-root", required_argument, NULL, 'T' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "allow-unlocked", no_argument, NULL, 'U' },
		{ "frame-timeout", required_argument, NULL, 'F' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_spec = NULL, *attest = NULL, *sim_key = NULL, *tsm_root = NULL;
	const char *port_file = NULL;
	struct td_config cfg = { 0 };
	int have_array = 0, have_slot = 0, have_key = 0, opt, lfd, port = 0, ret;
	uint8_t exe_hash[TA_HASH_LEN], meas[TA_HASH_LEN];
	struct ta_attester att;
	struct sigaction sa = { 0 };
	struct td_disk d;
	char inst[2 * TA_INSTANCE_LEN + 1];
	sigset_t block;
	uint64_t v;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': listen_spec = optarg; break;
		case 'n':
			if (td_parse_u64(optarg, &cfg.sectors) || cfg.sectors == 0) {
				fprintf(stderr, "teedisk: --sectors needs a positive number\n");
				return 2;
			}
			break;
		case 'a':
			if (ta_uuid_parse(cfg.array, optarg)) {
				fprintf(stderr, "teedisk: --array needs a UUID\n");
				return 2;
			}
			have_array = 1;
			break;
		case 's':
			if (td_parse_u64(optarg, &v) || v > UINT32_MAX) {
				fprintf(stderr, "teedisk: --slot needs a number below 2^32\n");
				return 2;
			}
			cfg.slot = (uint32_t)v;
			have_slot = 1;
			break;
		case 'k':
			if (ta_hex_decode(cfg.authorized_key, TA_PUBKEY_LEN, optarg) ||
			    ta_pubkey_check(cfg.authorized_key)) {
				fprintf(stderr, "teedisk: --authorized-key needs 64 hex digits of"
					" an x-only secp256k1 public key\n");
				return 2;
			}
			have_key = 1;
			break;
		case 't': attest = optarg; break;
		case 'S': sim_key = optarg; break;
		case 'T': tsm_root = optarg; break;
		case 'p': port_file = optarg; break;
		case 'U': cfg.allow_unlocked = 1; break;
		case 'F':
			if (td_parse_u64(optarg, &v) || v == 0 || v > 3600) {
				fprintf(stderr, "teedisk: --frame-timeout needs 1..3600 seconds\n");
				return 2;
			}
			td_frame_timeout_ms = (unsigned int)v * 1000;
			break;
		case 'v': td_verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !listen_spec || !cfg.sectors || !have_array || !have_slot ||
	    !have_key || !attest) {
		fprintf(stderr, "teedisk: missing or extra arguments\n");
		usage(stderr);
		return 2;
	}
	if (cfg.sectors > (1ull << 40) / TA_SECTOR_SIZE) {
		fprintf(stderr, "teedisk: --sectors too large\n");
		return 2;
	}
	if (ta_crypto_init() != TA_OK) {
		fprintf(stderr, "teedisk: crypto initialisation failed\n");
		return 1;
	}
	if (ta_file_sha256("/proc/self/exe", exe_hash)) {
		fprintf(stderr, "teedisk: cannot hash /proc/self/exe\n");
		return 1;
	}
	if (!strcmp(attest, "sim")) {
		ta_measurement(meas, exe_hash, TA_PROV_SIM, cfg.array, cfg.slot, cfg.sectors,
			       cfg.authorized_key);
		if (!sim_key) {
			fprintf(stderr, "teedisk: --attest sim needs --sim-key FILE\n");
			return 2;
		}
		ret = ta_attester_init_sim(&att, sim_key, meas);
	} else if (!strcmp(attest, "tsm")) {
		ta_measurement(meas, exe_hash, TA_PROV_TSM, cfg.array, cfg.slot, cfg.sectors,
			       cfg.authorized_key);
		ret = ta_attester_init_tsm(&att, tsm_root);
	} else {
		fprintf(stderr, "teedisk: --attest must be sim or tsm\n");
		return 2;
	}
	if (ret) {
		fprintf(stderr, "teedisk: attestation provider %s: %s\n", attest, ta_err_name(ret));
		return 1;
	}
	/* No core dumps, no ptrace by other users. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (td_disk_init(&d, &cfg, meas, &att))
		return 1;

	sa.sa_handler = td_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);	/* delivered only inside ppoll */

	lfd = td_listen(listen_spec, &port);
	if (lfd < 0) {
		fprintf(stderr, "teedisk: cannot listen on %s\n", listen_spec);
		td_disk_destroy(&d);
		return 1;
	}
	ta_hex_encode(inst, d.instance, TA_INSTANCE_LEN);
	if (port_file) {
		char tmp[4096];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) || rename(tmp, port_file)) {
			fprintf(stderr, "teedisk: cannot write %s\n", port_file);
			td_disk_destroy(&d);
			return 1;
		}
	}
	fprintf(stderr, "teedisk: listening on port %d, %llu sectors, slot %u, instance %s,"
		" attest %s\n", port, (unsigned long long)cfg.sectors, cfg.slot, inst, attest);
	ret = td_serve(&d, lfd);
	close(lfd);
	td_disk_destroy(&d);
	ta_attester_wipe(&att);
	fprintf(stderr, "teedisk: sector memory wiped, exiting\n");
	return ret;
}
