// SPDX-License-Identifier: GPL-2.0
/*
 * Encode/decode of teearray generic netlink messages (no sockets).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "td-nl.h"

#define TD_GENL_HDRLEN	((size_t)NLMSG_HDRLEN + GENL_HDRLEN)

_Static_assert(TEEARRAY_NL_MAX_SECTORS * TEEARRAY_NL_SECTOR_SIZE <= TD_NL_COMPLETION_DATA_MAX,
	       "the DATA of a READ of TEEARRAY_NL_MAX_SECTORS fits one COMPLETION");

static int __attribute__((format(printf, 3, 4))) td_nerr(char *err, size_t errlen,
							 const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

uint32_t td_nl_max_count(uint32_t op)
{
	switch (op) {
	case TEEARRAY_OP_READ:
	case TEEARRAY_OP_WRITE:
		return TEEARRAY_NL_MAX_SECTORS;
	case TEEARRAY_OP_AUDIT_SIGN:
	case TEEARRAY_OP_WRITE_SHORT:
		return 1;
	case TEEARRAY_OP_COPY:
	case TEEARRAY_OP_TRIM:
		return TEEARRAY_NL_MAX_RANGE;
	default:
		return 0;
	}
}

const char *td_nl_op_name(uint32_t op)
{
	/* Sized by the enum: an op added to the ABI without a name here reads as unknown. */
	static const char *const n[__TEEARRAY_OP_MAX] = {
		[TEEARRAY_OP_IDENTIFY] = "IDENTIFY", [TEEARRAY_OP_READ] = "READ",
		[TEEARRAY_OP_WRITE] = "WRITE", [TEEARRAY_OP_COPY] = "COPY",
		[TEEARRAY_OP_TRIM] = "TRIM", [TEEARRAY_OP_DEATH_READ] = "DEATH_READ",
		[TEEARRAY_OP_DEATH_WRITE] = "DEATH_WRITE", [TEEARRAY_OP_FENCE] = "FENCE",
		[TEEARRAY_OP_AUDIT_SIGN] = "AUDIT_SIGN", [TEEARRAY_OP_WRITE_SHORT] = "WRITE_SHORT",
	};

	return op < __TEEARRAY_OP_MAX && n[op] ? n[op] : "unknown-op";
}

const char *td_nl_status_name(uint32_t st)
{
	/* Sized by the enum: a status added without a name reads "unknown-status". */
	static const char *const n[__TEEARRAY_ST_MAX] = {
		[TEEARRAY_ST_OK] = "ok", [TEEARRAY_ST_TIMEOUT] = "timeout",
		[TEEARRAY_ST_UNREACHABLE] = "unreachable",
		[TEEARRAY_ST_RESTARTED] = "restarted",
		[TEEARRAY_ST_ATTESTATION] = "attestation",
		[TEEARRAY_ST_REJECTED] = "rejected",
		[TEEARRAY_ST_STALE_VERSION] = "stale-version",
		[TEEARRAY_ST_FENCED] = "fenced",
		[TEEARRAY_ST_UNKNOWN_MEMBER] = "unknown-member",
		[TEEARRAY_ST_INTERNAL] = "internal",
		[TEEARRAY_ST_ROLLED_BACK] = "rolled-back",
		[TEEARRAY_ST_QUEUED] = "queued-past-deadline",
	};

	return st < __TEEARRAY_ST_MAX && n[st] ? n[st] : "unknown-status";
}

/* ---- attribute writing --------------------------------------------------- */

static int td_put(struct td_nl_builder *b, uint16_t type, const void *p, size_t n)
{
	size_t need = NLA_HDRLEN + NLA_ALIGN(n);
	struct nlattr *a;

	if (n > 0xffff - NLA_HDRLEN || b->len + need > b->size)
		return -1;
	a = (struct nlattr *)(b->buf + b->len);
	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	a->nla_type = type;
	if (n)
		memcpy(b->buf + b->len + NLA_HDRLEN, p, n);
	memset(b->buf + b->len + NLA_HDRLEN + n, 0, NLA_ALIGN(n) - n);
	b->len += need;
	return 0;
}

static int td_put_u32(struct td_nl_builder *b, uint16_t type, uint32_t v)
{
	return td_put(b, type, &v, sizeof(v));
}

static int td_put_u64(struct td_nl_builder *b, uint16_t type, uint64_t v)
{
	return td_put(b, type, &v, sizeof(v));
}

static int td_begin(struct td_nl_builder *b, void *buf, size_t size, uint16_t type,
		    uint16_t flags, uint32_t seq, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = buf;
	struct genlmsghdr *g;

	b->buf = buf;
	b->size = size;
	b->len = TD_GENL_HDRLEN;
	b->count = 0;
	if (size < TD_GENL_HDRLEN)
		return -1;
	memset(buf, 0, TD_GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g = (struct genlmsghdr *)((uint8_t *)buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = version;
	return 0;
}

static size_t td_end(struct td_nl_builder *b)
{
	((struct nlmsghdr *)b->buf)->nlmsg_len = (uint32_t)b->len;
	return b->len;
}

size_t td_nl_build_getfamily(void *buf, size_t size, uint32_t seq)
{
	struct td_nl_builder b;

	if (td_begin(&b, buf, size, GENL_ID_CTRL, NLM_F_REQUEST, seq, CTRL_CMD_GETFAMILY, 1) ||
	    td_put(&b, CTRL_ATTR_FAMILY_NAME, TEEARRAY_GENL_NAME, sizeof(TEEARRAY_GENL_NAME)))
		return 0;
	return td_end(&b);
}

size_t td_nl_build_register(void *buf, size_t size, uint16_t family, uint32_t seq,
			    uint32_t credits)
{
	struct td_nl_builder b;

	if (td_begin(&b, buf, size, family, NLM_F_REQUEST | NLM_F_ACK, seq,
		     TEEARRAY_CMD_REGISTER, TEEARRAY_GENL_VERSION) ||
	    td_put_u32(&b, TEEARRAY_A_CREDITS, credits))
		return 0;
	return td_end(&b);
}

size_t td_nl_build_keepalive(void *buf, size_t size, uint16_t family, uint32_t seq,
			     uint64_t epoch)
{
	struct td_nl_builder b;

	if (td_begin(&b, buf, size, family, NLM_F_REQUEST | NLM_F_ACK, seq,
		     TEEARRAY_CMD_KEEPALIVE, TEEARRAY_GENL_VERSION) ||
	    td_put_u64(&b, TEEARRAY_A_EPOCH, epoch))
		return 0;
	return td_end(&b);
}

size_t td_nl_build_request(void *buf, size_t size, uint16_t family, uint32_t seq,
			   const struct td_nl_request *r)
{
	struct td_nl_builder b;
	int e = 0;

	if (td_begin(&b, buf, size, family, 0, seq, TEEARRAY_CMD_REQUEST, TEEARRAY_GENL_VERSION))
		return 0;
	if (r->have_epoch)
		e |= td_put_u64(&b, TEEARRAY_A_EPOCH, r->epoch);
	e |= td_put_u64(&b, TEEARRAY_A_REQ_ID, r->req_id);
	e |= td_put(&b, TEEARRAY_A_ARRAY_UUID, r->array, TD_UUID_LEN);
	e |= td_put(&b, TEEARRAY_A_MEMBER_UUID, r->member, TD_UUID_LEN);
	e |= td_put_u32(&b, TEEARRAY_A_SLOT, r->slot);
	e |= td_put_u32(&b, TEEARRAY_A_OP, r->op);
	e |= td_put_u64(&b, TEEARRAY_A_GENERATION, r->generation);
	if (r->timeout_ms)
		e |= td_put_u32(&b, TEEARRAY_A_TIMEOUT_MS, r->timeout_ms);
	if (r->have_instance)
		e |= td_put(&b, TEEARRAY_A_INSTANCE_ID, r->instance, TD_UUID_LEN);
	switch (r->op) {
	case TEEARRAY_OP_READ:
	case TEEARRAY_OP_WRITE:
	case TEEARRAY_OP_WRITE_SHORT:
	case TEEARRAY_OP_TRIM:
		e |= td_put_u64(&b, TEEARRAY_A_SECTOR, r->sector);
		e |= td_put_u32(&b, TEEARRAY_A_COUNT, r->count);
		break;
	case TEEARRAY_OP_AUDIT_SIGN:
		e |= td_put_u32(&b, TEEARRAY_A_COUNT, r->count);
		break;
	case TEEARRAY_OP_COPY:
		e |= td_put_u64(&b, TEEARRAY_A_SECTOR, r->sector);
		e |= td_put_u32(&b, TEEARRAY_A_COUNT, r->count);
		e |= td_put_u64(&b, TEEARRAY_A_ARG, r->arg);
		break;
	case TEEARRAY_OP_DEATH_WRITE:
	case TEEARRAY_OP_FENCE:
		e |= td_put_u64(&b, TEEARRAY_A_ARG, r->arg);
		break;
	default:
		break;
	}
	if (r->data)
		e |= td_put(&b, TEEARRAY_A_DATA, r->data, r->data_len);
	return e ? 0 : td_end(&b);
}

/* ---- COMPLETE ------------------------------------------------------------- */

int td_nl_complete_begin(struct td_nl_builder *b, void *buf, size_t size, uint16_t family,
			 uint32_t seq, uint64_t epoch)
{
	if (td_begin(b, buf, size, family, NLM_F_REQUEST, seq, TEEARRAY_CMD_COMPLETE,
		     TEEARRAY_GENL_VERSION) ||
	    td_put_u64(b, TEEARRAY_A_EPOCH, epoch))
		return -1;
	return 0;
}

size_t td_nl_completion_size(const struct td_nl_completion *c)
{
	size_t n = NLA_HDRLEN + (NLA_HDRLEN + 8) + (NLA_HDRLEN + 4);	/* nest, REQ_ID, STATUS */

	if (c->data)
		n += NLA_HDRLEN + NLA_ALIGN(c->data_len);
	if (c->have_instance)
		n += NLA_HDRLEN + TD_UUID_LEN;
	if (c->have_member_sectors)
		n += NLA_HDRLEN + 8;
	if (c->have_generation)
		n += NLA_HDRLEN + 8;
	return n;
}

int td_nl_complete_add(struct td_nl_builder *b, const struct td_nl_completion *c)
{
	size_t start = b->len;
	struct nlattr *nest;
	int e = 0;

	if (b->len + td_nl_completion_size(c) > b->size ||
	    (c->data && c->data_len > TD_NL_COMPLETION_DATA_MAX))
		return -1;
	nest = (struct nlattr *)(b->buf + b->len);
	b->len += NLA_HDRLEN;
	e |= td_put_u64(b, TEEARRAY_A_REQ_ID, c->req_id);
	e |= td_put_u32(b, TEEARRAY_A_STATUS, c->status);
	if (c->data)
		e |= td_put(b, TEEARRAY_A_DATA, c->data, c->data_len);
	if (c->have_instance)
		e |= td_put(b, TEEARRAY_A_INSTANCE_ID, c->instance, TD_UUID_LEN);
	if (c->have_member_sectors)
		e |= td_put_u64(b, TEEARRAY_A_MEMBER_SECTORS, c->member_sectors);
	if (c->have_generation)
		e |= td_put_u64(b, TEEARRAY_A_GENERATION, c->generation);
	if (e || b->len - start > 0xffff) {
		b->len = start;
		return -1;
	}
	nest->nla_len = (uint16_t)(b->len - start);
	nest->nla_type = NLA_F_NESTED | TEEARRAY_A_COMPLETION;
	b->count++;
	return 0;
}

size_t td_nl_complete_end(struct td_nl_builder *b)
{
	return td_end(b);
}

/* ---- attribute parsing ----------------------------------------------------- */

struct td_attrs {
	const struct nlattr *a[TEEARRAY_A_MAX + 1];
};

/*
 * Walk an attribute stream.  Known types may appear once; PAD is ignored;
 * anything else is an error.  max is the highest type accepted.
 */
static int td_parse_attrs(const uint8_t *p, size_t len, unsigned int max,
			  const struct nlattr **tb, const char *what, char *err, size_t errlen)
{
	size_t off = 0;

	for (unsigned int i = 0; i <= max; i++)
		tb[i] = NULL;
	while (off < len) {
		const struct nlattr *a = (const void *)(p + off);
		unsigned int type;

		if (len - off < NLA_HDRLEN)
			return td_nerr(err, errlen, "%s: truncated attribute header", what);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			return td_nerr(err, errlen, "%s: attribute length %u out of bounds", what,
				       a->nla_len);
		type = a->nla_type & NLA_TYPE_MASK;
		off += NLA_ALIGN(a->nla_len);
		/* 64-bit attributes may be preceded by alignment padding. */
		if (type == TEEARRAY_A_PAD)
			continue;
		if (type == 0 || type > max)
			return td_nerr(err, errlen, "%s: unknown attribute type %u", what, type);
		if (tb[type])
			return td_nerr(err, errlen, "%s: attribute %u given twice", what, type);
		tb[type] = a;
	}
	return 0;
}

static size_t td_alen(const struct nlattr *a)
{
	return (size_t)a->nla_len - NLA_HDRLEN;
}

static const void *td_adata(const struct nlattr *a)
{
	return (const uint8_t *)a + NLA_HDRLEN;
}

static int td_get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || td_alen(a) != 4)
		return -1;
	memcpy(v, td_adata(a), 4);
	return 0;
}

static int td_get_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || td_alen(a) != 8)
		return -1;
	memcpy(v, td_adata(a), 8);
	return 0;
}

static int td_get_uuid(const struct nlattr *a, uint8_t out[TD_UUID_LEN])
{
	if (!a || td_alen(a) != TD_UUID_LEN)
		return -1;
	memcpy(out, td_adata(a), TD_UUID_LEN);
	return 0;
}

static const char *td_attr_name(unsigned int t)
{
	static const char *const n[] = {
		[TEEARRAY_A_EPOCH] = "EPOCH", [TEEARRAY_A_CREDITS] = "CREDITS",
		[TEEARRAY_A_REQ_ID] = "REQ_ID", [TEEARRAY_A_ARRAY_UUID] = "ARRAY_UUID",
		[TEEARRAY_A_MEMBER_UUID] = "MEMBER_UUID", [TEEARRAY_A_SLOT] = "SLOT",
		[TEEARRAY_A_OP] = "OP", [TEEARRAY_A_GENERATION] = "GENERATION",
		[TEEARRAY_A_INSTANCE_ID] = "INSTANCE_ID", [TEEARRAY_A_SECTOR] = "SECTOR",
		[TEEARRAY_A_COUNT] = "COUNT", [TEEARRAY_A_ARG] = "ARG",
		[TEEARRAY_A_DATA] = "DATA", [TEEARRAY_A_STATUS] = "STATUS",
		[TEEARRAY_A_COMPLETION] = "COMPLETION",
		[TEEARRAY_A_MEMBER_SECTORS] = "MEMBER_SECTORS", [TEEARRAY_A_PAD] = "PAD",
		[TEEARRAY_A_TIMEOUT_MS] = "TIMEOUT_MS",
	};

	return t && t <= TEEARRAY_A_MAX ? n[t] : "?";
}

/* Checks the netlink and genetlink headers; returns the attribute area. */
static int td_genl_hdr(const void *msg, size_t len, uint16_t family, uint8_t cmd,
		       const uint8_t **attrs, size_t *alen, char *err, size_t errlen)
{
	const struct nlmsghdr *nlh = msg;
	const struct genlmsghdr *g;

	if (len < TD_GENL_HDRLEN)
		return td_nerr(err, errlen, "message of %zu bytes is shorter than its headers", len);
	if (nlh->nlmsg_len < TD_GENL_HDRLEN || nlh->nlmsg_len > len)
		return td_nerr(err, errlen, "netlink length %u does not fit the %zu bytes received",
			       nlh->nlmsg_len, len);
	if (nlh->nlmsg_type != family)
		return td_nerr(err, errlen, "message type %u is not the teearray family %u",
			       nlh->nlmsg_type, family);
	g = (const void *)((const uint8_t *)msg + NLMSG_HDRLEN);
	if (g->cmd != cmd)
		return td_nerr(err, errlen, "command %u where %u was expected", g->cmd, cmd);
	*attrs = (const uint8_t *)msg + TD_GENL_HDRLEN;
	*alen = nlh->nlmsg_len - TD_GENL_HDRLEN;
	return 0;
}

int td_nl_parse_request(const void *msg, size_t len, uint16_t family,
			struct td_nl_request *r, char *err, size_t errlen)
{
	const struct nlattr *tb[TEEARRAY_A_MAX + 1];
	static const uint8_t nil[TD_UUID_LEN];
	const uint8_t *attrs;
	size_t alen;
	uint32_t maxc;
	int need_sector = 0, need_count = 0, need_arg = 0, need_data = 0;

	memset(r, 0, sizeof(*r));
	if (td_genl_hdr(msg, len, family, TEEARRAY_CMD_REQUEST, &attrs, &alen, err, errlen) ||
	    td_parse_attrs(attrs, alen, TEEARRAY_A_MAX, tb, "REQUEST", err, errlen))
		return TD_NL_BAD_NOID;
	if (!tb[TEEARRAY_A_REQ_ID])
		return td_nerr(err, errlen, "REQUEST without REQ_ID"), TD_NL_BAD_NOID;
	if (td_get_u64(tb[TEEARRAY_A_REQ_ID], &r->req_id))
		return td_nerr(err, errlen, "REQUEST: REQ_ID is not a u64"), TD_NL_BAD_NOID;

	/* From here on the request can be failed back to the kernel. */
	for (unsigned int t = 1; t <= TEEARRAY_A_MAX; t++) {
		switch (t) {
		case TEEARRAY_A_CREDITS:
		case TEEARRAY_A_STATUS:
		case TEEARRAY_A_COMPLETION:
		case TEEARRAY_A_MEMBER_SECTORS:
			if (tb[t])
				return td_nerr(err, errlen, "REQUEST %llu: unexpected attribute %s",
					       (unsigned long long)r->req_id, td_attr_name(t)),
					TD_NL_BAD;
			break;
		default:
			break;
		}
	}
	if (tb[TEEARRAY_A_EPOCH]) {
		if (td_get_u64(tb[TEEARRAY_A_EPOCH], &r->epoch))
			return td_nerr(err, errlen, "REQUEST %llu: EPOCH is not a u64",
				       (unsigned long long)r->req_id), TD_NL_BAD;
		r->have_epoch = 1;
	}
	if (td_get_u32(tb[TEEARRAY_A_OP], &r->op))
		return td_nerr(err, errlen, "REQUEST %llu: OP missing or not a u32",
			       (unsigned long long)r->req_id), TD_NL_BAD;
	if (r->op < TEEARRAY_OP_IDENTIFY || r->op >= __TEEARRAY_OP_MAX)
		return td_nerr(err, errlen, "REQUEST %llu: unknown op %u",
			       (unsigned long long)r->req_id, r->op), TD_NL_BAD;
	if (td_get_uuid(tb[TEEARRAY_A_ARRAY_UUID], r->array) ||
	    td_get_uuid(tb[TEEARRAY_A_MEMBER_UUID], r->member))
		return td_nerr(err, errlen, "REQUEST %llu: ARRAY_UUID or MEMBER_UUID missing or "
			       "not 16 bytes", (unsigned long long)r->req_id), TD_NL_BAD;
	if (!memcmp(r->array, nil, 16) || !memcmp(r->member, nil, 16))
		return td_nerr(err, errlen, "REQUEST %llu: nil array or member UUID",
			       (unsigned long long)r->req_id), TD_NL_BAD;
	if (td_get_u32(tb[TEEARRAY_A_SLOT], &r->slot) || r->slot > 255)
		return td_nerr(err, errlen, "REQUEST %llu: SLOT missing, not a u32 or above 255",
			       (unsigned long long)r->req_id), TD_NL_BAD;
	if (td_get_u64(tb[TEEARRAY_A_GENERATION], &r->generation))
		return td_nerr(err, errlen, "REQUEST %llu: GENERATION missing or not a u64",
			       (unsigned long long)r->req_id), TD_NL_BAD;
	if (r->op == TEEARRAY_OP_IDENTIFY) {
		if (tb[TEEARRAY_A_INSTANCE_ID])
			return td_nerr(err, errlen, "REQUEST %llu: IDENTIFY with INSTANCE_ID",
				       (unsigned long long)r->req_id), TD_NL_BAD;
	} else {
		if (td_get_uuid(tb[TEEARRAY_A_INSTANCE_ID], r->instance))
			return td_nerr(err, errlen, "REQUEST %llu: %s without a 16-byte INSTANCE_ID",
				       (unsigned long long)r->req_id, td_nl_op_name(r->op)),
				TD_NL_BAD;
		r->have_instance = 1;
	}
	switch (r->op) {
	case TEEARRAY_OP_READ:
	case TEEARRAY_OP_TRIM:
		need_sector = need_count = 1;
		break;
	case TEEARRAY_OP_WRITE:
	case TEEARRAY_OP_WRITE_SHORT:
		need_sector = need_count = need_data = 1;
		break;
	case TEEARRAY_OP_AUDIT_SIGN:
		need_count = need_data = 1;
		break;
	case TEEARRAY_OP_COPY:
		need_sector = need_count = need_arg = 1;
		break;
	case TEEARRAY_OP_DEATH_WRITE:
		need_arg = need_data = 1;
		break;
	case TEEARRAY_OP_FENCE:
		need_arg = 1;
		break;
	default:
		break;
	}
	/* Needed: present with the exact size.  Otherwise: the right size if present. */
#define TD_ATTR_RULE(need, t, get)							\
	do {										\
		if ((need) && (get))							\
			return td_nerr(err, errlen, "REQUEST %llu: %s needs %s of the right size", \
				       (unsigned long long)r->req_id,			\
				       td_nl_op_name(r->op), td_attr_name(t)), TD_NL_BAD; \
		if (!(need) && tb[t] && (get))						\
			return td_nerr(err, errlen, "REQUEST %llu: %s has a wrong-size %s",	\
				       (unsigned long long)r->req_id,			\
				       td_nl_op_name(r->op), td_attr_name(t)), TD_NL_BAD; \
	} while (0)
	TD_ATTR_RULE(need_sector, TEEARRAY_A_SECTOR, td_get_u64(tb[TEEARRAY_A_SECTOR], &r->sector));
	TD_ATTR_RULE(need_count, TEEARRAY_A_COUNT, td_get_u32(tb[TEEARRAY_A_COUNT], &r->count));
	TD_ATTR_RULE(need_arg, TEEARRAY_A_ARG, td_get_u64(tb[TEEARRAY_A_ARG], &r->arg));
	TD_ATTR_RULE(0, TEEARRAY_A_TIMEOUT_MS,
		     td_get_u32(tb[TEEARRAY_A_TIMEOUT_MS], &r->timeout_ms));
#undef TD_ATTR_RULE
	/* Optional (older kernels send none): the member's deadline. */
	if (tb[TEEARRAY_A_TIMEOUT_MS] &&
	    (r->timeout_ms < TD_NL_TIMEOUT_MIN_MS || r->timeout_ms > TD_NL_TIMEOUT_MAX_MS))
		return td_nerr(err, errlen, "REQUEST %llu: TIMEOUT_MS %u outside %u..%u",
			       (unsigned long long)r->req_id, r->timeout_ms, TD_NL_TIMEOUT_MIN_MS,
			       TD_NL_TIMEOUT_MAX_MS), TD_NL_BAD;
	if (!need_data && tb[TEEARRAY_A_DATA])
		return td_nerr(err, errlen, "REQUEST %llu: %s does not take DATA",
			       (unsigned long long)r->req_id, td_nl_op_name(r->op)), TD_NL_BAD;
	if (need_data && !tb[TEEARRAY_A_DATA])
		return td_nerr(err, errlen, "REQUEST %llu: %s needs DATA",
			       (unsigned long long)r->req_id, td_nl_op_name(r->op)), TD_NL_BAD;
	if (!need_sector)
		r->sector = 0;
	if (!need_arg)
		r->arg = 0;
	if (!need_count)
		r->count = 1;
	maxc = td_nl_max_count(r->op);
	if (need_count && (r->count == 0 || r->count > maxc))
		return td_nerr(err, errlen, "REQUEST %llu: %s COUNT %u outside 1..%u",
			       (unsigned long long)r->req_id, td_nl_op_name(r->op), r->count,
			       maxc), TD_NL_BAD;
	if (need_data) {
		r->data = td_adata(tb[TEEARRAY_A_DATA]);
		r->data_len = (uint32_t)td_alen(tb[TEEARRAY_A_DATA]);
		/* WRITE_SHORT (COUNT 1): a record of 1..4096 bytes, not a whole sector. */
		if (r->op == TEEARRAY_OP_WRITE_SHORT &&
		    (r->data_len == 0 || r->data_len > TEEARRAY_NL_SECTOR_SIZE))
			return td_nerr(err, errlen, "REQUEST %llu: %s DATA of %u bytes, expected "
				       "1..%u", (unsigned long long)r->req_id,
				       td_nl_op_name(r->op), r->data_len, TEEARRAY_NL_SECTOR_SIZE),
				TD_NL_BAD;
		if (r->op != TEEARRAY_OP_WRITE_SHORT &&
		    r->data_len != r->count * TEEARRAY_NL_SECTOR_SIZE)
			return td_nerr(err, errlen, "REQUEST %llu: %s DATA of %u bytes, expected %u",
				       (unsigned long long)r->req_id, td_nl_op_name(r->op),
				       r->data_len, r->count * TEEARRAY_NL_SECTOR_SIZE),
				TD_NL_BAD;
	}
	return TD_NL_OK;
}

int td_nl_parse_complete(const void *msg, size_t len, uint16_t family, uint64_t *epoch,
			 struct td_nl_completion *out, unsigned int max, char *err, size_t errlen)
{
	const struct nlattr *a;
	const uint8_t *attrs;
	size_t alen, off = 0;
	unsigned int n = 0;
	int have_epoch = 0;

	if (td_genl_hdr(msg, len, family, TEEARRAY_CMD_COMPLETE, &attrs, &alen, err, errlen))
		return -1;
	while (off < alen) {
		const struct nlattr *tb[TEEARRAY_A_MAX + 1];
		struct td_nl_completion *c;
		unsigned int type;

		a = (const void *)(attrs + off);
		if (alen - off < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > alen - off)
			return td_nerr(err, errlen, "COMPLETE: attribute out of bounds");
		type = a->nla_type & NLA_TYPE_MASK;
		off += NLA_ALIGN(a->nla_len);
		if (type == TEEARRAY_A_EPOCH) {
			if (have_epoch++ || td_get_u64(a, epoch))
				return td_nerr(err, errlen, "COMPLETE: EPOCH twice or not a u64");
			continue;
		}
		if (type != TEEARRAY_A_COMPLETION || !(a->nla_type & NLA_F_NESTED))
			return td_nerr(err, errlen, "COMPLETE: unexpected attribute %u", type);
		if (n == max)
			return td_nerr(err, errlen, "COMPLETE: more than %u completions", max);
		if (td_parse_attrs(td_adata(a), td_alen(a), TEEARRAY_A_MAX, tb, "COMPLETION", err,
				   errlen))
			return -1;
		c = &out[n++];
		memset(c, 0, sizeof(*c));
		if (td_get_u64(tb[TEEARRAY_A_REQ_ID], &c->req_id) ||
		    td_get_u32(tb[TEEARRAY_A_STATUS], &c->status))
			return td_nerr(err, errlen, "COMPLETION without REQ_ID or STATUS");
		if (tb[TEEARRAY_A_DATA]) {
			c->data = td_adata(tb[TEEARRAY_A_DATA]);
			c->data_len = (uint32_t)td_alen(tb[TEEARRAY_A_DATA]);
		}
		if (tb[TEEARRAY_A_INSTANCE_ID]) {
			if (td_get_uuid(tb[TEEARRAY_A_INSTANCE_ID], c->instance))
				return td_nerr(err, errlen, "COMPLETION: INSTANCE_ID not 16 bytes");
			c->have_instance = 1;
		}
		if (tb[TEEARRAY_A_MEMBER_SECTORS]) {
			if (td_get_u64(tb[TEEARRAY_A_MEMBER_SECTORS], &c->member_sectors))
				return td_nerr(err, errlen, "COMPLETION: MEMBER_SECTORS not a u64");
			c->have_member_sectors = 1;
		}
		if (tb[TEEARRAY_A_GENERATION]) {
			if (td_get_u64(tb[TEEARRAY_A_GENERATION], &c->generation))
				return td_nerr(err, errlen, "COMPLETION: GENERATION not a u64");
			c->have_generation = 1;
		}
	}
	if (!have_epoch)
		return td_nerr(err, errlen, "COMPLETE without EPOCH");
	if (!n)
		return td_nerr(err, errlen, "COMPLETE without COMPLETION");
	return (int)n;
}

static int td_nl_error_msg(const struct nlmsghdr *nlh, size_t len, int *errnum,
			   char *err, size_t errlen)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);

	if (len < NLMSG_HDRLEN + sizeof(*e))
		return td_nerr(err, errlen, "truncated netlink error message");
	*errnum = -e->error;
	return td_nerr(err, errlen, "netlink error %d", e->error);
}

int td_nl_parse_family(const void *msg, size_t len, uint16_t *id, uint32_t *version,
		       int *errnum, char *err, size_t errlen)
{
	const struct nlmsghdr *nlh = msg;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const uint8_t *attrs;
	size_t alen, off = 0;
	uint16_t v16;

	*errnum = 0;
	if (len < NLMSG_HDRLEN || nlh->nlmsg_len > len || nlh->nlmsg_len < NLMSG_HDRLEN)
		return td_nerr(err, errlen, "truncated netlink message");
	if (nlh->nlmsg_type == NLMSG_ERROR)
		return td_nl_error_msg(nlh, nlh->nlmsg_len, errnum, err, errlen);
	if (td_genl_hdr(msg, len, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, &attrs, &alen, err, errlen))
		return -1;
	/* nlctrl sends attributes we do not need (ops, groups): keep only ours. */
	for (unsigned int i = 0; i <= CTRL_ATTR_MAX; i++)
		tb[i] = NULL;
	while (off < alen) {
		const struct nlattr *a = (const void *)(attrs + off);
		unsigned int type;

		if (alen - off < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > alen - off)
			return td_nerr(err, errlen, "nlctrl reply: attribute out of bounds");
		type = a->nla_type & NLA_TYPE_MASK;
		if (type <= CTRL_ATTR_MAX)
			tb[type] = a;
		off += NLA_ALIGN(a->nla_len);
	}
	if (!tb[CTRL_ATTR_FAMILY_ID] || td_alen(tb[CTRL_ATTR_FAMILY_ID]) != 2)
		return td_nerr(err, errlen, "nlctrl reply without a family id");
	memcpy(&v16, td_adata(tb[CTRL_ATTR_FAMILY_ID]), 2);
	*id = v16;
	if (td_get_u32(tb[CTRL_ATTR_VERSION], version))
		return td_nerr(err, errlen, "nlctrl reply without a family version");
	return 0;
}

int td_nl_parse_register_reply(const void *msg, size_t len, uint16_t family, uint64_t *epoch,
			       char *err, size_t errlen)
{
	const struct nlattr *tb[TEEARRAY_A_MAX + 1];
	const uint8_t *attrs;
	size_t alen;

	if (td_genl_hdr(msg, len, family, TEEARRAY_CMD_REGISTER, &attrs, &alen, err, errlen) ||
	    td_parse_attrs(attrs, alen, TEEARRAY_A_MAX, tb, "REGISTER reply", err, errlen))
		return -1;
	if (td_get_u64(tb[TEEARRAY_A_EPOCH], epoch))
		return td_nerr(err, errlen, "REGISTER reply without a u64 EPOCH");
	return 0;
}
