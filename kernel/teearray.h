/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dm-teearray internals shared by the target's files:
 *   teearray-target.c   device-mapper glue, status, messages
 *   teearray-member.c   member I/O, death record, fencing, assembly
 *   teearray-io.c       the stripe engine: verified and degraded reads,
 *                       parity updates, stripe locks
 *   teearray-journal.c  writes: group commit through the journal, apply,
 *                       erase mode
 *   teearray-replay.c   journal replay at assembly
 *   teearray-walk.c     which background walk runs next; suspend/resume
 *   teearray-rebuild.c  online rebuild of a replaced member
 *   teearray-scrub.c    check and repair: verify every stripe
 *   teearray-metacache.c  verified metadata sectors kept in memory
 *   teearray-keys.c     key epochs: which key checks what; the key barrier
 *   teearray-rotate.c   key rotation: the re-encryption walk, superblocks
 *   teearray-audit.c    the signed, hash-chained audit log
 * and the pure decisions they take, which build in userspace too (tests in
 * tests/unit/) and depend on nothing but teearray-compat.h and the format
 * headers:
 *   teearray-plan.[ch]  stripe planning: where stripes live, readable
 *                       columns, what a fetch reads, RMW or RCW (io.c)
 *   teearray-jplan.[ch] journal entry planning: what an entry carries and
 *                       costs, which entry replay takes and whether it is
 *                       complete (journal.c)
 *   teearray-fresh.[ch] member freshness: readable and writable members,
 *                       how many may be dead, the death record, the
 *                       superblock and confirmation checks of assembly
 *                       (member.c)
 *   teearray-stripelock.[ch]  which jobs may hold which stripes at once:
 *                       shared readers, exclusive writers (io.c)
 * The pure files include one another one way only (jplan -> plan -> fresh
 * -> format, sector, jrec headers) and never call into the files above.
 *
 * Stripes (metadata, log and data) are named by their member sector ms.
 * A job owns a set of stripes at a time: teearray_lock_stripes() (or
 * _shared() for a job that only reads) takes the whole set or waits, so
 * jobs holding several stripes cannot deadlock; it is the outermost "lock"
 * and jobs sleep holding it.  A journal entry's set is taken by the commit
 * work and released by the apply work it hands the entry to.
 *
 * Lock order (outermost first):
 *   rotate_lock     one key rotation step at a time (teearray-rotate.c)
 *   stripe set      (shared or exclusive, under busy_lock, taken all at
 *                   once, see teearray-stripelock.h; only
 *                   teearray_keys_barrier() takes every bit, one by one)
 *   member_lock     membership: member states, generations, death record,
 *                   fencing, starting and ending a rebuild, journal replay
 *   journal.lock    the queue of write bios waiting for a commit
 *   busy_lock       the stripe-lock table (never held while sleeping)
 *   metacache.lock  the metadata cache (never held while sleeping)
 *   latency_lock    members' answer times and timeout streaks (never held
 *                   while sleeping)
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
#include <linux/wait.h>
#include <linux/completion.h>

#include "teearray-table.h"
#include "teearray-format.h"
#include "teearray-kdf.h"
#include "teearray-sector.h"
#include "teearray-jrec.h"
#include "teearray-fresh.h"
#include "teearray-plan.h"
#include "teearray-jplan.h"
#include "teearray-slow.h"
#include "teearray-stripelock.h"
#include "teearray-audit-entry.h"
#include "teearray-transport.h"
#include "tee-ec.h"

/* How long I/O waits for a (fenced) transport daemon before failing. */
#define TEEARRAY_DAEMON_WAIT	(30 * HZ)
/* A FENCE that gets no answer is checked and sent again this often at most. */
#define TEEARRAY_FENCE_TRIES	8

/* Verified metadata sectors; see teearray-metacache.c. */
#define TEEARRAY_METACACHE_SECTORS	1024
struct teearray_metacache_entry;
struct teearray_metacache {
	spinlock_t lock;		/* table, keys and page contents */
	DECLARE_HASHTABLE(table, 10);
	struct teearray_metacache_entry *entries;
	unsigned int size, next;
};

#define TEEARRAY_REWRAP_BATCH	16

struct teearray_audit;

/* One audit log sector to write through the journal. */
struct teearray_log_write {
	struct list_head node;
	u64 ms;
	u32 col;
	const u8 *sector;
	int error;
	struct completion done;
};

/* Where payload sector i of the entry goes: its home and its journal index. */
struct teearray_jpayload {
	u32 slot;
	u32 index;			/* among the payloads homed on slot */
	u64 ms;				/* home member sector */
};

/* The journal; everything but pending belongs to the commit work. */
struct teearray_journal {
	struct delayed_work commit_work;
	spinlock_t lock;		/* protects pending */
	struct bio_list pending;	/* writes waiting for an entry */
	u32 capacity;			/* payload sectors per entry (and pages) */
	u32 max_meta;			/* metadata sectors per entry (and pages) */
	u64 version;			/* newest record on the members */
	u32 fill;			/* payload sectors of the newest entry */
	u64 iv_gen, iv_seq;		/* IV counter: generation << 32 | seq */

	struct teearray_buf *buf;
	struct teearray_jrec *rec;	/* the entry's summary; per member, its MACs */
	u8 **rec_disk;			/* m pages: each member's record */
	u8 **payload;			/* capacity pages */
	struct teearray_jpayload *where;	/* capacity: each payload's home */
	u8 (*pmac)[TEEARRAY_JPAY_MAC_SIZE];	/* capacity: each payload's MAC */
	u32 *own;			/* m: payloads homed on each member */
	struct teearray_jplan plan;	/* what the entry carries (teearray-jplan.h) */
	struct bio_list *bios;		/* the writes of each of plan.dst */
	u8 **meta_old, **meta_new;	/* images of each of plan.meta_mv */
	u8 **old_cols;			/* m scratch column pointers */
	struct teearray_request *rqs;
	unsigned int max_rqs;

	/*
	 * Key rotation hands over data stripes to re-encrypt and waits for
	 * rewrap_left to reach zero; an empty record can be forced (both under
	 * lock).  Audit log sectors queue on log_pending (under lock); an
	 * entry carries at most one, log_cur, in stripe plan.lst.
	 */
	wait_queue_head_t wait;
	u64 rewrap[TEEARRAY_REWRAP_BATCH];
	unsigned int nrewrap, rewrap_next;
	atomic_t rewrap_left;
	int rewrap_error;
	bool force_record, forcing;
	u64 force_ticket;		/* last forced record asked for (under lock) */
	u64 forcing_ticket;		/* the one the entry in flight carries */
	u64 force_done;			/* last one on the members */
	struct list_head log_pending;
	struct teearray_log_write *log_cur;

	/*
	 * Apply runs in apply_work while the commit work takes, locks and
	 * builds the next entry (stripes disjoint from the applied entry's:
	 * it holds them, apply_set, until it is done), in this run of the
	 * commit work or the next; the next entry's round trip waits for it
	 * (flush_work), postsuspend too (teearray_journal_flush).  So the
	 * members see apply v finish before entry v + 1, as before.  The
	 * fields below belong to apply_work from queueing to that wait.
	 */
	struct workqueue_struct *apply_wq;	/* not io_wq: the commit work flushes it */
	struct work_struct apply_work;
	struct teearray_request *arqs;	/* the apply's copies, then its trims */
	unsigned int nar;
	u64 apply_version;
	unsigned long apply_set[BITS_TO_LONGS(TEEARRAY_STRIPE_LOCKS)];
	struct teearray_entry_outcome {
		unsigned int nrewrap;		/* re-encrypted stripes */
		struct teearray_log_write *log;	/* the audit log sector */
		bool forcing;			/* a forced record, with its ticket */
		u64 forcing_ticket;
	} apply_outcome;
};

/* The keys of one epoch, all derived from its epoch key. */
struct teearray_epoch_keys {
	u32 epoch;
	bool held;
	u8 meta_key[TEEARRAY_DERIVED_KEY_SIZE];	/* superblock, death record, journal */
	struct teearray_sector_keys skeys;
};

struct teearray_c {
	struct dm_target *ti;
	struct teearray_params *params;		/* parsed table; never changes */
	char *table_args;			/* the table as loaded */
	/* See teearray-keys.c for how these change and who may read them. */
	struct teearray_epoch_keys keys[2];	/* epoch e in keys[e & 1] */
	u32 key_epoch;				/* new writes use this epoch */
	struct mutex rotate_lock;
	unsigned int n, p, m;			/* data, parity, all members */
	struct teearray_member *members;	/* m entries */
	struct teearray_latency *latency;	/* m entries, under latency_lock */
	spinlock_t latency_lock;
	struct teearray_geometry geo;
	struct tee_ec *ec;

	struct mutex member_lock;	/* see the lock order above */
	/* m requests each, under member_lock: death record writes, fencing */
	struct teearray_request *dr_rqs, *fence_rqs;
	u64 dr_version;
	u64 fenced_epoch;		/* daemon session the members are fenced for */
	bool assembled;
	const char *fail_reason;	/* non-NULL: the array no longer does I/O */

	struct workqueue_struct *io_wq;		/* read jobs, commits (unbound) */
	struct workqueue_struct *ctl_wq;	/* fencing */
	mempool_t *buf_pool;
	/* Stripe sets in use, by hash of ms; see teearray-stripelock.h. */
	spinlock_t busy_lock;
	struct teearray_stripelocks locks;
	wait_queue_head_t busy_wq;

	struct teearray_journal journal;
	struct teearray_metacache metacache;

	struct teearray_transport_watcher watcher;
	struct work_struct fence_work;

	/*
	 * See teearray-walk.c.  suspended (presuspend until resume): no walk
	 * runs or starts.  quiesced (postsuspend until preresume): no work
	 * sends a member command.  Written under member_lock, read with
	 * READ_ONCE(); walks sleeping between stripes wait on walk_wq.
	 */
	bool suspended;
	bool quiesced;				/* postsuspend until preresume */
	wait_queue_head_t walk_wq;
	bool fence_pending;			/* a session began while quiesced */

	/*
	 * Background stripe walks, one at a time: the rebuild of a replaced
	 * member, a scrub or a rotation.  rebuild_slot and the *_running flags
	 * change under member_lock.  A walk stopped by a suspend continues
	 * where it stopped on resume.
	 */
	struct work_struct rebuild_work;
	u32 rebuild_slot;
	bool rebuild_running;
	atomic64_t rebuild_done;		/* stripes rebuilt from meta_start */
	struct work_struct scrub_work;
	bool scrub_running, scrub_repair, scrub_started;
	bool scrub_pending;			/* stopped by a suspend: resume it */
	atomic64_t scrub_done;			/* stripes scrubbed from meta_start */
	atomic64_t scrub_mismatches;		/* parity columns found different */
	struct work_struct rotate_work;
	bool rotate_running;
	atomic64_t rotate_done;			/* data stripes walked */
	atomic64_t rotate_rewrapped;		/* stripes re-encrypted */
	u64 create_time;			/* from the superblocks */
	struct teearray_audit *audit;

	atomic64_t member_errors;
	atomic64_t mac_failures;
	atomic64_t unverifiable;		/* stripes no set of columns verified */

	/* Counters for the stats message. */
	atomic64_t stat_cmds, stat_sectors_out, stat_sectors_in, stat_rounds;
	atomic64_t stat_short_bytes_out;	/* WRITE_SHORT data (journal records) */
	atomic64_t stat_user_written;

	/* Fault injection: stop member I/O after crash_left more commands. */
	bool crash_armed;
	atomic64_t crash_left;
};

/* What teearray_fetch_columns plans, by column. */
struct teearray_fetch_plan {
	bool readable[TEEARRAY_MAX_MEMBERS];
	bool read[TEEARRAY_MAX_MEMBERS];
	u8 erased[TEEARRAY_MAX_MEMBERS];
};

/*
 * A stripe's worth of sector buffers for one job, from tc->buf_pool: with
 * them, fetching and writing columns allocate nothing (a mempool element
 * always comes).
 */
struct teearray_buf {
	u8 *col[TEEARRAY_MAX_MEMBERS];	/* stripe contents, by column */
	u8 *aux[TEEARRAY_MAX_MEMBERS];	/* new data, then deltas, by data column */
	void *ec_work;
	struct teearray_request *rqs;	/* one per member */
	struct teearray_fetch_plan *plan;
};

/*
 * A walk window (teearray-window.c): the stripes from ms on as the slots
 * with read[] set returned them, slot-major, one run of max sectors per
 * slot (the walk knows how many it asked for).
 * It belongs to the walk (rebuild or scrub) that made it.
 */
struct teearray_window {
	u32 max;			/* stripes a window can hold */
	u64 ms;				/* the first of them */
	bool read[TEEARRAY_MAX_MEMBERS];	/* by slot */
	u8 *data;			/* m * max sectors */
	u8 **col;			/* m: one stripe's sectors, by column */
	struct teearray_request *rqs;	/* one per member */
};

/* Where the rebuild stands, as the I/O path reads it (without a lock). */
static inline void teearray_rebuild_pos_get(struct teearray_c *tc,
					    struct teearray_rebuild_pos *rb)
{
	rb->slot = READ_ONCE(tc->rebuild_slot);
	rb->first = teearray_geo_first_ms(&tc->geo);
	rb->done = atomic64_read(&tc->rebuild_done);
}

/* The placement of teearray-plan.h, for this array's geometry. */
static inline u64 teearray_data_ms(struct teearray_c *tc, u64 s)
{
	return teearray_geo_data_ms(&tc->geo, s);
}

static inline u64 teearray_meta_ms(struct teearray_c *tc, u64 mv, u32 *col)
{
	return teearray_geo_meta_ms(&tc->geo, mv, col);
}

static inline u64 teearray_first_ms(struct teearray_c *tc)
{
	return teearray_geo_first_ms(&tc->geo);
}

static inline u64 teearray_end_ms(struct teearray_c *tc)
{
	return teearray_geo_end_ms(&tc->geo);
}

extern bool teearray_fault_injection;

/* The device a log line is about: every line starts "teearray: <dev>: ". */
static inline const char *teearray_dev(struct teearray_c *tc)
{
	return dm_table_device_name(tc->ti->table);
}

/* teearray-member.c; all may sleep. */
void teearray_rq_init(struct teearray_c *tc, struct teearray_request *rq,
		      u32 slot, u32 op, u64 sector, void *data);
int teearray_io(struct teearray_c *tc, struct teearray_request *rqs,
		unsigned int n);
int teearray_fail_members(struct teearray_c *tc, const bool *failed, const char *why,
			  u32 cause, u64 detail);
u64 teearray_member_silent_ms(struct teearray_c *tc, u32 slot);
char teearray_member_latency_char(struct teearray_c *tc, u32 slot);
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

void teearray_arm_crash(struct teearray_c *tc, u64 after);

/* teearray-read.c */
void teearray_read_queue(struct teearray_c *tc, struct bio *bio);
unsigned int teearray_read_per_bio_size(void);
int teearray_stripe_stale(struct teearray_c *tc, u64 stripe, struct teearray_buf *buf);
int teearray_scrub_stripes(struct teearray_c *tc, u64 ms, u32 w, bool repair,
			   u8 **parity, struct teearray_window *win, struct teearray_buf *buf);

/* teearray-window.c */
struct teearray_window *teearray_window_new(struct teearray_c *tc);
void teearray_window_free(struct teearray_window *win);
u8 *teearray_window_sector(const struct teearray_window *win, u32 slot, u32 i);
int teearray_window_fetch(struct teearray_c *tc, struct teearray_window *win,
			  u64 ms, u32 w, const bool *slots);
bool teearray_window_readable(struct teearray_c *tc, const struct teearray_window *win,
			      u64 ms);

/* teearray-io.c */
void teearray_readable_cols(struct teearray_c *tc, u64 ms, bool *readable);
int teearray_io_init(struct teearray_c *tc);
void teearray_io_exit(struct teearray_c *tc);
struct teearray_buf *teearray_buf_new(struct teearray_c *tc, gfp_t gfp);
void teearray_buf_put(struct teearray_buf *buf);
bool teearray_handle_failures(struct teearray_c *tc,
			      struct teearray_request *rqs, unsigned int n,
			      const char *what);

/*
 * Stripe sets: a bitmap of TEEARRAY_STRIPE_LOCKS bits; add stripes with
 * teearray_stripe_set_add(), then lock (may sleep) and unlock the set:
 * exclusive to write, shared to only read (teearray-stripelock.h).
 */
void teearray_stripe_set_add(unsigned long *set, u64 ms);
void teearray_lock_stripes(struct teearray_c *tc, const unsigned long *set);
void teearray_unlock_stripes(struct teearray_c *tc, const unsigned long *set);
void teearray_lock_stripes_shared(struct teearray_c *tc, const unsigned long *set);
void teearray_unlock_stripes_shared(struct teearray_c *tc, const unsigned long *set);

/*
 * Checks a column's contents after a fetch: 0, -EBADMSG, or -ENODATA when
 * they verify only by being all zero (see teearray_fetch_verified).  Any
 * data column of the stripe may be passed in, not only the wanted ones (the
 * search for lying members checks them all); parity columns cannot be
 * checked and are never passed in.
 */
typedef int (*teearray_check_fn)(struct teearray_c *tc, u64 ms, u32 col,
				 const u8 *sector, void *ctx);
int teearray_fetch_columns(struct teearray_c *tc, u64 ms, const bool *want,
			   const bool *avoid, bool *direct,
			   struct teearray_buf *buf);
int teearray_fetch_verified(struct teearray_c *tc, u64 ms, const bool *want,
			    struct teearray_buf *buf, teearray_check_fn check,
			    void *ctx);
int teearray_verify_fetched(struct teearray_c *tc, u64 ms, const bool *want,
			    struct teearray_buf *buf, teearray_check_fn check,
			    void *ctx);
int teearray_write_columns(struct teearray_c *tc, u64 ms, const bool *cols,
			   struct teearray_buf *buf);
int teearray_check_meta(struct teearray_c *tc, u64 ms, u32 col,
			const u8 *sector, void *ctx);
int teearray_stripe_fetch_old(struct teearray_c *tc, u64 ms,
			      const unsigned long *written, unsigned int nw,
			      bool have_old, const bool *have,
			      struct teearray_buf *buf, teearray_check_fn check,
			      void *ctx, bool *rmw);
int teearray_stripe_compute(struct teearray_c *tc,
			    const unsigned long *written, u8 *const *old,
			    struct teearray_buf *buf, bool rmw);

/* teearray-metacache.c; callers hold the metadata sector's stripe. */
void teearray_metacache_init(struct teearray_c *tc, unsigned int size);
void teearray_metacache_exit(struct teearray_c *tc);
bool teearray_metacache_get(struct teearray_c *tc, u64 mv, u8 *out);
void teearray_metacache_put(struct teearray_c *tc, u64 mv, const u8 *in);
void teearray_metacache_drop(struct teearray_c *tc, u64 mv);

/* teearray-journal.c */
int teearray_journal_init(struct teearray_c *tc);
void teearray_journal_exit(struct teearray_c *tc);
void teearray_journal_queue(struct teearray_c *tc, struct bio *bio);
void teearray_journal_kick(struct teearray_c *tc);
void teearray_journal_flush(struct teearray_c *tc);
void teearray_journal_record(struct teearray_c *tc, struct teearray_request *rq,
			     u32 slot, u32 nr, const u8 *key);
int teearray_journal_rewrap(struct teearray_c *tc, const u64 *stripes, unsigned int n);
void teearray_journal_force_record(struct teearray_c *tc);
int teearray_journal_log_write(struct teearray_c *tc, struct teearray_log_write *lw);

/* teearray-replay.c */
int teearray_journal_replay(struct teearray_c *tc);

/* teearray-rebuild.c */
void teearray_rebuild_work(struct work_struct *work);

/* teearray-walk.c */
void teearray_walk_next(struct teearray_c *tc);
bool teearray_walk_should_stop(struct teearray_c *tc);
char teearray_walk_paused(struct teearray_c *tc);
void teearray_walk_sleep(struct teearray_c *tc, unsigned long timeout);
void teearray_walks_stop(struct teearray_c *tc);
void teearray_quiesce(struct teearray_c *tc);
void teearray_unquiesce(struct teearray_c *tc);
void teearray_walks_resume(struct teearray_c *tc);

/* teearray-keys.c */
int teearray_read_key(const struct teearray_key_ref *ref, u8 out[TEEARRAY_KEY_SIZE],
		      char **error);
void teearray_keys_install(struct teearray_c *tc, u32 e, const u8 ekey[TEEARRAY_KEY_SIZE]);
void teearray_keys_wipe(struct teearray_c *tc, u32 e);
const struct teearray_epoch_keys *teearray_keys_of(struct teearray_c *tc, u32 e);
const struct teearray_epoch_keys *teearray_keys_cur(struct teearray_c *tc);
bool teearray_keys_rotating(struct teearray_c *tc);
int teearray_verify_sector(struct teearray_c *tc, u64 v, const struct teearray_entry *e,
			   const u8 *ct);
void teearray_decrypt_sector(struct teearray_c *tc, const struct teearray_entry *e,
			     const u8 *ct, u8 *plain);
int teearray_verify_meta(struct teearray_c *tc, u64 mv, const struct teearray_meta_disk *m,
			 bool *stale);
void teearray_keys_barrier(struct teearray_c *tc);
void teearray_keys_barrier_end(struct teearray_c *tc);

/* teearray-rotate.c */
int teearray_rotate_start(struct teearray_c *tc, u32 epoch, const char *keyref);
void teearray_rotate_work(struct work_struct *work);
int teearray_write_superblocks(struct teearray_c *tc, u32 epoch, bool rotating);

/* teearray-audit.c */
int teearray_audit_init(struct teearray_c *tc);
void teearray_audit_exit(struct teearray_c *tc);
int teearray_audit_load(struct teearray_c *tc);
void teearray_audit_event(struct teearray_c *tc, u32 event, u64 arg0, u64 arg1,
			  const bool *slots);
void teearray_audit_flush(struct teearray_c *tc);
void teearray_audit_hold(struct teearray_c *tc);
void teearray_audit_release(struct teearray_c *tc);
int teearray_audit_message(struct teearray_c *tc, char *result, unsigned int maxlen);
void teearray_audit_event_slot(struct teearray_c *tc, u32 event, u64 arg0, u64 arg1,
			       u32 slot);
u64 teearray_audit_seq(struct teearray_c *tc);

/* teearray-scrub.c */
void teearray_scrub_work(struct work_struct *work);
int teearray_scrub_start(struct teearray_c *tc, bool repair);

#endif /* TEEARRAY_H */
