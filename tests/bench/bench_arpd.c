/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP responder for the forwarding benchmark: answers ARP requests on IFACE for
 * COUNT addresses from FIRST with made-up MACs (02:be: + the address), which belong to
 * no interface.
 *
 * Why: the benchmark's backends are only addresses. The frames a forwarder sends to
 * them come back on the generator's veth; addressed to a MAC nobody owns, the kernel
 * drops every one of them at once (PACKET_OTHERHOST), exactly as it drops the frames
 * testpmd's io mode sends back unchanged. Were the backends the veth's own addresses,
 * the kernel would route (and drop) Tula's frames further up its stack, on the
 * forwarder's CPU, and the comparison would be unfair. (This kernel has no tc
 * classifiers to drop them earlier.)
 *
 * A classic BPF filter lets only ARP requests reach the socket, so the returning data
 * frames cost the kernel one filter run each.
 *
 *   bench_arpd IFACE FIRST COUNT      runs until killed (SIGTERM)
 */
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/if_ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	/* ldh [12]; jne #0x806 drop; ldh [20]; jne #1 drop; ret #-1; drop: ret #0 */
	struct sock_filter code[] = {
		{0x28, 0, 0, 12}, {0x15, 0, 3, ETH_P_ARP},  {0x28, 0, 0, 20},
		{0x15, 0, 1, 1},  {0x06, 0, 0, 0xffffffff}, {0x06, 0, 0, 0},
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	struct sockaddr_ll sll = {0};
	struct in_addr first;
	unsigned long count;
	unsigned int ifindex;
	uint8_t mymac[6];
	int fd;

	if (argc != 4 || inet_pton(AF_INET, argv[2], &first) != 1 ||
	    (count = strtoul(argv[3], NULL, 0)) == 0) {
		fprintf(stderr, "usage: bench_arpd IFACE FIRST-IPV4 COUNT\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (ifindex == 0) {
		perror(argv[1]);
		return 1;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ARP));
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
		perror("bench_arpd: socket");
		return 1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = (int)ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		perror("bench_arpd: bind");
		return 1;
	}
	printf("bench_arpd: answering for %s + %lu addresses on %s\n", argv[2], count - 1, argv[1]);
	fflush(stdout);
	for (;;) {
		uint8_t f[64];
		struct ether_header *eh = (struct ether_header *)f;
		struct ether_arp *a = (struct ether_arp *)(eh + 1);
		uint32_t tip, idx;
		ssize_t n = recv(fd, f, sizeof(f), 0);

		if (n < (ssize_t)(sizeof(*eh) + sizeof(*a)) || ntohs(a->arp_op) != ARPOP_REQUEST)
			continue;
		memcpy(&tip, a->arp_tpa, 4);
		idx = ntohl(tip) - ntohl(first.s_addr);
		if (idx >= count)
			continue;
		mymac[0] = 0x02;
		mymac[1] = 0xbe;
		memcpy(mymac + 2, &tip, 4);
		/* The reply: to the asker, from the made-up MAC. */
		memcpy(eh->ether_dhost, a->arp_sha, 6);
		memcpy(eh->ether_shost, mymac, 6);
		a->arp_op = htons(ARPOP_REPLY);
		memcpy(a->arp_tha, a->arp_sha, 6);
		memcpy(a->arp_tpa, a->arp_spa, 4);
		memcpy(a->arp_sha, mymac, 6);
		memcpy(a->arp_spa, &tip, 4);
		if (send(fd, f, sizeof(*eh) + sizeof(*a), 0) < 0)
			perror("bench_arpd: send");
	}
}
