/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port set-up without a NIC: fw_port.c is linked with -Wl,--wrap on every DPDK call it
 * makes (see meson.build), and the __wrap_ functions below play a device whose
 * capabilities each test chooses (RSS hash fields, redirection table, offloads, NUMA
 * socket) while recording what fw_port asked of it. Asserted: queue counts, the RSS
 * hash fields (what the device offers of what Tula wants), the redirection table
 * spreading buckets over the workers, offloads, the pool's size and socket, and the
 * refusals (no RSS with several workers, no memory for the pool) with their reasons.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "firmware/control/fw_port.h"

#define FAKE_PORT 3

/* The device: what it offers (set by each test) and what it was asked (recorded). */
static struct {
	/* offers */
	uint64_t rss_offloads;
	uint16_t reta_size;
	uint64_t tx_capa, rx_capa;
	int socket;
	int reta_rc;   /* what rss_reta_update returns */
	int fail_pool; /* rte_pktmbuf_pool_create fails */
	/* asked */
	int probed, removed, started, stopped, closed;
	char devargs[512];
	int configured;
	uint16_t nb_rxq, nb_txq;
	struct rte_eth_conf conf;
	unsigned int rxq_setups, txq_setups;
	uint16_t rx_desc, tx_desc;
	struct rte_mempool *rx_pool;
	int reta_updates;
	uint16_t reta_len;
	struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 / RTE_ETH_RETA_GROUP_SIZE];
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	unsigned int pool_n, pool_cache;
	int pool_socket;
	int pools_freed;
} dev;

static struct rte_mempool fake_pool;

/* ---- the wrapped DPDK calls -------------------------------------------------------- */

int __wrap_rte_dev_probe(const char *devargs);
int __wrap_rte_dev_probe(const char *devargs)
{
	snprintf(dev.devargs, sizeof(dev.devargs), "%s", devargs);
	dev.probed = 1;
	return 0;
}

int __wrap_rte_dev_remove(struct rte_device *d);
int __wrap_rte_dev_remove(struct rte_device *d)
{
	(void)d;
	dev.removed = 1;
	dev.probed = 0;
	return 0;
}

int __wrap_rte_eth_dev_get_port_by_name(const char *name, uint16_t *port_id);
int __wrap_rte_eth_dev_get_port_by_name(const char *name, uint16_t *port_id)
{
	(void)name;
	if (!dev.probed)
		return -ENODEV;
	*port_id = FAKE_PORT;
	return 0;
}

int __wrap_rte_eth_dev_get_name_by_port(uint16_t port_id, char *name);
int __wrap_rte_eth_dev_get_name_by_port(uint16_t port_id, char *name)
{
	assert_int_equal(port_id, FAKE_PORT);
	strcpy(name, "net_fake0");
	return 0;
}

int __wrap_rte_eth_dev_info_get(uint16_t port_id, struct rte_eth_dev_info *info);
int __wrap_rte_eth_dev_info_get(uint16_t port_id, struct rte_eth_dev_info *info)
{
	static char d[64]; /* struct rte_device is opaque: any non-NULL pointer does */

	assert_int_equal(port_id, FAKE_PORT);
	memset(info, 0, sizeof(*info));
	info->device = (struct rte_device *)d;
	info->max_rx_queues = 16;
	info->max_tx_queues = 16;
	info->flow_type_rss_offloads = dev.rss_offloads;
	info->reta_size = dev.reta_size;
	info->tx_offload_capa = dev.tx_capa;
	info->rx_offload_capa = dev.rx_capa;
	info->nb_rx_queues = dev.nb_rxq;
	info->nb_tx_queues = dev.nb_txq;
	return 0;
}

int __wrap_rte_eth_dev_socket_id(uint16_t port_id);
int __wrap_rte_eth_dev_socket_id(uint16_t port_id)
{
	assert_int_equal(port_id, FAKE_PORT);
	return dev.socket;
}

int __wrap_rte_eth_dev_configure(uint16_t port_id, uint16_t nb_rx_q, uint16_t nb_tx_q,
				 const struct rte_eth_conf *conf);
int __wrap_rte_eth_dev_configure(uint16_t port_id, uint16_t nb_rx_q, uint16_t nb_tx_q,
				 const struct rte_eth_conf *conf)
{
	assert_int_equal(port_id, FAKE_PORT);
	dev.configured++;
	dev.nb_rxq = nb_rx_q;
	dev.nb_txq = nb_tx_q;
	dev.conf = *conf;
	/* what ethdev itself refuses: hash fields the device does not offer */
	if (conf->rx_adv_conf.rss_conf.rss_hf & ~dev.rss_offloads)
		return -EINVAL;
	return 0;
}

int __wrap_rte_eth_rx_queue_setup(uint16_t port_id, uint16_t q, uint16_t nb_desc,
				  unsigned int socket, const struct rte_eth_rxconf *conf,
				  struct rte_mempool *mp);
int __wrap_rte_eth_rx_queue_setup(uint16_t port_id, uint16_t q, uint16_t nb_desc,
				  unsigned int socket, const struct rte_eth_rxconf *conf,
				  struct rte_mempool *mp)
{
	(void)socket;
	(void)conf;
	assert_int_equal(port_id, FAKE_PORT);
	assert_int_equal(q, dev.rxq_setups); /* in order, each once */
	assert_true(q < dev.nb_rxq);
	dev.rxq_setups++;
	dev.rx_desc = nb_desc;
	dev.rx_pool = mp;
	return 0;
}

int __wrap_rte_eth_tx_queue_setup(uint16_t port_id, uint16_t q, uint16_t nb_desc,
				  unsigned int socket, const struct rte_eth_txconf *conf);
int __wrap_rte_eth_tx_queue_setup(uint16_t port_id, uint16_t q, uint16_t nb_desc,
				  unsigned int socket, const struct rte_eth_txconf *conf)
{
	(void)socket;
	(void)conf;
	assert_int_equal(port_id, FAKE_PORT);
	assert_int_equal(q, dev.txq_setups);
	assert_true(q < dev.nb_txq);
	dev.txq_setups++;
	dev.tx_desc = nb_desc;
	return 0;
}

int __wrap_rte_eth_dev_rss_reta_update(uint16_t port_id, struct rte_eth_rss_reta_entry64 *reta_conf,
				       uint16_t reta_size);
int __wrap_rte_eth_dev_rss_reta_update(uint16_t port_id, struct rte_eth_rss_reta_entry64 *reta_conf,
				       uint16_t reta_size)
{
	assert_int_equal(port_id, FAKE_PORT);
	assert_true(dev.started); /* after start: some drivers need it */
	dev.reta_updates++;
	dev.reta_len = reta_size;
	memcpy(dev.reta, reta_conf, (reta_size / RTE_ETH_RETA_GROUP_SIZE) * sizeof(reta_conf[0]));
	return dev.reta_rc;
}

int __wrap_rte_eth_dev_start(uint16_t port_id);
int __wrap_rte_eth_dev_start(uint16_t port_id)
{
	assert_int_equal(port_id, FAKE_PORT);
	assert_true(dev.configured);
	assert_int_equal(dev.rxq_setups, dev.nb_rxq);
	assert_int_equal(dev.txq_setups, dev.nb_txq);
	dev.started = 1;
	return 0;
}

int __wrap_rte_eth_dev_stop(uint16_t port_id);
int __wrap_rte_eth_dev_stop(uint16_t port_id)
{
	(void)port_id;
	dev.stopped = 1;
	dev.started = 0;
	return 0;
}

int __wrap_rte_eth_dev_close(uint16_t port_id);
int __wrap_rte_eth_dev_close(uint16_t port_id)
{
	(void)port_id;
	dev.closed = 1;
	return 0;
}

int __wrap_rte_eth_promiscuous_enable(uint16_t port_id);
int __wrap_rte_eth_promiscuous_enable(uint16_t port_id)
{
	(void)port_id;
	return 0;
}

int __wrap_rte_eth_dev_set_mtu(uint16_t port_id, uint16_t mtu);
int __wrap_rte_eth_dev_set_mtu(uint16_t port_id, uint16_t mtu)
{
	(void)port_id;
	(void)mtu;
	return 0;
}

int __wrap_rte_eth_dev_get_mtu(uint16_t port_id, uint16_t *mtu);
int __wrap_rte_eth_dev_get_mtu(uint16_t port_id, uint16_t *mtu)
{
	(void)port_id;
	*mtu = 1500;
	return 0;
}

int __wrap_rte_eth_macaddr_get(uint16_t port_id, struct rte_ether_addr *mac);
int __wrap_rte_eth_macaddr_get(uint16_t port_id, struct rte_ether_addr *mac)
{
	static const struct rte_ether_addr m = {{2, 0, 0, 0, 0, 3}};

	(void)port_id;
	*mac = m;
	return 0;
}

int __wrap_rte_eth_link_get_nowait(uint16_t port_id, struct rte_eth_link *link);
int __wrap_rte_eth_link_get_nowait(uint16_t port_id, struct rte_eth_link *link)
{
	(void)port_id;
	memset(link, 0, sizeof(*link));
	link->link_status = RTE_ETH_LINK_UP;
	link->link_speed = RTE_ETH_SPEED_NUM_25G;
	return 0;
}

struct rte_mempool *__wrap_rte_pktmbuf_pool_create(const char *name, unsigned int n,
						   unsigned int cache_size, uint16_t priv_size,
						   uint16_t data_room_size, int socket_id);
struct rte_mempool *__wrap_rte_pktmbuf_pool_create(const char *name, unsigned int n,
						   unsigned int cache_size, uint16_t priv_size,
						   uint16_t data_room_size, int socket_id)
{
	(void)priv_size;
	assert_true(data_room_size >= RTE_MBUF_DEFAULT_BUF_SIZE);
	snprintf(dev.pool_name, sizeof(dev.pool_name), "%s", name);
	dev.pool_n = n;
	dev.pool_cache = cache_size;
	dev.pool_socket = socket_id;
	if (dev.fail_pool) {
		rte_errno = ENOMEM;
		return NULL;
	}
	return &fake_pool;
}

unsigned int __wrap_rte_mempool_in_use_count(const struct rte_mempool *mp);
unsigned int __wrap_rte_mempool_in_use_count(const struct rte_mempool *mp)
{
	assert_ptr_equal(mp, &fake_pool);
	return 0;
}

void __wrap_rte_mempool_free(struct rte_mempool *mp);
void __wrap_rte_mempool_free(struct rte_mempool *mp)
{
	assert_ptr_equal(mp, &fake_pool);
	dev.pools_freed++;
}

/* ---- tests --------------------------------------------------------------------------- */

static int reset(void **state)
{
	(void)state;
	memset(&dev, 0, sizeof(dev));
	dev.socket = 1;
	dev.reta_size = 128;
	return 0;
}

static int open_fake(uint16_t nb_queues, struct fw_port_info *info, char *why, size_t len)
{
	struct fw_port_conf c = {.devargs = "net_fake0,opt=1", .nb_queues = nb_queues};

	return fw_port_open(&c, info, why, len);
}

static void test_four_workers_four_rss_queues_with_offered_hash_fields(void **state)
{
	struct fw_port_info info;
	char why[512];
	uint64_t want;

	(void)state;
	/* the device hashes IPv4 and IPv4/IPv6 TCP, IPv4 UDP and SCTP; no IPv6 UDP */
	dev.rss_offloads = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP |
			   RTE_ETH_RSS_NONFRAG_IPV4_UDP | RTE_ETH_RSS_NONFRAG_IPV6_TCP |
			   RTE_ETH_RSS_NONFRAG_IPV4_SCTP | RTE_ETH_RSS_L2_PAYLOAD;
	want = RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP |
	       RTE_ETH_RSS_NONFRAG_IPV6_TCP;

	assert_int_equal(open_fake(4, &info, why, sizeof(why)), 0);
	assert_string_equal(dev.devargs, "net_fake0,opt=1"); /* not a kernel device: as given */
	assert_int_equal(dev.configured, 1);
	assert_int_equal(dev.nb_rxq, 4);
	assert_int_equal(dev.nb_txq, 4);
	assert_int_equal(dev.rxq_setups, 4);
	assert_int_equal(dev.txq_setups, 4);
	assert_int_equal(dev.conf.rxmode.mq_mode, RTE_ETH_MQ_RX_RSS);
	assert_int_equal(dev.conf.rx_adv_conf.rss_conf.rss_hf, want);
	assert_null(dev.conf.rx_adv_conf.rss_conf.rss_key);
	assert_int_equal(info.rss_hf, want);

	/* the redirection table: 128 buckets, bucket i to queue i % 4 */
	assert_int_equal(dev.reta_updates, 1);
	assert_int_equal(dev.reta_len, 128);
	assert_int_equal(info.reta_size, 128);
	for (unsigned int i = 0; i < 128; i++) {
		const struct rte_eth_rss_reta_entry64 *g = &dev.reta[i / RTE_ETH_RETA_GROUP_SIZE];

		assert_true(g->mask & (1ull << (i % RTE_ETH_RETA_GROUP_SIZE)));
		assert_int_equal(g->reta[i % RTE_ETH_RETA_GROUP_SIZE], i % 4);
	}

	/* one pool for the port, on its socket, with a buffer for everything in flight */
	assert_ptr_equal(dev.rx_pool, &fake_pool);
	assert_ptr_equal(info.pool, &fake_pool);
	assert_int_equal(dev.pool_socket, 1);
	assert_int_equal(info.socket, 1);
	assert_int_equal(dev.pool_cache, FW_PORT_POOL_CACHE);
	assert_int_equal(dev.rx_desc, FW_PORT_RX_DESC);
	assert_int_equal(dev.tx_desc, FW_PORT_TX_DESC);
	/* 4 x (1024 RX + 1024 TX) + 5 lcore caches x 256 + 4 x (32 RX burst + 64 TX buffer) */
	assert_int_equal(dev.pool_n, 4 * 2048 + 5 * 256 + 4 * 96);
	assert_int_equal(info.pool_size, dev.pool_n);
	assert_int_equal(fw_port_pool_size(4), dev.pool_n);

	assert_true(dev.started);
	assert_int_equal(info.port_id, FAKE_PORT);
	assert_int_equal(info.nb_rxq, 4);
	assert_true(info.link_up);

	fw_port_close(FAKE_PORT, info.pool);
	assert_true(dev.stopped);
	assert_true(dev.closed);
	assert_true(dev.removed);
	assert_int_equal(dev.pools_freed, 1);
}

static void test_refused_without_rss_for_several_workers(void **state)
{
	struct fw_port_info info;
	char why[512];

	(void)state;
	dev.rss_offloads = RTE_ETH_RSS_L2_PAYLOAD; /* nothing Tula can use */
	assert_int_equal(open_fake(4, &info, why, sizeof(why)), -ENOTSUP);
	assert_non_null(strstr(why, "cannot spread packets over 4 workers"));
	assert_non_null(strstr(why, "no RSS on IPv4/IPv6 TCP/UDP"));
	assert_int_equal(dev.configured, 0);
	assert_int_equal(dev.rxq_setups, 0);
	assert_false(dev.started);
	assert_true(dev.removed); /* nothing left probed */
	assert_null(info.pool);
}

static void test_one_worker_needs_no_rss(void **state)
{
	struct fw_port_info info;
	char why[512];

	(void)state;
	dev.rss_offloads = 0;
	assert_int_equal(open_fake(1, &info, why, sizeof(why)), 0);
	assert_int_equal(dev.nb_rxq, 1);
	assert_int_equal(dev.conf.rxmode.mq_mode, RTE_ETH_MQ_RX_NONE);
	assert_int_equal(dev.conf.rx_adv_conf.rss_conf.rss_hf, 0);
	assert_int_equal(dev.reta_updates, 0);
	assert_int_equal(info.rss_hf, 0);
	assert_int_equal(dev.pool_n, 2048 + 2 * 256 + 96);
	fw_port_close(FAKE_PORT, info.pool);
}

static void test_offloads_asked_when_offered(void **state)
{
	struct fw_port_info info;
	char why[512];

	(void)state;
	dev.tx_capa = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS |
		      RTE_ETH_TX_OFFLOAD_TCP_TSO;
	dev.rx_capa = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	assert_int_equal(open_fake(1, &info, why, sizeof(why)), 0);
	assert_int_equal(dev.conf.txmode.offloads,
			 RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
	assert_int_equal(dev.conf.rxmode.offloads, RTE_ETH_RX_OFFLOAD_IPV4_CKSUM);
	assert_int_equal(info.tx_ip_cksum_offload, 1);
	assert_int_equal(info.tx_multi_seg, 1);
	assert_int_equal(info.rx_ip_cksum_offload, 1);
	fw_port_close(FAKE_PORT, info.pool);
}

static void test_offloads_not_asked_when_absent(void **state)
{
	struct fw_port_info info;
	char why[512];

	(void)state;
	assert_int_equal(open_fake(1, &info, why, sizeof(why)), 0);
	assert_int_equal(dev.conf.txmode.offloads, 0);
	assert_int_equal(dev.conf.rxmode.offloads, 0);
	assert_int_equal(info.tx_ip_cksum_offload, 0);
	assert_int_equal(info.tx_multi_seg, 0);
	assert_int_equal(info.rx_ip_cksum_offload, 0);
	fw_port_close(FAKE_PORT, info.pool);
}

static void test_reta_not_settable_keeps_the_devices_own(void **state)
{
	struct fw_port_info info;
	char why[512];

	(void)state;
	dev.rss_offloads = RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	dev.reta_rc = -ENOTSUP;
	assert_int_equal(open_fake(2, &info, why, sizeof(why)), 0);
	assert_int_equal(dev.reta_updates, 1);
	assert_true(dev.started);
	fw_port_close(FAKE_PORT, info.pool);
}

static void test_reta_error_fails_and_detaches(void **state)
{
	struct fw_port_info info;
	char why[512];

	(void)state;
	dev.rss_offloads = RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	dev.reta_rc = -EIO;
	assert_int_equal(open_fake(2, &info, why, sizeof(why)), -EIO);
	assert_non_null(strstr(why, "redirection table (128 entries)"));
	assert_true(dev.stopped);
	assert_true(dev.removed);
	assert_int_equal(dev.pools_freed, 1);
}

static void test_pool_failure_says_how_much(void **state)
{
	struct fw_port_info info;
	char why[512];

	(void)state;
	dev.rss_offloads = RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	dev.fail_pool = 1;
	assert_int_equal(open_fake(4, &info, why, sizeof(why)), -ENOMEM);
	assert_non_null(strstr(why, "9856 mbufs"));
	assert_non_null(strstr(why, "MiB) on socket 1 needed"));
	assert_int_equal(dev.rxq_setups, 0);
	assert_true(dev.removed);
}

static void test_too_many_queues_refused(void **state)
{
	struct fw_port_info info;
	char why[512];

	(void)state;
	dev.rss_offloads = RTE_ETH_RSS_NONFRAG_IPV4_TCP;
	assert_int_equal(open_fake(17, &info, why, sizeof(why)), -ENOSPC);
	assert_non_null(strstr(why, "device has 16 RX / 16 TX queues, 17 needed"));
	assert_int_equal(dev.configured, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_four_workers_four_rss_queues_with_offered_hash_fields,
				       reset),
		cmocka_unit_test_setup(test_refused_without_rss_for_several_workers, reset),
		cmocka_unit_test_setup(test_one_worker_needs_no_rss, reset),
		cmocka_unit_test_setup(test_offloads_asked_when_offered, reset),
		cmocka_unit_test_setup(test_offloads_not_asked_when_absent, reset),
		cmocka_unit_test_setup(test_reta_not_settable_keeps_the_devices_own, reset),
		cmocka_unit_test_setup(test_reta_error_fails_and_detaches, reset),
		cmocka_unit_test_setup(test_pool_failure_says_how_much, reset),
		cmocka_unit_test_setup(test_too_many_queues_refused, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
