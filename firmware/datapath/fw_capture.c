/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of `monitor traffic` (see fw_capture.h).
 */
#define ALLOW_EXPERIMENTAL_API /* rte_pcapng is experimental in DPDK 22.11 */

#include "firmware/datapath/fw_capture.h"

#include <netinet/in.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

/* Whether m is for VIP v: IPv4 to its address, its protocol, its port (or any). Only
 * the first segment is looked at; a VIP's traffic always has its headers there. */
static int for_vip(const struct rte_mbuf *m, const struct fw_state_vip *v)
{
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	uint32_t off = sizeof(*eth);
	uint16_t type, ihl;

	if (m->data_len < sizeof(*eth) + sizeof(*ip))
		return 0;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	type = eth->ether_type;
	if (type == rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN)) {
		if (m->data_len < off + 4 + sizeof(*ip))
			return 0;
		type = *rte_pktmbuf_mtod_offset(m, const uint16_t *, off + 2);
		off += 4;
	}
	if (type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4))
		return 0;
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, off);
	if (ip->dst_addr != v->addr || ip->next_proto_id != v->proto)
		return 0;
	if (v->port == 0)
		return 1;
	ihl = (uint16_t)((ip->version_ihl & 0xf) * 4);
	/* a non-first fragment carries no port: it belongs to the VIP's address */
	if ((ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return 1;
	if (m->data_len < off + ihl + 4)
		return 0;
	return *rte_pktmbuf_mtod_offset(m, const uint16_t *, off + ihl + 2) ==
	       rte_cpu_to_be_16(v->port);
}

void fw_capture_burst(struct fw_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	const struct fw_state_vip *v = NULL;
	struct rte_mbuf *copies[FW_BURST];
	uint64_t now = rte_rdtsc();
	unsigned int k = 0, sent;

	if (w->cap_vip != FW_SLOT_NONE) {
		if (w->st == NULL || w->cap_vip >= w->st->max_vips ||
		    w->st->vips[w->cap_vip].gen == 0)
			return;
		v = &w->st->vips[w->cap_vip];
	}
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *c;

		if (pkts[i]->port != w->cap_port || (v != NULL && !for_vip(pkts[i], v)))
			continue;
		c = rte_pcapng_copy(pkts[i]->port, w->idx, pkts[i], w->pool, UINT32_MAX, now,
				    RTE_PCAPNG_DIRECTION_IN);
		if (c == NULL) {
			w->cnt.ev[FW_EV_CAPTURE_LOST]++;
			continue;
		}
		copies[k++] = c;
		if (k == FW_BURST) {
			sent = rte_ring_sp_enqueue_burst(w->cap_ring, (void **)copies, k, NULL);
			w->cnt.ev[FW_EV_CAPTURED] += sent;
			if (sent < k) {
				w->cnt.ev[FW_EV_CAPTURE_LOST] += k - sent;
				rte_pktmbuf_free_bulk(&copies[sent], k - sent);
			}
			k = 0;
		}
	}
	if (k != 0) {
		sent = rte_ring_sp_enqueue_burst(w->cap_ring, (void **)copies, k, NULL);
		w->cnt.ev[FW_EV_CAPTURED] += sent;
		if (sent < k) {
			w->cnt.ev[FW_EV_CAPTURE_LOST] += k - sent;
			rte_pktmbuf_free_bulk(&copies[sent], k - sent);
		}
	}
}
