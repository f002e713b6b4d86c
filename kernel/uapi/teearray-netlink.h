/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Generic netlink ABI between dm-teearray and its transport daemon
 * (teearrayd).  Included by the kernel module and by userspace.
 *
 * Family "teearray", version 3, every command needs CAP_NET_ADMIN.  Version 2
 * added READ and WRITE of more than one sector, version 3 WRITE_SHORT (the
 * journal's small records).  Versions are not compatible with each other:
 * the kernel refuses a REGISTER of another version, the daemon a family of
 * another version.
 *
 * One daemon serves all arrays on a host.  It sends REGISTER and receives a
 * session epoch; a later REGISTER (a restarted daemon) takes over and gets a
 * new epoch.  The kernel then sends REQUEST messages (one member operation
 * each, unicast to the registered socket) and the daemon answers with
 * COMPLETE messages that may carry many completions.  Every COMPLETE and
 * KEEPALIVE names the epoch; a message from an older epoch is dropped.  The
 * kernel never has more than the daemon's announced credit window of
 * requests outstanding.
 *
 * The kernel treats everything the daemon sends as untrusted input: a
 * completion with an unknown request id, a wrong size or a missing attribute
 * is dropped and counted, never applied.
 */
#ifndef _UAPI_TEEARRAY_NETLINK_H
#define _UAPI_TEEARRAY_NETLINK_H

#define TEEARRAY_GENL_NAME	"teearray"
#define TEEARRAY_GENL_VERSION	3

/*
 * The daemon sends KEEPALIVE every TEEARRAY_KEEPALIVE_MS; after
 * TEEARRAY_KEEPALIVE_TIMEOUT_MS of silence the kernel considers it gone.
 */
#define TEEARRAY_KEEPALIVE_MS		1000
#define TEEARRAY_KEEPALIVE_TIMEOUT_MS	5000

/*
 * Largest COUNT of a READ or WRITE, and so the largest DATA attribute of
 * one request or completion (60 KiB): a netlink attribute, and the nested
 * COMPLETION holding it, have a 16-bit length.  The kernel reads up to this
 * many consecutive sectors of one member in one request (a run of stripe
 * rows).
 */
#define TEEARRAY_NL_MAX_SECTORS	15
/* Largest COUNT of a COPY or TRIM, which carry no data. */
#define TEEARRAY_NL_MAX_RANGE	256
#define TEEARRAY_NL_SECTOR_SIZE	4096

enum teearray_nl_cmd {
	TEEARRAY_CMD_UNSPEC,
	/*
	 * daemon -> kernel.  Attrs: CREDITS.  Reply (same command): EPOCH.
	 * Requests outstanding under an older epoch are reissued under the new one.
	 */
	TEEARRAY_CMD_REGISTER,
	/* daemon -> kernel.  Attrs: EPOCH.  Must arrive every keepalive period. */
	TEEARRAY_CMD_KEEPALIVE,
	/* kernel -> daemon.  One member operation; see enum teearray_nl_op. */
	TEEARRAY_CMD_REQUEST,
	/* daemon -> kernel.  Attrs: EPOCH, one or more nested COMPLETION. */
	TEEARRAY_CMD_COMPLETE,
	__TEEARRAY_CMD_MAX,
};

#define TEEARRAY_CMD_MAX (__TEEARRAY_CMD_MAX - 1)

enum teearray_nl_attr {
	TEEARRAY_A_UNSPEC,
	TEEARRAY_A_EPOCH,		/* u64: daemon session */
	TEEARRAY_A_CREDITS,		/* u32: requests the daemon accepts in flight */
	TEEARRAY_A_REQ_ID,		/* u64: unique per request and epoch */
	TEEARRAY_A_ARRAY_UUID,		/* binary, 16 bytes */
	TEEARRAY_A_MEMBER_UUID,		/* binary, 16 bytes */
	TEEARRAY_A_SLOT,		/* u32: member slot, 0 .. N+P-1 */
	TEEARRAY_A_OP,			/* u32: enum teearray_nl_op */
	TEEARRAY_A_GENERATION,		/* u64: fencing generation to sign with */
	TEEARRAY_A_INSTANCE_ID,		/* binary, 16 bytes: expected / reported */
	TEEARRAY_A_SECTOR,		/* u64: member sector */
	TEEARRAY_A_COUNT,		/* u32: sectors */
	TEEARRAY_A_ARG,			/* u64: copy destination, record version, new generation */
	TEEARRAY_A_DATA,		/* binary, COUNT * 4096 bytes (WRITE_SHORT: 1..4096) */
	TEEARRAY_A_STATUS,		/* u32: enum teearray_nl_status */
	TEEARRAY_A_COMPLETION,		/* nested: REQ_ID, STATUS, [DATA, INSTANCE_ID, ...] */
	TEEARRAY_A_MEMBER_SECTORS,	/* u64: member capacity (IDENTIFY) */
	TEEARRAY_A_PAD,
	TEEARRAY_A_TIMEOUT_MS,		/* u32: the member's deadline for this request */
	__TEEARRAY_A_MAX,
};

#define TEEARRAY_A_MAX (__TEEARRAY_A_MAX - 1)

/*
 * Member operations.  Every request carries REQ_ID, ARRAY_UUID, MEMBER_UUID,
 * SLOT, OP and GENERATION; every operation but IDENTIFY also carries the
 * INSTANCE_ID the kernel expects, and the daemon fails the request with
 * TEEARRAY_ST_RESTARTED when the member it reaches has another instance.
 */
enum teearray_nl_op {
	TEEARRAY_OP_IDENTIFY = 1,	/* -> INSTANCE_ID, MEMBER_SECTORS, GENERATION */
	TEEARRAY_OP_READ,		/* SECTOR, COUNT -> DATA (attested read) */
	TEEARRAY_OP_WRITE,		/* SECTOR, COUNT, DATA */
	TEEARRAY_OP_COPY,		/* SECTOR (source), ARG (destination), COUNT */
	TEEARRAY_OP_TRIM,		/* SECTOR, COUNT */
	TEEARRAY_OP_DEATH_READ,		/* -> DATA (4096 bytes) */
	TEEARRAY_OP_DEATH_WRITE,	/* ARG (version), DATA (4096 bytes) */
	TEEARRAY_OP_FENCE,		/* ARG (new generation) */
	/*
	 * DATA (4096 bytes: an audit log entry) -> DATA (the same entry with
	 * measurements, signer and signature filled in by the daemon, which
	 * answers it itself: no member is involved).
	 */
	TEEARRAY_OP_AUDIT_SIGN,
	/*
	 * SECTOR, COUNT (1), DATA (1..4096 bytes): the member stores DATA at
	 * the start of the sector and zeroes the rest.  One journal record
	 * costs its own length on the network, not a whole sector.
	 */
	TEEARRAY_OP_WRITE_SHORT,
	__TEEARRAY_OP_MAX,
};

/* Completion status: what happened at the member, as the daemon saw it. */
enum teearray_nl_status {
	TEEARRAY_ST_OK = 0,
	TEEARRAY_ST_TIMEOUT,		/* member did not answer in time */
	TEEARRAY_ST_UNREACHABLE,	/* no connection to the member */
	TEEARRAY_ST_RESTARTED,		/* member has a new instance id: it is empty */
	TEEARRAY_ST_ATTESTATION,	/* evidence or report data did not verify */
	TEEARRAY_ST_REJECTED,		/* member refused the command */
	TEEARRAY_ST_STALE_VERSION,	/* death record version not higher */
	TEEARRAY_ST_FENCED,		/* member runs a higher generation */
	TEEARRAY_ST_UNKNOWN_MEMBER,	/* member UUID not in the daemon's config */
	TEEARRAY_ST_INTERNAL,		/* daemon-side failure */
	TEEARRAY_ST_ROLLED_BACK,	/* member is behind what it acknowledged */
	TEEARRAY_ST_QUEUED,		/* deadline passed before the daemon sent it */
	__TEEARRAY_ST_MAX,
};

#endif /* _UAPI_TEEARRAY_NETLINK_H */
