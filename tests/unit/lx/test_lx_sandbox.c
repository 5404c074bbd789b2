/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sandbox: what a script can reach, and that every way of running away ends with
 * a clear error while the host (this process) carries on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lua/lx_sandbox.h"

static char scripts_dir[64];

/* Small budgets so that the runaway cases end quickly. */
static const struct lx_limits small = {8u << 20, 5000000u, 5000u};

struct run {
	struct tula_buf out;
	struct tula_buf err;
	int rc;
};

/* Run code in a fresh sandbox; the chunk's first result (if any) is appended to out. */
static void run_code(struct run *r, const struct lx_limits *lim, const char *code)
{
	struct lx_sandbox *sb;
	lua_State *L;

	memset(r, 0, sizeof(*r));
	sb = lx_sandbox_new(lim, scripts_dir, &r->out);
	assert_non_null(sb);
	L = lx_sandbox_state(sb);
	r->rc = lx_sandbox_load(sb, code, strlen(code), "test.lua", &r->err);
	if (r->rc == 0) {
		r->rc = lx_sandbox_call(sb, 0, 1, &r->err);
		if (r->rc == 0) {
			if (lua_type(L, -1) == LUA_TSTRING)
				tula_buf_puts(&r->out, lua_tostring(L, -1));
			lua_pop(L, 1);
		}
	}
	lx_sandbox_free(sb);
}

static void run_free(struct run *r)
{
	tula_buf_free(&r->out);
	tula_buf_free(&r->err);
}

static void expect_ok(const char *code, const char *out)
{
	struct run r;

	run_code(&r, &small, code);
	if (r.rc != 0)
		fail_msg("%s: %d %s", code, r.rc, tula_buf_str(&r.err));
	assert_string_equal(tula_buf_str(&r.out), out);
	run_free(&r);
}

static void expect_err(const struct lx_limits *lim, const char *code, int rc, const char *msg)
{
	struct run r;

	run_code(&r, lim, code);
	if (r.rc != rc || strstr(tula_buf_str(&r.err), msg) == NULL)
		fail_msg("%s: got %d '%s', want %d '%s'", code, r.rc, tula_buf_str(&r.err), rc,
			 msg);
	run_free(&r);
}

/* --- what is there ------------------------------------------------------------------- */

static void print_writes_to_the_output_buffer(void **state)
{
	(void)state;
	expect_ok("print('a', 1, nil, true) print() print(2.5)", "a\t1\tnil\ttrue\n\n2.5\n");
}

static void allowed_libraries_work(void **state)
{
	(void)state;
	expect_ok("return string.format('%d', #string.rep('ab', 3)) .. "
		  "table.concat({1, 2}, ',') .. math.max(3, 4) .. utf8.char(72) .. "
		  "type(os.time()) .. type(os.clock()) .. type(os.date('%Y')) .. "
		  "os.difftime(2, 1) .. ('x'):upper()",
		  "61,24Hnumbernumberstring1.0X");
	expect_ok("local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) "
		  "return b * 2 end) return tostring(co(1)) .. tostring(co(5))",
		  "210");
	expect_ok("return tostring(select('#', pcall(error, 'x')))", "2");
}

static void io_debug_package_are_absent(void **state)
{
	(void)state;
	expect_ok("return type(io) .. type(debug) .. type(package) .. type(dofile) .. "
		  "type(loadfile) .. type(string.dump) .. type(warn)",
		  "nilnilnilnilnilnilnil");
}

static void os_has_only_time_clock_date_difftime(void **state)
{
	(void)state;
	expect_ok("local k = {} for n in pairs(os) do k[#k + 1] = n end table.sort(k) "
		  "return table.concat(k, ',')",
		  "clock,date,difftime,time");
}

static void io_open_is_refused(void **state)
{
	(void)state;
	expect_err(&small, "local f = io.open('/etc/passwd') return f:read('a')", -ECANCELED,
		   "test.lua:1: attempt to index a nil value (global 'io')");
}

static void os_execute_is_refused(void **state)
{
	(void)state;
	expect_err(&small, "os.execute('touch /tmp/lx-pwned')", -ECANCELED,
		   "test.lua:1: attempt to call a nil value (field 'execute')");
	assert_int_not_equal(access("/tmp/lx-pwned", F_OK), 0);
}

static void binary_chunk_is_refused_by_load(void **state)
{
	(void)state;
	/* A binary chunk starts with ESC "Lua"; load must not even try to undump it. */
	expect_ok("local f, e = load('\\27Lua\\84\\0\\25\\147\\r\\n\\26\\n') return e",
		  "attempt to load a binary chunk (mode is 't')");
	expect_ok("local f, e = load('\\27Lua', 'x', 'b') return e",
		  "attempt to load a binary chunk (mode is 't')");
	expect_ok("return tostring(load('return 6 * 7', 'x', 'b')())", "42");
}

static void binary_chunk_is_refused_as_a_script(void **state)
{
	struct lx_sandbox *sb = lx_sandbox_new(&small, NULL, NULL);
	struct tula_buf err = TULA_BUF_INIT;
	static const char bin[] = "\x1bLua\x54\x00\x19\x93\r\n\x1a\n";

	(void)state;
	assert_int_equal(lx_sandbox_load(sb, bin, sizeof(bin) - 1, "evil.luac", &err), -EINVAL);
	assert_string_equal(tula_buf_str(&err),
			    "evil.luac: attempt to load a binary chunk (mode is 't')");
	assert_int_equal(lua_gettop(lx_sandbox_state(sb)), 0);
	lx_sandbox_free(sb);
	tula_buf_free(&err);
}

static void load_keeps_an_explicit_environment(void **state)
{
	(void)state;
	expect_ok("local f = load('return x', 'c', 't', {x = 'env'}) return f()", "env");
	expect_ok("x = 'global' local f = load('return x') return f()", "global");
}

static void syntax_error_names_the_chunk_and_line(void **state)
{
	(void)state;
	expect_err(&small, "local a = 1\nlocal = 2", -EINVAL, "test.lua:2:");
}

static void runtime_error_names_the_chunk_and_line(void **state)
{
	(void)state;
	expect_err(&small, "\n\nerror('boom')", -ECANCELED, "test.lua:3: boom");
	expect_err(&small, "error(setmetatable({}, {__tostring = function() return 'obj' end}))",
		   -ECANCELED, "obj");
	expect_err(&small, "error({})", -ECANCELED, "(error object is a table value)");
	expect_err(&small, "error(42)", -ECANCELED, "42");
}

/* --- budgets ----------------------------------------------------------------------- */

static void endless_loop_is_killed_by_the_instruction_budget(void **state)
{
	(void)state;
	expect_err(&small, "local n = 0\nwhile true do n = n + 1 end", -ETIME,
		   "test.lua:2: script killed: instruction budget exceeded (5000000 "
		   "instructions)");
}

static void endless_loop_is_killed_by_the_time_budget(void **state)
{
	const struct lx_limits lim = {8u << 20, UINT64_MAX / 2, 200};
	uint64_t t0 = 0;
	struct timespec ts;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	expect_err(&lim, "while true do end", -ETIME,
		   "script killed: time budget exceeded (200 ms)");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	assert_true((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 - t0 < 2000);
}

static void pcall_cannot_swallow_the_kill(void **state)
{
	(void)state;
	expect_err(&small,
		   "local caught = 0\n"
		   "while true do\n"
		   "  local ok, e = pcall(function() while true do end end)\n"
		   "  caught = caught + 1\n"
		   "end",
		   -ETIME, "instruction budget exceeded");
	expect_err(&small,
		   "while true do xpcall(function() while true do end end, "
		   "function(e) while true do end end) end",
		   -ETIME, "instruction budget exceeded");
	expect_err(&small, "while true do pcall(pcall, pcall, error, 'x') end", -ETIME,
		   "instruction budget exceeded");
}

static void load_reader_and_close_handler_cannot_swallow_the_kill(void **state)
{
	(void)state;
	expect_err(&small, "while true do load(function() while true do end end) end", -ETIME,
		   "instruction budget exceeded");
	expect_err(&small,
		   "while true do pcall(function()\n"
		   "  local x <close> = setmetatable({}, {__close = function()\n"
		   "    while true do end end})\n"
		   "  while true do end\n"
		   "end) end",
		   -ETIME, "instruction budget exceeded");
}

static void coroutine_loop_is_killed(void **state)
{
	(void)state;
	expect_err(&small, "coroutine.wrap(function() while true do end end)()", -ETIME,
		   "script killed: instruction budget exceeded");
	/* resume catches errors like pcall does */
	expect_err(&small,
		   "while true do\n"
		   "  local co = coroutine.create(function() while true do end end)\n"
		   "  coroutine.resume(co)\n"
		   "end",
		   -ETIME, "instruction budget exceeded");
	/* ping-pong between coroutines forever */
	expect_err(&small,
		   "local co = coroutine.wrap(function() while true do coroutine.yield() end end)\n"
		   "while true do co() end",
		   -ETIME, "instruction budget exceeded");
	/* a coroutine that swallows the kill inside itself */
	expect_err(&small,
		   "coroutine.wrap(function() while true do pcall(function() while true do end "
		   "end) end end)()",
		   -ETIME, "instruction budget exceeded");
}

static void killed_coroutine_cannot_run_its_close_handlers_unhooked(void **state)
{
	(void)state;
	/* A coroutine killed in its hook has hooks off; closing it must not run Lua. */
	expect_err(&small,
		   "coroutine.wrap(function()\n"
		   "  local x <close> = setmetatable({}, {__close = function()\n"
		   "    while true do end end})\n"
		   "  while true do end\n"
		   "end)()",
		   -ETIME, "instruction budget exceeded");
	expect_err(&small,
		   "local co = coroutine.create(function()\n"
		   "  local x <close> = setmetatable({}, {__close = function()\n"
		   "    while true do end end})\n"
		   "  while true do end\n"
		   "end)\n"
		   "coroutine.resume(co) coroutine.close(co) while true do end",
		   -ETIME, "instruction budget exceeded");
}

static void coroutine_wrap_and_close_behave_as_in_lua(void **state)
{
	(void)state;
	expect_ok("local f = coroutine.wrap(function(a)\n"
		  "  local x <close> = setmetatable({}, {__close = function() print('closed') "
		  "end})\n"
		  "  error('inner') end)\n"
		  "local ok, e = pcall(f) return tostring(ok) .. ' ' .. e",
		  "closed\nfalse test.lua:3: inner");
	expect_ok("local f = coroutine.wrap(function() end) f() "
		  "return select(2, pcall(f))",
		  "cannot resume dead coroutine");
	expect_ok("local co = coroutine.create(function() coroutine.yield() end)\n"
		  "coroutine.resume(co) return tostring(coroutine.close(co)) .. "
		  "coroutine.status(co)",
		  "truedead");
	expect_ok("return select(2, xpcall(error, function(e) return 'handled ' .. e end, "
		  "'x'))",
		  "handled x");
}

static void finalizers_are_refused(void **state)
{
	(void)state;
	expect_err(&small, "setmetatable({}, {__gc = function() while true do end end})",
		   -ECANCELED, "__gc metamethods are not allowed");
	expect_ok("local t = setmetatable({}, {__index = function() return 'ok' end}) return t.x",
		  "ok");
}

static void collectgarbage_keeps_only_harmless_options(void **state)
{
	(void)state;
	expect_ok("collectgarbage() collectgarbage('step') "
		  "return type(collectgarbage('count'))",
		  "number");
	expect_err(&small, "collectgarbage('stop')", -ECANCELED, "invalid option 'stop'");
}

/* --- memory and recursion -------------------------------------------------------------- */

static void string_rep_bomb_hits_the_memory_cap(void **state)
{
	(void)state;
	expect_err(&small, "local s = string.rep('x', 1 << 30) return #s", -ENOMEM,
		   "not enough memory: the script exceeded its memory limit of 8 MiB");
	expect_err(&small, "local s = 'xxxxxxxx' while true do s = s .. s end", -ENOMEM,
		   "memory limit of 8 MiB");
	expect_err(&small, "local t = {} for i = 1, 1e8 do t[i] = {i} end", -ENOMEM,
		   "memory limit of 8 MiB");
}

/*
 * Work done in C counts: a script that repeats big C calls is stopped by the instruction
 * budget. The time budget is set far out of reach, so only the charge can stop these
 * scripts: uncharged, the first and third would end normally and the second would run
 * into the time budget, each with a different result from the one expected here.
 */
static void long_c_calls_are_charged_to_the_instruction_budget(void **state)
{
	static const struct lx_limits lim = {64u << 20, 20000000u, 600000u};

	(void)state;
	/* 8 MiB per call, 1000 calls: few VM instructions, 8 GiB of memset */
	expect_err(&lim, "for i = 1, 1000 do local s = string.rep('x', 8 << 20) end", -ETIME,
		   "instruction budget exceeded");
	/* 1 M numbers sorted 100 times: 20 M comparisons each, none of them an instruction */
	expect_err(&lim,
		   "local t = {} for i = 1, 1000000 do t[i] = -i end\n"
		   "for k = 1, 100 do table.sort(t) end",
		   -ETIME, "instruction budget exceeded");
	expect_err(&lim,
		   "local t = {} for i = 1, 100000 do t[i] = 'abcdefgh' end\n"
		   "for k = 1, 1000 do local s = table.concat(t) end",
		   -ETIME, "instruction budget exceeded");
	/* ordinary use stays well inside the budget */
	expect_ok("local t = {} for i = 1, 1000 do t[i] = -i end table.sort(t)\n"
		  "return string.rep('ab', 3) .. t[1] .. table.concat({1, 2}, ',')",
		  "ababab-10001,2");
}

static void caught_memory_error_leaves_the_heap_usable(void **state)
{
	(void)state;
	expect_ok("local ok, e = pcall(string.rep, 'x', 1 << 30)\n"
		  "return tostring(ok) .. ' ' .. e .. ' ' .. #string.rep('y', 1000)",
		  "false not enough memory 1000");
}

static void memory_stays_under_the_cap(void **state)
{
	struct lx_sandbox *sb = lx_sandbox_new(&small, NULL, NULL);
	const char *code = "local t = {} for i = 1, 1e8 do t[i] = 'x' .. i end";

	(void)state;
	assert_int_equal(lx_sandbox_load(sb, code, strlen(code), "m", NULL), 0);
	assert_int_equal(lx_sandbox_call(sb, 0, 0, NULL), -ENOMEM);
	assert_true(lx_sandbox_memory_peak(sb) <= small.memory);
	assert_true(lx_sandbox_memory_peak(sb) > small.memory / 2);
	lx_sandbox_free(sb);
}

static void deep_lua_recursion_ends_with_stack_overflow(void **state)
{
	const struct lx_limits lim = {256u << 20, 500000000u, 20000u};

	(void)state;
	expect_err(&lim, "local function f(n) return 1 + f(n + 1) end return f(1)", -ECANCELED,
		   "stack overflow");
	/* with the default cap the memory gives out first, which is as clear */
	expect_err(&small, "local function f(n) return 1 + f(n + 1) end return f(1)", -ENOMEM,
		   "memory limit");
}

static void deep_c_recursion_ends_with_c_stack_overflow(void **state)
{
	(void)state;
	expect_err(&small,
		   "local t = setmetatable({}, {__index = function(t, k) return t[k] end})\n"
		   "return t.x",
		   -ECANCELED, "stack overflow");
	expect_err(&small, "local function f(s) return (s:gsub('.', f)) end return f('ab')",
		   -ECANCELED, "stack overflow");
}

static void output_is_capped(void **state)
{
	const struct lx_limits lim = {64u << 20, 500000000u, 20000u};

	(void)state;
	expect_err(&lim, "local s = string.rep('x', 1 << 20) while true do print(s) end",
		   -ECANCELED, "print: output limit of 16 MiB exceeded");
}

/* --- the host carries on ---------------------------------------------------------------- */

static void a_killed_sandbox_can_run_again(void **state)
{
	struct lx_sandbox *sb = lx_sandbox_new(&small, NULL, NULL);
	struct tula_buf err = TULA_BUF_INIT;
	lua_State *L = lx_sandbox_state(sb);
	const char *loop = "co = coroutine.create(function() while true do end end) "
			   "coroutine.resume(co) while true do end";
	const char *fine = "return 'still here'";

	(void)state;
	assert_int_equal(lx_sandbox_load(sb, loop, strlen(loop), "a", &err), 0);
	assert_int_equal(lx_sandbox_call(sb, 0, 0, &err), -ETIME);
	assert_int_equal(lua_gettop(L), 0);
	assert_int_equal(lx_sandbox_load(sb, fine, strlen(fine), "b", &err), 0);
	assert_int_equal(lx_sandbox_call(sb, 0, 1, &err), 0);
	assert_string_equal(lua_tostring(L, -1), "still here");
	lua_pop(L, 1);
	lx_sandbox_free(sb);
	tula_buf_free(&err);
}

static void arguments_and_results_cross_the_boundary(void **state)
{
	struct lx_sandbox *sb = lx_sandbox_new(NULL, NULL, NULL);
	lua_State *L = lx_sandbox_state(sb);
	const char *code = "local a, b = ... return a .. b, 7";

	(void)state;
	assert_int_equal(lx_sandbox_load(sb, code, strlen(code), "args", NULL), 0);
	lua_pushstring(L, "x");
	lua_pushstring(L, "y");
	assert_int_equal(lx_sandbox_call(sb, 2, LUA_MULTRET, NULL), 0);
	assert_int_equal(lua_gettop(L), 2);
	assert_string_equal(lua_tostring(L, 1), "xy");
	assert_int_equal(lua_tointeger(L, 2), 7);
	assert_true(lx_sandbox_instructions(sb) < LX_HOOK_EVERY * 2);
	lx_sandbox_free(sb);
}

static void sandboxes_nest_only_so_deep(void **state)
{
	struct lx_sandbox *sb[LX_NEST_MAX];
	int i;

	(void)state;
	for (i = 0; i < LX_NEST_MAX; i++) {
		sb[i] = lx_sandbox_new(NULL, NULL, NULL);
		assert_non_null(sb[i]);
	}
	errno = 0;
	assert_null(lx_sandbox_new(NULL, NULL, NULL));
	assert_int_equal(errno, EMLINK);
	for (i = 0; i < LX_NEST_MAX; i++)
		lx_sandbox_free(sb[i]);
	sb[0] = lx_sandbox_new(NULL, NULL, NULL);
	assert_non_null(sb[0]);
	lx_sandbox_free(sb[0]);
}

/* --- require and script files ------------------------------------------------------------ */

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", scripts_dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void require_loads_from_the_script_directory_once(void **state)
{
	(void)state;
	write_file("util.lua", "count = (count or 0) + 1 return {twice = function(x) "
			       "return 2 * x end}");
	mkdir("lib", 0755);
	write_file("lib/deep.lua", "return 'deep:' .. ...");
	expect_ok("local u = require('util') local v = require 'util' "
		  "return u.twice(21) .. ' ' .. tostring(u == v) .. ' ' .. count .. ' ' .. "
		  "require('lib.deep')",
		  "42 true 1 deep:lib.deep");
}

static void require_refuses_paths_and_missing_modules(void **state)
{
	(void)state;
	expect_err(&small, "require('../etc/passwd')", -ECANCELED, "bad module name");
	expect_err(&small, "require('/etc/passwd')", -ECANCELED, "bad module name");
	expect_err(&small, "require('a..b')", -ECANCELED, "bad module name");
	expect_err(&small, "require('io')", -ECANCELED,
		   "require: module 'io' not found in the script directory");
	write_file("self.lua", "return require('self')");
	expect_err(&small, "require('self')", -ECANCELED, "module 'self' requires itself");
	write_file("bin.lua", "\x1bLua\x54");
	expect_err(&small, "require('bin')", -ECANCELED, "attempt to load a binary chunk");
}

static void load_file_reads_plain_names_only(void **state)
{
	struct lx_sandbox *sb = lx_sandbox_new(&small, scripts_dir, NULL);
	struct tula_buf err = TULA_BUF_INIT;
	lua_State *L = lx_sandbox_state(sb);

	(void)state;
	write_file("hello.lua", "return 'hello ' .. ...");
	assert_int_equal(lx_sandbox_load_file(sb, "hello.lua", &err), 0);
	lua_pushstring(L, "op");
	assert_int_equal(lx_sandbox_call(sb, 1, 1, &err), 0);
	assert_string_equal(lua_tostring(L, -1), "hello op");
	lua_pop(L, 1);
	assert_int_equal(lx_sandbox_load_file(sb, "../hello.lua", &err), -EINVAL);
	assert_int_equal(lx_sandbox_load_file(sb, ".hidden", &err), -EINVAL);
	assert_int_equal(lx_sandbox_load_file(sb, "missing.lua", &err), -ENOENT);
	assert_non_null(strstr(tula_buf_str(&err), "missing.lua: No such file"));
	assert_int_equal(lx_sandbox_load_file(sb, "lib", &err), -EISDIR);
	assert_int_equal(lua_gettop(L), 0);
	lx_sandbox_free(sb);
	tula_buf_free(&err);
}

static int setup_dir(void **state)
{
	(void)state;
	snprintf(scripts_dir, sizeof(scripts_dir), "/tmp/lx-sandbox-XXXXXX");
	if (mkdtemp(scripts_dir) == NULL)
		return -1;
	return chdir(scripts_dir);
}

static int teardown_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", scripts_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(print_writes_to_the_output_buffer),
		cmocka_unit_test(allowed_libraries_work),
		cmocka_unit_test(io_debug_package_are_absent),
		cmocka_unit_test(os_has_only_time_clock_date_difftime),
		cmocka_unit_test(io_open_is_refused),
		cmocka_unit_test(os_execute_is_refused),
		cmocka_unit_test(binary_chunk_is_refused_by_load),
		cmocka_unit_test(binary_chunk_is_refused_as_a_script),
		cmocka_unit_test(load_keeps_an_explicit_environment),
		cmocka_unit_test(syntax_error_names_the_chunk_and_line),
		cmocka_unit_test(runtime_error_names_the_chunk_and_line),
		cmocka_unit_test(endless_loop_is_killed_by_the_instruction_budget),
		cmocka_unit_test(endless_loop_is_killed_by_the_time_budget),
		cmocka_unit_test(pcall_cannot_swallow_the_kill),
		cmocka_unit_test(load_reader_and_close_handler_cannot_swallow_the_kill),
		cmocka_unit_test(coroutine_loop_is_killed),
		cmocka_unit_test(killed_coroutine_cannot_run_its_close_handlers_unhooked),
		cmocka_unit_test(coroutine_wrap_and_close_behave_as_in_lua),
		cmocka_unit_test(finalizers_are_refused),
		cmocka_unit_test(collectgarbage_keeps_only_harmless_options),
		cmocka_unit_test(string_rep_bomb_hits_the_memory_cap),
		cmocka_unit_test(caught_memory_error_leaves_the_heap_usable),
		cmocka_unit_test(long_c_calls_are_charged_to_the_instruction_budget),
		cmocka_unit_test(memory_stays_under_the_cap),
		cmocka_unit_test(deep_lua_recursion_ends_with_stack_overflow),
		cmocka_unit_test(deep_c_recursion_ends_with_c_stack_overflow),
		cmocka_unit_test(output_is_capped),
		cmocka_unit_test(a_killed_sandbox_can_run_again),
		cmocka_unit_test(arguments_and_results_cross_the_boundary),
		cmocka_unit_test(sandboxes_nest_only_so_deep),
		cmocka_unit_test(require_loads_from_the_script_directory_once),
		cmocka_unit_test(require_refuses_paths_and_missing_modules),
		cmocka_unit_test(load_file_reads_plain_names_only),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
