#!/usr/bin/env bash
# bench-af-xdp: the rate Tula forwards at through each of the two kernel-interface PMDs
# it can open on a veth, af_packet and AF_XDP, next to dpdk-testpmd on the same PMD, in
# one run: every round runs every (PMD, forwarder) pair once, each round starting one
# pair further on, so that no pair always runs first.
#
#   tests/bench/bench-af-xdp.sh BUILD_DIR [--quick] [--rounds N] [--seconds S]
#                               [--sizes "64 1500"] [--modes "io mac l2 l3"]
#
# Forwarders, each on net_af_packet0,iface=lb0 and on net_af_xdp0,iface=lb0:
#   io    testpmd io: frames back out unchanged; what the PMD itself carries (baseline)
#   mac   testpmd mac: both MACs rewritten (to a MAC nobody owns), the baseline that
#         touches the frame as L2 DSR does
#   l2    Tula, L2 DSR: 1 VIP, 4 backends, the generator's 1 Mi flows
#   l3    Tula, L3 DSR (IP-in-IP), same
#
# Topology (created here, removed on exit), as bench-forwarding.sh's: namespace <P>-gen
# holds veth g0, where bench_gen (af_packet, CPU 0) sends UDP frames to the VIP at lb0's
# MAC; namespace <P>-lb holds lb0, the forwarder's port (worker on CPU 1). What the
# forwarder sends comes back to g0 addressed to a MAC nobody owns (bench_arpd answers
# for the backends), and g0's kernel drops it at once.
#
# Figures per run, over a window after a warm-up: offered = frames lb0 received, forwarded
# = frames lb0 sent (kernel counters, per second), per CPU-s = frames forwarded per second
# of CPU time the forwarder's worker threads got (the machine is shared). The tables give
# medians; ratios are medians of the per-round ratios (a round's runs share its load).
#
# Where the work is done: on a veth, AF_XDP runs in copy mode (no zero-copy driver).
# Reception (the XDP program, the copy into the socket's buffer) runs in the veth's NAPI
# poll: in the softirq of the CPU that sent the frame (the generator's), or on the
# forwarder's worker when the PMD busy-polls an empty ring (SO_PREFER_BUSY_POLL, a
# recvfrom per empty poll), where it counts as the worker's CPU time. Transmission (copy
# out, the veth's xmit) runs in the forwarder's send() on its worker. af_packet copies
# received frames on the sender's CPU only, and transmits in the forwarder's send(). So
# "per CPU-s" charges AF_XDP's forwarder with part of its reception and af_packet's with
# none of it; the wall-time rate is what the pair reaches on two shared CPUs.
#
# DPDK 22.11's AF_XDP PMD registers the mempool as its UMEM assuming objects packed one
# after the other; a default pool without hugepages keeps one 2.3 KB mbuf per 4 KiB page,
# and the kernel refuses the buffers past the UMEM's end (about 42 % of them) as invalid
# descriptors. Tula builds its AF_XDP pool packed (firmware/control/fw_port.c); testpmd's
# pool is the default one, and testpmd stays clear of its upper buffers only as long as
# its per-lcore cache serves every allocation (an object size that would fill a page
# exactly is padded past it, and the kernel refuses chunks larger than a page). So every
# AF_XDP run reads the socket's XDP_STATISTICS (tests/lab/xsk_stats.py) at its end, and
# the table flags a run whose descriptors the kernel refused: its figure is not valid.
set -euo pipefail
# shellcheck source=tests/bench/bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"

bench_require_root
bench_build_dir "${1:-}"
(($#)) && shift
ROUNDS=3
WINDOW=3
WARM=1
SIZES="64 1500"
MODES="io mac l2"
while (($#)); do
	case $1 in
	--quick) ROUNDS=1 WINDOW=2 SIZES=64 ;;
	--rounds) ROUNDS=$2 && shift ;;
	--seconds) WINDOW=$2 && shift ;;
	--sizes) SIZES=$2 && shift ;;
	--modes) MODES=$2 && shift ;;
	*) bench_die "unknown option '$1'" ;;
	esac
	shift
done
PMDS="af_packet af_xdp"
FLOWS=1048576
NB=4

GEN=$BUILD/tests/bench/bench_gen
ARPD=$BUILD/tests/bench/bench_arpd
XSK_STATS=$SRC_ROOT/tests/lab/xsk_stats.py
[[ -x $GEN && -x $ARPD ]] || bench_die "bench_gen/bench_arpd missing: ninja -C $BUILD"
command -v dpdk-testpmd >/dev/null || bench_die "dpdk-testpmd missing (Debian package dpdk)"
[[ -r $XSK_STATS ]] || bench_die "$XSK_STATS missing"

P=bx$((RANDOM % 1000))
NS_GEN=$P-gen
NS_LB=$P-lb
LB_MAC=02:00:0a:00:01:0a
BE_FIRST=10.0.1.11 # backends 10.0.1.11.., answered by bench_arpd
VIP=10.1.0.1
BENCH_TMP=$(mktemp -d /tmp/bench-xdp.XXXXXX)
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
	ip netns exec "$NS_GEN" "$ARPD" g0 "$BE_FIRST" "$NB" >"$BENCH_TMP/arpd.log" 2>&1 &
	BENCH_PIDS+=($!)
}

device() { # PMD -> devargs
	case $1 in
	af_packet) echo "net_af_packet0,iface=lb0" ;;
	af_xdp) echo "net_af_xdp0,iface=lb0" ;;
	esac
}

tula_conf() { # MODE PMD
	local j tsrc=""
	[[ $1 == l3 ]] && tsrc="tunnel-source 10.0.1.10;"
	echo "system { host-name bench; }"
	echo "interfaces { port0 { device \"$(device "$2")\"; address 10.0.1.10/24; } }"
	echo "services { dsr { vip v0 { address $VIP; protocol udp; port 80; mode $1; $tsrc"
	for ((j = 0; j < NB; j++)); do
		echo "  backend b$j { address 10.0.1.$((11 + j)); }"
	done
	echo "} } }"
}

FWD_PID=
start_forwarder() { # MODE PMD
	local mode=$1 pmd=$2 d=$BENCH_TMP/run
	local -a eal=(-l 0-1 --no-huge -m 512 --no-shconf --no-pci --file-prefix "${P}fwd")
	rm -rf "$d"
	mkdir -p "$d"
	if [[ $mode == io || $mode == mac ]]; then
		local -a fm=(--forward-mode=io)
		# shellcheck disable=SC2054 # the commas belong to the option
		[[ $mode == mac ]] && fm=(--forward-mode=mac --eth-peer=0,02:be:0a:00:01:0b)
		ip netns exec "$NS_LB" dpdk-testpmd "${eal[@]}" --vdev "$(device "$pmd")" \
			--log-level='*:error' -- "${fm[@]}" --port-topology=loop \
			--nb-cores=1 --rxq=1 --txq=1 --burst=32 --total-num-mbufs=16384 \
			--stats-period 1 </dev/null >"$d/fwd.log" 2>&1 &
		FWD_PID=$!
		wait_for 120 grep -q 'Port statistics' "$d/fwd.log" ||
			bench_die "testpmd ($pmd) did not start: $(tail -5 "$d/fwd.log")"
	else
		tula_conf "$mode" "$pmd" >"$d/tula.conf"
		ip netns exec "$NS_LB" "$TULA" --no-console --db "$d/config.db" --socket "$d/cli.sock" \
			--config "$d/tula.conf" -- "${eal[@]}" </dev/null >"$d/fwd.log" 2>&1 &
		FWD_PID=$!
		wait_for 120 "$TULA" cli --socket "$d/cli.sock" -c 'show version' ||
			bench_die "tula ($pmd) did not start: $(tail -5 "$d/fwd.log")"
		wait_for 20 arp_done "$d/cli.sock" ||
			bench_die "tula ($pmd): backends unresolved: $("$TULA" cli --socket "$d/cli.sock" -c 'show arp')"
	fi
}

arp_done() { # SOCKET
	local n
	n=$("$TULA" cli --socket "$1" -c 'show arp' | grep -c reachable) || return 1
	((n >= NB))
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
		# shellcheck disable=SC2086 # split into fields on purpose
		set -- $st
		sum=$((sum + ${12} + ${13}))
	done
	echo "$sum"
}

# run_one MODE PMD SIZE: prints "offered forwarded per_cpu invalid" (Mpps; invalid =
# descriptors the kernel refused on the AF_XDP socket, "-" for af_packet).
run_one() {
	local mode=$1 pmd=$2 size=$3 gen r1 t1 r2 t2 s1 s2 c1 c2 inval=- st
	start_forwarder "$mode" "$pmd"
	ip netns exec "$NS_GEN" "$GEN" -l 0 --no-huge -m 256 --no-shconf --no-pci \
		--file-prefix "${P}gen" --vdev net_af_packet0,iface=g0 --log-level='*:error' -- \
		--dst-mac "$LB_MAC" --dst "$VIP" --vips 1 --flows "$FLOWS" --size "$size" \
		--seconds $((WARM + WINDOW + 1)) >"$BENCH_TMP/gen.log" 2>&1 &
	gen=$!
	sleep "$WARM"
	s1=$(now_s)
	c1=$(worker_ticks "$FWD_PID")
	r1=$(if_counter "$NS_LB" lb0 rx_packets)
	t1=$(if_counter "$NS_LB" lb0 tx_packets)
	sleep "$WINDOW"
	r2=$(if_counter "$NS_LB" lb0 rx_packets)
	t2=$(if_counter "$NS_LB" lb0 tx_packets)
	c2=$(worker_ticks "$FWD_PID")
	s2=$(now_s)
	wait "$gen" || bench_die "generator failed: $(cat "$BENCH_TMP/gen.log")"
	if [[ $pmd == af_xdp ]]; then
		st=$(/usr/bin/python3 "$XSK_STATS" "$FWD_PID") || bench_die "$mode on af_xdp: $st"
		echo "$mode $pmd ${size}B: $st" >>"$BENCH_TMP/xsk.log"
		inval=$(sed -E 's/.*rx_invalid_descs=([0-9]+) tx_invalid_descs=([0-9]+).*/\1 \2/' <<<"$st" |
			awk '{ print $1 + $2 }')
	fi
	stop_forwarder
	awk -v r="$((r2 - r1))" -v t="$((t2 - t1))" -v s1="$s1" -v s2="$s2" -v c="$((c2 - c1))" \
		-v hz="$(getconf CLK_TCK)" -v inv="$inval" 'BEGIN { printf "%.4f %.4f %.4f %s\n",
			r / (s2 - s1) / 1e6, t / (s2 - s1) / 1e6, (c > 0 ? t / (c / hz) / 1e6 : 0), inv }'
}

stop_forwarder() {
	stop_pid "$FWD_PID"
	FWD_PID=
}

# ratios "A1 A2 .." "B1 B2 ..": the median of Ak / Bk.
ratios() {
	local -a a b r=()
	local k
	read -r -a a <<<"$1"
	read -r -a b <<<"$2"
	for k in "${!a[@]}"; do
		r+=("$(awk -v x="${a[$k]}" -v y="${b[$k]:-0}" 'BEGIN { if (y > 0) printf "%.4f", x / y; else print "nan" }')")
	done
	printf '%.2f\n' "$(median "${r[@]}")"
}

label() {
	case $1 in
	io) echo "testpmd io" ;;
	mac) echo "testpmd mac" ;;
	l2) echo "Tula L2 DSR" ;;
	l3) echo "Tula L3 DSR" ;;
	esac
}

# xdp_case SIZE: the rounds over every (PMD, forwarder) pair, then the table.
xdp_case() {
	local size=$1 k j n m p key out o f c i
	local -A off=() fwd=() cpu=() inv=()
	local -a pairs=()
	for p in $PMDS; do
		for m in $MODES; do
			pairs+=("$m:$p")
		done
	done
	n=${#pairs[@]}
	for ((k = 0; k < ROUNDS; k++)); do
		for ((j = 0; j < n; j++)); do
			key=${pairs[(j + k) % n]}
			# L3 adds 20 bytes: the largest frame whose encapsulation fits a 1500 MTU
			local sz=$size
			[[ ${key%%:*} == l3 ]] && ((sz > 1494)) && sz=1494
			out=$(run_one "${key%%:*}" "${key#*:}" "$sz")
			read -r o f c i <<<"$out"
			off[$key]+="$o "
			fwd[$key]+="$f "
			cpu[$key]+="$c "
			inv[$key]+="$i "
			echo "  round $((k + 1)) $key: offered $o forwarded $f per-CPU-s $c" >&2
		done
	done
	echo
	echo "AF_XDP vs af_packet, $size-byte UDP frames, $FLOWS flows, 1 worker, 1 VIP x $NB backends"
	echo "(median of $ROUNDS rotating round(s), ${WINDOW}s windows; Mpps; x io = ratio to testpmd io on"
	echo " the same PMD; xdp/pkt = AF_XDP over af_packet for the same forwarder)"
	printf '  %-10s %-14s %8s %10s %7s %12s %7s %8s %8s\n' "PMD" "forwarder" "offered" \
		"forwarded" "x io" "per CPU-s" "x io" "xdp/pkt" "(CPU-s)"
	local rf rc xf xc bad
	for p in $PMDS; do
		for m in $MODES; do
			key=$m:$p
			# shellcheck disable=SC2086
			o=$(median ${off[$key]})
			# shellcheck disable=SC2086
			f=$(median ${fwd[$key]})
			# shellcheck disable=SC2086
			c=$(median ${cpu[$key]})
			rf=$(ratios "${fwd[$key]}" "${fwd[io:$p]}")
			rc=$(ratios "${cpu[$key]}" "${cpu[io:$p]}")
			xf=- xc=-
			if [[ $p == af_xdp ]]; then
				xf=$(ratios "${fwd[$key]}" "${fwd[$m:af_packet]}")
				xc=$(ratios "${cpu[$key]}" "${cpu[$m:af_packet]}")
			fi
			bad=""
			[[ $p == af_xdp && ${inv[$key]} =~ [1-9] ]] &&
				bad="  INVALID DESCRIPTORS (${inv[$key]% }): not a valid figure"
			printf '  %-10s %-14s %8.3f %10.3f %7s %12.3f %7s %8s %8s%s\n' "$p" "$(label "$m")" \
				"$o" "$f" "$rf" "$c" "$rc" "$xf" "$xc" "$bad"
			# Summary rows for AF_XDP only: bench-forwarding.sh gives af_packet's, and
			# one case must not show two figures.
			if [[ $p == af_xdp && ($m == l2 || $m == l3) ]]; then
				# shellcheck disable=SC2086
				result "fwd ${m^^} ${size}B on af_xdp (per CPU-s)" "$c" "$(median ${cpu[io:$p]})" "$rc" "Mpps"
			fi
			if [[ $p == af_xdp ]]; then
				# shellcheck disable=SC2086
				result "af_xdp/af_packet $(label "$m") ${size}B (per CPU-s)" "$c" \
					"$(median ${cpu[$m:af_packet]})" "$xc" "Mpps"
			fi
		done
	done
	for key in "${!fwd[@]}"; do
		echo "  rounds $key: forwarded ${fwd[$key]}| per CPU-s ${cpu[$key]}| invalid ${inv[$key]}"
	done | sort
}

setup
bench_machine
echo "forwarder: -l 0-1 (worker on CPU 1), generator: bench_gen -l 0 (CPU 0) on af_packet; veth g0 <-> lb0"
echo "pairs: $(for p in $PMDS; do for m in $MODES; do printf '%s:%s ' "$m" "$p"; done; done)"
for s in $SIZES; do
	xdp_case "$s"
done
echo
echo "AF_XDP socket statistics at the end of each run:"
sed 's/^/  /' "$BENCH_TMP/xsk.log"
