/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `tula` module: what a script does instead of typing at the shell.
 *
 *   tula.cli(cmd)          the command's text output; a failing command raises the
 *                          error text the shell prints
 *   tula.show(what)        the structured data behind `show WHAT` as tables
 *   tula.config([mode])    a configuration session ("private" by default, "exclusive",
 *                          "shared"): :set(path) :delete(path) :get([path]) :compare()
 *                          :commit{comment=, confirmed=, check=} :rollback([n])
 *                          :close(); closed when collected, when a `<close>` variable
 *                          holding it goes out of scope, and when the run ends
 *   tula.commit_error(path, msg), tula.commit_warning(path, msg),
 *   tula.commit_change(line)   commit scripts only
 *   tula.user, tula.class, tula.script, tula.version
 *
 * Every call is made as the run's user with the run's login class, so a script can do
 * no more than the person who started it. Errors are raised as Lua errors whose text
 * says what failed and where (the statement's path, the script's line).
 */
#include "lua/lx_int.h"

#include "db/db.h"
#include "shell/sh_level.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CFG_MT "tula.config"

/*
 * Diagnostics of one level as lines "PATH: MESSAGE" into a fixed buffer (the text must
 * exist before the diagnostics are freed and before Lua may raise a memory error, so
 * no allocation sits between the two).
 */
static void diag_text(const struct db_diags *d, enum db_diag_level level, char *buf, size_t size)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < d->n && off < size; i++) {
		const struct db_diag *g = &d->v[i];
		int w;

		if (g->level != level)
			continue;
		w = snprintf(buf + off, size - off, "%s%s%s%s", off > 0 ? "\n" : "", g->path,
			     g->path[0] != '\0' ? ": " : "", g->message);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

/* Raise "WHAT: reasons" built from d (freed here) or from rc when d has no error. */
static int raise_diags(lua_State *L, const char *what, struct db_diags *d, int rc)
{
	char msg[2048];

	diag_text(d, DB_DIAG_ERROR, msg, sizeof(msg));
	db_diags_free(d);
	if (msg[0] == '\0')
		snprintf(msg, sizeof(msg), "%s", strerror(-rc));
	return luaL_error(L, "%s: %s", what, msg);
}

/* --- tula.cli and tula.show ------------------------------------------------------------ */

/*
 * C memory held across Lua calls that may raise (a script near its memory cap makes
 * any push fail) sits in a box: a userdata whose finalizer frees what it holds. Make
 * the box first, then take the memory.
 */
struct box {
	void *p;
	void (*release)(void *p);
};

#define BOX_MT "tula.box"

static int box_gc(lua_State *L)
{
	struct box *b = luaL_checkudata(L, 1, BOX_MT);

	if (b->p != NULL)
		b->release(b->p);
	b->p = NULL;
	return 0;
}

static struct box *box_new(lua_State *L, void (*release)(void *p))
{
	struct box *b = lua_newuserdatauv(L, sizeof(*b), 0);

	b->p = NULL;
	b->release = release;
	luaL_setmetatable(L, BOX_MT);
	return b;
}

static void val_release(void *p)
{
	tula_val_free(p);
}

/* Release what the box holds now (the box itself stays until collected). */
static void box_release(struct box *b)
{
	if (b->p != NULL)
		b->release(b->p);
	b->p = NULL;
}

static struct lx_shell *run_shell(lua_State *L, struct lx_run *run)
{
	if (run->shell == NULL) {
		run->shell = lx_shell_new(run);
		if (run->shell == NULL)
			luaL_error(L, "tula.cli: cannot open a shell session: %s", strerror(errno));
	}
	return run->shell;
}

/*
 * Run line. With val == NULL: push its text, or raise the shell's error text. With
 * val: on success push the structured output converted to tables (nil when the
 * command has none; *val tells which).
 */
static void shell_call(lua_State *L, const char *line, int want_val, int *had_val)
{
	struct lx_run *run = lx_run_of(L);
	struct lx_shell *sh = run_shell(L, run);
	struct box *tb = box_new(L, free);
	struct box *vb = box_new(L, val_release);
	struct tula_buf out = TULA_BUF_INIT;
	struct tula_val *val = NULL;
	int rc;

	rc = lx_shell_exec(sh, line, &out, want_val ? &val : NULL);
	vb->p = val;
	tb->p = tula_buf_steal(&out);
	if (tb->p == NULL)
		luaL_error(L, "%s: out of memory", line);
	if (rc < 0) { /* an error message carries no trailing newline */
		char *t = tb->p;
		size_t n = strlen(t);

		while (n > 0 && t[n - 1] == '\n')
			t[--n] = '\0';
	}
	if (rc == 0 && want_val) {
		*had_val = val != NULL;
		if (val != NULL)
			lx_push_val(L, val);
		else
			lua_pushnil(L);
	} else {
		lua_pushstring(L, tb->p);
	}
	box_release(tb);
	box_release(vb);
	lua_replace(L, -3);
	lua_pop(L, 1);
	if (rc < 0)
		lua_error(L); /* exactly the shell's text, no position added */
}

static int l_cli(lua_State *L)
{
	const char *cmd = luaL_checkstring(L, 1);

	shell_call(L, cmd, 0, NULL);
	return 1;
}

static void push_config_path(lua_State *L, const struct db_node *tree, const char *path,
			     const char *fn);

static int l_show(lua_State *L)
{
	struct lx_run *run = lx_run_of(L);
	const char *what = luaL_checkstring(L, 1);
	char line[1024];
	int had_val = 0;

	while (*what == ' ')
		what++;
	if (strncmp(what, "show ", 5) == 0)
		what += 5;
	/* The configuration is a tree of its own: its tables come from the tree itself. */
	if (strncmp(what, "configuration", 13) == 0 && (what[13] == '\0' || what[13] == ' ')) {
		what += 13;
		while (*what == ' ')
			what++;
		push_config_path(L, db_active(run->lx->db), what, "tula.show");
		return 1;
	}
	if (strlen(what) + 6 > sizeof(line))
		return luaL_error(L, "tula.show: command too long");
	snprintf(line, sizeof(line), "show %s", what);
	shell_call(L, line, 1, &had_val);
	if (!had_val)
		return luaL_error(L,
				  "tula.show: '%s' has no structured output (tula.cli gives "
				  "its text)",
				  line);
	return 1;
}

/* --- configuration paths into tables ------------------------------------------------------ */

static void push_config_path(lua_State *L, const struct db_node *tree, const char *path,
			     const char *fn)
{
	char kw[128], reason[DB_REASON_MAX + 64];
	const struct db_node *n = NULL;
	struct db_walk w;
	char **argv = NULL;
	int argc, rc, list = 0;

	argc = db_split(path, &argv);
	if (argc < 0) {
		luaL_error(L, "%s: bad path '%s' (unclosed quote)", fn, path);
		return;
	}
	reason[0] = '\0';
	if (argc == 0) {
		n = tree;
	} else {
		rc = db_schema_walk((const char *const *)argv, argc, &w);
		if (rc < 0) {
			snprintf(reason, sizeof(reason), "%s",
				 w.reason[0] ? w.reason : "not a configuration path");
		} else if (w.want == DB_WANT_KEY) {
			/* the path ends at a list keyword: the table of its entries */
			snprintf(kw, sizeof(kw), "%s", argv[argc - 1]);
			n = argc == 1 ? tree
				      : db_node_lookup(tree, (const char *const *)argv, argc - 1);
			list = 1;
		} else {
			n = db_node_lookup(tree, (const char *const *)argv, argc);
		}
	}
	free(argv);
	if (reason[0] != '\0') {
		luaL_error(L, "%s: bad path '%s': %s", fn, path, reason);
		return;
	}
	if (list && n != NULL)
		lx_push_list(L, n, kw, 0);
	else
		lx_push_tree(L, n, 0);
}

/* --- tula.config ------------------------------------------------------------------------ */

struct lx_cfg {
	struct db_session *s; /* NULL once closed */
	enum db_mode mode;
};

static struct lx_cfg *check_cfg(lua_State *L)
{
	struct lx_cfg *c = luaL_checkudata(L, 1, CFG_MT);

	if (c->s == NULL)
		luaL_error(L, "configuration session is closed");
	return c;
}

static int l_config(lua_State *L)
{
	static const char *const modes[] = {"private", "exclusive", "shared", NULL};
	static const enum db_mode dbmodes[] = {DB_MODE_PRIVATE, DB_MODE_EXCLUSIVE, DB_MODE_SHARED};
	struct lx_run *run = lx_run_of(L);
	struct db_diags d = DB_DIAGS_INIT;
	struct lx_cfg *c;
	int m = luaL_checkoption(L, 1, "private", modes), rc;

	if (run->level < SH_LEVEL_SUPER_USER)
		return luaL_error(L,
				  "tula.config: permission denied: configuration needs login "
				  "class super-user (%s is %s)",
				  run->user, sh_level_name(run->level));
	c = lua_newuserdatauv(L, sizeof(*c), 0);
	c->s = NULL;
	c->mode = dbmodes[m];
	luaL_setmetatable(L, CFG_MT);
	rc = db_session_open(run->lx->db, run->user, DB_CLIENT_LUA, run->client_id, c->mode, &c->s,
			     &d);
	if (rc < 0)
		return raise_diags(L, "tula.config", &d, rc);
	db_diags_free(&d);
	return 1;
}

typedef int (*edit_fn)(struct db_session *s, const char *const *argv, int argc, struct db_diags *d);

static int cfg_edit(lua_State *L, edit_fn fn, const char *what)
{
	struct lx_cfg *c = check_cfg(L);
	const char *line = luaL_checkstring(L, 2);
	struct db_diags d = DB_DIAGS_INIT;
	char where[160];
	char **argv = NULL;
	int argc, rc;

	argc = db_split(line, &argv);
	if (argc < 0)
		return luaL_error(L, "%s %s: unclosed quote", what, line);
	if (argc == 0) {
		free(argv);
		return luaL_error(L, "%s: missing statement path", what);
	}
	rc = fn(c->s, (const char *const *)argv, argc, &d);
	free(argv);
	if (rc < 0) {
		snprintf(where, sizeof(where), "%s %s", what, line);
		return raise_diags(L, where, &d, rc);
	}
	db_diags_free(&d);
	return 0;
}

static int cfg_set(lua_State *L)
{
	return cfg_edit(L, db_set, "set");
}

static int cfg_delete(lua_State *L)
{
	return cfg_edit(L, db_delete, "delete");
}

static int cfg_get(lua_State *L)
{
	struct lx_cfg *c = check_cfg(L);

	push_config_path(L, db_candidate(c->s), luaL_optstring(L, 2, ""), "get");
	return 1;
}

static int cfg_compare(lua_State *L)
{
	struct lx_run *run = lx_run_of(L);
	struct lx_cfg *c = check_cfg(L);
	struct box *b = box_new(L, free);
	struct tula_buf out = TULA_BUF_INIT;
	int rc;

	rc = db_compare(db_active(run->lx->db), db_candidate(c->s), NULL, 0, &out);
	b->p = tula_buf_steal(&out);
	if (rc < 0 || b->p == NULL)
		return luaL_error(L, "compare: out of memory");
	lua_pushstring(L, b->p);
	box_release(b);
	return 1;
}

static int cfg_commit(lua_State *L)
{
	struct lx_run *run = lx_run_of(L);
	struct lx_cfg *c = check_cfg(L);
	struct db_commit_opts o = {0};
	struct db_commit_result r = {0};
	struct db_diags d = DB_DIAGS_INIT;
	char warn[2048];
	size_t i;
	int rc, nwarn = 0;

	if (!lua_isnoneornil(L, 2)) {
		luaL_checktype(L, 2, LUA_TTABLE);
		lua_getfield(L, 2, "comment");
		if (!lua_isnil(L, -1))
			o.comment = luaL_checkstring(L, -1); /* stays on the stack */
		lua_getfield(L, 2, "check");
		o.check = lua_toboolean(L, -1);
		lua_getfield(L, 2, "confirmed");
		if (lua_isboolean(L, -1)) {
			o.confirm_sec = lua_toboolean(L, -1) ? 600 : 0;
		} else if (!lua_isnil(L, -1)) {
			lua_Integer min = luaL_checkinteger(L, -1);

			if (min < 1 || min > 65535)
				return luaL_error(L, "commit: confirmed must be 1..65535 minutes");
			o.confirm_sec = (uint32_t)min * 60u;
		}
	}
	rc = db_commit(c->s, &o, &r, &d);
	if (rc < 0)
		return raise_diags(L, o.check ? "commit check failed" : "commit failed", &d, rc);
	diag_text(&d, DB_DIAG_WARNING, warn, sizeof(warn));
	for (i = 0; i < d.n; i++)
		nwarn += d.v[i].level == DB_DIAG_WARNING;
	db_diags_free(&d);

	/* The operator sees warnings as the shell shows them; the script gets them too. */
	lua_createtable(L, 0, 5);
	lua_pushinteger(L, (lua_Integer)r.id);
	lua_setfield(L, -2, "id");
	lua_pushboolean(L, o.check);
	lua_setfield(L, -2, "check");
	lua_pushboolean(L, r.confirmed);
	lua_setfield(L, -2, "confirmed");
	if (o.confirm_sec > 0) {
		lua_pushinteger(L, (lua_Integer)r.deadline);
		lua_setfield(L, -2, "deadline");
	}
	lua_createtable(L, nwarn, 0);
	if (nwarn > 0) {
		const char *p = warn;
		int k = 1;

		while (*p != '\0') {
			const char *nl = strchr(p, '\n');
			size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

			lua_pushlstring(L, p, len);
			lua_rawseti(L, -2, k++);
			tula_buf_puts(&run->out, "warning: ");
			tula_buf_add(&run->out, p, len);
			tula_buf_putc(&run->out, '\n');
			p += len + (nl != NULL);
		}
	}
	lua_setfield(L, -2, "warnings");
	return 1;
}

static int cfg_rollback(lua_State *L)
{
	struct lx_cfg *c = check_cfg(L);
	lua_Integer n = luaL_optinteger(L, 2, 0);
	struct db_diags d = DB_DIAGS_INIT;
	char what[64];
	int rc;

	if (n < 0 || n > DB_ROLLBACK_MAX)
		return luaL_error(L, "rollback %d: expected a revision index 0..%d", (int)n,
				  DB_ROLLBACK_MAX);
	rc = db_rollback(c->s, (unsigned)n, &d);
	if (rc < 0) {
		snprintf(what, sizeof(what), "rollback %d", (int)n);
		return raise_diags(L, what, &d, rc);
	}
	db_diags_free(&d);
	return 0;
}

static int cfg_close(lua_State *L)
{
	struct lx_cfg *c = luaL_checkudata(L, 1, CFG_MT);

	if (c->s != NULL) {
		db_session_close(c->s);
		c->s = NULL;
	}
	return 0;
}

static int cfg_tostring(lua_State *L)
{
	struct lx_cfg *c = luaL_checkudata(L, 1, CFG_MT);
	static const char *const names[] = {"?", "shared", "exclusive", "private"};

	lua_pushfstring(L, "tula.config (%s, %s)", names[c->mode <= 3 ? c->mode : 0],
			c->s != NULL ? "open" : "closed");
	return 1;
}

/* --- commit scripts --------------------------------------------------------------------- */

static struct lx_run *commit_run(lua_State *L, const char *fn)
{
	struct lx_run *run = lx_run_of(L);

	if (run->commit == NULL)
		luaL_error(L, "%s: only commit scripts can call it", fn);
	return run;
}

static int l_commit_error(lua_State *L)
{
	struct lx_run *run = commit_run(L, "tula.commit_error");
	const char *path = luaL_optstring(L, 1, "");
	const char *msg = luaL_checkstring(L, 2);

	if (lx_commit_lenient(run->commit)) {
		db_commit_warning(run->commit, path, "%s (not enforced %s)", msg,
				  lx_commit_kind_name(run->commit));
		return 0;
	}
	db_commit_error(run->commit, path, "%s", msg);
	run->commit_errors++;
	return 0;
}

static int l_commit_warning(lua_State *L)
{
	struct lx_run *run = commit_run(L, "tula.commit_warning");
	const char *path = luaL_optstring(L, 1, "");
	const char *msg = luaL_checkstring(L, 2);

	db_commit_warning(run->commit, path, "%s", msg);
	return 0;
}

static int l_commit_change(lua_State *L)
{
	struct lx_run *run = commit_run(L, "tula.commit_change");
	const char *line = luaL_checkstring(L, 1);
	int rc = db_commit_change(run->commit, line);

	if (rc < 0)
		return luaL_error(L, "tula.commit_change: cannot apply '%s' (%s)", line,
				  rc == -EINVAL ? "see the commit's errors" : strerror(-rc));
	return 0;
}

int lx_user_level(struct lx *lx, const char *user, enum sh_level *out, char *why, size_t whylen)
{
	return sh_level_of_user(lx->db, (uid_t)-1, user, out, why, whylen);
}

/* --- the module ------------------------------------------------------------------------- */

int lx_tula_open(lua_State *L)
{
	static const luaL_Reg cfg_methods[] = {
		{"set", cfg_set},	  {"delete", cfg_delete}, {"get", cfg_get},
		{"compare", cfg_compare}, {"commit", cfg_commit}, {"rollback", cfg_rollback},
		{"close", cfg_close},	  {NULL, NULL},
	};
	static const luaL_Reg oper[] = {
		{"cli", l_cli},
		{"show", l_show},
		{"config", l_config},
		{NULL, NULL},
	};
	static const luaL_Reg commit[] = {
		{"commit_error", l_commit_error},
		{"commit_warning", l_commit_warning},
		{"commit_change", l_commit_change},
		{NULL, NULL},
	};
	struct lx_run *run = lx_run_of(L);

	if (luaL_newmetatable(L, BOX_MT)) {
		lua_pushcfunction(L, box_gc);
		lua_setfield(L, -2, "__gc");
		lua_pushliteral(L, BOX_MT);
		lua_setfield(L, -2, "__metatable");
	}
	lua_pop(L, 1);
	if (luaL_newmetatable(L, CFG_MT)) {
		luaL_newlib(L, cfg_methods);
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, cfg_close);
		lua_setfield(L, -2, "__gc");
		lua_pushcfunction(L, cfg_close);
		lua_setfield(L, -2, "__close");
		lua_pushcfunction(L, cfg_tostring);
		lua_setfield(L, -2, "__tostring");
		lua_pushliteral(L, "tula.config");
		lua_setfield(L, -2, "__metatable");
	}
	lua_pop(L, 1);

	lua_newtable(L);
	if (run->api & LX_API_OPER)
		luaL_setfuncs(L, oper, 0);
	if (run->api & LX_API_COMMIT)
		luaL_setfuncs(L, commit, 0);
	lua_pushstring(L, run->user);
	lua_setfield(L, -2, "user");
	lua_pushstring(L, sh_level_name(run->level));
	lua_setfield(L, -2, "class");
	lua_pushstring(L, run->script);
	lua_setfield(L, -2, "script");
	lua_pushliteral(L, TULA_VERSION);
	lua_setfield(L, -2, "version");
	if (run->commit != NULL) {
		static const char *const kinds[] = {"?", "commit", "check", "startup", "revert"};
		enum db_commit_kind k = db_commit_kind(run->commit);

		lua_pushstring(L, kinds[k <= DB_COMMIT_REVERT ? k : 0]);
		lua_setfield(L, -2, "commit_kind");
	}

	lua_getfield(L, LUA_REGISTRYINDEX, LX_LOADED_KEY);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, "tula");
	lua_pop(L, 1);
	lua_setglobal(L, "tula");
	return 0;
}
