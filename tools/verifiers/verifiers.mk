# External attestation verifiers teearrayd runs through --tsm-verifier
# (issue 21).  OpenSSL (libssl-dev) does all X.509, CRL and ECDSA checks.
SNP_VERIFY_CORE := snp-verify snp-report snp-policy snp-certs snp-chain snp-root verifier-util

build/bin/teearray-verify-snp: build/obj/tools/verifiers/teearray-verify-snp.o \
			       $(SNP_VERIFY_CORE:%=build/obj/tools/verifiers/%.o)
	$(call link_rel,-lcrypto)

PROGS += build/bin/teearray-verify-snp

# Sanitizer build of the same program for the tests (it also takes
# --test-root and --test-now; the installed program cannot), and the unit
# test that links the verification core directly.
build/san/tools/verifiers/teearray-verify-snp.o: CFLAGS_EXTRA += -DSNP_VERIFY_TESTING
build/test/teearray-verify-snp-san: build/san/tools/verifiers/teearray-verify-snp.o \
				    $(SNP_VERIFY_CORE:%=build/san/tools/verifiers/%.o)
	$(call link_san,-lcrypto)

build/san/tests/verifiers/snp-test.o: CFLAGS_EXTRA += -Itools/verifiers
build/test/snp-verify-test: build/san/tests/verifiers/snp-test.o \
			    $(SNP_VERIFY_CORE:%=build/san/tools/verifiers/%.o)
	$(call link_san,-lcrypto)

TEST_BINS += build/test/snp-verify-test build/test/teearray-verify-snp-san
UNIT_TESTS += build/test/snp-verify-test

# teearray-verify-snp behind libteearray's --tsm-verifier path, host-side.
build/test/snp-daemon-test: build/san/tests/verifiers/snp-daemon-test.o build/lib/libteearray-san.a \
			    | build/test/teearray-verify-snp-san
	$(call link_san,-lsecp256k1 -lsodium)

TEST_BINS += build/test/snp-daemon-test
UNIT_TESTS += build/test/snp-daemon-test

# libFuzzer target for the SNP verifier's parsers; seeds in tests/fuzz/corpus-snp.
FUZZ_SNP_SRCS := tests/fuzz/fuzz-snp.c $(SNP_VERIFY_CORE:%=tools/verifiers/%.c)

build/fuzz/fuzz-snp: $(FUZZ_SNP_SRCS) $(wildcard tools/verifiers/snp-*.h) tools/verifiers/verifier-util.h
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Itools/verifiers -o $@ $(FUZZ_SNP_SRCS) -lcrypto

TEST_BINS += build/fuzz/fuzz-snp
CHECK_SUITES += tests/fuzz/run@snp

# TDX DCAP quotes: OpenSSL for X.509, CRLs, ECDSA and SHA-256; json-c
# (libjson-c-dev) parses Intel's signed TCB info and QE identity.
TDX_VERIFY_CORE := tdx-verify tdx-quote tdx-pck tdx-collateral tdx-tcb tdx-policy tdx-root verifier-util
TDX_VERIFY_LIBS := -lcrypto -ljson-c

build/bin/teearray-verify-tdx: build/obj/tools/verifiers/teearray-verify-tdx.o \
			       $(TDX_VERIFY_CORE:%=build/obj/tools/verifiers/%.o)
	$(call link_rel,$(TDX_VERIFY_LIBS))

PROGS += build/bin/teearray-verify-tdx

# The tests' sanitizer build of the program also takes --test-root and
# --test-now (recorded vectors, a test root); the installed program cannot.
build/san/tools/verifiers/teearray-verify-tdx.o: CFLAGS_EXTRA += -DTDX_VERIFY_TESTING
build/test/teearray-verify-tdx-san: build/san/tools/verifiers/teearray-verify-tdx.o \
				    $(TDX_VERIFY_CORE:%=build/san/tools/verifiers/%.o)
	$(call link_san,$(TDX_VERIFY_LIBS))

build/san/tests/verifiers/tdx-test.o: CFLAGS_EXTRA += -Itools/verifiers
build/test/tdx-verify-test: build/san/tests/verifiers/tdx-test.o \
			    $(TDX_VERIFY_CORE:%=build/san/tools/verifiers/%.o)
	$(call link_san,$(TDX_VERIFY_LIBS))

TEST_BINS += build/test/tdx-verify-test build/test/teearray-verify-tdx-san
UNIT_TESTS += build/test/tdx-verify-test

# The verifier behind libteearray's --tsm-verifier path (teedisk's quote
# through a fake configfs-tsm, teearrayd's check), host-side.
build/test/tdx-daemon-test: build/san/tests/verifiers/tdx-daemon-test.o build/lib/libteearray-san.a \
			    | build/test/teearray-verify-tdx-san
	$(call link_san,-lsecp256k1 -lsodium)

TEST_BINS += build/test/tdx-daemon-test
UNIT_TESTS += build/test/tdx-daemon-test

# libFuzzer target for the TDX verifier's parsers (clang, like the others in
# tests/fuzz); seeds in tests/fuzz/corpus-tdx.
FUZZ_TDX_SRCS := tests/fuzz/fuzz-tdx.c $(TDX_VERIFY_CORE:%=tools/verifiers/%.c)

build/fuzz/fuzz-tdx: $(FUZZ_TDX_SRCS) $(wildcard tools/verifiers/tdx-*.h) tools/verifiers/verifier-util.h
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Itools/verifiers -o $@ $(FUZZ_TDX_SRCS) $(TDX_VERIFY_LIBS)

TEST_BINS += build/fuzz/fuzz-tdx
CHECK_SUITES += tests/fuzz/run@tdx
