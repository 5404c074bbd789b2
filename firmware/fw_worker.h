/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcores: every lcore but the main one runs fw_worker_main(), polling the
 * (port, queue) pairs it has been given.
 */
#ifndef FW_WORKER_H
#define FW_WORKER_H

#include <stdint.h>

/* Number of worker lcores the EAL gave us (lcores - 1). */
unsigned int fw_workers_count(void);

/* Launch the loop on every worker lcore. Returns 0 or -errno. */
int fw_workers_start(void);

/* Ask every worker to stop and wait for it. */
void fw_workers_stop(void);

/* Poll port_id (queue = worker index) from now on; 0 or -ENOSPC. */
int fw_workers_add_port(uint16_t port_id);
/* Stop polling port_id; returns once no worker touches it. */
void fw_workers_del_port(uint16_t port_id);

#endif
