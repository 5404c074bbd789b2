/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `op NAME [KEY VALUE]...`: run the op script NAME, one of the files named under
 * `system scripts op file` of the active configuration (NAME may leave out ".lua"),
 * from the script directory. The arguments reach the script as a table
 * ({vip = "web", backend = "be1"}) and what it prints is the command's output. The
 * script runs as the session's user with the session's login class.
 */
#include "lua/lx_int.h"

#include "db/db.h"
#include "shell/sh_server.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

static struct lx *op_lx; /* the module op was registered for */

/* The configured file for NAME ("drain" or "drain.lua"), copied into file. */
static int find_script(struct lx *lx, const char *name, char *file, size_t size)
{
	const struct db_node *dir = db_node_get(db_active(lx->db), "system scripts op");
	const struct db_node *f;
	size_t n = strlen(name);

	for (f = dir != NULL ? db_node_first(dir, "file") : NULL; f != NULL; f = db_node_next(f)) {
		const char *key = db_node_key(f);

		if (strcmp(key, name) == 0 ||
		    (strncmp(key, name, n) == 0 && strcmp(key + n, ".lua") == 0)) {
			snprintf(file, size, "%s", key);
			return 0;
		}
	}
	return -ENOENT;
}

static void op_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	const struct db_node *dir, *f;
	char name[128], help[192];

	(void)s;
	(void)m;
	if (op_lx == NULL)
		return;
	dir = db_node_get(db_active(op_lx->db), "system scripts op");
	for (f = dir != NULL ? db_node_first(dir, "file") : NULL; f != NULL; f = db_node_next(f)) {
		const char *key = db_node_key(f);
		size_t n = strlen(key);

		snprintf(name, sizeof(name), "%.*s",
			 (int)(n > 4 && strcmp(key + n - 4, ".lua") == 0 ? n - 4 : n), key);
		snprintf(help, sizeof(help), "Op script %s", key);
		sh_cands_add(out, SH_CAND_NAME, name, help);
	}
}

struct op_args {
	const char *const *words;
	size_t n;
};

static int push_op_args(lua_State *L, void *arg)
{
	const struct op_args *a = arg;
	size_t i;

	lua_createtable(L, 0, (int)(a->n / 2));
	for (i = 0; i + 1 < a->n; i += 2) {
		lua_pushstring(L, a->words[i + 1]);
		lua_setfield(L, -2, a->words[i]);
	}
	return 1;
}

static int do_op(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct lx *lx = arg;
	struct sh_session *sess = sh_ctx_session(ctx);
	const char *name = sh_match_str(m, "SCRIPT");
	struct tula_buf err = TULA_BUF_INIT;
	struct op_args a = {NULL, 0};
	const char *user;
	enum sh_level level;
	struct lx_run run;
	char file[128];
	int rc;

	if (lx->db == NULL)
		return sh_err(ctx, "error: op: Lua scripts are not running");
	a.n = sh_match_words(m, "ARGS", &a.words);
	if (a.n % 2 != 0)
		return sh_err(ctx,
			      "error: op %s: argument '%s' needs a value (op %s KEY VALUE ...)",
			      name, a.words[a.n - 1], name);
	if (find_script(lx, name, file, sizeof(file)) < 0)
		return sh_err(ctx,
			      "error: op script '%s' is not configured (set system scripts op "
			      "file %s.lua)",
			      name, name);
	/* The caller: the CLI session, or the script whose tula.cli runs this command. */
	if (sess != NULL) {
		user = sh_session_user(sess);
		level = sh_session_level(sess);
	} else if (lx_shell_caller() != NULL) {
		user = lx_shell_caller()->user;
		level = lx_shell_caller()->level;
	} else {
		return sh_err(ctx, "error: op %s: no session to run it for", name);
	}
	rc = lx_run_init(&run, lx, user, level, file, LX_API_OPER, NULL, &err);
	snprintf(run.client_id, sizeof(run.client_id), "op %s", file);
	if (rc == 0)
		rc = lx_run_exec(&run, file, NULL, 0, file, push_op_args, &a, &err);
	sh_puts(ctx, tula_buf_str(&run.out));
	lx_run_fini(&run);
	/* An error raised by tula.cli already reads "error: ..." (the shell's own text). */
	if (rc < 0)
		rc = sh_err(ctx, "%s%s", strncmp(tula_buf_str(&err), "error: ", 7) ? "error: " : "",
			    tula_buf_str(&err));
	tula_buf_free(&err);
	return rc;
}

static const char *const op_help[] = {"Run an op script", "Op script name",
				      "Arguments: KEY VALUE pairs", NULL};
static const struct sh_arg op_args[] = {
	{.name = "SCRIPT", .display = "<script>", .names = op_names},
	{.name = "ARGS", .type = SH_ARG_WORDS, .display = "<key value ...>"},
	{NULL},
};
static struct sh_cmd op_cmd = {
	.syntax = "op SCRIPT [ARGS]",
	.help = op_help,
	.args = op_args,
	.modes = SH_MODE_OPER,
	.level = SH_LEVEL_OPERATOR,
	.fn = do_op,
};

int lx_op_register(struct lx *lx)
{
	int rc;

	op_cmd.arg = lx;
	rc = sh_cmd_register(&op_cmd);
	if (rc == 0) {
		op_lx = lx;
		lx->op_registered = 1;
	}
	return rc;
}

/*
 * Shut-down order does not matter: when the CLI server has already stopped, it freed
 * the command engine with `op` in it, and unregistering would only create a new empty
 * engine (sh_cmd_unregister makes the default engine on demand) that nobody frees.
 */
void lx_op_unregister(struct lx *lx)
{
	if (lx->op_registered && sh_server_db() != NULL)
		sh_cmd_unregister(&op_cmd);
	lx->op_registered = 0;
	op_lx = NULL;
}
