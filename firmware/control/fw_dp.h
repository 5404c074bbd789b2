/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path as the control side sees it: one struct fw_dp owns the worker contexts
 * (flow tables, counters, rings), the RCU (rte_rcu_qsbr) variable, the published
 * forwarding state and the retired ones.
 *
 * Control -> worker (firmware/README.md, "The ring protocol"; the messages are in
 * fw_proto.h): each worker has a request ring (adopt a state, flush flows) and an inject
 * ring of mbufs the control side wants sent (raw frames on a port, or packets steered
 * through the DSR rewrite to a given backend). Worker -> control: a response ring (flush
 * done) and a punt ring (ARP replies, packets for Tula's own addresses). Rings are
 * single-producer / single-consumer; every worker polls its request ring between bursts.
 *
 * Thread: every function here runs on the control thread (the one that created dp)
 * unless said otherwise. Nothing here is called from a worker.
 */
#ifndef FW_DP_H
#define FW_DP_H

#include <stdint.h>

#include "firmware/fw_counters.h"
#include "firmware/fw_proto.h"
#include "firmware/datapath/fw_flow.h"

struct fw_state;
struct fw_worker;
struct rte_mbuf;
struct rte_mempool;

#define FW_DP_NEW_FLOW_RATE_DEFAULT 100000     /* per worker and second */
#define FW_DP_NEW_FLOW_UNCAPPED	    UINT32_MAX /* fw_dp_conf.new_flow_rate: no cap */

/* Sizes are fixed for the life of a fw_dp: tables and pools are sized at start. */
struct fw_dp_conf {
	uint16_t nb_workers;   /* worker contexts; 0 = one per worker lcore (at least 1) */
	uint16_t max_vips;     /* VIP slots; 0 = 256 (at most FW_MAX_VIPS, 65535) */
	uint32_t max_backends; /* backend slots over all VIPs; 0 = 4096 (at most
				* FW_MAX_BACKENDS, 1 Mi) */
	uint32_t flow_entries; /* flow-table entries per worker; 0 = 1 << 20 */
	/* IPv6 flow-table entries per worker (fw_flow6.h); 0 = flow_entries / 2, which
	 * takes the same memory as the IPv4 table (64 bytes per flow instead of 32) */
	uint32_t flow6_entries;
	/* New flows inserted per second per worker (a token bucket holding rate/10, at
	 * least FW_BURST); above it new flows go by Maglev alone, uninserted, and are
	 * counted (new-flows-over-rate-cap, per VIP `capped`): SYN-flood protection, on
	 * by default. 0 = FW_DP_NEW_FLOW_RATE_DEFAULT; FW_DP_NEW_FLOW_UNCAPPED = no cap
	 * (what the configuration's `new-flow-rate 0` maps to). */
	uint32_t new_flow_rate;
	/* µs an idle worker sleeps between polls; 0 = busy-poll. This and new_flow_rate
	 * are what fw_state_new puts in a state; a worker applies a state's values when it
	 * adopts it, so they change without a restart (fw_ctl sets them per commit). */
	uint32_t idle_sleep_us;
	uint32_t maglev_size;	  /* prime; 0 = 65537 */
	uint32_t ring_size;	  /* request/inject/punt ring entries (power of 2); 0 = 1024 */
	struct rte_mempool *pool; /* mbufs for ICMP replies and fragments; NULL = fw_eal's */
};

/*
 * Create the data path: worker contexts, flow tables, counters, rings, RCU. Needs the
 * EAL. Returns dp or NULL with errno (EINVAL: bad size, e.g. maglev_size not prime;
 * ENOMEM; or rte_errno of a DPDK allocation).
 */
struct fw_dp *fw_dp_create(const struct fw_dp_conf *conf);

/* Stop workers if running, free every state and context. NULL is fine. */
void fw_dp_free(struct fw_dp *dp);

/* The effective configuration (defaults filled in). */
const struct fw_dp_conf *fw_dp_conf(const struct fw_dp *dp);

/* Worker context idx (tests and the benchmark drive contexts by hand), or NULL. */
struct fw_worker *fw_dp_worker(struct fw_dp *dp, unsigned int idx);
unsigned int fw_dp_nb_workers(const struct fw_dp *dp);

/* Number of worker lcores the EAL gave us (lcores - 1). */
unsigned int fw_dp_worker_lcores(void);

/*
 * Launch fw_worker_main() on the worker lcores (worker i on the i-th worker lcore).
 * Returns 0; -EINVAL (fewer worker lcores than workers), -EBUSY (already running), or
 * the launch error.
 */
int fw_dp_start(struct fw_dp *dp);
/* Ask the workers to stop and wait for them. */
void fw_dp_stop(struct fw_dp *dp);
/* 1 while the workers run (between fw_dp_start and fw_dp_stop), else 0. */
int fw_dp_running(const struct fw_dp *dp);

/*
 * Publish st (finalized, built for dp): dp takes ownership. The counters of slots that
 * change hands are rebased, every worker is sent FW_REQ_ADOPT, and the previous state is
 * retired: it is freed by fw_dp_reclaim() once every online worker has reported
 * quiescence after this call. Never blocks.
 * Returns 0; -EINVAL (not finalized / other dp), -ENOBUFS (a request ring is full:
 * nothing was changed, st still belongs to the caller).
 */
int fw_dp_publish(struct fw_dp *dp, struct fw_state *st);

/*
 * Free retired states that no worker can reach any more. With wait, block (spinning)
 * until all are freed. Returns the number still retired.
 */
unsigned int fw_dp_reclaim(struct fw_dp *dp, int wait);

/* fw_dp_publish() then fw_dp_reclaim(dp, 1): returns once the old state is freed. */
int fw_dp_publish_sync(struct fw_dp *dp, struct fw_state *st);

/* The published state (NULL before the first publish). */
const struct fw_state *fw_dp_state(const struct fw_dp *dp);

/* ---- counters (summed over workers, minus the control side's baseline) ---------------- */

void fw_dp_counters_global(struct fw_dp *dp, uint64_t drop[FW_DROP_MAX], uint64_t ev[FW_EV_MAX]);
/* Returns 0 or -EINVAL (slot out of range). */
int fw_dp_counters_vip(struct fw_dp *dp, unsigned int slot, struct fw_obj_counters *out);
int fw_dp_counters_backend(struct fw_dp *dp, unsigned int slot, struct fw_obj_counters *out);
/* `clear services dsr statistics`: everything, or one VIP and its backends. */
void fw_dp_counters_clear(struct fw_dp *dp);
int fw_dp_counters_clear_vip(struct fw_dp *dp, unsigned int slot);

/* ---- flows ----------------------------------------------------------------------------- */

/* Occupancy and activity of worker idx's IPv4 flow table. Returns 0 or -EINVAL. */
int fw_dp_flow_stats(struct fw_dp *dp, unsigned int worker, struct fw_flow_stats *out);
/* The same for worker idx's IPv6 flow table (fw_flow6.h). Returns 0 or -EINVAL. */
int fw_dp_flow6_stats(struct fw_dp *dp, unsigned int worker, struct fw_flow_stats *out);

/*
 * The n busiest flows of worker idx, best first, from its sampled top-talkers sketch
 * (fw_flow.h: packets are estimates, in steps of the sampling period), read without
 * stopping the worker (a sample being written at that instant may show mixed fields:
 * display only). Returns the number written.
 */
unsigned int fw_dp_flow_top(struct fw_dp *dp, unsigned int worker, struct fw_talker *out,
			    unsigned int n);

/*
 * `request services dsr flush`: every worker drops the flows of VIP slot vip (only those
 * pinned to backend slot be unless be < 0), in slices between bursts; each posts a
 * FW_RESP_FLUSHED. Returns 0 or -ENOBUFS (no request was sent), -EINVAL.
 */
int fw_dp_flush(struct fw_dp *dp, int vip, int be);

/* Pop one response from any worker. Returns 1 (filled) or 0 (none). */
int fw_dp_poll_response(struct fw_dp *dp, struct fw_resp *out);

/* ---- control -> wire, wire -> control --------------------------------------------------- */

/*
 * Send frame m out of DPDK port port_id as it is. Returns 0 (m now belongs to the data
 * path), -ENODEV (port not in the published state), -ENOBUFS (ring full; m is still the
 * caller's).
 */
int fw_dp_inject_raw(struct fw_dp *dp, uint16_t port_id, struct rte_mbuf *m);

/*
 * Send the Ethernet/IPv4 or Ethernet/IPv6 frame m (of the VIP's family) through the DSR
 * rewrite to backend slot be of VIP slot vip, exactly as data to that backend goes (MAC
 * rewrite, or IP-in-IP / IPv6-in-IPv6 with the same outer header for the same 5-tuple). Returns 0, -ENOENT (no such VIP/backend in the
 * published state), -ENOBUFS (m is still the caller's).
 */
int fw_dp_inject_dsr(struct fw_dp *dp, int vip, int be, struct rte_mbuf *m);

/*
 * Take up to n punted mbufs (ARP replies, packets for self addresses); fw_mbuf_meta()
 * says where each came from. The caller frees them. Returns the number taken.
 */
unsigned int fw_dp_punt_poll(struct fw_dp *dp, struct rte_mbuf **pkts, unsigned int n);

#endif
