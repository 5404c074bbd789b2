/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The contract between the control thread and the worker lcores: the only messages
 * that cross the rings, and the metadata every mbuf carries across them.
 *
 *   control -> worker   request ring (struct fw_req: adopt a state, flush flows) and
 *                       inject ring (mbufs to send raw, or through the DSR rewrite)
 *   worker -> control   response ring (struct fw_resp: flush done) and punt ring
 *                       (mbufs for the control side: ARP replies, packets for Tula's
 *                       own addresses, to be written to the TAP)
 *
 * Every ring is single-producer / single-consumer; a worker polls its request ring
 * between bursts and never blocks on a full ring (see firmware/README.md, "The ring
 * protocol"). The published forwarding state's layout is in fw_state.h, the counters'
 * in fw_counters.h; nothing else is shared.
 */
#ifndef FW_PROTO_H
#define FW_PROTO_H

#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

struct fw_state;

/* A request to one worker; a plain message, copied into the ring. */
enum fw_req_type { FW_REQ_ADOPT = 1, FW_REQ_FLUSH = 2, FW_REQ_CAPTURE = 3 };
struct fw_req {
	uint16_t type;
	uint16_t vip; /* FLUSH: VIP slot; CAPTURE: VIP slot to keep, FW_SLOT_NONE = all */
	uint32_t be;  /* FLUSH: backend slot or FW_BE_NONE for the whole VIP;
		       * CAPTURE: DPDK port id whose received packets are copied */
	union {
		struct fw_state *state; /* ADOPT */
		/* CAPTURE: where the copies go (`monitor traffic`), NULL = stop copying.
		 * Owned by the control side and never freed while workers run; the worker
		 * is its only producer, the control thread its only consumer. */
		struct rte_ring *capture;
	};
};
_Static_assert(sizeof(struct fw_req) == 16, "fw_req is a 16-byte ring element");

enum fw_resp_type { FW_RESP_FLUSHED = 1 };
struct fw_resp {
	uint32_t type;
	uint16_t worker;
	uint16_t vip;
	uint64_t count; /* FLUSHED: entries removed */
};
_Static_assert(sizeof(struct fw_resp) == 16, "fw_resp is a 16-byte ring element");

/*
 * Metadata in every mbuf (an rte_mbuf dynamic field registered by fw_dp_create):
 * on inject, what to do with the frame; on punt, where it came from and why.
 */
enum fw_meta_kind {
	FW_META_RAW = 1,	 /* inject: send the frame as is on port_id */
	FW_META_DSR = 2,	 /* inject: DSR rewrite to backend (vip, be, be_gen), like data */
	FW_META_PUNT_ARP = 3,	 /* punt: an ARP frame the control side wants (replies) */
	FW_META_PUNT_LOCAL = 4,	 /* punt: IPv4 for a self address */
	FW_META_PUNT_NDP = 5,	 /* punt: an ICMPv6 Neighbor Advertisement or Solicitation
				 * (with its Ethernet header) the control side wants: NAs
				 * for backend resolution, NSs from backends for conflicts */
	FW_META_PUNT_LOCAL6 = 6, /* punt: IPv6 for a self address (to the TAP) */
};
struct fw_mbuf_meta {
	uint8_t kind;
	uint8_t pad;
	uint16_t port_id; /* RAW: egress DPDK port; punt: ingress DPDK port */
	uint16_t vip;	  /* DSR: VIP slot */
	uint32_t be;	  /* DSR: backend slot */
	uint32_t be_gen;  /* DSR: backend generation (a stale target is dropped) */
};

/*
 * Offset of struct fw_mbuf_meta in every mbuf: registered once by fw_dp_create() (control
 * side, before any worker runs), read-only afterwards.
 */
extern int fw_meta_offset;

/* The metadata of m (valid once a fw_dp exists). Any thread. */
static inline struct fw_mbuf_meta *fw_mbuf_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, fw_meta_offset, struct fw_mbuf_meta *);
}

#endif
