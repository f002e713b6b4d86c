# teearrayd: transport daemon between the dm-teearray target (generic
# netlink) and the teedisks (TCP).  Release build, sanitizer build for the
# tests, and its unit tests (config parser, netlink encode/decode, member
# execution against real teedisk processes on loopback).
TEEARRAYD_LIB_SRCS := userspace/teearrayd/config.c userspace/teearrayd/nl.c \
		      userspace/teearrayd/member.c userspace/teearrayd/log.c \
		      userspace/teearrayd/audit.c kernel/teearray-audit-entry.c \
		      kernel/teearray-format.c kernel/teearray-kdf.c kernel/teearray-table.c
TEEARRAYD_LIBS := $(TA_LIB_LIBS) -lkeyutils -lpthread

build/bin/teearrayd: $(TEEARRAYD_LIB_SRCS:%.c=build/obj/%.o) \
		build/obj/userspace/teearrayd/main.o $(TA_LIB)
	$(call link_rel,$(TEEARRAYD_LIBS))

build/test/teearrayd-san: $(TEEARRAYD_LIB_SRCS:%.c=build/san/%.o) \
		build/san/userspace/teearrayd/main.o $(TA_LIB_SAN)
	$(call link_san,$(TEEARRAYD_LIBS))

build/obj/userspace/teearrayd/%.o build/san/userspace/teearrayd/%.o: \
	CFLAGS_EXTRA += -Iuserspace/teearrayd
build/san/tests/unit/teearrayd-%.o: CFLAGS_EXTRA += -Iuserspace/teearrayd -Itests/unit

build/test/teearrayd-config-test: build/san/tests/unit/teearrayd-config-test.o \
		$(TEEARRAYD_LIB_SRCS:%.c=build/san/%.o) $(TA_LIB_SAN)
	$(call link_san,$(TEEARRAYD_LIBS))

build/test/teearrayd-nl-test: build/san/tests/unit/teearrayd-nl-test.o \
		$(TEEARRAYD_LIB_SRCS:%.c=build/san/%.o) $(TA_LIB_SAN)
	$(call link_san,$(TEEARRAYD_LIBS))

# The programs these two run (order-only: brought up to date, not linked).
build/test/teearrayd-member-test: build/san/tests/unit/teearrayd-member-test.o \
		$(TEEARRAYD_LIB_SRCS:%.c=build/san/%.o) $(TA_LIB_SAN) \
		| build/test/teedisk-san build/test/ta-mitm-san
	$(call link_san,$(TEEARRAYD_LIBS))

build/test/teearrayd-daemon-test: build/san/tests/unit/teearrayd-daemon-test.o \
		$(TEEARRAYD_LIB_SRCS:%.c=build/san/%.o) $(TA_LIB_SAN) \
		| build/test/teedisk-san build/test/teearrayd-san
	$(call link_san,$(TEEARRAYD_LIBS))

# One UUID syntax: the kernel's table parser, libteearray's (the CLI's) and
# the daemon's configuration accept the same strings (tests/unit/uuid-test.c).
build/san/tests/unit/uuid-test.o: CFLAGS_EXTRA += -Iuserspace/teearrayd
build/test/uuid-test: build/san/tests/unit/uuid-test.o \
		$(TEEARRAYD_LIB_SRCS:%.c=build/san/%.o) $(TA_LIB_SAN)
	$(call link_san,$(TEEARRAYD_LIBS))

# Key epochs, audit entries and AUDIT_SIGN (tests/unit/audit-test.c).
build/san/tests/unit/audit-test.o: CFLAGS_EXTRA += -Iuserspace/teearrayd
build/test/audit-test: build/san/tests/unit/audit-test.o \
		$(TEEARRAYD_LIB_SRCS:%.c=build/san/%.o) build/san/kernel/teearray-sector.o \
		$(TA_LIB_SAN)
	$(call link_san,$(TEEARRAYD_LIBS))

PROGS += build/bin/teearrayd
VM_PROGS += build/bin/teearrayd
TEST_BINS += build/test/teearrayd-san build/test/teearrayd-config-test \
	     build/test/teearrayd-nl-test build/test/teearrayd-member-test \
	     build/test/teearrayd-daemon-test build/test/teedisk-san build/test/audit-test \
	     build/test/uuid-test
UNIT_TESTS += build/test/teearrayd-config-test build/test/teearrayd-nl-test \
	      build/test/audit-test build/test/uuid-test
CHECK_SUITES += build/test/teearrayd-member-test build/test/teearrayd-daemon-test
