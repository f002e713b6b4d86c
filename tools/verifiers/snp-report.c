// SPDX-License-Identifier: GPL-2.0
/*
 * The SEV-SNP ATTESTATION_REPORT layout (AMD SEV-SNP firmware ABI
 * specification, report versions 2 to 5): which key signed it, which
 * processor product made it, and its TCB_VERSION fields.  Reads only the
 * fixed 1184 bytes it is given.
 */
#include "snp-internal.h"

#include <string.h>

static const char *const product_names[SNP_NPRODUCTS] = {
	[SNP_PRODUCT_UNKNOWN] = "unknown", [SNP_MILAN] = "Milan", [SNP_GENOA] = "Genoa",
	[SNP_TURIN] = "Turin",
};

const char *snp_product_name(int product)
{
	if (product < 0 || product >= SNP_NPRODUCTS)
		return "unknown";
	return product_names[product];
}

/* The VCEK's hwID extension is the whole CHIP_ID, on Turin its first 8 bytes. */
size_t snp_hwid_len(int product)
{
	return product == SNP_TURIN ? 8 : 64;
}

/*
 * CPUID_FAM_ID and CPUID_MOD_ID (the extended family and model, as in
 * CPUID Fn0000_0001_EAX) name the product: family 19h models 00h-0Fh are
 * Milan, 10h-1Fh and A0h-AFh Genoa (with Bergamo and Siena, which use
 * Genoa's keys); family 1Ah models 00h-1Fh are Turin.
 */
static int product_of(uint8_t family, uint8_t model)
{
	if (family == 0x19 && model <= 0x0f)
		return SNP_MILAN;
	if (family == 0x19 && ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf)))
		return SNP_GENOA;
	if (family == 0x1a && model <= 0x1f)
		return SNP_TURIN;
	return SNP_PRODUCT_UNKNOWN;
}

int snp_report_parse(const uint8_t *r, size_t len, struct snp_report *rep, char *msg, size_t ml)
{
	uint32_t sigalgo;

	memset(rep, 0, sizeof(*rep));
	if (len != SNP_REPORT_LEN)
		return vrf_fail(msg, ml, SNP_E_FORMAT, "report is %zu bytes, not %d", len,
				SNP_REPORT_LEN);
	rep->raw = r;
	rep->version = (uint32_t)snp_get_le(r + R_VERSION, 4);
	if (rep->version < 2 || rep->version > 5)
		return vrf_fail(msg, ml, SNP_E_FORMAT, "report version %u is not 2 to 5",
				rep->version);
	sigalgo = (uint32_t)snp_get_le(r + R_SIG_ALGO, 4);
	if (sigalgo != SNP_SIG_ECDSA_P384)
		return vrf_fail(msg, ml, SNP_E_FORMAT, "signature algorithm %u is not ECDSA P-384",
				sigalgo);
	/* SIGNING_KEY, bits 4:2 of the flags: 0 VCEK, 1 VLEK, 7 none */
	rep->signer = ((uint32_t)snp_get_le(r + R_FLAGS, 4) >> 2) & 7;
	if (rep->signer == 7)
		return vrf_fail(msg, ml, SNP_E_FORMAT, "report is not signed (signing key 7)");
	if (rep->signer != SNP_SIGNER_VCEK && rep->signer != SNP_SIGNER_VLEK)
		return vrf_fail(msg, ml, SNP_E_FORMAT,
				"report is signed by reserved signing key %u (0 VCEK, 1 VLEK)",
				rep->signer);
	rep->policy = snp_get_le(r + R_POLICY, 8);
	rep->vmpl = (uint32_t)snp_get_le(r + R_VMPL, 4);
	rep->reported_tcb = snp_get_le(r + R_REPORTED_TCB, 8);
	if (rep->version >= 3) {
		rep->family = r[R_CPUID_FAM];
		rep->model = r[R_CPUID_MOD];
		rep->product = product_of(rep->family, rep->model);
		if (rep->product == SNP_PRODUCT_UNKNOWN)
			return vrf_fail(msg, ml, SNP_E_PRODUCT,
					"report from CPU family %02xh model %02xh: not Milan, "
					"Genoa or Turin", rep->family, rep->model);
	}
	return SNP_OK;
}

/*
 * TCB_VERSION: Milan and Genoa: byte 0 bootloader, 1 tee, 6 snp,
 * 7 microcode.  Turin: byte 0 fmc, 1 bootloader, 2 tee, 3 snp,
 * 7 microcode.
 */
void snp_tcb_decode(uint64_t tcb, int product, struct snp_tcb *t)
{
#define B(n) ((int)((tcb >> (8 * (n))) & 0xff))
	if (product == SNP_TURIN) {
		t->fmc = B(0);
		t->bootloader = B(1);
		t->tee = B(2);
		t->snp = B(3);
	} else {
		t->fmc = -1;
		t->bootloader = B(0);
		t->tee = B(1);
		t->snp = B(6);
	}
	t->microcode = B(7);
#undef B
}
