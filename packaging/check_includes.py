#!/usr/bin/env python3
"""Check the include rules that keep Tula's planes apart (run by `ninja lint`).

Rules (an include names its folder, so reading the quoted includes is enough):
  1. firmware/datapath/ runs on worker lcores: it includes only its own folder and the
     contract headers at the top of firmware/ (fw_proto.h, fw_state.h, fw_counters.h),
     never control/, cli/, db/, shell/, lua/ or common/ (logging, allocation, sockets).
  2. firmware/cli/ reaches the workers only through control/: no firmware/datapath/.
  3. common/ and db/ are below the planes: they include nothing from shell/, lua/ or
     firmware/ (common/ not even db/).
  4. No include circle between the files of firmware/: modules (a .c with its .h and
     _priv.h) form an acyclic graph.

Usage: check_includes.py [ROOT]   (default: the repository holding this script)
Prints one line per violation and exits 1 if there is any.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
CONTRACT = {"firmware/fw_proto.h", "firmware/fw_state.h", "firmware/fw_counters.h"}


def sources(root):
    out = []
    for top in ("common", "db", "shell", "lua", "firmware"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f.endswith((".c", ".h")):
                    out.append(os.path.relpath(os.path.join(d, f), root))
    return sorted(out)


def includes(root, path):
    with open(os.path.join(root, path), encoding="utf-8", errors="replace") as fh:
        return INCLUDE.findall(fh.read())


def module(path):
    base = os.path.splitext(path)[0]
    return base[:-5] if base.endswith("_priv") else base


def rule_errors(path, inc):
    if path.startswith("firmware/datapath/"):
        if not (inc.startswith("firmware/datapath/") or inc in CONTRACT):
            return "the data path includes only firmware/datapath/ and the contract headers"
    if path.startswith("firmware/cli/") and inc.startswith("firmware/datapath/"):
        return "cli/ reaches the workers only through firmware/control/"
    if path.startswith(("common/", "db/")) and inc.startswith(("shell/", "lua/", "firmware/")):
        return "common/ and db/ must not depend on shell/, lua/ or firmware/"
    if path.startswith("common/") and inc.startswith("db/"):
        return "common/ must not depend on db/"
    return None


def cycles(graph):
    """Every elementary cycle found by a depth-first search (one per back edge)."""
    found, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                found.append(stack[stack.index(m):] + [m])
            elif m not in state:
                visit(m)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    return found


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))
    bad = 0
    graph = {}
    for path in sources(root):
        for inc in includes(root, path):
            why = rule_errors(path, inc)
            if why:
                print(f"{path}: includes {inc}: {why}")
                bad += 1
            if path.startswith("firmware/") and inc.startswith("firmware/"):
                a, b = module(path), module(inc)
                if a != b:
                    graph.setdefault(a, set()).add(b)
    for c in cycles(graph):
        print("include circle: " + " -> ".join(c))
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
