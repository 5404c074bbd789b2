/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TAP exception path against the real kernel, inside a private network namespace
 * (unshare), so nothing on the host is touched. Needs root (CAP_NET_ADMIN). IPv6
 * frames are built and checked with fw_ndp (itself checked against scapy's).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "firmware/control/fw_ndp.h"
#include "firmware/control/fw_tap.h"

static const struct rte_ether_addr tap_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x10}};
static const struct rte_ether_addr peer_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x02}};

static int has_addr(const char *ifname, const char *addr)
{
	struct ifaddrs *ifa, *it;
	int found = 0;
	char buf[INET_ADDRSTRLEN];

	if (getifaddrs(&ifa) < 0)
		return 0;
	for (it = ifa; it != NULL; it = it->ifa_next) {
		if (it->ifa_addr == NULL || it->ifa_addr->sa_family != AF_INET ||
		    strcmp(it->ifa_name, ifname) != 0)
			continue;
		inet_ntop(AF_INET, &((struct sockaddr_in *)it->ifa_addr)->sin_addr, buf,
			  sizeof(buf));
		if (strcmp(buf, addr) == 0)
			found = 1;
	}
	freeifaddrs(ifa);
	return found;
}

static void tap_carries_addresses_and_removes_them(void **state)
{
	struct fw_tap *tap = fw_tap_open("tt-tap0", &tap_mac, 1500);

	(void)state;
	assert_non_null(tap);
	assert_true(fw_tap_ifindex(tap) > 0);
	assert_int_equal(fw_tap_addr(tap, 1, inet_addr("10.0.1.10"), 24), 0);
	assert_int_equal(fw_tap_addr(tap, 1, inet_addr("10.0.1.10"), 24), 0); /* idempotent */
	assert_true(has_addr("tt-tap0", "10.0.1.10"));
	assert_int_equal(fw_tap_addr(tap, 0, inet_addr("10.0.1.10"), 24), 0);
	assert_false(has_addr("tt-tap0", "10.0.1.10"));
	assert_int_equal(fw_tap_addr(tap, 0, inet_addr("10.0.1.10"), 24), 0); /* idempotent */
	fw_tap_close(tap);
	assert_int_equal(if_nametoindex("tt-tap0"), 0); /* gone with its descriptor */
}

/* Read frames from the TAP for up to timeout_ms until one has the given EtherType. */
static ssize_t read_frame(struct fw_tap *tap, uint8_t *buf, size_t len, uint16_t ethertype,
			  int timeout_ms)
{
	struct pollfd pfd = {.fd = fw_tap_fd(tap), .events = POLLIN};
	int waited = 0;

	while (waited < timeout_ms) {
		ssize_t n;

		if (poll(&pfd, 1, 20) < 0)
			return -errno;
		waited += 20;
		n = fw_tap_read(tap, buf, len);
		if (n > 14 && buf[12] == (ethertype >> 8) && buf[13] == (ethertype & 0xff))
			return n;
	}
	return 0;
}

static void kernel_answers_arp_for_self_address_through_tap(void **state)
{
	struct fw_tap *tap = fw_tap_open("tt-tap1", &tap_mac, 1500);
	uint8_t req[42] = {0}, rep[256];
	uint32_t spa = inet_addr("10.0.1.2"), tpa = inet_addr("10.0.1.10");
	ssize_t n;

	(void)state;
	assert_non_null(tap);
	assert_int_equal(fw_tap_addr(tap, 1, tpa, 24), 0);
	/* ARP who-has 10.0.1.10 tell 10.0.1.2, broadcast */
	memset(req, 0xff, 6);
	memcpy(req + 6, peer_mac.addr_bytes, 6);
	req[12] = 0x08, req[13] = 0x06;
	req[14] = 0, req[15] = 1, req[16] = 0x08, req[17] = 0, req[18] = 6, req[19] = 4;
	req[20] = 0, req[21] = 1;
	memcpy(req + 22, peer_mac.addr_bytes, 6);
	memcpy(req + 28, &spa, 4);
	memcpy(req + 38, &tpa, 4);
	assert_int_equal(fw_tap_write(tap, req, sizeof(req)), 0);

	n = read_frame(tap, rep, sizeof(rep), 0x0806, 2000);
	assert_true(n >= 42);
	assert_memory_equal(rep, peer_mac.addr_bytes, 6);    /* to the asker */
	assert_memory_equal(rep + 6, tap_mac.addr_bytes, 6); /* from the TAP's (port's) MAC */
	assert_int_equal(rep[21], 2);			     /* reply */
	assert_memory_equal(rep + 22, tap_mac.addr_bytes, 6);
	assert_memory_equal(rep + 28, &tpa, 4);
	fw_tap_close(tap);
}

static void static_route_and_permanent_neighbour_are_installed(void **state)
{
	struct fw_tap *tap = fw_tap_open("tt-tap2", &tap_mac, 1500);
	uint8_t frame[1600];
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(9)};
	ssize_t n;
	int s;

	(void)state;
	assert_non_null(tap);
	assert_int_equal(fw_tap_addr(tap, 1, inet_addr("10.0.1.10"), 24), 0);
	assert_int_equal(fw_tap_neigh(tap, 1, inet_addr("10.0.1.1"), &peer_mac), 0);
	assert_int_equal(fw_tap_route(tap, 1, inet_addr("10.9.0.0"), 16, inet_addr("10.0.1.1")), 0);
	/* A datagram to 10.9.1.1 leaves through the TAP to the gateway's MAC, no ARP needed. */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(s >= 0);
	dst.sin_addr.s_addr = inet_addr("10.9.1.1");
	assert_int_equal(sendto(s, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst)), 1);
	n = read_frame(tap, frame, sizeof(frame), 0x0800, 2000);
	assert_true(n >= 34);
	assert_memory_equal(frame, peer_mac.addr_bytes, 6);
	assert_memory_equal(frame + 6, tap_mac.addr_bytes, 6);
	assert_memory_equal(frame + 30, &dst.sin_addr.s_addr, 4);
	close(s);
	assert_int_equal(fw_tap_route(tap, 0, inet_addr("10.9.0.0"), 16, inet_addr("10.0.1.1")), 0);
	assert_int_equal(fw_tap_neigh(tap, 0, inet_addr("10.0.1.1"), NULL), 0);
	fw_tap_close(tap);
}

/* ---- IPv6 ------------------------------------------------------------------------- */

static struct fw_ip6 ip6(const char *s)
{
	struct fw_ip6 a;

	assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

static int read_sysctl(const char *ifname, const char *leaf)
{
	char path[256], buf[16] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/%s", ifname, leaf);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = 0;
	fclose(f);
	return atoi(buf);
}

/* A UDP socket can bind an address only once it is not tentative (DAD done or skipped). */
static int bindable6(const char *addr)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
	int s = socket(AF_INET6, SOCK_DGRAM, 0), rc;

	inet_pton(AF_INET6, addr, &sa.sin6_addr);
	rc = bind(s, (struct sockaddr *)&sa, sizeof(sa));
	close(s);
	return rc == 0;
}

static void tap_ipv6_is_off_until_enabled_then_addresses_work_at_once_without_dad(void **state)
{
	struct fw_tap *tap = fw_tap_open("tt-tap3", &tap_mac, 1500);
	struct fw_ip6 a = ip6("2001:db8:1::10");
	struct pollfd pfd;
	uint8_t f[1600];
	int waited, icmp6 = 0;

	(void)state;
	assert_non_null(tap);
	assert_int_equal(read_sysctl("tt-tap3", "disable_ipv6"), 1);
	assert_int_equal(fw_tap_ipv6(tap, 1), 0);
	assert_int_equal(read_sysctl("tt-tap3", "disable_ipv6"), 0);
	assert_int_equal(fw_tap_addr6(tap, 1, &a, 64), 0);
	assert_int_equal(fw_tap_addr6(tap, 1, &a, 64), 0); /* idempotent */
	assert_true(bindable6("2001:db8:1::10"));	   /* not tentative: no DAD */
	/* For two seconds (past the kernel's router-solicitation delay of up to 1 s), the
	 * kernel sends neither a Router Solicitation nor a DAD probe (NS from ::). */
	pfd = (struct pollfd){.fd = fw_tap_fd(tap), .events = POLLIN};
	for (waited = 0; waited < 2000; waited += 20) {
		ssize_t n;

		poll(&pfd, 1, 20);
		while ((n = fw_tap_read(tap, f, sizeof(f))) > 0) {
			static const uint8_t unspecified[16];

			if (n < 14 + 40 + 4 || f[12] != 0x86 || f[13] != 0xdd || f[14 + 6] != 58)
				continue;
			icmp6++;
			assert_int_not_equal(f[14 + 40], 133); /* Router Solicitation */
			if (f[14 + 40] == 135)
				assert_memory_not_equal(f + 14 + 8, unspecified, 16);
		}
	}
	(void)icmp6; /* MLD reports may go out: switches that snoop need them */
	assert_int_equal(fw_tap_addr6(tap, 0, &a, 64), 0);
	assert_false(bindable6("2001:db8:1::10"));
	assert_int_equal(fw_tap_addr6(tap, 0, &a, 64), 0); /* idempotent */
	assert_int_equal(fw_tap_ipv6(tap, 0), 0);
	fw_tap_close(tap);
}

static void kernel_answers_ns_for_self_v6_address_through_tap(void **state)
{
	struct fw_tap *tap = fw_tap_open("tt-tap4", &tap_mac, 1500);
	struct fw_ip6 a = ip6("2001:db8:1::10"), peer = ip6("2001:db8:1::2");
	uint8_t ns[FW_NDP_FRAME_LEN], f[1600];
	struct fw_ndp_msg m = {0};
	struct pollfd pfd;
	int found = 0;

	(void)state;
	assert_non_null(tap);
	assert_int_equal(fw_tap_ipv6(tap, 1), 0);
	assert_int_equal(fw_tap_addr6(tap, 1, &a, 64), 0);
	assert_int_equal(fw_ndp_build_ns(ns, sizeof(ns), &peer_mac, NULL, &peer, &a),
			 FW_NDP_FRAME_LEN);
	pfd = (struct pollfd){.fd = fw_tap_fd(tap), .events = POLLIN};
	for (int waited = 0; waited < 3000 && !found; waited += 20) {
		ssize_t n;

		/* again every 200 ms: the kernel joins the address's solicited-node group
		 * from a work queue, a moment after the address is added */
		if (waited % 200 == 0)
			assert_int_equal(fw_tap_write(tap, ns, sizeof(ns)), 0);
		poll(&pfd, 1, 20);
		while (!found && (n = fw_tap_read(tap, f, sizeof(f))) > 0)
			found = fw_ndp_parse(f, (size_t)n, &m) == FW_NDP_OK && m.type == FW_ND_NA;
	}
	assert_true(found);
	assert_memory_equal(m.target.b, a.b, 16);
	assert_memory_equal(m.dst.b, peer.b, 16);
	assert_true(m.flags & FW_NA_F_SOLICITED);
	assert_true(m.has_lla);
	assert_memory_equal(m.lla.addr_bytes, tap_mac.addr_bytes, 6);
	assert_memory_equal(m.eth_dst.addr_bytes, peer_mac.addr_bytes, 6);
	fw_tap_close(tap);
}

static void v6_static_route_and_permanent_neighbour_are_installed(void **state)
{
	struct fw_tap *tap = fw_tap_open("tt-tap5", &tap_mac, 1500);
	struct fw_ip6 a = ip6("2001:db8:1::10"), gw = ip6("2001:db8:1::1"),
		      net = ip6("2001:db8:9::");
	struct sockaddr_in6 dst = {.sin6_family = AF_INET6, .sin6_port = htons(9)};
	uint8_t frame[1600];
	ssize_t n;
	int s;

	(void)state;
	assert_non_null(tap);
	assert_int_equal(fw_tap_ipv6(tap, 1), 0);
	assert_int_equal(fw_tap_addr6(tap, 1, &a, 64), 0);
	assert_int_equal(fw_tap_neigh6(tap, 1, &gw, &peer_mac), 0);
	assert_int_equal(fw_tap_route6(tap, 1, &net, 48, &gw), 0);
	/* A datagram to 2001:db8:9::1 leaves through the TAP to the gateway's MAC, no NS. */
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	assert_true(s >= 0);
	inet_pton(AF_INET6, "2001:db8:9::1", &dst.sin6_addr);
	assert_int_equal(sendto(s, "x", 1, 0, (struct sockaddr *)&dst, sizeof(dst)), 1);
	do
		n = read_frame(tap, frame, sizeof(frame), 0x86dd, 2000);
	while (n > 0 && frame[14 + 6] != 17); /* skip MLD and the like: the UDP datagram */
	assert_true(n >= 14 + 40 + 8);
	assert_memory_equal(frame, peer_mac.addr_bytes, 6);
	assert_memory_equal(frame + 6, tap_mac.addr_bytes, 6);
	assert_memory_equal(frame + 14 + 24, &dst.sin6_addr, 16);
	assert_memory_equal(frame + 14 + 8, a.b, 16); /* from the self address */
	close(s);
	assert_int_equal(fw_tap_route6(tap, 0, &net, 48, &gw), 0);
	assert_int_equal(fw_tap_route6(tap, 0, &net, 48, &gw), 0); /* idempotent */
	assert_int_equal(fw_tap_neigh6(tap, 0, &gw, NULL), 0);
	fw_tap_close(tap);
}

static void joining_a_vip_solicited_node_group_sends_an_mld_report(void **state)
{
	struct fw_tap *tap = fw_tap_open("tt-tap6", &tap_mac, 1500);
	struct fw_ip6 g = ip6("ff02::1:ff00:100");
	struct pollfd pfd;
	uint8_t f[1600];
	int found = 0;

	(void)state;
	assert_non_null(tap);
	assert_int_equal(fw_tap_ipv6(tap, 1), 0);
	assert_int_equal(fw_tap_mcast6(tap, 1, &g), 0);
	assert_int_equal(fw_tap_mcast6(tap, 1, &g), 0); /* joining twice is fine */
	pfd = (struct pollfd){.fd = fw_tap_fd(tap), .events = POLLIN};
	for (int waited = 0; waited < 3000 && !found; waited += 20) {
		ssize_t n;

		poll(&pfd, 1, 20);
		while (!found && (n = fw_tap_read(tap, f, sizeof(f))) > 0) {
			/* IPv6, Hop-by-Hop (router alert), then ICMPv6 MLDv2 report (143) */
			if (n < 14 + 40 + 8 + 8 + 20 || f[12] != 0x86 || f[13] != 0xdd ||
			    f[14 + 6] != 0 || f[14 + 40] != 58 || f[14 + 48] != 143)
				continue;
			for (ssize_t i = 14 + 48 + 8; i + 20 <= n; i += 20 + 16 * (f[i + 3]))
				if (memcmp(f + i + 4, g.b, 16) == 0)
					found = 1;
		}
	}
	assert_true(found);
	assert_memory_equal(f + 6, tap_mac.addr_bytes, 6);
	assert_int_equal(fw_tap_mcast6(tap, 0, &g), 0);
	assert_int_equal(fw_tap_mcast6(tap, 0, &g), 0); /* leaving twice is fine */
	fw_tap_close(tap);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tap_carries_addresses_and_removes_them),
		cmocka_unit_test(kernel_answers_arp_for_self_address_through_tap),
		cmocka_unit_test(static_route_and_permanent_neighbour_are_installed),
		cmocka_unit_test(
			tap_ipv6_is_off_until_enabled_then_addresses_work_at_once_without_dad),
		cmocka_unit_test(kernel_answers_ns_for_self_v6_address_through_tap),
		cmocka_unit_test(v6_static_route_and_permanent_neighbour_are_installed),
		cmocka_unit_test(joining_a_vip_solicited_node_group_sends_an_mld_report),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_fw_tap needs root (it creates a network namespace)\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
