#!/usr/bin/python3
"""What a client sent to each destination, from a tcpdump capture (pcap, Ethernet).

    pcap_flows.py FILE.pcap

Prints JSON: {destination address: {"packets": N, "bytes": B (whole frames, as the
capture saw them), "connections": number of source ports that sent a SYN,
"ports": {source port: [packets, bytes]}}} for every IPv4 TCP frame in the file.
Used by the lab tests to compare Tula's counters with what crossed the wire.
"""
import json
import socket
import struct
import sys

out = {}
with open(sys.argv[1], "rb") as f:
    magic = f.read(24)[:4]
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        sys.exit("pcap_flows.py: not a little-endian pcap file")
    while True:
        rec = f.read(16)
        if len(rec) < 16:
            break
        _, _, incl, orig = struct.unpack("<IIII", rec)
        frame = f.read(incl)
        if len(frame) < 14 + 20 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0xF) * 4
        if ip[9] != 6 or len(ip) < ihl + 14:
            continue
        dst = socket.inet_ntoa(ip[16:20])
        sport = struct.unpack("!H", ip[ihl : ihl + 2])[0]
        flags = ip[ihl + 13]
        d = out.setdefault(dst, {"packets": 0, "bytes": 0, "syn_ports": set(), "ports": {}})
        d["packets"] += 1
        d["bytes"] += orig
        p = d["ports"].setdefault(sport, [0, 0])
        p[0] += 1
        p[1] += orig
        if flags & 0x02:
            d["syn_ports"].add(sport)
for d in out.values():
    d["connections"] = len(d.pop("syn_ports"))
json.dump(out, sys.stdout)
print()
