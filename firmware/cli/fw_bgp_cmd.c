/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The routing plane's operational commands, declared next to their handlers:
 *
 *   show bgp summary                           every neighbour: state, since, prefixes
 *   show bgp neighbor [ADDR]                   one neighbour (or all) in detail
 *   show route advertising-protocol bgp ADDR   the VIPs sent to ADDR, and why the others
 *                                              are not
 *   request system drain [timeout SECONDS]     withdraw every VIP, wait until the data
 *                                              path sees no more VIP packets
 *   request system undrain                     announce again
 *
 * What the sessions are doing comes from BIRD's own control socket (fw_bird_query),
 * what Tula wants announced and why from fw_bird. Each view builds a tula_val
 * (`| display json`, Lua's tula.show) and renders it as text.
 */
#include "firmware/control/fw_bird.h"

#include "common/tula_loop.h"
#include "common/tula_val.h"
#include "shell/sh_cmd.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct fw_bird *the_b;	   /* set by fw_bgp_cmds_register; control thread */
static struct tula_loop *the_loop; /* for the drain's wait */

#define DRAIN_IDLE_MS	2000 /* no VIP packet for this long: drained */
#define DRAIN_POLL_MS	250
#define DRAIN_TIMEOUT_S 60

static struct tula_val *ip_val(const struct db_addr *a)
{
	char b[DB_ADDR_STRLEN];

	return tula_val_str(db_addr_str(a, b, sizeof(b)));
}

/* "Neighbor address" -> "neighbor-address". */
static void key_of(const char *s, size_t n, char *out, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (isalnum(c))
			out[o++] = (char)tolower(c);
		else if (o > 0 && out[o - 1] != '-')
			out[o++] = '-';
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
}

/* ---- BIRD's protocol table ---------------------------------------------------------------- */

/* A row of `show protocols`: name proto table state since info. */
static int proto_row(const char *text, struct tula_val *m)
{
	char name[80], proto[32], table[32], state[16], since[32];
	int used = 0;

	if (sscanf(text, "%79s %31s %31s %15s %31s %n", name, proto, table, state, since, &used) <
	    5)
		return -EINVAL;
	tula_val_map_set(m, "protocol", tula_val_str(name));
	tula_val_map_set(m, "state", tula_val_str(state));
	tula_val_map_set(m, "since", tula_val_str(since));
	{
		/* the info column, without trailing blanks */
		const char *info = text + used;
		size_t n = strlen(info);

		while (n > 0 && isspace((unsigned char)info[n - 1]))
			n--;
		tula_val_map_set(m, "info", tula_val_strf("%.*s", (int)n, info));
	}
	return 0;
}

/*
 * `show protocols all NAME` into m: the row, then the detail lines ("Key: value") as
 * keys; the route counts summed over the channels ("Channel ipv4", "Channel ipv6": one
 * session may carry both families). Returns 0 or -errno.
 */
static int peer_detail(const char *proto, struct tula_val *m)
{
	struct fw_bird_reply r;
	char cmd[FW_BIRD_NAME_MAX + 32];
	unsigned long imp_sum = 0, exp_sum = 0;
	int routes = 0, rc;

	snprintf(cmd, sizeof(cmd), "show protocols all %s", proto);
	rc = fw_bird_query(the_b, cmd, &r);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < r.n; i++) {
		const char *t = r.v[i].text, *colon;
		char key[64];

		if (r.v[i].code == 1002) {
			proto_row(t, m);
			continue;
		}
		if (r.v[i].code != 1006)
			continue;
		while (*t == ' ')
			t++;
		colon = strchr(t, ':');
		if (colon == NULL || colon == t)
			continue;
		key_of(t, (size_t)(colon - t), key, sizeof(key));
		if (strcmp(key, "route-change-stats") == 0)
			continue; /* a table heading, not a value */
		if (strcmp(key, "routes") == 0) {
			unsigned long imp = 0, exp = 0;
			const char *p = strstr(colon, "imported");
			const char *q = strstr(colon, "exported");

			if (p != NULL)
				imp = strtoul(colon + 1, NULL, 10);
			if (q != NULL) {
				const char *s = q;

				while (s > colon && !isdigit((unsigned char)s[-1]))
					s--;
				while (s > colon && isdigit((unsigned char)s[-1]))
					s--;
				exp = strtoul(s, NULL, 10);
			}
			imp_sum += imp;
			exp_sum += exp;
			routes = 1;
			continue;
		}
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		if (*colon != '\0' && tula_val_get(m, key) == NULL)
			tula_val_map_set(m, key, tula_val_str(colon));
	}
	if (routes) {
		tula_val_map_set(m, "prefixes-received", tula_val_uint(imp_sum));
		tula_val_map_set(m, "prefixes-sent", tula_val_uint(exp_sum));
	}
	fw_bird_reply_free(&r);
	return 0;
}

static int bird_down_err(struct sh_ctx *ctx, int rc)
{
	if (!fw_bird_configured(the_b))
		return sh_err(ctx, "error: BGP is not configured (set protocols bgp local-as AS, "
				   "then a group with a neighbor)");
	if (rc == -ENOTCONN)
		return sh_err(ctx, "error: BIRD is not running (restarting: see show log)");
	return sh_err(ctx, "error: BIRD's control socket: %s", strerror(-rc));
}

/* ---- show bgp summary / neighbor ---------------------------------------------------------- */

struct peers_walk {
	struct tula_val *list;
	struct db_addr only; /* family 0 = all */
	int err;
};

static void one_peer(void *arg, const struct fw_bird_peer *p)
{
	struct peers_walk *w = arg;
	struct tula_val *m;
	int rc;

	if (w->only.family != 0 && db_addr_cmp(&p->addr, &w->only) != 0)
		return;
	m = tula_val_map();
	tula_val_map_set(m, "neighbor", ip_val(&p->addr));
	tula_val_map_set(m, "group", tula_val_str(p->group));
	tula_val_map_set(m, "peer-as", tula_val_uint(p->peer_as));
	tula_val_map_set(m, "local-as", tula_val_uint(p->local_as));
	tula_val_map_set(m, "bfd", tula_val_bool(p->bfd));
	rc = peer_detail(p->proto, m);
	if (rc < 0)
		w->err = rc;
	tula_val_list_add(w->list, m);
}

static void render_summary(const struct tula_val *v, struct tula_buf *out)
{
	const struct tula_val *ps = tula_val_get(v, "neighbors");

	tula_buf_printf(out, "BIRD: pid %llu, restarted %llu time(s); local AS %llu\n",
			(unsigned long long)tula_val_get_uint(v, "bird-pid"),
			(unsigned long long)tula_val_get_uint(v, "bird-restarts"),
			(unsigned long long)tula_val_get_uint(v, "local-as"));
	tula_buf_printf(out, "%-15s %-10s %-6s %-12s %-12s %-5s %s\n", "Neighbor", "AS", "BFD",
			"State", "Since", "Sent", "Info");
	for (size_t i = 0; i < tula_val_count(ps); i++) {
		const struct tula_val *p = tula_val_at(ps, i);
		const char *st = tula_val_get_str(p, "bgp-state");

		tula_buf_printf(out, "%-15s %-10llu %-6s %-12s %-12s %-5llu %s\n",
				tula_val_get_str(p, "neighbor"),
				(unsigned long long)tula_val_get_uint(p, "peer-as"),
				tula_val_as_bool(tula_val_get(p, "bfd")) ? "on" : "off",
				st && *st ? st : "-", tula_val_get_str(p, "since"),
				(unsigned long long)tula_val_get_uint(p, "prefixes-sent"),
				tula_val_get_str(p, "info"));
	}
}

static void render_neighbors(const struct tula_val *v, struct tula_buf *out)
{
	const struct tula_val *ps = tula_val_get(v, "neighbors");

	for (size_t i = 0; i < tula_val_count(ps); i++) {
		const struct tula_val *p = tula_val_at(ps, i);

		tula_buf_printf(out, "%sPeer: %s AS %llu  Local AS %llu  Group %s\n", i ? "\n" : "",
				tula_val_get_str(p, "neighbor"),
				(unsigned long long)tula_val_get_uint(p, "peer-as"),
				(unsigned long long)tula_val_get_uint(p, "local-as"),
				tula_val_get_str(p, "group"));
		for (size_t k = 0; k < tula_val_count(p); k++) {
			const char *key = tula_val_key_at(p, k);
			const struct tula_val *x = tula_val_at(p, k);

			if (strcmp(key, "neighbor") == 0 || strcmp(key, "peer-as") == 0 ||
			    strcmp(key, "local-as") == 0 || strcmp(key, "group") == 0)
				continue;
			if (tula_val_type(x) == TULA_VAL_STRING)
				tula_buf_printf(out, "  %-22s %s\n", key, tula_val_as_str(x));
			else if (tula_val_type(x) == TULA_VAL_BOOL)
				tula_buf_printf(out, "  %-22s %s\n", key,
						tula_val_as_bool(x) ? "yes" : "no");
			else
				tula_buf_printf(out, "  %-22s %llu\n", key,
						(unsigned long long)tula_val_as_uint(x));
		}
	}
}

static int show_peers(struct sh_ctx *ctx, const struct sh_match *m, int detail)
{
	struct peers_walk w = {tula_val_list(), {0}, 0};
	const char *addr = sh_match_str(m, "ADDR");
	struct tula_val *v;

	if (!fw_bird_configured(the_b) || fw_bird_pid(the_b) == 0) {
		tula_val_free(w.list);
		return bird_down_err(ctx, -ENOTCONN);
	}
	if (addr != NULL && db_parse_addr(addr, &w.only) != 0) {
		tula_val_free(w.list);
		return sh_err(ctx, "error: neighbor '%s': not an IPv4 or IPv6 address", addr);
	}
	fw_bird_peers(the_b, one_peer, &w);
	if (w.err < 0) {
		tula_val_free(w.list);
		return bird_down_err(ctx, w.err);
	}
	if (addr != NULL && tula_val_count(w.list) == 0) {
		tula_val_free(w.list);
		return sh_err(ctx, "error: %s is not a configured BGP neighbor", addr);
	}
	v = tula_val_map();
	tula_val_map_set(v, "bird-pid", tula_val_uint((uint64_t)fw_bird_pid(the_b)));
	tula_val_map_set(v, "bird-restarts", tula_val_uint(fw_bird_restarts(the_b)));
	{
		const struct tula_val *p0 = tula_val_at(w.list, 0);

		tula_val_map_set(v, "local-as",
				 tula_val_uint(p0 ? tula_val_get_uint(p0, "local-as") : 0));
	}
	tula_val_map_set(v, "neighbors", w.list);
	sh_ctx_set_val(ctx, v, detail ? render_neighbors : render_summary);
	return 0;
}

static int show_summary(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)arg;
	return show_peers(ctx, m, 0);
}

static int show_neighbor(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)arg;
	return show_peers(ctx, m, 1);
}

/* ---- show route advertising-protocol bgp ADDR -------------------------------------------- */

/* The prefixes BIRD exports to a protocol ("10.0.1.100/32 ..." rows), space separated. */
/* Append to buf the prefixes BIRD exports on channel cmd's ("show route export ...").
 * *o is the length used so far. */
static int exported_one(const char *cmd, char *buf, size_t len, size_t *o)
{
	struct fw_bird_reply r;
	int rc;

	rc = fw_bird_query(the_b, cmd, &r);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < r.n; i++) {
		char pfx[64];

		/* a route line starts with its prefix: a.b.c.d/len or an IPv6 one */
		if (r.v[i].code != 1007 || sscanf(r.v[i].text, "%63s", pfx) != 1 ||
		    strchr(pfx, '/') == NULL || !(isxdigit((unsigned char)pfx[0]) || pfx[0] == ':'))
			continue;
		*o += (size_t)snprintf(buf + *o, *o < len ? len - *o : 0, "%s ", pfx);
	}
	rc = r.last_code >= 8000 ? -EIO : 0;
	fw_bird_reply_free(&r);
	return rc;
}

/* The prefixes BIRD exports to the BGP protocol proto, " p1 p2 " in buf: each channel
 * asked on its own (a session may carry an ipv4 and an ipv6 channel; a channel the
 * session does not have answers with an error, which is no route). */
static int exported(const char *proto, char *buf, size_t len)
{
	static const char *const chans[] = {"ipv4", "ipv6"};
	char cmd[FW_BIRD_NAME_MAX + 40];
	size_t o = 1;
	int rc, ok = 0, last = 0;

	buf[0] = ' ';
	buf[1] = '\0';
	for (size_t c = 0; c < 2; c++) {
		snprintf(cmd, sizeof(cmd), "show route export %s.%s", proto, chans[c]);
		rc = exported_one(cmd, buf, len, &o);
		if (rc == 0)
			ok = 1;
		else if (rc != -EIO)
			return rc; /* BIRD did not answer */
		last = rc;
	}
	return ok ? 0 : last;
}

struct adv_walk {
	const char *sent; /* " p1 p2 " */
	struct tula_val *list;
};

static void one_adv(void *arg, const struct fw_bird_vip *v)
{
	struct adv_walk *w = arg;
	struct tula_val *m = tula_val_map();
	char ip[DB_ADDR_STRLEN], pfx[DB_ADDR_STRLEN + 8], key[DB_ADDR_STRLEN + 10];
	int sent;

	db_addr_str(&v->addr, ip, sizeof(ip));
	snprintf(pfx, sizeof(pfx), "%s/%u", ip, db_addr_bits(&v->addr));
	snprintf(key, sizeof(key), " %s ", pfx);
	sent = strstr(w->sent, key) != NULL;
	tula_val_map_set(m, "vip", tula_val_str(v->name));
	tula_val_map_set(m, "prefix", tula_val_str(pfx));
	tula_val_map_set(m, "advertised", tula_val_bool(sent));
	if (v->has_med)
		tula_val_map_set(m, "med", tula_val_uint(v->med));
	if (v->communities[0])
		tula_val_map_set(m, "communities", tula_val_str(v->communities));
	if (!sent)
		tula_val_map_set(
			m, "reason",
			tula_val_str(v->why[0]	    ? v->why
				     : v->announced ? "announced to BIRD, not sent on this session "
						      "(session not established)"
						    : "withdrawn"));
	tula_val_list_add(w->list, m);
}

static void render_adv(const struct tula_val *v, struct tula_buf *out)
{
	const struct tula_val *l = tula_val_get(v, "routes");

	tula_buf_printf(out, "Routes advertised to %s:\n", tula_val_get_str(v, "neighbor"));
	tula_buf_printf(out, "  %-18s %-16s %-10s %s\n", "Prefix", "VIP", "Sent",
			"MED / communities / why not");
	for (size_t i = 0; i < tula_val_count(l); i++) {
		const struct tula_val *r = tula_val_at(l, i);
		int sent = tula_val_as_bool(tula_val_get(r, "advertised"));
		char extra[320] = "";

		if (sent) {
			if (tula_val_get(r, "med") != NULL)
				snprintf(extra, sizeof(extra), "med %llu ",
					 (unsigned long long)tula_val_get_uint(r, "med"));
			if (tula_val_get(r, "communities") != NULL)
				snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
					 "communities %s", tula_val_get_str(r, "communities"));
		} else {
			snprintf(extra, sizeof(extra), "%s", tula_val_get_str(r, "reason"));
		}
		tula_buf_printf(out, "  %-18s %-16s %-10s %s\n", tula_val_get_str(r, "prefix"),
				tula_val_get_str(r, "vip"), sent ? "yes" : "no", extra);
	}
}

struct find_peer {
	struct db_addr addr;
	char proto[FW_BIRD_NAME_MAX];
};

static void find_peer(void *arg, const struct fw_bird_peer *p)
{
	struct find_peer *f = arg;

	if (db_addr_cmp(&p->addr, &f->addr) == 0)
		snprintf(f->proto, sizeof(f->proto), "%s", p->proto);
}

static int show_adv(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const char *addr = sh_match_str(m, "ADDR");
	struct find_peer f = {0};
	struct tula_val *v;
	struct adv_walk w;
	char *sent;
	int rc;

	(void)arg;
	if (addr == NULL || db_parse_addr(addr, &f.addr) != 0)
		return sh_err(ctx, "error: neighbor '%s': not an IPv4 or IPv6 address",
			      addr ? addr : "");
	if (!fw_bird_configured(the_b))
		return bird_down_err(ctx, -ENOTCONN);
	fw_bird_peers(the_b, find_peer, &f);
	if (f.proto[0] == '\0')
		return sh_err(ctx, "error: %s is not a configured BGP neighbor", addr);
	sent = malloc(65536);
	if (sent == NULL)
		return -ENOMEM;
	rc = fw_bird_pid(the_b) ? exported(f.proto, sent, 65536) : -ENOTCONN;
	if (rc < 0) {
		/* Tula's side of the story still holds: what it wants announced and why not */
		if (rc == -ENOTCONN)
			sh_warn(ctx, "warning: BIRD is not running: nothing is sent to %s", addr);
		else
			sh_warn(ctx, "warning: BIRD did not say what it sends to %s (%s)", addr,
				strerror(-rc));
		strcpy(sent, " ");
	}
	w.sent = sent;
	w.list = tula_val_list();
	fw_bird_vips(the_b, one_adv, &w);
	free(sent);
	v = tula_val_map();
	tula_val_map_set(v, "neighbor", tula_val_str(addr));
	tula_val_map_set(v, "routes", w.list);
	sh_ctx_set_val(ctx, v, render_adv);
	return 0;
}

/* ---- request system drain / undrain --------------------------------------------------------- */

struct drain_req {
	struct sh_ctx *ctx;
	struct tula_timer *t;
	uint64_t start, deadline, last_change, last_packets;
};

static void drain_finish(struct drain_req *d, int drained)
{
	uint64_t now = tula_now_ms();

	if (drained)
		sh_printf(d->ctx,
			  "Drained: every VIP withdrawn; no VIP packet for %.1f s (quiet %.1f s "
			  "after the withdrawal)\n",
			  DRAIN_IDLE_MS / 1000.0, (double)(d->last_change - d->start) / 1000.0);
	else
		sh_printf(d->ctx,
			  "Every VIP is withdrawn, but VIP packets still arrived %.1f s ago "
			  "(timeout after %.0f s): flows may still use this box\n",
			  (double)(now - d->last_change) / 1000.0,
			  (double)(now - d->start) / 1000.0);
	sh_ctx_resume(d->ctx, 0);
	tula_timer_free(d->t);
	free(d);
}

static void drain_poll(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct drain_req *d = arg;
	uint64_t now = tula_now_ms(), p = fw_bird_vip_packets(the_b);

	(void)loop;
	(void)t;
	if (p != d->last_packets) {
		d->last_packets = p;
		d->last_change = now;
	}
	if (now - d->last_change >= DRAIN_IDLE_MS)
		drain_finish(d, 1);
	else if (now >= d->deadline)
		drain_finish(d, 0);
}

static void drain_cancel(void *arg)
{
	struct drain_req *d = arg;

	tula_timer_free(d->t);
	free(d);
}

static int request_drain(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	uint64_t timeout = DRAIN_TIMEOUT_S;
	struct drain_req *d;

	(void)arg;
	if (!fw_bird_configured(the_b))
		return bird_down_err(ctx, -ENOTCONN);
	sh_match_uint(m, "SECONDS", &timeout);
	fw_bird_drain(the_b, 1);
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->ctx = ctx;
	d->start = d->last_change = tula_now_ms();
	d->deadline = d->start + timeout * 1000;
	d->last_packets = fw_bird_vip_packets(the_b);
	d->t = tula_timer_new(the_loop, drain_poll, d);
	if (d->t == NULL) {
		free(d);
		return -ENOMEM;
	}
	if (sh_ctx_defer(ctx, drain_cancel, d) < 0) {
		tula_timer_free(d->t);
		free(d);
		sh_printf(ctx, "Every VIP is withdrawn (not waiting for flows from here)\n");
		return 0;
	}
	tula_timer_arm(d->t, DRAIN_POLL_MS, DRAIN_POLL_MS);
	return 0;
}

static int request_undrain(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)m;
	(void)arg;
	if (!fw_bird_configured(the_b))
		return bird_down_err(ctx, -ENOTCONN);
	if (!fw_bird_draining(the_b)) {
		sh_printf(ctx, "Not drained: nothing to do\n");
		return 0;
	}
	fw_bird_drain(the_b, 0);
	sh_printf(ctx, "Undrained: VIPs with a usable backend are announced again\n");
	return 0;
}

/* ---- declarations ---------------------------------------------------------------------------- */

static const char *const h_summary[] = {"Show information", "Border Gateway Protocol",
					"Neighbours: state, since when, prefixes sent", NULL};
static const char *const h_neighbor[] = {"Show information", "Border Gateway Protocol",
					 "One neighbour in detail (all when none is given)",
					 "Neighbour address", NULL};
static const char *const h_adv[] = {"Show information",		  "Routing table",
				    "Routes sent to a neighbour", "Border Gateway Protocol",
				    "Neighbour address",	  NULL};
static const char *const h_drain[] = {
	"Make a system-level request",
	"System",
	"Withdraw every VIP from BGP and wait until no VIP packet arrives",
	"Give up waiting after",
	"Seconds (default 60)",
	NULL};
static const char *const h_undrain[] = {"Make a system-level request", "System",
					"Announce the VIPs again after a drain", NULL};
static const struct sh_arg a_addr[] = {{.name = "ADDR", .display = "<address>"}, {NULL}};
static const struct sh_arg a_drain[] = {
	{.name = "SECONDS", .type = SH_ARG_UINT, .min = 1, .max = 3600, .display = "<seconds>"},
	{NULL}};

static const struct sh_cmd cmds[] = {
	{.syntax = "show bgp summary",
	 .help = h_summary,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_summary},
	{.syntax = "show bgp neighbor [ADDR]",
	 .help = h_neighbor,
	 .args = a_addr,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_neighbor},
	{.syntax = "show route advertising-protocol bgp ADDR",
	 .help = h_adv,
	 .args = a_addr,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_adv},
	{.syntax = "request system drain [timeout SECONDS]",
	 .help = h_drain,
	 .args = a_drain,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = request_drain},
	{.syntax = "request system undrain",
	 .help = h_undrain,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = request_undrain},
};

#define NB_CMDS (sizeof(cmds) / sizeof(cmds[0]))

int fw_bgp_cmds_register(struct fw_bird *b)
{
	int rc;

	the_b = b;
	the_loop = fw_bird_loop(b);
	rc = sh_cmds_register(cmds, NB_CMDS);
	if (rc < 0)
		the_b = NULL;
	return rc;
}

void fw_bgp_cmds_unregister(void)
{
	sh_cmds_unregister(cmds, NB_CMDS);
	the_b = NULL;
}
