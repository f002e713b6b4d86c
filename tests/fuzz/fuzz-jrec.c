// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the journal and sector-AEAD parsers of the module
 * (kernel/teearray-jrec.c, kernel/teearray-sector.c), which read bytes
 * that members serve and must treat as hostile.  Input: byte 0 picks the
 * mode, byte 1 the array geometry (of 8, from 1+1 to 128+128); the rest is
 * mode-specific, zero-padded to its size:
 *   0  a journal record as read off a member: bytes 2-3 pick the member it
 *      is read from (slot 0 .. M, M being out of range), the rest is the
 *      record sector: teearray_jrec_parse();
 *   1  the same, re-MACed with the array's key first (the MAC at the end
 *      the header's stripe and payload counts give, when that is within
 *      the sector), so the fuzzer gets past the MAC to the range checks an
 *      authentic record still faces; then again with the header and the
 *      payload count made right (magic, UUID, flags, slot, stripes within
 *      the limit, columns within M, nown the member's own columns, nothing
 *      after its MAC), and if that is accepted, with each of the first and
 *      last stripe's member sector, a column, the version, nstripes, nown,
 *      the payload capacity and the slot set to a bound of its range -1, +0
 *      and +1, and with a stripe emptied (random bytes would almost never
 *      hit these cases);
 *   2  a metadata sector: teearray_meta_verify(); then resealed, it must
 *      verify, and with one input-chosen bit flipped it must not;
 *   3  a 28-byte entry followed by a data sector: teearray_sector_verify()
 *      and, if it verifies, decrypt and reseal to the same bytes; then the
 *      data sealed under the entry's IV must round-trip and refuse a flip;
 *   4-7  an audit log entry: teearray_audit_parse(), as read and with its
 *      header (magic, version, array UUID) made right so the fuzzer reaches
 *      the field checks; an accepted entry must be within every bound.
 * Invariants abort(): return codes outside the documented set, counts out
 * of range not refused with EINVAL (they locate the MAC), a record failing
 * its MAC that is not left zeroed, an accepted record naming anything
 * outside the journal's or array's bounds (home sectors, columns, stripes,
 * payload count and capacity, payload sectors), or one whose canonical
 * encoding (teearray_jrec_build with the same key, of the length
 * teearray_jrec_len, zero after) differs from its input; and a bound edit
 * of mode 1 accepted where it is out of range (or refused where it is in
 * range).
 *
 * Built with -DFUZZ_JREC_SEEDS (no libFuzzer) it is a small program that
 * writes the seed corpus (tests/fuzz/corpus-jrec) to the directory named
 * by its argument.
 */
#include <stdlib.h>
#include <string.h>

#include "teearray-kdf.h"
#include "teearray-jrec.h"
#include "teearray-sector.h"
#include "teearray-audit-entry.h"

#define SECTOR TEEARRAY_SECTOR_SIZE
#define NGEOS 8

static struct teearray_sector_keys keys;
static u8 fuzz_uuid[16];
static struct teearray_geometry geos[NGEOS];
static bool ready;

static void setup(void)
{
	static const struct { u32 n, p; u64 sectors, journal; } shapes[NGEOS] = {
		{ 4, 3, 100000, TEEARRAY_DEF_JOURNAL_SECTORS },
		{ 2, 1, 5000, 4 },				/* 1 stripe a record */
		{ 8, 8, 1000000, 300 },				/* 125 */
		{ 1, 1, 300, 7 },				/* 2 */
		{ 128, 128, 1000000, TEEARRAY_DEF_JOURNAL_SECTORS },	/* M = 256: 71 */
		{ 2, 128, 1000000, TEEARRAY_DEF_JOURNAL_SECTORS },	/* M = 130: 83 */
		{ 60, 4, 1000000, 300 },			/* M = 64: 125 */
		{ 61, 4, 1000000, 300 },			/* M = 65: 100 */
	};
	u8 root[64], uuid[16];
	unsigned int i;

	for (i = 0; i < sizeof(root); i++)
		root[i] = (u8)(i * 3 + 1);
	for (i = 0; i < sizeof(uuid); i++)
		uuid[i] = (u8)(0xc0 + i);
	teearray_sector_keys_init(&keys, root, sizeof(root), uuid, 0);
	memcpy(fuzz_uuid, uuid, sizeof(uuid));
	for (i = 0; i < NGEOS; i++)
		if (teearray_geometry_init(&geos[i], shapes[i].n, shapes[i].p,
					   shapes[i].sectors, shapes[i].journal, 32))
			abort();
	ready = true;
}

static bool all_zero(const void *p, size_t len)
{
	const u8 *b = p;

	while (len--)
		if (*b++)
			return false;
	return true;
}

static u32 members(const struct teearray_geometry *g)
{
	return g->data_members + g->parity_members;
}

/* Payload sectors an entry of the array carries (teearray_jplan_capacity). */
static u32 entry_capacity(const struct teearray_geometry *g)
{
	u32 min = 3 + 3 * g->parity_members;

	return min > 240 ? min : 240;
}

static void put_le(u8 *p, u64 v, unsigned int bytes)
{
	unsigned int i;

	for (i = 0; i < bytes; i++)
		p[i] = (u8)(v >> (8 * i));
}

static u64 get_le(const u8 *p, unsigned int bytes)
{
	u64 v = 0;
	unsigned int i;

	for (i = 0; i < bytes; i++)
		v |= (u64)p[i] << (8 * i);
	return v;
}

/* Length of the record in d as its header's stripe and payload counts say. */
static u32 hdr_len(const u8 *d, const struct teearray_geometry *g)
{
	return teearray_jrec_len(g, (u32)get_le(d + 44, 2), (u32)get_le(d + 46, 2));
}

/* MAC the record in d at the end its header gives, if that is in the sector. */
static void remac(u8 *d, const struct teearray_geometry *g)
{
	struct teearray_hmac h;
	u8 mac[TEEARRAY_SHA256_SIZE];
	u32 len = hdr_len(d, g);

	if (len > SECTOR)
		return;
	teearray_hmac_init(&h, keys.meta, sizeof(keys.meta));
	teearray_hmac_update(&h, (const u8 *)"TA-JREC", 7);
	teearray_hmac_update(&h, d, len - TEEARRAY_MAC_SIZE);
	teearray_hmac_final(&h, mac);
	memcpy(d + len - TEEARRAY_MAC_SIZE, mac, sizeof(mac));
}

/* Offset of summary line s. */
static u32 line(const struct teearray_geometry *g, u32 s)
{
	return TEEARRAY_JREC_HDR_SIZE + s * teearray_jrec_stripe_size(g);
}

/* Lines that fit the sector before a record MAC. */
static bool line_fits(const struct teearray_geometry *g, u32 s)
{
	return line(g, s + 1) <= SECTOR - TEEARRAY_MAC_SIZE;
}

/*
 * Make the record's payload count the member's own columns, read from the
 * bytes (column c of stripe ms is on slot (c + ms) % M), with MAC space for
 * them, then the record MAC's place and nothing after it (zeroed); the
 * member sectors and other columns stay as they are.
 */
static void fix_own(u8 *d, const struct teearray_geometry *g, u32 slot)
{
	u32 m = members(g), nst = (u32)get_le(d + 44, 2), s, own = 0, end;

	for (s = 0; s < nst && line_fits(g, s); s++) {
		u64 ms = get_le(d + line(g, s), 8);
		u32 c = (u32)((slot + m - ms % m) % m);

		own += (d[line(g, s) + 8 + c / 8] >> (c % 8)) & 1;
	}
	end = line(g, nst) + own * TEEARRAY_JPAY_MAC_SIZE;
	put_le(d + 46, own, 2);
	if (end < SECTOR)
		memset(d + end, 0, SECTOR - end);
}

/*
 * Everything but the summary's member sectors made right: header, stripe
 * count, columns within M (at least one per stripe), payload count.
 */
static void normalize(u8 *d, const struct teearray_geometry *g, u32 slot)
{
	u32 m = members(g), bm = teearray_jrec_stripe_size(g) - 8, nst, s, c;

	put_le(d, TEEARRAY_JREC_MAGIC, 8);
	if (!get_le(d + 8, 8))
		put_le(d + 8, 1, 8);
	memcpy(d + 16, keys.array_uuid, 16);
	put_le(d + 40, slot, 4);
	memset(d + 48, 0, 16);
	nst = (u32)get_le(d + 44, 2) % (teearray_jrec_max_stripes(g) + 1);
	put_le(d + 44, nst, 2);
	for (s = 0; s < nst; s++) {
		u8 *b = d + line(g, s) + 8;
		bool any = false;

		for (c = 0; c < 8 * bm; c++) {
			if (c >= m)
				b[c / 8] &= (u8)~(1u << (c % 8));
			else if (b[c / 8] & (1u << (c % 8)))
				any = true;
		}
		if (!any)
			b[0] |= 1;
	}
	fix_own(d, g, slot);
}

/*
 * Parse a record read from member slot; abort() on anything an accepted
 * record must never be.  Returns parse's result.
 */
static int check_jrec(const u8 *d, const struct teearray_geometry *g, u32 slot, u32 cap)
{
	static u8 again[SECTOR];
	static struct teearray_jrec rec;
	u32 m = members(g), max = teearray_jrec_max_stripes(g), s, t, c, cols, all = 0, len;
	u32 nst = (u32)get_le(d + 44, 2), nown = (u32)get_le(d + 46, 2);
	bool magic = get_le(d, 8) == TEEARRAY_JREC_MAGIC;
	char *error = NULL;
	int r;

	r = teearray_jrec_parse(d, &rec, keys.array_uuid, keys.meta, g, slot, cap, &error);
	if (r != 0 && r != -ENODATA && r != -EBADMSG && r != -EINVAL)
		abort();
	if (r && !error)
		abort();
	if ((r == -ENODATA) != all_zero(d, SECTOR))
		abort();
	/* The counts locate the MAC: out of range, they are refused before it. */
	if (magic && (nst > max || nown > nst) && r != -EINVAL)
		abort();
	/* A MAC was checked only of a record with the magic and counts in range. */
	if (r == -EBADMSG && (!magic || nst > max || nown > nst || !all_zero(&rec, sizeof(rec))))
		abort();
	if (r)
		return r;
	if (!rec.version || rec.slot != slot || rec.nstripes > max || rec.nown > rec.nstripes ||
	    rec.nown != teearray_jrec_count_own(&rec, g, slot))
		abort();
	len = teearray_jrec_len(g, rec.nstripes, rec.nown);
	if (len > SECTOR || len != hdr_len(d, g) || !all_zero(d + len, SECTOR - len))
		abort();
	if (teearray_jrec_sector(g, rec.version) < g->journal_start ||
	    teearray_jrec_sector(g, rec.version) >= g->journal_start + 2)
		abort();
	for (s = 0; s < rec.nstripes; s++) {
		const struct teearray_jrec_stripe *st = &rec.st[s];

		if (st->ms < g->meta_start || st->ms >= g->data_start + g->data_sectors)
			abort();
		for (t = 0; t < s; t++)
			if (rec.st[t].ms == st->ms)
				abort();
		for (c = 0, cols = 0; c < TEEARRAY_MAX_MEMBERS; c++) {
			if (!test_bit(c, st->cols))
				continue;
			if (c >= m)
				abort();
			cols++;
		}
		if (!cols)
			abort();
		all += cols;
	}
	if (all > cap || all != teearray_jrec_count_all(&rec))
		abort();
	/* The member's own payloads stay inside its half of the journal. */
	for (s = 0; s < rec.nown; s++) {
		u64 ps = teearray_jpay_sector(g, rec.version, s);
		u64 half = g->journal_start + 2 + (rec.version & 1) * teearray_journal_half(g);

		if (ps < half || ps >= half + teearray_journal_half(g) || ps >= g->meta_start)
			abort();
	}
	/* Accepted records are canonical: rebuilding gives the same bytes. */
	memset(again, 0xa5, sizeof(again));
	if (teearray_jrec_build(again, &rec, g, keys.array_uuid, keys.meta) != len ||
	    memcmp(again, d, SECTOR))
		abort();
	if (!teearray_jrec_same_entry(&rec, &rec))
		abort();
	return 0;
}

/* Set field kind of an accepted record to a bound of its range plus delta. */
static void edit_bound(u8 *d, const struct teearray_geometry *g, u32 slot,
		       unsigned int kind, int delta)
{
	u32 m = members(g), nst = (u32)get_le(d + 44, 2), last = nst ? nst - 1 : 0;
	u32 max = teearray_jrec_max_stripes(g), s, c;

	switch (kind) {
	case 1:
		if (nst)
			put_le(d + line(g, 0), g->meta_start + delta, 8);
		break;
	case 2:
		if (nst)
			put_le(d + line(g, last), g->data_start + g->data_sectors + delta, 8);
		break;
	case 3:
		c = m - 1 + delta;
		if (nst && c < 8 * (teearray_jrec_stripe_size(g) - 8))
			d[line(g, last) + 8 + c / 8] |= (u8)(1u << (c % 8));
		break;
	case 4:
		put_le(d + 8, (u64)(s64)delta, 8);
		return;				/* the rest stays as it is */
	case 5:
		/* Distinct stripes of one column each up to max + delta. */
		for (s = nst; s < max + delta && line_fits(g, s); s++) {
			memset(d + line(g, s), 0, teearray_jrec_stripe_size(g));
			put_le(d + line(g, s), g->data_start + g->data_sectors - 1 - s, 8);
			d[line(g, s) + 8] = 1;
		}
		put_le(d + 44, s < max + delta ? s : max + delta, 2);
		break;
	case 6:
		/* A stripe without columns: the first, the last or one between. */
		if (nst)
			memset(d + line(g, delta < 0 ? 0 : delta ? last / 2 : last) + 8, 0,
			       teearray_jrec_stripe_size(g) - 8);
		break;
	case 7:
		/*
		 * A payload count off by delta: the MAC moves to the end that
		 * count gives (one more payload MAC is the old MAC's first
		 * half, one fewer is the last taken as the MAC), zeros after.
		 */
		put_le(d + 46, get_le(d + 46, 2) + delta, 2);
		if (hdr_len(d, g) <= SECTOR)
			memset(d + hdr_len(d, g) - TEEARRAY_MAC_SIZE, 0,
			       SECTOR - hdr_len(d, g) + TEEARRAY_MAC_SIZE);
		return;
	}
	fix_own(d, g, slot);
}

static void mode_jrec(const u8 *p, size_t n, const struct teearray_geometry *g, bool authentic)
{
	static u8 d[SECTOR], e[SECTOR];
	u32 m = members(g), cap = entry_capacity(g), sel = 0, slot, all;
	static struct teearray_jrec rec;
	unsigned int kind;
	char *error;
	int delta, r;

	if (n >= 2) {
		sel = (u32)get_le(p, 2);
		p += 2;
		n -= 2;
	}
	memset(d, 0, sizeof(d));
	memcpy(d, p, n < sizeof(d) ? n : sizeof(d));
	if (!authentic) {
		check_jrec(d, g, sel % (m + 1), cap);
		return;
	}
	slot = sel & 0x8000 ? (sel & 0x7fff) % (m + 1) : sel % m;
	remac(d, g);
	check_jrec(d, g, slot, cap);
	normalize(d, g, slot);
	remac(d, g);
	if (check_jrec(d, g, slot, cap))
		return;
	/* Accepted: its bounds. */
	error = NULL;
	if (teearray_jrec_parse(d, &rec, keys.array_uuid, keys.meta, g, slot, cap, &error))
		abort();
	all = teearray_jrec_count_all(&rec);
	for (delta = -1; delta <= 1; delta++) {
		/* Capacity: the entry's columns fit exactly, one fewer does not. */
		r = check_jrec(d, g, slot, all + delta);
		if ((r == 0) != (delta >= 0) && (all || delta >= 0))
			abort();
		/* The member it is read from: only its own. */
		r = check_jrec(d, g, (slot + m + 1 + delta) % (m + 1), cap);
		if ((r == 0) != (delta == 0))
			abort();
		for (kind = 1; kind <= 7; kind++) {
			memcpy(e, d, sizeof(e));
			edit_bound(e, g, slot, kind, delta);
			remac(e, g);
			r = check_jrec(e, g, slot, 1u << 20);
			/* Version 0 never; the last data sector is a stripe, the end is not. */
			if ((kind == 4 && (r == 0) != (delta != 0)) ||
			    (kind == 1 && delta < 0 && rec.nstripes && !r) ||
			    (kind == 2 && delta >= 0 && rec.nstripes && !r) ||
			    (kind == 3 && delta > 0 && rec.nstripes && !r &&
			     m % 64) ||
			    (kind == 5 && delta > 0 && !r) ||
			    (kind == 6 && rec.nstripes && !r) ||
			    (kind == 7 && (r == 0) != (delta == 0) && (rec.nown || delta >= 0)))
				abort();
		}
	}
}

static void mode_meta(const u8 *p, size_t n)
{
	static struct teearray_meta_disk m;
	u64 mv = 0;
	u32 bit;
	int r;

	memset(&m, 0, sizeof(m));
	if (n >= 8) {
		memcpy(&mv, p, 8);
		p += 8;
		n -= 8;
	}
	memcpy(&m, p, n < sizeof(m) ? n : sizeof(m));
	r = teearray_meta_verify(&keys, mv, &m);
	if (r != 0 && r != -EBADMSG)
		abort();
	if (!r && all_zero(&m, sizeof(m)))
		return;
	if (!r) {
		/* Only a sector with the right tag verifies. */
		u8 tag[TEEARRAY_META_TAG_SIZE];

		memcpy(tag, m.tag, sizeof(tag));
		teearray_meta_seal(&keys, mv, &m);
		if (memcmp(tag, m.tag, sizeof(tag)))
			abort();
	}
	teearray_meta_seal(&keys, mv, &m);
	if (teearray_meta_verify(&keys, mv, &m))
		abort();
	bit = (u32)(mv ^ (mv >> 32)) % (SECTOR * 8);
	((u8 *)&m)[bit / 8] ^= (u8)(1 << (bit % 8));
	if (teearray_meta_verify(&keys, mv, &m) != -EBADMSG && !all_zero(&m, sizeof(m)))
		abort();
}

static void mode_sector(const u8 *p, size_t n)
{
	static u8 ct[SECTOR], plain[SECTOR], again[SECTOR];
	struct teearray_entry e, e2;
	u64 vs = 0;
	u32 bit;
	int r;

	memset(&e, 0, sizeof(e));
	memset(ct, 0, sizeof(ct));
	if (n >= 8) {
		memcpy(&vs, p, 8);
		p += 8;
		n -= 8;
	}
	memcpy(&e, p, n < sizeof(e) ? n : sizeof(e));
	if (n > sizeof(e))
		memcpy(ct, p + sizeof(e), n - sizeof(e) < SECTOR ? n - sizeof(e) : SECTOR);
	r = teearray_sector_verify(&keys, vs, &e, ct);
	if (r != 0 && r != -EBADMSG)
		abort();
	if (teearray_entry_unwritten(&e) && (r == 0) != all_zero(ct, SECTOR))
		abort();
	if (!r) {
		teearray_sector_decrypt(&keys, &e, ct, plain);
		if (teearray_entry_unwritten(&e)) {
			if (!all_zero(plain, SECTOR))
				abort();
		} else {
			teearray_sector_seal(&keys, vs, e.iv, plain, again, &e2);
			if (memcmp(again, ct, SECTOR) || memcmp(&e, &e2, sizeof(e)))
				abort();
		}
	}
	/* Seal the input as plaintext under the entry's IV: round trip. */
	teearray_sector_seal(&keys, vs, e.iv, ct, again, &e2);
	if (teearray_sector_verify(&keys, vs, &e2, again))
		abort();
	teearray_sector_decrypt(&keys, &e2, again, plain);
	if (memcmp(plain, ct, SECTOR))
		abort();
	bit = (u32)(vs ^ (vs >> 32)) % ((SECTOR + sizeof(e2)) * 8);
	if (bit < SECTOR * 8)
		again[bit / 8] ^= (u8)(1 << (bit % 8));
	else
		((u8 *)&e2)[bit / 8 - SECTOR] ^= (u8)(1 << (bit % 8));
	r = teearray_sector_verify(&keys, vs, &e2, again);
	/* Only a flip that makes the entry read as unwritten could pass. */
	if (r != -EBADMSG && !(teearray_entry_unwritten(&e2) && all_zero(again, SECTOR)))
		abort();
}

static void audit_check(const struct teearray_audit_disk *e)
{
	u8 h1[32], h2[32];
	char *error = NULL;
	u32 i, nr;
	int r = teearray_audit_parse(e, fuzz_uuid, &error);

	if (r != 0 && r != -ENODATA && r != -EINVAL)
		abort();
	if (r == -ENODATA && !all_zero(e, sizeof(*e)))
		abort();
	if (r)
		return;
	nr = le32_to_cpu(e->nr_ids);
	if (nr > TEEARRAY_AUDIT_MAX_IDS || !le64_to_cpu(e->seq) ||
	    !strcmp(teearray_audit_event_name(le32_to_cpu(e->event)), "unknown") ||
	    memcmp(e->array_uuid, fuzz_uuid, 16))
		abort();
	for (i = nr; i < TEEARRAY_AUDIT_MAX_IDS; i++)
		if (!all_zero(&e->id[i], sizeof(e->id[i])))
			abort();
	teearray_audit_hash(e, h1);
	teearray_audit_hash(e, h2);
	if (memcmp(h1, h2, sizeof(h1)))
		abort();
}

static void mode_audit(const u8 *data, size_t size)
{
	static struct teearray_audit_disk e;

	memset(&e, 0, sizeof(e));
	memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
	audit_check(&e);
	e.magic = cpu_to_le64(TEEARRAY_AUDIT_MAGIC);
	e.version = cpu_to_le32(TEEARRAY_AUDIT_VERSION);
	memcpy(e.array_uuid, fuzz_uuid, sizeof(e.array_uuid));
	audit_check(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct teearray_geometry *g;
	u8 mode;

	if (!ready)
		setup();
	if (size < 2)
		return 0;
	mode = data[0] & 7;
	g = &geos[data[1] % NGEOS];
	data += 2;
	size -= 2;
	switch (mode) {
	case 4:
	case 5:
	case 6:
	case 7:
		mode_audit(data, size);
		break;
	case 0:
	case 1:
		mode_jrec(data, size, g, mode == 1);
		break;
	case 2:
		mode_meta(data, size);
		break;
	case 3:
		mode_sector(data, size);
		break;
	}
	return 0;
}

#ifdef FUZZ_JREC_SEEDS
/* Writes the seed corpus: records, a metadata sector, sectors, an audit entry. */
#include <stdio.h>

static void put(const char *dir, const char *name, u8 mode, u8 geo,
		const void *body, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fputc(mode, f) == EOF || fputc(geo, f) == EOF ||
	    fwrite(body, 1, len, f) != len || fclose(f))
		abort();
}

/*
 * The record of member slot of an entry of nst stripes (metadata, log and
 * data), each with column i % M, and on every third stripe all columns
 * while the entry's capacity allows; with own, each with the slot's own
 * column only (a payload MAC per stripe: the longest record).  Seeds must
 * be accepted.  The seed holds the record's length only, as written to its
 * member (the rest of the sector is the zeros the input is padded with).
 */
static void seed_rec(const char *dir, const char *name, u8 mode, u8 gi, u32 slot,
		     u64 version, u32 nst, bool own)
{
	static u8 buf[2 + SECTOR];
	static struct teearray_jrec rec;
	const struct teearray_geometry *g = &geos[gi];
	u32 m = members(g), cap = entry_capacity(g), all = 0, i, c, len;

	memset(&rec, 0, sizeof(rec));
	rec.version = version;
	rec.generation = 2;
	rec.slot = slot;
	rec.nstripes = nst;
	for (i = 0; i < nst; i++) {
		if (i % 3 == 0)
			rec.st[i].ms = g->meta_start + i;
		else if (i % 3 == 1 && i / 3 < g->log_sectors)
			rec.st[i].ms = g->log_start + i / 3;
		else
			rec.st[i].ms = g->data_start + i;
		if (own) {
			__set_bit(teearray_column_of(g, rec.st[i].ms, slot), rec.st[i].cols);
			continue;
		}
		__set_bit(i % m, rec.st[i].cols);
		if (i % 3 == 2 && all + m + (nst - i) <= cap)
			for (c = 0; c < m; c++)
				__set_bit(c, rec.st[i].cols);
		all = teearray_jrec_count_all(&rec);
	}
	rec.nown = teearray_jrec_count_own(&rec, g, slot);
	for (i = 0; i < rec.nown; i++)
		memset(rec.mac[i], (int)i + 1, sizeof(rec.mac[i]));
	put_le(buf, slot, 2);
	len = teearray_jrec_build(buf + 2, &rec, g, keys.array_uuid, keys.meta);
	if (len != teearray_jrec_len(g, nst, rec.nown) || check_jrec(buf + 2, g, slot, cap))
		abort();
	put(dir, name, mode, gi, buf, 2 + len);
}

int main(int argc, char **argv)
{
	static u8 buf[8 + sizeof(struct teearray_entry) + SECTOR];
	struct teearray_meta_disk *m = (void *)(buf + 8);
	struct teearray_entry e;
	u64 v = 1000;
	u8 iv[TEEARRAY_IV_SIZE];
	unsigned int i;

	if (argc != 2)
		return 2;
	setup();
	seed_rec(argv[1], "jrec-valid", 0, 0, 2, 7, 3, false);
	seed_rec(argv[1], "jrec-full", 0, 0, 6, 8, 120, false);
	seed_rec(argv[1], "jrec-empty", 0, 0, 0, 9, 0, false);
	seed_rec(argv[1], "jrec-small", 1, 1, 1, 10, 1, false);
	seed_rec(argv[1], "jrec-remac", 1, 0, 3, 11, 5, false);
	seed_rec(argv[1], "jrec-m256", 1, 4, 255, 12, 71, false);
	seed_rec(argv[1], "jrec-m130", 0, 5, 129, 13, 40, false);
	seed_rec(argv[1], "jrec-m65", 1, 7, 64, 14, 100, false);
	/* The longest records: 4096 bytes at M = 64 (125 stripes), 4072 at M = 256 (71). */
	seed_rec(argv[1], "jrec-m64-own", 1, 6, 5, 15, 125, true);
	seed_rec(argv[1], "jrec-m256-own", 0, 4, 17, 16, 71, true);
	/* Metadata sector 3, two entries set, sealed. */
	memset(buf, 0, sizeof(buf));
	v = 3;
	memcpy(buf, &v, 8);
	memset(m->entry[0].iv, 1, 12);
	memset(m->entry[145].mac, 2, 16);
	teearray_meta_seal(&keys, 3, m);
	put(argv[1], "meta-sealed", 2, 0, buf, 8 + SECTOR);
	/* A sealed data sector and an unwritten one. */
	memset(buf, 0, sizeof(buf));
	v = 1000;
	memcpy(buf, &v, 8);
	for (i = 0; i < SECTOR; i++)
		buf[8 + sizeof(e) + i] = (u8)i;
	teearray_iv_make(iv, 0, (1ULL << 32) | 1);
	teearray_sector_seal(&keys, v, iv, buf + 8 + sizeof(e), buf + 8 + sizeof(e), &e);
	memcpy(buf + 8, &e, sizeof(e));
	put(argv[1], "sector-sealed", 3, 0, buf, sizeof(buf));
	memset(buf + 8, 0, sizeof(buf) - 8);
	put(argv[1], "sector-unwritten", 3, 0, buf, sizeof(buf));
	/* An audit entry naming two members. */
	{
		static struct teearray_audit_disk a;

		a.magic = cpu_to_le64(TEEARRAY_AUDIT_MAGIC);
		a.version = cpu_to_le32(TEEARRAY_AUDIT_VERSION);
		a.event = cpu_to_le32(TEEARRAY_EV_OPEN);
		memcpy(a.array_uuid, fuzz_uuid, 16);
		a.seq = cpu_to_le64(5);
		a.nr_ids = cpu_to_le32(2);
		a.id[0].state = TEEARRAY_MEMBER_ALIVE;
		a.id[1].slot = cpu_to_le16(1);
		a.id[1].state = TEEARRAY_MEMBER_DEAD;
		put(argv[1], "audit-entry", 4, 0, &a, sizeof(a));
	}
	return 0;
}
#endif
