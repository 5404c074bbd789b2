/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A mutex-protected ring of recent log lines, mirrored to stderr and optionally a file.
 * The ring lets an operator read what happened (`show log`) even when stderr is the
 * console's terminal and therefore silenced.
 */
#include "common/tula_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_LEN 512

struct log_line {
	char ts[20];
	enum tula_log_level level;
	char msg[LINE_MAX_LEN];
};

static struct {
	pthread_mutex_t lock;
	struct log_line ring[TULA_LOG_RING];
	size_t head; /* next slot to write */
	size_t count;
	enum tula_log_level level;
	int to_stderr;
	FILE *file;
} L = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.level = TULA_LOG_INFO,
	.to_stderr = 1,
};

static const char *const level_names[] = {
	[TULA_LOG_ERR] = "error", [TULA_LOG_WARNING] = "warning", [TULA_LOG_NOTICE] = "notice",
	[TULA_LOG_INFO] = "info", [TULA_LOG_DEBUG] = "debug",
};

const char *tula_log_level_name(enum tula_log_level level)
{
	if ((size_t)level < sizeof(level_names) / sizeof(level_names[0]) && level_names[level])
		return level_names[level];
	return "?";
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
	pthread_mutex_unlock(&L.lock);
}

int tula_log_set_file(const char *path)
{
	FILE *f = NULL;

	if (path != NULL) {
		f = fopen(path, "ae");
		if (f == NULL)
			return -errno;
		setvbuf(f, NULL, _IOLBF, 0);
	}
	pthread_mutex_lock(&L.lock);
	if (L.file != NULL)
		fclose(L.file);
	L.file = f;
	pthread_mutex_unlock(&L.lock);
	return 0;
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
	if (L.to_stderr)
		fprintf(stderr, "%s tula[%s]: %s\n", line->ts, tula_log_level_name(level),
			line->msg);
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
				const char *msg),
		     void *arg)
{
	size_t i, start, n;

	pthread_mutex_lock(&L.lock);
	n = L.count;
	start = (L.head + TULA_LOG_RING - n) % TULA_LOG_RING;
	for (i = 0; i < n; i++) {
		const struct log_line *line = &L.ring[(start + i) % TULA_LOG_RING];

		fn(arg, line->ts, line->level, line->msg);
	}
	pthread_mutex_unlock(&L.lock);
	return n;
}
