/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration sessions, as Junos has them:
 *   configure            edits the one shared candidate; everyone's edits are
 *                        committed by whoever commits
 *   configure exclusive  the shared candidate plus the lock: others may look
 *                        but neither edit nor commit; leaving discards what
 *                        was not committed
 *   configure private    an own copy of the active configuration; `update` and
 *                        commit merge in what others committed meanwhile, and
 *                        a statement both changed is a conflict
 * Sessions live in memory (the daemon owns them); their rows in the store are
 * what `status` would show after a crash, and are cleared at the next start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/tula_log.h"
#include "db/db_int.h"

static void fmt_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static int locked_by_other(const struct db_session *s, struct db_diags *d, const char *what)
{
	const struct db_session *o = s->db->lock_owner;
	char since[32];

	if (o == NULL || o == s)
		return 0;
	fmt_time(o->since, since, sizeof(since));
	db_diag_add(d, DB_DIAG_ERROR, "", -1,
		    "configuration database locked by %s (%s) since %s: %s refused", o->user,
		    o->client_id, since, what);
	return -EBUSY;
}

static char *owner_of(const struct db_session *s, char *buf, size_t size)
{
	snprintf(buf, size, "private:%u", s->id);
	return buf;
}

static int persist_session(struct db_session *s)
{
	return db_store_session_put(&s->db->st, s->id, s->user, db_client_name(s->client),
				    s->client_id, db_mode_name(s->mode), s->since, s->locked);
}

int db_shared_sync(struct db *db)
{
	struct tula_buf b = TULA_BUF_INIT;
	int rc;

	if (db_tree_equal(db->shared, db->active)) {
		rc = db_store_cand_put(&db->st, "shared", db->active_id, NULL);
	} else {
		db_render(db->shared, DB_FMT_BRACES, 0, &b);
		rc = b.oom ? -ENOMEM : db_store_cand_put(&db->st, "shared", db->active_id, b.data);
	}
	tula_buf_free(&b);
	if (rc == 0)
		db->shared_dirty = 0;
	return rc;
}

static int private_sync(struct db_session *s)
{
	struct tula_buf b = TULA_BUF_INIT;
	char owner[32];
	int rc;

	owner_of(s, owner, sizeof(owner));
	if (db_tree_equal(s->priv, s->priv_base)) {
		rc = db_store_cand_put(&s->db->st, owner, s->priv_base_id, NULL);
	} else {
		db_render(s->priv, DB_FMT_BRACES, 0, &b);
		rc = b.oom ? -ENOMEM
			   : db_store_cand_put(&s->db->st, owner, s->priv_base_id, b.data);
	}
	tula_buf_free(&b);
	if (rc == 0)
		s->dirty = 0;
	return rc;
}

int db_session_sync(struct db_session *s)
{
	if (s->mode == DB_MODE_PRIVATE)
		return s->dirty ? private_sync(s) : 0;
	return s->db->shared_dirty ? db_shared_sync(s->db) : 0;
}

static void session_free(struct db_session *s)
{
	db_tree_free(s->priv);
	db_tree_free(s->priv_base);
	free(s->user);
	free(s->client_id);
	free(s->where);
	free(s);
}

int db_session_open(struct db *db, const char *user, enum db_client client, const char *client_id,
		    enum db_mode mode, struct db_session **out, struct db_diags *d)
{
	struct db_session *s, **tail;
	int rc;

	if (user == NULL || client_id == NULL || mode < DB_MODE_SHARED || mode > DB_MODE_PRIVATE)
		return -EINVAL;
	if (mode != DB_MODE_SHARED && db->lock_owner != NULL) {
		const struct db_session *o = db->lock_owner;
		char since[32];

		fmt_time(o->since, since, sizeof(since));
		return db_diag_add(d, DB_DIAG_ERROR, "", -1,
				   "configuration database locked by %s (%s) since %s", o->user,
				   o->client_id, since) == -ENOMEM
			       ? -ENOMEM
			       : -EBUSY;
	}
	if (mode == DB_MODE_EXCLUSIVE) {
		const struct db_session *o;

		for (o = db->sessions; o != NULL; o = o->next)
			if (o->mode == DB_MODE_SHARED && o->touched) {
				db_diag_add(d, DB_DIAG_ERROR, "", -1,
					    "configuration database modified: %s (%s) has "
					    "uncommitted changes",
					    o->user, o->client_id);
				return -EBUSY;
			}
	}
	if (mode == DB_MODE_PRIVATE && !db_tree_equal(db->shared, db->active)) {
		db_diag_add(d, DB_DIAG_ERROR, "", -1,
			    "shared configuration database modified: commit or roll back the "
			    "uncommitted changes of `configure` first");
		return -EBUSY;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->db = db;
	s->id = db->next_session++;
	s->client = client;
	s->mode = mode;
	s->since = time(NULL);
	s->user = strdup(user);
	s->client_id = strdup(client_id);
	s->where = strdup("");
	if (s->user == NULL || s->client_id == NULL || s->where == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if (mode == DB_MODE_PRIVATE) {
		s->priv = db_tree_dup(db->active);
		s->priv_base = db_tree_dup(db->active);
		s->priv_base_id = db->active_id;
		if (s->priv == NULL || s->priv_base == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		rc = private_sync(s);
		if (rc != 0)
			goto fail;
	}
	s->locked = mode == DB_MODE_EXCLUSIVE;
	rc = persist_session(s);
	if (rc != 0)
		goto fail;
	if (s->locked)
		db->lock_owner = s;
	for (tail = &db->sessions; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = s;
	*out = s;
	return 0;
fail:
	if (mode == DB_MODE_PRIVATE) {
		char owner[32];

		db_store_cand_del(&db->st, owner_of(s, owner, sizeof(owner)));
	}
	session_free(s);
	return rc;
}

void db_session_close(struct db_session *s)
{
	struct db *db;
	struct db_session **pp;
	char owner[32];

	if (s == NULL)
		return;
	db = s->db;
	if (s->mode == DB_MODE_EXCLUSIVE && !db_tree_equal(db->shared, db->active)) {
		/* Junos: leaving configure exclusive discards what was not committed */
		struct db_node *t = db_tree_dup(db->active);

		if (t != NULL) {
			db_tree_free(db->shared);
			db->shared = t;
			db->shared_dirty = 1;
		}
	}
	if (db->lock_owner == s)
		db->lock_owner = NULL;
	if (s->mode == DB_MODE_PRIVATE)
		db_store_cand_del(&db->st, owner_of(s, owner, sizeof(owner)));
	else if (db->shared_dirty)
		db_shared_sync(db);
	db_store_session_del(&db->st, s->id);
	for (pp = &db->sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	session_free(s);
}

enum db_mode db_session_mode(const struct db_session *s)
{
	return s->mode;
}

const char *db_session_user(const struct db_session *s)
{
	return s->user;
}

void db_session_set_where(struct db_session *s, const char *where)
{
	char *w = strdup(where ? where : "");

	if (w != NULL) {
		free(s->where);
		s->where = w;
	}
}

const struct db_node *db_candidate(const struct db_session *s)
{
	return s->mode == DB_MODE_PRIVATE ? s->priv : s->db->shared;
}

int db_session_changed(const struct db_session *s)
{
	if (s->mode == DB_MODE_PRIVATE)
		return !db_tree_equal(s->priv, s->priv_base);
	return !db_tree_equal(s->db->shared, s->db->active);
}

/* --- edits ------------------------------------------------------------------------------------ */

static struct db_node *edit_begin(struct db_session *s, struct db_diags *d, int *rc)
{
	if (s->mode != DB_MODE_PRIVATE) {
		*rc = locked_by_other(s, d, "change");
		if (*rc != 0)
			return NULL;
		return s->db->shared;
	}
	*rc = 0;
	return s->priv;
}

static int edit_end(struct db_session *s, int rc)
{
	if (rc != 0)
		return rc;
	if (s->mode == DB_MODE_PRIVATE) {
		s->dirty = 1;
	} else {
		s->db->shared_dirty = 1;
		s->touched = 1;
	}
	return 0;
}

int db_set(struct db_session *s, const char *const *argv, int argc, struct db_diags *d)
{
	int rc;
	struct db_node *c = edit_begin(s, d, &rc);

	return c ? edit_end(s, db_tree_set(c, argv, argc, d)) : rc;
}

int db_delete(struct db_session *s, const char *const *argv, int argc, struct db_diags *d)
{
	int rc;
	struct db_node *c = edit_begin(s, d, &rc);

	return c ? edit_end(s, db_tree_delete(c, argv, argc, d)) : rc;
}

int db_activate_path(struct db_session *s, const char *const *argv, int argc, int active,
		     struct db_diags *d)
{
	int rc;
	struct db_node *c = edit_begin(s, d, &rc);

	return c ? edit_end(s, db_tree_activate(c, argv, argc, active, d)) : rc;
}

int db_annotate(struct db_session *s, const char *const *argv, int argc, const char *text,
		struct db_diags *d)
{
	int rc;
	struct db_node *c = edit_begin(s, d, &rc);

	return c ? edit_end(s, db_tree_annotate(c, argv, argc, text, d)) : rc;
}

int db_rename(struct db_session *s, const char *const *argv, int argc, const char *new_key,
	      struct db_diags *d)
{
	int rc;
	struct db_node *c = edit_begin(s, d, &rc);

	return c ? edit_end(s, db_tree_rename(c, argv, argc, new_key, d)) : rc;
}

int db_exec(struct db_session *s, const char *line, struct db_diags *d)
{
	int rc;
	struct db_node *c = edit_begin(s, d, &rc);

	return c ? edit_end(s, db_tree_exec(c, line, d)) : rc;
}

int db_load(struct db_session *s, enum db_load_mode mode, const char *text, const char *const *at,
	    int nat, struct db_diags *d)
{
	int rc;
	struct db_node *c = edit_begin(s, d, &rc);

	return c ? edit_end(s, db_tree_load(c, mode, text, at, nat, d)) : rc;
}

/* Replace the whole candidate with t (consumed). */
static int replace_candidate(struct db_session *s, struct db_node *t)
{
	if (s->mode == DB_MODE_PRIVATE) {
		db_tree_free(s->priv);
		s->priv = t;
	} else {
		db_tree_free(s->db->shared);
		s->db->shared = t;
	}
	return edit_end(s, 0);
}

int db_rollback(struct db_session *s, unsigned index, struct db_diags *d)
{
	struct db_node *t = NULL;
	unsigned count = 0;
	int rc;

	if (s->mode != DB_MODE_PRIVATE && (rc = locked_by_other(s, d, "rollback")) != 0)
		return rc;
	rc = db_revision_load(s->db, index, &t, NULL);
	if (rc == -ENOENT) {
		db_store_rev_count(&s->db->st, &count);
		return db_diag_add(d, DB_DIAG_ERROR, "", -1,
				   "revision %u does not exist (the history holds 0..%u)", index,
				   count ? count - 1 : 0) == -ENOMEM
			       ? -ENOMEM
			       : -ENOENT;
	}
	if (rc != 0)
		return rc;
	return replace_candidate(s, t);
}

int db_rollback_rescue(struct db_session *s, struct db_diags *d)
{
	struct db_node *t = NULL;
	int rc;

	if (s->mode != DB_MODE_PRIVATE && (rc = locked_by_other(s, d, "rollback")) != 0)
		return rc;
	rc = db_rescue_load(s->db, &t);
	if (rc == -ENOENT) {
		db_diag_add(d, DB_DIAG_ERROR, "", -1, "no rescue configuration is saved");
		return -ENOENT;
	}
	if (rc != 0)
		return rc;
	return replace_candidate(s, t);
}

/* What private merges blame: the newest revision. */
static void why_text(struct db *db, char *buf, size_t size)
{
	struct db_revision info;
	char when[32];

	if (db_revision_load(db, 0, NULL, &info) != 0) {
		snprintf(buf, size, "a commit since this session started");
		return;
	}
	fmt_time(info.time, when, sizeof(when));
	snprintf(buf, size, "revision %llu committed by %s at %s since this session started",
		 (unsigned long long)info.id, info.user, when);
}

int db_update(struct db_session *s, struct db_diags *d)
{
	struct db_node *m, *base;
	char why[256];

	if (s->mode != DB_MODE_PRIVATE)
		return db_diag_add(d, DB_DIAG_ERROR, "", -1,
				   "update applies to configure private only");
	if (s->priv_base_id == s->db->active_id)
		return 0;
	why_text(s->db, why, sizeof(why));
	m = db_merge3(s->priv_base, s->priv, s->db->active, why, d);
	if (m == NULL)
		return errno == EAGAIN ? -ESTALE : -ENOMEM;
	base = db_tree_dup(s->db->active);
	if (base == NULL) {
		db_tree_free(m);
		return -ENOMEM;
	}
	db_tree_free(s->priv);
	db_tree_free(s->priv_base);
	s->priv = m;
	s->priv_base = base;
	s->priv_base_id = s->db->active_id;
	s->dirty = 1;
	return 0;
}

/* --- commit ------------------------------------------------------------------------------------- */

int db_commit(struct db_session *s, const struct db_commit_opts *o, struct db_commit_result *r,
	      struct db_diags *d)
{
	static const struct db_commit_opts none;
	struct db *db = s->db;
	struct db_node *merged = NULL;
	const struct db_node *cand;
	int rc, was_merged = 0;

	if (o == NULL)
		o = &none;
	rc = locked_by_other(s, d, o->check ? "commit check" : "commit");
	if (rc != 0)
		return rc;
	if (s->mode == DB_MODE_PRIVATE) {
		cand = s->priv;
		if (s->priv_base_id != db->active_id) {
			char why[256];

			why_text(db, why, sizeof(why));
			merged = db_merge3(s->priv_base, s->priv, db->active, why, d);
			if (merged == NULL) {
				if (errno != EAGAIN)
					return -ENOMEM;
				db_diag_add(d, DB_DIAG_ERROR, "", -1,
					    "commit refused: resolve the conflicts (edit or "
					    "rollback), then run update");
				return -ESTALE;
			}
			cand = merged;
			was_merged = 1;
		}
	} else {
		cand = db->shared;
	}
	rc = db_commit_tree(db, cand, o->check ? DB_COMMIT_CHECK : DB_COMMIT_NORMAL, s->user,
			    s->client, s->client_id, o->comment, o->confirm_sec, s, r, d);
	if (rc == 0 && !o->check && s->mode == DB_MODE_PRIVATE) {
		struct db_node *p = db_tree_dup(db->active), *b = db_tree_dup(db->active);

		if (p != NULL && b != NULL) {
			db_tree_free(s->priv);
			db_tree_free(s->priv_base);
			s->priv = p;
			s->priv_base = b;
			s->priv_base_id = db->active_id;
			s->dirty = 0;
		} else {
			db_tree_free(p);
			db_tree_free(b);
		}
	}
	if (r != NULL && rc == 0)
		r->merged = was_merged;
	db_tree_free(merged);
	return rc;
}

/* --- status -------------------------------------------------------------------------------------- */

int db_status(const struct db *db, int (*fn)(void *arg, const struct db_session_info *i), void *arg)
{
	const struct db_session *s;
	int n = 0;

	for (s = db->sessions; s != NULL; s = s->next) {
		struct db_session_info i = {
			.id = s->id,
			.user = s->user,
			.client = s->client,
			.client_id = s->client_id,
			.mode = s->mode,
			.since = s->since,
			.where = s->where,
			.locked = s->locked,
			.changed = s->mode == DB_MODE_PRIVATE ? db_session_changed(s) : s->touched,
		};

		n++;
		if (fn != NULL && fn(arg, &i) != 0)
			break;
	}
	return n;
}
