# libFuzzer target for the wire parsers and teedisk's command validation.
# Built with clang from the sources (not the gcc sanitizer objects).
FUZZ_CC ?= clang
FUZZ_PROTO_SRCS := tests/fuzz/fuzz-proto.c userspace/lib/wire.c userspace/lib/crypto.c \
		   userspace/lib/attest.c userspace/lib/client.c userspace/teedisk/disk.c

build/fuzz/fuzz-proto: $(FUZZ_PROTO_SRCS) $(wildcard userspace/lib/*.h userspace/teedisk/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Iuserspace/lib -Iuserspace/teedisk -o $@ $(FUZZ_PROTO_SRCS) -lsecp256k1 -lsodium

TEST_BINS += build/fuzz/fuzz-proto
CHECK_SUITES += tests/fuzz/run

# libFuzzer target for the journal records and the sector/metadata verifiers
# of the module's pure code (built from source with clang, like fuzz-proto).
FUZZ_JREC_SRCS := tests/fuzz/fuzz-jrec.c kernel/teearray-jrec.c kernel/teearray-sector.c \
		  kernel/teearray-format.c kernel/teearray-kdf.c kernel/teearray-audit-entry.c
FUZZ_JREC_FLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE -Ikernel -Ikernel/uapi

build/fuzz/fuzz-jrec: $(FUZZ_JREC_SRCS) $(wildcard kernel/teearray-*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_JREC_FLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $(FUZZ_JREC_SRCS) -lsodium

# Writes the seed corpus: build/fuzz/fuzz-jrec-seeds tests/fuzz/corpus-jrec
build/fuzz/fuzz-jrec-seeds: $(FUZZ_JREC_SRCS) $(wildcard kernel/teearray-*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_JREC_FLAGS) -DFUZZ_JREC_SEEDS -o $@ $(FUZZ_JREC_SRCS) -lsodium

TEST_BINS += build/fuzz/fuzz-jrec
CHECK_SUITES += tests/fuzz/run@jrec
