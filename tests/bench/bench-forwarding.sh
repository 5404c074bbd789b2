#!/usr/bin/env bash
# bench-forwarding: packets per second Tula forwards on an af_packet veth port, next to
# dpdk-testpmd in io mode on the same port, the same cores, in the same run.
#
#   tests/bench/bench-forwarding.sh BUILD_DIR [--quick] [--rounds N] [--seconds S]
#                                   [--case SIZE:FLOWS:WORKERS:VIPS:BACKENDS]...
#                                   [--no-scaling] [--profile]
#
# --profile: after the cases, one more 64-byte run of testpmd and of Tula L2 and L3
# with `perf record -e cpu-clock` on the worker thread, and where its cycles go.
#
# Topology (created here, removed on exit): namespace <P>-gen holds veth g0, namespace
# <P>-lb holds its peer lb0, the forwarder's port (net_af_packet0,iface=lb0). The
# generator (bench_gen, af_packet on g0, CPU 0) sends UDP frames over FLOWS flows to
# the VIPs at lb0's MAC; the forwarder sends them back out of lb0: testpmd unchanged
# (io), Tula rewritten to a backend (L2: MAC; L3: IP-in-IP). The backends are made-up
# addresses answered by bench_arpd with MACs nobody owns, so every returning frame,
# testpmd's or Tula's, is dropped by g0's kernel at the same early point.
#
# Figures: offered = frames lb0 received (kernel counter), forwarded = frames lb0 sent
# (kernel counter), both over a window after a warm-up, per second. The forwarder's
# lcores: main on CPU 0 (idle), worker(s) on CPU 1; "2 workers" are two lcores both
# pinned to CPU 1 (--lcores 0@0,1@1,2@1) with two queue pairs (af_packet fanout): the
# machine has 2 CPUs and the generator needs the other, so this shows what a second
# queue and worker cost on the same CPU budget, not scaling.
#
# Each case runs ROUNDS rounds of testpmd, Tula L2, Tula L3 in turn (rotating which goes
# first); medians reported, ratios are medians of the per-round ratios.
#
# Caveat (see BENCHMARKS.md): af_packet copies a received frame into the forwarder's
# ring on the CPU that sent it, i.e. the generator's; so the forwarder's receive cost
# is paid by the generator's CPU, and on a shared 2-CPU machine the generator and the
# forwarder take turns at being the bottleneck.
set -euo pipefail
# shellcheck source=tests/bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

bench_require_root
bench_build_dir "${1:-}"
(($#)) && shift
ROUNDS=3
WINDOW=3
WARM=1
QUICK=0
SCALING=1
PROFILE=0
CASES=()
while (($#)); do
	case $1 in
	--quick) QUICK=1 ROUNDS=1 WINDOW=2 ;;
	--rounds) ROUNDS=$2 && shift ;;
	--seconds) WINDOW=$2 && shift ;;
	--case) CASES+=("$2") && shift ;;
	--no-scaling) SCALING=0 ;;
	--profile) PROFILE=1 ;;
	*) bench_die "unknown option '$1'" ;;
	esac
	shift
done

GEN=$BUILD/tests/bench/bench_gen
ARPD=$BUILD/tests/bench/bench_arpd
[[ -x $GEN && -x $ARPD ]] || bench_die "bench_gen/bench_arpd missing: ninja -C $BUILD"
command -v dpdk-testpmd >/dev/null || bench_die "dpdk-testpmd missing (Debian package dpdk)"

P=bf$((RANDOM % 1000))
NS_GEN=$P-gen
NS_LB=$P-lb
LB_MAC=02:00:0a:00:01:0a
BE_FIRST=10.0.1.11 # backends 10.0.1.11.., answered by bench_arpd
VIP_FIRST=10.1.0.1 # VIPs 10.1.0.1..
BENCH_TMP=$(mktemp -d /tmp/bench-fwd.XXXXXX)
bench_traps

setup() {
	local n
	ip netns add "$NS_GEN"
	BENCH_NS+=("$NS_GEN")
	ip netns add "$NS_LB"
	BENCH_NS+=("$NS_LB")
	ip link add g0 netns "$NS_GEN" address 02:00:00:00:00:02 type veth \
		peer name lb0 netns "$NS_LB" address "$LB_MAC"
	for n in "$NS_GEN" "$NS_LB"; do
		ip netns exec "$n" sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
			echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
			echo 0 >/proc/sys/net/ipv4/ip_forward; ip link set lo up'
	done
	ip -n "$NS_GEN" link set g0 up
	ip -n "$NS_LB" link set lb0 up
	ip netns exec "$NS_GEN" ethtool -K g0 tx off tso off gso off gro off >/dev/null
	ip netns exec "$NS_LB" ethtool -K lb0 tx off tso off gso off gro off >/dev/null
	ip netns exec "$NS_GEN" "$ARPD" g0 "$BE_FIRST" 200 >"$BENCH_TMP/arpd.log" 2>&1 &
	BENCH_PIDS+=($!)
}

# lcores WORKERS: the EAL lcore option for the forwarder.
lcores() {
	if (($1 == 1)); then
		echo "-l 0-1"
	else
		echo "--lcores 0@0,1@1,2@1"
	fi
}

ip4() { # ip4 BASE OFFSET -> dotted quad
	local IFS=. a b c d n
	read -r a b c d <<<"$1"
	n=$(((a << 24) + (b << 16) + (c << 8) + d + $2))
	echo "$((n >> 24 & 255)).$((n >> 16 & 255)).$((n >> 8 & 255)).$((n & 255))"
}

tula_conf() { # MODE WORKERS VIPS BACKENDS
	local mode=$1 w=$2 v=$3 nb=$4 i j tsrc=""
	[[ $mode == l3 ]] && tsrc="tunnel-source 10.0.1.10;"
	echo "system { host-name bench; }"
	echo "interfaces { port0 { device \"net_af_packet0,iface=lb0,qpairs=$w\"; address 10.0.1.10/24; } }"
	echo "services { dsr {"
	for ((i = 0; i < v; i++)); do
		echo "vip v$i { address $(ip4 $VIP_FIRST "$i"); protocol udp; port 80; mode $mode; $tsrc"
		for ((j = 0; j < nb; j++)); do
			echo "  backend b$j { address $(ip4 $BE_FIRST "$j"); }"
		done
		echo "}"
	done
	echo "} }"
}

FWD_PID=
start_forwarder() { # MODE WORKERS VIPS BACKENDS
	local mode=$1 w=$2 v=$3 nb=$4 d=$BENCH_TMP/run
	rm -rf "$d"
	mkdir -p "$d"
	# shellcheck disable=SC2046 # lcores expands to several words on purpose
	if [[ $mode == testpmd* ]]; then
		local -a fm=(--forward-mode=io)
		# shellcheck disable=SC2054 # the commas belong to the option
		[[ $mode == testpmd-mac ]] && fm=(--forward-mode=mac --eth-peer=0,02:be:0a:00:01:0b)
		ip netns exec "$NS_LB" dpdk-testpmd $(lcores "$w") --no-huge -m 512 --no-shconf \
			--no-pci --file-prefix "${P}fwd" --vdev "net_af_packet0,iface=lb0,qpairs=$w" \
			--log-level='*:error' -- "${fm[@]}" --port-topology=loop \
			--nb-cores="$w" --rxq="$w" --txq="$w" --burst=32 --total-num-mbufs=16384 \
			--stats-period 1 </dev/null >"$d/fwd.log" 2>&1 &
		FWD_PID=$!
		wait_for 120 grep -q 'Port statistics' "$d/fwd.log" ||
			bench_die "testpmd did not start: $(tail -5 "$d/fwd.log")"
	else
		tula_conf "$mode" "$w" "$v" "$nb" >"$d/tula.conf"
		ip netns exec "$NS_LB" "$TULA" --no-console --db "$d/config.db" --socket "$d/cli.sock" \
			--config "$d/tula.conf" -- $(lcores "$w") --no-huge -m 512 --no-shconf --no-pci \
			--file-prefix "${P}fwd" </dev/null >"$d/fwd.log" 2>&1 &
		FWD_PID=$!
		wait_for 120 "$TULA" cli --socket "$d/cli.sock" -c 'show version' ||
			bench_die "tula did not start: $(tail -5 "$d/fwd.log")"
		# Every backend's MAC known (bench_arpd answered), so no frame waits.
		wait_for 20 arp_done "$d/cli.sock" "$nb" ||
			bench_die "tula: backends unresolved: $("$TULA" cli --socket "$d/cli.sock" -c 'show arp')"
	fi
}

arp_done() { # SOCKET BACKENDS
	local n
	n=$("$TULA" cli --socket "$1" -c 'show arp' | grep -c reachable) || return 1
	((n >= $2))
}

stop_forwarder() {
	stop_pid "$FWD_PID"
	FWD_PID=
}

# worker_ticks PID: CPU time (clock ticks, user + system) of the process's worker lcores
# (threads named rte-worker-N, in testpmd as in Tula).
worker_ticks() {
	local t comm sum=0 st
	for t in /proc/"$1"/task/*; do
		read -r comm <"$t/comm" 2>/dev/null || continue
		[[ $comm == rte-worker-* ]] || continue
		read -r st <"$t/stat"
		st=${st##*) }
		# fields after the comm: state is 1, utime 12, stime 13
		# shellcheck disable=SC2086 # split into fields on purpose
		set -- $st
		sum=$((sum + ${12} + ${13}))
	done
	echo "$sum"
}

worker_tid() {
	local t comm
	for t in /proc/"$1"/task/*; do
		read -r comm <"$t/comm" 2>/dev/null || continue
		[[ $comm == rte-worker-1 ]] && { echo "${t##*/}"; return 0; }
	done
	return 1
}

# run_one MODE SIZE FLOWS WORKERS VIPS BACKENDS: prints "offered forwarded per_cpu" (Mpps;
# per_cpu = frames forwarded per second of CPU time the worker lcores got).
run_one() {
	local mode=$1 size=$2 flows=$3 w=$4 v=$5 nb=$6 gen r1 t1 r2 t2 s1 s2 c1 c2
	start_forwarder "$mode" "$w" "$v" "$nb"
	ip netns exec "$NS_GEN" "$GEN" -l 0 --no-huge -m 256 --no-shconf --no-pci \
		--file-prefix "${P}gen" --vdev net_af_packet0,iface=g0 --log-level='*:error' -- \
		--dst-mac "$LB_MAC" --dst "$VIP_FIRST" --vips "$v" --flows "$flows" --size "$size" \
		--seconds $((WARM + WINDOW + 1)) >"$BENCH_TMP/gen.log" 2>&1 &
	gen=$!
	sleep "$WARM"
	s1=$(now_s)
	c1=$(worker_ticks "$FWD_PID")
	r1=$(if_counter "$NS_LB" lb0 rx_packets)
	t1=$(if_counter "$NS_LB" lb0 tx_packets)
	if [[ -n ${PROFILE_OUT:-} ]]; then
		perf record -q -e cpu-clock -F 1999 -g -t "$(worker_tid "$FWD_PID")" -o "$PROFILE_OUT" \
			-- sleep "$WINDOW" >/dev/null 2>&1 || echo "perf record failed" >&2
	else
		sleep "$WINDOW"
	fi
	r2=$(if_counter "$NS_LB" lb0 rx_packets)
	t2=$(if_counter "$NS_LB" lb0 tx_packets)
	c2=$(worker_ticks "$FWD_PID")
	s2=$(now_s)
	wait "$gen" || bench_die "generator failed: $(cat "$BENCH_TMP/gen.log")"
	if [[ $mode != testpmd* ]]; then
		"$TULA" cli --socket "$BENCH_TMP/run/cli.sock" -c 'show services dsr statistics' \
			>"$BENCH_TMP/stats-$mode.txt" 2>&1 || true
	fi
	stop_forwarder
	awk -v r="$((r2 - r1))" -v t="$((t2 - t1))" -v s1="$s1" -v s2="$s2" -v c="$((c2 - c1))" \
		-v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.4f %.4f %.4f\n", r / (s2 - s1) / 1e6,
			t / (s2 - s1) / 1e6, (c > 0 ? t / (c / hz) / 1e6 : 0) }'
}

# mode_size MODE SIZE: the frame size a mode is measured with. The af_packet PMD caps the
# MTU at 1500 (max frame 1518), so a 1500-byte frame plus Tula's 20-byte outer header
# would leave in two fragments: L3 is measured with the largest frame whose
# encapsulation fits, 1494 bytes (1480-byte IP datagram + 20 = 1500).
mode_size() {
	if [[ $1 == l3 ]] && (($2 > 1494)); then
		echo 1494
	else
		echo "$2"
	fi
}

# paired_ratio "A1 A2 .." "B1 B2 ..": the median of Ak / Bk. Rounds are paired because
# the machine's load drifts slowly: a round's runs share its conditions.
paired_ratio() {
	local -a a b r=()
	local k
	read -r -a a <<<"$1"
	read -r -a b <<<"$2"
	for k in "${!a[@]}"; do
		r+=("$(awk -v x="${a[$k]}" -v y="${b[$k]:-0}" 'BEGIN { if (y > 0) printf "%.4f", x / y; else print "nan" }')")
	done
	printf '%.2f\n' "$(median "${r[@]}")"
}

# fwd_case SIZE FLOWS WORKERS VIPS BACKENDS [MODES]: the alternating rounds and a table.
# Two figures per forwarder: frames forwarded per second of wall time, and per second
# of CPU time its worker lcores actually got (this machine is shared: when another
# process takes CPU 1 the wall-time rate drops, the per-CPU-second rate much less).
# Ratios ("x base") are the median of the per-round ratios to testpmd.
fwd_case() {
	local size=$1 flows=$2 w=$3 v=$4 nb=$5 modes=${6:-testpmd l2 l3} m k j out label tag
	local -A off=() fwd=() cpu=()
	local -a ml
	read -r -a ml <<<"$modes"
	for ((k = 0; k < ROUNDS; k++)); do
		# Each round starts with the next mode, so that no mode always runs first.
		for ((j = 0; j < ${#ml[@]}; j++)); do
			m=${ml[(j + k) % ${#ml[@]}]}
			out=$(run_one "$m" "$(mode_size "$m" "$size")" "$flows" "$w" "$v" "$nb")
			read -r o f c <<<"$out"
			off[$m]+="$o "
			fwd[$m]+="$f "
			cpu[$m]+="$c "
		done
	done
	echo
	echo "Forwarding, $size-byte UDP frames, $flows flows, $w worker(s), $v VIP(s) x $nb backends"
	echo "(median of $ROUNDS alternating round(s), ${WINDOW}s windows; Mpps)"
	printf '  %-24s %8s %10s %8s %12s %9s\n' "forwarder" "offered" "forwarded" "x base" \
		"per CPU-sec" "x base"
	local base basec o f c rf rc
	# shellcheck disable=SC2086
	base=$(median ${fwd[testpmd]:-})
	# shellcheck disable=SC2086
	basec=$(median ${cpu[testpmd]:-})
	for m in $modes; do
		# shellcheck disable=SC2086
		o=$(median ${off[$m]})
		# shellcheck disable=SC2086
		f=$(median ${fwd[$m]})
		# shellcheck disable=SC2086
		c=$(median ${cpu[$m]})
		case $m in
		testpmd) label="testpmd io (baseline)" ;;
		testpmd-mac) label="testpmd mac" ;;
		l2) label="Tula L2 DSR" ;;
		l3) label="Tula L3 DSR" && (($(mode_size l3 "$size") != size)) && label+=" ($(mode_size l3 "$size") B)" ;;
		esac
		rf=$(paired_ratio "${fwd[$m]}" "${fwd[testpmd]:-}")
		rc=$(paired_ratio "${cpu[$m]}" "${cpu[testpmd]:-}")
		printf '  %-24s %8.3f %10.3f %8s %12.3f %9s\n' "$label" "$o" "$f" "$rf" "$c" "$rc"
		if [[ $m == l2 || $m == l3 ]]; then
			tag="fwd ${m^^} ${size}B ${w}w"
			((flows == 1048576 && v == 1 && nb == 4)) || tag+=" ${flows}fl ${v}vip ${nb}be"
			result "$tag (per CPU-s)" "$c" "$basec" "$rc" "Mpps"
			result "$tag (wall)" "$f" "$base" "$rf" "Mpps"
		fi
	done
	for m in $modes; do
		echo "  rounds $m: forwarded ${fwd[$m]}| per CPU-s ${cpu[$m]}"
	done
	for m in l2 l3; do
		[[ -r $BENCH_TMP/stats-$m.txt ]] || continue
		echo "  Tula ${m^^} drops (last round): $(sed -n '/^Drops by reason/,$p' "$BENCH_TMP/stats-$m.txt" |
			tail -n +2 | awk 'NF { printf "%s ", $0 }')"
		rm -f "$BENCH_TMP/stats-$m.txt"
	done
}

setup
bench_machine
echo "forwarder: $(lcores 1) (worker on CPU 1), generator: bench_gen -l 0 (CPU 0), af_packet on veth"
if ((${#CASES[@]})); then
	for c in "${CASES[@]}"; do
		IFS=: read -r s f w v b ms <<<"$c"
		fwd_case "$s" "$f" "$w" "$v" "$b" "${ms:-testpmd l2 l3}"
	done
else
	fwd_case 64 1048576 1 1 4
	fwd_case 1500 1048576 1 1 4
	((QUICK)) || fwd_case 64 1048576 2 1 4
	((QUICK)) || fwd_case 1500 1048576 2 1 4
	if ((SCALING)); then
		echo
		echo "Scaling (64-byte frames, 1 worker): flows, VIPs, backends"
		fwd_case 64 1024 1 1 4
		((QUICK)) || fwd_case 64 65536 1 1 4
		fwd_case 64 1048576 1 100 4
		((QUICK)) || fwd_case 64 1048576 1 250 4
		fwd_case 64 1048576 1 1 64
	fi
fi
if ((PROFILE)); then
	echo
	echo "Profiles: perf record -e cpu-clock on the worker thread, 64-byte frames, 1 M flows"
	for m in testpmd l2 l3; do
		PROFILE_OUT=$BENCH_TMP/perf.$m.data
		out=$(run_one "$m" 64 1048576 1 1 4)
		read -r o f c <<<"$out"
		echo
		echo "== $m: forwarded $f Mpps, $c Mpps per CPU-second; self time by DSO and symbol:"
		perf report -i "$PROFILE_OUT" --no-children --sort dso,sym --percent-limit 1.5 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -25 | sed 's/^/  /'
		echo "-- by DSO:"
		perf report -i "$PROFILE_OUT" --no-children --sort dso 2>/dev/null |
			grep -E '^ +[0-9.]+%' | head -8 | sed 's/^/  /'
	done
	unset PROFILE_OUT
fi
