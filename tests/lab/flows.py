#!/usr/bin/python3
"""Many long-lived keep-alive connections to a VIP, in phases driven by the test.

    flows.py VIP FIRST_PORT COUNT DIR

Phase 1: opens COUNT connections from the local ports FIRST_PORT.. (fixed ports, so
that a later phase can reuse the very same 5-tuples) and asks each for /info on
nginx; writes DIR/phase1.json {port: backend}. Waits for DIR/go2.
Phase 2: asks again on every still-open connection; writes DIR/phase2.json {port:
backend or the error: "reset", "eof", "timeout", ...}. Closes every connection with
an RST (SO_LINGER 0: no TIME_WAIT, the ports are free at once). Waits for DIR/go3.
Phase 3: a new connection from each port, one request each; writes DIR/phase3.json.

Used by test-dsr-drain-remove.sh; the answers name the backend ("node=be2 ...").
Every wait and every socket operation is bounded in time.
"""
import json
import os
import re
import socket
import struct
import sys
import time

VIP, FIRST, COUNT, DIR = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
TIMEOUT = 5.0
REQUEST = b"GET /info HTTP/1.1\r\nHost: lab\r\n\r\n"


def connect(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.settimeout(TIMEOUT)
    s.bind(("0.0.0.0", port))
    s.connect((VIP, 80))
    return s


def ask(s):
    """One request on s; the answering backend's name."""
    s.sendall(REQUEST)
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            raise EOFError
        buf += d
    head, body = buf.split(b"\r\n\r\n", 1)
    m = re.search(rb"content-length: *(\d+)", head, re.I)
    if not head.startswith(b"HTTP/1.1 200") or m is None:
        return "http:" + head.split(b"\r\n", 1)[0].decode(errors="replace")
    while len(body) < int(m.group(1)):
        d = s.recv(4096)
        if not d:
            raise EOFError
        body += d
    m = re.match(rb"node=(\S+) ", body)
    return m.group(1).decode() if m else "body:" + body[:40].decode(errors="replace")


def outcome(fn):
    try:
        return fn()
    except ConnectionResetError:
        return "reset"
    except EOFError:
        return "eof"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return "error:" + (os.strerror(e.errno) if e.errno else str(e))


def close_rst(s):
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    except OSError:
        pass


def dump(name, res):
    tmp = os.path.join(DIR, name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(res, f)
    os.rename(tmp, os.path.join(DIR, name))


def wait_for(name, limit=120):
    end = time.monotonic() + limit
    while not os.path.exists(os.path.join(DIR, name)):
        if time.monotonic() > end:
            sys.exit("flows.py: gave up waiting for " + name)
        time.sleep(0.05)


socks, res = {}, {}
for p in range(FIRST, FIRST + COUNT):
    try:
        socks[p] = connect(p)
    except OSError as e:
        res[p] = "connect:" + str(e)
        continue
    res[p] = outcome(lambda: ask(socks[p]))
dump("phase1.json", res)

wait_for("go2")
res = {p: outcome(lambda: ask(s)) for p, s in socks.items()}
dump("phase2.json", res)
for s in socks.values():
    close_rst(s)

wait_for("go3")
res = {}
for p in range(FIRST, FIRST + COUNT):
    s = None

    def fresh():
        global s
        s = connect(p)
        return ask(s)

    res[p] = outcome(fresh)
    if s is not None:
        close_rst(s)
dump("phase3.json", res)
