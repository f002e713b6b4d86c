# SPDX-License-Identifier: GPL-2.0
#
# dm-teearray top-level Makefile.  `make help` lists the targets.
#
# Components add themselves through fragments (kernel/*.mk, userspace/*/*.mk,
# tools/*/*.mk, tests/*/*.mk) that append to these variables:
#   PROGS          release binaries (build/bin/...), installed to $(PREFIX)/sbin
#   VM_PROGS       binaries copied into the test VM's initramfs
#   UNIT_TESTS     test commands run by `make check` (each prints TAP lines
#                  and a plan; tests/run-suites says what it counts)
#   TEST_BINS      binaries the tests need built first
#   CHECK_SUITES   further suite commands run by `make check` before the VM
#                  (write a space inside one command as @: cmd@arg1@arg2)
#   BENCH_TARGETS  benchmark targets run by `make bench`
# and use the pattern rules below: build/obj/%.o is a release object,
# build/san/%.o the same source under AddressSanitizer + UBSan, and the
# link_rel / link_san recipes defined below.

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=

# KVER selects the kernel: a full release (6.1.0-56-amd64) or a short series
# (6.1, 6.12) that resolves to the newest installed Debian headers of that
# series.  Default: Debian 12's own 6.1 kernel (linux-headers-amd64).
KVER ?= 6.1
KVERS_CHECK ?= 6.1 6.12
kver_full = $(shell scripts/kver $(1))
KVER_FULL = $(call kver_full,$(KVER))
# KVER=debug is the debug kernel scripts/debug-kernel builds (make check-debug).
KDIR ?= $(if $(filter debug,$(KVER)),$(CURDIR)/build/debug-kernel/src,/lib/modules/$(KVER_FULL)/build)
KMOD_DIR = build/kmod/$(KVER_FULL)

CC ?= gcc
CFLAGS_USER := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
	       -fstack-protector-strong -D_FORTIFY_SOURCE=2
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer
CPPFLAGS_USER := -Ikernel -Ikernel/uapi -Iuserspace/lib

PROGS :=
VM_PROGS :=
UNIT_TESTS :=
# The summariser's own self-test; fragments add the other suites.
CHECK_SUITES := tests/run-suites-test
TEST_BINS :=
BENCH_TARGETS :=

.PHONY: all module progs deps ensure-deps check check-unit check-vm lint \
	checkpatch sparse install uninstall dkms-add demo bench clean help
.DEFAULT_GOAL := all

all: module progs

help:
	@echo "make               build the module (KVER=$(KVER)) and all programs"
	@echo "make deps          install the Debian packages the project needs"
	@echo "make check         unit, protocol and VM tests on kernels: $(KVERS_CHECK)"
	@echo "make check-unit    everything but the VM tests"
	@echo "make check-vm      VM tests on KVER=$(KVER) only (T='001 002' to pick)"
	@echo "make check-debug   VM tests on a debug 6.12 kernel (KASAN, KFENCE, lockdep, UBSAN,"
	@echo "                   debug objects, SLUB debugging) built from linux-source-6.12 into"
	@echo "                   build/debug-kernel (about 30 min once, then cached); not in check"
	@echo "make check-fstests fstests on two 4+2 arrays and on plain disks in one VM boot"
	@echo "                   (FSTESTS=<built fstests tree>, MODE=healthy|degraded|rebuild); not in check"
	@echo "make demo          boot a VM and show the array (the README's first command)"
	@echo "make lint          checkpatch.pl and sparse on the kernel code"
	@echo "make bench         benchmarks (not part of check)"
	@echo "make bench-profile where the array's CPU time goes in bench-e2e's jobs (perf in the VM)"
	@echo "make install       module into /lib/modules/<kver>/updates, programs into $(PREFIX)/sbin,"
	@echo "                   man pages, the teearrayd systemd unit, /etc/teearray (DESTDIR=, PREFIX=)"
	@echo "make uninstall     remove what make install installed (keeps /etc/teearray's own files)"
	@echo "make dkms-add      register the module source with DKMS (then dkms install)"

include $(sort $(wildcard kernel/*.mk userspace/*.mk userspace/*/*.mk tools/*.mk tools/*/*.mk tests/*/*.mk))

# The VM harness puts these into the initramfs.
export VM_PROGS

ensure-deps:
	@scripts/deps --ensure

deps:
	@scripts/deps --install

# The module is built in a per-kernel copy of the sources so builds for
# several kernels do not overwrite each other's objects.  cp -a keeps
# timestamps, so rebuilds stay incremental.
module: ensure-deps
	@mkdir -p $(KMOD_DIR)
	@cp -a Kbuild kernel $(KMOD_DIR)/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(KMOD_DIR) W=1 KCFLAGS=-Werror modules

progs: ensure-deps $(PROGS)

build/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) $(CPPFLAGS_USER) $(CFLAGS_EXTRA) -MMD -MP -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_USER) -O1 $(SANFLAGS) $(CPPFLAGS_USER) $(CFLAGS_EXTRA) -MMD -MP -c -o $@ $<

# Link recipes for fragments: $(call link_rel,<libs>) and $(call link_san,<libs>).
link_rel = mkdir -p $(@D) && $(CC) -o $@ $(filter %.o %.a,$^) $(1)
link_san = mkdir -p $(@D) && $(CC) $(SANFLAGS) -o $@ $(filter %.o %.a,$^) $(1)

-include $(shell find build/obj build/san -name '*.d' 2>/dev/null)

check: ensure-deps
	@for k in $(KVERS_CHECK); do $(MAKE) --no-print-directory module KVER=$$k || exit 1; done
	@$(MAKE) --no-print-directory progs $(TEST_BINS)
	@tests/run-suites $(foreach t,$(UNIT_TESTS) $(CHECK_SUITES),'$(subst @, ,$(t))') \
		'tests/vm/selftest/run' \
		$(foreach k,$(KVERS_CHECK),'tests/vm/run --kver $(k)')

check-unit: ensure-deps progs $(TEST_BINS)
	@tests/run-suites $(foreach t,$(UNIT_TESTS) $(CHECK_SUITES),'$(subst @, ,$(t))')

check-vm: module progs $(VM_PROGS)
	@tests/run-suites 'tests/vm/run --kver $(KVER) $(T)'

demo: module progs $(VM_PROGS)
	@tests/vm/run --kver $(KVER) --demo

bench: ensure-deps $(BENCH_TARGETS)

lint: checkpatch sparse

CHECKPATCH := build/checkpatch/scripts/checkpatch.pl
$(CHECKPATCH):
	@scripts/deps --ensure
	@mkdir -p build/checkpatch
	tar -xJf /usr/src/linux-source-6.1.tar.xz -C build/checkpatch --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'

checkpatch: $(CHECKPATCH)
	$(CHECKPATCH) --no-tree --strict --show-types --terse \
		$(addprefix --ignore ,$(shell grep -v '^\#' scripts/checkpatch.ignore | paste -sd, -)) \
		-f $(sort $(shell find kernel -name '*.[ch]' ! -name 'teearray-compat-user.h'))

# sparse and W=1 over every kernel source; any diagnostic fails the target.
sparse: ensure-deps
	@mkdir -p $(KMOD_DIR)
	@cp -a Kbuild kernel $(KMOD_DIR)/
	@$(MAKE) -C $(KDIR) M=$(CURDIR)/$(KMOD_DIR) clean >/dev/null
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(KMOD_DIR) C=2 CHECK=sparse W=1 modules \
		2>&1 | tee build/sparse.log
	@! grep -E '(warning|error):' build/sparse.log

# What install puts where, besides the module and PROGS.  The unit's
# ExecStart names /usr/sbin (a distribution package's PREFIX); install points
# it at $(PREFIX)/sbin.  /etc/teearray holds keys: it is made mode 0700.
MANPAGES := man/teearray.8 man/teearrayd.8 man/teedisk.8 man/teearray-verify-snp.8 \
	    man/teearray-verify-tdx.8
MANDIR = $(PREFIX)/share/man/man8
UNITDIR = /lib/systemd/system
CONFDIR = /etc/teearray

install: all
	install -D -m 0644 $(KMOD_DIR)/dm-teearray.ko \
		$(DESTDIR)/lib/modules/$(KVER_FULL)/updates/dm-teearray.ko
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER_FULL)
	$(if $(PROGS),install -D -m 0755 -t $(DESTDIR)$(PREFIX)/sbin $(PROGS))
	install -D -m 0644 -t $(DESTDIR)$(MANDIR) $(MANPAGES)
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|/usr/sbin/teearrayd|$(PREFIX)/sbin/teearrayd|g' packaging/teearrayd.service \
		> $(DESTDIR)$(UNITDIR)/teearrayd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/teearrayd.service
	install -d -m 0700 $(DESTDIR)$(CONFDIR)
	install -m 0644 packaging/teearrayd.conf.example $(DESTDIR)$(CONFDIR)/
	[ -n "$(DESTDIR)" ] || ! [ -d /run/systemd/system ] || systemctl daemon-reload

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER_FULL)/updates/dm-teearray.ko
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER_FULL)
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/sbin/,$(notdir $(PROGS)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/,$(notdir $(MANPAGES)))
	rm -f $(DESTDIR)$(UNITDIR)/teearrayd.service
	rm -f $(DESTDIR)$(CONFDIR)/teearrayd.conf.example
	! [ -d $(DESTDIR)$(CONFDIR) ] || rmdir --ignore-fail-on-non-empty $(DESTDIR)$(CONFDIR)
	[ -n "$(DESTDIR)" ] || ! [ -d /run/systemd/system ] || systemctl daemon-reload

# Copies the module sources to /usr/src/dm-teearray-<version> and registers
# them; then `dkms install dm-teearray/<version>` builds and installs for the
# running kernel.  The version is dkms.conf's PACKAGE_VERSION (the target's).
DKMS_VERSION = $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
dkms-add: ensure-deps
	rm -rf /usr/src/dm-teearray-$(DKMS_VERSION)
	mkdir -p /usr/src/dm-teearray-$(DKMS_VERSION)
	cp -a Kbuild kernel dkms.conf /usr/src/dm-teearray-$(DKMS_VERSION)/
	dkms add dm-teearray/$(DKMS_VERSION)

clean:
	rm -rf build
