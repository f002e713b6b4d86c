// SPDX-License-Identifier: GPL-2.0
/*
 * Key epochs: the keys the array holds and which of them checks what.
 *
 * The table names the epoch key of key_epoch (and, while a rotation is
 * unfinished, prev_key of the epoch before).  Epoch e's keys live in
 * keys[e & 1]: a rotation fills the slot nobody uses, so readers never see
 * a slot change under them except when it is wiped, and that happens only
 * behind teearray_keys_barrier(), after no sector of that epoch is left.
 *
 * Locking: a slot is filled before smp_store_release() of its held flag
 * and looked up with smp_load_acquire().  key_epoch (the epoch new writes
 * use) and wiping change with every stripe lock and member_lock held, so
 * any job holding a stripe set, and anyone holding member_lock, sees one
 * key_epoch for as long as it holds them.
 */
#include <linux/key.h>
#include <keys/user-type.h>

#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

/*
 * Copy an epoch key out of the keyring.  Context: process, may sleep.  The
 * caller's keyrings are searched, as dm-crypt does for its key.
 */
int teearray_read_key(const struct teearray_key_ref *ref, u8 out[TEEARRAY_KEY_SIZE],
		      char **error)
{
	struct key_type *type;
	const struct user_key_payload *ukp;
	struct key *key;
	int r = 0;

	type = strcmp(ref->type, "logon") ? &key_type_user : &key_type_logon;
	key = request_key(type, ref->desc, NULL);
	if (IS_ERR(key)) {
		*error = "Epoch key not found in the keyring";
		return PTR_ERR(key);
	}
	down_read(&key->sem);
	ukp = user_key_payload_locked(key);
	if (!ukp) {
		*error = "Epoch key has been revoked";
		r = -EKEYREVOKED;
	} else if (ukp->datalen != TEEARRAY_KEY_SIZE) {
		*error = "Epoch key in the keyring is not 64 bytes long";
		r = -EINVAL;
	} else {
		memcpy(out, ukp->data, TEEARRAY_KEY_SIZE);
	}
	up_read(&key->sem);
	key_put(key);
	return r;
}

/* Fill the (unused) slot of epoch e from its epoch key, then publish it. */
void teearray_keys_install(struct teearray_c *tc, u32 e, const u8 ekey[TEEARRAY_KEY_SIZE])
{
	struct teearray_epoch_keys *k = &tc->keys[e & 1];
	const u8 *uuid = tc->params->array_uuid;

	WRITE_ONCE(k->held, false);
	k->epoch = e;
	teearray_derive_key(ekey, TEEARRAY_KEY_SIZE, uuid, TEEARRAY_PURPOSE_METADATA, e,
			    k->meta_key);
	teearray_sector_keys_init(&k->skeys, ekey, TEEARRAY_KEY_SIZE, uuid, e);
	/* Pairs with teearray_keys_of(): the keys are visible before held. */
	smp_store_release(&k->held, true);
}

/* Forget epoch e.  Caller holds the barrier: no one is using the slot. */
void teearray_keys_wipe(struct teearray_c *tc, u32 e)
{
	struct teearray_epoch_keys *k = &tc->keys[e & 1];

	if (k->epoch != e)
		return;
	WRITE_ONCE(k->held, false);
	memzero_explicit(k, sizeof(*k));
}

const struct teearray_epoch_keys *teearray_keys_of(struct teearray_c *tc, u32 e)
{
	const struct teearray_epoch_keys *k = &tc->keys[e & 1];

	/* Pairs with teearray_keys_install(). */
	if (!smp_load_acquire(&k->held) || k->epoch != e)
		return NULL;
	return k;
}

const struct teearray_epoch_keys *teearray_keys_cur(struct teearray_c *tc)
{
	return &tc->keys[READ_ONCE(tc->key_epoch) & 1];
}

/* The previous epoch while its key is held (a rotation is unfinished). */
bool teearray_keys_rotating(struct teearray_c *tc)
{
	u32 e = READ_ONCE(tc->key_epoch);

	return e && teearray_keys_of(tc, e - 1);
}

/* Check a stored sector against its entry, with the key of its epoch. */
int teearray_verify_sector(struct teearray_c *tc, u64 v, const struct teearray_entry *e,
			   const u8 *ct)
{
	const struct teearray_epoch_keys *k;

	if (teearray_entry_unwritten(e))
		k = teearray_keys_cur(tc);	/* keys are not used */
	else
		k = teearray_keys_of(tc, teearray_entry_epoch(e));
	if (!k)
		return -EBADMSG;
	return teearray_sector_verify(&k->skeys, v, e, ct);
}

/* Decrypt a verified sector; its epoch's key is held (it verified). */
void teearray_decrypt_sector(struct teearray_c *tc, const struct teearray_entry *e,
			     const u8 *ct, u8 *plain)
{
	const struct teearray_epoch_keys *k = teearray_entry_unwritten(e) ?
		teearray_keys_cur(tc) : teearray_keys_of(tc, teearray_entry_epoch(e));

	if (!k) {	/* cannot happen after a verify; never leak ciphertext */
		memset(plain, 0, TEEARRAY_SECTOR_SIZE);
		return;
	}
	teearray_sector_decrypt(&k->skeys, e, ct, plain);
}

/*
 * A metadata sector's tag: under the current epoch, or the previous one
 * while rotating.  *stale (may be NULL) says it verified only under the
 * previous one.
 */
int teearray_verify_meta(struct teearray_c *tc, u64 mv, const struct teearray_meta_disk *m,
			 bool *stale)
{
	u32 e = READ_ONCE(tc->key_epoch);
	const struct teearray_epoch_keys *k = teearray_keys_of(tc, e);
	int r = k ? teearray_meta_verify(&k->skeys, mv, m) : -EBADMSG;

	if (stale)
		*stale = false;
	k = e ? teearray_keys_of(tc, e - 1) : NULL;
	if (r && k) {
		r = teearray_meta_verify(&k->skeys, mv, m);
		if (!r && stale)
			*stale = true;
	}
	return r;
}

/*
 * Wait until no job holds a stripe, and keep every stripe, then take
 * member_lock.  Stripes are taken one lock bit at a time; other jobs take
 * their sets all at once and never wait holding one, so this cannot
 * deadlock, and it cannot be starved by a busy array.  rotate_lock keeps
 * two barriers from interleaving.
 */
void teearray_keys_barrier(struct teearray_c *tc)
{
	DECLARE_BITMAP(one, TEEARRAY_STRIPE_LOCKS);
	unsigned int i;

	lockdep_assert_held(&tc->rotate_lock);
	for (i = 0; i < TEEARRAY_STRIPE_LOCKS; i++) {
		bitmap_zero(one, TEEARRAY_STRIPE_LOCKS);
		__set_bit(i, one);
		teearray_lock_stripes(tc, one);
	}
	mutex_lock(&tc->member_lock);
}

void teearray_keys_barrier_end(struct teearray_c *tc)
{
	DECLARE_BITMAP(all, TEEARRAY_STRIPE_LOCKS);

	mutex_unlock(&tc->member_lock);
	bitmap_fill(all, TEEARRAY_STRIPE_LOCKS);
	teearray_unlock_stripes(tc, all);
}
