#!/usr/bin/env bash
# `commit confirmed` across a restart of the real daemon: the deadline is kept (the same
# rollback time is announced after the restart, and nothing reverts before it), the
# automatic rollback happens after the restart and is recorded as a new revision, and
# no confirmation is left pending afterwards. Takes a minute: the shortest
# `commit confirmed` is one minute, as in Junos.
# Usage: confirm-restart.sh TULA-BINARY
set -u
TULA=$1
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d /tmp/tula-cr-XXXXXX)
trap 'stop_daemon >/dev/null; rm -rf "$TMP"' EXIT

host_name() { cli -c 'show configuration system host-name' | tr -d ' ;\n'; }
pending() { cli -c 'show system commit' | grep 'is pending' || true; }

start_daemon "$TMP" || exit 1
expect_rc "a plain commit" 0 cli -c configure -c 'set system host-name lb-keep' \
	-c 'commit comment "keep"'
expect_rc "commit confirmed 1" 0 cli -c configure -c 'set system host-name lb-risky' \
	-c 'commit confirmed 1 comment "risky"'
before=$(pending)
contains "show system commit announces the rollback" "$before" "rolls back at"
[ "$(host_name)" = host-namelb-risky ] && ok "the confirmed commit is active" ||
	not_ok "active host-name: $(host_name)"

stop_daemon
start_daemon "$TMP" || exit 1
after=$(pending)
[ -n "$after" ] && [ "$after" = "$before" ] && ok "after a restart, the same deadline: $after" ||
	not_ok "pending before the restart: '$before', after: '$after'"
[ "$(host_name)" = host-namelb-risky ] && ok "nothing reverted at start, before the deadline" ||
	not_ok "active host-name after the restart: $(host_name)"

# the deadline is at most 60 s after the commit; allow 30 s more for a loaded machine
for i in $(seq 1 90); do
	[ "$(host_name)" = host-namelb-keep ] && break
	sleep 1
done
seen=$(date +%s)
deadline=$(date -d "$(printf '%s' "$after" | sed -n 's/.*rolls back at \(.*\) unless.*/\1/p')" +%s)
[ "$(host_name)" = host-namelb-keep ] && ok "the restarted daemon rolled back" ||
	not_ok "no rollback after 90 s: $(host_name)"
# polled once a second: seen at most ~1 s after the rollback, which must not precede
# the deadline (whole seconds)
[ "$seen" -ge "$deadline" ] && ok "not before the deadline ($((seen - deadline)) s after it)" ||
	not_ok "rolled back $((deadline - seen)) s before the deadline"
history=$(cli -c 'show system commit')
contains "the rollback is a new revision that says why" \
	"$(printf '%s\n' "$history" | sed -n 1,2p)" "automatic rollback"
[ -z "$(pending)" ] && ok "no confirmation is pending any more" || not_ok "still: $(pending)"

stop_daemon
start_daemon "$TMP" || exit 1
[ "$(host_name)" = host-namelb-keep ] && [ -z "$(pending)" ] &&
	ok "a further restart keeps the rolled-back configuration" ||
	not_ok "after another restart: $(host_name) '$(pending)'"
stop_daemon
finish
