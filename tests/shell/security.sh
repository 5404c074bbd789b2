#!/usr/bin/env bash
# What a client can make the daemon do, tried as Unix users of each login class through
# `tula cli`, `tula lua` and a raw socket client (wire.py):
#   - files named in load / save / `| save` are opened by the client as its own user:
#     a normal user cannot read /etc/shadow or write /etc through the daemon, a relative
#     path is the client's, and what `save` writes belongs to the user;
#   - one class rule: read-only may not run `tula lua` or `op`, an operator may not save
#     the rescue configuration, a user absent from `system login` is refused by `tula lua`;
#   - bounded clients: no HELLO within 5 s closes the connection, a 1 MiB frame before
#     HELLO is refused, a user's 9th session is refused with a message, and the commit
#     audit records uid and pid from the kernel, not the tty the client claims;
#   - `| match` with a catastrophic pattern on a long configuration returns in time.
# Creates the users (and group tula if missing) and removes them afterwards. Needs root.
# Usage: security.sh TULA-BINARY
set -u
TULA=$(readlink -f "$1")
WIRE=$(dirname "$(readlink -f "$0")")/wire.py
if [ "$(id -u)" != 0 ]; then
	echo "security.sh: needs root (it creates Unix users); skipped"
	exit 77
fi
# the users run the system's python (a per-user install under /root is not theirs)
PY=/usr/bin/python3
for t in useradd userdel groupadd setpriv $PY; do
	command -v $t >/dev/null || { echo "security.sh: $t is missing; skipped"; exit 77; }
done
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/tula-sec-XXXXXX)
chmod 755 "$TMP"
sfx=$$
RO=tsro$sfx OP=tsop$sfx SU=tssu$sfx UNK=tsun$sfx
made_group=0
cleanup() {
	[ -n "${HOLD:-}" ] && kill "$HOLD" 2>/dev/null
	stop_daemon >/dev/null
	for u in $RO $OP $SU $UNK; do userdel "$u" 2>/dev/null; done
	[ $made_group = 1 ] && groupdel tula 2>/dev/null
	rm -rf "$TMP" /etc/tula-sec-$sfx
}
trap cleanup EXIT
# a test killed by meson (timeout) or by hand still removes its users and daemon
trap 'exit 143' TERM
trap 'exit 130' INT

if ! getent group tula >/dev/null; then groupadd tula && made_group=1; fi
for u in $RO $OP $SU $UNK; do useradd -M -N -g tula -s /bin/sh "$u" || exit 1; done
mkdir -m 700 "$TMP/su" && chown "$SU" "$TMP/su"

start_daemon "$TMP" || exit 1
expect_rc "root configures the login classes" 0 cli -c configure \
	-c "set system login user $RO class read-only" \
	-c "set system login user $OP class operator" \
	-c "set system login user $SU class super-user" -c commit

as() { local u=$1; shift; (cd "$TMP/su" 2>/dev/null || cd /; setpriv --reuid="$u" --regid=tula --init-groups "$TULA" "$@"); }

# --- files are the client's -------------------------------------------------------------
expect_rc "a super-user cannot load /etc/shadow through the daemon" 1 \
	as $SU cli --socket "$SOCK" -c configure -c 'load set /etc/shadow'
contains "load reads as the caller: permission denied" "$ERR" "error: cannot read /etc/shadow: Permission denied"
lacks "no line of /etc/shadow comes back" "$ERR" "root:"
expect_rc "a super-user cannot save into /etc through the daemon" 1 \
	as $SU cli --socket "$SOCK" -c configure -c "save /etc/tula-sec-$sfx"
contains "save writes as the caller: permission denied" "$ERR" "error: cannot write /etc/tula-sec-$sfx: Permission denied"
[ ! -e /etc/tula-sec-$sfx ] && ok "nothing was written to /etc" || not_ok "/etc/tula-sec-$sfx exists"
expect_rc "| save cannot write into /etc either" 1 \
	as $SU cli --socket "$SOCK" -c "show configuration | save /etc/tula-sec-$sfx"
contains "| save: permission denied" "$ERR" "error: cannot write /etc/tula-sec-$sfx: Permission denied"
[ ! -e /etc/tula-sec-$sfx ] && ok "| save wrote nothing to /etc" || not_ok "/etc/tula-sec-$sfx exists"
# a relative path is the client's (its working directory, which the daemon cannot read)
echo 'system { host-name sec1; }' >"$TMP/su/mine.conf"; chown "$SU" "$TMP/su/mine.conf"; chmod 600 "$TMP/su/mine.conf"
expect_rc "load merge of the caller's own relative file" 0 \
	as $SU cli --socket "$SOCK" -c configure -c 'load merge mine.conf' -c commit
contains "the caller's file was loaded" "$OUT" "load complete"
expect_rc "the loaded host-name is active" 0 cli -c 'show configuration system host-name'
contains "host-name from the caller's file" "$OUT" "host-name sec1;"
expect_rc "save writes the caller's own file" 0 as $SU cli --socket "$SOCK" -c configure -c 'save saved.conf'
contains "save reports the lines written" "$OUT" "lines of configuration to 'saved.conf'"
[ "$(stat -c %U "$TMP/su/saved.conf" 2>/dev/null)" = "$SU" ] && ok "the saved file belongs to the caller" \
	|| not_ok "saved.conf: $(stat -c %U "$TMP/su/saved.conf" 2>&1)"
grep -q "host-name sec1;" "$TMP/su/saved.conf" && ok "the saved file holds the configuration" \
	|| not_ok "saved.conf lacks the host-name"
expect_rc "| save writes the output as the caller" 0 as $SU cli --socket "$SOCK" -c 'show version | save ver.txt'
contains "| save reports the lines" "$OUT" "lines of output to 'ver.txt'"
grep -q "Tula version:" "$TMP/su/ver.txt" && [ "$(stat -c %U "$TMP/su/ver.txt")" = "$SU" ] \
	&& ok "| save's file holds the output and belongs to the caller" || not_ok "ver.txt wrong"
expect_rc "a file over 4 MiB is refused with the limit" 1 \
	as $SU cli --socket "$SOCK" -c configure -c 'load merge /dev/zero'
contains "the size cap says so" "$ERR" "error: cannot read /dev/zero: larger than 4 MiB"

# --- one class rule ----------------------------------------------------------------------
expect_rc "read-only may not run tula lua" 1 as $RO lua --socket "$SOCK" -e 'print(1)'
contains "tula lua: read-only refused with the class" "$ERR" "permission denied: 'tula lua' needs class operator; your class is read-only"
lacks "the script did not run" "$OUT" "1"
expect_rc "read-only may not run op" 1 as $RO cli --socket "$SOCK" -c 'op anything'
contains "op: read-only refused with the class" "$ERR" "needs class operator; your class is read-only"
expect_rc "operator may run tula lua" 0 as $OP lua --socket "$SOCK" -e 'print(tula.class)'
contains "tula lua runs as the operator" "$OUT" "operator"
expect_rc "operator may not save the rescue configuration" 1 \
	as $OP cli --socket "$SOCK" -c 'request system configuration rescue save'
contains "rescue save needs super-user" "$ERR" "permission denied: 'request system configuration rescue save' needs class super-user; your class is operator"
expect_rc "super-user may save the rescue configuration" 0 \
	as $SU cli --socket "$SOCK" -c 'request system configuration rescue save'
expect_rc "a user absent from system login is refused by tula lua" 3 as $UNK lua --socket "$SOCK" -e 'print(1)'
contains "tula lua: absent user refused" "$ERR" "user $UNK is not configured under system login"
expect_rc "root (uid 0) stays super-user without a login entry" 0 "$TULA" lua --socket "$SOCK" -e 'print(tula.class)'
contains "root's class" "$OUT" "super-user"

# --- bounded clients ------------------------------------------------------------------------
R=$(python3 "$WIRE" "$SOCK" silent)
case "$R" in
"closed after "*) s=${R#closed after }; s=${s% s}
	if python3 -c "import sys; sys.exit(0 if 4.5 <= $s <= 8 else 1)"; then
		ok "a silent client is closed after the 5 s HELLO timeout ($R)"
	else not_ok "a silent client: $R (expected about 5 s)"; fi ;;
*) not_ok "a silent client: $R" ;;
esac
R=$(python3 "$WIRE" "$SOCK" bigframe)
contains "a 1 MiB frame before HELLO is refused" "$R" "answer 65: message of 1048576 bytes before HELLO refused (at most 4096)"
contains "and the connection is closed" "$R" "closed"
expect_rc "the daemon still serves after the big frame" 0 cli -c 'show version'

mkfifo "$TMP/hold"; chmod 666 "$TMP/hold"
(cd /; setpriv --reuid="$OP" --regid=tula --init-groups "$PY" "$WIRE" "$SOCK" hold 8 <"$TMP/hold" >"$TMP/hold.out" 2>&1) &
HOLD=$!
exec 9>"$TMP/hold"
for i in $(seq 1 100); do grep -q "^held" "$TMP/hold.out" && break; sleep 0.05; done
contains "a user holds 8 sessions" "$(cat "$TMP/hold.out")" "held 8"
expect_rc "the user's 9th session is refused" 1 as $OP cli --socket "$SOCK" -c 'show version'
contains "the refusal names the cap" "$ERR" "too many CLI sessions for $OP (at most 8)"
expect_rc "another user is not affected by that cap" 0 as $RO cli --socket "$SOCK" -c 'show version'
exec 9>&-
wait "$HOLD" 2>/dev/null; HOLD=
for i in $(seq 1 50); do as $OP cli --socket "$SOCK" -c 'show version' >/dev/null 2>&1 && break; sleep 0.1; done
expect_rc "closed sessions free the user's slots" 0 as $OP cli --socket "$SOCK" -c 'show version'

R=$(python3 "$WIRE" "$SOCK" forge configure 'set system host-name forged1' commit)
contains "the forging client committed" "$R" "commit complete"
pid=$(printf '%s\n' "$R" | sed -n 's/^pid //p')
expect_rc "the commit history is readable" 0 cli -c 'show system commit'
contains "the audit records uid and pid from the kernel" "$OUT" "uid 0 pid $pid"
lacks "the audit ignores the claimed tty" "$OUT" "forged-tty"

# --- | match is bounded --------------------------------------------------------------------
# 300 VIPs whose descriptions are long runs of 'a' with no 'b': the worst case of a
# backtracking matcher for "(a*)*b" and "(a|aa)*b" (glibc regexec takes 0.6 s for the
# latter on one such line of 10000 characters)
# 1000 VIPs whose descriptions are runs of 1000 'a' (near the longest value) and no
# 'b': the worst case of a backtracking matcher (glibc regexec needs about 6 ms per such
# line for "(a|aa)*b", 6 s for the 1000). Each command is timed alone, from request to
# DONE (wire.py timed).
N=1000
long=$(printf 'a%.0s' $(seq 1 1000))
{
	echo configure
	for i in $(seq 1 $N); do echo "set services dsr vip v$i description \"$long\""; done
	echo 'show | count'
	echo 'show | match "(a*)*b"'
	echo 'show | match "(a|aa)*b"'
	echo 'show | except "(a|aa)*b" | match "^ *description \"a{255}" | count'
	echo 'rollback 0'
} | python3 "$WIRE" "$SOCK" timed >"$TMP/timed.out"
tail -n 5 "$TMP/timed.out" | sed 's/^/# /'
read -r ms_count st_count n_count last_count < <(sed -n "$((N + 2))p" "$TMP/timed.out")
read -r ms_m1 st_m1 n_m1 _ < <(sed -n "$((N + 3))p" "$TMP/timed.out")
read -r ms_m2 st_m2 n_m2 _ < <(sed -n "$((N + 4))p" "$TMP/timed.out")
read -r ms_ex st_ex n_ex last_ex < <(sed -n "$((N + 5))p" "$TMP/timed.out")
[ "$(head -n $((N + 1)) "$TMP/timed.out" | awk '$2 != 0' | wc -l)" = 0 ] && ok "the $N long descriptions were set" \
	|| not_ok "some sets failed: $(head -n $((N + 1)) "$TMP/timed.out" | awk '$2 != 0' | head -2)"
contains "the candidate is long" "$last_count" "Count: 30"
[ "$st_m1/$n_m1" = "0/0" ] && [ "$st_m2/$n_m2" = "0/0" ] && ok "no line matches (a*)*b or (a|aa)*b (there is no b)" \
	|| not_ok "match: status/lines $st_m1/$n_m1 and $st_m2/$n_m2"
contains "| except keeps the $N lines of 'a'" "$last_ex" "Count: $N lines"
for v in "$ms_m1 (a*)*b" "$ms_m2 (a|aa)*b" "$ms_ex except"; do
	set -- $v
	[ "$1" -lt 1500 ] && ok "| match/except \"$2\" on $N lines of 1000 'a' returned in $1 ms (bound 1.5 s; show | count: $ms_count ms)" \
		|| not_ok "| $2 took $1 ms"
done
expect_rc "the daemon still answers" 0 cli -c 'show version'

stop_daemon
finish
