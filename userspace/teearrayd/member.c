// SPDX-License-Identifier: GPL-2.0
/*
 * teearrayd member workers: queue, batch, sign, send, verify, complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "td-log.h"
#include "td-member.h"

#define TD_BACKOFF_MIN_MS	100u
#define TD_BACKOFF_MAX_MS	5000u

uint64_t td_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint32_t td_status_from_ta(int err, int remote)
{
	if (err == TA_OK)
		return TEEARRAY_ST_OK;
	if (remote) {
		switch (err) {
		case TA_E_STALE_GENERATION:
		case TA_E_FENCE:
			return TEEARRAY_ST_FENCED;
		case TA_E_DEATH_VERSION:
			return TEEARRAY_ST_STALE_VERSION;
		case TA_E_WRONG_INSTANCE:
			return TEEARRAY_ST_RESTARTED;
		default:
			return TEEARRAY_ST_REJECTED;
		}
	}
	switch (err) {
	case TA_E_IO:
		return TEEARRAY_ST_UNREACHABLE;
	case TA_E_ROLLBACK:
		return TEEARRAY_ST_ROLLED_BACK;
	case TA_E_NOMEM:
	case TA_E_ARG:
	case TA_E_INTERNAL:
		return TEEARRAY_ST_INTERNAL;
	default:
		/*
		 * Everything else is an answer that failed verification:
		 * malformed frames, a response that does not match the
		 * request, evidence or report data that do not verify.
		 */
		return TEEARRAY_ST_ATTESTATION;
	}
}

static void td_finish(struct td_member *m, struct td_request *r, uint32_t status, int ta_err)
{
	r->status = status;
	r->ta_err = ta_err;
	if (status != TEEARRAY_ST_OK) {
		r->out_len = 0;
		r->have_identity = 0;
		atomic_fetch_add(&m->stats.failures, 1);
		td_log(LOG_DEBUG, "member %s: request %llu %s: %s%s%s", m->name,
		       (unsigned long long)r->nl.req_id, td_nl_op_name(r->nl.op),
		       td_nl_status_name(status), ta_err ? " / " : "",
		       ta_err ? ta_err_name(ta_err) : "");
	}
	/* Delivered by td_flush, so one batch's answers travel together. */
	r->next = NULL;
	if (m->done_tail)
		m->done_tail->next = r;
	else
		m->done_head = r;
	m->done_tail = r;
}

static void td_flush(struct td_member *m)
{
	struct td_request *r = m->done_head;

	m->done_head = m->done_tail = NULL;
	if (r)
		m->e->complete(r, m->e->complete_arg);
}

/* ---- connection -------------------------------------------------------------- */

/* Like ta_client_connect, but the TCP connect itself is bounded by timeout_ms. */
static int td_connect(struct ta_client *c, const char *hostport, int timeout_ms, int *timed_out)
{
	struct addrinfo *res, *ai;
	int one = 1, fd = -1, r;

	*timed_out = 0;
	r = ta_resolve_hostport(hostport, &res);
	if (r != TA_OK)
		return r;
	for (ai = res; ai; ai = ai->ai_next) {
		struct pollfd p;
		int r, soerr = 0;
		socklen_t sl = sizeof(soerr);

		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (r < 0 && errno == EINPROGRESS) {
			p.fd = fd;
			p.events = POLLOUT;
			do
				r = poll(&p, 1, timeout_ms);
			while (r < 0 && errno == EINTR);
			if (r == 0)
				*timed_out = 1;
			if (r > 0 && !getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) && !soerr)
				r = 0;
			else
				r = -1;
		}
		if (r == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return TA_E_IO;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	c->fd = fd;
	c->timeout_ms = timeout_ms;
	return TA_OK;
}

static void td_disconnect(struct td_member *m)
{
	if (m->c.fd >= 0)
		td_log(LOG_DEBUG, "member %s: connection closed", m->name);
	ta_client_close(&m->c);
	m->c.identified = 0;
}

/* A connection whose peer closed (or sent something unasked) is useless. */
static int td_conn_stale(struct td_member *m)
{
	struct pollfd p = { .fd = m->c.fd, .events = POLLIN | POLLRDHUP };

	return poll(&p, 1, 0) != 0;
}

static int td_remaining(uint64_t deadline)
{
	uint64_t now = td_now_ms();

	return deadline > now ? (int)(deadline - now) : 0;
}

/*
 * Attested HELLO on the open connection, then the program pin.  Returns
 * a TA error; the caller maps it.
 */
static int td_identify(struct td_member *m, int timeout_ms)
{
	uint8_t expect[TA_HASH_LEN];
	char inst[2 * TA_INSTANCE_LEN + 1], old[2 * TA_INSTANCE_LEN + 1];
	int ret;

	m->c.timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
	ret = ta_client_identify(&m->c);
	if (ret == TA_E_ROLLBACK) {
		ta_hex_encode(inst, m->c.acked_instance, TA_INSTANCE_LEN);
		td_log(LOG_ERR, "member %s: instance %s rolled back: it acknowledged state counter "
		       "%llu and now reports %llu; failing it", m->name, inst,
		       (unsigned long long)m->c.acked_seq, (unsigned long long)m->c.rollback_seq);
	}
	if (ret)
		return ret;
	if (m->e->cfg->have_teedisk_hash) {
		ta_measurement(expect, m->e->cfg->teedisk_hash, m->c.claims.provider, m->c.id.array,
			       m->c.id.slot, m->c.id.sectors, m->c.id.authorized_key);
		/* The identity's measurement, attested in report_data (any provider). */
		if (sodium_memcmp(expect, m->c.id.measurement, TA_HASH_LEN)) {
			m->c.identified = 0;
			return TA_E_ATTEST_MEASUREMENT;
		}
	}
	ta_hex_encode(inst, m->c.instance, TA_INSTANCE_LEN);
	if (m->have_known && memcmp(m->known_instance, m->c.instance, TA_INSTANCE_LEN)) {
		ta_hex_encode(old, m->known_instance, TA_INSTANCE_LEN);
		td_log(LOG_WARNING, "member %s restarted: instance %s is now %s; the new instance "
		       "is empty and answers RESTARTED to requests for the old one", m->name, old,
		       inst);
	}
	if (!m->have_known || memcmp(m->known_instance, m->c.instance, TA_INSTANCE_LEN))
		td_log(LOG_INFO, "member %s: identified at %s: instance %s, generation %llu, "
		       "%llu sectors, attestation %s", m->name, m->cfg->addr, inst,
		       (unsigned long long)m->c.generation, (unsigned long long)m->c.id.sectors,
		       m->c.claims.platform[0] ? m->c.claims.platform : "hardware");
	memcpy(m->known_instance, m->c.instance, TA_INSTANCE_LEN);
	m->have_known = 1;
	pthread_mutex_lock(&m->lock);
	memcpy(m->attested_instance, m->c.instance, TA_INSTANCE_LEN);
	memcpy(m->attested_measurement, m->c.id.measurement, TA_HASH_LEN);
	m->have_attested = 1;
	pthread_mutex_unlock(&m->lock);
	return TA_OK;
}

/*
 * Make sure there is an identified connection.  force: ignore the backoff
 * (an IDENTIFY asks for a fresh look).  Returns a status; *err gets the
 * TA error behind a failure.
 */
static uint32_t td_ensure(struct td_member *m, uint64_t deadline, int force, int *err,
			  int *fresh)
{
	uint64_t now = td_now_ms();
	int to, timed_out = 0, ret;

	*err = 0;
	*fresh = 0;
	if (m->c.fd >= 0 && m->c.identified && !td_conn_stale(m))
		return TEEARRAY_ST_OK;
	td_disconnect(m);
	if (!force && now < m->backoff_until_ms) {
		/*
		 * Why the last attempt failed: a member that failed attestation
		 * stays "attestation failed" for every request until it is tried
		 * again, whichever request the kernel happens to send first.
		 */
		*err = m->backoff_err;
		return m->backoff_status;
	}
	to = td_remaining(deadline);
	if (to <= 0) {
		*err = TA_E_IO;
		return TEEARRAY_ST_TIMEOUT;
	}
	ret = td_connect(&m->c, m->cfg->addr, to, &timed_out);
	if (ret == TA_OK) {
		to = td_remaining(deadline);
		ret = td_identify(m, to);
		if (ret == TA_E_IO && td_remaining(deadline) == 0)
			timed_out = 1;
	}
	if (ret != TA_OK) {
		/* An ERROR answering HELLO is not authenticated: never remote. */
		uint32_t st = timed_out ? TEEARRAY_ST_TIMEOUT : td_status_from_ta(ret, 0);

		td_disconnect(m);
		*err = ret;
		/*
		 * A member that answers slowly is tried again by the next
		 * request, which waits its own timeout: failing requests at once
		 * during a backoff would make a slow member look unreachable.
		 */
		if (st == TEEARRAY_ST_TIMEOUT)
			return st;
		if (m->backoff_ms == 0 || m->backoff_until_ms == 0)
			td_log(LOG_WARNING, "member %s at %s: %s (%s); retrying with backoff",
			       m->name, m->cfg->addr, td_nl_status_name(st), ta_err_name(ret));
		m->backoff_ms = m->backoff_ms ? m->backoff_ms * 2 : TD_BACKOFF_MIN_MS;
		if (m->backoff_ms > TD_BACKOFF_MAX_MS)
			m->backoff_ms = TD_BACKOFF_MAX_MS;
		m->backoff_until_ms = td_now_ms() + m->backoff_ms;
		m->backoff_status = st;
		m->backoff_err = ret;
		return st;
	}
	if (m->backoff_until_ms)
		td_log(LOG_INFO, "member %s: reachable again", m->name);
	m->backoff_ms = 0;
	m->backoff_until_ms = 0;
	atomic_fetch_add(&m->stats.connects, 1);
	*fresh = 1;
	return TEEARRAY_ST_OK;
}

/* ---- batches -------------------------------------------------------------------- */

static uint16_t td_ta_op(uint32_t op)
{
	switch (op) {
	case TEEARRAY_OP_READ: return TA_OP_READ;
	case TEEARRAY_OP_WRITE: return TA_OP_WRITE;
	case TEEARRAY_OP_COPY: return TA_OP_COPY;
	case TEEARRAY_OP_TRIM: return TA_OP_TRIM;
	case TEEARRAY_OP_DEATH_READ: return TA_OP_DEATH_READ;
	case TEEARRAY_OP_DEATH_WRITE: return TA_OP_DEATH_WRITE;
	case TEEARRAY_OP_FENCE: return TA_OP_FENCE;
	case TEEARRAY_OP_WRITE_SHORT: return TA_OP_WRITE_SHORT;
	default: return 0;
	}
}

static void td_fill_cmd(struct ta_cmd *cmd, struct td_request *r)
{
	long pl;

	memset(cmd, 0, sizeof(*cmd));
	cmd->op = td_ta_op(r->nl.op);
	cmd->count = r->nl.count;
	switch (r->nl.op) {
	case TEEARRAY_OP_READ:
	case TEEARRAY_OP_WRITE:
	case TEEARRAY_OP_TRIM:
		cmd->sector = r->nl.sector;
		break;
	case TEEARRAY_OP_COPY:
		cmd->sector = r->nl.sector;
		cmd->arg = r->nl.arg;
		break;
	case TEEARRAY_OP_WRITE_SHORT:
		/* Its DATA's length, not a sector: arg stays 0, count 1. */
		cmd->sector = r->nl.sector;
		cmd->count = 1;
		break;
	case TEEARRAY_OP_DEATH_WRITE:
	case TEEARRAY_OP_FENCE:
		cmd->arg = r->nl.arg;
		cmd->count = 1;
		break;
	default:
		cmd->count = 1;
		break;
	}
	pl = ta_op_payload_len(cmd->op, cmd->count);
	if (pl == TA_PAYLOAD_SHORT)
		pl = r->nl.data_len;
	cmd->payload_len = pl > 0 ? (uint32_t)pl : 0;
	/* td_run checked that the buffer holds pl bytes (td_req_need). */
	cmd->payload = pl > 0 ? td_req_buf(r) : NULL;
}

static int td_op_reads(uint32_t op)
{
	return op == TEEARRAY_OP_READ || op == TEEARRAY_OP_DEATH_READ;
}

/*
 * The answer to the batch that used sequence numbers up to last_seq was
 * lost or did not verify: only the link is suspect.  Reconnect with a new
 * attested session and ask the member how far it got; its attested last
 * sequence number says whether the batch ran (it runs all or nothing).
 * Returns the number of requests left to send again (reads always, all of
 * them when the batch did not run), or -1 when the member cannot be
 * reached again in time (then all are completed with that status).
 */
static int td_relink(struct td_member *m, struct td_request **reqs, unsigned int n,
		     uint64_t last_seq, uint64_t deadline, int why)
{
	unsigned int k = 0;
	int err, fresh;
	uint32_t st;

	td_disconnect(m);
	st = td_ensure(m, deadline, 1, &err, &fresh);
	if (st != TEEARRAY_ST_OK) {
		td_log(LOG_WARNING, "member %s: batch of %u: %s, and no new session: %s (%s)",
		       m->name, n, ta_err_name(why), td_nl_status_name(st), ta_err_name(err));
		for (unsigned int i = 0; i < n; i++)
			td_finish(m, reqs[i], st, err);
		return -1;
	}
	if (memcmp(reqs[0]->nl.instance, m->c.instance, TA_INSTANCE_LEN) ||
	    m->c.id.last_seq < last_seq) {
		td_log(LOG_WARNING, "member %s: batch of %u: %s; new session: it did not run, "
		       "sending it again", m->name, n, ta_err_name(why));
		return (int)n;
	}
	td_log(LOG_WARNING, "member %s: batch of %u: %s; new session: it ran (member at "
	       "sequence %llu); its reads go again", m->name, n, ta_err_name(why),
	       (unsigned long long)m->c.id.last_seq);
	for (unsigned int i = 0; i < n; i++) {
		if (td_op_reads(reqs[i]->nl.op))
			reqs[k++] = reqs[i];
		else
			td_finish(m, reqs[i], TEEARRAY_ST_OK, 0);
	}
	return (int)k;
}

/*
 * Send reqs[0..n) (same generation) as one signed batch and complete them.
 * A command the member refuses (authenticated) is completed with its status
 * and the rest go again (the member applies a batch all or nothing).  A
 * replay rejection (our sequence number fell behind) re-identifies and
 * retries once.  An answer that is lost or does not verify costs the link,
 * not the member: td_relink, at most TD_RELINKS times per batch.  But a
 * link that keeps lying costs the member: after TD_BAD_ANSWERS answers in a
 * row that were lost or did not verify (with no good one between), the
 * requests fail with that status and the kernel fails the member.
 */
#define TD_RELINKS	2
#define TD_BAD_ANSWERS	4

static void td_send(struct td_member *m, struct td_request **reqs, unsigned int n)
{
	int resynced = 0, relinks = 0;

	while (n) {
		uint64_t deadline = reqs[0]->deadline_ms, t0;
		uint8_t *res = NULL;
		size_t res_len = 0, off = 0;
		int ret, remote, to = 0, err, fresh;
		uint32_t st;

		for (unsigned int i = 1; i < n; i++)
			if (reqs[i]->deadline_ms < deadline)
				deadline = reqs[i]->deadline_ms;
		st = td_ensure(m, deadline, 0, &err, &fresh);
		if (st == TEEARRAY_ST_OK) {
			/* A new connection may have found a new instance. */
			unsigned int k = 0;

			for (unsigned int i = 0; i < n; i++) {
				if (memcmp(reqs[i]->nl.instance, m->c.instance, TA_INSTANCE_LEN))
					td_finish(m, reqs[i], TEEARRAY_ST_RESTARTED,
						  TA_E_WRONG_INSTANCE);
				else
					reqs[k++] = reqs[i];
			}
			n = k;
			if (!n)
				return;
		}
		if (st != TEEARRAY_ST_OK || (to = td_remaining(deadline)) == 0) {
			if (st == TEEARRAY_ST_OK)
				st = TEEARRAY_ST_TIMEOUT;
			for (unsigned int i = 0; i < n; i++)
				td_finish(m, reqs[i], st, err);
			return;
		}
		for (unsigned int i = 0; i < n; i++)
			td_fill_cmd(&m->cmds[i], reqs[i]);
		m->c.generation = reqs[0]->nl.generation;
		m->c.timeout_ms = to;
		memset(&m->c.last_error, 0, sizeof(m->c.last_error));
		atomic_fetch_add(&m->stats.batches, 1);
		atomic_fetch_add(&m->stats.commands, n);
		t0 = td_now_ms();
		ret = ta_client_batch(&m->c, m->cmds, n, 0, &res, &res_len);
		/* Only an authenticated rejection is the member's word. */
		remote = ret && m->c.last_error_auth && m->c.last_error.code == ret;
		if (ret == TA_OK || remote)
			m->bad_answers = 0;
		if (ret == TA_OK) {
			for (unsigned int i = 0; i < n; i++) {
				uint64_t want = ta_op_result_len(m->cmds[i].op, m->cmds[i].count);

				if (want > td_req_buf_size(reqs[i]) || off + want > res_len) {
					td_finish(m, reqs[i], TEEARRAY_ST_INTERNAL, TA_E_INTERNAL);
					continue;
				}
				if (want)
					memcpy(td_req_buf(reqs[i]), res + off, want);
				off += want;
				reqs[i]->out_len = (uint32_t)want;
				td_finish(m, reqs[i], TEEARRAY_ST_OK, 0);
			}
			free(res);
			return;
		}
		free(res);
		if (!remote) {
			/* Lost connection, timeout, or an answer that did not verify. */
			uint64_t batch_last = m->c.next_seq - 1;
			int left, link_fault;

			st = td_status_from_ta(ret, 0);
			if (ret == TA_E_IO && td_now_ms() - t0 + 2 >= (uint64_t)to)
				st = TEEARRAY_ST_TIMEOUT;
			link_fault = st != TEEARRAY_ST_TIMEOUT && st != TEEARRAY_ST_INTERNAL;
			if (link_fault && ++m->bad_answers >= TD_BAD_ANSWERS) {
				td_log(LOG_WARNING, "member %s: %u answers in a row were lost or did "
				       "not verify; failing it", m->name, m->bad_answers);
				m->bad_answers = 0;
			} else if (link_fault && relinks < TD_RELINKS && td_remaining(deadline) > 0) {
				relinks++;
				left = td_relink(m, reqs, n, batch_last, deadline, ret);
				if (left <= 0)
					return;
				n = (unsigned int)left;
				continue;
			}
			td_log(LOG_WARNING, "member %s: batch of %u: %s (%s)", m->name, n,
			       td_nl_status_name(st), ta_err_name(ret));
			td_disconnect(m);
			for (unsigned int i = 0; i < n; i++)
				td_finish(m, reqs[i], st, ret);
			return;
		}
		if ((ret == TA_E_REPLAY || ret == TA_E_SEQ_WRAP) && !resynced) {
			/* Sequence behind the member's: learn it again and retry. */
			resynced = 1;
			m->c.identified = 0;
			continue;
		}
		if (ret == TA_E_WRONG_INSTANCE)
			m->c.identified = 0;
		if (m->c.last_error.index < n) {
			unsigned int bad = m->c.last_error.index;

			td_log(LOG_WARNING, "member %s: refused %s (request %llu): %s", m->name,
			       td_nl_op_name(reqs[bad]->nl.op),
			       (unsigned long long)reqs[bad]->nl.req_id, ta_err_name(ret));
			td_finish(m, reqs[bad], td_status_from_ta(ret, 1), ret);
			memmove(&reqs[bad], &reqs[bad + 1], (n - bad - 1) * sizeof(*reqs));
			n--;
			continue;
		}
		td_log(LOG_WARNING, "member %s: refused a batch of %u: %s (member generation %llu)",
		       m->name, n, ta_err_name(ret), (unsigned long long)m->c.last_error.generation);
		for (unsigned int i = 0; i < n; i++)
			td_finish(m, reqs[i], td_status_from_ta(ret, 1), ret);
		return;
	}
}

static void td_do_identify(struct td_member *m, struct td_request *r, int fresh_ok)
{
	int err = 0, fresh = 0, ret;
	uint32_t st;

	st = td_ensure(m, r->deadline_ms, 1, &err, &fresh);
	if (st == TEEARRAY_ST_OK && !fresh && !fresh_ok) {
		/* An existing connection: ask again, with a fresh nonce. */
		ret = td_identify(m, td_remaining(r->deadline_ms));
		if (ret) {
			st = td_status_from_ta(ret, 0);
			if (ret == TA_E_IO && td_remaining(r->deadline_ms) == 0)
				st = TEEARRAY_ST_TIMEOUT;
			err = ret;
			td_disconnect(m);
		}
	}
	if (st != TEEARRAY_ST_OK) {
		td_finish(m, r, st, err);
		return;
	}
	r->have_identity = 1;
	memcpy(r->instance, m->c.instance, TA_INSTANCE_LEN);
	r->member_sectors = m->c.id.sectors;
	r->generation = m->c.id.generation;
	td_finish(m, r, TEEARRAY_ST_OK, 0);
}

_Static_assert((uint64_t)TD_BATCH_DATA_SECTORS * TA_SECTOR_SIZE + TA_MAX_EVIDENCE +
	       (uint64_t)TA_MAX_CMDS * TA_CMD_HDR_LEN <= (uint64_t)TA_MAX_BODY * 3 / 4,
	       "a batch of TD_BATCH_DATA_SECTORS and its answer stay well under TA_MAX_BODY");
_Static_assert(TD_REQ_DATA_MAX / TEEARRAY_NL_SECTOR_SIZE <= TD_BATCH_DATA_SECTORS &&
	       TEEARRAY_NL_MAX_SECTORS <= TA_MAX_COUNT, "one request always fits a batch");

#define TD_BATCH_DATA_BYTES	((uint64_t)TD_BATCH_DATA_SECTORS * TEEARRAY_NL_SECTOR_SIZE)

/* Time of the last "buffer too small" message (td_run), rate-limited to 1/s. */
static _Atomic uint64_t td_small_logged;

/*
 * Executes one taken set of requests, in order, in as few batches as
 * allowed: IDENTIFY and FENCE alone, one generation per batch, and at most
 * TD_BATCH_DATA_SECTORS of data per batch.
 */
static void td_run(struct td_member *m, struct td_request **reqs, unsigned int n)
{
	uint64_t epoch = atomic_load(&m->e->epoch), now = td_now_ms();
	unsigned int nb = 0;
	uint64_t nbytes = 0;
	int identified_now = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct td_request *r = reqs[i];
		uint32_t need;

		if (r->epoch != epoch) {
			r->cancelled = 1;
			td_finish(m, r, TEEARRAY_ST_INTERNAL, 0);
			continue;
		}
		if (now >= r->deadline_ms) {
			/* The member never saw it: not the member's slowness. */
			td_finish(m, r, TEEARRAY_ST_QUEUED, 0);
			continue;
		}
		if (r->nl.op == TEEARRAY_OP_WRITE_SHORT &&
		    (r->nl.count != 1 || r->nl.data_len == 0 ||
		     r->nl.data_len > TEEARRAY_NL_SECTOR_SIZE)) {
			/* The netlink parser refuses these: a daemon bug, never sent. */
			td_finish(m, r, TEEARRAY_ST_INTERNAL, TA_E_INTERNAL);
			continue;
		}
		need = td_req_need(&r->nl);
		if (need > td_req_buf_size(r)) {
			/* The submitter did not give it a large buffer: a daemon bug. */
			uint64_t last = atomic_load(&td_small_logged);

			if (now >= last + 1000 &&
			    atomic_compare_exchange_strong(&td_small_logged, &last, now))
				td_log(LOG_ERR, "member %s: request %llu: %s of %u sectors without "
				       "a buffer of %u bytes: failed with status internal", m->name,
				       (unsigned long long)r->nl.req_id, td_nl_op_name(r->nl.op),
				       r->nl.count, need);
			td_finish(m, r, TEEARRAY_ST_INTERNAL, TA_E_INTERNAL);
			continue;
		}
		/*
		 * IDENTIFY and FENCE go alone; a generation change starts a
		 * batch, and so does data beyond the batch's budget (in bytes:
		 * a WRITE_SHORT costs its record's length, not a sector).
		 */
		if (nb && (r->nl.op == TEEARRAY_OP_IDENTIFY || r->nl.op == TEEARRAY_OP_FENCE ||
			   m->inbatch[0]->nl.op == TEEARRAY_OP_FENCE ||
			   r->nl.generation != m->inbatch[0]->nl.generation ||
			   nbytes + need > TD_BATCH_DATA_BYTES)) {
			td_send(m, m->inbatch, nb);
			td_flush(m);
			nb = 0;
			nbytes = 0;
		}
		if (r->nl.op == TEEARRAY_OP_IDENTIFY) {
			/* Several IDENTIFYs in one take share one attested HELLO. */
			td_do_identify(m, r, identified_now);
			identified_now = r->status == TEEARRAY_ST_OK;
			td_flush(m);
			continue;
		}
		m->inbatch[nb++] = r;
		nbytes += need;
	}
	if (nb)
		td_send(m, m->inbatch, nb);
	td_flush(m);
}

static void *td_worker(void *arg)
{
	struct td_member *m = arg;
	unsigned int max = m->e->cfg->batch_max;

	for (;;) {
		unsigned int n = 0;
		int stop;

		pthread_mutex_lock(&m->lock);
		while (!m->head && !m->stop)
			pthread_cond_wait(&m->cond, &m->lock);
		stop = m->stop;
		while (m->head && n < max) {
			m->take[n++] = m->head;
			m->head = m->head->next;
		}
		if (!m->head)
			m->tail = NULL;
		pthread_mutex_unlock(&m->lock);
		if (stop) {
			for (unsigned int i = 0; i < n; i++) {
				m->take[i]->cancelled = 1;
				td_finish(m, m->take[i], TEEARRAY_ST_INTERNAL, 0);
			}
			td_flush(m);
			if (n)
				continue;
			break;
		}
		td_run(m, m->take, n);
	}
	td_disconnect(m);
	return NULL;
}

/* ---- engine ------------------------------------------------------------------ */

int td_engine_start(struct td_engine *e, const struct td_config *cfg, const struct ta_key *key,
		    td_complete_fn complete, void *arg)
{
	memset(e, 0, sizeof(*e));
	e->cfg = cfg;
	e->key = key;
	e->complete = complete;
	e->complete_arg = arg;
	atomic_store(&e->epoch, 0);
	e->members = calloc(cfg->nmembers, sizeof(*e->members));
	if (!e->members) {
		td_log(LOG_ERR, "out of memory for %zu members", cfg->nmembers);
		return -1;
	}
	e->nmembers = cfg->nmembers;
	for (size_t i = 0; i < cfg->nmembers; i++) {
		struct td_member *m = &e->members[i];
		int ret;

		m->e = e;
		m->cfg = &cfg->members[i];
		ta_uuid_format(m->name, m->cfg->uuid);
		m->pol = cfg->policy;
		/*
		 * measurement= pins the teedisk measurement, which every provider
		 * binds into report_data[32..63]; a platform measurement is the
		 * tsm verifier's business.
		 */
		m->pol.have_member_measurement = m->cfg->have_measurement;
		memcpy(m->pol.member_measurement, m->cfg->measurement, TA_HASH_LEN);
		ta_client_init(&m->c, key, &m->pol, m->cfg->array, m->cfg->slot);
		m->take = calloc(cfg->batch_max, sizeof(*m->take));
		m->inbatch = calloc(cfg->batch_max, sizeof(*m->inbatch));
		m->cmds = calloc(cfg->batch_max, sizeof(*m->cmds));
		pthread_mutex_init(&m->lock, NULL);
		pthread_cond_init(&m->cond, NULL);
		if (!m->take || !m->inbatch || !m->cmds) {
			td_log(LOG_ERR, "out of memory for member %s", m->name);
			td_engine_stop(e);
			return -1;
		}
		ret = pthread_create(&m->thread, NULL, td_worker, m);
		if (ret) {
			td_log(LOG_ERR, "cannot start the worker of member %s: %s", m->name,
			       strerror(ret));
			td_engine_stop(e);
			return -1;
		}
		m->started = 1;
	}
	return 0;
}

void td_engine_stop(struct td_engine *e)
{
	for (size_t i = 0; i < e->nmembers; i++) {
		struct td_member *m = &e->members[i];

		if (!m->e)
			continue;
		pthread_mutex_lock(&m->lock);
		m->stop = 1;
		pthread_cond_signal(&m->cond);
		pthread_mutex_unlock(&m->lock);
		if (m->started)
			pthread_join(m->thread, NULL);
		else
			ta_client_close(&m->c);
		pthread_mutex_destroy(&m->lock);
		pthread_cond_destroy(&m->cond);
		free(m->take);
		free(m->inbatch);
		free(m->cmds);
	}
	free(e->members);
	e->members = NULL;
	e->nmembers = 0;
}

void td_engine_set_epoch(struct td_engine *e, uint64_t epoch)
{
	atomic_store(&e->epoch, epoch);
}

struct td_member *td_engine_member(struct td_engine *e, const uint8_t uuid[TA_UUID_LEN])
{
	for (size_t i = 0; i < e->nmembers; i++)
		if (!memcmp(e->members[i].cfg->uuid, uuid, TA_UUID_LEN))
			return &e->members[i];
	return NULL;
}

int td_engine_attested(struct td_engine *e, const uint8_t array[TA_UUID_LEN], uint32_t slot,
		       const uint8_t instance[TA_INSTANCE_LEN], uint8_t measurement[TA_HASH_LEN])
{
	int found = 0;

	for (size_t i = 0; i < e->nmembers && !found; i++) {
		struct td_member *m = &e->members[i];

		if (m->cfg->slot != slot || memcmp(m->cfg->array, array, TA_UUID_LEN))
			continue;
		pthread_mutex_lock(&m->lock);
		found = m->have_attested &&
			!memcmp(m->attested_instance, instance, TA_INSTANCE_LEN);
		if (found)
			memcpy(measurement, m->attested_measurement, TA_HASH_LEN);
		pthread_mutex_unlock(&m->lock);
	}
	return found;
}

void td_engine_submit(struct td_engine *e, struct td_request **reqs, unsigned int n)
{
	uint64_t now = td_now_ms();

	for (unsigned int i = 0; i < n; i++) {
		struct td_request *r = reqs[i];
		struct td_member *m = td_engine_member(e, r->nl.member);

		r->next = NULL;
		r->status = TEEARRAY_ST_INTERNAL;
		r->ta_err = 0;
		r->cancelled = 0;
		r->out_len = 0;
		r->have_identity = 0;
		if (!r->deadline_ms)
			r->deadline_ms = now + (r->nl.timeout_ms ? r->nl.timeout_ms :
						e->cfg->member_timeout_ms);
		if (r->nl.op == TEEARRAY_OP_AUDIT_SIGN) {
			td_audit_sign(e, r);
			e->complete(r, e->complete_arg);
			continue;
		}
		if (!m || memcmp(m->cfg->array, r->nl.array, TA_UUID_LEN) ||
		    m->cfg->slot != r->nl.slot) {
			char mu[37], au[37];

			ta_uuid_format(mu, r->nl.member);
			ta_uuid_format(au, r->nl.array);
			td_log(LOG_WARNING, "request %llu: member %s (array %s slot %u) is %s",
			       (unsigned long long)r->nl.req_id, mu, au, r->nl.slot,
			       m ? "configured with another array or slot" :
				   "not in the configuration");
			r->status = TEEARRAY_ST_UNKNOWN_MEMBER;
			r->next = NULL;
			e->complete(r, e->complete_arg);
			continue;
		}
		if (m->st_tail)
			m->st_tail->next = r;
		else
			m->st_head = r;
		m->st_tail = r;
	}
	for (size_t i = 0; i < e->nmembers; i++) {
		struct td_member *m = &e->members[i];

		if (!m->st_head)
			continue;
		pthread_mutex_lock(&m->lock);
		if (m->tail)
			m->tail->next = m->st_head;
		else
			m->head = m->st_head;
		m->tail = m->st_tail;
		pthread_cond_signal(&m->cond);
		pthread_mutex_unlock(&m->lock);
		m->st_head = m->st_tail = NULL;
	}
}
