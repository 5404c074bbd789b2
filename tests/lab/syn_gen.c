/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN flood generator for the lab (tests only): TCP SYNs from random sources to
 * DST_IP:DST_PORT, at RATE per second for SECONDS, written straight onto IFACE as
 * Ethernet frames to DST_MAC.
 *
 *   syn_gen IFACE DST_MAC DST_IP DST_PORT RATE SECONDS
 *
 * Every SYN comes from a new random address of 198.18.0.0/15 (RFC 2544's benchmarking
 * range) and a random port, with a random sequence number: a new flow for a load
 * balancer each time. The frames go out through an AF_PACKET socket in batches of
 * sendmmsg (one system call per batch: the lab's Python generator, one sendto per SYN
 * through the kernel's IP stack, reached about 4 600 SYNs per second, under the 10x
 * of a rate cap worth testing). Paced on the monotonic clock: by time t it has sent
 * RATE x t SYNs (in batches, when it fell behind), never more than RATE x SECONDS, and
 * it stops at SECONDS whatever it has sent. Prints "SENT ELAPSED_SECONDS" (what really
 * went out, over the time it really took: first send to last), so the caller compares
 * what was sent in what time.
 *
 * Bounds: RATE 1..10 000 000, SECONDS 0.1..60.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	  64
#define FRAME_LEN (sizeof(struct ether_header) + sizeof(struct iphdr) + sizeof(struct tcphdr))
/* 2 bytes before each frame put its IP header on a 4-byte boundary (rows of 56 bytes) */
#define PAD	 2
#define SRC_BASE 0xc6120000u /* 198.18.0.0 */
#define SRC_SPAN (1u << 17)  /* /15 */
#define MAX_RATE 10000000.0
#define MAX_SECS 60.0

static void die(const char *what)
{
	fprintf(stderr, "syn_gen: %s\n", what);
	exit(1);
}

static uint64_t rng_state;

/* xorshift64*: fast, and random enough to make every source a new flow */
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint32_t sum16(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* One SYN from a new random source into FRAME (Ethernet header already there). */
static void make_syn(uint8_t *frame, uint32_t dst, uint16_t dport)
{
	struct iphdr *ip = (struct iphdr *)(frame + sizeof(struct ether_header));
	struct tcphdr *tcp = (struct tcphdr *)(ip + 1);
	uint64_t r = rnd();
	uint32_t sum;
	uint8_t pseudo[12];

	memset(ip, 0, sizeof(*ip) + sizeof(*tcp));
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*tcp));
	ip->id = htons((uint16_t)(r >> 48));
	ip->frag_off = htons(IP_DF);
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = htonl(SRC_BASE + 1 + (uint32_t)(r % (SRC_SPAN - 2)));
	ip->daddr = dst;
	ip->check = fold(sum16(ip, sizeof(*ip), 0));

	tcp->source = htons((uint16_t)(1024 + (r >> 20) % (65536 - 1024)));
	tcp->dest = dport;
	tcp->seq = htonl((uint32_t)rnd());
	tcp->doff = 5;
	tcp->syn = 1;
	tcp->window = htons(64240);
	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = sizeof(*tcp);
	sum = sum16(pseudo, sizeof(pseudo), 0);
	tcp->check = fold(sum16(tcp, sizeof(*tcp), sum));
}

static double parse_num(const char *s, double lo, double hi, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "syn_gen: %s '%s' is not a number in %g..%g\n", what, s, lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	static uint8_t rows[BATCH][PAD + FRAME_LEN] __attribute__((aligned(4)));
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll = {0};
	struct ether_header eth = {0};
	struct ifreq ifr = {0};
	struct in_addr dst;
	unsigned int mac[6];
	double rate, secs, t0, t_last, now;
	uint64_t sent = 0, total;
	uint16_t dport;
	int fd, i;

	if (argc != 7) {
		fprintf(stderr, "usage: syn_gen IFACE DST_MAC DST_IP DST_PORT RATE SECONDS\n");
		return 2;
	}
	if (strlen(argv[1]) >= IFNAMSIZ)
		die("interface name too long");
	if (sscanf(argv[2], "%2x:%2x:%2x:%2x:%2x:%2x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		   &mac[5]) != 6 ||
	    strlen(argv[2]) != 17)
		die("DST_MAC must be xx:xx:xx:xx:xx:xx");
	if (inet_pton(AF_INET, argv[3], &dst) != 1)
		die("DST_IP must be an IPv4 address");
	dport = htons((uint16_t)parse_num(argv[4], 1, 65535, "DST_PORT"));
	rate = parse_num(argv[5], 1, MAX_RATE, "RATE");
	secs = parse_num(argv[6], 0.1, MAX_SECS, "SECONDS");
	total = (uint64_t)(rate * secs);

	fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: sends only, receives nothing */
	if (fd < 0)
		die("cannot open an AF_PACKET socket (root needed)");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		die("no such interface");
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = ifr.ifr_ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("cannot bind to the interface");
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		die("cannot read the interface's MAC");
	for (i = 0; i < 6; i++)
		eth.ether_dhost[i] = (uint8_t)mac[i];
	memcpy(eth.ether_shost, ifr.ifr_hwaddr.sa_data, 6);
	eth.ether_type = htons(ETHERTYPE_IP);
	if (getrandom(&rng_state, sizeof(rng_state), 0) != sizeof(rng_state) || rng_state == 0)
		rng_state = (uint64_t)time(NULL) | 1;

	for (i = 0; i < BATCH; i++) {
		memcpy(rows[i] + PAD, &eth, sizeof(eth));
		iov[i] = (struct iovec){.iov_base = rows[i] + PAD, .iov_len = FRAME_LEN};
		msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	}

	t0 = t_last = now_s();
	for (now = t0; now - t0 < secs && sent < total; now = now_s()) {
		uint64_t due = (uint64_t)((now - t0) * rate) + 1;
		int n, done;

		if (due > total)
			due = total;
		if (due <= sent) {
			/* ahead of time: sleep for at most a batch's worth */
			struct timespec ts = {
				0, (long)(1e9 * ((double)(sent + 1) / rate - (now - t0)))};

			if (ts.tv_nsec > 1000000)
				ts.tv_nsec = 1000000;
			nanosleep(&ts, NULL);
			continue;
		}
		n = due - sent > BATCH ? BATCH : (int)(due - sent);
		for (i = 0; i < n; i++)
			make_syn(rows[i] + PAD, dst.s_addr, dport);
		done = sendmmsg(fd, msgs, (unsigned int)n, 0);
		if (done < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
				continue; /* the device is busy: try again, within the time */
			die("sendmmsg failed");
		}
		sent += (uint64_t)done;
		t_last = now_s();
	}
	close(fd);
	printf("%llu %.3f\n", (unsigned long long)sent, t_last - t0);
	return 0;
}
