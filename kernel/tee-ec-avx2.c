// SPDX-License-Identifier: GPL-2.0
/* AVX2 executor for the erasure code; built with -mavx2 (see Kbuild). */
#define TEE_EC_VBYTES	32
#define TEE_EC_NAME	avx2
#include "tee-ec-simd-body.h"

static bool tee_ec_avx2_usable(void)
{
	return teearray_cpu_avx2();
}

const struct tee_ec_impl tee_ec_impl_avx2 = {
	.name = "avx2",
	.simd = true,
	.usable = tee_ec_avx2_usable,
	.run = tee_ec_avx2_run,
	.kernels = tee_ec_avx2_kernels,
};
