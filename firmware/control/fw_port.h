/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: a DPDK device opened from its devargs (hot-plugged with rte_dev_probe, so
 * ports come from the configuration, not from --vdev), configured with one RX and one
 * TX queue per worker, started; and the reverse.
 *
 * Control thread only. Workers learn which (port, queue) pairs to poll from the
 * forwarding state, never from here.
 */
#ifndef FW_PORT_H
#define FW_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#define FW_PORT_NAME_MAX 64

struct fw_port_conf {
	const char *devargs; /* "net_af_packet0,iface=veth-lb" or a PCI address */
	uint16_t nb_queues;  /* RX = TX queues wanted (one per worker), >= 1 */
	uint16_t mtu;	     /* 0 = leave the device's */
};

struct fw_port_info {
	uint16_t port_id;
	char name[FW_PORT_NAME_MAX]; /* DPDK device name */
	struct rte_ether_addr mac;
	uint16_t nb_rxq, nb_txq;
	uint16_t mtu;
	int link_up;
	uint32_t link_speed; /* Mb/s */
};

/*
 * Probe, configure and start the device. For af_packet devices without `qpairs=`
 * the queue count is appended so that every worker gets a queue pair, and without
 * `framecnt=` rings of 4096 frames (the PMD's 512 overflow while a worker is
 * descheduled).
 * Returns 0 and fills *info, or -errno and writes a one-line reason into why
 * (e.g. "interface veth9 does not exist", or DPDK's own error line).
 */
int fw_port_open(const struct fw_port_conf *conf, struct fw_port_info *info, char *why,
		 size_t why_len);

/* Stop, close and detach the device. Workers must no longer poll it. */
void fw_port_close(uint16_t port_id);

/* Refresh link state and MTU. Returns 0 or -errno. */
int fw_port_query(uint16_t port_id, struct fw_port_info *info);

/* The DPDK device name a devargs string designates (the part before the first ','). */
void fw_port_devname(const char *devargs, char *name, size_t len);

#endif
