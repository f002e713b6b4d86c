// SPDX-License-Identifier: GPL-2.0
/*
 * teearrayd: transport daemon between the dm-teearray target (generic
 * netlink family "teearray") and the storage enclaves (teedisks, TCP).
 *
 * Main thread: the netlink socket (family lookup, REGISTER, KEEPALIVE,
 * REQUEST in, COMPLETE out), signals and the completion queue.  Member
 * workers (member.c) do all teedisk I/O.  Requests live in a pool
 * allocated at start, one per credit, each with a one-sector buffer.  A
 * request of more than one sector also takes a large buffer from a free
 * list; large buffers are allocated the first time the list is empty and
 * reused afterwards, at most one per credit, so in steady state the request
 * path allocates no memory of its own.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "td-config.h"
#include "td-ctl.h"
#include "td-log.h"
#include "td-member.h"
#include "td-nl.h"

#ifndef PR_SET_IO_FLUSHER
#define PR_SET_IO_FLUSHER 57
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#ifdef TEEARRAY_KEEPALIVE_MS
#define TD_KEEPALIVE_MS		((unsigned int)TEEARRAY_KEEPALIVE_MS)
#else
#define TD_KEEPALIVE_MS		1000u
#endif
#define TD_RETRY_MS		1000u
/* One COMPLETE message: room for a completion with the most DATA, and more. */
#define TD_MSG_MAX		(TD_REQ_DATA_MAX + (4u << 10))
_Static_assert(TD_MSG_MAX >= NLMSG_HDRLEN + GENL_HDRLEN + 12 + 32 + TD_REQ_DATA_MAX,
	       "a COMPLETE message holds a completion with TEEARRAY_NL_MAX_SECTORS of DATA");
/* One received datagram: the largest REQUEST (a WRITE of the most sectors). */
#define TD_RECV_MAX		(TD_NL_MAX_REQUEST_LEN + (4u << 10))

#define TD_CTL_CONNS		4

struct td_ctl_conn {
	int fd;				/* -1: free */
	uint32_t gen;			/* req_id >> 32 of its requests */
	unsigned int inflight;
	uint8_t in[sizeof(struct td_ctl_req)];
	size_t have;
};

struct td_daemon {
	struct td_config cfg;
	struct ta_key key;
	struct td_engine engine;
	int nl, efd, sfd;
	int test_fd;			/* --netlink-fd: a socket standing in for the kernel */
	uint16_t family;
	uint32_t seq, register_seq, keepalive_seq;
	int last_nlerr;			/* errno of the last refused REGISTER/KEEPALIVE */
	uint64_t epoch;
	int registered;
	uint64_t next_keepalive;
	/* request pool (main thread only) */
	struct td_request *pool;
	struct td_request *free_list;
	unsigned int in_use;
	/*
	 * Large request buffers (td-member.h), main thread only: big_free
	 * holds big_nfree of the big_total allocated (at most one per
	 * credit; credits entries).  A request holds one from td_big_get()
	 * until td_req_put().
	 */
	uint8_t **big_free;
	unsigned int big_nfree, big_total;
	unsigned long long big_failures;
	uint64_t big_logged_ms;		/* rate limit of their messages */
	/* requests parsed, not yet submitted */
	struct td_request **pending;
	unsigned int npending;
	/* immediate failures (malformed request, no credit): req id, status */
	struct td_nl_completion *quick;
	unsigned int nquick, quick_max;
	/* completions from workers */
	pthread_mutex_t done_lock;
	struct td_request *done_head, *done_tail;
	/* buffers */
	uint8_t *rbuf, *sbuf;
	/* counters */
	unsigned long long bad_requests, dropped_completions, credit_overruns, stale_requests;
	int stopping;
	int reload;		/* SIGHUP: re-execute with the new configuration */
	const char *config_path;
	/* control socket (td-ctl.h), main thread only */
	const char *ctl_path;		/* NULL: none */
	int ctl_fd;
	struct td_ctl_conn ctl[TD_CTL_CONNS];
	uint32_t ctl_gen;		/* names connections in req_id */
	uint8_t daemon_id[16];		/* this instance (td_ctl_session) */
	/* per configured member: the kernel's latest generation and instance */
	uint64_t *m_gen;
	uint8_t (*m_inst)[TA_INSTANCE_LEN];
	uint8_t *m_seen;
};

static struct td_daemon D;

static void usage(FILE *f)
{
	fprintf(f,
"usage: teearrayd --config FILE [options]\n"
"  --config FILE       configuration (members, signing key, attestation policy)\n"
"  --foreground, -f    do not detach; log to stderr\n"
"  --syslog            also log to syslog (always on when detached)\n"
"  --verbose, -v       log every failed request and connection event\n"
"  --check-config      parse the configuration, load the key, and exit\n"
"  --pid-file FILE     write the daemon's pid to FILE (removed at exit)\n"
"  --control-socket PATH  where teearray log reads open arrays through this\n"
"                      daemon (default " TD_CTL_DEFAULT_PATH "; \"\": none)\n"
"  --allow-unlocked    keep running if mlockall() fails (tests only)\n"
"  --netlink-fd FD     talk to a fake kernel on socket FD (tests only)\n"
"  --help, --version\n");
}

/* ---- completions ------------------------------------------------------------- */

static void td_on_complete(struct td_request *chain, void *arg)
{
	struct td_daemon *d = arg;
	struct td_request *last = chain;
	uint64_t one = 1;
	ssize_t w;

	while (last->next)
		last = last->next;
	pthread_mutex_lock(&d->done_lock);
	if (d->done_tail)
		d->done_tail->next = chain;
	else
		d->done_head = chain;
	d->done_tail = last;
	pthread_mutex_unlock(&d->done_lock);
	do
		w = write(d->efd, &one, sizeof(one));
	while (w < 0 && errno == EINTR);
}

/* Control requests are not from the pool, which is the kernel's credit window. */
static int td_is_ctl(const struct td_daemon *d, const struct td_request *r)
{
	return r < d->pool || r >= d->pool + d->cfg.credits;
}

static void td_ctl_done(struct td_daemon *d, struct td_request *r);

/* At most one message a second from a path the kernel can make busy. */
static int td_ratelimit(uint64_t *last_ms)
{
	uint64_t now = td_now_ms();

	if (*last_ms && now < *last_ms + 1000)
		return 0;
	*last_ms = now;
	return 1;
}

/*
 * Give r a buffer for its data: the inline one when it fits, else a large
 * buffer from the free list, allocated (and touched, so it is locked in
 * memory now) when the list is empty.  Returns 0, or -1 when no memory.
 */
static int td_big_get(struct td_daemon *d, struct td_request *r)
{
	uint8_t *b;

	r->big = NULL;
	if (td_req_need(&r->nl) <= TD_REQ_SMALL)
		return 0;
	if (d->big_nfree) {
		r->big = d->big_free[--d->big_nfree];
		return 0;
	}
	/* Only pool requests take large buffers, so the list never passes credits. */
	if (d->big_total >= d->cfg.credits)
		return -1;
	b = aligned_alloc(4096, TD_REQ_DATA_MAX);
	if (!b)
		return -1;
	memset(b, 0, TD_REQ_DATA_MAX);
	d->big_total++;
	r->big = b;
	return 0;
}

static void td_big_put(struct td_daemon *d, struct td_request *r)
{
	if (!r->big)
		return;
	if (d->big_nfree < d->big_total)
		d->big_free[d->big_nfree++] = r->big;
	else
		free(r->big);	/* not from the list: cannot happen */
	r->big = NULL;
}

/* Every request ends here: its large buffer goes back to the free list. */
static void td_req_put(struct td_daemon *d, struct td_request *r)
{
	td_big_put(d, r);
	if (td_is_ctl(d, r)) {
		free(r);
		return;
	}
	r->next = d->free_list;
	d->free_list = r;
	d->in_use--;
}

static int td_nl_send(struct td_daemon *d, const void *msg, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t w;

	do
		w = d->test_fd >= 0 ? send(d->nl, msg, len, MSG_NOSIGNAL) :
			sendto(d->nl, msg, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	while (w < 0 && errno == EINTR);
	if (w < 0) {
		td_log(LOG_ERR, "netlink send: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void td_flush_msg(struct td_daemon *d, struct td_nl_builder *b)
{
	if (b->count) {
		size_t len = td_nl_complete_end(b);

		td_nl_send(d, b->buf, len);
	}
	td_nl_complete_begin(b, d->sbuf, TD_MSG_MAX, d->family, ++d->seq, d->epoch);
}

static void td_add(struct td_daemon *d, struct td_nl_builder *b, const struct td_nl_completion *c)
{
	struct td_nl_completion fail = { .req_id = c->req_id, .status = TEEARRAY_ST_INTERNAL };

	if (td_nl_complete_add(b, c) == 0)
		return;
	td_flush_msg(d, b);
	if (td_nl_complete_add(b, c) == 0)
		return;
	/* Never lose it: the kernel would wait for its timeout. */
	if (td_ratelimit(&d->big_logged_ms))
		td_log(LOG_ERR, "completion of request %llu (%u bytes of data) does not fit a "
		       "netlink message: failed with status internal",
		       (unsigned long long)c->req_id, c->data ? c->data_len : 0);
	if (td_nl_complete_add(b, &fail))
		td_log(LOG_ERR, "completion of request %llu does not fit a message",
		       (unsigned long long)c->req_id);
}

/* Sends everything that finished, many completions per COMPLETE message. */
static void td_send_completions(struct td_daemon *d)
{
	struct td_nl_builder b;
	struct td_request *r, *next;

	pthread_mutex_lock(&d->done_lock);
	r = d->done_head;
	d->done_head = d->done_tail = NULL;
	pthread_mutex_unlock(&d->done_lock);

	if (d->registered)
		td_nl_complete_begin(&b, d->sbuf, TD_MSG_MAX, d->family, ++d->seq, d->epoch);
	for (unsigned int i = 0; i < d->nquick; i++)
		if (d->registered)
			td_add(d, &b, &d->quick[i]);
	d->nquick = 0;
	for (; r; r = next) {
		next = r->next;
		if (td_is_ctl(d, r)) {
			td_ctl_done(d, r);
			continue;
		}
		if (!d->registered || r->cancelled || r->epoch != d->epoch) {
			d->dropped_completions++;
		} else {
			struct td_nl_completion c = {
				.req_id = r->nl.req_id, .status = r->status,
			};

			if (r->status == TEEARRAY_ST_OK && r->out_len) {
				c.data = td_req_buf(r);
				c.data_len = r->out_len;
			}
			if (r->status == TEEARRAY_ST_OK && r->have_identity) {
				c.have_instance = c.have_member_sectors = c.have_generation = 1;
				memcpy(c.instance, r->instance, TA_INSTANCE_LEN);
				c.member_sectors = r->member_sectors;
				c.generation = r->generation;
			}
			td_add(d, &b, &c);
		}
		td_req_put(d, r);
	}
	if (d->registered && b.count)
		td_nl_send(d, b.buf, td_nl_complete_end(&b));
}

static void td_quick(struct td_daemon *d, uint64_t req_id, uint32_t status)
{
	if (d->nquick == d->quick_max)
		td_send_completions(d);
	d->quick[d->nquick].req_id = req_id;
	d->quick[d->nquick].status = status;
	d->nquick++;
}

/* ---- control socket (td-ctl.h) ---------------------------------------------- */

/* The kernel's latest generation and instance for a configured member. */
static void td_ctl_note(struct td_daemon *d, const struct td_nl_request *nr)
{
	const struct td_member_cfg *mc;
	size_t i;

	if (!d->m_seen || nr->op == TEEARRAY_OP_IDENTIFY)
		return;
	mc = td_config_member(&d->cfg, nr->member);
	if (!mc)
		return;
	i = (size_t)(mc - d->cfg.members);
	if (!d->m_seen[i] || nr->generation >= d->m_gen[i])
		d->m_gen[i] = nr->generation;
	if (nr->have_instance) {
		memcpy(d->m_inst[i], nr->instance, TA_INSTANCE_LEN);
		d->m_seen[i] = 1;
	}
}

static void td_ctl_close(struct td_ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->have = 0;
}

/* Send all of buf without blocking the daemon; a reader too slow loses the connection. */
static int td_ctl_send(struct td_ctl_conn *c, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t w = send(c->fd, p, len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static void td_ctl_answer(struct td_ctl_conn *c, uint32_t tag, uint32_t status,
			  struct td_request *r)
{
	struct td_ctl_resp a = { .magic = TD_CTL_MAGIC, .tag = tag, .status = status };

	if (r) {
		memcpy(a.instance, r->nl.instance, sizeof(a.instance));
		a.generation = r->nl.generation;
		if (status == TEEARRAY_ST_OK)
			a.len = r->out_len;
	}
	if (td_ctl_send(c, &a, sizeof(a)) || (a.len && td_ctl_send(c, td_req_buf(r), a.len)))
		td_ctl_close(c);
}

static struct td_ctl_conn *td_ctl_find(struct td_daemon *d, uint32_t gen)
{
	for (unsigned int i = 0; i < TD_CTL_CONNS; i++)
		if (d->ctl[i].fd >= 0 && d->ctl[i].gen == gen)
			return &d->ctl[i];
	return NULL;
}

/* A control request finished (or was dropped): answer it if its client is still there. */
static void td_ctl_done(struct td_daemon *d, struct td_request *r)
{
	struct td_ctl_conn *c = td_ctl_find(d, (uint32_t)(r->nl.req_id >> 32));

	if (c) {
		c->inflight--;
		td_ctl_answer(c, (uint32_t)r->nl.req_id,
			      r->cancelled ? TEEARRAY_ST_INTERNAL : r->status, r);
	}
	td_req_put(d, r);
}

/* SESSION: this instance, its kernel session, and how many members of q->array it serves. */
static void td_ctl_session(struct td_daemon *d, struct td_ctl_conn *c, const struct td_ctl_req *q)
{
	struct td_ctl_resp a = { .magic = TD_CTL_MAGIC, .tag = q->tag, .status = TEEARRAY_ST_OK,
				 .len = sizeof(struct td_ctl_session) };
	struct td_ctl_session s = { .epoch = d->registered ? d->epoch : 0 };

	memcpy(s.daemon_id, d->daemon_id, sizeof(s.daemon_id));
	for (size_t i = 0; i < d->cfg.nmembers; i++) {
		if (memcmp(d->cfg.members[i].array, q->array, TA_UUID_LEN))
			continue;
		s.members++;
		s.seen += d->m_seen ? d->m_seen[i] : 0;
	}
	if (td_ctl_send(c, &a, sizeof(a)) || td_ctl_send(c, &s, sizeof(s)))
		td_ctl_close(c);
}

static void td_ctl_request(struct td_daemon *d, struct td_ctl_conn *c, const struct td_ctl_req *q)
{
	const struct td_member_cfg *mc;
	struct td_request *r;
	size_t i;

	if (q->magic == TD_CTL_MAGIC && q->op == TD_CTL_OP_SESSION) {
		td_ctl_session(d, c, q);
		return;
	}
	if (q->magic != TD_CTL_MAGIC ||
	    (q->op != TD_CTL_OP_READ && q->op != TD_CTL_OP_DEATH_READ)) {
		td_ctl_answer(c, q->tag, TD_CTL_ST_BAD, NULL);
		return;
	}
	mc = td_config_slot(&d->cfg, q->array, q->slot);
	if (!mc || !d->registered || !d->m_seen[(size_t)(mc - d->cfg.members)]) {
		td_ctl_answer(c, q->tag, TD_CTL_ST_UNKNOWN, NULL);
		return;
	}
	if (c->inflight >= TD_CTL_MAX_INFLIGHT || !(r = calloc(1, sizeof(*r)))) {
		td_ctl_answer(c, q->tag, TD_CTL_ST_BUSY, NULL);
		return;
	}
	i = (size_t)(mc - d->cfg.members);
	r->nl.req_id = (uint64_t)c->gen << 32 | q->tag;
	r->nl.have_epoch = 1;
	r->nl.epoch = d->epoch;
	memcpy(r->nl.array, mc->array, TA_UUID_LEN);
	memcpy(r->nl.member, mc->uuid, TA_UUID_LEN);
	r->nl.slot = mc->slot;
	r->nl.op = q->op == TD_CTL_OP_READ ? TEEARRAY_OP_READ : TEEARRAY_OP_DEATH_READ;
	r->nl.generation = d->m_gen[i];
	r->nl.have_instance = 1;
	memcpy(r->nl.instance, d->m_inst[i], TA_INSTANCE_LEN);
	r->nl.sector = q->op == TD_CTL_OP_READ ? q->sector : 0;
	r->nl.count = q->op == TD_CTL_OP_READ ? 1 : 0;
	r->epoch = d->epoch;
	r->big = NULL;		/* one sector: the inline buffer */
	c->inflight++;
	td_engine_submit(&d->engine, &r, 1);
}

static void td_ctl_read(struct td_daemon *d, struct td_ctl_conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->have, sizeof(c->in) - c->have, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			td_ctl_close(c);	/* its requests still finish, unanswered */
			return;
		}
		c->have += (size_t)n;
		if (c->have == sizeof(c->in)) {
			struct td_ctl_req q;

			memcpy(&q, c->in, sizeof(q));
			c->have = 0;
			td_ctl_request(d, c, &q);
			if (c->fd < 0)
				return;
		}
	}
}

static void td_ctl_accept(struct td_daemon *d)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fd = accept4(d->ctl_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	unsigned int i;

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) || cred.uid != 0) {
		close(fd);
		return;
	}
	for (i = 0; i < TD_CTL_CONNS && d->ctl[i].fd >= 0; i++)
		;
	if (i == TD_CTL_CONNS) {
		close(fd);
		return;
	}
	d->ctl[i].fd = fd;
	d->ctl[i].gen = ++d->ctl_gen;
	d->ctl[i].inflight = 0;
	d->ctl[i].have = 0;
}

/*
 * Listen on path unless another daemon answers there.  Failure is logged
 * and only costs `teearray log` on open arrays.
 */
static void td_ctl_open(struct td_daemon *d)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	for (unsigned int i = 0; i < TD_CTL_CONNS; i++)
		d->ctl[i].fd = -1;
	d->m_gen = calloc(d->cfg.nmembers ? d->cfg.nmembers : 1, sizeof(*d->m_gen));
	d->m_inst = calloc(d->cfg.nmembers ? d->cfg.nmembers : 1, sizeof(*d->m_inst));
	d->m_seen = calloc(d->cfg.nmembers ? d->cfg.nmembers : 1, 1);
	if (!d->ctl_path || !d->m_gen || !d->m_inst || !d->m_seen)
		return;
	if (strlen(d->ctl_path) >= sizeof(a.sun_path)) {
		td_log(LOG_WARNING, "control socket path too long: %s", d->ctl_path);
		return;
	}
	strcpy(a.sun_path, d->ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		td_log(LOG_WARNING, "another daemon listens on %s: no control socket here",
		       d->ctl_path);
		close(fd);
		return;
	}
	if (fd >= 0)
		close(fd);
	unlink(d->ctl_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || fchmod(fd, 0600) || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    chmod(d->ctl_path, 0600) || listen(fd, 8)) {
		td_log(LOG_WARNING, "control socket %s: %s (teearray log cannot read open arrays "
		       "through this daemon)", d->ctl_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	d->ctl_fd = fd;
}

static void td_ctl_shutdown(struct td_daemon *d)
{
	for (unsigned int i = 0; i < TD_CTL_CONNS; i++)
		td_ctl_close(&d->ctl[i]);
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		d->ctl_fd = -1;
		if (!d->reload)
			unlink(d->ctl_path);
	}
	free(d->m_gen);
	free(d->m_inst);
	free(d->m_seen);
}

/* ---- netlink in ------------------------------------------------------------- */

static void td_handle_request(struct td_daemon *d, const struct nlmsghdr *nlh)
{
	struct td_nl_request nr;
	struct td_request *r;
	char err[256];
	int ret;

	ret = td_nl_parse_request(nlh, nlh->nlmsg_len, d->family, &nr, err, sizeof(err));
	if (ret != TD_NL_OK) {
		d->bad_requests++;
		td_log(LOG_ERR, "malformed request from the kernel (%s)%s", err,
		       ret == TD_NL_BAD ? ": failed with status internal" : ": dropped");
		if (ret == TD_NL_BAD)
			td_quick(d, nr.req_id, TEEARRAY_ST_INTERNAL);
		return;
	}
	r = d->free_list;
	if (!r) {
		d->credit_overruns++;
		td_log(LOG_ERR, "request %llu beyond the credit window of %u: failed with status "
		       "internal", (unsigned long long)nr.req_id, d->cfg.credits);
		td_quick(d, nr.req_id, TEEARRAY_ST_INTERNAL);
		return;
	}
	if (d->registered && nr.have_epoch && nr.epoch < d->epoch) {
		/* Sent before our latest REGISTER: the kernel reissues it. */
		d->stale_requests++;
		return;
	}
	r->nl = nr;
	if (td_big_get(d, r)) {
		d->big_failures++;
		if (td_ratelimit(&d->big_logged_ms))
			td_log(LOG_ERR, "request %llu: no memory for a buffer of %u bytes "
			       "(%u allocated): failed with status internal",
			       (unsigned long long)nr.req_id, TD_REQ_DATA_MAX, d->big_total);
		td_quick(d, nr.req_id, TEEARRAY_ST_INTERNAL);
		return;
	}
	td_ctl_note(d, &nr);
	d->free_list = r->next;
	d->in_use++;
	/*
	 * The parser checked data_len against COUNT (1..4096 bytes for
	 * WRITE_SHORT): it fits, and it is the DATA attribute's own length.
	 */
	if (nr.data)
		memcpy(td_req_buf(r), nr.data, nr.data_len);
	r->nl.data = NULL;
	r->deadline_ms = 0;
	/* 0: the kernel did not say; the session current at submission. */
	r->epoch = nr.have_epoch ? nr.epoch : 0;
	d->pending[d->npending++] = r;
}

/*
 * Hands parsed requests to the member workers.  Requests can arrive
 * between our REGISTER and its reply (the kernel reissues at once); they
 * wait here until the epoch is known, and those of another session are
 * dropped.
 */
static void td_submit_pending(struct td_daemon *d)
{
	unsigned int k = 0;

	if (!d->npending || !d->registered)
		return;
	for (unsigned int i = 0; i < d->npending; i++) {
		struct td_request *r = d->pending[i];

		if (!r->epoch)
			r->epoch = d->epoch;
		if (r->epoch != d->epoch) {
			d->stale_requests++;
			td_req_put(d, r);
			continue;
		}
		d->pending[k++] = r;
	}
	if (k)
		td_engine_submit(&d->engine, d->pending, k);
	d->npending = 0;
}

/*
 * Reads everything the socket holds.  Returns 0, or -1 when the session
 * must be registered again.
 */
static int td_nl_drain(struct td_daemon *d, int *got_register)
{
	for (;;) {
		struct nlmsghdr *nlh;
		ssize_t n;
		size_t len;

		n = recv(d->nl, d->rbuf, TD_RECV_MAX, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			td_log(LOG_ERR, "netlink receive buffer overrun: requests were lost; "
			       "registering again so the kernel reissues them");
			return -1;
		}
		if (n <= 0) {
			td_log(LOG_ERR, "netlink receive: %s", n ? strerror(errno) : "socket closed");
			return -1;
		}
		if ((size_t)n > TD_RECV_MAX) {
			td_log(LOG_ERR, "netlink message of %zd bytes truncated: dropped", n);
			d->bad_requests++;
			continue;
		}
		len = (size_t)n;
		for (nlh = (struct nlmsghdr *)d->rbuf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) || e->error == 0)
					continue;
				if (nlh->nlmsg_seq == d->register_seq) {
					td_log(LOG_ERR, "REGISTER refused: %s", strerror(-e->error));
					d->last_nlerr = -e->error;
					return -1;
				}
				if (nlh->nlmsg_seq == d->keepalive_seq) {
					td_log(LOG_ERR, "KEEPALIVE refused: %s; registering again",
					       strerror(-e->error));
					d->last_nlerr = -e->error;
					return -1;
				}
				/* A COMPLETE the kernel did not like: its requests time out there. */
				td_log(LOG_ERR, "kernel refused COMPLETE message %u: %s",
				       nlh->nlmsg_seq, strerror(-e->error));
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_NOOP)
				continue;
			if (nlh->nlmsg_type != d->family) {
				td_log(LOG_DEBUG, "ignoring netlink message type %u", nlh->nlmsg_type);
				continue;
			}
			if (nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN &&
			    ((struct genlmsghdr *)NLMSG_DATA(nlh))->cmd == TEEARRAY_CMD_REGISTER) {
				char err[200];
				uint64_t epoch;

				if (nlh->nlmsg_seq != d->register_seq ||
				    td_nl_parse_register_reply(nlh, nlh->nlmsg_len, d->family, &epoch,
							       err, sizeof(err))) {
					td_log(LOG_ERR, "unexpected REGISTER reply dropped");
					continue;
				}
				d->epoch = epoch;
				d->registered = 1;
				td_engine_set_epoch(&d->engine, epoch);
				if (got_register)
					*got_register = 1;
				td_log(LOG_NOTICE, "registered with dm-teearray: epoch %llu, %u credits",
				       (unsigned long long)epoch, d->cfg.credits);
				continue;
			}
			td_handle_request(d, nlh);
		}
		if (len) {
			td_log(LOG_ERR, "netlink datagram with %zu trailing bytes", len);
			d->bad_requests++;
		}
	}
}

/* ---- session ------------------------------------------------------------------ */

/*
 * Send buffer: the kernel refuses (EMSGSIZE) a message longer than the
 * socket's send buffer less 32 bytes, and a COMPLETE may be TD_MSG_MAX
 * long.  The kernel doubles what we ask for (bookkeeping).
 */
static int td_nl_sndbuf(struct td_daemon *d)
{
	int want = (int)TD_MSG_MAX + (4 << 10), got = 0;
	socklen_t sl = sizeof(got);

	if (setsockopt(d->nl, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)))
		setsockopt(d->nl, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	if (getsockopt(d->nl, SOL_SOCKET, SO_SNDBUF, &got, &sl) || got < (int)TD_MSG_MAX + 32)
		td_log(LOG_WARNING, "netlink send buffer is %d bytes: COMPLETE messages above "
		       "%d bytes will be refused (%u wanted); raise net.core.wmem_max or give "
		       "the daemon CAP_NET_ADMIN", got, got - 32, TD_MSG_MAX);
	return 0;
}

static int td_nl_open(struct td_daemon *d)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, want, got = 0;
	socklen_t sl = sizeof(got);

	if (d->test_fd >= 0) {
		d->nl = d->test_fd;
		return td_nl_sndbuf(d);
	}
	d->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (d->nl < 0) {
		td_log(LOG_ERR, "cannot open a generic netlink socket: %s", strerror(errno));
		return -1;
	}
	if (bind(d->nl, (struct sockaddr *)&sa, sizeof(sa))) {
		td_log(LOG_ERR, "cannot bind the netlink socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(d->nl, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));
	setsockopt(d->nl, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	/*
	 * Receive buffer.  The kernel charges each queued request at about
	 * twice its size (skb overhead).  A realistic worst case is a full
	 * credit window of one-sector requests: READs of any COUNT are small,
	 * and the kernel sends WRITEs of one sector.  On top, room for a few
	 * of the largest (a WRITE of TEEARRAY_NL_MAX_SECTORS).  A full window
	 * of those would need 2 * 61 KiB per credit (31 MiB at 256 credits)
	 * of locked kernel memory for a case that does not occur; should the
	 * buffer ever overrun, td_nl_drain registers again and the kernel
	 * reissues what was lost.
	 */
	want = (int)(d->cfg.credits * 2 * (TD_NL_REQUEST_HDR_LEN + TEEARRAY_NL_SECTOR_SIZE + 1024) +
		     8 * 2 * (TD_NL_MAX_REQUEST_LEN + 1024) + (256 << 10));
	if (setsockopt(d->nl, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)))
		setsockopt(d->nl, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
	getsockopt(d->nl, SOL_SOCKET, SO_RCVBUF, &got, &sl);
	if (got < want)
		td_log(LOG_WARNING, "netlink receive buffer is %d bytes, %d wanted for %u credits",
		       got, want, d->cfg.credits);
	return td_nl_sndbuf(d);
}

/*
 * SIGHUP asks for a reload: refuse one whose configuration does not parse,
 * so a typo does not take the transport down.
 */
static void td_check_reload(struct td_daemon *d)
{
	struct td_config cfg;
	char err[512];

	if (!d->reload)
		return;
	if (!td_config_load(d->config_path, &cfg, err, sizeof(err))) {
		td_config_free(&cfg);
		return;
	}
	td_log(LOG_ERR, "reload refused, keeping the running configuration: %s", err);
	td_config_free(&cfg);
	d->reload = 0;
	d->stopping = 0;
}

/* Waits up to ms for fd or the signal fd; returns 1 if a signal stopped us. */
static int td_wait(struct td_daemon *d, int fd, int ms)
{
	struct pollfd p[2] = { { .fd = d->sfd, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
	struct signalfd_siginfo si;

	if (poll(p, fd >= 0 ? 2 : 1, ms) > 0 && (p[0].revents & POLLIN)) {
		if (read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
			d->reload = si.ssi_signo == SIGHUP;
			td_log(LOG_NOTICE, "signal %u: %s", si.ssi_signo,
			       d->reload ? "reloading the configuration" : "stopping");
			d->stopping = 1;
			td_check_reload(d);
			return d->stopping;
		}
	}
	return 0;
}

/* Family lookup.  0 found, 1 not there (yet), -1 fatal. */
static int td_resolve(struct td_daemon *d)
{
	uint64_t until = td_now_ms() + 2000;
	uint32_t seq = ++d->seq, version;
	size_t len = td_nl_build_getfamily(d->sbuf, TD_MSG_MAX, seq);
	char err[200];
	int errnum;

	if (td_nl_send(d, d->sbuf, len))
		return -1;
	while (td_now_ms() < until) {
		ssize_t n = recv(d->nl, d->rbuf, TD_RECV_MAX, MSG_DONTWAIT);
		struct nlmsghdr *nlh = (struct nlmsghdr *)d->rbuf;

		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (td_wait(d, d->nl, 100))
				return -1;
			continue;
		}
		if (n <= 0) {
			td_log(LOG_ERR, "netlink receive: %s", n ? strerror(errno) : "socket closed");
			return -1;
		}
		if (!NLMSG_OK(nlh, (size_t)n) || nlh->nlmsg_seq != seq)
			continue;
		if (td_nl_parse_family(nlh, (size_t)n, &d->family, &version, &errnum, err,
				       sizeof(err))) {
			if (errnum == ENOENT)
				return 1;
			td_log(LOG_ERR, "family lookup failed: %s%s%s", err,
			       errnum ? ": " : "", errnum ? strerror(errnum) : "");
			return -1;
		}
		if (version != TEEARRAY_GENL_VERSION) {
			td_log(LOG_ERR, "dm-teearray speaks netlink version %u, this teearrayd "
			       "version %u: refusing to register", version, TEEARRAY_GENL_VERSION);
			return -1;
		}
		return 0;
	}
	td_log(LOG_ERR, "no answer to the generic netlink family lookup");
	return 1;
}

/*
 * Look up the family (waiting for the module) and REGISTER.  Returns 0
 * registered, -1 stop.
 */
static int td_session(struct td_daemon *d)
{
	int waiting_logged = 0;

	d->registered = 0;
	for (;;) {
		uint64_t until;
		size_t len;
		int r, got = 0;

		if (d->stopping)
			return -1;
		r = td_resolve(d);
		if (r < 0)
			return -1;
		if (r == 1) {
			if (!waiting_logged++)
				td_log(LOG_NOTICE, "waiting for dm-teearray module (generic netlink "
				       "family \"%s\" is not registered)", TEEARRAY_GENL_NAME);
			if (td_wait(d, -1, TD_RETRY_MS))
				return -1;
			continue;
		}
		d->register_seq = ++d->seq;
		len = td_nl_build_register(d->sbuf, TD_MSG_MAX, d->family, d->register_seq,
					   d->cfg.credits);
		if (td_nl_send(d, d->sbuf, len)) {
			if (td_wait(d, -1, TD_RETRY_MS))
				return -1;
			continue;
		}
		until = td_now_ms() + 2000;
		d->last_nlerr = 0;
		while (!got && td_now_ms() < until) {
			if (td_nl_drain(d, &got)) {
				if (d->last_nlerr == EPERM) {
					td_log(LOG_ERR, "teearrayd needs CAP_NET_ADMIN");
					return -1;
				}
				break;
			}
			if (!got && td_wait(d, d->nl, 100))
				return -1;
		}
		if (got) {
			d->next_keepalive = td_now_ms() + TD_KEEPALIVE_MS;
			/* Requests that came with the registration are of the new epoch. */
			td_submit_pending(d);
			return 0;
		}
		td_log(LOG_WARNING, "no REGISTER reply; trying again");
		if (td_wait(d, -1, TD_RETRY_MS))
			return -1;
	}
}

static void td_keepalive(struct td_daemon *d)
{
	size_t len;

	d->keepalive_seq = ++d->seq;
	len = td_nl_build_keepalive(d->sbuf, TD_MSG_MAX, d->family, d->keepalive_seq, d->epoch);

	td_nl_send(d, d->sbuf, len);
	d->next_keepalive = td_now_ms() + TD_KEEPALIVE_MS;
}

static int td_loop(struct td_daemon *d)
{
	while (!d->stopping) {
		struct pollfd p[4 + TD_CTL_CONNS] = {
			{ .fd = d->sfd, .events = POLLIN },
			{ .fd = d->nl, .events = POLLIN },
			{ .fd = d->efd, .events = POLLIN },
			{ .fd = d->ctl_fd, .events = POLLIN },
		};
		uint64_t now = td_now_ms(), cnt;
		int to;

		if (!d->registered && td_session(d))
			break;
		if (now >= d->next_keepalive)
			td_keepalive(d);
		to = (int)(d->next_keepalive > now ? d->next_keepalive - now : 0);
		for (unsigned int i = 0; i < TD_CTL_CONNS; i++) {
			p[4 + i].fd = d->ctl[i].fd;
			p[4 + i].events = POLLIN;
		}
		if (poll(p, 4 + TD_CTL_CONNS, to) < 0 && errno != EINTR) {
			td_log(LOG_ERR, "poll: %s", strerror(errno));
			return -1;
		}
		if (p[0].revents & POLLIN) {
			td_wait(d, -1, 0);
			if (d->stopping)
				break;
		}
		if (p[1].revents & (POLLIN | POLLERR | POLLHUP)) {
			if (td_nl_drain(d, NULL)) {
				td_submit_pending(d);
				d->registered = 0;
				continue;
			}
			td_submit_pending(d);
		}
		if (p[2].revents & POLLIN) {
			if (read(d->efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
				td_log(LOG_ERR, "eventfd: %s", strerror(errno));
		}
		if (p[3].revents & POLLIN)
			td_ctl_accept(d);
		for (unsigned int i = 0; i < TD_CTL_CONNS; i++)
			if (d->ctl[i].fd >= 0 && p[4 + i].fd == d->ctl[i].fd &&
			    (p[4 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				td_ctl_read(d, &d->ctl[i]);
		td_send_completions(d);
	}
	return 0;
}

static int td_setup(struct td_daemon *d, int allow_unlocked)
{
	sigset_t ss;

	if (prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0))
		td_log(LOG_WARNING, "PR_SET_IO_FLUSHER failed (%s): memory reclaim may throttle "
		       "this daemon while the array writes back", strerror(errno));
	if (mlockall(MCL_CURRENT | MCL_FUTURE)) {
		td_log(allow_unlocked ? LOG_WARNING : LOG_ERR, "mlockall failed: %s%s",
		       strerror(errno), allow_unlocked ? " (continuing: --allow-unlocked)" : "");
		if (!allow_unlocked)
			return -1;
	}
	sigemptyset(&ss);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &ss, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	d->sfd = signalfd(-1, &ss, SFD_CLOEXEC | SFD_NONBLOCK);
	d->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->sfd < 0 || d->efd < 0) {
		td_log(LOG_ERR, "signalfd/eventfd: %s", strerror(errno));
		return -1;
	}
	pthread_mutex_init(&d->done_lock, NULL);
	d->pool = calloc(d->cfg.credits, sizeof(*d->pool));
	d->pending = calloc(d->cfg.credits, sizeof(*d->pending));
	d->quick_max = 64;
	d->quick = calloc(d->quick_max, sizeof(*d->quick));
	d->rbuf = malloc(TD_RECV_MAX);
	d->sbuf = malloc(TD_MSG_MAX);
	d->big_free = calloc(d->cfg.credits, sizeof(*d->big_free));
	if (!d->pool || !d->pending || !d->quick || !d->rbuf || !d->sbuf || !d->big_free) {
		td_log(LOG_ERR, "out of memory");
		return -1;
	}
	/* Touch everything now so the request path never faults in memory. */
	memset(d->rbuf, 0, TD_RECV_MAX);
	memset(d->sbuf, 0, TD_MSG_MAX);
	for (unsigned int i = 0; i < d->cfg.credits; i++) {
		d->pool[i].next = d->free_list;
		d->free_list = &d->pool[i];
	}
	return 0;
}

/*
 * After td_engine_stop: every request is back (finished or cancelled) in
 * the done list or still pending.  Release them all, and their large
 * buffers with them; control requests are answered if their client is there.
 */
static void td_release_all(struct td_daemon *d)
{
	struct td_request *r, *next;

	if (!d->pool)
		return;
	for (unsigned int i = 0; i < d->npending; i++)
		td_req_put(d, d->pending[i]);
	d->npending = 0;
	pthread_mutex_lock(&d->done_lock);
	r = d->done_head;
	d->done_head = d->done_tail = NULL;
	pthread_mutex_unlock(&d->done_lock);
	for (; r; r = next) {
		next = r->next;
		if (td_is_ctl(d, r))
			td_ctl_done(d, r);
		else
			td_req_put(d, r);
	}
}

static int td_write_pid(const char *path)
{
	FILE *f = fopen(path, "we");
	int bad;

	if (!f) {
		td_log(LOG_ERR, "cannot write the pid file %s: %s", path, strerror(errno));
		return -1;
	}
	bad = fprintf(f, "%d\n", (int)getpid()) < 0;
	bad |= fclose(f) != 0;
	if (bad)
		td_log(LOG_ERR, "cannot write the pid file %s", path);
	return bad ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "syslog", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "allow-unlocked", no_argument, NULL, 'U' },
		{ "netlink-fd", required_argument, NULL, 'N' },
		{ "pid-file", required_argument, NULL, 'P' },
		{ "control-socket", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *pid_file = NULL, *ctl_path = TD_CTL_DEFAULT_PATH;
	struct td_daemon *d = &D;
	int ctl_set = 0, fg = 0, use_syslog = 0, verbose = 0, check = 0, allow_unlocked = 0, opt, ret = 1;
	char err[512];

	d->test_fd = -1;

	while ((opt = getopt_long(argc, argv, "c:fvh", lo, NULL)) != -1) {
		switch (opt) {
		case 'c': config = optarg; break;
		case 'f': fg = 1; break;
		case 's': use_syslog = 1; break;
		case 'v': verbose = 1; break;
		case 'C': check = 1; break;
		case 'U': allow_unlocked = 1; break;
		case 'N': d->test_fd = atoi(optarg); break;
		case 'P': pid_file = optarg; break;
		case 'S': ctl_path = *optarg ? optarg : NULL; ctl_set = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("teearrayd (dm-teearray netlink v%u)\n", TEEARRAY_GENL_VERSION);
			  return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || !config) {
		fprintf(stderr, "teearrayd: %s\n", optind != argc ? "unexpected argument" :
			"--config FILE is required");
		usage(stderr);
		return 2;
	}
	td_log_init(0, verbose ? LOG_DEBUG : LOG_INFO);
	d->config_path = config;
	d->nl = d->efd = d->sfd = d->ctl_fd = -1;
	/* A test standing in for the kernel gets no control socket unless it asks. */
	d->ctl_path = d->test_fd >= 0 && !ctl_set ? NULL : ctl_path;
	if (d->test_fd >= 0 && !fg) {
		td_log(LOG_ERR, "--netlink-fd needs --foreground");
		return 2;
	}
	if (td_config_load(config, &d->cfg, err, sizeof(err))) {
		td_log(LOG_ERR, "%s", err);
		return 1;
	}
	if (td_key_load(&d->cfg, &d->key, err, sizeof(err))) {
		td_log(LOG_ERR, "%s", err);
		goto out_cfg;
	}
	if (td_config_pin_warning(&d->cfg, config, err, sizeof(err)))
		td_log(LOG_WARNING, "%s", err);
	if (check) {
		printf("%s: ok, %zu members\n", config, d->cfg.nmembers);
		ret = 0;
		goto out_key;
	}
	if (!fg) {
		if (daemon(0, 0)) {
			td_log(LOG_ERR, "daemon: %s", strerror(errno));
			goto out_key;
		}
		use_syslog = 1;
	}
	td_log_init(use_syslog, verbose ? LOG_DEBUG : LOG_INFO);
	if (pid_file && td_write_pid(pid_file))
		goto out_key;
	if (td_setup(d, allow_unlocked) || td_nl_open(d))
		goto out_pid;
	if (td_engine_start(&d->engine, &d->cfg, &d->key, td_on_complete, d))
		goto out_pid;
	ta_random(d->daemon_id, sizeof(d->daemon_id));
	td_ctl_open(d);
	td_log(LOG_NOTICE, "started: %zu members, %u credits, batches of up to %u, member "
	       "timeout %u ms", d->cfg.nmembers, d->cfg.credits, d->cfg.batch_max,
	       d->cfg.member_timeout_ms);
	ret = td_loop(d) ? 1 : 0;
	td_engine_stop(&d->engine);
	td_release_all(d);
	td_ctl_shutdown(d);
	td_log(LOG_NOTICE, "stopped (%llu malformed requests, %llu credit overruns, %llu "
	       "requests and %llu completions dropped for an old session; %u large buffers, "
	       "%llu requests failed for want of one)",
	       d->bad_requests, d->credit_overruns, d->stale_requests, d->dropped_completions,
	       d->big_total, d->big_failures);
	if (d->big_nfree != d->big_total)
		td_log(LOG_ERR, "%u of %u large buffers were not returned",
		       d->big_total - d->big_nfree, d->big_total);
	while (d->big_nfree)
		free(d->big_free[--d->big_nfree]);
	if (d->reload) {
		/*
		 * Same pid (a service manager keeps tracking it), fresh state.
		 * The kernel reissues what this session left in flight to the
		 * next one.
		 */
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		ta_key_wipe(&d->key);
		td_config_free(&d->cfg);
		/*
		 * By its real path, so the process keeps its name; a detached
		 * daemon stays detached without forking again (same pid).
		 */
		char **nargv = calloc((size_t)argc + 3, sizeof(*nargv));

		if (n > 0 && nargv) {
			self[n] = 0;
			memcpy(nargv, argv, (size_t)argc * sizeof(*nargv));
			if (!fg) {
				nargv[argc] = "--foreground";
				nargv[argc + 1] = "--syslog";
			}
			execv(self, nargv);
		}
		free(nargv);
		td_log(LOG_ERR, "cannot re-execute for the reload: %s", strerror(errno));
		ret = 1;
	}
out_pid:
	if (pid_file)
		unlink(pid_file);
out_key:
	ta_key_wipe(&d->key);
out_cfg:
	td_config_free(&d->cfg);
	return ret;
}
