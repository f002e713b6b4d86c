// SPDX-License-Identifier: GPL-2.0
/*
 * The audit log: security-relevant events as signed, hash-chained entries
 * in the array's log stripes (format in teearray-audit-entry.h).
 *
 * teearray_audit_event() snapshots an event (any context that may
 * allocate with GFP_NOWAIT; it never sleeps) and queues it.  The audit work
 * turns queued events into entries one at a time: next seq, the previous
 * entry's hash, the members involved; the daemon adds their attested
 * measurements and signs with the storage key (TEEARRAY_OP_AUDIT_SIGN); the
 * entry then goes through the journal like any write, so the log survives
 * exactly what the data survives.  Events that cannot be logged (queue
 * full, no daemon) are counted and reported by a "lost" entry.
 *
 * Locking: lock protects queue, queued and lost; seq and head belong to the
 * work (and to assembly, which runs before it is allowed to).
 */
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "teearray.h"
#include "teearray-audit-entry.h"

#define DM_MSG_PREFIX "teearray"

#define TEEARRAY_AUDIT_QUEUE	64

struct teearray_audit_ev {
	struct list_head node;
	u32 event;
	u32 key_epoch;
	u64 arg[2];
	u64 time, generation, dr_version;
	u16 nr;
	struct {
		u16 slot;
		u8 state;
		u8 instance[TEEARRAY_INSTANCE_SIZE];
	} id[TEEARRAY_AUDIT_MAX_IDS];
};

struct teearray_audit {
	spinlock_t lock;		/* queue, queued, lost, ready, held */
	struct list_head queue;
	unsigned int queued;
	u64 lost;
	bool ready;			/* assembled: the work may write */
	bool held;			/* suspended: events wait for resume */
	struct work_struct work;
	u64 seq;			/* newest entry on the members */
	u8 head[TEEARRAY_SHA256_SIZE];	/* its hash */
	struct teearray_audit_disk *entry, *sent;
	struct teearray_audit_ev lost_ev;
	struct teearray_c *tc;
};

/* Events naming every member rather than the ones passed in. */
static bool teearray_audit_all_members(u32 event)
{
	return event == TEEARRAY_EV_OPEN || event == TEEARRAY_EV_CLOSE ||
	       event == TEEARRAY_EV_DEATH_RECORD || event == TEEARRAY_EV_FENCE;
}

static void teearray_audit_queue(struct teearray_c *tc, u32 event, u64 arg0, u64 arg1,
				 const bool *slots, u32 one_slot)
{
	struct teearray_audit *a = tc->audit;
	struct teearray_audit_ev *ev;
	unsigned long flags;
	unsigned int i;

	if (!a)
		return;
	ev = kzalloc(sizeof(*ev), GFP_NOWAIT | __GFP_NOWARN);
	spin_lock_irqsave(&a->lock, flags);
	if (!ev || a->queued >= TEEARRAY_AUDIT_QUEUE) {
		a->lost++;
		spin_unlock_irqrestore(&a->lock, flags);
		kfree(ev);
		return;
	}
	ev->event = event;
	ev->arg[0] = arg0;
	ev->arg[1] = arg1;
	ev->time = ktime_get_real_seconds();
	ev->key_epoch = READ_ONCE(tc->key_epoch);
	ev->dr_version = READ_ONCE(tc->dr_version);
	for (i = 0; i < tc->m && ev->nr < TEEARRAY_AUDIT_MAX_IDS; i++) {
		struct teearray_member *mb = &tc->members[i];

		ev->generation = max(ev->generation, READ_ONCE(mb->generation));
		if (!(slots ? slots[i] : one_slot < tc->m ? i == one_slot :
		      teearray_audit_all_members(event)))
			continue;
		ev->id[ev->nr].slot = i;
		ev->id[ev->nr].state = READ_ONCE(mb->state);
		memcpy(ev->id[ev->nr].instance, mb->instance, TEEARRAY_INSTANCE_SIZE);
		ev->nr++;
	}
	list_add_tail(&ev->node, &a->queue);
	a->queued++;
	if (a->ready && !a->held)
		queue_work(system_long_wq, &a->work);
	spin_unlock_irqrestore(&a->lock, flags);
}

/*
 * Queue an event naming the members in slots[] (NULL: none, or all of them
 * for open, close, fencing and death-record events).  Never sleeps.
 */
void teearray_audit_event(struct teearray_c *tc, u32 event, u64 arg0, u64 arg1,
			  const bool *slots)
{
	teearray_audit_queue(tc, event, arg0, arg1, slots, U32_MAX);
}

/* Queue an event naming one member. */
void teearray_audit_event_slot(struct teearray_c *tc, u32 event, u64 arg0, u64 arg1,
			       u32 slot)
{
	teearray_audit_queue(tc, event, arg0, arg1, NULL, slot);
}

static void teearray_audit_build(struct teearray_c *tc, const struct teearray_audit_ev *ev)
{
	struct teearray_audit *a = tc->audit;
	struct teearray_audit_disk *e = a->entry;
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->magic = cpu_to_le64(TEEARRAY_AUDIT_MAGIC);
	e->version = cpu_to_le32(TEEARRAY_AUDIT_VERSION);
	e->event = cpu_to_le32(ev->event);
	memcpy(e->array_uuid, tc->params->array_uuid, TEEARRAY_UUID_SIZE);
	e->seq = cpu_to_le64(a->seq + 1);
	e->time = cpu_to_le64(ev->time);
	e->generation = cpu_to_le64(ev->generation);
	e->dr_version = cpu_to_le64(ev->dr_version);
	e->key_epoch = cpu_to_le32(ev->key_epoch);
	e->nr_ids = cpu_to_le32(ev->nr);
	e->arg[0] = cpu_to_le64(ev->arg[0]);
	e->arg[1] = cpu_to_le64(ev->arg[1]);
	memcpy(e->prev_hash, a->head, sizeof(e->prev_hash));
	for (i = 0; i < ev->nr; i++) {
		e->id[i].slot = cpu_to_le16(ev->id[i].slot);
		e->id[i].state = ev->id[i].state;
		memcpy(e->id[i].instance, ev->id[i].instance, TEEARRAY_INSTANCE_SIZE);
	}
}

/*
 * The daemon may fill in measurements, the signer and the signature, and
 * nothing else: everything it sends back is untrusted input.
 */
static bool teearray_audit_reply_ok(const struct teearray_audit_disk *sent,
				    const struct teearray_audit_disk *got)
{
	unsigned int i;

	if (memcmp(sent, got, offsetof(struct teearray_audit_disk, id)) ||
	    memcmp(sent->reserved, got->reserved, sizeof(sent->reserved)))
		return false;
	for (i = 0; i < TEEARRAY_AUDIT_MAX_IDS; i++)
		if (memcmp(&sent->id[i], &got->id[i],
			   offsetof(struct teearray_audit_id, measurement)) ||
		    (i >= le32_to_cpu(sent->nr_ids) &&
		     memchr_inv(got->id[i].measurement, 0, TEEARRAY_MEASUREMENT_SIZE)))
			return false;
	return true;
}

/* Sign the entry in a->entry and write it; on success it is the new head. */
static int teearray_audit_append(struct teearray_c *tc)
{
	struct teearray_audit *a = tc->audit;
	struct teearray_log_write lw;
	struct teearray_request rq;
	unsigned int slot;
	int r;

	for (slot = 0; slot < tc->m; slot++)
		if (teearray_member_writable(&tc->members[slot]))
			break;
	if (slot == tc->m)
		return -EIO;
	memcpy(a->sent, a->entry, sizeof(*a->sent));
	teearray_rq_init(tc, &rq, slot, TEEARRAY_OP_AUDIT_SIGN, 0, a->entry);
	r = teearray_io(tc, &rq, 1);
	if (!r && rq.status != TEEARRAY_ST_OK)
		r = -EIO;
	if (r) {
		DMWARN_LIMIT("%s: audit entry %llu not signed (%s)",
			     teearray_dev(tc), a->seq + 1,
			     teearray_status_name(rq.status));
		return r;
	}
	if (!teearray_audit_reply_ok(a->sent, a->entry)) {
		DMWARN_LIMIT("%s: the daemon altered audit entry %llu: dropped",
			     teearray_dev(tc), a->seq + 1);
		return -EBADMSG;
	}
	lw.ms = teearray_audit_ms(&tc->geo, a->seq + 1, &lw.col);
	lw.sector = (const u8 *)a->entry;
	r = teearray_journal_log_write(tc, &lw);
	if (r)
		return r;
	a->seq++;
	teearray_audit_hash(a->entry, a->head);
	return 0;
}

static void teearray_audit_work(struct work_struct *work)
{
	struct teearray_audit *a = container_of(work, struct teearray_audit, work);
	struct teearray_c *tc = a->tc;
	struct teearray_audit_ev *ev;
	u64 lost;

	for (;;) {
		spin_lock_irq(&a->lock);
		if (a->held) {
			spin_unlock_irq(&a->lock);
			return;
		}
		ev = list_first_entry_or_null(&a->queue, struct teearray_audit_ev, node);
		if (ev) {
			list_del(&ev->node);
			a->queued--;
		}
		lost = a->lost;
		a->lost = 0;
		spin_unlock_irq(&a->lock);
		if (!ev && !lost)
			return;
		if (lost) {
			memset(&a->lost_ev, 0, sizeof(a->lost_ev));
			a->lost_ev.event = TEEARRAY_EV_LOST;
			a->lost_ev.arg[0] = lost;
			a->lost_ev.time = ktime_get_real_seconds();
			a->lost_ev.key_epoch = READ_ONCE(tc->key_epoch);
			a->lost_ev.dr_version = READ_ONCE(tc->dr_version);
			teearray_audit_build(tc, &a->lost_ev);
			if (teearray_audit_append(tc)) {
				lost += !!ev;
				break;
			}
		}
		lost = 0;
		if (ev) {
			teearray_audit_build(tc, ev);
			lost = !!teearray_audit_append(tc);
		}
		kfree(ev);
		ev = NULL;
		if (lost)
			break;
	}
	/* Counted, and reported by the next entry that can be written. */
	kfree(ev);
	spin_lock_irq(&a->lock);
	a->lost += lost;
	spin_unlock_irq(&a->lock);
}

/*
 * Assembly: find the newest entry in the log stripes (its seq and hash
 * continue the chain).  Entries are only parsed here; teearray log --verify
 * checks signatures.  Context: preresume, before any I/O or audit work.
 */
int teearray_audit_load(struct teearray_c *tc)
{
	struct teearray_audit *a = tc->audit;
	bool want[TEEARRAY_MAX_MEMBERS] = { false };
	struct teearray_buf *buf;
	unsigned int c;
	u64 ms;
	int r = 0;

	a->seq = 0;
	memset(a->head, 0, sizeof(a->head));
	for (c = 0; c < tc->n; c++)
		want[c] = true;
	buf = mempool_alloc(tc->buf_pool, GFP_NOIO);
	for (ms = tc->geo.log_start; ms < tc->geo.log_start + tc->geo.log_sectors && !r; ms++) {
		r = teearray_fetch_columns(tc, ms, want, NULL, NULL, buf);
		for (c = 0; c < tc->n && !r; c++) {
			const struct teearray_audit_disk *e = (const void *)buf->col[c];
			char *error;

			if (teearray_audit_parse(e, tc->params->array_uuid, &error) ||
			    le64_to_cpu(e->seq) <= a->seq)
				continue;
			a->seq = le64_to_cpu(e->seq);
			teearray_audit_hash(e, a->head);
		}
	}
	mempool_free(buf, tc->buf_pool);
	if (r) {
		DMERR("%s: cannot read the audit log (%d)", teearray_dev(tc), r);
		return r;
	}
	spin_lock_irq(&a->lock);
	a->ready = true;
	spin_unlock_irq(&a->lock);
	return 0;
}

/*
 * Write out what is queued now (suspend, the close message).  Without a
 * daemon nothing can be signed: the events stay queued rather than hold up
 * a suspend.
 */
void teearray_audit_flush(struct teearray_c *tc)
{
	if (!tc->audit || !tc->audit->ready || tc->audit->held ||
	    !teearray_daemon_connected())
		return;
	queue_work(system_long_wq, &tc->audit->work);
	flush_work(&tc->audit->work);
}

/*
 * Postsuspend: queued events wait for resume (an entry is a member write).
 * Waits for an entry being written.
 */
void teearray_audit_hold(struct teearray_c *tc)
{
	struct teearray_audit *a = tc->audit;

	spin_lock_irq(&a->lock);
	a->held = true;
	spin_unlock_irq(&a->lock);
	flush_work(&a->work);
}

/* Resume: write what was queued while suspended. */
void teearray_audit_release(struct teearray_c *tc)
{
	struct teearray_audit *a = tc->audit;

	spin_lock_irq(&a->lock);
	a->held = false;
	if (a->ready && (a->queued || a->lost))
		queue_work(system_long_wq, &a->work);
	spin_unlock_irq(&a->lock);
}

/* Message "audit": the newest entry's seq and hash. */
int teearray_audit_message(struct teearray_c *tc, char *result, unsigned int maxlen)
{
	struct teearray_audit *a = tc->audit;

	flush_work(&a->work);
	scnprintf(result, maxlen, "%llu %*phN", READ_ONCE(a->seq), TEEARRAY_SHA256_SIZE, a->head);
	return 1;
}

u64 teearray_audit_seq(struct teearray_c *tc)
{
	return tc->audit ? READ_ONCE(tc->audit->seq) : 0;
}

int teearray_audit_init(struct teearray_c *tc)
{
	struct teearray_audit *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return -ENOMEM;
	spin_lock_init(&a->lock);
	INIT_LIST_HEAD(&a->queue);
	INIT_WORK(&a->work, teearray_audit_work);
	a->tc = tc;
	a->entry = kzalloc(sizeof(*a->entry), GFP_KERNEL);
	a->sent = kzalloc(sizeof(*a->sent), GFP_KERNEL);
	tc->audit = a;
	return a->entry && a->sent ? 0 : -ENOMEM;
}

/* Context: dtr; nothing queues events any more. */
void teearray_audit_exit(struct teearray_c *tc)
{
	struct teearray_audit *a = tc->audit;
	struct teearray_audit_ev *ev, *tmp;

	if (!a)
		return;
	spin_lock_irq(&a->lock);
	a->ready = false;
	spin_unlock_irq(&a->lock);
	cancel_work_sync(&a->work);
	list_for_each_entry_safe(ev, tmp, &a->queue, node)
		kfree(ev);
	kfree(a->sent);
	kfree(a->entry);
	kfree(a);
	tc->audit = NULL;
}
