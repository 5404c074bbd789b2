/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging for the control side, the shell and Lua. Never call from a worker lcore:
 * workers count, they do not log (firmware/README.md, "Threads").
 *
 * Lines go to stderr (unless the console owns the terminal, see tula_log_set_stderr),
 * optionally to a file, and into an in-memory ring of the last TULA_LOG_RING lines that
 * `show log` reads. On stderr a line is "TIME tula[LEVEL]: MESSAGE", except when stderr
 * is systemd's journal (JOURNAL_STREAM names stderr's device and inode, see
 * systemd.exec(5)): then it is "<PRIORITY>MESSAGE" (sd-daemon(3) prefixes), so the
 * journal records the level and adds the only timestamp.
 *
 * Every line belongs to a module, named by the prefix its subsystem writes ("dpdk: ",
 * "db: ", "cli: ", "health: ", ...; see tula_log_module_names); lines without one belong
 * to "system". `show log module NAME` filters on it.
 *
 * Thread safe.
 */
#ifndef TULA_LOG_H
#define TULA_LOG_H

#include <stdarg.h>
#include <stddef.h>

/* syslog(3) priorities, which are also the journal's. */
enum tula_log_level {
	TULA_LOG_ERR = 3,
	TULA_LOG_WARNING = 4,
	TULA_LOG_NOTICE = 5,
	TULA_LOG_INFO = 6,
	TULA_LOG_DEBUG = 7,
};

/* Lines the ring keeps (about 600 bytes each). */
#define TULA_LOG_RING 1024

/* Log one line; a trailing newline is added if missing. */
void tula_log(enum tula_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tula_vlog(enum tula_log_level level, const char *fmt, va_list ap);

/* Lines below this level are dropped (default TULA_LOG_INFO). */
void tula_log_set_level(enum tula_log_level level);

/*
 * Whether lines are also written to stderr (default yes). The console turns it off
 * while it owns the terminal; the lines stay readable through the ring. Each call also
 * looks again whether stderr is the journal (JOURNAL_STREAM against fstat(2)).
 */
void tula_log_set_stderr(int on);

/* 1 when stderr lines carry journal priority prefixes instead of a timestamp. */
int tula_log_stderr_is_journal(void);

/* Also append every line to this file (NULL stops). Returns 0 or -errno. */
int tula_log_set_file(const char *path);

/*
 * Open the file of tula_log_set_file() again (after logrotate moved it: SIGHUP). On
 * failure the old stream stays. Returns 0 (also when there is no file) or -errno.
 */
int tula_log_reopen(void);

/*
 * Copy the ring's lines, oldest first, calling fn for each (ts is "YYYY-mm-dd HH:MM:SS",
 * module one of tula_log_module_names). Returns the number of lines visited.
 */
size_t tula_log_walk(void (*fn)(void *arg, const char *ts, enum tula_log_level level,
				const char *module, const char *msg),
		     void *arg);

/* "error", "warning", "notice", "info", "debug"; "?" for anything else. */
const char *tula_log_level_name(enum tula_log_level level);

/* The level named name (as tula_log_level_name spells it), or -1. */
int tula_log_level_parse(const char *name);

/* The module names a line can carry, NULL-terminated. */
extern const char *const tula_log_module_names[];

#define TLOG_ERR(...)	  tula_log(TULA_LOG_ERR, __VA_ARGS__)
#define TLOG_WARNING(...) tula_log(TULA_LOG_WARNING, __VA_ARGS__)
#define TLOG_NOTICE(...)  tula_log(TULA_LOG_NOTICE, __VA_ARGS__)
#define TLOG_INFO(...)	  tula_log(TULA_LOG_INFO, __VA_ARGS__)
#define TLOG_DEBUG(...)	  tula_log(TULA_LOG_DEBUG, __VA_ARGS__)

#endif
