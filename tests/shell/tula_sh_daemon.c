/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stand-in for the `tula` binary in the shell's own tests: the same command line
 * (`tula [--db FILE] [--socket PATH] [--scripts DIR] [--no-console] [-- EAL...]`,
 * `tula cli ...`) and the same daemon-side calls (db_open, sh_server_start,
 * sh_console_start, the signalfd loop), without DPDK. The tests take the binary as an
 * argument, so they run unchanged against the real `tula` once main.c calls these.
 */
#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db.h"
#include "shell/sh_server.h"

#include <errno.h>
#include <getopt.h>
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

static void on_console_exit(void *arg)
{
	tula_loop_stop(arg);
}

int main(int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_SOCKET, OPT_SCRIPTS, OPT_NO_CONSOLE };
	static const struct option opts[] = {
		{"db", required_argument, NULL, OPT_DB},
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"scripts", required_argument, NULL, OPT_SCRIPTS},
		{"no-console", no_argument, NULL, OPT_NO_CONSOLE},
		{NULL, 0, NULL, 0},
	};
	struct sh_server_opts so = {.socket_path = "/run/tula/cli.sock",
				    .scripts_dir = "/etc/tula/scripts"};
	struct db_open_opts dbo = {.path = "/var/lib/tula/config.db"};
	struct db_open_report rep;
	struct db_diags d = DB_DIAGS_INIT;
	struct tula_loop *loop;
	struct db *db = NULL;
	int console, sigfd, c, rc = 1;
	char why[512];
	sigset_t set;

	if (argc > 1 && strcmp(argv[1], "cli") == 0)
		return sh_client_main(argc - 1, argv + 1);
	console = isatty(STDIN_FILENO);
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			dbo.path = optarg;
			break;
		case OPT_SOCKET:
			so.socket_path = optarg;
			break;
		case OPT_SCRIPTS:
			so.scripts_dir = optarg;
			break;
		case OPT_NO_CONSOLE:
			console = 0;
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
		fprintf(stderr, "tula: cannot set up the event loop\n");
		return 1;
	}
	if (db_open(&dbo, &db, &rep) < 0) {
		fprintf(stderr, "tula: cannot open %s\n", dbo.path);
		goto out_loop;
	}
	if (db_activate(db, &d) < 0 || db_attach_loop(db, loop) < 0)
		fprintf(stderr, "tula: the stored configuration did not activate\n");
	db_diags_free(&d);
	if (sh_server_start(loop, db, &so, why, sizeof(why)) < 0) {
		fprintf(stderr, "tula: %s\n", why);
		goto out_db;
	}
	if (console && sh_console_start(loop, on_console_exit, loop) < 0) {
		fprintf(stderr, "tula: cannot start the console\n");
		goto out_server;
	}
	TLOG_NOTICE("tula (shell test daemon) started");
	rc = tula_loop_run(loop) < 0 ? 1 : 0;
	sh_console_stop();
out_server:
	sh_server_stop();
out_db:
	db_close(db);
out_loop:
	tula_loop_del_fd(loop, sigfd);
	close(sigfd);
	tula_loop_free(loop);
	return rc;
}
