#!/usr/bin/env bash
# lab-health6-wrong-address-names-who-answered: a v6 backend that answers the probe from
# its own address instead of the VIP (a stateless nftables rule rewriting the source of
# be2's replies, as a source NAT would) breaks DSR. Tula's raw IPv6 TCP observer sees the
# answer arrive for the probe's port from the wrong address, ends the probe at once and
# marks be2 down with "answered by the wrong address: [be2]:80 instead of VIP
# [VIP]:80". Without the rule be2 comes back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/health-lib.sh"
require_root
need_tula
command -v nft >/dev/null || fail "nft (nftables) is not installed: packaging/install-deps.sh"

hc_lab_up l2
lab6_up
cat >"$HC_WORK/t.conf" <<EOC
interfaces { port0 { device "net_af_packet0,iface=$LAB_LB_IF"; address $LAB_LB_SELF_IP/24;
    address $LAB6_LB_SELF_IP/64; } }
services { dsr { vip web6 {
    address $LAB6_VIP_L2; protocol tcp; port 80; mode l2;
    backend be1 { address $LAB6_BE1_IP; }
    backend be2 { address $LAB6_BE2_IP; }
    health-check { type tcp; interval 1; timeout 1; rise 2; fall 2; }
} } }
EOC
hc_start "$HC_WORK/t.conf"
hc_wait_health 15 web6 be1 up || fail "be1 never came up: $(tcli -c 'show services dsr health')"
hc_wait_health 15 web6 be2 up || fail "be2 never came up: $(tcli -c 'show services dsr health')"

in_ns be2 nft -f - <<EOF2
table ip6 snat-bug {
	chain out {
		type filter hook output priority 0;
		ip6 saddr $LAB6_VIP_L2 tcp sport 80 ip6 saddr set $LAB6_BE2_IP
	}
}
EOF2
hc_wait_health 8 web6 be2 down || fail "be2 not marked down: $(tcli -c 'show services dsr health')"
check_eq "the reason names who answered instead of the VIP" "$(hc_reason web6 be2)" \
	"answered by the wrong address: [$LAB6_BE2_IP]:80 instead of VIP [$LAB6_VIP_L2]:80 (the backend must answer from the VIP: no source NAT on its replies)"
check_eq "be1 stays up" "$(hc_health web6 be1)" up

in_ns be2 nft delete table ip6 snat-bug
hc_wait_health 8 web6 be2 up || fail "be2 not back up without the rewrite"
ok "be2 up again once it answers from the VIP"
