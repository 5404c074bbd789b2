/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lua/'s private header.
 *
 * Design: every script run — an op script, a commit script, `tula lua` — is one
 * struct lx_run: a fresh sandbox (lx_sandbox.h), the identity of whoever started it
 * (login name and class, which every tula.* call is checked against, exactly as the
 * shell checks the same person), the output print() fills, and the `tula` module
 * opened with the functions that suit the kind of run. A run lives on the control
 * thread from start to end; nothing is kept between runs.
 *
 * Commit scripts get a reduced module (the commit_* functions and a read-only view of
 * the configuration being committed): they run inside db_commit(), where starting
 * another configuration session or command would re-enter the commit.
 */
#ifndef LX_INT_H
#define LX_INT_H

#include <lua.h>

#include "common/tula_buf.h"
#include "common/tula_val.h"
#include "lua/lx.h"
#include "lua/lx_sandbox.h"
#include "shell/sh_cmd.h"

struct db;
struct db_commit;
struct db_node;

/* The module's state, one per daemon (lx_init). */
struct lx {
	struct db *db;
	struct tula_loop *loop;
	char *scripts_dir;
	struct lx_limits limits;
	int hook_registered;
	int op_registered;
	int request_registered;
};

/* Which parts of the `tula` module a run gets. */
#define LX_API_OPER   0x1u /* cli, show, config: op scripts and `tula lua` */
#define LX_API_COMMIT 0x2u /* commit_error/warning/change: commit scripts */

struct lx_run {
	struct lx *lx;
	struct lx_sandbox *sb;
	char user[64];
	enum sh_level level;
	char client_id[160]; /* recorded with commits: "op drain.lua", "mine.lua" */
	char script[128];    /* shown in messages */
	unsigned api;
	struct tula_buf out;	  /* print() */
	struct db_commit *commit; /* LX_API_COMMIT: the commit being validated */
	unsigned commit_errors;	  /* commit_error() calls */
	struct lx_shell *shell;	  /* tula.cli's shell session, made on first use */
};

/*
 * Start a run: a sandbox with the `tula` module for api (commit: the commit a commit
 * script validates, else NULL). user and script are copied.
 * Returns 0, or -errno with err filled (-EMLINK: runs nested too deeply).
 */
int lx_run_init(struct lx_run *run, struct lx *lx, const char *user, enum sh_level level,
		const char *script, unsigned api, struct db_commit *commit, struct tula_buf *err);
/* End a run: closes every configuration session the script left open (their private
 * candidates are discarded), then the state. */
void lx_run_fini(struct lx_run *run);

/*
 * Compile and call a script. Exactly one of file (a name in the scripts directory) or
 * code/len is given; chunk names the chunk in messages. push_args pushes the script's
 * arguments (returns how many) and may be NULL. On failure err says why in one line
 * naming the script and line. Returns as lx_sandbox_call, plus the load errors.
 */
int lx_run_exec(struct lx_run *run, const char *file, const char *code, size_t len,
		const char *chunk, int (*push_args)(lua_State *L, void *arg), void *arg,
		struct tula_buf *err);

/* The run a state belongs to. */
struct lx_run *lx_run_of(lua_State *L);

/* Open the `tula` module for run (global `tula`, and require "tula"). */
int lx_tula_open(lua_State *L);

/* The login class named by `system login user NAME class CLASS` (read-only when the
 * user is not configured; root is always super-user). */
/* The class of a user known by name only (a commit's user): sh_level_of_user(). 0 or
 * -EACCES with why filled. */
int lx_user_level(struct lx *lx, const char *user, enum sh_level *out, char *why, size_t whylen);

/* Start-up and automatic reverts: script failures and commit_error() only warn. */
int lx_commit_lenient(const struct db_commit *c);
/* "commit", "check", "at start-up", "on an automatic revert". */
const char *lx_commit_kind_name(const struct db_commit *c);

/* lx_commit.c / lx_op.c / lx_server.c: registration with db and the shell. */
int lx_commit_register(struct lx *lx);
void lx_commit_unregister(struct lx *lx);
int lx_op_register(struct lx *lx);
void lx_op_unregister(struct lx *lx);
int lx_server_register(struct lx *lx);
void lx_server_unregister(struct lx *lx);

/* --- lx_conv.c: data into tables ------------------------------------------------------ */

/* Push a structured value as Lua data (maps and lists as tables, null as nil). */
void lx_push_val(lua_State *L, const struct tula_val *v);
/*
 * Push a configuration node: the root, a container or an entry as a table, a leaf as
 * its value (integer, "*", true, or string); NULL as nil. ro: read-only proxies.
 */
void lx_push_tree(lua_State *L, const struct db_node *n, int ro);
/* Push the entries of list kw under parent as a table keyed by entry name. */
void lx_push_list(lua_State *L, const struct db_node *parent, const char *kw, int ro);

/* --- lx_shell.c: what tula.cli and tula.show need from the shell ------------------------ */

struct lx_shell;
/* A non-interactive shell session as the run's user, in operational mode. */
struct lx_shell *lx_shell_new(struct lx_run *run);
void lx_shell_free(struct lx_shell *sh);
/*
 * Run one command line. Returns 0 with its text (warnings first) in out and, when the
 * command produced structured output, *val set (the caller frees it; val may be NULL);
 * or -errno with the operator's error text in out.
 */
int lx_shell_exec(struct lx_shell *sh, const char *line, struct tula_buf *out,
		  struct tula_val **val);
/* The run whose tula.cli is executing a command right now (NULL when none): commands
 * run that way have no CLI session, so `op` takes its caller's identity from here. */
const struct lx_run *lx_shell_caller(void);

#endif
