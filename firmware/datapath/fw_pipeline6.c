/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv6 pipeline: what fw_pipeline.c does for IPv4, for EtherType 0x86DD (also behind
 * one 802.1Q tag).
 *
 *   IPv6 header (version, payload length against the frame; padding trimmed) ->
 *   extension headers walked with bounds (hop-by-hop first only, routing with no
 *   segment left, destination options, fragment; at most FW_IP6_MAX_EXT) -> TCP/UDP to
 *   a VIP service: flow key (fw_flow6.h) -> IPv6 flow table -> Maglev -> L2 MAC rewrite,
 *   or IPv6-in-IPv6 (RFC 2473) with the outer source per flow, traffic class per RFC
 *   6040 and flow label per RFC 6437; a packet that no longer fits gets ICMPv6 Packet
 *   Too Big (IPv6 routers never fragment: RFC 8200 5). ICMPv6 (NDP, echo, errors) is in
 *   fw_icmp6.c; packets for self addresses are punted (FW_META_PUNT_LOCAL6).
 *
 * Fragments follow the VIP's hash mode as IPv4 ones do: an addresses-hash VIP takes
 * every fragment to the backend of (client, VIP); a five-tuple VIP cannot (the later
 * fragments carry no ports) and drops them, counted.
 *
 * As in fw_pipeline.c, parsing reads only the first segment (data_len) and checks every
 * header's length before reading it; nothing here allocates (mbufs aside), logs, locks
 * or makes a system call.
 */
#include "firmware/datapath/fw_pipeline_priv.h"

#include <netinet/in.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define FW_IP6_MAX_EXT 8    /* extension headers walked before giving up (a DoS bound) */
#define OUTER_HOPS     64   /* hop limit of the 6in6 outer header */
#define ICMP6_HOPS     64   /* hop limit of the errors Tula sends */
#define IP6_MIN_MTU    1280 /* RFC 8200 5: an ICMPv6 error fits in it (RFC 4443 2.4 c) */
#define ICMP6_PTB      2

/* ---- lookups ------------------------------------------------------------------------- */

int fw_ip6_vip_find(const struct fw_state *st, const uint8_t *addr, uint8_t proto, uint16_t port,
		    uint8_t kind, uintptr_t *data)
{
	struct fw_vip6_key k;

	memcpy(k.addr.b, addr, sizeof(k.addr.b));
	k.port = port;
	k.proto = proto;
	k.kind = kind;
	return fw_state_vip6_find(st, &k, data);
}

int fw_ip6_vip_service(const struct fw_state *st, const uint8_t *addr, uint8_t proto, uint16_t port)
{
	uintptr_t d;

	if (fw_ip6_vip_find(st, addr, proto, port, FW_VK_SERVICE, &d) == 0)
		return (int)d;
	if (port != 0 && fw_ip6_vip_find(st, addr, proto, 0, FW_VK_SERVICE, &d) == 0)
		return (int)d;
	return -1;
}

int fw_ip6_is_self(const struct fw_state *st, uint8_t pi, const uint8_t *addr)
{
	const struct fw_state_port *pt = &st->ports[pi];
	uint8_t i;

	/* an unset link-local address is all zero: never a match for :: */
	if (pt->link_local.b[0] == 0xfe && memcmp(addr, pt->link_local.b, 16) == 0)
		return 1;
	for (i = 0; i < pt->nb_addrs6 && i < FW_STATE_MAX_ADDRS; i++)
		if (memcmp(addr, pt->addrs6[i].b, 16) == 0)
			return 1;
	return 0;
}

void fw_ip6_flow_key(struct fw_flow_key6 *k, const struct fw_state_vip *v, const uint8_t *src,
		     const uint8_t *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	memcpy(k->src.b, src, 16);
	memcpy(k->dst.b, dst, 16);
	k->proto = proto;
	k->pad[0] = k->pad[1] = k->pad[2] = 0;
	if (v->hash == FW_HASH_ADDRESSES) {
		k->sport = 0;
		k->dport = 0;
	} else {
		k->sport = sport;
		k->dport = dport;
	}
}

int fw_ip6_choose(struct fw_worker *w, const struct fw_state *st, uint16_t vip,
		  const struct fw_ip6 *src, uint16_t sport, uint32_t hash, uint8_t tf, int learn)
{
	uint64_t id = fw_flow6_id(vip, src, sport);
	struct fw_flow6_entry *e = fw_flow6_lookup(w->flows6, id, src, hash);
	int be, evicted;

	if (likely(e != NULL))
		return fw_pipe_choose_hit(w, st, vip, &e->f, hash, tf, learn);
	be = fw_pipe_choose_miss(w, st, vip, hash, learn);
	if (be < 0 || !(be & FW_PIPE_INSERT))
		return be;
	be &= ~FW_PIPE_INSERT;
	e = fw_flow6_insert(w->flows6, id, src, hash, w->tick, &evicted);
	fw_pipe_choose_fill(w, st, vip, &e->f, (uint32_t)be, tf, evicted);
	return be;
}

/* ---- checksums ------------------------------------------------------------------------ */

/* The sum of the pseudo-header (RFC 8200 8.1: source, destination, upper-layer length,
 * next header 58) and of l4[len], folded to 16 bits. */
static uint16_t icmp6_sum(const uint8_t *ip, const void *l4, uint32_t len)
{
	uint32_t ph[2] = {rte_cpu_to_be_32(len), rte_cpu_to_be_32(IPPROTO_ICMPV6)};
	uint32_t s;

	s = __rte_raw_cksum(ip + 8, 32, 0);
	s = __rte_raw_cksum(ph, sizeof(ph), s);
	s = __rte_raw_cksum(l4, len, s);
	return __rte_raw_cksum_reduce(s);
}

uint16_t fw_ip6_cksum(const uint8_t *ip, const void *l4, uint32_t len)
{
	return (uint16_t)~icmp6_sum(ip, l4, len);
}

int fw_ip6_cksum_ok(const uint8_t *ip, const void *l4, uint32_t len)
{
	return icmp6_sum(ip, l4, len) == 0xffff;
}

/* ---- parsing -------------------------------------------------------------------------- */

unsigned int fw_ip6_ext_walk(const uint8_t *ip, uint16_t have, uint8_t *proto, uint16_t *off,
			     uint8_t *frag, uint8_t *first)
{
	uint8_t nh = ip[6];
	uint16_t o = FW_IP6_HDR, len, fo;
	unsigned int n = 0;

	*frag = 0;
	*first = 1;
	for (;;) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
			/* RFC 8200 4.3: only right after the IPv6 header */
			if (o != FW_IP6_HDR)
				return FW_DROP_IP6_EXT_BAD;
			/* fall through */
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if (++n > FW_IP6_MAX_EXT)
				return FW_DROP_IP6_EXT_TOO_MANY;
			if (o + 8 > have)
				return FW_DROP_IP6_EXT_TRUNCATED;
			len = (uint16_t)((ip[o + 1] + 1) * 8);
			/* RFC 8200 4.4: segments left for another node to route; a VIP
			 * is the final destination or nothing */
			if (nh == IPPROTO_ROUTING && ip[o + 3] != 0)
				return FW_DROP_IP6_EXT_BAD;
			if (o + len > have)
				return FW_DROP_IP6_EXT_TRUNCATED;
			nh = ip[o];
			o = (uint16_t)(o + len);
			break;
		case IPPROTO_FRAGMENT:
			if (++n > FW_IP6_MAX_EXT)
				return FW_DROP_IP6_EXT_TOO_MANY;
			if (o + 8 > have)
				return FW_DROP_IP6_EXT_TRUNCATED;
			fo = (uint16_t)(ip[o + 2] << 8 | ip[o + 3]);
			nh = ip[o];
			o = (uint16_t)(o + 8);
			/* offset 0 and no M: an atomic fragment (RFC 6946), a whole packet */
			if ((fo & 0xfff9) != 0) {
				*frag = 1;
				if ((fo & 0xfff8) != 0) {
					/* what follows is the middle of the payload */
					*first = 0;
					goto done;
				}
			}
			break;
		default:
			goto done;
		}
	}
done:
	*proto = nh;
	*off = o;
	return 0;
}

/* IPv6 header and extension headers (RFC 8200 3, 4). Returns 0 or -1 (dropped). */
static int parse_ipv6(struct fw_worker *w, struct fw_pkt6 *p)
{
	struct rte_mbuf *m = p->m;
	uint32_t have = rte_pktmbuf_data_len(m) - p->l2_len;
	uint32_t frame = rte_pktmbuf_pkt_len(m) - p->l2_len;
	const struct rte_ipv6_hdr *ip;
	unsigned int reason;

	if (unlikely(have < FW_IP6_HDR)) {
		reason = FW_DROP_IP6_TRUNCATED;
		goto drop;
	}
	p->ip = (uint8_t *)p->eth + p->l2_len;
	ip = (const struct rte_ipv6_hdr *)p->ip;
	if (unlikely((p->ip[0] >> 4) != 6)) {
		reason = FW_DROP_IP6_VERSION;
		goto drop;
	}
	/* A jumbogram (payload length 0 and a hop-by-hop option, RFC 2675) never fits an
	 * Ethernet frame: its length 0 leaves no room for what follows, and it fails below. */
	p->tot = (uint16_t)(FW_IP6_HDR + rte_be_to_cpu_16(ip->payload_len));
	if (unlikely((uint32_t)FW_IP6_HDR + rte_be_to_cpu_16(ip->payload_len) > frame)) {
		reason = FW_DROP_IP6_LENGTH;
		goto drop;
	}
	if (unlikely(ip->hop_limits == 0)) {
		reason = FW_DROP_IP6_HOP_LIMIT;
		goto drop;
	}
	if (frame > p->tot)
		rte_pktmbuf_trim(m, (uint16_t)(frame - p->tot)); /* Ethernet padding */
	if (have > p->tot)
		have = p->tot;
	if (likely(ip->proto == IPPROTO_TCP || ip->proto == IPPROTO_UDP ||
		   ip->proto == IPPROTO_ICMPV6)) {
		p->proto = ip->proto;
		p->l3_len = FW_IP6_HDR;
		p->frag = 0;
		p->first = 1;
		return 0;
	}
	reason = fw_ip6_ext_walk(p->ip, (uint16_t)have, &p->proto, &p->l3_len, &p->frag, &p->first);
	if (reason != 0)
		goto drop;
	return 0;
drop:
	fw_drop(w, m, reason);
	return -1;
}

/* ---- TCP / UDP to a VIP ----------------------------------------------------------------- */

/* As l4_classify (fw_pipeline.c). Returns 1 when p goes on to the flow stage. */
static int classify6(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p, int vip)
{
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)p->ip;
	uint8_t proto = p->proto;
	uint16_t l4len = (uint16_t)(p->tot - p->l3_len);
	uint16_t have = (uint16_t)(rte_pktmbuf_data_len(p->m) - p->l2_len - p->l3_len);
	const uint8_t *l4 = p->ip + p->l3_len;
	uint16_t sport = 0, dport = 0;
	uintptr_t d;

	if (have > l4len)
		have = l4len;
	p->tflags = 0;
	if (!p->frag) {
		if (proto == IPPROTO_TCP) {
			const struct rte_tcp_hdr *t = (const struct rte_tcp_hdr *)l4;

			if (have < sizeof(*t) || (t->data_off >> 4) * 4 < (int)sizeof(*t) ||
			    (t->data_off >> 4) * 4 > l4len) {
				fw_drop(w, p->m, FW_DROP_L4_TRUNCATED);
				return 0;
			}
			p->tflags = t->tcp_flags;
		} else {
			const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)l4;

			if (have < sizeof(*u) || rte_be_to_cpu_16(u->dgram_len) < sizeof(*u) ||
			    rte_be_to_cpu_16(u->dgram_len) > l4len) {
				fw_drop(w, p->m, FW_DROP_L4_TRUNCATED);
				return 0;
			}
		}
	}
	if (!p->frag || (p->first && have >= 4)) {
		memcpy(&sport, l4, 2);
		memcpy(&dport, l4 + 2, 2);
		if (vip < 0)
			vip = fw_ip6_vip_service(st, ip->dst_addr, proto, rte_be_to_cpu_16(dport));
		if (vip < 0) {
			fw_drop(w, p->m, p->frag ? FW_DROP_IP6_FRAGMENT : FW_DROP_VIP_MISS);
			return 0;
		}
	} else if (fw_ip6_vip_find(st, ip->dst_addr, proto, 0, FW_VK_FRAGS, &d) == 0 &&
		   d != FW_SLOT_NONE) {
		vip = (int)d;
	} else {
		fw_drop(w, p->m, FW_DROP_IP6_FRAGMENT);
		return 0;
	}
	if (p->frag) {
		/* Only an addresses-hash VIP sends every fragment to one backend. */
		if (st->vips[vip].hash != FW_HASH_ADDRESSES) {
			fw_drop(w, p->m, FW_DROP_IP6_FRAGMENT);
			return 0;
		}
		w->cnt.ev[FW_EV_FRAGMENT_FORWARDED]++;
	}
	if (ip->hop_limits <= 1) {
		fw_drop(w, p->m, FW_DROP_IP6_HOP_LIMIT);
		return 0;
	}
	fw_ip6_flow_key(&p->key, &st->vips[vip], ip->src_addr, ip->dst_addr, proto, sport, dport);
	p->hash = fw_flow_hash6(&p->key);
	p->vip = (uint16_t)vip;
	return 1;
}

int fw_ipv6_input(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p)
{
	const struct rte_ipv6_hdr *ip;
	uintptr_t d;

	if (parse_ipv6(w, p) < 0)
		return 0;
	ip = (const struct rte_ipv6_hdr *)p->ip;
	/* Most traffic is for a VIP service: one lookup answers it. */
	if ((p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) && p->first &&
	    rte_pktmbuf_data_len(p->m) >= p->l2_len + p->l3_len + 4 && p->tot >= p->l3_len + 4) {
		uint16_t dport;
		int vip;

		memcpy(&dport, p->ip + p->l3_len + 2, 2);
		vip = fw_ip6_vip_service(st, ip->dst_addr, p->proto, rte_be_to_cpu_16(dport));
		if (vip >= 0)
			return classify6(w, st, p, vip) ? -1 : 0;
	}
	if (ip->dst_addr[0] == 0xff) {
		/* Multicast: only Neighbor Discovery concerns Tula (solicited-node groups) */
		if (p->proto == IPPROTO_ICMPV6)
			return fw_icmp6_input(w, st, p, FW_IP6_DST_MCAST);
		fw_drop(w, p->m, FW_DROP_IP6_NOT_OURS);
		return 0;
	}
	if (fw_ip6_vip_find(st, ip->dst_addr, 0, 0, FW_VK_ADDRESS, &d) != 0)
		d = FW_VK_SELF_BIT | FW_PORT_INDEX_NONE; /* neither a VIP nor a known self */
	else if (!(d & FW_VK_SELF_BIT)) {
		switch (p->proto) {
		case IPPROTO_TCP:
		case IPPROTO_UDP:
			return classify6(w, st, p, -1) ? -1 : 0;
		case IPPROTO_ICMPV6:
			return fw_icmp6_input(w, st, p, FW_IP6_DST_VIP);
		default:
			fw_drop(w, p->m, FW_DROP_VIP_MISS);
			return 0;
		}
	}
	/* A self address: the map may carry it (with FW_VK_SELF_BIT); the link-local one of
	 * the ingress port is only in the port. */
	if ((d & 0xff) != FW_PORT_INDEX_NONE || fw_ip6_is_self(st, p->pi, ip->dst_addr)) {
		if (p->proto == IPPROTO_ICMPV6)
			return fw_icmp6_input(w, st, p, FW_IP6_DST_SELF);
		return fw_pipe_punt(w, p->m, FW_META_PUNT_LOCAL6); /* the kernel (TAP) answers */
	}
	fw_drop(w, p->m, FW_DROP_IP6_NOT_OURS);
	return 0;
}

int fw_ipv6_forward(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p)
{
	int be = fw_ip6_choose(w, st, p->vip, &p->key.src, p->key.sport, p->hash, p->tflags, 1);

	if (be < 0) {
		fw_drop(w, p->m, FW_DROP_NO_BACKEND);
		return 0;
	}
	return fw_ip6_dsr_forward(w, st, p, p->vip, (uint32_t)be, p->hash, 1);
}

/* ---- the DSR rewrite ------------------------------------------------------------------- */

/*
 * The outer source of a flow: the egress port's first global address when the VIP has
 * no tunnel source, the single address of a /128, else the prefix with host bits from
 * the flow hash (the low 32 of them; all-zero host bits, the subnet-router anycast
 * address of RFC 4291 2.6.1, are avoided), so that the backends' RSS spreads flows.
 */
static void tunnel_source6(const struct fw_state *st, const struct fw_state_vip *v, uint8_t port,
			   uint32_t hash, uint8_t *out)
{
	uint8_t len = v->tunnel_src6_len;
	uint32_t hmask, host, lo;

	if (len == 0) {
		if (st->ports[port].nb_addrs6 > 0)
			memcpy(out, st->ports[port].addrs6[0].b, 16);
		else
			memset(out, 0, 16);
		return;
	}
	memcpy(out, v->tunnel_src6.b, 16);
	if (len >= 128)
		return;
	hmask = len <= 96 ? ~0u : (1u << (128 - len)) - 1;
	host = hash & hmask;
	if (host == 0)
		host = 1;
	memcpy(&lo, out + 12, 4);
	lo = (lo & ~rte_cpu_to_be_32(hmask)) | rte_cpu_to_be_32(host);
	memcpy(out + 12, &lo, 4);
}

/* RFC 6437: a flow label from the flow hash, 20 bits, never 0 (0 means "no label"). */
static inline uint32_t flow_label(uint32_t hash)
{
	uint32_t fl = (hash ^ (hash >> 20)) & RTE_IPV6_HDR_FL_MASK;

	return fl != 0 ? fl : 1;
}

/* An ICMPv6 error message (type < 128) must not cause another (RFC 4443 2.4 e). */
static int is_icmp6_error(const struct fw_pkt6 *p)
{
	const uint8_t *l4 = p->ip + p->l3_len;

	return p->proto == IPPROTO_ICMPV6 && p->first &&
	       rte_pktmbuf_data_len(p->m) >= p->l2_len + p->l3_len + 1 && p->tot > p->l3_len &&
	       l4[0] < 128;
}

/*
 * RFC 4443 3.2 / RFC 8201: tell the client the largest packet that fits (mtu). A new
 * mbuf, back to the sender on the ingress port (an 802.1Q tag kept), from the address
 * the packet was sent to (the VIP), quoting as much of the packet as fits in the IPv6
 * minimum MTU. Rate-limited with the IPv4 errors (one bucket per worker).
 */
static int send_ptb6(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p,
		     uint32_t mtu)
{
	uint16_t quote =
		p->tot < IP6_MIN_MTU - FW_IP6_HDR - 8 ? p->tot : IP6_MIN_MTU - FW_IP6_HDR - 8;
	uint16_t len = (uint16_t)(p->l2_len + FW_IP6_HDR + 8 + quote);
	const struct rte_ipv6_hdr *in = (const struct rte_ipv6_hdr *)p->ip;
	struct rte_ipv6_hdr *ip;
	struct rte_ether_hdr *eth;
	struct rte_mbuf *r;
	uint8_t *d, *icmp;
	const void *q;
	uint32_t be_mtu = rte_cpu_to_be_32(mtu);

	if (is_icmp6_error(p))
		return 0;
	if (!fw_bucket_take(&w->icmp_errors, w->now)) {
		w->cnt.ev[FW_EV_ICMP_RATE_LIMITED]++;
		return 0;
	}
	r = rte_pktmbuf_alloc(w->pool);
	if (r == NULL) {
		w->cnt.drop[FW_DROP_NO_MBUF]++;
		return 0;
	}
	d = (uint8_t *)rte_pktmbuf_append(r, len);
	if (d == NULL) {
		fw_drop(w, r, FW_DROP_NO_MBUF);
		return 0;
	}
	memcpy(d, p->eth, p->l2_len);
	eth = (struct rte_ether_hdr *)d;
	rte_ether_addr_copy(&p->eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&st->ports[p->pi].mac, &eth->src_addr);
	ip = (struct rte_ipv6_hdr *)(d + p->l2_len);
	ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16((uint16_t)(8 + quote));
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = ICMP6_HOPS;
	memcpy(ip->src_addr, in->dst_addr, 16);
	memcpy(ip->dst_addr, in->src_addr, 16);
	icmp = (uint8_t *)(ip + 1);
	icmp[0] = ICMP6_PTB;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	memcpy(icmp + 4, &be_mtu, 4);
	q = rte_pktmbuf_read(p->m, p->l2_len, quote, icmp + 8);
	if (q == NULL) { /* cannot be: quote <= tot, the frame's length after the trim */
		fw_drop(w, r, FW_DROP_NO_MBUF);
		return 0;
	}
	if (q != icmp + 8)
		memcpy(icmp + 8, q, quote);
	{
		uint16_t c = fw_ip6_cksum((const uint8_t *)ip, icmp, 8u + quote);

		memcpy(icmp + 2, &c, 2);
	}
	r->port = p->m->port;
	w->cnt.ev[FW_EV_PTB6_SENT]++;
	return fw_worker_tx(w, p->pi, r);
}

int fw_ip6_dsr_forward(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p,
		       uint16_t vip, uint32_t be, uint32_t hash, int count)
{
	const struct fw_state_vip *v = &st->vips[vip];
	const struct fw_state_backend *b = &st->backends[be];
	const struct fw_state_port *out = &st->ports[b->port];
	struct rte_mbuf *m = p->m;
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *o;
	uint32_t tc;

	if (count)
		fw_pipe_count(w, vip, be, rte_pktmbuf_pkt_len(m));
	if (v->mode == FW_MODE_L2) {
		/* the IPv6 header untouched: the backend owns the VIP on its loopback */
		rte_ether_addr_copy(&b->mac, &p->eth->dst_addr);
		rte_ether_addr_copy(&out->mac, &p->eth->src_addr);
		return fw_worker_tx(w, b->port, m);
	}
	if ((uint32_t)p->tot + FW_IP6_HDR > out->mtu) {
		int q = send_ptb6(w, st, p, (uint32_t)out->mtu - FW_IP6_HDR);

		fw_drop(w, m, FW_DROP_TOO_BIG);
		return q;
	}
	if (unlikely(rte_pktmbuf_headroom(m) < FW_IP6_HDR || RTE_MBUF_CLONED(m) ||
		     rte_mbuf_refcnt_read(m) != 1)) {
		fw_drop(w, m, FW_DROP_HEADROOM);
		return 0;
	}
	tc = (rte_be_to_cpu_32(((const struct rte_ipv6_hdr *)p->ip)->vtc_flow) >>
	      RTE_IPV6_HDR_TC_SHIFT) &
	     0xff;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, FW_IP6_HDR);
	memmove(eth, (uint8_t *)eth + FW_IP6_HDR, p->l2_len);
	rte_ether_addr_copy(&b->mac, &eth->dst_addr);
	rte_ether_addr_copy(&out->mac, &eth->src_addr);
	o = (struct rte_ipv6_hdr *)((uint8_t *)eth + p->l2_len);
	/* RFC 6040 normal mode: DSCP and ECN copied from the inner header (an ECN-capable
	 * inner packet stays ECN-capable, a CE mark survives); RFC 6437: a flow label per
	 * flow, so that the fabric's ECMP spreads tunnelled flows. */
	o->vtc_flow = rte_cpu_to_be_32(6u << 28 | tc << RTE_IPV6_HDR_TC_SHIFT | flow_label(hash));
	o->payload_len = rte_cpu_to_be_16(p->tot);
	o->proto = IPPROTO_IPV6;
	o->hop_limits = OUTER_HOPS;
	tunnel_source6(st, v, b->port, hash, o->src_addr);
	memcpy(o->dst_addr, b->addr6.b, 16);
	p->eth = eth;
	p->ip = (uint8_t *)(o + 1);
	return fw_worker_tx(w, b->port, m);
}

/* ---- control -> wire -------------------------------------------------------------------- */

int fw_ipv6_inject_dsr(struct fw_worker *w, const struct fw_state *st, struct rte_mbuf *m,
		       uint16_t vip, uint32_t be)
{
	const struct fw_state_backend *b = &st->backends[be];
	struct fw_pkt6 p = {.m = m};
	const struct rte_ipv6_hdr *ip;
	uint16_t sport = 0, dport = 0;
	struct fw_flow_key6 k;

	p.eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	p.l2_len = sizeof(struct rte_ether_hdr);
	p.pi = b->port;
	if (parse_ipv6(w, &p) < 0)
		return 0;
	ip = (const struct rte_ipv6_hdr *)p.ip;
	if (!p.frag && p.tot >= p.l3_len + 4 &&
	    rte_pktmbuf_data_len(m) >= p.l2_len + p.l3_len + 4) {
		memcpy(&sport, p.ip + p.l3_len, 2);
		memcpy(&dport, p.ip + p.l3_len + 2, 2);
	}
	fw_ip6_flow_key(&k, &st->vips[vip], ip->src_addr, ip->dst_addr, p.proto, sport, dport);
	w->cnt.ev[FW_EV_INJECTED]++;
	return fw_ip6_dsr_forward(w, st, &p, vip, be, fw_flow_hash6(&k), 0);
}
