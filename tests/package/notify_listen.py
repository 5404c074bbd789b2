#!/usr/bin/python3
"""notify_listen.py SOCKET FILE: the service manager's end of sd_notify(3), for tests.

Binds the datagram socket SOCKET (a path, or @name for the abstract namespace, as in
NOTIFY_SOCKET) and appends every message to FILE as one line per field, each prefixed
with the monotonic time in seconds: "12.345 READY=1". Runs until SIGTERM.
"""
import os
import signal
import socket
import sys
import time

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
with open(out, "a", buffering=1) as f:
    f.write(f"{time.monotonic():.3f} LISTENING\n")
    while True:
        data = s.recv(4096).decode(errors="replace")
        now = time.monotonic()
        for field in data.splitlines():
            f.write(f"{now:.3f} {field}\n")
