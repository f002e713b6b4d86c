# make check-fstests: fstests on two 4+2 arrays and on plain disks in one VM
# boot (tests/fstests/run).  FSTESTS=<built fstests tree> is required;
# MODE=healthy|degraded|rebuild (default healthy), KVER, T='generic/013 ...'
# (default: tests/fstests/vm/tests.list), FST_MIB (device size, default 512),
# FST_TIMEOUT (watchdog per test, default 900 s) and NO_PLAIN=1 (compare with
# the plain disks' results of the last run on the same kernel that had them).
# Not part of check: see dm-teearray-fstests.rst for its run time.
.PHONY: check-fstests
check-fstests: module progs $(VM_PROGS)
	tests/fstests/run --kver $(KVER) --mode $(or $(MODE),healthy) \
		--mib $(or $(FST_MIB),512) --timeout $(or $(FST_TIMEOUT),900) \
		$(if $(NO_PLAIN),--no-plain) $(T)

# The verdict's own self-test runs in make check.
CHECK_SUITES += tests/fstests/summary-test
