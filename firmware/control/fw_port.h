/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: a DPDK device opened from its devargs (hot-plugged with rte_dev_probe, so
 * ports come from the configuration, not from --vdev), configured with one RX and one
 * TX queue per worker, started; and the reverse.
 *
 * With more than one worker the device must spread packets over the RX queues so that
 * every packet of a flow reaches the same worker (each worker owns its flow table):
 * RSS on IPv4/IPv6 TCP/UDP (what the device offers of it) and a redirection table
 * sending its buckets to the queues in turn. A device without RSS is refused then.
 * Kernel-interface devices (af_packet, af_xdp) are the exception: the kernel spreads
 * (af_packet's PACKET_FANOUT_HASH, af_xdp's NIC queues under ethtool's RSS).
 *
 * Memory: every port has its own packet pool on the device's NUMA socket, sized from
 * what can hold buffers at once (see fw_port_pool_size).
 *
 * Control thread only. Workers learn which (port, queue) pairs to poll from the
 * forwarding state, never from here.
 */
#ifndef FW_PORT_H
#define FW_PORT_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ether.h>

#define FW_PORT_NAME_MAX 64

struct rte_mempool;

#define FW_PORT_RX_DESC	   1024 /* descriptors per RX queue */
#define FW_PORT_TX_DESC	   1024 /* per TX queue */
#define FW_PORT_POOL_CACHE 256	/* mbufs cached per lcore in a port's pool */

/* The RSS hash fields Tula asks for (masked by what the device offers). */
#define FW_PORT_RSS_WANTED                                                                \
	(RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP | \
	 RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_NONFRAG_IPV6_UDP)

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
	/* set by fw_port_open (fw_port_query leaves them) */
	int socket;		     /* NUMA socket of the device, -1 = any */
	uint64_t rss_hf;	     /* RSS hash fields configured; 0 = no RSS */
	uint16_t reta_size;	     /* redirection table entries spread over the queues */
	uint8_t tx_ip_cksum_offload; /* the device fills IPv4 header checksums on TX */
	uint8_t tx_multi_seg;	     /* the device sends chained mbufs */
	uint8_t rx_ip_cksum_offload; /* the device checks IPv4 header checksums on RX */
	struct rte_mempool *pool;    /* the port's packet pool (RX buffers) */
	uint32_t pool_size;	     /* its mbufs */
};

/*
 * Mbufs a port with nb_queues queue pairs (one per worker) needs at once: every RX and
 * TX descriptor holding one, a cache per lcore (the workers and the control thread),
 * and per worker one RX burst plus a TX buffer in flight.
 */
uint32_t fw_port_pool_size(uint16_t nb_queues);

/*
 * Probe, configure and start the device: nb_queues RX and TX queues, RSS and its
 * redirection table when nb_queues > 1, the TX offloads the device has (IPv4 checksum,
 * multi-segment; info says which), a packet pool of fw_port_pool_size() mbufs on the
 * device's socket. For af_packet devices without `qpairs=`
 * the queue count is appended so that every worker gets a queue pair, and without
 * `framecnt=` rings of 4096 frames (the PMD's 512 overflow while a worker is
 * descheduled).
 * Returns 0 and fills *info, or -errno and writes a one-line reason into why
 * (e.g. "interface veth9 does not exist", or DPDK's own error line).
 */
int fw_port_open(const struct fw_port_conf *conf, struct fw_port_info *info, char *why,
		 size_t why_len);

/* Stop, close and detach the device. Workers must no longer poll it. Its pool is freed
 * once no buffer of it is in use (another port's TX ring may still hold some). */
void fw_port_close(uint16_t port_id, struct rte_mempool *pool);

/* Refresh name, MAC, MTU, queue counts and link state (the rest of info stays).
 * Returns 0 or -errno. */
int fw_port_query(uint16_t port_id, struct fw_port_info *info);

/* The DPDK device name a devargs string designates (the part before the first ','). */
void fw_port_devname(const char *devargs, char *name, size_t len);

#endif
