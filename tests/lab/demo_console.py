#!/usr/bin/python3
"""Drive `demo.sh BINARY` on a pseudo-terminal the way an operator does.

Waits for the console prompt, fetches both VIPs from the client namespace with curl,
runs `show services dsr` at the console, leaves with `exit`, and reports what it saw.
Exit status: 0 when every step happened, 1 otherwise (the reason on stderr).
Bounded: every wait has a deadline.
"""
import os
import pty
import re
import select
import subprocess
import sys
import time

demo, binary, prefix = sys.argv[1], sys.argv[2], os.environ["LAB_PREFIX"]
transcript = b""


def fail(msg):
    sys.stderr.write(f"demo_console: {msg}\n--- console transcript ---\n")
    sys.stderr.write(transcript.decode(errors="replace")[-4000:] + "\n")
    sys.exit(1)


def expect(fd, pattern, timeout):
    global transcript
    deadline = time.monotonic() + timeout
    start = len(transcript)
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            transcript += data
            if re.search(pattern, transcript[start:], re.S):
                return transcript[start:].decode(errors="replace")
    fail(f"no {pattern!r} within {timeout}s")


def curl(url):
    r = subprocess.run(["ip", "netns", "exec", f"{prefix}-client", "curl", "-sS",
                        "--max-time", "5", url], capture_output=True, text=True, timeout=10)
    if r.returncode != 0:
        fail(f"curl {url}: {r.stderr.strip()}")
    return r.stdout.strip()


pid, fd = pty.fork()
if pid == 0:
    os.execv(demo, [demo, binary])

expect(fd, rb"root@tula-demo> ", 90)
l2 = {curl("http://10.0.1.100/") for _ in range(12)}
l3 = {curl("http://10.0.1.200/") for _ in range(12)}
if not l2 <= {"be1", "be2"} or not l3 <= {"be3", "be4"}:
    fail(f"unexpected answers: L2 {sorted(l2)}, L3 {sorted(l3)}")
print(f"L2 VIP answered by {sorted(l2)}, L3 VIP answered by {sorted(l3)}")

os.write(fd, b"show services dsr\r")
out = expect(fd, rb"web-l3.*state up.*root@tula-demo> ", 20)
if len(re.findall(r"state up", out)) != 2:
    fail("show services dsr does not show both VIPs up")
print("console: show services dsr shows web-l2 and web-l3 up")

def drain(fd, timeout):
    """Keep reading the console (so demo.sh never blocks on a full pty) for a while."""
    global transcript
    ready, _, _ = select.select([fd], [], [], timeout)
    if ready:
        try:
            transcript += os.read(fd, 65536)
        except OSError:
            pass


os.write(fd, b"exit\r")
deadline = time.monotonic() + 60
status = None
while time.monotonic() < deadline:
    drain(fd, 0.2)
    done, st = os.waitpid(pid, os.WNOHANG)
    if done:
        status = os.waitstatus_to_exitcode(st)
        break
if status is None:
    os.kill(pid, 9)
    fail("demo.sh did not end within 60 s of `exit`")
if status != 0:
    fail(f"demo.sh exited with status {status}")
print("console: `exit` stopped Tula, demo.sh exited 0")
