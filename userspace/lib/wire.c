// SPDX-License-Identifier: GPL-2.0
/*
 * teearray wire protocol: frame and message encoding and strict parsing.
 * Pure code: no I/O, no global state.
 */
#include <stdlib.h>
#include <string.h>

#include "ta-wire.h"

static const char *const ta_err_names[TA_E__COUNT] = {
	[TA_OK] = "ok",
	[TA_E_TRUNCATED] = "truncated",
	[TA_E_MAGIC] = "bad-magic",
	[TA_E_VERSION] = "bad-version",
	[TA_E_KIND] = "unknown-kind",
	[TA_E_RESERVED] = "reserved-nonzero",
	[TA_E_OVERSIZE] = "oversize",
	[TA_E_LENGTH] = "bad-length",
	[TA_E_TRAILING] = "trailing-bytes",
	[TA_E_NCMDS] = "bad-command-count",
	[TA_E_UNKNOWN_OP] = "unknown-op",
	[TA_E_COUNT] = "bad-sector-count",
	[TA_E_PAYLOAD] = "bad-payload-length",
	[TA_E_FLAGS] = "unknown-flags",
	[TA_E_SIGNATURE] = "bad-signature",
	[TA_E_WRONG_ARRAY] = "wrong-array",
	[TA_E_WRONG_SLOT] = "wrong-slot",
	[TA_E_WRONG_INSTANCE] = "wrong-instance",
	[TA_E_STALE_GENERATION] = "stale-generation",
	[TA_E_FUTURE_GENERATION] = "future-generation",
	[TA_E_REPLAY] = "replayed-sequence",
	[TA_E_SEQ_WRAP] = "sequence-wrap",
	[TA_E_RANGE] = "sector-out-of-range",
	[TA_E_DEATH_VERSION] = "death-version-not-higher",
	[TA_E_DEATH_MISMATCH] = "death-version-mismatch",
	[TA_E_FENCE] = "fence-not-higher",
	[TA_E_FENCE_NOT_ALONE] = "fence-not-alone",
	[TA_E_RESPONSE_SIZE] = "response-too-large",
	[TA_E_ATTEST_FORMAT] = "attest-bad-format",
	[TA_E_ATTEST_SIMULATED] = "attest-simulated-refused",
	[TA_E_ATTEST_SIGNATURE] = "attest-bad-signature",
	[TA_E_ATTEST_MEASUREMENT] = "attest-wrong-measurement",
	[TA_E_ATTEST_REPORT_DATA] = "attest-wrong-report-data",
	[TA_E_ATTEST_PROVIDER] = "attest-bad-provider",
	[TA_E_ATTEST_IO] = "attest-io",
	[TA_E_ATTEST_NO_VERIFIER] = "attest-no-verifier",
	[TA_E_ATTEST_VERIFIER] = "attest-verifier-refused",
	[TA_E_IO] = "io-error",
	[TA_E_PROTOCOL] = "protocol-error",
	[TA_E_NOMEM] = "out-of-memory",
	[TA_E_ARG] = "bad-argument",
	[TA_E_INTERNAL] = "internal-error",
	[TA_E_MISMATCH] = "response-mismatch",
	[TA_E_NO_SESSION] = "no-session",
	[TA_E_ANSWER_AUTH] = "answer-not-authenticated",
	[TA_E_ROLLBACK] = "member-rolled-back",
};

const char *ta_err_name(int err)
{
	if (err < 0 || err >= TA_E__COUNT || !ta_err_names[err])
		return "unknown-error";
	return ta_err_names[err];
}

void ta_frame_hdr_build(uint8_t out[TA_FRAME_HDR_LEN], uint8_t kind, uint32_t body_len)
{
	ta_put32(out, TA_MAGIC);
	out[4] = TA_PROTO_VERSION;
	out[5] = kind;
	ta_put16(out + 6, 0);
	ta_put32(out + 8, body_len);
}

int ta_frame_hdr_parse(const uint8_t *buf, size_t len, struct ta_frame_hdr *hdr)
{
	if (len < TA_FRAME_HDR_LEN)
		return TA_E_TRUNCATED;
	if (ta_get32(buf) != TA_MAGIC)
		return TA_E_MAGIC;
	if (buf[4] != TA_PROTO_VERSION)
		return TA_E_VERSION;
	if (buf[5] < TA_K_HELLO || buf[5] > TA_K_ERROR)
		return TA_E_KIND;
	if (ta_get16(buf + 6) != 0)
		return TA_E_RESERVED;
	if (ta_get32(buf + 8) > TA_MAX_BODY)
		return TA_E_OVERSIZE;
	hdr->kind = buf[5];
	hdr->body_len = ta_get32(buf + 8);
	return TA_OK;
}

long ta_op_payload_len(uint16_t op, uint32_t count)
{
	switch (op) {
	case TA_OP_WRITE:
		return (long)count * TA_SECTOR_SIZE;
	case TA_OP_DEATH_WRITE:
		return TA_SECTOR_SIZE;
	case TA_OP_WRITE_SHORT:
		return TA_PAYLOAD_SHORT;
	case TA_OP_READ:
	case TA_OP_COPY:
	case TA_OP_TRIM:
	case TA_OP_DEATH_READ:
	case TA_OP_FENCE:
		return 0;
	default:
		return -1;
	}
}

int ta_op_payload_check(uint16_t op, uint32_t count, uint32_t payload_len)
{
	long want = ta_op_payload_len(op, count);

	if (want == -1)
		return TA_E_UNKNOWN_OP;
	if (want == TA_PAYLOAD_SHORT)
		return payload_len >= 1 && payload_len <= TA_SECTOR_SIZE ? TA_OK : TA_E_PAYLOAD;
	return (long)payload_len == want ? TA_OK : TA_E_PAYLOAD;
}

uint64_t ta_op_result_len(uint16_t op, uint32_t count)
{
	if (op == TA_OP_READ)
		return (uint64_t)count * TA_SECTOR_SIZE;
	if (op == TA_OP_DEATH_READ)
		return TA_SECTOR_SIZE;
	return 0;
}

const char *ta_op_name(uint16_t op)
{
	switch (op) {
	case TA_OP_READ: return "read";
	case TA_OP_WRITE: return "write";
	case TA_OP_COPY: return "copy";
	case TA_OP_TRIM: return "trim";
	case TA_OP_DEATH_READ: return "death-read";
	case TA_OP_DEATH_WRITE: return "death-write";
	case TA_OP_FENCE: return "fence";
	case TA_OP_WRITE_SHORT: return "write-short";
	default: return "unknown";
	}
}

/* Ops whose count field is a sector count; the others require count == 1. */
static int ta_op_uses_count(uint16_t op)
{
	return op == TA_OP_READ || op == TA_OP_WRITE || op == TA_OP_COPY ||
	       op == TA_OP_TRIM;
}

void ta_batch_hdr_encode(uint8_t out[TA_BATCH_HDR_LEN], const struct ta_batch_hdr *h)
{
	memcpy(out, h->array, TA_UUID_LEN);
	ta_put32(out + 16, h->slot);
	ta_put16(out + 20, h->flags);
	ta_put16(out + 22, h->ncmds);
	memcpy(out + 24, h->instance, TA_INSTANCE_LEN);
	ta_put64(out + 40, h->generation);
	ta_put64(out + 48, h->first_seq);
	memcpy(out + 56, h->nonce, TA_NONCE_LEN);
	memcpy(out + 88, h->sig, TA_SIG_LEN);
}

static void ta_batch_hdr_decode(const uint8_t *in, struct ta_batch_hdr *h)
{
	memcpy(h->array, in, TA_UUID_LEN);
	h->slot = ta_get32(in + 16);
	h->flags = ta_get16(in + 20);
	h->ncmds = ta_get16(in + 22);
	memcpy(h->instance, in + 24, TA_INSTANCE_LEN);
	h->generation = ta_get64(in + 40);
	h->first_seq = ta_get64(in + 48);
	memcpy(h->nonce, in + 56, TA_NONCE_LEN);
	memcpy(h->sig, in + 88, TA_SIG_LEN);
}

void ta_cmd_hdr_encode(uint8_t out[TA_CMD_HDR_LEN], const struct ta_cmd *c)
{
	ta_put16(out, c->op);
	ta_put16(out + 2, 0);
	ta_put32(out + 4, c->count);
	ta_put64(out + 8, c->sector);
	ta_put64(out + 16, c->arg);
	ta_put32(out + 24, c->payload_len);
	ta_put32(out + 28, 0);
}

int ta_batch_parse(const uint8_t *body, size_t len, struct ta_batch *b)
{
	size_t off = TA_BATCH_HDR_LEN;

	b->cmds = NULL;
	if (len < TA_BATCH_HDR_LEN)
		return TA_E_TRUNCATED;
	ta_batch_hdr_decode(body, &b->hdr);
	if (b->hdr.flags & ~TA_BATCH_F_ALL)
		return TA_E_FLAGS;
	if (b->hdr.ncmds == 0 || b->hdr.ncmds > TA_MAX_CMDS)
		return TA_E_NCMDS;
	/* Cheap bound before allocating: each command needs its header. */
	if ((len - off) / TA_CMD_HDR_LEN < b->hdr.ncmds)
		return TA_E_TRUNCATED;
	b->cmds = calloc(b->hdr.ncmds, sizeof(*b->cmds));
	if (!b->cmds)
		return TA_E_NOMEM;
	for (unsigned int i = 0; i < b->hdr.ncmds; i++) {
		struct ta_cmd *c = &b->cmds[i];
		const uint8_t *p = body + off;
		int ret;

		if (len - off < TA_CMD_HDR_LEN)
			goto trunc;
		c->op = ta_get16(p);
		if (ta_get16(p + 2) != 0 || ta_get32(p + 28) != 0) {
			ta_batch_free(b);
			return TA_E_RESERVED;
		}
		c->count = ta_get32(p + 4);
		c->sector = ta_get64(p + 8);
		c->arg = ta_get64(p + 16);
		c->payload_len = ta_get32(p + 24);
		off += TA_CMD_HDR_LEN;
		if (ta_op_payload_len(c->op, 1) == -1) {
			ta_batch_free(b);
			return TA_E_UNKNOWN_OP;
		}
		if (ta_op_uses_count(c->op) ?
		    (c->count == 0 || c->count > TA_MAX_COUNT) : c->count != 1) {
			ta_batch_free(b);
			return TA_E_COUNT;
		}
		/* WRITE_SHORT has no use for arg: it must be zero. */
		if (c->op == TA_OP_WRITE_SHORT && c->arg != 0) {
			ta_batch_free(b);
			return TA_E_RESERVED;
		}
		ret = ta_op_payload_check(c->op, c->count, c->payload_len);
		if (ret) {
			ta_batch_free(b);
			return ret;
		}
		if (len - off < c->payload_len)
			goto trunc;
		c->payload = c->payload_len ? body + off : NULL;
		off += c->payload_len;
	}
	if (off != len) {
		ta_batch_free(b);
		return TA_E_TRAILING;
	}
	return TA_OK;
trunc:
	ta_batch_free(b);
	return TA_E_TRUNCATED;
}

void ta_batch_free(struct ta_batch *b)
{
	free(b->cmds);
	b->cmds = NULL;
}

/* Serialises a batch after `head` bytes of room (for a frame header). */
static int ta_batch_build_at(const struct ta_batch_hdr *hdr, const struct ta_cmd *cmds,
			     size_t head, uint8_t **out, size_t *len)
{
	size_t total = TA_BATCH_HDR_LEN, off;
	uint8_t *p, *base;

	if (hdr->ncmds == 0 || hdr->ncmds > TA_MAX_CMDS)
		return TA_E_NCMDS;
	for (unsigned int i = 0; i < hdr->ncmds; i++) {
		total += TA_CMD_HDR_LEN + cmds[i].payload_len;
		if (total > TA_MAX_BODY)
			return TA_E_OVERSIZE;
	}
	base = malloc(head + total);
	if (!base)
		return TA_E_NOMEM;
	p = base + head;
	ta_batch_hdr_encode(p, hdr);
	off = TA_BATCH_HDR_LEN;
	for (unsigned int i = 0; i < hdr->ncmds; i++) {
		ta_cmd_hdr_encode(p + off, &cmds[i]);
		off += TA_CMD_HDR_LEN;
		if (cmds[i].payload_len) {
			memcpy(p + off, cmds[i].payload, cmds[i].payload_len);
			off += cmds[i].payload_len;
		}
	}
	*out = base;
	*len = total;
	return TA_OK;
}

int ta_batch_build(const struct ta_batch_hdr *hdr, const struct ta_cmd *cmds,
		   uint8_t **body, size_t *len)
{
	return ta_batch_build_at(hdr, cmds, 0, body, len);
}

int ta_batch_build_frame(const struct ta_batch_hdr *hdr, const struct ta_cmd *cmds,
			 uint8_t **frame, size_t *len)
{
	size_t blen;
	int ret = ta_batch_build_at(hdr, cmds, TA_FRAME_HDR_LEN, frame, &blen);

	if (ret)
		return ret;
	ta_frame_hdr_build(*frame, TA_K_BATCH, (uint32_t)blen);
	*len = TA_FRAME_HDR_LEN + blen;
	return TA_OK;
}

void ta_identity_encode(uint8_t out[TA_IDENTITY_LEN], const struct ta_identity *id)
{
	ta_put32(out, id->proto_version);
	ta_put32(out + 4, id->slot);
	memcpy(out + 8, id->array, TA_UUID_LEN);
	memcpy(out + 24, id->instance, TA_INSTANCE_LEN);
	ta_put64(out + 40, id->sectors);
	ta_put64(out + 48, id->generation);
	ta_put64(out + 56, id->last_seq);
	ta_put64(out + 64, id->death_version);
	memcpy(out + 72, id->authorized_key, TA_PUBKEY_LEN);
	memcpy(out + 104, id->measurement, TA_HASH_LEN);
	ta_put16(out + 136, id->provider);
	ta_put16(out + 138, 0);
	ta_put32(out + 140, 0);
}

int ta_identity_decode(const uint8_t *in, size_t len, struct ta_identity *id)
{
	if (len < TA_IDENTITY_LEN)
		return TA_E_TRUNCATED;
	id->proto_version = ta_get32(in);
	if (id->proto_version != TA_PROTO_VERSION)
		return TA_E_VERSION;
	id->slot = ta_get32(in + 4);
	memcpy(id->array, in + 8, TA_UUID_LEN);
	memcpy(id->instance, in + 24, TA_INSTANCE_LEN);
	id->sectors = ta_get64(in + 40);
	id->generation = ta_get64(in + 48);
	id->last_seq = ta_get64(in + 56);
	id->death_version = ta_get64(in + 64);
	memcpy(id->authorized_key, in + 72, TA_PUBKEY_LEN);
	memcpy(id->measurement, in + 104, TA_HASH_LEN);
	id->provider = ta_get16(in + 136);
	id->reserved = 0;
	id->reserved2 = 0;
	if (ta_get16(in + 138) || ta_get32(in + 140))
		return TA_E_RESERVED;
	return TA_OK;
}

void ta_bresp_hdr_encode(uint8_t out[TA_BRESP_HDR_LEN], const struct ta_bresp_hdr *h)
{
	ta_put64(out, h->generation);
	ta_put64(out + 8, h->first_seq);
	ta_put64(out + 16, h->last_seq);
	ta_put32(out + 24, h->ncmds);
	ta_put32(out + 28, h->results_len);
	ta_put32(out + 32, h->evidence_len);
	ta_put32(out + 36, 0);
}

int ta_bresp_hdr_decode(const uint8_t *in, size_t len, struct ta_bresp_hdr *h)
{
	if (len < TA_BRESP_HDR_LEN)
		return TA_E_TRUNCATED;
	h->generation = ta_get64(in);
	h->first_seq = ta_get64(in + 8);
	h->last_seq = ta_get64(in + 16);
	h->ncmds = ta_get32(in + 24);
	h->results_len = ta_get32(in + 28);
	h->evidence_len = ta_get32(in + 32);
	h->reserved = 0;
	if (ta_get32(in + 36))
		return TA_E_RESERVED;
	if (h->evidence_len > TA_MAX_EVIDENCE)
		return TA_E_OVERSIZE;
	if ((uint64_t)h->results_len + h->evidence_len + TA_MAC_LEN != len - TA_BRESP_HDR_LEN)
		return (uint64_t)h->results_len + h->evidence_len + TA_MAC_LEN >
			len - TA_BRESP_HDR_LEN ? TA_E_TRUNCATED : TA_E_TRAILING;
	return TA_OK;
}

void ta_error_encode(uint8_t out[TA_ERROR_LEN], const struct ta_error *e)
{
	ta_put16(out, e->code);
	ta_put16(out + 2, e->index);
	ta_put32(out + 4, 0);
	ta_put64(out + 8, e->generation);
	ta_put64(out + 16, e->last_seq);
	memcpy(out + TA_ERROR_FIELDS_LEN, e->mac, TA_MAC_LEN);
}

int ta_error_decode(const uint8_t *in, size_t len, struct ta_error *e)
{
	if (len < TA_ERROR_LEN)
		return TA_E_TRUNCATED;
	if (len > TA_ERROR_LEN)
		return TA_E_TRAILING;
	e->code = ta_get16(in);
	e->index = ta_get16(in + 2);
	e->reserved = 0;
	if (ta_get32(in + 4))
		return TA_E_RESERVED;
	e->generation = ta_get64(in + 8);
	e->last_seq = ta_get64(in + 16);
	memcpy(e->mac, in + TA_ERROR_FIELDS_LEN, TA_MAC_LEN);
	return TA_OK;
}
