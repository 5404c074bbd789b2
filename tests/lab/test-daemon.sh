#!/usr/bin/env bash
# lab-daemon-lifecycle: the binary's skeleton as an operator meets it.
#   - `tula --help` describes the options, `tula --version` names the version;
#   - a missing database directory and a device that does not exist each stop start-up
#     with a one-line reason (exit 1);
#   - started on an af_packet port in the lab, tula forwards (curl through an L2 VIP)
#     and on SIGTERM, then on SIGINT, shuts down cleanly: exit 0, the port closed, the
#     CLI socket removed, the database closed (no WAL left, integrity_check ok).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root

TULA=${TULA:-$TULA_BUILD_DIR/firmware/tula}
EAL=(-l 0-1 --no-huge -m 512 --no-shconf --no-pci)
work=$(mktemp -d /tmp/tula-daemon-XXXXXX)
pid=
cleanup() {
	[[ -n $pid ]] && kill -9 "$pid" 2>/dev/null
	lab_down
	rm -rf "$work"
}
trap cleanup EXIT

out=$("$TULA" --help)
for opt in --db --socket --scripts --config --no-console "EAL options"; do
	check_match "--help describes $opt" "$out" "$opt"
done
check_match "--version names the version" "$("$TULA" --version)" '^tula [0-9]+\.[0-9]+\.[0-9]+'

# The last line on stderr is the reason, and it is one line.
reason() { tail -n 1 "$1"; }

rc=0
"$TULA" --no-console --db /nonexistent-dir/config.db -- "${EAL[@]}" 2>"$work/err1" || rc=$?
check_eq "a missing database directory exits 1" "$rc" 1
check_eq "and says what to fix in one line" "$(reason "$work/err1")" \
	"tula: cannot open database /nonexistent-dir/config.db: directory /nonexistent-dir does not exist (create it or give --db FILE)"

lab_up l2
cat >"$work/bad.conf" <<CONF
interfaces { port0 { device "net_af_packet0,iface=veth-nope"; address $LAB_LB_SELF_IP/24; } }
CONF
rc=0
ip netns exec "$LAB_NS_LB" "$TULA" --no-console --db "$work/bad.db" --socket "$work/bad.sock" \
	--config "$work/bad.conf" -- "${EAL[@]}" 2>"$work/err2" || rc=$?
check_eq "a device that does not exist exits 1" "$rc" 1
check_eq "and names the device and the reason in one line" "$(reason "$work/err2")" \
	"tula: configuration cannot be applied: interfaces port0 device: cannot open device net_af_packet0,iface=veth-nope: interface veth-nope does not exist"

cat >"$work/good.conf" <<CONF
interfaces { port0 { device "net_af_packet0,iface=$LAB_LB_IF"; address $LAB_LB_SELF_IP/24; } }
services { dsr { vip web {
    address $LAB_VIP_L2; protocol tcp; port 80; mode l2;
    backend be1 { address $LAB_BE1_IP; }
    backend be2 { address $LAB_BE2_IP; }
    health-check { type none; }
} } }
CONF

for sig in TERM INT; do
	db=$work/$sig.db sock=$work/$sig.sock log=$work/$sig.log
	ip netns exec "$LAB_NS_LB" "$TULA" --no-console --db "$db" --socket "$sock" \
		--config "$work/good.conf" -- "${EAL[@]}" </dev/null >"$log" 2>&1 &
	pid=$!
	wait_until 20 test -S "$sock" || fail "tula did not open its CLI socket: $(cat "$log")"
	wait_until 10 lab_curl client "http://$LAB_VIP_L2/" || fail "the VIP does not answer"
	check_match "it forwards before SIG$sig" "$(lab_curl client "http://$LAB_VIP_L2/")" '^be[12]$'
	kill -"$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	pid=
	check_eq "SIG$sig: exit 0" "$rc" 0
	check_match "SIG$sig: the port was closed" "$(cat "$log")" "port 0: net_af_packet0 closed"
	check "SIG$sig: the CLI socket is removed" test ! -e "$sock"
	check "SIG$sig: the database is closed (no WAL left)" test ! -e "$db-wal"
	check_eq "SIG$sig: the database is intact" \
		"$(sqlite3 "$db" 'PRAGMA integrity_check')" ok
	check_eq "SIG$sig: nothing of the port remains in the namespace" \
		"$(ip netns exec "$LAB_NS_LB" ip -o link show | grep -c tula-port0 || true)" 0
done
echo "lab-daemon-lifecycle: ok"
