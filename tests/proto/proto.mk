# Protocol tests on loopback with real (sanitizer-built) teedisk processes.
CHECK_SUITES += tests/proto/run
TEST_BINS += build/test/teedisk-san build/test/teedisk-client-san

# Benchmark (make bench-proto, part of make bench): signatures per command
# versus per batch of 64, on loopback against the release teedisk.
build/bench/bench-proto: build/obj/tests/proto/bench-proto.o build/lib/libteearray.a
	$(call link_rel,-lsecp256k1 -lsodium)

.PHONY: bench-proto
bench-proto: build/bin/teedisk build/bench/bench-proto
	build/bench/bench-proto build/bin/teedisk $(BENCH_SECONDS)

BENCH_TARGETS += bench-proto
