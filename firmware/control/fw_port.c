/* SPDX-License-Identifier: BSD-3-Clause */
#include "firmware/control/fw_port.h"

#include "common/tula_log.h"
#include "firmware/control/fw_eal.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#define RX_DESC 1024
#define TX_DESC 1024

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

int fw_port_open(const struct fw_port_conf *conf, struct fw_port_info *info, char *why,
		 size_t why_len)
{
	struct rte_eth_conf eth_conf = {0};
	struct rte_eth_dev_info dev_info;
	char devargs[512], name[FW_PORT_NAME_MAX], val[64];
	uint16_t port_id, q, nq;
	int rc, probed = 0;

	why[0] = '\0';
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
	rc = rte_eth_dev_configure(port_id, nq, nq, &eth_conf);
	if (rc < 0) {
		snprintf(why, why_len, "cannot configure: %s", rte_strerror(-rc));
		goto fail;
	}
	for (q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, RX_DESC, rte_eth_dev_socket_id(port_id),
					    NULL, fw_eal_pktmbuf_pool());
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
	/* Some PMDs (af_packet) cannot filter; the data path checks the MAC itself. */
	rte_eth_promiscuous_enable(port_id);

	rc = fw_port_query(port_id, info);
	if (rc < 0) {
		snprintf(why, why_len, "cannot query: %s", rte_strerror(-rc));
		rte_eth_dev_stop(port_id);
		goto fail;
	}
	TLOG_INFO("port %u: %s opened (%u queue pairs, MAC " RTE_ETHER_ADDR_PRT_FMT ")", port_id,
		  name, nq, RTE_ETHER_ADDR_BYTES(&info->mac));
	return 0;

fail:
	if (probed && rte_eth_dev_get_port_by_name(name, &port_id) == 0)
		detach(port_id);
	return rc < 0 ? rc : -EIO;
}

void fw_port_close(uint16_t port_id)
{
	char name[RTE_ETH_NAME_MAX_LEN] = "?";

	rte_eth_dev_get_name_by_port(port_id, name);
	rte_eth_dev_stop(port_id);
	detach(port_id);
	TLOG_INFO("port %u: %s closed", port_id, name);
}

int fw_port_query(uint16_t port_id, struct fw_port_info *info)
{
	struct rte_eth_dev_info dev_info;
	struct rte_eth_link link;
	int rc;

	memset(info, 0, sizeof(*info));
	info->port_id = port_id;
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
