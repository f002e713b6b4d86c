# External attestation verifiers teearrayd runs through --tsm-verifier
# (issue 21).  OpenSSL (libssl-dev) does all X.509, CRL and ECDSA checks.
SNP_VERIFY_OBJS := build/obj/tools/verifiers/teearray-verify-snp.o \
		   build/obj/tools/verifiers/snp-verify.o

build/bin/teearray-verify-snp: $(SNP_VERIFY_OBJS)
	$(call link_rel,-lcrypto)

PROGS += build/bin/teearray-verify-snp

# Sanitizer build of the same program for the tests, and the unit test
# that links the verification core directly.
build/test/teearray-verify-snp-san: build/san/tools/verifiers/teearray-verify-snp.o \
				    build/san/tools/verifiers/snp-verify.o
	$(call link_san,-lcrypto)

build/san/tests/verifiers/snp-test.o: CFLAGS_EXTRA += -Itools/verifiers
build/test/snp-verify-test: build/san/tests/verifiers/snp-test.o \
			    build/san/tools/verifiers/snp-verify.o
	$(call link_san,-lcrypto)

TEST_BINS += build/test/snp-verify-test build/test/teearray-verify-snp-san
UNIT_TESTS += build/test/snp-verify-test
