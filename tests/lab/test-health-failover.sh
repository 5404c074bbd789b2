#!/usr/bin/env bash
# lab-health-http-check-fails-over-and-recovers: two L2 backends behind an http check
# (GET /healthz, interval 1 s, timeout 1 s, rise 2, fall 3). Stopping one backend's
# HTTP server marks it down within interval x fall (+ one interval) with the reason
# "reset", logged; from then on every client connection succeeds on the other backend;
# after a restart it is up again within interval x rise (+ one interval) and takes
# connections again. A /healthz answering 503 marks it down with the HTTP status as the
# reason. `request services dsr check` runs the probes at once and prints each result.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/health-lib.sh"
require_root
need_tula

hc_lab_up l2
cat >"$HC_WORK/t.conf" <<EOC
interfaces { port0 { device "net_af_packet0,iface=$LAB_LB_IF"; address $LAB_LB_SELF_IP/24; } }
services { dsr { vip web {
    address $LAB_VIP_L2; protocol tcp; port 80; mode l2;
    backend be1 { address $LAB_BE1_IP; }
    backend be2 { address $LAB_BE2_IP; }
    health-check { type http; http-path /healthz; interval 1; timeout 1; rise 2; fall 3; }
} } }
EOC
hc_start "$HC_WORK/t.conf"
hc_wait_health 10 web be1 up || fail "be1 never came up: $(tcli -c 'show services dsr health')"
hc_wait_health 10 web be2 up || fail "be2 never came up: $(tcli -c 'show services dsr health')"
ok "both backends pass the http check through the DSR path"

# new_connections N: N fresh connections to the VIP; prints "be1=X be2=Y fail=Z".
new_connections() {
	local i b1=0 b2=0 bad=0 who
	for ((i = 0; i < $1; i++)); do
		if who=$(in_ns client curl -sS --fail --connect-timeout 2 --max-time 5 \
			"http://$LAB_VIP_L2/" 2>/dev/null); then
			case $who in
			be1) b1=$((b1 + 1)) ;;
			be2) b2=$((b2 + 1)) ;;
			*) bad=$((bad + 1)) ;;
			esac
		else
			bad=$((bad + 1))
		fi
	done
	echo "be1=$b1 be2=$b2 fail=$bad"
}
out=$(new_connections 30)
if ! [[ $out =~ be1=([0-9]+)\ be2=([0-9]+)\ fail=0 ]] || ((BASH_REMATCH[1] == 0 || BASH_REMATCH[2] == 0)); then
	fail "before: both backends must take connections: $out"
fi
ok "before: $out"

out=$(tcli -c 'request services dsr check vip web')
check_match "request check: be1 passes" "$out" $'\n  be1 +10.0.1.11 +pass '
check_match "request check: be2 passes" "$out" $'\n  be2 +10.0.1.12 +pass '

# --- stop be2's HTTP server: down within interval x fall + one interval (4 s)
# (timed from the moment the server is gone / listening again: starting a process on
# this loaded VM can itself take seconds, which is not the checker's doing)
lab backend be2 http stop
t0=${EPOCHREALTIME/./}
hc_wait_health 8 web be2 down || fail "be2 not marked down: $(tcli -c 'show services dsr health')"
ms=$(hc_elapsed_ms "$t0")
# TULA_TIME_SCALE > 1 in sanitizer builds, whose daemon runs slower
((ms <= 4500 * ${TULA_TIME_SCALE:-1})) ||
	fail "be2 marked down after $ms ms (interval 1 s x fall 3 + 1 s = 4000 ms, x${TULA_TIME_SCALE:-1})"
ok "be2 marked down $ms ms after its HTTP server stopped (bound 4000 ms + polling)"
check_eq "reason names the reset" "$(hc_reason web be2)" \
	"reset: nothing listens on $LAB_VIP_L2:80 on the backend"
check_eq "be1 stays up" "$(hc_health web be1)" up
check_match "the change is logged with VIP, backend and reason" "$(cat "$HC_WORK/tula.log")" \
	"health: VIP web backend be2 \(10.0.1.12\) is down after 3 failed probe\(s\): reset: nothing listens"
check_match "show services dsr shows be2 down with no share" "$(tcli -c 'show services dsr vip web')" \
	$'\n  be2 +10.0.1.12 +100 down .* 0.0%'
out=$(tcli -c 'request services dsr check vip web')
check_match "request check prints be2's failure and reason" "$out" \
	$'\n  be2 +10.0.1.12 +fail .*down\n    reset: nothing listens on 10.0.1.100:80 on the backend'

out=$(new_connections 30)
check_eq "while be2 is down every connection succeeds on be1" "$out" "be1=30 be2=0 fail=0"

# --- start it again: up within interval x rise (2 s): the first probe after the start
# comes within one interval, the second one interval later
lab backend be2 http start
t0=${EPOCHREALTIME/./}
hc_wait_health 8 web be2 up || fail "be2 not back up: $(tcli -c 'show services dsr health')"
ms=$(hc_elapsed_ms "$t0")
((ms <= 2500 * ${TULA_TIME_SCALE:-1})) ||
	fail "be2 back up after $ms ms (interval 1 s x rise 2 = 2000 ms, x${TULA_TIME_SCALE:-1})"
ok "be2 back up $ms ms after its HTTP server started (bound 2000 ms + polling)"
check_eq "no reason once up" "$(hc_reason web be2)" ""
check_match "the recovery is logged" "$(cat "$HC_WORK/tula.log")" \
	"health: VIP web backend be2 \(10.0.1.12\) is up after 2 passed probe\(s\)"
out=$(new_connections 30)
if ! [[ $out =~ be1=([0-9]+)\ be2=([0-9]+)\ fail=0 ]] || ((BASH_REMATCH[2] == 0)); then
	fail "after recovery be2 must take connections again: $out"
fi
ok "after recovery: $out"

# --- /healthz answers 503: down, the status is the reason; ok again: up
lab backend be1 healthz fail
hc_wait_health 8 web be1 down || fail "be1 not marked down on 503"
check_eq "reason names the HTTP status" "$(hc_reason web be1)" \
	"HTTP status 503 for GET /healthz (healthy is 2xx or 3xx)"
check_eq "be1 still serves / (only its health page fails)" \
	"$(lab_curl client "http://$LAB_BE1_IP/")" be1
lab backend be1 healthz ok
hc_wait_health 8 web be1 up || fail "be1 not back up after /healthz recovered"
ok "503 on /healthz: down with the status as reason, up again once it answers 200"
