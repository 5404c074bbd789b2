/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipip_decap: a user-space IP-in-IP decapsulator for lab backends, for IPv4 in IPv4
 * (RFC 2003, IP protocol 4) or, with -6, IPv6 in IPv6 (RFC 2473, next header 41).
 *
 * The test kernel has neither the ipip nor the ip6_tunnel module, so an L3 DSR backend
 * cannot use a tunnel device. This program stands in for it: a raw socket for the
 * tunnel protocol receives every encapsulated datagram addressed to this namespace (the
 * kernel has already reassembled fragments), and the inner packet is written to an
 * existing TUN device that carries the VIP. The backend's own kernel then receives the
 * inner packet as if it had arrived on that interface, and its TCP stack answers the
 * client from the VIP via the default route: Direct Server Return.
 *
 * The two families' raw sockets differ: an IPv4 raw socket delivers the outer header
 * with the payload, an IPv6 one only the payload (RFC 3542 §3: the outer header and its
 * extension headers are consumed by the kernel), so for IPv6 the outer traffic class is
 * asked for as ancillary data (IPV6_RECVTCLASS). It is needed for the ECN part of
 * RFC 6040 §4.2: an outer CE mark is copied into an ECN-capable inner packet and a
 * not-ECT inner packet under an outer CE is dropped. The DSCP of the outer header is
 * not copied (RFC 2983 "pipe" model: the inner packet keeps its own).
 *
 * While the raw socket is open the kernel also stops answering the tunnel protocol with
 * ICMP "protocol unreachable" (v4) or ICMPv6 "parameter problem, unrecognized next
 * header" (v6); once the program exits, that signature is back, which is how the lab
 * simulates "tunnel down".
 *
 * Garbage is dropped and counted, never written to the TUN device. SIGUSR1 prints the
 * counters to stderr; SIGTERM / SIGINT print them and exit with status 0.
 *
 *   ipip_decap [-6] [-d] -i TUN_IFNAME [-p PIDFILE]
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
#include <netinet/ip6.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define IPIP_PROTO   4
#define IP6IP6_PROTO 41
#define MAX_DGRAM    65536 /* an IPv4 datagram is at most 65535 bytes, an IPv6 payload too */

/* ECN codepoints (RFC 3168 §5), the low two bits of the traffic class. */
#define ECN_NOT_ECT 0
#define ECN_ECT1    1
#define ECN_ECT0    2
#define ECN_CE	    3

/* Why packets were dropped; each has a counter, printed by name. */
enum drop_reason {
	DROP_OUTER_SHORT,   /* v4: fewer bytes than an outer IPv4 header */
	DROP_OUTER_HDR,	    /* v4: outer header's version, length or protocol is wrong */
	DROP_INNER_SHORT,   /* fewer bytes than an inner IP header */
	DROP_INNER_VERSION, /* inner packet is not of the tunnel's family */
	DROP_INNER_HDRLEN,  /* v4: inner IHL < 5 or beyond the data */
	DROP_INNER_TOTLEN,  /* v4: inner total length < IHL or beyond the data */
	DROP_INNER_CSUM,    /* v4: inner header checksum is wrong */
	DROP_INNER_PAYLEN,  /* v6: inner payload length 0 (jumbogram) or beyond the data */
	DROP_ECN,	    /* v6: outer CE over a not-ECT inner packet (RFC 6040 §4.2) */
	DROP_TUN_WRITE,	    /* the TUN device refused the packet */
	DROP_MAX
};

static const char *const drop_names[DROP_MAX] = {
	[DROP_OUTER_SHORT] = "outer-short",   [DROP_OUTER_HDR] = "outer-header",
	[DROP_INNER_SHORT] = "inner-short",   [DROP_INNER_VERSION] = "inner-version",
	[DROP_INNER_HDRLEN] = "inner-hdrlen", [DROP_INNER_TOTLEN] = "inner-totlen",
	[DROP_INNER_CSUM] = "inner-checksum", [DROP_INNER_PAYLEN] = "inner-paylen",
	[DROP_ECN] = "ce-over-not-ect",	      [DROP_TUN_WRITE] = "tun-write",
};

/* The counters each family can move, in the order they are printed. */
static const enum drop_reason drops_v4[] = {
	DROP_OUTER_SHORT,  DROP_OUTER_HDR,    DROP_INNER_SHORT, DROP_INNER_VERSION,
	DROP_INNER_HDRLEN, DROP_INNER_TOTLEN, DROP_INNER_CSUM,	DROP_TUN_WRITE,
};
static const enum drop_reason drops_v6[] = {
	DROP_INNER_SHORT, DROP_INNER_VERSION, DROP_INNER_PAYLEN, DROP_ECN, DROP_TUN_WRITE,
};

struct counters {
	uint64_t rx;
	uint64_t decap;
	uint64_t ce_copied; /* v6: inner packets marked CE from the outer header */
	uint64_t drop[DROP_MAX];
};

static int v6;		/* -6: IPv6 in IPv6 */
static const char *tag; /* message prefix, names the family */
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
	const enum drop_reason *list = v6 ? drops_v6 : drops_v4;
	size_t n = v6 ? sizeof(drops_v6) / sizeof(drops_v6[0])
		      : sizeof(drops_v4) / sizeof(drops_v4[0]);

	fprintf(stderr, "%s: rx %llu decap %llu", tag, (unsigned long long)c->rx,
		(unsigned long long)c->decap);
	if (v6)
		fprintf(stderr, " ce-copied %llu", (unsigned long long)c->ce_copied);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %s %llu", drop_names[list[i]],
			(unsigned long long)c->drop[list[i]]);
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
 * Checks one received IPv4 datagram (outer header included, as raw IPv4 sockets deliver
 * it) and finds the inner packet. Returns the inner packet's length and sets *inner, or
 * -1 with *reason set.
 */
static ssize_t inner_packet4(uint8_t *buf, size_t len, uint8_t **inner, enum drop_reason *reason)
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

/*
 * Checks the payload of one IPv6 tunnel packet (the inner IPv6 packet: the kernel has
 * removed the outer header) and applies the outer ECN field (outer_ecn, or -1 when the
 * kernel did not say) to it. Returns the inner packet's length, or -1 with *reason set.
 */
static ssize_t inner_packet6(uint8_t *buf, size_t len, int outer_ecn, struct counters *c,
			     enum drop_reason *reason)
{
	size_t plen;
	int ecn;

	if (len < sizeof(struct ip6_hdr)) {
		*reason = DROP_INNER_SHORT;
		return -1;
	}
	if ((buf[0] >> 4) != 6) {
		*reason = DROP_INNER_VERSION;
		return -1;
	}
	plen = (size_t)(buf[4] << 8 | buf[5]);
	if (plen == 0 || plen > len - sizeof(struct ip6_hdr)) {
		*reason = DROP_INNER_PAYLEN;
		return -1;
	}
	/* Traffic class: the low nibble of byte 0 and the high nibble of byte 1; ECN is its
	 * low two bits, bits 4-5 of byte 1. */
	ecn = (buf[1] >> 4) & 3;
	if (outer_ecn == ECN_CE) {
		if (ecn == ECN_NOT_ECT) {
			*reason = DROP_ECN;
			return -1;
		}
		if (ecn != ECN_CE) {
			buf[1] |= ECN_CE << 4;
			c->ce_copied++;
		}
	} else if (outer_ecn == ECN_ECT1 && ecn == ECN_ECT0) {
		buf[1] = (uint8_t)((buf[1] & ~(3 << 4)) | ECN_ECT1 << 4);
	}
	return (ssize_t)(sizeof(struct ip6_hdr) + plen);
}

/* Attaches to the existing TUN device ifname. Returns the fd or -1 (message printed). */
static int open_tun(const char *ifname)
{
	struct ifreq ifr;
	int fd;

	/* TUNSETIFF would silently create a fresh device without the VIP: refuse instead. */
	if (if_nametoindex(ifname) == 0) {
		fprintf(stderr,
			"%s: interface %s does not exist (create it first: "
			"ip tuntap add dev %s mode tun)\n",
			tag, ifname, ifname);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: /dev/net/tun: %s\n", tag, strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "%s: attach to %s: %s (is it a TUN device without pi?)\n", tag,
			ifname, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The raw socket of the tunnel protocol. Returns the fd or -1 (message printed). */
static int open_raw(void)
{
	int fd, on = 1, rcvbuf = 4 << 20;

	if (v6)
		fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IP6IP6_PROTO);
	else
		fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPIP_PROTO);
	if (fd < 0) {
		fprintf(stderr, "%s: raw socket for protocol %d: %s\n", tag,
			v6 ? IP6IP6_PROTO : IPIP_PROTO, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof(on)) < 0) {
		fprintf(stderr, "%s: IPV6_RECVTCLASS: %s\n", tag, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Receives one datagram into buf. For IPv6, *outer_ecn is set from the outer traffic
 * class (-1 when the kernel gave none). Returns its length or -1 with errno set.
 */
static ssize_t receive(int fd, uint8_t *buf, size_t size, int *outer_ecn)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	*outer_ecn = -1;
	if (!v6)
		return recv(fd, buf, size, 0);
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	n = recvmsg(fd, &msg, 0);
	if (n < 0)
		return -1;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		int tclass;

		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_TCLASS &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&tclass, CMSG_DATA(cm), sizeof(tclass));
			*outer_ecn = tclass & 3;
		}
	}
	return n;
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
	fprintf(out, "usage: ipip_decap [-6] [-d] -i TUN_IFNAME [-p PIDFILE]\n"
		     "Decapsulates IP-in-IP (-6: IPv6-in-IPv6) received on this namespace into "
		     "the TUN device.\n");
}

int main(int argc, char **argv)
{
	static uint8_t buf[MAX_DGRAM];
	const char *ifname = NULL, *pidfile = NULL;
	struct counters cnt = {0};
	struct sigaction sa;
	sigset_t block, waitmask;
	int raw = -1, tun = -1, opt, rc = 1, detach = 0;

	tag = "ipip_decap";
	while ((opt = getopt(argc, argv, "6di:p:h")) != -1) {
		switch (opt) {
		case '6':
			v6 = 1;
			tag = "ipip_decap -6";
			break;
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

	raw = open_raw();
	if (raw < 0)
		goto out;
	tun = open_tun(ifname);
	if (tun < 0)
		goto out;
	if (pidfile != NULL && write_pidfile(pidfile) < 0) {
		fprintf(stderr, "%s: pid file %s: %s\n", tag, pidfile, strerror(errno));
		pidfile = NULL;
		goto out;
	}
	fprintf(stderr, "%s: decapsulating %s into %s\n", tag, v6 ? "IPv6-in-IPv6" : "IP-in-IP",
		ifname);

	while (!stop_requested) {
		struct pollfd pfd = {.fd = raw, .events = POLLIN};

		if (dump_requested) {
			dump_requested = 0;
			dump_counters(&cnt);
		}
		if (ppoll(&pfd, 1, NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", tag, strerror(errno));
			goto out;
		}
		/* Drain what is queued before going back to sleep. */
		for (;;) {
			enum drop_reason why;
			uint8_t *inner = buf;
			ssize_t n, ilen;
			int outer_ecn;

			n = receive(raw, buf, sizeof(buf), &outer_ecn);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				fprintf(stderr, "%s: recv: %s\n", tag, strerror(errno));
				goto out;
			}
			cnt.rx++;
			if (v6)
				ilen = inner_packet6(buf, (size_t)n, outer_ecn, &cnt, &why);
			else
				ilen = inner_packet4(buf, (size_t)n, &inner, &why);
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
