#!/usr/bin/env bash
# The demo: Tula on the `full` lab, console in the foreground.
#
#   tests/lab/demo.sh BINARY        (./run demo calls it with build/firmware/tula)
#   tests/lab/demo.sh --print-config    print the demo configuration and exit
#
# 1. brings up the `full` lab (client, Tula's namespace, router, be1/be2 on Tula's
#    segment for L2 DSR, be3/be4 behind the router for L3 DSR);
# 2. writes the demo configuration (tests/lab/demo.conf, or $DEMO_CONF) from the lab's
#    addressing plan;
# 3. prints what to try from a second terminal, then runs BINARY in Tula's namespace
#    with the terminal attached and `--config` pointing at that file (loaded as the
#    initial configuration when the database is new);
# 4. when BINARY exits, however it exits (or this script is interrupted), removes the
#    lab and the scratch directory (database, CLI socket).
#
# LAB_PREFIX (default tula) names the namespaces; needs root.
set -euo pipefail

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
# shellcheck source=tests/lab/lab-env.sh
. "$LAB_DIR/lab-env.sh"

die() {
	echo "demo: $*" >&2
	exit 1
}

# The configuration, from the addressing plan in lab-env.sh. Junos braces, as in
# the README's "Configuring a VIP" section.
demo_conf() {
	cat <<EOF
# Tula demo configuration for the network-namespace lab (tests/lab/demo.sh).
# Generated from tests/lab/lab-env.sh: edit that, not this.
system {
    host-name tula-demo;
}
interfaces {
    port0 {
        description "lab segment A";
        device "net_af_packet0,iface=$LAB_LB_IF";
        address $LAB_LB_SELF_IP/24;
    }
}
routing-options {
    static {
        route 0.0.0.0/0 next-hop $LAB_GW_A;
    }
}
services {
    dsr {
        vip web-l2 {
            address $LAB_VIP_L2;
            protocol tcp;
            port 80;
            mode l2;
            backend be1 { address $LAB_BE1_IP; }
            backend be2 { address $LAB_BE2_IP; }
            health-check {
                type tcp;
                port 80;
            }
        }
        vip web-l3 {
            address $LAB_VIP_L3;
            protocol tcp;
            port $LAB_VIP_L3_PORT;
            mode l3;
            tunnel-source $LAB_LB_SELF_IP;
            backend be3 { address $LAB_BE3_IP; }
            backend be4 { address $LAB_BE4_IP; }
            health-check {
                type tcp;
                port 80;
            }
        }
    }
}
EOF
}

(($# == 1)) || die "usage: demo.sh BINARY (e.g. build/firmware/tula) | demo.sh --print-config"
if [[ $1 == --print-config ]]; then
	demo_conf
	exit 0
fi
((EUID == 0)) || die "the demo needs root (network namespaces, veth): run as root"
BINARY=$(readlink -f "$1")
[[ -x $BINARY ]] || die "$1 is not an executable (build it: ninja -C build)"
DEMO_CONF=${DEMO_CONF:-$LAB_DIR/demo.conf}
# The lab's helpers (ipip_decap) are built next to BINARY: <build>/firmware/tula.
export TULA_BUILD_DIR=${TULA_BUILD_DIR:-$(dirname "$(dirname "$BINARY")")}

tmp=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local rc=$?
	trap '' INT TERM
	"$LAB_DIR/lab.sh" down || rc=1
	[[ -z $tmp ]] || rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
# Ctrl-C at the console belongs to Tula's shell; this script only acts on it once the
# foreground command has ended (bash defers traps until then).
trap 'exit 130' INT
trap 'exit 143' TERM

tmp=$(mktemp -d /tmp/tula-demo.XXXXXX)
mkdir -p "$tmp/scripts"
scripts=${TULA_DEMO_SCRIPTS:-$tmp/scripts}

"$LAB_DIR/lab.sh" up full

# Rewritten only when it differs, so a checkout stays clean.
demo_conf >"$tmp/demo.conf"
cmp -s "$tmp/demo.conf" "$DEMO_CONF" 2>/dev/null || cp "$tmp/demo.conf" "$DEMO_CONF"

lab_cmd=$LAB_DIR/lab.sh
[[ $LAB_PREFIX == tula ]] || lab_cmd="LAB_PREFIX=$LAB_PREFIX $lab_cmd"
cat <<EOF

  Tula demo: lab 'full' is up; Tula runs in namespace $LAB_NS_LB on $LAB_LB_IF ($LAB_LB_SELF_IP).
  Configuration: $DEMO_CONF
    web-l2  $LAB_VIP_L2:80   L2 DSR (MAC rewrite) -> be1 $LAB_BE1_IP, be2 $LAB_BE2_IP
    web-l3  $LAB_VIP_L3:80   L3 DSR (IP-in-IP)    -> be3 $LAB_BE3_IP, be4 $LAB_BE4_IP (via $LAB_RT_A_IP)

  From a second terminal (as root), try:
    ip netns exec $LAB_NS_CLIENT curl http://$LAB_VIP_L2/
    ip netns exec $LAB_NS_CLIENT curl http://$LAB_VIP_L3/
    ip netns exec $LAB_NS_CLIENT curl -o /dev/null http://$LAB_VIP_L2/big   # 20 MB, straight from a backend
    $lab_cmd backend be1 http stop        # health checks take be1 out ('start' brings it back)
    $lab_cmd backend be3 decap stop       # tunnel down on be3
    $lab_cmd status
    $BINARY cli --socket $tmp/cli.sock   # a second CLI session

  Leaving Tula's console stops Tula and removes the lab.

EOF

rc=0
ip netns exec "$LAB_NS_LB" "$BINARY" --db "$tmp/config.db" --socket "$tmp/cli.sock" \
	--scripts "$scripts" --config "$DEMO_CONF" \
	-- -l 0-1 --no-huge -m 512 --no-shconf --no-pci || rc=$?
echo "demo: Tula exited with status $rc; removing the lab"
exit "$rc"
