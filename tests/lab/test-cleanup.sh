#!/usr/bin/env bash
# lab-cleanup-on-crash-failure-and-signals: whatever way a lab user ends, nothing is
# left behind, and `up` recovers from a run that crashed:
#   - `up` over a lab whose run directory was lost (a crashed run) removes the old one;
#   - a test script that fails, or gets SIGINT or SIGTERM, removes its lab (lib.sh);
#   - an `up` that fails half way (a decapsulator that does not start) removes all
#     it built; so does an `up` killed with SIGTERM while it builds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root

NODE_RE="^$LAB_PREFIX-(sw|client|lb|rt|be[0-9]+)\$"
lab_netns() { ip netns list | awk '{ print $1 }' | grep -E "$NODE_RE" || true; }
nginx_pids() { pgrep -f "nginx -p $LAB_RUN_DIR/" || true; }
lab_pids() { pgrep -f "$LAB_RUN_DIR/" || true; }

assert_nothing_left() { # WHAT
	local left
	left=$(lab_netns)
	[[ -z $left ]] || fail "$1: namespaces left: ${left//$'\n'/ }"
	left=$(lab_pids)
	[[ -z $left ]] || fail "$1: processes left: $(ps -o pid=,args= -p "${left//$'\n'/,}")"
	[[ ! -e $LAB_RUN_DIR ]] || fail "$1: run directory left"
	ok "$1: nothing left"
}

"$LAB_SH" down

# A crashed run: the lab is up but its state directory is gone. `up` must still find and
# remove every namespace and process of the prefix before building anew.
"$LAB_SH" up l2 >/dev/null
old=$(nginx_pids)
[[ -n $old ]] || fail "no nginx found for the first lab"
rm -rf "$LAB_RUN_DIR"
"$LAB_SH" up l2 >/dev/null
for p in $old; do
	check "up after a crash: the old lab's nginx $p is gone" proc_gone "$p"
done
check_eq "up after a crash: the new lab works" "$(lab_curl client "http://$LAB_BE1_IP/")" be1
"$LAB_SH" down
assert_nothing_left "down"

script_with_lab() { # BODY: a test script that brings up a lab, then runs BODY
	bash -c ". '$LAB_DIR/lib.sh'; lab_up l2 >/dev/null; $1"
}

rc=0
script_with_lab 'set -e; false; echo not reached' || rc=$?
check_eq "a failing test script exits non-zero" "$rc" 1
assert_nothing_left "test script failed"

rc=0
script_with_lab 'kill -INT $$; sleep 20 & wait $!' || rc=$?
check_eq "a test script interrupted by SIGINT exits 130" "$rc" 130
assert_nothing_left "test script got SIGINT"

rc=0
script_with_lab 'kill -TERM $$; sleep 20 & wait $!' || rc=$?
check_eq "a test script killed by SIGTERM exits 143" "$rc" 143
assert_nothing_left "test script got SIGTERM"

# `up` fails half way: nginx on be3/be4 already runs when the decapsulator fails.
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
printf '#!/bin/sh\necho "fake decapsulator: refusing to start" >&2\nexit 1\n' >"$fake/ipip_decap"
chmod +x "$fake/ipip_decap"
rc=0
out=$(LAB_TOOLS_DIR=$fake "$LAB_SH" up l3 2>&1) || rc=$?
[[ $rc != 0 ]] || fail "up with a failing decapsulator succeeded"
check_match "a failed up says what failed" "$out" "ipip_decap on be[34] did not start: .*refusing to start"
assert_nothing_left "up failed half way"

# `up` killed while building.
"$LAB_SH" up full >/dev/null &
up_pid=$!
wait_until 10 test -e "/run/netns/$LAB_PREFIX-be1" || fail "up never created be1"
kill -TERM "$up_pid"
rc=0
wait "$up_pid" || rc=$?
check_eq "an up killed by SIGTERM exits 143" "$rc" 143
assert_nothing_left "up killed while building"
