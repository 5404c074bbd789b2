/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tula.cli and tula.show run commands through the shell's own engine (the commands
 * every front end uses), as the run's user with the run's login class, with no
 * terminal: questions get their default answer and nothing pages.
 */
#include "lua/lx_int.h"

#include "shell/sh_engine.h"

#include <errno.h>
#include <stdlib.h>

struct lx_shell {
	struct lx_run *run;
};

/* The run whose tula.cli is executing a command now (innermost), for `op` run that way. */
static struct lx_run *caller;

const struct lx_run *lx_shell_caller(void)
{
	return caller;
}

struct lx_shell *lx_shell_new(struct lx_run *run)
{
	struct lx_shell *sh = calloc(1, sizeof(*sh));

	if (sh != NULL)
		sh->run = run;
	return sh;
}

void lx_shell_free(struct lx_shell *sh)
{
	free(sh);
}

int lx_shell_exec(struct lx_shell *sh, const char *line, struct tula_buf *out,
		  struct tula_val **val)
{
	struct sh_engine *e = sh_engine_default();
	struct sh_env env = {.mode = SH_MODE_OPER, .level = sh->run->level, .sess = NULL};
	struct lx_run *prev;
	struct sh_ctx ctx;
	int rc;

	if (val != NULL)
		*val = NULL;
	if (e == NULL) {
		tula_buf_puts(out, "error: out of memory");
		return -ENOMEM;
	}
	sh_ctx_init(&ctx, NULL, 0);
	prev = caller;
	caller = sh->run;
	rc = sh_engine_exec(e, &env, line, &ctx);
	caller = prev;
	if (rc == 0 && ctx.pending != SH_PENDING_NONE)
		rc = sh_err(&ctx, "error: '%s' waits for an answer a script cannot give", line);
	if (rc < 0 || ctx.failed) {
		tula_buf_add(out, ctx.err.data != NULL ? ctx.err.data : "", ctx.err.len);
		if (out->len == 0)
			tula_buf_puts(out, "error: command failed");
		rc = rc < 0 ? rc : -EINVAL;
	} else {
		tula_buf_add(out, ctx.warn.data != NULL ? ctx.warn.data : "", ctx.warn.len);
		tula_buf_add(out, ctx.out.data != NULL ? ctx.out.data : "", ctx.out.len);
		if (val != NULL) {
			*val = ctx.val;
			ctx.val = NULL;
		}
		rc = 0;
	}
	sh_ctx_fini(&ctx);
	return rc;
}
