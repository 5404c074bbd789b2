#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the fuzz targets (tests/fuzz/<target>/seed-*).

The seeds are committed; run this again only to change them. Each seed is a valid
input that reaches deep into its target (a frame for each pipeline path, a message
stream for each request type, ...), so the fuzzer starts from the interesting places
instead of discovering the input formats byte by byte. Inputs the fuzzer found that
crashed (fixed since) live next to them as crash-* files and are kept by hand.
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


# --- pipeline: frames on the fuzz target's topology (fuzz_pipeline.c) ---------------

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


PORT_MAC = bytes([2, 0, 0, 0, 0, 1])
CLIENT_MAC = bytes([2, 0, 0, 0, 0, 0xAA])


def eth(payload, etype=0x0800, vlan=None):
    h = PORT_MAC + CLIENT_MAC
    if vlan is not None:
        h += struct.pack("!HH", 0x8100, vlan)
    return h + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, ttl=64, flags_frag=0x4000, ident=1, options=b""):
    ihl = 5 + len(options) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 4 * ihl + len(payload), ident,
                    flags_frag, ttl, proto, 0, ip4(src), ip4(dst)) + options
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def tcp(sport, dport, flags=0x02, payload=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, flags, 65535, 0, 0) + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def burst(now_step, frames):
    out = bytes([now_step])
    for f in frames:
        out += struct.pack("<H", len(f)) + f
    return out


def pipeline_seeds():
    cl = "198.18.0.1"
    syn = eth(ipv4(cl, "10.0.1.100", 6, tcp(40000, 80)))
    ack = eth(ipv4(cl, "10.0.1.100", 6, tcp(40000, 80, 0x10, b"GET / HTTP/1.0\r\n\r\n")))
    fin = eth(ipv4(cl, "10.0.1.100", 6, tcp(40000, 80, 0x11)))
    rst = eth(ipv4(cl, "10.0.1.100", 6, tcp(40001, 80, 0x04)))
    write("pipeline", "web-l2-flow", burst(0, [syn, ack, ack, fin, rst]))
    big = eth(ipv4(cl, "10.0.1.101", 6, tcp(40002, 443, 0x10, b"x" * 1440)))
    big_df = eth(ipv4(cl, "10.0.1.101", 6, tcp(40003, 443, 0x10, b"y" * 1440), flags_frag=0))
    write("pipeline", "tls-l3-mtu", burst(1, [big, big_df]))
    write("pipeline", "dns-udp-any-port",
          burst(0, [eth(ipv4(cl, "10.0.1.102", 17, udp(5353, 53, b"\x12\x34" + b"\0" * 10)))]))
    frag1 = eth(ipv4(cl, "10.0.1.103", 17, udp(1000, 4789, b"a" * 64), flags_frag=0x2000, ident=7))
    frag2 = eth(ipv4(cl, "10.0.1.103", 17, b"b" * 64, flags_frag=0x0009, ident=7))
    write("pipeline", "frag-vip-fragments", burst(0, [frag1, frag2]))
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, CLIENT_MAC, ip4(cl),
                      b"\0" * 6, ip4("10.0.1.100"))
    arp_reply = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, bytes([2, 0, 0, 0, 0, 0xfe]),
                            ip4("10.0.1.1"), PORT_MAC, ip4("10.0.1.10"))
    bcast = b"\xff" * 6 + CLIENT_MAC + b"\x08\x06" + arp
    write("pipeline", "arp", burst(0, [bcast, eth(arp_reply, 0x0806)]))
    echo = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"
    echo = echo[:2] + struct.pack("!H", csum(echo)) + echo[4:]
    write("pipeline", "icmp-echo-vip", burst(0, [eth(ipv4(cl, "10.0.1.100", 1, echo))]))
    quoted = ipv4("10.0.1.100", cl, 6, tcp(80, 40000, 0x12))[:28]
    err = struct.pack("!BBHI", 3, 4, 0, 1400) + quoted
    err = err[:2] + struct.pack("!H", csum(err)) + err[4:]
    write("pipeline", "icmp-error-quoting-flow",
          burst(0, [syn, eth(ipv4("10.0.2.1", "10.0.1.100", 1, err))]))
    write("pipeline", "self-address-punt",
          burst(0, [eth(ipv4(cl, "10.0.1.10", 6, tcp(40004, 22)))]))
    write("pipeline", "vlan-ttl-options",
          burst(200, [eth(ipv4(cl, "10.0.1.100", 6, tcp(40005, 80)), vlan=5),
                      eth(ipv4(cl, "10.0.1.100", 6, tcp(40006, 80), ttl=1)),
                      eth(ipv4(cl, "10.0.1.100", 6, tcp(40007, 80), options=b"\x01\x01\x01\x00"))]))


# --- config: mode byte + text (fuzz_config.c) -----------------------------------------

def golden6(names):
    """Frames of tests/unit/firmware/datapath/golden6.h (scapy's, made by golden6.py), whose
    topology fuzz_pipeline.c's IPv6 half mirrors."""
    import re
    path = os.path.join(HERE, "..", "unit", "firmware", "datapath", "golden6.h")
    text = open(path).read()
    out = []
    for n in names:
        m = re.search(r"g6_%s\[\] = \{([^}]*)\}" % re.escape(n), text)
        out.append(bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", m.group(1))))
    return out


def pipeline6_seeds():
    write("pipeline", "v6-l2-l3-flows", burst(0, golden6(["l2_in", "vlan_in", "l3_in", "ext_in"])))
    write("pipeline", "v6-ndp", burst(0, golden6(["ns_in", "ns_self_in", "ns_ll_in", "ns_dad_in",
                                                  "ns_other_in", "na_in"])))
    write("pipeline", "v6-icmp", burst(0, golden6(["echo_in", "icmperr_in", "icmperr3_in"])))
    write("pipeline", "v6-ptb-fragments", burst(1, golden6(["ptb_in", "vipfrag_in0", "vipfrag_in1",
                                                            "frag5_first_in", "atomic_in"])))
    write("pipeline", "v6-malformed", burst(0, golden6(["bad_ext_many", "bad_hbh_late",
                                                        "bad_routing", "bad_len_long",
                                                        "self_tcp_in"])))


def config_seeds():
    sample = open(os.path.join(HERE, "..", "..", "packaging", "samples", "tula.conf"), "rb").read()
    write("config", "merge-sample", b"\x00" + sample)
    write("config", "override-sample", b"\x01" + sample)
    write("config", "set-lines", b"\x02" + b"\n".join([
        b"set system host-name lb2",
        b"set services dsr vip web address 10.0.1.100",
        b"set services dsr vip web port 80",
        b"set services dsr vip web backend be1 address 10.0.1.11",
        b"set services dsr vip web backend be1 weight 0",
        b"deactivate services dsr vip web backend be1",
        b"annotate services dsr vip web \"the web site\"",
        b"rename services dsr vip web backend be1 to backend be9",
        b"# a comment",
        b"delete system host-name",
    ]) + b"\n")
    write("config", "merge-into-base", b"\x04" + b"/* note */\nsystem {\n    inactive: host-name lb3;\n}\n"
          b"services { dsr { vip web { port *; } } }\n")
    # IPv6 values in every address type, spelled non-canonically (the tree stores and
    # renders the canonical form, which must load back to the same configuration)
    write("config", "set-lines-ipv6", b"\x02" + b"\n".join([
        b"set interfaces port0 device net_null0",
        b"set interfaces port0 address 2001:DB8:1:0::10/64",
        b"set routing-options static route ::/0 next-hop 2001:db8:1::0001",
        b"set services dsr vip web6 address 2001:db8:1::100",
        b"set services dsr vip web6 protocol tcp",
        b"set services dsr vip web6 port 80",
        b"set services dsr vip web6 mode l3",
        b"set services dsr vip web6 tunnel-source 2001:DB8:F::/64",
        b"set services dsr vip web6 backend be1 address 2001:db8:1:0:0:0:0:11",
        b"set system services metrics listen [2001:db8:1::10]:9100",
        b"set protocols bgp group up neighbor 2001:db8:1::1",
    ]) + b"\n")


# --- cli: mode/class byte, cursor byte, line (fuzz_cli.c) -------------------------------

def cli_seeds():
    oper, conf = 0x04, 0x05  # super-user
    lines = [
        (oper, b"show configuration services dsr | match web | count"),
        (oper, b"show system rollback 1 compare 2"),
        (oper, b"sh conf | display set | no-more"),
        (oper, b"show services dsr backend-setup vip web"),
        (conf, b"set services dsr vip web backend be1 weight 10"),
        (conf, b"set serv d vip web prot t"),
        (conf, b"rename services dsr vip web to vip www"),
        (conf, b"annotate system \"a comment\""),
        (conf, b"commit confirmed 5 comment \"try\" and-quit"),
        (conf, b"load merge terminal"),
        (conf, b"show | compare rollback 3"),
        (0x00, b"configure private"),
    ]
    for i, (mode, line) in enumerate(lines):
        write("cli", "line%02d" % i, bytes([mode, len(line) & 0xFF]) + line)
        write("cli", "tab%02d" % i, bytes([mode, (len(line) // 2) & 0xFF]) + line)


# --- proto: the byte stream a client sends (fuzz_proto.c) ---------------------------------

def msg(t, payload=b""):
    return struct.pack("=II", t, len(payload)) + payload


def hello(flags=1):
    return msg(1, struct.pack("=IIHHI32s64s", 1, flags, 80, 24, 1234, b"pts/1", b"192.0.2.1"))


def line_msg(t, line, cursor=None):
    return msg(t, struct.pack("=II", len(line) if cursor is None else cursor, len(line)) + line)


def lua_run(code, args=(), inline=True):
    name = b"(command line)" if inline else b"x.lua"
    a = b"".join(x + b"\0" for x in args)
    return msg(16, struct.pack("=IIIIII", 1 if inline else 0, len(name), len(code), len(args),
                               len(a), 0) + name + code + a)


def proto_seeds():
    write("proto", "exec", hello() + line_msg(2, b"show version") +
          line_msg(2, b"show configuration | display json"))
    write("proto", "complete-help", hello() + line_msg(3, b"show conf", 9) +
          line_msg(4, b"configure ", 10) + msg(7, struct.pack("=HHI", 120, 40, 0)))
    write("proto", "configure-commit", hello() + line_msg(2, b"configure") +
          line_msg(2, b"set system host-name fuzz") + line_msg(2, b"show | compare") +
          line_msg(2, b"commit comment \"seed\"") + line_msg(2, b"exit"))
    write("proto", "ask-answer", hello() + line_msg(2, b"configure") +
          line_msg(2, b"set system host-name q") + line_msg(2, b"exit") +
          msg(5, struct.pack("=II", 1, 0)))
    write("proto", "load-terminal-text", hello() + line_msg(2, b"configure") +
          line_msg(2, b"load merge terminal") +
          msg(6, b"system {\n    host-name pasted;\n}\n") + line_msg(2, b"rollback"))
    write("proto", "lua-run", hello() +
          lua_run(b"print(tula.show('show version'))\nfor k,v in pairs(tula.config()) do print(k) end",
                  (b"a", b"b")))
    write("proto", "lua-error", hello(0) + lua_run(b"error('x')") + lua_run(b"while true do end"))
    write("proto", "bad-version", msg(1, struct.pack("=IIHHI32s64s", 9, 0, 0, 0, 0, b"", b"")))
    write("proto", "no-hello", line_msg(2, b"show version"))


# --- lua_conv: byte 0 even = configuration text, odd = a tula_val program ---------------

def lua_conv_seeds():
    sample = open(os.path.join(HERE, "..", "..", "packaging", "samples", "tula.conf"), "rb").read()
    write("lua_conv", "tree-sample", b"\x00" + sample)
    write("lua_conv", "tree-attrs", b"\x00/* c */\nsystem {\n    inactive: host-name x;\n}\n")
    # map { k0: list [1, "s", true, null], k1: uint max, k2: double 1.5 }
    prog = bytes([7, 6, 2]) + struct.pack("!q", 1) + bytes([5, 1]) + b"s" + bytes([1, 1, 0, 8])
    prog += bytes([3]) + b"\xff" * 8 + bytes([4]) + struct.pack("!d", 1.5) + bytes([8])
    write("lua_conv", "val-map", b"\x01" + prog)
    write("lua_conv", "val-deep", b"\x01" + bytes([6] * 80))


# --- ndp: byte 0 (odd: fix the checksum) + one punted frame (fuzz_ndp.c) ---------------

def ndp_seeds():
    # scapy's NS/NA frames (tests/data/gen_ndp_golden.py), valid and invalid ones
    with open(os.path.join(HERE, "..", "data", "ndp_golden.hex")) as f:
        for line in f:
            name, hexa = line.split()
            write("ndp", name, b"\x00" + bytes.fromhex(hexa))
    with open(os.path.join(HERE, "..", "data", "ndp_golden.hex")) as f:
        frame = dict(line.split() for line in f)["na_be1_solicited"]
    write("ndp", "fix-cksum-na", b"\x01" + bytes.fromhex(frame))

if __name__ == "__main__":
    pipeline_seeds()
    pipeline6_seeds()
    config_seeds()
    cli_seeds()
    proto_seeds()
    lua_conv_seeds()
    ndp_seeds()
    sys.exit(0)
