/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * db/db_commit.c: the commit transaction and its variants — hooks and their
 * order, failure paths, transient changes and warnings, check, comment,
 * history trimming, rollback, commit confirmed (with and without a restart).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <sqlite3.h>
#include <time.h>

#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "tests/unit/db/db_test.h"
#include "db/db_int.h"

/* --- a recording hook ------------------------------------------------------------------- */

struct rec {
	char log[128][64];
	int n;
};

struct hk {
	const char *name;
	struct rec *rec;
	int fail_validate;
	int fail_prepare;
	const char *transient;
	const char *warn;
	char last_new_host[64];
	char last_old_host[64];
	int applied_vips;
};

static void note(struct hk *h, const char *what)
{
	if (h->rec->n < 128)
		snprintf(h->rec->log[h->rec->n++], 64, "%s:%s", h->name, what);
}

static const char *host(const struct db_node *t)
{
	const char *s = db_get_str(db_node_get(t, "system"), "host-name");

	return s ? s : "-";
}

static int h_validate(struct db_commit *c, void *arg)
{
	struct hk *h = arg;
	int rc;

	note(h, "validate");
	if (h->transient != NULL) {
		rc = db_commit_change(c, h->transient);
		if (rc != 0)
			return rc;
	}
	if (h->warn != NULL)
		db_commit_warning(c, "services dsr vip web", "%s", h->warn);
	if (h->fail_validate)
		return db_commit_error(c, "services dsr vip web port", "%s says no", h->name);
	return 0;
}

static int h_prepare(struct db_commit *c, void *arg)
{
	struct hk *h = arg;

	note(h, "prepare");
	assert_int_equal(db_commit_change(c, "set system host-name late"), -EPERM);
	snprintf(h->last_new_host, sizeof(h->last_new_host), "%s", host(db_commit_new(c)));
	snprintf(h->last_old_host, sizeof(h->last_old_host), "%s", host(db_commit_old(c)));
	if (h->fail_prepare)
		return db_commit_error(c, "", "%s cannot reserve", h->name);
	return 0;
}

static void h_apply(struct db_commit *c, void *arg)
{
	struct hk *h = arg;
	const struct db_node *v;

	note(h, "apply");
	h->applied_vips = 0;
	for (v = db_node_first(db_node_get(db_commit_new(c), "services dsr"), "vip"); v;
	     v = db_node_next(v))
		h->applied_vips++;
}

static void h_abort(struct db_commit *c, void *arg)
{
	(void)c;
	note(arg, "abort");
}

static const struct db_hook hook_ops = {
	.name = "recorder",
	.validate = h_validate,
	.prepare = h_prepare,
	.apply = h_apply,
	.abort = h_abort,
};

/* --- fixture ------------------------------------------------------------------------------ */

struct fx {
	char *dir;
	char path[4200];
	struct db *db;
	struct rec rec;
	struct hk a, b;
};

static struct db *reopen(struct fx *f)
{
	struct db_open_opts o = {.path = f->path, .seed_text = BASE_CONF};

	assert_int_equal(db_open(&o, &f->db, NULL), 0);
	assert_int_equal(db_commit_hook_register(f->db, &hook_ops, &f->a), 0);
	assert_int_equal(db_commit_hook_register(f->db, &hook_ops, &f->b), 0);
	return f->db;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tmkdir();
	snprintf(f->path, sizeof(f->path), "%s/config.db", f->dir);
	f->a.name = "A";
	f->a.rec = &f->rec;
	f->b.name = "B";
	f->b.rec = &f->rec;
	reopen(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	db_close(f->db);
	trmdir(f->dir);
	free(f);
	return 0;
}

static struct db_session *sess(struct fx *f)
{
	struct db_session *s = NULL;

	assert_int_equal(
		db_session_open(f->db, "alice", DB_CLIENT_CLI, "console", DB_MODE_SHARED, &s, NULL),
		0);
	return s;
}

static void edit(struct db_session *s, const char *lines)
{
	struct db_diags d = DB_DIAGS_INIT;
	int rc = db_load(s, DB_LOAD_SET, lines, NULL, 0, &d);

	if (rc != 0)
		tdump(&d);
	assert_int_equal(rc, 0);
	db_diags_free(&d);
}

static void log_is(struct fx *f, const char *const *want, int n)
{
	int i;

	if (f->rec.n != n) {
		for (i = 0; i < f->rec.n; i++)
			fprintf(stderr, "  %s\n", f->rec.log[i]);
	}
	assert_int_equal(f->rec.n, n);
	for (i = 0; i < n; i++)
		assert_string_equal(f->rec.log[i], want[i]);
	f->rec.n = 0;
}

/* Rows in the store, read with a separate connection as an operator would. */
static int sql_int(struct fx *f, const char *sql)
{
	sqlite3 *raw;
	sqlite3_stmt *s;
	int v = -1;

	assert_int_equal(sqlite3_open_v2(f->path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(raw);
	return v;
}

static char *sql_text(struct fx *f, const char *sql)
{
	sqlite3 *raw;
	sqlite3_stmt *s;
	char *v = NULL;

	assert_int_equal(sqlite3_open_v2(f->path, &raw, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		v = strdup((const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(raw);
	return v;
}

/* --- tests --------------------------------------------------------------------------------- */

static void commit_records_the_revision_and_runs_every_phase_in_order(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_commit_result r;
	struct db_diags d = DB_DIAGS_INIT;
	struct db_commit_opts o = {.comment = "first change"};
	const char *const want[] = {"A:validate", "B:validate", "A:prepare",
				    "B:prepare",  "A:apply",	"B:apply"};
	char *text;

	edit(s, "set system host-name lb1\n");
	assert_int_equal(db_commit(s, &o, &r, &d), 0);
	log_is(f, want, 6);
	assert_int_equal(r.id, db_active_id(f->db));
	assert_int_equal(r.confirmed, 0);
	assert_string_equal(f->a.last_new_host, "lb1");
	assert_string_equal(f->a.last_old_host, "-");
	assert_string_equal(host(db_active(f->db)), "lb1");
	assert_string_equal(host(db_active_effective(f->db)), "lb1");
	assert_int_equal(db_session_changed(s), 0);
	/* the store holds it: id, user, client, comment and the full text */
	assert_int_equal(sql_int(f, "SELECT count(*) FROM revision"), 2);
	assert_int_equal(sql_int(f, "SELECT max(id) FROM revision"), (int)r.id);
	text = sql_text(f, "SELECT user || '/' || client || '/' || client_id || '/' || comment"
			   " FROM revision ORDER BY id DESC LIMIT 1");
	assert_string_equal(text, "alice/cli/console/first change");
	free(text);
	text = sql_text(f, "SELECT text FROM revision ORDER BY id DESC LIMIT 1");
	assert_non_null(strstr(text, "host-name lb1;"));
	free(text);
	db_session_close(s);
	db_diags_free(&d);
}

static void a_failed_validation_changes_neither_active_nor_candidate(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_diags d = DB_DIAGS_INIT;
	uint64_t id = db_active_id(f->db);
	struct db_node *cand;
	const char *const want[] = {"A:validate", "B:validate"};

	edit(s, "set services dsr vip web port 81\nset services dsr vip bad description x\n");
	cand = db_tree_dup(db_candidate(s));
	assert_int_equal(db_commit(s, NULL, NULL, &d), -EINVAL);
	/* every error at once, with its path */
	assert_diag(&d, "services dsr vip bad", "missing mandatory statement \"address\"");
	assert_diag(&d, "services dsr vip bad", "at least one backend");
	log_is(f, want, 2);
	assert_int_equal(db_active_id(f->db), id);
	assert_string_equal(
		db_get_str(db_node_get(db_active(f->db), "services dsr vip web"), "port"), "80");
	assert_true(db_tree_equal(db_candidate(s), cand));
	assert_int_equal(sql_int(f, "SELECT count(*) FROM revision"), 1);
	db_tree_free(cand);
	db_session_close(s);
	db_diags_free(&d);
}

static void a_hook_rejecting_validation_fails_the_commit_with_its_reason(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_diags d = DB_DIAGS_INIT;
	const char *const want[] = {"A:validate", "B:validate"};

	f->b.fail_validate = 1;
	edit(s, "set system host-name x\n");
	assert_int_equal(db_commit(s, NULL, NULL, &d), -EINVAL);
	assert_diag(&d, "services dsr vip web port", "B says no");
	log_is(f, want, 2);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM revision"), 1);
	db_session_close(s);
	db_diags_free(&d);
}

static void a_failed_prepare_aborts_the_prepared_hooks_in_reverse(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_diags d = DB_DIAGS_INIT;
	const char *const want[] = {"A:validate", "B:validate", "A:prepare", "B:prepare",
				    "A:abort"};

	f->b.fail_prepare = 1;
	edit(s, "set system host-name x\n");
	assert_int_equal(db_commit(s, NULL, NULL, &d), -EINVAL);
	assert_diag(&d, "", "B cannot reserve");
	log_is(f, want, 5);
	assert_string_equal(host(db_active(f->db)), "-");
	assert_int_equal(db_session_changed(s), 1);
	db_session_close(s);
	db_diags_free(&d);
}

static void a_store_failure_aborts_everything(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_diags d = DB_DIAGS_INIT;
	const char *const want[] = {"A:validate", "B:validate", "A:prepare",
				    "B:prepare",  "B:abort",	"A:abort"};

	edit(s, "set system host-name x\n");
	/* the disk refuses writes from now on */
	assert_int_equal(sqlite3_exec(f->db->st.sql, "PRAGMA query_only = 1", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(db_commit(s, NULL, NULL, &d), -EIO);
	log_is(f, want, 6);
	assert_string_equal(host(db_active(f->db)), "-");
	assert_int_equal(db_session_changed(s), 1);
	assert_int_equal(sqlite3_exec(f->db->st.sql, "PRAGMA query_only = 0", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(db_commit(s, NULL, NULL, &d), 0);
	assert_string_equal(host(db_active(f->db)), "x");
	db_session_close(s);
	db_diags_free(&d);
}

static void commit_check_validates_prepares_and_aborts(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_commit_opts o = {.check = 1};
	struct db_commit_result r;
	const char *const want[] = {"A:validate", "B:validate", "A:prepare",
				    "B:prepare",  "B:abort",	"A:abort"};

	edit(s, "set system host-name checked\n");
	assert_int_equal(db_commit(s, &o, &r, NULL), 0);
	assert_int_equal(r.id, 0);
	log_is(f, want, 6);
	assert_string_equal(host(db_active(f->db)), "-");
	assert_int_equal(db_session_changed(s), 1);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM revision"), 1);
	db_session_close(s);
}

static void transient_changes_reach_the_hooks_but_not_the_candidate(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_diags d = DB_DIAGS_INIT;
	char *text;

	f->a.transient = "set system host-name transient";
	f->a.warn = "consider a health-check";
	edit(s, "set services dsr vip web port 8080\n");
	assert_int_equal(db_commit(s, NULL, NULL, &d), 0);
	/* B and the applied state see it ... */
	assert_string_equal(f->b.last_new_host, "transient");
	assert_string_equal(host(db_active_effective(f->db)), "transient");
	/* ... the candidate, the active configuration and the store do not */
	assert_string_equal(host(db_candidate(s)), "-");
	assert_string_equal(host(db_active(f->db)), "-");
	text = sql_text(f, "SELECT text FROM revision ORDER BY id DESC LIMIT 1");
	assert_null(strstr(text, "transient"));
	assert_non_null(strstr(text, "port 8080;"));
	free(text);
	/* the warning came back with the success */
	assert_int_equal(d.errors, 0);
	assert_diag(&d, "services dsr vip web", "consider a health-check");
	db_session_close(s);
	db_diags_free(&d);
}

static void transient_changes_are_validated_like_any_change(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_diags d = DB_DIAGS_INIT;

	f->a.transient = "set services dsr vip web port 0";
	edit(s, "set system host-name x\n");
	assert_int_equal(db_commit(s, NULL, NULL, &d), -EINVAL);
	assert_diag(&d, "services dsr vip web port", "transient change");
	db_diags_clear(&d);
	/* a transient change that breaks a rule is caught by validation */
	f->a.transient = "delete services dsr vip web backend";
	assert_int_equal(db_commit(s, NULL, NULL, &d), -EINVAL);
	assert_diag(&d, "services dsr vip web", "at least one backend");
	db_session_close(s);
	db_diags_free(&d);
}

static void inactive_statements_are_ignored_at_commit(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_diags d = DB_DIAGS_INIT;

	edit(s, "set services dsr vip draft description wip\n"
		"deactivate services dsr vip draft\n"
		"annotate services dsr vip web \"kept across commits\"\n");
	assert_int_equal(db_commit(s, NULL, NULL, &d), 0);
	assert_int_equal(f->b.applied_vips, 1);
	assert_non_null(db_node_get(db_active(f->db), "services dsr vip draft"));
	assert_null(db_node_get(db_active_effective(f->db), "services dsr vip draft"));
	/* the annotation and the inactive mark survive in the revision */
	edit(s, "set system host-name again\n");
	assert_int_equal(db_commit(s, NULL, NULL, &d), 0);
	assert_string_equal(
		db_node_annotation(db_node_get(db_active(f->db), "services dsr vip web")),
		"kept across commits");
	assert_int_equal(db_node_inactive(db_node_get(db_active(f->db), "services dsr vip draft")),
			 1);
	db_session_close(s);
	db_diags_free(&d);
}

static void history_is_trimmed_to_system_commit_history(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_diags d = DB_DIAGS_INIT;
	uint64_t ids[8];
	int i;

	edit(s, "set system commit history 3\n");
	for (i = 0; i < 8; i++) {
		char line[64];
		struct db_commit_result r;

		snprintf(line, sizeof(line), "set system host-name h%d\n", i);
		edit(s, line);
		assert_int_equal(db_commit(s, NULL, &r, &d), 0);
		ids[i] = r.id;
	}
	assert_int_equal(sql_int(f, "SELECT count(*) FROM revision"), 3);
	assert_int_equal(sql_int(f, "SELECT min(id) FROM revision"), (int)ids[5]);
	assert_int_equal(db_rollback(s, 3, &d), -ENOENT);
	assert_diag(&d, "", "revision 3 does not exist (the history holds 0..2)");
	assert_int_equal(db_rollback(s, 2, &d), 0);
	assert_string_equal(host(db_candidate(s)), "h5");
	db_session_close(s);
	db_diags_free(&d);
}

static void rollback_loads_the_candidate_and_commits_nothing(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_diags d = DB_DIAGS_INIT;
	uint64_t id;

	edit(s, "set system host-name one\n");
	assert_int_equal(db_commit(s, NULL, NULL, &d), 0);
	edit(s, "set system host-name two\n");
	assert_int_equal(db_commit(s, NULL, NULL, &d), 0);
	id = db_active_id(f->db);
	f->rec.n = 0;
	assert_int_equal(db_rollback(s, 1, &d), 0);
	assert_string_equal(host(db_candidate(s)), "one");
	assert_int_equal(f->rec.n, 0);
	assert_int_equal(db_active_id(f->db), id);
	assert_string_equal(host(db_active(f->db)), "two");
	assert_int_equal(db_session_changed(s), 1);
	/* rollback 0 discards the changes */
	assert_int_equal(db_rollback(s, 0, &d), 0);
	assert_int_equal(db_session_changed(s), 0);
	/* a rollback committed is a new revision */
	assert_int_equal(db_rollback(s, 1, &d), 0);
	assert_int_equal(db_commit(s, NULL, NULL, &d), 0);
	assert_true(db_active_id(f->db) > id);
	assert_string_equal(host(db_active(f->db)), "one");
	/* rescue */
	assert_int_equal(db_rollback_rescue(s, &d), -ENOENT);
	assert_diag(&d, "", "no rescue configuration");
	assert_int_equal(db_rescue_save(f->db), 0);
	edit(s, "set system host-name three\n");
	assert_int_equal(db_rollback_rescue(s, &d), 0);
	assert_string_equal(host(db_candidate(s)), "one");
	db_session_close(s);
	db_diags_free(&d);
}

static void a_commit_without_changes_is_still_recorded(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	uint64_t id = db_active_id(f->db);

	assert_int_equal(db_commit(s, NULL, NULL, NULL), 0);
	assert_true(db_active_id(f->db) > id);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM revision"), 2);
	db_session_close(s);
}

static void commit_and_quit_leaves_nothing_behind(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);

	edit(s, "set system host-name quit\n");
	assert_int_equal(db_commit(s, NULL, NULL, NULL), 0);
	db_session_close(s);
	assert_int_equal(db_status(f->db, NULL, NULL), 0);
	assert_string_equal(host(db_active(f->db)), "quit");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM session"), 0);
	assert_int_equal(sql_int(f, "SELECT text IS NULL FROM candidate WHERE owner = 'shared'"),
			 1);
}

static void startup_activation_runs_the_hooks_without_recording(void **state)
{
	struct fx *f = *state;
	struct db_diags d = DB_DIAGS_INIT;
	const char *const want[] = {"A:validate", "B:validate", "A:prepare",
				    "B:prepare",  "A:apply",	"B:apply"};

	assert_int_equal(db_activate(f->db, &d), 0);
	log_is(f, want, 6);
	assert_int_equal(f->a.applied_vips, 1);
	assert_string_equal(f->a.last_old_host, "-");
	assert_int_equal(sql_int(f, "SELECT count(*) FROM revision"), 1);
	db_diags_free(&d);
}

static void hooks_register_once_and_unregister(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	const char *const want[] = {"B:validate", "B:prepare", "B:apply"};

	assert_int_equal(db_commit_hook_register(f->db, &hook_ops, &f->a), -EEXIST);
	assert_int_equal(db_commit_hook_unregister(f->db, &hook_ops, &f->a), 0);
	assert_int_equal(db_commit_hook_unregister(f->db, &hook_ops, &f->a), -ENOENT);
	assert_int_equal(db_commit(s, NULL, NULL, NULL), 0);
	log_is(f, want, 3);
	db_session_close(s);
}

/* --- commit confirmed ------------------------------------------------------------------------ */

/* The clock the store uses: time(2) reads the coarse clock, which can lag a tick behind. */
static int64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

/* Run the loop until the active revision changes or timeout_ms passes. */
static int wait_revert(struct fx *f, struct tula_loop *loop, uint64_t from_id, int timeout_ms)
{
	uint64_t end = tula_now_ms() + (uint64_t)timeout_ms;

	while (tula_now_ms() < end) {
		tula_loop_run_once(loop, 100);
		if (db_active_id(f->db) != from_id)
			return 1;
	}
	return 0;
}

static void unconfirmed_commit_reverts_and_records_why(void **state)
{
	struct fx *f = *state;
	struct tula_loop *loop = tula_loop_new();
	struct db_session *s = sess(f);
	struct db_commit_opts o = {.confirm_sec = 1, .comment = "try it"};
	struct db_commit_result r;
	struct db_confirm c;
	struct db_revision info;
	struct db_diags d = DB_DIAGS_INIT;
	uint64_t before = db_active_id(f->db);

	assert_int_equal(db_attach_loop(f->db, loop), 0);
	edit(s, "set system host-name risky\n");
	assert_int_equal(db_commit(s, &o, &r, &d), 0);
	assert_true(r.deadline >= now_s() && r.deadline <= now_s() + 1);
	assert_int_equal(db_confirm_pending(f->db, &c), 0);
	assert_int_equal(c.id, r.id);
	assert_int_equal(c.restore_id, before);
	assert_string_equal(c.user, "alice");
	assert_string_equal(host(db_active(f->db)), "risky");
	/* not due yet (unless a loaded machine took the whole second to get here) */
	if (now_s() < r.deadline)
		assert_int_equal(db_confirm_poll(f->db, &d), 0);
	f->rec.n = 0;
	assert_int_equal(wait_revert(f, loop, r.id, 3000), 1);
	/* the revert went through the hooks (it must reach the data path) */
	assert_string_equal(f->rec.log[f->rec.n - 1], "B:apply");
	assert_string_equal(f->b.last_new_host, "-");
	assert_string_equal(host(db_active(f->db)), "-");
	assert_int_equal(db_confirm_pending(f->db, &c), -ENOENT);
	/* recorded as a new revision by client auto, saying why */
	assert_int_equal(db_revision_load(f->db, 0, NULL, &info), 0);
	assert_true(info.id > r.id);
	assert_int_equal(info.client, DB_CLIENT_AUTO);
	assert_non_null(strstr(info.comment, "automatic rollback: commit confirmed by alice"));
	assert_non_null(strstr(info.comment, "was not confirmed"));
	/* the shared candidate, unchanged since, follows the revert */
	assert_string_equal(host(db_candidate(s)), "-");
	assert_int_equal(db_session_changed(s), 0);
	db_session_close(s);
	db_close(f->db);
	f->db = NULL;
	tula_loop_free(loop);
	reopen(f);
	db_diags_free(&d);
}

static void a_following_commit_confirms(void **state)
{
	struct fx *f = *state;
	struct tula_loop *loop = tula_loop_new();
	struct db_session *s = sess(f);
	struct db_commit_opts o = {.confirm_sec = 1};
	struct db_commit_result r;
	uint64_t id;

	assert_int_equal(db_attach_loop(f->db, loop), 0);
	edit(s, "set system host-name keep\n");
	assert_int_equal(db_commit(s, &o, &r, NULL), 0);
	assert_int_equal(db_commit(s, NULL, &r, NULL), 0);
	assert_int_equal(r.confirmed, 1);
	assert_int_equal(db_confirm_pending(f->db, NULL), -ENOENT);
	id = db_active_id(f->db);
	assert_int_equal(wait_revert(f, loop, id, 1800), 0);
	assert_string_equal(host(db_active(f->db)), "keep");
	db_session_close(s);
	db_close(f->db);
	f->db = NULL;
	tula_loop_free(loop);
	reopen(f);
}

static void a_second_confirmed_commit_keeps_the_original_way_back(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_commit_opts o = {.confirm_sec = 60};
	struct db_confirm c;
	uint64_t base = db_active_id(f->db);

	edit(s, "set system host-name one\n");
	assert_int_equal(db_commit(s, &o, NULL, NULL), 0);
	edit(s, "set system host-name two\n");
	assert_int_equal(db_commit(s, &o, NULL, NULL), 0);
	assert_int_equal(db_confirm_pending(f->db, &c), 0);
	assert_int_equal(c.restore_id, base);
	assert_int_equal(c.id, db_active_id(f->db));
	/* trimming keeps the way back even with history 1 */
	edit(s, "set system commit history 1\n");
	assert_int_equal(db_commit(s, &o, NULL, NULL), 0);
	assert_int_equal(sql_int(f, "SELECT count(*) FROM revision"), 2);
	assert_int_equal(db_confirm_pending(f->db, &c), 0);
	assert_int_equal(c.restore_id, base);
	db_session_close(s);
}

static void the_deadline_survives_a_restart(void **state)
{
	struct fx *f = *state;
	struct tula_loop *loop;
	struct db_session *s = sess(f);
	struct db_commit_opts o = {.confirm_sec = 2};
	struct db_commit_result r;
	struct db_confirm c;
	struct db_revision info;
	uint64_t start;

	edit(s, "set system host-name risky\n");
	assert_int_equal(db_commit(s, &o, &r, NULL), 0);
	db_session_close(s);
	/* Tula restarts before the deadline */
	db_close(f->db);
	reopen(f);
	assert_int_equal(db_confirm_pending(f->db, &c), 0);
	assert_int_equal(c.deadline, r.deadline);
	assert_string_equal(host(db_active(f->db)), "risky");
	loop = tula_loop_new();
	start = tula_now_ms();
	assert_int_equal(db_attach_loop(f->db, loop), 0);
	f->rec.n = 0;
	assert_int_equal(wait_revert(f, loop, r.id, 4000), 1);
	/* not before the deadline */
	assert_true(now_s() >= r.deadline);
	assert_true(tula_now_ms() - start >= 500);
	assert_string_equal(host(db_active(f->db)), "-");
	assert_string_equal(f->rec.log[f->rec.n - 1], "B:apply");
	assert_int_equal(db_revision_load(f->db, 0, NULL, &info), 0);
	assert_int_equal(info.client, DB_CLIENT_AUTO);
	db_close(f->db);
	f->db = NULL;
	tula_loop_free(loop);
	reopen(f);
}

static void a_deadline_passed_while_down_reverts_at_once(void **state)
{
	struct fx *f = *state;
	struct tula_loop *loop;
	struct db_session *s = sess(f);
	struct db_commit_opts o = {.confirm_sec = 1};
	struct db_commit_result r;
	struct db_revision info;

	edit(s, "set system host-name risky\n");
	assert_int_equal(db_commit(s, &o, &r, NULL), 0);
	db_session_close(s);
	db_close(f->db);
	/* down past the deadline */
	while (now_s() <= r.deadline)
		usleep(50 * 1000);
	reopen(f);
	loop = tula_loop_new();
	assert_int_equal(db_attach_loop(f->db, loop), 0);
	/* the first turn of the loop reverts */
	tula_loop_run_once(loop, 0);
	tula_loop_run_once(loop, 0);
	assert_string_equal(host(db_active(f->db)), "-");
	assert_int_equal(db_revision_load(f->db, 0, NULL, &info), 0);
	assert_non_null(strstr(info.comment, "automatic rollback"));
	assert_int_equal(db_confirm_pending(f->db, NULL), -ENOENT);
	db_close(f->db);
	f->db = NULL;
	tula_loop_free(loop);
	reopen(f);
}

static void a_failing_revert_keeps_the_pending_state_and_retries(void **state)
{
	struct fx *f = *state;
	struct db_session *s = sess(f);
	struct db_commit_opts o = {.confirm_sec = 1};
	struct db_commit_result r;
	struct db_diags d = DB_DIAGS_INIT;
	struct db_confirm c;

	edit(s, "set system host-name risky\n");
	assert_int_equal(db_commit(s, &o, &r, NULL), 0);
	f->a.fail_prepare = 1;
	while (now_s() <= r.deadline)
		usleep(50 * 1000);
	assert_true(db_confirm_poll(f->db, &d) < 0);
	assert_diag(&d, "", "A cannot reserve");
	assert_string_equal(host(db_active(f->db)), "risky");
	assert_int_equal(db_confirm_pending(f->db, &c), 0);
	assert_true(c.deadline >= now_s() + 59);
	f->a.fail_prepare = 0;
	db_session_close(s);
	db_diags_free(&d);
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(commit_records_the_revision_and_runs_every_phase_in_order),
		T(a_failed_validation_changes_neither_active_nor_candidate),
		T(a_hook_rejecting_validation_fails_the_commit_with_its_reason),
		T(a_failed_prepare_aborts_the_prepared_hooks_in_reverse),
		T(a_store_failure_aborts_everything),
		T(commit_check_validates_prepares_and_aborts),
		T(transient_changes_reach_the_hooks_but_not_the_candidate),
		T(transient_changes_are_validated_like_any_change),
		T(inactive_statements_are_ignored_at_commit),
		T(history_is_trimmed_to_system_commit_history),
		T(rollback_loads_the_candidate_and_commits_nothing),
		T(a_commit_without_changes_is_still_recorded),
		T(commit_and_quit_leaves_nothing_behind),
		T(startup_activation_runs_the_hooks_without_recording),
		T(hooks_register_once_and_unregister),
		T(unconfirmed_commit_reverts_and_records_why),
		T(a_following_commit_confirms),
		T(a_second_confirmed_commit_keeps_the_original_way_back),
		T(the_deadline_survives_a_restart),
		T(a_deadline_passed_while_down_reverts_at_once),
		T(a_failing_revert_keeps_the_pending_state_and_retries),
	};

	tula_log_set_level(TULA_LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
