/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Client side of the storage-enclave protocol, for teearrayd and
 * teedisk-client.  One struct ta_client per member connection; not
 * thread-safe (one thread per client, or external locking).
 *
 * Typical use:
 *	ta_client_init(&c, &key, &policy, array, slot);
 *	ta_client_connect(&c, "10.0.0.5:7000", 5000);
 *	ta_client_identify(&c);		   attested; learns instance, generation, seq
 *	ta_client_write(&c, 7, 1, buf);
 *	ta_client_read(&c, 7, 1, buf);	   attested over a fresh nonce
 *	ta_client_close(&c);
 */
#ifndef TA_CLIENT_H
#define TA_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "ta-attest.h"
#include "ta-crypto.h"
#include "ta-wire.h"

struct ta_client {
	int fd;
	int timeout_ms;
	const struct ta_key *key;
	struct ta_policy policy;
	uint8_t array[TA_UUID_LEN];
	uint32_t slot;
	/* Learned from an attested identity; the next batch uses these. */
	int identified;
	struct ta_identity id;
	struct ta_claims claims;
	uint8_t instance[TA_INSTANCE_LEN];
	uint64_t generation;
	uint64_t next_seq;
	/* Answer authentication: our HELLO key pair and the session key. */
	struct ta_kx kx;
	int have_session;
	uint8_t session_key[TA_MAC_LEN];
	/*
	 * The member's state counter (last_seq) as last authenticated, per
	 * instance, across connections: an identity below it is a rollback
	 * (rollback_seq is what that identity said).
	 */
	int have_acked;
	uint8_t acked_instance[TA_INSTANCE_LEN];
	uint64_t acked_seq;
	uint64_t rollback_seq;
	/*
	 * The last TA_K_ERROR received, for diagnostics and resync.  Only an
	 * authenticated one (last_error_auth) may change what the caller does.
	 */
	struct ta_error last_error;
	int last_error_auth;
	/* Test and tooling hook: a copy of the last batch frame sent. */
	int keep_last_frame;
	uint8_t *last_frame;
	size_t last_frame_len;
};

void ta_client_init(struct ta_client *c, const struct ta_key *key, const struct ta_policy *pol,
		    const uint8_t array[TA_UUID_LEN], uint32_t slot);
struct addrinfo;
/* Resolve "host:port" or "[v6]:port" (numeric port); TA_OK, TA_E_ARG or TA_E_IO. */
int ta_resolve_hostport(const char *hostport, struct addrinfo **res);
/* "host:port" or "[v6]:port"; sets TCP_NODELAY and TCP_QUICKACK. */
int ta_client_connect(struct ta_client *c, const char *hostport, int timeout_ms);
void ta_client_close(struct ta_client *c);

/*
 * HELLO with a fresh nonce and session key.  Verifies the evidence under
 * the policy, the report data binding, and that the member serves our
 * array and slot and authorises our key.  Then instance, generation and
 * next_seq follow it and answers are authenticated under the new session
 * key.  TA_E_ROLLBACK: the same instance reports a state counter below one
 * it authenticated before (nothing adopted).  An ERROR answer to HELLO is
 * never authenticated: its code is returned with last_error_auth 0.
 */
int ta_client_identify(struct ta_client *c);
/* Unauthenticated, unattested status (for operators). */
int ta_client_status(struct ta_client *c, struct ta_identity *id,
		     struct ta_status_counters *ctr);

/*
 * Signs and sends one batch of n commands, waits for the answer, checks its
 * MAC and that it matches the request, and verifies the attestation when
 * the batch has reads or flags has TA_BATCH_F_ATTEST.  Read results land in
 * *results (malloc'd, in command order) when results is not NULL.  An
 * authenticated rejection returns its code and fills c->last_error with
 * last_error_auth set; an ERROR whose MAC does not verify returns
 * TA_E_ANSWER_AUTH.  The batch's sequence numbers are consumed when it is
 * sent, whatever the outcome; after any failure the effect of the batch on
 * the member is unknown unless the member rejected it (then it changed
 * nothing): re-identify and compare last_seq with the batch's.
 */
int ta_client_batch(struct ta_client *c, const struct ta_cmd *cmds, unsigned int n,
		    uint16_t flags, uint8_t **results, size_t *results_len);

int ta_client_read(struct ta_client *c, uint64_t sector, uint32_t count, uint8_t *out);
int ta_client_write(struct ta_client *c, uint64_t sector, uint32_t count, const uint8_t *data);
/* data[0..len) at the start of sector, the rest of it zeroed; len 1..TA_SECTOR_SIZE. */
int ta_client_write_short(struct ta_client *c, uint64_t sector, const uint8_t *data,
			  uint32_t len);
int ta_client_copy(struct ta_client *c, uint64_t src, uint64_t dst, uint32_t count);
int ta_client_trim(struct ta_client *c, uint64_t sector, uint32_t count);
int ta_client_death_read(struct ta_client *c, uint8_t out[TA_SECTOR_SIZE]);
/* record[0..7] must hold version (little-endian). */
int ta_client_death_write(struct ta_client *c, uint64_t version,
			  const uint8_t record[TA_SECTOR_SIZE]);
int ta_client_fence(struct ta_client *c, uint64_t new_generation);

/*
 * The pure checks behind ta_client_identify and ta_client_batch, exposed
 * for fuzzing and for callers with their own I/O.  accept_identity checks
 * an IDENTITY body against the nonce sent and, on success only, adopts the
 * member's instance, generation and sequence.  accept_bresp checks a
 * BATCH_RESP body against the batch sent (header as signed, commands,
 * flags) and verifies its attestation when one is required.
 */
int ta_client_accept_identity(struct ta_client *c, const uint8_t *body, size_t len,
			      const uint8_t nonce[TA_NONCE_LEN]);
int ta_client_accept_bresp(struct ta_client *c, const struct ta_batch_hdr *h,
			   const uint8_t req[TA_HASH_LEN], const struct ta_cmd *cmds,
			   uint16_t flags, const uint8_t *resp, size_t len,
			   struct ta_bresp_hdr *rh);
/*
 * An ERROR body answering the batch whose signed hash is req: TA_OK and
 * c->last_error (last_error_auth 1) when its MAC verifies under the
 * session; otherwise TA_E_ANSWER_AUTH (or a parse error), last_error still
 * filled for diagnostics with last_error_auth 0.
 */
int ta_client_accept_error(struct ta_client *c, const uint8_t req[TA_HASH_LEN],
			   const uint8_t *body, size_t len);

/*
 * Low level: send a complete frame as is and receive one response frame
 * (kind and malloc'd body).  Used for raw tests and tooling.
 */
int ta_client_send_frame(struct ta_client *c, const uint8_t *frame, size_t len);
int ta_client_recv_frame(struct ta_client *c, uint8_t *kind, uint8_t **body, size_t *len);

#endif /* TA_CLIENT_H */
