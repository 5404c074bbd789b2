#!/usr/bin/env bash
# bench-proxy: DSR against a full proxy, in the same run. The same nginx backends of the
# lab's `full` topology, reached (a) through HAProxy in TCP mode (Debian's haproxy) in
# Tula's namespace and (b) through a Tula L2 VIP (be1, be2) and a Tula L3 VIP (be3, be4
# behind the router, IP-in-IP). wrk in the client namespace fetches 1 MB and 10 KB
# responses for a fixed time over keep-alive connections.
#
#   tests/bench/bench-proxy.sh BUILD_DIR [--quick] [--rounds N] [--seconds S] [--connections C]
#
# Figures: requests/s (wrk), and the bytes that crossed the load balancer per request:
# lb0's kernel counters (rx_bytes + tx_bytes) over the run / requests completed. With
# DSR the responses go from the backend straight to the client, so only requests and
# the client's ACKs cross Tula. HAProxy runs with lb0's offloads on (TSO/GSO/GRO, as a
# real NIC would give it); Tula runs with them off (af_packet needs finished frames).
# Each round runs HAProxy then Tula (all four targets each); medians over the rounds.
set -euo pipefail
# shellcheck source=tests/bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

bench_require_root
bench_build_dir "${1:-}"
(($#)) && shift
ROUNDS=3
DUR=5
CONNS=32
while (($#)); do
	case $1 in
	--quick) ROUNDS=1 DUR=2 ;;
	--rounds) ROUNDS=$2 && shift ;;
	--seconds) DUR=$2 && shift ;;
	--connections) CONNS=$2 && shift ;;
	*) bench_die "unknown option '$1'" ;;
	esac
	shift
done
command -v haproxy >/dev/null || bench_die "haproxy missing (Debian package haproxy)"
command -v wrk >/dev/null || bench_die "wrk missing (Debian package wrk)"

export LAB_PREFIX=bp$((RANDOM % 1000))
. "$SRC_ROOT/tests/lab/lib.sh"
BENCH_TMP=$(mktemp -d /tmp/bench-proxy.XXXXXX)
LB_PID=
proxy_cleanup() {
	stop_pid "$LB_PID"
	lab_down
	rm -rf "$BENCH_TMP"
}
lab_up full >/dev/null
trap proxy_cleanup EXIT
RUN=$LAB_RUN_DIR
HA_ADDR=10.0.1.50

# The responses: 1 MB and 10 KB files in every backend's nginx (the lab's
# configuration, extended in its run directory, then reloaded).
head -c 1048576 /dev/urandom >"$RUN/1m.bin"
head -c 10240 /dev/urandom >"$RUN/10k.bin"
for be in be1 be2 be3 be4; do
	sed -i "s|^\t\tlocation / {|\t\tlocation = /1m { alias $RUN/1m.bin; default_type application/octet-stream; }\n\t\tlocation = /10k { alias $RUN/10k.bin; default_type application/octet-stream; }\n&|" \
		"$RUN/$be/nginx.conf"
	kill -HUP "$(cat "$RUN/$be/nginx.pid")"
done
# serves_1m IP: the backend at IP answers /1m with the whole file. A function, so that
# wait_until runs the curl again on every try (nginx applies the reload asynchronously;
# `wait_until 10 test "$(curl ...)"` ran the curl once, when the line was read).
serves_1m() {
	[ "$(in_ns client curl -s --max-time 5 "http://$1/1m" | wc -c)" = 1048576 ]
}
for be in be1 be2 be3 be4; do
	ip=$(lab_node_ip "$be")
	wait_until 10 serves_1m "$ip" || bench_die "backend $be does not serve /1m"
done

tula_conf() {
	cat <<EOF
system { host-name bench; }
interfaces { port0 { device "net_af_packet0,iface=$LAB_LB_IF"; address $LAB_LB_SELF_IP/24; } }
routing-options { static { route 0.0.0.0/0 next-hop $LAB_GW_A; } }
services { dsr {
    vip web-l2 { address $LAB_VIP_L2; protocol tcp; port 80; mode l2;
        backend be1 { address $LAB_BE1_IP; } backend be2 { address $LAB_BE2_IP; } }
    vip web-l3 { address $LAB_VIP_L3; protocol tcp; port 80; mode l3; tunnel-source $LAB_LB_SELF_IP;
        backend be3 { address $LAB_BE3_IP; } backend be4 { address $LAB_BE4_IP; } }
} }
EOF
}

haproxy_conf() {
	cat <<EOF
global
    maxconn 4096
    nbthread 1
defaults
    mode tcp
    timeout connect 5s
    timeout client 60s
    timeout server 60s
frontend to-be12
    bind $HA_ADDR:80
    default_backend be12
frontend to-be34
    bind $HA_ADDR:8080
    default_backend be34
backend be12
    balance roundrobin
    server be1 $LAB_BE1_IP:80
    server be2 $LAB_BE2_IP:80
backend be34
    balance roundrobin
    server be3 $LAB_BE3_IP:80
    server be4 $LAB_BE4_IP:80
EOF
}

start_tula() {
	local d=$BENCH_TMP/tula
	rm -rf "$d"
	mkdir -p "$d"
	tula_conf >"$d/tula.conf"
	LB_PID=$(lab_bg lb "$d/tula.log" "$TULA" --no-console --db "$d/config.db" \
		--socket "$d/cli.sock" --config "$d/tula.conf" -- -l 0-1 --no-huge -m 512 \
		--no-shconf --no-pci --file-prefix "${LAB_PREFIX}lb")
	wait_until 120 "$TULA" cli --socket "$d/cli.sock" -c 'show version' ||
		bench_die "tula did not start: $(tail -5 "$d/tula.log")"
	wait_until 20 lab_curl client -o /dev/null "http://$LAB_VIP_L2/1m" ||
		bench_die "the L2 VIP does not answer"
	wait_until 20 lab_curl client -o /dev/null "http://$LAB_VIP_L3/1m" ||
		bench_die "the L3 VIP does not answer"
}

start_haproxy() {
	haproxy_conf >"$BENCH_TMP/haproxy.cfg"
	# The kernel side of lb0 speaks for HAProxy, with the offloads a NIC would give.
	in_ns lb ip address add "$HA_ADDR/24" dev "$LAB_LB_IF"
	in_ns lb ip route add default via "$LAB_GW_A"
	in_ns lb ethtool -K "$LAB_LB_IF" tx on tso on gso on gro on >/dev/null
	LB_PID=$(lab_bg lb "$BENCH_TMP/haproxy.log" haproxy -db -f "$BENCH_TMP/haproxy.cfg")
	wait_until 20 lab_curl client -o /dev/null "http://$HA_ADDR/1m" ||
		bench_die "HAProxy does not answer: $(tail -5 "$BENCH_TMP/haproxy.log")"
}

stop_lb() {
	stop_pid "$LB_PID"
	LB_PID=
	# Back to what the lab guarantees Tula: no address, no route, offloads off.
	in_ns lb ip address flush dev "$LAB_LB_IF"
	in_ns lb ip route flush table main 2>/dev/null || true
	in_ns lb ethtool -K "$LAB_LB_IF" tx off tso off gso off gro off >/dev/null
}

# wrk_run URL: prints "requests_per_s requests lb_bytes errors".
wrk_run() {
	local url=$1 b1 b2 out rps n err
	b1=$(($(if_counter "$LAB_NS_LB" "$LAB_LB_IF" rx_bytes) + $(if_counter "$LAB_NS_LB" "$LAB_LB_IF" tx_bytes)))
	out=$(in_ns client wrk -t1 -c"$CONNS" -d"${DUR}s" --timeout 10s "$url" 2>&1) ||
		bench_die "wrk failed on $url: $out"
	b2=$(($(if_counter "$LAB_NS_LB" "$LAB_LB_IF" rx_bytes) + $(if_counter "$LAB_NS_LB" "$LAB_LB_IF" tx_bytes)))
	rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	n=$(awk '/requests in/ { print $1 }' <<<"$out")
	err=$(awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }' <<<"$out")
	[[ -n $rps && -n $n ]] || bench_die "cannot read wrk's output: $out"
	echo "$rps $n $((b2 - b1)) ${err:+!}"
	[[ -z $err ]] || echo "wrk errors on $url: $err" >&2
}

declare -A RPS=() BPR=()
record() { # KEY "rps n bytes"
	local rps n bytes
	read -r rps n bytes _ <<<"$2"
	RPS[$1]+="$rps "
	BPR[$1]+="$(awk -v b="$bytes" -v n="$n" 'BEGIN { printf "%.0f", (n > 0 ? b / n : 0) }') "
}

bench_machine
for ((k = 0; k < ROUNDS; k++)); do
	start_haproxy
	for sz in 1m 10k; do
		record "ha-l2-$sz" "$(wrk_run "http://$HA_ADDR/$sz")"
		record "ha-l3-$sz" "$(wrk_run "http://$HA_ADDR:8080/$sz")"
	done
	stop_lb
	start_tula
	for sz in 1m 10k; do
		record "tula-l2-$sz" "$(wrk_run "http://$LAB_VIP_L2/$sz")"
		record "tula-l3-$sz" "$(wrk_run "http://$LAB_VIP_L3/$sz")"
	done
	stop_lb
done

echo
echo "DSR against a full proxy: wrk -t1 -c$CONNS -d${DUR}s from the client, medians of $ROUNDS round(s)"
printf '  %-30s %10s %10s %7s %14s %14s %8s\n' "target" "Tula req/s" "HAProxy" "ratio" \
	"Tula B/req" "HAProxy B/req" "cut"
for sz in 1m 10k; do
	for m in l2 l3; do
		# shellcheck disable=SC2086
		tr=$(median ${RPS[tula-$m-$sz]})
		# shellcheck disable=SC2086
		hr=$(median ${RPS[ha-$m-$sz]})
		# shellcheck disable=SC2086
		tb=$(median ${BPR[tula-$m-$sz]})
		# shellcheck disable=SC2086
		hb=$(median ${BPR[ha-$m-$sz]})
		cut=$(awk -v t="$tb" -v h="$hb" 'BEGIN { printf "%.1f%%", (h > 0 ? 100 * (1 - t / h) : 0) }')
		be="be1,be2"
		[[ $m == l3 ]] && be="be3,be4"
		printf '  %-30s %10.0f %10.0f %7s %14.0f %14.0f %8s\n' \
			"${sz^^} via Tula ${m^^} ($be)" "$tr" "$hr" "$(ratio "$tr" "$hr")" "$tb" "$hb" "$cut"
		result "proxy ${sz^^} ${m^^} requests/s" "$tr" "$hr" "$(ratio "$tr" "$hr")" "req/s"
		result "proxy ${sz^^} ${m^^} LB bytes/request" "$tb" "$hb" "$(ratio "$tb" "$hb")" "B"
	done
done
for key in "${!RPS[@]}"; do
	echo "  rounds $key: req/s ${RPS[$key]}| B/req ${BPR[$key]}"
done | sort
