/* SPDX-License-Identifier: BSD-3-Clause */
#include "bench_util.h"

#include <errno.h> /* program_invocation_short_name */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"

double bench_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_die(const char *what, const struct db_diags *d)
{
	fprintf(stderr, "%s: %s failed\n", program_invocation_short_name, what);
	for (size_t i = 0; d != NULL && i < d->n; i++)
		fprintf(stderr, "  %s: %s\n", d->v[i].path, d->v[i].message);
	exit(1);
}

double bench_sqlite_commit(const char *path, const char *text, int iters)
{
	double *t = calloc((size_t)iters, sizeof(*t)), m;
	sqlite3 *db;
	sqlite3_stmt *s;
	int i;

	if (t == NULL)
		bench_die("calloc", NULL);
	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
			 "CREATE TABLE revision (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT);",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO revision (text) VALUES (?)", -1, &s, NULL) !=
		    SQLITE_OK)
		bench_die("baseline sqlite", NULL);
	for (i = 0; i < iters; i++) {
		double t0 = bench_now_ms();

		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
		if (sqlite3_step(s) != SQLITE_DONE)
			bench_die("baseline insert", NULL);
		sqlite3_reset(s);
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			bench_die("baseline commit", NULL);
		t[i] = bench_now_ms() - t0;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	unlink(path);
	m = bench_median(t, iters);
	free(t);
	return m;
}
