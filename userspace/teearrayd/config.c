// SPDX-License-Identifier: GPL-2.0
/*
 * teearrayd configuration file parser and signing-key loader.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <keyutils.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "td-config.h"

#define TD_MAX_WORDS	12

struct td_parse {
	const char *name;
	unsigned int line;
	char *err;
	size_t errlen;
	/* Line of the first occurrence of each single-valued directive. */
	unsigned int seen_key, seen_allow, seen_simpub, seen_hash, seen_verifier;
	unsigned int seen_timeout, seen_credits, seen_batch;
};

static int __attribute__((format(printf, 2, 3))) td_perr(struct td_parse *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->line)
		n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->name);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int td_once(struct td_parse *p, unsigned int *seen, const char *what)
{
	if (*seen)
		return td_perr(p, "%s given twice (first at line %u)", what, *seen);
	*seen = p->line;
	return 0;
}

/* Decimal without sign, leading zeros allowed, no overflow. */
static int td_parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	unsigned long long x = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (x > (max - (unsigned long long)(*s - '0')) / 10)
			return -1;
		x = x * 10 + (unsigned long long)(*s - '0');
	}
	*v = x;
	return 0;
}

int td_addr_valid(const char *s)
{
	const char *colon = strrchr(s, ':');
	unsigned long long port;
	size_t hl;

	if (!colon || strlen(s) >= TD_ADDR_MAX)
		return -1;
	hl = (size_t)(colon - s);
	if (hl == 0)
		return -1;
	if (s[0] == '[') {
		if (hl < 3 || s[hl - 1] != ']')
			return -1;
		/* Hex digits, colons and dots; a zone after '%' may be a name. */
		for (size_t i = 1; i < hl - 1; i++) {
			int zone = memchr(s, '%', i) != NULL;

			if (!strchr("0123456789abcdefABCDEF:.%", s[i]) &&
			    !(zone && (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-')))
				return -1;
		}
	} else {
		for (size_t i = 0; i < hl; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_",
				    s[i]))
				return -1;
	}
	if (td_parse_uint(colon + 1, 65535, &port) || port == 0)
		return -1;
	return 0;
}

static int td_hex32(struct td_parse *p, const char *what, const char *hex, uint8_t out[32])
{
	if (strlen(hex) != 64 || ta_hex_decode(out, 32, hex) != TA_OK)
		return td_perr(p, "%s must be 64 hex digits, got '%s'", what, hex);
	return 0;
}

/* ta_uuid_parse decides, as for the CLI and the kernel; the message only words it. */
static int td_uuid(struct td_parse *p, const char *what, const char *s, uint8_t out[16])
{
	if (ta_uuid_parse(out, s) == TA_OK)
		return 0;
	if (!strcmp(s, "00000000-0000-0000-0000-000000000000"))
		return td_perr(p, "%s must not be the nil UUID", what);
	return td_perr(p, "%s '%s' is not a UUID (8-4-4-4-12 hex digits, as "
		       "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)", what, s);
}

static int td_need(struct td_parse *p, int nw, int min, int max, const char *usage)
{
	if (nw < min)
		return td_perr(p, "missing argument: expected '%s'", usage);
	if (nw > max)
		return td_perr(p, "too many arguments: expected '%s'", usage);
	return 0;
}

static int td_dir_signing_key(struct td_parse *p, struct td_config *cfg, char **w, int nw)
{
	const char *v;

	if (td_need(p, nw, 2, 2, "signing-key file:PATH|keyring:DESCRIPTION") ||
	    td_once(p, &p->seen_key, "signing-key"))
		return -1;
	v = w[1];
	if (!strncmp(v, "file:", 5)) {
		if (v[5] != '/')
			return td_perr(p, "signing-key file: needs an absolute path, got '%s'",
				       v + 5);
		cfg->key_source = TD_KEY_FILE;
	} else if (!strncmp(v, "keyring:", 8)) {
		if (!v[8])
			return td_perr(p, "signing-key keyring: needs a key description");
		cfg->key_source = TD_KEY_KEYRING;
	} else {
		return td_perr(p, "signing-key must be file:PATH or keyring:DESCRIPTION, got '%s'",
			       v);
	}
	v = strchr(v, ':') + 1;
	if (strlen(v) >= sizeof(cfg->key_arg))
		return td_perr(p, "signing-key: name too long");
	strcpy(cfg->key_arg, v);
	return 0;
}

static int td_dir_policy(struct td_parse *p, struct td_config *cfg, char **w, int nw)
{
	if (nw < 2)
		return td_perr(p, "policy needs a setting: allow-simulated, sim-pubkey, "
			       "teedisk-hash or tsm-verifier");
	if (!strcmp(w[1], "allow-simulated")) {
		if (td_need(p, nw, 3, 3, "policy allow-simulated yes|no") ||
		    td_once(p, &p->seen_allow, "policy allow-simulated"))
			return -1;
		if (!strcmp(w[2], "yes"))
			cfg->policy.allow_simulated = 1;
		else if (!strcmp(w[2], "no"))
			cfg->policy.allow_simulated = 0;
		else
			return td_perr(p, "policy allow-simulated must be yes or no, got '%s'",
				       w[2]);
		return 0;
	}
	if (!strcmp(w[1], "sim-pubkey")) {
		if (td_need(p, nw, 3, 3, "policy sim-pubkey HEX64") ||
		    td_once(p, &p->seen_simpub, "policy sim-pubkey") ||
		    td_hex32(p, "policy sim-pubkey", w[2], cfg->policy.sim_pubkey))
			return -1;
		if (ta_pubkey_check(cfg->policy.sim_pubkey) != TA_OK)
			return td_perr(p, "policy sim-pubkey is not a valid x-only public key");
		cfg->policy.have_sim_pubkey = 1;
		return 0;
	}
	if (!strcmp(w[1], "teedisk-hash")) {
		if (td_need(p, nw, 3, 3, "policy teedisk-hash HEX64") ||
		    td_once(p, &p->seen_hash, "policy teedisk-hash") ||
		    td_hex32(p, "policy teedisk-hash", w[2], cfg->teedisk_hash))
			return -1;
		cfg->have_teedisk_hash = 1;
		return 0;
	}
	if (!strcmp(w[1], "tsm-verifier")) {
		if (td_need(p, nw, 3, 3, "policy tsm-verifier COMMAND") ||
		    td_once(p, &p->seen_verifier, "policy tsm-verifier"))
			return -1;
		if (w[2][0] != '/')
			return td_perr(p, "policy tsm-verifier needs an absolute path, got '%s'",
				       w[2]);
		cfg->tsm_verifier = strdup(w[2]);
		if (!cfg->tsm_verifier)
			return td_perr(p, "out of memory");
		cfg->policy.tsm_verifier = cfg->tsm_verifier;
		return 0;
	}
	if (!strcmp(w[1], "measurement"))
		return td_perr(p, "policy measurement: a teedisk's measurement differs per "
			       "member (it binds array, slot, size and key); pin it with "
			       "measurement= on the member line, or pin the program with "
			       "policy teedisk-hash");
	return td_perr(p, "unknown policy setting '%s'", w[1]);
}

static int td_dir_timeout(struct td_parse *p, struct td_config *cfg, char **w, int nw)
{
	char num[32];
	unsigned long long v, mul = 1000;
	size_t l;

	if (td_need(p, nw, 2, 2, "member-timeout N[s|ms]") ||
	    td_once(p, &p->seen_timeout, "member-timeout"))
		return -1;
	l = strlen(w[1]);
	if (l >= sizeof(num))
		return td_perr(p, "member-timeout '%s' is not a duration", w[1]);
	strcpy(num, w[1]);
	if (l > 2 && !strcmp(num + l - 2, "ms")) {
		num[l - 2] = 0;
		mul = 1;
	} else if (l > 1 && num[l - 1] == 's') {
		num[l - 1] = 0;
	}
	if (td_parse_uint(num, 1000000000ull, &v))
		return td_perr(p, "member-timeout '%s' is not a duration (N, Ns or Nms)", w[1]);
	v *= mul;
	if (v < 10 || v > 3600000)
		return td_perr(p, "member-timeout %s out of range (10ms .. 3600s)", w[1]);
	cfg->member_timeout_ms = (unsigned int)v;
	return 0;
}

static int td_dir_uint(struct td_parse *p, char **w, int nw, unsigned int *seen,
		       unsigned int lo, unsigned int hi, unsigned int *out)
{
	unsigned long long v;
	char usage[64];

	snprintf(usage, sizeof(usage), "%s N", w[0]);
	if (td_need(p, nw, 2, 2, usage) || td_once(p, seen, w[0]))
		return -1;
	if (td_parse_uint(w[1], ~0ull, &v) || v < lo || v > hi)
		return td_perr(p, "%s must be a number from %u to %u, got '%s'", w[0], lo, hi,
			       w[1]);
	*out = (unsigned int)v;
	return 0;
}

static int td_dir_member(struct td_parse *p, struct td_config *cfg, char **w, int nw)
{
	struct td_member_cfg m, *nm;
	unsigned long long slot;

	if (td_need(p, nw, 5, 6, "member MEMBER-UUID ARRAY-UUID SLOT HOST:PORT [measurement=HEX64]"))
		return -1;
	memset(&m, 0, sizeof(m));
	m.line = p->line;
	if (td_uuid(p, "member UUID", w[1], m.uuid) || td_uuid(p, "array UUID", w[2], m.array))
		return -1;
	if (td_parse_uint(w[3], 255, &slot))
		return td_perr(p, "slot must be a number from 0 to 255, got '%s'", w[3]);
	m.slot = (uint32_t)slot;
	if (td_addr_valid(w[4]))
		return td_perr(p, "member address must be HOST:PORT or [IPV6]:PORT with a port "
			       "from 1 to 65535, got '%s'", w[4]);
	strcpy(m.addr, w[4]);
	if (nw == 6) {
		if (strncmp(w[5], "measurement=", 12))
			return td_perr(p, "unknown member option '%s' (expected measurement=HEX64)",
				       w[5]);
		if (td_hex32(p, "measurement", w[5] + 12, m.measurement))
			return -1;
		m.have_measurement = 1;
	}
	for (size_t i = 0; i < cfg->nmembers; i++) {
		const struct td_member_cfg *o = &cfg->members[i];

		if (!memcmp(o->uuid, m.uuid, 16))
			return td_perr(p, "member %s already defined at line %u", w[1], o->line);
		if (!memcmp(o->array, m.array, 16) && o->slot == m.slot)
			return td_perr(p, "array %s slot %u already defined at line %u", w[2],
				       m.slot, o->line);
	}
	if (cfg->nmembers >= TD_MAX_MEMBERS)
		return td_perr(p, "too many members (at most %u)", TD_MAX_MEMBERS);
	nm = realloc(cfg->members, (cfg->nmembers + 1) * sizeof(*nm));
	if (!nm)
		return td_perr(p, "out of memory");
	cfg->members = nm;
	cfg->members[cfg->nmembers++] = m;
	return 0;
}

/* Table options an array line may carry, with their ranges (0: a word). */
static const struct {
	const char *name;
	unsigned long long lo, hi;
} td_array_opts[] = {
	{ "journal_mode", 0, 0 },
	{ "commit_time", 1, 60000 },
	{ "member_timeout", 100, 600000 },
	{ "member_timeout_min", 100, 600000 },
	{ "rebuild_rate", 0, 4000000000ull },
};

/* Does the table option list (name:value, blank separated) name this option? */
static int td_has_table_opt(const char *opts, const char *name)
{
	size_t len = strlen(name);

	for (const char *o = opts; *o; ) {
		if (!strncmp(o, name, len) && o[len] == ':')
			return 1;
		o += strcspn(o, " ");
		o += strspn(o, " ");
	}
	return 0;
}

static int td_array_opt(struct td_parse *p, struct td_array_cfg *a, const char *word)
{
	const char *eq = strchr(word, '=');
	unsigned long long v;
	size_t i, len = eq ? (size_t)(eq - word) : 0;

	for (i = 0; i < sizeof(td_array_opts) / sizeof(td_array_opts[0]); i++)
		if (eq && strlen(td_array_opts[i].name) == len &&
		    !strncmp(word, td_array_opts[i].name, len))
			break;
	if (i == sizeof(td_array_opts) / sizeof(td_array_opts[0]))
		return td_perr(p, "unknown array option '%s' (expected key=, journal_mode=, "
			       "commit_time=, member_timeout=, member_timeout_min= or "
			       "rebuild_rate=)", word);
	if (td_has_table_opt(a->table_opts, td_array_opts[i].name))
		return td_perr(p, "array option %s given twice", td_array_opts[i].name);
	if (!td_array_opts[i].hi) {
		if (strcmp(eq + 1, "keep") && strcmp(eq + 1, "erase"))
			return td_perr(p, "journal_mode must be keep or erase, got '%s'", eq + 1);
	} else if (td_parse_uint(eq + 1, td_array_opts[i].hi, &v) || v < td_array_opts[i].lo) {
		return td_perr(p, "%s must be a number from %llu to %llu, got '%s'",
			       td_array_opts[i].name, td_array_opts[i].lo, td_array_opts[i].hi,
			       eq + 1);
	}
	/* In table syntax: name:value, blank separated. */
	snprintf(a->table_opts + strlen(a->table_opts), sizeof(a->table_opts) -
		 strlen(a->table_opts), "%s%.*s:%s", a->nopts ? " " : "", (int)len, word, eq + 1);
	a->nopts++;
	return 0;
}

/* key=/PATH, key=file:/PATH, key=keyring:DESC or key=command:/PATH. */
static int td_array_key(struct td_parse *p, struct td_array_cfg *a, const char *w)
{
	const char *v = w + 4;

	a->key_kind = TD_AKEY_FILE;
	if (!strncmp(w, "key=file:", 9)) {
		v = w + 9;
	} else if (!strncmp(w, "key=keyring:", 12)) {
		v = w + 12;
		a->key_kind = TD_AKEY_KEYRING;
	} else if (!strncmp(w, "key=command:", 12)) {
		v = w + 12;
		a->key_kind = TD_AKEY_COMMAND;
	}
	if (strncmp(w, "key=", 4) || !*v || strlen(v) >= sizeof(a->key_path) ||
	    (a->key_kind != TD_AKEY_KEYRING && v[0] != '/'))
		return td_perr(p, "the fifth word of an array line must be key=PATH with an "
			       "absolute path to the array key, or key=file:PATH, "
			       "key=keyring:DESCRIPTION or key=command:PATH, got '%s'", w);
	strcpy(a->key_path, v);
	return 0;
}

static int td_dir_array(struct td_parse *p, struct td_config *cfg, char **w, int nw)
{
	struct td_array_cfg a, *na;
	unsigned long long n, par;
	size_t i;

	if (td_need(p, nw, 6, 11, "array NAME ARRAY-UUID DATA PARITY key=PROVIDER [journal_mode=..] "
		    "[commit_time=MS] [member_timeout=MS] [member_timeout_min=MS] [rebuild_rate=KIB]"))
		return -1;
	memset(&a, 0, sizeof(a));
	a.line = p->line;
	if (strlen(w[1]) > TD_ARRAY_NAME_MAX || strspn(w[1], "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(w[1]) || w[1][0] == '.')
		return td_perr(p, "array name '%s' must be 1-%u letters, digits, '_', '.' or '-' "
			       "(not starting with '.')", w[1], TD_ARRAY_NAME_MAX);
	strcpy(a.name, w[1]);
	if (td_uuid(p, "array UUID", w[2], a.uuid))
		return -1;
	if (td_parse_uint(w[3], 255, &n) || !n)
		return td_perr(p, "DATA must be a number from 1 to 255, got '%s'", w[3]);
	if (td_parse_uint(w[4], 128, &par) || !par || n + par > 256)
		return td_perr(p, "PARITY must be a number from 1 to 128 with DATA + PARITY <= 256, "
			       "got '%s'", w[4]);
	a.data = (uint32_t)n;
	a.parity = (uint32_t)par;
	if (td_array_key(p, &a, w[5]))
		return -1;
	for (i = 6; i < (size_t)nw; i++)
		if (td_array_opt(p, &a, w[i]))
			return -1;
	for (i = 0; i < cfg->narrays; i++) {
		if (!strcmp(cfg->arrays[i].name, a.name))
			return td_perr(p, "array %s already defined at line %u", a.name,
				       cfg->arrays[i].line);
		if (!memcmp(cfg->arrays[i].uuid, a.uuid, 16))
			return td_perr(p, "array UUID %s already used by array %s at line %u",
				       w[2], cfg->arrays[i].name, cfg->arrays[i].line);
	}
	if (cfg->narrays >= TD_MAX_ARRAYS)
		return td_perr(p, "too many arrays (at most %u)", TD_MAX_ARRAYS);
	na = realloc(cfg->arrays, (cfg->narrays + 1) * sizeof(*na));
	if (!na)
		return td_perr(p, "out of memory");
	cfg->arrays = na;
	cfg->arrays[cfg->narrays++] = a;
	return 0;
}

static int td_line(struct td_parse *p, struct td_config *cfg, char *line)
{
	char *w[TD_MAX_WORDS + 1];
	int nw = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			break;
		if (nw == TD_MAX_WORDS + 1)
			return td_perr(p, "too many words");
		w[nw++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = 0;
	}
	if (nw == 0)
		return 0;
	if (!strcmp(w[0], "signing-key"))
		return td_dir_signing_key(p, cfg, w, nw);
	if (!strcmp(w[0], "policy"))
		return td_dir_policy(p, cfg, w, nw);
	if (!strcmp(w[0], "member-timeout"))
		return td_dir_timeout(p, cfg, w, nw);
	if (!strcmp(w[0], "credits"))
		return td_dir_uint(p, w, nw, &p->seen_credits, 1, TD_MAX_CREDITS, &cfg->credits);
	if (!strcmp(w[0], "batch-max"))
		return td_dir_uint(p, w, nw, &p->seen_batch, 1, TA_MAX_CMDS, &cfg->batch_max);
	if (!strcmp(w[0], "member"))
		return td_dir_member(p, cfg, w, nw);
	if (!strcmp(w[0], "array"))
		return td_dir_array(p, cfg, w, nw);
	return td_perr(p, "unknown directive '%s'", w[0]);
}

int td_config_parse(const char *name, const char *text, struct td_config *cfg,
		    char *err, size_t errlen)
{
	struct td_parse p = { .name = name, .err = err, .errlen = errlen };
	char buf[TD_MAX_LINE + 1];
	const char *s = text;

	memset(cfg, 0, sizeof(*cfg));
	cfg->member_timeout_ms = TD_DEFAULT_TIMEOUT_MS;
	cfg->credits = TD_DEFAULT_CREDITS;
	cfg->batch_max = TD_DEFAULT_BATCH_MAX;
	if (errlen)
		err[0] = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		p.line++;
		if (len && s[len - 1] == '\r')
			len--;
		if (len > TD_MAX_LINE)
			return td_perr(&p, "line longer than %u characters", TD_MAX_LINE);
		memcpy(buf, s, len);
		buf[len] = 0;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
				return td_perr(&p, "control character 0x%02x in line",
					       (unsigned char)buf[i]);
		if (td_line(&p, cfg, buf))
			return -1;
		s += len;
		if (*s == '\r')
			s++;
		if (*s == '\n')
			s++;
	}
	p.line = 0;
	if (cfg->key_source == TD_KEY_NONE)
		return td_perr(&p, "no signing-key line");
	if (cfg->nmembers == 0)
		return td_perr(&p, "no member lines");
	if (cfg->policy.allow_simulated && !cfg->policy.have_sim_pubkey)
		return td_perr(&p, "policy allow-simulated yes needs policy sim-pubkey "
			       "(the simulated attestation key to trust)");
	if (!cfg->policy.allow_simulated && cfg->policy.have_sim_pubkey)
		return td_perr(&p, "policy sim-pubkey given but simulated attestation is not "
			       "allowed (add policy allow-simulated yes)");
	return 0;
}

int td_config_load(const char *path, struct td_config *cfg, char *err, size_t errlen)
{
	struct td_parse p = { .name = path, .err = err, .errlen = errlen };
	struct stat st;
	char *text;
	size_t got = 0;
	int fd, ret;

	memset(cfg, 0, sizeof(*cfg));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return td_perr(&p, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (1 << 20)) {
		close(fd);
		return td_perr(&p, "not a regular file of at most 1 MiB");
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return td_perr(&p, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, text + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(text);
			close(fd);
			return td_perr(&p, "read error: %s", r ? strerror(errno) : "short read");
		}
		got += (size_t)r;
	}
	close(fd);
	text[got] = 0;
	if (strlen(text) != got) {
		free(text);
		return td_perr(&p, "file contains a NUL byte");
	}
	ret = td_config_parse(path, text, cfg, err, errlen);
	free(text);
	return ret;
}

void td_config_free(struct td_config *cfg)
{
	free(cfg->members);
	free(cfg->arrays);
	free(cfg->tsm_verifier);
	memset(cfg, 0, sizeof(*cfg));
}

const struct td_array_cfg *td_config_array(const struct td_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->narrays; i++)
		if (!strcmp(cfg->arrays[i].name, name))
			return &cfg->arrays[i];
	return NULL;
}

const struct td_member_cfg *td_config_slot(const struct td_config *cfg,
					   const uint8_t array[TA_UUID_LEN], uint32_t slot)
{
	for (size_t i = 0; i < cfg->nmembers; i++)
		if (!memcmp(cfg->members[i].array, array, TA_UUID_LEN) &&
		    cfg->members[i].slot == slot)
			return &cfg->members[i];
	return NULL;
}

const struct td_member_cfg *td_config_member(const struct td_config *cfg,
					     const uint8_t uuid[TA_UUID_LEN])
{
	for (size_t i = 0; i < cfg->nmembers; i++)
		if (!memcmp(cfg->members[i].uuid, uuid, TA_UUID_LEN))
			return &cfg->members[i];
	return NULL;
}

static int td_key_from_payload(struct ta_key *key, const uint8_t *pl, size_t len,
			       struct td_parse *p, const char *what)
{
	uint8_t sec[32];
	char hex[65];
	int ret;

	if (len == 32) {
		memcpy(sec, pl, 32);
	} else if (len == 64 || (len == 65 && pl[64] == '\n')) {
		memcpy(hex, pl, 64);
		hex[64] = 0;
		ret = ta_hex_decode(sec, 32, hex);
		sodium_memzero(hex, sizeof(hex));
		if (ret != TA_OK)
			return td_perr(p, "%s: payload is not 64 hex digits", what);
	} else {
		return td_perr(p, "%s: payload must be 32 bytes or 64 hex digits, has %zu bytes",
			       what, len);
	}
	ret = ta_key_from_secret(key, sec);
	sodium_memzero(sec, sizeof(sec));
	if (ret != TA_OK)
		return td_perr(p, "%s: not a valid secp256k1 secret key", what);
	return 0;
}

int td_key_load(const struct td_config *cfg, struct ta_key *key, char *err, size_t errlen)
{
	struct td_parse p = { .name = "signing-key", .err = err, .errlen = errlen };
	char what[PATH_MAX + 16];
	void *payload = NULL;
	key_serial_t id;
	long len;
	int ret;

	if (ta_crypto_init() != TA_OK)
		return td_perr(&p, "crypto library initialisation failed");
	if (cfg->key_source == TD_KEY_FILE) {
		uint8_t buf[80];
		ssize_t r;
		int fd = open(cfg->key_arg, O_RDONLY | O_CLOEXEC);

		snprintf(what, sizeof(what), "file:%s", cfg->key_arg);
		if (fd < 0)
			return td_perr(&p, "%s: cannot open: %s", what, strerror(errno));
		r = read(fd, buf, sizeof(buf));
		close(fd);
		if (r < 0)
			return td_perr(&p, "%s: read error: %s", what, strerror(errno));
		if (r != 64 && r != 65)
			ret = td_perr(&p, "%s: must hold 64 hex digits (optionally a newline), has "
				      "%zd bytes", what, r);
		else
			ret = td_key_from_payload(key, buf, (size_t)r, &p, what);
		sodium_memzero(buf, sizeof(buf));
		return ret;
	}
	if (cfg->key_source != TD_KEY_KEYRING)
		return td_perr(&p, "no signing key configured");
	snprintf(what, sizeof(what), "keyring:%s", cfg->key_arg);
	id = request_key("user", cfg->key_arg, NULL, 0);
	if (id < 0)
		id = keyctl_search(KEY_SPEC_USER_KEYRING, "user", cfg->key_arg, 0);
	if (id < 0)
		return td_perr(&p, "%s: no user key with that description in the session or "
			       "user keyring: %s", what, strerror(errno));
	len = keyctl_read_alloc(id, &payload);
	if (len < 0)
		return td_perr(&p, "%s: cannot read key: %s", what, strerror(errno));
	ret = td_key_from_payload(key, payload, (size_t)len, &p, what);
	sodium_memzero(payload, (size_t)len);
	free(payload);
	return ret;
}

size_t td_config_pin_warning(const struct td_config *cfg, const char *name, char *buf,
			     size_t len)
{
	size_t i, unpinned = 0;
	int n;

	if (len)
		buf[0] = 0;
	if (cfg->have_teedisk_hash)
		return 0;
	for (i = 0; i < cfg->nmembers; i++)
		unpinned += !cfg->members[i].have_measurement;
	if (!unpinned || !len)
		return 0;
	n = snprintf(buf, len, "%s: %zu of %zu members have no measurement= and there is no "
		     "policy teedisk-hash: any teedisk program is accepted (add 'policy "
		     "teedisk-hash SHA256-OF-TEEDISK' to pin the program of every member)",
		     name, unpinned, cfg->nmembers);
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}
