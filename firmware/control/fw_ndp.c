/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbor Discovery frames, built and checked byte by byte (see fw_ndp.h). The layouts
 * are RFC 4861 4.3 (NS), 4.4 (NA) and 4.6.1 (link-layer address options); validation is
 * 7.1.1 / 7.1.2, so a frame the control side learns from is one a host would accept.
 */
#include "firmware/control/fw_ndp.h"

#include <string.h>

#define ETH_LEN	  14
#define IP6_LEN	  40
#define ND_LEN	  24 /* type, code, checksum, flags/reserved, target */
#define OPT_SLLA  1
#define OPT_TLLA  2
#define ICMPV6	  58
#define ETH_IPV6  0x86dd
#define ETH_VLAN  0x8100
#define HOP_LIMIT 255

_Static_assert(FW_NDP_FRAME_LEN == ETH_LEN + IP6_LEN + ND_LEN + 8, "one NS/NA frame");

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int fw_ndp_is_multicast(const struct fw_ip6 *a)
{
	return a->b[0] == 0xff;
}

static int is_zero(const struct fw_ip6 *a)
{
	static const struct fw_ip6 zero;

	return fw_ip6_eq(a, &zero);
}

void fw_ndp_solicited_node(const struct fw_ip6 *addr, struct fw_ip6 *group)
{
	static const uint8_t pfx[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};

	memcpy(group->b, pfx, sizeof(pfx));
	memcpy(group->b + 13, addr->b + 13, 3);
}

void fw_ndp_multicast_mac(const struct fw_ip6 *group, struct rte_ether_addr *mac)
{
	mac->addr_bytes[0] = 0x33;
	mac->addr_bytes[1] = 0x33;
	memcpy(mac->addr_bytes + 2, group->b + 12, 4);
}

void fw_ndp_link_local(const struct rte_ether_addr *mac, struct fw_ip6 *ll)
{
	memset(ll, 0, sizeof(*ll));
	ll->b[0] = 0xfe;
	ll->b[1] = 0x80;
	ll->b[8] = mac->addr_bytes[0] ^ 0x02; /* the universal/local bit, inverted */
	ll->b[9] = mac->addr_bytes[1];
	ll->b[10] = mac->addr_bytes[2];
	ll->b[11] = 0xff;
	ll->b[12] = 0xfe;
	ll->b[13] = mac->addr_bytes[3];
	ll->b[14] = mac->addr_bytes[4];
	ll->b[15] = mac->addr_bytes[5];
}

static int in_prefix(const struct fw_ip6 *a, const struct fw_ip6 *pfx, uint8_t plen)
{
	uint8_t whole = plen / 8, rest = plen % 8;

	if (plen > 128)
		return 0;
	if (memcmp(a->b, pfx->b, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a->b[whole] ^ pfx->b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

static void port_link_local(const struct fw_state_port *p, struct fw_ip6 *ll)
{
	if (is_zero(&p->link_local))
		fw_ndp_link_local(&p->mac, ll);
	else
		*ll = p->link_local;
}

void fw_ndp_source(const struct fw_state_port *p, const struct fw_ip6 *target, struct fw_ip6 *src)
{
	for (uint8_t i = 0; i < p->nb_addrs6 && i < FW_STATE_MAX_ADDRS; i++)
		if (in_prefix(target, &p->addrs6[i], p->plens6[i])) {
			*src = p->addrs6[i];
			return;
		}
	port_link_local(p, src);
}

/* RFC 1071 one's-complement sum, RFC 8200 8.1 pseudo-header. */
uint16_t fw_ndp_cksum(const struct fw_ip6 *src, const struct fw_ip6 *dst, const void *msg,
		      size_t len)
{
	const uint8_t *p = msg;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < 16; i += 2)
		sum += get16(src->b + i) + get16(dst->b + i);
	sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + ICMPV6;
	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return rte_cpu_to_be_16((uint16_t)~sum);
}

/* Ethernet + IPv6 + the 24-byte NS/NA body + one link-layer option; checksum last. */
static size_t build(void *buf, size_t len, const struct rte_ether_addr *smac,
		    const struct rte_ether_addr *dmac, const struct fw_ip6 *src,
		    const struct fw_ip6 *dst, uint8_t type, uint8_t flags,
		    const struct fw_ip6 *target, uint8_t opt)
{
	uint8_t *f = buf, *ip = f + ETH_LEN, *nd = ip + IP6_LEN;
	uint16_t ck;

	if (len < FW_NDP_FRAME_LEN)
		return 0;
	memset(f, 0, FW_NDP_FRAME_LEN);
	memcpy(f, dmac->addr_bytes, 6);
	memcpy(f + 6, smac->addr_bytes, 6);
	put16(f + 12, ETH_IPV6);
	ip[0] = 0x60; /* version 6, traffic class 0, flow label 0 */
	put16(ip + 4, ND_LEN + 8);
	ip[6] = ICMPV6;
	ip[7] = HOP_LIMIT; /* RFC 4861 7.1: receivers drop anything else */
	memcpy(ip + 8, src->b, 16);
	memcpy(ip + 24, dst->b, 16);
	nd[0] = type;
	nd[4] = flags;
	memcpy(nd + 8, target->b, 16);
	nd[ND_LEN] = opt;
	nd[ND_LEN + 1] = 1; /* in units of 8 bytes */
	memcpy(nd + ND_LEN + 2, smac->addr_bytes, 6);
	ck = fw_ndp_cksum(src, dst, nd, ND_LEN + 8);
	memcpy(nd + 2, &ck, 2);
	return FW_NDP_FRAME_LEN;
}

size_t fw_ndp_build_ns(void *buf, size_t len, const struct rte_ether_addr *smac,
		       const struct rte_ether_addr *dmac, const struct fw_ip6 *src,
		       const struct fw_ip6 *target)
{
	struct rte_ether_addr mc;
	struct fw_ip6 dst;

	if (dmac == NULL) {
		fw_ndp_solicited_node(target, &dst);
		fw_ndp_multicast_mac(&dst, &mc);
		dmac = &mc;
	} else {
		dst = *target;
	}
	return build(buf, len, smac, dmac, src, &dst, FW_ND_NS, 0, target, OPT_SLLA);
}

size_t fw_ndp_build_na(void *buf, size_t len, const struct rte_ether_addr *smac,
		       const struct rte_ether_addr *dmac, const struct fw_ip6 *src,
		       const struct fw_ip6 *dst, const struct fw_ip6 *target, uint8_t flags)
{
	struct rte_ether_addr mc;

	if (fw_ndp_is_multicast(dst) || dmac == NULL) {
		fw_ndp_multicast_mac(dst, &mc);
		dmac = &mc;
	}
	return build(buf, len, smac, dmac, src, dst, FW_ND_NA,
		     flags & (FW_NA_F_ROUTER | FW_NA_F_SOLICITED | FW_NA_F_OVERRIDE), target,
		     OPT_TLLA);
}

static int is_solicited_node(const struct fw_ip6 *a)
{
	struct fw_ip6 g;

	fw_ndp_solicited_node(a, &g);
	return fw_ip6_eq(a, &g);
}

enum fw_ndp_bad fw_ndp_parse(const void *frame, size_t len, struct fw_ndp_msg *m)
{
	const uint8_t *f = frame, *ip, *nd, *o;
	size_t off = ETH_LEN, plen, left;
	uint16_t type;

	memset(m, 0, sizeof(*m));
	if (len < ETH_LEN)
		return FW_NDP_BAD_SHORT;
	memcpy(m->eth_dst.addr_bytes, f, 6);
	memcpy(m->eth_src.addr_bytes, f + 6, 6);
	type = get16(f + 12);
	if (type == ETH_VLAN) {
		if (len < ETH_LEN + 4)
			return FW_NDP_BAD_SHORT;
		type = get16(f + 16);
		off += 4;
	}
	if (type != ETH_IPV6)
		return FW_NDP_BAD_NOT_ND;
	if (len < off + IP6_LEN)
		return FW_NDP_BAD_SHORT;
	ip = f + off;
	if ((ip[0] >> 4) != 6 || ip[6] != ICMPV6)
		return FW_NDP_BAD_NOT_ND;
	plen = get16(ip + 4);
	if (plen > len - off - IP6_LEN)
		return FW_NDP_BAD_SHORT;
	memcpy(m->src.b, ip + 8, 16);
	memcpy(m->dst.b, ip + 24, 16);
	if (plen < 4)
		return FW_NDP_BAD_SHORT;
	nd = ip + IP6_LEN;
	if (nd[0] != FW_ND_NS && nd[0] != FW_ND_NA)
		return FW_NDP_BAD_NOT_ND;
	m->type = nd[0];
	if (plen < ND_LEN)
		return FW_NDP_BAD_SHORT;
	if (ip[7] != HOP_LIMIT)
		return FW_NDP_BAD_HOP_LIMIT;
	if (nd[1] != 0)
		return FW_NDP_BAD_CODE;
	if (fw_ndp_cksum(&m->src, &m->dst, nd, plen) != 0)
		return FW_NDP_BAD_CKSUM; /* a correct message sums to 0 with its checksum */
	if (m->type == FW_ND_NA)
		m->flags = nd[4] & (FW_NA_F_ROUTER | FW_NA_F_SOLICITED | FW_NA_F_OVERRIDE);
	memcpy(m->target.b, nd + 8, 16);
	if (fw_ndp_is_multicast(&m->target))
		return FW_NDP_BAD_TARGET;
	for (o = nd + ND_LEN, left = plen - ND_LEN; left > 0;) {
		size_t olen;

		if (left < 2 || o[1] == 0 || (olen = (size_t)o[1] * 8) > left)
			return FW_NDP_BAD_OPTION;
		if (olen == 8 && ((m->type == FW_ND_NS && o[0] == OPT_SLLA) ||
				  (m->type == FW_ND_NA && o[0] == OPT_TLLA))) {
			memcpy(m->lla.addr_bytes, o + 2, 6);
			m->has_lla = 1;
		}
		o += olen;
		left -= olen;
	}
	if (m->type == FW_ND_NS && is_zero(&m->src) && (!is_solicited_node(&m->dst) || m->has_lla))
		return FW_NDP_BAD_DAD;
	if (m->type == FW_ND_NA && fw_ndp_is_multicast(&m->dst) && (m->flags & FW_NA_F_SOLICITED))
		return FW_NDP_BAD_SOLICITED;
	return FW_NDP_OK;
}

/* memcmp, not rte_is_same_ether_addr: its 16-bit loads of a byte array break strict
 * aliasing, and GCC then reads a freshly copied MAC as what the memory held before. */
static int same_mac(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	return memcmp(a->addr_bytes, b->addr_bytes, RTE_ETHER_ADDR_LEN) == 0;
}

static int our_mac(const struct fw_state *st, const struct rte_ether_addr *mac)
{
	for (uint8_t i = 0; i < st->nb_ports; i++)
		if (same_mac(&st->ports[i].mac, mac))
			return 1;
	return 0;
}

/* Which of st's v6 addresses a is: fills c->addr/vip/port and returns 1, or 0. */
static int ours(const struct fw_state *st, const struct fw_ip6 *a, struct fw_ndp_conflict *c)
{
	for (uint32_t i = 0; i < st->max_vips; i++) {
		const struct fw_state_vip *v = &st->vips[i];

		if (v->gen != 0 && v->family == FW_AF_INET6 && fw_ip6_eq(&v->addr6, a)) {
			c->addr = *a;
			c->vip = v->name;
			return 1;
		}
	}
	for (uint8_t i = 0; i < st->nb_ports; i++) {
		const struct fw_state_port *p = &st->ports[i];
		struct fw_ip6 ll;

		port_link_local(p, &ll);
		for (uint8_t k = 0; k < p->nb_addrs6 && k < FW_STATE_MAX_ADDRS; k++)
			if (fw_ip6_eq(&p->addrs6[k], a))
				goto found;
		if (fw_ip6_eq(&ll, a))
			goto found;
		continue;
	found:
		c->addr = *a;
		c->port = p->name;
		return 1;
	}
	return 0;
}

/* Name the claimant when it is a backend: same MAC as a resolved one, or its address. */
static void identify(const struct fw_state *st, struct fw_ndp_conflict *c)
{
	for (uint32_t i = 0; i < st->max_backends; i++) {
		const struct fw_state_backend *b = &st->backends[i];
		int by_mac = b->resolved && same_mac(&b->mac, &c->mac) &&
			     (b->family == FW_AF_INET6 ? fw_ip6_eq(&b->nexthop6, &b->addr6)
						       : b->nexthop == b->addr);
		int same_ip = b->family == FW_AF_INET6 && fw_ip6_eq(&b->addr6, &c->sender);

		if (b->gen != 0 && (by_mac || same_ip)) {
			c->backend = b->name;
			c->backend_vip = b->vip < st->max_vips ? st->vips[b->vip].name : NULL;
			c->backend_family = b->family;
			c->backend_addr = b->addr;
			c->backend_addr6 = b->addr6;
			return;
		}
	}
}

int fw_ndp_conflict(const struct fw_state *st, const struct fw_ndp_msg *m,
		    struct fw_ndp_conflict *c)
{
	memset(c, 0, sizeof(*c));
	c->mac = m->has_lla ? m->lla : m->eth_src;
	c->sender = m->src;
	if (our_mac(st, &c->mac) || our_mac(st, &m->eth_src))
		return 0;
	if (m->type == FW_ND_NA) {
		if (!ours(st, &m->target, c))
			return 0;
		c->claim = FW_NDP_CLAIM_NA;
	} else if (is_zero(&m->src)) {
		if (!ours(st, &m->target, c))
			return 0;
		c->claim = FW_NDP_CLAIM_DAD;
	} else {
		if (!ours(st, &m->src, c))
			return 0;
		c->claim = FW_NDP_CLAIM_SRC;
	}
	identify(st, c);
	return 1;
}
