#!/usr/bin/env bash
# lab-topology-lifecycle: the `full` topology can be built and destroyed 20 times in a
# row, and each time it is gone completely (no namespace, no veth, no process left);
# on the first round it really works (reachability, HTTP, the DSR backend set-up, the
# switch's bridge netfilter sysctls). Prints the time of each round.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root

ROUNDS=${LAB_ROUNDS:-20}
NODES=(sw client lb rt be1 be2 be3 be4)
NODE_RE="^$LAB_PREFIX-(sw|client|lb|rt|be[0-9]+)\$"

root_veths() { ip -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }
lab_netns() { ip netns list | awk '{ print $1 }' | grep -E "$NODE_RE" || true; }

# The lab must not exist before we start (a previous run that leaked would make every
# check below meaningless).
"$LAB_SH" down
veths_before=$(root_veths)

declare -A seen_inodes=() seen_pids=()

# Remembers what this round created, to prove afterwards that it is gone.
record_round() {
	local i p f
	for i in $(stat -L -c %i "${NODES[@]/#//run/netns/$LAB_PREFIX-}"); do
		seen_inodes[$i]=1
	done
	for f in "$LAB_RUN_DIR"/be*/nginx.pid "$LAB_RUN_DIR"/be*/decap.pid; do
		p=$(<"$f")
		seen_pids[$p]=$f
	done
}

assert_gone() { # ROUND
	local left p stat path link
	left=$(lab_netns)
	[[ -z $left ]] || fail "round $1: namespaces left: $left"
	[[ ! -e $LAB_RUN_DIR ]] || fail "round $1: run directory $LAB_RUN_DIR left"
	[[ "$(root_veths)" == "$veths_before" ]] ||
		fail "round $1: veths in the root namespace changed: $(diff <(echo "$veths_before") <(root_veths) | tr '\n' ' ')"
	# Every nginx / ipip_decap the lab ever started is dead (zombies waiting for init
	# to reap them have released everything and count as dead).
	for p in "${!seen_pids[@]}"; do
		if read -r stat 2>/dev/null <"/proc/$p/stat"; then
			stat=${stat##*) }
			[[ ${stat%% *} == Z ]] || fail "round $1: process $p (${seen_pids[$p]}) still runs"
		fi
	done
	# No process at all holds one of the lab's network namespaces. Namespace inode
	# numbers are reused once a namespace is gone, so a process started after the
	# teardown began (DOWN_TICKS) that has one is in some other, new namespace (seen in
	# CI: a test run by hand beside it, in a namespace of its own).
	while read -r path link; do
		link=${link#net:[}
		link=${link%]}
		[[ -z $link || -z ${seen_inodes[$link]:-} ]] && continue
		read -r stat 2>/dev/null <"${path%/ns/net}/stat" || continue
		stat=${stat##*) }
		read -ra stat <<<"$stat"
		((stat[19] > DOWN_TICKS)) && continue # field 22, starttime
		cmd=$(tr '\0' ' ' <"${path%/ns/net}/cmdline" 2>/dev/null) || continue
		# A program of another lab (another prefix: a build directory running its lab
		# suite at the same time) sits in that lab's namespace, which may have reused
		# the inode number of one of ours from an earlier round.
		[[ $cmd == *"/run/tula-lab/"* && $cmd != *"/run/tula-lab/$LAB_PREFIX/"* ]] && continue
		fail "round $1: $path is still in a lab namespace ($cmd)"
	done < <(find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -printf '%p %l\n' 2>/dev/null)
}

functional_checks() {
	local ip out n f v
	# Reachability: every backend answers the client's ping; be3/be4 through the router
	# (their replies arrive with TTL 63: one hop).
	for n in be1 be2 be3 be4; do
		ip=$(lab_node_ip "$n")
		out=$(in_ns client ping -c 1 -W 2 "$ip") || fail "client cannot ping $n ($ip): $out"
	done
	ok "client pings be1 be2 be3 be4"
	out=$(in_ns client ping -c 1 -W 2 "$LAB_BE3_IP")
	check_match "be3 is one routed hop away" "$out" "ttl=63"
	out=$(in_ns client ping -c 1 -W 2 "$LAB_BE1_IP")
	check_match "be1 is on the client's segment" "$out" "ttl=64"

	# HTTP on every backend, both ports, from the client.
	check_eq "client GET http://10.0.1.11/ answers be1" "$(lab_curl client "http://$LAB_BE1_IP/")" be1
	check_eq "client GET http://10.0.1.12:8080/ answers be2" \
		"$(lab_curl client "http://$LAB_BE2_IP:8080/")" be2
	check_eq "client GET http://10.0.2.13/ (via the router) answers be3" \
		"$(lab_curl client "http://$LAB_BE3_IP/")" be3
	check_eq "client GET http://10.0.2.14/ answers be4" "$(lab_curl client "http://$LAB_BE4_IP/")" be4
	check_eq "be3 /healthz" "$(lab_curl client "http://$LAB_BE3_IP/healthz")" ok
	out=$(lab_curl client "http://$LAB_BE2_IP/info")
	check_match "be2 /info shows the client's own address" "$out" \
		"^node=be2 server=$LAB_BE2_IP:80 client=$LAB_CLIENT_IP:[0-9]+$"
	out=$(lab_curl client "http://$LAB_BE1_IP/big" | sha256sum)
	check_eq "be1 /big is the lab's 20 MB file, byte for byte" "$out" \
		"$(sha256sum <"$LAB_RUN_DIR/big.bin")"
	check_eq "/big is 20 MB" "$(stat -c %s "$LAB_RUN_DIR/big.bin")" "$LAB_BIG_SIZE"
	out=$(head -c 3000000 /dev/zero | lab_curl client --data-binary @- "http://$LAB_BE4_IP/upload")
	check_eq "be4 /upload reads a 3 MB POST body" "$out" "be4 received 3000000 bytes"

	# The L2 DSR backend set-up on be1 and be2.
	for n in be1 be2; do
		out=$(in_ns "$n" ip -o -4 address show dev lo)
		check_match "$n has the L2 VIP on lo" "$out" " $LAB_VIP_L2/32 "
		for f in all eth0; do
			check_eq "$n arp_ignore ($f)" "$(in_ns "$n" cat /proc/sys/net/ipv4/conf/$f/arp_ignore)" 1
			check_eq "$n arp_announce ($f)" \
				"$(in_ns "$n" cat /proc/sys/net/ipv4/conf/$f/arp_announce)" 2
		done
	done
	# The L3 DSR backend set-up on be3 and be4.
	for n in be3 be4; do
		out=$(in_ns "$n" ip -o -4 address show dev "$LAB_TUN_IF")
		check_match "$n has the L3 VIP on $LAB_TUN_IF" "$out" " $LAB_VIP_L3/32 "
		check_eq "$n rp_filter on $LAB_TUN_IF" \
			"$(in_ns "$n" cat /proc/sys/net/ipv4/conf/$LAB_TUN_IF/rp_filter)" 0
		check_eq "$n rp_filter (all)" "$(in_ns "$n" cat /proc/sys/net/ipv4/conf/all/rp_filter)" 0
		check "$n runs ipip_decap" kill -0 "$(<"$LAB_RUN_DIR/$n/decap.pid")"
		out=$(in_ns "$n" ip route show default)
		check_match "$n routes via the router" "$out" "^default via $LAB_RT_B_IP "
	done
	check_eq "router forwards" "$(in_ns rt cat /proc/sys/net/ipv4/ip_forward)" 1
	check_eq "router rp_filter (all)" "$(in_ns rt cat /proc/sys/net/ipv4/conf/all/rp_filter)" 0
	check_eq "router rp_filter (eth1)" "$(in_ns rt cat /proc/sys/net/ipv4/conf/eth1/rp_filter)" 0

	# The switch: bridged IPv4 bypasses netfilter.
	if [[ -e /proc/sys/net/bridge ]] || in_ns sw test -e /proc/sys/net/bridge; then
		for f in iptables ip6tables arptables; do
			v=$(in_ns sw cat /proc/sys/net/bridge/bridge-nf-call-$f)
			check_eq "switch bridge-nf-call-$f" "$v" 0
		done
	else
		ok "switch: no br_netfilter sysctls on this kernel (nothing to turn off)"
	fi

	# Tula's namespace: lb0 up without any address, no forwarding, no IPv6.
	out=$(in_ns lb ip -o address show dev "$LAB_LB_IF")
	check_eq "lb0 carries no address" "$out" ""
	check_match "lb0 is up" "$(in_ns lb ip -o link show dev "$LAB_LB_IF")" "state UP"
	check_eq "lb0 MAC is the planned one" "$(in_ns lb cat /sys/class/net/$LAB_LB_IF/address)" \
		"$LAB_LB_MAC"
	check_eq "lb namespace does not forward" "$(in_ns lb cat /proc/sys/net/ipv4/ip_forward)" 0
	check_eq "lb namespace has IPv6 off" \
		"$(in_ns lb cat /proc/sys/net/ipv6/conf/$LAB_LB_IF/disable_ipv6)" 1
	# Segment A has carried ARP broadcasts and pings by now; the kernel behind lb0 must
	# not have said a word (that is Tula's port).
	check "lb0 received the segment's broadcasts" \
		test "$(in_ns lb cat /sys/class/net/$LAB_LB_IF/statistics/rx_packets)" -gt 0
	check_eq "the kernel in Tula's namespace sent nothing on lb0" \
		"$(in_ns lb cat /sys/class/net/$LAB_LB_IF/statistics/tx_packets)" 0

	# veth behaves like a wire on the interfaces that send through Tula.
	for n in client lb be1; do
		f=eth0
		[[ $n == lb ]] && f=$LAB_LB_IF
		out=$(in_ns "$n" ethtool -k "$f")
		for v in tx-checksumming tcp-segmentation-offload generic-segmentation-offload \
			generic-receive-offload; do
			check_match "$n $f $v off" "$out" "$v: off"
		done
	done
}

total=0 max=0
for ((round = 1; round <= ROUNDS; round++)); do
	t0=${EPOCHREALTIME/./}
	lab_up full >/dev/null
	t1=${EPOCHREALTIME/./}
	record_round
	((round == 1)) && functional_checks
	t2=${EPOCHREALTIME/./}
	read -r up _ </proc/uptime
	DOWN_TICKS=$((${up/./} * $(getconf CLK_TCK) / 100)) # uptime has 2 decimals
	lab_down
	t3=${EPOCHREALTIME/./}
	assert_gone "$round"
	up_ms=$(((t1 - t0) / 1000))
	down_ms=$(((t3 - t2) / 1000))
	((total += up_ms + down_ms, max = (up_ms + down_ms > max ? up_ms + down_ms : max))) || true
	echo "round $round: up ${up_ms} ms, down ${down_ms} ms"
done
ok "built and destroyed the full topology $ROUNDS times; nothing left behind"
echo "per round (up + down): mean $((total / ROUNDS)) ms, max $max ms"
