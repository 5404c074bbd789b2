/* SPDX-License-Identifier: BSD-3-Clause */
/* db/db_store.c: the SQLite layer — pragmas, schema version, rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <sqlite3.h>

#include "tests/unit/db/db_test.h"
#include "db/db_int.h"

static const char *pragma(struct db_store *st, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_prepare_v2(st->sql, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	snprintf(buf, size, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return buf;
}

static void open_sets_wal_full_sync_and_schema_version(void **state)
{
	char *dir = tmkdir(), path[4200], reason[256], buf[64];
	struct db_store st;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.db", dir);
	assert_int_equal(db_store_open(&st, path, reason, sizeof(reason)), 0);
	assert_string_equal(pragma(&st, "PRAGMA journal_mode", buf, sizeof(buf)), "wal");
	/* 2 = FULL */
	assert_string_equal(pragma(&st, "PRAGMA synchronous", buf, sizeof(buf)), "2");
	snprintf(reason, sizeof(reason), "%d", DB_STORE_VERSION);
	assert_string_equal(pragma(&st, "PRAGMA user_version", buf, sizeof(buf)), reason);
	db_store_close(&st);
	/* reopening migrates nothing and keeps the version */
	assert_int_equal(db_store_open(&st, path, reason, sizeof(reason)), 0);
	snprintf(reason, sizeof(reason), "%d", DB_STORE_VERSION);
	assert_string_equal(pragma(&st, "PRAGMA user_version", buf, sizeof(buf)), reason);
	db_store_close(&st);
	trmdir(dir);
}

static void a_newer_schema_is_refused(void **state)
{
	char *dir = tmkdir(), path[4200], reason[256];
	struct db_store st;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.db", dir);
	assert_int_equal(db_store_open(&st, path, reason, sizeof(reason)), 0);
	assert_int_equal(sqlite3_exec(st.sql, "PRAGMA user_version = 99", NULL, NULL, NULL),
			 SQLITE_OK);
	db_store_close(&st);
	assert_int_equal(db_store_open(&st, path, reason, sizeof(reason)), -EPROTO);
	assert_non_null(strstr(reason, "schema version 99 is newer"));
	trmdir(dir);
}

static void revisions_are_indexed_newest_first_and_trimmed(void **state)
{
	char *dir = tmkdir(), path[4200], reason[256];
	struct db_store st;
	struct db_store_rev r = {.user = "u", .client = "cli", .text = "x"}, got;
	uint64_t ids[6];
	unsigned count, i;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.db", dir);
	assert_int_equal(db_store_open(&st, path, reason, sizeof(reason)), 0);
	for (i = 0; i < 6; i++) {
		char text[16];

		snprintf(text, sizeof(text), "t%u", i);
		r.text = text;
		r.time = 1000 + i;
		assert_int_equal(db_store_rev_add(&st, &r, &ids[i]), 0);
		if (i > 0)
			assert_true(ids[i] > ids[i - 1]);
	}
	assert_int_equal(db_store_rev_get(&st, 0, &got), 0);
	assert_string_equal(got.text, "t5");
	db_store_rev_clear(&got);
	assert_int_equal(db_store_rev_get(&st, 5, &got), 0);
	assert_string_equal(got.text, "t0");
	db_store_rev_clear(&got);
	assert_int_equal(db_store_rev_get(&st, 6, &got), -ENOENT);
	/* keep 3, but protect the oldest (a pending confirm's way back) */
	assert_int_equal(db_store_rev_trim(&st, 3, ids[0]), 0);
	assert_int_equal(db_store_rev_count(&st, &count), 0);
	assert_int_equal(count, 4);
	assert_int_equal(db_store_rev_by_id(&st, ids[0], &got), 0);
	db_store_rev_clear(&got);
	assert_int_equal(db_store_rev_by_id(&st, ids[1], &got), -ENOENT);
	assert_int_equal(db_store_rev_trim(&st, 3, 0), 0);
	assert_int_equal(db_store_rev_count(&st, &count), 0);
	assert_int_equal(count, 3);
	/* ids are never reused after trimming */
	r.text = "t6";
	assert_int_equal(db_store_rev_add(&st, &r, &ids[0]), 0);
	assert_true(ids[0] > ids[5]);
	r.client = "other";
	assert_int_not_equal(db_store_rev_add(&st, &r, NULL), 0);
	db_store_close(&st);
	trmdir(dir);
}

static void candidates_confirm_rescue_and_stale_rows(void **state)
{
	char *dir = tmkdir(), path[4200], reason[256];
	struct db_store st;
	struct db_store_confirm c = {.id = 7, .restore_id = 6, .deadline = 123, .user = "al"}, g;
	uint64_t base;
	char *text;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.db", dir);
	assert_int_equal(db_store_open(&st, path, reason, sizeof(reason)), 0);
	assert_int_equal(db_store_cand_put(&st, "shared", 5, NULL), 0);
	assert_int_equal(db_store_cand_get(&st, "shared", &base, &text), 0);
	assert_int_equal(base, 5);
	assert_null(text);
	assert_int_equal(db_store_cand_put(&st, "private:3", 5, "abc"), 0);
	assert_int_equal(db_store_cand_get(&st, "private:3", &base, &text), 0);
	assert_string_equal(text, "abc");
	free(text);
	assert_int_equal(db_store_confirm_get(&st, &g), -ENOENT);
	assert_int_equal(db_store_confirm_put(&st, &c), 0);
	assert_int_equal(db_store_confirm_get(&st, &g), 0);
	assert_int_equal(g.restore_id, 6);
	assert_int_equal(g.deadline, 123);
	assert_string_equal(g.user, "al");
	free(g.user);
	assert_int_equal(db_store_confirm_del(&st), 0);
	assert_int_equal(db_store_confirm_get(&st, &g), -ENOENT);
	assert_int_equal(db_store_rescue_get(&st, &text), -ENOENT);
	assert_int_equal(db_store_rescue_put(&st, "r"), 0);
	assert_int_equal(db_store_rescue_get(&st, &text), 0);
	assert_string_equal(text, "r");
	free(text);
	assert_int_equal(db_store_session_put(&st, 1, "al", "cli", "tty", "private", 1, 0), 0);
	/* a restart finds one session and one private candidate left behind */
	assert_int_equal(db_store_clear_stale(&st), 2);
	assert_int_equal(db_store_cand_get(&st, "private:3", &base, &text), -ENOENT);
	assert_int_equal(db_store_cand_get(&st, "shared", &base, &text), 0);
	assert_int_equal(db_store_clear_stale(&st), 0);
	assert_int_equal(db_store_meta_put_u64(&st, "k", 42), 0);
	assert_int_equal(db_store_meta_get_u64(&st, "k", &base), 0);
	assert_int_equal(base, 42);
	assert_int_equal(db_store_meta_get_u64(&st, "nope", &base), -ENOENT);
	db_store_close(&st);
	trmdir(dir);
}

static void a_transaction_rolls_back_as_a_whole(void **state)
{
	char *dir = tmkdir(), path[4200], reason[256];
	struct db_store st;
	struct db_store_rev r = {.user = "u", .client = "cli", .text = "x"};
	unsigned count;

	(void)state;
	snprintf(path, sizeof(path), "%s/c.db", dir);
	assert_int_equal(db_store_open(&st, path, reason, sizeof(reason)), 0);
	assert_int_equal(db_store_begin(&st), 0);
	assert_int_equal(db_store_rev_add(&st, &r, NULL), 0);
	db_store_rollback(&st);
	assert_int_equal(db_store_rev_count(&st, &count), 0);
	assert_int_equal(count, 0);
	db_store_close(&st);
	trmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_sets_wal_full_sync_and_schema_version),
		cmocka_unit_test(a_newer_schema_is_refused),
		cmocka_unit_test(revisions_are_indexed_newest_first_and_trimmed),
		cmocka_unit_test(candidates_confirm_rescue_and_stale_rows),
		cmocka_unit_test(a_transaction_rolls_back_as_a_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
