#!/usr/bin/env bash
# daemon-crash: the real `tula` killed with SIGKILL at random moments while a client
# keeps committing, until 200 commits have been acknowledged. After every restart:
#   - SQLite's integrity_check is ok;
#   - the active configuration is exactly one that was committed (its host-name is one
#     a commit wrote, and `show configuration` equals that revision's text);
#   - no acknowledged commit is lost: the newest commit the client saw acknowledged
#     ("commit complete", exit 0) is in the history, and the active configuration is
#     that commit or a later one that was attempted.
# db's own crash test does the same through the db API hundreds of times; this one
# proves the daemon, whose shutdown path never runs here.
set -uo pipefail
TULA=$(readlink -f "$1")
. "$(dirname "$0")/lib.sh"
dir=$(mktemp -d /tmp/tula-crash-XXXXXX)
committer=
trap 'kill -9 $DAEMON $committer 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$dir"' EXIT
SEED=${TULA_CRASH_SEED:-$$}
RANDOM=$SEED
echo "# seed $SEED (TULA_CRASH_SEED replays it)"
WANT=200
DEADLINE=$((SECONDS + 480))

# The client: commit h1, h2, ... forever; $dir/attempt is the last one sent, $dir/ack
# the last one acknowledged. While $dir/pause exists it stops between commits and says
# so in $dir/idle.
commit_loop() {
	local i=0 out
	while :; do
		if [ -e "$dir/pause" ]; then
			touch "$dir/idle"
			sleep 0.05
			continue
		fi
		rm -f "$dir/idle"
		i=$((i + 1))
		echo "$i" >"$dir/attempt"
		if out=$("$TULA" cli --socket "$SOCK" -c configure -c "set system host-name h$i" \
			-c "commit comment \"commit $i\"" 2>&1) && [[ $out == *"commit complete"* ]]; then
			echo "$i" >"$dir/ack"
		else
			sleep 0.05 # the daemon is down: try the next commit when it is back
		fi
	done
}

kills=0
check_store() {
	local ic active attempted acked
	attempted=$(cat "$dir/attempt" 2>/dev/null || echo 0)
	acked=$(cat "$dir/ack" 2>/dev/null || echo 0)
	ic=$(sqlite3 "$dir/config.db" 'PRAGMA integrity_check' 2>&1)
	[ "$ic" = ok ] || { not_ok "integrity_check after kill $kills: $ic"; return; }
	active=$(cli -c 'show configuration system host-name' | sed -n 's/^host-name h\([0-9]*\);$/\1/p')
	[ -n "$active" ] || active=0 # the factory default, before any commit
	if [ "$active" -gt "$attempted" ] || [ "$active" -lt "$acked" ]; then
		not_ok "after kill $kills the active configuration is h$active; acknowledged h$acked, attempted h$attempted"
		return
	fi
	hist=$(cli -c 'show system commit' 2>&1)
	if [ "$acked" -gt 0 ] && ! grep -q "commit $acked\$" <<<"$hist"; then
		not_ok "after kill $kills the acknowledged commit $acked is missing from the history"
		echo "$hist" | head -8 | sed 's/^/#   /'
		sqlite3 "$dir/config.db" 'select id, comment from revision order by id desc limit 4' \
			2>&1 | sed 's/^/#   db: /'
		return
	fi
	[ "$(cli -c 'show system rollback 0')" = "$(cli -c 'show configuration')" ] ||
		{ not_ok "after kill $kills the active configuration is not revision 0"; return; }
	ok "kill $kills: store intact, active h$active (acknowledged $acked, attempted $attempted)"
	ACKED=$acked
}

ACKED=0
start_daemon "$dir" || exit 1
commit_loop &
committer=$!
while [ "$ACKED" -lt "$WANT" ] && [ "$SECONDS" -lt "$DEADLINE" ]; do
	sleep "$((RANDOM % 3 + 1)).$((RANDOM % 10))" # 1.0 .. 3.9 s of commits, then the kill
	kill -9 "$DAEMON"
	wait "$DAEMON" 2>/dev/null
	kills=$((kills + 1))
	touch "$dir/pause"
	for _ in $(seq 1 400); do [ -e "$dir/idle" ] && break; sleep 0.05; done
	rm -f "$SOCK" # a killed daemon leaves its socket file: wait for the new one
	start_daemon "$dir" || { not_ok "restart after kill $kills"; break; }
	check_store
	[ "$fails" -eq 0 ] || break
	rm -f "$dir/pause"
done
kill "$committer" 2>/dev/null
wait "$committer" 2>/dev/null
committer=
stop_daemon
echo "# $kills kills, $ACKED commits acknowledged"
[ "$ACKED" -ge "$WANT" ] || not_ok "only $ACKED of $WANT commits acknowledged in the time allowed"
[ "$fails" -eq 0 ]
