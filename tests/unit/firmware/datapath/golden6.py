#!/usr/bin/python3
# Golden IPv6 frames for test_fw_pipeline6.c, made by scapy (an implementation independent
# of Tula's), written as a C header so that the test needs no scapy at run time:
#   /usr/bin/python3 tests/unit/firmware/datapath/golden6.py \
#       > tests/unit/firmware/datapath/golden6.h
# (Debian package python3-scapy.)
#
# The topology (built by the test as a forwarding state):
#   port 0: MAC 02:00:00:00:00:01, 2001:db8:1::10/64, link-local fe80::ff:fe00:1, MTU 1500
#   client side router MAC 02:00:00:00:00:aa; client 2001:db8:ff::1
#   VIP web6  2001:db8:1::100 tcp 80   l2 -> be1 2001:db8:1::11 (02:00:00:00:00:11)
#   VIP tls6  2001:db8:1::101 tcp 443  l3 -> be3 2001:db8:2::21 via gw 2001:db8:1::1
#             (02:00:00:00:00:fe), tunnel-source 2001:db8:feed::1/128
#   VIP frag6 2001:db8:1::103 udp 4789 l2, hash addresses -> be1
#
# The 6in6 outer flow label is a function of the flow hash (CRC32C of the host-order
# 5-tuple, as every Tula box computes it): crc32c() below is a plain bitwise CRC32C
# (Castagnoli, reflected 0x82f63b78, no final inversion, as the SSE4.2 instruction that
# rte_hash_crc uses), written from the definition, not from Tula's code.
import sys

from scapy.all import (ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA,
                       ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr,
                       ICMPv6PacketTooBig, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, TCP, UDP, Dot1Q, Ether, Raw,
                       fragment6)
from scapy.utils6 import in6_getnsma, in6_getnsmac
from socket import AF_INET6, inet_pton

PORT = "02:00:00:00:00:01"
CLIENT = "02:00:00:00:00:aa"
BE1 = "02:00:00:00:00:11"
GW = "02:00:00:00:00:fe"
C6 = "2001:db8:ff::1"
WEB6 = "2001:db8:1::100"
TLS6 = "2001:db8:1::101"
FRAG6 = "2001:db8:1::103"
SELF6 = "2001:db8:1::10"
LL6 = "fe80::ff:fe00:1"
BE3 = "2001:db8:2::21"
TUN = "2001:db8:feed::1"
out = []


def emit(name, pkt):
    out.append((name, bytes(pkt)))


def crc32c(crc, data):
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc


def crc_u32(crc, v):
    # rte_hash_crc_4byte(v, crc): the 32-bit value as it sits in memory (little endian)
    return crc32c(crc, (v & 0xffffffff).to_bytes(4, "little"))


def flow_hash6(src, dst, sport, dport, proto):
    h = 0x54554C41
    for a in (src, dst):
        b = inet_pton(AF_INET6, a)
        for i in range(4):
            h = crc_u32(h, int.from_bytes(b[4 * i:4 * i + 4], "big"))
    h = crc_u32(h, (sport << 16) | dport)
    return crc_u32(h, proto)


def flow_label(h):
    fl = (h ^ (h >> 20)) & 0xFFFFF
    return fl if fl else 1


def eth_in():
    return Ether(dst=PORT, src=CLIENT)


# L2 rewrite: only the MACs change (the flow label and traffic class stay).
ip = IPv6(src=C6, dst=WEB6, hlim=64, tc=0x28, fl=0x12345) / TCP(
    sport=40000, dport=80, flags="S", seq=1000, window=64240)
emit("l2_in", eth_in() / ip)
emit("l2_out", Ether(dst=BE1, src=PORT) / ip)
# Ethernet padding (a short frame) is trimmed: the out frame is l2_out.
emit("l2_padded_in", bytes(eth_in() / ip) + b"\x00" * 6)
# Behind one 802.1Q tag.
emit("vlan_in", Ether(dst=PORT, src=CLIENT) / Dot1Q(vlan=5) / ip)
emit("vlan_out", Ether(dst=BE1, src=PORT) / Dot1Q(vlan=5) / ip)

# L3: IPv6-in-IPv6 to be3 through the gateway; outer TC = inner (RFC 6040 normal mode:
# DSCP 46 and ECN ECT(1) copied), flow label from the flow hash, hop limit 64, nh 41.
ip = IPv6(src=C6, dst=TLS6, hlim=64, tc=0xB9, fl=0) / TCP(sport=40001, dport=443, flags="S",
                                                          seq=7)
fl = flow_label(flow_hash6(C6, TLS6, 40001, 443, 6))
emit("l3_in", eth_in() / ip)
emit("l3_out", Ether(dst=GW, src=PORT) /
     IPv6(src=TUN, dst=BE3, hlim=64, tc=0xB9, fl=fl, nh=41) / ip)

# Neighbor Solicitation for the VIP from a host on the link, to the VIP's solicited-node
# group, with its source link-layer address: a solicited NA (S, O) from the VIP, with
# the port's MAC as the target link-layer address, to the source link-layer address.
ns_src = "fe80::aa"
nsma = in6_getnsma(inet_pton(AF_INET6, WEB6))
emit("ns_in", Ether(dst=in6_getnsmac(nsma), src=CLIENT) /
     IPv6(src=ns_src, dst="ff02::1:ff00:100", hlim=255) / ICMPv6ND_NS(tgt=WEB6) /
     ICMPv6NDOptSrcLLAddr(lladdr=CLIENT))
emit("na_out", Ether(dst=CLIENT, src=PORT) / IPv6(src=WEB6, dst=ns_src, hlim=255) /
     ICMPv6ND_NA(R=0, S=1, O=1, tgt=WEB6) / ICMPv6NDOptDstLLAddr(lladdr=PORT))
# The same for the port's global self address (unicast, as a reachability probe is),
# and for its link-local address (solicited-node group, no option: answered to the
# frame's source MAC).
emit("ns_self_in", eth_in() / IPv6(src=ns_src, dst=SELF6, hlim=255) / ICMPv6ND_NS(tgt=SELF6) /
     ICMPv6NDOptSrcLLAddr(lladdr=CLIENT))
emit("na_self_out", Ether(dst=CLIENT, src=PORT) / IPv6(src=SELF6, dst=ns_src, hlim=255) /
     ICMPv6ND_NA(R=0, S=1, O=1, tgt=SELF6) / ICMPv6NDOptDstLLAddr(lladdr=PORT))
emit("ns_ll_in", Ether(dst="33:33:ff:00:00:01", src=CLIENT) /
     IPv6(src=ns_src, dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(tgt=LL6))
emit("na_ll_out", Ether(dst=CLIENT, src=PORT) / IPv6(src=LL6, dst=ns_src, hlim=255) /
     ICMPv6ND_NA(R=0, S=1, O=1, tgt=LL6) / ICMPv6NDOptDstLLAddr(lladdr=PORT))
# Behind a VLAN tag, the answer keeps the tag.
emit("ns_vlan_in", Ether(dst=in6_getnsmac(nsma), src=CLIENT) / Dot1Q(vlan=5) /
     IPv6(src=ns_src, dst="ff02::1:ff00:100", hlim=255) / ICMPv6ND_NS(tgt=WEB6) /
     ICMPv6NDOptSrcLLAddr(lladdr=CLIENT))
emit("na_vlan_out", Ether(dst=CLIENT, src=PORT) / Dot1Q(vlan=5) /
     IPv6(src=WEB6, dst=ns_src, hlim=255) / ICMPv6ND_NA(R=0, S=1, O=1, tgt=WEB6) /
     ICMPv6NDOptDstLLAddr(lladdr=PORT))
# Punted to the control side: duplicate address detection for the VIP (from ::, a
# backend configuring the VIP without nodad: a conflict), a solicitation for somebody
# else, and an advertisement (a backend answering Tula's solicitation).
emit("ns_dad_in", Ether(dst=in6_getnsmac(nsma), src=BE1) /
     IPv6(src="::", dst="ff02::1:ff00:100", hlim=255) / ICMPv6ND_NS(tgt=WEB6))
emit("ns_other_in", Ether(dst="33:33:ff:00:00:77", src=CLIENT) /
     IPv6(src=ns_src, dst="ff02::1:ff00:77", hlim=255) / ICMPv6ND_NS(tgt="2001:db8:1::77") /
     ICMPv6NDOptSrcLLAddr(lladdr=CLIENT))
emit("na_in", Ether(dst=PORT, src=BE1) / IPv6(src="2001:db8:1::11", dst=SELF6, hlim=255) /
     ICMPv6ND_NA(R=0, S=1, O=1, tgt="2001:db8:1::11") / ICMPv6NDOptDstLLAddr(lladdr=BE1))
# Malformed solicitations: hop limit 64 (from off the link), code 1, and a bad checksum.
emit("ns_hlim_in", Ether(dst=in6_getnsmac(nsma), src=CLIENT) /
     IPv6(src=ns_src, dst="ff02::1:ff00:100", hlim=64) / ICMPv6ND_NS(tgt=WEB6))
emit("ns_code_in", Ether(dst=in6_getnsmac(nsma), src=CLIENT) /
     IPv6(src=ns_src, dst="ff02::1:ff00:100", hlim=255) / ICMPv6ND_NS(tgt=WEB6, code=1))
emit("ns_cksum_in", Ether(dst=in6_getnsmac(nsma), src=CLIENT) /
     IPv6(src=ns_src, dst="ff02::1:ff00:100", hlim=255) / ICMPv6ND_NS(tgt=WEB6, cksum=0x1234))

# Echo to a VIP: answered from the VIP, hop limit 64.
emit("echo_in", eth_in() / IPv6(src=C6, dst=WEB6, hlim=60) /
     ICMPv6EchoRequest(id=0x1234, seq=1, data=b"tula-ping"))
emit("echo_out", Ether(dst=CLIENT, src=PORT) / IPv6(src=WEB6, dst=C6, hlim=64) /
     ICMPv6EchoReply(id=0x1234, seq=1, data=b"tula-ping"))
emit("echo_cksum_in", eth_in() / IPv6(src=C6, dst=WEB6, hlim=60) /
     ICMPv6EchoRequest(id=0x1234, seq=1, data=b"tula-ping", cksum=0x4321))

# Too big for the 6in6 tunnel: a 1500-byte packet + 40 > MTU 1500. Packet Too Big from
# the VIP with MTU 1460, quoting as much of the packet as fits in 1280 bytes.
big = IPv6(src=C6, dst=TLS6, hlim=64) / TCP(sport=40002, dport=443, flags="A", seq=1,
                                            ack=1) / Raw(b"x" * 1440)
assert len(big) == 1500
emit("ptb_in", eth_in() / big)
emit("ptb_out", Ether(dst=CLIENT, src=PORT) / IPv6(src=TLS6, dst=C6, hlim=64) /
     ICMPv6PacketTooBig(mtu=1460) / Raw(bytes(big)[:1280 - 48]))
# 1460 bytes fit exactly (1460 + 40 = 1500).
fit = IPv6(src=C6, dst=TLS6, hlim=64) / TCP(sport=40003, dport=443, flags="A", seq=1,
                                            ack=1) / Raw(b"y" * 1400)
assert len(fit) == 1460
emit("fit_in", eth_in() / fit)

# An ICMPv6 error (Packet Too Big from a router on the client's path) quoting a packet the
# backend sent from the VIP: it goes to the backend of that client's flow.
quote = bytes(IPv6(src=WEB6, dst=C6, hlim=63) /
              TCP(sport=80, dport=40000, flags="SA", seq=5, ack=1001))
err = IPv6(src="2001:db8:ff::fe", dst=WEB6, hlim=250) / ICMPv6PacketTooBig(mtu=1400) / \
    Raw(quote)
emit("icmperr_in", eth_in() / err)
emit("icmperr_out", Ether(dst=BE1, src=PORT) / err)
# The same for the L3 VIP: tunnelled with the outer header of the client's flow.
quote = bytes(IPv6(src=TLS6, dst=C6, hlim=63) /
              TCP(sport=443, dport=40001, flags="SA", seq=5, ack=8))
err = IPv6(src="2001:db8:ff::fe", dst=TLS6, hlim=250) / ICMPv6DestUnreach(code=4) / Raw(quote)
emit("icmperr3_in", eth_in() / err)
emit("icmperr3_out", Ether(dst=GW, src=PORT) /
     IPv6(src=TUN, dst=BE3, hlim=64, tc=0, fl=fl, nh=41) / err)
# Quoting something that is not from a VIP: dropped.
quote = bytes(IPv6(src="2001:db8:1::99", dst=C6) / TCP(sport=80, dport=40000))
emit("icmperr_novip_in", eth_in() / IPv6(src="2001:db8:ff::fe", dst=WEB6, hlim=250) /
     ICMPv6PacketTooBig(mtu=1400) / Raw(quote))

# Fragments of an addresses-hash VIP: every one to the backend of (client, VIP), in any
# order; of a five-tuple VIP: dropped, counted.
dgram = IPv6(src=C6, dst=FRAG6, hlim=64) / IPv6ExtHdrFragment(id=0x1234) / \
    UDP(sport=5000, dport=4789) / Raw(b"z" * 3000)
frags = fragment6(dgram, 1280)
assert len(frags) == 3
for i, f in enumerate(frags):
    emit("vipfrag_in%d" % i, eth_in() / f)
    emit("vipfrag_out%d" % i, Ether(dst=BE1, src=PORT) / f)
emit("frag5_first_in", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64) /
     IPv6ExtHdrFragment(id=7, m=1, offset=0) / TCP(sport=40000, dport=80, flags="A") /
     Raw(b"f" * 16))
emit("frag5_later_in", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64, nh=44) /
     IPv6ExtHdrFragment(id=7, m=0, offset=5, nh=6) / Raw(b"f" * 16))
# An atomic fragment (offset 0, no M: RFC 6946) is a whole packet: forwarded.
emit("atomic_in", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64) / IPv6ExtHdrFragment(id=9) /
     TCP(sport=40000, dport=80, flags="A"))
emit("atomic_out", Ether(dst=BE1, src=PORT) / IPv6(src=C6, dst=WEB6, hlim=64) /
     IPv6ExtHdrFragment(id=9) / TCP(sport=40000, dport=80, flags="A"))
# Extension headers in order are walked: hop-by-hop, destination options, then TCP.
emit("ext_in", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64) / IPv6ExtHdrHopByHop() /
     IPv6ExtHdrDestOpt() / TCP(sport=40000, dport=80, flags="A"))
emit("ext_out", Ether(dst=BE1, src=PORT) / IPv6(src=C6, dst=WEB6, hlim=64) /
     IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / TCP(sport=40000, dport=80, flags="A"))

# Malformed IPv6, one drop reason each.
good = eth_in() / IPv6(src=C6, dst=WEB6, hlim=64) / TCP(sport=40000, dport=80, flags="A")
b = bytes(good)
emit("bad_trunc", b[:14 + 39])
emit("bad_version", b[:14] + bytes([0x46]) + b[15:])
emit("bad_len_long", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64, plen=21) /
     TCP(sport=40000, dport=80, flags="A"))
emit("bad_ext_trunc", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64, nh=60) /
     Raw(b"\x06\x05" + b"\x00" * 6))
emit("bad_ext_cut", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64, nh=60) / Raw(b"\x06"))
many = IPv6(src=C6, dst=WEB6, hlim=64)
for _ in range(9):
    many = many / IPv6ExtHdrDestOpt()
emit("bad_ext_many", eth_in() / many / TCP(sport=40000, dport=80, flags="A"))
emit("bad_hbh_late", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64) / IPv6ExtHdrDestOpt() /
     IPv6ExtHdrHopByHop() / TCP(sport=40000, dport=80, flags="A"))
emit("bad_routing", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64) /
     IPv6ExtHdrRouting(type=0, segleft=1, addresses=["2001:db8:1::11"]) /
     TCP(sport=40000, dport=80, flags="A"))
emit("bad_hlim1", eth_in() / IPv6(src=C6, dst=WEB6, hlim=1) / TCP(sport=40000, dport=80,
                                                                   flags="A"))
emit("bad_hlim0", eth_in() / IPv6(src=C6, dst=WEB6, hlim=0) / TCP(sport=40000, dport=80,
                                                                   flags="A"))
emit("bad_tcp_trunc", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64, nh=6) / Raw(b"\x9c\x40\x00\x50"))
emit("bad_port", eth_in() / IPv6(src=C6, dst=WEB6, hlim=64) / TCP(sport=40000, dport=81))
emit("bad_not_ours", eth_in() / IPv6(src=C6, dst="2001:db8:1::200", hlim=64) /
     TCP(sport=40000, dport=80))
emit("bad_mcast", Ether(dst="33:33:00:00:00:fb", src=CLIENT) /
     IPv6(src="fe80::aa", dst="ff02::fb", hlim=255) / UDP(sport=5353, dport=5353))
# For a self address: not answered here, punted to the kernel.
emit("self_tcp_in", eth_in() / IPv6(src=C6, dst=SELF6, hlim=64) / TCP(sport=40000, dport=22))

print("/* SPDX-License-Identifier: BSD-3-Clause */")
print("/* Generated by golden6.py (scapy); do not edit. */")
print("#ifndef GOLDEN6_H\n#define GOLDEN6_H\n\n#include <stddef.h>\n#include <stdint.h>\n")
print("/* clang-format off */")
for name, data in out:
    print("static const uint8_t g6_%s[] = {" % name)
    for i in range(0, len(data), 12):
        print("\t" + ", ".join("0x%02x" % x for x in data[i:i + 12]) + ",")
    print("};")
print("\nstruct g6_frame {\n\tconst char *name;\n\tconst uint8_t *b;\n\tsize_t n;\n};\n")
print("static const struct g6_frame g6_frames[] = {")
for name, data in out:
    print("\t{\"%s\", g6_%s, sizeof(g6_%s)}," % (name, name, name))
print("};\n/* clang-format on */\n\n#endif")
