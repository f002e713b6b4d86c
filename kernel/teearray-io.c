// SPDX-License-Identifier: GPL-2.0
/*
 * The stripe engine.  Bios are split to 4 KiB by device-mapper; map() queues
 * each on its stripe, and one job per stripe (holding the stripe's mutex)
 * takes every bio queued so far: writes first, in arrival order, so a full
 * stripe written by one large bio is encoded without reading anything, then
 * reads.
 *
 * Writes choose the cheapest way to new parity: a full stripe is encoded;
 * a partial write on a healthy stripe either applies the delta of the
 * written sectors to the old parity (read W + P) or re-encodes from the
 * other data sectors (read N - W); a degraded stripe is reconstructed and
 * re-encoded.  Reads that hit a missing or failing member reconstruct from
 * N others.  A member that fails an operation is marked dead in the death
 * record before the job continues, so no bio completes relying on a member
 * the record still lists alive.
 */
#include <linux/slab.h>
#include <linux/bio.h>
#include <linux/hash.h>
#include <linux/math64.h>

#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

struct teearray_stripe {
	struct hlist_node node;
	u64 index;
	struct bio_list bios;
	struct work_struct work;
	struct teearray_c *tc;
};

/* Can column c of this stripe be read from its member? */
static bool teearray_col_readable(struct teearray_c *tc, u64 stripe, u32 c)
{
	return teearray_member_readable(tc, teearray_slot_of(&tc->geo, stripe, c), stripe);
}

struct mutex *teearray_stripe_mutex(struct teearray_c *tc, u64 stripe)
{
	return &tc->stripe_mutex[hash_64(stripe, ilog2(TEEARRAY_STRIPE_LOCKS))];
}

static u64 teearray_member_sector(struct teearray_c *tc, u64 stripe)
{
	return tc->geo.data_start + stripe;
}

/* Fail the members whose requests failed; false if the array failed. */
static bool teearray_handle_failures(struct teearray_c *tc,
				     struct teearray_request *rqs,
				     unsigned int n, const char *what)
{
	bool failed[TEEARRAY_MAX_MEMBERS] = { false };
	bool any = false;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (rqs[i].status == TEEARRAY_ST_OK)
			continue;
		if (teearray_status_is_fatal(rqs[i].status)) {
			teearray_set_failed(tc, "fenced by a newer generation");
			return false;
		}
		if (!failed[rqs[i].slot])
			DMWARN_LIMIT("member %u: %s: %s", rqs[i].slot, what,
				     teearray_status_name(rqs[i].status));
		failed[rqs[i].slot] = true;
		any = true;
	}
	if (any)
		teearray_fail_members(tc, failed, what);
	return !READ_ONCE(tc->fail_reason);
}

/*
 * Make buf->col[c] hold the current contents of every wanted column of the
 * stripe, reading them or, when a member is missing or fails, reading N
 * other columns and decoding.  Context: stripe job, stripe mutex held.
 */
int teearray_fetch_columns(struct teearray_c *tc, u64 stripe,
			   const bool *want, struct teearray_buf *buf)
{
	struct teearray_request *rqs;
	u8 *read, *erased;
	unsigned int attempt, c, k;
	int r = -EIO;

	rqs = kcalloc(tc->m, sizeof(*rqs), GFP_NOIO);
	read = kcalloc(2, tc->m, GFP_NOIO);
	if (!rqs || !read) {
		r = -ENOMEM;
		goto out;
	}
	erased = read + tc->m;

	for (attempt = 0; attempt <= tc->m; attempt++) {
		bool missing = false;
		unsigned int nread = 0;

		if (READ_ONCE(tc->fail_reason))
			break;
		memset(read, 0, 2 * tc->m);
		for (c = 0; c < tc->m; c++) {
			bool ok = teearray_col_readable(tc, stripe, c);

			if (want[c] && ok)
				read[c] = 1;
			missing |= want[c] && !ok;
		}
		if (missing) {
			/* Any N readable columns: wanted ones, then data, then parity. */
			for (c = 0; c < tc->m; c++)
				nread += read[c];
			for (c = 0; c < tc->m && nread < tc->n; c++) {
				if (read[c] || !teearray_col_readable(tc, stripe, c))
					continue;
				read[c] = 1;
				nread++;
			}
			if (nread < tc->n) {
				teearray_set_failed(tc, "fewer than N readable members");
				break;
			}
		}

		for (c = 0, k = 0; c < tc->m; c++) {
			if (!read[c])
				continue;
			teearray_rq_init(tc, &rqs[k++], teearray_slot_of(&tc->geo, stripe, c),
					 TEEARRAY_OP_READ,
					 teearray_member_sector(tc, stripe), buf->col[c]);
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
				erased[c] = !read[c];
			r = tee_ec_decode(tc->ec, buf->ec_work, buf->col, erased);
			if (r)
				break;
		}
		r = 0;
		break;
	}
out:
	kfree(read);
	kfree(rqs);
	return r;
}

/* Write the given columns of a stripe to every member that takes writes. */
int teearray_write_columns(struct teearray_c *tc, u64 stripe,
			   const bool *cols, struct teearray_buf *buf)
{
	struct teearray_request *rqs;
	unsigned int c, k = 0;
	int r;

	rqs = kcalloc(tc->m, sizeof(*rqs), GFP_NOIO);
	if (!rqs)
		return -ENOMEM;
	for (c = 0; c < tc->m; c++) {
		u32 slot = teearray_slot_of(&tc->geo, stripe, c);

		if (!cols[c] || !teearray_member_writable(&tc->members[slot]))
			continue;
		teearray_rq_init(tc, &rqs[k++], slot, TEEARRAY_OP_WRITE,
				 teearray_member_sector(tc, stripe), buf->col[c]);
	}
	r = teearray_io(tc, rqs, k);
	if (!r && !teearray_handle_failures(tc, rqs, k, "write failed"))
		r = -EIO;
	kfree(rqs);
	return r;
}

/*
 * New data for the columns in written[] is in buf->aux[]; bring parity up
 * to date and write the changed columns.
 */
static int teearray_write_stripe(struct teearray_c *tc, u64 stripe,
				 const bool *written, struct teearray_buf *buf)
{
	bool want[TEEARRAY_MAX_MEMBERS] = { false };
	bool cols[TEEARRAY_MAX_MEMBERS] = { false };
	u16 idx[TEEARRAY_MAX_MEMBERS];
	unsigned int c, w = 0;
	bool healthy = true;
	int r;

	for (c = 0; c < tc->n; c++)
		if (written[c])
			idx[w++] = c;
	for (c = 0; c < tc->m; c++)
		healthy &= teearray_col_readable(tc, stripe, c);
	for (c = 0; c < tc->m; c++)
		cols[c] = c >= tc->n || written[c];

	if (w < tc->n && healthy && w + tc->p < tc->n - w) {
		/* Read-modify-write: parity += code(old ^ new). */
		for (c = 0; c < tc->m; c++)
			want[c] = c >= tc->n || written[c];
		r = teearray_fetch_columns(tc, stripe, want, buf);
		if (r)
			return r;
		for (c = 0; c < w; c++) {
			u8 *old = buf->col[idx[c]], *delta = buf->aux[idx[c]];
			unsigned int i;

			for (i = 0; i < TEEARRAY_SECTOR_SIZE; i++) {
				delta[i] ^= old[i];
				old[i] ^= delta[i];
			}
		}
		r = tee_ec_update(tc->ec, buf->ec_work, w, idx,
				  (const u8 *const *)buf->aux, buf->col + tc->n);
		if (r)
			return r;
	} else {
		/* Reconstruct-write: read (or rebuild) the rest, encode it all. */
		for (c = 0; c < tc->n; c++)
			want[c] = !written[c];
		if (w < tc->n) {
			r = teearray_fetch_columns(tc, stripe, want, buf);
			if (r)
				return r;
		}
		for (c = 0; c < w; c++)
			memcpy(buf->col[idx[c]], buf->aux[idx[c]], TEEARRAY_SECTOR_SIZE);
		tee_ec_encode(tc->ec, buf->ec_work, (const u8 *const *)buf->col,
			      buf->col + tc->n);
	}
	return teearray_write_columns(tc, stripe, cols, buf);
}

static void teearray_bio_copy(struct bio *bio, u8 *sector, bool to_bio)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	unsigned int off = 0;

	bio_for_each_segment(bv, bio, iter) {
		if (to_bio)
			memcpy_to_bvec(&bv, sector + off);
		else
			memcpy_from_bvec(sector + off, &bv);
		off += bv.bv_len;
	}
}

static unsigned int teearray_bio_column(struct teearray_c *tc, struct bio *bio)
{
	u64 v = dm_target_offset(tc->ti, bio->bi_iter.bi_sector) >> 3;
	u32 col;

	div_u64_rem(v, tc->n, &col);
	return col;
}

static void teearray_end_bios(struct bio_list *bios, int r)
{
	struct bio *bio;

	while ((bio = bio_list_pop(bios))) {
		if (r)
			bio->bi_status = errno_to_blk_status(r);
		bio_endio(bio);
	}
}

static void teearray_do_stripe(struct teearray_c *tc, u64 stripe,
			       struct bio_list *bios, struct teearray_buf *buf)
{
	bool written[TEEARRAY_MAX_MEMBERS] = { false };
	bool want[TEEARRAY_MAX_MEMBERS] = { false };
	struct bio_list reads, writes;
	struct bio *bio;
	int r;

	bio_list_init(&reads);
	bio_list_init(&writes);
	while ((bio = bio_list_pop(bios))) {
		unsigned int col = teearray_bio_column(tc, bio);

		if (bio_data_dir(bio) == WRITE) {
			teearray_bio_copy(bio, buf->aux[col], false);
			written[col] = true;
			bio_list_add(&writes, bio);
		} else {
			want[col] = true;
			bio_list_add(&reads, bio);
		}
	}

	if (!bio_list_empty(&writes)) {
		r = READ_ONCE(tc->fail_reason) ? -EIO :
		    teearray_write_stripe(tc, stripe, written, buf);
		teearray_end_bios(&writes, r);
	}
	if (!bio_list_empty(&reads)) {
		r = READ_ONCE(tc->fail_reason) ? -EIO :
		    teearray_fetch_columns(tc, stripe, want, buf);
		if (!r) {
			bio_list_for_each(bio, &reads) {
				u8 *sector = buf->col[teearray_bio_column(tc, bio)];

				teearray_bio_copy(bio, sector, true);
			}
		}
		teearray_end_bios(&reads, r);
	}
}

static void teearray_stripe_work(struct work_struct *work)
{
	struct teearray_stripe *st = container_of(work, struct teearray_stripe, work);
	struct teearray_c *tc = st->tc;
	struct mutex *lock = teearray_stripe_mutex(tc, st->index);
	struct teearray_buf *buf;
	struct bio_list bios;

	mutex_lock(lock);
	buf = mempool_alloc(tc->buf_pool, GFP_NOIO);
	for (;;) {
		spin_lock_irq(&tc->stripe_lock);
		bios = st->bios;
		bio_list_init(&st->bios);
		if (bio_list_empty(&bios)) {
			hash_del(&st->node);
			spin_unlock_irq(&tc->stripe_lock);
			break;
		}
		spin_unlock_irq(&tc->stripe_lock);
		teearray_do_stripe(tc, st->index, &bios, buf);
	}
	mempool_free(buf, tc->buf_pool);
	mutex_unlock(lock);
	mempool_free(st, tc->stripe_pool);
}

/* Context: map(), process; may sleep for a stripe descriptor. */
int teearray_map_bio(struct teearray_c *tc, struct bio *bio)
{
	struct teearray_stripe *st, *new;
	u64 stripe;

	if (bio->bi_opf & REQ_PREFLUSH && !bio->bi_iter.bi_size) {
		/*
		 * device-mapper sends flushes as empty REQ_PREFLUSH writes.
		 * Writes complete only once on the members: nothing to flush.
		 */
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	if (bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE)
		return DM_MAPIO_KILL;
	if (READ_ONCE(tc->fail_reason))
		return DM_MAPIO_KILL;
	/* The queue limits make every bio one aligned 4 KiB sector; check. */
	if (bio->bi_iter.bi_size != TEEARRAY_SECTOR_SIZE ||
	    dm_target_offset(tc->ti, bio->bi_iter.bi_sector) & 7) {
		DMWARN_LIMIT("refusing a bio of %u bytes at sector %llu: not one 4 KiB sector",
			     bio->bi_iter.bi_size,
			     (unsigned long long)bio->bi_iter.bi_sector);
		return DM_MAPIO_KILL;
	}

	stripe = div_u64(dm_target_offset(tc->ti, bio->bi_iter.bi_sector) >> 3, tc->n);
	new = mempool_alloc(tc->stripe_pool, GFP_NOIO);

	spin_lock_irq(&tc->stripe_lock);
	hash_for_each_possible(tc->stripe_table, st, node, stripe) {
		if (st->index == stripe) {
			bio_list_add(&st->bios, bio);
			spin_unlock_irq(&tc->stripe_lock);
			mempool_free(new, tc->stripe_pool);
			return DM_MAPIO_SUBMITTED;
		}
	}
	new->index = stripe;
	new->tc = tc;
	bio_list_init(&new->bios);
	bio_list_add(&new->bios, bio);
	INIT_WORK(&new->work, teearray_stripe_work);
	hash_add(tc->stripe_table, &new->node, stripe);
	spin_unlock_irq(&tc->stripe_lock);
	queue_work(tc->io_wq, &new->work);
	return DM_MAPIO_SUBMITTED;
}

static void teearray_buf_free(void *element, void *pool_data)
{
	struct teearray_buf *buf = element;
	unsigned int i;

	if (!buf)
		return;
	for (i = 0; i < TEEARRAY_MAX_MEMBERS; i++) {
		free_page((unsigned long)buf->col[i]);
		free_page((unsigned long)buf->aux[i]);
	}
	kvfree(buf->ec_work);
	kfree(buf);
}

static void *teearray_buf_alloc(gfp_t gfp, void *pool_data)
{
	struct teearray_c *tc = pool_data;
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
	if (!buf->ec_work)
		goto bad;
	return buf;
bad:
	teearray_buf_free(buf, pool_data);
	return NULL;
}

int teearray_io_init(struct teearray_c *tc)
{
	unsigned int i;

	spin_lock_init(&tc->stripe_lock);
	hash_init(tc->stripe_table);
	for (i = 0; i < TEEARRAY_STRIPE_LOCKS; i++)
		mutex_init(&tc->stripe_mutex[i]);
	tc->stripe_pool = mempool_create_kmalloc_pool(16, sizeof(struct teearray_stripe));
	tc->buf_pool = mempool_create(2, teearray_buf_alloc, teearray_buf_free, tc);
	tc->io_wq = alloc_workqueue("teearray_io", WQ_MEM_RECLAIM, 64);
	if (!tc->stripe_pool || !tc->buf_pool || !tc->io_wq) {
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
	mempool_destroy(tc->stripe_pool);
}
