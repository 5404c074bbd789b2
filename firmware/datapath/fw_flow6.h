/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker IPv6 flow table: (VIP slot, client address, client port) -> (backend
 * slot, backend generation), beside the IPv4 table of fw_flow.h and with its semantics
 * (set-associative, never refuses an insert, expiry per entry, the same TCP state bits,
 * flush by VIP or backend). Only IPv6 packets look it up: the IPv4 entry stays 16 bytes
 * and its lookup unchanged.
 *
 * An entry is 32 bytes: the IPv4 entry's 16 (the same 64-bit key word, VIP slot | client
 * port | the low 32 bits of the client address; expiry; the backend word: backend
 * slot, generation and SYN/FIN bits) followed by the other 96 bits of the address. Because the first half is
 * a struct fw_flow_entry, the pipeline's choice of backend (pinned, re-pinned, expired,
 * new) is the same code for both families. A lookup compares the key word first and
 * the 96 bits only on a match of it.
 *
 * A bucket holds FW_FLOW_WAYS (4) entries as the IPv4 one does, so the eviction rate at
 * a given load factor is the same (about 3.7 % of inserts at 0.5); it is two cache lines
 * instead of one, both prefetched (adjacent lines: one 128-byte aligned block).
 * Sizing: fw_flow6_create(n) gives at least 2 n ways, a load factor of at most 0.5, so
 * 32 B / 0.5 = 64 bytes per flow (the IPv4 table: 32).
 *
 * How many: the data path creates the IPv6 table for fw_dp_conf.flow6_entries flows,
 * by default half of flow_entries (the IPv4 table's count), so that the IPv6 table takes
 * the same memory as the IPv4 one.
 *
 * Thread: owned by one worker; the control side may read the statistics (plain loads).
 * Created and freed on the control side.
 */
#ifndef FW_FLOW6_H
#define FW_FLOW6_H

#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_prefetch.h>

#include "firmware/datapath/fw_flow.h"
#include "firmware/fw_state.h"

/* The 5-tuple an IPv6 flow is hashed on (and Maglev chooses by). */
struct fw_flow_key6 {
	struct fw_ip6 src, dst; /* network order */
	uint16_t sport, dport;	/* network order; 0 in addresses-hash mode */
	uint8_t proto;
	uint8_t pad[3];
};

struct fw_flow6_entry {
	struct fw_flow_entry f; /* key word (fw_flow6_id), expiry, backend, state bits */
	uint64_t hi64;		/* client address bytes 0..7, as loaded from memory */
	uint32_t hi32;		/* client address bytes 8..11 */
	uint32_t pad;
};

struct fw_flow6_bucket {
	struct fw_flow6_entry e[FW_FLOW_WAYS];
} __rte_aligned(2 * RTE_CACHE_LINE_SIZE);

_Static_assert(sizeof(struct fw_flow6_entry) == 32, "an IPv6 flow entry is 32 bytes");
_Static_assert(sizeof(struct fw_flow6_bucket) == 2 * RTE_CACHE_LINE_SIZE,
	       "an IPv6 bucket is two lines");

struct fw_flow6_table {
	uint32_t mask;	    /* buckets - 1 */
	uint8_t tick_shift; /* as the IPv4 table's */
	size_t bytes;	    /* size of the bucket mapping */
	struct fw_flow_stats st;
	struct fw_flow6_bucket *b;
};

/* Hash of an IPv6 5-tuple, the same on every worker and instance (CRC32C of the
 * host-order fields: source and destination as four 32-bit words each, ports, protocol):
 * picks the bucket here and the Maglev entry in the pipeline. */
uint32_t fw_flow_hash6(const struct fw_flow_key6 *k);

/* The key word of a flow of VIP slot vip from [src]:sport (network order). */
static inline uint64_t fw_flow6_id(uint16_t vip, const struct fw_ip6 *src, uint16_t sport)
{
	uint32_t lo;

	memcpy(&lo, &src->b[12], sizeof(lo));
	return fw_flow_id(vip, lo, sport);
}

/* A table holding `entries` IPv6 flows at a load factor of at most 0.5. Returns it or NULL
 * with errno (EINVAL, ENOMEM). Control side, as fw_flow_create. */
struct fw_flow6_table *fw_flow6_create(uint32_t entries, int socket);
void fw_flow6_free(struct fw_flow6_table *t);

/* The entry of (key, src) in the bucket of hash, live or expired, or NULL. Writes nothing. */
static inline struct fw_flow6_entry *fw_flow6_lookup(struct fw_flow6_table *t, uint64_t key,
						     const struct fw_ip6 *src, uint32_t hash)
{
	struct fw_flow6_bucket *b = &t->b[hash & t->mask];
	uint64_t hi64;
	uint32_t hi32;
	unsigned int i;

	memcpy(&hi64, &src->b[0], sizeof(hi64));
	memcpy(&hi32, &src->b[8], sizeof(hi32));
	for (i = 0; i < FW_FLOW_WAYS; i++)
		if (b->e[i].f.key == key && b->e[i].hi64 == hi64 && b->e[i].hi32 == hi32)
			return &b->e[i];
	return NULL;
}

/*
 * Claim a way for (key, src) (which must not be in the table) in the bucket of hash: free,
 * else expired at tick now, else the one closest to expiry. Key and address are set; the
 * caller fills expire and bg. *evicted = 1 when a live entry was pushed out.
 */
struct fw_flow6_entry *fw_flow6_insert(struct fw_flow6_table *t, uint64_t key,
				       const struct fw_ip6 *src, uint32_t hash, uint32_t now,
				       int *evicted);

/* As fw_flow_flush_slice, on the IPv6 table. */
uint32_t fw_flow6_flush_slice(struct fw_flow6_table *t, uint16_t vip, uint32_t be, uint32_t from,
			      uint32_t count);

/* Both lines of the bucket of hash (see fw_flow_prefetch). */
static inline void fw_flow6_prefetch(const struct fw_flow6_table *t, uint32_t hash)
{
	const struct fw_flow6_bucket *b = &t->b[hash & t->mask];

	rte_prefetch0(b);
	rte_prefetch0((const uint8_t *)b + RTE_CACHE_LINE_SIZE);
}

static inline uint32_t fw_flow6_buckets(const struct fw_flow6_table *t)
{
	return t->mask + 1;
}

#endif
