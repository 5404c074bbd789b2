#!/usr/bin/env bash
# lab-dsr-commits-are-hitless: while clients keep requesting through an L2 and an L3
# VIP, 100 commits that add and remove OTHER VIPs and backends (some of them
# unreachable, so neighbour resolution fails and republishes too) lose nothing:
#
#   - four keep-alive connections (two per VIP, 20 requests/s each) answer every
#     request, each on the one TCP connection it opened before the first commit and
#     still uses after the last (curl reports a single connect);
#   - a loop of short requests (a new connection each) sees no failure;
#   - a rate-limited 20 MB download per VIP started before the commits finishes whole;
#   - a capture on the client sees no TCP reset during the whole run;
#   - Tula re-pinned no flow (flows-repinned) and dropped none of the clients' frames.
# It reports the commit latency (each `tula cli ... commit` round trip) over the 100.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

L2=$LAB_VIP_L2 L3=$LAB_VIP_L3
W=$TULA_WORK
COMMITS=${COMMITS:-100}
lab_up full
{
	tula_conf_base
	tula_conf_vip web-l2 "$L2" 80 l2 be1 be2
} >"$W/h.conf"
tula_start "$W/h.conf"
tula_commit 'set services dsr vip web-l3 address '"$L3" \
	'set services dsr vip web-l3 protocol tcp' 'set services dsr vip web-l3 port 80' \
	'set services dsr vip web-l3 mode l3' "set services dsr vip web-l3 tunnel-source $LAB_LB_SELF_IP" \
	"set services dsr vip web-l3 backend be3 address $LAB_BE3_IP" \
	"set services dsr vip web-l3 backend be4 address $LAB_BE4_IP" \
	"set services dsr vip side address 10.0.1.101" 'set services dsr vip side protocol tcp' \
	'set services dsr vip side port 80' "set services dsr vip side backend s0 address $LAB_BE1_IP"
tula_wait_vip "http://$L2/"
tula_wait_vip "http://$L3/"
repinned0=$(tula_event flows-repinned)
tula_json 'show services dsr statistics' >"$W/stats0.json"

# ---- clients (background children of this shell; the lab going down stops them)
bg_pids=()
stop_clients() {
	local p
	touch "$W/stop"
	for p in "${bg_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${bg_pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	bg_pids=()
}
lab_on_down stop_clients
client_bg() { # OUTFILE CMD...: in the client's namespace, in the background
	local out=$1
	shift
	ip netns exec "$(lab_ns client)" "$@" >"$out" 2>"$out.err" </dev/null &
	bg_pids+=($!)
}

rst=
lab_capture rst client eth0 "$W/rst.pcap" "tcp[tcpflags] & tcp-rst != 0"
# Keep-alive: one connection each, 20 requests/s, at most 120 s. stdbuf: each result
# line reaches the file at once (the clients are stopped with a signal at the end).
ka=()
for vip in "$L2" "$L2" "$L3" "$L3"; do
	n=${#ka[@]}
	client_bg "$W/ka$n" stdbuf -oL curl -sS --rate 20/s --max-time 5 \
		-w '%{http_code} %{num_connects}\n' "http://$vip/?[1-2400]"
	ka+=("$W/ka$n")
done
# Rate-limited downloads (about 10 s each), one per VIP.
client_bg "$W/dl2" curl -sS --fail --limit-rate 2M --max-time 90 -o /dev/null \
	-w '%{size_download}\n' "http://$L2/big"
client_bg "$W/dl3" curl -sS --fail --limit-rate 2M --max-time 90 -o /dev/null \
	-w '%{size_download}\n' "http://$L3/big"
# Short requests, a new connection each, until told to stop (bounded: 120 s).
# shellcheck disable=SC2016 # expanded by the inner bash
client_bg "$W/short" bash -c '
	end=$((SECONDS + 120))
	while [[ ! -e $1 ]] && ((SECONDS < end)); do
		for vip in "$2" "$3"; do
			curl -sS --connect-timeout 3 --max-time 5 -o /dev/null -w "%{http_code}\n" \
				"http://$vip/" || true
		done
		sleep 0.05
	done' short "$W/stop" "$L2" "$L3"

ka_lines() { # the number of answers a keep-alive client has had so far
	grep -c '^[0-9][0-9][0-9] ' "$1" 2>/dev/null || true
}
ka_going() { (($(ka_lines "$1") > 5)); }
for f in "${ka[@]}"; do
	wait_until 10 ka_going "$f" || fail "keep-alive client $f never got going: $(cat "$f.err")"
done
declare -A before
for f in "${ka[@]}"; do
	before[$f]=$(ka_lines "$f")
done
ok "clients running: 4 keep-alive connections, 2 downloads, a loop of short requests"

# ---- 100 commits that add and remove other VIPs and backends
lat=()
for ((k = 1; k <= COMMITS; k++)); do
	case $((k % 4)) in
	1) # a new VIP, L2 or L3
		a=10.0.1.$((120 + k % 60))
		if ((k % 8 == 1)); then
			stmts=("set services dsr vip tmp$k address $a" "set services dsr vip tmp$k protocol tcp"
				"set services dsr vip tmp$k port 80"
				"set services dsr vip tmp$k backend a address $LAB_BE1_IP"
				"set services dsr vip tmp$k backend b address $LAB_BE2_IP")
		else
			stmts=("set services dsr vip tmp$k address $a" "set services dsr vip tmp$k protocol tcp"
				"set services dsr vip tmp$k port 8080" "set services dsr vip tmp$k mode l3"
				"set services dsr vip tmp$k backend a address $LAB_BE3_IP"
				"set services dsr vip tmp$k backend b address $LAB_BE4_IP")
		fi
		;;
	2) stmts=("delete services dsr vip tmp$((k - 1))") ;;
	3) # backends of another VIP: a real one and one nobody answers ARP for
		stmts=("set services dsr vip side backend r$k address $LAB_BE2_IP"
			"set services dsr vip side backend u$k address 10.0.1.$((30 + k % 50))")
		;;
	0) stmts=("delete services dsr vip side backend r$((k - 1))"
		"delete services dsr vip side backend u$((k - 1))") ;;
	esac
	t0=${EPOCHREALTIME/./}
	tula_commit "${stmts[@]}"
	lat+=($((${EPOCHREALTIME/./} - t0)))
done
ok "$COMMITS commits done"
declare -A after
for f in "${ka[@]}"; do
	after[$f]=$(ka_lines "$f")
done
sleep 1 # the last commit's effects reach the clients
lab_capture_stop "$rst" "$W/rst.pcap"
resets=$(tcpdump -nn -r "$W/rst.pcap" 2>/dev/null || true)
touch "$W/stop"

# ---- what the clients saw
wait_until 60 test -s "$W/dl2" -a -s "$W/dl3" || true # the downloads' last bytes
stop_clients
read -r total_ms min_ms med_ms max_ms < <(printf '%s\n' "${lat[@]}" | sort -n | awk '
	{ v[NR] = $1; s += $1 } END { printf "%.0f %.1f %.1f %.1f\n", s / 1000, v[1] / 1000, v[int((NR + 1) / 2)] / 1000, v[NR] / 1000 }')
echo "figures: $COMMITS commits in $total_ms ms (per commit: min $min_ms ms, median $med_ms ms, max $max_ms ms)"

for f in "${ka[@]}"; do
	codes=$(grep '^[0-9][0-9][0-9] ' "$f" || true)
	n=$(grep -c . <<<"$codes")
	bad=$(grep -vc '^200 ' <<<"$codes" || true)
	connects=$(awk '{ s += $2 } END { print s + 0 }' <<<"$codes")
	echo "figures: keep-alive $(basename "$f"): $n answers (${before[$f]} before the first commit," \
		"${after[$f]} after the last), $bad failed, $connects TCP connect(s)"
	check_eq "keep-alive client $(basename "$f"): no failed request" "$bad" 0
	check_eq "keep-alive client $(basename "$f"): one TCP connection for all $n requests" "$connects" 1
	((before[$f] > 0 && after[$f] > before[$f])) ||
		fail "keep-alive client $f did not run across the commits (${before[$f]} -> ${after[$f]})"
done
short_n=$(grep -c . "$W/short" || true)
short_bad=$(grep -vc '^200$' "$W/short" || true)
echo "figures: short requests: $short_n, failed: $short_bad"
((short_n > 10)) || fail "too few short requests ran ($short_n): $(head -c 300 "$W/short.err")"
check_eq "short requests: none failed ($(head -c 300 "$W/short.err"))" "$short_bad" 0
for f in "$W/dl2" "$W/dl3"; do
	check_eq "download $(basename "$f") finished whole across the commits ($(cat "$f.err"))" \
		"$(cat "$f")" "$LAB_BIG_SIZE"
done
check_eq "no TCP reset on the client's wire during the run" "$(grep -c . <<<"$resets" || true)" 0
check_eq "Tula re-pinned no flow" "$(($(tula_event flows-repinned) - repinned0))" 0
# Drops during the run, by reason; only frames that were never the clients' may be
# dropped (other hosts' frames, ARP not for Tula, probes aimed at a VIP just removed).
drops=$(tula_json 'show services dsr statistics' | jpy '
", ".join("%s +%d" % (k, v - d0.get(k, 0)) for d0 in [json.load(open(sys.argv[2]))["drops"]]
          for k, v in sorted(j["drops"].items()) if v != d0.get(k, 0))' "$W/stats0.json")
echo "drops during the run: ${drops:-none}"
check_eq "Tula dropped none of the clients' frames (by reason: ${drops:-none})" \
	"$(sed -E 's/(^|, )(not-our-mac|arp-not-for-us|ip-not-for-us|unsupported-ethertype|inject-stale-target) \+[0-9]+//g' <<<"$drops")" ""
check_eq "the other VIPs are gone again" \
	"$(tula_stat 'show services dsr' '" ".join(sorted(v["name"] for v in j))')" "side web-l2 web-l3"

tula_check_alive
