/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sandbox (see lx_sandbox.h for the contract).
 *
 * Why the kill cannot be swallowed: Lua hooks are per thread, but a new thread copies
 * its creator's hook (lua_newthread), so every coroutine of the script is counted. Once
 * a budget is exceeded the kill is sticky: the hook of whatever thread runs next sets
 * its count to one instruction and raises again. pcall, xpcall, load (around a reader),
 * coroutine.resume and __close handlers may catch one raise, but the first instruction
 * after the catch raises once more, until the error leaves the outermost call. The only
 * Lua code that runs with hooks off is a finalizer (__gc); setmetatable refuses those.
 *
 * Why the allocator is enforced only inside lx_sandbox_call: a memory error raised
 * outside a protected call would reach Lua's panic handler (abort). Setting up the
 * libraries, pushing arguments and reading results happen with the cap lifted; the
 * script itself only ever runs under lua_pcall with the cap on.
 */
#include "lua/lx_sandbox.h"

#include "common/tula_loop.h"
#include "lua/lx_pattern.h"

#include <errno.h>
#include <fcntl.h>
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOADED_KEY  LX_LOADED_KEY
#define LOADING_KEY "lx.loading"

struct lx_sandbox {
	lua_State *L;
	struct lx_limits lim;
	char *scripts_dir;
	struct tula_buf *out;
	void *user;

	size_t mem_used;
	size_t mem_peak;
	int enforce; /* the allocator applies lim.memory (only inside a call) */

	int armed; /* a call is running: the hook counts */
	uint64_t insns;
	uint64_t deadline_ms;
	int killed;	    /* sticky once a budget is exceeded */
	char kill_msg[256]; /* what the run ends with when killed */
};

/* Sandboxes alive now; the control thread is the only user, so no lock. */
static unsigned int nb_alive;

/* --- memory ------------------------------------------------------------------------ */

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct lx_sandbox *sb = ud;
	size_t old = ptr != NULL ? osize : 0; /* osize is a type tag for new blocks */
	void *p;

	if (nsize == 0) {
		free(ptr);
		sb->mem_used -= old;
		return NULL;
	}
	/* Only growth is refused: Lua assumes shrinking never fails. */
	if (sb->enforce && nsize > old && sb->mem_used - old + nsize > sb->lim.memory)
		return NULL;
	p = realloc(ptr, nsize);
	if (p == NULL)
		return NULL;
	sb->mem_used = sb->mem_used - old + nsize;
	if (sb->mem_used > sb->mem_peak)
		sb->mem_peak = sb->mem_used;
	return p;
}

/* --- budgets ----------------------------------------------------------------------- */

static void hook(lua_State *L, lua_Debug *ar);

/* Over a budget? Then record the kill (where: "chunk:line: " or ""). 1 when killed. */
static int over_budget(struct lx_sandbox *sb, const char *where)
{
	if (sb->killed)
		return 1;
	if (sb->insns > sb->lim.instructions)
		snprintf(sb->kill_msg, sizeof(sb->kill_msg),
			 "%sscript killed: instruction budget exceeded (%llu instructions)", where,
			 (unsigned long long)sb->lim.instructions);
	else if (tula_now_ms() > sb->deadline_ms)
		snprintf(sb->kill_msg, sizeof(sb->kill_msg),
			 "%sscript killed: time budget exceeded (%llu ms)", where,
			 (unsigned long long)sb->lim.time_ms);
	else
		return 0;
	sb->killed = 1;
	return 1;
}

/* Raise the kill; from now on every instruction of this thread raises it again. */
static int raise_kill(lua_State *L, struct lx_sandbox *sb)
{
	lua_sethook(L, hook, LUA_MASKCOUNT, 1);
	lua_pushstring(L, sb->kill_msg);
	return lua_error(L);
}

static void hook(lua_State *L, lua_Debug *ar)
{
	struct lx_sandbox *sb = lx_sandbox_of(L);
	char where[128] = "";

	if (!sb->armed)
		return;
	if (!sb->killed) {
		sb->insns += LX_HOOK_EVERY;
		if (sb->insns <= sb->lim.instructions && tula_now_ms() <= sb->deadline_ms)
			return;
		if (lua_getinfo(L, "Sl", ar) && ar->currentline > 0)
			snprintf(where, sizeof(where), "%s:%d: ", ar->short_src, ar->currentline);
		over_budget(sb, where);
	}
	raise_kill(L, sb);
}

void lx_sandbox_charge(lua_State *L, uint64_t work)
{
	struct lx_sandbox *sb = lx_sandbox_of(L);
	const char *where;

	if (!sb->armed)
		return;
	sb->insns += work;
	if (!sb->killed && sb->insns <= sb->lim.instructions && tula_now_ms() <= sb->deadline_ms)
		return;
	luaL_where(L, 1); /* the Lua code that called the C function */
	where = lua_tostring(L, -1);
	over_budget(sb, where != NULL ? where : "");
	lua_pop(L, 1);
	raise_kill(L, sb);
}

/* --- the restricted libraries --------------------------------------------------------- */

static int sb_print(lua_State *L)
{
	struct lx_sandbox *sb = lx_sandbox_of(L);
	int n = lua_gettop(L), i;

	for (i = 1; i <= n; i++) {
		size_t len;
		const char *s = luaL_tolstring(L, i, &len);

		if (sb->out != NULL) {
			if (sb->out->len + len + 1 > LX_OUTPUT_MAX)
				return luaL_error(L, "print: output limit of %d MiB exceeded",
						  (int)(LX_OUTPUT_MAX >> 20));
			if (i > 1)
				tula_buf_putc(sb->out, '\t');
			tula_buf_add(sb->out, s, len);
		}
		lua_pop(L, 1);
	}
	if (sb->out != NULL)
		tula_buf_putc(sb->out, '\n');
	return 0;
}

/* load(chunk [, chunkname [, mode [, env]]]) with mode forced to text. */
static int sb_load(lua_State *L)
{
	int n = lua_gettop(L);

	if (n < 3) {
		lua_settop(L, 3);
		n = 3;
	}
	lua_pushliteral(L, "t");
	lua_replace(L, 3);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, LUA_MULTRET);
	return lua_gettop(L);
}

static int sb_setmetatable(lua_State *L)
{
	if (lua_istable(L, 2)) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "setmetatable: __gc metamethods are not allowed "
					     "in scripts");
		lua_pop(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int sb_collectgarbage(lua_State *L)
{
	static const char *const allowed[] = {"collect", "count", "step", NULL};

	luaL_checkoption(L, 1, "collect", allowed);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/*
 * The three ways Lua code could run with hooks off after a kill, closed:
 *  - the hook raises with hooks off, and raising calls the running xpcall's message
 *    handler first: the handler is wrapped so that once killed it is not called;
 *  - a coroutine killed in its hook keeps hooks off, and closing it (coroutine.close,
 *    or coroutine.wrap after an error) would run its __close handlers unhooked: once
 *    killed, close raises the kill instead and wrap leaves the dead thread unclosed.
 */
static int guarded_msgh(lua_State *L)
{
	if (lx_sandbox_of(L)->killed)
		return 1; /* the kill message as it is */
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

static int sb_xpcall(lua_State *L)
{
	luaL_checkany(L, 2);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, guarded_msgh, 1);
	lua_replace(L, 2);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static int raise_if_killed(lua_State *L)
{
	struct lx_sandbox *sb = lx_sandbox_of(L);

	if (sb->killed) {
		lua_pushstring(L, sb->kill_msg);
		return lua_error(L);
	}
	return 0;
}

static int sb_coclose(lua_State *L)
{
	raise_if_killed(L);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* The function coroutine.wrap returns: resume, and raise what the coroutine raised. */
static int auxwrap(lua_State *L)
{
	lua_State *co = lua_tothread(L, lua_upvalueindex(1));
	int narg = lua_gettop(L), nres = 0, st;

	if (!lua_checkstack(co, narg))
		return luaL_error(L, "too many arguments to resume");
	lua_xmove(L, co, narg);
	st = lua_resume(co, L, narg, &nres);
	if (st == LUA_OK || st == LUA_YIELD) {
		if (!lua_checkstack(L, nres + 1)) {
			lua_pop(co, nres);
			return luaL_error(L, "too many results to resume");
		}
		lua_xmove(co, L, nres);
		return nres;
	}
	lua_xmove(co, L, 1); /* the error */
	raise_if_killed(L);
	st = lua_status(co);
	if (st != LUA_OK && st != LUA_YIELD) {
		lua_pop(L, 1);
		lua_resetthread(co); /* close its to-be-closed variables */
		lua_xmove(co, L, 1);
	}
	if (lua_type(L, -1) == LUA_TSTRING) { /* add where the wrapper was called */
		luaL_where(L, 1);
		lua_insert(L, -2);
		lua_concat(L, 2);
	}
	return lua_error(L);
}

static int sb_cowrap(lua_State *L)
{
	lua_State *co;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	co = lua_newthread(L);
	lua_pushvalue(L, 1);
	lua_xmove(L, co, 1);
	lua_pushcclosure(L, auxwrap, 1);
	return 1;
}

/* Read a whole script file into malloc'd memory. Returns 0 or -errno. */
static int read_script(const char *path, char **data, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t r;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EISDIR;
		goto out;
	}
	if (st.st_size > (off_t)LX_SCRIPT_MAX) {
		rc = -E2BIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	*data = buf;
	*len = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

/* Compile text code; on failure the message is on the stack. Returns a Lua status. */
static int load_chunk(lua_State *L, const char *code, size_t len, const char *chunkname)
{
	char name[256];

	if (chunkname[0] == '=' || chunkname[0] == '@')
		snprintf(name, sizeof(name), "%s", chunkname);
	else
		snprintf(name, sizeof(name), "@%s", chunkname);
	return luaL_loadbufferx(L, code, len, name, "t");
}

/* A module name: words of [A-Za-z0-9_-] separated by single dots. */
static int module_name_ok(const char *name)
{
	const char *p;
	int word = 0;

	for (p = name; *p != '\0'; p++) {
		if (*p == '.') {
			if (word == 0)
				return 0;
			word = 0;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || *p == '_' || *p == '-') {
			word++;
		} else {
			return 0;
		}
	}
	return word > 0 && p - name < 128;
}

/* require(name): NAME.lua (dots are directories) from the script directory only. */
static int sb_require(lua_State *L)
{
	struct lx_sandbox *sb = lx_sandbox_of(L);
	const char *name = luaL_checkstring(L, 1);
	char rel[160], path[4096];
	char *code = NULL;
	size_t len = 0, i;
	int rc;

	lua_settop(L, 1);
	lua_getfield(L, LUA_REGISTRYINDEX, LOADED_KEY); /* 2 */
	if (lua_getfield(L, 2, name) != LUA_TNIL)	/* 3 */
		return 1;
	lua_pop(L, 1);
	if (!module_name_ok(name))
		return luaL_error(L,
				  "require: bad module name '%s' (letters, digits, _ - "
				  "and dots only)",
				  name);
	lua_getfield(L, LUA_REGISTRYINDEX, LOADING_KEY); /* 3 */
	if (lua_getfield(L, 3, name) != LUA_TNIL)
		return luaL_error(L, "require: module '%s' requires itself", name);
	lua_pop(L, 1);
	if (sb->scripts_dir == NULL)
		return luaL_error(L, "require: module '%s' not found (no script directory)", name);
	snprintf(rel, sizeof(rel), "%s.lua", name);
	for (i = 0; i + 4 < strlen(rel); i++)
		if (rel[i] == '.')
			rel[i] = '/';
	snprintf(path, sizeof(path), "%s/%s", sb->scripts_dir, rel);
	rc = read_script(path, &code, &len);
	if (rc < 0)
		return luaL_error(L,
				  "require: module '%s' not found in the script directory "
				  "(%s: %s)",
				  name, rel, strerror(-rc));
	rc = load_chunk(L, code, len, rel); /* 4 */
	free(code);
	if (rc != LUA_OK)
		return lua_error(L);
	lua_pushboolean(L, 1);
	lua_setfield(L, 3, name);
	lua_pushvalue(L, 1);
	lua_call(L, 1, 1); /* 4: the module's value */
	lua_pushnil(L);
	lua_setfield(L, 3, name);
	if (lua_isnil(L, 4)) {
		lua_pushboolean(L, 1);
		lua_replace(L, 4);
	}
	lua_pushvalue(L, 4);
	lua_setfield(L, 2, name);
	return 1;
}

/* Replace global `name` by a C closure over the original. */
static void wrap_global(lua_State *L, const char *name, lua_CFunction fn)
{
	lua_getglobal(L, name);
	lua_pushcclosure(L, fn, 1);
	lua_setglobal(L, name);
}

/*
 * Library functions whose work happens in C, out of the count hook's sight: each is
 * wrapped to charge its cost to the instruction budget (lx_sandbox_charge). Output
 * functions charge after the call, by the bytes they produced (the memory cap already
 * bounds one call; the charge stops the script that repeats them); table.sort charges
 * its comparisons before it starts, since its time is not bounded by memory.
 */
#define BYTES_PER_UNIT 8 /* bytes copied in C worth one VM instruction */

static int charged_by_result(lua_State *L)
{
	int n = lua_gettop(L);
	size_t len = 0;

	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, n, 1);
	if (lua_type(L, -1) == LUA_TSTRING)
		lua_tolstring(L, -1, &len);
	lx_sandbox_charge(L, len / BYTES_PER_UNIT + 1);
	return 1;
}

static int charged_sort(lua_State *L)
{
	lua_Integer n;
	uint64_t cmp = 1, lg = 1;

	luaL_checktype(L, 1, LUA_TTABLE);
	n = luaL_len(L, 1);
	if (n > 1) {
		while (((uint64_t)1 << lg) < (uint64_t)n && lg < 63)
			lg++;
		cmp = (uint64_t)n * lg; /* a quicksort's comparisons, about n log2 n */
	}
	lx_sandbox_charge(L, cmp);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 0);
	return 0;
}

/* Replace lib[name] (lib on top of the stack) by fn with the original as upvalue 1. */
static void wrap_field(lua_State *L, const char *name, lua_CFunction fn)
{
	lua_getfield(L, -1, name);
	lua_pushcclosure(L, fn, 1);
	lua_setfield(L, -2, name);
}

static int setup(lua_State *L)
{
	static const char *const os_keep[] = {"time", "clock", "date", "difftime", NULL};
	static const char *const base_drop[] = {"dofile", "loadfile", "warn", NULL};
	static const struct {
		const char *name;
		lua_CFunction open;
	} libs[] = {
		{LUA_GNAME, luaopen_base},	 {LUA_STRLIBNAME, luaopen_string},
		{LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
		{LUA_UTF8LIBNAME, luaopen_utf8}, {LUA_COLIBNAME, luaopen_coroutine},
	};
	size_t i;

	for (i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		luaL_requiref(L, libs[i].name, libs[i].open, 1);
		lua_pop(L, 1);
	}
	for (i = 0; base_drop[i] != NULL; i++) {
		lua_pushnil(L);
		lua_setglobal(L, base_drop[i]);
	}
	/* string.dump makes binary chunks; the string metatable shares this table. The
	 * pattern functions are ours, so that their backtracking counts (lx_pattern.c). */
	lua_getglobal(L, LUA_STRLIBNAME);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	lx_pattern_install(L, -1);
	wrap_field(L, "rep", charged_by_result);
	wrap_field(L, "upper", charged_by_result);
	wrap_field(L, "lower", charged_by_result);
	wrap_field(L, "reverse", charged_by_result);
	wrap_field(L, "format", charged_by_result);
	lua_pop(L, 1);
	lua_getglobal(L, LUA_TABLIBNAME);
	wrap_field(L, "concat", charged_by_result);
	wrap_field(L, "sort", charged_sort);
	lua_pop(L, 1);

	luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
	lua_newtable(L);
	for (i = 0; os_keep[i] != NULL; i++) {
		lua_getfield(L, -2, os_keep[i]);
		lua_setfield(L, -2, os_keep[i]);
	}
	lua_setglobal(L, LUA_OSLIBNAME);
	lua_pop(L, 1);

	wrap_global(L, "load", sb_load);
	wrap_global(L, "setmetatable", sb_setmetatable);
	wrap_global(L, "collectgarbage", sb_collectgarbage);
	wrap_global(L, "xpcall", sb_xpcall);
	lua_getglobal(L, LUA_COLIBNAME);
	lua_getfield(L, -1, "close");
	lua_pushcclosure(L, sb_coclose, 1);
	lua_setfield(L, -2, "close");
	lua_pushcfunction(L, sb_cowrap);
	lua_setfield(L, -2, "wrap");
	lua_pop(L, 1);
	lua_register(L, "print", sb_print);
	lua_register(L, "require", sb_require);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
	lua_newtable(L);
	lua_setfield(L, LUA_REGISTRYINDEX, LOADING_KEY);
	return 0;
}

/* --- life cycle -------------------------------------------------------------------- */

struct lx_sandbox *lx_sandbox_new(const struct lx_limits *lim, const char *scripts_dir,
				  struct tula_buf *out)
{
	static const struct lx_limits defaults = LX_LIMITS_DEFAULT;
	struct lx_sandbox *sb;

	if (nb_alive >= LX_NEST_MAX) {
		errno = EMLINK;
		return NULL;
	}
	sb = calloc(1, sizeof(*sb));
	if (sb == NULL)
		return NULL;
	sb->lim = lim != NULL ? *lim : defaults;
	sb->out = out;
	if (scripts_dir != NULL) {
		sb->scripts_dir = strdup(scripts_dir);
		if (sb->scripts_dir == NULL)
			goto fail;
	}
	sb->L = lua_newstate(sb_alloc, sb);
	if (sb->L == NULL)
		goto fail;
	nb_alive++;
	if (lx_sandbox_protect(sb, setup, 0, 0, NULL) < 0) {
		lx_sandbox_free(sb);
		errno = ENOMEM;
		return NULL;
	}
	return sb;
fail:
	free(sb->scripts_dir);
	free(sb);
	errno = ENOMEM;
	return NULL;
}

void lx_sandbox_free(struct lx_sandbox *sb)
{
	if (sb == NULL)
		return;
	if (sb->L != NULL) {
		sb->enforce = 0;
		sb->armed = 0;
		lua_close(sb->L);
		nb_alive--;
	}
	free(sb->scripts_dir);
	free(sb);
}

lua_State *lx_sandbox_state(struct lx_sandbox *sb)
{
	return sb->L;
}

struct lx_sandbox *lx_sandbox_of(lua_State *L)
{
	void *ud = NULL;

	lua_getallocf(L, &ud);
	return ud;
}

void lx_sandbox_set_user(struct lx_sandbox *sb, void *user)
{
	sb->user = user;
}

void *lx_sandbox_user(const struct lx_sandbox *sb)
{
	return sb->user;
}

const char *lx_sandbox_scripts_dir(const struct lx_sandbox *sb)
{
	return sb->scripts_dir;
}

size_t lx_sandbox_memory(const struct lx_sandbox *sb)
{
	return sb->mem_used;
}

size_t lx_sandbox_memory_peak(const struct lx_sandbox *sb)
{
	return sb->mem_peak;
}

uint64_t lx_sandbox_instructions(const struct lx_sandbox *sb)
{
	return sb->insns;
}

/* --- running ----------------------------------------------------------------------- */

static void set_err(struct tula_buf *err, const char *msg)
{
	if (err == NULL)
		return;
	tula_buf_reset(err);
	tula_buf_puts(err, msg);
}

int lx_sandbox_load(struct lx_sandbox *sb, const char *code, size_t len, const char *chunkname,
		    struct tula_buf *err)
{
	int st;

	if (len > LX_SCRIPT_MAX) {
		if (err != NULL) {
			tula_buf_reset(err);
			tula_buf_printf(err, "%s: script larger than %u bytes", chunkname,
					LX_SCRIPT_MAX);
		}
		return -E2BIG;
	}
	st = load_chunk(sb->L, code, len, chunkname);
	if (st == LUA_OK)
		return 0;
	if (err != NULL) {
		tula_buf_reset(err);
		if (st == LUA_ERRMEM)
			tula_buf_puts(err, "not enough memory to load the script");
		else if (len > 0 && code[0] == LUA_SIGNATURE[0]) /* Lua's text names no chunk */
			tula_buf_printf(err, "%s: %s",
					chunkname[0] == '=' || chunkname[0] == '@' ? chunkname + 1
										   : chunkname,
					lua_tostring(sb->L, -1));
		else
			tula_buf_puts(err, lua_tostring(sb->L, -1));
	}
	lua_pop(sb->L, 1);
	return st == LUA_ERRMEM ? -ENOMEM : -EINVAL;
}

int lx_sandbox_load_file(struct lx_sandbox *sb, const char *name, struct tula_buf *err)
{
	char path[4096];
	char *code = NULL;
	size_t len = 0;
	int rc;

	if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
		if (err != NULL) {
			tula_buf_reset(err);
			tula_buf_printf(err,
					"bad script name '%s' (a file name in the script "
					"directory)",
					name);
		}
		return -EINVAL;
	}
	if (sb->scripts_dir == NULL) {
		set_err(err, "no script directory");
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "%s/%s", sb->scripts_dir, name);
	rc = read_script(path, &code, &len);
	if (rc < 0) {
		if (err != NULL) {
			tula_buf_reset(err);
			tula_buf_printf(err, "cannot read script %s: %s", path,
					rc == -E2BIG ? "larger than 1 MiB" : strerror(-rc));
		}
		return rc;
	}
	rc = lx_sandbox_load(sb, code, len, name, err);
	free(code);
	return rc;
}

/* Turns any error object into one string; the kill message wins once killed. */
static int msgh(lua_State *L)
{
	struct lx_sandbox *sb = lx_sandbox_of(L);

	if (sb->killed) {
		lua_pushstring(L, sb->kill_msg);
		return 1;
	}
	if (lua_type(L, 1) == LUA_TSTRING)
		return 1;
	if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
		return 1;
	if (lua_type(L, 1) == LUA_TNUMBER) {
		luaL_tolstring(L, 1, NULL);
		return 1;
	}
	lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	return 1;
}

int lx_sandbox_call(struct lx_sandbox *sb, int nargs, int nresults, struct tula_buf *err)
{
	lua_State *L = sb->L;
	int base = lua_gettop(L) - nargs; /* the function */
	int st, rc;

	lua_pushcfunction(L, msgh);
	lua_insert(L, base);
	sb->insns = 0;
	sb->killed = 0;
	sb->kill_msg[0] = '\0';
	sb->deadline_ms = tula_now_ms() + sb->lim.time_ms;
	sb->armed = 1;
	sb->enforce = 1;
	lua_sethook(L, hook, LUA_MASKCOUNT, LX_HOOK_EVERY);

	st = lua_pcall(L, nargs, nresults, base);

	lua_sethook(L, NULL, 0, 0);
	sb->enforce = 0;
	sb->armed = 0;
	lua_remove(L, base);
	if (st == LUA_OK)
		return 0;

	if (sb->killed) {
		set_err(err, sb->kill_msg);
		rc = -ETIME;
	} else if (st == LUA_ERRMEM) {
		if (err != NULL) {
			tula_buf_reset(err);
			tula_buf_printf(err,
					"not enough memory: the script exceeded its memory "
					"limit of %zu MiB",
					sb->lim.memory >> 20);
		}
		rc = -ENOMEM;
	} else {
		const char *msg = lua_tostring(L, -1);

		set_err(err, msg != NULL ? msg : "error (no message)");
		rc = -ECANCELED;
	}
	lua_pop(L, 1);
	return rc;
}

int lx_sandbox_protect(struct lx_sandbox *sb, lua_CFunction fn, int nargs, int nresults,
		       struct tula_buf *err)
{
	lua_State *L = sb->L;
	int st;

	lua_pushcfunction(L, fn);
	lua_insert(L, lua_gettop(L) - nargs);
	st = lua_pcall(L, nargs, nresults, 0);
	if (st == LUA_OK)
		return 0;
	set_err(err, st == LUA_ERRMEM ? "not enough memory"
				      : (lua_tostring(L, -1) ? lua_tostring(L, -1) : "error"));
	lua_pop(L, 1);
	return st == LUA_ERRMEM ? -ENOMEM : -ECANCELED;
}
