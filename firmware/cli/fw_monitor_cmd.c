/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `monitor traffic` (see fw_monitor_cmd.h): resolves the interface and the VIP, opens
 * the file in the capture directory, and runs the capture as a deferred command
 * (sh_ctx_defer): decoded lines are streamed with sh_ctx_stream, and dropped (counted)
 * when the client is behind; the summary ends the command.
 */
#include "firmware/cli/fw_monitor_cmd.h"

#include "firmware/cli/fw_cmds_priv.h"

#include "common/tula_buf.h"
#include "common/tula_loop.h"
#include "db/db.h"
#include "firmware/control/fw_ctl.h"
#include "firmware/control/fw_monitor.h"
#include "firmware/fw_state.h"
#include "shell/sh_cmd.h"
#include "shell/sh_server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_NAME_MAX 64

static struct fw_ctl *the_ctl;
static struct fw_monitor *the_mon;
static char the_dir[PATH_MAX];

/* One running `monitor traffic` (at most one: fw_monitor runs one capture). */
struct run {
	struct sh_ctx *ctx;
	struct tula_timer *stop_timer; /* the operator pressed q or ^C: finish from the loop */
	char path[PATH_MAX];	       /* the file, "" when decoding */
	char port[FW_STATE_NAME_MAX];
};

struct port_walk {
	const char *name;
	int port_id;
};

static void find_port(void *arg, const struct fw_ctl_port *p)
{
	struct port_walk *w = arg;

	if (strcmp(p->name, w->name) == 0)
		w->port_id = p->port_id;
}

static int file_name_ok(const char *f)
{
	size_t n = strlen(f);

	if (n == 0 || n > FILE_NAME_MAX || f[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((f[i] >= 'a' && f[i] <= 'z') || (f[i] >= 'A' && f[i] <= 'Z') ||
		      (f[i] >= '0' && f[i] <= '9') || f[i] == '.' || f[i] == '_' || f[i] == '-'))
			return 0;
	return 1;
}

static void summary(struct run *r, const struct fw_monitor_result *res)
{
	if (r->path[0] != '\0')
		sh_printf(r->ctx, "%llu packets written to %s (%llu bytes), %s\n",
			  (unsigned long long)res->packets, r->path, (unsigned long long)res->bytes,
			  res->why);
	else
		sh_printf(r->ctx, "%llu packets captured, %llu shown, %s\n",
			  (unsigned long long)res->packets,
			  (unsigned long long)(res->packets - res->lost_text), res->why);
	sh_printf(r->ctx,
		  "%llu packets not captured (the capture ring was full: the data path went on)\n",
		  (unsigned long long)res->lost);
	if (res->lost_text != 0)
		sh_printf(r->ctx, "%llu lines not shown (the terminal was behind)\n",
			  (unsigned long long)res->lost_text);
}

static int on_text(void *arg, const char *text, size_t len)
{
	struct run *r = arg;
	int rc;

	tula_buf_add(sh_ctx_out(r->ctx), text, len);
	rc = sh_ctx_stream(r->ctx);
	if (rc < 0) {
		tula_buf_reset(sh_ctx_out(r->ctx));
		return -EAGAIN;
	}
	return 0;
}

static void run_free(struct run *r)
{
	tula_timer_free(r->stop_timer);
	free(r);
}

static void on_done(void *arg, const struct fw_monitor_result *res)
{
	struct run *r = arg;
	struct sh_ctx *ctx = r->ctx;

	summary(r, res);
	run_free(r);
	sh_ctx_resume(ctx, 0);
}

/* The session went away (the client stopped): stop the capture, close the file. */
static void on_cancel(void *arg)
{
	struct run *r = arg;

	fw_monitor_stop(the_mon, NULL);
	run_free(r);
}

/* After the operator's q / ^C: stop the capture, say what it caught, end the command. */
static void stop_tick(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct run *r = arg;
	struct sh_ctx *ctx = r->ctx;
	struct fw_monitor_result res;

	(void)loop;
	(void)t;
	fw_monitor_stop(the_mon, &res);
	summary(r, &res);
	run_free(r);
	sh_ctx_resume(ctx, 0);
}

/* The operator pressed q or ^C (sh_ctx_on_stop): finish from a loop callback. */
static void on_stop(void *arg)
{
	struct run *r = arg;

	if (r->stop_timer == NULL)
		r->stop_timer = tula_timer_new(sh_server_loop(), stop_tick, r);
	if (r->stop_timer != NULL)
		tula_timer_arm(r->stop_timer, 0, 0);
}

static int monitor_traffic(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const struct fw_state *st = fw_ctl_state(the_ctl);
	struct port_walk pw = {sh_match_str(m, "IFNAME"), -1};
	const char *file = sh_match_str(m, "FILE");
	struct fw_monitor_opts o = {.vip_slot = -1, .fd = -1};
	const struct db_node *vip;
	struct run *r;
	uint64_t count = 0;
	int err, rc;

	(void)arg;
	fw_ctl_ports(the_ctl, find_port, &pw);
	if (pw.port_id < 0)
		return sh_err(ctx, "error: no interface named %s is open", pw.name);
	vip = fw_cmd_wanted_vip(ctx, m, &err);
	if (err)
		return err;
	if (vip != NULL) {
		o.vip_slot = fw_cmd_vip_slot(st, vip);
		if (o.vip_slot < 0)
			return sh_err(ctx, "error: VIP %s is not installed in the data path",
				      db_node_key(vip));
	}
	sh_match_uint(m, "COUNT", &count);
	if (fw_monitor_busy(the_mon))
		return sh_err(ctx, "error: a capture is already running (one at a time)");
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return sh_err(ctx, "error: out of memory");
	r->ctx = ctx;
	snprintf(r->port, sizeof(r->port), "%s", pw.name);
	if (file != NULL) {
		if (!file_name_ok(file)) {
			free(r);
			return sh_err(ctx,
				      "error: write-file %s: give a plain file name (letters, "
				      "digits, '.', '_', '-', at most %d, not starting with '.'); "
				      "it is created in %s",
				      file, FILE_NAME_MAX, the_dir);
		}
		if (mkdir(the_dir, 0750) < 0 && errno != EEXIST) {
			rc = errno;
			free(r);
			return sh_err(ctx, "error: cannot create the capture directory %s: %s",
				      the_dir, strerror(rc));
		}
		snprintf(r->path, sizeof(r->path), "%s/%s", the_dir, file);
		o.fd = open(r->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
		if (o.fd < 0) {
			rc = errno;
			rc = sh_err(ctx, "error: write-file %s: cannot create %s: %s", file,
				    r->path, rc == EEXIST ? "it exists already" : strerror(rc));
			free(r);
			return rc;
		}
	}
	o.port_id = (uint16_t)pw.port_id;
	o.count = count;
	o.port_name = r->port;
	o.text = on_text;
	o.done = on_done;
	o.arg = r;
	/* started before the defer: its first drain runs from the loop, after this returns */
	rc = fw_monitor_start(the_mon, &o); /* closes o.fd on failure */
	if (rc < 0) {
		if (r->path[0] != '\0')
			unlink(r->path);
		free(r);
		return sh_err(ctx, "error: the capture could not start: %s",
			      rc == -ENOBUFS ? "the data path is busy, try again" : strerror(-rc));
	}
	rc = sh_ctx_defer(ctx, on_cancel, r);
	if (rc < 0) {
		fw_monitor_stop(the_mon, NULL);
		if (r->path[0] != '\0')
			unlink(r->path);
		free(r);
		return sh_err(ctx, "error: monitor traffic needs a CLI session (it runs until "
				   "stopped)");
	}
	/* q or ^C on the operator's terminal stops it (the client reads keys while the
	 * output is live, which the first line below announces at once) */
	sh_ctx_on_stop(ctx, on_stop);
	if (r->path[0] == '\0')
		sh_printf(ctx, "listening on %s%s%s, decoded lines%s\n", pw.name,
			  vip ? ", VIP " : "", vip ? db_node_key(vip) : "",
			  count ? "" : " until interrupted (q or Ctrl-C)");
	sh_ctx_stream(ctx);
	return 0;
}

static void interface_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	struct db *db = sh_server_db();

	(void)s;
	(void)m;
	if (db == NULL)
		return;
	for (const struct db_node *i = db_node_first(db_active_effective(db), "interfaces"); i;
	     i = db_node_next(i))
		sh_cands_add(out, SH_CAND_NAME, db_node_key(i), db_get_str(i, "description"));
}

static const struct sh_arg a_monitor[] = {
	{.name = "IFNAME", .display = "<interface-name>", .names = interface_names},
	{.name = "NAME", .display = "<vip-name>", .names = fw_cmd_vip_names},
	{.name = "COUNT",
	 .type = SH_ARG_UINT,
	 .display = "<packets>",
	 .min = 1,
	 .max = FW_MONITOR_MAX_PACKETS},
	{.name = "FILE", .display = "<file-name>"},
	{NULL},
};
static const char *const h_monitor[] = {"Show real-time information",
					"Packets the data path receives",
					"On an interface",
					"Interface name",
					"Only the packets of one VIP",
					"VIP name",
					"Stop after a number of packets",
					"Number of packets",
					"Write pcapng to a file in the capture directory",
					"File name (no '/')",
					NULL};

static const struct sh_cmd cmds[] = {
	{.syntax = "monitor traffic interface IFNAME [vip NAME] [count COUNT] [write-file FILE]",
	 .help = h_monitor,
	 .args = a_monitor,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = monitor_traffic},
};

int fw_monitor_cmds_register(struct fw_ctl *ctl, struct fw_monitor *mon, const char *dir)
{
	the_ctl = ctl;
	the_mon = mon;
	snprintf(the_dir, sizeof(the_dir), "%s", dir);
	return sh_cmds_register(cmds, sizeof(cmds) / sizeof(cmds[0]));
}

void fw_monitor_cmds_unregister(void)
{
	sh_cmds_unregister(cmds, sizeof(cmds) / sizeof(cmds[0]));
	the_ctl = NULL;
	the_mon = NULL;
}
