// SPDX-License-Identifier: GPL-2.0
/*
 * teearrayd member execution against REAL teedisk processes on loopback
 * (argv[1]: the teedisk binary, default build/test/teedisk-san).  Requests
 * go through the same engine the daemon uses (td_engine_submit), without
 * netlink.
 *
 * Covers: IDENTIFY, WRITE/READ/COPY/TRIM, death record (and a stale
 * version), FENCE and a fenced generation, wrong expected instance, member
 * restart (RESTARTED), killed member (UNREACHABLE), stopped member
 * (TIMEOUT), measurement pins and a refused simulated attestation
 * (ATTESTATION), unknown member, out-of-range refusal inside a batch, and
 * batching: many queued requests leave as few signed batches.  READs and
 * WRITEs of TEEARRAY_NL_MAX_SECTORS carry every byte in one command, need a
 * large buffer, and a worker splits what it took into batches of at most
 * TD_BATCH_DATA_SECTORS of data, in order.  WRITE_SHORT stores a record
 * of 1..4096 bytes and zeroes the rest of its sector.  Member 4 is
 * reached through ta-mitm (argv[2], default build/test/ta-mitm-san), which
 * forges, replays and cuts its answers: a lie costs the link (a new session,
 * the batch resent or known to have run), a persistent one costs the member
 * (ATTESTATION), and a forged error never fences (never FENCED).  A member
 * whose attested state counter went back is ROLLED_BACK.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "td-config.h"
#include "td-log.h"
#include "td-member.h"

#define SECTORS	128
#define NREQ	512

static const char *teedisk;
static char dir[] = "/tmp/teearrayd-member-XXXXXX";
static struct ta_key key;
static char pubhex[65], simpubhex[65], simkey_path[256];
static const char *array_s = "6a1b2c3d-0000-4000-8000-00000000000a";
static uint8_t array_u[16];

struct disk {
	pid_t pid;
	int port;
	uint32_t slot;
	char uuid[40];
	uint8_t uuid_u[16];
};

#define NDISKS	5
#define MITM	4	/* the member behind the proxy */

static struct disk disks[NDISKS];
static const char *mitm_bin;
static pid_t mitm_pid;
static int mitm_port;
static char rules_path[300];

/* ---- teedisk processes ------------------------------------------------------ */

/* The port a started program wrote to portfile (10 s at most), or -1. */
static int wait_port(const char *portfile)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	char buf[32];

	for (int i = 0; i < 500; i++) {
		FILE *f = fopen(portfile, "r");

		if (f) {
			int ok = fgets(buf, sizeof(buf), f) != NULL;

			fclose(f);
			if (ok && atoi(buf) > 0)
				return atoi(buf);
		}
		nanosleep(&ts, NULL);
	}
	return -1;
}

static int disk_start(struct disk *d, int port)
{
	char portfile[300], listen[64], sectors[16], slot[16];

	snprintf(portfile, sizeof(portfile), "%s/disk%u.port", dir, d->slot);
	unlink(portfile);
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", port);
	snprintf(sectors, sizeof(sectors), "%d", SECTORS);
	snprintf(slot, sizeof(slot), "%u", d->slot);
	d->pid = fork();
	if (d->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(teedisk, teedisk, "--listen", listen, "--sectors", sectors, "--array",
		      array_s, "--slot", slot, "--authorized-key", pubhex, "--attest", "sim",
		      "--sim-key", simkey_path, "--port-file", portfile, "--allow-unlocked",
		      (char *)NULL);
		_exit(127);
	}
	d->port = wait_port(portfile);
	if (d->port > 0)
		return 0;
	printf("#   teedisk slot %u did not start\n", d->slot);
	return -1;
}

static void disk_kill(struct disk *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	d->pid = 0;
}

/* ---- requests -------------------------------------------------------------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static unsigned long done_count;
static struct td_request reqs[NREQ];
static int done[NREQ];

static unsigned long deliveries;

static void on_complete(struct td_request *r, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	deliveries++;
	for (; r; r = r->next) {
		done[r - reqs] = 1;
		done_count++;
	}
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

/* Waits until every request in ptrs is complete (20 s at most). */
static int wait_all(struct td_request **ptrs, unsigned int n)
{
	struct timespec until;
	int ok = 1;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 20;
	pthread_mutex_lock(&lock);
	for (unsigned int i = 0; i < n && ok; i++)
		while (!done[ptrs[i] - reqs])
			if (pthread_cond_timedwait(&cond, &lock, &until) == ETIMEDOUT) {
				ok = 0;
				break;
			}
	pthread_mutex_unlock(&lock);
	if (!ok)
		printf("#   requests did not complete in 20 s\n");
	return ok;
}

static unsigned int next_req;

static struct td_request *req_new(const struct disk *d, uint32_t op)
{
	struct td_request *r = &reqs[next_req++ % NREQ];

	memset(r, 0, sizeof(*r));
	done[r - reqs] = 0;
	r->nl.req_id = next_req;
	memcpy(r->nl.array, array_u, 16);
	memcpy(r->nl.member, d->uuid_u, 16);
	r->nl.slot = d->slot;
	r->nl.op = op;
	r->nl.count = 1;
	return r;
}

/* Current identity of each member, as the kernel would remember it. */
static uint8_t inst[NDISKS][16];
static uint64_t gen[NDISKS];

static void set_ident(struct td_request *r, const struct disk *d)
{
	if (r->nl.op != TEEARRAY_OP_IDENTIFY) {
		r->nl.have_instance = 1;
		memcpy(r->nl.instance, inst[d->slot], 16);
	}
	r->nl.generation = gen[d->slot];
}

static struct td_engine eng;

static struct td_request *run1(struct td_request *r)
{
	td_engine_submit(&eng, &r, 1);
	wait_all(&r, 1);
	return r;
}

static struct td_request *op_rw(const struct disk *d, uint32_t op, uint64_t sector,
				uint64_t arg, const uint8_t *data)
{
	struct td_request *r = req_new(d, op);

	set_ident(r, d);
	r->nl.sector = sector;
	r->nl.arg = arg;
	if (data)
		memcpy(td_req_buf(r), data, 4096);
	return r;
}

static uint32_t identify(const struct disk *d)
{
	struct td_request *r = req_new(d, TEEARRAY_OP_IDENTIFY);

	run1(r);
	if (r->status == TEEARRAY_ST_OK) {
		memcpy(inst[d->slot], r->instance, 16);
		gen[d->slot] = r->generation;
	}
	return r->status;
}

static unsigned long long batches(const struct disk *d)
{
	return atomic_load(&td_engine_member(&eng, d->uuid_u)->stats.batches);
}

static void pattern(uint8_t *b, unsigned int seed)
{
	for (unsigned int i = 0; i < 4096; i++)
		b[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_basic(void)
{
	struct disk *d = &disks[0];
	struct td_request *r;
	uint8_t a[4096], b[4096], zero[4096] = { 0 };
	static const uint8_t nil[16];

	tap_begin();
	r = req_new(d, TEEARRAY_OP_IDENTIFY);
	run1(r);
	CHECK(r->status == TEEARRAY_ST_OK && r->have_identity);
	CHECK(r->member_sectors == SECTORS);
	CHECK(memcmp(r->instance, nil, 16) != 0);
	memcpy(inst[0], r->instance, 16);
	gen[0] = r->generation;
	tap_end("member: IDENTIFY gives instance, %d sectors and generation %llu", SECTORS,
		(unsigned long long)gen[0]);

	tap_begin();
	pattern(a, 1);
	r = run1(op_rw(d, TEEARRAY_OP_WRITE, 3, 0, a));
	CHECK(r->status == TEEARRAY_ST_OK && r->out_len == 0);
	r = run1(op_rw(d, TEEARRAY_OP_READ, 3, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK && r->out_len == 4096 && !memcmp(td_req_buf(r), a, 4096));
	tap_end("member: WRITE then attested READ returns the data");

	tap_begin();
	r = op_rw(d, TEEARRAY_OP_COPY, 3, 10, NULL);
	run1(r);
	CHECK(r->status == TEEARRAY_ST_OK);
	r = run1(op_rw(d, TEEARRAY_OP_READ, 10, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK && !memcmp(td_req_buf(r), a, 4096));
	r = run1(op_rw(d, TEEARRAY_OP_TRIM, 3, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK);
	r = run1(op_rw(d, TEEARRAY_OP_READ, 3, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK && !memcmp(td_req_buf(r), zero, 4096));
	tap_end("member: COPY duplicates a sector on the member, TRIM zeroes it");

	tap_begin();
	memset(b, 0x5c, sizeof(b));
	ta_put64(b, 7);
	r = run1(op_rw(d, TEEARRAY_OP_DEATH_WRITE, 0, 7, b));
	CHECK(r->status == TEEARRAY_ST_OK);
	r = run1(op_rw(d, TEEARRAY_OP_DEATH_READ, 0, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK && r->out_len == 4096 && !memcmp(td_req_buf(r), b, 4096));
	r = run1(op_rw(d, TEEARRAY_OP_DEATH_WRITE, 0, 7, b));
	CHECK(r->status == TEEARRAY_ST_STALE_VERSION && r->ta_err == TA_E_DEATH_VERSION);
	ta_put64(b, 6);
	r = run1(op_rw(d, TEEARRAY_OP_DEATH_WRITE, 0, 6, b));
	CHECK(r->status == TEEARRAY_ST_STALE_VERSION);
	r = run1(op_rw(d, TEEARRAY_OP_DEATH_READ, 0, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK && ta_get64(td_req_buf(r)) == 7);
	tap_end("member: death record written, read back; equal or lower version is STALE_VERSION");

	tap_begin();
	r = run1(op_rw(d, TEEARRAY_OP_READ, SECTORS, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_REJECTED && r->ta_err == TA_E_RANGE && r->out_len == 0);
	r = run1(op_rw(d, TEEARRAY_OP_READ, 10, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK && !memcmp(td_req_buf(r), a, 4096));
	tap_end("member: out-of-range READ is REJECTED and the member keeps serving");

	tap_begin();
	r = op_rw(d, TEEARRAY_OP_WRITE, 5, 0, a);
	r->nl.instance[0] ^= 1;
	run1(r);
	CHECK(r->status == TEEARRAY_ST_RESTARTED);
	r = run1(op_rw(d, TEEARRAY_OP_READ, 5, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK && !memcmp(td_req_buf(r), zero, 4096));
	tap_end("member: a request for another instance id is RESTARTED and not executed");
}

static void test_batching(void)
{
	struct disk *d = &disks[0];
	struct td_request *p[200];
	unsigned long long b0 = batches(d);
	unsigned long dl0;
	uint8_t a[4096];
	int ok = 1;

	tap_begin();
	pthread_mutex_lock(&lock);
	dl0 = deliveries;
	pthread_mutex_unlock(&lock);
	for (unsigned int i = 0; i < 100; i++) {
		pattern(a, 100 + i);
		p[i] = op_rw(d, TEEARRAY_OP_WRITE, i, 0, a);
	}
	td_engine_submit(&eng, p, 100);
	CHECK(wait_all(p, 100));
	for (unsigned int i = 0; i < 100; i++)
		ok &= p[i]->status == TEEARRAY_ST_OK;
	CHECK(ok);
	/* batch-max 64: 100 queued requests need exactly 2 signatures. */
	CHECK(batches(d) - b0 == 2);
	if (batches(d) - b0 != 2)
		printf("#   %llu batches\n", batches(d) - b0);
	/* The answers of one signed batch are delivered together. */
	pthread_mutex_lock(&lock);
	CHECK(deliveries - dl0 == 2);
	pthread_mutex_unlock(&lock);
	b0 = batches(d);
	for (unsigned int i = 0; i < 100; i++)
		p[i] = op_rw(d, TEEARRAY_OP_READ, i, 0, NULL);
	td_engine_submit(&eng, p, 100);
	CHECK(wait_all(p, 100));
	ok = 1;
	for (unsigned int i = 0; i < 100; i++) {
		pattern(a, 100 + i);
		ok &= p[i]->status == TEEARRAY_ST_OK && !memcmp(td_req_buf(p[i]), a, 4096);
	}
	CHECK(ok);
	CHECK(batches(d) - b0 == 2);
	tap_end("member: 100 queued writes and 100 reads leave as 2 signed batches each, data intact");

	tap_begin();
	b0 = batches(d);
	for (unsigned int i = 0; i < 10; i++) {
		pattern(a, 300 + i);
		p[i] = op_rw(d, TEEARRAY_OP_WRITE, 20 + i, 0, a);
	}
	p[4]->nl.sector = SECTORS + 1;	/* the member refuses this one */
	td_engine_submit(&eng, p, 10);
	CHECK(wait_all(p, 10));
	for (unsigned int i = 0; i < 10; i++)
		CHECK(p[i]->status == (i == 4 ? TEEARRAY_ST_REJECTED : TEEARRAY_ST_OK));
	CHECK(batches(d) - b0 == 2);	/* refused batch, then the nine again */
	for (unsigned int i = 0; i < 10; i++)
		p[i] = op_rw(d, TEEARRAY_OP_READ, 20 + i, 0, NULL);
	td_engine_submit(&eng, p, 10);
	CHECK(wait_all(p, 10));
	for (unsigned int i = 0; i < 10; i++) {
		pattern(a, 300 + i);
		if (i != 4)
			CHECK(p[i]->status == TEEARRAY_ST_OK && !memcmp(td_req_buf(p[i]), a, 4096));
	}
	tap_end("member: one refused command in a batch fails alone; the other nine are applied");
}

/* ---- requests of several sectors ------------------------------------------------ */

#define MAXS	TEEARRAY_NL_MAX_SECTORS
#define NBIG	128

/* The large buffers the daemon would take from its free list. */
static uint8_t bigbuf[NBIG][TD_REQ_DATA_MAX];

static struct td_request *op_big(const struct disk *d, uint32_t op, uint64_t sector,
				 uint32_t count, unsigned int b)
{
	struct td_request *r = req_new(d, op);

	set_ident(r, d);
	r->nl.sector = sector;
	r->nl.count = count;
	r->big = bigbuf[b % NBIG];
	return r;
}

/* Sector k of the buffer holds seed + k's pattern. */
static void fill_run(uint8_t *b, uint32_t count, unsigned int seed)
{
	for (uint32_t k = 0; k < count; k++)
		pattern(b + (size_t)k * 4096, seed + k);
}

static int holds_run(const uint8_t *b, uint32_t count, unsigned int seed)
{
	uint8_t a[4096];

	for (uint32_t k = 0; k < count; k++) {
		pattern(a, seed + k);
		if (memcmp(b + (size_t)k * 4096, a, 4096))
			return 0;
	}
	return 1;
}

static void test_large(void)
{
	struct disk *d = &disks[0];
	struct td_request *r, *p[MAXS];
	unsigned long long b0;
	int ok = 1;

	tap_begin();
	r = op_big(d, TEEARRAY_OP_WRITE, 40, MAXS, 0);
	fill_run(td_req_buf(r), MAXS, 500);
	CHECK(td_req_buf_size(r) == MAXS * 4096);
	run1(r);
	CHECK(r->status == TEEARRAY_ST_OK && r->out_len == 0);
	memset(bigbuf[1], 0xee, sizeof(bigbuf[1]));
	r = run1(op_big(d, TEEARRAY_OP_READ, 40, MAXS, 1));
	CHECK(r->status == TEEARRAY_ST_OK && r->out_len == MAXS * 4096 &&
	      holds_run(td_req_buf(r), MAXS, 500));
	for (unsigned int k = 0; k < MAXS; k++)
		p[k] = op_rw(d, TEEARRAY_OP_READ, 40 + k, 0, NULL);
	td_engine_submit(&eng, p, MAXS);
	CHECK(wait_all(p, MAXS));
	for (unsigned int k = 0; k < MAXS; k++)
		ok &= p[k]->status == TEEARRAY_ST_OK && p[k]->out_len == 4096 &&
		      holds_run(td_req_buf(p[k]), 1, 500 + k);
	CHECK(ok);
	tap_end("member: a WRITE of %u sectors, then one READ of %u returns every byte; "
		"one-sector READs see each sector", MAXS, MAXS);

	tap_begin();
	ok = 1;
	for (unsigned int k = 0; k < MAXS; k++) {
		uint8_t a[4096];

		pattern(a, 700 + k);
		p[k] = op_rw(d, TEEARRAY_OP_WRITE, 60 + k, 0, a);
	}
	td_engine_submit(&eng, p, MAXS);
	CHECK(wait_all(p, MAXS));
	for (unsigned int k = 0; k < MAXS; k++)
		ok &= p[k]->status == TEEARRAY_ST_OK;
	CHECK(ok);
	r = run1(op_big(d, TEEARRAY_OP_READ, 60, MAXS, 2));
	CHECK(r->status == TEEARRAY_ST_OK && r->out_len == MAXS * 4096 &&
	      holds_run(td_req_buf(r), MAXS, 700));
	r = run1(op_big(d, TEEARRAY_OP_READ, 62, 3, 3));
	CHECK(r->status == TEEARRAY_ST_OK && r->out_len == 3 * 4096 &&
	      holds_run(td_req_buf(r), 3, 702));
	tap_end("member: %u one-sector WRITEs read back by one READ of %u (and one of 3)",
		MAXS, MAXS);

	tap_begin();
	b0 = batches(d);
	r = op_big(d, TEEARRAY_OP_READ, 40, MAXS, 4);
	r->big = NULL;
	run1(r);
	CHECK(r->status == TEEARRAY_ST_INTERNAL && r->out_len == 0);
	r = op_big(d, TEEARRAY_OP_WRITE, 40, 2, 4);
	r->big = NULL;
	run1(r);
	CHECK(r->status == TEEARRAY_ST_INTERNAL);
	CHECK(batches(d) == b0);
	r = run1(op_big(d, TEEARRAY_OP_READ, 40, MAXS, 5));
	CHECK(r->status == TEEARRAY_ST_OK && holds_run(td_req_buf(r), MAXS, 500));
	tap_end("member: a READ or WRITE of several sectors without a large buffer fails "
		"INTERNAL, unsent, and corrupts nothing");
}

/* ---- WRITE_SHORT: a journal record, not a sector ------------------------------ */

static struct td_request *op_short(const struct disk *d, uint64_t sector, const uint8_t *rec,
				   uint32_t len)
{
	struct td_request *r = req_new(d, TEEARRAY_OP_WRITE_SHORT);

	set_ident(r, d);
	r->nl.sector = sector;
	r->nl.data_len = len;
	memcpy(td_req_buf(r), rec, len <= TD_REQ_SMALL ? len : TD_REQ_SMALL);
	return r;
}

/* buf holds rec[0..len) and then zeroes. */
static int holds_short(const uint8_t *buf, const uint8_t *rec, uint32_t len)
{
	if (memcmp(buf, rec, len))
		return 0;
	for (uint32_t i = len; i < 4096; i++)
		if (buf[i])
			return 0;
	return 1;
}

static void test_write_short(void)
{
	enum { NS = 40, FIRST = 80, ONE = 125 };
	struct disk *d = &disks[0];
	struct td_request *r, *p[NS];
	uint8_t a[4096], rec[4096];
	unsigned long long b0;
	int ok = 1;

	for (unsigned int i = 0; i < sizeof(rec); i++)
		rec[i] = (uint8_t)(0x80 | (i * 3));	/* no zero byte */

	tap_begin();
	pattern(a, 77);
	r = run1(op_rw(d, TEEARRAY_OP_WRITE, ONE, 0, a));
	CHECK(r->status == TEEARRAY_ST_OK);
	r = run1(op_short(d, ONE, rec, 100));
	CHECK(r->status == TEEARRAY_ST_OK && r->out_len == 0);
	r = run1(op_rw(d, TEEARRAY_OP_READ, ONE, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK && r->out_len == 4096 &&
	      holds_short(td_req_buf(r), rec, 100));
	/* NS records of different sizes queued together: one signed batch. */
	b0 = batches(d);
	for (unsigned int i = 0; i < NS; i++)
		p[i] = op_short(d, FIRST + i, rec + i, 1 + i * 97);
	td_engine_submit(&eng, p, NS);
	CHECK(wait_all(p, NS));
	for (unsigned int i = 0; i < NS; i++)
		ok &= p[i]->status == TEEARRAY_ST_OK && p[i]->out_len == 0;
	CHECK(ok);
	CHECK(batches(d) - b0 == 1);
	for (unsigned int i = 0; i < NS; i++)
		p[i] = op_rw(d, TEEARRAY_OP_READ, FIRST + i, 0, NULL);
	td_engine_submit(&eng, p, NS);
	CHECK(wait_all(p, NS));
	ok = 1;
	for (unsigned int i = 0; i < NS; i++)
		ok &= p[i]->status == TEEARRAY_ST_OK && holds_short(td_req_buf(p[i]), rec + i,
								     1 + i * 97);
	CHECK(ok);
	tap_end("member: WRITE_SHORT of 100 bytes over a written sector reads back as them and "
		"zeroes; %u records of 1..%u bytes go in one signed batch", NS, 1 + (NS - 1) * 97);

	tap_begin();
	b0 = batches(d);
	r = op_short(d, ONE, rec, 0);
	run1(r);
	CHECK(r->status == TEEARRAY_ST_INTERNAL);
	r = op_short(d, ONE, rec, 4097);
	run1(r);
	CHECK(r->status == TEEARRAY_ST_INTERNAL);
	r = op_short(d, ONE, rec, 10);
	r->nl.count = 2;
	run1(r);
	CHECK(r->status == TEEARRAY_ST_INTERNAL);
	CHECK(batches(d) == b0);
	r = run1(op_short(d, SECTORS, rec, 10));
	CHECK(r->status == TEEARRAY_ST_REJECTED && r->ta_err == TA_E_RANGE);
	r = run1(op_rw(d, TEEARRAY_OP_READ, ONE, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK && holds_short(td_req_buf(r), rec, 100));
	tap_end("member: a WRITE_SHORT of 0 or 4097 bytes or COUNT 2 fails INTERNAL unsent; past "
		"the end is REJECTED; nothing changes");
}

/*
 * The batch data budget: an engine of its own (batch-max 200) on member 3,
 * which the main engine no longer uses.
 */
static void test_budget(void)
{
	struct disk *d = &disks[3];
	enum { NW = 70, NR = 100, SPAN = SECTORS - MAXS };
	static unsigned int model[SECTORS];
	static struct td_request *p[NR];
	struct td_config cfg;
	struct td_engine e3;
	char text[1024], err[256];
	struct td_request *r;
	unsigned long long b0;
	int ok = 1;

	snprintf(text, sizeof(text),
		 "signing-key file:/unused\npolicy allow-simulated yes\npolicy sim-pubkey %s\n"
		 "member-timeout 5s\nbatch-max 200\nmember %s %s 3 127.0.0.1:%d\n",
		 simpubhex, d->uuid, array_s, d->port);
	if (td_config_parse("e3", text, &cfg, err, sizeof(err)) ||
	    td_engine_start(&e3, &cfg, &key, on_complete, NULL)) {
		printf("#   engine e3: %s\n", err);
		for (int i = 0; i < 3; i++) {
			tap_begin();
			CHECK(0);
			tap_end("member: batch budget (no engine)");
		}
		return;
	}
	r = req_new(d, TEEARRAY_OP_IDENTIFY);
	td_engine_submit(&e3, &r, 1);
	wait_all(&r, 1);
	if (r->status == TEEARRAY_ST_OK) {
		memcpy(inst[3], r->instance, 16);
		gen[3] = r->generation;
	}

	tap_begin();
	/* 70 writes of 15 sectors, overlapping: 1050 sectors, over the budget of 1024. */
	for (unsigned int i = 0; i < NW; i++) {
		uint64_t s = (i * 37u) % SPAN;

		p[i] = op_big(d, TEEARRAY_OP_WRITE, s, MAXS, i);
		fill_run(td_req_buf(p[i]), MAXS, 10000 + i * 100);
		for (unsigned int k = 0; k < MAXS; k++)
			model[s + k] = 10000 + i * 100 + k;
	}
	b0 = atomic_load(&e3.members[0].stats.batches);
	td_engine_submit(&e3, p, NW);
	CHECK(wait_all(p, NW));
	for (unsigned int i = 0; i < NW; i++)
		ok &= p[i]->status == TEEARRAY_ST_OK;
	CHECK(ok);
	CHECK(NW * MAXS > TD_BATCH_DATA_SECTORS);
	CHECK(atomic_load(&e3.members[0].stats.batches) - b0 == 2);
	printf("#   %u writes of %u sectors in %llu signed batches\n", NW, MAXS,
	       atomic_load(&e3.members[0].stats.batches) - b0);
	/* Applied in order: every sector holds the last write that covered it. */
	ok = 1;
	for (unsigned int s = 0; s < SECTORS; s += MAXS) {
		uint32_t c = SECTORS - s < MAXS ? SECTORS - s : MAXS;

		r = op_big(d, TEEARRAY_OP_READ, s, c, 100 + s / MAXS);
		td_engine_submit(&e3, &r, 1);
		ok &= wait_all(&r, 1) && r->status == TEEARRAY_ST_OK;
		for (uint32_t k = 0; k < c && ok; k++)
			if (model[s + k])
				ok &= holds_run(td_req_buf(r) + (size_t)k * 4096, 1, model[s + k]);
	}
	CHECK(ok);
	tap_end("member: %u WRITEs of %u sectors go in 2 signed batches (data budget %u "
		"sectors), applied in order", NW, MAXS, TD_BATCH_DATA_SECTORS);

	tap_begin();
	for (unsigned int i = 0; i < NR; i++)
		p[i] = op_big(d, TEEARRAY_OP_READ, (i * 11u) % SPAN, MAXS, i);
	b0 = atomic_load(&e3.members[0].stats.batches);
	td_engine_submit(&e3, p, NR);
	CHECK(wait_all(p, NR));
	ok = 1;
	for (unsigned int i = 0; i < NR; i++) {
		uint64_t s = (i * 11u) % SPAN;

		ok &= p[i]->status == TEEARRAY_ST_OK && p[i]->out_len == MAXS * 4096;
		for (unsigned int k = 0; k < MAXS && ok; k++)
			if (model[s + k])
				ok &= holds_run(td_req_buf(p[i]) + (size_t)k * 4096, 1,
						model[s + k]);
	}
	CHECK(ok);
	CHECK(atomic_load(&e3.members[0].stats.batches) - b0 == 2);
	printf("#   %u reads of %u sectors in %llu signed batches\n", NR, MAXS,
	       atomic_load(&e3.members[0].stats.batches) - b0);
	tap_end("member: %u queued READs of %u sectors all complete with the right data, in 2 "
		"signed batches (data budget)", NR, MAXS);

	tap_begin();
	/*
	 * 68 WRITEs of 15 sectors (1020 of the 1024) and WRITE_SHORTs of 2000
	 * bytes: the budget counts a record's bytes, so 8 of them still fit one
	 * batch and 9 do not.
	 */
	for (unsigned int round = 0; round < 2; round++) {
		static uint8_t rec[2000];
		unsigned int n = 0, nshort = round ? 9 : 8;

		memset(rec, 0x3a + round, sizeof(rec));
		for (unsigned int i = 0; i < 68; i++) {
			p[n] = op_big(d, TEEARRAY_OP_WRITE, (i * 37u) % SPAN, MAXS, i);
			fill_run(td_req_buf(p[n]), MAXS, 20000 + i * 100);
			n++;
		}
		for (unsigned int i = 0; i < nshort; i++)
			p[n++] = op_short(d, SPAN + i, rec, sizeof(rec));
		b0 = atomic_load(&e3.members[0].stats.batches);
		td_engine_submit(&e3, p, n);
		CHECK(wait_all(p, n));
		ok = 1;
		for (unsigned int i = 0; i < n; i++)
			ok &= p[i]->status == TEEARRAY_ST_OK;
		CHECK(ok);
		CHECK(atomic_load(&e3.members[0].stats.batches) - b0 == (round ? 2 : 1));
		printf("#   68 writes of %u sectors and %u records of %zu bytes in %llu signed "
		       "batches\n", MAXS, nshort, sizeof(rec),
		       atomic_load(&e3.members[0].stats.batches) - b0);
	}
	r = op_big(d, TEEARRAY_OP_READ, SPAN, MAXS, 0);
	td_engine_submit(&e3, &r, 1);
	CHECK(wait_all(&r, 1) && r->status == TEEARRAY_ST_OK);
	{
		uint8_t want[2000];

		memset(want, 0x3b, sizeof(want));
		for (unsigned int k = 0; k < 9; k++)
			ok &= holds_short(td_req_buf(r) + (size_t)k * 4096, want, sizeof(want));
		CHECK(ok);
	}
	tap_end("member: WRITE_SHORTs count their bytes in the data budget (68 WRITEs of %u "
		"sectors and 8 records of 2000 bytes: 1 batch; 9 records: 2)", MAXS);
	td_engine_stop(&e3);
	td_config_free(&cfg);
}

static void test_fence(void)
{
	struct disk *d = &disks[0];
	struct td_request *r, *p[3];
	uint64_t g = gen[0];
	uint8_t a[4096];

	tap_begin();
	r = op_rw(d, TEEARRAY_OP_FENCE, 0, g + 5, NULL);
	run1(r);
	CHECK(r->status == TEEARRAY_ST_OK);
	pattern(a, 9);
	r = run1(op_rw(d, TEEARRAY_OP_WRITE, 1, 0, a));
	CHECK(r->status == TEEARRAY_ST_FENCED && r->ta_err == TA_E_STALE_GENERATION);
	gen[0] = g + 5;
	r = run1(op_rw(d, TEEARRAY_OP_WRITE, 1, 0, a));
	CHECK(r->status == TEEARRAY_ST_OK);
	r = run1(op_rw(d, TEEARRAY_OP_FENCE, 0, g + 5, NULL));
	CHECK(r->status == TEEARRAY_ST_FENCED);
	CHECK(identify(d) == TEEARRAY_ST_OK && gen[0] == g + 5);
	tap_end("member: FENCE raises the generation; the old generation is FENCED");

	tap_begin();
	/* Old-generation write, fence, new-generation write in one submission. */
	p[0] = op_rw(d, TEEARRAY_OP_WRITE, 2, 0, a);
	p[1] = op_rw(d, TEEARRAY_OP_FENCE, 0, g + 6, NULL);
	p[2] = op_rw(d, TEEARRAY_OP_WRITE, 2, 0, a);
	p[2]->nl.generation = g + 6;
	td_engine_submit(&eng, p, 3);
	CHECK(wait_all(p, 3));
	CHECK(p[0]->status == TEEARRAY_ST_OK && p[1]->status == TEEARRAY_ST_OK &&
	      p[2]->status == TEEARRAY_ST_OK);
	gen[0] = g + 6;
	tap_end("member: a generation change and a FENCE split the queue into ordered batches");
}

static void test_config_checks(void)
{
	struct td_request *r;
	struct disk ghost = { .slot = 0 };

	tap_begin();
	ta_uuid_parse(ghost.uuid_u, "99999999-2222-3333-4444-555555555555");
	r = run1(op_rw(&ghost, TEEARRAY_OP_READ, 0, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_UNKNOWN_MEMBER);
	r = op_rw(&disks[0], TEEARRAY_OP_READ, 0, 0, NULL);
	r->nl.slot = 1;
	run1(r);
	CHECK(r->status == TEEARRAY_ST_UNKNOWN_MEMBER);
	r = op_rw(&disks[0], TEEARRAY_OP_READ, 0, 0, NULL);
	r->nl.array[3] ^= 1;
	run1(r);
	CHECK(r->status == TEEARRAY_ST_UNKNOWN_MEMBER);
	tap_end("member: unknown member, or known member with another slot or array: UNKNOWN_MEMBER");

	tap_begin();
	{
		unsigned long long b0 = batches(&disks[0]);

		r = op_rw(&disks[0], TEEARRAY_OP_READ, 0, 0, NULL);
		r->deadline_ms = td_now_ms() - 1;
		run1(r);
		/* Never sent: the daemon's queue, not the member, was slow. */
		CHECK(r->status == TEEARRAY_ST_QUEUED && batches(&disks[0]) == b0);
		/* The kernel's TIMEOUT_MS is the deadline, not member-timeout. */
		{
			uint64_t t0 = td_now_ms(), t1;

			r = op_rw(&disks[0], TEEARRAY_OP_READ, 0, 0, NULL);
			r->nl.timeout_ms = 4321;
			run1(r);
			t1 = td_now_ms();
			CHECK(r->status == TEEARRAY_ST_OK);
			CHECK(r->deadline_ms >= t0 + 4321 && r->deadline_ms <= t1 + 4321);
			b0 = batches(&disks[0]);
		}
		td_engine_set_epoch(&eng, 3);
		r = op_rw(&disks[0], TEEARRAY_OP_READ, 0, 0, NULL);
		r->epoch = 2;
		run1(r);
		CHECK(r->cancelled && batches(&disks[0]) == b0);
		td_engine_set_epoch(&eng, 0);
	}
	tap_end("member: an expired request is QUEUED unsent; the kernel's timeout is the deadline; an old epoch's request is dropped");
}

static void test_attestation(void)
{
	struct td_request *r;

	tap_begin();
	CHECK(identify(&disks[2]) == TEEARRAY_ST_ATTESTATION);
	r = req_new(&disks[2], TEEARRAY_OP_IDENTIFY);
	run1(r);
	CHECK(r->status == TEEARRAY_ST_ATTESTATION && r->ta_err == TA_E_ATTEST_MEASUREMENT &&
	      !r->have_identity);
	/* Within the reconnect backoff a request gets the same cause. */
	r = op_rw(&disks[2], TEEARRAY_OP_READ, 0, 0, NULL);
	memset(r->nl.instance, 1, 16);
	run1(r);
	CHECK(r->status == TEEARRAY_ST_ATTESTATION && r->ta_err == TA_E_ATTEST_MEASUREMENT &&
	      r->out_len == 0);
	tap_end("member: a wrong measurement pin gives ATTESTATION and no data, "
		"also to requests during the reconnect backoff");

	tap_begin();
	CHECK(identify(&disks[3]) == TEEARRAY_ST_OK);
	tap_end("member: the right measurement pin identifies");
}

/* A second engine whose policy refuses simulated attestation. */
static void test_policy_refuses_sim(void)
{
	struct td_config cfg;
	struct td_engine e2;
	char text[1024], err[256];
	struct td_request *r;

	tap_begin();
	snprintf(text, sizeof(text),
		 "signing-key file:/unused\npolicy allow-simulated no\n"
		 "member %s %s 0 127.0.0.1:%d\n", disks[0].uuid, array_s, disks[0].port);
	CHECK(td_config_parse("e2", text, &cfg, err, sizeof(err)) == 0);
	CHECK(td_engine_start(&e2, &cfg, &key, on_complete, NULL) == 0);
	r = req_new(&disks[0], TEEARRAY_OP_IDENTIFY);
	td_engine_submit(&e2, &r, 1);
	wait_all(&r, 1);
	CHECK(r->status == TEEARRAY_ST_ATTESTATION && r->ta_err == TA_E_ATTEST_SIMULATED);
	td_engine_stop(&e2);
	td_config_free(&cfg);
	tap_end("member: simulated attestation refused by policy gives ATTESTATION");
}

static void test_restart_and_death(void)
{
	struct disk *d = &disks[1];
	struct td_request *r;
	uint8_t a[4096], old[16];
	int port = d->port;
	uint64_t t0;

	tap_begin();
	CHECK(identify(d) == TEEARRAY_ST_OK);
	pattern(a, 77);
	r = run1(op_rw(d, TEEARRAY_OP_WRITE, 0, 0, a));
	CHECK(r->status == TEEARRAY_ST_OK);
	memcpy(old, inst[1], 16);
	disk_kill(d);
	CHECK(disk_start(d, port) == 0);
	r = run1(op_rw(d, TEEARRAY_OP_READ, 0, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_RESTARTED && r->out_len == 0);
	r = run1(op_rw(d, TEEARRAY_OP_WRITE, 0, 0, a));
	CHECK(r->status == TEEARRAY_ST_RESTARTED);
	CHECK(identify(d) == TEEARRAY_ST_OK && memcmp(old, inst[1], 16));
	r = run1(op_rw(d, TEEARRAY_OP_READ, 0, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_OK && td_req_buf(r)[0] == 0 && td_req_buf(r)[100] == 0);
	tap_end("member: a restarted teedisk answers RESTARTED, then identifies with a new instance");

	tap_begin();
	disk_kill(d);
	t0 = td_now_ms();
	r = run1(op_rw(d, TEEARRAY_OP_WRITE, 0, 0, a));
	CHECK(r->status == TEEARRAY_ST_UNREACHABLE);
	r = run1(op_rw(d, TEEARRAY_OP_READ, 0, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_UNREACHABLE && r->out_len == 0);
	r = req_new(d, TEEARRAY_OP_IDENTIFY);
	run1(r);
	CHECK(r->status == TEEARRAY_ST_UNREACHABLE);
	CHECK(td_now_ms() - t0 < 2000);
	tap_end("member: a killed teedisk is UNREACHABLE at once (no wait for the timeout)");

	tap_begin();
	CHECK(disk_start(d, port) == 0);
	{
		struct timespec ts = { 0, 300 * 1000 * 1000 };

		nanosleep(&ts, NULL);	/* past the first reconnect backoff */
	}
	CHECK(identify(d) == TEEARRAY_ST_OK);
	r = run1(op_rw(d, TEEARRAY_OP_WRITE, 0, 0, a));
	CHECK(r->status == TEEARRAY_ST_OK);
	tap_end("member: a member that comes back is reconnected after the backoff");
}

static void test_timeout(void)
{
	struct disk *d = &disks[0];
	struct td_request *r;
	uint8_t a[4096];
	uint64_t t0, dt;

	tap_begin();
	pattern(a, 5);
	kill(d->pid, SIGSTOP);
	t0 = td_now_ms();
	r = run1(op_rw(d, TEEARRAY_OP_WRITE, 50, 0, a));
	dt = td_now_ms() - t0;
	CHECK(r->status == TEEARRAY_ST_TIMEOUT);
	CHECK(dt >= 900 && dt < 3000);
	if (r->status != TEEARRAY_ST_TIMEOUT || dt < 900 || dt >= 3000)
		printf("#   status %s after %llu ms\n", td_nl_status_name(r->status),
		       (unsigned long long)dt);
	/* Slow is not unreachable: the next requests wait their timeout too. */
	r = run1(op_rw(d, TEEARRAY_OP_READ, 50, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_TIMEOUT);
	r = run1(op_rw(d, TEEARRAY_OP_READ, 50, 0, NULL));
	CHECK(r->status == TEEARRAY_ST_TIMEOUT);
	kill(d->pid, SIGCONT);
	{
		struct timespec ts = { 0, 300 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	CHECK(identify(d) == TEEARRAY_ST_OK);
	r = run1(op_rw(d, TEEARRAY_OP_WRITE, 50, 0, a));
	CHECK(r->status == TEEARRAY_ST_OK);
	tap_end("member: a stopped teedisk gives TIMEOUT after member-timeout (1 s), never UNREACHABLE; it recovers");
}

/* ---- member 4 behind a lying proxy ---------------------------------------------- */

static void rules(const char *text)
{
	char tmp[320];
	FILE *f;

	/* A new file each time: the proxy rereads it when its inode changes. */
	snprintf(tmp, sizeof(tmp), "%s.new", rules_path);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, rules_path))
		printf("#   cannot write %s\n", rules_path);
}

static int mitm_start(void)
{
	char portfile[300], listen[] = "127.0.0.1:0", up[64];

	snprintf(portfile, sizeof(portfile), "%s/mitm.port", dir);
	snprintf(rules_path, sizeof(rules_path), "%s/mitm.rules", dir);
	snprintf(up, sizeof(up), "127.0.0.1:%d", disks[MITM].port);
	rules("");
	mitm_pid = fork();
	if (mitm_pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(mitm_bin, mitm_bin, "--listen", listen, "--upstream", up, "--rules",
		      rules_path, "--port-file", portfile, (char *)NULL);
		_exit(127);
	}
	mitm_port = wait_port(portfile);
	return mitm_port > 0 ? 0 : -1;
}

static unsigned long long connects(const struct disk *d)
{
	return atomic_load(&td_engine_member(&eng, d->uuid_u)->stats.connects);
}

/* Writes seed's pattern to sector s of the proxied member; returns its status. */
static uint32_t mitm_write(uint64_t s, unsigned int seed)
{
	uint8_t b[4096];

	pattern(b, seed);
	return run1(op_rw(&disks[MITM], TEEARRAY_OP_WRITE, s, 0, b))->status;
}

/* The member holds seed's pattern in sector s (read with an honest proxy). */
static int mitm_holds(uint64_t s, unsigned int seed)
{
	struct td_request *r;
	uint8_t b[4096];

	rules("");
	pattern(b, seed);
	r = run1(op_rw(&disks[MITM], TEEARRAY_OP_READ, s, 0, NULL));
	return r->status == TEEARRAY_ST_OK && !memcmp(td_req_buf(r), b, sizeof(b));
}

static void test_mitm(void)
{
	const struct disk *d = &disks[MITM];
	unsigned long long c0;

	tap_begin();
	CHECK(identify(d) == TEEARRAY_ST_OK);
	CHECK(mitm_write(5, 1) == TEEARRAY_ST_OK && mitm_holds(5, 1));
	tap_end("mitm: the member behind an honest proxy is served");

	tap_begin();
	c0 = connects(d);
	rules("forge-ack write 1\n");
	CHECK(mitm_write(5, 2) == TEEARRAY_ST_OK);
	CHECK(connects(d) == c0 + 1);
	CHECK(mitm_holds(5, 2));
	tap_end("mitm: one forged write ack costs a session; the write is resent and stored");

	tap_begin();
	c0 = connects(d);
	rules("forge-error:stale-generation write 1\n");
	CHECK(mitm_write(5, 3) == TEEARRAY_ST_OK);
	CHECK(connects(d) == c0 + 1 && mitm_holds(5, 3));
	tap_end("mitm: one forged stale-generation error is not FENCED; the write is resent");

	tap_begin();
	rules("truncate write 1\n");
	CHECK(mitm_write(5, 4) == TEEARRAY_ST_OK && mitm_holds(5, 4));
	rules("replay write 1\n");
	CHECK(mitm_write(5, 5) == TEEARRAY_ST_OK && mitm_holds(5, 5));
	rules("flip write 1\n");
	CHECK(mitm_write(5, 6) == TEEARRAY_ST_OK && mitm_holds(5, 6));
	tap_end("mitm: a cut, replayed or altered write answer: the new session shows it ran");

	tap_begin();
	rules("forge-ack write\n");
	CHECK(mitm_write(5, 7) == TEEARRAY_ST_ATTESTATION);
	CHECK(mitm_holds(5, 6));	/* never acknowledged, never stored */
	rules("forge-error:stale-generation batch\n");
	CHECK(mitm_write(5, 8) == TEEARRAY_ST_ATTESTATION);
	rules("forge-error:death-version-not-higher batch\n");
	CHECK(mitm_write(5, 9) == TEEARRAY_ST_ATTESTATION);
	CHECK(mitm_holds(5, 6));
	tap_end("mitm: persistent forged acks or errors fail the member (ATTESTATION), "
		"never FENCED, and nothing unacknowledged counts");

	tap_begin();
	CHECK(mitm_holds(5, 6));	/* a verified answer: the count starts again */
	rules("flip write\n");
	CHECK(mitm_write(6, 10) == TEEARRAY_ST_OK);
	CHECK(mitm_write(6, 11) == TEEARRAY_ST_OK);
	CHECK(mitm_write(6, 12) == TEEARRAY_ST_OK);
	CHECK(mitm_write(6, 13) == TEEARRAY_ST_ATTESTATION);
	tap_end("mitm: answers altered every time although the writes ran: the fourth in a row "
		"fails the member (ATTESTATION)");

	tap_begin();
	rules("flip read\n");
	{
		struct td_request *r = run1(op_rw(d, TEEARRAY_OP_READ, 5, 0, NULL));

		CHECK(r->status == TEEARRAY_ST_ATTESTATION && r->out_len == 0);
	}
	CHECK(mitm_holds(5, 6));
	tap_end("mitm: read answers altered every time give ATTESTATION and no data");

	tap_begin();
	rules("");
	CHECK(identify(d) == TEEARRAY_ST_OK && mitm_write(7, 20) == TEEARRAY_ST_OK);
	/*
	 * Stand in for a member that lost acknowledged state: raise what the
	 * daemon remembers it acknowledged (the worker is idle, waiting on the
	 * queue lock's condition, so nothing else touches its client now).
	 */
	td_engine_member(&eng, d->uuid_u)->c.acked_seq += 1000;
	CHECK(identify(d) == TEEARRAY_ST_ROLLED_BACK);
	CHECK(mitm_write(7, 21) == TEEARRAY_ST_ROLLED_BACK);
	tap_end("mitm: an instance whose attested counter is below what it acknowledged is "
		"ROLLED_BACK, for IDENTIFY and for I/O");
}

int main(int argc, char **argv)
{
	uint8_t sec[32], simsec[32], meas[32], exe_hash[32], simpub[32];
	char hex[65], text[2048], err[512], mhex[65];
	struct td_config cfg;
	FILE *f;

	if (argc > 3) {
		fprintf(stderr, "usage: %s [TEEDISK-BINARY (default build/test/teedisk-san) "
			"[TA-MITM-BINARY (default build/test/ta-mitm-san)]]\n", argv[0]);
		return 2;
	}
	teedisk = argc >= 2 ? argv[1] : "build/test/teedisk-san";
	mitm_bin = argc == 3 ? argv[2] : "build/test/ta-mitm-san";
	tap_plan(35);
	signal(SIGPIPE, SIG_IGN);
	td_log_set_stderr_prio(getenv("TD_VERBOSE") ? LOG_DEBUG : LOG_ERR - 1);
	if (access(teedisk, X_OK) || access(mitm_bin, X_OK) || !mkdtemp(dir) ||
	    ta_crypto_init() != TA_OK) {
		printf("not ok - member: setup (%s not executable or no temp dir)\n", teedisk);
		return 1;
	}
	ta_key_generate(&key, sec);
	ta_hex_encode(pubhex, key.pub, 32);
	{
		struct ta_key sk;

		ta_key_generate(&sk, simsec);
		memcpy(simpub, sk.pub, 32);
		ta_key_wipe(&sk);
	}
	ta_hex_encode(simpubhex, simpub, 32);
	snprintf(simkey_path, sizeof(simkey_path), "%s/sim.key", dir);
	ta_hex_encode(hex, simsec, 32);
	f = fopen(simkey_path, "w");
	fprintf(f, "%s\n", hex);
	fclose(f);
	ta_uuid_parse(array_u, array_s);
	for (unsigned int i = 0; i < NDISKS; i++) {
		disks[i].slot = i;
		snprintf(disks[i].uuid, sizeof(disks[i].uuid),
			 "11111111-2222-3333-4444-55555555555%u", i);
		ta_uuid_parse(disks[i].uuid_u, disks[i].uuid);
		if (disk_start(&disks[i], 0)) {
			printf("not ok - member: teedisk %u did not start\n", i);
			for (unsigned int j = 0; j < i; j++)
				disk_kill(&disks[j]);
			return 1;
		}
	}
	if (mitm_start()) {
		printf("not ok - member: ta-mitm did not start\n");
		for (unsigned int j = 0; j < NDISKS; j++)
			disk_kill(&disks[j]);
		return 1;
	}
	/* Member 3 is pinned to its true measurement, member 2 to a wrong one. */
	ta_file_sha256(teedisk, exe_hash);
	ta_measurement(meas, exe_hash, TA_PROV_SIM, array_u, 3, SECTORS, key.pub);
	ta_hex_encode(mhex, meas, 32);
	snprintf(text, sizeof(text),
		 "signing-key file:/unused\n"
		 "policy allow-simulated yes\npolicy sim-pubkey %s\n"
		 "member-timeout 1s\nbatch-max 64\n"
		 "member %s %s 0 127.0.0.1:%d\n"
		 "member %s %s 1 127.0.0.1:%d\n"
		 "member %s %s 2 127.0.0.1:%d measurement=%064d\n"
		 "member %s %s 3 127.0.0.1:%d measurement=%s\n"
		 "member %s %s 4 127.0.0.1:%d\n",
		 simpubhex, disks[0].uuid, array_s, disks[0].port, disks[1].uuid, array_s,
		 disks[1].port, disks[2].uuid, array_s, disks[2].port, 7, disks[3].uuid, array_s,
		 disks[3].port, mhex, disks[4].uuid, array_s, mitm_port);
	if (td_config_parse("member-test", text, &cfg, err, sizeof(err)) ||
	    td_engine_start(&eng, &cfg, &key, on_complete, NULL)) {
		printf("not ok - member: engine setup: %s\n", err);
		return 1;
	}
	test_basic();
	test_batching();
	test_large();
	test_write_short();
	test_fence();
	test_config_checks();
	test_attestation();
	test_policy_refuses_sim();
	test_budget();
	test_restart_and_death();
	test_timeout();
	test_mitm();
	td_engine_stop(&eng);
	td_config_free(&cfg);
	for (unsigned int i = 0; i < NDISKS; i++)
		disk_kill(&disks[i]);
	kill(mitm_pid, SIGTERM);
	waitpid(mitm_pid, NULL, 0);
	{
		char p[300];

		snprintf(p, sizeof(p), "%s/mitm.port", dir);
		unlink(p);
		unlink(rules_path);
		for (unsigned int i = 0; i < NDISKS; i++) {
			snprintf(p, sizeof(p), "%s/disk%u.port", dir, i);
			unlink(p);
		}
		unlink(simkey_path);
		rmdir(dir);
	}
	return tap_exit_status();
}
