#!/usr/bin/env bash
# lua-commit-script: check-ports.lua refuses a VIP on a port outside the allowed list
# with its own message, lets an allowed port through, and shows a warning for a
# deprecated one — through `tula cli` like an operator's commit.
. "$(dirname "$0")/lib.sh"
daemon_start

commit() { # commit SET-LINE...: one private session, the lines, commit
	local args=(-c 'configure private') l
	for l in "$@"; do args+=(-c "$l"); done
	args+=(-c 'commit and-quit')
	run_capture tcli "${args[@]}"
}
port_now() {
	tcli -c 'show configuration services dsr vip web port' | tr -d ' ;\n'
}

commit 'set system scripts commit file check-ports.lua'
[[ $RC == 0 ]] || fail "enabling the commit script: $RC '$OUT' '$ERR'"
ok "check-ports.lua enabled"

commit 'set services dsr vip web port 8081'
[[ $RC != 0 ]] || fail "port 8081 was committed: '$OUT'"
[[ "$OUT$ERR" =~ "VIP web: port 8081 is not allowed (allowed ports: 80, 443)" ]] ||
	fail "the script's message is missing: '$OUT' '$ERR'"
[[ $(port_now) == port80 ]] || fail "the active port changed: $(port_now)"
ok "bad commit refused with the script's message; port stays 80"

commit 'set services dsr vip web port 443'
[[ $RC == 0 ]] || fail "port 443 refused: '$OUT' '$ERR'"
[[ $(port_now) == port443 ]] || fail "port 443 not active: $(port_now)"
ok "good commit (port 443) passes"

commit 'set services dsr vip web port 8080'
[[ $RC == 0 ]] || fail "port 8080 refused: '$OUT' '$ERR'"
[[ "$OUT$ERR" =~ warning.*"VIP web uses deprecated port 8080: move it to 80 or 443" ]] ||
	fail "no warning shown: '$OUT' '$ERR'"
[[ $(port_now) == port8080 ]] || fail "port 8080 not active: $(port_now)"
ok "deprecated port 8080 passes with the warning shown"

commit 'set system scripts commit file broken-commit.lua'
[[ $RC != 0 && "$OUT$ERR" =~ "broken-commit.lua:4: attempt to index a nil value" ]] ||
	fail "a failing script must fail the commit with its name and line: '$OUT' '$ERR'"
ok "a script error fails the commit with the script's name and line"
