#!/usr/bin/env bash
# lab-backend-setup6-generated-commands-work-on-a-bare-backend: `show services dsr
# backend-setup` for IPv6 VIPs, proven. The full lab made dual stack (lab6_up), then be1
# (L2) and be3 (L3) made bare again for the v6 VIPs: no VIP anywhere, no nftables. The
# commands are read from Tula's own CLI output (`| display json`, checked against the
# text form), not written here, and run as they are on the bare backend:
#
#   - before: curl -6 to the VIP through Tula fails (the bare backend drops the packets);
#   - after, L2 (web6, be1): the VIP is on lo, deprecated; curl -6 through Tula gets
#     be1's page; every reply the client receives comes from [VIP]:80 with be1's MAC
#     (straight from the backend, not through Tula); be1 answers no Neighbor
#     Solicitation for the VIP (multicast nor unicast), not even once the VIP is also
#     put on its eth0 by mistake — the generated nftables rule counts and drops them,
#     and without that rule be1 does answer (the control that the probe would see it);
#     be1's own new connections leave from its own address, not the VIP;
#   - after, L3 (web6-l3, be3): this kernel has no ip6_tunnel module, so `modprobe
#     ip6_tunnel` and the tunnel commands are reported as not run, and lab6's user-space
#     decapsulator (ipip_decap -6 on tun-ip6) stands in for the tunnel; every other
#     generated command runs, and curl -6 through Tula gets be3's page from the VIP.
#     On a kernel that has ip6_tunnel, every command runs and the kernel's tunnel
#     replaces the decapsulator.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root
command -v nft >/dev/null || fail "nft (nftables) is not installed: packaging/install-deps.sh"

W=$TULA_WORK
VIP6=$LAB6_VIP_L2
VIP6L3=$LAB6_VIP_L3
lab_up full
lab6_up

# Bare backends for the v6 VIPs: undo what lab6_up set up on be1 and be3 (be3's
# decapsulator stays: it is what stands in for the ip6_tunnel device).
in_ns be1 ip -6 addr del "$VIP6/128" dev lo
in_ns be1 nft delete table inet lab6
in_ns be3 ip -6 addr del "$VIP6L3/128" dev "$LAB6_TUN_IF"
check_eq "be1 has no address of the VIP" "$(in_ns be1 ip -6 -o addr show to "$VIP6/128")" ""
check_eq "be1 has no nftables rule" "$(in_ns be1 nft list ruleset)" ""
check_eq "be3 has no address of the VIP" "$(in_ns be3 ip -6 -o addr show to "$VIP6L3/128")" ""

cat >"$W/t.conf" <<EOF
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
        vip web6 {
            address $VIP6;
            protocol tcp;
            port 80;
            mode l2;
            backend be1 { address $LAB6_BE1_IP; }
        }
        vip web6-l3 {
            address $VIP6L3;
            protocol tcp;
            port 80;
            mode l3;
            tunnel-source $LAB6_LB_SELF_IP;
            backend be3 { address $LAB6_BE3_IP; }
        }
    }
}
EOF
tula_start "$W/t.conf"

curl6() { lab_curl client -6 -g "$@"; }
out=$(curl6 --max-time 3 "http://[$VIP6]/info" 2>&1) &&
	fail "the bare be1 answered for the VIP before its set-up: $out"
ok "before the set-up, the L2 v6 VIP does not answer through Tula (be1 is bare)"
out=$(curl6 --max-time 3 "http://[$VIP6L3]/info" 2>&1) &&
	fail "the bare be3 answered for the VIP before its set-up: $out"
ok "before the set-up, the L3 v6 VIP does not answer through Tula (be3 is bare)"

# setup_cmds VIP BACKEND FILE: the backend's commands, one a line, from Tula's JSON; each
# must also be a line of the text form the operator reads.
setup_cmds() {
	local js text c
	js=$(tula_json "show services dsr backend-setup vip $1 backend $2")
	text=$(tcli -c "show services dsr backend-setup vip $1 backend $2")
	jpy '"\n".join(j["backends"][0]["commands"])' <<<"$js" >"$3"
	[[ -s $3 ]] || fail "no commands for $2 of $1: $js"
	while IFS= read -r c; do
		grep -qxF -- "$c" <<<"$text" || fail "'$c' (JSON) is not a line of the text form:"$'\n'"$text"
	done <"$3"
	echo "--- commands for $2 of VIP $1, from Tula's CLI:"
	sed 's/^/    /' "$3"
}

# ================================================================ L2: be1
setup_cmds web6 be1 "$W/be1.cmds"
while IFS= read -r c; do
	in_ns be1 sh -c "$c" || fail "on be1: '$c' failed"
done <"$W/be1.cmds"
ok "every generated command ran on be1"

check_match "be1 holds the VIP on lo, deprecated" "$(in_ns be1 ip -6 addr show dev lo)" \
	"inet6 $VIP6/128 scope global deprecated"

cap=
lab_capture cap client eth0 "$W/client.pcap" "ip6 and tcp port 80"
page=$(curl6 --max-time 5 "http://[$VIP6]/info") || fail "curl -6 through Tula to the L2 VIP failed"
lab_capture_stop "$cap" "$W/client.pcap"
check_match "curl -6 through Tula gets be1's page, served on [VIP]:80" "$page" \
	"^node=be1 server=$VIP6:80 client=$LAB6_CLIENT_IP:"
be1_mac=$(lab_mac "$LAB_BE1_IP")
replies=$(tcpdump -nn -e -r "$W/client.pcap" "src port 80" 2>/dev/null | wc -l)
((replies > 0)) || fail "the client's capture holds no reply: it proves nothing"
# tcpdump -nn -e: "TIME SRC-MAC > DST-MAC, ethertype IPv6 (0x86dd), length N: SRC.PORT > ..."
foreign=$(tcpdump -nn -e -r "$W/client.pcap" "src port 80" 2>/dev/null |
	awk -v mac="$be1_mac" -v src="$VIP6.80" '$2 != mac || $10 != src' | head -3)
check_eq "all $replies replies came from [$VIP6]:80 with be1's MAC (not through Tula)" "$foreign" ""

# ns_answers NODE-MAC [unicast]: Neighbor Advertisements for the VIP that the client
# receives from NODE-MAC after one Neighbor Solicitation (to the VIP's solicited-node
# group, or unicast to NODE-MAC). Tula answers for its VIP too: only NODE-MAC counts.
ns_answers() {
	in_ns client "$PY" - "$1" "${2:-}" "$VIP6" "$LAB6_CLIENT_IP" <<'EOF'
import sys, time
from socket import AF_INET6, inet_ntop, inet_pton
from scapy.all import (AsyncSniffer, Ether, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr,
                       IPv6, conf, get_if_hwaddr, sendp)
from scapy.utils6 import in6_getnsma, in6_getnsmac
conf.verb = 0
mac, uni, vip, src = sys.argv[1:5]
me = get_if_hwaddr("eth0")
if uni:
    dmac, dst = mac, vip
else:
    group = in6_getnsma(inet_pton(AF_INET6, vip))
    dmac, dst = in6_getnsmac(group), inet_ntop(AF_INET6, group)
ns = (Ether(src=me, dst=dmac) / IPv6(src=src, dst=dst, hlim=255) / ICMPv6ND_NS(tgt=vip) /
      ICMPv6NDOptSrcLLAddr(lladdr=me))
sn = AsyncSniffer(iface="eth0", lfilter=lambda r: ICMPv6ND_NA in r and r[ICMPv6ND_NA].tgt == vip
                  and r[Ether].src.lower() == mac.lower())
sn.start()
time.sleep(0.3)
sendp(ns, iface="eth0")
time.sleep(1.0)
print(len(sn.stop()))
EOF
}
guard_hits() {
	in_ns be1 nft list chain inet tula_dsr ns_guard | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | head -1
}

check_eq "be1 answers no multicast NS for the VIP" "$(ns_answers "$be1_mac")" 0
check_eq "be1 answers no unicast NS for the VIP" "$(ns_answers "$be1_mac" unicast)" 0
# The mistake the guard is for: the VIP on the LAN interface too.
in_ns be1 ip -6 addr add "$VIP6/128" dev eth0 nodad
h0=$(guard_hits)
check_eq "with the VIP on eth0 too, be1 still answers no NS for it" "$(ns_answers "$be1_mac")" 0
h1=$(guard_hits)
((h1 > h0)) || fail "the generated rule did not count the NS it dropped ($h0 -> $h1)"
ok "the generated nftables rule dropped it (counter $h0 -> $h1)"
rule=$(grep -- "nd-neighbor-solicit" "$W/be1.cmds")
in_ns be1 nft flush chain inet tula_dsr ns_guard
check_eq "control: without the rule, be1 (VIP on eth0) answers the NS" "$(ns_answers "$be1_mac")" 1
in_ns be1 sh -c "$rule"
in_ns be1 ip -6 addr del "$VIP6/128" dev eth0
check_match "be1's own new connections leave from its own address, not the VIP" \
	"$(in_ns be1 ip -6 route get "$LAB6_CLIENT_IP")" " src $LAB6_BE1_IP "

# ================================================================ L3: be3
setup_cmds web6-l3 be3 "$W/be3.cmds"
tun=$(sed -n 's/^ip -6 tunnel add \([^ ]*\) .*/\1/p' "$W/be3.cmds")
[[ -n $tun ]] || fail "no ip6ip6 tunnel among be3's commands"
grep -qx "modprobe ip6_tunnel" "$W/be3.cmds" || fail "no 'modprobe ip6_tunnel' among be3's commands"
if in_ns be3 modprobe ip6_tunnel 2>"$W/modprobe.err"; then
	have_tunnel=1
	lab6_decap be3 stop # the kernel's tunnel decapsulates now
else
	have_tunnel=0
	echo "NOT RUN on be3 (this kernel has no ip6_tunnel: $(head -c 200 "$W/modprobe.err")):"
	echo "    modprobe ip6_tunnel"
	grep -F -- "$tun" "$W/be3.cmds" | sed 's/^/    /'
	echo "    (lab6's ipip_decap -6 on $LAB6_TUN_IF decapsulates in their place)"
fi
ran=0
while IFS= read -r c; do
	[[ $c == "modprobe ip6_tunnel" ]] && continue
	if ((!have_tunnel)) && [[ $c == *" $tun "* || $c == *" $tun" ]]; then
		continue
	fi
	in_ns be3 sh -c "$c" || fail "on be3: '$c' failed"
	ran=$((ran + 1))
done <"$W/be3.cmds"
((ran >= 2)) || fail "only $ran of be3's commands ran"
ok "$ran generated commands ran on be3"
check_match "be3 holds the L3 VIP on lo, deprecated" "$(in_ns be3 ip -6 addr show dev lo)" \
	"inet6 $VIP6L3/128 scope global deprecated"
page=$(curl6 --max-time 5 "http://[$VIP6L3]/info") || fail "curl -6 through Tula to the L3 VIP failed"
check_match "curl -6 through Tula gets be3's page, served on [VIP]:80" "$page" \
	"^node=be3 server=$VIP6L3:80 client=$LAB6_CLIENT_IP:"
tula_check_alive
