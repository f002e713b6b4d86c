/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Formatting a new array on its members, from userspace, with the same
 * on-member format code the kernel uses (kernel/teearray-format.c).
 */
#ifndef TA_FORMAT_H
#define TA_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "ta-client.h"

/*
 * Format N + P members: clients[i] is connected and identified for slot i
 * and member_uuids[i] names it.  Writes every superblock, raises every
 * member to a fresh common fencing generation, and writes death record
 * version (highest seen + 1) listing all members in sync.  Members must be
 * blank unless force is set; with force their old contents are trimmed.
 * epoch0_key is the key of key epoch 0 (teearray_epoch_key() of the root).
 * Returns 0, or -1 with a message in err.
 */
int ta_format_array(struct ta_client *const *clients, unsigned int n, unsigned int p,
		    const uint8_t array_uuid[16], const uint8_t (*member_uuids)[16],
		    const uint8_t epoch0_key[64], int force, char *err, size_t errlen);

#endif /* TA_FORMAT_H */
