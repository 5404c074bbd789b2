# shellcheck shell=bash
# Shared helpers of the benchmark scripts (tests/bench/bench-*.sh). Source it after
# setting BUILD (the meson build directory).
#
# Every benchmark measures Tula and its baseline in the same run, alternating them
# (A/B/A/B...) and reporting medians, because this machine is shared and noisy.
# Result lines go to $BENCH_RESULTS (when set) as tab-separated
#   figure  tula  baseline  ratio  unit
# so that run-all.sh can print one summary table.

BENCH_DIR=${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)}
SRC_ROOT=$(cd "$BENCH_DIR/../.." && pwd -P)
export SRC_ROOT

bench_die() {
	echo "bench: $*" >&2
	exit 1
}

bench_require_root() {
	[[ $EUID == 0 ]] || bench_die "needs root (network namespaces, DPDK): run as root"
}

# bench_build_dir DIR: checks and exports BUILD / TULA.
bench_build_dir() {
	BUILD=$(cd "${1:-build}" 2>/dev/null && pwd -P) || bench_die "no build directory '${1:-build}'"
	TULA=$BUILD/firmware/tula
	[[ -x $TULA ]] || bench_die "$TULA missing: build first (ninja -C $BUILD)"
	export BUILD TULA
	export TULA_BUILD_DIR=$BUILD
}

# One line on the machine and its load, for every table.
bench_machine() {
	local model load
	model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
	read -r load _ </proc/loadavg
	echo "machine: $(nproc) CPUs ($model), kernel $(uname -r), $(free -g | awk '/^Mem:/ { print $2 }') GiB; load average $load; $(date -u '+%Y-%m-%d %H:%M UTC')"
}

# bench_wait_quiet MAX_WAITS: when the 1-minute load average is above 1.5, waits
# (300 s at a time, at most MAX_WAITS times) for a quieter moment. Says what it did.
bench_wait_quiet() {
	local max=${1:-0} i load
	for ((i = 0; i < max; i++)); do
		read -r load _ </proc/loadavg
		awk -v l="$load" 'BEGIN { exit !(l > 1.5) }' || return 0
		echo "load average $load > 1.5: waiting 300 s for a quieter moment ($((i + 1))/$max)"
		sleep 300
	done
	read -r load _ </proc/loadavg
	awk -v l="$load" 'BEGIN { exit !(l > 1.5) }' && echo "note: running with load average $load (> 1.5)"
	return 0
}

# median VALUES...: the median (mean of the middle two for an even count).
median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan"; exit }
		if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ratio A B: A / B with two decimals ("-" when B is 0 or missing).
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "" || a == "nan") print "-"; else printf "%.2f\n", a / b }'
}

# result FIGURE TULA BASELINE RATIO UNIT: one line for the summary table.
result() {
	[[ -n ${BENCH_RESULTS:-} ]] && printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_RESULTS"
	return 0
}

now_s() { echo "${EPOCHREALTIME}"; }

# wait_for TIMEOUT_S CMD...: runs CMD quietly until it succeeds; 1 on timeout.
wait_for() {
	local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	until "$@" >/dev/null 2>&1; do
		((${EPOCHREALTIME/./} < deadline)) || return 1
		sleep 0.1
	done
}

proc_gone() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
	stat=${stat##*) }
	[[ ${stat%% *} == Z ]]
}

# stop_pid PID: TERM, then KILL after 10 s; waits until it is gone.
stop_pid() {
	local pid=$1
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	wait_for 10 proc_gone "$pid" || {
		kill -KILL "$pid" 2>/dev/null || true
		wait_for 5 proc_gone "$pid" || true
	}
	wait "$pid" 2>/dev/null || true
}

# Namespaces this script created, removed (with every process in them) on exit.
BENCH_NS=()
BENCH_PIDS=()
bench_cleanup() {
	local ns p
	trap '' INT TERM
	for p in "${BENCH_PIDS[@]}"; do
		stop_pid "$p"
	done
	for ns in "${BENCH_NS[@]}"; do
		[[ -e /run/netns/$ns ]] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	BENCH_NS=()
	BENCH_PIDS=()
	[[ -z ${BENCH_TMP:-} ]] || rm -rf "$BENCH_TMP"
	trap - INT TERM
}

bench_traps() {
	trap bench_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# if_counter NS IFACE COUNTER: a kernel interface counter (rx_packets, tx_bytes, ...).
if_counter() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"
}
