/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tula: the appliance's single binary.
 *
 *   tula [OPTIONS] [-- EAL-OPTIONS]   the daemon (with the console when stdin is a tty)
 *   tula cli ...                      the shell, as a client of the running daemon
 *   tula lua ...                      run a Lua script in the daemon
 *
 * The daemon starts its modules from one ordered table and stops them in reverse; the
 * first module that fails to start stops start-up with a one-line reason saying what
 * to fix. The main lcore is the control thread: it runs the event loop (CLI sessions,
 * timers, punted packets, the systemd watchdog); every other lcore is a worker.
 *
 * Signals: SIGTERM and SIGINT stop the daemon; SIGHUP opens the --log file again (for
 * logrotate). Under systemd (Type=notify) the daemon reports READY=1 once the active
 * configuration is applied and the CLI socket listens.
 */
#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "common/tula_notify.h"
#include "db/db.h"
#include "firmware/cli/fw_cmds.h"
#include "firmware/control/fw_bird.h"
#include "firmware/cli/fw_monitor_cmd.h"
#include "firmware/control/fw_ctl.h"
#include "firmware/control/fw_dp.h"
#include "firmware/control/fw_eal.h"
#include "firmware/control/fw_health.h"
#include "firmware/control/fw_metrics.h"
#include "firmware/control/fw_monitor.h"
#include "firmware/control/fw_rates.h"
#include "firmware/control/fw_telemetry.h"
#include "lua/lx.h"
#include "shell/sh_server.h"

#include <errno.h>
#include <libgen.h>
#include <sys/stat.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

struct daemon {
	const char *db_path;
	const char *socket_path;
	const char *scripts_dir;
	const char *log_path;
	const char *config_path; /* --config: first revision of a new database */
	int console;
	int eal_argc;
	char **eal_argv;
	struct tula_loop *loop;
	int sigfd;
	struct db *db;
	struct fw_dp *dp;
	struct fw_ctl *ctl;
	struct fw_health *health;
	struct fw_bird *bird;
	struct fw_rates *rates;
	struct fw_telemetry *telemetry;
	struct fw_metrics *metrics;
	struct fw_monitor *monitor;
	char why[512]; /* the reason a module failed to start */
};

struct module {
	const char *name;
	int (*init)(struct daemon *d); /* 0, or -errno with d->why filled */
	void (*fini)(struct daemon *d);
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: tula [OPTIONS] [-- EAL-OPTIONS]\n"
		   "       tula cli [--socket PATH] [-c COMMAND]...\n"
		   "       tula lua [--socket PATH] (FILE | -e CODE) [ARGS]...\n"
		   "\n"
		   "Tula, a Direct Server Return (L2 and IP-in-IP) load balancer on DPDK.\n"
		   "\n"
		   "Daemon options:\n"
		   "  --db FILE        configuration database (default /var/lib/tula/config.db)\n"
		   "  --socket PATH    CLI socket for `tula cli` (default /run/tula/cli.sock)\n"
		   "  --scripts DIR    Lua op and commit scripts (default /etc/tula/scripts)\n"
		   "  --config FILE    commit FILE (Junos braces text) as the first revision when\n"
		   "                   the database is new\n"
		   "  --log FILE       also append log lines to FILE\n"
		   "  --no-console     do not run the console shell even on a terminal\n"
		   "  -h, --help       this text\n"
		   "  -V, --version    print the version and exit\n"
		   "\n"
		   "EAL options (after --) are DPDK's own, e.g. `-- -l 0-1 --no-huge -m 512`.\n"
		   "Without them Tula uses `-m 512 --no-pci --file-prefix tula --in-memory`, or\n"
		   "`--no-huge --no-shconf` instead of `--in-memory` when no hugepages are free.\n"
		   "PCI NICs need `-a ADDR`. DPDK telemetry: dpdk-telemetry.py -f PREFIX (tula\n"
		   "by default).\n"
		   "Ports come from the configuration (interfaces NAME device DEVARGS), not from\n"
		   "--vdev. Every lcore but the first is a worker.\n");
}

static int parse_args(struct daemon *d, int argc, char **argv)
{
	enum { OPT_DB = 256, OPT_SOCKET, OPT_SCRIPTS, OPT_LOG, OPT_NO_CONSOLE, OPT_CONFIG };
	static const struct option opts[] = {
		{"db", required_argument, NULL, OPT_DB},
		{"socket", required_argument, NULL, OPT_SOCKET},
		{"scripts", required_argument, NULL, OPT_SCRIPTS},
		{"log", required_argument, NULL, OPT_LOG},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"no-console", no_argument, NULL, OPT_NO_CONSOLE},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	d->db_path = "/var/lib/tula/config.db";
	d->socket_path = "/run/tula/cli.sock";
	d->scripts_dir = "/etc/tula/scripts";
	d->console = isatty(STDIN_FILENO);

	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case OPT_DB:
			d->db_path = optarg;
			break;
		case OPT_SOCKET:
			d->socket_path = optarg;
			break;
		case OPT_SCRIPTS:
			d->scripts_dir = optarg;
			break;
		case OPT_LOG:
			d->log_path = optarg;
			break;
		case OPT_CONFIG:
			d->config_path = optarg;
			break;
		case OPT_NO_CONSOLE:
			d->console = 0;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("tula %s (DPDK %s)\n", TULA_VERSION, "22.11");
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc && strcmp(argv[optind - 1], "--") != 0) {
		fprintf(stderr, "tula: unexpected argument '%s' (EAL options go after --)\n",
			argv[optind]);
		return -EINVAL;
	}
	/* EAL gets argv[0] followed by everything after "--". */
	d->eal_argc = argc - optind + 1;
	d->eal_argv = &argv[optind - 1];
	d->eal_argv[0] = argv[0];
	return 0;
}

/* --- modules ------------------------------------------------------------------------- */

static int log_init(struct daemon *d)
{
	int rc;

	if (d->log_path == NULL)
		return 0;
	rc = tula_log_set_file(d->log_path);
	if (rc < 0)
		snprintf(d->why, sizeof(d->why), "cannot open log file %s: %s", d->log_path,
			 strerror(-rc));
	return rc;
}

static void log_fini(struct daemon *d)
{
	(void)d;
	tula_log_set_file(NULL);
}

static void on_signal(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;
	int rc;

	(void)events;
	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (si.ssi_signo == SIGHUP) {
		rc = tula_log_reopen();
		if (rc < 0)
			TLOG_ERR("received SIGHUP: cannot open log file %s again: %s (still "
				 "writing to the old one)",
				 d->log_path, strerror(-rc));
		else
			TLOG_NOTICE("received SIGHUP: log file %s opened again",
				    d->log_path ? d->log_path : "(none)");
		return;
	}
	TLOG_NOTICE("received %s, shutting down", strsignal((int)si.ssi_signo));
	tula_loop_stop(loop);
}

/* The signals the event loop takes from a signalfd (blocked in every thread). */
static void loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

static int loop_init(struct daemon *d)
{
	sigset_t set;
	int rc;

	d->loop = tula_loop_new();
	if (d->loop == NULL) {
		snprintf(d->why, sizeof(d->why), "cannot create the event loop: %s",
			 strerror(errno));
		return -errno;
	}
	loop_signals(&set);
	d->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sigfd < 0) {
		snprintf(d->why, sizeof(d->why), "signalfd: %s", strerror(errno));
		return -errno;
	}
	rc = tula_loop_add_fd(d->loop, d->sigfd, TULA_EV_READ, on_signal, d);
	if (rc < 0)
		snprintf(d->why, sizeof(d->why), "cannot watch signals: %s", strerror(-rc));
	return rc;
}

static void loop_fini(struct daemon *d)
{
	if (d->sigfd >= 0) {
		tula_loop_del_fd(d->loop, d->sigfd);
		close(d->sigfd);
	}
	tula_loop_free(d->loop);
	d->loop = NULL;
}

static int eal_init(struct daemon *d)
{
	int rc = fw_eal_init(d->eal_argc, d->eal_argv);

	if (rc < 0)
		snprintf(d->why, sizeof(d->why), "cannot start DPDK: %s", fw_eal_last_error());
	return rc;
}

static void eal_fini(struct daemon *d)
{
	(void)d;
	fw_eal_fini();
}

/* Read a whole file into a NUL-terminated buffer (caller frees), or NULL with errno. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *p = realloc(buf, cap ? cap * 2 : 8192);

			if (p == NULL) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
			cap = cap ? cap * 2 : 8192;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void print_diags(const char *what, const struct db_diags *dg)
{
	for (size_t i = 0; i < dg->n; i++) {
		const struct db_diag *g = &dg->v[i];

		tula_log(g->level == DB_DIAG_ERROR ? TULA_LOG_ERR : TULA_LOG_WARNING,
			 "%s: %s%s%s%s", what, g->path[0] ? "[" : "", g->path,
			 g->path[0] ? "] " : "", g->message);
	}
}

static int db_init(struct daemon *d)
{
	struct db_open_opts o = {.path = d->db_path, .seed_user = "root"};
	struct db_open_report rep;
	char dir[4096];
	char *seed = NULL;
	struct stat sb;
	int rc;

	snprintf(dir, sizeof(dir), "%s", d->db_path);
	if (stat(dirname(dir), &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(d->why, sizeof(d->why),
			 "cannot open database %s: directory %s does not exist (create it or "
			 "give --db FILE)",
			 d->db_path, dir);
		return -ENOENT;
	}
	if (d->config_path != NULL) {
		seed = slurp(d->config_path);
		if (seed == NULL) {
			snprintf(d->why, sizeof(d->why), "cannot read --config %s: %s",
				 d->config_path, strerror(errno));
			return -errno;
		}
		o.seed_text = seed;
	}
	rc = db_open(&o, &d->db, &rep);
	free(seed);
	if (rc < 0) {
		/* the file stays as it is: the operator fixes what the reason says */
		snprintf(d->why, sizeof(d->why), "cannot open database %s: %s", d->db_path,
			 rep.reason[0] ? rep.reason : strerror(-rc));
		return rc;
	}
	switch (rep.source) {
	case DB_OPENED:
		break;
	case DB_CREATED:
		TLOG_NOTICE("database %s created%s", d->db_path,
			    d->config_path ? " from --config" : " with the factory default");
		break;
	case DB_FROM_RESCUE:
	case DB_FROM_FACTORY:
		/* loud: the configuration running is not the one committed last */
		TLOG_WARNING("DATABASE DAMAGED: %s (%s); the damaged file is kept as %s; Tula "
			     "STARTED FROM THE %s CONFIGURATION, not from the last commit",
			     d->db_path, rep.reason, rep.moved_to,
			     rep.source == DB_FROM_RESCUE ? "RESCUE" : "FACTORY-DEFAULT");
		break;
	}
	if (rep.seed_errors)
		TLOG_ERR("--config %s did not load (%s): started from the factory default",
			 d->config_path, rep.reason);
	return 0;
}

static void db_fini(struct daemon *d)
{
	db_close(d->db);
	d->db = NULL;
}

/* The data path's tables are sized from the active configuration's `system data-path`
 * (a later change waits for a restart: fw_ctl says so at commit). */
static int dp_init(struct daemon *d)
{
	struct fw_dp_conf conf = {.nb_workers = (uint16_t)fw_dp_worker_lcores()};
	struct fw_ctl_limits lim;
	int rc;

	fw_ctl_limits(db_active_effective(d->db), &lim);
	conf.flow_entries = lim.flows_per_worker;
	conf.max_vips = (uint16_t)lim.max_vips;
	conf.max_backends = lim.max_backends;
	conf.new_flow_rate = lim.new_flow_rate ? lim.new_flow_rate : FW_DP_NEW_FLOW_UNCAPPED;
	conf.idle_sleep_us = lim.idle_sleep_us;

	if (conf.nb_workers == 0)
		conf.nb_workers = 1;
	d->dp = fw_dp_create(&conf);
	if (d->dp == NULL) {
		snprintf(d->why, sizeof(d->why),
			 "cannot create the data path (%u workers x %u flows, %u VIPs, %u "
			 "backends: system data-path): %s",
			 conf.nb_workers, conf.flow_entries, conf.max_vips, conf.max_backends,
			 strerror(errno));
		return -errno;
	}
	TLOG_INFO("data path: %u workers, %u flows per worker, %u VIPs, %u backends, new-flow "
		  "rate %u/s per worker, idle sleep %u us",
		  conf.nb_workers, conf.flow_entries, conf.max_vips, conf.max_backends,
		  conf.new_flow_rate, conf.idle_sleep_us);
	if (fw_dp_worker_lcores() == 0)
		return 0; /* warned by fw_eal_init: the data path stays idle */
	rc = fw_dp_start(d->dp);
	if (rc < 0)
		snprintf(d->why, sizeof(d->why), "cannot launch the worker lcores: %s",
			 strerror(-rc));
	return rc;
}

static void dp_fini(struct daemon *d)
{
	fw_dp_free(d->dp);
	d->dp = NULL;
}

/* `monitor traffic`: its rings outlive the workers (freed after the control side has
 * stopped them, so this module starts before it). */
static int capture_init(struct daemon *d)
{
	d->monitor = fw_monitor_new(d->loop, d->dp);
	if (d->monitor == NULL) {
		snprintf(d->why, sizeof(d->why), "cannot create the capture rings: %s",
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void capture_fini(struct daemon *d)
{
	fw_monitor_free(d->monitor);
	d->monitor = NULL;
}

static int ctl_init(struct daemon *d)
{
	struct fw_ctl_conf conf = {
		.loop = d->loop,
		.db = d->db,
		.dp = d->dp,
		.nb_queues = (uint16_t)fw_dp_nb_workers(d->dp),
	};

	d->ctl = fw_ctl_new(&conf);
	if (d->ctl == NULL) {
		snprintf(d->why, sizeof(d->why), "cannot start the firmware control side: %s",
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void ctl_fini(struct daemon *d)
{
	fw_dp_stop(d->dp); /* no worker may poll a port being closed */
	fw_ctl_free(d->ctl);
	d->ctl = NULL;
}

/* Health checks: registered after the control side, so their commit hook sees the
 * state it publishes. */
static int health_init(struct daemon *d)
{
	struct fw_health_conf conf = {.loop = d->loop, .db = d->db, .ctl = d->ctl};
	int rc;

	d->health = fw_health_new(&conf);
	if (d->health == NULL) {
		snprintf(d->why, sizeof(d->why), "cannot start the health checks: %s",
			 strerror(errno));
		return -errno;
	}
	rc = fw_health_cmds_register(d->health);
	if (rc < 0)
		snprintf(d->why, sizeof(d->why), "cannot declare the health commands: %s",
			 strerror(-rc));
	return rc;
}

static void health_fini(struct daemon *d)
{
	fw_health_cmds_unregister();
	fw_health_free(d->health);
	d->health = NULL;
}

/* The routing plane (BIRD): registered after the health checks, so its commit hook
 * sees the state they and the control side publish; stopped before them, so every VIP
 * is withdrawn while the workers still forward. BIRD's files live beside the CLI
 * socket, in Tula's runtime directory. */
static int bgp_init(struct daemon *d)
{
	char dir[4096], tmp[4096];
	struct fw_bird_conf conf = {
		.loop = d->loop,
		.db = d->db,
		.ctl = d->ctl,
		.dp = d->dp,
		.health = d->health,
		.run_dir = dir,
		.bird = getenv("TULA_BIRD"),
	};
	int rc;

	snprintf(tmp, sizeof(tmp), "%s", d->socket_path);
	snprintf(dir, sizeof(dir), "%s", dirname(tmp));
	d->bird = fw_bird_new(&conf);
	if (d->bird == NULL) {
		snprintf(d->why, sizeof(d->why),
			 "cannot start the routing plane (runtime directory %s): %s", dir,
			 strerror(errno));
		return -errno;
	}
	rc = fw_bgp_cmds_register(d->bird);
	if (rc < 0)
		snprintf(d->why, sizeof(d->why), "cannot declare the BGP commands: %s",
			 strerror(-rc));
	return rc;
}

static void bgp_fini(struct daemon *d)
{
	fw_bgp_cmds_unregister();
	fw_bird_free(d->bird);
	d->bird = NULL;
}

/* What watches the data path from outside the CLI: rates (a 1 s sampler whose tick also
 * refreshes the telemetry picture), DPDK telemetry commands, the Prometheus endpoint
 * (its commit hook must be registered before the configuration is applied). */
static void obs_tick(void *arg)
{
	struct daemon *d = arg;

	if (d->telemetry != NULL)
		fw_telemetry_refresh(d->telemetry);
}

static int obs_init(struct daemon *d)
{
	struct fw_obs_src src = {.ctl = d->ctl, .health = d->health, .db = d->db};

	d->rates = fw_rates_new(d->loop, d->dp, obs_tick, d);
	if (d->rates == NULL) {
		snprintf(d->why, sizeof(d->why), "cannot start the rate sampler: %s",
			 strerror(errno));
		return -errno;
	}
	src.rates = d->rates;
	d->telemetry = fw_telemetry_new(&src);
	if (d->telemetry == NULL) {
		snprintf(d->why, sizeof(d->why), "cannot start the telemetry commands: %s",
			 strerror(errno));
		return -errno;
	}
	d->metrics = fw_metrics_new(d->loop, &src);
	if (d->metrics == NULL) {
		snprintf(d->why, sizeof(d->why), "cannot start the metrics endpoint: %s",
			 strerror(errno));
		return -errno;
	}
	return 0;
}

static void obs_fini(struct daemon *d)
{
	fw_metrics_free(d->metrics);
	d->metrics = NULL;
	fw_telemetry_free(d->telemetry);
	d->telemetry = NULL;
	fw_rates_free(d->rates);
	d->rates = NULL;
}

/* Apply the active configuration: open its ports and publish its forwarding state. */
static int activate_init(struct daemon *d)
{
	struct db_diags dg = DB_DIAGS_INIT;
	int rc = db_activate(d->db, &dg);

	if (rc < 0) {
		const struct db_diag *g = NULL;

		for (size_t i = 0; i < dg.n && g == NULL; i++)
			if (dg.v[i].level == DB_DIAG_ERROR)
				g = &dg.v[i];
		print_diags("start-up configuration", &dg);
		snprintf(d->why, sizeof(d->why), "configuration cannot be applied: %s%s%s",
			 g && g->path[0] ? g->path : "", g && g->path[0] ? ": " : "",
			 g ? g->message : strerror(-rc));
	} else {
		print_diags("start-up configuration", &dg);
	}
	db_diags_free(&dg);
	return rc;
}

static int lua_init(struct daemon *d)
{
	struct lx_opts o = {.db = d->db, .loop = d->loop, .scripts_dir = d->scripts_dir};
	int rc = lx_init(&o);

	if (rc < 0)
		snprintf(d->why, sizeof(d->why), "cannot start Lua: %s", strerror(-rc));
	return rc;
}

static void lua_fini(struct daemon *d)
{
	(void)d;
	lx_fini();
}

static int cli_init(struct daemon *d)
{
	struct sh_server_opts o = {.socket_path = d->socket_path, .scripts_dir = d->scripts_dir};

	return sh_server_start(d->loop, d->db, &o, d->why, sizeof(d->why));
}

static void cli_fini(struct daemon *d)
{
	(void)d;
	sh_server_stop();
}

static int cmds_init(struct daemon *d)
{
	int rc = fw_cmds_register(d->ctl, d->health);
	char dir[4096], tmp[4096];

	fw_cmds_set_rates(d->rates);
	/* captures go next to the database: /var/lib/tula/captures by default */
	snprintf(tmp, sizeof(tmp), "%s", d->db_path);
	snprintf(dir, sizeof(dir), "%s/captures", dirname(tmp));
	if (rc == 0)
		rc = fw_monitor_cmds_register(d->ctl, d->monitor, dir);

	if (rc < 0)
		snprintf(d->why, sizeof(d->why), "cannot declare the firmware's commands: %s",
			 strerror(-rc));
	return rc;
}

static void cmds_fini(struct daemon *d)
{
	(void)d;
	fw_monitor_cmds_unregister();
	fw_cmds_set_rates(NULL);
	fw_cmds_unregister();
}

/* Leaving the console leaves the appliance (the demo relies on it). */
static void console_left(void *arg)
{
	struct daemon *d = arg;

	TLOG_NOTICE("console closed, shutting down");
	tula_loop_stop(d->loop);
}

static int console_init(struct daemon *d)
{
	int rc;

	if (!d->console)
		return 0;
	rc = sh_console_start(d->loop, console_left, d);
	if (rc < 0)
		snprintf(d->why, sizeof(d->why), "cannot start the console: %s", strerror(-rc));
	return rc;
}

static void console_fini(struct daemon *d)
{
	if (d->console)
		sh_console_stop();
}

static int confirm_init(struct daemon *d)
{
	int rc = db_attach_loop(d->db, d->loop);

	if (rc < 0)
		snprintf(d->why, sizeof(d->why), "cannot arm the commit-confirmed timer: %s",
			 strerror(-rc));
	return rc;
}

/* Last to start, first to stop: systemd hears "ready" only when everything above
 * runs, and "stopping" before anything goes. */
static int notify_init(struct daemon *d)
{
	int64_t wd = tula_notify_watchdog_start(d->loop);

	if (wd < 0) {
		snprintf(d->why, sizeof(d->why), "cannot arm the systemd watchdog timer: %s",
			 strerror((int)-wd));
		return (int)wd;
	}
	if (wd > 0)
		TLOG_INFO("systemd watchdog: fed every %lld ms", (long long)(wd / 2000));
	tula_notify_ready("running, %u worker lcore(s)", fw_dp_worker_lcores());
	return 0;
}

static void notify_fini(struct daemon *d)
{
	(void)d;
	tula_notify_stopping();
	tula_notify_watchdog_stop();
}

/* Start-up order; shut-down is the reverse. */
static const struct module modules[] = {
	{"log", log_init, log_fini},
	{"event loop", loop_init, loop_fini},
	{"dpdk", eal_init, eal_fini},
	{"database", db_init, db_fini},
	{"data path", dp_init, dp_fini},
	{"capture", capture_init, capture_fini},
	{"control", ctl_init, ctl_fini},
	{"health checks", health_init, health_fini},
	{"bgp", bgp_init, bgp_fini},
	{"observability", obs_init, obs_fini},
	{"lua", lua_init, lua_fini},
	{"configuration", activate_init, NULL},
	{"commit confirmed", confirm_init, NULL},
	{"cli socket", cli_init, cli_fini},
	{"commands", cmds_init, cmds_fini},
	{"console", console_init, console_fini},
	{"systemd", notify_init, notify_fini},
};

#define NB_MODULES (sizeof(modules) / sizeof(modules[0]))

static int daemon_main(int argc, char **argv)
{
	struct daemon d = {.sigfd = -1};
	size_t started = 0;
	sigset_t set;
	int rc;

	if (parse_args(&d, argc, argv) < 0)
		return 2;

	/* Block the loop's signals in every thread (the EAL's included) before any is
	 * created; the event loop takes them from a signalfd. */
	loop_signals(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (started = 0; started < NB_MODULES; started++) {
		d.why[0] = '\0';
		rc = modules[started].init(&d);
		if (rc < 0) {
			/* the reason is an error to the journal too (sd-daemon prefix) */
			fprintf(stderr, "%stula: %s\n", tula_log_stderr_is_journal() ? "<3>" : "",
				d.why[0] ? d.why : strerror(-rc));
			rc = 1;
			goto out;
		}
	}
	TLOG_NOTICE("tula %s started, %u worker lcore(s)", TULA_VERSION, fw_dp_worker_lcores());

	rc = tula_loop_run(d.loop);
	rc = rc < 0 ? 1 : 0;
out:
	while (started-- > 0)
		if (modules[started].fini != NULL)
			modules[started].fini(&d);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "cli") == 0)
		return sh_client_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "lua") == 0)
		return lx_client_main(argc - 1, argv + 1);
	return daemon_main(argc, argv);
}
