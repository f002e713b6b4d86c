// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for stripe planning (kernel/teearray-plan.c) and the member
 * rules it uses (kernel/teearray-fresh.c): where stripes live, which
 * columns can be read while members are dead or being rebuilt, what a
 * fetch reads, and when a parity update reads-modifies-writes.  Expected
 * values are worked out by hand from the layout in
 * Documentation/admin-guide/device-mapper/dm-teearray.rst.
 */
#include <stdlib.h>
#include "teearray-plan.h"
#include "tap.h"

#define A TEEARRAY_MEMBER_ALIVE
#define R TEEARRAY_MEMBER_REBUILDING
#define D TEEARRAY_MEMBER_DEAD

static struct teearray_member members[TEEARRAY_MAX_MEMBERS];

static void geo_init(struct teearray_geometry *g, u32 n, u32 p)
{
	int r = teearray_geometry_init(g, n, p, 1ULL << 20, TEEARRAY_DEF_JOURNAL_SECTORS,
				       TEEARRAY_DEF_LOG_STRIPES);

	if (r) {
		printf("# geometry %u+%u: %d\n", n, p, r);
		exit(1);
	}
}

static void members_set(unsigned int m, u8 state)
{
	unsigned int i;

	memset(members, 0, sizeof(members));
	for (i = 0; i < m; i++)
		members[i].state = state;
}

/* No rebuild under way. */
static const struct teearray_rebuild_pos no_rebuild = { .slot = ~0u };

/* Set state of the member holding column c of stripe ms. */
static u32 col_member(const struct teearray_geometry *g, u64 ms, u32 c, u8 state)
{
	u32 slot = teearray_slot_of(g, ms, c);

	members[slot].state = state;
	return slot;
}

static unsigned int count(const bool *b, unsigned int m)
{
	unsigned int i, k = 0;

	for (i = 0; i < m; i++)
		k += b[i];
	return k;
}

static void test_geometry(void)
{
	struct teearray_geometry g;
	u64 mv[2];
	u32 col;

	tap_begin();
	geo_init(&g, 4, 2);
	/* Data stripe s is member sector data_start + s; columns 0..3 hold 4s..4s+3. */
	CHECK(teearray_geo_data_ms(&g, 0) == g.data_start);
	CHECK(teearray_geo_data_ms(&g, 10) == g.data_start + 10);
	CHECK(teearray_geo_data_v(&g, g.data_start + 10, 3) == 43);
	/* Metadata sector 9: stripe meta_start + 2, column 1. */
	CHECK(teearray_geo_meta_ms(&g, 9, &col) == g.meta_start + 2 && col == 1);
	CHECK(teearray_geo_meta_mv(&g, g.meta_start + 2, 1) == 9);
	CHECK(teearray_geo_first_ms(&g) == g.meta_start);
	CHECK(teearray_geo_end_ms(&g) == g.data_start + g.data_sectors);
	CHECK(teearray_geo_end_ms(&g) == g.member_sectors);
	/* Stripe 36 holds sectors 144..147: entries 144, 145 in metadata sector 0, 146, 147 in 1. */
	CHECK(teearray_geo_stripe_meta(&g, 36, mv) == 2 && mv[0] == 0 && mv[1] == 1);
	CHECK(teearray_geo_stripe_meta(&g, 35, mv) == 1 && mv[0] == 0 && mv[1] == 0);
	CHECK(teearray_geo_stripe_meta(&g, 37, mv) == 1 && mv[0] == 1 && mv[1] == 1);
	tap_end("geometry: data, metadata and log stripes by member sector (4+2)");
}

/*
 * Every entry of a data stripe is in one of the (at most two) metadata
 * sectors teearray_geo_stripe_meta names.  That holds for N <= 148 only:
 * from N = 149 on some stripes span three metadata sectors (N = 149,
 * stripe 48 holds sectors 7152..7300, entries in metadata sectors 48..50),
 * which the engine does not handle; not tested here.
 */
static void test_stripe_meta(void)
{
	static const u32 shapes[] = { 1, 2, 3, 4, 8, 73, 145, 146, 147, 148 };
	unsigned int i;

	tap_begin();
	for (i = 0; i < ARRAY_SIZE(shapes); i++) {
		struct teearray_geometry g;
		u64 s, mv[2];
		u32 c, idx;

		geo_init(&g, shapes[i], 1);
		for (s = 0; s < 4 * 146; s++) {
			unsigned int k = teearray_geo_stripe_meta(&g, s, mv);

			CHECK(k == (mv[0] != mv[1] ? 2u : 1u));
			for (c = 0; c < shapes[i]; c++) {
				u64 m = teearray_meta_sector_of(s * shapes[i] + c, &idx);

				if (m != mv[0] && m != mv[1]) {
					printf("# N=%u stripe %llu column %u: metadata sector %llu\n",
					       shapes[i], (unsigned long long)s, c,
					       (unsigned long long)m);
					CHECK(0);
					break;
				}
			}
		}
	}
	tap_end("geometry: a data stripe's entries are in the metadata sectors named for it (N <= 148)");
}

static void test_healthy_fetch(void)
{
	struct teearray_geometry g;
	bool readable[8], want[8] = { false }, read[8];
	u64 ms;

	tap_begin();
	geo_init(&g, 4, 2);
	members_set(6, A);
	ms = g.data_start + 7;
	teearray_plan_readable(&g, members, &no_rebuild, ms, readable);
	CHECK(count(readable, 6) == 6);
	want[1] = true;
	want[3] = true;
	CHECK(teearray_plan_fetch(&g, readable, NULL, want, read) == 0);
	CHECK(read[1] && read[3] && count(read, 6) == 2);
	tap_end("fetch: a healthy stripe reads just the wanted columns, no parity");
}

static void test_degraded_fetch(void)
{
	struct teearray_geometry g;
	bool readable[8], want[8] = { false }, read[8];
	u64 ms;

	tap_begin();
	geo_init(&g, 4, 2);
	ms = g.data_start + 5;
	want[1] = true;

	/* Another data column's member is dead: column 1 still read directly. */
	members_set(6, A);
	col_member(&g, ms, 2, D);
	teearray_plan_readable(&g, members, &no_rebuild, ms, readable);
	CHECK(!readable[2] && count(readable, 6) == 5);
	CHECK(teearray_plan_fetch(&g, readable, NULL, want, read) == 0);
	CHECK(read[1] && count(read, 6) == 1);

	/* A parity member is dead: the same. */
	members_set(6, A);
	col_member(&g, ms, 5, D);
	teearray_plan_readable(&g, members, &no_rebuild, ms, readable);
	CHECK(teearray_plan_fetch(&g, readable, NULL, want, read) == 0);
	CHECK(read[1] && count(read, 6) == 1);

	/* Column 1's member is dead: data 0, 2, 3 and the first parity, decoded. */
	members_set(6, A);
	col_member(&g, ms, 1, D);
	teearray_plan_readable(&g, members, &no_rebuild, ms, readable);
	CHECK(!readable[1]);
	CHECK(teearray_plan_fetch(&g, readable, NULL, want, read) == 1);
	CHECK(!read[1] && read[0] && read[2] && read[3] && read[4] && !read[5]);

	/* ... and with a data column's member dead too, both parity columns. */
	col_member(&g, ms, 3, D);
	teearray_plan_readable(&g, members, &no_rebuild, ms, readable);
	CHECK(teearray_plan_fetch(&g, readable, NULL, want, read) == 1);
	CHECK(read[0] && read[2] && read[4] && read[5] && count(read, 6) == 4);

	/* Three of six dead: fewer than N columns, nothing to decode from. */
	col_member(&g, ms, 4, D);
	teearray_plan_readable(&g, members, &no_rebuild, ms, readable);
	CHECK(teearray_plan_usable(&g, readable, NULL) == 3);
	CHECK(teearray_plan_fetch(&g, readable, NULL, want, read) == -EIO);
	tap_end("fetch: a degraded stripe reads parity only when a wanted column's member is dead");
}

static void test_avoid(void)
{
	struct teearray_geometry g;
	bool readable[8], want[8] = { false }, avoid[8] = { false }, read[8];
	u64 ms;

	tap_begin();
	geo_init(&g, 4, 2);
	members_set(6, A);
	ms = g.data_start + 3;
	teearray_plan_readable(&g, members, &no_rebuild, ms, readable);
	/* A column that did not verify is rebuilt from the others, not read again. */
	want[0] = true;
	avoid[0] = true;
	CHECK(teearray_plan_usable(&g, readable, avoid) == 5);
	CHECK(teearray_plan_fetch(&g, readable, avoid, want, read) == 1);
	CHECK(!read[0] && read[1] && read[2] && read[3] && read[4] && !read[5]);
	/* Avoiding a column that is not wanted changes nothing. */
	memset(avoid, 0, sizeof(avoid));
	avoid[2] = true;
	CHECK(teearray_plan_fetch(&g, readable, avoid, want, read) == 0);
	CHECK(read[0] && count(read, 6) == 1);
	/* Three avoided of six: -EIO. */
	avoid[0] = avoid[1] = true;
	CHECK(teearray_plan_usable(&g, readable, avoid) == 3);
	CHECK(teearray_plan_fetch(&g, readable, avoid, want, read) == -EIO);
	tap_end("fetch: columns to avoid are rebuilt from the others");
}

static void test_rebuild_cursor(void)
{
	struct teearray_geometry g;
	struct teearray_rebuild_pos rb;
	bool readable[8];
	u32 slot = 2, other = 4;
	u64 first;

	tap_begin();
	geo_init(&g, 3, 2);
	members_set(5, A);
	members[slot].state = R;
	first = teearray_geo_first_ms(&g);
	rb.slot = slot;
	rb.first = first;
	rb.done = 100;	/* stripes first .. first + 99 rebuilt */

	CHECK(teearray_member_readable_at(&members[slot], slot, &rb, first));
	CHECK(teearray_member_readable_at(&members[slot], slot, &rb, first + 99));
	CHECK(!teearray_member_readable_at(&members[slot], slot, &rb, first + 100));
	CHECK(!teearray_member_readable_at(&members[slot], slot, &rb, first + 5000));
	/* The journal area below the first stripe is never rebuilt. */
	CHECK(!teearray_member_readable_at(&members[slot], slot, &rb, first - 1));
	/* Nothing rebuilt yet: not readable anywhere. */
	rb.done = 0;
	CHECK(!teearray_member_readable_at(&members[slot], slot, &rb, first));
	rb.done = 100;
	/* A rebuilding member the rebuild does not walk (yet) is not readable. */
	members[other].state = R;
	CHECK(!teearray_member_readable_at(&members[other], other, &rb, first));
	members[other].state = A;
	/* In sync: always; dead: never. */
	CHECK(teearray_member_readable_at(&members[0], 0, &rb, first + 5000));
	members[1].state = D;
	CHECK(!teearray_member_readable_at(&members[1], 1, &rb, first));
	members[1].state = A;
	/* Writes go to members in sync and to the one being rebuilt. */
	CHECK(teearray_member_writable(&members[slot]));
	CHECK(teearray_member_writable(&members[0]));
	members[1].state = D;
	CHECK(!teearray_member_writable(&members[1]));
	members[1].state = A;

	/* Column planning sees the same: the rebuilt column below the cursor only. */
	teearray_plan_readable(&g, members, &rb, first + 99, readable);
	CHECK(readable[teearray_column_of(&g, first + 99, slot)] && count(readable, 5) == 5);
	teearray_plan_readable(&g, members, &rb, first + 100, readable);
	CHECK(!readable[teearray_column_of(&g, first + 100, slot)] && count(readable, 5) == 4);
	tap_end("readable: a member being rebuilt serves stripes below the rebuild cursor only");
}

static void test_rmw(void)
{
	struct teearray_geometry g;
	bool readable[TEEARRAY_MAX_MEMBERS];
	unsigned int n, p, nw;
	bool ok = true;

	tap_begin();
	memset(readable, 1, sizeof(readable));
	memset(&g, 0, sizeof(g));
	/* RMW reads W + P columns, RCW N - W: RMW exactly when it reads fewer. */
	for (n = 1; n <= 40 && ok; n++) {
		for (p = 1; p <= 8 && ok; p++) {
			g.data_members = n;
			g.parity_members = p;
			for (nw = 1; nw <= n; nw++) {
				bool want = nw < n && nw + p < n - nw;

				if (teearray_plan_rmw(&g, nw, readable) != want) {
					printf("# %u+%u, %u written\n", n, p, nw);
					ok = false;
				}
			}
		}
	}
	CHECK(ok);
	g.data_members = 8;
	g.parity_members = 2;
	CHECK(teearray_plan_rmw(&g, 1, readable));	/* 3 reads instead of 7 */
	CHECK(teearray_plan_rmw(&g, 2, readable));	/* 4 instead of 6 */
	CHECK(!teearray_plan_rmw(&g, 3, readable));	/* 5, not fewer than 5 */
	g.data_members = 2;
	g.parity_members = 1;
	CHECK(!teearray_plan_rmw(&g, 1, readable));	/* 2+1: never */
	/* A stripe with an unreadable column is never read-modify-written. */
	g.data_members = 8;
	g.parity_members = 2;
	readable[9] = false;
	CHECK(!teearray_plan_rmw(&g, 1, readable));
	readable[9] = true;
	readable[0] = false;
	CHECK(!teearray_plan_rmw(&g, 1, readable));
	tap_end("parity update: read-modify-write only when cheaper and the stripe is healthy");
}

static void test_update_plan(void)
{
	struct teearray_geometry g;
	bool readable[TEEARRAY_MAX_MEMBERS], want[TEEARRAY_MAX_MEMBERS], have[10] = { false };
	DECLARE_BITMAP(written, TEEARRAY_MAX_MEMBERS) = { 0 };
	unsigned int c;

	tap_begin();
	memset(readable, 1, sizeof(readable));
	memset(&g, 0, sizeof(g));
	g.data_members = 8;
	g.parity_members = 2;
	__set_bit(3, written);

	/* RMW: the written column's old contents and both parity columns. */
	CHECK(teearray_plan_update(&g, written, 1, false, NULL, readable, want));
	for (c = 0; c < 10; c++)
		CHECK(want[c] == (c == 3 || c >= 8));
	/* Old contents at hand (metadata images): parity only. */
	CHECK(teearray_plan_update(&g, written, 1, true, NULL, readable, want));
	for (c = 0; c < 10; c++)
		CHECK(want[c] == (c >= 8));
	/* Degraded: RCW reads the seven other data columns. */
	readable[8] = false;
	CHECK(!teearray_plan_update(&g, written, 1, false, NULL, readable, want));
	for (c = 0; c < 10; c++)
		CHECK(want[c] == (c < 8 && c != 3));
	/* RCW skips the columns at hand (cached metadata). */
	have[0] = have[5] = true;
	CHECK(!teearray_plan_update(&g, written, 1, true, have, readable, want));
	for (c = 0; c < 10; c++)
		CHECK(want[c] == (c < 8 && c != 3 && c != 0 && c != 5));
	/* Every unwritten column at hand: RCW, healthy or not, reads nothing. */
	readable[8] = true;
	for (c = 0; c < 8; c++)
		have[c] = c != 3;
	CHECK(!teearray_plan_update(&g, written, 1, true, have, readable, want));
	CHECK(count(want, 10) == 0);
	tap_end("parity update: the columns each way fetches");
}

static void test_rows_full_row(void)
{
	struct teearray_row_span span[6];
	struct teearray_geometry g;
	u64 first, ms;
	u32 slot;

	tap_begin();
	geo_init(&g, 4, 2);
	/* One whole row: its four data members, one sector each; no parity. */
	CHECK(teearray_plan_rows(&g, 4 * 10, 4, &first, span) == 1);
	CHECK(first == 10);
	ms = g.data_start + 10;
	for (slot = 0; slot < 6; slot++) {
		bool parity = slot == (4 + ms) % 6 || slot == (5 + ms) % 6;

		CHECK(span[slot].count == (parity ? 0 : 1));
		CHECK(span[slot].off == 0);
	}
	/* Column 2 of row 10 to column 1 of row 12: three rows. */
	CHECK(teearray_plan_rows(&g, 4 * 10 + 2, 8, &first, span) == 3);
	CHECK(first == 10);
	/*
	 * Column c of row 10 + r is on slot (ms + r + c) % 6.  Relative to ms:
	 * slots +2 and +3 hold a sector in each of the three rows, +1 and +4
	 * only in row 11, +0 and +5 none.
	 */
	CHECK(span[(ms + 2) % 6].off == 0 && span[(ms + 2) % 6].count == 3);
	CHECK(span[(ms + 3) % 6].off == 0 && span[(ms + 3) % 6].count == 3);
	CHECK(span[(ms + 1) % 6].off == 1 && span[(ms + 1) % 6].count == 1);
	CHECK(span[(ms + 4) % 6].off == 1 && span[(ms + 4) % 6].count == 1);
	CHECK(span[ms % 6].count == 0 && span[(ms + 5) % 6].count == 0);
	tap_end("rows: a full row reads one sector from each data member, none from parity");
}

/*
 * For many shapes and ranges: every sector read lies in its slot's run, and
 * each run starts and ends at a sector read (no member reads more than the
 * rows between its first and last sector).
 */
static void test_rows_cover(void)
{
	static const u32 shapes[][2] = { { 2, 1 }, { 3, 2 }, { 4, 2 }, { 8, 3 }, { 10, 4 },
					 { 16, 4 }, { 148, 8 } };
	struct teearray_row_span span[TEEARRAY_MAX_MEMBERS];
	unsigned int t, k, bad = 0;

	tap_begin();
	srand(16);
	for (t = 0; t < sizeof(shapes) / sizeof(shapes[0]); t++) {
		struct teearray_geometry g;
		u32 n = shapes[t][0], m = n + shapes[t][1];

		geo_init(&g, n, shapes[t][1]);
		for (k = 0; k < 200; k++) {
			u64 v = (u64)rand() % (g.data_sectors * n - 32 * n), first;
			u32 nv = 1 + (u32)rand() % (32 * n), rows, i, slot;
			u32 lo[TEEARRAY_MAX_MEMBERS], hi[TEEARRAY_MAX_MEMBERS];
			bool seen[TEEARRAY_MAX_MEMBERS] = { false };

			if (k % 4 == 0)
				v -= v % n;	/* row aligned */
			rows = teearray_plan_rows(&g, v, nv, &first, span);
			bad += first != v / n || rows != (v + nv - 1) / n - v / n + 1;
			for (i = 0; i < nv; i++) {
				u64 s = (v + i) / n;
				u32 row = (u32)(s - first);

				slot = teearray_slot_of(&g, g.data_start + s, (u32)((v + i) % n));
				bad += row < span[slot].off || row >= span[slot].off + span[slot].count;
				lo[slot] = seen[slot] ? lo[slot] : row;
				hi[slot] = row;
				seen[slot] = true;
			}
			for (slot = 0; slot < m; slot++)
				bad += seen[slot] ? span[slot].off != lo[slot] ||
						    span[slot].count != hi[slot] - lo[slot] + 1 :
						    span[slot].count != 0;
		}
	}
	CHECK(bad == 0);
	tap_end("rows: every sector read is in its member's run, and each run is as short as it can be");
}

/*
 * For many shapes and ranges: each slot's runs are disjoint, in order,
 * inside its span and as long as they can be, and together they hold every
 * sector read exactly once and nothing else (no parity, no sector outside
 * the range).  And their number stays within rows + 2 (N + P), which the
 * read path allocates for.
 */
static void test_runs_exact(void)
{
	static const u32 shapes[][2] = { { 2, 1 }, { 4, 2 }, { 8, 3 }, { 2, 16 },
					 { 4, 32 }, { 2, 128 }, { 148, 8 } };
	struct teearray_row_span span[TEEARRAY_MAX_MEMBERS], run;
	static bool got[80][TEEARRAY_MAX_MEMBERS];	/* by row, slot */
	unsigned int t, k, bad = 0;

	tap_begin();
	srand(17);
	for (t = 0; t < sizeof(shapes) / sizeof(shapes[0]); t++) {
		struct teearray_geometry g;
		u32 n = shapes[t][0], m = n + shapes[t][1];

		geo_init(&g, n, shapes[t][1]);
		for (k = 0; k < 100; k++) {
			u64 v = (u64)rand() % (g.data_sectors * n - 64 * n), first;
			u32 nv = 1 + (u32)rand() % (64 * n), rows, i, slot, nruns = 0;

			if (k % 4 == 0)
				v -= v % n;
			rows = teearray_plan_rows(&g, v, nv, &first, span);
			memset(got, 0, sizeof(got));
			for (slot = 0; slot < m; slot++) {
				u32 from = 0, last_end = 0, r;
				bool any = false;

				while (teearray_plan_run(&g, v, nv, first, slot, &span[slot],
							 &from, &run)) {
					nruns++;
					bad += run.count == 0;
					bad += run.off < span[slot].off ||
					       run.off + run.count > span[slot].off + span[slot].count;
					/* disjoint, in order, and not touching the previous run */
					bad += any && run.off <= last_end;
					for (r = run.off; r < run.off + run.count; r++)
						got[r][slot] = true;
					last_end = run.off + run.count;
					any = true;
				}
				bad += from != span[slot].off + span[slot].count;
			}
			/* exactly the sectors read */
			for (i = 0; i < nv; i++) {
				u64 s = (v + i) / n;
				u32 row = (u32)(s - first);

				slot = teearray_slot_of(&g, g.data_start + s, (u32)((v + i) % n));
				bad += !got[row][slot];
				got[row][slot] = false;
			}
			for (i = 0; i < rows; i++)
				for (slot = 0; slot < m; slot++)
					bad += got[i][slot];
			bad += nruns > rows + 2 * m;
		}
	}
	CHECK(bad == 0);
	/* 4+2, 64 whole rows: a run per 6 rows per member, not 6 spans with parity */
	{
		struct teearray_geometry g;
		u64 first;
		u32 slot, nruns = 0, sectors = 0;

		geo_init(&g, 4, 2);
		teearray_plan_rows(&g, 4 * 60, 4 * 64, &first, span);
		for (slot = 0; slot < 6; slot++) {
			u32 from = 0;

			while (teearray_plan_run(&g, 4 * 60, 4 * 64, first, slot, &span[slot],
						 &from, &run)) {
				nruns++;
				sectors += run.count;
			}
		}
		CHECK(sectors == 4 * 64);
		CHECK(nruns >= 64 / 6 * 6 && nruns <= 64 / 6 * 6 + 2 * 6);
	}
	tap_end("runs: each member reads exactly its sectors of the rows, no parity, in as few runs as can be");
}

int main(void)
{
	tap_plan(11);
	test_geometry();
	test_stripe_meta();
	test_healthy_fetch();
	test_degraded_fetch();
	test_avoid();
	test_rebuild_cursor();
	test_rmw();
	test_update_plan();
	test_rows_full_row();
	test_rows_cover();
	test_runs_exact();
	return tap_exit_status();
}
