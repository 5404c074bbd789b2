#!/usr/bin/env bash
# lab-dsr-v6-dual-stack-l2-and-l3-vips-past-the-path-mtu: IPv6 DSR with the real daemon on
# the full lab made dual stack (lab6_up): one configuration with an IPv4 and an IPv6
# self address, a default route per family, and four VIPs — L2 and L3, IPv4 and IPv6.
#
#   - L2 v6 VIP [fd00:1::100]:80, backends be1/be2 (VIP on lo, deprecated, NS for it
#     dropped by nftables): the client resolves the VIP to Tula's MAC (Tula answers the
#     Neighbor Solicitation, the backends do not) and Tula answers its ping; 200 requests
#     (200 connections) over `curl -6` all succeed and both backends answer; a 20 MB
#     download arrives byte-exact; on
#     Tula's cable no TCP packet from the VIP (the responses go straight from the
#     backends to the client), the frames Tula sends to the VIP carry Tula's source MAC
#     and be1's or be2's destination MAC, one for each it received, and Tula's TX bytes
#     are under 5 % of the response bytes;
#   - L3 v6 VIP [fd00:1::200]:80, backends be3/be4 behind the router, IPv6-in-IPv6 from
#     Tula's v6 self address, decapsulated by `ipip_decap -6`: 40 requests over both; on
#     be3's wire only 6in6 from Tula arrives, the answers leave from the VIP to the
#     router; a 20 MB download arrives byte-exact with Tula's TX under 5 %; a 4 MB upload
#     of 1500-byte packets does not fit once Tula adds 40 bytes: Tula answers ICMPv6
#     Packet Too Big (mtu 1460) from the VIP, the client's route cache learns mtu 1460
#     and the upload arrives byte-exact (sha256 of what nginx received); a second upload
#     needs no new Packet Too Big; with the router's side towards the client at MTU
#     1400, the router's Packet Too Big about the backends' answers goes to the VIP,
#     Tula passes it on to the flow's backend (icmp-errors-to-backend), the backend
#     learns mtu 1400 and a 20 MB download still arrives byte-exact;
#   - both families at once: requests to the four VIPs run together, all answered by the
#     right backends; the operator's view shows the v6 VIPs up, and their statistics
#     count their flows.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

W=$TULA_WORK
VIP6=$LAB6_VIP_L2
VIP6L3=$LAB6_VIP_L3
lab_up full
lab6_up
{
	cat <<EOF
system {
    host-name ${LAB_PREFIX}-lab;
}
interfaces {
    port0 {
        device "net_af_packet0,iface=$LAB_LB_IF";
        address $LAB_LB_SELF_IP/24;
        address $LAB6_LB_SELF_IP/64;
    }
}
routing-options {
    static {
        route 0.0.0.0/0 next-hop $LAB_GW_A;
        route ::/0 next-hop $LAB6_RT_A_IP;
    }
}
services {
    dsr {
        vip web4 {
            address $LAB_VIP_L2;
            protocol tcp;
            port 80;
            mode l2;
            backend be1 { address $LAB_BE1_IP; }
            backend be2 { address $LAB_BE2_IP; }
        }
        vip web4-l3 {
            address $LAB_VIP_L3;
            protocol tcp;
            port 80;
            mode l3;
            tunnel-source $LAB_LB_SELF_IP;
            backend be3 { address $LAB_BE3_IP; }
            backend be4 { address $LAB_BE4_IP; }
        }
        vip web6 {
            address $VIP6;
            protocol tcp;
            port 80;
            mode l2;
            backend be1 { address $LAB6_BE1_IP; }
            backend be2 { address $LAB6_BE2_IP; }
        }
        vip web6-l3 {
            address $VIP6L3;
            protocol tcp;
            port 80;
            mode l3;
            tunnel-source $LAB6_LB_SELF_IP;
            backend be3 { address $LAB6_BE3_IP; }
            backend be4 { address $LAB6_BE4_IP; }
        }
    }
}
EOF
} >"$W/v6.conf"
tula_start "$W/v6.conf"
tula_wait_vip "http://$LAB_VIP_L2/"
# curl -g: the brackets of an IPv6 literal are not a URL glob.
curl6() { lab_curl client -6 -g "$@"; }
wait_until 20 curl6 --max-time 2 "http://[$VIP6]/" ||
	fail "the L2 v6 VIP never answered: $(curl6 --max-time 2 "http://[$VIP6]/" 2>&1)"
ok "the L2 v6 VIP answers"

# port0's counters: PORT_<NAME> from `show interfaces`.
port_counters() {
	local js
	js=$(tula_json 'show interfaces port0')
	eval "$(jpy '" ".join("PORT_%s=%d" % (k.replace("-", "_").upper(), j[0][k]) for k in ("rx-packets", "rx-bytes", "tx-packets", "tx-bytes"))' <<<"$js")"
}
big_sum=$(sha256sum "$LAB_RUN_DIR/big.bin" | cut -d' ' -f1)

# urls N URL: N copies of URL with ?1..?N (curl -g takes no [1-N] glob).
urls() {
	local i
	for ((i = 1; i <= $1; i++)); do
		echo "$2?$i"
	done
}

# ================================================================ L2, IPv6
check_eq "the client resolved the L2 v6 VIP to Tula's MAC (Tula answered its NS, no backend did)" \
	"$(in_ns client ip -6 neigh show "$VIP6" | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p')" "$LAB_LB_MAC"

echo0=$(tula_event icmpv6-echo-replies-sent)
out=$(in_ns client ping -6 -n -c 3 -i 0.2 -W 2 "$VIP6" 2>&1) || fail "no ICMPv6 echo reply from the L2 v6 VIP: $out"
check_match "the v6 VIP answers ping" "$out" " 3 received"
check_eq "Tula answered the echo itself (icmpv6-echo-replies-sent)" \
	"$(($(tula_event icmpv6-echo-replies-sent) - echo0))" 3

# Everything IPv6 to or from the VIP on Tula's cable, at the switch's end (there Tula's
# own transmissions are visible too).
cap=
lab_capture cap sw lb "$W/lb0.pcap" "ip6 and host $VIP6"
port_counters
tx0=$PORT_TX_BYTES txp0=$PORT_TX_PACKETS rxp0=$PORT_RX_PACKETS

mapfile -t u < <(urls 200 "http://[$VIP6]/info")
in_ns client curl -6 -g -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
	-w '%{http_code} %{size_download} %{size_header}\n' "${u[@]}" >"$W/200.out" 2>"$W/200.err" || true
read -r codes200 be1 be2 others resp_bytes < <(awk -v vip="$VIP6" -v cl="$LAB6_CLIENT_IP" '
	/^node=/ { if ($2 != "server=" vip ":80" || index($3, "client=" cl ":") != 1) o++ }
	/^node=be1 / { b1++ } /^node=be2 / { b2++ } /^node=/ && !/^node=be[12] / { o++ }
	/^[0-9][0-9][0-9] / { if ($1 == 200) ok++; bytes += $2 + $3 }
	END { print ok + 0, b1 + 0, b2 + 0, o + 0, bytes + 0 }' "$W/200.out")
check_eq "200 requests to [VIP]:80 over IPv6 all answered 200 (curl: $(head -c 300 "$W/200.err"))" "$codes200" 200
check_eq "every answer came from be1/be2, from [VIP]:80 to the client's v6 address" "$others" 0
check_eq "every answer names its backend" "$((be1 + be2))" 200
((be1 >= 50 && be2 >= 50)) || fail "both backends must answer about half: be1=$be1 be2=$be2"
ok "both backends answered: be1=$be1 be2=$be2"
check "every request was a new connection (200 distinct client ports)" \
	test "$(grep -o 'client=.*' "$W/200.out" | sort -u | wc -l)" = 200

curl6 --max-time 60 -o "$W/big6" -w '%{size_download} %{size_header}\n' "http://[$VIP6]/big" \
	>"$W/big6.out" || fail "the 20 MB download through the L2 v6 VIP failed"
read -r size hdr <"$W/big6.out"
check_eq "the L2 v6 download is 20 MB" "$size" "$LAB_BIG_SIZE"
check_eq "the L2 v6 download is the backend's file" "$(sha256sum "$W/big6" | cut -d' ' -f1)" "$big_sum"
rm -f "$W/big6"
resp_bytes=$((resp_bytes + size + hdr))

port_counters
tx=$((PORT_TX_BYTES - tx0)) txp=$((PORT_TX_PACKETS - txp0))
lab_capture_stop "$cap" "$W/lb0.pcap"
from_vip=$(pcap_count "$W/lb0.pcap" "src host $VIP6 and tcp")
to_vip=$(pcap_count "$W/lb0.pcap" "dst host $VIP6 and tcp")
echo "figures: L2 v6 responses $resp_bytes bytes; Tula's port sent $tx bytes in $txp packets" \
	"($(awk -v a="$tx" -v b="$resp_bytes" 'BEGIN { printf "%.2f", 100 * a / b }') %);" \
	"capture on Tula's cable: $to_vip TCP frames to the VIP (both directions), $from_vip from it"
((to_vip > 0)) || fail "the capture on Tula's cable saw no request: it proves nothing"
check_eq "no response frame (TCP from the v6 VIP) crossed Tula's cable" "$from_vip" 0
((tx * 20 < resp_bytes)) ||
	fail "Tula's port sent $tx bytes for $resp_bytes response bytes (not under 5 %)"
ok "Tula's TX bytes are under 5 % of the response bytes"
be1_mac=$(lab_mac "$LAB_BE1_IP")
be2_mac=$(lab_mac "$LAB_BE2_IP")
macs=$(tcpdump -nn -e -r "$W/lb0.pcap" "ether src $LAB_LB_MAC and dst host $VIP6 and tcp" 2>/dev/null |
	awk '{ print $4 }' | tr -d ',' | sort | uniq -c)
echo "frames Tula sent to the v6 VIP, by destination MAC:"$'\n'"$macs"
[[ -n $macs ]] || fail "no frame from Tula's MAC to the v6 VIP on Tula's cable"
check "Tula sent every v6 VIP frame to be1's or be2's MAC" \
	test -z "$(awk '{ print $2 }' <<<"$macs" | grep -v -e "^$be1_mac\$" -e "^$be2_mac\$")"
check_match "be1's MAC was written" "$macs" "$be1_mac"
check_match "be2's MAC was written" "$macs" "$be2_mac"
wire_in=$(pcap_count "$W/lb0.pcap" "ether dst $LAB_LB_MAC and dst host $VIP6 and tcp")
wire_out=$(pcap_count "$W/lb0.pcap" "ether src $LAB_LB_MAC and dst host $VIP6 and tcp")
check_eq "Tula passed on every frame it received for the v6 VIP (its port counted rx $((PORT_RX_PACKETS - rxp0)), tx $txp)" \
	"$wire_out" "$wire_in"
hdrs=$(tcpdump -nn -r "$W/lb0.pcap" "ether src $LAB_LB_MAC and dst host $VIP6 and tcp" 2>/dev/null |
	awk '{ print $2 }' | sort -u)
check_eq "the frames Tula sent are plain IPv6 (no tunnel in L2 mode)" "$hdrs" "IP6"

# ================================================================ L3, IPv6 (6in6)
mapfile -t u < <(urls 40 "http://[$VIP6L3]/info")
cap3=
lab_capture cap3 be3 eth0 "$W/be3.pcap" "ip6 and (ip6[6] = 41 or host $VIP6L3)"
in_ns client curl -6 -g -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
	-w '%{http_code}\n' "${u[@]}" >"$W/40.out" 2>&1 || true
lab_capture_stop "$cap3" "$W/be3.pcap"
check_eq "40 requests to the L3 v6 VIP all answered 200" "$(grep -c '^200$' "$W/40.out")" 40
n3=$(grep -c "^node=be3 server=$VIP6L3:80 client=$LAB6_CLIENT_IP:" "$W/40.out" || true)
n4=$(grep -c "^node=be4 server=$VIP6L3:80 client=$LAB6_CLIENT_IP:" "$W/40.out" || true)
check_eq "every answer came from be3 or be4, from [VIP]:80 to the client's v6 address" "$((n3 + n4))" 40
((n3 > 0 && n4 > 0)) || fail "both backends must answer: be3=$n3 be4=$n4"
ok "both L3 backends answered: be3=$n3 be4=$n4"
# tcpdump prints 6in6 as "IP6 OUTER_SRC > OUTER_DST: IP6 INNER_SRC.PORT > INNER_DST.PORT: ..."
tunnels=$(tcpdump -nn -t -r "$W/be3.pcap" "ip6[6] = 41" 2>/dev/null | awk '$5 == "IP6" {
	sub(/:$/, "", $4); sub(/\.[0-9]+$/, "", $6); sub(/\.[0-9]+:$/, "", $8); print $2, $4, $6, $8 }' |
	sort | uniq -c)
echo "6in6 on be3's wire (packets, outer source, outer destination, inner source, inner destination):"
echo "$tunnels"
[[ -n $tunnels ]] || fail "no IPv6-in-IPv6 packet reached be3"
check_eq "every tunnel packet reaching be3 is client -> VIP inside Tula's v6 address -> be3" \
	"$(awk '{ $1 = ""; print substr($0, 2) }' <<<"$tunnels")" \
	"$LAB6_LB_SELF_IP $LAB6_BE3_IP $LAB6_CLIENT_IP $VIP6L3"
check_eq "no plain packet to the L3 v6 VIP reached be3 (only the tunnel)" \
	"$(pcap_count "$W/be3.pcap" "ip6[6] != 41 and dst host $VIP6L3")" 0
answers=$(pcap_count "$W/be3.pcap" "src host $VIP6L3 and dst host $LAB6_CLIENT_IP and ether dst $(lab_mac "$LAB_RT_B_IP")")
((answers > 0)) || fail "be3 sent no answer from the VIP to the client via the router"
ok "be3 answered from the v6 VIP straight to the router ($answers packets)"

tx_bytes() { tula_stat 'show interfaces port0' 'j[0]["tx-bytes"]'; }
tx0=$(tx_bytes)
curl6 --max-time 60 -o "$W/big" -w '%{size_download} %{size_header}\n' "http://[$VIP6L3]/big" \
	>"$W/big.out" || fail "the 20 MB download through the L3 v6 VIP failed"
tx=$(($(tx_bytes) - tx0))
read -r size hdr <"$W/big.out"
check_eq "the L3 v6 download is 20 MB" "$size" "$LAB_BIG_SIZE"
check_eq "the L3 v6 download is the backend's file" "$(sha256sum "$W/big" | cut -d' ' -f1)" "$big_sum"
rm -f "$W/big"
echo "figures: L3 v6 download $((size + hdr)) bytes; Tula's port sent $tx bytes" \
	"($(awk -v a="$tx" -v b="$((size + hdr))" 'BEGIN { printf "%.2f", 100 * a / b }') %)"
((tx > 0)) || fail "Tula's port sent nothing: the counter does not count"
((tx * 20 < size)) || fail "Tula's port sent $tx bytes for a $size-byte download (not under 5 %)"
ok "Tula's TX bytes are under 5 % of the L3 v6 download"

# ---- an upload past the path MTU: IPv6 routers never fragment, Tula sends Packet Too Big
route=$(in_ns client ip -6 route get "$VIP6L3")
[[ $route != *" mtu "* ]] || fail "the client already knows a path MTU to the L3 v6 VIP: $route"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$W/up.bin"
up_sum=$(sha256sum "$W/up.bin" | cut -d' ' -f1)
ptb0=$(tula_event icmpv6-packet-too-big-sent)
big0=$(tula_drop too-big-ptb-sent)
lim0=$(tula_event icmp-errors-rate-limited)
capc=
lab_capture capc client eth0 "$W/client.pcap" "host $VIP6L3 and (icmp6 or (tcp and greater 1400))"
# /upload-kept (lab6_up) answers "beN received N bytes" and keeps the body nginx
# received in the backend's tmp/body/: its checksum must be the file's.
out=$(curl6 --max-time 30 -H 'Expect:' --data-binary @"$W/up.bin" "http://[$VIP6L3]/upload-kept") ||
	fail "the 4 MB upload through the L3 v6 VIP failed: $out"
lab_capture_stop "$capc" "$W/client.pcap"
check_match "the 4 MB upload arrived whole" "$out" "^be[34] received 4194304 bytes$"
ptb=$(($(tula_event icmpv6-packet-too-big-sent) - ptb0))
big=$(($(tula_drop too-big-ptb-sent) - big0))
lim=$(($(tula_event icmp-errors-rate-limited) - lim0))
echo "figures: $ptb ICMPv6 Packet Too Big sent, $big packets too big dropped, $lim errors rate-limited"
((ptb > 0)) || fail "Tula sent no Packet Too Big (icmpv6-packet-too-big-sent did not move)"
check_eq "every too-big packet was answered with one Packet Too Big or counted as rate-limited" "$big" "$((ptb + lim))"
big_sent=$(pcap_count "$W/client.pcap" "dst host $VIP6L3 and tcp and ip6[4:2] = 1460")
((big_sent > 0)) || fail "the client sent no 1500-byte packet: nothing tested the path MTU"
ok "the client sent $big_sent 1500-byte packets"
ptbs=$(tcpdump -nn -t -r "$W/client.pcap" "src host $VIP6L3 and icmp6" 2>/dev/null)
check_eq "the client received the $ptb Packet Too Big" "$(grep -c . <<<"$ptbs")" "$ptb"
check_eq "each says: from the VIP, packet too big, mtu 1460, quoting up to the 1280-byte minimum" \
	"$(sort -u <<<"$ptbs")" \
	"IP6 $VIP6L3 > $LAB6_CLIENT_IP: ICMP6, packet too big, mtu 1460, length 1240"
check_match "the client's route cache learned the path MTU" \
	"$(in_ns client ip -6 route get "$VIP6L3")" " mtu 1460( |$)"
# kept_body ANSWER: the body file the backend named in ANSWER ("be3 received ...") kept last.
kept_body() {
	find "$LAB_RUN_DIR/${1%% *}/tmp/body" -type f -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2
}
check_eq "what the backend received is the file, byte for byte (sha256)" \
	"$(sha256sum "$(kept_body "$out")" | cut -d' ' -f1)" "$up_sum"
out=$(curl6 --max-time 30 -H 'Expect:' --data-binary @"$W/up.bin" "http://[$VIP6L3]/upload-kept") ||
	fail "the second upload failed: $out"
check_match "a second 4 MB upload arrived whole" "$out" "^be[34] received 4194304 bytes$"
check_eq "and byte for byte" "$(sha256sum "$(kept_body "$out")" | cut -d' ' -f1)" "$up_sum"
check_eq "it needed no new Packet Too Big (the learned MTU fits Tula's tunnel)" \
	"$(($(tula_event icmpv6-packet-too-big-sent) - ptb0))" "$ptb"

# ---- a smaller MTU on the response path: the router's Packet Too Big goes to the VIP
# The router's side towards the client becomes 1400 bytes. The backends' 1500-byte
# answers (from the VIP) no longer fit there, so the router sends Packet Too Big to
# their source, the VIP, which leads to Tula; Tula must hand it to the backend of the
# flow it quotes (through the tunnel), or the download stalls in a black hole.
ferr0=$(tula_event icmp-errors-to-backend)
in_ns rt ip link set eth0 mtu 1400
curl6 --max-time 60 -o "$W/big" -w '%{size_download}\n' "http://[$VIP6L3]/big" >"$W/big.out" ||
	fail "the 20 MB download through the L3 v6 VIP with a 1400-byte hop on the way back failed (Packet Too Big not routed to the backend?)"
in_ns rt ip link set eth0 mtu 1500
check_eq "with a 1400-byte hop on the response path, the L3 v6 download is still the backend's file" \
	"$(sha256sum "$W/big" | cut -d' ' -f1)" "$big_sum"
rm -f "$W/big"
ferr=$(($(tula_event icmp-errors-to-backend) - ferr0))
echo "figures: $ferr ICMP errors to a VIP passed on to their flow's backend"
((ferr > 0)) || fail "Tula passed no ICMP error on to a backend (icmp-errors-to-backend did not move)"
ok "Tula passed the router's Packet Too Big on to the backend ($ferr)"
learned=$(for n in be3 be4; do in_ns "$n" ip -6 route get "$LAB6_CLIENT_IP" from "$VIP6L3"; done)
check_match "a backend's kernel learned mtu 1400 towards the client" "$learned" " mtu 1400( |$)"

# ================================================================ both families at once
pids=()
for v in "4 http://$LAB_VIP_L2/info 1 2" "4 http://$LAB_VIP_L3/info 3 4" \
	"6 http://[$VIP6]/info 1 2" "6 http://[$VIP6L3]/info 3 4"; do
	read -r fam url _ _ <<<"$v"
	mapfile -t u < <(urls 40 "$url")
	in_ns client curl "-$fam" -g -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
		-w '%{http_code}\n' "${u[@]}" >"$W/mix-$fam-${url//[^a-z0-9]/_}.out" 2>&1 &
	pids+=($!)
done
# Only these (the decapsulators lab6_up started are jobs of this shell too). curl's
# own status is not the verdict: the counts below are.
wait "${pids[@]}" || true
i=0
for v in "4 http://$LAB_VIP_L2/info 1 2" "4 http://$LAB_VIP_L3/info 3 4" \
	"6 http://[$VIP6]/info 1 2" "6 http://[$VIP6L3]/info 3 4"; do
	read -r fam url a b <<<"$v"
	f=$W/mix-$fam-${url//[^a-z0-9]/_}.out
	check_eq "at the same time: 40 requests to $url all answered 200" "$(grep -c '^200$' "$f")" 40
	check_eq "each by be$a or be$b" "$(grep -c "^node=be[$a$b] " "$f")" 40
	i=$((i + 1))
done
((i == 4)) || fail "not every VIP was checked"
for vip in web6 web6-l3; do
	check_eq "show services dsr: $vip is up" "$(tula_stat "show services dsr vip $vip" 'j[0]["state"]')" up
	n=$(tula_stat "show services dsr statistics vip $vip" 'j["vips"][0]["counters"]["new-flows"]')
	echo "figures: $vip counted $n new flows"
	((n >= 80)) || fail "the statistics of $vip count $n new flows (at least 80 were made)"
done
ok "the v6 VIPs' statistics count their flows"

tula_check_alive
