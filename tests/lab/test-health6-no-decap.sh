#!/usr/bin/env bash
# lab-health6-l3-backend-without-decapsulation-fails-with-the-reason: TCP health checks
# of an L3 IPv6 VIP travel inside IPv6-in-IPv6 (next header 41) to each backend, as data
# does. be3 and be4 decapsulate as lab6_up sets them up (ipip_decap -6, the user-space
# stand-in for an ip6_tunnel device): both come up. Then be4's decapsulator stops: its
# kernel has no handler for next header 41 and answers each probe with an ICMPv6
# parameter problem "unrecognized next header" pointing at the outer header's
# next-header byte. be4 goes down at once with the reason that says so (no timeout
# needed); be3 stays up. The decapsulator back, be4 comes back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/health-lib.sh"
require_root
need_tula

hc_lab_up full
lab6_up
cat >"$HC_WORK/t.conf" <<EOC
interfaces { port0 { device "net_af_packet0,iface=$LAB_LB_IF"; address $LAB_LB_SELF_IP/24;
    address $LAB6_LB_SELF_IP/64; } }
routing-options { static { route ::/0 next-hop $LAB6_RT_A_IP; } }
services { dsr { vip web6-l3 {
    address $LAB6_VIP_L3; protocol tcp; port 80; mode l3;
    tunnel-source $LAB6_LB_SELF_IP;
    backend be3 { address $LAB6_BE3_IP; }
    backend be4 { address $LAB6_BE4_IP; }
    health-check { type tcp; interval 2; timeout 2; rise 2; fall 1; }
} } }
EOC
hc_start "$HC_WORK/t.conf"
hc_wait_health 15 web6-l3 be3 up || fail "be3 never came up: $(tcli -c 'show services dsr health')"
hc_wait_health 15 web6-l3 be4 up || fail "be4 never came up: $(tcli -c 'show services dsr health')"
ok "both L3 v6 backends pass their probes through IPv6-in-IPv6"

lab6_decap be4 stop
t0=${EPOCHREALTIME/./}
hc_wait_health 10 web6-l3 be4 down || fail "be4 not marked down: $(tcli -c 'show services dsr health')"
check_eq "the reason says the backend cannot decapsulate" "$(hc_reason web6-l3 be4)" \
	"ICMPv6 parameter problem (unrecognized next header 41) from $LAB6_BE4_IP: the backend has no IPv6-in-IPv6 decapsulation (ip6_tunnel module or its ip6ip6 tunnel down)"
check_match "named in JSON as no-ipip-decapsulation" \
	"$(tcli -c 'show services dsr health vip web6-l3 | display json')" '"failure": "no-ipip-decapsulation"'
check_eq "be3 stays up" "$(hc_health web6-l3 be3)" up
ok "be4 down $(hc_elapsed_ms "$t0") ms after its decapsulator stopped"

lab6_decap be4 start
hc_wait_health 10 web6-l3 be4 up || fail "be4 not back up with its decapsulator"
ok "be4 up again once it decapsulates"
