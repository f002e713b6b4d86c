// SPDX-License-Identifier: GPL-2.0
/*
 * Attestation providers: sim (software key, always labelled simulated) and
 * tsm (Linux configfs-tsm reports, verified by an external command).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ta-attest.h"

extern char **environ;

int ta_attester_init_sim(struct ta_attester *a, const char *sim_key_file,
			 const uint8_t measurement[TA_HASH_LEN])
{
	int ret;

	memset(a, 0, sizeof(*a));
	a->provider = TA_PROV_SIM;
	memcpy(a->measurement, measurement, TA_HASH_LEN);
	ret = ta_key_load_file(&a->sim_key, sim_key_file);
	return ret == TA_OK ? TA_OK : TA_E_ATTEST_IO;
}

int ta_attester_init_tsm(struct ta_attester *a, const char *root)
{
	struct stat st;

	memset(a, 0, sizeof(*a));
	a->provider = TA_PROV_TSM;
	if (!root)
		root = TA_TSM_DEFAULT_ROOT;
	if (strlen(root) >= sizeof(a->tsm_root))
		return TA_E_ARG;
	strcpy(a->tsm_root, root);
	if (stat(root, &st) || !S_ISDIR(st.st_mode))
		return TA_E_ATTEST_IO;
	return TA_OK;
}

void ta_attester_wipe(struct ta_attester *a)
{
	sodium_memzero(a, sizeof(*a));
}

static void ta_ev_hdr(uint8_t *p, uint16_t provider, uint16_t flags, uint32_t body_len)
{
	ta_put16(p, provider);
	ta_put16(p + 2, flags);
	ta_put32(p + 4, body_len);
}

static void ta_sim_digest(uint8_t out[TA_HASH_LEN], uint16_t flags,
			  const uint8_t *measurement, const uint8_t *rd)
{
	struct ta_th th;
	uint8_t f[2];

	ta_put16(f, flags);
	ta_th_init(&th, TA_TAG_SIM_QUOTE);
	ta_th_update(&th, f, 2);
	ta_th_update(&th, measurement, TA_HASH_LEN);
	ta_th_update(&th, rd, TA_REPORT_DATA_LEN);
	ta_th_final(&th, out);
}

static int ta_quote_sim(struct ta_attester *a, const uint8_t rd[TA_REPORT_DATA_LEN],
			uint8_t **ev, size_t *ev_len)
{
	size_t n = TA_EV_HDR_LEN + TA_SIM_BODY_LEN;
	uint8_t *p = malloc(n), *b, d[TA_HASH_LEN];

	if (!p)
		return TA_E_NOMEM;
	ta_ev_hdr(p, TA_PROV_SIM, TA_EV_F_SIMULATED, TA_SIM_BODY_LEN);
	b = p + TA_EV_HDR_LEN;
	memcpy(b, a->measurement, TA_HASH_LEN);
	memcpy(b + 32, rd, TA_REPORT_DATA_LEN);
	memcpy(b + 96, a->sim_key.pub, TA_PUBKEY_LEN);
	ta_sim_digest(d, TA_EV_F_SIMULATED, a->measurement, rd);
	if (ta_sign32(&a->sim_key, d, b + 128) != TA_OK) {
		free(p);
		return TA_E_INTERNAL;
	}
	*ev = p;
	*ev_len = n;
	return TA_OK;
}

/* ---- configfs-tsm ------------------------------------------------------ */

static int ta_write_file(const char *path, const void *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t w;

	if (fd < 0)
		return TA_E_ATTEST_IO;
	w = write(fd, buf, n);
	if (close(fd) || w != (ssize_t)n)
		return TA_E_ATTEST_IO;
	return TA_OK;
}

/* Reads a whole file of at most cap bytes into a malloc'd buffer. */
static int ta_read_file(const char *path, size_t cap, uint8_t **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	uint8_t *p;

	if (fd < 0)
		return TA_E_ATTEST_IO;
	p = malloc(cap + 1);
	if (!p) {
		close(fd);
		return TA_E_NOMEM;
	}
	for (;;) {
		ssize_t r = read(fd, p + n, cap + 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(p);
			close(fd);
			return TA_E_ATTEST_IO;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > cap) {
			free(p);
			close(fd);
			return TA_E_ATTEST_FORMAT;
		}
	}
	close(fd);
	*out = p;
	*len = n;
	return TA_OK;
}

static int ta_read_u64_file(const char *path, uint64_t *v)
{
	uint8_t *p;
	size_t n;
	char *end;
	int ret = ta_read_file(path, 31, &p, &n);

	if (ret)
		return ret;
	p[n] = 0;
	errno = 0;
	*v = strtoull((char *)p, &end, 10);
	if (errno || end == (char *)p || (*end && *end != '\n'))
		ret = TA_E_ATTEST_FORMAT;
	free(p);
	return ret;
}

static void ta_tsm_cleanup(const char *dir)
{
	static const char *const attrs[] = { "inblob", "outblob", "provider", "generation" };
	char path[PATH_MAX + 32];

	if (rmdir(dir) == 0 || errno != ENOTEMPTY)
		return;
	/* Only a fake (plain directory) tree gets here: configfs removes attrs. */
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, attrs[i]);
		unlink(path);
	}
	rmdir(dir);
}

static int ta_quote_tsm(struct ta_attester *a, const uint8_t rd[TA_REPORT_DATA_LEN],
			uint8_t **ev, size_t *ev_len)
{
	char dir[1024], path[1100];
	uint8_t *blob = NULL, *prov = NULL, *p;
	size_t blob_len, prov_len;
	uint64_t g1, g2;
	int ret;

	snprintf(dir, sizeof(dir), "%s/teedisk-%ld-%lu", a->tsm_root, (long)getpid(),
		 a->tsm_counter++);
	if (mkdir(dir, 0700))
		return TA_E_ATTEST_IO;
	snprintf(path, sizeof(path), "%s/inblob", dir);
	ret = ta_write_file(path, rd, TA_REPORT_DATA_LEN);
	if (ret)
		goto out;
	if (a->tsm_hook)
		a->tsm_hook(dir, a->tsm_hook_arg);
	snprintf(path, sizeof(path), "%s/generation", dir);
	ret = ta_read_u64_file(path, &g1);
	if (ret)
		goto out;
	snprintf(path, sizeof(path), "%s/outblob", dir);
	ret = ta_read_file(path, TA_MAX_EVIDENCE - TA_EV_HDR_LEN - TA_TSM_FIXED_LEN,
			   &blob, &blob_len);
	if (ret)
		goto out;
	snprintf(path, sizeof(path), "%s/provider", dir);
	ret = ta_read_file(path, 32, &prov, &prov_len);
	if (ret)
		goto out;
	while (prov_len && (prov[prov_len - 1] == '\n' || prov[prov_len - 1] == 0))
		prov_len--;
	snprintf(path, sizeof(path), "%s/generation", dir);
	ret = ta_read_u64_file(path, &g2);
	if (ret)
		goto out;
	/* Someone else wrote to the entry between our write and read. */
	if (g1 != g2 || blob_len == 0 || prov_len == 0) {
		ret = g1 != g2 ? TA_E_ATTEST_IO : TA_E_ATTEST_FORMAT;
		goto out;
	}
	p = calloc(1, TA_EV_HDR_LEN + TA_TSM_FIXED_LEN + blob_len);
	if (!p) {
		ret = TA_E_NOMEM;
		goto out;
	}
	ta_ev_hdr(p, TA_PROV_TSM, 0, (uint32_t)(TA_TSM_FIXED_LEN + blob_len));
	memcpy(p + 8, rd, TA_REPORT_DATA_LEN);
	ta_put64(p + 72, g2);
	memcpy(p + 80, prov, prov_len);
	ta_put32(p + 112, (uint32_t)blob_len);
	memcpy(p + 116, blob, blob_len);
	*ev = p;
	*ev_len = TA_EV_HDR_LEN + TA_TSM_FIXED_LEN + blob_len;
out:
	free(blob);
	free(prov);
	ta_tsm_cleanup(dir);
	return ret;
}

int ta_quote(struct ta_attester *a, const uint8_t rd[TA_REPORT_DATA_LEN],
	     uint8_t **ev, size_t *ev_len)
{
	switch (a->provider) {
	case TA_PROV_SIM:
		return ta_quote_sim(a, rd, ev, ev_len);
	case TA_PROV_TSM:
		return ta_quote_tsm(a, rd, ev, ev_len);
	default:
		return TA_E_ATTEST_PROVIDER;
	}
}

/* ---- verification ------------------------------------------------------ */

static int ta_verify_sim(const uint8_t *b, uint16_t flags, const struct ta_policy *pol,
			 struct ta_claims *c)
{
	uint8_t d[TA_HASH_LEN];

	/* A sim report that does not say so is malformed, not "hardware". */
	if (!(flags & TA_EV_F_SIMULATED))
		return TA_E_ATTEST_FORMAT;
	if (!pol->allow_simulated)
		return TA_E_ATTEST_SIMULATED;
	if (!pol->have_sim_pubkey || sodium_memcmp(pol->sim_pubkey, b + 96, TA_PUBKEY_LEN))
		return TA_E_ATTEST_SIGNATURE;
	ta_sim_digest(d, flags, b, b + 32);
	if (ta_verify32(b + 96, d, b + 128) != TA_OK)
		return TA_E_ATTEST_SIGNATURE;
	memcpy(c->measurement, b, TA_HASH_LEN);
	memcpy(c->report_data, b + 32, TA_REPORT_DATA_LEN);
	strcpy(c->platform, "simulated");
	return TA_OK;
}

/*
 * Runs: <verifier> <platform> <report_data hex> <outblob file>
 * Exit status 0 means the quote is genuine, current and carries exactly that
 * report data; stdout must then contain a line "measurement=<64 hex>".
 */
static int ta_run_verifier(const char *cmd, const char *platform, const uint8_t *rd,
			   const uint8_t *blob, size_t blob_len, uint8_t meas[TA_HASH_LEN])
{
	char tmpl[] = "/tmp/teearray-quote-XXXXXX", rdhex[2 * TA_REPORT_DATA_LEN + 1];
	char out[4096], *line;
	int fd, pfd[2], status, ret = TA_E_ATTEST_VERIFIER, have = 0;
	posix_spawn_file_actions_t fa;
	size_t n = 0;
	pid_t pid;

	fd = mkstemp(tmpl);
	if (fd < 0)
		return TA_E_ATTEST_IO;
	if (write(fd, blob, blob_len) != (ssize_t)blob_len) {
		close(fd);
		unlink(tmpl);
		return TA_E_ATTEST_IO;
	}
	close(fd);
	ta_hex_encode(rdhex, rd, TA_REPORT_DATA_LEN);
	if (pipe2(pfd, O_CLOEXEC)) {
		unlink(tmpl);
		return TA_E_ATTEST_IO;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	{
		char *argv[] = { (char *)cmd, (char *)platform, rdhex, tmpl, NULL };

		if (posix_spawn(&pid, cmd, &fa, NULL, argv, environ)) {
			posix_spawn_file_actions_destroy(&fa);
			close(pfd[0]);
			close(pfd[1]);
			unlink(tmpl);
			return TA_E_ATTEST_VERIFIER;
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	for (;;) {
		ssize_t r = read(pfd[0], out + n, sizeof(out) - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == sizeof(out) - 1)
			break;
	}
	out[n] = 0;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	unlink(tmpl);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return TA_E_ATTEST_VERIFIER;
	for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "measurement=", 12) &&
		    ta_hex_decode(meas, TA_HASH_LEN, line + 12) == TA_OK)
			have = 1;
	}
	if (have)
		ret = TA_OK;
	return ret;
}

static int ta_verify_tsm(const uint8_t *b, size_t len, uint16_t flags,
			 const struct ta_policy *pol, struct ta_claims *c)
{
	uint32_t blob_len;

	if (flags & TA_EV_F_SIMULATED)
		return TA_E_ATTEST_FORMAT;
	if (len < TA_TSM_FIXED_LEN)
		return TA_E_ATTEST_FORMAT;
	blob_len = ta_get32(b + 104);
	if (blob_len == 0 || blob_len != len - TA_TSM_FIXED_LEN)
		return TA_E_ATTEST_FORMAT;
	memcpy(c->report_data, b, TA_REPORT_DATA_LEN);
	memcpy(c->platform, b + 72, 32);
	c->platform[32] = 0;
	for (size_t i = 0; c->platform[i]; i++)
		if (c->platform[i] < '!' || c->platform[i] > '~')
			return TA_E_ATTEST_FORMAT;
	if (!c->platform[0])
		return TA_E_ATTEST_FORMAT;
	if (!pol->tsm_verifier)
		return TA_E_ATTEST_NO_VERIFIER;
	return ta_run_verifier(pol->tsm_verifier, c->platform, c->report_data,
			       b + TA_TSM_FIXED_LEN, blob_len, c->measurement);
}

int ta_evidence_verify(const uint8_t *ev, size_t ev_len, const struct ta_policy *pol,
		       struct ta_claims *c)
{
	uint16_t provider, flags;
	uint32_t body_len;
	int ret;

	memset(c, 0, sizeof(*c));
	if (ev_len < TA_EV_HDR_LEN || ev_len > TA_MAX_EVIDENCE)
		return TA_E_ATTEST_FORMAT;
	provider = ta_get16(ev);
	flags = ta_get16(ev + 2);
	body_len = ta_get32(ev + 4);
	if (body_len != ev_len - TA_EV_HDR_LEN || (flags & ~TA_EV_F_SIMULATED))
		return TA_E_ATTEST_FORMAT;
	switch (provider) {
	case TA_PROV_SIM:
		if (body_len != TA_SIM_BODY_LEN)
			return TA_E_ATTEST_FORMAT;
		ret = ta_verify_sim(ev + TA_EV_HDR_LEN, flags, pol, c);
		break;
	case TA_PROV_TSM:
		ret = ta_verify_tsm(ev + TA_EV_HDR_LEN, body_len, flags, pol, c);
		break;
	default:
		return TA_E_ATTEST_PROVIDER;
	}
	if (ret)
		return ret;
	c->provider = provider;
	c->flags = flags;
	if (pol->have_measurement &&
	    sodium_memcmp(pol->measurement, c->measurement, TA_HASH_LEN))
		return TA_E_ATTEST_MEASUREMENT;
	return TA_OK;
}

int ta_evidence_check(const uint8_t *ev, size_t ev_len, const struct ta_policy *pol,
		      const uint8_t expect_rd[TA_REPORT_DATA_LEN], struct ta_claims *c)
{
	int ret = ta_evidence_verify(ev, ev_len, pol, c);

	if (ret)
		return ret;
	if (sodium_memcmp(c->report_data, expect_rd, TA_REPORT_DATA_LEN))
		return TA_E_ATTEST_REPORT_DATA;
	return TA_OK;
}

int ta_file_sha256(const char *path, uint8_t out[TA_HASH_LEN])
{
	crypto_hash_sha256_state st;
	uint8_t buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return TA_E_IO;
	crypto_hash_sha256_init(&st);
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return TA_E_IO;
		}
		if (r == 0)
			break;
		crypto_hash_sha256_update(&st, buf, (size_t)r);
	}
	close(fd);
	crypto_hash_sha256_final(&st, out);
	return TA_OK;
}

void ta_measurement(uint8_t out[TA_HASH_LEN], const uint8_t exe_hash[TA_HASH_LEN],
		    uint16_t provider, const uint8_t array[TA_UUID_LEN], uint32_t slot,
		    uint64_t sectors, const uint8_t authorized_key[TA_PUBKEY_LEN])
{
	uint8_t p[2];
	struct ta_th th;

	ta_put16(p, provider);
	ta_th_init(&th, TA_TAG_MEASUREMENT);
	ta_th_update(&th, exe_hash, TA_HASH_LEN);
	ta_th_update(&th, p, 2);
	ta_th_update(&th, array, TA_UUID_LEN);
	ta_th_u32(&th, slot);
	ta_th_u64(&th, sectors);
	ta_th_update(&th, authorized_key, TA_PUBKEY_LEN);
	ta_th_final(&th, out);
}

void ta_rd_identify(uint8_t rd[TA_REPORT_DATA_LEN], const uint8_t identity[TA_IDENTITY_LEN],
		    const uint8_t nonce[TA_NONCE_LEN], const uint8_t client_pub[TA_KX_PUBLEN],
		    const uint8_t member_pub[TA_KX_PUBLEN], const uint8_t measurement[TA_HASH_LEN])
{
	struct ta_th th;

	ta_th_init(&th, TA_TAG_IDENTIFY);
	ta_th_update(&th, identity, TA_IDENTITY_LEN);
	ta_th_update(&th, nonce, TA_NONCE_LEN);
	ta_th_update(&th, client_pub, TA_KX_PUBLEN);
	ta_th_update(&th, member_pub, TA_KX_PUBLEN);
	ta_th_final(&th, rd);
	memcpy(rd + 32, measurement, TA_HASH_LEN);
}

void ta_rd_batch(uint8_t rd[TA_REPORT_DATA_LEN], const uint8_t array[TA_UUID_LEN],
		 uint32_t slot, const uint8_t instance[TA_INSTANCE_LEN],
		 const uint8_t nonce[TA_NONCE_LEN], const struct ta_bresp_hdr *h,
		 const uint8_t *results, const uint8_t measurement[TA_HASH_LEN])
{
	uint8_t hr[TA_HASH_LEN];

	ta_results_hash(hr, results, h->results_len);
	ta_rd_batch_hashed(rd, array, slot, instance, nonce, h, hr, measurement);
}

void ta_rd_batch_hashed(uint8_t rd[TA_REPORT_DATA_LEN], const uint8_t array[TA_UUID_LEN],
			uint32_t slot, const uint8_t instance[TA_INSTANCE_LEN],
			const uint8_t nonce[TA_NONCE_LEN], const struct ta_bresp_hdr *h,
			const uint8_t results_hash[TA_HASH_LEN],
			const uint8_t measurement[TA_HASH_LEN])
{
	uint8_t hr[TA_HASH_LEN];
	struct ta_th th;

	ta_th_init(&th, TA_TAG_RESPONSES);
	ta_th_u64(&th, h->generation);
	ta_th_u64(&th, h->first_seq);
	ta_th_u64(&th, h->last_seq);
	ta_th_u32(&th, h->ncmds);
	ta_th_u32(&th, h->results_len);
	ta_th_update(&th, results_hash, TA_HASH_LEN);
	ta_th_final(&th, hr);

	ta_th_init(&th, TA_TAG_BATCH_ATTEST);
	ta_th_update(&th, array, TA_UUID_LEN);
	ta_th_u32(&th, slot);
	ta_th_update(&th, instance, TA_INSTANCE_LEN);
	ta_th_update(&th, nonce, TA_NONCE_LEN);
	ta_th_update(&th, hr, TA_HASH_LEN);
	ta_th_final(&th, rd);
	memcpy(rd + 32, measurement, TA_HASH_LEN);
}
