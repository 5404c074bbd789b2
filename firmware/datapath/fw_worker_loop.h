/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcore loop that runs a worker context (fw_worker_main):
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
 * Thread: the worker lcore owning w (or the test driving it), except fw_worker_set_tx.
 */
#ifndef FW_WORKER_LOOP_H
#define FW_WORKER_LOOP_H

#include <stdint.h>

#include "firmware/datapath/fw_worker.h"

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

/* Take up to FW_BURST mbufs from the inject ring through the pipeline; returns the
 * number of frames queued for TX. */
uint16_t fw_worker_inject(struct fw_worker *w);

/* Replace the TX function (default: rte_eth_tx_burst). Before the context runs. */
void fw_worker_set_tx(struct fw_worker *w, fw_tx_fn fn, void *arg);

/* The lcore entry point (arg = the context). Returns 0 when w->stop is set (fw_dp_stop). */
int fw_worker_main(void *arg);

#endif
