#!/usr/bin/env bash
# The network-namespace lab: builds the topologies the integration tests and the demo
# run Tula on, and always takes them down again.
#
#   lab.sh up l2|l3|full [--backends N]   build a topology (cleans any previous one first)
#   lab.sh down                           remove every namespace of this prefix, the
#                                         processes in them and the run directory
#   lab.sh status                         what is up
#   lab.sh exec NODE CMD...               run CMD in NODE's namespace
#   lab.sh backend NODE http stop|start           the backend's nginx
#   lab.sh backend NODE decap stop|start          its IP-in-IP decapsulator (l3 backends)
#   lab.sh backend NODE vip del|add               its VIP address (lo, or tun-ipip)
#   lab.sh backend NODE arp-ignore 0|1            answer ARP for the VIP (0) or not (1)
#   lab.sh backend NODE healthz ok|fail           /healthz answers 200 or 503
#
# NODE is sw, client, lb, rt, be1, be2, ... Topologies:
#   l2    sw client lb be1..beN (N = --backends, default 2, on segment A)
#   l3    sw client lb rt be3 be4 (be3/be4 on segment B behind the router)
#   full  sw client lb rt be1 be2 be3 be4 (the demo's)
#   bgp   sw client rt lb1 lb2 lb3 be1 be2: three Tula namespaces (lb0 in each, self
#         addresses 10.0.1.21..23) behind the router, the client on segment B
# Addresses and names: lab-env.sh. LAB_PREFIX (default tula) names the namespaces
# (<P>-client, ...) so a test run and the demo do not collide. Needs root.
#
# Every veth is created directly inside its namespaces (never in the root namespace),
# so deleting the namespaces after killing their processes removes everything.
set -euo pipefail

# No external commands where a builtin does: on this VM every process costs ~10 ms,
# and the lifecycle test builds and destroys the lab many times.
SELF=${BASH_SOURCE[0]}
[[ $SELF == */* ]] || SELF=./$SELF
if [[ $SELF == /* ]]; then
	LAB_DIR=${SELF%/*}
else
	LAB_DIR=$(cd "${SELF%/*}" && pwd -P)
fi
SELF=$LAB_DIR/lab.sh
# shellcheck source=tests/lab/lab-env.sh
. "$LAB_DIR/lab-env.sh"

RUN=$LAB_RUN_DIR
NODE_RE="^$LAB_PREFIX-(sw|client|lb[0-9]*|rt|be[0-9]+)\$"
MAX_BACKENDS=16

die() {
	echo "lab: $*" >&2
	exit 1
}

# Milliseconds on the wall clock, without a subshell: ms VAR.
ms() { printf -v "$1" '%s' $((${EPOCHREALTIME/./} / 1000)); }

# nap SECONDS: sleep without spawning sleep(1) (a read that times out on a pipe that
# never delivers anything).
NAP_FD=
nap() {
	[[ -n $NAP_FD ]] || exec {NAP_FD}<> <(:)
	read -rt "$1" -u "$NAP_FD" _ || true
}

# wait_for TIMEOUT_MS CMD...: poll CMD every 10 ms until it succeeds; 1 on timeout.
wait_for() {
	local now deadline
	ms deadline
	((deadline += $1))
	shift
	until "$@"; do
		ms now
		((now < deadline)) || return 1
		nap 0.01
	done
}

# Alive and not a zombie (a zombie has already released its namespace).
proc_alive() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	[[ ${stat%% *} != Z ]]
}

none_alive() {
	local p
	for p; do
		proc_alive "$p" && return 1
	done
	return 0
}

# Sets TOOL to the path of a helper program (ipip_decap) built by meson.
find_tool() {
	local c
	for c in "${LAB_TOOLS_DIR:-}" "${TULA_BUILD_DIR:+$TULA_BUILD_DIR/tests/lab}" \
		"$LAB_DIR/../../build/tests/lab"; do
		[[ -n $c && -x $c/$1 ]] && { TOOL=$c/$1; return 0; }
	done
	die "$1 not found: build it (ninja -C build), or set LAB_TOOLS_DIR to the directory holding it"
}

lab_namespaces() {
	ip netns list 2>/dev/null | awk '{print $1}' | grep -E "$NODE_RE" || true
}

ns_exists() { [[ -e /run/netns/$(lab_ns "$1") ]]; }

# Reads the running lab's record of a node into N_NODE N_SEG N_IP N_GW N_KIND
# (kind: switch, client, lb, router, l2, l3).
node_record() {
	local names=""
	[[ -r $RUN/nodes ]] || die "no lab is up (prefix $LAB_PREFIX)"
	# shellcheck disable=SC2034 # N_SEG: part of the record, for callers
	while read -r N_NODE N_SEG N_IP N_GW N_KIND; do
		[[ $N_NODE == "$1" ]] && return 0
		names+="$N_NODE "
	done <"$RUN/nodes"
	die "no node '$1' in this lab (nodes: $names)"
}

# ---------------------------------------------------------------------------- down

# Sets NS_PIDS to the pids of every process in the given namespaces (like
# `ip netns pids`, but one scan of /proc for all of them). Fails if /proc cannot be
# scanned: a silent empty answer would leave processes behind.
NS_PIDS=()
ns_pids() {
	local -A inode=()
	local ns i path link pid scan
	local -a paths=()
	NS_PIDS=()
	for ns; do
		[[ -e /run/netns/$ns ]] && paths+=("/run/netns/$ns")
	done
	((${#paths[@]})) || return 0
	for i in $(stat -L -c %i "${paths[@]}"); do
		inode[$i]=1
	done
	((${#inode[@]} == ${#paths[@]})) || return 1
	scan=$(find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' -printf '%p %l\n' \
		2>/dev/null) || true
	[[ -n $scan ]] || return 1
	while read -r path link; do
		link=${link#net:[}
		link=${link%]}
		[[ -n $link && -n ${inode[$link]:-} ]] || continue
		pid=${path#/proc/}
		pid=${pid%%/*}
		[[ $pid != "$$" && $pid != "$BASHPID" ]] && NS_PIDS+=("$pid")
	done <<<"$scan"
	return 0
}

# Terminates every process in the given namespaces: TERM, then KILL, bounded in time.
kill_ns_processes() {
	local pass sig
	for pass in 1 2 3; do
		ns_pids "$@" || die "cannot scan /proc for the lab's processes"
		((${#NS_PIDS[@]})) || return 0
		sig=TERM
		((pass > 1)) && sig=KILL
		kill -s "$sig" "${NS_PIDS[@]}" 2>/dev/null || true
		wait_for 3000 none_alive "${NS_PIDS[@]}" || true
	done
	ns_pids "$@" || die "cannot scan /proc for the lab's processes"
	((${#NS_PIDS[@]} == 0)) || die "processes survive in the lab's namespaces: ${NS_PIDS[*]}"
}

cmd_down() {
	local nss
	mapfile -t nss < <(lab_namespaces)
	if ((${#nss[@]})); then
		kill_ns_processes "${nss[@]}"
		# A veth in the root namespace whose peer lives in the lab would outlive it.
		ip -o link show type veth 2>/dev/null |
			awk -v re="link-netns $LAB_PREFIX-(sw|client|lb[0-9]*|rt|be[0-9]+)( |$)" \
				'$0 ~ re { sub(/@.*/, "", $2); print "link del " $2 }' |
			ip -force -batch - 2>/dev/null || true
		printf 'netns del %s\n' "${nss[@]}" | ip -force -batch - 2>/dev/null || true
	fi
	[[ -z $(lab_namespaces) ]] || die "could not delete: $(lab_namespaces | tr '\n' ' ')"
	rm -rf "$RUN"
	# The shared parent of the default run directories goes with the last lab.
	[[ $RUN != /run/tula-lab/* ]] || rmdir /run/tula-lab 2>/dev/null || true
}

# ------------------------------------------------------------------------------ up

# Writes $RUN/nodes for the topology: "node segment address gateway kind".
plan() {
	local topo=$1 n=$2 i
	{
		echo "sw - - - switch"
		if [[ $topo == bgp ]]; then
			# ECMP: the client reaches the VIP through the router, which has one
			# next hop per Tula box (learnt over BGP).
			echo "client B $LAB_BGP_CLIENT_IP $LAB_GW_B client"
			echo "rt A $LAB_RT_A_IP - router"
			for ((i = 1; i <= 3; i++)); do
				echo "lb$i A 10.0.1.$((20 + i)) - lbn"
			done
			echo "be1 A $LAB_BE1_IP $LAB_GW_A l2"
			echo "be2 A $LAB_BE2_IP $LAB_GW_A l2"
		else
			echo "client A $LAB_CLIENT_IP $LAB_GW_A client"
			echo "lb A - - lb"
		fi
		case $topo in
		l2)
			for ((i = 1; i <= n; i++)); do
				echo "be$i A 10.0.1.$((10 + i)) $LAB_GW_A l2"
			done
			;;
		l3)
			echo "rt A $LAB_RT_A_IP - router"
			echo "be3 B $LAB_BE3_IP $LAB_GW_B l3"
			echo "be4 B $LAB_BE4_IP $LAB_GW_B l3"
			;;
		full)
			echo "rt A $LAB_RT_A_IP - router"
			echo "be1 A $LAB_BE1_IP $LAB_GW_A l2"
			echo "be2 A $LAB_BE2_IP $LAB_GW_A l2"
			echo "be3 B $LAB_BE3_IP $LAB_GW_B l3"
			echo "be4 B $LAB_BE4_IP $LAB_GW_B l3"
			;;
		esac
	} >"$RUN/nodes"
}

# ip -batch lines, run in the root namespace, that create the namespaces, the bridges
# and every veth pair directly in the namespaces it joins.
topology_batch() {
	local node ip kind sw=$LAB_NS_SW p=$LAB_PREFIX mac
	while read -r node _ _ _ _; do
		echo "netns add $p-$node"
	done <"$RUN/nodes"
	echo "link add br-a netns $sw type bridge stp_state 0 forward_delay 0 mcast_snooping 0"
	grep -q '^rt ' "$RUN/nodes" &&
		echo "link add br-b netns $sw type bridge stp_state 0 forward_delay 0 mcast_snooping 0"
	while read -r node _ ip _ kind; do
		case $kind in
		switch) ;;
		lb)
			echo "link add $LAB_LB_IF netns $p-lb address $LAB_LB_MAC type veth" \
				"peer name lb netns $sw"
			;;
		lbn)
			lab_mac_v mac "$ip"
			echo "link add $LAB_LB_IF netns $p-$node address $mac type veth" \
				"peer name $node netns $sw"
			;;
		router)
			lab_mac_v mac "$LAB_RT_A_IP"
			echo "link add eth0 netns $p-rt address $mac type veth peer name rt-a netns $sw"
			lab_mac_v mac "$LAB_RT_B_IP"
			echo "link add eth1 netns $p-rt address $mac type veth peer name rt-b netns $sw"
			;;
		*)
			lab_mac_v mac "$ip"
			echo "link add eth0 netns $p-$node address $mac type veth peer name $node netns $sw"
			;;
		esac
	done <"$RUN/nodes"
}

# sysctl without a process per value: NAME VALUE (dots as in sysctl(8)).
sys() { echo "$2" >"/proc/sys/${1//.//}"; }

wire() { ethtool -K "$1" tx off tso off gso off gro off >/dev/null; }

nginx_conf() { # NODE DIR
	local node=$1 d=$2
	cat <<EOF
# nginx for lab backend $node (generated by lab.sh)
worker_processes 1;
user root root;
pid $d/nginx.pid;
error_log $d/error.log warn;
events { worker_connections 1024; }
http {
	log_format lab '\$remote_addr:\$remote_port -> \$server_addr:\$server_port '
		'"\$request" \$status \$body_bytes_sent \$request_length';
	access_log $d/access.log lab;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	default_type text/plain;
	server_tokens off;
	sendfile on;
	tcp_nopush on;
	keepalive_timeout 30;
	keepalive_requests 1000000; # nginx closes after 1000 by default: tests count connections
	client_max_body_size 0; # no limit: uploads of any size (also on the internal server)
	server {
		listen 80 default_server;
		listen 8080 default_server;
		location = / { return 200 "$node\n"; }
		location = /healthz {
			if (-f $d/unhealthy) { return 503 "unhealthy\n"; }
			return 200 "ok\n";
		}
		location = /info {
			return 200 "node=$node server=\$server_addr:\$server_port client=\$remote_addr:\$remote_port\n";
		}
		location = /big {
			alias $RUN/big.bin;
			default_type application/octet-stream;
		}
		# nginx cannot count bytes itself: buffer the whole body (to a file), then let
		# an internal server answer with the Content-Length it was sent.
		location = /upload {
			client_body_buffer_size 256k;
			proxy_request_buffering on;
			proxy_pass http://127.0.0.1:8081;
		}
		location / { return 404 "no such page on $node\n"; }
	}
	server {
		listen 127.0.0.1:8081;
		location / { return 200 "$node received \$content_length bytes\n"; }
	}
}
EOF
}

# Inside a backend's namespace: start nginx, wait until it is listening.
start_http() { # NODE
	local d=$RUN/$1
	if [[ -r $d/nginx.pid ]] && proc_alive "$(<"$d/nginx.pid")"; then
		return 0
	fi
	[[ ! -e $d/nginx.pid ]] || rm -f "$d/nginx.pid"
	nginx -p "$d/" -c "$d/nginx.conf" -e "$d/error.log" </dev/null >>"$d/nginx.out" 2>&1 ||
		die "nginx on $1 did not start: $(tail -n 3 "$d/error.log" "$d/nginx.out" 2>/dev/null)"
	# The sockets are bound before nginx daemonizes; the pid file follows at once.
	wait_for 5000 test -s "$d/nginx.pid" || die "nginx on $1 wrote no pid file"
}

stop_pidfile() { # PIDFILE WHAT
	local pid
	[[ -r $1 ]] || return 0
	pid=$(<"$1")
	if proc_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		wait_for 3000 none_alive "$pid" || {
			kill -KILL "$pid" 2>/dev/null || true
			wait_for 2000 none_alive "$pid" || die "$2 (pid $pid) does not die"
		}
	fi
	rm -f "$1"
}

# Inside an l3 backend's namespace: start the decapsulator, wait until it is attached.
start_decap() { # NODE
	local d=$RUN/$1 decap
	if [[ -r $d/decap.pid ]] && proc_alive "$(<"$d/decap.pid")"; then
		return 0
	fi
	find_tool ipip_decap
	decap=$TOOL
	[[ ! -e $d/decap.pid ]] || rm -f "$d/decap.pid"
	# -d: its own session, so a Ctrl-C meant for the demo's console does not reach it.
	"$decap" -d -i "$LAB_TUN_IF" -p "$d/decap.pid" </dev/null >>"$d/decap.log" 2>&1 &
	wait_for 5000 decap_started "$d/decap.pid" $! ||
		die "ipip_decap on $1 did not start: $(tail -n 3 "$d/decap.log")"
}

# decap_started PIDFILE PID: ready (pid file written), or dies as soon as it has exited.
decap_started() {
	[[ -s $1 ]] && return 0
	proc_alive "$2" && return 1
	[[ -s $1 ]] && return 0
	local d=${1%/*}
	die "ipip_decap on ${d##*/} did not start: $(tail -n 3 "$d/decap.log")"
}

# Runs inside NODE's namespace (lab.sh _setup NODE): sysctls, offloads, addresses,
# routes, daemons. One process per node instead of one per setting.
setup_node() {
	local node=$1 ip gw kind
	node_record "$node"
	ip=$N_IP gw=$N_GW kind=$N_KIND

	# IPv6 stays off everywhere: no link-local chatter, router or neighbour
	# solicitations crossing Tula's port.
	sys net.ipv6.conf.all.disable_ipv6 1
	sys net.ipv6.conf.default.disable_ipv6 1
	sys net.ipv4.ip_forward 0
	ip link set lo up

	case $kind in
	switch)
		# Bridged IPv4 must not go through netfilter: it would silently drop malformed
		# packets before they reach Tula (the sysctls exist only with br_netfilter).
		local f
		for f in iptables ip6tables arptables; do
			[[ -e /proc/sys/net/bridge/bridge-nf-call-$f ]] && sys "net.bridge.bridge-nf-call-$f" 0
		done
		local br
		{
			echo "link set br-a up"
			[[ -e /sys/class/net/br-b ]] && echo "link set br-b up"
			while read -r n s _; do
				case $n in
				sw) ;;
				rt)
					echo "link set rt-a master br-a up"
					echo "link set rt-b master br-b up"
					;;
				*)
					br="br-a"
					[[ $s == B ]] && br="br-b"
					echo "link set $n master $br up"
					;;
				esac
			done <"$RUN/nodes"
		} | ip -batch -
		# The switch's own ports need no ethtool: the frames it forwards were finished
		# (checksummed, not GSO) by the node that sent them.
		;;
	lb | lbn)
		# Tula's namespace: no address on lb0, no forwarding, nothing the kernel would
		# say on the wire. Tula opens lb0 with net_af_packet0,iface=lb0.
		wire "$LAB_LB_IF"
		ip link set "$LAB_LB_IF" up
		;;
	router)
		sys net.ipv4.ip_forward 1
		# ECMP routes (bgp topology) choose the next hop by the L4 hash of the flow.
		sys net.ipv4.fib_multipath_hash_policy 1
		# DSR answers from the VIP (segment A's subnet) arrive from segment B.
		local f
		for f in all default eth0 eth1; do
			sys "net.ipv4.conf.$f.rp_filter" 0
			sys "net.ipv4.conf.$f.send_redirects" 0
		done
		wire eth0
		wire eth1
		ip -batch - <<-EOF
			address add $LAB_RT_A_IP/24 dev eth0
			address add $LAB_RT_B_IP/24 dev eth1
			link set eth0 up
			link set eth1 up
		EOF
		;;
	client | l2 | l3)
		local plen=24
		wire eth0
		if [[ $kind != client ]]; then
			# The DSR backend set-up: the VIP is local, but never announced in ARP.
			sys net.ipv4.conf.all.arp_ignore 1
			sys net.ipv4.conf.eth0.arp_ignore 1
			sys net.ipv4.conf.all.arp_announce 2
			sys net.ipv4.conf.eth0.arp_announce 2
		fi
		{
			echo "address add $ip/$plen dev eth0"
			echo "link set eth0 up"
			echo "route add default via $gw"
			[[ $kind == l2 ]] && echo "address add $LAB_VIP_L2/32 dev lo"
			if [[ $kind == l3 ]]; then
				echo "tuntap add dev $LAB_TUN_IF mode tun"
				echo "address add $LAB_VIP_L3/32 dev $LAB_TUN_IF"
				echo "link set $LAB_TUN_IF up"
			fi
		} | ip -batch -
		if [[ $kind == l3 ]]; then
			# The inner packets come in on tun-ipip from a client routed via eth0.
			sys net.ipv4.conf.all.rp_filter 0
			sys net.ipv4.conf.default.rp_filter 0
			sys "net.ipv4.conf.$LAB_TUN_IF.rp_filter" 0
			sys net.ipv6.conf.$LAB_TUN_IF.disable_ipv6 1
		fi
		if [[ $kind != client ]]; then
			nginx_conf "$node" "$RUN/$node" >"$RUN/$node/nginx.conf"
			start_http "$node"
			[[ $kind == l3 ]] && start_decap "$node"
		fi
		;;
	esac
	return 0
}

UP_DONE=0
UP_PIDS=()
UP_MAIN=
up_exit() {
	local rc=$?
	# A signal can reach a just-forked child before bash resets its traps: only the
	# main process cleans up.
	[[ $BASHPID == "$UP_MAIN" ]] || exit "$rc"
	if [[ $UP_DONE != 1 ]]; then
		trap '' INT TERM
		echo "lab: up failed or interrupted; removing what was built" >&2
		# Set-up workers still on their way into a namespace would escape the scan.
		if ((${#UP_PIDS[@]})); then
			kill -TERM "${UP_PIDS[@]}" 2>/dev/null || true
			wait "${UP_PIDS[@]}" 2>/dev/null || true
		fi
		(cmd_down) || true
	fi
	exit "$rc"
}

cmd_up() {
	local topo=${1:-} n=2 node t0 t1 nodes=() i failed=0
	[[ $topo == l2 || $topo == l3 || $topo == full || $topo == bgp ]] ||
		die "up: topology must be l2, l3, full or bgp (got '${topo}')"
	shift
	while (($#)); do
		case $1 in
		--backends)
			if [[ ! ${2:-} =~ ^[0-9]+$ ]] || (($2 < 1 || $2 > MAX_BACKENDS)); then
				die "--backends: a number 1..$MAX_BACKENDS (got '${2:-}')"
			fi
			[[ $topo == l2 ]] ||
				die "--backends applies to the l2 topology (l3/full have be3/be4 on segment B)"
			n=$2
			shift 2
			;;
		*) die "up: unknown option '$1'" ;;
		esac
	done
	find_tool ipip_decap
	ms t0
	cmd_down
	UP_MAIN=$BASHPID
	trap up_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	mkdir -p "$RUN"
	chmod 755 "$RUN"
	echo "$topo" >"$RUN/topology"
	plan "$topo" "$n"
	local -a dirs
	mapfile -t dirs < <(awk '$5 == "l2" || $5 == "l3" { print run "/" $1 "/tmp" }' run="$RUN" "$RUN/nodes")
	mkdir -p "${dirs[@]}"
	# The download file is random, so a test can check a transfer byte for byte.
	head -c "$LAB_BIG_SIZE" /dev/urandom >"$RUN/big.bin" &
	UP_PIDS+=($!)
	nodes+=(big.bin)

	topology_batch | ip -batch - || die "could not create the namespaces and links"

	mapfile -t all < <(awk '{print $1}' "$RUN/nodes")
	for node in "${all[@]}"; do
		ip netns exec "$(lab_ns "$node")" "$SELF" _setup "$node" >"$RUN/setup-$node.log" 2>&1 &
		UP_PIDS+=($!)
		nodes+=("$node")
	done
	for i in "${!UP_PIDS[@]}"; do
		if ! wait "${UP_PIDS[$i]}"; then
			echo "lab: setting up ${nodes[$i]} failed:" >&2
			sed 's/^/    /' "$RUN/setup-${nodes[$i]}.log" >&2 2>/dev/null || true
			failed=1
		fi
	done
	((failed == 0)) || exit 1
	UP_DONE=1
	trap - EXIT INT TERM
	ms t1
	echo "lab: $topo up (prefix $LAB_PREFIX, $((t1 - t0)) ms): ${all[*]}"
}

# --------------------------------------------------------------------------- other

cmd_status() {
	local nss ns node p comm
	mapfile -t nss < <(lab_namespaces)
	if ((${#nss[@]} == 0)); then
		echo "lab (prefix $LAB_PREFIX): down"
		return 0
	fi
	echo "lab (prefix $LAB_PREFIX): $(cat "$RUN/topology" 2>/dev/null || echo '?'), run dir $RUN"
	for ns in "${nss[@]}"; do
		node=${ns#"$LAB_PREFIX"-}
		echo "$node ($ns):"
		ip -n "$ns" -br address | grep -v '^lo ' | sed 's/^/    /' || true
		ip -n "$ns" -br address show dev lo | awk 'NF > 3 { print "    lo: " $0 }' || true
		for p in $(ip netns pids "$ns"); do
			comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
			echo "    process $p $comm"
		done
	done
}

cmd_exec() {
	local node=${1:-}
	[[ -n $node ]] || die "exec: NODE CMD..."
	shift
	(($#)) || die "exec: no command given"
	ns_exists "$node" || die "exec: no namespace $(lab_ns "$node")"
	exec ip netns exec "$(lab_ns "$node")" "$@"
}

cmd_backend() {
	local node=${1:-} what=${2:-} action=${3:-} kind vdev vip ns
	node_record "$node"
	kind=$N_KIND
	[[ $kind == l2 || $kind == l3 ]] || die "backend: $node is not a backend"
	ns=$(lab_ns "$node")
	case $what/$action in
	http/stop) stop_pidfile "$RUN/$node/nginx.pid" "nginx on $node" ;;
	http/start) ip netns exec "$ns" "$SELF" _start-http "$node" ;;
	decap/stop | decap/start)
		[[ $kind == l3 ]] || die "backend: $node is an l2 backend (no decapsulator)"
		if [[ $action == stop ]]; then
			stop_pidfile "$RUN/$node/decap.pid" "ipip_decap on $node"
		else
			ip netns exec "$ns" "$SELF" _start-decap "$node"
		fi
		;;
	vip/del | vip/add)
		vdev=lo vip=$LAB_VIP_L2
		[[ $kind == l3 ]] && vdev=$LAB_TUN_IF vip=$LAB_VIP_L3
		if [[ $action == add ]]; then
			ip -n "$ns" address replace "$vip/32" dev "$vdev"
		elif ip -n "$ns" -o address show dev "$vdev" | grep -q " $vip/32 "; then
			ip -n "$ns" address del "$vip/32" dev "$vdev"
		fi
		;;
	arp-ignore/0 | arp-ignore/1)
		ip netns exec "$ns" sh -c "echo $action >/proc/sys/net/ipv4/conf/all/arp_ignore &&
			echo $action >/proc/sys/net/ipv4/conf/eth0/arp_ignore"
		;;
	healthz/ok) rm -f "$RUN/$node/unhealthy" ;;
	healthz/fail) : >"$RUN/$node/unhealthy" ;;
	*) die "backend: NODE (http|decap) (stop|start) | vip (del|add) | arp-ignore (0|1) | healthz (ok|fail)" ;;
	esac
}

usage() {
	sed -n '2,/^set -euo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'
	exit 2
}

((EUID == 0)) || die "the lab needs root (network namespaces, veth): run as root"
cmd=${1:-}
(($#)) && shift
case $cmd in
up) cmd_up "$@" ;;
down) cmd_down ;;
status) cmd_status ;;
exec) cmd_exec "$@" ;;
backend) cmd_backend "$@" ;;
_setup) setup_node "$@" ;;
_start-http) start_http "$@" ;;
_start-decap) start_decap "$@" ;;
*) usage ;;
esac
