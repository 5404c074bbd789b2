#!/usr/bin/env bash
# lab-dsr-syn-flood-is-capped-and-evicts-no-established-flow: SYN-flood protection with
# the real daemon on the l2 lab (`set system data-path new-flow-rate N`).
#
#   - 100 established connections download (4 MB each, paced by curl so that they last
#     through the flood);
#   - a SYN flood from random sources (tests/lab/syn_gen.c: AF_PACKET, sendmmsg) paced at
#     11x the configured new-flow rate hits the VIP for 3 s, and must reach at least 10x
#     (what it really sent over the time it really took);
#   - then: all 100 downloads complete with every byte (0 broken), the flow table
#     evicted nothing (flows-evicted unchanged), and the capped counter, globally
#     (new-flows-over-rate-cap) and for the VIP (new-flows-capped), equals what the
#     flood sent above the cap: sent - rate x duration - the bucket (rate/10), within
#     the bucket (plus a tenth of a second of rate for the generator's clock).
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

VIP=$LAB_VIP_L2
W=$TULA_WORK
RATE=500 # new flows per second (one worker takes this VIP's traffic: one af_packet queue)
FLOOD_SECS=3
FLOOD_RATE=$((11 * RATE)) # paced a tenth above 10x, so a late last batch still leaves >= 10x
SYN_GEN=$(lab_tool syn_gen)
lab_up l2
{
	tula_conf_base | sed "s/^    host-name .*/&\n    data-path {\n        new-flow-rate $RATE;\n    }/"
	tula_conf_vip web "$VIP" 80 l2 be1 be2
} >"$W/flood.conf"
tula_start "$W/flood.conf"
tula_wait_vip "http://$VIP/"

stats() { tula_json 'show services dsr statistics'; }
# counter NAME: a data-path event; vip_capped: the VIP's new-flows-capped.
event() { jpy "j['events']['$1']" <<<"$2"; }
vip_capped() { jpy "[v for v in j['vips'] if v['name'] == 'web'][0]['counters']['new-flows-capped']" <<<"$1"; }

# ---- 100 downloads, established before the flood: two batches of 50, a second apart,
# so that the new-flow bucket (RATE / 10) pays for every one of them
dl_pids=()
for b in 1 2; do
	for i in $(seq 1 50); do
		printf 'url = "http://%s/big?dl=%d-%d"\noutput = "/dev/null"\n' "$VIP" "$b" "$i"
	done >"$W/curl$b.cfg"
	dl_pids+=("$(lab_bg client "$W/dl$b.out" curl -sS --no-progress-meter -Z \
		--parallel-immediate --parallel-max 50 --limit-rate 150k -r 0-3999999 \
		--connect-timeout 5 --max-time 150 -w '%{http_code} %{size_download}\n' \
		-K "$W/curl$b.cfg")")
	sleep 1
done
established() { test "$(in_ns client ss -Htn state established dst "$VIP" | wc -l)" -ge 100; }
wait_until 20 established || fail "the 100 downloads did not all start: $(in_ns client ss -Htn dst "$VIP" | wc -l) connections"
ok "100 downloads established"
s0=$(stats)

# ---- the flood: at least 10 x the rate, each SYN a new random source, as Ethernet frames
# from the client straight to Tula's MAC (where the client's ARP entry for the VIP points)
read -r sent secs < <(in_ns client "$SYN_GEN" eth0 "$LAB_LB_MAC" "$VIP" 80 $FLOOD_RATE $FLOOD_SECS)
[[ -n ${secs:-} ]] || fail "the SYN generator reported nothing"
ok "flood: $sent SYNs in $secs s ($(awk -v n="$sent" -v s="$secs" -v r=$RATE 'BEGIN { printf "%d/s, %.1fx the rate", n / s, n / s / r }'))"
awk -v n="$sent" -v s="$secs" -v r=$RATE 'BEGIN { exit !(s > 0 && n / s >= 10 * r) }' ||
	fail "the generator reached less than 10x the rate ($sent in $secs s): the flood did not test 10x"
sleep 0.5 # the last SYNs through the pipeline
s1=$(stats)

# ---- the downloads
all_done() { for p in "${dl_pids[@]}"; do proc_gone "$p" || return 1; done; }
wait_until 160 all_done || fail "the downloads did not end within 160 s"
cat "$W/dl1.out" "$W/dl2.out" >"$W/dl.out"
complete=$(awk '$1 == 206 && $2 == 4000000' "$W/dl.out" | wc -l)
check_eq "all 100 downloads completed with every byte during the flood ($(grep -v '^206 4000000$' "$W/dl.out" | sort | uniq -c | head -5 | tr '\n' ' '))" "$complete" 100

capped=$(($(event new-flows-over-rate-cap "$s1") - $(event new-flows-over-rate-cap "$s0")))
vcapped=$(($(vip_capped "$s1") - $(vip_capped "$s0")))
evicted=$(($(event flows-evicted "$s1") - $(event flows-evicted "$s0")))
inserted=$(($(event new-flows "$s1") - $(event new-flows "$s0")))
check_eq "no flow evicted by the flood" "$evicted" 0
check_eq "the VIP's capped counter is the global one" "$vcapped" "$capped"
check_eq "every flood SYN was inserted or capped" "$((inserted + capped))" "$sent"
# Above the cap: what the bucket could not pay for, i.e. sent - rate x duration - burst.
expect=$(awk -v n="$sent" -v s="$secs" -v r=$RATE 'BEGIN { printf "%d", n - r * s - r / 10 }')
tol=$((RATE / 10 + RATE / 10))
((capped >= expect - tol && capped <= expect + tol)) ||
	fail "capped $capped, expected $expect +- $tol (sent $sent in $secs s at a cap of $RATE/s)"
ok "capped $capped = what the flood sent above the cap ($expect +- $tol)"
tula_check_alive
