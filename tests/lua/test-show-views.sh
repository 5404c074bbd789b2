#!/usr/bin/env bash
# lua-show-returns-the-operational-views: tula.show() on the daemon's real views
# (services dsr, its statistics, interfaces, arp, system commit) returns the same data
# as the operator's `show`, as tables a script can index; a view without structured
# output is refused with a reason.
. "$(dirname "$0")/lib.sh"
daemon_start

check_lua() { # NAME CHUNK: the chunk must print exactly "ok"
	run_capture tlua -e "$2"
	[[ $RC == 0 && $OUT == ok ]] || fail "$1: rc $RC, out '$OUT', err '$ERR'"
	ok "$1"
}

check_lua "services dsr: the VIP, its backends and their weights" '
local v = tula.show("services dsr")
assert(#v == 1, "one VIP, got " .. #v)
assert(v[1].name == "web" and v[1].address == "10.0.1.100", "VIP " .. tostring(v[1].name))
assert(v[1].port == 80 and v[1].protocol == "tcp" and v[1].mode == "l2", "service")
assert(v[1].interface == "port0", "interface " .. tostring(v[1].interface))
local b = v[1].backends
assert(#b == 2 and b[1].name == "be1" and b[2].name == "be2", "backends")
assert(b[1].address == "10.0.1.11" and b[1].weight == 100, "be1 " .. tostring(b[1].address))
assert(type(b[1].usable) == "boolean" and type(b[1].neighbour) == "string", "be1 state")
print("ok")'

check_lua "services dsr vip web: one VIP by name" '
local v = tula.show("services dsr vip web")
assert(#v == 1 and v[1].name == "web", "vip web")
print("ok")'

check_lua "services dsr statistics: counters as numbers, per VIP and backend" '
local s = tula.show("services dsr statistics")
assert(math.type(s.events["rx-packets"]) == "integer", "rx-packets")
assert(s.events["icmp-errors-rate-limited"] == 0, "icmp-errors-rate-limited")
assert(s.vips[1].name == "web" and s.vips[1].counters.packets == 0, "vip counters")
assert(s.vips[1].backends[1].name == "be1", "backend counters")
print("ok")'

check_lua "interfaces: the port, its device and address" '
local i = tula.show("interfaces")
assert(#i == 1 and i[1].name == "port0" and i[1].device == "net_null0", "port0")
assert(i[1].addresses[1] == "10.0.1.10/24" and i[1].mtu == 1500, "address, mtu")
print("ok")'

check_lua "arp: an entry for each backend being resolved" '
local seen = {}
for _, e in ipairs(tula.show("arp")) do
	assert(e.interface == "port0", "interface " .. tostring(e.interface))
	seen[e.address] = e.state
end
assert(seen["10.0.1.11"] and seen["10.0.1.12"], "be1 and be2 are in the table")
print("ok")'

# a commit from Lua, then the history as a table: newest first, with its comment
check_lua "system commit: the history, newest first" '
local c = tula.config()
c:set("services dsr vip web backend be1 weight 5")
c:commit{comment = "from lua"}
c:close()
local r = tula.show("system commit").revisions
assert(#r >= 3, "revisions " .. #r)
assert(r[1].index == 0 and r[1].comment == "from lua", "newest: " .. tostring(r[1].comment))
assert(r[2].comment == "test configuration", "before it: " .. tostring(r[2].comment))
assert(tula.show("services dsr")[1].backends[1].weight == 5, "the commit is active")
print("ok")'

run_capture tlua -e 'tula.show("services dsr vip nosuch")'
[[ $RC != 0 && $ERR =~ nosuch ]] || fail "an unknown VIP: rc $RC, err '$ERR'"
ok "an unknown VIP is an error naming it"
