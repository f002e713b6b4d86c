// SPDX-License-Identifier: GPL-2.0
/*
 * dm-teearray: a device-mapper target that builds one persistent, rollback-
 * resistant disk out of the RAM of N data + P parity remote storage enclaves.
 *
 * This file is the device-mapper glue: constructor/destructor, status and
 * activation.  Table parsing is in teearray-table.c (pure, unit-tested in
 * userspace).  Member I/O leaves the kernel only through the transport daemon
 * (teearrayd); until a daemon is connected the array cannot be assembled, so
 * preresume refuses activation with a clear message.
 *
 * Locking: at this stage the target has no mutable state after ctr; the
 * params and key are written once in ctr and only read afterwards.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/key.h>
#include <linux/device-mapper.h>
#include <keys/user-type.h>

#include "teearray-table.h"
#include "tee-ec.h"

#define DM_MSG_PREFIX "teearray"

struct teearray_c {
	struct dm_target *ti;
	struct teearray_params *params;
	u8 key[TEEARRAY_KEY_SIZE];
};

/*
 * Copy the array key out of the keyring.  Context: process (ctr), may sleep.
 * The caller's keyrings are searched, as dm-crypt does for its key.
 */
static int teearray_load_key(struct teearray_c *tc, struct dm_target *ti)
{
	const struct teearray_key_ref *ref = &tc->params->key;
	struct key_type *type;
	const struct user_key_payload *ukp;
	struct key *key;
	int r = 0;

	type = strcmp(ref->type, "logon") ? &key_type_user : &key_type_logon;
	key = request_key(type, ref->desc, NULL);
	if (IS_ERR(key)) {
		ti->error = "Array key not found in the keyring";
		return PTR_ERR(key);
	}

	down_read(&key->sem);
	ukp = user_key_payload_locked(key);
	if (!ukp) {
		ti->error = "Array key has been revoked";
		r = -EKEYREVOKED;
	} else if (ukp->datalen != TEEARRAY_KEY_SIZE) {
		ti->error = "Array key in the keyring is not 64 bytes long";
		r = -EINVAL;
	} else {
		memcpy(tc->key, ukp->data, TEEARRAY_KEY_SIZE);
	}
	up_read(&key->sem);
	key_put(key);
	return r;
}

static void teearray_free(struct teearray_c *tc)
{
	memzero_explicit(tc->key, sizeof(tc->key));
	kvfree(tc->params);
	kfree(tc);
}

/*
 * Construct a mapping; the syntax is documented in teearray-table.h and
 * Documentation/admin-guide/device-mapper/dm-teearray.rst.  ctr only parses
 * and allocates: assembly needs member I/O and happens in preresume.
 */
static int teearray_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct teearray_c *tc;
	char *error;
	int bad_arg, r;

	if (ti->begin & 7 || ti->len & 7) {
		ti->error = "Target start and length must be multiples of 4096 bytes";
		return -EINVAL;
	}

	tc = kzalloc(sizeof(*tc), GFP_KERNEL);
	if (!tc) {
		ti->error = "Cannot allocate context";
		return -ENOMEM;
	}
	tc->ti = ti;
	tc->params = kvzalloc(sizeof(*tc->params), GFP_KERNEL);
	if (!tc->params) {
		ti->error = "Cannot allocate parameters";
		r = -ENOMEM;
		goto bad;
	}

	r = teearray_parse_table(tc->params, argc, argv, &error, &bad_arg);
	if (r) {
		/* Never echo argument 2: it is where a literal key would be. */
		if (bad_arg == 1)
			DMERR("argument 2 (key): %s", error);
		else if (bad_arg >= 0)
			DMERR("argument %d (%s): %s", bad_arg + 1, argv[bad_arg], error);
		ti->error = error;
		goto bad;
	}

	r = teearray_load_key(tc, ti);
	if (r)
		goto bad;

	ti->private = tc;
	return 0;

bad:
	teearray_free(tc);
	return r;
}

static void teearray_dtr(struct dm_target *ti)
{
	teearray_free(ti->private);
}

/*
 * Never reached: preresume refuses activation until a transport daemon can
 * connect, and device-mapper maps bios only through an active table.
 */
static int teearray_map(struct dm_target *ti, struct bio *bio)
{
	return DM_MAPIO_KILL;
}

/*
 * Assembly reads superblocks, death records and the journal from the members;
 * all of that goes through the transport daemon.  No daemon can connect to
 * this version of the module, so activation fails here, cleanly.
 */
static int teearray_preresume(struct dm_target *ti)
{
	DMERR("%s: no transport daemon connected: start teearrayd before activating the array",
	      dm_table_device_name(ti->table));
	return -ENOTCONN;
}

/*
 * INFO is positional and append-only:
 *   <#members> <health> <done>/<total> <action> <mac_failures>
 *   <journal_fill> <commit_version> <death_version> <daemon> <mode>
 * Health per member follows dm-raid: A alive and in sync, a alive but not in
 * sync, D dead; '-' not assembled or absent.  Status does no I/O.
 */
static void teearray_status(struct dm_target *ti, status_type_t type,
			    unsigned int status_flags, char *result,
			    unsigned int maxlen)
{
	struct teearray_c *tc = ti->private;
	const struct teearray_params *p = tc->params;
	unsigned int i, members = p->data_members + p->parity_members;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		DMEMIT("%u ", members);
		for (i = 0; i < members; i++)
			DMEMIT("-");
		DMEMIT(" 0/0 idle 0 0 0 0 none Fail");
		break;
	case STATUSTYPE_TABLE:
		teearray_format_table(p, result, maxlen);
		break;
	default:
		break;
	}
}

static void teearray_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct teearray_c *tc = ti->private;

	limits->logical_block_size = TEEARRAY_SECTOR_SIZE;
	limits->physical_block_size = TEEARRAY_SECTOR_SIZE;
	limits->io_min = TEEARRAY_SECTOR_SIZE;
	limits->io_opt = TEEARRAY_SECTOR_SIZE * tc->params->data_members;
}

static struct target_type teearray_target = {
	.name = "teearray",
	.version = {0, 1, 0},
	.module = THIS_MODULE,
	.ctr = teearray_ctr,
	.dtr = teearray_dtr,
	.map = teearray_map,
	.preresume = teearray_preresume,
	.status = teearray_status,
	.io_hints = teearray_io_hints,
};

static int __init dm_teearray_init(void)
{
	int r;

	r = tee_ec_module_init();
	if (r)
		return r;
	r = dm_register_target(&teearray_target);
	if (r < 0)
		DMERR("register failed %d", r);
	return r;
}

static void __exit dm_teearray_exit(void)
{
	dm_unregister_target(&teearray_target);
}

module_init(dm_teearray_init);
module_exit(dm_teearray_exit);

MODULE_DESCRIPTION(DM_NAME " target striping a disk over remote storage enclaves");
MODULE_AUTHOR("dm-teearray developers");
MODULE_LICENSE("GPL");
