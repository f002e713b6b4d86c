// SPDX-License-Identifier: GPL-2.0
/*
 * The read path: map()'s reads, the stripe checks of scrub and key
 * rotation, and the metadata every data read is checked against.
 *
 * A read bio may span up to TEEARRAY_NL_MAX_SECTORS stripe rows (the
 * target's max_io_len).  Its job asks each member for one run of
 * consecutive sectors (teearray_plan_rows: the rows between the member's
 * first and last sector of the bio, parity included), so a large
 * sequential read costs one command per member instead of one per sector.
 * Every sector is then checked against its metadata entry; a row where a
 * member is missing or a sector does not verify goes through the stripe
 * engine's verified fetch (teearray-io.c), which rebuilds, blames and fails
 * members exactly as for a one-sector read, starting from what the member
 * returned.  Nothing reaches the bio before it verified.
 *
 * Locking: a read job holds the read sets of all its rows shared for its
 * whole life (teearray-stripelock.h); it sleeps on member I/O in io_wq.
 */
#include <linux/bio.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

/* Context of a data-column check: the stripe's metadata sectors. */
struct teearray_read_ctx {
	u64 stripe;			/* data stripe */
	u64 mv[2];			/* at most two metadata sectors per stripe */
	const struct teearray_meta_disk *meta[2];
};

static const struct teearray_entry *
teearray_read_entry(struct teearray_read_ctx *rc, u64 v)
{
	u32 i;
	u64 mv = teearray_meta_sector_of(v, &i);

	return &rc->meta[mv == rc->mv[0] ? 0 : 1]->entry[i];
}

static int teearray_check_data(struct teearray_c *tc, u64 ms, u32 col,
			       const u8 *sector, void *ctx)
{
	struct teearray_read_ctx *rc = ctx;
	u64 v = rc->stripe * tc->n + col;

	return teearray_verify_sector(tc, v, teearray_read_entry(rc, v), sector);
}

/*
 * Fetch and verify metadata sector mv into page.  Context: job holding the
 * metadata stripe.
 */
static int teearray_fetch_meta(struct teearray_c *tc, u64 mv, u8 *page,
			       struct teearray_buf *buf)
{
	bool want[TEEARRAY_MAX_MEMBERS] = { false };
	u32 col;
	u64 ms = teearray_meta_ms(tc, mv, &col);
	int r;

	if (teearray_metacache_get(tc, mv, page))
		return 0;
	want[col] = true;
	r = teearray_fetch_verified(tc, ms, want, buf, teearray_check_meta, NULL);
	if (!r) {
		memcpy(page, buf->col[col], TEEARRAY_SECTOR_SIZE);
		teearray_metacache_put(tc, mv, page);
	}
	return r;
}

/*
 * Fetch and verify the metadata sectors of data stripe rc->stripe into
 * aux[0] and aux[N-1] (N >= 2 when there are two).
 */
static int teearray_read_ctx_init(struct teearray_c *tc, struct teearray_read_ctx *rc,
				  struct teearray_buf *buf)
{
	unsigned int c, nmeta;
	int r;

	nmeta = teearray_geo_stripe_meta(&tc->geo, rc->stripe, rc->mv);
	for (c = 0; c < nmeta; c++) {
		u8 *page = buf->aux[c ? tc->n - 1 : 0];

		r = teearray_fetch_meta(tc, rc->mv[c], page, buf);
		if (r)
			return r;
		rc->meta[c] = (const struct teearray_meta_disk *)page;
	}
	if (nmeta == 1)
		rc->meta[1] = rc->meta[0];
	return 0;
}

/*
 * Verified read of the wanted data columns of one stripe into buf->col,
 * decrypted.  With fetched, fetched[c] holds wanted column c as its member
 * returned it (checked before anything is read again).  Context: job
 * holding the stripe's read set.
 */
static int teearray_read_stripe(struct teearray_c *tc, u64 stripe, const bool *want,
				u8 *const *fetched, struct teearray_buf *buf)
{
	struct teearray_read_ctx rc = { .stripe = stripe };
	u64 first = stripe * tc->n, ms = teearray_data_ms(tc, stripe);
	unsigned int c;
	int r;

	/* First: fetching metadata may use buf->col. */
	r = teearray_read_ctx_init(tc, &rc, buf);
	if (r)
		return r;
	if (fetched) {
		for (c = 0; c < tc->n; c++)
			if (want[c])
				memcpy(buf->col[c], fetched[c], TEEARRAY_SECTOR_SIZE);
		r = teearray_verify_fetched(tc, ms, want, buf, teearray_check_data, &rc);
	} else {
		r = teearray_fetch_verified(tc, ms, want, buf, teearray_check_data, &rc);
	}
	if (r)
		return r;
	for (c = 0; c < tc->n; c++)
		if (want[c])
			teearray_decrypt_sector(tc, teearray_read_entry(&rc, first + c),
						buf->col[c], buf->col[c]);
	return 0;
}

/* Add the stripes a read of data stripe s holds: its own and its metadata's. */
static void teearray_read_set_add(struct teearray_c *tc, u64 stripe, unsigned long *set)
{
	u64 mv[2];
	u32 col;

	teearray_geo_stripe_meta(&tc->geo, stripe, mv);
	teearray_stripe_set_add(set, teearray_data_ms(tc, stripe));
	teearray_stripe_set_add(set, teearray_meta_ms(tc, mv[0], &col));
	teearray_stripe_set_add(set, teearray_meta_ms(tc, mv[1], &col));
}

static void teearray_read_set(struct teearray_c *tc, u64 stripe, unsigned long *set)
{
	bitmap_zero(set, TEEARRAY_STRIPE_LOCKS);
	teearray_read_set_add(tc, stripe, set);
}

/*
 * Key rotation: does data stripe s hold a sector under another epoch than
 * the current one, or a metadata sector whose tag verifies only under the
 * previous epoch?  Returns 1, 0 or an error.  Context: process, holding no
 * stripe.
 */
int teearray_stripe_stale(struct teearray_c *tc, u64 stripe, struct teearray_buf *buf)
{
	struct teearray_read_ctx rc = { .stripe = stripe };
	DECLARE_BITMAP(set, TEEARRAY_STRIPE_LOCKS);
	unsigned int c;
	bool old;
	int r;

	teearray_read_set(tc, stripe, set);
	teearray_lock_stripes_shared(tc, set);
	r = teearray_read_ctx_init(tc, &rc, buf);
	for (c = 0; c < tc->n && !r; c++) {
		const struct teearray_entry *e = teearray_read_entry(&rc, stripe * tc->n + c);

		if (!teearray_entry_unwritten(e) && teearray_entry_epoch(e) != tc->key_epoch)
			r = 1;
	}
	for (c = 0; c < 2 && !r; c++)
		if (memchr_inv(rc.meta[c], 0, TEEARRAY_SECTOR_SIZE) &&
		    !teearray_verify_meta(tc, rc.mv[c], rc.meta[c], &old) && old)
			r = 1;
	teearray_unlock_stripes_shared(tc, set);
	return r;
}

/* Add the stripes a scrub of stripe ms holds to set. */
static void teearray_scrub_set_add(struct teearray_c *tc, u64 ms, unsigned long *set)
{
	if (ms >= tc->geo.data_start)
		teearray_read_set_add(tc, ms - tc->geo.data_start, set);
	else
		teearray_stripe_set_add(set, ms);
}

/*
 * Scrub stripe ms, its stripes held: every column from win when it holds
 * them (checked as if just fetched), else fetched; check the data columns
 * as a read does (a member that served bad data is failed), recompute the
 * parity into parity[] (P pages) and compare it with what the parity
 * members hold.  Returns the number of parity columns that differ,
 * rewritten from the data when repair is set, or a negative errno.
 */
static int teearray_scrub_held(struct teearray_c *tc, u64 ms, bool repair, u8 **parity,
			       const struct teearray_window *win, struct teearray_buf *buf)
{
	bool want[TEEARRAY_MAX_MEMBERS] = { false }, cols[TEEARRAY_MAX_MEMBERS] = { false };
	struct teearray_read_ctx rc = { .stripe = ms - tc->geo.data_start };
	bool data = ms >= tc->geo.data_start;
	unsigned int c;
	int r = 0, bad = 0;

	for (c = 0; c < tc->m; c++)
		want[c] = true;
	/* First: fetching metadata may use buf->col. */
	if (data)
		r = teearray_read_ctx_init(tc, &rc, buf);
	if (r)
		return r;
	for (c = 0; win && c < tc->m; c++) {
		u32 slot = teearray_slot_of(&tc->geo, ms, c);

		memcpy(buf->col[c], teearray_window_sector(win, slot, ms - win->ms),
		       TEEARRAY_SECTOR_SIZE);
	}
	if (!data && ms >= tc->geo.log_start) {
		/* Log sectors carry signatures (teearray log --verify): parity only. */
		if (!win)
			r = teearray_fetch_columns(tc, ms, want, NULL, NULL, buf);
	} else if (win) {
		r = teearray_verify_fetched(tc, ms, want, buf,
					    data ? teearray_check_data : teearray_check_meta,
					    data ? &rc : NULL);
	} else {
		r = teearray_fetch_verified(tc, ms, want, buf,
					    data ? teearray_check_data : teearray_check_meta,
					    data ? &rc : NULL);
	}
	if (r)
		return r;
	tee_ec_encode(tc->ec, buf->ec_work, (const u8 *const *)buf->col, parity);
	for (c = tc->n; c < tc->m; c++) {
		if (!memcmp(parity[c - tc->n], buf->col[c], TEEARRAY_SECTOR_SIZE))
			continue;
		DMWARN_LIMIT("%s: stripe %llu: parity column %u (member %u) differs%s",
			     teearray_dev(tc), ms, c, teearray_slot_of(&tc->geo, ms, c),
			     repair ? ": rewriting it" : "");
		memcpy(buf->col[c], parity[c - tc->n], TEEARRAY_SECTOR_SIZE);
		cols[c] = true;
		bad++;
	}
	if (bad && repair)
		r = teearray_write_columns(tc, ms, cols, buf);
	return r ? r : bad;
}

/*
 * Scrub stripes [ms, ms + w) (w <= win->max; win may be NULL for one
 * stripe): fetch every column of the window from every member in one round
 * trip, then scrub each stripe as teearray_scrub_held() says.  A window
 * that cannot be fetched whole (a member not readable) is scrubbed stripe
 * by stripe.  Returns the parity columns that differ or a negative errno.
 * Context: scrub worker, holding no stripe.
 */
int teearray_scrub_stripes(struct teearray_c *tc, u64 ms, u32 w, bool repair,
			   u8 **parity, struct teearray_window *win, struct teearray_buf *buf)
{
	bool slots[TEEARRAY_MAX_MEMBERS];
	DECLARE_BITMAP(set, TEEARRAY_STRIPE_LOCKS);
	unsigned int i;
	int r = 0, bad = 0;

	bitmap_zero(set, TEEARRAY_STRIPE_LOCKS);
	for (i = 0; i < w; i++)
		teearray_scrub_set_add(tc, ms + i, set);
	/* Checking only reads: beside user reads; a repair writes. */
	if (repair)
		teearray_lock_stripes(tc, set);
	else
		teearray_lock_stripes_shared(tc, set);
	for (i = 0; i < tc->m; i++)
		slots[i] = true;
	if (win && w > 1) {
		r = teearray_window_fetch(tc, win, ms, w, slots);
		if (r == -EAGAIN) {
			win = NULL;
			r = 0;
		}
	} else {
		win = NULL;
	}
	for (i = 0; i < w && r >= 0; i++) {
		/* A member failed by a stripe before: the rest are fetched. */
		if (win && !teearray_window_readable(tc, win, ms + i))
			win = NULL;
		r = teearray_scrub_held(tc, ms + i, repair, parity, win, buf);
		bad += max(r, 0);
	}
	if (repair)
		teearray_unlock_stripes(tc, set);
	else
		teearray_unlock_stripes_shared(tc, set);
	return r < 0 ? r : bad;
}

/*
 * The job of one read bio: virtual sectors [v, v + nv), rows first ..
 * first + nrows - 1.  It lives in the bio's per-bio data.
 */
struct teearray_read_job {
	struct work_struct work;
	struct teearray_c *tc;
	u64 v;
	u32 nv;
	u64 first;
	u32 nrows;
};

/* What the job reads in one round: the members' runs and their metadata. */
struct teearray_rows {
	u64 mv0;			/* first metadata sector of the rows */
	u32 nmeta;
	u8 *meta;			/* nmeta verified metadata sectors */
	u8 *data;			/* each member's span, one after another */
	struct teearray_row_span *span;	/* per slot (teearray_plan_rows) */
	u32 *at;			/* per slot: where its span starts in data */
	u8 **from;			/* per data column: the row being finished */
	struct teearray_request *rqs;	/* one per run (teearray_plan_run) */
	u32 nruns;			/* room in rqs: runs are at most rows + 2M */
};

static bool teearray_job_has(const struct teearray_read_job *job, u64 v)
{
	return v >= job->v && v < job->v + job->nv;
}

/* The sector of data column col of row `row` as its member returned it. */
static u8 *teearray_rows_sector(struct teearray_c *tc, const struct teearray_read_job *job,
				struct teearray_rows *rr, u32 row, u32 col)
{
	u32 slot = teearray_slot_of(&tc->geo, teearray_data_ms(tc, job->first + row), col);

	return rr->data + (size_t)(rr->at[slot] + row - rr->span[slot].off) *
			  TEEARRAY_SECTOR_SIZE;
}

static const struct teearray_entry *teearray_rows_entry(struct teearray_rows *rr, u64 v)
{
	u32 i;
	u64 mv = teearray_meta_sector_of(v, &i);
	const struct teearray_meta_disk *m = (const void *)(rr->meta +
		(size_t)(mv - rr->mv0) * TEEARRAY_SECTOR_SIZE);

	return &m->entry[i];
}

/* Copy one 4 KiB sector into the bio at sector index i of the bio. */
static void teearray_bio_put_sector(struct bio *bio, u32 i, const u8 *sector)
{
	unsigned int start = i * TEEARRAY_SECTOR_SIZE, end = start + TEEARRAY_SECTOR_SIZE;
	struct bvec_iter iter;
	struct bio_vec bv;
	unsigned int off = 0;

	bio_for_each_segment(bv, bio, iter) {
		unsigned int lo = max(off, start), hi = min(off + bv.bv_len, end);

		if (lo < hi) {
			struct bio_vec part = bv;

			part.bv_offset += lo - off;
			part.bv_len = hi - lo;
			memcpy_to_bvec(&part, sector + (lo - start));
		}
		off += bv.bv_len;
		if (off >= end)
			break;
	}
}

static void teearray_rows_free(struct teearray_rows *rr)
{
	if (!rr)
		return;
	kvfree(rr->data);
	kvfree(rr->meta);
	kvfree(rr->rqs);
	kfree(rr);
}

/*
 * Plan the job's round and allocate its buffers.  NULL when memory is
 * short: the rows are then read one at a time, from the mempool.
 */
static struct teearray_rows *teearray_rows_alloc(struct teearray_c *tc,
						 const struct teearray_read_job *job)
{
	struct teearray_rows *rr;
	unsigned int noio;
	u32 slot, total = 0, i;
	u64 first;

	rr = kzalloc(sizeof(*rr) +
		     tc->m * (sizeof(*rr->span) + sizeof(*rr->at) + sizeof(*rr->from)),
		     GFP_NOIO | __GFP_NOWARN);
	if (!rr)
		return NULL;
	rr->from = (u8 **)&rr[1];
	rr->span = (struct teearray_row_span *)&rr->from[tc->m];
	rr->at = (u32 *)&rr->span[tc->m];
	teearray_plan_rows(&tc->geo, job->v, job->nv, &first, rr->span);
	for (slot = 0; slot < tc->m; slot++) {
		rr->at[slot] = total;
		total += rr->span[slot].count;
	}
	/* A member's parity rows split its span at most once per N + P rows. */
	rr->nruns = job->nrows + 2 * tc->m;
	rr->mv0 = teearray_meta_sector_of(job->v, &i);
	rr->nmeta = (u32)(teearray_meta_sector_of(job->v + job->nv - 1, &i) - rr->mv0 + 1);
	noio = memalloc_noio_save();
	rr->data = kvmalloc((size_t)total * TEEARRAY_SECTOR_SIZE, GFP_KERNEL | __GFP_NOWARN);
	rr->meta = kvmalloc((size_t)rr->nmeta * TEEARRAY_SECTOR_SIZE,
			    GFP_KERNEL | __GFP_NOWARN);
	rr->rqs = kvcalloc(rr->nruns, sizeof(*rr->rqs), GFP_KERNEL | __GFP_NOWARN);
	memalloc_noio_restore(noio);
	if (!rr->data || !rr->meta || !rr->rqs) {
		teearray_rows_free(rr);
		return NULL;
	}
	return rr;
}

/* The job's stripe buffer, from the mempool when first needed. */
static struct teearray_buf *teearray_job_buf(struct teearray_c *tc, struct teearray_buf **buf)
{
	if (!*buf)
		*buf = mempool_alloc(tc->buf_pool, GFP_NOIO);
	return *buf;
}

/*
 * Read every member's run of the job in one round.  Returns 0 when all
 * arrived; 1 when some member cannot serve its run (it is missing for some
 * row, or failed now and was recorded): the caller reads row by row; -EIO
 * when the array cannot go on.  Context: read job, holding its rows.
 */
static int teearray_rows_fetch(struct teearray_c *tc, const struct teearray_read_job *job,
			       struct teearray_rows *rr, struct teearray_buf **buf)
{
	bool readable[TEEARRAY_MAX_MEMBERS];
	u32 row, slot, col, i, k = 0;
	int r;

	for (i = 0; i < rr->nmeta; i++) {
		u8 *page = rr->meta + (size_t)i * TEEARRAY_SECTOR_SIZE;

		if (teearray_metacache_get(tc, rr->mv0 + i, page))
			continue;
		r = teearray_fetch_meta(tc, rr->mv0 + i, page, teearray_job_buf(tc, buf));
		if (r)
			return r;
	}
	/* Every sector of the bio must be readable from its own member. */
	for (row = 0; row < job->nrows; row++) {
		u64 s = job->first + row;

		teearray_readable_cols(tc, teearray_data_ms(tc, s), readable);
		for (col = 0; col < tc->n; col++)
			if (teearray_job_has(job, s * tc->n + col) && !readable[col])
				return 1;
	}
	/* Each member's runs land where its span puts them in rr->data. */
	for (slot = 0; slot < tc->m; slot++) {
		struct teearray_row_span run;
		u32 from = 0;

		while (teearray_plan_run(&tc->geo, job->v, job->nv, job->first, slot,
					 &rr->span[slot], &from, &run)) {
			struct teearray_request *rq;

			/* plan-test proves the bound; row by row if it were wrong */
			if (WARN_ON_ONCE(k == rr->nruns))
				return 1;
			rq = &rr->rqs[k++];

			teearray_rq_init(tc, rq, slot, TEEARRAY_OP_READ,
					 teearray_data_ms(tc, job->first + run.off),
					 rr->data + (size_t)(rr->at[slot] + run.off -
							     rr->span[slot].off) *
							    TEEARRAY_SECTOR_SIZE);
			rq->count = run.count;
			/* A read may fail alone rather than wait on a member for ever. */
			rq->may_give_up = true;
		}
	}
	if (teearray_io(tc, rr->rqs, k))
		return -EIO;
	for (i = 0; i < k; i++)
		if (rr->rqs[i].status != TEEARRAY_ST_OK)
			break;
	if (i == k)
		return 0;
	if (!teearray_handle_failures(tc, rr->rqs, k, "read failed"))
		return -EIO;
	return 1;
}

/*
 * Finish one row of the job into the bio: straight from the round's runs
 * when every sector verifies, else through the verified fetch, starting
 * from what the members returned (rr) or reading the row again (NULL).
 */
static int teearray_job_finish_row(struct teearray_c *tc, const struct teearray_read_job *job,
				   struct bio *bio, u32 row, struct teearray_rows *rr,
				   struct teearray_buf **buf)
{
	bool want[TEEARRAY_MAX_MEMBERS] = { false }, readable[TEEARRAY_MAX_MEMBERS];
	u8 **from = rr ? rr->from : NULL;
	u64 s = job->first + row, v0 = s * tc->n;
	bool all_ok = rr;
	struct teearray_buf *b;
	u32 col;
	int r;

	if (rr)
		teearray_readable_cols(tc, teearray_data_ms(tc, s), readable);
	for (col = 0; col < tc->n; col++) {
		if (!teearray_job_has(job, v0 + col))
			continue;
		want[col] = true;
		if (!from)
			continue;
		if (!readable[col]) {
			/* Failed since the round (it lied in an earlier row): read again. */
			from = NULL;
			all_ok = false;
			continue;
		}
		from[col] = teearray_rows_sector(tc, job, rr, row, col);
		all_ok = all_ok && !teearray_verify_sector(tc, v0 + col,
							   teearray_rows_entry(rr, v0 + col),
							   from[col]);
	}
	if (all_ok) {
		for (col = 0; col < tc->n; col++) {
			if (!want[col])
				continue;
			teearray_decrypt_sector(tc, teearray_rows_entry(rr, v0 + col), from[col],
						from[col]);
			teearray_bio_put_sector(bio, (u32)(v0 + col - job->v), from[col]);
		}
		return 0;
	}
	b = teearray_job_buf(tc, buf);
	r = teearray_read_stripe(tc, s, want, from, b);
	if (r)
		return r;
	for (col = 0; col < tc->n; col++)
		if (want[col])
			teearray_bio_put_sector(bio, (u32)(v0 + col - job->v), b->col[col]);
	return 0;
}

static void teearray_read_work(struct work_struct *work)
{
	struct teearray_read_job *job = container_of(work, struct teearray_read_job, work);
	struct bio *bio = dm_bio_from_per_bio_data(job, sizeof(*job));
	struct teearray_c *tc = job->tc;
	DECLARE_BITMAP(set, TEEARRAY_STRIPE_LOCKS);
	struct teearray_buf *buf = NULL;
	struct teearray_rows *rr;
	int r = -EIO;
	u32 row;

	rr = teearray_rows_alloc(tc, job);
	bitmap_zero(set, TEEARRAY_STRIPE_LOCKS);
	for (row = 0; row < job->nrows; row++)
		teearray_read_set_add(tc, job->first + row, set);
	teearray_lock_stripes_shared(tc, set);
	if (!READ_ONCE(tc->fail_reason)) {
		r = rr ? teearray_rows_fetch(tc, job, rr, &buf) : 1;
		if (r > 0) {
			/* Row by row, reading again. */
			teearray_rows_free(rr);
			rr = NULL;
			r = 0;
		}
	}
	for (row = 0; row < job->nrows && !r; row++)
		r = teearray_job_finish_row(tc, job, bio, row, rr, &buf);
	if (buf)
		mempool_free(buf, tc->buf_pool);
	teearray_unlock_stripes_shared(tc, set);
	teearray_rows_free(rr);
	if (r)
		bio->bi_status = errno_to_blk_status(r);
	bio_endio(bio);
}

unsigned int teearray_read_per_bio_size(void)
{
	return sizeof(struct teearray_read_job);
}

/*
 * Queue a read bio: aligned 4 KiB sectors within TEEARRAY_NL_MAX_SECTORS
 * rows (the target's max_io_len).  Context: map().
 */
void teearray_read_queue(struct teearray_c *tc, struct bio *bio)
{
	struct teearray_read_job *job = dm_per_bio_data(bio, sizeof(*job));

	job->tc = tc;
	job->v = dm_target_offset(tc->ti, bio->bi_iter.bi_sector) >> 3;
	job->nv = bio->bi_iter.bi_size / TEEARRAY_SECTOR_SIZE;
	job->first = div_u64(job->v, tc->n);
	job->nrows = (u32)(div_u64(job->v + job->nv - 1, tc->n) - job->first + 1);
	INIT_WORK(&job->work, teearray_read_work);
	queue_work(tc->io_wq, &job->work);
}
