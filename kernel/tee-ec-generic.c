// SPDX-License-Identifier: GPL-2.0
/* Portable C executor for the erasure code (64-bit words, no FPU state). */
#define TEE_EC_VBYTES	8
#define TEE_EC_NAME	generic
#include "tee-ec-simd-body.h"

static bool tee_ec_generic_usable(void)
{
	return true;
}

const struct tee_ec_impl tee_ec_impl_generic = {
	.name = "generic",
	.simd = false,
	.usable = tee_ec_generic_usable,
	.run = tee_ec_generic_run,
	.kernels = tee_ec_generic_kernels,
};
