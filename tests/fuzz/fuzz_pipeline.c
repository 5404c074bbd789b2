/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a burst of frames through fw_pipeline_burst() with a real
 * forwarding state (an L2 and an L3 VIP over TCP, a UDP wildcard VIP, a VIP hashed on
 * addresses only, self addresses, a route and neighbours; and the same in IPv6), the
 * worker driven by this thread as the unit tests drive it.
 *
 * Input: byte 0 advances the worker's clock (so flows learned by earlier inputs age
 * and expire), then frames as [u16 length, little endian][length bytes], at most
 * FW_BURST of them, each cut to what a 1500-byte-MTU port can receive (1522 bytes with
 * a tag), received on port 0.
 *
 * Checked after every burst, beyond what the sanitizers see: every mbuf came back to
 * the pool (the pipeline's contract: each frame is sent, punted or dropped — never
 * kept), and each transmitted mbuf is sane (rte_mbuf_check) with a frame no longer
 * than the data room.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "firmware/control/fw_dp.h"
#include "firmware/datapath/fw_pipeline.h"
#include "firmware/fw_state.h"
#include "firmware/datapath/fw_worker_loop.h"

#define A(a, b, c, d)                                                                     \
	rte_cpu_to_be_32((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | \
			 (uint32_t)(d))
#define MAX_FRAME 1522

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *pool;
static struct fw_dp *dp;
static struct fw_worker *w;
static uint64_t now = 1000;

static void must(int rc, const char *what)
{
	if (rc < 0) {
		fprintf(stderr, "fuzz_pipeline: %s failed: %d\n", what, rc);
		abort();
	}
}

/* The transmit side of the port: check what leaves, then give it back to the pool. */
static uint16_t fuzz_tx(void *arg, uint16_t port_id, uint16_t queue, struct rte_mbuf **pkts,
			uint16_t n)
{
	const char *why = NULL;
	uint16_t i;

	(void)arg;
	(void)queue;
	for (i = 0; i < n; i++) {
		if (port_id != 0 || rte_mbuf_check(pkts[i], 1, &why) != 0 ||
		    pkts[i]->pkt_len < RTE_ETHER_HDR_LEN) {
			fprintf(stderr, "fuzz_pipeline: bad mbuf sent on port %u: %s (len %u)\n",
				port_id, why ? why : "too short", pkts[i]->pkt_len);
			abort();
		}
		rte_pktmbuf_free(pkts[i]);
	}
	return n;
}

static void backend(struct fw_state *st, int vip, uint32_t addr, uint32_t weight, int up)
{
	struct fw_backend_def bd = {.addr = addr, .weight = weight, .up = up};

	must(fw_state_add_backend(st, vip, &bd), "add backend");
}

static struct fw_ip6 a6(uint8_t net, uint16_t host)
{
	struct fw_ip6 a = {{0x20, 0x01, 0x0d, 0xb8, 0, net}};

	a.b[14] = (uint8_t)(host >> 8);
	a.b[15] = (uint8_t)host;
	return a;
}

static void backend6(struct fw_state *st, int vip, struct fw_ip6 addr, int up)
{
	struct fw_backend_def bd = {.family = FW_AF_INET6, .addr6 = addr, .weight = 1, .up = up};

	must(fw_state_add_backend(st, vip, &bd), "add backend6");
}

/* The IPv6 half (tests/unit/firmware/datapath/golden6.py's topology): 2001:db8:1::10/64
 * on the port, web6 L2 TCP 80, tls6 L3 TCP 443 (6in6 from a per-flow /64 source) behind
 * a route, frag6 UDP 4789 hashed on addresses. */
static void topology6(struct fw_state *st)
{
	struct fw_ip6 self = a6(1, 0x10), net2 = a6(2, 0), gw = a6(1, 1), be = a6(1, 0x11);
	struct fw_vip_def vd;
	int vip;

	must(fw_state_add_address6(st, 0, &self, 64), "add address6");
	must(fw_state_add_route6(st, &net2, 64, &gw), "add route6");
	must(fw_state_add_neighbour6(st, 0, &gw, &(struct rte_ether_addr){{2, 0, 0, 0, 0, 0xfe}}),
	     "neighbour6");
	must(fw_state_add_neighbour6(st, 0, &be, &(struct rte_ether_addr){{2, 0, 0, 0, 0, 0x11}}),
	     "neighbour6");
	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "web6");
	vd.family = FW_AF_INET6;
	vd.addr6 = a6(1, 0x100);
	vd.proto = IPPROTO_TCP;
	vd.port = 80;
	vip = fw_state_add_vip(st, &vd);
	must(vip, "vip web6");
	backend6(st, vip, be, 1);
	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "tls6");
	vd.family = FW_AF_INET6;
	vd.addr6 = a6(1, 0x101);
	vd.proto = IPPROTO_TCP;
	vd.port = 443;
	vd.mode = FW_MODE_L3;
	vd.tunnel_src6 = (struct fw_ip6){{0x20, 0x01, 0x0d, 0xb8, 0xfe, 0xed}};
	vd.tunnel_src6_len = 64;
	vip = fw_state_add_vip(st, &vd);
	must(vip, "vip tls6");
	backend6(st, vip, a6(2, 0x21), 1);
	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "frag6");
	vd.family = FW_AF_INET6;
	vd.addr6 = a6(1, 0x103);
	vd.proto = IPPROTO_UDP;
	vd.port = 4789;
	vd.hash = FW_HASH_ADDRESSES;
	vip = fw_state_add_vip(st, &vd);
	must(vip, "vip frag6");
	backend6(st, vip, be, 1);
}

static struct fw_state *topology(void)
{
	struct fw_port_def pd = {
		.port_id = 0, .mac = {{2, 0, 0, 0, 0, 1}}, .mtu = 1500, .nb_queues = 1};
	struct fw_state *st = fw_state_new(dp);
	struct fw_vip_def vd;
	int vip, i;

	if (st == NULL)
		abort();
	snprintf(pd.name, sizeof(pd.name), "port0");
	must(fw_state_add_port(st, &pd), "add port");
	must(fw_state_add_address(st, 0, A(10, 0, 1, 10), 24), "add address");
	must(fw_state_add_route(st, A(10, 0, 2, 0), 24, A(10, 0, 1, 1)), "add route");
	must(fw_state_add_neighbour(st, 0, A(10, 0, 1, 1),
				    &(struct rte_ether_addr){{2, 0, 0, 0, 0, 0xfe}}),
	     "neighbour");
	for (i = 0; i < 4; i++)
		must(fw_state_add_neighbour(st, 0, A(10, 0, 1, 11 + i),
					    &(struct rte_ether_addr){{2, 0, 0, 0, 0, 0x11 + i}}),
		     "neighbour");

	/* web: L2, TCP 80, three backends (one down, one weight 0) */
	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "web");
	vd.addr = A(10, 0, 1, 100);
	vd.proto = IPPROTO_TCP;
	vd.port = 80;
	vd.mode = FW_MODE_L2;
	vd.flow_timeout = 30;
	vip = fw_state_add_vip(st, &vd);
	must(vip, "vip web");
	backend(st, vip, A(10, 0, 1, 11), 100, 1);
	backend(st, vip, A(10, 0, 1, 12), 100, 0);
	backend(st, vip, A(10, 0, 1, 13), 0, 1);

	/* tls: L3 (IP-in-IP from a per-flow source), TCP 443, backends behind the route */
	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "tls");
	vd.addr = A(10, 0, 1, 101);
	vd.proto = IPPROTO_TCP;
	vd.port = 443;
	vd.mode = FW_MODE_L3;
	vd.tunnel_src = A(172, 16, 0, 0);
	vd.tunnel_src_len = 16;
	vip = fw_state_add_vip(st, &vd);
	must(vip, "vip tls");
	backend(st, vip, A(10, 0, 2, 21), 1, 1);
	backend(st, vip, A(10, 0, 2, 22), 1, 1);

	/* dns: L2, UDP, any port */
	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "dns");
	vd.addr = A(10, 0, 1, 102);
	vd.proto = IPPROTO_UDP;
	vd.mode = FW_MODE_L2;
	vip = fw_state_add_vip(st, &vd);
	must(vip, "vip dns");
	backend(st, vip, A(10, 0, 1, 14), 5, 1);

	/* frag: UDP 4789 hashed on addresses only (fragments reach the same backend) */
	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "frag");
	vd.addr = A(10, 0, 1, 103);
	vd.proto = IPPROTO_UDP;
	vd.port = 4789;
	vd.mode = FW_MODE_L3;
	vd.hash = FW_HASH_ADDRESSES;
	vip = fw_state_add_vip(st, &vd);
	must(vip, "vip frag");
	backend(st, vip, A(10, 0, 2, 23), 1, 1);

	topology6(st);
	must(fw_state_finalize(st), "finalize");
	return st;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = {"fuzz_pipeline", "--no-huge", "--no-pci", "--no-shconf",		"-m",
		       "256",		"-l",	     "0",	 "--log-level=*:error", NULL};
	struct fw_dp_conf c = {
		.nb_workers = 1, .flow_entries = 4096, .max_vips = 64, .max_backends = 1024};

	(void)argc;
	(void)argv;
	if (rte_eal_init(9, eal) < 0) {
		fprintf(stderr, "fuzz_pipeline: EAL init failed\n");
		exit(1);
	}
	pool = rte_pktmbuf_pool_create("fuzz", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL)
		abort();
	c.pool = pool;
	dp = fw_dp_create(&c);
	if (dp == NULL)
		abort();
	must(fw_dp_publish_sync(dp, topology()), "publish");
	w = fw_dp_worker(dp, 0);
	fw_worker_set_tx(w, fuzz_tx, NULL);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *pkts[FW_BURST], *m;
	unsigned int avail = rte_mempool_avail_count(pool), after;
	uint16_t n = 0;
	size_t off = 1;

	if (size < 1)
		return 0;
	now += (uint64_t)data[0] << 28; /* up to ~70 s per input at 3.5 GHz */
	while (n < FW_BURST && off + 2 <= size) {
		size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (len > MAX_FRAME)
			len = MAX_FRAME;
		m = rte_pktmbuf_alloc(pool);
		if (m == NULL)
			abort();
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), data + off, len);
		m->port = 0;
		pkts[n++] = m;
		off += len;
	}
	if (n == 0)
		return 0;
	fw_worker_online(w);
	fw_worker_begin(w, now);
	fw_pipeline_burst(w, pkts, n);
	fw_worker_end(w);
	fw_worker_offline(w);
	while (fw_dp_punt_poll(dp, &m, 1) == 1)
		rte_pktmbuf_free(m);
	after = rte_mempool_avail_count(pool);
	if (after != avail) {
		uint64_t drop[FW_DROP_MAX], ev[FW_EV_MAX];
		unsigned int k;

		fprintf(stderr,
			"fuzz_pipeline: %u mbufs before the burst, %u after; counters:", avail,
			after);
		fw_dp_counters_global(dp, drop, ev);
		for (k = 0; k < FW_DROP_MAX; k++)
			if (drop[k] != 0)
				fprintf(stderr, " drop[%u]=%lu", k, (unsigned long)drop[k]);
		for (k = 0; k < FW_EV_MAX; k++)
			if (ev[k] != 0)
				fprintf(stderr, " ev[%u]=%lu", k, (unsigned long)ev[k]);
		fprintf(stderr, "\n");
		abort();
	}
	return 0;
}
