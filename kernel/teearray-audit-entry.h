/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The audit log's on-member format: one entry per 4096-byte log sector.
 *
 * The kernel fills everything up to and including the identities (slot,
 * state, instance id); the transport daemon fills each identity's attested
 * measurement and the signer, then signs the entry hash with the storage
 * signing key (BIP340).  Entry seq (1, 2, 3, ...) lives in virtual log sector
 * (seq - 1) mod (log stripes * N): the log keeps the newest entries and
 * overwrites the oldest.  prev_hash chains every entry to the one before, so
 * a reader holding the hash of any entry (an anchor) detects alteration,
 * reordering and truncation of everything up to it.
 *
 * Pure code: builds in the module and in userspace; no locking, no
 * allocation.
 */
#ifndef TEEARRAY_AUDIT_ENTRY_H
#define TEEARRAY_AUDIT_ENTRY_H

#include "teearray-compat.h"
#include "teearray-format.h"
#include "teearray-sha256.h"

#define TEEARRAY_AUDIT_MAGIC	0x5449445541415454ULL	/* "TTAAUDIT" */
#define TEEARRAY_AUDIT_VERSION	1
#define TEEARRAY_AUDIT_MAX_IDS	64
#define TEEARRAY_AUDIT_HASH_TAG	"dm-teearray/v1/audit"
#define TEEARRAY_MEASUREMENT_SIZE 32

/* Events; the numbers are part of the on-member format. */
enum teearray_audit_event {
	TEEARRAY_EV_OPEN = 1,		/* arg0: journal version replayed to */
	TEEARRAY_EV_CLOSE,
	TEEARRAY_EV_FENCE,		/* arg0: old generation, ids: members fenced */
	TEEARRAY_EV_DEATH_RECORD,	/* ids: every member and its new state */
	TEEARRAY_EV_MEMBER_FAILED,	/* arg0: cause, arg1: its detail, ids: members */
	TEEARRAY_EV_REPLACE,		/* arg0: slot, ids: the new member */
	TEEARRAY_EV_REBUILD_DONE,	/* arg0: slot, arg1: stripes */
	TEEARRAY_EV_ROTATE_START,	/* arg0: old epoch, arg1: new epoch */
	TEEARRAY_EV_ROTATE_DONE,	/* arg0: old epoch (wiped), arg1: sectors rewritten */
	TEEARRAY_EV_MAC_FAILURE,	/* arg0: member sector, arg1: failures, ids: member */
	TEEARRAY_EV_LOST,		/* arg0: events not logged (no daemon, queue full) */
	TEEARRAY_EV_UNVERIFIABLE,	/* arg0: member sector, arg1: count, ids: suspects */
	__TEEARRAY_EV_MAX,
};

/* Why members were failed (MEMBER_FAILED arg0); part of the format too. */
enum teearray_fail_cause {
	TEEARRAY_FAIL_OPERATOR = 1,	/* the fail_member message */
	TEEARRAY_FAIL_STATUS,		/* a command failed; arg1: enum teearray_nl_status */
	TEEARRAY_FAIL_SILENT,		/* no answer; arg1: ms since the first timeout */
	TEEARRAY_FAIL_LIED,		/* served data that does not verify */
	__TEEARRAY_FAIL_MAX,
};

struct teearray_audit_id {
	__le16 slot;
	u8 state;			/* TEEARRAY_MEMBER_* */
	u8 reserved[5];
	u8 instance[TEEARRAY_INSTANCE_SIZE];
	u8 measurement[TEEARRAY_MEASUREMENT_SIZE];	/* daemon; zero if unknown */
} __packed;

struct teearray_audit_disk {
	__le64 magic;
	__le32 version;
	__le32 event;
	u8 array_uuid[TEEARRAY_UUID_SIZE];
	__le64 seq;
	__le64 time;			/* seconds since 1970 (kernel clock) */
	__le64 generation;		/* fencing generation */
	__le64 dr_version;		/* death-record version */
	__le32 key_epoch;
	__le32 nr_ids;
	__le64 arg[2];
	u8 prev_hash[TEEARRAY_SHA256_SIZE];	/* zero for seq 1 */
	struct teearray_audit_id id[TEEARRAY_AUDIT_MAX_IDS];
	u8 reserved[296];		/* zero */
	u8 signer[32];			/* BIP340 x-only public key (daemon) */
	u8 sig[64];			/* BIP340 signature of the entry hash */
} __packed;

/*
 * Entry hash: SHA256(SHA256(tag) || SHA256(tag) || every byte before sig),
 * the BIP340 tagged hash with tag TEEARRAY_AUDIT_HASH_TAG.  It is both what
 * the signature covers and the next entry's prev_hash.
 */
void teearray_audit_hash(const struct teearray_audit_disk *e,
			 u8 out[TEEARRAY_SHA256_SIZE]);

/*
 * Structural check of an entry read from a member (signature not checked).
 * Returns 0; -ENODATA for an all-zero sector (never written); -EINVAL with
 * *error saying why for anything else.
 */
int teearray_audit_parse(const struct teearray_audit_disk *e,
			 const u8 array_uuid[TEEARRAY_UUID_SIZE], char **error);

/* Readable event name ("open", "rotate-done", ...), or "unknown". */
const char *teearray_audit_event_name(u32 event);
/* Name of a MEMBER_FAILED cause (arg0), "unknown" for anything else. */
const char *teearray_audit_fail_cause_name(u64 cause);

/* Virtual log sectors of a geometry, and where entry seq lives. */
static inline u64 teearray_audit_capacity(const struct teearray_geometry *g)
{
	return g->log_sectors * g->data_members;
}

/* Member sector (stripe) and data column of the log sector holding seq. */
static inline u64 teearray_audit_ms(const struct teearray_geometry *g, u64 seq,
				    u32 *col)
{
	u64 i = (seq - 1) % teearray_audit_capacity(g);

	*col = (u32)(i % g->data_members);
	return g->log_start + i / g->data_members;
}

#endif /* TEEARRAY_AUDIT_ENTRY_H */
