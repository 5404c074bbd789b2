/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `tula` module against a real configuration database: tula.config sessions and
 * every method with its errors, tula.show of the configuration and of a registered
 * structured view, tula.cli, and the permission checks of the login classes.
 */
#include "lx_fixture.h"

#include "shell/sh_engine.h"

#include <time.h>

/* --- tula.config: editing and reading ------------------------------------------------- */

static void config_set_commit_changes_the_active_configuration(void **state)
{
	struct lua_result r;

	(void)state;
	run_ok(&r, "local c = tula.config()\n"
		   "c:set('services dsr vip web backend be1 weight 5')\n"
		   "local res = c:commit{comment = 'weight five'}\n"
		   "print(math.type(res.id), res.check, #res.warnings)\n"
		   "c:close()");
	assert_string_equal(tula_buf_str(&r.out), "integer\tfalse\t0\n");
	assert_string_equal(active_value("services dsr vip web backend be1 weight"), "5");
	lua_result_free(&r);
}

static int newest_fn(void *arg, const struct db_revision *rev)
{
	struct db_revision *out = arg;

	if (rev->index == 0) {
		out->client = rev->client;
		out->comment = rev->comment != NULL ? strdup(rev->comment) : NULL;
		out->user = strdup(rev->user);
		out->client_id = rev->client_id != NULL ? strdup(rev->client_id) : NULL;
	}
	return 0;
}

static void commit_is_recorded_as_the_scripts_user_and_client(void **state)
{
	struct db_revision rev = {0};
	struct lua_result r;

	(void)state;
	run_ok(&r, "local c = tula.config() c:set('system host-name lb2') "
		   "c:commit{comment = 'renamed'}");
	db_history(fx.db, newest_fn, &rev);
	assert_int_equal(rev.client, DB_CLIENT_LUA);
	assert_string_equal(rev.user, "alice");
	assert_string_equal(rev.comment, "renamed");
	assert_string_equal(rev.client_id, "test.lua");
	free((char *)rev.comment);
	free((char *)rev.user);
	free((char *)rev.client_id);
	lua_result_free(&r);
}

static void config_get_returns_tables_values_and_nil(void **state)
{
	struct lua_result r;

	(void)state;
	run_ok(&r, "local c = tula.config()\n"
		   "local all = c:get()\n"
		   "print(all.system['host-name'], all.services.dsr.vip.web.port)\n"
		   "local vips = c:get('services dsr vip')\n"
		   "print(vips.web.address, vips.web.backend.be1.weight, vips.web.protocol)\n"
		   "print(c:get('services dsr vip web port'), math.type(c:get('services dsr vip "
		   "web port')))\n"
		   "local be = c:get('services dsr vip web backend be2')\n"
		   "print(be.address, be.weight)\n"
		   "print(c:get('services dsr vip nosuch'), c:get('routing-options'))\n"
		   "print(c:get('interfaces port0').device)");
	assert_string_equal(tula_buf_str(&r.out), "lb1\t80\n"
						  "10.0.1.100\t100\ttcp\n"
						  "80\tinteger\n"
						  "10.0.1.12\tnil\n"
						  "nil\tnil\n"
						  "net_null0\n");
	lua_result_free(&r);
}

static void config_get_shows_uncommitted_changes_and_inactive_marks(void **state)
{
	struct lua_result r;

	(void)state;
	assert_int_equal(commit_lines("deactivate services dsr vip web backend be2\n"
				      "annotate services dsr vip web \"the web farm\"\n",
				      &(struct db_diags)DB_DIAGS_INIT),
			 0);
	run_ok(&r, "local c = tula.config()\n"
		   "c:set('services dsr vip web flow-timeout 60')\n"
		   "local web = c:get('services dsr vip web')\n"
		   "print(web['flow-timeout'], web.backend.be2['@'].inactive, web['@'].comment)");
	assert_string_equal(tula_buf_str(&r.out), "60\ttrue\tthe web farm\n");
	lua_result_free(&r);
}

static void config_get_refuses_a_path_outside_the_schema(void **state)
{
	(void)state;
	run_fails("tula.config():get('services nonsense')", "get: bad path 'services nonsense'");
	run_fails("tula.config():get('services dsr vip \"web')", "unclosed quote");
}

static void config_set_reports_the_path_and_reason(void **state)
{
	(void)state;
	run_fails("tula.config():set('services dsr vip web port 70000')",
		  "test.lua:1: set services dsr vip web port 70000: ");
	run_fails("tula.config():set('services dsr vip web port 70000')", "65535");
	run_fails("tula.config():set('services dsr nonsense 1')", "set services dsr nonsense 1");
	run_fails("tula.config():set('')", "set: missing statement path");
}

static void config_delete_removes_and_reports_missing(void **state)
{
	struct lua_result r;

	(void)state;
	run_ok(&r, "local c = tula.config()\n"
		   "c:delete('services dsr vip web backend be2')\n"
		   "print(c:get('services dsr vip web backend be2'))\n"
		   "c:commit()");
	assert_string_equal(tula_buf_str(&r.out), "nil\n");
	assert_null(db_node_get(db_active(fx.db), "services dsr vip web backend be2"));
	run_fails("tula.config():delete('services dsr vip web backend be9')",
		  "delete services dsr vip web backend be9");
	lua_result_free(&r);
}

static void config_compare_shows_the_difference_with_the_active(void **state)
{
	struct lua_result r;

	(void)state;
	run_ok(&r, "local c = tula.config()\n"
		   "print(c:compare() == '')\n"
		   "c:set('services dsr vip web backend be1 weight 7')\n"
		   "print(c:compare())");
	assert_non_null(strstr(tula_buf_str(&r.out), "true\n"));
	assert_non_null(strstr(tula_buf_str(&r.out), "[edit services dsr vip web backend be1]"));
	assert_non_null(strstr(tula_buf_str(&r.out), "\n-   weight 100;\n"));
	assert_non_null(strstr(tula_buf_str(&r.out), "\n+   weight 7;\n"));
	lua_result_free(&r);
}

static void commit_check_commits_nothing(void **state)
{
	struct lua_result r;

	(void)state;
	run_ok(&r, "local c = tula.config()\n"
		   "c:set('services dsr vip web backend be1 weight 9')\n"
		   "local res = c:commit{check = true}\n"
		   "print(res.check, c:get('services dsr vip web backend be1 weight'))");
	assert_string_equal(tula_buf_str(&r.out), "true\t9\n");
	assert_string_equal(active_value("services dsr vip web backend be1 weight"), "100");
	lua_result_free(&r);
}

static void failed_commit_raises_the_reasons_and_keeps_the_candidate(void **state)
{
	struct lua_result r;

	(void)state;
	run_fails("local c = tula.config()\n"
		  "c:delete('services dsr vip web address')\n"
		  "c:commit()",
		  "test.lua:3: commit failed: services dsr vip web");
	run_ok(&r, "local c = tula.config()\n"
		   "c:delete('services dsr vip web address')\n"
		   "local ok, e = pcall(c.commit, c)\n"
		   "print(ok, c:get('services dsr vip web address'))");
	assert_string_equal(tula_buf_str(&r.out), "false\tnil\n");
	assert_string_equal(active_value("services dsr vip web address"), "10.0.1.100");
	lua_result_free(&r);
}

static void commit_confirmed_sets_a_deadline(void **state)
{
	struct db_confirm pending;
	struct lua_result r;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	run_ok(&r, "local c = tula.config()\n"
		   "c:set('services dsr vip web backend be1 weight 3')\n"
		   "local res = c:commit{confirmed = 2, comment = 'try'}\n"
		   "print(res.deadline - os.time())");
	assert_int_equal(db_confirm_pending(fx.db, &pending), 0);
	assert_true(pending.deadline >= now + 119 && pending.deadline <= now + 121);
	run_fails("tula.config():commit{confirmed = 0}", "confirmed must be 1..65535 minutes");
	lua_result_free(&r);
}

static void rollback_loads_an_old_revision_into_the_candidate(void **state)
{
	struct lua_result r;

	(void)state;
	run_ok(&r, "local c = tula.config()\n"
		   "c:set('services dsr vip web backend be1 weight 1') c:commit()\n"
		   "c:rollback(1)\n"
		   "print(c:get('services dsr vip web backend be1 weight'))\n"
		   "c:rollback()\n"
		   "print(c:get('services dsr vip web backend be1 weight'))");
	assert_string_equal(tula_buf_str(&r.out), "100\n1\n");
	assert_string_equal(active_value("services dsr vip web backend be1 weight"), "1");
	run_fails("tula.config():rollback(40)", "rollback 40");
	run_fails("tula.config():rollback(-1)", "expected a revision index");
	lua_result_free(&r);
}

/* --- tula.config: the session's life ----------------------------------------------------- */

static void closed_session_refuses_every_method(void **state)
{
	struct lua_result r;

	(void)state;
	run_fails("local c = tula.config() c:close() c:close() c:set('system host-name x')",
		  "test.lua:1: configuration session is closed");
	run_ok(&r, "local c = tula.config() print(tostring(c)) c:close() print(tostring(c))");
	assert_string_equal(tula_buf_str(&r.out), "tula.config (private, open)\n"
						  "tula.config (private, closed)\n");
	lua_result_free(&r);
}

static void collected_session_is_closed(void **state)
{
	struct lua_result r;

	(void)state;
	/* an exclusive session holds the lock: a second one is refused while it lives */
	run_fails("local a = tula.config('exclusive') local b = tula.config('exclusive')",
		  "tula.config: ");
	run_ok(&r, "do local a = tula.config('exclusive') a:set('system host-name x') end\n"
		   "collectgarbage() collectgarbage()\n"
		   "local b = tula.config('exclusive') print(b:get('system host-name'))");
	assert_string_equal(tula_buf_str(&r.out), "lb1\n");
	lua_result_free(&r);
}

static void to_be_closed_session_is_closed_at_scope_end(void **state)
{
	struct lua_result r;

	(void)state;
	run_ok(&r, "do local a <close> = tula.config('exclusive') end\n"
		   "local b = tula.config('exclusive') print(tostring(b))");
	assert_string_equal(tula_buf_str(&r.out), "tula.config (exclusive, open)\n");
	lua_result_free(&r);
}

static void failing_script_closes_its_sessions_and_discards_the_candidate(void **state)
{
	(void)state;
	run_fails("local c = tula.config('exclusive')\n"
		  "c:set('services dsr vip web backend be1 weight 0')\n"
		  "error('changed my mind')",
		  "test.lua:3: changed my mind");
	assert_int_equal(open_sessions(), 0);
	assert_string_equal(active_value("services dsr vip web backend be1 weight"), "100");
	/* the lock is free again and the shared candidate is clean */
	run_fails("local c = tula.config('exclusive') print(c:compare()) error('x')", "x");
}

static void killed_script_closes_its_sessions(void **state)
{
	struct lua_result r;

	(void)state;
	run_as(&r, "alice", "local c = tula.config('exclusive') while true do end");
	assert_int_equal(r.rc, -ETIME);
	assert_int_equal(open_sessions(), 0);
	lua_result_free(&r);
}

static void unknown_mode_is_refused(void **state)
{
	(void)state;
	run_fails("tula.config('sideways')", "invalid option 'sideways'");
}

/* --- login classes -------------------------------------------------------------------- */

static void operator_cannot_open_a_configuration_session(void **state)
{
	struct lua_result r;

	(void)state;
	run_as(&r, "oscar", "tula.config()");
	assert_int_equal(r.rc, -ECANCELED);
	assert_non_null(strstr(tula_buf_str(&r.err), "tula.config: permission denied: "
						     "configuration needs login class super-user "
						     "(oscar is operator)"));
	lua_result_free(&r);
	/* absent from system login: refused before anything runs (no longer read-only) */
	run_as(&r, "nobody", "print(tula.user, tula.class) tula.config()");
	assert_int_equal(r.rc, -EACCES);
	assert_string_equal(tula_buf_str(&r.out), "");
	assert_non_null(
		strstr(tula_buf_str(&r.err), "user nobody is not configured under system login"));
	lua_result_free(&r);
	/* root (uid 0, by name here: a commit's user) stays super-user on a fresh box */
	run_as(&r, "root", "print(tula.user, tula.class)");
	assert_int_equal(r.rc, 0);
	assert_string_equal(tula_buf_str(&r.out), "root\tsuper-user\n");
	lua_result_free(&r);
}

/* --- tula.show and tula.cli ------------------------------------------------------------- */

static void render_pool(const struct tula_val *v, struct tula_buf *out)
{
	tula_buf_printf(out, "pool %s: %zu members\n", tula_val_as_str(tula_val_get(v, "name")),
			tula_val_count(tula_val_get(v, "members")));
}

static int show_pool(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct tula_val *v = tula_val_map(), *members = tula_val_list(), *be;

	(void)m;
	(void)arg;
	be = tula_val_map();
	tula_val_map_set(be, "name", tula_val_str("be1"));
	tula_val_map_set(be, "healthy", tula_val_bool(1));
	tula_val_map_set(be, "weight", tula_val_uint(100));
	tula_val_map_set(be, "share", tula_val_double(0.5));
	tula_val_map_set(be, "delta", tula_val_int(-3));
	tula_val_map_set(be, "note", tula_val_null());
	tula_val_list_add(members, be);
	tula_val_list_add(members, tula_val_str("be2"));
	tula_val_map_set(v, "name", tula_val_str("web"));
	tula_val_map_set(v, "members", members);
	sh_ctx_set_val(ctx, v, render_pool);
	return 0;
}

static int show_text_only(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)m;
	(void)arg;
	sh_warn(ctx, "warning: made up");
	sh_puts(ctx, "just text\n");
	return 0;
}

static int clear_thing(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)m;
	(void)arg;
	return sh_err(ctx, "error: thing %s cannot be cleared", sh_match_str(m, "NAME"));
}

static const char *const pool_help[] = {"Show", "A test pool", NULL};
static const char *const text_help[] = {"Show", "Text only", NULL};
static const char *const clear_help[] = {"Clear", "A thing", "Its name", NULL};
static const struct sh_cmd cmd_pool = {.syntax = "show lxpool",
				       .help = pool_help,
				       .modes = SH_MODE_OPER,
				       .level = SH_LEVEL_READ_ONLY,
				       .fn = show_pool};
static const struct sh_cmd cmd_text = {.syntax = "show lxtext",
				       .help = text_help,
				       .modes = SH_MODE_OPER,
				       .level = SH_LEVEL_READ_ONLY,
				       .fn = show_text_only};
static const struct sh_cmd cmd_clear = {.syntax = "clear lxthing NAME",
					.help = clear_help,
					.modes = SH_MODE_OPER,
					.level = SH_LEVEL_OPERATOR,
					.fn = clear_thing};

static char *shell_error(const char *line, enum sh_level level);

static void show_converts_a_registered_view_into_tables(void **state)
{
	struct lua_result r;

	(void)state;
	run_ok(&r,
	       "local p = tula.show('lxpool')\n"
	       "local be = p.members[1]\n"
	       "print(p.name, #p.members, p.members[2])\n"
	       "print(be.name, be.healthy, be.weight, math.type(be.weight), be.share, be.delta, "
	       "be.note)\n"
	       "print(tula.show('show lxpool').name)");
	assert_string_equal(tula_buf_str(&r.out), "web\t2\tbe2\n"
						  "be1\ttrue\t100\tinteger\t0.5\t-3\tnil\n"
						  "web\n");
	lua_result_free(&r);
}

static void show_of_the_configuration_is_the_active_tree(void **state)
{
	struct lua_result r;

	(void)state;
	run_ok(&r, "local web = tula.show('configuration services dsr vip web')\n"
		   "print(web.port, web.backend.be1.address)\n"
		   "print(tula.show('configuration').system['host-name'])\n"
		   "local c = tula.config() c:set('system host-name other')\n"
		   "print(tula.show('configuration system host-name'))");
	assert_string_equal(tula_buf_str(&r.out), "80\t10.0.1.11\nlb1\nlb1\n");
	lua_result_free(&r);
}

static void show_without_structured_output_is_an_error(void **state)
{
	struct lua_result r;
	char *want, code[512];

	(void)state;
	run_fails("tula.show('lxtext')",
		  "tula.show: 'show lxtext' has no structured output (tula.cli gives its text)");
	/* a command the shell refuses raises the shell's own text */
	want = shell_error("show lxnosuch", SH_LEVEL_SUPER_USER);
	run_as(&r, "alice", "print(select(2, pcall(tula.show, 'lxnosuch')))");
	snprintf(code, sizeof(code), "%s", want);
	assert_string_equal(tula_buf_str(&r.out), code);
	free(want);
	lua_result_free(&r);
	run_fails("tula.show('configuration nonsense')", "tula.show: bad path 'nonsense'");
}

/* The shell's own error text for line, as an operator of class level sees it. */
static char *shell_error(const char *line, enum sh_level level)
{
	struct sh_env env = {.mode = SH_MODE_OPER, .level = level};
	struct sh_ctx ctx;
	char *s;

	sh_ctx_init(&ctx, NULL, 0);
	assert_true(sh_engine_exec(sh_engine_default(), &env, line, &ctx) < 0);
	s = strdup(tula_buf_str(&ctx.err));
	sh_ctx_fini(&ctx);
	return s;
}

static void cli_returns_text_and_raises_the_shells_error(void **state)
{
	struct lua_result r;
	char *want, code[512];

	(void)state;
	run_ok(&r, "print(tula.cli('show lxtext'))\n"
		   "print(tula.cli('show lxpool'))\n"
		   "print(tula.cli('show lxpool | display json'):match('\"name\": \"web\"'))\n"
		   "local ok, e = pcall(tula.cli, 'clear lxthing t1') print(ok, e)");
	assert_string_equal(tula_buf_str(&r.out), "warning: made up\njust text\n\n"
						  "pool web: 2 members\n\n"
						  "\"name\": \"web\"\n"
						  "false\terror: thing t1 cannot be cleared\n");
	lua_result_free(&r);

	/* the error is the very text the shell prints, e.g. a syntax error with its caret */
	want = shell_error("show lxnosuch", SH_LEVEL_SUPER_USER);
	run_as(&r, "alice", "local ok, e = pcall(tula.cli, 'show lxnosuch') print(e)");
	/* print adds the newline the error text loses as a Lua error */
	snprintf(code, sizeof(code), "%s", want);
	assert_string_equal(tula_buf_str(&r.out), code);
	free(want);
	lua_result_free(&r);
}

static void cli_applies_the_callers_login_class(void **state)
{
	struct lua_result r;
	char *want;

	(void)state;
	want = shell_error("clear lxthing t1", SH_LEVEL_READ_ONLY);
	run_as(&r, "rita", "print(select(2, pcall(tula.cli, 'clear lxthing t1')))");
	assert_non_null(strstr(tula_buf_str(&r.out), want));
	free(want);
	lua_result_free(&r);
	run_as(&r, "rita", "print(tula.show('lxpool').name)");
	assert_string_equal(tula_buf_str(&r.out), "web\n");
	lua_result_free(&r);
}

static void module_fields_and_require(void **state)
{
	struct lua_result r;

	(void)state;
	run_ok(&r, "print(tula.user, tula.class, tula.script, type(tula.version))\n"
		   "print(require('tula') == tula, tula.commit_error)");
	assert_string_equal(tula_buf_str(&r.out), "alice\tsuper-user\ttest.lua\tstring\n"
						  "true\tnil\n");
	lua_result_free(&r);
}

static int register_cmds(void **state)
{
	(void)state;
	if (sh_cmd_register(&cmd_pool) < 0 || sh_cmd_register(&cmd_text) < 0 ||
	    sh_cmd_register(&cmd_clear) < 0)
		return -1;
	return 0;
}

static int unregister_cmds(void **state)
{
	(void)state;
	sh_engine_default_free();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
		T(config_set_commit_changes_the_active_configuration),
		T(commit_is_recorded_as_the_scripts_user_and_client),
		T(config_get_returns_tables_values_and_nil),
		T(config_get_shows_uncommitted_changes_and_inactive_marks),
		T(config_get_refuses_a_path_outside_the_schema),
		T(config_set_reports_the_path_and_reason),
		T(config_delete_removes_and_reports_missing),
		T(config_compare_shows_the_difference_with_the_active),
		T(commit_check_commits_nothing),
		T(failed_commit_raises_the_reasons_and_keeps_the_candidate),
		T(commit_confirmed_sets_a_deadline),
		T(rollback_loads_an_old_revision_into_the_candidate),
		T(closed_session_refuses_every_method),
		T(collected_session_is_closed),
		T(to_be_closed_session_is_closed_at_scope_end),
		T(failing_script_closes_its_sessions_and_discards_the_candidate),
		T(killed_script_closes_its_sessions),
		T(unknown_mode_is_refused),
		T(operator_cannot_open_a_configuration_session),
		T(show_converts_a_registered_view_into_tables),
		T(show_of_the_configuration_is_the_active_tree),
		T(show_without_structured_output_is_an_error),
		T(cli_returns_text_and_raises_the_shells_error),
		T(cli_applies_the_callers_login_class),
		T(module_fields_and_require),
#undef T
	};

	return cmocka_run_group_tests(tests, register_cmds, unregister_cmds);
}
