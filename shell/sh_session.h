/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shell/-private: one CLI session as the server keeps it, and the built-in command
 * sets. Only shell/ sources (and their unit tests) include this.
 */
#ifndef SH_SESSION_H
#define SH_SESSION_H

#include <sys/queue.h>
#include <sys/types.h>
#include <time.h>

#include "common/tula_buf.h"
#include "shell/sh_engine.h"
#include "shell/sh_level.h"
#include "shell/sh_server.h"

struct db;
struct db_session;

#define SH_EDIT_MAX  64 /* words of an [edit ...] level */
#define SH_EDIT_BACK 16 /* levels `exit` can return to */

/* A level `edit` left, for `exit` to return to (as Junos does). */
struct sh_edit_level {
	char **words;
	size_t n;
};

/*
 * Owner: the server (sh_server.c); lives from accept (or sh_server_add_fd) until the
 * peer leaves or the server stops. Thread: the loop's.
 */
struct sh_session {
	LIST_ENTRY(sh_session) link;
	int fd;
	uint32_t id;
	uid_t uid;
	pid_t pid;
	char user[33];
	enum sh_level level;
	char tty[32];
	char from[64];
	int greeted;
	int console;			/* sh_server_add_fd: never refused by the caps */
	struct tula_timer *hello_timer; /* closes the connection without HELLO in time */
	int hello_grace;		/* the timer found bytes waiting once already */
	int interactive;
	uint16_t width, height;
	time_t login, last;
	int screen_length, screen_width; /* `set cli screen-*`; -1: the terminal's */
	int idle_timeout;		 /* `set cli idle-timeout` minutes; -1: the system's */

	unsigned mode; /* SH_MODE_OPER or SH_MODE_CONF */
	struct db_session *dbs;
	char *edit[SH_EDIT_MAX]; /* the [edit ...] level, absolute words */
	size_t nedit;
	struct sh_edit_level back[SH_EDIT_BACK]; /* oldest first */
	size_t nback;

	struct sh_ctx *ctx; /* a command waiting for an answer or text */
	int in_request;	    /* a registered request has not sent DONE yet */
	int closing;	    /* DONE carries SH_DONE_CLOSE; close once flushed */
	int dead;

	struct tula_buf in;
	struct tula_buf out;
	size_t out_off;

	void (*on_close)(void *arg);
	void *on_close_arg;
};

/* The server's database and options (NULL / defaults before start). */
struct db *sh_db(void);
const struct sh_server_opts *sh_opts(void);
/* The loop the server runs on (NULL before start): for commands that wait. */
struct tula_loop *sh_loop(void);
/* Walk every session (show system users). */
struct sh_session *sh_sessions_first(void);
struct sh_session *sh_sessions_next(struct sh_session *s);
/* The host name the prompt shows. */
const char *sh_host_name(void);

/*
 * End session s now, telling its user why (idle timeout, `request system logout`).
 * The session running the current command ends once its answer is sent instead.
 */
void sh_session_kick(struct sh_session *s, const char *why);
/* The idle timeout in effect for s, in minutes (0: never). */
int sh_session_idle_timeout(const struct sh_session *s);

/* Ask the server to end the session after this request (exit / quit). */
void sh_session_close_after(struct sh_session *s);
/* Leave configuration mode: close the db session, clear the level. */
void sh_session_leave_conf(struct sh_session *s);
/* Replace the edit level with words (copied). Returns 0 or -ENOMEM / -E2BIG. */
int sh_session_set_edit(struct sh_session *s, const char *const *words, size_t n);
/* `edit` remembers the level it leaves (the oldest is forgotten past SH_EDIT_BACK). */
int sh_session_push_level(struct sh_session *s);
/* Return to the level the last `edit` left; -ENOENT when none is remembered. */
int sh_session_pop_level(struct sh_session *s);

/* Walk flags of the configuration-path placeholder (sh_db_walker). */
#define SH_WALK_SET   0x1u /* must reach a value, a flag or a list entry (set) */
#define SH_WALK_EDIT  0x2u /* must stop at a container or a list entry (edit) */
#define SH_WALK_ENTRY 0x4u /* must stop at a list entry (rename) */
#define SH_WALK_ABS   0x8u /* from the top, not the [edit] level (operational mode) */

/* The configuration schema as the engine walks it (db/db_schema.h behind it). */
extern const struct sh_walker sh_db_walker;

struct db_diags;
struct db_node;
/*
 * Report db's diagnostics: warnings as warnings; errors (with tail, e.g. "error:
 * commit failed", after them) as the command's error. Returns -EINVAL when there was
 * an error or a tail, else 0.
 */
int sh_print_diags(struct sh_ctx *ctx, const struct db_diags *d, const char *tail);
/*
 * Render tree at path for `show` with the pipes' format; with cmp_base, the
 * differences from cmp_base to tree (`| compare`). Returns 0 or -errno.
 */
int sh_show_tree(struct sh_ctx *ctx, const struct db_node *tree, const struct db_node *cmp_base,
		 const char *const *path, size_t npath);

/* Committed revisions as completion names ("0", "1", ... with time, user, comment). */
void sh_revision_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out);

/* Built-in command sets, registered into e. Return 0 or the first -errno. */
int sh_oper_register(struct sh_engine *e);
/* ping, traceroute (sh_tools.c); sh_oper_register() declares them too. */
int sh_tools_register(struct sh_engine *e);
void sh_tools_unregister(struct sh_engine *e);
/* set cli, show cli, request system logout, rescue delete (sh_sess.c); the same. */
int sh_sess_register(struct sh_engine *e);
void sh_sess_unregister(struct sh_engine *e);
/* help topic (sh_help.c); sh_sess_register() declares it. */
int sh_help_register(struct sh_engine *e);
void sh_help_unregister(struct sh_engine *e);
/* commit at, clear system commit (sh_commit_at.c); sh_sess_register() declares them. */
int sh_commit_at_register(struct sh_engine *e);
void sh_commit_at_unregister(struct sh_engine *e);
/* load patch terminal (sh_patch.c); sh_sess_register() declares it. */
int sh_patch_register(struct sh_engine *e);
void sh_patch_unregister(struct sh_engine *e);
/* Drop a scheduled commit and its timer (the server is stopping). */
void sh_commit_at_stop(void);
/* 1 and its time and user when a commit is scheduled, else 0. */
int sh_commit_at_pending(time_t *when, const char **user);
int sh_conf_register(struct sh_engine *e);
void sh_oper_unregister(struct sh_engine *e);
void sh_conf_unregister(struct sh_engine *e);

/*
 * `show services dsr backend-setup`: the commands each backend needs for a VIP (once
 * per backend, its address filled in), then the checks for when it does not work.
 * l3: IP-in-IP mode. port 0 = all ports. nbe 0: one form with a blank for the address.
 * The caller owns the value; sh_dsr_backend_setup_render() turns it into the text.
 */
struct sh_dsr_backend {
	const char *name, *address;
};
struct tula_val *sh_dsr_backend_setup(const char *vip, const char *address, const char *protocol,
				      unsigned port, int l3, const struct sh_dsr_backend *be,
				      size_t nbe);
void sh_dsr_backend_setup_render(const struct tula_val *v, struct tula_buf *out);

#endif
