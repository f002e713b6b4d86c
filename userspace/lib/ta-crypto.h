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
#define TA_TAG_IDENTIFY		"teearray/v1/identify"
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
int ta_batch_verify(const uint8_t pub[TA_PUBKEY_LEN], const struct ta_batch_hdr *hdr,
		    const struct ta_cmd *cmds);

void ta_random(void *buf, size_t n);

/* Exactly 2*n hex digits; returns TA_OK or TA_E_ARG. */
int ta_hex_decode(uint8_t *out, size_t n, const char *hex);
void ta_hex_encode(char *out, const uint8_t *in, size_t n);	/* out: 2n+1 */
/* 32 hex digits, dashes allowed anywhere (canonical 8-4-4-4-12). */
int ta_uuid_parse(uint8_t out[TA_UUID_LEN], const char *s);
void ta_uuid_format(char out[37], const uint8_t uuid[TA_UUID_LEN]);

#endif /* TA_CRYPTO_H */
