/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker flow table: (VIP slot, client address, client port) -> (backend slot,
 * backend generation), with an expiry time per entry and a bounded size.
 *
 * Why not rte_hash: a flow table must never refuse an insert (it must evict), must age
 * entries by time, and is written by exactly one thread; rte_hash has no eviction, no
 * ageing, and pays for multi-writer support. This is a set-associative cache (as CPU
 * caches and Katran's per-CPU LRU map do): the hash picks a bucket of FW_FLOW_WAYS
 * entries; an insert takes a free way, else an expired one, else the one closest to
 * expiry (the least recently used, when the VIP timeouts are equal).
 *
 * Compact on purpose: a bucket is one cache line of four 16-byte entries, so a lookup
 * costs one memory access and a 1 Mi-flow table is 32 MiB, not 100. The VIP implies the
 * protocol, the destination address and the timeouts, so an entry stores none of them:
 *   - the key is one 64-bit word, VIP slot | client port | client address (compared
 *     with one instruction). The destination port is not stored: it is in the hash that
 *     picks the bucket, and for a `port *` VIP two flows from one client address and
 *     port to two ports of the VIP that also land in one bucket share an entry (they go
 *     to the same backend of the same VIP: no harm in a DSR balancer);
 *   - the expiry is a 32-bit coarse tick (FW_FLOW_TICK_HZ per second, wrapping after
 *     years; compared by signed difference). It is written as timeout + 1/16 ahead, and
 *     a hit writes it again only when less than the timeout is left: once per 1/16 of
 *     the timeout per flow (every 19 s for 300 s), so the cache line stays clean on the
 *     hot path. An idle flow goes between its timeout and 17/16 of it;
 *   - the backend is one 32-bit word (fw_flow_bg): the backend slot in the low 20 bits
 *     (FW_FLOW_BE_MASK: up to 1 Mi backend slots), the backend generation modulo 2^10
 *     (FW_FLOW_GEN_MASK) in the next 10, and two state bits on top. A flow stays on its
 *     backend while that backend exists: the generation then matches exactly. A removed
 *     backend's slot reused 1024 identities later (generations are drawn from one
 *     counter for every VIP and backend) by another backend of the same VIP could take
 *     over that backend's orphaned flows: they had to move anyway, and they land on a
 *     live backend of their VIP. The builder never gives a reused slot a generation
 *     equal, modulo 2^10, to that of the slot's occupant in the published state.
 * Sizing: fw_flow_create(n) gives at least 2 n ways, so that n flows run the table at a
 * load factor of at most 0.5 (16 B / 0.5 = 32 bytes per flow). With random keys and 4
 * ways, about 3.7 % of flows find their bucket full at that load and evict the entry
 * closest to expiry (balls into bins: E[max(X - 4, 0)] / 2 for X ~ Poisson(2));
 * tests/unit/firmware/datapath/test_fw_flow.c measures it.
 *
 * IPv6: a v6 flow needs 16 bytes of client address, so v6 flows have a table of their
 * own (fw_flow6.h) with 32-byte entries (this entry, then the other 96 bits of the
 * address), looked up only for IPv6 packets. The v4 entry stays 16 bytes and its lookup
 * unchanged; the key word keeps the VIP slot in its top 16 bits in both, so a flush by
 * VIP or backend works the same way.
 *
 * TCP state, two bits per entry: SYN (only a SYN without ACK seen yet: a half-open flow,
 * kept only for the VIP's fin-timeout until the client's next packet, so that a SYN
 * flood under the new-flow cap fills the table with entries that expire first) and FIN
 * (the client sent FIN or RST: the flow keeps the fin-timeout from then on).
 *
 * Thread: owned by one worker; the control side may read fw_flow_stats() (plain loads).
 * Created and freed on the control side.
 */
#ifndef FW_FLOW_H
#define FW_FLOW_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_prefetch.h>

#include "firmware/fw_state.h" /* fw_crc32c_u32 */

#define FW_FLOW_WAYS	4
#define FW_FLOW_TICK_HZ 16	   /* at least this many ticks per second */
#define FW_FLOW_FREE	UINT64_MAX /* key of a free way (VIP slot 0xffff never exists) */
/* The entry's backend word (struct fw_flow_entry.bg): slot | generation | state. */
#define FW_FLOW_BE_BITS	  20
#define FW_FLOW_BE_MASK	  ((1u << FW_FLOW_BE_BITS) - 1) /* backend slot */
#define FW_FLOW_GEN_SHIFT FW_FLOW_BE_BITS
#define FW_FLOW_GEN_MASK  0x3ffu     /* backend generation bits kept, before the shift */
#define FW_FLOW_SYN	  (1u << 30) /* half-open: only a SYN seen */
#define FW_FLOW_FIN	  (1u << 31) /* the client sent FIN or RST */
#define FW_FLOW_STATE	  (FW_FLOW_SYN | FW_FLOW_FIN)

/* The 5-tuple a flow is hashed on (and Maglev chooses by). */
struct fw_flow_key {
	uint32_t src, dst;     /* network order */
	uint16_t sport, dport; /* network order; 0 in addresses-hash mode */
	uint8_t proto;
	uint8_t pad[3];
};

struct fw_flow_entry {
	uint64_t key;	 /* fw_flow_id(); FW_FLOW_FREE when the way is free */
	uint32_t expire; /* tick after which the flow is idle (fw_flow_expired) */
	uint32_t bg;	 /* backend slot | generation | FW_FLOW_SYN | FW_FLOW_FIN (fw_flow_bg) */
};

struct fw_flow_bucket {
	struct fw_flow_entry e[FW_FLOW_WAYS];
} __rte_cache_aligned;

_Static_assert(sizeof(struct fw_flow_entry) == 16, "a flow entry is 16 bytes");
_Static_assert(sizeof(struct fw_flow_bucket) == RTE_CACHE_LINE_SIZE, "a bucket is one line");

/*
 * Top talkers: entries carry no packet count (a hit would have to write it), so each
 * worker samples one packet in FW_TALKER_SAMPLE into a Space-Saving sketch of
 * FW_TALKERS flows (Metwally, Agrawal, El Abbadi, "Efficient computation of frequent
 * and top-k elements in data streams", 2005): a sampled flow already in the sketch
 * counts one more; another replaces the flow with the fewest samples and inherits its
 * count plus one. A flow that sent more than 1/FW_TALKERS of the samples is in it.
 */
#define FW_TALKERS	 16
#define FW_TALKER_SAMPLE 64

struct fw_talker {
	struct fw_flow_key key; /* 5-tuple as the client sent it */
	uint16_t vip;		/* VIP slot (of the last sample) */
	uint32_t be;		/* backend slot (of the last sample) */
	uint32_t be_gen;	/* backend generation (of the last sample) */
	uint64_t packets;	/* samples x the sampling period: an estimate */
};

struct fw_talkers {
	uint32_t every; /* init: sample one packet in `every` (tests use 1) */
	uint32_t left;	/* worker: packets until the next sample */
	struct fw_talker t[FW_TALKERS];
};

struct fw_flow_stats {
	uint64_t capacity;
	uint64_t used; /* ways holding an entry (live or not yet reclaimed) */
	uint64_t inserted;
	uint64_t evicted; /* live entries pushed out by an insert into a full bucket */
	uint64_t expired; /* idle entries reclaimed by an insert */
	uint64_t flushed;
};

struct fw_flow_table {
	uint32_t mask;	    /* buckets - 1 */
	uint8_t tick_shift; /* tick = TSC >> tick_shift (fw_flow_tick_shift) */
	size_t bytes;	    /* size of the bucket mapping */
	struct fw_flow_stats st;
	struct fw_flow_bucket *b;
};

#define FW_FLOW_SEED 0x54554c41u /* "TULA" */

/*
 * Hash of a 5-tuple, the same on every worker and instance (CRC32C of host-order
 * fields: source, destination, source port << 16 | destination port, protocol): picks
 * the bucket here and the Maglev entry in the pipeline. src and dst as on the wire;
 * ports: the four bytes of source and destination port as on the wire (0 when the VIP
 * hashes addresses only).
 */
static inline uint32_t fw_flow_hash_wire(uint32_t src, uint32_t dst, uint32_t ports, uint8_t proto)
{
	uint32_t h = FW_FLOW_SEED;

	/* the compiler's byte swap (rte_be_to_cpu_32 is inline assembly on x86) */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	src = __builtin_bswap32(src);
	dst = __builtin_bswap32(dst);
	ports = __builtin_bswap32(ports);
#endif
	h = fw_crc32c_u32(src, h);
	h = fw_crc32c_u32(dst, h);
	h = fw_crc32c_u32(ports, h);
	return fw_crc32c_u32(proto, h);
}

/* fw_flow_hash_wire of a key. */
uint32_t fw_flow_hash(const struct fw_flow_key *k);

/* The key word of a flow of VIP slot vip from src:sport (network order, as on the wire). */
static inline uint64_t fw_flow_id(uint16_t vip, uint32_t src, uint16_t sport)
{
	return (uint64_t)vip << 48 | (uint64_t)sport << 32 | src;
}

static inline uint16_t fw_flow_vip(const struct fw_flow_entry *e)
{
	return (uint16_t)(e->key >> 48);
}

static inline uint32_t fw_flow_src(const struct fw_flow_entry *e)
{
	return (uint32_t)e->key;
}

static inline uint16_t fw_flow_sport(const struct fw_flow_entry *e)
{
	return (uint16_t)(e->key >> 32);
}

/* The backend word of an entry pinned to backend slot be (< 2^FW_FLOW_BE_BITS) of
 * generation gen (kept modulo 2^10), in TCP state state (FW_FLOW_SYN, FW_FLOW_FIN). */
static inline uint32_t fw_flow_bg(uint32_t be, uint32_t gen, uint32_t state)
{
	return be | (gen & FW_FLOW_GEN_MASK) << FW_FLOW_GEN_SHIFT | state;
}

static inline uint32_t fw_flow_be(const struct fw_flow_entry *e)
{
	return e->bg & FW_FLOW_BE_MASK;
}

/* The generation bits kept (gen & FW_FLOW_GEN_MASK of the backend it was pinned to). */
static inline uint32_t fw_flow_gen(const struct fw_flow_entry *e)
{
	return e->bg >> FW_FLOW_GEN_SHIFT & FW_FLOW_GEN_MASK;
}

/* 1 when the entry was pinned to a backend of generation gen (modulo the bits kept). */
static inline int fw_flow_gen_is(const struct fw_flow_entry *e, uint32_t gen)
{
	return ((e->bg >> FW_FLOW_GEN_SHIFT ^ gen) & FW_FLOW_GEN_MASK) == 0;
}

/* The shift that turns a TSC of hz cycles per second into ticks: a power of two of
 * cycles (a tick costs a shift) of 1/(2 FW_FLOW_TICK_HZ) .. 1/FW_FLOW_TICK_HZ s. */
uint8_t fw_flow_tick_shift(uint64_t hz);

/* secs seconds in ticks of the given shift, rounded up (never 0 for secs > 0). */
static inline uint32_t fw_flow_ticks(uint64_t hz, uint8_t shift, uint32_t secs)
{
	uint64_t t = ((uint64_t)secs * hz + (1ull << shift) - 1) >> shift;

	return t > INT32_MAX ? INT32_MAX : (uint32_t)t;
}

/*
 * A table holding `entries` flows at a load factor of at most 0.5 (at least 2 x entries
 * ways, rounded up to a power of two of buckets). Returns it or NULL with errno (EINVAL,
 * ENOMEM). Control side: allocates, and writes every way free, so that the worker never
 * takes a page fault on it (the buckets are an anonymous mapping advised for
 * transparent huge pages).
 */
struct fw_flow_table *fw_flow_create(uint32_t entries, int socket);
void fw_flow_free(struct fw_flow_table *t);

/* An anonymous mapping of len bytes (a multiple of 2 MiB) aligned on 2 MiB, so that all
 * of it can be backed by transparent huge pages (both flow tables' buckets); NULL on
 * failure; munmap(p, len) frees it. Control side. */
void *fw_flow_map(size_t len);

/*
 * The entry of key (fw_flow_id) in the bucket of hash, live or expired (check
 * fw_flow_expired()), or NULL. Writes nothing.
 */
static inline struct fw_flow_entry *fw_flow_lookup(struct fw_flow_table *t, uint64_t key,
						   uint32_t hash)
{
	struct fw_flow_bucket *b = &t->b[hash & t->mask];
	unsigned int i;

	for (i = 0; i < FW_FLOW_WAYS; i++)
		if (b->e[i].key == key)
			return &b->e[i];
	return NULL;
}

/* Idle at tick now: past its expiry (signed difference: the tick wraps). */
static inline int fw_flow_expired(const struct fw_flow_entry *e, uint32_t now)
{
	return (int32_t)(now - e->expire) > 0;
}

/*
 * Claim a way for key (which must not be in the table: look it up first) in the bucket
 * of hash: free, else expired at tick now, else the one closest to expiry. The entry's
 * key is set; the caller fills expire and bg. *evicted is set to 1 when a live
 * entry was pushed out. Never fails.
 */
struct fw_flow_entry *fw_flow_insert(struct fw_flow_table *t, uint64_t key, uint32_t hash,
				     uint32_t now, int *evicted);

/*
 * Remove entries of VIP slot vip (and, when be != FW_BE_NONE, only those on backend
 * slot be) in buckets [from, from + count). Returns the next bucket to scan, or 0 when
 * the scan wrapped (done). Lets a worker flush in slices between bursts.
 */
uint32_t fw_flow_flush_slice(struct fw_flow_table *t, uint16_t vip, uint32_t be, uint32_t from,
			     uint32_t count);

/*
 * The pipeline prefetches the bucket of every packet of a burst before it looks any of
 * them up (rte_hash's bulk lookups work the same way), so that the cache misses of a
 * burst overlap instead of adding up. One line per flow: nothing else to fetch.
 */
static inline void fw_flow_prefetch(const struct fw_flow_table *t, uint32_t hash)
{
	rte_prefetch0(&t->b[hash & t->mask]);
}

static inline uint32_t fw_flow_buckets(const struct fw_flow_table *t)
{
	return t->mask + 1;
}

#endif
