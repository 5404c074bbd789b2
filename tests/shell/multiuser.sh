#!/usr/bin/env bash
# `tula cli` as Unix users of each login class against a running daemon: what each
# class may run, what it is refused, an unknown user refused, a user outside group
# tula unable to connect, `show system users`, and a disconnected session releasing
# its exclusive lock. Creates the users (and group tula if missing) and removes them
# afterwards, even on failure. Needs root.
# Usage: multiuser.sh TULA-BINARY
set -u
TULA=$(readlink -f "$1")
if [ "$(id -u)" != 0 ]; then
	echo "multiuser.sh: needs root (it creates Unix users); skipped"
	exit 77
fi
for t in useradd userdel groupadd setpriv; do
	command -v $t >/dev/null || { echo "multiuser.sh: $t is missing; skipped"; exit 77; }
done
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/tula-mu-XXXXXX)
chmod 755 "$TMP"    # the users must reach the socket
sfx=$$
RO=tlro$sfx OP=tlop$sfx SU=tlsu$sfx UNK=tlun$sfx NOGRP=tlng$sfx
made_group=0
FIFO=$TMP/hold
cleanup() {
	[ -n "${HOLD:-}" ] && kill "$HOLD" 2>/dev/null
	stop_daemon >/dev/null
	for u in $RO $OP $SU $UNK $NOGRP; do userdel "$u" 2>/dev/null; done
	[ $made_group = 1 ] && groupdel tula 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
# a test killed by meson (timeout) or by hand still removes its users and daemon
trap 'exit 143' TERM
trap 'exit 130' INT

if ! getent group tula >/dev/null; then groupadd tula && made_group=1; fi
for u in $RO $OP $SU $UNK; do useradd -M -N -g tula -s /bin/sh "$u" || exit 1; done
useradd -M -U -s /bin/sh "$NOGRP" || exit 1

start_daemon "$TMP" || exit 1
[ "$(stat -c '%a %G' "$SOCK")" = "660 tula" ] && ok "the socket is mode 0660, group tula" \
	|| not_ok "socket is $(stat -c '%a %U:%G' "$SOCK")"

expect_rc "root configures the login classes" 0 cli -c configure \
	-c "set system login user $RO class read-only" \
	-c "set system login user $OP class operator" \
	-c "set system login user $SU class super-user" -c commit

as() { local u=$1; shift; setpriv --reuid="$u" --regid=tula --init-groups "$TULA" cli --socket "$SOCK" "$@"; }

# read-only
expect_rc "read-only may show" 0 as $RO -c 'show version'
contains "read-only sees the output" "$OUT" "Tula version:"
expect_rc "read-only may not request" 1 as $RO -c 'request system configuration rescue save'
contains "read-only: permission denied names the class" "$ERR" "permission denied: 'request system configuration rescue save' needs class super-user; your class is read-only"
expect_rc "read-only may not clear" 1 as $RO -c 'clear services dsr statistics'
contains "read-only: clear refused" "$ERR" "needs class operator; your class is read-only"
expect_rc "read-only may not configure" 1 as $RO -c configure
contains "read-only: configure refused" "$ERR" "needs class super-user"
expect_rc "read-only help hides configure" 0 as $RO -c '?'
lacks "read-only ? does not offer configure" "$OUT" "configure"
lacks "read-only ? does not offer request" "$OUT" "request"

# operator
expect_rc "operator may show" 0 as $OP -c 'show system uptime'
expect_rc "operator may not save the rescue configuration" 1 as $OP -c 'request system configuration rescue save'
contains "operator: rescue save needs super-user" "$ERR" "needs class super-user; your class is operator"
expect_rc "operator may clear" 0 as $OP -c 'clear services dsr statistics' -c 'clear arp'
expect_rc "operator may not configure" 1 as $OP -c configure
contains "operator: configure refused" "$ERR" "your class is operator"

# super-user
expect_rc "super-user may configure and commit" 0 as $SU -c configure -c 'set system host-name mu1' -c commit
contains "super-user: commit complete" "$OUT" "commit complete"
expect_rc "the super-user's commit is recorded under its name" 0 cli -c 'show system commit'
contains "commit history names the user" "$OUT" "by $SU via cli"

# unknown and outside the group
expect_rc "an unknown user is refused" 1 as $UNK -c 'show version'
contains "the refusal says what to do" "$ERR" "user $UNK is not configured under system login; ask an administrator"
expect_rc "a user outside group tula cannot connect" 1 \
	setpriv --reuid="$NOGRP" --regid="$NOGRP" --init-groups "$TULA" cli --socket "$SOCK" -c 'show version'
contains "the connect error says who may" "$ERR" "Permission denied"

# many sessions: a super-user holds `configure exclusive` on a long-lived session
mkfifo "$FIFO"; chmod 666 "$FIFO"
setpriv --reuid="$SU" --regid=tula --init-groups "$TULA" cli --socket "$SOCK" <"$FIFO" \
	>"$TMP/hold.out" 2>&1 &
HOLD=$!
exec 9>"$FIFO"
echo "configure exclusive" >&9
for i in $(seq 1 100); do grep -q "Entering configuration mode" "$TMP/hold.out" && break; sleep 0.05; done
contains "the held session entered configure exclusive" "$(cat "$TMP/hold.out")" "Entering configuration mode (exclusive lock)"
expect_rc "show system users lists the sessions" 0 cli -c 'show system users'
contains "users: the held session with its class and mode" "$OUT" "configure exclusive"
contains "users: the held session's user" "$OUT" "$SU"
expect_rc "another configure exclusive is refused while the lock is held" 1 cli -c 'configure exclusive'
exec 9>&-          # the held client reads EOF and disconnects
wait "$HOLD" 2>/dev/null; HOLD=
for i in $(seq 1 50); do cli -c 'configure exclusive' >/dev/null 2>&1 && break; sleep 0.1; done
expect_rc "a disconnected session released its lock" 0 cli -c 'configure exclusive' -c 'exit'
stop_daemon

finish
