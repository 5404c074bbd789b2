/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commit scripts: a validate hook that runs, in order, every script named under
 * `system scripts commit file` of the configuration being committed.
 *
 * Each script gets a fresh sandbox and, as its argument (`local cfg = ...`), a
 * read-only table view of that configuration with inactive statements removed — the
 * configuration as it will be applied, including the transient changes of the scripts
 * before it. tula.commit_error() fails the commit with the script's message at the
 * path it names, tula.commit_warning() lets it through with a warning, and
 * tula.commit_change() adds a transient change. A script that raises an error, runs
 * out of budget or cannot be read fails the commit with its name and line. What a
 * commit script prints goes to the log.
 *
 * The hook runs for every kind of commit, start-up included: transient changes are
 * never stored, so the configuration applied at start-up needs them as much as the
 * commit that introduced them. At start-up and for the automatic revert of an
 * unconfirmed commit, though, failures are reported as warnings: that configuration
 * was accepted when it was committed, and an appliance that will not start (or a
 * revert that cannot happen) because a script file changed since is worse than a
 * configuration the current scripts would have refused.
 */
#include "lua/lx_int.h"

#include "common/tula_log.h"
#include "db/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SCRIPTS 64

static int push_view(lua_State *L, void *arg)
{
	lx_push_tree(L, arg, 1);
	return 1;
}

static void log_output(const char *script, const struct tula_buf *out)
{
	const char *p = tula_buf_str(out);

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		int len = nl != NULL ? (int)(nl - p) : (int)strlen(p);

		TLOG_INFO("commit script %s: %.*s", script, len, p);
		p += len + (nl != NULL);
	}
}

/* Run one script; returns 1 when it failed the commit. */
static int run_one(struct lx *lx, struct db_commit *c, const char *name)
{
	const char *user = db_commit_user(c) != NULL ? db_commit_user(c) : "";
	struct tula_buf err = TULA_BUF_INIT;
	struct lx_run run;
	char path[192];
	int rc, failed;

	snprintf(path, sizeof(path), "system scripts commit file %s", name);
	enum sh_level level = SH_LEVEL_READ_ONLY;
	char why[256];

	/* a committer the class rule refuses runs the script with the lowest class: the
	 * script still checks the commit, it just cannot reach anything through tula.cli */
	if (lx_user_level(lx, user, &level, why, sizeof(why)) < 0)
		level = SH_LEVEL_READ_ONLY;
	rc = lx_run_init(&run, lx, user, level, name, LX_API_COMMIT, c, &err);
	if (rc == 0)
		rc = lx_run_exec(&run, name, NULL, 0, name, push_view, (void *)db_commit_new(c),
				 &err);
	if (rc < 0 && lx_commit_lenient(c))
		db_commit_warning(c, path, "commit script %s failed (not enforced %s): %s", name,
				  lx_commit_kind_name(c), tula_buf_str(&err));
	else if (rc < 0)
		db_commit_error(c, path, "commit script %s failed: %s", name, tula_buf_str(&err));
	log_output(name, &run.out);
	failed = !lx_commit_lenient(c) && (rc < 0 || run.commit_errors > 0);
	lx_run_fini(&run);
	tula_buf_free(&err);
	return failed;
}

int lx_commit_lenient(const struct db_commit *c)
{
	return db_commit_kind(c) == DB_COMMIT_STARTUP || db_commit_kind(c) == DB_COMMIT_REVERT;
}

const char *lx_commit_kind_name(const struct db_commit *c)
{
	switch (db_commit_kind(c)) {
	case DB_COMMIT_NORMAL:
		return "commit";
	case DB_COMMIT_CHECK:
		return "check";
	case DB_COMMIT_STARTUP:
		return "at start-up";
	case DB_COMMIT_REVERT:
		return "on an automatic revert";
	}
	return "?";
}

static int commit_validate(struct db_commit *c, void *arg)
{
	struct lx *lx = arg;
	const struct db_node *dir, *f;
	char *names[MAX_SCRIPTS];
	int n = 0, i, failed = 0;

	/* Copy the names first: transient changes edit the tree the names live in. */
	dir = db_node_get(db_commit_new(c), "system scripts commit");
	for (f = dir != NULL ? db_node_first(dir, "file") : NULL; f != NULL && n < MAX_SCRIPTS;
	     f = db_node_next(f)) {
		names[n] = strdup(db_node_key(f));
		if (names[n] == NULL) {
			failed = 1;
			db_commit_error(c, "system scripts commit", "out of memory");
			break;
		}
		n++;
	}
	for (i = 0; i < n; i++) {
		failed |= run_one(lx, c, names[i]);
		free(names[i]);
	}
	return failed ? -EINVAL : 0;
}

static const struct db_hook hook = {
	.name = "commit scripts",
	.validate = commit_validate,
};

int lx_commit_register(struct lx *lx)
{
	int rc = db_commit_hook_register(lx->db, &hook, lx);

	if (rc == 0)
		lx->hook_registered = 1;
	return rc;
}

void lx_commit_unregister(struct lx *lx)
{
	if (lx->hook_registered)
		db_commit_hook_unregister(lx->db, &hook, lx);
	lx->hook_registered = 0;
}
