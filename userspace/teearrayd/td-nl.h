/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure encode/decode of the "teearray" generic netlink messages
 * (kernel/uapi/teearray-netlink.h) and of the nlctrl family lookup.
 * No sockets here: every function works on caller buffers, so the unit
 * tests build a REQUEST exactly as the kernel would and parse it back.
 *
 * Parsers never trust a length they have not checked; every malformed
 * message gets a message in err naming the attribute and the problem.
 */
#ifndef TD_NL_H
#define TD_NL_H

#include <stddef.h>
#include <stdint.h>

#include "teearray-netlink.h"

#define TD_UUID_LEN	16u

/* A parsed REQUEST.  data points into the message buffer. */
struct td_nl_request {
	uint64_t req_id;
	int have_epoch;			/* the kernel names the session it sent under */
	uint64_t epoch;
	uint8_t array[TD_UUID_LEN];
	uint8_t member[TD_UUID_LEN];
	uint32_t slot;
	uint32_t op;
	uint64_t generation;
	int have_instance;
	uint8_t instance[TD_UUID_LEN];
	uint64_t sector;
	uint32_t count;
	uint64_t arg;
	uint32_t timeout_ms;		/* 0: not given (the daemon's member-timeout) */
	const uint8_t *data;
	uint32_t data_len;
};

/* What a request's TIMEOUT_MS may say (the table's member_timeout range). */
#define TD_NL_TIMEOUT_MIN_MS	100u
#define TD_NL_TIMEOUT_MAX_MS	600000u

/* One completion, as built into (or parsed from) a COMPLETE message. */
struct td_nl_completion {
	uint64_t req_id;
	uint32_t status;		/* enum teearray_nl_status */
	const uint8_t *data;		/* NULL: no DATA attribute */
	uint32_t data_len;
	int have_instance;
	uint8_t instance[TD_UUID_LEN];
	int have_member_sectors;
	uint64_t member_sectors;
	int have_generation;
	uint64_t generation;
};

enum td_nl_parse_result {
	TD_NL_OK = 0,
	TD_NL_BAD = 1,		/* malformed, REQ_ID known: complete with ST_INTERNAL */
	TD_NL_BAD_NOID = 2,	/* malformed, no usable REQ_ID: drop and count */
};

/*
 * Size of a REQUEST: headers and scalars (TD_NL_REQUEST_HDR_LEN) plus DATA.
 * TD_NL_MAX_REQUEST_LEN fits a WRITE of TEEARRAY_NL_MAX_SECTORS.
 */
#define TD_NL_REQUEST_HDR_LEN	512u
#define TD_NL_MAX_REQUEST_LEN	(TD_NL_REQUEST_HDR_LEN + \
				 TEEARRAY_NL_MAX_SECTORS * TEEARRAY_NL_SECTOR_SIZE)

/*
 * A netlink attribute's length (nla_len) is 16 bits: an attribute holds at
 * most 65535 bytes, its header included, and a nested COMPLETION holds its
 * DATA.  One completion carries at most TD_NL_COMPLETION_DATA_MAX bytes of
 * DATA; TEEARRAY_NL_MAX_SECTORS (15 sectors, 60 KiB) is chosen to fit
 * (nl.c checks it at compile time), and td_nl_complete_add() refuses more.
 */
#define TD_NL_COMPLETION_DATA_MAX	(0xffffu - 64u)

/*
 * Maximum sectors an op may name in COUNT: READ and WRITE carry data, so
 * TEEARRAY_NL_MAX_SECTORS; COPY and TRIM up to TEEARRAY_NL_MAX_RANGE (256);
 * AUDIT_SIGN one (its DATA is one audit entry); WRITE_SHORT one (its DATA,
 * 1..4096 bytes, goes at the start of the sector).
 */
uint32_t td_nl_max_count(uint32_t op);
const char *td_nl_op_name(uint32_t op);
const char *td_nl_status_name(uint32_t st);

/*
 * Parse one netlink message (nlmsghdr included) that must be a
 * TEEARRAY_CMD_REQUEST of the given family.  Every attribute an op needs
 * must be present with its exact size; SECTOR, COUNT and ARG may also come
 * with ops that do not use them (the kernel sends them always) and are then
 * ignored (count reads as 1).  DATA only with WRITE, WRITE_SHORT, DEATH_WRITE
 * and AUDIT_SIGN: COUNT sectors of it, or 1..4096 bytes for WRITE_SHORT.
 */
int td_nl_parse_request(const void *msg, size_t len, uint16_t family,
			struct td_nl_request *r, char *err, size_t errlen);

/* Builders: return the message length, or 0 if buf is too small. */
size_t td_nl_build_getfamily(void *buf, size_t size, uint32_t seq);
size_t td_nl_build_register(void *buf, size_t size, uint16_t family, uint32_t seq,
			    uint32_t credits);
size_t td_nl_build_keepalive(void *buf, size_t size, uint16_t family, uint32_t seq,
			     uint64_t epoch);
/* The kernel's side, for tests: a REQUEST from r (data/data_len as given). */
size_t td_nl_build_request(void *buf, size_t size, uint16_t family, uint32_t seq,
			   const struct td_nl_request *r);

/*
 * Incremental COMPLETE: begin, add entries while they fit (add returns -1
 * and leaves the message unchanged when the entry does not fit), end
 * returns the final length.
 */
struct td_nl_builder {
	uint8_t *buf;
	size_t size;
	size_t len;
	unsigned int count;
};

int td_nl_complete_begin(struct td_nl_builder *b, void *buf, size_t size, uint16_t family,
			 uint32_t seq, uint64_t epoch);
int td_nl_complete_add(struct td_nl_builder *b, const struct td_nl_completion *c);
size_t td_nl_complete_end(struct td_nl_builder *b);
/* Bytes one completion needs in a COMPLETE message. */
size_t td_nl_completion_size(const struct td_nl_completion *c);

/*
 * Parse a COMPLETE (what the kernel will check); fills up to max entries,
 * returns their count or -1 with err.
 */
int td_nl_parse_complete(const void *msg, size_t len, uint16_t family, uint64_t *epoch,
			 struct td_nl_completion *out, unsigned int max, char *err, size_t errlen);

/*
 * nlctrl reply to GETFAMILY: family id and version.  Returns 0 or -1 with
 * err.  A NLMSG_ERROR message yields -1 and *errnum = -error (positive).
 */
int td_nl_parse_family(const void *msg, size_t len, uint16_t *id, uint32_t *version,
		       int *errnum, char *err, size_t errlen);

/*
 * A REGISTER reply (EPOCH) from family.  Returns 0 or -1 with err.
 */
int td_nl_parse_register_reply(const void *msg, size_t len, uint16_t family, uint64_t *epoch,
			       char *err, size_t errlen);

#endif /* TD_NL_H */
