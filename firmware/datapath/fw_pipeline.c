/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-packet pipeline (see fw_pipeline.h). Parsing reads only what the first
 * segment holds (data_len) and checks each header's length before touching it; the IP
 * total length is checked against the whole frame (pkt_len). Padding after the IP
 * datagram is trimmed so that what leaves is exactly the datagram.
 */
#include "firmware/datapath/fw_pipeline.h"

#include "firmware/fw_proto.h"
#include "firmware/datapath/fw_capture.h"
#include "firmware/datapath/fw_flow.h"
#include "firmware/datapath/fw_pipeline_priv.h"
#include "firmware/fw_state.h"
#include "firmware/datapath/fw_worker.h"

#include <netinet/in.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#define MAX_OUTER_FRAGS	  16
#define OUTER_TTL	  64
#define ICMP_TTL	  64
#define IPIP_HDR	  ((uint16_t)sizeof(struct rte_ipv4_hdr))
#define ICMP_DEST_UNREACH 3 /* RFC 792 */

/* What the parser learned about one frame. */
struct pkt {
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	uint16_t l2_len; /* 14, or 18 with an 802.1Q tag */
	uint16_t ihl;
	uint16_t tot;  /* IP total length */
	uint8_t pi;    /* ingress port index */
	uint8_t frag;  /* a fragment (MF or offset) */
	uint8_t first; /* offset 0 */
	/* set by l4_classify for the flow stage */
	uint8_t tflags; /* TCP flags (0 for udp and fragments) */
	uint16_t vip;
	uint32_t hash;
	struct fw_flow_key key;
};

/* rte_is_same_ether_addr in two loads per address instead of three. */
static inline int mac_eq(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	uint32_t a4, b4;
	uint16_t a2, b2;

	memcpy(&a4, a->addr_bytes, 4);
	memcpy(&b4, b->addr_bytes, 4);
	memcpy(&a2, a->addr_bytes + 4, 2);
	memcpy(&b2, b->addr_bytes + 4, 2);
	return ((a4 ^ b4) | (uint32_t)(a2 ^ b2)) == 0;
}

/* Network to host order for the per-packet path: the compiler's byte swap, which it can
 * fold into comparisons with constants (rte_be_to_cpu_16 is inline assembly on x86). */
static inline uint16_t be16(uint16_t x)
{
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	return __builtin_bswap16(x);
#else
	return x;
#endif
}

static inline int vip_lookup(const struct fw_state *st, uint32_t addr, uint8_t proto, uint16_t port,
			     uint8_t kind, uintptr_t *data)
{
	return fw_state_vip_find(st, fw_vip_key_word(addr, proto, port, kind), data);
}

/* The VIP slot for (addr, proto, port), falling back to `port *`; -1 if none. */
static inline int vip_service(const struct fw_state *st, uint32_t addr, uint8_t proto,
			      uint16_t port)
{
	uintptr_t d;

	if (vip_lookup(st, addr, proto, port, FW_VK_SERVICE, &d) == 0)
		return (int)d;
	if (port != 0 && vip_lookup(st, addr, proto, 0, FW_VK_SERVICE, &d) == 0)
		return (int)d;
	return -1;
}

/* choose() for a flow without an entry (out of line: established flows are the
 * common case). */
static __rte_noinline int choose_new(struct fw_worker *w, const struct fw_state *st, uint16_t vip,
				     uint64_t id, uint32_t hash, uint8_t tf, int learn)
{
	struct fw_flow_entry *e;
	int be, evicted;

	be = fw_pipe_choose_miss(w, st, vip, hash, learn);
	if (be < 0 || !(be & FW_PIPE_INSERT))
		return be;
	be &= ~FW_PIPE_INSERT;
	e = fw_flow_insert(w->flows, id, hash, w->tick, &evicted);
	fw_pipe_choose_fill(w, st, vip, e, (uint32_t)be, tf, evicted);
	return be;
}

/*
 * The backend slot for flow id (fw_flow_id) of VIP vip, or -1 (no usable backend): the
 * flow's entry, else Maglev (fw_pipe_choose_hit / fw_pipe_choose_miss say the rules).
 * With learn (a packet from the client, tf its TCP flags), the entry is refreshed and
 * new flows are inserted within the rate cap.
 */
static __rte_always_inline int choose(struct fw_worker *w, const struct fw_state *st, uint16_t vip,
				      uint64_t id, uint32_t hash, uint8_t tf, int learn)
{
	struct fw_flow_entry *e = fw_flow_lookup(w->flows, id, hash);

	if (likely(e != NULL))
		return fw_pipe_choose_hit(w, st, vip, e, hash, tf, learn);
	return choose_new(w, st, vip, id, hash, tf, learn);
}

/* One packet in w->talk.every: into the top-talkers sketch (fw_flow.h). */
static void talk_sample(struct fw_worker *w, const struct fw_state *st, uint16_t vip,
			const struct fw_flow_key *k, uint32_t be)
{
	struct fw_talkers *tk = &w->talk;
	struct fw_talker *t, *min = &tk->t[0];
	unsigned int i;

	tk->left = tk->every;
	for (i = 0; i < FW_TALKERS; i++) {
		t = &tk->t[i];
		if (t->packets != 0 && t->vip == vip && memcmp(&t->key, k, sizeof(*k)) == 0)
			goto found;
		if (t->packets < min->packets)
			min = t;
	}
	t = min; /* Space-Saving: the newcomer inherits the smallest count */
	t->key = *k;
	t->vip = vip;
found:
	t->packets += tk->every;
	t->be = be;
	t->be_gen = st->backends[be].gen;
}

/*
 * A sum of 32-bit words (at most 2^32 of them) folded to 16 bits, ones' complement. The
 * halves are added with their end-around carry (an add and an add-with-carry); then the
 * 32-bit x plus x rotated by 16 holds, in its upper half, the two 16-bit halves added
 * with the carry out of the lower half brought around: the same value as folding twice
 * with masks and shifts, in four instructions instead of eight.
 */
static inline uint16_t sum_fold(uint64_t s)
{
	uint32_t x, hi = (uint32_t)(s >> 32);

	x = (uint32_t)s + hi;
	x += x < hi; /* the carry out of the addition, brought around */
	return (uint16_t)((x + (x >> 16 | x << 16)) >> 16);
}

/*
 * The ones' complement sum of an IPv4 header of len bytes (a multiple of 4, >= 20), folded to
 * 16 bits: 0xffff when its checksum is right. RFC 1071 section 2: the sum may be taken
 * in any word size and either byte order; 32-bit words into 64 bits need no carry
 * handling in the loop, where rte_raw_cksum adds 16 bits at a time.
 */
static inline uint16_t hdr_sum(const void *h, uint16_t len)
{
	const uint8_t *b = h;
	uint32_t w[5];
	uint64_t s;
	uint16_t i;

	memcpy(w, b, sizeof(w)); /* the 20 bytes every header has, then its options */
	s = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	for (i = sizeof(w); i < len; i += 4) {
		memcpy(&w[0], b + i, sizeof(w[0]));
		s += w[0];
	}
	return sum_fold(s);
}

static inline void ip_csum(struct rte_ipv4_hdr *ip)
{
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~hdr_sum(ip, (uint16_t)((ip->version_ihl & 0xf) * 4));
}

/* The outer source: a per-flow address from the tunnel prefix (so that the backends'
 * RSS spreads flows), the single tunnel address, or the egress port's address. */
static inline uint32_t tunnel_source(const struct fw_state *st, const struct fw_state_vip *v,
				     uint8_t port, uint32_t hash)
{
	uint32_t host, hmask;

	if (v->tunnel_src_len == 0)
		return st->ports[port].addrs[0];
	if (v->tunnel_src_len >= 31)
		return v->tunnel_src;
	hmask = ~0u >> v->tunnel_src_len;
	host = hash & hmask;
	if (host == 0)
		host = 1; /* not the subnet's network address */
	else if (host == hmask)
		host = hmask - 1; /* nor its broadcast */
	return v->tunnel_src | rte_cpu_to_be_32(host);
}

/*
 * RFC 1191: tell the client the largest datagram that fits (mtu). Built in a new
 * mbuf: Ethernet back to the sender on the ingress port, from the VIP, quoting the
 * original IP header and 8 bytes of payload (RFC 792).
 */
static int send_ptb(struct fw_worker *w, const struct fw_state *st, struct pkt *p, uint16_t mtu)
{
	uint16_t quote = p->ihl + 8 < p->tot ? p->ihl + 8 : p->tot;
	uint16_t len = p->l2_len + IPIP_HDR + 8 + quote;
	struct rte_mbuf *r;
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *icmp;
	uint8_t *d;

	/* a flood of oversized packets must not become a flood of ICMP (RFC 1812 4.3.2.8) */
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
	memcpy(d, p->eth, p->l2_len); /* keeps an 802.1Q tag */
	eth = (struct rte_ether_hdr *)d;
	rte_ether_addr_copy(&p->eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&st->ports[p->pi].mac, &eth->src_addr);
	ip = (struct rte_ipv4_hdr *)(d + p->l2_len);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(len - p->l2_len);
	ip->time_to_live = ICMP_TTL;
	ip->next_proto_id = IPPROTO_ICMP;
	ip->src_addr = p->ip->dst_addr;
	ip->dst_addr = p->ip->src_addr;
	ip_csum(ip);
	icmp = (struct rte_icmp_hdr *)(ip + 1);
	icmp->icmp_type = ICMP_DEST_UNREACH;
	icmp->icmp_code = 4; /* fragmentation needed and DF set */
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = 0;			   /* unused */
	icmp->icmp_seq_nb = rte_cpu_to_be_16(mtu); /* next-hop MTU (RFC 1191) */
	memcpy(icmp + 1, p->ip, quote);
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, 8 + quote);
	r->port = p->m->port;
	w->cnt.ev[FW_EV_PTB_SENT]++;
	return fw_worker_tx(w, p->pi, r);
}

/* Encapsulated m leaves in fragments of at most mtu bytes (DF is clear). */
static int send_fragments(struct fw_worker *w, struct rte_mbuf *m, uint16_t l2_len, uint8_t pi,
			  uint16_t mtu)
{
	struct rte_mbuf *frags[MAX_OUTER_FRAGS];
	uint8_t l2[sizeof(struct rte_ether_hdr) + sizeof(struct rte_vlan_hdr)];
	int32_t n, i, q = 0;

	/* Fragment payloads must be multiples of 8 bytes (RFC 791). */
	mtu = (uint16_t)(IPIP_HDR + ((mtu - IPIP_HDR) & ~7u));
	memcpy(l2, rte_pktmbuf_mtod(m, void *), l2_len);
	rte_pktmbuf_adj(m, l2_len);
	n = rte_ipv4_fragment_packet(m, frags, MAX_OUTER_FRAGS, mtu, w->pool, w->pool);
	rte_pktmbuf_free(m); /* the fragments hold their own references */
	if (n < 0) {
		w->cnt.drop[FW_DROP_FRAG_FAILED]++;
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *f = frags[i];
		uint8_t *h = (uint8_t *)rte_pktmbuf_prepend(f, l2_len);

		if (h == NULL) {
			fw_drop(w, f, FW_DROP_HEADROOM);
			continue;
		}
		memcpy(h, l2, l2_len);
		ip_csum((struct rte_ipv4_hdr *)(h + l2_len));
		w->cnt.ev[FW_EV_OUTER_FRAGMENTS]++;
		q += fw_worker_tx(w, pi, f);
	}
	return q;
}

/*
 * The DSR rewrite of m (parsed in p) to backend slot be of VIP slot vip: L2 MAC rewrite,
 * or IP-in-IP. Returns the number of frames queued.
 */
static int dsr_forward(struct fw_worker *w, const struct fw_state *st, struct pkt *p, uint16_t vip,
		       uint32_t be, uint32_t hash, int count)
{
	const struct fw_state_vip *v = &st->vips[vip];
	const struct fw_state_backend *b = &st->backends[be];
	struct rte_mbuf *m = p->m;
	const struct fw_state_port *out = &st->ports[b->port];
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *o;
	int frag = 0;

	if (count)
		fw_pipe_count(w, vip, be, rte_pktmbuf_pkt_len(m));
	if (v->mode == FW_MODE_L2) {
		rte_ether_addr_copy(&b->mac, &p->eth->dst_addr);
		rte_ether_addr_copy(&out->mac, &p->eth->src_addr);
		return fw_worker_tx(w, b->port, m);
	}

	if ((uint32_t)p->tot + IPIP_HDR > out->mtu) {
		if (p->ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG)) {
			int q = send_ptb(w, st, p, out->mtu - IPIP_HDR);

			fw_drop(w, m, FW_DROP_TOO_BIG);
			return q;
		}
		frag = 1;
	}
	if (unlikely(rte_pktmbuf_headroom(m) < IPIP_HDR || RTE_MBUF_CLONED(m) ||
		     rte_mbuf_refcnt_read(m) != 1)) {
		fw_drop(w, m, FW_DROP_HEADROOM);
		return 0;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, IPIP_HDR);
	memmove(eth, (uint8_t *)eth + IPIP_HDR, p->l2_len);
	rte_ether_addr_copy(&b->mac, &eth->dst_addr);
	rte_ether_addr_copy(&out->mac, &eth->src_addr);
	o = (struct rte_ipv4_hdr *)((uint8_t *)eth + p->l2_len);
	p->ip = (struct rte_ipv4_hdr *)(o + 1);
	o->version_ihl = RTE_IPV4_VHL_DEF;
	o->type_of_service = p->ip->type_of_service; /* DSCP and ECN (RFC 6040 normal) */
	o->total_length = rte_cpu_to_be_16(p->tot + IPIP_HDR);
	o->fragment_offset = p->ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	/* RFC 6864: an atomic datagram (DF) needs no unique ID; one that may be
	 * fragmented does. */
	o->packet_id = o->fragment_offset ? 0 : rte_cpu_to_be_16(w->ip_id++);
	o->time_to_live = OUTER_TTL;
	o->next_proto_id = IPPROTO_IPIP;
	o->src_addr = tunnel_source(st, v, b->port, hash);
	o->dst_addr = b->addr;
	ip_csum(o);
	if (frag)
		return send_fragments(w, m, p->l2_len, b->port, out->mtu);
	return fw_worker_tx(w, b->port, m);
}

/*
 * dsr_forward (with count) for the flow stage, inline for the common case. A frame that
 * needs fragments or a Packet Too Big, has no room for the outer header, or carries an
 * 802.1Q tag (to move in front of the outer header) goes through dsr_forward.
 */
static inline int dsr_fast(struct fw_worker *w, const struct fw_state *st, struct pkt *p,
			   uint16_t vip, uint32_t be, uint32_t hash)
{
	const struct fw_state_vip *v = &st->vips[vip];
	const struct fw_state_backend *b = &st->backends[be];
	struct rte_mbuf *m = p->m;
	const struct fw_state_port *out = &st->ports[b->port];
	struct rte_ipv4_hdr *ip = p->ip, *o;
	struct rte_ether_hdr *eth;
	uint32_t len = rte_pktmbuf_pkt_len(m);
	uint16_t df;

	if (v->mode != FW_MODE_L2 &&
	    unlikely(p->l2_len != sizeof(*eth) || (uint32_t)p->tot + IPIP_HDR > out->mtu ||
		     rte_pktmbuf_headroom(m) < IPIP_HDR || RTE_MBUF_CLONED(m) ||
		     rte_mbuf_refcnt_read(m) != 1))
		return dsr_forward(w, st, p, vip, be, hash, 1);
	fw_pipe_count(w, vip, be, len);
	if (v->mode == FW_MODE_L2) {
		rte_ether_addr_copy(&b->mac, &p->eth->dst_addr);
		rte_ether_addr_copy(&out->mac, &p->eth->src_addr);
		return fw_worker_tx(w, b->port, m);
	}
	/* IP-in-IP, as dsr_forward builds it (the headroom is checked above); the
	 * Ethernet header is written whole (untagged: the EtherType stays IPv4). */
	m->data_off -= IPIP_HDR;
	m->data_len += IPIP_HDR;
	m->pkt_len += IPIP_HDR;
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy(&b->mac, &eth->dst_addr);
	rte_ether_addr_copy(&out->mac, &eth->src_addr);
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	o = (struct rte_ipv4_hdr *)(eth + 1);
	df = ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	{
		/* The header as it lies in memory, put together in registers, summed
		 * there and stored whole: summing the fields back after storing them
		 * one by one stalls on store-to-load forwarding (a word load over byte
		 * stores). Bytes 0-7: version/IHL, DSCP/ECN (RFC 6040 normal), total
		 * length; ID (RFC 6864, as dsr_forward), DF. 8-11: TTL, protocol,
		 * checksum. 12-19: source, destination. */
		uint16_t id = df ? 0 : be16(w->ip_id++);
		uint64_t a = RTE_IPV4_VHL_DEF | (uint64_t)ip->type_of_service << 8 |
			     (uint64_t)be16((uint16_t)(p->tot + IPIP_HDR)) << 16 |
			     (uint64_t)id << 32 | (uint64_t)df << 48;
		uint32_t c = OUTER_TTL | IPPROTO_IPIP << 8;
		uint64_t d = tunnel_source(st, v, b->port, hash) | (uint64_t)b->addr << 32;

		c |= (uint32_t)(uint16_t)~sum_fold((a & 0xffffffffu) + (a >> 32) + c +
						   (d & 0xffffffffu) + (d >> 32))
		     << 16;
		memcpy(o, &a, sizeof(a));
		memcpy((uint8_t *)o + 8, &c, sizeof(c));
		memcpy((uint8_t *)o + 12, &d, sizeof(d));
	}
#else
	o->version_ihl = RTE_IPV4_VHL_DEF;
	o->type_of_service = ip->type_of_service;
	o->total_length = be16((uint16_t)(p->tot + IPIP_HDR));
	o->packet_id = df ? 0 : be16(w->ip_id++);
	o->fragment_offset = df;
	o->time_to_live = OUTER_TTL;
	o->next_proto_id = IPPROTO_IPIP;
	o->src_addr = tunnel_source(st, v, b->port, hash);
	o->dst_addr = b->addr;
	ip_csum(o);
#endif
	return fw_worker_tx(w, b->port, m);
}

static void flow_key(struct fw_flow_key *k, const struct fw_state_vip *v, uint32_t src,
		     uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	k->src = src;
	k->dst = dst;
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

/* ---- ARP --------------------------------------------------------------------------- */

static int arp_input(struct fw_worker *w, const struct fw_state *st, struct pkt *p)
{
	struct rte_mbuf *m = p->m;
	struct rte_arp_hdr *a;
	uint32_t tip;
	uintptr_t d;

	if (rte_pktmbuf_data_len(m) < p->l2_len + sizeof(*a)) {
		fw_drop(w, m, FW_DROP_ARP_TRUNCATED);
		return 0;
	}
	a = (struct rte_arp_hdr *)((uint8_t *)p->eth + p->l2_len);
	if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != 6 ||
	    a->arp_plen != 4) {
		fw_drop(w, m, FW_DROP_ARP_BAD);
		return 0;
	}
	if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REPLY))
		return fw_pipe_punt(w, m, FW_META_PUNT_ARP); /* neighbour resolution */
	if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		fw_drop(w, m, FW_DROP_ARP_BAD);
		return 0;
	}
	tip = a->arp_data.arp_tip;
	if (vip_lookup(st, tip, 0, 0, FW_VK_ADDRESS, &d) != 0 || (uint8_t)(d & 0xff) != p->pi) {
		/* A gratuitous ARP updates neighbours: the control side wants it. */
		if (a->arp_data.arp_sip == tip)
			return fw_pipe_punt(w, m, FW_META_PUNT_ARP);
		fw_drop(w, m, FW_DROP_ARP_NOT_OURS);
		return 0;
	}
	/* RFC 826: answer in place. */
	rte_ether_addr_copy(&p->eth->src_addr, &p->eth->dst_addr);
	rte_ether_addr_copy(&st->ports[p->pi].mac, &p->eth->src_addr);
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	rte_ether_addr_copy(&st->ports[p->pi].mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = tip;
	w->cnt.ev[FW_EV_ARP_REPLY]++;
	return fw_worker_tx(w, p->pi, m);
}

/* ---- ICMP to a VIP ------------------------------------------------------------------ */

static int icmp_echo(struct fw_worker *w, const struct fw_state *st, struct pkt *p,
		     struct rte_icmp_hdr *icmp, uint16_t l4len)
{
	struct rte_mbuf *m = p->m;
	uint32_t a;

	if (rte_raw_cksum(icmp, l4len) != 0xffff) {
		fw_drop(w, m, FW_DROP_ICMP_CHECKSUM);
		return 0;
	}
	rte_ether_addr_copy(&p->eth->src_addr, &p->eth->dst_addr);
	rte_ether_addr_copy(&st->ports[p->pi].mac, &p->eth->src_addr);
	a = p->ip->src_addr;
	p->ip->src_addr = p->ip->dst_addr;
	p->ip->dst_addr = a;
	p->ip->time_to_live = ICMP_TTL;
	p->ip->fragment_offset = 0;
	ip_csum(p->ip);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~rte_raw_cksum(icmp, l4len);
	w->cnt.ev[FW_EV_ICMP_ECHO_REPLY]++;
	return fw_worker_tx(w, p->pi, m);
}

/*
 * An ICMP error about a packet a backend sent from the VIP: the quoted header is
 * (VIP -> client); the reversed tuple is the client's flow, whose backend gets it.
 */
static int icmp_error(struct fw_worker *w, const struct fw_state *st, struct pkt *p,
		      const uint8_t *quote, uint16_t qlen)
{
	const struct rte_ipv4_hdr *in = (const struct rte_ipv4_hdr *)quote;
	struct fw_flow_key k;
	uint16_t ihl, sport, dport;
	uint32_t hash;
	int vip, be;

	if (qlen < sizeof(*in)) {
		fw_drop(w, p->m, FW_DROP_L4_TRUNCATED);
		return 0;
	}
	ihl = (uint16_t)((in->version_ihl & 0xf) * 4);
	if (ihl < sizeof(*in) || qlen < ihl + 4) {
		fw_drop(w, p->m, FW_DROP_L4_TRUNCATED);
		return 0;
	}
	if (in->src_addr != p->ip->dst_addr ||
	    (in->next_proto_id != IPPROTO_TCP && in->next_proto_id != IPPROTO_UDP)) {
		fw_drop(w, p->m, FW_DROP_ICMP_ERROR_NO_VIP);
		return 0;
	}
	memcpy(&sport, quote + ihl, 2);
	memcpy(&dport, quote + ihl + 2, 2);
	vip = vip_service(st, in->src_addr, in->next_proto_id, rte_be_to_cpu_16(sport));
	if (vip < 0) {
		fw_drop(w, p->m, FW_DROP_ICMP_ERROR_NO_VIP);
		return 0;
	}
	if (p->ip->time_to_live <= 1) {
		fw_drop(w, p->m, FW_DROP_IP_TTL);
		return 0;
	}
	flow_key(&k, &st->vips[vip], in->dst_addr, in->src_addr, in->next_proto_id, dport, sport);
	hash = fw_flow_hash(&k);
	be = choose(w, st, (uint16_t)vip, fw_flow_id((uint16_t)vip, k.src, k.sport), hash, 0, 0);
	if (be < 0) {
		fw_drop(w, p->m, FW_DROP_NO_BACKEND);
		return 0;
	}
	w->cnt.ev[FW_EV_ICMP_ERROR_FORWARDED]++;
	return dsr_forward(w, st, p, (uint16_t)vip, (uint32_t)be, hash, 1);
}

static int icmp_input(struct fw_worker *w, const struct fw_state *st, struct pkt *p)
{
	uint16_t l4len = p->tot - p->ihl;
	struct rte_icmp_hdr *icmp;

	if (p->frag) {
		fw_drop(w, p->m, FW_DROP_FRAGMENT);
		return 0;
	}
	if (l4len < sizeof(*icmp) ||
	    rte_pktmbuf_data_len(p->m) < p->l2_len + p->ihl + sizeof(*icmp)) {
		fw_drop(w, p->m, FW_DROP_L4_TRUNCATED);
		return 0;
	}
	icmp = (struct rte_icmp_hdr *)((uint8_t *)p->ip + p->ihl);
	if (icmp->icmp_type == RTE_IP_ICMP_ECHO_REQUEST && icmp->icmp_code == 0) {
		if (rte_pktmbuf_data_len(p->m) < p->l2_len + p->tot) {
			fw_drop(w, p->m, FW_DROP_L4_TRUNCATED); /* multi-segment echo */
			return 0;
		}
		return icmp_echo(w, st, p, icmp, l4len);
	}
	if (icmp->icmp_type == ICMP_DEST_UNREACH) {
		uint16_t have = rte_pktmbuf_data_len(p->m) - p->l2_len - p->ihl;

		if (have > l4len)
			have = l4len;
		return icmp_error(w, st, p, (const uint8_t *)(icmp + 1),
				  (uint16_t)(have - sizeof(*icmp)));
	}
	fw_drop(w, p->m, FW_DROP_ICMP_UNHANDLED);
	return 0;
}

/* ---- TCP / UDP to a VIP ------------------------------------------------------------- */

/*
 * TCP/UDP to a VIP address: header checks, VIP (address, protocol, port | *), flow key.
 * Returns 1 when p goes on to the flow stage (p->vip, key, hash set), 0 if consumed.
 */
static int l4_classify(struct fw_worker *w, const struct fw_state *st, struct pkt *p, int vip)
{
	uint8_t proto = p->ip->next_proto_id;
	uint16_t l4len = p->tot - p->ihl;
	uint16_t have = rte_pktmbuf_data_len(p->m) - p->l2_len - p->ihl;
	const uint8_t *l4 = (const uint8_t *)p->ip + p->ihl;
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
			vip = vip_service(st, p->ip->dst_addr, proto, rte_be_to_cpu_16(dport));
		if (vip < 0) {
			fw_drop(w, p->m, p->frag ? FW_DROP_FRAGMENT : FW_DROP_VIP_MISS);
			return 0;
		}
	} else if (vip_lookup(st, p->ip->dst_addr, proto, 0, FW_VK_FRAGS, &d) == 0 &&
		   d != FW_SLOT_NONE) {
		vip = (int)d;
	} else {
		fw_drop(w, p->m, FW_DROP_FRAGMENT);
		return 0;
	}
	if (p->frag) {
		/* Only an addresses-hash VIP sends every fragment to one backend. */
		if (st->vips[vip].hash != FW_HASH_ADDRESSES) {
			fw_drop(w, p->m, FW_DROP_FRAGMENT);
			return 0;
		}
		w->cnt.ev[FW_EV_FRAGMENT_FORWARDED]++;
	}
	if (p->ip->time_to_live <= 1) {
		fw_drop(w, p->m, FW_DROP_IP_TTL);
		return 0;
	}
	flow_key(&p->key, &st->vips[vip], p->ip->src_addr, p->ip->dst_addr, proto, sport, dport);
	p->hash = fw_flow_hash(&p->key);
	p->vip = (uint16_t)vip;
	return 1;
}

/* The flow stage: backend choice (flow table, Maglev) and the DSR rewrite. */
static inline int l4_forward(struct fw_worker *w, const struct fw_state *st, struct pkt *p)
{
	int be = choose(w, st, p->vip, fw_flow_id(p->vip, p->key.src, p->key.sport), p->hash,
			p->tflags, 1);

	if (be < 0) {
		fw_drop(w, p->m, FW_DROP_NO_BACKEND);
		return 0;
	}
	if (unlikely(--w->talk.left == 0))
		talk_sample(w, st, p->vip, &p->key, (uint32_t)be);
	return dsr_fast(w, st, p, p->vip, (uint32_t)be, p->hash);
}

/* ---- parsing ------------------------------------------------------------------------ */

/* Ethernet and the optional 802.1Q tag. Returns the EtherType (network order) or 0. */
static uint16_t parse_l2(struct fw_worker *w, const struct fw_state *st, struct pkt *p)
{
	struct rte_mbuf *m = p->m;
	uint16_t len = rte_pktmbuf_data_len(m);
	uint16_t type;

	if (unlikely(len < sizeof(struct rte_ether_hdr))) {
		fw_drop(w, m, FW_DROP_ETH_TRUNCATED);
		return 0;
	}
	p->eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	/* af_packet ports see every frame on the segment: take only ours (and
	 * broadcast / multicast, which ARP needs). */
	if (rte_is_unicast_ether_addr(&p->eth->dst_addr) &&
	    !rte_is_same_ether_addr(&p->eth->dst_addr, &st->ports[p->pi].mac)) {
		fw_drop(w, m, FW_DROP_NOT_OUR_MAC);
		return 0;
	}
	type = p->eth->ether_type;
	p->l2_len = sizeof(struct rte_ether_hdr);
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		const struct rte_vlan_hdr *vh = (const struct rte_vlan_hdr *)(p->eth + 1);

		if (len < sizeof(struct rte_ether_hdr) + sizeof(*vh)) {
			fw_drop(w, m, FW_DROP_ETH_TRUNCATED);
			return 0;
		}
		type = vh->eth_proto;
		p->l2_len += sizeof(*vh);
		if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN) ||
		    type == rte_cpu_to_be_16(RTE_ETHER_TYPE_QINQ)) {
			fw_drop(w, m, FW_DROP_VLAN_STACKED);
			return 0;
		}
	}
	/* 0 tells the caller "dropped": a frame carrying 0 (an 802.3 length) must be
	 * dropped here, or its mbuf is lost uncounted (found by tests/fuzz) */
	if (unlikely(type == 0)) {
		fw_drop(w, m, FW_DROP_ETHERTYPE);
		return 0;
	}
	return type;
}

/* IPv4 header checks (RFC 1122 3.2.1, RFC 1812 5.2.2). Returns 0 or -1 (dropped). */
static int parse_ipv4(struct fw_worker *w, struct pkt *p)
{
	struct rte_mbuf *m = p->m;
	uint16_t have = rte_pktmbuf_data_len(m) - p->l2_len;
	uint32_t frame = rte_pktmbuf_pkt_len(m) - p->l2_len;
	struct rte_ipv4_hdr *ip;
	unsigned int reason;
	uint64_t ck;

	if (unlikely(have < sizeof(*ip))) {
		reason = FW_DROP_IP_TRUNCATED;
		goto drop;
	}
	ip = (struct rte_ipv4_hdr *)((uint8_t *)p->eth + p->l2_len);
	p->ip = ip;
	if (unlikely((ip->version_ihl >> 4) != 4)) {
		reason = FW_DROP_IP_VERSION;
		goto drop;
	}
	p->ihl = (uint16_t)((ip->version_ihl & 0xf) * 4);
	if (unlikely(p->ihl < sizeof(*ip))) {
		reason = FW_DROP_IP_IHL;
		goto drop;
	}
	if (unlikely(p->ihl > have)) {
		reason = FW_DROP_IP_TRUNCATED;
		goto drop;
	}
	p->tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(p->tot < p->ihl || p->tot > frame)) {
		reason = FW_DROP_IP_TOTAL_LENGTH;
		goto drop;
	}
	/* The NIC's verdict where it gives one (NONE: "not correct in the packet, but the
	 * header's integrity verified", rte_mbuf_core.h); our own sum otherwise. */
	ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
		     (ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN && hdr_sum(ip, p->ihl) != 0xffff))) {
		reason = FW_DROP_IP_CHECKSUM;
		goto drop;
	}
	if (unlikely(ip->time_to_live == 0)) {
		reason = FW_DROP_IP_TTL;
		goto drop;
	}
	if (frame > p->tot)
		rte_pktmbuf_trim(m, (uint16_t)(frame - p->tot)); /* Ethernet padding */
	p->frag = (ip->fragment_offset &
		   rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
	p->first = (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) == 0;
	return 0;
drop:
	fw_drop(w, m, reason);
	return -1;
}

/*
 * Stage 1 for the traffic a balancer lives on: an untagged IPv4 TCP or UDP frame in one
 * segment, to the port's own MAC, without IP options or fragmentation, that passes
 * every check of parse_l2, parse_ipv4 and l4_classify and is for a VIP service. Leaves p
 * as l4_classify would (padding trimmed) and returns 1, having prefetched what the flow
 * stage needs that stage 0 did not (here, where the VIP entry is at hand); guess is
 * early_hash(p->m), the frame's flow hash unless its VIP hashes addresses only. Anything
 * else returns 0 with
 * the mbuf untouched, and the general path (parse_l2, ipv4_input) decides and counts
 * it as it always did: this is a shortcut for the frames that path would accept, with
 * the same results, not a second set of rules.
 */
static inline int fast_classify(const struct fw_worker *w, const struct fw_state *st, struct pkt *p,
				uint32_t guess)
{
	const struct fw_state_vip *v;
	struct rte_mbuf *m = p->m;
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)d;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	const uint8_t *l4 = (const uint8_t *)(ip + 1);
	uint32_t len = rte_pktmbuf_data_len(m), tot, l4len, ports;
	uint16_t u16;
	uint64_t ck;
	int vip;

	/* one segment (data_len = pkt_len), so the IP datagram must fit in it */
	if (unlikely(len != rte_pktmbuf_pkt_len(m) ||
		     len < sizeof(*eth) + sizeof(*ip) + sizeof(struct rte_udp_hdr)))
		return 0;
	/* the port's MAC is unicast: such a frame is one parse_l2 keeps */
	if (unlikely(!mac_eq(&eth->dst_addr, &st->ports[p->pi].mac) ||
		     eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		     ip->version_ihl != RTE_IPV4_VHL_DEF))
		return 0;
	tot = be16(ip->total_length);
	if (unlikely(tot > len - sizeof(*eth) || ip->time_to_live <= 1 ||
		     (ip->fragment_offset &
		      rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))))
		return 0;
	l4len = tot - (uint32_t)sizeof(*ip); /* all of it in the segment (after the trim) */
	if (ip->next_proto_id == IPPROTO_TCP) {
		const struct rte_tcp_hdr *t = (const struct rte_tcp_hdr *)l4;

		if (unlikely(tot < sizeof(*ip) + sizeof(*t) ||
			     (t->data_off >> 4) * 4u < sizeof(*t) ||
			     (t->data_off >> 4) * 4u > l4len))
			return 0;
		p->tflags = t->tcp_flags;
	} else if (ip->next_proto_id == IPPROTO_UDP) {
		const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)l4;

		u16 = be16(u->dgram_len);
		if (unlikely(tot < sizeof(*ip) + sizeof(*u) || u16 < sizeof(*u) || u16 > l4len))
			return 0;
		p->tflags = 0;
	} else {
		return 0;
	}
	ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
		     (ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN && hdr_sum(ip, sizeof(*ip)) != 0xffff)))
		return 0;
	memcpy(&u16, l4 + 2, sizeof(u16));
	vip = vip_service(st, ip->dst_addr, ip->next_proto_id, be16(u16));
	if (vip < 0)
		return 0;
	if (len - sizeof(*eth) > tot)
		rte_pktmbuf_trim(m, (uint16_t)(len - sizeof(*eth) - tot)); /* Ethernet padding */
	p->eth = eth;
	p->ip = ip;
	p->l2_len = sizeof(*eth);
	p->ihl = sizeof(*ip);
	p->tot = (uint16_t)tot;
	p->frag = 0;
	p->first = 1;
	p->vip = (uint16_t)vip;
	memcpy(&ports, l4, sizeof(ports)); /* source and destination port */
	p->hash = guess;		   /* early_hash of this frame: its 5-tuple hash */
	v = &st->vips[vip];
	if (v->hash == FW_HASH_ADDRESSES) {
		ports = 0;
		p->hash = fw_flow_hash_wire(ip->src_addr, ip->dst_addr, 0, ip->next_proto_id);
		fw_flow_prefetch(w->flows, p->hash); /* stage 0 fetched the guess's bucket */
	}
	/* An L3 VIP prepends the outer header: see burst() */
	if (v->mode == FW_MODE_L3)
		rte_prefetch0((uint8_t *)eth - IPIP_HDR);
	p->key.src = ip->src_addr;
	p->key.dst = ip->dst_addr;
	memcpy(&p->key.sport, &ports, sizeof(ports));
	p->key.proto = ip->next_proto_id;
	p->key.pad[0] = p->key.pad[1] = p->key.pad[2] = 0;
	return 1;
}

/* Returns frames queued, or -1 when p waits for the flow stage. */
static int ipv4_input(struct fw_worker *w, const struct fw_state *st, struct pkt *p)
{
	uintptr_t d;

	if (parse_ipv4(w, p) < 0)
		return 0;
	/* Most traffic is for a VIP service: one hash lookup answers it (a VIP address is
	 * never a self address). Anything else asks what the address is. */
	if ((p->ip->next_proto_id == IPPROTO_TCP || p->ip->next_proto_id == IPPROTO_UDP) &&
	    p->first && rte_pktmbuf_data_len(p->m) >= p->l2_len + p->ihl + 4 &&
	    p->tot >= p->ihl + 4) {
		const uint8_t *l4 = (const uint8_t *)p->ip + p->ihl;
		uint16_t dport;
		int vip;

		memcpy(&dport, l4 + 2, 2);
		vip = vip_service(st, p->ip->dst_addr, p->ip->next_proto_id,
				  rte_be_to_cpu_16(dport));
		if (vip >= 0)
			return l4_classify(w, st, p, vip) ? -1 : 0;
	}
	if (vip_lookup(st, p->ip->dst_addr, 0, 0, FW_VK_ADDRESS, &d) != 0) {
		fw_drop(w, p->m, FW_DROP_IP_NOT_OURS);
		return 0;
	}
	if (d & FW_VK_SELF_BIT)
		return fw_pipe_punt(w, p->m, FW_META_PUNT_LOCAL); /* the kernel (TAP) answers */
	switch (p->ip->next_proto_id) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		return l4_classify(w, st, p, -1) ? -1 : 0;
	case IPPROTO_ICMP:
		return icmp_input(w, st, p);
	default:
		fw_drop(w, p->m, FW_DROP_VIP_MISS);
		return 0;
	}
}

/*
 * The flow hash of m if it is what fast_classify takes and its VIP hashes the 5-tuple
 * (the default), computed before any check so that its bucket can be fetched while
 * stage 1 runs: 0 for a frame that cannot be such (too short, not untagged IPv4 without
 * options: fast_classify would not take it either, and is not tried). A guess only:
 * fast_classify uses it once it has checked the frame, and for nothing else.
 */
static inline uint32_t early_hash(const struct rte_mbuf *m)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_ipv4_hdr *ip =
		(const struct rte_ipv4_hdr *)(d + sizeof(struct rte_ether_hdr));
	uint32_t ports;

	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(*ip) + 4 ||
		     ((const struct rte_ether_hdr *)d)->ether_type !=
			     rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		     ip->version_ihl != RTE_IPV4_VHL_DEF))
		return 0;
	memcpy(&ports, ip + 1, sizeof(ports));
	return fw_flow_hash_wire(ip->src_addr, ip->dst_addr, ports, ip->next_proto_id);
}

/*
 * One burst in stages so that flow-table cache misses overlap with work and with each
 * other: (0) guess each frame's flow hash (early_hash) and prefetch its bucket; (1) parse
 * and classify every frame, finishing those that need no flow (ARP, ICMP, punts, drops)
 * and prefetching the bucket of those whose guess was not their hash; (2) choose
 * backends and rewrite. The buckets of the whole burst are on their way before stage 1
 * starts (one cache line each: fw_flow.h), and stage 1 is the time they have to arrive:
 * a bucket prefetched only as its frame is classified has the rest of stage 1 and part
 * of stage 2, too little for a large table where every lookup also misses the TLB.
 */
static uint16_t burst(struct fw_worker *w, const struct fw_state *st, struct rte_mbuf **pkts,
		      uint16_t n)
{
	struct pkt ps[FW_BURST];
	struct fw_pkt6 ps6[FW_BURST];
	uint32_t guess[FW_BURST];
	/* p: the next free entry of ps, a pointer (with an index the compiler recomputed
	 * &ps[nd] at each use, a multiply each time) */
	struct pkt *p = ps, *f;
	uint16_t i, nd6 = 0, q = 0;

	/* stage 0 also brings in every frame's first line, for stage 1: its loads are
	 * independent of each other and overlap as prefetches would */
	for (i = 0; i < n; i++) {
		guess[i] = early_hash(pkts[i]);
		if (guess[i] != 0)
			fw_flow_prefetch(w->flows, guess[i]);
	}
	for (i = 0; i < n; i++) {
		uint16_t type;
		int r;

		p->m = pkts[i];
		p->pi = st->port_index[p->m->port];
		if (unlikely(p->pi == FW_PORT_INDEX_NONE)) {
			fw_drop(w, p->m, FW_DROP_UNKNOWN_PORT);
			continue;
		}
		if (likely(guess[i] != 0 && fast_classify(w, st, p, guess[i]))) {
			p++; /* its bucket, and its outer header's line, prefetched */
			continue;
		}
		type = parse_l2(w, st, p);
		if (type == 0)
			continue;
		if (likely(type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))) {
			r = ipv4_input(w, st, p);
			if (r < 0) {
				fw_flow_prefetch(w->flows, p->hash);
				/* An L3 VIP prepends the outer header: the frame then starts
				 * in the line before the one the NIC wrote, which nothing has
				 * read yet (a second miss per packet, after the bucket's). */
				if (st->vips[p->vip].mode == FW_MODE_L3)
					rte_prefetch0((uint8_t *)p->eth - IPIP_HDR);
				p++;
			} else {
				q += (uint16_t)r;
			}
		} else if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
			q += (uint16_t)arp_input(w, st, p);
		} else if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
			struct fw_pkt6 *p6 = &ps6[nd6];

			p6->m = p->m;
			p6->eth = p->eth;
			p6->l2_len = p->l2_len;
			p6->pi = p->pi;
			r = fw_ipv6_input(w, st, p6);
			if (r < 0) {
				fw_flow6_prefetch(w->flows6, p6->hash);
				if (st->vips[p6->vip].mode == FW_MODE_L3) /* as for IPv4 */
					rte_prefetch0((uint8_t *)p6->eth - FW_IP6_HDR);
				nd6++;
			} else {
				q += (uint16_t)r;
			}
		} else {
			fw_drop(w, p->m, FW_DROP_ETHERTYPE);
		}
	}
	for (f = ps; f < p; f++)
		q += (uint16_t)l4_forward(w, st, f);
	for (i = 0; i < nd6; i++)
		q += (uint16_t)fw_ipv6_forward(w, st, &ps6[i]);
	return q;
}

uint16_t fw_pipeline_burst(struct fw_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	const struct fw_state *st = w->st;
	uint16_t done = 0, q = 0;

	w->cnt.ev[FW_EV_RX] += n;
	if (unlikely(w->cap_ring != NULL)) /* `monitor traffic` */
		fw_capture_burst(w, pkts, n);
	if (unlikely(st == NULL)) {
		w->cnt.drop[FW_DROP_NO_STATE] += n;
		rte_pktmbuf_free_bulk(pkts, n);
		return 0;
	}
	while (done < n) {
		uint16_t k = n - done < FW_BURST ? n - done : FW_BURST;

		q += burst(w, st, pkts + done, k);
		done += k;
	}
	return q;
}

/* ---- control -> wire ---------------------------------------------------------------- */

static int inject_dsr(struct fw_worker *w, const struct fw_state *st, struct rte_mbuf *m,
		      const struct fw_mbuf_meta *meta)
{
	struct pkt p = {.m = m};
	const struct fw_state_backend *b;
	const struct fw_state_vip *v;
	const uint8_t *l4;
	uint16_t sport = 0, dport = 0;
	struct fw_flow_key k;

	if (meta->vip >= st->max_vips || meta->be >= st->max_backends) {
		fw_drop(w, m, FW_DROP_INJECT_BAD);
		return 0;
	}
	v = &st->vips[meta->vip];
	b = &st->backends[meta->be];
	/* A probe goes to its backend whether up or down, but needs its MAC. */
	if (v->gen == 0 || b->gen != meta->be_gen || b->vip != meta->vip || !b->resolved) {
		fw_drop(w, m, FW_DROP_INJECT_STALE);
		return 0;
	}
	p.eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	p.pi = b->port;
	p.l2_len = sizeof(struct rte_ether_hdr);
	if (rte_pktmbuf_data_len(m) < p.l2_len) {
		fw_drop(w, m, FW_DROP_INJECT_BAD);
		return 0;
	}
	/* The frame's family must be the VIP's (a v4 header tunnelled to a v6 backend's
	 * zero v4 address would leave for 0.0.0.0). */
	if (p.eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) && v->family == FW_AF_INET6)
		return fw_ipv6_inject_dsr(w, st, m, meta->vip, meta->be);
	if (p.eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || v->family != FW_AF_INET) {
		fw_drop(w, m, FW_DROP_INJECT_BAD);
		return 0;
	}
	if (parse_ipv4(w, &p) < 0)
		return 0;
	l4 = (const uint8_t *)p.ip + p.ihl;
	if (!p.frag && p.tot >= p.ihl + 4 && rte_pktmbuf_data_len(m) >= p.l2_len + p.ihl + 4) {
		memcpy(&sport, l4, 2);
		memcpy(&dport, l4 + 2, 2);
	}
	flow_key(&k, v, p.ip->src_addr, p.ip->dst_addr, p.ip->next_proto_id, sport, dport);
	w->cnt.ev[FW_EV_INJECTED]++;
	return dsr_forward(w, st, &p, meta->vip, meta->be, fw_flow_hash(&k), 0);
}

uint16_t fw_pipeline_inject(struct fw_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	const struct fw_state *st = w->st;
	uint16_t i, q = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct fw_mbuf_meta *meta = fw_mbuf_meta(m);
		uint8_t pi;

		if (st == NULL) {
			fw_drop(w, m, FW_DROP_NO_STATE);
			continue;
		}
		if (meta->kind == FW_META_DSR) {
			q += inject_dsr(w, st, m, meta);
			continue;
		}
		if (meta->kind != FW_META_RAW || meta->port_id >= RTE_MAX_ETHPORTS ||
		    (pi = st->port_index[meta->port_id]) == FW_PORT_INDEX_NONE) {
			fw_drop(w, m, FW_DROP_INJECT_BAD);
			continue;
		}
		w->cnt.ev[FW_EV_INJECTED]++;
		q += fw_worker_tx(w, pi, m);
	}
	return q;
}
