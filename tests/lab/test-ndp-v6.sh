#!/usr/bin/env bash
# lab-ndp-v6-resolves-announces-and-the-tap-speaks-v6: the control side of IPv6 Neighbor
# Discovery with the real daemon on the dual-stack lab (lab6_up), one v6 L2 VIP with
# be1/be2 and one v6 L3 VIP behind the router:
#
#   - `show ipv6 neighbors` lists be1, be2 (L2 backends) and the router (the L3 VIP's
#     next hop, via the v6 default route) as reachable on port0, each at its own MAC —
#     resolved by Tula's Neighbor Solicitations;
#   - on Tula's cable (captured from before the start): those solicitations go to the
#     target's solicited-node group (33:33:ff:.., ff02::1:ffXX:XXXX) from Tula's global
#     address, hop limit 255, with Tula's MAC as source link-layer option and a correct
#     ICMPv6 checksum (scapy recomputes it); each v6 VIP and the v6 self address is
#     announced by an unsolicited NA (to ff02::1, Override set, Solicited clear, target
#     link-layer option = Tula's MAC); the kernel reports (MLD) the VIP's solicited-node
#     group; no Router Solicitation and no duplicate address probe (NS from ::) leaves
#     Tula;
#   - the kernel side of the TAP speaks IPv6: from Tula's namespace `ping -6` reaches be1
#     (same segment) and be3 (through the router: the v6 static route is in the kernel),
#     and a ping to the v6 VIP is answered (by the control side, as for IPv4);
#   - `clear ipv6 neighbors` forgets them and they are resolved again;
#   - be1 changes its MAC and announces it (ndisc_notify: an unsolicited NA with
#     Override): Tula learns the new MAC from the punted NA and be1 answers requests
#     to the VIP at once.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

W=$TULA_WORK
VIP6=$LAB6_VIP_L2
VIP6L3=$LAB6_VIP_L3
lab_up full
lab6_up
cat >"$W/ndp.conf" <<EOF
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
            backend be2 { address $LAB6_BE2_IP; }
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

# Tula's own ICMPv6 on its cable, at the switch's end, from before it starts (MLD
# reports carry a Hop-by-Hop header first).
cap=
lab_capture cap sw lb "$W/nd.pcap" "icmp6 or (ip6 and ip6[6] = 0)"
tula_start "$W/ndp.conf"

be1_mac=$(lab_mac "$LAB_BE1_IP")
be2_mac=$(lab_mac "$LAB_BE2_IP")
rt_mac=$(lab_mac "$LAB_RT_A_IP")
# neighbours: "ADDRESS MAC INTERFACE STATE" per line of `show ipv6 neighbors` (MAC in
# lower case, as the lab writes them)
neighbours() {
	tula_json 'show ipv6 neighbors' |
		jpy '"\n".join("%s %s %s %s" % (e["address"], e["mac"].lower(), e["interface"], e["state"]) for e in j)'
}
resolved() {
	local n
	n=$(neighbours)
	grep -q "^$LAB6_BE1_IP $be1_mac port0 reachable$" <<<"$n" &&
		grep -q "^$LAB6_BE2_IP $be2_mac port0 reachable$" <<<"$n" &&
		grep -q "^$LAB6_RT_A_IP $rt_mac port0 reachable$" <<<"$n"
}
wait_until 15 resolved || fail "the v6 neighbours were not resolved: $(neighbours)"
ok "show ipv6 neighbors: be1, be2 and the router reachable at their MACs on port0"
tcli -c 'show ipv6 neighbors' | sed 's/^/    | /'
wait_until 20 lab_curl client -6 -g --max-time 2 "http://[$VIP6]/" ||
	fail "the L2 v6 VIP never answered"
ok "the L2 v6 VIP answers (its backends are resolved)"
wait_until 20 lab_curl client -6 -g --max-time 2 "http://[$VIP6L3]/" ||
	fail "the L3 v6 VIP never answered"
ok "the L3 v6 VIP answers (its next hop is resolved)"

# ---- the kernel side of the TAP
check "Tula's kernel pings be1 over IPv6 (the TAP carries $LAB6_LB_SELF_IP)" \
	in_ns lb ping -6 -c 2 -W 2 "$LAB6_BE1_IP"
check "Tula's kernel pings be3 over IPv6 through the router (the v6 route is in the kernel)" \
	in_ns lb ping -6 -c 2 -W 2 "$LAB6_BE3_IP"
check "Tula's kernel pings the v6 VIP (answered by the control side)" \
	in_ns lb ping -6 -c 2 -W 2 "$VIP6"

# ---- clear ipv6 neighbors
out=$(tcli -c 'clear ipv6 neighbors')
check_match "clear ipv6 neighbors says so" "$out" "IPv6 neighbour table cleared"
wait_until 10 resolved || fail "after clear ipv6 neighbors: $(neighbours)"
ok "the v6 neighbours are resolved again after clear ipv6 neighbors"

# ---- a backend's MAC changes: its unsolicited NA (Override) is learned, traffic follows
new_mac=02:00:0a:00:01:7b
in_ns be1 sysctl -qw net.ipv6.conf.eth0.ndisc_notify=1
in_ns be1 ip link set eth0 address "$new_mac"
moved() { neighbours | grep -q "^$LAB6_BE1_IP $new_mac port0 "; }
wait_until 10 moved || fail "be1's new MAC was not learned from its announcement: $(neighbours)"
ok "be1's announcement of a new MAC was learned: $(neighbours | grep "^$LAB6_BE1_IP ")"
answers=$(for i in $(seq 30); do
	lab_curl client -6 -g --max-time 2 -H 'Connection: close' "http://[$VIP6]/info?$i" || true
done)
check_eq "30 requests to the L2 v6 VIP after the change all answered" \
	"$(grep -c "^node=be[12] " <<<"$answers")" 30
n1=$(grep -c "^node=be1 " <<<"$answers" || true)
((n1 > 0)) || fail "be1 answered none of 30 requests at its new MAC"
ok "be1 answers at its new MAC ($n1 of 30)"
# Stopped without lab_capture_stop's completeness check: Tula keeps soliciting its VIPs
# (the conflict watch) every few seconds, so the last packets may still sit in libpcap's
# buffer; what is checked below went out long before.
sleep 1.5
kill -TERM "$cap" 2>/dev/null || true
wait "$cap" 2>/dev/null || true

# ---- what Tula said on its cable
"$PY" - "$W/nd.pcap" "$LAB_LB_MAC" "$LAB6_LB_SELF_IP" "$VIP6" "$VIP6L3" "$LAB6_BE1_IP" \
	>"$W/nd.txt" <<'PYEOF' || fail "the capture does not show what it should: $(cat "$W/nd.txt")"
import ipaddress, sys
from scapy.all import (ICMPv6MLReport2, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RS,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, IPv6, Ether, rdpcap)

pcap, mac, self6, vip, vip3, be1 = sys.argv[1:]
mine = [p for p in rdpcap(pcap) if Ether in p and p[Ether].src == mac and IPv6 in p]
bad = 0


def say(ok, what):
    global bad
    print(("ok: " if ok else "FAIL: ") + what)
    bad += not ok


def cksum_ok(p, layer):
    c = p[layer].cksum
    q = p[IPv6].copy()
    del q[layer].cksum
    return IPv6(bytes(q))[layer].cksum == c


def group(a):
    b = ipaddress.IPv6Address(a).packed
    return str(ipaddress.IPv6Address(bytes.fromhex("ff02" + "00" * 9 + "01ff") + b[13:]))


ns = [p for p in mine if ICMPv6ND_NS in p and p[ICMPv6ND_NS].tgt == be1]
say(len(ns) >= 1, "Tula solicited be1 (%d NS)" % len(ns))
for p in ns[:1]:
    say(p[IPv6].dst == group(be1) and p[Ether].dst == "33:33:ff:00:00:11",
        "to be1's solicited-node group %s (%s)" % (p[IPv6].dst, p[Ether].dst))
    say(p[IPv6].src == self6, "from Tula's global address (%s)" % p[IPv6].src)
    say(p[IPv6].hlim == 255, "hop limit 255")
    say(ICMPv6NDOptSrcLLAddr in p and p[ICMPv6NDOptSrcLLAddr].lladdr == mac,
        "with Tula's MAC as source link-layer option")
    say(cksum_ok(p, ICMPv6ND_NS), "its ICMPv6 checksum is right")
for target in (vip, vip3, self6):
    na = [p for p in mine if ICMPv6ND_NA in p and p[ICMPv6ND_NA].tgt == target
          and p[IPv6].dst == "ff02::1"]
    say(len(na) >= 1, "an unsolicited NA announced %s" % target)
    for p in na[:1]:
        f = p[ICMPv6ND_NA]
        say(f.O == 1 and f.S == 0 and f.R == 0, "  Override set, Solicited and Router clear")
        say(p[Ether].dst == "33:33:00:00:00:01" and p[IPv6].hlim == 255,
            "  to 33:33:00:00:00:01, hop limit 255")
        say(ICMPv6NDOptDstLLAddr in p and p[ICMPv6NDOptDstLLAddr].lladdr == mac,
            "  target link-layer option = Tula's MAC")
        say(cksum_ok(p, ICMPv6ND_NA), "  its ICMPv6 checksum is right")
mld = [p for p in mine if ICMPv6MLReport2 in p and group(vip) in str(p[ICMPv6MLReport2].records)]
say(len(mld) >= 1, "the kernel reported the VIP's solicited-node group %s (MLD)" % group(vip))
rs = [p for p in mine if ICMPv6ND_RS in p]
say(len(rs) == 0, "no Router Solicitation from Tula (%d)" % len(rs))
dad = [p for p in mine if ICMPv6ND_NS in p and p[IPv6].src == "::"]
say(len(dad) == 0, "no duplicate address probe from Tula (%d)" % len(dad))
sys.exit(1 if bad else 0)
PYEOF
cat "$W/nd.txt"
tula_check_alive
