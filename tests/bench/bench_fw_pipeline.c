/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-path benchmark (an executable, not a test): pre-built bursts of minimal TCP
 * frames (54 bytes over IPv4, 74 over IPv6) pushed through fw_pipeline_burst() on one
 * core, without I/O, for a VIP with 16 backends in L2 and in L3 (IP-in-IP or
 * IPv6-in-IPv6, per-flow outer source) mode, over 1 M distinct established flows; IPv4
 * and IPv6 (rows "L2v6", "L3v6": the same VIP and backends in IPv6, its own flow table).
 *
 * Baseline, measured in the same run on the same bursts: every frame is prepared the
 * same way (header rewritten for its flow), its headers are read ("touched"), and the
 * burst is handed to the same TX function. The pipeline's cost is reported as a ratio
 * to that baseline and as the difference in ns per packet.
 *
 * Time is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), not the wall clock: on a
 * shared machine the wall clock also counts the time other processes held the core.
 * Cycles are core cycles: the CPU time times the core clock, measured in the same run
 * by a chain of dependent additions (one cycle each). The TSC is no cycle counter here:
 * it ticks at the nominal clock while the core boosts above it.
 *
 * The flow table is created for FLOWS flows (fw_dp_conf.flow_entries = FLOWS, and
 * flow6_entries = FLOWS for the IPv6 rows), so it runs at the load factor a worker
 * configured for that many flows runs at; flows whose bucket is full evict and are
 * inserted again, as they would be. Bytes per flow are those of the family's table.
 *
 *   build/tests/bench/bench_fw_pipeline [FLOWS [PACKETS [l2|l3|l2v6|l3v6]]]
 *                                       (defaults 1048576 20000000, all four modes)
 *
 * Under `valgrind --tool=callgrind` the instruction counts of fw_pipeline_burst() and of
 * the baseline's touch_burst() + bench_tx(), per packet, are the same figures without
 * the noise of a shared machine (tests/bench/bench-pipeline.sh does this, for the same
 * flow counts, so that cycles and instructions per packet describe the same case).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "firmware/control/fw_dp.h"
#include "firmware/datapath/fw_pipeline.h"
#include "firmware/fw_state.h"
#include "firmware/datapath/fw_flow.h"
#include "firmware/datapath/fw_worker_loop.h"

#define NB_BURSTS     128
#define FRAME_LEN     54
#define FRAME6_LEN    74
#define ROUNDS	      7
#define A(a, b, c, d) rte_cpu_to_be_32(RTE_IPV4(a, b, c, d))

static struct rte_mbuf *bursts[NB_BURSTS][FW_BURST];
static uint8_t tmpl[FRAME_LEN], tmpl6[FRAME6_LEN];
static uint64_t sent;
/* The next flow each kind of run sends (0 baseline, 1 pipeline): a slice goes on where
 * the previous one stopped, so that the measured slices together cycle through every
 * flow. Were each to start at flow 0, a slice shorter than the flow count would revisit
 * the same first flows every time: a working set smaller than the table, partly held
 * in the last-level cache between slices (the 8 Mi-flow row then measured about the
 * first 0.7 Mi flows only). */
static uint32_t next_flow[2];
static volatile uint64_t sink;

static __attribute__((noinline)) uint16_t bench_tx(void *arg, uint16_t port_id, uint16_t queue,
						   struct rte_mbuf **pkts, uint16_t n)
{
	(void)arg;
	(void)port_id;
	(void)queue;
	(void)pkts;
	sent += n; /* the bench keeps the mbufs and reuses them */
	return n;
}

static void build_template(uint32_t vip)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)tmpl;
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_tcp_hdr *tcp = (struct rte_tcp_hdr *)(ip + 1);

	memset(tmpl, 0, sizeof(tmpl));
	eth->dst_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 1}};
	eth->src_addr = (struct rte_ether_addr){{2, 0, 0, 0, 0, 0xaa}};
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(40);
	ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = A(198, 18, 0, 0);
	ip->dst_addr = vip;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp->dst_port = rte_cpu_to_be_16(80);
	tcp->data_off = 0x50;
	tcp->tcp_flags = RTE_TCP_ACK_FLAG;
}

/* The IPv6 template: 2001:db8:ff::/96 -> [2001:db8:1::100]:80, an ACK. */
static void build_template6(void)
{
	static const uint8_t src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff};
	static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	uint8_t *ip = tmpl6 + 14, *l4 = ip + 40;

	memset(tmpl6, 0, sizeof(tmpl6));
	memcpy(tmpl6, tmpl, 12); /* the MACs of the IPv4 template */
	tmpl6[12] = 0x86;
	tmpl6[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = 20;
	ip[6] = IPPROTO_TCP;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	l4[3] = 80;
	l4[12] = 0x50;
	l4[13] = RTE_TCP_ACK_FLAG;
}

/* IPv6 frame of flow f: source 2001:db8:ff:: + f / 65536, port f % 65536 (no header
 * checksum in IPv6). */
static inline void prep6(struct rte_mbuf *m, uint32_t f)
{
	uint8_t *d;
	uint32_t hi = rte_cpu_to_be_32(f >> 16);

	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = FRAME6_LEN;
	m->pkt_len = FRAME6_LEN;
	m->port = 0;
	d = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(d, tmpl6, FRAME6_LEN);
	memcpy(d + 14 + 8 + 12, &hi, 4);
	*(uint16_t *)(d + 54) = rte_cpu_to_be_16((uint16_t)f);
}

/* Frame of flow f: source 198.18.0.0 + f / 65536, port f % 65536; checksum updated
 * incrementally (RFC 1624) from the template's. */
static inline void prep(struct rte_mbuf *m, uint32_t f)
{
	uint8_t *d;
	struct rte_ipv4_hdr *ip;
	uint32_t sum;
	uint16_t hi = (uint16_t)(f >> 16);

	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = FRAME_LEN;
	m->pkt_len = FRAME_LEN;
	m->port = 0;
	d = rte_pktmbuf_mtod(m, uint8_t *);
	memcpy(d, tmpl, FRAME_LEN);
	ip = (struct rte_ipv4_hdr *)(d + 14);
	ip->src_addr = rte_cpu_to_be_32(RTE_IPV4(198, 18, 0, 0) + hi);
	/* HC' = ~(~HC + ~m + m') with m = 0 (the template's low half): ~m adds nothing. */
	sum = (uint16_t)~rte_be_to_cpu_16(((struct rte_ipv4_hdr *)(tmpl + 14))->hdr_checksum) + hi;
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
	*(uint16_t *)(d + 34) = rte_cpu_to_be_16((uint16_t)f);
}

struct result {
	double ns, mpps;
};

/* The calling thread's CPU time, in ns. */
static double cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The core clock in GHz: dependent additions (one cycle each) per ns of CPU time. */
static double core_ghz(void)
{
	const uint64_t n = 20000000;
	uint64_t x = 0, i;
	double t0 = cpu_ns(), t1;

	for (i = 0; i < n; i++)
		__asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
	t1 = cpu_ns();
	return (double)(4 * n) / (t1 - t0);
}

/* The baseline's work on a burst: read the headers the pipeline reads, then TX.
 * Not inlined, so that callgrind counts it apart. */
static __attribute__((noinline)) uint64_t touch_burst(struct rte_mbuf **pkts)
{
	uint64_t acc = 0;
	unsigned int i;

	for (i = 0; i < FW_BURST; i++) {
		const uint8_t *d = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

		acc += d[0] + d[14 + 8] + d[14 + 16] + d[34]; /* MAC, TTL, dst, port */
	}
	bench_tx(NULL, 0, 0, pkts, FW_BURST);
	return acc;
}

/* Push `packets` through (pipeline) or touch them (baseline); v6: IPv6 frames. */
static struct result run(struct fw_worker *w, uint32_t flows, uint64_t packets, int pipeline,
			 int v6)
{
	uint64_t done = 0, acc = 0;
	double t0, t1;
	uint32_t f = next_flow[pipeline != 0], b = 0;
	struct result r;

	sent = 0;
	t0 = cpu_ns();
	while (done < packets) {
		struct rte_mbuf **pkts = bursts[b];
		unsigned int i;

		for (i = 0; i < FW_BURST; i++) {
			if (v6)
				prep6(pkts[i], f);
			else
				prep(pkts[i], f);
			if (++f == flows)
				f = 0;
		}
		if (pipeline) {
			fw_worker_begin(w, rte_rdtsc());
			fw_pipeline_burst(w, pkts, FW_BURST);
			fw_worker_end(w);
		} else {
			acc += touch_burst(pkts);
		}
		done += FW_BURST;
		if (++b == NB_BURSTS)
			b = 0;
	}
	t1 = cpu_ns();
	next_flow[pipeline != 0] = f;
	sink = acc;
	if (sent != done) {
		fprintf(stderr, "bench: %lu of %lu packets left (drops?)\n", (unsigned long)sent,
			(unsigned long)done);
		exit(1);
	}
	r.ns = (t1 - t0) / (double)done;
	r.mpps = 1e3 / r.ns;
	return r;
}

static int cmp_ns(const void *a, const void *b)
{
	const struct result *x = a, *y = b;

	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static struct result median(struct result *r)
{
	qsort(r, ROUNDS, sizeof(*r), cmp_ns);
	return r[ROUNDS / 2];
}

static int cmp_d(const void *a, const void *b)
{
	const double *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static double median_d(double *v)
{
	qsort(v, ROUNDS, sizeof(*v), cmp_d);
	return v[ROUNDS / 2];
}

static struct fw_ip6 a6(uint8_t net, uint16_t host)
{
	struct fw_ip6 a = {{0x20, 0x01, 0x0d, 0xb8, 0, net}};

	a.b[14] = (uint8_t)(host >> 8);
	a.b[15] = (uint8_t)host;
	return a;
}

/* The IPv6 twin of make_state: [2001:db8:1::100]:80, 16 backends on 2001:db8:1::/64 (L2)
 * or 2001:db8:2::/64 behind a gateway (L3, outer sources from 2001:db8:feed::/64). */
static struct fw_state *make_state6(struct fw_dp *dp, int l3)
{
	struct fw_port_def pd = {
		.port_id = 0, .mac = {{2, 0, 0, 0, 0, 1}}, .mtu = 1500, .nb_queues = 1};
	struct fw_vip_def vd = {.family = FW_AF_INET6,
				.proto = IPPROTO_TCP,
				.port = 80,
				.port_id = 0,
				.flow_timeout = 300};
	struct fw_state *st = fw_state_new(dp);
	struct fw_ip6 self = a6(1, 0x10), net2 = a6(2, 0), gw = a6(1, 1);
	int vip, i, rc = 0;

	vd.addr6 = a6(1, 0x100);
	rc |= fw_state_add_port(st, &pd);
	rc |= fw_state_add_address6(st, 0, &self, 64);
	rc |= fw_state_add_route6(st, &net2, 64, &gw);
	rc |= fw_state_add_neighbour6(st, 0, &gw, &(struct rte_ether_addr){{2, 0, 0, 0, 0, 0xfe}});
	if (l3) {
		vd.mode = FW_MODE_L3;
		vd.tunnel_src6 = (struct fw_ip6){{0x20, 0x01, 0x0d, 0xb8, 0xfe, 0xed}};
		vd.tunnel_src6_len = 64;
	}
	vip = fw_state_add_vip(st, &vd);
	for (i = 0; i < 16; i++) {
		struct fw_backend_def bd = {.family = FW_AF_INET6, .weight = 100, .up = 1};
		struct rte_ether_addr mac = {{2, 0, 0, 0, 1, (uint8_t)i}};

		bd.addr6 = a6(l3 ? 2 : 1, (uint16_t)(0x20 + i));
		if (!l3)
			rc |= fw_state_add_neighbour6(st, 0, &bd.addr6, &mac);
		rc |= fw_state_add_backend(st, vip, &bd) < 0;
	}
	if (rc != 0 || vip < 0 || fw_state_finalize(st) != 0) {
		fprintf(stderr, "bench: cannot build the IPv6 state\n");
		exit(1);
	}
	return st;
}

static struct fw_state *make_state(struct fw_dp *dp, int l3)
{
	struct fw_port_def pd = {
		.port_id = 0, .mac = {{2, 0, 0, 0, 0, 1}}, .mtu = 1500, .nb_queues = 1};
	struct fw_vip_def vd = {.addr = A(10, 0, 1, 100),
				.proto = IPPROTO_TCP,
				.port = 80,
				.port_id = 0,
				.flow_timeout = 300};
	struct fw_state *st = fw_state_new(dp);
	int vip, i;

	fw_state_add_port(st, &pd);
	fw_state_add_address(st, 0, A(10, 0, 1, 10), 24);
	fw_state_add_route(st, A(10, 0, 2, 0), 24, A(10, 0, 1, 1));
	fw_state_add_neighbour(st, 0, A(10, 0, 1, 1),
			       &(struct rte_ether_addr){{2, 0, 0, 0, 0, 0xfe}});
	if (l3) {
		vd.mode = FW_MODE_L3;
		vd.tunnel_src = A(172, 16, 0, 0);
		vd.tunnel_src_len = 16;
	}
	vip = fw_state_add_vip(st, &vd);
	for (i = 0; i < 16; i++) {
		struct fw_backend_def bd = {.weight = 100, .up = 1};
		struct rte_ether_addr mac = {{2, 0, 0, 0, 1, (uint8_t)i}};

		bd.addr = l3 ? A(10, 0, 2, (uint8_t)(20 + i)) : A(10, 0, 1, (uint8_t)(20 + i));
		if (!l3)
			fw_state_add_neighbour(st, 0, bd.addr, &mac);
		fw_state_add_backend(st, vip, &bd);
	}
	if (vip < 0 || fw_state_finalize(st) != 0) {
		fprintf(stderr, "bench: cannot build the state\n");
		exit(1);
	}
	return st;
}

int main(int argc, char **argv)
{
	char *eal[] = {"bench", "--no-huge", "--no-pci", "--no-shconf",		"-m",
		       "1024",	"-l",	     "0",	 "--log-level=*:error", NULL};
	uint32_t flows = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 1u << 20;
	uint64_t packets = argc > 2 ? strtoull(argv[2], NULL, 0) : 20000000;
	const char *only = argc > 3 ? argv[3] : NULL;
	struct rte_mempool *pool;
	int mode;

	static const char *const modes[] = {"l2", "l3", "l2v6", "l3v6"};
	static const char *const names[] = {"L2", "L3", "L2v6", "L3v6"};
	static const char *const titles[] = {
		"L2 DSR (MAC rewrite)", "L3 DSR (IP-in-IP, per-flow src)",
		"L2 DSR IPv6 (MAC rewrite)", "L3 DSR IPv6 (6in6, per-flow src)"};

	if (only != NULL && strcmp(only, "l2") != 0 && strcmp(only, "l3") != 0 &&
	    strcmp(only, "l2v6") != 0 && strcmp(only, "l3v6") != 0) {
		fprintf(stderr, "usage: bench_fw_pipeline [FLOWS [PACKETS [l2|l3|l2v6|l3v6]]]\n");
		return 2;
	}
	if (rte_eal_init(9, eal) < 0) {
		fprintf(stderr, "bench: EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("bench", NB_BURSTS * FW_BURST + 1023, 0, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (pool == NULL || rte_pktmbuf_alloc_bulk(pool, &bursts[0][0], NB_BURSTS * FW_BURST)) {
		fprintf(stderr, "bench: no mbufs\n");
		return 1;
	}
	printf("Tula data-path benchmark: 1 core, %u-byte frames (IPv6: %u), bursts of %u, 1 VIP "
	       "x 16 backends,\n%u distinct established flows in a table created for %u flows, "
	       "%lu packets per mode\n(median of %u alternating slices; time = thread CPU time), "
	       "TSC %.2f GHz\n\n",
	       FRAME_LEN, FRAME6_LEN, FW_BURST, flows, flows, (unsigned long)packets, ROUNDS,
	       rte_get_tsc_hz() / 1e9);
	printf("%-34s %10s %10s %10s %10s\n", "run", "ns/pkt", "cycles/pkt", "Mpps", "x baseline");
	for (mode = 0; mode < 4; mode++) {
		int l3 = mode & 1, v6 = mode >> 1;

		if (only != NULL && strcmp(only, modes[mode]) != 0)
			continue;
		/* no new-flow cap: the first pass inserts every flow at full speed; the
		 * other family's table is made small (both are always created) */
		struct fw_dp_conf c = {.nb_workers = 1,
				       .flow_entries = v6 ? 1024 : flows,
				       .flow6_entries = v6 ? flows : 1024,
				       .max_vips = 16,
				       .max_backends = 64,
				       .new_flow_rate = FW_DP_NEW_FLOW_UNCAPPED,
				       .pool = pool};
		struct fw_dp *dp = fw_dp_create(&c);
		struct fw_worker *w;
		struct result base, pipe, warm, bs[ROUNDS], ps[ROUNDS];
		uint64_t drop[FW_DROP_MAX], ev[FW_EV_MAX], drops = 0, ev0, warm_new, warm_evicted;
		double ghz[ROUNDS], g, bpf, load, churn;
		const char *name = names[mode];
		struct fw_flow_stats fs;
		unsigned int k;

		if (dp == NULL ||
		    fw_dp_publish_sync(dp, v6 ? make_state6(dp, l3) : make_state(dp, l3)) != 0) {
			fprintf(stderr, "bench: cannot create the data path\n");
			return 1;
		}
		w = fw_dp_worker(dp, 0);
		fw_worker_set_tx(w, bench_tx, NULL);
		build_template(A(10, 0, 1, 100));
		build_template6();
		/* Learn every flow first: the measured runs see established flows. Then
		 * baseline and pipeline alternate in ROUNDS slices (each going first in every
		 * other round) so that both meet the same machine (it is shared); the median
		 * slice of each is reported. */
		next_flow[0] = next_flow[1] = 0;
		warm = run(w, flows, flows, 1, v6);
		fw_dp_counters_global(dp, drop, ev);
		warm_new = ev[FW_EV_NEW_FLOWS];
		warm_evicted = ev0 = ev[FW_EV_FLOW_EVICTED];
		for (k = 0; k < ROUNDS; k++) {
			/* each goes first in every other round */
			if (k % 2 == 0)
				bs[k] = run(w, flows, packets / ROUNDS, 0, v6);
			ps[k] = run(w, flows, packets / ROUNDS, 1, v6);
			if (k % 2 == 1)
				bs[k] = run(w, flows, packets / ROUNDS, 0, v6);
			ghz[k] = core_ghz();
		}
		base = median(bs);
		pipe = median(ps);
		g = median_d(ghz);
		fw_dp_counters_global(dp, drop, ev);
		for (k = 0; k < FW_DROP_MAX; k++)
			drops += drop[k];
		fw_dp_flow_stats(dp, 0, &fs);
		if (v6)
			fs = w->flows6->st;
		bpf = (double)(v6 ? w->flows6->bytes : w->flows->bytes) / flows;
		load = (double)fs.used / (double)fs.capacity;
		churn = (double)(ev[FW_EV_FLOW_EVICTED] - ev0) /
			(double)(ROUNDS * RTE_ALIGN_CEIL(packets / ROUNDS, FW_BURST));
		printf("%-34s %10.1f %10.1f %10.2f %10s\n", "baseline (prepare+touch+return)",
		       base.ns, base.ns * g, base.mpps, "1.00");
		printf("%-34s %10.1f %10.1f %10.2f %10.2f\n", titles[mode], pipe.ns, pipe.ns * g,
		       pipe.mpps, pipe.ns / base.ns);
		printf("%-34s %10.1f %10.1f %10s %10s   (pipeline - baseline)\n",
		       "  pipeline's own cost", pipe.ns - base.ns, (pipe.ns - base.ns) * g, "", "");
		printf("%-34s %10.1f %10.1f %10.2f %10s   (%lu new flows, %lu evicted, %lu "
		       "drops)\n",
		       "  first pass, inserting every flow", warm.ns, warm.ns * g, warm.mpps, "",
		       (unsigned long)warm_new, (unsigned long)warm_evicted, (unsigned long)drops);
		printf("  %s flow table: %zu bytes for %u flows = %.1f B/flow at load factor %.2f; "
		       "evictions in the measured runs: %.4f per packet; core clock %.2f GHz\n\n",
		       v6 ? "IPv6" : "IPv4", v6 ? w->flows6->bytes : w->flows->bytes, flows, bpf,
		       load, churn, g);
		printf("DATA mode=%s flows=%u ns=%.2f base_ns=%.2f ratio=%.3f cycles=%.1f "
		       "base_cycles=%.1f ghz=%.3f bytes_per_flow=%.1f load=%.3f "
		       "evicted_first_pass=%lu evicted_per_pkt=%.5f\n\n",
		       name, flows, pipe.ns, base.ns, pipe.ns / base.ns, pipe.ns * g, base.ns * g,
		       g, bpf, load, (unsigned long)warm_evicted, churn);
		fw_dp_free(dp);
	}
	return 0;
}
