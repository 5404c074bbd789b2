/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One picture of the data path for the observers that leave the CLI: the telemetry
 * socket (fw_telemetry) and the Prometheus endpoint (fw_metrics). A struct fw_obs is
 * plain memory (no pointer into a forwarding state, the database or a worker), so a
 * picture taken on the control thread can be read by another thread (DPDK's telemetry
 * thread) under the owner's lock.
 *
 * What it holds: the VIPs and backends of the published forwarding state with their
 * counters (the same sums, minus the same `clear` baseline, as `show services dsr
 * statistics`), rates (fw_rates), health, and flow-table use per worker, drops by reason
 * and data-path events, the active configuration's revision id.
 *
 * Thread: fw_obs_take on the control thread; the rest on any thread that owns the
 * struct.
 */
#ifndef FW_OBS_H
#define FW_OBS_H

#include <stdint.h>

#include "firmware/control/fw_rates.h"
#include "firmware/fw_counters.h"
#include "firmware/fw_state.h"

struct db;
struct fw_ctl;
struct fw_health;

#define FW_OBS_MAX_WORKERS 64

/* Where the picture comes from; every pointer but ctl may be NULL. */
struct fw_obs_src {
	struct fw_ctl *ctl;
	struct fw_health *health;
	struct fw_rates *rates;
	struct db *db;
};

struct fw_obs_vip {
	char name[FW_STATE_NAME_MAX];
	uint32_t addr; /* network order */
	uint16_t port; /* 0 = all ports */
	uint8_t proto; /* IPPROTO_TCP / IPPROTO_UDP */
	uint8_t mode;  /* enum fw_vip_mode */
	uint8_t up;    /* some backend may take new flows */
	uint16_t nb_backends;
	struct fw_obj_counters c;
	struct fw_rate r;
};

struct fw_obs_backend {
	uint32_t vip; /* index in fw_obs.vips */
	char name[FW_STATE_NAME_MAX];
	uint32_t addr;
	uint32_t weight;
	uint8_t up;	    /* health lets it take traffic */
	uint8_t usable;	    /* up and its next hop resolved */
	const char *health; /* "up", "down", "unchecked", "disabled" (static strings) */
	struct fw_obj_counters c;
	struct fw_rate r;
};

struct fw_obs_worker {
	uint64_t rx, tx, drops;				     /* since the worker started */
	uint64_t flows_used, flows_capacity, flows_inserted; /* its flow table */
};

struct fw_obs {
	uint64_t taken_ms; /* tula_now_ms() of the picture */
	uint64_t revision; /* db_active_id(), 0 without a database */
	uint32_t nb_vips, cap_vips;
	struct fw_obs_vip *vips;
	uint32_t nb_backends, cap_backends;
	struct fw_obs_backend *backends;
	uint32_t nb_workers;
	struct fw_obs_worker workers[FW_OBS_MAX_WORKERS];
	uint64_t drop[FW_DROP_MAX];
	uint64_t ev[FW_EV_MAX];
};

/* An empty picture with room for the data path's slots. NULL with errno (ENOMEM). */
struct fw_obs *fw_obs_new(struct fw_ctl *ctl);
void fw_obs_free(struct fw_obs *o);

/* Fill o from the sources now (control thread). */
void fw_obs_take(struct fw_obs *o, const struct fw_obs_src *src);

/* "tcp" / "udp", "l2" / "l3". */
const char *fw_obs_proto_name(uint8_t proto);
const char *fw_obs_mode_name(uint8_t mode);

#endif
