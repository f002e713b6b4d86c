# teedisk: the storage-enclave program (one process per member).
TEEDISK_SRCS := userspace/teedisk/disk.c userspace/teedisk/main.c

build/bin/teedisk: $(TEEDISK_SRCS:%.c=build/obj/%.o) $(TA_LIB)
	$(call link_rel,$(TA_LIB_LIBS))

# Sanitizer build, used by the protocol tests.
build/test/teedisk-san: $(TEEDISK_SRCS:%.c=build/san/%.o) $(TA_LIB_SAN)
	$(call link_san,$(TA_LIB_LIBS))

PROGS += build/bin/teedisk
VM_PROGS += build/bin/teedisk
TEST_BINS += build/test/teedisk-san
