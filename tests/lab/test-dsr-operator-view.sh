#!/usr/bin/env bash
# lab-dsr-operator-view-matches-the-wire: after real traffic through an L2 and an L3 VIP
# (full lab), what the operator sees agrees with what crossed the wire:
#
#   - `clear services dsr statistics` zeroes every VIP and backend counter;
#   - `show services dsr statistics`: per VIP and per backend, packets and bytes equal
#     what a capture on the client counted towards that VIP (every frame of every
#     connection, handshake included, attributed to the backend that answered the
#     connection; 200 requests and a 20 MB download per VIP), and new flows equal the
#     connections the client opened; the text
#     view shows the same numbers as `| display json`;
#   - `show arp` lists the L2 backends and the L3 next hop (the router) with the MACs
#     the lab gave them, reachable, on port0; `show services dsr` names the same
#     neighbours as next hops, resolved.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

L2=$LAB_VIP_L2 L3=$LAB_VIP_L3
W=$TULA_WORK
lab_up full
{
	tula_conf_base
	tula_conf_vip web-l2 "$L2" 80 l2 be1 be2
} >"$W/o.conf"
tula_start "$W/o.conf"
tula_commit "set services dsr vip web-l3 address $L3" 'set services dsr vip web-l3 protocol tcp' \
	'set services dsr vip web-l3 port 80' 'set services dsr vip web-l3 mode l3' \
	"set services dsr vip web-l3 tunnel-source $LAB_LB_SELF_IP" \
	"set services dsr vip web-l3 backend be3 address $LAB_BE3_IP" \
	"set services dsr vip web-l3 backend be4 address $LAB_BE4_IP"
tula_wait_vip "http://$L2/"
tula_wait_vip "http://$L3/"

# ---- show arp, show services dsr: the neighbours
arp=$(tula_json 'show arp')
tcli -c 'show arp'
for n in be1 be2 rt; do
	ip=$(lab_node_ip "$n")
	mac=$(lab_mac "$ip")
	check_eq "show arp lists $n ($ip) with its MAC, reachable, on port0" \
		"$(jpy "' '.join('%s %s %s' % (e['mac'].lower(), e['state'], e['interface']) for e in j if e['address'] == '$ip')" <<<"$arp")" \
		"$mac reachable port0"
done
check_eq "show arp lists no backend behind the router (be3, be4 are reached via 10.0.1.1)" \
	"$(jpy "sum(1 for e in j if e['address'] in ('$LAB_BE3_IP', '$LAB_BE4_IP'))" <<<"$arp")" 0
check_eq "show services dsr: each backend's next hop, resolved" \
	"$(tula_stat 'show services dsr' "' '.join('%s:%s:%s' % (b['name'], b['next-hop'], b['neighbour']) for v in j for b in v['backends'])")" \
	"be1:$LAB_BE1_IP:resolved be2:$LAB_BE2_IP:resolved be3:$LAB_RT_A_IP:resolved be4:$LAB_RT_A_IP:resolved"

# ---- clear, then traffic the client counts on its own wire
out=$(tcli -c 'clear services dsr statistics')
check_eq "clear services dsr statistics answers" "$out" "statistics cleared"
check_eq "every VIP and backend counter is zero after the clear" \
	"$(tula_stat 'show services dsr statistics' "sum(c for v in j['vips'] for o in [v] + v['backends'] for c in o['counters'].values())")" 0

cap=
lab_capture cap client eth0 "$W/client.pcap" "ip and tcp and (dst host $L2 or dst host $L3)"
for vip in "$L2" "$L3"; do
	# 20 connections of one request each, and 2 keep-alive connections of 40 requests.
	in_ns client curl -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
		"http://$vip/info?[1-20]" >>"$W/answers" 2>>"$W/curl.err" || true
	for _ in 1 2; do
		in_ns client curl -sS --connect-timeout 3 --max-time 20 "http://$vip/info?[1-40]" \
			>>"$W/answers" 2>>"$W/curl.err" || true
	done
	# and a 20 MB download (thousands of ACKs), at a modest rate
	in_ns client curl -sS --fail --connect-timeout 3 --max-time 30 --limit-rate 10M \
		-o /dev/null -w '%{size_download} %{local_port}\n' "http://$vip/big" \
		>>"$W/downloads" 2>>"$W/curl.err" || fail "the download from $vip failed"
done
lab_capture_stop "$cap" "$W/client.pcap"
check_eq "all 200 requests and the 2 downloads answered ($(head -c 300 "$W/curl.err"))" "$(grep -c '^node=' "$W/answers") $(grep -c . "$W/downloads")" "200 2"

# What the client sent, per VIP and per backend (each connection's source port ->
# the backend that answered on it, from /info's "node=beN ... client=IP:PORT").
"$PY" "$LAB_DIR/pcap_flows.py" "$W/client.pcap" >"$W/wire.json"
sed -n 's/^node=\(be[0-9]\) server=\([0-9.]*\):80 client=[0-9.]*:\([0-9]*\)$/\3 \1 \2/p' "$W/answers" \
	>"$W/port-backend"
# The downloads' backends, from the nginx access logs ("CLIENT:PORT -> SERVER:80 ...").
while read -r size port; do
	check_eq "the download from client port $port is 20 MB" "$size" "$LAB_BIG_SIZE"
	for b in be1 be2 be3 be4; do
		grep -q "^$LAB_CLIENT_IP:$port -> [0-9.]*:80 \"GET /big " "$LAB_RUN_DIR/$b/access.log" &&
			echo "$port $b download" >>"$W/port-backend"
	done
done <"$W/downloads"
sort -u -o "$W/port-backend" "$W/port-backend"
check_eq "every connection was answered by one backend only" \
	"$(cut -d' ' -f1 "$W/port-backend" | sort | uniq -d | wc -l)" 0
expected=$("$PY" - "$W/wire.json" "$W/port-backend" "$L2" "$L3" <<'EOF'
import json, sys
wire = json.load(open(sys.argv[1]))
backend = {}
for line in open(sys.argv[2]):
    port, be, vip = line.split()
    backend[port] = be
exp = {}
for name, vip in (("web-l2", sys.argv[3]), ("web-l3", sys.argv[4])):
    w = wire.get(vip, {"packets": 0, "bytes": 0, "connections": 0, "ports": {}})
    exp[name] = {"packets": w["packets"], "bytes": w["bytes"], "new-flows": w["connections"]}
    for port, (p, b) in w["ports"].items():
        e = exp.setdefault(backend.get(port, "unknown-port-" + port), {"packets": 0, "bytes": 0, "new-flows": 0})
        e["packets"] += p
        e["bytes"] += b
        e["new-flows"] += 1
for k in sorted(exp):
    print(k, exp[k]["packets"], exp[k]["bytes"], exp[k]["new-flows"])
EOF
)
sleep 0.5 # the last ACKs reach Tula's counters
stats=$(tula_json 'show services dsr statistics')
seen=$(jpy "'\n'.join('%s %d %d %d' % (o['name'], o['counters']['packets'], o['counters']['bytes'], o['counters']['new-flows']) for v in j['vips'] for o in sorted([v] + v['backends'], key=lambda o: o['name']))" <<<"$stats" | sort)
echo "name packets bytes new-flows, as the client's wire counted:"
sed 's/^/    /' <<<"$expected"
echo "and as show services dsr statistics says:"
sed 's/^/    /' <<<"$seen"
check_eq "Tula's per-VIP and per-backend packets, bytes and new flows equal the client's wire" \
	"$seen" "$expected"
check "the wire shows traffic on both VIPs and all four backends" \
	test "$(awk '$2 > 0' <<<"$expected" | wc -l)" = 6

# The text view shows the same numbers.
text=$(tcli -c 'show services dsr statistics')
nl=$'\n'
while read -r name packets bytes flows; do
	check_match "the text view shows $name: $packets packets, $bytes bytes, $flows new flows, 0 capped" \
		"$text" "(^|$nl) *$name +$packets +$bytes +$flows +0($nl|$)"
done <<<"$seen"

tula_check_alive
