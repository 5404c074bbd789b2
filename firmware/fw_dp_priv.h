/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Folder-private: the fw_dp object, shared by fw_dp.c, fw_state.c (identities),
 * fw_worker.c and fw_pipeline.c. Nothing outside firmware/ includes this.
 */
#ifndef FW_DP_PRIV_H
#define FW_DP_PRIV_H

#include "firmware/fw_dp.h"
#include "firmware/fw_worker.h"

#define FW_DP_MAX_RETIRED 16
#define FW_DP_MAX_WORKERS 64

struct rte_rcu_qsbr;

struct fw_dp {
	struct fw_dp_conf conf;
	struct fw_state *current; /* published; owner: dp */
	uint64_t serial;
	uint32_t next_gen; /* identity generations, never reused */
	uint32_t name_seq; /* unique rte_hash / rte_lpm names */
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
	volatile int stop;
};

extern int fw_meta_offset; /* rte_mbuf dynfield offset of struct fw_mbuf_meta */

#endif
