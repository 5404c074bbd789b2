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
#include <rte_cycles.h>
#include <rte_malloc.h>

uint32_t fw_flow_hash(const struct fw_flow_key *k)
{
	uint32_t ports;

	memcpy(&ports, &k->sport, sizeof(ports)); /* sport, then dport */
	return fw_flow_hash_wire(k->src, k->dst, ports, k->proto);
}

#define HUGE_2M ((size_t)2 << 20)

void *fw_flow_map(size_t len)
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

uint8_t fw_flow_tick_shift(uint64_t hz)
{
	uint8_t s = 0;

	/* the longest power-of-two tick that still gives TICK_HZ ticks per second */
	while (s < 62 && (hz >> (s + 1)) >= FW_FLOW_TICK_HZ)
		s++;
	return s;
}

struct fw_flow_table *fw_flow_create(uint32_t entries, int socket)
{
	struct fw_flow_table *t;
	uint32_t nb = 1, i, w;

	if (entries == 0 || entries > (1u << 30)) {
		errno = EINVAL;
		return NULL;
	}
	/* at least two ways per flow: a load factor of at most 0.5 */
	while ((uint64_t)nb * FW_FLOW_WAYS < 2ull * entries)
		nb <<= 1;
	t = rte_zmalloc_socket("fw_flow", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* The buckets are CPU-only memory (never DMA'd): an anonymous mapping that the
	 * kernel may back with transparent huge pages. A 1 M-flow table spans 32 MB; with
	 * 4 KiB pages every lookup would also miss the TLB (the EAL's own memory is 4 KiB
	 * pages when it runs with --no-huge). */
	t->bytes = RTE_ALIGN_CEIL((size_t)nb * sizeof(*t->b), HUGE_2M);
	t->b = fw_flow_map(t->bytes);
	(void)socket;
	if (t->b == NULL) {
		rte_free(t);
		errno = ENOMEM;
		return NULL;
	}
	/* Every way free, written now: the pages are faulted in here, not on a worker. */
	for (i = 0; i < nb; i++)
		for (w = 0; w < FW_FLOW_WAYS; w++)
			t->b[i].e[w].key = FW_FLOW_FREE;
	t->mask = nb - 1;
	t->tick_shift = fw_flow_tick_shift(rte_get_tsc_hz());
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

struct fw_flow_entry *fw_flow_insert(struct fw_flow_table *t, uint64_t key, uint32_t hash,
				     uint32_t now, int *evicted)
{
	struct fw_flow_bucket *b = &t->b[hash & t->mask];
	unsigned int i, victim = 0;

	*evicted = 0;
	for (i = 0; i < FW_FLOW_WAYS; i++) {
		if (b->e[i].key == FW_FLOW_FREE) {
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
		/* closest to expiry, by signed difference (the tick wraps) */
		if ((int32_t)(b->e[i].expire - b->e[victim].expire) < 0)
			victim = i;
	}
	t->st.evicted++;
	*evicted = 1;
take:
	t->st.inserted++;
	b->e[victim].key = key;
	return &b->e[victim];
}

uint32_t fw_flow_flush_slice(struct fw_flow_table *t, uint16_t vip, uint32_t be, uint32_t from,
			     uint32_t count)
{
	uint32_t n = fw_flow_buckets(t), i, w;

	for (i = from; i < n && i - from < count; i++) {
		struct fw_flow_bucket *b = &t->b[i];

		for (w = 0; w < FW_FLOW_WAYS; w++) {
			struct fw_flow_entry *e = &b->e[w];

			if (e->key == FW_FLOW_FREE || fw_flow_vip(e) != vip)
				continue;
			if (be != FW_BE_NONE && fw_flow_be(e) != be)
				continue;
			e->key = FW_FLOW_FREE;
			t->st.used--;
			t->st.flushed++;
		}
	}
	return i >= n ? 0 : i;
}
