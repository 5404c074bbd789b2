/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware's control side (see fw_ctl.h for the whole picture).
 *
 * Ports are opened in the commit's prepare phase, because a device that cannot be
 * opened must fail the commit with the device's own reason and leave nothing half
 * applied; they are closed in apply, after the state that no longer polls them has been
 * published and every worker has gone quiescent. Everything the kernel must know
 * (TAP addresses, static routes, a permanent neighbour per VIP pointing at the port's
 * MAC so probes to a VIP leave through the TAP) is brought in line in apply too, by
 * diffing what was installed against what the new configuration wants.
 */
#include "firmware/control/fw_ctl.h"

#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db.h"
#include "firmware/control/fw_dp.h"
#include "firmware/control/fw_ndp.h"
#include "firmware/control/fw_port.h"
#include "firmware/fw_state.h"
#include "firmware/control/fw_tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mempool.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define MAX_PORTS	 FW_STATE_MAX_PORTS
#define MAX_KADDRS	 64 /* self addresses installed on TAPs, all ports */
#define MAX_KROUTES	 256
#define MAX_KNEIGH	 1024
#define PUNT_BURST	 64
#define PUNT_POLL_MIN_MS 1  /* while Tula exchanges traffic of its own */
#define PUNT_POLL_MAX_MS 16 /* when idle */

struct ctl_port {
	struct fw_ctl *ctl; /* back pointer for the TAP's loop callback */
	int used;
	char name[FW_STATE_NAME_MAX]; /* configuration name */
	char devargs[256];
	uint16_t mtu_cfg; /* configured MTU (0 = the device's) */
	struct fw_port_info info;
	struct fw_tap *tap;
	/* during a commit */
	int pending;			  /* opened by the prepare in progress */
	int keep;			  /* the new configuration uses it */
	uint16_t mtu_old;		  /* MTU before prepare changed it (0 = unchanged) */
	char new_name[FW_STATE_NAME_MAX]; /* name in the new configuration */
};

struct kaddr {
	uint8_t port; /* index in ctl->ports */
	uint8_t plen;
	uint32_t addr;
};

struct kroute {
	uint8_t port;
	uint8_t plen;
	uint32_t dst, gw;
};

struct kneigh {
	uint8_t port;
	uint32_t addr;
};

/* The IPv6 side of what the kernel was told (sync_kernel6). */
struct kaddr6 {
	uint8_t port;
	uint8_t plen;
	struct fw_ip6 addr;
};

struct kroute6 {
	uint8_t port;
	uint8_t plen;
	struct fw_ip6 dst, gw;
};

struct kneigh6 {
	uint8_t port;
	struct fw_ip6 addr;
};

struct health {
	char vip[FW_STATE_NAME_MAX];
	uint32_t addr;	     /* FW_AF_INET */
	uint8_t family;	     /* enum fw_family */
	struct fw_ip6 addr6; /* FW_AF_INET6 */
};

struct fw_ctl {
	struct tula_loop *loop;
	struct db *db;
	struct fw_dp *dp;
	uint16_t nb_queues;
	struct fw_neigh *neigh;
	struct fw_neigh *neigh6; /* IPv6 backends and next hops (Neighbor Discovery) */
	struct ctl_port ports[MAX_PORTS];

	struct fw_state *pending; /* built by prepare, published by apply */
	int in_commit;

	/* what the kernel was told (see the file comment) */
	struct kaddr kaddrs[MAX_KADDRS];
	unsigned int nb_kaddrs;
	struct kroute kroutes[MAX_KROUTES];
	unsigned int nb_kroutes;
	struct kneigh kneigh[MAX_KNEIGH];
	unsigned int nb_kneigh;
	struct kaddr6 kaddrs6[MAX_KADDRS];
	unsigned int nb_kaddrs6;
	struct kroute6 kroutes6[MAX_KROUTES];
	unsigned int nb_kroutes6;
	struct kneigh6 kneigh6[MAX_KNEIGH];
	unsigned int nb_kneigh6;
	uint8_t tap_ipv6[MAX_PORTS]; /* IPv6 enabled on the port's TAP */

	struct health *down; /* backends marked down by health checks */
	size_t nb_down, cap_down;
	/* down[] by (VIP, address): index + 1, open addressing (linear probing, at most
	 * half full): each rebuild of the state asks for every backend, and 20 000
	 * backends against 20 000 down ones must not be a product; NULL = scan down[] */
	uint32_t *down_idx;
	size_t down_mask;
	struct fw_ctl_steer *steer; /* [65536] by probe source port; be_addr 0 = none */
	fw_ctl_arp_fn arp_fn;
	fw_ctl_ndp_fn ndp_fn;
	void *ndp_arg;
	void *arp_arg;

	struct tula_timer *punt_timer;
	uint32_t punt_ms; /* current punt-ring poll interval */
	struct tula_timer *rebuild_timer;
	struct fw_ctl_stats stats;
};

static const struct db_hook hook;
static void want_neighbours6(struct fw_ctl *ctl, const struct fw_state *st);
static void sync_kernel6(struct fw_ctl *ctl, const struct fw_state *st);
static void forget_kernel6(struct fw_ctl *ctl, int port);
static void punted_ndp(struct fw_ctl *ctl, struct rte_mbuf *m);
static int kernel6_filter(struct fw_ctl *ctl, struct ctl_port *p, struct rte_mbuf *m);
static int solicit6(void *arg, uint16_t port_id, const struct fw_ip6 *ip,
		    const struct rte_ether_addr *hint);

/* ---- small helpers ------------------------------------------------------------------ */

static struct ctl_port *port_by_id(struct fw_ctl *ctl, uint16_t port_id)
{
	for (int i = 0; i < MAX_PORTS; i++)
		if (ctl->ports[i].used && ctl->ports[i].info.port_id == port_id)
			return &ctl->ports[i];
	return NULL;
}

static int port_index(const struct fw_ctl *ctl, const struct ctl_port *p)
{
	return (int)(p - ctl->ports);
}

const char *fw_ctl_port_name(const struct fw_ctl *ctl, uint16_t port_id)
{
	for (int i = 0; i < MAX_PORTS; i++)
		if (ctl->ports[i].used && !ctl->ports[i].pending &&
		    ctl->ports[i].info.port_id == port_id)
			return ctl->ports[i].name;
	return NULL;
}

struct fw_neigh *fw_ctl_neigh(struct fw_ctl *ctl)
{
	return ctl->neigh;
}

struct fw_neigh *fw_ctl_neigh6(struct fw_ctl *ctl)
{
	return ctl->neigh6;
}

struct fw_dp *fw_ctl_dp(struct fw_ctl *ctl)
{
	return ctl->dp;
}

void fw_ctl_stats(const struct fw_ctl *ctl, struct fw_ctl_stats *out)
{
	*out = ctl->stats;
}

size_t fw_ctl_ports(const struct fw_ctl *ctl, void (*fn)(void *arg, const struct fw_ctl_port *p),
		    void *arg)
{
	size_t n = 0;

	for (int i = 0; i < MAX_PORTS; i++) {
		const struct ctl_port *cp = &ctl->ports[i];
		struct fw_ctl_port p;

		if (!cp->used || cp->pending)
			continue;
		p.name = cp->name;
		p.devargs = cp->devargs;
		p.tap = cp->tap ? fw_tap_name(cp->tap) : "";
		p.port_id = cp->info.port_id;
		p.mtu = cp->info.mtu;
		p.mac = cp->info.mac;
		p.nb_queues = cp->info.nb_rxq;
		p.rss_hf = cp->info.rss_hf;
		p.reta_size = cp->info.reta_size;
		p.socket = cp->info.socket;
		p.pool_size = cp->info.pool_size;
		p.pool_avail = cp->info.pool ? rte_mempool_avail_count(cp->info.pool) : 0;
		p.tx_ip_cksum_offload = cp->info.tx_ip_cksum_offload;
		p.tx_multi_seg = cp->info.tx_multi_seg;
		p.rx_ip_cksum_offload = cp->info.rx_ip_cksum_offload;
		fn(arg, &p);
		n++;
	}
	return n;
}

/* Where an error goes: the commit in progress, or the log for event-driven rebuilds. */
struct build {
	struct fw_ctl *ctl;
	struct db_commit *c; /* NULL when rebuilding outside a commit */
	int errors;
};

static void __attribute__((format(printf, 3, 4)))
build_error(struct build *b, const char *path, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->errors++;
	if (b->c != NULL)
		db_commit_error(b->c, path, "%s", msg);
	else
		TLOG_ERR("forwarding state rebuild: [%s] %s", path, msg);
}

/* ---- data-path limits ------------------------------------------------------------- */

/* A `system data-path` leaf: as set, else the schema's default. */
static uint32_t dp_leaf(const struct db_node *dpn, const char *leaf)
{
	const struct db_snode *sn = db_snode_child(db_schema_root(), "system");
	uint64_t v = 0;
	uint32_t u;

	if (dpn != NULL && db_get_uint(dpn, leaf, &u) == 0)
		return u;
	sn = sn != NULL ? db_snode_child(sn, "data-path") : NULL;
	sn = sn != NULL ? db_snode_child(sn, leaf) : NULL;
	if (sn != NULL && db_snode_default(sn) != NULL)
		db_parse_uint(db_snode_default(sn), UINT32_MAX, &v);
	return (uint32_t)v;
}

void fw_ctl_limits(const struct db_node *cfg, struct fw_ctl_limits *out)
{
	const struct db_node *dpn = cfg != NULL ? db_node_get(cfg, "system data-path") : NULL;

	out->flows_per_worker = dp_leaf(dpn, "flows-per-worker");
	out->max_vips = dp_leaf(dpn, "max-vips");
	out->max_backends = dp_leaf(dpn, "max-backends");
	out->new_flow_rate = dp_leaf(dpn, "new-flow-rate");
	out->idle_sleep_us = dp_leaf(dpn, "idle-sleep");
}

void fw_ctl_limits_in_force(const struct fw_ctl *ctl, struct fw_ctl_limits *out)
{
	const struct fw_dp_conf *dc = fw_dp_conf(ctl->dp);
	const struct fw_state *st = fw_dp_state(ctl->dp);

	out->flows_per_worker = dc->flow_entries;
	out->max_vips = dc->max_vips;
	out->max_backends = dc->max_backends;
	out->new_flow_rate = st != NULL					    ? st->new_flow_rate
			     : dc->new_flow_rate == FW_DP_NEW_FLOW_UNCAPPED ? 0
									    : dc->new_flow_rate;
	out->idle_sleep_us = st != NULL ? st->idle_sleep_us : dc->idle_sleep_us;
}

/*
 * snprintf(dst, size, "%s%s%s", a, b, c) without the format machinery: check_limits and
 * add_vips name every VIP and backend this way on each commit (five calls per VIP).
 */
static void join3(char *dst, size_t size, const char *a, const char *b, const char *c)
{
	const char *part[3] = {a, b, c};
	size_t n = 0;

	for (int i = 0; i < 3; i++)
		for (const char *s = part[i]; *s != '\0' && n + 1 < size; s++)
			dst[n++] = *s;
	dst[n] = '\0';
}

/*
 * Sizes fixed at start: a change is accepted and announced as waiting for a restart;
 * more VIPs or backends than the sizes in force fail the commit, naming the limit. So
 * do more than FW_VIP_MAX_BACKENDS backends on one VIP, whatever max-backends says.
 */
static int check_limits(struct fw_ctl *ctl, struct db_commit *c, const struct db_node *cfg)
{
	static const char why[] = "takes effect at the next restart (tables are sized when "
				  "the data path starts)";
	const struct db_node *dsr = db_node_get(cfg, "services dsr");
	struct fw_ctl_limits want, now;
	uint32_t nv = 0, nb = 0;
	int errors = 0;

	fw_ctl_limits(cfg, &want);
	fw_ctl_limits_in_force(ctl, &now);
	if (want.flows_per_worker != now.flows_per_worker)
		db_commit_warning(c, "system data-path flows-per-worker",
				  "%s: %u in force until then", why, now.flows_per_worker);
	if (want.max_vips != now.max_vips)
		db_commit_warning(c, "system data-path max-vips", "%s: %u in force until then", why,
				  now.max_vips);
	if (want.max_backends != now.max_backends)
		db_commit_warning(c, "system data-path max-backends", "%s: %u in force until then",
				  why, now.max_backends);
	for (const struct db_node *v = dsr ? db_node_first(dsr, "vip") : NULL; v;
	     v = db_node_next(v)) {
		char path[160];
		uint32_t k = 0;

		join3(path, sizeof(path), "services dsr vip ", db_node_key(v), "");
		if (++nv == now.max_vips + 1) {
			db_commit_error(
				c, path, "more VIPs than system data-path max-vips (%u in force%s)",
				now.max_vips,
				want.max_vips != now.max_vips ? "; a new value needs a restart"
							      : "");
			errors++;
		}
		for (const struct db_node *be = db_node_first(v, "backend"); be;
		     be = db_node_next(be))
			k++;
		if (k > FW_VIP_MAX_BACKENDS) {
			db_commit_error(c, path,
					"%u backends: one VIP has at most %u (its Maglev table "
					"holds 16-bit indices into the VIP's backends)",
					k, FW_VIP_MAX_BACKENDS);
			errors++;
		}
		if (nb < now.max_backends + 1 && nb + k > now.max_backends) {
			db_commit_error(c, path,
					"more backends than system data-path max-backends (%u in "
					"force over all VIPs%s)",
					now.max_backends,
					want.max_backends != now.max_backends
						? "; a new value needs a restart"
						: "");
			errors++;
		}
		nb += k;
	}
	return errors ? -EINVAL : 0;
}

/* ---- health and steering ---------------------------------------------------------- */

static int is_down_entry(const struct health *h, const char *vip, uint8_t family, uint32_t addr,
			 const struct fw_ip6 *addr6)
{
	if (h->family != family || strcmp(h->vip, vip) != 0)
		return 0;
	return family == FW_AF_INET6 ? fw_ip6_eq(&h->addr6, addr6) : h->addr == addr;
}

static long find_down(const struct fw_ctl *ctl, const char *vip, uint8_t family, uint32_t addr,
		      const struct fw_ip6 *addr6)
{
	size_t k;

	if (ctl->nb_down == 0)
		return -1;
	if (ctl->down_idx == NULL) {
		for (size_t i = 0; i < ctl->nb_down; i++)
			if (is_down_entry(&ctl->down[i], vip, family, addr, addr6))
				return (long)i;
		return -1;
	}
	for (k = fw_ctl_backend_hash(vip, family, addr, addr6) & ctl->down_mask;
	     ctl->down_idx[k] != 0; k = (k + 1) & ctl->down_mask)
		if (is_down_entry(&ctl->down[ctl->down_idx[k] - 1], vip, family, addr, addr6))
			return (long)ctl->down_idx[k] - 1;
	return -1;
}

static size_t down_slot_of(const struct fw_ctl *ctl, size_t i)
{
	const struct health *h = &ctl->down[i];
	size_t k = fw_ctl_backend_hash(h->vip, h->family, h->addr, &h->addr6) & ctl->down_mask;

	while (ctl->down_idx[k] != i + 1)
		k = (k + 1) & ctl->down_mask;
	return k;
}

/* Empty slot k of the index, moving later entries of its run back so that every
 * entry stays reachable from its home slot. */
static void unindex_down(struct fw_ctl *ctl, size_t k)
{
	size_t j = k, mask = ctl->down_mask;

	ctl->down_idx[k] = 0;
	for (;;) {
		const struct health *h;
		size_t home;

		j = (j + 1) & mask;
		if (ctl->down_idx[j] == 0)
			return;
		h = &ctl->down[ctl->down_idx[j] - 1];
		home = fw_ctl_backend_hash(h->vip, h->family, h->addr, &h->addr6) & mask;
		/* the entry at j may fill k unless its home lies cyclically in (k, j] */
		if (j > k ? (home <= k || home > j) : (home <= k && home > j)) {
			ctl->down_idx[k] = ctl->down_idx[j];
			ctl->down_idx[j] = 0;
			k = j;
		}
	}
}

/* Rebuild the index of down[] (at most half full); without memory, find_down scans. */
static void index_down(struct fw_ctl *ctl)
{
	size_t size = 16;

	free(ctl->down_idx);
	ctl->down_idx = NULL;
	while (size < 2 * ctl->nb_down)
		size *= 2;
	ctl->down_idx = calloc(size, sizeof(*ctl->down_idx));
	if (ctl->down_idx == NULL)
		return;
	ctl->down_mask = size - 1;
	for (size_t i = 0; i < ctl->nb_down; i++) {
		const struct health *h = &ctl->down[i];
		size_t k =
			fw_ctl_backend_hash(h->vip, h->family, h->addr, &h->addr6) & ctl->down_mask;

		while (ctl->down_idx[k] != 0)
			k = (k + 1) & ctl->down_mask;
		ctl->down_idx[k] = (uint32_t)i + 1;
	}
}

int fw_ctl_backend_up(const struct fw_ctl *ctl, const char *vip, uint32_t addr)
{
	return find_down(ctl, vip, FW_AF_INET, addr, NULL) < 0;
}

int fw_ctl_backend6_up(const struct fw_ctl *ctl, const char *vip, const struct fw_ip6 *addr)
{
	return find_down(ctl, vip, FW_AF_INET6, 0, addr) < 0;
}

static void schedule_rebuild(struct fw_ctl *ctl)
{
	if (!tula_timer_armed(ctl->rebuild_timer))
		tula_timer_arm(ctl->rebuild_timer, 0, 0);
}

static int set_down(struct fw_ctl *ctl, const char *vip, uint8_t family, uint32_t addr,
		    const struct fw_ip6 *addr6, int up)
{
	long i = find_down(ctl, vip, family, addr, addr6);

	if (up && i >= 0) {
		size_t last = ctl->nb_down - 1;

		if (ctl->down_idx != NULL)
			unindex_down(ctl, down_slot_of(ctl, (size_t)i));
		if ((size_t)i != last) {
			if (ctl->down_idx != NULL)
				ctl->down_idx[down_slot_of(ctl, last)] = (uint32_t)i + 1;
			ctl->down[i] = ctl->down[last];
		}
		ctl->nb_down--;
		schedule_rebuild(ctl);
	} else if (!up && i < 0) {
		struct health *h;

		if (ctl->nb_down == ctl->cap_down) {
			size_t cap = ctl->cap_down ? ctl->cap_down * 2 : 16;
			struct health *d = realloc(ctl->down, cap * sizeof(*d));

			if (d == NULL)
				return -ENOMEM;
			ctl->down = d;
			ctl->cap_down = cap;
		}
		h = &ctl->down[ctl->nb_down++];
		memset(h, 0, sizeof(*h));
		snprintf(h->vip, FW_STATE_NAME_MAX, "%s", vip);
		h->family = family;
		if (family == FW_AF_INET6)
			h->addr6 = *addr6;
		else
			h->addr = addr;
		if (ctl->down_idx == NULL || 2 * ctl->nb_down > ctl->down_mask + 1) {
			index_down(ctl); /* doubles it */
		} else {
			size_t k = fw_ctl_backend_hash(vip, family, addr, addr6) & ctl->down_mask;

			while (ctl->down_idx[k] != 0)
				k = (k + 1) & ctl->down_mask;
			ctl->down_idx[k] = (uint32_t)ctl->nb_down;
		}
		schedule_rebuild(ctl);
	}
	return 0;
}

int fw_ctl_set_backend_up(struct fw_ctl *ctl, const char *vip, uint32_t addr, int up)
{
	return set_down(ctl, vip, FW_AF_INET, addr, NULL, up);
}

int fw_ctl_set_backend6_up(struct fw_ctl *ctl, const char *vip, const struct fw_ip6 *addr, int up)
{
	return set_down(ctl, vip, FW_AF_INET6, 0, addr, up);
}

void fw_ctl_steer(struct fw_ctl *ctl, uint16_t sport, const struct fw_ctl_steer *target)
{
	if (target != NULL)
		ctl->steer[sport] = *target;
	else
		memset(&ctl->steer[sport], 0, sizeof(ctl->steer[sport]));
}

void fw_ctl_ndp_observer(struct fw_ctl *ctl, fw_ctl_ndp_fn fn, void *arg)
{
	ctl->ndp_fn = fn;
	ctl->ndp_arg = arg;
}

void fw_ctl_arp_observer(struct fw_ctl *ctl, fw_ctl_arp_fn fn, void *arg)
{
	ctl->arp_fn = fn;
	ctl->arp_arg = arg;
}

const struct fw_state *fw_ctl_state(const struct fw_ctl *ctl)
{
	return fw_dp_state(ctl->dp);
}

/* ---- compiling a configuration into a forwarding state ------------------------------ */

/* The port an interface name designates in the configuration being built. */
static struct ctl_port *port_named(struct fw_ctl *ctl, const char *name, int pending)
{
	for (int i = 0; i < MAX_PORTS; i++) {
		struct ctl_port *p = &ctl->ports[i];

		if (!p->used)
			continue;
		if (pending ? (p->keep && strcmp(p->new_name, name) == 0)
			    : (!p->pending && strcmp(p->name, name) == 0))
			return p;
	}
	return NULL;
}

/* The interface whose connected subnet holds addr (either family), when exactly one
 * does. */
static const char *iface_for(const struct db_node *cfg, const struct db_addr *addr, int *count)
{
	const char *found = NULL;

	*count = 0;
	for (const struct db_node *i = db_node_first(cfg, "interfaces"); i; i = db_node_next(i)) {
		for (const struct db_node *a = db_node_first(i, "address"); a;
		     a = db_node_next(a)) {
			struct db_addr net;
			uint8_t plen;

			if (db_node_addr_prefix(a, &net, &plen) < 0)
				continue;
			if (db_addr_in(addr, &net, plen)) {
				found = db_node_key(i);
				(*count)++;
				break;
			}
		}
	}
	return found;
}

/* The configuration's address types and the state's: the same bytes, network order. */
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

static int add_ports(struct build *b, struct fw_state *st, const struct db_node *cfg, int pending)
{
	for (const struct db_node *i = db_node_first(cfg, "interfaces"); i; i = db_node_next(i)) {
		const char *name = db_node_key(i);
		struct ctl_port *p = port_named(b->ctl, name, pending);
		struct fw_port_def def = {0};
		char path[128];
		int rc;

		snprintf(path, sizeof(path), "interfaces %s", name);
		if (p == NULL) {
			build_error(b, path, "interface is not open");
			continue;
		}
		def.port_id = p->info.port_id;
		def.mac = p->info.mac;
		def.mtu = p->info.mtu;
		def.nb_queues = p->info.nb_rxq;
		def.tx_ip_cksum_offload = p->info.tx_ip_cksum_offload;
		def.tx_multi_seg = p->info.tx_multi_seg;
		def.rx_ip_cksum_offload = p->info.rx_ip_cksum_offload;
		snprintf(def.name, sizeof(def.name), "%s", name);
		rc = fw_state_add_port(st, &def);
		if (rc < 0) {
			build_error(b, path, "cannot add port: %s", strerror(-rc));
			continue;
		}
		for (const struct db_node *a = db_node_first(i, "address"); a;
		     a = db_node_next(a)) {
			struct db_addr addr;
			uint8_t plen;

			if (db_node_addr_prefix(a, &addr, &plen) < 0)
				continue;
			if (addr.family == AF_INET6) {
				struct fw_ip6 a6 = to_ip6(&addr);

				rc = fw_state_add_address6(st, def.port_id, &a6, plen);
			} else {
				rc = fw_state_add_address(st, def.port_id, to_ip4(&addr), plen);
			}
			if (rc < 0)
				build_error(b, path, "address %s: %s", db_node_key(a),
					    rc == -ENOSPC ? "too many addresses on one port"
							  : strerror(-rc));
		}
	}
	return b->errors ? -EINVAL : 0;
}

static void add_routes(struct build *b, struct fw_state *st, const struct db_node *cfg)
{
	const struct db_node *st_routes = db_node_get(cfg, "routing-options static");

	if (st_routes == NULL)
		return;
	for (const struct db_node *r = db_node_first(st_routes, "route"); r; r = db_node_next(r)) {
		struct db_addr gw, dst;
		uint8_t plen;
		char path[128];
		int rc;

		snprintf(path, sizeof(path), "routing-options static route %s", db_node_key(r));
		if (db_node_addr_prefix(r, &dst, &plen) < 0 ||
		    db_get_addr(r, "next-hop", &gw) < 0 || gw.family != dst.family) {
			build_error(
				b, path,
				"route needs a destination prefix and a next-hop of its family");
			continue;
		}
		if (dst.family == AF_INET6) {
			struct fw_ip6 d6 = to_ip6(&dst), g6 = to_ip6(&gw);

			rc = fw_state_add_route6(st, &d6, plen, &g6);
		} else {
			rc = fw_state_add_route(st, to_ip4(&dst), plen, to_ip4(&gw));
		}
		if (rc < 0)
			build_error(b, path, "%s", strerror(-rc));
	}
}

struct neigh_add {
	struct fw_state *st;
};

static void add_one_neigh(void *arg, const struct fw_neigh_entry *e)
{
	struct neigh_add *na = arg;

	if (e->state == FW_NEIGH_REACHABLE || e->state == FW_NEIGH_PROBE)
		fw_state_add_neighbour(na->st, e->port, e->ip, &e->mac);
}

static void add_one_neigh6(void *arg, const struct fw_neigh_entry *e)
{
	struct neigh_add *na = arg;

	if (e->state == FW_NEIGH_REACHABLE || e->state == FW_NEIGH_STALE ||
	    e->state == FW_NEIGH_PROBE)
		fw_state_add_neighbour6(na->st, e->port, &e->ip6, &e->mac);
}

static void add_vips(struct build *b, struct fw_state *st, const struct db_node *cfg, int pending)
{
	const struct db_node *dsr = db_node_get(cfg, "services dsr");

	if (dsr == NULL)
		return;
	for (const struct db_node *v = db_node_first(dsr, "vip"); v; v = db_node_next(v)) {
		const char *name = db_node_key(v), *s;
		struct fw_vip_def def = {0};
		struct db_addr a, pfx;
		uint8_t plen;
		struct ctl_port *p;
		char path[160];
		uint32_t u;
		int slot, n;

		join3(path, sizeof(path), "services dsr vip ", name, "");
		join3(def.name, sizeof(def.name), name, "", "");
		if (db_get_addr(v, "address", &a) < 0) {
			build_error(b, path, "a VIP needs an address");
			continue;
		}
		if (a.family == AF_INET6) {
			def.family = FW_AF_INET6;
			def.addr6 = to_ip6(&a);
		} else {
			def.addr = to_ip4(&a);
		}
		s = db_get_str(v, "protocol");
		def.proto = s != NULL && strcmp(s, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
		if (db_get_port(v, "port", &def.port) < 0) {
			build_error(b, path, "a VIP needs a port");
			continue;
		}
		s = db_get_str(v, "mode");
		def.mode = s != NULL && strcmp(s, "l3") == 0 ? FW_MODE_L3 : FW_MODE_L2;
		s = db_get_str(v, "hash");
		def.hash = s != NULL && strcmp(s, "addresses") == 0 ? FW_HASH_ADDRESSES
								    : FW_HASH_FIVE_TUPLE;
		if (db_get_uint(v, "flow-timeout", &u) == 0)
			def.flow_timeout = u;
		if (db_get_uint(v, "fin-timeout", &u) == 0)
			def.fin_timeout_s = u;
		if (db_get_uint(v, "udp-timeout", &u) == 0)
			def.udp_timeout_s = u;
		/* of the VIP's family: validation refused anything else */
		if (db_get_addr_prefix(v, "tunnel-source", &pfx, &plen) == 0 &&
		    pfx.family == a.family) {
			if (a.family == AF_INET6) {
				def.tunnel_src6 = to_ip6(&pfx);
				def.tunnel_src6_len = plen;
			} else {
				def.tunnel_src = to_ip4(&pfx);
				def.tunnel_src_len = plen;
			}
		}

		s = db_get_str(v, "interface");
		if (s == NULL) {
			s = iface_for(cfg, &a, &n);
			if (n != 1) {
				const struct db_node *only = db_node_first(cfg, "interfaces");

				if (db_node_count(cfg, "interfaces") == 1 && only != NULL) {
					s = db_node_key(only);
				} else {
					build_error(b, path,
						    "cannot tell which interface the VIP lives on: "
						    "set interface");
					continue;
				}
			}
		}
		p = port_named(b->ctl, s, pending);
		if (p == NULL) {
			build_error(b, path, "interface %s is not configured", s);
			continue;
		}
		def.port_id = p->info.port_id;
		slot = fw_state_add_vip(st, &def);
		if (slot < 0) {
			build_error(b, path, "%s",
				    slot == -ENOSPC ? "more VIPs than system data-path max-vips"
				    : slot == -EEXIST
					    ? "another VIP has the same address, protocol "
					      "and port"
					    : strerror(-slot));
			continue;
		}
		for (const struct db_node *be = db_node_first(v, "backend"); be;
		     be = db_node_next(be)) {
			struct fw_backend_def bd = {0};
			struct db_addr ba;
			char bpath[224];
			int rc;

			join3(bpath, sizeof(bpath), path, " backend ", db_node_key(be));
			join3(bd.name, sizeof(bd.name), db_node_key(be), "", "");
			if (db_get_addr(be, "address", &ba) < 0) {
				build_error(b, bpath, "a backend needs an address");
				continue;
			}
			if (ba.family != a.family) {
				build_error(b, bpath, "a backend is of its VIP's family");
				continue;
			}
			bd.weight = db_get_uint(be, "weight", &u) == 0 ? u : 100;
			if (ba.family == AF_INET6) {
				bd.family = FW_AF_INET6;
				bd.addr6 = to_ip6(&ba);
				bd.up = fw_ctl_backend6_up(b->ctl, name, &bd.addr6) ? 1 : 0;
			} else {
				bd.addr = to_ip4(&ba);
				bd.up = fw_ctl_backend_up(b->ctl, name, bd.addr) ? 1 : 0;
			}
			rc = fw_state_add_backend(st, slot, &bd);
			if (rc < 0)
				build_error(b, bpath, "%s",
					    rc == -ENOSPC  ? "more backends than system data-path "
							     "max-backends"
					    : rc == -E2BIG ? "more backends than one VIP can hold"
					    : rc == -EEXIST
						    ? "the same address is already a backend "
						      "of this VIP"
						    : strerror(-rc));
		}
	}
}

/*
 * Build a complete forwarding state for cfg (an effective tree). pending selects the
 * port names of the commit in progress. Returns 0 with *out, or -EINVAL with errors
 * reported through b.
 */
static int compile(struct build *b, const struct db_node *cfg, int pending, struct fw_state **out)
{
	struct fw_state *st = fw_state_new(b->ctl->dp);
	struct neigh_add na = {st};
	struct fw_ctl_limits lim;
	int rc;

	*out = NULL;
	if (st == NULL) {
		build_error(b, "", "cannot allocate a forwarding state: %s", strerror(errno));
		return -ENOMEM;
	}
	fw_ctl_limits(cfg, &lim);
	st->new_flow_rate = lim.new_flow_rate;
	st->idle_sleep_us = lim.idle_sleep_us;
	if (add_ports(b, st, cfg, pending) < 0)
		goto fail;
	add_routes(b, st, cfg);
	fw_neigh_walk(b->ctl->neigh, add_one_neigh, &na);
	fw_neigh_walk(b->ctl->neigh6, add_one_neigh6, &na);
	add_vips(b, st, cfg, pending);
	if (b->errors)
		goto fail;
	rc = fw_state_finalize(st);
	if (rc < 0) {
		build_error(b, rc == -EINVAL ? "routing-options static" : "",
			    "cannot build the forwarding state: %s",
			    rc == -EINVAL ? "a static route's next hop is not on a connected subnet"
			    : rc == -EEXIST ? "a VIP address is also one of Tula's own addresses"
					    : strerror(-rc));
		goto fail;
	}
	*out = st;
	return 0;
fail:
	fw_state_free(st);
	return -EINVAL;
}

/* ---- the wire: ARP frames the control side sends ---------------------------------- */

/* The control side's mbufs come from the data path's pool (fw_dp_conf.pool). */
static struct rte_mempool *ctl_pool(const struct fw_ctl *ctl)
{
	return fw_dp_conf(ctl->dp)->pool;
}

static struct rte_mbuf *arp_frame(const struct fw_ctl *ctl, uint16_t op,
				  const struct rte_ether_addr *src,
				  const struct rte_ether_addr *dst, uint32_t sip, uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctl_pool(ctl));
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(eth, 0, sizeof(*eth) + sizeof(*arp));
	memset(&eth->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	if (dst != NULL)
		eth->dst_addr = *dst;
	eth->src_addr = *src;
	eth->ether_type = htons(RTE_ETHER_TYPE_ARP);
	arp = (struct rte_arp_hdr *)(eth + 1);
	arp->arp_hardware = htons(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = htons(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = htons(op);
	arp->arp_data.arp_sha = *src;
	arp->arp_data.arp_sip = sip;
	if (dst != NULL && op == RTE_ARP_OP_REPLY)
		arp->arp_data.arp_tha = *dst;
	arp->arp_data.arp_tip = tip;
	return m;
}

static void punt_soon(struct fw_ctl *ctl);

static int send_raw(struct fw_ctl *ctl, uint16_t port_id, struct rte_mbuf *m)
{
	int rc;

	if (m == NULL) {
		ctl->stats.dropped++;
		return -ENOMEM;
	}
	rc = fw_dp_inject_raw(ctl->dp, port_id, m);
	if (rc < 0) {
		rte_pktmbuf_free(m);
		ctl->stats.dropped++;
		return rc;
	}
	ctl->stats.injected++;
	punt_soon(ctl);
	return 0;
}

/* The self address on the port that shares a subnet with ip (or its first one). */
static uint32_t source_for(const struct fw_ctl *ctl, uint8_t port, uint32_t ip)
{
	uint32_t first = 0;

	for (unsigned int i = 0; i < ctl->nb_kaddrs; i++) {
		const struct kaddr *k = &ctl->kaddrs[i];

		if (k->port != port)
			continue;
		if (((k->addr ^ ip) & fw_netmask(k->plen)) == 0)
			return k->addr;
		if (first == 0)
			first = k->addr;
	}
	return first;
}

int fw_ctl_arp_request(struct fw_ctl *ctl, uint16_t port_id, uint32_t tip)
{
	struct ctl_port *p = port_by_id(ctl, port_id);

	if (p == NULL)
		return -ENODEV;
	ctl->stats.arp_requests++;
	return send_raw(ctl, port_id,
			arp_frame(ctl, RTE_ARP_OP_REQUEST, &p->info.mac, NULL,
				  source_for(ctl, (uint8_t)port_index(ctl, p), tip), tip));
}

int fw_ctl_ns_request(struct fw_ctl *ctl, uint16_t port_id, const struct fw_ip6 *target)
{
	const struct fw_state *st = fw_dp_state(ctl->dp);
	struct ctl_port *p = port_by_id(ctl, port_id);
	struct rte_mbuf *m;
	struct fw_ip6 src;
	int pi;
	void *buf;

	if (p == NULL || st == NULL)
		return -ENODEV;
	pi = port_index(ctl, p);
	if (pi < 0 || pi >= st->nb_ports)
		return -ENODEV;
	fw_ndp_source(&st->ports[pi], target, &src);
	m = rte_pktmbuf_alloc(ctl_pool(ctl));
	if (m == NULL)
		return send_raw(ctl, port_id, NULL);
	buf = rte_pktmbuf_append(m, FW_NDP_FRAME_LEN);
	if (buf == NULL ||
	    fw_ndp_build_ns(buf, FW_NDP_FRAME_LEN, &p->info.mac, NULL, &src, target) == 0) {
		rte_pktmbuf_free(m);
		return send_raw(ctl, port_id, NULL);
	}
	return send_raw(ctl, port_id, m);
}

static int solicit(void *arg, uint16_t port_id, uint32_t ip, const struct rte_ether_addr *hint)
{
	struct fw_ctl *ctl = arg;
	struct ctl_port *p = port_by_id(ctl, port_id);

	if (p == NULL)
		return -ENODEV;
	ctl->stats.arp_requests++;
	return send_raw(ctl, port_id,
			arp_frame(ctl, RTE_ARP_OP_REQUEST, &p->info.mac, hint,
				  source_for(ctl, (uint8_t)port_index(ctl, p), ip), ip));
}

/* Gratuitous ARP (a request for the address itself, RFC 5227 announcement). */
static void garp(struct fw_ctl *ctl, uint16_t port_id, const struct rte_ether_addr *mac,
		 uint32_t addr)
{
	ctl->stats.garps++;
	send_raw(ctl, port_id, arp_frame(ctl, RTE_ARP_OP_REQUEST, mac, NULL, addr, addr));
}

/* ---- publishing ------------------------------------------------------------------- */

/* Ask for the MAC of every backend (L2) and next hop (L3) the state uses. */
static void want_neighbours(struct fw_ctl *ctl, const struct fw_state *st)
{
	uint16_t *ports = NULL;
	uint32_t *ips = NULL;
	size_t n = 0, cap = (size_t)st->max_backends + st->nb_routes + 1;

	ports = calloc(cap, sizeof(*ports));
	ips = calloc(cap, sizeof(*ips));
	if (ports == NULL || ips == NULL)
		goto out;
	for (uint32_t i = 0; i < st->max_backends; i++) {
		const struct fw_state_backend *be = &st->backends[i];

		if (be->gen == 0 || be->nexthop == 0 || be->port >= st->nb_ports)
			continue;
		ports[n] = st->ports[be->port].port_id;
		ips[n++] = be->nexthop;
	}
	for (uint32_t i = 0; i < st->nb_routes; i++) {
		const struct fw_state_route *r = &st->routes[i];

		if (r->connected || r->gateway == 0 || r->port >= st->nb_ports)
			continue;
		ports[n] = st->ports[r->port].port_id;
		ips[n++] = r->gateway;
	}
	/* duplicates are harmless: set_wanted looks each one up */
	if (fw_neigh_set_wanted(ctl->neigh, ports, ips, n) < 0)
		TLOG_ERR("neighbour table: out of memory");
out:
	free(ports);
	free(ips);
}

static int publish(struct fw_ctl *ctl, struct fw_state *st)
{
	int rc = fw_dp_publish_sync(ctl->dp, st);

	if (rc < 0)
		return rc;
	ctl->stats.publishes++;
	return 0;
}

static void on_rebuild(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_ctl *ctl = arg;
	const struct db_node *cfg = db_active_effective(ctl->db);
	struct build b = {ctl, NULL, 0};
	struct fw_state *st;

	(void)loop;
	(void)t;
	if (ctl->in_commit || cfg == NULL) {
		/* the commit in progress compiles with the newest facts */
		return;
	}
	if (compile(&b, cfg, 0, &st) < 0) {
		ctl->stats.rebuild_errors++;
		return;
	}
	if (publish(ctl, st) < 0) {
		fw_state_free(st);
		ctl->stats.rebuild_errors++;
		tula_timer_arm(ctl->rebuild_timer, 10, 0); /* a ring was full: try again */
		return;
	}
	want_neighbours(ctl, fw_dp_state(ctl->dp));
	want_neighbours6(ctl, fw_dp_state(ctl->dp));
}

static void on_neigh_changed(void *arg)
{
	schedule_rebuild(arg);
}

/* ---- the kernel's view: TAP addresses, routes, VIP neighbours ---------------------- */

static void sync_kernel(struct fw_ctl *ctl, const struct fw_state *st)
{
	struct kaddr addrs[MAX_KADDRS];
	struct kroute routes[MAX_KROUTES];
	struct kneigh neighs[MAX_KNEIGH];
	unsigned int na = 0, nr = 0, nn = 0, i, j;

	/* what the new state wants */
	for (i = 0; i < st->nb_ports; i++) {
		struct ctl_port *p = port_by_id(ctl, st->ports[i].port_id);

		if (p == NULL)
			continue;
		for (j = 0; j < st->ports[i].nb_addrs && na < MAX_KADDRS; j++)
			addrs[na++] = (struct kaddr){(uint8_t)port_index(ctl, p),
						     st->ports[i].plens[j], st->ports[i].addrs[j]};
	}
	for (i = 0; i < st->nb_routes && nr < MAX_KROUTES; i++) {
		const struct fw_state_route *r = &st->routes[i];
		struct ctl_port *p;

		if (r->connected || r->port >= st->nb_ports)
			continue;
		p = port_by_id(ctl, st->ports[r->port].port_id);
		if (p != NULL)
			routes[nr++] = (struct kroute){(uint8_t)port_index(ctl, p), r->plen,
						       r->prefix, r->gateway};
	}
	for (i = 0; i < st->max_vips && nn < MAX_KNEIGH; i++) {
		const struct fw_state_vip *v = &st->vips[i];
		struct ctl_port *p;

		/* IPv6 VIPs: the kernel's TAPs carry IPv4 only (Neighbor Discovery for the
		 * VIPs is answered by the data path and the control side) */
		if (v->gen == 0 || v->port_index >= st->nb_ports || v->family == FW_AF_INET6)
			continue;
		p = port_by_id(ctl, st->ports[v->port_index].port_id);
		if (p != NULL)
			neighs[nn++] = (struct kneigh){(uint8_t)port_index(ctl, p), v->addr};
	}

	/* remove what is no longer wanted (routes first, then neighbours, then addresses) */
	for (i = 0; i < ctl->nb_kroutes; i++) {
		const struct kroute *k = &ctl->kroutes[i];

		for (j = 0; j < nr; j++)
			if (memcmp(k, &routes[j], sizeof(*k)) == 0)
				break;
		if (j == nr && ctl->ports[k->port].tap != NULL)
			fw_tap_route(ctl->ports[k->port].tap, 0, k->dst, k->plen, k->gw);
	}
	for (i = 0; i < ctl->nb_kneigh; i++) {
		const struct kneigh *k = &ctl->kneigh[i];

		for (j = 0; j < nn; j++)
			if (k->port == neighs[j].port && k->addr == neighs[j].addr)
				break;
		if (j == nn && ctl->ports[k->port].tap != NULL)
			fw_tap_neigh(ctl->ports[k->port].tap, 0, k->addr, NULL);
	}
	for (i = 0; i < ctl->nb_kaddrs; i++) {
		const struct kaddr *k = &ctl->kaddrs[i];

		for (j = 0; j < na; j++)
			if (memcmp(k, &addrs[j], sizeof(*k)) == 0)
				break;
		if (j == na && ctl->ports[k->port].tap != NULL)
			fw_tap_addr(ctl->ports[k->port].tap, 0, k->addr, k->plen);
	}

	/* add what is wanted (adding what exists is not an error), announce new addresses */
	for (i = 0; i < na; i++) {
		struct ctl_port *p = &ctl->ports[addrs[i].port];
		int is_new = 1;

		for (j = 0; j < ctl->nb_kaddrs; j++)
			if (memcmp(&ctl->kaddrs[j], &addrs[i], sizeof(addrs[i])) == 0)
				is_new = 0;
		if (p->tap != NULL && fw_tap_addr(p->tap, 1, addrs[i].addr, addrs[i].plen) < 0)
			TLOG_WARNING("%s: cannot add address to %s", p->name, fw_tap_name(p->tap));
		if (is_new)
			garp(ctl, p->info.port_id, &p->info.mac, addrs[i].addr);
	}
	for (i = 0; i < nn; i++) {
		struct ctl_port *p = &ctl->ports[neighs[i].port];
		int is_new = 1;

		for (j = 0; j < ctl->nb_kneigh; j++)
			if (ctl->kneigh[j].port == neighs[i].port &&
			    ctl->kneigh[j].addr == neighs[i].addr)
				is_new = 0;
		if (p->tap != NULL)
			fw_tap_neigh(p->tap, 1, neighs[i].addr, &p->info.mac);
		if (is_new) /* a VIP appeared: tell the segment (RFC 5227 announcement) */
			garp(ctl, p->info.port_id, &p->info.mac, neighs[i].addr);
	}
	for (i = 0; i < nr; i++) {
		struct ctl_port *p = &ctl->ports[routes[i].port];

		if (p->tap != NULL &&
		    fw_tap_route(p->tap, 1, routes[i].dst, routes[i].plen, routes[i].gw) < 0)
			TLOG_WARNING("%s: cannot install route in the kernel", p->name);
	}
	memcpy(ctl->kaddrs, addrs, na * sizeof(addrs[0]));
	ctl->nb_kaddrs = na;
	memcpy(ctl->kroutes, routes, nr * sizeof(routes[0]));
	ctl->nb_kroutes = nr;
	memcpy(ctl->kneigh, neighs, nn * sizeof(neighs[0]));
	ctl->nb_kneigh = nn;
}

/* ---- TAP and punt traffic ---------------------------------------------------------- */

static void to_kernel(struct fw_ctl *ctl, struct rte_mbuf *m)
{
	struct ctl_port *p = port_by_id(ctl, fw_mbuf_meta(m)->port_id);

	if (p == NULL || p->tap == NULL || m->nb_segs != 1 ||
	    fw_tap_write(p->tap, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m)) < 0)
		ctl->stats.dropped++;
	else
		ctl->stats.to_kernel++;
}

static void punted_arp(struct fw_ctl *ctl, struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_arp_hdr *arp;
	size_t off = sizeof(*eth);

	if (eth->ether_type == htons(RTE_ETHER_TYPE_VLAN))
		off += sizeof(struct rte_vlan_hdr);
	if (rte_pktmbuf_data_len(m) < off + sizeof(*arp))
		return;
	arp = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *, off);
	fw_neigh_input(ctl->neigh, fw_mbuf_meta(m)->port_id, arp->arp_data.arp_sip,
		       &arp->arp_data.arp_sha);
	if (ctl->arp_fn != NULL)
		ctl->arp_fn(ctl->arp_arg, fw_mbuf_meta(m)->port_id, ntohs(arp->arp_opcode),
			    arp->arp_data.arp_sip, &arp->arp_data.arp_sha, arp->arp_data.arp_tip);
}

static void on_punt(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_ctl *ctl = arg;
	struct rte_mbuf *pkts[PUNT_BURST];
	struct fw_resp resp;
	unsigned int n, i, moved = 0;

	(void)loop;
	(void)t;
	do {
		n = fw_dp_punt_poll(ctl->dp, pkts, PUNT_BURST);
		moved += n;
		for (i = 0; i < n; i++) {
			ctl->stats.punted++;
			if (fw_mbuf_meta(pkts[i])->kind == FW_META_PUNT_NDP)
				punted_ndp(ctl, pkts[i]); /* the v6 neighbour table learns */

			if (fw_mbuf_meta(pkts[i])->kind == FW_META_PUNT_ARP)
				punted_arp(ctl, pkts[i]);
			else if (fw_mbuf_meta(pkts[i])->kind == FW_META_PUNT_NDP &&
				 ctl->ndp_fn != NULL && pkts[i]->nb_segs == 1)
				ctl->ndp_fn(ctl->ndp_arg, fw_mbuf_meta(pkts[i])->port_id,
					    rte_pktmbuf_mtod(pkts[i], const void *),
					    rte_pktmbuf_data_len(pkts[i]));
			/* the kernel keeps its own neighbours: it sees ARP too */
			to_kernel(ctl, pkts[i]);
			rte_pktmbuf_free(pkts[i]);
		}
	} while (n == PUNT_BURST);
	while (fw_dp_poll_response(ctl->dp, &resp) == 1)
		; /* flush completions: counted by the data path's flow statistics */
	/* Workers cannot wake the control thread (no system call on a worker), so the ring
	 * is polled: every PUNT_POLL_MIN_MS while there is traffic for Tula itself, backing
	 * off to PUNT_POLL_MAX_MS when idle; Tula's own sending resets it (punt_soon). */
	ctl->punt_ms =
		moved ? PUNT_POLL_MIN_MS
		      : (ctl->punt_ms * 2 > PUNT_POLL_MAX_MS ? PUNT_POLL_MAX_MS : ctl->punt_ms * 2);
	tula_timer_arm(ctl->punt_timer, ctl->punt_ms, 0);
}

/* Tula is sending (a probe, an ARP request): its answer will be punted soon. */
static void punt_soon(struct fw_ctl *ctl)
{
	if (ctl->punt_ms != PUNT_POLL_MIN_MS) {
		ctl->punt_ms = PUNT_POLL_MIN_MS;
		tula_timer_arm(ctl->punt_timer, PUNT_POLL_MIN_MS, 0);
	}
}

/*
 * The kernel pings a VIP (the operator's `ping VIP`): answer it here, as the workers
 * answer a client's echo to a VIP, and hand the reply back to the TAP. Sent out of the
 * port it would reach nobody who answers for the VIP (backends keep it silent). Returns
 * 1 when m was consumed.
 */
static int echo_to_vip(struct fw_ctl *ctl, struct ctl_port *p, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	size_t ihl = rte_ipv4_hdr_len(ip);
	struct rte_icmp_hdr *icmp;
	struct rte_ether_addr mac;
	uint32_t a, sum;

	if (m->nb_segs != 1 || ip->next_proto_id != IPPROTO_ICMP ||
	    rte_pktmbuf_data_len(m) < sizeof(*eth) + ihl + sizeof(*icmp) ||
	    (ip->fragment_offset & htons(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) != 0)
		return 0;
	icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0 ||
	    !fw_state_is_vip_addr(fw_dp_state(ctl->dp), ip->dst_addr))
		return 0;
	mac = eth->src_addr;
	eth->src_addr = eth->dst_addr;
	eth->dst_addr = mac;
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a; /* swapping keeps the header checksum right */
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	/* RFC 1624: the type byte went from 8 to 0 */
	sum = (uint32_t)(~ntohs(icmp->icmp_cksum) & 0xffff) + (uint32_t)(~0x0800u & 0xffff);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	icmp->icmp_cksum = htons((uint16_t)~sum);
	if (p->tap == NULL ||
	    fw_tap_write(p->tap, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_data_len(m)) < 0)
		ctl->stats.dropped++;
	else
		ctl->stats.to_kernel++;
	rte_pktmbuf_free(m);
	return 1;
}

/* An IPv6 frame the kernel sent on a TAP (at least the fixed header and 4 bytes): a
 * health probe from a steered source port goes through the DSR path to the backend it
 * tests, anything else to a v6 VIP is dropped, the rest leaves the port as it is.
 * Probes carry no extension headers: the ports follow the fixed header. */
static void from_kernel6(struct fw_ctl *ctl, struct ctl_port *p, struct rte_mbuf *m,
			 const struct fw_state *st)
{
	const struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *,
								sizeof(struct rte_ether_hdr));
	const struct fw_ctl_steer *tgt;
	struct fw_ip6 dst;
	uint16_t sport, dport;
	int vip, be;

	if (ip->proto != IPPROTO_TCP && ip->proto != IPPROTO_UDP) {
		send_raw(ctl, p->info.port_id, m);
		return;
	}
	memcpy(&sport, (const uint8_t *)(ip + 1), 2);
	memcpy(&dport, (const uint8_t *)(ip + 1) + 2, 2);
	memcpy(&dst, ip->dst_addr, sizeof(dst));
	tgt = &ctl->steer[ntohs(sport)];
	if (tgt->family == FW_AF_INET6 && fw_ip6_eq(&tgt->vip6, &dst)) {
		vip = fw_state_vip6_slot(st, &tgt->vip6, tgt->proto, tgt->vip_port);
		be = vip >= 0 ? fw_state_backend6_slot(st, vip, &tgt->be6) : -ENOENT;
	} else {
		vip = fw_state_vip6_slot(st, &dst, ip->proto, ntohs(dport));
		if (vip < 0) {
			send_raw(ctl, p->info.port_id, m);
			return;
		}
		be = -ENOENT; /* the kernel has no business with a VIP otherwise */
	}
	if (be < 0 || fw_dp_inject_dsr(ctl->dp, vip, be, m) < 0) {
		ctl->stats.unsteered++;
		rte_pktmbuf_free(m);
		return;
	}
	ctl->stats.injected++;
	punt_soon(ctl);
}

/* A frame the kernel sent on a TAP: out of the port, probes to a VIP through DSR. */
static void from_kernel(struct fw_ctl *ctl, struct ctl_port *p, struct rte_mbuf *m)
{
	const struct fw_state *st = fw_dp_state(ctl->dp);
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct fw_ctl_steer *tgt;
	const struct rte_ipv4_hdr *ip;
	uint16_t sport, dport;
	int vip, be;

	ctl->stats.from_kernel++;
	if (st != NULL && eth->ether_type == htons(RTE_ETHER_TYPE_IPV6) &&
	    rte_pktmbuf_data_len(m) >= sizeof(*eth) + sizeof(struct rte_ipv6_hdr) + 4) {
		from_kernel6(ctl, p, m, st);
		return;
	}
	if (st == NULL || eth->ether_type != htons(RTE_ETHER_TYPE_IPV4) ||
	    rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*ip) + 4) {
		send_raw(ctl, p->info.port_id, m);
		return;
	}
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	if (ip->next_proto_id == IPPROTO_ICMP && echo_to_vip(ctl, p, m))
		return;
	if (ip->next_proto_id != IPPROTO_TCP && ip->next_proto_id != IPPROTO_UDP) {
		send_raw(ctl, p->info.port_id, m);
		return;
	}
	/* ports sit at the same place in TCP and UDP */
	memcpy(&sport, (const uint8_t *)ip + rte_ipv4_hdr_len(ip), 2);
	memcpy(&dport, (const uint8_t *)ip + rte_ipv4_hdr_len(ip) + 2, 2);
	tgt = &ctl->steer[ntohs(sport)];
	if (tgt->be_addr != 0 && tgt->vip_addr == ip->dst_addr) {
		/* a health probe: through the DSR path to the backend it tests */
		vip = fw_state_vip_slot(st, tgt->vip_addr, tgt->proto, tgt->vip_port);
		be = vip >= 0 ? fw_state_backend_slot(st, vip, tgt->be_addr) : -ENOENT;
	} else {
		vip = fw_state_vip_slot(st, ip->dst_addr, ip->next_proto_id, ntohs(dport));
		if (vip < 0) {
			send_raw(ctl, p->info.port_id, m);
			return;
		}
		be = -ENOENT; /* the kernel has no business with a VIP otherwise */
	}
	if (be < 0 || fw_dp_inject_dsr(ctl->dp, vip, be, m) < 0) {
		ctl->stats.unsteered++;
		rte_pktmbuf_free(m);
		return;
	}
	ctl->stats.injected++;
	punt_soon(ctl);
}

static void on_tap(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct ctl_port *p = arg;
	struct fw_ctl *ctl = p->ctl;
	int budget = 64;

	(void)loop;
	(void)fd;
	(void)events;
	while (budget-- > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(ctl_pool(ctl));
		ssize_t n;

		if (m == NULL) {
			char sink[64];

			ctl->stats.dropped++;
			fw_tap_read(p->tap, sink, sizeof(sink)); /* do not spin on it */
			return;
		}
		n = fw_tap_read(p->tap, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_tailroom(m));
		if (n <= 0) {
			rte_pktmbuf_free(m);
			return;
		}
		rte_pktmbuf_append(m, (uint16_t)n);
		if (!kernel6_filter(ctl, p,
				    m)) /* IPv6 chatter dropped, pings to a v6 VIP answered */
			from_kernel(ctl, p, m);
	}
}

/* ---- ports ------------------------------------------------------------------------- */

static void tap_name(char *buf, size_t len, const char *ifname)
{
	snprintf(buf, len < IFNAMSIZ ? len : IFNAMSIZ, "tula-%s", ifname);
}

static int open_port(struct fw_ctl *ctl, struct ctl_port *p, const char *name, const char *devargs,
		     uint16_t mtu, char *why, size_t why_len)
{
	struct fw_port_conf pc = {.devargs = devargs, .nb_queues = ctl->nb_queues, .mtu = mtu};
	char tname[IFNAMSIZ];
	int rc;

	memset(p, 0, sizeof(*p));
	p->ctl = ctl;
	rc = fw_port_open(&pc, &p->info, why, why_len);
	if (rc < 0)
		return rc;
	tap_name(tname, sizeof(tname), name);
	p->tap = fw_tap_open(tname, &p->info.mac, p->info.mtu);
	if (p->tap == NULL) {
		rc = -errno;
		snprintf(why, why_len, "cannot create TAP %s for Tula's own traffic: %s", tname,
			 strerror(errno));
		fw_port_close(p->info.port_id, p->info.pool);
		return rc;
	}
	rc = tula_loop_add_fd(ctl->loop, fw_tap_fd(p->tap), TULA_EV_READ, on_tap, p);
	if (rc < 0) {
		snprintf(why, why_len, "cannot watch TAP %s: %s", tname, strerror(-rc));
		fw_tap_close(p->tap);
		fw_port_close(p->info.port_id, p->info.pool);
		return rc;
	}
	p->used = 1;
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->devargs, sizeof(p->devargs), "%s", devargs);
	p->mtu_cfg = mtu;
	return 0;
}

static void close_port(struct fw_ctl *ctl, struct ctl_port *p)
{
	/* forget what the kernel was told about this port: its TAP goes away with it */
	int idx = port_index(ctl, p);
	unsigned int i, n;

	for (i = n = 0; i < ctl->nb_kaddrs; i++)
		if (ctl->kaddrs[i].port != idx)
			ctl->kaddrs[n++] = ctl->kaddrs[i];
	ctl->nb_kaddrs = n;
	for (i = n = 0; i < ctl->nb_kroutes; i++)
		if (ctl->kroutes[i].port != idx)
			ctl->kroutes[n++] = ctl->kroutes[i];
	ctl->nb_kroutes = n;
	for (i = n = 0; i < ctl->nb_kneigh; i++)
		if (ctl->kneigh[i].port != idx)
			ctl->kneigh[n++] = ctl->kneigh[i];
	ctl->nb_kneigh = n;
	forget_kernel6(ctl, idx);

	if (p->tap != NULL) {
		tula_loop_del_fd(ctl->loop, fw_tap_fd(p->tap));
		fw_tap_close(p->tap);
	}
	fw_port_close(p->info.port_id, p->info.pool);
	memset(p, 0, sizeof(*p));
}

/*
 * Match the new configuration's interfaces with the open ports: keep those whose device
 * is unchanged, open the new ones. Returns 0 or -EINVAL (errors added to the commit).
 */
static int prepare_ports(struct fw_ctl *ctl, struct db_commit *c, const struct db_node *cfg)
{
	int errors = 0;

	for (int i = 0; i < MAX_PORTS; i++) {
		ctl->ports[i].keep = 0;
		ctl->ports[i].pending = 0;
		ctl->ports[i].mtu_old = 0;
	}
	for (const struct db_node *i = db_node_first(cfg, "interfaces"); i; i = db_node_next(i)) {
		const char *name = db_node_key(i), *devargs = db_get_str(i, "device");
		struct ctl_port *p = NULL, *free_slot = NULL;
		char path[128], why[512], dev_new[FW_PORT_NAME_MAX], dev_old[FW_PORT_NAME_MAX];
		uint32_t mtu = 0;
		int rc;

		snprintf(path, sizeof(path), "interfaces %s device", name);
		if (devargs == NULL || devargs[0] == '\0') {
			db_commit_error(c, path,
					"an interface needs a device (DPDK devargs or PCI "
					"address)");
			errors++;
			continue;
		}
		db_get_uint(i, "mtu", &mtu);
		fw_port_devname(devargs, dev_new, sizeof(dev_new));
		for (int k = 0; k < MAX_PORTS; k++) {
			struct ctl_port *q = &ctl->ports[k];

			if (!q->used) {
				if (free_slot == NULL)
					free_slot = q;
				continue;
			}
			if (q->pending || q->keep)
				continue;
			fw_port_devname(q->devargs, dev_old, sizeof(dev_old));
			if (strcmp(q->devargs, devargs) == 0) {
				p = q;
				break;
			}
			if (strcmp(dev_old, dev_new) == 0) {
				db_commit_error(c, path,
						"device %s is in use by interface %s with other "
						"options: delete the interface and commit first",
						dev_new, q->name);
				errors++;
				p = q;
				break;
			}
		}
		if (p != NULL) {
			p->keep = 1;
			snprintf(p->new_name, sizeof(p->new_name), "%s", name);
			if ((uint16_t)mtu != p->mtu_cfg && mtu != 0 && mtu != p->info.mtu) {
				rc = rte_eth_dev_set_mtu(p->info.port_id, (uint16_t)mtu);
				if (rc < 0) {
					snprintf(path, sizeof(path), "interfaces %s mtu", name);
					db_commit_error(c, path, "device refuses MTU %u: %s", mtu,
							strerror(-rc));
					errors++;
					continue;
				}
				p->mtu_old = p->info.mtu;
				p->info.mtu = (uint16_t)mtu;
			}
			continue;
		}
		if (free_slot == NULL) {
			db_commit_error(c, path, "too many interfaces (at most %d)", MAX_PORTS);
			errors++;
			continue;
		}
		rc = open_port(ctl, free_slot, name, devargs, (uint16_t)mtu, why, sizeof(why));
		if (rc < 0) {
			db_commit_error(c, path, "cannot open device %s: %s", devargs, why);
			errors++;
			continue;
		}
		free_slot->pending = 1;
		free_slot->keep = 1;
		snprintf(free_slot->new_name, sizeof(free_slot->new_name), "%s", name);
	}
	return errors ? -EINVAL : 0;
}

/* Undo prepare_ports: close what it opened, restore MTUs. */
static void abort_ports(struct fw_ctl *ctl)
{
	for (int i = 0; i < MAX_PORTS; i++) {
		struct ctl_port *p = &ctl->ports[i];

		if (!p->used)
			continue;
		if (p->pending) {
			close_port(ctl, p);
			continue;
		}
		if (p->mtu_old != 0) {
			rte_eth_dev_set_mtu(p->info.port_id, p->mtu_old);
			p->info.mtu = p->mtu_old;
		}
		p->keep = 0;
		p->mtu_old = 0;
	}
}

/* ---- the commit hook -------------------------------------------------------------- */

static int hook_prepare(struct db_commit *c, void *arg)
{
	struct fw_ctl *ctl = arg;
	struct build b = {ctl, c, 0};
	int rc;

	ctl->in_commit = 1;
	rc = check_limits(ctl, c, db_commit_new(c));
	if (rc < 0) {
		ctl->in_commit = 0;
		return rc;
	}
	rc = prepare_ports(ctl, c, db_commit_new(c));
	if (rc == 0)
		rc = compile(&b, db_commit_new(c), 1, &ctl->pending);
	if (rc < 0) {
		abort_ports(ctl);
		ctl->in_commit = 0;
		return rc;
	}
	return 0;
}

static void hook_abort(struct db_commit *c, void *arg)
{
	struct fw_ctl *ctl = arg;

	(void)c;
	fw_state_free(ctl->pending);
	ctl->pending = NULL;
	abort_ports(ctl);
	ctl->in_commit = 0;
}

static void hook_apply(struct db_commit *c, void *arg)
{
	struct fw_ctl *ctl = arg;
	int rc;

	(void)c;
	/* Publishing cannot fail for lack of memory (the state is built); a full request
	 * ring only means a worker is slow: wait for it rather than lose the commit. */
	while ((rc = publish(ctl, ctl->pending)) == -ENOBUFS)
		fw_dp_reclaim(ctl->dp, 0);
	if (rc < 0)
		TLOG_ERR("cannot publish the forwarding state: %s", strerror(-rc));
	ctl->pending = NULL;

	/* Every worker now runs the new state: ports it no longer names can go. */
	for (int i = 0; i < MAX_PORTS; i++) {
		struct ctl_port *p = &ctl->ports[i];

		if (!p->used)
			continue;
		if (!p->keep) {
			TLOG_INFO("interface %s (%s) removed", p->name, p->devargs);
			close_port(ctl, p);
			continue;
		}
		memcpy(p->name, p->new_name, sizeof(p->name)); /* same size, NUL included */
		p->pending = 0;
		p->keep = 0;
		p->mtu_old = 0;
		fw_port_query(p->info.port_id, &p->info);
	}
	ctl->in_commit = 0;
	sync_kernel(ctl, fw_dp_state(ctl->dp));
	sync_kernel6(ctl, fw_dp_state(ctl->dp));
	want_neighbours(ctl, fw_dp_state(ctl->dp));
	want_neighbours6(ctl, fw_dp_state(ctl->dp));
	/* facts that arrived during the commit (neighbours, health) */
	if (tula_timer_armed(ctl->rebuild_timer))
		tula_timer_arm(ctl->rebuild_timer, 0, 0);
}

static const struct db_hook hook = {
	.name = "firmware",
	.prepare = hook_prepare,
	.apply = hook_apply,
	.abort = hook_abort,
};

/* ---- IPv6: Neighbor Discovery and the kernel's v6 view ------------------------------ */

static int ip6_is_zero(const struct fw_ip6 *a)
{
	static const struct fw_ip6 zero;

	return fw_ip6_eq(a, &zero);
}

/* The published state's view of a port (its v6 addresses), or one with only its MAC. */
static const struct fw_state_port *state_port(const struct fw_ctl *ctl, const struct ctl_port *p,
					      struct fw_state_port *tmp)
{
	const struct fw_state *st = fw_dp_state(ctl->dp);
	uint16_t id = p->info.port_id;

	if (st != NULL && id < RTE_MAX_ETHPORTS && st->port_index[id] < st->nb_ports)
		return &st->ports[st->port_index[id]];
	memset(tmp, 0, sizeof(*tmp));
	tmp->mac = p->info.mac;
	return tmp;
}

/* A fresh mbuf of FW_NDP_FRAME_LEN bytes for an NDP frame (*data: where to build it). */
static struct rte_mbuf *ndp_mbuf(const struct fw_ctl *ctl, uint8_t **data)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctl_pool(ctl));

	if (m == NULL)
		return NULL;
	*data = (uint8_t *)rte_pktmbuf_append(m, FW_NDP_FRAME_LEN);
	if (*data == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* A Neighbor Solicitation for target out of port_id: multicast, or unicast to hint. */
static int send_ns(struct fw_ctl *ctl, uint16_t port_id, const struct fw_ip6 *target,
		   const struct rte_ether_addr *hint)
{
	struct ctl_port *p = port_by_id(ctl, port_id);
	struct fw_state_port tmp;
	struct fw_ip6 src;
	struct rte_mbuf *m;
	uint8_t *f;

	if (p == NULL)
		return -ENODEV;
	fw_ndp_source(state_port(ctl, p, &tmp), target, &src);
	m = ndp_mbuf(ctl, &f);
	if (m != NULL)
		fw_ndp_build_ns(f, FW_NDP_FRAME_LEN, &p->info.mac, hint, &src, target);
	ctl->stats.nd_solicits++;
	return send_raw(ctl, port_id, m);
}

static int solicit6(void *arg, uint16_t port_id, const struct fw_ip6 *ip,
		    const struct rte_ether_addr *hint)
{
	return send_ns(arg, port_id, ip, hint);
}

/*
 * RFC 4861 7.2.6: a VIP or a self address appeared; tell the segment it is at this
 * port's MAC (Override set, so caches holding a former owner's MAC take ours; Solicited
 * clear, so they hold it as STALE and confirm it by themselves).
 */
static void unsolicited_na(struct fw_ctl *ctl, struct ctl_port *p, const struct fw_ip6 *target)
{
	static const struct fw_ip6 all_nodes = {{0xff, 0x02, [15] = 0x01}};
	struct fw_state_port tmp;
	const struct fw_state_port *sp = state_port(ctl, p, &tmp);
	struct fw_ip6 src;
	struct rte_mbuf *m;
	uint8_t *f;

	if (ip6_is_zero(&sp->link_local))
		fw_ndp_link_local(&p->info.mac, &src);
	else
		src = sp->link_local;
	m = ndp_mbuf(ctl, &f);
	if (m != NULL)
		fw_ndp_build_na(f, FW_NDP_FRAME_LEN, &p->info.mac, NULL, &src, &all_nodes, target,
				FW_NA_F_OVERRIDE);
	ctl->stats.unsolicited_nas++;
	send_raw(ctl, p->info.port_id, m);
}

/*
 * An NA or NS the data path punted: an advertisement answers (or announces) its target,
 * a solicitation tells its sender's MAC (RFC 4861 7.2.5, 7.2.3). The observer (conflict
 * detection) and the kernel see the frame too (on_punt).
 */
static void punted_ndp(struct fw_ctl *ctl, struct rte_mbuf *m)
{
	uint16_t port_id = fw_mbuf_meta(m)->port_id;
	struct fw_ndp_msg msg;
	unsigned int flags;

	if (m->nb_segs != 1 || fw_ndp_parse(rte_pktmbuf_mtod(m, const void *),
					    rte_pktmbuf_data_len(m), &msg) != FW_NDP_OK) {
		ctl->stats.ndp_invalid++;
		return;
	}
	if (msg.type == FW_ND_NA) {
		flags = FW_NEIGH_F_ADVERT;
		if (msg.flags & FW_NA_F_SOLICITED)
			flags |= FW_NEIGH_F_SOLICITED;
		if (msg.flags & FW_NA_F_OVERRIDE)
			flags |= FW_NEIGH_F_OVERRIDE;
		fw_neigh_input6(ctl->neigh6, port_id, &msg.target, msg.has_lla ? &msg.lla : NULL,
				flags);
	} else if (!ip6_is_zero(&msg.src)) {
		fw_neigh_input6(ctl->neigh6, port_id, &msg.src, msg.has_lla ? &msg.lla : NULL, 0);
	}
}

/*
 * The kernel pings a v6 VIP (the operator's `ping`): answer here, as echo_to_vip does
 * for IPv4, and hand the reply back to the TAP. Returns 1 when m was consumed.
 */
static int echo6_to_vip(struct fw_ctl *ctl, struct ctl_port *p, struct rte_mbuf *m)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *), *ip = f + 14, *icmp = ip + 40;
	struct fw_ip6 dst;
	uint8_t tmp[16];
	uint32_t sum;
	uint16_t ck;

	if (m->nb_segs != 1 || rte_pktmbuf_data_len(m) < 14 + 40 + 8 || icmp[0] != 128 ||
	    icmp[1] != 0)
		return 0;
	memcpy(dst.b, ip + 24, 16);
	if (fw_dp_state(ctl->dp) == NULL || !fw_state_is_vip6_addr(fw_dp_state(ctl->dp), &dst))
		return 0;
	memcpy(tmp, f, 6); /* MACs */
	memcpy(f, f + 6, 6);
	memcpy(f + 6, tmp, 6);
	memcpy(tmp, ip + 8, 16); /* addresses: the pseudo-header sum stays the same */
	memcpy(ip + 8, ip + 24, 16);
	memcpy(ip + 24, tmp, 16);
	icmp[0] = 129;
	/* RFC 1624: the type byte went from 128 to 129 */
	memcpy(&ck, icmp + 2, 2);
	sum = (uint32_t)(~ntohs(ck) & 0xffff) + (uint32_t)(~0x8000u & 0xffff) + 0x8100u;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ck = htons((uint16_t)~sum);
	memcpy(icmp + 2, &ck, 2);
	if (p->tap == NULL || fw_tap_write(p->tap, f, rte_pktmbuf_data_len(m)) < 0)
		ctl->stats.dropped++;
	else
		ctl->stats.to_kernel++;
	rte_pktmbuf_free(m);
	return 1;
}

/*
 * IPv6 from the kernel before from_kernel() sends it: what the kernel must not say on the segment
 * — Router Solicitations and Advertisements, Redirects, duplicate address probes (NS
 * from ::); fw_tap_open turns them off, this keeps a changed sysctl from leaking them —
 * is dropped, a ping to a v6 VIP is answered. Returns 1 when m was consumed.
 */
static int kernel6_filter(struct fw_ctl *ctl, struct ctl_port *p, struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	static const uint8_t unspecified[16];
	uint8_t type;

	if (rte_pktmbuf_data_len(m) < 14 + 40 + 4 || f[12] != 0x86 || f[13] != 0xdd ||
	    f[14 + 6] != IPPROTO_ICMPV6)
		return 0;
	type = f[14 + 40];
	if (type == 133 || type == 134 || type == 137 ||
	    (type == FW_ND_NS && memcmp(f + 14 + 8, unspecified, 16) == 0)) {
		ctl->stats.from_kernel++;
		ctl->stats.kernel_v6_dropped++;
		rte_pktmbuf_free(m);
		return 1;
	}
	if (type == 128 && echo6_to_vip(ctl, p, m)) {
		ctl->stats.from_kernel++;
		return 1;
	}
	return 0;
}

/* Ask for the MAC of every IPv6 backend (L2) and next hop (L3) the state uses. */
static void want_neighbours6(struct fw_ctl *ctl, const struct fw_state *st)
{
	size_t n = 0, cap;
	uint16_t *ports;
	struct fw_ip6 *ips;

	if (st == NULL)
		return;
	cap = (size_t)st->max_backends + st->nb_routes6 + 1;
	ports = calloc(cap, sizeof(*ports));
	ips = calloc(cap, sizeof(*ips));
	if (ports == NULL || ips == NULL)
		goto out;
	for (uint32_t i = 0; i < st->max_backends; i++) {
		const struct fw_state_backend *be = &st->backends[i];

		if (be->gen == 0 || be->family != FW_AF_INET6 || ip6_is_zero(&be->nexthop6) ||
		    be->port >= st->nb_ports)
			continue;
		ports[n] = st->ports[be->port].port_id;
		ips[n++] = be->nexthop6;
	}
	for (uint32_t i = 0; i < st->nb_routes6; i++) {
		const struct fw_state_route6 *r = &st->routes6[i];

		if (r->connected || ip6_is_zero(&r->gateway) || r->port >= st->nb_ports)
			continue;
		ports[n] = st->ports[r->port].port_id;
		ips[n++] = r->gateway;
	}
	if (fw_neigh_set_wanted6(ctl->neigh6, ports, ips, n) < 0)
		TLOG_ERR("IPv6 neighbour table: out of memory");
out:
	free(ports);
	free(ips);
}

/* Join or leave the solicited-node group of VIP k on its TAP (see fw_tap_mcast6). */
static void vip_group(struct fw_ctl *ctl, const struct kneigh6 *k, int join)
{
	struct ctl_port *p = &ctl->ports[k->port];
	struct fw_ip6 g;

	if (p->tap == NULL)
		return;
	fw_ndp_solicited_node(&k->addr, &g);
	if (fw_tap_mcast6(p->tap, join, &g) < 0 && join)
		TLOG_WARNING("%s: cannot join the solicited-node group of a v6 VIP on %s", p->name,
			     fw_tap_name(p->tap));
}

/* 1 when another of the n VIP neighbours in set shares k's port and solicited-node
 * group (the group's last 24 bits are the address's). */
static int group_shared(const struct kneigh6 *k, const struct kneigh6 *set, unsigned int n)
{
	for (unsigned int j = 0; j < n; j++)
		if (set[j].port == k->port && !fw_ip6_eq(&set[j].addr, &k->addr) &&
		    memcmp(set[j].addr.b + 13, k->addr.b + 13, 3) == 0)
			return 1;
	return 0;
}

/* The kernel forgets every v6 address, route and neighbour of a TAP whose IPv6 goes
 * off (or that closes): forget them here too. */
static void forget_kernel6(struct fw_ctl *ctl, int port)
{
	unsigned int i, n;

	for (i = n = 0; i < ctl->nb_kaddrs6; i++)
		if (ctl->kaddrs6[i].port != port)
			ctl->kaddrs6[n++] = ctl->kaddrs6[i];
	ctl->nb_kaddrs6 = n;
	for (i = n = 0; i < ctl->nb_kroutes6; i++)
		if (ctl->kroutes6[i].port != port)
			ctl->kroutes6[n++] = ctl->kroutes6[i];
	ctl->nb_kroutes6 = n;
	for (i = n = 0; i < ctl->nb_kneigh6; i++) {
		if (ctl->kneigh6[i].port != port) {
			ctl->kneigh6[n++] = ctl->kneigh6[i];
			continue;
		}
		/* a socket's membership outlives the device's IPv6: leave, or a later join
		 * would find it "already" joined and the kernel would report nothing */
		vip_group(ctl, &ctl->kneigh6[i], 0);
	}
	ctl->nb_kneigh6 = n;
	ctl->tap_ipv6[port] = 0;
}

static int kaddr6_in(const struct kaddr6 *k, const struct kaddr6 *set, unsigned int n)
{
	for (unsigned int j = 0; j < n; j++)
		if (k->port == set[j].port && k->plen == set[j].plen &&
		    fw_ip6_eq(&k->addr, &set[j].addr))
			return 1;
	return 0;
}

static int kroute6_in(const struct kroute6 *k, const struct kroute6 *set, unsigned int n)
{
	for (unsigned int j = 0; j < n; j++)
		if (k->port == set[j].port && k->plen == set[j].plen &&
		    fw_ip6_eq(&k->dst, &set[j].dst) && fw_ip6_eq(&k->gw, &set[j].gw))
			return 1;
	return 0;
}

static int kneigh6_in(const struct kneigh6 *k, const struct kneigh6 *set, unsigned int n)
{
	for (unsigned int j = 0; j < n; j++)
		if (k->port == set[j].port && fw_ip6_eq(&k->addr, &set[j].addr))
			return 1;
	return 0;
}

/*
 * sync_kernel for IPv6: a TAP speaks IPv6 while its port has a v6 self address or a
 * v6 VIP; it carries the port's v6 self addresses, the v6 static routes, and a
 * permanent neighbour per v6 VIP at the port's MAC (so the kernel's probes to a VIP
 * leave through the TAP) and a membership of the VIP's solicited-node group (so MLD
 * snooping switches let Neighbor Solicitations for it reach Tula). A new v6 VIP or self
 * address is announced with an unsolicited NA — on start every one is new.
 */
static void sync_kernel6(struct fw_ctl *ctl, const struct fw_state *st)
{
	struct kaddr6 addrs[MAX_KADDRS];
	struct kroute6 routes[MAX_KROUTES];
	struct kneigh6 neighs[MAX_KNEIGH];
	uint8_t want_v6[MAX_PORTS] = {0};
	unsigned int na = 0, nr = 0, nn = 0, i, j;

	if (st == NULL)
		return;
	for (i = 0; i < st->nb_ports; i++) {
		const struct fw_state_port *sp = &st->ports[i];
		struct ctl_port *p = port_by_id(ctl, sp->port_id);
		uint8_t pi;

		if (p == NULL)
			continue;
		pi = (uint8_t)port_index(ctl, p);
		for (j = 0; j < sp->nb_addrs6 && j < FW_STATE_MAX_ADDRS && na < MAX_KADDRS; j++) {
			addrs[na++] = (struct kaddr6){pi, sp->plens6[j], sp->addrs6[j]};
			want_v6[pi] = 1;
		}
	}
	for (i = 0; i < st->nb_routes6 && nr < MAX_KROUTES; i++) {
		const struct fw_state_route6 *r = &st->routes6[i];
		struct ctl_port *p;

		if (r->connected || r->port >= st->nb_ports)
			continue;
		p = port_by_id(ctl, st->ports[r->port].port_id);
		if (p != NULL)
			routes[nr++] = (struct kroute6){(uint8_t)port_index(ctl, p), r->plen,
							r->prefix, r->gateway};
	}
	for (i = 0; i < st->max_vips && nn < MAX_KNEIGH; i++) {
		const struct fw_state_vip *v = &st->vips[i];
		struct ctl_port *p;
		struct kneigh6 k;

		if (v->gen == 0 || v->family != FW_AF_INET6 || v->port_index >= st->nb_ports)
			continue;
		p = port_by_id(ctl, st->ports[v->port_index].port_id);
		if (p == NULL)
			continue;
		k = (struct kneigh6){(uint8_t)port_index(ctl, p), v->addr6};
		want_v6[k.port] = 1;
		if (!kneigh6_in(&k, neighs, nn)) /* VIPs share addresses */
			neighs[nn++] = k;
	}

	/* IPv6 on or off per TAP; off drops what the kernel had */
	for (i = 0; i < MAX_PORTS; i++) {
		struct ctl_port *p = &ctl->ports[i];

		if (!p->used || p->tap == NULL || want_v6[i] == ctl->tap_ipv6[i])
			continue;
		if (!want_v6[i])
			forget_kernel6(ctl, (int)i);
		if (fw_tap_ipv6(p->tap, want_v6[i]) < 0)
			TLOG_WARNING("%s: cannot turn IPv6 %s on %s", p->name,
				     want_v6[i] ? "on" : "off", fw_tap_name(p->tap));
		else
			ctl->tap_ipv6[i] = want_v6[i];
	}

	/* remove what is no longer wanted (routes, neighbours, then addresses) */
	for (i = 0; i < ctl->nb_kroutes6; i++) {
		const struct kroute6 *k = &ctl->kroutes6[i];

		if (!kroute6_in(k, routes, nr) && ctl->ports[k->port].tap != NULL)
			fw_tap_route6(ctl->ports[k->port].tap, 0, &k->dst, k->plen, &k->gw);
	}
	for (i = 0; i < ctl->nb_kneigh6; i++) {
		const struct kneigh6 *k = &ctl->kneigh6[i];

		if (kneigh6_in(k, neighs, nn) || ctl->ports[k->port].tap == NULL)
			continue;
		fw_tap_neigh6(ctl->ports[k->port].tap, 0, &k->addr, NULL);
		if (!group_shared(k, neighs, nn))
			vip_group(ctl, k, 0);
	}
	for (i = 0; i < ctl->nb_kaddrs6; i++) {
		const struct kaddr6 *k = &ctl->kaddrs6[i];

		if (!kaddr6_in(k, addrs, na) && ctl->ports[k->port].tap != NULL)
			fw_tap_addr6(ctl->ports[k->port].tap, 0, &k->addr, k->plen);
	}

	/* add what is wanted; announce what is new */
	for (i = 0; i < na; i++) {
		struct ctl_port *p = &ctl->ports[addrs[i].port];

		if (p->tap != NULL && fw_tap_addr6(p->tap, 1, &addrs[i].addr, addrs[i].plen) < 0)
			TLOG_WARNING("%s: cannot add an IPv6 address to %s", p->name,
				     fw_tap_name(p->tap));
		if (!kaddr6_in(&addrs[i], ctl->kaddrs6, ctl->nb_kaddrs6))
			unsolicited_na(ctl, p, &addrs[i].addr);
	}
	for (i = 0; i < nn; i++) {
		struct ctl_port *p = &ctl->ports[neighs[i].port];

		if (p->tap != NULL)
			fw_tap_neigh6(p->tap, 1, &neighs[i].addr, &p->info.mac);
		if (!kneigh6_in(&neighs[i], ctl->kneigh6, ctl->nb_kneigh6)) {
			vip_group(ctl, &neighs[i], 1);
			unsolicited_na(ctl, p, &neighs[i].addr); /* a v6 VIP appeared */
		}
	}
	for (i = 0; i < nr; i++) {
		struct ctl_port *p = &ctl->ports[routes[i].port];

		if (p->tap != NULL &&
		    fw_tap_route6(p->tap, 1, &routes[i].dst, routes[i].plen, &routes[i].gw) < 0)
			TLOG_WARNING("%s: cannot install an IPv6 route in the kernel", p->name);
	}
	memcpy(ctl->kaddrs6, addrs, na * sizeof(addrs[0]));
	ctl->nb_kaddrs6 = na;
	memcpy(ctl->kroutes6, routes, nr * sizeof(routes[0]));
	ctl->nb_kroutes6 = nr;
	memcpy(ctl->kneigh6, neighs, nn * sizeof(neighs[0]));
	ctl->nb_kneigh6 = nn;
}

/* ---- life cycle -------------------------------------------------------------------- */

struct fw_ctl *fw_ctl_new(const struct fw_ctl_conf *conf)
{
	struct fw_neigh_ops nops = {
		.solicit = solicit, .changed = on_neigh_changed, .solicit6 = solicit6};
	struct fw_ctl *ctl = calloc(1, sizeof(*ctl));
	int rc;

	if (ctl == NULL)
		return NULL;
	ctl->loop = conf->loop;
	ctl->db = conf->db;
	ctl->dp = conf->dp;
	ctl->nb_queues = conf->nb_queues ? conf->nb_queues : 1;
	ctl->steer = calloc(65536, sizeof(*ctl->steer));
	ctl->neigh = fw_neigh_new(conf->loop, conf->neigh, &nops, ctl);
	ctl->neigh6 = fw_neigh_new6(conf->loop, conf->neigh, &nops, ctl);
	ctl->punt_timer = tula_timer_new(conf->loop, on_punt, ctl);
	ctl->rebuild_timer = tula_timer_new(conf->loop, on_rebuild, ctl);
	if (ctl->steer == NULL || ctl->neigh == NULL || ctl->neigh6 == NULL ||
	    ctl->punt_timer == NULL || ctl->rebuild_timer == NULL) {
		fw_ctl_free(ctl);
		errno = ENOMEM;
		return NULL;
	}
	rc = db_commit_hook_register(conf->db, &hook, ctl);
	if (rc < 0) {
		fw_ctl_free(ctl);
		errno = -rc;
		return NULL;
	}
	ctl->punt_ms = PUNT_POLL_MIN_MS;
	tula_timer_arm(ctl->punt_timer, PUNT_POLL_MIN_MS, 0);
	return ctl;
}

void fw_ctl_free(struct fw_ctl *ctl)
{
	if (ctl == NULL)
		return;
	if (ctl->db != NULL)
		db_commit_hook_unregister(ctl->db, &hook, ctl);
	fw_state_free(ctl->pending);
	for (int i = 0; i < MAX_PORTS; i++)
		if (ctl->ports[i].used)
			close_port(ctl, &ctl->ports[i]);
	tula_timer_free(ctl->punt_timer);
	tula_timer_free(ctl->rebuild_timer);
	fw_neigh_free(ctl->neigh);
	fw_neigh_free(ctl->neigh6);
	free(ctl->steer);
	free(ctl->down);
	free(ctl->down_idx);
	free(ctl);
}
