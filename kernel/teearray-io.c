// SPDX-License-Identifier: GPL-2.0
/*
 * The stripe engine: fetching columns (reading them, or reconstructing them
 * when a member is missing or lies), verified fetches, parity updates, and
 * the stripe sets that keep jobs off each other's stripes.
 *
 * A verified fetch checks every wanted column with the caller's check (a
 * data sector's MAC, a metadata sector's tag); a column that does not
 * verify is rebuilt from the other members and checked again, and the
 * member that served it is failed.  If the rebuilt column does not verify
 * either, every column is fetched and the stripe searched for the members
 * that lie (teearray-blame.h); a stripe that cannot be verified even so
 * fails with EIO, counted in status and logged in the audit log: bad data
 * never reaches the caller.  Reads (teearray-read.c) and the journal
 * (teearray-journal.c) are built on these helpers.
 */
#include <linux/slab.h>
#include <linux/bio.h>
#include <linux/hash.h>
#include <linux/math64.h>

#include "teearray.h"
#include "teearray-blame.h"

#define DM_MSG_PREFIX "teearray"

/* readable[c]: can column c of stripe ms be read from its member (now)? */
void teearray_readable_cols(struct teearray_c *tc, u64 ms, bool *readable)
{
	struct teearray_rebuild_pos rb;

	teearray_rebuild_pos_get(tc, &rb);
	teearray_plan_readable(&tc->geo, tc->members, &rb, ms, readable);
}

/* Columns of stripe ms that can be read and are not to be avoided. */
static unsigned int teearray_usable_cols(struct teearray_c *tc, u64 ms,
					 const bool *avoid)
{
	bool readable[TEEARRAY_MAX_MEMBERS];

	teearray_readable_cols(tc, ms, readable);
	return teearray_plan_usable(&tc->geo, readable, avoid);
}

void teearray_stripe_set_add(unsigned long *set, u64 ms)
{
	__set_bit(hash_64(ms, ilog2(TEEARRAY_STRIPE_LOCKS)), set);
}

/*
 * Take every stripe of the set or none (teearray-stripelock.h): never
 * deadlocks.  May sleep.
 */
static void teearray_lock_stripes_as(struct teearray_c *tc, const unsigned long *set,
				     bool shared)
{
	bool marked = false, ok;
	DEFINE_WAIT(wait);

	for (;;) {
		prepare_to_wait(&tc->busy_wq, &wait, TASK_UNINTERRUPTIBLE);
		spin_lock(&tc->busy_lock);
		ok = teearray_stripelocks_try(&tc->locks, set, shared, &marked);
		spin_unlock(&tc->busy_lock);
		if (ok)
			break;
		schedule();
	}
	finish_wait(&tc->busy_wq, &wait);
}

static void teearray_unlock_stripes_as(struct teearray_c *tc, const unsigned long *set,
				       bool shared)
{
	spin_lock(&tc->busy_lock);
	teearray_stripelocks_release(&tc->locks, set, shared);
	spin_unlock(&tc->busy_lock);
	wake_up_all(&tc->busy_wq);
}

void teearray_lock_stripes(struct teearray_c *tc, const unsigned long *set)
{
	teearray_lock_stripes_as(tc, set, false);
}

void teearray_unlock_stripes(struct teearray_c *tc, const unsigned long *set)
{
	teearray_unlock_stripes_as(tc, set, false);
}

void teearray_lock_stripes_shared(struct teearray_c *tc, const unsigned long *set)
{
	teearray_lock_stripes_as(tc, set, true);
}

void teearray_unlock_stripes_shared(struct teearray_c *tc, const unsigned long *set)
{
	teearray_unlock_stripes_as(tc, set, true);
}

/*
 * Fail the members whose requests failed; false if the array failed, the
 * death record saying so could not be persisted, or a request gave up
 * waiting on a member the array cannot do without (that I/O fails alone).
 * A timeout that reaches here is one teearray_io judged evidence enough
 * (teearray-slow.h).
 */
bool teearray_handle_failures(struct teearray_c *tc,
			      struct teearray_request *rqs, unsigned int n,
			      const char *what)
{
	bool failed[TEEARRAY_MAX_MEMBERS] = { false };
	u32 cause = TEEARRAY_FAIL_SILENT;
	bool any = false, gave_up = false;
	u64 detail = 0;
	unsigned int i;

	if (READ_ONCE(tc->fail_reason))
		return false;
	for (i = 0; i < n; i++) {
		u32 slot = rqs[i].slot;

		if (rqs[i].status == TEEARRAY_ST_OK)
			continue;
		if (teearray_status_is_fatal(rqs[i].status)) {
			teearray_set_failed(tc, "fenced by a newer generation");
			return false;
		}
		if (rqs[i].status == TEEARRAY_RQ_GAVE_UP) {
			if (!gave_up)
				DMWARN_LIMIT("%s: member %u: %s: waited %llu ms: I/O fails alone",
					     teearray_dev(tc), slot, what,
					     teearray_member_silent_ms(tc, slot));
			gave_up = true;
			continue;
		}
		if (!failed[slot])
			DMWARN_LIMIT("%s: member %u: %s: %s", teearray_dev(tc), slot, what,
				     teearray_status_name(rqs[i].status));
		if (rqs[i].status == TEEARRAY_ST_TIMEOUT) {
			detail = max(detail, teearray_member_silent_ms(tc, slot));
		} else if (cause == TEEARRAY_FAIL_SILENT) {
			cause = TEEARRAY_FAIL_STATUS;
			detail = (u32)rqs[i].status;
		}
		failed[slot] = true;
		any = true;
	}
	if (any && teearray_fail_members(tc, failed, what, cause, detail))
		return false;
	return !gave_up && !READ_ONCE(tc->fail_reason);
}

/*
 * Make buf->col[c] hold the current contents of every wanted column of
 * stripe ms, reading them or, when a member is missing, fails, or is to be
 * avoided, reading N other columns and decoding.  direct[c] (optional) says
 * which columns came straight from their member.  Context: job holding the
 * stripe.
 */
int teearray_fetch_columns(struct teearray_c *tc, u64 ms, const bool *want,
			   const bool *avoid, bool *direct,
			   struct teearray_buf *buf)
{
	struct teearray_request *rqs = buf->rqs;
	struct teearray_fetch_plan *plan = buf->plan;
	bool *read = plan->read;
	unsigned int attempt, c, k;
	int r = -EIO;

	for (attempt = 0; attempt <= tc->m; attempt++) {
		int missing;

		if (READ_ONCE(tc->fail_reason))
			break;
		teearray_readable_cols(tc, ms, plan->readable);
		missing = teearray_plan_fetch(&tc->geo, plan->readable, avoid, want, read);
		if (missing < 0) {
			if (!avoid)
				teearray_set_failed(tc, "fewer than N readable members");
			break;
		}

		for (c = 0, k = 0; c < tc->m; c++) {
			if (!read[c])
				continue;
			teearray_rq_init(tc, &rqs[k], teearray_slot_of(&tc->geo, ms, c),
					 TEEARRAY_OP_READ, ms, buf->col[c]);
			/* A read may fail alone rather than wait on a member for ever. */
			rqs[k++].may_give_up = true;
		}
		if (teearray_io(tc, rqs, k))
			break;
		if (!teearray_handle_failures(tc, rqs, k, "read failed"))
			break;
		for (c = 0; c < k; c++)
			if (rqs[c].status != TEEARRAY_ST_OK)
				break;
		if (c < k)
			continue;	/* membership changed: plan again */

		if (missing) {
			for (c = 0; c < tc->m; c++)
				plan->erased[c] = !read[c];
			r = tee_ec_decode(tc->ec, buf->ec_work, buf->col, plan->erased);
			if (r)
				break;
		}
		if (direct)
			for (c = 0; c < tc->m; c++)
				direct[c] = read[c];
		r = 0;
		break;
	}
	return r;
}

/* What the search's check of a data column needs. */
struct teearray_blame_ctx {
	struct teearray_c *tc;
	u64 ms;
	teearray_check_fn check;
	void *ctx;
	u8 state[TEEARRAY_MAX_MEMBERS];
	bool liar[TEEARRAY_MAX_MEMBERS];
	bool fetch[TEEARRAY_MAX_MEMBERS];
	bool readable[TEEARRAY_MAX_MEMBERS];
	bool slots[TEEARRAY_MAX_MEMBERS];	/* by slot */
	u8 *saved[TEE_EC_MAX_PARITY];
};

static int teearray_blame_check(void *ctx, unsigned int col, const u8 *sector)
{
	struct teearray_blame_ctx *b = ctx;

	return b->check(b->tc, b->ms, col, sector, b->ctx);
}

/*
 * A column rebuilt from the others did not verify: one of the columns it
 * was rebuilt from lies too.  Fetch every readable column not held yet
 * (held[c]: buf->col[c] is what its member served; bad[c]: a data column
 * known not to verify, already counted), check every data column, and
 * search for the stripe (teearray_blame_search).  Found: buf->col holds the
 * whole stripe and every member whose column differs from it is failed.
 * Not found: -EIO, counted in <unverifiable>, logged and audited, nobody
 * failed (nothing decides who lied).  Context: job holding the stripe.
 */
static noinline_for_stack int
teearray_fetch_blame(struct teearray_c *tc, u64 ms, struct teearray_buf *buf,
		     teearray_check_fn check, void *ctx, const bool *bad,
		     const bool *held)
{
	const char *dev = teearray_dev(tc);
	struct teearray_request *rqs;
	struct teearray_blame_ctx *b;
	unsigned int c, i, k = 0, tries = 0;
	bool any = false;
	int r;

	b = kzalloc(sizeof(*b), GFP_NOIO);
	rqs = kcalloc(tc->m, sizeof(*rqs), GFP_NOIO);
	if (!b || !rqs) {
		r = -ENOMEM;
		goto out;
	}
	b->tc = tc;
	b->ms = ms;
	b->check = check;
	b->ctx = ctx;
	teearray_readable_cols(tc, ms, b->readable);
	for (c = 0; c < tc->m; c++) {
		if (c < tc->n && bad[c])
			b->state[c] = TEEARRAY_BLAME_BAD;
		else if (held[c])
			b->state[c] = TEEARRAY_BLAME_HELD;
		else if (b->readable[c])
			b->fetch[c] = true;
	}
	for (c = 0; c < tc->m; c++) {
		if (!b->fetch[c])
			continue;
		teearray_rq_init(tc, &rqs[k], teearray_slot_of(&tc->geo, ms, c),
				 TEEARRAY_OP_READ, ms, buf->col[c]);
		rqs[k++].may_give_up = true;
	}
	r = k ? teearray_io(tc, rqs, k) : 0;
	if (r || !teearray_handle_failures(tc, rqs, k, "read failed")) {
		r = -EIO;
		goto out;
	}
	for (c = 0, i = 0; c < tc->m; c++)
		if (b->fetch[c] && rqs[i++].status == TEEARRAY_ST_OK)
			b->state[c] = TEEARRAY_BLAME_HELD;
	for (c = 0; c < tc->n; c++) {
		int v;

		if (b->state[c] != TEEARRAY_BLAME_HELD)
			continue;
		v = check(tc, ms, c, buf->col[c], ctx);
		if (!v || v == -ENODATA)
			continue;
		b->state[c] = TEEARRAY_BLAME_BAD;
		atomic64_inc(&tc->mac_failures);
		teearray_audit_event_slot(tc, TEEARRAY_EV_MAC_FAILURE, ms,
					  atomic64_read(&tc->mac_failures),
					  teearray_slot_of(&tc->geo, ms, c));
		DMWARN_LIMIT("%s: stripe %llu column %u (member %u) does not verify either",
			     dev, ms, c, teearray_slot_of(&tc->geo, ms, c));
	}
	for (i = 0; i < tc->p; i++) {
		if (b->state[tc->n + i] != TEEARRAY_BLAME_HELD)
			continue;
		b->saved[i] = (u8 *)__get_free_page(GFP_NOIO);
		if (!b->saved[i]) {
			r = -ENOMEM;
			goto out;
		}
	}
	r = teearray_blame_search(tc->ec, buf->ec_work, tc->n, tc->p, buf->col,
				  b->saved, b->state, teearray_blame_check, b,
				  b->liar, &tries);
	if (r == -ENOENT) {
		u64 nr = atomic64_inc_return(&tc->unverifiable);

		for (c = 0; c < tc->n; c++)
			if (b->state[c] == TEEARRAY_BLAME_BAD)
				b->slots[teearray_slot_of(&tc->geo, ms, c)] = true;
		dm_table_event(tc->ti->table);
		teearray_audit_event(tc, TEEARRAY_EV_UNVERIFIABLE, ms, nr, b->slots);
		DMERR_LIMIT("%s: stripe %llu: no set of columns verifies (%u tried): EIO",
			    dev, ms, tries);
		r = -EIO;
		goto out;
	}
	if (r)
		goto out;
	for (c = 0; c < tc->m; c++) {
		u32 slot = teearray_slot_of(&tc->geo, ms, c);

		if (!b->liar[c])
			continue;
		DMWARN_LIMIT("%s: stripe %llu: member %u lied (column %u): failing it",
			     dev, ms, slot, c);
		b->slots[slot] = true;
		any = true;
	}
	if (any) {
		if (teearray_fail_members(tc, b->slots,
					  "served a column that differs from the verified stripe",
					  TEEARRAY_FAIL_LIED, 0))
			r = -EIO;
	}
out:
	if (r && r != -EIO)
		DMERR_LIMIT("%s: stripe %llu: searching for the members that lie failed: %d",
			    dev, ms, r);
	if (b)
		for (i = 0; i < tc->p; i++)
			free_page((unsigned long)b->saved[i]);
	kfree(rqs);
	kfree(b);
	return r;
}

/*
 * Fetch the wanted columns and check each data column with check().  A
 * column its member served that does not verify is rebuilt from the other
 * members; if the rebuilt one verifies, the member lied and is failed.  A
 * column that does not verify after a rebuild, or cannot be rebuilt
 * because too few columns are left, means more members lie: then
 * teearray_fetch_blame() looks at the whole stripe, fails the liars or
 * fails the fetch with EIO (never silently).  check() returns -ENODATA for
 * contents that verify only because they are all zero ("never written"); a
 * member could zero a sector to hide data, so each such column is
 * confirmed once by rebuilding it, one at a time so that N other columns
 * stay available (and not at all when the stripe has no redundancy left:
 * then nothing can tell).
 */
static int teearray_fetch_verified_from(struct teearray_c *tc, u64 ms, const bool *want,
					struct teearray_buf *buf, teearray_check_fn check,
					void *ctx, bool fetched)
{
	bool avoid[TEEARRAY_MAX_MEMBERS] = { false };
	bool liar[TEEARRAY_MAX_MEMBERS] = { false };
	bool zero_ok[TEEARRAY_MAX_MEMBERS] = { false };
	bool direct[TEEARRAY_MAX_MEMBERS];
	unsigned int attempt, c;
	bool any_liar = false;
	int r = -EIO;

	for (attempt = 0; attempt <= 2 * tc->n + 1; attempt++) {
		bool again = false, confirming = false, lacking = false;

		for (c = 0; c < tc->n && attempt; c++)
			lacking |= want[c] && avoid[c];
		if (lacking && teearray_usable_cols(tc, ms, avoid) < tc->n) {
			DMWARN_LIMIT("%s: stripe %llu: cannot rebuild: searching the stripe",
				     teearray_dev(tc), ms);
			return teearray_fetch_blame(tc, ms, buf, check, ctx, liar, direct);
		}
		if (attempt || !fetched) {
			r = teearray_fetch_columns(tc, ms, want, attempt ? avoid : NULL,
						   direct, buf);
			if (r)
				return r;
		} else {
			for (c = 0; c < tc->m; c++)
				direct[c] = want[c];
		}
		for (c = 0; c < tc->n; c++) {
			bool probe = avoid[c] && !liar[c];
			int v;

			if (!want[c])
				continue;
			v = check(tc, ms, c, buf->col[c], ctx);
			if (v == -ENODATA && !direct[c]) {
				/* rebuilt as zero: the member told the truth */
				zero_ok[c] = true;
				avoid[c] = false;
				continue;
			}
			if (v == -ENODATA) {
				if (teearray_usable_cols(tc, ms, avoid) <= tc->n)
					zero_ok[c] = true;
				if (!zero_ok[c] && !confirming) {
					avoid[c] = true;
					confirming = true;
				}
				again |= !zero_ok[c];
				continue;
			}
			if (!v && !probe)
				continue;
			if (v && !direct[c]) {
				/* No member served this: it was rebuilt from liars. */
				DMWARN_LIMIT("%s: stripe %llu column %u: rebuilt, does not verify",
					     teearray_dev(tc), ms, c);
				return teearray_fetch_blame(tc, ms, buf, check, ctx, liar, direct);
			}
			atomic64_inc(&tc->mac_failures);
			dm_table_event(tc->ti->table);
			teearray_audit_event_slot(tc, TEEARRAY_EV_MAC_FAILURE, ms,
						  atomic64_read(&tc->mac_failures),
						  teearray_slot_of(&tc->geo, ms, c));
			if (!v) {
				DMWARN_LIMIT("%s: stripe %llu: member %u zeroed a written sector",
					     teearray_dev(tc), ms,
					     teearray_slot_of(&tc->geo, ms, c));
				liar[c] = true;
				continue;
			}
			DMWARN_LIMIT("%s: stripe %llu column %u (member %u) does not verify%s",
				     teearray_dev(tc), ms, c,
				     teearray_slot_of(&tc->geo, ms, c),
				     ": rebuilding it from the others");
			avoid[c] = true;
			liar[c] = true;
			again = true;
		}
		if (!again)
			break;
	}
	if (attempt > 2 * tc->n + 1) {
		DMWARN_LIMIT("%s: stripe %llu: rebuilding does not settle: searching the stripe",
			     teearray_dev(tc), ms);
		return teearray_fetch_blame(tc, ms, buf, check, ctx, liar, direct);
	}
	for (c = 0; c < tc->n; c++)
		any_liar |= liar[c];
	if (any_liar) {
		bool failed[TEEARRAY_MAX_MEMBERS] = { false };

		for (c = 0; c < tc->n; c++)
			if (liar[c])
				failed[teearray_slot_of(&tc->geo, ms, c)] = true;
		if (teearray_fail_members(tc, failed, "returned data that does not verify",
					  TEEARRAY_FAIL_LIED, 0))
			return -EIO;
	}
	return 0;
}

int teearray_fetch_verified(struct teearray_c *tc, u64 ms, const bool *want,
			    struct teearray_buf *buf, teearray_check_fn check,
			    void *ctx)
{
	return teearray_fetch_verified_from(tc, ms, want, buf, check, ctx, false);
}

/*
 * As teearray_fetch_verified, for wanted columns already in buf->col as
 * their members returned them (a read of many rows): they are checked as
 * if just fetched, so a member that served bad data is found and failed
 * the same way.
 */
int teearray_verify_fetched(struct teearray_c *tc, u64 ms, const bool *want,
			    struct teearray_buf *buf, teearray_check_fn check,
			    void *ctx)
{
	return teearray_fetch_verified_from(tc, ms, want, buf, check, ctx, true);
}

/* Write the given columns of stripe ms to every member that takes writes. */
int teearray_write_columns(struct teearray_c *tc, u64 ms, const bool *cols,
			   struct teearray_buf *buf)
{
	struct teearray_request *rqs = buf->rqs;
	unsigned int c, k = 0;
	int r;

	for (c = 0; c < tc->m; c++) {
		u32 slot = teearray_slot_of(&tc->geo, ms, c);

		if (!cols[c] || !teearray_member_writable(&tc->members[slot]))
			continue;
		teearray_rq_init(tc, &rqs[k++], slot, TEEARRAY_OP_WRITE, ms, buf->col[c]);
	}
	r = teearray_io(tc, rqs, k);
	if (!r && !teearray_handle_failures(tc, rqs, k, "write failed"))
		r = -EIO;
	return r;
}

/* Metadata stripe check: the sector's tag; -ENODATA for all zero. */
int teearray_check_meta(struct teearray_c *tc, u64 ms, u32 col,
			const u8 *sector, void *ctx)
{
	u64 mv = teearray_geo_meta_mv(&tc->geo, ms, col);

	if (!memchr_inv(sector, 0, TEEARRAY_SECTOR_SIZE))
		return -ENODATA;
	return teearray_verify_meta(tc, mv, (const struct teearray_meta_disk *)sector, NULL);
}

/*
 * Fetch what a parity update of the written columns needs
 * (teearray_plan_update: for RMW the parity and, unless have_old, the
 * written columns' old contents; for RCW the unwritten data columns, except
 * those in have[], already in buf->col).  Data columns are checked with
 * check().
 */
int teearray_stripe_fetch_old(struct teearray_c *tc, u64 ms,
			      const unsigned long *written, unsigned int nw,
			      bool have_old, const bool *have,
			      struct teearray_buf *buf, teearray_check_fn check,
			      void *ctx, bool *rmw)
{
	bool want[TEEARRAY_MAX_MEMBERS] = { false }, readable[TEEARRAY_MAX_MEMBERS];
	bool any = false;
	unsigned int c;

	teearray_readable_cols(tc, ms, readable);
	*rmw = teearray_plan_update(&tc->geo, written, nw, have_old, have, readable, want);
	for (c = 0; c < tc->m; c++)
		any |= want[c];
	if (!any)
		return 0;
	return teearray_fetch_verified(tc, ms, want, buf, check, ctx);
}

/*
 * New contents of the written columns are in buf->aux[c]; old contents
 * in old[c] (or, when old is NULL, in buf->col[c] as fetched).  Leaves the
 * new written columns and the new parity in buf->col.
 */
int teearray_stripe_compute(struct teearray_c *tc,
			    const unsigned long *written, u8 *const *old,
			    struct teearray_buf *buf, bool rmw)
{
	u16 idx[TEEARRAY_MAX_MEMBERS];
	unsigned int c, i, w = 0;

	for (c = 0; c < tc->n; c++)
		if (test_bit(c, written))
			idx[w++] = c;
	if (!rmw) {
		for (c = 0; c < w; c++)
			memcpy(buf->col[idx[c]], buf->aux[idx[c]], TEEARRAY_SECTOR_SIZE);
		tee_ec_encode(tc->ec, buf->ec_work, (const u8 *const *)buf->col,
			      buf->col + tc->n);
		return 0;
	}
	/* parity += code(old ^ new); aux becomes the delta. */
	for (c = 0; c < w; c++) {
		u8 *delta = buf->aux[idx[c]], *dst = buf->col[idx[c]];
		const u8 *o = old ? old[idx[c]] : dst;

		for (i = 0; i < TEEARRAY_SECTOR_SIZE; i++) {
			delta[i] ^= o[i];
			dst[i] = o[i] ^ delta[i];
		}
	}
	return tee_ec_update(tc->ec, buf->ec_work, w, idx,
			     (const u8 *const *)buf->aux, buf->col + tc->n);
}

void teearray_buf_put(struct teearray_buf *buf)
{
	unsigned int i;

	if (!buf)
		return;
	for (i = 0; i < TEEARRAY_MAX_MEMBERS; i++) {
		free_page((unsigned long)buf->col[i]);
		free_page((unsigned long)buf->aux[i]);
	}
	kvfree(buf->ec_work);
	kvfree(buf->rqs);
	kfree(buf->plan);
	kfree(buf);
}

struct teearray_buf *teearray_buf_new(struct teearray_c *tc, gfp_t gfp)
{
	struct teearray_buf *buf;
	unsigned int i;

	buf = kzalloc(sizeof(*buf), gfp);
	if (!buf)
		return NULL;
	for (i = 0; i < tc->m; i++) {
		buf->col[i] = (u8 *)__get_free_page(gfp);
		if (!buf->col[i])
			goto bad;
	}
	for (i = 0; i < tc->n; i++) {
		buf->aux[i] = (u8 *)__get_free_page(gfp);
		if (!buf->aux[i])
			goto bad;
	}
	buf->ec_work = kmalloc(tee_ec_work_size(tc->ec), gfp);
	/*
	 * m requests are an order-3 allocation at M = 256: the pool's own
	 * elements, made in the constructor (GFP_KERNEL), may come from
	 * vmalloc; a refill under GFP_NOIO is kmalloc or nothing, and the pool
	 * then waits for an element.
	 */
	buf->rqs = kvcalloc(tc->m, sizeof(*buf->rqs), gfp);
	buf->plan = kmalloc(sizeof(*buf->plan), gfp);
	if (!buf->ec_work || !buf->rqs || !buf->plan)
		goto bad;
	return buf;
bad:
	teearray_buf_put(buf);
	return NULL;
}

static void teearray_buf_free(void *element, void *pool_data)
{
	teearray_buf_put(element);
}

static void *teearray_buf_alloc(gfp_t gfp, void *pool_data)
{
	return teearray_buf_new(pool_data, gfp);
}

int teearray_io_init(struct teearray_c *tc)
{
	spin_lock_init(&tc->busy_lock);
	init_waitqueue_head(&tc->busy_wq);
	tc->buf_pool = mempool_create(2, teearray_buf_alloc, teearray_buf_free, tc);
	/*
	 * Unbound, as dm-crypt's kcryptd: read jobs verify and decrypt on
	 * whichever CPU is free, not only on the one that submitted the bio.
	 */
	tc->io_wq = alloc_workqueue("teearray_io", WQ_MEM_RECLAIM | WQ_UNBOUND, 64);
	if (!tc->buf_pool || !tc->io_wq) {
		teearray_io_exit(tc);
		return -ENOMEM;
	}
	return 0;
}

void teearray_io_exit(struct teearray_c *tc)
{
	if (tc->io_wq)
		destroy_workqueue(tc->io_wq);
	mempool_destroy(tc->buf_pool);
}
