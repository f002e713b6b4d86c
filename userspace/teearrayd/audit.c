// SPDX-License-Identifier: GPL-2.0
/*
 * AUDIT_SIGN: the kernel built an audit log entry; the daemon vouches for
 * the members' attested measurements and signs it with the storage key
 * (Documentation/admin-guide/device-mapper/dm-teearray-audit.rst).  The
 * entry comes from the kernel and is checked like any other input.
 */
#include <string.h>

#include "teearray-audit-entry.h"
#include "td-log.h"
#include "td-member.h"
#include "ta-crypto.h"

/* Does the configuration name a member of this array? */
static int td_audit_array_known(const struct td_config *cfg, const uint8_t array[TA_UUID_LEN])
{
	for (size_t i = 0; i < cfg->nmembers; i++)
		if (!memcmp(cfg->members[i].array, array, TA_UUID_LEN))
			return 1;
	return 0;
}

void td_audit_sign(struct td_engine *e, struct td_request *r)
{
	struct teearray_audit_disk *a = (struct teearray_audit_disk *)td_req_buf(r);
	uint8_t hash[TEEARRAY_SHA256_SIZE];
	char *why = NULL;
	uint32_t i, nr;

	_Static_assert(sizeof(*a) == TEEARRAY_NL_SECTOR_SIZE, "audit entry is one sector");
	r->status = TEEARRAY_ST_REJECTED;
	r->out_len = 0;
	if (r->nl.count != 1) {
		why = "not one sector";
	} else if (!td_audit_array_known(e->cfg, r->nl.array)) {
		why = "the array is not in the configuration";
	} else if (teearray_audit_parse(a, r->nl.array, &why)) {
		;
	} else if (!teearray_all_zero(a->signer, sizeof(a->signer)) ||
		   !teearray_all_zero(a->sig, sizeof(a->sig))) {
		why = "already signed";
	}
	nr = le32_to_cpu(a->nr_ids);
	for (i = 0; !why && i < nr; i++)
		if (!teearray_all_zero(a->id[i].measurement, TEEARRAY_MEASUREMENT_SIZE))
			why = "measurement already filled in";
	if (why) {
		td_log(LOG_ERR, "request %llu: refusing to sign an audit entry: %s",
		       (unsigned long long)r->nl.req_id, why);
		return;
	}
	/* Only what this daemon attested itself, for exactly that instance. */
	for (i = 0; i < nr; i++)
		td_engine_attested(e, r->nl.array, le16_to_cpu(a->id[i].slot), a->id[i].instance,
				   a->id[i].measurement);
	memcpy(a->signer, e->key->pub, sizeof(a->signer));
	teearray_audit_hash(a, hash);
	if (ta_sign32(e->key, hash, a->sig)) {
		td_log(LOG_ERR, "request %llu: signing an audit entry failed",
		       (unsigned long long)r->nl.req_id);
		r->status = TEEARRAY_ST_INTERNAL;
		return;
	}
	r->status = TEEARRAY_ST_OK;
	r->out_len = TEEARRAY_NL_SECTOR_SIZE;
}
