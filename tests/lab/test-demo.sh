#!/usr/bin/env bash
# lab-demo-console: the README's first command, as an operator meets it. demo.sh (what
# `./run demo` runs) brings up the full lab and starts the real tula in Tula's
# namespace with the console on a pseudo-terminal; from the client namespace both VIPs
# answer (L2: be1/be2, L3: be3/be4); `show services dsr` at the console shows both VIPs
# up; `exit` stops Tula, and nothing is left behind: no namespace, no veth, no process.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root

TULA=${TULA:-$TULA_BUILD_DIR/firmware/tula}
[[ -x $TULA ]] || fail "no tula binary at $TULA (build it first)"
trap '"$LAB_SH" down >/dev/null 2>&1 || true' EXIT

veths_before=$(ip -o link show type veth | wc -l)
/usr/bin/python3 "$LAB_DIR/demo_console.py" "$LAB_DIR/demo.sh" "$TULA"

left=$(ip netns list | awk '{print $1}' | grep -c "^$LAB_PREFIX-" || true)
check_eq "no lab namespace is left" "$left" 0
check_eq "no veth is left in the root namespace" "$(ip -o link show type veth | wc -l)" \
	"$veths_before"
# ([-] keeps pgrep from finding the very shell that runs it)
check "no tula process of the demo is left" bash -c "! pgrep -f '[-]-db /tmp/tula-demo' >/dev/null"
check "no nginx of the lab is left" bash -c "! pgrep -f '[/]run/tula-lab/$LAB_PREFIX/' >/dev/null"
echo "lab-demo-console: ok"
