#!/usr/bin/env bash
# lab-ipip-decap: an L3 DSR backend (be3, behind the router) answers IP-in-IP packets
# sent to it the way Tula sends them — outer header to the backend, inner packet from
# the client to the VIP — and the answer reaches the client directly, from the VIP.
# Without Tula: Tula's namespace temporarily gets Tula's self address and plays its part
# with ipip_probe. The decapsulator drops malformed inner packets and survives them;
# once it is stopped the backend no longer answers (and the kernel is back to "protocol
# 4 unreachable"); started again, it answers again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root

PROBE=$(lab_tool ipip_probe)
lab_up l3

# Tula's stand-in: its self address (the tunnel source) and a route via the router.
in_ns lb ip address add "$LAB_LB_SELF_IP/24" dev "$LAB_LB_IF"
in_ns lb ip route add default via "$LAB_RT_A_IP"

# probe BACKEND_IP ARGS...: one IP-in-IP packet from "Tula" to the backend, inner packet
# from the client to the L3 VIP; prints what came back, returns ipip_probe's status.
probe() {
	local dst=$1
	shift
	"$PROBE" --send-ns "$(lab_ns lb)" --recv-ns "$(lab_ns client)" \
		--outer-dst "$dst" --inner-src "$LAB_CLIENT_IP" --inner-dst "$LAB_VIP_L3" "$@"
}

# decap_counters NODE: the decapsulator's counters line (asks for it with SIGUSR1).
decap_counters() {
	local log=$LAB_RUN_DIR/$1/decap.log n
	n=$(grep -c 'ipip_decap: rx' "$log" || true)
	kill -USR1 "$(<"$LAB_RUN_DIR/$1/decap.pid")"
	wait_until 3 test "$(grep -c 'ipip_decap: rx' "$log")" -gt "$n" ||
		fail "ipip_decap on $1 did not report its counters"
	grep 'ipip_decap: rx' "$log" | tail -n 1
}

# counter LINE NAME: one counter's value from a counters line.
counter() { [[ $1 =~ (^| )$2\ ([0-9]+) ]] && echo "${BASH_REMATCH[2]}"; }

be3=$LAB_BE3_IP
out=$(probe "$be3" --icmp --timeout 3000) || fail "no echo reply from the VIP via be3: $out"
check_eq "ICMP echo to the VIP, tunnelled to be3: the client gets the reply from the VIP" \
	"$out" "reply icmp echo-reply from $LAB_VIP_L3 to $LAB_CLIENT_IP len 84"

out=$(probe "$be3" --tcp-syn 80 --timeout 3000) || fail "no SYN-ACK from the VIP via be3: $out"
check_match "TCP SYN to VIP:80, tunnelled to be3: nginx's SYN-ACK reaches the client from the VIP" \
	"$out" "^reply tcp syn-ack from $LAB_VIP_L3:80 to $LAB_CLIENT_IP:[0-9]+$"

out=$(probe "$be3" --icmp --size 1480 --timeout 3000) || fail "no reply to a 1480-byte inner packet: $out"
check_match "an inner packet of 1480 bytes (outer 1500 = the MTU) is decapsulated" "$out" \
	"len 1480$"

out=$(probe "$be3" --icmp --size 8000 --timeout 3000) || fail "no reply to an 8000-byte inner packet: $out"
check_match "an inner packet larger than the MTU (outer fragmented, reassembled) is decapsulated" \
	"$out" "len 8000$"

out=$(probe "$LAB_BE4_IP" --icmp --timeout 3000) || fail "no echo reply from the VIP via be4: $out"
check_match "be4 decapsulates too" "$out" "^reply icmp echo-reply from $LAB_VIP_L3 "

# The replies went through the decapsulator, not around it.
line=$(decap_counters be3)
check_eq "be3's decapsulator counted 4 packets decapsulated" "$(counter "$line" decap)" 4

# Garbage: counted and dropped, and the decapsulator keeps working.
out=$(probe "$be3" --garbage all) && fail "ipip_probe --garbage should exit 1"
check_eq "six malformed inner packets sent" "$(grep -c '^sent garbage' <<<"$out")" 6
garbage_arrived() { [[ $(counter "$(decap_counters be3)" rx) -ge 10 ]]; }
wait_until 3 garbage_arrived ||
	fail "be3's decapsulator did not receive the garbage: $(decap_counters be3)"
line=$(decap_counters be3)
check_eq "inner shorter than an IPv4 header: dropped" "$(counter "$line" inner-short)" 2
check_eq "inner version 6 in an IPv4 tunnel: dropped" "$(counter "$line" inner-version)" 1
check_eq "inner IHL < 5: dropped" "$(counter "$line" inner-hdrlen)" 1
check_eq "inner total length beyond the data: dropped" "$(counter "$line" inner-totlen)" 1
check_eq "inner header checksum wrong: dropped" "$(counter "$line" inner-checksum)" 1
check_eq "no garbage reached the TUN device" "$(counter "$line" decap)" 4
out=$(probe "$be3" --icmp --timeout 3000) || fail "be3 stopped answering after garbage: $out"
check_match "be3 still answers after the garbage" "$out" "^reply icmp echo-reply from $LAB_VIP_L3 "

# Tunnel down: stop the decapsulator. It must exit through its clean path (final
# counters printed, pid file removed), and the backend must no longer answer.
pid=$(<"$LAB_RUN_DIR/be3/decap.pid")
lab backend be3 decap stop
check "ipip_decap exited on SIGTERM" proc_gone "$pid"
check "ipip_decap removed its pid file" test ! -e "$LAB_RUN_DIR/be3/decap.pid"
check_match "ipip_decap printed its counters on the way out" \
	"$(tail -n 1 "$LAB_RUN_DIR/be3/decap.log")" "^ipip_decap: rx 11 decap 5 "

out=$(probe "$be3" --icmp --timeout 1500) && fail "be3 still answers with its decapsulator stopped: $out"
check_match "decapsulator stopped: no answer reaches the client" "$out" "timeout: no reply"
check_match "decapsulator stopped: be3's kernel answers protocol 4 unreachable" "$out" \
	"icmp-error type 3 code 2 from $be3 about $LAB_LB_SELF_IP->$be3 proto 4"
out=$(probe "$be3" --tcp-syn 80 --timeout 1000) && fail "be3 answers a SYN without its decapsulator: $out"
check_match "decapsulator stopped: no SYN-ACK either" "$out" "timeout: no reply"

lab backend be3 decap start
out=$(probe "$be3" --icmp --timeout 3000) || fail "be3 does not answer after decap start: $out"
check_match "decapsulator started again: be3 answers again" "$out" \
	"^reply icmp echo-reply from $LAB_VIP_L3 to $LAB_CLIENT_IP "
