# ta-mitm: a man-in-the-middle proxy between teearrayd and one teedisk that
# drops, delays, replays, reorders, truncates, flips and forges member
# answers by rules (tests/mitm/ta-mitm.c).  The release build goes into the
# test VM (VM test 070); the sanitizer build runs in tests/mitm/run, a
# loopback suite between teedisk-client and teedisk.  Names are literal: this
# fragment is read before userspace/ defines $(TA_LIB).
build/bin/ta-mitm: build/obj/tests/mitm/ta-mitm.o build/lib/libteearray.a
	$(call link_rel,-lsecp256k1 -lsodium)

build/test/ta-mitm-san: build/san/tests/mitm/ta-mitm.o build/lib/libteearray-san.a
	$(call link_san,-lsecp256k1 -lsodium)

VM_PROGS += build/bin/ta-mitm
TEST_BINS += build/bin/ta-mitm build/test/ta-mitm-san
CHECK_SUITES += tests/mitm/run
