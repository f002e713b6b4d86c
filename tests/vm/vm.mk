# VM test targets beyond check-vm.
#
# make check-crash: the crash matrix (test 030) with every crash point and
# every loss set on both shapes and in both journal modes, not only the
# sample `make check` runs.
# Hours under TCG; KVER picks the kernel as for check-vm.
.PHONY: check-crash
check-crash: module progs $(VM_PROGS)
	@TT_CRASH_EXHAUSTIVE=1 tests/run-suites 'tests/vm/run --kver $(KVER) 030'

# make bench-journal: member commands, sectors and round trips per user
# sector for writes and reads on a 4+2 array in the VM (not a timed test).
.PHONY: bench-journal
BENCH_TARGETS += bench-journal
bench-journal: module progs $(VM_PROGS)
	tests/vm/run --kver $(KVER) --tests-dir tests/vm/bench --demo
