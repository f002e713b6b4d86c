// SPDX-License-Identifier: GPL-2.0
/*
 * ta-sector-check: check one sector the kernel wrote, as read raw from its
 * data member, against the data written, in userspace and with libsodium:
 * VM test 100.
 *
 *   ta-sector-check --epoch-key FILE --array UUID --epoch E --vsector V
 *                   --cipher FILE --meta FILE --plain FILE
 *                   [--flip-key N] [--flip-iv N]
 *
 * The sector keys are derived from the epoch key as the kernel derives them
 * (teearray_sector_keys_init, the same source built for userspace).  The IV
 * and MAC come from entry V mod 146 of the raw metadata sector.  The MAC is
 * checked with the userspace build of the sector code; the decryption is
 * libsodium's RFC 8439 ChaCha20 called directly (96-bit nonce = the IV,
 * block counter 0), so it does not go through any code the module shares.
 * --flip-key and --flip-iv change one byte of the cipher key or of the IV
 * used for that decryption: a check that fails then shows that the
 * comparison depends on both.  Prints one line; exits 0 when the MAC
 * verifies and the decryption gives the data back, 1 otherwise, 2 on bad
 * usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "ta-crypto.h"
#include "teearray-sector.h"

static int read_exact(const char *path, void *buf, size_t len)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, len, f) : 0;
	int extra = f ? fgetc(f) : EOF;

	if (f)
		fclose(f);
	if (n != len || extra != EOF) {
		fprintf(stderr, "ta-sector-check: %s: expected exactly %zu bytes\n", path, len);
		return -1;
	}
	return 0;
}

static int number(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || *end || !*s || *s == '-' || *out > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "epoch-key", required_argument, NULL, 'k' },
		{ "array", required_argument, NULL, 'a' },
		{ "epoch", required_argument, NULL, 'e' },
		{ "vsector", required_argument, NULL, 'v' },
		{ "cipher", required_argument, NULL, 'c' },
		{ "meta", required_argument, NULL, 'm' },
		{ "plain", required_argument, NULL, 'p' },
		{ "flip-key", required_argument, NULL, 'K' },
		{ "flip-iv", required_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key_path = NULL, *uuid_s = NULL, *ct_path = NULL, *meta_path = NULL;
	const char *plain_path = NULL;
	unsigned long long epoch = 0, v = 0, flip_key = ~0ULL, flip_iv = ~0ULL, x;
	static uint8_t ct[TEEARRAY_SECTOR_SIZE], plain[TEEARRAY_SECTOR_SIZE],
		       out[TEEARRAY_SECTOR_SIZE];
	static struct teearray_meta_disk meta;
	uint8_t ekey[TEEARRAY_KEY_SIZE], uuid[16], iv[TEEARRAY_IV_SIZE], key[32];
	const struct teearray_entry *e;
	struct teearray_sector_keys k;
	char flipped[48] = "";
	int c, mac_ok, data_ok, epoch_ok;
	__le32 iv_epoch;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k': key_path = optarg; break;
		case 'a': uuid_s = optarg; break;
		case 'c': ct_path = optarg; break;
		case 'm': meta_path = optarg; break;
		case 'p': plain_path = optarg; break;
		case 'e':
			if (number(optarg, UINT32_MAX, &epoch))
				return 2;
			break;
		case 'v':
			if (number(optarg, UINT64_MAX, &v))
				return 2;
			break;
		case 'K':
			if (number(optarg, sizeof(key) - 1, &x))
				return 2;
			flip_key = x;
			break;
		case 'I':
			if (number(optarg, sizeof(iv) - 1, &x))
				return 2;
			flip_iv = x;
			break;
		default:
			return 2;
		}
	}
	if (optind != argc || !key_path || !uuid_s || !ct_path || !meta_path || !plain_path) {
		fprintf(stderr, "usage: ta-sector-check --epoch-key FILE --array UUID --epoch E "
			"--vsector V --cipher FILE --meta FILE --plain FILE [--flip-key N] "
			"[--flip-iv N]\n");
		return 2;
	}
	if (sodium_init() < 0 || ta_uuid_parse(uuid, uuid_s) != TA_OK ||
	    read_exact(key_path, ekey, sizeof(ekey)) || read_exact(ct_path, ct, sizeof(ct)) ||
	    read_exact(meta_path, &meta, sizeof(meta)) ||
	    read_exact(plain_path, plain, sizeof(plain)))
		return 2;

	teearray_sector_keys_init(&k, ekey, sizeof(ekey), uuid, epoch);
	e = &meta.entry[v % TEEARRAY_META_PER_SECTOR];
	memcpy(&iv_epoch, e->iv, sizeof(iv_epoch));
	epoch_ok = !teearray_entry_unwritten(e) && le32_to_cpu(iv_epoch) == epoch;
	mac_ok = !teearray_entry_unwritten(e) && !teearray_sector_verify(&k, v, e, ct);

	memcpy(key, k.cipher, sizeof(key));
	memcpy(iv, e->iv, sizeof(iv));
	if (flip_key != ~0ULL)
		key[flip_key] ^= 0x01;
	if (flip_iv != ~0ULL)
		iv[flip_iv] ^= 0x01;
	crypto_stream_chacha20_ietf_xor_ic(out, ct, sizeof(ct), iv, 0, key);
	data_ok = !memcmp(out, plain, sizeof(out));

	if (flip_key != ~0ULL)
		snprintf(flipped, sizeof(flipped), " with key byte %llu flipped", flip_key);
	else if (flip_iv != ~0ULL)
		snprintf(flipped, sizeof(flipped), " with IV byte %llu flipped", flip_iv);
	printf("vsector %llu: IV of key epoch %llu: %s, MAC verifies: %s, stored encrypted: %s, "
	       "libsodium ChaCha20%s decrypts it to the data written: %s\n", v, epoch,
	       epoch_ok ? "yes" : "no", mac_ok ? "yes" : "no",
	       memcmp(ct, plain, sizeof(ct)) ? "yes" : "no", flipped, data_ok ? "yes" : "no");
	sodium_memzero(ekey, sizeof(ekey));
	sodium_memzero(&k, sizeof(k));
	sodium_memzero(key, sizeof(key));
	return epoch_ok && mac_ok && data_ok ? 0 : 1;
}
