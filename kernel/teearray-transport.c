// SPDX-License-Identifier: GPL-2.0
/*
 * Member I/O transport over generic netlink; see teearray-transport.h and
 * uapi/teearray-netlink.h.
 *
 * A request moves pending -> (being sent, on no list) -> in flight, and
 * leaves the in-flight table exactly once: by a valid completion, a
 * timeout, or the end of the daemon session.  Whoever removes it under
 * tp.lock owns it and calls rq->done after dropping the lock.
 *
 * The daemon is untrusted input: completions are validated against the
 * request they claim to answer and dropped (and counted) when they do not
 * fit; the request then times out.
 */
#include <linux/module.h>
#include <linux/hashtable.h>
#include <linux/workqueue.h>
#include <linux/jiffies.h>
#include <linux/netlink.h>
#include <linux/device-mapper.h>
#include <net/genetlink.h>

#include "teearray-transport.h"

#define DM_MSG_PREFIX "teearray"

#define TP_SECTOR	TEEARRAY_NL_SECTOR_SIZE
#define TP_TICK		(HZ / 4)
/* The daemon enforces a request's timeout; we wait this much longer. */
#define TP_LATE_MARGIN	(2 * HZ)

static struct {
	spinlock_t lock;		/* protects every field below */
	u32 portid;			/* daemon socket; 0 when there is none */
	u64 epoch;			/* current daemon session */
	u32 credits;			/* requests the daemon accepts in flight */
	u32 in_flight;
	u64 next_id;
	unsigned long last_keepalive;
	u64 bad_replies;
	struct list_head pending;
	DECLARE_HASHTABLE(table, 8);	/* in flight, by id */
} tp;

static struct workqueue_struct *tp_wq;
static struct work_struct tp_send_work;
static struct delayed_work tp_retry_work;
static struct delayed_work tp_tick_work;
static struct work_struct tp_session_work;

DECLARE_WAIT_QUEUE_HEAD(teearray_daemon_wq);

static DEFINE_MUTEX(tp_watch_lock);	/* protects tp_watchers */
static LIST_HEAD(tp_watchers);

static struct genl_family tp_family;

static void tp_finish_list(struct list_head *done, int status)
{
	struct teearray_request *rq, *tmp;

	list_for_each_entry_safe(rq, tmp, done, entry) {
		list_del_init(&rq->entry);
		rq->status = status;
		rq->done(rq);
	}
}

/* Caller holds tp.lock: move every outstanding request to @out. */
static void tp_take_all(struct list_head *out)
{
	struct teearray_request *rq;
	struct hlist_node *tmp;
	int bkt;

	list_splice_init(&tp.pending, out);
	hash_for_each_safe(tp.table, bkt, tmp, rq, hnode) {
		hash_del(&rq->hnode);
		list_add_tail(&rq->entry, out);
	}
	tp.in_flight = 0;
}

/* End the daemon session: everything outstanding must be reissued. */
static void tp_session_lost(u32 portid, const char *why)
{
	unsigned long flags;
	LIST_HEAD(out);

	spin_lock_irqsave(&tp.lock, flags);
	if (!tp.portid || tp.portid != portid) {
		spin_unlock_irqrestore(&tp.lock, flags);
		return;
	}
	tp.portid = 0;
	tp_take_all(&out);
	spin_unlock_irqrestore(&tp.lock, flags);

	DMWARN("transport daemon %s; member I/O waits for a new daemon", why);
	tp_finish_list(&out, TEEARRAY_RQ_REISSUE);
	wake_up_all(&teearray_daemon_wq);
}

void teearray_submit(struct teearray_request *rq)
{
	unsigned long flags;
	bool range = rq->op == TEEARRAY_OP_COPY || rq->op == TEEARRAY_OP_TRIM;
	bool ok = rq->count <= (range ? TEEARRAY_NL_MAX_RANGE : TEEARRAY_NL_MAX_SECTORS);

	if (rq->op == TEEARRAY_OP_WRITE_SHORT)
		ok = rq->count == 1 && rq->len && rq->len <= TP_SECTOR;

	spin_lock_irqsave(&tp.lock, flags);
	if (!tp.portid || !ok) {
		spin_unlock_irqrestore(&tp.lock, flags);
		rq->status = ok ? TEEARRAY_RQ_REISSUE : TEEARRAY_ST_INTERNAL;
		rq->done(rq);
		return;
	}
	rq->id = ++tp.next_id;
	list_add_tail(&rq->entry, &tp.pending);
	spin_unlock_irqrestore(&tp.lock, flags);
	queue_work(tp_wq, &tp_send_work);
}

const char *teearray_status_name(int status)
{
	static const char * const names[__TEEARRAY_ST_MAX] = {
		[TEEARRAY_ST_OK] = "ok",
		[TEEARRAY_ST_TIMEOUT] = "timeout",
		[TEEARRAY_ST_UNREACHABLE] = "unreachable",
		[TEEARRAY_ST_RESTARTED] = "restarted (new, empty instance)",
		[TEEARRAY_ST_ATTESTATION] = "attestation failed",
		[TEEARRAY_ST_REJECTED] = "command rejected",
		[TEEARRAY_ST_STALE_VERSION] = "stale death-record version",
		[TEEARRAY_ST_FENCED] = "fenced by a newer generation",
		[TEEARRAY_ST_UNKNOWN_MEMBER] = "member not in the daemon's configuration",
		[TEEARRAY_ST_INTERNAL] = "daemon internal error",
		[TEEARRAY_ST_ROLLED_BACK] = "behind what it acknowledged (rolled back)",
		[TEEARRAY_ST_QUEUED] = "not sent: its deadline passed in the daemon's queue",
	};

	if (status == TEEARRAY_RQ_REISSUE)
		return "no daemon";
	if (status == TEEARRAY_RQ_LATE)
		return "the daemon did not answer in time";
	if (status == TEEARRAY_RQ_GAVE_UP)
		return "no answer, and the array cannot do without the member";
	if (status < 0 || status >= __TEEARRAY_ST_MAX || !names[status])
		return "unknown status";
	return names[status];
}

bool teearray_daemon_connected(void)
{
	return READ_ONCE(tp.portid) != 0;
}

u64 teearray_daemon_epoch(void)
{
	unsigned long flags;
	u64 epoch;

	spin_lock_irqsave(&tp.lock, flags);
	epoch = tp.portid ? tp.epoch : 0;
	spin_unlock_irqrestore(&tp.lock, flags);
	return epoch;
}

u64 teearray_transport_bad_replies(void)
{
	return READ_ONCE(tp.bad_replies);
}

/* Bytes of DATA a request carries to the daemon. */
static size_t tp_data_len(const struct teearray_request *rq)
{
	switch (rq->op) {
	case TEEARRAY_OP_WRITE:
	case TEEARRAY_OP_DEATH_WRITE:
	case TEEARRAY_OP_AUDIT_SIGN:
		return (size_t)rq->count * TP_SECTOR;
	case TEEARRAY_OP_WRITE_SHORT:
		return rq->len;
	default:
		return 0;
	}
}

static struct sk_buff *tp_build(const struct teearray_request *rq, u64 epoch)
{
	size_t dlen = tp_data_len(rq);
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size(dlen) + 256, GFP_NOIO);
	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, 0, 0, &tp_family, 0, TEEARRAY_CMD_REQUEST);
	if (!hdr)
		goto bad;
	if (nla_put_u64_64bit(skb, TEEARRAY_A_EPOCH, epoch, TEEARRAY_A_PAD) ||
	    nla_put_u64_64bit(skb, TEEARRAY_A_REQ_ID, rq->id, TEEARRAY_A_PAD) ||
	    nla_put(skb, TEEARRAY_A_ARRAY_UUID, 16, rq->array_uuid) ||
	    nla_put(skb, TEEARRAY_A_MEMBER_UUID, 16, rq->member_uuid) ||
	    nla_put_u32(skb, TEEARRAY_A_SLOT, rq->slot) ||
	    nla_put_u32(skb, TEEARRAY_A_OP, rq->op) ||
	    nla_put_u64_64bit(skb, TEEARRAY_A_GENERATION, rq->generation, TEEARRAY_A_PAD) ||
	    (rq->instance && nla_put(skb, TEEARRAY_A_INSTANCE_ID, 16, rq->instance)) ||
	    nla_put_u64_64bit(skb, TEEARRAY_A_SECTOR, rq->sector, TEEARRAY_A_PAD) ||
	    nla_put_u32(skb, TEEARRAY_A_COUNT, rq->count) ||
	    nla_put_u64_64bit(skb, TEEARRAY_A_ARG, rq->arg, TEEARRAY_A_PAD) ||
	    nla_put_u32(skb, TEEARRAY_A_TIMEOUT_MS, rq->timeout_ms) ||
	    (dlen && nla_put(skb, TEEARRAY_A_DATA, dlen, rq->data)))
		goto bad;
	genlmsg_end(skb, hdr);
	return skb;
bad:
	nlmsg_free(skb);
	return NULL;
}

static struct teearray_request *tp_find(u64 id)
{
	struct teearray_request *rq;

	hash_for_each_possible(tp.table, rq, hnode, id)
		if (rq->id == id)
			return rq;
	return NULL;
}

/*
 * Send pending requests while the credit window allows.  The skb is built
 * while the request is on no list, so nobody else can complete it under us.
 */
static void tp_send(struct work_struct *work)
{
	struct teearray_request *rq;
	struct sk_buff *skb;
	unsigned long flags;
	u32 portid;
	u64 epoch;
	int r;

	for (;;) {
		spin_lock_irqsave(&tp.lock, flags);
		if (!tp.portid || list_empty(&tp.pending) || tp.in_flight >= tp.credits) {
			spin_unlock_irqrestore(&tp.lock, flags);
			return;
		}
		rq = list_first_entry(&tp.pending, struct teearray_request, entry);
		list_del_init(&rq->entry);
		portid = tp.portid;
		epoch = tp.epoch;
		spin_unlock_irqrestore(&tp.lock, flags);

		skb = tp_build(rq, epoch);

		spin_lock_irqsave(&tp.lock, flags);
		if (tp.portid != portid || tp.epoch != epoch) {
			/* The session ended while we were building. */
			spin_unlock_irqrestore(&tp.lock, flags);
			nlmsg_free(skb);
			rq->status = TEEARRAY_RQ_REISSUE;
			rq->done(rq);
			continue;
		}
		if (!skb) {
			list_add(&rq->entry, &tp.pending);
			spin_unlock_irqrestore(&tp.lock, flags);
			queue_delayed_work(tp_wq, &tp_retry_work, HZ / 10);
			return;
		}
		rq->deadline = jiffies + msecs_to_jiffies(rq->timeout_ms) + TP_LATE_MARGIN;
		hash_add(tp.table, &rq->hnode, rq->id);
		tp.in_flight++;
		spin_unlock_irqrestore(&tp.lock, flags);

		r = genlmsg_unicast(&init_net, skb, portid);
		if (!r)
			continue;

		/* Not delivered: back to the head of the queue, try later. */
		spin_lock_irqsave(&tp.lock, flags);
		if (tp_find(rq->id) == rq) {
			hash_del(&rq->hnode);
			tp.in_flight--;
			list_add(&rq->entry, &tp.pending);
		}
		spin_unlock_irqrestore(&tp.lock, flags);
		queue_delayed_work(tp_wq, &tp_retry_work, HZ / 10);
		return;
	}
}

static void tp_retry(struct work_struct *work)
{
	tp_send(NULL);
}

/* Keep-alive supervision and request deadlines. */
static void tp_tick(struct work_struct *work)
{
	struct teearray_request *rq;
	struct hlist_node *tmp;
	unsigned long flags;
	u32 lost = 0;
	LIST_HEAD(expired);
	int bkt;

	spin_lock_irqsave(&tp.lock, flags);
	if (tp.portid && time_after(jiffies, tp.last_keepalive +
				    msecs_to_jiffies(TEEARRAY_KEEPALIVE_TIMEOUT_MS))) {
		lost = tp.portid;
	} else if (tp.portid) {
		hash_for_each_safe(tp.table, bkt, tmp, rq, hnode) {
			if (time_after(jiffies, rq->deadline)) {
				hash_del(&rq->hnode);
				tp.in_flight--;
				list_add_tail(&rq->entry, &expired);
			}
		}
	}
	spin_unlock_irqrestore(&tp.lock, flags);

	if (lost)
		tp_session_lost(lost, "stopped sending keep-alives");
	tp_finish_list(&expired, TEEARRAY_RQ_LATE);
	if (!list_empty(&expired))
		queue_work(tp_wq, &tp_send_work);
	queue_delayed_work(tp_wq, &tp_tick_work, TP_TICK);
}

static void tp_run_watchers(struct work_struct *work)
{
	struct teearray_transport_watcher *w;
	u64 epoch = teearray_daemon_epoch();

	if (!epoch)
		return;
	mutex_lock(&tp_watch_lock);
	list_for_each_entry(w, &tp_watchers, entry)
		w->new_session(w, epoch);
	mutex_unlock(&tp_watch_lock);
}

void teearray_transport_watch(struct teearray_transport_watcher *w)
{
	mutex_lock(&tp_watch_lock);
	list_add_tail(&w->entry, &tp_watchers);
	mutex_unlock(&tp_watch_lock);
}

void teearray_transport_unwatch(struct teearray_transport_watcher *w)
{
	mutex_lock(&tp_watch_lock);
	list_del(&w->entry);
	mutex_unlock(&tp_watch_lock);
}

static int tp_register(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	unsigned long flags;
	LIST_HEAD(out);
	void *hdr;
	u64 epoch;
	u32 old;

	if (info->genlhdr->version != TEEARRAY_GENL_VERSION) {
		/* An older daemon would refuse multi-sector reads, failing members. */
		GENL_SET_ERR_MSG(info, "the daemon speaks another version of the protocol");
		DMWARN_LIMIT("refused a daemon speaking netlink version %u (this module: %u)",
			     info->genlhdr->version, TEEARRAY_GENL_VERSION);
		return -EPROTO;
	}
	if (!info->attrs[TEEARRAY_A_CREDITS]) {
		GENL_SET_ERR_MSG(info, "REGISTER needs CREDITS");
		return -EINVAL;
	}
	reply = genlmsg_new(64, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;

	spin_lock_irqsave(&tp.lock, flags);
	old = tp.portid;
	tp_take_all(&out);
	tp.portid = info->snd_portid;
	epoch = ++tp.epoch;
	tp.credits = nla_get_u32(info->attrs[TEEARRAY_A_CREDITS]);
	tp.last_keepalive = jiffies;
	spin_unlock_irqrestore(&tp.lock, flags);

	if (old)
		DMWARN("transport daemon replaced (session %llu); reissuing I/O", epoch);
	else
		DMINFO("transport daemon registered (session %llu)", epoch);
	tp_finish_list(&out, TEEARRAY_RQ_REISSUE);
	wake_up_all(&teearray_daemon_wq);
	queue_work(tp_wq, &tp_session_work);

	hdr = genlmsg_put_reply(reply, info, &tp_family, 0, TEEARRAY_CMD_REGISTER);
	if (!hdr || nla_put_u64_64bit(reply, TEEARRAY_A_EPOCH, epoch, TEEARRAY_A_PAD)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

/* Is this message from the current daemon session? */
static bool tp_current(struct genl_info *info)
{
	struct nlattr *a = info->attrs[TEEARRAY_A_EPOCH];
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&tp.lock, flags);
	ok = a && tp.portid && info->snd_portid == tp.portid &&
	     nla_get_u64(a) == tp.epoch;
	if (ok)
		tp.last_keepalive = jiffies;
	else
		tp.bad_replies++;
	spin_unlock_irqrestore(&tp.lock, flags);
	return ok;
}

static int tp_keepalive(struct sk_buff *skb, struct genl_info *info)
{
	if (!tp_current(info)) {
		GENL_SET_ERR_MSG(info, "not the current daemon session");
		return -ESTALE;
	}
	return 0;
}

static const struct nla_policy tp_completion_policy[TEEARRAY_A_MAX + 1] = {
	[TEEARRAY_A_REQ_ID] = { .type = NLA_U64 },
	[TEEARRAY_A_STATUS] = NLA_POLICY_MAX(NLA_U32, __TEEARRAY_ST_MAX - 1),
	/* The exact length is checked against the request (tp_reply_fits). */
	[TEEARRAY_A_DATA] = { .type = NLA_BINARY },
	[TEEARRAY_A_INSTANCE_ID] = NLA_POLICY_EXACT_LEN(16),
	[TEEARRAY_A_MEMBER_SECTORS] = { .type = NLA_U64 },
	[TEEARRAY_A_GENERATION] = { .type = NLA_U64 },
	[TEEARRAY_A_PAD] = { .type = NLA_UNSPEC },
};

/* Does a successful completion carry what its operation must return? */
static bool tp_reply_fits(const struct teearray_request *rq, struct nlattr **tb)
{
	if (nla_get_u32(tb[TEEARRAY_A_STATUS]) != TEEARRAY_ST_OK)
		return !tb[TEEARRAY_A_DATA];
	switch (rq->op) {
	case TEEARRAY_OP_IDENTIFY:
		return tb[TEEARRAY_A_INSTANCE_ID] && tb[TEEARRAY_A_MEMBER_SECTORS] &&
		       tb[TEEARRAY_A_GENERATION] && !tb[TEEARRAY_A_DATA];
	case TEEARRAY_OP_READ:
	case TEEARRAY_OP_DEATH_READ:
	case TEEARRAY_OP_AUDIT_SIGN:
		return tb[TEEARRAY_A_DATA] &&
		       nla_len(tb[TEEARRAY_A_DATA]) == rq->count * TP_SECTOR;
	default:
		return !tb[TEEARRAY_A_DATA];
	}
}

static void tp_complete_one(struct nlattr *nest, struct genl_info *info)
{
	struct nlattr *tb[TEEARRAY_A_MAX + 1];
	struct teearray_request *rq;
	unsigned long flags;

	if (nla_parse_nested(tb, TEEARRAY_A_MAX, nest, tp_completion_policy,
			     info->extack) ||
	    !tb[TEEARRAY_A_REQ_ID] || !tb[TEEARRAY_A_STATUS])
		goto bad;

	spin_lock_irqsave(&tp.lock, flags);
	rq = tp_find(nla_get_u64(tb[TEEARRAY_A_REQ_ID]));
	if (!rq || !tp_reply_fits(rq, tb)) {
		spin_unlock_irqrestore(&tp.lock, flags);
		goto bad;
	}
	hash_del(&rq->hnode);
	tp.in_flight--;
	spin_unlock_irqrestore(&tp.lock, flags);

	rq->status = nla_get_u32(tb[TEEARRAY_A_STATUS]);
	if (rq->status == TEEARRAY_ST_OK) {
		if (tb[TEEARRAY_A_DATA])
			memcpy(rq->data, nla_data(tb[TEEARRAY_A_DATA]),
			       nla_len(tb[TEEARRAY_A_DATA]));
		if (tb[TEEARRAY_A_INSTANCE_ID]) {
			memcpy(rq->instance_out, nla_data(tb[TEEARRAY_A_INSTANCE_ID]), 16);
			rq->member_sectors = nla_get_u64(tb[TEEARRAY_A_MEMBER_SECTORS]);
			rq->member_generation = nla_get_u64(tb[TEEARRAY_A_GENERATION]);
		}
	}
	rq->done(rq);
	return;
bad:
	spin_lock_irqsave(&tp.lock, flags);
	tp.bad_replies++;
	spin_unlock_irqrestore(&tp.lock, flags);
	DMWARN_LIMIT("dropped a malformed or unexpected completion from the daemon");
}

static int tp_complete(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *nla;
	int rem, n = 0;

	if (!tp_current(info)) {
		GENL_SET_ERR_MSG(info, "not the current daemon session");
		return -ESTALE;
	}
	nlmsg_for_each_attr(nla, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(nla) != TEEARRAY_A_COMPLETION)
			continue;
		tp_complete_one(nla, info);
		n++;
	}
	if (n)
		queue_work(tp_wq, &tp_send_work);
	return 0;
}

static const struct nla_policy tp_policy[TEEARRAY_A_MAX + 1] = {
	[TEEARRAY_A_EPOCH] = { .type = NLA_U64 },
	[TEEARRAY_A_CREDITS] = NLA_POLICY_RANGE(NLA_U32, 1, 4096),
	[TEEARRAY_A_COMPLETION] = NLA_POLICY_NESTED(tp_completion_policy),
	[TEEARRAY_A_PAD] = { .type = NLA_UNSPEC },
};

static const struct genl_small_ops tp_ops[] = {
	{
		.cmd = TEEARRAY_CMD_REGISTER,
		.doit = tp_register,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TEEARRAY_CMD_KEEPALIVE,
		.doit = tp_keepalive,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = TEEARRAY_CMD_COMPLETE,
		.doit = tp_complete,
		.flags = GENL_ADMIN_PERM,
	},
};

static struct genl_family tp_family __ro_after_init = {
	.name = TEEARRAY_GENL_NAME,
	.version = TEEARRAY_GENL_VERSION,
	.maxattr = TEEARRAY_A_MAX,
	.policy = tp_policy,
	.module = THIS_MODULE,
	.small_ops = tp_ops,
	.n_small_ops = ARRAY_SIZE(tp_ops),
	.resv_start_op = TEEARRAY_CMD_REGISTER,
};

/* The daemon's socket closed (exit or crash): end its session at once. */
static int tp_netlink_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    n->portid && n->portid == READ_ONCE(tp.portid))
		tp_session_lost(n->portid, "exited");
	return NOTIFY_DONE;
}

static struct notifier_block tp_notifier = {
	.notifier_call = tp_netlink_event,
};

int teearray_transport_init(void)
{
	int r;

	spin_lock_init(&tp.lock);
	INIT_LIST_HEAD(&tp.pending);
	hash_init(tp.table);
	INIT_WORK(&tp_send_work, tp_send);
	INIT_DELAYED_WORK(&tp_retry_work, tp_retry);
	INIT_DELAYED_WORK(&tp_tick_work, tp_tick);
	INIT_WORK(&tp_session_work, tp_run_watchers);

	tp_wq = alloc_workqueue("teearray_transport", WQ_MEM_RECLAIM, 1);
	if (!tp_wq)
		return -ENOMEM;
	r = genl_register_family(&tp_family);
	if (r)
		goto bad_wq;
	r = netlink_register_notifier(&tp_notifier);
	if (r)
		goto bad_family;
	queue_delayed_work(tp_wq, &tp_tick_work, TP_TICK);
	return 0;

bad_family:
	genl_unregister_family(&tp_family);
bad_wq:
	destroy_workqueue(tp_wq);
	return r;
}

/* Context: module exit; no table, hence no request, is left. */
void teearray_transport_exit(void)
{
	netlink_unregister_notifier(&tp_notifier);
	genl_unregister_family(&tp_family);
	cancel_delayed_work_sync(&tp_tick_work);
	cancel_delayed_work_sync(&tp_retry_work);
	cancel_work_sync(&tp_send_work);
	cancel_work_sync(&tp_session_work);
	destroy_workqueue(tp_wq);
}
