#!/usr/bin/python3
"""syn_flood: TCP SYNs from random sources to DST:PORT at RATE per second for SECONDS.

    syn_flood.py DST PORT RATE SECONDS

Each SYN comes from a new random address of 198.18.0.0/15 (RFC 2544's benchmarking
range) and a random port, so every one is a new flow for a load balancer. Sent through a
raw socket (IP_HDRINCL: the kernel fills in the IP checksum and id only). Paced on the
monotonic clock; prints "SENT ELAPSED_SECONDS" at the end, so the caller compares what
was really sent in the time it really took.
"""
import random
import socket
import struct
import sys
import time


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn(src: bytes, dst: bytes, sport: int, dport: int, seq: int) -> bytes:
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, socket.IPPROTO_TCP, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64,
                     socket.IPPROTO_TCP, 0, src, dst)
    return ip + tcp


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    dst, port, rate, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    dst_b = socket.inet_aton(dst)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    rnd = random.Random()
    base = struct.unpack("!I", socket.inet_aton("198.18.0.0"))[0]
    sent = 0
    t0 = time.monotonic()
    while True:
        now = time.monotonic() - t0
        if now >= secs:
            break
        due = min(int(now * rate) + 1, int(secs * rate))
        while sent < due:
            src = struct.pack("!I", base + rnd.randrange(1, 1 << 17))
            pkt = syn(src, dst_b, rnd.randrange(1024, 65536), port, rnd.getrandbits(32))
            s.sendto(pkt, (dst, 0))
            sent += 1
        time.sleep(0.0005)
    print(sent, f"{time.monotonic() - t0:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
