/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Commit validation of an effective tree (inactive statements already gone):
 * the generic schema rules (mandatory statements, references to list entries)
 * for every node, then the semantic commit rules through the validators the
 * schema names (vip, backend, health-check, interfaces, route).
 *
 * A first pass collects what the rules consult — connected subnets, Tula's own
 * addresses, routes, VIP addresses — into sorted arrays, so validating 10 000
 * VIPs stays O(n log n). Every error carries the path of the statement at fault
 * and a reason; validation never stops at the first error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tula_net.h"
#include "db/db_int.h"

struct ifaddr {
	uint32_t addr; /* host order */
	uint32_t mask;
	uint8_t len;
	const struct db_node *iface;
	const struct db_node *entry;
};

struct route {
	uint32_t net, mask;
	const struct db_node *n;
};

struct vipaddr {
	uint32_t addr;
	const struct db_node *vip;
};

struct vipkey {
	uint32_t addr;
	uint16_t port; /* 0 = all ports */
	uint8_t proto;
	const struct db_node *vip;
};

struct db_vctx {
	const struct db_node *root;
	struct db_diags *d;
	int errors;
	struct ifaddr *ifa;
	size_t nifa;
	size_t ninterfaces;
	struct route *routes;
	size_t nroutes;
	struct vipaddr *vips; /* sorted by addr */
	size_t nvips;
};

static void vdiag(struct db_vctx *v, enum db_diag_level level, const struct db_node *at,
		  const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
static void vdiag(struct db_vctx *v, enum db_diag_level level, const struct db_node *at,
		  const char *fmt, va_list ap)
{
	char path[1024], msg[512];

	db_node_path(at, path, sizeof(path));
	vsnprintf(msg, sizeof(msg), fmt, ap);
	db_diag_add(v->d, level, path, -1, "%s", msg);
	if (level == DB_DIAG_ERROR)
		v->errors++;
}

static void verr(struct db_vctx *v, const struct db_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void verr(struct db_vctx *v, const struct db_node *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(v, DB_DIAG_ERROR, at, fmt, ap);
	va_end(ap);
}

static void vwarn(struct db_vctx *v, const struct db_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void vwarn(struct db_vctx *v, const struct db_node *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(v, DB_DIAG_WARNING, at, fmt, ap);
	va_end(ap);
}

static const char *ntoa(uint32_t host, char *buf)
{
	struct in_addr a = {.s_addr = htonl(host)};

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int leaf_addr(const struct db_node *parent, const char *kw, uint32_t *host)
{
	struct in_addr a;

	if (db_get_ipv4(parent, kw, &a) != 0)
		return -1;
	*host = ntohl(a.s_addr);
	return 0;
}

/* Why addr is not a usable unicast address, or NULL when it is. */
static const char *not_unicast(uint32_t a)
{
	if (a == 0)
		return "the unspecified address";
	if (a == 0xffffffffu)
		return "the broadcast address";
	if ((a >> 24) == 0)
		return "in 0.0.0.0/8 (this network)";
	if ((a >> 24) == 127)
		return "a loopback address";
	if ((a >> 28) == 0xe)
		return "a multicast address";
	if ((a >> 28) == 0xf)
		return "a reserved (class E) address";
	return NULL;
}

static const struct ifaddr *own(const struct db_vctx *v, uint32_t a)
{
	size_t i;

	for (i = 0; i < v->nifa; i++)
		if (v->ifa[i].addr == a)
			return &v->ifa[i];
	return NULL;
}

/* The connected subnets containing a: count, and the first one in *first. */
static size_t connected(const struct db_vctx *v, uint32_t a, const struct ifaddr **first)
{
	size_t i, n = 0;

	*first = NULL;
	for (i = 0; i < v->nifa; i++) {
		const struct ifaddr *f = &v->ifa[i];

		if ((a & f->mask) == (f->addr & f->mask)) {
			if (n == 0 || (*first)->iface != f->iface)
				n++;
			if (*first == NULL)
				*first = f;
		}
	}
	return n;
}

/*
 * The checks every address of a host Tula talks to passes: unicast, not one of
 * Tula's own, not the network or broadcast address of a connected subnet.
 */
static int host_address_ok(struct db_vctx *v, const struct db_node *at, uint32_t a,
			   const char *what)
{
	const struct ifaddr *f;
	const char *why = not_unicast(a);
	char s[INET_ADDRSTRLEN], p[1024];
	size_t i;

	if (why != NULL) {
		verr(v, at, "%s %s is not a unicast address: %s", what, ntoa(a, s), why);
		return 0;
	}
	f = own(v, a);
	if (f != NULL) {
		db_node_path(f->entry, p, sizeof(p));
		verr(v, at, "%s %s is Tula's own address (%s)", what, ntoa(a, s), p);
		return 0;
	}
	for (i = 0; i < v->nifa; i++) {
		f = &v->ifa[i];
		if (f->len > 30 || (a & f->mask) != (f->addr & f->mask))
			continue;
		if (a == (f->addr & f->mask) || a == ((f->addr & f->mask) | ~f->mask)) {
			db_node_path(f->entry, p, sizeof(p));
			verr(v, at, "%s %s is the %s address of the connected subnet (%s)", what,
			     ntoa(a, s), a == (f->addr & f->mask) ? "network" : "broadcast", p);
			return 0;
		}
	}
	return 1;
}

static const struct vipaddr *vip_at(const struct db_vctx *v, uint32_t a)
{
	size_t lo = 0, hi = v->nvips;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v->vips[mid].addr == a)
			return &v->vips[mid];
		if (v->vips[mid].addr < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* --- validators named by the schema ------------------------------------------------------- */

void db_v_interface(struct db_vctx *v, const struct db_node *n)
{
	const struct db_node *a, *o;
	const char *dev = db_get_str(n, "device");
	size_t i;
	char s[INET_ADDRSTRLEN], p[1024];

	for (a = db_node_first(n, "address"); a != NULL; a = db_node_next(a)) {
		struct in_addr in;
		uint8_t len;
		uint32_t h, m;
		const char *why;

		if (db_parse_prefix(a->key, &in, &len) != 0)
			continue;
		h = ntohl(in.s_addr);
		m = tula_mask_of(len);
		why = not_unicast(h);
		if (len == 0) {
			verr(v, a, "prefix length 0: an interface address needs a subnet");
			continue;
		}
		if (why != NULL) {
			verr(v, a, "%s is not a unicast address: %s", ntoa(h, s), why);
			continue;
		}
		if (len <= 30 && (h == (h & m) || h == ((h & m) | ~m))) {
			verr(v, a, "%s is the %s address of %s/%u, not a host address", ntoa(h, s),
			     h == (h & m) ? "network" : "broadcast", ntoa(h & m, p), len);
			continue;
		}
		/* subnets of two interfaces must not overlap (one is checked per pair) */
		for (i = 0; i < v->nifa; i++) {
			const struct ifaddr *f = &v->ifa[i];
			uint32_t common = f->len < len ? f->mask : m;

			if (f->entry == a || (f->iface == n && f->entry != a))
				continue;
			if ((f->addr & common) != (h & common))
				continue;
			if (f->iface == n)
				continue;
			if (db_key_cmp(db_node_snode(n), db_node_key(f->iface), db_node_key(n)) > 0)
				continue; /* reported on the other interface */
			db_node_path(f->entry, p, sizeof(p));
			verr(v, a, "subnet overlaps %s", p);
		}
	}
	/* two interfaces cannot drive the same device */
	if (dev != NULL && n->parent != NULL) {
		for (o = db_node_first(n->parent, "interfaces"); o != NULL && o != n;
		     o = db_node_next(o)) {
			const char *od = db_get_str(o, "device");

			if (od != NULL && strcmp(od, dev) == 0) {
				db_node_path(o, p, sizeof(p));
				verr(v, db_node_leaf(n, "device"), "device is already used by %s",
				     p);
				break;
			}
		}
	}
}

void db_v_route(struct db_vctx *v, const struct db_node *n)
{
	const struct ifaddr *f;
	const struct db_node *nh = db_node_leaf(n, "next-hop");
	uint32_t a;
	char s[INET_ADDRSTRLEN];

	if (nh == NULL || leaf_addr(n, "next-hop", &a) != 0)
		return; /* missing: reported as mandatory */
	if (!host_address_ok(v, nh, a, "next-hop"))
		return;
	if (connected(v, a, &f) == 0)
		verr(v, nh, "next-hop %s is not on a connected subnet of any interface",
		     ntoa(a, s));
}

void db_v_backend(struct db_vctx *v, const struct db_node *n)
{
	const struct db_node *vip = n->parent, *al = db_node_leaf(n, "address"), *o;
	const struct vipaddr *va;
	const struct ifaddr *f;
	const char *mode = db_get_str(vip, "mode");
	uint32_t a, oa;
	size_t i;
	char s[INET_ADDRSTRLEN], p[1024];

	if (al == NULL || leaf_addr(n, "address", &a) != 0)
		return;
	if (!host_address_ok(v, al, a, "backend address"))
		return;
	va = vip_at(v, a);
	if (va != NULL) {
		db_node_path(va->vip, p, sizeof(p));
		verr(v, al, "backend address %s is a VIP (%s): a backend cannot be another VIP",
		     ntoa(a, s), p);
		return;
	}
	for (o = db_node_first(vip, "backend"); o != NULL && o != n; o = db_node_next(o))
		if (leaf_addr(o, "address", &oa) == 0 && oa == a) {
			verr(v, al, "backend address %s is also backend %s of this VIP", ntoa(a, s),
			     o->key);
			return;
		}
	if (mode != NULL && strcmp(mode, "l2") == 0) {
		if (connected(v, a, &f) == 0)
			verr(v, al,
			     "mode l2: backend address %s is not on a connected subnet of any "
			     "interface (l2 backends share Tula's L2 segment; use mode l3 to "
			     "route)",
			     ntoa(a, s));
		return;
	}
	/* l3: connected, or covered by a static route */
	if (connected(v, a, &f) > 0)
		return;
	for (i = 0; i < v->nroutes; i++)
		if ((a & v->routes[i].mask) == v->routes[i].net)
			return;
	verr(v, al,
	     "mode l3: backend address %s is not reachable: no connected subnet or static route "
	     "covers it",
	     ntoa(a, s));
}

void db_v_health(struct db_vctx *v, const struct db_node *n)
{
	const struct db_node *vip = n->parent;
	const char *type = db_get_str(n, "type");
	uint32_t interval = 0, timeout = 0;
	uint16_t port = 1;
	const struct db_node *path = db_node_leaf(n, "http-path");

	if (db_get_uint(n, "interval", &interval) == 0 &&
	    db_get_uint(n, "timeout", &timeout) == 0 && timeout > interval)
		verr(v, db_node_leaf(n, "timeout") ? db_node_leaf(n, "timeout") : n,
		     "timeout %u must not exceed interval %u", timeout, interval);
	if (path != NULL && type != NULL && strcmp(type, "http") != 0)
		verr(v, path, "http-path applies only to type http (type is %s)", type);
	if (type != NULL && strcmp(type, "none") != 0 && db_node_leaf(n, "port") == NULL &&
	    db_get_port(vip, "port", &port) == 0 && port == 0)
		verr(v, n,
		     "missing port: the VIP listens on all ports (port *), so the probe needs "
		     "its own port");
}

void db_v_vip(struct db_vctx *v, const struct db_node *n)
{
	const struct db_node *al = db_node_leaf(n, "address"),
			     *ts = db_node_leaf(n, "tunnel-source");
	const struct db_node *b;
	const char *mode = db_get_str(n, "mode");
	const struct ifaddr *f;
	uint32_t a, w;
	uint16_t port = 1;
	size_t nb = 0, drained = 0, ncon;
	char s[INET_ADDRSTRLEN];

	for (b = db_node_first(n, "backend"); b != NULL; b = db_node_next(b)) {
		nb++;
		if (db_get_uint(b, "weight", &w) == 0 && w == 0)
			drained++;
	}
	if (nb == 0)
		verr(v, n, "a VIP needs at least one backend");
	else if (drained == nb)
		vwarn(v, n, "every backend has weight 0: the VIP accepts no new flows");
	/* without a health-check block the default tcp probe targets the VIP's port */
	if (db_node_find(n, "health-check", NULL) == NULL && db_get_port(n, "port", &port) == 0 &&
	    port == 0)
		verr(v, n,
		     "port * leaves the default tcp probe without a port: set health-check port "
		     "(or health-check type none)");
	if (ts != NULL && (mode == NULL || strcmp(mode, "l3") != 0))
		verr(v, ts, "tunnel-source applies only to mode l3 (mode is %s)",
		     mode ? mode : "l2");
	if (al == NULL || leaf_addr(n, "address", &a) != 0)
		return;
	if (!host_address_ok(v, al, a, "VIP address"))
		return;
	if (db_node_leaf(n, "interface") != NULL)
		return; /* existence is checked as a reference */
	if (v->ninterfaces == 0) {
		verr(v, n, "no interface is configured: a VIP lives on an interface");
		return;
	}
	ncon = connected(v, a, &f);
	if (ncon == 1 || (ncon == 0 && v->ninterfaces == 1))
		return;
	if (ncon == 0)
		verr(v, n,
		     "missing interface: %s is on no interface's subnet and %zu interfaces "
		     "are configured",
		     ntoa(a, s), v->ninterfaces);
	else
		verr(v, n, "missing interface: %s is on the subnets of %zu interfaces", ntoa(a, s),
		     ncon);
}

/* --- generic rules -------------------------------------------------------------------------- */

static const struct db_node *ref_target(const struct db_vctx *v, const struct db_snode *list,
					const char *key)
{
	const char *kw[8];
	const struct db_snode *p;
	const struct db_node *n = v->root;
	int c = 0, j;

	for (p = db_snode_parent(list); p != NULL && db_snode_parent(p) != NULL && c < 8;
	     p = db_snode_parent(p))
		kw[c++] = db_snode_name(p);
	for (j = c - 1; j >= 0 && n != NULL; j--)
		n = db_node_find(n, kw[j], NULL);
	return n ? db_node_find(n, db_snode_name(list), key) : NULL;
}

static void walk(struct db_vctx *v, const struct db_node *n)
{
	const struct db_snode *sn = n->sn;
	size_t i;

	if (n->parent != NULL && sn->kind != DB_SNODE_LEAF) {
		for (i = 0; i < sn->nchildren; i++) {
			const struct db_snode *c = sn->children[i];

			if ((c->flags & DB_SF_MANDATORY) && c->kind == DB_SNODE_LEAF &&
			    db_node_child_find(n, c, NULL, NULL) == NULL)
				verr(v, n, "missing mandatory statement \"%s\" (%s)", c->name,
				     c->help);
		}
	}
	if (sn->kind == DB_SNODE_LEAF && sn->type == DB_TYPE_REF && sn->ref != NULL &&
	    n->value != NULL && ref_target(v, sn->ref, n->value) == NULL) {
		char p[256];

		db_snode_path(sn->ref, p, sizeof(p));
		verr(v, n, "%s %s is not configured", p, n->value);
	}
	if (sn->validate != NULL)
		sn->validate(v, n);
	for (i = 0; i < n->nkids; i++)
		walk(v, n->kids[i]);
}

static int vipaddr_cmp(const void *a, const void *b)
{
	const struct vipaddr *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int vipkey_cmp(const void *a, const void *b)
{
	const struct vipkey *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return 0;
}

/* (address, protocol, port) unique, with port * overlapping every port. */
static int check_unique(struct db_vctx *v, const struct db_node *dsr)
{
	struct vipkey *k;
	size_t n = db_node_count(dsr, "vip"), c = 0, i, j;
	const struct db_node *e;
	char s[INET_ADDRSTRLEN];

	if (n == 0)
		return 0;
	k = malloc(n * sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	for (e = db_node_first(dsr, "vip"); e != NULL; e = db_node_next(e)) {
		const char *proto = db_get_str(e, "protocol");

		if (leaf_addr(e, "address", &k[c].addr) != 0 || proto == NULL ||
		    db_get_port(e, "port", &k[c].port) != 0)
			continue; /* incomplete VIPs are reported as such */
		k[c].proto = strcmp(proto, "tcp") == 0 ? 6 : 17;
		k[c].vip = e;
		c++;
	}
	qsort(k, c, sizeof(*k), vipkey_cmp);
	/* groups of the same (address, protocol); port 0 (= *) sorts first */
	for (i = 0; i < c; i = j) {
		for (j = i + 1; j < c && k[j].addr == k[i].addr && k[j].proto == k[i].proto; j++)
			;
		if (k[i].port == 0 && j - i > 1) {
			size_t x;

			for (x = i + 1; x < j; x++)
				verr(v, k[x].vip,
				     "%s %s port %s overlaps vip %s (same address and protocol, "
				     "port *)",
				     ntoa(k[x].addr, s), k[x].proto == 6 ? "tcp" : "udp",
				     db_get_str(k[x].vip, "port"), db_node_key(k[i].vip));
			continue;
		}
		for (size_t x = i + 1; x < j; x++)
			if (k[x].port == k[x - 1].port)
				verr(v, k[x].vip,
				     "address %s protocol %s port %u is already used by vip %s",
				     ntoa(k[x].addr, s), k[x].proto == 6 ? "tcp" : "udp", k[x].port,
				     db_node_key(k[x - 1].vip));
	}
	free(k);
	return 0;
}

int db_validate(const struct db_node *root, struct db_diags *d)
{
	struct db_vctx v = {.root = root, .d = d};
	const struct db_node *i, *a, *dsr, *st, *r, *e;
	size_t cap_ifa = 0, cap_r = 0;
	int rc = 0;

	/* connected subnets and Tula's own addresses */
	for (i = db_node_first(root, "interfaces"); i != NULL; i = db_node_next(i)) {
		v.ninterfaces++;
		for (a = db_node_first(i, "address"); a != NULL; a = db_node_next(a)) {
			struct in_addr in;
			uint8_t len;

			/* a /0 "subnet" is refused by db_v_interface; it connects nothing */
			if (db_parse_prefix(a->key, &in, &len) != 0 || len == 0)
				continue;
			if (v.nifa == cap_ifa) {
				size_t cap = cap_ifa ? cap_ifa * 2 : 8;
				struct ifaddr *x = realloc(v.ifa, cap * sizeof(*x));

				if (x == NULL) {
					rc = -ENOMEM;
					goto out;
				}
				v.ifa = x;
				cap_ifa = cap;
			}
			v.ifa[v.nifa].addr = ntohl(in.s_addr);
			v.ifa[v.nifa].len = len;
			v.ifa[v.nifa].mask = tula_mask_of(len);
			v.ifa[v.nifa].iface = i;
			v.ifa[v.nifa].entry = a;
			v.nifa++;
		}
	}
	st = db_node_get(root, "routing-options static");
	for (r = st ? db_node_first(st, "route") : NULL; r != NULL; r = db_node_next(r)) {
		struct in_addr in;
		uint8_t len;

		if (db_parse_prefix(r->key, &in, &len) != 0)
			continue;
		if (v.nroutes == cap_r) {
			size_t cap = cap_r ? cap_r * 2 : 8;
			struct route *x = realloc(v.routes, cap * sizeof(*x));

			if (x == NULL) {
				rc = -ENOMEM;
				goto out;
			}
			v.routes = x;
			cap_r = cap;
		}
		v.routes[v.nroutes].mask = tula_mask_of(len);
		v.routes[v.nroutes].net = ntohl(in.s_addr) & tula_mask_of(len);
		v.routes[v.nroutes].n = r;
		v.nroutes++;
	}
	dsr = db_node_get(root, "services dsr");
	if (dsr != NULL) {
		size_t n = db_node_count(dsr, "vip");

		v.vips = malloc((n ? n : 1) * sizeof(*v.vips));
		if (v.vips == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (e = db_node_first(dsr, "vip"); e != NULL; e = db_node_next(e))
			if (leaf_addr(e, "address", &v.vips[v.nvips].addr) == 0)
				v.vips[v.nvips++].vip = e;
		qsort(v.vips, v.nvips, sizeof(*v.vips), vipaddr_cmp);
		rc = check_unique(&v, dsr);
		if (rc != 0)
			goto out;
	}
	walk(&v, root);
	rc = v.errors;
out:
	free(v.ifa);
	free(v.routes);
	free(v.vips);
	return rc;
}
