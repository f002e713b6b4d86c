/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Attestation providers for storage enclaves.
 *
 * quote(report_data[64]) -> evidence;  verify(evidence, policy) -> claims.
 *
 *  sim  A software key stands in for the hardware attestation key.  Every
 *       report carries TA_EV_F_SIMULATED and verification refuses it unless
 *       the policy sets allow_simulated and pins the simulation public key.
 *       It proves nothing about the platform: whoever holds the sim key can
 *       produce any report.  For tests and development only.
 *  tsm  Linux configfs-tsm (/sys/kernel/config/tsm/report, Linux >= 6.7):
 *       TDX or SEV-SNP quotes from the kernel.  This library does not parse
 *       vendor quotes; verification runs an external verifier command set
 *       in the policy (see the protocol documentation for its interface).
 *
 * Evidence layout: u16 provider, u16 flags, u32 body length, body.
 */
#ifndef TA_ATTEST_H
#define TA_ATTEST_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "ta-crypto.h"
#include "ta-wire.h"

enum ta_provider_id {
	TA_PROV_SIM = 1,
	TA_PROV_TSM = 2,
};

#define TA_EV_HDR_LEN		8u
#define TA_SIM_BODY_LEN		192u	/* measurement, report data, pubkey, sig */
#define TA_TSM_FIXED_LEN	108u	/* report data, generation, provider[32], len */
#define TA_TSM_DEFAULT_ROOT	"/sys/kernel/config/tsm/report"

struct ta_attester {
	uint16_t provider;
	uint8_t measurement[TA_HASH_LEN];	/* sim: what the report claims */
	struct ta_key sim_key;
	char tsm_root[512];
	unsigned long tsm_counter;
	/*
	 * Test hook: called after inblob is written, standing in for the
	 * kernel that fills outblob/provider/generation in a fake tree.
	 */
	void (*tsm_hook)(const char *entry_dir, void *arg);
	void *tsm_hook_arg;
};

struct ta_policy {
	int allow_simulated;
	int have_sim_pubkey;
	uint8_t sim_pubkey[TA_PUBKEY_LEN];
	/* Pinned against the evidence's claims (sim: the teedisk measurement;
	 * tsm: the platform measurement the external verifier reports). */
	int have_measurement;
	uint8_t measurement[TA_HASH_LEN];
	/* Pinned against the teedisk measurement (program and configuration)
	 * that the member reports in its identity and in report_data[32..63];
	 * checked by ta_client_identify for every provider. */
	int have_member_measurement;
	uint8_t member_measurement[TA_HASH_LEN];
	const char *tsm_verifier;	/* command for hardware quotes, or NULL */
};

struct ta_claims {
	uint16_t provider;
	uint16_t flags;			/* TA_EV_F_* */
	uint8_t measurement[TA_HASH_LEN];
	uint8_t report_data[TA_REPORT_DATA_LEN];
	char platform[33];		/* tsm: configfs "provider" value */
};

int ta_attester_init_sim(struct ta_attester *a, const char *sim_key_file,
			 const uint8_t measurement[TA_HASH_LEN]);
/* root NULL means TA_TSM_DEFAULT_ROOT. */
int ta_attester_init_tsm(struct ta_attester *a, const char *root);
void ta_attester_wipe(struct ta_attester *a);

/* Produces malloc'd evidence over report_data. */
int ta_quote(struct ta_attester *a, const uint8_t rd[TA_REPORT_DATA_LEN],
	     uint8_t **ev, size_t *ev_len);

/* Verifies evidence under a policy; fills claims on TA_OK. */
int ta_evidence_verify(const uint8_t *ev, size_t ev_len, const struct ta_policy *pol,
		       struct ta_claims *claims);
/* ta_evidence_verify, then the report data must equal expect_rd. */
int ta_evidence_check(const uint8_t *ev, size_t ev_len, const struct ta_policy *pol,
		      const uint8_t expect_rd[TA_REPORT_DATA_LEN], struct ta_claims *claims);

/* SHA-256 of a file (teedisk hashes /proc/self/exe). */
int ta_file_sha256(const char *path, uint8_t out[TA_HASH_LEN]);

/*
 * The measurement a teedisk reports:
 *   TH("teearray/v1/measurement", exe_hash || u16 provider || array ||
 *      u32 slot || u64 sectors || authorized_key)
 */
void ta_measurement(uint8_t out[TA_HASH_LEN], const uint8_t exe_hash[TA_HASH_LEN],
		    uint16_t provider, const uint8_t array[TA_UUID_LEN], uint32_t slot,
		    uint64_t sectors, const uint8_t authorized_key[TA_PUBKEY_LEN]);

/*
 * report_data for HELLO: TH("teearray/v2/identify", identity || nonce ||
 * client session public key || member session public key) followed by the
 * identity's measurement.
 */
void ta_rd_identify(uint8_t rd[TA_REPORT_DATA_LEN], const uint8_t identity[TA_IDENTITY_LEN],
		    const uint8_t nonce[TA_NONCE_LEN], const uint8_t client_pub[TA_KX_PUBLEN],
		    const uint8_t member_pub[TA_KX_PUBLEN], const uint8_t measurement[TA_HASH_LEN]);

/*
 * report_data for a batch response:
 *   H_resp = TH("teearray/v1/responses", u64 generation || u64 first_seq ||
 *               u64 last_seq || u32 ncmds || u32 results_len || B2(results))
 *   rd[0..31]  = TH("teearray/v1/batch-attest", array || u32 slot ||
 *                   instance || nonce || H_resp)
 *   rd[32..63] = measurement
 */
void ta_rd_batch(uint8_t rd[TA_REPORT_DATA_LEN], const uint8_t array[TA_UUID_LEN],
		 uint32_t slot, const uint8_t instance[TA_INSTANCE_LEN],
		 const uint8_t nonce[TA_NONCE_LEN], const struct ta_bresp_hdr *h,
		 const uint8_t *results, const uint8_t measurement[TA_HASH_LEN]);
/* The same with B2(results) (ta_results_hash) already computed. */
void ta_rd_batch_hashed(uint8_t rd[TA_REPORT_DATA_LEN], const uint8_t array[TA_UUID_LEN],
			uint32_t slot, const uint8_t instance[TA_INSTANCE_LEN],
			const uint8_t nonce[TA_NONCE_LEN], const struct ta_bresp_hdr *h,
			const uint8_t results_hash[TA_HASH_LEN],
			const uint8_t measurement[TA_HASH_LEN]);

#endif /* TA_ATTEST_H */
