/* SPDX-License-Identifier: GPL-2.0 */
/* Key providers and epoch keys; see keyprov.c. */
#ifndef TEEARRAY_KEYPROV_H
#define TEEARRAY_KEYPROV_H

#include <stdint.h>

#include "teearray-cli.h"

/* The key of epoch from the array's provider; 0 or an exit code (printed). */
int cli_epoch_key(const struct td_array_cfg *a, uint32_t epoch, uint8_t out[CLI_ARRAY_KEY_SIZE]);

#define CLI_KEY_CACHE	4
struct cli_key_cache {
	unsigned int n;
	uint32_t epoch[CLI_KEY_CACHE];
	int err[CLI_KEY_CACHE];
	uint8_t key[CLI_KEY_CACHE][CLI_ARRAY_KEY_SIZE];
};

int cli_epoch_key_cached(struct cli_key_cache *kc, const struct td_array_cfg *a, uint32_t epoch,
			 const uint8_t **key);
void cli_key_cache_wipe(struct cli_key_cache *kc);

#endif /* TEEARRAY_KEYPROV_H */
