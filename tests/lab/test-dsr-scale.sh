#!/usr/bin/env bash
# lab-dsr-1000-vips-20000-backends-and-the-limits: the daemon started with 1 000 VIPs of
# 20 backends each (L3, every backend behind the router) plus one VIP served by be3/be4,
# and `system data-path` limits set to exactly that, on the l3 lab. The 20 000 backends
# are addresses of be3 (the router sends 10.100.0.0/16 to it, where the whole prefix is
# local), so each VIP's TCP health check (port 80 of the VIP, through IP-in-IP to each
# backend address, answered by be3's nginx) can pass.
#
#   - all 1 001 VIPs and 20 002 backends are installed (the first, middle and last usable);
#   - health checks: every one of the 20 000 backends (2 000 under the sanitizers) is
#     probed and comes up, with at most the probe range's ports in flight (the figures: how long, the peak in flight,
#     probes delayed for a port; and how long the full `show services dsr` and
#     `show services dsr health` take);
#   - forwarding: curl through the be3/be4 VIP answers; one TCP SYN to each of the 1 000
#     VIPs (ports 1000..1999 of one address) is forwarded, each VIP counting its new flow;
#   - the limit + 1: one more VIP is refused naming max-vips, one more backend naming
#     max-backends;
#   - a size change is accepted with a warning that it waits for a restart, and
#     `show system data-path` shows it pending.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

VIP=$LAB_VIP_L3
W=$TULA_WORK
lab_up l3
# Health-checked VIPs: all 1 000; one in ten (2 000 backends) under the sanitizers
# (TULA_TIME_SCALE > 1), whose slowed control thread answers 333 probes a second too late
# for their timeout (measured: 4 015 of 20 000 up, the probe ports all in flight).
HC_EVERY=1
((${TULA_TIME_SCALE:-1} > 1)) && HC_EVERY=10
HC_BACKENDS=$((20000 / HC_EVERY))
{
	echo "system { data-path { max-vips 1001; max-backends 20002; } }"
	tula_conf_base | sed '/^system {/,/^}/d'
	tula_conf_vip web-l3 "$VIP" 80 l3 be3 be4 | sed '$d' | sed '$d'
	"$PY" - "$VIP" "$LAB_LB_SELF_IP" "$HC_EVERY" <<'EOF'
import ipaddress, sys
vip, src, every = sys.argv[1], sys.argv[2], int(sys.argv[3])
base = int(ipaddress.IPv4Address("10.100.0.0"))
for i in range(1000):
    print(f"        vip s{i} {{ address {vip}; protocol tcp; port {1000 + i}; mode l3; "
          f"tunnel-source {src};")
    if i % every == 0:
        print("            health-check { type tcp; port 80; interval 60; timeout 5; }")
    for j in range(20):
        print(f"            backend b{j} {{ address {ipaddress.IPv4Address(base + i * 20 + j + 1)}; }}")
    print("        }")
print("    }")
print("}")
EOF
} >"$W/scale.conf"
check_eq "the configuration has 1001 VIPs" "$(grep -c '^ *vip ' "$W/scale.conf")" 1001
check_eq "and 20002 backends" "$(grep -c '^ *backend ' "$W/scale.conf")" 20002
# be3 owns every backend address: IP-in-IP to any of them is decapsulated there
in_ns rt ip route add 10.100.0.0/16 via "$LAB_BE3_IP"
in_ns be3 ip route add local 10.100.0.0/16 dev lo
t0=${EPOCHREALTIME/./}
# start-up builds 1001 Maglev tables (about 1 ms each on an idle machine, many times
# that on a loaded one)
TULA_START_TIMEOUT=$((120 * ${TULA_TIME_SCALE:-1}))
tula_start "$W/scale.conf"
echo "figures: the daemon started and applied 1001 VIPs / 20002 backends in $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"

# (`show services dsr` of every VIP computes each backend's Maglev share: looked at per VIP)
usable() { tula_stat "show services dsr vip $1" 'sum(1 for b in j[0]["backends"] if b["usable"])'; }
for v in web-l3:2 s0:20 s500:20 s999:20; do
	wait_until 60 test "$(usable "${v%:*}")" = "${v#*:}" ||
		fail "not every backend of ${v%:*} became usable: $(usable "${v%:*}") of ${v#*:}"
done
ok "the backends of web-l3, s0, s500 and s999 are usable"
tula_wait_vip "http://$VIP/"
in_ns client curl -sS --connect-timeout 3 --max-time 5 -H 'Connection: close' \
	-w '%{http_code}\n' "http://$VIP/info?[1-20]" >"$W/20.out" 2>&1 || true
check_eq "20 requests through the be3/be4 VIP all answered" "$(grep -c '^200$' "$W/20.out")" 20

# One SYN to every other VIP (be3 resets them: nothing listens on ports 1000..1999).
in_ns client "$PY" - "$VIP" <<'EOF'
import socket, sys, time
for first in range(1000, 2000, 250):
    socks = []
    for port in range(first, first + 250):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((sys.argv[1], port))
        socks.append(s)
    time.sleep(0.5)
    for s in socks:
        s.close()
EOF
sleep 1
st=$(tula_json 'show services dsr statistics')
read -r seen flows < <(jpy '" ".join(str(x) for x in (
	sum(1 for v in j["vips"] if v["name"].startswith("s") and v["counters"]["new-flows"] >= 1),
	sum(v["counters"]["new-flows"] for v in j["vips"] if v["name"].startswith("s"))))' <<<"$st")
echo "figures: $seen of 1000 VIPs forwarded a new flow ($flows new flows)"
check_eq "every one of the 1000 VIPs forwarded its SYN to a backend" "$seen" 1000

# Health checks: every one of the health-checked backends probed (first probes spread over the
# 60 s interval: 333 probes a second) and up. A backend whose first probe failed (the
# figure counts failed probes: a loaded machine delays answers) stays unchecked and
# comes up at its next one, so the wait allows four intervals.
# the health-checked VIPs' backends, in the JSON of `show services dsr health`
HC_BES='[b for v in j["vips"] if v["name"].startswith("s") and int(v["name"][1:]) % '$HC_EVERY' == 0 for b in v["backends"]]'
health_counts() { # prints: up unchecked down (of the health-checked s* VIPs), then the probe ports
	tula_json 'show services dsr health' | jpy '(lambda bes: " ".join(str(x) for x in (
		sum(b["health"] == "up" for b in bes),
		sum(b["health"] == "unchecked" for b in bes),
		sum(b["health"] == "down" for b in bes),
		j["probe-ports"]["peak-in-flight"], j["probe-ports"]["delayed"],
		j["probe-ports"]["last"] - j["probe-ports"]["first"] + 1,
		sum(b.get("probes-failed", 0) > 0 for b in bes),
		sum(b.get("probes-failed", 0) for b in bes),
		sum(b.get("probes", 0) for b in bes))))('"$HC_BES"')'
}
# every 5 s: the full health view of 20 000 backends occupies the control thread for a
# second or two, and a tighter poll would starve the probes it is waiting for
all_up() { sleep 5 && read -r up _ < <(health_counts) && ((up == HC_BACKENDS)); }
t1=${EPOCHREALTIME/./}
wait_until 240 all_up || fail "not every backend came up: up/unchecked/down/peak/delayed/ports/failing/failed/probes $(health_counts)"
read -r up unchecked down peak delayed nports failing failed probes < <(health_counts)
echo "figures: $HC_BACKENDS backends up by health check $(((${EPOCHREALTIME/./} - t1) / 1000)) ms after the forwarding checks ($((( ${EPOCHREALTIME/./} - t0) / 1000)) ms after start); peak $peak probes in flight of $nports ports, $delayed delayed for a port; $failed of $probes probes failed ($failing backends had a failure)"
check_eq "every health-checked backend is up" "$up $unchecked $down" "$HC_BACKENDS 0 0"
((peak <= nports)) || fail "$peak probes in flight, more than the $nports probe ports"
t1=${EPOCHREALTIME/./}
tcli -c 'show services dsr' >"$W/show.txt" || fail "show services dsr failed"
t2=${EPOCHREALTIME/./}
tcli -c 'show services dsr health' >"$W/health.txt" || fail "show services dsr health failed"
t3=${EPOCHREALTIME/./}
echo "figures: show services dsr (1001 VIPs, $(wc -l <"$W/show.txt") lines) $(((t2 - t1) / 1000)) ms; show services dsr health $(((t3 - t2) / 1000)) ms"
check_match "the health view counts the probe ports" "$(grep '^Probe source ports' "$W/health.txt")" \
	"^Probe source ports [0-9]+-[0-9]+: [0-9]+ probes in flight \\(peak [0-9]+ of $nports\\)"

# The limit + 1.
refused() { # STATEMENT...: the commit's answer; fails the test if it went through
	local -a args=(-c configure)
	local s out
	for s; do args+=(-c "$s"); done
	out=$(tcli "${args[@]}" -c commit 2>&1) || true
	[[ $out != *"commit complete"* ]] || fail "commit accepted beyond the limit: $*"
	# the candidate is shared: take the refused statements back out of it
	tcli -c configure -c rollback >/dev/null 2>&1 || fail "rollback of the candidate failed"
	echo "$out"
}
out=$(refused "set services dsr vip extra address 10.0.1.201" "set services dsr vip extra protocol tcp" \
	"set services dsr vip extra port 80" "set services dsr vip extra mode l3" \
	"set services dsr vip extra tunnel-source $LAB_LB_SELF_IP" \
	"set services dsr vip extra backend x address 10.101.0.9")
check_match "one VIP more is refused naming max-vips ($out)" "$out" "system data-path max-vips \\(1001 in force"
out=$(refused "set services dsr vip web-l3 backend extra address 10.101.0.1")
check_match "one backend more is refused naming max-backends ($out)" "$out" "system data-path max-backends \\(20002 in force"

# A size change waits for a restart, and says so.
out=$(tcli -c configure -c 'set system data-path max-vips 2000' -c commit 2>&1) || fail "commit refused: $out"
check_match "the commit completes" "$out" "commit complete"
check_match "with a warning that max-vips waits for a restart ($out)" "$out" "max-vips.*next restart"
check_eq "show system data-path: 1001 in force" \
	"$(tula_stat 'show system data-path' '[l["in-force"] for l in j["limits"] if l["name"] == "max-vips"][0]')" 1001
check_eq "show system data-path: 2000 pending" \
	"$(tula_stat 'show system data-path' '[l.get("pending") for l in j["limits"] if l["name"] == "max-vips"][0]')" 2000
check_match "the text view says pending values wait for a restart" \
	"$(tcli -c 'show system data-path')" "Pending values wait for a restart"
tula_check_alive
