/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ChaCha20 (RFC 8439: 256-bit key, 96-bit nonce, 32-bit block counter
 * starting at 0) for the sector cipher: the kernel's ChaCha library in the
 * module, libsodium in the userspace test build.  No state is kept.
 */
#ifndef TEEARRAY_CHACHA20_H
#define TEEARRAY_CHACHA20_H

#include "teearray-compat.h"

#define TEEARRAY_CHACHA20_KEY_SIZE	32
#define TEEARRAY_CHACHA20_NONCE_SIZE	12

#ifdef __KERNEL__
#include <crypto/chacha.h>	/* brings get_unaligned_le32() on 6.1 and 6.12 */

static inline void teearray_chacha20(const u8 key[TEEARRAY_CHACHA20_KEY_SIZE],
				     const u8 nonce[TEEARRAY_CHACHA20_NONCE_SIZE],
				     u8 *dst, const u8 *src, unsigned int len)
{
	u32 state[16], k[8];
	u8 iv[CHACHA_IV_SIZE] = { 0 };	/* le32 block counter, then nonce */
	unsigned int i;

	for (i = 0; i < 8; i++)
		k[i] = get_unaligned_le32(key + 4 * i);
	memcpy(iv + 4, nonce, TEEARRAY_CHACHA20_NONCE_SIZE);
	chacha_init(state, k, iv);
	chacha20_crypt(state, dst, src, len);
	memzero_explicit(state, sizeof(state));
	memzero_explicit(k, sizeof(k));
}
#else
#include <sodium.h>

static inline void teearray_chacha20(const u8 key[TEEARRAY_CHACHA20_KEY_SIZE],
				     const u8 nonce[TEEARRAY_CHACHA20_NONCE_SIZE],
				     u8 *dst, const u8 *src, unsigned int len)
{
	crypto_stream_chacha20_ietf_xor_ic(dst, src, len, nonce, 0, key);
}
#endif

#endif /* TEEARRAY_CHACHA20_H */
