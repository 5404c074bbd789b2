#!/bin/sh
# Install the Debian 12 packages Tula needs that are missing; nothing else.
# Idempotent: when everything is present it neither updates nor installs anything.
#
# Usage: install-deps.sh [build|test|bench|package]...   (default: build test)
set -eu

build="gcc pkg-config meson ninja-build git dpdk-dev libdpdk-dev libedit-dev
       libsqlite3-dev liblua5.4-dev libcmocka-dev libsystemd-dev libmicrohttpd-dev"
test="iproute2 procps ethtool nginx-light curl tcpdump psmisc util-linux sqlite3 iputils-ping
      libclang-rt-14-dev nftables clang-format clang libfuzzer-14-dev traceroute bird2 dpdk
      python3-prometheus-client python3-scapy"
bench="dpdk haproxy wrk linux-perf valgrind"
# the Debian package (packaging/build-deb.sh) and its tests: systemd for systemd.pc,
# systemd-analyze and systemd-sysusers; the EAL plugins the package depends on
package="debhelper dpkg-dev fakeroot lintian systemd librte-mempool-ring23 librte-bus-vdev23
         librte-net-af-packet23"

groups=${*:-build test}
want=""
for g in $groups; do
	case "$g" in
	build) want="$want $build" ;;
	test) want="$want $test" ;;
	bench) want="$want $bench" ;;
	package) want="$want $package" ;;
	*) echo "install-deps.sh: unknown group '$g' (build, test, bench, package)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
