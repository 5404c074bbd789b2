/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `ping` and `traceroute` from Tula's own addresses, with the Junos options (count,
 * source, size, do-not-fragment, ...).
 *
 * They run the system's ping and traceroute inside the daemon's network namespace:
 * there the kernel owns Tula's self addresses on the TAP devices, so the probes leave
 * through the data path exactly as health probes do, and the replies come back
 * through the punt path. Everything the operator types is checked first (addresses
 * must be dotted quads: no name resolution that could hang, bounded numbers), the
 * program is started without a shell, and its life is bounded by a kill timer (every
 * probe sent plus the wait for the last answer; ping's own -w would turn count into
 * "count replies" and keep sending). Its output is read from a pipe on the loop and
 * shown line by line as it arrives (sh_ctx_progress), bounded in size; the command
 * finishes when the pipe closes and the child is reaped.
 *
 * Thread: the control thread's loop.
 */
#include "shell/sh_session.h"

#include "common/tula_loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define TOOL_MAX_OUTPUT (256 * 1024) /* a traceroute of 30 hops is ~3 KiB */
#define TOOL_REAP_TRIES 100	     /* x 20 ms after the pipe closed */

struct tool_run {
	struct sh_ctx *ctx;
	const char *name; /* "ping" / "traceroute" */
	pid_t pid;
	int fd; /* read side of the child's stdout + stderr */
	size_t total;
	int truncated;
	int reap_tries;
	struct tula_timer *kill_timer; /* the whole run's bound */
	struct tula_timer *reap_timer; /* waits for the exit after EOF */
};

static void run_free(struct tool_run *r)
{
	if (r->fd >= 0) {
		tula_loop_del_fd(sh_loop(), r->fd);
		close(r->fd);
	}
	tula_timer_free(r->kill_timer);
	tula_timer_free(r->reap_timer);
	free(r);
}

/* The session ended first: stop the child and forget it. */
static void run_cancel(void *arg)
{
	struct tool_run *r = arg;

	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0); /* SIGKILL: returns at once */
	}
	run_free(r);
}

static void run_finish(struct tool_run *r, int status)
{
	struct sh_ctx *ctx = r->ctx;
	int rc = 0;

	if (r->truncated)
		sh_printf(ctx, "\n[output cut at %u KiB]\n", TOOL_MAX_OUTPUT / 1024);
	if (WIFSIGNALED(status))
		rc = sh_err(ctx, "error: %s stopped: it ran longer than its bound", r->name);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		rc = sh_err(ctx, "error: %s is not installed on this system", r->name);
	/* ping exits 1 when replies were missing: the statistics above say so */
	else if (WIFEXITED(status) && WEXITSTATUS(status) > 1)
		rc = sh_err(ctx, "error: %s failed (exit status %d)", r->name, WEXITSTATUS(status));
	r->pid = 0;
	run_free(r);
	sh_ctx_resume(ctx, rc);
}

static void try_reap(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct tool_run *r = arg;
	int status = 0;
	pid_t p;

	(void)loop;
	(void)t;
	if (r->pid <= 0) { /* never started: the error is already recorded */
		run_finish(r, 0);
		return;
	}
	p = waitpid(r->pid, &status, WNOHANG);
	if (p == r->pid || (p < 0 && errno == ECHILD)) {
		run_finish(r, p == r->pid ? status : 0);
		return;
	}
	if (++r->reap_tries >= TOOL_REAP_TRIES) /* closed its output but lingers */
		kill(r->pid, SIGKILL);
	tula_timer_arm(r->reap_timer, 20, 0);
}

static void on_output(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct tool_run *r = arg;
	char buf[4096];
	ssize_t n;

	(void)events;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n > 0) {
		size_t keep = (size_t)n;

		if (r->total + keep > TOOL_MAX_OUTPUT) {
			keep = TOOL_MAX_OUTPUT - r->total;
			r->truncated = 1;
		}
		r->total += keep;
		if (keep > 0) {
			tula_buf_add(sh_ctx_out(r->ctx), buf, keep);
			sh_ctx_progress(r->ctx);
		}
		return;
	}
	/* EOF (or a read error): the child is done writing */
	tula_loop_del_fd(loop, fd);
	close(fd);
	r->fd = -1;
	try_reap(loop, r->reap_timer, r);
}

static void on_kill(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct tool_run *r = arg;

	(void)loop;
	(void)t;
	if (r->pid > 0)
		kill(r->pid, SIGKILL); /* the pipe closes, on_output reaps */
}

/* q or ^C: as at a shell, SIGINT (ping then prints its statistics and exits). */
static void run_stop(void *arg)
{
	struct tool_run *r = arg;

	if (r->pid > 0)
		kill(r->pid, SIGINT);
}

/* Start argv with stdout and stderr on a pipe, no other descriptor inherited. */
static int spawn(char *const argv[], pid_t *pid, int *fd)
{
	posix_spawn_file_actions_t fa;
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	rc = posix_spawnp(pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		return -rc;
	}
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	*fd = p[0];
	return 0;
}

static int start_tool(struct sh_ctx *ctx, const char *name, char *const argv[], unsigned bound_s)
{
	struct tool_run *r;
	int rc;

	if (sh_loop() == NULL)
		return sh_err(ctx, "error: %s needs the CLI server's loop", name);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->ctx = ctx;
	r->name = name;
	r->fd = -1;
	r->kill_timer = tula_timer_new(sh_loop(), on_kill, r);
	r->reap_timer = tula_timer_new(sh_loop(), try_reap, r);
	if (r->kill_timer == NULL || r->reap_timer == NULL) {
		run_free(r);
		return -ENOMEM;
	}
	rc = sh_ctx_defer(ctx, run_cancel, r);
	if (rc < 0) {
		run_free(r);
		return sh_err(ctx, "error: %s waits for the network: run it from a CLI session",
			      name);
	}
	rc = spawn(argv, &r->pid, &r->fd);
	if (rc == 0)
		rc = tula_loop_add_fd(sh_loop(), r->fd, TULA_EV_READ, on_output, r);
	if (rc < 0) {
		/* deferred already: finish through the normal path, from the loop */
		sh_err(ctx, "error: cannot start %s: %s", name, strerror(-rc));
		if (r->pid > 0)
			kill(r->pid, SIGKILL);
		if (r->fd >= 0) {
			close(r->fd);
			r->fd = -1;
		}
		tula_timer_arm(r->reap_timer, 0, 0);
		return 0;
	}
	tula_timer_arm(r->kill_timer, (uint64_t)bound_s * 1000, 0);
	sh_ctx_on_stop(ctx, run_stop);
	return 0;
}

/* A dotted quad (no names: resolving could hang the loop's child for long). */
static int check_addr(struct sh_ctx *ctx, const char *what, const char *a)
{
	struct in_addr x;

	if (inet_pton(AF_INET, a, &x) != 1)
		return sh_err(ctx, "error: %s %s is not an IPv4 address (A.B.C.D)", what, a);
	return 0;
}

static int do_ping(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const char *host = sh_match_str(m, "HOST"), *src = sh_match_str(m, "SOURCE");
	uint64_t count = 5, size = 56, wait = 1, ttl = 0;
	char c_count[24], c_size[24], c_wait[24], c_ttl[24], c_interval[24];
	char *argv[24];
	size_t n = 0;
	uint64_t interval_ms = 1000;

	(void)arg;
	if (check_addr(ctx, "host", host) < 0 ||
	    (src != NULL && check_addr(ctx, "source", src) < 0))
		return -EINVAL;
	sh_match_uint(m, "COUNT", &count);
	sh_match_uint(m, "SIZE", &size);
	sh_match_uint(m, "WAIT", &wait);
	sh_match_uint(m, "TTL", &ttl);
	if (sh_match_has(m, "rapid"))
		interval_ms = 200; /* the shortest an unprivileged-looking ping accepts */
	snprintf(c_count, sizeof(c_count), "%llu", (unsigned long long)count);
	snprintf(c_size, sizeof(c_size), "%llu", (unsigned long long)size);
	snprintf(c_wait, sizeof(c_wait), "%llu", (unsigned long long)wait);
	snprintf(c_interval, sizeof(c_interval), "%.1f", (double)interval_ms / 1000.0);
	argv[n++] = "ping";
	argv[n++] = "-n";
	argv[n++] = "-c";
	argv[n++] = c_count;
	argv[n++] = "-s";
	argv[n++] = c_size;
	argv[n++] = "-W";
	argv[n++] = c_wait;
	argv[n++] = "-i";
	argv[n++] = c_interval;
	if (src != NULL) {
		argv[n++] = "-I";
		argv[n++] = (char *)src;
	}
	if (sh_match_has(m, "do-not-fragment")) {
		argv[n++] = "-M";
		argv[n++] = "do";
	}
	if (ttl > 0) {
		snprintf(c_ttl, sizeof(c_ttl), "%llu", (unsigned long long)ttl);
		argv[n++] = "-t";
		argv[n++] = c_ttl;
	}
	argv[n++] = (char *)host;
	argv[n] = NULL;
	return start_tool(ctx, "ping", argv, (unsigned)(count * interval_ms / 1000 + wait + 5));
}

static int do_traceroute(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const char *host = sh_match_str(m, "HOST"), *src = sh_match_str(m, "SOURCE");
	uint64_t ttl = 30, wait = 2;
	char c_ttl[24], c_wait[24];
	char *argv[16];
	size_t n = 0;

	(void)arg;
	if (check_addr(ctx, "host", host) < 0 ||
	    (src != NULL && check_addr(ctx, "source", src) < 0))
		return -EINVAL;
	sh_match_uint(m, "TTL", &ttl);
	sh_match_uint(m, "WAIT", &wait);
	snprintf(c_ttl, sizeof(c_ttl), "%llu", (unsigned long long)ttl);
	snprintf(c_wait, sizeof(c_wait), "%llu", (unsigned long long)wait);
	argv[n++] = "traceroute";
	argv[n++] = "-n";
	argv[n++] = "-q";
	argv[n++] = "1";
	argv[n++] = "-m";
	argv[n++] = c_ttl;
	argv[n++] = "-w";
	argv[n++] = c_wait;
	if (src != NULL) {
		argv[n++] = "-s";
		argv[n++] = (char *)src;
	}
	if (sh_match_has(m, "icmp"))
		argv[n++] = "-I";
	argv[n++] = (char *)host;
	argv[n] = NULL;
	/* one probe per hop, each waiting at most wait seconds */
	return start_tool(ctx, "traceroute", argv, (unsigned)(ttl * wait + 5));
}

static const char *const h_ping[] = {
	"Ping a remote target from Tula's own addresses",
	"IPv4 address of the target",
	"Number of requests to send (default 5)",
	"Requests",
	"Source address of the requests (one of Tula's self addresses)",
	"IPv4 address",
	"Size of the data in each request (bytes, default 56)",
	"Bytes",
	"Set the don't-fragment bit (find the path MTU with size)",
	"Time to live",
	"Hops",
	"Seconds to wait for each reply (default 1)",
	"Seconds",
	"Send requests rapidly (every 0.2 s)",
	NULL};
static const char *const h_trace[] = {"Show the route packets take to a target",
				      "IPv4 address of the target",
				      "Source address of the probes (one of Tula's self addresses)",
				      "IPv4 address",
				      "Maximum hops (default 30)",
				      "Hops",
				      "Seconds to wait for each probe (default 2)",
				      "Seconds",
				      "Probe with ICMP echo instead of UDP",
				      NULL};

static const struct sh_arg a_ping[] = {
	{.name = "HOST", .display = "<host>"},
	{.name = "COUNT", .type = SH_ARG_UINT, .display = "<count>", .min = 1, .max = 1000},
	{.name = "SOURCE", .display = "<source>"},
	{.name = "SIZE", .type = SH_ARG_UINT, .display = "<bytes>", .min = 0, .max = 65468},
	{.name = "TTL", .type = SH_ARG_UINT, .display = "<hops>", .min = 1, .max = 255},
	{.name = "WAIT", .type = SH_ARG_UINT, .display = "<seconds>", .min = 1, .max = 10},
	{NULL},
};
static const struct sh_arg a_trace[] = {
	{.name = "HOST", .display = "<host>"},
	{.name = "SOURCE", .display = "<source>"},
	{.name = "TTL", .type = SH_ARG_UINT, .display = "<hops>", .min = 1, .max = 64},
	{.name = "WAIT", .type = SH_ARG_UINT, .display = "<seconds>", .min = 1, .max = 10},
	{NULL},
};

static const struct sh_cmd tool_cmds[] = {
	{.syntax = "ping HOST [count COUNT] [source SOURCE] [size SIZE] [do-not-fragment] "
		   "[ttl TTL] [wait WAIT] [rapid]",
	 .help = h_ping,
	 .args = a_ping,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = do_ping},
	{.syntax = "traceroute HOST [source SOURCE] [ttl TTL] [wait WAIT] [icmp]",
	 .help = h_trace,
	 .args = a_trace,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = do_traceroute},
};

#define NB_TOOLS (sizeof(tool_cmds) / sizeof(tool_cmds[0]))

int sh_tools_register(struct sh_engine *e)
{
	return sh_engine_add_all(e, tool_cmds, NB_TOOLS);
}

void sh_tools_unregister(struct sh_engine *e)
{
	sh_engine_remove_all(e, tool_cmds, NB_TOOLS);
}
