/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Member side of teearrayd: executes kernel requests against teedisks.
 *
 * One worker thread per configured member owns that member's ta_client
 * (connected lazily, identified with attestation against the policy,
 * reconnected with backoff).  td_engine_submit() queues requests to their
 * members' workers; a worker takes everything queued (up to batch-max) and
 * sends it as ONE signed batch, so signatures are amortised over whatever
 * accumulated while the previous batch was on the wire.  The finished
 * requests of each batch go to the completion callback together, from the
 * worker thread.
 *
 * Nothing here knows about netlink: the tests drive the engine directly
 * against real teedisk processes.
 *
 * Locking: td_member.lock protects the queue (head, tail, queued) and the
 * stop flag; everything else in td_member belongs to its worker thread.
 * Statistics are atomics.  td_engine_submit() must be called from one
 * thread at a time.  A request, its buffers included, belongs to the
 * submitter until td_engine_submit(), then to the engine until the
 * completion callback hands it back.
 */
#ifndef TD_MEMBER_H
#define TD_MEMBER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "ta-client.h"
#include "td-config.h"
#include "td-nl.h"

/*
 * Request data buffers.  Every request has a one-sector buffer inline
 * (small).  A READ or WRITE of more than one sector needs a large buffer of
 * TD_REQ_DATA_MAX bytes (big): the daemon takes one from its free list of
 * large buffers before it submits the request and puts it back when the
 * request is released.  That free list belongs to the daemon's main thread
 * (main.c); the engine never allocates, frees or swaps a request's buffers,
 * it only uses td_req_buf(), and refuses (TEEARRAY_ST_INTERNAL) a request
 * whose buffer is smaller than td_req_need() says.
 */
#define TD_REQ_SMALL	TEEARRAY_NL_SECTOR_SIZE
#define TD_REQ_DATA_MAX	(TEEARRAY_NL_MAX_SECTORS * TEEARRAY_NL_SECTOR_SIZE)

struct td_request {
	struct td_request *next;	/* queue link, owned by whoever holds the request */
	/* Input: the parsed request; nl.data is not used (data lives in the buffer). */
	struct td_nl_request nl;
	uint64_t epoch;			/* session it was received in */
	uint64_t deadline_ms;		/* CLOCK_MONOTONIC; 0: now + member-timeout */
	/*
	 * WRITE/WRITE_SHORT/DEATH_WRITE/AUDIT_SIGN data in (WRITE_SHORT:
	 * nl.data_len bytes of it), READ/DEATH_READ data out: big
	 * (TD_REQ_DATA_MAX bytes, owned by whoever owns the request until it
	 * is released) when set, else small.  Use td_req_buf().
	 */
	uint8_t *big;
	uint8_t small[TD_REQ_SMALL];
	/* Output. */
	uint32_t status;		/* enum teearray_nl_status */
	int ta_err;			/* teedisk or library error behind status, or 0 */
	int cancelled;			/* dropped: its epoch is no longer current */
	uint32_t out_len;		/* bytes of td_req_buf() to return as DATA */
	int have_identity;		/* IDENTIFY: the three fields below */
	uint8_t instance[TA_INSTANCE_LEN];
	uint64_t member_sectors;
	uint64_t generation;
};

static inline uint8_t *td_req_buf(struct td_request *r)
{
	return r->big ? r->big : r->small;
}

static inline uint32_t td_req_buf_size(const struct td_request *r)
{
	return r->big ? TD_REQ_DATA_MAX : TD_REQ_SMALL;
}

/*
 * Bytes of buffer a request needs: COUNT sectors for READ and WRITE (data
 * out or in), its DATA's length for WRITE_SHORT (1..4096 bytes, checked by
 * the netlink parser), one sector for the death record and audit entries,
 * none for the rest.  Also the data it moves in a signed batch (td_run's
 * budget, in bytes).
 */
static inline uint32_t td_req_need(const struct td_nl_request *nl)
{
	switch (nl->op) {
	case TEEARRAY_OP_READ:
	case TEEARRAY_OP_WRITE:
		return nl->count * TEEARRAY_NL_SECTOR_SIZE;
	case TEEARRAY_OP_WRITE_SHORT:
		return nl->data_len;
	case TEEARRAY_OP_DEATH_READ:
	case TEEARRAY_OP_DEATH_WRITE:
	case TEEARRAY_OP_AUDIT_SIGN:
		return TEEARRAY_NL_SECTOR_SIZE;
	default:
		return 0;
	}
}

/*
 * Most data (READ results plus WRITE and WRITE_SHORT payloads, counted in
 * bytes) one signed batch carries: 1024 sectors, 4 MiB, so the batch frame
 * and its answer (data, evidence, headers) stay well under the wire's
 * TA_MAX_BODY (8 MiB).  A worker sends what it took in as many
 * batches as this needs, in order; one request (at most
 * TEEARRAY_NL_MAX_SECTORS) always fits.
 */
#define TD_BATCH_DATA_SECTORS	1024u

struct td_member_stats {
	atomic_ullong batches;		/* signed batches sent */
	atomic_ullong commands;		/* commands carried by them */
	atomic_ullong connects;		/* successful connect + identify */
	atomic_ullong failures;		/* requests completed with a status other than OK */
};

struct td_engine;

struct td_member {
	struct td_engine *e;
	const struct td_member_cfg *cfg;
	char name[37];
	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct td_request *head, *tail;
	int stop;
	/* submitter-thread staging list */
	struct td_request *st_head, *st_tail;
	/* worker-owned */
	struct ta_client c;
	struct ta_policy pol;
	uint64_t backoff_until_ms;
	unsigned int backoff_ms;
	uint32_t backoff_status;	/* what requests get until backoff_until_ms */
	int backoff_err;
	int have_known;			/* an instance was seen before (restart log) */
	unsigned int bad_answers;	/* answers in a row lost or unverifiable */
	uint8_t known_instance[TA_INSTANCE_LEN];
	struct td_request **take;	/* batch_max entries */
	struct ta_cmd *cmds;		/* batch_max entries */
	struct td_request **inbatch;	/* batch_max entries */
	struct td_request *done_head, *done_tail;	/* finished, not yet delivered */
	struct td_member_stats stats;
	/* Last attested identity, for audit entries (under lock). */
	int have_attested;
	uint8_t attested_instance[TA_INSTANCE_LEN];
	uint8_t attested_measurement[TA_HASH_LEN];
};

/*
 * Finished requests, a NULL-terminated chain through ->next (all the
 * answers of one signed batch together).  Called from worker threads, and
 * from td_engine_submit's thread for requests it refuses at once.
 */
typedef void (*td_complete_fn)(struct td_request *chain, void *arg);

struct td_engine {
	const struct td_config *cfg;
	const struct ta_key *key;
	td_complete_fn complete;
	void *complete_arg;
	struct td_member *members;
	size_t nmembers;
	_Atomic uint64_t epoch;		/* requests of another epoch are dropped */
};

uint64_t td_now_ms(void);

/*
 * Creates one worker per configured member (no connections yet).  cfg and
 * key must outlive the engine.  Returns 0 or -1 (logged).
 */
int td_engine_start(struct td_engine *e, const struct td_config *cfg, const struct ta_key *key,
		    td_complete_fn complete, void *arg);
/* Stops and joins the workers; queued requests complete as cancelled. */
void td_engine_stop(struct td_engine *e);

/*
 * Queue n requests.  Requests naming an unknown member, or a member whose
 * array/slot differ from the configuration, complete at once with
 * TEEARRAY_ST_UNKNOWN_MEMBER (from this thread).
 */
void td_engine_submit(struct td_engine *e, struct td_request **reqs, unsigned int n);

/*
 * The measurement the member of array/slot attested when it was last
 * identified, if its instance id was `instance`.  Returns 1 and fills
 * measurement, or 0.  Any thread.
 */
int td_engine_attested(struct td_engine *e, const uint8_t array[TA_UUID_LEN], uint32_t slot,
		       const uint8_t instance[TA_INSTANCE_LEN], uint8_t measurement[TA_HASH_LEN]);

/*
 * AUDIT_SIGN (no member I/O): fill in attested measurements, the signer and
 * the signature of the audit entry in the request's buffer; r->status says
 * how it went.
 */
void td_audit_sign(struct td_engine *e, struct td_request *r);

/* New session: queued requests of older epochs are dropped, not executed. */
void td_engine_set_epoch(struct td_engine *e, uint64_t epoch);

struct td_member *td_engine_member(struct td_engine *e, const uint8_t uuid[TA_UUID_LEN]);

/* Map a teedisk/library error to a completion status (remote: from a TA_K_ERROR). */
uint32_t td_status_from_ta(int err, int remote);

#endif /* TD_MEMBER_H */
