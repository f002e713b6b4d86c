# teearray, the operator CLI.  It reads teearrayd's configuration with the
# daemon's own parser and formats members with userspace/format.
TEEARRAY_CLI_SRCS := tools/teearray/main.c tools/teearray/common.c tools/teearray/dm.c \
		     tools/teearray/keys.c tools/teearray/format.c tools/teearray/open.c \
		     tools/teearray/status.c tools/teearray/sync.c tools/teearray/keyprov.c \
		     tools/teearray/rotate.c tools/teearray/log.c tools/teearray/daemon.c \
		     userspace/teearrayd/config.c userspace/teearrayd/log.c
# Fragments are included in sorted order (tools/ before userspace/), so
# name the format objects and the library literally.
TEEARRAY_CLI_OBJS := $(TEEARRAY_CLI_SRCS:%.c=build/obj/%.o) \
		     build/obj/userspace/format/ta-format.o build/obj/kernel/teearray-format.o \
		     build/obj/kernel/teearray-kdf.o build/obj/kernel/teearray-table.o \
		     build/obj/kernel/teearray-audit-entry.o $(EC_OBJS_REL)

build/obj/tools/teearray/%.o: CFLAGS_EXTRA += -Iuserspace/teearrayd -Itools/teearray

build/bin/teearray: $(TEEARRAY_CLI_OBJS) build/lib/libteearray.a
	$(call link_rel,-ldevmapper -lkmod -lsecp256k1 -lsodium -lkeyutils)

PROGS += build/bin/teearray
VM_PROGS += build/bin/teearray

# How the CLI waits for teearrayd (daemon.c), against a fake control socket.
build/san/tests/unit/cli-daemon-test.o build/san/tools/teearray/daemon.o: \
	CFLAGS_EXTRA += -Iuserspace/teearrayd -Itools/teearray
build/test/cli-daemon-test: build/san/tests/unit/cli-daemon-test.o \
		build/san/tools/teearray/daemon.o build/san/tools/teearray/dm.o
	$(call link_san,-ldevmapper -lpthread)

TEST_BINS += build/test/cli-daemon-test
UNIT_TESTS += build/test/cli-daemon-test
