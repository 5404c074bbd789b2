/* SPDX-License-Identifier: BSD-3-Clause */
/* db/db.c: opening, start-up fallback, history, rescue, login classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "tests/unit/db/db_test.h"

struct fx {
	char *dir;
	char path[4200];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tmkdir();
	snprintf(f->path, sizeof(f->path), "%s/config.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	trmdir(f->dir);
	free(f);
	return 0;
}

static struct db *open_db(const char *path, const char *seed, struct db_open_report *rep)
{
	struct db_open_opts o = {.path = path, .seed_text = seed, .seed_user = "lab"};
	struct db *db = NULL;

	assert_int_equal(db_open(&o, &db, rep), 0);
	assert_non_null(db);
	return db;
}

static void commit_text(struct db *db, const char *lines, const char *comment)
{
	struct db_session *s;
	struct db_diags d = DB_DIAGS_INIT;
	struct db_commit_opts o = {.comment = comment};
	int rc;

	assert_int_equal(
		db_session_open(db, "alice", DB_CLIENT_CLI, "test", DB_MODE_SHARED, &s, &d), 0);
	assert_int_equal(db_load(s, DB_LOAD_SET, lines, NULL, 0, &d), 0);
	rc = db_commit(s, &o, NULL, &d);
	if (rc != 0)
		tdump(&d);
	assert_int_equal(rc, 0);
	db_session_close(s);
	db_diags_free(&d);
}

static void new_database_is_seeded_and_reopens_with_the_same_active(void **state)
{
	struct fx *f = *state;
	struct db_open_report rep;
	struct db *db = open_db(f->path, BASE_CONF, &rep);
	struct db_revision info;
	struct db_node *t;
	uint64_t id;

	assert_int_equal(rep.source, DB_CREATED);
	assert_string_equal(rep.moved_to, "");
	assert_non_null(db_node_get(db_active(db), "services dsr vip web"));
	assert_int_equal(db_revision_load(db, 0, &t, &info), 0);
	assert_string_equal(info.user, "lab");
	assert_int_equal(info.client, DB_CLIENT_AUTO);
	assert_string_equal(info.comment, "initial configuration");
	assert_true(db_tree_equal(t, db_active(db)));
	db_tree_free(t);
	id = db_active_id(db);
	db_close(db);
	db = open_db(f->path, "system { host-name ignored; }", &rep);
	assert_int_equal(rep.source, DB_OPENED);
	assert_int_equal(db_active_id(db), id);
	assert_non_null(db_node_get(db_active(db), "services dsr vip web"));
	db_close(db);
}

static void a_bad_seed_falls_back_to_factory_default(void **state)
{
	struct fx *f = *state;
	struct db_open_report rep;
	struct db *db = open_db(f->path, "system { host-name -x; }", &rep);

	assert_int_equal(rep.source, DB_CREATED);
	assert_int_equal(rep.seed_errors, 1);
	assert_non_null(strstr(rep.reason, "line 1"));
	assert_string_equal(db_get_str(db_node_get(db_active(db), "system"), "host-name"), "tula");
	db_close(db);
}

static void a_second_tula_on_the_same_database_is_refused(void **state)
{
	struct fx *f = *state;
	struct db *db = open_db(f->path, NULL, NULL), *db2 = NULL;
	struct db_open_opts o = {.path = f->path};
	struct stat st;

	assert_int_equal(db_open(&o, &db2, NULL), -EBUSY);
	assert_null(db2);
	/* and the file was not treated as damaged */
	assert_int_equal(stat(f->path, &st), 0);
	db_close(db);
	assert_int_equal(db_open(&o, &db2, NULL), 0);
	db_close(db2);
}

static void garbage_file_starts_from_factory_and_is_kept_aside(void **state)
{
	struct fx *f = *state;
	struct db_open_report rep;
	struct db *db;
	struct stat st;
	int fd = open(f->path, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	char junk[8192];

	memset(junk, 'x', sizeof(junk));
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	db = open_db(f->path, BASE_CONF, &rep);
	assert_int_equal(rep.source, DB_FROM_FACTORY);
	assert_non_null(strstr(rep.reason, "not a database"));
	assert_non_null(strstr(rep.moved_to, "config.db.damaged-"));
	assert_int_equal(stat(rep.moved_to, &st), 0);
	assert_int_equal(st.st_size, (off_t)sizeof(junk));
	/* the seed is for new databases only, not for recovery */
	assert_string_equal(db_get_str(db_node_get(db_active(db), "system"), "host-name"), "tula");
	db_close(db);
}

/* Overwrite the middle of the file: SQLite opens it, integrity_check does not pass. */
static void corrupt_pages(const char *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY);
	char junk[4096];
	off_t off;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	memset(junk, 0x5a, sizeof(junk));
	/* keep page 1 (the header and schema), smash the rest */
	for (off = 4096; off < st.st_size; off += 4096)
		assert_int_equal(pwrite(fd, junk, sizeof(junk), off), (ssize_t)sizeof(junk));
	close(fd);
}

static void integrity_failure_starts_from_the_rescue_configuration(void **state)
{
	struct fx *f = *state;
	struct db_open_report rep;
	struct db *db = open_db(f->path, BASE_CONF, &rep);
	struct db_revision info;
	int i;

	commit_text(db, "set system host-name rescued\n", "good state");
	assert_int_equal(db_rescue_save(db), 0);
	for (i = 0; i < 20; i++) {
		char line[128];

		snprintf(line, sizeof(line), "set services dsr vip web description \"rev %d\"\n",
			 i);
		commit_text(db, line, NULL);
	}
	db_close(db);
	corrupt_pages(f->path);
	db = open_db(f->path, NULL, &rep);
	assert_int_equal(rep.source, DB_FROM_RESCUE);
	assert_true(strlen(rep.reason) > 0);
	assert_non_null(strstr(rep.moved_to, ".damaged-"));
	assert_string_equal(db_get_str(db_node_get(db_active(db), "system"), "host-name"),
			    "rescued");
	assert_null(db_get_str(db_node_get(db_active(db), "services dsr vip web"), "description"));
	/* the recovery is the first revision of the new database, and says why */
	assert_int_equal(db_revision_load(db, 0, NULL, &info), 0);
	assert_non_null(strstr(info.comment, "started from the rescue configuration"));
	/* and the rescue configuration is available again for rollback rescue */
	{
		struct db_node *t = NULL;

		assert_int_equal(db_rescue_load(db, &t), 0);
		assert_true(db_tree_equal(t, db_active(db)));
		db_tree_free(t);
	}
	db_close(db);
}

/* --- what is refused, leaving the file as it was ------------------------------------- */

struct bytes {
	char *p;
	size_t n;
};

static struct bytes slurp(const char *path)
{
	struct bytes b = {NULL, 0};
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t k;

	assert_non_null(f);
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		b.p = realloc(b.p, b.n + k);
		assert_non_null(b.p);
		memcpy(b.p + b.n, chunk, k);
		b.n += k;
	}
	fclose(f);
	return b;
}

/* A closed database with two revisions, and its bytes. */
static struct bytes make_db(struct fx *f)
{
	struct db *db = open_db(f->path, BASE_CONF, NULL);

	commit_text(db, "set system host-name before\n", "kept");
	db_close(db);
	return slurp(f->path);
}

static void sql(const char *path, const char *stmt)
{
	sqlite3 *s;

	assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
	assert_int_equal(sqlite3_exec(s, stmt, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(s), SQLITE_OK);
}

/* db_open refuses with rc and a reason containing want; the file is unchanged and
 * nothing was moved aside or left next to it. */
static void refused(struct fx *f, int rc, const char *want)
{
	struct db_open_opts o = {.path = f->path};
	struct db_open_report rep;
	struct bytes before = slurp(f->path), after;
	struct db *db = NULL;
	struct dirent *e;
	DIR *d;

	assert_int_equal(db_open(&o, &db, &rep), rc);
	assert_null(db);
	if (strstr(rep.reason, want) == NULL)
		fail_msg("reason '%s' does not say '%s'", rep.reason, want);
	assert_null(strchr(rep.reason, '\n'));
	after = slurp(f->path);
	assert_int_equal(after.n, before.n);
	assert_memory_equal(after.p, before.p, before.n);
	d = opendir(f->dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, "damaged") != NULL || strstr(e->d_name, "-wal") != NULL)
			fail_msg("%s left in the database directory", e->d_name);
	closedir(d);
	free(before.p);
	free(after.p);
}

static void a_newer_schema_is_refused_and_left_as_it_is(void **state)
{
	struct fx *f = *state;
	struct bytes b = make_db(f);

	free(b.p);
	sql(f->path, "PRAGMA user_version = 99");
	refused(f, -EPROTO, "schema version 99 is newer than this Tula knows (1)");
}

static void a_read_only_database_is_refused_and_left_as_it_is(void **state)
{
	struct fx *f = *state;
	struct bytes b = make_db(f);

	free(b.p);
	assert_int_equal(chmod(f->path, 0444), 0);
	refused(f, -EROFS, "config.db is read-only (mode 0444)");
}

static void an_unwritable_directory_is_refused_and_left_as_it_is(void **state)
{
	struct fx *f = *state;
	struct bytes b = make_db(f);

	free(b.p);
	assert_int_equal(chmod(f->dir, 0555), 0);
	refused(f, -EROFS, "is not writable (mode 0555)");
	assert_int_equal(chmod(f->dir, 0700), 0);
}

static void a_revision_that_does_not_parse_is_refused(void **state)
{
	struct fx *f = *state;
	struct bytes b = make_db(f);

	free(b.p);
	/* as a newer Tula's configuration language would look to this one */
	sql(f->path, "UPDATE revision SET text = 'system { future-knob 1; }' WHERE id = "
		     "(SELECT max(id) FROM revision)");
	refused(f, -EINVAL, "does not parse");
}

static void a_missing_directory_is_refused(void **state)
{
	struct db_open_opts o = {.path = "/nonexistent-dir/tula/config.db"};
	struct db_open_report rep;
	struct db *db = NULL;

	(void)state;
	assert_int_equal(db_open(&o, &db, &rep), -ENOENT);
	assert_null(db);
	assert_non_null(strstr(rep.reason, "/nonexistent-dir/tula"));
}

static void new_files_are_the_daemons_alone(void **state)
{
	struct fx *f = *state;
	struct db *db;
	struct stat st;
	char p[4300];
	mode_t old = umask(0); /* whatever the umask, the modes are 0600 */

	db = open_db(f->path, BASE_CONF, NULL);
	umask(old);
	assert_int_equal(db_rescue_save(db), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s.rescue", f->path);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(p, sizeof(p), "%s.lock", f->path);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	db_close(db);
}

struct hist {
	uint64_t id[64];
	char comment[64][64];
	enum db_client client[64];
	unsigned n;
};

static int hist_cb(void *arg, const struct db_revision *r)
{
	struct hist *h = arg;

	assert_int_equal(r->index, h->n);
	h->id[h->n] = r->id;
	h->client[h->n] = r->client;
	snprintf(h->comment[h->n], sizeof(h->comment[0]), "%s", r->comment ? r->comment : "");
	h->n++;
	return 0;
}

static void history_lists_newest_first_with_comments(void **state)
{
	struct fx *f = *state;
	struct db *db = open_db(f->path, BASE_CONF, NULL);
	struct hist h = {0};

	commit_text(db, "set system host-name a\n", "first");
	commit_text(db, "set system host-name b\n", NULL);
	assert_int_equal(db_history(db, hist_cb, &h), 3);
	assert_int_equal(h.n, 3);
	assert_int_equal(h.id[0], db_active_id(db));
	assert_true(h.id[0] > h.id[1] && h.id[1] > h.id[2]);
	assert_string_equal(h.comment[0], "");
	assert_string_equal(h.comment[1], "first");
	assert_string_equal(h.comment[2], "initial configuration");
	assert_int_equal(h.client[1], DB_CLIENT_CLI);
	assert_int_equal(db_revision_load(db, 3, NULL, NULL), -ENOENT);
	db_close(db);
}

static void rescue_save_load_and_delete(void **state)
{
	struct fx *f = *state;
	struct db *db = open_db(f->path, BASE_CONF, NULL);
	struct db_node *t = NULL;
	char rescue[4300];
	struct stat st;

	snprintf(rescue, sizeof(rescue), "%s.rescue", f->path);
	assert_int_equal(db_rescue_load(db, &t), -ENOENT);
	assert_int_equal(db_rescue_delete(db), -ENOENT);
	assert_int_equal(db_rescue_save(db), 0);
	assert_int_equal(stat(rescue, &st), 0);
	commit_text(db, "set system host-name later\n", NULL);
	assert_int_equal(db_rescue_load(db, &t), 0);
	assert_null(db_node_get(t, "system"));
	assert_non_null(db_node_get(t, "services dsr vip web"));
	db_tree_free(t);
	assert_int_equal(db_rescue_delete(db), 0);
	assert_int_not_equal(stat(rescue, &st), 0);
	assert_int_equal(db_rescue_load(db, &t), -ENOENT);
	db_close(db);
}

static void login_classes_come_from_the_active_configuration(void **state)
{
	struct fx *f = *state;
	struct db *db = open_db(f->path, BASE_CONF, NULL);

	assert_null(db_user_class(db, "alice"));
	commit_text(db,
		    "set system login user alice class super-user\n"
		    "set system login user bob class read-only\n"
		    "set system login user carol class operator\n"
		    "deactivate system login user carol\n",
		    NULL);
	assert_string_equal(db_user_class(db, "alice"), "super-user");
	assert_string_equal(db_user_class(db, "bob"), "read-only");
	assert_null(db_user_class(db, "carol"));
	assert_null(db_user_class(db, "mallory"));
	db_close(db);
}

static void stale_sessions_of_a_previous_run_are_cleared(void **state)
{
	struct fx *f = *state;
	struct db *db = open_db(f->path, BASE_CONF, NULL);
	struct db_session *s;
	struct db_open_report rep;
	sqlite3 *raw;
	int n = 0;

	assert_int_equal(
		db_session_open(db, "al", DB_CLIENT_CLI, "tty1", DB_MODE_PRIVATE, &s, NULL), 0);
	/* simulate a crash: the rows stay, the process is gone (no close) */
	assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "SELECT 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	db_close(db); /* closes s, which deletes its rows: re-create them by hand */
	assert_int_equal(sqlite3_open(f->path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw,
				      "INSERT INTO session (id, user, client, mode, since)"
				      " VALUES (9, 'al', 'cli', 'private', 1);"
				      "INSERT INTO candidate (owner, base_id, updated)"
				      " VALUES ('private:9', 1, 1);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	db = open_db(f->path, NULL, &rep);
	assert_int_equal(rep.stale_sessions, 2);
	n = db_status(db, NULL, NULL);
	assert_int_equal(n, 0);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			new_database_is_seeded_and_reopens_with_the_same_active, setup, teardown),
		cmocka_unit_test_setup_teardown(a_bad_seed_falls_back_to_factory_default, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_second_tula_on_the_same_database_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_file_starts_from_factory_and_is_kept_aside,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			integrity_failure_starts_from_the_rescue_configuration, setup, teardown),
		cmocka_unit_test_setup_teardown(a_newer_schema_is_refused_and_left_as_it_is, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_read_only_database_is_refused_and_left_as_it_is,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			an_unwritable_directory_is_refused_and_left_as_it_is, setup, teardown),
		cmocka_unit_test_setup_teardown(a_revision_that_does_not_parse_is_refused, setup,
						teardown),
		cmocka_unit_test(a_missing_directory_is_refused),
		cmocka_unit_test_setup_teardown(new_files_are_the_daemons_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(history_lists_newest_first_with_comments, setup,
						teardown),
		cmocka_unit_test_setup_teardown(rescue_save_load_and_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(login_classes_come_from_the_active_configuration,
						setup, teardown),
		cmocka_unit_test_setup_teardown(stale_sessions_of_a_previous_run_are_cleared, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
