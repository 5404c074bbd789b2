/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Forwarding-state builder (control thread). See fw_state.h for the contract and the
 * identity rules; the data path only reads what finalize produced.
 */
#include "firmware/fw_state.h"

#include "firmware/control/fw_dp_priv.h"
#include "firmware/control/fw_maglev.h"
#include "firmware/datapath/fw_flow.h"

#include <errno.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_lcore.h>
#include <rte_lpm.h>

/* Maglev tables are published as is: their empty entry is the state's "no slot". */
_Static_assert(FW_MAGLEV_NONE == FW_SLOT_NONE, "Maglev's empty entry is FW_SLOT_NONE");

#define DEFAULT_TIMEOUT	    300
#define DEFAULT_FIN_TIMEOUT 5  /* after the client's FIN/RST, and for a half-open flow */
#define DEFAULT_UDP_TIMEOUT 30 /* udp: no FIN to tell when a flow ends */

struct fw_state *fw_state_new(struct fw_dp *dp)
{
	struct fw_state *st = calloc(1, sizeof(*st));

	if (st == NULL)
		return NULL;
	st->dp = dp;
	st->maglev_size = dp->conf.maglev_size;
	st->max_vips = dp->conf.max_vips;
	st->max_backends = dp->conf.max_backends;
	st->new_flow_rate =
		dp->conf.new_flow_rate == FW_DP_NEW_FLOW_UNCAPPED ? 0 : dp->conf.new_flow_rate;
	st->idle_sleep_us = dp->conf.idle_sleep_us;
	memset(st->port_index, FW_PORT_INDEX_NONE, sizeof(st->port_index));
	st->vips = calloc(st->max_vips, sizeof(*st->vips));
	st->backends = calloc(st->max_backends, sizeof(*st->backends));
	if (st->vips == NULL || st->backends == NULL) {
		fw_state_free(st);
		errno = ENOMEM;
		return NULL;
	}
	return st;
}

/*
 * The builder's index: (address, protocol, port) -> VIP slot, address -> port index,
 * (address, port) -> neighbour, so that adding N VIPs or neighbours is O(N) and not
 * O(N x max): an open-addressing table of 64-bit keys (kind in the top byte, never 0).
 */
struct fw_state_index {
	uint64_t *keys;
	uint32_t *vals;
	uint32_t cap, n; /* cap: a power of 2 */
};

enum { IK_SERVICE = 1, IK_ADDRESS = 2, IK_NEIGH = 3 };

static uint64_t ikey(unsigned int kind, uint32_t hi, uint32_t addr)
{
	return (uint64_t)kind << 56 | (uint64_t)(hi & 0xffffffu) << 32 | addr;
}

static uint32_t ihash(const struct fw_state_index *x, uint64_t k)
{
	return (uint32_t)((k * 0x9e3779b97f4a7c15ull) >> 32) & (x->cap - 1);
}

static int index_get(const struct fw_state_index *x, uint64_t k, uint32_t *val)
{
	uint32_t i;

	if (x == NULL || x->cap == 0)
		return 0;
	for (i = ihash(x, k); x->keys[i] != 0; i = (i + 1) & (x->cap - 1)) {
		if (x->keys[i] == k) {
			*val = x->vals[i];
			return 1;
		}
	}
	return 0;
}

static int index_put(struct fw_state *st, uint64_t k, uint32_t val)
{
	struct fw_state_index *x = st->idx;
	uint32_t i;

	if (x == NULL) {
		x = st->idx = calloc(1, sizeof(*x));
		if (x == NULL)
			return -ENOMEM;
	}
	if ((x->n + 1) * 2 > x->cap) {
		struct fw_state_index y = {.cap = x->cap ? x->cap * 2 : 1024};

		y.keys = calloc(y.cap, sizeof(*y.keys));
		y.vals = calloc(y.cap, sizeof(*y.vals));
		if (y.keys == NULL || y.vals == NULL) {
			free(y.keys);
			free(y.vals);
			return -ENOMEM;
		}
		for (i = 0; i < x->cap; i++) {
			uint32_t j;

			if (x->keys[i] == 0)
				continue;
			for (j = ihash(&y, x->keys[i]); y.keys[j] != 0; j = (j + 1) & (y.cap - 1))
				;
			y.keys[j] = x->keys[i];
			y.vals[j] = x->vals[i];
		}
		y.n = x->n;
		free(x->keys);
		free(x->vals);
		*x = y;
	}
	for (i = ihash(x, k); x->keys[i] != 0 && x->keys[i] != k; i = (i + 1) & (x->cap - 1))
		;
	if (x->keys[i] == 0)
		x->n++;
	x->keys[i] = k;
	x->vals[i] = val;
	return 0;
}

static void index_free(struct fw_state *st)
{
	if (st->idx != NULL) {
		free(st->idx->keys);
		free(st->idx->vals);
		free(st->idx);
		st->idx = NULL;
	}
}

/*
 * Maglev tables are shared between successive states while their input is unchanged
 * (same_maglev): a commit that changes one VIP of ten thousand copies no table. A table
 * carries a reference count, touched only on the control thread (which builds and frees
 * every state); published tables are never written.
 */
struct maglev_tab {
	uint32_t refs;
	uint32_t pad;
	uint16_t ent[];
};

static uint16_t *maglev_new(uint32_t size)
{
	struct maglev_tab *t = malloc(sizeof(*t) + size * sizeof(t->ent[0]));

	if (t == NULL)
		return NULL;
	t->refs = 1;
	return t->ent;
}

static struct maglev_tab *maglev_tab(const uint16_t *ent)
{
	return (struct maglev_tab *)(uintptr_t)((const char *)ent -
						offsetof(struct maglev_tab, ent));
}

static uint16_t *maglev_share(const uint16_t *ent)
{
	maglev_tab(ent)->refs++;
	return (uint16_t *)(uintptr_t)ent;
}

static void maglev_put(uint16_t *ent)
{
	struct maglev_tab *t;

	if (ent == NULL)
		return;
	t = maglev_tab(ent);
	if (--t->refs == 0)
		free(t);
}

void fw_state_free(struct fw_state *st)
{
	uint32_t i;

	if (st == NULL)
		return;
	if (st->vips != NULL) {
		for (i = 0; i < st->max_vips; i++) {
			maglev_put(st->vips[i].maglev);
			free(st->vips[i].backends);
		}
	}
	free(st->vips);
	free(st->backends);
	free(st->routes);
	free(st->neighs);
	index_free(st);
	if (st->vip_hash != NULL)
		rte_hash_free(st->vip_hash);
	free(st->vip_table);
	if (st->lpm != NULL && (st->lpm_refs == NULL || --*st->lpm_refs == 0)) {
		rte_lpm_free(st->lpm);
		free(st->lpm_refs);
	}
	free(st);
}

int fw_state_add_port(struct fw_state *st, const struct fw_port_def *def)
{
	struct fw_state_port *p;

	if (st->finalized || def->port_id >= RTE_MAX_ETHPORTS || def->mtu < 68 ||
	    def->nb_queues == 0)
		return -EINVAL;
	if (st->port_index[def->port_id] != FW_PORT_INDEX_NONE)
		return -EEXIST;
	if (st->nb_ports >= FW_STATE_MAX_PORTS)
		return -ENOSPC;
	p = &st->ports[st->nb_ports];
	memset(p, 0, sizeof(*p));
	p->port_id = def->port_id;
	p->mac = def->mac;
	p->mtu = def->mtu;
	p->nb_queues = def->nb_queues;
	p->tx_ip_cksum_offload = def->tx_ip_cksum_offload;
	p->tx_multi_seg = def->tx_multi_seg;
	p->rx_ip_cksum_offload = def->rx_ip_cksum_offload;
	snprintf(p->name, sizeof(p->name), "%s", def->name);
	st->port_index[def->port_id] = st->nb_ports++;
	return 0;
}

static int route_push(struct fw_state *st, const struct fw_state_route *r)
{
	uint32_t i;

	for (i = 0; i < st->nb_routes; i++) {
		if (st->routes[i].prefix == r->prefix && st->routes[i].plen == r->plen &&
		    st->routes[i].connected == r->connected)
			return -EEXIST;
	}
	if (st->nb_routes == st->routes_cap) {
		uint32_t cap = st->routes_cap ? st->routes_cap * 2 : 16;
		struct fw_state_route *n = realloc(st->routes, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		st->routes = n;
		st->routes_cap = cap;
	}
	st->routes[st->nb_routes++] = *r;
	return 0;
}

int fw_state_add_address(struct fw_state *st, uint16_t port_id, uint32_t addr, uint8_t plen)
{
	struct fw_state_route r = {0};
	struct fw_state_port *p;
	uint8_t i, pi;
	int rc;

	if (st->finalized || plen > 32 || addr == 0)
		return -EINVAL;
	if (port_id >= RTE_MAX_ETHPORTS || st->port_index[port_id] == FW_PORT_INDEX_NONE)
		return -ENODEV;
	pi = st->port_index[port_id];
	p = &st->ports[pi];
	for (i = 0; i < st->nb_ports; i++) {
		uint8_t j;

		for (j = 0; j < st->ports[i].nb_addrs; j++)
			if (st->ports[i].addrs[j] == addr)
				return -EEXIST;
	}
	if (p->nb_addrs >= FW_STATE_MAX_ADDRS)
		return -ENOSPC;
	p->addrs[p->nb_addrs] = addr;
	p->plens[p->nb_addrs] = plen;
	p->nb_addrs++;
	r.prefix = addr & fw_netmask(plen);
	r.plen = plen;
	r.connected = 1;
	r.port = pi;
	rc = route_push(st, &r);
	return rc == -EEXIST ? 0 : rc; /* two addresses in one subnet: one route */
}

int fw_state_add_route(struct fw_state *st, uint32_t prefix, uint8_t plen, uint32_t gateway)
{
	struct fw_state_route r = {0};

	if (st->finalized || plen > 32 || gateway == 0 || (prefix & ~fw_netmask(plen)) != 0)
		return -EINVAL;
	r.prefix = prefix;
	r.plen = plen;
	r.gateway = gateway;
	return route_push(st, &r);
}

int fw_state_add_neighbour(struct fw_state *st, uint16_t port_id, uint32_t addr,
			   const struct rte_ether_addr *mac)
{
	uint32_t i;
	uint8_t pi;

	if (st->finalized || addr == 0)
		return -EINVAL;
	if (port_id >= RTE_MAX_ETHPORTS || st->port_index[port_id] == FW_PORT_INDEX_NONE)
		return -ENODEV;
	pi = st->port_index[port_id];
	if (index_get(st->idx, ikey(IK_NEIGH, pi, addr), &i))
		return -EEXIST;
	if (index_put(st, ikey(IK_NEIGH, pi, addr), st->nb_neighs) < 0)
		return -ENOMEM;
	if (st->nb_neighs == st->neighs_cap) {
		uint32_t cap = st->neighs_cap ? st->neighs_cap * 2 : 16;
		struct fw_state_neigh *n = realloc(st->neighs, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		st->neighs = n;
		st->neighs_cap = cap;
	}
	st->neighs[st->nb_neighs].addr = addr;
	st->neighs[st->nb_neighs].port = pi;
	st->neighs[st->nb_neighs].mac = *mac;
	st->nb_neighs++;
	return 0;
}

static uint32_t new_gen(struct fw_dp *dp)
{
	if (++dp->next_gen == 0)
		dp->next_gen = 1;
	return dp->next_gen;
}

/*
 * A slot free in st, preferably also free in the published state. The search starts
 * at *hint (where the last one was found), so that filling a state of N slots is O(N)
 * and not O(N^2).
 */
static int free_slot(uint32_t max, int (*used)(const struct fw_state *, uint32_t),
		     const struct fw_state *st, const struct fw_state *prev, uint32_t *hint)
{
	uint32_t i, k;

	for (k = 0; k < max; k++) {
		i = (*hint + k) % max;
		if (!used(st, i) && (prev == NULL || !used(prev, i))) {
			*hint = i + 1;
			return (int)i;
		}
	}
	for (i = 0; i < max; i++)
		if (!used(st, i))
			return (int)i;
	return -ENOSPC;
}

static int vip_used(const struct fw_state *st, uint32_t i)
{
	return st->vips[i].gen != 0;
}

static int be_used(const struct fw_state *st, uint32_t i)
{
	return st->backends[i].gen != 0;
}

int fw_state_add_vip(struct fw_state *st, const struct fw_vip_def *def)
{
	const struct fw_state *prev = st->dp->current;
	struct fw_state_vip *v;
	uint32_t i;
	int slot = -1;

	if (st->finalized || def->addr == 0 ||
	    (def->proto != IPPROTO_TCP && def->proto != IPPROTO_UDP) || def->mode > FW_MODE_L3 ||
	    def->hash > FW_HASH_ADDRESSES || def->tunnel_src_len > 32)
		return -EINVAL;
	if (def->port_id >= RTE_MAX_ETHPORTS || st->port_index[def->port_id] == FW_PORT_INDEX_NONE)
		return -ENODEV;
	/* the address lives on one port; (address, protocol, port) is one VIP */
	if (index_get(st->idx, ikey(IK_ADDRESS, 0, def->addr), &i) &&
	    i != st->port_index[def->port_id])
		return -EEXIST;
	if (index_get(st->idx, ikey(IK_SERVICE, (uint32_t)def->proto << 16 | def->port, def->addr),
		      &i))
		return -EEXIST;
	/* Same (address, protocol, port) as a published VIP: same identity. */
	if (prev != NULL && prev->vip_hash != NULL) {
		struct fw_vip_key k = {.addr = def->addr,
				       .port = def->port,
				       .proto = def->proto,
				       .kind = FW_VK_SERVICE};
		void *data;

		if (rte_hash_lookup_data(prev->vip_hash, &k, &data) >= 0) {
			i = (uint32_t)(uintptr_t)data;
			if (i < prev->max_vips && i < st->max_vips && prev->vips[i].gen != 0 &&
			    st->vips[i].gen == 0)
				slot = (int)i;
		}
	}
	v = NULL;
	if (slot >= 0) {
		v = &st->vips[slot];
		v->gen = prev->vips[slot].gen;
	} else {
		slot = free_slot(st->max_vips, vip_used, st, prev, &st->dp->vip_hint);
		if (slot < 0)
			return slot;
		v = &st->vips[slot];
		v->gen = new_gen(st->dp);
	}
	if (index_put(st, ikey(IK_SERVICE, (uint32_t)def->proto << 16 | def->port, def->addr),
		      (uint32_t)slot) < 0 ||
	    index_put(st, ikey(IK_ADDRESS, 0, def->addr), st->port_index[def->port_id]) < 0) {
		v->gen = 0;
		return -ENOMEM;
	}
	v->addr = def->addr;
	v->proto = def->proto;
	v->port = def->port;
	v->mode = def->mode;
	v->hash = def->hash;
	v->port_index = st->port_index[def->port_id];
	v->flow_timeout = def->flow_timeout ? def->flow_timeout : DEFAULT_TIMEOUT;
	v->udp_timeout_s = def->udp_timeout_s;
	if (def->proto == IPPROTO_UDP) /* udp-timeout, else flow-timeout, else 30 s */
		v->flow_timeout = def->udp_timeout_s  ? def->udp_timeout_s
				  : def->flow_timeout ? def->flow_timeout
						      : DEFAULT_UDP_TIMEOUT;
	v->fin_timeout_s = def->fin_timeout_s ? def->fin_timeout_s : DEFAULT_FIN_TIMEOUT;
	v->tunnel_src = def->tunnel_src & fw_netmask(def->tunnel_src_len);
	v->tunnel_src_len = def->tunnel_src ? def->tunnel_src_len : 0;
	snprintf(v->name, sizeof(v->name), "%s", def->name);
	return slot;
}

int fw_state_add_backend(struct fw_state *st, int vip_slot, const struct fw_backend_def *def)
{
	const struct fw_state *prev = st->dp->current;
	struct fw_state_backend *b;
	struct fw_state_vip *v;
	uint16_t *nl;
	uint32_t i;
	int slot = -1;

	if (st->finalized || def->addr == 0)
		return -EINVAL;
	if (vip_slot < 0 || (uint32_t)vip_slot >= st->max_vips || st->vips[vip_slot].gen == 0)
		return -ENOENT;
	v = &st->vips[vip_slot];
	for (i = 0; i < v->nb_backends; i++)
		if (st->backends[v->backends[i]].addr == def->addr)
			return -EEXIST;
	/* The VIP kept its identity and had this address: the backend keeps its own. */
	if (prev != NULL && (uint32_t)vip_slot < prev->max_vips &&
	    prev->vips[vip_slot].gen == v->gen) {
		const struct fw_state_vip *pv = &prev->vips[vip_slot];

		for (i = 0; i < pv->nb_backends; i++) {
			uint16_t s = pv->backends[i];

			if (prev->backends[s].addr == def->addr && s < st->max_backends &&
			    st->backends[s].gen == 0) {
				slot = s;
				break;
			}
		}
	}
	if (slot >= 0) {
		b = &st->backends[slot];
		b->gen = prev->backends[slot].gen;
	} else {
		slot = free_slot(st->max_backends, be_used, st, prev, &st->dp->be_hint);
		if (slot < 0)
			return slot;
		b = &st->backends[slot];
		b->gen = new_gen(st->dp);
	}
	nl = realloc(v->backends, (v->nb_backends + 1) * sizeof(*nl));
	if (nl == NULL) {
		b->gen = 0;
		return -ENOMEM;
	}
	v->backends = nl;
	v->backends[v->nb_backends++] = (uint16_t)slot;
	b->vip = (uint16_t)vip_slot;
	b->addr = def->addr;
	b->weight = def->weight;
	b->up = def->up ? 1 : 0;
	snprintf(b->name, sizeof(b->name), "%s", def->name);
	return slot;
}

static const struct fw_state_neigh *neigh_find(const struct fw_state *st, uint32_t addr,
					       uint8_t port)
{
	uint32_t i;

	return index_get(st->idx, ikey(IK_NEIGH, port, addr), &i) ? &st->neighs[i] : NULL;
}

/* The connected route holding addr, or NULL. */
static const struct fw_state_route *connected_of(const struct fw_state *st, uint32_t addr)
{
	const struct fw_state_route *best = NULL;
	uint32_t i;

	for (i = 0; i < st->nb_routes; i++) {
		const struct fw_state_route *r = &st->routes[i];

		if (r->connected && (addr & fw_netmask(r->plen)) == r->prefix &&
		    (best == NULL || r->plen > best->plen))
			best = r;
	}
	return best;
}

int fw_state_route_lookup(const struct fw_state *st, uint32_t dst, uint32_t *nexthop,
			  uint8_t *port_index)
{
	const struct fw_state_route *r;
	uint32_t idx;

	if (st->lpm == NULL || rte_lpm_lookup(st->lpm, rte_be_to_cpu_32(dst), &idx) != 0)
		return -ENETUNREACH;
	r = &st->routes[idx];
	*nexthop = r->connected ? dst : r->gateway;
	*port_index = r->port;
	return 0;
}

static int same_routes(const struct fw_state *st, const struct fw_state *prev)
{
	uint32_t i;

	if (prev == NULL || prev->lpm == NULL || prev->lpm_refs == NULL ||
	    prev->nb_routes != st->nb_routes)
		return 0;
	for (i = 0; i < st->nb_routes; i++) {
		const struct fw_state_route *a = &st->routes[i], *b = &prev->routes[i];

		if (a->prefix != b->prefix || a->plen != b->plen || a->connected != b->connected ||
		    a->port != b->port || a->gateway != b->gateway)
			return 0;
	}
	return 1;
}

static int build_routes(struct fw_state *st)
{
	struct rte_lpm_config cfg = {0};
	char name[RTE_LPM_NAMESIZE];
	uint32_t i;
	int pass, rc;

	for (i = 0; i < st->nb_routes; i++) {
		struct fw_state_route *r = &st->routes[i];
		const struct fw_state_route *c;

		if (r->connected)
			continue;
		c = connected_of(st, r->gateway);
		if (c == NULL)
			return -EINVAL;
		r->port = c->port;
	}
	/* The same routes as the published state: share its table (a DPDK LPM is 64 MiB
	 * of tbl24, zeroed again when freed: building one per commit costs more than
	 * everything else a small commit does). */
	if (same_routes(st, st->dp->current)) {
		st->lpm = st->dp->current->lpm;
		st->lpm_refs = st->dp->current->lpm_refs;
		++*st->lpm_refs;
		return 0;
	}
	st->lpm_refs = malloc(sizeof(*st->lpm_refs));
	if (st->lpm_refs == NULL)
		return -ENOMEM;
	*st->lpm_refs = 1;
	cfg.max_rules = st->nb_routes + 2; /* a default route takes two rules */
	cfg.number_tbl8s = 256;
	snprintf(name, sizeof(name), "fwr%u", st->dp->name_seq++);
	st->lpm = rte_lpm_create(name, (int)rte_socket_id(), &cfg);
	if (st->lpm == NULL)
		return -(rte_errno ? rte_errno : ENOMEM);
	/* Static first, connected second: a connected prefix wins over the same static. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < st->nb_routes; i++) {
			const struct fw_state_route *r = &st->routes[i];

			if (r->connected != pass)
				continue;
			if (r->plen == 0) {
				/* rte_lpm takes depths 1..32: a default route is two /1 halves */
				rc = rte_lpm_add(st->lpm, 0, 1, i);
				if (rc == 0)
					rc = rte_lpm_add(st->lpm, 0x80000000u, 1, i);
			} else {
				rc = rte_lpm_add(st->lpm, rte_be_to_cpu_32(r->prefix), r->plen, i);
			}
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static void resolve_backend(struct fw_state *st, struct fw_state_backend *b)
{
	const struct fw_state_vip *v = &st->vips[b->vip];
	const struct fw_state_neigh *n;
	uint8_t port;

	b->resolved = 0;
	if (v->mode == FW_MODE_L2) {
		const struct fw_state_route *c = connected_of(st, b->addr);

		if (c == NULL || c->port != v->port_index)
			goto out;
		b->nexthop = b->addr;
		port = v->port_index;
	} else if (fw_state_route_lookup(st, b->addr, &b->nexthop, &port) != 0) {
		goto out;
	}
	b->port = port;
	if (v->mode == FW_MODE_L3 && v->tunnel_src_len == 0 && st->ports[port].nb_addrs == 0)
		goto out; /* no outer source address */
	n = neigh_find(st, b->nexthop, port);
	if (n != NULL) {
		b->mac = n->mac;
		b->resolved = 1;
	}
out:
	b->usable = b->up && b->resolved;
}

static int hash_add(struct fw_state *st, const struct fw_vip_key *k, uintptr_t data)
{
	return rte_hash_add_key_data(st->vip_hash, k, (void *)data);
}

/* The key is 8 bytes: one compare, where rte_hash's generic path calls memcmp. The
 * workers use vip_table (build_vip_table) instead. */
static int vip_key_cmp(const void *a, const void *b, size_t len)
{
	uint64_t x, y;

	(void)len;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x != y;
}

_Static_assert(sizeof(struct fw_vip_key) == sizeof(uint64_t), "vip_key_cmp compares 8 bytes");

/* vip_table: every key of vip_hash (its last value for a key added twice). */
static int build_vip_table(struct fw_state *st)
{
	uint32_t n = (uint32_t)rte_hash_count(st->vip_hash), size = 16, next = 0, i;
	const void *key;
	void *data;

	while (size < 2 * n)
		size <<= 1;
	st->vip_table = calloc(size, sizeof(*st->vip_table));
	if (st->vip_table == NULL)
		return -ENOMEM;
	st->vip_mask = size - 1;
	while (rte_hash_iterate(st->vip_hash, &key, &data, &next) >= 0) {
		uint64_t w;

		memcpy(&w, key, sizeof(w));
		i = rte_hash_crc_8byte(w, 0) & st->vip_mask;
		while (st->vip_table[i].key != 0)
			i = (i + 1) & st->vip_mask;
		st->vip_table[i].key = w;
		st->vip_table[i].data = (uintptr_t)data;
	}
	return 0;
}

static int build_vip_hash(struct fw_state *st)
{
	struct rte_hash_parameters hp = {0};
	char name[RTE_HASH_NAMESIZE];
	uint32_t i, n = 0;
	int rc;

	for (i = 0; i < st->max_vips; i++)
		n += st->vips[i].gen != 0;
	for (i = 0; i < st->nb_ports; i++)
		n += st->ports[i].nb_addrs;
	snprintf(name, sizeof(name), "fwv%u", st->dp->name_seq++);
	hp.name = name;
	hp.entries = n * 4 < 64 ? 64 : n * 4;
	hp.key_len = sizeof(struct fw_vip_key);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = (int)rte_socket_id();
	st->vip_hash = rte_hash_create(&hp);
	if (st->vip_hash == NULL)
		return -(rte_errno ? rte_errno : ENOMEM);
	rte_hash_set_cmp_func(st->vip_hash, vip_key_cmp);
	for (i = 0; i < st->nb_ports; i++) {
		uint8_t j;

		for (j = 0; j < st->ports[i].nb_addrs; j++) {
			struct fw_vip_key k = {.addr = st->ports[i].addrs[j],
					       .kind = FW_VK_ADDRESS};

			rc = hash_add(st, &k, i | FW_VK_SELF_BIT);
			if (rc < 0)
				return rc;
		}
	}
	for (i = 0; i < st->max_vips; i++) {
		const struct fw_state_vip *v = &st->vips[i];
		struct fw_vip_key k = {.addr = v->addr};
		void *data;

		if (v->gen == 0)
			continue;
		k.kind = FW_VK_SERVICE;
		k.proto = v->proto;
		k.port = v->port;
		rc = hash_add(st, &k, i);
		if (rc < 0)
			return rc;
		k.kind = FW_VK_ADDRESS;
		k.proto = 0;
		k.port = 0;
		if (rte_hash_lookup_data(st->vip_hash, &k, &data) >= 0 &&
		    ((uintptr_t)data & FW_VK_SELF_BIT))
			return -EEXIST; /* a VIP cannot be a self address */
		rc = hash_add(st, &k, v->port_index);
		if (rc < 0)
			return rc;
		if (v->hash != FW_HASH_ADDRESSES)
			continue;
		/* Non-first fragments carry no port: they go to the one addresses-hash
		 * VIP of (address, protocol); with two such VIPs nobody can tell. */
		k.kind = FW_VK_FRAGS;
		k.proto = v->proto;
		if (rte_hash_lookup_data(st->vip_hash, &k, &data) >= 0)
			rc = hash_add(st, &k, FW_SLOT_NONE);
		else
			rc = hash_add(st, &k, i);
		if (rc < 0)
			return rc;
	}
	return build_vip_table(st);
}

/*
 * The Maglev table of VIP slot i in the published state, when it was built from exactly
 * the input the new state's table would be (same VIP identity, same usable backends:
 * slot, address and weight, in the same order), else NULL. Then the table is copied
 * shared instead of built: a commit that changes one VIP of thousands, or a neighbour
 * or health event, would otherwise rebuild every unchanged table (about a millisecond
 * each), with the control thread blocked meanwhile; copying them was still 128 KiB per
 * VIP (1.3 GB of page faults and copies for 10 000 VIPs).
 */
static const uint16_t *same_maglev(const struct fw_state *st, uint32_t i,
				   const struct fw_maglev_backend *mb, uint32_t n)
{
	const struct fw_state *prev = st->dp->current;
	const struct fw_state_vip *v, *pv;
	uint32_t j, k = 0;

	if (prev == NULL || prev->maglev_size != st->maglev_size || i >= prev->max_vips ||
	    prev->max_backends != st->max_backends)
		return NULL;
	v = &st->vips[i];
	pv = &prev->vips[i];
	if (pv->gen != v->gen || pv->maglev == NULL)
		return NULL;
	for (j = 0; j < pv->nb_backends; j++) {
		const struct fw_state_backend *b = &prev->backends[pv->backends[j]];

		if (!b->usable)
			continue;
		if (k == n || mb[k].id != pv->backends[j] || mb[k].addr != b->addr ||
		    mb[k].weight != b->weight)
			return NULL;
		k++;
	}
	return k == n ? pv->maglev : NULL;
}

int fw_state_finalize(struct fw_state *st)
{
	struct fw_maglev_backend *mb = NULL;
	uint8_t shift = fw_flow_tick_shift(rte_get_tsc_hz());
	uint32_t i, j;
	int rc;

	if (st->finalized)
		return -EALREADY;
	rc = build_routes(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < st->max_backends; i++)
		if (st->backends[i].gen != 0)
			resolve_backend(st, &st->backends[i]);
	rc = build_vip_hash(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < st->max_vips; i++) {
		struct fw_state_vip *v = &st->vips[i];
		uint32_t n = 0;

		if (v->gen == 0)
			continue;
		v->timeout_ticks = fw_flow_ticks(rte_get_tsc_hz(), shift, v->flow_timeout);
		v->fin_ticks = fw_flow_ticks(rte_get_tsc_hz(), shift, v->fin_timeout_s);
		mb = realloc(mb, (v->nb_backends + 1) * sizeof(*mb));
		if (mb == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		for (j = 0; j < v->nb_backends; j++) {
			const struct fw_state_backend *b = &st->backends[v->backends[j]];

			if (!b->usable)
				continue; /* down or unresolved: never chosen */
			mb[n].addr = b->addr;
			mb[n].weight = b->weight;
			mb[n].id = v->backends[j];
			n++;
		}
		const uint16_t *same = same_maglev(st, i, mb, n);

		if (same != NULL) {
			v->maglev = maglev_share(same);
			continue;
		}
		v->maglev = maglev_new(st->maglev_size);
		if (v->maglev == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rc = fw_maglev_build(v->maglev, st->maglev_size, mb, n);
		if (rc < 0)
			goto out;
	}
	st->finalized = 1;
	rc = 0;
out:
	free(mb);
	index_free(st);
	return rc;
}

int fw_state_vip_slot(const struct fw_state *st, uint32_t addr, uint8_t proto, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < st->max_vips; i++) {
		const struct fw_state_vip *v = &st->vips[i];

		if (v->gen != 0 && v->addr == addr && v->proto == proto && v->port == port)
			return (int)i;
	}
	return -ENOENT;
}

int fw_state_is_vip_addr(const struct fw_state *st, uint32_t addr)
{
	for (uint32_t i = 0; i < st->max_vips; i++)
		if (st->vips[i].gen != 0 && st->vips[i].addr == addr)
			return 1;
	return 0;
}

int fw_state_backend_slot(const struct fw_state *st, int vip_slot, uint32_t addr)
{
	const struct fw_state_vip *v;
	uint32_t i;

	if (vip_slot < 0 || (uint32_t)vip_slot >= st->max_vips || st->vips[vip_slot].gen == 0)
		return -ENOENT;
	v = &st->vips[vip_slot];
	for (i = 0; i < v->nb_backends; i++)
		if (st->backends[v->backends[i]].addr == addr)
			return v->backends[i];
	return -ENOENT;
}

uint32_t fw_state_backend_share(const struct fw_state *st, int backend_slot)
{
	const struct fw_state_vip *v;
	uint32_t i, n = 0;

	if (backend_slot < 0 || (uint32_t)backend_slot >= st->max_backends ||
	    st->backends[backend_slot].gen == 0)
		return 0;
	v = &st->vips[st->backends[backend_slot].vip];
	if (v->maglev == NULL)
		return 0;
	for (i = 0; i < st->maglev_size; i++)
		n += v->maglev[i] == backend_slot;
	return n;
}
