#!/usr/bin/env bash
# lab-backend-controls: the knobs tests use to break and mend backends do what they
# say, on an l2 lab with four backends (`up l2 --backends 4`): stop/start the HTTP
# server, remove/restore the VIP, answer ARP for the VIP or not, fail /healthz; wrong
# uses are refused with a message.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root

lab_up l2 --backends 4

for i in 1 2 3 4; do
	check_eq "be$i is at 10.0.1.1$i" "$(lab_node_ip "be$i")" "10.0.1.1$i"
	check_eq "be$i answers as be$i" "$(lab_curl client "http://10.0.1.1$i/")" "be$i"
done
out=$(lab status)
check_match "status lists be4 with its address" "$out" "be4 \($LAB_PREFIX-be4\):"$'\n'" +eth0[^ ]* +UP +10.0.1.14/24"
check_eq "exec runs in the node's namespace" "$(lab exec be2 ip -o -4 address show dev eth0 | awk '{print $4}')" \
	"10.0.1.12/24"

# http stop / start
pid=$(<"$LAB_RUN_DIR/be2/nginx.pid")
lab backend be2 http stop
check "http stop: be2's nginx is gone" proc_gone "$pid"
check "http stop: be2 refuses connections" eval '! lab_curl client http://10.0.1.12/ 2>/dev/null'
lab backend be2 http start
check_eq "http start: be2 answers again" "$(lab_curl client http://10.0.1.12/)" be2

# healthz fail / ok
code() { in_ns client curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1"; }
lab backend be3 healthz fail
check_eq "healthz fail: be3 /healthz is 503" "$(code http://10.0.1.13/healthz)" 503
check_eq "healthz fail: be3 still serves /" "$(code http://10.0.1.13/)" 200
lab backend be3 healthz ok
check_eq "healthz ok: be3 /healthz is 200" "$(code http://10.0.1.13/healthz)" 200

# vip del / add
lab backend be1 vip del
check_eq "vip del: the VIP is off be1's lo" "$(in_ns be1 ip -o -4 address show dev lo | grep -c "$LAB_VIP_L2")" 0
lab backend be1 vip del # idempotent
lab backend be1 vip add
check_match "vip add: the VIP is back on be1's lo" "$(in_ns be1 ip -o -4 address show dev lo)" \
	" $LAB_VIP_L2/32 "

# arp-ignore: with 1 (the DSR set-up) nobody answers ARP for the VIP; with 0 on be1, be1
# does, and the client's neighbour entry for the VIP becomes be1's MAC.
check "arp-ignore 1: nobody answers for the VIP" eval "! in_ns client ping -c 1 -W 1 $LAB_VIP_L2 >/dev/null"
lab backend be1 arp-ignore 0
check "arp-ignore 0: be1 answers for the VIP" eval "in_ns client ping -c 1 -W 2 $LAB_VIP_L2 >/dev/null"
check_match "arp-ignore 0: the client resolved the VIP to be1's MAC" \
	"$(in_ns client ip neigh show "$LAB_VIP_L2")" "lladdr $(lab_mac "$LAB_BE1_IP") "
lab backend be1 arp-ignore 1
in_ns client ip neigh flush dev eth0
check "arp-ignore 1 again: nobody answers for the VIP" \
	eval "! in_ns client ping -c 1 -W 1 $LAB_VIP_L2 >/dev/null"

# Wrong uses are refused with a message.
if out=$(lab backend be1 decap stop 2>&1); then fail "decap on an l2 backend accepted"; fi
check_match "decap on an l2 backend is refused" "$out" "l2 backend"
if out=$(lab backend be9 http stop 2>&1); then fail "unknown node accepted"; fi
check_match "an unknown node is refused, naming the nodes" "$out" "no node 'be9'.*be4"
if out=$(lab backend client http stop 2>&1); then fail "a non-backend accepted"; fi
check_match "a non-backend is refused" "$out" "client is not a backend"
if out=$(lab up l3 --backends 4 2>&1); then fail "--backends with l3 accepted"; fi
check_match "--backends outside l2 is refused" "$out" "applies to the l2 topology"
if out=$(lab up star 2>&1); then fail "unknown topology accepted"; fi
check_match "an unknown topology is refused" "$out" "must be l2, l3, full or bgp"
if out=$(LAB_PREFIX=Bad-Name lab status 2>&1); then fail "a bad prefix accepted"; fi
check_match "a prefix that could clash is refused" "$out" "LAB_PREFIX"
