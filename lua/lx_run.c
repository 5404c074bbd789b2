/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One script run: the sandbox, who runs it, and its output (see lx_int.h).
 */
#include "lua/lx_int.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

struct lx_run *lx_run_of(lua_State *L)
{
	return lx_sandbox_user(lx_sandbox_of(L));
}

int lx_run_init(struct lx_run *run, struct lx *lx, const char *user, enum sh_level level,
		const char *script, unsigned api, struct db_commit *commit, struct tula_buf *err)
{
	memset(run, 0, sizeof(*run));
	run->commit = commit;
	run->lx = lx;
	run->level = level;
	run->api = api;
	snprintf(run->user, sizeof(run->user), "%s", user != NULL ? user : "");
	snprintf(run->script, sizeof(run->script), "%s", script != NULL ? script : "");
	snprintf(run->client_id, sizeof(run->client_id), "%s", run->script);
	run->sb = lx_sandbox_new(&lx->limits, lx->scripts_dir, &run->out);
	if (run->sb == NULL) {
		int rc = -errno;

		if (err != NULL) {
			tula_buf_reset(err);
			if (rc == -EMLINK)
				tula_buf_printf(err,
						"%s: scripts nested too deeply (at most %d "
						"runs at once)",
						run->script, LX_NEST_MAX);
			else
				tula_buf_printf(err, "%s: cannot start the script: %s", run->script,
						strerror(-rc));
		}
		return rc;
	}
	lx_sandbox_set_user(run->sb, run);
	return lx_sandbox_protect(run->sb, lx_tula_open, 0, 0, err);
}

void lx_run_fini(struct lx_run *run)
{
	/* Closing the state runs the sessions' finalizers: private candidates go. */
	lx_sandbox_free(run->sb);
	run->sb = NULL;
	lx_shell_free(run->shell);
	run->shell = NULL;
	tula_buf_free(&run->out);
}

struct push_args {
	int (*fn)(lua_State *L, void *arg);
	void *arg;
};

static int push_args_protected(lua_State *L)
{
	struct push_args *pa = lua_touserdata(L, 1);

	lua_pop(L, 1);
	return pa->fn(L, pa->arg);
}

int lx_run_exec(struct lx_run *run, const char *file, const char *code, size_t len,
		const char *chunk, int (*push_args)(lua_State *L, void *arg), void *arg,
		struct tula_buf *err)
{
	lua_State *L = lx_sandbox_state(run->sb);
	int base, rc;

	if (file != NULL)
		rc = lx_sandbox_load_file(run->sb, file, err);
	else
		rc = lx_sandbox_load(run->sb, code, len, chunk, err);
	if (rc < 0)
		return rc;
	base = lua_gettop(L);
	if (push_args != NULL) {
		struct push_args pa = {push_args, arg};

		lua_pushlightuserdata(L, &pa);
		rc = lx_sandbox_protect(run->sb, push_args_protected, 1, LUA_MULTRET, err);
		if (rc < 0) {
			lua_settop(L, base - 1);
			return rc;
		}
	}
	rc = lx_sandbox_call(run->sb, lua_gettop(L) - base, 0, err);
	lua_settop(L, 0);
	return rc;
}
