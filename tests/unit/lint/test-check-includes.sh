#!/usr/bin/env bash
# The include rules of `ninja lint` (packaging/check_includes.py): each rule fails on a
# deliberately bad include in a copy of the tree, and the real tree passes.
set -euo pipefail
src=$(cd "$(dirname "$0")/../../.." && pwd)
check="$src/packaging/check_includes.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fails=0
# expect_fail NAME FILE LINE PATTERN: adding LINE to FILE (in a fresh copy) must fail the
# check with a message matching PATTERN.
expect_fail() {
	local name=$1 file=$2 line=$3 pattern=$4 out rc=0
	rm -rf "$tmp/tree"
	mkdir -p "$tmp/tree"
	(cd "$src" && cp -r --parents common db shell lua firmware "$tmp/tree/")
	mkdir -p "$(dirname "$tmp/tree/$file")"
	printf '%s\n' "$line" >>"$tmp/tree/$file"
	out=$(python3 "$check" "$tmp/tree" 2>&1) || rc=$?
	if [ "$rc" -ne 1 ] || ! grep -q -- "$pattern" <<<"$out"; then
		echo "FAIL $name: rc=$rc, output: $out"
		fails=$((fails + 1))
	else
		echo "ok   $name: $(head -n1 <<<"$out")"
	fi
}

expect_fail "datapath includes control" firmware/datapath/fw_pipeline.c \
	'#include "firmware/control/fw_dp.h"' "fw_pipeline.c: includes firmware/control/fw_dp.h"
expect_fail "datapath includes cli" firmware/datapath/fw_flow.h \
	'#include "firmware/cli/fw_cmds.h"' "fw_flow.h: includes firmware/cli/fw_cmds.h"
expect_fail "datapath includes common (logging)" firmware/datapath/fw_worker_loop.c \
	'#include "common/tula_log.h"' "includes common/tula_log.h"
expect_fail "cli includes datapath" firmware/cli/fw_cmds.c \
	'#include "firmware/datapath/fw_flow.h"' "cli/ reaches the workers only through"
expect_fail "db includes shell" db/db.c '#include "shell/sh_cmd.h"' "db/db.c: includes shell/sh_cmd.h"
expect_fail "common includes firmware" common/tula_log.c \
	'#include "firmware/fw_state.h"' "common/tula_log.c: includes firmware/fw_state.h"
expect_fail "include circle" firmware/control/fw_maglev.h \
	'#include "firmware/control/fw_dp.h"' "include circle: .*fw_maglev"

rc=0
out=$(python3 "$check" "$src" 2>&1) || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "FAIL the repository itself: $out"
	fails=$((fails + 1))
else
	echo "ok   the repository passes"
fi
[ "$fails" -eq 0 ]
