#!/usr/bin/env bash
# lab-health6-backend-without-the-vip-fails-with-the-reason: TCP health checks of an
# IPv6 VIP go from Tula's v6 self address to [VIP]:80 through the DSR path (MAC rewrite
# to the backend probed). be1 and be2 are set up as lab6_up does (the VIP on lo): both
# come up — the probe path works. Then the VIP leaves be2's lo: be2's kernel drops the
# probes (the destination is not its own, forwarding is off), so be2 goes down with the
# reason that names the VIP and what to check; be1 stays up. With forwarding on, be2
# routes the probe on and says so with an ICMPv6 redirect: the reason becomes "VIP not
# configured on the backend", naming the redirect. The VIP back on lo, be2 comes back.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/health-lib.sh"
require_root
need_tula

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
ok "both v6 backends pass their probes to [$LAB6_VIP_L2]:80"

in_ns be2 ip -6 addr del "$LAB6_VIP_L2/128" dev lo
hc_wait_health 10 web6 be2 down || fail "be2 not marked down: $(tcli -c 'show services dsr health')"
check_eq "the reason names the VIP and what to check" "$(hc_reason web6 be2)" \
	"no answer from VIP [$LAB6_VIP_L2]:80 via the DSR path within 1 s: is $LAB6_VIP_L2/128 on the backend's lo?"
check_eq "be1 stays up" "$(hc_health web6 be1)" up

in_ns be2 sysctl -qw net.ipv6.conf.all.forwarding=1
reason_is_redirect() { [[ $(hc_reason web6 be2) == "VIP not configured on the backend: "* ]]; }
wait_until 10 reason_is_redirect || fail "no redirect reason: $(hc_reason web6 be2)"
check_match "a routing backend: the reason names its redirect" "$(hc_reason web6 be2)" \
	"^VIP not configured on the backend: it routes the probe to \[$LAB6_VIP_L2\]:80 on instead of taking it \(ICMPv6 redirect from fe80::[0-9a-f:]+\): put $LAB6_VIP_L2/128 on its lo$"
out=$(tcli -c 'request services dsr check vip web6')
check_match "request check prints be2's failure with the reason" "$out" \
	"be2 +$LAB6_BE2_IP +fail .*"$'\n'"    VIP not configured on the backend"
in_ns be2 sysctl -qw net.ipv6.conf.all.forwarding=0

in_ns be2 ip -6 addr add "$LAB6_VIP_L2/128" dev lo nodad preferred_lft 0
hc_wait_health 10 web6 be2 up || fail "be2 not back up with the VIP on lo"
ok "be2 up again once the VIP is on its lo"
