// SPDX-License-Identifier: GPL-2.0
/*
 * teearray command authentication: tagged hashes over libsodium SHA-256,
 * BIP340 Schnorr signatures over libsecp256k1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include "ta-crypto.h"

_Static_assert(sizeof(secp256k1_keypair) <= sizeof(((struct ta_key *)0)->keypair),
	       "keypair storage too small");

static secp256k1_context *ta_secp;

int ta_crypto_init(void)
{
	uint8_t seed[32];

	if (ta_secp)
		return TA_OK;
	if (sodium_init() < 0)
		return TA_E_INTERNAL;
	ta_secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
	if (!ta_secp)
		return TA_E_NOMEM;
	randombytes_buf(seed, sizeof(seed));
	if (!secp256k1_context_randomize(ta_secp, seed))
		return TA_E_INTERNAL;
	sodium_memzero(seed, sizeof(seed));
	return TA_OK;
}

void ta_th_init(struct ta_th *th, const char *tag)
{
	uint8_t t[TA_HASH_LEN];

	crypto_hash_sha256(t, (const uint8_t *)tag, strlen(tag));
	crypto_hash_sha256_init(&th->st);
	crypto_hash_sha256_update(&th->st, t, sizeof(t));
	crypto_hash_sha256_update(&th->st, t, sizeof(t));
}

void ta_th_update(struct ta_th *th, const void *p, size_t n)
{
	crypto_hash_sha256_update(&th->st, p, n);
}

void ta_th_u32(struct ta_th *th, uint32_t v)
{
	uint8_t b[4];

	ta_put32(b, v);
	ta_th_update(th, b, sizeof(b));
}

void ta_th_u64(struct ta_th *th, uint64_t v)
{
	uint8_t b[8];

	ta_put64(b, v);
	ta_th_update(th, b, sizeof(b));
}

void ta_th_final(struct ta_th *th, uint8_t out[TA_HASH_LEN])
{
	crypto_hash_sha256_final(&th->st, out);
}

void ta_sha256(uint8_t out[TA_HASH_LEN], const void *p, size_t n)
{
	crypto_hash_sha256(out, p, n);
}

void ta_payload_hash(uint8_t out[TA_HASH_LEN], const void *p, size_t n)
{
	crypto_generichash(out, TA_HASH_LEN, p, n, NULL, 0);
}

void ta_batch_sighash(const struct ta_batch_hdr *hdr, const struct ta_cmd *cmds,
		      uint8_t out[TA_HASH_LEN])
{
	uint8_t hb[TA_BATCH_HDR_LEN], cb[TA_CMD_HDR_LEN], ph[TA_HASH_LEN];
	struct ta_th th;

	ta_batch_hdr_encode(hb, hdr);
	ta_th_init(&th, TA_TAG_COMMAND);
	ta_th_u32(&th, TA_PROTO_VERSION);
	ta_th_update(&th, hb, TA_BATCH_SIGNED_LEN);
	for (unsigned int i = 0; i < hdr->ncmds; i++) {
		ta_cmd_hdr_encode(cb, &cmds[i]);
		ta_th_update(&th, cb, sizeof(cb));
		ta_payload_hash(ph, cmds[i].payload_len ? cmds[i].payload : (const uint8_t *)"",
				cmds[i].payload_len);
		ta_th_update(&th, ph, sizeof(ph));
	}
	ta_th_final(&th, out);
}

int ta_key_from_secret(struct ta_key *k, const uint8_t sec[32])
{
	secp256k1_keypair kp;
	secp256k1_xonly_pubkey xpk;

	if (ta_crypto_init() != TA_OK)
		return TA_E_INTERNAL;
	if (!secp256k1_keypair_create(ta_secp, &kp, sec))
		return TA_E_ARG;
	if (!secp256k1_keypair_xonly_pub(ta_secp, &xpk, NULL, &kp) ||
	    !secp256k1_xonly_pubkey_serialize(ta_secp, k->pub, &xpk)) {
		sodium_memzero(&kp, sizeof(kp));
		return TA_E_INTERNAL;
	}
	memcpy(k->keypair, &kp, sizeof(kp));
	sodium_memzero(&kp, sizeof(kp));
	return TA_OK;
}

int ta_key_generate(struct ta_key *k, uint8_t sec_out[32])
{
	for (int tries = 0; tries < 16; tries++) {
		randombytes_buf(sec_out, 32);
		if (ta_key_from_secret(k, sec_out) == TA_OK)
			return TA_OK;
	}
	return TA_E_INTERNAL;
}

int ta_key_load_file(struct ta_key *k, const char *path)
{
	char buf[80];
	uint8_t sec[32];
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return TA_E_IO;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 64)
		return TA_E_ARG;
	buf[n] = 0;
	while (n > 64 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = 0;
	ret = n == 64 ? ta_hex_decode(sec, 32, buf) : TA_E_ARG;
	if (ret == TA_OK)
		ret = ta_key_from_secret(k, sec);
	sodium_memzero(buf, sizeof(buf));
	sodium_memzero(sec, sizeof(sec));
	return ret;
}

void ta_key_wipe(struct ta_key *k)
{
	sodium_memzero(k, sizeof(*k));
}

int ta_sign32(const struct ta_key *k, const uint8_t msg[TA_HASH_LEN], uint8_t sig[TA_SIG_LEN])
{
	secp256k1_keypair kp;
	uint8_t aux[32];
	int ok;

	memcpy(&kp, k->keypair, sizeof(kp));
	randombytes_buf(aux, sizeof(aux));
	ok = secp256k1_schnorrsig_sign32(ta_secp, sig, msg, &kp, aux);
	sodium_memzero(&kp, sizeof(kp));
	return ok ? TA_OK : TA_E_INTERNAL;
}

int ta_pubkey_check(const uint8_t pub[TA_PUBKEY_LEN])
{
	secp256k1_xonly_pubkey xpk;

	if (ta_crypto_init() != TA_OK)
		return TA_E_INTERNAL;
	return secp256k1_xonly_pubkey_parse(ta_secp, &xpk, pub) ? TA_OK : TA_E_ARG;
}

int ta_verify32(const uint8_t pub[TA_PUBKEY_LEN], const uint8_t msg[TA_HASH_LEN],
		const uint8_t sig[TA_SIG_LEN])
{
	secp256k1_xonly_pubkey xpk;

	if (ta_crypto_init() != TA_OK)
		return TA_E_INTERNAL;
	if (!secp256k1_xonly_pubkey_parse(ta_secp, &xpk, pub))
		return TA_E_SIGNATURE;
	return secp256k1_schnorrsig_verify(ta_secp, sig, msg, TA_HASH_LEN, &xpk) ?
		TA_OK : TA_E_SIGNATURE;
}

void ta_batch_sign_hash(const struct ta_key *k, struct ta_batch_hdr *hdr,
			const struct ta_cmd *cmds, uint8_t msg[TA_HASH_LEN])
{
	ta_batch_sighash(hdr, cmds, msg);
	if (ta_sign32(k, msg, hdr->sig) != TA_OK)
		memset(hdr->sig, 0, TA_SIG_LEN);	/* never verifies */
}

void ta_batch_sign(const struct ta_key *k, struct ta_batch_hdr *hdr, const struct ta_cmd *cmds)
{
	uint8_t h[TA_HASH_LEN];

	ta_batch_sign_hash(k, hdr, cmds, h);
}

void ta_kx_generate(struct ta_kx *kx)
{
	crypto_kx_keypair(kx->pub, kx->sec);
}

void ta_kx_wipe(struct ta_kx *kx)
{
	sodium_memzero(kx, sizeof(*kx));
}

/*
 * The answers' session key: the member is libsodium's "server", so its tx
 * key is the client's rx key.
 */
static int ta_kx_session(uint8_t key[TA_MAC_LEN], const struct ta_kx *own,
			 const uint8_t peer_pub[TA_KX_PUBLEN], int as_member)
{
	uint8_t rx[crypto_kx_SESSIONKEYBYTES], tx[crypto_kx_SESSIONKEYBYTES];
	int ok;

	ok = as_member ? !crypto_kx_server_session_keys(rx, tx, own->pub, own->sec, peer_pub) :
			 !crypto_kx_client_session_keys(rx, tx, own->pub, own->sec, peer_pub);
	if (ok)
		memcpy(key, as_member ? tx : rx, TA_MAC_LEN);
	sodium_memzero(rx, sizeof(rx));
	sodium_memzero(tx, sizeof(tx));
	return ok ? TA_OK : TA_E_MISMATCH;
}

int ta_kx_member_session(uint8_t key[TA_MAC_LEN], const struct ta_kx *member,
			 const uint8_t client_pub[TA_KX_PUBLEN])
{
	return ta_kx_session(key, member, client_pub, 1);
}

int ta_kx_client_session(uint8_t key[TA_MAC_LEN], const struct ta_kx *client,
			 const uint8_t member_pub[TA_KX_PUBLEN])
{
	return ta_kx_session(key, client, member_pub, 0);
}

void ta_results_hash(uint8_t out[TA_HASH_LEN], const uint8_t *results, size_t len)
{
	ta_payload_hash(out, len ? results : (const uint8_t *)"", len);
}

/* Starts an answer MAC: everything before the answer's own bytes. */
static void ta_answer_mac_init(crypto_generichash_state *st, const uint8_t key[TA_MAC_LEN],
			       uint8_t kind, const uint8_t array[TA_UUID_LEN], uint32_t slot,
			       const uint8_t instance[TA_INSTANCE_LEN],
			       const uint8_t req[TA_HASH_LEN])
{
	uint8_t s4[4];

	ta_put32(s4, slot);
	crypto_generichash_init(st, key, TA_MAC_LEN, TA_MAC_LEN);
	crypto_generichash_update(st, (const uint8_t *)TA_TAG_ANSWER, strlen(TA_TAG_ANSWER));
	crypto_generichash_update(st, &kind, 1);
	crypto_generichash_update(st, array, TA_UUID_LEN);
	crypto_generichash_update(st, s4, sizeof(s4));
	crypto_generichash_update(st, instance, TA_INSTANCE_LEN);
	crypto_generichash_update(st, req, TA_HASH_LEN);
}

void ta_answer_mac(uint8_t mac[TA_MAC_LEN], const uint8_t key[TA_MAC_LEN], uint8_t kind,
		   const uint8_t array[TA_UUID_LEN], uint32_t slot,
		   const uint8_t instance[TA_INSTANCE_LEN], const uint8_t req[TA_HASH_LEN],
		   const uint8_t *body, size_t len)
{
	crypto_generichash_state st;

	ta_answer_mac_init(&st, key, kind, array, slot, instance, req);
	crypto_generichash_update(&st, body, len);
	crypto_generichash_final(&st, mac, TA_MAC_LEN);
}

void ta_bresp_mac(uint8_t mac[TA_MAC_LEN], const uint8_t key[TA_MAC_LEN],
		  const uint8_t array[TA_UUID_LEN], uint32_t slot,
		  const uint8_t instance[TA_INSTANCE_LEN], const uint8_t req[TA_HASH_LEN],
		  const uint8_t hdr[TA_BRESP_HDR_LEN], const uint8_t results_hash[TA_HASH_LEN],
		  const uint8_t *evidence, size_t evidence_len)
{
	crypto_generichash_state st;

	ta_answer_mac_init(&st, key, TA_K_BATCH_RESP, array, slot, instance, req);
	crypto_generichash_update(&st, hdr, TA_BRESP_HDR_LEN);
	crypto_generichash_update(&st, results_hash, TA_HASH_LEN);
	crypto_generichash_update(&st, evidence, evidence_len);
	crypto_generichash_final(&st, mac, TA_MAC_LEN);
}

/* Constant-time comparison of a computed MAC with a received one. */
static int ta_mac_check(uint8_t want[TA_MAC_LEN], const uint8_t mac[TA_MAC_LEN])
{
	int ok = !sodium_memcmp(want, mac, TA_MAC_LEN);

	sodium_memzero(want, TA_MAC_LEN);
	return ok ? TA_OK : TA_E_ANSWER_AUTH;
}

int ta_bresp_verify(const uint8_t mac[TA_MAC_LEN], const uint8_t key[TA_MAC_LEN],
		    const uint8_t array[TA_UUID_LEN], uint32_t slot,
		    const uint8_t instance[TA_INSTANCE_LEN], const uint8_t req[TA_HASH_LEN],
		    const uint8_t hdr[TA_BRESP_HDR_LEN], const uint8_t results_hash[TA_HASH_LEN],
		    const uint8_t *evidence, size_t evidence_len)
{
	uint8_t want[TA_MAC_LEN];

	ta_bresp_mac(want, key, array, slot, instance, req, hdr, results_hash, evidence,
		     evidence_len);
	return ta_mac_check(want, mac);
}

int ta_answer_verify(const uint8_t mac[TA_MAC_LEN], const uint8_t key[TA_MAC_LEN],
		     uint8_t kind, const uint8_t array[TA_UUID_LEN], uint32_t slot,
		     const uint8_t instance[TA_INSTANCE_LEN], const uint8_t req[TA_HASH_LEN],
		     const uint8_t *body, size_t len)
{
	uint8_t want[TA_MAC_LEN];

	ta_answer_mac(want, key, kind, array, slot, instance, req, body, len);
	return ta_mac_check(want, mac);
}

int ta_batch_verify(const uint8_t pub[TA_PUBKEY_LEN], const struct ta_batch_hdr *hdr,
		    const struct ta_cmd *cmds)
{
	uint8_t h[TA_HASH_LEN];

	ta_batch_sighash(hdr, cmds, h);
	return ta_verify32(pub, h, hdr->sig);
}

void ta_random(void *buf, size_t n)
{
	randombytes_buf(buf, n);
}

static int ta_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ta_hex_decode(uint8_t *out, size_t n, const char *hex)
{
	if (!hex || strlen(hex) != 2 * n)
		return TA_E_ARG;
	for (size_t i = 0; i < n; i++) {
		int hi = ta_hexval(hex[2 * i]), lo = ta_hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return TA_E_ARG;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return TA_OK;
}

void ta_hex_encode(char *out, const uint8_t *in, size_t n)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[in[i] >> 4];
		out[2 * i + 1] = d[in[i] & 15];
	}
	out[2 * n] = 0;
}

int ta_uuid_parse(uint8_t out[TA_UUID_LEN], const char *s)
{
	uint8_t u[TA_UUID_LEN], any = 0;
	size_t i, n = 0;

	if (!s || strlen(s) != TA_UUID_STRLEN)
		return TA_E_ARG;
	for (i = 0; i < TA_UUID_STRLEN; i++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return TA_E_ARG;
			continue;
		}
		/* Hex pairs never straddle a dash position. */
		hi = ta_hexval(s[i]);
		lo = ta_hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return TA_E_ARG;
		u[n] = (uint8_t)(hi << 4 | lo);
		any |= u[n++];
		i++;
	}
	if (!any)
		return TA_E_ARG;
	memcpy(out, u, TA_UUID_LEN);
	return TA_OK;
}

void ta_uuid_format(char out[37], const uint8_t u[TA_UUID_LEN])
{
	char hex[33];

	ta_hex_encode(hex, u, TA_UUID_LEN);
	snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
		 hex + 20);
}
