#!/usr/bin/env bash
# lab-telemetry-metrics-and-rates-agree-with-the-cli: what Tula shows outside its CLI
# agrees with `show services dsr statistics` (L2 lab, real daemon, nginx, curl):
#
#   - DPDK telemetry: Debian's dpdk-telemetry.py, on the daemon's file prefix, reads
#     /tula/vips, /tula/vip,NAME, /tula/backends, /tula/workers and /tula/drops; after a
#     curl load, per VIP and per backend packets, bytes and new flows equal the CLI's;
#   - Prometheus: `system services metrics listen SELF:9100` serves GET /metrics to the
#     client through the data path; python3-prometheus-client's text parser reads it;
#     tula_vip_* and tula_backend_* counters equal the CLI's, tula_drops_total names
#     every drop reason, tula_config_revision is the active revision's id; anything but
#     GET /metrics is refused (404, 405); an address that is not Tula's is refused at
#     commit with the path and the reason;
#   - rates: during a paced upload through the VIP, `show services dsr statistics`
#     shows bits/s near the pace (last second) and a 10 s average that rises towards it;
#     after the upload, the last second falls to 0.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

VIP=$LAB_VIP_L2
W=$TULA_WORK
MPORT=9100
PREFIX=${LAB_PREFIX}tula
lab_up l2
{
	tula_conf_base
	tula_conf_vip web "$VIP" 80 l2 be1 be2
	cat <<CONF
system {
    services {
        metrics {
            listen $LAB_LB_SELF_IP:$MPORT;
        }
    }
}
CONF
} >"$W/o.conf"
tula_start "$W/o.conf"
tula_wait_vip "http://$VIP/"

# telemetry CMD: the answer of the daemon's telemetry socket to CMD (JSON on one line).
telemetry() {
	local out
	out=$(echo "$1" | "$PY" /usr/bin/dpdk-telemetry.py -f "$PREFIX" 2>&1) ||
		fail "dpdk-telemetry.py -f $PREFIX failed on $1: $out"
	grep '^{' <<<"$out" | tail -n 1
}

# ---- a curl load, then the counters have settled (no traffic, picture refreshed)
tcli -c 'clear services dsr statistics' >/dev/null
lab_curl client --max-time 20 -H 'Connection: close' "http://$VIP/info?[1-60]" >"$W/answers" ||
	fail "the curl load failed"
check_eq "the curl load got 60 answers" "$(grep -c '^node=' "$W/answers")" 60
sleep 2.5 # the last ACKs, then one telemetry refresh (every second)
stats=$(tula_json 'show services dsr statistics')
cli=$(jpy "'\n'.join('%s %d %d %d' % (o['name'], o['counters']['packets'], o['counters']['bytes'], o['counters']['new-flows']) for v in j['vips'] for o in [v] + v['backends'])" <<<"$stats")
echo "CLI (name packets bytes new-flows):"
sed 's/^/    /' <<<"$cli"
check "the load shows in the CLI's counters" test "$(awk '$1 == "web" {print $4}' <<<"$cli")" -ge 60

# ---- DPDK telemetry
list=$(telemetry /)
check_match "the telemetry socket lists Tula's commands" "$list" '"/tula/vips".*"/tula/workers"'
vips=$(telemetry /tula/vips)
echo "/tula/vips: $vips"
telemetry /tula/backends >"$W/backends.json"
echo "$vips" >"$W/vips.json"
tel=$("$PY" - "$W/vips.json" "$W/backends.json" <<'PYEOF'
import json, sys
rows = []
for f, key in ((sys.argv[1], "/tula/vips"), (sys.argv[2], "/tula/backends")):
    c = json.load(open(f))[key]
    for i, name in enumerate(c["name"]):
        rows.append("%s %d %d %d" % (name, c["packets"][i], c["bytes"][i], c["new_flows"][i]))
print("\n".join(rows))
PYEOF
)
echo "telemetry (name packets bytes new-flows):"
sed 's/^/    /' <<<"$tel"
check_eq "dpdk-telemetry.py /tula/vips and /tula/backends: the CLI's packets, bytes, new flows" \
	"$(sort <<<"$tel")" "$(sort <<<"$cli")"
one=$(telemetry /tula/vip,web)
check_eq "/tula/vip,web: address, state, packets, backends" \
	"$(jpy "'%s %s %s %s %s' % ((v := j['/tula/vip'])['address'], v['protocol'], v['state'], v['packets'], ','.join(v['backends']))" <<<"$one")" \
	"$VIP tcp up $(awk '$1 == "web" {print $2}' <<<"$cli") be1,be2"
workers=$(telemetry /tula/workers)
check_eq "/tula/workers: one worker, its flow table in use" \
	"$(jpy "'%d %s' % (len((w := j['/tula/workers'])['worker']), w['flows_used'][0] > 0 and w['rx_packets'][0] > 0)" <<<"$workers")" \
	"1 True"
# Drops go on in the background (ARP for other hosts): compare at a quiet moment, when
# the CLI's drops did not move around one telemetry refresh.
cli_drops() { tula_stat 'show services dsr statistics' "' '.join('%s=%d' % (k, v) for k, v in sorted(j['drops'].items()))"; }
for _ in 1 2 3 4 5; do
	d1=$(cli_drops)
	sleep 1.2
	drops=$(telemetry /tula/drops)
	d2=$(cli_drops)
	[[ $d1 != "$d2" ]] || break
done
check_eq "/tula/drops: every drop reason, as the CLI's drops" \
	"$(jpy "' '.join('%s=%d' % (k.replace('_', '-'), v) for k, v in sorted(j['/tula/drops'].items()) if v)" <<<"$drops")" "$d2"
check "/tula/drops names no_usable_backend (zero included)" jpy "'no_usable_backend' in j['/tula/drops'] or sys.exit(1)" <<<"$drops"

# ---- Prometheus
lab_curl client --max-time 5 -o "$W/metrics.txt" -w '%{http_code} %{content_type}\n' \
	"http://$LAB_LB_SELF_IP:$MPORT/metrics" >"$W/metrics.status" ||
	fail "GET /metrics from the client failed: $(cat "$W/metrics.status")"
check_match "GET /metrics answers 200 in the text format 0.0.4" "$(<"$W/metrics.status")" \
	'^200 text/plain; version=0.0.4'
prom=$("$PY" - "$W/metrics.txt" <<'PYEOF'
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
for name in ("tula_vip_packets", "tula_vip_bytes", "tula_vip_new_flows", "tula_backend_packets", "tula_drops", "tula_datapath_events"):
    assert fams[name].type == "counter", (name, fams[name].type)
for name in ("tula_vip_up", "tula_backend_up", "tula_flow_table_entries", "tula_config_revision"):
    assert fams[name].type == "gauge", (name, fams[name].type)
def val(fam, sample, **labels):
    for s in fams[fam].samples:
        if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
            return int(s.value)
    raise KeyError((fam, labels))
rows = []
for s in fams["tula_vip_packets"].samples:
    v = s.labels["vip"]
    rows.append("%s %d %d %d" % (v, s.value, val("tula_vip_bytes", "tula_vip_bytes_total", vip=v), val("tula_vip_new_flows", "tula_vip_new_flows_total", vip=v)))
for s in fams["tula_backend_packets"].samples:
    b = s.labels["backend"]
    rows.append("%s %d %d %d" % (b, s.value, val("tula_backend_bytes", "tula_backend_bytes_total", backend=b), val("tula_backend_new_flows", "tula_backend_new_flows_total", backend=b)))
print("\n".join(rows))
print("drop-reasons %d" % len(fams["tula_drops"].samples))
print("revision %d" % val("tula_config_revision", "tula_config_revision"))
print("up %d %d" % (val("tula_vip_up", "tula_vip_up", vip="web"), sum(s.value for s in fams["tula_backend_up"].samples)))
PYEOF
) || fail "python3-prometheus-client could not read /metrics: $(head -c 600 "$W/metrics.txt")"
echo "metrics:"
sed 's/^/    /' <<<"$prom"
check_eq "/metrics: per VIP and per backend packets, bytes, new flows equal the CLI's" \
	"$(grep -v -e '^drop-reasons' -e '^revision' -e '^up ' <<<"$prom" | sort)" "$(sort <<<"$cli")"
check_eq "/metrics: tula_drops_total has one sample per drop reason" \
	"$(sed -n 's/^drop-reasons //p' <<<"$prom")" \
	"$(jpy "len(j['/tula/drops'])" <<<"$drops")"
check_eq "/metrics: the VIP and both backends are up" "$(sed -n 's/^up //p' <<<"$prom")" "1 2"
rev=$(sqlite3 "$W/config.db" 'SELECT id FROM revision ORDER BY id DESC LIMIT 1') ||
	fail "cannot read the revisions of $W/config.db"
check_eq "/metrics: tula_config_revision is the newest revision's id" \
	"$(sed -n 's/^revision //p' <<<"$prom")" "$rev"
check_eq "GET /other answers 404" \
	"$(lab_curl client --max-time 5 -o /dev/null -w '%{http_code}' "http://$LAB_LB_SELF_IP:$MPORT/other" || true)" 404
check_eq "POST /metrics answers 405" \
	"$(lab_curl client --max-time 5 -o /dev/null -w '%{http_code}' -d x=1 "http://$LAB_LB_SELF_IP:$MPORT/metrics" || true)" 405
out=$(tcli -c configure -c "set system services metrics listen 10.0.1.99:$MPORT" -c commit 2>&1 || true)
check_match "a listen address that is not Tula's is refused with the path and the reason" "$out" \
	"system services metrics listen.*10\.0\.1\.99 is not a self address"
out=$(tcli -c configure -c "set system services metrics listen $LAB_LB_SELF_IP:70000" 2>&1 || true)
check_match "a port out of range is refused at set" "$out" "port 1\.\.65535"

# ---- rates: a paced upload (client -> VIP data crosses Tula; answers bypass it)
head -c $((8 * 1024 * 1024)) /dev/zero >"$W/up.bin"
in_ns client curl -sS --max-time 30 --limit-rate 1M -H 'Expect:' --data-binary @"$W/up.bin" \
	"http://$VIP/upload" >"$W/upload.out" 2>&1 &
up=$!
sleep 5
r1=$(tula_stat 'show services dsr statistics' "'%d %d' % (j['vips'][0]['rates']['bits-per-second'], j['vips'][0]['rates']['bits-per-second-average'])")
sleep 2
r2=$(tula_stat 'show services dsr statistics' "'%d %d' % (j['vips'][0]['rates']['bits-per-second'], j['vips'][0]['rates']['bits-per-second-average'])")
tcli -c 'show services dsr statistics' | sed -n '/^Rates/,/^$/p'
wait "$up" || fail "the upload failed: $(cat "$W/upload.out")"
echo "bits/s (last second, average) after 5 s: $r1, after 7 s: $r2"
read -r last1 avg1 <<<"$r1"
read -r last2 avg2 <<<"$r2"
# 1 MiB/s of payload is 8.4 Mbit/s; with headers a little more.
check "during a 1 MB/s upload the last second's rate is 6..12 Mbit/s (was $last1, then $last2)" \
	test "$last1" -ge 6000000 -a "$last1" -le 12000000 -a "$last2" -ge 6000000 -a "$last2" -le 12000000
check "the 10 s average rises towards the rate ($avg1 then $avg2) and stays below it" \
	test "$avg2" -gt "$avg1" -a "$avg2" -lt "$last2"
sleep 2.5
check_eq "after the upload the last second's rate is 0" \
	"$(tula_stat 'show services dsr statistics' "int(j['vips'][0]['rates']['packets-per-second'])")" 0
tula_check_alive
