/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv6 on the worker (the cold paths of the IPv6 pipeline):
 *
 *   Neighbor Solicitation (RFC 4861 7.1.1 checks: hop limit 255, checksum, code 0,
 *   length, options) for a VIP or a self address of the ingress port, sent to the
 *   target's solicited-node group or to the target itself: answered here with a
 *   solicited Neighbor Advertisement (S and O, target link-layer address = the port's
 *   MAC; RFC 4861 7.2.4). A solicitation from :: (duplicate address detection: some
 *   host wants Tula's address) and every solicitation for somebody else's address go to
 *   the control side (FW_META_PUNT_NDP, Ethernet header kept): that is where address
 *   conflicts are noticed and reported. So do all Neighbor Advertisements (the answers
 *   to Tula's own solicitations for backends and gateways, and conflicts).
 *   Echo request to a VIP: answered from the VIP (RFC 4443 4.2).
 *   Errors to a VIP (destination unreachable, packet too big, time exceeded, parameter
 *   problem): they quote a packet a backend sent from the VIP to a client, so they go to
 *   the backend of that client's flow, as the IPv4 pipeline does with ICMP errors.
 *   Anything else for a self address goes to the kernel (FW_META_PUNT_LOCAL6).
 *
 * Replies are written in place (the request's mbuf becomes the answer); checksums are
 * computed in software.
 */
#include "firmware/datapath/fw_pipeline_priv.h"

#include <netinet/in.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#define ICMP6_DEST_UNREACH  1
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROBLEM 4
#define ICMP6_ECHO_REQUEST  128
#define ICMP6_ECHO_REPLY    129
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT  136
#define ND_OPT_SOURCE_LL    1
#define ND_OPT_TARGET_LL    2
#define ND_HOPS		    255	 /* RFC 4861: a node on the link, not a router away */
#define ND_NS_LEN	    24	 /* type .. target */
#define ND_NA_LEN	    32	 /* type .. target, and a target link-layer option */
#define ND_NA_SOLICITED	    0x40 /* flags byte: S */
#define ND_NA_OVERRIDE	    0x20 /* flags byte: O */
#define ECHO_HOPS	    64

/* The ICMPv6 message of p: pointer, its length and how much of it the first segment
 * holds. */
static inline const uint8_t *l4_of(const struct fw_pkt6 *p, uint16_t *len, uint16_t *have)
{
	*len = (uint16_t)(p->tot - p->l3_len);
	*have = (uint16_t)(rte_pktmbuf_data_len(p->m) - p->l2_len - p->l3_len);
	if (*have > *len)
		*have = *len;
	return p->ip + p->l3_len;
}

/* ff02::1:ffXX:XXXX of target (RFC 4291 2.7.1). */
static int is_solicited_node(const uint8_t *dst, const uint8_t *target)
{
	static const uint8_t pfx[13] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};

	return memcmp(dst, pfx, sizeof(pfx)) == 0 && memcmp(dst + 13, target + 13, 3) == 0;
}

static int is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/*
 * The RFC 4861 7.1.1 / 7.1.2 checks common to solicitations and advertisements, on a
 * message of len bytes held whole in the first segment. *sll: the source link-layer
 * address option's address, or NULL. Returns 0 or the drop reason.
 */
static unsigned int nd_valid(const struct fw_pkt6 *p, const uint8_t *l4, uint16_t len,
			     uint16_t have, const uint8_t **sll)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)p->ip;
	uint16_t o;

	*sll = NULL;
	if (len < ND_NS_LEN || have < len)
		return FW_DROP_L4_TRUNCATED;
	if (ip->hop_limits != ND_HOPS || l4[1] != 0 || p->frag)
		return FW_DROP_NDP_BAD;
	if (!fw_ip6_cksum_ok(p->ip, l4, len))
		return FW_DROP_ICMP_CHECKSUM;
	if (l4[8] == 0xff) /* the target is never a multicast address */
		return FW_DROP_NDP_BAD;
	for (o = ND_NS_LEN; o < len;) {
		uint16_t olen;

		if (o + 2 > len || l4[o + 1] == 0) /* a zero-length option: RFC 4861 4.6 */
			return FW_DROP_NDP_BAD;
		olen = (uint16_t)(l4[o + 1] * 8);
		if (o + olen > len)
			return FW_DROP_NDP_BAD;
		if (l4[o] == ND_OPT_SOURCE_LL && olen == 8)
			*sll = l4 + o + 2;
		o = (uint16_t)(o + olen);
	}
	return 0;
}

/* 1 when target is a VIP living on port index pi or a self address of pi. */
static int nd_target_ours(const struct fw_state *st, uint8_t pi, const uint8_t *target)
{
	uintptr_t d;

	if (fw_ip6_vip_find(st, target, 0, 0, FW_VK_ADDRESS, &d) == 0 && (uint8_t)(d & 0xff) == pi)
		return 1;
	return fw_ip6_is_self(st, pi, target);
}

/* A Neighbor Solicitation: answered when it asks for one of ours, else punted. */
static int nd_solicit(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p)
{
	struct rte_mbuf *m = p->m;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p->ip;
	const uint8_t *l4, *sll;
	uint8_t na[FW_IP6_HDR + ND_NA_LEN], *icmp = na + FW_IP6_HDR;
	struct rte_ipv6_hdr *nip = (struct rte_ipv6_hdr *)na;
	uint16_t len, have, c;
	unsigned int reason;
	int dad;

	l4 = l4_of(p, &len, &have);
	reason = nd_valid(p, l4, len, have, &sll);
	if (reason != 0) {
		fw_drop(w, m, reason);
		return 0;
	}
	dad = is_unspecified(ip->src_addr);
	/* RFC 4861 7.1.1: from :: only to a solicited-node group, without a source
	 * link-layer address */
	if (dad && (!is_solicited_node(ip->dst_addr, l4 + 8) || sll != NULL)) {
		fw_drop(w, m, FW_DROP_NDP_BAD);
		return 0;
	}
	if (!nd_target_ours(st, p->pi, l4 + 8) || dad)
		return fw_pipe_punt(w, m, FW_META_PUNT_NDP);
	if (!is_solicited_node(ip->dst_addr, l4 + 8) && memcmp(ip->dst_addr, l4 + 8, 16) != 0) {
		fw_drop(w, m, FW_DROP_NDP_BAD);
		return 0;
	}
	if (!rte_pktmbuf_is_contiguous(m) ||
	    m->buf_len - m->data_off < p->l2_len + FW_IP6_HDR + ND_NA_LEN) {
		fw_drop(w, m, FW_DROP_L4_TRUNCATED);
		return 0;
	}
	/* RFC 4861 7.2.4: to the solicitation's source, from the target; S and O set (a
	 * VIP's or a self address's MAC is authoritative); the target's MAC as an option. */
	nip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	nip->payload_len = rte_cpu_to_be_16(ND_NA_LEN);
	nip->proto = IPPROTO_ICMPV6;
	nip->hop_limits = ND_HOPS;
	memcpy(nip->src_addr, l4 + 8, 16);
	memcpy(nip->dst_addr, ip->src_addr, 16);
	memset(icmp, 0, ND_NA_LEN);
	icmp[0] = ND_NEIGHBOR_ADVERT;
	icmp[4] = ND_NA_SOLICITED | ND_NA_OVERRIDE;
	memcpy(icmp + 8, l4 + 8, 16);
	icmp[24] = ND_OPT_TARGET_LL;
	icmp[25] = 1;
	memcpy(icmp + 26, &st->ports[p->pi].mac, RTE_ETHER_ADDR_LEN);
	c = fw_ip6_cksum(na, icmp, ND_NA_LEN);
	memcpy(icmp + 2, &c, 2);
	/* to the MAC the solicitation names, else to the frame's sender */
	if (sll != NULL)
		memcpy(&p->eth->dst_addr, sll, RTE_ETHER_ADDR_LEN);
	else
		rte_ether_addr_copy(&p->eth->src_addr, &p->eth->dst_addr);
	rte_ether_addr_copy(&st->ports[p->pi].mac, &p->eth->src_addr);
	memcpy(p->ip, na, sizeof(na));
	m->data_len = (uint16_t)(p->l2_len + sizeof(na));
	m->pkt_len = m->data_len;
	w->cnt.ev[FW_EV_NDP_ADVERT]++;
	return fw_worker_tx(w, p->pi, m);
}

/* A Neighbor Advertisement: checked, then the control side's (resolution, conflicts). */
static int nd_advert(struct fw_worker *w, struct fw_pkt6 *p)
{
	const uint8_t *l4, *sll;
	uint16_t len, have;
	unsigned int reason;

	l4 = l4_of(p, &len, &have);
	reason = nd_valid(p, l4, len, have, &sll);
	if (reason != 0) {
		fw_drop(w, p->m, reason);
		return 0;
	}
	return fw_pipe_punt(w, p->m, FW_META_PUNT_NDP);
}

/* Echo request to a VIP: the reply from the VIP, in place (RFC 4443 4.2). */
static int echo6(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p)
{
	struct rte_mbuf *m = p->m;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)p->ip;
	uint8_t a[16], *l4;
	uint16_t len, have, c;

	l4 = (uint8_t *)l4_of(p, &len, &have);
	if (p->frag) {
		fw_drop(w, m, FW_DROP_IP6_FRAGMENT);
		return 0;
	}
	if (len < 8 || have < len || !rte_pktmbuf_is_contiguous(m)) {
		fw_drop(w, m, FW_DROP_L4_TRUNCATED);
		return 0;
	}
	if (!fw_ip6_cksum_ok(p->ip, l4, len)) {
		fw_drop(w, m, FW_DROP_ICMP_CHECKSUM);
		return 0;
	}
	if (p->l3_len != FW_IP6_HDR) {
		/* extension headers are not echoed: the message moves up behind the header */
		memmove(p->ip + FW_IP6_HDR, l4, len);
		l4 = p->ip + FW_IP6_HDR;
		m->data_len = (uint16_t)(p->l2_len + FW_IP6_HDR + len);
		m->pkt_len = m->data_len;
	}
	rte_ether_addr_copy(&p->eth->src_addr, &p->eth->dst_addr);
	rte_ether_addr_copy(&st->ports[p->pi].mac, &p->eth->src_addr);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(len);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = ECHO_HOPS;
	memcpy(a, ip->src_addr, 16);
	memcpy(ip->src_addr, ip->dst_addr, 16);
	memcpy(ip->dst_addr, a, 16);
	l4[0] = ICMP6_ECHO_REPLY;
	l4[2] = l4[3] = 0;
	c = fw_ip6_cksum(p->ip, l4, len);
	memcpy(l4 + 2, &c, 2);
	w->cnt.ev[FW_EV_ICMP6_ECHO_REPLY]++;
	return fw_worker_tx(w, p->pi, m);
}

/*
 * An ICMPv6 error about a packet a backend sent from the VIP: the quoted header is
 * (VIP -> client); the reversed tuple is the client's flow, whose backend gets the
 * error, rewritten as that flow's packets are (MAC, or IPv6-in-IPv6).
 */
static int error6(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)p->ip;
	const struct rte_ipv6_hdr *in;
	const uint8_t *l4, *q;
	uint16_t len, have, qlen, off, sport, dport;
	uint8_t proto, frag, first;
	struct fw_flow_key6 k;
	uint32_t hash;
	int vip, be;

	l4 = l4_of(p, &len, &have);
	if (p->frag) {
		fw_drop(w, p->m, FW_DROP_IP6_FRAGMENT);
		return 0;
	}
	if (have < 8 + FW_IP6_HDR) {
		fw_drop(w, p->m, FW_DROP_L4_TRUNCATED);
		return 0;
	}
	q = l4 + 8;
	qlen = (uint16_t)(have - 8);
	in = (const struct rte_ipv6_hdr *)q;
	if ((q[0] >> 4) != 6 || memcmp(in->src_addr, ip->dst_addr, 16) != 0) {
		fw_drop(w, p->m, FW_DROP_ICMP_ERROR_NO_VIP);
		return 0;
	}
	if (fw_ip6_ext_walk(q, qlen, &proto, &off, &frag, &first) != 0 || off + 4 > qlen) {
		fw_drop(w, p->m, FW_DROP_L4_TRUNCATED);
		return 0;
	}
	if ((proto != IPPROTO_TCP && proto != IPPROTO_UDP) || !first) {
		fw_drop(w, p->m, FW_DROP_ICMP_ERROR_NO_VIP);
		return 0;
	}
	memcpy(&sport, q + off, 2);
	memcpy(&dport, q + off + 2, 2);
	vip = fw_ip6_vip_service(st, in->src_addr, proto, rte_be_to_cpu_16(sport));
	if (vip < 0) {
		fw_drop(w, p->m, FW_DROP_ICMP_ERROR_NO_VIP);
		return 0;
	}
	if (ip->hop_limits <= 1) {
		fw_drop(w, p->m, FW_DROP_IP6_HOP_LIMIT);
		return 0;
	}
	fw_ip6_flow_key(&k, &st->vips[vip], in->dst_addr, in->src_addr, proto, dport, sport);
	hash = fw_flow_hash6(&k);
	be = fw_ip6_choose(w, st, (uint16_t)vip, &k.src, k.sport, hash, 0, 0);
	if (be < 0) {
		fw_drop(w, p->m, FW_DROP_NO_BACKEND);
		return 0;
	}
	w->cnt.ev[FW_EV_ICMP_ERROR_FORWARDED]++;
	return fw_ip6_dsr_forward(w, st, p, (uint16_t)vip, (uint32_t)be, hash, 1);
}

int fw_icmp6_input(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p,
		   enum fw_ip6_dst dst)
{
	uint16_t len, have;
	const uint8_t *l4 = l4_of(p, &len, &have);

	if (!p->first || len < 4 || have < 4) {
		if (dst == FW_IP6_DST_SELF)
			return fw_pipe_punt(w, p->m,
					    FW_META_PUNT_LOCAL6); /* the kernel reassembles */
		fw_drop(w, p->m, p->first ? FW_DROP_L4_TRUNCATED : FW_DROP_IP6_FRAGMENT);
		return 0;
	}
	switch (l4[0]) {
	case ND_NEIGHBOR_SOLICIT:
		return nd_solicit(w, st, p);
	case ND_NEIGHBOR_ADVERT:
		return nd_advert(w, p);
	default:
		break;
	}
	if (dst == FW_IP6_DST_SELF)
		return fw_pipe_punt(w, p->m, FW_META_PUNT_LOCAL6);
	if (dst == FW_IP6_DST_MCAST) {
		/* router advertisements, MLD and the like: not Tula's business */
		fw_drop(w, p->m, FW_DROP_IP6_NOT_OURS);
		return 0;
	}
	switch (l4[0]) {
	case ICMP6_ECHO_REQUEST:
		if (l4[1] == 0)
			return echo6(w, st, p);
		break;
	case ICMP6_DEST_UNREACH:
	case 2: /* packet too big */
	case ICMP6_TIME_EXCEEDED:
	case ICMP6_PARAM_PROBLEM:
		return error6(w, st, p);
	default:
		break;
	}
	fw_drop(w, p->m, FW_DROP_ICMP_UNHANDLED);
	return 0;
}
