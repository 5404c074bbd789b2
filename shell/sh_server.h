/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon side of the shell: the CLI server on the control thread's event loop,
 * the console front end, and `tula cli`.
 *
 * The daemon calls, in its module table:
 *	sh_server_start(loop, db, &opts, why, sizeof(why))   after db_open
 *	sh_console_start(loop, on_exit, arg)                 when stdin is a terminal
 *	...
 *	sh_console_stop()                                    before sh_server_stop()
 *	sh_server_stop()                                     before db_close
 * and `tula cli ARGS` is `return sh_client_main(argc - 1, argv + 1)`.
 *
 * Every request executes on the loop's thread, one at a time: no locks. The console
 * runs the same client code as `tula cli` in a thread of its own, connected to the
 * server through a socketpair, so there is one protocol and one code path.
 */
#ifndef SH_SERVER_H
#define SH_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "shell/sh_cmd.h"

struct tula_loop;
struct db;

/*
 * Bounds on clients (everything a client sends is hostile until HELLO identified it):
 * a connection that has not sent HELLO within SH_HELLO_TIMEOUT_MS is closed; before
 * HELLO no message may exceed SH_PRE_AUTH_MAX bytes; at most max_sessions sessions
 * exist and each Unix user holds at most max_sessions_per_user — further ones are
 * refused with a message saying so. The console (sh_server_add_fd) is never refused.
 */
#define SH_HELLO_TIMEOUT_MS	 5000
#define SH_PRE_AUTH_MAX		 4096
#define SH_SESSIONS_MAX		 64
#define SH_SESSIONS_PER_USER_MAX 8

struct sh_server_opts {
	const char *socket_path;	/* NULL: no listening socket (console / tests only) */
	const char *group;		/* owner group of the socket (NULL = "tula") */
	const char *scripts_dir;	/* completes file names of op / commit scripts */
	const char *host_name;		/* prompt fallback when system host-name is unset
				    (NULL = gethostname) */
	unsigned max_sessions;		/* 0 = SH_SESSIONS_MAX */
	unsigned max_sessions_per_user; /* 0 = SH_SESSIONS_PER_USER_MAX */
};

/*
 * Register the built-in commands, then listen on opts->socket_path (its directory is
 * created 0755 if missing; the socket is created mode 0660 — bound under a umask, so it
 * is never reachable with a wider mode — then given to group opts->group — when that group
 * does not exist the group stays the daemon's and a warning is logged). A stale socket
 * file is replaced; a live one (another daemon answers) is an error.
 * Returns 0, or -errno with a sentence in why saying what to fix.
 */
int sh_server_start(struct tula_loop *loop, struct db *db, const struct sh_server_opts *opts,
		    char *why, size_t whylen);
/* Close every session (releasing their locks and private candidates) and the socket,
 * and free the command registry. Safe when not started. */
void sh_server_stop(void);

/*
 * Serve fd (one end of a connected AF_UNIX stream socket pair) as a session, as if it
 * had been accepted. on_close(arg) runs on the loop thread when the session ends (the
 * console uses it to stop the daemon). Returns 0 or -errno.
 */
int sh_server_add_fd(int fd, void (*on_close)(void *arg), void *arg);

/*
 * Start the console: a thread running the interactive client on this process's
 * terminal (stdin/stdout), connected to the server by a socketpair. The terminal is
 * put in a mode where ^C and ^\ are keys, never signals; log lines stop going to
 * stderr while the console owns the terminal. When the operator leaves the console
 * (exit / quit / ^D at operational level), on_exit(arg) runs on the loop thread.
 * Returns 0 or -errno (no terminal: -ENOTTY).
 */
int sh_console_start(struct tula_loop *loop, void (*on_exit)(void *arg), void *arg);
/* End the console (if running), join its thread, restore the terminal. */
void sh_console_stop(void);

/* `tula cli [--socket PATH] [-c COMMAND]...`: argv[0] is "cli". Returns the exit code. */
int sh_client_main(int argc, char **argv);

/* --- extending the server (lua/ registers SH_MSG_LUA_RUN) --------------------------- */

/*
 * A request handler: runs on the loop thread with the session and the payload (valid
 * during the call). It answers with sh_session_output()/sh_session_error() and must
 * end the request with sh_session_done() — now or later (then the session accepts no
 * other request until it does). Return 0, or -errno to make the server end the
 * request with that status.
 */
typedef int (*sh_request_fn)(struct sh_session *s, uint32_t type, const void *payload, size_t len,
			     void *arg);
/* type in [SH_MSG_LUA_RUN, SH_MSG_REQ_MAX]. Returns 0, -EINVAL, -EEXIST. */
int sh_server_register_request(uint32_t type, sh_request_fn fn, void *arg);
int sh_server_unregister_request(uint32_t type);

void sh_session_output(struct sh_session *s, const char *text, size_t len);
void sh_session_error(struct sh_session *s, const char *text, size_t len);
void sh_session_done(struct sh_session *s, int status);
const char *sh_session_user(const struct sh_session *s);
enum sh_level sh_session_level(const struct sh_session *s);
uid_t sh_session_uid(const struct sh_session *s);
/* The database the server was started with (NULL before sh_server_start). */
struct db *sh_server_db(void);
/* The loop the server runs on (NULL before sh_server_start): for commands that wait. */
struct tula_loop *sh_server_loop(void);
/* 1 when a person at a terminal is on the other end (prompts, pager, live output). */
int sh_session_interactive(const struct sh_session *s);

/*
 * Run an operational command without a session (Lua's tula.show): *val receives the
 * structured output when the command has one (caller frees), text the rendered text,
 * err the operator's error. level limits what may run. Returns 0 or -errno.
 */
int sh_server_exec_capture(const char *line, enum sh_level level, struct tula_val **val,
			   struct tula_buf *text, struct tula_buf *err);

#endif
