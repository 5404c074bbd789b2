#!/usr/bin/python3
# Golden frames for tests/unit/firmware/datapath/test_fw_pipeline.c, made by scapy (an implementation
# independent of Tula's): each line is "name hex". Regenerate with
#   /usr/bin/python3 tests/data/gen_fw_golden.py > tests/data/fw_golden.hex
# The topology (mirrored in the test's state):
#   port 0: MAC 02:00:00:00:00:01, 10.0.1.10/24, MTU 1500
#   client side router MAC 02:00:00:00:00:aa; client 192.0.2.1
#   VIP web   10.0.1.100 tcp 80   l2 -> be1 10.0.1.11 (02:00:00:00:00:11)
#   VIP tls   10.0.1.101 tcp 443  l3 -> be3 10.0.2.21 via gw 10.0.1.1 (02:00:00:00:00:fe),
#             tunnel-source 172.16.0.1/32
#   VIP dns   10.0.1.102 udp *    l2 -> be2 10.0.1.12 (02:00:00:00:00:12)
#   VIP frag  10.0.1.103 udp 4789 l2, hash addresses -> be1
from scapy.all import ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, Padding, Raw, fragment

PORT = "02:00:00:00:00:01"
CLIENT = "02:00:00:00:00:aa"
BE1 = "02:00:00:00:00:11"
BE2 = "02:00:00:00:00:12"
GW = "02:00:00:00:00:fe"
out = []


def emit(name, pkt):
    out.append("%s %s" % (name, bytes(pkt).hex()))


def eth_in():
    return Ether(dst=PORT, src=CLIENT)


# L2 rewrite: only the MACs change.
ip = IP(src="192.0.2.1", dst="10.0.1.100", ttl=64, id=1, flags="DF") / TCP(
    sport=40000, dport=80, flags="S", seq=1000, window=64240)
emit("l2_in", eth_in() / ip)
emit("l2_out", Ether(dst=BE1, src=PORT) / ip)

# L3: a 20-byte outer header, DSCP/ECN and DF copied, TTL 64, protocol 4, ID 0 (DF).
ip = IP(src="192.0.2.1", dst="10.0.1.101", ttl=64, id=2, tos=0xb9, flags="DF") / TCP(
    sport=40001, dport=443, flags="S", seq=7)
emit("l3_in", eth_in() / ip)
emit("l3_out", Ether(dst=GW, src=PORT) /
     IP(src="172.16.0.1", dst="10.0.2.21", ttl=64, id=0, tos=0xb9, flags="DF", proto=4) / ip)

# ARP request for a VIP, padded to 60 bytes as on the wire; the reply keeps the padding.
pad = Padding(load=b"\x00" * 18)
emit("arp_in", Ether(dst="ff:ff:ff:ff:ff:ff", src=CLIENT) /
     ARP(op=1, hwsrc=CLIENT, psrc="10.0.1.1", hwdst="00:00:00:00:00:00", pdst="10.0.1.100") / pad)
emit("arp_out", Ether(dst=CLIENT, src=PORT) /
     ARP(op=2, hwsrc=PORT, psrc="10.0.1.100", hwdst=CLIENT, pdst="10.0.1.1") / pad)

# ICMP echo to a VIP: answered from the VIP with TTL 64.
emit("echo_in", eth_in() / IP(src="192.0.2.1", dst="10.0.1.100", ttl=60, id=7) /
     ICMP(type=8, id=0x1234, seq=1) / Raw(b"tula-ping"))
emit("echo_out", Ether(dst=CLIENT, src=PORT) / IP(src="10.0.1.100", dst="192.0.2.1", ttl=64, id=7) /
     ICMP(type=0, id=0x1234, seq=1) / Raw(b"tula-ping"))

# Too big for the L3 tunnel with DF: fragmentation needed, MTU 1500 - 20 (RFC 1191),
# quoting the IP header and 8 bytes.
big = IP(src="192.0.2.1", dst="10.0.1.101", ttl=64, id=9, flags="DF") / TCP(
    sport=40002, dport=443, flags="A", seq=1, ack=1) / Raw(b"x" * 1441)
assert len(big) == 1481
emit("ptb_in", eth_in() / big)
emit("ptb_out", Ether(dst=CLIENT, src=PORT) / IP(src="10.0.1.101", dst="192.0.2.1", ttl=64, id=0) /
     ICMP(type=3, code=4, nexthopmtu=1480) / Raw(bytes(big)[:28]))

# Too big without DF: the outer datagram is fragmented (ID = the worker's first, 0).
big = IP(src="192.0.2.1", dst="10.0.1.101", ttl=64, id=10) / TCP(
    sport=40003, dport=443, flags="A", seq=1, ack=1) / Raw(b"y" * 1441)
emit("frag_in", eth_in() / big)
outer = IP(src="172.16.0.1", dst="10.0.2.21", ttl=64, id=0, proto=4) / big
for i, f in enumerate(fragment(outer, fragsize=1480)):
    emit("frag_out%d" % i, Ether(dst=GW, src=PORT) / f)

# An ICMP error (from a router on the client's path) quoting a packet the backend sent
# from the VIP: it goes to that flow's backend, MAC rewritten.
quote = bytes(IP(src="10.0.1.100", dst="192.0.2.1", ttl=63, id=300, flags="DF") /
              TCP(sport=80, dport=40000, flags="SA", seq=5, ack=1001))[:28]
err = IP(src="198.51.100.1", dst="10.0.1.100", ttl=250, id=11) / \
    ICMP(type=3, code=4, nexthopmtu=1400) / Raw(quote)
emit("icmperr_in", eth_in() / err)
emit("icmperr_out", Ether(dst=BE1, src=PORT) / err)

# `port *`: any UDP port of 10.0.1.102 goes to be2.
ip = IP(src="192.0.2.1", dst="10.0.1.102", ttl=64, id=12) / UDP(sport=5000, dport=5353) / Raw(b"q")
emit("portany_in", eth_in() / ip)
emit("portany_out", Ether(dst=BE2, src=PORT) / ip)

# Fragments of an addresses-hash VIP reach the same backend (be1).
dg = IP(src="192.0.2.1", dst="10.0.1.103", ttl=64, id=13) / UDP(sport=5001, dport=4789) / Raw(b"z" * 100)
for i, f in enumerate(fragment(dg, fragsize=48)):
    emit("vipfrag_in%d" % i, eth_in() / f)
    emit("vipfrag_out%d" % i, Ether(dst=BE1, src=PORT) / f)

# One 802.1Q tag is kept as it is; only the MACs change.
ip = IP(src="192.0.2.1", dst="10.0.1.100", ttl=64, id=14) / TCP(sport=40004, dport=80, flags="S")
emit("vlan_in", eth_in() / Dot1Q(vlan=100, prio=3) / ip)
emit("vlan_out", Ether(dst=BE1, src=PORT) / Dot1Q(vlan=100, prio=3) / ip)

print("\n".join(out))
