// SPDX-License-Identifier: GPL-2.0
/*
 * The whole daemon (build/test/teearrayd-san) against a fake kernel: a
 * SOCK_SEQPACKET socket handed over with --netlink-fd carries the same
 * generic netlink messages the dm-teearray module exchanges, and two real
 * teedisk processes serve the members.
 *
 * Covers: waiting for the module (family lookup answered ENOENT), REGISTER
 * with the configured credits, requests that arrive before the REGISTER
 * reply, IDENTIFY/WRITE/READ through netlink, completions batched into few
 * COMPLETE messages, malformed requests failed with ST_INTERNAL, a
 * WRITE_SHORT (a journal record) stored as the record then zeroes, unknown
 * members, keep-alives, a KEEPALIVE refused with ESTALE (re-registration,
 * new epoch, old-epoch requests ignored), the control socket's reads and
 * SESSION, a reload on SIGHUP (a new instance registers), READs and WRITEs
 * of TEEARRAY_NL_MAX_SECTORS through netlink with the daemon's large
 * buffers reused (at most the in-flight maximum of them, as its stop log
 * says), and a clean exit on SIGTERM.
 *
 * argv: [teearrayd binary] [teedisk binary]
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "ta-crypto.h"
#include "tap.h"
#include "td-ctl.h"
#include "td-nl.h"

#define FAM	0x2a
#define SECTORS	64

static const char *daemon_bin = "build/test/teearrayd-san";
static const char *teedisk = "build/test/teedisk-san";
static char dir[] = "/tmp/teearrayd-daemon-XXXXXX";
static char daemon_log[300];
static const char *array_s = "6a1b2c3d-0000-4000-8000-00000000000b";
static uint8_t array_u[16];
static char member_s[2][40];
static uint8_t member_u[2][16];
static pid_t disk_pid[2], dpid;
static int disk_port[2];
static int kfd;			/* our end: the "kernel" */
#define MAXS	TEEARRAY_NL_MAX_SECTORS

static uint8_t msg[70000];
static uint8_t out[70000];
static uint8_t data[4096];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int start_disk(unsigned int i, const char *pubhex, const char *simkey)
{
	char portfile[300], slot[8], buf[32];
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	snprintf(portfile, sizeof(portfile), "%s/disk%u.port", dir, i);
	snprintf(slot, sizeof(slot), "%u", i);
	disk_pid[i] = fork();
	if (disk_pid[i] == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(teedisk, teedisk, "--listen", "127.0.0.1:0", "--sectors", "64", "--array",
		      array_s, "--slot", slot, "--authorized-key", pubhex, "--attest", "sim",
		      "--sim-key", simkey, "--port-file", portfile, "--allow-unlocked",
		      (char *)NULL);
		_exit(127);
	}
	for (int t = 0; t < 500; t++) {
		FILE *f = fopen(portfile, "r");

		if (f) {
			int ok = fgets(buf, sizeof(buf), f) != NULL;

			fclose(f);
			if (ok && atoi(buf) > 0) {
				disk_port[i] = atoi(buf);
				return 0;
			}
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Next message from the daemon within ms; its length, 0 on timeout. */
static size_t k_recv(int ms)
{
	struct pollfd p = { .fd = kfd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = recv(kfd, msg, sizeof(msg), 0);
	return n > 0 ? (size_t)n : 0;
}

static uint8_t genl_cmd(void)
{
	return ((struct genlmsghdr *)(msg + NLMSG_HDRLEN))->cmd;
}

static uint16_t nl_type(void)
{
	return ((struct nlmsghdr *)msg)->nlmsg_type;
}

static uint32_t nl_seq(void)
{
	return ((struct nlmsghdr *)msg)->nlmsg_seq;
}

/* First attribute of type t in the received message; NULL if none. */
static const struct nlattr *k_attr(size_t len, uint16_t t)
{
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;

	while (off + NLA_HDRLEN <= len) {
		const struct nlattr *a = (const void *)(msg + off);

		if (a->nla_len < NLA_HDRLEN)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == t)
			return a;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* Waits for a message of the family with this command, skipping others. */
static size_t k_expect(uint16_t type, uint8_t cmd, int ms)
{
	uint64_t until = now_ms() + (uint64_t)ms;

	while (now_ms() < until) {
		size_t n = k_recv((int)(until - now_ms()));

		if (n && nl_type() == type && genl_cmd() == cmd)
			return n;
	}
	return 0;
}

static void k_send(const void *p, size_t n)
{
	if (send(kfd, p, n, 0) != (ssize_t)n)
		printf("#   fake kernel send failed: %s\n", strerror(errno));
}

static void k_ack(uint32_t seq, int error)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} a;

	memset(&a, 0, sizeof(a));
	a.h.nlmsg_len = sizeof(a);
	a.h.nlmsg_type = NLMSG_ERROR;
	a.h.nlmsg_seq = seq;
	a.e.error = error;
	k_send(&a, sizeof(a));
}

static void k_family_reply(uint32_t seq)
{
	uint8_t b[128];
	struct nlmsghdr *h = (void *)b;
	struct genlmsghdr *g = (void *)(b + NLMSG_HDRLEN);
	struct nlattr *a;
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN;
	uint16_t id = FAM;
	uint32_t ver = TEEARRAY_GENL_VERSION;

	memset(b, 0, sizeof(b));
	h->nlmsg_type = GENL_ID_CTRL;
	h->nlmsg_seq = seq;
	g->cmd = CTRL_CMD_NEWFAMILY;
	a = (void *)(b + len);
	a->nla_type = CTRL_ATTR_FAMILY_ID;
	a->nla_len = NLA_HDRLEN + 2;
	memcpy(b + len + NLA_HDRLEN, &id, 2);
	len += NLA_ALIGN(a->nla_len);
	a = (void *)(b + len);
	a->nla_type = CTRL_ATTR_VERSION;
	a->nla_len = NLA_HDRLEN + 4;
	memcpy(b + len + NLA_HDRLEN, &ver, 4);
	len += NLA_ALIGN(a->nla_len);
	h->nlmsg_len = (uint32_t)len;
	k_send(b, len);
}

static void k_register_reply(uint32_t seq, uint64_t epoch)
{
	uint8_t b[64];
	struct nlmsghdr *h = (void *)b;
	struct genlmsghdr *g = (void *)(b + NLMSG_HDRLEN);
	struct nlattr *a = (void *)(b + NLMSG_HDRLEN + GENL_HDRLEN);

	memset(b, 0, sizeof(b));
	h->nlmsg_type = FAM;
	h->nlmsg_seq = seq;
	g->cmd = TEEARRAY_CMD_REGISTER;
	g->version = 1;
	a->nla_type = TEEARRAY_A_EPOCH;
	a->nla_len = NLA_HDRLEN + 8;
	memcpy((uint8_t *)a + NLA_HDRLEN, &epoch, 8);
	h->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + 8;
	k_send(b, h->nlmsg_len);
	k_ack(seq, 0);
}

static uint64_t next_id = 100;

static uint32_t k_count = 1;	/* COUNT of the next k_request() */
static int k_short = -1;	/* >= 0: DATA length of the next k_request() (WRITE_SHORT) */

static void k_request(uint64_t epoch, unsigned int m, uint32_t op, uint64_t sector,
		      const uint8_t *instance, uint64_t gen, const uint8_t *payload, uint64_t id)
{
	struct td_nl_request r;
	size_t len;

	memset(&r, 0, sizeof(r));
	r.have_epoch = 1;
	r.epoch = epoch;
	r.req_id = id;
	memcpy(r.array, array_u, 16);
	memcpy(r.member, member_u[m], 16);
	r.slot = m;
	r.op = op;
	r.generation = gen;
	if (instance) {
		r.have_instance = 1;
		memcpy(r.instance, instance, 16);
	}
	r.sector = sector;
	r.count = k_count;
	if (payload) {
		r.data = payload;
		r.data_len = k_short >= 0 ? (uint32_t)k_short : k_count * 4096;
	}
	len = td_nl_build_request(out, sizeof(out), FAM, 0, &r);
	k_send(out, len);
}

/* Completions collected from COMPLETE messages. */
struct got {
	uint64_t id;
	uint32_t status;
	uint64_t epoch;
	int have_instance;
	uint8_t instance[16];
	uint64_t sectors, generation;
	uint32_t data_len;
	uint8_t data[MAXS * 4096];
};

static struct got got[512];
static unsigned int ngot, nmsgs;

/* Reads COMPLETE messages until want completions arrived (or ms passed). */
static int collect(unsigned int want, int ms)
{
	uint64_t until = now_ms() + (uint64_t)ms;

	while (ngot < want && now_ms() < until) {
		struct td_nl_completion c[64];
		char err[256];
		uint64_t epoch = 0;
		size_t n = k_recv((int)(until - now_ms()));
		int k;

		if (!n || nl_type() != FAM || genl_cmd() != TEEARRAY_CMD_COMPLETE)
			continue;
		k = td_nl_parse_complete(msg, n, FAM, &epoch, c, 64, err, sizeof(err));
		if (k < 0) {
			printf("#   bad COMPLETE: %s\n", err);
			return 0;
		}
		nmsgs++;
		for (int i = 0; i < k && ngot < 512; i++) {
			struct got *g = &got[ngot++];

			g->id = c[i].req_id;
			g->status = c[i].status;
			g->epoch = epoch;
			g->have_instance = c[i].have_instance;
			memcpy(g->instance, c[i].instance, 16);
			g->sectors = c[i].member_sectors;
			g->generation = c[i].generation;
			g->data_len = c[i].data ? c[i].data_len : 0;
			if (c[i].data && c[i].data_len <= sizeof(g->data))
				memcpy(g->data, c[i].data, c[i].data_len);
		}
	}
	return ngot >= want;
}

/* Runs the daemon binary with args; its exit status and combined output. */
static int run_cli(char *outbuf, size_t outlen, const char *const *args)
{
	int pfd[2], status = -1;
	size_t got_len = 0;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		execv(daemon_bin, (char *const *)args);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		ssize_t r = read(pfd[0], outbuf + got_len, outlen - 1 - got_len);

		if (r <= 0)
			break;
		got_len += (size_t)r;
		if (got_len == outlen - 1)
			break;
	}
	outbuf[got_len] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static struct got *find(uint64_t id)
{
	for (unsigned int i = 0; i < ngot; i++)
		if (got[i].id == id)
			return &got[i];
	return NULL;
}

/* What member 0's sector s holds after test_large's writes. */
static void sector_pattern(uint8_t *b, uint64_t s)
{
	for (unsigned int j = 0; j < 4096; j++)
		b[j] = (uint8_t)(s * 29 + j * 5 + (j >> 9));
}

static int holds_sectors(const uint8_t *b, uint64_t s, uint32_t count)
{
	uint8_t a[4096];

	for (uint32_t k = 0; k < count; k++) {
		sector_pattern(a, s + k);
		if (memcmp(b + (size_t)k * 4096, a, 4096))
			return 0;
	}
	return 1;
}

/* Requests of several sectors; the daemon's large buffers (after the reload). */
static void test_large(uint64_t epoch, const uint8_t *inst0, uint64_t gen0)
{
	static uint8_t big[MAXS * 4096];
	enum { NC = 40 };
	int ok = 1;

	tap_begin();
	ngot = nmsgs = 0;
	for (unsigned int k = 0; k < MAXS; k++)
		sector_pattern(big + k * 4096, k);
	k_count = MAXS;
	k_request(epoch, 0, TEEARRAY_OP_WRITE, 0, inst0, gen0, big, 970);
	CHECK(collect(1, 5000) && find(970)->status == TEEARRAY_ST_OK);
	k_request(epoch, 0, TEEARRAY_OP_READ, 0, inst0, gen0, NULL, 971);
	k_count = 1;
	k_request(epoch, 0, TEEARRAY_OP_READ, 3, inst0, gen0, NULL, 972);
	CHECK(collect(3, 5000));
	CHECK(find(971) && find(971)->status == TEEARRAY_ST_OK &&
	      find(971)->data_len == MAXS * 4096 && holds_sectors(find(971)->data, 0, MAXS));
	CHECK(find(972) && find(972)->status == TEEARRAY_ST_OK &&
	      find(972)->data_len == 4096 && holds_sectors(find(972)->data, 3, 1));
	tap_end("daemon: a WRITE of %u sectors over netlink, and a READ of %u whose COMPLETE "
		"carries all %u KiB of it", MAXS, MAXS, MAXS * 4);

	tap_begin();
	/* The rest of member 0 (64 sectors), in WRITEs of up to MAXS sent together. */
	ngot = nmsgs = 0;
	{
		unsigned int nw = 0;

		for (uint64_t s = MAXS; s < SECTORS; s += MAXS, nw++) {
			k_count = SECTORS - s < MAXS ? (uint32_t)(SECTORS - s) : MAXS;
			for (unsigned int k = 0; k < k_count; k++)
				sector_pattern(big + k * 4096, s + k);
			k_request(epoch, 0, TEEARRAY_OP_WRITE, s, inst0, gen0, big, 980 + nw);
		}
		k_count = 1;
		CHECK(collect(nw, 5000));
		for (unsigned int i = 0; i < nw; i++)
			ok &= find(980 + i) && find(980 + i)->status == TEEARRAY_ST_OK;
	}
	/* Two rounds of NC concurrent READs of MAXS sectors. */
	for (unsigned int round = 0; round < 2; round++) {
		ngot = nmsgs = 0;
		k_count = MAXS;
		for (unsigned int i = 0; i < NC; i++)
			k_request(epoch, 0, TEEARRAY_OP_READ, (i * 7 + round) % (SECTORS - MAXS + 1),
				  inst0, gen0, NULL, 2000 + round * 100 + i);
		k_count = 1;
		CHECK(collect(NC, 10000));
		for (unsigned int i = 0; i < NC; i++) {
			struct got *g = find(2000 + round * 100 + i);

			ok &= g && g->status == TEEARRAY_ST_OK && g->data_len == MAXS * 4096 &&
			      holds_sectors(g->data, (i * 7 + round) % (SECTORS - MAXS + 1), MAXS);
		}
		printf("#   round %u: %u READs of %u sectors in %u COMPLETE messages\n", round,
		       NC, MAXS, nmsgs);
	}
	CHECK(ok);
	tap_end("daemon: %u concurrent READs of %u sectors, twice, all complete with the right "
		"data", NC, MAXS);
}

/* SESSION on the control socket (td-ctl.h); 0 or -1. */
static int ctl_session(const char *path, struct td_ctl_session *ses)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct td_ctl_req q = { .magic = TD_CTL_MAGIC, .op = TD_CTL_OP_SESSION, .tag = 77 };
	struct td_ctl_resp a;
	struct timeval tv = { 5, 0 };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ok;

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memcpy(q.array, array_u, 16);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ok = !connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	     write(fd, &q, sizeof(q)) == (ssize_t)sizeof(q) &&
	     recv(fd, &a, sizeof(a), MSG_WAITALL) == (ssize_t)sizeof(a) &&
	     a.magic == TD_CTL_MAGIC && a.tag == 77 && a.status == TEEARRAY_ST_OK &&
	     a.len == sizeof(*ses) &&
	     recv(fd, ses, sizeof(*ses), MSG_WAITALL) == (ssize_t)sizeof(*ses);
	close(fd);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	uint8_t sec[32], simsec[32], inst[2][16], daemon_id[16] = { 0 };
	char pubhex[65], simpubhex[65], hex[65], simkey[300], keyfile[300], conf[300], ctl_path[300];
	struct ta_key key, sk;
	int sv[2], status;
	uint64_t epoch = 1, gen[2];
	size_t n;
	FILE *f;

	tap_plan(14);
	if (argc > 1)
		daemon_bin = argv[1];
	if (argc > 2)
		teedisk = argv[2];
	signal(SIGPIPE, SIG_IGN);
	if (access(daemon_bin, X_OK) || access(teedisk, X_OK) || !mkdtemp(dir) ||
	    ta_crypto_init() != TA_OK) {
		printf("not ok - daemon: setup (%s or %s missing)\n", daemon_bin, teedisk);
		return 1;
	}
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	ta_key_generate(&key, sec);
	ta_key_generate(&sk, simsec);
	ta_hex_encode(pubhex, key.pub, 32);
	ta_hex_encode(simpubhex, sk.pub, 32);
	snprintf(simkey, sizeof(simkey), "%s/sim.key", dir);
	snprintf(keyfile, sizeof(keyfile), "%s/storage.key", dir);
	snprintf(conf, sizeof(conf), "%s/teearrayd.conf", dir);
	snprintf(ctl_path, sizeof(ctl_path), "%s/ctl.sock", dir);
	snprintf(daemon_log, sizeof(daemon_log), "%s/daemon.log", dir);
	ta_hex_encode(hex, simsec, 32);
	f = fopen(simkey, "w");
	fprintf(f, "%s\n", hex);
	fclose(f);
	ta_hex_encode(hex, sec, 32);
	f = fopen(keyfile, "w");
	fprintf(f, "%s\n", hex);
	fclose(f);
	ta_uuid_parse(array_u, array_s);
	for (unsigned int i = 0; i < 2; i++) {
		snprintf(member_s[i], sizeof(member_s[i]), "22222222-2222-3333-4444-55555555555%u", i);
		ta_uuid_parse(member_u[i], member_s[i]);
		if (start_disk(i, pubhex, simkey)) {
			printf("not ok - daemon: teedisk %u did not start\n", i);
			return 1;
		}
	}
	f = fopen(conf, "w");
	fprintf(f, "signing-key file:%s\npolicy allow-simulated yes\npolicy sim-pubkey %s\n"
		"credits 128\nmember-timeout 2s\n"
		"member %s %s 0 127.0.0.1:%d\nmember %s %s 1 127.0.0.1:%d\n", keyfile, simpubhex,
		member_s[0], array_s, disk_port[0], member_s[1], array_s, disk_port[1]);
	fclose(f);

	tap_begin();
	{
		char o[4096], bad[300];
		const char *a1[] = { daemon_bin, "--config", conf, "--check-config", NULL };
		const char *a2[] = { daemon_bin, "--config", bad, "--foreground", NULL };
		const char *a3[] = { daemon_bin, "--foreground", NULL };
		const char *a4[] = { daemon_bin, "--config", conf, "--bogus", NULL };
		int rc;

		rc = run_cli(o, sizeof(o), a1);
		CHECK(rc == 0 && strstr(o, ": ok, 2 members"));
		snprintf(bad, sizeof(bad), "%s/bad.conf", dir);
		f = fopen(bad, "w");
		fprintf(f, "signing-key file:%s\n\nmember %s %s 0 127.0.0.1:0\n", keyfile,
			member_s[0], array_s);
		fclose(f);
		rc = run_cli(o, sizeof(o), a2);
		CHECK(rc == 1 && strstr(o, "bad.conf:3: member address must be HOST:PORT"));
		f = fopen(bad, "w");
		fprintf(f, "signing-key file:%s/missing.key\nmember %s %s 0 127.0.0.1:1\n", dir,
			member_s[0], array_s);
		fclose(f);
		rc = run_cli(o, sizeof(o), a2);
		CHECK(rc == 1 && strstr(o, "missing.key: cannot open"));
		unlink(bad);
		rc = run_cli(o, sizeof(o), a3);
		CHECK(rc == 2 && strstr(o, "--config FILE is required"));
		rc = run_cli(o, sizeof(o), a4);
		CHECK(rc == 2 && strstr(o, "usage: teearrayd"));
	}
	tap_end("daemon: --check-config; bad config names file:line and exits 1; bad usage exits 2");

	socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv);
	kfd = sv[0];
	dpid = fork();
	if (dpid == 0) {
		char fd[16];

		dup2(sv[1], 3);
		snprintf(fd, sizeof(fd), "%d", 3);
		if (!getenv("TD_VERBOSE")) {
			/* Its log (kept across the reload) tells how many large buffers it made. */
			int log = open(daemon_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

			dup2(log, 2);
		}
		execl(daemon_bin, daemon_bin, "--config", conf, "--foreground", "--allow-unlocked",
		      "--netlink-fd", fd, "--verbose", "--control-socket", ctl_path, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);

	tap_begin();
	n = k_expect(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 3000);
	CHECK(n > 0);
	k_ack(nl_seq(), -ENOENT);
	{
		uint64_t t0 = now_ms();

		n = k_expect(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 3000);
		CHECK(n > 0 && now_ms() - t0 >= 700);
	}
	k_family_reply(nl_seq());
	tap_end("daemon: family missing (module not loaded) -> looks again a second later");

	tap_begin();
	n = k_expect(FAM, TEEARRAY_CMD_REGISTER, 3000);
	CHECK(n > 0);
	{
		const struct nlattr *a = n ? k_attr(n, TEEARRAY_A_CREDITS) : NULL;
		uint32_t credits = 0;
		uint32_t seq = nl_seq();

		CHECK(a && a->nla_len == NLA_HDRLEN + 4);
		if (a)
			memcpy(&credits, (const uint8_t *)a + NLA_HDRLEN, 4);
		CHECK(credits == 128);
		CHECK(((struct nlmsghdr *)msg)->nlmsg_flags & NLM_F_ACK);
		/* The kernel reissues at once: requests may beat the reply. */
		k_request(epoch, 0, TEEARRAY_OP_IDENTIFY, 0, NULL, 0, NULL, 1);
		k_request(epoch, 1, TEEARRAY_OP_IDENTIFY, 0, NULL, 0, NULL, 2);
		k_register_reply(seq, epoch);
	}
	CHECK(collect(2, 5000));
	for (unsigned int i = 0; i < 2; i++) {
		struct got *g = find(i + 1);

		CHECK(g && g->status == TEEARRAY_ST_OK && g->have_instance &&
		      g->sectors == SECTORS && g->epoch == epoch && g->data_len == 0);
		if (g) {
			memcpy(inst[i], g->instance, 16);
			gen[i] = g->generation;
		}
	}
	tap_end("daemon: REGISTER with 128 credits; IDENTIFYs sent before the reply complete");

	tap_begin();
	ngot = nmsgs = 0;
	for (unsigned int i = 0; i < 60; i++) {
		data[0] = (uint8_t)i;
		k_request(epoch, i & 1, TEEARRAY_OP_WRITE, i, inst[i & 1], gen[i & 1], data,
			  next_id + i);
	}
	CHECK(collect(60, 10000));
	{
		int ok = 1;

		for (unsigned int i = 0; i < 60; i++) {
			struct got *g = find(next_id + i);

			ok &= g && g->status == TEEARRAY_ST_OK && g->data_len == 0;
		}
		CHECK(ok);
	}
	CHECK(nmsgs < 60);
	printf("#   60 completions in %u COMPLETE messages\n", nmsgs);
	next_id += 60;
	ngot = nmsgs = 0;
	for (unsigned int i = 0; i < 60; i++)
		k_request(epoch, i & 1, TEEARRAY_OP_READ, i, inst[i & 1], gen[i & 1], NULL,
			  next_id + i);
	CHECK(collect(60, 10000));
	{
		int ok = 1;

		for (unsigned int i = 0; i < 60; i++) {
			struct got *g = find(next_id + i);

			data[0] = (uint8_t)i;
			ok &= g && g->status == TEEARRAY_ST_OK && g->data_len == 4096 &&
			      !memcmp(g->data, data, 4096);
		}
		CHECK(ok);
	}
	next_id += 60;
	tap_end("daemon: 60 WRITEs and 60 READs over netlink, completions batched per message");

	/*
	 * teearray log's reads through the control socket, in the daemon's own
	 * batches: 15 in flight (the window is 16) and one of an unknown slot.
	 */
	tap_begin();
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), ok = 1;
		uint8_t sec[4096];

		if (strlen(ctl_path) < sizeof(sa.sun_path))
			memcpy(sa.sun_path, ctl_path, strlen(ctl_path) + 1);
		CHECK(cfd >= 0 && !connect(cfd, (struct sockaddr *)&sa, sizeof(sa)));
		for (uint32_t i = 0; i < 16; i++) {
			struct td_ctl_req q = { .magic = TD_CTL_MAGIC, .op = TD_CTL_OP_READ,
						.slot = i & 1, .tag = i, .sector = i };

			memcpy(q.array, array_u, 16);
			if (i == 15) {
				q.slot = 7;	/* no such member */
			}
			ok &= write(cfd, &q, sizeof(q)) == (ssize_t)sizeof(q);
		}
		for (uint32_t i = 0; i < 16 && ok; i++) {
			struct td_ctl_resp a;

			ok &= recv(cfd, &a, sizeof(a), MSG_WAITALL) == (ssize_t)sizeof(a) &&
			      a.magic == TD_CTL_MAGIC && a.tag < 16 && a.len <= sizeof(sec);
			if (ok && a.len)
				ok &= recv(cfd, sec, a.len, MSG_WAITALL) == (ssize_t)a.len;
			if (!ok)
				break;
			if (a.tag == 15) {
				ok &= a.status == TD_CTL_ST_UNKNOWN && a.len == 0;
				continue;
			}
			data[0] = (uint8_t)a.tag;
			ok &= a.status == TEEARRAY_ST_OK && a.len == 4096 && !memcmp(sec, data, 4096) &&
			      !memcmp(a.instance, inst[a.tag & 1], 16) && a.generation == gen[a.tag & 1];
			if (!ok)
				printf("#   tag %u: status %u, %u bytes\n", a.tag, a.status, a.len);
		}
		CHECK(ok);
		if (cfd >= 0)
			close(cfd);
		/* Nothing of it reached the kernel. */
		ngot = nmsgs = 0;
		CHECK(!collect(1, 300));
	}
	tap_end("daemon: control socket: pipelined reads in the daemon's batches, with the kernel's "
		"generation and instance; an unknown slot is refused; nothing goes to the kernel");

	tap_begin();
	{
		struct td_ctl_session ses;
		static const uint8_t zero[16];

		CHECK(!ctl_session(ctl_path, &ses));
		CHECK(ses.epoch == epoch && ses.members == 2 && ses.seen == 2);
		CHECK(memcmp(ses.daemon_id, zero, 16));
		memcpy(daemon_id, ses.daemon_id, 16);
		array_u[0] ^= 1;
		CHECK(!ctl_session(ctl_path, &ses) && ses.members == 0 && ses.seen == 0);
		array_u[0] ^= 1;
		ngot = nmsgs = 0;
		CHECK(!collect(1, 300));
	}
	tap_end("daemon: control socket SESSION: this instance's id, the kernel session, members "
		"configured and used by the kernel; nothing goes to the kernel");

	tap_begin();
	ngot = 0;
	{
		/* No OP: failed back with ST_INTERNAL.  Unknown member: UNKNOWN_MEMBER. */
		size_t len;
		struct nlattr *a;

		k_request(epoch, 0, TEEARRAY_OP_READ, 0, inst[0], gen[0], NULL, 900);
		len = ((struct nlmsghdr *)out)->nlmsg_len;
		a = (struct nlattr *)(out + NLMSG_HDRLEN + GENL_HDRLEN);
		while ((a->nla_type & NLA_TYPE_MASK) != TEEARRAY_A_OP)
			a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
		a->nla_type = TEEARRAY_A_PAD;
		k_send(out, len);
		member_u[1][15] ^= 0x80;
		k_request(epoch, 1, TEEARRAY_OP_READ, 0, inst[1], gen[1], NULL, 901);
		member_u[1][15] ^= 0x80;
		k_request(epoch, 0, TEEARRAY_OP_READ, 0, inst[0], gen[0], NULL, 902);
		k_request(epoch, 0, TEEARRAY_OP_READ, 0, inst[1], gen[0], NULL, 903);
	}
	CHECK(collect(5, 5000));
	/* The corrupted copy of 900 was sent with the same id: two completions. */
	{
		unsigned int n900 = 0, internal = 0;

		for (unsigned int i = 0; i < ngot; i++)
			if (got[i].id == 900) {
				n900++;
				internal += got[i].status == TEEARRAY_ST_INTERNAL;
			}
		CHECK(n900 == 2 && internal == 1);
	}
	CHECK(find(901) && find(901)->status == TEEARRAY_ST_UNKNOWN_MEMBER);
	CHECK(find(902) && find(902)->status == TEEARRAY_ST_OK);
	CHECK(find(903) && find(903)->status == TEEARRAY_ST_RESTARTED);
	tap_end("daemon: malformed request -> INTERNAL, unknown member, wrong instance -> RESTARTED");

	tap_begin();
	ngot = 0;
	{
		/* A journal record over netlink: WRITE_SHORT of member 0's sector 62. */
		static uint8_t rec[4097], full[4096];
		struct got *g;
		int rest_zero = 1;

		for (size_t i = 0; i < sizeof(rec); i++)
			rec[i] = (uint8_t)(0xa0 ^ i) | 1;
		memset(full, 0xee, sizeof(full));
		k_request(epoch, 0, TEEARRAY_OP_WRITE, 62, inst[0], gen[0], full, 920);
		CHECK(collect(1, 5000) && find(920)->status == TEEARRAY_ST_OK);
		k_short = 100;
		k_request(epoch, 0, TEEARRAY_OP_WRITE_SHORT, 62, inst[0], gen[0], rec, 921);
		CHECK(collect(2, 5000) && find(921)->status == TEEARRAY_ST_OK &&
		      find(921)->data_len == 0);
		/* Malformed: no record, or more than a sector; failed back, never sent. */
		k_short = 0;
		k_request(epoch, 0, TEEARRAY_OP_WRITE_SHORT, 62, inst[0], gen[0], rec, 922);
		k_short = 4097;
		k_request(epoch, 0, TEEARRAY_OP_WRITE_SHORT, 62, inst[0], gen[0], rec, 923);
		k_short = 100;
		k_count = 2;
		k_request(epoch, 0, TEEARRAY_OP_WRITE_SHORT, 62, inst[0], gen[0], rec, 924);
		k_count = 1;
		k_short = -1;
		k_request(epoch, 0, TEEARRAY_OP_READ, 62, inst[0], gen[0], NULL, 925);
		CHECK(collect(6, 5000));
		CHECK(find(922) && find(922)->status == TEEARRAY_ST_INTERNAL &&
		      find(923) && find(923)->status == TEEARRAY_ST_INTERNAL &&
		      find(924) && find(924)->status == TEEARRAY_ST_INTERNAL);
		g = find(925);
		CHECK(g && g->status == TEEARRAY_ST_OK && g->data_len == 4096 &&
		      !memcmp(g->data, rec, 100));
		for (size_t i = 100; g && i < 4096; i++)
			rest_zero &= g->data[i] == 0;
		CHECK(rest_zero);
	}
	tap_end("daemon: WRITE_SHORT of 100 bytes over netlink reaches the teedisk: the sector "
		"reads back as them and zeroes; 0 or 4097 bytes or COUNT 2 -> INTERNAL");

	tap_begin();
	ngot = 0;
	{
		/*
		 * What the kernel sends: slot 0 as identified, slot 1 another
		 * instance.  Raw offsets of kernel/teearray-audit-entry.h (its
		 * types clash with <linux/netlink.h> here), hashed with ta_th:
		 * an independent check of the daemon's entry hash.
		 */
		static uint8_t e[4096], sent[4096], back[4096];
		enum { SEQ = 32, TIME = 40, NR = 68, ID = 120, ID_SIZE = 56, MEAS = 24,
		       SIGNER = 4000, SIG = 4032 };
		static const uint8_t magic[8] = "TTAAUDIT";
		uint8_t h[32], zero[32] = { 0 };
		struct ta_th th;
		struct got *g;

		memset(e, 0, sizeof(e));
		memcpy(e, magic, 8);		/* le64 0x5449445541415454 */
		e[8] = 1;			/* version */
		e[12] = 1;			/* event: open */
		memcpy(e + 16, array_u, 16);
		e[SEQ] = 1;
		e[TIME] = 7;
		e[NR] = 2;
		for (unsigned int i = 0; i < 2; i++) {
			e[ID + i * ID_SIZE] = (uint8_t)i;	/* slot */
			e[ID + i * ID_SIZE + 2] = 'A';		/* state */
			memcpy(e + ID + i * ID_SIZE + 8, inst[i], 16);
		}
		e[ID + ID_SIZE + 8] ^= 1;
		memcpy(sent, e, sizeof(e));
		k_request(epoch, 0, TEEARRAY_OP_AUDIT_SIGN, 0, inst[0], gen[0], e, 910);
		memset(e, 0xff, sizeof(e));
		k_request(epoch, 0, TEEARRAY_OP_AUDIT_SIGN, 0, inst[0], gen[0], e, 911);
		CHECK(collect(2, 5000));
		g = find(910);
		CHECK(g && g->status == TEEARRAY_ST_OK && g->data_len == sizeof(back));
		if (g)
			memcpy(back, g->data, sizeof(back));
		ta_th_init(&th, "dm-teearray/v1/audit");
		ta_th_update(&th, back, SIG);
		ta_th_final(&th, h);
		CHECK(!memcmp(back + SIGNER, key.pub, 32) &&
		      ta_verify32(back + SIGNER, h, back + SIG) == TA_OK);
		CHECK(memcmp(back + ID + MEAS, zero, 32) &&
		      !memcmp(back + ID + ID_SIZE + MEAS, zero, 32));
		memcpy(sent + ID + MEAS, back + ID + MEAS, 32);
		CHECK(!memcmp(sent, back, SIGNER));
		g = find(911);
		CHECK(g && g->status == TEEARRAY_ST_REJECTED && g->data_len == 0);
	}
	tap_end("daemon: AUDIT_SIGN over netlink: signed by the storage key, the measurement filled in "
		"for the instance it attested only; garbage is REJECTED");

	tap_begin();
	{
		uint32_t seq;
		const struct nlattr *a;
		uint64_t e = 0;

		n = k_expect(FAM, TEEARRAY_CMD_KEEPALIVE, 2500);
		CHECK(n > 0);
		a = n ? k_attr(n, TEEARRAY_A_EPOCH) : NULL;
		if (a)
			memcpy(&e, (const uint8_t *)a + NLA_HDRLEN, 8);
		CHECK(e == epoch);
		seq = nl_seq();
		k_ack(seq, 0);
		n = k_expect(FAM, TEEARRAY_CMD_KEEPALIVE, 2500);
		CHECK(n > 0);
		/* Another daemon took over: the kernel refuses our keep-alive. */
		k_ack(nl_seq(), -ESTALE);
		n = k_expect(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 3000);
		CHECK(n > 0);
		k_family_reply(nl_seq());
		n = k_expect(FAM, TEEARRAY_CMD_REGISTER, 3000);
		CHECK(n > 0);
		epoch = 7;
		k_register_reply(nl_seq(), epoch);
		ngot = 0;
		k_request(epoch - 1, 0, TEEARRAY_OP_READ, 0, inst[0], gen[0], NULL, 950);
		k_request(epoch, 0, TEEARRAY_OP_READ, 0, inst[0], gen[0], NULL, 951);
		CHECK(collect(1, 5000));
		CHECK(!collect(2, 700));
		CHECK(find(951) && find(951)->epoch == 7 && find(951)->status == 0);
		CHECK(!find(950));
		n = k_expect(FAM, TEEARRAY_CMD_KEEPALIVE, 2500);
		a = n ? k_attr(n, TEEARRAY_A_EPOCH) : NULL;
		e = 0;
		if (a)
			memcpy(&e, (const uint8_t *)a + NLA_HDRLEN, 8);
		CHECK(e == 7);
	}
	tap_end("daemon: keep-alives every second; ESTALE -> registers again; old epoch ignored");

	/* What teearray replace waits for after it sends SIGHUP (tools/teearray/daemon.c). */
	tap_begin();
	{
		struct td_ctl_session ses;

		CHECK(!ctl_session(ctl_path, &ses) && ses.epoch == 7 &&
		      !memcmp(ses.daemon_id, daemon_id, 16));
		kill(dpid, SIGHUP);
		n = k_expect(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 5000);
		CHECK(n > 0);
		k_family_reply(nl_seq());
		n = k_expect(FAM, TEEARRAY_CMD_REGISTER, 5000);
		CHECK(n > 0);
		epoch = 8;
		k_register_reply(nl_seq(), epoch);
		CHECK(!ctl_session(ctl_path, &ses));
		CHECK(ses.epoch == 8 && memcmp(ses.daemon_id, daemon_id, 16) &&
		      ses.members == 2 && ses.seen == 0);
		/* The kernel's first requests in the new session (fencing; reads here). */
		ngot = 0;
		k_request(epoch, 0, TEEARRAY_OP_READ, 0, inst[0], gen[0], NULL, 960);
		k_request(epoch, 1, TEEARRAY_OP_READ, 0, inst[1], gen[1], NULL, 961);
		CHECK(collect(2, 5000));
		CHECK(find(960) && find(960)->status == TEEARRAY_ST_OK &&
		      find(961) && find(961)->status == TEEARRAY_ST_OK);
		CHECK(!ctl_session(ctl_path, &ses) && ses.epoch == 8 && ses.seen == 2);
	}
	tap_end("daemon: SIGHUP -> re-executes, registers again; SESSION then names a new "
		"instance in the new session, serving members once the kernel used them");

	test_large(epoch, inst[0], gen[0]);

	tap_begin();
	kill(dpid, SIGTERM);
	CHECK(waitpid(dpid, &status, 0) == dpid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (!getenv("TD_VERBOSE")) {
		/* The stop log of the instance after the reload: its large buffers. */
		static char log[1 << 20];
		FILE *lf = fopen(daemon_log, "r");
		size_t ln = lf ? fread(log, 1, sizeof(log) - 1, lf) : 0;
		char *p = NULL, *q;
		unsigned int nbig = 0, nfail = 1;

		if (lf)
			fclose(lf);
		log[ln] = 0;
		for (q = strstr(log, " large buffers"); q; q = strstr(q + 1, " large buffers"))
			p = q;
		while (p && p > log && p[-1] >= '0' && p[-1] <= '9')
			p--;
		CHECK(p && sscanf(p, "%u large buffers, %u requests failed", &nbig, &nfail) == 2 &&
		      nfail == 0);
		/* At most one per request in flight (40), although 80+ needed one. */
		CHECK(nbig >= 1 && nbig <= 40);
		CHECK(!strstr(log, "were not returned"));
		printf("#   the daemon made %u large buffers\n", nbig);
		unlink(daemon_log);
	}
	tap_end("daemon: SIGTERM -> clean exit 0 (sanitizers clean); large buffers were reused, "
		"all returned");

	for (unsigned int i = 0; i < 2; i++) {
		char p[300];

		kill(disk_pid[i], SIGKILL);
		waitpid(disk_pid[i], NULL, 0);
		snprintf(p, sizeof(p), "%s/disk%u.port", dir, i);
		unlink(p);
	}
	unlink(simkey);
	unlink(keyfile);
	unlink(conf);
	unlink(ctl_path);
	rmdir(dir);
	return tap_exit_status();
}
