#!/usr/bin/env bash
# The database is never replaced behind the operator's back, with the real daemon:
#   - a database written by a newer Tula (user_version 99), a read-only database file,
#     a database directory Tula cannot write: each stops start-up with exit 1 and a
#     one-line reason naming the problem, and the database is byte-for-byte the same
#     afterwards (sha256), with nothing moved aside;
#   - a damaged database (pages overwritten: integrity_check fails) is moved aside, not
#     deleted — the same bytes under PATH.damaged-* — and Tula starts from the rescue
#     configuration, saying so in a warning;
#   - the database, its -wal/-shm and the rescue file are 0600.
# Usage: db-startup.sh TULA-BINARY
set -u
TULA=$1
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/tula-dbstart-XXXXXX)
trap 'stop_daemon >/dev/null; chmod 0700 "$TMP/db" 2>/dev/null; rm -rf "$TMP"' EXIT
DB=$TMP/db/config.db
mkdir -m 0700 "$TMP/db"

sum() { sha256sum "$1" | cut -d' ' -f1; }
mode() { stat -c %a "$1"; }

# refused NAME WANT: tula must exit 1 with WANT in its one-line reason and leave $DB as
# it was.
refused() {
	local name=$1 want=$2 before rc=0 last
	before=$(sum "$DB")
	# bounded: a Tula that starts anyway would run until stopped
	# shellcheck disable=SC2086
	timeout 30 unshare -n "$TULA" --db "$DB" --socket "$TMP/cli.sock" --no-console -- ${TULA_EAL_ARGS:-} \
		</dev/null >"$TMP/refused.log" 2>&1 || rc=$?
	last=$(tail -n 1 "$TMP/refused.log")
	echo "#   $last"
	[ "$rc" = 1 ] && ok "$name: tula refuses to start (exit 1)" ||
		{ not_ok "$name: exit $rc, expected 1"; sed 's/^/#   /' "$TMP/refused.log" | tail -5; }
	contains "$name: the last line says why" "$last" "tula: cannot open database $DB: $want"
	[ "$(sum "$DB")" = "$before" ] && ok "$name: the database is byte-for-byte unchanged" ||
		not_ok "$name: the database changed"
	lacks "$name: nothing was moved aside" "$(ls "$TMP/db")" "damaged"
}

# A database with a committed configuration and a rescue configuration.
start_daemon "$TMP/db" || exit 1
SOCK=$TMP/db/cli.sock
expect_rc "commit a host name" 0 cli -c configure -c 'set system host-name committed' \
	-c 'commit comment "the last commit"'
expect_rc "operators save a rescue configuration" 0 cli -c configure \
	-c 'set system host-name rescued' -c commit -c exit \
	-c 'request system configuration rescue save' -c configure \
	-c 'set system host-name committed' -c 'commit comment "the last commit"'
for f in "$DB" "$DB-wal" "$DB-shm" "$DB.rescue"; do
	[ "$(mode "$f")" = 600 ] && ok "$(basename "$f") is 0600" ||
		not_ok "$(basename "$f") has mode $(mode "$f")"
done
stop_daemon

sqlite3 "$DB" 'PRAGMA user_version = 99' >/dev/null
refused "user_version 99" "schema version 99 is newer than this Tula knows (1)"
sqlite3 "$DB" 'PRAGMA user_version = 1' >/dev/null

chmod 0444 "$DB"
refused "a read-only database file" "$DB is read-only (mode 0444)"
chmod 0600 "$DB"

chmod 0555 "$TMP/db"
refused "a database directory Tula cannot write" "directory $TMP/db is not writable (mode 0555)"
chmod 0700 "$TMP/db"

# Still the same database: it opens as it was left.
start_daemon "$TMP/db" || exit 1
contains "after the refusals, the last commit is active" \
	"$(cli -c 'show configuration system host-name')" "host-name committed;"
stop_daemon

# Damage: keep page 1 (header and schema), overwrite the others.
size=$(stat -c %s "$DB")
[ "$size" -gt 4096 ] || not_ok "the database is one page only ($size bytes)"
python3 - "$DB" <<'PY'
import os, sys
with open(sys.argv[1], "r+b") as f:
    size = os.fstat(f.fileno()).st_size
    for off in range(4096, size, 4096):
        f.seek(off)
        f.write(b"\x5a" * 4096)
PY
damaged=$(sum "$DB")
start_daemon "$TMP/db" || exit 1
log=$(cat "$TMP/db/daemon.log")
contains "the damage is logged as a warning" "$log" "tula[warning]: DATABASE DAMAGED: $DB"
contains "saying Tula started from the rescue configuration" "$log" \
	"STARTED FROM THE RESCUE CONFIGURATION"
aside=$(ls "$TMP/db" | grep '^config\.db\.damaged-[0-9T]*$' || true)
[ -n "$aside" ] && [ "$(sum "$TMP/db/$aside")" = "$damaged" ] &&
	ok "the damaged file is kept aside, unchanged, as $aside" ||
	not_ok "no damaged copy with the same bytes in: $(ls "$TMP/db" | tr '\n' ' ')"
contains "the warning names where it is kept" "$log" "$TMP/db/$aside"
contains "the rescue configuration is active" \
	"$(cli -c 'show configuration system host-name')" "host-name rescued;"
contains "and the new history says why" "$(cli -c 'show system commit')" \
	"started from the rescue configuration"
stop_daemon
finish
