/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Member I/O transport: requests to the transport daemon over generic
 * netlink (ABI in uapi/teearray-netlink.h).
 *
 * One daemon serves every array.  A request is one operation on one member;
 * the transport sends it when the daemon's credit window allows, matches the
 * daemon's completion to it, and calls rq->done exactly once with
 * rq->status set:
 *   - an enum teearray_nl_status reported by the daemon, or
 *   - TEEARRAY_RQ_LATE when the daemon keeps answering keep-alives but not
 *     this request within rq->timeout_ms plus a margin (the daemon, not the
 *     member, is late: the daemon enforces timeout_ms itself), or
 *   - TEEARRAY_RQ_REISSUE when there is no daemon, or the daemon went away
 *     or was replaced while the request was outstanding: the caller decides
 *     whether and when to submit it again (after fencing the members).
 *
 * Lock order: the transport's lock is innermost; rq->done is called without
 * it held, from process context (a workqueue or the netlink receive path),
 * and must not sleep for long.
 */
#ifndef TEEARRAY_TRANSPORT_H
#define TEEARRAY_TRANSPORT_H

#include <linux/types.h>
#include <linux/list.h>
#include <linux/wait.h>
#include "uapi/teearray-netlink.h"

#define TEEARRAY_RQ_REISSUE	(-1)
#define TEEARRAY_RQ_LATE	(-2)
/* Set by the member layer, never by the transport (teearray-member.c). */
#define TEEARRAY_RQ_RETRY	(-3)
#define TEEARRAY_RQ_GAVE_UP	(-4)

struct teearray_request {
	/* Set by the caller; pointers must stay valid until done runs. */
	const u8 *array_uuid;
	const u8 *member_uuid;
	const u8 *instance;		/* expected instance; NULL for IDENTIFY */
	u32 slot;
	u32 op;				/* enum teearray_nl_op */
	u64 generation;
	u64 sector;
	u32 count;
	u64 arg;
	void *data;			/* count * 4096 bytes, in or out */
	u32 len;			/* WRITE_SHORT: bytes of data (1..4096) */
	u32 timeout_ms;			/* the daemon's deadline for the member */
	void (*done)(struct teearray_request *rq);
	void *private;
	/* The member layer's (teearray-member.c); the transport ignores them. */
	bool may_give_up;		/* may end TEEARRAY_RQ_GAVE_UP, see there */
	bool once;			/* a timeout is final: never sent again */
	bool in_round;
	u8 attempt;			/* sends after a timeout */
	u8 late;			/* TEEARRAY_RQ_LATE answers */
	u64 sent_ms;

	/* Results. */
	int status;
	u8 instance_out[16];		/* IDENTIFY */
	u64 member_sectors;		/* IDENTIFY */
	u64 member_generation;		/* IDENTIFY */

	/* Transport-private. */
	struct list_head entry;
	struct hlist_node hnode;
	u64 id;
	unsigned long deadline;
};

/*
 * Watchers learn of a new daemon session (epoch) so they can fence their
 * members before reissuing I/O.  Called from a workqueue, may sleep.
 */
struct teearray_transport_watcher {
	struct list_head entry;
	void (*new_session)(struct teearray_transport_watcher *w, u64 epoch);
};

/* Context: process or softirq; never sleeps. */
void teearray_submit(struct teearray_request *rq);

/* Readable name of a request status, for logs. */
const char *teearray_status_name(int status);

/* Is a daemon registered and alive?  Context: any. */
bool teearray_daemon_connected(void);

/* Current daemon session, 0 before the first registration. */
u64 teearray_daemon_epoch(void);

/* Woken whenever a daemon registers or goes away. */
extern wait_queue_head_t teearray_daemon_wq;

/* Context: process. */
void teearray_transport_watch(struct teearray_transport_watcher *w);
void teearray_transport_unwatch(struct teearray_transport_watcher *w);

/* Counters for status: completions dropped as malformed. */
u64 teearray_transport_bad_replies(void);

int teearray_transport_init(void);
void teearray_transport_exit(void);

#endif /* TEEARRAY_TRANSPORT_H */
