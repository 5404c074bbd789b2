#!/usr/bin/python3
# The ICMPv6 messages of tests/unit/firmware/control/test_fw_health_probe.c, made by
# scapy (independently of Tula's parser) as a backend's kernel sends them about a health
# probe, measured in the lab: a parameter problem "unrecognized next header" pointing at
# the outer header's next-header byte (offset 6) for IPv6-in-IPv6 to a backend without
# ip6_tunnel; a redirect from a backend that forwards the probe (no VIP, forwarding on);
# an address unreachable. What a raw ICMPv6 socket reads: the message without the IPv6
# header. Prints C arrays; run `/usr/bin/python3 tests/data/gen_health6_golden.py` and
# paste them into the test when a case changes.
from scapy.all import (IPv6, TCP, ICMPv6ParamProblem, ICMPv6DestUnreach, ICMPv6TimeExceeded,
                       ICMPv6ND_Redirect, ICMPv6NDOptRedirectedHdr, ICMPv6EchoReply, raw)

SELF, VIP, BE, TSRC = "fd00:1::10", "fd00:1::200", "fd00:2::13", "fd00:1::10"
probe = IPv6(src=SELF, dst=VIP, hlim=64) / TCP(sport=24577, dport=80, flags="S", seq=1)
cases = {
    # l3: the backend's kernel has no handler for next header 41
    "pp_6in6": IPv6(src=BE, dst=TSRC) / ICMPv6ParamProblem(code=1, ptr=6) /
               IPv6(src=TSRC, dst=BE, nh=41) / probe,
    # the same quoting only the outer header (a router cutting the quote short)
    "pp_6in6_cut": IPv6(src=BE, dst=TSRC) / ICMPv6ParamProblem(code=1, ptr=6) /
                   IPv6(src=TSRC, dst=BE, nh=41, plen=60),
    # l2: a backend without the VIP that routes: address unreachable / redirect
    "unreach_addr": IPv6(src="fd00:1::11", dst=SELF) / ICMPv6DestUnreach(code=3) / probe,
    "redirect": IPv6(src="fe80::ff:fe00:2", dst=SELF, hlim=255) /
                ICMPv6ND_Redirect(tgt=VIP, dst=VIP) /
                ICMPv6NDOptRedirectedHdr(pkt=raw(probe)),
    "time_exceeded": IPv6(src="fd00:1::1", dst=SELF) / ICMPv6TimeExceeded(code=0) / probe,
    "echo_reply": IPv6(src=VIP, dst=SELF) / ICMPv6EchoReply(id=1, seq=1),
}
for name, p in cases.items():
    b = raw(p)[40:]  # a raw ICMPv6 socket gets no IPv6 header
    print("static const uint8_t icmp6_%s[] = {" % name)
    for i in range(0, len(b), 12):
        print("\t" + ", ".join("0x%02x" % x for x in b[i:i + 12]) + ",")
    print("};")
