/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tula lua` and `op` end to end in one process: the real CLI server on an event loop
 * with lx_init's registrations, and the real clients (lx_client_main, sh_client_main)
 * in forked children talking to it over the UNIX socket, as `tula lua` and `tula cli`
 * would. Checks what the caller sees: stdout, stderr, the exit status, and the
 * committed configuration.
 */
#include "lx_fixture.h"

#include "common/tula_loop.h"
#include "shell/sh_server.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>

static struct tula_loop *loop;
static char sock[128];

struct proc {
	int status; /* exit code */
	char out[65536];
	char err[65536];
};

static void slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f == NULL)
		return;
	n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Run a client (argv[0] "lua" or "cli") in a child while this process serves it. */
static void client(struct proc *p, const char *const *argv)
{
	char out[160], err[160];
	int argc = 0, st = 0;
	pid_t pid;

	while (argv[argc] != NULL)
		argc++;
	snprintf(out, sizeof(out), "%s/child.out", fx.dir);
	snprintf(err, sizeof(err), "%s/child.err", fx.dir);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(in, 0);
		dup2(o, 1);
		dup2(e, 2);
		if (strcmp(argv[0], "lua") == 0)
			_exit(lx_client_main(argc, (char **)argv));
		_exit(sh_client_main(argc, (char **)argv));
	}
	while (waitpid(pid, &st, WNOHANG) == 0)
		tula_loop_run_once(loop, 10);
	p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	slurp(out, p->out, sizeof(p->out));
	slurp(err, p->err, sizeof(p->err));
}

static void lua_e(struct proc *p, const char *code)
{
	const char *argv[] = {"lua", "--socket", sock, "-e", code, NULL};

	client(p, argv);
}

static void cli_c(struct proc *p, const char *cmd)
{
	const char *argv[] = {"cli", "--socket", sock, "-c", cmd, NULL};

	client(p, argv);
}

static int server_setup(void **state)
{
	const struct lx_limits lim = {16u << 20, 20000000u, 5000u};
	struct sh_server_opts so = {0};
	struct lx_opts lo = {0};
	char why[256];

	(void)state;
	if (fx_open() < 0)
		return -1;
	loop = tula_loop_new();
	lo.db = fx.db;
	lo.loop = loop;
	lo.scripts_dir = fx.scripts;
	lo.limits = &lim;
	if (lx_init(&lo) < 0)
		return -1;
	if (fx_activate() < 0)
		return -1;
	snprintf(sock, sizeof(sock), "%s/cli.sock", fx.dir);
	so.socket_path = sock;
	so.group = getgrgid(getegid()) != NULL ? getgrgid(getegid())->gr_name : NULL;
	so.scripts_dir = fx.scripts;
	if (sh_server_start(loop, fx.db, &so, why, sizeof(why)) < 0) {
		fprintf(stderr, "server: %s\n", why);
		return -1;
	}
	return 0;
}

static int server_teardown(void **state)
{
	(void)state;
	lx_fini();
	sh_server_stop();
	db_close(fx.db);
	tula_loop_free(loop);
	fx_remove();
	return 0;
}

/* --- tula lua ---------------------------------------------------------------------- */

static void lua_e_prints_to_stdout_and_exits_zero(void **state)
{
	const char *argv[] = {"lua", "--socket", sock, "-e", "print('hi', arg[0], #arg, ...)",
			      "a",   "b c",	 NULL};
	struct proc p;

	(void)state;
	client(&p, argv);
	assert_int_equal(p.status, 0);
	assert_string_equal(p.out, "hi\t(command line)\t2\ta\tb c\n");
	assert_string_equal(p.err, "");
}

static void lua_file_is_read_by_the_client_and_named_in_errors(void **state)
{
	char path[160];
	const char *argv[] = {"lua", "--socket", sock, path, "x", NULL};
	struct proc p;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/mine.lua", fx.dir); /* not in the scripts dir */
	f = fopen(path, "w");
	fputs("print('args', ...)\nprint(arg[0])\nerror('stop here')\n", f);
	fclose(f);
	client(&p, argv);
	assert_int_equal(p.status, 1);
	assert_string_equal(p.out, "args\tx\nmine.lua\n");
	assert_string_equal(p.err, "error: mine.lua:3: stop here\n");
}

static void lua_syntax_error_fails(void **state)
{
	struct proc p;

	(void)state;
	lua_e(&p, "print(");
	assert_int_equal(p.status, 1);
	assert_non_null(strstr(p.err, "error: (command line):1: unexpected symbol near <eof>"));
}

static void lua_runs_with_the_callers_login_class(void **state)
{
	struct proc p;

	(void)state;
	/* this process's own uid is served as super-user (as root would be) */
	lua_e(&p, "print(tula.user ~= '', tula.class) print(tula.show('version').version)");
	assert_int_equal(p.status, 0);
	assert_string_equal(p.out, "true\tsuper-user\n" TULA_VERSION "\n");
}

static void lua_without_daemon_exits_3(void **state)
{
	const char *argv[] = {"lua", "--socket", "/nonexistent/cli.sock", "-e", "print(1)", NULL};
	struct proc p;

	(void)state;
	client(&p, argv);
	assert_int_equal(p.status, 3);
	assert_non_null(strstr(p.err, "tula lua: cannot connect to /nonexistent/cli.sock"));
	assert_non_null(strstr(p.err, "is tula running?"));
}

static void lua_usage_errors_exit_2(void **state)
{
	const char *none[] = {"lua", NULL};
	const char *missing[] = {"lua", "--socket", sock, "/nonexistent/x.lua", NULL};
	struct proc p;

	(void)state;
	client(&p, none);
	assert_int_equal(p.status, 2);
	assert_non_null(strstr(p.err, "Usage: tula lua"));
	client(&p, missing);
	assert_int_equal(p.status, 2);
	assert_non_null(strstr(p.err, "cannot read /nonexistent/x.lua"));
}

static void killed_script_leaves_the_daemon_serving(void **state)
{
	struct proc p;

	(void)state;
	lua_e(&p, "while true do pcall(function() while true do end end) end");
	assert_int_equal(p.status, 1);
	assert_non_null(strstr(p.err, "error: (command line):1: script killed: instruction "
				      "budget exceeded"));
	cli_c(&p, "show version");
	assert_int_equal(p.status, 0);
	assert_non_null(strstr(p.out, TULA_VERSION));
}

/* --- op ----------------------------------------------------------------------------- */

static void op_drain_sets_weight_zero_and_commits(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct proc p;

	(void)state;
	assert_int_equal(commit_lines("set system scripts op file drain.lua\n", &d), 0);
	cli_c(&p, "op drain vip web backend be1");
	assert_int_equal(p.status, 0);
	assert_string_equal(p.out, "backend be1 of VIP web: weight 100 -> 0 (committed, "
				   "revision id 3)\n");
	assert_string_equal(active_value("services dsr vip web backend be1 weight"), "0");
	assert_string_equal(active_value("services dsr vip web backend be2 address"), "10.0.1.12");
	/* again: nothing to do */
	cli_c(&p, "op drain vip web backend be1");
	assert_int_equal(p.status, 0);
	assert_non_null(strstr(p.out, "already has weight 0: nothing to commit"));
	/* and back */
	cli_c(&p, "op drain.lua vip web backend be1 weight 100");
	assert_int_equal(p.status, 0);
	assert_string_equal(active_value("services dsr vip web backend be1 weight"), "100");
	db_diags_free(&d);
}

static void op_errors_reach_the_operator(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct proc p;

	(void)state;
	cli_c(&p, "op drain vip web backend be1");
	assert_int_equal(p.status, 1);
	assert_non_null(strstr(p.err, "op script 'drain' is not configured (set system scripts "
				      "op file drain.lua)"));
	assert_int_equal(commit_lines("set system scripts op file drain.lua\n", &d), 0);
	cli_c(&p, "op drain vip web backend be9");
	assert_int_equal(p.status, 1);
	assert_non_null(strstr(p.err, "op drain: VIP web has no backend be9"));
	cli_c(&p, "op drain vip web backend");
	assert_int_equal(p.status, 1);
	assert_non_null(strstr(p.err, "argument 'backend' needs a value"));
	cli_c(&p, "op drain vip web");
	assert_int_equal(p.status, 1);
	assert_non_null(strstr(p.err, "usage: op drain vip NAME backend NAME"));
	assert_string_equal(active_value("services dsr vip web backend be1 weight"), "100");
	db_diags_free(&d);
}

static void op_script_names_complete(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct proc p;

	(void)state;
	assert_int_equal(commit_lines("set system scripts op file drain.lua\n", &d), 0);
	cli_c(&p, "op ?");
	assert_int_equal(p.status, 0);
	assert_non_null(strstr(p.out, "drain"));
	assert_non_null(strstr(p.out, "Op script drain.lua"));
	db_diags_free(&d);
}

static void op_from_a_script_runs_as_that_scripts_user(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct proc p;

	(void)state;
	assert_int_equal(commit_lines("set system scripts op file drain.lua\n", &d), 0);
	lua_e(&p, "io = nil print(tula.cli('op drain vip web backend be2'))");
	assert_int_equal(p.status, 0);
	assert_non_null(strstr(p.out, "backend be2 of VIP web: weight 100 -> 0"));
	assert_string_equal(active_value("services dsr vip web backend be2 weight"), "0");
	db_diags_free(&d);
}

static void op_scripts_running_themselves_stop_at_the_nesting_limit(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct proc p;

	(void)state;
	assert_int_equal(commit_lines("set system scripts op file recurse.lua\n", &d), 0);
	cli_c(&p, "op recurse");
	assert_int_equal(p.status, 1);
	assert_non_null(strstr(p.err, "recurse.lua: scripts nested too deeply (at most 4 runs at "
				      "once)"));
	/* and the daemon is fine afterwards */
	cli_c(&p, "show version");
	assert_int_equal(p.status, 0);
	db_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, server_setup, server_teardown)
		T(lua_e_prints_to_stdout_and_exits_zero),
		T(lua_file_is_read_by_the_client_and_named_in_errors),
		T(lua_syntax_error_fails),
		T(lua_runs_with_the_callers_login_class),
		T(lua_without_daemon_exits_3),
		T(lua_usage_errors_exit_2),
		T(killed_script_leaves_the_daemon_serving),
		T(op_drain_sets_weight_zero_and_commits),
		T(op_errors_reach_the_operator),
		T(op_script_names_complete),
		T(op_from_a_script_runs_as_that_scripts_user),
		T(op_scripts_running_themselves_stop_at_the_nesting_limit),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
