// SPDX-License-Identifier: GPL-2.0
/*
 * Walk windows: the rebuild and the scrub fetch W consecutive stripes at a
 * time, one request of W sectors per member in one round trip, instead of a
 * round trip per stripe.  A stripe sits at the same sector on every member,
 * so a window is one run on each.  The window only fetches faster: every
 * stripe of it is then checked (scrub) or reconstructed (rebuild) as one
 * stripe alone would be.  A window that cannot be fetched whole (a member
 * is not readable for all of its stripes, or fails during the fetch) is
 * left to the walk's stripe-by-stripe path, which plans around the member.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "teearray.h"

/* Sectors one window holds over all members: 960 KiB at most. */
#define TEEARRAY_WINDOW_SECTORS 240

/*
 * A window for this array, or NULL (the caller walks stripe by stripe):
 * without memory, or when the array has so many members that a window
 * would be one stripe.  Context: process (a walk's work).
 */
struct teearray_window *teearray_window_new(struct teearray_c *tc)
{
	u32 w = min_t(u32, TEEARRAY_WINDOW_SECTORS / tc->m, TEEARRAY_NL_MAX_SECTORS);
	struct teearray_window *win;
	unsigned int noio;

	if (w < 2)
		return NULL;
	/* The walk's member I/O must not wait on reclaim writing to us. */
	noio = memalloc_noio_save();
	win = kzalloc(sizeof(*win), GFP_KERNEL);
	if (win) {
		win->max = w;
		win->data = kvmalloc(array3_size(tc->m, w, TEEARRAY_SECTOR_SIZE), GFP_KERNEL);
		win->col = kcalloc(tc->m, sizeof(*win->col), GFP_KERNEL);
		win->rqs = kcalloc(tc->m, sizeof(*win->rqs), GFP_KERNEL);
		if (!win->data || !win->col || !win->rqs) {
			teearray_window_free(win);
			win = NULL;
		}
	}
	memalloc_noio_restore(noio);
	return win;
}

void teearray_window_free(struct teearray_window *win)
{
	if (!win)
		return;
	kvfree(win->data);
	kfree(win->col);
	kfree(win->rqs);
	kfree(win);
}

/* Sector i of the window as member slot holds it (slot-major: one run). */
u8 *teearray_window_sector(const struct teearray_window *win, u32 slot, u32 i)
{
	return win->data + ((size_t)slot * win->max + i) * TEEARRAY_SECTOR_SIZE;
}

/*
 * Fetch stripes [ms, ms + w) (w <= win->max) from every slot with slots[]
 * set, raw, one request per member, into the window; win->read says which
 * slots it holds.  Returns 0; -EAGAIN when a slot is not readable for every
 * stripe of the window or a member failed meanwhile (the caller walks the
 * window stripe by stripe); -EIO when the array failed or a member was
 * given up on.  Context: walk holding the window's stripes.
 */
int teearray_window_fetch(struct teearray_c *tc, struct teearray_window *win,
			  u64 ms, u32 w, const bool *slots)
{
	struct teearray_rebuild_pos rb;
	unsigned int k = 0, i;
	u32 slot;

	teearray_rebuild_pos_get(tc, &rb);
	memset(win->read, 0, sizeof(win->read));
	for (slot = 0; slot < tc->m; slot++) {
		if (!slots[slot])
			continue;
		for (i = 0; i < w; i++)
			if (!teearray_member_readable_at(&tc->members[slot], slot, &rb, ms + i))
				return -EAGAIN;
		teearray_rq_init(tc, &win->rqs[k], slot, TEEARRAY_OP_READ, ms,
				 teearray_window_sector(win, slot, 0));
		win->rqs[k].count = w;
		win->rqs[k++].may_give_up = true;
	}
	if (teearray_io(tc, win->rqs, k) ||
	    !teearray_handle_failures(tc, win->rqs, k, "read failed"))
		return -EIO;
	for (i = 0; i < k; i++)
		if (win->rqs[i].status != TEEARRAY_ST_OK)
			return -EAGAIN;
	for (slot = 0; slot < tc->m; slot++)
		win->read[slot] = slots[slot];
	win->ms = ms;
	return 0;
}

/* Is every slot the window holds still readable at stripe ms? */
bool teearray_window_readable(struct teearray_c *tc, const struct teearray_window *win,
			      u64 ms)
{
	struct teearray_rebuild_pos rb;
	u32 slot;

	teearray_rebuild_pos_get(tc, &rb);
	for (slot = 0; slot < tc->m; slot++)
		if (win->read[slot] &&
		    !teearray_member_readable_at(&tc->members[slot], slot, &rb, ms))
			return false;
	return true;
}
