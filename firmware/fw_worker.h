/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A worker: one context per worker lcore, owning its flow table, its counters, its TX
 * buffers and its side of the rings. The lcore loop (fw_worker_main) is
 *
 *   fw_worker_begin(now)      requests (adopt a state, flush), flush slice
 *   for each port with a queue for this worker: rx burst -> fw_pipeline_burst()
 *   inject ring -> fw_pipeline_inject()
 *   fw_worker_end()           TX drain (every burst here), quiescent report (RCU)
 *
 * Tests and the benchmark drive contexts by hand with the same calls (and may replace
 * the TX function to catch frames instead of sending them).
 *
 * The state pointer w->st is only dereferenced between fw_worker_begin() and
 * fw_worker_end(): begin drains every request first, so a state retired before a
 * quiescent report is never read again (fw_dp_publish relies on that).
 *
 * Thread: a context belongs to one thread at a time (its lcore, or the test driving it).
 */
#ifndef FW_WORKER_H
#define FW_WORKER_H

#include <stdint.h>

#include <rte_common.h>

#include "firmware/fw_counters.h"
#include "firmware/fw_state.h"

struct fw_dp;
struct fw_dp_conf;
struct fw_flow_table;
struct rte_mbuf;
struct rte_mempool;
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

struct fw_worker {
	/* hot: read per packet */
	const struct fw_state *st;
	struct fw_flow_table *flows;
	uint64_t now;	/* TSC at fw_worker_begin */
	uint16_t idx;	/* worker index = RX/TX queue index = RCU thread id */
	uint16_t ip_id; /* IP identification of outer headers that may fragment */
	struct fw_counters cnt;
	struct fw_bucket new_flows;   /* new-flow rate cap (system services dsr ...) */
	struct fw_bucket icmp_errors; /* ICMP errors Tula generates (FW_ICMP_RATE) */

	struct fw_dp *dp;
	struct rte_mempool *pool;
	struct rte_ring *req, *resp, *inject, *punt;
	uint64_t tsc_hz;
	int online; /* RCU: reports quiescence (fw_worker_online) */

	/* flush in progress (FW_REQ_FLUSH), scanned in slices */
	int flushing;
	uint16_t flush_vip, flush_be;
	uint32_t flush_next;
	uint64_t flush_base;

	fw_tx_fn tx;
	void *tx_arg;
	struct fw_txbuf txb[FW_STATE_MAX_PORTS];
} __rte_cache_aligned;

/* Number of worker lcores the EAL gave us (lcores - 1). */
unsigned int fw_workers_count(void);

/*
 * The daemon's data path: create the process-wide fw_dp (conf NULL = defaults) unless it
 * exists, and launch it on the worker lcores. Returns 0 or -errno.
 */
int fw_workers_start_conf(const struct fw_dp_conf *conf);
static inline int fw_workers_start(void)
{
	return fw_workers_start_conf(NULL);
}
/* Stop the worker lcores and free the process-wide fw_dp. */
void fw_workers_stop(void);
/* The process-wide fw_dp (NULL before fw_workers_start). */
struct fw_dp *fw_workers_dp(void);

/*
 * Mark the context online / offline for RCU (the lcore loop does it itself). An offline
 * context holds no state reference between iterations and is not waited for by
 * fw_dp_publish; a context driven by hand is online around its iterations only, or
 * must keep calling fw_worker_end() for publishes to complete.
 */
void fw_worker_online(struct fw_worker *w);
void fw_worker_offline(struct fw_worker *w);

/* Start of an iteration: now = rte_rdtsc() in the loop; tests pass their own clock. */
void fw_worker_begin(struct fw_worker *w, uint64_t now);
/* End of an iteration: flush TX buffers, report quiescence. */
void fw_worker_end(struct fw_worker *w);
/* Send what the TX buffers hold (frames the device refuses are dropped, TX_FULL). */
void fw_worker_tx_flush(struct fw_worker *w);

/* Take up to FW_BURST mbufs from the inject ring through the pipeline; returns the
 * number of frames queued for TX. */
uint16_t fw_worker_inject(struct fw_worker *w);

/* Replace the TX function (default: rte_eth_tx_burst). */
void fw_worker_set_tx(struct fw_worker *w, fw_tx_fn fn, void *arg);

/* The lcore entry point (arg = the context). Returns 0 when fw_dp_stop() asks. */
int fw_worker_main(void *arg);

#endif
