#!/usr/bin/env bash
# lab-health-arp-conflict-names-the-backend: Tula asks its segment who has each VIP
# every few seconds. With arp_ignore=0 on be1 (which has the VIP on lo), be1 answers
# for the VIP: Tula reports the conflict with be1's MAC and name (show services dsr
# health, and one log line), and none for be2. Once be1 is mended (arp_ignore=1) the
# conflict goes away after a few silent rounds.
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
    health-check { type tcp; }
} } }
EOC
hc_start "$HC_WORK/t.conf"
hc_wait_health 10 web be1 up || fail "be1 never came up"
sleep 4 # more than one ARP round (3 s) with both backends set up for DSR
check_match "no conflict while arp_ignore=1 everywhere" "$(tcli -c 'show services dsr health')" \
	$'\nARP conflicts: none\n?$'

lab backend be1 arp-ignore 0
be1_mac=$(lab_mac "$LAB_BE1_IP")
has_conflict() { tcli -c 'show services dsr health' | grep -qi "answered by $be1_mac"; }
wait_until 8 has_conflict || fail "no conflict reported within two ARP rounds: $(tcli -c 'show services dsr health')"
out=$(tcli -c 'show services dsr health')
check_match "the conflict names the VIP, be1's MAC and the backend" "${out,,}" \
	"vip web $LAB_VIP_L2 on port0: answered by $be1_mac \(backend be1 of vip web, $LAB_BE1_IP\)"
check_match "and says what to fix" "$out" "set arp_ignore=1 and arp_announce=2 on that host"
check_eq "be2 is not accused" "$(grep -ci "$(lab_mac "$LAB_BE2_IP")" <<<"$out" || true)" 0
log=$(cat "$HC_WORK/tula.log")
check_match "logged with the MAC and the backend" "${log,,}" \
	"health: arp conflict on port0: $be1_mac \(backend be1 of vip web, $LAB_BE1_IP\) answers for vip web $LAB_VIP_L2"
sleep 4
check_eq "logged once, not every round" "$(grep -ci "arp conflict on port0: $be1_mac" "$HC_WORK/tula.log")" 1
check_match "| display json carries it" "$(tcli -c 'show services dsr health | display json')" \
	'"backend": "be1"'

lab backend be1 arp-ignore 1
t0=${EPOCHREALTIME/./}
wait_until 20 eval '! has_conflict' || fail "the conflict never cleared: $(tcli -c 'show services dsr health')"
ok "the conflict cleared $(hc_elapsed_ms "$t0") ms after be1 stopped answering (3 silent rounds of 3 s)"
check_match "the end is logged" "$(cat "$HC_WORK/tula.log")" "ARP conflict over: .* no longer answers for VIP web"
