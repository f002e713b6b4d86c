// SPDX-License-Identifier: GPL-2.0
/*
 * `teearray log` against real teedisk processes on loopback (no kernel, no
 * device-mapper device: the log is read straight from the members, as for
 * a closed array).  The test formats N + P members, writes signed,
 * hash-chained audit entries into the erasure-coded log stripes the way
 * the kernel lays them out, and runs the command (tools/teearray/log.c,
 * linked in, under ASan + UBSan) in a child for each case: printing,
 * --export, --verify, --anchor, usage errors; tampered, moved, missing,
 * wrapped and foreign-signed entries; members missing, restarted or marked
 * dead (their columns rebuilt from parity) and too few members.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sodium.h>

#include "teearray-cli.h"
#include "teearray-audit-entry.h"
#include "teearray-kdf.h"
#include "ta-format.h"
#include "ta-crypto.h"
#include "tee-ec.h"
#include "tap.h"

#define N 3
#define P 2
#define M (N + P)
#define SECTORS 512

/* From tools/teearray/dm.c. */
void cli_dm_init(void);

static char dir[] = "/tmp/teearray-logcli.XXXXXX";
static char conf[128], name[32];
static pid_t pids[M];
static int ports[M];
static struct ta_key key, other;
static struct ta_policy policy;
static uint8_t array_uuid[16];
static uint8_t member_uuids[M][16];
static uint8_t array_key[64];
static char pub_hex[65];

/* The log as the kernel would keep it: one entry per virtual log sector. */
static struct teearray_geometry geo;
static struct teearray_audit_disk *image;
static size_t cap;
static uint8_t hashes[200][32];	/* hash of entry seq, by seq */

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	ta_hex_encode(out, b, n);
}

static void start_teedisk(unsigned int slot)
{
	char sec[16], sl[16], portfile[128], keyfile[128], array_hex[37];
	FILE *f;

	snprintf(sec, sizeof(sec), "%d", SECTORS);
	snprintf(sl, sizeof(sl), "%u", slot);
	snprintf(portfile, sizeof(portfile), "%s/%u.port", dir, slot);
	snprintf(keyfile, sizeof(keyfile), "%s/sim", dir);
	teearray_format_uuid(array_uuid, array_hex);
	unlink(portfile);
	pids[slot] = fork();
	if (!pids[slot]) {
		char log[160];

		snprintf(log, sizeof(log), "%s/%u.log", dir, slot);
		if (!freopen(log, "a", stderr))
			_exit(126);
		execl("build/test/teedisk-san", "teedisk", "--listen", "127.0.0.1:0",
		      "--sectors", sec, "--array", array_hex, "--slot", sl,
		      "--authorized-key", pub_hex, "--attest", "sim", "--sim-key", keyfile,
		      "--port-file", portfile, (char *)NULL);
		_exit(127);
	}
	ports[slot] = 0;
	for (int i = 0; i < 250 && !ports[slot]; i++) {
		f = fopen(portfile, "r");
		if (f) {
			if (fscanf(f, "%d", &ports[slot]) != 1)
				ports[slot] = 0;
			fclose(f);
		}
		if (!ports[slot])
			usleep(20000);
	}
}

static void stop_teedisk(unsigned int slot)
{
	if (pids[slot] > 0) {
		kill(pids[slot], SIGKILL);
		waitpid(pids[slot], NULL, 0);
	}
	pids[slot] = 0;
}

/* A fresh attested connection (the CLI's take over the member's session). */
static int member_connect(struct ta_client *c, unsigned int slot)
{
	char addr[64];

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", ports[slot]);
	ta_client_init(c, &key, &policy, array_uuid, slot);
	if (ta_client_connect(c, addr, 5000) != TA_OK || ta_client_identify(c) != TA_OK) {
		ta_client_close(c);
		return -1;
	}
	return 0;
}

/* The configuration the CLI reads: signing key, policy, array and members. */
static void write_config(void)
{
	char path[160], buf[4096], h[65], u[37];
	unsigned int i;
	size_t len;

	snprintf(conf, sizeof(conf), "%s/teearrayd.conf", dir);
	teearray_format_uuid(array_uuid, u);
	hex(h, policy.sim_pubkey, 32);
	len = (size_t)snprintf(buf, sizeof(buf),
			       "signing-key file:%s/signing\npolicy allow-simulated yes\n"
			       "policy sim-pubkey %s\nmember-timeout 1s\n"
			       "array %s %s %d %d key=file:%s/root\n",
			       dir, h, name, u, N, P, dir);
	for (i = 0; i < M; i++) {
		char mu[37];

		teearray_format_uuid(member_uuids[i], mu);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"member %s %s %u 127.0.0.1:%d\n", mu, u, i, ports[i]);
	}
	write_text(conf, buf);
	snprintf(path, sizeof(path), "%s/root", dir);
	write_text(path, "unused by teearray log\n");
}

/* Entry seq of the log, chained to hashes[seq - 1], signed by k. */
static void make_entry(struct teearray_audit_disk *e, uint64_t seq, const struct ta_key *k)
{
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->magic = cpu_to_le64(TEEARRAY_AUDIT_MAGIC);
	e->version = cpu_to_le32(TEEARRAY_AUDIT_VERSION);
	e->event = cpu_to_le32(seq == 1 ? TEEARRAY_EV_OPEN :
			       (uint32_t)(seq % (__TEEARRAY_EV_MAX - 1)) + 1);
	memcpy(e->array_uuid, array_uuid, 16);
	e->seq = cpu_to_le64(seq);
	e->time = cpu_to_le64(1767225600 + seq * 60);	/* 2026-01-01T00:00Z + seq min */
	e->generation = cpu_to_le64(2);
	e->dr_version = cpu_to_le64(3);
	e->key_epoch = cpu_to_le32(0);
	e->arg[0] = cpu_to_le64(seq * 10);
	e->arg[1] = cpu_to_le64(seq * 100);
	if (seq > 1)
		memcpy(e->prev_hash, hashes[seq - 1], 32);
	e->nr_ids = cpu_to_le32(2);
	for (i = 0; i < 2; i++) {
		e->id[i].slot = cpu_to_le16(i);
		e->id[i].state = TEEARRAY_MEMBER_ALIVE;
		memset(e->id[i].instance, 0xc0 + i, 16);
		memset(e->id[i].measurement, 0x30 + i, 32);
	}
	memcpy(e->signer, k->pub, 32);
	teearray_audit_hash(e, hashes[seq]);
	ta_sign32(k, hashes[seq], e->sig);
}

static struct teearray_audit_disk *slot_of_seq(uint64_t seq)
{
	return &image[(seq - 1) % cap];
}

/* Entries first..last into the image (the ring keeps the newest cap). */
static void append(uint64_t first, uint64_t last)
{
	for (uint64_t s = first; s <= last; s++)
		make_entry(slot_of_seq(s), s, &key);
}

/*
 * Write the image to the members as the kernel lays it out: stripe
 * log_start + i / N, column i % N, parity columns N.. on teearray_slot_of.
 * Members in skip[] are left alone.  Returns 0 or -1.
 */
static int flush(const int *skip)
{
	struct tee_ec *ec = tee_ec_alloc(N, P);
	void *work = ec ? malloc(tee_ec_work_size(ec)) : NULL;
	uint8_t *share[M], par[P][TEEARRAY_SECTOR_SIZE];
	int r = ec && work ? 0 : -1;
	unsigned int i, c;

	for (i = 0; i < M; i++)
		share[i] = calloc(geo.log_sectors, TEEARRAY_SECTOR_SIZE);
	for (uint64_t s = 0; !r && s < geo.log_sectors; s++) {
		const uint8_t *data[N];
		uint8_t *parity[P];

		for (c = 0; c < N; c++)
			data[c] = (const uint8_t *)&image[s * N + c];
		for (c = 0; c < P; c++)
			parity[c] = par[c];
		tee_ec_encode(ec, work, data, parity);
		for (c = 0; c < M; c++)
			memcpy(share[teearray_slot_of(&geo, geo.log_start + s, c)] +
			       s * TEEARRAY_SECTOR_SIZE, c < N ? data[c] : par[c - N],
			       TEEARRAY_SECTOR_SIZE);
	}
	for (i = 0; !r && i < M; i++) {
		struct ta_client cl;

		if (skip && skip[i])
			continue;
		if (member_connect(&cl, i) ||
		    ta_client_write(&cl, geo.log_start, (uint32_t)geo.log_sectors, share[i]) !=
		    TA_OK)
			r = -1;
		ta_client_close(&cl);
	}
	for (i = 0; i < M; i++)
		free(share[i]);
	free(work);
	tee_ec_free(ec);
	return r;
}

/* One raw log sector of a member: what a malicious host would write. */
static int member_sector(unsigned int slot, uint64_t sector, const void *data)
{
	struct ta_client cl;
	int r = -1;

	if (!member_connect(&cl, slot) &&
	    ta_client_write(&cl, sector, 1, data) == TA_OK)
		r = 0;
	ta_client_close(&cl);
	return r;
}

/* Output of the last run. */
static char out[1 << 20], err[1 << 16];
static unsigned int out_lines;

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, size - 1, f) : 0;

	buf[n] = 0;
	if (f)
		fclose(f);
}

/* teearray log NAME --config CONF [args...], in a child; its exit status. */
static int run_log(const char *arg, ...)
{
	char *argv[16], outp[160], errp[160];
	unsigned int argc = 0;
	va_list ap;
	pid_t pid;
	int st;

	argv[argc++] = "log";
	argv[argc++] = name;
	argv[argc++] = "--config";
	argv[argc++] = conf;
	va_start(ap, arg);
	for (const char *a = arg; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	snprintf(outp, sizeof(outp), "%s/out", dir);
	snprintf(errp, sizeof(errp), "%s/err", dir);
	fflush(NULL);
	pid = fork();
	if (!pid) {
		if (!freopen(outp, "w", stdout) || !freopen(errp, "w", stderr))
			_exit(126);
		int rc;

		cli_dm_init();
		rc = cmd_log((int)argc, argv);
		fflush(NULL);
		_exit(rc);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	slurp(outp, out, sizeof(out));
	slurp(errp, err, sizeof(err));
	out_lines = 0;
	for (const char *p = out; *p; p++)
		out_lines += *p == '\n';
	return WEXITSTATUS(st);
}

/* The CLI's argv with the array name replaced (usage errors). */
static int run_raw(char **argv, int argc)
{
	char errp[160];
	pid_t pid;
	int st;

	snprintf(errp, sizeof(errp), "%s/err", dir);
	fflush(NULL);
	pid = fork();
	if (!pid) {
		if (!freopen("/dev/null", "w", stdout) || !freopen(errp, "w", stderr))
			_exit(126);
		int rc = cmd_log(argc, argv);

		fflush(NULL);
		_exit(rc);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	slurp(errp, err, sizeof(err));
	return WEXITSTATUS(st);
}

static int verified(uint64_t a, uint64_t b)
{
	char want[200], h[65];

	hex(h, hashes[b], 32);
	snprintf(want, sizeof(want), "log %s: %llu entries (seq %llu..%llu) verified; head %s\n",
		 name, (unsigned long long)(b - a + 1), (unsigned long long)a,
		 (unsigned long long)b, h);
	if (strcmp(out, want))
		printf("#   got: %s#   err: %s#   want: %s", out, err, want);
	return !strcmp(out, want);
}

static int err_has(const char *s)
{
	if (!strstr(err, s))
		printf("#   stderr lacks '%s': %s", s, err);
	return strstr(err, s) != NULL;
}

static void test_print_export_verify(void)
{
	char h5[65], h10[65], anchor[80], *line;

	tap_begin();
	append(1, 10);
	CHECK(flush(NULL) == 0);
	CHECK(run_log(NULL) == 0 && out_lines == 10);
	CHECK(!strncmp(out, "     1 2026-01-01T00:01:00Z open ", 33));
	CHECK(strstr(out, " epoch 0 gen 2 args 10 100 0:A:c0c0c0c0 1:A:c1c1c1c1 ") != NULL);
	hex(h10, hashes[10], 32);
	line = strstr(out, "    10 2026-01-01T00:10:00Z ");
	CHECK(line && strstr(line, " args 100 1000 "));
	CHECK(line && strncmp(strchr(line, '\n') - 12, h10, 12) == 0);
	tap_end("log: one line per entry: seq, UTC time, event, epoch, generation, args, ids, hash");

	tap_begin();
	CHECK(run_log("--export", NULL) == 0 && out_lines == 10);
	CHECK(!strncmp(out, "{\"seq\":1,\"time\":1767225660,\"event\":\"open\",\"event_code\":1,", 57));
	line = strstr(out, "{\"seq\":10,");
	CHECK(line && strstr(line, h10));
	hex(h5, hashes[4], 32);
	line = strstr(out, "{\"seq\":5,");
	CHECK(line && strstr(line, h5));	/* its prev_hash */
	CHECK(strstr(out, "\"ids\":[{\"slot\":0,\"state\":\"A\",\"state_code\":65,\"instance\":"
		      "\"c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0\",\"measurement\":\"3030") != NULL);
	tap_end("log --export: one JSON object per entry with every field and its hash");

	tap_begin();
	CHECK(run_log("--verify", NULL) == 0 && verified(1, 10));
	hex(h5, hashes[5], 32);
	CHECK(run_log("--verify", "--anchor", h5, NULL) == 0 && verified(1, 10));
	snprintf(anchor, sizeof(anchor), "5:%s", h5);
	CHECK(run_log("--anchor", anchor, NULL) == 0 && verified(1, 10));
	snprintf(anchor, sizeof(anchor), "6:%s", h5);
	CHECK(run_log("--verify", "--anchor", anchor, NULL) == 4);
	CHECK(err_has("log logcli: anchor not found: the log was truncated, rolled back or "
		      "altered"));
	CHECK(run_log("--verify", "--anchor", "12345", NULL) == 2);
	CHECK(run_log("--verify", "--anchor", "x:" "00", NULL) == 2);
	tap_end("log --verify: chain, signatures and an anchor (HASH or SEQ:HASH) verify");
}

static void test_usage(void)
{
	char *none[] = { "log", NULL };
	char *two[] = { "log", "a", "b", NULL };
	char *bad[] = { "log", "--bogus", "x", NULL };
	char *missing[] = { "log", "nosuch", "--config", conf, NULL };
	char *noconf[] = { "log", "x", "--config", "/nonexistent/teearrayd.conf", NULL };

	tap_begin();
	CHECK(run_raw(none, 1) == 2 && err_has("log needs exactly one array NAME"));
	CHECK(run_raw(two, 3) == 2);
	CHECK(run_raw(bad, 3) == 2);
	CHECK(run_raw(missing, 4) == 2 && err_has("has no array called 'nosuch'"));
	CHECK(run_raw(noconf, 4) == 2);
	CHECK(run_log("--verify", "--export", NULL) == 2);
	tap_end("log: usage errors exit 2");
}

static void test_tampering(void)
{
	struct teearray_audit_disk saved, e;
	uint32_t col;
	uint64_t ms;

	/* A flipped byte in entry 4: its signature no longer verifies. */
	tap_begin();
	saved = *slot_of_seq(4);
	slot_of_seq(4)->time ^= cpu_to_le64(1);
	CHECK(flush(NULL) == 0);
	CHECK(run_log("--verify", NULL) == 4 &&
	      err_has("log logcli: entry 4: signature does not verify"));
	CHECK(run_log(NULL) == 0 && out_lines == 10);	/* printing does not judge */
	*slot_of_seq(4) = saved;
	tap_end("log --verify: an altered entry fails its signature (exit 4)");

	/* Entry 4 rewritten and re-signed by another key: chain and key. */
	tap_begin();
	make_entry(slot_of_seq(4), 4, &other);
	CHECK(flush(NULL) == 0);
	CHECK(run_log("--verify", NULL) == 4 &&
	      err_has("entry 4: signed by another key than the storage signing key"));
	append(4, 4);
	CHECK(flush(NULL) == 0);
	CHECK(run_log("--verify", NULL) == 0 && verified(1, 10));
	tap_end("log --verify: an entry signed by another key is refused");

	/* Entry 6 gone: a gap. */
	tap_begin();
	saved = *slot_of_seq(6);
	memset(slot_of_seq(6), 0, sizeof(saved));
	CHECK(flush(NULL) == 0);
	CHECK(run_log("--verify", NULL) == 4 &&
	      err_has("entry 7 follows entry 5: entries are missing or repeated"));
	*slot_of_seq(6) = saved;
	tap_end("log --verify: a missing entry in the middle is detected");

	/* The newest entries cut off: only an anchor notices (array closed). */
	tap_begin();
	memset(slot_of_seq(9), 0, sizeof(saved));
	memset(slot_of_seq(10), 0, sizeof(saved));
	CHECK(flush(NULL) == 0);
	CHECK(run_log("--verify", NULL) == 0 && verified(1, 8));
	{
		char h10[65];

		hex(h10, hashes[10], 32);
		CHECK(run_log("--verify", "--anchor", h10, NULL) == 4 &&
		      err_has("anchor not found"));
	}
	append(9, 10);
	tap_end("log --verify: truncation passes the chain, fails the anchor");

	/* Entry 3 copied over entry 7's sector. */
	tap_begin();
	saved = *slot_of_seq(7);
	*slot_of_seq(7) = *slot_of_seq(3);
	CHECK(flush(NULL) == 0);
	CHECK(run_log("--verify", NULL) == 4 &&
	      err_has("entry 3 is in log sector 6, not in its own (2): moved or copied"));
	*slot_of_seq(7) = saved;
	tap_end("log --verify: an entry copied to another log sector is detected");

	/* Entry 1 must start the chain from zero. */
	tap_begin();
	e = *slot_of_seq(1);
	slot_of_seq(1)->prev_hash[0] = 1;
	teearray_audit_hash(slot_of_seq(1), hashes[1]);
	ta_sign32(&key, hashes[1], slot_of_seq(1)->sig);
	append(2, 10);
	CHECK(flush(NULL) == 0);
	CHECK(run_log("--verify", NULL) == 4 &&
	      err_has("entry 1: does not chain to the entry before it"));
	*slot_of_seq(1) = e;
	teearray_audit_hash(&e, hashes[1]);
	append(2, 10);
	tap_end("log --verify: entry 1 with a non-zero prev_hash is refused");

	/* Garbage in one data column of a log stripe (raw, on one member). */
	tap_begin();
	CHECK(flush(NULL) == 0);
	ms = teearray_audit_ms(&geo, 2, &col);
	memset(&e, 0xa5, sizeof(e));
	CHECK(member_sector(teearray_slot_of(&geo, ms, col), ms, &e) == 0);
	CHECK(run_log("--verify", NULL) == 4 &&
	      err_has("log logcli: log sector 1: not an audit log entry"));
	CHECK(run_log(NULL) == 0 && out_lines == 9 && err_has("log sector 1"));
	CHECK(flush(NULL) == 0);
	CHECK(run_log("--verify", NULL) == 0 && verified(1, 10));
	tap_end("log: a malformed log sector fails --verify, printing warns and goes on");
}

static void test_wrap(void)
{
	char h[65];

	tap_begin();
	append(11, cap + 7);
	CHECK(flush(NULL) == 0);
	CHECK(run_log("--verify", NULL) == 0 && verified(8, cap + 7));
	CHECK(run_log("--export", NULL) == 0 && out_lines == cap);
	CHECK(!strncmp(out, "{\"seq\":8,", 9));
	hex(h, hashes[5], 32);
	CHECK(run_log("--verify", "--anchor", h, NULL) == 4 && err_has("anchor not found"));
	hex(h, hashes[8], 32);
	CHECK(run_log("--verify", "--anchor", h, NULL) == 0);
	tap_end("log: the ring keeps the newest %zu entries; the oldest one's prev_hash is not "
		"checked", cap);
}

/*
 * A death record saying slot `dead` is dead, under the metadata key; slot
 * `stale` is listed with an instance id it does not have (M: none).
 */
static int mark_dead(unsigned int dead, unsigned int stale, uint64_t version)
{
	struct teearray_dr_info dri = { 0 };
	struct teearray_dr_disk dr;
	struct ta_client cl[M];
	uint8_t e0[64], meta[32];
	unsigned int i;
	int r = 0;

	teearray_epoch_key(array_key, 64, array_uuid, 0, e0);
	teearray_derive_key(e0, 64, array_uuid, TEEARRAY_PURPOSE_METADATA, 0, meta);
	dri.version = version;
	dri.generation = 1;
	dri.nr_members = M;
	for (i = 0; i < M; i++) {
		if (member_connect(&cl[i], i))
			r = -1;
		dri.state[i] = i == dead ? TEEARRAY_MEMBER_DEAD : TEEARRAY_MEMBER_ALIVE;
		memcpy(dri.instance[i], cl[i].instance, TEEARRAY_DR_INSTANCE_SIZE);
		if (i == stale)
			dri.instance[i][0] ^= 1;
	}
	teearray_dr_build(&dr, &dri, array_uuid, meta);
	for (i = 0; i < M; i++) {
		if (!r && ta_client_death_write(&cl[i], version, (const uint8_t *)&dr) != TA_OK)
			r = -1;
		ta_client_close(&cl[i]);
	}
	return r;
}

static void test_members(void)
{
	uint64_t last = cap + 7;
	int skip[M] = { 0 };
	struct ta_client cl;
	uint8_t *junk;

	/* Slot 1's columns garbage on the member; the death record says dead. */
	tap_begin();
	append(last + 1, last + 2);
	last += 2;
	skip[1] = 1;
	CHECK(flush(skip) == 0);
	junk = malloc(geo.log_sectors * TEEARRAY_SECTOR_SIZE);
	CHECK(junk && !member_connect(&cl, 1));
	if (junk) {
		memset(junk, 0xa5, geo.log_sectors * TEEARRAY_SECTOR_SIZE);
		CHECK(ta_client_write(&cl, geo.log_start, (uint32_t)geo.log_sectors, junk) ==
		      TA_OK);
	}
	ta_client_close(&cl);
	free(junk);
	CHECK(run_log("--verify", NULL) == 4 && err_has("not an audit log entry"));
	CHECK(mark_dead(1, M, 10) == 0);
	CHECK(run_log("--verify", NULL) == 0 && verified(last - cap + 1, last));
	CHECK(err_has("member 1 is dead in the death record: its log columns are rebuilt"));
	tap_end("log: columns of a member the death record marks dead are rebuilt from parity");

	/* Slot 0 not the instance the death record names (slot 1 still dead). */
	tap_begin();
	CHECK(mark_dead(1, 0, 11) == 0);
	CHECK(run_log("--verify", NULL) == 0 && verified(last - cap + 1, last));
	CHECK(err_has("member 0 was restarted since the death record was written: its log "
		      "columns are rebuilt"));
	CHECK(mark_dead(1, M, 12) == 0);
	tap_end("log: columns of a member with another instance than the death record's are "
		"rebuilt");

	/* Slot 3 restarted (blank, another instance), slot 1 still dead. */
	tap_begin();
	stop_teedisk(3);
	start_teedisk(3);
	write_config();		/* its new port */
	CHECK(run_log("--verify", NULL) == 0 && verified(last - cap + 1, last));
	CHECK(err_has("member 3: blank: no superblock (not formatted, or a restarted teedisk)"));
	tap_end("log: a restarted (blank) member's columns are rebuilt too");

	/* Slot 4 down as well: three of five columns gone, P = 2. */
	tap_begin();
	stop_teedisk(4);
	CHECK(run_log("--verify", NULL) == 3);
	CHECK(err_has("member 4: 127.0.0.1:") && err_has(" does not answer"));
	CHECK(err_has("logcli: 2 of 5 members served the log, 3 are needed"));
	CHECK(run_log(NULL) == 3);
	CHECK(run_log("--export", NULL) == 3 && !out[0]);
	tap_end("log: too few members answer: exit 3");
}

int main(void)
{
	struct ta_client clients[M], *cp[M];
	uint8_t sec[32], simsec[32], osec[32];
	char path[160], h[80], ferr[256];
	struct teearray_sb_disk sb;
	struct ta_key sim;
	unsigned int i;
	int ok = 1;

	tap_plan(18);
	if (sodium_init() < 0 || ta_crypto_init() || !mkdtemp(dir))
		return 1;
	snprintf(name, sizeof(name), "logcli");
	ta_key_generate(&key, sec);
	ta_key_generate(&other, osec);
	ta_key_generate(&sim, simsec);
	snprintf(path, sizeof(path), "%s/sim", dir);
	hex(h, simsec, 32);
	strcat(h, "\n");
	write_text(path, h);
	snprintf(path, sizeof(path), "%s/signing", dir);
	hex(h, sec, 32);
	strcat(h, "\n");
	write_text(path, h);
	sodium_memzero(sec, sizeof(sec));
	sodium_memzero(osec, sizeof(osec));
	sodium_memzero(simsec, sizeof(simsec));
	hex(pub_hex, key.pub, 32);
	randombytes_buf(array_uuid, sizeof(array_uuid));
	array_uuid[6] = (array_uuid[6] & 0x0f) | 0x40;
	array_uuid[8] = (array_uuid[8] & 0x3f) | 0x80;
	policy.allow_simulated = 1;
	policy.have_sim_pubkey = 1;
	memcpy(policy.sim_pubkey, sim.pub, 32);
	randombytes_buf(array_key, sizeof(array_key));

	for (i = 0; i < M; i++) {
		randombytes_buf(member_uuids[i], 16);
		start_teedisk(i);
	}
	for (i = 0; i < M; i++) {
		cp[i] = &clients[i];
		if (member_connect(&clients[i], i))
			ok = 0;
	}
	if (ok) {
		uint8_t e0[64];

		teearray_epoch_key(array_key, 64, array_uuid, 0, e0);
		ok = !ta_format_array(cp, N, P, array_uuid, (const uint8_t (*)[16])member_uuids,
				      e0, 0, ferr, sizeof(ferr)) &&
		     ta_client_read(&clients[0], 0, 1, (uint8_t *)&sb) == TA_OK &&
		     !teearray_geometry_init(&geo, N, P, le64_to_cpu(sb.member_sectors),
					     le64_to_cpu(sb.journal_sectors),
					     le64_to_cpu(sb.log_sectors));
		sodium_memzero(e0, sizeof(e0));
		if (!ok)
			printf("#   format: %s\n", ferr);
	}
	for (i = 0; i < M; i++)
		ta_client_close(&clients[i]);
	tap_begin();
	CHECK(ok);
	tap_end("log: %d teedisks started, identified and formatted", M);
	if (!ok)
		goto out;
	write_config();
	cap = teearray_audit_capacity(&geo);
	image = calloc(cap, sizeof(*image));
	if (!image || cap + 10 >= sizeof(hashes) / sizeof(hashes[0]))
		goto out;

	tap_begin();
	CHECK(run_log("--verify", NULL) == 0 && !strcmp(out, "log logcli: no entries\n"));
	CHECK(run_log(NULL) == 0 && !out[0]);
	tap_end("log: a fresh array's log is empty");

	test_print_export_verify();
	test_usage();
	test_tampering();
	test_wrap();
	test_members();
out:
	for (i = 0; i < M; i++)
		stop_teedisk(i);
	free(image);
	ta_key_wipe(&key);
	ta_key_wipe(&other);
	ta_key_wipe(&sim);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path))
		return 1;
	return tap_exit_status();
}
