// SPDX-License-Identifier: GPL-2.0
/*
 * dm-teearray: a device-mapper target that builds one persistent, rollback-
 * resistant disk out of the RAM of N data + P parity remote storage enclaves.
 *
 * This file is the device-mapper glue: constructor/destructor, activation,
 * status and messages.  See teearray.h for the other files and the lock
 * order.  ctr only parses and allocates; assembly needs member I/O through
 * the transport daemon and happens in preresume.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/blkdev.h>

#include "teearray.h"

#define DM_MSG_PREFIX "teearray"

bool teearray_fault_injection;
module_param_named(fault_injection, teearray_fault_injection, bool, 0444);
MODULE_PARM_DESC(fault_injection, "Allow the crash_after message (tests only)");

/*
 * Install the table's epoch key and, while a rotation is unfinished, the
 * previous epoch's.  Context: ctr, may sleep.
 */
static int teearray_load_keys(struct teearray_c *tc, struct dm_target *ti)
{
	const struct teearray_params *p = tc->params;
	u8 key[TEEARRAY_KEY_SIZE];
	char *error;
	int r;

	tc->key_epoch = p->key_epoch;
	r = teearray_read_key(&p->key, key, &error);
	if (!r) {
		teearray_keys_install(tc, p->key_epoch, key);
		if (p->opt_given & (1U << TEEARRAY_OPT_PREV_KEY)) {
			r = teearray_read_key(&p->prev_key, key, &error);
			if (r)
				error = "prev_key: epoch key not found, revoked or not 64 bytes";
			else
				teearray_keys_install(tc, p->key_epoch - 1, key);
		}
	}
	memzero_explicit(key, sizeof(key));
	if (r)
		ti->error = error;
	return r;
}

static void teearray_free(struct teearray_c *tc)
{
	/* First: the audit work writes through the journal. */
	teearray_audit_exit(tc);
	if (tc->watcher.new_session)
		teearray_transport_unwatch(&tc->watcher);
	if (tc->ctl_wq)
		destroy_workqueue(tc->ctl_wq);
	teearray_journal_exit(tc);
	teearray_metacache_exit(tc);
	teearray_io_exit(tc);
	if (tc->ec)
		tee_ec_free(tc->ec);
	kfree(tc->members);
	kfree(tc->latency);
	kvfree(tc->dr_rqs);
	kvfree(tc->fence_rqs);
	memzero_explicit(tc->keys, sizeof(tc->keys));
	kvfree(tc->params);
	kfree(tc->table_args);
	kfree(tc);
}

/*
 * The table as loaded, for STATUSTYPE_TABLE: runtime changes (a key
 * rotation) show in the status line, never in the table.
 */
static char *teearray_join_args(unsigned int argc, char **argv)
{
	size_t len = 1;
	unsigned int i;
	char *s, *p;

	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = kmalloc(len, GFP_KERNEL);
	if (!s)
		return NULL;
	p = s;
	for (i = 0; i < argc; i++)
		p += sprintf(p, "%s%s", i ? " " : "", argv[i]);
	*p = '\0';
	return s;
}

static int teearray_setup(struct teearray_c *tc, struct dm_target *ti)
{
	const struct teearray_params *p = tc->params;
	unsigned int i;

	tc->n = p->data_members;
	tc->p = p->parity_members;
	tc->m = tc->n + tc->p;
	tc->members = kcalloc(tc->m, sizeof(*tc->members), GFP_KERNEL);
	tc->latency = kcalloc(tc->m, sizeof(*tc->latency), GFP_KERNEL);
	/* Taken here: the death record and fencing must not fail for memory. */
	tc->dr_rqs = kvcalloc(tc->m, sizeof(*tc->dr_rqs), GFP_KERNEL);
	tc->fence_rqs = kvcalloc(tc->m, sizeof(*tc->fence_rqs), GFP_KERNEL);
	spin_lock_init(&tc->latency_lock);
	if (!tc->members || !tc->latency || !tc->dr_rqs || !tc->fence_rqs)
		return -ENOMEM;
	for (i = 0; i < tc->m; i++) {
		memcpy(tc->members[i].uuid, p->member_uuid[i], TEEARRAY_UUID_SIZE);
		tc->members[i].state = TEEARRAY_MEMBER_DEAD;
	}
	mutex_init(&tc->member_lock);
	mutex_init(&tc->rotate_lock);
	init_waitqueue_head(&tc->walk_wq);
	INIT_WORK(&tc->rotate_work, teearray_rotate_work);
	INIT_WORK(&tc->fence_work, teearray_fence_work);
	INIT_WORK(&tc->rebuild_work, teearray_rebuild_work);
	INIT_WORK(&tc->scrub_work, teearray_scrub_work);

	tc->ec = tee_ec_alloc(tc->n, tc->p);
	if (!tc->ec) {
		ti->error = "Cannot build the erasure code";
		return -ENOMEM;
	}
	tc->ctl_wq = alloc_ordered_workqueue("teearray_ctl", WQ_MEM_RECLAIM);
	if (!tc->ctl_wq || teearray_io_init(tc) || teearray_journal_init(tc) ||
	    teearray_audit_init(tc)) {
		ti->error = "Cannot allocate workqueues and buffers";
		return -ENOMEM;
	}
	teearray_metacache_init(tc, TEEARRAY_METACACHE_SECTORS);
	tc->watcher.new_session = teearray_new_session;
	teearray_transport_watch(&tc->watcher);
	return 0;
}

/*
 * Construct a mapping; the syntax is documented in teearray-table.h and
 * Documentation/admin-guide/device-mapper/dm-teearray.rst.
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
		/* Never echo a key argument: a literal key could be there. */
		if (bad_arg == 1)
			DMERR("%s: argument 2 (key): %s", teearray_dev(tc), error);
		else if (bad_arg >= 0 && !strncmp(argv[bad_arg], "prev_key:", 9))
			DMERR("%s: argument %d (prev_key): %s",
			      teearray_dev(tc), bad_arg + 1, error);
		else if (bad_arg >= 0)
			DMERR("%s: argument %d (%s): %s",
			      teearray_dev(tc), bad_arg + 1, argv[bad_arg], error);
		ti->error = error;
		goto bad;
	}

	tc->table_args = teearray_join_args(argc, argv);
	if (!tc->table_args) {
		ti->error = "Cannot allocate the table";
		r = -ENOMEM;
		goto bad;
	}
	if (tc->params->data_members > TEEARRAY_MAX_DATA_ENGINE) {
		ti->error = "More than 148 data members: not supported by this release";
		r = -EINVAL;
		goto bad;
	}
	r = teearray_setup(tc, ti);
	if (r)
		goto bad;
	r = teearray_load_keys(tc, ti);
	if (r)
		goto bad;

	ti->num_flush_bios = 1;
	ti->flush_supported = true;
	/*
	 * Bios end at every run of TEEARRAY_NL_MAX_SECTORS rows: a read job
	 * asks each member for at most that many sectors.  Writes are taken
	 * one 4 KiB sector at a time (dm_accept_partial_bio in map()).
	 */
	ti->per_io_data_size = teearray_read_per_bio_size();
	r = dm_set_target_max_io_len(ti, (sector_t)TEEARRAY_NL_MAX_SECTORS * tc->n *
					 (TEEARRAY_SECTOR_SIZE >> SECTOR_SHIFT));
	if (r) {
		ti->error = "Cannot set the maximum I/O size";
		goto bad;
	}
	ti->private = tc;
	return 0;

bad:
	teearray_free(tc);
	return r;
}

static void teearray_dtr(struct dm_target *ti)
{
	struct teearray_c *tc = ti->private;

	teearray_walks_stop(tc);
	teearray_transport_unwatch(&tc->watcher);
	tc->watcher.new_session = NULL;
	flush_workqueue(tc->ctl_wq);
	teearray_free(tc);
}

/* Context: process; never sleeps. */
static int teearray_map(struct dm_target *ti, struct bio *bio)
{
	struct teearray_c *tc = ti->private;
	sector_t offset = dm_target_offset(ti, bio->bi_iter.bi_sector);

	if (bio->bi_opf & REQ_PREFLUSH && !bio->bi_iter.bi_size) {
		/*
		 * device-mapper sends flushes as empty REQ_PREFLUSH writes.  A
		 * write completes only once its journal entry is on the
		 * members: nothing is left to flush.
		 */
		bio_endio(bio);
		return DM_MAPIO_SUBMITTED;
	}
	if (bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE)
		return DM_MAPIO_KILL;
	if (READ_ONCE(tc->fail_reason))
		return DM_MAPIO_KILL;
	/* The queue limits make every bio whole aligned 4 KiB sectors; check. */
	if (!bio->bi_iter.bi_size || bio->bi_iter.bi_size % TEEARRAY_SECTOR_SIZE ||
	    offset & 7) {
		DMWARN_LIMIT("%s: refusing a bio of %u bytes at sector %llu: not 4 KiB sectors",
			     teearray_dev(tc), bio->bi_iter.bi_size,
			     (unsigned long long)bio->bi_iter.bi_sector);
		return DM_MAPIO_KILL;
	}
	if (bio_data_dir(bio) == WRITE) {
		/* The journal takes one sector per bio; dm sends the rest again. */
		if (bio->bi_iter.bi_size > TEEARRAY_SECTOR_SIZE)
			dm_accept_partial_bio(bio, TEEARRAY_SECTOR_SIZE >> SECTOR_SHIFT);
		teearray_journal_queue(tc, bio);
		return DM_MAPIO_SUBMITTED;
	}
	teearray_read_queue(tc, bio);
	return DM_MAPIO_SUBMITTED;
}

/*
 * Suspend and resume; see teearray-walk.c for what each step stops and
 * what continues afterwards.
 */
static int teearray_preresume(struct dm_target *ti)
{
	struct teearray_c *tc = ti->private;
	int r;

	teearray_unquiesce(tc);
	if (!tc->assembled) {
		r = teearray_assemble(tc);
		if (!r)
			r = teearray_audit_load(tc);
		if (r) {
			teearray_quiesce(tc);
			return r;
		}
		teearray_audit_event(tc, TEEARRAY_EV_OPEN, tc->journal.version, 0, NULL);
	}
	return 0;
}

static void teearray_resume(struct dm_target *ti)
{
	teearray_walks_resume(ti->private);
}

static void teearray_presuspend(struct dm_target *ti)
{
	struct teearray_c *tc = ti->private;

	teearray_walks_stop(tc);
	teearray_journal_kick(tc);
	teearray_audit_flush(tc);
}

static void teearray_postsuspend(struct dm_target *ti)
{
	teearray_quiesce(ti->private);
}

static char teearray_health(struct teearray_c *tc, unsigned int slot)
{
	if (!tc->assembled || tc->params->member_absent[slot])
		return '-';
	return READ_ONCE(tc->members[slot].state);
}

/*
 * What device-mapper's IMA measurement records: the configuration that
 * decides what the array trusts (no secret: the key is a keyring reference,
 * and only its type and size are measured).
 */
static void teearray_status_ima(struct teearray_c *tc, char *result, unsigned int maxlen)
{
	const struct teearray_params *p = tc->params;
	unsigned int i, sz = 0;

	DMEMIT_TARGET_NAME_VERSION(tc->ti->type);
	DMEMIT(",array_uuid=%pUb,data_members=%u,parity_members=%u,members=",
	       p->array_uuid, tc->n, tc->p);
	for (i = 0; i < tc->m; i++) {
		if (p->member_absent[i])
			DMEMIT("%s-", i ? ":" : "");
		else
			DMEMIT("%s%pUb", i ? ":" : "", p->member_uuid[i]);
	}
	DMEMIT(",key_type=%s,key_size=%u,key_epoch=%u,prev_key=%c",
	       p->key.type, p->key.size, p->key_epoch,
	       p->opt_given & (1U << TEEARRAY_OPT_PREV_KEY) ? 'y' : 'n');
	DMEMIT(",journal_mode=%s,commit_time=%u,member_timeout=%u,member_timeout_min=%u",
	       p->journal_mode == TEEARRAY_JOURNAL_ERASE ? "erase" : "keep",
	       p->commit_time_ms, p->member_timeout_ms, p->member_timeout_min_ms);
	DMEMIT(",rebuild_rate=%u", p->rebuild_rate_kib);
	DMEMIT(",fault_injection=%c;", teearray_fault_injection ? 'y' : 'n');
}

/*
 * INFO is positional and append-only:
 *   <#members> <health> <done>/<total> <action> <mac_failures>
 *   <journal_fill> <commit_version> <death_version> <daemon> <mode>
 *   <mismatches> <key_epoch> <old_epoch|-> <audit_seq> <unverifiable>
 * Health per member follows dm-raid: A alive and in sync, a alive but not in
 * sync, D dead; '-' not assembled or absent.  Status does no I/O.
 */
static void teearray_status(struct dm_target *ti, status_type_t type,
			    unsigned int status_flags, char *result,
			    unsigned int maxlen)
{
	struct teearray_c *tc = ti->private;
	u64 total = teearray_end_ms(tc) - teearray_first_ms(tc), done = total;
	const char *action = "idle", *mode = "rw";
	unsigned int i, sz = 0;
	char paused;

	switch (type) {
	case STATUSTYPE_INFO:
		paused = teearray_walk_paused(tc);
		if (teearray_keys_rotating(tc) &&
		    (READ_ONCE(tc->rotate_running) || paused == 'r')) {
			action = "rotate";
			done = atomic64_read(&tc->rotate_done);
			total = tc->geo.data_sectors;
		} else if (READ_ONCE(tc->rebuild_running) || paused == 'a') {
			action = "recover";
			done = atomic64_read(&tc->rebuild_done);
		} else if (READ_ONCE(tc->scrub_running) || paused == 's') {
			action = READ_ONCE(tc->scrub_repair) ? "repair" : "check";
			done = atomic64_read(&tc->scrub_done);
		} else if (tc->scrub_started) {
			/* How far the last check or repair got. */
			done = atomic64_read(&tc->scrub_done);
		}
		if (!tc->assembled || READ_ONCE(tc->fail_reason))
			mode = "Fail";
		else if (get_disk_ro(dm_disk(dm_table_get_md(ti->table))))
			mode = "ro";
		DMEMIT("%u ", tc->m);
		for (i = 0; i < tc->m; i++)
			DMEMIT("%c", teearray_health(tc, i));
		DMEMIT(" %llu/%llu %s %llu %u/%u %llu %llu %s %s %llu", done, total, action,
		       (u64)atomic64_read(&tc->mac_failures),
		       READ_ONCE(tc->journal.fill), tc->journal.capacity,
		       READ_ONCE(tc->journal.version), READ_ONCE(tc->dr_version),
		       teearray_daemon_connected() ? "up" : "none", mode,
		       (u64)atomic64_read(&tc->scrub_mismatches));
		DMEMIT(" %u", READ_ONCE(tc->key_epoch));
		if (teearray_keys_rotating(tc))
			DMEMIT(" %u", READ_ONCE(tc->key_epoch) - 1);
		else
			DMEMIT(" -");
		DMEMIT(" %llu", teearray_audit_seq(tc));
		DMEMIT(" %llu ", (u64)atomic64_read(&tc->unverifiable));
		for (i = 0; i < tc->m; i++)
			DMEMIT("%c", teearray_member_latency_char(tc, i));
		break;
	case STATUSTYPE_TABLE:
		DMEMIT("%s", tc->table_args);
		break;
	case STATUSTYPE_IMA:
		teearray_status_ima(tc, result, maxlen);
		break;
	}
}

/*
 * "members": the fencing generation, then per slot its health, member UUID
 * and the instance id the array trusts ("-" for an absent slot).  Returns 1:
 * the answer is in result (device-mapper tells userspace to retry with a
 * larger buffer when it filled result).
 */
static int teearray_members_message(struct teearray_c *tc, char *result,
				    unsigned int maxlen)
{
	unsigned int i, sz = 0;

	mutex_lock(&tc->member_lock);
	DMEMIT("generation %llu\n", tc->assembled ? teearray_max_generation(tc) : 0);
	for (i = 0; i < tc->m; i++) {
		if (tc->params->member_absent[i]) {
			DMEMIT("%u - - -\n", i);
			continue;
		}
		DMEMIT("%u %c %pUb ", i, teearray_health(tc, i), tc->members[i].uuid);
		if (tc->assembled && memchr_inv(tc->members[i].instance, 0, TEEARRAY_INSTANCE_SIZE))
			DMEMIT("%*phN\n", TEEARRAY_INSTANCE_SIZE, tc->members[i].instance);
		else
			DMEMIT("-\n");
	}
	mutex_unlock(&tc->member_lock);
	return 1;
}

/*
 * Messages:
 *   fail_member <slot> <death_record_version>  mark a member dead if the
 *                                              record is still at that version
 *   replace <slot>                             rebuild a dead slot onto the
 *                                              fresh member now answering for it
 *   members                                    generation and per-slot
 *                                              state, UUID and instance id
 *   check | repair                             start a scrub
 *   rotate <epoch> <key>                       move to a new key epoch
 *   audit                                      head of the audit log
 *   close                                      log a close event (teearray
 *                                              close sends it before removal)
 *   stats                                      member traffic counters
 *   crash_after <k>                            (fault_injection=1 only) stop
 *                                              all member I/O after k more
 *                                              member commands
 */
static int teearray_message(struct dm_target *ti, unsigned int argc, char **argv,
			    char *result, unsigned int maxlen)
{
	struct teearray_c *tc = ti->private;
	unsigned int slot;
	u64 version;

	if (argc == 3 && !strcasecmp(argv[0], "fail_member")) {
		if (kstrtouint(argv[1], 10, &slot) || kstrtou64(argv[2], 10, &version)) {
			DMWARN("%s: fail_member: expected <slot> <death_record_version>",
			       teearray_dev(tc));
			return -EINVAL;
		}
		return teearray_fail_member_cas(tc, slot, version);
	}
	if (argc == 2 && !strcasecmp(argv[0], "replace")) {
		if (kstrtouint(argv[1], 10, &slot)) {
			DMWARN("%s: replace: expected <slot>", teearray_dev(tc));
			return -EINVAL;
		}
		return teearray_replace_member(tc, slot);
	}
	if (argc == 1 && !strcasecmp(argv[0], "members"))
		return teearray_members_message(tc, result, maxlen);
	if (argc == 1 && (!strcasecmp(argv[0], "check") || !strcasecmp(argv[0], "repair")))
		return teearray_scrub_start(tc, !strcasecmp(argv[0], "repair"));
	if (argc == 3 && !strcasecmp(argv[0], "rotate")) {
		u32 epoch;

		if (kstrtou32(argv[1], 10, &epoch)) {
			DMWARN("%s: rotate: expected <epoch> <key reference>", teearray_dev(tc));
			return -EINVAL;
		}
		return teearray_rotate_start(tc, epoch, argv[2]);
	}
	if (argc == 1 && !strcasecmp(argv[0], "audit"))
		return teearray_audit_message(tc, result, maxlen);
	if (argc == 1 && !strcasecmp(argv[0], "close")) {
		if (!tc->assembled)
			return -EINVAL;
		/* Its entry could not be written before resume. */
		if (READ_ONCE(tc->suspended))
			return -EBUSY;
		teearray_audit_event(tc, TEEARRAY_EV_CLOSE, 0, 0, NULL);
		teearray_audit_flush(tc);
		return 0;
	}
	if (argc == 1 && !strcasecmp(argv[0], "stats")) {
		scnprintf(result, maxlen,
			  "cmds %llu sectors_out %llu sectors_in %llu rounds %llu user_sectors_written %llu short_bytes_out %llu",
			  (u64)atomic64_read(&tc->stat_cmds),
			  (u64)atomic64_read(&tc->stat_sectors_out),
			  (u64)atomic64_read(&tc->stat_sectors_in),
			  (u64)atomic64_read(&tc->stat_rounds),
			  (u64)atomic64_read(&tc->stat_user_written),
			  (u64)atomic64_read(&tc->stat_short_bytes_out));
		return 1;
	}
	if (argc == 2 && !strcasecmp(argv[0], "crash_after")) {
		if (!teearray_fault_injection) {
			DMWARN("%s: crash_after: load the module with fault_injection=1 to use it",
			       teearray_dev(tc));
			return -EPERM;
		}
		if (kstrtou64(argv[1], 10, &version)) {
			DMWARN("%s: crash_after: expected <number of member commands>",
			       teearray_dev(tc));
			return -EINVAL;
		}
		teearray_arm_crash(tc, version);
		return 0;
	}
	DMWARN("%s: unrecognised message: %s (the messages are listed in dm-teearray.rst)",
	       teearray_dev(tc),
	       argc ? argv[0] : "");
	return -EINVAL;
}

/*
 * Members are remote and not block devices: there is nothing to iterate.
 * Device-mapper applies a target's io_hints only when it has this method.
 */
static int teearray_iterate_devices(struct dm_target *ti,
				    iterate_devices_callout_fn fn, void *data)
{
	return 0;
}

static void teearray_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct teearray_c *tc = ti->private;

	limits->logical_block_size = TEEARRAY_SECTOR_SIZE;
	limits->physical_block_size = TEEARRAY_SECTOR_SIZE;
	limits->io_min = TEEARRAY_SECTOR_SIZE;
	limits->io_opt = TEEARRAY_SECTOR_SIZE * tc->n;
}

static struct target_type teearray_target = {
	.name = "teearray",
	.version = {0, 7, 0},
	.module = THIS_MODULE,
	.ctr = teearray_ctr,
	.dtr = teearray_dtr,
	.map = teearray_map,
	.presuspend = teearray_presuspend,
	.postsuspend = teearray_postsuspend,
	.preresume = teearray_preresume,
	.resume = teearray_resume,
	.status = teearray_status,
	.message = teearray_message,
	.iterate_devices = teearray_iterate_devices,
	.io_hints = teearray_io_hints,
};

static int __init dm_teearray_init(void)
{
	int r;

	teearray_sha256_setup();
	r = tee_ec_module_init() ?: teearray_sector_selftest();
	if (r) {
		teearray_sha256_teardown();
		return r;
	}
	r = teearray_transport_init();
	if (r) {
		DMERR("cannot register the netlink family: %d", r);
		teearray_sha256_teardown();
		return r;
	}
	r = dm_register_target(&teearray_target);
	if (r < 0) {
		DMERR("register failed %d", r);
		teearray_transport_exit();
		teearray_sha256_teardown();
	}
	return r;
}

static void __exit dm_teearray_exit(void)
{
	dm_unregister_target(&teearray_target);
	teearray_transport_exit();
	teearray_sha256_teardown();
}

module_init(dm_teearray_init);
module_exit(dm_teearray_exit);

MODULE_DESCRIPTION(DM_NAME " target striping a disk over remote storage enclaves");
MODULE_AUTHOR("dm-teearray developers");
MODULE_LICENSE("GPL");
