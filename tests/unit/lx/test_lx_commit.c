/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commit scripts: the shipped check-ports.lua refusing, passing and warning, and the
 * hook's behaviour with scripts that fail, loop, edit their view or add transient
 * changes.
 */
#include "lx_fixture.h"

#define CHECK_PORTS "set system scripts commit file check-ports.lua\n"

struct outcome {
	int rc;
	struct db_diags d;
};

static void commit_expect(struct outcome *o, const char *lines)
{
	memset(o, 0, sizeof(*o));
	o->rc = commit_lines(lines, &o->d);
}

static void assert_diag(const struct outcome *o, enum db_diag_level level, const char *text)
{
	if (strstr(diags_str(&o->d, level), text) == NULL)
		fail_msg("want a %s containing '%s'; have:\n%s",
			 level == DB_DIAG_ERROR ? "error" : "warning", text,
			 diags_str(&o->d, level));
}

static void check_ports_refuses_a_port_outside_the_allowed_list(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, CHECK_PORTS "set services dsr vip web port 8081\n");
	assert_int_equal(o.rc, -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR,
		    "services dsr vip web port: VIP web: port 8081 is not allowed (allowed "
		    "ports: 80, 443)");
	assert_string_equal(active_value("services dsr vip web port"), "80");
	assert_null(db_node_get(db_active(fx.db), "system scripts"));
	db_diags_free(&o.d);
}

static void check_ports_passes_an_allowed_port(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, CHECK_PORTS "set services dsr vip web port 443\n");
	assert_int_equal(o.rc, 0);
	assert_int_equal(o.d.n, 0);
	assert_string_equal(active_value("services dsr vip web port"), "443");
	db_diags_free(&o.d);
}

static void check_ports_warns_on_a_deprecated_port_and_lets_it_through(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, CHECK_PORTS "set services dsr vip web port 8080\n");
	assert_int_equal(o.rc, 0);
	assert_diag(&o, DB_DIAG_WARNING,
		    "services dsr vip web port: VIP web uses deprecated port 8080: move it to 80 "
		    "or 443");
	assert_string_equal(active_value("services dsr vip web port"), "8080");
	db_diags_free(&o.d);
}

static void check_ports_refuses_all_ports(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, CHECK_PORTS "set services dsr vip web port *\n");
	assert_int_equal(o.rc, -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR, "VIP web listens on all ports; allowed ports: 80, 443");
	db_diags_free(&o.d);
}

static void check_ports_ignores_an_inactive_vip(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, CHECK_PORTS "set services dsr vip api address 10.0.1.101\n"
				      "set services dsr vip api protocol tcp\n"
				      "set services dsr vip api port 9999\n"
				      "set services dsr vip api interface port0\n"
				      "set services dsr vip api backend b1 address 10.0.1.21\n"
				      "deactivate services dsr vip api\n");
	assert_int_equal(o.rc, 0);
	db_diags_free(&o.d);
	commit_expect(&o, "activate services dsr vip api\n");
	assert_int_equal(o.rc, -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR, "VIP api: port 9999 is not allowed");
	db_diags_free(&o.d);
}

static void commit_check_runs_the_scripts_too(void **state)
{
	struct db_session *s = NULL;
	struct db_commit_opts co = {.check = 1};
	struct outcome o;

	(void)state;
	commit_expect(&o, CHECK_PORTS);
	assert_int_equal(o.rc, 0);
	db_diags_free(&o.d);
	memset(&o, 0, sizeof(o));
	assert_int_equal(
		db_session_open(fx.db, "alice", DB_CLIENT_CLI, "t", DB_MODE_PRIVATE, &s, &o.d), 0);
	assert_int_equal(db_exec(s, "set services dsr vip web port 25", &o.d), 0);
	assert_int_equal(db_commit(s, &co, NULL, &o.d), -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR, "port 25 is not allowed");
	db_session_close(s);
	db_diags_free(&o.d);
}

static void script_error_fails_the_commit_with_name_and_line(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, "set system scripts commit file broken-commit.lua\n");
	assert_int_equal(o.rc, -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR,
		    "system scripts commit file broken-commit.lua: commit script "
		    "broken-commit.lua failed: broken-commit.lua:4: attempt to index a nil "
		    "value (field 'nosuch')");
	db_diags_free(&o.d);
}

static void missing_script_fails_the_commit(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, "set system scripts commit file absent.lua\n");
	assert_int_equal(o.rc, -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR, "commit script absent.lua failed: cannot read script");
	assert_diag(&o, DB_DIAG_ERROR, "absent.lua: No such file or directory");
	db_diags_free(&o.d);
}

static void looping_script_is_killed_and_commits_go_on(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, "set system scripts commit file loop-commit.lua\n");
	assert_int_equal(o.rc, -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR,
		    "commit script loop-commit.lua failed: loop-commit.lua:2: script killed: "
		    "instruction budget exceeded");
	db_diags_free(&o.d);
	commit_expect(&o, "set system host-name lb9\n");
	assert_int_equal(o.rc, 0);
	assert_string_equal(active_value("system host-name"), "lb9");
	db_diags_free(&o.d);
}

static void transient_change_is_applied_but_not_stored(void **state)
{
	const struct db_node *n;
	struct outcome o;

	(void)state;
	commit_expect(&o, "set system scripts commit file transient-commit.lua\n");
	assert_int_equal(o.rc, 0);
	db_diags_free(&o.d);
	n = db_node_get(db_active_effective(fx.db), "services dsr vip web flow-timeout");
	assert_non_null(n);
	assert_string_equal(db_node_value(n), "60");
	assert_null(active_value("services dsr vip web flow-timeout"));
	/* applied again with every later commit */
	commit_expect(&o, "set system host-name lb7\n");
	assert_int_equal(o.rc, 0);
	assert_non_null(
		db_node_get(db_active_effective(fx.db), "services dsr vip web flow-timeout"));
	db_diags_free(&o.d);
}

static void refused_transient_change_fails_the_commit(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, "set system scripts commit file bad-change-commit.lua\n");
	assert_int_equal(o.rc, -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR,
		    "bad-change-commit.lua:3: tula.commit_change: cannot apply 'set services dsr "
		    "vip web port 99999'");
	assert_string_equal(active_value("services dsr vip web port"), "80");
	db_diags_free(&o.d);
}

static void view_is_read_only(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, "set system scripts commit file write-commit.lua\n");
	assert_int_equal(o.rc, -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR,
		    "write-commit.lua:3: the configuration is read-only here (use "
		    "tula.commit_change to add a transient change)");
	db_diags_free(&o.d);
}

static void view_leaves_inactive_out_and_module_is_reduced(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, "set system scripts commit file view-commit.lua\n"
			  "deactivate services dsr vip web backend be2\n");
	assert_int_equal(o.rc, 0);
	assert_diag(&o, DB_DIAG_WARNING,
		    "vips=web backends=be1 kind=commit user=alice cli=nil config=nil");
	db_diags_free(&o.d);
}

static void scripts_all_run_and_their_errors_add_up(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, CHECK_PORTS "set system scripts commit file broken-commit.lua\n"
				      "set services dsr vip web port 8081\n");
	assert_int_equal(o.rc, -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR, "port 8081 is not allowed");
	assert_diag(&o, DB_DIAG_ERROR, "broken-commit.lua:4:");
	db_diags_free(&o.d);
}

/* Restart: close the database and open it again, activating the stored configuration. */
static int restart(struct db_diags *d)
{
	struct db_open_opts o = {0};
	char path[128];

	lx_commit_unregister(&fx.lx);
	db_close(fx.db);
	snprintf(path, sizeof(path), "%s/config.db", fx.dir);
	o.path = path;
	assert_int_equal(db_open(&o, &fx.db, NULL), 0);
	fx.lx.db = fx.db;
	assert_int_equal(lx_commit_register(&fx.lx), 0);
	return db_activate(fx.db, d);
}

static void write_script(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fx.scripts, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void startup_warns_instead_of_refusing_the_stored_configuration(void **state)
{
	struct outcome o;

	(void)state;
	commit_expect(&o, CHECK_PORTS "set services dsr vip web port 443\n");
	assert_int_equal(o.rc, 0);
	db_diags_free(&o.d);

	/* the site's policy changed since that commit */
	write_script("check-ports.lua",
		     "tula.commit_error('services dsr vip web port', 'port 443 is no longer "
		     "allowed')\n");
	memset(&o, 0, sizeof(o));
	assert_int_equal(restart(&o.d), 0);
	assert_diag(&o, DB_DIAG_WARNING,
		    "services dsr vip web port: port 443 is no longer allowed (not enforced at "
		    "start-up)");
	db_diags_free(&o.d);

	/* a script that breaks does not stop the start either */
	write_script("check-ports.lua", "\nerror('broken')\n");
	memset(&o, 0, sizeof(o));
	assert_int_equal(restart(&o.d), 0);
	assert_diag(&o, DB_DIAG_WARNING,
		    "commit script check-ports.lua failed (not enforced at start-up): "
		    "check-ports.lua:2: broken");
	assert_string_equal(active_value("services dsr vip web port"), "443");
	db_diags_free(&o.d);

	/* but an operator's commit is refused as always */
	commit_expect(&o, "set system host-name lb2\n");
	assert_int_equal(o.rc, -EINVAL);
	assert_diag(&o, DB_DIAG_ERROR,
		    "commit script check-ports.lua failed: check-ports.lua:2: "
		    "broken");
	db_diags_free(&o.d);
}

static void commit_functions_are_refused_outside_commit_scripts(void **state)
{
	(void)state;
	run_fails("tula.commit_error('', 'x')", "attempt to call a nil value (field "
						"'commit_error')");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
		T(check_ports_refuses_a_port_outside_the_allowed_list),
		T(check_ports_passes_an_allowed_port),
		T(check_ports_warns_on_a_deprecated_port_and_lets_it_through),
		T(check_ports_refuses_all_ports),
		T(check_ports_ignores_an_inactive_vip),
		T(commit_check_runs_the_scripts_too),
		T(script_error_fails_the_commit_with_name_and_line),
		T(missing_script_fails_the_commit),
		T(looping_script_is_killed_and_commits_go_on),
		T(transient_change_is_applied_but_not_stored),
		T(refused_transient_change_fails_the_commit),
		T(view_is_read_only),
		T(view_leaves_inactive_out_and_module_is_reduced),
		T(scripts_all_run_and_their_errors_add_up),
		T(startup_warns_instead_of_refusing_the_stored_configuration),
		T(commit_functions_are_refused_outside_commit_scripts),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
