/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker flow table: 5-tuple -> (VIP slot, backend slot, backend generation),
 * with an idle timeout per entry and a bounded size.
 *
 * Why not rte_hash: a flow table must never refuse an insert (it must evict), must age
 * entries by time, and is written by exactly one thread; rte_hash has no eviction, no
 * ageing, and pays for multi-writer support. This is a set-associative cache (as CPU
 * caches and Katran's per-CPU LRU map do): the hash picks a bucket of FW_FLOW_WAYS
 * entries; an insert takes a free way, else an expired one, else the least recently
 * used one of the bucket. Lookups touch one bucket (one cache line of signatures,
 * then the matching entry).
 *
 * Time is the caller's TSC value; timeouts are in TSC cycles.
 *
 * Thread: owned by one worker; the control side may read fw_flow_stats() (plain loads).
 * Created and freed on the control side.
 */
#ifndef FW_FLOW_H
#define FW_FLOW_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_prefetch.h>

#define FW_FLOW_WAYS 8

struct fw_flow_key {
	uint32_t src, dst;     /* network order */
	uint16_t sport, dport; /* network order; 0 in addresses-hash mode */
	uint8_t proto;
	uint8_t pad[3];
};

struct fw_flow_entry {
	struct fw_flow_key key;
	uint16_t vip;	  /* VIP slot */
	uint16_t be;	  /* backend slot */
	uint32_t be_gen;  /* backend generation: a reused slot never matches */
	uint64_t last;	  /* TSC of the last packet */
	uint64_t timeout; /* idle timeout in TSC cycles */
	uint64_t packets; /* for top talkers */
};

struct fw_flow_bucket {
	uint32_t sig[FW_FLOW_WAYS]; /* hash | 1 of the way's key; 0 = free */
	struct fw_flow_entry e[FW_FLOW_WAYS];
} __rte_cache_aligned;

struct fw_flow_stats {
	uint64_t capacity;
	uint64_t used; /* ways holding an entry (live or not yet reclaimed) */
	uint64_t inserted;
	uint64_t evicted; /* live entries pushed out by an insert into a full bucket */
	uint64_t expired; /* idle entries reclaimed by an insert */
	uint64_t flushed;
};

struct fw_flow_table {
	uint32_t mask; /* buckets - 1 */
	size_t bytes;  /* size of the bucket mapping */
	struct fw_flow_stats st;
	struct fw_flow_bucket *b;
};

/* Hash of a key, the same on every worker and instance (CRC32C of host-order fields). */
uint32_t fw_flow_hash(const struct fw_flow_key *k);

/*
 * A table holding at least `entries` flows (rounded up to a power of two of buckets).
 * Returns it or NULL with errno (EINVAL, ENOMEM). Control side (allocates; the buckets
 * are an anonymous mapping advised for transparent huge pages).
 */
struct fw_flow_table *fw_flow_create(uint32_t entries, int socket);
void fw_flow_free(struct fw_flow_table *t);

/*
 * The entry for k, live or expired (check fw_flow_expired()), or NULL. Refreshes
 * nothing: the caller updates last/packets when it uses the entry.
 */
struct fw_flow_entry *fw_flow_lookup(struct fw_flow_table *t, const struct fw_flow_key *k,
				     uint32_t hash);

static inline int fw_flow_expired(const struct fw_flow_entry *e, uint64_t now)
{
	return now - e->last > e->timeout;
}

/*
 * Claim a way for k (which must not be in the table: look it up first): free, else expired, else LRU
 * of the bucket. The entry's key, last and timeout are set; the caller fills vip/be.
 * *evicted is set to 1 when a live entry was pushed out. Never fails.
 */
struct fw_flow_entry *fw_flow_insert(struct fw_flow_table *t, const struct fw_flow_key *k,
				     uint32_t hash, uint64_t now, uint64_t timeout, int *evicted);

/*
 * Remove entries of VIP slot vip (and, when be != FW_SLOT_NONE, only those on backend
 * slot be) in buckets [from, from + count). Returns the next bucket to scan, or 0 when
 * the scan wrapped (done). Lets a worker flush in slices between bursts.
 */
uint32_t fw_flow_flush_slice(struct fw_flow_table *t, uint16_t vip, uint16_t be, uint32_t from,
			     uint32_t count);

/*
 * Burst helpers (rte_hash's bulk lookups work the same way): prefetch the bucket of
 * every packet of a burst first, then the entry whose signature matches, so that the
 * cache misses of a burst overlap instead of adding up.
 */
static inline void fw_flow_prefetch_bucket(const struct fw_flow_table *t, uint32_t hash)
{
	rte_prefetch0(&t->b[hash & t->mask]);
}

static inline void fw_flow_prefetch_entry(const struct fw_flow_table *t, uint32_t hash)
{
	const struct fw_flow_bucket *b = &t->b[hash & t->mask];
	uint32_t sig = hash | 1, i;

	for (i = 0; i < FW_FLOW_WAYS; i++) {
		if (b->sig[i] == sig) {
			rte_prefetch0(&b->e[i]);
			rte_prefetch0((const uint8_t *)&b->e[i + 1] - 1); /* may span 2 lines */
			return;
		}
	}
}

static inline uint32_t fw_flow_buckets(const struct fw_flow_table *t)
{
	return t->mask + 1;
}

#endif
