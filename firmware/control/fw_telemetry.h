/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tula's commands on DPDK's telemetry socket (<runtime dir>/dpdk_telemetry.v2, read with
 * `dpdk-telemetry.py -f PREFIX`):
 *
 *   /tula/info          revision of the active configuration, age of the picture
 *   /tula/vips          per VIP: name, address, packets, bytes, new flows, packets/s,
 *                       bits/s (columns: {"name": [...], "packets": [...], ...})
 *   /tula/vip,NAME      one VIP: address, protocol, port, mode, state, counters, rates,
 *                       its backends' names
 *   /tula/backends[,VIP] per backend (columns): vip, name, address, health, counters,
 *                       rates, up, usable, weight
 *   /tula/workers       per worker (columns): rx, tx, drops, flow-table use
 *   /tula/drops         drops by reason, every reason, zeros included (the CLI's names
 *                       with '_' for '-': telemetry keys allow no '-')
 *   /tula/events        data-path events (named the same way)
 *
 * Callbacks run on DPDK's telemetry thread, never on the control thread: they read only
 * a picture (fw_obs) that the control thread takes every second and swaps in under a
 * mutex (two buffers: the control thread fills one while the other is read). Workers
 * never take part. Counters are therefore at most one second old.
 *
 * Thread: fw_telemetry_new, _refresh and _free on the control thread.
 */
#ifndef FW_TELEMETRY_H
#define FW_TELEMETRY_H

#include "firmware/control/fw_obs.h"

struct fw_telemetry;

/*
 * Register the commands (once per process) and take the first picture from src (copied;
 * its pointers must outlive the returned object). Returns NULL with errno.
 */
struct fw_telemetry *fw_telemetry_new(const struct fw_obs_src *src);
/* Take a new picture and publish it (the rates' 1 s tick calls it). */
void fw_telemetry_refresh(void *t);
/* The commands stay registered (DPDK cannot remove them) but answer nothing. */
void fw_telemetry_free(struct fw_telemetry *t);

#endif
