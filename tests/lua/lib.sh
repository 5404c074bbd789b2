# shellcheck shell=bash
# Helpers for the Lua integration tests (tests/lua/test-*.sh): a running daemon in a
# temporary directory, and its two clients.
#
#   . "$(dirname "$0")/lib.sh"
#   daemon_start                       # stopped (and the directory removed) on exit
#   tcli -c 'show version'             # tula cli --socket ...
#   tlua -e 'print(1)'                 # tula lua --socket ...
#   run_capture tlua -e 'error("x")'   # sets OUT, ERR, RC
#
# The daemon is $TULA (default: the real binary, build/firmware/tula) started with the
# daemon's own options plus $TULA_DAEMON_ARGS (meson sets its EAL options; by hand:
# TULA_DAEMON_ARGS='-- -l 0-1 --no-huge -m 512 --no-shconf --no-pci').
# It starts from tests/data/lua/web.conf, loaded through the CLI, with the sample
# scripts and the test scripts in its scripts directory.
set -euo pipefail

LUA_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
SRC_ROOT=$(cd "$LUA_TESTS/../.." && pwd -P)
TULA=${TULA:-${TULA_BUILD_DIR:-$SRC_ROOT/build}/firmware/tula}
WORK=$(mktemp -d /tmp/lx-int-XXXXXX)
SOCK=$WORK/cli.sock
DAEMON_PID=

fail() {
	echo "FAIL: $*" >&2
	[[ -f $WORK/daemon.log ]] && { echo "--- daemon log:" >&2; tail -20 "$WORK/daemon.log" >&2; }
	exit 1
}
ok() { echo "ok: $*"; }

tcli() { "$TULA" cli --socket "$SOCK" "$@"; }
tlua() { "$TULA" lua --socket "$SOCK" "$@"; }

# run_capture CMD...: runs CMD, keeping its stdout in OUT, stderr in ERR, status in RC.
run_capture() {
	set +e
	"$@" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	OUT=$(cat "$WORK/out")
	ERR=$(cat "$WORK/err")
}

# daemon_stop: SIGTERM, and the daemon must exit cleanly (status 0): a crash, or a
# sanitizer's report at exit in the ASan build, fails the test.
daemon_stop() {
	local st=0 rc=$?
	if [[ -n $DAEMON_PID ]]; then
		kill "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || st=$?
		DAEMON_PID=
		if [[ $st != 0 ]]; then
			echo "FAIL: the daemon exited with status $st" >&2
			tail -40 "$WORK/daemon.log" >&2
			rc=1
		fi
	fi
	rm -rf "$WORK"
	exit $rc
}

# daemon_alive: the daemon process exists and answers `show version`.
daemon_alive() {
	kill -0 "$DAEMON_PID" 2>/dev/null && tcli -c 'show version' 2>/dev/null | grep -q 'Tula'
}

daemon_start() {
	local i
	[[ -x $TULA ]] || fail "no daemon binary at $TULA (build it, or set TULA)"
	trap daemon_stop EXIT
	mkdir -p "$WORK/scripts"
	cp "$SRC_ROOT"/packaging/samples/scripts/*.lua "$SRC_ROOT"/tests/data/lua/*.lua \
		"$WORK/scripts/"
	# shellcheck disable=SC2086
	# a network namespace of its own: web.conf's port (net_null0) gets a TAP interface
	# and routes, which must not land in the host's namespace (unshare execs tula)
	unshare -n "$TULA" --db "$WORK/config.db" --socket "$SOCK" --scripts "$WORK/scripts" \
		--no-console ${TULA_DAEMON_ARGS:-} </dev/null >"$WORK/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for i in $(seq 1 100); do
		[[ -S $SOCK ]] && daemon_alive && break
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited at start"
		sleep 0.1
	done
	daemon_alive || fail "the daemon never answered on $SOCK"
	tcli -c configure -c "load override $SRC_ROOT/tests/data/lua/web.conf" \
		-c 'commit comment "test configuration"' >/dev/null ||
		fail "cannot load the test configuration"
}
