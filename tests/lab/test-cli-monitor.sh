#!/usr/bin/env bash
# lab-cli-monitor-interface-shows-live-rates: `monitor interface port0` in `tula cli` on
# a terminal (a pseudo-terminal driven by cli_pty.py) refreshes its screen every second
# and, while curl downloads through the L2 VIP, shows non-zero input and output packet
# rates; q stops it and the prompt comes back. Without a terminal it is refused.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

W=$TULA_WORK
lab_up l2
{
	tula_conf_base
	tula_conf_vip web "$LAB_VIP_L2" 80 l2 be1 be2
} >"$W/m.conf"
tula_start "$W/m.conf"
tula_wait_vip "http://$LAB_VIP_L2/"

out=$(tcli -c 'monitor interface port0' 2>&1 || true)
check_match "without a terminal monitor is refused" "$out" "needs a terminal"

# load: downloads at a modest rate for the whole observation
in_ns client bash -c "for i in \$(seq 1 20); do curl -sS --max-time 15 --limit-rate 2M -o /dev/null http://$LAB_VIP_L2/big; done" \
	>"$W/curl.log" 2>&1 &
LOAD=$!
_stop_load() { kill "$LOAD" 2>/dev/null || true; }
lab_on_down _stop_load
sleep 1
res=$("$PY" "$LAB_DIR/cli_pty.py" "$TULA" "$TULA_SOCK" port0 5)
echo "$res"
_stop_load
[[ -s $W/curl.log ]] && echo "curl: $(head -c 400 "$W/curl.log")"
check_eq "the screen refreshed at least 3 times in 5 s" \
	"$(jpy "j['screens'] >= 3" <<<"$res")" True
check_eq "input rate non-zero under load (requests and ACKs in)" \
	"$(jpy "max(j['rx_pps'] or [0]) > 0" <<<"$res")" True
check_eq "output rate non-zero under load (forwarded to the backends)" \
	"$(jpy "max(j['tx_pps'] or [0]) > 0" <<<"$res")" True
check_eq "q stops it and the prompt comes back" "$(jpy "j['prompt_after_q']" <<<"$res")" True
check_eq "within 2 s of q" "$(jpy "j['seconds_to_quit'] <= 2" <<<"$res")" True

tula_check_alive
