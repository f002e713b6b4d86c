// SPDX-License-Identifier: GPL-2.0
/*
 * ta-mitm: a man-in-the-middle TCP proxy between teearrayd (or
 * teedisk-client) and one teedisk, for tests of what a network attacker
 * holding no keys can do to member answers.
 *
 *   ta-mitm --listen HOST:PORT --upstream HOST:PORT --rules FILE
 *           [--log FILE] [--port-file FILE]
 *
 * Whole frames are relayed in both directions (header parsed with the
 * library's ta_frame_hdr_parse, so the proxy follows the protocol version
 * it is built with); every client connection gets its own upstream
 * connection; one poll loop serves them all.  A frame whose header does not
 * parse switches that connection to raw byte relaying.
 *
 * The rules file is re-read whenever its mtime, size or inode changes; one
 * rule per line, '#' starts a comment:
 *
 *   ACTION MATCH [COUNT]
 *
 * MATCH: hello, batch, any, or an op name (read write copy trim death-read
 * death-write fence write-short: a BATCH holding at least one such
 * command).  The first
 * rule that matches a request and has firings left fires (COUNT, default
 * unlimited; counts restart when the file is re-read).  Requests no rule
 * matches are relayed unchanged.  ACTION acts on the ANSWER to the request:
 *
 *   pass           relay the answer
 *   drop           relay the request, swallow the answer (connection stays)
 *   delay:MS       hold the answer MS milliseconds
 *   replay         send instead the previous answer of the same frame kind
 *                  this proxy saw (on any connection: one proxy fronts one
 *                  member); with none yet, swallow it
 *   reorder        hold the answer; the next answer of the same frame kind
 *                  (to whatever request, on whatever connection) is replaced
 *                  by the held one, and is itself held if its request also
 *                  matched reorder, else sent right after the held one.  With
 *                  one request in flight per member this means: request k
 *                  gets no answer, request k+1 gets the answer to k (then,
 *                  unless k+1 was held in turn, its own answer as well).
 *                  Re-reading the rules discards a held answer
 *   truncate       send the answer's header and half its body, then close
 *                  both connections
 *   flip[:OFF]     flip the lowest bit of one body byte of the answer: the
 *                  last byte (default; the MAC in protocol 2, the last
 *                  header or evidence byte before), or byte OFF (negative:
 *                  from the end; clamped to the body)
 *   forge-ack      (batches) do not relay the request; answer with a
 *                  BATCH_RESP built from the request: its generation,
 *                  first_seq, last_seq = first_seq + ncmds - 1, ncmds, zeroed
 *                  results of the right length, no evidence and (protocol 2)
 *                  a random MAC: what a host that drops writes would send
 *   forge-error:NAME  do not relay the request; answer with an ERROR of that
 *                  code (a ta_err_name or a number), index 0xffff,
 *                  generation = request generation + 1, last_seq = the
 *                  request's first_seq - 1 and (protocol 2) a random MAC
 *
 * Every action taken is logged as one line to --log (default stderr).
 * SIGUSR1 prints the counters per action to the log; they are printed
 * again at exit (SIGTERM, SIGINT).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ta-wire.h"

#ifndef TA_MAC_LEN
#define TA_MAC_LEN 32
#endif

/* Protocol 2 answers end with a MAC under the session key. */
#if TA_PROTO_VERSION >= 2
#define MITM_MAC_LEN TA_MAC_LEN
#else
#define MITM_MAC_LEN 0
#endif

#define MAX_CONNS	64
#define MAX_RULES	64

enum act {
	A_PASS, A_DROP, A_DELAY, A_REPLAY, A_REORDER, A_TRUNCATE, A_FLIP,
	A_FORGE_ACK, A_FORGE_ERROR, A__COUNT
};

static const char *const act_names[A__COUNT] = {
	"pass", "drop", "delay", "replay", "reorder", "truncate", "flip",
	"forge-ack", "forge-error",
};

/* MATCH values: the ops are their enum ta_op numbers. */
#define M_ANY		100
#define M_HELLO		101
#define M_BATCH		102

struct rule {
	enum act act;
	long param;		/* delay ms, flip offset, error code */
	int have_param;
	int match;
	long left;		/* -1: unlimited */
	char text[96];
};

struct buf {
	uint8_t *p;
	size_t len, cap, off;	/* off: bytes already consumed / sent */
};

/* A request relayed or answered, waiting for its answer to go out. */
struct pend {
	enum act act;
	long param;
	int forwarded;		/* the upstream will answer it */
	int matched;		/* a rule fired (else plain relay) */
	uint8_t *ready;		/* a forged answer, ready to send in order */
	size_t ready_len;
	char desc[128];
	struct pend *next;
};

struct delayed {
	uint64_t due_ms;
	uint8_t *frame;
	size_t len;
};

struct conn {
	int used, id;
	int cfd, ufd;
	struct buf cin, uin;	/* bytes read, not yet a whole frame */
	struct buf cout, uout;	/* bytes to write */
	int raw_c, raw_u;	/* header did not parse: relay bytes */
	int closing;		/* flush cout, then close */
	struct pend *ph, *pt;
	struct delayed *dl;
	size_t ndl, dlcap;
};

static struct rule rules[MAX_RULES];
static int nrules;
static const char *rules_path;
static struct stat rules_st;
static int rules_loaded;
static FILE *logf;
static struct conn conns[MAX_CONNS];
static int next_conn_id = 1;
static unsigned long counts[A__COUNT];
static unsigned long n_req, n_ans, n_conns;
static volatile sig_atomic_t want_stats, want_exit;
static const char *upstream;

/* Replay memory per answer frame kind, and the reorder slot. */
static struct {
	uint8_t *frame;
	size_t len;
} last_ans[8], held[8];

static void logm(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(logf, "%ld.%03ld ta-mitm: ", (long)ts.tv_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(logf, fmt, ap);
	va_end(ap);
	fputc('\n', logf);
	fflush(logf);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		logm("out of memory");
		exit(1);
	}
	return p;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
	uint8_t *q = xmalloc(n);

	memcpy(q, p, n);
	return q;
}

static void buf_add(struct buf *b, const uint8_t *p, size_t n)
{
	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p) {
			logm("out of memory");
			exit(1);
		}
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len) {
		b->off = b->len = 0;
	} else if (b->off > (1u << 20)) {
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static const char *kind_name(uint8_t k)
{
	switch (k) {
	case TA_K_HELLO: return "HELLO";
	case TA_K_IDENTITY: return "IDENTITY";
	case TA_K_STATUS: return "STATUS";
	case TA_K_STATUS_RESP: return "STATUS_RESP";
	case TA_K_BATCH: return "BATCH";
	case TA_K_BATCH_RESP: return "BATCH_RESP";
	case TA_K_ERROR: return "ERROR";
	default: return "?";
	}
}

/* ---- rules ------------------------------------------------------------------ */

static int parse_match(const char *s)
{
	static const uint16_t ops[] = {
		TA_OP_READ, TA_OP_WRITE, TA_OP_COPY, TA_OP_TRIM, TA_OP_DEATH_READ,
		TA_OP_DEATH_WRITE, TA_OP_FENCE,
#if TA_PROTO_VERSION >= 3
		TA_OP_WRITE_SHORT,
#endif
	};

	if (!strcmp(s, "any"))
		return M_ANY;
	if (!strcmp(s, "hello"))
		return M_HELLO;
	if (!strcmp(s, "batch"))
		return M_BATCH;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(s, ta_op_name(ops[i])))
			return ops[i];
	return -1;
}

static int parse_err_name(const char *s, long *code)
{
	char *end;

	for (int i = 0; i < TA_E__COUNT; i++)
		if (!strcmp(s, ta_err_name(i))) {
			*code = i;
			return 0;
		}
	errno = 0;
	*code = strtol(s, &end, 0);
	return errno || !*s || *end || *code < 0 || *code > 65535 ? -1 : 0;
}

static int parse_action(const char *s, struct rule *r)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	char *end;

	for (int i = 0; i < A__COUNT; i++) {
		if (strlen(act_names[i]) != n || strncmp(s, act_names[i], n))
			continue;
		r->act = (enum act)i;
		r->have_param = colon != NULL;
		switch (r->act) {
		case A_DELAY:
			if (!colon)
				return -1;
			r->param = strtol(colon + 1, &end, 10);
			return *end || r->param < 0 ? -1 : 0;
		case A_FLIP:
			if (!colon)
				return 0;
			r->param = strtol(colon + 1, &end, 10);
			return *end || !colon[1] ? -1 : 0;
		case A_FORGE_ERROR:
			return colon ? parse_err_name(colon + 1, &r->param) : -1;
		default:
			return colon ? -1 : 0;
		}
	}
	return -1;
}

static void load_rules(void)
{
	struct stat st;
	char line[256];
	FILE *f;
	int n = 0, lineno = 0;

	if (stat(rules_path, &st)) {
		if (rules_loaded || nrules) {
			logm("rules: %s: %s; no rules", rules_path, strerror(errno));
			nrules = 0;
		}
		rules_loaded = 0;
		memset(&rules_st, 0, sizeof(rules_st));
		return;
	}
	if (rules_loaded && st.st_mtim.tv_sec == rules_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == rules_st.st_mtim.tv_nsec && st.st_size == rules_st.st_size &&
	    st.st_ino == rules_st.st_ino)
		return;
	f = fopen(rules_path, "r");
	if (!f) {
		logm("rules: %s: %s", rules_path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *hash = strchr(line, '#'), *a, *m, *c, *x, *save;
		struct rule r = { .left = -1 };

		lineno++;
		if (hash)
			*hash = 0;
		a = strtok_r(line, " \t\r\n", &save);
		if (!a)
			continue;
		m = strtok_r(NULL, " \t\r\n", &save);
		c = strtok_r(NULL, " \t\r\n", &save);
		x = strtok_r(NULL, " \t\r\n", &save);
		if (!m || x || parse_action(a, &r) || (r.match = parse_match(m)) < 0) {
			logm("rules: %s:%d: ignored (want ACTION MATCH [COUNT])", rules_path, lineno);
			continue;
		}
		if (c) {
			char *end;

			r.left = strtol(c, &end, 10);
			if (*end || r.left < 0) {
				logm("rules: %s:%d: bad count, ignored", rules_path, lineno);
				continue;
			}
		}
		snprintf(r.text, sizeof(r.text), "%s %s%s%s", a, m, c ? " " : "", c ? c : "");
		if (n < MAX_RULES)
			rules[n++] = r;
	}
	fclose(f);
	nrules = n;
	/* New rules: an answer held by an earlier reorder rule is discarded. */
	for (int k = 0; k < 8; k++)
		if (held[k].frame) {
			logm("rules: discarding the %s held by reorder", kind_name((uint8_t)k));
			free(held[k].frame);
			held[k].frame = NULL;
		}
	rules_st = st;
	rules_loaded = 1;
	logm("rules: loaded %d rule%s from %s", n, n == 1 ? "" : "s", rules_path);
}

/* The first rule with firings left that matches; NULL: relay unchanged. */
static struct rule *match_rule(uint8_t kind, const struct ta_batch *b, int parsed)
{
	for (int i = 0; i < nrules; i++) {
		struct rule *r = &rules[i];
		int hit = 0;

		if (r->left == 0)
			continue;
		if (r->match == M_ANY)
			hit = 1;
		else if (r->match == M_HELLO)
			hit = kind == TA_K_HELLO;
		else if (r->match == M_BATCH)
			hit = kind == TA_K_BATCH;
		else if (kind == TA_K_BATCH && parsed)
			for (unsigned int k = 0; k < b->hdr.ncmds && !hit; k++)
				hit = b->cmds[k].op == r->match;
		if (!hit)
			continue;
		if (r->left > 0)
			r->left--;
		return r;
	}
	return NULL;
}

/* ---- connections ---------------------------------------------------------------- */


static void pend_free(struct pend *p)
{
	free(p->ready);
	free(p);
}

static void conn_close(struct conn *c, const char *why)
{
	if (!c->used)
		return;
	logm("conn %d: closed (%s)", c->id, why);
	if (c->cfd >= 0)
		close(c->cfd);
	if (c->ufd >= 0)
		close(c->ufd);
	buf_free(&c->cin);
	buf_free(&c->uin);
	buf_free(&c->cout);
	buf_free(&c->uout);
	while (c->ph) {
		struct pend *p = c->ph;

		c->ph = p->next;
		pend_free(p);
	}
	for (size_t i = 0; i < c->ndl; i++)
		free(c->dl[i].frame);
	free(c->dl);
	memset(c, 0, sizeof(*c));
	c->cfd = c->ufd = -1;
}

static int connect_upstream(void)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char host[256];
	const char *colon = strrchr(upstream, ':');
	int fd = -1, one = 1;

	if (!colon || (size_t)(colon - upstream) >= sizeof(host))
		return -1;
	memcpy(host, upstream, (size_t)(colon - upstream));
	host[colon - upstream] = 0;
	if (getaddrinfo(host, colon + 1, &hints, &res))
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	}
	return fd;
}

static void send_client(struct conn *c, const uint8_t *p, size_t n)
{
	buf_add(&c->cout, p, n);
}

static void remember(uint8_t kind, const uint8_t *f, size_t n)
{
	if (kind >= 8)
		return;
	free(last_ans[kind].frame);
	last_ans[kind].frame = dup_bytes(f, n);
	last_ans[kind].len = n;
}

/* Sends the answers at the head of the queue that are ready (forged). */
static void drain_ready(struct conn *c)
{
	while (c->ph && c->ph->ready) {
		struct pend *p = c->ph;

		send_client(c, p->ready, p->ready_len);
		c->ph = p->next;
		if (!c->ph)
			c->pt = NULL;
		pend_free(p);
	}
}

static void add_pend(struct conn *c, struct pend *p)
{
	p->next = NULL;
	if (c->pt)
		c->pt->next = p;
	else
		c->ph = p;
	c->pt = p;
}

static uint8_t *forge_ack(const struct ta_batch *b, size_t *len)
{
	uint64_t results = 0;
	struct ta_bresp_hdr h = { 0 };
	size_t body;
	uint8_t *f;

	for (unsigned int i = 0; i < b->hdr.ncmds; i++)
		results += ta_op_result_len(b->cmds[i].op, b->cmds[i].count);
	body = TA_BRESP_HDR_LEN + (size_t)results + MITM_MAC_LEN;
	f = xmalloc(TA_FRAME_HDR_LEN + body);
	memset(f, 0, TA_FRAME_HDR_LEN + body);
	ta_frame_hdr_build(f, TA_K_BATCH_RESP, (uint32_t)body);
	h.generation = b->hdr.generation;
	h.first_seq = b->hdr.first_seq;
	h.last_seq = b->hdr.first_seq + b->hdr.ncmds - 1;
	h.ncmds = b->hdr.ncmds;
	h.results_len = (uint32_t)results;
	h.evidence_len = 0;
	ta_bresp_hdr_encode(f + TA_FRAME_HDR_LEN, &h);
	randombytes_buf(f + TA_FRAME_HDR_LEN + TA_BRESP_HDR_LEN + results, MITM_MAC_LEN);
	*len = TA_FRAME_HDR_LEN + body;
	return f;
}

static uint8_t *forge_error(uint16_t code, uint64_t gen, uint64_t first_seq, size_t *len)
{
	struct ta_error e = {
		.code = code, .index = 0xffff, .generation = gen + 1,
		.last_seq = first_seq ? first_seq - 1 : 0,
	};
#ifdef TA_ERROR_FIELDS_LEN
	/* TA_ERROR_LEN includes the MAC, which ta_error_encode writes. */
	size_t body = TA_ERROR_LEN;
	uint8_t *f = xmalloc(TA_FRAME_HDR_LEN + body);

	randombytes_buf(e.mac, sizeof(e.mac));
	ta_frame_hdr_build(f, TA_K_ERROR, (uint32_t)body);
	ta_error_encode(f + TA_FRAME_HDR_LEN, &e);
#else
	size_t body = TA_ERROR_LEN + MITM_MAC_LEN;
	uint8_t *f = xmalloc(TA_FRAME_HDR_LEN + body);

	ta_frame_hdr_build(f, TA_K_ERROR, (uint32_t)body);
	ta_error_encode(f + TA_FRAME_HDR_LEN, &e);
	randombytes_buf(f + TA_FRAME_HDR_LEN + TA_ERROR_LEN, MITM_MAC_LEN);
#endif
	*len = TA_FRAME_HDR_LEN + body;
	return f;
}

/* A whole request frame from the client. */
static void on_request(struct conn *c, const uint8_t *f, size_t n, uint8_t kind)
{
	struct ta_batch b = { 0 };
	struct pend *p = xmalloc(sizeof(*p));
	struct rule *r;
	int parsed = 0;
	char what[96];

	memset(p, 0, sizeof(*p));
	n_req++;
	load_rules();
	if (kind == TA_K_BATCH)
		parsed = ta_batch_parse(f + TA_FRAME_HDR_LEN, n - TA_FRAME_HDR_LEN, &b) == TA_OK;
	if (parsed) {
		int len = snprintf(what, sizeof(what), "BATCH gen %llu seq %llu",
				   (unsigned long long)b.hdr.generation,
				   (unsigned long long)b.hdr.first_seq);

		for (unsigned int i = 0; i < b.hdr.ncmds && len < (int)sizeof(what) - 16; i++) {
			if (i == 4) {
				len += snprintf(what + len, sizeof(what) - len, " ...(%u)",
						b.hdr.ncmds);
				break;
			}
			len += snprintf(what + len, sizeof(what) - len, "%s%s", i ? "," : " ",
					ta_op_name(b.cmds[i].op));
		}
	} else {
		snprintf(what, sizeof(what), "%s%s", kind_name(kind),
			 kind == TA_K_BATCH ? " (unparsable)" : "");
	}
	r = match_rule(kind, &b, parsed);
	p->act = r ? r->act : A_PASS;
	p->param = r ? r->param : 0;
	p->matched = r != NULL;
	if (r && r->act == A_FLIP && !r->have_param)
		p->param = -1;
	snprintf(p->desc, sizeof(p->desc), "%s [%s]", what, r ? r->text : "no rule");

	if (p->act == A_FORGE_ACK || p->act == A_FORGE_ERROR) {
		if (p->act == A_FORGE_ACK && !parsed) {
			logm("conn %d: forge-ack needs a batch, relaying %s", c->id, p->desc);
			p->act = A_PASS;
		} else {
			if (p->act == A_FORGE_ACK)
				p->ready = forge_ack(&b, &p->ready_len);
			else
				p->ready = forge_error((uint16_t)p->param, parsed ? b.hdr.generation : 0,
						       parsed ? b.hdr.first_seq : 0, &p->ready_len);
			counts[p->act]++;
			logm("conn %d: %s%s%s: request swallowed, forged %s answered: %s", c->id,
			     act_names[p->act], p->act == A_FORGE_ERROR ? ":" : "",
			     p->act == A_FORGE_ERROR ? ta_err_name((int)p->param) : "",
			     p->act == A_FORGE_ACK ? "BATCH_RESP" : "ERROR", p->desc);
			add_pend(c, p);
			drain_ready(c);
			ta_batch_free(&b);
			return;
		}
	}
	ta_batch_free(&b);
	p->forwarded = 1;
	add_pend(c, p);
	buf_add(&c->uout, f, n);
}

static void reorder_release(struct conn *c, uint8_t kind, const uint8_t *f, size_t n,
			    int hold_this, const char *desc)
{
	if (held[kind].frame) {
		send_client(c, held[kind].frame, held[kind].len);
		free(held[kind].frame);
		held[kind].frame = NULL;
		if (hold_this) {
			held[kind].frame = dup_bytes(f, n);
			held[kind].len = n;
			logm("conn %d: reorder: sent the held %s, holding this one: %s", c->id,
			     kind_name(kind), desc);
		} else {
			send_client(c, f, n);
			logm("conn %d: reorder: sent the held %s, then this one: %s", c->id,
			     kind_name(kind), desc);
		}
		return;
	}
	if (hold_this) {
		held[kind].frame = dup_bytes(f, n);
		held[kind].len = n;
		logm("conn %d: reorder: holding %s: %s", c->id, kind_name(kind), desc);
		return;
	}
	send_client(c, f, n);
}

/* A whole answer frame from the upstream. */
static void on_answer(struct conn *c, uint8_t *f, size_t n, uint8_t kind)
{
	struct pend *p = c->ph, *prev = NULL;
	size_t body = n - TA_FRAME_HDR_LEN;

	n_ans++;
	/* The oldest request the upstream still has to answer. */
	while (p && !p->forwarded) {
		prev = p;
		p = p->next;
	}
	if (!p) {
		logm("conn %d: unasked %s from the member, relayed", c->id, kind_name(kind));
		if (held[kind & 7].frame)
			reorder_release(c, kind & 7, f, n, 0, "unasked");
		else
			send_client(c, f, n);
		remember(kind, f, n);
		return;
	}
	if (prev)
		prev->next = p->next;
	else
		c->ph = p->next;
	if (c->pt == p)
		c->pt = prev;
	if (p->matched)
		counts[p->act]++;
	switch (p->act) {
	case A_PASS:
		if (p->matched)
			logm("conn %d: pass %s -> %s", c->id, p->desc, kind_name(kind));
		reorder_release(c, kind, f, n, 0, p->desc);
		break;
	case A_DROP:
		logm("conn %d: drop: swallowed %s answering %s", c->id, kind_name(kind), p->desc);
		break;
	case A_DELAY: {
		struct delayed d = { now_ms() + (uint64_t)p->param, dup_bytes(f, n), n };

		if (c->ndl == c->dlcap) {
			c->dlcap = c->dlcap ? 2 * c->dlcap : 4;
			c->dl = realloc(c->dl, c->dlcap * sizeof(*c->dl));
			if (!c->dl) {
				logm("out of memory");
				exit(1);
			}
		}
		c->dl[c->ndl++] = d;
		logm("conn %d: delay %ld ms: %s answering %s", c->id, p->param, kind_name(kind),
		     p->desc);
		break;
	}
	case A_REPLAY:
		if (last_ans[kind].frame) {
			send_client(c, last_ans[kind].frame, last_ans[kind].len);
			logm("conn %d: replay: sent the previous %s instead of this one, "
			     "answering %s", c->id, kind_name(kind), p->desc);
		} else {
			logm("conn %d: replay: no previous %s, swallowed the answer to %s",
			     c->id, kind_name(kind), p->desc);
		}
		break;
	case A_REORDER:
		reorder_release(c, kind, f, n, 1, p->desc);
		break;
	case A_TRUNCATE:
		send_client(c, f, TA_FRAME_HDR_LEN + body / 2);
		logm("conn %d: truncate: sent %s header and %zu of %zu body bytes answering %s, "
		     "closing", c->id, kind_name(kind), body / 2, body, p->desc);
		close(c->ufd);
		c->ufd = -1;
		c->closing = 1;
		break;
	case A_FLIP: {
		long off = p->param;

		if (body == 0) {
			send_client(c, f, n);
			logm("conn %d: flip: empty %s body, relayed unchanged", c->id,
			     kind_name(kind));
			break;
		}
		if (off < 0)
			off += (long)body;
		if (off < 0)
			off = 0;
		if (off >= (long)body)
			off = (long)body - 1;
		f[TA_FRAME_HDR_LEN + off] ^= 1;
		send_client(c, f, n);
		logm("conn %d: flip: bit 0 of body byte %ld of %zu of %s answering %s", c->id,
		     off, body, kind_name(kind), p->desc);
		f[TA_FRAME_HDR_LEN + off] ^= 1;
		break;
	}
	default:
		send_client(c, f, n);
		break;
	}
	remember(kind, f, n);
	pend_free(p);
	drain_ready(c);
}

/*
 * Takes whole frames out of `in`.  from_client: requests, else answers.
 * Returns -1 when the connection must close.
 */
static int take_frames(struct conn *c, int from_client)
{
	struct buf *in = from_client ? &c->cin : &c->uin;
	int *raw = from_client ? &c->raw_c : &c->raw_u;

	for (;;) {
		size_t have = in->len - in->off;
		uint8_t *p = in->p + in->off;
		struct ta_frame_hdr h;
		int r;

		if (*raw) {
			if (have)
				buf_add(from_client ? &c->uout : &c->cout, p, have);
			buf_consume(in, have);
			return 0;
		}
		if (have < TA_FRAME_HDR_LEN)
			return 0;
		r = ta_frame_hdr_parse(p, have, &h);
		if (r) {
			logm("conn %d: %s frame header does not parse (%s): relaying bytes "
			     "unchanged from now on", c->id, from_client ? "request" : "answer",
			     ta_err_name(r));
			*raw = 1;
			continue;
		}
		if (have < TA_FRAME_HDR_LEN + (size_t)h.body_len)
			return 0;
		if (from_client) {
			on_request(c, p, TA_FRAME_HDR_LEN + h.body_len, h.kind);
		} else {
			on_answer(c, p, TA_FRAME_HDR_LEN + h.body_len, h.kind);
			if (c->closing) {
				buf_consume(in, in->len - in->off);
				return 0;
			}
		}
		buf_consume(in, TA_FRAME_HDR_LEN + h.body_len);
	}
}

static int read_into(int fd, struct buf *b)
{
	uint8_t tmp[65536];
	ssize_t r = read(fd, tmp, sizeof(tmp));

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 1 : -1;
	if (r == 0)
		return 0;
	buf_add(b, tmp, (size_t)r);
	return 1;
}

static int write_from(int fd, struct buf *b)
{
	while (b->len > b->off) {
		ssize_t w = write(fd, b->p + b->off, b->len - b->off);

		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		buf_consume(b, (size_t)w);
	}
	return 0;
}

static void print_counts(void)
{
	char line[512];
	int len = 0;

	for (int i = 0; i < A__COUNT; i++)
		len += snprintf(line + len, sizeof(line) - len, "%s%s %lu", i ? " " : "",
				act_names[i], counts[i]);
	logm("counts: %s; requests %lu answers %lu connections %lu", line, n_req, n_ans,
	     n_conns);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stats = 1;
	else
		want_exit = 1;
}

static int listen_on(const char *hostport, int *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256];
	const char *colon = strrchr(hostport, ':');
	int fd, one = 1;

	if (!colon || (size_t)(colon - hostport) >= sizeof(host))
		return -1;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = 0;
	if (getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &res))
		return -1;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 16)) {
		freeaddrinfo(res);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	freeaddrinfo(res);
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
		      ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void accept_one(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK), ufd, one = 1;
	struct conn *c = NULL;

	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CONNS; i++)
		if (!conns[i].used) {
			c = &conns[i];
			break;
		}
	if (!c) {
		logm("too many connections, refusing one");
		close(fd);
		return;
	}
	ufd = connect_upstream();
	if (ufd < 0) {
		logm("upstream %s: connect failed, closing the client", upstream);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(c, 0, sizeof(*c));
	c->used = 1;
	c->id = next_conn_id++;
	c->cfd = fd;
	c->ufd = ufd;
	n_conns++;
	logm("conn %d: new client, upstream connected", c->id);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: ta-mitm --listen HOST:PORT --upstream HOST:PORT --rules FILE "
		"[--log FILE] [--port-file FILE]\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "upstream", required_argument, NULL, 'u' },
		{ "rules", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'L' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen_at = NULL, *log_path = NULL, *port_file = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	int o, lfd, port;

	logf = stderr;
	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case 'l': listen_at = optarg; break;
		case 'u': upstream = optarg; break;
		case 'r': rules_path = optarg; break;
		case 'L': log_path = optarg; break;
		case 'p': port_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!listen_at || !upstream || !rules_path || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (log_path) {
		logf = fopen(log_path, "a");
		if (!logf) {
			fprintf(stderr, "ta-mitm: %s: %s\n", log_path, strerror(errno));
			return 1;
		}
	}
	if (sodium_init() < 0) {
		logm("libsodium failed to initialise");
		return 1;
	}
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].cfd = conns[i].ufd = -1;
	lfd = listen_on(listen_at, &port);
	if (lfd < 0) {
		logm("cannot listen on %s: %s", listen_at, strerror(errno));
		return 1;
	}
	if (port_file) {
		FILE *pf = fopen(port_file, "w");

		if (!pf || fprintf(pf, "%d\n", port) < 0 || fclose(pf)) {
			logm("%s: cannot write the port", port_file);
			return 1;
		}
	}
	load_rules();
	logm("listening on port %d, upstream %s, protocol %u", port, upstream,
	     (unsigned int)TA_PROTO_VERSION);

	while (!want_exit) {
		struct pollfd pf[1 + 2 * MAX_CONNS];
		int idx[1 + 2 * MAX_CONNS], np = 0, timeout = 1000;
		uint64_t now = now_ms();

		if (want_stats) {
			want_stats = 0;
			print_counts();
		}
		/* Delayed answers that are due. */
		for (int i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];
			size_t k = 0;

			if (!c->used)
				continue;
			for (size_t j = 0; j < c->ndl; j++) {
				if (c->dl[j].due_ms <= now) {
					send_client(c, c->dl[j].frame, c->dl[j].len);
					free(c->dl[j].frame);
				} else {
					uint64_t left = c->dl[j].due_ms - now;

					if (left < (uint64_t)timeout)
						timeout = (int)left;
					c->dl[k++] = c->dl[j];
				}
			}
			c->ndl = k;
		}
		pf[np].fd = lfd;
		pf[np].events = POLLIN;
		idx[np++] = -1;
		for (int i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];

			if (!c->used)
				continue;
			if (write_from(c->cfd, &c->cout)) {
				conn_close(c, "client write failed");
				continue;
			}
			if (c->ufd >= 0 && write_from(c->ufd, &c->uout)) {
				conn_close(c, "upstream write failed");
				continue;
			}
			if (c->closing && c->cout.len == c->cout.off) {
				conn_close(c, "truncated");
				continue;
			}
			pf[np].fd = c->cfd;
			pf[np].events = (c->closing ? 0 : POLLIN) |
					(c->cout.len > c->cout.off ? POLLOUT : 0);
			idx[np++] = i;
			if (c->ufd >= 0) {
				pf[np].fd = c->ufd;
				pf[np].events = POLLIN | (c->uout.len > c->uout.off ? POLLOUT : 0);
				idx[np++] = i;
			}
		}
		if (poll(pf, (nfds_t)np, timeout) < 0) {
			if (errno == EINTR)
				continue;
			logm("poll: %s", strerror(errno));
			break;
		}
		if (pf[0].revents & POLLIN)
			accept_one(lfd);
		for (int k = 1; k < np; k++) {
			struct conn *c = &conns[idx[k]];
			int from_client, r;

			if (!c->used || !pf[k].revents)
				continue;
			from_client = pf[k].fd == c->cfd;
			if (!from_client && pf[k].fd != c->ufd)
				continue;
			if (pf[k].revents & (POLLIN | POLLHUP | POLLERR)) {
				r = read_into(pf[k].fd, from_client ? &c->cin : &c->uin);
				if (r <= 0) {
					/* Whatever the member sent before closing still goes out. */
					if (!from_client && c->cout.len > c->cout.off) {
						write_from(c->cfd, &c->cout);
					}
					conn_close(c, r == 0 ? (from_client ? "client closed" :
						   "member closed") : "read error");
					continue;
				}
				take_frames(c, from_client);
			}
		}
	}
	print_counts();
	return 0;
}
