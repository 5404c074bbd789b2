/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commit latency of the configuration database (validate + store, no hooks)
 * for 1, 100 and 10 000 VIPs, next to a baseline measured in the same run: a
 * bare SQLite transaction (same pragmas: WAL, synchronous=FULL) inserting the
 * same configuration text. The ratio says what the commit model costs on top
 * of making the text durable.
 *
 * Each iteration changes one statement and commits; `commit check` (validate
 * only, nothing stored) is timed separately.
 *
 * Usage: bench_db_commit [DIR]   (DIR for the database files, default /tmp)
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/tula_log.h"
#include "db/db.h"

#include "bench_util.h"

/* A configuration with n VIPs of two backends each, all on one /8. */
static void config(struct tula_buf *b, int n)
{
	int i;

	tula_buf_puts(b, "system { host-name bench; }\n"
			 "interfaces { port0 { device \"net_null0\"; address 10.0.0.1/8; } }\n"
			 "services { dsr {\n");
	for (i = 0; i < n; i++)
		tula_buf_printf(b,
				"vip v%d { address 10.1.%d.%d; protocol tcp; port 80; "
				"backend a { address 10.2.%d.%d; } "
				"backend b { address 10.3.%d.%d; weight 50; } "
				"health-check { type http; http-path /health; } }\n",
				i, i / 250, i % 250 + 1, i / 250, i % 250 + 1, i / 250,
				i % 250 + 1);
	tula_buf_puts(b, "} }\n");
}

static void run(const char *dir, int vips, int iters)
{
	struct tula_buf text = TULA_BUF_INIT, line = TULA_BUF_INIT, path = TULA_BUF_INIT;
	struct db_open_opts o = {0};
	struct db_diags d = DB_DIAGS_INIT;
	struct db_session *s;
	struct db *db;
	double *tc = calloc((size_t)iters, sizeof(double));
	double *tk = calloc((size_t)iters, sizeof(double));
	double open_ms, commit, check, base;
	struct db_commit_opts chk = {.check = 1};
	char *stored;
	int i;

	config(&text, vips);
	tula_buf_printf(&path, "%s/bench-db-%d.db", dir, vips);
	unlink(tula_buf_str(&path));
	o.path = tula_buf_str(&path);
	o.seed_text = tula_buf_str(&text);
	open_ms = bench_now_ms();
	if (db_open(&o, &db, NULL) != 0)
		bench_die("db_open", NULL);
	open_ms = bench_now_ms() - open_ms;
	if (db_session_open(db, "bench", DB_CLIENT_CLI, "bench", DB_MODE_SHARED, &s, &d) != 0)
		bench_die("session", &d);
	/* the stored text, as the baseline writes it */
	{
		struct tula_buf canon = TULA_BUF_INIT;

		db_render(db_active(db), DB_FMT_BRACES, 0, &canon);
		stored = tula_buf_steal(&canon);
	}
	for (i = 0; i < iters; i++) {
		double t0;

		tula_buf_reset(&line);
		tula_buf_printf(&line, "set services dsr vip v0 description \"iteration %d\"", i);
		if (db_exec(s, tula_buf_str(&line), &d) != 0)
			bench_die("edit", &d);
		t0 = bench_now_ms();
		if (db_commit(s, &chk, NULL, &d) != 0)
			bench_die("commit check", &d);
		tk[i] = bench_now_ms() - t0;
		t0 = bench_now_ms();
		if (db_commit(s, NULL, NULL, &d) != 0)
			bench_die("commit", &d);
		tc[i] = bench_now_ms() - t0;
	}
	commit = bench_median(tc, iters);
	check = bench_median(tk, iters);
	db_session_close(s);
	db_close(db);
	tula_buf_reset(&path);
	tula_buf_printf(&path, "%s/bench-sqlite-%d.db", dir, vips);
	base = bench_sqlite_commit(tula_buf_str(&path), stored, iters);
	printf("%6d %9.1f %9.1f %11.3f %11.3f %13.3f %8.1fx\n", vips,
	       (double)strlen(stored) / 1024.0, open_ms, check, commit, base, commit / base);
	fflush(stdout);
	unlink(tula_buf_str(&path));
	tula_buf_reset(&path);
	tula_buf_printf(&path, "%s/bench-db-%d.db", dir, vips);
	unlink(tula_buf_str(&path));
	tula_buf_printf(&path, ".lock");
	unlink(tula_buf_str(&path));
	free(stored);
	free(tc);
	free(tk);
	db_diags_free(&d);
	tula_buf_free(&text);
	tula_buf_free(&line);
	tula_buf_free(&path);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";

	tula_log_set_level(TULA_LOG_WARNING);
	printf("db commit latency (validate + store, no hooks), medians; baseline = bare SQLite\n"
	       "transaction (WAL, synchronous=FULL) inserting the same text, same run\n\n");
	printf("%6s %9s %9s %11s %11s %13s %9s\n", "VIPs", "text KiB", "open ms", "check ms",
	       "commit ms", "baseline ms", "ratio");
	run(dir, 1, 200);
	run(dir, 100, 100);
	run(dir, 10000, 15);
	return 0;
}
