/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SQLite store (README, "Design", rule 7): one writer connection, WAL,
 * synchronous=FULL, so a commit acknowledged to the operator survives a crash
 * or a power cut. The schema is versioned with `PRAGMA user_version`; each
 * migration step runs in its own transaction.
 *
 * Tables
 *   revision        committed configurations, id increasing (index 0 = newest)
 *   candidate       the shared and private candidates (text NULL = equal to the
 *                   base revision, so a commit does not write the text twice)
 *   session         open configuration sessions and the lock (for `status`;
 *                   stale after a restart and cleared at open)
 *   pending_confirm the deadline of an unconfirmed `commit confirmed`
 *   rescue          the rescue configuration
 *   meta            small key/value facts
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tula_log.h"
#include "db/db_int.h"

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE revision ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  created INTEGER NOT NULL,"
	"  user TEXT NOT NULL,"
	"  client TEXT NOT NULL CHECK (client IN ('cli', 'lua', 'auto')),"
	"  client_id TEXT,"
	"  comment TEXT,"
	"  text TEXT NOT NULL);"
	"CREATE TABLE candidate ("
	"  owner TEXT PRIMARY KEY,"
	"  base_id INTEGER NOT NULL,"
	"  text TEXT,"
	"  updated INTEGER NOT NULL);"
	"CREATE TABLE session ("
	"  id INTEGER PRIMARY KEY,"
	"  user TEXT NOT NULL,"
	"  client TEXT NOT NULL,"
	"  client_id TEXT,"
	"  mode TEXT NOT NULL,"
	"  since INTEGER NOT NULL,"
	"  locked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE pending_confirm ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  revision_id INTEGER NOT NULL,"
	"  restore_id INTEGER NOT NULL,"
	"  deadline INTEGER NOT NULL,"
	"  user TEXT NOT NULL);"
	"CREATE TABLE rescue ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  saved INTEGER NOT NULL,"
	"  text TEXT NOT NULL);"
	"CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);",
};

static int sqerr(struct db_store *st, int rc, const char *what)
{
	TLOG_ERR("db: %s: %s (%d)", what, sqlite3_errmsg(st->sql), rc);
	if (rc == SQLITE_NOMEM)
		return -ENOMEM;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return -EBUSY;
	return -EIO;
}

static int exec(struct db_store *st, const char *sql)
{
	int rc = sqlite3_exec(st->sql, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : sqerr(st, rc, sql);
}

static int prepare(struct db_store *st, const char *sql, sqlite3_stmt **s)
{
	int rc = sqlite3_prepare_v2(st->sql, sql, -1, s, NULL);

	return rc == SQLITE_OK ? 0 : sqerr(st, rc, sql);
}

/* Step a statement expected to finish (no rows) and finalize it. */
static int run(struct db_store *st, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : sqerr(st, rc, "step");
}

static void bind_text(sqlite3_stmt *s, int i, const char *t)
{
	if (t == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
}

static char *col_dup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

/*
 * What a SQLite error means for start-up: only damage (SQLITE_CORRUPT, SQLITE_NOTADB)
 * is -EBADMSG, the one verdict that lets db_open move the file aside; everything else
 * (permissions, a read-only file or directory, a full disk, I/O errors, a lock) is a
 * condition the operator fixes, and the file is left as it is.
 */
static int open_error(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_CANTOPEN:
		return -EACCES;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_NOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int migrate(struct db_store *st, char *reason, size_t rsize)
{
	sqlite3_stmt *s;
	int version, rc;

	rc = sqlite3_prepare_v2(st->sql, "PRAGMA user_version", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		snprintf(reason, rsize, "cannot read the schema version: %s",
			 sqlite3_errmsg(st->sql));
		return open_error(rc);
	}
	version = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	if (version < 0 || version > DB_STORE_VERSION) {
		snprintf(reason, rsize,
			 "schema version %d is newer than this Tula knows (%d): it was written "
			 "by a newer Tula; run that version, or move the file away to start anew",
			 version, DB_STORE_VERSION);
		return -EPROTO;
	}
	while (version < DB_STORE_VERSION) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
		rc = sqlite3_exec(st->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->sql, migrations[version], NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->sql, sql, NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->sql, "COMMIT", NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(reason, rsize, "migration to schema version %d failed: %s",
				 version + 1, sqlite3_errmsg(st->sql));
			sqlite3_exec(st->sql, "ROLLBACK", NULL, NULL, NULL);
			return open_error(rc);
		}
		version++;
	}
	return 0;
}

static int configure(struct db_store *st, char *reason, size_t rsize)
{
	sqlite3_stmt *s;
	int rc;

	sqlite3_busy_timeout(st->sql, 2000);
	sqlite3_extended_result_codes(st->sql, 1);
	rc = sqlite3_prepare_v2(st->sql, "PRAGMA journal_mode = WAL", -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0) {
		snprintf(reason, rsize, "cannot switch the database to WAL mode: %s",
			 sqlite3_errmsg(st->sql));
		rc = sqlite3_errcode(st->sql);
		sqlite3_finalize(s);
		return open_error(rc == SQLITE_OK || rc == SQLITE_ROW ? SQLITE_IOERR : rc);
	}
	sqlite3_finalize(s);
	rc = sqlite3_exec(st->sql, "PRAGMA synchronous = FULL", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->sql, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		snprintf(reason, rsize, "%s", sqlite3_errmsg(st->sql));
		return open_error(rc);
	}
	return migrate(st, reason, rsize);
}

/* 0, -EBADMSG when the file is damaged, or what open_error() says about a failure
 * to read it at all. */
static int integrity(struct db_store *st, char *reason, size_t rsize)
{
	sqlite3_stmt *s;
	int rc;
	const char *r;

	rc = sqlite3_prepare_v2(st->sql, "PRAGMA integrity_check", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		snprintf(reason, rsize, "cannot read the database: %s", sqlite3_errmsg(st->sql));
		return open_error(rc);
	}
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		snprintf(reason, rsize, "integrity_check failed: %s", sqlite3_errmsg(st->sql));
		sqlite3_finalize(s);
		return open_error(rc);
	}
	r = (const char *)sqlite3_column_text(s, 0);
	if (r == NULL || strcmp(r, "ok") != 0) {
		snprintf(reason, rsize, "integrity_check: %s", r ? r : "(no answer)");
		sqlite3_finalize(s);
		return -EBADMSG;
	}
	sqlite3_finalize(s);
	return 0;
}

int db_store_open(struct db_store *st, const char *path, char *reason, size_t rsize)
{
	int rc;

	memset(st, 0, sizeof(*st));
	st->path = strdup(path);
	if (st->path == NULL)
		return -ENOMEM;
	rc = sqlite3_open_v2(path, &st->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		snprintf(reason, rsize, "cannot open: %s",
			 st->sql ? sqlite3_errmsg(st->sql) : sqlite3_errstr(rc));
		db_store_close(st);
		return open_error(rc);
	}
	/* Until the database is known good, closing it must not write to it: no
	 * checkpoint of a WAL left by a crash into a file Tula is about to refuse. */
	sqlite3_db_config(st->sql, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	rc = integrity(st, reason, rsize);
	if (rc == 0)
		rc = configure(st, reason, rsize);
	if (rc == 0)
		rc = integrity(st, reason, rsize);
	if (rc != 0) {
		db_store_close(st);
		return rc;
	}
	sqlite3_db_config(st->sql, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);
	return 0;
}

void db_store_close(struct db_store *st)
{
	if (st->sql != NULL)
		sqlite3_close_v2(st->sql);
	st->sql = NULL;
	free(st->path);
	st->path = NULL;
}

int db_store_begin(struct db_store *st)
{
	return exec(st, "BEGIN IMMEDIATE");
}

int db_store_commit(struct db_store *st)
{
	return exec(st, "COMMIT");
}

void db_store_rollback(struct db_store *st)
{
	if (!sqlite3_get_autocommit(st->sql))
		sqlite3_exec(st->sql, "ROLLBACK", NULL, NULL, NULL);
}

/* --- revisions ----------------------------------------------------------------------------- */

int db_store_rev_add(struct db_store *st, const struct db_store_rev *r, uint64_t *id)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st,
		     "INSERT INTO revision (created, user, client, client_id, comment, text)"
		     " VALUES (?, ?, ?, ?, ?, ?)",
		     &s);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, r->time);
	bind_text(s, 2, r->user);
	bind_text(s, 3, r->client);
	bind_text(s, 4, r->client_id);
	bind_text(s, 5, r->comment);
	bind_text(s, 6, r->text);
	rc = run(st, s);
	if (rc == 0 && id != NULL)
		*id = (uint64_t)sqlite3_last_insert_rowid(st->sql);
	return rc;
}

void db_store_rev_clear(struct db_store_rev *r)
{
	free(r->user);
	free(r->client);
	free(r->client_id);
	free(r->comment);
	free(r->text);
	memset(r, 0, sizeof(*r));
}

static void rev_from_row(sqlite3_stmt *s, struct db_store_rev *r, int with_text)
{
	r->id = (uint64_t)sqlite3_column_int64(s, 0);
	r->time = sqlite3_column_int64(s, 1);
	r->user = col_dup(s, 2);
	r->client = col_dup(s, 3);
	r->client_id = col_dup(s, 4);
	r->comment = col_dup(s, 5);
	r->text = with_text ? col_dup(s, 6) : NULL;
}

static int rev_one(struct db_store *st, sqlite3_stmt *s, struct db_store_rev *r)
{
	int rc = sqlite3_step(s);

	memset(r, 0, sizeof(*r));
	if (rc == SQLITE_ROW) {
		rev_from_row(s, r, 1);
		sqlite3_finalize(s);
		if (r->user == NULL || r->client == NULL || r->text == NULL) {
			db_store_rev_clear(r);
			return -ENOMEM;
		}
		return 0;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? -ENOENT : sqerr(st, rc, "read revision");
}

int db_store_rev_get(struct db_store *st, unsigned index, struct db_store_rev *r)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st,
		     "SELECT id, created, user, client, client_id, comment, text FROM revision"
		     " ORDER BY id DESC LIMIT 1 OFFSET ?",
		     &s);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, index);
	return rev_one(st, s, r);
}

int db_store_rev_by_id(struct db_store *st, uint64_t id, struct db_store_rev *r)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st,
		     "SELECT id, created, user, client, client_id, comment, text FROM revision"
		     " WHERE id = ?",
		     &s);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	return rev_one(st, s, r);
}

int db_store_rev_count(struct db_store *st, unsigned *count)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st, "SELECT count(*) FROM revision", &s);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(s);
	*count = rc == SQLITE_ROW ? (unsigned)sqlite3_column_int(s, 0) : 0;
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : sqerr(st, rc, "count revisions");
}

int db_store_rev_trim(struct db_store *st, unsigned keep, uint64_t protect_id)
{
	sqlite3_stmt *s;
	int rc;

	/* the revision a pending confirm restores survives trimming */
	rc = prepare(st,
		     "DELETE FROM revision WHERE id <> ? AND id NOT IN"
		     " (SELECT id FROM revision ORDER BY id DESC LIMIT ?)",
		     &s);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)protect_id);
	sqlite3_bind_int64(s, 2, keep);
	return run(st, s);
}

int db_store_rev_walk(struct db_store *st,
		      int (*fn)(void *arg, unsigned index, const struct db_store_rev *r), void *arg)
{
	sqlite3_stmt *s;
	unsigned index = 0;
	int rc;

	rc = prepare(st,
		     "SELECT id, created, user, client, client_id, comment FROM revision"
		     " ORDER BY id DESC",
		     &s);
	if (rc != 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct db_store_rev r;
		int stop;

		rev_from_row(s, &r, 0);
		stop = fn(arg, index++, &r);
		db_store_rev_clear(&r);
		if (stop)
			break;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqerr(st, rc, "walk revisions");
	return (int)index;
}

/* --- candidates --------------------------------------------------------------------------- */

int db_store_cand_put(struct db_store *st, const char *owner, uint64_t base_id, const char *text)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st,
		     "INSERT OR REPLACE INTO candidate (owner, base_id, text, updated)"
		     " VALUES (?, ?, ?, strftime('%s', 'now'))",
		     &s);
	if (rc != 0)
		return rc;
	bind_text(s, 1, owner);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)base_id);
	bind_text(s, 3, text);
	return run(st, s);
}

int db_store_cand_get(struct db_store *st, const char *owner, uint64_t *base_id, char **text)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st, "SELECT base_id, text FROM candidate WHERE owner = ?", &s);
	if (rc != 0)
		return rc;
	bind_text(s, 1, owner);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*base_id = (uint64_t)sqlite3_column_int64(s, 0);
		*text = col_dup(s, 1);
		sqlite3_finalize(s);
		return 0;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? -ENOENT : sqerr(st, rc, "read candidate");
}

int db_store_cand_del(struct db_store *st, const char *owner)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st, "DELETE FROM candidate WHERE owner = ?", &s);
	if (rc != 0)
		return rc;
	bind_text(s, 1, owner);
	return run(st, s);
}

/* --- sessions ------------------------------------------------------------------------------ */

int db_store_session_put(struct db_store *st, uint32_t id, const char *user, const char *client,
			 const char *client_id, const char *mode, int64_t since, int locked)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st,
		     "INSERT OR REPLACE INTO session (id, user, client, client_id, mode, since,"
		     " locked) VALUES (?, ?, ?, ?, ?, ?, ?)",
		     &s);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, user);
	bind_text(s, 3, client);
	bind_text(s, 4, client_id);
	bind_text(s, 5, mode);
	sqlite3_bind_int64(s, 6, since);
	sqlite3_bind_int(s, 7, locked);
	return run(st, s);
}

int db_store_session_del(struct db_store *st, uint32_t id)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st, "DELETE FROM session WHERE id = ?", &s);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	return run(st, s);
}

int db_store_clear_stale(struct db_store *st)
{
	sqlite3_stmt *s;
	int n = 0, rc;

	rc = prepare(st,
		     "SELECT (SELECT count(*) FROM session) +"
		     " (SELECT count(*) FROM candidate WHERE owner <> 'shared')",
		     &s);
	if (rc != 0)
		return rc;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (n == 0)
		return 0;
	rc = exec(st, "BEGIN IMMEDIATE; DELETE FROM session;"
		      " DELETE FROM candidate WHERE owner <> 'shared'; COMMIT");
	if (rc != 0) {
		db_store_rollback(st);
		return rc;
	}
	return n;
}

/* --- pending confirm ------------------------------------------------------------------------- */

int db_store_confirm_put(struct db_store *st, const struct db_store_confirm *c)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st,
		     "INSERT OR REPLACE INTO pending_confirm (one, revision_id, restore_id,"
		     " deadline, user) VALUES (1, ?, ?, ?, ?)",
		     &s);
	if (rc != 0)
		return rc;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)c->id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)c->restore_id);
	sqlite3_bind_int64(s, 3, c->deadline);
	bind_text(s, 4, c->user);
	return run(st, s);
}

int db_store_confirm_get(struct db_store *st, struct db_store_confirm *c)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st, "SELECT revision_id, restore_id, deadline, user FROM pending_confirm", &s);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		c->id = (uint64_t)sqlite3_column_int64(s, 0);
		c->restore_id = (uint64_t)sqlite3_column_int64(s, 1);
		c->deadline = sqlite3_column_int64(s, 2);
		c->user = col_dup(s, 3);
		sqlite3_finalize(s);
		return c->user ? 0 : -ENOMEM;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? -ENOENT : sqerr(st, rc, "read pending confirm");
}

int db_store_confirm_del(struct db_store *st)
{
	return exec(st, "DELETE FROM pending_confirm");
}

/* --- rescue ----------------------------------------------------------------------------------- */

int db_store_rescue_put(struct db_store *st, const char *text)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st,
		     "INSERT OR REPLACE INTO rescue (one, saved, text)"
		     " VALUES (1, strftime('%s', 'now'), ?)",
		     &s);
	if (rc != 0)
		return rc;
	bind_text(s, 1, text);
	return run(st, s);
}

int db_store_rescue_get(struct db_store *st, char **text)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st, "SELECT text FROM rescue", &s);
	if (rc != 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*text = col_dup(s, 0);
		sqlite3_finalize(s);
		return *text ? 0 : -ENOMEM;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? -ENOENT : sqerr(st, rc, "read rescue");
}

int db_store_rescue_del(struct db_store *st)
{
	return exec(st, "DELETE FROM rescue");
}

/* --- meta ------------------------------------------------------------------------------------- */

int db_store_meta_get_u64(struct db_store *st, const char *key, uint64_t *v)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st, "SELECT value FROM meta WHERE key = ?", &s);
	if (rc != 0)
		return rc;
	bind_text(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*v = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		return 0;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? -ENOENT : sqerr(st, rc, "read meta");
}

int db_store_meta_put_u64(struct db_store *st, const char *key, uint64_t v)
{
	sqlite3_stmt *s;
	int rc;

	rc = prepare(st, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", &s);
	if (rc != 0)
		return rc;
	bind_text(s, 1, key);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)v);
	return run(st, s);
}
