/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test topology of tests/data/gen_fw_golden.py as a forwarding state, and a
 * fixture that owns a fw_dp whose worker contexts are driven by the test thread with
 * their TX caught (tt_cap). Teardown checks that every mbuf went back to the pool.
 */
#ifndef TT_TOPO_H
#define TT_TOPO_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "firmware/control/fw_dp.h"
#include "firmware/datapath/fw_pipeline.h"
#include "firmware/fw_state.h"
#include "firmware/datapath/fw_worker_loop.h"
#include "tt_pkt.h"

/* RTE_IPV4 shifts int: 172 << 24 overflows (UBSan); build it unsigned */
#define TT_A(a, b, c, d)                                                                  \
	rte_cpu_to_be_32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
			 (uint32_t)(d))
#define TT_PORT 0

struct tt_topo {
	struct fw_dp *dp;
	struct fw_worker *w[2];
	struct tt_cap cap[2];
	int web, tls, dns, frag; /* VIP slots */
	int be1, be2, be3;	 /* backend slots */
	unsigned int avail;	 /* free mbufs at setup */
	uint64_t now;		 /* the workers' clock (TSC units) */
};

struct tt_opts {
	unsigned int web_backends; /* be1 plus (n - 1) more on 10.0.1.20.. (0 = 1) */
	uint32_t tls_src;	   /* tunnel source of the tls VIP (0 = port address) */
	uint8_t tls_src_len;
	uint32_t web_timeout;	       /* seconds (0 = 300) */
	uint32_t web_fin_timeout;      /* seconds (0 = 5) */
	uint32_t dns_udp_timeout;      /* seconds (0 = 30) */
	uint8_t web_down_mask;	       /* bit i: web backend i (be1 = 0) is down */
	uint32_t web_weight0_mask;     /* bit i: web backend i has weight 0 */
	unsigned int skip_web_backend; /* 1 + index of a web backend left out (0 = none) */
};

/* Create dp (conf may be NULL: 1 worker, 4096 flows) and publish the default topology. */
void tt_topo_setup(struct tt_topo *t, const struct fw_dp_conf *conf);
/* Build (not publish) the topology with opts (NULL = defaults). */
struct fw_state *tt_topo_state(struct tt_topo *t, const struct tt_opts *o);
/* Free everything; fail if an mbuf leaked. */
void tt_topo_teardown(struct tt_topo *t);

/* Run one burst of n frames through worker idx; returns frames queued for TX. */
uint16_t tt_run(struct tt_topo *t, unsigned int idx, struct rte_mbuf **pkts, uint16_t n);
static inline uint16_t tt_run1(struct tt_topo *t, struct rte_mbuf *m)
{
	return tt_run(t, 0, &m, 1);
}

uint64_t tt_drop(struct tt_topo *t, unsigned int reason);
uint64_t tt_ev(struct tt_topo *t, unsigned int ev);
/* Total drops over all reasons. */
uint64_t tt_drops(struct tt_topo *t);

/* A TCP or UDP frame client -> dst:dport from sport, valid checksums, into a new mbuf. */
struct rte_mbuf *tt_l4(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		       uint8_t ttl, uint16_t payload);
/* The same with the given TCP flags (tt_l4 sends TT_ACK: an established flow's packet). */
#define TT_FIN 0x01
#define TT_SYN 0x02
#define TT_RST 0x04
#define TT_ACK 0x10
struct rte_mbuf *tt_l4_flags(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
			     uint16_t dport, uint8_t ttl, uint16_t payload, uint8_t tcp_flags);

#endif
