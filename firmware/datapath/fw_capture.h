/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `monitor traffic`, the worker's side: copies of the packets a worker receives on one
 * port (optionally only those for one VIP) go to a ring the control side drains into
 * a pcapng file or decoded lines. The pipeline calls fw_capture_burst only while
 * w->cap_ring is set (one predictable branch per burst otherwise).
 *
 * Bounded, never blocking: a copy is an mbuf of the worker's pool holding a pcapng
 * Enhanced Packet Block (rte_pcapng_copy); the ring holds at most its size of them. A
 * copy that finds the ring full or no mbuf is freed and counted (capture-copies-lost);
 * the original packet goes on through the pipeline unchanged either way.
 *
 * Thread: the worker lcore.
 */
#ifndef FW_CAPTURE_H
#define FW_CAPTURE_H

#include <stdint.h>

#include "firmware/datapath/fw_worker.h"

struct rte_mbuf;

/* Copy those of pkts[0..n) that match the capture filter to w->cap_ring. */
void fw_capture_burst(struct fw_worker *w, struct rte_mbuf **pkts, uint16_t n);

#endif
