/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A mutex-protected ring of recent log lines, mirrored to stderr and optionally a file.
 * The ring lets an operator read what happened (`show log`) even when stderr is the
 * console's terminal and therefore silenced, or the journal of another machine's view.
 */
#include "common/tula_log.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_LEN 512
#define MODULE_LEN   12

struct log_line {
	char ts[20];
	enum tula_log_level level;
	char module[MODULE_LEN];
	char msg[LINE_MAX_LEN];
};

static struct {
	pthread_mutex_t lock;
	struct log_line ring[TULA_LOG_RING];
	size_t head; /* next slot to write */
	size_t count;
	enum tula_log_level level;
	int to_stderr;
	int journal; /* -1: not looked yet; 0: plain stderr; 1: stderr is the journal */
	FILE *file;
	char path[PATH_MAX]; /* the file's path, for tula_log_reopen() */
} L = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.level = TULA_LOG_INFO,
	.to_stderr = 1,
	.journal = -1,
};

static const char *const level_names[] = {
	[TULA_LOG_ERR] = "error", [TULA_LOG_WARNING] = "warning", [TULA_LOG_NOTICE] = "notice",
	[TULA_LOG_INFO] = "info", [TULA_LOG_DEBUG] = "debug",
};

/* The prefix each subsystem writes, and the module it means. First match wins. */
static const struct {
	const char *prefix;
	const char *module;
} prefixes[] = {
	{"dpdk: ", "dpdk"},	   {"db: ", "db"},	  {"cli: ", "cli"},
	{"shell: ", "cli"},	   {"console: ", "cli"},  {"health: ", "health"},
	{"commit script ", "lua"}, {"op script ", "lua"}, {"lua: ", "lua"},
	{"bgp: ", "bgp"},	   {"bird: ", "bgp"}, /* fw_bird, and what its BIRD says */
};

const char *const tula_log_module_names[] = {"bgp",    "cli", "db",	"dpdk",
					     "health", "lua", "system", NULL};

const char *tula_log_level_name(enum tula_log_level level)
{
	if ((size_t)level < sizeof(level_names) / sizeof(level_names[0]) && level_names[level])
		return level_names[level];
	return "?";
}

int tula_log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (level_names[i] != NULL && strcmp(level_names[i], name) == 0)
			return (int)i;
	return -1;
}

static const char *module_of(const char *msg)
{
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(msg, prefixes[i].prefix, strlen(prefixes[i].prefix)) == 0)
			return prefixes[i].module;
	return "system";
}

/*
 * systemd connects a service's stderr to the journal and says so in JOURNAL_STREAM
 * ("DEVICE:INODE" of that socket); a child with stderr redirected elsewhere inherits
 * the variable, hence the comparison with what fd 2 is now. Caller holds the lock.
 */
static void detect_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	L.journal = 0;
	if (env == NULL || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return;
	if (fstat(STDERR_FILENO, &st) < 0)
		return;
	L.journal = (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void tula_log_set_level(enum tula_log_level level)
{
	pthread_mutex_lock(&L.lock);
	L.level = level;
	pthread_mutex_unlock(&L.lock);
}

void tula_log_set_stderr(int on)
{
	pthread_mutex_lock(&L.lock);
	L.to_stderr = on;
	detect_journal();
	pthread_mutex_unlock(&L.lock);
}

int tula_log_stderr_is_journal(void)
{
	int j;

	pthread_mutex_lock(&L.lock);
	if (L.journal < 0)
		detect_journal();
	j = L.journal;
	pthread_mutex_unlock(&L.lock);
	return j;
}

static FILE *open_log(const char *path)
{
	FILE *f = fopen(path, "ae");

	if (f != NULL)
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

int tula_log_set_file(const char *path)
{
	FILE *f = NULL;

	if (path != NULL) {
		if (strlen(path) >= sizeof(L.path))
			return -ENAMETOOLONG;
		f = open_log(path);
		if (f == NULL)
			return -errno;
	}
	pthread_mutex_lock(&L.lock);
	if (L.file != NULL)
		fclose(L.file);
	L.file = f;
	snprintf(L.path, sizeof(L.path), "%s", path != NULL ? path : "");
	pthread_mutex_unlock(&L.lock);
	return 0;
}

int tula_log_reopen(void)
{
	FILE *f;
	int rc = 0;

	pthread_mutex_lock(&L.lock);
	if (L.path[0] != '\0') {
		f = open_log(L.path);
		if (f == NULL) {
			rc = -errno;
		} else {
			if (L.file != NULL)
				fclose(L.file);
			L.file = f;
		}
	}
	pthread_mutex_unlock(&L.lock);
	return rc;
}

void tula_vlog(enum tula_log_level level, const char *fmt, va_list ap)
{
	struct log_line *line;
	struct tm tm;
	time_t now;
	size_t n;

	if (level > L.level)
		return;
	now = time(NULL);
	localtime_r(&now, &tm);

	pthread_mutex_lock(&L.lock);
	line = &L.ring[L.head];
	L.head = (L.head + 1) % TULA_LOG_RING;
	if (L.count < TULA_LOG_RING)
		L.count++;
	strftime(line->ts, sizeof(line->ts), "%Y-%m-%d %H:%M:%S", &tm);
	line->level = level;
	vsnprintf(line->msg, sizeof(line->msg), fmt, ap);
	n = strlen(line->msg);
	while (n > 0 && line->msg[n - 1] == '\n')
		line->msg[--n] = '\0';
	snprintf(line->module, sizeof(line->module), "%s", module_of(line->msg));
	if (L.to_stderr) {
		if (L.journal < 0)
			detect_journal();
		if (L.journal)
			fprintf(stderr, "<%d>%s\n", (int)level, line->msg);
		else
			fprintf(stderr, "%s tula[%s]: %s\n", line->ts, tula_log_level_name(level),
				line->msg);
	}
	if (L.file != NULL)
		fprintf(L.file, "%s tula[%s]: %s\n", line->ts, tula_log_level_name(level),
			line->msg);
	pthread_mutex_unlock(&L.lock);
}

void tula_log(enum tula_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tula_vlog(level, fmt, ap);
	va_end(ap);
}

size_t tula_log_walk(void (*fn)(void *arg, const char *ts, enum tula_log_level level,
				const char *module, const char *msg),
		     void *arg)
{
	size_t i, start, n;

	pthread_mutex_lock(&L.lock);
	n = L.count;
	start = (L.head + TULA_LOG_RING - n) % TULA_LOG_RING;
	for (i = 0; i < n; i++) {
		const struct log_line *line = &L.ring[(start + i) % TULA_LOG_RING];

		fn(arg, line->ts, line->level, line->module, line->msg);
	}
	pthread_mutex_unlock(&L.lock);
	return n;
}
