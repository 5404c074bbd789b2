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
 *
 * Addresses are of either family (struct db_addr) and every rule holds per family: a
 * subnet connects only addresses of its family, a route covers only its family, and
 * the same bytes in two families are two addresses (IPv4-mapped IPv6 is refused by
 * the schema, so an IPv4 address has one spelling). What only IPv6 needs is said where
 * it is checked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"

struct ifaddr {
	struct db_addr addr; /* as configured, host bits kept */
	struct db_addr net;  /* host bits zero */
	uint8_t len;
	const struct db_node *iface;
	const struct db_node *entry;
};

struct route {
	struct db_addr net;
	uint8_t len;
	const struct db_node *n;
};

struct vipaddr {
	struct db_addr addr;
	const struct db_node *vip;
};

struct beaddr {
	struct db_addr addr;
	size_t pos; /* among the VIP's backends */
	const struct db_node *be;
};

struct vipkey {
	struct db_addr addr;
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
	/* The backends of bvip by (address, position): walk() visits a VIP's backends one
	 * after the other, so it is sorted once per VIP and a duplicate is found in
	 * O(log n), not by comparing with every earlier backend (a VIP may have 65535). */
	const struct db_node *bvip;
	struct beaddr *bes;
	size_t nbes;
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

/* Text of an address; each call site passes its own buffer of DB_ADDR_STRLEN. */
static const char *ntoa(const struct db_addr *a, char *buf)
{
	return db_addr_str(a, buf, DB_ADDR_STRLEN);
}

static int leaf_addr(const struct db_node *parent, const char *kw, struct db_addr *a)
{
	return db_get_addr(parent, kw, a) == 0 ? 0 : -1;
}

static uint32_t v4_host(const struct db_addr *a)
{
	return (uint32_t)a->b[0] << 24 | (uint32_t)a->b[1] << 16 | (uint32_t)a->b[2] << 8 | a->b[3];
}

/* Why addr is not a usable unicast address, or NULL when it is. IPv6 link-local
 * addresses are refused too: they mean nothing without an interface, which none of
 * these statements names, and Tula makes its own from each port's MAC. */
static const char *not_unicast(const struct db_addr *ad)
{
	if (ad->family == AF_INET6) {
		static const struct db_addr zero = {.family = AF_INET6};
		const uint8_t *b = ad->b;

		if (db_addr_cmp(ad, &zero) == 0)
			return "the unspecified address ::";
		if (memcmp(b, zero.b, 15) == 0 && b[15] == 1)
			return "the loopback address ::1";
		if (b[0] == 0xff)
			return "a multicast address (ff00::/8)";
		if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
			return "a link-local address (fe80::/10): use a global or unique local "
			       "address";
		return NULL;
	}
	uint32_t a = v4_host(ad);

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

/* The address of a's subnet (len bits) with every host bit set: IPv4's broadcast. */
static struct db_addr last_of(const struct db_addr *net, unsigned len)
{
	struct db_addr l = *net;
	unsigned i, bits = db_addr_bits(net);

	for (i = len; i < bits; i++)
		l.b[i / 8] |= (uint8_t)(0x80u >> (i % 8));
	return l;
}

/*
 * Whether a is a reserved address of the connected subnet net/len, and which: IPv4's
 * network and broadcast addresses (subnets up to /30), IPv6's Subnet-Router anycast
 * address (all host bits zero, RFC 4291 2.6.1; subnets up to /126: /127 point-to-point
 * links use both addresses, RFC 6164). NULL when a is a host address.
 */
static const char *reserved_in(const struct db_addr *a, const struct db_addr *net, unsigned len)
{
	struct db_addr last;

	if (!db_addr_in(a, net, len))
		return NULL;
	if (a->family == AF_INET6)
		return len <= 126 && db_addr_cmp(a, net) == 0 ? "Subnet-Router anycast" : NULL;
	if (len > 30)
		return NULL;
	if (db_addr_cmp(a, net) == 0)
		return "network";
	last = last_of(net, len);
	return db_addr_cmp(a, &last) == 0 ? "broadcast" : NULL;
}

static const struct ifaddr *own(const struct db_vctx *v, const struct db_addr *a)
{
	size_t i;

	for (i = 0; i < v->nifa; i++)
		if (db_addr_cmp(&v->ifa[i].addr, a) == 0)
			return &v->ifa[i];
	return NULL;
}

/* The connected subnets containing a (its family only): count, and the first one in
 * *first. */
static size_t connected(const struct db_vctx *v, const struct db_addr *a,
			const struct ifaddr **first)
{
	size_t i, n = 0;

	*first = NULL;
	for (i = 0; i < v->nifa; i++) {
		const struct ifaddr *f = &v->ifa[i];

		if (db_addr_in(a, &f->net, f->len)) {
			if (n == 0 || (*first)->iface != f->iface)
				n++;
			if (*first == NULL)
				*first = f;
		}
	}
	return n;
}

/* 1 when interface iface has a connected subnet of a's family holding a. */
static int connected_on(const struct db_vctx *v, const struct db_addr *a,
			const struct db_node *iface)
{
	size_t i;

	for (i = 0; i < v->nifa; i++)
		if (v->ifa[i].iface == iface && db_addr_in(a, &v->ifa[i].net, v->ifa[i].len))
			return 1;
	return 0;
}

/* 1 when some interface has an address of family fam. */
static int has_family(const struct db_vctx *v, uint8_t fam)
{
	size_t i;

	for (i = 0; i < v->nifa; i++)
		if (v->ifa[i].addr.family == fam)
			return 1;
	return 0;
}

/*
 * The checks every address of a host Tula talks to passes: unicast, not one of
 * Tula's own, not a reserved address of a connected subnet.
 */
static int host_address_ok(struct db_vctx *v, const struct db_node *at, const struct db_addr *a,
			   const char *what)
{
	const struct ifaddr *f;
	const char *why = not_unicast(a);
	char s[DB_ADDR_STRLEN], p[1024];
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
		why = reserved_in(a, &f->net, f->len);
		if (why != NULL) {
			db_node_path(f->entry, p, sizeof(p));
			verr(v, at, "%s %s is the %s address of the connected subnet (%s)", what,
			     ntoa(a, s), why, p);
			return 0;
		}
	}
	return 1;
}

static const struct vipaddr *vip_at(const struct db_vctx *v, const struct db_addr *a)
{
	size_t lo = 0, hi = v->nvips;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = db_addr_cmp(&v->vips[mid].addr, a);

		if (c == 0)
			return &v->vips[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/*
 * The interface a VIP lives on, as the firmware picks it: its `interface`, else the
 * one whose subnet holds its address, else the only interface. NULL when none or
 * ambiguous (db_v_vip reports that).
 */
static const struct db_node *vip_iface(const struct db_vctx *v, const struct db_node *vip)
{
	const char *name = db_get_str(vip, "interface");
	const struct ifaddr *f;
	struct db_addr a;

	if (name != NULL)
		return db_node_find(v->root, "interfaces", name);
	if (leaf_addr(vip, "address", &a) == 0 && connected(v, &a, &f) == 1)
		return f->iface;
	if (v->ninterfaces == 1)
		return db_node_first(v->root, "interfaces");
	return NULL;
}

/* --- validators named by the schema ------------------------------------------------------- */

void db_v_interface(struct db_vctx *v, const struct db_node *n)
{
	const struct db_node *a, *o;
	const char *dev = db_get_str(n, "device");
	size_t i;
	char s[DB_ADDR_STRLEN], p[1024];

	for (a = db_node_first(n, "address"); a != NULL; a = db_node_next(a)) {
		struct db_addr h, net;
		uint8_t len;
		const char *why;

		if (db_parse_addr_prefix(a->key, &h, &len) != 0)
			continue;
		net = h;
		db_addr_mask(&net, len);
		why = not_unicast(&h);
		if (len == 0) {
			verr(v, a, "prefix length 0: an interface address needs a subnet");
			continue;
		}
		if (why != NULL) {
			verr(v, a, "%s is not a unicast address: %s", ntoa(&h, s), why);
			continue;
		}
		why = reserved_in(&h, &net, len);
		if (why != NULL) {
			verr(v, a, "%s is the %s address of %s/%u, not a host address", ntoa(&h, s),
			     why, ntoa(&net, p), len);
			continue;
		}
		/* subnets of two interfaces must not overlap (one is checked per pair) */
		for (i = 0; i < v->nifa; i++) {
			const struct ifaddr *f = &v->ifa[i];
			unsigned common = f->len < len ? f->len : len;

			if (f->entry == a || f->iface == n)
				continue;
			if (!db_addr_in(&h, &f->net, common))
				continue; /* includes: the other family */
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
	struct db_addr a, dst;
	uint8_t len;
	char s[DB_ADDR_STRLEN];

	if (nh == NULL || leaf_addr(n, "next-hop", &a) != 0)
		return; /* missing: reported as mandatory */
	if (db_parse_addr_prefix(n->key, &dst, &len) == 0 && dst.family != a.family) {
		verr(v, nh,
		     "next-hop %s is %s but the route %s is %s: a route's next hop is of "
		     "its family",
		     ntoa(&a, s), db_addr_family_name(&a), n->key, db_addr_family_name(&dst));
		return;
	}
	if (!host_address_ok(v, nh, &a, "next-hop"))
		return;
	if (connected(v, &a, &f) == 0)
		verr(v, nh, "next-hop %s is not on a connected subnet of any interface",
		     ntoa(&a, s));
}

static int beaddr_cmp(const void *a, const void *b)
{
	const struct beaddr *x = a, *y = b;
	int c = db_addr_cmp(&x->addr, &y->addr);

	if (c != 0)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The first backend of vip (in configuration order) with address a, or NULL (also when
 * memory runs out: the data path refuses duplicates too). */
static const struct db_node *first_backend_at(struct db_vctx *v, const struct db_node *vip,
					      const struct db_addr *a)
{
	size_t lo = 0, hi;

	if (v->bvip != vip) {
		size_t n = db_node_count(vip, "backend"), pos = 0;
		struct beaddr *e = realloc(v->bes, (n ? n : 1) * sizeof(*e));

		v->bvip = NULL;
		v->nbes = 0;
		if (e == NULL)
			return NULL;
		v->bes = e;
		for (const struct db_node *o = db_node_first(vip, "backend"); o != NULL;
		     o = db_node_next(o), pos++)
			if (leaf_addr(o, "address", &e[v->nbes].addr) == 0) {
				e[v->nbes].pos = pos;
				e[v->nbes++].be = o;
			}
		qsort(e, v->nbes, sizeof(*e), beaddr_cmp);
		v->bvip = vip;
	}
	hi = v->nbes;
	while (lo < hi) { /* the lowest entry not below a: the first of its address */
		size_t mid = lo + (hi - lo) / 2;

		if (db_addr_cmp(&v->bes[mid].addr, a) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->nbes && db_addr_cmp(&v->bes[lo].addr, a) == 0 ? v->bes[lo].be : NULL;
}

void db_v_backend(struct db_vctx *v, const struct db_node *n)
{
	const struct db_node *vip = n->parent, *al = db_node_leaf(n, "address"), *o, *vif;
	const struct vipaddr *va;
	const struct ifaddr *f;
	const char *mode = db_get_str(vip, "mode");
	struct db_addr a, va_addr;
	size_t i;
	char s[DB_ADDR_STRLEN], s2[DB_ADDR_STRLEN], p[1024];

	if (al == NULL || leaf_addr(n, "address", &a) != 0)
		return;
	/* The data path forwards a VIP's packets unchanged (l2) or in an outer header of
	 * the same family (l3): a backend of the other family could not be reached. */
	if (leaf_addr(vip, "address", &va_addr) == 0 && va_addr.family != a.family) {
		verr(v, al,
		     "backend address %s is %s but the VIP's address %s is %s: a VIP's "
		     "backends are of its family (%s are not supported)",
		     ntoa(&a, s), db_addr_family_name(&a), ntoa(&va_addr, s2),
		     db_addr_family_name(&va_addr),
		     a.family == AF_INET ? "IPv6 VIPs with IPv4 backends (6in4)"
					 : "IPv4 VIPs with IPv6 backends (4in6)");
		return;
	}
	if (!host_address_ok(v, al, &a, "backend address"))
		return;
	va = vip_at(v, &a);
	if (va != NULL) {
		db_node_path(va->vip, p, sizeof(p));
		verr(v, al, "backend address %s is a VIP (%s): a backend cannot be another VIP",
		     ntoa(&a, s), p);
		return;
	}
	o = first_backend_at(v, vip, &a);
	if (o != NULL && o != n) {
		verr(v, al, "backend address %s is also backend %s of this VIP", ntoa(&a, s),
		     o->key);
		return;
	}
	if (mode != NULL && strcmp(mode, "l2") == 0) {
		if (connected(v, &a, &f) == 0) {
			verr(v, al,
			     "mode l2: backend address %s is not on a connected subnet of any "
			     "interface (l2 backends share Tula's L2 segment; use mode l3 to "
			     "route)",
			     ntoa(&a, s));
			return;
		}
		/* IPv6: the frames leave on the VIP's port, so the backend must be on one of
		 * its subnets (Neighbor Discovery runs there only). */
		vif = a.family == AF_INET6 ? vip_iface(v, vip) : NULL;
		if (vif != NULL && !connected_on(v, &a, vif))
			verr(v, al,
			     "mode l2: backend address %s is not on a connected IPv6 subnet of "
			     "the VIP's interface %s (l2 backends share the VIP's L2 segment)",
			     ntoa(&a, s), db_node_key(vif));
		return;
	}
	/* l3: connected, or covered by a static route of its family */
	if (connected(v, &a, &f) > 0)
		return;
	for (i = 0; i < v->nroutes; i++)
		if (db_addr_in(&a, &v->routes[i].net, v->routes[i].len))
			return;
	verr(v, al,
	     "mode l3: backend address %s is not reachable: no connected subnet or static route "
	     "covers it",
	     ntoa(&a, s));
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

/* Shortest IPv6 tunnel-source prefix: see the comment where it is checked. */
#define TUNNEL_SRC6_MIN_LEN 64

/* Mode l3's outer source: of the VIP's family, unicast, and for IPv6 at most a /64. */
static void check_tunnel_source(struct db_vctx *v, const struct db_node *n,
				const struct db_node *ts, const struct db_addr *vip)
{
	struct db_addr t;
	uint8_t len;
	const char *why;
	char s[DB_ADDR_STRLEN];

	if (ts == NULL) {
		/* Without one the outer source is the egress port's address, of the VIP's
		 * family: an IPv6 VIP needs some IPv6 self address. */
		if (vip->family == AF_INET6 && !has_family(v, AF_INET6))
			verr(v, n,
			     "mode l3: an IPv6 VIP needs an IPv6 outer source address: set "
			     "tunnel-source or give an interface an IPv6 address");
		return;
	}
	if (db_parse_addr_or_prefix(db_node_value(ts), &t, &len) != 0)
		return;
	if (t.family != vip->family) {
		verr(v, ts,
		     "tunnel-source %s is %s but the VIP is %s: the outer header is of the VIP's "
		     "family (%s is not supported)",
		     db_node_value(ts), db_addr_family_name(&t), db_addr_family_name(vip),
		     vip->family == AF_INET ? "IPv4 in IPv6 (4in6)" : "IPv6 in IPv4 (6in4)");
		return;
	}
	why = not_unicast(&t);
	if (why != NULL) {
		verr(v, ts, "tunnel-source %s is not a unicast address: %s", ntoa(&t, s), why);
		return;
	}
	/*
	 * Per-flow sources take their host bits from the flow hash, which has 32 bits: a
	 * /64 already offers more sources than a hash can pick, so a shorter IPv6 prefix
	 * adds no spread while claiming more address space that the fabric must route back
	 * to this box (ICMPv6 Packet Too Big for a tunnelled packet goes to its outer
	 * source). A /64 is also the smallest block IPv6 plans hand out.
	 */
	if (t.family == AF_INET6 && len < TUNNEL_SRC6_MIN_LEN)
		verr(v, ts,
		     "tunnel-source %s: an IPv6 source prefix is /%u to /128 (a /64 already "
		     "holds more per-flow sources than the 32-bit flow hash picks; a shorter "
		     "one only claims address space that must route back to Tula)",
		     db_node_value(ts), TUNNEL_SRC6_MIN_LEN);
}

void db_v_vip(struct db_vctx *v, const struct db_node *n)
{
	const struct db_node *al = db_node_leaf(n, "address"),
			     *ts = db_node_leaf(n, "tunnel-source");
	const struct db_node *b;
	const char *mode = db_get_str(n, "mode");
	const struct ifaddr *f;
	struct db_addr a;
	uint32_t w;
	uint16_t port = 1;
	size_t nb = 0, drained = 0, ncon;
	char s[DB_ADDR_STRLEN];

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
	if (mode != NULL && strcmp(mode, "l3") == 0)
		check_tunnel_source(v, n, ts, &a);
	if (!host_address_ok(v, al, &a, "VIP address"))
		return;
	if (db_node_leaf(n, "interface") != NULL)
		return; /* existence is checked as a reference */
	if (v->ninterfaces == 0) {
		verr(v, n, "no interface is configured: a VIP lives on an interface");
		return;
	}
	ncon = connected(v, &a, &f);
	if (ncon == 1 || (ncon == 0 && v->ninterfaces == 1))
		return;
	if (ncon == 0)
		verr(v, n,
		     "missing interface: %s is on no interface's subnet and %zu interfaces "
		     "are configured",
		     ntoa(&a, s), v->ninterfaces);
	else
		verr(v, n, "missing interface: %s is on the subnets of %zu interfaces", ntoa(&a, s),
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

	return db_addr_cmp(&x->addr, &y->addr);
}

static int vipkey_cmp(const void *a, const void *b)
{
	const struct vipkey *x = a, *y = b;

	int c = db_addr_cmp(&x->addr, &y->addr);

	if (c != 0)
		return c;
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
	char s[DB_ADDR_STRLEN];

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
		for (j = i + 1;
		     j < c && db_addr_cmp(&k[j].addr, &k[i].addr) == 0 && k[j].proto == k[i].proto;
		     j++)
			;
		if (k[i].port == 0 && j - i > 1) {
			size_t x;

			for (x = i + 1; x < j; x++)
				verr(v, k[x].vip,
				     "%s %s port %s overlaps vip %s (same address and protocol, "
				     "port *)",
				     ntoa(&k[x].addr, s), k[x].proto == 6 ? "tcp" : "udp",
				     db_get_str(k[x].vip, "port"), db_node_key(k[i].vip));
			continue;
		}
		for (size_t x = i + 1; x < j; x++)
			if (k[x].port == k[x - 1].port)
				verr(v, k[x].vip,
				     "address %s protocol %s port %u is already used by vip %s",
				     ntoa(&k[x].addr, s), k[x].proto == 6 ? "tcp" : "udp",
				     k[x].port, db_node_key(k[x - 1].vip));
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
			struct db_addr in;
			uint8_t len;

			/* a /0 "subnet" is refused by db_v_interface; it connects nothing */
			if (db_parse_addr_prefix(a->key, &in, &len) != 0 || len == 0)
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
			v.ifa[v.nifa].addr = in;
			v.ifa[v.nifa].net = in;
			db_addr_mask(&v.ifa[v.nifa].net, len);
			v.ifa[v.nifa].len = len;
			v.ifa[v.nifa].iface = i;
			v.ifa[v.nifa].entry = a;
			v.nifa++;
		}
	}
	st = db_node_get(root, "routing-options static");
	for (r = st ? db_node_first(st, "route") : NULL; r != NULL; r = db_node_next(r)) {
		struct db_addr in;
		uint8_t len;

		if (db_parse_addr_prefix(r->key, &in, &len) != 0)
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
		v.routes[v.nroutes].net = in;
		db_addr_mask(&v.routes[v.nroutes].net, len);
		v.routes[v.nroutes].len = len;
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
	free(v.bes);
	return rc;
}
