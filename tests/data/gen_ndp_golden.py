#!/usr/bin/python3
# Golden Neighbor Discovery frames for tests/unit/firmware/control/test_fw_ndp.c, made by
# scapy (an implementation independent of Tula's, checksums included): each line is
# "name hex". Regenerate with
#   /usr/bin/python3 tests/data/gen_ndp_golden.py > tests/data/ndp_golden.hex
# The topology (mirrored in the test's state):
#   port 0 "port0": MAC 02:00:00:00:00:01, 2001:db8:1::10/64, link-local fe80::ff:fe00:1
#   VIP web6 2001:db8:1::100 -> backend be1 2001:db8:1::11 (MAC 02:00:00:00:00:11)
from scapy.all import (Dot1Q, Ether, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, IPv6)

PORT = "02:00:00:00:00:01"
PORT_LL = "fe80::ff:fe00:1"
PORT_G = "2001:db8:1::10"
BE1 = "02:00:00:00:00:11"
BE1_IP = "2001:db8:1::11"
BE1_LL = "fe80::ff:fe00:11"
VIP = "2001:db8:1::100"
OTHER = "02:00:00:00:00:77"
out = []


def emit(name, pkt):
    out.append("%s %s" % (name, bytes(pkt).hex()))


# What Tula sends.
# Resolution: to the target's solicited-node group, from the global address on its subnet.
emit("ns_resolve", Ether(src=PORT, dst="33:33:ff:00:00:11") /
     IPv6(src=PORT_G, dst="ff02::1:ff00:11", hlim=255) /
     ICMPv6ND_NS(tgt=BE1_IP) / ICMPv6NDOptSrcLLAddr(lladdr=PORT))
# Resolution of a target outside every global prefix: from the link-local address.
emit("ns_resolve_ll", Ether(src=PORT, dst="33:33:ff:00:00:99") /
     IPv6(src=PORT_LL, dst="ff02::1:ff00:99", hlim=255) /
     ICMPv6ND_NS(tgt="2001:db8:2::99") / ICMPv6NDOptSrcLLAddr(lladdr=PORT))
# PROBE: unicast to the cached MAC and the target itself.
emit("ns_probe", Ether(src=PORT, dst=BE1) /
     IPv6(src=PORT_G, dst=BE1_IP, hlim=255) /
     ICMPv6ND_NS(tgt=BE1_IP) / ICMPv6NDOptSrcLLAddr(lladdr=PORT))
# A VIP appears: unsolicited NA to all nodes, Override set, Solicited clear.
emit("na_unsolicited", Ether(src=PORT, dst="33:33:00:00:00:01") /
     IPv6(src=PORT_LL, dst="ff02::1", hlim=255) /
     ICMPv6ND_NA(tgt=VIP, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=PORT))

# What Tula receives.
emit("na_be1_solicited", Ether(src=BE1, dst=PORT) /
     IPv6(src=BE1_IP, dst=PORT_G, hlim=255) /
     ICMPv6ND_NA(tgt=BE1_IP, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=BE1))
emit("na_be1_vlan", Ether(src=BE1, dst=PORT) / Dot1Q(vlan=100) /
     IPv6(src=BE1_IP, dst=PORT_G, hlim=255) /
     ICMPv6ND_NA(tgt=BE1_IP, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=BE1))
emit("na_be1_unsolicited", Ether(src=BE1, dst="33:33:00:00:00:01") /
     IPv6(src=BE1_LL, dst="ff02::1", hlim=255) /
     ICMPv6ND_NA(tgt=BE1_IP, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=BE1))
emit("na_be1_no_lla", Ether(src=BE1, dst=PORT) /
     IPv6(src=BE1_IP, dst=PORT_G, hlim=255) / ICMPv6ND_NA(tgt=BE1_IP, R=0, S=1, O=0))
emit("ns_from_be1", Ether(src=BE1, dst="33:33:ff:00:00:10") /
     IPv6(src=BE1_IP, dst="ff02::1:ff00:10", hlim=255) /
     ICMPv6ND_NS(tgt=PORT_G) / ICMPv6NDOptSrcLLAddr(lladdr=BE1))
# Conflicts: backend be1 answers for the VIP; an unknown host announces a self address;
# an unknown host probes for the VIP (DAD).
emit("na_be1_for_vip", Ether(src=BE1, dst=PORT) /
     IPv6(src=BE1_LL, dst=PORT_G, hlim=255) /
     ICMPv6ND_NA(tgt=VIP, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=BE1))
emit("na_other_for_self", Ether(src=OTHER, dst="33:33:00:00:00:01") /
     IPv6(src="fe80::77", dst="ff02::1", hlim=255) /
     ICMPv6ND_NA(tgt=PORT_G, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=OTHER))
emit("ns_dad_other_for_vip", Ether(src=OTHER, dst="33:33:ff:00:01:00") /
     IPv6(src="::", dst="ff02::1:ff00:100", hlim=255) / ICMPv6ND_NS(tgt=VIP))

# Invalid ones (RFC 4861 7.1): each breaks one rule.
emit("bad_hlim", Ether(src=BE1, dst=PORT) /
     IPv6(src=BE1_IP, dst=PORT_G, hlim=64) /
     ICMPv6ND_NA(tgt=BE1_IP, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=BE1))
emit("bad_code", Ether(src=BE1, dst=PORT) /
     IPv6(src=BE1_IP, dst=PORT_G, hlim=255) /
     ICMPv6ND_NA(tgt=BE1_IP, code=1, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=BE1))
emit("bad_cksum", Ether(src=BE1, dst=PORT) /
     IPv6(src=BE1_IP, dst=PORT_G, hlim=255) /
     ICMPv6ND_NA(tgt=BE1_IP, R=0, S=1, O=1, cksum=0x1234) / ICMPv6NDOptDstLLAddr(lladdr=BE1))
emit("bad_target", Ether(src=BE1, dst=PORT) /
     IPv6(src=BE1_IP, dst=PORT_G, hlim=255) /
     ICMPv6ND_NA(tgt="ff02::1", R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=BE1))
emit("bad_optlen", Ether(src=BE1, dst=PORT) /
     IPv6(src=BE1_IP, dst=PORT_G, hlim=255) /
     ICMPv6ND_NA(tgt=BE1_IP, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(len=0, lladdr=BE1))
emit("bad_dad_lla", Ether(src=OTHER, dst="33:33:ff:00:01:00") /
     IPv6(src="::", dst="ff02::1:ff00:100", hlim=255) /
     ICMPv6ND_NS(tgt=VIP) / ICMPv6NDOptSrcLLAddr(lladdr=OTHER))
emit("bad_mcast_solicited", Ether(src=BE1, dst="33:33:00:00:00:01") /
     IPv6(src=BE1_LL, dst="ff02::1", hlim=255) /
     ICMPv6ND_NA(tgt=BE1_IP, R=0, S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=BE1))

print("\n".join(out))
