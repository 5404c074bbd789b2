#!/usr/bin/env bash
# `tula cli` without a terminal: plain output, exit status, errors on stderr, the help
# list for a trailing ?, commands from -c and from stdin, a whole configuration session.
# Usage: noninteractive.sh TULA-BINARY
set -u
TULA=$1
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/tula-ni-XXXXXX)
trap 'stop_daemon >/dev/null; rm -rf "$TMP"' EXIT

start_daemon "$TMP" || exit 1

expect_rc "a good command exits 0" 0 cli -c 'show version'
contains "its output is on stdout" "$OUT" "Tula version:"
[ -z "$ERR" ] && ok "nothing on stderr" || not_ok "stderr not empty: $ERR"

expect_rc "a syntax error exits 1" 1 cli -c 'show versoin'
[ -z "$OUT" ] && ok "nothing on stdout after the error" || not_ok "stdout: $OUT"
contains "the error is on stderr with the line" "$ERR" "show versoin"
contains "a ^ points at the bad word" "$ERR" "     ^"
contains "the error says what was expected" "$ERR" "syntax error, expecting one of:"

expect_rc "the first error stops the run" 1 cli -c 'show version' -c 'show nothing' -c 'show system uptime'
contains "commands before the error ran" "$OUT" "Tula version:"
lacks "commands after the error did not run" "$OUT" "Tula started:"

expect_rc "an ambiguous word exits 1" 1 cli -c 'show s'
contains "ambiguity lists the candidates" "$ERR" "'s' is ambiguous."
contains "ambiguity lists services" "$ERR" "services"

expect_rc "a trailing ? prints the help list" 0 cli -c 'show services ?'
contains "help list header" "$OUT" "Possible completions:"
contains "help lists dsr" "$OUT" "dsr"
expect_rc "help after a bad word is an error" 1 cli -c 'show bogus ?'

expect_rc "commands from stdin" 0 sh -c "printf 'show version\nshow system uptime\n' | '$TULA' cli --socket '$SOCK'"
contains "stdin commands ran in order" "$OUT" "Tula started:"
expect_rc "stdin stops at the first error" 1 sh -c "printf 'show bogus\nshow version\n' | '$TULA' cli --socket '$SOCK'"
lacks "nothing after the failing stdin line ran" "$OUT" "Tula version:"

expect_rc "pipes chain" 0 cli -c 'show version | match Tula | count'
contains "match | count" "$OUT" "Count: 1 lines"
expect_rc "display json on operational output" 0 cli -c 'show version | display json'
contains "json output" "$OUT" '"version": '
expect_rc "display set on operational output is refused" 1 cli -c 'show version | display set'

expect_rc "a configuration session" 0 cli -c configure -c 'set system host-name lb9' -c 'commit comment "from a script"'
contains "commit reports success" "$OUT" "commit complete"
expect_rc "the commit is active" 0 cli -c 'show configuration system host-name'
contains "host-name committed" "$OUT" "host-name lb9;"
expect_rc "display set on configuration" 0 cli -c 'show configuration system | display set'
contains "set form" "$OUT" "set system host-name lb9"
expect_rc "the history shows the comment" 0 cli -c 'show system commit'
contains "commit comment" "$OUT" "from a script"

expect_rc "commit options combine as in Junos" 0 cli -c configure -c 'set system host-name lb6' -c 'commit confirmed 5 comment "try lb6"' -c 'set system host-name lb5' -c 'commit comment "keep lb5" and-quit'
contains "confirmed commit announced" "$OUT" "automatically rolled back in 5 minutes"
contains "the next commit confirms it" "$OUT" "the pending commit confirmed is now confirmed"
contains "and-quit leaves configuration mode" "$OUT" "Exiting configuration mode"
expect_rc "both comments are recorded" 0 cli -c 'show system commit'
contains "the confirmed commit's comment" "$OUT" "try lb6"
contains "the and-quit commit's comment" "$OUT" "keep lb5"
expect_rc "commit check takes no other option" 1 cli -c configure -c 'commit check comment "x"'
contains "the reason is given" "$ERR" "commit check commits nothing"

expect_rc "load merge terminal reads stdin" 0 sh -c "echo 'system { host-name lb7; }' | '$TULA' cli --socket '$SOCK' -c configure -c 'load merge terminal' -c commit"
contains "load complete" "$OUT" "load complete"
expect_rc "loaded text committed" 0 cli -c 'show configuration system host-name'
contains "host-name from load" "$OUT" "host-name lb7;"

expect_rc "a bad value is refused with its reason" 1 cli -c configure -c 'set system commit history 500'
contains "the reason names the value" "$ERR" "500"

expect_rc "exit with uncommitted changes answers the default" 0 cli -c configure -c 'set system host-name lb8' -c exit
contains "the question is shown on stderr" "$ERR" "Exit with uncommitted changes?"

expect_rc "usage errors exit 2" 2 "$TULA" cli --bogus
stop_daemon
expect_rc "no daemon: exit 1" 1 cli -c 'show version'
contains "no daemon: says so" "$ERR" "is tula running?"

finish
