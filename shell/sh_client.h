/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shell/-private: the client core shared by `tula cli` and the console thread.
 */
#ifndef SH_CLIENT_H
#define SH_CLIENT_H

#include <stddef.h>

struct sh_client_opts {
	int interactive;	 /* a person at a terminal (libedit, pager, questions) */
	int console;		 /* the daemon's own terminal (tty "console") */
	const char *const *cmds; /* non-interactive: -c commands (ncmds 0 = read stdin) */
	int ncmds;
	int wake_fd; /* readable = give up at once (the console is being stopped); -1 none */
};

/*
 * Talk to the server over fd (already connected) until the session ends. Uses
 * stdin/stdout/stderr. Returns the process exit status: 0, or 1 after a refused
 * login, a failed command (non-interactive) or a lost connection.
 */
int sh_client_run(int fd, const struct sh_client_opts *o);

#endif
