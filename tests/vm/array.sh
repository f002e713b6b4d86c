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

# Storage signing key, simulated attestation key, and the 64-byte root key;
# its epoch-0 key is in the user keyring as logon key teearray:vm.
setup_keys() {
	teedisk-client keygen "$T/signing.key" > "$T/signing.pub"
	teedisk-client keygen "$T/sim.key" > "$T/sim.pub"
	teedisk-client keygen "$T/other-sim.key" > /dev/null
	head -c 64 /dev/urandom > "$T/array.key"
	teearray epoch-key --root "$T/array.key" --uuid "$ARRAY" --epoch 0 |
		keyctl padd logon teearray:vm @u > /dev/null
}

# start_member SLOT [SIM-KEY]: a fresh teedisk for SLOT, waits until it listens.
# Its files are $T/member<MEMBER_TAG><SLOT>.*; MEMBER_TAG (default empty)
# keeps the members of several arrays (each with its ARRAY and PORT_BASE)
# apart.
start_member() {
	_sm=$T/member${MEMBER_TAG:-}$1
	rm -f "$_sm.port"
	teedisk --listen "127.0.0.1:$((PORT_BASE + $1))" --sectors "$SECTORS" \
		--array "$ARRAY" --slot "$1" --authorized-key "$(cat "$T/signing.pub")" \
		--attest sim --sim-key "${2:-$T/sim.key}" --port-file "$_sm.port" \
		>> "$_sm.log" 2>&1 &
	echo $! > "$_sm.pid"
	for _ in $(seq 200); do
		[ -s "$_sm.port" ] && return 0
		sleep 0.05
	done
	echo "member ${MEMBER_TAG:-}$1 did not start"
	return 1
}

kill_member() {
	_sm=$T/member${MEMBER_TAG:-}$1
	kill -9 "$(cat "$_sm.pid")" 2>/dev/null
	wait "$(cat "$_sm.pid")" 2>/dev/null
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

# format_array N P [teearray format options, e.g. --force]: prints nothing on
# success; sets LEN (512-byte sectors).
format_array() {
	_fa_n=$1 _fa_p=$2
	shift 2
	LEN=$(teearray format --config "$T/teearrayd.conf" --array "$ARRAY" \
		--data "$_fa_n" --parity "$_fa_p" --array-key "$T/array.key" "$@" 2> "$T/format.err") ||
		{ echo "format failed:"; cat "$T/format.err"; return 1; }
}

# create_array NAME N P [opt args...]: the table from the helpers' members.
# Slots listed in $ABSENT (space separated) are given as "-" (absent).
create_array() {
	name=$1 n=$2 p=$3
	shift 3
	members=""
	for s in $(seq 0 $((n + p - 1))); do
		case " ${ABSENT:-} " in
		*" $s "*) members="$members -" ;;
		*) members="$members $(member_uuid "$s")" ;;
		esac
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

# Member commands the array has issued since its activation (the "cmds"
# counter of the stats message, whose answer is
# "cmds <n> sectors_out <n> sectors_in <n> rounds <n> user_sectors_written <n>
# short_bytes_out <n>").
member_cmds() {
	dmsetup message "$1" 0 stats 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "cmds") { print $(i + 1); exit } }'
}

# quiesce NAME [POLLS]: wait until the member command count stays the same
# over POLLS polls 0.05 s apart (default 3).  An acknowledged write is applied
# home (and trimmed in erase mode) after its bios complete, so a test that
# counts commands or looks at member memory waits for this first.
quiesce() {
	_q_need=${2:-3}
	_q_same=0
	_q_last=$(member_cmds "$1")
	for _ in $(seq 600); do
		sleep 0.05
		_q_now=$(member_cmds "$1")
		if [ "$_q_now" = "$_q_last" ]; then
			_q_same=$((_q_same + 1))
			[ "$_q_same" -ge "$_q_need" ] && return 0
		else
			_q_same=0
			_q_last=$_q_now
		fi
	done
	echo "member commands did not stop: $(dmsetup status "$1")"
	return 1
}

# member_client SLOT ARGS...: teedisk-client on the teedisk of SLOT, signed
# with the array's signing key: how a test reads member memory or plays a
# malicious member.  A batch from the client takes over the member's session;
# the daemon reconnects on its next request.  Messages go to $T/client.log.
member_client() {
	_mc_slot=$1
	shift
	teedisk-client --connect "127.0.0.1:$((PORT_BASE + _mc_slot))" \
		--key "$T/signing.key" --array "$ARRAY" --slot "$_mc_slot" \
		--allow-simulated --sim-pubkey "$(cat "$T/sim.pub")" "$@" 2>> "$T/client.log"
}

# member_read SLOT SECTOR COUNT FILE: COUNT (at most 256) raw member sectors.
member_read() {
	member_client "$1" --out "$4" read "$2" "$3"
}

# member_write SLOT SECTOR FILE: FILE (a multiple of 4096 bytes) as raw sectors.
member_write() {
	member_client "$1" write "$2" "$3"
}

# member_dump SLOT FILE: every sector of the teedisk of SLOT ($SECTORS).
member_dump() {
	: > "$2"
	_md_at=0
	while [ "$_md_at" -lt "$SECTORS" ]; do
		_md_specs=""
		_md_end=$((_md_at + 1024))
		[ "$_md_end" -gt "$SECTORS" ] && _md_end=$SECTORS
		while [ "$_md_at" -lt "$_md_end" ]; do
			_md_n=$((_md_end - _md_at))
			[ "$_md_n" -gt 256 ] && _md_n=256
			_md_specs="$_md_specs read:$_md_at:$_md_n"
			_md_at=$((_md_at + _md_n))
		done
		# shellcheck disable=SC2086
		member_client "$1" --out "$T/dump.part" batch $_md_specs || return 1
		cat "$T/dump.part" >> "$2"
	done
}

# read_geometry [SLOT]: the layout from a member's superblock (read with the
# client, so no array should be active): JSTART JSECTORS (journal area),
# MSTART (first metadata stripe), DSTART (first data stripe), all in member
# sectors.
# shellcheck disable=SC2034
read_geometry() {
	member_read "${1:-0}" 0 1 "$T/sb" ||
		{ echo "cannot read the superblock of member ${1:-0}"; return 1; }
	JSTART=$(sb_u64 72)
	JSECTORS=$(sb_u64 80)
	MSTART=$(sb_u64 88)
	DSTART=$(sb_u64 120)
}

sb_u64() {
	od -An -tu8 -j "$1" -N 8 "$T/sb" | tr -d ' '
}

# health_with_dead M [SLOT...]: the health string of M members with SLOTs D.
health_with_dead() {
	_hd_m=$1
	shift
	awk -v m="$_hd_m" -v d=" $* " \
		'BEGIN { for (i = 0; i < m; i++) printf "%s", index(d, " " i " ") ? "D" : "A"; print "" }'
}

# is_zero FILE: FILE holds only zero bytes.
is_zero() {
	cmp -s -n "$(wc -c < "$1")" "$1" /dev/zero
}
