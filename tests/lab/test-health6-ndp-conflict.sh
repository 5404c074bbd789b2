#!/usr/bin/env bash
# lab-health6-ndp-conflict-names-the-backend: Tula asks its segment for each v6 VIP with
# a Neighbor Solicitation every few seconds. be1 and be2 are set up as lab6_up does (the
# VIP on lo, NS for it dropped): no conflict. Then the VIP is also put on be1's eth0 and
# be1's NS guard removed — the mistake the generated set-up guards against: be1 answers
# Tula's NS (and probes for the address first), and `show services dsr health` lists an
# NDP conflict naming be1 (its MAC, its name and VIP, its address), logged once; be2 is
# not accused. Mended, the conflict clears after a few silent rounds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/health-lib.sh"
require_root
need_tula

hc_lab_up l2
lab6_up
cat >"$HC_WORK/t.conf" <<EOC
interfaces { port0 { device "net_af_packet0,iface=$LAB_LB_IF"; address $LAB_LB_SELF_IP/24;
    address $LAB6_LB_SELF_IP/64; } }
services { dsr { vip web6 {
    address $LAB6_VIP_L2; protocol tcp; port 80; mode l2;
    backend be1 { address $LAB6_BE1_IP; }
    backend be2 { address $LAB6_BE2_IP; }
} } }
EOC
hc_start "$HC_WORK/t.conf"
sleep 7 # two rounds of questions (3 s) with both backends set up for DSR
out=$(tcli -c 'show services dsr health')
check_match "no NDP conflict while the VIP is on lo only" "$out" $'\nARP conflicts: none\n?$'

be1_mac=$(lab_mac "$LAB_BE1_IP")
in_ns be1 nft delete table inet lab6
in_ns be1 ip -6 addr add "$LAB6_VIP_L2/128" dev eth0
has_conflict() { tcli -c 'show services dsr health' | grep -qi "claimed by $be1_mac"; }
# be1 answers from the VIP, and no NDP resolution names its MAC yet: Tula asks the v6
# backends for their own addresses, and be1's answer names it
named() { tcli -c 'show services dsr health' | grep -qi "claimed by $be1_mac (backend be1 "; }
wait_until 10 has_conflict || fail "no NDP conflict reported within three rounds: $(tcli -c 'show services dsr health')"
wait_until 5 named || fail "the conflict does not name be1: $(tcli -c 'show services dsr health')"
out=$(tcli -c 'show services dsr health')
echo "$out" | sed -n '/^NDP conflicts:/,$p'
check_match "the conflict names the VIP, be1's MAC, the backend and its address" "${out,,}" \
	"ndp conflicts:"$'\n'"  vip web6 $LAB6_VIP_L2 on port0: claimed by $be1_mac \(backend be1 of vip web6, $LAB6_BE1_IP\)"
check_match "and says what to fix" "$out" \
	"keep the VIP on lo only, with the NS guard of show services dsr backend-setup vip web6"
check_eq "be2 is not accused" "$(grep -ci "$(lab_mac "$LAB_BE2_IP")" <<<"$out" || true)" 0
check_match "| display json carries it" "$(tcli -c 'show services dsr health | display json')" \
	'"ndp-conflicts": \[[^]]*"backend": "be1"'
# logged at the round after it was seen, once the backends' answers could name it
wait_until 5 grep -qi "ndp conflict on port0" "$HC_WORK/tula.log" || fail "the conflict was not logged"
log=$(cat "$HC_WORK/tula.log")
check_match "logged with the MAC and the backend" "${log,,}" \
	"health: ndp conflict on port0: $be1_mac \(backend be1 of vip web6, $LAB6_BE1_IP\) answers neighbor solicitations for it, vip web6 $LAB6_VIP_L2"
sleep 4
check_eq "logged once, not every round" "$(grep -ci "ndp conflict on port0: $be1_mac" "$HC_WORK/tula.log")" 1

in_ns be1 ip -6 addr del "$LAB6_VIP_L2/128" dev eth0
t0=${EPOCHREALTIME/./}
wait_until 20 eval '! has_conflict' || fail "the conflict never cleared: $(tcli -c 'show services dsr health')"
ok "the conflict cleared $(hc_elapsed_ms "$t0") ms after be1 stopped claiming the VIP (3 silent rounds of 3 s)"
check_match "the end is logged" "$(cat "$HC_WORK/tula.log")" "NDP conflict over: .* no longer claims VIP web6"
