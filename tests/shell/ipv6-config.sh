#!/usr/bin/env bash
# IPv6 in the configuration, through the real daemon and `tula cli`: a dual-stack
# configuration (one net_null port with an IPv4 and an IPv6 subnet, IPv4 and IPv6 VIPs in
# modes l2 and l3, an IPv6 default route) commits; every IPv6 address is stored and shown
# in its canonical form whatever the spelling typed (so a key typed another way names the
# same entry); the operational views show the IPv6 VIPs, backends, routes and self
# addresses from the forwarding state; and each IPv6 commit rule refuses at
# `commit check` with the statement's path and the reason.
# Usage: ipv6-config.sh TULA-BINARY
set -u
TULA=$1
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/tula-v6-XXXXXX)
trap 'stop_daemon >/dev/null; rm -rf "$TMP"' EXIT

start_daemon "$TMP" || exit 1

# ---- a dual-stack commit, spelled untidily on purpose
expect_rc "a dual-stack configuration commits" 0 cli -c configure \
	-c 'set interfaces port0 device net_null0' \
	-c 'set interfaces port0 address 10.0.1.10/24' \
	-c 'set interfaces port0 address 2001:DB8:1:0::10/64' \
	-c 'set routing-options static route ::/0 next-hop 2001:db8:1::0001' \
	-c 'set services dsr vip web address 10.0.1.100' \
	-c 'set services dsr vip web protocol tcp' \
	-c 'set services dsr vip web port 80' \
	-c 'set services dsr vip web backend a address 10.0.1.11' \
	-c 'set services dsr vip web6 address 2001:DB8:1::100' \
	-c 'set services dsr vip web6 protocol tcp' \
	-c 'set services dsr vip web6 port 80' \
	-c 'set services dsr vip web6 backend a address 2001:db8:1:0:0:0:0:11' \
	-c 'set services dsr vip web6 backend b address 2001:db8:1::12' \
	-c 'set services dsr vip tun6 address 2001:db8:5::1' \
	-c 'set services dsr vip tun6 protocol udp' \
	-c 'set services dsr vip tun6 port 53' \
	-c 'set services dsr vip tun6 mode l3' \
	-c 'set services dsr vip tun6 interface port0' \
	-c 'set services dsr vip tun6 tunnel-source 2001:DB8:F::/64' \
	-c 'set services dsr vip tun6 backend far address 2001:db8:9::1' \
	-c commit
contains "commit complete" "$OUT" "commit complete"

expect_rc "the configuration shows back" 0 cli -c 'show configuration | display set'
contains "self address in canonical form" "$OUT" "set interfaces port0 address 2001:db8:1::10/64"
contains "route and next hop in canonical form" "$OUT" \
	"set routing-options static route ::/0 next-hop 2001:db8:1::1"
contains "VIP address in canonical form" "$OUT" "set services dsr vip web6 address 2001:db8:1::100"
contains "backend address in canonical form" "$OUT" \
	"set services dsr vip web6 backend a address 2001:db8:1::11"
contains "tunnel-source in canonical form" "$OUT" \
	"set services dsr vip tun6 tunnel-source 2001:db8:f::/64"
contains "the IPv4 statements as typed" "$OUT" "set services dsr vip web address 10.0.1.100"
lacks "no upper-case spelling kept" "$OUT" "DB8"

# a key spelled differently names the same entry
expect_rc "delete with another spelling of the key" 0 cli -c configure \
	-c 'delete interfaces port0 address 2001:0db8:0001::10/64' -c 'show | compare' \
	-c 'rollback 0'
contains "the canonical entry is the one deleted" "$OUT" "-   address 2001:db8:1::10/64;"

# ---- the operational views, from the forwarding state
expect_rc "show services dsr" 0 cli -c 'show services dsr vip web6'
contains "IPv6 VIP address, protocol and port" "$OUT" "VIP: web6, 2001:db8:1::100 tcp/80, mode l2"
contains "IPv6 VIP installed on its interface" "$OUT" "interface port0"
contains "IPv6 backend a" "$OUT" "2001:db8:1::11"
contains "IPv6 backend b" "$OUT" "2001:db8:1::12"
lacks "the VIP is installed" "$OUT" "not-installed"
expect_rc "show services dsr, l3" 0 cli -c 'show services dsr vip tun6 | display json'
contains "l3 IPv6 VIP with its tunnel source" "$OUT" '"tunnel-source": "2001:db8:f::/64"'
contains "its backend's next hop is the v6 route's gateway" "$OUT" '"next-hop": "2001:db8:1::1"'
expect_rc "show services dsr, both families" 0 cli -c 'show services dsr'
contains "the IPv4 VIP next to them" "$OUT" "VIP: web, 10.0.1.100 tcp/80"

expect_rc "show route" 0 cli -c 'show route'
contains "the IPv6 connected route" "$OUT" "2001:db8:1::/64"
contains "the IPv6 static route" "$OUT" "::/0"
contains "the IPv4 connected route" "$OUT" "10.0.1.0/24"
expect_rc "show route for an IPv6 address" 0 cli -c 'show route 2001:db8:9::1'
contains "the covering IPv6 route" "$OUT" "::/0"
lacks "no IPv4 route for an IPv6 address" "$OUT" "10.0.1.0/24"
expect_rc "show route exact" 0 cli -c 'show route 2001:DB8:1::/64 exact'
contains "exact IPv6 route" "$OUT" "2001:db8:1::/64"
lacks "exact: not the default" "$OUT" "::/0 "

expect_rc "show interfaces" 0 cli -c 'show interfaces port0'
contains "IPv6 self address on the port" "$OUT" "2001:db8:1::10/64"

# ---- help and syntax
expect_rc "help says either family" 0 cli -c configure -c 'set services dsr vip web6 address ?'
contains "address help" "$OUT" "IPv4 or IPv6 address"
expect_rc "a malformed IPv6 address is refused at set" 1 cli -c configure \
	-c 'set services dsr vip web6 address 2001:db8::1::2'
contains "with its reason" "$ERR" "invalid IPv6 address"
expect_rc "an IPv4-mapped address is refused at set" 1 cli -c configure \
	-c 'set services dsr vip web6 backend a address ::ffff:10.0.1.11'
contains "with its reason" "$ERR" "IPv4-mapped IPv6 address: write the IPv4 address"

# ---- commit rules: each refusal names the statement and the reason
# check_refused NAME PATH REASON SET-LINES...: commit check of the lines fails, the
# candidate is rolled back.
check_refused() {
	local name=$1 path=$2 reason=$3 args=()
	shift 3
	for l in "$@"; do args+=(-c "$l"); done
	expect_rc "$name: commit check refuses" 1 cli -c configure "${args[@]}" -c 'commit check'
	contains "$name: path" "$ERR" "[edit $path]"
	contains "$name: reason" "$ERR" "$reason"
	cli -c configure -c 'rollback 0' >/dev/null 2>&1
}
check_refused "IPv4 backend behind an IPv6 VIP" "services dsr vip web6 backend v4 address" \
	"(6in4) are not supported" 'set services dsr vip web6 backend v4 address 10.0.1.12'
check_refused "IPv6 backend behind an IPv4 VIP" "services dsr vip web backend v6 address" \
	"(4in6) are not supported" 'set services dsr vip web backend v6 address 2001:db8:1::13'
check_refused "l2 IPv6 backend off the connected subnets" \
	"services dsr vip web6 backend far address" \
	"mode l2: backend address 2001:db8:7::1 is not on a connected subnet" \
	'set services dsr vip web6 backend far address 2001:db8:7::1'
check_refused "l3 IPv6 backend without an IPv6 route" "services dsr vip tun6 backend far address" \
	"mode l3: backend address 2001:db8:9::1 is not reachable" \
	'delete routing-options static route ::/0'
check_refused "IPv6 tunnel-source shorter than /64" "services dsr vip tun6 tunnel-source" \
	"an IPv6 source prefix is /64 to /128" \
	'set services dsr vip tun6 tunnel-source 2001:db8:f::/48'
check_refused "IPv4 tunnel-source for an IPv6 VIP" "services dsr vip tun6 tunnel-source" \
	"tunnel-source 10.9.0.0/16 is IPv4 but the VIP is IPv6" \
	'set services dsr vip tun6 tunnel-source 10.9.0.0/16'
check_refused "l3 IPv6 VIP without any IPv6 source" "services dsr vip tun6" \
	"an IPv6 VIP needs an IPv6 outer source address" \
	'delete services dsr vip tun6 tunnel-source' \
	'delete interfaces port0 address 2001:db8:1::10/64' \
	'delete routing-options static route ::/0'
check_refused "IPv6 next hop off the connected subnets" \
	"routing-options static route 2001:db8:8::/48 next-hop" \
	"next-hop 2001:db8:7::1 is not on a connected subnet" \
	'set routing-options static route 2001:db8:8::/48 next-hop 2001:db8:7::1'
check_refused "IPv4 next hop for an IPv6 route" \
	"routing-options static route 2001:db8:8::/48 next-hop" \
	"is IPv4 but the route 2001:db8:8::/48 is IPv6" \
	'set routing-options static route 2001:db8:8::/48 next-hop 10.0.1.1'
check_refused "link-local self address" "interfaces port0 address fe80::1/64" \
	"a link-local address" 'set interfaces port0 address fe80::1/64'
check_refused "the same IPv6 VIP twice, spelled two ways" "services dsr vip web6" \
	"address 2001:db8:1::100 protocol tcp port 80 is already used by vip again" \
	'set services dsr vip again address 2001:db8:1:0:0:0:0:100' \
	'set services dsr vip again protocol tcp' 'set services dsr vip again port 80' \
	'set services dsr vip again backend a address 2001:db8:1::14'
check_refused "an IPv6 metrics endpoint" "system services metrics listen" \
	"listens on an IPv4 self address" \
	'set system services metrics listen [2001:db8:1::10]:9100'

# nothing of the refused candidates reached the active configuration
expect_rc "the active configuration is the committed one" 0 cli -c 'show configuration services'
lacks "no refused statement active" "$OUT" "again"

stop_daemon
finish
