#!/usr/bin/env python3
"""Stop `monitor traffic` from a terminal (lab helper).

Usage: cli_pty_stop.py TULA SOCKET COMMAND KEY
Runs `tula cli` in a pseudo-terminal, types COMMAND, waits for its first line, waits a
second, presses KEY ("q" or "ctrl-c") and waits for the prompt. Prints one line of JSON:
{"started": bool, "prompt_after_key": bool, "seconds_to_stop": float, "tail": "..."}.
Every read is bounded; the child is killed at the end.
"""
import json
import os
import pty
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cli_pty import read_for  # noqa: E402  (the same bounded pty reader)


def main():
    tula, sock, command, key = sys.argv[1:5]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execv(tula, [tula, "cli", "--socket", sock])
    prompt = rb"[>] $"
    result = {"started": False, "prompt_after_key": False}
    try:
        read_for(fd, 10, prompt)
        os.write(fd, (command + "\r").encode())
        first = read_for(fd, 10, rb"listening on")
        result["started"] = b"listening on" in first
        read_for(fd, 1)
        t0 = time.monotonic()
        os.write(fd, b"q" if key == "q" else b"\x03")
        after = read_for(fd, 10, prompt)
        result["seconds_to_stop"] = round(time.monotonic() - t0, 2)
        result["prompt_after_key"] = re.search(prompt, after) is not None
        result["tail"] = after.decode(errors="replace")[-400:]
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
