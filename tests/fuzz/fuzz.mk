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
