// SPDX-License-Identifier: GPL-2.0
/*
 * The operator's policy file for teearray-verify-snp: accepted launch
 * measurements, minimum TCB and maximum VMPL.  See teearray-verify-snp(8).
 */
#include "snp-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse_tcb(char *v, struct snp_policy *pol)
{
	char *tok, *save = NULL;

	for (tok = strtok_r(v, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '='), *end;
		long n;
		int *dst;

		if (!eq)
			return -1;
		*eq = 0;
		if (!strcmp(tok, "bootloader"))
			dst = &pol->min_bootloader;
		else if (!strcmp(tok, "tee"))
			dst = &pol->min_tee;
		else if (!strcmp(tok, "snp"))
			dst = &pol->min_snp;
		else if (!strcmp(tok, "microcode"))
			dst = &pol->min_microcode;
		else if (!strcmp(tok, "fmc"))
			dst = &pol->min_fmc;
		else
			return -1;
		errno = 0;
		n = strtol(eq + 1, &end, 10);
		if (errno || *end || end == eq + 1 || n < 0 || n > 255)
			return -1;
		*dst = (int)n;
	}
	return 0;
}

int snp_policy_read(FILE *f, const char *name, struct snp_policy *pol, char *msg, size_t msglen)
{
	char line[512];
	unsigned int lineno = 0;
	char *k, *v;
	int got;

	memset(pol, 0, sizeof(*pol));
	pol->min_bootloader = pol->min_tee = pol->min_snp = pol->min_microcode = -1;
	pol->min_fmc = -1;
	pol->max_vmpl = -1;
	while ((got = vrf_policy_line(f, line, sizeof(line), &lineno, &k, &v)) > 0) {
		if (!strcmp(k, "measurement")) {
			if (pol->nmeas == SNP_MAX_MEAS ||
			    vrf_hex_decode(pol->meas[pol->nmeas], SNP_MEAS_LEN, v))
				goto bad;
			pol->nmeas++;
		} else if (!strcmp(k, "min-tcb")) {
			if (parse_tcb(v, pol))
				goto bad;
		} else if (!strcmp(k, "max-vmpl")) {
			if (strlen(v) != 1 || v[0] < '0' || v[0] > '3')
				goto bad;
			pol->max_vmpl = v[0] - '0';
		} else {
			goto bad;
		}
	}
	if (got < 0)
		return vrf_fail(msg, msglen, SNP_E_POLICY, "policy %s:%u: line too long", name,
				lineno);
	if (!pol->nmeas)
		return vrf_fail(msg, msglen, SNP_E_POLICY,
				"policy %s: no accepted measurement (add a 'measurement' line)", name);
	if (pol->min_bootloader < 0 || pol->min_tee < 0 || pol->min_snp < 0 ||
	    pol->min_microcode < 0)
		return vrf_fail(msg, msglen, SNP_E_POLICY,
				"policy %s: min-tcb must set bootloader, tee, snp and microcode", name);
	return SNP_OK;
bad:
	return vrf_fail(msg, msglen, SNP_E_POLICY, "policy %s:%u: invalid line", name, lineno);
}

int snp_policy_load(const char *path, struct snp_policy *pol, char *msg, size_t msglen)
{
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		memset(pol, 0, sizeof(*pol));
		return vrf_fail(msg, msglen, SNP_E_POLICY, "policy %s: %s", path, strerror(errno));
	}
	rc = snp_policy_read(f, path, pol, msg, msglen);
	fclose(f);
	return rc;
}
