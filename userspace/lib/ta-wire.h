/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teearray storage-enclave wire protocol: frame and message layouts.
 *
 * Everything on the wire is little-endian and fixed-layout.  A frame is a
 * 12-byte header followed by a body of at most TA_MAX_BODY bytes.  Parsers
 * here never trust a length they have not checked against the bytes they
 * hold; every failure returns a distinct enum ta_err.  The byte-level layout
 * is documented in
 * Documentation/admin-guide/device-mapper/dm-teearray-protocol.rst.
 */
#ifndef TA_WIRE_H
#define TA_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define TA_SECTOR_SIZE		4096u
#define TA_MAGIC		0x41454554u	/* "TEEA" on the wire */
#define TA_PROTO_VERSION	3u		/* 2: authenticated answers; 3: WRITE_SHORT */
#define TA_FRAME_HDR_LEN	12u
#define TA_MAX_BODY		(8u << 20)	/* 8 MiB per frame body */
#define TA_MAX_CMDS		1024u		/* commands per signed batch */
#define TA_MAX_COUNT		256u		/* sectors per command */
#define TA_MAX_EVIDENCE		(64u << 10)
#define TA_UUID_LEN		16u
#define TA_INSTANCE_LEN		16u
#define TA_NONCE_LEN		32u
#define TA_HASH_LEN		32u
#define TA_PUBKEY_LEN		32u
#define TA_SIG_LEN		64u
#define TA_REPORT_DATA_LEN	64u
#define TA_KX_PUBLEN		32u		/* X25519 session public key */
#define TA_MAC_LEN		32u		/* answer MAC (keyed BLAKE2b-256) */
#define TA_HELLO_LEN		(TA_NONCE_LEN + TA_KX_PUBLEN)

/* Frame kinds. */
enum ta_kind {
	TA_K_HELLO = 1,		/* request: nonce[32], client session key[32] */
	TA_K_IDENTITY = 2,	/* response to HELLO: identity, session key, evidence */
	TA_K_STATUS = 3,	/* request: empty body */
	TA_K_STATUS_RESP = 4,	/* identity + counters, not attested */
	TA_K_BATCH = 5,		/* signed command batch */
	TA_K_BATCH_RESP = 6,	/* batch accepted: results, evidence, MAC */
	TA_K_ERROR = 7,		/* request rejected (MAC'd when in a session) */
};

/* Operations inside a signed batch. */
enum ta_op {
	TA_OP_READ = 1,		/* sector, count -> count*4096 bytes */
	TA_OP_WRITE = 2,	/* sector, count, payload count*4096 */
	TA_OP_COPY = 3,		/* sector=src, arg=dst, count */
	TA_OP_TRIM = 4,		/* sector, count: zeroes the sectors */
	TA_OP_DEATH_READ = 5,	/* -> 4096 bytes of the death-record sector */
	TA_OP_DEATH_WRITE = 6,	/* arg=version, payload 4096 bytes */
	TA_OP_FENCE = 7,	/* arg=new generation; alone in its batch */
	TA_OP_WRITE_SHORT = 8,	/* sector, count=1, payload 1..4096 bytes, rest zeroed */
};

/* Batch flags. */
#define TA_BATCH_F_ATTEST	0x0001u	/* attest the response even without reads */
#define TA_BATCH_F_ALL		TA_BATCH_F_ATTEST

/* Evidence flags (claims). */
#define TA_EV_F_SIMULATED	0x0001u

/*
 * Every error, local or remote, has one code.  Codes are stable on the
 * wire (TA_K_ERROR carries them); never renumber, only append.
 */
enum ta_err {
	TA_OK = 0,
	/* framing */
	TA_E_TRUNCATED = 1,		/* fewer bytes than the layout needs */
	TA_E_MAGIC = 2,
	TA_E_VERSION = 3,
	TA_E_KIND = 4,			/* unknown frame kind */
	TA_E_RESERVED = 5,		/* a reserved field is not zero */
	TA_E_OVERSIZE = 6,		/* body length above the limit */
	TA_E_LENGTH = 7,		/* body length wrong for the kind */
	TA_E_TRAILING = 8,		/* bytes left after the last field */
	/* batch structure */
	TA_E_NCMDS = 9,			/* zero or more than TA_MAX_CMDS */
	TA_E_UNKNOWN_OP = 10,
	TA_E_COUNT = 11,		/* count zero or above TA_MAX_COUNT */
	TA_E_PAYLOAD = 12,		/* payload length wrong for the op */
	TA_E_FLAGS = 13,		/* unknown flag bits */
	/* authentication and freshness */
	TA_E_SIGNATURE = 14,
	TA_E_WRONG_ARRAY = 15,
	TA_E_WRONG_SLOT = 16,
	TA_E_WRONG_INSTANCE = 17,
	TA_E_STALE_GENERATION = 18,
	TA_E_FUTURE_GENERATION = 19,
	TA_E_REPLAY = 20,		/* sequence number not above the last one */
	TA_E_SEQ_WRAP = 21,		/* sequence numbers would overflow */
	/* semantics */
	TA_E_RANGE = 22,		/* sector outside the data range */
	TA_E_DEATH_VERSION = 23,	/* death record version not strictly higher */
	TA_E_DEATH_MISMATCH = 24,	/* record's stored version != command's */
	TA_E_FENCE = 25,		/* fence not above the current generation */
	TA_E_FENCE_NOT_ALONE = 26,
	TA_E_RESPONSE_SIZE = 27,	/* the response would exceed TA_MAX_BODY */
	/* attestation */
	TA_E_ATTEST_FORMAT = 28,
	TA_E_ATTEST_SIMULATED = 29,	/* simulated evidence, policy refuses it */
	TA_E_ATTEST_SIGNATURE = 30,
	TA_E_ATTEST_MEASUREMENT = 31,
	TA_E_ATTEST_REPORT_DATA = 32,
	TA_E_ATTEST_PROVIDER = 33,	/* provider unknown or not allowed */
	TA_E_ATTEST_IO = 34,		/* configfs-tsm or key file failure */
	TA_E_ATTEST_NO_VERIFIER = 35,	/* hardware evidence, no verifier set */
	TA_E_ATTEST_VERIFIER = 36,	/* external verifier refused */
	/* local */
	TA_E_IO = 37,			/* socket or file error */
	TA_E_PROTOCOL = 38,		/* unexpected response */
	TA_E_NOMEM = 39,
	TA_E_ARG = 40,			/* bad argument to a library call */
	TA_E_INTERNAL = 41,
	TA_E_MISMATCH = 42,		/* response does not match the request */
	TA_E_NO_SESSION = 43,		/* BATCH on a connection without HELLO */
	TA_E_ANSWER_AUTH = 44,		/* answer MAC does not verify (local) */
	TA_E_ROLLBACK = 45,		/* member behind what it acknowledged (local) */
	TA_E__COUNT
};

const char *ta_err_name(int err);

/* Little-endian helpers. */
static inline void ta_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void ta_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void ta_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t ta_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t ta_get32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline uint64_t ta_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

/* ---- frame header: magic u32, version u8, kind u8, reserved u16, len u32 */
struct ta_frame_hdr {
	uint8_t kind;
	uint32_t body_len;
};

void ta_frame_hdr_build(uint8_t out[TA_FRAME_HDR_LEN], uint8_t kind, uint32_t body_len);
/* Checks magic, version, kind, reserved and the length limit. */
int ta_frame_hdr_parse(const uint8_t *buf, size_t len, struct ta_frame_hdr *hdr);

/* ---- signed batch (TA_K_BATCH body) ---------------------------------- */
#define TA_BATCH_HDR_LEN	152u	/* fixed part, signature included */
#define TA_BATCH_SIGNED_LEN	88u	/* header bytes before the signature */
#define TA_CMD_HDR_LEN		32u

struct ta_batch_hdr {
	uint8_t array[TA_UUID_LEN];
	uint32_t slot;
	uint16_t flags;
	uint16_t ncmds;
	uint8_t instance[TA_INSTANCE_LEN];
	uint64_t generation;
	uint64_t first_seq;
	uint8_t nonce[TA_NONCE_LEN];
	uint8_t sig[TA_SIG_LEN];
};

struct ta_cmd {
	uint16_t op;
	uint32_t count;
	uint64_t sector;
	uint64_t arg;
	uint32_t payload_len;
	const uint8_t *payload;	/* points into the parsed buffer */
};

/*
 * A parsed batch.  cmds[] is allocated by ta_batch_parse and released by
 * ta_batch_free; payload pointers refer to the caller's buffer.
 */
struct ta_batch {
	struct ta_batch_hdr hdr;
	struct ta_cmd *cmds;
};

/*
 * Required payload length for an op/count, or -1 for an unknown op, or
 * TA_PAYLOAD_SHORT for WRITE_SHORT, whose payload_len (1..TA_SECTOR_SIZE) is
 * the command's own: check a command with ta_op_payload_check instead.
 */
#define TA_PAYLOAD_SHORT	(-2L)
long ta_op_payload_len(uint16_t op, uint32_t count);
/* TA_OK when payload_len is right for op/count, else TA_E_PAYLOAD (TA_E_UNKNOWN_OP). */
int ta_op_payload_check(uint16_t op, uint32_t count, uint32_t payload_len);
/* Bytes an op contributes to the response results. */
uint64_t ta_op_result_len(uint16_t op, uint32_t count);
const char *ta_op_name(uint16_t op);

/*
 * Structural parse of a batch body: sizes, op codes, counts, payload
 * lengths, flags, reserved fields (a WRITE_SHORT's arg included), trailing
 * bytes.  No signature or state checks.
 */
int ta_batch_parse(const uint8_t *body, size_t len, struct ta_batch *b);
void ta_batch_free(struct ta_batch *b);

/* Serialise header (with signature) and commands into a malloc'd body. */
int ta_batch_build(const struct ta_batch_hdr *hdr, const struct ta_cmd *cmds,
		   uint8_t **body, size_t *len);
/* The same, as a complete TA_K_BATCH frame (header included). */
int ta_batch_build_frame(const struct ta_batch_hdr *hdr, const struct ta_cmd *cmds,
			 uint8_t **frame, size_t *len);
void ta_batch_hdr_encode(uint8_t out[TA_BATCH_HDR_LEN], const struct ta_batch_hdr *h);
void ta_cmd_hdr_encode(uint8_t out[TA_CMD_HDR_LEN], const struct ta_cmd *c);

/* ---- identity (TA_K_IDENTITY and TA_K_STATUS_RESP) --------------------- */
#define TA_IDENTITY_LEN		144u
#define TA_STATUS_EXTRA_LEN	32u

struct ta_identity {
	uint32_t proto_version;
	uint32_t slot;
	uint8_t array[TA_UUID_LEN];
	uint8_t instance[TA_INSTANCE_LEN];
	uint64_t sectors;
	uint64_t generation;
	uint64_t last_seq;
	uint64_t death_version;
	uint8_t authorized_key[TA_PUBKEY_LEN];
	uint8_t measurement[TA_HASH_LEN];
	uint16_t provider;	/* enum ta_provider_id */
	uint16_t reserved;
	uint32_t reserved2;
};

struct ta_status_counters {
	uint64_t batches_ok;
	uint64_t batches_rejected;
	uint64_t sessions;
	uint64_t frames_bad;
};

void ta_identity_encode(uint8_t out[TA_IDENTITY_LEN], const struct ta_identity *id);
int ta_identity_decode(const uint8_t *in, size_t len, struct ta_identity *id);

/* ---- batch response (TA_K_BATCH_RESP) ---------------------------------- */
/*
 * Body: header, results, evidence, then TA_MAC_LEN bytes of answer MAC
 * (see ta_answer_mac in ta-crypto.h).
 */
#define TA_BRESP_HDR_LEN	40u

struct ta_bresp_hdr {
	uint64_t generation;
	uint64_t first_seq;
	uint64_t last_seq;
	uint32_t ncmds;
	uint32_t results_len;
	uint32_t evidence_len;
	uint32_t reserved;
};

void ta_bresp_hdr_encode(uint8_t out[TA_BRESP_HDR_LEN], const struct ta_bresp_hdr *h);
/* Checks reserved bits and that header, results, evidence and MAC fill len. */
int ta_bresp_hdr_decode(const uint8_t *in, size_t len, struct ta_bresp_hdr *h);

/* ---- error (TA_K_ERROR) ---------------------------------------------- */
/* 24 bytes of fields, then the answer MAC (all zero outside a session). */
#define TA_ERROR_FIELDS_LEN	24u
#define TA_ERROR_LEN		(TA_ERROR_FIELDS_LEN + TA_MAC_LEN)

struct ta_error {
	uint16_t code;
	uint16_t index;		/* failing command, 0xffff for the batch itself */
	uint32_t reserved;
	uint64_t generation;	/* the member's current generation */
	uint64_t last_seq;	/* and last accepted sequence number */
	uint8_t mac[TA_MAC_LEN];
};

void ta_error_encode(uint8_t out[TA_ERROR_LEN], const struct ta_error *e);
int ta_error_decode(const uint8_t *in, size_t len, struct ta_error *e);

#endif /* TA_WIRE_H */
