#!/usr/bin/env bash
# lab-cli-ping-and-traceroute-leave-from-tula: the operator's `ping` and `traceroute`
# run from Tula's own address through its TAP and the data path (l2 lab):
#
#   - `ping BACKEND count 3` answers 3 of 3, and be1's wire sees the 3 echo requests
#     from Tula's self address;
#   - `ping VIP count 3 source SELF` answers 3 of 3 (the workers answer echo to a VIP);
#   - `size` + `do-not-fragment`: 1472 bytes fit the 1500 MTU, 1473 are refused
#     locally with the MTU named;
#   - `traceroute BACKEND` names the backend as hop 1;
#   - `show interfaces port0 extensive | display json` carries the driver's xstats,
#     and `show interfaces terse` lists port0 with its self address.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

W=$TULA_WORK
lab_up l2
{
	tula_conf_base
	tula_conf_vip web "$LAB_VIP_L2" 80 l2 be1 be2
} >"$W/t.conf"
tula_start "$W/t.conf"
tula_wait_vip "http://$LAB_VIP_L2/"

cap=
lab_capture cap be1 eth0 "$W/be1.pcap" "icmp and src host $LAB_LB_SELF_IP"
out=$(tcli -c "ping $LAB_BE1_IP count 3")
echo "$out"
check_match "ping a backend: 3 of 3 answered" "$out" "3 packets transmitted, 3 received"
lab_capture_stop "$cap" "$W/be1.pcap"
check_eq "be1's wire saw the 3 echo requests from Tula's self address" \
	"$(pcap_count "$W/be1.pcap" "icmp[icmptype] == icmp-echo")" 3

out=$(tcli -c "ping $LAB_VIP_L2 count 3 source $LAB_LB_SELF_IP")
echo "$out"
check_match "ping a VIP: 3 of 3 answered" "$out" "3 packets transmitted, 3 received"

out=$(tcli -c "ping $LAB_BE1_IP count 1 size 1472 do-not-fragment")
check_match "1472 bytes with DF fit a 1500 MTU" "$out" "1 packets transmitted, 1 received"
out=$(tcli -c "ping $LAB_BE1_IP count 1 size 1473 do-not-fragment" 2>&1 || true)
check_match "1473 bytes with DF are refused with the MTU named" "$out" "mtu"

out=$(tcli -c "traceroute $LAB_BE1_IP ttl 3 wait 1")
echo "$out"
grep -qE "^ *1  $LAB_BE1_IP " <<<"$out" && ok "traceroute: the backend is hop 1" ||
	fail "traceroute: hop 1 is not $LAB_BE1_IP"

out=$(tcli -c 'show interfaces terse')
echo "$out"
grep -qE "^port0 +up +up +inet +$LAB_LB_SELF_IP/24" <<<"$out" && ok "terse: port0 up with its self address" ||
	fail "terse: no port0 line with $LAB_LB_SELF_IP/24"
n=$(tula_stat 'show interfaces port0 extensive' "len(j[0]['xstats'])")
[[ $n -gt 0 ]] && ok "extensive carries $n driver statistics" || fail "no xstats in extensive"

tula_check_alive
