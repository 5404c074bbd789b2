#!/usr/bin/python3
"""Long-lived HTTP keep-alive connections for the BGP/ECMP lab test.

    keepalive_conns.py URL_HOST PORT COUNT STATUS_FILE STOP_FILE [INTERVAL]

Opens COUNT connections to URL_HOST:PORT (one after the other, from distinct source
ports), then sends `GET /` on every connection every INTERVAL seconds (default 1) and
reads the whole answer (the backend's name), until STOP_FILE exists. A connection fails
when it is reset or closed, or when an answer takes longer than 10 s; a failed
connection is not reopened. STATUS_FILE is rewritten every second as JSON:
{"open": N, "failed": N, "requests": N, "errors": [...], "backends": {name: N},
"done": bool}, so the test can read progress while it runs.
"""
import json
import os
import selectors
import socket
import sys
import time

ANSWER_TIMEOUT = 10.0


class Conn:
    def __init__(self, sock, idx):
        self.sock = sock
        self.idx = idx
        self.buf = b""
        self.sent_at = None  # time of the request waiting for its answer
        self.next_at = 0.0
        self.backend = None
        self.failed = None


def answer_complete(buf):
    """(body, rest) when buf holds a whole HTTP answer with Content-Length, else None."""
    head_end = buf.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    length = 0
    for line in buf[:head_end].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    end = head_end + 4 + length
    if len(buf) < end:
        return None
    return buf[head_end + 4:end], buf[end:]


def main():
    host, port, count, status_path, stop_path = sys.argv[1:6]
    port, count = int(port), int(count)
    interval = float(sys.argv[6]) if len(sys.argv) > 6 else 1.0
    sel = selectors.DefaultSelector()
    conns, errors, requests, backends = [], [], 0, {}

    for i in range(count):
        s = socket.create_connection((host, port), timeout=10)
        s.setblocking(False)
        c = Conn(s, i)
        # spread the requests over the interval
        c.next_at = time.monotonic() + interval * i / count
        conns.append(c)
        sel.register(s, selectors.EVENT_READ, c)

    def fail(c, why):
        if c.failed is None:
            c.failed = why
            errors.append("connection %d (%s): %s" % (c.idx, c.backend, why))
            try:
                sel.unregister(c.sock)
            except (KeyError, ValueError):
                pass
            c.sock.close()

    def write_status(done):
        st = {
            "open": sum(1 for c in conns if c.failed is None),
            "failed": sum(1 for c in conns if c.failed is not None),
            "requests": requests,
            "errors": errors[:20],
            "backends": backends,
            "done": done,
        }
        tmp = status_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(st, f)
        os.replace(tmp, status_path)

    last_status = 0.0
    while not os.path.exists(stop_path):
        now = time.monotonic()
        for c in conns:
            if c.failed is not None:
                continue
            if c.sent_at is None and now >= c.next_at:
                try:
                    c.sock.send(b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n")
                    c.sent_at = now
                except OSError as e:
                    fail(c, "send: %s" % e)
            elif c.sent_at is not None and now - c.sent_at > ANSWER_TIMEOUT:
                fail(c, "no answer for %.0f s" % ANSWER_TIMEOUT)
        for key, _ in sel.select(timeout=0.05):
            c = key.data
            try:
                data = c.sock.recv(65536)
            except OSError as e:
                fail(c, "recv: %s" % e)
                continue
            if not data:
                fail(c, "closed by the peer")
                continue
            c.buf += data
            r = answer_complete(c.buf)
            if r is not None and c.sent_at is not None:
                body, c.buf = r
                name = body.decode(errors="replace").strip()
                if c.backend is None:
                    c.backend = name
                    backends[name] = backends.get(name, 0) + 1
                elif name != c.backend:
                    fail(c, "answered by %s, was %s" % (name, c.backend))
                    continue
                requests += 1
                c.sent_at = None
                c.next_at = now + interval
        if now - last_status >= 1.0:
            write_status(False)
            last_status = now
    write_status(True)


if __name__ == "__main__":
    main()
