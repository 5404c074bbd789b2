/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tula's pattern functions against Lua's own: the same Lua program — find, match,
 * gmatch and gsub (string, table and function replacements) over a corpus of subjects,
 * patterns and start positions, errors included — runs in a plain Lua state and in a
 * sandbox, and the two transcripts must be identical. Then the reason they exist: a
 * backtracking bomb ends within the budget instead of holding the thread for hours.
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
#include <lualib.h>
#include <stdio.h>
#include <time.h>

#include "lua/lx_sandbox.h"

static const char corpus[] =
	"local subjects = {'hello world', '', '  key = value  ', 'THE (quick) fox', 'a,b,,c',\n"
	"  'aaa', 'x=1, y=22, z=333', 'f(a(b)c)d', '\\0a\\0b', 'caf\\195\\169 na\\195\\175ve',\n"
	"  string.rep('ab', 20), 'one\\ntwo\\tthree', '[x] -y- %z%', 'abc$def^'}\n"
	"local patterns = {'o', 'l+', 'l*', 'l-', 'x?', 'x*', '^h', '^', '$', 'd$', '^$', 'a$b',\n"
	"  '$d', '^^', '%a+', '%d+', '%s', '%w+', '%x+', '%p', '%c', '%g+', '%l+', '%u+', '%A+',\n"
	"  '%S+', '%D', '[%a_][%w_]*', '[^%s]+', '[a-f]+', '[]]', '[^]]+', '[a-]', '[-a]',\n"
	"  '[%]]', '[%-]', '.', '.-', '.*', 'a?', 'a*', 'a+', 'a-b', '(a)(b)', '(a(b))', '()',\n"
	"  '(a)%1', '(%w+)%s*=%s*(%w+)', '((a)(b))', '(h)(.)', '%b()', '%b((', '%f[%w]%w+',\n"
	"  '%f[%W]', '%f[%z]', 'THE (%w+)', '(.-)%s', '()ll()', '(l)(l)', '%.', '%%', '%$',\n"
	"  '[%a-z]', '[a-%%]', '%z', '\\0', 'ab', 'b', '[x]', '%[(.-)%]', '(%d+)', '(%d)(%d?)',\n"
	"  '%', '[a', '(', ')', '%1', '(()', '%b', '%ba', '%f', '%fa', '(%1)', '%9', '(a)%2',\n"
	"  '[', '[^', '[%', 'a%', string.rep('(', 33) .. string.rep(')', 33),\n"
	"  string.rep('a?', 250), '', 'e', '%a-o', '(a*(.)%w(%s*))', 'a.-c', '^(.-)$'}\n"
	"local inits = {nil, 0, 3, -3, 100, -100, 12}\n"
	"local out = {}\n"
	"local function ser(...)\n"
	"  local t = table.pack(...)\n"
	"  local r = {}\n"
	"  for i = 1, t.n do r[i] = type(t[i]) .. ':' .. tostring(t[i]) end\n"
	"  return table.concat(r, ',')\n"
	"end\n"
	"local repl_t = {hello = 'HI', l = 1, o = false, a = {}, ['1'] = 'one'}\n"
	"local function repl_f(a, b) if a == 'o' then return false end\n"
	"  return b and (tostring(a) .. '|' .. tostring(b)) or nil end\n"
	"for _, s in ipairs(subjects) do\n"
	"  for _, p in ipairs(patterns) do\n"
	"    for k = 1, 7 do\n"
	"      local init = inits[k]\n"
	"      out[#out + 1] = ser(pcall(string.find, s, p, init))\n"
	"      out[#out + 1] = ser(pcall(string.find, s, p, init, true))\n"
	"      out[#out + 1] = ser(pcall(string.match, s, p, init))\n"
	"      local ok, it = pcall(string.gmatch, s, p, init)\n"
	"      if ok then\n"
	"        local r = {}\n"
	"        local ok2, e = pcall(function()\n"
	"          for a, b, c in it do r[#r + 1] = ser(a, b, c) if #r > 60 then break end end\n"
	"        end)\n"
	"        r[#r + 1] = ser(ok2, e)\n"
	"        out[#out + 1] = table.concat(r, ';')\n"
	"      end\n"
	"      if k == 1 then\n"
	"        out[#out + 1] = ser(pcall(string.gsub, s, p, '<%0>'))\n"
	"        out[#out + 1] = ser(pcall(string.gsub, s, p, '%1%%', 2))\n"
	"        out[#out + 1] = ser(pcall(string.gsub, s, p, '%2'))\n"
	"        out[#out + 1] = ser(pcall(string.gsub, s, p, 'x%'))\n"
	"        out[#out + 1] = ser(pcall(string.gsub, s, p, '%z'))\n"
	"        out[#out + 1] = ser(pcall(string.gsub, s, p, 7, 0))\n"
	"        out[#out + 1] = ser(pcall(string.gsub, s, p, repl_t))\n"
	"        out[#out + 1] = ser(pcall(string.gsub, s, p, repl_f, -1))\n"
	"        out[#out + 1] = ser(pcall(string.gsub, s, p, repl_f))\n"
	"        out[#out + 1] = ser(pcall(string.gsub, s, p, true))\n"
	"      end\n"
	"    end\n"
	"  end\n"
	"end\n"
	"out[#out + 1] = ser(('x=1'):match('(%w)=(%w)'))\n"
	"out[#out + 1] = ser(pcall(string.find, 'abc', 'b', 'x'))\n"
	"out[#out + 1] = ser(pcall(string.find, nil, 'b'))\n"
	"out[#out + 1] = ser(string.find(12345, 34))\n"
	"out[#out + 1] = ser(string.gsub('abc', '%w', '%0%0'))\n"
	"return table.concat(out, '\\n')\n";

static char *run_reference(void)
{
	lua_State *L = luaL_newstate();
	char *res;

	luaL_openlibs(L);
	assert_int_equal(luaL_loadbuffer(L, corpus, sizeof(corpus) - 1, "=corpus"), LUA_OK);
	if (lua_pcall(L, 0, 1, 0) != LUA_OK)
		fail_msg("reference: %s", lua_tostring(L, -1));
	res = strdup(lua_tostring(L, -1));
	lua_close(L);
	return res;
}

static char *run_sandboxed(void)
{
	const struct lx_limits lim = {256u << 20, 2000000000u, 60000u};
	struct lx_sandbox *sb = lx_sandbox_new(&lim, NULL, NULL);
	struct tula_buf err = TULA_BUF_INIT;
	lua_State *L = lx_sandbox_state(sb);
	char *res;

	assert_int_equal(lx_sandbox_load(sb, corpus, sizeof(corpus) - 1, "=corpus", &err), 0);
	if (lx_sandbox_call(sb, 0, 1, &err) != 0)
		fail_msg("sandbox: %s", tula_buf_str(&err));
	res = strdup(lua_tostring(L, -1));
	lua_pop(L, 1);
	lx_sandbox_free(sb);
	tula_buf_free(&err);
	return res;
}

static void pattern_functions_behave_exactly_as_lua(void **state)
{
	char *want = run_reference(), *got = run_sandboxed();
	const char *a = want, *b = got;
	size_t line = 1, lines = 1;

	(void)state;
	for (const char *p = want; *p; p++)
		lines += *p == '\n';
	while (*a != '\0' && *a == *b) {
		line += *a == '\n';
		a++;
		b++;
	}
	if (*a != '\0' || *b != '\0') {
		const char *la = a, *lb = b;

		while (la > want && la[-1] != '\n')
			la--;
		while (lb > got && lb[-1] != '\n')
			lb--;
		fail_msg("transcripts differ at line %zu of %zu:\n lua : %.300s\n tula: %.300s",
			 line, lines, la, lb);
	}
	assert_true(lines > 25000); /* the corpus really ran */
	free(want);
	free(got);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void expect_killed(const char *code)
{
	const struct lx_limits lim = {64u << 20, 50000000u, 5000u};
	struct lx_sandbox *sb = lx_sandbox_new(&lim, NULL, NULL);
	struct tula_buf err = TULA_BUF_INIT;
	uint64_t t0 = now_ms();

	assert_int_equal(lx_sandbox_load(sb, code, strlen(code), "bomb.lua", &err), 0);
	assert_int_equal(lx_sandbox_call(sb, 0, 0, &err), -ETIME);
	if (strstr(tula_buf_str(&err), "script killed: instruction budget exceeded") == NULL)
		fail_msg("%s: %s", code, tula_buf_str(&err));
	assert_true(now_ms() - t0 < 3000);
	lx_sandbox_free(sb);
	tula_buf_free(&err);
}

static void backtracking_bomb_is_killed_by_the_budget(void **state)
{
	(void)state;
	/* Lua's own string.find spends hours on the first one */
	expect_killed("local s = string.rep('a', 3000) return s:find('.-.-.-b')");
	expect_killed("local s = string.rep('a', 3000) return s:match('(.*)(.*)(.*)b')");
	expect_killed("local s = string.rep('a', 3000) for x in s:gmatch('a*a*a*b') do end");
	expect_killed("local s = string.rep('a', 3000) return s:gsub('.-.-.-b', '')");
	expect_killed("local s = string.rep('(', 1e6) return s:find('%b()')");
	/* and pcall does not save it */
	expect_killed("local s = string.rep('a', 3000)\n"
		      "while true do pcall(string.find, s, '.-.-.-b') end");
}

static void killed_location_names_the_calling_line(void **state)
{
	const struct lx_limits lim = {64u << 20, 50000000u, 5000u};
	struct lx_sandbox *sb = lx_sandbox_new(&lim, NULL, NULL);
	struct tula_buf err = TULA_BUF_INIT;
	const char *code = "local s = string.rep('a', 3000)\n\nreturn s:find('.-.-.-b')";

	(void)state;
	assert_int_equal(lx_sandbox_load(sb, code, strlen(code), "bomb.lua", &err), 0);
	assert_int_equal(lx_sandbox_call(sb, 0, 0, &err), -ETIME);
	assert_string_equal(tula_buf_str(&err), "bomb.lua:3: script killed: instruction budget "
						"exceeded (50000000 instructions)");
	lx_sandbox_free(sb);
	tula_buf_free(&err);
}

static void ordinary_patterns_cost_little(void **state)
{
	const struct lx_limits lim = {64u << 20, 50000000u, 5000u};
	struct lx_sandbox *sb = lx_sandbox_new(&lim, NULL, NULL);
	const char *code = "local n = 0\n"
			   "local line = 'services dsr vip web backend be1 weight 100'\n"
			   "for i = 1, 10000 do\n"
			   "  local k, v = line:match('(%S+)%s+(%d+)$')\n"
			   "  for w in line:gmatch('%S+') do n = n + 1 end\n"
			   "end\n"
			   "return n";
	lua_State *L = lx_sandbox_state(sb);

	(void)state;
	assert_int_equal(lx_sandbox_load(sb, code, strlen(code), "ok.lua", NULL), 0);
	assert_int_equal(lx_sandbox_call(sb, 0, 1, NULL), 0);
	assert_int_equal(lua_tointeger(L, -1), 80000);
	assert_true(lx_sandbox_instructions(sb) < 50000000u / 2);
	lx_sandbox_free(sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pattern_functions_behave_exactly_as_lua),
		cmocka_unit_test(backtracking_bomb_is_killed_by_the_budget),
		cmocka_unit_test(killed_location_names_the_calling_line),
		cmocka_unit_test(ordinary_patterns_cost_little),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
