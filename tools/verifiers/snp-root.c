// SPDX-License-Identifier: GPL-2.0
/*
 * AMD's root keys (ARK), pinned: the SHA-256 of each product's ARK
 * certificate as AMD KDS serves it (/vcek/v1/<product>/cert_chain, the
 * second certificate; the same ARK signs the ASK and the ASVK).  ark.pem
 * in the collateral directory must be one of these, so a wrong or forged
 * ark.pem cannot become the trust anchor.
 */
#include "snp-internal.h"

#include <string.h>

#include <openssl/sha.h>

static const struct {
	int product;
	uint8_t sha256[32];
} amd_arks[] = {
	{ SNP_MILAN, {	/* ARK-Milan, serial 010000, 2020-10-22 to 2045-10-22 */
		0x69, 0xd0, 0x63, 0xb4, 0x53, 0x44, 0xd2, 0x6a, 0x2e, 0x94, 0xe1, 0xf4, 0x21, 0x0d,
		0xe4, 0x9e, 0xf5, 0x55, 0x30, 0x82, 0x87, 0xd4, 0xc1, 0x74, 0x44, 0x5c, 0x95, 0x63,
		0x9a, 0x54, 0x0b, 0xcd } },
	{ SNP_GENOA, {	/* ARK-Genoa, serial 020000, 2022-01-26 to 2047-01-26 */
		0x4c, 0x65, 0x98, 0xd1, 0x9c, 0x18, 0x71, 0x9c, 0x5d, 0xfd, 0x4a, 0x7d, 0x33, 0x5f,
		0x67, 0x4e, 0x5b, 0xfe, 0x1d, 0x8f, 0x80, 0x0c, 0xea, 0x2c, 0xf2, 0x70, 0xc1, 0x0d,
		0x10, 0x3d, 0xb2, 0xf1 } },
	{ SNP_TURIN, {	/* ARK-Turin, serial 030000, 2023-05-15 to 2048-05-15 */
		0x1f, 0x08, 0x41, 0x61, 0xa4, 0x4b, 0xb6, 0xd9, 0x37, 0x78, 0xa9, 0x04, 0x87, 0x7d,
		0x48, 0x19, 0xca, 0xfa, 0x5d, 0x05, 0xef, 0x41, 0x93, 0xb2, 0xde, 0xd9, 0xdd, 0x9c,
		0x73, 0xdd, 0x3f, 0x6a } },
};

/* A test root's product: its CN, "ARK-<product>". */
static int product_of_cn(X509 *ark)
{
	char cn[64];

	if (X509_NAME_get_text_by_NID(X509_get_subject_name(ark), NID_commonName, cn,
				      sizeof(cn)) <= 0)
		return SNP_PRODUCT_UNKNOWN;
	for (int p = SNP_MILAN; p < SNP_NPRODUCTS; p++)
		if (!strncmp(cn, "ARK-", 4) && !strcmp(cn + 4, snp_product_name(p)))
			return p;
	return SNP_PRODUCT_UNKNOWN;
}

/* The product whose ARK this is, or SNP_PRODUCT_UNKNOWN if it is not AMD's. */
int snp_ark_product(X509 *ark, const uint8_t *test_sha256)
{
	unsigned char *der = NULL;
	uint8_t md[32];
	int n = i2d_X509(ark, &der);

	if (n <= 0)
		return SNP_PRODUCT_UNKNOWN;
	SHA256(der, (size_t)n, md);
	OPENSSL_free(der);
	for (size_t i = 0; i < sizeof(amd_arks) / sizeof(amd_arks[0]); i++)
		if (!memcmp(md, amd_arks[i].sha256, 32))
			return amd_arks[i].product;
	if (test_sha256 && !memcmp(md, test_sha256, 32))
		return product_of_cn(ark);
	return SNP_PRODUCT_UNKNOWN;
}
