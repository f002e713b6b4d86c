// SPDX-License-Identifier: GPL-2.0
/*
 * The module's load-time known-answer test of the sector cipher
 * (kernel/teearray-selftest.c), built for userspace with the real sector
 * code (kernel/teearray-sector.c, whose ChaCha20 is libsodium's here): it
 * passes, and it fails, so the module would refuse to load, for each way the
 * cipher could be wrong.  The wrong ciphers are made by standing in for the
 * one libsodium function the sector code calls,
 * crypto_stream_chacha20_ietf_xor_ic(): this executable's definition wins
 * over the library's for the objects linked into it.  A wrong SHA-256 (so
 * a wrong HMAC) is made the same way, around libsodium's
 * crypto_hash_sha256_final().
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "tap.h"
#include "teearray-sector.h"

enum variant {
	V_RIGHT,		/* IETF ChaCha20, 96-bit nonce, block counter 0 */
	V_COUNTER_1,		/* block counter starting at 1 */
	V_NONCE_64,		/* the original 64-bit nonce variant */
	V_NONCE_SWAPPED,	/* IV words in another order than the nonce */
	V_KEY_BYTE,		/* one key byte different */
	V_NONCE_BYTE,		/* one nonce byte different */
	V_LAST_BYTE,		/* the sector's last ciphertext byte wrong */
};

static enum variant variant = V_RIGHT;
static unsigned int calls;

int crypto_stream_chacha20_ietf_xor_ic(unsigned char *c, const unsigned char *m,
				       unsigned long long mlen, const unsigned char *n,
				       uint32_t ic, const unsigned char *k)
{
	unsigned char key[32], nonce[12], *ks;
	unsigned long long i;

	calls++;
	memcpy(key, k, sizeof(key));
	memcpy(nonce, n, sizeof(nonce));
	if (ic)
		abort();	/* the sector code always starts at block 0 */
	switch (variant) {
	case V_RIGHT:
	case V_LAST_BYTE:
		crypto_stream_chacha20_ietf_xor(c, m, mlen, nonce, key);
		if (variant == V_LAST_BYTE && mlen == TEEARRAY_SECTOR_SIZE)
			c[mlen - 1] ^= 1;
		return 0;
	case V_COUNTER_1:
		ks = malloc(mlen + 64);
		crypto_stream_chacha20_ietf(ks, mlen + 64, nonce, key);
		for (i = 0; i < mlen; i++)
			c[i] = m[i] ^ ks[64 + i];
		free(ks);
		return 0;
	case V_NONCE_64:
		return crypto_stream_chacha20_xor(c, m, mlen, nonce, key);
	case V_NONCE_SWAPPED:
		memcpy(nonce, n + 4, 8);
		memcpy(nonce + 8, n, 4);
		return crypto_stream_chacha20_ietf_xor(c, m, mlen, nonce, key);
	case V_KEY_BYTE:
		key[7] ^= 0x80;
		return crypto_stream_chacha20_ietf_xor(c, m, mlen, nonce, key);
	case V_NONCE_BYTE:
		nonce[11] ^= 1;
		return crypto_stream_chacha20_ietf_xor(c, m, mlen, nonce, key);
	}
	return -1;
}

static int sha256_wrong;

/* libsodium's, with the first byte flipped when sha256_wrong is set. */
int crypto_hash_sha256_final(crypto_hash_sha256_state *state, unsigned char *out)
{
	static int (*real)(crypto_hash_sha256_state *, unsigned char *);
	int r;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "crypto_hash_sha256_final");
	if (!real)
		abort();
	r = real(state, out);
	if (sha256_wrong)
		out[0] ^= 1;
	return r;
}

static const struct {
	enum variant v;
	const char *what;
} wrong[] = {
	{ V_COUNTER_1, "a block counter starting at 1" },
	{ V_NONCE_64, "the 64-bit nonce variant" },
	{ V_NONCE_SWAPPED, "the IV's counter before its epoch in the nonce" },
	{ V_KEY_BYTE, "one key byte different" },
	{ V_NONCE_BYTE, "one nonce byte different" },
	{ V_LAST_BYTE, "the last byte of a sector wrong" },
};

int main(void)
{
	unsigned int i;

	tap_plan(2 + ARRAY_SIZE(wrong));
	if (sodium_init() < 0) {
		printf("not ok - selftest: libsodium\n");
		return 1;
	}
	tap_begin();
	variant = V_RIGHT;
	calls = 0;
	CHECK(teearray_sector_selftest() == 0);
	CHECK(calls >= 10);	/* seal and two decrypts of every vector */
	tap_end("chacha20 self-test: the module's RFC 8439 vectors pass through the real sector "
		"code (libsodium's ChaCha20 here)");
	for (i = 0; i < ARRAY_SIZE(wrong); i++) {
		tap_begin();
		variant = wrong[i].v;
		CHECK(teearray_sector_selftest() == -EIO);
		tap_end("chacha20 self-test: fails (the module would not load) with %s",
			wrong[i].what);
	}
	tap_begin();
	variant = V_RIGHT;
	sha256_wrong = 1;
	CHECK(teearray_sector_selftest() == -EIO);
	sha256_wrong = 0;
	CHECK(teearray_sector_selftest() == 0);
	tap_end("hmac-sha256 self-test: fails (the module would not load) with a wrong SHA-256 "
		"(RFC 4231 case 2)");
	return tap_exit_status();
}
