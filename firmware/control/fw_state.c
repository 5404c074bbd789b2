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
#include <rte_lpm6.h>

/* A Maglev table holds indices into its VIP's backend list; the workers read its empty
 * entry as FW_SLOT_NONE, and every index of a full list is below it. */
_Static_assert(FW_MAGLEV_NONE == FW_SLOT_NONE, "Maglev's empty entry is FW_SLOT_NONE");
_Static_assert(FW_VIP_MAX_BACKENDS <= FW_MAGLEV_NONE, "a backend index fits a Maglev entry");
/* A backend slot fits a flow entry's backend word, and is never FW_BE_NONE. */
_Static_assert(FW_MAX_BACKENDS - 1 <= FW_FLOW_BE_MASK, "a backend slot fits a flow entry");
/* vip6_hash compares keys with memcmp: no padding byte may differ between equal keys. */
_Static_assert(sizeof(struct fw_vip6_key) == 20, "struct fw_vip6_key has no padding");

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
 * IPv6 keys do not fit in a word: they live in a second table of whole struct
 * fw_vip6_key (kind never 0 either), with the IK_ kinds and, for a neighbour, the port
 * index in .port.
 */
struct index6_ent {
	struct fw_vip6_key k; /* kind 0 = empty */
	uint32_t val;
};

struct fw_state_index {
	uint64_t *keys;
	uint32_t *vals;
	uint32_t cap, n; /* cap: a power of 2 */
	struct index6_ent *e6;
	uint32_t cap6, n6; /* cap6: a power of 2 */
};

/* IK_BACKEND: (VIP slot, backend address) -> backend slot, so that adding the n-th
 * backend of a VIP does not compare it with the n - 1 before it. */
enum { IK_SERVICE = 1, IK_ADDRESS = 2, IK_NEIGH = 3, IK_BACKEND = 4 };

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

static struct fw_state_index *index_of(struct fw_state *st)
{
	if (st->idx == NULL)
		st->idx = calloc(1, sizeof(*st->idx));
	return st->idx;
}

static int index_put(struct fw_state *st, uint64_t k, uint32_t val)
{
	struct fw_state_index *x = index_of(st);
	uint32_t i;

	if (x == NULL)
		return -ENOMEM;
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
		free(x->keys);
		free(x->vals);
		x->keys = y.keys; /* the v6 table stays as it is */
		x->vals = y.vals;
		x->cap = y.cap;
	}
	for (i = ihash(x, k); x->keys[i] != 0 && x->keys[i] != k; i = (i + 1) & (x->cap - 1))
		;
	if (x->keys[i] == 0)
		x->n++;
	x->keys[i] = k;
	x->vals[i] = val;
	return 0;
}

static struct fw_vip6_key ikey6(unsigned int kind, uint16_t port, uint8_t proto,
				const struct fw_ip6 *addr)
{
	struct fw_vip6_key k = {.addr = *addr, .port = port, .proto = proto, .kind = (uint8_t)kind};

	return k;
}

static uint32_t ihash6(uint32_t cap, const struct fw_vip6_key *k)
{
	return rte_hash_crc(k, sizeof(*k), 0) & (cap - 1);
}

static int index6_get(const struct fw_state_index *x, const struct fw_vip6_key *k, uint32_t *val)
{
	uint32_t i;

	if (x == NULL || x->cap6 == 0)
		return 0;
	for (i = ihash6(x->cap6, k); x->e6[i].k.kind != 0; i = (i + 1) & (x->cap6 - 1)) {
		if (memcmp(&x->e6[i].k, k, sizeof(*k)) == 0) {
			*val = x->e6[i].val;
			return 1;
		}
	}
	return 0;
}

static int index6_put(struct fw_state *st, const struct fw_vip6_key *k, uint32_t val)
{
	struct fw_state_index *x = index_of(st);
	uint32_t i;

	if (x == NULL)
		return -ENOMEM;
	if ((x->n6 + 1) * 2 > x->cap6) {
		uint32_t cap = x->cap6 ? x->cap6 * 2 : 256;
		struct index6_ent *e = calloc(cap, sizeof(*e));

		if (e == NULL)
			return -ENOMEM;
		for (i = 0; i < x->cap6; i++) {
			uint32_t j;

			if (x->e6[i].k.kind == 0)
				continue;
			for (j = ihash6(cap, &x->e6[i].k); e[j].k.kind != 0;
			     j = (j + 1) & (cap - 1))
				;
			e[j] = x->e6[i];
		}
		free(x->e6);
		x->e6 = e;
		x->cap6 = cap;
	}
	for (i = ihash6(x->cap6, k);
	     x->e6[i].k.kind != 0 && memcmp(&x->e6[i].k, k, sizeof(*k)) != 0;
	     i = (i + 1) & (x->cap6 - 1))
		;
	if (x->e6[i].k.kind == 0)
		x->n6++;
	x->e6[i].k = *k;
	x->e6[i].val = val;
	return 0;
}

static void index_free(struct fw_state *st)
{
	if (st->idx != NULL) {
		free(st->idx->keys);
		free(st->idx->vals);
		free(st->idx->e6);
		free(st->idx);
		st->idx = NULL;
	}
}

/* ---- IPv6 address arithmetic ---- */

static int ip6_is_zero(const struct fw_ip6 *a)
{
	static const struct fw_ip6 zero;

	return fw_ip6_eq(a, &zero);
}

/* a with the bits past plen cleared. */
static struct fw_ip6 ip6_prefix(const struct fw_ip6 *a, uint8_t plen)
{
	struct fw_ip6 p = {0};
	unsigned int i;

	for (i = 0; i < 16 && plen > 0; i++) {
		uint8_t bits = plen >= 8 ? 8 : plen;

		p.b[i] = a->b[i] & (uint8_t)(0xff00u >> bits);
		plen -= bits;
	}
	return p;
}

static int ip6_in(const struct fw_ip6 *a, const struct fw_ip6 *prefix, uint8_t plen)
{
	struct fw_ip6 p = ip6_prefix(a, plen);

	return fw_ip6_eq(&p, prefix);
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
	free(st->routes6);
	free(st->neighs6);
	if (st->vip6_hash != NULL)
		rte_hash_free(st->vip6_hash);
	free(st->vip6_table);
	if (st->lpm6 != NULL && (st->lpm6_refs == NULL || --*st->lpm6_refs == 0)) {
		rte_lpm6_free(st->lpm6);
		free(st->lpm6_refs);
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
	/* RFC 4291 2.5.1 and appendix A: fe80::/64, interface id from the MAC with the
	 * universal/local bit inverted and ff:fe in the middle. */
	p->link_local.b[0] = 0xfe;
	p->link_local.b[1] = 0x80;
	p->link_local.b[8] = def->mac.addr_bytes[0] ^ 0x02;
	p->link_local.b[9] = def->mac.addr_bytes[1];
	p->link_local.b[10] = def->mac.addr_bytes[2];
	p->link_local.b[11] = 0xff;
	p->link_local.b[12] = 0xfe;
	p->link_local.b[13] = def->mac.addr_bytes[3];
	p->link_local.b[14] = def->mac.addr_bytes[4];
	p->link_local.b[15] = def->mac.addr_bytes[5];
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

static int route6_push(struct fw_state *st, const struct fw_state_route6 *r)
{
	uint32_t i;

	for (i = 0; i < st->nb_routes6; i++) {
		if (fw_ip6_eq(&st->routes6[i].prefix, &r->prefix) &&
		    st->routes6[i].plen == r->plen && st->routes6[i].connected == r->connected)
			return -EEXIST;
	}
	if (st->nb_routes6 == st->routes6_cap) {
		uint32_t cap = st->routes6_cap ? st->routes6_cap * 2 : 16;
		struct fw_state_route6 *n = realloc(st->routes6, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		st->routes6 = n;
		st->routes6_cap = cap;
	}
	st->routes6[st->nb_routes6++] = *r;
	return 0;
}

int fw_state_add_address6(struct fw_state *st, uint16_t port_id, const struct fw_ip6 *addr,
			  uint8_t plen)
{
	struct fw_state_route6 r = {0};
	struct fw_state_port *p;
	uint8_t i, pi;
	int rc;

	/* not ::, not multicast (ff00::/8): neither can be an interface address */
	if (st->finalized || plen > 128 || ip6_is_zero(addr) || addr->b[0] == 0xff)
		return -EINVAL;
	if (port_id >= RTE_MAX_ETHPORTS || st->port_index[port_id] == FW_PORT_INDEX_NONE)
		return -ENODEV;
	pi = st->port_index[port_id];
	p = &st->ports[pi];
	for (i = 0; i < st->nb_ports; i++) {
		uint8_t j;

		for (j = 0; j < st->ports[i].nb_addrs6; j++)
			if (fw_ip6_eq(&st->ports[i].addrs6[j], addr))
				return -EEXIST;
	}
	if (p->nb_addrs6 >= FW_STATE_MAX_ADDRS)
		return -ENOSPC;
	p->addrs6[p->nb_addrs6] = *addr;
	p->plens6[p->nb_addrs6] = plen;
	p->nb_addrs6++;
	r.prefix = ip6_prefix(addr, plen);
	r.plen = plen;
	r.connected = 1;
	r.port = pi;
	rc = route6_push(st, &r);
	return rc == -EEXIST ? 0 : rc; /* two addresses in one subnet: one route */
}

int fw_state_add_route6(struct fw_state *st, const struct fw_ip6 *prefix, uint8_t plen,
			const struct fw_ip6 *gateway)
{
	struct fw_state_route6 r = {0};

	if (st->finalized || plen > 128 || ip6_is_zero(gateway) || gateway->b[0] == 0xff)
		return -EINVAL;
	r.prefix = ip6_prefix(prefix, plen);
	if (!fw_ip6_eq(&r.prefix, prefix))
		return -EINVAL; /* host bits set */
	r.plen = plen;
	r.gateway = *gateway;
	return route6_push(st, &r);
}

int fw_state_add_neighbour6(struct fw_state *st, uint16_t port_id, const struct fw_ip6 *addr,
			    const struct rte_ether_addr *mac)
{
	struct fw_vip6_key k;
	uint32_t i;
	uint8_t pi;

	if (st->finalized || ip6_is_zero(addr) || addr->b[0] == 0xff)
		return -EINVAL;
	if (port_id >= RTE_MAX_ETHPORTS || st->port_index[port_id] == FW_PORT_INDEX_NONE)
		return -ENODEV;
	pi = st->port_index[port_id];
	k = ikey6(IK_NEIGH, pi, 0, addr);
	if (index6_get(st->idx, &k, &i))
		return -EEXIST;
	if (st->nb_neighs6 == st->neighs6_cap) {
		uint32_t cap = st->neighs6_cap ? st->neighs6_cap * 2 : 16;
		struct fw_state_neigh6 *n = realloc(st->neighs6, cap * sizeof(*n));

		if (n == NULL)
			return -ENOMEM;
		st->neighs6 = n;
		st->neighs6_cap = cap;
	}
	if (index6_put(st, &k, st->nb_neighs6) < 0)
		return -ENOMEM;
	st->neighs6[st->nb_neighs6].addr = *addr;
	st->neighs6[st->nb_neighs6].port = pi;
	st->neighs6[st->nb_neighs6].mac = *mac;
	st->nb_neighs6++;
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

/* Slot `inherited` (>= 0: the published state's VIP of the same key) with its
 * generation, or a free slot with a fresh one. Returns the slot or -ENOSPC. */
static int vip_take(struct fw_state *st, int inherited)
{
	const struct fw_state *prev = st->dp->current;
	int slot = inherited;

	if (slot >= 0) {
		st->vips[slot].gen = prev->vips[slot].gen;
		return slot;
	}
	slot = free_slot(st->max_vips, vip_used, st, prev, &st->dp->vip_hint);
	if (slot >= 0)
		st->vips[slot].gen = new_gen(st->dp);
	return slot;
}

/* The published slot of the VIP key k in map h (vip_hash or vip6_hash) when st may
 * inherit it, else -1. */
static int vip_inherited(const struct fw_state *st, const struct rte_hash *h, const void *k)
{
	const struct fw_state *prev = st->dp->current;
	void *data;
	uint32_t i;

	if (h == NULL || rte_hash_lookup_data(h, k, &data) < 0)
		return -1;
	i = (uint32_t)(uintptr_t)data;
	if (i < prev->max_vips && i < st->max_vips && prev->vips[i].gen != 0 &&
	    st->vips[i].gen == 0)
		return (int)i;
	return -1;
}

/* What both families share. */
static void vip_set(struct fw_state *st, struct fw_state_vip *v, const struct fw_vip_def *def)
{
	v->family = def->family;
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
	snprintf(v->name, sizeof(v->name), "%s", def->name);
}

static int add_vip6(struct fw_state *st, const struct fw_vip_def *def)
{
	const struct fw_state *prev = st->dp->current;
	struct fw_vip6_key svc = ikey6(IK_SERVICE, def->port, def->proto, &def->addr6);
	struct fw_vip6_key adr = ikey6(IK_ADDRESS, 0, 0, &def->addr6);
	struct fw_state_vip *v;
	uint32_t i;
	int slot;

	if (ip6_is_zero(&def->addr6) || def->addr6.b[0] == 0xff || def->tunnel_src6_len > 128)
		return -EINVAL;
	/* the address lives on one port; (address, protocol, port) is one VIP */
	if (index6_get(st->idx, &adr, &i) && i != st->port_index[def->port_id])
		return -EEXIST;
	if (index6_get(st->idx, &svc, &i))
		return -EEXIST;
	if (prev != NULL) {
		struct fw_vip6_key k = {.addr = def->addr6,
					.port = def->port,
					.proto = def->proto,
					.kind = FW_VK_SERVICE};

		slot = vip_inherited(st, prev->vip6_hash, &k);
	} else {
		slot = -1;
	}
	slot = vip_take(st, slot);
	if (slot < 0)
		return slot;
	v = &st->vips[slot];
	if (index6_put(st, &svc, (uint32_t)slot) < 0 ||
	    index6_put(st, &adr, st->port_index[def->port_id]) < 0) {
		v->gen = 0;
		return -ENOMEM;
	}
	vip_set(st, v, def);
	v->addr = 0;
	v->tunnel_src = 0;
	v->tunnel_src_len = 0;
	v->addr6 = def->addr6;
	/* no prefix (or length 0): the port's first global address, chosen at finalize */
	v->tunnel_src6_len = ip6_is_zero(&def->tunnel_src6) ? 0 : def->tunnel_src6_len;
	v->tunnel_src6 = ip6_prefix(&def->tunnel_src6, v->tunnel_src6_len);
	return slot;
}

int fw_state_add_vip(struct fw_state *st, const struct fw_vip_def *def)
{
	const struct fw_state *prev = st->dp->current;
	struct fw_state_vip *v;
	uint32_t i;
	int slot = -1;

	if (st->finalized || (def->proto != IPPROTO_TCP && def->proto != IPPROTO_UDP) ||
	    def->mode > FW_MODE_L3 || def->hash > FW_HASH_ADDRESSES || def->family > FW_AF_INET6)
		return -EINVAL;
	if (def->family == FW_AF_INET6) {
		if (def->port_id >= RTE_MAX_ETHPORTS ||
		    st->port_index[def->port_id] == FW_PORT_INDEX_NONE)
			return -ENODEV;
		return add_vip6(st, def);
	}
	if (def->addr == 0 || def->tunnel_src_len > 32)
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
	if (prev != NULL) {
		struct fw_vip_key k = {.addr = def->addr,
				       .port = def->port,
				       .proto = def->proto,
				       .kind = FW_VK_SERVICE};

		slot = vip_inherited(st, prev->vip_hash, &k);
	}
	slot = vip_take(st, slot);
	if (slot < 0)
		return slot;
	v = &st->vips[slot];
	if (index_put(st, ikey(IK_SERVICE, (uint32_t)def->proto << 16 | def->port, def->addr),
		      (uint32_t)slot) < 0 ||
	    index_put(st, ikey(IK_ADDRESS, 0, def->addr), st->port_index[def->port_id]) < 0) {
		v->gen = 0;
		return -ENOMEM;
	}
	vip_set(st, v, def);
	v->addr = def->addr;
	v->tunnel_src = def->tunnel_src & fw_netmask(def->tunnel_src_len);
	v->tunnel_src_len = def->tunnel_src ? def->tunnel_src_len : 0;
	return slot;
}

/* Whether b is the backend def names (same family and address). */
static int be_is(const struct fw_state_backend *b, const struct fw_backend_def *def)
{
	if (def->family == FW_AF_INET6)
		return b->family == FW_AF_INET6 && fw_ip6_eq(&b->addr6, &def->addr6);
	return b->family == FW_AF_INET && b->addr == def->addr;
}

int fw_state_add_backend(struct fw_state *st, int vip_slot, const struct fw_backend_def *def)
{
	const struct fw_state *prev = st->dp->current;
	struct fw_state_backend *b;
	struct fw_state_vip *v;
	struct fw_vip6_key k6;
	uint32_t *nl;
	uint32_t i;
	int slot = -1;

	if (st->finalized || def->family > FW_AF_INET6 ||
	    (def->family == FW_AF_INET ? def->addr == 0
				       : ip6_is_zero(&def->addr6) || def->addr6.b[0] == 0xff))
		return -EINVAL;
	if (vip_slot < 0 || (uint32_t)vip_slot >= st->max_vips || st->vips[vip_slot].gen == 0)
		return -ENOENT;
	v = &st->vips[vip_slot];
	if (def->family != v->family)
		return -EINVAL; /* a VIP's backends are of its family */
	if (v->nb_backends >= FW_VIP_MAX_BACKENDS)
		return -E2BIG;
	if (def->family == FW_AF_INET6) {
		k6 = ikey6(IK_BACKEND, (uint16_t)vip_slot, 0, &def->addr6);
		if (index6_get(st->idx, &k6, &i))
			return -EEXIST;
	} else if (index_get(st->idx, ikey(IK_BACKEND, (uint32_t)vip_slot, def->addr), &i)) {
		return -EEXIST;
	}
	/* The VIP kept its identity and had this address: the backend keeps its own. */
	if (prev != NULL && (uint32_t)vip_slot < prev->max_vips &&
	    prev->vips[vip_slot].gen == v->gen) {
		const struct fw_state_vip *pv = &prev->vips[vip_slot];

		for (i = 0; i < pv->nb_backends; i++) {
			uint32_t s = pv->backends[i];

			if (be_is(&prev->backends[s], def) && s < st->max_backends &&
			    st->backends[s].gen == 0) {
				slot = (int)s;
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
		/* Flow entries keep the generation modulo 2^10 (fw_flow.h): one equal to
		 * the slot's published occupant's would let the new backend take over that
		 * one's flows at once. */
		if (prev != NULL && (uint32_t)slot < prev->max_backends &&
		    prev->backends[slot].gen != 0 &&
		    ((b->gen ^ prev->backends[slot].gen) & FW_FLOW_GEN_MASK) == 0)
			b->gen = new_gen(st->dp);
	}
	nl = realloc(v->backends, (v->nb_backends + 1) * sizeof(*nl));
	if (nl == NULL || (def->family == FW_AF_INET6
				   ? index6_put(st, &k6, (uint32_t)slot)
				   : index_put(st, ikey(IK_BACKEND, (uint32_t)vip_slot, def->addr),
					       (uint32_t)slot)) < 0) {
		if (nl != NULL)
			v->backends = nl;
		b->gen = 0;
		return -ENOMEM;
	}
	v->backends = nl;
	v->backends[v->nb_backends++] = (uint32_t)slot;
	b->vip = (uint16_t)vip_slot;
	b->family = def->family;
	b->addr = def->family == FW_AF_INET ? def->addr : 0;
	b->addr6 = def->family == FW_AF_INET6 ? def->addr6 : (struct fw_ip6){{0}};
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

/* The connected v6 route holding addr, or NULL. */
static const struct fw_state_route6 *connected6_of(const struct fw_state *st,
						   const struct fw_ip6 *addr)
{
	const struct fw_state_route6 *best = NULL;
	uint32_t i;

	for (i = 0; i < st->nb_routes6; i++) {
		const struct fw_state_route6 *r = &st->routes6[i];

		if (r->connected && ip6_in(addr, &r->prefix, r->plen) &&
		    (best == NULL || r->plen > best->plen))
			best = r;
	}
	return best;
}

int fw_state_route6_lookup(const struct fw_state *st, const struct fw_ip6 *dst,
			   struct fw_ip6 *nexthop, uint8_t *port_index)
{
	const struct fw_state_route6 *r;
	uint32_t idx;

	if (st->lpm6 == NULL || rte_lpm6_lookup(st->lpm6, dst->b, &idx) != 0)
		return -ENETUNREACH;
	r = &st->routes6[idx];
	*nexthop = r->connected ? *dst : r->gateway;
	*port_index = r->port;
	return 0;
}

static int same_routes6(const struct fw_state *st, const struct fw_state *prev)
{
	uint32_t i;

	if (prev == NULL || prev->lpm6 == NULL || prev->lpm6_refs == NULL ||
	    prev->nb_routes6 != st->nb_routes6)
		return 0;
	for (i = 0; i < st->nb_routes6; i++) {
		const struct fw_state_route6 *a = &st->routes6[i], *b = &prev->routes6[i];

		if (!fw_ip6_eq(&a->prefix, &b->prefix) || a->plen != b->plen ||
		    a->connected != b->connected || a->port != b->port ||
		    !fw_ip6_eq(&a->gateway, &b->gateway))
			return 0;
	}
	return 1;
}

/* rte_lpm6 as for v4 (its tbl24 is 64 MiB as well: shared while the routes are the
 * same). No v6 route: lpm6 stays NULL. */
static int build_routes6(struct fw_state *st)
{
	struct rte_lpm6_config cfg = {0};
	char name[RTE_LPM6_NAMESIZE];
	uint32_t i, tbl8s = 16;
	int pass, rc;

	for (i = 0; i < st->nb_routes6; i++) {
		struct fw_state_route6 *r = &st->routes6[i];
		const struct fw_state_route6 *c;

		/* a rule deeper than 24 bits takes a tbl8 group per further byte */
		tbl8s += r->plen > 24 ? (r->plen - 24 + 7) / 8 : 0;
		if (r->connected)
			continue;
		c = connected6_of(st, &r->gateway);
		if (c == NULL)
			return -EINVAL;
		r->port = c->port;
	}
	if (st->nb_routes6 == 0)
		return 0;
	if (same_routes6(st, st->dp->current)) {
		st->lpm6 = st->dp->current->lpm6;
		st->lpm6_refs = st->dp->current->lpm6_refs;
		++*st->lpm6_refs;
		return 0;
	}
	st->lpm6_refs = malloc(sizeof(*st->lpm6_refs));
	if (st->lpm6_refs == NULL)
		return -ENOMEM;
	*st->lpm6_refs = 1;
	cfg.max_rules = st->nb_routes6 + 2; /* a default route takes two rules */
	cfg.number_tbl8s = tbl8s;
	snprintf(name, sizeof(name), "fwr6_%u", st->dp->name_seq++);
	st->lpm6 = rte_lpm6_create(name, (int)rte_socket_id(), &cfg);
	if (st->lpm6 == NULL)
		return -(rte_errno ? rte_errno : ENOMEM);
	/* Static first, connected second: a connected prefix wins over the same static. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < st->nb_routes6; i++) {
			const struct fw_state_route6 *r = &st->routes6[i];

			if (r->connected != pass)
				continue;
			if (r->plen == 0) {
				/* rte_lpm6 takes depths 1..128: ::/0 is two /1 halves */
				struct fw_ip6 hi = {{0x80}};

				rc = rte_lpm6_add(st->lpm6, r->prefix.b, 1, i);
				if (rc == 0)
					rc = rte_lpm6_add(st->lpm6, hi.b, 1, i);
			} else {
				rc = rte_lpm6_add(st->lpm6, r->prefix.b, r->plen, i);
			}
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static const struct fw_state_neigh6 *neigh6_find(const struct fw_state *st,
						 const struct fw_ip6 *addr, uint8_t port)
{
	struct fw_vip6_key k = ikey6(IK_NEIGH, port, 0, addr);
	uint32_t i;

	return index6_get(st->idx, &k, &i) ? &st->neighs6[i] : NULL;
}

static void resolve_backend6(struct fw_state *st, struct fw_state_backend *b)
{
	const struct fw_state_vip *v = &st->vips[b->vip];
	const struct fw_state_neigh6 *n;
	uint8_t port;

	b->resolved = 0;
	if (v->mode == FW_MODE_L2) {
		const struct fw_state_route6 *c = connected6_of(st, &b->addr6);

		if (c == NULL || c->port != v->port_index)
			goto out;
		b->nexthop6 = b->addr6;
		port = v->port_index;
	} else if (fw_state_route6_lookup(st, &b->addr6, &b->nexthop6, &port) != 0) {
		goto out;
	}
	b->port = port;
	if (v->mode == FW_MODE_L3 && v->tunnel_src6_len == 0 && st->ports[port].nb_addrs6 == 0)
		goto out; /* no outer source address */
	n = neigh6_find(st, &b->nexthop6, port);
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
		n += st->vips[i].gen != 0 && st->vips[i].family == FW_AF_INET;
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

		if (v->gen == 0 || v->family != FW_AF_INET)
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

static int hash6_add(struct fw_state *st, const struct fw_vip6_key *k, uintptr_t data)
{
	return rte_hash_add_key_data(st->vip6_hash, k, (void *)data);
}

/* vip6_table: every key of vip6_hash (its last value for a key added twice). */
static int build_vip6_table(struct fw_state *st)
{
	uint32_t n = (uint32_t)rte_hash_count(st->vip6_hash), size = 16, next = 0, i;
	const void *key;
	void *data;

	while (size < 2 * n)
		size <<= 1;
	st->vip6_table = calloc(size, sizeof(*st->vip6_table));
	if (st->vip6_table == NULL)
		return -ENOMEM;
	st->vip6_mask = size - 1;
	while (rte_hash_iterate(st->vip6_hash, &key, &data, &next) >= 0) {
		const struct fw_vip6_key *k = key;

		i = fw_vip6_key_hash(k) & st->vip6_mask;
		while (st->vip6_table[i].key.kind != 0)
			i = (i + 1) & st->vip6_mask;
		st->vip6_table[i].key = *k;
		st->vip6_table[i].data = (uint32_t)(uintptr_t)data;
	}
	return 0;
}

/*
 * The IPv6 VIP map: the same keys and data as vip_hash (FW_VK_SERVICE -> VIP slot,
 * FW_VK_ADDRESS -> port index | FW_VK_SELF_BIT for a self address, FW_VK_FRAGS ->
 * VIP slot or FW_SLOT_NONE), with every port's link-local address as a self address
 * too. Workers read its copy vip6_table (build_vip6_table, fw_state_vip6_find). NULL when the state has no global v6
 * self address and no v6 VIP: then nothing v6 is Tula's.
 */
static int build_vip6_hash(struct fw_state *st)
{
	struct rte_hash_parameters hp = {0};
	char name[RTE_HASH_NAMESIZE];
	uint32_t i, n = 0, v6 = 0;
	int rc;

	for (i = 0; i < st->max_vips; i++)
		v6 += st->vips[i].gen != 0 && st->vips[i].family == FW_AF_INET6;
	for (i = 0; i < st->nb_ports; i++)
		n += st->ports[i].nb_addrs6;
	if (v6 == 0 && n == 0)
		return 0;
	n += st->nb_ports + 3 * v6; /* link-locals; service, address and fragment keys */
	snprintf(name, sizeof(name), "fwv6_%u", st->dp->name_seq++);
	hp.name = name;
	hp.entries = n * 2 < 64 ? 64 : n * 2;
	hp.key_len = sizeof(struct fw_vip6_key);
	hp.hash_func = rte_hash_crc;
	hp.socket_id = (int)rte_socket_id();
	st->vip6_hash = rte_hash_create(&hp);
	if (st->vip6_hash == NULL)
		return -(rte_errno ? rte_errno : ENOMEM);
	for (i = 0; i < st->nb_ports; i++) {
		struct fw_vip6_key k = {.addr = st->ports[i].link_local, .kind = FW_VK_ADDRESS};
		uint8_t j;

		rc = hash6_add(st, &k, i | FW_VK_SELF_BIT);
		for (j = 0; rc >= 0 && j < st->ports[i].nb_addrs6; j++) {
			k.addr = st->ports[i].addrs6[j];
			rc = hash6_add(st, &k, i | FW_VK_SELF_BIT);
		}
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < st->max_vips; i++) {
		const struct fw_state_vip *v = &st->vips[i];
		struct fw_vip6_key k = {.addr = v->addr6};
		void *data;

		if (v->gen == 0 || v->family != FW_AF_INET6)
			continue;
		k.kind = FW_VK_SERVICE;
		k.proto = v->proto;
		k.port = v->port;
		rc = hash6_add(st, &k, i);
		if (rc < 0)
			return rc;
		k.kind = FW_VK_ADDRESS;
		k.proto = 0;
		k.port = 0;
		if (rte_hash_lookup_data(st->vip6_hash, &k, &data) >= 0 &&
		    ((uintptr_t)data & FW_VK_SELF_BIT))
			return -EEXIST; /* a VIP cannot be a self address */
		rc = hash6_add(st, &k, v->port_index);
		if (rc < 0)
			return rc;
		if (v->hash != FW_HASH_ADDRESSES)
			continue;
		/* As for v4: fragments after the first go to the one addresses-hash VIP of
		 * (address, protocol), or nowhere when two claim them. */
		k.kind = FW_VK_FRAGS;
		k.proto = v->proto;
		if (rte_hash_lookup_data(st->vip6_hash, &k, &data) >= 0)
			rc = hash6_add(st, &k, FW_SLOT_NONE);
		else
			rc = hash6_add(st, &k, i);
		if (rc < 0)
			return rc;
	}
	return build_vip6_table(st);
}

/*
 * The Maglev table of VIP slot i in the published state, when it was built from exactly
 * the input the new state's table would be (same VIP identity, same usable backends:
 * index in the VIP's list, slot, address and weight, in the same order), else NULL. Then the table is copied
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
		/* the table holds index j: it must name the same slot in both states */
		if (k == n || mb[k].id != j || j >= v->nb_backends ||
		    v->backends[j] != pv->backends[j] || mb[k].addr != b->addr ||
		    mb[k].weight != b->weight || mb[k].family != b->family ||
		    memcmp(mb[k].addr6, b->addr6.b, sizeof(mb[k].addr6)) != 0)
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
	rc = build_routes6(st);
	if (rc < 0)
		return rc;
	for (i = 0; i < st->max_backends; i++) {
		if (st->backends[i].gen == 0)
			continue;
		if (st->backends[i].family == FW_AF_INET6)
			resolve_backend6(st, &st->backends[i]);
		else
			resolve_backend(st, &st->backends[i]);
	}
	rc = build_vip_hash(st);
	if (rc < 0)
		return rc;
	rc = build_vip6_hash(st);
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
			mb[n].family = b->family;
			memcpy(mb[n].addr6, b->addr6.b, sizeof(mb[n].addr6));
			mb[n].weight = b->weight;
			mb[n].id = (uint16_t)j; /* the worker maps it through v->backends */
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

		if (v->gen != 0 && v->family == FW_AF_INET && v->addr == addr &&
		    v->proto == proto && v->port == port)
			return (int)i;
	}
	return -ENOENT;
}

int fw_state_vip6_slot(const struct fw_state *st, const struct fw_ip6 *addr, uint8_t proto,
		       uint16_t port)
{
	uint32_t i;

	for (i = 0; i < st->max_vips; i++) {
		const struct fw_state_vip *v = &st->vips[i];

		if (v->gen != 0 && v->family == FW_AF_INET6 && fw_ip6_eq(&v->addr6, addr) &&
		    v->proto == proto && v->port == port)
			return (int)i;
	}
	return -ENOENT;
}

int fw_state_is_vip_addr(const struct fw_state *st, uint32_t addr)
{
	for (uint32_t i = 0; i < st->max_vips; i++)
		if (st->vips[i].gen != 0 && st->vips[i].family == FW_AF_INET &&
		    st->vips[i].addr == addr)
			return 1;
	return 0;
}

int fw_state_is_vip6_addr(const struct fw_state *st, const struct fw_ip6 *addr)
{
	for (uint32_t i = 0; i < st->max_vips; i++)
		if (st->vips[i].gen != 0 && st->vips[i].family == FW_AF_INET6 &&
		    fw_ip6_eq(&st->vips[i].addr6, addr))
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
		if (st->backends[v->backends[i]].family == FW_AF_INET &&
		    st->backends[v->backends[i]].addr == addr)
			return v->backends[i];
	return -ENOENT;
}

int fw_state_backend6_slot(const struct fw_state *st, int vip_slot, const struct fw_ip6 *addr)
{
	const struct fw_state_vip *v;
	uint32_t i;

	if (vip_slot < 0 || (uint32_t)vip_slot >= st->max_vips || st->vips[vip_slot].gen == 0)
		return -ENOENT;
	v = &st->vips[vip_slot];
	for (i = 0; i < v->nb_backends; i++) {
		const struct fw_state_backend *b = &st->backends[v->backends[i]];

		if (b->family == FW_AF_INET6 && fw_ip6_eq(&b->addr6, addr))
			return v->backends[i];
	}
	return -ENOENT;
}

int fw_state_vip_shares(const struct fw_state *st, int vip_slot, uint32_t *counts)
{
	const struct fw_state_vip *v;
	uint32_t i;

	if (vip_slot < 0 || (uint32_t)vip_slot >= st->max_vips || st->vips[vip_slot].gen == 0)
		return -ENOENT;
	v = &st->vips[vip_slot];
	memset(counts, 0, v->nb_backends * sizeof(*counts));
	if (v->maglev == NULL)
		return 0;
	/* entries are indexes into v->backends (FW_MAGLEV_NONE: no usable backend) */
	for (i = 0; i < st->maglev_size; i++)
		if (v->maglev[i] < v->nb_backends)
			counts[v->maglev[i]]++;
	return 0;
}

uint32_t fw_state_backend_share(const struct fw_state *st, int backend_slot)
{
	const struct fw_state_vip *v;
	uint32_t i, j, n = 0;

	if (backend_slot < 0 || (uint32_t)backend_slot >= st->max_backends ||
	    st->backends[backend_slot].gen == 0)
		return 0;
	v = &st->vips[st->backends[backend_slot].vip];
	if (v->maglev == NULL)
		return 0;
	for (j = 0; j < v->nb_backends && v->backends[j] != (uint32_t)backend_slot; j++)
		;
	if (j == v->nb_backends)
		return 0;
	for (i = 0; i < st->maglev_size; i++)
		n += v->maglev[i] == j;
	return n;
}
