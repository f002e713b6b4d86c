// SPDX-License-Identifier: GPL-2.0
/*
 * The operator's policy for TDX quotes (teearray-verify-tdx(8)) and the
 * decision on a quote that is already known to be genuine: not a debug
 * TD, an accepted TCB, an accepted MRTD and accepted RTMR0..3.
 */
#include "tdx-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	unsigned int bit;
} statuses[] = {
	{ "UpToDate", TDX_ST_UPTODATE },
	{ "SWHardeningNeeded", TDX_ST_SWHARDENING },
	{ "ConfigurationNeeded", TDX_ST_CONFIG },
	{ "ConfigurationAndSWHardeningNeeded", TDX_ST_CONFIG_SWHARDENING },
	{ "OutOfDate", TDX_ST_OUTOFDATE },
	{ "OutOfDateConfigurationNeeded", TDX_ST_OUTOFDATE_CONFIG },
	{ "Revoked", TDX_ST_REVOKED },
};

unsigned int tdx_status_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (!strcmp(s, statuses[i].name))
			return statuses[i].bit;
	return 0;
}

const char *tdx_status_name(unsigned int bit)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (bit == statuses[i].bit)
			return statuses[i].name;
	return "none";
}

static int add_meas(uint8_t (*list)[TDX_MEAS_LEN], unsigned int *n, const char *v)
{
	if (*n == TDX_MAX_MEAS || vrf_hex_decode(list[*n], TDX_MEAS_LEN, v))
		return -1;
	(*n)++;
	return 0;
}

static int parse_statuses(char *v, struct tdx_policy *pol)
{
	char *tok, *save = NULL;

	pol->accept_status = 0;
	for (tok = strtok_r(v, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		unsigned int b = tdx_status_parse(tok);

		if (!b || b == TDX_ST_REVOKED)
			return -1;
		pol->accept_status |= b;
	}
	return pol->accept_status ? 0 : -1;
}

int tdx_policy_load(const char *path, struct tdx_policy *pol, char *msg, size_t ml)
{
	char line[512];
	unsigned int lineno = 0;
	char *k, *v;
	FILE *f;
	int got;

	memset(pol, 0, sizeof(*pol));
	pol->accept_status = TDX_ST_UPTODATE;
	pol->min_tcb_eval = -1;
	f = fopen(path, "r");
	if (!f)
		return vrf_fail(msg, ml, TDX_E_POLICY, "policy %s: %s", path, strerror(errno));
	while ((got = vrf_policy_line(f, line, sizeof(line), &lineno, &k, &v)) > 0) {
		if (!strcmp(k, "mrtd")) {
			if (add_meas(pol->mrtd, &pol->nmrtd, v))
				goto bad;
		} else if (!strncmp(k, "rtmr", 4) && k[4] >= '0' && k[4] <= '3' && !k[5]) {
			int i = k[4] - '0';

			if (!strcmp(v, "any"))
				pol->rtmr_any[i] = 1;
			else if (add_meas(pol->rtmr[i], &pol->nrtmr[i], v))
				goto bad;
		} else if (!strcmp(k, "accept-tcb-status")) {
			if (parse_statuses(v, pol))
				goto bad;
		} else if (!strcmp(k, "min-tcb-evaluation")) {
			char *end;

			errno = 0;
			pol->min_tcb_eval = strtol(v, &end, 10);
			if (errno || *end || end == v || pol->min_tcb_eval < 0)
				goto bad;
		} else {
			goto bad;
		}
	}
	fclose(f);
	if (got < 0)
		return vrf_fail(msg, ml, TDX_E_POLICY, "policy %s:%u: line too long", path, lineno);
	if (!pol->nmrtd)
		return vrf_fail(msg, ml, TDX_E_POLICY,
				"policy %s: no accepted MRTD (add an 'mrtd' line)", path);
	for (int i = 0; i < 4; i++) {
		if (!pol->nrtmr[i] && !pol->rtmr_any[i])
			return vrf_fail(msg, ml, TDX_E_POLICY,
					"policy %s: rtmr%d is not set (list accepted values, or "
					"'rtmr%d any')", path, i, i);
		if (pol->nrtmr[i] && pol->rtmr_any[i])
			return vrf_fail(msg, ml, TDX_E_POLICY,
					"policy %s: rtmr%d has both values and 'any'", path, i);
	}
	return TDX_OK;
bad:
	fclose(f);
	return vrf_fail(msg, ml, TDX_E_POLICY, "policy %s:%u: invalid line", path, lineno);
}

static int listed(const uint8_t (*list)[TDX_MEAS_LEN], unsigned int n, const uint8_t *m)
{
	for (unsigned int i = 0; i < n; i++)
		if (!memcmp(list[i], m, TDX_MEAS_LEN))
			return 1;
	return 0;
}

int tdx_policy_check(const struct tdx_quote *q, const struct tdx_tcb_result *tcb,
		     const struct tdx_policy *pol, char *msg, size_t ml)
{
	const uint8_t *b = q->body;
	uint64_t attr = 0;
	char hex[2 * TDX_MEAS_LEN + 1];
	const struct {
		const char *what;
		unsigned int st;
	} parts[] = {
		{ "platform", tcb->platform }, { "TDX module", tcb->module }, { "QE", tcb->qe },
	};

	for (int i = 7; i >= 0; i--)
		attr = attr << 8 | b[TD_TDATTRIBUTES + i];
	if (attr & TD_ATTR_DEBUG)
		return vrf_fail(msg, ml, TDX_E_DEBUG,
				"the TD is debuggable (TDATTRIBUTES 0x%016llx has DEBUG set)",
				(unsigned long long)attr);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (!parts[i].st && i == 1)
			continue;	/* no module levels in this TCB info */
		if (!(parts[i].st & pol->accept_status))
			return vrf_fail(msg, ml, TDX_E_TCB,
					"%s TCB status is %s, not accepted by the policy "
					"(accept-tcb-status)", parts[i].what,
					tdx_status_name(parts[i].st));
	}
	if (pol->min_tcb_eval >= 0 && tcb->tcb_eval < pol->min_tcb_eval)
		return vrf_fail(msg, ml, TDX_E_TCB,
				"the TCB info's tcbEvaluationDataNumber %ld is below the policy's %ld",
				tcb->tcb_eval, pol->min_tcb_eval);
	if (!listed(pol->mrtd, pol->nmrtd, b + TD_MRTD)) {
		vrf_hex_encode(hex, b + TD_MRTD, TDX_MEAS_LEN);
		return vrf_fail(msg, ml, TDX_E_MRTD, "MRTD %s is not in the policy", hex);
	}
	for (int i = 0; i < 4; i++) {
		const uint8_t *r = b + TD_RTMR0 + TDX_MEAS_LEN * i;

		if (pol->rtmr_any[i] || listed(pol->rtmr[i], pol->nrtmr[i], r))
			continue;
		vrf_hex_encode(hex, r, TDX_MEAS_LEN);
		return vrf_fail(msg, ml, TDX_E_RTMR, "RTMR%d %s is not in the policy", i, hex);
	}
	return TDX_OK;
}
