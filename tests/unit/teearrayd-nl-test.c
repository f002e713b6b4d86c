// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of teearrayd's netlink encode/decode (userspace/teearrayd/nl.c):
 * REQUESTs built as the kernel builds them (including 64-bit alignment
 * padding) parse back exactly; every malformed REQUEST is refused with the
 * right class (fail back with ST_INTERNAL, or drop when there is no
 * REQ_ID); READ and WRITE of up to TEEARRAY_NL_MAX_SECTORS, with DATA of
 * exactly COUNT sectors; COMPLETE messages carry what the kernel checks, up
 * to the most DATA a netlink attribute holds (16-bit nla_len); family
 * lookup, REGISTER and KEEPALIVE messages are well formed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "tap.h"
#include "td-nl.h"

#define FAM 0x1234

#define BIG	(TEEARRAY_NL_MAX_SECTORS * TEEARRAY_NL_SECTOR_SIZE)

/* data: also room for a DATA of 16 sectors, one more than an attribute holds */
static uint8_t buf[BIG + 16384], data[BIG + 8192];

/* A journal record's size: the DATA of a WRITE_SHORT here. */
#define SHORT_LEN	300u

static void fill_req(struct td_nl_request *r, uint32_t op)
{
	memset(r, 0, sizeof(*r));
	r->req_id = 0x0102030405060708ull;
	memset(r->array, 0xaa, 16);
	memset(r->member, 0xbb, 16);
	r->slot = 5;
	r->op = op;
	r->generation = 77;
	if (op != TEEARRAY_OP_IDENTIFY) {
		r->have_instance = 1;
		memset(r->instance, 0xcc, 16);
	}
	r->sector = 1000;
	r->count = 1;
	r->arg = 2000;
	r->timeout_ms = 3000;
	if (op == TEEARRAY_OP_COPY || op == TEEARRAY_OP_TRIM)
		r->count = 256;
	if (op == TEEARRAY_OP_WRITE || op == TEEARRAY_OP_DEATH_WRITE ||
	    op == TEEARRAY_OP_AUDIT_SIGN) {
		r->data = data;
		r->data_len = 4096;
	}
	if (op == TEEARRAY_OP_WRITE_SHORT) {
		r->data = data;
		r->data_len = SHORT_LEN;
	}
}

static int same_req(const struct td_nl_request *a, const struct td_nl_request *b)
{
	int s = a->req_id == b->req_id && !memcmp(a->array, b->array, 16) &&
		!memcmp(a->member, b->member, 16) && a->slot == b->slot && a->op == b->op &&
		a->generation == b->generation && a->have_instance == b->have_instance &&
		a->timeout_ms == b->timeout_ms &&
		(!a->have_instance || !memcmp(a->instance, b->instance, 16));

	switch (a->op) {
	case TEEARRAY_OP_READ:
	case TEEARRAY_OP_TRIM:
		s = s && a->sector == b->sector && a->count == b->count;
		break;
	case TEEARRAY_OP_WRITE:
		s = s && a->sector == b->sector && a->count == b->count &&
		    b->data_len == 4096 && !memcmp(b->data, data, 4096);
		break;
	case TEEARRAY_OP_COPY:
		s = s && a->sector == b->sector && a->count == b->count && a->arg == b->arg;
		break;
	case TEEARRAY_OP_DEATH_WRITE:
		s = s && a->arg == b->arg && b->data_len == 4096 && !memcmp(b->data, data, 4096);
		break;
	case TEEARRAY_OP_FENCE:
		s = s && a->arg == b->arg;
		break;
	case TEEARRAY_OP_AUDIT_SIGN:
		s = s && a->count == b->count && b->data_len == 4096 &&
		    !memcmp(b->data, data, 4096);
		break;
	case TEEARRAY_OP_WRITE_SHORT:
		s = s && a->sector == b->sector && b->count == 1 && b->arg == 0 &&
		    b->data_len == a->data_len && !memcmp(b->data, a->data, a->data_len);
		break;
	default:
		break;
	}
	return s;
}

static void test_roundtrip(void)
{
	for (uint32_t op = TEEARRAY_OP_IDENTIFY; op < __TEEARRAY_OP_MAX; op++) {
		struct td_nl_request r, p;
		char err[256];
		size_t len;

		tap_begin();
		fill_req(&r, op);
		len = td_nl_build_request(buf, sizeof(buf), FAM, 9, &r);
		CHECK(len > 0);
		CHECK(td_nl_parse_request(buf, len, FAM, &p, err, sizeof(err)) == TD_NL_OK);
		CHECK(same_req(&r, &p));
		tap_end("nl: %s request round trip", td_nl_op_name(op));
	}
}

/* ---- a hand-made REQUEST in kernel style (nla_put_u64_64bit with PAD) ---- */

struct kb {
	uint8_t *p;
	size_t len;
};

static void kb_begin(struct kb *k, uint16_t type, uint8_t cmd)
{
	struct nlmsghdr *nlh = (void *)buf;
	struct genlmsghdr *g = (void *)(buf + NLMSG_HDRLEN);

	memset(buf, 0, sizeof(buf));
	k->p = buf;
	k->len = NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_type = type;
	g->cmd = cmd;
	g->version = 1;
}

static void kb_put(struct kb *k, uint16_t type, const void *v, size_t n)
{
	struct nlattr *a = (void *)(k->p + k->len);

	a->nla_len = (uint16_t)(NLA_HDRLEN + n);
	a->nla_type = type;
	memcpy(k->p + k->len + NLA_HDRLEN, v, n);
	k->len += NLA_ALIGN(NLA_HDRLEN + n);
}

/* Like the kernel: pad so the u64 payload is 8-byte aligned. */
static void kb_u64(struct kb *k, uint16_t type, uint64_t v)
{
	if ((k->len + NLA_HDRLEN) % 8)
		kb_put(k, TEEARRAY_A_PAD, "", 0);
	kb_put(k, type, &v, 8);
}

static void kb_u32(struct kb *k, uint16_t type, uint32_t v)
{
	kb_put(k, type, &v, 4);
}

static size_t kb_end(struct kb *k)
{
	((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)k->len;
	return k->len;
}

static uint32_t kw_count = 1;	/* COUNT of kernel_write() */

/* A full kernel-style WRITE request; skip: attribute type to leave out. */
static size_t kernel_write(unsigned int skip, uint32_t op, size_t data_len)
{
	uint8_t a[16], m[16], inst[16];
	struct kb k;

	memset(a, 0xaa, 16);
	memset(m, 0xbb, 16);
	memset(inst, 0xcc, 16);
	kb_begin(&k, FAM, TEEARRAY_CMD_REQUEST);
	if (skip != TEEARRAY_A_EPOCH)
		kb_u64(&k, TEEARRAY_A_EPOCH, 17);
	if (skip != TEEARRAY_A_REQ_ID)
		kb_u64(&k, TEEARRAY_A_REQ_ID, 42);
	if (skip != TEEARRAY_A_ARRAY_UUID)
		kb_put(&k, TEEARRAY_A_ARRAY_UUID, a, 16);
	if (skip != TEEARRAY_A_MEMBER_UUID)
		kb_put(&k, TEEARRAY_A_MEMBER_UUID, m, 16);
	if (skip != TEEARRAY_A_SLOT)
		kb_u32(&k, TEEARRAY_A_SLOT, 3);
	if (skip != TEEARRAY_A_OP)
		kb_u32(&k, TEEARRAY_A_OP, op);
	if (skip != TEEARRAY_A_GENERATION)
		kb_u64(&k, TEEARRAY_A_GENERATION, 5);
	if (skip != TEEARRAY_A_INSTANCE_ID)
		kb_put(&k, TEEARRAY_A_INSTANCE_ID, inst, 16);
	if (skip != TEEARRAY_A_SECTOR)
		kb_u64(&k, TEEARRAY_A_SECTOR, 12345);
	if (skip != TEEARRAY_A_COUNT)
		kb_u32(&k, TEEARRAY_A_COUNT, kw_count);
	if (skip != TEEARRAY_A_ARG)
		kb_u64(&k, TEEARRAY_A_ARG, 0);
	if (skip != TEEARRAY_A_DATA)
		kb_put(&k, TEEARRAY_A_DATA, data, data_len);
	return kb_end(&k);
}

/*
 * Exactly what kernel/teearray-transport.c tp_build() sends: every scalar
 * always, INSTANCE_ID for all but IDENTIFY, COUNT 0 for IDENTIFY and FENCE,
 * DATA for WRITE, DEATH_WRITE and AUDIT_SIGN only (a sector), and for
 * WRITE_SHORT (its record, SHORT_LEN bytes here).
 */
static size_t kernel_op(uint32_t op)
{
	uint8_t a[16], m[16], inst[16];
	struct kb k;

	memset(a, 0xaa, 16);
	memset(m, 0xbb, 16);
	memset(inst, 0xcc, 16);
	kb_begin(&k, FAM, TEEARRAY_CMD_REQUEST);
	kb_u64(&k, TEEARRAY_A_EPOCH, 17);
	kb_u64(&k, TEEARRAY_A_REQ_ID, 42);
	kb_put(&k, TEEARRAY_A_ARRAY_UUID, a, 16);
	kb_put(&k, TEEARRAY_A_MEMBER_UUID, m, 16);
	kb_u32(&k, TEEARRAY_A_SLOT, 3);
	kb_u32(&k, TEEARRAY_A_OP, op);
	kb_u64(&k, TEEARRAY_A_GENERATION, 5);
	if (op != TEEARRAY_OP_IDENTIFY)
		kb_put(&k, TEEARRAY_A_INSTANCE_ID, inst, 16);
	kb_u64(&k, TEEARRAY_A_SECTOR, op == TEEARRAY_OP_READ || op == TEEARRAY_OP_WRITE ||
	       op == TEEARRAY_OP_COPY || op == TEEARRAY_OP_TRIM ||
	       op == TEEARRAY_OP_WRITE_SHORT ? 12345 : 0);
	kb_u32(&k, TEEARRAY_A_COUNT, op == TEEARRAY_OP_IDENTIFY || op == TEEARRAY_OP_FENCE ? 0 : 1);
	kb_u64(&k, TEEARRAY_A_ARG, op == TEEARRAY_OP_COPY || op == TEEARRAY_OP_FENCE ||
	       op == TEEARRAY_OP_DEATH_WRITE ? 99 : 0);
	kb_u32(&k, TEEARRAY_A_TIMEOUT_MS, 1500);
	if (op == TEEARRAY_OP_WRITE || op == TEEARRAY_OP_DEATH_WRITE ||
	    op == TEEARRAY_OP_AUDIT_SIGN)
		kb_put(&k, TEEARRAY_A_DATA, data, 4096);
	if (op == TEEARRAY_OP_WRITE_SHORT)
		kb_put(&k, TEEARRAY_A_DATA, data, SHORT_LEN);
	return kb_end(&k);
}

static void test_kernel_style(void)
{
	struct td_nl_request p;
	char err[256];
	size_t len;

	tap_begin();
	len = kernel_write(0, TEEARRAY_OP_WRITE, 4096);
	CHECK(td_nl_parse_request(buf, len, FAM, &p, err, sizeof(err)) == TD_NL_OK);
	CHECK(p.req_id == 42 && p.slot == 3 && p.generation == 5 && p.sector == 12345 &&
	      p.count == 1 && p.data_len == 4096 && !memcmp(p.data, data, 4096));
	/* The same message in a larger receive buffer: nlmsg_len rules. */
	CHECK(td_nl_parse_request(buf, len + 100, FAM, &p, err, sizeof(err)) == TD_NL_OK);
	CHECK(p.have_epoch && p.epoch == 17);
	tap_end("nl: kernel-style REQUEST with 64-bit padding attributes parses, EPOCH included");

	for (uint32_t op = TEEARRAY_OP_IDENTIFY; op < __TEEARRAY_OP_MAX; op++) {
		int ret;

		tap_begin();
		len = kernel_op(op);
		ret = td_nl_parse_request(buf, len, FAM, &p, err, sizeof(err));
		CHECK(ret == TD_NL_OK);
		if (ret != TD_NL_OK)
			printf("#   %s\n", err);
		CHECK(p.op == op && p.req_id == 42 && p.epoch == 17 && p.generation == 5);
		CHECK(p.timeout_ms == 1500);
		CHECK(p.have_instance == (op != TEEARRAY_OP_IDENTIFY));
		CHECK(p.count == 1);
		switch (op) {
		case TEEARRAY_OP_READ:
		case TEEARRAY_OP_TRIM:
			CHECK(p.sector == 12345 && p.arg == 0);
			break;
		case TEEARRAY_OP_WRITE:
			CHECK(p.sector == 12345 && p.data_len == 4096);
			break;
		case TEEARRAY_OP_COPY:
			CHECK(p.sector == 12345 && p.arg == 99);
			break;
		case TEEARRAY_OP_FENCE:
			CHECK(p.arg == 99 && !p.data);
			break;
		case TEEARRAY_OP_DEATH_WRITE:
			CHECK(p.arg == 99 && p.data_len == 4096);
			break;
		case TEEARRAY_OP_AUDIT_SIGN:
			CHECK(p.sector == 0 && p.arg == 0 && p.data_len == 4096);
			break;
		case TEEARRAY_OP_WRITE_SHORT:
			CHECK(p.sector == 12345 && p.arg == 0 && p.data_len == SHORT_LEN &&
			      !memcmp(p.data, data, SHORT_LEN));
			break;
		default:
			CHECK(!p.data);
			break;
		}
		tap_end("nl: %s exactly as the kernel's tp_build() sends it parses",
			td_nl_op_name(op));
	}
}

/* expect class and a word of the message */
static void expect(size_t len, int want, const char *word, const char *name)
{
	struct td_nl_request p;
	char err[256] = "";
	int ret;

	tap_begin();
	ret = td_nl_parse_request(buf, len, FAM, &p, err, sizeof(err));
	CHECK(ret == want);
	CHECK(strstr(err, word) != NULL);
	if (ret != want || !strstr(err, word))
		printf("#   got %d: %s\n", ret, err);
	if (want == TD_NL_BAD)
		CHECK(p.req_id == 42);
	tap_end("nl: malformed REQUEST: %s", name);
}

static void test_malformed(void)
{
	struct nlattr *a;
	size_t len;

	expect(kernel_write(TEEARRAY_A_REQ_ID, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD_NOID,
	       "without REQ_ID", "no REQ_ID (dropped)");
	expect(kernel_write(TEEARRAY_A_OP, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD, "OP missing",
	       "no OP");
	expect(kernel_write(TEEARRAY_A_ARRAY_UUID, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD,
	       "ARRAY_UUID", "no ARRAY_UUID");
	expect(kernel_write(TEEARRAY_A_MEMBER_UUID, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD,
	       "MEMBER_UUID", "no MEMBER_UUID");
	expect(kernel_write(TEEARRAY_A_SLOT, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD, "SLOT",
	       "no SLOT");
	expect(kernel_write(TEEARRAY_A_GENERATION, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD,
	       "GENERATION", "no GENERATION");
	expect(kernel_write(TEEARRAY_A_INSTANCE_ID, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD,
	       "INSTANCE_ID", "WRITE without INSTANCE_ID");
	expect(kernel_write(0, TEEARRAY_OP_IDENTIFY, 4096), TD_NL_BAD, "IDENTIFY with INSTANCE_ID",
	       "IDENTIFY with INSTANCE_ID");
	expect(kernel_write(TEEARRAY_A_SECTOR, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD, "SECTOR",
	       "WRITE without SECTOR");
	expect(kernel_write(TEEARRAY_A_COUNT, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD, "COUNT",
	       "WRITE without COUNT");
	expect(kernel_write(TEEARRAY_A_DATA, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD, "DATA",
	       "WRITE without DATA");
	expect(kernel_write(0, TEEARRAY_OP_WRITE, 4095), TD_NL_BAD, "DATA of 4095 bytes",
	       "WRITE with short DATA");
	expect(kernel_write(0, TEEARRAY_OP_READ, 4096), TD_NL_BAD, "does not take DATA",
	       "READ with DATA");
	expect(kernel_write(TEEARRAY_A_DATA, 0, 0), TD_NL_BAD, "unknown op 0", "op 0");
	expect(kernel_write(TEEARRAY_A_DATA, __TEEARRAY_OP_MAX, 0), TD_NL_BAD, "unknown op",
	       "op past the last");

	/* Field-level corruptions of a valid WRITE. */
	len = kernel_write(0, TEEARRAY_OP_WRITE, 4096);
	a = (struct nlattr *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
	while (a->nla_type != TEEARRAY_A_COUNT)
		a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
	*(uint32_t *)((uint8_t *)a + NLA_HDRLEN) = 2;
	expect(len, TD_NL_BAD, "WRITE DATA of 4096 bytes, expected 8192",
	       "WRITE of 2 sectors with one sector of DATA");
	*(uint32_t *)((uint8_t *)a + NLA_HDRLEN) = 0;
	expect(len, TD_NL_BAD, "COUNT 0", "COUNT zero");
	a->nla_type = TEEARRAY_A_CREDITS;
	expect(len, TD_NL_BAD, "unexpected attribute CREDITS", "REQUEST carrying CREDITS");
	a->nla_type = TEEARRAY_A_STATUS;
	expect(len, TD_NL_BAD, "unexpected attribute STATUS", "REQUEST carrying STATUS");
	a->nla_type = 99;
	expect(len, TD_NL_BAD_NOID, "unknown attribute type 99", "unknown attribute type");
	a->nla_type = TEEARRAY_A_SLOT;
	expect(len, TD_NL_BAD_NOID, "given twice", "attribute given twice");
	a->nla_type = TEEARRAY_A_COUNT;
	a->nla_len = 3;
	expect(len, TD_NL_BAD_NOID, "out of bounds", "attribute shorter than its header");
	a->nla_len = 0xfff0;
	expect(len, TD_NL_BAD_NOID, "out of bounds", "attribute longer than the message");
	a->nla_len = NLA_HDRLEN + 4;

	len = kernel_write(0, TEEARRAY_OP_WRITE, 4096);
	expect(len - 1, TD_NL_BAD_NOID, "does not fit", "message shorter than nlmsg_len");
	expect(10, TD_NL_BAD_NOID, "shorter than its headers", "message shorter than the headers");
	((struct nlmsghdr *)buf)->nlmsg_type = FAM + 1;
	expect(len, TD_NL_BAD_NOID, "not the teearray family", "another family");
	((struct nlmsghdr *)buf)->nlmsg_type = FAM;
	((struct genlmsghdr *)(buf + NLMSG_HDRLEN))->cmd = TEEARRAY_CMD_COMPLETE;
	expect(len, TD_NL_BAD_NOID, "command 4", "another command");
	((struct genlmsghdr *)(buf + NLMSG_HDRLEN))->cmd = TEEARRAY_CMD_REQUEST;

	{
		struct td_nl_request r;

		fill_req(&r, TEEARRAY_OP_READ);
		r.req_id = 42;
		r.slot = 256;
		len = td_nl_build_request(buf, sizeof(buf), FAM, 1, &r);
		expect(len, TD_NL_BAD, "SLOT", "slot 256");
		r.slot = 1;
		memset(r.member, 0, 16);
		len = td_nl_build_request(buf, sizeof(buf), FAM, 1, &r);
		expect(len, TD_NL_BAD, "nil", "nil member UUID");
		fill_req(&r, TEEARRAY_OP_FENCE);
		r.req_id = 42;
		len = td_nl_build_request(buf, sizeof(buf), FAM, 1, &r);
		a = (struct nlattr *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
		while (a->nla_type != TEEARRAY_A_ARG)
			a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
		a->nla_type = TEEARRAY_A_PAD;
		expect(len, TD_NL_BAD, "FENCE needs ARG", "FENCE without ARG");
		/* An unused attribute must still have its size. */
		len = kernel_op(TEEARRAY_OP_DEATH_READ);
		a = (struct nlattr *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
		while (a->nla_type != TEEARRAY_A_COUNT)
			a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
		a->nla_len = NLA_HDRLEN + 2;
		expect(len, TD_NL_BAD, "DEATH_READ has a wrong-size COUNT", "unused COUNT of 2 bytes");
		len = kernel_op(TEEARRAY_OP_READ);
		a = (struct nlattr *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
		CHECK((a->nla_type & NLA_TYPE_MASK) == TEEARRAY_A_EPOCH);
		a->nla_len = NLA_HDRLEN + 4;
		memmove((uint8_t *)a + NLA_HDRLEN + 4, (uint8_t *)a + NLA_HDRLEN + 8,
			len - (size_t)((uint8_t *)a + NLA_HDRLEN + 8 - buf));
		((struct nlmsghdr *)buf)->nlmsg_len -= 4;
		expect(len - 4, TD_NL_BAD, "EPOCH is not a u64", "EPOCH of 4 bytes");
		fill_req(&r, TEEARRAY_OP_TRIM);
		r.req_id = 42;
		r.count = 257;
		len = td_nl_build_request(buf, sizeof(buf), FAM, 1, &r);
		expect(len, TD_NL_BAD, "COUNT 257 outside 1..256", "TRIM of 257 sectors");
		/* The deadline the kernel asks for: within the table's range. */
		fill_req(&r, TEEARRAY_OP_READ);
		r.req_id = 42;
		r.timeout_ms = 99;
		len = td_nl_build_request(buf, sizeof(buf), FAM, 1, &r);
		expect(len, TD_NL_BAD, "TIMEOUT_MS 99 outside 100..600000", "timeout of 99 ms");
		r.timeout_ms = 600001;
		len = td_nl_build_request(buf, sizeof(buf), FAM, 1, &r);
		expect(len, TD_NL_BAD, "TIMEOUT_MS 600001", "timeout of 600001 ms");
		r.timeout_ms = 2500;
		len = td_nl_build_request(buf, sizeof(buf), FAM, 1, &r);
		a = (struct nlattr *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
		while (a->nla_type != TEEARRAY_A_TIMEOUT_MS)
			a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
		a->nla_len = NLA_HDRLEN + 2;
		expect(len, TD_NL_BAD, "wrong-size TIMEOUT_MS", "TIMEOUT_MS of 2 bytes");
	}
}

/* Every truncation and every single-byte change: no crash, no misparse. */
static void test_mutations(void)
{
	struct td_nl_request r, p;
	uint8_t orig[8192];
	char err[256];
	size_t len;
	unsigned int ok_trunc = 0, accepted_mut = 0;

	tap_begin();
	fill_req(&r, TEEARRAY_OP_COPY);
	len = td_nl_build_request(orig, sizeof(orig), FAM, 1, &r);
	for (size_t l = 0; l < len; l++) {
		memcpy(buf, orig, len);
		((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)l;
		if (td_nl_parse_request(buf, l, FAM, &p, err, sizeof(err)) == TD_NL_OK)
			ok_trunc++;
	}
	CHECK(ok_trunc == 0);
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			memcpy(buf, orig, len);
			buf[i] ^= (uint8_t)(1u << bit);
			if (td_nl_parse_request(buf, len, FAM, &p, err, sizeof(err)) == TD_NL_OK &&
			    !same_req(&r, &p))
				accepted_mut++;
		}
	}
	/* Flips inside values legitimately change them; only count structure. */
	CHECK(accepted_mut > 0);
	tap_end("nl: every truncation of a COPY request is refused; every bit flip parses safely");
}

static void test_complete(void)
{
	struct td_nl_builder b;
	struct td_nl_completion c[4], out[8];
	uint64_t epoch = 0;
	char err[256];
	size_t len, before;
	int n;

	tap_begin();
	memset(c, 0, sizeof(c));
	c[0].req_id = 1;
	c[0].status = TEEARRAY_ST_OK;
	c[0].data = data;
	c[0].data_len = 4096;
	c[1].req_id = 2;
	c[1].status = TEEARRAY_ST_OK;
	c[1].have_instance = c[1].have_member_sectors = c[1].have_generation = 1;
	memset(c[1].instance, 0x5a, 16);
	c[1].member_sectors = 1 << 20;
	c[1].generation = 9;
	c[2].req_id = 3;
	c[2].status = TEEARRAY_ST_RESTARTED;
	CHECK(td_nl_complete_begin(&b, buf, sizeof(buf), FAM, 7, 0xfeedull) == 0);
	for (int i = 0; i < 3; i++) {
		before = b.len;
		CHECK(td_nl_complete_add(&b, &c[i]) == 0);
		CHECK(b.len - before == td_nl_completion_size(&c[i]));
	}
	len = td_nl_complete_end(&b);
	CHECK(((struct nlmsghdr *)buf)->nlmsg_len == len);
	CHECK(((struct nlmsghdr *)buf)->nlmsg_type == FAM);
	CHECK(((struct nlmsghdr *)buf)->nlmsg_flags & NLM_F_REQUEST);
	CHECK(((struct genlmsghdr *)(buf + NLMSG_HDRLEN))->cmd == TEEARRAY_CMD_COMPLETE);
	CHECK(((struct genlmsghdr *)(buf + NLMSG_HDRLEN))->version == TEEARRAY_GENL_VERSION);
	n = td_nl_parse_complete(buf, len, FAM, &epoch, out, 8, err, sizeof(err));
	CHECK(n == 3);
	CHECK(epoch == 0xfeed);
	CHECK(n == 3 && out[0].req_id == 1 && out[0].status == 0 && out[0].data_len == 4096 &&
	      !memcmp(out[0].data, data, 4096) && !out[0].have_instance);
	CHECK(n == 3 && out[1].req_id == 2 && out[1].have_instance && out[1].instance[7] == 0x5a &&
	      out[1].have_member_sectors && out[1].member_sectors == 1 << 20 &&
	      out[1].have_generation && out[1].generation == 9 && !out[1].data);
	CHECK(n == 3 && out[2].req_id == 3 && out[2].status == TEEARRAY_ST_RESTARTED &&
	      !out[2].data && !out[2].have_instance && !out[2].have_generation);
	tap_end("nl: COMPLETE with data, identity and error completions parses back");

	tap_begin();
	/* Nested attributes carry NLA_F_NESTED (strict kernel validation needs it). */
	{
		struct nlattr *a = (void *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
		int nested = 0;

		while ((uint8_t *)a < buf + len) {
			if ((a->nla_type & NLA_TYPE_MASK) == TEEARRAY_A_COMPLETION)
				nested += !!(a->nla_type & NLA_F_NESTED);
			a = (void *)((uint8_t *)a + NLA_ALIGN(a->nla_len));
		}
		CHECK(nested == 3);
	}
	/* A full message refuses more and stays valid. */
	/* headers 32, a 4096-byte completion 4124, an error completion 24 */
	CHECK(td_nl_complete_begin(&b, buf, 32 + 2 * 4124 + 24, FAM, 8, 1) == 0);
	n = 0;
	while (td_nl_complete_add(&b, &c[0]) == 0)
		n++;
	CHECK(n == 2);
	before = b.len;
	CHECK(td_nl_complete_add(&b, &c[2]) == 0);
	CHECK(td_nl_complete_add(&b, &c[0]) == -1 && b.count == 3);
	len = td_nl_complete_end(&b);
	CHECK(td_nl_parse_complete(buf, len, FAM, &epoch, out, 8, err, sizeof(err)) == 3);
	CHECK(before < len && len == 32 + 2 * 4124 + 24);
	tap_end("nl: COMPLETE builder: NLA_F_NESTED set, full message refuses more and stays valid");
}

/* Out of line: GCC's object-size tracking misjudges the parsed pointers here. */
static int __attribute__((noinline)) same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
	return !memcmp(a, b, n);
}

/* READ and WRITE of several sectors; the 64 KiB bound of one attribute. */
static void test_multi_sector(void)
{
	enum { MAX = TEEARRAY_NL_MAX_SECTORS };
	struct td_nl_request r, p;
	char err[256], word[80];
	size_t len;
	int ret;

	tap_begin();
	fill_req(&r, TEEARRAY_OP_READ);
	r.count = MAX;
	len = td_nl_build_request(buf, sizeof(buf), FAM, 3, &r);
	CHECK(len > 0);
	ret = td_nl_parse_request(buf, len, FAM, &p, err, sizeof(err));
	CHECK(ret == TD_NL_OK);
	if (ret != TD_NL_OK)
		printf("#   %s\n", err);
	CHECK(same_req(&r, &p) && p.count == MAX && !p.data);
	tap_end("nl: a READ of %u sectors (TEEARRAY_NL_MAX_SECTORS) parses", MAX);

	fill_req(&r, TEEARRAY_OP_READ);
	r.req_id = 42;
	r.count = MAX + 1;
	len = td_nl_build_request(buf, sizeof(buf), FAM, 3, &r);
	snprintf(word, sizeof(word), "READ COUNT %u outside 1..%u", MAX + 1, MAX);
	expect(len, TD_NL_BAD, word, "READ of TEEARRAY_NL_MAX_SECTORS + 1");

	tap_begin();
	kw_count = 3;
	len = kernel_write(0, TEEARRAY_OP_WRITE, 3 * 4096);
	CHECK(td_nl_parse_request(buf, len, FAM, &p, err, sizeof(err)) == TD_NL_OK);
	CHECK(p.count == 3 && p.data_len == 3 * 4096 && !memcmp(p.data, data, 3 * 4096));
	kw_count = MAX;
	len = kernel_write(0, TEEARRAY_OP_WRITE, MAX * 4096);
	ret = td_nl_parse_request(buf, len, FAM, &p, err, sizeof(err));
	CHECK(ret == TD_NL_OK);
	if (ret != TD_NL_OK)
		printf("#   %s\n", err);
	CHECK(p.count == MAX && p.data_len == MAX * 4096 && !memcmp(p.data, data, p.data_len));
	kw_count = 1;
	tap_end("nl: kernel-style WRITEs of 3 and %u sectors parse with their DATA", MAX);

	kw_count = 3;
	expect(kernel_write(0, TEEARRAY_OP_WRITE, 2 * 4096), TD_NL_BAD,
	       "WRITE DATA of 8192 bytes, expected 12288", "WRITE of 3 sectors with 2 of DATA");
	expect(kernel_write(0, TEEARRAY_OP_WRITE, 4 * 4096), TD_NL_BAD,
	       "WRITE DATA of 16384 bytes, expected 12288", "WRITE of 3 sectors with 4 of DATA");
	kw_count = MAX + 1;
	snprintf(word, sizeof(word), "WRITE COUNT %u outside 1..%u", MAX + 1, MAX);
	expect(kernel_write(0, TEEARRAY_OP_WRITE, 4096), TD_NL_BAD, word,
	       "WRITE of TEEARRAY_NL_MAX_SECTORS + 1");
	kw_count = 1;

	tap_begin();
	/*
	 * nla_len is 16 bits: 16 sectors of DATA do not fit one attribute.
	 * Our builder refuses; a sender that wraps nla_len produces a message
	 * the parser refuses, never a misparse.
	 */
	fill_req(&r, TEEARRAY_OP_WRITE);
	r.count = 16;
	r.data_len = 16 * 4096;
	CHECK(td_nl_build_request(buf, sizeof(buf), FAM, 3, &r) == 0);
	kw_count = 16;
	len = kernel_write(0, TEEARRAY_OP_WRITE, 16 * 4096);
	CHECK(td_nl_parse_request(buf, len, FAM, &p, err, sizeof(err)) != TD_NL_OK);
	kw_count = 1;
	tap_end("nl: a WRITE whose DATA exceeds one attribute is not built, and a wrapped one is "
		"refused");

	fill_req(&r, TEEARRAY_OP_AUDIT_SIGN);
	r.req_id = 42;
	r.count = 2;
	r.data_len = 8192;
	len = td_nl_build_request(buf, sizeof(buf), FAM, 3, &r);
	expect(len, TD_NL_BAD, "AUDIT_SIGN COUNT 2 outside 1..1", "AUDIT_SIGN of 2 sectors");

	tap_begin();
	{
		/* What the daemon sends: one message of TD_MSG_MAX bytes (main.c). */
		static uint8_t msgbuf[BIG + 4096];
		struct td_nl_builder b;
		struct td_nl_completion c[3], out[4];
		uint64_t epoch = 0;
		size_t before;
		unsigned int cnt;
		int n;

		memset(c, 0, sizeof(c));
		c[0].req_id = 10;
		c[0].data = data;
		c[0].data_len = BIG;
		c[1].req_id = 11;
		c[1].data = data + 4096;
		c[1].data_len = 4096;
		c[2].req_id = 12;
		c[2].status = TEEARRAY_ST_TIMEOUT;
		CHECK(td_nl_complete_begin(&b, msgbuf, sizeof(msgbuf), FAM, 1, 5) == 0);
		CHECK(td_nl_complete_add(&b, &c[0]) == 0);
		/* The biggest leaves room for small ones only (a 4 KiB one does not fit). */
		CHECK(td_nl_complete_add(&b, &c[1]) == -1);
		CHECK(td_nl_complete_add(&b, &c[2]) == 0);
		len = td_nl_complete_end(&b);
		CHECK(len <= sizeof(msgbuf));
		n = td_nl_parse_complete(msgbuf, len, FAM, &epoch, out, 4, err, sizeof(err));
		CHECK(n == 2 && epoch == 5);
		CHECK(n == 2 && out[0].req_id == 10 && out[0].status == 0 &&
		      out[0].data_len == BIG && same_bytes(out[0].data, data, BIG));
		CHECK(n == 2 && out[1].req_id == 12 && out[1].status == TEEARRAY_ST_TIMEOUT &&
		      !out[1].data);
		/* Beyond one attribute: refused, the message unchanged and still valid. */
		c[1].data_len = TD_NL_COMPLETION_DATA_MAX + 1;
		CHECK(td_nl_complete_begin(&b, msgbuf, sizeof(msgbuf), FAM, 2, 5) == 0);
		CHECK(td_nl_complete_add(&b, &c[2]) == 0);
		before = b.len;
		cnt = b.count;
		CHECK(td_nl_complete_add(&b, &c[1]) == -1 && b.len == before && b.count == cnt);
		len = td_nl_complete_end(&b);
		CHECK(td_nl_parse_complete(msgbuf, len, FAM, &epoch, out, 4, err, sizeof(err)) == 1);
	}
	tap_end("nl: a completion of %u sectors builds into one COMPLETE and parses back "
		"byte-identical; DATA beyond one attribute is refused", MAX);
}

/* WRITE_SHORT: COUNT 1 and DATA of 1..4096 bytes, taken exactly as sent. */
static void test_write_short(void)
{
	static const uint32_t lens[] = { 1, 100, SHORT_LEN, 4095, 4096 };
	struct td_nl_request p;
	char err[256];
	size_t len;
	int ok = 1;

	tap_begin();
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		const uint8_t *attr;
		int ret;

		len = kernel_write(0, TEEARRAY_OP_WRITE_SHORT, lens[i]);
		ret = td_nl_parse_request(buf, len, FAM, &p, err, sizeof(err));
		if (ret != TD_NL_OK)
			printf("#   %u bytes: %s\n", lens[i], err);
		/* DATA is the last attribute kernel_write() puts: it ends the message. */
		attr = buf + len - NLA_ALIGN(NLA_HDRLEN + lens[i]);
		ok &= ret == TD_NL_OK && p.op == TEEARRAY_OP_WRITE_SHORT && p.count == 1 &&
		      p.sector == 12345 && p.arg == 0 && p.data_len == lens[i] &&
		      p.data == attr + NLA_HDRLEN && !memcmp(p.data, data, lens[i]) &&
		      !strcmp(td_nl_op_name(p.op), "WRITE_SHORT");
	}
	CHECK(ok);
	CHECK(td_nl_max_count(TEEARRAY_OP_WRITE_SHORT) == 1);
	tap_end("nl: WRITE_SHORT with DATA of 1, 100, %u, 4095 and 4096 bytes parses, DATA "
		"pointing at the attribute with its own length", SHORT_LEN);

	expect(kernel_write(0, TEEARRAY_OP_WRITE_SHORT, 0), TD_NL_BAD,
	       "WRITE_SHORT DATA of 0 bytes, expected 1..4096", "WRITE_SHORT with empty DATA");
	expect(kernel_write(0, TEEARRAY_OP_WRITE_SHORT, 4097), TD_NL_BAD,
	       "WRITE_SHORT DATA of 4097 bytes, expected 1..4096", "WRITE_SHORT with 4097 bytes");
	kw_count = 2;
	expect(kernel_write(0, TEEARRAY_OP_WRITE_SHORT, 100), TD_NL_BAD,
	       "WRITE_SHORT COUNT 2 outside 1..1", "WRITE_SHORT of COUNT 2");
	kw_count = 1;
	expect(kernel_write(TEEARRAY_A_DATA, TEEARRAY_OP_WRITE_SHORT, 0), TD_NL_BAD,
	       "WRITE_SHORT needs DATA", "WRITE_SHORT without DATA");
	expect(kernel_write(TEEARRAY_A_SECTOR, TEEARRAY_OP_WRITE_SHORT, 100), TD_NL_BAD,
	       "WRITE_SHORT needs SECTOR", "WRITE_SHORT without SECTOR");
}

static void test_control(void)
{
	struct kb k;
	uint16_t id = 0, fid = 0x33;
	uint32_t ver = 0, one = 1;
	uint64_t epoch = 0;
	int errnum;
	char err[256];
	size_t len;
	struct nlattr *a;

	tap_begin();
	len = td_nl_build_getfamily(buf, sizeof(buf), 5);
	CHECK(len > 0 && ((struct nlmsghdr *)buf)->nlmsg_type == GENL_ID_CTRL);
	CHECK(((struct genlmsghdr *)(buf + NLMSG_HDRLEN))->cmd == CTRL_CMD_GETFAMILY);
	a = (void *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
	CHECK(a->nla_type == CTRL_ATTR_FAMILY_NAME && a->nla_len == NLA_HDRLEN + 9 &&
	      !strcmp((char *)a + NLA_HDRLEN, "teearray"));
	tap_end("nl: GETFAMILY asks nlctrl for \"teearray\"");

	tap_begin();
	kb_begin(&k, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	kb_put(&k, CTRL_ATTR_FAMILY_NAME, "teearray", 9);
	kb_put(&k, CTRL_ATTR_FAMILY_ID, &fid, 2);
	kb_u32(&k, CTRL_ATTR_VERSION, 1);
	kb_u32(&k, CTRL_ATTR_HDRSIZE, 0);
	kb_put(&k, CTRL_ATTR_OPS | NLA_F_NESTED, "\0\0\0\0\0\0\0\0", 8);
	len = kb_end(&k);
	CHECK(td_nl_parse_family(buf, len, &id, &ver, &errnum, err, sizeof(err)) == 0);
	CHECK(id == 0x33 && ver == 1);
	kb_begin(&k, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
	kb_put(&k, CTRL_ATTR_FAMILY_NAME, "teearray", 9);
	kb_u32(&k, CTRL_ATTR_VERSION, 1);
	len = kb_end(&k);
	CHECK(td_nl_parse_family(buf, len, &id, &ver, &errnum, err, sizeof(err)) == -1 &&
	      strstr(err, "family id"));
	{
		struct nlmsghdr *nlh = (void *)buf;
		struct nlmsgerr *e = NLMSG_DATA(nlh);

		memset(buf, 0, 64);
		nlh->nlmsg_type = NLMSG_ERROR;
		nlh->nlmsg_len = NLMSG_LENGTH(sizeof(*e));
		e->error = -ENOENT;
		CHECK(td_nl_parse_family(buf, nlh->nlmsg_len, &id, &ver, &errnum, err,
					 sizeof(err)) == -1 && errnum == ENOENT);
		nlh->nlmsg_len = NLMSG_HDRLEN + 2;
		CHECK(td_nl_parse_family(buf, nlh->nlmsg_len, &id, &ver, &errnum, err,
					 sizeof(err)) == -1 && strstr(err, "truncated"));
	}
	tap_end("nl: nlctrl reply gives family id and version; ENOENT means not loaded");

	tap_begin();
	len = td_nl_build_register(buf, sizeof(buf), FAM, 6, 256);
	CHECK(len == NLMSG_HDRLEN + GENL_HDRLEN + NLA_HDRLEN + 4);
	CHECK(((struct nlmsghdr *)buf)->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
	CHECK(((struct genlmsghdr *)(buf + NLMSG_HDRLEN))->cmd == TEEARRAY_CMD_REGISTER);
	a = (void *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
	CHECK(a->nla_type == TEEARRAY_A_CREDITS && a->nla_len == 8);
	memcpy(&one, (uint8_t *)a + NLA_HDRLEN, 4);
	CHECK(one == 256);
	len = td_nl_build_keepalive(buf, sizeof(buf), FAM, 7, 0x1122334455667788ull);
	CHECK(((struct genlmsghdr *)(buf + NLMSG_HDRLEN))->cmd == TEEARRAY_CMD_KEEPALIVE);
	a = (void *)(buf + NLMSG_HDRLEN + GENL_HDRLEN);
	CHECK(a->nla_type == TEEARRAY_A_EPOCH && a->nla_len == 12 && len == 32);
	memcpy(&epoch, (uint8_t *)a + NLA_HDRLEN, 8);
	CHECK(epoch == 0x1122334455667788ull);
	CHECK(td_nl_build_register(buf, 20, FAM, 6, 256) == 0);
	tap_end("nl: REGISTER carries CREDITS, KEEPALIVE carries EPOCH, both ask for an ack");

	tap_begin();
	kb_begin(&k, FAM, TEEARRAY_CMD_REGISTER);
	kb_u64(&k, TEEARRAY_A_EPOCH, 99);
	len = kb_end(&k);
	CHECK(td_nl_parse_register_reply(buf, len, FAM, &epoch, err, sizeof(err)) == 0 &&
	      epoch == 99);
	kb_begin(&k, FAM, TEEARRAY_CMD_REGISTER);
	kb_u32(&k, TEEARRAY_A_EPOCH, 99);
	len = kb_end(&k);
	CHECK(td_nl_parse_register_reply(buf, len, FAM, &epoch, err, sizeof(err)) == -1);
	kb_begin(&k, FAM, TEEARRAY_CMD_REGISTER);
	kb_u32(&k, TEEARRAY_A_CREDITS, 1);
	len = kb_end(&k);
	CHECK(td_nl_parse_register_reply(buf, len, FAM, &epoch, err, sizeof(err)) == -1 &&
	      strstr(err, "without a u64 EPOCH"));
	tap_end("nl: REGISTER reply: EPOCH must be a u64");
}

int main(void)
{
	/* A round trip and a kernel-style message per op, 46 expect() calls, the rest */
	tap_plan(2 * (__TEEARRAY_OP_MAX - TEEARRAY_OP_IDENTIFY) + 46 + 13);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	test_roundtrip();
	test_kernel_style();
	test_malformed();
	test_mutations();
	test_complete();
	test_multi_sector();
	test_write_short();
	test_control();
	return tap_exit_status();
}
