/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint: `system services metrics listen ADDR:PORT` serves GET /metrics
 * (text exposition format 0.0.4) with libmicrohttpd, on one of Tula's self addresses —
 * the kernel of Tula's namespace owns those addresses on the TAPs, so a scrape reaches
 * it through the data path's exception path like any other conversation with Tula.
 *
 * Metrics (names follow Prometheus conventions: tula_ prefix, base units, _total on
 * counters; counters are those of `show services dsr statistics`, `clear` included):
 *   tula_vip_{packets,bytes,new_flows}_total{vip}                 counters
 *   tula_vip_up{vip}                                              gauge 0/1
 *   tula_backend_{packets,bytes,new_flows}_total{vip,backend}     counters
 *   tula_backend_up{vip,backend,health}, tula_backend_usable, tula_backend_weight
 *   tula_drops_total{reason}, tula_datapath_events_total{event}   counters
 *   tula_flow_table_entries{worker}, tula_flow_table_capacity_entries{worker}  gauges
 *   tula_config_revision                                          gauge (revision id)
 *
 * libmicrohttpd runs without a thread of its own: its epoll descriptor is watched by the
 * control thread's event loop and MHD_run() is called from there, so every answer is
 * built on the control thread and nothing is shared. Bounds: MAX_CONNS connections
 * (PER_IP per client address), an idle connection is closed after TIMEOUT_S seconds,
 * MEM_LIMIT bytes per connection; anything but GET /metrics gets 404 or 405.
 *
 * The address is checked at commit (a self address of an interface); the socket is
 * bound at prepare with IP_FREEBIND, because the TAP carrying the address only gets it
 * at apply (and at start-up the TAP does not exist yet). A bind failure (port in use)
 * fails the commit with the reason.
 *
 * Thread: the control thread.
 */
#ifndef FW_METRICS_H
#define FW_METRICS_H

#include "firmware/control/fw_obs.h"

struct fw_metrics;
struct tula_loop;

/* Register the "metrics" commit hook with src->db. NULL with errno on failure. */
struct fw_metrics *fw_metrics_new(struct tula_loop *loop, const struct fw_obs_src *src);
/* Stop serving, unregister. NULL is ignored. */
void fw_metrics_free(struct fw_metrics *m);

/*
 * The exposition text of o (NUL-terminated, caller frees), or NULL (ENOMEM). Separate
 * from the HTTP side so it can be tested alone.
 */
char *fw_metrics_render(const struct fw_obs *o, size_t *len);

#endif
