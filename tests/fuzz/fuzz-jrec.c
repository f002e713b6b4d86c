// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the journal and sector-AEAD parsers of the module
 * (kernel/teearray-jrec.c, kernel/teearray-sector.c), which read bytes
 * that members serve and must treat as hostile.  Input: byte 0 picks the
 * mode, byte 1 the array geometry, the rest (zero-padded to its size) is
 * the sector under test:
 *   0  a journal record as read off a member: teearray_jrec_parse();
 *   1  the same, re-MACed with the array's key first, so the fuzzer gets
 *      past the MAC to the range checks an authentic record still faces;
 *      if it is accepted, then again with each of nr, version and the last
 *      descriptor's slot and home sector set to a bound of its range -1, +0
 *      and +1 (random bytes would almost never hit the off-by-one cases);
 *   2  a metadata sector: teearray_meta_verify(); then resealed, it must
 *      verify, and with one input-chosen bit flipped it must not;
 *   3  a 28-byte entry followed by a data sector: teearray_sector_verify()
 *      and, if it verifies, decrypt and reseal to the same bytes; then the
 *      data sealed under the entry's IV must round-trip and refuse a flip;
 *   4-7  an audit log entry: teearray_audit_parse(), as read and with its
 *      header (magic, version, array UUID) made right so the fuzzer reaches
 *      the field checks; an accepted entry must be within every bound.
 * Invariants abort(): return codes outside the documented set, an accepted
 * record naming anything outside the journal's or array's bounds, or one
 * whose canonical encoding differs from its input.
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

static struct teearray_sector_keys keys;
static u8 fuzz_uuid[16];
static struct teearray_geometry geos[4];
static bool ready;

static void setup(void)
{
	static const struct { u32 n, p; u64 sectors, journal; } shapes[4] = {
		{ 4, 3, 100000, TEEARRAY_DEF_JOURNAL_SECTORS },
		{ 2, 1, 5000, 4 },
		{ 8, 8, 1000000, 300 },
		{ 1, 1, 300, 7 },
	};
	u8 root[64], uuid[16];
	unsigned int i;

	for (i = 0; i < sizeof(root); i++)
		root[i] = (u8)(i * 3 + 1);
	for (i = 0; i < sizeof(uuid); i++)
		uuid[i] = (u8)(0xc0 + i);
	teearray_sector_keys_init(&keys, root, sizeof(root), uuid, 0);
	memcpy(fuzz_uuid, uuid, sizeof(uuid));
	for (i = 0; i < 4; i++)
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

static void remac(struct teearray_jrec_disk *d)
{
	struct teearray_hmac h;
	u8 mac[TEEARRAY_SHA256_SIZE];

	teearray_hmac_init(&h, keys.meta, sizeof(keys.meta));
	teearray_hmac_update(&h, (const u8 *)"TA-JREC", 7);
	teearray_hmac_update(&h, (const u8 *)d, offsetof(struct teearray_jrec_disk, mac));
	teearray_hmac_final(&h, mac);
	memcpy(d->mac, mac, sizeof(d->mac));
}

/* Set field kind (1..5) to a bound of its valid range plus delta. */
static void edit_bound(struct teearray_jrec_disk *d, const struct teearray_geometry *g,
		       unsigned int kind, s64 delta)
{
	u32 m = g->data_members + g->parity_members, nr = le32_to_cpu(d->nr);
	u32 i = nr && nr <= TEEARRAY_JREC_MAX_DESC ? nr - 1 : 0, j, n;
	struct teearray_jdesc_disk tmpl;

	switch (kind) {
	case 1:
		d->desc[i].slot = cpu_to_le32((u32)(m + delta));
		break;
	case 2:
		d->desc[i].sector = cpu_to_le64(g->meta_start + delta);
		break;
	case 3:
		d->desc[i].sector = cpu_to_le64(g->data_start + g->data_sectors + delta);
		break;
	case 4:
		/* Valid descriptors up to the new nr, nothing after it. */
		n = (u32)(teearray_journal_capacity(g->journal_sectors) + delta);
		memset(&tmpl, 0, sizeof(tmpl));
		tmpl.sector = cpu_to_le64(g->meta_start);
		if (nr && nr <= TEEARRAY_JREC_MAX_DESC)
			tmpl = d->desc[0];
		for (j = 0; j < TEEARRAY_JREC_MAX_DESC; j++) {
			if (j >= n)
				memset(&d->desc[j], 0, sizeof(d->desc[j]));
			else if (j >= nr)
				d->desc[j] = tmpl;
		}
		d->nr = cpu_to_le32(n);
		break;
	case 5:
		d->version = cpu_to_le64((u64)delta);
		break;
	}
}

static int check_jrec(const struct teearray_jrec_disk *d, const struct teearray_geometry *g)
{
	static struct teearray_jrec_disk again;
	struct teearray_jrec rec;
	u32 m = g->data_members + g->parity_members, cap, i;
	char *error = NULL;
	int r;

	r = teearray_jrec_parse(d, &rec, keys.array_uuid, keys.meta, g, &error);
	if (r != 0 && r != -ENODATA && r != -EBADMSG && r != -EINVAL)
		abort();
	if (r && !error)
		abort();
	if ((r == -ENODATA) != all_zero(d, sizeof(*d)))
		abort();
	if (r)
		return r;
	cap = teearray_journal_capacity(g->journal_sectors);
	if (!rec.version || rec.nr > cap)
		abort();
	if (teearray_jrec_sector(g, rec.version) < g->journal_start ||
	    teearray_jrec_sector(g, rec.version) >= g->journal_start + 2)
		abort();
	for (i = 0; i < rec.nr; i++) {
		u64 ps = teearray_jpay_sector(g, rec.version, i);

		if (rec.desc[i].slot >= m || rec.desc[i].sector < g->meta_start ||
		    rec.desc[i].sector >= g->data_start + g->data_sectors)
			abort();
		if (ps < g->journal_start + 2 || ps >= g->meta_start)
			abort();
	}
	/* Accepted records are canonical: rebuilding gives the same bytes. */
	teearray_jrec_build(&again, &rec, keys.array_uuid, keys.meta);
	if (memcmp(&again, d, sizeof(again)))
		abort();
	return 0;
}

static void mode_jrec(const u8 *p, size_t n, const struct teearray_geometry *g, bool authentic)
{
	static struct teearray_jrec_disk d, e;
	unsigned int kind;
	s64 delta;

	memset(&d, 0, sizeof(d));
	memcpy(&d, p, n < sizeof(d) ? n : sizeof(d));
	if (!authentic) {
		check_jrec(&d, g);
		return;
	}
	remac(&d);
	if (check_jrec(&d, g))
		return;
	for (kind = 1; kind <= 5; kind++) {
		for (delta = -1; delta <= 1; delta++) {
			e = d;
			edit_bound(&e, g, kind, delta);
			remac(&e);
			check_jrec(&e, g);
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
	g = &geos[data[1] & 3];
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

static void seed_rec(const char *dir, const char *name, u8 mode, u8 gi, u64 version, u32 nr)
{
	static struct teearray_jrec_disk d;
	static struct teearray_jrec rec;
	const struct teearray_geometry *g = &geos[gi];
	u32 m = g->data_members + g->parity_members, i;

	memset(&rec, 0, sizeof(rec));
	rec.version = version;
	rec.generation = 2;
	rec.nr = nr;
	for (i = 0; i < nr; i++) {
		rec.desc[i].slot = i % m;
		rec.desc[i].sector = g->meta_start + i * 3;
		memset(rec.desc[i].mac, (int)i + 1, sizeof(rec.desc[i].mac));
	}
	teearray_jrec_build(&d, &rec, keys.array_uuid, keys.meta);
	put(dir, name, mode, gi, &d, sizeof(d));
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
	seed_rec(argv[1], "jrec-valid", 0, 0, 7, 3);
	seed_rec(argv[1], "jrec-full", 0, 0, 8, 120);
	seed_rec(argv[1], "jrec-empty", 0, 0, 9, 0);
	seed_rec(argv[1], "jrec-small", 1, 1, 10, 1);
	seed_rec(argv[1], "jrec-remac", 1, 0, 11, 5);
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
