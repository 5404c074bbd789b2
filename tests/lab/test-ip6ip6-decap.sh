#!/usr/bin/env bash
# lab-ip6ip6-decap: an IPv6 L3 DSR backend (be3, behind the router) answers
# IPv6-in-IPv6 packets (next header 41) sent to it the way Tula sends them — outer
# header to the backend, inner packet from the client to the v6 VIP — and the answer
# reaches the client directly, from the VIP. Without Tula: Tula's namespace temporarily
# gets Tula's v6 self address and plays its part with ip6ip6_probe.py (packets made by
# scapy). What this shows about the kernel and the decapsulator (`ipip_decap -6`):
#   - an IPv6 raw socket for next header 41 receives the inner packet without the outer
#     header, and while it is open the kernel sends no ICMPv6 parameter problem for
#     next header 41 (checked on the wire);
#   - inner packets up to the link MTU and past it (outer fragments, reassembled) pass;
#   - RFC 6040: an outer CE mark reaches an ECN-capable inner packet; the flow label
#     and the rest of the traffic class are the inner packet's own;
#   - malformed inner packets are dropped by reason and the decapsulator survives them;
#   - stopped, the backend no longer answers and its kernel is back to "parameter
#     problem, unrecognized next header" pointing at the outer next header (offset 6);
#     started again, it answers again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root

PROBE=$LAB_DIR/ip6ip6_probe.py
/usr/bin/python3 -c 'import scapy' 2>/dev/null ||
	fail "scapy is missing for /usr/bin/python3 (packaging/install-deps.sh installs python3-scapy)"
lab_tool ipip_decap >/dev/null || fail "ipip_decap is not built"
lab_up l3
lab6_up
W=$(mktemp -d "/tmp/tula-lab-${LAB_PREFIX}-6in6.XXXXXX")
lab_on_down "rm -rf $W"

# Tula's stand-in: IPv6 on lb0 with Tula's v6 self address, a route via the router.
_lab6_enable lb "$LAB_LB_IF"
in_ns lb ip address add "$LAB6_LB_SELF_IP/64" dev "$LAB_LB_IF" nodad
in_ns lb ip -6 route add default via "$LAB6_RT_A_IP"

# probe BACKEND_IP ARGS...: one 6in6 packet from "Tula" to the backend, inner packet
# from the client to the L3 v6 VIP; prints what came back, returns the probe's status.
probe() {
	local dst=$1
	shift
	/usr/bin/python3 "$PROBE" --send-ns "$(lab_ns lb)" --recv-ns "$(lab_ns client)" \
		--outer-dst "$dst" --inner-src "$LAB6_CLIENT_IP" --inner-dst "$LAB6_VIP_L3" "$@"
}

# decap_counters NODE: the v6 decapsulator's counters line (asks for it with SIGUSR1).
decap_counters() {
	local log=$LAB_RUN_DIR/$1/decap6.log n
	n=$(grep -c 'ipip_decap -6: rx' "$log" || true)
	kill -USR1 "$(<"$LAB_RUN_DIR/$1/decap6.pid")"
	wait_until 3 test "$(grep -c 'ipip_decap -6: rx' "$log")" -gt "$n" ||
		fail "ipip_decap -6 on $1 did not report its counters"
	grep 'ipip_decap -6: rx' "$log" | tail -n 1
}

# counter LINE NAME: one counter's value from a counters line.
counter() { [[ $1 =~ (^| )$2\ ([0-9]+) ]] && echo "${BASH_REMATCH[2]}"; }

be3=$LAB6_BE3_IP
# Every ICMPv6 error Tula's stand-in receives while the decapsulator runs.
cap=
lab_capture cap lb "$LAB_LB_IF" "$W/lb.pcap" "icmp6 and ip6[40] < 128"
# What be3's kernel receives from the decapsulator.
captun=
lab_capture captun be3 "$LAB6_TUN_IF" "$W/tun.pcap" "ip6"

out=$(probe "$be3" --icmp --timeout 3000) || fail "no echo reply from the v6 VIP via be3: $out"
check_eq "ICMPv6 echo to the VIP, tunnelled to be3: the client gets the reply from the VIP" \
	"$out" "reply icmp6 echo-reply from $LAB6_VIP_L3 to $LAB6_CLIENT_IP len 104"

out=$(probe "$be3" --tcp-syn 80 --timeout 3000) || fail "no SYN-ACK from the VIP via be3: $out"
check_match "TCP SYN to [VIP]:80, tunnelled to be3: nginx's SYN-ACK reaches the client from the VIP" \
	"$out" "^reply tcp syn-ack from \[$LAB6_VIP_L3\]:80 to \[$LAB6_CLIENT_IP\]:[0-9]+$"

out=$(probe "$be3" --icmp --size 1460 --timeout 3000) || fail "no reply to a 1460-byte inner packet: $out"
check_match "an inner packet of 1460 bytes (outer 1500 = the MTU) is decapsulated" "$out" "len 1460$"

out=$(probe "$be3" --icmp --size 8000 --timeout 3000) || fail "no reply to an 8000-byte inner packet: $out"
check_match "an inner packet larger than the MTU (outer fragmented, reassembled) is decapsulated" \
	"$out" "len 8000$"

# RFC 6040 §4.2: outer CE over inner ECT(0) -> the inner packet arrives CE; the inner
# DSCP (0x28 << 2 = 0xa0) and flow label are the inner packet's, not the outer's.
out=$(probe "$be3" --icmp --outer-tclass 3 --inner-tclass $((0xa0 | 2)) --inner-flow 12345 \
	--timeout 3000) || fail "no reply to an ECN-marked packet: $out"
check_match "an ECN-capable inner packet under an outer CE mark is decapsulated" "$out" "^reply icmp6 "

out=$(probe "$LAB6_BE4_IP" --icmp --timeout 3000) || fail "no echo reply from the VIP via be4: $out"
check_match "be4 decapsulates too" "$out" "^reply icmp6 echo-reply from $LAB6_VIP_L3 "

line=$(decap_counters be3)
check_eq "be3's decapsulator counted 5 packets decapsulated" "$(counter "$line" decap)" 5
check_eq "and copied one CE mark" "$(counter "$line" ce-copied)" 1
lab_capture_stop "$captun" "$W/tun.pcap"
# tcpdump -v: "IP6 (class 0xa3, flowlabel 0x03039, hlim 64, next-header ICMPv6 ..."
marked=$(tcpdump -nn -v -r "$W/tun.pcap" "ip6 and ip6[0:4] & 0x0fffffff = $(((0xa3 << 20) | 12345))" 2>/dev/null |
	grep -c 'class 0xa3, flowlabel 0x03039' || true)
check_eq "be3's kernel got that packet with class 0xa3 (DSCP kept, ECN CE) and its own flow label" "$marked" 1
check_eq "every packet be3's kernel got from the tunnel is client -> VIP" \
	"$(tcpdump -nn -r "$W/tun.pcap" 2>/dev/null | awk '{ sub(/\.[0-9]+$/, "", $3); sub(/(\.[0-9]+)?:$/, "", $5); print $3, $5 }' | sort -u)" \
	"$LAB6_CLIENT_IP $LAB6_VIP_L3"

# Garbage: counted and dropped, and the decapsulator keeps working.
out=$(probe "$be3" --garbage all) && fail "ip6ip6_probe --garbage should exit 1"
check_eq "six malformed inner packets sent" "$(grep -c '^sent garbage' <<<"$out")" 6
garbage_arrived() { [[ $(counter "$(decap_counters be3)" rx) -ge 11 ]]; }
wait_until 3 garbage_arrived ||
	fail "be3's decapsulator did not receive the garbage: $(decap_counters be3)"
line=$(decap_counters be3)
echo "$line"
check_eq "inner shorter than an IPv6 header (empty, 20 bytes): dropped" "$(counter "$line" inner-short)" 2
check_eq "inner IPv4 in an IPv6 tunnel: dropped" "$(counter "$line" inner-version)" 1
check_eq "inner payload length beyond the data, or 0 (jumbogram): dropped" "$(counter "$line" inner-paylen)" 2
check_eq "not-ECT inner packet under an outer CE mark: dropped (RFC 6040)" "$(counter "$line" ce-over-not-ect)" 1
check_eq "no garbage reached the TUN device" "$(counter "$line" decap)" 5
out=$(probe "$be3" --icmp --timeout 3000) || fail "be3 stopped answering after garbage: $out"
check_match "be3 still answers after the garbage" "$out" "^reply icmp6 echo-reply from $LAB6_VIP_L3 "

# Tunnel down: stop the decapsulator. It must exit through its clean path (final
# counters printed, pid file removed), and the backend must no longer answer.
pid=$(<"$LAB_RUN_DIR/be3/decap6.pid")
lab6_decap be3 stop
check "ipip_decap -6 exited on SIGTERM" proc_gone "$pid"
check "ipip_decap -6 removed its pid file" test ! -e "$LAB_RUN_DIR/be3/decap6.pid"
check_match "ipip_decap -6 printed its counters on the way out" \
	"$(tail -n 1 "$LAB_RUN_DIR/be3/decap6.log")" "^ipip_decap -6: rx 12 decap 6 "

out=$(probe "$be3" --icmp --timeout 1500) && fail "be3 still answers with its decapsulator stopped: $out"
check_match "decapsulator stopped: no answer reaches the client" "$out" "timeout: no reply"
check_match "decapsulator stopped: be3's kernel answers parameter problem, unrecognized next header, at the outer next header field" \
	"$out" "icmp6-error type 4 code 1 pointer 6 from $be3 about $LAB6_LB_SELF_IP->$be3 nh 41"
lab_capture_stop "$cap" "$W/lb.pcap"
# The capture ran from the start: the one ICMPv6 error on Tula's cable is that last one.
check_eq "while the decapsulator ran (12 tunnel packets), be3 and be4 sent no ICMPv6 error: the one on the wire is from after the stop" \
	"$(tcpdump -nn -t -r "$W/lb.pcap" 2>/dev/null | sed 's/, length [0-9]*$//')" \
	"IP6 $be3 > $LAB6_LB_SELF_IP: ICMP6, parameter problem, next header - octet 6"

lab6_decap be3 start
out=$(probe "$be3" --icmp --timeout 3000) || fail "be3 does not answer after the restart: $out"
check_match "decapsulator started again: be3 answers again" "$out" \
	"^reply icmp6 echo-reply from $LAB6_VIP_L3 to $LAB6_CLIENT_IP "
