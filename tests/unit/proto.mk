# Unit tests of libteearray and of the teedisk core, under ASan + UBSan.
build/test/proto-wire-test: build/san/tests/unit/proto-wire-test.o build/lib/libteearray-san.a
	$(call link_san,-lsecp256k1 -lsodium)

build/test/proto-attest-test: build/san/tests/unit/proto-attest-test.o build/lib/libteearray-san.a
	$(call link_san,-lsecp256k1 -lsodium)

build/test/proto-disk-test: build/san/tests/unit/proto-disk-test.o \
		build/san/userspace/teedisk/disk.o build/lib/libteearray-san.a
	$(call link_san,-lsecp256k1 -lsodium)

build/san/tests/unit/proto-disk-test.o: CFLAGS_EXTRA += -Iuserspace/teedisk

TEST_BINS += build/test/proto-wire-test build/test/proto-attest-test build/test/proto-disk-test
UNIT_TESTS += build/test/proto-wire-test build/test/proto-attest-test build/test/proto-disk-test

build/test/proto-client-test: build/san/tests/unit/proto-client-test.o \
		build/san/userspace/teedisk/disk.o build/lib/libteearray-san.a
	$(call link_san,-lsecp256k1 -lsodium -lpthread)

build/san/tests/unit/proto-client-test.o: CFLAGS_EXTRA += -Iuserspace/teedisk

TEST_BINS += build/test/proto-client-test
UNIT_TESTS += build/test/proto-client-test
