// SPDX-License-Identifier: GPL-2.0
/*
 * Matching the platform and the quoting enclave against Intel's signed TCB
 * info (version 3, id "TDX") and QE identity (version 2, id "TD_QE"), as
 * Intel's Quote Verification Library does:
 *
 *  - platform: the first TCB level (Intel lists them newest first) whose
 *    16 SGX component SVNs and PCESVN are all <= the PCK certificate's and
 *    whose 16 TDX component SVNs are all <= the TD report's TEE_TCB_SVN;
 *    when TEE_TCB_SVN[1] (the TDX module's major version) is non-zero its
 *    first two bytes are judged by the TDX module identity instead;
 *  - TDX module: the identity "TDX_<major, 2 hex digits>" must have signed
 *    the module (MRSIGNERSEAM, SEAMATTRIBUTES under its mask), and its
 *    first level whose isvsvn <= TEE_TCB_SVN[0] gives the module status;
 *  - QE: MRSIGNER, ISVPRODID, MISCSELECT and ATTRIBUTES (under their
 *    masks) must be those of Intel's TD quoting enclave, and the first
 *    level whose isvsvn <= the QE's ISVSVN gives the QE status.
 *
 * The statuses are kept apart; the policy accepts each or refuses.
 */
#include "tdx-internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* QE report (SGX REPORTBODY) offsets */
#define QE_MISCSELECT	16
#define QE_ATTRIBUTES	48
#define QE_MRSIGNER	128
#define QE_ISVPRODID	256
#define QE_ISVSVN	258

static json_object *member(json_object *o, const char *k, json_type t)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

static int int_member(json_object *o, const char *k, long max, long *out)
{
	json_object *v = member(o, k, json_type_int);
	int64_t n;

	if (!v)
		return -1;
	n = json_object_get_int64(v);
	if (n < 0 || n > max)
		return -1;
	*out = (long)n;
	return 0;
}

static int hex_member(json_object *o, const char *k, uint8_t *out, size_t n)
{
	json_object *v = member(o, k, json_type_string);

	return v ? vrf_hex_decode(out, n, json_object_get_string(v)) : -1;
}

static unsigned int status_of(json_object *level)
{
	json_object *v = member(level, "tcbStatus", json_type_string);

	return v ? tdx_status_parse(json_object_get_string(v)) : 0;
}

/* The 16 "svn" values of a component array; -1 unless there are exactly 16. */
static int components(json_object *tcb, const char *k, long svn[16])
{
	json_object *a = member(tcb, k, json_type_array);

	if (!a || json_object_array_length(a) != 16)
		return -1;
	for (size_t i = 0; i < 16; i++)
		if (int_member(json_object_array_get_idx(a, i), "svn", 255, &svn[i]))
			return -1;
	return 0;
}

/* First level of levels whose tcb.isvsvn <= svn: its status, 0 if none. */
static int isvsvn_level(json_object *levels, long svn, unsigned int *status)
{
	*status = 0;
	for (size_t i = 0; i < json_object_array_length(levels); i++) {
		json_object *l = json_object_array_get_idx(levels, i);
		long want;

		if (int_member(member(l, "tcb", json_type_object), "isvsvn", 65535, &want) ||
		    !status_of(l))
			return -1;
		if (want <= svn) {
			*status = status_of(l);
			return 0;
		}
	}
	return 0;
}

static int module_match(json_object *ti, const struct tdx_quote *q, struct tdx_tcb_result *r,
			char *msg, size_t ml)
{
	const uint8_t *tee = q->body + TD_TEE_TCB_SVN;
	json_object *id = member(ti, "tdxModule", json_type_object);
	json_object *ids = member(ti, "tdxModuleIdentities", json_type_array), *levels = NULL;
	uint8_t signer[48], attr[8], mask[8];
	char want[8] = "";

	r->module = 0;
	if (tee[1] > 0 && ids && json_object_array_length(ids) > 0) {
		json_object *found = NULL;

		snprintf(want, sizeof(want), "TDX_%02X", tee[1]);
		for (size_t i = 0; i < json_object_array_length(ids); i++) {
			json_object *e = json_object_array_get_idx(ids, i);
			json_object *v = member(e, "id", json_type_string);

			if (v && !strcasecmp(json_object_get_string(v), want))
				found = e;
		}
		if (!found)
			return vrf_fail(msg, ml, TDX_E_TCB,
					"the TCB info has no TDX module identity %s", want);
		id = found;
		levels = member(found, "tcbLevels", json_type_array);
		if (!levels)
			return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID,
					"TCB info: module identity %s has no tcbLevels", want);
	}
	if (hex_member(id, "mrsigner", signer, 48) || hex_member(id, "attributes", attr, 8) ||
	    hex_member(id, "attributesMask", mask, 8))
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID,
				"TCB info: invalid or missing TDX module identity");
	if (memcmp(signer, q->body + TD_MRSIGNERSEAM, 48))
		return vrf_fail(msg, ml, TDX_E_TCB,
				"the TDX module's signer (MRSIGNERSEAM) is not the one in the TCB info");
	for (int i = 0; i < 8; i++)
		if ((q->body[TD_SEAMATTRIBUTES + i] & mask[i]) != (attr[i] & mask[i]))
			return vrf_fail(msg, ml, TDX_E_TCB,
					"the TDX module's SEAMATTRIBUTES differ from the TCB info");
	if (!levels)
		return TDX_OK;
	if (isvsvn_level(levels, tee[0], &r->module))
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID,
				"TCB info: invalid tcbLevels of module identity %s", want);
	if (!r->module)
		return vrf_fail(msg, ml, TDX_E_TCB,
				"the TDX module's SVN %u is below every level of identity %s", tee[0],
				want);
	return TDX_OK;
}

int tdx_tcb_match(json_object *ti, const struct tdx_pck_info *pck, const struct tdx_quote *q,
		  struct tdx_tcb_result *r, char *msg, size_t ml)
{
	const uint8_t *tee = q->body + TD_TEE_TCB_SVN;
	json_object *v = member(ti, "id", json_type_string), *levels;
	uint8_t fmspc[6], pceid[2];
	long version, eval;
	int first_tdx = tee[1] > 0 ? 2 : 0, ret;
	char a[13], b[13];

	if (!v || strcmp(json_object_get_string(v), "TDX") ||
	    int_member(ti, "version", 1000, &version) || version != 3)
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID,
				"the TCB info is not TDX TCB info version 3 (id \"TDX\")");
	if (hex_member(ti, "fmspc", fmspc, 6) || hex_member(ti, "pceId", pceid, 2) ||
	    int_member(ti, "tcbEvaluationDataNumber", 0x7fffffff, &eval))
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID,
				"TCB info: invalid fmspc, pceId or tcbEvaluationDataNumber");
	if (memcmp(fmspc, pck->fmspc, 6) || memcmp(pceid, pck->pceid, 2)) {
		vrf_hex_encode(a, fmspc, 6);
		vrf_hex_encode(b, pck->fmspc, 6);
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID,
				"the TCB info is for FMSPC %s, the PCK certificate's is %s", a, b);
	}
	r->tcb_eval = eval;
	ret = module_match(ti, q, r, msg, ml);
	if (ret)
		return ret;
	levels = member(ti, "tcbLevels", json_type_array);
	if (!levels)
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID, "TCB info: no tcbLevels");
	for (size_t i = 0; i < json_object_array_length(levels); i++) {
		json_object *l = json_object_array_get_idx(levels, i);
		json_object *tcb = member(l, "tcb", json_type_object);
		long sgx[16], tdx[16], pcesvn;
		int ok = 1;

		if (!tcb || components(tcb, "sgxtcbcomponents", sgx) ||
		    components(tcb, "tdxtcbcomponents", tdx) ||
		    int_member(tcb, "pcesvn", 65535, &pcesvn) || !status_of(l))
			return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID,
					"TCB info: invalid TCB level %zu", i);
		for (int j = 0; j < 16; j++)
			if (pck->comp_svn[j] < sgx[j] || (j >= first_tdx && tee[j] < tdx[j]))
				ok = 0;
		if (ok && pck->pcesvn >= (unsigned long)pcesvn) {
			r->platform = status_of(l);
			return TDX_OK;
		}
	}
	return vrf_fail(msg, ml, TDX_E_TCB,
			"the platform's TCB is below every TCB level of the TCB info (treated as "
			"revoked)");
}

int tdx_qe_match(json_object *qi, const uint8_t *rep, struct tdx_tcb_result *r, char *msg,
		 size_t ml)
{
	json_object *v = member(qi, "id", json_type_string), *levels;
	uint8_t misc[4], miscmask[4], attr[16], attrmask[16], signer[32];
	long version, prodid;
	uint32_t m, mm, rm;

	if (!v || strcmp(json_object_get_string(v), "TD_QE") ||
	    int_member(qi, "version", 1000, &version) || version != 2)
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID,
				"the QE identity is not TD_QE identity version 2");
	levels = member(qi, "tcbLevels", json_type_array);
	if (hex_member(qi, "miscselect", misc, 4) || hex_member(qi, "miscselectMask", miscmask, 4) ||
	    hex_member(qi, "attributes", attr, 16) || hex_member(qi, "attributesMask", attrmask, 16) ||
	    hex_member(qi, "mrsigner", signer, 32) || int_member(qi, "isvprodid", 65535, &prodid) ||
	    !levels)
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID, "QE identity: invalid or missing fields");
	/* miscselect is a 32-bit number, written most significant digit first */
	m = (uint32_t)misc[0] << 24 | misc[1] << 16 | misc[2] << 8 | misc[3];
	mm = (uint32_t)miscmask[0] << 24 | miscmask[1] << 16 | miscmask[2] << 8 | miscmask[3];
	rm = (uint32_t)rep[QE_MISCSELECT] | rep[QE_MISCSELECT + 1] << 8 |
	     rep[QE_MISCSELECT + 2] << 16 | (uint32_t)rep[QE_MISCSELECT + 3] << 24;
	if (memcmp(signer, rep + QE_MRSIGNER, 32))
		return vrf_fail(msg, ml, TDX_E_QE_IDENTITY,
				"the quoting enclave's MRSIGNER is not Intel's TD QE signer");
	if ((long)(rep[QE_ISVPRODID] | rep[QE_ISVPRODID + 1] << 8) != prodid)
		return vrf_fail(msg, ml, TDX_E_QE_IDENTITY,
				"the quoting enclave's ISVPRODID is not the TD QE's");
	if ((rm & mm) != (m & mm))
		return vrf_fail(msg, ml, TDX_E_QE_IDENTITY,
				"the quoting enclave's MISCSELECT differs from the QE identity");
	for (int i = 0; i < 16; i++)
		if ((rep[QE_ATTRIBUTES + i] & attrmask[i]) != (attr[i] & attrmask[i]))
			return vrf_fail(msg, ml, TDX_E_QE_IDENTITY,
					"the quoting enclave's ATTRIBUTES differ from the QE identity");
	if (isvsvn_level(levels, rep[QE_ISVSVN] | rep[QE_ISVSVN + 1] << 8, &r->qe))
		return vrf_fail(msg, ml, TDX_E_COLLATERAL_INVALID, "QE identity: invalid tcbLevels");
	if (!r->qe)
		return vrf_fail(msg, ml, TDX_E_TCB,
				"the quoting enclave's ISVSVN %u is below every level of the QE identity",
				rep[QE_ISVSVN] | rep[QE_ISVSVN + 1] << 8);
	return TDX_OK;
}
