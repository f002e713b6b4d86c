/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Member freshness: which members hold current data, and may be read and
 * written.
 *
 * While the array runs: a member in sync ('A') serves every stripe, a member
 * being rebuilt ('a') takes every write but serves only the stripes its
 * rebuild has passed, a dead member ('D') is never read or written again.
 * When more than P members are dead the array fails.
 *
 * At assembly (Documentation/admin-guide/device-mapper/dm-teearray.rst,
 * "Assembly and freshness"): the superblocks of the members that answered
 * must agree; the newest valid death record decides who is fresh.  With L
 * members listed alive in it, at least N of those listed in sync must
 * confirm it (answer with the instance id it names and a valid superblock)
 * and more than L - N in all.  A group of members marked dead together is
 * at most L - N strong, so stale members never outvote the current ones.
 * Members the record lists dead, and members that do not confirm it, are
 * dead from then on; an older record never brings a member back.
 *
 * Pure code: builds in the module and in userspace; no locking, no
 * allocation, no I/O.  The engine reads member states without member_lock
 * (READ_ONCE, see teearray.h); the decisions here are only as fresh as that.
 */
#ifndef TEEARRAY_FRESH_H
#define TEEARRAY_FRESH_H

#include "teearray-compat.h"
#include "teearray-table.h"
#include "teearray-format.h"

struct teearray_member {
	u8 uuid[TEEARRAY_UUID_SIZE];
	u8 instance[TEEARRAY_INSTANCE_SIZE];	/* attested instance we trust */
	u8 state;		/* TEEARRAY_MEMBER_*; DEAD for absent slots */
	u64 generation;		/* fencing generation the member runs */
};

static inline bool teearray_member_writable(const struct teearray_member *mb)
{
	u8 s = READ_ONCE(mb->state);

	return s == TEEARRAY_MEMBER_ALIVE || s == TEEARRAY_MEMBER_REBUILDING;
}

/* How far the rebuild of a member ('a') has come. */
struct teearray_rebuild_pos {
	u32 slot;		/* the member the rebuild walks */
	u64 first;		/* the first stripe it walks (meta_start) */
	u64 done;		/* stripes rebuilt from first on */
};

/*
 * Can member mb (in slot) serve stripe ms?  In sync: yes.  Being rebuilt:
 * only when the rebuild walks this slot and has passed ms.
 */
bool teearray_member_readable_at(const struct teearray_member *mb, u32 slot,
				 const struct teearray_rebuild_pos *rb, u64 ms);

/* Members of members[0 .. m-1] in state. */
unsigned int teearray_members_count(const struct teearray_member *members,
				    unsigned int m, u8 state);

/* More members dead than P parity columns can stand in for: the array fails. */
bool teearray_members_too_many_dead(const struct teearray_member *members,
				    unsigned int m, unsigned int p);

/* The highest fencing generation any member runs. */
u64 teearray_members_max_generation(const struct teearray_member *members,
				    unsigned int m);

/*
 * The death record (version, key epoch) listing the members as they are:
 * their states, instance ids and the highest generation.
 */
void teearray_members_dr_info(const struct teearray_member *members,
			      unsigned int m, u32 key_epoch, u64 version,
			      struct teearray_dr_info *info);

/*
 * What assembly read from one member and made of it.  A state is 0 when
 * the parsed copy (sbi, dri) is valid, else -ENODATA (blank), -EBADMSG or
 * -EKEYREJECTED (does not verify, or under an epoch the table lacks),
 * -EINVAL (refused; foreign: a valid superblock of another array or slot)
 * or -EIO (not read).
 */
struct teearray_probe {
	struct teearray_sb_disk sb;
	struct teearray_dr_disk dr;
	struct teearray_sb_info sbi;
	struct teearray_dr_info dri;
	int sb_state;
	int dr_state;
	bool foreign;
};

/* What the table says the array is; assembly checks the members against it. */
struct teearray_expect {
	const u8 *array_uuid;
	unsigned int n, p;
	u32 key_epoch;		/* new writes use this epoch */
	bool prev_key;		/* the table holds epoch key_epoch - 1 too */
	u64 len;		/* 512-byte sectors the table maps */
};

/*
 * Check the superblocks of the members that answered (state ALIVE): each
 * must belong to this array and slot (else it is marked foreign and left
 * out), all valid ones must describe the same geometry, which must match
 * the table.  An unfinished key rotation needs the previous key.  Returns
 * 0 and sets *geo, or an error with *why: -EKEYREJECTED (wrong key or
 * epoch), -ENODATA (blank members), -EIO (no valid superblock), -EINVAL
 * (disagreement with each other or the table), -ENOSPC (table too long).
 */
int teearray_fresh_superblocks(const struct teearray_expect *x,
			       const struct teearray_member *members,
			       struct teearray_probe *pr,
			       struct teearray_geometry *geo, const char **why);

/* Does member mb (in slot) confirm death record dr? */
bool teearray_fresh_confirms(const struct teearray_dr_info *dr, u32 slot,
			     const struct teearray_member *mb,
			     const struct teearray_probe *p);

/* How many members a death record lists alive and how many confirm it. */
struct teearray_dr_tally {
	unsigned int listed;		/* L: listed in sync or rebuilding */
	unsigned int confirmed;		/* of those, confirming it */
	unsigned int in_sync;		/* of those, listed in sync */
};

/*
 * Take the newest valid death record of the members that answered (the
 * first of the highest version) into *best and check that enough members
 * confirm it.  Returns 0; -EIO when no member has a valid record of this
 * many members; -ESTALE when too few confirm it (the array may be stale).
 * *t holds the tally whenever a record was found.
 */
int teearray_fresh_death_record(const struct teearray_expect *x,
				const struct teearray_member *members,
				const struct teearray_probe *pr,
				struct teearray_dr_info *best,
				struct teearray_dr_tally *t, const char **why);

/*
 * The state member mb (in slot) has once assembly took death record dr:
 * the record's, if it lists the member alive and the member confirms it;
 * else dead.
 */
u8 teearray_fresh_state(const struct teearray_dr_info *dr, u32 slot,
			const struct teearray_member *mb,
			const struct teearray_probe *p);

#endif /* TEEARRAY_FRESH_H */
