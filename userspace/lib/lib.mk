# libteearray: wire format, command signatures, attestation providers and
# the member client API, shared by teedisk, teedisk-client, teearrayd and
# the CLI.  Release and sanitizer builds of the same sources.
TA_LIB_SRCS := userspace/lib/wire.c userspace/lib/crypto.c userspace/lib/attest.c \
	       userspace/lib/client.c
TA_LIB := build/lib/libteearray.a
TA_LIB_SAN := build/lib/libteearray-san.a
TA_LIB_LIBS := -lsecp256k1 -lsodium

$(TA_LIB): $(TA_LIB_SRCS:%.c=build/obj/%.o)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^

$(TA_LIB_SAN): $(TA_LIB_SRCS:%.c=build/san/%.o)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^
