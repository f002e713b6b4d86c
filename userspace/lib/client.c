// SPDX-License-Identifier: GPL-2.0
/*
 * Client side of the storage-enclave protocol.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ta-client.h"

void ta_client_init(struct ta_client *c, const struct ta_key *key, const struct ta_policy *pol,
		    const uint8_t array[TA_UUID_LEN], uint32_t slot)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = 30000;
	c->key = key;
	c->policy = *pol;
	memcpy(c->array, array, TA_UUID_LEN);
	c->slot = slot;
}

int ta_resolve_hostport(const char *hostport, struct addrinfo **res)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICSERV };
	char host[256], *colon;

	if (!hostport || strlen(hostport) >= sizeof(host))
		return TA_E_ARG;
	strcpy(host, hostport);
	colon = strrchr(host, ':');
	if (!colon || colon == host)
		return TA_E_ARG;
	*colon = 0;
	if (host[0] == '[' && colon[-1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	return getaddrinfo(host, colon + 1, &hints, res) ? TA_E_IO : TA_OK;
}

int ta_client_connect(struct ta_client *c, const char *hostport, int timeout_ms)
{
	struct addrinfo *res, *ai;
	int one = 1, r;

	if (ta_crypto_init() != TA_OK)
		return TA_E_INTERNAL;
	r = ta_resolve_hostport(hostport, &res);
	if (r != TA_OK)
		return r;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : 30000;
	for (ai = res; ai; ai = ai->ai_next) {
		c->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			continue;
		if (!connect(c->fd, ai->ai_addr, ai->ai_addrlen))
			break;
		close(c->fd);
		c->fd = -1;
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return TA_E_IO;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	return TA_OK;
}

void ta_client_close(struct ta_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->have_session = 0;
	sodium_memzero(c->session_key, sizeof(c->session_key));
	ta_kx_wipe(&c->kx);
	free(c->last_frame);
	c->last_frame = NULL;
	c->last_frame_len = 0;
}

static int ta_io_wait(struct ta_client *c, short ev)
{
	struct pollfd p = { .fd = c->fd, .events = ev };
	int r;

	do
		r = poll(&p, 1, c->timeout_ms);
	while (r < 0 && errno == EINTR);
	return r > 0 ? TA_OK : TA_E_IO;
}

int ta_client_send_frame(struct ta_client *c, const uint8_t *p, size_t n)
{
	if (c->fd < 0)
		return TA_E_IO;
	while (n) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (ta_io_wait(c, POLLOUT))
				return TA_E_IO;
		} else {
			return TA_E_IO;
		}
	}
	return TA_OK;
}

static int ta_recv_all(struct ta_client *c, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r;

		if (ta_io_wait(c, POLLIN))
			return TA_E_IO;
		r = recv(c->fd, p, n, MSG_DONTWAIT);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
		} else if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
			continue;
		} else {
			return TA_E_IO;
		}
	}
	return TA_OK;
}

int ta_client_recv_frame(struct ta_client *c, uint8_t *kind, uint8_t **body, size_t *len)
{
	uint8_t hb[TA_FRAME_HDR_LEN];
	struct ta_frame_hdr h;
	int one = 1, ret;

	*body = NULL;
	ret = ta_recv_all(c, hb, sizeof(hb));
	if (ret)
		return ret;
	ret = ta_frame_hdr_parse(hb, sizeof(hb), &h);
	if (ret)
		return ret;
	*body = malloc(h.body_len ? h.body_len : 1);
	if (!*body)
		return TA_E_NOMEM;
	ret = ta_recv_all(c, *body, h.body_len);
	if (ret) {
		free(*body);
		*body = NULL;
		return ret;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	*kind = h.kind;
	*len = h.body_len;
	return TA_OK;
}

/*
 * Sends a request and returns the response of want_kind.  An ERROR answer
 * is left in *body with *kind_out TA_K_ERROR and TA_OK returned, for the
 * caller to authenticate; any other kind is a protocol error.
 */
static int ta_roundtrip(struct ta_client *c, const uint8_t *frame, size_t flen,
			uint8_t want_kind, uint8_t *kind_out, uint8_t **body, size_t *blen)
{
	uint8_t kind;
	int ret;

	c->last_error_auth = 0;
	memset(&c->last_error, 0, sizeof(c->last_error));
	ret = ta_client_send_frame(c, frame, flen);
	if (ret)
		return ret;
	ret = ta_client_recv_frame(c, &kind, body, blen);
	if (ret)
		return ret;
	if (kind != want_kind && kind != TA_K_ERROR) {
		free(*body);
		*body = NULL;
		return TA_E_PROTOCOL;
	}
	*kind_out = kind;
	return TA_OK;
}

/* An unauthenticated ERROR (HELLO, STATUS): its code, for diagnostics only. */
static int ta_unauth_error(struct ta_client *c, uint8_t *body, size_t blen)
{
	int ret = ta_error_decode(body, blen, &c->last_error);

	free(body);
	if (ret)
		return TA_E_PROTOCOL;
	/* A code of 0 in an error frame is itself a protocol error. */
	return c->last_error.code ? c->last_error.code : TA_E_PROTOCOL;
}

/*
 * Answers are MAC'd under the identity the member attested at HELLO (c->id),
 * which is what it computes them with even for a batch naming another.
 */
int ta_client_accept_error(struct ta_client *c, const uint8_t req[TA_HASH_LEN],
			   const uint8_t *body, size_t len)
{
	int ret;

	c->last_error_auth = 0;
	ret = ta_error_decode(body, len, &c->last_error);
	if (ret)
		return ret;
	if (!c->have_session ||
	    ta_answer_verify(c->last_error.mac, c->session_key, TA_K_ERROR, c->id.array,
			     c->id.slot, c->id.instance, req, body, TA_ERROR_FIELDS_LEN))
		return TA_E_ANSWER_AUTH;
	if (!c->last_error.code)
		return TA_E_PROTOCOL;
	c->last_error_auth = 1;
	if (c->last_error.last_seq > c->acked_seq)
		c->acked_seq = c->last_error.last_seq;
	return TA_OK;
}

int ta_client_accept_identity(struct ta_client *c, const uint8_t *body, size_t blen,
			      const uint8_t nonce[TA_NONCE_LEN])
{
	const size_t fixed = TA_IDENTITY_LEN + TA_KX_PUBLEN + 4;
	uint8_t rd[TA_REPORT_DATA_LEN], key[TA_MAC_LEN];
	const uint8_t *member_pub = body + TA_IDENTITY_LEN;
	struct ta_identity id;
	struct ta_claims cl;
	uint32_t ev_len;
	int ret;

	ret = ta_identity_decode(body, blen, &id);
	if (ret)
		return ret;
	if (blen < fixed)
		return TA_E_TRUNCATED;
	ev_len = ta_get32(body + TA_IDENTITY_LEN + TA_KX_PUBLEN);
	if (ev_len != blen - fixed)
		return ev_len > blen - fixed ? TA_E_TRUNCATED : TA_E_TRAILING;
	ta_rd_identify(rd, body, nonce, c->kx.pub, member_pub, id.measurement);
	ret = ta_evidence_check(body + fixed, ev_len, &c->policy, rd, &cl);
	if (ret)
		return ret;
	/* A simulated report's measurement is the teedisk's own claim. */
	if (cl.provider == TA_PROV_SIM && memcmp(cl.measurement, id.measurement, TA_HASH_LEN))
		return TA_E_ATTEST_MEASUREMENT;
	if (c->policy.have_member_measurement &&
	    sodium_memcmp(c->policy.member_measurement, id.measurement, TA_HASH_LEN))
		return TA_E_ATTEST_MEASUREMENT;
	if (memcmp(id.array, c->array, TA_UUID_LEN) || id.slot != c->slot ||
	    memcmp(id.authorized_key, c->key->pub, TA_PUBKEY_LEN))
		return TA_E_MISMATCH;
	/*
	 * The same boot of the member cannot lose state it authenticated: a
	 * lower counter means it (or whoever answers for it) rolled back.
	 */
	if (c->have_acked && !memcmp(c->acked_instance, id.instance, TA_INSTANCE_LEN) &&
	    id.last_seq < c->acked_seq) {
		c->rollback_seq = id.last_seq;
		return TA_E_ROLLBACK;
	}
	ret = ta_kx_client_session(key, &c->kx, member_pub);
	ta_kx_wipe(&c->kx);
	if (ret)
		return ret;
	memcpy(c->session_key, key, TA_MAC_LEN);
	sodium_memzero(key, sizeof(key));
	c->have_session = 1;
	c->id = id;
	c->claims = cl;
	memcpy(c->instance, id.instance, TA_INSTANCE_LEN);
	c->generation = id.generation;
	c->next_seq = id.last_seq + 1;
	c->identified = 1;
	if (!c->have_acked || memcmp(c->acked_instance, id.instance, TA_INSTANCE_LEN)) {
		memcpy(c->acked_instance, id.instance, TA_INSTANCE_LEN);
		c->have_acked = 1;
	}
	c->acked_seq = id.last_seq;
	return TA_OK;
}

int ta_client_identify(struct ta_client *c)
{
	uint8_t frame[TA_FRAME_HDR_LEN + TA_HELLO_LEN], *body, kind;
	uint8_t *nonce = frame + TA_FRAME_HDR_LEN;
	size_t blen;
	int ret;

	/* A new HELLO ends the old session whatever the outcome. */
	c->have_session = 0;
	sodium_memzero(c->session_key, sizeof(c->session_key));
	ta_kx_generate(&c->kx);
	ta_frame_hdr_build(frame, TA_K_HELLO, TA_HELLO_LEN);
	ta_random(nonce, TA_NONCE_LEN);
	memcpy(nonce + TA_NONCE_LEN, c->kx.pub, TA_KX_PUBLEN);
	ret = ta_roundtrip(c, frame, sizeof(frame), TA_K_IDENTITY, &kind, &body, &blen);
	if (!ret && kind == TA_K_ERROR)
		ret = ta_unauth_error(c, body, blen);
	else if (!ret) {
		ret = ta_client_accept_identity(c, body, blen, nonce);
		free(body);
	}
	ta_kx_wipe(&c->kx);
	return ret;
}

int ta_client_status(struct ta_client *c, struct ta_identity *id,
		     struct ta_status_counters *ctr)
{
	uint8_t frame[TA_FRAME_HDR_LEN], *body, *q, kind;
	size_t blen;
	int ret;

	ta_frame_hdr_build(frame, TA_K_STATUS, 0);
	ret = ta_roundtrip(c, frame, sizeof(frame), TA_K_STATUS_RESP, &kind, &body, &blen);
	if (ret)
		return ret;
	if (kind == TA_K_ERROR)
		return ta_unauth_error(c, body, blen);
	ret = ta_identity_decode(body, blen, id);
	if (!ret && blen != TA_IDENTITY_LEN + TA_STATUS_EXTRA_LEN)
		ret = blen < TA_IDENTITY_LEN + TA_STATUS_EXTRA_LEN ? TA_E_TRUNCATED :
			TA_E_TRAILING;
	if (!ret) {
		q = body + TA_IDENTITY_LEN;
		ctr->batches_ok = ta_get64(q);
		ctr->batches_rejected = ta_get64(q + 8);
		ctr->sessions = ta_get64(q + 16);
		ctr->frames_bad = ta_get64(q + 24);
	}
	free(body);
	return ret;
}

int ta_client_accept_bresp(struct ta_client *c, const struct ta_batch_hdr *h,
			   const uint8_t req[TA_HASH_LEN], const struct ta_cmd *cmds,
			   uint16_t flags, const uint8_t *resp, size_t rlen,
			   struct ta_bresp_hdr *rh)
{
	uint8_t rd[TA_REPORT_DATA_LEN], hr[TA_HASH_LEN];
	const uint8_t *results = resp + TA_BRESP_HDR_LEN, *evidence;
	uint64_t want_results = 0;
	struct ta_claims cl;
	int ret;

	for (unsigned int i = 0; i < h->ncmds; i++)
		want_results += ta_op_result_len(cmds[i].op, cmds[i].count);
	ret = ta_bresp_hdr_decode(resp, rlen, rh);
	if (ret)
		return ret;
	evidence = results + rh->results_len;
	/* Nothing in an answer counts before its MAC verifies. */
	ta_results_hash(hr, results, rh->results_len);
	if (!c->have_session ||
	    ta_bresp_verify(evidence + rh->evidence_len, c->session_key, c->id.array, c->id.slot,
			    c->id.instance, req, resp, hr, evidence, rh->evidence_len))
		return TA_E_ANSWER_AUTH;
	if (rh->first_seq != h->first_seq || rh->ncmds != h->ncmds ||
	    rh->last_seq != h->first_seq + h->ncmds - 1 || rh->results_len != want_results)
		return TA_E_MISMATCH;
	if (want_results || (flags & TA_BATCH_F_ATTEST)) {
		ta_rd_batch_hashed(rd, c->array, c->slot, c->instance, h->nonce, rh, hr,
				   c->id.measurement);
		ret = ta_evidence_check(evidence, rh->evidence_len, &c->policy, rd, &cl);
		if (ret)
			return ret;
	}
	if (rh->last_seq > c->acked_seq)
		c->acked_seq = rh->last_seq;
	return TA_OK;
}

int ta_client_batch(struct ta_client *c, const struct ta_cmd *cmds, unsigned int n,
		    uint16_t flags, uint8_t **results, size_t *results_len)
{
	uint8_t *frame, *resp = NULL, req[TA_HASH_LEN], kind;
	struct ta_batch_hdr h;
	struct ta_bresp_hdr rh;
	size_t flen, rlen;
	int ret;

	if (results)
		*results = NULL;
	if (!c->identified || n == 0 || n > TA_MAX_CMDS)
		return TA_E_ARG;
	memset(&h, 0, sizeof(h));
	memcpy(h.array, c->array, TA_UUID_LEN);
	h.slot = c->slot;
	h.flags = flags;
	h.ncmds = (uint16_t)n;
	memcpy(h.instance, c->instance, TA_INSTANCE_LEN);
	h.generation = c->generation;
	h.first_seq = c->next_seq;
	ta_random(h.nonce, TA_NONCE_LEN);
	ta_batch_sign_hash(c->key, &h, cmds, req);
	ret = ta_batch_build_frame(&h, cmds, &frame, &flen);
	if (ret)
		return ret;
	if (c->keep_last_frame) {
		free(c->last_frame);
		c->last_frame = frame;
		c->last_frame_len = flen;
	}
	/*
	 * Consume the sequence numbers before sending: the member may execute
	 * the batch even if its answer is lost or refused, and gaps are
	 * allowed, so the next batch must not reuse them.
	 */
	c->next_seq = h.first_seq + n;
	ret = ta_roundtrip(c, frame, flen, TA_K_BATCH_RESP, &kind, &resp, &rlen);
	if (!c->keep_last_frame)
		free(frame);
	if (ret)
		return ret;
	if (kind == TA_K_ERROR) {
		ret = ta_client_accept_error(c, req, resp, rlen);
		free(resp);
		return ret ? ret : c->last_error.code;
	}
	ret = ta_client_accept_bresp(c, &h, req, cmds, flags, resp, rlen, &rh);
	if (ret)
		goto out;
	c->generation = rh.generation;
	if (results && rh.results_len) {
		*results = malloc(rh.results_len);
		if (!*results) {
			ret = TA_E_NOMEM;
			goto out;
		}
		memcpy(*results, resp + TA_BRESP_HDR_LEN, rh.results_len);
	}
	if (results_len)
		*results_len = rh.results_len;
	ret = TA_OK;
out:
	free(resp);
	return ret;
}

/* short_len: the payload length of a WRITE_SHORT (the other ops' follows from op/count). */
static int ta_client_one(struct ta_client *c, uint16_t op, uint64_t sector, uint32_t count,
			 uint64_t arg, const uint8_t *payload, uint32_t short_len, uint8_t *out)
{
	long pl = ta_op_payload_len(op, count);
	struct ta_cmd cmd = {
		.op = op, .count = count, .sector = sector, .arg = arg,
		.payload_len = pl == TA_PAYLOAD_SHORT ? short_len : (uint32_t)(pl > 0 ? pl : 0),
		.payload = payload,
	};
	uint8_t *res = NULL;
	size_t res_len = 0;
	int ret;

	if (count == 0 || count > TA_MAX_COUNT ||
	    ta_op_payload_check(op, count, cmd.payload_len) != TA_OK ||
	    (cmd.payload_len && !payload))
		return TA_E_ARG;
	ret = ta_client_batch(c, &cmd, 1, 0, out ? &res : NULL, &res_len);
	if (ret == TA_OK && out)
		memcpy(out, res, res_len);
	free(res);
	return ret;
}

int ta_client_read(struct ta_client *c, uint64_t sector, uint32_t count, uint8_t *out)
{
	return ta_client_one(c, TA_OP_READ, sector, count, 0, NULL, 0, out);
}

int ta_client_write(struct ta_client *c, uint64_t sector, uint32_t count, const uint8_t *data)
{
	return ta_client_one(c, TA_OP_WRITE, sector, count, 0, data, 0, NULL);
}

int ta_client_write_short(struct ta_client *c, uint64_t sector, const uint8_t *data,
			  uint32_t len)
{
	return ta_client_one(c, TA_OP_WRITE_SHORT, sector, 1, 0, data, len, NULL);
}

int ta_client_copy(struct ta_client *c, uint64_t src, uint64_t dst, uint32_t count)
{
	return ta_client_one(c, TA_OP_COPY, src, count, dst, NULL, 0, NULL);
}

int ta_client_trim(struct ta_client *c, uint64_t sector, uint32_t count)
{
	return ta_client_one(c, TA_OP_TRIM, sector, count, 0, NULL, 0, NULL);
}

int ta_client_death_read(struct ta_client *c, uint8_t out[TA_SECTOR_SIZE])
{
	return ta_client_one(c, TA_OP_DEATH_READ, 0, 1, 0, NULL, 0, out);
}

int ta_client_death_write(struct ta_client *c, uint64_t version,
			  const uint8_t record[TA_SECTOR_SIZE])
{
	return ta_client_one(c, TA_OP_DEATH_WRITE, 0, 1, version, record, 0, NULL);
}

int ta_client_fence(struct ta_client *c, uint64_t new_generation)
{
	int ret = ta_client_one(c, TA_OP_FENCE, 0, 1, new_generation, NULL, 0, NULL);

	if (ret == TA_OK)
		c->generation = new_generation;
	return ret;
}
