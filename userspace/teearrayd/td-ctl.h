/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teearrayd's control socket: reads that `teearray log` asks the daemon to
 * make on its own member sessions while an array is open.
 *
 * Why: a teedisk keeps one session, and a signed batch accepted on another
 * connection ends the daemon's (dm-teearray-protocol.rst, "Sessions").  A
 * program that reads members itself while the daemon drives them costs the
 * daemon its connection, races it for sequence numbers (one of the two is
 * refused as a replay) and, worse, can make the daemon's relink take the
 * other program's batch for its own ("the member is at sequence S, so my
 * batch ran") and acknowledge writes that never ran.  So while the daemon
 * drives an array, nothing else sends batches to its members: they read
 * through the daemon, whose worker signs the reads into its own batches and
 * checks their attestation like any other read.
 *
 * A stream socket (mode 0600, peers must be root).  The client sends
 * struct td_ctl_req records, any number in flight; the daemon answers each
 * with a struct td_ctl_resp followed by len bytes of data, in completion
 * order (match them by tag).  READ reads one sector; DEATH_READ the death
 * record.  The request names the array and slot; the daemon uses the
 * generation and member instance of the kernel's latest request for that
 * member, so only members of an array the kernel has used since the daemon
 * started can be read (TD_CTL_ST_UNKNOWN otherwise).
 *
 * SESSION says which daemon answers and whether the kernel has registered
 * it, for the CLI steps that must not talk to the kernel before the
 * daemon serves it: after teearray replace reloads the daemon (SIGHUP,
 * re-exec under the same pid), the old instance answers nothing and a new
 * instance has another daemon_id, so "a new instance, registered" is
 * exactly "daemon_id changed and epoch != 0".  Only the request's array is
 * used (slot, tag and sector are echoed or ignored); the answer has status
 * TEEARRAY_ST_OK and is followed by a struct td_ctl_session.  A daemon
 * older than SESSION answers TD_CTL_ST_BAD.
 */
#ifndef TD_CTL_H
#define TD_CTL_H

#include <stdint.h>

#define TD_CTL_DEFAULT_PATH	"/run/teearrayd.sock"
#define TD_CTL_MAGIC		0x31434154u	/* "TAC1" */
#define TD_CTL_OP_READ		1
#define TD_CTL_OP_DEATH_READ	2
#define TD_CTL_OP_SESSION	3
#define TD_CTL_MAX_INFLIGHT	16		/* per connection */

struct td_ctl_req {
	uint32_t magic;
	uint32_t op;
	uint8_t array[16];
	uint32_t slot;
	uint32_t tag;		/* echoed */
	uint64_t sector;
};

/* status: an enum teearray_nl_status, or TD_CTL_ST_* below. */
#define TD_CTL_ST_UNKNOWN	1000	/* no such member, or not in use by the kernel */
#define TD_CTL_ST_BAD		1001	/* malformed request */
#define TD_CTL_ST_BUSY		1002	/* too many requests in flight */

struct td_ctl_resp {
	uint32_t magic;
	uint32_t tag;
	uint32_t status;
	uint32_t len;		/* data bytes that follow (4096 on success) */
	uint8_t instance[16];	/* the member instance the read was made of */
	uint64_t generation;	/* the generation it was signed with */
};

/* The data of a SESSION answer. */
struct td_ctl_session {
	uint8_t daemon_id[16];	/* random, new at every start and every reload */
	uint64_t epoch;		/* the kernel's session; 0: not registered (yet) */
	uint32_t members;	/* members of the request's array in the configuration */
	uint32_t seen;		/* of them, used by the kernel through this instance */
};

#endif /* TD_CTL_H */
