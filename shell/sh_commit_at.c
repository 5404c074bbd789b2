/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `commit at "YYYY-MM-DD HH:MM[:SS]"` (or "HH:MM[:SS]" today) and `clear system
 * commit`: a commit of the shared candidate scheduled for later, as Junos does for
 * maintenance windows. The candidate is checked at once (a commit that would fail is
 * refused now, not at 3 a.m.); at the time a configuration session of the scheduling
 * user commits whatever the shared candidate holds then, and the result goes to the
 * log and the commit history. One scheduled commit at a time; `show system commit`
 * shows it and `clear system commit` cancels it.
 *
 * Only the shared candidate can wait: a private candidate and an exclusive session's
 * changes end with their session.
 *
 * Thread: the control thread's loop.
 */
#include "shell/sh_session.h"

#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define AT_MAX_AHEAD (30 * 86400) /* a month: further is a forgotten schedule */

static struct {
	int pending;
	time_t when;
	char user[33];
	char comment[256];
	int has_comment;
	struct tula_timer *timer;
} at;

int sh_commit_at_pending(time_t *when, const char **user)
{
	if (!at.pending)
		return 0;
	*when = at.when;
	*user = at.user;
	return 1;
}

/* "YYYY-MM-DD HH:MM[:SS]" or "HH:MM[:SS]" (today), local time. 0 or -EINVAL. */
static int parse_when(const char *s, time_t now, time_t *out)
{
	struct tm tm;
	const char *end;

	localtime_r(&now, &tm);
	tm.tm_sec = 0;
	end = strptime(s, "%Y-%m-%d %H:%M", &tm);
	if (end == NULL) {
		localtime_r(&now, &tm);
		tm.tm_sec = 0;
		end = strptime(s, "%H:%M", &tm);
	}
	if (end == NULL)
		return -EINVAL;
	if (*end == ':')
		end = strptime(end, ":%S", &tm);
	if (end == NULL || *end != '\0')
		return -EINVAL;
	tm.tm_isdst = -1;
	*out = mktime(&tm);
	return *out == (time_t)-1 ? -EINVAL : 0;
}

static void fire(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_commit_opts o = {0};
	struct db_commit_result r = {0};
	struct db_session *dbs = NULL;
	int rc;

	(void)loop;
	(void)t;
	(void)arg;
	if (!at.pending)
		return;
	at.pending = 0;
	o.comment = at.has_comment ? at.comment : "commit at";
	rc = sh_db() == NULL ? -ENOTCONN
			     : db_session_open(sh_db(), at.user, DB_CLIENT_CLI, "commit at",
					       DB_MODE_SHARED, &dbs, &d);
	if (rc == 0)
		rc = db_commit(dbs, &o, &r, &d);
	if (rc == 0) {
		TLOG_NOTICE("cli: commit at by %s: commit complete (revision id %llu)", at.user,
			    (unsigned long long)r.id);
	} else {
		const char *why = d.n > 0 ? d.v[0].message : strerror(-rc);

		TLOG_WARNING("cli: commit at by %s failed: %s%s%s", at.user,
			     d.n > 0 && d.v[0].path[0] ? d.v[0].path : "",
			     d.n > 0 && d.v[0].path[0] ? ": " : "", why);
	}
	db_session_close(dbs);
	db_diags_free(&d);
}

static int commit_at(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = sh_ctx_session(ctx);
	const char *when_s = sh_match_str(m, "TIME"), *comment = sh_match_str(m, "TEXT");
	struct db_diags d = DB_DIAGS_INIT;
	struct db_commit_opts o = {.check = 1};
	struct db_commit_result r = {0};
	time_t now = time(NULL), when;
	char t[64];
	struct tm tm;
	int rc;

	(void)arg;
	if (s == NULL || s->dbs == NULL || sh_loop() == NULL)
		return sh_err(ctx, "error: not in configuration mode");
	if (db_session_mode(s->dbs) != DB_MODE_SHARED)
		return sh_err(ctx, "error: commit at commits the shared candidate: use it from "
				   "plain `configure` (a private or exclusive candidate ends with "
				   "its session)");
	if (at.pending)
		return sh_err(ctx,
			      "error: a commit is already scheduled by %s (show system commit; "
			      "clear system commit cancels it)",
			      at.user);
	if (parse_when(when_s, now, &when) < 0)
		return sh_err(ctx,
			      "error: commit at \"%s\": expected \"YYYY-MM-DD HH:MM[:SS]\" or "
			      "\"HH:MM[:SS]\"",
			      when_s);
	if (when <= now || when - now > AT_MAX_AHEAD)
		return sh_err(ctx,
			      "error: commit at \"%s\": the time must be in the future, within "
			      "30 days",
			      when_s);
	if (comment != NULL && strlen(comment) >= sizeof(at.comment))
		return sh_err(ctx, "error: the comment is longer than %zu characters",
			      sizeof(at.comment) - 1);
	rc = db_commit(s->dbs, &o, &r, &d);
	if (rc < 0) {
		rc = sh_print_diags(ctx, &d,
				    "error: configuration check failed: nothing scheduled");
		db_diags_free(&d);
		return rc < 0 ? rc : -EINVAL;
	}
	sh_print_diags(ctx, &d, NULL);
	db_diags_free(&d);
	if (at.timer == NULL)
		at.timer = tula_timer_new(sh_loop(), fire, NULL);
	if (at.timer == NULL)
		return -ENOMEM;
	snprintf(at.user, sizeof(at.user), "%s", s->user);
	at.has_comment = comment != NULL;
	snprintf(at.comment, sizeof(at.comment), "%s", comment != NULL ? comment : "");
	at.when = when;
	at.pending = 1;
	tula_timer_arm(at.timer, (uint64_t)(when - now) * 1000, 0);
	localtime_r(&when, &tm);
	strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S %Z", &tm);
	sh_printf(ctx, "configuration check succeeds\ncommit at will be executed at %s\n", t);
	TLOG_NOTICE("cli: %s scheduled a commit at %s", s->user, t);
	return 0;
}

static int clear_commit(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = sh_ctx_session(ctx);

	(void)m;
	(void)arg;
	if (!at.pending) {
		sh_warn(ctx, "warning: no commit is scheduled");
		return 0;
	}
	at.pending = 0;
	tula_timer_disarm(at.timer);
	TLOG_NOTICE("cli: %s cleared the commit scheduled by %s", s != NULL ? s->user : "?",
		    at.user);
	sh_printf(ctx, "Pending commit by %s cleared\n", at.user);
	return 0;
}

static const char *const h_commit_at[] = {"Commit the candidate (make it active)",
					  "Schedule the commit for later (checked now)",
					  "\"YYYY-MM-DD HH:MM[:SS]\" or \"HH:MM[:SS]\" (quoted)",
					  "Comment recorded with the commit",
					  "The comment (quoted)",
					  NULL};
static const char *const h_clear[] = {"Clear information", "System information",
				      "Cancel the commit scheduled with commit at", NULL};
static const struct sh_arg a_commit_at[] = {
	{.name = "TIME", .display = "<time>"},
	{.name = "TEXT", .display = "<comment>"},
	{NULL},
};

static const struct sh_cmd at_cmds[] = {
	{.syntax = "commit at TIME [comment TEXT]",
	 .help = h_commit_at,
	 .args = a_commit_at,
	 .modes = SH_MODE_CONF,
	 .level = SH_LEVEL_SUPER_USER,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = commit_at},
	{.syntax = "clear system commit",
	 .help = h_clear,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_SUPER_USER,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = clear_commit},
};

#define NB_AT (sizeof(at_cmds) / sizeof(at_cmds[0]))

int sh_commit_at_register(struct sh_engine *e)
{
	return sh_engine_add_all(e, at_cmds, NB_AT);
}

void sh_commit_at_unregister(struct sh_engine *e)
{
	sh_engine_remove_all(e, at_cmds, NB_AT);
}

void sh_commit_at_stop(void)
{
	if (at.pending)
		TLOG_WARNING("cli: the commit scheduled by %s is dropped: Tula is stopping",
			     at.user);
	tula_timer_free(at.timer);
	at.timer = NULL;
	at.pending = 0;
}
