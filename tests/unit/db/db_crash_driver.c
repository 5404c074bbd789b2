/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crash-test driver: commits configurations through exactly the db API the
 * daemon uses (db_open, db_session_open, db_load, db_commit) and reports on
 * stdout, flushed,
 *     try N        before commit N is attempted
 *     ack ID N     after db_commit returned success for it (revision ID)
 * so that a harness killing it with SIGKILL knows which commits were
 * acknowledged. Usage: db_crash_driver DB FIRST COUNT
 * Exit status: 0 after COUNT commits, 1 on any error (reported on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tula_log.h"
#include "db/db.h"
#include "tests/unit/db/crash_conf.h"

static void report(const char *what, const struct db_diags *d)
{
	size_t i;

	fprintf(stderr, "db_crash_driver: %s\n", what);
	for (i = 0; i < d->n; i++)
		fprintf(stderr, "  %s: %s\n", d->v[i].path, d->v[i].message);
}

int main(int argc, char **argv)
{
	struct tula_buf seed = TULA_BUF_INIT, change = TULA_BUF_INIT;
	struct db_open_opts o = {0};
	struct db_open_report rep;
	struct db_diags d = DB_DIAGS_INIT;
	struct db_session *s = NULL;
	struct db *db = NULL;
	unsigned first, count, n;
	int rc = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: db_crash_driver DB FIRST COUNT\n");
		return 2;
	}
	first = (unsigned)strtoul(argv[2], NULL, 10);
	count = (unsigned)strtoul(argv[3], NULL, 10);
	tula_log_set_level(TULA_LOG_WARNING);
	crash_seed(&seed);
	o.path = argv[1];
	o.seed_text = tula_buf_str(&seed);
	if (db_open(&o, &db, &rep) != 0) {
		fprintf(stderr, "db_crash_driver: cannot open %s\n", argv[1]);
		goto out;
	}
	if (rep.source != DB_OPENED && rep.source != DB_CREATED) {
		/* the harness checks integrity itself; a recovery here means damage */
		fprintf(stderr, "db_crash_driver: database was recovered: %s\n", rep.reason);
		goto out;
	}
	if (db_session_open(db, "crash", DB_CLIENT_CLI, "crash test", DB_MODE_SHARED, &s, &d) !=
	    0) {
		report("session", &d);
		goto out;
	}
	for (n = first; n < first + count; n++) {
		struct db_commit_result r;
		char comment[32];
		struct db_commit_opts co = {.comment = comment};

		snprintf(comment, sizeof(comment), "crash %u", n);
		tula_buf_reset(&change);
		crash_change(&change, n);
		if (db_load(s, DB_LOAD_SET, tula_buf_str(&change), NULL, 0, &d) != 0) {
			report("load", &d);
			goto out;
		}
		printf("try %u\n", n);
		fflush(stdout);
		if (db_commit(s, &co, &r, &d) != 0) {
			report("commit", &d);
			goto out;
		}
		printf("ack %llu %u\n", (unsigned long long)r.id, n);
		fflush(stdout);
	}
	rc = 0;
out:
	db_session_close(s);
	db_close(db);
	db_diags_free(&d);
	tula_buf_free(&seed);
	tula_buf_free(&change);
	return rc;
}
