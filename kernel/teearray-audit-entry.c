// SPDX-License-Identifier: GPL-2.0
/*
 * Audit log entries: hash, structural check, event names; see
 * teearray-audit-entry.h.  Member data is hostile: the parser accepts only
 * what the writer can produce.
 */
#include "teearray-audit-entry.h"

static const char * const event_names[__TEEARRAY_EV_MAX] = {
	[TEEARRAY_EV_OPEN] = "open",
	[TEEARRAY_EV_CLOSE] = "close",
	[TEEARRAY_EV_FENCE] = "fence",
	[TEEARRAY_EV_DEATH_RECORD] = "death-record",
	[TEEARRAY_EV_MEMBER_FAILED] = "member-failed",
	[TEEARRAY_EV_REPLACE] = "replace",
	[TEEARRAY_EV_REBUILD_DONE] = "rebuild-done",
	[TEEARRAY_EV_ROTATE_START] = "rotate-start",
	[TEEARRAY_EV_ROTATE_DONE] = "rotate-done",
	[TEEARRAY_EV_MAC_FAILURE] = "mac-failure",
	[TEEARRAY_EV_LOST] = "lost",
	[TEEARRAY_EV_UNVERIFIABLE] = "unverifiable",
};

const char *teearray_audit_event_name(u32 event)
{
	if (event >= __TEEARRAY_EV_MAX || !event_names[event])
		return "unknown";
	return event_names[event];
}

static const char * const fail_cause_names[__TEEARRAY_FAIL_MAX] = {
	[TEEARRAY_FAIL_OPERATOR] = "operator",
	[TEEARRAY_FAIL_STATUS] = "command-failed",
	[TEEARRAY_FAIL_SILENT] = "silent",
	[TEEARRAY_FAIL_LIED] = "lied",
};

const char *teearray_audit_fail_cause_name(u64 cause)
{
	if (cause >= __TEEARRAY_FAIL_MAX || !fail_cause_names[cause])
		return "unknown";
	return fail_cause_names[cause];
}

void teearray_audit_hash(const struct teearray_audit_disk *e,
			 u8 out[TEEARRAY_SHA256_SIZE])
{
	static const char tag[] = TEEARRAY_AUDIT_HASH_TAG;
	struct teearray_sha256 s;
	u8 th[TEEARRAY_SHA256_SIZE];

	BUILD_BUG_ON(sizeof(struct teearray_audit_disk) != TEEARRAY_SECTOR_SIZE);
	teearray_sha256_init(&s);
	teearray_sha256_update(&s, (const u8 *)tag, sizeof(tag) - 1);
	teearray_sha256_final(&s, th);
	teearray_sha256_init(&s);
	teearray_sha256_update(&s, th, sizeof(th));
	teearray_sha256_update(&s, th, sizeof(th));
	teearray_sha256_update(&s, (const u8 *)e, offsetof(struct teearray_audit_disk, sig));
	teearray_sha256_final(&s, out);
}

int teearray_audit_parse(const struct teearray_audit_disk *e,
			 const u8 array_uuid[TEEARRAY_UUID_SIZE], char **error)
{
	u32 event = le32_to_cpu(e->event), nr = le32_to_cpu(e->nr_ids), i;

	if (teearray_all_zero(e, sizeof(*e))) {
		*error = "empty log sector";
		return -ENODATA;
	}
	if (le64_to_cpu(e->magic) != TEEARRAY_AUDIT_MAGIC)
		return teearray_reject(error, "not an audit log entry");
	if (le32_to_cpu(e->version) != TEEARRAY_AUDIT_VERSION)
		return teearray_reject(error, "unsupported audit entry version");
	if (memcmp(e->array_uuid, array_uuid, TEEARRAY_UUID_SIZE))
		return teearray_reject(error, "audit entry of another array");
	if (!event || event >= __TEEARRAY_EV_MAX)
		return teearray_reject(error, "unknown audit event");
	if (!le64_to_cpu(e->seq))
		return teearray_reject(error, "audit entry with sequence number 0");
	if (nr > TEEARRAY_AUDIT_MAX_IDS)
		return teearray_reject(error, "too many member identities in an audit entry");
	if (!teearray_all_zero(e->reserved, sizeof(e->reserved)))
		return teearray_reject(error, "reserved bytes set in an audit entry");
	for (i = 0; i < TEEARRAY_AUDIT_MAX_IDS; i++) {
		const struct teearray_audit_id *id = &e->id[i];

		if (i >= nr ? !teearray_all_zero(id, sizeof(*id)) :
		    !teearray_all_zero(id->reserved, sizeof(id->reserved)) ||
		    le16_to_cpu(id->slot) >= TEEARRAY_MAX_MEMBERS ||
		    (id->state != TEEARRAY_MEMBER_ALIVE &&
		     id->state != TEEARRAY_MEMBER_REBUILDING &&
		     id->state != TEEARRAY_MEMBER_DEAD))
			return teearray_reject(error, "malformed member identity in audit entry");
	}
	return 0;
}
