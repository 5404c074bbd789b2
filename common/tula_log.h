/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging for the control side, the shell and Lua. Never call from a worker lcore:
 * workers count, they do not log (firmware/README.md, "Threads").
 *
 * Lines go to stderr (unless the console owns the terminal, see tula_log_set_stderr)
 * and into an in-memory ring of the last TULA_LOG_RING lines that `show log` reads.
 * Thread safe.
 */
#ifndef TULA_LOG_H
#define TULA_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum tula_log_level {
	TULA_LOG_ERR = 3,
	TULA_LOG_WARNING = 4,
	TULA_LOG_NOTICE = 5,
	TULA_LOG_INFO = 6,
	TULA_LOG_DEBUG = 7,
};

#define TULA_LOG_RING 1024

/* Log one line; a trailing newline is added if missing. */
void tula_log(enum tula_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tula_vlog(enum tula_log_level level, const char *fmt, va_list ap);

/* Lines below this level are dropped (default TULA_LOG_INFO). */
void tula_log_set_level(enum tula_log_level level);

/* Whether lines are also written to stderr (default yes). The console turns it off
 * while it owns the terminal; the lines stay readable through the ring. */
void tula_log_set_stderr(int on);

/* Also append every line to this file (NULL stops). Returns 0 or -errno. */
int tula_log_set_file(const char *path);

/*
 * Copy the ring's lines, oldest first, calling fn for each (ts is "YYYY-mm-dd HH:MM:SS").
 * Returns the number of lines visited.
 */
size_t tula_log_walk(void (*fn)(void *arg, const char *ts, enum tula_log_level level,
				const char *msg),
		     void *arg);

const char *tula_log_level_name(enum tula_log_level level);

#define TLOG_ERR(...)	  tula_log(TULA_LOG_ERR, __VA_ARGS__)
#define TLOG_WARNING(...) tula_log(TULA_LOG_WARNING, __VA_ARGS__)
#define TLOG_NOTICE(...)  tula_log(TULA_LOG_NOTICE, __VA_ARGS__)
#define TLOG_INFO(...)	  tula_log(TULA_LOG_INFO, __VA_ARGS__)
#define TLOG_DEBUG(...)	  tula_log(TULA_LOG_DEBUG, __VA_ARGS__)

#endif
