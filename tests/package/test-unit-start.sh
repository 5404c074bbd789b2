#!/usr/bin/env bash
# package-unit-starts-tula-sandboxed-on-a-host-without-hugepages: the packaged
# tula.service's ExecStart, run as systemd would run it, brings Tula up on a host with no
# hugepages reserved, and everything the unit promises holds:
#   - the unit and /etc/default/tula are read from the unpacked .deb: ExecStartPre (with
#     "+", outside the sandbox) then ExecStart with the EnvironmentFile's variables
#     expanded by systemd's rules (an empty TULA_EAL leaves Tula to choose the EAL);
#   - ExecStart runs in the lab's Tula namespace inside the unit's sandbox (sandbox.sh:
#     ProtectSystem=strict, ProtectHome, PrivateTmp, NoNewPrivileges, the
#     CapabilityBoundingSet, RestrictAddressFamilies by seccomp, the unit's
#     State/Runtime/LogsDirectory), with a clean environment plus NOTIFY_SOCKET,
#     WATCHDOG_USEC and JOURNAL_STREAM, as systemd gives them;
#   - READY=1 arrives, and at that moment the CLI answers `show version`; WATCHDOG=1
#     keeps coming from the control loop; the process holds exactly the unit's
#     capabilities, no_new_privs and a seccomp filter, and no hugepage mapping;
#   - an operator's configuration through `tula cli` forwards curl to both backends
#     (af_packet port, TAP device, health checks: the capabilities are enough); the CLI
#     socket belongs to group tula, mode 0660;
#   - stderr, being the "journal", carries sd-daemon priority prefixes and no
#     timestamp: a backend going down is a <4> warning;
#   - `show log` filters by level and module;
#   - SIGHUP opens the --log file again after a rotation; SIGTERM: STOPPING=1, exit 0.
# Never changes the host: hugepages, /run, /var/lib, /etc stay as they were.
# shellcheck disable=SC2154 # U_*, EXEC_*, UNIT_ENV: assigned by unit_exec.py's output
set -euo pipefail
TESTS_DIR=$(cd "$(dirname "$0")" && pwd -P)
# shellcheck source=tests/lab/lib.sh
. "$TESTS_DIR/../lab/lib.sh"
require_root
PY=/usr/bin/python3
TOP=$(cd "$TESTS_DIR/../.." && pwd -P)
DEB=${TULA_DEB:?TULA_DEB names the .deb (meson sets it)}
RESTRICT_AF=${RESTRICT_AF:?RESTRICT_AF names the seccomp helper (meson sets it)}

free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
if ((free >= 256)); then
	echo "this host has $free free hugepages: Tula would use them; the start without cannot be shown here"
	exit 77
fi
nr_before=$(cat /proc/sys/vm/nr_hugepages)

[[ -f $DEB ]] || "$TOP/packaging/build-deb.sh" "$(dirname "$DEB")" >/dev/null ||
	fail "cannot build $DEB"

work=$(mktemp -d "/tmp/tula-unit-${LAB_PREFIX}.XXXXXX")
pid='' listener=
cleanup_work() {
	[[ -z $pid ]] || kill -KILL "$pid" 2>/dev/null || true
	[[ -z $listener ]] || kill -TERM "$listener" 2>/dev/null || true
	rm -rf "$work"
}
trap 'cleanup_work' EXIT
R=$work/root
dpkg-deb -x "$DEB" "$R"
# An operator's one edit of /etc/default/tula: a log file (EAL and hugepages as shipped).
sed -i 's|^TULA_OPTIONS=.*|TULA_OPTIONS="--log /var/log/tula/tula.log"|' "$R/etc/default/tula"
grep -qx 'TULA_EAL=""' "$R/etc/default/tula" || fail "the shipped TULA_EAL is not empty"

unit=$R/lib/systemd/system/tula.service
eval "$("$PY" "$TESTS_DIR/unit_exec.py" "$unit" "$R")"
check_eq "the unit is Type=notify" "$U_Type" notify
[[ ${U_WatchdogSec:-0} -gt 0 ]] || fail "the unit sets no WatchdogSec"
check_eq "ExecStart runs the packaged binary" "${EXEC_START[0]}" /usr/bin/tula
check_eq "ExecStart ends with -- and no EAL option" "${EXEC_START[-1]}" --
[[ -x $R${EXEC_START[0]} && -x $R${EXEC_PRE[0]} ]] || fail "ExecStart/ExecStartPre programs are not in the package"

# ExecStartPre: "+", so outside the sandbox, with the unit's environment.
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${UNIT_ENV[@]}" "$R${EXEC_PRE[0]}" "${EXEC_PRE[@]:1}" ||
	fail "ExecStartPre ${EXEC_PRE[*]} failed"
check_eq "TULA_HUGEPAGES=0 reserved nothing" "$(cat /proc/sys/vm/nr_hugepages)" "$nr_before"

lab_up l2
lab_on_down cleanup_work

# The group the package creates (sysusers), in the sandbox's /etc/group.
gid=$(awk -F: '$1 == "tula" { print $3 }' /etc/group)
if [[ -z $gid ]]; then
	gid=$(awk -F: 'BEGIN { g = 999 } { used[$3] = 1 } END { while (used[g]) g--; print g }' /etc/group)
fi

# systemd's notify socket, in Tula's namespace (abstract sockets belong to a namespace).
notify=@tula-unit-$LAB_PREFIX-$$
ip netns exec "$LAB_NS_LB" "$PY" "$TESTS_DIR/notify_listen.py" "$notify" "$work/notify.log" &
listener=$!
wait_until 5 grep -q LISTENING "$work/notify.log" || fail "the notify listener did not start"

# stderr is "the journal": JOURNAL_STREAM names its device and inode, as systemd does.
: >"$work/stderr"
journal=$(stat -c '%d:%i' "$work/stderr")
mkdir -p "$work/s"
ip netns exec "$LAB_NS_LB" unshare --mount --propagation private -- \
	env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
	"${UNIT_ENV[@]}" NOTIFY_SOCKET="$notify" WATCHDOG_USEC=1000000 JOURNAL_STREAM="$journal" \
	RUNTIME_DIRECTORY="/run/${U_RuntimeDirectory// /:/run/}" STATE_DIRECTORY=/var/lib/tula \
	LOGS_DIRECTORY=/var/log/tula \
	SB_SCRATCH="$work/s" SB_RUNTIME="$U_RuntimeDirectory" SB_STATE="$U_StateDirectory" \
	SB_LOGS="$U_LogsDirectory" SB_GROUP="tula:x:$gid:" SB_TOOLS="$RESTRICT_AF" \
	SB_PROTECT_SYSTEM="$U_ProtectSystem" SB_PROTECT_HOME="$U_ProtectHome" \
	SB_PRIVATE_TMP="$U_PrivateTmp" SB_NNP="$U_NoNewPrivileges" \
	SB_CAPS="$U_CapabilityBoundingSet" SB_AF="$U_RestrictAddressFamilies" \
	SB_MEMLOCK="$U_LimitMEMLOCK" SB_PKGROOT="$R" \
	"$TESTS_DIR/sandbox.sh" "${EXEC_START[@]}" </dev/null >"$work/stderr" 2>&1 &
pid=$! # every step execs: this is Tula's pid

sock=$work/s/run/tula/cli.sock
tcli() { "$R/usr/bin/tula" cli --socket "$sock" "$@"; }
ready_or_gone() { grep -q ' READY=1$' "$work/notify.log" || proc_gone "$pid"; }
wait_until 60 ready_or_gone || true
if ! grep -q ' READY=1$' "$work/notify.log"; then
	proc_gone "$pid" && fail "tula exited at start-up: $(tail -n 20 "$work/stderr")"
	fail "no READY=1 in 60 s: $(tail -n 20 "$work/stderr")"
fi
ok "READY=1 received: $(grep ' STATUS=' "$work/notify.log" | head -n 1)"
out=$(tcli -c 'show version') || fail "the CLI does not answer at READY=1: $out"
check_match "and at that moment the CLI answers show version" "$out" 'Tula version: 0\.1\.0'

# What the kernel says about the process.
status=/proc/$pid/status
caps=-all
for c in $U_CapabilityBoundingSet; do
	c=${c#CAP_}
	caps+=",+${c,,}"
done
want_caps=$(setpriv --bounding-set "$caps" -- awk '/^CapBnd/ { print $2 }' /proc/self/status)
check_eq "bounding set = the unit's CapabilityBoundingSet" "$(awk '/^CapBnd/ { print $2 }' "$status")" "$want_caps"
check_eq "effective capabilities = the same" "$(awk '/^CapEff/ { print $2 }' "$status")" "$want_caps"
check_eq "no_new_privs" "$(awk '/^NoNewPrivs/ { print $2 }' "$status")" 1
check_eq "a seccomp filter (RestrictAddressFamilies)" "$(awk '/^Seccomp:/ { print $2 }' "$status")" 2
check_eq "no hugepage is mapped (Tula chose --no-huge)" \
	"$(grep -c -e 'hugepages' -e 'anon_hugepage' -e 'rtemap' "/proc/$pid/maps" || true)" 0

# The operator configures the appliance.
out=$(tcli -c configure \
	-c "set interfaces port0 device \"net_af_packet0,iface=$LAB_LB_IF\"" \
	-c "set interfaces port0 address $LAB_LB_SELF_IP/24" \
	-c "set services dsr vip web address $LAB_VIP_L2" \
	-c "set services dsr vip web protocol tcp" -c "set services dsr vip web port 80" \
	-c "set services dsr vip web backend be1 address $(lab_node_ip be1)" \
	-c "set services dsr vip web backend be2 address $(lab_node_ip be2)" \
	-c "set services dsr vip web health-check type tcp" \
	-c "set services dsr vip web health-check interval 1" \
	-c "set services dsr vip web health-check rise 1" \
	-c "set services dsr vip web health-check fall 2" \
	-c commit 2>&1) || fail "commit refused: $out"
check_match "the commit completes" "$out" 'commit complete'
reached=''
for _ in $(seq 1 60); do
	answer=$(lab_curl client --max-time 2 "http://$LAB_VIP_L2/" 2>/dev/null || true)
	[[ $answer == be1 || $answer == be2 ]] && [[ $reached != *"$answer"* ]] && reached+=" $answer"
	[[ $reached == *be1* && $reached == *be2* ]] && break
	sleep 0.2
done
[[ $reached == *be1* && $reached == *be2* ]] || fail "curl through the VIP reached only:$reached"
ok "curl through the VIP reaches be1 and be2 (af_packet, health checks, TAP under the unit's sandbox)"
in_ns lb ip link show tula-port0 >/dev/null || fail "no TAP device tula-port0"
check_eq "the CLI socket is group tula, mode 0660" "$(stat -c '%g %a' "$sock")" "$gid 660"

# The watchdog keeps being fed (WATCHDOG_USEC=1 s: a ping every 0.5 s).
n1=$(grep -c ' WATCHDOG=1$' "$work/notify.log")
sleep 2.5
n2=$(grep -c ' WATCHDOG=1$' "$work/notify.log")
((n2 - n1 >= 3)) || fail "only $((n2 - n1)) WATCHDOG=1 in 2.5 s (want 3 or more at a 1 s watchdog)"
ok "WATCHDOG=1 every half interval ($((n2 - n1)) in 2.5 s)"

# A backend goes down: a warning, which the journal must see as one.
lab backend be2 http stop
wait_until 15 grep -q '^<4>health: VIP web backend be2 .* is down' "$work/stderr" ||
	fail "no <4> line for be2 going down: $(tail -n 10 "$work/stderr")"
ok "the warning reaches the journal stream as <4>: $(grep -m1 '^<4>health' "$work/stderr")"
bad=$(grep -v '^<[0-7]>' "$work/stderr" || true)
[[ -z $bad ]] || fail "stderr lines without a priority prefix: $bad"
grep -q '^<[0-7>]*[0-9]\{4\}-[0-9][0-9]-[0-9][0-9] ' "$work/stderr" &&
	fail "a timestamp on the journal stream: $(grep -m1 '^<[0-7]>[0-9]\{4\}-' "$work/stderr")"
ok "every stderr line has a priority prefix and no timestamp"
grep -q '^<5>tula 0.1.0 started' "$work/stderr" || fail "no <5> notice for the start"

# show log, filtered.
js=$(tcli -c 'show log level warning | display json')
"$PY" - "$js" <<'PYEOF' || fail "show log level warning: $js"
import json, sys
j = json.loads(sys.argv[1])
assert j and all(e["level"] in ("error", "warning") for e in j), "levels"
assert any("be2" in e["message"] and "is down" in e["message"] for e in j), "be2 down missing"
PYEOF
ok "show log level warning: only warnings and errors, be2's fall among them"
js=$(tcli -c 'show log module health | display json')
"$PY" - "$js" <<'PYEOF' || fail "show log module health: $js"
import json, sys
j = json.loads(sys.argv[1])
assert j and all(e["module"] == "health" and e["message"].startswith("health: ") for e in j)
assert len({e["level"] for e in j}) > 1 and any(e["level"] == "warning" for e in j)
PYEOF
ok "show log module health: only health lines, of several levels"
out=$(tcli -c 'show log level error module health')
[[ -z $out ]] || fail "show log level error module health shows: $out"
ok "show log level error module health: nothing (no health error happened)"
check_match "show log module cli: the CLI sessions" "$(tcli -c 'show log module cli')" 'cli: session [0-9]+: root'

# logrotate: move the file, SIGHUP, the new file gets the next lines.
logdir=$work/s/log/tula
[[ -s $logdir/tula.log ]] || fail "--log /var/log/tula/tula.log was not written (LogsDirectory)"
mv "$logdir/tula.log" "$logdir/tula.log.1"
kill -HUP "$pid"
wait_until 5 grep -q 'received SIGHUP' "$logdir/tula.log" || fail "no new tula.log after SIGHUP"
proc_gone "$pid" && fail "SIGHUP killed tula"
grep -q 'received SIGHUP' "$logdir/tula.log.1" && fail "the SIGHUP line went to the rotated file"
ok "SIGHUP: tula.log opened again, the daemon still runs"

kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
pid=
check_eq "SIGTERM: exit status 0" "$rc" 0
grep -q ' STOPPING=1$' "$work/notify.log" || fail "no STOPPING=1"
ok "STOPPING=1 sent"
[[ ! -e $sock ]] || fail "the CLI socket was left behind"
check_eq "the host's hugepages are as they were" "$(cat /proc/sys/vm/nr_hugepages)" "$nr_before"
