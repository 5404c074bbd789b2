/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev table population. The permutation of backend i is
 *   entry_j = (offset_i + j * skip_i) mod M,
 * offset_i = h1(addr_i) mod M, skip_i = h2(addr_i) mod (M - 1) + 1, M prime, so every
 * permutation visits every entry. h1/h2 are Jenkins hashes of the address's numeric
 * value with two fixed seeds (an IPv6 address as four 32-bit words, most significant
 * first): endian-independent and identical on every instance.
 */
#include "firmware/control/fw_maglev.h"
#include "firmware/fw_state.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_jhash.h>

#define SEED_OFFSET 0x7475u /* "tu" */
#define SEED_SKIP   0x6c61u /* "la" */

struct perm {
	uint8_t family; /* the sort key: family, then address */
	uint8_t addr6[16];
	uint32_t addr; /* IPv4, host order */
	uint32_t weight;
	uint32_t next; /* current entry of the permutation */
	uint32_t skip;
	uint64_t credit;
	uint16_t id;
};

int fw_maglev_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 2)
		return 0;
	for (d = 2; (uint64_t)d * d <= n; d++)
		if (n % d == 0)
			return 0;
	return 1;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct perm *x = a, *y = b;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->family == FW_AF_INET6)
		return memcmp(x->addr6, y->addr6, sizeof(x->addr6));
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int fw_maglev_build(uint16_t *table, uint32_t size, const struct fw_maglev_backend *be, uint32_t n)
{
	struct perm *p = NULL;
	uint32_t i, np = 0, filled = 0;
	uint64_t max_w = 0;

	if (size < 3 || !fw_maglev_is_prime(size) || n > FW_MAGLEV_NONE)
		return -EINVAL;
	for (i = 0; i < size; i++)
		table[i] = FW_MAGLEV_NONE;
	if (n == 0)
		return 0;
	p = calloc(n, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		p[i].family = be[i].family;
		p[i].weight = be[i].weight;
		p[i].id = be[i].id;
		if (be[i].family == FW_AF_INET6) {
			uint32_t w[4];

			memcpy(p[i].addr6, be[i].addr6, sizeof(p[i].addr6));
			memcpy(w, be[i].addr6, sizeof(w));
			for (int k = 0; k < 4; k++)
				w[k] = rte_be_to_cpu_32(w[k]);
			p[i].next = rte_jhash_32b(w, 4, SEED_OFFSET) % size;
			p[i].skip = rte_jhash_32b(w, 4, SEED_SKIP) % (size - 1) + 1;
		} else if (be[i].family == FW_AF_INET) {
			uint32_t h = rte_be_to_cpu_32(be[i].addr);

			p[i].addr = h;
			p[i].next = rte_jhash_1word(h, SEED_OFFSET) % size;
			p[i].skip = rte_jhash_1word(h, SEED_SKIP) % (size - 1) + 1;
		} else {
			free(p);
			return -EINVAL;
		}
		if (be[i].weight > max_w)
			max_w = be[i].weight;
	}
	/* Address order makes the result independent of the input order; a duplicate
	 * address would make it depend on it again. */
	qsort(p, n, sizeof(*p), cmp_addr);
	for (i = 1; i < n; i++) {
		if (cmp_addr(&p[i], &p[i - 1]) == 0) {
			free(p);
			return -EINVAL;
		}
	}
	for (i = 0; i < n; i++)
		if (p[i].weight != 0)
			p[np++] = p[i];
	if (np == 0) {
		free(p);
		return 0;
	}

	while (filled < size) {
		for (i = 0; i < np && filled < size; i++) {
			p[i].credit += p[i].weight;
			while (p[i].credit >= max_w && filled < size) {
				uint32_t c = p[i].next;

				p[i].credit -= max_w;
				/* Next unclaimed entry of this backend's permutation. */
				while (table[c] != FW_MAGLEV_NONE) {
					c += p[i].skip;
					if (c >= size)
						c -= size;
				}
				table[c] = p[i].id;
				c += p[i].skip;
				if (c >= size)
					c -= size;
				p[i].next = c;
				filled++;
			}
		}
	}
	free(p);
	return 0;
}

uint64_t fw_maglev_fingerprint(const uint16_t *table, uint32_t size, uint8_t family,
			       const uint8_t *(*addr_of)(const void *arg, uint16_t id),
			       const void *arg)
{
	static const uint8_t zero[16];
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 offset basis */
	unsigned int len = family == FW_AF_INET6 ? 16 : 4;

	for (uint32_t i = 0; i < size; i++) {
		const uint8_t *a = table[i] == FW_MAGLEV_NONE ? zero : addr_of(arg, table[i]);

		/* network order is most significant byte first: the same on any CPU */
		for (unsigned int k = 0; k < len; k++) {
			h ^= a[k];
			h *= 0x100000001b3ull; /* FNV 64 prime */
		}
	}
	return h;
}
