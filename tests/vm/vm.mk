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

# make bench-e2e: five fio jobs on ext4 over a 4+2 array, over md RAID6 on
# six NBD exports + LUKS2 with integrity, and over a plain loop device, in
# one VM boot; prints the ratios and the array's member traffic per user
# sector (tests/vm/bench-e2e/demo).  E2E_RUNTIME (seconds per job, default
# 20) and E2E_MIB (MiB per member, default 64) size it; VM_CPU sets QEMU's
# -cpu model for both stacks (default max).
E2E_TOOLS = nbd-server nbd-client mdadm cryptsetup
E2E_MODULES = nbd raid456 dm_crypt dm_integrity authenc chacha_generic \
	chacha_x86_64 sha256_ssse3 loop
.PHONY: bench-e2e
BENCH_TARGETS += bench-e2e
bench-e2e: module progs $(VM_PROGS)
	@for t in $(E2E_TOOLS); do command -v $$t > /dev/null || \
		{ echo "bench-e2e: $$t not found (run make deps)" >&2; exit 1; }; done
	VM_PROGS="$(VM_PROGS) $$(for t in $(E2E_TOOLS); do command -v $$t; done)" \
	TT_EXTRA_MODULES="$(E2E_MODULES)" TT_VM_MEM=3072 TT_DEMO_LIMIT=3600 \
	TT_VM_CPU="$(or $(VM_CPU),max)" \
	TT_DEMO_ARGS="E2E_RUNTIME=$(or $(E2E_RUNTIME),20) E2E_MIB=$(or $(E2E_MIB),64)" \
		tests/vm/run --kver $(KVER) --tests-dir tests/vm/bench-e2e --demo

# make bench-profile: the array's part of bench-e2e under perf (system-wide
# samples in the VM), with a report per job of where the CPU time went.
# E2E_JOBS (comma separated) picks jobs, E2E_RUNTIME their length (default 10).
.PHONY: bench-profile
bench-profile: module progs $(VM_PROGS)
	@command -v perf > /dev/null || { echo "bench-profile: perf not found (apt-get install linux-perf)" >&2; exit 1; }
	VM_PROGS="$(VM_PROGS) $$(readlink -f $$(command -v perf))" \
	TT_VM_MEM=3072 TT_DEMO_LIMIT=3600 TT_VM_CPU="$(or $(VM_CPU),max)" \
	TT_DEMO_ARGS="E2E_PROFILE=1 E2E_RUNTIME=$(or $(E2E_RUNTIME),10) E2E_MIB=$(or $(E2E_MIB),64) E2E_JOBS=$(or $(E2E_JOBS),seqwrite-1m,seqread-1m,randwrite-qd32)" \
		tests/vm/run --kver $(KVER) --tests-dir tests/vm/bench-e2e --demo

# make check-debug: the whole VM suite on a debug kernel.  scripts/debug-kernel
# builds Debian's linux-source-6.12 with tests/vm/debug-kernel.config (KASAN,
# KFENCE, lockdep, UBSAN, debug objects, SLUB debugging) into
# build/debug-kernel, once: it is rebuilt only when the source package, the
# fragment or the script change.  The module is then built against it
# (KVER=debug) and tests/vm/run --kver debug runs every test, with timeouts
# four times as long (TT_TIMEOUT_SCALE).  A test fails on any KASAN, KFENCE,
# UBSAN, lockdep, debug-objects or might_sleep report in its kernel log.
# Not part of make check.  T='001 003' picks tests.
.PHONY: check-debug debug-kernel
debug-kernel: ensure-deps
	@scripts/debug-kernel

# KASAN's stack instrumentation makes frames larger (the kernel doubles its
# stacks under KASAN, to 32 KiB on x86-64): the largest generated encoders
# (tee_ec_avx2/avx512_enc_16_8 and _16_16) go over the 2048-byte frame
# warning, up to 5.7 KiB.  On the debug kernel that warning is printed but
# does not stop the build; every other warning still does.
check-debug: debug-kernel progs $(VM_PROGS)
	@$(MAKE) --no-print-directory module KVER=debug \
		CFLAGS_MODULE=-Wno-error=frame-larger-than=
	@tests/run-suites 'tests/vm/run --kver debug $(T)'
