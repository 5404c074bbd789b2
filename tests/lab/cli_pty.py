#!/usr/bin/env python3
"""Drive `tula cli` through a pseudo-terminal for `monitor interface` (lab helper).

Usage: cli_pty.py TULA SOCKET IFNAME SECONDS
Logs in, runs `monitor interface IFNAME`, reads the refreshing screens for SECONDS,
presses q and waits for the prompt to come back. Prints one line of JSON:
{"screens": N, "rx_pps": [...], "tx_pps": [...], "prompt_after_q": bool,
 "seconds_to_quit": float}. Every read is bounded; the child is killed at the end.
"""
import json
import os
import pty
import re
import select
import signal
import sys
import time


def read_for(fd, seconds, until=None):
    out = b""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        if until is not None and re.search(until, out):
            break
    return out


def main():
    tula, sock, ifname, seconds = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execv(tula, [tula, "cli", "--socket", sock])
    prompt = rb"[>] $"
    result = {"screens": 0, "rx_pps": [], "tx_pps": [], "prompt_after_q": False}
    try:
        read_for(fd, 10, prompt)
        os.write(fd, ("monitor interface %s\r" % ifname).encode())
        text = read_for(fd, seconds)
        screens = text.split(b"\x1b[H\x1b[2J")[1:]
        result["screens"] = len(screens)
        for s in screens:
            m = re.search(rb"Input packets:\s+\d+\s+(\d+) pps", s)
            if m:
                result["rx_pps"].append(int(m.group(1)))
            m = re.search(rb"Output packets:\s+\d+\s+(\d+) pps", s)
            if m:
                result["tx_pps"].append(int(m.group(1)))
        t0 = time.monotonic()
        os.write(fd, b"q")
        after = read_for(fd, 10, prompt)
        result["seconds_to_quit"] = round(time.monotonic() - t0, 2)
        result["prompt_after_q"] = re.search(prompt, after) is not None
        os.write(fd, b"exit\r")
        read_for(fd, 3)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
