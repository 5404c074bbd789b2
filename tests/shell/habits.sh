#!/usr/bin/env bash
# The daily habits of a Junos operator through `tula cli` against the real daemon (its
# data path idles: no interface is configured): keyword prefixes over free text,
# warnings that let a batch go on, the views and tools that need no traffic, `set cli`,
# `show cli`, `request system logout`, rescue delete, and an idle session logged out
# with its exclusive lock (the slow part: the shortest timeout is one minute).
# Usage: habits.sh TULA-BINARY
set -u
TULA=$1
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/tula-hb-XXXXXX)
FIFO=$TMP/hold
cleanup() {
	[ -n "${HOLD:-}" ] && kill "$HOLD" 2>/dev/null
	stop_daemon >/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
# a test killed by meson (timeout) or by hand still removes its users and daemon
trap 'exit 143' TERM
trap 'exit 130' INT

start_daemon "$TMP" || exit 1

# ---- matching: a keyword prefix beats free text
expect_rc "load merge term reads the terminal, not a file named term" 0 \
	sh -c "echo 'system { host-name lbt; }' | '$TULA' cli --socket '$SOCK' -c configure -c 'load merge term' -c commit"
contains "load complete" "$OUT" "load complete"
expect_rc "the text was loaded" 0 cli -c 'show configuration system host-name'
contains "host-name from the terminal" "$OUT" "host-name lbt;"
expect_rc "an ambiguous word names every candidate" 1 cli -c 'show s'
contains "ambiguity: services" "$ERR" "services"
contains "ambiguity: system" "$ERR" "system"

# ---- Junos warnings: a batch goes on
expect_rc "delete of an absent statement warns and the batch goes on" 0 cli -c configure \
	-c 'delete services dsr vip nothere' -c 'deactivate services dsr vip nothere' \
	-c 'set system host-name lbw' -c 'activate system host-name' -c 'commit and-quit'
contains "the warning is Junos'" "$ERR" "warning: statement not found"
contains "activate of an active statement warns too" "$ERR" "warning: statement not found (it is not inactive)"
contains "the commit after the warnings ran" "$OUT" "commit complete"

# ---- views that need no traffic
expect_rc "show interfaces terse" 0 cli -c 'show interfaces terse'
contains "terse header" "$OUT" "Interface        Admin Link  Proto  Local"
expect_rc "show interfaces ter (a prefix, not an interface name)" 0 cli -c 'show interfaces ter'
contains "terse by prefix" "$OUT" "Admin Link"
expect_rc "show arp no-resolve" 0 cli -c 'show arp no-resolve'
contains "arp header" "$OUT" "Address         MAC"
expect_rc "show route PREFIX with no route warns" 0 cli -c 'show route 192.0.2.1'
contains "no covering route" "$ERR" "warning: no route covers 192.0.2.1"
expect_rc "show route exact" 0 cli -c 'show route 192.0.2.0/24 exact | display json'
contains "json of an empty route list" "$OUT" "[]"
expect_rc "a bad prefix says what it expects" 1 cli -c 'show route 192.0.2.0/40'
contains "prefix error" "$ERR" "is not an IPv4 or IPv6 address or prefix"
expect_rc "show system uptime" 0 cli -c 'show system uptime'
contains "uptime" "$OUT" "Tula started:"
expect_rc "ping needs an address" 1 cli -c 'ping lb.example'
contains "ping: the reason" "$ERR" "host lb.example is not an IPv4 address"
expect_rc "? lists ping's Junos options" 0 cli -c 'ping 192.0.2.1 ?'
for o in count source size do-not-fragment ttl wait rapid; do
	contains "ping ? offers $o" "$OUT" "$o"
done
expect_rc "traceroute ? offers its options" 0 cli -c 'traceroute 192.0.2.1 ?'
contains "traceroute ? offers source" "$OUT" "source"

# ---- help topic
expect_rc "help topic lists the topics" 0 cli -c 'help topic'
contains "topics: dsr" "$OUT" "dsr      Direct Server Return"
expect_rc "help topic by prefix" 0 cli -c 'help topic com'
contains "commit topic" "$OUT" "commit confirmed N reverts"
expect_rc "help topic ? offers the names" 0 cli -c 'help topic ?'
contains "? lists health" "$OUT" "health"

# ---- set cli / show cli
expect_rc "set cli screen-length and show cli" 0 cli -c 'set cli screen-length 30' \
	-c 'set cli screen-width 100' -c 'set cli idle-timeout 9' -c 'show cli'
contains "screen-length" "$OUT" "CLI screen-length set to 30"
contains "screen-width" "$OUT" "CLI screen-width set to 100"
contains "idle-timeout" "$OUT" "CLI idle-timeout set to 9 minutes"
expect_rc "a narrow screen-width is refused" 1 cli -c 'set cli screen-width 10'
expect_rc "the system default idle timeout" 0 cli -c configure \
	-c 'set system login idle-timeout 3' -c 'commit and-quit' -c 'show cli'
contains "system default shown" "$OUT" "CLI idle-timeout set to 3 minutes (system login idle-timeout)"
expect_rc "the system default can be removed" 0 cli -c configure \
	-c 'delete system login idle-timeout' -c 'commit and-quit'

# ---- commit at: checked now, applied at the time; clear system commit cancels
hostname() { cli -c 'show configuration system host-name' | sed -n 's/.*host-name \(.*\);/\1/p'; }
before=$(hostname)
at=$(date -d '+6 seconds' '+%H:%M:%S')
expect_rc "commit at a time today" 0 cli -c configure -c 'set system host-name at1' -c "commit at \"$at\""
contains "the check ran now" "$OUT" "configuration check succeeds"
contains "the time is announced" "$OUT" "commit at will be executed at"
expect_rc "show system commit shows the schedule" 0 cli -c 'show system commit'
contains "scheduled line" "$OUT" "is scheduled (clear system commit cancels it)"
[ "$(hostname)" = "$before" ] && ok "nothing is active before the time" || not_ok "host-name already $(hostname)"
for _ in $(seq 1 40); do [ "$(hostname)" = at1 ] && break; sleep 0.5; done
now=$(date '+%H:%M:%S')
[ "$(hostname)" = at1 ] && ok "the commit applied at $at (seen at $now)" || not_ok "host-name still $(hostname) at $now"
[[ ! "$now" < "$at" ]] && ok "not before its time" || not_ok "applied at $now, before $at"
expect_rc "the history records it" 0 cli -c 'show system commit'
contains "commit at comment" "$OUT" "commit at"
expect_rc "a time in the past is refused" 1 cli -c configure -c 'commit at "2001-01-01 00:00"'
contains "past time reason" "$ERR" "the time must be in the future"
expect_rc "a bad time says the format" 1 cli -c configure -c 'commit at "tomorrow"'
contains "format reason" "$ERR" "YYYY-MM-DD HH:MM[:SS]"
at=$(date -d '+5 seconds' '+%H:%M:%S')
expect_rc "schedule another" 0 cli -c configure -c 'set system host-name at2' -c "commit at \"$at\""
expect_rc "clear system commit cancels it" 0 cli -c 'clear system commit'
contains "cleared" "$OUT" "Pending commit by"
sleep 7
[ "$(hostname)" = at1 ] && ok "the cleared commit never applied" || not_ok "host-name became $(hostname)"
expect_rc "clearing with nothing scheduled warns" 0 cli -c 'clear system commit'
contains "nothing scheduled" "$ERR" "warning: no commit is scheduled"
expect_rc "the shared candidate still holds the change; roll it back" 0 cli -c configure -c 'rollback 0' -c 'exit'

# ---- load patch terminal: a show | compare diff reproduces the change
expect_rc "a base configuration" 0 cli -c configure -c 'set system host-name p0' \
	-c 'set system login user bob class operator' -c 'set system login user carl class read-only' -c commit
expect_rc "edits and their diff" 0 cli -c configure -c 'set system host-name p1' \
	-c 'delete system login user bob' -c 'set system login user dan class super-user' \
	-c 'set system commit history 20' -c 'show | compare'
printf '%s\n' "$OUT" | sed -n '/^\[edit/,$p' >"$TMP/patch"
contains "the diff removes bob" "$(cat "$TMP/patch")" "-   user bob {"
expect_rc "the edited candidate in set form" 0 cli -c configure -c 'show | display set'
want=$(printf '%s\n' "$OUT" | grep '^set')
expect_rc "back to the active configuration" 0 cli -c configure -c 'rollback 0' -c exit
expect_rc "load patch terminal applies the diff" 0 sh -c "'$TULA' cli --socket '$SOCK' -c configure -c 'load patch terminal' -c 'show | display set' <'$TMP/patch'"
contains "patch reports its places" "$OUT" "load complete (2 places patched)"
got=$(printf '%s\n' "$OUT" | grep '^set')
[ "$got" = "$want" ] && ok "the patched candidate equals the edited one" ||
	{ not_ok "patched candidate differs"; diff <(echo "$want") <(echo "$got") | sed 's/^/#   /'; }
printf '[edit system]\n+   host-name p2;\n[edit system]\n-   nonsense here;\n' >"$TMP/bad"
expect_rc "a patch that does not fit fails" 1 sh -c "'$TULA' cli --socket '$SOCK' -c configure -c 'rollback 0' -c 'load patch terminal' <'$TMP/bad'"
contains "the failure names the line" "$ERR" "load patch failed at line 3 of the diff: nothing changed"
expect_rc "nothing of the failed patch stayed" 0 cli -c configure -c 'show system host-name' -c 'rollback 0' -c exit
lacks "host-name p2 not applied" "$OUT" "p2"

# ---- load replace terminal: replace: statements replace, the rest merges
printf 'system {\n    host-name r1;\n    replace: login {\n        user erin {\n            class operator;\n        }\n    }\n}\n' >"$TMP/repl"
expect_rc "load replace terminal" 0 sh -c "'$TULA' cli --socket '$SOCK' -c configure -c 'load replace terminal' -c 'show system | display set' -c 'rollback 0' <'$TMP/repl'"
contains "replace: login holds only erin" "$OUT" "set system login user erin class operator"
lacks "the replaced users are gone" "$OUT" "user carl"
contains "the untagged statement merged" "$OUT" "set system host-name r1"

# ---- rescue delete
expect_rc "rescue delete after save" 0 cli -c 'request system configuration rescue save' \
	-c 'request system configuration rescue delete'
contains "rescue deleted" "$OUT" "Rescue configuration deleted"
expect_rc "rescue delete with none warns" 0 cli -c 'request system configuration rescue delete'
contains "no rescue warning" "$ERR" "warning: there is no rescue configuration"
expect_rc "rollback rescue finds none" 1 cli -c configure -c 'rollback rescue'

# ---- a held session: logged out by request, then one logged out by its idle timeout
hold() {
	mkfifo "$FIFO"
	"$TULA" cli --socket "$SOCK" <"$FIFO" >"$TMP/hold.out" 2>&1 &
	HOLD=$!
	exec 9>"$FIFO"
	for l in "$@"; do echo "$l" >&9; done
	for _ in $(seq 1 100); do grep -q "Entering configuration mode" "$TMP/hold.out" && break; sleep 0.05; done
}
unhold() {
	exec 9>&-
	wait "$HOLD" 2>/dev/null
	HOLD=
	rm -f "$FIFO"
}
session_of_hold() {
	cli -c 'show system users | display json' |
		python3 -c 'import json,sys; print(" ".join(str(u["id"]) for u in json.load(sys.stdin) if u["mode"] == "configure exclusive"))'
}

hold "configure exclusive"
contains "the held session holds the lock" "$(cat "$TMP/hold.out")" "Entering configuration mode (exclusive lock)"
id=$(session_of_hold)
[ -n "$id" ] && ok "show system users shows the held session ($id)" || not_ok "no exclusive session listed"
expect_rc "the lock blocks another configure exclusive" 1 cli -c 'configure exclusive'
expect_rc "request system logout session ID" 0 cli -c "request system logout session $id"
contains "logout names the session" "$OUT" "Logging out session $id"
expect_rc "the lock went with the session" 0 cli -c 'configure exclusive' -c 'exit'
[ -z "$(session_of_hold)" ] && ok "the session is gone from show system users" || not_ok "still listed"
echo "show version" >&9
unhold
contains "the logged-out client was told why" "$(cat "$TMP/hold.out")" "Session terminated by"
expect_rc "logout of an unknown session is an error" 1 cli -c 'request system logout session 9999'

hold "set cli idle-timeout 1" "configure exclusive"
start=$(date +%s)
expect_rc "while the session is fresh the lock holds" 1 cli -c 'configure exclusive'
for _ in $(seq 1 90); do [ -z "$(session_of_hold)" ] && break; sleep 1; done
took=$(($(date +%s) - start))
[ -z "$(session_of_hold)" ] && ok "the idle session was logged out after ${took}s" || not_ok "still there after ${took}s"
[ "$took" -ge 55 ] && ok "not before its minute (${took}s)" || not_ok "logged out after ${took}s, before its minute"
expect_rc "its exclusive lock was released" 0 cli -c 'configure exclusive' -c 'set system host-name idle2' -c 'commit and-quit'
echo "show version" >&9
unhold
contains "the idle client was told why" "$(cat "$TMP/hold.out")" "Session timed out: idle for 1 minute"

stop_daemon
finish
