/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The database handle: opening (with the start-up fallback of issue 4 item 6),
 * the active configuration, commit hooks, and the operational data — history,
 * the pending confirm, the rescue configuration, login classes.
 *
 * The database is never replaced behind the operator's back. At start-up a
 * condition the operator can fix — a schema newer than this Tula (a package
 * downgrade), a read-only file, a directory Tula cannot write, a full disk, an I/O
 * error — refuses to open, with the reason, and leaves every file as it was. Only
 * real damage (SQLite reports the file corrupt or not a database, or integrity_check
 * fails) moves the file aside — renamed, never deleted — and starts a new database
 * from the rescue configuration (kept as a file next to the database precisely for
 * this case) or the factory default; the open report says so, for the daemon to
 * log loudly. The database, its -wal/-shm (SQLite gives them the database's mode),
 * the lock and the rescue file are created 0600: the configuration is the daemon's.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db_int.h"

static const char factory_text[] = "system {\n"
				   "    host-name tula;\n"
				   "}\n";

const char *db_client_name(enum db_client c)
{
	switch (c) {
	case DB_CLIENT_CLI:
		return "cli";
	case DB_CLIENT_LUA:
		return "lua";
	case DB_CLIENT_AUTO:
		return "auto";
	}
	return "cli";
}

enum db_client db_client_parse(const char *s)
{
	if (s != NULL && strcmp(s, "lua") == 0)
		return DB_CLIENT_LUA;
	if (s != NULL && strcmp(s, "auto") == 0)
		return DB_CLIENT_AUTO;
	return DB_CLIENT_CLI;
}

const char *db_mode_name(enum db_mode m)
{
	switch (m) {
	case DB_MODE_SHARED:
		return "shared";
	case DB_MODE_EXCLUSIVE:
		return "exclusive";
	case DB_MODE_PRIVATE:
		return "private";
	}
	return "shared";
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct tula_buf b = TULA_BUF_INIT;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		tula_buf_add(&b, chunk, n);
	fclose(f);
	if (b.oom) {
		tula_buf_free(&b);
		return NULL;
	}
	return tula_buf_steal(&b);
}

/* Write a file so that a crash leaves either the old or the new contents. */
static int write_file_atomic(const char *path, const char *text)
{
	char tmp[4096], dir[4096];
	size_t len = strlen(text);
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		rc = -EIO;
	if (close(fd) != 0 && rc == 0)
		rc = -EIO;
	if (rc == 0 && rename(tmp, path) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

/* Rename the damaged database and its -wal/-shm aside. Never deletes: when the
 * database itself cannot be renamed, returns -errno and the caller refuses to start. */
static int move_aside(const char *path, char *moved, size_t msize, char *reason, size_t rsize)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char stamp[32], from[4096], to[4096];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm);
	moved[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(suffix); i++) {
		snprintf(from, sizeof(from), "%s%s", path, suffix[i]);
		snprintf(to, sizeof(to), "%s.damaged-%s%s", path, stamp, suffix[i]);
		if (access(from, F_OK) != 0)
			continue;
		if (rename(from, to) != 0) {
			int err = errno;

			if (i == 0) {
				snprintf(reason, rsize,
					 "cannot move the damaged database aside to %s: %s", to,
					 strerror(err));
				return -err;
			}
			/* the database went aside: a stale -wal/-shm must not meet the new one */
			TLOG_ERR("db: cannot move %s aside to %s: %s", from, to, strerror(err));
			return -err;
		}
		if (i == 0)
			snprintf(moved, msize, "%s", to);
	}
	return 0;
}

/*
 * Whether Tula may write path (st: its stat). Tula runs as root, which the kernel
 * lets write anything: a file or directory whose owner has no write permission was
 * made read-only on purpose, and is treated as such.
 */
static int writable(const char *path, const struct stat *st)
{
	if (access(path, W_OK) != 0)
		return -errno;
	if (!(st->st_mode & S_IWUSR))
		return -EROFS;
	return 0;
}

/*
 * A schema newer than this Tula, read from the file header (user_version, 4 bytes
 * big-endian at offset 60 of "SQLite format 3") before SQLite opens the file: opening
 * a WAL database leaves its -wal/-shm behind, and this file must stay untouched.
 * (A newer Tula's first migration still only in a WAL is caught by store_open.)
 */
static int check_version(const char *path, char *reason, size_t rsize)
{
	static const char magic[16] = "SQLite format 3";
	unsigned char h[100];
	uint32_t v;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0) {
		snprintf(reason, rsize, "cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	n = pread(fd, h, sizeof(h), 0);
	close(fd);
	if (n != (ssize_t)sizeof(h) || memcmp(h, magic, sizeof(magic)) != 0)
		return 0; /* new (empty) or not a database: store_open says which */
	v = (uint32_t)h[60] << 24 | (uint32_t)h[61] << 16 | (uint32_t)h[62] << 8 | h[63];
	if (v > DB_STORE_VERSION) {
		snprintf(reason, rsize,
			 "schema version %u is newer than this Tula knows (%d): it was written "
			 "by a newer Tula; run that version, or move the file away to start anew",
			 v, DB_STORE_VERSION);
		return -EPROTO;
	}
	return 0;
}

/*
 * Refuse what SQLite would fail on later, or worse half-succeed on: a database
 * directory Tula cannot write (the -wal/-shm, the lock and a rename aside live there),
 * a database or -wal/-shm file it cannot write. Then create a missing database file
 * 0600 (empty: SQLite makes it a database), so that SQLite's -wal/-shm follow that mode.
 */
static int check_place(const char *path, char *reason, size_t rsize)
{
	static const char *const suffix[] = {"", "-wal", "-shm"};
	char dir[4096], f[4096];
	struct stat st;
	size_t i;
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	if (stat(dir, &st) != 0) {
		rc = -errno;
		snprintf(reason, rsize, "directory %s: %s", dir, strerror(errno));
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(reason, rsize, "%s is not a directory", dir);
		return -ENOTDIR;
	}
	rc = writable(dir, &st);
	if (rc == 0 && access(dir, X_OK) != 0)
		rc = -errno;
	if (rc != 0) {
		snprintf(reason, rsize,
			 "directory %s is not writable (mode %04o): Tula keeps its write-ahead "
			 "log and lock there",
			 dir, (unsigned)(st.st_mode & 07777));
		return rc;
	}
	for (i = 0; i < ARRAY_SIZE(suffix); i++) {
		snprintf(f, sizeof(f), "%s%s", path, suffix[i]);
		if (stat(f, &st) != 0) {
			if (errno == ENOENT)
				continue;
			rc = -errno;
			snprintf(reason, rsize, "%s: %s", f, strerror(errno));
			return rc;
		}
		if (!S_ISREG(st.st_mode)) {
			snprintf(reason, rsize, "%s is not a regular file", f);
			return -EINVAL;
		}
		rc = writable(f, &st);
		if (rc != 0) {
			snprintf(reason, rsize, "%s is read-only (mode %04o): %s", f,
				 (unsigned)(st.st_mode & 07777),
				 rc == -EROFS ? "give its owner write permission" : strerror(-rc));
			return rc;
		}
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	else if (errno == EEXIST)
		return check_version(path, reason, rsize);
	else {
		rc = -errno;
		snprintf(reason, rsize, "cannot create %s: %s", path, strerror(errno));
		return rc;
	}
	return 0;
}

/* An advisory lock next to the database. Returns the fd, -EBUSY when another
 * process holds it, or -1 when no lock file can be made (then run unlocked). */
static int lock_path(const char *path)
{
	char lock[4096];
	int fd;

	snprintf(lock, sizeof(lock), "%s.lock", path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;

		close(fd);
		return err == EWOULDBLOCK ? -EBUSY : -1;
	}
	return fd;
}

static int store_seed(struct db *db, const char *text, const char *user, const char *comment)
{
	struct db_store_rev r = {
		.time = time(NULL),
		.user = (char *)user,
		.client = "auto",
		.client_id = "start-up",
		.comment = (char *)comment,
		.text = (char *)text,
	};
	int rc;

	rc = db_store_begin(&db->st);
	if (rc == 0)
		rc = db_store_rev_add(&db->st, &r, NULL);
	if (rc == 0)
		rc = db_store_cand_del(&db->st, "shared");
	if (rc == 0)
		rc = db_store_commit(&db->st);
	if (rc != 0)
		db_store_rollback(&db->st);
	return rc;
}

/* Seed a new database with the rescue configuration or the factory default. */
static int seed_fallback(struct db *db, struct db_open_report *rep, const char *why)
{
	char *rescue = read_file(db->rescue_file);
	struct db_node *t = NULL;
	char comment[512];
	int rc;

	if (rescue != NULL) {
		t = db_tree_parse(rescue, NULL);
		if (t == NULL) {
			TLOG_ERR("db: rescue file %s does not parse; using the factory default",
				 db->rescue_file);
			free(rescue);
			rescue = NULL;
		}
	}
	db_tree_free(t);
	rep->source = rescue ? DB_FROM_RESCUE : DB_FROM_FACTORY;
	snprintf(comment, sizeof(comment), "%s: started from the %s configuration", why,
		 rescue ? "rescue" : "factory-default");
	rc = store_seed(db, rescue ? rescue : factory_text, "tula", comment);
	if (rc == 0 && rescue != NULL)
		db_store_rescue_put(&db->st, rescue);
	free(rescue);
	return rc;
}

/* Seed a new (empty) database with seed_text or the factory default. */
static int seed_new(struct db *db, const struct db_open_opts *o, struct db_open_report *rep)
{
	const char *text = o->seed_text ? o->seed_text : factory_text;
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *t = db_tree_parse(text, &d);
	struct tula_buf canon = TULA_BUF_INIT;
	int rc;

	rep->source = DB_CREATED;
	if (t == NULL) {
		rep->seed_errors = (int)d.errors;
		snprintf(rep->reason, sizeof(rep->reason),
			 "the seed configuration does not parse (line %d: %s); "
			 "started from the factory default",
			 d.n ? d.v[0].line : 0, d.n ? d.v[0].message : "out of memory");
		t = db_tree_parse(factory_text, NULL);
	}
	/* revisions hold the canonical rendering, whatever the seed looked like */
	if (t != NULL)
		db_render(t, DB_FMT_BRACES, 0, &canon);
	rc = t == NULL || canon.oom
		     ? -ENOMEM
		     : store_seed(db, tula_buf_str(&canon), o->seed_user ? o->seed_user : "tula",
				  "initial configuration");
	tula_buf_free(&canon);
	db_tree_free(t);
	db_diags_free(&d);
	return rc;
}

static int load_active(struct db *db, char *reason, size_t rsize)
{
	struct db_store_rev r;
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *t, *e;
	int rc;

	rc = db_store_rev_get(&db->st, 0, &r);
	if (rc != 0) {
		snprintf(reason, rsize, "no active revision (%s)", strerror(-rc));
		return rc;
	}
	t = db_tree_parse(r.text, &d);
	if (t == NULL) {
		snprintf(reason, rsize, "revision %llu does not parse: line %d: %s",
			 (unsigned long long)r.id, d.n ? d.v[0].line : 0,
			 d.n ? d.v[0].message : "out of memory");
		db_diags_free(&d);
		db_store_rev_clear(&r);
		return -EINVAL;
	}
	db_diags_free(&d);
	db->active_id = r.id;
	db_store_rev_clear(&r);
	e = db_tree_effective(t);
	if (e == NULL) {
		db_tree_free(t);
		return -ENOMEM;
	}
	db_set_trees(db, t, e);
	return 0;
}

static void load_shared(struct db *db)
{
	uint64_t base = 0;
	char *text = NULL;
	struct db_node *t = NULL;

	if (db_store_cand_get(&db->st, "shared", &base, &text) == 0 && text != NULL) {
		t = db_tree_parse(text, NULL);
		if (t == NULL)
			TLOG_WARNING("db: the stored shared candidate does not parse; discarded");
	}
	free(text);
	db->shared = t != NULL ? t : db_tree_dup(db->active);
}

int db_open(const struct db_open_opts *o, struct db **out, struct db_open_report *rep)
{
	struct db_open_report local;
	struct db *db;
	char reason[256] = "";
	unsigned count = 0;
	int rc;

	if (rep == NULL)
		rep = &local;
	memset(rep, 0, sizeof(*rep));
	if (o == NULL || o->path == NULL)
		return -EINVAL;
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return -ENOMEM;
	db->next_session = 1;
	db->lock_fd = -1;
	if (o->rescue_file != NULL)
		db->rescue_file = strdup(o->rescue_file);
	else if (asprintf(&db->rescue_file, "%s.rescue", o->path) < 0)
		db->rescue_file = NULL;
	if (db->rescue_file == NULL) {
		free(db);
		return -ENOMEM;
	}

	rc = check_place(o->path, reason, sizeof(reason));
	if (rc != 0)
		goto refuse;
	/* one Tula per database: a second one must not treat it as damaged */
	db->lock_fd = lock_path(o->path);
	if (db->lock_fd == -EBUSY) {
		rc = -EBUSY;
		snprintf(reason, sizeof(reason), "another Tula has it open");
		goto refuse;
	}
	rc = db_store_open(&db->st, o->path, reason, sizeof(reason));
	if (rc == -EBADMSG) {
		/* damaged: the one case where Tula starts without it */
		char why[400];

		snprintf(rep->reason, sizeof(rep->reason), "%s", reason);
		rc = move_aside(o->path, rep->moved_to, sizeof(rep->moved_to), reason,
				sizeof(reason));
		if (rc == 0)
			rc = check_place(o->path, reason, sizeof(reason));
		if (rc == 0)
			rc = db_store_open(&db->st, o->path, reason, sizeof(reason));
		snprintf(why, sizeof(why), "database damaged (%s)", rep->reason);
		if (rc == 0)
			rc = seed_fallback(db, rep, why);
		if (rc == 0)
			rc = load_active(db, reason, sizeof(reason));
		if (rc != 0) {
			db_store_close(&db->st);
			db_set_trees(db, NULL, NULL);
			snprintf(rep->reason + strlen(rep->reason),
				 sizeof(rep->reason) - strlen(rep->reason),
				 "; and starting anew failed: %s", reason);
			snprintf(reason, sizeof(reason), "%s", rep->reason);
			goto refuse;
		}
	} else if (rc == 0) {
		rc = db_store_rev_count(&db->st, &count);
		if (rc == 0 && count == 0) {
			rc = seed_new(db, o, rep);
			if (rc != 0)
				snprintf(reason, sizeof(reason), "cannot write the first revision");
		} else if (rc == 0) {
			rep->source = DB_OPENED;
		} else {
			snprintf(reason, sizeof(reason), "cannot read the revisions");
		}
		/* A revision that does not parse was most likely written by a newer Tula
		 * (a package downgrade): the operator decides, the file stays. */
		if (rc == 0)
			rc = load_active(db, reason, sizeof(reason));
		if (rc != 0)
			db_store_close(&db->st);
	}
	if (rc != 0)
		goto refuse;
	rc = db_store_clear_stale(&db->st);
	rep->stale_sessions = rc > 0 ? rc : 0;
	load_shared(db);
	if (db->shared == NULL) {
		db_close(db);
		return -ENOMEM;
	}
	*out = db;
	return 0;

refuse:
	snprintf(rep->reason, sizeof(rep->reason), "%s", reason);
	db_set_trees(db, NULL, NULL);
	free(db->rescue_file);
	if (db->lock_fd >= 0)
		close(db->lock_fd);
	free(db);
	return rc;
}

void db_close(struct db *db)
{
	if (db == NULL)
		return;
	while (db->sessions != NULL)
		db_session_close(db->sessions);
	if (db->shared_dirty)
		db_shared_sync(db);
	tula_timer_free(db->confirm_timer);
	db_store_close(&db->st);
	db_set_trees(db, NULL, NULL);
	db_tree_free(db->shared);
	free(db->hooks);
	db_store_rev_clear(&db->scratch_rev);
	free(db->scratch_user);
	free(db->rescue_file);
	if (db->lock_fd >= 0)
		close(db->lock_fd);
	free(db);
}

void db_set_trees(struct db *db, struct db_node *active, struct db_node *effective)
{
	struct db_node *old_a = db->active, *old_e = db->effective;

	db->active = active;
	db->effective = effective;
	if (old_e != active && old_e != effective)
		db_tree_free(old_e);
	if (old_a != old_e && old_a != active && old_a != effective)
		db_tree_free(old_a);
}

const struct db_node *db_active(const struct db *db)
{
	return db->active;
}

const struct db_node *db_active_effective(const struct db *db)
{
	return db->effective;
}

uint64_t db_active_id(const struct db *db)
{
	return db->active_id;
}

const char *db_user_class(const struct db *db, const char *user)
{
	const struct db_node *login = db_node_get(db->effective, "system login");
	const struct db_node *u = db_node_find(login, "user", user);

	return u ? db_get_str(u, "class") : NULL;
}

/* --- hooks -------------------------------------------------------------------------------- */

int db_commit_hook_register(struct db *db, const struct db_hook *h, void *arg)
{
	struct db_hook_reg *v;
	size_t i;

	if (db->in_commit)
		return -EBUSY;
	for (i = 0; i < db->nhooks; i++)
		if (db->hooks[i].h == h && db->hooks[i].arg == arg)
			return -EEXIST;
	v = realloc(db->hooks, (db->nhooks + 1) * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	db->hooks = v;
	db->hooks[db->nhooks].h = h;
	db->hooks[db->nhooks].arg = arg;
	db->hooks[db->nhooks].prepared = 0;
	db->nhooks++;
	return 0;
}

int db_commit_hook_unregister(struct db *db, const struct db_hook *h, void *arg)
{
	size_t i;

	if (db->in_commit)
		return -EBUSY;
	for (i = 0; i < db->nhooks; i++)
		if (db->hooks[i].h == h && db->hooks[i].arg == arg) {
			memmove(&db->hooks[i], &db->hooks[i + 1],
				(db->nhooks - i - 1) * sizeof(*db->hooks));
			db->nhooks--;
			return 0;
		}
	return -ENOENT;
}

/* --- history -------------------------------------------------------------------------------- */

struct hist_walk {
	int (*fn)(void *arg, const struct db_revision *r);
	void *arg;
};

static int hist_cb(void *arg, unsigned index, const struct db_store_rev *r)
{
	struct hist_walk *w = arg;
	struct db_revision rev = {
		.index = index,
		.id = r->id,
		.time = r->time,
		.user = r->user,
		.client = db_client_parse(r->client),
		.client_id = r->client_id,
		.comment = r->comment,
	};

	return w->fn(w->arg, &rev);
}

int db_history(struct db *db, int (*fn)(void *arg, const struct db_revision *r), void *arg)
{
	struct hist_walk w = {fn, arg};

	return db_store_rev_walk(&db->st, hist_cb, &w);
}

int db_revision_load(struct db *db, unsigned index, struct db_node **tree, struct db_revision *info)
{
	struct db_store_rev *r = &db->scratch_rev;
	int rc;

	db_store_rev_clear(r);
	rc = db_store_rev_get(&db->st, index, r);
	if (rc != 0)
		return rc;
	if (tree != NULL) {
		*tree = db_tree_parse(r->text, NULL);
		if (*tree == NULL)
			return -ENOMEM;
	}
	if (info != NULL) {
		info->index = index;
		info->id = r->id;
		info->time = r->time;
		info->user = r->user;
		info->client = db_client_parse(r->client);
		info->client_id = r->client_id;
		info->comment = r->comment;
	}
	return 0;
}

int db_confirm_pending(struct db *db, struct db_confirm *info)
{
	struct db_store_confirm c;
	int rc = db_store_confirm_get(&db->st, &c);

	if (rc != 0)
		return rc;
	free(db->scratch_user);
	db->scratch_user = c.user;
	if (info != NULL) {
		info->id = c.id;
		info->restore_id = c.restore_id;
		info->deadline = c.deadline;
		info->user = c.user;
	}
	return 0;
}

/* --- rescue ------------------------------------------------------------------------------------ */

int db_rescue_save(struct db *db)
{
	struct tula_buf b = TULA_BUF_INIT;
	int rc;

	db_render(db->active, DB_FMT_BRACES, 0, &b);
	if (b.oom) {
		tula_buf_free(&b);
		return -ENOMEM;
	}
	rc = db_store_rescue_put(&db->st, tula_buf_str(&b));
	if (rc == 0) {
		rc = write_file_atomic(db->rescue_file, tula_buf_str(&b));
		if (rc != 0) {
			TLOG_ERR("db: cannot write the rescue file %s: %s", db->rescue_file,
				 strerror(-rc));
			rc = -EIO;
		}
	}
	tula_buf_free(&b);
	return rc;
}

int db_rescue_delete(struct db *db)
{
	char *text = NULL;
	int rc = db_store_rescue_get(&db->st, &text);

	free(text);
	if (rc != 0)
		return rc;
	rc = db_store_rescue_del(&db->st);
	if (unlink(db->rescue_file) != 0 && errno != ENOENT)
		rc = -EIO;
	return rc;
}

int db_rescue_load(struct db *db, struct db_node **tree)
{
	char *text = NULL;
	int rc = db_store_rescue_get(&db->st, &text);

	if (rc != 0)
		return rc;
	*tree = db_tree_parse(text, NULL);
	free(text);
	return *tree ? 0 : -ENOMEM;
}
