/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shell's own operational commands: configuration and
 * its history, sessions, version, uptime, the log, rescue, the DSR backend guide, and
 * the ways into configuration mode and out of the CLI. Firmware and Lua declare theirs
 * the same way from their own folders.
 *
 * Handlers with structured output fill a tula_val and render it with a function next
 * to them, so `| display json` and Lua's tula.show() see the same data as the text.
 */
#include "shell/sh_session.h"

#include "common/tula_log.h"
#include "db/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static time_t started_at;

static void fmt_time(int64_t t, char *buf, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;

	localtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

static void fmt_duration(int64_t sec, char *buf, size_t n)
{
	int64_t d = sec / 86400, h = (sec / 3600) % 24, m = (sec / 60) % 60, s = sec % 60;

	if (d > 0)
		snprintf(buf, n, "%lldd %02lld:%02lld:%02lld", (long long)d, (long long)h,
			 (long long)m, (long long)s);
	else
		snprintf(buf, n, "%02lld:%02lld:%02lld", (long long)h, (long long)m, (long long)s);
}

static int need_db(struct sh_ctx *ctx)
{
	if (sh_db() == NULL)
		return sh_err(ctx, "error: the configuration database is not open");
	return 0;
}

/* --- show version ------------------------------------------------------------------ */

static void render_version(const struct tula_val *v, struct tula_buf *out)
{
	tula_buf_printf(out, "Hostname: %s\n", tula_val_as_str(tula_val_get(v, "host-name")));
	tula_buf_printf(out, "Model: tula\n");
	tula_buf_printf(out, "Tula version: %s\n", tula_val_as_str(tula_val_get(v, "version")));
}

static int show_version(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct tula_val *v = tula_val_map();

	(void)m;
	(void)arg;
	tula_val_map_set(v, "host-name", tula_val_str(sh_host_name()));
	tula_val_map_set(v, "version", tula_val_str(TULA_VERSION));
	if (tula_val_count(v) != 2) {
		tula_val_free(v);
		return -ENOMEM;
	}
	sh_ctx_set_val(ctx, v, render_version);
	return 0;
}

/* --- show system uptime ------------------------------------------------------------ */

static void render_uptime(const struct tula_val *v, struct tula_buf *out)
{
	char a[64], b[64];

	fmt_time(tula_val_as_int(tula_val_get(v, "current-time")), a, sizeof(a));
	tula_buf_printf(out, "Current time: %s\n", a);
	if (tula_val_get(v, "system-booted") != NULL) {
		fmt_time(tula_val_as_int(tula_val_get(v, "system-booted")), a, sizeof(a));
		fmt_duration(tula_val_as_int(tula_val_get(v, "system-uptime")), b, sizeof(b));
		tula_buf_printf(out, "System booted: %s (%s ago)\n", a, b);
	}
	fmt_time(tula_val_as_int(tula_val_get(v, "tula-started")), a, sizeof(a));
	fmt_duration(tula_val_as_int(tula_val_get(v, "tula-uptime")), b, sizeof(b));
	tula_buf_printf(out, "Tula started: %s (%s ago)\n", a, b);
	tula_buf_printf(out, "CLI sessions: %llu\n",
			(unsigned long long)tula_val_as_uint(tula_val_get(v, "sessions")));
}

static int show_uptime(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct tula_val *v = tula_val_map();
	time_t now = time(NULL);
	struct sh_session *s;
	double up;
	FILE *f;
	unsigned n = 0;

	(void)m;
	(void)arg;
	for (s = sh_sessions_first(); s != NULL; s = sh_sessions_next(s))
		n += s->greeted;
	tula_val_map_set(v, "current-time", tula_val_int(now));
	f = fopen("/proc/uptime", "re");
	if (f != NULL) {
		if (fscanf(f, "%lf", &up) == 1) {
			tula_val_map_set(v, "system-booted", tula_val_int(now - (time_t)up));
			tula_val_map_set(v, "system-uptime", tula_val_int((int64_t)up));
		}
		fclose(f);
	}
	tula_val_map_set(v, "tula-started", tula_val_int(started_at));
	tula_val_map_set(v, "tula-uptime", tula_val_int(now - started_at));
	tula_val_map_set(v, "sessions", tula_val_uint(n));
	sh_ctx_set_val(ctx, v, render_uptime);
	return 0;
}

/* --- show system users ------------------------------------------------------------- */

static void render_users(const struct tula_val *v, struct tula_buf *out)
{
	size_t i;

	tula_buf_printf(out, "%-4s %-12s %-11s %-10s %-20s %-9s %s\n", "ID", "USER", "CLASS", "TTY",
			"LOGIN", "IDLE", "MODE");
	for (i = 0; i < tula_val_count(v); i++) {
		const struct tula_val *u = tula_val_at(v, i);
		char login[64], idle[32];

		fmt_time(tula_val_as_int(tula_val_get(u, "login-time")), login, sizeof(login));
		login[19] = '\0'; /* drop the zone: the column is narrow */
		fmt_duration(tula_val_as_int(tula_val_get(u, "idle-seconds")), idle, sizeof(idle));
		tula_buf_printf(out, "%-4llu %-12s %-11s %-10s %-20s %-9s %s\n",
				(unsigned long long)tula_val_as_uint(tula_val_get(u, "id")),
				tula_val_as_str(tula_val_get(u, "user")),
				tula_val_as_str(tula_val_get(u, "class")),
				tula_val_as_str(tula_val_get(u, "tty")), login, idle,
				tula_val_as_str(tula_val_get(u, "mode")));
	}
}

static const char *mode_name(const struct sh_session *s)
{
	if (s->mode != SH_MODE_CONF || s->dbs == NULL)
		return "operational";
	switch (db_session_mode(s->dbs)) {
	case DB_MODE_PRIVATE:
		return "configure private";
	case DB_MODE_EXCLUSIVE:
		return "configure exclusive";
	default:
		return "configure";
	}
}

static int show_users(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct tula_val *v = tula_val_list();
	time_t now = time(NULL);
	struct sh_session *s;

	(void)m;
	(void)arg;
	for (s = sh_sessions_first(); s != NULL; s = sh_sessions_next(s)) {
		struct tula_val *u;

		if (!s->greeted)
			continue;
		u = tula_val_map();
		tula_val_map_set(u, "id", tula_val_uint(s->id));
		tula_val_map_set(u, "user", tula_val_str(s->user));
		tula_val_map_set(u, "uid", tula_val_uint(s->uid));
		tula_val_map_set(u, "pid", tula_val_uint((uint64_t)s->pid));
		tula_val_map_set(u, "class", tula_val_str(sh_level_name(s->level)));
		tula_val_map_set(u, "tty", tula_val_str(s->tty[0] ? s->tty : "-"));
		tula_val_map_set(u, "from", tula_val_str(s->from));
		tula_val_map_set(u, "login-time", tula_val_int(s->login));
		tula_val_map_set(u, "idle-seconds", tula_val_int(now - s->last));
		tula_val_map_set(u, "mode", tula_val_str(mode_name(s)));
		tula_val_map_set(u, "this-session", tula_val_bool(s == sh_ctx_session(ctx)));
		tula_val_list_add(v, u);
	}
	sh_ctx_set_val(ctx, v, render_users);
	return 0;
}

/* --- show log ---------------------------------------------------------------------- */

struct log_filter {
	int max_level;	    /* lines at this level or more severe (lower number) */
	const char *module; /* NULL: every module */
	struct tula_val *list;
};

static void log_line(void *arg, const char *ts, enum tula_log_level level, const char *module,
		     const char *msg)
{
	struct log_filter *f = arg;
	struct tula_val *e;

	if ((int)level > f->max_level || (f->module != NULL && strcmp(f->module, module) != 0))
		return;
	e = tula_val_map();
	tula_val_map_set(e, "time", tula_val_str(ts));
	tula_val_map_set(e, "level", tula_val_str(tula_log_level_name(level)));
	tula_val_map_set(e, "module", tula_val_str(module));
	tula_val_map_set(e, "message", tula_val_str(msg));
	tula_val_list_add(f->list, e);
}

static void render_log(const struct tula_val *v, struct tula_buf *out)
{
	size_t i;

	for (i = 0; i < tula_val_count(v); i++) {
		const struct tula_val *e = tula_val_at(v, i);

		tula_buf_printf(out, "%s %-7s %s\n", tula_val_as_str(tula_val_get(e, "time")),
				tula_val_as_str(tula_val_get(e, "level")),
				tula_val_as_str(tula_val_get(e, "message")));
	}
}

static void log_module_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	(void)s;
	(void)m;
	for (size_t i = 0; tula_log_module_names[i] != NULL; i++)
		sh_cands_add(out, SH_CAND_NAME, tula_log_module_names[i], "");
}

static int show_log(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	static const char *const levels[] = {"error", "warning", "notice", "info", "debug"};
	struct log_filter f = {.max_level = TULA_LOG_DEBUG, .module = sh_match_str(m, "MODULE")};
	size_t i;

	(void)arg;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (sh_match_has(m, levels[i]))
			f.max_level = tula_log_level_parse(levels[i]);
	if (f.module != NULL) {
		for (i = 0; tula_log_module_names[i] != NULL; i++)
			if (strcmp(tula_log_module_names[i], f.module) == 0)
				break;
		if (tula_log_module_names[i] == NULL)
			return sh_err(ctx,
				      "error: show log module %s: no such module (one of "
				      "bgp, cli, db, dpdk, health, lua, system)",
				      f.module);
	}
	f.list = tula_val_list();
	tula_log_walk(log_line, &f);
	sh_ctx_set_val(ctx, f.list, render_log);
	return 0;
}

/* --- configuration and its history --------------------------------------------------- */

static int load_revision(struct sh_ctx *ctx, unsigned index, struct db_node **tree)
{
	int rc = db_revision_load(sh_db(), index, tree, NULL);

	if (rc == -ENOENT)
		return sh_err(ctx, "error: there is no revision %u (see show system commit)",
			      index);
	if (rc < 0)
		return sh_err(ctx, "error: cannot read revision %u: %s", index, strerror(-rc));
	return 0;
}

static int show_configuration(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const char *const *path;
	size_t n = sh_match_words(m, "PATH", &path);
	struct db_node *old = NULL;
	int rb = -1, rc;

	(void)arg;
	if (need_db(ctx) < 0)
		return -EINVAL;
	if (sh_ctx_compare(ctx, &rb)) {
		/* operational mode: compare the active configuration with a revision */
		rc = load_revision(ctx, rb < 0 ? 1 : (unsigned)rb, &old);
		if (rc < 0)
			return rc;
	}
	rc = sh_show_tree(ctx, db_active(sh_db()), old, path, n);
	db_tree_free(old);
	return rc;
}

static int show_rollback(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct db_node *a = NULL, *b = NULL;
	uint64_t n, cmp;
	int rc;

	(void)arg;
	if (need_db(ctx) < 0)
		return -EINVAL;
	sh_match_uint(m, "N", &n);
	rc = load_revision(ctx, (unsigned)n, &a);
	if (rc < 0)
		return rc;
	if (sh_match_uint(m, "M", &cmp) == 0) {
		rc = load_revision(ctx, (unsigned)cmp, &b);
		if (rc == 0 && db_compare(a, b, NULL, 0, sh_ctx_out(ctx)) < 0)
			rc = -ENOMEM;
	} else {
		rc = sh_show_tree(ctx, a, NULL, NULL, 0);
	}
	db_tree_free(a);
	db_tree_free(b);
	return rc;
}

static const char *client_name(enum db_client c)
{
	switch (c) {
	case DB_CLIENT_LUA:
		return "lua";
	case DB_CLIENT_AUTO:
		return "auto";
	default:
		return "cli";
	}
}

static int history_one(void *arg, const struct db_revision *r)
{
	struct tula_val *l = arg, *e = tula_val_map();

	tula_val_map_set(e, "index", tula_val_uint(r->index));
	tula_val_map_set(e, "id", tula_val_uint(r->id));
	tula_val_map_set(e, "time", tula_val_int(r->time));
	tula_val_map_set(e, "user", tula_val_str(r->user));
	tula_val_map_set(e, "client", tula_val_str(client_name(r->client)));
	tula_val_map_set(e, "client-id", tula_val_str(r->client_id));
	tula_val_map_set(e, "comment", r->comment ? tula_val_str(r->comment) : tula_val_null());
	return tula_val_list_add(l, e) < 0;
}

static void render_commits(const struct tula_val *v, struct tula_buf *out)
{
	const struct tula_val *list = tula_val_get(v, "revisions"), *p;
	size_t i;

	p = tula_val_get(v, "scheduled");
	if (p != NULL) {
		char t[64];

		fmt_time(tula_val_as_int(tula_val_get(p, "time")), t, sizeof(t));
		tula_buf_printf(
			out, "commit at %s by %s is scheduled (clear system commit cancels it)\n",
			t, tula_val_as_str(tula_val_get(p, "user")));
	}
	p = tula_val_get(v, "pending-confirm");
	if (p != NULL) {
		char t[64];

		fmt_time(tula_val_as_int(tula_val_get(p, "deadline")), t, sizeof(t));
		tula_buf_printf(out,
				"commit confirmed by %s is pending: rolls back at %s unless "
				"confirmed by another commit\n",
				tula_val_as_str(tula_val_get(p, "user")), t);
	}
	for (i = 0; i < tula_val_count(list); i++) {
		const struct tula_val *e = tula_val_at(list, i);
		const struct tula_val *c = tula_val_get(e, "comment");
		char t[64];

		fmt_time(tula_val_as_int(tula_val_get(e, "time")), t, sizeof(t));
		tula_buf_printf(out, "%-3llu id %-6llu %s by %s via %s%s%s\n",
				(unsigned long long)tula_val_as_uint(tula_val_get(e, "index")),
				(unsigned long long)tula_val_as_uint(tula_val_get(e, "id")), t,
				tula_val_as_str(tula_val_get(e, "user")),
				tula_val_as_str(tula_val_get(e, "client")),
				tula_val_as_str(tula_val_get(e, "client-id"))[0] ? " " : "",
				tula_val_as_str(tula_val_get(e, "client-id")));
		if (tula_val_type(c) == TULA_VAL_STRING)
			tula_buf_printf(out, "    %s\n", tula_val_as_str(c));
	}
}

static int revision_name(void *arg, const struct db_revision *r)
{
	struct sh_cands *out = arg;
	char num[16], help[256], t[64];

	fmt_time(r->time, t, sizeof(t));
	snprintf(num, sizeof(num), "%u", r->index);
	snprintf(help, sizeof(help), "%s by %s%s%s", t, r->user, r->comment ? ": " : "",
		 r->comment ? r->comment : "");
	sh_cands_add(out, SH_CAND_NAME, num, help);
	return 0;
}

void sh_revision_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	(void)s;
	(void)m;
	if (sh_db() != NULL)
		db_history(sh_db(), revision_name, out);
}

static int show_commit(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct tula_val *v = tula_val_map(), *l = tula_val_list();
	struct db_confirm c;
	int rc;

	(void)m;
	(void)arg;
	if (need_db(ctx) < 0) {
		tula_val_free(v);
		tula_val_free(l);
		return -EINVAL;
	}
	rc = db_history(sh_db(), history_one, l);
	if (rc < 0) {
		tula_val_free(v);
		tula_val_free(l);
		return sh_err(ctx, "error: cannot read the commit history: %s", strerror(-rc));
	}
	if (db_confirm_pending(sh_db(), &c) == 0) {
		struct tula_val *p = tula_val_map();

		tula_val_map_set(p, "id", tula_val_uint(c.id));
		tula_val_map_set(p, "deadline", tula_val_int(c.deadline));
		tula_val_map_set(p, "user", tula_val_str(c.user));
		tula_val_map_set(v, "pending-confirm", p);
	}
	{
		time_t when;
		const char *user;

		if (sh_commit_at_pending(&when, &user)) {
			struct tula_val *p = tula_val_map();

			tula_val_map_set(p, "time", tula_val_int(when));
			tula_val_map_set(p, "user", tula_val_str(user));
			tula_val_map_set(v, "scheduled", p);
		}
	}
	tula_val_map_set(v, "revisions", l);
	sh_ctx_set_val(ctx, v, render_commits);
	return 0;
}

static int rescue_save(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	int rc;

	(void)m;
	(void)arg;
	if (need_db(ctx) < 0)
		return -EINVAL;
	rc = db_rescue_save(sh_db());
	if (rc < 0)
		return sh_err(ctx, "error: cannot save the rescue configuration: %s",
			      strerror(-rc));
	sh_puts(ctx, "Rescue configuration saved: the active configuration is now the rescue "
		     "configuration\n");
	return 0;
}

/* --- show services dsr backend-setup vip NAME [backend B] (text in sh_dsr.c) ---------- */

#define SETUP_MAX_BACKENDS 256

static const struct db_node *active_vip(const char *name)
{
	return db_node_find(
		db_node_find(db_node_find(db_active(sh_db()), "services", NULL), "dsr", NULL),
		"vip", name);
}

static int backend_setup(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const char *name = sh_match_str(m, "NAME"), *only = sh_match_str(m, "BACKEND");
	const char *addr, *proto, *mode;
	struct sh_dsr_backend be[SETUP_MAX_BACKENDS];
	const struct db_node *vip, *b;
	uint16_t port = 0;
	size_t nbe = 0;

	(void)arg;
	if (need_db(ctx) < 0)
		return -EINVAL;
	vip = active_vip(name);
	if (vip == NULL)
		return sh_err(ctx,
			      "error: VIP %s is not in the active configuration (services "
			      "dsr vip %s)",
			      name, name);
	addr = db_get_str(vip, "address");
	proto = db_get_str(vip, "protocol");
	mode = db_get_str(vip, "mode");
	if (addr == NULL || proto == NULL)
		return sh_err(ctx, "error: VIP %s has no %s yet", name,
			      addr == NULL ? "address" : "protocol");
	if (db_get_port(vip, "port", &port) < 0)
		port = 0;
	for (b = db_node_first(vip, "backend"); b != NULL && nbe < SETUP_MAX_BACKENDS;
	     b = db_node_next(b)) {
		if (only != NULL && strcmp(only, db_node_key(b)) != 0)
			continue;
		be[nbe].name = db_node_key(b);
		be[nbe].address = db_get_str(b, "address") ? db_get_str(b, "address") : "?";
		nbe++;
	}
	if (only != NULL && nbe == 0)
		return sh_err(ctx, "error: VIP %s has no backend named %s", name, only);
	sh_ctx_set_val(ctx,
		       sh_dsr_backend_setup(name, addr, proto, port,
					    mode != NULL && strcmp(mode, "l3") == 0, be, nbe),
		       sh_dsr_backend_setup_render);
	return 0;
}

static void vip_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	const struct db_node *v;

	(void)s;
	(void)m;
	if (sh_db() == NULL)
		return;
	v = db_node_find(db_node_find(db_active(sh_db()), "services", NULL), "dsr", NULL);
	for (v = db_node_first(v, "vip"); v != NULL; v = db_node_next(v)) {
		const char *a = db_get_str(v, "address");

		sh_cands_add(out, SH_CAND_NAME, db_node_key(v), a != NULL ? a : "");
	}
}

static void backend_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	const struct db_node *b;

	(void)s;
	if (sh_db() == NULL)
		return;
	for (b = db_node_first(active_vip(sh_match_str(m, "NAME")), "backend"); b != NULL;
	     b = db_node_next(b)) {
		const char *a = db_get_str(b, "address");

		sh_cands_add(out, SH_CAND_NAME, db_node_key(b), a != NULL ? a : "");
	}
}

/* --- configure, exit ------------------------------------------------------------------ */

static int status_line(void *arg, const struct db_session_info *i)
{
	struct sh_ctx *ctx = arg;
	char t[64];

	fmt_time(i->since, t, sizeof(t));
	sh_printf(ctx, "  %s %s since %s%s%s%s\n", i->user, i->client_id, t,
		  i->locked ? " [exclusive]" : "", i->mode == DB_MODE_PRIVATE ? " [private]" : "",
		  i->changed ? " (uncommitted changes)" : "");
	return 0;
}

static int count_one(void *arg, const struct db_session_info *i)
{
	(void)arg;
	(void)i;
	return 0;
}

static int configure(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = sh_ctx_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	enum db_mode mode = DB_MODE_SHARED;
	char client_id[128];
	int rc;

	(void)arg;
	if (s == NULL)
		return sh_err(ctx, "error: configure needs a CLI session");
	if (need_db(ctx) < 0)
		return -EINVAL;
	if (sh_match_has(m, "private"))
		mode = DB_MODE_PRIVATE;
	else if (sh_match_has(m, "exclusive"))
		mode = DB_MODE_EXCLUSIVE;
	if (db_status(sh_db(), count_one, NULL) > 0) {
		sh_puts(ctx, "Users currently editing the configuration:\n");
		db_status(sh_db(), status_line, ctx);
	}
	/* the audit trail records what the kernel told the server (SO_PEERCRED), never the
	 * tty or address a client claims in its HELLO */
	snprintf(client_id, sizeof(client_id), "session %u uid %u pid %d", s->id, (unsigned)s->uid,
		 (int)s->pid);
	rc = db_session_open(sh_db(), s->user, DB_CLIENT_CLI, client_id, mode, &s->dbs, &d);
	if (rc < 0) {
		char tail[128];

		snprintf(tail, sizeof(tail), "error: cannot enter configuration mode%s%s",
			 d.errors > 0 ? "" : ": ", d.errors > 0 ? "" : strerror(-rc));
		sh_print_diags(ctx, &d, tail);
		db_diags_free(&d);
		return -EINVAL;
	}
	db_diags_free(&d);
	s->mode = SH_MODE_CONF;
	sh_session_set_edit(s, NULL, 0);
	sh_printf(ctx, "Entering configuration mode%s\n",
		  mode == DB_MODE_PRIVATE     ? " (private candidate)"
		  : mode == DB_MODE_EXCLUSIVE ? " (exclusive lock)"
					      : "");
	if (mode == DB_MODE_SHARED && db_session_changed(s->dbs))
		sh_puts(ctx, "The configuration has been changed but not committed\n");
	return 0;
}

static int quit(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = sh_ctx_session(ctx);

	(void)m;
	(void)arg;
	if (s != NULL)
		sh_session_close_after(s);
	return 0;
}

/* --- declarations ------------------------------------------------------------------- */

#define SHOW "Show information about the system"

static const char *const h_version[] = {SHOW, "Show the software version", NULL};
static const char *const h_uptime[] = {SHOW, "Show system information",
				       "Show how long the "
				       "system and Tula have run",
				       NULL};
static const char *const h_users[] = {SHOW, "Show system information",
				      "Show the CLI sessions (who is logged in)", NULL};
static const char *const h_log[] = {SHOW,
				    "Show recent log messages (kept in memory)",
				    "Only messages of this severity or worse",
				    "Errors",
				    "Warnings and errors",
				    "Notices, warnings and errors",
				    "Everything but debug messages",
				    "Everything",
				    "Only messages of one module",
				    "Module name",
				    NULL};
static const char *const h_config[] = {SHOW, "Show the active configuration",
				       "Configuration statement", NULL};
static const char *const h_commit[] = {SHOW, "Show system information", "Show the commit history",
				       NULL};
static const char *const h_rollback[] = {SHOW,
					 "Show system information",
					 "Show a committed revision",
					 "Revision number (0 is the active configuration)",
					 "Compare with another revision",
					 "Revision number",
					 NULL};
static const char *const h_setup[] = {SHOW,
				      "Show services",
				      "Show Direct Server Return load balancing",
				      "Show the Linux commands a backend needs",
				      "For one VIP",
				      "VIP name",
				      "Only for one backend",
				      "Backend name",
				      NULL};
static const char *const h_rescue[] = {"Make system-level requests",
				       "System requests",
				       "Configuration requests",
				       "The rescue configuration",
				       "Save the active configuration as the rescue configuration",
				       NULL};
static const char *const h_configure[] = {
	"Enter configuration mode",
	"Edit a private copy of the configuration (others' changes do not mix in)",
	"Lock the configuration: nobody else may commit until you leave", NULL};
static const char *const h_quit[] = {"Leave the CLI", NULL};
static const char *const h_exit[] = {"Leave the CLI", NULL};

static const struct sh_arg a_config[] = {
	{.name = "PATH", .type = SH_ARG_PATH, .walker = &sh_db_walker, .walk_flags = SH_WALK_ABS},
	{NULL},
};
static const struct sh_arg a_rollback[] = {
	{.name = "N",
	 .type = SH_ARG_UINT,
	 .display = "<number>",
	 .min = 0,
	 .max = DB_ROLLBACK_MAX,
	 .names = sh_revision_names},
	{.name = "M",
	 .type = SH_ARG_UINT,
	 .display = "<number>",
	 .min = 0,
	 .max = DB_ROLLBACK_MAX,
	 .names = sh_revision_names},
	{NULL},
};
static const struct sh_arg a_log[] = {
	{.name = "MODULE", .display = "<module>", .names = log_module_names},
	{NULL},
};
static const struct sh_arg a_vip[] = {
	{.name = "NAME", .display = "<vip-name>", .names = vip_names},
	{.name = "BACKEND", .display = "<backend-name>", .names = backend_names},
	{NULL},
};

static const struct sh_cmd oper_cmds[] = {
	{.syntax = "show version", .help = h_version, .modes = SH_MODE_OPER, .fn = show_version},
	{.syntax = "show system uptime",
	 .help = h_uptime,
	 .modes = SH_MODE_OPER,
	 .fn = show_uptime},
	{.syntax = "show system users", .help = h_users, .modes = SH_MODE_OPER, .fn = show_users},
	{.syntax = "show log [level (error | warning | notice | info | debug)] [module MODULE]",
	 .help = h_log,
	 .args = a_log,
	 .modes = SH_MODE_OPER,
	 .fn = show_log},
	{.syntax = "show configuration [PATH]",
	 .help = h_config,
	 .args = a_config,
	 .modes = SH_MODE_OPER,
	 .flags = SH_CMD_F_CONFIG,
	 .fn = show_configuration},
	{.syntax = "show system commit",
	 .help = h_commit,
	 .modes = SH_MODE_OPER,
	 .fn = show_commit},
	{.syntax = "show system rollback N [compare M]",
	 .help = h_rollback,
	 .args = a_rollback,
	 .modes = SH_MODE_OPER,
	 .flags = SH_CMD_F_CONFIG,
	 .fn = show_rollback},
	{.syntax = "show services dsr backend-setup vip NAME [backend BACKEND]",
	 .help = h_setup,
	 .args = a_vip,
	 .modes = SH_MODE_OPER,
	 .fn = backend_setup},
	{.syntax = "request system configuration rescue save",
	 .help = h_rescue,
	 .modes = SH_MODE_OPER,
	 /* it replaces what damaged-database recovery loads: as strong as a commit */
	 .level = SH_LEVEL_SUPER_USER,
	 .fn = rescue_save},
	{.syntax = "configure [private | exclusive]",
	 .help = h_configure,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_SUPER_USER,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = configure},
	{.syntax = "quit",
	 .help = h_quit,
	 .modes = SH_MODE_OPER,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = quit},
	{.syntax = "exit",
	 .help = h_exit,
	 .modes = SH_MODE_OPER,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = quit},
};

#define NB_OPER (sizeof(oper_cmds) / sizeof(oper_cmds[0]))

int sh_oper_register(struct sh_engine *e)
{
	int rc;

	if (started_at == 0)
		started_at = time(NULL);
	rc = sh_engine_add_all(e, oper_cmds, NB_OPER);
	if (rc == 0) {
		rc = sh_tools_register(e);
		if (rc == 0) {
			rc = sh_sess_register(e);
			if (rc < 0)
				sh_tools_unregister(e);
		}
		if (rc < 0)
			sh_engine_remove_all(e, oper_cmds, NB_OPER);
	}
	return rc;
}

void sh_oper_unregister(struct sh_engine *e)
{
	sh_sess_unregister(e);
	sh_tools_unregister(e);
	sh_engine_remove_all(e, oper_cmds, NB_OPER);
}
