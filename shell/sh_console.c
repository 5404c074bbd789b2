/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The console: `tula` started on a terminal runs the interactive client in a thread
 * of its own, talking to the CLI server over a socketpair — the very code `tula cli`
 * runs, so there is one protocol and one set of paths. The peer of the socketpair is
 * this process, so SO_PEERCRED makes the console user the daemon's (root:
 * super-user).
 *
 * The daemon blocks SIGINT/SIGTERM in every thread and reads them from a signalfd. The
 * client turns the terminal's ISIG off, so ^C on the console is a key (it cancels the
 * line or stops the pager) and never a SIGINT that would stop the daemon; SIGTERM
 * still shuts down. Leaving the console closes its socket; the server notices on the
 * loop thread and calls on_exit there, which is the safe cross-thread path.
 */
#include "shell/sh_client.h"
#include "shell/sh_server.h"

#include "common/tula_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct {
	int running;
	pthread_t thread;
	int client_fd; /* the thread's end */
	int server_fd; /* the server's end, -1 once the server closed it */
	int wake[2];   /* written by sh_console_stop() */
	void (*on_exit)(void *arg);
	void *arg;
} C = {.client_fd = -1, .server_fd = -1, .wake = {-1, -1}};

static void *console_main(void *unused)
{
	struct sh_client_opts o = {.interactive = 1, .console = 1, .wake_fd = C.wake[0]};

	(void)unused;
	sh_client_run(C.client_fd, &o);
	/* tell the server we are gone: it ends the session and calls on_exit */
	shutdown(C.client_fd, SHUT_RDWR);
	return NULL;
}

/* On the loop thread, when the server has ended the console's session. */
static void console_closed(void *arg)
{
	(void)arg;
	C.server_fd = -1;
	if (C.on_exit != NULL)
		C.on_exit(C.arg);
}

int sh_console_start(struct tula_loop *loop, void (*on_exit)(void *arg), void *arg)
{
	int sv[2], rc;

	(void)loop;
	if (C.running)
		return -EALREADY;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -ENOTTY;
	if (pipe2(C.wake, O_CLOEXEC) < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		rc = -errno;
		goto fail_pipe;
	}
	C.on_exit = on_exit;
	C.arg = arg;
	C.server_fd = sv[0];
	C.client_fd = sv[1];
	rc = sh_server_add_fd(sv[0], console_closed, NULL);
	if (rc < 0) {
		close(sv[0]);
		close(sv[1]);
		goto fail_pipe;
	}
	tula_log_set_stderr(0); /* the terminal is the console's; `show log` has the lines */
	rc = -pthread_create(&C.thread, NULL, console_main, NULL);
	if (rc < 0) {
		tula_log_set_stderr(1);
		shutdown(sv[1], SHUT_RDWR); /* the server frees its end */
		close(sv[1]);
		C.on_exit = NULL;
		goto fail_pipe;
	}
	C.running = 1;
	return 0;
fail_pipe:
	close(C.wake[0]);
	close(C.wake[1]);
	C.wake[0] = C.wake[1] = -1;
	return rc;
}

void sh_console_stop(void)
{
	if (!C.running)
		return;
	C.on_exit = NULL; /* already stopping */
	/* wake the thread wherever it waits: the terminal (wake pipe) or the daemon */
	if (write(C.wake[1], "x", 1) < 0)
		TLOG_WARNING("console: cannot wake the console thread: %s", strerror(errno));
	if (C.server_fd >= 0)
		shutdown(C.server_fd, SHUT_RDWR);
	pthread_join(C.thread, NULL);
	close(C.client_fd);
	close(C.wake[0]);
	close(C.wake[1]);
	C.client_fd = -1;
	C.wake[0] = C.wake[1] = -1;
	C.running = 0;
	tula_log_set_stderr(1);
}
