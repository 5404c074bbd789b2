# shellcheck shell=bash
# Shared helpers for lab tests (scripts run by meson, suite 'lab'). Source it:
#
#   . "$(dirname "$0")/lib.sh"
#   require_root                 # exit 77 (meson: SKIP) when not root
#   lab_up full                  # build the topology; tears it down on EXIT/INT/TERM
#   in_ns client curl -sS http://10.0.1.100/
#   wait_until 5 in_ns client curl -fsS --max-time 1 http://10.0.1.100/healthz
#   check "be1 answers" [ "$(lab_curl client http://10.0.1.11/)" = be1 ]
#
# Everything the addressing plan names comes from lab-env.sh (LAB_VIP_L2, lab_ns, ...).
# Assertion helpers print "ok: ..." or "FAIL: ..." and exit 1 at the first failure, so
# the EXIT trap removes the lab.

LAB_DIR=${LAB_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)}
LAB_SH=$LAB_DIR/lab.sh
# shellcheck source=tests/lab/lab-env.sh
. "$LAB_DIR/lab-env.sh"

# Skips (exit 77) unless root: the lab needs network namespaces and veth.
require_root() {
	if [[ $EUID != 0 ]]; then
		echo "lab tests need root (network namespaces, veth): run as root"
		exit 77
	fi
}

# lab CMD...: lab.sh with this test's prefix (status, backend, ...).
lab() { "$LAB_SH" "$@"; }

_LAB_UP=0
_LAB_ON_DOWN=()
# LAB_EXIT_STATUS: the status the script is exiting with, while lab_down runs from the
# EXIT trap (hooks use it to print diagnostics only when the test failed).
export LAB_EXIT_STATUS=0

# lab_on_down CMD: runs CMD (a function name or a simple command line) when the lab
# goes down, before 'lab.sh down', newest first — e.g. stopping a daemon cleanly while
# its port still exists. A failing hook does not stop the clean-up.
lab_on_down() { _LAB_ON_DOWN+=("$*"); }

# lab_down: removes the lab (idempotent; the trap lab_up installs calls it). It runs
# in its own session, so that a test runner killing the test's process group on a
# timeout does not also kill the clean-up half way.
lab_down() {
	LAB_EXIT_STATUS=$?
	trap '' INT TERM
	local i
	local hook_failed=0
	for ((i = ${#_LAB_ON_DOWN[@]} - 1; i >= 0; i--)); do
		${_LAB_ON_DOWN[i]} || {
			echo "lab_down: '${_LAB_ON_DOWN[i]}' failed" >&2
			hook_failed=1
		}
	done
	_LAB_ON_DOWN=()
	if [[ $_LAB_UP == 1 ]]; then
		_LAB_UP=0
		setsid -w "$LAB_SH" down || echo "lab_down: 'lab.sh down' failed" >&2
	fi
	trap - INT TERM
	# From the EXIT trap, this exit sets the script's status: a clean-up step that failed
	# (a daemon that crashed while stopping) fails a test that otherwise passed.
	if ((hook_failed && LAB_EXIT_STATUS == 0)); then
		exit 1
	fi
}

# lab_up TOPOLOGY [--backends N]: builds the lab and makes sure it goes away however
# the script ends (exit, failure, Ctrl-C, kill).
lab_up() {
	_LAB_UP=1
	trap lab_down EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	"$LAB_SH" up "$@"
}

# in_ns NODE CMD...: runs CMD in the node's namespace.
in_ns() {
	local ns
	ns=$(lab_ns "$1")
	shift
	ip netns exec "$ns" "$@"
}

# lab_curl NODE CURL-ARGS...: curl from NODE, bounded in time, failing on HTTP errors.
lab_curl() {
	local node=$1
	shift
	in_ns "$node" curl -sS --fail --connect-timeout 3 --max-time 20 "$@"
}

# wait_until TIMEOUT_SECONDS CMD...: runs CMD (quietly) until it succeeds; returns 1
# when the timeout passes first. Fractions are fine (wait_until 0.5 ...).
wait_until() {
	local timeout_us deadline
	timeout_us=$(awk -v t="$1" 'BEGIN { printf "%d", t * 1000000 }')
	deadline=$((${EPOCHREALTIME/./} + timeout_us))
	shift
	until "$@" >/dev/null 2>&1; do
		((${EPOCHREALTIME/./} < deadline)) || return 1
		sleep 0.05
	done
}

# lab_tool NAME: path of a helper program built next to the lab (ipip_probe, ...).
lab_tool() {
	local c
	for c in "${LAB_TOOLS_DIR:-}" "${TULA_BUILD_DIR:+$TULA_BUILD_DIR/tests/lab}" \
		"$LAB_DIR/../../build/tests/lab"; do
		[[ -n $c && -x $c/$1 ]] && { echo "$c/$1"; return 0; }
	done
	echo "lab_tool: $1 not found (build it: ninja -C build)" >&2
	return 1
}

# lab_bg NODE LOGFILE CMD...: starts CMD in NODE's namespace in the background, output
# to LOGFILE; prints its pid. 'lab.sh down' kills it with everything else in the lab.
lab_bg() {
	local ns log=$2
	ns=$(lab_ns "$1")
	shift 2
	ip netns exec "$ns" "$@" </dev/null >"$log" 2>&1 &
	echo $!
}

# lab_capture VAR NODE IFACE PCAP FILTER...: starts tcpdump on IFACE in NODE's namespace,
# writing PCAP (not promiscuous: the node's own traffic), and returns once it listens;
# sets VAR to its pid. Stop it with lab_capture_stop (the lab going down also does).
lab_capture() {
	local -n _cap_pid=$1
	ip netns exec "$(lab_ns "$2")" tcpdump -Z root -p -i "$3" -nn -U -w "$4" "${@:5}" 2>"$4.err" &
	_cap_pid=$! # ip netns exec execs tcpdump: this is tcpdump's pid
	lab_on_down "_lab_capture_kill $_cap_pid"
	wait_until 5 grep -q 'listening on' "$4.err" || fail "tcpdump on $2/$3 did not start: $(<"$4.err")"
}

_lab_capture_kill() { kill -TERM "$1" 2>/dev/null || true; }

# lab_capture_stop PID PCAP: waits until tcpdump has written out what it holds (the
# file stops growing: on a busy machine it can lag well behind the wire, and what it
# has not read when it is stopped is lost), stops it, and fails unless the file holds
# every packet the kernel passed to it (none dropped, none left unread).
# The file must stay the same for longer than libpcap's 1 s ring-block timeout: the last
# packets wait in a half-filled block until then (CI lost 2 of 5718 with a 0.6 s wait).
# Immediate mode would avoid the wait but uses one ring slot per packet of snaplen bytes,
# and dropped 116 of 10622 packets of a 60 MB download.
lab_capture_stop() {
	local size last=-1 same=0 i captured filtered dropped
	for ((i = 0; i < 150 && same < 8; i++)); do
		size=$(stat -c %s "$2")
		if [[ $size == "$last" ]]; then
			same=$((same + 1))
		else
			same=0
		fi
		last=$size
		sleep 0.2
	done
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	captured=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$2.err")
	filtered=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter$/\1/p' "$2.err")
	dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "$2.err")
	[[ -n $captured && -n $filtered ]] || fail "tcpdump wrote no statistics for $2: $(<"$2.err")"
	[[ ${dropped:-0} == 0 && $captured == "$filtered" ]] ||
		fail "the capture $2 is incomplete: $captured packets captured, $filtered received by filter, ${dropped:-?} dropped by the kernel"
}

# pcap_count PCAP [FILTER...]: the number of packets in PCAP that match FILTER.
pcap_count() { tcpdump -nn -r "$1" "${@:2}" 2>/dev/null | wc -l; }

# proc_gone PID: the process has exited (a zombie waiting to be reaped counts as gone).
proc_gone() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
	stat=${stat##*) }
	[[ ${stat%% *} == Z ]]
}

# ---------------------------------------------------------------- assertions

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

ok() { echo "ok: $*"; }

# check DESCRIPTION CMD...: CMD must succeed.
check() {
	local what=$1
	shift
	if "$@"; then
		ok "$what"
	else
		fail "$what (command: $*)"
	fi
}

# check_eq DESCRIPTION ACTUAL EXPECTED
check_eq() {
	if [[ $2 == "$3" ]]; then
		ok "$1"
	else
		fail "$1: got '$2', expected '$3'"
	fi
}

# check_match DESCRIPTION TEXT REGEX (bash =~)
check_match() {
	if [[ $2 =~ $3 ]]; then
		ok "$1"
	else
		fail "$1: '$2' does not match /$3/"
	fi
}

# ---------------------------------------------------------------- IPv6 (dual stack)
#
# The lab is built IPv4-only (lab.sh turns IPv6 off everywhere). lab6_up adds IPv6 on
# top of a running l2, l3 or full lab, so dual-stack tests use the same namespaces,
# cables and MACs (lab_mac of the node's IPv4 address):
#
#   segment A  fd00:1::/64: client ::2, router ::1, be1 ::11, be2 ::12;
#              Tula's self address fd00:1::10 (lb0 keeps IPv6 off: Tula answers NDP)
#   segment B  fd00:2::/64: router ::1 (IPv6 forwarding on), be3 ::13, be4 ::14
#   L2 VIP fd00:1::100 on lo of be1/be2; L3 VIP fd00:1::200 on tun-ip6 of be3/be4, fed
#   by `ipip_decap -6` (the kernel has no ip6_tunnel module)
#
# Every node that gets IPv6 has duplicate address detection, router solicitations and
# router advertisements off, so addresses work at once and no node configures itself
# from the wire. The L2 backends get the v6 DSR backend set-up: the VIP on lo with
# preferred_lft 0 (never chosen as the source of connections the backend opens itself;
# lo does no duplicate address detection, so `nodad` would change nothing) and an
# nftables rule on eth0 dropping Neighbor Solicitations for it (table inet lab6), so
# only Tula answers them. Every backend's nginx also listens on [::]:80 and [::]:8080
# (same pages), and gains `POST /upload-kept`: like /upload, but the body stays in
# <run>/<node>/tmp/body/ (the newest file there), so a test can compare an upload byte
# for byte.

export LAB6_NET_A=fd00:1::/64
export LAB6_NET_B=fd00:2::/64
export LAB6_CLIENT_IP=fd00:1::2
export LAB6_RT_A_IP=fd00:1::1
export LAB6_RT_B_IP=fd00:2::1
export LAB6_LB_SELF_IP=fd00:1::10
export LAB6_BE1_IP=fd00:1::11
export LAB6_BE2_IP=fd00:1::12
export LAB6_BE3_IP=fd00:2::13
export LAB6_BE4_IP=fd00:2::14
export LAB6_VIP_L2=fd00:1::100
export LAB6_VIP_L3=fd00:1::200
export LAB6_TUN_IF=tun-ip6

# lab6_node_ip NODE: a node's IPv6 address on its segment.
lab6_node_ip() {
	case $1 in
	client) echo "$LAB6_CLIENT_IP" ;;
	rt) echo "$LAB6_RT_A_IP" ;;
	be[0-9]*)
		local seg=1 n=${1#be}
		# In l3 / full, be3 and be4 sit on segment B; in `l2 --backends N` on A.
		[[ $(lab_node_segment "$1") == B ]] && seg=2
		echo "fd00:$seg::$((10 + n))"
		;;
	*) return 1 ;;
	esac
}

# lab_node_segment NODE: A or B, from the running lab's record.
lab_node_segment() {
	local n s
	while read -r n s _; do
		[[ $n == "$1" ]] && { echo "$s"; return 0; }
	done <"$LAB_RUN_DIR/nodes"
	return 1
}

# _lab6_hex ADDR: the 128-bit IPv6 address as one hexadecimal number (for nft's raw
# payload match: nft 1.0.6 has no field for the Neighbor Solicitation's target).
_lab6_hex() { /usr/bin/python3 -c 'import ipaddress, sys; print(hex(int(ipaddress.IPv6Address(sys.argv[1]))))' "$1"; }

# _lab6_enable NODE IFACE...: IPv6 on in NODE (lo and the IFACEs), quiet and at once.
_lab6_enable() {
	local node=$1 f cmds=""
	shift
	for f in all default lo "$@"; do
		cmds+="echo 0 >/proc/sys/net/ipv6/conf/$f/accept_dad; "
		cmds+="echo 0 >/proc/sys/net/ipv6/conf/$f/accept_ra; "
		cmds+="echo 0 >/proc/sys/net/ipv6/conf/$f/router_solicitations; "
	done
	for f in all default lo "$@"; do
		cmds+="echo 0 >/proc/sys/net/ipv6/conf/$f/disable_ipv6; "
	done
	in_ns "$node" sh -ec "$cmds"
}

# lab6_up: IPv6 on the running lab (see above). Idempotent per node is not needed: call
# it once, after lab_up.
lab6_up() {
	local node seg kind ip vh
	while read -r node seg ip _ kind; do
		case $kind in
		client)
			_lab6_enable client eth0
			in_ns client ip -batch - <<-EOF
				address add $LAB6_CLIENT_IP/64 dev eth0 nodad
				route add default via $LAB6_RT_A_IP
			EOF
			;;
		router)
			_lab6_enable rt eth0 eth1
			in_ns rt sh -c 'echo 1 >/proc/sys/net/ipv6/conf/all/forwarding'
			in_ns rt ip -batch - <<-EOF
				address add $LAB6_RT_A_IP/64 dev eth0 nodad
				address add $LAB6_RT_B_IP/64 dev eth1 nodad
			EOF
			;;
		l2)
			ip=$(lab6_node_ip "$node")
			_lab6_enable "$node" eth0
			in_ns "$node" ip -batch - <<-EOF
				address add $ip/64 dev eth0 nodad
				route add default via $LAB6_RT_A_IP
				address add $LAB6_VIP_L2/128 dev lo preferred_lft 0
			EOF
			vh=${vh:-$(_lab6_hex "$LAB6_VIP_L2")}
			in_ns "$node" nft -f - <<-EOF
				table inet lab6 {
					chain input {
						type filter hook input priority filter; policy accept;
						iifname "eth0" icmpv6 type nd-neighbor-solicit @th,64,128 $vh counter drop
					}
				}
			EOF
			;;
		l3)
			ip=$(lab6_node_ip "$node")
			_lab6_enable "$node" eth0
			in_ns "$node" ip -batch - <<-EOF
				address add $ip/64 dev eth0 nodad
				route add default via $LAB6_RT_B_IP
				tuntap add dev $LAB6_TUN_IF mode tun
				address add $LAB6_VIP_L3/128 dev $LAB6_TUN_IF nodad
				link set $LAB6_TUN_IF up
			EOF
			lab6_decap "$node" start
			;;
		esac
		[[ $kind == l2 || $kind == l3 ]] && _lab6_nginx "$node"
	done <"$LAB_RUN_DIR/nodes"
}

# _lab6_nginx NODE: the backend's nginx also listens on IPv6 (its configuration, written
# by lab.sh, gains the listen lines; a reload applies them), and is listening when this
# returns.
_lab6_nginx() {
	local d=$LAB_RUN_DIR/$1
	sed -i 's/^\t\tlisten 80 default_server;$/&\n\t\tlisten [::]:80 default_server;/;
		s/^\t\tlisten 8080 default_server;$/&\n\t\tlisten [::]:8080 default_server;/;
		s|^\t\tlocation / { return 404 |\t\tlocation = /upload-kept {\n\t\t\tclient_body_in_file_only on;\n\t\t\tproxy_pass http://127.0.0.1:8081;\n\t\t}\n&|' \
		"$d/nginx.conf"
	if ! grep -q 'listen \[::\]:8080 ' "$d/nginx.conf" || ! grep -q 'location = /upload-kept ' "$d/nginx.conf"; then
		fail "$1's nginx.conf does not have the lines lab6_up extends"
	fi
	in_ns "$1" nginx -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" -s reload ||
		fail "nginx on $1 did not reload: $(tail -n 3 "$d/error.log")"
	wait_until 5 _lab6_listening "$1" || fail "nginx on $1 does not listen on [::]:80 and [::]:8080"
}

_lab6_listening() {
	local s
	s=$(in_ns "$1" ss -Hltn 'sport = :80 or sport = :8080')
	[[ $s == *"[::]:80 "* && $s == *"[::]:8080 "* ]]
}

# lab6_decap NODE start|stop: the IPv6-in-IPv6 decapsulator of an l3 backend (log
# $LAB_RUN_DIR/NODE/decap6.log, pid file decap6.pid, which exists once it is ready).
# Started with -d (its own session); 'lab.sh down' kills it with the lab.
lab6_decap() {
	local node=$1 d=$LAB_RUN_DIR/$1 decap pid
	if [[ $2 == stop ]]; then
		[[ -r $d/decap6.pid ]] || return 0
		pid=$(<"$d/decap6.pid")
		kill -TERM "$pid" 2>/dev/null || true
		wait_until 3 proc_gone "$pid" || { kill -KILL "$pid" 2>/dev/null || true; }
		wait_until 2 test ! -e "$d/decap6.pid" || rm -f "$d/decap6.pid"
		return 0
	fi
	decap=$(lab_tool ipip_decap) || fail "ipip_decap is not built"
	ip netns exec "$(lab_ns "$node")" "$decap" -6 -d -i "$LAB6_TUN_IF" -p "$d/decap6.pid" \
		</dev/null >>"$d/decap6.log" 2>&1 &
	wait_until 5 test -s "$d/decap6.pid" ||
		fail "ipip_decap -6 on $node did not start: $(tail -n 3 "$d/decap6.log")"
}
