#!/usr/bin/python3
# ip6ip6_probe: sends one IPv6-in-IPv6 packet (next header 41) made with scapy and
# reports what comes back, so a lab test can check an L3 DSR backend's decapsulator
# without Tula in the path (the IPv6 counterpart of ipip_probe).
#
# It plays Tula's part: the outer header (built by the sending namespace's kernel on a
# raw socket for next header 41, with the traffic class given) goes to the backend; the
# inner packet, made by scapy, is what a client would have sent to the VIP (an ICMPv6
# echo request or a TCP SYN). DSR answers go straight to the client, so they are looked
# for in the client's namespace, on a raw socket of the probe's protocol opened there
# before the program moves into the sending namespace (a socket keeps the namespace it
# was created in; the client's kernel has reassembled fragmented answers).
# ICMPv6 errors about the outer packet (parameter problem from a backend without a
# decapsulator) are looked for in the sending namespace.
#
# --garbage sends malformed inner packets instead, to check that the decapsulator drops
# them and survives.
#
# Output, one line per observation:
#   reply icmp6 echo-reply from A to B len N          (N: the IPv6 packet's length)
#   reply tcp syn-ack from [A]:P to [B]:P
#   icmp6-error type T code C pointer P from A about A->B nh N
#   timeout: no reply within MS ms
#   sent garbage KIND
# Exit status: 0 a matching reply arrived, 1 none did (or garbage was sent), 2 usage or
# system error. Runs as root with Debian's /usr/bin/python3 (python3-scapy).
import argparse
import ctypes
import os
import random
import select
import socket
import sys
import time

CLONE_NEWNET = 0x40000000
IPPROTO_IPV6_TUNNEL = 41
IPV6_TCLASS = 67


def setns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            sys.exit("ip6ip6_probe: setns %s: %s" % (name, os.strerror(err)))
    finally:
        os.close(fd)


def main():
    ap = argparse.ArgumentParser(description="one IPv6-in-IPv6 probe")
    ap.add_argument("--send-ns", required=True)
    ap.add_argument("--recv-ns", required=True)
    ap.add_argument("--outer-dst", required=True)
    ap.add_argument("--outer-tclass", type=int, default=0)
    ap.add_argument("--inner-src", required=True)
    ap.add_argument("--inner-dst", required=True)
    ap.add_argument("--inner-tclass", type=int, default=0)
    ap.add_argument("--inner-flow", type=int, default=0)
    kind = ap.add_mutually_exclusive_group(required=True)
    kind.add_argument("--icmp", action="store_true")
    kind.add_argument("--tcp-syn", type=int, metavar="PORT")
    kind.add_argument("--garbage", metavar="KIND",
                      help="empty short version paylen jumbo ce-not-ect, or all")
    ap.add_argument("--size", type=int, default=104, help="inner IPv6 packet length (ICMP)")
    ap.add_argument("--timeout", type=int, default=2000, help="ms")
    a = ap.parse_args()

    # The listener first, in the client's namespace; then scapy and everything else in
    # the sending one.
    setns(a.recv_ns)
    lsock = socket.socket(socket.AF_INET6, socket.SOCK_RAW,
                          socket.IPPROTO_TCP if a.tcp_syn else socket.IPPROTO_ICMPV6)
    lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    setns(a.send_ns)
    from scapy.all import ICMP, IP, TCP, ICMPv6EchoReply, ICMPv6EchoRequest, IPv6

    tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_IPV6_TUNNEL)
    tx.setsockopt(socket.IPPROTO_IPV6, IPV6_TCLASS, a.outer_tclass)
    err = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)

    def inner(payload, **kw):
        return IPv6(src=a.inner_src, dst=a.inner_dst, tc=a.inner_tclass, fl=a.inner_flow,
                    **kw) / payload

    if a.garbage is not None:
        ok6 = bytes(inner(ICMPv6EchoRequest(id=1, seq=1, data=b"g" * 16)))
        kinds = {
            "empty": b"",
            "short": ok6[:20],
            "version": bytes(IP(src="10.0.1.2", dst="10.0.1.200") / ICMP() / (b"v" * 32)),
            "paylen": ok6[:4] + (len(ok6)).to_bytes(2, "big") + ok6[6:],
            "jumbo": ok6[:4] + b"\0\0" + ok6[6:],
        }
        names = list(kinds) + ["ce-not-ect"] if a.garbage == "all" else [a.garbage]
        for k in names:
            if k == "ce-not-ect":
                # A well-formed packet, but not ECN-capable under an outer CE mark:
                # RFC 6040 §4.2 says drop.
                tx.setsockopt(socket.IPPROTO_IPV6, IPV6_TCLASS, 3)
                tx.sendto(bytes(IPv6(src=a.inner_src, dst=a.inner_dst, tc=0) /
                                ICMPv6EchoRequest(id=2, seq=1)), (a.outer_dst, 0))
                tx.setsockopt(socket.IPPROTO_IPV6, IPV6_TCLASS, a.outer_tclass)
            elif k in kinds:
                tx.sendto(kinds[k], (a.outer_dst, 0))
            else:
                sys.exit("ip6ip6_probe: unknown garbage kind " + k)
            print("sent garbage " + k)
        return 1

    if a.icmp:
        ident = random.randint(1, 65535)
        pad = max(0, a.size - 40 - 8)
        pkt = inner(ICMPv6EchoRequest(id=ident, seq=1, data=b"p" * pad))
    else:
        sport = random.randint(20000, 60000)
        seq = random.randint(1, 2**31)
        pkt = inner(TCP(sport=sport, dport=a.tcp_syn, flags="S", seq=seq, window=64240,
                        options=[("MSS", 1440)]))
    tx.sendto(bytes(pkt), (a.outer_dst, 0))

    deadline = time.monotonic() + a.timeout / 1000.0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            print("timeout: no reply within %d ms" % a.timeout)
            return 1
        r, _, _ = select.select([lsock, err], [], [], left)
        if err in r:
            data, src = err.recvfrom(65536)
            t, c = data[0], data[1]
            if t < 128 and len(data) >= 8 + 40:
                quoted = IPv6(data[8:])
                print("icmp6-error type %d code %d pointer %d from %s about %s->%s nh %d" %
                      (t, c, int.from_bytes(data[4:8], "big"), src[0], quoted.src,
                       quoted.dst, quoted.nh))
        if lsock in r:
            data, anc, _, src = lsock.recvmsg(65536, socket.CMSG_SPACE(20))
            dst = None
            for level, typ, val in anc:
                if level == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
                    dst = socket.inet_ntop(socket.AF_INET6, val[:16])
            if src[0] != a.inner_dst or dst != a.inner_src:
                continue
            if a.icmp:
                rep = ICMPv6EchoReply(data)
                if data[0] == 129 and rep.id == ident:
                    print("reply icmp6 echo-reply from %s to %s len %d" %
                          (src[0], dst, 40 + len(data)))
                    return 0
            else:
                seg = TCP(data)
                if seg.dport == sport and seg.flags == "SA" and seg.ack == seq + 1:
                    print("reply tcp syn-ack from [%s]:%d to [%s]:%d" %
                          (src[0], seg.sport, dst, seg.dport))
                    return 0

if __name__ == "__main__":
    sys.exit(main())
