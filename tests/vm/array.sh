# Helpers for VM tests that build real arrays: `. /tests/array.sh` after
# lib.sh.  Storage enclaves (teedisk) run as processes on loopback, one port
# per slot, so a member restarted on its port is a fresh, empty instance.
ARRAY=5a6b7c8d-1111-4222-8333-444455556666
T=/tmp/tt
PORT_BASE=7100
SECTORS=${SECTORS:-2048}
mkdir -p "$T"

member_uuid() {
	printf '00000000-0000-4000-8000-%012d' $(($1 + 1))
}

# Storage signing key, simulated attestation key, and the 64-byte array key
# in the user keyring as logon key teearray:vm.
setup_keys() {
	teedisk-client keygen "$T/signing.key" > "$T/signing.pub"
	teedisk-client keygen "$T/sim.key" > "$T/sim.pub"
	teedisk-client keygen "$T/other-sim.key" > /dev/null
	head -c 64 /dev/urandom > "$T/array.key"
	keyctl padd logon teearray:vm @u < "$T/array.key" > /dev/null
}

# start_member SLOT [SIM-KEY]: a fresh teedisk for SLOT, waits until it listens.
start_member() {
	rm -f "$T/member$1.port"
	teedisk --listen "127.0.0.1:$((PORT_BASE + $1))" --sectors "$SECTORS" \
		--array "$ARRAY" --slot "$1" --authorized-key "$(cat "$T/signing.pub")" \
		--attest sim --sim-key "${2:-$T/sim.key}" --port-file "$T/member$1.port" \
		>> "$T/member$1.log" 2>&1 &
	echo $! > "$T/member$1.pid"
	for _ in $(seq 200); do
		[ -s "$T/member$1.port" ] && return 0
		sleep 0.05
	done
	echo "member $1 did not start"
	return 1
}

kill_member() {
	kill -9 "$(cat "$T/member$1.pid")" 2>/dev/null
	wait "$(cat "$T/member$1.pid")" 2>/dev/null
}

# write_config N P
write_config() {
	{
		echo "signing-key file:$T/signing.key"
		echo "policy allow-simulated yes"
		echo "policy sim-pubkey $(cat "$T/sim.pub")"
		echo "member-timeout 3s"
		for s in $(seq 0 $(($1 + $2 - 1))); do
			echo "member $(member_uuid "$s") $ARRAY $s 127.0.0.1:$((PORT_BASE + s))"
		done
	} > "$T/teearrayd.conf"
}

start_daemon() {
	teearrayd --config "$T/teearrayd.conf" --foreground >> "$T/daemon.log" 2>&1 &
	echo $! > "$T/daemon.pid"
	# Registered once the kernel says so (the module is loaded by then).
	for _ in $(seq 200); do
		dmesg | grep -q 'transport daemon registered\|transport daemon replaced' && return 0
		sleep 0.05
	done
	echo "daemon did not register"
	return 1
}

kill_daemon() {
	kill -9 "$(cat "$T/daemon.pid")" 2>/dev/null
	wait "$(cat "$T/daemon.pid")" 2>/dev/null
}

# format_array N P: prints nothing on success; sets LEN (512-byte sectors).
format_array() {
	LEN=$(teearray format --config "$T/teearrayd.conf" --array "$ARRAY" \
		--data "$1" --parity "$2" --array-key "$T/array.key" 2> "$T/format.err") ||
		{ echo "format failed:"; cat "$T/format.err"; return 1; }
}

# create_array NAME N P [opt args...]: the table from the helpers' members.
create_array() {
	name=$1 n=$2 p=$3
	shift 3
	members=""
	for s in $(seq 0 $((n + p - 1))); do
		members="$members $(member_uuid "$s")"
	done
	table="0 $LEN teearray $ARRAY :64:logon:teearray:vm $n $p$members"
	[ $# -gt 0 ] && table="$table $# $*"
	dm create "$name" --table "$table"
}

# The health field of the status line.
health() {
	dmsetup status "$1" | awk '{ print $5 }'
}

# Field N (1-based, after "start len teearray") of the status line.
status_field() {
	dmsetup status "$1" | awk -v f="$2" '{ print $(f + 3) }'
}

# wait_rebuilt NAME: until no member is 'a' (at most 10 minutes).
wait_rebuilt() {
	for _ in $(seq 1200); do
		case $(health "$1") in
		*a*) sleep 0.5 ;;
		*) return 0 ;;
		esac
	done
	echo "rebuild did not finish: $(dmsetup status "$1")"
	return 1
}

# A recognisable 4 KiB block for index I.
pattern() {
	yes "block $1 of the teearray test" | head -c 4096
}
