// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for member freshness (kernel/teearray-fresh.c): the
 * superblock checks of assembly, the choice of the death record and the
 * confirmation rule of "Assembly and freshness" in
 * Documentation/admin-guide/device-mapper/dm-teearray.rst, the state each
 * member comes out with, the death record written from the member states,
 * and the "more than P dead" rule.  Each case starts from an array whose
 * members all answered with valid superblocks and the same death record,
 * and changes what one scenario needs.
 */
#include <stdlib.h>
#include "teearray-fresh.h"
#include "tap.h"

#define A TEEARRAY_MEMBER_ALIVE
#define R TEEARRAY_MEMBER_REBUILDING
#define D TEEARRAY_MEMBER_DEAD

static const u8 array_uuid[16] = { 0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static unsigned int n, p, m;
static struct teearray_geometry geo;
static struct teearray_member members[TEEARRAY_MAX_MEMBERS];
static struct teearray_probe *pr;
static struct teearray_expect x;

static void instance_of(u32 slot, u8 generation, u8 *out)
{
	memset(out, 0, TEEARRAY_INSTANCE_SIZE);
	out[0] = 0x40 + slot;
	out[1] = generation;	/* a restarted teedisk has a new instance id */
}

/* The record every member holds: version, all listed in sync. */
static void record(struct teearray_dr_info *dr, u64 version)
{
	unsigned int i;

	memset(dr, 0, sizeof(*dr));
	dr->version = version;
	dr->generation = 10;
	dr->nr_members = m;
	for (i = 0; i < m; i++) {
		u8 inst[TEEARRAY_INSTANCE_SIZE];

		dr->state[i] = A;
		instance_of(i, 1, inst);
		memcpy(dr->instance[i], inst, TEEARRAY_DR_INSTANCE_SIZE);
	}
}

/* n + p members, all answered (state ALIVE during assembly), all valid. */
static void setup(unsigned int data, unsigned int parity)
{
	unsigned int i;

	n = data;
	p = parity;
	m = n + p;
	if (teearray_geometry_init(&geo, n, p, 1ULL << 20, TEEARRAY_DEF_JOURNAL_SECTORS,
				   TEEARRAY_DEF_LOG_STRIPES))
		exit(1);
	memset(members, 0, sizeof(members));
	memset(pr, 0, TEEARRAY_MAX_MEMBERS * sizeof(*pr));
	for (i = 0; i < m; i++) {
		members[i].state = A;
		members[i].uuid[0] = 0x70 + i;
		members[i].generation = 10;
		instance_of(i, 1, members[i].instance);
		pr[i].sbi.geo = geo;
		memcpy(pr[i].sbi.array_uuid, array_uuid, 16);
		memcpy(pr[i].sbi.member_uuid, members[i].uuid, 16);
		pr[i].sbi.slot = i;
		pr[i].sbi.create_time = 1700000000;
		record(&pr[i].dri, 5);
	}
	x.array_uuid = array_uuid;
	x.n = n;
	x.p = p;
	x.key_epoch = 0;
	x.prev_key = false;
	x.len = geo.array_sectors * 8;
}

/* Member i did not answer at all. */
static void unreachable(unsigned int i)
{
	members[i].state = D;
	pr[i].sb_state = -EIO;
	pr[i].dr_state = -EIO;
}

/* Member i was restarted: it answers with a new instance id. */
static void restarted(unsigned int i)
{
	instance_of(i, 2, members[i].instance);
}

/*
 * Assembly's decisions: superblocks, death record, then each member's
 * state in states[].  Returns the first error.
 */
static int assemble(struct teearray_dr_info *best, struct teearray_dr_tally *t,
		    u8 *states)
{
	struct teearray_geometry g;
	const char *why = NULL;
	unsigned int i;
	int r;

	memset(&g, 0, sizeof(g));
	r = teearray_fresh_superblocks(&x, members, pr, &g, &why);
	if (r) {
		CHECK(why != NULL);
		return r;
	}
	CHECK(!memcmp(&g, &geo, sizeof(g)));
	r = teearray_fresh_death_record(&x, members, pr, best, t, &why);
	if (r) {
		CHECK(why != NULL);
		return r;
	}
	for (i = 0; i < m; i++)
		states[i] = teearray_fresh_state(best, i, &members[i], &pr[i]);
	return 0;
}

static bool states_are(const u8 *states, const char *want)
{
	unsigned int i;

	for (i = 0; i < m; i++)
		if (states[i] != (u8)want[i]) {
			printf("#   states ");
			for (i = 0; i < m; i++)
				printf("%c", states[i]);
			printf(", want %s\n", want);
			return false;
		}
	return true;
}

static void test_healthy(void)
{
	struct teearray_dr_info best;
	struct teearray_dr_tally t;
	u8 states[TEEARRAY_MAX_MEMBERS];

	tap_begin();
	setup(4, 2);
	CHECK(assemble(&best, &t, states) == 0);
	CHECK(best.version == 5 && t.listed == 6 && t.confirmed == 6 && t.in_sync == 6);
	CHECK(states_are(states, "AAAAAA"));
	tap_end("assembly: all members answer and confirm: all in sync");
}

static void test_superblocks(void)
{
	struct teearray_dr_info best;
	struct teearray_dr_tally t;
	u8 states[TEEARRAY_MAX_MEMBERS];
	struct teearray_geometry g;
	const char *why;
	unsigned int i;

	tap_begin();
	/* Superblocks of another slot, another member, another array: left out. */
	setup(4, 2);
	pr[1].sbi.slot = 2;
	pr[3].sbi.member_uuid[0] ^= 1;
	CHECK(assemble(&best, &t, states) == 0);
	CHECK(pr[1].foreign && pr[1].sb_state == -EINVAL && pr[3].foreign);
	CHECK(!pr[0].foreign && !pr[2].foreign);
	CHECK(states_are(states, "ADADAA"));
	setup(4, 2);
	pr[0].sbi.array_uuid[15] ^= 1;
	CHECK(assemble(&best, &t, states) == 0 && pr[0].foreign);
	CHECK(states_are(states, "DAAAAA"));
	/* A superblock that does not verify: that member does not confirm. */
	setup(4, 2);
	pr[4].sb_state = -EBADMSG;
	CHECK(assemble(&best, &t, states) == 0 && !pr[4].foreign);
	CHECK(states_are(states, "AAAADA"));

	/* Members disagree about the geometry. */
	setup(4, 2);
	pr[5].sbi.geo.data_sectors--;
	CHECK(assemble(&best, &t, states) == -EINVAL);
	/* The table's counts differ from the superblocks (3+3 vs 4+2). */
	setup(4, 2);
	x.n = 3;
	x.p = 3;
	CHECK(assemble(&best, &t, states) == -EINVAL);
	/* The table is longer than the array. */
	setup(4, 2);
	x.len += 8;
	CHECK(assemble(&best, &t, states) == -ENOSPC);
	/* Blank members; none verifies; mixed; nobody answers. */
	setup(4, 2);
	for (i = 0; i < m; i++)
		pr[i].sb_state = -ENODATA;
	CHECK(assemble(&best, &t, states) == -ENODATA);
	pr[2].sb_state = -EBADMSG;
	CHECK(assemble(&best, &t, states) == -EKEYREJECTED);
	for (i = 0; i < m; i++)
		pr[i].sb_state = -EKEYREJECTED;
	CHECK(assemble(&best, &t, states) == -EKEYREJECTED);
	for (i = 0; i < m; i++)
		unreachable(i);
	CHECK(assemble(&best, &t, states) == -EIO);
	/* A member that did not answer is not looked at, whatever it held. */
	setup(4, 2);
	unreachable(2);
	pr[2].sb_state = 0;
	pr[2].sbi.geo.data_sectors++;
	CHECK(assemble(&best, &t, states) == 0 && states_are(states, "AADAAA"));
	/* An unfinished key rotation needs the previous key. */
	setup(4, 2);
	pr[3].sbi.rotating = true;
	CHECK(assemble(&best, &t, states) == -EKEYREJECTED);
	x.prev_key = true;
	CHECK(assemble(&best, &t, states) == 0);
	setup(4, 2);
	x.key_epoch = 1;
	CHECK(assemble(&best, &t, states) == -EKEYREJECTED);
	/* geo is left alone on failure. */
	setup(4, 2);
	pr[5].sbi.geo.data_sectors--;
	memset(&g, 0x5a, sizeof(g));
	CHECK(teearray_fresh_superblocks(&x, members, pr, &g, &why) == -EINVAL);
	CHECK(((u8 *)&g)[0] == 0x5a && ((u8 *)&g)[sizeof(g) - 1] == 0x5a);
	tap_end("superblocks: foreign, invalid and unreachable members are left out; the rest must agree");
}

static void test_newest_record(void)
{
	struct teearray_dr_info best;
	struct teearray_dr_tally t;
	u8 states[TEEARRAY_MAX_MEMBERS];
	unsigned int i;

	tap_begin();
	/* The newest valid record wins, wherever it is; the first of equals. */
	setup(4, 2);
	pr[3].dri.version = 8;
	pr[5].dri.version = 8;
	pr[5].dri.generation = 99;
	pr[1].dri.version = 7;
	CHECK(assemble(&best, &t, states) == 0);
	CHECK(best.version == 8 && best.generation == 10);
	/* Records of another member count, or that do not verify, do not count. */
	setup(4, 2);
	pr[0].dri.version = 50;
	pr[0].dri.nr_members = 5;
	pr[1].dri.version = 40;
	pr[1].dr_state = -EBADMSG;
	CHECK(assemble(&best, &t, states) == 0 && best.version == 5);
	setup(4, 2);
	for (i = 0; i < m; i++)
		pr[i].dr_state = -ENODATA;
	CHECK(assemble(&best, &t, states) == -EIO);
	tap_end("death record: the newest valid one is taken");
}

static void test_no_revival(void)
{
	struct teearray_dr_info best;
	struct teearray_dr_tally t;
	u8 states[TEEARRAY_MAX_MEMBERS];
	unsigned int i;

	tap_begin();
	/*
	 * v9 marked member 2 dead; member 2 missed it and still holds v8,
	 * listing everyone in sync.  It answers with the instance v8 names:
	 * it stays dead.
	 */
	setup(4, 2);
	for (i = 0; i < m; i++) {
		pr[i].dri.version = 9;
		pr[i].dri.state[2] = D;
	}
	record(&pr[2].dri, 8);
	CHECK(assemble(&best, &t, states) == 0);
	CHECK(best.version == 9 && t.listed == 5 && t.confirmed == 5);
	CHECK(states_are(states, "AADAAA"));
	/* Even when it is the first member to answer with a record. */
	unreachable(0);
	CHECK(assemble(&best, &t, states) == 0 && best.version == 9);
	CHECK(states_are(states, "DADAAA"));
	/* A member listed dead stays dead although it confirms. */
	CHECK(teearray_fresh_confirms(&best, 2, &members[2], &pr[2]));
	CHECK(teearray_fresh_state(&best, 2, &members[2], &pr[2]) == D);
	tap_end("death record: an older record never brings a dead member back");
}

static void test_restarted(void)
{
	struct teearray_dr_info best;
	struct teearray_dr_tally t;
	u8 states[TEEARRAY_MAX_MEMBERS];

	tap_begin();
	/* A restarted teedisk lost its contents' authority: marked dead. */
	setup(4, 2);
	restarted(1);
	CHECK(!teearray_fresh_confirms(&pr[0].dri, 1, &members[1], &pr[1]));
	CHECK(assemble(&best, &t, states) == 0);
	CHECK(t.listed == 6 && t.confirmed == 5 && t.in_sync == 5);
	CHECK(states_are(states, "ADAAAA"));
	/* Two restarted, one unreachable: 3 in sync < N = 4: refused. */
	restarted(4);
	unreachable(5);
	CHECK(assemble(&best, &t, states) == -ESTALE);
	CHECK(t.confirmed == 3 && t.in_sync == 3);
	tap_end("freshness: a member restarted since the record (new instance id) is stale");
}

static void test_stale_group(void)
{
	struct teearray_dr_info best;
	struct teearray_dr_tally t;
	u8 states[TEEARRAY_MAX_MEMBERS];
	unsigned int i;

	tap_begin();
	/*
	 * 4+2: v7 on members 0-3 marked 4 and 5 dead.  Only 4 and 5 come
	 * back, holding v6 that lists all six in sync: refused.
	 */
	setup(4, 2);
	for (i = 0; i < 4; i++) {
		pr[i].dri.version = 7;
		pr[i].dri.state[4] = D;
		pr[i].dri.state[5] = D;
		unreachable(i);
	}
	record(&pr[4].dri, 6);
	record(&pr[5].dri, 6);
	CHECK(assemble(&best, &t, states) == -ESTALE);
	CHECK(best.version == 6 && t.listed == 6 && t.confirmed == 2);
	/* With members 0-3 back, v7 wins and 4, 5 stay dead. */
	for (i = 0; i < 4; i++) {
		members[i].state = A;
		pr[i].sb_state = 0;
		pr[i].dr_state = 0;
	}
	CHECK(assemble(&best, &t, states) == 0 && best.version == 7);
	CHECK(states_are(states, "AAAADD"));
	/* Exactly N in sync confirming is enough (4 of 6 > 6 - 4) ... */
	setup(4, 2);
	unreachable(0);
	unreachable(5);
	CHECK(assemble(&best, &t, states) == 0 && states_are(states, "DAAAAD"));
	/* ... N - 1 is not. */
	unreachable(1);
	CHECK(assemble(&best, &t, states) == -ESTALE);
	/*
	 * 1+3, all listed: a group of up to 3 may have been marked dead
	 * together, so more than 3 must confirm, though N = 1 could serve.
	 */
	setup(1, 3);
	unreachable(3);
	CHECK(assemble(&best, &t, states) == -ESTALE);
	CHECK(t.listed == 4 && t.confirmed == 3 && t.in_sync == 3);
	setup(1, 3);
	CHECK(assemble(&best, &t, states) == 0);
	/* With two listed dead, L = 2: the one of them left confirming is not > 1. */
	for (i = 0; i < m; i++)
		pr[i].dri.state[2] = pr[i].dri.state[3] = D;
	unreachable(1);
	CHECK(assemble(&best, &t, states) == -ESTALE && t.listed == 2 && t.confirmed == 1);
	tap_end("freshness: members marked dead together can never outvote the current ones");
}

static void test_rebuilding(void)
{
	struct teearray_dr_info best;
	struct teearray_dr_tally t;
	u8 states[TEEARRAY_MAX_MEMBERS];
	unsigned int i;

	tap_begin();
	/* Member 1 was being rebuilt: it stays 'a', confirms, but is not in sync. */
	setup(4, 2);
	for (i = 0; i < m; i++)
		pr[i].dri.state[1] = R;
	unreachable(0);
	CHECK(assemble(&best, &t, states) == 0);
	CHECK(t.listed == 6 && t.confirmed == 5 && t.in_sync == 4);
	CHECK(states_are(states, "DaAAAA"));
	/* It does not make up for a member in sync: 3 in sync is too few. */
	unreachable(2);
	CHECK(assemble(&best, &t, states) == -ESTALE);
	CHECK(t.confirmed == 4 && t.in_sync == 3);
	tap_end("freshness: a member being rebuilt confirms but does not count towards N");
}

static void test_dead_count(void)
{
	struct teearray_dr_info info;

	tap_begin();
	setup(4, 2);
	members[1].state = D;
	members[4].state = R;
	CHECK(teearray_members_count(members, m, D) == 1);
	CHECK(teearray_members_count(members, m, R) == 1);
	CHECK(teearray_members_count(members, m, A) == 4);
	CHECK(!teearray_members_too_many_dead(members, m, p));
	members[3].state = D;
	CHECK(!teearray_members_too_many_dead(members, m, p));	/* P dead: still serves */
	members[0].state = D;
	CHECK(teearray_members_too_many_dead(members, m, p));	/* P + 1: fails */
	CHECK(teearray_members_too_many_dead(members, m, 3) == false);

	/* The record written: states, instance prefixes, highest generation. */
	members[2].generation = 12;
	teearray_members_dr_info(members, m, 3, 77, &info);
	CHECK(info.version == 77 && info.key_epoch == 3 && info.nr_members == 6);
	CHECK(info.generation == 12);
	CHECK(teearray_members_max_generation(members, m) == 12);
	CHECK(!memcmp(info.state, "DDADaA", 6) && info.state[6] == 0);
	CHECK(!memcmp(info.instance[5], members[5].instance, TEEARRAY_DR_INSTANCE_SIZE));
	CHECK(teearray_dr_count(&info, D) == 3);
	tap_end("dead members: more than P dead fails the array; the record lists the states");
}

int main(void)
{
	pr = calloc(TEEARRAY_MAX_MEMBERS, sizeof(*pr));
	if (!pr)
		return 1;
	tap_plan(8);
	test_healthy();
	test_superblocks();
	test_newest_record();
	test_no_revival();
	test_restarted();
	test_stale_group();
	test_rebuilding();
	test_dead_count();
	free(pr);
	return tap_exit_status();
}
