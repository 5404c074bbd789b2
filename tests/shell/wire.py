#!/usr/bin/env python3
"""A raw client of the CLI socket for the shell's security test (tests/shell/security.sh).

  wire.py SOCK silent            connect, send nothing; print how many seconds until
                                 the daemon closed the connection
  wire.py SOCK bigframe          send a 1 MiB frame before HELLO; print the daemon's
                                 answer (type and text) and whether it closed
  wire.py SOCK hold N            open N sessions (HELLO each), print "held K" for the
                                 K welcomed, then keep them until stdin closes
  wire.py SOCK forge LINE...     HELLO claiming tty "forged-tty" and from "forged-host",
                                 then run each LINE; print the daemon's output
  wire.py SOCK timed             run the lines of stdin in one session; for each print
                                 "MS STATUS OUTPUT-LINES LAST-OUTPUT-LINE" (MS: from the
                                 request to its DONE)
"""
import socket
import struct
import sys
import time

HELLO, EXEC = 1, 2
WELCOME, REFUSED, OUTPUT, ERROR, DONE = 64, 65, 66, 67, 68


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError
        b += c
    return b


def recv_msg(s):
    t, n = struct.unpack("=II", recv_exact(s, 8))
    return t, recv_exact(s, n)


def send_msg(s, t, payload):
    s.sendall(struct.pack("=II", t, len(payload)) + payload)


def hello(s, tty=b"", frm=b""):
    send_msg(s, HELLO, struct.pack("=IIHHI32s64s", 1, 0, 80, 24, 0, tty, frm))
    return recv_msg(s)


def main():
    path, what = sys.argv[1], sys.argv[2]
    if what == "silent":
        s = connect(path)
        s.settimeout(30)
        t0 = time.monotonic()
        try:
            closed = s.recv(1) == b""
        except socket.timeout:
            closed = False
        print("closed after %.1f s" % (time.monotonic() - t0) if closed else "still open")
    elif what == "bigframe":
        s = connect(path)
        s.settimeout(10)
        try:
            s.sendall(struct.pack("=II", HELLO, 1 << 20) + b"\0" * (1 << 20))
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            t, p = recv_msg(s)
            print("answer %d: %s" % (t, p.decode(errors="replace")))
            print("closed" if s.recv(1) == b"" else "still open")
        except (EOFError, ConnectionResetError):
            print("closed without an answer")
    elif what == "hold":
        held = []
        for _ in range(int(sys.argv[3])):
            s = connect(path)
            t, p = hello(s)
            if t == WELCOME:
                held.append(s)
            else:
                print("refused: %s" % p.decode(errors="replace"))
        print("held %d" % len(held), flush=True)
        sys.stdin.read()
    elif what == "forge":
        s = connect(path)
        t, p = hello(s, b"forged-tty", b"forged-host")
        if t != WELCOME:
            print("refused: %s" % p.decode(errors="replace"))
            return 1
        for line in sys.argv[3:]:
            b = line.encode()
            send_msg(s, EXEC, struct.pack("=II", 0, len(b)) + b)
            while True:
                t, p = recv_msg(s)
                if t == OUTPUT:
                    sys.stdout.write(p[8:].decode(errors="replace"))
                elif t == ERROR:
                    sys.stdout.write(p.decode(errors="replace"))
                elif t == DONE:
                    break
        print("pid %d" % __import__("os").getpid())
    elif what == "timed":
        s = connect(path)
        t, p = hello(s)
        if t != WELCOME:
            print("refused: %s" % p.decode(errors="replace"))
            return 1
        for line in sys.stdin.read().splitlines():
            b = line.encode()
            out = b""
            t0 = time.monotonic()
            send_msg(s, EXEC, struct.pack("=II", 0, len(b)) + b)
            while True:
                t, p = recv_msg(s)
                if t == OUTPUT:
                    out += p[8:]
                elif t == ERROR:
                    out += p
                elif t == DONE:
                    status = struct.unpack("=i", p[:4])[0]
                    break
            ms = (time.monotonic() - t0) * 1000
            lines = out.decode(errors="replace").splitlines()
            print("%d %d %d %s" % (ms, status, len(lines), lines[-1][:60] if lines else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
