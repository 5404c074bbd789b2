#!/usr/bin/python3
"""fin_client: TCP connections to VIP:80 from chosen client ports, for the FIN/RST test.

    fin_client.py VIP PORT_FIN PORT_RST PORT_IDLE WAIT_SECONDS

1. from PORT_FIN: a whole HTTP request (Connection: close), the answer read, close():
   the client sends FIN;
2. from PORT_RST: connect, then close with SO_LINGER 0: the client sends RST;
3. from PORT_IDLE: connect and send half a request, then nothing (no FIN, no RST);
4. wait WAIT_SECONDS;
5. PORT_IDLE sends the rest of its request and must get its answer (its flow, idle but
   not closed, still goes where it went);
6. PORT_FIN and PORT_RST connect again (the SYN of the same 5-tuple is what the load
   balancer sees; whether the backend accepts it does not matter here).
Prints "idle-answer OK" or fails with exit status 1.
"""
import socket
import struct
import sys
import time


def conn(vip: str, port: int) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.settimeout(5)
    s.connect((vip, 80))
    return s


def read_all(s: socket.socket) -> bytes:
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            return out
        out += b


def main() -> int:
    vip = sys.argv[1]
    p_fin, p_rst, p_idle = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    wait = float(sys.argv[5])

    s = conn(vip, p_fin)
    s.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n")
    if not read_all(s).startswith(b"HTTP/1.1 200"):
        print("no answer on the FIN connection", file=sys.stderr)
        return 1
    s.close()

    s = conn(vip, p_rst)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()

    idle = conn(vip, p_idle)
    idle.sendall(b"GET / HTTP/1.1\r\nHost: vip\r\n")
    time.sleep(wait)
    idle.sendall(b"Connection: close\r\n\r\n")
    answer = read_all(idle)
    idle.close()
    if not answer.startswith(b"HTTP/1.1 200"):
        print(f"the idle connection got no answer: {answer[:80]!r}", file=sys.stderr)
        return 1

    for p in (p_fin, p_rst):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", p))
        s.settimeout(2)
        try:
            s.connect((vip, 80))
        except OSError:
            pass  # a backend still in TIME_WAIT may refuse: the SYN went through Tula
        s.close()
    print("idle-answer OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
