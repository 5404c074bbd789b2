/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ipip_probe: sends one hand-made IP-in-IP packet and reports what comes back, so a
 * lab test can check an L3 DSR backend without Tula in the path.
 *
 * It plays Tula's part: the outer header (protocol 4) is addressed to the backend, the
 * inner packet is what a client would have sent to the VIP (an ICMP echo request or a
 * TCP SYN). Because DSR answers go straight to the client, the answer is looked for in
 * another namespace (the client's), on a raw socket opened there before the program
 * moves into the sending namespace; a socket keeps the namespace it was created in.
 * ICMP errors about the outer packet (e.g. "protocol 4 unreachable" from a backend
 * without a decapsulator) are looked for in the sending namespace.
 *
 * --garbage sends malformed inner packets instead, to check that the decapsulator
 * drops them and survives.
 *
 * Output, one line per observation:
 *   reply icmp echo-reply from A to B len N
 *   reply tcp syn-ack from A:P to B:P
 *   icmp-error type T code C from A about A->B proto P
 *   timeout: no reply within MS ms
 * Exit status: 0 a matching reply arrived, 1 none did (or garbage was sent), 2 usage or
 * system error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IPIP_PROTO 4
#define BUF_SIZE   65536

enum mode { MODE_NONE, MODE_ICMP, MODE_TCP_SYN, MODE_GARBAGE };

struct probe {
	enum mode mode;
	struct in_addr outer_src, outer_dst, inner_src, inner_dst;
	int have_outer_src;
	unsigned int size; /* inner total length (ICMP) */
	uint16_t dport;	   /* TCP */
	uint16_t sport;	   /* TCP, chosen */
	uint32_t seq;	   /* TCP, chosen */
	uint16_t icmp_id;  /* ICMP, chosen */
	unsigned int timeout_ms;
	const char *garbage; /* kind, or "all" */
};

static void die_usage(const char *msg)
{
	if (msg != NULL)
		fprintf(stderr, "ipip_probe: %s\n", msg);
	fprintf(stderr,
		"usage: ipip_probe [--send-ns NS] [--recv-ns NS] [--outer-src A] --outer-dst A\n"
		"                  --inner-src A --inner-dst A\n"
		"                  (--icmp [--size N] | --tcp-syn PORT | --garbage KIND|all)\n"
		"                  [--timeout MS]\n"
		"garbage kinds: empty short version hdrlen totlen checksum\n");
	exit(2);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		sum += (uint32_t)(p[i] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* A 20-byte IPv4 header at p for a packet of tot bytes; checksum filled in. */
static void build_ip(uint8_t *p, unsigned int tot, uint8_t proto, struct in_addr src,
		     struct in_addr dst)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)tot);
	put16(p + 4, (uint16_t)(getpid() & 0xffff));
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, &src, 4);
	memcpy(p + 16, &dst, 4);
	put16(p + 10, csum_fold(csum_add(0, p, 20)));
}

static void icmp_payload(uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

/* Builds the inner packet for the probe into buf; returns its length. */
static size_t build_inner(struct probe *pr, uint8_t *buf)
{
	if (pr->mode == MODE_ICMP) {
		uint8_t *icmp = buf + 20;
		size_t len = pr->size - 20;

		memset(icmp, 0, 8);
		icmp[0] = 8; /* echo request */
		put16(icmp + 4, pr->icmp_id);
		put16(icmp + 6, 1);
		icmp_payload(icmp + 8, len - 8);
		put16(icmp + 2, csum_fold(csum_add(0, icmp, len)));
		build_ip(buf, pr->size, IPPROTO_ICMP, pr->inner_src, pr->inner_dst);
		return pr->size;
	}
	/* TCP SYN with an MSS option, the way a client's first packet looks. */
	uint8_t *tcp = buf + 20, pseudo[12];
	size_t tlen = 24;

	memset(tcp, 0, tlen);
	put16(tcp, pr->sport);
	put16(tcp + 2, pr->dport);
	put32(tcp + 4, pr->seq);
	tcp[12] = (uint8_t)((tlen / 4) << 4);
	tcp[13] = 0x02; /* SYN */
	put16(tcp + 14, 64240);
	tcp[20] = 2;
	tcp[21] = 4;
	put16(tcp + 22, 1460);
	memcpy(pseudo, &pr->inner_src, 4);
	memcpy(pseudo + 4, &pr->inner_dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	put16(pseudo + 10, (uint16_t)tlen);
	put16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, tlen)));
	build_ip(buf, (unsigned int)(20 + tlen), IPPROTO_TCP, pr->inner_src, pr->inner_dst);
	return 20 + tlen;
}

/* A malformed inner packet of the given kind; returns its length or 0 if unknown. */
static size_t build_garbage(struct probe *pr, const char *kind, uint8_t *buf)
{
	pr->mode = MODE_ICMP;
	pr->size = 84;
	size_t len = build_inner(pr, buf);

	if (strcmp(kind, "empty") == 0)
		return 0 + 1; /* one stray byte: nothing that could be a header */
	if (strcmp(kind, "short") == 0)
		return 12;
	if (strcmp(kind, "version") == 0) {
		buf[0] = 0x65;
		return len;
	}
	if (strcmp(kind, "hdrlen") == 0) {
		buf[0] = 0x43;
		return len;
	}
	if (strcmp(kind, "totlen") == 0) {
		put16(buf + 2, (uint16_t)(len + 100));
		put16(buf + 10, 0);
		put16(buf + 10, csum_fold(csum_add(0, buf, 20)));
		return len;
	}
	if (strcmp(kind, "checksum") == 0) {
		buf[10] ^= 0x5a;
		return len;
	}
	return 0;
}

static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (strchr(name, '/') != NULL)
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "ipip_probe: namespace %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		fprintf(stderr, "ipip_probe: setns %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int raw_socket(int proto)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, proto);

	if (fd < 0)
		fprintf(stderr, "ipip_probe: raw socket (protocol %d): %s\n", proto,
			strerror(errno));
	return fd;
}

static const char *ntoa(const uint8_t *p, char *out)
{
	return inet_ntop(AF_INET, p, out, INET_ADDRSTRLEN);
}

/* Is this datagram (from the client's side) the answer to our probe? Prints it if so. */
static int check_reply(const struct probe *pr, const uint8_t *p, size_t n)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	size_t ihl;

	if (n < 20 || (p[0] >> 4) != 4)
		return 0;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || ihl > n || memcmp(p + 12, &pr->inner_dst, 4) != 0 ||
	    memcmp(p + 16, &pr->inner_src, 4) != 0)
		return 0;
	const uint8_t *l4 = p + ihl;
	size_t l4len = n - ihl;

	if (pr->mode == MODE_ICMP && p[9] == IPPROTO_ICMP && l4len >= 8 && l4[0] == 0 &&
	    get16(l4 + 4) == pr->icmp_id && get16(l4 + 6) == 1) {
		uint8_t want[BUF_SIZE];
		size_t plen = pr->size - 28;

		icmp_payload(want, plen);
		if (l4len - 8 != plen || memcmp(l4 + 8, want, plen) != 0) {
			printf("bad-reply icmp echo-reply from %s payload differs (%zu bytes)\n",
			       ntoa(p + 12, a), l4len - 8);
			return 0;
		}
		printf("reply icmp echo-reply from %s to %s len %zu\n", ntoa(p + 12, a),
		       ntoa(p + 16, b), n);
		return 1;
	}
	if (pr->mode == MODE_TCP_SYN && p[9] == IPPROTO_TCP && l4len >= 20 &&
	    get16(l4) == pr->dport && get16(l4 + 2) == pr->sport) {
		if ((l4[13] & 0x12) == 0x12 && get32(l4 + 8) == pr->seq + 1) {
			printf("reply tcp syn-ack from %s:%u to %s:%u\n", ntoa(p + 12, a),
			       pr->dport, ntoa(p + 16, b), pr->sport);
			return 1;
		}
		printf("bad-reply tcp flags 0x%02x from %s:%u\n", l4[13], ntoa(p + 12, a),
		       pr->dport);
	}
	return 0;
}

/* Prints ICMP errors (from the sending side) that are about our outer packet. */
static void check_icmp_error(const struct probe *pr, const uint8_t *p, size_t n)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN];
	size_t ihl;

	if (n < 20 || (p[0] >> 4) != 4 || p[9] != IPPROTO_ICMP)
		return;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || n < ihl + 8 + 20)
		return;
	const uint8_t *icmp = p + ihl, *orig = icmp + 8;

	if (icmp[0] != 3 && icmp[0] != 11 && icmp[0] != 12)
		return;
	if (orig[9] != IPIP_PROTO || memcmp(orig + 16, &pr->outer_dst, 4) != 0)
		return;
	printf("icmp-error type %u code %u from %s about %s->%s proto %u\n", icmp[0], icmp[1],
	       ntoa(p + 12, a), ntoa(orig + 12, b), ntoa(orig + 16, c), orig[9]);
}

static int parse_addr(const char *s, struct in_addr *a, const char *what)
{
	if (inet_pton(AF_INET, s, a) != 1) {
		fprintf(stderr, "ipip_probe: %s: '%s' is not an IPv4 address\n", what, s);
		exit(2);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[BUF_SIZE];
	static const struct option opts[] = {
		{"send-ns", required_argument, NULL, 'S'},
		{"recv-ns", required_argument, NULL, 'R'},
		{"outer-src", required_argument, NULL, 's'},
		{"outer-dst", required_argument, NULL, 'd'},
		{"inner-src", required_argument, NULL, 'a'},
		{"inner-dst", required_argument, NULL, 'b'},
		{"icmp", no_argument, NULL, 'i'},
		{"size", required_argument, NULL, 'z'},
		{"tcp-syn", required_argument, NULL, 't'},
		{"garbage", required_argument, NULL, 'g'},
		{"timeout", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *send_ns = NULL, *recv_ns = NULL;
	struct probe pr = {.size = 84, .timeout_ms = 2000};
	int have[4] = {0}, opt, rx = -1, tx = -1, err = -1;
	struct sockaddr_in dst = {.sin_family = AF_INET};
	long v;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'S':
			send_ns = optarg;
			break;
		case 'R':
			recv_ns = optarg;
			break;
		case 's':
			parse_addr(optarg, &pr.outer_src, "--outer-src");
			pr.have_outer_src = 1;
			break;
		case 'd':
			have[0] = !parse_addr(optarg, &pr.outer_dst, "--outer-dst");
			break;
		case 'a':
			have[1] = !parse_addr(optarg, &pr.inner_src, "--inner-src");
			break;
		case 'b':
			have[2] = !parse_addr(optarg, &pr.inner_dst, "--inner-dst");
			break;
		case 'i':
			pr.mode = MODE_ICMP;
			break;
		case 'z':
			v = strtol(optarg, NULL, 10);
			if (v < 28 || v > 65515)
				die_usage("--size: inner total length must be 28..65515");
			pr.size = (unsigned int)v;
			break;
		case 't':
			v = strtol(optarg, NULL, 10);
			if (v < 1 || v > 65535)
				die_usage("--tcp-syn: port must be 1..65535");
			pr.mode = MODE_TCP_SYN;
			pr.dport = (uint16_t)v;
			break;
		case 'g':
			pr.mode = MODE_GARBAGE;
			pr.garbage = optarg;
			break;
		case 'w':
			v = strtol(optarg, NULL, 10);
			if (v < 1 || v > 60000)
				die_usage("--timeout: milliseconds must be 1..60000");
			pr.timeout_ms = (unsigned int)v;
			break;
		case 'h':
		default:
			die_usage(NULL);
		}
	}
	if (optind != argc || pr.mode == MODE_NONE || !have[0] || !have[1] || !have[2])
		die_usage("missing or extra arguments");

	srand((unsigned int)(getpid() ^ time(NULL)));
	pr.sport = (uint16_t)(33000 + rand() % 28000);
	pr.seq = (uint32_t)rand() * 2654435761u;
	pr.icmp_id = (uint16_t)rand();

	/* The reply socket must be created in the client's namespace, before moving. */
	if (pr.mode != MODE_GARBAGE) {
		if (recv_ns != NULL && enter_netns(recv_ns) < 0)
			return 2;
		rx = raw_socket(pr.mode == MODE_ICMP ? IPPROTO_ICMP : IPPROTO_TCP);
		if (rx < 0)
			return 2;
	}
	if (send_ns != NULL && enter_netns(send_ns) < 0)
		return 2;
	tx = raw_socket(IPIP_PROTO);
	err = raw_socket(IPPROTO_ICMP);
	if (tx < 0 || err < 0)
		return 2;
	if (pr.have_outer_src) {
		struct sockaddr_in src = {.sin_family = AF_INET, .sin_addr = pr.outer_src};

		if (bind(tx, (struct sockaddr *)&src, sizeof(src)) < 0) {
			fprintf(stderr, "ipip_probe: bind %s: %s\n", inet_ntoa(pr.outer_src),
				strerror(errno));
			return 2;
		}
	}
	dst.sin_addr = pr.outer_dst;

	if (pr.mode == MODE_GARBAGE) {
		static const char *const kinds[] = {"empty",  "short",	"version",
						    "hdrlen", "totlen", "checksum"};
		const char *want = pr.garbage;
		int sent = 0;

		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
			if (strcmp(want, "all") != 0 && strcmp(want, kinds[k]) != 0)
				continue;
			size_t len = build_garbage(&pr, kinds[k], buf);

			if (sendto(tx, buf, len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
				fprintf(stderr, "ipip_probe: send: %s\n", strerror(errno));
				return 2;
			}
			printf("sent garbage %s (%zu bytes)\n", kinds[k], len);
			sent++;
		}
		if (sent == 0)
			die_usage("--garbage: unknown kind");
		return 1;
	}

	size_t len = build_inner(&pr, buf);

	if (sendto(tx, buf, len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		fprintf(stderr, "ipip_probe: send %zu bytes to %s: %s\n", len,
			inet_ntoa(pr.outer_dst), strerror(errno));
		return 2;
	}
	fflush(stdout);

	uint64_t deadline = now_ms() + pr.timeout_ms;

	for (;;) {
		struct pollfd pfd[2] = {{.fd = rx, .events = POLLIN},
					{.fd = err, .events = POLLIN}};
		uint64_t now = now_ms();
		ssize_t n;

		if (now >= deadline)
			break;
		if (poll(pfd, 2, (int)(deadline - now)) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "ipip_probe: poll: %s\n", strerror(errno));
			return 2;
		}
		if (pfd[0].revents & POLLIN) {
			n = recv(rx, buf, sizeof(buf), 0);
			if (n > 0 && check_reply(&pr, buf, (size_t)n))
				return 0;
		}
		if (pfd[1].revents & POLLIN) {
			n = recv(err, buf, sizeof(buf), 0);
			if (n > 0)
				check_icmp_error(&pr, buf, (size_t)n);
		}
		fflush(stdout);
	}
	printf("timeout: no reply within %u ms\n", pr.timeout_ms);
	return 1;
}
