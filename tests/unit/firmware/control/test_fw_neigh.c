/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>

#include <cmocka.h>

#include "common/tula_loop.h"
#include "firmware/control/fw_neigh.h"

struct fake {
	int solicits;
	uint32_t last_ip;
	uint16_t last_port;
	int hinted; /* last request was a unicast refresh */
	int changes;
};

static int fake_solicit(void *arg, uint16_t port, uint32_t ip, const struct rte_ether_addr *hint)
{
	struct fake *f = arg;

	f->solicits++;
	f->last_ip = ip;
	f->last_port = port;
	f->hinted = hint != NULL;
	return 0;
}

static void fake_changed(void *arg)
{
	((struct fake *)arg)->changes++;
}

static const struct fw_neigh_ops ops = {fake_solicit, fake_changed};
/* Fast timers so the test runs in well under a second. */
static const struct fw_neigh_params fast = {
	.retrans_ms = 20, .max_probes = 3, .reachable_ms = 100, .failed_retry_ms = 50};
static const struct rte_ether_addr mac1 = {{2, 0, 0, 0, 0, 0x11}};
static const struct rte_ether_addr mac2 = {{2, 0, 0, 0, 0, 0x22}};

static void run_for(struct tula_loop *loop, uint64_t ms)
{
	uint64_t end = tula_now_ms() + ms;

	while (tula_now_ms() < end)
		tula_loop_run_once(loop, 5);
}

static void wanted_address_is_solicited_at_once_and_resolves_on_reply(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct fake f = {0};
	struct fw_neigh *n = fw_neigh_new(loop, &fast, &ops, &f);
	uint16_t port = 0;
	uint32_t ip = inet_addr("10.0.1.11");
	struct rte_ether_addr got;

	(void)state;
	assert_int_equal(fw_neigh_set_wanted(n, &port, &ip, 1), 0);
	assert_int_equal(f.solicits, 1);
	assert_int_equal(f.last_ip, ip);
	assert_false(f.hinted);
	assert_int_equal(fw_neigh_lookup(n, 0, ip, &got), -EAGAIN);
	assert_int_equal(fw_neigh_lookup(n, 0, inet_addr("10.0.1.99"), &got), -ENOENT);

	fw_neigh_input(n, 0, ip, &mac1);
	assert_int_equal(fw_neigh_lookup(n, 0, ip, &got), 0);
	assert_memory_equal(&got, &mac1, sizeof(got));
	run_for(loop, 10);
	assert_int_equal(f.changes, 1); /* coalesced, delivered from the loop */
	fw_neigh_free(n);
	tula_loop_free(loop);
}

static void unanswered_address_fails_after_max_probes_and_keeps_being_asked(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct fake f = {0};
	struct fw_neigh *n = fw_neigh_new(loop, &fast, &ops, &f);
	uint16_t port = 1;
	uint32_t ip = inet_addr("10.0.2.1");
	struct rte_ether_addr got;
	int before;

	(void)state;
	fw_neigh_set_wanted(n, &port, &ip, 1);
	run_for(loop, 150); /* 3 probes 20 ms apart, then FAILED */
	assert_int_equal(fw_neigh_lookup(n, 1, ip, &got), -EHOSTUNREACH);
	assert_true(f.changes >= 1);
	before = f.solicits;
	run_for(loop, 160); /* FAILED still asks, every 50 ms */
	assert_true(f.solicits - before >= 1);
	assert_true(f.solicits - before <= 4);
	fw_neigh_input(n, 1, ip, &mac2); /* it comes back */
	assert_int_equal(fw_neigh_lookup(n, 1, ip, &got), 0);
	assert_memory_equal(&got, &mac2, sizeof(got));
	fw_neigh_free(n);
	tula_loop_free(loop);
}

static void reachable_entry_is_refreshed_unicast_and_fails_when_silent(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct fake f = {0};
	struct fw_neigh *n = fw_neigh_new(loop, &fast, &ops, &f);
	uint16_t port = 0;
	uint32_t ip = inet_addr("10.0.1.12");
	struct rte_ether_addr got;

	(void)state;
	fw_neigh_set_wanted(n, &port, &ip, 1);
	fw_neigh_input(n, 0, ip, &mac1);
	run_for(loop, 140); /* reachable time (100 ms) over: unicast refresh */
	assert_true(f.hinted);
	assert_int_equal(fw_neigh_lookup(n, 0, ip, &got), 0); /* still believed */
	fw_neigh_input(n, 0, ip, &mac1);		      /* refresh answered */
	f.changes = 0;
	run_for(loop, 20);
	assert_int_equal(f.changes, 0); /* same MAC: nothing to rebuild */
	run_for(loop, 300);		/* now silent: probe x3, then FAILED */
	assert_int_equal(fw_neigh_lookup(n, 0, ip, &got), -EHOSTUNREACH);
	assert_true(f.changes >= 1);
	fw_neigh_free(n);
	tula_loop_free(loop);
}

static void count_one(void *arg, const struct fw_neigh_entry *e)
{
	(void)e;
	(*(size_t *)arg)++;
}

static void mac_change_is_reported_and_unwanted_entries_forgotten(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct fake f = {0};
	struct fw_neigh *n = fw_neigh_new(loop, &fast, &ops, &f);
	uint16_t ports[2] = {0, 0};
	uint32_t ips[2] = {inet_addr("10.0.1.12"), inet_addr("10.0.1.11")};
	struct rte_ether_addr got;
	size_t count, count2 = 0;

	(void)state;
	fw_neigh_set_wanted(n, ports, ips, 2);
	fw_neigh_input(n, 0, ips[0], &mac1);
	run_for(loop, 5);
	f.changes = 0;
	fw_neigh_input(n, 0, ips[0], &mac2); /* the backend moved */
	run_for(loop, 5);
	assert_int_equal(f.changes, 1);
	assert_int_equal(fw_neigh_lookup(n, 0, ips[0], &got), 0);
	assert_memory_equal(&got, &mac2, sizeof(got));

	/* Learning from traffic is limited to wanted addresses. */
	fw_neigh_input(n, 0, inet_addr("10.0.1.77"), &mac1);
	assert_int_equal(fw_neigh_lookup(n, 0, inet_addr("10.0.1.77"), &got), -ENOENT);

	fw_neigh_set_wanted(n, &ports[1], &ips[1], 1);
	assert_int_equal(fw_neigh_lookup(n, 0, ips[0], &got), -ENOENT);
	count = fw_neigh_walk(n, count_one, &count2);
	assert_int_equal(count, 1);
	assert_int_equal(count2, 1);
	fw_neigh_free(n);
	tula_loop_free(loop);
}

static void collect(void *arg, const struct fw_neigh_entry *e)
{
	uint32_t **out = arg;

	*(*out)++ = e->ip;
}

static void walk_is_sorted_by_port_then_address(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct fake f = {0};
	struct fw_neigh *n = fw_neigh_new(loop, &fast, &ops, &f);
	uint16_t ports[4] = {1, 0, 0, 1};
	uint32_t ips[4] = {inet_addr("10.0.2.1"), inet_addr("10.0.1.200"), inet_addr("10.0.1.3"),
			   inet_addr("9.9.9.9")};
	uint32_t seen[4], *p = seen;

	(void)state;
	fw_neigh_set_wanted(n, ports, ips, 4);
	assert_int_equal(fw_neigh_walk(n, collect, &p), 4);
	assert_int_equal(seen[0], inet_addr("10.0.1.3"));
	assert_int_equal(seen[1], inet_addr("10.0.1.200"));
	assert_int_equal(seen[2], inet_addr("9.9.9.9"));
	assert_int_equal(seen[3], inet_addr("10.0.2.1"));
	fw_neigh_free(n);
	tula_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wanted_address_is_solicited_at_once_and_resolves_on_reply),
		cmocka_unit_test(unanswered_address_fails_after_max_probes_and_keeps_being_asked),
		cmocka_unit_test(reachable_entry_is_refreshed_unicast_and_fails_when_silent),
		cmocka_unit_test(mac_change_is_reported_and_unwanted_entries_forgotten),
		cmocka_unit_test(walk_is_sorted_by_port_then_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
