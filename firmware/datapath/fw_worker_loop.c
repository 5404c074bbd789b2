/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop (l3fwd / ip_pipeline shape): requests between bursts, RX bursts
 * through the pipeline, the inject ring, TX drain, quiescent report. Only the loop: the
 * contexts are created, launched, stopped and freed by the control side (control/fw_dp.c).
 */
#include "firmware/datapath/fw_worker_loop.h"

#include "firmware/datapath/fw_flow.h"
#include "firmware/datapath/fw_flow6.h"
#include "firmware/datapath/fw_pipeline.h"
#include "firmware/fw_proto.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#define FLUSH_SLICE 1024 /* buckets of each flow table scanned per loop during a flush */
#define IDLE_POLLS  256	 /* empty loops in a row before an idle worker may sleep */

static uint16_t eth_tx(void *arg, uint16_t port_id, uint16_t queue, struct rte_mbuf **pkts,
		       uint16_t n)
{
	(void)arg;
	return rte_eth_tx_burst(port_id, queue, pkts, n);
}

void fw_worker_set_tx(struct fw_worker *w, fw_tx_fn fn, void *arg)
{
	w->tx = fn != NULL ? fn : eth_tx;
	w->tx_arg = arg;
}

void fw_worker_online(struct fw_worker *w)
{
	rte_rcu_qsbr_thread_online(w->qsbr, w->idx);
	w->online = 1;
}

void fw_worker_offline(struct fw_worker *w)
{
	w->online = 0;
	rte_rcu_qsbr_thread_offline(w->qsbr, w->idx);
}

/* Scan buckets [flush_next, flush_next + count) of both flow tables side by side (the
 * IPv6 table has at most as many buckets as the IPv4 one by default, so a flush takes as
 * many loops as before it existed). Returns the next bucket, 0 when both are done. */
static uint32_t flush_slice(struct fw_worker *w, uint32_t count)
{
	uint32_t n4 = fw_flow_buckets(w->flows), n6 = fw_flow6_buckets(w->flows6);
	uint64_t next = (uint64_t)w->flush_next + count;

	if (w->flush_next < n4)
		fw_flow_flush_slice(w->flows, w->flush_vip, w->flush_be, w->flush_next, count);
	if (w->flush_next < n6)
		fw_flow6_flush_slice(w->flows6, w->flush_vip, w->flush_be, w->flush_next, count);
	return next >= RTE_MAX(n4, n6) ? 0 : (uint32_t)next;
}

static void flush_done(struct fw_worker *w)
{
	struct fw_resp resp = {.type = FW_RESP_FLUSHED,
			       .worker = w->idx,
			       .vip = w->flush_vip,
			       .count = w->flows->st.flushed - w->flush_base +
					w->flows6->st.flushed - w->flush_base6};

	w->flushing = 0;
	/* The response ring has room for one response per request. */
	rte_ring_sp_enqueue_elem(w->resp, &resp, sizeof(resp));
}

static void handle_req(struct fw_worker *w, const struct fw_req *r)
{
	switch (r->type) {
	case FW_REQ_ADOPT:
		/* Only stored: a state retired while queued behind a newer one is never
		 * read, because every request is drained before the state is used. */
		w->st = r->state;
		/* the new-flow cap changes without a restart: it travels in the state */
		if (w->st != NULL && w->st->new_flow_rate != w->new_flow_rate) {
			w->new_flow_rate = w->st->new_flow_rate;
			fw_bucket_init(&w->new_flows, w->tsc_hz, w->new_flow_rate,
				       RTE_MAX(w->new_flow_rate / 10, (uint32_t)FW_BURST), w->now);
		}
		break;
	case FW_REQ_FLUSH:
		if (w->flushing) {
			/* One flush at a time: finish the current one at once. */
			flush_slice(w, UINT32_MAX);
			flush_done(w);
		}
		w->flushing = 1;
		w->flush_vip = r->vip;
		w->flush_be = r->be;
		w->flush_next = 0;
		w->flush_base = w->flows->st.flushed;
		w->flush_base6 = w->flows6->st.flushed;
		break;
	case FW_REQ_CAPTURE:
		w->cap_ring = r->capture;
		w->cap_port = (uint16_t)r->be;
		w->cap_vip = r->vip;
		break;
	default:
		break;
	}
}

void fw_worker_begin(struct fw_worker *w, uint64_t now)
{
	struct fw_req r;

	w->now = now;
	w->tick = (uint32_t)(now >> w->flows->tick_shift);
	while (rte_ring_sc_dequeue_elem(w->req, &r, sizeof(r)) == 0)
		handle_req(w, &r);
	if (w->flushing) {
		w->flush_next = flush_slice(w, FLUSH_SLICE);
		if (w->flush_next == 0)
			flush_done(w);
	}
}

void fw_worker_end(struct fw_worker *w)
{
	fw_worker_tx_flush(w);
	/* A report from an offline context would mark it online (QSBR stores the token). */
	if (w->online)
		rte_rcu_qsbr_quiescent(w->qsbr, w->idx);
}

uint16_t fw_worker_inject(struct fw_worker *w)
{
	struct rte_mbuf *pkts[FW_BURST];
	uint16_t n;

	n = (uint16_t)rte_ring_sc_dequeue_burst(w->inject, (void **)pkts, FW_BURST, NULL);
	return n != 0 ? fw_pipeline_inject(w, pkts, n) : 0;
}

int fw_worker_main(void *arg)
{
	struct fw_worker *w = arg;
	struct rte_mbuf *pkts[FW_BURST];
	uint32_t idle = 0, sleep_us;
	uint8_t pi;

	fw_worker_online(w);
	while (!w->stop) {
		const struct fw_state *st;
		uint16_t n, got = 0;

		fw_worker_begin(w, rte_rdtsc());
		st = w->st;
		sleep_us = 0;
		if (st != NULL) {
			for (pi = 0; pi < st->nb_ports; pi++) {
				if (st->ports[pi].nb_queues <= w->idx)
					continue;
				n = rte_eth_rx_burst(st->ports[pi].port_id, w->idx, pkts, FW_BURST);
				if (n != 0)
					fw_pipeline_burst(w, pkts, n);
				got |= n;
			}
			sleep_us = st->idle_sleep_us; /* st may be freed after fw_worker_end */
		}
		got |= fw_worker_inject(w);
		/* TX is drained every loop: with at most FW_BURST frames per port and
		 * loop, that is l3fwd's drain timer at its shortest period. */
		fw_worker_end(w);

		/*
		 * Idle back-off (`system data-path idle-sleep`, off by default: a production
		 * box busy-polls). rte_delay_us_sleep is a system call (nanosleep), which a
		 * worker otherwise never makes: acceptable only because it happens when
		 * nothing arrived for IDLE_POLLS loops and the operator asked for it, so
		 * several instances can share a small machine. Asleep, the worker is offline
		 * for RCU: a commit does not wait for it (it drains its requests on waking,
		 * before it reads a state again).
		 */
		if (got != 0 || sleep_us == 0 || w->flushing) {
			idle = 0;
		} else if (++idle >= IDLE_POLLS) {
			fw_worker_offline(w);
			rte_delay_us_sleep(sleep_us);
			fw_worker_online(w);
		}
	}
	fw_worker_offline(w);
	return 0;
}
