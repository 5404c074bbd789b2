#!/bin/sh
# Check (or with --fix, apply) .clang-format on every C file the project tracks, then
# the include rules between the planes (packaging/check_includes.py).
# Usage: lint.sh CLANG_FORMAT [--fix]
set -eu
cf=$1
cd "${MESON_SOURCE_ROOT:-$(dirname "$0")/..}"
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
[ -n "$files" ] || exit 0
if [ "${2:-}" = "--fix" ]; then
	exec "$cf" -i $files
fi
rc=0
"$cf" --dry-run --Werror $files || rc=1
python3 packaging/check_includes.py . || rc=1
exit $rc
