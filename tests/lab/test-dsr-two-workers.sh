#!/usr/bin/env bash
# lab-dsr-two-workers-share-flows-none-moves: two worker lcores (EAL lcores 0-2) on an
# af_packet port with two queue pairs (qpairs=2: the kernel spreads flows over the two
# sockets by flow hash, PACKET_FANOUT_HASH), on the l2 lab.
#
#   - `show system data-path`: 2 workers, port0 with 2 queues;
#   - 200 connections (one request each) all answer; both workers pinned some of them
#     (per-worker `inserted` of `show services dsr flows`), and together they pinned
#     exactly one flow per connection: a flow whose packets reached the other worker
#     would be pinned twice;
#   - 8 downloads running at once, each a long flow: those the sampled top talkers
#     show (at least 6) appear in exactly one worker's flow table, never in both;
#   - with `system data-path idle-sleep`, idle workers stop spinning: over 2 idle
#     seconds each worker thread uses well under a core, and traffic still flows after.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

VIP=$LAB_VIP_L2
W=$TULA_WORK
# lcores 0-2 (control and two workers) over the CPUs 0-1: lab machines may have two.
TULA_EAL_ARGS="--lcores (0-2)@(0-1) --no-huge -m 512 --no-shconf --no-pci"
lab_up l2
{
	tula_conf_base | sed "s/iface=$LAB_LB_IF\"/iface=$LAB_LB_IF,qpairs=2\"/"
	tula_conf_vip web "$VIP" 80 l2 be1 be2
} >"$W/mq.conf"
grep -q "qpairs=2" "$W/mq.conf" || fail "the configuration does not ask for two queue pairs"
tula_start "$W/mq.conf"
tula_wait_vip "http://$VIP/"

dp=$(tula_json 'show system data-path')
check_eq "two workers" "$(jpy 'j["workers"]' <<<"$dp")" 2
check_eq "port0 has two queue pairs" "$(jpy 'j["ports"][0]["queues"]' <<<"$dp")" 2

inserted() { tula_stat 'show services dsr flows' "j['workers'][$1]['inserted']"; }
a0=$(inserted 0) b0=$(inserted 1)
in_ns client curl -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
	-w '%{http_code}\n' "http://$VIP/info?[1-200]" >"$W/200.out" 2>&1 || true
check_eq "200 requests all answered 200" "$(grep -c '^200$' "$W/200.out")" 200
a=$(($(inserted 0) - a0)) b=$(($(inserted 1) - b0))
echo "figures: worker 0 pinned $a flows, worker 1 pinned $b"
((a > 0 && b > 0)) || fail "both workers must see flows: worker 0 pinned $a, worker 1 $b"
ok "both workers pinned flows"
check_eq "one flow pinned per connection (a flow reaching both workers is pinned twice)" \
	"$((a + b))" 200

# Long flows at once: each in exactly one worker's table.
pids=()
for i in $(seq 1 8); do
	in_ns client curl -sS --fail --connect-timeout 3 --max-time 60 --limit-rate 2M \
		-o /dev/null "http://$VIP/big" 2>"$W/dl$i.err" &
	pids+=($!)
done
sleep 3
fl=$(tula_json 'show services dsr flows')
for p in "${pids[@]}"; do
	wait "$p" || fail "a download through the VIP failed: $(cat "$W"/dl*.err)"
done
ok "8 downloads at once completed"
read -r both w0 w1 < <(jpy '" ".join(str(x) for x in (lambda t: (
	len({k for k in t[0]} & {k for k in t[1]}), len(t[0]), len(t[1])))(
	[{(f["source"], f["source-port"]) for f in j["top-talkers"] if f["worker"] == w
	  and f["source-port"] != 0 and f["packets"] > 100} for w in (0, 1)]))' <<<"$fl")
echo "figures: busy flows in worker 0's table $w0, in worker 1's $w1, in both $both"
# Top talkers come from a sampled sketch (1 packet in 64), so a download can be missing
# from it; the pin count above already proves one pin per connection.
((w0 + w1 >= 6)) || fail "fewer than 6 of the 8 downloads in the flow tables' top talkers ($w0 + $w1)"
((w0 > 0 && w1 > 0)) || fail "the downloads all went to one worker ($w0 / $w1)"
check_eq "no flow is in both workers' tables" "$both" 0

# Idle back-off: commit idle-sleep, then measure the worker threads' CPU time.
tula_commit 'set system data-path idle-sleep 1000'
check_eq "idle-sleep in force at once" \
	"$(tula_stat 'show system data-path' '[l["in-force"] for l in j["limits"] if l["name"] == "idle-sleep"][0]')" 1000
cpu_ticks() { # the worker threads' user+system ticks
	local t sum=0
	for t in /proc/"$TULA_PID"/task/*; do
		[[ $(cat "$t/comm") == *worker* ]] || continue
		read -r -a f <"$t/stat"
		sum=$((sum + f[13] + f[14]))
	done
	echo "$sum"
}
sleep 1
t0=$(cpu_ticks)
sleep 2
t1=$(cpu_ticks)
hz=$(getconf CLK_TCK)
echo "figures: two idle workers used $((t1 - t0)) ticks in 2 s (busy-polling: about $((4 * hz)))"
((t1 - t0 < hz)) || fail "idle workers with idle-sleep used $((t1 - t0)) ticks in 2 s (>= half a core each)"
ok "idle workers sleep"
tula_wait_vip "http://$VIP/"
in_ns client curl -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
	-w '%{http_code}\n' "http://$VIP/info?[1-20]" >"$W/20.out" 2>&1 || true
check_eq "20 requests after the back-off all answered" "$(grep -c '^200$' "$W/20.out")" 20
tula_check_alive
