# ta-sector-check: decrypts a sector read raw from a member with libsodium
# and checks it against the data written through the array (VM test 100).
# The sector code and key derivation are the kernel's, built for userspace.
# Names are literal: this fragment is read before userspace/ defines $(TA_LIB).
TA_SECTOR_CHECK_OBJS := build/obj/tests/cipher/ta-sector-check.o build/obj/kernel/teearray-sector.o \
			build/obj/kernel/teearray-format.o build/obj/kernel/teearray-kdf.o
build/bin/ta-sector-check: $(TA_SECTOR_CHECK_OBJS) build/lib/libteearray.a
	$(call link_rel,-lsecp256k1 -lsodium)

VM_PROGS += build/bin/ta-sector-check
TEST_BINS += build/bin/ta-sector-check
