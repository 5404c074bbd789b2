/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TAP exception path against the real kernel, inside a private network namespace
 * (unshare), so nothing on the host is touched. Needs root (CAP_NET_ADMIN).
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tap_carries_addresses_and_removes_them),
		cmocka_unit_test(kernel_answers_arp_for_self_address_through_tap),
		cmocka_unit_test(static_route_and_permanent_neighbour_are_installed),
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
