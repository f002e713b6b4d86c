// SPDX-License-Identifier: GPL-2.0
/*
 * teedisk core: RAM sectors, signed-command validation, read/write/
 * write-short/copy/trim, the death-record sector and the fencing generation.
 *
 * Rule for every request: validate everything first, then execute.  The
 * execution steps cannot fail, so a batch is applied entirely or not at all
 * and a rejected batch changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "disk.h"
#include "ta-crypto.h"

int td_disk_init(struct td_disk *d, const struct td_config *cfg,
		 const uint8_t measurement[TA_HASH_LEN], struct ta_attester *att)
{
	void *m;

	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->att = att;
	memcpy(d->measurement, measurement, TA_HASH_LEN);
	if (cfg->sectors == 0 || cfg->sectors > (SIZE_MAX / TA_SECTOR_SIZE) - 1) {
		fprintf(stderr, "teedisk: bad sector count %llu\n",
			(unsigned long long)cfg->sectors);
		return TA_E_ARG;
	}
	if (getrandom(d->instance, sizeof(d->instance), 0) != sizeof(d->instance)) {
		perror("teedisk: getrandom");
		return TA_E_INTERNAL;
	}
	d->mem_len = (size_t)(cfg->sectors + 1) * TA_SECTOR_SIZE;
	m = mmap(NULL, d->mem_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("teedisk: mmap sector memory");
		return TA_E_NOMEM;
	}
	d->mem = m;
	d->death = d->mem + (size_t)cfg->sectors * TA_SECTOR_SIZE;
	if (madvise(m, d->mem_len, MADV_DONTDUMP))
		perror("teedisk: madvise(MADV_DONTDUMP)");
	if (mlock(m, d->mem_len)) {
		perror("teedisk: mlock sector memory");
		if (!cfg->allow_unlocked) {
			munmap(m, d->mem_len);
			d->mem = NULL;
			return TA_E_NOMEM;
		}
		fprintf(stderr, "teedisk: WARNING: sector memory is not locked\n");
	} else {
		d->locked = 1;
	}
	/* Touch every page so the memory is really there from the start. */
	sodium_memzero(d->mem, d->mem_len);
	return TA_OK;
}

void td_disk_destroy(struct td_disk *d)
{
	if (!d->mem)
		return;
	sodium_memzero(d->mem, d->mem_len);
	if (d->locked)
		munlock(d->mem, d->mem_len);
	munmap(d->mem, d->mem_len);
	d->mem = NULL;
	d->death = NULL;
}

static int td_range_ok(const struct td_disk *d, uint64_t sector, uint32_t count)
{
	return sector < d->cfg.sectors && count <= d->cfg.sectors - sector;
}

/*
 * Validation of a parsed batch against the state, msg being its signed hash
 * (computed once: the answer MAC is bound to it too): error and failing
 * command index.
 */
static int td_batch_check(const struct td_disk *d, const struct ta_batch *b,
				 const uint8_t msg[TA_HASH_LEN], unsigned int *index)
{
	const struct ta_batch_hdr *h = &b->hdr;
	uint64_t death_version = d->death_version, results = 0;

	*index = 0xffff;
	if (sodium_memcmp(h->array, d->cfg.array, TA_UUID_LEN))
		return TA_E_WRONG_ARRAY;
	if (h->slot != d->cfg.slot)
		return TA_E_WRONG_SLOT;
	if (sodium_memcmp(h->instance, d->instance, TA_INSTANCE_LEN))
		return TA_E_WRONG_INSTANCE;
	if (h->generation < d->generation)
		return TA_E_STALE_GENERATION;
	if (h->generation > d->generation)
		return TA_E_FUTURE_GENERATION;
	if (h->first_seq <= d->last_seq)
		return TA_E_REPLAY;
	if (h->first_seq > UINT64_MAX - h->ncmds)
		return TA_E_SEQ_WRAP;
	if (ta_verify32(d->cfg.authorized_key, msg, h->sig) != TA_OK)
		return TA_E_SIGNATURE;

	for (unsigned int i = 0; i < h->ncmds; i++) {
		const struct ta_cmd *c = &b->cmds[i];

		*index = i;
		switch (c->op) {
		case TA_OP_READ:
		case TA_OP_WRITE:
		case TA_OP_TRIM:
			if (!td_range_ok(d, c->sector, c->count))
				return TA_E_RANGE;
			break;
		case TA_OP_WRITE_SHORT:
			/* The parser checked count 1 and payload_len 1..4096: kept here. */
			if (c->payload_len == 0 || c->payload_len > TA_SECTOR_SIZE)
				return TA_E_PAYLOAD;
			if (!td_range_ok(d, c->sector, 1))
				return TA_E_RANGE;
			break;
		case TA_OP_COPY:
			if (!td_range_ok(d, c->sector, c->count) ||
			    !td_range_ok(d, c->arg, c->count))
				return TA_E_RANGE;
			break;
		case TA_OP_DEATH_READ:
			break;
		case TA_OP_DEATH_WRITE:
			if (c->arg <= death_version)
				return TA_E_DEATH_VERSION;
			if (ta_get64(c->payload) != c->arg)
				return TA_E_DEATH_MISMATCH;
			death_version = c->arg;
			break;
		case TA_OP_FENCE:
			if (h->ncmds != 1)
				return TA_E_FENCE_NOT_ALONE;
			if (c->arg <= d->generation)
				return TA_E_FENCE;
			break;
		default:
			return TA_E_UNKNOWN_OP;	/* the parser already refuses these */
		}
		results += ta_op_result_len(c->op, c->count);
	}
	*index = 0xffff;
	if (results > TA_MAX_BODY - TA_BRESP_HDR_LEN - TA_MAX_EVIDENCE)
		return TA_E_RESPONSE_SIZE;
	return TA_OK;
}

static uint8_t *td_sector(struct td_disk *d, uint64_t s)
{
	return d->mem + (size_t)s * TA_SECTOR_SIZE;
}

/* Executes a checked batch; appends read results to out. Cannot fail. */
static void td_batch_exec(struct td_disk *d, const struct ta_batch *b, uint8_t *out)
{
	for (unsigned int i = 0; i < b->hdr.ncmds; i++) {
		const struct ta_cmd *c = &b->cmds[i];
		size_t n = (size_t)c->count * TA_SECTOR_SIZE;

		switch (c->op) {
		case TA_OP_READ:
			memcpy(out, td_sector(d, c->sector), n);
			out += n;
			break;
		case TA_OP_WRITE:
			memcpy(td_sector(d, c->sector), c->payload, n);
			break;
		case TA_OP_WRITE_SHORT:
			/* The payload at the start of the sector, zeroes after it. */
			memcpy(td_sector(d, c->sector), c->payload, c->payload_len);
			memset(td_sector(d, c->sector) + c->payload_len, 0,
			       TA_SECTOR_SIZE - c->payload_len);
			break;
		case TA_OP_COPY:
			memmove(td_sector(d, c->arg), td_sector(d, c->sector), n);
			break;
		case TA_OP_TRIM:
			sodium_memzero(td_sector(d, c->sector), n);
			break;
		case TA_OP_DEATH_READ:
			memcpy(out, d->death, TA_SECTOR_SIZE);
			out += TA_SECTOR_SIZE;
			break;
		case TA_OP_DEATH_WRITE:
			memcpy(d->death, c->payload, TA_SECTOR_SIZE);
			d->death_version = c->arg;
			break;
		case TA_OP_FENCE:
			d->generation = c->arg;
			break;
		}
	}
	d->last_seq = b->hdr.first_seq + b->hdr.ncmds - 1;
}

static uint8_t *td_frame_alloc(uint8_t kind, size_t body_len, size_t *total)
{
	uint8_t *p = malloc(TA_FRAME_HDR_LEN + body_len);

	if (!p)
		return NULL;
	ta_frame_hdr_build(p, kind, (uint32_t)body_len);
	*total = TA_FRAME_HDR_LEN + body_len;
	return p;
}

void td_session_end(struct td_session *s)
{
	sodium_memzero(s, sizeof(*s));
}

int td_error_frame(const struct td_disk *d, const struct td_session *s,
		   const uint8_t *req, int code, unsigned int index,
		   uint8_t **resp, size_t *resp_len)
{
	struct ta_error e = {
		.code = (uint16_t)code,
		.index = (uint16_t)index,
		.generation = d->generation,
		.last_seq = d->last_seq,
	};
	uint8_t *p = td_frame_alloc(TA_K_ERROR, TA_ERROR_LEN, resp_len);

	if (!p)
		return TA_E_NOMEM;
	ta_error_encode(p + TA_FRAME_HDR_LEN, &e);
	if (s && s->active && req)
		ta_answer_mac(p + TA_FRAME_HDR_LEN + TA_ERROR_FIELDS_LEN, s->key, TA_K_ERROR,
			      d->cfg.array, d->cfg.slot, d->instance, req, p + TA_FRAME_HDR_LEN,
			      TA_ERROR_FIELDS_LEN);
	*resp = p;
	return TA_OK;
}

static void td_identity(const struct td_disk *d, struct ta_identity *id)
{
	memset(id, 0, sizeof(*id));
	id->proto_version = TA_PROTO_VERSION;
	id->slot = d->cfg.slot;
	memcpy(id->array, d->cfg.array, TA_UUID_LEN);
	memcpy(id->instance, d->instance, TA_INSTANCE_LEN);
	id->sectors = d->cfg.sectors;
	id->generation = d->generation;
	id->last_seq = d->last_seq;
	id->death_version = d->death_version;
	memcpy(id->authorized_key, d->cfg.authorized_key, TA_PUBKEY_LEN);
	memcpy(id->measurement, d->measurement, TA_HASH_LEN);
	id->provider = d->att ? d->att->provider : 0;
}

/*
 * HELLO: nonce and the caller's session public key.  A new ephemeral key
 * pair of ours goes into the attested identity; the session key replaces
 * the connection's old one only once the answer exists.
 */
static int td_hello(struct td_disk *d, struct td_session *s, const uint8_t *body, size_t len,
		    uint8_t **resp, size_t *resp_len)
{
	uint8_t idb[TA_IDENTITY_LEN], rd[TA_REPORT_DATA_LEN], key[TA_MAC_LEN], *ev = NULL, *p;
	const size_t fixed = TA_IDENTITY_LEN + TA_KX_PUBLEN + 4;
	struct ta_identity id;
	struct ta_kx kx;
	size_t ev_len = 0;
	int ret;

	if (len != TA_HELLO_LEN)
		return td_error_frame(d, NULL, NULL,
				      len < TA_HELLO_LEN ? TA_E_TRUNCATED : TA_E_LENGTH,
				      0xffff, resp, resp_len);
	ta_kx_generate(&kx);
	ret = ta_kx_member_session(key, &kx, body + TA_NONCE_LEN);
	if (ret) {
		ta_kx_wipe(&kx);
		return td_error_frame(d, NULL, NULL, ret, 0xffff, resp, resp_len);
	}
	td_identity(d, &id);
	ta_identity_encode(idb, &id);
	ta_rd_identify(rd, idb, body, body + TA_NONCE_LEN, kx.pub, d->measurement);
	ret = ta_quote(d->att, rd, &ev, &ev_len);
	if (ret) {
		ta_kx_wipe(&kx);
		sodium_memzero(key, sizeof(key));
		return td_error_frame(d, NULL, NULL, ret, 0xffff, resp, resp_len);
	}
	p = td_frame_alloc(TA_K_IDENTITY, fixed + ev_len, resp_len);
	if (!p) {
		free(ev);
		ta_kx_wipe(&kx);
		sodium_memzero(key, sizeof(key));
		return TA_E_NOMEM;
	}
	memcpy(p + TA_FRAME_HDR_LEN, idb, TA_IDENTITY_LEN);
	memcpy(p + TA_FRAME_HDR_LEN + TA_IDENTITY_LEN, kx.pub, TA_KX_PUBLEN);
	ta_put32(p + TA_FRAME_HDR_LEN + TA_IDENTITY_LEN + TA_KX_PUBLEN, (uint32_t)ev_len);
	memcpy(p + TA_FRAME_HDR_LEN + fixed, ev, ev_len);
	free(ev);
	ta_kx_wipe(&kx);
	memcpy(s->key, key, TA_MAC_LEN);
	sodium_memzero(key, sizeof(key));
	s->active = 1;
	*resp = p;
	return TA_OK;
}

static int td_status(struct td_disk *d, size_t len, uint8_t **resp, size_t *resp_len)
{
	struct ta_identity id;
	uint8_t *p, *q;

	if (len != 0)
		return td_error_frame(d, NULL, NULL, TA_E_LENGTH, 0xffff, resp, resp_len);
	p = td_frame_alloc(TA_K_STATUS_RESP, TA_IDENTITY_LEN + TA_STATUS_EXTRA_LEN, resp_len);
	if (!p)
		return TA_E_NOMEM;
	td_identity(d, &id);
	ta_identity_encode(p + TA_FRAME_HDR_LEN, &id);
	q = p + TA_FRAME_HDR_LEN + TA_IDENTITY_LEN;
	ta_put64(q, d->ctr.batches_ok);
	ta_put64(q + 8, d->ctr.batches_rejected);
	ta_put64(q + 16, d->ctr.sessions);
	ta_put64(q + 24, d->ctr.frames_bad);
	*resp = p;
	return TA_OK;
}

static int td_batch(struct td_disk *d, struct td_session *s, const uint8_t *body, size_t len,
		    uint8_t **resp, size_t *resp_len, int *accepted)
{
	struct ta_bresp_hdr rh = { 0 };
	uint8_t rd[TA_REPORT_DATA_LEN], req[TA_HASH_LEN], hr[TA_HASH_LEN], *ev = NULL, *p;
	uint8_t *results, *body_out;
	struct ta_batch b;
	unsigned int index = 0xffff;
	size_t ev_len = 0, body_len;
	int ret, attest;

	ret = ta_batch_parse(body, len, &b);
	if (ret) {
		/* Not a batch we can name by its signed hash: bind the bytes. */
		ta_payload_hash(req, body, len);
		goto reject;
	}
	ta_batch_sighash(&b.hdr, b.cmds, req);
	if (!s->active) {
		ret = TA_E_NO_SESSION;
		goto reject;
	}
	ret = td_batch_check(d, &b, req, &index);
	if (ret)
		goto reject;
	for (unsigned int i = 0; i < b.hdr.ncmds; i++)
		rh.results_len += (uint32_t)ta_op_result_len(b.cmds[i].op, b.cmds[i].count);
	attest = rh.results_len || (b.hdr.flags & TA_BATCH_F_ATTEST);
	/* Allocate before executing so an allocation failure changes nothing. */
	body_len = TA_BRESP_HDR_LEN + rh.results_len;
	p = malloc(TA_FRAME_HDR_LEN + body_len + TA_MAC_LEN);
	if (!p) {
		ret = TA_E_NOMEM;
		goto reject;
	}
	results = p + TA_FRAME_HDR_LEN + TA_BRESP_HDR_LEN;
	td_batch_exec(d, &b, results);
	rh.generation = d->generation;
	rh.first_seq = b.hdr.first_seq;
	rh.last_seq = d->last_seq;
	rh.ncmds = b.hdr.ncmds;
	/* One pass over the results serves the attestation and the MAC. */
	ta_results_hash(hr, results, rh.results_len);
	if (attest) {
		ta_rd_batch_hashed(rd, d->cfg.array, d->cfg.slot, d->instance, b.hdr.nonce, &rh,
				   hr, d->measurement);
		if (ta_quote(d->att, rd, &ev, &ev_len) != TA_OK) {
			/* Executed but unattested: the caller sees no evidence. */
			fprintf(stderr, "teedisk: attestation of a batch response failed\n");
			ev = NULL;
			ev_len = 0;
		}
	}
	rh.evidence_len = (uint32_t)ev_len;
	if (ev_len) {
		uint8_t *np = realloc(p, TA_FRAME_HDR_LEN + body_len + ev_len + TA_MAC_LEN);

		if (!np) {
			free(ev);
			ev_len = 0;
			rh.evidence_len = 0;
		} else {
			p = np;
			memcpy(p + TA_FRAME_HDR_LEN + body_len, ev, ev_len);
			body_len += ev_len;
		}
	}
	free(ev);
	body_out = p + TA_FRAME_HDR_LEN;
	ta_bresp_hdr_encode(body_out, &rh);
	ta_bresp_mac(body_out + body_len, s->key, d->cfg.array, d->cfg.slot, d->instance, req,
		     body_out, hr, body_out + TA_BRESP_HDR_LEN + rh.results_len,
		     rh.evidence_len);
	body_len += TA_MAC_LEN;
	ta_frame_hdr_build(p, TA_K_BATCH_RESP, (uint32_t)body_len);
	*resp = p;
	*resp_len = TA_FRAME_HDR_LEN + body_len;
	d->ctr.batches_ok++;
	*accepted = 1;
	ta_batch_free(&b);
	return TA_OK;
reject:
	ta_batch_free(&b);
	d->ctr.batches_rejected++;
	return td_error_frame(d, s, req, ret, index, resp, resp_len);
}

int td_handle(struct td_disk *d, struct td_session *s, uint8_t kind, const uint8_t *body,
	      size_t len, uint8_t **resp, size_t *resp_len, int *accepted)
{
	*accepted = 0;
	switch (kind) {
	case TA_K_HELLO:
		return td_hello(d, s, body, len, resp, resp_len);
	case TA_K_STATUS:
		return td_status(d, len, resp, resp_len);
	case TA_K_BATCH:
		return td_batch(d, s, body, len, resp, resp_len, accepted);
	default:
		d->ctr.frames_bad++;
		return td_error_frame(d, NULL, NULL, TA_E_KIND, 0xffff, resp, resp_len);
	}
}
