/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: probe, configure (queues, RSS, redirection table, offloads, a pool of its
 * own), start; close and detach. See fw_port.h.
 */
#include "firmware/control/fw_port.h"

#include "common/tula_log.h"
#include "firmware/control/fw_eal.h"
#include "firmware/datapath/fw_worker.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#define RX_DESC FW_PORT_RX_DESC
#define TX_DESC FW_PORT_TX_DESC

/* Pools of closed ports whose buffers may still sit in another port's TX ring. */
#define MAX_RETIRED_POOLS 32
static struct rte_mempool *retired_pools[MAX_RETIRED_POOLS];

/* Free the retired pools none of whose buffers is in use any more. */
static void reap_pools(void)
{
	for (int i = 0; i < MAX_RETIRED_POOLS; i++) {
		if (retired_pools[i] != NULL && rte_mempool_in_use_count(retired_pools[i]) == 0) {
			rte_mempool_free(retired_pools[i]);
			retired_pools[i] = NULL;
		}
	}
}

static void retire_pool(struct rte_mempool *mp)
{
	if (mp == NULL)
		return;
	reap_pools();
	if (rte_mempool_in_use_count(mp) == 0) {
		rte_mempool_free(mp);
		return;
	}
	for (int i = 0; i < MAX_RETIRED_POOLS; i++) {
		if (retired_pools[i] == NULL) {
			retired_pools[i] = mp;
			return;
		}
	}
	/* every slot taken: the pool stays allocated until the EAL is cleaned up */
	TLOG_WARNING("packet pool %s kept: %u buffers still in use", mp->name,
		     rte_mempool_in_use_count(mp));
}

uint32_t fw_port_pool_size(uint16_t nb_queues)
{
	uint32_t nq = nb_queues ? nb_queues : 1;

	return nq * (RX_DESC + TX_DESC) + (nq + 1) * FW_PORT_POOL_CACHE +
	       nq * (FW_BURST + FW_TX_BUF);
}

/*
 * Frames per af_packet ring (RX and TX each). The PMD ignores RX_DESC and defaults to
 * 512 frames; the worker polling the ring shares its core with the kernel's softirqs
 * and, on small machines, with other processes, and when it is off the CPU for a few
 * milliseconds at tens of thousands of frames per second the kernel drops what no
 * longer fits — invisibly, since DPDK 22.11's af_packet does not report the ring's
 * drops (imissed stays 0). The lab measured 1-10 % of a download's ACKs lost that way
 * on a loaded 2-core VM, none with 4096 frames (8 MB per ring with the default 2 KB
 * frames). An explicit framecnt= in the devargs wins.
 */
#define AF_PACKET_FRAMES 4096

void fw_port_devname(const char *devargs, char *name, size_t len)
{
	size_t n = strcspn(devargs, ",");

	if (n >= len)
		n = len - 1;
	memcpy(name, devargs, n);
	name[n] = '\0';
}

/* The value of key=VALUE in devargs, or NULL. */
static const char *devarg(const char *devargs, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	const char *p = strchr(devargs, ',');

	while (p != NULL) {
		p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, ",");

			if (n >= len)
				n = len - 1;
			memcpy(val, p + klen + 1, n);
			val[n] = '\0';
			return val;
		}
		p = strchr(p, ',');
	}
	return NULL;
}

/*
 * af_packet only copies frames: the kernel of Tula's namespace still receives them on
 * the interface. Since Tula's own addresses live on a TAP in that namespace, Linux's
 * weak host model would answer pings and ARP for them from the port's interface too
 * (duplicates, and replies Tula never sees). Make the kernel ignore the interface:
 * never answer ARP on it, drop IPv4 arriving on it (strict reverse path: no route
 * points at it), no IPv6.
 */
static void quiet_kernel_iface(const char *ifname)
{
	static const struct {
		const char *fmt, *value;
	} knobs[] = {
		{"/proc/sys/net/ipv4/conf/%s/arp_ignore", "8"},
		{"/proc/sys/net/ipv4/conf/%s/rp_filter", "1"},
		{"/proc/sys/net/ipv6/conf/%s/disable_ipv6", "1"},
	};
	char path[256];

	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		FILE *f;
		int ok;

		snprintf(path, sizeof(path), knobs[i].fmt, ifname);
		f = fopen(path, "we");
		ok = f != NULL && fputs(knobs[i].value, f) >= 0;
		if (f != NULL && fclose(f) != 0)
			ok = 0;
		if (!ok)
			TLOG_WARNING("cannot set %s: %s: the kernel may answer on %s too", path,
				     strerror(errno), ifname);
	}
}

static int is_kernel_iface_pmd(const char *name)
{
	return strncmp(name, "net_af_packet", 13) == 0 || strncmp(name, "net_af_xdp", 10) == 0 ||
	       strncmp(name, "eth_af_packet", 13) == 0;
}

/* Close the port and remove its device from the bus (the reverse of rte_dev_probe). */
static void detach(uint16_t port_id)
{
	struct rte_eth_dev_info dev_info;
	struct rte_device *dev = NULL;

	if (rte_eth_dev_info_get(port_id, &dev_info) == 0)
		dev = dev_info.device;
	rte_eth_dev_close(port_id);
	if (dev != NULL)
		rte_dev_remove(dev);
}

/*
 * The device's configuration: RSS when several workers share it, the offloads it has.
 * Kernel-interface devices spread in the kernel (see fw_port.h): no RSS asked of them.
 */
static int configure(uint16_t port_id, const char *name, uint16_t nq,
		     const struct rte_eth_dev_info *dev_info, struct rte_eth_conf *eth_conf,
		     struct fw_port_info *info, char *why, size_t why_len)
{
	uint64_t rss_hf = FW_PORT_RSS_WANTED & dev_info->flow_type_rss_offloads;
	int rc;

	memset(eth_conf, 0, sizeof(*eth_conf));
	if (nq > 1 && !is_kernel_iface_pmd(name)) {
		if (rss_hf == 0) {
			snprintf(why, why_len,
				 "device %s cannot spread packets over %u workers: it offers no "
				 "RSS on IPv4/IPv6 TCP/UDP (hash fields 0x%" PRIx64
				 "); use a device with RSS or run one worker",
				 name, nq, dev_info->flow_type_rss_offloads);
			return -ENOTSUP;
		}
		eth_conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		eth_conf->rx_adv_conf.rss_conf.rss_key = NULL; /* the device's default key */
		eth_conf->rx_adv_conf.rss_conf.rss_hf = rss_hf;
		info->rss_hf = rss_hf;
	}
	/* Outer IPv4 checksums and fragments chained to their header: asked of the device
	 * when it has them; the data path computes them in software otherwise. */
	if (dev_info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		eth_conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		info->tx_ip_cksum_offload = 1;
	}
	if (dev_info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) {
		eth_conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
		info->tx_multi_seg = 1;
	}
	if (dev_info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
		eth_conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
		info->rx_ip_cksum_offload = 1;
	}
	rc = rte_eth_dev_configure(port_id, nq, nq, eth_conf);
	if (rc < 0) {
		snprintf(why, why_len, "cannot configure %u queue pairs: %s", nq,
			 rte_strerror(-rc));
		return rc;
	}
	info->reta_size = nq > 1 && rss_hf != 0 ? dev_info->reta_size : 0;
	return 0;
}

/*
 * AF_XDP's pool. The PMD (DPDK 22.11, zero copy) registers the pool's memory with the
 * kernel as one UMEM: from its first memory chunk, populated_size x object size long. A
 * default pool keeps every object inside one page (with 4 KiB pages: one 2.3 KB mbuf per
 * page), so its objects span more than that, and the kernel refuses every buffer past
 * the UMEM's end as an invalid descriptor: frames sent from them never leave (the socket's
 * tx_invalid_descs counts them) and the PMD never gets them back. Objects packed one
 * after the other (no IOVA contiguity: AF_XDP reaches them by virtual address) in one
 * chunk make the UMEM cover every one of them.
 */
static struct rte_mempool *xdp_pool_create(const char *pname, uint32_t n, int socket)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
		.mbuf_priv_size = 0,
	};
	struct rte_mempool *mp;

	mp = rte_mempool_create_empty(pname, n, sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE,
				      FW_PORT_POOL_CACHE, sizeof(priv), socket,
				      RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL) != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	if (rte_mempool_populate_default(mp) < 0)
		goto fail;
	if (mp->nb_mem_chunks != 1) {
		rte_errno = ENOMEM; /* no single block of that size: the UMEM needs one */
		goto fail;
	}
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	return NULL;
}

/* The port's pool, on its socket; failing says how much it needed. */
static int create_pool(uint16_t port_id, const char *name, uint16_t nq, struct fw_port_info *info,
		       char *why, size_t why_len)
{
	uint32_t n = fw_port_pool_size(nq);
	int socket = rte_eth_dev_socket_id(port_id);
	char pname[RTE_MEMPOOL_NAMESIZE];

	static unsigned int seq; /* names stay unique while a retired pool drains */

	info->socket = socket;
	snprintf(pname, sizeof(pname), "tula_port%u_%u", port_id, seq++);
	if (strncmp(name, "net_af_xdp", 10) == 0)
		info->pool = xdp_pool_create(pname, n, socket < 0 ? SOCKET_ID_ANY : socket);
	else
		info->pool = rte_pktmbuf_pool_create(pname, n, FW_PORT_POOL_CACHE, 0,
						     RTE_MBUF_DEFAULT_BUF_SIZE,
						     socket < 0 ? SOCKET_ID_ANY : socket);
	if (info->pool == NULL) {
		uint64_t bytes =
			(uint64_t)n * (sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE);

		snprintf(why, why_len,
			 "cannot allocate its packet pool: %u mbufs (%" PRIu64
			 " MiB) on socket %d needed (%u queue pairs x %u descriptors + caches "
			 "+ bursts%s): %s (give the EAL more memory, -m)",
			 n, (bytes + (1u << 20) - 1) >> 20, socket, nq, RX_DESC + TX_DESC,
			 strncmp(name, "net_af_xdp", 10) == 0 ? ", in one block for AF_XDP" : "",
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	info->pool_size = n;
	return 0;
}

/* The redirection table: bucket i to queue i % nq, so every worker gets its share. */
static int spread(uint16_t port_id, uint16_t nq, const struct fw_port_info *info, char *why,
		  size_t why_len)
{
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	uint16_t size = info->reta_size;
	int rc;

	if (size == 0)
		return 0;
	if (size > RTE_ETH_RSS_RETA_SIZE_512)
		size = RTE_ETH_RSS_RETA_SIZE_512;
	memset(reta, 0, sizeof(reta));
	for (uint16_t i = 0; i < size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] = i % nq;
	}
	rc = rte_eth_dev_rss_reta_update(port_id, reta, size);
	if (rc == -ENOTSUP) {
		/* the device spreads with its own table (most default to round robin) */
		TLOG_NOTICE("port %u: redirection table not settable, the device's own is used",
			    port_id);
		return 0;
	}
	if (rc < 0)
		snprintf(why, why_len, "cannot set the RSS redirection table (%u entries): %s",
			 size, rte_strerror(-rc));
	return rc;
}

int fw_port_open(const struct fw_port_conf *conf, struct fw_port_info *info, char *why,
		 size_t why_len)
{
	struct rte_eth_conf eth_conf;
	struct rte_eth_dev_info dev_info;
	char devargs[512], name[FW_PORT_NAME_MAX], val[64];
	uint16_t port_id, q, nq;
	int rc, probed = 0;

	why[0] = '\0';
	memset(info, 0, sizeof(*info));
	fw_port_devname(conf->devargs, name, sizeof(name));
	if (name[0] == '\0') {
		snprintf(why, why_len, "empty device name");
		return -EINVAL;
	}
	snprintf(devargs, sizeof(devargs), "%s", conf->devargs);
	if (is_kernel_iface_pmd(name)) {
		if (devarg(conf->devargs, "iface", val, sizeof(val)) == NULL) {
			snprintf(why, why_len, "%s needs iface=INTERFACE", name);
			return -EINVAL;
		}
		if (if_nametoindex(val) == 0) {
			snprintf(why, why_len, "interface %s does not exist", val);
			return -ENODEV;
		}
		quiet_kernel_iface(val);
		if (strncmp(name, "net_af_packet", 13) == 0) {
			size_t n = strlen(devargs);

			if (devarg(conf->devargs, "qpairs", val, sizeof(val)) == NULL)
				n += (size_t)snprintf(devargs + n, sizeof(devargs) - n,
						      ",qpairs=%u", conf->nb_queues);
			if (n < sizeof(devargs) &&
			    devarg(conf->devargs, "framecnt", val, sizeof(val)) == NULL)
				snprintf(devargs + n, sizeof(devargs) - n, ",framecnt=%u",
					 AF_PACKET_FRAMES);
		} else if (conf->nb_queues > 1 &&
			   devarg(conf->devargs, "queue_count", val, sizeof(val)) == NULL) {
			size_t n = strlen(devargs);

			/* af_xdp: one XDP socket per worker, on the interface's queues 0..N-1 */
			snprintf(devargs + n, sizeof(devargs) - n, ",queue_count=%u",
				 conf->nb_queues);
		}
	}

	if (rte_eth_dev_get_port_by_name(name, &port_id) == 0) {
		snprintf(why, why_len, "device %s is already in use", name);
		return -EBUSY;
	}
	fw_eal_clear_error();
	rc = rte_dev_probe(devargs);
	if (rc < 0) {
		snprintf(why, why_len, "%s",
			 fw_eal_last_error()[0] ? fw_eal_last_error() : rte_strerror(-rc));
		return rc;
	}
	probed = 1;
	if (rte_eth_dev_get_port_by_name(name, &port_id) != 0) {
		snprintf(why, why_len, "device %s probed but is not an Ethernet port", name);
		rc = -ENODEV;
		goto fail;
	}
	rc = rte_eth_dev_info_get(port_id, &dev_info);
	if (rc < 0) {
		snprintf(why, why_len, "cannot read device info: %s", rte_strerror(-rc));
		goto fail;
	}
	nq = conf->nb_queues ? conf->nb_queues : 1;
	if (nq > dev_info.max_rx_queues || nq > dev_info.max_tx_queues) {
		snprintf(why, why_len,
			 "device has %u RX / %u TX queues, %u needed (one per worker)",
			 dev_info.max_rx_queues, dev_info.max_tx_queues, nq);
		rc = -ENOSPC;
		goto fail;
	}
	rc = configure(port_id, name, nq, &dev_info, &eth_conf, info, why, why_len);
	if (rc < 0)
		goto fail;
	rc = create_pool(port_id, name, nq, info, why, why_len);
	if (rc < 0)
		goto fail;
	for (q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, RX_DESC, rte_eth_dev_socket_id(port_id),
					    NULL, info->pool);
		if (rc < 0) {
			snprintf(why, why_len, "cannot set up RX queue %u: %s", q,
				 rte_strerror(-rc));
			goto fail;
		}
		rc = rte_eth_tx_queue_setup(port_id, q, TX_DESC, rte_eth_dev_socket_id(port_id),
					    NULL);
		if (rc < 0) {
			snprintf(why, why_len, "cannot set up TX queue %u: %s", q,
				 rte_strerror(-rc));
			goto fail;
		}
	}
	if (conf->mtu != 0) {
		rc = rte_eth_dev_set_mtu(port_id, conf->mtu);
		if (rc < 0) {
			snprintf(why, why_len, "cannot set MTU %u: %s", conf->mtu,
				 rte_strerror(-rc));
			goto fail;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc < 0) {
		snprintf(why, why_len, "cannot start: %s", rte_strerror(-rc));
		goto fail;
	}
	/* some drivers take a redirection table only once started */
	rc = spread(port_id, nq, info, why, why_len);
	if (rc < 0) {
		rte_eth_dev_stop(port_id);
		goto fail;
	}
	/* Some PMDs (af_packet) cannot filter; the data path checks the MAC itself. */
	rte_eth_promiscuous_enable(port_id);
	/* IPv6 Neighbor Discovery arrives on the solicited-node groups (33:33:ff:xx:xx:xx,
	 * one per VIP and self address): where promiscuous mode leaves multicast filtered,
	 * all-multicast lets it in (advisory: af_packet and most PMDs already pass it). */
	rte_eth_allmulticast_enable(port_id);

	rc = fw_port_query(port_id, info);
	if (rc < 0) {
		snprintf(why, why_len, "cannot query: %s", rte_strerror(-rc));
		rte_eth_dev_stop(port_id);
		goto fail;
	}
	TLOG_INFO("port %u: %s opened (%u queue pairs, RSS 0x%" PRIx64 ", pool of %u mbufs on "
		  "socket %d, MAC " RTE_ETHER_ADDR_PRT_FMT ")",
		  port_id, name, nq, info->rss_hf, info->pool_size, info->socket,
		  RTE_ETHER_ADDR_BYTES(&info->mac));
	return 0;

fail:
	if (probed && rte_eth_dev_get_port_by_name(name, &port_id) == 0)
		detach(port_id);
	retire_pool(info->pool);
	info->pool = NULL;
	return rc < 0 ? rc : -EIO;
}

void fw_port_close(uint16_t port_id, struct rte_mempool *pool)
{
	char name[RTE_ETH_NAME_MAX_LEN] = "?";

	rte_eth_dev_get_name_by_port(port_id, name);
	rte_eth_dev_stop(port_id);
	detach(port_id);
	retire_pool(pool);
	TLOG_INFO("port %u: %s closed", port_id, name);
}

int fw_port_query(uint16_t port_id, struct fw_port_info *info)
{
	struct rte_eth_dev_info dev_info;
	struct rte_eth_link link;
	int rc;

	info->port_id = port_id;
	info->link_up = 0;
	info->link_speed = 0;
	rc = rte_eth_dev_info_get(port_id, &dev_info);
	if (rc < 0)
		return rc;
	rte_eth_dev_get_name_by_port(port_id, info->name);
	rc = rte_eth_macaddr_get(port_id, &info->mac);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_get_mtu(port_id, &info->mtu);
	if (rc < 0)
		return rc;
	info->nb_rxq = dev_info.nb_rx_queues;
	info->nb_txq = dev_info.nb_tx_queues;
	if (rte_eth_link_get_nowait(port_id, &link) == 0) {
		info->link_up = link.link_status == RTE_ETH_LINK_UP;
		info->link_speed = link.link_speed;
	}
	return 0;
}
