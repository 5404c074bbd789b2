/* SPDX-License-Identifier: BSD-3-Clause */
/* db/db_session.c: shared, exclusive and private sessions, their conflicts, status. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <time.h>

#include "common/tula_log.h"
#include "tests/unit/db/db_test.h"

struct fx {
	char *dir;
	char path[4200];
	struct db *db;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct db_open_opts o = {.seed_text = BASE_CONF};

	f->dir = tmkdir();
	snprintf(f->path, sizeof(f->path), "%s/config.db", f->dir);
	o.path = f->path;
	assert_int_equal(db_open(&o, &f->db, NULL), 0);
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

static struct db_session *open_s(struct fx *f, const char *user, enum db_mode mode)
{
	struct db_session *s = NULL;
	struct db_diags d = DB_DIAGS_INIT;
	char id[32];

	snprintf(id, sizeof(id), "tty-%s", user);
	if (db_session_open(f->db, user, DB_CLIENT_CLI, id, mode, &s, &d) != 0)
		tdump(&d);
	assert_non_null(s);
	db_diags_free(&d);
	return s;
}

static int exec(struct db_session *s, const char *line, struct db_diags *d)
{
	return db_exec(s, line, d);
}

static const char *host_of(const struct db_node *t)
{
	const char *h = db_get_str(db_node_get(t, "system"), "host-name");

	return h ? h : "-";
}

static void shared_sessions_edit_one_candidate(void **state)
{
	struct fx *f = *state;
	struct db_session *a = open_s(f, "alice", DB_MODE_SHARED);
	struct db_session *b = open_s(f, "bob", DB_MODE_SHARED);

	assert_int_equal(exec(a, "set system host-name from-alice", NULL), 0);
	assert_ptr_equal(db_candidate(a), db_candidate(b));
	assert_string_equal(host_of(db_candidate(b)), "from-alice");
	assert_int_equal(db_session_changed(b), 1);
	/* bob's commit commits alice's change too */
	assert_int_equal(db_commit(b, NULL, NULL, NULL), 0);
	assert_string_equal(host_of(db_active(f->db)), "from-alice");
	assert_int_equal(db_session_changed(a), 0);
	/* shared changes survive the session: the next user finds them */
	assert_int_equal(exec(a, "set system host-name pending", NULL), 0);
	db_session_close(a);
	db_session_close(b);
	a = open_s(f, "carol", DB_MODE_SHARED);
	assert_string_equal(host_of(db_candidate(a)), "pending");
	db_session_close(a);
}

static void the_shared_candidate_survives_a_restart(void **state)
{
	struct fx *f = *state;
	struct db_session *a = open_s(f, "alice", DB_MODE_SHARED);
	struct db_open_opts o = {.path = f->path};

	assert_int_equal(exec(a, "set system host-name unsaved-work", NULL), 0);
	assert_int_equal(db_session_sync(a), 0);
	/* a crash: no close */
	db_close(f->db);
	assert_int_equal(db_open(&o, &f->db, NULL), 0);
	a = open_s(f, "alice", DB_MODE_SHARED);
	assert_string_equal(host_of(db_candidate(a)), "unsaved-work");
	assert_string_equal(host_of(db_active(f->db)), "-");
	db_session_close(a);
}

static void exclusive_locks_out_the_edits_and_commits_of_others(void **state)
{
	struct fx *f = *state;
	struct db_session *x = open_s(f, "alice", DB_MODE_EXCLUSIVE);
	struct db_session *b = open_s(f, "bob", DB_MODE_SHARED);
	struct db_session *p = open_s(f, "pat", DB_MODE_SHARED);
	struct db_session *y = NULL;
	struct db_diags d = DB_DIAGS_INIT;

	assert_int_equal(exec(b, "set system host-name bob", &d), -EBUSY);
	assert_diag(&d, "", "configuration database locked by alice (tty-alice) since");
	assert_int_equal(db_commit(b, NULL, NULL, &d), -EBUSY);
	assert_int_equal(db_rollback(b, 0, &d), -EBUSY);
	assert_int_equal(
		db_session_open(f->db, "carol", DB_CLIENT_CLI, "t", DB_MODE_EXCLUSIVE, &y, &d),
		-EBUSY);
	assert_int_equal(
		db_session_open(f->db, "carol", DB_CLIENT_CLI, "t", DB_MODE_PRIVATE, &y, &d),
		-EBUSY);
	assert_null(y);
	/* the lock holder works as usual */
	assert_int_equal(exec(x, "set system host-name alice", &d), 0);
	assert_int_equal(db_commit(x, NULL, NULL, &d), 0);
	assert_string_equal(host_of(db_active(f->db)), "alice");
	/* leaving releases the lock and discards what was not committed */
	assert_int_equal(exec(x, "set system host-name uncommitted", &d), 0);
	db_session_close(x);
	assert_string_equal(host_of(db_candidate(b)), "alice");
	assert_int_equal(exec(b, "set system host-name bob", &d), 0);
	assert_int_equal(db_commit(p, NULL, NULL, &d), 0);
	assert_string_equal(host_of(db_active(f->db)), "bob");
	db_session_close(b);
	db_session_close(p);
	db_diags_free(&d);
}

static void exclusive_is_refused_while_others_have_uncommitted_changes(void **state)
{
	struct fx *f = *state;
	struct db_session *b = open_s(f, "bob", DB_MODE_SHARED), *x = NULL;
	struct db_diags d = DB_DIAGS_INIT;

	assert_int_equal(exec(b, "set system host-name bob", &d), 0);
	assert_int_equal(
		db_session_open(f->db, "alice", DB_CLIENT_CLI, "t", DB_MODE_EXCLUSIVE, &x, &d),
		-EBUSY);
	assert_diag(&d, "", "bob (tty-bob) has uncommitted changes");
	assert_int_equal(db_commit(b, NULL, NULL, &d), 0);
	x = open_s(f, "alice", DB_MODE_EXCLUSIVE);
	db_session_close(x);
	db_session_close(b);
	db_diags_free(&d);
}

static void private_sessions_keep_their_own_copy(void **state)
{
	struct fx *f = *state;
	struct db_session *p = open_s(f, "alice", DB_MODE_PRIVATE);
	struct db_session *q = open_s(f, "bob", DB_MODE_PRIVATE);
	struct db_session *sh = open_s(f, "carol", DB_MODE_SHARED);
	struct db_commit_result r;

	assert_int_equal(exec(p, "set system host-name alice", NULL), 0);
	assert_string_equal(host_of(db_candidate(q)), "-");
	assert_string_equal(host_of(db_candidate(sh)), "-");
	assert_int_equal(db_session_changed(p), 1);
	assert_int_equal(db_session_changed(q), 0);
	assert_int_equal(db_commit(p, NULL, &r, NULL), 0);
	assert_int_equal(r.merged, 0);
	assert_int_equal(db_session_changed(p), 0);
	/* the shared candidate had no changes: it follows the active configuration */
	assert_string_equal(host_of(db_candidate(sh)), "alice");
	assert_int_equal(db_session_changed(sh), 0);
	/* bob still has the old copy until he updates */
	assert_string_equal(host_of(db_candidate(q)), "-");
	assert_int_equal(db_update(q, NULL), 0);
	assert_string_equal(host_of(db_candidate(q)), "alice");
	db_session_close(p);
	db_session_close(q);
	db_session_close(sh);
}

static void private_commit_merges_what_others_committed(void **state)
{
	struct fx *f = *state;
	struct db_session *p = open_s(f, "alice", DB_MODE_PRIVATE);
	struct db_session *q = open_s(f, "bob", DB_MODE_PRIVATE);
	struct db_commit_result r;

	assert_int_equal(exec(p, "set services dsr vip web port 8080", NULL), 0);
	assert_int_equal(exec(q, "set system host-name bob", NULL), 0);
	assert_int_equal(db_commit(q, NULL, NULL, NULL), 0);
	assert_int_equal(db_commit(p, NULL, &r, NULL), 0);
	assert_int_equal(r.merged, 1);
	/* both changes are active: alice's commit did not undo bob's */
	assert_string_equal(host_of(db_active(f->db)), "bob");
	assert_string_equal(
		db_get_str(db_node_get(db_active(f->db), "services dsr vip web"), "port"), "8080");
	assert_string_equal(host_of(db_candidate(p)), "bob");
	db_session_close(p);
	db_session_close(q);
}

static void conflicting_private_commits_fail_with_a_clear_message(void **state)
{
	struct fx *f = *state;
	struct db_session *p = open_s(f, "alice", DB_MODE_PRIVATE);
	struct db_session *q = open_s(f, "bob", DB_MODE_PRIVATE);
	struct db_diags d = DB_DIAGS_INIT;
	uint64_t id;

	assert_int_equal(exec(p, "set services dsr vip web port 81", NULL), 0);
	assert_int_equal(exec(q, "set services dsr vip web port 82", NULL), 0);
	assert_int_equal(db_commit(q, NULL, NULL, NULL), 0);
	id = db_active_id(f->db);
	assert_int_equal(db_commit(p, NULL, NULL, &d), -ESTALE);
	assert_diag(&d, "services dsr vip web port",
		    "conflict: changed in this session and by "
		    "revision");
	assert_diag(&d, "services dsr vip web port", "committed by bob");
	assert_diag(&d, "", "run update");
	assert_int_equal(db_active_id(f->db), id);
	db_diags_clear(&d);
	/* update reports the same conflict and changes nothing */
	assert_int_equal(db_update(p, &d), -ESTALE);
	assert_string_equal(
		db_get_str(db_node_get(db_candidate(p), "services dsr vip web"), "port"), "81");
	/* resolving it (agreeing with bob) lets the update and the commit through */
	assert_int_equal(exec(p, "set services dsr vip web port 82", NULL), 0);
	assert_int_equal(db_update(p, NULL), 0);
	assert_int_equal(db_session_changed(p), 0);
	db_session_close(p);
	db_session_close(q);
	db_diags_free(&d);
}

static void private_is_refused_while_the_shared_candidate_is_modified(void **state)
{
	struct fx *f = *state;
	struct db_session *sh = open_s(f, "bob", DB_MODE_SHARED), *p = NULL;
	struct db_diags d = DB_DIAGS_INIT;

	assert_int_equal(exec(sh, "set system host-name x", NULL), 0);
	assert_int_equal(
		db_session_open(f->db, "alice", DB_CLIENT_CLI, "t", DB_MODE_PRIVATE, &p, &d),
		-EBUSY);
	assert_diag(&d, "", "shared configuration database modified");
	assert_int_equal(db_rollback(sh, 0, NULL), 0);
	p = open_s(f, "alice", DB_MODE_PRIVATE);
	db_session_close(p);
	db_session_close(sh);
	db_diags_free(&d);
}

static void shared_edits_survive_a_private_commit(void **state)
{
	struct fx *f = *state;
	struct db_session *p = open_s(f, "alice", DB_MODE_PRIVATE);
	struct db_session *sh = open_s(f, "bob", DB_MODE_SHARED);

	assert_int_equal(exec(sh, "set system host-name bob", NULL), 0);
	assert_int_equal(exec(p, "set services dsr vip web port 8080", NULL), 0);
	assert_int_equal(db_commit(p, NULL, NULL, NULL), 0);
	/* bob's uncommitted edit is kept and sits on top of alice's commit */
	assert_string_equal(host_of(db_candidate(sh)), "bob");
	assert_string_equal(
		db_get_str(db_node_get(db_candidate(sh), "services dsr vip web"), "port"), "8080");
	assert_int_equal(db_commit(sh, NULL, NULL, NULL), 0);
	assert_string_equal(
		db_get_str(db_node_get(db_active(f->db), "services dsr vip web"), "port"), "8080");
	db_session_close(p);
	db_session_close(sh);
}

static void update_is_for_private_sessions_only(void **state)
{
	struct fx *f = *state;
	struct db_session *sh = open_s(f, "bob", DB_MODE_SHARED);
	struct db_diags d = DB_DIAGS_INIT;

	assert_int_equal(db_update(sh, &d), -EINVAL);
	assert_diag(&d, "", "configure private only");
	db_session_close(sh);
	db_diags_free(&d);
}

struct st {
	struct db_session_info i[8];
	char user[8][16], where[8][64];
	int n;
};

static int status_cb(void *arg, const struct db_session_info *i)
{
	struct st *s = arg;

	s->i[s->n] = *i;
	snprintf(s->user[s->n], 16, "%s", i->user);
	snprintf(s->where[s->n], 64, "%s", i->where);
	s->n++;
	return 0;
}

static void status_says_who_edits_where_and_since_when(void **state)
{
	struct fx *f = *state;
	struct db_session *a = open_s(f, "alice", DB_MODE_SHARED);
	struct db_session *p = open_s(f, "pat", DB_MODE_PRIVATE);
	struct st s = {0};
	time_t now = time(NULL);

	db_session_set_where(a, "services dsr vip web");
	assert_int_equal(exec(a, "set system host-name x", NULL), 0);
	assert_int_equal(db_status(f->db, status_cb, &s), 2);
	assert_string_equal(s.user[0], "alice");
	assert_string_equal(s.where[0], "services dsr vip web");
	assert_int_equal(s.i[0].mode, DB_MODE_SHARED);
	assert_int_equal(s.i[0].changed, 1);
	assert_int_equal(s.i[0].locked, 0);
	assert_true(s.i[0].since <= now && s.i[0].since >= now - 5);
	assert_string_equal(s.user[1], "pat");
	assert_int_equal(s.i[1].mode, DB_MODE_PRIVATE);
	assert_int_equal(s.i[1].changed, 0);
	assert_string_equal(s.where[1], "");
	assert_int_equal(db_status(f->db, NULL, NULL), 2);
	assert_string_equal(db_session_user(p), "pat");
	assert_int_equal(db_session_mode(p), DB_MODE_PRIVATE);
	db_session_close(a);
	db_session_close(p);
	assert_int_equal(db_status(f->db, status_cb, &s), 0);
}

static void edits_through_a_session_report_tokens(void **state)
{
	struct fx *f = *state;
	struct db_session *a = open_s(f, "alice", DB_MODE_SHARED);
	struct db_diags d = DB_DIAGS_INIT;
	const char *const path[] = {"services", "dsr", "vip", "web", "port", "0"};
	const char *const vip[] = {"services", "dsr", "vip", "web"};

	assert_int_equal(db_set(a, path, 6, &d), -EINVAL);
	assert_int_equal(d.v[0].token, 5);
	assert_int_equal(db_session_changed(a), 0);
	assert_int_equal(db_annotate(a, vip, 4, "note", &d), 0);
	assert_int_equal(db_activate_path(a, vip, 4, 0, &d), 0);
	assert_int_equal(db_rename(a, vip, 4, "www", &d), 0);
	assert_int_equal(db_delete(a, vip, 4, &d), -ENOENT);
	assert_int_equal(db_load(a, DB_LOAD_MERGE, "system { host-name loaded; }", NULL, 0, &d), 0);
	assert_string_equal(host_of(db_candidate(a)), "loaded");
	assert_int_equal(db_node_inactive(db_node_get(db_candidate(a), "services dsr vip www")), 1);
	db_session_close(a);
	db_diags_free(&d);
}

int main(void)
{
#define T(x) cmocka_unit_test_setup_teardown(x, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(shared_sessions_edit_one_candidate),
		T(the_shared_candidate_survives_a_restart),
		T(exclusive_locks_out_the_edits_and_commits_of_others),
		T(exclusive_is_refused_while_others_have_uncommitted_changes),
		T(private_sessions_keep_their_own_copy),
		T(private_commit_merges_what_others_committed),
		T(conflicting_private_commits_fail_with_a_clear_message),
		T(private_is_refused_while_the_shared_candidate_is_modified),
		T(shared_edits_survive_a_private_commit),
		T(update_is_for_private_sessions_only),
		T(status_says_who_edits_where_and_since_when),
		T(edits_through_a_session_report_tokens),
	};

	tula_log_set_level(TULA_LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
