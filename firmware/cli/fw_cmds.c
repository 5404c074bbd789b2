/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware's operational commands: the live views of the data path (VIPs and
 * backends, statistics, flow tables, interfaces, neighbours, routes) and the commands
 * that act on it (clear counters, flush flows, clear ARP).
 *
 * Every show command builds a tula_val (so `| display json` and Lua's tula.show() get
 * the same data) and renders it as text with a function next to it. The views join
 * three sources: the active configuration (names, weights, settings), the published
 * forwarding state (slots, resolution, Maglev shares) and the counters summed over the
 * workers.
 */
#include "firmware/cli/fw_cmds.h"
#include "firmware/cli/fw_cmds_priv.h"

#include "common/tula_loop.h"
#include "common/tula_val.h"
#include "db/db.h"
#include "firmware/control/fw_ctl.h"
#include "firmware/control/fw_dp.h"
#include "firmware/control/fw_health.h"
#include "firmware/control/fw_maglev.h"
#include "firmware/control/fw_rates.h"
#include "firmware/fw_state.h"
#include "shell/sh_cmd.h"
#include "shell/sh_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ethdev.h>

#define TOP_TALKERS 10

/* Set by fw_cmds_register; the commands run on the control thread that owns them. */
static struct fw_ctl *the_ctl;
static struct fw_health *the_health; /* may be NULL (no health checks) */
static struct fw_rates *the_rates;   /* may be NULL (no rates shown) */

/* ---- small helpers ------------------------------------------------------------------ */

static const char *ip_str(uint32_t addr, char *buf)
{
	return inet_ntop(AF_INET, &addr, buf, INET_ADDRSTRLEN);
}

struct tula_val *fw_cmd_ip_val(uint32_t addr)
{
	char b[INET_ADDRSTRLEN];

	return tula_val_str(ip_str(addr, b));
}

static struct tula_val *ip6_val(const struct fw_ip6 *a)
{
	char b[INET6_ADDRSTRLEN];

	return tula_val_str(inet_ntop(AF_INET6, a->b, b, sizeof(b)));
}

static struct fw_ip6 to_ip6(const struct db_addr *a)
{
	struct fw_ip6 r;

	memcpy(r.b, a->b, sizeof(r.b));
	return r;
}

static uint32_t to_ip4(const struct db_addr *a)
{
	uint32_t r;

	memcpy(&r, a->b, sizeof(r));
	return r;
}

struct tula_val *fw_cmd_mac_val(const struct rte_ether_addr *mac)
{
	return tula_val_strf(RTE_ETHER_ADDR_PRT_FMT, RTE_ETHER_ADDR_BYTES(mac));
}

const struct db_node *fw_cmd_active_dsr(void)
{
	struct db *db = sh_server_db();

	return db != NULL ? db_node_get(db_active_effective(db), "services dsr") : NULL;
}

const struct db_node *fw_cmd_wanted_vip(struct sh_ctx *ctx, const struct sh_match *m, int *err)
{
	const char *name = sh_match_str(m, "NAME");
	const struct db_node *v;

	*err = 0;
	if (name == NULL)
		return NULL;
	v = db_node_find(fw_cmd_active_dsr(), "vip", name);
	if (v == NULL)
		*err = sh_err(ctx, "error: no VIP named %s in the active configuration", name);
	return v;
}

/* The slot of a configured VIP in the published state, or -ENOENT. */
int fw_cmd_vip_slot(const struct fw_state *st, const struct db_node *v)
{
	struct db_addr a;
	const char *proto = db_get_str(v, "protocol");
	uint8_t l4 = proto != NULL && strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	uint16_t port = 0;

	if (st == NULL || db_get_addr(v, "address", &a) < 0 || db_get_port(v, "port", &port) < 0)
		return -ENOENT;
	if (a.family == AF_INET6) {
		struct fw_ip6 a6 = to_ip6(&a);

		return fw_state_vip6_slot(st, &a6, l4, port);
	}
	return fw_state_vip_slot(st, to_ip4(&a), l4, port);
}

/* The slot of configured backend b of the VIP in vslot, or -ENOENT. */
static int backend_slot(const struct fw_state *st, int vslot, const struct db_node *b)
{
	struct db_addr a;

	if (st == NULL || vslot < 0 || db_get_addr(b, "address", &a) < 0)
		return -ENOENT;
	if (a.family == AF_INET6) {
		struct fw_ip6 a6 = to_ip6(&a);

		return fw_state_backend6_slot(st, vslot, &a6);
	}
	return fw_state_backend_slot(st, vslot, to_ip4(&a));
}

void fw_cmd_vip_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	(void)s;
	(void)m;
	for (const struct db_node *v = db_node_first(fw_cmd_active_dsr(), "vip"); v;
	     v = db_node_next(v))
		sh_cands_add(out, SH_CAND_NAME, db_node_key(v), db_get_str(v, "address"));
}

static void backend_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	const struct db_node *v = db_node_find(fw_cmd_active_dsr(), "vip", sh_match_str(m, "NAME"));

	(void)s;
	for (const struct db_node *b = db_node_first(v, "backend"); b; b = db_node_next(b))
		sh_cands_add(out, SH_CAND_NAME, db_node_key(b), db_get_str(b, "address"));
}

static const char *neigh_state(uint32_t nexthop, uint16_t port_id)
{
	struct rte_ether_addr mac;

	switch (fw_neigh_lookup(fw_ctl_neigh(the_ctl), port_id, nexthop, &mac)) {
	case 0:
		return "resolved";
	case -EAGAIN:
		return "resolving";
	case -EHOSTUNREACH:
		return "unreachable";
	}
	return "unknown";
}

/* ---- show services dsr [vip NAME] --------------------------------------------------- */

/* Health of a backend: state, when it last changed, and why it is not up. */
static void health_view(struct tula_val *bv, const char *vip, uint32_t addr)
{
	struct fw_health_status hs;

	if (the_health == NULL || fw_health_get(the_health, vip, addr, &hs) < 0) {
		tula_val_map_set(
			bv, "health",
			tula_val_str(fw_ctl_backend_up(the_ctl, vip, addr) ? "up" : "down"));
		return;
	}
	tula_val_map_set(bv, "health", tula_val_str(fw_health_state_name(hs.state)));
	if (hs.since != 0)
		tula_val_map_set(bv, "health-since", tula_val_int(hs.since));
	if (hs.state == FW_HEALTH_UP || hs.state == FW_HEALTH_DOWN) {
		tula_val_map_set(bv, "health-successes", tula_val_uint(hs.successes));
		tula_val_map_set(bv, "health-failures", tula_val_uint(hs.failures));
		tula_val_map_set(bv, "health-rise", tula_val_uint(hs.rise));
		tula_val_map_set(bv, "health-fall", tula_val_uint(hs.fall));
	}
	if (hs.reason[0] != '\0') {
		tula_val_map_set(bv, "health-failure", tula_val_str(fw_health_fail_name(hs.fail)));
		tula_val_map_set(bv, "health-reason", tula_val_str(hs.reason));
	}
}

/* ARP conflicts of one VIP: hosts that answer ARP for its address. */
struct conflict_walk {
	const char *vip;
	struct tula_val *list;
};

static void one_conflict(void *arg, const struct fw_health_conflict *c)
{
	struct conflict_walk *w = arg;
	struct tula_val *v;

	if (strcmp(c->vip, w->vip) != 0)
		return;
	v = tula_val_map();
	tula_val_map_set(v, "interface", tula_val_str(c->port));
	tula_val_map_set(v, "mac", fw_cmd_mac_val(&c->mac));
	if (c->backend != NULL)
		tula_val_map_set(v, "backend", tula_val_str(c->backend));
	if (c->backend_vip != NULL)
		tula_val_map_set(v, "backend-vip", tula_val_str(c->backend_vip));
	if (c->host != 0)
		tula_val_map_set(v, "host", fw_cmd_ip_val(c->host));
	tula_val_map_set(v, "first-seen", tula_val_int(c->first_seen));
	tula_val_map_set(v, "last-seen", tula_val_int(c->last_seen));
	tula_val_map_set(v, "answers", tula_val_uint(c->answers));
	tula_val_list_add(w->list, v);
}

/* "12s ago", "3m ago", "2h ago", "4d ago" for a unix time in the past. */
static void ago(int64_t when, char *buf, size_t len)
{
	int64_t d = (int64_t)time(NULL) - when;

	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(buf, len, "%llds ago", (long long)d);
	else if (d < 7200)
		snprintf(buf, len, "%lldm ago", (long long)(d / 60));
	else if (d < 172800)
		snprintf(buf, len, "%lldh ago", (long long)(d / 3600));
	else
		snprintf(buf, len, "%lldd ago", (long long)(d / 86400));
}

/* shares: the VIP's entries per backend index (fw_state_vip_shares), or NULL */
static struct tula_val *backend_view(const struct fw_state *st, int vslot, const char *vip,
				     const struct db_node *b, const uint32_t *shares)
{
	struct tula_val *bv = tula_val_map();
	struct db_addr a = {0};
	uint32_t weight = 100;
	int slot = backend_slot(st, vslot, b);
	char ab[DB_ADDR_STRLEN];

	db_get_addr(b, "address", &a);
	db_get_uint(b, "weight", &weight);
	tula_val_map_set(bv, "name", tula_val_str(db_node_key(b)));
	tula_val_map_set(bv, "address", tula_val_str(db_addr_str(&a, ab, sizeof(ab))));
	tula_val_map_set(bv, "weight", tula_val_uint(weight));
	if (a.family == AF_INET6) {
		struct fw_ip6 a6 = to_ip6(&a);

		tula_val_map_set(
			bv, "health",
			tula_val_str(fw_ctl_backend6_up(the_ctl, vip, &a6) ? "up" : "down"));
	} else {
		health_view(bv, vip, to_ip4(&a));
	}
	if (slot >= 0) {
		const struct fw_state_backend *be = &st->backends[slot];
		uint32_t share = 0;

		for (uint16_t i = 0; shares != NULL && i < st->vips[vslot].nb_backends; i++)
			if (st->vips[vslot].backends[i] == (uint32_t)slot)
				share = shares[i];

		if (be->family == FW_AF_INET6) {
			/* the v6 neighbour cache is not the ARP table: the state says */
			tula_val_map_set(bv, "next-hop", ip6_val(&be->nexthop6));
			tula_val_map_set(bv, "neighbour",
					 tula_val_str(be->resolved ? "resolved" : "resolving"));
		} else {
			tula_val_map_set(bv, "next-hop", fw_cmd_ip_val(be->nexthop));
			tula_val_map_set(bv, "neighbour",
					 tula_val_str(neigh_state(be->nexthop,
								  st->ports[be->port].port_id)));
		}
		tula_val_map_set(bv, "usable", tula_val_bool(be->usable));
		tula_val_map_set(bv, "share-entries", tula_val_uint(share));
		tula_val_map_set(bv, "share-percent",
				 tula_val_double(100.0 * share / st->maglev_size));
	} else {
		tula_val_map_set(bv, "usable", tula_val_bool(0));
		tula_val_map_set(bv, "share-entries", tula_val_uint(0));
		tula_val_map_set(bv, "share-percent", tula_val_double(0));
	}
	return bv;
}

/* A VIP's Maglev entries are indices into its backend list (fw_state.h). */
struct maglev_of {
	const struct fw_state *st;
	const struct fw_state_vip *v;
};

static const uint8_t *backend_addr(const void *arg, uint16_t idx)
{
	const struct maglev_of *mo = arg;
	const struct fw_state_backend *b = &mo->st->backends[mo->v->backends[idx]];

	return b->family == FW_AF_INET6 ? b->addr6.b : (const uint8_t *)&b->addr;
}

static struct tula_val *vip_view(const struct fw_state *st, const struct db_node *v)
{
	struct tula_val *vv = tula_val_map(), *bes = tula_val_list();
	const char *name = db_node_key(v), *s;
	int slot = fw_cmd_vip_slot(st, v), usable = 0;
	uint32_t *shares = NULL; /* Maglev entries per backend index, counted once */
	uint16_t port = 0;
	uint32_t u;

	tula_val_map_set(vv, "name", tula_val_str(name));
	tula_val_map_set(vv, "address", tula_val_str(db_get_str(v, "address")));
	tula_val_map_set(vv, "protocol", tula_val_str(db_get_str(v, "protocol")));
	db_get_port(v, "port", &port);
	tula_val_map_set(vv, "port", port ? tula_val_uint(port) : tula_val_str("*"));
	tula_val_map_set(vv, "mode", tula_val_str((s = db_get_str(v, "mode")) ? s : "l2"));
	if (slot >= 0)
		tula_val_map_set(vv, "interface",
				 tula_val_str(st->ports[st->vips[slot].port_index].name));
	tula_val_map_set(vv, "hash", tula_val_str((s = db_get_str(v, "hash")) ? s : "five-tuple"));
	if (db_get_uint(v, "flow-timeout", &u) == 0)
		tula_val_map_set(vv, "flow-timeout", tula_val_uint(u));
	if ((s = db_get_str(v, "tunnel-source")) != NULL)
		tula_val_map_set(vv, "tunnel-source", tula_val_str(s));
	if (slot >= 0) {
		shares = calloc(st->vips[slot].nb_backends + 1u, sizeof(*shares));
		if (shares != NULL && fw_state_vip_shares(st, slot, shares) < 0) {
			free(shares);
			shares = NULL;
		}
	}
	for (const struct db_node *b = db_node_first(v, "backend"); b; b = db_node_next(b)) {
		struct tula_val *bv = backend_view(st, slot, name, b, shares);

		usable += tula_val_as_bool(tula_val_get(bv, "usable"));
		tula_val_list_add(bes, bv);
	}
	free(shares);
	/* Down when no backend may take traffic: none usable, or health says all down. */
	if (usable > 0 && the_health != NULL && fw_health_vip_up(the_health, name) == 0)
		usable = 0;
	tula_val_map_set(vv, "state",
			 tula_val_str(slot < 0 ? "not-installed"
				      : usable ? "up"
					       : "down"));
	if (the_health != NULL) {
		struct conflict_walk cw = {name, tula_val_list()};

		fw_health_conflicts(the_health, one_conflict, &cw);
		tula_val_map_set(vv, "arp-conflicts", cw.list);
	}
	tula_val_map_set(vv, "usable-backends", tula_val_uint((uint64_t)usable));
	if (slot >= 0) {
		/* compare across boxes: equal means they pick the same backend for a flow */
		struct maglev_of mo = {st, &st->vips[slot]};
		uint64_t fp = fw_maglev_fingerprint(st->vips[slot].maglev, st->maglev_size,
						    st->vips[slot].family, backend_addr, &mo);

		tula_val_map_set(vv, "maglev-size", tula_val_uint(st->maglev_size));
		tula_val_map_set(vv, "maglev-fingerprint",
				 tula_val_strf("%016llx", (unsigned long long)fp));
	}
	tula_val_map_set(vv, "backends", bes);
	return vv;
}

static void render_conflicts(const struct tula_val *list, struct tula_buf *out)
{
	for (size_t i = 0; i < tula_val_count(list); i++) {
		const struct tula_val *c = tula_val_at(list, i);
		char seen[24];

		ago(tula_val_as_int(tula_val_get(c, "last-seen")), seen, sizeof(seen));
		tula_buf_printf(out, "  ARP conflict: %s answers ARP for the VIP on %s",
				tula_val_get_str(c, "mac"), tula_val_get_str(c, "interface"));
		if (tula_val_get(c, "backend") != NULL)
			tula_buf_printf(out, " (backend %s of VIP %s)",
					tula_val_get_str(c, "backend"),
					tula_val_get_str(c, "backend-vip"));
		else if (tula_val_get(c, "host") != NULL)
			tula_buf_printf(out, " (host %s)", tula_val_get_str(c, "host"));
		tula_buf_printf(out, ", last seen %s: set arp_ignore=1 and arp_announce=2 there\n",
				seen);
	}
}

static void render_dsr(const struct tula_val *v, struct tula_buf *out)
{
	for (size_t i = 0; i < tula_val_count(v); i++) {
		const struct tula_val *vv = tula_val_at(v, i), *bes = tula_val_get(vv, "backends");
		const struct tula_val *port = tula_val_get(vv, "port");
		char portstr[16];
		int aw = 15, nw = 15; /* address and next-hop columns */

		if (tula_val_type(port) == TULA_VAL_STRING)
			snprintf(portstr, sizeof(portstr), "*");
		else
			snprintf(portstr, sizeof(portstr), "%llu",
				 (unsigned long long)tula_val_as_uint(port));
		if (i > 0)
			tula_buf_putc(out, '\n');
		tula_buf_printf(out, "VIP: %s, %s %s/%s, mode %s, interface %s, state %s\n",
				tula_val_get_str(vv, "name"), tula_val_get_str(vv, "address"),
				tula_val_get_str(vv, "protocol"), portstr,
				tula_val_get_str(vv, "mode"), tula_val_get_str(vv, "interface"),
				tula_val_get_str(vv, "state"));
		tula_buf_printf(out, "  Hash %s, flow timeout %llus%s%s\n",
				tula_val_get_str(vv, "hash"),
				(unsigned long long)tula_val_get_uint(vv, "flow-timeout"),
				tula_val_get(vv, "tunnel-source") ? ", tunnel source " : "",
				tula_val_get_str(vv, "tunnel-source"));
		if (tula_val_get(vv, "maglev-fingerprint") != NULL)
			tula_buf_printf(out, "  Maglev table %llu entries, fingerprint %s\n",
					(unsigned long long)tula_val_get_uint(vv, "maglev-size"),
					tula_val_get_str(vv, "maglev-fingerprint"));
		/* the address columns fit IPv6 addresses when there are any */
		for (size_t j = 0; j < tula_val_count(bes); j++) {
			const struct tula_val *b = tula_val_at(bes, j);
			int la = (int)strlen(tula_val_get_str(b, "address")),
			    ln = tula_val_get(b, "next-hop") != NULL
					 ? (int)strlen(tula_val_get_str(b, "next-hop"))
					 : 0;

			aw = la > aw ? la : aw;
			nw = ln > nw ? ln : nw;
		}
		tula_buf_printf(out, "  %-14s %-*s %6s %-10s %-9s %-*s %-11s %6s\n", "Backend", aw,
				"Address", "Weight", "Health", "Changed", nw, "Next hop",
				"Neighbour", "Share");
		for (size_t j = 0; j < tula_val_count(bes); j++) {
			const struct tula_val *b = tula_val_at(bes, j);
			char since[24] = "-";

			if (tula_val_get(b, "health-since") != NULL)
				ago(tula_val_as_int(tula_val_get(b, "health-since")), since,
				    sizeof(since));
			tula_buf_printf(
				out, "  %-14s %-*s %6llu %-10s %-9s %-*s %-11s %5.1f%%\n",
				tula_val_get_str(b, "name"), aw, tula_val_get_str(b, "address"),
				(unsigned long long)tula_val_get_uint(b, "weight"),
				tula_val_get_str(b, "health"), since, nw,
				tula_val_get_str(b, "next-hop"), tula_val_get_str(b, "neighbour"),
				tula_val_as_double(tula_val_get(b, "share-percent")));
			if (tula_val_get(b, "health-reason") != NULL)
				tula_buf_printf(out, "    %s: %s\n",
						tula_val_get_str(b, "health-failure"),
						tula_val_get_str(b, "health-reason"));
		}
		render_conflicts(tula_val_get(vv, "arp-conflicts"), out);
	}
}

static int show_dsr(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const struct fw_state *st = fw_ctl_state(the_ctl);
	const struct db_node *one;
	struct tula_val *list;
	int err;

	(void)arg;
	one = fw_cmd_wanted_vip(ctx, m, &err);
	if (err)
		return err;
	list = tula_val_list();
	if (one != NULL)
		tula_val_list_add(list, vip_view(st, one));
	else
		for (const struct db_node *v = db_node_first(fw_cmd_active_dsr(), "vip"); v;
		     v = db_node_next(v))
			tula_val_list_add(list, vip_view(st, v));
	sh_ctx_set_val(ctx, list, render_dsr);
	return 0;
}

/* ---- show services dsr statistics [vip NAME] ------------------------------------------- */

static struct tula_val *obj_counters(const struct fw_obj_counters *c)
{
	struct tula_val *v = tula_val_map();

	tula_val_map_set(v, "packets", tula_val_uint(c->packets));
	tula_val_map_set(v, "bytes", tula_val_uint(c->bytes));
	tula_val_map_set(v, "new-flows", tula_val_uint(c->new_flows));
	tula_val_map_set(v, "new-flows-capped", tula_val_uint(c->capped));
	return v;
}

/* Rates of a slot: the last second and the 10 s average (fw_rates.h). */
static struct tula_val *rate_val(int vip, int slot)
{
	struct tula_val *v = tula_val_map();
	struct fw_rate r = {0};

	if (slot >= 0)
		(vip ? fw_rates_vip : fw_rates_backend)(the_rates, (unsigned int)slot, &r);
	tula_val_map_set(v, "packets-per-second", tula_val_double(r.pps));
	tula_val_map_set(v, "bits-per-second", tula_val_double(r.bps));
	tula_val_map_set(v, "packets-per-second-average", tula_val_double(r.pps_avg));
	tula_val_map_set(v, "bits-per-second-average", tula_val_double(r.bps_avg));
	return v;
}

static struct tula_val *vip_stats(const struct fw_state *st, const struct db_node *v)
{
	struct fw_dp *dp = fw_ctl_dp(the_ctl);
	struct tula_val *vv = tula_val_map(), *bes = tula_val_list();
	struct fw_obj_counters c = {0};
	int slot = fw_cmd_vip_slot(st, v);

	tula_val_map_set(vv, "name", tula_val_str(db_node_key(v)));
	if (slot >= 0)
		fw_dp_counters_vip(dp, (unsigned int)slot, &c);
	tula_val_map_set(vv, "counters", obj_counters(&c));
	if (the_rates != NULL)
		tula_val_map_set(vv, "rates", rate_val(1, slot));
	for (const struct db_node *b = db_node_first(v, "backend"); b; b = db_node_next(b)) {
		struct tula_val *bv = tula_val_map();
		struct fw_obj_counters bc = {0};
		int bs = backend_slot(st, slot, b);

		if (bs >= 0)
			fw_dp_counters_backend(dp, (unsigned int)bs, &bc);
		tula_val_map_set(bv, "name", tula_val_str(db_node_key(b)));
		tula_val_map_set(bv, "counters", obj_counters(&bc));
		if (the_rates != NULL)
			tula_val_map_set(bv, "rates", rate_val(0, bs));
		tula_val_list_add(bes, bv);
	}
	tula_val_map_set(vv, "backends", bes);
	return vv;
}

static void render_counters_line(struct tula_buf *out, const char *indent, const char *name,
				 const struct tula_val *c)
{
	tula_buf_printf(out, "%s%-16s %14llu %16llu %12llu %12llu\n", indent, name,
			(unsigned long long)tula_val_get_uint(c, "packets"),
			(unsigned long long)tula_val_get_uint(c, "bytes"),
			(unsigned long long)tula_val_get_uint(c, "new-flows"),
			(unsigned long long)tula_val_get_uint(c, "new-flows-capped"));
}

/* "1.23k", "45.6M": rates in a column of fixed width. */
static void si(double x, char *buf, size_t len)
{
	static const char *const unit[] = {"", "k", "M", "G", "T"};
	unsigned int u = 0;

	while (x >= 1000 && u < 4) {
		x /= 1000;
		u++;
	}
	snprintf(buf, len, u == 0 ? "%.0f" : "%.2f%s", x, unit[u]);
}

static void render_rate_line(struct tula_buf *out, const char *indent, const char *name,
			     const struct tula_val *r)
{
	static const char *const keys[] = {"packets-per-second", "bits-per-second",
					   "packets-per-second-average", "bits-per-second-average"};
	char f[4][16];

	for (unsigned int i = 0; i < 4; i++)
		si(tula_val_as_double(tula_val_get(r, keys[i])), f[i], sizeof(f[i]));
	tula_buf_printf(out, "%s%-16s %12s %12s %12s %12s\n", indent, name, f[0], f[1], f[2], f[3]);
}

static void render_rates(const struct tula_val *vips, struct tula_buf *out)
{
	if (tula_val_count(vips) == 0 || tula_val_get(tula_val_at(vips, 0), "rates") == NULL)
		return;
	tula_buf_printf(out, "\nRates (last second, and %ds average):\n", FW_RATES_TAU_S);
	tula_buf_printf(out, "%-18s %12s %12s %12s %12s\n", "VIP / backend", "Packets/s", "Bits/s",
			"Avg pkts/s", "Avg bits/s");
	for (size_t i = 0; i < tula_val_count(vips); i++) {
		const struct tula_val *vv = tula_val_at(vips, i),
				      *bes = tula_val_get(vv, "backends");

		render_rate_line(out, "", tula_val_get_str(vv, "name"), tula_val_get(vv, "rates"));
		for (size_t j = 0; j < tula_val_count(bes); j++)
			render_rate_line(out, "  ", tula_val_get_str(tula_val_at(bes, j), "name"),
					 tula_val_get(tula_val_at(bes, j), "rates"));
	}
}

static void render_stats(const struct tula_val *v, struct tula_buf *out)
{
	const struct tula_val *vips = tula_val_get(v, "vips");
	const struct tula_val *drops = tula_val_get(v, "drops");
	const struct tula_val *events = tula_val_get(v, "events");

	tula_buf_printf(out, "%-18s %14s %16s %12s %12s\n", "VIP / backend", "Packets", "Bytes",
			"New flows", "Capped");
	for (size_t i = 0; i < tula_val_count(vips); i++) {
		const struct tula_val *vv = tula_val_at(vips, i),
				      *bes = tula_val_get(vv, "backends");

		render_counters_line(out, "", tula_val_get_str(vv, "name"),
				     tula_val_get(vv, "counters"));
		for (size_t j = 0; j < tula_val_count(bes); j++)
			render_counters_line(out, "  ",
					     tula_val_get_str(tula_val_at(bes, j), "name"),
					     tula_val_get(tula_val_at(bes, j), "counters"));
	}
	render_rates(vips, out);
	if (events != NULL) {
		tula_buf_puts(out, "\nData path events:\n");
		for (size_t i = 0; i < tula_val_count(events); i++)
			tula_buf_printf(
				out, "  %-28s %14llu\n", tula_val_key_at(events, i),
				(unsigned long long)tula_val_as_uint(tula_val_at(events, i)));
	}
	if (drops != NULL) {
		tula_buf_puts(out, "\nDrops by reason:\n");
		if (tula_val_count(drops) == 0)
			tula_buf_puts(out, "  none\n");
		for (size_t i = 0; i < tula_val_count(drops); i++)
			tula_buf_printf(
				out, "  %-28s %14llu\n", tula_val_key_at(drops, i),
				(unsigned long long)tula_val_as_uint(tula_val_at(drops, i)));
	}
}

static int show_stats(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const struct fw_state *st = fw_ctl_state(the_ctl);
	uint64_t drop[FW_DROP_MAX], ev[FW_EV_MAX];
	struct tula_val *v, *vips, *drops, *events;
	const struct db_node *one;
	int err;

	(void)arg;
	one = fw_cmd_wanted_vip(ctx, m, &err);
	if (err)
		return err;
	v = tula_val_map();
	vips = tula_val_list();
	if (one != NULL)
		tula_val_list_add(vips, vip_stats(st, one));
	else
		for (const struct db_node *vn = db_node_first(fw_cmd_active_dsr(), "vip"); vn;
		     vn = db_node_next(vn))
			tula_val_list_add(vips, vip_stats(st, vn));
	tula_val_map_set(v, "vips", vips);
	if (one == NULL) {
		fw_dp_counters_global(fw_ctl_dp(the_ctl), drop, ev);
		drops = tula_val_map();
		events = tula_val_map();
		for (unsigned int i = 0; i < FW_DROP_MAX; i++)
			if (drop[i] != 0)
				tula_val_map_set(drops, fw_drop_name(i), tula_val_uint(drop[i]));
		for (unsigned int i = 0; i < FW_EV_MAX; i++)
			tula_val_map_set(events, fw_event_name(i), tula_val_uint(ev[i]));
		tula_val_map_set(v, "events", events);
		tula_val_map_set(v, "drops", drops);
	}
	sh_ctx_set_val(ctx, v, render_stats);
	return 0;
}

/* ---- show services dsr flows [vip NAME] ------------------------------------------- */

static void render_flows(const struct tula_val *v, struct tula_buf *out);

static const char *vip_name_of(const struct fw_state *st, uint16_t slot)
{
	return st != NULL && slot < st->max_vips && st->vips[slot].gen ? st->vips[slot].name : "?";
}

static const char *backend_name_of(const struct fw_state *st, uint32_t slot, uint32_t gen)
{
	if (st == NULL || slot >= st->max_backends || st->backends[slot].gen != gen)
		return "(gone)";
	return st->backends[slot].name;
}

static int show_flows(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const struct fw_state *st = fw_ctl_state(the_ctl);
	struct fw_dp *dp = fw_ctl_dp(the_ctl);
	struct fw_talker top[TOP_TALKERS];
	struct tula_val *v = tula_val_map(), *workers = tula_val_list(), *talkers = tula_val_list();
	const struct db_node *one;
	int err, want = -1;

	(void)arg;
	one = fw_cmd_wanted_vip(ctx, m, &err);
	if (err) {
		tula_val_free(v);
		tula_val_free(workers);
		tula_val_free(talkers);
		return err;
	}
	if (one != NULL && (want = fw_cmd_vip_slot(st, one)) < 0) {
		tula_val_free(v);
		tula_val_free(workers);
		tula_val_free(talkers);
		return sh_err(ctx, "error: VIP %s is not installed in the data path",
			      db_node_key(one));
	}
	for (unsigned int w = 0; w < fw_dp_nb_workers(dp); w++) {
		struct fw_flow_stats fs;
		struct tula_val *wv = tula_val_map();
		unsigned int n;

		if (fw_dp_flow_stats(dp, w, &fs) == 0) {
			tula_val_map_set(wv, "worker", tula_val_uint(w));
			tula_val_map_set(wv, "capacity", tula_val_uint(fs.capacity));
			tula_val_map_set(wv, "used", tula_val_uint(fs.used));
			tula_val_map_set(wv, "inserted", tula_val_uint(fs.inserted));
			tula_val_map_set(wv, "evicted", tula_val_uint(fs.evicted));
			tula_val_map_set(wv, "expired", tula_val_uint(fs.expired));
			tula_val_map_set(wv, "flushed", tula_val_uint(fs.flushed));
		}
		if (fw_dp_flow6_stats(dp, w, &fs) == 0) {
			tula_val_map_set(wv, "ipv6-capacity", tula_val_uint(fs.capacity));
			tula_val_map_set(wv, "ipv6-used", tula_val_uint(fs.used));
			tula_val_map_set(wv, "ipv6-inserted", tula_val_uint(fs.inserted));
			tula_val_map_set(wv, "ipv6-evicted", tula_val_uint(fs.evicted));
			tula_val_map_set(wv, "ipv6-expired", tula_val_uint(fs.expired));
			tula_val_map_set(wv, "ipv6-flushed", tula_val_uint(fs.flushed));
		}
		tula_val_list_add(workers, wv);
		n = fw_dp_flow_top(dp, w, top, TOP_TALKERS);
		for (unsigned int i = 0; i < n; i++) {
			const struct fw_talker *e = &top[i];
			struct tula_val *t;

			if (want >= 0 && e->vip != want)
				continue;
			t = tula_val_map();
			tula_val_map_set(t, "worker", tula_val_uint(w));
			tula_val_map_set(t, "vip", tula_val_str(vip_name_of(st, e->vip)));
			tula_val_map_set(t, "protocol",
					 tula_val_str(e->key.proto == IPPROTO_UDP ? "udp" : "tcp"));
			tula_val_map_set(t, "source", fw_cmd_ip_val(e->key.src));
			tula_val_map_set(t, "source-port", tula_val_uint(ntohs(e->key.sport)));
			tula_val_map_set(t, "destination", fw_cmd_ip_val(e->key.dst));
			tula_val_map_set(t, "destination-port", tula_val_uint(ntohs(e->key.dport)));
			tula_val_map_set(t, "backend",
					 tula_val_str(backend_name_of(st, e->be, e->be_gen)));
			tula_val_map_set(t, "packets", tula_val_uint(e->packets));
			tula_val_list_add(talkers, t);
		}
	}
	tula_val_map_set(v, "workers", workers);
	tula_val_map_set(v, "top-talkers", talkers);
	sh_ctx_set_val(ctx, v, render_flows);
	return 0;
}

/* "a.b.c.d:port", or "[v6]:port" (an IPv6 address's colons need the brackets). */
static const char *host_port(const char *addr, uint64_t port, char *buf, size_t len)
{
	if (strchr(addr, ':') != NULL)
		snprintf(buf, len, "[%s]:%llu", addr, (unsigned long long)port);
	else
		snprintf(buf, len, "%s:%llu", addr, (unsigned long long)port);
	return buf;
}

static void render_flows(const struct tula_val *v, struct tula_buf *out)
{
	const struct tula_val *ws = tula_val_get(v, "workers"),
			      *ts = tula_val_get(v, "top-talkers");

	tula_buf_printf(out, "%-7s %-6s %12s %10s %7s %12s %10s %10s %10s\n", "Worker", "Family",
			"Capacity", "In use", "Use", "Inserted", "Evicted", "Expired", "Flushed");
	for (size_t i = 0; i < tula_val_count(ws); i++) {
		const struct tula_val *w = tula_val_at(ws, i);

		/* the IPv4 and IPv6 flow tables are separate (fw_flow.h, fw_flow6.h) */
		for (int v6 = 0; v6 < 2; v6++) {
			char k[6][24];
			static const char *const names[6] = {"capacity", "used",    "inserted",
							     "evicted",	 "expired", "flushed"};
			uint64_t cap;

			for (int j = 0; j < 6; j++)
				snprintf(k[j], sizeof(k[j]), "%s%s", v6 ? "ipv6-" : "", names[j]);
			if (tula_val_get(w, k[0]) == NULL)
				continue;
			cap = tula_val_get_uint(w, k[0]);
			tula_buf_printf(
				out,
				"%-7llu %-6s %12llu %10llu %6.2f%% %12llu %10llu %10llu %10llu\n",
				(unsigned long long)tula_val_get_uint(w, "worker"),
				v6 ? "ipv6" : "ipv4", (unsigned long long)cap,
				(unsigned long long)tula_val_get_uint(w, k[1]),
				cap ? 100.0 * (double)tula_val_get_uint(w, k[1]) / (double)cap
				    : 0.0,
				(unsigned long long)tula_val_get_uint(w, k[2]),
				(unsigned long long)tula_val_get_uint(w, k[3]),
				(unsigned long long)tula_val_get_uint(w, k[4]),
				(unsigned long long)tula_val_get_uint(w, k[5]));
		}
	}
	/* packets are estimated from one packet in FW_TALKER_SAMPLE (fw_flow.h) */
	tula_buf_printf(out, "\nTop talkers (packets sampled 1 in %u):\n", FW_TALKER_SAMPLE);
	if (tula_val_count(ts) == 0)
		tula_buf_puts(out, "  none\n");
	for (size_t i = 0; i < tula_val_count(ts); i++) {
		const struct tula_val *t = tula_val_at(ts, i);

		char src[DB_ADDR_STRLEN + 10], dst[DB_ADDR_STRLEN + 10];

		tula_buf_printf(out, "  %-12s %s %s -> %s  backend %s  %llu packets\n",
				tula_val_get_str(t, "vip"), tula_val_get_str(t, "protocol"),
				host_port(tula_val_get_str(t, "source"),
					  tula_val_get_uint(t, "source-port"), src, sizeof(src)),
				host_port(tula_val_get_str(t, "destination"),
					  tula_val_get_uint(t, "destination-port"), dst,
					  sizeof(dst)),
				tula_val_get_str(t, "backend"),
				(unsigned long long)tula_val_get_uint(t, "packets"));
	}
}

/* ---- show system data-path ------------------------------------------------------- */

/* One limit: in force, and what the active configuration asks when that differs. */
static void limit(struct tula_val *list, const char *name, uint32_t now, uint32_t want, int restart)
{
	struct tula_val *l = tula_val_map();

	tula_val_map_set(l, "name", tula_val_str(name));
	tula_val_map_set(l, "in-force", tula_val_uint(now));
	if (want != now)
		tula_val_map_set(l, "pending", tula_val_uint(want));
	tula_val_map_set(l, "applies", tula_val_str(restart ? "at restart" : "at commit"));
	tula_val_list_add(list, l);
}

static void one_dp_port(void *arg, const struct fw_ctl_port *p)
{
	struct tula_val *v = tula_val_map(), *off = tula_val_list();

	tula_val_map_set(v, "name", tula_val_str(p->name));
	tula_val_map_set(v, "device", tula_val_str(p->devargs));
	tula_val_map_set(v, "queues", tula_val_uint(p->nb_queues));
	tula_val_map_set(v, "rss-hash-fields",
			 tula_val_strf("0x%llx", (unsigned long long)p->rss_hf));
	tula_val_map_set(v, "reta-size", tula_val_uint(p->reta_size));
	tula_val_map_set(v, "socket", tula_val_int(p->socket));
	tula_val_map_set(v, "pool-mbufs", tula_val_uint(p->pool_size));
	tula_val_map_set(v, "pool-free", tula_val_uint(p->pool_avail));
	if (p->tx_ip_cksum_offload)
		tula_val_list_add(off, tula_val_str("tx-ipv4-checksum"));
	if (p->tx_multi_seg)
		tula_val_list_add(off, tula_val_str("tx-multi-segment"));
	if (p->rx_ip_cksum_offload)
		tula_val_list_add(off, tula_val_str("rx-ipv4-checksum"));
	tula_val_map_set(v, "offloads", off);
	tula_val_list_add(arg, v);
}

static void render_data_path(const struct tula_val *v, struct tula_buf *out)
{
	const struct tula_val *ls = tula_val_get(v, "limits"), *ps = tula_val_get(v, "ports");
	int pending = 0;

	tula_buf_printf(out, "Workers: %llu\n\n",
			(unsigned long long)tula_val_get_uint(v, "workers"));
	tula_buf_printf(out, "%-18s %12s %12s  %s\n", "Limit", "In force", "Pending", "Applies");
	for (size_t i = 0; i < tula_val_count(ls); i++) {
		const struct tula_val *l = tula_val_at(ls, i);
		const struct tula_val *pv = tula_val_get(l, "pending");
		char pend[24] = "-";

		if (pv != NULL) {
			snprintf(pend, sizeof(pend), "%s", tula_val_as_str(pv));
			pending = 1;
		}
		tula_buf_printf(out, "%-18s %12llu %12s  %s\n", tula_val_get_str(l, "name"),
				(unsigned long long)tula_val_get_uint(l, "in-force"), pend,
				tula_val_get_str(l, "applies"));
	}
	if (pending)
		tula_buf_puts(out, "Pending values wait for a restart of Tula.\n");
	tula_buf_printf(out, "One VIP holds at most %llu backends.\n",
			(unsigned long long)tula_val_get_uint(v, "max-backends-per-vip"));
	tula_buf_printf(out, "\n%-10s %6s %-10s %5s %6s %10s %10s  %s\n", "Interface", "Queues",
			"RSS", "RETA", "Socket", "Pool", "Free", "Offloads");
	for (size_t i = 0; i < tula_val_count(ps); i++) {
		const struct tula_val *p = tula_val_at(ps, i), *off = tula_val_get(p, "offloads");

		tula_buf_printf(out, "%-10s %6llu %-10s %5llu %6s %10llu %10llu  ",
				tula_val_get_str(p, "name"),
				(unsigned long long)tula_val_get_uint(p, "queues"),
				tula_val_get_str(p, "rss-hash-fields"),
				(unsigned long long)tula_val_get_uint(p, "reta-size"),
				tula_val_as_str(tula_val_get(p, "socket")),
				(unsigned long long)tula_val_get_uint(p, "pool-mbufs"),
				(unsigned long long)tula_val_get_uint(p, "pool-free"));
		for (size_t j = 0; j < tula_val_count(off); j++)
			tula_buf_printf(out, "%s%s", j ? "," : "",
					tula_val_as_str(tula_val_at(off, j)));
		tula_buf_puts(out, tula_val_count(off) ? "\n" : "none\n");
	}
	if (tula_val_count(ps) == 0)
		tula_buf_puts(out, "  no interface open\n");
}

static int show_data_path(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct db *db = sh_server_db();
	struct tula_val *v = tula_val_map(), *ls = tula_val_list(), *ps = tula_val_list();
	struct fw_ctl_limits now, want;

	(void)m;
	(void)arg;
	fw_ctl_limits_in_force(the_ctl, &now);
	fw_ctl_limits(db != NULL ? db_active_effective(db) : NULL, &want);
	limit(ls, "flows-per-worker", now.flows_per_worker, want.flows_per_worker, 1);
	limit(ls, "max-vips", now.max_vips, want.max_vips, 1);
	limit(ls, "max-backends", now.max_backends, want.max_backends, 1);
	limit(ls, "new-flow-rate", now.new_flow_rate, want.new_flow_rate, 0);
	limit(ls, "idle-sleep", now.idle_sleep_us, want.idle_sleep_us, 0);
	/* fixed: a VIP's Maglev table holds 16-bit indices into its backends */
	tula_val_map_set(v, "max-backends-per-vip", tula_val_uint(FW_VIP_MAX_BACKENDS));
	tula_val_map_set(v, "workers", tula_val_uint(fw_dp_nb_workers(fw_ctl_dp(the_ctl))));
	tula_val_map_set(v, "limits", ls);
	fw_ctl_ports(the_ctl, one_dp_port, ps);
	tula_val_map_set(v, "ports", ps);
	sh_ctx_set_val(ctx, v, render_data_path);
	return 0;
}

/* ---- show interfaces [NAME] ------------------------------------------------------ */

struct if_walk {
	const char *only;
	struct tula_val *list;
	const struct fw_state *st;
	int extensive; /* add the driver's extended statistics (DPDK xstats) */
};

/*
 * The driver's extended statistics, by name, as the PMD reports them. The count can
 * change between the two calls (a hot-plugged queue): take the smaller one.
 */
static struct tula_val *port_xstats(uint16_t port_id)
{
	struct tula_val *v = tula_val_map();
	struct rte_eth_xstat_name *names = NULL;
	struct rte_eth_xstat *vals = NULL;
	int n = rte_eth_xstats_get_names(port_id, NULL, 0), got, gotn;

	if (n <= 0)
		return v;
	names = calloc((size_t)n, sizeof(*names));
	vals = calloc((size_t)n, sizeof(*vals));
	if (names == NULL || vals == NULL)
		goto out;
	gotn = rte_eth_xstats_get_names(port_id, names, (unsigned int)n);
	got = rte_eth_xstats_get(port_id, vals, (unsigned int)n);
	if (gotn <= 0 || got <= 0)
		goto out;
	for (int i = 0; i < got && i < gotn && i < n; i++)
		if (vals[i].id < (uint64_t)gotn)
			tula_val_map_set(v, names[vals[i].id].name, tula_val_uint(vals[i].value));
out:
	free(names);
	free(vals);
	return v;
}

static void one_interface(void *arg, const struct fw_ctl_port *p)
{
	struct if_walk *w = arg;
	struct tula_val *v, *addrs;
	struct rte_eth_stats es;
	struct rte_eth_link link;
	char b[INET_ADDRSTRLEN], b6[INET6_ADDRSTRLEN];

	if (w->only != NULL && strcmp(w->only, p->name) != 0)
		return;
	v = tula_val_map();
	addrs = tula_val_list();
	tula_val_map_set(v, "name", tula_val_str(p->name));
	tula_val_map_set(v, "device", tula_val_str(p->devargs));
	tula_val_map_set(v, "port-id", tula_val_uint(p->port_id));
	tula_val_map_set(v, "mac", fw_cmd_mac_val(&p->mac));
	tula_val_map_set(v, "mtu", tula_val_uint(p->mtu));
	tula_val_map_set(v, "tap", tula_val_str(p->tap));
	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(p->port_id, &link);
	tula_val_map_set(v, "link", tula_val_str(link.link_status ? "up" : "down"));
	tula_val_map_set(v, "speed-mbps", tula_val_uint(link.link_speed));
	if (w->st != NULL && w->st->port_index[p->port_id] != FW_PORT_INDEX_NONE) {
		const struct fw_state_port *sp = &w->st->ports[w->st->port_index[p->port_id]];

		for (unsigned int i = 0; i < sp->nb_addrs; i++)
			tula_val_list_add(addrs, tula_val_strf("%s/%u", ip_str(sp->addrs[i], b),
							       sp->plens[i]));
		for (unsigned int i = 0; i < sp->nb_addrs6; i++)
			tula_val_list_add(addrs, tula_val_strf("%s/%u",
							       inet_ntop(AF_INET6, sp->addrs6[i].b,
									 b6, sizeof(b6)),
							       sp->plens6[i]));
	}
	tula_val_map_set(v, "addresses", addrs);
	if (rte_eth_stats_get(p->port_id, &es) == 0) {
		tula_val_map_set(v, "rx-packets", tula_val_uint(es.ipackets));
		tula_val_map_set(v, "rx-bytes", tula_val_uint(es.ibytes));
		tula_val_map_set(v, "tx-packets", tula_val_uint(es.opackets));
		tula_val_map_set(v, "tx-bytes", tula_val_uint(es.obytes));
		tula_val_map_set(v, "rx-missed", tula_val_uint(es.imissed));
		tula_val_map_set(v, "rx-errors", tula_val_uint(es.ierrors));
		tula_val_map_set(v, "tx-errors", tula_val_uint(es.oerrors));
		tula_val_map_set(v, "rx-no-mbuf", tula_val_uint(es.rx_nombuf));
	}
	if (w->extensive)
		tula_val_map_set(v, "xstats", port_xstats(p->port_id));
	tula_val_list_add(w->list, v);
}

static void render_interfaces(const struct tula_val *v, struct tula_buf *out)
{
	for (size_t i = 0; i < tula_val_count(v); i++) {
		const struct tula_val *p = tula_val_at(v, i), *addrs = tula_val_get(p, "addresses");

		if (i > 0)
			tula_buf_putc(out, '\n');
		tula_buf_printf(out, "Interface: %s, link %s, %llu Mb/s\n",
				tula_val_get_str(p, "name"), tula_val_get_str(p, "link"),
				(unsigned long long)tula_val_get_uint(p, "speed-mbps"));
		tula_buf_printf(out, "  Device: %s (DPDK port %llu)\n",
				tula_val_get_str(p, "device"),
				(unsigned long long)tula_val_get_uint(p, "port-id"));
		tula_buf_printf(out, "  MAC: %s, MTU %llu, kernel side %s\n",
				tula_val_get_str(p, "mac"),
				(unsigned long long)tula_val_get_uint(p, "mtu"),
				tula_val_get_str(p, "tap"));
		tula_buf_puts(out, "  Addresses:");
		for (size_t j = 0; j < tula_val_count(addrs); j++)
			tula_buf_printf(out, " %s", tula_val_as_str(tula_val_at(addrs, j)));
		tula_buf_puts(out, tula_val_count(addrs) ? "\n" : " none\n");
		tula_buf_printf(out,
				"  Input:  %llu packets, %llu bytes, %llu missed, %llu errors, "
				"%llu no mbuf\n",
				(unsigned long long)tula_val_get_uint(p, "rx-packets"),
				(unsigned long long)tula_val_get_uint(p, "rx-bytes"),
				(unsigned long long)tula_val_get_uint(p, "rx-missed"),
				(unsigned long long)tula_val_get_uint(p, "rx-errors"),
				(unsigned long long)tula_val_get_uint(p, "rx-no-mbuf"));
		tula_buf_printf(out, "  Output: %llu packets, %llu bytes, %llu errors\n",
				(unsigned long long)tula_val_get_uint(p, "tx-packets"),
				(unsigned long long)tula_val_get_uint(p, "tx-bytes"),
				(unsigned long long)tula_val_get_uint(p, "tx-errors"));
		if (tula_val_get(p, "xstats") != NULL) {
			const struct tula_val *x = tula_val_get(p, "xstats");

			tula_buf_printf(out, "  Driver statistics (%zu):\n", tula_val_count(x));
			for (size_t j = 0; j < tula_val_count(x); j++)
				tula_buf_printf(
					out, "    %-36s %llu\n", tula_val_key_at(x, j),
					(unsigned long long)tula_val_as_uint(tula_val_at(x, j)));
		}
	}
}

/* Junos' terse table: one line per interface, then one per further address. */
static void render_terse(const struct tula_val *v, struct tula_buf *out)
{
	tula_buf_printf(out, "%-16s %-5s %-5s %-6s %s\n", "Interface", "Admin", "Link", "Proto",
			"Local");
	for (size_t i = 0; i < tula_val_count(v); i++) {
		const struct tula_val *p = tula_val_at(v, i), *addrs = tula_val_get(p, "addresses");
		size_t na = tula_val_count(addrs);

		tula_buf_printf(out, "%-16s %-5s %-5s %-6s %s\n", tula_val_get_str(p, "name"), "up",
				tula_val_get_str(p, "link"), na ? "inet" : "",
				na ? tula_val_as_str(tula_val_at(addrs, 0)) : "");
		for (size_t j = 1; j < na; j++)
			tula_buf_printf(out, "%-16s %-5s %-5s %-6s %s\n", "", "", "", "inet",
					tula_val_as_str(tula_val_at(addrs, j)));
	}
}

static int show_interfaces(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct if_walk w = {sh_match_str(m, "IFNAME"), tula_val_list(), fw_ctl_state(the_ctl),
			    sh_match_has(m, "extensive")};

	(void)arg;
	fw_ctl_ports(the_ctl, one_interface, &w);
	if (w.only != NULL && tula_val_count(w.list) == 0) {
		tula_val_free(w.list);
		return sh_err(ctx, "error: no interface named %s is open", w.only);
	}
	sh_ctx_set_val(ctx, w.list, sh_match_has(m, "terse") ? render_terse : render_interfaces);
	return 0;
}

static void interface_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out);

/* ---- monitor interface NAME ------------------------------------------------------------ */

#define MONITOR_PERIOD_MS 1000
#define MONITOR_MAX_S	  3600 /* a forgotten monitor ends by itself */

/* One `monitor interface` in progress: a screen a second until the operator's q. */
struct monitor {
	struct sh_ctx *ctx;
	struct tula_timer *timer;
	char name[64];
	uint16_t port_id;
	struct rte_eth_stats first, last;
	uint64_t last_ms, start_ms;
	int stopping;
};

static void find_port(void *arg, const struct fw_ctl_port *p)
{
	struct monitor *mo = arg;

	if (strcmp(p->name, mo->name) == 0) {
		mo->port_id = p->port_id;
		mo->stopping = 0; /* found */
	}
}

static double rate(uint64_t now, uint64_t then, uint64_t ms)
{
	return ms == 0 || now < then ? 0.0 : (double)(now - then) * 1000.0 / (double)ms;
}

static void monitor_screen(struct monitor *mo, const struct rte_eth_stats *es, uint64_t now_ms)
{
	uint64_t ms = now_ms - mo->last_ms;
	struct rte_eth_link link;

	memset(&link, 0, sizeof(link));
	rte_eth_link_get_nowait(mo->port_id, &link);
	/* home and clear: the screen refreshes in place, as Junos' monitor does */
	sh_printf(mo->ctx, "\033[H\033[2J");
	sh_printf(mo->ctx, "Interface: %s, link %s, %u Mb/s   (q or ^C stops; %llus)\n\n", mo->name,
		  link.link_status ? "up" : "down", link.link_speed,
		  (unsigned long long)((now_ms - mo->start_ms) / 1000));
	sh_printf(mo->ctx, "%-16s %20s %16s %16s\n", "", "Total", "Rate", "Since start");
	sh_printf(mo->ctx, "%-16s %20llu %12.0f pps %16llu\n",
		  "Input packets:", (unsigned long long)es->ipackets,
		  rate(es->ipackets, mo->last.ipackets, ms),
		  (unsigned long long)(es->ipackets - mo->first.ipackets));
	sh_printf(mo->ctx, "%-16s %20llu %12.0f bps %16llu\n",
		  "Input bytes:", (unsigned long long)es->ibytes,
		  8.0 * rate(es->ibytes, mo->last.ibytes, ms),
		  (unsigned long long)(es->ibytes - mo->first.ibytes));
	sh_printf(mo->ctx, "%-16s %20llu %12.0f pps %16llu\n",
		  "Output packets:", (unsigned long long)es->opackets,
		  rate(es->opackets, mo->last.opackets, ms),
		  (unsigned long long)(es->opackets - mo->first.opackets));
	sh_printf(mo->ctx, "%-16s %20llu %12.0f bps %16llu\n",
		  "Output bytes:", (unsigned long long)es->obytes,
		  8.0 * rate(es->obytes, mo->last.obytes, ms),
		  (unsigned long long)(es->obytes - mo->first.obytes));
	sh_printf(mo->ctx, "%-16s %20llu %16s %16llu\n",
		  "Input missed:", (unsigned long long)es->imissed, "",
		  (unsigned long long)(es->imissed - mo->first.imissed));
	sh_printf(mo->ctx, "%-16s %20llu %16s %16llu\n",
		  "Input errors:", (unsigned long long)es->ierrors, "",
		  (unsigned long long)(es->ierrors - mo->first.ierrors));
	sh_printf(mo->ctx, "%-16s %20llu %16s %16llu\n",
		  "Output errors:", (unsigned long long)es->oerrors, "",
		  (unsigned long long)(es->oerrors - mo->first.oerrors));
}

static void monitor_free(struct monitor *mo)
{
	tula_timer_free(mo->timer);
	free(mo);
}

static void monitor_tick(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct monitor *mo = arg;
	struct sh_ctx *ctx = mo->ctx;
	struct rte_eth_stats es;
	uint64_t now = tula_now_ms();

	(void)loop;
	(void)t;
	if (mo->stopping || now - mo->start_ms > (uint64_t)MONITOR_MAX_S * 1000) {
		sh_printf(ctx, "\n");
		monitor_free(mo);
		sh_ctx_resume(ctx, 0);
		return;
	}
	if (rte_eth_stats_get(mo->port_id, &es) != 0) {
		monitor_free(mo);
		sh_ctx_resume(ctx, sh_err(ctx, "error: interface closed while monitored"));
		return;
	}
	monitor_screen(mo, &es, now);
	mo->last = es;
	mo->last_ms = now;
	sh_ctx_progress(ctx);
}

/* The operator pressed q: finish from the timer, not from the message handler. */
static void monitor_stop(void *arg)
{
	struct monitor *mo = arg;

	mo->stopping = 1;
	tula_timer_arm(mo->timer, 0, 0);
}

/* The session ended first. */
static void monitor_cancel(void *arg)
{
	monitor_free(arg);
}

static int monitor_interface(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct monitor *mo;

	(void)arg;
	if (!sh_session_interactive(sh_ctx_session(ctx)) || sh_server_loop() == NULL)
		return sh_err(ctx, "error: monitor interface needs a terminal (it runs until q); "
				   "use show interfaces for a snapshot");
	mo = calloc(1, sizeof(*mo));
	if (mo == NULL)
		return -ENOMEM;
	snprintf(mo->name, sizeof(mo->name), "%s", sh_match_str(m, "IFNAME"));
	mo->stopping = 1; /* until find_port finds it */
	fw_ctl_ports(the_ctl, find_port, mo);
	if (mo->stopping) {
		free(mo);
		return sh_err(ctx, "error: no interface named %s is open",
			      sh_match_str(m, "IFNAME"));
	}
	mo->ctx = ctx;
	mo->timer = tula_timer_new(sh_server_loop(), monitor_tick, mo);
	if (mo->timer == NULL || rte_eth_stats_get(mo->port_id, &mo->first) != 0) {
		monitor_free(mo);
		return sh_err(ctx, "error: cannot read the counters of %s", mo->name);
	}
	if (sh_ctx_defer(ctx, monitor_cancel, mo) < 0) {
		monitor_free(mo);
		return sh_err(ctx, "error: monitor interface needs a terminal (it runs until q)");
	}
	sh_ctx_on_stop(ctx, monitor_stop);
	mo->last = mo->first;
	mo->start_ms = mo->last_ms = tula_now_ms();
	tula_timer_arm(mo->timer, MONITOR_PERIOD_MS, MONITOR_PERIOD_MS);
	return 0;
}

/* ---- show arp, clear arp ---------------------------------------------------------------- */

struct arp_walk {
	struct tula_val *list;
	uint64_t now;
	int v6; /* the IPv6 table (addresses in ip6) */
};

static void one_neigh(void *arg, const struct fw_neigh_entry *e)
{
	struct arp_walk *w = arg;
	struct tula_val *v = tula_val_map();
	const char *ifname = fw_ctl_port_name(the_ctl, e->port);
	char a[INET6_ADDRSTRLEN];
	int known =
		w->v6 ? e->state != FW_NEIGH_INCOMPLETE && !rte_is_zero_ether_addr(&e->mac)
		      : e->state == FW_NEIGH_REACHABLE || e->state == FW_NEIGH_PROBE ||
				(e->state == FW_NEIGH_FAILED && !rte_is_zero_ether_addr(&e->mac));

	if (w->v6)
		tula_val_map_set(v, "address",
				 tula_val_str(inet_ntop(AF_INET6, e->ip6.b, a, sizeof(a))));
	else
		tula_val_map_set(v, "address", fw_cmd_ip_val(e->ip));
	tula_val_map_set(v, "mac", known ? fw_cmd_mac_val(&e->mac) : tula_val_str("(incomplete)"));
	tula_val_map_set(v, "interface", tula_val_str(ifname ? ifname : "?"));
	tula_val_map_set(v, "state", tula_val_str(fw_neigh_state_name(e->state)));
	if (e->updated_ms != 0)
		tula_val_map_set(v, "age-seconds", tula_val_uint((w->now - e->updated_ms) / 1000));
	tula_val_list_add(w->list, v);
}

/* The neighbour table of either family; width fits its addresses. */
static void render_neighbours(const struct tula_val *v, struct tula_buf *out, int width,
			      const char *title)
{
	tula_buf_printf(out, "%-*s %-17s %-10s %-11s %s\n", width, title, "MAC", "Interface",
			"State", "Age");
	for (size_t i = 0; i < tula_val_count(v); i++) {
		const struct tula_val *e = tula_val_at(v, i);
		char age[24] = "-";

		if (tula_val_get(e, "age-seconds") != NULL)
			snprintf(age, sizeof(age), "%llus",
				 (unsigned long long)tula_val_get_uint(e, "age-seconds"));
		tula_buf_printf(out, "%-*s %-17s %-10s %-11s %s\n", width,
				tula_val_get_str(e, "address"), tula_val_get_str(e, "mac"),
				tula_val_get_str(e, "interface"), tula_val_get_str(e, "state"),
				age);
	}
}

static void render_arp(const struct tula_val *v, struct tula_buf *out)
{
	render_neighbours(v, out, 15, "Address");
}

/* The age is since the last confirmation (a solicited advertisement). */
static void render_neigh6(const struct tula_val *v, struct tula_buf *out)
{
	render_neighbours(v, out, 39, "IPv6 Address");
}

static void show_neighbours(struct sh_ctx *ctx, int v6)
{
	struct arp_walk w = {tula_val_list(), 0, v6};
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	w.now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	fw_neigh_walk(v6 ? fw_ctl_neigh6(the_ctl) : fw_ctl_neigh(the_ctl), one_neigh, &w);
	sh_ctx_set_val(ctx, w.list, v6 ? render_neigh6 : render_arp);
}

static int show_arp(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)m;
	(void)arg;
	show_neighbours(ctx, 0);
	return 0;
}

static int clear_arp(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)m;
	(void)arg;
	fw_neigh_flush(fw_ctl_neigh(the_ctl));
	sh_printf(ctx, "neighbour table cleared; resolving again\n");
	return 0;
}

/* ---- show ipv6 neighbors, clear ipv6 neighbors ------------------------------------------ */

static int show_neigh6(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)m;
	(void)arg;
	show_neighbours(ctx, 1);
	return 0;
}

static int clear_neigh6(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)m;
	(void)arg;
	fw_neigh_flush(fw_ctl_neigh6(the_ctl));
	sh_printf(ctx, "IPv6 neighbour table cleared; resolving again\n");
	return 0;
}

/* ---- show route ------------------------------------------------------------------- */

static void render_route(const struct tula_val *v, struct tula_buf *out)
{
	int dw = 18, nw = 15; /* wider when IPv6 routes are listed */

	for (size_t i = 0; i < tula_val_count(v); i++) {
		const struct tula_val *r = tula_val_at(v, i);
		int ld = (int)strlen(tula_val_get_str(r, "destination")),
		    ln = (int)strlen(tula_val_get_str(r, "next-hop"));

		dw = ld > dw ? ld : dw;
		nw = ln > nw ? ln : nw;
	}
	tula_buf_printf(out, "%-*s %-10s %-*s %-10s %s\n", dw, "Destination", "Type", nw,
			"Next hop", "Interface", "Next-hop neighbour");
	for (size_t i = 0; i < tula_val_count(v); i++) {
		const struct tula_val *r = tula_val_at(v, i);

		tula_buf_printf(out, "%-*s %-10s %-*s %-10s %s\n", dw,
				tula_val_get_str(r, "destination"), tula_val_get_str(r, "type"), nw,
				tula_val_get_str(r, "next-hop"), tula_val_get_str(r, "interface"),
				tula_val_get_str(r, "neighbour"));
	}
}

/* "10.0.0.0/24" or "10.0.0.1" (a /32): 0, or -EINVAL. */
static int parse_prefix(const char *s, uint32_t *addr, unsigned *plen)
{
	char buf[INET_ADDRSTRLEN + 4], *slash, *end;
	struct in_addr a;
	unsigned long l = 32;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL) {
		*slash++ = '\0';
		l = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || l > 32)
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*addr = a.s_addr;
	*plen = (unsigned)l;
	return 0;
}

static uint32_t plen_mask(unsigned plen)
{
	return plen == 0 ? 0 : htonl(~0u << (32 - plen));
}

/*
 * Junos: `show route P` lists the routes that cover P (the longest first: the one
 * forwarding uses); `show route P exact` only the route for exactly P.
 */
static int route_wanted(const struct fw_state_route *r, uint32_t addr, unsigned plen, int exact)
{
	if (exact)
		return r->plen == plen && r->prefix == (addr & plen_mask(plen));
	return r->plen <= plen && (addr & plen_mask(r->plen)) == r->prefix;
}

/* The IPv6 routes (after the IPv4 ones), longest prefix first; want NULL = all. */
static void routes6(struct sh_ctx *ctx, const struct fw_state *st, const struct db_addr *want,
		    uint8_t wlen, int exact, struct tula_val *list)
{
	(void)ctx;
	for (int len = 128; len >= 0 && st != NULL; len--)
		for (uint32_t i = 0; i < st->nb_routes6; i++) {
			const struct fw_state_route6 *r = &st->routes6[i];
			struct db_addr net = {.family = AF_INET6};
			struct tula_val *v;
			char b[INET6_ADDRSTRLEN];
			int known = r->port < st->nb_ports;

			if (r->plen != len)
				continue;
			memcpy(net.b, r->prefix.b, sizeof(net.b));
			if (want != NULL &&
			    (exact ? r->plen != wlen || !db_addr_in(want, &net, wlen)
				   : r->plen > wlen || !db_addr_in(want, &net, r->plen)))
				continue;
			v = tula_val_map();
			tula_val_map_set(
				v, "destination",
				tula_val_strf("%s/%u",
					      inet_ntop(AF_INET6, r->prefix.b, b, sizeof(b)),
					      r->plen));
			tula_val_map_set(v, "type",
					 tula_val_str(r->connected ? "connected" : "static"));
			tula_val_map_set(v, "next-hop",
					 r->connected ? tula_val_str("-") : ip6_val(&r->gateway));
			tula_val_map_set(v, "interface",
					 tula_val_str(known ? st->ports[r->port].name : "?"));
			/* IPv6 neighbours are not in the ARP table this view reads */
			tula_val_map_set(v, "neighbour", tula_val_str("-"));
			tula_val_list_add(list, v);
		}
}

static int show_route(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const struct fw_state *st = fw_ctl_state(the_ctl);
	const char *want = sh_match_str(m, "PREFIX");
	int exact = sh_match_has(m, "exact");
	uint32_t waddr = 0, order[256];
	unsigned wplen = 0, norder = 0;
	struct tula_val *list;
	char b[INET_ADDRSTRLEN];
	struct db_addr w6 = {0};
	uint8_t w6len = 0;

	(void)arg;
	if (want != NULL && strchr(want, ':') != NULL) {
		if (db_parse_addr_or_prefix(want, &w6, &w6len) < 0)
			return sh_err(ctx, "error: %s is not an IPv6 address or prefix", want);
	} else if (want != NULL && parse_prefix(want, &waddr, &wplen) < 0) {
		return sh_err(ctx,
			      "error: %s is not an IPv4 or IPv6 address or prefix (A.B.C.D[/LEN], "
			      "X:X::X[/LEN])",
			      want);
	}
	list = tula_val_list();
	if (w6.family == AF_INET6) {
		routes6(ctx, st, &w6, w6len, exact, list);
		if (tula_val_count(list) == 0)
			sh_warn(ctx, "warning: no route %s %s", exact ? "for exactly" : "covers",
				want);
		sh_ctx_set_val(ctx, list, render_route);
		return 0;
	}
	/* longest prefix first, so the route forwarding uses leads */
	for (int len = 32; len >= 0 && st != NULL; len--)
		for (uint32_t i = 0; i < st->nb_routes && norder < 256; i++)
			if (st->routes[i].plen == len &&
			    (want == NULL || route_wanted(&st->routes[i], waddr, wplen, exact)))
				order[norder++] = i;
	for (unsigned k = 0; k < norder; k++) {
		const struct fw_state_route *r = &st->routes[order[k]];
		struct tula_val *v = tula_val_map();
		int known = r->port < st->nb_ports;

		tula_val_map_set(v, "destination",
				 tula_val_strf("%s/%u", ip_str(r->prefix, b), r->plen));
		tula_val_map_set(v, "type", tula_val_str(r->connected ? "connected" : "static"));
		tula_val_map_set(v, "next-hop",
				 r->connected ? tula_val_str("-") : fw_cmd_ip_val(r->gateway));
		tula_val_map_set(v, "interface",
				 tula_val_str(known ? st->ports[r->port].name : "?"));
		tula_val_map_set(v, "neighbour",
				 tula_val_str(r->connected || !known
						      ? "-"
						      : neigh_state(r->gateway,
								    st->ports[r->port].port_id)));
		tula_val_list_add(list, v);
	}
	if (want == NULL)
		routes6(ctx, st, NULL, 0, 0, list);
	if (want != NULL && norder == 0)
		sh_warn(ctx, "warning: no route %s %s", exact ? "for exactly" : "covers", want);
	sh_ctx_set_val(ctx, list, render_route);
	return 0;
}

/* ---- clear / request ------------------------------------------------------------------ */

static int clear_stats(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const struct db_node *one;
	int err, slot;

	(void)arg;
	one = fw_cmd_wanted_vip(ctx, m, &err);
	if (err)
		return err;
	if (one == NULL) {
		fw_dp_counters_clear(fw_ctl_dp(the_ctl));
		sh_printf(ctx, "statistics cleared\n");
		return 0;
	}
	slot = fw_cmd_vip_slot(fw_ctl_state(the_ctl), one);
	if (slot < 0 || fw_dp_counters_clear_vip(fw_ctl_dp(the_ctl), (unsigned int)slot) < 0)
		return sh_err(ctx, "error: VIP %s is not installed in the data path",
			      db_node_key(one));
	sh_printf(ctx, "statistics of VIP %s cleared\n", db_node_key(one));
	return 0;
}

static int request_flush(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const struct fw_state *st = fw_ctl_state(the_ctl);
	const char *bname = sh_match_str(m, "BACKEND");
	const struct db_node *one, *b = NULL;
	int err, slot, bslot = -1, rc;

	(void)arg;
	one = fw_cmd_wanted_vip(ctx, m, &err);
	if (err)
		return err;
	slot = fw_cmd_vip_slot(st, one);
	if (slot < 0)
		return sh_err(ctx, "error: VIP %s is not installed in the data path",
			      db_node_key(one));
	if (bname != NULL) {
		b = db_node_find(one, "backend", bname);
		if (b == NULL)
			return sh_err(ctx, "error: VIP %s has no backend named %s",
				      db_node_key(one), bname);
		bslot = backend_slot(st, slot, b);
		if (bslot < 0)
			return sh_err(ctx, "error: backend %s is not installed in the data path",
				      bname);
	}
	rc = fw_dp_flush(fw_ctl_dp(the_ctl), slot, bslot);
	if (rc < 0)
		return sh_err(ctx, "error: the data path is busy, try again (%s)", strerror(-rc));
	sh_printf(ctx, "flushing the flows of VIP %s%s%s on %u worker(s)\n", db_node_key(one),
		  bname ? " pinned to backend " : "", bname ? bname : "",
		  fw_dp_nb_workers(fw_ctl_dp(the_ctl)));
	return 0;
}

/* ---- declarations ---------------------------------------------------------------------- */

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

static const struct sh_arg a_vip[] = {
	{.name = "NAME", .display = "<vip-name>", .names = fw_cmd_vip_names},
	{NULL},
};
static const struct sh_arg a_vip_backend[] = {
	{.name = "NAME", .display = "<vip-name>", .names = fw_cmd_vip_names},
	{.name = "BACKEND", .display = "<backend-name>", .names = backend_names},
	{NULL},
};
static const struct sh_arg a_if[] = {
	{.name = "IFNAME", .display = "<interface-name>", .names = interface_names},
	{NULL},
};
static const struct sh_arg a_prefix[] = {
	{.name = "PREFIX", .display = "<destination>"},
	{NULL},
};

static const char *const h_dsr[] = {
	"Show information", "Services", "Direct Server Return: VIPs, backends, health, hash share",
	"Only one VIP",	    "VIP name", NULL};
static const char *const h_stats[] = {"Show information",
				      "Services",
				      "Direct Server Return",
				      "Packets and bytes per VIP and backend, drops by reason",
				      "Only one VIP",
				      "VIP name",
				      NULL};
static const char *const h_flows[] = {"Show information",
				      "Services",
				      "Direct Server Return",
				      "Flow-table occupancy per worker and top talkers",
				      "Only one VIP",
				      "VIP name",
				      NULL};
static const char *const h_ifs[] = {"Show information",
				    "Ports: link, MAC, addresses, packet counters",
				    "Interface name",
				    "One line per interface: link and addresses",
				    "Add the driver's extended statistics (DPDK xstats)",
				    NULL};
static const char *const h_arp[] = {"Show information", "Neighbour table (backends and next hops)",
				    "Addresses only (Tula never resolves names)", NULL};
static const char *const h_neigh6[] = {"Show information", "IPv6 information",
				       "IPv6 neighbour table (backends and next hops, NDP)", NULL};
static const char *const h_clear_neigh6[] = {"Clear information", "IPv6 information",
					     "Forget IPv6 neighbours and resolve them again", NULL};
static const char *const h_route[] = {"Show information", "Connected and static routes",
				      "Routes covering an address or prefix (A.B.C.D[/LEN])",
				      "Only the route for exactly this prefix", NULL};
static const char *const h_clear_stats[] = {"Clear information",
					    "Services",
					    "Direct Server Return",
					    "Zero the counters",
					    "Only one VIP",
					    "VIP name",
					    NULL};
static const char *const h_monitor[] = {"Show real-time information, refreshed until q",
					"Traffic rates of an interface", "Interface name", NULL};
static const char *const h_clear_arp[] = {"Clear information",
					  "Forget learned MACs and resolve again", NULL};
static const char *const h_flush[] = {
	"Make a system-level request",		"Services",	"Direct Server Return",
	"Drop pinned flows (a hard drain)",	"A VIP",	"VIP name",
	"Only the flows pinned to one backend", "Backend name", NULL};

static const char *const h_data_path[] = {
	"Show information", "Show system information",
	"Data-path limits in force and pending, workers, queues per port, pools", NULL};

static const struct sh_cmd cmds[] = {
	{.syntax = "show system data-path",
	 .help = h_data_path,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_data_path},
	{.syntax = "show services dsr [vip NAME]",
	 .help = h_dsr,
	 .args = a_vip,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_dsr},
	{.syntax = "show services dsr statistics [vip NAME]",
	 .help = h_stats,
	 .args = a_vip,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_stats},
	{.syntax = "show services dsr flows [vip NAME]",
	 .help = h_flows,
	 .args = a_vip,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_flows},
	{.syntax = "show interfaces [IFNAME] [terse | extensive]",
	 .help = h_ifs,
	 .args = a_if,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_interfaces},
	{.syntax = "show arp [no-resolve]",
	 .help = h_arp,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_arp},
	{.syntax = "show ipv6 neighbors",
	 .help = h_neigh6,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_neigh6},
	{.syntax = "clear ipv6 neighbors",
	 .help = h_clear_neigh6,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = clear_neigh6},
	{.syntax = "show route [PREFIX [exact]]",
	 .help = h_route,
	 .args = a_prefix,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .fn = show_route},
	{.syntax = "clear services dsr statistics [vip NAME]",
	 .help = h_clear_stats,
	 .args = a_vip,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = clear_stats},
	{.syntax = "monitor interface IFNAME",
	 .help = h_monitor,
	 .args = a_if,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_READ_ONLY,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = monitor_interface},
	{.syntax = "clear arp",
	 .help = h_clear_arp,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = clear_arp},
	{.syntax = "request services dsr flush vip NAME [backend BACKEND]",
	 .help = h_flush,
	 .args = a_vip_backend,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = request_flush},
};

#define NB_CMDS (sizeof(cmds) / sizeof(cmds[0]))

int fw_cmds_register(struct fw_ctl *ctl, struct fw_health *health)
{
	int rc;

	the_ctl = ctl;
	the_health = health;
	rc = sh_cmds_register(cmds, NB_CMDS);
	if (rc < 0) {
		the_ctl = NULL;
		the_health = NULL;
	}
	return rc;
}

void fw_cmds_set_rates(struct fw_rates *rates)
{
	the_rates = rates;
}

void fw_cmds_unregister(void)
{
	sh_cmds_unregister(cmds, NB_CMDS);
	the_ctl = NULL;
	the_health = NULL;
}
