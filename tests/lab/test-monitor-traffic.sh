#!/usr/bin/env bash
# lab-monitor-traffic-captures-what-the-data-path-sees: `monitor traffic` (L2 lab, real
# daemon, nginx, curl):
#
#   - write-file during a curl load (requests and a 20 MB download), stopped as an
#     operator does (Ctrl-C of `tula cli -c`): tcpdump reads the pcapng file, and it holds
#     exactly the packets a capture on the client saw going to the VIP;
#   - count N stops by itself with a summary, and the file holds N packets; without
#     write-file, one decoded line per packet is printed;
#   - a slow reader: a terminal that takes nothing during a 24 MB upload loses lines,
#     counted in the summary (shown + not shown = captured), and the upload arrives
#     whole; with the control thread kept busy (a Lua loop) during a paced upload,
#     copies the workers could not hand over are counted (capture-copies-lost) and
#     written + lost equals the client's count;
#   - write-file takes a plain name only (no '/', no '..'), never an existing file, and
#     writes in the capture directory next to the database.
set -euo pipefail
. "$(dirname "$0")/tula.sh"
require_root

VIP=$LAB_VIP_L2
W=$TULA_WORK
CAPDIR=$W/captures
lab_up l2
{
	tula_conf_base
	tula_conf_vip web "$VIP" 80 l2 be1 be2
} >"$W/o.conf"
tula_start "$W/o.conf"
tula_wait_vip "http://$VIP/"

# monitor_bg OUT FILE ARGS...: `monitor traffic ARGS write-file FILE` in the background
# (tula cli -c), output in OUT; sets MON to the client's pid; returns once the capture
# runs (the file holds its pcapng header).
MON=
monitor_bg() {
	local out=$1 file=$2
	shift 2
	"$TULA" cli --socket "$TULA_SOCK" -c "monitor traffic $* write-file $file" >"$out" 2>&1 &
	MON=$!
	lab_on_down "_monitor_kill $MON"
	wait_until 10 test -s "$CAPDIR/$file" || fail "monitor traffic did not start: $(<"$out")"
}
_monitor_kill() { kill -TERM "$1" 2>/dev/null || true; }
# monitor_stop: the client leaves, as with Ctrl-C (a background job ignores SIGINT:
# SIGTERM ends it the same way); the daemon then writes what is queued and closes.
monitor_stop() {
	kill -TERM "$MON"
	wait "$MON" 2>/dev/null || true
	sleep 0.5
}

# ---- write-file during a curl load, stopped with Ctrl-C
capc=
lab_capture capc client eth0 "$W/client.pcap" "ip and dst host $VIP"
monitor_bg "$W/mon1.out" load.pcapng interface port0 vip web
lab_curl client --max-time 20 -H 'Connection: close' "http://$VIP/info?[1-40]" >"$W/answers" ||
	fail "the curl load failed"
lab_curl client --max-time 30 --limit-rate 10M -o /dev/null "http://$VIP/big" || fail "the download failed"
lab_capture_stop "$capc" "$W/client.pcap"
sleep 0.5
monitor_stop
check "the capture file is in the capture directory next to the database" test -s "$CAPDIR/load.pcapng"
check_eq "the capture file is pcapng" "$(head -c 4 "$CAPDIR/load.pcapng" | od -An -tx1 | tr -d ' ')" 0a0d0d0a
theirs=$(pcap_count "$W/client.pcap")
ours=$(tcpdump -nn -r "$CAPDIR/load.pcapng" 2>"$W/tcpdump.err" | wc -l)
check_eq "tcpdump reads the file without error" "$(grep -v '^reading from' "$W/tcpdump.err" || true)" ""
echo "packets to the VIP: client capture $theirs, monitor traffic $ours"
check "the load sent hundreds of packets to the VIP ($theirs)" test "$theirs" -gt 400
check_eq "monitor traffic wrote every packet the client sent to the VIP" "$ours" "$theirs"
# Each connection's packets in the same order: packets of different connections can
# swap places between the client's capture point and Tula (veth and bridge hand them
# over per CPU), so the comparison is per source (a stable sort keeps each flow's order).
check_eq "the same packets, each connection's in the same order (source port, sequence, length)" \
	"$(tcpdump -nn -r "$CAPDIR/load.pcapng" 2>/dev/null | awk '{print $3, $5, $NF}' | sort -s -k1,1 | md5sum)" \
	"$(tcpdump -nn -r "$W/client.pcap" 2>/dev/null | awk '{print $3, $5, $NF}' | sort -s -k1,1 | md5sum)"

# ---- count N ends by itself; decoded lines
# counted CMD: runs the monitor command while requests go to the VIP until it ends (the
# load starts after the capture and goes on as long as it runs: a slow, e.g. sanitizer,
# daemon must not miss a fixed burst of requests); at most 120 requests. Prints its output.
counted() {
	tcli -c "$1" >"$W/counted.out" 2>&1 &
	local mon=$! i
	for ((i = 0; i < 120; i++)); do
		kill -0 "$mon" 2>/dev/null || break
		lab_curl client --max-time 5 -o /dev/null "http://$VIP/info" || true
	done
	wait "$mon" || fail "monitor traffic failed: $(<"$W/counted.out")"
	cat "$W/counted.out"
}
out=$(counted 'monitor traffic interface port0 vip web count 25 write-file counted.pcapng')
check_match "count 25: the summary names the file" "$out" "^25 packets written to $CAPDIR/counted.pcapng"
check_eq "count 25: the file holds 25 packets" "$(pcap_count "$CAPDIR/counted.pcapng")" 25
out=$(counted 'monitor traffic interface port0 vip web count 5')
echo "$out"
check_eq "without write-file: 5 decoded lines of TCP to the VIP" \
	"$(grep -cE "^[0-9:.]+ port0 In IP $LAB_CLIENT_IP\.[0-9]+ > $VIP\.80: Flags \[[FSRPU.]+\], seq [0-9]+, length [0-9]+$" <<<"$out")" 5
check_match "and a summary" "$out" "5 packets captured, 5 shown, count reached"

# ---- write-file names
for bad in ../x.pcapng /tmp/x.pcapng sub/x .hidden; do
	out=$(tcli -c "monitor traffic interface port0 write-file \"$bad\"" 2>&1 || true)
	check_match "write-file $bad is refused" "$out" "give a plain file name"
done
out=$(tcli -c "monitor traffic interface port0 write-file load.pcapng" 2>&1 || true)
check_match "write-file never overwrites a file" "$out" "exists already"
ln -s /etc/passwd "$CAPDIR/link.pcapng"
out=$(tcli -c "monitor traffic interface port0 write-file link.pcapng" 2>&1 || true)
check_match "write-file never writes through a link" "$out" "cannot create"

# ---- a slow terminal: the client takes no output while a 24 MB upload runs (its
# stdout is a pipe nobody reads yet); the daemon drops lines past its backlog and
# counts them, the upload is not slowed
"$TULA" cli --socket "$TULA_SOCK" -c 'monitor traffic interface port0 vip web count 12000' 2>&1 |
	{
		for ((i = 0; i < 600; i++)); do # 60 s at most, even if the test dies
			[[ ! -e $W/go ]] || break
			sleep 0.1
		done
		cat >"$W/slow.out"
	} &
slow=$!
sleep 1.5
head -c $((24 * 1024 * 1024)) /dev/zero >"$W/up24.bin"
t0=$(date +%s%N)
out=$(lab_curl client --max-time 60 -H 'Expect:' --data-binary @"$W/up24.bin" "http://$VIP/upload") ||
	fail "the upload failed while the terminal was stuck: $out"
echo "24 MB upload in $((($(date +%s%N) - t0) / 1000000)) ms while the terminal took nothing"
check_match "the 24 MB upload arrived whole" "$out" "^be[12] received 25165824 bytes$"
touch "$W/go"
wait "$slow" || fail "the slow terminal's reader failed"
tail -n 3 "$W/slow.out"
shown=$(grep -cE "^[0-9:.]+ port0 In IP " "$W/slow.out" || true)
summary=$(grep -E '^12000 packets captured, [0-9]+ shown, count reached$' "$W/slow.out") ||
	fail "no summary at the end of the slow terminal's output: $(tail -n 3 "$W/slow.out")"
dropped=$(sed -n 's/^\([0-9]*\) lines not shown (the terminal was behind)$/\1/p' "$W/slow.out")
check "lines were dropped for the slow terminal, and counted (${dropped:-none})" test "${dropped:-0}" -gt 0
check_eq "the lines shown are the summary's" "$summary" "12000 packets captured, $shown shown, count reached"
check_eq "shown + not shown = captured" "$((shown + dropped))" 12000

# ---- the control thread busy (a Lua loop) during a paced upload: whatever the workers
# could not hand over is counted, and what was written plus what was lost is exactly
# what the client sent
lost0=$(tula_event capture-copies-lost)
head -c $((16 * 1024 * 1024)) /dev/urandom >"$W/up.bin"
capc=
lab_capture capc client eth0 "$W/client2.pcap" "ip and dst host $VIP"
monitor_bg "$W/mon2.out" slow.pcapng interface port0 vip web
in_ns client curl -sS --max-time 60 --limit-rate 4M -H 'Expect:' --data-binary @"$W/up.bin" \
	"http://$VIP/upload" >"$W/upload.out" 2>&1 &
up=$!
sleep 1
t0=$(date +%s%N)
"$TULA" lua --socket "$TULA_SOCK" -e 'local n = 0 for i = 1, 45000000 do n = n + i end' \
	>/dev/null 2>&1 || true
echo "the control thread was busy for $((($(date +%s%N) - t0) / 1000000)) ms"
wait "$up" || fail "the upload failed: $(<"$W/upload.out")"
check_match "the 16 MB upload arrived whole" "$(<"$W/upload.out")" "^be[12] received 16777216 bytes$"
lab_capture_stop "$capc" "$W/client2.pcap"
monitor_stop
lost=$(($(tula_event capture-copies-lost) - lost0))
theirs=$(pcap_count "$W/client2.pcap")
ours=$(pcap_count "$CAPDIR/slow.pcapng")
echo "upload: client sent $theirs packets to the VIP; monitor wrote $ours, lost $lost"
check_eq "written + lost (capture-copies-lost) = what the client sent to the VIP" "$((ours + lost))" "$theirs"
check_eq "the capture went on after the busy spell: the upload's FIN is in the file" \
	"$(pcap_count "$CAPDIR/slow.pcapng" 'tcp[tcpflags] & tcp-fin != 0')" 1
# From a terminal, q and Ctrl-C stop a running capture of decoded lines and give the
# prompt back (the second key's capture could not start if the first were still running).
for key in q ctrl-c; do
	res=$("$PY" "$LAB_DIR/cli_pty_stop.py" "$TULA" "$TULA_SOCK" "monitor traffic interface port0" "$key")
	echo "$res"
	check_eq "monitor traffic started on a terminal ($key)" "$(jpy "j['started']" <<<"$res")" True
	check_eq "$key stops monitor traffic and the prompt comes back" \
		"$(jpy "j['prompt_after_key']" <<<"$res")" True
	check_match "the capture's summary after $key" "$(jpy "j['tail']" <<<"$res")" "packets captured"
done
tula_check_alive
