#!/usr/bin/env bash
# bench-control: the control plane's figures, each next to its baseline from the same
# run (bench_control): Maglev table build for 10 .. 10 000 backends, the full commit
# (candidate to every worker on the new state) for 1 .. 10 000 VIPs, and flow-table
# memory for 64 Ki .. 8 Mi flows.
#
#   tests/bench/bench-control.sh BUILD_DIR [--quick] [maglev] [commit] [flows]
#
# bench_control runs in a throwaway network namespace (unshare -n): the firmware's
# control side creates a TAP interface for the port's self address.
set -euo pipefail
# shellcheck source=tests/bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

bench_require_root
bench_build_dir "${1:-}"
(($#)) && shift
BC=$BUILD/tests/bench/bench_control
[[ -x $BC ]] || bench_die "$BC missing: ninja -C $BUILD"
bench_machine
# bench_control keeps its databases under TMPDIR: one of ours, removed however it ends.
BENCH_TMP=$(mktemp -d /tmp/bench-control.XXXXXX)
trap 'rm -rf "$BENCH_TMP"' EXIT
out=$(TMPDIR=$BENCH_TMP unshare -n "$BC" "$@")
grep -v '^RESULT' <<<"$out"
while IFS=$'\t' read -r _ f t b r u; do
	result "$f" "$t" "$b" "$r" "$u"
done < <(grep '^RESULT' <<<"$out")
