/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lx-testd: the control plane of the tula daemon without DPDK — the configuration
 * database, the CLI server and Lua — for the integration tests of Lua against a
 * running daemon (tests/lua/). It takes the daemon's own options and, like tula,
 * `lx-testd cli ...` and `lx-testd lua ...` are the clients, so a test runs the same
 * way against it and against the real binary.
 *
 *   lx-testd [--db FILE] [--socket PATH] [--scripts DIR] [--no-console]
 *   lx-testd cli [--socket PATH] [-c COMMAND]...
 *   lx-testd lua [--socket PATH] (FILE | -e CODE) [ARGS]...
 *
 * Start-up order is the one the daemon's main() uses: db_open, lx_init (the commit
 * hook must be there before the configuration is activated), db_activate,
 * db_attach_loop, sh_server_start; shut-down is the reverse (sh_server_stop, then
 * lx_fini, then db_close).
 */
#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db.h"
#include "lua/lx.h"
#include "shell/sh_server.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void on_signal(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	(void)events;
	(void)arg;
	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		TLOG_NOTICE("received %s, shutting down", strsignal((int)si.ssi_signo));
	tula_loop_stop(loop);
}

static int daemon_main(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_SOCKET, OPT_SCRIPTS, OPT_NO_CONSOLE };
	static const struct option opts[] = {
		{"db", required_argument, NULL, OPT_DB},
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"scripts", required_argument, NULL, OPT_SCRIPTS},
		{"no-console", no_argument, NULL, OPT_NO_CONSOLE},
		{NULL, 0, NULL, 0},
	};
	const char *db_path = "lx-testd.db", *sock = "lx-testd.sock", *scripts = ".";
	struct db_open_opts o = {.seed_user = "root"};
	struct db_diags d = DB_DIAGS_INIT;
	struct sh_server_opts so = {0};
	struct lx_opts lo = {0};
	struct tula_loop *loop = NULL;
	struct db *db = NULL;
	char why[256];
	int c, sigfd = -1, rc = 1, lx_up = 0, srv_up = 0;
	sigset_t set;
	size_t i;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			db_path = optarg;
			break;
		case OPT_SOCKET:
			sock = optarg;
			break;
		case OPT_SCRIPTS:
			scripts = optarg;
			break;
		case OPT_NO_CONSOLE:
			break;
		default:
			return 2;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	loop = tula_loop_new();
	sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (loop == NULL || sigfd < 0 ||
	    tula_loop_add_fd(loop, sigfd, TULA_EV_READ, on_signal, NULL) < 0) {
		fprintf(stderr, "lx-testd: cannot set up the event loop\n");
		goto out;
	}
	o.path = db_path;
	if (db_open(&o, &db, NULL) < 0) {
		fprintf(stderr, "lx-testd: cannot open %s\n", db_path);
		goto out;
	}
	lo.db = db;
	lo.loop = loop;
	lo.scripts_dir = scripts;
	rc = lx_init(&lo);
	if (rc < 0) {
		fprintf(stderr, "lx-testd: lx_init: %s\n", strerror(-rc));
		rc = 1;
		goto out;
	}
	lx_up = 1;
	if (db_activate(db, &d) < 0) {
		for (i = 0; i < d.n; i++)
			fprintf(stderr, "lx-testd: activate: %s: %s\n", d.v[i].path,
				d.v[i].message);
		rc = 1;
		goto out;
	}
	db_attach_loop(db, loop);
	so.socket_path = sock;
	so.scripts_dir = scripts;
	so.group = getgrgid(getegid()) != NULL ? getgrgid(getegid())->gr_name : NULL;
	if (sh_server_start(loop, db, &so, why, sizeof(why)) < 0) {
		fprintf(stderr, "lx-testd: %s\n", why);
		rc = 1;
		goto out;
	}
	srv_up = 1;
	TLOG_NOTICE("lx-testd ready on %s", sock);
	rc = tula_loop_run(loop) < 0 ? 1 : 0;
out:
	/* the reverse of start-up, as the daemon's module table does it */
	if (srv_up)
		sh_server_stop();
	if (lx_up)
		lx_fini();
	db_diags_free(&d);
	db_close(db);
	if (sigfd >= 0) {
		tula_loop_del_fd(loop, sigfd);
		close(sigfd);
	}
	tula_loop_free(loop);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "lua") == 0)
		return lx_client_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "cli") == 0)
		return sh_client_main(argc - 1, argv + 1);
	return daemon_main(argc, argv);
}
