// SPDX-License-Identifier: GPL-2.0
/*
 * teedisk-client: talk to one storage enclave from the command line.
 * For operators (identify, status) and for tests (every operation, raw
 * frames, and options that deliberately send wrong bound fields).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ta-attest.h"
#include "ta-client.h"
#include "ta-crypto.h"

#define EXIT_REJECTED	3

struct opts {
	const char *connect, *key_file, *out, *save_frame, *tsm_verifier, *exe;
	int have_array, have_slot, timeout_ms;
	uint8_t array[TA_UUID_LEN];
	uint32_t slot;
	struct ta_policy pol;
	/* test knobs: applied after identify */
	int f_array, f_slot, f_instance, f_gen, f_seq, f_recver, attest_flag;
	uint8_t fa[TA_UUID_LEN], fi[TA_INSTANCE_LEN];
	uint32_t fs;
	uint64_t fg, fq, recver, sectors;
	const char *attest_name;
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: teedisk-client [options] COMMAND [ARGS]\n"
"commands:\n"
"  keygen FILE              new signing key: secret (hex) to FILE, public key to stdout\n"
"  pubkey                   print the x-only public key of --key\n"
"  measurement              expected measurement of a teedisk (--exe, --sectors,\n"
"                           --attest, --array, --slot, --key)\n"
"  identify                 attested identity of the member\n"
"  status                   unauthenticated status and counters\n"
"  read SECTOR [COUNT]      data to --out FILE (default stdout)\n"
"  write SECTOR FILE        FILE's size must be a multiple of 4096\n"
"  write-short SECTOR FILE  FILE (1..4096 bytes) at the sector's start, the rest zeroed\n"
"  copy SRC DST [COUNT]\n"
"  trim SECTOR [COUNT]\n"
"  death-read               the death-record sector to --out\n"
"  death-write VERSION [FILE]  record = u64 version || FILE (at most 4088 bytes)\n"
"  fence GENERATION\n"
"  batch SPEC...            one signed batch; SPEC is read:S[:C] write:S:FILE\n"
"                           write-short:S:FILE copy:SRC:DST[:C] trim:S[:C] death-read\n"
"                           death-write:V[:FILE] fence:G\n"
"  raw FILE                 HELLO, then send FILE as a frame, print the answer's\n"
"                           kind/error (not authenticated)\n"
"options:\n"
"  --connect HOST:PORT --key FILE --array UUID --slot N --timeout MS\n"
"  --allow-simulated --sim-pubkey HEX --tsm-verifier CMD\n"
"  --measurement HEX        pin the teedisk measurement (program + configuration)\n"
"  --platform-measurement HEX  pin the measurement in the evidence (tsm: platform)\n"
"  --out FILE --attest-response (attest a batch without reads)\n"
"  --exe PATH --sectors N --attest sim|tsm (for 'measurement')\n"
"testing (send deliberately wrong bound fields after identify):\n"
"  --force-array UUID --force-slot N --force-instance HEX\n"
"  --force-generation N --force-seq N --record-version N --save-frame FILE\n"
"exit status: 0 ok, 1 local error, 2 usage, 3 rejected by the member\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -1 : 0;
}

static int read_file(const char *path, uint8_t **buf, size_t *len, size_t max)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0 || fstat(fd, &st) || (size_t)st.st_size > max) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "teedisk-client: cannot read %s (or larger than %zu bytes)\n",
			path, max);
		return -1;
	}
	*buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!*buf) {
		close(fd);
		return -1;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, *buf + n, (size_t)st.st_size - n);

		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			free(*buf);
			close(fd);
			return -1;
		}
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return 0;
}

static int write_out(const char *path, const uint8_t *p, size_t n)
{
	int fd = path ? open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600) : 1;

	if (fd < 0)
		return -1;
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			break;
		}
		p += w;
		n -= (size_t)w;
	}
	if (path)
		close(fd);
	return n ? -1 : 0;
}

/* Payload buffers of a parsed batch, freed after sending. */
struct specs {
	struct ta_cmd cmds[TA_MAX_CMDS];
	uint8_t *bufs[TA_MAX_CMDS];
	unsigned int n;
};

static int spec_field(char **s, uint64_t *v)
{
	char *tok = strsep(s, ":");

	return tok ? parse_u64(tok, v) : -1;
}

static int parse_spec(struct specs *sp, char *spec, const struct opts *o)
{
	struct ta_cmd *c = &sp->cmds[sp->n];
	char *s = spec, *name = strsep(&s, ":");
	uint64_t a = 0, b = 0, cnt = 1;
	size_t len;

	if (sp->n >= TA_MAX_CMDS)
		return -1;
	memset(c, 0, sizeof(*c));
	c->count = 1;
	if (!strcmp(name, "read") || !strcmp(name, "trim")) {
		if (spec_field(&s, &a) || (s && spec_field(&s, &cnt)) || s)
			return -1;
		c->op = !strcmp(name, "read") ? TA_OP_READ : TA_OP_TRIM;
		c->sector = a;
		c->count = (uint32_t)cnt;
	} else if (!strcmp(name, "copy")) {
		if (spec_field(&s, &a) || spec_field(&s, &b) || (s && spec_field(&s, &cnt)) || s)
			return -1;
		c->op = TA_OP_COPY;
		c->sector = a;
		c->arg = b;
		c->count = (uint32_t)cnt;
	} else if (!strcmp(name, "write")) {
		char *file;

		if (spec_field(&s, &a) || !(file = strsep(&s, ":")) || s)
			return -1;
		if (read_file(file, &sp->bufs[sp->n], &len, TA_MAX_COUNT * TA_SECTOR_SIZE))
			return -1;
		if (len == 0 || len % TA_SECTOR_SIZE) {
			fprintf(stderr, "teedisk-client: %s: size must be a non-zero multiple"
				" of 4096\n", file);
			return -1;
		}
		c->op = TA_OP_WRITE;
		c->sector = a;
		c->count = (uint32_t)(len / TA_SECTOR_SIZE);
		c->payload = sp->bufs[sp->n];
		c->payload_len = (uint32_t)len;
	} else if (!strcmp(name, "write-short")) {
		char *file;

		if (spec_field(&s, &a) || !(file = strsep(&s, ":")) || s)
			return -1;
		if (read_file(file, &sp->bufs[sp->n], &len, TA_SECTOR_SIZE))
			return -1;
		if (len == 0) {
			fprintf(stderr, "teedisk-client: %s: size must be 1 to 4096 bytes\n", file);
			free(sp->bufs[sp->n]);
			sp->bufs[sp->n] = NULL;
			return -1;
		}
		c->op = TA_OP_WRITE_SHORT;
		c->sector = a;
		c->payload = sp->bufs[sp->n];
		c->payload_len = (uint32_t)len;
	} else if (!strcmp(name, "death-read")) {
		if (s)
			return -1;
		c->op = TA_OP_DEATH_READ;
	} else if (!strcmp(name, "death-write")) {
		uint8_t *rec, *fb = NULL;
		char *file = NULL;

		if (spec_field(&s, &a))
			return -1;
		if (s) {
			file = strsep(&s, ":");
			if (s)
				return -1;
		}
		rec = calloc(1, TA_SECTOR_SIZE);
		if (!rec)
			return -1;
		if (file) {
			if (read_file(file, &fb, &len, TA_SECTOR_SIZE - 8)) {
				free(rec);
				return -1;
			}
			memcpy(rec + 8, fb, len);
			free(fb);
		}
		ta_put64(rec, o->f_recver ? o->recver : a);
		sp->bufs[sp->n] = rec;
		c->op = TA_OP_DEATH_WRITE;
		c->arg = a;
		c->payload = rec;
		c->payload_len = TA_SECTOR_SIZE;
	} else if (!strcmp(name, "fence")) {
		if (spec_field(&s, &a) || s)
			return -1;
		c->op = TA_OP_FENCE;
		c->arg = a;
	} else {
		return -1;
	}
	if (cnt == 0 || cnt > UINT32_MAX)
		return -1;
	sp->n++;
	return 0;
}

static void print_identity(const struct ta_identity *id)
{
	char hex[65], uuid[37];

	ta_uuid_format(uuid, id->array);
	printf("array=%s\nslot=%u\n", uuid, id->slot);
	ta_hex_encode(hex, id->instance, TA_INSTANCE_LEN);
	printf("instance=%s\n", hex);
	printf("sectors=%llu\ngeneration=%llu\nlast_seq=%llu\ndeath_version=%llu\n",
	       (unsigned long long)id->sectors, (unsigned long long)id->generation,
	       (unsigned long long)id->last_seq, (unsigned long long)id->death_version);
	ta_hex_encode(hex, id->authorized_key, TA_PUBKEY_LEN);
	printf("authorized_key=%s\n", hex);
	ta_hex_encode(hex, id->measurement, TA_HASH_LEN);
	printf("measurement=%s\n", hex);
	printf("provider=%s\n", id->provider == TA_PROV_SIM ? "sim" :
	       id->provider == TA_PROV_TSM ? "tsm" : "unknown");
}

static int report(struct ta_client *c, int ret, const char *what)
{
	if (ret == TA_OK)
		return 0;
	if (c->last_error.code == ret) {
		fprintf(stderr, "teedisk-client: %s rejected: %s (command %u, member generation"
			" %llu, last seq %llu)\n", what, ta_err_name(ret),
			c->last_error.index, (unsigned long long)c->last_error.generation,
			(unsigned long long)c->last_error.last_seq);
		return EXIT_REJECTED;
	}
	fprintf(stderr, "teedisk-client: %s failed: %s\n", what, ta_err_name(ret));
	return 1;
}

static int cmd_raw(struct ta_client *c, const char *file)
{
	uint8_t *frame, *body, kind;
	size_t len, blen;
	struct ta_error e;
	int ret;

	if (read_file(file, &frame, &len, TA_FRAME_HDR_LEN + (size_t)TA_MAX_BODY + 4096))
		return 1;
	/*
	 * A HELLO first opens a session at the member, so a batch frame
	 * reaches its checks; whether we could verify the identity does not
	 * matter here, and the raw answer is printed, not believed.
	 */
	(void)ta_client_identify(c);
	ret = ta_client_send_frame(c, frame, len);
	free(frame);
	if (!ret)
		ret = ta_client_recv_frame(c, &kind, &body, &blen);
	if (ret) {
		fprintf(stderr, "teedisk-client: raw: %s\n", ta_err_name(ret));
		return 1;
	}
	if (kind == TA_K_ERROR && ta_error_decode(body, blen, &e) == TA_OK) {
		printf("error=%s\n", ta_err_name(e.code));
		fprintf(stderr, "teedisk-client: raw frame rejected: %s\n", ta_err_name(e.code));
		free(body);
		return EXIT_REJECTED;
	}
	printf("kind=%u\n", kind);
	free(body);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "connect", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "array", required_argument, NULL, 'a' },
		{ "slot", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "allow-simulated", no_argument, NULL, 'A' },
		{ "sim-pubkey", required_argument, NULL, 'P' },
		{ "measurement", required_argument, NULL, 'M' },
		{ "platform-measurement", required_argument, NULL, 'Q' },
		{ "tsm-verifier", required_argument, NULL, 'V' },
		{ "out", required_argument, NULL, 'o' },
		{ "save-frame", required_argument, NULL, 'F' },
		{ "attest-response", no_argument, NULL, 'R' },
		{ "exe", required_argument, NULL, 'E' },
		{ "sectors", required_argument, NULL, 'N' },
		{ "attest", required_argument, NULL, 't' },
		{ "force-array", required_argument, NULL, 1 },
		{ "force-slot", required_argument, NULL, 2 },
		{ "force-instance", required_argument, NULL, 3 },
		{ "force-generation", required_argument, NULL, 4 },
		{ "force-seq", required_argument, NULL, 5 },
		{ "record-version", required_argument, NULL, 6 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .timeout_ms = 30000 };
	struct ta_client c;
	struct ta_key key;
	struct specs *sp = NULL;
	const char *cmd;
	uint64_t v;
	int opt, ret = 1, need_key;

	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'c': o.connect = optarg; break;
		case 'k': o.key_file = optarg; break;
		case 'a':
			if (ta_uuid_parse(o.array, optarg))
				goto bad;
			o.have_array = 1;
			break;
		case 's':
			if (parse_u64(optarg, &v) || v > UINT32_MAX)
				goto bad;
			o.slot = (uint32_t)v;
			o.have_slot = 1;
			break;
		case 'T':
			if (parse_u64(optarg, &v) || v == 0 || v > 3600000)
				goto bad;
			o.timeout_ms = (int)v;
			break;
		case 'A': o.pol.allow_simulated = 1; break;
		case 'P':
			if (ta_hex_decode(o.pol.sim_pubkey, TA_PUBKEY_LEN, optarg))
				goto bad;
			o.pol.have_sim_pubkey = 1;
			break;
		case 'M':
			if (ta_hex_decode(o.pol.member_measurement, TA_HASH_LEN, optarg))
				goto bad;
			o.pol.have_member_measurement = 1;
			break;
		case 'Q':
			if (ta_hex_decode(o.pol.measurement, TA_HASH_LEN, optarg))
				goto bad;
			o.pol.have_measurement = 1;
			break;
		case 'V': o.pol.tsm_verifier = optarg; break;
		case 'o': o.out = optarg; break;
		case 'F': o.save_frame = optarg; break;
		case 'R': o.attest_flag = 1; break;
		case 'E': o.exe = optarg; break;
		case 'N':
			if (parse_u64(optarg, &o.sectors))
				goto bad;
			break;
		case 't': o.attest_name = optarg; break;
		case 1:
			if (ta_uuid_parse(o.fa, optarg))
				goto bad;
			o.f_array = 1;
			break;
		case 2:
			if (parse_u64(optarg, &v) || v > UINT32_MAX)
				goto bad;
			o.fs = (uint32_t)v;
			o.f_slot = 1;
			break;
		case 3:
			if (ta_hex_decode(o.fi, TA_INSTANCE_LEN, optarg))
				goto bad;
			o.f_instance = 1;
			break;
		case 4:
			if (parse_u64(optarg, &o.fg))
				goto bad;
			o.f_gen = 1;
			break;
		case 5:
			if (parse_u64(optarg, &o.fq))
				goto bad;
			o.f_seq = 1;
			break;
		case 6:
			if (parse_u64(optarg, &o.recver))
				goto bad;
			o.f_recver = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (optind >= argc)
		goto bad;
	cmd = argv[optind++];
	if (ta_crypto_init() != TA_OK) {
		fprintf(stderr, "teedisk-client: crypto initialisation failed\n");
		return 1;
	}

	if (!strcmp(cmd, "keygen")) {
		uint8_t sec[32];
		char hex[65];
		int fd;

		if (optind + 1 != argc)
			goto bad;
		if (ta_key_generate(&key, sec))
			return 1;
		fd = open(argv[optind], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		ta_hex_encode(hex, sec, 32);
		sodium_memzero(sec, sizeof(sec));
		if (fd < 0 || dprintf(fd, "%s\n", hex) < 0 || close(fd)) {
			fprintf(stderr, "teedisk-client: cannot create %s (it must not exist)\n",
				argv[optind]);
			return 1;
		}
		sodium_memzero(hex, sizeof(hex));
		ta_hex_encode(hex, key.pub, 32);
		printf("%s\n", hex);
		return 0;
	}

	need_key = strcmp(cmd, "status") && strcmp(cmd, "raw");
	if (need_key || o.key_file) {
		if (!o.key_file) {
			fprintf(stderr, "teedisk-client: %s needs --key FILE\n", cmd);
			return 2;
		}
		ret = ta_key_load_file(&key, o.key_file);
		if (ret) {
			fprintf(stderr, "teedisk-client: %s: %s\n", o.key_file, ta_err_name(ret));
			return 1;
		}
	} else {
		memset(&key, 0, sizeof(key));
	}
	if (!strcmp(cmd, "pubkey")) {
		char hex[65];

		ta_hex_encode(hex, key.pub, 32);
		printf("%s\n", hex);
		return 0;
	}
	if (!strcmp(cmd, "measurement")) {
		uint8_t h[TA_HASH_LEN], m[TA_HASH_LEN];
		char hex[65];
		uint16_t prov;

		if (!o.exe || !o.sectors || !o.have_array || !o.have_slot || !o.attest_name)
			goto bad;
		prov = !strcmp(o.attest_name, "sim") ? TA_PROV_SIM :
		       !strcmp(o.attest_name, "tsm") ? TA_PROV_TSM : 0;
		if (!prov || ta_file_sha256(o.exe, h))
			goto bad;
		ta_measurement(m, h, prov, o.array, o.slot, o.sectors, key.pub);
		ta_hex_encode(hex, m, 32);
		printf("%s\n", hex);
		return 0;
	}
	if (!o.connect) {
		fprintf(stderr, "teedisk-client: %s needs --connect HOST:PORT\n", cmd);
		return 2;
	}
	if (need_key && (!o.have_array || !o.have_slot)) {
		fprintf(stderr, "teedisk-client: %s needs --array and --slot\n", cmd);
		return 2;
	}
	if (need_key && !o.pol.have_member_measurement)
		fprintf(stderr, "teedisk-client: warning: no --measurement pinned\n");
	ta_client_init(&c, &key, &o.pol, o.array, o.slot);
	ret = ta_client_connect(&c, o.connect, o.timeout_ms);
	if (ret) {
		fprintf(stderr, "teedisk-client: cannot connect to %s\n", o.connect);
		return 1;
	}
	if (!strcmp(cmd, "raw")) {
		if (optind + 1 != argc)
			goto bad_close;
		ret = cmd_raw(&c, argv[optind]);
		goto out;
	}
	if (!strcmp(cmd, "status")) {
		struct ta_identity id;
		struct ta_status_counters ctr;

		if (optind != argc)
			goto bad_close;
		ret = ta_client_status(&c, &id, &ctr);
		if (ret) {
			ret = report(&c, ret, "status");
			goto out;
		}
		print_identity(&id);
		printf("batches_ok=%llu\nbatches_rejected=%llu\nsessions=%llu\nframes_bad=%llu\n",
		       (unsigned long long)ctr.batches_ok,
		       (unsigned long long)ctr.batches_rejected,
		       (unsigned long long)ctr.sessions, (unsigned long long)ctr.frames_bad);
		goto out;
	}
	ret = ta_client_identify(&c);
	if (ret) {
		ret = report(&c, ret, "identify");
		goto out;
	}
	if (!strcmp(cmd, "identify")) {
		if (optind != argc)
			goto bad_close;
		print_identity(&c.id);
		printf("simulated=%d\nplatform=%s\n", !!(c.claims.flags & TA_EV_F_SIMULATED),
		       c.claims.platform);
		goto out;
	}

	/* Everything else is one signed batch. */
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		goto out;
	{
		char spec[4200];
		int nargs = argc - optind;
		const char *a0 = nargs > 0 ? argv[optind] : "", *a1 = nargs > 1 ? argv[optind + 1] : "";
		const char *a2 = nargs > 2 ? argv[optind + 2] : NULL;
		int ok = 1;

		if (!strcmp(cmd, "batch")) {
			for (int i = optind; i < argc && ok; i++) {
				snprintf(spec, sizeof(spec), "%s", argv[i]);
				ok = !parse_spec(sp, spec, &o);
			}
			ok = ok && sp->n > 0;
		} else if (!strcmp(cmd, "read") || !strcmp(cmd, "trim")) {
			ok = nargs == 1 || nargs == 2;
			snprintf(spec, sizeof(spec), "%s:%s%s%s", cmd, a0, nargs == 2 ? ":" : "",
				 nargs == 2 ? a1 : "");
			ok = ok && !parse_spec(sp, spec, &o);
		} else if (!strcmp(cmd, "write") || !strcmp(cmd, "write-short")) {
			ok = nargs == 2;
			snprintf(spec, sizeof(spec), "%s:%s:%s", cmd, a0, a1);
			ok = ok && !parse_spec(sp, spec, &o);
		} else if (!strcmp(cmd, "copy")) {
			ok = nargs == 2 || nargs == 3;
			snprintf(spec, sizeof(spec), "copy:%s:%s%s%s", a0, a1, a2 ? ":" : "",
				 a2 ? a2 : "");
			ok = ok && !parse_spec(sp, spec, &o);
		} else if (!strcmp(cmd, "death-read")) {
			ok = nargs == 0 && !parse_spec(sp, strcpy(spec, "death-read"), &o);
		} else if (!strcmp(cmd, "death-write")) {
			ok = nargs == 1 || nargs == 2;
			snprintf(spec, sizeof(spec), "death-write:%s%s%s", a0, nargs == 2 ? ":" : "",
				 nargs == 2 ? a1 : "");
			ok = ok && !parse_spec(sp, spec, &o);
		} else if (!strcmp(cmd, "fence")) {
			ok = nargs == 1;
			snprintf(spec, sizeof(spec), "fence:%s", a0);
			ok = ok && !parse_spec(sp, spec, &o);
		} else {
			fprintf(stderr, "teedisk-client: unknown command %s\n", cmd);
			ok = 0;
		}
		if (!ok) {
			fprintf(stderr, "teedisk-client: bad arguments for %s\n", cmd);
			ret = 2;
			goto out;
		}
	}
	if (o.f_array)
		memcpy(c.array, o.fa, TA_UUID_LEN);
	if (o.f_slot)
		c.slot = o.fs;
	if (o.f_instance)
		memcpy(c.instance, o.fi, TA_INSTANCE_LEN);
	if (o.f_gen)
		c.generation = o.fg;
	if (o.f_seq)
		c.next_seq = o.fq;
	c.keep_last_frame = !!o.save_frame;
	{
		uint8_t *res = NULL;
		size_t res_len = 0;

		ret = ta_client_batch(&c, sp->cmds, sp->n, o.attest_flag ? TA_BATCH_F_ATTEST : 0,
				      &res, &res_len);
		if (o.save_frame && c.last_frame &&
		    write_out(o.save_frame, c.last_frame, c.last_frame_len)) {
			fprintf(stderr, "teedisk-client: cannot write %s\n", o.save_frame);
			ret = ret ? ret : TA_E_IO;
		}
		if (ret == TA_OK && res_len && write_out(o.out, res, res_len)) {
			fprintf(stderr, "teedisk-client: cannot write the read data\n");
			ret = TA_E_IO;
		}
		free(res);
		ret = report(&c, ret, cmd);
		if (!ret)
			fprintf(stderr, "teedisk-client: %s ok (seq %llu..%llu, generation %llu)\n",
				cmd, (unsigned long long)(c.next_seq - sp->n),
				(unsigned long long)(c.next_seq - 1),
				(unsigned long long)c.generation);
	}
out:
	if (sp)
		for (unsigned int i = 0; i < sp->n; i++)
			free(sp->bufs[i]);
	free(sp);
	ta_client_close(&c);
	ta_key_wipe(&key);
	return ret;
bad_close:
	ta_client_close(&c);
bad:
	usage(stderr);
	return 2;
}
