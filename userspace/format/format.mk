# Array formatting (userspace side of the on-member format), linked by
# teearrayd and the CLI together with the pure kernel format code.
TA_FORMAT_SRCS := userspace/format/ta-format.c kernel/teearray-format.c kernel/teearray-kdf.c
TA_FORMAT_OBJS := $(patsubst %.c,build/obj/%.o,$(TA_FORMAT_SRCS))
TA_FORMAT_SAN_OBJS := $(patsubst %.c,build/san/%.o,$(TA_FORMAT_SRCS))
CPPFLAGS_USER += -Iuserspace/format

# (lib.mk is included after this file: name the archive literally.)
build/test/format-proto-test: build/san/tests/unit/format-proto-test.o $(TA_FORMAT_SAN_OBJS) \
			      build/san/kernel/teearray-table.o \
			      build/lib/libteearray-san.a | build/test/teedisk-san
	$(call link_san,$(TA_LIB_LIBS))

TEST_BINS += build/test/format-proto-test
UNIT_TESTS += build/test/format-proto-test
