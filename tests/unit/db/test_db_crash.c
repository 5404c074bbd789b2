/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Crash test: SIGKILL the commit driver (db_crash_driver, which uses the db API
 * exactly as the daemon does) at random moments until 200 commits have been
 * acknowledged. After every kill, before anything reopens the database through
 * db_open (which would move a damaged file aside and hide the damage):
 *   - PRAGMA integrity_check is "ok";
 *   - the active revision's text is exactly the configuration of the last
 *     acknowledged commit or of the one in flight when the kill came;
 *   - every acknowledged revision still inside the history window is present
 *     with exactly the text of its commit (no acknowledged commit is lost).
 * The random seed is printed; TULA_CRASH_SEED=N replays a run.
 * argv[1]: the driver's path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <time.h>

#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "tests/unit/db/crash_conf.h"
#include "tests/unit/db/db_test.h"

#define TARGET_ACKS 200
#define MAX_ACKS    4096

static const char *driver;

struct ack {
	uint64_t id;
	unsigned n;
};

struct run {
	struct ack acks[MAX_ACKS];
	unsigned nacks;
	unsigned next; /* first commit number for the next driver */
	int inflight;  /* commit number tried but not acknowledged, or -1 */
	/* commits tried since the last acknowledgement (across kills): any of
	 * them may have become durable without its ack reaching us */
	unsigned unacked[64];
	unsigned nunacked;
	unsigned kills;
	double commit_ms; /* moving average of try -> ack */
	uint64_t try_at;
	unsigned in_commit; /* kills that landed between try and ack */
	char line[256];
	size_t llen;
};

/* The exact text of the revision commit n records (n = 0: the seed), cached:
 * the checks after each kill compare up to CRASH_HISTORY revisions. */
#define MAX_N 8192
static char *expected_cache[MAX_N];

static char *render_expected(unsigned n);

static const char *expected_text(unsigned n)
{
	assert_true(n < MAX_N);
	if (expected_cache[n] == NULL)
		expected_cache[n] = render_expected(n);
	return expected_cache[n];
}

static char *render_expected(unsigned n)
{
	struct tula_buf seed = TULA_BUF_INIT, change = TULA_BUF_INIT;
	struct db_node *t;
	char *s;

	crash_seed(&seed);
	t = tparse(tula_buf_str(&seed));
	if (n > 0) {
		crash_change(&change, n);
		texec(t, tula_buf_str(&change));
	}
	s = trender(t, DB_FMT_BRACES, 0);
	db_tree_free(t);
	tula_buf_free(&seed);
	tula_buf_free(&change);
	return s;
}

static void parse_line(struct run *r, const char *line)
{
	unsigned long long id;
	unsigned n;

	if (sscanf(line, "try %u", &n) == 1) {
		r->try_at = tula_now_ms();
		r->inflight = (int)n;
		assert_true(r->nunacked < 64);
		r->unacked[r->nunacked++] = n;
		if (n + 1 > r->next)
			r->next = n + 1;
	} else if (sscanf(line, "ack %llu %u", &id, &n) == 2) {
		assert_int_equal(r->inflight, (int)n);
		assert_true(r->nacks < MAX_ACKS);
		if (r->nacks > 0)
			assert_true(id > r->acks[r->nacks - 1].id);
		r->acks[r->nacks].id = id;
		r->acks[r->nacks].n = n;
		r->nacks++;
		r->commit_ms = 0.8 * r->commit_ms + 0.2 * (double)(tula_now_ms() - r->try_at);
		r->inflight = -1;
		r->nunacked = 0;
	} else {
		fail_msg("driver said: %s", line);
	}
}

static void feed(struct run *r, const char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			r->line[r->llen] = '\0';
			parse_line(r, r->line);
			r->llen = 0;
		} else if (r->llen + 1 < sizeof(r->line)) {
			r->line[r->llen++] = buf[i];
		}
	}
}

static unsigned host_number(const char *text)
{
	const char *h = strstr(text, "host-name h");
	unsigned n;

	assert_non_null(h);
	assert_int_equal(sscanf(h, "host-name h%u;", &n), 1);
	return n;
}

static void check_store(const char *path, const struct run *r)
{
	sqlite3 *raw;
	sqlite3_stmt *s;
	uint64_t max_id;
	unsigned n, i, last = r->nacks ? r->acks[r->nacks - 1].n : 0;
	const char *want;

	if (access(path, F_OK) != 0) {
		/* killed before the database file was created */
		assert_int_equal(r->nacks, 0);
		return;
	}
	assert_int_equal(sqlite3_open_v2(path, &raw, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(raw, "PRAGMA integrity_check", -1, &s, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
	sqlite3_finalize(s);

	/* the active configuration is exactly one committed revision */
	if (sqlite3_prepare_v2(raw, "SELECT id, text FROM revision ORDER BY id DESC LIMIT 1", -1,
			       &s, NULL) != SQLITE_OK ||
	    sqlite3_step(s) != SQLITE_ROW) {
		/* killed while the first start created the schema or the seed */
		assert_int_equal(r->nacks, 0);
		sqlite3_finalize(s);
		sqlite3_close(raw);
		return;
	}
	max_id = (uint64_t)sqlite3_column_int64(s, 0);
	n = host_number((const char *)sqlite3_column_text(s, 1));
	if (n != last) {
		int ok = 0;

		for (i = 0; i < r->nunacked; i++)
			ok |= r->unacked[i] == n;
		if (!ok)
			fail_msg("active is commit %u; last acknowledged %u, %u tried since", n,
				 last, r->nunacked);
	}
	want = expected_text(n);
	assert_string_equal((const char *)sqlite3_column_text(s, 1), want);
	sqlite3_finalize(s);
	if (r->nacks > 0)
		assert_true(max_id >= r->acks[r->nacks - 1].id);

	/* every acknowledged revision inside the history window is there, intact */
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT text, comment FROM revision WHERE id = ?",
					    -1, &s, NULL),
			 SQLITE_OK);
	for (i = 0; i < r->nacks; i++) {
		const struct ack *a = &r->acks[i];
		char comment[32];

		if (a->id + CRASH_HISTORY <= max_id)
			continue; /* trimmed by design */
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, (sqlite3_int64)a->id);
		if (sqlite3_step(s) != SQLITE_ROW)
			fail_msg("acknowledged revision %llu (commit %u) is lost",
				 (unsigned long long)a->id, a->n);
		want = expected_text(a->n);
		assert_string_equal((const char *)sqlite3_column_text(s, 0), want);
		snprintf(comment, sizeof(comment), "crash %u", a->n);
		assert_string_equal((const char *)sqlite3_column_text(s, 1), comment);
	}
	sqlite3_finalize(s);
	sqlite3_close(raw);
}

static void sigkill_during_200_commits_loses_no_acknowledged_commit(void **state)
{
	struct run *r = calloc(1, sizeof(*r));
	char *dir = tmkdir(), path[4200];
	const char *env = getenv("TULA_CRASH_SEED");
	unsigned seed = env ? (unsigned)strtoul(env, NULL, 10)
			    : (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
	uint64_t started = tula_now_ms();

	(void)state;
	assert_non_null(driver);
	printf("crash test: seed %u (TULA_CRASH_SEED=%u replays it)\n", seed, seed);
	srand(seed);
	snprintf(path, sizeof(path), "%s/config.db", dir);
	r->next = 1;
	r->inflight = -1;
	r->commit_ms = 3;
	while (r->nacks < TARGET_ACKS) {
		int fds[2], status;
		pid_t pid;
		char first[16], count[16], buf[512];
		/*
		 * One life in eight is timed from the spawn, so some kills land in
		 * start-up (open, integrity check, seeding); the others from the
		 * first commit attempt, so most kills land among commits.
		 */
		int at_startup = rand() % 8 == 0;
		/*
		 * About three commits' worth, measured (ASan builds are much slower),
		 * and longer after each life that ended without an acknowledgement: on a
		 * loaded machine a commit can take far longer than the average, and the
		 * kills must not keep landing before every ack.
		 */
		int span = ((int)(3 * r->commit_ms) + 2) * (int)(1 + r->nunacked);
		int life_ms = at_startup ? rand() % 60 : rand() % span;
		unsigned before = r->nacks + r->nunacked;
		uint64_t deadline;
		ssize_t n;

		assert_int_equal(pipe(fds), 0);
		snprintf(first, sizeof(first), "%u", r->next);
		snprintf(count, sizeof(count), "%u", 100000u);
		fflush(stdout);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			dup2(fds[1], 1);
			close(fds[0]);
			close(fds[1]);
			execl(driver, driver, path, first, count, (char *)NULL);
			_exit(127);
		}
		close(fds[1]);
		r->inflight = -1;
		r->llen = 0;
		deadline = tula_now_ms() + (uint64_t)(at_startup ? life_ms : 5000);
		for (;;) {
			struct pollfd p = {.fd = fds[0], .events = POLLIN};
			int64_t left = (int64_t)(deadline - tula_now_ms());

			if (left <= 0)
				break;
			if (poll(&p, 1, (int)left) <= 0)
				break;
			n = read(fds[0], buf, sizeof(buf));
			if (n <= 0)
				break;
			feed(r, buf, (size_t)n);
			if (!at_startup && r->nacks + r->nunacked > before &&
			    deadline > tula_now_ms() + (uint64_t)life_ms)
				deadline = tula_now_ms() + (uint64_t)life_ms;
		}
		kill(pid, SIGKILL);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		/* what it wrote before dying was said after the commit returned */
		while ((n = read(fds[0], buf, sizeof(buf))) > 0)
			feed(r, buf, (size_t)n);
		close(fds[0]);
		if (WIFEXITED(status))
			fail_msg("driver exited by itself with status %d", WEXITSTATUS(status));
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		r->kills++;
		r->in_commit += r->inflight >= 0;
		check_store(path, r);
	}
	printf("crash test: %u commits acknowledged, %u kills (%u inside a commit), "
	       "%.1f ms per commit, %.1f s\n",
	       r->nacks, r->kills, r->in_commit, r->commit_ms,
	       (double)(tula_now_ms() - started) / 1000.0);
	/* the test must actually have hit commits in progress */
	assert_true(r->in_commit > 0);
	trmdir(dir);
	free(r);
	for (seed = 0; seed < MAX_N; seed++)
		free(expected_cache[seed]);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sigkill_during_200_commits_loses_no_acknowledged_commit),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test_db_crash DRIVER\n");
		return 2;
	}
	driver = argv[1];
	tula_log_set_level(TULA_LOG_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
