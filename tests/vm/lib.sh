# Helpers for VM tests: `. /tests/lib.sh` at the top of a test.

# A deterministic 64-byte array key as a logon key "teearray:<name>".
add_array_key() {
	head -c 64 /dev/zero | tr '\0' 'k' | keyctl padd logon "teearray:$1" @u >/dev/null
}

# Kernel log lines from the teearray target, without timestamps and with the
# kernel-version-specific parts of device-mapper's table error normalised:
#   "device-mapper: table: 254:0: teearray: <error> (-EINVAL)" -> "table: <error>"
teearray_log() {
	dmesg | sed -n 's/^\[[ 0-9.]*\] //; /taint/d; / ec: /d; / chacha20: self-test passed/d; /teearray/p' |
		sed -e 's/^device-mapper: table: [^ ]*: teearray: \(.*\) (-[A-Z0-9]*)$/table: \1/' \
		    -e 's/^device-mapper: table: [^ ]*: teearray: \(.*\) (-[0-9]*)$/table: \1/' \
		    -e 's/^device-mapper: teearray: /teearray: /' \
		    -e 's/[0-9][0-9]*:[0-9][0-9]*: /DEV: /'
}

# dmsetup's own messages, without the device number that varies by kernel.
dm() {
	dmsetup "$@" 2>&1 | sed 's/ ([0-9]*:[0-9]*)//'
}
