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

/* ---- IPv6 tables (RFC 4861 7.3) --------------------------------------------------- */

struct fake6 {
	int solicits;
	struct fw_ip6 last_ip;
	uint16_t last_port;
	int hinted;
	struct rte_ether_addr hint;
	int changes;
};

static int fake_solicit6(void *arg, uint16_t port, const struct fw_ip6 *ip,
			 const struct rte_ether_addr *hint)
{
	struct fake6 *f = arg;

	f->solicits++;
	f->last_ip = *ip;
	f->last_port = port;
	f->hinted = hint != NULL;
	if (hint != NULL)
		f->hint = *hint;
	return 0;
}

static void fake_changed6(void *arg)
{
	((struct fake6 *)arg)->changes++;
}

static const struct fw_neigh_ops ops6 = {.changed = fake_changed6, .solicit6 = fake_solicit6};
static const struct fw_neigh_params fast6 = {.retrans_ms = 20,
					     .max_probes = 3,
					     .reachable_ms = 100,
					     .failed_retry_ms = 50,
					     .delay_ms = 60,
					     .solicit_per_s = 100000};

static struct fw_ip6 ip6(const char *s)
{
	struct fw_ip6 a;

	assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

static void find_state(void *arg, const struct fw_neigh_entry *e)
{
	struct {
		uint16_t port;
		struct fw_ip6 ip;
		int state;
	} *w = arg;

	if (e->port == w->port && fw_ip6_eq(&e->ip6, &w->ip))
		w->state = (int)e->state;
}

static enum fw_neigh_state state6(const struct fw_neigh *n, uint16_t port, struct fw_ip6 ip)
{
	struct {
		uint16_t port;
		struct fw_ip6 ip;
		int state;
	} want = {port, ip, -1};

	fw_neigh_walk(n, find_state, &want);
	assert_int_not_equal(want.state, -1);
	return (enum fw_neigh_state)want.state;
}

#define ADV_S_O (FW_NEIGH_F_ADVERT | FW_NEIGH_F_SOLICITED | FW_NEIGH_F_OVERRIDE)

static void v6_address_is_solicited_by_multicast_and_reachable_on_solicited_na(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct fake6 f = {0};
	struct fw_neigh *n = fw_neigh_new6(loop, &fast6, &ops6, &f);
	uint16_t port = 0;
	struct fw_ip6 ip = ip6("2001:db8:1::11"), other = ip6("2001:db8:1::99");
	struct rte_ether_addr got;

	(void)state;
	assert_int_equal(fw_neigh_family(n), FW_AF_INET6);
	assert_int_equal(fw_neigh_set_wanted6(n, &port, &ip, 1), 0);
	assert_int_equal(f.solicits, 1);
	assert_memory_equal(f.last_ip.b, ip.b, 16);
	assert_false(f.hinted); /* INCOMPLETE: to the solicited-node group */
	assert_int_equal(fw_neigh_lookup6(n, 0, &ip, &got), -EAGAIN);
	assert_int_equal(fw_neigh_lookup6(n, 0, &other, &got), -ENOENT);
	/* an advertisement without a link-layer address teaches nothing */
	fw_neigh_input6(n, 0, &ip, NULL, ADV_S_O);
	assert_int_equal(fw_neigh_lookup6(n, 0, &ip, &got), -EAGAIN);

	fw_neigh_input6(n, 0, &ip, &mac1, ADV_S_O);
	assert_int_equal(fw_neigh_lookup6(n, 0, &ip, &got), 0);
	assert_memory_equal(&got, &mac1, sizeof(got));
	assert_int_equal(state6(n, 0, ip), FW_NEIGH_REACHABLE);
	run_for(loop, 10);
	assert_int_equal(f.changes, 1);
	/* an IPv4 call on an IPv6 table finds nothing */
	assert_int_equal(fw_neigh_lookup(n, 0, 0x0b01000a, &got), -ENOENT);
	assert_int_equal(fw_neigh_set_wanted(n, &port, (uint32_t[]){1}, 1), -EAFNOSUPPORT);
	fw_neigh_free(n);
	tula_loop_free(loop);
}

static void v6_reachable_goes_stale_then_probes_unicast_and_fails_when_silent(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct fake6 f = {0};
	struct fw_neigh *n = fw_neigh_new6(loop, &fast6, &ops6, &f);
	uint16_t port = 0;
	struct fw_ip6 ip = ip6("2001:db8:1::12");
	struct rte_ether_addr got;
	int before;

	(void)state;
	fw_neigh_set_wanted6(n, &port, &ip, 1);
	fw_neigh_input6(n, 0, &ip, &mac1, ADV_S_O);
	run_for(loop, 10);
	f.changes = 0;
	before = f.solicits;
	run_for(loop, 120); /* reachable time (100 ms) over: STALE, still used, nothing sent */
	assert_int_equal(state6(n, 0, ip), FW_NEIGH_STALE);
	assert_int_equal(fw_neigh_lookup6(n, 0, &ip, &got), 0);
	assert_int_equal(f.solicits, before);
	assert_int_equal(f.changes, 0);
	run_for(loop, 70); /* delay (60 ms) over: PROBE, unicast to the known MAC */
	assert_int_equal(state6(n, 0, ip), FW_NEIGH_PROBE);
	assert_true(f.solicits > before);
	assert_true(f.hinted);
	assert_memory_equal(&f.hint, &mac1, sizeof(mac1));
	assert_int_equal(fw_neigh_lookup6(n, 0, &ip, &got), 0);
	/* the probe answered (solicited): REACHABLE again, same MAC, nothing to rebuild */
	fw_neigh_input6(n, 0, &ip, &mac1, FW_NEIGH_F_ADVERT | FW_NEIGH_F_SOLICITED);
	assert_int_equal(state6(n, 0, ip), FW_NEIGH_REACHABLE);
	run_for(loop, 10);
	assert_int_equal(f.changes, 0);
	/* now silent: stale, probe x3 (20 ms apart), FAILED and reported */
	run_for(loop, 400);
	assert_int_equal(state6(n, 0, ip), FW_NEIGH_FAILED);
	assert_int_equal(fw_neigh_lookup6(n, 0, &ip, &got), -EHOSTUNREACH);
	assert_true(f.changes >= 1);
	assert_false(f.hinted); /* FAILED asks the group again */
	fw_neigh_free(n);
	tula_loop_free(loop);
}

static void v6_unsolicited_na_and_ns_teach_a_stale_mac(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct fake6 f = {0};
	struct fw_neigh *n = fw_neigh_new6(loop, &fast6, &ops6, &f);
	uint16_t ports[2] = {0, 0};
	struct fw_ip6 ips[2] = {ip6("2001:db8:1::21"), ip6("2001:db8:1::22")};
	struct rte_ether_addr got;

	(void)state;
	fw_neigh_set_wanted6(n, ports, ips, 2);
	/* an announcement (S clear) for an INCOMPLETE entry: MAC learned, STALE (used) */
	fw_neigh_input6(n, 0, &ips[0], &mac1, FW_NEIGH_F_ADVERT | FW_NEIGH_F_OVERRIDE);
	assert_int_equal(state6(n, 0, ips[0]), FW_NEIGH_STALE);
	assert_int_equal(fw_neigh_lookup6(n, 0, &ips[0], &got), 0);
	assert_memory_equal(&got, &mac1, sizeof(got));
	/* a solicitation from the other one, with its source link-layer address */
	fw_neigh_input6(n, 0, &ips[1], &mac2, 0);
	assert_int_equal(state6(n, 0, ips[1]), FW_NEIGH_STALE);
	assert_int_equal(fw_neigh_lookup6(n, 0, &ips[1], &got), 0);
	assert_memory_equal(&got, &mac2, sizeof(got));
	run_for(loop, 10);
	assert_int_equal(f.changes, 1); /* both coalesced into one rebuild */
	/* a solicitation without the option teaches nothing */
	fw_neigh_input6(n, 0, &ips[1], NULL, 0);
	assert_int_equal(state6(n, 0, ips[1]), FW_NEIGH_STALE);
	fw_neigh_free(n);
	tula_loop_free(loop);
}

static void v6_other_mac_without_override_is_doubted_with_override_replaces(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct fake6 f = {0};
	struct fw_neigh *n = fw_neigh_new6(loop, &fast6, &ops6, &f);
	uint16_t port = 0;
	struct fw_ip6 ip = ip6("2001:db8:1::31");
	struct rte_ether_addr got;

	(void)state;
	fw_neigh_set_wanted6(n, &port, &ip, 1);
	fw_neigh_input6(n, 0, &ip, &mac1, ADV_S_O);
	run_for(loop, 10);
	f.changes = 0;
	/* RFC 4861 7.2.5: no Override, another MAC: keep ours, but REACHABLE -> STALE */
	fw_neigh_input6(n, 0, &ip, &mac2, FW_NEIGH_F_ADVERT | FW_NEIGH_F_SOLICITED);
	assert_int_equal(state6(n, 0, ip), FW_NEIGH_STALE);
	assert_int_equal(fw_neigh_lookup6(n, 0, &ip, &got), 0);
	assert_memory_equal(&got, &mac1, sizeof(got));
	run_for(loop, 10);
	assert_int_equal(f.changes, 0);
	/* with Override the new MAC wins, and the state is rebuilt */
	fw_neigh_input6(n, 0, &ip, &mac2, ADV_S_O);
	assert_int_equal(state6(n, 0, ip), FW_NEIGH_REACHABLE);
	assert_int_equal(fw_neigh_lookup6(n, 0, &ip, &got), 0);
	assert_memory_equal(&got, &mac2, sizeof(got));
	run_for(loop, 10);
	assert_int_equal(f.changes, 1);
	/* an unsolicited announcement of a new MAC with Override: replaced, but STALE */
	fw_neigh_input6(n, 0, &ip, &mac1, FW_NEIGH_F_ADVERT | FW_NEIGH_F_OVERRIDE);
	assert_int_equal(state6(n, 0, ip), FW_NEIGH_STALE);
	assert_int_equal(fw_neigh_lookup6(n, 0, &ip, &got), 0);
	assert_memory_equal(&got, &mac1, sizeof(got));
	fw_neigh_free(n);
	tula_loop_free(loop);
}

static void count_unasked(void *arg, const struct fw_neigh_entry *e)
{
	if (e->probes == 0)
		(*(size_t *)arg)++;
}

static void v6_solicitations_are_rate_limited_over_the_table(void **state)
{
	struct tula_loop *loop = tula_loop_new();
	struct fake6 f = {0};
	struct fw_neigh_params slow = fast6;
	struct fw_neigh *n;
	uint16_t ports[50] = {0};
	struct fw_ip6 ips[50];
	uint64_t t0;
	int first;
	size_t unasked = 0;

	(void)state;
	slow.solicit_per_s = 50; /* a bucket of 50, one more every 20 ms */
	slow.retrans_ms = 1000;	 /* so that only first solicitations are due */
	n = fw_neigh_new6(loop, &slow, &ops6, &f);
	for (int i = 0; i < 50; i++) {
		ips[i] = ip6("2001:db8:1::1000");
		ips[i].b[15] = (uint8_t)i;
	}
	fw_neigh_set_wanted6(n, ports, ips, 50);
	assert_int_equal(f.solicits, 50); /* the bucket starts full */
	for (int i = 0; i < 50; i++) {
		ips[i].b[14] = 0x20; /* 50 new ones: the bucket is empty now */
	}
	t0 = tula_now_ms();
	fw_neigh_set_wanted6(n, ports, ips, 50);
	first = f.solicits;
	assert_true(first <= 51);
	run_for(loop, 200);
	/* at 50/s, 200 ms pay for about 10 more (tick granularity: allow a few) */
	assert_true(f.solicits - first >= 5);
	assert_true((uint64_t)(f.solicits - first) <= 2 + (tula_now_ms() - t0) / 20);
	run_for(loop, 1000); /* the rest follow, none is forgotten */
	fw_neigh_walk(n, count_unasked, &unasked);
	assert_int_equal(unasked, 0);
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
		cmocka_unit_test(
			v6_address_is_solicited_by_multicast_and_reachable_on_solicited_na),
		cmocka_unit_test(v6_reachable_goes_stale_then_probes_unicast_and_fails_when_silent),
		cmocka_unit_test(v6_unsolicited_na_and_ns_teach_a_stale_mac),
		cmocka_unit_test(v6_other_mac_without_override_is_doubted_with_override_replaces),
		cmocka_unit_test(v6_solicitations_are_rate_limited_over_the_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
