# teedisk-client: command-line client of one storage enclave.
build/bin/teedisk-client: build/obj/userspace/teedisk-client/main.o $(TA_LIB)
	$(call link_rel,$(TA_LIB_LIBS))

build/test/teedisk-client-san: build/san/userspace/teedisk-client/main.o $(TA_LIB_SAN)
	$(call link_san,$(TA_LIB_LIBS))

PROGS += build/bin/teedisk-client
VM_PROGS += build/bin/teedisk-client
TEST_BINS += build/test/teedisk-client-san
