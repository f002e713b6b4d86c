// SPDX-License-Identifier: GPL-2.0
/*
 * A cache of verified metadata sectors, so reads and writes of recently
 * used areas do not fetch (and verify) their IV+MAC entries again.
 *
 * The cache holds copies made after a sector verified, or the sector a
 * commit just put in the journal; the members are never trusted more for
 * it.  Entries are preallocated and reused in FIFO order.  lock protects
 * the table, the keys and the page contents: copies in and out happen
 * under it, so an eviction never frees a page someone is copying.  A
 * metadata sector changes only under its stripe's lock, and every change
 * goes through teearray_metacache_put() or _drop() before the lock is
 * released.
 */
#include <linux/slab.h>
#include <linux/hash.h>

#include "teearray.h"

struct teearray_metacache_entry {
	struct hlist_node node;
	u64 mv;
	bool used;
	u8 *page;
};

static struct teearray_metacache_entry *
teearray_metacache_find(struct teearray_metacache *mc, u64 mv)
{
	struct teearray_metacache_entry *e;

	hash_for_each_possible(mc->table, e, node, mv)
		if (e->mv == mv)
			return e;
	return NULL;
}

bool teearray_metacache_get(struct teearray_c *tc, u64 mv, u8 *out)
{
	struct teearray_metacache *mc = &tc->metacache;
	struct teearray_metacache_entry *e;

	spin_lock(&mc->lock);
	e = teearray_metacache_find(mc, mv);
	if (e)
		memcpy(out, e->page, TEEARRAY_SECTOR_SIZE);
	spin_unlock(&mc->lock);
	return e;
}

void teearray_metacache_put(struct teearray_c *tc, u64 mv, const u8 *in)
{
	struct teearray_metacache *mc = &tc->metacache;
	struct teearray_metacache_entry *e;

	if (!mc->size)
		return;
	spin_lock(&mc->lock);
	e = teearray_metacache_find(mc, mv);
	if (!e) {
		e = &mc->entries[mc->next];
		mc->next = (mc->next + 1) % mc->size;
		if (e->used)
			hash_del(&e->node);
		e->mv = mv;
		e->used = true;
		hash_add(mc->table, &e->node, mv);
	}
	memcpy(e->page, in, TEEARRAY_SECTOR_SIZE);
	spin_unlock(&mc->lock);
}

void teearray_metacache_drop(struct teearray_c *tc, u64 mv)
{
	struct teearray_metacache *mc = &tc->metacache;
	struct teearray_metacache_entry *e;

	spin_lock(&mc->lock);
	e = teearray_metacache_find(mc, mv);
	if (e) {
		hash_del(&e->node);
		e->used = false;
	}
	spin_unlock(&mc->lock);
}

/* Context: ctr.  A cache that cannot be allocated is simply smaller. */
void teearray_metacache_init(struct teearray_c *tc, unsigned int size)
{
	struct teearray_metacache *mc = &tc->metacache;
	unsigned int i;

	spin_lock_init(&mc->lock);
	hash_init(mc->table);
	mc->entries = kvcalloc(size, sizeof(*mc->entries), GFP_KERNEL);
	if (!mc->entries)
		return;
	for (i = 0; i < size; i++) {
		mc->entries[i].page = (u8 *)__get_free_page(GFP_KERNEL);
		if (!mc->entries[i].page)
			break;
	}
	mc->size = i;
}

void teearray_metacache_exit(struct teearray_c *tc)
{
	struct teearray_metacache *mc = &tc->metacache;
	unsigned int i;

	for (i = 0; i < mc->size; i++)
		free_page((unsigned long)mc->entries[i].page);
	kvfree(mc->entries);
	mc->entries = NULL;
	mc->size = 0;
}
