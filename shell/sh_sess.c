/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commands about CLI sessions themselves: `set cli screen-length|screen-width|
 * idle-timeout` (this session only; the system default idle timeout is `system login
 * idle-timeout`), `show cli`, `request system logout user NAME | session ID` and
 * `request system configuration rescue delete`.
 *
 * The settings live in struct sh_session: the server puts the screen ones in every
 * output header (the pager is the client's) and checks the idle timeout every second.
 */
#include "shell/sh_session.h"

#include "db/db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct sh_session *need_session(struct sh_ctx *ctx)
{
	struct sh_session *s = sh_ctx_session(ctx);

	if (s == NULL)
		sh_err(ctx, "error: this command needs a CLI session");
	return s;
}

static int set_cli(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = need_session(ctx);
	uint64_t v = 0;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	sh_match_uint(m, "N", &v);
	if (sh_match_has(m, "screen-length")) {
		s->screen_length = (int)v;
		sh_printf(ctx, "Screen length set to %llu%s\n", (unsigned long long)v,
			  v == 0 ? " (no pager)" : "");
	} else if (sh_match_has(m, "screen-width")) {
		if (v != 0 && v < 40)
			return sh_err(ctx,
				      "error: screen-width %llu: must be 0 (the terminal's) "
				      "or 40..1024",
				      (unsigned long long)v);
		s->screen_width = (int)v;
		sh_printf(ctx, "Screen width set to %llu\n", (unsigned long long)v);
	} else {
		s->idle_timeout = (int)v;
		if (v == 0)
			sh_puts(ctx, "Idle timeout disabled for this session\n");
		else
			sh_printf(ctx, "Idle timeout set to %llu minute%s\n", (unsigned long long)v,
				  v == 1 ? "" : "s");
	}
	return 0;
}

static void render_cli(const struct tula_val *v, struct tula_buf *out)
{
	int64_t len = tula_val_as_int(tula_val_get(v, "screen-length"));
	int64_t w = tula_val_as_int(tula_val_get(v, "screen-width"));
	int64_t idle = tula_val_as_int(tula_val_get(v, "idle-timeout"));

	tula_buf_printf(out, "CLI session %llu\n",
			(unsigned long long)tula_val_get_uint(v, "session"));
	if (len < 0)
		tula_buf_printf(out, "CLI screen-length set to terminal's (%llu)\n",
				(unsigned long long)tula_val_get_uint(v, "terminal-height"));
	else
		tula_buf_printf(out, "CLI screen-length set to %lld%s\n", (long long)len,
				len == 0 ? " (no pager)" : "");
	if (w <= 0)
		tula_buf_printf(out, "CLI screen-width set to terminal's (%llu)\n",
				(unsigned long long)tula_val_get_uint(v, "terminal-width"));
	else
		tula_buf_printf(out, "CLI screen-width set to %lld\n", (long long)w);
	if (idle > 0)
		tula_buf_printf(out, "CLI idle-timeout set to %lld minute%s%s\n", (long long)idle,
				idle == 1 ? "" : "s",
				tula_val_as_bool(tula_val_get(v, "idle-timeout-from-system"))
					? " (system login idle-timeout)"
					: "");
	else
		tula_buf_puts(out, "CLI idle-timeout disabled\n");
}

static int show_cli(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = need_session(ctx);
	struct tula_val *v;

	(void)m;
	(void)arg;
	if (s == NULL)
		return -EINVAL;
	v = tula_val_map();
	tula_val_map_set(v, "session", tula_val_uint(s->id));
	tula_val_map_set(v, "screen-length", tula_val_int(s->screen_length));
	tula_val_map_set(v, "screen-width", tula_val_int(s->screen_width));
	tula_val_map_set(v, "terminal-height", tula_val_uint(s->height));
	tula_val_map_set(v, "terminal-width", tula_val_uint(s->width));
	tula_val_map_set(v, "idle-timeout", tula_val_int(sh_session_idle_timeout(s)));
	tula_val_map_set(v, "idle-timeout-from-system", tula_val_bool(s->idle_timeout < 0));
	sh_ctx_set_val(ctx, v, render_cli);
	return 0;
}

static int logout(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *me = sh_ctx_session(ctx), *s, *next;
	const char *user = sh_match_str(m, "USER");
	uint64_t id = 0;
	char why[128];
	unsigned n = 0;

	(void)arg;
	if (user == NULL)
		sh_match_uint(m, "ID", &id);
	snprintf(why, sizeof(why), "Session terminated by %s (request system logout)",
		 me != NULL ? me->user : "the system");
	for (s = sh_sessions_first(); s != NULL; s = next) {
		next = sh_sessions_next(s);
		if (!s->greeted)
			continue;
		if (user != NULL ? strcmp(s->user, user) != 0 : s->id != id)
			continue;
		sh_printf(ctx, "Logging out session %u (%s%s%s)\n", s->id, s->user,
			  s->tty[0] ? " on " : "", s->tty);
		n++;
		if (s == me)
			sh_session_close_after(s);
		else
			sh_session_kick(s, why);
	}
	if (n == 0)
		return user != NULL
			       ? sh_err(ctx, "error: user %s has no CLI session", user)
			       : sh_err(ctx, "error: no CLI session %llu (see show system users)",
					(unsigned long long)id);
	return 0;
}

static int rescue_delete(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	int rc;

	(void)m;
	(void)arg;
	if (sh_db() == NULL)
		return sh_err(ctx, "error: the configuration database is not open");
	rc = db_rescue_delete(sh_db());
	if (rc == -ENOENT) {
		sh_warn(ctx, "warning: there is no rescue configuration");
		return 0;
	}
	if (rc < 0)
		return sh_err(ctx, "error: cannot delete the rescue configuration: %s",
			      strerror(-rc));
	sh_puts(ctx, "Rescue configuration deleted\n");
	return 0;
}

/* Names for completion: the logged-in users, and the session numbers. */
static void user_names(struct sh_session *me, const struct sh_match *m, struct sh_cands *out)
{
	(void)me;
	(void)m;
	for (struct sh_session *s = sh_sessions_first(); s != NULL; s = sh_sessions_next(s))
		if (s->greeted)
			sh_cands_add(out, SH_CAND_NAME, s->user, s->tty[0] ? s->tty : "");
}

static void session_ids(struct sh_session *me, const struct sh_match *m, struct sh_cands *out)
{
	(void)me;
	(void)m;
	for (struct sh_session *s = sh_sessions_first(); s != NULL; s = sh_sessions_next(s)) {
		char id[16];

		if (!s->greeted)
			continue;
		snprintf(id, sizeof(id), "%u", s->id);
		sh_cands_add(out, SH_CAND_NAME, id, s->user);
	}
}

static const char *const h_set_cli[] = {
	"Set CLI properties of this session",
	"CLI properties",
	"Rows per screen before the pager stops (0: no pager)",
	"Columns per line (0: the terminal's)",
	"Log this session out after this many idle minutes (0: never)",
	"Number",
	NULL};
static const char *const h_show_cli[] = {"Show information", "This session's CLI properties", NULL};
static const char *const h_logout[] = {"Make system-level requests",
				       "System requests",
				       "End CLI sessions (their exclusive locks are released)",
				       "Every session of a user",
				       "Login name",
				       "One session",
				       "Session number (show system users)",
				       NULL};
static const char *const h_rescue_del[] = {
	"Make system-level requests",	   "System requests",
	"Configuration requests",	   "The rescue configuration",
	"Delete the rescue configuration", NULL};

static const struct sh_arg a_set_cli[] = {
	{.name = "N", .type = SH_ARG_UINT, .display = "<number>", .min = 0, .max = 10080},
	{NULL},
};
static const struct sh_arg a_logout[] = {
	{.name = "USER", .display = "<user>", .names = user_names},
	{.name = "ID", .type = SH_ARG_UINT, .display = "<session>", .min = 1, .names = session_ids},
	{NULL},
};

static const struct sh_cmd sess_cmds[] = {
	{.syntax = "set cli (screen-length | screen-width | idle-timeout) N",
	 .help = h_set_cli,
	 .args = a_set_cli,
	 .modes = SH_MODE_OPER,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = set_cli},
	{.syntax = "show cli", .help = h_show_cli, .modes = SH_MODE_OPER, .fn = show_cli},
	{.syntax = "request system logout (user USER | session ID)",
	 .help = h_logout,
	 .args = a_logout,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_SUPER_USER,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = logout},
	{.syntax = "request system configuration rescue delete",
	 .help = h_rescue_del,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_SUPER_USER,
	 .fn = rescue_delete},
};

#define NB_SESS (sizeof(sess_cmds) / sizeof(sess_cmds[0]))

/* This file's commands, then the other small sets that ride with them. */
static const struct {
	int (*add)(struct sh_engine *e);
	void (*remove)(struct sh_engine *e);
} sets[] = {
	{sh_help_register, sh_help_unregister},
	{sh_commit_at_register, sh_commit_at_unregister},
	{sh_patch_register, sh_patch_unregister},
};

#define NB_SETS (sizeof(sets) / sizeof(sets[0]))

int sh_sess_register(struct sh_engine *e)
{
	int rc = sh_engine_add_all(e, sess_cmds, NB_SESS);
	size_t i;

	for (i = 0; rc == 0 && i < NB_SETS; i++)
		rc = sets[i].add(e);
	if (rc < 0) {
		while (i-- > 1)
			sets[i - 1].remove(e);
		sh_engine_remove_all(e, sess_cmds, NB_SESS);
	}
	return rc;
}

void sh_sess_unregister(struct sh_engine *e)
{
	for (size_t i = NB_SETS; i-- > 0;)
		sets[i].remove(e);
	sh_engine_remove_all(e, sess_cmds, NB_SESS);
}
