/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Traffic generator for the forwarding benchmark (an executable, not a test): sends
 * UDP/IPv4 frames of a fixed size as fast as DPDK port 0 takes them, over many flows,
 * for a fixed time, then prints what it sent.
 *
 * Debian 12 ships no DPDK packet generator (no pktgen-dpdk, and testpmd's txonly mode
 * varies only a handful of source addresses), and the kernel here has no pktgen module,
 * so the benchmark brings this one. It runs on the main lcore only, so it can share a
 * CPU with nothing but the kernel work its own transmissions cause.
 *
 * Flow f (0 <= f < FLOWS) is source 198.18.0.0 + f / 1024 port 1024 + f % 1024, to VIP
 * DST + f % VIPS port DPORT; flows are sent in turn, so every flow recurs every FLOWS
 * packets (a forwarder with a flow table sees FLOWS live flows).
 *
 *   bench_gen EAL-OPTIONS -- --dst-mac MAC --dst IP [--vips N] [--dport P]
 *             [--flows N] [--size BYTES] [--seconds S]
 *
 * Prints one line: "sent N seconds S mpps R refused K" (refused = frames the port did
 * not take because its TX ring was full; they are not counted as sent).
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define BURST 32
#define HDR_LEN \
	(sizeof(struct rte_ether_hdr) + sizeof(struct rte_ipv4_hdr) + sizeof(struct rte_udp_hdr))
#define NB_MBUFS 8191

static volatile int stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct opts {
	struct rte_ether_addr dst_mac;
	uint32_t dst;	/* host order */
	uint32_t vips;	/* consecutive VIP addresses from dst */
	uint16_t dport; /* host order */
	uint32_t flows;
	uint16_t size; /* frame length without FCS */
	double seconds;
};

static int die(const char *msg)
{
	fprintf(stderr, "bench_gen: %s\n", msg);
	exit(2);
}

static void parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"dst-mac", required_argument, NULL, 'm'}, {"dst", required_argument, NULL, 'd'},
		{"vips", required_argument, NULL, 'v'},	   {"dport", required_argument, NULL, 'p'},
		{"flows", required_argument, NULL, 'f'},   {"size", required_argument, NULL, 's'},
		{"seconds", required_argument, NULL, 't'}, {NULL, 0, NULL, 0},
	};
	struct in_addr a;
	int c, have_mac = 0, have_dst = 0;

	*o = (struct opts){.vips = 1, .dport = 80, .flows = 1u << 20, .size = 64, .seconds = 5};
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (rte_ether_unformat_addr(optarg, &o->dst_mac) != 0)
				die("--dst-mac: not a MAC address");
			have_mac = 1;
			break;
		case 'd':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				die("--dst: not an IPv4 address");
			o->dst = rte_be_to_cpu_32(a.s_addr);
			have_dst = 1;
			break;
		case 'v':
			o->vips = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'p':
			o->dport = (uint16_t)strtoul(optarg, NULL, 0);
			break;
		case 'f':
			o->flows = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 's':
			o->size = (uint16_t)strtoul(optarg, NULL, 0);
			break;
		case 't':
			o->seconds = strtod(optarg, NULL);
			break;
		default:
			die("usage: bench_gen EAL -- --dst-mac MAC --dst IP [--vips N] [--dport P] "
			    "[--flows N] [--size BYTES] [--seconds S]");
		}
	}
	if (!have_mac || !have_dst)
		die("--dst-mac and --dst are required");
	if (o->vips == 0 || o->flows == 0 || o->flows > (1u << 26) || o->seconds <= 0)
		die("--vips, --flows (<= 2^26) and --seconds must be positive");
	if (o->size < HDR_LEN || o->size > 9000)
		die("--size: 42..9000 bytes");
}

static void port_start(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = {0};

	if (rte_eth_dev_configure(port, 1, 1, &conf) != 0 ||
	    rte_eth_rx_queue_setup(port, 0, 256, (unsigned int)rte_socket_id(), NULL, pool) != 0 ||
	    rte_eth_tx_queue_setup(port, 0, 512, (unsigned int)rte_socket_id(), NULL) != 0 ||
	    rte_eth_dev_start(port) != 0)
		die("cannot start port 0 (give --vdev net_af_packet0,iface=IF)");
}

int main(int argc, char **argv)
{
	struct opts o;
	struct rte_mempool *pool;
	struct rte_ether_addr src_mac;
	uint8_t hdr[HDR_LEN];
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)hdr;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
	uint64_t sent = 0, refused = 0, t0, t1, deadline, hz;
	uint32_t f = 0;
	int n;

	n = rte_eal_init(argc, argv);
	if (n < 0)
		die("EAL init failed");
	parse(argc - n, argv + n, &o);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (rte_eth_dev_count_avail() < 1)
		die("no port (give --vdev net_af_packet0,iface=IF)");
	pool = rte_pktmbuf_pool_create(
		"gen", NB_MBUFS, 256, 0,
		(uint16_t)RTE_MAX(RTE_MBUF_DEFAULT_BUF_SIZE, o.size + RTE_PKTMBUF_HEADROOM),
		(int)rte_socket_id());
	if (pool == NULL)
		die("no mbuf pool");
	port_start(0, pool);
	rte_eth_macaddr_get(0, &src_mac);

	memset(hdr, 0, sizeof(hdr));
	eth->dst_addr = o.dst_mac;
	eth->src_addr = src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(o.size - sizeof(*eth)));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	udp->dst_port = rte_cpu_to_be_16(o.dport);
	udp->dgram_len = rte_cpu_to_be_16((uint16_t)(o.size - sizeof(*eth) - sizeof(*ip)));

	hz = rte_get_tsc_hz();
	t0 = rte_rdtsc();
	deadline = t0 + (uint64_t)(o.seconds * (double)hz);
	while (!stop && rte_rdtsc() < deadline) {
		struct rte_mbuf *m[BURST];
		uint16_t i, k;

		if (rte_pktmbuf_alloc_bulk(pool, m, BURST) != 0)
			continue; /* the PMD still holds them: try again */
		for (i = 0; i < BURST; i++) {
			uint8_t *d = rte_pktmbuf_mtod(m[i], uint8_t *);
			struct rte_ipv4_hdr *pip = (struct rte_ipv4_hdr *)(d + sizeof(*eth));
			struct rte_udp_hdr *pudp = (struct rte_udp_hdr *)(pip + 1);

			/* Only the headers are written: the payload is whatever the buffer
			 * held, which costs nothing and matters to no forwarder. */
			memcpy(d, hdr, HDR_LEN);
			pip->src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 0) + (f >> 10));
			pip->dst_addr = rte_cpu_to_be_32(o.dst + f % o.vips);
			pip->hdr_checksum = rte_ipv4_cksum(pip);
			pudp->src_port = rte_cpu_to_be_16((uint16_t)(1024 + (f & 1023)));
			m[i]->data_len = o.size;
			m[i]->pkt_len = o.size;
			if (++f == o.flows)
				f = 0;
		}
		k = rte_eth_tx_burst(0, 0, m, BURST);
		sent += k;
		if (k < BURST) {
			refused += BURST - k;
			rte_pktmbuf_free_bulk(&m[k], BURST - k);
		}
	}
	t1 = rte_rdtsc();
	printf("sent %lu seconds %.3f mpps %.3f refused %lu\n", (unsigned long)sent,
	       (double)(t1 - t0) / (double)hz,
	       (double)sent / ((double)(t1 - t0) / (double)hz) / 1e6, (unsigned long)refused);
	fflush(stdout);
	rte_eth_dev_stop(0);
	rte_eth_dev_close(0);
	rte_eal_cleanup();
	return 0;
}
