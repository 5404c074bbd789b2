#!/usr/bin/env bash
# lab-demo-script: demo.sh brings up the full lab, writes the demo configuration
# (identical to the committed tests/lab/demo.conf), starts the binary in Tula's
# namespace with the agreed arguments while the lab is up, passes on its exit status,
# and removes the lab and its scratch directory afterwards. A stand-in binary records
# what it saw (the real one is another helper's).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
require_root

work=$(mktemp -d)
trap '"$LAB_SH" down; rm -rf "$work"' EXIT

# The stand-in: writes its arguments, its namespace and what it can see, then exits 7.
cat >"$work/fake-tula" <<'EOS'
#!/bin/sh
{
	echo "args: $*"
	echo "netns: $(ip netns identify $$)"
	echo "lb0: $(ip -o link show dev lb0 | grep -o 'state [A-Z]*')"
	echo "lb0 addresses: $(ip -o address show dev lb0 | wc -l)"
	echo "be1: $(ip netns exec "$LAB_PREFIX-client" curl -sS --max-time 5 http://10.0.1.11/)"
} >"$FAKE_OUT"
exit 7
EOS
chmod +x "$work/fake-tula"

rc=0
FAKE_OUT=$work/seen DEMO_CONF=$work/demo.conf "$LAB_DIR/demo.sh" "$work/fake-tula" \
	</dev/null >"$work/demo.out" 2>&1 || rc=$?
sed 's/^/    | /' "$work/demo.out"
check_eq "demo.sh exits with the binary's status" "$rc" 7
seen=$(<"$work/seen")
check_match "the binary ran in Tula's namespace" "$seen" "netns: $LAB_PREFIX-lb"$'\n'
check_match "lb0 was up and address-less" "$seen" "lb0: state UP"$'\n'"lb0 addresses: 0"
check_match "the backends answered while the binary ran" "$seen" "be1: be1"
tmpdir=$(grep -o -- '--db [^ ]*/config.db' <<<"$seen" | sed 's/^--db //; s/\/config.db$//')
[[ -n $tmpdir ]] || fail "no --db in the arguments: $seen"
check_eq "the binary got the agreed arguments" "$(sed -n 's/^args: //p' <<<"$seen")" \
	"--db $tmpdir/config.db --socket $tmpdir/cli.sock --scripts $tmpdir/scripts --config $work/demo.conf -- -l 0-1 --no-huge -m 512 --no-shconf --no-pci"
check "the demo configuration names lb0 as port0's device" \
	grep -q 'device "net_af_packet0,iface=lb0";' "$work/demo.conf"
check "the generated configuration is the committed tests/lab/demo.conf" \
	cmp "$work/demo.conf" "$LAB_DIR/demo.conf"
check_match "the banner tells what to try" "$(<"$work/demo.out")" \
	"ip netns exec $LAB_PREFIX-client curl http://$LAB_VIP_L2/"
check "the scratch directory is gone" test ! -e "$tmpdir"
check_eq "the lab is gone" "$(ip netns list | grep -cE "^$LAB_PREFIX-(sw|client|lb|rt|be[0-9]+)( |$)" || true)" 0
