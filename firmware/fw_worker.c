/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Foundation worker loop: receive bursts from each port on the worker's own queue
 * and release them. The data-path pipeline replaces the body.
 */
#include "firmware/fw_worker.h"

#include <errno.h>

#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pause.h>

#define MAX_PORTS 16
#define BURST	  32

static struct {
	volatile int stop;
	uint16_t ports[MAX_PORTS];
	volatile uint32_t nb_ports;
	volatile uint32_t in_loop[RTE_MAX_LCORE]; /* a generation, bumped every loop */
	int running;
} W;

unsigned int fw_workers_count(void)
{
	return rte_lcore_count() - 1;
}

static int worker_main(void *arg)
{
	unsigned int idx = (unsigned int)(uintptr_t)arg;
	struct rte_mbuf *pkts[BURST];
	unsigned int lcore = rte_lcore_id();

	while (!W.stop) {
		uint32_t i, n = __atomic_load_n(&W.nb_ports, __ATOMIC_ACQUIRE);

		for (i = 0; i < n; i++) {
			uint16_t nb = rte_eth_rx_burst(W.ports[i], (uint16_t)idx, pkts, BURST);

			rte_pktmbuf_free_bulk(pkts, nb);
		}
		__atomic_add_fetch(&W.in_loop[lcore], 1, __ATOMIC_RELEASE);
	}
	return 0;
}

int fw_workers_start(void)
{
	unsigned int lcore, idx = 0;
	int rc;

	W.stop = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		rc = rte_eal_remote_launch(worker_main, (void *)(uintptr_t)idx++, lcore);
		if (rc < 0)
			return rc;
	}
	W.running = 1;
	return 0;
}

void fw_workers_stop(void)
{
	if (!W.running)
		return;
	W.stop = 1;
	rte_eal_mp_wait_lcore();
	W.running = 0;
}

int fw_workers_add_port(uint16_t port_id)
{
	if (W.nb_ports >= MAX_PORTS)
		return -ENOSPC;
	W.ports[W.nb_ports] = port_id;
	__atomic_store_n(&W.nb_ports, W.nb_ports + 1, __ATOMIC_RELEASE);
	return 0;
}

void fw_workers_del_port(uint16_t port_id)
{
	uint32_t i, n = W.nb_ports;
	unsigned int lcore;

	for (i = 0; i < n; i++)
		if (W.ports[i] == port_id)
			break;
	if (i == n)
		return;
	__atomic_store_n(&W.nb_ports, 0, __ATOMIC_RELEASE);
	/* Wait until every running worker has finished a loop without the port. */
	RTE_LCORE_FOREACH_WORKER(lcore) {
		uint32_t gen = __atomic_load_n(&W.in_loop[lcore], __ATOMIC_ACQUIRE);

		while (W.running && rte_eal_get_lcore_state(lcore) == RUNNING &&
		       __atomic_load_n(&W.in_loop[lcore], __ATOMIC_ACQUIRE) - gen < 2)
			rte_pause();
	}
	W.ports[i] = W.ports[n - 1];
	__atomic_store_n(&W.nb_ports, n - 1, __ATOMIC_RELEASE);
}
