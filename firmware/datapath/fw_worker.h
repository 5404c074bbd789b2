/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker context: one per worker lcore, owning its flow table, its counters, its TX
 * buffers and its side of the rings; and the TX buffer and drop helpers every data-path
 * stage uses (inline: they run per packet). The control side creates and frees contexts
 * (control/fw_dp.c); datapath/fw_worker_loop.h runs them.
 *
 * Thread: a context belongs to one thread at a time (its lcore, or the test driving it).
 */
#ifndef FW_WORKER_H
#define FW_WORKER_H

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "firmware/datapath/fw_flow.h"
#include "firmware/datapath/fw_flow6.h"
#include "firmware/fw_counters.h"
#include "firmware/fw_state.h"

struct rte_mempool;
struct rte_rcu_qsbr;
struct rte_ring;

#define FW_BURST  32
#define FW_TX_BUF 64 /* per port; flushed when FW_BURST are waiting and every loop */

/* Sends n frames on (port_id, queue); returns how many were taken. */
typedef uint16_t (*fw_tx_fn)(void *arg, uint16_t port_id, uint16_t queue, struct rte_mbuf **pkts,
			     uint16_t n);

/* ICMP errors a worker may generate: as Linux's icmp_msgs_per_sec / icmp_msgs_burst. */
#define FW_ICMP_RATE  1000
#define FW_ICMP_BURST 50

/* A token bucket on the TSC; per_tok 0 = no limit. */
struct fw_bucket {
	uint64_t per_tok, last;
	uint32_t tok, max;
};

/* rate tokens per second, at most burst saved up; rate 0 = no limit. Starts full. */
static inline void fw_bucket_init(struct fw_bucket *b, uint64_t tsc_hz, uint32_t rate,
				  uint32_t burst, uint64_t now)
{
	b->per_tok = rate == 0 ? 0 : RTE_MAX(tsc_hz / rate, (uint64_t)1);
	b->max = burst;
	b->tok = burst;
	b->last = now;
}

/* Take one token at TSC now: 1, or 0 when the bucket is empty. */
static inline int fw_bucket_take(struct fw_bucket *b, uint64_t now)
{
	uint64_t add;

	if (b->per_tok == 0)
		return 1;
	if (b->tok >= b->max) {
		b->last = now;
	} else if (now > b->last && now - b->last >= b->per_tok) {
		/* the clock is per loop iteration: most calls have nothing to add (no divide) */
		add = (now - b->last) / b->per_tok;
		b->last += add * b->per_tok;
		b->tok = add >= b->max - b->tok ? b->max : b->tok + (uint32_t)add;
	}
	if (b->tok == 0)
		return 0;
	b->tok--;
	return 1;
}

struct fw_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[FW_TX_BUF];
};

/*
 * Field ownership: "worker" = written only by the worker lcore that runs the context
 * (or the test driving it); "control: wo" = written by the control thread while the
 * worker only reads; "init" = set by control/fw_dp.c before the worker starts, constant
 * afterwards.
 */
struct fw_worker {
	/* hot: read per packet */
	const struct fw_state *st;     /* worker (adopted from FW_REQ_ADOPT) */
	struct fw_flow_table *flows;   /* init; entries: worker */
	struct fw_flow6_table *flows6; /* init; entries: worker (IPv6 flows) */
	uint64_t now;		       /* worker: TSC at fw_worker_begin */
	uint32_t tick;		       /* worker: now in flow-table ticks (fw_flow.h) */
	uint16_t idx;		       /* init: worker index = RX/TX queue index = RCU id */
	uint16_t ip_id;		       /* worker: IP id of outer headers that may fragment */
	struct fw_counters cnt;	       /* worker writes; control reads and sums */
	struct fw_bucket new_flows;    /* worker: new-flow rate cap (the adopted state's rate) */
	uint32_t new_flow_rate;	       /* worker: the rate new_flows is set up for */
	struct fw_bucket icmp_errors;  /* worker: ICMP errors Tula generates (FW_ICMP_RATE) */

	struct rte_mempool *pool;		     /* init: mbufs for replies and fragments */
	struct rte_ring *req, *resp, *inject, *punt; /* init; see fw_proto.h for sides */
	struct rte_rcu_qsbr *qsbr;		     /* init: where quiescence is reported */
	uint64_t tsc_hz;			     /* init */
	int online;				     /* worker: reports quiescence */

	/* flush in progress (FW_REQ_FLUSH), scanned in slices: worker. flush_next counts
	 * the IPv4 table's buckets, then the IPv6 table's. */
	int flushing;
	uint16_t flush_vip;
	uint32_t flush_be; /* backend slot or FW_BE_NONE */
	uint32_t flush_next;
	uint64_t flush_base, flush_base6;

	struct fw_talkers talk; /* worker: top-talkers sketch (every: init) */
	/* `monitor traffic` (FW_REQ_CAPTURE): worker. cap_ring NULL = not capturing. */
	struct rte_ring *cap_ring;
	uint16_t cap_port; /* DPDK port id whose received packets are copied */
	uint16_t cap_vip;  /* VIP slot, or FW_SLOT_NONE for every packet of the port */

	fw_tx_fn tx; /* init (tests may replace it before driving the context) */
	void *tx_arg;
	struct fw_txbuf txb[FW_STATE_MAX_PORTS]; /* worker */

	/* control: wo (fw_dp_start clears, fw_dp_stop sets); worker: ro, once per loop.
	 * On its own cache line so the control side's write never evicts hot fields. */
	volatile int stop __rte_cache_aligned;
} __rte_cache_aligned;

/* Free m and count reason: every mbuf a worker does not send is dropped through here. */
static inline void fw_drop(struct fw_worker *w, struct rte_mbuf *m, unsigned int reason)
{
	w->cnt.drop[reason]++;
	rte_pktmbuf_free(m);
}

/* Send what port index pi's TX buffer holds (frames the device refuses: TX_FULL). */
static inline void fw_worker_tx_port_flush(struct fw_worker *w, uint8_t pi)
{
	struct fw_txbuf *b = &w->txb[pi];
	uint16_t sent;

	if (b->n == 0)
		return;
	sent = w->tx(w->tx_arg, w->st->ports[pi].port_id, w->idx, b->pkts, b->n);
	w->cnt.ev[FW_EV_TX] += sent;
	if (unlikely(sent < b->n)) {
		w->cnt.drop[FW_DROP_TX_FULL] += b->n - sent;
		rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
	}
	b->n = 0;
}

/* Send what every TX buffer holds. */
static inline void fw_worker_tx_flush(struct fw_worker *w)
{
	uint8_t pi;

	if (w->st == NULL)
		return;
	for (pi = 0; pi < w->st->nb_ports; pi++)
		fw_worker_tx_port_flush(w, pi);
}

/* Queue m for port index pi (flushed once FW_BURST wait); returns 1 if queued, 0 if
 * dropped (this worker has no TX queue on that port). */
static inline int fw_worker_tx(struct fw_worker *w, uint8_t pi, struct rte_mbuf *m)
{
	struct fw_txbuf *b = &w->txb[pi];

	if (unlikely(w->st->ports[pi].nb_queues <= w->idx)) {
		fw_drop(w, m, FW_DROP_NO_TX_QUEUE);
		return 0;
	}
	b->pkts[b->n++] = m;
	if (b->n >= FW_BURST)
		fw_worker_tx_port_flush(w, pi);
	return 1;
}

#endif
