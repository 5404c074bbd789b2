#!/usr/bin/env bash
# run-all: the whole benchmark suite, then one summary table (figure, Tula, baseline,
# ratio). Not part of the test suite: run it on demand (`./run bench` does).
#
#   tests/bench/run-all.sh BUILD_DIR [--quick] [--wait-quiet N] [--out DIR]
#
#   --quick         a short smoke run (1 round, short windows, fewer cases; ~5 minutes)
#   --wait-quiet N  before starting, while the 1-minute load average is above 1.5, wait
#                   300 s at a time, at most N times (default 2; 0 with --quick)
#   --out DIR       keep every script's full output there (default BUILD_DIR/bench-results)
#
# Parts, each a script that prints its own tables and can be run alone:
#   bench-control.sh     Maglev build, full commit to every worker, flow-table memory
#   bench-pipeline.sh    pipeline cost per packet, 1 M flows (timed + callgrind)
#   bench-forwarding.sh  Mpps on af_packet veth vs dpdk-testpmd io (+ scaling, profile)
#   bench-af-xdp.sh      Mpps on AF_XDP vs af_packet, each next to dpdk-testpmd io/mac
#   bench-proxy.sh       DSR vs HAProxy: requests/s and bytes through the LB per request
set -euo pipefail
# shellcheck source=tests/bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

bench_require_root
bench_build_dir "${1:-}"
(($#)) && shift
QUICK=0
WAITS=2
OUT=$BUILD/bench-results
while (($#)); do
	case $1 in
	--quick) QUICK=1 WAITS=0 ;;
	--wait-quiet) WAITS=$2 && shift ;;
	--out) OUT=$2 && shift ;;
	*) bench_die "unknown option '$1' (--quick, --wait-quiet N, --out DIR)" ;;
	esac
	shift
done
q=()
((QUICK)) && q=(--quick)
mkdir -p "$OUT"
export BENCH_RESULTS=$OUT/results.tsv
: >"$BENCH_RESULTS"

bench_wait_quiet "$WAITS"
{
	bench_machine
	echo "cpu: $(grep -m1 -E '^flags' /proc/cpuinfo | grep -o -w -E 'avx512f|avx2|sse4_2' | tr '\n' ' ')"
	echo "git: $(git -C "$SRC_ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
	echo "command: tests/bench/run-all.sh $BUILD ${q[*]}"
} | tee "$OUT/machine.txt"

t0=$SECONDS
part() { # NAME SCRIPT ARGS...
	local name=$1 rc=0
	shift
	echo
	echo "=============== $name ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))"
	"$@" 2>&1 | tee "$OUT/$name.txt" || rc=$?
	((rc == 0)) || echo "run-all: $name FAILED (exit $rc); its figures are missing below" >&2
	return 0
}
part control "$BENCH_DIR/bench-control.sh" "$BUILD" "${q[@]}"
part pipeline "$BENCH_DIR/bench-pipeline.sh" "$BUILD" "${q[@]}"
if ((QUICK)); then
	part forwarding "$BENCH_DIR/bench-forwarding.sh" "$BUILD" --quick
else
	part forwarding "$BENCH_DIR/bench-forwarding.sh" "$BUILD" --rounds 5 --profile
fi
part af-xdp "$BENCH_DIR/bench-af-xdp.sh" "$BUILD" "${q[@]}"
part proxy "$BENCH_DIR/bench-proxy.sh" "$BUILD" "${q[@]}"

{
	echo
	echo "Summary ($(date -u '+%Y-%m-%d %H:%M UTC'), $((SECONDS - t0)) s, load average now $(cut -d' ' -f1 /proc/loadavg))"
	printf '%-52s %12s %12s %8s  %s\n' "figure" "Tula" "baseline" "ratio" "unit"
	printf '%-52s %12s %12s %8s  %s\n' "------" "----" "--------" "-----" "----"
	while IFS=$'\t' read -r f t b r u; do
		printf '%-52s %12s %12s %8s  %s\n' "$f" "$t" "$b" "$r" "$u"
	done <"$BENCH_RESULTS"
	echo
	echo "Baselines: fwd = dpdk-testpmd io on the same port and cores (on af_xdp rows: on the"
	echo "same PMD; af_xdp/af_packet rows: the same forwarder on af_packet); proxy = HAProxy TCP"
	echo "mode, same backends; pipeline = touch-only loop; maglev = round-robin fill;"
	echo "commit = bare SQLite transaction of the same text; flow table = rte_hash + data."
	echo "Full output: $OUT/"
} | tee "$OUT/summary.txt"
