#!/bin/sh
# Build the Debian package from the working tree: build-deb/tula_VERSION_amd64.deb
# (`./run package`). The tree is copied to build-deb/tula-VERSION/ with packaging/debian
# as its debian/, so nothing is written next to the repository and the copy may be
# thrown away; lintian then checks the .deb (its report: build-deb/lintian.txt).
#
# Usage: packaging/build-deb.sh [OUTDIR]     (default: build-deb in the repository)
# Prints the path of the .deb on its last line. Exits non-zero when the build fails or
# lintian reports an error (E:); warnings are listed, not fatal.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)

version=$(sed -n "s/^[[:space:]]*version: '\([^']*\)'.*/\1/p" "$top/meson.build" | head -n 1)
deb_version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
if [ "$version" != "$deb_version" ]; then
	echo "build-deb: meson.build says $version, packaging/debian/changelog says $deb_version:" \
		"add a changelog entry (dch -v $version)" >&2
	exit 1
fi

src=$out/tula-$version
rm -rf "$src"
mkdir -p "$src"
# Tracked and new files, not what .gitignore keeps out (build directories, databases),
# nor tracked files deleted in the working tree.
cd "$top"
git ls-files -z --cached --others --exclude-standard |
	xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
	xargs -0 cp --parents -t "$src"
cd - >/dev/null
[ -f "$src/meson.build" ] || { echo "build-deb: copying the tree to $src failed" >&2; exit 1; }
rm -rf "$src/debian"
cp -r "$top/packaging/debian" "$src/debian"
chmod +x "$src/debian/rules"

rm -f "$out"/tula_"$version"_*.deb "$out"/tula-dbgsym_"$version"_*.deb
(cd "$src" && dpkg-buildpackage -b -uc -us -j"$(nproc)") >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "build-deb: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
	exit 1
}
deb=$out/tula_${version}_amd64.deb
[ -f "$deb" ] || { echo "build-deb: no $deb after the build" >&2; exit 1; }

# Tags only (E: error, W: warning, I: information...), not lintian's own chatter.
lintian --tag-display-limit 0 --display-info "$deb" 2>&1 | grep '^[A-Z]: ' >"$out/lintian.txt" || true
if grep -q '^E:' "$out/lintian.txt"; then
	cat "$out/lintian.txt" >&2
	echo "build-deb: lintian reports errors" >&2
	exit 1
fi
if [ -s "$out/lintian.txt" ]; then
	echo "lintian (warnings and information, no error):"
	sed 's/^/  /' "$out/lintian.txt"
fi
rm -rf "$src"
echo "$deb"
