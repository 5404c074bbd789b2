/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The commit transaction (README, "Design", rule 2):
 *
 *   effective tree -> validate (hooks, then schema + semantic rules)
 *                  -> prepare (hooks, in order; abort the prepared on failure)
 *                  -> [check: abort all] | store (one SQLite transaction)
 *                  -> apply (hooks, cannot fail)
 *
 * The revision is written and made active in one SQLite transaction right
 * before apply; if the store fails every hook is aborted, so a failed commit
 * changes nothing. A crash between the store and apply is harmless: start-up
 * applies the stored active revision.
 *
 * Also here: `commit confirmed` — the deadline lives in the store, a tula_timer
 * fires the automatic revert, which is an ordinary commit by client "auto".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db_int.h"

enum phase {
	PH_VALIDATE = 1,
	PH_PREPARE,
	PH_APPLY,
	PH_ABORT,
};

struct db_commit {
	struct db *db;
	enum db_commit_kind kind;
	enum phase phase;
	const char *user;
	enum db_client client;
	const char *comment;
	struct db_node *new_tree;
	const struct db_node *old_tree;
	struct db_diags *d;
	size_t errors0; /* errors already in d before this commit */
	int transient;	/* db_commit_change() changed new_tree */
};

const struct db_node *db_commit_new(const struct db_commit *c)
{
	return c->new_tree;
}

const struct db_node *db_commit_old(const struct db_commit *c)
{
	return c->old_tree;
}

enum db_commit_kind db_commit_kind(const struct db_commit *c)
{
	return c->kind;
}

const char *db_commit_user(const struct db_commit *c)
{
	return c->user;
}

enum db_client db_commit_client(const struct db_commit *c)
{
	return c->client;
}

const char *db_commit_comment(const struct db_commit *c)
{
	return c->comment;
}

int db_commit_error(struct db_commit *c, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	db_diag_add(c->d, DB_DIAG_ERROR, path, -1, "%s", msg);
	return -EINVAL;
}

void db_commit_warning(struct db_commit *c, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	db_diag_add(c->d, DB_DIAG_WARNING, path, -1, "%s", msg);
}

int db_commit_change(struct db_commit *c, const char *line)
{
	struct db_diags local = DB_DIAGS_INIT;
	size_t i;
	int rc;

	if (c->phase != PH_VALIDATE)
		return -EPERM;
	rc = db_tree_exec(c->new_tree, line, &local);
	if (rc != 0) {
		for (i = 0; i < local.n; i++)
			db_diag_add(c->d, DB_DIAG_ERROR, local.v[i].path, -1,
				    "transient change \"%s\": %s", line, local.v[i].message);
		if (local.n == 0)
			db_diag_add(c->d, DB_DIAG_ERROR, "", -1, "transient change \"%s\": %s",
				    line, strerror(-rc));
	}
	db_diags_free(&local);
	if (rc == 0)
		c->transient = 1;
	return rc == 0 ? 0 : (rc == -ENOMEM ? -ENOMEM : -EINVAL);
}

static int64_t now_ms_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void abort_prepared(struct db_commit *c)
{
	struct db *db = c->db;
	size_t i;

	c->phase = PH_ABORT;
	for (i = db->nhooks; i > 0; i--) {
		struct db_hook_reg *h = &db->hooks[i - 1];

		if (h->prepared && h->h->abort != NULL)
			h->h->abort(c, h->arg);
		h->prepared = 0;
	}
}

static void hook_failed(struct db_commit *c, const struct db_hook_reg *h, size_t errors_before,
			const char *phase, int rc)
{
	if (c->d->errors == errors_before)
		db_diag_add(c->d, DB_DIAG_ERROR, "", -1, "%s: %s failed (%s)",
			    h->h->name ? h->h->name : "commit hook", phase,
			    strerror(rc < 0 ? -rc : rc));
}

/* Validate and prepare. On success every hook with a prepare is prepared. */
static int run_validate_prepare(struct db_commit *c)
{
	struct db *db = c->db;
	size_t i, before;
	int failed = 0, rc;

	c->phase = PH_VALIDATE;
	for (i = 0; i < db->nhooks; i++) {
		struct db_hook_reg *h = &db->hooks[i];

		if (h->h->validate == NULL)
			continue;
		before = c->d->errors;
		rc = h->h->validate(c, h->arg);
		if (rc != 0 || c->d->errors > before) {
			hook_failed(c, h, before, "validate", rc ? rc : -EINVAL);
			failed = 1;
		}
	}
	/* transient changes may have left containers empty or statements inactive */
	db_node_prune_all(c->new_tree);
	rc = db_validate(c->new_tree, c->d);
	if (rc < 0)
		return rc;
	if (rc > 0 || failed || c->d->errors > c->errors0)
		return -EINVAL;
	c->phase = PH_PREPARE;
	for (i = 0; i < db->nhooks; i++) {
		struct db_hook_reg *h = &db->hooks[i];

		if (h->h->prepare == NULL) {
			h->prepared = 1; /* abort (if any) still runs for symmetry */
			continue;
		}
		before = c->d->errors;
		rc = h->h->prepare(c, h->arg);
		if (rc != 0) {
			hook_failed(c, h, before, "prepare", rc);
			abort_prepared(c);
			return -EINVAL;
		}
		h->prepared = 1;
	}
	return 0;
}

static void run_apply(struct db_commit *c)
{
	struct db *db = c->db;
	size_t i;

	c->phase = PH_APPLY;
	for (i = 0; i < db->nhooks; i++) {
		struct db_hook_reg *h = &db->hooks[i];

		if (h->h->apply != NULL)
			h->h->apply(c, h->arg);
		h->prepared = 0;
	}
}

static int has_attrs(const struct db_node *n)
{
	uint32_t i;

	if (n->inactive || n->annotation != NULL)
		return 1;
	for (i = 0; i < n->nkids; i++)
		if (has_attrs(n->kids[i]))
			return 1;
	return 0;
}

static char *render_text(const struct db_node *t)
{
	struct tula_buf b = TULA_BUF_INIT;

	db_render(t, DB_FMT_BRACES, 0, &b);
	if (b.oom) {
		tula_buf_free(&b);
		return NULL;
	}
	return tula_buf_steal(&b);
}

/*
 * After a commit that did not come from the shared candidate (private, revert),
 * carry the shared candidate's own edits over to the new active configuration
 * so a later shared commit does not silently undo this one.
 */
static struct db_node *rebase_shared(struct db *db, const struct db_node *old_active,
				     const struct db_node *new_active)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *m;

	if (db_tree_equal(db->shared, old_active))
		return db_tree_dup(new_active);
	m = db_merge3(old_active, db->shared, new_active, "the commit", &d);
	if (m == NULL)
		TLOG_WARNING("db: the shared candidate's uncommitted changes conflict with the "
			     "new active configuration; they are kept as they are");
	db_diags_free(&d);
	return m;
}

int db_commit_tree(struct db *db, const struct db_node *cand, enum db_commit_kind kind,
		   const char *user, enum db_client client, const char *client_id,
		   const char *comment, uint32_t confirm_sec, struct db_session *s,
		   struct db_commit_result *r, struct db_diags *d)
{
	struct db_diags local = DB_DIAGS_INIT;
	struct db_commit c = {
		.db = db,
		.kind = kind,
		.user = user,
		.client = client,
		.comment = comment,
		.old_tree = db->effective,
		.d = d ? d : &local,
	};
	struct db_node *empty = NULL, *new_active = NULL, *new_shared = NULL;
	struct db_store_confirm pending = {0};
	int had_pending = 0, from_shared, alias, rc;
	char *text = NULL, *shared_text = NULL;
	uint64_t id = 0;
	uint32_t history = DB_HISTORY_MAX;

	if (db->in_commit)
		return -EBUSY;
	c.errors0 = c.d->errors;
	if (r != NULL)
		memset(r, 0, sizeof(*r));
	from_shared = s != NULL && s->mode != DB_MODE_PRIVATE;
	c.new_tree = db_tree_effective(cand);
	if (c.new_tree == NULL)
		return -ENOMEM;
	if (kind == DB_COMMIT_STARTUP) {
		empty = db_tree_new();
		if (empty == NULL) {
			db_tree_free(c.new_tree);
			return -ENOMEM;
		}
		c.old_tree = empty;
	}
	db->in_commit = 1;
	rc = run_validate_prepare(&c);
	if (rc != 0)
		goto fail;
	if (kind == DB_COMMIT_CHECK) {
		abort_prepared(&c);
		goto done;
	}
	if (kind == DB_COMMIT_STARTUP) {
		run_apply(&c);
		db_set_trees(db, db->active, c.new_tree);
		c.new_tree = NULL;
		goto done;
	}

	/* store: the revision, the trimmed history, the candidates, the pending confirm */
	text = render_text(cand);
	/* without attributes or transient changes the effective tree is the
	 * candidate itself: keep one copy for both */
	alias = !c.transient && !has_attrs(cand);
	new_active = alias ? NULL : db_tree_dup(cand);
	if (text == NULL || (!alias && new_active == NULL)) {
		rc = -ENOMEM;
		goto abort;
	}
	if (!from_shared) {
		const struct db_node *committed = alias ? c.new_tree : new_active;

		new_shared = rebase_shared(db, db->active, committed);
		if (new_shared != NULL && !db_tree_equal(new_shared, committed)) {
			shared_text = render_text(new_shared);
			if (shared_text == NULL) {
				rc = -ENOMEM;
				goto abort;
			}
		}
	}
	if (db_get_uint(db_node_get(c.new_tree, "system commit"), "history", &history) != 0)
		history = DB_HISTORY_MAX;
	rc = db_store_begin(&db->st);
	if (rc != 0)
		goto abort;
	{
		struct db_store_rev rev = {
			.time = time(NULL),
			.user = (char *)user,
			.client = (char *)db_client_name(client),
			.client_id = (char *)client_id,
			.comment = (char *)comment,
			.text = text,
		};

		rc = db_store_rev_add(&db->st, &rev, &id);
	}
	if (rc == 0) {
		int g = db_store_confirm_get(&db->st, &pending);

		had_pending = g == 0;
		if (g != 0 && g != -ENOENT)
			rc = g;
	}
	if (rc == 0) {
		if (kind == DB_COMMIT_NORMAL && confirm_sec > 0) {
			struct db_store_confirm nc = {
				.id = id,
				/* a second `commit confirmed` keeps the original way back */
				.restore_id = had_pending ? pending.restore_id : db->active_id,
				.deadline = now_ms_real() / 1000 + (int64_t)confirm_sec,
				.user = (char *)user,
			};

			rc = db_store_confirm_put(&db->st, &nc);
			if (r != NULL)
				r->deadline = nc.deadline;
			pending.restore_id = nc.restore_id;
		} else if (had_pending) {
			rc = db_store_confirm_del(&db->st);
			pending.restore_id = 0;
		}
	}
	if (rc == 0)
		rc = db_store_rev_trim(
			&db->st, history,
			kind == DB_COMMIT_NORMAL && confirm_sec > 0 ? pending.restore_id : 0);
	if (rc == 0 && (from_shared || new_shared != NULL))
		rc = db_store_cand_put(&db->st, "shared", id, shared_text);
	if (rc == 0 && s != NULL && s->mode == DB_MODE_PRIVATE) {
		char owner[32];

		snprintf(owner, sizeof(owner), "private:%u", s->id);
		rc = db_store_cand_put(&db->st, owner, id, NULL);
	}
	if (rc == 0)
		rc = db_store_commit(&db->st);
	if (rc != 0) {
		db_store_rollback(&db->st);
		rc = -EIO;
		goto abort;
	}

	/* the revision is recorded and active: publish */
	run_apply(&c);
	db_set_trees(db, alias ? c.new_tree : new_active, c.new_tree);
	new_active = NULL;
	c.new_tree = NULL;
	db->active_id = id;
	if (from_shared) {
		struct db_session *x;

		db->shared_dirty = 0;
		for (x = db->sessions; x != NULL; x = x->next)
			if (x->mode != DB_MODE_PRIVATE)
				x->touched = 0;
	} else if (new_shared != NULL) {
		db_tree_free(db->shared);
		db->shared = new_shared;
		new_shared = NULL;
		db->shared_dirty = 0;
	}
	if (r != NULL) {
		r->id = id;
		r->confirmed = had_pending && !(kind == DB_COMMIT_NORMAL && confirm_sec > 0);
	}
	db_confirm_rearm(db);
	TLOG_NOTICE("db: revision %llu committed by %s (%s)%s%s", (unsigned long long)id, user,
		    db_client_name(client), comment ? ": " : "", comment ? comment : "");
	goto done;
abort:
	abort_prepared(&c);
fail:
	if (rc == -EINVAL && c.d->errors == c.errors0)
		db_diag_add(c.d, DB_DIAG_ERROR, "", -1, "commit failed");
done:
	db->in_commit = 0;
	free(pending.user);
	free(text);
	free(shared_text);
	db_tree_free(new_active);
	db_tree_free(new_shared);
	db_tree_free(c.new_tree);
	db_tree_free(empty);
	db_diags_free(&local);
	return rc;
}

int db_activate(struct db *db, struct db_diags *d)
{
	return db_commit_tree(db, db->active, DB_COMMIT_STARTUP, "tula", DB_CLIENT_AUTO, "start-up",
			      NULL, 0, NULL, NULL, d);
}

/* --- commit confirmed ------------------------------------------------------------------------- */

static void confirm_timer_cb(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct db *db = arg;
	struct db_diags d = DB_DIAGS_INIT;
	size_t i;

	(void)loop;
	(void)t;
	if (db_confirm_poll(db, &d) < 0)
		for (i = 0; i < d.n; i++)
			TLOG_ERR("db: automatic rollback: %s%s%s", d.v[i].path,
				 d.v[i].path[0] ? ": " : "", d.v[i].message);
	db_diags_free(&d);
}

void db_confirm_rearm(struct db *db)
{
	struct db_store_confirm c;
	int64_t delay;

	if (db->confirm_timer == NULL)
		return;
	if (db_store_confirm_get(&db->st, &c) != 0) {
		tula_timer_disarm(db->confirm_timer);
		return;
	}
	delay = c.deadline * 1000 - now_ms_real();
	free(c.user);
	tula_timer_arm(db->confirm_timer, delay > 0 ? (uint64_t)delay : 0, 0);
}

int db_attach_loop(struct db *db, struct tula_loop *loop)
{
	if (db->confirm_timer != NULL)
		tula_timer_free(db->confirm_timer);
	db->loop = loop;
	db->confirm_timer = tula_timer_new(loop, confirm_timer_cb, db);
	if (db->confirm_timer == NULL)
		return -errno;
	db_confirm_rearm(db);
	return 0;
}

int db_confirm_poll(struct db *db, struct db_diags *d)
{
	struct db_store_confirm c;
	struct db_store_rev r;
	struct db_node *t;
	char comment[512], when[32];
	struct tm tm;
	time_t dl;
	int rc;

	rc = db_store_confirm_get(&db->st, &c);
	if (rc == -ENOENT)
		return 0;
	if (rc != 0)
		return rc;
	if (now_ms_real() < c.deadline * 1000) {
		free(c.user);
		db_confirm_rearm(db);
		return 0;
	}
	rc = db_store_rev_by_id(&db->st, c.restore_id, &r);
	if (rc != 0) {
		db_diag_add(d, DB_DIAG_ERROR, "", -1,
			    "revision %llu to restore is not in the store (%s)",
			    (unsigned long long)c.restore_id, strerror(-rc));
		goto retry;
	}
	t = db_tree_parse(r.text, d);
	db_store_rev_clear(&r);
	if (t == NULL) {
		rc = -EINVAL;
		goto retry;
	}
	dl = (time_t)c.deadline;
	localtime_r(&dl, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(comment, sizeof(comment),
		 "automatic rollback: commit confirmed by %s (revision %llu) was not confirmed "
		 "by %s; restored revision %llu",
		 c.user, (unsigned long long)c.id, when, (unsigned long long)c.restore_id);
	rc = db_commit_tree(db, t, DB_COMMIT_REVERT, "tula", DB_CLIENT_AUTO,
			    "commit confirmed timer", comment, 0, NULL, NULL, d);
	db_tree_free(t);
	if (rc != 0)
		goto retry;
	TLOG_WARNING("db: %s", comment);
	free(c.user);
	return 1;
retry:
	/* keep the way back; try again in a minute */
	c.deadline = now_ms_real() / 1000 + 60;
	if (db_store_confirm_put(&db->st, &c) == 0)
		db_confirm_rearm(db);
	free(c.user);
	return rc < 0 ? rc : -EIO;
}
