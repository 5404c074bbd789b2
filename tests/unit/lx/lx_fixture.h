/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the lua/ unit tests share: a real configuration database in a temporary
 * directory seeded with one VIP, a scripts directory holding the shipped sample
 * scripts and the test scripts (tests/data/lua), and a helper that runs Lua code as a
 * given user the way `tula lua -e` does.
 */
#ifndef LX_FIXTURE_H
#define LX_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db/db.h"
#include "lua/lx_int.h"

#define SEED                                                           \
	"system {\n"                                                   \
	"    host-name lb1;\n"                                         \
	"    login {\n"                                                \
	"        user alice { class super-user; }\n"                   \
	"        user oscar { class operator; }\n"                     \
	"        user rita { class read-only; }\n"                     \
	"    }\n"                                                      \
	"}\n"                                                          \
	"interfaces {\n"                                               \
	"    port0 {\n"                                                \
	"        device \"net_null0\";\n"                              \
	"        address 10.0.1.10/24;\n"                              \
	"    }\n"                                                      \
	"}\n"                                                          \
	"services {\n"                                                 \
	"    dsr {\n"                                                  \
	"        vip web {\n"                                          \
	"            address 10.0.1.100;\n"                            \
	"            protocol tcp;\n"                                  \
	"            port 80;\n"                                       \
	"            mode l2;\n"                                       \
	"            interface port0;\n"                               \
	"            backend be1 { address 10.0.1.11; weight 100; }\n" \
	"            backend be2 { address 10.0.1.12; }\n"             \
	"        }\n"                                                  \
	"    }\n"                                                      \
	"}\n"

struct fixture {
	char dir[64];
	char scripts[96];
	struct db *db;
	struct lx lx;
};

static struct fixture fx;

static void copy_dir_lua(const char *from, const char *to)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cp %s/*.lua %s/", from, to);
	if (system(cmd) != 0)
		fail_msg("cannot copy %s", from);
}

/* A fresh database (opened, not activated) and scripts directory. */
static int fx_open(void)
{
	struct db_open_opts o = {0};
	char path[128];

	memset(&fx, 0, sizeof(fx));
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/lx-test-XXXXXX");
	if (mkdtemp(fx.dir) == NULL)
		return -1;
	snprintf(fx.scripts, sizeof(fx.scripts), "%s/scripts", fx.dir);
	mkdir(fx.scripts, 0755);
	copy_dir_lua(LX_SAMPLES_DIR, fx.scripts);
	copy_dir_lua(LX_TESTDATA_DIR, fx.scripts);
	snprintf(path, sizeof(path), "%s/config.db", fx.dir);
	o.path = path;
	o.seed_text = SEED;
	o.seed_user = "alice";
	if (db_open(&o, &fx.db, NULL) < 0)
		return -1;
	return 0;
}

static int fx_activate(void)
{
	struct db_diags d = DB_DIAGS_INIT;

	if (db_activate(fx.db, &d) < 0) {
		fprintf(stderr, "activate: %s\n", d.n ? d.v[0].message : "?");
		db_diags_free(&d);
		return -1;
	}
	db_diags_free(&d);
	return 0;
}

/* A fresh database and scripts directory for each test, with the commit hook. */
static __attribute__((unused)) int fx_setup(void **state)
{
	(void)state;
	if (fx_open() < 0)
		return -1;
	fx.lx.db = fx.db;
	fx.lx.scripts_dir = fx.scripts;
	fx.lx.limits = (struct lx_limits){16u << 20, 20000000u, 5000u};
	if (lx_commit_register(&fx.lx) < 0)
		return -1;
	return fx_activate();
}

static __attribute__((unused)) void fx_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fx.dir);
}

static __attribute__((unused)) int fx_teardown(void **state)
{
	char cmd[128];

	(void)state;
	lx_commit_unregister(&fx.lx);
	db_close(fx.db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx.dir);
	return system(cmd) == 0 ? 0 : -1;
}

struct lua_result {
	int rc;
	struct tula_buf out;
	struct tula_buf err;
};

static void lua_result_free(struct lua_result *r)
{
	tula_buf_free(&r->out);
	tula_buf_free(&r->err);
}

/* Run code as user (with that user's login class) and collect output and error. */
static void run_as(struct lua_result *r, const char *user, const char *code)
{
	enum sh_level level;
	struct lx_run run;
	char why[256];

	memset(r, 0, sizeof(*r));
	/* the class rule of every entry: a user absent from system login is refused */
	r->rc = lx_user_level(&fx.lx, user, &level, why, sizeof(why));
	if (r->rc < 0) {
		tula_buf_puts(&r->err, why);
		return;
	}
	r->rc = lx_run_init(&run, &fx.lx, user, level, "test.lua", LX_API_OPER, NULL, &r->err);
	if (r->rc == 0)
		r->rc = lx_run_exec(&run, NULL, code, strlen(code), "test.lua", NULL, NULL,
				    &r->err);
	tula_buf_add(&r->out, run.out.data != NULL ? run.out.data : "", run.out.len);
	lx_run_fini(&run);
}

/* Run code as alice (super-user); fail the test unless it succeeds. Returns output. */
static __attribute__((unused)) void run_ok(struct lua_result *r, const char *code)
{
	run_as(r, "alice", code);
	if (r->rc != 0)
		fail_msg("script failed (%d): %s\n--- code:\n%s", r->rc, tula_buf_str(&r->err),
			 code);
}

/* Run code as alice; fail the test unless it fails with an error containing msg. */
static __attribute__((unused)) void run_fails(const char *code, const char *msg)
{
	struct lua_result r;

	run_as(&r, "alice", code);
	if (r.rc == 0 || strstr(tula_buf_str(&r.err), msg) == NULL)
		fail_msg("want an error containing '%s', got %d '%s'\n--- code:\n%s", msg, r.rc,
			 tula_buf_str(&r.err), code);
	lua_result_free(&r);
}

/* Open a C-side session, apply set-style lines, commit. Returns db_commit's result. */
static __attribute__((unused)) int commit_lines(const char *lines, struct db_diags *d)
{
	struct db_session *s = NULL;
	int rc;

	rc = db_session_open(fx.db, "alice", DB_CLIENT_CLI, "test", DB_MODE_PRIVATE, &s, d);
	if (rc < 0)
		return rc;
	rc = db_load(s, DB_LOAD_SET, lines, NULL, 0, d);
	if (rc == 0)
		rc = db_commit(s, NULL, NULL, d);
	db_session_close(s);
	return rc;
}

/* The diagnostics of one level joined as "PATH: MESSAGE" lines. */
static __attribute__((unused)) const char *diags_str(const struct db_diags *d,
						     enum db_diag_level level)
{
	static char buf[4096];
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < d->n; i++)
		if (d->v[i].level == level)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s: %s\n",
						d->v[i].path, d->v[i].message);
	return buf;
}

/* A leaf's value in the active configuration (inactive included), or NULL. */
static __attribute__((unused)) const char *active_value(const char *path)
{
	const struct db_node *n = db_node_get(db_active(fx.db), path);

	return n != NULL ? db_node_value(n) : NULL;
}

static int count_sessions_fn(void *arg, const struct db_session_info *i)
{
	(void)i;
	(*(int *)arg)++;
	return 0;
}

static __attribute__((unused)) int open_sessions(void)
{
	int n = 0;

	db_status(fx.db, count_sessions_fn, &n);
	return n;
}

#endif
