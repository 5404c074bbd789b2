/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tula_log: what stderr carries with and without the journal (JOURNAL_STREAM), the
 * module of each line, the ring walk, and reopening the log file (SIGHUP).
 *
 * stderr is pointed at a scratch file for each check; the log's state is global, so
 * each test sets what it relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/tula_log.h"

static char dir[] = "/tmp/test_tula_log.XXXXXX";
static int saved_stderr = -1;

/* Point fd 2 at a fresh file (path filled); returns its "dev:inode". */
static void capture_stderr(const char *name, char *path, size_t n, char *devino, size_t m)
{
	struct stat st;
	FILE *f;

	snprintf(path, n, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fflush(stderr);
	assert_int_equal(dup2(fileno(f), STDERR_FILENO), STDERR_FILENO);
	fclose(f);
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(devino, m, "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
}

static void read_file(const char *path, char *buf, size_t n)
{
	FILE *f;
	size_t len;

	fflush(stderr);
	f = fopen(path, "r");
	assert_non_null(f);
	len = fread(buf, 1, n - 1, f);
	buf[len] = '\0';
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	saved_stderr = dup(STDERR_FILENO);
	return saved_stderr < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void journal_stream_of_stderr_gets_priority_prefixes_and_no_timestamp(void **state)
{
	char path[256], devino[64], out[1024];

	(void)state;
	capture_stderr("journal", path, sizeof(path), devino, sizeof(devino));
	setenv("JOURNAL_STREAM", devino, 1);
	tula_log_set_stderr(1);
	assert_int_equal(tula_log_stderr_is_journal(), 1);
	TLOG_WARNING("health: VIP web backend be2 is down");
	TLOG_ERR("db: cannot write");
	TLOG_NOTICE("started");
	TLOG_INFO("cli: session 1 logged in");
	read_file(path, out, sizeof(out));
	assert_string_equal(out, "<4>health: VIP web backend be2 is down\n"
				 "<3>db: cannot write\n"
				 "<5>started\n"
				 "<6>cli: session 1 logged in\n");
	unsetenv("JOURNAL_STREAM");
}

static void inherited_journal_stream_of_another_file_keeps_the_plain_format(void **state)
{
	char path[256], devino[64], other[64], out[1024];

	(void)state;
	/* a child whose stderr was redirected: the variable names the journal's socket,
	 * stderr is something else */
	capture_stderr("first", path, sizeof(path), other, sizeof(other));
	capture_stderr("plain", path, sizeof(path), devino, sizeof(devino));
	setenv("JOURNAL_STREAM", other, 1);
	tula_log_set_stderr(1);
	assert_int_equal(tula_log_stderr_is_journal(), 0);
	TLOG_WARNING("health: VIP web backend be2 is down");
	read_file(path, out, sizeof(out));
	/* "YYYY-mm-dd HH:MM:SS tula[warning]: ..." */
	assert_int_equal(strlen(out),
			 20 + strlen("tula[warning]: health: VIP web backend be2 is down\n"));
	assert_true(out[4] == '-' && out[7] == '-' && out[10] == ' ' && out[13] == ':');
	assert_string_equal(out + 20, "tula[warning]: health: VIP web backend be2 is down\n");

	setenv("JOURNAL_STREAM", "garbage", 1);
	tula_log_set_stderr(1);
	assert_int_equal(tula_log_stderr_is_journal(), 0);
	unsetenv("JOURNAL_STREAM");
	tula_log_set_stderr(1);
	assert_int_equal(tula_log_stderr_is_journal(), 0);
}

#define WALK_MAX 64

struct walked {
	size_t n;
	char module[WALK_MAX][16];
	char msg[WALK_MAX][64];
};

static void walk(void *arg, const char *ts, enum tula_log_level level, const char *module,
		 const char *msg)
{
	struct walked *w = arg;

	(void)ts;
	(void)level;
	if (w->n < WALK_MAX) {
		snprintf(w->module[w->n], sizeof(w->module[0]), "%s", module);
		snprintf(w->msg[w->n], sizeof(w->msg[0]), "%s", msg);
	}
	w->n++;
}

static void each_line_carries_the_module_its_prefix_names(void **state)
{
	static const char *const want[][2] = {
		{"dpdk: EAL: probing", "dpdk"},
		{"db: revision 2 committed", "db"},
		{"cli: session 3 logged in", "cli"},
		{"console: cannot wake", "cli"},
		{"shell: cannot declare", "cli"},
		{"health: be1 is down", "health"},
		{"bgp: VIP web (10.0.1.100/32) withdrawn: drained", "bgp"},
		{"bird: <INFO> Started", "bgp"},
		{"commit script check.lua: fine", "lua"},
		{"port 0: net_af_packet0 opened", "system"},
		{"dbx: not a module prefix", "system"},
	};
	const size_t n = sizeof(want) / sizeof(want[0]);
	char path[256], devino[64];
	struct walked *w = calloc(1, sizeof(*w));
	size_t i, j, base, total;

	(void)state;
	assert_non_null(w);
	capture_stderr("modules", path, sizeof(path), devino, sizeof(devino));
	tula_log_set_stderr(1);
	for (i = 0; i < n; i++)
		tula_log(TULA_LOG_INFO, "%s", want[i][0]);
	total = tula_log_walk(walk, w);
	assert_int_equal(total, w->n);
	assert_true(w->n >= n && w->n <= WALK_MAX);
	base = w->n - n; /* our lines are the newest */
	for (i = 0; i < n; i++) {
		assert_string_equal(w->msg[base + i], want[i][0]);
		assert_string_equal(w->module[base + i], want[i][1]);
		for (j = 0; tula_log_module_names[j] != NULL; j++)
			if (strcmp(tula_log_module_names[j], want[i][1]) == 0)
				break;
		assert_non_null(tula_log_module_names[j]); /* `show log module` offers it */
	}
	free(w);
}

static void level_names_parse_back(void **state)
{
	(void)state;
	assert_int_equal(tula_log_level_parse("warning"), TULA_LOG_WARNING);
	assert_int_equal(tula_log_level_parse("error"), TULA_LOG_ERR);
	assert_int_equal(tula_log_level_parse("debug"), TULA_LOG_DEBUG);
	assert_int_equal(tula_log_level_parse("warn"), -1);
	assert_string_equal(tula_log_level_name(TULA_LOG_NOTICE), "notice");
}

static void reopen_after_rotation_writes_the_new_file(void **state)
{
	char path[256], rotated[300], out[2048];

	(void)state;
	snprintf(path, sizeof(path), "%s/tula.log", dir);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	tula_log_set_stderr(0);
	assert_int_equal(tula_log_set_file(path), 0);
	TLOG_NOTICE("before the rotation");
	assert_int_equal(rename(path, rotated), 0);
	TLOG_NOTICE("rotated, not yet reopened");
	assert_int_equal(tula_log_reopen(), 0);
	TLOG_NOTICE("after the reopen");
	read_file(rotated, out, sizeof(out));
	assert_non_null(strstr(out, "tula[notice]: before the rotation\n"));
	assert_non_null(strstr(out, "tula[notice]: rotated, not yet reopened\n"));
	assert_null(strstr(out, "after the reopen"));
	read_file(path, out, sizeof(out));
	assert_non_null(strstr(out, "tula[notice]: after the reopen\n"));
	assert_null(strstr(out, "before the rotation"));

	assert_int_equal(tula_log_set_file(NULL), 0);
	assert_int_equal(tula_log_reopen(), 0); /* no file: nothing to do */
	tula_log_set_stderr(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(journal_stream_of_stderr_gets_priority_prefixes_and_no_timestamp),
		cmocka_unit_test(inherited_journal_stream_of_another_file_keeps_the_plain_format),
		cmocka_unit_test(each_line_carries_the_module_its_prefix_names),
		cmocka_unit_test(level_names_parse_back),
		cmocka_unit_test(reopen_after_rotation_writes_the_new_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
