/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to control/: the fw_dp object, shared by fw_dp.c and fw_state.c (identities,
 * unique table names). Workers never see it: what they need from it is copied into their
 * context (datapath/fw_worker.h) when it is created.
 */
#ifndef FW_DP_PRIV_H
#define FW_DP_PRIV_H

#include "firmware/control/fw_dp.h"
#include "firmware/datapath/fw_worker_loop.h"

#define FW_DP_MAX_RETIRED 16
#define FW_DP_MAX_WORKERS 64

struct rte_rcu_qsbr;

struct fw_dp {
	struct fw_dp_conf conf;
	struct fw_state *current; /* published; owner: dp */
	uint64_t serial;
	uint32_t next_gen;	    /* identity generations, never reused */
	uint32_t vip_hint, be_hint; /* where fw_state looks for a free slot first */
	uint32_t name_seq;	    /* unique rte_hash / rte_lpm names */
	struct rte_rcu_qsbr *qsbr;
	unsigned int nb_workers;
	struct fw_worker *workers[FW_DP_MAX_WORKERS];
	struct {
		struct fw_state *st;
		uint64_t token;
	} retired[FW_DP_MAX_RETIRED];
	unsigned int nb_retired;
	/* counters baselines (control side only) */
	uint64_t drop_base[FW_DROP_MAX];
	uint64_t ev_base[FW_EV_MAX];
	struct fw_obj_counters *vip_base, *be_base;
	unsigned int inject_rr;
	int running;
};

#endif
