# `teearray log` against teedisk processes on loopback: tools/teearray/log.c
# and the CLI helpers it uses, linked into the test under ASan + UBSan.
# Names are literal: this fragment is read before tools/ and userspace/
# define theirs.
LOG_CLI_TEST_OBJS := build/san/tests/unit/log-cli-test.o build/san/tools/teearray/log.o \
		     build/san/tools/teearray/common.o build/san/tools/teearray/dm.o \
		     build/san/tools/teearray/keyprov.o build/san/tools/teearray/daemon.o \
		     build/san/userspace/teearrayd/config.o build/san/userspace/teearrayd/log.o \
		     build/san/userspace/format/ta-format.o build/san/kernel/teearray-format.o \
		     build/san/kernel/teearray-kdf.o build/san/kernel/teearray-table.o \
		     build/san/kernel/teearray-audit-entry.o build/san/kernel/tee-ec.o \
		     build/san/kernel/tee-ec-generic.o build/san/kernel/tee-ec-avx2.o \
		     build/san/kernel/tee-ec-avx512.o build/lib/libteearray-san.a
build/san/tests/unit/log-cli-test.o build/san/tools/teearray/log.o \
build/san/tools/teearray/dm.o build/san/tools/teearray/keyprov.o build/san/tools/teearray/daemon.o: CFLAGS_EXTRA += -Iuserspace/teearrayd -Itools/teearray
build/test/log-cli-test: $(LOG_CLI_TEST_OBJS) | build/test/teedisk-san
	$(call link_san,-ldevmapper -lsecp256k1 -lsodium -lkeyutils)

TEST_BINS += build/test/log-cli-test
UNIT_TESTS += build/test/log-cli-test
