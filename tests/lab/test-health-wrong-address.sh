#!/usr/bin/env bash
# lab-health-wrong-address-names-who-answered: a backend that answers the probe from its
# real address instead of the VIP (here a stateless nftables rule rewriting the source
# of be2's replies, as a source NAT on the backend or on its way would) breaks DSR:
# clients would get a SYN-ACK from an address they never called. Tula sees the answer
# arrive for the probe's port from the wrong address, ends the probe at once (no
# timeout) and marks be2 down with "answered by the wrong address: 10.0.1.12:80 instead
# of VIP 10.0.1.100:80". Without the rule be2 comes back. Needs nft (nftables).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/health-lib.sh"
require_root
need_tula
command -v nft >/dev/null || { echo "SKIP: nft not installed (packaging/install-deps.sh test)"; exit 77; }

hc_lab_up l2
cat >"$HC_WORK/t.conf" <<EOC
interfaces { port0 { device "net_af_packet0,iface=$LAB_LB_IF"; address $LAB_LB_SELF_IP/24; } }
services { dsr { vip web {
    address $LAB_VIP_L2; protocol tcp; port 80; mode l2;
    backend be1 { address $LAB_BE1_IP; }
    backend be2 { address $LAB_BE2_IP; }
    health-check { type tcp; interval 1; timeout 1; rise 2; fall 2; }
} } }
EOC
hc_start "$HC_WORK/t.conf"
hc_wait_health 10 web be1 up || fail "be1 never came up"
hc_wait_health 10 web be2 up || fail "be2 never came up"

in_ns be2 nft -f - <<EOF2
table ip snat-bug {
	chain out {
		type filter hook output priority 0;
		ip saddr $LAB_VIP_L2 tcp sport 80 ip saddr set $LAB_BE2_IP
	}
}
EOF2
out=$(in_ns client curl -sS --connect-timeout 2 -o /dev/null -w '%{http_code}' \
	--interface "$LAB_CLIENT_IP" "http://$LAB_BE2_IP/" 2>&1) || true
check_eq "be2 still serves its real address" "$out" 200

hc_wait_health 8 web be2 down || fail "be2 not marked down: $(tcli -c 'show services dsr health')"
want="answered by the wrong address: $LAB_BE2_IP:80 instead of VIP $LAB_VIP_L2:80 (the backend must answer from the VIP: no source NAT on its replies)"
check_eq "reason names who answered instead of the VIP" "$(hc_reason web be2)" "$want"
check_eq "be1 stays up" "$(hc_health web be1)" up
out=$(tcli -c 'request services dsr check vip web')
check_match "request check prints be2's failure with the reason" "$out" \
	$'\n'"  be2 +$LAB_BE2_IP +fail .*"$'\n'"    answered by the wrong address: $LAB_BE2_IP:80 instead"

in_ns be2 nft delete table ip snat-bug
hc_wait_health 8 web be2 up || fail "be2 not back up without the rewrite"
ok "be2 up again once it answers from the VIP"
