#!/usr/bin/env bash
# lua-op-drain: `op drain vip web backend be1` from the shell sets the backend's weight
# to 0 and commits; the committed configuration says so, and so does tula.show.
. "$(dirname "$0")/lib.sh"
daemon_start

run_capture tcli -c 'op drain vip web backend be1'
[[ $RC != 0 && $ERR =~ "op script 'drain' is not configured" ]] ||
	fail "an unconfigured op script must be refused: $RC '$OUT' '$ERR'"
ok "unconfigured op script refused: $ERR"

tcli -c 'configure private' -c 'set system scripts op file drain.lua' -c 'commit and-quit' \
	>/dev/null || fail "cannot configure the op script"

run_capture tcli -c 'op ?'
[[ $OUT =~ drain ]] || fail "op ? does not offer drain: '$OUT'"
ok "op ? offers drain"

run_capture tcli -c 'op drain vip web backend be1'
[[ $RC == 0 ]] || fail "op drain failed: $RC '$OUT' '$ERR'"
[[ $OUT =~ "backend be1 of VIP web: weight 100 -> 0 (committed" ]] || fail "op drain said '$OUT'"
ok "op drain: $OUT"

run_capture tcli -c 'show configuration services dsr vip web backend be1'
[[ $OUT =~ "weight 0;" ]] || fail "committed configuration: '$OUT'"
ok "the committed configuration has weight 0 for be1"
run_capture tcli -c 'show configuration services dsr vip web backend be2'
[[ $OUT =~ "weight 100;" ]] || fail "be2 must keep its weight: '$OUT'"
ok "be2 keeps weight 100"

run_capture tcli -c 'show system commit'
[[ $OUT =~ "op drain: vip web backend be1 weight 0" ]] || fail "commit history: '$OUT'"
ok "the commit is in the history with the script's comment"

run_capture tlua -e "print(tula.show('configuration services dsr vip web backend be1').weight)"
[[ $OUT == 0 ]] || fail "tula.show: '$OUT' '$ERR'"
ok "tula.show sees weight 0"

run_capture tcli -c 'op drain vip web backend be1 weight 100'
[[ $RC == 0 && $OUT =~ "weight 0 -> 100" ]] || fail "undrain: $RC '$OUT' '$ERR'"
ok "op drain ... weight 100 puts it back"
