/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the IPv4 pipeline (fw_pipeline.c) and the IPv6 one (fw_pipeline6.c, fw_icmp6.c)
 * share, inline because it runs per packet: the punt, the TCP state bits of a flow
 * entry, and the choice of a backend once the flow's entry has been looked up in the
 * family's table (a v6 entry begins with a v4 one, fw_flow6.h, so the rules are written
 * once). And the entry points of the IPv6 pipeline that the burst loop calls.
 *
 * Thread: the worker owning w.
 */
#ifndef FW_PIPELINE_PRIV_H
#define FW_PIPELINE_PRIV_H

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_ether.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "firmware/datapath/fw_flow.h"
#include "firmware/datapath/fw_flow6.h"
#include "firmware/datapath/fw_worker.h"
#include "firmware/fw_proto.h"
#include "firmware/fw_state.h"

/* Hand m to the control side (kind: FW_META_PUNT_*). Returns 0 (nothing queued for TX). */
static inline int fw_pipe_punt(struct fw_worker *w, struct rte_mbuf *m, uint8_t kind)
{
	struct fw_mbuf_meta *meta = fw_mbuf_meta(m);

	meta->kind = kind;
	meta->port_id = m->port;
	if (unlikely(rte_ring_sp_enqueue(w->punt, m) != 0)) {
		fw_drop(w, m, FW_DROP_PUNT_FULL);
		return 0;
	}
	w->cnt.ev[FW_EV_PUNTED]++;
	return 0;
}

static inline void fw_pipe_new_flow(struct fw_worker *w, uint16_t vip, uint32_t be)
{
	w->cnt.ev[FW_EV_NEW_FLOWS]++;
	w->cnt.vip[vip].new_flows++;
	w->cnt.be[be].new_flows++;
}

/* TCP flags that end a flow (RFC 9293 3.5, 3.6). */
#define FW_PIPE_END_FLAGS (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG)

/* The state bits of a new entry (FW_FLOW_STATE of its backend word) for a packet with
 * TCP flags tf (0 for udp): a SYN without ACK opens a half-open flow, a FIN or RST a
 * closing one. */
static inline uint32_t fw_pipe_first_state(uint8_t tf)
{
	if (unlikely(tf & FW_PIPE_END_FLAGS))
		return FW_FLOW_FIN;
	if (unlikely((tf & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG))
		return FW_FLOW_SYN;
	return 0;
}

/* The backend word bg (fw_flow_bg) after a packet with TCP flags tf: a FIN or RST
 * closes the flow for good; anything but a SYN completes a half-open one. */
static inline uint32_t fw_pipe_next_state(uint32_t bg, uint8_t tf)
{
	if (unlikely(tf & FW_PIPE_END_FLAGS))
		return (bg & ~FW_FLOW_SYN) | FW_FLOW_FIN;
	if (unlikely(bg & FW_FLOW_SYN) && !(tf & RTE_TCP_SYN_FLAG))
		return bg & ~FW_FLOW_SYN;
	return bg;
}

/* The timeout of an entry of backend word bg: a closing or half-open flow keeps the
 * VIP's fin-timeout, an established one its idle timeout. */
static inline uint32_t fw_pipe_lifetime(const struct fw_state_vip *v, uint32_t bg)
{
	return (bg & FW_FLOW_STATE) ? v->fin_ticks : v->timeout_ticks;
}

/* The expiry written for a lifetime life from tick now: life and 1/16 more, so that
 * the next write is due only once the flow has used that 1/16 (a flow idles out between
 * its timeout and 17/16 of it after its last packet). */
static inline uint32_t fw_pipe_expiry(uint32_t life, uint32_t now)
{
	return now + life + (life >> 4);
}

/* Maglev's backend slot for hash in VIP v, or FW_BE_NONE: the table holds an index into
 * v->backends (16 bits keep the table at 128 KiB), one more load from the VIP's list. */
static inline uint32_t fw_pipe_maglev(const struct fw_state *st, const struct fw_state_vip *v,
				      uint32_t hash)
{
	uint16_t i = v->maglev[hash % st->maglev_size];

	return likely(i != FW_SLOT_NONE) ? v->backends[i] : FW_BE_NONE;
}

/*
 * The backend for a flow of VIP vip whose entry e was found (live or expired): a pinned
 * flow stays on its backend while that backend exists (same generation) and is usable,
 * even with weight 0 (drain); otherwise Maglev picks again. With learn (a packet from
 * the client, tf its TCP flags) the entry is refreshed or re-pinned. Returns the backend
 * slot or -1 (no usable backend).
 */
static __rte_always_inline int fw_pipe_choose_hit(struct fw_worker *w, const struct fw_state *st,
						  uint16_t vip, struct fw_flow_entry *e,
						  uint32_t hash, uint8_t tf, int learn)
{
	const struct fw_state_vip *v = &st->vips[vip];
	int old = fw_flow_expired(e, w->tick);
	uint32_t be, g;

	if (likely(!old)) {
		const struct fw_state_backend *b = &st->backends[fw_flow_be(e)];

		if (likely(fw_flow_gen_is(e, b->gen) && b->usable && b->vip == vip)) {
			if (learn) {
				/* Written only when the state changes or less than the
				 * timeout is left: once per 1/16 of the timeout per flow,
				 * not per packet (the line stays clean). */
				uint32_t life;

				g = fw_pipe_next_state(e->bg, tf);
				life = fw_pipe_lifetime(v, g);
				if (unlikely(g != e->bg)) {
					e->bg = g;
					e->expire = fw_pipe_expiry(life, w->tick);
				} else if ((int32_t)(e->expire - (w->tick + life)) < 0) {
					e->expire = fw_pipe_expiry(life, w->tick);
				}
			}
			return (int)fw_flow_be(e);
		}
	}
	be = fw_pipe_maglev(st, v, hash);
	if (be == FW_BE_NONE || !learn)
		return be == FW_BE_NONE ? -1 : (int)be;
	/* Idle past its timeout (a new flow), or its backend went away. */
	if (old) {
		w->cnt.ev[FW_EV_FLOW_EXPIRED]++;
		fw_pipe_new_flow(w, vip, be);
		g = fw_flow_bg(be, st->backends[be].gen, fw_pipe_first_state(tf));
	} else {
		w->cnt.ev[FW_EV_FLOW_REPINNED]++;
		g = fw_pipe_next_state(fw_flow_bg(be, st->backends[be].gen, e->bg & FW_FLOW_STATE),
				       tf);
	}
	e->bg = g;
	e->expire = fw_pipe_expiry(fw_pipe_lifetime(v, g), w->tick);
	return (int)be;
}

/* fw_pipe_choose_miss: insert an entry for the backend (above every backend slot) */
#define FW_PIPE_INSERT 0x40000000
_Static_assert(FW_MAX_BACKENDS <= FW_PIPE_INSERT, "FW_PIPE_INSERT is not a backend slot bit");

/*
 * The backend for a flow of VIP vip that has no entry: Maglev's. Returns -1 (no usable
 * backend), the slot (forward without an entry: not learning, or over the new-flow cap),
 * or the slot | FW_PIPE_INSERT: the caller inserts an entry and fills it with
 * fw_pipe_choose_fill.
 */
static inline int fw_pipe_choose_miss(struct fw_worker *w, const struct fw_state *st, uint16_t vip,
				      uint32_t hash, int learn)
{
	uint32_t be = fw_pipe_maglev(st, &st->vips[vip], hash);

	if (be == FW_BE_NONE)
		return -1;
	if (!learn)
		return (int)be;
	if (!fw_bucket_take(&w->new_flows, w->now)) {
		/* Over the cap (a SYN flood): forwarded by hash alone, nothing evicted. */
		w->cnt.ev[FW_EV_NEW_FLOW_CAPPED]++;
		w->cnt.vip[vip].capped++;
		w->cnt.be[be].capped++;
		return (int)be;
	}
	return (int)be | FW_PIPE_INSERT;
}

/* A new entry e of VIP vip pinned to backend be (evicted: the insert pushed out a live
 * entry). */
static inline void fw_pipe_choose_fill(struct fw_worker *w, const struct fw_state *st, uint16_t vip,
				       struct fw_flow_entry *e, uint32_t be, uint8_t tf,
				       int evicted)
{
	e->bg = fw_flow_bg(be, st->backends[be].gen, fw_pipe_first_state(tf));
	e->expire = fw_pipe_expiry(fw_pipe_lifetime(&st->vips[vip], e->bg), w->tick);
	if (evicted)
		w->cnt.ev[FW_EV_FLOW_EVICTED]++;
	fw_pipe_new_flow(w, vip, be);
}

/* ---- the IPv6 pipeline (fw_pipeline6.c), called by the burst loop ------------------- */

/* What the IPv6 parser learned about one frame. */
struct fw_pkt6 {
	struct rte_mbuf *m;
	struct rte_ether_hdr *eth;
	uint8_t *ip; /* the IPv6 header (struct rte_ipv6_hdr) */
	uint16_t l2_len;
	uint16_t l3_len; /* IPv6 header and extension headers: the upper layer's offset */
	uint16_t tot;	 /* 40 + payload length */
	uint8_t pi;	 /* ingress port index */
	uint8_t proto;	 /* upper-layer protocol (after the extension headers) */
	uint8_t frag;	 /* a fragment (fragment header with M or an offset) */
	uint8_t first;	 /* no fragment header, or offset 0 */
	uint8_t tflags;	 /* TCP flags (0 for udp and fragments) */
	uint16_t vip;
	uint32_t hash;
	struct fw_flow_key6 key;
};

/* An IPv6 frame (0x86DD) parsed up to L2 in p (m, eth, l2_len, pi). Returns the frames
 * queued, or -1 when p waits for the flow stage (fw_ipv6_forward; its bucket is to be
 * prefetched: p->hash is set). */
int fw_ipv6_input(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p);

/* The flow stage of a packet fw_ipv6_input left waiting. Returns the frames queued. */
int fw_ipv6_forward(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p);

/* FW_META_DSR for an IPv6 frame (a health probe to [VIP]:port): the DSR rewrite to the
 * backend slot be of VIP slot vip (both checked by the caller). Returns frames queued. */
int fw_ipv6_inject_dsr(struct fw_worker *w, const struct fw_state *st, struct rte_mbuf *m,
		       uint16_t vip, uint32_t be);

/* ---- between fw_pipeline6.c and fw_icmp6.c ------------------------------------------ */

#define FW_IP6_HDR 40 /* sizeof(struct rte_ipv6_hdr) */

/* What a destination address is to Tula (fw_icmp6_input's dst). */
enum fw_ip6_dst { FW_IP6_DST_MCAST, FW_IP6_DST_VIP, FW_IP6_DST_SELF };

/* rte_hash_lookup_data of (addr, proto, port, kind) in the IPv6 VIP map: 0 and *data, or
 * -1. */
int fw_ip6_vip_find(const struct fw_state *st, const uint8_t *addr, uint8_t proto, uint16_t port,
		    uint8_t kind, uintptr_t *data);

/* The VIP slot for (addr, proto, port), falling back to `port *`; -1 if none. */
int fw_ip6_vip_service(const struct fw_state *st, const uint8_t *addr, uint8_t proto,
		       uint16_t port);

/* 1 when addr is a global or the link-local IPv6 address of port index pi. */
int fw_ip6_is_self(const struct fw_state *st, uint8_t pi, const uint8_t *addr);

/* The flow key of a packet src -> dst of VIP v (ports zeroed in addresses-hash mode). */
void fw_ip6_flow_key(struct fw_flow_key6 *k, const struct fw_state_vip *v, const uint8_t *src,
		     const uint8_t *dst, uint8_t proto, uint16_t sport, uint16_t dport);

/* The backend slot of the flow (vip, src, sport) of hash, or -1 (as choose() for IPv4). */
int fw_ip6_choose(struct fw_worker *w, const struct fw_state *st, uint16_t vip,
		  const struct fw_ip6 *src, uint16_t sport, uint32_t hash, uint8_t tf, int learn);

/* The DSR rewrite of p to backend be of VIP vip (L2 MAC rewrite, or IPv6-in-IPv6 with
 * Packet Too Big when it no longer fits); count: add to the VIP's and backend's
 * packets and bytes. Returns frames queued. */
int fw_ip6_dsr_forward(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p,
		       uint16_t vip, uint32_t be, uint32_t hash, int count);

/*
 * Walk the extension headers of an IPv6 packet at ip (have bytes readable, at least 40)
 * from the header's next-header field (RFC 8200 4). Sets *proto (upper layer), *off (its
 * offset), *frag and *first. Returns 0 or the drop reason.
 */
unsigned int fw_ip6_ext_walk(const uint8_t *ip, uint16_t have, uint8_t *proto, uint16_t *off,
			     uint8_t *frag, uint8_t *first);

/* The value of the checksum field of the ICMPv6 message l4[len] (its own checksum field
 * zero) under the IPv6 header ip, whose source and destination make the pseudo-header
 * (RFC 4443 2.3, RFC 8200 8.1); as stored on the wire. */
uint16_t fw_ip6_cksum(const uint8_t *ip, const void *l4, uint32_t len);
/* 1 when the ICMPv6 message l4[len] under ip carries a right checksum. */
int fw_ip6_cksum_ok(const uint8_t *ip, const void *l4, uint32_t len);

/* ICMPv6 to a multicast group, a VIP or a self address (fw_icmp6.c). Returns frames
 * queued. */
int fw_icmp6_input(struct fw_worker *w, const struct fw_state *st, struct fw_pkt6 *p,
		   enum fw_ip6_dst dst);

/* A frame of len bytes forwarded for VIP slot vip to backend slot be: its counters. */
static inline void fw_pipe_count(struct fw_worker *w, uint16_t vip, uint32_t be, uint32_t len)
{
	w->cnt.vip[vip].packets++;
	w->cnt.vip[vip].bytes += len;
	w->cnt.be[be].packets++;
	w->cnt.be[be].bytes += len;
}

#endif
