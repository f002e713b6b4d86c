// SPDX-License-Identifier: GPL-2.0
/*
 * Module-load glue for the erasure code: run the self-test of every usable
 * executor, benchmark them briefly and log the one chosen (as lib/raid6
 * does).  The work itself is in tee-ec.c, shared with the userspace tests.
 */
#include <linux/device-mapper.h>
#include "tee-ec.h"

#define DM_MSG_PREFIX "teearray"

/* About 10 ms of encoding per executor. */
#define TEE_EC_BENCH_NS	(10 * NSEC_PER_MSEC)

int tee_ec_module_init(void)
{
	unsigned int mbps = 0;
	int r;

	r = tee_ec_select(TEE_EC_BENCH_NS, &mbps);
	if (r == -EIO) {
		DMERR("ec: self-test FAILED, refusing to load");
		return r;
	}
	if (r) {
		DMERR("ec: self-test could not run: %d", r);
		return r;
	}
	DMINFO("ec: self-test passed, using %s (%u.%02u GB/s encode 8+3)",
	       tee_ec_get_impl()->name, mbps / 1000, (mbps % 1000) / 10);
	return 0;
}
