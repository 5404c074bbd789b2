#!/usr/bin/env bash
# bench-pipeline: the pipeline's own cost per packet (no I/O), L2 and L3, IPv4 and IPv6, at
# 1 Ki, 64 Ki, 1 Mi and 8 Mi established flows, each next to the touch-only baseline
# measured in the same run (bench_fw_pipeline), in ns and core cycles per packet, with the
# bytes per flow of each family's flow table; then the instructions per packet of the same
# cases counted with callgrind, and the IPC the two imply.
#
#   tests/bench/bench-pipeline.sh BUILD_DIR [--quick] [--no-callgrind] [--rounds N]
#
# Each flow count runs N times (default 3; 1 with --quick) and every figure is the median
# of the runs. Time is thread CPU time; cycles are that time times the core clock the
# same run measured (bench_fw_pipeline.c says why the TSC is not used as a cycle count).
# The flow table of each run is created for exactly the flows it holds, so "B/flow" and
# "load" are those of a worker configured for that many flows.
#
# Callgrind figures: instructions per packet of fw_pipeline_burst() (inclusive) for
# established flows, taken as the difference between two runs with different packet
# counts (so the first pass, which inserts every flow, cancels out), and of the
# baseline's touch_burst() + TX per packet.
set -euo pipefail
# shellcheck source=tests/bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

bench_build_dir "${1:-}"
(($#)) && shift
QUICK=0
CALLGRIND=1
ROUNDS=3
while (($#)); do
	case $1 in
	--quick) QUICK=1 ROUNDS=1 ;;
	--no-callgrind) CALLGRIND=0 ;;
	--rounds)
		ROUNDS=${2:?--rounds needs a number}
		shift
		;;
	*) bench_die "unknown option '$1'" ;;
	esac
	shift
done
PIPE=$BUILD/tests/bench/bench_fw_pipeline
[[ -x $PIPE ]] || bench_die "$PIPE missing: ninja -C $BUILD"
PACKETS=5000000
((QUICK)) && PACKETS=2000000
FLOW_COUNTS=(1024 65536 1048576 8388608)
((QUICK)) && FLOW_COUNTS=(1024 1048576)
BENCH_TMP=$(mktemp -d /tmp/bench-pipe.XXXXXX)
trap 'rm -rf "$BENCH_TMP"' EXIT

bench_machine
# Every run's full output goes to stdout (kept as the raw result), its DATA lines to a file.
for ((r = 1; r <= ROUNDS; r++)); do
	for fl in "${FLOW_COUNTS[@]}"; do
		echo "---- round $r/$ROUNDS, $fl flows"
		"$PIPE" "$fl" "$PACKETS" | tee -a "$BENCH_TMP/raw"
	done
done
grep '^DATA ' "$BENCH_TMP/raw" >"$BENCH_TMP/data"

# med MODE FLOWS FIELD: the median of FIELD over the rounds.
med() {
	# shellcheck disable=SC2046
	median $(awk -v m="$1" -v f="$2" -v k="$3" '
		{ ok = 0; for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		  if (v["mode"] == m && v["flows"] == f) print v[k] }' "$BENCH_TMP/data")
}

echo
echo "Pipeline cost vs established flows: median of $ROUNDS runs; ns = thread CPU time per packet,"
echo "cyc = core cycles per packet; x base = ratio to the touch-only baseline of the same run"
printf '  %-9s %8s %6s %7s %8s %6s %7s %8s %6s %7s %10s\n' flows "L2 ns" "L2 cyc" "x base" \
	"L3 ns" "L3 cyc" "x base" "base ns" "B/flow" "load" "evict/pkt"
for fl in "${FLOW_COUNTS[@]}"; do
	l2=$(med L2 "$fl" ns) l3=$(med L3 "$fl" ns) b=$(med L2 "$fl" base_ns)
	r2=$(med L2 "$fl" ratio) r3=$(med L3 "$fl" ratio)
	c2=$(med L2 "$fl" cycles) c3=$(med L3 "$fl" cycles)
	bpf=$(med L2 "$fl" bytes_per_flow) load=$(med L2 "$fl" load) ev=$(med L2 "$fl" evicted_per_pkt)
	printf '  %-9s %8.1f %6.0f %7.2f %8.1f %6.0f %7.2f %8.1f %6.1f %7.2f %10.4f\n' "$fl" "$l2" "$c2" \
		"$r2" "$l3" "$c3" "$r3" "$b" "$bpf" "$load" "$ev"
	result "pipeline L2 ns/packet, $fl flows" "$l2" "$b" "$r2" "ns"
	result "pipeline L3 ns/packet, $fl flows" "$l3" "$(med L3 "$fl" base_ns)" "$r3" "ns"
	echo "$fl $c2 $c3" >>"$BENCH_TMP/cycles"
done
echo
echo "IPv6, the same cases (74-byte frames; the IPv6 flow table created for the same flows)"
printf '  %-9s %8s %6s %7s %8s %6s %7s %8s %6s %7s %10s\n' flows "L2 ns" "L2 cyc" "x base" \
	"L3 ns" "L3 cyc" "x base" "base ns" "B/flow" "load" "evict/pkt"
for fl in "${FLOW_COUNTS[@]}"; do
	l2=$(med L2v6 "$fl" ns) l3=$(med L3v6 "$fl" ns) b=$(med L2v6 "$fl" base_ns)
	r2=$(med L2v6 "$fl" ratio) r3=$(med L3v6 "$fl" ratio)
	c2=$(med L2v6 "$fl" cycles) c3=$(med L3v6 "$fl" cycles)
	bpf=$(med L2v6 "$fl" bytes_per_flow) load=$(med L2v6 "$fl" load)
	ev=$(med L2v6 "$fl" evicted_per_pkt)
	printf '  %-9s %8.1f %6.0f %7.2f %8.1f %6.0f %7.2f %8.1f %6.1f %7.2f %10.4f\n' "$fl" "$l2" "$c2" \
		"$r2" "$l3" "$c3" "$r3" "$b" "$bpf" "$load" "$ev"
	result "pipeline L2 IPv6 ns/packet, $fl flows" "$l2" "$b" "$r2" "ns"
	result "pipeline L3 IPv6 ns/packet, $fl flows" "$l3" "$(med L3v6 "$fl" base_ns)" "$r3" "ns"
	echo "$fl $c2 $c3" >>"$BENCH_TMP/cycles6"
done
echo "  (B/flow: flow-table bytes / flows, at the load factor shown; at 1 Ki and 64 Ki flows the"
echo "   table is rounded up to one 2 MiB huge page. evict/pkt: live entries evicted per packet"
echo "   in the measured runs, by flows whose bucket was full)"
echo "  core clock (dependent additions / CPU time): $(median $(awk '{ for (i = 2; i <= NF; i++) {
	split($i, kv, "="); if (kv[1] == "ghz") print kv[2] } }' "$BENCH_TMP/data")) GHz (median); TSC $(awk '/TSC/ { print $(NF - 1); exit }' "$BENCH_TMP/raw") GHz"

((CALLGRIND)) || exit 0
command -v valgrind >/dev/null || {
	echo "callgrind: valgrind missing (Debian package valgrind): skipped"
	exit 0
}

# ir FILE FUNCTION: inclusive instruction count of FUNCTION in a callgrind output.
ir() {
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
		awk -v fn=":$2 " '!done && index($0, fn) { gsub(",", "", $1); print $1; done = 1 }'
}

# packets the benchmark really sends for P: 7 slices, each rounded up to bursts of 32.
sent() { awk -v p="$1" 'BEGIN { s = int(p / 7); s = int((s + 31) / 32) * 32; print 7 * s }'; }

P1=65536
P2=327680
CG_FLOWS=(1024 1048576)
echo
echo "Instructions per packet (callgrind; pipeline from runs of $P1 and $P2 packets), and the IPC"
echo "they imply with the core cycles per packet measured above for the same case"
printf '  %-8s %-9s %15s %15s %8s %12s %6s\n' mode flows "pipeline Ir/pkt" "baseline Ir/pkt" \
	ratio "cycles/pkt" IPC
for fl in "${CG_FLOWS[@]}"; do
	for mode in l2 l3 l2v6 l3v6; do
		for p in $P1 $P2; do
			valgrind --tool=callgrind --callgrind-out-file="$BENCH_TMP/cg.$mode.$fl.$p" \
				"$PIPE" "$fl" "$p" "$mode" >/dev/null 2>"$BENCH_TMP/cg.$mode.$fl.$p.log" ||
				bench_die "callgrind run failed: $(tail -5 "$BENCH_TMP/cg.$mode.$fl.$p.log")"
		done
		i1=$(ir "$BENCH_TMP/cg.$mode.$fl.$P1" fw_pipeline_burst)
		i2=$(ir "$BENCH_TMP/cg.$mode.$fl.$P2" fw_pipeline_burst)
		b2=$(ir "$BENCH_TMP/cg.$mode.$fl.$P2" touch_burst)
		n1=$(sent $P1)
		n2=$(sent $P2)
		pi=$(awk -v a="$i1" -v b="$i2" -v n1="$n1" -v n2="$n2" 'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }')
		bi=$(awk -v b="$b2" -v n="$n2" 'BEGIN { printf "%.1f", b / n }')
		cf=$BENCH_TMP/cycles
		[[ $mode == *v6 ]] && cf=$BENCH_TMP/cycles6
		cyc=$(awk -v f="$fl" -v m="${mode%v6}" '$1 == f { print (m == "l2" ? $2 : $3) }' "$cf")
		ipc=$(awk -v i="$pi" -v c="$cyc" 'BEGIN { if (c > 0) printf "%.2f", i / c; else print "-" }')
		printf '  %-8s %-9s %15s %15s %8s %12s %6s\n' "${mode^^} DSR" "$fl" "$pi" "$bi" \
			"$(ratio "$pi" "$bi")" "${cyc:--}" "$ipc"
		result "pipeline ${mode^^} instructions/packet, $fl flows" "$pi" "$bi" "$(ratio "$pi" "$bi")" "Ir"
	done
done
# Where the pipeline's instructions go: self cost of the data path's functions, the
# largest run at 1 Mi flows (first pass included).
for mode in l2 l3; do
	echo "  ${mode^^}: data-path functions by self Ir (run of $P2 packets + 1048576 first-pass):"
	callgrind_annotate "$BENCH_TMP/cg.$mode.1048576.$P2" 2>/dev/null |
		awk '/^ *[0-9,]+ \(/ && /firmware\/|rte_/ && !/PROGRAM TOTALS/ && n < 8 {
			sub(/ \[.*/, ""); sub(/build\/\.\.\//, ""); print "      " $0; n++ }'
done
