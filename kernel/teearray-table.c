// SPDX-License-Identifier: GPL-2.0
/*
 * Table line parser for the teearray target; see teearray-table.h and
 * Documentation/admin-guide/device-mapper/dm-teearray.rst for the syntax.
 *
 * Every rejection names the problem precisely because the table line is the
 * operator's only interface at load time.
 */
#include "teearray-table.h"

static const char * const opt_names[TEEARRAY_NR_OPTS] = {
	[TEEARRAY_OPT_COMMIT_TIME] = "commit_time",
	[TEEARRAY_OPT_MEMBER_TIMEOUT] = "member_timeout",
	[TEEARRAY_OPT_JOURNAL_MODE] = "journal_mode",
	[TEEARRAY_OPT_REBUILD_RATE] = "rebuild_rate",
	[TEEARRAY_OPT_KEY_EPOCH] = "key_epoch",
	[TEEARRAY_OPT_PREV_KEY] = "prev_key",
	[TEEARRAY_OPT_MEMBER_TIMEOUT_MIN] = "member_timeout_min",
};

/* Record a rejection: msg is static and ends up in ti->error. */
static int reject(char **error, char *msg)
{
	*error = msg;
	return -EINVAL;
}

/* Strict unsigned decimal: no sign, no blanks, no leading zeros, no overflow. */
static int parse_uint(const char *s, unsigned int *out)
{
	unsigned long long v = 0;
	const char *c;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (c = s; *c; c++) {
		if (*c < '0' || *c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(*c - '0');
		if (v > 0xffffffffULL)
			return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int teearray_parse_uuid(const char *s, u8 uuid[TEEARRAY_UUID_SIZE])
{
	unsigned int i, n = 0;
	u8 any = 0;

	if (strlen(s) != TEEARRAY_UUID_STRLEN)
		return -EINVAL;
	for (i = 0; i < TEEARRAY_UUID_STRLEN; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		/* Hex pairs never straddle a dash position (8, 13, 18, 23). */
		hi = hex_val(s[i]);
		lo = hex_val(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		uuid[n] = (u8)(hi << 4 | lo);
		any |= uuid[n++];
		i++;
	}
	return any ? 0 : -EINVAL;
}

void teearray_format_uuid(const u8 uuid[TEEARRAY_UUID_SIZE],
			  char out[TEEARRAY_UUID_STRLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned int i, o = 0;

	for (i = 0; i < TEEARRAY_UUID_SIZE; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[uuid[i] >> 4];
		out[o++] = hex[uuid[i] & 15];
	}
	out[o] = '\0';
}

/* ":<size>:<type>:<description>", the dm-crypt keyring syntax. */
int teearray_parse_key_ref(const char *s, struct teearray_key_ref *key,
			   char **error)
{
	const char *type, *desc;
	char num[12];
	size_t len;

	if (s[0] != ':') {
		return reject(error,
			      "Key must be a keyring reference :<size>:<type>:<description>; literal keys are not accepted");
	}
	type = strchr(s + 1, ':');
	desc = type ? strchr(type + 1, ':') : NULL;
	if (!desc)
		return reject(error,
			      "Malformed key reference: expected :<size>:<type>:<description>");
	len = (size_t)(type - (s + 1));
	if (len == 0 || len >= sizeof(num))
		return reject(error, "Invalid key size in key reference");
	memcpy(num, s + 1, len);
	num[len] = '\0';
	if (parse_uint(num, &key->size))
		return reject(error, "Invalid key size in key reference");
	if (key->size != TEEARRAY_KEY_SIZE)
		return reject(error, "Key size must be 64 bytes");
	type++;
	len = (size_t)(desc - type);
	if ((len != 5 || memcmp(type, "logon", 5)) &&
	    (len != 4 || memcmp(type, "user", 4)))
		return reject(error, "Key type must be logon or user");
	memcpy(key->type, type, len);
	key->type[len] = '\0';
	desc++;
	len = strlen(desc);
	if (len == 0 || len > TEEARRAY_KEY_DESC_MAX)
		return reject(error, "Key description must be 1-255 characters");
	memcpy(key->desc, desc, len + 1);
	return 0;
}

/* A member timeout (ceiling or floor) in milliseconds; msg on error. */
static int parse_member_timeout(const char *value, unsigned int *out, char **error,
				char *msg)
{
	unsigned int v;

	if (parse_uint(value, &v) || v < TEEARRAY_MIN_MEMBER_TIMEOUT_MS ||
	    v > TEEARRAY_MAX_MEMBER_TIMEOUT_MS)
		return reject(error, msg);
	*out = v;
	return 0;
}

static int parse_opt(struct teearray_params *p, const char *arg,
		     char **error)
{
	const char *value = strchr(arg, ':');
	unsigned int i, v;
	size_t nlen;

	if (!value)
		return reject(error, "Optional argument must be <name>:<value>");
	nlen = (size_t)(value - arg);
	value++;
	for (i = 0; i < TEEARRAY_NR_OPTS; i++)
		if (strlen(opt_names[i]) == nlen && !memcmp(arg, opt_names[i], nlen))
			break;
	if (i == TEEARRAY_NR_OPTS)
		return reject(error, "Unknown optional argument");
	if (p->opt_given & (1U << i))
		return reject(error, "Duplicate optional argument");
	p->opt_given |= 1U << i;

	switch (i) {
	case TEEARRAY_OPT_COMMIT_TIME:
		if (parse_uint(value, &v) || v < 1 || v > TEEARRAY_MAX_COMMIT_TIME_MS)
			return reject(error,
				      "Invalid commit_time: expected 1-60000 (milliseconds)");
		p->commit_time_ms = v;
		break;
	case TEEARRAY_OPT_MEMBER_TIMEOUT:
		return parse_member_timeout(value, &p->member_timeout_ms, error,
					    "Invalid member_timeout: expected 100-600000 (milliseconds)");
	case TEEARRAY_OPT_MEMBER_TIMEOUT_MIN:
		return parse_member_timeout(value, &p->member_timeout_min_ms, error,
					    "Invalid member_timeout_min: expected 100-600000 (milliseconds)");
	case TEEARRAY_OPT_JOURNAL_MODE:
		if (!strcmp(value, "keep"))
			p->journal_mode = TEEARRAY_JOURNAL_KEEP;
		else if (!strcmp(value, "erase"))
			p->journal_mode = TEEARRAY_JOURNAL_ERASE;
		else
			return reject(error, "Invalid journal_mode: expected keep or erase");
		break;
	case TEEARRAY_OPT_REBUILD_RATE:
		if (parse_uint(value, &v))
			return reject(error,
				      "Invalid rebuild_rate: expected KiB/s as a decimal number, 0 for unlimited");
		p->rebuild_rate_kib = v;
		break;
	case TEEARRAY_OPT_KEY_EPOCH:
		if (parse_uint(value, &v))
			return reject(error,
				      "Invalid key_epoch: expected a decimal number below 2^32");
		p->key_epoch = v;
		break;
	case TEEARRAY_OPT_PREV_KEY:
		if (teearray_parse_key_ref(value, &p->prev_key, error))
			return -EINVAL;
		break;
	}
	return 0;
}

int teearray_parse_table(struct teearray_params *p, unsigned int argc,
			 char **argv, char **error, int *bad_arg)
{
	unsigned int i, j, members, nr_opt, pos;

	memset(p, 0, sizeof(*p));
	p->commit_time_ms = TEEARRAY_DEF_COMMIT_TIME_MS;
	p->member_timeout_ms = TEEARRAY_DEF_MEMBER_TIMEOUT_MS;
	p->member_timeout_min_ms = TEEARRAY_DEF_MEMBER_TIMEOUT_MIN_MS;
	p->journal_mode = TEEARRAY_JOURNAL_KEEP;
	*bad_arg = -1;

	if (argc < 5)
		return reject(error,
			      "Not enough arguments: <array_uuid> <key> <#data> <#parity> <member_uuid>... [<#opt_params> <opt_params>]");
	*bad_arg = 0;
	if (teearray_parse_uuid(argv[0], p->array_uuid))
		return reject(error, "Invalid array UUID");
	*bad_arg = 1;
	if (teearray_parse_key_ref(argv[1], &p->key, error))
		return -EINVAL;
	*bad_arg = 2;
	if (parse_uint(argv[2], &p->data_members) || p->data_members < 1 ||
	    p->data_members > TEEARRAY_MAX_MEMBERS - 1)
		return reject(error, "Invalid number of data members: expected 1-255");
	*bad_arg = 3;
	if (parse_uint(argv[3], &p->parity_members) || p->parity_members < 1 ||
	    p->parity_members > TEEARRAY_MAX_PARITY)
		return reject(error, "Invalid number of parity members: expected 1-128");
	members = p->data_members + p->parity_members;
	if (members > TEEARRAY_MAX_MEMBERS)
		return reject(error, "Too many members: data + parity must not exceed 256");
	if (argc - 4 < members) {
		*bad_arg = -1;
		return reject(error, "Not enough member UUIDs for the given data + parity count");
	}
	for (i = 0; i < members; i++) {
		pos = 4 + i;
		*bad_arg = (int)pos;
		if (!strcmp(argv[pos], "-")) {
			p->member_absent[i] = true;
			p->nr_absent++;
			continue;
		}
		if (teearray_parse_uuid(argv[pos], p->member_uuid[i]))
			return reject(error, "Invalid member UUID (use - for an absent member)");
		if (!memcmp(p->member_uuid[i], p->array_uuid, TEEARRAY_UUID_SIZE))
			return reject(error, "Member UUID equals the array UUID");
		for (j = 0; j < i; j++) {
			if (!p->member_absent[j] &&
			    !memcmp(p->member_uuid[i], p->member_uuid[j],
				    TEEARRAY_UUID_SIZE))
				return reject(error, "Duplicate member UUID");
		}
	}
	if (p->nr_absent > p->parity_members) {
		*bad_arg = -1;
		return reject(error,
			      "More absent members than parity members: the array cannot be assembled");
	}

	pos = 4 + members;
	if (pos == argc)
		return 0;
	*bad_arg = (int)pos;
	if (parse_uint(argv[pos], &nr_opt) || nr_opt != argc - pos - 1)
		return reject(error,
			      "Invalid number of optional arguments (or too many member UUIDs)");
	for (pos++; pos < argc; pos++) {
		*bad_arg = (int)pos;
		if (parse_opt(p, argv[pos], error))
			return -EINVAL;
	}
	*bad_arg = -1;
	if (p->opt_given & (1U << TEEARRAY_OPT_PREV_KEY) && !p->key_epoch)
		return reject(error, "prev_key needs key_epoch 1 or higher");
	if (p->member_timeout_min_ms > p->member_timeout_ms) {
		/* The default floor follows a smaller ceiling; a given one must fit. */
		if (p->opt_given & (1U << TEEARRAY_OPT_MEMBER_TIMEOUT_MIN))
			return reject(error, "member_timeout_min must not exceed member_timeout");
		p->member_timeout_min_ms = p->member_timeout_ms;
	}
	return 0;
}

/* snprintf that keeps counting the needed length past the end of buf. */
#define EMIT(...)							\
	do {								\
		int __n = snprintf(buf + (used < len ? used : len),	\
				   used < len ? len - used : 0, __VA_ARGS__); \
		if (__n > 0)						\
			used += (size_t)__n;				\
	} while (0)

int teearray_format_table(const struct teearray_params *p, char *buf,
			  size_t len)
{
	char uuid[TEEARRAY_UUID_STRLEN + 1];
	unsigned int i, members = p->data_members + p->parity_members;
	unsigned int nr_opt = 0;
	size_t used = 0;

	if (len)
		buf[0] = '\0';
	teearray_format_uuid(p->array_uuid, uuid);
	EMIT("%s :%u:%s:%s %u %u", uuid, p->key.size, p->key.type, p->key.desc,
	     p->data_members, p->parity_members);
	for (i = 0; i < members; i++) {
		if (p->member_absent[i]) {
			EMIT(" -");
			continue;
		}
		teearray_format_uuid(p->member_uuid[i], uuid);
		EMIT(" %s", uuid);
	}
	for (i = 0; i < TEEARRAY_NR_OPTS; i++)
		nr_opt += !!(p->opt_given & (1U << i));
	if (!nr_opt)
		return (int)used;
	EMIT(" %u", nr_opt);
	if (p->opt_given & (1U << TEEARRAY_OPT_COMMIT_TIME))
		EMIT(" commit_time:%u", p->commit_time_ms);
	if (p->opt_given & (1U << TEEARRAY_OPT_MEMBER_TIMEOUT))
		EMIT(" member_timeout:%u", p->member_timeout_ms);
	if (p->opt_given & (1U << TEEARRAY_OPT_MEMBER_TIMEOUT_MIN))
		EMIT(" member_timeout_min:%u", p->member_timeout_min_ms);
	if (p->opt_given & (1U << TEEARRAY_OPT_JOURNAL_MODE))
		EMIT(" journal_mode:%s",
		     p->journal_mode == TEEARRAY_JOURNAL_ERASE ? "erase" : "keep");
	if (p->opt_given & (1U << TEEARRAY_OPT_REBUILD_RATE))
		EMIT(" rebuild_rate:%u", p->rebuild_rate_kib);
	if (p->opt_given & (1U << TEEARRAY_OPT_KEY_EPOCH))
		EMIT(" key_epoch:%u", p->key_epoch);
	if (p->opt_given & (1U << TEEARRAY_OPT_PREV_KEY))
		EMIT(" prev_key::%u:%s:%s", p->prev_key.size, p->prev_key.type,
		     p->prev_key.desc);
	return (int)used;
}
