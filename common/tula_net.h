/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 helpers every layer shares (the schema's parser, validation, the control side):
 * one definition of what a prefix length means as a mask, so no folder keeps its own
 * copy with its own byte order.
 */
#ifndef TULA_NET_H
#define TULA_NET_H

#include <stdint.h>

/*
 * The netmask of an IPv4 prefix length, in HOST byte order: /0 -> 0, /24 -> 0xffffff00,
 * /32 -> 0xffffffff; lengths above 32 count as 32. Callers comparing with addresses in
 * network byte order convert the result (htonl), never the other way round.
 */
static inline uint32_t tula_mask_of(unsigned plen)
{
	if (plen == 0)
		return 0;
	if (plen >= 32)
		return UINT32_MAX;
	return UINT32_MAX << (32 - plen);
}

#endif
