# Shared helpers for the shell's daemon-driven tests (sourced, bash).
#   start_daemon DIR   run "$TULA" on DIR/config.db and DIR/cli.sock, wait for the socket
#   stop_daemon        SIGTERM and wait (bounded)
#   cli ARGS...        "$TULA" cli --socket "$SOCK" ARGS...
#   check NAME CMD...  run CMD; a failing CMD fails the test with NAME
# $TULA is the binary under test; $TULA_EAL_ARGS, when set, are EAL options for the
# real `tula` (the shell's stand-in ignores them). The daemon runs in a network namespace
# of its own (unshare -n execs it: $DAEMON is its pid), so the TAP interfaces and routes
# of any port a test configures never touch the host's network.

fails=0
n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }

start_daemon() {
	local dir=$1 i
	SOCK=$dir/cli.sock
	if [ -n "${TULA_EAL_ARGS:-}" ]; then
		# shellcheck disable=SC2086
		unshare -n "$TULA" --db "$dir/config.db" --socket "$SOCK" --no-console -- $TULA_EAL_ARGS \
			</dev/null >"$dir/daemon.log" 2>&1 &
	else
		unshare -n "$TULA" --db "$dir/config.db" --socket "$SOCK" --no-console \
			</dev/null >"$dir/daemon.log" 2>&1 &
	fi
	DAEMON=$!
	for i in $(seq 1 200); do
		[ -S "$SOCK" ] && return 0
		kill -0 "$DAEMON" 2>/dev/null || break
		sleep 0.05
	done
	echo "# the daemon did not start:"; sed 's/^/#   /' "$dir/daemon.log"
	return 1
}

# SIGTERM must stop the daemon cleanly (exit 0; under the sanitizers, no report).
stop_daemon() {
	local i rc
	[ -n "${DAEMON:-}" ] || return 0
	kill -TERM "$DAEMON" 2>/dev/null
	for i in $(seq 1 200); do
		kill -0 "$DAEMON" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$DAEMON" 2>/dev/null
	wait "$DAEMON" 2>/dev/null && rc=0 || rc=$?
	DAEMON=
	if [ "$rc" = 0 ]; then ok "SIGTERM stops the daemon cleanly"; else
		not_ok "the daemon exited with status $rc:"
		tail -30 "$TMP/daemon.log" | sed 's/^/#   /'
	fi
}

cli() { "$TULA" cli --socket "$SOCK" "$@"; }

# expect_rc NAME RC CMD...: CMD's exit status must be RC; its stdout/stderr land in
# $OUT / $ERR for further checks.
expect_rc() {
	local name=$1 want=$2 got
	shift 2
	OUT=$("$@" 2>"$TMP/stderr") && got=0 || got=$?
	ERR=$(cat "$TMP/stderr")
	if [ "$got" = "$want" ]; then
		ok "$name (exit $got)"
	else
		not_ok "$name: exit $got, expected $want"
		echo "#   stdout: $(echo "$OUT" | head -5 | tr '\n' '|')"
		echo "#   stderr: $(echo "$ERR" | head -5 | tr '\n' '|')"
	fi
}

# contains NAME TEXT NEEDLE
contains() {
	if printf '%s' "$2" | grep -qF -- "$3"; then ok "$1"; else
		not_ok "$1: '$3' not in:"; printf '%s\n' "$2" | head -8 | sed 's/^/#   /'
	fi
}
lacks() {
	if printf '%s' "$2" | grep -qF -- "$3"; then
		not_ok "$1: '$3' found in:"; printf '%s\n' "$2" | head -8 | sed 's/^/#   /'
	else ok "$1"; fi
}

finish() {
	echo "1..$n"
	[ "$fails" = 0 ]
}
