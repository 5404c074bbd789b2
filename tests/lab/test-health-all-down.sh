#!/usr/bin/env bash
# lab-health-all-backends-down-drops-and-counts: with every backend of a VIP failing
# its check, the VIP is shown down (show services dsr, show services dsr health), its
# packets are dropped and counted as no-usable-backend, and nothing reaches a down
# backend: a client's connection times out (a backend would have answered with a
# reset, its HTTP server being stopped) and the backends' packet counters stand
# still, and a capture on each backend sees no packet from the client. When one
# backend returns, the VIP is up and serves again (the same capture sees it). A VIP
# without a health-check is never taken down, and `request services dsr check` says
# it has nothing to check.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/health-lib.sh"
require_root
need_tula

hc_lab_up l2
cat >"$HC_WORK/t.conf" <<EOC
interfaces { port0 { device "net_af_packet0,iface=$LAB_LB_IF"; address $LAB_LB_SELF_IP/24; } }
services { dsr { vip web {
    address $LAB_VIP_L2; protocol tcp; port 80; mode l2;
    backend be1 { address $LAB_BE1_IP; }
    backend be2 { address $LAB_BE2_IP; }
    health-check { type tcp; interval 1; timeout 1; rise 2; fall 2; }
}
vip plain {
    address $LAB_VIP_L2; protocol tcp; port 8080; mode l2;
    backend be1 { address $LAB_BE1_IP; }
} } }
EOC
hc_start "$HC_WORK/t.conf"
hc_wait_health 10 web be1 up || fail "be1 never came up"
hc_wait_health 10 web be2 up || fail "be2 never came up"
check_eq "the VIP serves" "$(lab_curl client "http://$LAB_VIP_L2/" | grep -c '^be[12]$')" 1
check_eq "VIP state up" "$(hc_vip_state web)" up

lab backend be1 http stop
lab backend be2 http stop
hc_wait_health 8 web be1 down || fail "be1 not marked down"
hc_wait_health 8 web be2 down || fail "be2 not marked down"
check_eq "show services dsr: VIP down" "$(hc_vip_state web)" down
check_match "show services dsr health: VIP down" "$(tcli -c 'show services dsr health vip web')" \
	"^VIP web: $LAB_VIP_L2 tcp/80, mode l2, state down"

# capture_start NODE: count the client's packets to the VIP arriving at NODE.
declare -A cap
capture_start() {
	local log=$HC_WORK/cap-$1.log
	# not through in_ns: $! must be tcpdump itself (ip netns exec execs it)
	ip netns exec "$(lab_ns "$1")" tcpdump --immediate-mode -ni eth0 -w /dev/null "src host $LAB_CLIENT_IP and dst host $LAB_VIP_L2" \
		2>"$log" &
	cap[$1]=$!
	wait_until 5 grep -q "listening on" "$log" || fail "tcpdump on $1 did not start"
}
# capture_count NODE: stop the capture, print how many packets it saw (runs in a
# command substitution: it cannot wait for tcpdump, so it waits for its summary).
capture_count() {
	sleep 0.3 # what is on the wire reaches tcpdump (immediate mode, no buffering)
	kill -TERM "${cap[$1]}"
	wait_until 5 grep -q "packets captured" "$HC_WORK/cap-$1.log" || fail "tcpdump on $1 did not stop"
	sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$HC_WORK/cap-$1.log"
}

capture_start be1
capture_start be2
drops0=$(hc_drops no-usable-backend)
be1_0=$(hc_packets be1)
be2_0=$(hc_packets be2)
for i in 1 2 3; do
	t0=${EPOCHREALTIME/./}
	if err=$(in_ns client curl -sS --connect-timeout 2 --max-time 3 "http://$LAB_VIP_L2/" 2>&1); then
		fail "connection $i to a VIP without a usable backend succeeded: $err"
	fi
	# curl exit 28 = timeout; 7 = refused (a reset: a backend answered)
	check_match "connection $i times out (no backend saw it)" "$err" "(timed out|Timeout)"
	(($(hc_elapsed_ms "$t0") >= 1900)) || fail "connection $i failed too fast for a timeout"
done
drops1=$(hc_drops no-usable-backend)
((drops1 - drops0 >= 3)) ||
	fail "no-usable-backend drops went from $drops0 to $drops1 for 3 connections (with SYN retries)"
ok "no-usable-backend drops counted: $drops0 -> $drops1"
check_eq "be1 got no packet while down" "$(hc_packets be1)" "$be1_0"
check_eq "be2 got no packet while down" "$(hc_packets be2)" "$be2_0"
check_eq "be1's wire saw no client packet" "$(capture_count be1)" 0
check_eq "be2's wire saw no client packet" "$(capture_count be2)" 0

lab backend be2 http start
hc_wait_health 8 web be2 up || fail "be2 not back up"
check_eq "VIP up again with one backend" "$(hc_vip_state web)" up
capture_start be2
check_eq "clients served by be2" "$(lab_curl client "http://$LAB_VIP_L2/")" be2
n=$(capture_count be2)
((n > 0)) || fail "the capture on be2 saw none of the client's packets once be2 was up"
ok "the capture sees the client's packets on be2 once it is up ($n)"
check_eq "be1 still down" "$(hc_health web be1)" down

# --- a VIP without a health-check: its backend is "disabled" (never probed, always
# usable), even with be1's HTTP server stopped; request check refuses with the fix
out=$(tcli -c 'show services dsr health vip plain')
check_match "no check shown for VIP plain" "$out" "Check: none \(backends are not probed\)"
check_match "its backend is not checked" "$out" $'\n  be1 +10.0.1.11 +disabled '
check_eq "VIP plain is up" "$(hc_vip_state plain)" up
if out=$(tcli -c 'request services dsr check vip plain' 2>&1); then
	fail "request check on a VIP without checks succeeded: $out"
fi
check_match "request check says there is nothing to check, and how to add it" "$out" \
	"error: VIP plain has no health check: set services dsr vip plain health-check type tcp"
if out=$(tcli -c 'request services dsr check vip nosuch' 2>&1); then
	fail "request check on an unknown VIP succeeded"
fi
check_match "an unknown VIP is named in the error" "$out" "error: no VIP named nosuch"
