#!/usr/bin/env bash
# bench-pipeline: the pipeline's own cost per packet (no I/O), L2 and L3, 1 M established
# flows, next to the touch-only baseline measured in the same run (bench_fw_pipeline),
# timed, then counted in instructions with callgrind, which gives the same figure on a
# loaded machine as on an idle one.
#
#   tests/bench/bench-pipeline.sh BUILD_DIR [--quick] [--no-callgrind]
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
while (($#)); do
	case $1 in
	--quick) QUICK=1 ;;
	--no-callgrind) CALLGRIND=0 ;;
	*) bench_die "unknown option '$1'" ;;
	esac
	shift
done
PIPE=$BUILD/tests/bench/bench_fw_pipeline
[[ -x $PIPE ]] || bench_die "$PIPE missing: ninja -C $BUILD"
FLOWS=1048576
PACKETS=20000000
((QUICK)) && PACKETS=5000000
BENCH_TMP=$(mktemp -d /tmp/bench-pipe.XXXXXX)
trap 'rm -rf "$BENCH_TMP"' EXIT

bench_machine
out=$("$PIPE" "$FLOWS" "$PACKETS")
echo "$out"
# "baseline ..." then "L2 DSR ..." / "L3 DSR ..." rows: ns/pkt in column 4 or 5.
awk '
	/^baseline/ { base = $(NF - 2) }
	/^L2 DSR/ { printf "RESULT\tpipeline L2 ns/packet (1M flows)\t%s\t%s\t%.2f\tns\n", $(NF - 2), base, $(NF - 2) / base }
	/^L3 DSR/ { printf "RESULT\tpipeline L3 ns/packet (1M flows)\t%s\t%s\t%.2f\tns\n", $(NF - 2), base, $(NF - 2) / base }
' <<<"$out" | while IFS=$'\t' read -r _ f t b r u; do result "$f" "$t" "$b" "$r" "$u"; done
awk '
	/^baseline/ { base = $(NF - 1) }
	/^L2 DSR/ { printf "%s\t%s\t%s\n", "pipeline L2 Mpps per core (1M flows)", $(NF - 1), base }
	/^L3 DSR/ { printf "%s\t%s\t%s\n", "pipeline L3 Mpps per core (1M flows)", $(NF - 1), base }
' <<<"$out" | while IFS=$'\t' read -r f t b; do result "$f" "$t" "$b" "$(ratio "$t" "$b")" "Mpps"; done

# Scaling with the number of established flows (the flow table outgrows the caches).
echo
echo "Pipeline cost vs established flows (ns/packet, 64-byte frames; baseline in the same run)"
printf '  %-10s %12s %12s %12s %12s\n' "flows" "L2 ns/pkt" "L3 ns/pkt" "baseline" "L2 x base"
for fl in 1024 65536 1048576 8388608; do
	((QUICK && fl > 1048576)) && continue
	sc=$("$PIPE" "$fl" $((QUICK ? 2000000 : 5000000)))
	read -r l2 l3 b <<<"$(awk '/^baseline/ && !b { b = $(NF - 2) } /^L2 DSR/ { l2 = $(NF - 2) }
		/^L3 DSR/ { l3 = $(NF - 2) } END { print l2, l3, b }' <<<"$sc")"
	printf '  %-10s %12s %12s %12s %12s\n' "$fl" "$l2" "$l3" "$b" "$(ratio "$l2" "$b")"
	result "pipeline L2 ns/packet, $fl flows" "$l2" "$b" "$(ratio "$l2" "$b")" "ns"
done

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

P1=262144
P2=1310720
CG_FLOWS=$FLOWS
if ((QUICK)); then
	CG_FLOWS=65536 P1=65536 P2=327680
fi
echo
echo "Instructions per packet (callgrind; $CG_FLOWS established flows; pipeline from runs of $P1 and $P2 packets)"
printf '  %-22s %14s %14s %8s\n' "mode" "pipeline Ir/pkt" "baseline Ir/pkt" "ratio"
for mode in l2 l3; do
	for p in $P1 $P2; do
		valgrind --tool=callgrind --callgrind-out-file="$BENCH_TMP/cg.$mode.$p" \
			"$PIPE" "$CG_FLOWS" "$p" "$mode" >/dev/null 2>"$BENCH_TMP/cg.$mode.$p.log" ||
			bench_die "callgrind run failed: $(tail -5 "$BENCH_TMP/cg.$mode.$p.log")"
	done
	i1=$(ir "$BENCH_TMP/cg.$mode.$P1" fw_pipeline_burst)
	i2=$(ir "$BENCH_TMP/cg.$mode.$P2" fw_pipeline_burst)
	b2=$(ir "$BENCH_TMP/cg.$mode.$P2" touch_burst)
	n1=$(sent $P1)
	n2=$(sent $P2)
	pi=$(awk -v a="$i1" -v b="$i2" -v n1="$n1" -v n2="$n2" 'BEGIN { printf "%.1f", (b - a) / (n2 - n1) }')
	bi=$(awk -v b="$b2" -v n="$n2" 'BEGIN { printf "%.1f", b / n }')
	printf '  %-22s %14s %14s %8s\n' "${mode^^} DSR" "$pi" "$bi" "$(ratio "$pi" "$bi")"
	result "pipeline ${mode^^} instructions/packet" "$pi" "$bi" "$(ratio "$pi" "$bi")" "Ir"
	# Where the pipeline's instructions go: self cost of the data path's functions (the
	# firmware's and DPDK's; set-up code such as EAL start-up left out), largest run,
	# first pass included.
	echo "    data-path functions by self Ir (run of $P2 packets + $CG_FLOWS first-pass):"
	callgrind_annotate "$BENCH_TMP/cg.$mode.$P2" 2>/dev/null |
		awk '/^ *[0-9,]+ \(/ && /firmware\/|rte_/ && !/PROGRAM TOTALS/ && n < 8 {
			sub(/ \[.*/, ""); sub(/build\/\.\.\//, ""); print "      " $0; n++ }'
done
