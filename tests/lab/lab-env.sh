# shellcheck shell=bash
# The lab's addressing plan: the one place that names namespaces, interfaces and
# addresses. Sourced by lab.sh, lib.sh (tests), demo.sh and anything else that talks
# to the lab. Other helpers and the demo configuration rely on these values: extend,
# do not change.
#
#   segment A  10.0.1.0/24  bridge br-a in <P>-sw
#       client 10.0.1.2   (<P>-client, eth0, default via 10.0.1.1)
#       Tula   lb0        (<P>-lb, NO kernel address; Tula's self address is 10.0.1.10)
#       router 10.0.1.1   (<P>-rt, eth0)
#       be1    10.0.1.11, be2 10.0.1.12 (eth0; l2 --backends N: be1..beN = 10.0.1.11..)
#   segment B  10.0.2.0/24  bridge br-b in <P>-sw
#       router 10.0.2.1   (<P>-rt, eth1; ip_forward=1, rp_filter=0)
#       be3    10.0.2.13, be4 10.0.2.14 (eth0, default via 10.0.2.1)
#   L2 VIP 10.0.1.100 (tcp 80 and 8080) on lo of be1/be2 (arp_ignore=1, arp_announce=2)
#   L3 VIP 10.0.1.200 (tcp 80) on tun-ipip of be3/be4, fed by ipip_decap
#
# Every node's own veth end has a MAC derived from its address (02:00:a:b:c:d), so a
# test can predict which MAC Tula must write: lab_mac 10.0.1.11 -> 02:00:0a:00:01:0b.

LAB_PREFIX=${LAB_PREFIX:-tula}
if [[ ! $LAB_PREFIX =~ ^[a-z][a-z0-9]{0,9}$ ]]; then
	echo "lab: LAB_PREFIX '$LAB_PREFIX' must be 1-10 characters [a-z0-9], starting with a letter" >&2
	# shellcheck disable=SC2317 # exit when executed rather than sourced
	return 2 2>/dev/null || exit 2
fi
export LAB_PREFIX

# Where a lab keeps its run-time files (nginx configs, logs, pid files, state).
export LAB_RUN_DIR=${LAB_RUN_DIR:-/run/tula-lab/$LAB_PREFIX}

export LAB_NET_A=10.0.1.0/24
export LAB_NET_B=10.0.2.0/24
export LAB_CLIENT_IP=10.0.1.2
export LAB_RT_A_IP=10.0.1.1
export LAB_RT_B_IP=10.0.2.1
export LAB_GW_A=$LAB_RT_A_IP
export LAB_GW_B=$LAB_RT_B_IP
export LAB_LB_IF=lb0
export LAB_LB_SELF_IP=10.0.1.10
export LAB_BE1_IP=10.0.1.11
export LAB_BE2_IP=10.0.1.12
export LAB_BE3_IP=10.0.2.13 # in l3 / full (in `l2 --backends N` be3 is 10.0.1.13)
export LAB_BE4_IP=10.0.2.14
export LAB_VIP_L2=10.0.1.100
export LAB_VIP_L2_PORTS="80 8080"
export LAB_VIP_L3=10.0.1.200
export LAB_VIP_L3_PORT=80
export LAB_TUN_IF=tun-ipip
# bgp topology: the client sits on segment B, behind the router; the Tula boxes lb1..lb3
# have self addresses 10.0.1.21..23 (lab_node_ip lb1) and peer with the router.
export LAB_BGP_CLIENT_IP=10.0.2.2
export LAB_BIG_SIZE=$((20 * 1024 * 1024))

export LAB_NS_SW=$LAB_PREFIX-sw
export LAB_NS_CLIENT=$LAB_PREFIX-client
export LAB_NS_LB=$LAB_PREFIX-lb
export LAB_NS_RT=$LAB_PREFIX-rt

# lab_ns NODE: the namespace of a node (sw, client, lb, rt, be1, ...).
lab_ns() { echo "$LAB_PREFIX-$1"; }

# lab_mac_v VAR IPV4: sets VAR to the MAC the lab gives the interface carrying IPV4.
lab_mac_v() {
	local IFS=.
	local -a b
	read -r -a b <<<"$2"
	# shellcheck disable=SC2059
	printf -v "$1" '02:00:%02x:%02x:%02x:%02x' "${b[0]}" "${b[1]}" "${b[2]}" "${b[3]}"
}
# lab_mac IPV4: prints it.
lab_mac() {
	local m
	lab_mac_v m "$1"
	echo "$m"
}

# The MAC of Tula's veth lb0 (derived from Tula's self address, like the others').
lab_mac_v LAB_LB_MAC "$LAB_LB_SELF_IP"
export LAB_LB_MAC

# lab_node_ip NODE: a node's address on its segment, as the running lab built it
# (reads the lab's state; falls back to the fixed plan when no lab is up).
lab_node_ip() {
	local n ip
	if [[ -r $LAB_RUN_DIR/nodes ]]; then
		while read -r n _ ip _; do
			[[ $n == "$1" ]] && { echo "$ip"; return 0; }
		done <"$LAB_RUN_DIR/nodes"
	fi
	case $1 in
	client) echo "$LAB_CLIENT_IP" ;;
	rt) echo "$LAB_RT_A_IP" ;;
	be1) echo "$LAB_BE1_IP" ;;
	be2) echo "$LAB_BE2_IP" ;;
	be3) echo "$LAB_BE3_IP" ;;
	be4) echo "$LAB_BE4_IP" ;;
	*) return 1 ;;
	esac
}
