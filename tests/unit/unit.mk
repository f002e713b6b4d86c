# Userspace unit tests of the pure kernel code, under ASan + UBSan.
build/test/table-test: build/san/tests/unit/table-test.o build/san/kernel/teearray-table.o
	$(call link_san)

TEST_BINS += build/test/table-test
UNIT_TESTS += build/test/table-test
