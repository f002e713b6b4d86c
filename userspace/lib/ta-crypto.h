/* SPDX-License-Identifier: GPL-2.0 */
/*
 * teearray command authentication: tagged hashes, BIP340 Schnorr keys,
 * the signed-batch message, hex and UUID helpers.
 *
 * Tagged hash (as in BIP340): TH(tag, m) = SHA256(SHA256(tag) ||
 * SHA256(tag) || m).  Each purpose has its own tag, so a hash or signature
 * made for one purpose is never valid for another.
 */
#ifndef TA_CRYPTO_H
#define TA_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <sodium.h>

#include "ta-wire.h"

#define TA_TAG_COMMAND		"teearray/v1/command"
#define TA_TAG_IDENTIFY		"teearray/v2/identify"
#define TA_TAG_ANSWER		"teearray/v2/answer"
#define TA_TAG_BATCH_ATTEST	"teearray/v1/batch-attest"
#define TA_TAG_RESPONSES	"teearray/v1/responses"
#define TA_TAG_MEASUREMENT	"teearray/v1/measurement"
#define TA_TAG_SIM_QUOTE	"teearray/v1/sim-quote"

/* Must be called once before any other function here; returns TA_OK. */
int ta_crypto_init(void);

struct ta_th {
	crypto_hash_sha256_state st;
};

void ta_th_init(struct ta_th *th, const char *tag);
void ta_th_update(struct ta_th *th, const void *p, size_t n);
void ta_th_u32(struct ta_th *th, uint32_t v);
void ta_th_u64(struct ta_th *th, uint64_t v);
void ta_th_final(struct ta_th *th, uint8_t out[TA_HASH_LEN]);
void ta_sha256(uint8_t out[TA_HASH_LEN], const void *p, size_t n);
/*
 * Bulk data hash for payloads and read results: unkeyed BLAKE2b with a
 * 32-byte output (libsodium crypto_generichash), about three times faster
 * than libsodium's portable SHA-256 on 4 KiB sectors.  Always used inside a
 * tagged SHA-256, which supplies the domain separation.
 */
void ta_payload_hash(uint8_t out[TA_HASH_LEN], const void *p, size_t n);

/*
 * The 32-byte message a batch signature covers:
 *   TH("teearray/v1/command", u32 proto_version || batch header bytes 0..87
 *      || for each command: command header (32 bytes) || B2(payload))
 * where B2 is ta_payload_hash (BLAKE2b-256).
 * The header bytes bind array, slot, flags, command count, instance id,
 * generation, first sequence number and the read nonce.
 */
void ta_batch_sighash(const struct ta_batch_hdr *hdr, const struct ta_cmd *cmds,
		      uint8_t out[TA_HASH_LEN]);

/* A signing key (the dedicated storage key of the main program). */
struct ta_key {
	uint8_t keypair[96];	/* secp256k1_keypair, opaque */
	uint8_t pub[TA_PUBKEY_LEN];	/* x-only public key */
};

int ta_key_from_secret(struct ta_key *k, const uint8_t sec[32]);
int ta_key_generate(struct ta_key *k, uint8_t sec_out[32]);
/* File holds 64 hex digits (optionally followed by a newline). */
int ta_key_load_file(struct ta_key *k, const char *path);
void ta_key_wipe(struct ta_key *k);

int ta_sign32(const struct ta_key *k, const uint8_t msg[TA_HASH_LEN], uint8_t sig[TA_SIG_LEN]);
/* TA_OK or TA_E_SIGNATURE (also for a public key that does not parse). */
int ta_verify32(const uint8_t pub[TA_PUBKEY_LEN], const uint8_t msg[TA_HASH_LEN],
		const uint8_t sig[TA_SIG_LEN]);
/* TA_OK if pub parses as an x-only public key. */
int ta_pubkey_check(const uint8_t pub[TA_PUBKEY_LEN]);

void ta_batch_sign(const struct ta_key *k, struct ta_batch_hdr *hdr, const struct ta_cmd *cmds);
/* As ta_batch_sign; msg gets the signed hash, which answers are bound to. */
void ta_batch_sign_hash(const struct ta_key *k, struct ta_batch_hdr *hdr,
			const struct ta_cmd *cmds, uint8_t msg[TA_HASH_LEN]);
int ta_batch_verify(const uint8_t pub[TA_PUBKEY_LEN], const struct ta_batch_hdr *hdr,
		    const struct ta_cmd *cmds);

/*
 * Answer authentication.  At HELLO both sides make an ephemeral X25519 key
 * pair (libsodium crypto_kx); the member's public key and the caller's are
 * bound into the attested report data, so only the attested enclave and
 * the caller can compute the session key.  The member authenticates every
 * BATCH_RESP and ERROR with
 *
 *   MAC = BLAKE2b-256(key = session key, "teearray/v2/answer" || u8 kind ||
 *                     array || u32 slot || instance || request hash ||
 *                     answer body without the MAC)
 *
 * where the request hash is the batch's signed hash (ta_batch_sighash), or
 * B2 of the request body when the member could not parse it, and in a
 * BATCH_RESP body the results stand as B2(results) (ta_results_hash, which
 * the attestation needs anyway), so the data is hashed once, not twice.
 * The body carries the member's generation and last sequence number (its
 * state counter) after the request, so one MAC binds request, member and
 * state.
 */
struct ta_kx {
	uint8_t pub[TA_KX_PUBLEN];
	uint8_t sec[32];
};

void ta_kx_generate(struct ta_kx *kx);
void ta_kx_wipe(struct ta_kx *kx);
/* Session key of the answers; TA_E_MISMATCH if the peer's key is unusable. */
int ta_kx_member_session(uint8_t key[TA_MAC_LEN], const struct ta_kx *member,
			 const uint8_t client_pub[TA_KX_PUBLEN]);
int ta_kx_client_session(uint8_t key[TA_MAC_LEN], const struct ta_kx *client,
			 const uint8_t member_pub[TA_KX_PUBLEN]);

/* B2 of read results (of the empty string when there are none). */
void ta_results_hash(uint8_t out[TA_HASH_LEN], const uint8_t *results, size_t len);

/*
 * The MAC of a BATCH_RESP: hdr is its 40-byte header, evidence what
 * follows the results.
 */
void ta_bresp_mac(uint8_t mac[TA_MAC_LEN], const uint8_t key[TA_MAC_LEN],
		  const uint8_t array[TA_UUID_LEN], uint32_t slot,
		  const uint8_t instance[TA_INSTANCE_LEN], const uint8_t req[TA_HASH_LEN],
		  const uint8_t hdr[TA_BRESP_HDR_LEN], const uint8_t results_hash[TA_HASH_LEN],
		  const uint8_t *evidence, size_t evidence_len);
int ta_bresp_verify(const uint8_t mac[TA_MAC_LEN], const uint8_t key[TA_MAC_LEN],
		    const uint8_t array[TA_UUID_LEN], uint32_t slot,
		    const uint8_t instance[TA_INSTANCE_LEN], const uint8_t req[TA_HASH_LEN],
		    const uint8_t hdr[TA_BRESP_HDR_LEN], const uint8_t results_hash[TA_HASH_LEN],
		    const uint8_t *evidence, size_t evidence_len);

/* The MAC of an ERROR (kind TA_K_ERROR, body its fields) or of any other body. */
void ta_answer_mac(uint8_t mac[TA_MAC_LEN], const uint8_t key[TA_MAC_LEN], uint8_t kind,
		   const uint8_t array[TA_UUID_LEN], uint32_t slot,
		   const uint8_t instance[TA_INSTANCE_LEN], const uint8_t req[TA_HASH_LEN],
		   const uint8_t *body, size_t len);
/* TA_OK if mac is the answer MAC of body (constant time), else TA_E_ANSWER_AUTH. */
int ta_answer_verify(const uint8_t mac[TA_MAC_LEN], const uint8_t key[TA_MAC_LEN],
		     uint8_t kind, const uint8_t array[TA_UUID_LEN], uint32_t slot,
		     const uint8_t instance[TA_INSTANCE_LEN], const uint8_t req[TA_HASH_LEN],
		     const uint8_t *body, size_t len);

void ta_random(void *buf, size_t n);

/* Exactly 2*n hex digits; returns TA_OK or TA_E_ARG. */
int ta_hex_decode(uint8_t *out, size_t n, const char *hex);
void ta_hex_encode(char *out, const uint8_t *in, size_t n);	/* out: 2n+1 */
/*
 * A UUID as every program of the project takes one: exactly what the
 * kernel's table parser (teearray_parse_uuid, kernel/teearray-table.c)
 * accepts, so a configuration the daemon accepts is one the kernel and the
 * CLI accept too.  36 characters, 8-4-4-4-12 hex digits in either case
 * separated by dashes, not the nil UUID (no array or member has it).
 * TA_OK with out filled, or TA_E_ARG with out untouched.
 */
#define TA_UUID_STRLEN	36
int ta_uuid_parse(uint8_t out[TA_UUID_LEN], const char *s);
void ta_uuid_format(char out[37], const uint8_t uuid[TA_UUID_LEN]);

#endif /* TA_CRYPTO_H */
