// SPDX-License-Identifier: GPL-2.0
/*
 * Member freshness: the rules of teearray-fresh.h.
 */
#include "teearray-fresh.h"

bool teearray_member_readable_at(const struct teearray_member *mb, u32 slot,
				 const struct teearray_rebuild_pos *rb, u64 ms)
{
	u8 s = READ_ONCE(mb->state);

	if (s == TEEARRAY_MEMBER_ALIVE)
		return true;
	return s == TEEARRAY_MEMBER_REBUILDING && rb->slot == slot &&
	       ms >= rb->first && ms - rb->first < rb->done;
}

unsigned int teearray_members_count(const struct teearray_member *members,
				    unsigned int m, u8 state)
{
	unsigned int i, k = 0;

	for (i = 0; i < m; i++)
		k += READ_ONCE(members[i].state) == state;
	return k;
}

bool teearray_members_too_many_dead(const struct teearray_member *members,
				    unsigned int m, unsigned int p)
{
	return teearray_members_count(members, m, TEEARRAY_MEMBER_DEAD) > p;
}

u64 teearray_members_max_generation(const struct teearray_member *members,
				    unsigned int m)
{
	unsigned int i;
	u64 g = 0;

	for (i = 0; i < m; i++)
		g = max(g, READ_ONCE(members[i].generation));
	return g;
}

void teearray_members_dr_info(const struct teearray_member *members,
			      unsigned int m, u32 key_epoch, u64 version,
			      struct teearray_dr_info *info)
{
	unsigned int i;

	memset(info, 0, sizeof(*info));
	info->version = version;
	info->key_epoch = key_epoch;
	info->nr_members = m;
	for (i = 0; i < m; i++) {
		info->state[i] = members[i].state;
		memcpy(info->instance[i], members[i].instance, TEEARRAY_DR_INSTANCE_SIZE);
	}
	info->generation = teearray_members_max_generation(members, m);
}

int teearray_fresh_superblocks(const struct teearray_expect *x,
			       const struct teearray_member *members,
			       struct teearray_probe *pr,
			       struct teearray_geometry *geo, const char **why)
{
	const struct teearray_geometry *g = NULL;
	unsigned int i, m = x->n + x->p, valid = 0, blank = 0, badmac = 0;

	for (i = 0; i < m; i++) {
		struct teearray_probe *p = &pr[i];

		if (members[i].state != TEEARRAY_MEMBER_ALIVE)
			continue;
		if (p->sb_state == -ENODATA)
			blank++;
		if (p->sb_state == -EBADMSG || p->sb_state == -EKEYREJECTED)
			badmac++;
		if (p->sb_state)
			continue;
		if (memcmp(p->sbi.array_uuid, x->array_uuid, TEEARRAY_UUID_SIZE) ||
		    memcmp(p->sbi.member_uuid, members[i].uuid, TEEARRAY_UUID_SIZE) ||
		    p->sbi.slot != i) {
			p->foreign = true;
			p->sb_state = -EINVAL;
			continue;
		}
		if ((p->sbi.rotating || p->sbi.key_epoch != x->key_epoch) && !x->prev_key) {
			*why = "a key rotation is unfinished: the table needs prev_key";
			return -EKEYREJECTED;
		}
		if (!g)
			g = &p->sbi.geo;
		if (memcmp(g, &p->sbi.geo, sizeof(*g))) {
			*why = "members disagree about the array geometry";
			return -EINVAL;
		}
		valid++;
	}
	if (!valid && badmac) {
		*why = "no superblock verifies: wrong array key or key epoch?";
		return -EKEYREJECTED;
	}
	if (!valid && blank) {
		*why = "members are blank: the array is not formatted";
		return -ENODATA;
	}
	if (!g) {
		*why = "no member has a valid superblock";
		return -EIO;
	}
	if (g->data_members != x->n || g->parity_members != x->p) {
		*why = "the table's data/parity counts differ from the superblocks";
		return -EINVAL;
	}
	if (g->array_sectors * 8 < x->len) {
		*why = "the table is longer than the array";
		return -ENOSPC;
	}
	*geo = *g;
	return 0;
}

bool teearray_fresh_confirms(const struct teearray_dr_info *dr, u32 slot,
			     const struct teearray_member *mb,
			     const struct teearray_probe *p)
{
	return mb->state == TEEARRAY_MEMBER_ALIVE &&
	       !memcmp(mb->instance, dr->instance[slot], TEEARRAY_DR_INSTANCE_SIZE) &&
	       !p->sb_state;
}

int teearray_fresh_death_record(const struct teearray_expect *x,
				const struct teearray_member *members,
				const struct teearray_probe *pr,
				struct teearray_dr_info *best,
				struct teearray_dr_tally *t, const char **why)
{
	unsigned int i, m = x->n + x->p;
	bool found = false;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < m; i++) {
		if (members[i].state != TEEARRAY_MEMBER_ALIVE || pr[i].dr_state)
			continue;
		if (pr[i].dri.nr_members != m)
			continue;
		if (!found || pr[i].dri.version > best->version)
			*best = pr[i].dri;
		found = true;
	}
	if (!found) {
		*why = "no member has a valid death record";
		return -EIO;
	}
	for (i = 0; i < m; i++) {
		u8 s = best->state[i];
		bool same;

		if (s == TEEARRAY_MEMBER_DEAD)
			continue;
		t->listed++;
		same = teearray_fresh_confirms(best, i, &members[i], &pr[i]);
		t->confirmed += same;
		t->in_sync += same && s == TEEARRAY_MEMBER_ALIVE;
	}
	if (t->in_sync < x->n || t->confirmed + x->n <= t->listed) {
		*why = "too few members confirm the newest death record: possibly stale, refusing";
		return -ESTALE;
	}
	return 0;
}

u8 teearray_fresh_state(const struct teearray_dr_info *dr, u32 slot,
			const struct teearray_member *mb,
			const struct teearray_probe *p)
{
	/* Listed dead in dr: the record's state, dead, in either case. */
	return teearray_fresh_confirms(dr, slot, mb, p) ? dr->state[slot] : TEEARRAY_MEMBER_DEAD;
}
