/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health checker's operational commands, declared next to their handlers:
 *
 *   request services dsr check vip NAME     probe every backend of the VIP now and
 *                                           print each result (operator)
 *   show services dsr health [vip NAME]     health per backend: state, since when,
 *                                           the last probe, the reason; ARP conflicts
 *
 * Both build a tula_val (`| display json`, Lua's tula.show) and render it as text.
 * The VIPs' names and addresses come from the active configuration; the health from
 * fw_health.h.
 */
#include "firmware/control/fw_health.h"

#include "firmware/cli/fw_cmds_priv.h"
#include "firmware/fw_state.h"

#include "common/tula_val.h"
#include "db/db.h"
#include "shell/sh_cmd.h"
#include "shell/sh_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static struct fw_health *the_h; /* set by fw_health_cmds_register; control thread */

static struct tula_val *time_val(int64_t t)
{
	char b[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0)
		return tula_val_str("never");
	localtime_r(&tt, &tm);
	strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm);
	return tula_val_str(b);
}

/* name, address, protocol, port, mode and the check of a configured VIP. */
static struct tula_val *vip_head(const struct db_node *v)
{
	struct tula_val *vv = tula_val_map(), *cv = tula_val_map();
	struct fw_health_check c;
	const char *s;
	uint16_t port = 0;

	tula_val_map_set(vv, "name", tula_val_str(db_node_key(v)));
	tula_val_map_set(vv, "address", tula_val_str(db_get_str(v, "address")));
	tula_val_map_set(vv, "protocol", tula_val_str(db_get_str(v, "protocol")));
	db_get_port(v, "port", &port);
	tula_val_map_set(vv, "port", port ? tula_val_uint(port) : tula_val_str("*"));
	tula_val_map_set(vv, "mode", tula_val_str((s = db_get_str(v, "mode")) ? s : "l2"));
	if (fw_health_vip_check(the_h, db_node_key(v), &c) == 0) {
		tula_val_map_set(cv, "type", tula_val_str(c.type));
		if (strcmp(c.type, "none") != 0) {
			tula_val_map_set(cv, "port", tula_val_uint(c.port));
			if (c.path != NULL)
				tula_val_map_set(cv, "http-path", tula_val_str(c.path));
			tula_val_map_set(cv, "interval", tula_val_uint(c.interval));
			tula_val_map_set(cv, "timeout", tula_val_uint(c.timeout));
			tula_val_map_set(cv, "rise", tula_val_uint(c.rise));
			tula_val_map_set(cv, "fall", tula_val_uint(c.fall));
		}
	} else {
		tula_val_map_set(cv, "type", tula_val_str("none"));
	}
	tula_val_map_set(vv, "check", cv);
	return vv;
}

static void render_head(const struct tula_val *vv, struct tula_buf *out)
{
	const struct tula_val *port = tula_val_get(vv, "port"), *c = tula_val_get(vv, "check");
	char portstr[16];

	if (tula_val_type(port) == TULA_VAL_STRING)
		snprintf(portstr, sizeof(portstr), "*");
	else
		snprintf(portstr, sizeof(portstr), "%llu",
			 (unsigned long long)tula_val_as_uint(port));
	tula_buf_printf(out, "VIP %s: %s %s/%s, mode %s", tula_val_get_str(vv, "name"),
			tula_val_get_str(vv, "address"), tula_val_get_str(vv, "protocol"), portstr,
			tula_val_get_str(vv, "mode"));
	if (tula_val_get(vv, "state") != NULL)
		tula_buf_printf(out, ", state %s", tula_val_get_str(vv, "state"));
	tula_buf_putc(out, '\n');
	if (strcmp(tula_val_get_str(c, "type"), "none") == 0) {
		tula_buf_puts(out, "  Check: none (backends are not probed)\n");
		return;
	}
	tula_buf_printf(out, "  Check: %s", tula_val_get_str(c, "type"));
	if (tula_val_get(c, "http-path") != NULL)
		tula_buf_printf(out, " GET %s", tula_val_get_str(c, "http-path"));
	tula_buf_printf(out,
			" on port %llu, interval %llu s, timeout %llu s, rise %llu, fall %llu\n",
			(unsigned long long)tula_val_get_uint(c, "port"),
			(unsigned long long)tula_val_get_uint(c, "interval"),
			(unsigned long long)tula_val_get_uint(c, "timeout"),
			(unsigned long long)tula_val_get_uint(c, "rise"),
			(unsigned long long)tula_val_get_uint(c, "fall"));
}

/* "up", "up (1/3 failed)", "down (1/2 passed)" */
static void health_text(char *buf, size_t len, const struct tula_val *b)
{
	const char *h = tula_val_get_str(b, "health");
	uint64_t ok = tula_val_get_uint(b, "successes"), ko = tula_val_get_uint(b, "failures");

	if ((strcmp(h, "up") == 0 || strcmp(h, "unchecked") == 0) && ko > 0)
		snprintf(buf, len, "%s (%llu/%llu failed)", h, (unsigned long long)ko,
			 (unsigned long long)tula_val_get_uint(b, "fall"));
	else if (strcmp(h, "down") == 0 && ok > 0)
		snprintf(buf, len, "%s (%llu/%llu passed)", h, (unsigned long long)ok,
			 (unsigned long long)tula_val_get_uint(b, "rise"));
	else
		snprintf(buf, len, "%s", h);
}

static void ms_text(char *buf, size_t len, uint64_t us)
{
	snprintf(buf, len, "%llu.%llu ms", (unsigned long long)(us / 1000),
		 (unsigned long long)(us % 1000 / 100));
}

/* ---- show services dsr health [vip NAME] ------------------------------------------------- */

static struct tula_val *backend_health(const char *vip, const struct db_node *b)
{
	struct tula_val *bv = tula_val_map();
	struct fw_health_status s;
	struct db_addr a = {0};
	uint32_t a4 = 0;
	int rc;

	db_get_addr(b, "address", &a);
	memcpy(&a4, a.b, sizeof(a4));
	tula_val_map_set(bv, "name", tula_val_str(db_node_key(b)));
	if (a.family == AF_INET6) {
		struct fw_ip6 a6;

		memcpy(&a6, a.b, sizeof(a6));
		tula_val_map_set(bv, "address", tula_val_str(db_get_str(b, "address")));
		rc = fw_health_get6(the_h, vip, &a6, &s);
	} else {
		tula_val_map_set(bv, "address", fw_cmd_ip_val(a4));
		rc = fw_health_get(the_h, vip, a4, &s);
	}
	if (rc < 0) {
		tula_val_map_set(bv, "health", tula_val_str("unknown"));
		return bv;
	}
	tula_val_map_set(bv, "health", tula_val_str(fw_health_state_name(s.state)));
	tula_val_map_set(bv, "since", time_val(s.since));
	tula_val_map_set(bv, "since-unix", tula_val_int(s.since));
	tula_val_map_set(bv, "last-probe",
			 tula_val_str(s.last_ok < 0 ? "none"
				      : s.last_ok   ? "pass"
						    : "fail"));
	if (s.last_probe != 0)
		tula_val_map_set(bv, "last-probe-time", time_val(s.last_probe));
	if (s.last_ok >= 0 && s.probes > s.failed)
		tula_val_map_set(bv, "latency-us", tula_val_uint(s.latency_us));
	tula_val_map_set(bv, "reason", tula_val_str(s.reason));
	tula_val_map_set(bv, "failure", tula_val_str(fw_health_fail_name(s.fail)));
	tula_val_map_set(bv, "successes", tula_val_uint(s.successes));
	tula_val_map_set(bv, "failures", tula_val_uint(s.failures));
	tula_val_map_set(bv, "rise", tula_val_uint(s.rise));
	tula_val_map_set(bv, "fall", tula_val_uint(s.fall));
	tula_val_map_set(bv, "probes", tula_val_uint(s.probes));
	tula_val_map_set(bv, "probes-failed", tula_val_uint(s.failed));
	return bv;
}

static struct tula_val *vip_health(const struct db_node *v)
{
	struct tula_val *vv = vip_head(v), *bes = tula_val_list();
	int up = fw_health_vip_up(the_h, db_node_key(v));

	tula_val_map_set(vv, "state", tula_val_str(up > 0 ? "up" : up == 0 ? "down" : "unknown"));
	for (const struct db_node *b = db_node_first(v, "backend"); b; b = db_node_next(b))
		tula_val_list_add(bes, backend_health(db_node_key(v), b));
	tula_val_map_set(vv, "backends", bes);
	return vv;
}

/* An NDP conflict (a v6 VIP claimed by another host): into the "ndp-conflicts" list. */
static void add_conflict6(struct tula_val *list, const struct fw_health_conflict *c)
{
	struct tula_val *cv = tula_val_map();
	char a[INET6_ADDRSTRLEN];

	tula_val_map_set(cv, "vip", tula_val_str(c->vip));
	tula_val_map_set(cv, "vip-address",
			 tula_val_str(inet_ntop(AF_INET6, &c->vip_addr6, a, sizeof(a))));
	tula_val_map_set(cv, "interface", tula_val_str(c->port));
	tula_val_map_set(cv, "mac",
			 tula_val_strf(RTE_ETHER_ADDR_PRT_FMT, RTE_ETHER_ADDR_BYTES(&c->mac)));
	if (c->backend != NULL) {
		tula_val_map_set(cv, "backend", tula_val_str(c->backend));
		tula_val_map_set(cv, "backend-vip", tula_val_str(c->backend_vip));
	}
	tula_val_map_set(cv, "sender", tula_val_str(inet_ntop(AF_INET6, &c->host6, a, sizeof(a))));
	tula_val_map_set(cv, "claim", tula_val_str(c->claim));
	tula_val_map_set(cv, "first-seen", time_val(c->first_seen));
	tula_val_map_set(cv, "last-seen", time_val(c->last_seen));
	tula_val_map_set(cv, "messages", tula_val_uint(c->answers));
	tula_val_list_add(list, cv);
}

struct conflict_lists {
	struct tula_val *arp, *ndp;
};

static void add_conflict(void *arg, const struct fw_health_conflict *c)
{
	struct conflict_lists *lists = arg;
	struct tula_val *cv;

	if (c->family == FW_AF_INET6) {
		add_conflict6(lists->ndp, c);
		return;
	}
	cv = tula_val_map();

	tula_val_map_set(cv, "vip", tula_val_str(c->vip));
	tula_val_map_set(cv, "vip-address", fw_cmd_ip_val(c->vip_addr));
	tula_val_map_set(cv, "interface", tula_val_str(c->port));
	tula_val_map_set(cv, "mac",
			 tula_val_strf(RTE_ETHER_ADDR_PRT_FMT, RTE_ETHER_ADDR_BYTES(&c->mac)));
	if (c->backend != NULL) {
		tula_val_map_set(cv, "backend", tula_val_str(c->backend));
		tula_val_map_set(cv, "backend-vip", tula_val_str(c->backend_vip));
	}
	if (c->host != 0)
		tula_val_map_set(cv, "host", fw_cmd_ip_val(c->host));
	tula_val_map_set(cv, "first-seen", time_val(c->first_seen));
	tula_val_map_set(cv, "last-seen", time_val(c->last_seen));
	tula_val_map_set(cv, "answers", tula_val_uint(c->answers));
	tula_val_list_add(lists->arp, cv);
}

/* "NDP conflicts:" after the ARP ones, only when there are any (IPv6 VIPs). */
static void render_ndp(const struct tula_val *ns, struct tula_buf *out)
{
	if (tula_val_count(ns) == 0)
		return;
	tula_buf_puts(out, "NDP conflicts:\n");
	for (size_t i = 0; i < tula_val_count(ns); i++) {
		const struct tula_val *c = tula_val_at(ns, i);

		tula_buf_printf(out, "  VIP %s %s on %s: claimed by %s", tula_val_get_str(c, "vip"),
				tula_val_get_str(c, "vip-address"),
				tula_val_get_str(c, "interface"), tula_val_get_str(c, "mac"));
		if (tula_val_get(c, "backend") != NULL)
			tula_buf_printf(
				out, " (backend %s of VIP %s, %s)", tula_val_get_str(c, "backend"),
				tula_val_get_str(c, "backend-vip"), tula_val_get_str(c, "sender"));
		else
			tula_buf_printf(out, " (not a backend, %s)", tula_val_get_str(c, "sender"));
		tula_buf_printf(
			out,
			"\n    it %s; since %s, last %s, %llu messages: keep the VIP on lo "
			"only, with the NS guard of show services dsr backend-setup vip %s\n",
			tula_val_get_str(c, "claim"), tula_val_get_str(c, "first-seen"),
			tula_val_get_str(c, "last-seen"),
			(unsigned long long)tula_val_get_uint(c, "messages"),
			tula_val_get_str(c, "vip"));
	}
}

/* The probe source ports: they bound the probes in flight; a probe due while all are
 * in flight waits for one, which the operator sees here. */
static struct tula_val *ports_view(void)
{
	struct tula_val *pv = tula_val_map();
	struct fw_health_ports hp;

	fw_health_ports(the_h, &hp);
	tula_val_map_set(pv, "first", tula_val_uint(hp.first));
	tula_val_map_set(pv, "last", tula_val_uint((uint32_t)hp.first + hp.count - 1));
	tula_val_map_set(pv, "in-flight", tula_val_uint(hp.in_flight));
	tula_val_map_set(pv, "peak-in-flight", tula_val_uint(hp.peak));
	tula_val_map_set(pv, "waiting", tula_val_uint(hp.waiting));
	tula_val_map_set(pv, "delayed", tula_val_uint(hp.delayed));
	return pv;
}

static void render_ports(const struct tula_val *pv, struct tula_buf *out)
{
	uint64_t first = tula_val_get_uint(pv, "first"), last = tula_val_get_uint(pv, "last");

	tula_buf_printf(out,
			"Probe source ports %llu-%llu: %llu probes in flight (peak %llu of %llu)",
			(unsigned long long)first, (unsigned long long)last,
			(unsigned long long)tula_val_get_uint(pv, "in-flight"),
			(unsigned long long)tula_val_get_uint(pv, "peak-in-flight"),
			(unsigned long long)(last - first + 1));
	if (tula_val_get_uint(pv, "delayed") == 0) {
		tula_buf_puts(out, ", no probe delayed\n");
		return;
	}
	tula_buf_printf(out,
			", %llu waiting for a port now, %llu delayed since start\n"
			"  (more probes were due at once than ports: they start late; a longer "
			"interval spreads them)\n",
			(unsigned long long)tula_val_get_uint(pv, "waiting"),
			(unsigned long long)tula_val_get_uint(pv, "delayed"));
}

static void render_health(const struct tula_val *v, struct tula_buf *out)
{
	const struct tula_val *vips = tula_val_get(v, "vips"),
			      *cs = tula_val_get(v, "arp-conflicts"),
			      *ns = tula_val_get(v, "ndp-conflicts");

	for (size_t i = 0; i < tula_val_count(vips); i++) {
		const struct tula_val *vv = tula_val_at(vips, i),
				      *bes = tula_val_get(vv, "backends");

		render_head(vv, out);
		tula_buf_printf(out, "  %-14s %-15s %-18s %-19s  %s\n", "Backend", "Address",
				"Health", "Since", "Last probe");
		for (size_t j = 0; j < tula_val_count(bes); j++) {
			const struct tula_val *b = tula_val_at(bes, j);
			char health[48], last[48], lat[24];

			health_text(health, sizeof(health), b);
			snprintf(last, sizeof(last), "%s", tula_val_get_str(b, "last-probe"));
			if (strcmp(last, "pass") == 0 && tula_val_get(b, "latency-us") != NULL) {
				ms_text(lat, sizeof(lat), tula_val_get_uint(b, "latency-us"));
				snprintf(last, sizeof(last), "pass %s", lat);
			}
			tula_buf_printf(out, "  %-14s %-15s %-18s %-19s  %s\n",
					tula_val_get_str(b, "name"), tula_val_get_str(b, "address"),
					health, tula_val_get_str(b, "since"), last);
			if (tula_val_get_str(b, "reason")[0] != '\0')
				tula_buf_printf(out, "    %s\n", tula_val_get_str(b, "reason"));
		}
		tula_buf_putc(out, '\n');
	}
	if (tula_val_get(v, "probe-ports") != NULL)
		render_ports(tula_val_get(v, "probe-ports"), out);
	if (tula_val_count(cs) == 0) {
		tula_buf_puts(out, "ARP conflicts: none\n");
		render_ndp(ns, out);
		return;
	}
	tula_buf_puts(out, "ARP conflicts:\n");
	for (size_t i = 0; i < tula_val_count(cs); i++) {
		const struct tula_val *c = tula_val_at(cs, i);

		tula_buf_printf(out, "  VIP %s %s on %s: answered by %s",
				tula_val_get_str(c, "vip"), tula_val_get_str(c, "vip-address"),
				tula_val_get_str(c, "interface"), tula_val_get_str(c, "mac"));
		if (tula_val_get(c, "backend") != NULL)
			tula_buf_printf(
				out, " (backend %s of VIP %s, %s)", tula_val_get_str(c, "backend"),
				tula_val_get_str(c, "backend-vip"), tula_val_get_str(c, "host"));
		else if (tula_val_get(c, "host") != NULL)
			tula_buf_printf(out, " (host %s, not a backend)",
					tula_val_get_str(c, "host"));
		tula_buf_putc(out, '\n');
		tula_buf_printf(out,
				"    since %s, last %s, %llu answers: set arp_ignore=1 and "
				"arp_announce=2 on that host\n",
				tula_val_get_str(c, "first-seen"), tula_val_get_str(c, "last-seen"),
				(unsigned long long)tula_val_get_uint(c, "answers"));
	}
	render_ndp(ns, out);
}

static int show_health(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const struct db_node *one;
	struct tula_val *top, *vips;
	struct conflict_lists cl;
	int err;

	(void)arg;
	one = fw_cmd_wanted_vip(ctx, m, &err);
	if (err)
		return err;
	top = tula_val_map();
	vips = tula_val_list();
	cl.arp = tula_val_list();
	cl.ndp = tula_val_list();
	if (one != NULL)
		tula_val_list_add(vips, vip_health(one));
	else
		for (const struct db_node *v = db_node_first(fw_cmd_active_dsr(), "vip"); v;
		     v = db_node_next(v))
			tula_val_list_add(vips, vip_health(v));
	fw_health_conflicts(the_h, add_conflict, &cl);
	tula_val_map_set(top, "vips", vips);
	tula_val_map_set(top, "probe-ports", ports_view());
	tula_val_map_set(top, "arp-conflicts", cl.arp);
	tula_val_map_set(top, "ndp-conflicts", cl.ndp);
	sh_ctx_set_val(ctx, top, render_health);
	return 0;
}

/* ---- request services dsr check vip NAME -------------------------------------------------- */

static void add_result(struct tula_val *list, const struct fw_health_result *r)
{
	struct tula_val *rv = tula_val_map();

	tula_val_map_set(rv, "name", tula_val_str(r->backend));
	if (r->family == FW_AF_INET6) {
		char a[INET6_ADDRSTRLEN];

		tula_val_map_set(rv, "address",
				 tula_val_str(inet_ntop(AF_INET6, &r->addr6, a, sizeof(a))));
	} else {
		tula_val_map_set(rv, "address", fw_cmd_ip_val(r->addr));
	}
	tula_val_map_set(rv, "result",
			 tula_val_str(!r->done ? "running"
				      : r->ok  ? "pass"
					       : "fail"));
	tula_val_map_set(rv, "time-us", tula_val_uint(r->latency_us));
	if (r->done && !r->ok) {
		tula_val_map_set(rv, "failure", tula_val_str(fw_health_fail_name(r->fail)));
		tula_val_map_set(rv, "reason", tula_val_str(r->reason));
	}
	tula_val_map_set(rv, "health", tula_val_str(fw_health_state_name(r->state)));
	tula_val_map_set(rv, "successes", tula_val_uint(r->successes));
	tula_val_map_set(rv, "failures", tula_val_uint(r->failures));
	tula_val_map_set(rv, "rise", tula_val_uint(r->rise));
	tula_val_map_set(rv, "fall", tula_val_uint(r->fall));
	tula_val_list_add(list, rv);
}

static void render_check(const struct tula_val *v, struct tula_buf *out)
{
	const struct tula_val *rs = tula_val_get(v, "results");

	render_head(v, out);
	tula_buf_printf(out, "  %-14s %-15s %-7s %-11s %s\n", "Backend", "Address", "Result",
			"Time", "Health");
	for (size_t i = 0; i < tula_val_count(rs); i++) {
		const struct tula_val *r = tula_val_at(rs, i);
		char health[48], t[24];

		health_text(health, sizeof(health), r);
		ms_text(t, sizeof(t), tula_val_get_uint(r, "time-us"));
		tula_buf_printf(out, "  %-14s %-15s %-7s %-11s %s\n", tula_val_get_str(r, "name"),
				tula_val_get_str(r, "address"), tula_val_get_str(r, "result"), t,
				health);
		if (tula_val_get_str(r, "reason")[0] != '\0')
			tula_buf_printf(out, "    %s\n", tula_val_get_str(r, "reason"));
		else if (strcmp(tula_val_get_str(r, "result"), "running") == 0)
			tula_buf_puts(out, "    no answer yet: the probe goes on in the "
					   "background\n");
	}
}

/* A check in progress for one CLI session (the command waits, the loop does not). */
struct check_req {
	struct sh_ctx *ctx;
	struct fw_health_run *run;
	struct tula_val *head; /* the VIP's name and check, rendered above the results */
};

static void check_done(void *arg, const struct fw_health_result *r, size_t n)
{
	struct check_req *cr = arg;
	struct tula_val *rs = tula_val_list();

	for (size_t i = 0; i < n; i++)
		add_result(rs, &r[i]);
	tula_val_map_set(cr->head, "results", rs);
	sh_ctx_set_val(cr->ctx, cr->head, render_check);
	sh_ctx_resume(cr->ctx, 0);
	free(cr);
}

/* The session ended before the probes did. */
static void check_cancel(void *arg)
{
	struct check_req *cr = arg;

	fw_health_check_cancel(cr->run);
	tula_val_free(cr->head);
	free(cr);
}

static int request_check(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const struct db_node *v;
	struct check_req *cr;
	int err, rc;

	(void)arg;
	v = fw_cmd_wanted_vip(ctx, m, &err);
	if (err || v == NULL)
		return err ? err : -EINVAL;
	cr = calloc(1, sizeof(*cr));
	if (cr == NULL)
		return -ENOMEM;
	cr->ctx = ctx;
	/* The run reports from the loop, never from here: start it, then wait for it. */
	cr->run = fw_health_check_start(the_h, db_node_key(v), check_done, cr);
	if (cr->run == NULL) {
		rc = errno;
		free(cr);
		if (rc == ENOTSUP || rc == ENOENT)
			return sh_err(ctx,
				      "error: VIP %s has no health check: set services dsr vip %s "
				      "health-check type tcp (or http)",
				      db_node_key(v), db_node_key(v));
		return sh_err(ctx, "error: cannot check VIP %s: %s", db_node_key(v), strerror(rc));
	}
	rc = sh_ctx_defer(ctx, check_cancel, cr);
	if (rc < 0) {
		fw_health_check_cancel(cr->run);
		free(cr);
		return sh_err(ctx,
			      "error: request services dsr check waits for the network: run it "
			      "from a CLI session");
	}
	cr->head = vip_head(v);
	return 0;
}

/* ---- declarations ------------------------------------------------------------------------------ */

static const char *const h_check[] = {"Make a system-level request",
				      "Services",
				      "Direct Server Return",
				      "Probe every backend of a VIP now and show each result",
				      "A virtual IP",
				      "VIP name",
				      NULL};
static const char *const h_health[] = {"Show information",
				       "Services",
				       "Direct Server Return",
				       "Health of each backend (state, since, reason) and ARP "
				       "conflicts",
				       "Only one virtual IP",
				       "VIP name",
				       NULL};
static const struct sh_arg a_vip[] = {{.name = "NAME", .names = fw_cmd_vip_names}, {NULL}};

static const struct sh_cmd cmds[] = {
	{.syntax = "request services dsr check vip NAME",
	 .help = h_check,
	 .args = a_vip,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = request_check},
	{.syntax = "show services dsr health [vip NAME]",
	 .help = h_health,
	 .args = a_vip,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_health},
};

#define NB_CMDS (sizeof(cmds) / sizeof(cmds[0]))

int fw_health_cmds_register(struct fw_health *h)
{
	int rc;

	the_h = h;
	rc = sh_cmds_register(cmds, NB_CMDS);
	if (rc < 0)
		the_h = NULL;
	return rc;
}

void fw_health_cmds_unregister(void)
{
	sh_cmds_unregister(cmds, NB_CMDS);
	the_h = NULL;
}
