/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding state: everything a worker needs to forward a packet, built on the
 * control thread, then published (fw_dp_publish) and never written again. Workers only
 * read it; it is freed by the control side once no worker can reach it (rte_rcu_qsbr).
 *
 * Contents: ports (DPDK port id, MAC, MTU, queue count; worker i uses RX/TX queue i),
 * self addresses, connected and static routes (rte_lpm), neighbours, VIPs (an rte_hash on
 * address/protocol/port with a `port *` fallback), per-VIP Maglev tables and backends.
 *
 * Stable identities. VIPs and backends live in slots (0..max_vips-1, 0..max_backends-1,
 * sizes from fw_dp_conf) and carry a generation number. The builder inherits slots and
 * generations from the state currently published on the same fw_dp:
 *   - a VIP keeps its slot/generation when (address, protocol, port) is unchanged;
 *   - a backend keeps its slot/generation when its VIP kept its identity and its address
 *     is unchanged;
 *   - anything else gets a free slot and a fresh generation (a 32-bit counter per fw_dp,
 *     never reused).
 * Flow entries store (backend slot, generation), so a flow pinned to backend B stays on B
 * in every later state that still has B, and a reused slot never captures old flows.
 * Counters are indexed by slot; when a slot changes hands, fw_dp_publish rebases its
 * counters, so a new VIP or backend starts at zero.
 *
 * Addresses are in network byte order (as on the wire) everywhere in this API. IPv4 ones
 * are a uint32_t; IPv6 ones a struct fw_ip6 (16 bytes). Every object that can be either
 * carries a `family` (FW_AF_INET or FW_AF_INET6) and uses the matching field; the v4
 * fields, code and lookups are unchanged by IPv6 (v6 has its own route table, neighbour
 * list and VIP map, looked up only for IPv6 packets).
 *
 * Build one state at a time and publish (or free) it before building the next: the
 * identities are taken from the state published when fw_state_new() is called.
 *
 * Thread: the builder runs on the control thread only. It may allocate (malloc, rte_hash,
 * rte_lpm) and never touches workers. A state that is never published is freed with
 * fw_state_free(); a published one belongs to fw_dp.
 */
#ifndef FW_STATE_H
#define FW_STATE_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_hash_crc.h>
#if defined(__x86_64__) && defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

struct fw_dp;
struct fw_state_index;
struct rte_hash;
struct rte_lpm;
struct rte_lpm6;

#define FW_STATE_MAX_PORTS 16
#define FW_STATE_MAX_ADDRS 8 /* self addresses per port */
#define FW_STATE_NAME_MAX  64
#define FW_MAGLEV_DEFAULT  65537
#define FW_SLOT_NONE	   0xffffu    /* no VIP slot (VIP slots are 16 bits) */
#define FW_BE_NONE	   UINT32_MAX /* no backend slot (backend slots are 32 bits) */
#define FW_MAX_VIPS	   65535u     /* VIP slots 0..65534: 0xffff is FW_SLOT_NONE */
#define FW_MAX_BACKENDS	   (1u << 20) /* backend slots: a flow entry keeps 20 bits */
/* Backends of one VIP: its Maglev table holds 16-bit indices into its backend list,
 * 0xffff (FW_MAGLEV_NONE) being the empty entry. */
#define FW_VIP_MAX_BACKENDS 65535u
#define FW_PORT_INDEX_NONE  0xffu

/*
 * CRC32C steps for the per-packet hashes (the VIP maps here, the flow hash in
 * datapath/fw_flow.h): the values of DPDK's rte_hash_crc_4byte / rte_hash_crc_8byte,
 * which the builders and the workers must agree on, but the compiler's intrinsic where
 * the target has the instruction (x86 with SSE 4.2, which DPDK's build flags ask for):
 * rte_hash_crc_* test a global for the CPU's support on every call (a load and a branch
 * per step) and are inline assembly the compiler cannot schedule.
 */
static inline uint32_t fw_crc32c_u32(uint32_t data, uint32_t h)
{
#if defined(__x86_64__) && defined(__SSE4_2__)
	return _mm_crc32_u32(h, data);
#else
	return rte_hash_crc_4byte(data, h);
#endif
}

static inline uint32_t fw_crc32c_u64(uint64_t data, uint32_t h)
{
#if defined(__x86_64__) && defined(__SSE4_2__)
	return (uint32_t)_mm_crc32_u64(h, data);
#else
	return rte_hash_crc_8byte(data, h);
#endif
}

/* The IPv4 netmask of a prefix length (0..32), in network byte order like every address
 * in a state. */
static inline uint32_t fw_netmask(uint8_t plen)
{
	return plen == 0 ? 0 : rte_cpu_to_be_32(~0u << (32 - plen));
}

/* An IPv6 address, network order; assignable and comparable with memcmp. */
struct fw_ip6 {
	uint8_t b[16];
};

static inline int fw_ip6_eq(const struct fw_ip6 *a, const struct fw_ip6 *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Address families of the state (0 means IPv4, so zeroed v4 definitions stay valid). */
enum fw_family { FW_AF_INET = 0, FW_AF_INET6 = 1 };

enum fw_vip_mode { FW_MODE_L2 = 0, FW_MODE_L3 = 1 };
enum fw_hash_mode { FW_HASH_FIVE_TUPLE = 0, FW_HASH_ADDRESSES = 1 };

/* ---- builder input ----------------------------------------------------------------- */

struct fw_port_def {
	uint16_t port_id; /* DPDK port id */
	struct rte_ether_addr mac;
	uint16_t mtu;		     /* IP MTU of the link, e.g. 1500 */
	uint16_t nb_queues;	     /* RX = TX queues; worker i polls queue i when i < nb_queues */
	uint8_t tx_ip_cksum_offload; /* the device fills IPv4 header checksums on TX */
	uint8_t tx_multi_seg;	     /* the device sends chained mbufs */
	uint8_t rx_ip_cksum_offload; /* the device checks IPv4 header checksums on RX */
	char name[FW_STATE_NAME_MAX]; /* configuration name, "port0" */
};

struct fw_vip_def {
	char name[FW_STATE_NAME_MAX];
	uint32_t addr;		/* network order */
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;		/* host order; 0 = `port *` (every port) */
	uint8_t mode;		/* enum fw_vip_mode */
	uint8_t hash;		/* enum fw_hash_mode */
	uint16_t port_id;	/* DPDK port where the VIP lives (answers ARP there) */
	uint32_t flow_timeout;	/* seconds an idle flow stays pinned; 0 = 300 (udp: 30) */
	uint32_t fin_timeout_s; /* seconds a flow stays after the client's FIN/RST; 0 = 5 */
	uint32_t udp_timeout_s; /* udp VIP: idle timeout, over flow_timeout; 0 = 30 */
	uint32_t tunnel_src;	/* L3: outer source prefix (network order); 0 = port address */
	uint8_t tunnel_src_len; /* 32 = a single address; < 32 = per-flow address from prefix */
	/* IPv6 VIP (family FW_AF_INET6): addr6 instead of addr; L3 mode tunnels IPv6 in
	 * IPv6 from tunnel_src6/tunnel_src6_len (all zero = the port's v6 address; 128 = a
	 * single address; < 128 = per-flow address from the prefix). */
	uint8_t family;
	struct fw_ip6 addr6;
	struct fw_ip6 tunnel_src6;
	uint8_t tunnel_src6_len;
};

struct fw_backend_def {
	char name[FW_STATE_NAME_MAX];
	uint8_t family;	     /* must be the VIP's family */
	struct fw_ip6 addr6; /* FW_AF_INET6 */
	uint32_t addr;	     /* network order */
	uint32_t weight;     /* 0 = drain: no new flows, pinned flows stay */
	uint8_t up;	     /* 0 = down (health): never chosen, pinned flows re-chosen */
};

/* ---- the state (read-only once published) ------------------------------------------ */

struct fw_state_port {
	uint16_t port_id;
	uint16_t mtu;
	uint16_t nb_queues;
	uint8_t nb_addrs;
	/* Offloads the port was configured with (fw_port): when set, the data path may
	 * leave the work to the device (RTE_MBUF_F_TX_IP_CKSUM, chained fragments,
	 * RTE_MBUF_F_RX_IP_CKSUM_GOOD); when clear it does it in software. */
	uint8_t tx_ip_cksum_offload;
	uint8_t tx_multi_seg;
	uint8_t rx_ip_cksum_offload;
	struct rte_ether_addr mac;
	uint32_t addrs[FW_STATE_MAX_ADDRS]; /* network order */
	uint8_t plens[FW_STATE_MAX_ADDRS];
	uint8_t nb_addrs6;
	uint8_t plens6[FW_STATE_MAX_ADDRS];
	struct fw_ip6 addrs6[FW_STATE_MAX_ADDRS]; /* global IPv6 self addresses */
	struct fw_ip6 link_local;		  /* fe80::/64 + modified EUI-64 of mac */
	char name[FW_STATE_NAME_MAX];
};

struct fw_state_backend {
	uint32_t gen; /* identity; 0 = slot unused in this state */
	uint16_t vip; /* VIP slot */
	uint8_t up;
	uint8_t resolved; /* next hop MAC known; an unresolved backend gets no traffic */
	uint8_t usable;	  /* up && resolved */
	uint8_t port;	  /* egress port index */
	uint32_t addr;
	uint32_t weight;
	uint32_t nexthop;	   /* L2: addr; L3: route's gateway or addr when connected */
	struct rte_ether_addr mac; /* destination MAC on the wire (backend or next hop) */
	uint8_t family;		   /* the VIP's */
	struct fw_ip6 addr6;	   /* FW_AF_INET6: addr and nexthop are 0, these hold them */
	struct fw_ip6 nexthop6;
	char name[FW_STATE_NAME_MAX];
};

struct fw_state_vip {
	uint32_t gen; /* identity; 0 = slot unused */
	uint32_t addr;
	uint16_t port; /* host order, 0 = * */
	uint8_t proto;
	uint8_t mode;
	uint8_t hash;
	uint8_t port_index; /* index in fw_state.ports */
	uint8_t tunnel_src_len;
	uint32_t tunnel_src;
	uint32_t flow_timeout;	/* seconds: idle timeout in force (udp: the udp-timeout) */
	uint32_t fin_timeout_s; /* seconds: after FIN/RST, and for a half-open flow */
	uint32_t udp_timeout_s; /* seconds: udp-timeout as configured (0 = default 30) */
	/* the same in flow-table ticks (fw_flow.h), computed at finalize */
	uint32_t timeout_ticks, fin_ticks;
	/* [maglev_size] indices into backends[] below or FW_SLOT_NONE (0xffff): 16
	 * bits, not a 32-bit backend slot, so that a table is 128 KiB and not 256; the
	 * worker reads backends[index] for the slot (the VIP is in cache already). Shared
	 * with the previous state when built from the same input (never written once
	 * finalized). */
	uint16_t *maglev;
	uint16_t nb_backends; /* at most FW_VIP_MAX_BACKENDS */
	uint32_t *backends;   /* backend slots, in the order given */
	uint8_t family;	      /* FW_AF_INET6: addr and tunnel_src are 0, these hold them */
	uint8_t tunnel_src6_len;
	struct fw_ip6 addr6;
	struct fw_ip6 tunnel_src6;
	char name[FW_STATE_NAME_MAX];
};

struct fw_state_route {
	uint32_t prefix;
	uint8_t plen;
	uint8_t connected; /* from a self address */
	uint8_t port;	   /* port index (connected), or resolved at finalize */
	uint32_t gateway;  /* 0 for connected */
};

struct fw_state_neigh {
	uint32_t addr;
	uint8_t port;
	struct rte_ether_addr mac;
};

struct fw_state_route6 {
	struct fw_ip6 prefix;
	uint8_t plen;
	uint8_t connected;
	uint8_t port;
	struct fw_ip6 gateway; /* all zero for connected */
};

struct fw_state_neigh6 {
	struct fw_ip6 addr;
	uint8_t port;
	struct rte_ether_addr mac;
};

/* The IPv6 VIP map's key (rte_hash, 20 bytes): the same kinds as fw_vip_key. */
struct fw_vip6_key {
	struct fw_ip6 addr;
	uint16_t port; /* host order */
	uint8_t proto;
	uint8_t kind; /* enum fw_vip_key_kind */
};

/* One entry of vip6_table: key.kind 0 = empty (a real key has kind >= 1). */
struct fw_vip6_entry {
	struct fw_vip6_key key;
	uint32_t data; /* VIP slot, port index | FW_VK_SELF_BIT, or FW_SLOT_NONE */
};

struct fw_state {
	struct fw_dp *dp;
	uint64_t serial; /* set by fw_dp_publish */
	int finalized;
	/* Settings that apply without a restart, read by a worker when it adopts the
	 * state (fw_state_new takes them from fw_dp_conf; the control side may change
	 * them before finalize). */
	uint32_t new_flow_rate; /* new flows pinned per second per worker; 0 = no cap */
	uint32_t idle_sleep_us; /* µs an idle worker sleeps; 0 = busy-poll */
	uint32_t maglev_size;
	uint8_t nb_ports;
	struct fw_state_port ports[FW_STATE_MAX_PORTS];
	uint8_t port_index[RTE_MAX_ETHPORTS]; /* DPDK port id -> index or FW_PORT_INDEX_NONE */

	uint32_t max_vips, max_backends;
	struct fw_state_vip *vips;	   /* [max_vips] by slot */
	struct fw_state_backend *backends; /* [max_backends] by slot */
	struct rte_hash *vip_hash;	   /* struct fw_vip_key -> VIP slot / port index */
	/* The same map for the workers: open addressing on the 8-byte key (fw_state_vip_find) */
	uint32_t vip_mask; /* entries - 1 (a power of two, at most half full) */
	struct fw_vip_entry *vip_table;

	uint32_t nb_routes, routes_cap;
	struct fw_state_route *routes;
	struct rte_lpm *lpm; /* -> index in routes */
	uint32_t nb_neighs, neighs_cap;
	struct fw_state_neigh *neighs;

	/* IPv6, looked up only for IPv6 packets. vip6_hash maps struct fw_vip6_key to the
	 * same data as vip_hash (the builder's; workers read vip6_table below), every
	 * port's link_local included as a self address (FW_VK_ADDRESS -> port index |
	 * FW_VK_SELF_BIT). It is NULL when the state has no global v6 self address and no
	 * v6 VIP (nothing v6 is Tula's then); lpm6 is NULL without a v6 route. */
	struct rte_hash *vip6_hash;
	/* The same map for the workers, as vip_table is for vip_hash: open addressing on
	 * the 20-byte key (fw_state_vip6_find); NULL when vip6_hash is. */
	uint32_t vip6_mask; /* entries - 1 (a power of two, at most half full) */
	struct fw_vip6_entry *vip6_table;
	uint32_t nb_routes6, routes6_cap;
	struct fw_state_route6 *routes6;
	struct rte_lpm6 *lpm6; /* -> index in routes6 */
	uint32_t nb_neighs6, neighs6_cap;
	struct fw_state_neigh6 *neighs6;

	/* Control side only (never read by a worker): */
	uint32_t *lpm_refs;	    /* states sharing lpm (same routes), NULL = not shared */
	uint32_t *lpm6_refs;	    /* the same for lpm6 */
	struct fw_state_index *idx; /* builder's lookup index, freed by finalize */
};

/* The VIP hash key. kind selects what the lookup means. */
enum fw_vip_key_kind {
	FW_VK_SERVICE = 1, /* (addr, proto, port) -> VIP slot; port 0 = `port *` */
	FW_VK_ADDRESS = 2, /* (addr) -> port index | FW_VK_SELF_BIT: a VIP's or a self one */
	FW_VK_FRAGS = 3,   /* (addr, proto) -> the addresses-hash VIP that takes fragments */
};

#define FW_VK_SELF_BIT 0x100u /* FW_VK_ADDRESS data: a self address, not a VIP */

struct fw_vip_key {
	uint32_t addr;
	uint16_t port; /* host order */
	uint8_t proto;
	uint8_t kind;
};

/* One entry of vip_table: key 0 = empty (a real key has kind >= 1). */
struct fw_vip_entry {
	uint64_t key; /* struct fw_vip_key as one word (fw_vip_key_word) */
	uint64_t data;
};

static inline uint64_t fw_vip_key_word(uint32_t addr, uint8_t proto, uint16_t port, uint8_t kind)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	/* the struct's bytes as one word, put together in registers (per packet: the
	 * compiler builds the struct on the stack and reloads it otherwise) */
	return (uint64_t)addr | (uint64_t)port << 32 | (uint64_t)proto << 48 | (uint64_t)kind << 56;
#else
	struct fw_vip_key k = {.addr = addr, .port = port, .proto = proto, .kind = kind};
	uint64_t w;

	memcpy(&w, &k, sizeof(w));
	return w;
#endif
}

/*
 * The per-packet VIP lookup: one CRC32C of the 8-byte key, then linear probing in a
 * table at most half full (a few compares of one word, no function pointer and no
 * memcmp as in rte_hash's generic path). Returns 0 and *data, or -1.
 */
static inline int fw_state_vip_find(const struct fw_state *st, uint64_t key, uintptr_t *data)
{
	uint32_t i = fw_crc32c_u64(key, 0) & st->vip_mask;

	for (;;) {
		const struct fw_vip_entry *e = &st->vip_table[i];

		if (e->key == key) {
			*data = (uintptr_t)e->data;
			return 0;
		}
		if (e->key == 0)
			return -1;
		i = (i + 1) & st->vip_mask;
	}
}

/* The words of a struct fw_vip6_key (no padding: fw_state.c asserts it): the address
 * as two, then port, protocol and kind as one. */
static inline void fw_vip6_key_words(const struct fw_vip6_key *k, uint64_t *a, uint64_t *b,
				     uint32_t *c)
{
	memcpy(a, k->addr.b, 8);
	memcpy(b, k->addr.b + 8, 8);
	memcpy(c, &k->port, 4);
}

/* The slot of vip6_table where the search for k starts. */
static inline uint32_t fw_vip6_key_hash(const struct fw_vip6_key *k)
{
	uint64_t a, b;
	uint32_t c;

	fw_vip6_key_words(k, &a, &b, &c);
	return fw_crc32c_u32(c, fw_crc32c_u64(b, fw_crc32c_u64(a, 0)));
}

/*
 * The per-packet IPv6 VIP lookup, like fw_state_vip_find: three CRC32C steps over the
 * 20-byte key, then linear probing in a table at most half full, each probe three word
 * compares (rte_hash's generic path costs about five times the instructions: signature
 * buckets, a function pointer and memcmp). Returns 0 and *data, or -1.
 */
static inline int fw_state_vip6_find(const struct fw_state *st, const struct fw_vip6_key *k,
				     uintptr_t *data)
{
	uint64_t a, b, ea, eb;
	uint32_t c, ec, i;

	if (st->vip6_table == NULL)
		return -1;
	fw_vip6_key_words(k, &a, &b, &c);
	i = fw_crc32c_u32(c, fw_crc32c_u64(b, fw_crc32c_u64(a, 0))) & st->vip6_mask;
	for (;;) {
		const struct fw_vip6_entry *e = &st->vip6_table[i];

		fw_vip6_key_words(&e->key, &ea, &eb, &ec);
		if (ea == a && eb == b && ec == c) {
			*data = e->data;
			return 0;
		}
		if (e->key.kind == 0)
			return -1;
		i = (i + 1) & st->vip6_mask;
	}
}

/* ---- builder ------------------------------------------------------------------------ */

/*
 * A new, empty state for dp, inheriting identities from dp's current state.
 * Returns the state or NULL with errno (ENOMEM).
 */
struct fw_state *fw_state_new(struct fw_dp *dp);

/* Free a state that was never published (or that fw_dp hands back). NULL is fine. */
void fw_state_free(struct fw_state *st);

/* Returns 0; -EEXIST (port id already added), -ENOSPC (FW_STATE_MAX_PORTS), -EINVAL. */
int fw_state_add_port(struct fw_state *st, const struct fw_port_def *def);

/*
 * A self address addr/plen on port_id (also a connected route).
 * Returns 0; -ENODEV (port not added), -ENOSPC, -EEXIST, -EINVAL (plen > 32).
 */
int fw_state_add_address(struct fw_state *st, uint16_t port_id, uint32_t addr, uint8_t plen);

/*
 * A static route prefix/plen via gateway (which must sit on a connected subnet by
 * finalize time). Returns 0, -EINVAL, -EEXIST (same prefix twice), -ENOMEM.
 */
int fw_state_add_route(struct fw_state *st, uint32_t prefix, uint8_t plen, uint32_t gateway);

/* A resolved neighbour (ARP entry) on port_id. Returns 0, -ENODEV, -EEXIST, -ENOMEM. */
int fw_state_add_neighbour(struct fw_state *st, uint16_t port_id, uint32_t addr,
			   const struct rte_ether_addr *mac);

/*
 * Add a VIP. Returns its slot (>= 0), or -EINVAL (bad protocol/mode/hash/address),
 * -ENODEV (port not added), -EEXIST (same address/protocol/port, or the address lives
 * on another port), -ENOSPC (no free slot).
 */
int fw_state_add_vip(struct fw_state *st, const struct fw_vip_def *def);

/*
 * Add a backend to the VIP in vip_slot. Returns its slot (>= 0), or -ENOENT (no such
 * VIP), -EEXIST (address already a backend of this VIP), -EINVAL, -ENOSPC (no free
 * slot), -E2BIG (the VIP has FW_VIP_MAX_BACKENDS already).
 */
int fw_state_add_backend(struct fw_state *st, int vip_slot, const struct fw_backend_def *def);

/*
 * Resolve backends (L2: the neighbour on the VIP's port, which must be on a connected
 * subnet; L3: rte_lpm route -> next hop -> neighbour MAC, egress port = the route's),
 * build the VIP hash and every Maglev table. A backend whose neighbour is unknown (or,
 * in L3 mode, without a tunnel source and a port address) is kept but marked
 * unresolved (never chosen). Returns 0; -EINVAL (a static route's gateway is not on a
 * connected subnet), -EEXIST (a VIP address is also a self address), -ENOMEM,
 * -EALREADY (finalized twice).
 */
int fw_state_finalize(struct fw_state *st);

/* IPv6 counterparts of the calls above (same returns; plen up to 128; :: and multicast
 * addresses are -EINVAL). A VIP or backend of either family is added with
 * fw_state_add_vip / fw_state_add_backend (a backend of the other family than its VIP
 * is -EINVAL). A static route's gateway must sit on a connected v6 subnet (a
 * link-local gateway cannot: no port would say where it is). */
int fw_state_add_address6(struct fw_state *st, uint16_t port_id, const struct fw_ip6 *addr,
			  uint8_t plen);
int fw_state_add_route6(struct fw_state *st, const struct fw_ip6 *prefix, uint8_t plen,
			const struct fw_ip6 *gateway);
int fw_state_add_neighbour6(struct fw_state *st, uint16_t port_id, const struct fw_ip6 *addr,
			    const struct rte_ether_addr *mac);

/* Control-side helpers (any thread holding the state). */

/* Slot of the VIP (addr, proto, port) or -ENOENT. */
int fw_state_vip_slot(const struct fw_state *st, uint32_t addr, uint8_t proto, uint16_t port);
/* 1 when addr is the address of some VIP (any protocol and port), else 0. */
int fw_state_is_vip_addr(const struct fw_state *st, uint32_t addr);
/* Slot of the backend addr of vip_slot or -ENOENT. */
int fw_state_backend_slot(const struct fw_state *st, int vip_slot, uint32_t addr);
/* Number of Maglev entries pointing at backend slot (its share of the table). */
uint32_t fw_state_backend_share(const struct fw_state *st, int backend_slot);
/*
 * The same for every backend of VIP vip_slot in one pass over its table (a show of
 * 1 000 VIPs of 20 backends would otherwise scan 20 000 tables): counts[i] receives
 * the entries of vips[vip_slot].backends[i] (nb_backends of them). 0 or -ENOENT (no
 * such VIP).
 */
int fw_state_vip_shares(const struct fw_state *st, int vip_slot, uint32_t *counts);
/*
 * Route lookup: the next hop for dst (dst itself when connected) and its port index.
 * Returns 0, -ENETUNREACH.
 */
int fw_state_route_lookup(const struct fw_state *st, uint32_t dst, uint32_t *nexthop,
			  uint8_t *port_index);

/* IPv6 counterparts of the helpers above. */
int fw_state_vip6_slot(const struct fw_state *st, const struct fw_ip6 *addr, uint8_t proto,
		       uint16_t port);
int fw_state_is_vip6_addr(const struct fw_state *st, const struct fw_ip6 *addr);
int fw_state_backend6_slot(const struct fw_state *st, int vip_slot, const struct fw_ip6 *addr);
int fw_state_route6_lookup(const struct fw_state *st, const struct fw_ip6 *dst,
			   struct fw_ip6 *nexthop, uint8_t *port_index);

#endif
