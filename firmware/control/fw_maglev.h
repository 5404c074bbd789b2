/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev consistent hashing (Eisenbud et al., NSDI 2016, section 3.4), weighted.
 *
 * Each backend's permutation of the table (offset, skip) is derived from its address
 * only (the 4 bytes of an IPv4 one, the 16 of an IPv6 one), and backends are visited in
 * address order (IPv4 before IPv6), so two Tula instances with the same backends and
 * weights build identical tables whatever the configuration order. Weights: in every round a backend earns its weight and claims one entry per
 * max-weight earned (a smooth weighted round robin over the permutations), so shares
 * are proportional to weights and equal weights give counts within one of each other.
 *
 * Thread: control side (allocates scratch memory). Lookups are a plain array read.
 */
#ifndef FW_MAGLEV_H
#define FW_MAGLEV_H

#include <stdint.h>

#define FW_MAGLEV_NONE 0xffffu

struct fw_maglev_backend {
	uint32_t addr;	/* network order: the permutation's seed (IPv4) */
	uint8_t family; /* FW_AF_INET6 (fw_state.h): addr6 is the seed instead */
	uint8_t addr6[16];
	uint32_t weight; /* 0 = takes no entries */
	/* written into the table, < FW_MAGLEV_NONE (fw_state: the backend's index in its
	 * VIP's list) */
	uint16_t id;
};

/* Whether n is prime (table sizes must be). */
int fw_maglev_is_prime(uint32_t n);

/*
 * Fill table[size] with backend ids. With no backend of non-zero weight every entry is
 * FW_MAGLEV_NONE. be is not modified.
 * Returns 0; -EINVAL (size not prime or < 3, duplicate address, unknown family,
 * n > 65535),
 * -ENOMEM.
 */
int fw_maglev_build(uint16_t *table, uint32_t size, const struct fw_maglev_backend *be, uint32_t n);

/*
 * A 64-bit fingerprint of a table as the data path sees it: FNV-1a over the backend
 * address of every entry in order, most significant byte first (4 bytes per entry in
 * a table of family FW_AF_INET, 16 in one of FW_AF_INET6). addr_of(arg, id) returns
 * the address of table id in network order (4 or 16 bytes, as the family says);
 * FW_MAGLEV_NONE entries count as the all-zero address. Ids and names do not enter it,
 * so boxes behind one ECMP router that would pick the same backend for every flow
 * show the same fingerprint, whatever their configuration order or names.
 */
uint64_t fw_maglev_fingerprint(const uint16_t *table, uint32_t size, uint8_t family,
			       const uint8_t *(*addr_of)(const void *arg, uint16_t id),
			       const void *arg);

#endif
