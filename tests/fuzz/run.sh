#!/usr/bin/env bash
# Run the libFuzzer targets of a fuzz build (see README.md) for SECONDS each.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]     (default: every target)
#
# Each target starts from its committed seeds (tests/fuzz/<target>/) plus what earlier
# runs found (BUILD_DIR/fuzz/corpus/<target>/, where new inputs are written: the
# committed folder stays as it is). A crash, a leak, a sanitizer report or a timeout
# leaves its input in BUILD_DIR/fuzz/artifacts/<target>/ and makes this script fail.
# FUZZ_JOBS=N runs N targets at a time (default 1). The last line per target is its
# summary: executions, seconds, coverage (edges), corpus size, and the verdict.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
build=$(cd "$1" && pwd) || exit 2
secs=$2
shift 2
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pipeline config cli proto lua_conv ndp)
jobs=${FUZZ_JOBS:-1}

# Sanitizer reports are fatal; libFuzzer reports leaks per input.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

run_one() { # target
	local t=$1 exe="$build/tests/fuzz/fuzz_$1"
	local corpus="$build/fuzz/corpus/$t" art="$build/fuzz/artifacts/$t" log="$build/fuzz/$t.log"
	local tmp="$build/fuzz/tmp/$t"
	mkdir -p "$corpus" "$art" "$tmp"
	[ -x "$exe" ] || { echo "fuzz $t: $exe missing (build with -Dfuzz=true)"; return 1; }
	# -timeout: one input taking longer than 25 s is a finding (a hang), not a slow path.
	# TMPDIR: what a target leaves when it aborts (proto's database) goes with it.
	TMPDIR="$tmp" "$exe" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
		-max_len=8192 -print_final_stats=1 -artifact_prefix="$art/" "$corpus" "$here/$t" \
		>"$log" 2>&1
	local rc=$?
	rm -rf "$tmp"
	local execs cov corp time
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	corp=$(grep -o 'corp: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	if [ $rc -eq 0 ]; then
		echo "fuzz $t: ${execs:-?} executions in ${time:-?} s, coverage ${cov:-?} edges," \
			"corpus ${corp:-?} inputs: no crash"
	else
		echo "fuzz $t: FAILED (exit $rc) after ${execs:-?} executions; input in $art/;" \
			"log $log:"
		grep -E 'ERROR|runtime error|SUMMARY|fuzz_[a-z_]*:' "$log" | head -5 | sed 's/^/    /'
	fi
	return $rc
}

rc=0
pids=()
for t in "${targets[@]}"; do
	run_one "$t" &
	pids+=($!)
	if [ ${#pids[@]} -ge "$jobs" ]; then
		wait "${pids[0]}" || rc=1
		pids=("${pids[@]:1}")
	fi
done
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
exit $rc
