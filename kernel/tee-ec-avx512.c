// SPDX-License-Identifier: GPL-2.0
/*
 * AVX-512 executor for the erasure code; built with -mavx512f -mavx512vl
 * (see Kbuild), so a ^ b ^ c becomes one vpternlogq.
 */
#define TEE_EC_VBYTES	64
#define TEE_EC_NAME	avx512
#include "tee-ec-simd-body.h"

static bool tee_ec_avx512_usable(void)
{
	return teearray_cpu_avx512();
}

const struct tee_ec_impl tee_ec_impl_avx512 = {
	.name = "avx512",
	.simd = true,
	.usable = tee_ec_avx512_usable,
	.run = tee_ec_avx512_run,
	.kernels = tee_ec_avx512_kernels,
};
