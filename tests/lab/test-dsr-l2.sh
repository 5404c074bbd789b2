#!/usr/bin/env bash
# lab-dsr-l2-spreads-requests-and-responses-bypass-tula: L2 DSR (MAC rewrite) with the
# real daemon, real nginx backends and curl on the l2 lab.
#
#   - a VIP on port 80 with be1 and be2: 200 requests (200 TCP connections) from the
#     client all succeed and both backends answer;
#   - Tula rewrites only the MACs: on its cable the frames it sends towards the VIP carry
#     Tula's MAC as source and a backend's MAC as destination;
#   - the responses do not cross Tula: a capture on its cable holds no packet from the VIP,
#     and Tula's port TX byte counter grows by a small fraction of the response bytes
#     (three 20 MB downloads among them);
#   - port 8080 is not the VIP's (dropped, counted as vip-port-protocol-miss) until the
#     VIP becomes `port *`: then ports 80 and 8080 are served by both backends, and a
#     port nobody listens on reaches a backend, which refuses it.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

VIP=$LAB_VIP_L2
W=$TULA_WORK
lab_up l2
{
	tula_conf_base
	tula_conf_vip web "$VIP" 80 l2 be1 be2
} >"$W/l2.conf"
tula_start "$W/l2.conf"
tula_wait_vip "http://$VIP/"

# port0's counters: PORT_<NAME> from `show interfaces`.
port_counters() {
	local js
	js=$(tula_json 'show interfaces port0')
	eval "$(jpy '" ".join("PORT_%s=%d" % (k.replace("-", "_").upper(), j[0][k]) for k in ("rx-packets", "rx-bytes", "tx-packets", "tx-bytes"))' <<<"$js")"
}

# Everything to or from the VIP on Tula's cable, captured at the switch's end of it
# (lb): there Tula's transmissions are visible too (its af_packet port bypasses the
# taps of lb0's own stack).
cap=
lab_capture cap sw lb "$W/lb0.pcap" "ip and host $VIP"
port_counters
tx0=$PORT_TX_BYTES txp0=$PORT_TX_PACKETS rxp0=$PORT_RX_PACKETS

# ---- 200 requests, one TCP connection each (the server closes after each answer)
in_ns client curl -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
	-w '%{http_code} %{size_download} %{size_header}\n' "http://$VIP/info?[1-200]" \
	>"$W/200.out" 2>"$W/200.err" || true
read -r codes200 be1 be2 others resp_bytes < <(awk '
	/^node=be1 / { b1++ } /^node=be2 / { b2++ } /^node=/ && !/^node=be[12] / { o++ }
	/^[0-9][0-9][0-9] / { if ($1 == 200) ok++; bytes += $2 + $3 }
	END { print ok + 0, b1 + 0, b2 + 0, o + 0, bytes + 0 }' "$W/200.out")
check_eq "200 requests to the VIP all answered 200 (curl: $(head -c 300 "$W/200.err"))" "$codes200" 200
check_eq "no answer from anything but be1/be2" "$others" 0
check_eq "every answer names its backend" "$((be1 + be2))" 200
((be1 >= 50 && be2 >= 50)) || fail "both backends must answer about half: be1=$be1 be2=$be2"
ok "both backends answered: be1=$be1 be2=$be2"
check "every connection was a new one (200 distinct client ports)" \
	test "$(grep -o 'client=[0-9.]*:[0-9]*' "$W/200.out" | sort -u | wc -l)" = 200

# ---- three 20 MB downloads through the VIP
big_sum=$(sha256sum "$LAB_RUN_DIR/big.bin" | cut -d' ' -f1)
for i in 1 2 3; do
	in_ns client curl -sS --fail --connect-timeout 3 --max-time 60 -o "$W/big$i" \
		-w '%{size_download} %{size_header}\n' "http://$VIP/big" >"$W/big$i.out" ||
		fail "download $i through the VIP failed"
	read -r size hdr <"$W/big$i.out"
	check_eq "download $i is 20 MB" "$size" "$LAB_BIG_SIZE"
	check_eq "download $i is the backend's file" "$(sha256sum "$W/big$i" | cut -d' ' -f1)" "$big_sum"
	rm -f "$W/big$i"
	resp_bytes=$((resp_bytes + size + hdr))
done

# ---- what crossed Tula
port_counters
tx=$((PORT_TX_BYTES - tx0)) txp=$((PORT_TX_PACKETS - txp0))
sleep 0.2
lab_capture_stop "$cap" "$W/lb0.pcap"
from_vip=$(pcap_count "$W/lb0.pcap" "src host $VIP")
to_vip=$(pcap_count "$W/lb0.pcap" "dst host $VIP")
echo "figures: responses $resp_bytes bytes; Tula's port sent $tx bytes in $txp packets" \
	"($(awk -v a="$tx" -v b="$resp_bytes" 'BEGIN { printf "%.2f", 100 * a / b }') %);" \
	"capture on Tula's cable: $to_vip frames to the VIP (both directions), $from_vip from it"
((to_vip > 0)) || fail "the capture on Tula's cable saw no request: it proves nothing"
check_eq "no response packet (source = VIP) crossed Tula's cable" "$from_vip" 0
((tx * 20 < resp_bytes)) ||
	fail "Tula's port sent $tx bytes for $resp_bytes response bytes (not under 5 %)"
ok "Tula's TX bytes are under 5 % of the response bytes"

# The rewrite: what Tula sent towards the VIP has Tula's source MAC and a backend's
# destination MAC (tcpdump -e: "SRC > DST, ethertype IPv4 ..."), and it is all of what
# Tula received for the VIP.
be1_mac=$(lab_mac "$LAB_BE1_IP")
be2_mac=$(lab_mac "$LAB_BE2_IP")
macs=$(tcpdump -nn -e -r "$W/lb0.pcap" "ether src $LAB_LB_MAC and dst host $VIP" 2>/dev/null |
	awk '{ print $4 }' | tr -d ',' | sort | uniq -c)
echo "frames Tula sent to the VIP, by destination MAC:"$'\n'"$macs"
[[ -n $macs ]] || fail "no frame from Tula's MAC to the VIP on Tula's cable"
check "Tula sent every VIP frame to be1's or be2's MAC" \
	test -z "$(awk '{ print $2 }' <<<"$macs" | grep -v -e "^$be1_mac\$" -e "^$be2_mac\$")"
check_match "be1's MAC was written" "$macs" "$be1_mac"
check_match "be2's MAC was written" "$macs" "$be2_mac"
wire_in=$(pcap_count "$W/lb0.pcap" "ether dst $LAB_LB_MAC and dst host $VIP")
wire_out=$(pcap_count "$W/lb0.pcap" "ether src $LAB_LB_MAC and dst host $VIP")
check_eq "Tula passed on every frame it received for the VIP (its port counted rx $((PORT_RX_PACKETS - rxp0)), tx $txp)" \
	"$wire_out" "$wire_in"

# ---- port 8080 before and after `port *`
miss0=$(tula_drop vip-port-protocol-miss)
rc=0
in_ns client curl -sS --connect-timeout 2 "http://$VIP:8080/" >/dev/null 2>&1 || rc=$?
check_eq "port 8080 is not served by a port-80 VIP (curl times out)" "$rc" 28
miss=$(tula_drop vip-port-protocol-miss)
((miss > miss0)) || fail "the SYNs to port 8080 were not counted as vip-port-protocol-miss ($miss0 -> $miss)"
ok "Tula dropped them as vip-port-protocol-miss ($((miss - miss0)))"

tula_commit 'set services dsr vip web port *' 'set services dsr vip web health-check port 80'
check_eq "the VIP shows port *" "$(tula_stat 'show services dsr vip web' 'j[0]["port"]')" '*'
tula_wait_vip "http://$VIP:8080/"
for port in 80 8080; do
	in_ns client curl -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
		-w '%{http_code}\n' "http://$VIP:$port/info?[1-40]" >"$W/p$port.out" 2>&1 || true
	check_eq "40 requests to port $port all answered" "$(grep -c '^200$' "$W/p$port.out")" 40
	check_eq "every answer on port $port came from the backends' port $port" \
		"$(grep -c "^node=be[12] server=$VIP:$port " "$W/p$port.out")" 40
	for b in be1 be2; do
		check "$b served port $port" grep -q "^node=$b server=$VIP:$port " "$W/p$port.out"
	done
done
rc=0
err=$(in_ns client curl -sS --connect-timeout 3 "http://$VIP:8081/" 2>&1) || rc=$?
check_eq "port 8081 reaches a backend, which refuses it (curl: $err)" "$rc" 7
check_eq "the port-* VIP counted the 81 connections (and the wait's)" \
	"$(tula_stat 'show services dsr statistics vip web' 'j["vips"][0]["counters"]["new-flows"] >= 81')" True

tula_check_alive
