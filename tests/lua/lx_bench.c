/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lx-bench: what the sandbox costs, each figure next to its baseline measured in the
 * same run — a plain Lua state with the standard libraries and Lua's own string
 * functions.
 *
 *   state      create a state with its libraries, run an empty chunk, close it
 *   loop       10 M VM instructions (the count hook fires every LX_HOOK_EVERY)
 *   match      line:match('(%S+)%s+(%d+)$') on a configuration line
 *   gmatch     every word of a 1 KiB text
 *   gsub       '%s+' -> ' ' on a 1 KiB text
 */
#include "lua/lx_sandbox.h"

#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const codes[] = {
	"local n = 0 for i = 1, 2500000 do n = n + i end return n",
	"local l = 'services dsr vip web backend be1 weight 100' local k\n"
	"for i = 1, 200000 do k = l:match('(%S+)%s+(%d+)$') end return k",
	"local t = string.rep('word another  thing\\t', 52) local n = 0\n"
	"for i = 1, 2000 do for w in t:gmatch('%S+') do n = n + 1 end end return n",
	"local t = string.rep('word another  thing\\t', 52) local r\n"
	"for i = 1, 2000 do r = t:gsub('%s+', ' ') end return #r",
};
static const char *const names[] = {"loop", "match", "gmatch", "gsub"};

static double run_plain(const char *code)
{
	lua_State *L = luaL_newstate();
	double t0;

	luaL_openlibs(L);
	luaL_loadstring(L, code);
	t0 = now_s();
	if (lua_pcall(L, 0, 1, 0) != LUA_OK)
		fprintf(stderr, "plain: %s\n", lua_tostring(L, -1));
	t0 = now_s() - t0;
	lua_close(L);
	return t0;
}

static double run_sandbox(const char *code)
{
	const struct lx_limits lim = {256u << 20, 4000000000u, 60000u};
	struct lx_sandbox *sb = lx_sandbox_new(&lim, NULL, NULL);
	struct tula_buf err = TULA_BUF_INIT;
	double t0;

	lx_sandbox_load(sb, code, strlen(code), "bench", &err);
	t0 = now_s();
	if (lx_sandbox_call(sb, 0, 1, &err) != 0)
		fprintf(stderr, "sandbox: %s\n", tula_buf_str(&err));
	t0 = now_s() - t0;
	lx_sandbox_free(sb);
	tula_buf_free(&err);
	return t0;
}

int main(void)
{
	const int states = 2000;
	double t0, plain, sand;
	size_t i;
	int k;

	printf("%-8s %14s %14s %8s\n", "case", "lua (baseline)", "tula sandbox", "ratio");
	t0 = now_s();
	for (k = 0; k < states; k++) {
		lua_State *L = luaL_newstate();

		luaL_openlibs(L);
		luaL_loadstring(L, "return 1");
		lua_pcall(L, 0, 1, 0);
		lua_close(L);
	}
	plain = (now_s() - t0) / states;
	t0 = now_s();
	for (k = 0; k < states; k++) {
		struct lx_sandbox *sb = lx_sandbox_new(NULL, NULL, NULL);

		lx_sandbox_load(sb, "return 1", 8, "b", NULL);
		lx_sandbox_call(sb, 0, 1, NULL);
		lx_sandbox_free(sb);
	}
	sand = (now_s() - t0) / states;
	printf("%-8s %11.1f us %11.1f us %7.2fx\n", "state", plain * 1e6, sand * 1e6, sand / plain);
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		plain = run_plain(codes[i]);
		sand = run_sandbox(codes[i]);
		printf("%-8s %11.1f ms %11.1f ms %7.2fx\n", names[i], plain * 1e3, sand * 1e3,
		       sand / plain);
	}
	return 0;
}
