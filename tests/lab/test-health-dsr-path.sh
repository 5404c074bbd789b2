#!/usr/bin/env bash
# lab-health-probes-prove-the-dsr-path: the probes go to VIP:port the way data goes, so
# a backend whose real address answers but that does not accept the VIP is marked down,
# with a reason naming the missing piece:
#   - L2 (checked on port 8080, another port than the VIP's 80): the VIP removed from
#     be1's lo -> "no answer from VIP ... via the DSR path ... lo", while be1's real
#     address still answers HTTP (from the client and from Tula's own namespace);
#   - L3: be4's user-space IP-in-IP decapsulator stopped -> "ICMP protocol unreachable
#     from 10.0.2.14: the backend has no IP-in-IP decapsulation";
#   - L3: the VIP removed from be3's tunnel interface -> "no answer ... via the IP-in-IP
#     path".
# Each comes back once mended. Other backends stay up and keep serving clients.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/health-lib.sh"
require_root
need_tula

hc_lab_up full
cat >"$HC_WORK/t.conf" <<EOC
interfaces { port0 { device "net_af_packet0,iface=$LAB_LB_IF"; address $LAB_LB_SELF_IP/24; } }
routing-options { static { route 0.0.0.0/0 next-hop $LAB_GW_A; } }
services { dsr {
  vip web-l2 {
    address $LAB_VIP_L2; protocol tcp; port 80; mode l2;
    backend be1 { address $LAB_BE1_IP; }
    backend be2 { address $LAB_BE2_IP; }
    health-check { type tcp; port 8080; interval 1; timeout 1; rise 2; fall 2; }
  }
  vip web-l3 {
    address $LAB_VIP_L3; protocol tcp; port 80; mode l3; tunnel-source $LAB_LB_SELF_IP;
    backend be3 { address $LAB_BE3_IP; }
    backend be4 { address $LAB_BE4_IP; }
    health-check { type http; http-path /healthz; interval 1; timeout 1; rise 2; fall 2; }
  }
} }
EOC
hc_start "$HC_WORK/t.conf"
for vb in web-l2:be1 web-l2:be2 web-l3:be3 web-l3:be4; do
	hc_wait_health 10 "${vb%%:*}" "${vb#*:}" up ||
		fail "${vb#*:} never came up: $(tcli -c 'show services dsr health')"
done
ok "all four backends pass through the DSR path (L2 MAC rewrite and IP-in-IP)"

# --- L2: no VIP on be1's lo
lab backend be1 vip del
hc_wait_health 8 web-l2 be1 down || fail "be1 without the VIP not marked down"
check_eq "reason names the missing VIP on lo" "$(hc_reason web-l2 be1)" \
	"no answer from VIP $LAB_VIP_L2:8080 via the DSR path within 1 s: is $LAB_VIP_L2/32 on the backend's lo?"
check_eq "yet be1's real address answers the client" \
	"$(lab_curl client "http://$LAB_BE1_IP/healthz")" ok
check_eq "and answers from Tula's own namespace (a plain probe would pass)" \
	"$(in_ns lb curl -sS --fail --max-time 5 "http://$LAB_BE1_IP/healthz")" ok
check_eq "be2 stays up" "$(hc_health web-l2 be2)" up
for i in 1 2 3 4 5 6 7 8; do
	check_eq "client connection $i lands on be2" "$(lab_curl client "http://$LAB_VIP_L2/")" be2 >/dev/null
done
ok "clients keep succeeding on be2"
out=$(tcli -c 'request services dsr check vip web-l2')
check_match "request check prints be1's failure and reason" "$out" \
	$'\n  be1 +10.0.1.11 +fail .*\n    no answer from VIP 10.0.1.100:8080 via the DSR path'
check_match "the check is shown on its own port" "$out" "Check: tcp on port 8080"
lab backend be1 vip add
hc_wait_health 8 web-l2 be1 up || fail "be1 not back up after the VIP returned"
ok "be1 up again once the VIP is back on lo"

# --- L3: no decapsulation on be4 (the backend kernel answers protocol 4 unreachable)
lab backend be4 decap stop
hc_wait_health 8 web-l3 be4 down || fail "be4 without decapsulation not marked down"
check_eq "reason names the missing IP-in-IP decapsulation" "$(hc_reason web-l3 be4)" \
	"ICMP protocol unreachable from $LAB_BE4_IP: the backend has no IP-in-IP decapsulation (ipip module or tunnel down)"
check_eq "yet be4's real address answers" "$(lab_curl client "http://$LAB_BE4_IP/healthz")" ok
check_match "the change is logged" "$(cat "$HC_WORK/tula.log")" \
	"health: VIP web-l3 backend be4 \(10.0.2.14\) is down after 2 failed probe\(s\): ICMP protocol unreachable"
for i in 1 2 3 4 5 6; do
	check_eq "client connection $i lands on be3" "$(lab_curl client "http://$LAB_VIP_L3/")" be3 >/dev/null
done
ok "clients keep succeeding on be3"
lab backend be4 decap start
hc_wait_health 8 web-l3 be4 up || fail "be4 not back up with its decapsulator"
ok "be4 up again with its decapsulator"

# --- L3: the tunnel decapsulates, but the VIP is not on it
lab backend be3 vip del
hc_wait_health 8 web-l3 be3 down || fail "be3 without the VIP not marked down"
check_eq "reason names the IP-in-IP path" "$(hc_reason web-l3 be3)" \
	"no answer from VIP $LAB_VIP_L3:80 via the IP-in-IP path within 1 s: is the backend's tunnel up, with $LAB_VIP_L3 on it (rp_filter 0 or 2)?"
lab backend be3 vip add
hc_wait_health 8 web-l3 be3 up || fail "be3 not back up with its VIP"
ok "be3 down without the VIP on its tunnel, up again with it"
