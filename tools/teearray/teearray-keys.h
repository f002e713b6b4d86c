/* SPDX-License-Identifier: GPL-2.0 */
/* Key files and the kernel keyring (libkeyutils); see keys.c. */
#ifndef TEEARRAY_KEYS_H
#define TEEARRAY_KEYS_H

#include <stdint.h>

#include "teearray-cli.h"

#define CLI_DEFAULT_ARRAY_KEY	"/etc/teearray/array.key"
#define CLI_DEFAULT_SIGNING_KEY	"/etc/teearray/signing.key"

/* Epoch keys as logon keys "teearray:NAME@EPOCH" in the user keyring. */
int cli_keyring_add_epoch_key(const char *name, uint32_t epoch,
			      const uint8_t key[CLI_ARRAY_KEY_SIZE]);
void cli_keyring_drop_epoch_key(const char *name, uint32_t epoch);
void cli_keyring_drop_epoch_keys(const char *name);
/*
 * When the configuration says signing-key keyring:DESC and no such user key
 * exists, load it from file.  Returns 0 or an exit code.
 */
int cli_keyring_load_signing_key(const struct td_config *cfg, const char *file);

#endif /* TEEARRAY_KEYS_H */
