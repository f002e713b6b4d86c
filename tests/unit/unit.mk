# Userspace unit tests of the pure kernel code, under ASan + UBSan.
build/test/table-test: build/san/tests/unit/table-test.o build/san/kernel/teearray-table.o
	$(call link_san)

TEST_BINS += build/test/table-test
UNIT_TESTS += build/test/table-test

# On-member formats and key derivation (libsodium provides SHA-256 here).
FORMAT_TEST_OBJS := build/san/tests/unit/format-test.o build/san/kernel/teearray-format.o \
		    build/san/kernel/teearray-kdf.o
build/test/format-test: $(FORMAT_TEST_OBJS)
	$(call link_san,-lsodium)

TEST_BINS += build/test/format-test
UNIT_TESTS += build/test/format-test

# Per-sector AEAD and metadata sectors (ChaCha20 from libsodium here).
SECTOR_TEST_OBJS := build/san/tests/unit/sector-test.o build/san/kernel/teearray-sector.o \
		    build/san/kernel/teearray-format.o build/san/kernel/teearray-kdf.o
build/test/sector-test: $(SECTOR_TEST_OBJS)
	$(call link_san,-lsodium)

TEST_BINS += build/test/sector-test
UNIT_TESTS += build/test/sector-test

# The module's load-time ChaCha20 known-answer test (kernel/teearray-selftest.c)
# over the real sector code: passes, and fails for wrong ciphers.
SELFTEST_TEST_OBJS := build/san/tests/unit/selftest-test.o build/san/kernel/teearray-selftest.o \
		      build/san/kernel/teearray-sector.o build/san/kernel/teearray-format.o \
		      build/san/kernel/teearray-kdf.o
build/test/selftest-test: $(SELFTEST_TEST_OBJS)
	$(call link_san,-lsodium)

TEST_BINS += build/test/selftest-test
UNIT_TESTS += build/test/selftest-test

# Journal atomicity records and journal layout.
JREC_TEST_OBJS := build/san/tests/unit/jrec-test.o build/san/kernel/teearray-jrec.o \
		  build/san/kernel/teearray-format.o build/san/kernel/teearray-kdf.o
build/test/jrec-test: $(JREC_TEST_OBJS)
	$(call link_san,-lsodium)

TEST_BINS += build/test/jrec-test
UNIT_TESTS += build/test/jrec-test

# teearray's key providers (file, keyring, command), keyprov.c included by
# the test with a shorter time limit.  Names are literal: this fragment is
# read before userspace/ and tools/ define theirs.
KEYPROV_TEST_OBJS := build/san/tests/unit/keyprov-test.o build/san/tools/teearray/common.o \
		     build/san/userspace/teearrayd/config.o build/san/userspace/teearrayd/log.o \
		     build/san/kernel/teearray-format.o build/san/kernel/teearray-kdf.o \
		     build/san/kernel/teearray-table.o build/lib/libteearray-san.a
build/san/tests/unit/keyprov-test.o build/san/tools/teearray/common.o: \
	CFLAGS_EXTRA += -Iuserspace/teearrayd -Itools/teearray
build/test/keyprov-test: $(KEYPROV_TEST_OBJS)
	$(call link_san,-lsecp256k1 -lsodium -lkeyutils)

TEST_BINS += build/test/keyprov-test
UNIT_TESTS += build/test/keyprov-test

# The search for lying members (kernel/teearray-blame.c) with the erasure code.
build/test/blame-test: build/san/tests/unit/blame-test.o build/san/kernel/teearray-blame.o \
		       $(EC_OBJS_SAN)
	$(call link_san)

TEST_BINS += build/test/blame-test
UNIT_TESTS += build/test/blame-test

# The engine's pure decisions: stripe planning, journal entry planning and
# member freshness (kernel/teearray-plan.c, -jplan.c, -fresh.c).
PLAN_TEST_OBJS := build/san/tests/unit/plan-test.o build/san/kernel/teearray-plan.o \
		  build/san/kernel/teearray-fresh.o build/san/kernel/teearray-format.o \
		  build/san/kernel/teearray-kdf.o
build/test/plan-test: $(PLAN_TEST_OBJS)
	$(call link_san,-lsodium)

TEST_BINS += build/test/plan-test
UNIT_TESTS += build/test/plan-test

JPLAN_TEST_OBJS := build/san/tests/unit/jplan-test.o build/san/kernel/teearray-jplan.o \
		   build/san/kernel/teearray-jrec.o build/san/kernel/teearray-plan.o \
		   build/san/kernel/teearray-fresh.o build/san/kernel/teearray-format.o \
		   build/san/kernel/teearray-kdf.o
build/test/jplan-test: $(JPLAN_TEST_OBJS)
	$(call link_san,-lsodium)

TEST_BINS += build/test/jplan-test
UNIT_TESTS += build/test/jplan-test

build/test/slow-test: build/san/tests/unit/slow-test.o build/san/kernel/teearray-slow.o
	$(call link_san)

TEST_BINS += build/test/slow-test
UNIT_TESTS += build/test/slow-test

build/test/stripelock-test: build/san/tests/unit/stripelock-test.o \
			    build/san/kernel/teearray-stripelock.o
	$(call link_san)

TEST_BINS += build/test/stripelock-test
UNIT_TESTS += build/test/stripelock-test

FRESH_TEST_OBJS := build/san/tests/unit/fresh-test.o build/san/kernel/teearray-fresh.o \
		   build/san/kernel/teearray-format.o build/san/kernel/teearray-kdf.o
build/test/fresh-test: $(FRESH_TEST_OBJS)
	$(call link_san,-lsodium)

TEST_BINS += build/test/fresh-test
UNIT_TESTS += build/test/fresh-test
