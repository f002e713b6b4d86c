// SPDX-License-Identifier: GPL-2.0
/*
 * teearray format: initialise the members of a new array.
 *
 * Reads the transport daemon's configuration (member addresses, signing key,
 * attestation policy), connects to every member of the array with attested
 * identities, and writes superblocks and the first death record with
 * ta_format_array().  Prints the array's length in 512-byte sectors, the
 * number a device-mapper table needs.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "teearray-cli.h"
#include "teearray-keys.h"
#include "teearray-keyprov.h"
#include "td-config.h"
#include "ta-format.h"
#include "teearray-format.h"
#include "teearray-table.h"

int cmd_format(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "array", required_argument, NULL, 'a' },
		{ "data", required_argument, NULL, 'n' },
		{ "parity", required_argument, NULL, 'p' },
		{ "array-key", required_argument, NULL, 'k' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = "/etc/teearray/teearrayd.conf", *keyfile = NULL, *uuid = NULL;
	unsigned int n = 0, p = 0, m, i, opened = 0;
	uint64_t sectors = UINT64_MAX;
	struct ta_client *clients = NULL, **cp = NULL;
	uint8_t (*member_uuids)[16] = NULL;
	uint8_t array[16], key[64];
	char uuid_buf[37];
	struct td_array_cfg named = { 0 };
	struct td_config cfg = { 0 };
	struct teearray_geometry geo;
	struct ta_key skey;
	char err[512];
	int c, force = 0, r = CLI_EXIT_FAIL;
	unsigned long v;
	char *end;

	while ((c = getopt_long(argc, argv, "c:a:n:p:k:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'a': uuid = optarg; break;
		case 'n':
		case 'p':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || v == 0 || v > 255)
				return cli_error(CLI_EXIT_USAGE, "--%s must be a number from 1 to "
						 "255, got '%s'", c == 'n' ? "data" : "parity",
						 optarg);
			*(c == 'n' ? &n : &p) = (unsigned int)v;
			break;
		case 'k': keyfile = optarg; break;
		case 'f': force = 1; break;
		case 'h':
			printf("usage: teearray format NAME [--config FILE] [--force]\n"
			       "       teearray format --array UUID --data N --parity P --array-key FILE\n"
			       "                       [--config FILE] [--force]\n");
			return 0;
		default:
			return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 == argc && !uuid && !keyfile && !n && !p) {
		/* By name: everything else from the array line. */
		const struct td_array_cfg *a;

		r = cli_load_array(config, argv[optind], &cfg, &a);
		if (r)
			return r;
		cli_uuid_str(a->uuid, uuid_buf);
		uuid = uuid_buf;
		named = *a;
		n = a->data;
		p = a->parity;
		td_config_free(&cfg);
	} else if (optind != argc) {
		return cli_error(CLI_EXIT_USAGE, "format takes either NAME or --array, --data, "
				 "--parity and --array-key, not both");
	}
	if (!uuid || (!keyfile && !named.name[0]) || !n || !p)
		return cli_error(CLI_EXIT_USAGE,
				 "format needs NAME, or --array UUID, --data N, --parity P and "
				 "--array-key FILE");
	if (ta_uuid_parse(array, uuid))
		return cli_error(CLI_EXIT_USAGE, "--array: '%s' is not a UUID", uuid);
	if (p > TEEARRAY_MAX_PARITY || n + p > TEEARRAY_MAX_MEMBERS)
		return cli_error(CLI_EXIT_USAGE, "shape %u+%u: need 1 <= P <= 128 and N + P <= 256", n, p);
	m = n + p;
	/* The members are formatted at key epoch 0. */
	if (keyfile) {
		named.key_kind = TD_AKEY_FILE;
		snprintf(named.key_path, sizeof(named.key_path), "%s", keyfile);
		memcpy(named.uuid, array, 16);
	}
	r = cli_epoch_key(&named, 0, key);
	if (r)
		return r;
	if (td_config_load(config, &cfg, err, sizeof(err))) {
		sodium_memzero(key, sizeof(key));
		return cli_error(CLI_EXIT_USAGE, "%s", err);
	}
	r = cli_keyring_load_signing_key(&cfg, CLI_DEFAULT_SIGNING_KEY);
	if (r)
		goto out;
	r = CLI_EXIT_FAIL;
	if (td_key_load(&cfg, &skey, err, sizeof(err))) {
		r = cli_error(CLI_EXIT_USAGE, "%s", err);
		goto out;
	}

	clients = calloc(m, sizeof(*clients));
	cp = calloc(m, sizeof(*cp));
	member_uuids = calloc(m, sizeof(*member_uuids));
	if (!clients || !cp || !member_uuids) {
		r = cli_error(CLI_EXIT_FAIL, "out of memory");
		goto out;
	}
	for (i = 0; i < m; i++) {
		const struct td_member_cfg *mc = NULL;

		for (size_t j = 0; j < cfg.nmembers; j++)
			if (!memcmp(cfg.members[j].array, array, 16) && cfg.members[j].slot == i)
				mc = &cfg.members[j];
		if (!mc) {
			r = cli_error(CLI_EXIT_USAGE, "%s names no member for slot %u of array %s",
				      config, i, uuid);
			goto out;
		}
		memcpy(member_uuids[i], mc->uuid, 16);
		cp[i] = &clients[i];
		ta_client_init(&clients[i], &skey, &cfg.policy, array, i);
		opened++;
		if (ta_client_connect(&clients[i], mc->addr, (int)cfg.member_timeout_ms) != TA_OK) {
			r = cli_error(CLI_EXIT_MEMBER, "member %u (%s) does not answer; start its teedisk",
				      i, mc->addr);
			goto out;
		}
		r = ta_client_identify(&clients[i]);
		if (r != TA_OK) {
			/* The member's own (unauthenticated) word, else ours. */
			r = cli_error(CLI_EXIT_MEMBER,
				      "member %u (%s) failed identification or attestation (%s)",
				      i, mc->addr, ta_err_name(clients[i].last_error.code ?
							       clients[i].last_error.code : r));
			goto out;
		}
	}
	if (ta_format_array(cp, n, p, array, (const uint8_t (*)[16])member_uuids, key, force,
			    err, sizeof(err))) {
		r = cli_error(CLI_EXIT_FAIL, "%s", err);
		goto out;
	}
	/* Report what was written: the smallest member decided the size. */
	for (i = 0; i < m; i++)
		if (clients[i].id.sectors < sectors)
			sectors = clients[i].id.sectors;
	teearray_geometry_init(&geo, n, p, sectors, TEEARRAY_DEF_JOURNAL_SECTORS,
			       TEEARRAY_DEF_LOG_STRIPES);
	printf("%llu\n", (unsigned long long)geo.array_sectors * 8);
	r = 0;
out:
	for (i = 0; i < opened; i++)
		ta_client_close(&clients[i]);
	sodium_memzero(key, sizeof(key));
	ta_key_wipe(&skey);
	td_config_free(&cfg);
	free(clients);
	free(cp);
	free(member_uuids);
	return r;
}
