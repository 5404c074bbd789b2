#!/usr/bin/env bash
# lab-dsr-fin-or-rst-flow-leaves-within-the-fin-timeout: TCP-aware aging with the real
# daemon on the l2 lab (`set services dsr vip NAME fin-timeout N`).
#
# A flow whose client sent FIN, and one whose client sent RST, leave the flow table
# within the fin-timeout: when the same client port connects again after it, the data
# path finds the old entry expired (flows-expired grows by exactly 2). A connection that
# stayed idle as long, without FIN or RST, is still pinned (its late request is answered,
# and it adds nothing to flows-expired: the VIP's flow-timeout is 300 s).
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

VIP=$LAB_VIP_L2
W=$TULA_WORK
FIN_TIMEOUT=2
# An entry goes between the timeout and 17/16 of it (the data path's coarse clock):
# wait past that.
WAIT=$(awk -v t=$FIN_TIMEOUT 'BEGIN { print t * 17 / 16 + 1 }')
lab_up l2
{
	tula_conf_base
	tula_conf_vip web "$VIP" 80 l2 be1 be2 |
		sed "s/^            mode l2;/&\n            fin-timeout $FIN_TIMEOUT;/"
} >"$W/fin.conf"
tula_start "$W/fin.conf"
tula_wait_vip "http://$VIP/"
check_match "the VIP's fin-timeout is in the configuration" \
	"$(tcli -c 'show configuration services dsr vip web')" "fin-timeout $FIN_TIMEOUT"

e0=$(tula_event flows-expired)
out=$(in_ns client "$PY" "$(dirname "$0")/fin_client.py" "$VIP" 41001 41002 41003 "$WAIT" 2>&1) ||
	fail "fin_client: $out"
check_eq "the idle connection (no FIN, no RST) was answered after $WAIT s" "$out" "idle-answer OK"
sleep 0.5
e1=$(tula_event flows-expired)
check_eq "the FIN and the RST flow had left the table when their ports came back ($WAIT s)" \
	"$((e1 - e0))" 2
tula_check_alive
