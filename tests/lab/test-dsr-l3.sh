#!/usr/bin/env bash
# lab-dsr-l3-ipip-serves-downloads-and-uploads-past-the-path-mtu: L3 DSR (IP-in-IP) with
# the real daemon on the l3 lab: be3 and be4 sit on another subnet behind the router
# and decapsulate in user space (ipip_decap); their kernels answer the client directly
# from the VIP.
#
#   - 40 requests (40 connections) through the VIP all succeed and both backends
#     answer; on be3's wire the requests arrive only as IP-in-IP from Tula's tunnel
#     source, and the answers leave from the VIP towards the router;
#   - a 20 MB download arrives whole, and Tula's port sends a small fraction of it;
#   - an upload larger than the path MTU: the client's 1500-byte segments (DF set) do
#     not fit once Tula adds 20 bytes, so Tula answers with ICMP fragmentation-needed
#     (mtu 1480) from the VIP; the client's kernel learns the path MTU and the upload
#     completes; a second upload needs no new ICMP.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

VIP=$LAB_VIP_L3
W=$TULA_WORK
lab_up l3
{
	tula_conf_base
	tula_conf_vip web-l3 "$VIP" 80 l3 be3 be4
} >"$W/l3.conf"
tula_start "$W/l3.conf"
tula_wait_vip "http://$VIP/"

tx_bytes() { tula_stat 'show interfaces port0' 'j[0]["tx-bytes"]'; }

# ---- requests, and what the backends' wire carries
cap3=
lab_capture cap3 be3 eth0 "$W/be3.pcap" "ip proto 4 or host $VIP"
in_ns client curl -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
	-w '%{http_code}\n' "http://$VIP/info?[1-40]" >"$W/40.out" 2>&1 || true
lab_capture_stop "$cap3" "$W/be3.pcap"
check_eq "40 requests through the L3 VIP all answered 200" "$(grep -c '^200$' "$W/40.out")" 40
n3=$(grep -c "^node=be3 server=$VIP:80 client=$LAB_CLIENT_IP:" "$W/40.out" || true)
n4=$(grep -c "^node=be4 server=$VIP:80 client=$LAB_CLIENT_IP:" "$W/40.out" || true)
check_eq "every answer came from be3 or be4, to the client's own address, from the VIP" "$((n3 + n4))" 40
((n3 > 0 && n4 > 0)) || fail "both backends must answer: be3=$n3 be4=$n4"
ok "both backends answered: be3=$n3 be4=$n4"
# tcpdump prints IP-in-IP as "TIME IP OUTER_SRC > OUTER_DST: IP INNER_SRC.PORT > INNER_DST.PORT: ..."
tunnels=$(tcpdump -nn -r "$W/be3.pcap" "ip proto 4" 2>/dev/null | awk '$6 == "IP" {
	sub(/:$/, "", $5); sub(/\.[0-9]+$/, "", $7); sub(/\.[0-9]+:$/, "", $9); print $3, $5, $7, $9 }' |
	sort | uniq -c)
echo "IP-in-IP on be3's wire (packets, outer source, outer destination, inner source, inner destination):"
echo "$tunnels"
[[ -n $tunnels ]] || fail "no IP-in-IP packet reached be3"
check_eq "every packet reaching be3 is client -> VIP inside Tula's tunnel source -> be3" \
	"$(awk '{ $1 = ""; print substr($0, 2) }' <<<"$tunnels")" "$LAB_LB_SELF_IP $LAB_BE3_IP $LAB_CLIENT_IP $VIP"
check_eq "no plain packet to the VIP reached be3 (only the tunnel)" \
	"$(pcap_count "$W/be3.pcap" "dst host $VIP")" 0
answers=$(pcap_count "$W/be3.pcap" "src host $VIP and dst host $LAB_CLIENT_IP and ether dst $(lab_mac "$LAB_RT_B_IP")")
((answers > 0)) || fail "be3 sent no answer from the VIP to the client via the router"
ok "be3 answered from the VIP straight to the router ($answers packets)"

# ---- a 20 MB download; the answer goes be -> router -> client, not through Tula
tx0=$(tx_bytes)
in_ns client curl -sS --fail --connect-timeout 3 --max-time 60 -o "$W/big" \
	-w '%{size_download} %{size_header}\n' "http://$VIP/big" >"$W/big.out" ||
	fail "the 20 MB download through the L3 VIP failed"
tx=$(($(tx_bytes) - tx0))
read -r size hdr <"$W/big.out"
check_eq "the download is 20 MB" "$size" "$LAB_BIG_SIZE"
check_eq "the download is the backend's file" "$(sha256sum <"$W/big" | cut -d' ' -f1)" \
	"$(sha256sum <"$LAB_RUN_DIR/big.bin" | cut -d' ' -f1)"
rm -f "$W/big"
echo "figures: download $((size + hdr)) bytes; Tula's port sent $tx bytes" \
	"($(awk -v a="$tx" -v b="$((size + hdr))" 'BEGIN { printf "%.2f", 100 * a / b }') %)"
((tx > 0)) || fail "Tula's port sent nothing: the counter does not count"
((tx * 20 < size)) || fail "Tula's port sent $tx bytes for a $size-byte download (not under 5 %)"
ok "Tula's TX bytes are under 5 % of the download"

# ---- an upload past the path MTU (PMTU discovery through Tula)
check_eq "the client sets DF on TCP (path MTU discovery on)" \
	"$(in_ns client cat /proc/sys/net/ipv4/ip_no_pmtu_disc)" 0
route=$(in_ns client ip route get "$VIP")
[[ $route != *" mtu "* ]] || fail "the client already knows a path MTU to the VIP: $route"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$W/up.bin"
ptb0=$(tula_event icmp-frag-needed-sent)
big0=$(tula_drop too-big-ptb-sent)
capc=
lab_capture capc client eth0 "$W/client.pcap" "host $VIP and (icmp or (tcp and greater 1400))"
out=$(lab_curl client --max-time 30 -H 'Expect:' --data-binary @"$W/up.bin" "http://$VIP/upload") ||
	fail "the 4 MB upload through the L3 VIP failed: $out"
lab_capture_stop "$capc" "$W/client.pcap"
check_match "the 4 MB upload arrived whole" "$out" "^be[34] received 4194304 bytes$"
ptb=$(($(tula_event icmp-frag-needed-sent) - ptb0))
big=$(($(tula_drop too-big-ptb-sent) - big0))
echo "figures: $ptb ICMP fragmentation-needed sent, $big segments too big dropped"
((ptb > 0)) || fail "Tula sent no ICMP fragmentation-needed (icmp-frag-needed-sent did not move)"
check_eq "every too-big segment was answered with one ICMP" "$big" "$ptb"
# What the client saw: 1500-byte segments with DF to the VIP, and Tula's ICMP errors
# (from the VIP, type 3 code 4, next-hop MTU 1480).
df_big=$(pcap_count "$W/client.pcap" "dst host $VIP and tcp and ip[2:2] = 1500 and ip[6] & 0x40 != 0")
((df_big > 0)) || fail "the client sent no 1500-byte segment with DF: nothing tested the path MTU"
ok "the client sent $df_big 1500-byte segments with DF"
icmp=$(tcpdump -nn -t -r "$W/client.pcap" "src host $VIP and icmp" 2>/dev/null)
check_eq "the client received the $ptb ICMP errors" "$(grep -c . <<<"$icmp")" "$ptb"
check_eq "each says: from the VIP, unreachable, need to frag, mtu 1480" \
	"$(sort -u <<<"$icmp")" \
	"IP $VIP > $LAB_CLIENT_IP: ICMP $VIP unreachable - need to frag (mtu 1480), length 36"
check_match "the client's kernel learned the path MTU" "$(in_ns client ip route get "$VIP")" " mtu 1480( |$)"
out=$(lab_curl client --max-time 30 -H 'Expect:' --data-binary @"$W/up.bin" "http://$VIP/upload") ||
	fail "the second upload failed: $out"
check_match "a second 4 MB upload arrived whole" "$out" "^be[34] received 4194304 bytes$"
check_eq "it needed no new ICMP (the learned MTU fits Tula's tunnel)" \
	"$(($(tula_event icmp-frag-needed-sent) - ptb0))" "$ptb"

tula_check_alive
