#!/usr/bin/env bash
# lab-lua-op-drain-new-connections-avoid-the-backend: with real traffic through Tula,
# `op drain vip web backend be1` (the shipped drain.lua) commits weight 0 for be1;
# afterwards new connections to the VIP all land on be2, while downloads that were
# already running on be1 finish whole.
#
# NEEDS THE FULL DAEMON: build/firmware/tula with its data path and with `op` and
# `tula lua` wired in main (lx_init, lx_client_main). Until then it exits 77 (SKIP)
# saying so. Needs root (network namespaces); suite 'lab'.
set -euo pipefail
. "$(dirname "$0")/../lab/tula.sh"
require_root

[[ -x $TULA ]] || { echo "SKIP: no daemon binary at $TULA"; exit 77; }
if ! "$TULA" lua --help 2>/dev/null | grep -q 'Usage: tula lua'; then
	echo "SKIP: $TULA has no 'tula lua' (lx_client_main / lx_init not wired in main yet)"
	exit 77
fi

SRC_ROOT=$(cd "$(dirname "$0")/../.." && pwd -P)
work=$TULA_WORK
lab_up l2

mkdir -p "$work/scripts"
cp "$SRC_ROOT/packaging/samples/scripts/drain.lua" "$work/scripts/"
cat >"$work/web.conf" <<EOF
system {
    host-name lab-lua;
    scripts {
        op { file drain.lua; }
    }
}
interfaces {
    port0 {
        device "net_af_packet0,iface=$LAB_LB_IF";
        address $LAB_LB_SELF_IP/24;
    }
}
services {
    dsr {
        vip web {
            address $LAB_VIP_L2;
            protocol tcp;
            port 80;
            mode l2;
            backend be1 { address $LAB_BE1_IP; }
            backend be2 { address $LAB_BE2_IP; }
        }
    }
}
EOF

# The daemon seeds its new database from web.conf; it is stopped before the lab goes.
tula_start "$work/web.conf"
wait_until 20 lab_curl client "http://$LAB_VIP_L2/" || fail "the VIP never answered"
ok "Tula serves the VIP"

# new_connections N: N fresh connections to the VIP; prints "be1=X be2=Y".
new_connections() {
	local i b1=0 b2=0 who
	for ((i = 0; i < $1; i++)); do
		who=$(lab_curl client "http://$LAB_VIP_L2/") || fail "connection $i failed"
		case $who in
		be1) b1=$((b1 + 1)) ;;
		be2) b2=$((b2 + 1)) ;;
		*) fail "unexpected answer '$who'" ;;
		esac
	done
	echo "be1=$b1 be2=$b2"
}

before=$(new_connections 40)
[[ $before =~ be1=([0-9]+)\ be2=([0-9]+) ]] || fail "counts: $before"
((BASH_REMATCH[1] > 0 && BASH_REMATCH[2] > 0)) || fail "before the drain both backends must get connections: $before"
ok "before the drain: $before"

# Long downloads started before the drain; some land on be1 and must finish whole.
for i in $(seq 1 10); do
	in_ns client curl -sS --fail --max-time 120 --limit-rate 2M -o /dev/null \
		-w '%{size_download}\n' "http://$LAB_VIP_L2/big" >"$work/dl$i" 2>&1 &
	echo $! >"$work/dl$i.pid"
done
sleep 1
on_be1=$(in_ns be1 ss -Htn state established "( sport = :80 )" | grep -c "$LAB_CLIENT_IP" || true)
((on_be1 > 0)) || fail "none of 10 long downloads landed on be1 (hash spread?)"
ok "$on_be1 long download(s) running on be1 before the drain"

out=$(tcli -c 'op drain vip web backend be1') || fail "op drain failed: $out"
check_match "op drain reports the commit" "$out" "backend be1 of VIP web: weight 100 -> 0 \(committed"
check_match "the committed configuration has weight 0" \
	"$(tcli -c 'show configuration services dsr vip web backend be1')" "weight 0;"

after=$(new_connections 40)
check_eq "after the drain every new connection avoids be1" "$after" "be1=0 be2=40"

for i in $(seq 1 10); do
	wait "$(cat "$work/dl$i.pid")" || fail "download $i failed: $(cat "$work/dl$i")"
	check_eq "download $i finished whole" "$(cat "$work/dl$i")" "$LAB_BIG_SIZE"
done
ok "established flows (including $on_be1 on be1) finished after the drain"
