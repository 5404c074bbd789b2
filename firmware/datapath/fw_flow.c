/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Set-associative flow table (see fw_flow.h for why not rte_hash).
 */
#include "firmware/datapath/fw_flow.h"

#include "firmware/fw_state.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#define FLOW_SEED 0x54554c41u /* "TULA" */

uint32_t fw_flow_hash(const struct fw_flow_key *k)
{
	uint32_t h = FLOW_SEED;

	h = rte_hash_crc_4byte(rte_be_to_cpu_32(k->src), h);
	h = rte_hash_crc_4byte(rte_be_to_cpu_32(k->dst), h);
	h = rte_hash_crc_4byte(
		((uint32_t)rte_be_to_cpu_16(k->sport) << 16) | rte_be_to_cpu_16(k->dport), h);
	h = rte_hash_crc_4byte(k->proto, h);
	return h;
}

#define HUGE_2M ((size_t)2 << 20)

/* An anonymous mapping of len bytes (a multiple of 2 MiB) aligned on 2 MiB, so that
 * all of it can be backed by transparent huge pages; NULL on failure. */
static void *map_aligned(size_t len)
{
	uint8_t *p = mmap(NULL, len + HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	uint8_t *a;

	if (p == MAP_FAILED)
		return NULL;
	a = RTE_PTR_ALIGN_CEIL(p, HUGE_2M);
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + len < p + len + HUGE_2M)
		munmap(a + len, (size_t)(p + len + HUGE_2M - (a + len)));
	madvise(a, len, MADV_HUGEPAGE); /* advisory: may be refused */
	return a;
}

struct fw_flow_table *fw_flow_create(uint32_t entries, int socket)
{
	struct fw_flow_table *t;
	uint32_t nb = 1;

	if (entries == 0 || entries > (1u << 30)) {
		errno = EINVAL;
		return NULL;
	}
	while ((uint64_t)nb * FW_FLOW_WAYS < entries)
		nb <<= 1;
	t = rte_zmalloc_socket("fw_flow", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* The buckets are CPU-only memory (never DMA'd): an anonymous mapping that the
	 * kernel may back with transparent huge pages. A 1 M-flow table spans ~100 MB;
	 * with 4 KiB pages every lookup would also miss the TLB (the EAL's own memory is
	 * 4 KiB pages when it runs with --no-huge). */
	t->bytes = RTE_ALIGN_CEIL((size_t)nb * sizeof(*t->b), HUGE_2M);
	t->b = map_aligned(t->bytes);
	(void)socket;
	if (t->b == NULL) {
		rte_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->mask = nb - 1;
	t->st.capacity = (uint64_t)nb * FW_FLOW_WAYS;
	return t;
}

void fw_flow_free(struct fw_flow_table *t)
{
	if (t == NULL)
		return;
	if (t->b != NULL)
		munmap(t->b, t->bytes);
	rte_free(t);
}

static inline int key_eq(const struct fw_flow_key *a, const struct fw_flow_key *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto;
}

struct fw_flow_entry *fw_flow_lookup(struct fw_flow_table *t, const struct fw_flow_key *k,
				     uint32_t hash)
{
	struct fw_flow_bucket *b = &t->b[hash & t->mask];
	uint32_t sig = hash | 1, i;

	for (i = 0; i < FW_FLOW_WAYS; i++) {
		if (b->sig[i] == sig && key_eq(&b->e[i].key, k))
			return &b->e[i];
	}
	return NULL;
}

struct fw_flow_entry *fw_flow_insert(struct fw_flow_table *t, const struct fw_flow_key *k,
				     uint32_t hash, uint64_t now, uint64_t timeout, int *evicted)
{
	struct fw_flow_bucket *b = &t->b[hash & t->mask];
	uint32_t sig = hash | 1, i, victim = FW_FLOW_WAYS, lru = 0;
	struct fw_flow_entry *e;

	*evicted = 0;
	for (i = 0; i < FW_FLOW_WAYS; i++) {
		if (b->sig[i] == 0) {
			victim = i;
			t->st.used++;
			goto take;
		}
	}
	for (i = 0; i < FW_FLOW_WAYS; i++) {
		if (fw_flow_expired(&b->e[i], now)) {
			victim = i;
			t->st.expired++;
			goto take;
		}
		if (i == 0 || b->e[i].last < b->e[lru].last)
			lru = i;
	}
	victim = lru;
	t->st.evicted++;
	*evicted = 1;
take:
	t->st.inserted++;
	b->sig[victim] = sig;
	e = &b->e[victim];
	e->key = *k;
	e->last = now;
	e->timeout = timeout;
	e->packets = 0;
	return e;
}

uint32_t fw_flow_flush_slice(struct fw_flow_table *t, uint16_t vip, uint16_t be, uint32_t from,
			     uint32_t count)
{
	uint32_t n = fw_flow_buckets(t), i, w;

	for (i = from; i < n && i - from < count; i++) {
		struct fw_flow_bucket *b = &t->b[i];

		for (w = 0; w < FW_FLOW_WAYS; w++) {
			if (b->sig[w] == 0 || b->e[w].vip != vip)
				continue;
			if (be != FW_SLOT_NONE && b->e[w].be != be)
				continue;
			b->sig[w] = 0;
			t->st.used--;
			t->st.flushed++;
		}
	}
	return i >= n ? 0 : i;
}
