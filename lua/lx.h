/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lua automation: what the daemon and the `tula` binary call.
 *
 * In the daemon, lx_init() makes Lua scripts first-class users of Tula:
 *   - `op NAME [KEY VALUE]...`, an operational command running the op script NAME
 *     (a file named under `system scripts op file`, kept in the scripts directory),
 *     with TAB completion of the configured names;
 *   - a validate hook on every commit running the scripts named under
 *     `system scripts commit file`;
 *   - the `tula lua` request of the CLI socket (lx_client_main is its client side).
 * Scripts use the `tula` module (tula.cli, tula.show, tula.config) in a sandbox
 * (lx_sandbox.h) under the login class of whoever started them.
 *
 * Thread: the control thread (the one running the tula_loop); nothing here locks.
 */
#ifndef LX_H
#define LX_H

#include "lua/lx_sandbox.h"

struct db;
struct tula_loop;

struct lx_opts {
	struct db *db;			/* the configuration database (required) */
	struct tula_loop *loop;		/* the control thread's loop (may be NULL) */
	const char *scripts_dir;	/* op and commit scripts (copied; required) */
	const struct lx_limits *limits; /* per-run budgets; NULL = LX_LIMITS_DEFAULT */
};

/*
 * Register the commit hook, the `op` command and the `tula lua` request. Call once,
 * after db_open() and before db_activate() (start-up runs the commit scripts too:
 * their transient changes are part of the configuration applied), and before or after
 * sh_server_start(). Returns 0, or -errno (-EINVAL: missing db or scripts_dir,
 * -EALREADY: already initialised, -ENOMEM, or what a registration returned); on
 * failure nothing stays registered.
 *
 * In the daemon's module table: database, lua (lx_init / lx_fini), configuration
 * (db_activate), ..., cli (sh_server_start / sh_server_stop). And in main():
 *	if (argc > 1 && strcmp(argv[1], "lua") == 0)
 *		return lx_client_main(argc - 1, argv + 1);
 */
int lx_init(const struct lx_opts *o);

/* Undo lx_init, before db_close() (before or after sh_server_stop()). Safe when
 * lx_init failed or was not called. */
void lx_fini(void);

/*
 * `tula lua [--socket PATH] (FILE | -e CODE) [ARGS]...` (argv[0] is "lua"): send the
 * script to the daemon, print its output on stdout and its error on stderr. The file
 * is read here, by the caller, so the daemon never opens a path on a client's behalf.
 * Returns the process exit code: 0 success, 1 the script failed, 2 usage, 3 the daemon
 * could not be reached or refused the user.
 */
int lx_client_main(int argc, char **argv);

#endif
