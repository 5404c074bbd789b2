#!/usr/bin/env bash
# lua-sandbox: every way a script can misbehave through `tula lua -e` ends with a clear
# error and a non-zero exit, and the daemon keeps answering `show version` after each.
. "$(dirname "$0")/lib.sh"
daemon_start

# refused CASE REGEX CODE: the script fails with an error matching REGEX, then the
# daemon still answers.
refused() {
	local what=$1 want=$2 code=$3 t0 t1
	t0=${EPOCHREALTIME/./}
	run_capture tlua -e "$code"
	t1=${EPOCHREALTIME/./}
	[[ $RC == 1 ]] || fail "$what: exit status $RC, expected 1 (stderr: $ERR)"
	[[ $ERR =~ $want ]] || fail "$what: error '$ERR' does not match /$want/"
	daemon_alive || fail "$what: the daemon stopped answering show version"
	ok "$what: refused in $(((t1 - t0) / 1000)) ms with '$ERR'; show version still answers"
}

refused "io.open" "^error: \(command line\):1: attempt to index a nil value \(global 'io'\)$" \
	"local f = io.open('/etc/passwd') return f:read('a')"
refused "os.execute" "attempt to call a nil value \(field 'execute'\)" \
	"os.execute('touch $WORK/pwned')"
[[ ! -e $WORK/pwned ]] || fail "os.execute ran a command"
refused "binary chunk through load" "attempt to load a binary chunk \(mode is 't'\)" \
	"assert(load('\27Lua\84\0\25\147\r\n\26\n'))"
refused "binary chunk through load with mode b" "attempt to load a binary chunk" \
	"assert(load('\27Lua\84\0', 'x', 'b'))"
# a real compiled chunk when luac is installed, else its header
if command -v luac5.4 >/dev/null; then
	echo 'print("compiled")' >"$WORK/evil.lua"
	luac5.4 -o "$WORK/evil.luac" "$WORK/evil.lua"
else
	printf '\033Lua\124\000\031\223\r\n\032\n' >"$WORK/evil.luac"
fi
run_capture tlua "$WORK/evil.luac"
[[ $RC == 1 && $ERR == "error: evil.luac: attempt to load a binary chunk (mode is 't')" ]] ||
	fail "binary chunk as a script file: $RC '$ERR'"
daemon_alive || fail "binary chunk file: the daemon stopped answering"
ok "binary chunk as a script file: refused with '$ERR'"
refused "endless loop" "^error: \(command line\):1: script killed: (instruction|time) budget exceeded" \
	"while true do end"
refused "string.rep memory bomb" "not enough memory: the script exceeded its memory limit of 64 MiB" \
	"local s = string.rep('x', 1 << 30) return #s"
refused "doubling memory bomb" "memory limit of 64 MiB" \
	"local s = 'x' while true do s = s .. s end"
refused "deep recursion" "stack overflow|memory limit of 64 MiB" \
	"local function f(n) return 1 + f(n + 1) end return f(1)"
refused "deep C recursion" "stack overflow" \
	"local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t.x"
refused "coroutine loop" "script killed: (instruction|time) budget exceeded" \
	"local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() end"
refused "loop inside a coroutine" "script killed: (instruction|time) budget exceeded" \
	"coroutine.wrap(function() while true do end end)()"
refused "pcall catching the budget error and looping on" "script killed: (instruction|time) budget exceeded" \
	"while true do pcall(function() while true do end end) end"
refused "xpcall with a looping handler" "script killed: (instruction|time) budget exceeded" \
	"while true do xpcall(function() while true do end end, function() while true do end end) end"
refused "pattern backtracking bomb" "script killed: (instruction|time) budget exceeded" \
	"local s = string.rep('a', 3000) return s:find('.-.-.-b')"
refused "looping finalizer" "__gc metamethods are not allowed" \
	"setmetatable({}, {__gc = function() while true do end end})"
refused "require outside the script directory" "bad module name" \
	"require('../../etc/passwd')"

# and a well-behaved script still runs
run_capture tlua -e "print(tula.show('version').version)"
[[ $RC == 0 && -n $OUT ]] || fail "a normal script after the sandbox cases: $RC '$ERR'"
ok "a normal script runs afterwards: version $OUT"
