/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-teearray internals shared by the target's files:
 *   teearray-target.c   device-mapper glue, status, messages
 *   teearray-member.c   member I/O, death record, fencing, assembly
 *   teearray-io.c       the stripe engine: reads, writes, degraded I/O
 *   teearray-rebuild.c  online rebuild of a replaced member
 *
 * Lock order (outermost first):
 *   stripe_mutex[]  serialises all I/O to one stripe (bios and rebuild)
 *   member_lock     membership: member states, generations, death record,
 *                   fencing, starting and ending a rebuild
 *   stripe_lock     the queue of bios waiting for their stripe (spinlock)
 *   the transport's lock (innermost, in teearray-transport.c)
 * Member states and generations are written under member_lock and read
 * without it by the I/O path with READ_ONCE(); a stale read only makes a job
 * try a member that then fails, which is handled like any failure.
 */
#ifndef TEEARRAY_H
#define TEEARRAY_H

#include <linux/device-mapper.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/hashtable.h>
#include <linux/workqueue.h>

#include "teearray-table.h"
#include "teearray-format.h"
#include "teearray-kdf.h"
#include "teearray-transport.h"
#include "tee-ec.h"

#define TEEARRAY_STRIPE_LOCKS	64
/* How long I/O waits for a (fenced) transport daemon before failing. */
#define TEEARRAY_DAEMON_WAIT	(30 * HZ)

struct teearray_member {
	u8 uuid[TEEARRAY_UUID_SIZE];
	u8 instance[TEEARRAY_INSTANCE_SIZE];	/* attested instance we trust */
	u8 state;		/* TEEARRAY_MEMBER_*; DEAD for absent slots */
	u64 generation;		/* fencing generation the member runs */
};

struct teearray_c {
	struct dm_target *ti;
	struct teearray_params *params;
	u8 key[TEEARRAY_KEY_SIZE];
	u8 meta_key[TEEARRAY_DERIVED_KEY_SIZE];
	unsigned int n, p, m;			/* data, parity, all members */
	struct teearray_member *members;	/* m entries */
	struct teearray_geometry geo;
	struct tee_ec *ec;

	struct mutex member_lock;	/* see the lock order above */
	u64 dr_version;
	u64 fenced_epoch;		/* daemon session the members are fenced for */
	bool assembled;
	const char *fail_reason;	/* non-NULL: the array no longer does I/O */

	struct workqueue_struct *io_wq;		/* stripe jobs */
	struct workqueue_struct *ctl_wq;	/* fencing */
	mempool_t *stripe_pool;
	mempool_t *buf_pool;
	spinlock_t stripe_lock;			/* protects stripe_table */
	DECLARE_HASHTABLE(stripe_table, 10);
	/* stripe_mutex[hash(stripe)]: one job per stripe at a time */
	struct mutex stripe_mutex[TEEARRAY_STRIPE_LOCKS];

	struct teearray_transport_watcher watcher;
	struct work_struct fence_work;

	/* Rebuild; rebuild_slot and rebuild_running change under member_lock. */
	struct work_struct rebuild_work;
	u32 rebuild_slot;
	bool rebuild_running;
	bool rebuild_stop;
	atomic64_t rebuild_done;		/* stripes rebuilt */

	atomic64_t member_errors;
};

/* A stripe's worth of sector buffers for one job. */
struct teearray_buf {
	u8 *col[TEEARRAY_MAX_MEMBERS];	/* stripe contents, by column */
	u8 *aux[TEEARRAY_MAX_MEMBERS];	/* new data, then deltas, by data column */
	void *ec_work;
};

static inline bool teearray_member_writable(const struct teearray_member *mb)
{
	u8 s = READ_ONCE(mb->state);

	return s == TEEARRAY_MEMBER_ALIVE || s == TEEARRAY_MEMBER_REBUILDING;
}

/* Readable for this stripe: in sync, or already rebuilt up to it. */
bool teearray_member_readable(struct teearray_c *tc, u32 slot, u64 stripe);

/* teearray-member.c; all may sleep. */
void teearray_rq_init(struct teearray_c *tc, struct teearray_request *rq,
		      u32 slot, u32 op, u64 sector, void *data);
int teearray_io(struct teearray_c *tc, struct teearray_request *rqs,
		unsigned int n);
void teearray_fail_members(struct teearray_c *tc, const bool *failed,
			   const char *why);
bool teearray_status_is_fatal(int status);
int teearray_assemble(struct teearray_c *tc);
void teearray_fence_work(struct work_struct *work);
void teearray_new_session(struct teearray_transport_watcher *w, u64 epoch);
int teearray_fail_member_cas(struct teearray_c *tc, u32 slot, u64 version);
int teearray_replace_member(struct teearray_c *tc, u32 slot);
int teearray_persist_dr_locked(struct teearray_c *tc);
int teearray_io_locked(struct teearray_c *tc, struct teearray_request *rqs,
		       unsigned int n);
u64 teearray_max_generation(struct teearray_c *tc);
void teearray_set_failed(struct teearray_c *tc, const char *why);

/* teearray-io.c */
int teearray_map_bio(struct teearray_c *tc, struct bio *bio);
int teearray_io_init(struct teearray_c *tc);
void teearray_io_exit(struct teearray_c *tc);
int teearray_fetch_columns(struct teearray_c *tc, u64 stripe,
			   const bool *want, struct teearray_buf *buf);
int teearray_write_columns(struct teearray_c *tc, u64 stripe,
			   const bool *cols, struct teearray_buf *buf);
struct mutex *teearray_stripe_mutex(struct teearray_c *tc, u64 stripe);

/* teearray-rebuild.c */
void teearray_rebuild_work(struct work_struct *work);
void teearray_rebuild_stop(struct teearray_c *tc);
void teearray_rebuild_start(struct teearray_c *tc);

#endif /* TEEARRAY_H */
