#!/usr/bin/env bash
# package-deb-installs-every-file-in-place: the .deb `./run package` builds
#   - has no lintian error;
#   - holds exactly the expected files, with their modes, /etc ones as conffiles;
#   - installs with dpkg into a scratch root (dpkg --root, maintainer scripts run
#     against that root): every file lands in its place, the postinst creates group
#     tula there (systemd-sysusers), and a purge removes every file again;
#   - its unit passes `systemd-analyze verify` (nothing printed), its ExecStart and
#     ExecStartPre programs and EnvironmentFile are files of the package, and the unit
#     and meson agree on /usr/bin/tula;
#   - its man pages format without a warning; the binary runs (--version);
#   - tula-hugepages raises vm.nr_hugepages to TULA_HUGEPAGES, never lowers it, does
#     nothing for 0, refuses a non-number (against a stand-in file, not the host's).
# shellcheck disable=SC2154 # U_*, EXEC_*, UNIT_ENV: assigned by unit_exec.py's output
set -euo pipefail
TESTS_DIR=$(cd "$(dirname "$0")" && pwd -P)
# shellcheck source=tests/lab/lib.sh
. "$TESTS_DIR/../lab/lib.sh"
require_root
TOP=$(cd "$TESTS_DIR/../.." && pwd -P)
DEB=${TULA_DEB:?TULA_DEB names the .deb (meson sets it)}
[[ -f $DEB ]] || "$TOP/packaging/build-deb.sh" "$(dirname "$DEB")" >/dev/null ||
	fail "cannot build $DEB"
version=$(dpkg-deb -f "$DEB" Version)

work=$(mktemp -d /tmp/tula-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT

lintian --tag-display-limit 0 --display-info "$DEB" >"$work/lintian" 2>&1 || true
grep -q '^E:' "$work/lintian" && fail "lintian errors: $(grep '^E:' "$work/lintian")"
ok "lintian: no error ($(grep -c "^[WIPN]: " "$work/lintian" || true) warnings/information tags)"

# Every file of the package: mode and path (directories aside).
expected="-rw-r--r-- ./etc/default/tula
-rw-r--r-- ./etc/logrotate.d/tula
-rw-r--r-- ./lib/systemd/system/tula.service
-rwxr-xr-x ./usr/bin/tula
-rw-r--r-- ./usr/lib/sysusers.d/tula.conf
-rwxr-xr-x ./usr/libexec/tula/tula-hugepages
-rw-r--r-- ./usr/share/doc/tula/changelog.gz
-rw-r--r-- ./usr/share/doc/tula/copyright
-rw-r--r-- ./usr/share/doc/tula/examples/scripts/README.md
-rw-r--r-- ./usr/share/doc/tula/examples/scripts/check-ports.lua
-rw-r--r-- ./usr/share/doc/tula/examples/scripts/drain.lua
-rw-r--r-- ./usr/share/doc/tula/examples/tula.conf
-rw-r--r-- ./usr/share/man/man5/tula.conf.5.gz
-rw-r--r-- ./usr/share/man/man8/tula.8.gz"
got=$(dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { print $1, $6 }' | LC_ALL=C sort -k2)
[[ $got == "$expected" ]] || fail "the package's files differ: $(diff <(echo "$expected") <(echo "$got"))"
ok "the package holds exactly the expected files and modes"
dpkg-deb -c "$DEB" | awk '{ print $6 }' | grep -qx './etc/tula/scripts/' ||
	fail "no /etc/tula/scripts/ directory"
dpkg-deb -e "$DEB" "$work/control"
check_eq "conffiles" "$(sort "$work/control/conffiles")" "/etc/default/tula
/etc/logrotate.d/tula"

# Installed into a scratch root: its own dpkg database, maintainer scripts run outside
# a chroot with DPKG_ROOT (they must honour it), dependencies of the host not there.
R=$work/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates"
: >"$R/var/lib/dpkg/status"
dpkg --root="$R" --force-script-chrootless --force-depends --log=/dev/null -i "$DEB" \
	>"$work/dpkg.out" 2>&1 || fail "dpkg -i failed: $(cat "$work/dpkg.out")"
check_eq "dpkg says tula $version is installed" \
	"$(dpkg-query --root="$R" -W -f='${Status} ${Version}' tula)" "install ok installed $version"
while read -r _ path; do
	[[ -f $R/${path#./} ]] || fail "${path#.} is not installed"
done <<<"$expected"
ok "every file is installed in its place"
grep -q '^tula:x:[0-9]*:' "$R/etc/group" || fail "the postinst did not create group tula: $(cat "$work/dpkg.out")"
ok "the postinst created group tula ($(grep '^tula:' "$R/etc/group"))"

unit=$R/lib/systemd/system/tula.service
eval "$(/usr/bin/python3 "$TESTS_DIR/unit_exec.py" "$unit" "$R")"
check_eq "ExecStart runs /usr/bin/tula (where the package puts it)" "${EXEC_START[0]}" /usr/bin/tula
[[ -x $R${EXEC_PRE[0]} ]] || fail "ExecStartPre ${EXEC_PRE[0]} is not in the package"
grep -qx 'EnvironmentFile=-/etc/default/tula' "$unit" || fail "the unit does not read /etc/default/tula"
# A default (/usr/local) meson install agrees with itself as well.
check_match "meson's own unit runs its own binary" \
	"$(grep '^ExecStart=' "$TULA_BUILD_DIR/tula.service")" \
	"^ExecStart=$(meson introspect --buildoptions "$TULA_BUILD_DIR" |
		/usr/bin/python3 -c 'import json,sys; o={x["name"]:x["value"] for x in json.load(sys.stdin)}; print(o["prefix"]+"/"+o["bindir"])')/tula "

# systemd-analyze verify needs the units tula.service refers to (sysinit.target...):
# the host's, next to a copy of the installed tree; man pages from the package.
V=$work/verify
cp -a "$R" "$V"
cp -an /lib/systemd/system/. "$V/lib/systemd/system/"
out=$(MANPATH=$R/usr/share/man systemd-analyze --root="$V" verify tula.service 2>&1) ||
	fail "systemd-analyze verify failed: $out"
[[ -z $out ]] || fail "systemd-analyze verify complains: $out"
ok "systemd-analyze verify: no complaint"

for m in "$R/usr/share/man/man8/tula.8.gz" "$R/usr/share/man/man5/tula.conf.5.gz"; do
	out=$(MANWIDTH=80 man --warnings -l "$m" 2>&1 >/dev/null)
	[[ -z $out ]] || fail "$(basename "$m"): $out"
done
ok "man pages format without warnings"
check_match "the installed binary runs" "$("$R/usr/bin/tula" --version)" "^tula $version "

hp=$R/usr/libexec/tula/tula-hugepages
echo 0 >"$work/nr"
TULA_HUGEPAGES=0 TULA_HUGEPAGES_SYSCTL=$work/nr "$hp"
check_eq "tula-hugepages: 0 reserves nothing" "$(cat "$work/nr")" 0
TULA_HUGEPAGES_SYSCTL=$work/nr "$hp"
check_eq "tula-hugepages: unset reserves nothing" "$(cat "$work/nr")" 0
TULA_HUGEPAGES=300 TULA_HUGEPAGES_SYSCTL=$work/nr "$hp"
check_eq "tula-hugepages: 300 raises to 300" "$(cat "$work/nr")" 300
TULA_HUGEPAGES=100 TULA_HUGEPAGES_SYSCTL=$work/nr "$hp"
check_eq "tula-hugepages: 100 does not lower 300" "$(cat "$work/nr")" 300
TULA_HUGEPAGES=lots TULA_HUGEPAGES_SYSCTL=$work/nr "$hp" 2>/dev/null && fail "tula-hugepages accepted 'lots'"
ok "tula-hugepages refuses a non-number"

dpkg --root="$R" --force-script-chrootless --force-depends --log=/dev/null --purge tula \
	>"$work/dpkg.out" 2>&1 || fail "dpkg --purge failed: $(cat "$work/dpkg.out")"
while read -r _ path; do
	[[ ! -e $R/${path#./} ]] || fail "${path#.} is still there after the purge"
done <<<"$expected"
ok "a purge removes every file"
