# shellcheck shell=bash
# The real Tula daemon in the lab, for lab tests: start it in Tula's namespace, talk to
# it with `tula cli`, read its operational views as JSON, stop it before the lab goes.
# Source it instead of lib.sh (it sources lib.sh):
#
#   . "$(dirname "$0")/tula.sh"
#   require_root
#   lab_up l2
#   { tula_conf_base; tula_conf_vip web "$LAB_VIP_L2" 80 l2 be1 be2; } >"$TULA_WORK/t.conf"
#   tula_start "$TULA_WORK/t.conf"      # stopped again (SIGTERM) before the lab goes down
#   tula_wait_vip "http://$LAB_VIP_L2/"
#   tula_commit 'set services dsr vip web backend be1 weight 0'
#   tula_json 'show interfaces' | jpy 'j[0]["tx-bytes"]'
#
# TULA names the binary (default: $TULA_BUILD_DIR/firmware/tula, else build/ next to
# the sources). The daemon runs with the lab's EAL options: the two lcores (control,
# one worker), no hugepages, no PCI, no shared config, its own file prefix.

# shellcheck source=tests/lab/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TULA=${TULA:-${TULA_BUILD_DIR:+$TULA_BUILD_DIR/firmware/tula}}
TULA=${TULA:-$LAB_DIR/../../build/firmware/tula}
TULA_EAL_ARGS=${TULA_EAL_ARGS:--l 0-1 --no-huge -m 512 --no-shconf --no-pci}
PY=/usr/bin/python3 # Debian's interpreter (the one on PATH may be another)

# Scratch directory of this test (database, socket, log, configurations, captures);
# removed when the lab goes down. Created at once so tests can write files before the
# daemon starts.
TULA_WORK=$(mktemp -d "/tmp/tula-lab-${LAB_PREFIX}.XXXXXX")
TULA_SOCK=$TULA_WORK/cli.sock
TULA_LOG=$TULA_WORK/tula.log
TULA_PID=

# TULA_KEEP_WORK=1 keeps it after a failure, for a post-mortem.
_tula_cleanup_work() {
	if [[ ${TULA_KEEP_WORK:-0} == 1 && $LAB_EXIT_STATUS != 0 ]]; then
		echo "kept $TULA_WORK (TULA_KEEP_WORK=1)" >&2
		return 0
	fi
	rm -rf "$TULA_WORK"
}
# Removed on exit before lab_up, and by lab_down (the last of its hooks) after.
trap 'LAB_EXIT_STATUS=$?; _tula_cleanup_work' EXIT
lab_on_down _tula_cleanup_work

# tula_conf_base: prints the part of a configuration every lab test needs: port0 on
# lb0 with Tula's self address, and a default route via the router (harmless in the
# l2 lab, where nothing uses it).
tula_conf_base() {
	cat <<EOF
system {
    host-name ${LAB_PREFIX}-lab;
}
interfaces {
    port0 {
        device "net_af_packet0,iface=$LAB_LB_IF";
        address $LAB_LB_SELF_IP/24;
    }
}
routing-options {
    static {
        route 0.0.0.0/0 next-hop $LAB_GW_A;
    }
}
EOF
}

# tula_conf_vip NAME ADDRESS PORT MODE BACKEND...: prints a services block with one
# TCP VIP whose backends are lab nodes (their address from the running lab). For l3,
# the outer source is Tula's self address. No health check: tests that want one write
# their own block.
tula_conf_vip() {
	local name=$1 addr=$2 port=$3 mode=$4 n
	shift 4
	echo "services {"
	echo "    dsr {"
	echo "        vip $name {"
	echo "            address $addr;"
	echo "            protocol tcp;"
	echo "            port $port;"
	echo "            mode $mode;"
	[[ $mode != l3 ]] || echo "            tunnel-source $LAB_LB_SELF_IP;"
	for n; do
		echo "            backend $n { address $(lab_node_ip "$n"); }"
	done
	echo "        }"
	echo "    }"
	echo "}"
}

# tcli ARGS...: `tula cli` on this test's daemon.
tcli() { "$TULA" cli --socket "$TULA_SOCK" "$@"; }

# tula_alive: the daemon is running.
tula_alive() { [[ -n $TULA_PID ]] && ! proc_gone "$TULA_PID"; }

# tula_start CONFIG_FILE [DAEMON-OPTION...]: starts the daemon in Tula's namespace with
# a new database seeded from CONFIG_FILE (--config), waits until its CLI answers and the
# configuration is active (TULA_START_TIMEOUT seconds, default 30). Fails the test with the log's tail if it does not come up.
tula_start() {
	local conf=$1
	shift
	[[ -x $TULA ]] || fail "no daemon binary at $TULA (build it: ninja -C build, or set TULA)"
	[[ $_LAB_UP == 1 ]] || fail "tula_start: bring the lab up first (lab_up)"
	mkdir -p "$TULA_WORK/scripts"
	lab_on_down tula_stop
	# A child of this shell (not of a command substitution), so tula_stop can collect
	# its exit status. TULA_EAL_ARGS is a list of words.
	# shellcheck disable=SC2086
	ip netns exec "$(lab_ns lb)" "$TULA" --no-console --db "$TULA_WORK/config.db" \
		--socket "$TULA_SOCK" --scripts "$TULA_WORK/scripts" --config "$conf" "$@" \
		-- $TULA_EAL_ARGS --file-prefix "${LAB_PREFIX}tula" </dev/null >"$TULA_LOG" 2>&1 &
	TULA_PID=$!
	if ! wait_until "${TULA_START_TIMEOUT:-30}" _tula_ready; then
		tula_alive || fail "tula exited at start-up: $(tail -n 20 "$TULA_LOG")"
		fail "tula's CLI never answered on $TULA_SOCK: $(tail -n 20 "$TULA_LOG")"
	fi
	grep -q 'did not load' "$TULA_LOG" && fail "the configuration did not load: $(tail -n 20 "$TULA_LOG")"
	ok "tula is running (pid $TULA_PID) with $(basename "$conf")"
}

_tula_ready() { tula_alive && tcli -c 'show version' >/dev/null 2>&1; }

# tula_stop: SIGTERM, then SIGKILL after 10 s. Prints the daemon's log tail when the
# test is failing or the daemon did not exit cleanly. Idempotent (a lab_down hook).
tula_stop() {
	local rc=0
	[[ -n $TULA_PID ]] || return 0
	if ((LAB_EXIT_STATUS != 0)) && tula_alive; then
		echo "--- tula's view at the failure:" >&2
		tcli -c 'show services dsr' -c 'show services dsr statistics' 2>&1 | sed 's/^/    | /' >&2
	fi
	kill -TERM "$TULA_PID" 2>/dev/null || true
	if ! wait_until 10 proc_gone "$TULA_PID"; then
		echo "tula_stop: tula (pid $TULA_PID) ignored SIGTERM for 10 s: killing it" >&2
		kill -KILL "$TULA_PID" 2>/dev/null || true
	fi
	wait "$TULA_PID" 2>/dev/null || rc=$?
	if ((rc != 0 || LAB_EXIT_STATUS != 0)); then
		echo "--- tula exited with status $rc; the end of its log:" >&2
		tail -n 40 "$TULA_LOG" | sed 's/^/    | /' >&2
	fi
	TULA_PID=
	# A daemon that crashed on its way out (SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGSEGV)
	# fails the test even when everything before passed.
	case $rc in
	132 | 134 | 135 | 136 | 139)
		echo "tula_stop: tula crashed while stopping (status $rc)" >&2
		return 1
		;;
	esac
}

# tula_commit STATEMENT...: one configuration session (configure, the statements,
# commit); fails the test with the CLI's answer when anything is refused.
tula_commit() {
	local -a args=(-c configure)
	local s out
	for s; do
		args+=(-c "$s")
	done
	out=$(tcli "${args[@]}" -c commit 2>&1) || fail "commit refused: $* -> $out"
	[[ $out == *"commit complete"* ]] || fail "commit did not complete: $* -> $out"
}

# tula_json COMMAND: the command's structured output (`| display json`).
tula_json() {
	tcli -c "$1 | display json" || fail "'$1' failed"
}

# jpy EXPR [ARG...]: evaluates the Python expression EXPR with j = the JSON document on
# stdin (json and sys imported, the ARGs in sys.argv[2:]); prints the result (lists and
# dicts as JSON).
jpy() {
	"$PY" -c '
import json, sys
j = json.load(sys.stdin)
r = eval(sys.argv[1])
print(json.dumps(r) if isinstance(r, (list, dict)) else r)' "$@"
}

# tula_stat COMMAND EXPR: shorthand for tula_json COMMAND | jpy EXPR.
tula_stat() {
	local js
	js=$(tula_json "$1") || return 1
	jpy "$2" <<<"$js"
}

# tula_event NAME: a data-path event counter of `show services dsr statistics`
# (rx-packets, icmp-frag-needed-sent, flows-repinned, ...).
tula_event() { tula_stat 'show services dsr statistics' "j['events']['$1']"; }

# tula_drop NAME: a drop counter (0 when that reason never happened).
tula_drop() { tula_stat 'show services dsr statistics' "j['drops'].get('$1', 0)"; }

# tula_wait_vip URL [NODE]: waits (20 s) until URL answers from NODE (client).
tula_wait_vip() {
	wait_until 20 lab_curl "${2:-client}" --max-time 2 "$1" ||
		fail "$1 never answered through Tula: $(lab_curl "${2:-client}" --max-time 2 "$1" 2>&1)"
}

# tula_check_alive: the daemon is still running (did not crash during the test).
tula_check_alive() {
	tula_alive || fail "tula died during the test: $(tail -n 20 "$TULA_LOG")"
	ok "tula is still running"
}
