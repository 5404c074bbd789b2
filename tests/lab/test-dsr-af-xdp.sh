#!/usr/bin/env bash
# lab-dsr-af-xdp-serves-l2-and-l3: Tula's port is `net_af_xdp0,iface=lb0` (an XDP
# program on the veth redirects every frame to an AF_XDP socket; what Tula sends goes
# back through that socket), on the full lab (be1/be2 on Tula's segment, be3/be4
# behind the router). The same assertions as the af_packet L2 and L3 tests:
#
#   - the port is AF_XDP: the device Tula shows, an XDP program on lb0, and no
#     af_packet socket in Tula's namespace;
#   L2 (MAC rewrite, be1 be2):
#   - 200 requests (200 connections) all answered, by both backends;
#   - on Tula's cable every frame Tula sent to the VIP carries Tula's MAC as source and
#     be1's or be2's as destination, one for each frame it received for the VIP; no
#     response (source = VIP) crosses it;
#   - three 20 MB downloads arrive whole, and Tula's port sends under 5 % of their bytes;
#   - port 8080 is dropped (vip-port-protocol-miss) until the VIP becomes `port *`;
#   L3 (IP-in-IP, be3 be4):
#   - 40 requests all answered, by both backends; on be3's wire the requests arrive
#     only inside Tula's tunnel (self address -> be3) and the answers leave from the VIP
#     towards the router;
#   - a 20 MB download arrives whole, Tula's port sends under 5 % of it;
#   - a 4 MB upload past the path MTU: Tula answers the client's 1500-byte DF segments
#     with ICMP fragmentation-needed (mtu 1480), the client learns it, the upload
#     completes, and a second one needs no new ICMP.
#
# Nothing is switched on the veth's peer for AF_XDP (no GRO, no XDP program there):
# what this proves is the port as an operator would configure it.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

W=$TULA_WORK
DEV="net_af_xdp0,iface=$LAB_LB_IF"
lab_up full
{
	tula_conf_base | sed "s/\"net_af_packet0,iface=$LAB_LB_IF\"/\"$DEV\"/"
	tula_conf_vip web "$LAB_VIP_L2" 80 l2 be1 be2
	tula_conf_vip web-l3 "$LAB_VIP_L3" 80 l3 be3 be4
} >"$W/xdp.conf"
grep -q "device \"$DEV\";" "$W/xdp.conf" || fail "the configuration does not name $DEV"
tula_start "$W/xdp.conf"

# ---- the port is AF_XDP
check_match "Tula's port0 is the AF_XDP device" "$(tcli -c 'show interfaces port0')" \
	"Device: $DEV "
link=$(in_ns lb ip -d link show "$LAB_LB_IF")
check_match "an XDP program is attached to $LAB_LB_IF" "$link" "prog/xdp id [0-9]+"
check_match "GRO stays off on the veth's peer (AF_XDP needs nothing there)" \
	"$(in_ns sw ethtool -k lb)" "generic-receive-offload: off"
# /proc/net/packet of Tula's namespace: a header line, then one line per af_packet socket.
check_eq "no af_packet socket in Tula's namespace" \
	"$(($(wc -l <"/proc/$TULA_PID/net/packet") - 1))" 0

# Why AF_XDP carries nothing, when it does not: the socket's own statistics (a frame
# the kernel refuses as an invalid descriptor never leaves), the PMD's counters, and
# what the peer's end saw.
xdp_diag() {
	echo "AF_XDP socket statistics: $("$PY" "$LAB_DIR/xsk_stats.py" "$TULA_PID" 2>&1 | tr '\n' ' ')"
	echo "port0: $(tcli -c 'show interfaces port0' | grep -E 'Input|Output' | tr -s ' ' | tr '\n' ' ')"
	echo "peer: $(in_ns sw ip -s link show lb | tr -s ' ' | tr '\n' ' ')"
}
wait_until 20 lab_curl client --max-time 2 "http://$LAB_VIP_L2/" ||
	fail "the L2 VIP never answered through $DEV: $(xdp_diag)"
ok "the L2 VIP answers through AF_XDP"
wait_until 20 lab_curl client --max-time 2 "http://$LAB_VIP_L3/" ||
	fail "the L3 VIP never answered through $DEV: $(xdp_diag)"
ok "the L3 VIP answers through AF_XDP"
echo "figures: $(xdp_diag)"

# port0's counters: PORT_<NAME> from `show interfaces`.
port_counters() {
	local js
	js=$(tula_json 'show interfaces port0')
	eval "$(jpy '" ".join("PORT_%s=%d" % (k.replace("-", "_").upper(), j[0][k]) for k in ("rx-packets", "rx-bytes", "tx-packets", "tx-bytes"))' <<<"$js")"
}

# ================================================================ L2
VIP=$LAB_VIP_L2
# Everything to or from the VIP on Tula's cable, captured at the switch's end (lb): an
# AF_XDP port's frames pass no tap of lb0's own stack.
cap=
lab_capture cap sw lb "$W/lb0.pcap" "ip and host $VIP"
port_counters
tx0=$PORT_TX_BYTES txp0=$PORT_TX_PACKETS rxp0=$PORT_RX_PACKETS

in_ns client curl -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
	-w '%{http_code} %{size_download} %{size_header}\n' "http://$VIP/info?[1-200]" \
	>"$W/200.out" 2>"$W/200.err" || true
read -r codes200 be1 be2 others resp_bytes < <(awk '
	/^node=be1 / { b1++ } /^node=be2 / { b2++ } /^node=/ && !/^node=be[12] / { o++ }
	/^[0-9][0-9][0-9] / { if ($1 == 200) ok++; bytes += $2 + $3 }
	END { print ok + 0, b1 + 0, b2 + 0, o + 0, bytes + 0 }' "$W/200.out")
check_eq "L2: 200 requests to the VIP all answered 200 (curl: $(head -c 300 "$W/200.err"))" "$codes200" 200
check_eq "L2: no answer from anything but be1/be2" "$others" 0
((be1 >= 50 && be2 >= 50)) || fail "L2: both backends must answer about half: be1=$be1 be2=$be2"
ok "L2: both backends answered: be1=$be1 be2=$be2"
check "L2: every connection was a new one (200 distinct client ports)" \
	test "$(grep -o 'client=[0-9.]*:[0-9]*' "$W/200.out" | sort -u | wc -l)" = 200

big_sum=$(sha256sum "$LAB_RUN_DIR/big.bin" | cut -d' ' -f1)
for i in 1 2 3; do
	in_ns client curl -sS --fail --connect-timeout 3 --max-time 60 -o "$W/big$i" \
		-w '%{size_download} %{size_header}\n' "http://$VIP/big" >"$W/big$i.out" ||
		fail "L2: download $i through the VIP failed"
	read -r size hdr <"$W/big$i.out"
	check_eq "L2: download $i is 20 MB" "$size" "$LAB_BIG_SIZE"
	check_eq "L2: download $i is the backend's file" "$(sha256sum "$W/big$i" | cut -d' ' -f1)" "$big_sum"
	rm -f "$W/big$i"
	resp_bytes=$((resp_bytes + size + hdr))
done

port_counters
tx=$((PORT_TX_BYTES - tx0)) txp=$((PORT_TX_PACKETS - txp0))
sleep 0.2
lab_capture_stop "$cap" "$W/lb0.pcap"
from_vip=$(pcap_count "$W/lb0.pcap" "src host $VIP")
to_vip=$(pcap_count "$W/lb0.pcap" "dst host $VIP")
echo "figures: L2 responses $resp_bytes bytes; Tula's port sent $tx bytes in $txp packets" \
	"($(awk -v a="$tx" -v b="$resp_bytes" 'BEGIN { printf "%.2f", 100 * a / b }') %);" \
	"capture on Tula's cable: $to_vip frames to the VIP (both directions), $from_vip from it"
((to_vip > 0)) || fail "L2: the capture on Tula's cable saw no request: it proves nothing"
check_eq "L2: no response packet (source = VIP) crossed Tula's cable" "$from_vip" 0
((tx > 0)) || fail "L2: Tula's port counted no TX byte"
((tx * 20 < resp_bytes)) ||
	fail "L2: Tula's port sent $tx bytes for $resp_bytes response bytes (not under 5 %)"
ok "L2: Tula's TX bytes are under 5 % of the response bytes"

be1_mac=$(lab_mac "$LAB_BE1_IP")
be2_mac=$(lab_mac "$LAB_BE2_IP")
macs=$(tcpdump -nn -e -r "$W/lb0.pcap" "ether src $LAB_LB_MAC and dst host $VIP" 2>/dev/null |
	awk '{ print $4 }' | tr -d ',' | sort | uniq -c)
echo "frames Tula sent to the VIP, by destination MAC:"$'\n'"$macs"
[[ -n $macs ]] || fail "L2: no frame from Tula's MAC to the VIP on Tula's cable"
check "L2: Tula sent every VIP frame to be1's or be2's MAC" \
	test -z "$(awk '{ print $2 }' <<<"$macs" | grep -v -e "^$be1_mac\$" -e "^$be2_mac\$")"
check_match "L2: be1's MAC was written" "$macs" "$be1_mac"
check_match "L2: be2's MAC was written" "$macs" "$be2_mac"
wire_in=$(pcap_count "$W/lb0.pcap" "ether dst $LAB_LB_MAC and dst host $VIP")
wire_out=$(pcap_count "$W/lb0.pcap" "ether src $LAB_LB_MAC and dst host $VIP")
check_eq "L2: Tula passed on every frame it received for the VIP (its port counted rx $((PORT_RX_PACKETS - rxp0)), tx $txp)" \
	"$wire_out" "$wire_in"

miss0=$(tula_drop vip-port-protocol-miss)
rc=0
in_ns client curl -sS --connect-timeout 2 "http://$VIP:8080/" >/dev/null 2>&1 || rc=$?
check_eq "L2: port 8080 is not served by a port-80 VIP (curl times out)" "$rc" 28
miss=$(tula_drop vip-port-protocol-miss)
((miss > miss0)) || fail "L2: the SYNs to port 8080 were not counted as vip-port-protocol-miss ($miss0 -> $miss)"
ok "L2: Tula dropped them as vip-port-protocol-miss ($((miss - miss0)))"
tula_commit 'set services dsr vip web port *' 'set services dsr vip web health-check port 80'
tula_wait_vip "http://$VIP:8080/"
in_ns client curl -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
	-w '%{http_code}\n' "http://$VIP:8080/info?[1-40]" >"$W/p8080.out" 2>&1 || true
check_eq "L2: with port *, 40 requests to port 8080 answered by the backends' port 8080" \
	"$(grep -c "^node=be[12] server=$VIP:8080 " "$W/p8080.out")" 40

# ================================================================ L3
VIP=$LAB_VIP_L3
tx_bytes() { tula_stat 'show interfaces port0' 'j[0]["tx-bytes"]'; }

cap3=
lab_capture cap3 be3 eth0 "$W/be3.pcap" "ip proto 4 or host $VIP"
in_ns client curl -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
	-w '%{http_code}\n' "http://$VIP/info?[1-40]" >"$W/40.out" 2>&1 || true
lab_capture_stop "$cap3" "$W/be3.pcap"
check_eq "L3: 40 requests through the VIP all answered 200" "$(grep -c '^200$' "$W/40.out")" 40
n3=$(grep -c "^node=be3 server=$VIP:80 client=$LAB_CLIENT_IP:" "$W/40.out" || true)
n4=$(grep -c "^node=be4 server=$VIP:80 client=$LAB_CLIENT_IP:" "$W/40.out" || true)
check_eq "L3: every answer came from be3 or be4, to the client's own address, from the VIP" "$((n3 + n4))" 40
((n3 > 0 && n4 > 0)) || fail "L3: both backends must answer: be3=$n3 be4=$n4"
ok "L3: both backends answered: be3=$n3 be4=$n4"
# tcpdump prints IP-in-IP as "TIME IP OUTER_SRC > OUTER_DST: IP INNER_SRC.PORT > INNER_DST.PORT: ..."
tunnels=$(tcpdump -nn -r "$W/be3.pcap" "ip proto 4" 2>/dev/null | awk '$6 == "IP" {
	sub(/:$/, "", $5); sub(/\.[0-9]+$/, "", $7); sub(/\.[0-9]+:$/, "", $9); print $3, $5, $7, $9 }' |
	sort | uniq -c)
echo "IP-in-IP on be3's wire (packets, outer source, outer destination, inner source, inner destination):"
echo "$tunnels"
[[ -n $tunnels ]] || fail "L3: no IP-in-IP packet reached be3"
check_eq "L3: every packet reaching be3 is client -> VIP inside Tula's tunnel source -> be3" \
	"$(awk '{ $1 = ""; print substr($0, 2) }' <<<"$tunnels")" "$LAB_LB_SELF_IP $LAB_BE3_IP $LAB_CLIENT_IP $VIP"
check_eq "L3: no plain packet to the VIP reached be3 (only the tunnel)" \
	"$(pcap_count "$W/be3.pcap" "dst host $VIP")" 0
answers=$(pcap_count "$W/be3.pcap" "src host $VIP and dst host $LAB_CLIENT_IP and ether dst $(lab_mac "$LAB_RT_B_IP")")
((answers > 0)) || fail "L3: be3 sent no answer from the VIP to the client via the router"
ok "L3: be3 answered from the VIP straight to the router ($answers packets)"

tx0=$(tx_bytes)
in_ns client curl -sS --fail --connect-timeout 3 --max-time 60 -o "$W/big" \
	-w '%{size_download} %{size_header}\n' "http://$VIP/big" >"$W/big.out" ||
	fail "L3: the 20 MB download through the VIP failed"
tx=$(($(tx_bytes) - tx0))
read -r size hdr <"$W/big.out"
check_eq "L3: the download is 20 MB" "$size" "$LAB_BIG_SIZE"
check_eq "L3: the download is the backend's file" "$(sha256sum <"$W/big" | cut -d' ' -f1)" "$big_sum"
rm -f "$W/big"
echo "figures: L3 download $((size + hdr)) bytes; Tula's port sent $tx bytes" \
	"($(awk -v a="$tx" -v b="$((size + hdr))" 'BEGIN { printf "%.2f", 100 * a / b }') %)"
((tx > 0)) || fail "L3: Tula's port sent nothing: the counter does not count"
((tx * 20 < size)) || fail "L3: Tula's port sent $tx bytes for a $size-byte download (not under 5 %)"
ok "L3: Tula's TX bytes are under 5 % of the download"

check_eq "L3: the client sets DF on TCP (path MTU discovery on)" \
	"$(in_ns client cat /proc/sys/net/ipv4/ip_no_pmtu_disc)" 0
route=$(in_ns client ip route get "$VIP")
[[ $route != *" mtu "* ]] || fail "L3: the client already knows a path MTU to the VIP: $route"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$W/up.bin"
ptb0=$(tula_event icmp-frag-needed-sent)
big0=$(tula_drop too-big-ptb-sent)
capc=
lab_capture capc client eth0 "$W/client.pcap" "host $VIP and (icmp or (tcp and greater 1400))"
out=$(lab_curl client --max-time 30 -H 'Expect:' --data-binary @"$W/up.bin" "http://$VIP/upload") ||
	fail "L3: the 4 MB upload through the VIP failed: $out"
lab_capture_stop "$capc" "$W/client.pcap"
check_match "L3: the 4 MB upload arrived whole" "$out" "^be[34] received 4194304 bytes$"
ptb=$(($(tula_event icmp-frag-needed-sent) - ptb0))
big=$(($(tula_drop too-big-ptb-sent) - big0))
echo "figures: $ptb ICMP fragmentation-needed sent, $big segments too big dropped"
((ptb > 0)) || fail "L3: Tula sent no ICMP fragmentation-needed (icmp-frag-needed-sent did not move)"
check_eq "L3: every too-big segment was answered with one ICMP" "$big" "$ptb"
df_big=$(pcap_count "$W/client.pcap" "dst host $VIP and tcp and ip[2:2] = 1500 and ip[6] & 0x40 != 0")
((df_big > 0)) || fail "L3: the client sent no 1500-byte segment with DF: nothing tested the path MTU"
icmp=$(tcpdump -nn -t -r "$W/client.pcap" "src host $VIP and icmp" 2>/dev/null)
check_eq "L3: the client received the $ptb ICMP errors" "$(grep -c . <<<"$icmp")" "$ptb"
check_eq "L3: each says: from the VIP, unreachable, need to frag, mtu 1480" \
	"$(sort -u <<<"$icmp")" \
	"IP $VIP > $LAB_CLIENT_IP: ICMP $VIP unreachable - need to frag (mtu 1480), length 36"
check_match "L3: the client's kernel learned the path MTU" "$(in_ns client ip route get "$VIP")" " mtu 1480( |$)"
out=$(lab_curl client --max-time 30 -H 'Expect:' --data-binary @"$W/up.bin" "http://$VIP/upload") ||
	fail "L3: the second upload failed: $out"
check_match "L3: a second 4 MB upload arrived whole" "$out" "^be[34] received 4194304 bytes$"
check_eq "L3: it needed no new ICMP (the learned MTU fits Tula's tunnel)" \
	"$(($(tula_event icmp-frag-needed-sent) - ptb0))" "$ptb"

# ---- nothing refused by the kernel on the way out
stats=$("$PY" "$LAB_DIR/xsk_stats.py" "$TULA_PID") || fail "cannot read the AF_XDP socket's statistics: $stats"
echo "AF_XDP socket statistics: $stats"
check_match "the kernel refused no descriptor Tula's port sent (tx_invalid_descs 0)" "$stats" "tx_invalid_descs=0( |$)"
check_match "the kernel refused no buffer Tula's port gave it (rx_invalid_descs 0)" "$stats" "rx_invalid_descs=0( |$)"

tula_check_alive
