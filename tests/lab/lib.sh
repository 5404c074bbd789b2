# shellcheck shell=bash
# Shared helpers for lab tests (scripts run by meson, suite 'lab'). Source it:
#
#   . "$(dirname "$0")/lib.sh"
#   require_root                 # exit 77 (meson: SKIP) when not root
#   lab_up full                  # build the topology; tears it down on EXIT/INT/TERM
#   in_ns client curl -sS http://10.0.1.100/
#   wait_until 5 in_ns client curl -fsS --max-time 1 http://10.0.1.100/healthz
#   check "be1 answers" [ "$(lab_curl client http://10.0.1.11/)" = be1 ]
#
# Everything the addressing plan names comes from lab-env.sh (LAB_VIP_L2, lab_ns, ...).
# Assertion helpers print "ok: ..." or "FAIL: ..." and exit 1 at the first failure, so
# the EXIT trap removes the lab.

LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)}
LAB_SH=$LAB_DIR/lab.sh
# shellcheck source=tests/lab/lab-env.sh
. "$LAB_DIR/lab-env.sh"

# Skips (exit 77) unless root: the lab needs network namespaces and veth.
require_root() {
	if [[ $EUID != 0 ]]; then
		echo "lab tests need root (network namespaces, veth): run as root"
		exit 77
	fi
}

# lab CMD...: lab.sh with this test's prefix (status, backend, ...).
lab() { "$LAB_SH" "$@"; }

_LAB_UP=0
# lab_down: removes the lab (idempotent; the trap lab_up installs calls it). It runs
# in its own session, so that a test runner killing the test's process group on a
# timeout does not also kill the clean-up half way.
lab_down() {
	trap '' INT TERM
	if [[ $_LAB_UP == 1 ]]; then
		_LAB_UP=0
		setsid -w "$LAB_SH" down || echo "lab_down: 'lab.sh down' failed" >&2
	fi
	trap - INT TERM
}

# lab_up TOPOLOGY [--backends N]: builds the lab and makes sure it goes away however
# the script ends (exit, failure, Ctrl-C, kill).
lab_up() {
	_LAB_UP=1
	trap lab_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	"$LAB_SH" up "$@"
}

# in_ns NODE CMD...: runs CMD in the node's namespace.
in_ns() {
	local ns
	ns=$(lab_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

# lab_curl NODE CURL-ARGS...: curl from NODE, bounded in time, failing on HTTP errors.
lab_curl() {
	local node=$1
	shift
	in_ns "$node" curl -sS --fail --connect-timeout 3 --max-time 20 "$@"
}

# wait_until TIMEOUT_SECONDS CMD...: runs CMD (quietly) until it succeeds; returns 1
# when the timeout passes first. Fractions are fine (wait_until 0.5 ...).
wait_until() {
	local timeout_us deadline
	timeout_us=$(awk -v t="$1" 'BEGIN { printf "%d", t * 1000000 }')
	deadline=$((${EPOCHREALTIME/./} + timeout_us))
	shift
	until "$@" >/dev/null 2>&1; do
		((${EPOCHREALTIME/./} < deadline)) || return 1
		sleep 0.05
	done
}

# lab_tool NAME: path of a helper program built next to the lab (ipip_probe, ...).
lab_tool() {
	local c
	for c in "${LAB_TOOLS_DIR:-}" "${TULA_BUILD_DIR:+$TULA_BUILD_DIR/tests/lab}" \
		"$LAB_DIR/../../build/tests/lab"; do
		[[ -n $c && -x $c/$1 ]] && { echo "$c/$1"; return 0; }
	done
	echo "lab_tool: $1 not found (build it: ninja -C build)" >&2
	return 1
}

# lab_bg NODE LOGFILE CMD...: starts CMD in NODE's namespace in the background, output
# to LOGFILE; prints its pid. 'lab.sh down' kills it with everything else in the lab.
lab_bg() {
	local ns log=$2
	ns=$(lab_ns "$1")
	shift 2
	ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
	echo $!
}

# proc_gone PID: the process has exited (a zombie waiting to be reaped counts as gone).
proc_gone() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
	stat=${stat##*) }
	[[ ${stat%% *} == Z ]]
}

# ---------------------------------------------------------------- assertions

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() { echo "ok: $*"; }

# check DESCRIPTION CMD...: CMD must succeed.
check() {
	local what=$1
	shift
	if "$@"; then
		ok "$what"
	else
		fail "$what (command: $*)"
	fi
}

# check_eq DESCRIPTION ACTUAL EXPECTED
check_eq() {
	if [[ $2 == "$3" ]]; then
		ok "$1"
	else
		fail "$1: got '$2', expected '$3'"
	fi
}

# check_match DESCRIPTION TEXT REGEX (bash =~)
check_match() {
	if [[ $2 =~ $3 ]]; then
		ok "$1"
	else
		fail "$1: '$2' does not match /$3/"
	fi
}
