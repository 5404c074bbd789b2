/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipip_decap: a user-space IP-in-IP (RFC 2003) decapsulator for lab backends.
 *
 * The test kernel has no ipip module, so an L3 DSR backend cannot use an `ipip` tunnel
 * device. This program stands in for it: a raw socket for IP protocol 4 receives every
 * encapsulated datagram addressed to this namespace (the kernel has already reassembled
 * fragments), and the inner IPv4 packet is written to an existing TUN device that
 * carries the VIP. The backend's own kernel then receives the inner packet as if it
 * had arrived on that interface, and its TCP stack answers the client from the VIP via
 * the default route: Direct Server Return.
 *
 * While the raw socket is open the kernel also stops answering protocol 4 with ICMP
 * "protocol unreachable"; once the program exits, that signature is back, which is how
 * the lab simulates "tunnel down".
 *
 * Garbage is dropped and counted, never written to the TUN device. SIGUSR1 prints the
 * counters to stderr; SIGTERM / SIGINT print them and exit with status 0.
 *
 *   ipip_decap [-d] -i TUN_IFNAME [-p PIDFILE]
 *
 * -d starts a new session (setsid), so that a Ctrl-C typed at the terminal the lab was
 * started from (the demo's console) does not stop the decapsulator.
 *
 * The pid file is written only once the raw socket and the TUN device are open, so
 * its existence means "ready"; it is removed on exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define IPIP_PROTO 4
#define MAX_DGRAM  65536 /* an IPv4 datagram is at most 65535 bytes */

/* Why packets were dropped; each has a counter, printed by name. */
enum drop_reason {
	DROP_OUTER_SHORT,   /* fewer bytes than an outer IPv4 header */
	DROP_OUTER_HDR,	    /* outer header's version, length or protocol is wrong */
	DROP_INNER_SHORT,   /* fewer bytes than an inner IPv4 header */
	DROP_INNER_VERSION, /* inner packet is not IPv4 */
	DROP_INNER_HDRLEN,  /* inner IHL < 5 or beyond the data */
	DROP_INNER_TOTLEN,  /* inner total length < IHL or beyond the data */
	DROP_INNER_CSUM,    /* inner header checksum is wrong */
	DROP_TUN_WRITE,	    /* the TUN device refused the packet */
	DROP_MAX
};

static const char *const drop_names[DROP_MAX] = {
	[DROP_OUTER_SHORT] = "outer-short",   [DROP_OUTER_HDR] = "outer-header",
	[DROP_INNER_SHORT] = "inner-short",   [DROP_INNER_VERSION] = "inner-version",
	[DROP_INNER_HDRLEN] = "inner-hdrlen", [DROP_INNER_TOTLEN] = "inner-totlen",
	[DROP_INNER_CSUM] = "inner-checksum", [DROP_TUN_WRITE] = "tun-write",
};

struct counters {
	uint64_t rx;
	uint64_t decap;
	uint64_t drop[DROP_MAX];
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t dump_requested;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_requested = 1;
	else
		stop_requested = 1;
}

static void dump_counters(const struct counters *c)
{
	fprintf(stderr, "ipip_decap: rx %llu decap %llu", (unsigned long long)c->rx,
		(unsigned long long)c->decap);
	for (int i = 0; i < DROP_MAX; i++)
		fprintf(stderr, " %s %llu", drop_names[i], (unsigned long long)c->drop[i]);
	fputc('\n', stderr);
	fflush(stderr);
}

static uint16_t ip_checksum(const void *hdr, size_t len)
{
	const uint8_t *p = hdr;
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Checks one received datagram (outer header included, as raw IPv4 sockets deliver it)
 * and finds the inner packet. Returns the inner packet's length and sets *inner, or
 * -1 with *reason set.
 */
static ssize_t inner_packet(uint8_t *buf, size_t len, uint8_t **inner, enum drop_reason *reason)
{
	size_t ohl, ilen, ihl, itot;

	if (len < sizeof(struct iphdr)) {
		*reason = DROP_OUTER_SHORT;
		return -1;
	}
	ohl = (size_t)(buf[0] & 0x0f) * 4;
	if ((buf[0] >> 4) != 4 || ohl < sizeof(struct iphdr) || ohl > len || buf[9] != IPIP_PROTO) {
		*reason = DROP_OUTER_HDR;
		return -1;
	}
	*inner = buf + ohl;
	ilen = len - ohl;
	if (ilen < sizeof(struct iphdr)) {
		*reason = DROP_INNER_SHORT;
		return -1;
	}
	if (((*inner)[0] >> 4) != 4) {
		*reason = DROP_INNER_VERSION;
		return -1;
	}
	ihl = (size_t)((*inner)[0] & 0x0f) * 4;
	if (ihl < sizeof(struct iphdr) || ihl > ilen) {
		*reason = DROP_INNER_HDRLEN;
		return -1;
	}
	itot = (size_t)((*inner)[2] << 8 | (*inner)[3]);
	if (itot < ihl || itot > ilen) {
		*reason = DROP_INNER_TOTLEN;
		return -1;
	}
	if (ip_checksum(*inner, ihl) != 0) {
		*reason = DROP_INNER_CSUM;
		return -1;
	}
	/* Bytes after the inner total length are link padding, not packet. */
	return (ssize_t)itot;
}

/* Attaches to the existing TUN device ifname. Returns the fd or -1 (message printed). */
static int open_tun(const char *ifname)
{
	struct ifreq ifr;
	int fd;

	/* TUNSETIFF would silently create a fresh device without the VIP: refuse instead. */
	if (if_nametoindex(ifname) == 0) {
		fprintf(stderr,
			"ipip_decap: interface %s does not exist (create it first: "
			"ip tuntap add dev %s mode tun)\n",
			ifname, ifname);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ipip_decap: /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "ipip_decap: attach to %s: %s (is it a TUN device without pi?)\n",
			ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int write_pidfile(const char *path)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: ipip_decap [-d] -i TUN_IFNAME [-p PIDFILE]\n"
		     "Decapsulates IP-in-IP received on this namespace into the TUN device.\n");
}

int main(int argc, char **argv)
{
	static uint8_t buf[MAX_DGRAM];
	const char *ifname = NULL, *pidfile = NULL;
	struct counters cnt = {0};
	struct sigaction sa;
	sigset_t block, waitmask;
	int raw = -1, tun = -1, opt, rc = 1, detach = 0;

	while ((opt = getopt(argc, argv, "di:p:h")) != -1) {
		switch (opt) {
		case 'd':
			detach = 1;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (ifname == NULL || optind != argc || strlen(ifname) >= IFNAMSIZ) {
		usage(stderr);
		return 2;
	}
	/* Fails only for a process group leader, which is then already detached enough. */
	if (detach)
		(void)setsid();

	/*
	 * Signals stay blocked except inside ppoll, so a SIGTERM can never slip in between
	 * the check of stop_requested and the wait.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGUSR1);

	raw = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPIP_PROTO);
	if (raw < 0) {
		fprintf(stderr, "ipip_decap: raw socket for protocol 4: %s\n", strerror(errno));
		goto out;
	}
	int rcvbuf = 4 << 20;
	setsockopt(raw, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	tun = open_tun(ifname);
	if (tun < 0)
		goto out;
	if (pidfile != NULL && write_pidfile(pidfile) < 0) {
		fprintf(stderr, "ipip_decap: pid file %s: %s\n", pidfile, strerror(errno));
		pidfile = NULL;
		goto out;
	}
	fprintf(stderr, "ipip_decap: decapsulating IP-in-IP into %s\n", ifname);

	while (!stop_requested) {
		struct pollfd pfd = {.fd = raw, .events = POLLIN};

		if (dump_requested) {
			dump_requested = 0;
			dump_counters(&cnt);
		}
		if (ppoll(&pfd, 1, NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ipip_decap: poll: %s\n", strerror(errno));
			goto out;
		}
		/* Drain what is queued before going back to sleep. */
		for (;;) {
			enum drop_reason why;
			uint8_t *inner;
			ssize_t n, ilen;

			n = recv(raw, buf, sizeof(buf), 0);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				fprintf(stderr, "ipip_decap: recv: %s\n", strerror(errno));
				goto out;
			}
			cnt.rx++;
			ilen = inner_packet(buf, (size_t)n, &inner, &why);
			if (ilen < 0) {
				cnt.drop[why]++;
				continue;
			}
			if (write(tun, inner, (size_t)ilen) != ilen) {
				cnt.drop[DROP_TUN_WRITE]++;
				continue;
			}
			cnt.decap++;
		}
	}
	rc = 0;
out:
	dump_counters(&cnt);
	if (pidfile != NULL)
		unlink(pidfile);
	if (tun >= 0)
		close(tun);
	if (raw >= 0)
		close(raw);
	return rc;
}
