/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv6 flow table (see fw_flow6.h; the same design as fw_flow.c's, with 32-byte
 * entries).
 */
#include "firmware/datapath/fw_flow6.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#define FLOW_SEED 0x54554c41u /* "TULA", as the IPv4 hash */
#define HUGE_2M	  ((size_t)2 << 20)

static inline uint32_t crc_addr(const struct fw_ip6 *a, uint32_t h)
{
	unsigned int i;

	for (i = 0; i < 4; i++) {
		uint32_t w;

		memcpy(&w, &a->b[4 * i], sizeof(w));
		h = rte_hash_crc_4byte(rte_be_to_cpu_32(w), h);
	}
	return h;
}

uint32_t fw_flow_hash6(const struct fw_flow_key6 *k)
{
	uint32_t h = FLOW_SEED;

	h = crc_addr(&k->src, h);
	h = crc_addr(&k->dst, h);
	h = rte_hash_crc_4byte(
		((uint32_t)rte_be_to_cpu_16(k->sport) << 16) | rte_be_to_cpu_16(k->dport), h);
	h = rte_hash_crc_4byte(k->proto, h);
	return h;
}

struct fw_flow6_table *fw_flow6_create(uint32_t entries, int socket)
{
	struct fw_flow6_table *t;
	uint32_t nb = 1, i, w;

	if (entries == 0 || entries > (1u << 29)) {
		errno = EINVAL;
		return NULL;
	}
	/* at least two ways per flow: a load factor of at most 0.5 */
	while ((uint64_t)nb * FW_FLOW_WAYS < 2ull * entries)
		nb <<= 1;
	t = rte_zmalloc_socket("fw_flow6", sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* CPU-only memory, huge-page friendly, faulted in here (fw_flow_create says why) */
	t->bytes = RTE_ALIGN_CEIL((size_t)nb * sizeof(*t->b), HUGE_2M);
	t->b = fw_flow_map(t->bytes);
	if (t->b == NULL) {
		rte_free(t);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < nb; i++)
		for (w = 0; w < FW_FLOW_WAYS; w++)
			t->b[i].e[w].f.key = FW_FLOW_FREE;
	t->mask = nb - 1;
	t->tick_shift = fw_flow_tick_shift(rte_get_tsc_hz());
	t->st.capacity = (uint64_t)nb * FW_FLOW_WAYS;
	return t;
}

void fw_flow6_free(struct fw_flow6_table *t)
{
	if (t == NULL)
		return;
	if (t->b != NULL)
		munmap(t->b, t->bytes);
	rte_free(t);
}

struct fw_flow6_entry *fw_flow6_insert(struct fw_flow6_table *t, uint64_t key,
				       const struct fw_ip6 *src, uint32_t hash, uint32_t now,
				       int *evicted)
{
	struct fw_flow6_bucket *b = &t->b[hash & t->mask];
	unsigned int i, victim = 0;

	*evicted = 0;
	for (i = 0; i < FW_FLOW_WAYS; i++) {
		if (b->e[i].f.key == FW_FLOW_FREE) {
			victim = i;
			t->st.used++;
			goto take;
		}
	}
	for (i = 0; i < FW_FLOW_WAYS; i++) {
		if (fw_flow_expired(&b->e[i].f, now)) {
			victim = i;
			t->st.expired++;
			goto take;
		}
		if ((int32_t)(b->e[i].f.expire - b->e[victim].f.expire) < 0)
			victim = i;
	}
	t->st.evicted++;
	*evicted = 1;
take:
	t->st.inserted++;
	b->e[victim].f.key = key;
	memcpy(&b->e[victim].hi64, &src->b[0], sizeof(b->e[victim].hi64));
	memcpy(&b->e[victim].hi32, &src->b[8], sizeof(b->e[victim].hi32));
	return &b->e[victim];
}

uint32_t fw_flow6_flush_slice(struct fw_flow6_table *t, uint16_t vip, uint32_t be, uint32_t from,
			      uint32_t count)
{
	uint32_t n = fw_flow6_buckets(t), i, w;

	for (i = from; i < n && i - from < count; i++) {
		struct fw_flow6_bucket *b = &t->b[i];

		for (w = 0; w < FW_FLOW_WAYS; w++) {
			struct fw_flow_entry *e = &b->e[w].f;

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
