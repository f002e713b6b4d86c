/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teedisk core: the storage enclave's state and request handling, with no
 * sockets, so the same code runs in teedisk, in the unit tests and under
 * libFuzzer.  Single-threaded: callers serialise every call.
 */
#ifndef TEEDISK_DISK_H
#define TEEDISK_DISK_H

#include <stddef.h>
#include <stdint.h>

#include "ta-attest.h"
#include "ta-wire.h"

struct td_config {
	uint8_t array[TA_UUID_LEN];
	uint32_t slot;
	uint64_t sectors;
	uint8_t authorized_key[TA_PUBKEY_LEN];
	int allow_unlocked;	/* tolerate mlock() failure (tests only) */
};

struct td_disk {
	struct td_config cfg;
	uint8_t instance[TA_INSTANCE_LEN];	/* per-boot random */
	uint8_t measurement[TA_HASH_LEN];
	uint64_t generation;			/* fencing generation */
	uint64_t last_seq;			/* last accepted sequence number */
	uint64_t death_version;
	uint8_t *mem;				/* data sectors, then the death record */
	size_t mem_len;
	uint8_t *death;
	int locked;
	struct ta_attester *att;
	struct ta_status_counters ctr;
};

/*
 * One connection's answer-authentication session: the key agreed at the
 * connection's last HELLO (see ta_answer_mac).  Batches are refused on a
 * connection without one, so every BATCH_RESP is authenticated.
 */
struct td_session {
	int active;
	uint8_t key[TA_MAC_LEN];
};

void td_session_end(struct td_session *s);

/*
 * Allocates, locks and zeroes all sector memory up front and picks a new
 * instance id.  measurement is what the attester reports.  Returns TA_OK or
 * an error with a message on stderr.
 */
int td_disk_init(struct td_disk *d, const struct td_config *cfg,
		 const uint8_t measurement[TA_HASH_LEN], struct ta_attester *att);
/* Zeroes and releases all sector memory. */
void td_disk_destroy(struct td_disk *d);

/*
 * Handles one complete request frame (kind and body) received on the
 * connection whose session is s, and returns a complete response frame in
 * *resp (malloc'd).  HELLO starts a new session in s.  *accepted is set
 * when a signed batch was executed.  A rejected request changes no state
 * but the counters.  Returns TA_OK, or an error only when no response
 * could be built.
 */
int td_handle(struct td_disk *d, struct td_session *s, uint8_t kind, const uint8_t *body,
	      size_t len, uint8_t **resp, size_t *resp_len, int *accepted);

/*
 * Builds an error response frame, authenticated under s when s is active
 * (req: the request hash; NULL: B2 of the request body is not known, the
 * MAC is left zero).  s may be NULL.
 */
int td_error_frame(const struct td_disk *d, const struct td_session *s,
		   const uint8_t *req, int code, unsigned int index,
		   uint8_t **resp, size_t *resp_len);

#endif /* TEEDISK_DISK_H */
