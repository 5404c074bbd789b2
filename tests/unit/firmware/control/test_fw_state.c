/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The forwarding-state builder: what it accepts and refuses, how backends resolve
 * (L2 connected neighbour, L3 route -> next hop -> neighbour), and how identities
 * (slots, generations) carry over from the published state.
 */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "firmware/control/fw_maglev.h"
#include "tt_topo.h"

static int setup(void **state)
{
	static struct tt_topo t;

	tt_topo_setup(&t, NULL);
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	tt_topo_teardown(*state);
	return 0;
}

static struct fw_state *with_port(struct tt_topo *t)
{
	struct fw_port_def pd = {
		.port_id = TT_PORT, .mac = {{2, 0, 0, 0, 0, 1}}, .mtu = 1500, .nb_queues = 1};
	struct fw_state *st = fw_state_new(t->dp);

	assert_non_null(st);
	assert_int_equal(fw_state_add_port(st, &pd), 0);
	assert_int_equal(fw_state_add_address(st, TT_PORT, TT_A(10, 0, 1, 10), 24), 0);
	return st;
}

static void test_bad_definitions_are_refused_with_their_errno(void **state)
{
	struct tt_topo *t = *state;
	struct fw_state *st = with_port(t);
	struct fw_port_def pd = {.port_id = TT_PORT, .mtu = 1500, .nb_queues = 1};
	struct fw_vip_def vd = {
		.addr = TT_A(10, 0, 1, 100), .proto = IPPROTO_TCP, .port = 80, .port_id = TT_PORT};
	struct fw_backend_def bd = {.addr = TT_A(10, 0, 1, 11), .weight = 1, .up = 1};
	int vip;

	assert_int_equal(fw_state_add_port(st, &pd), -EEXIST);
	assert_int_equal(fw_state_add_address(st, 9, TT_A(10, 0, 9, 1), 24), -ENODEV);
	assert_int_equal(fw_state_add_address(st, TT_PORT, TT_A(10, 0, 1, 10), 24), -EEXIST);
	assert_int_equal(fw_state_add_route(st, TT_A(10, 0, 2, 1), 24, TT_A(10, 0, 1, 1)),
			 -EINVAL); /* host bits set */
	vip = fw_state_add_vip(st, &vd);
	assert_true(vip >= 0);
	assert_int_equal(fw_state_add_vip(st, &vd), -EEXIST); /* same address/proto/port */
	vd.proto = IPPROTO_ICMP;
	assert_int_equal(fw_state_add_vip(st, &vd), -EINVAL);
	vd.proto = IPPROTO_UDP;
	vd.port_id = 3;
	assert_int_equal(fw_state_add_vip(st, &vd), -ENODEV);
	assert_true(fw_state_add_backend(st, vip, &bd) >= 0);
	assert_int_equal(fw_state_add_backend(st, vip, &bd), -EEXIST);
	assert_int_equal(fw_state_add_backend(st, vip + 1, &bd), -ENOENT);
	assert_int_equal(fw_state_finalize(st), 0);
	assert_int_equal(fw_state_finalize(st), -EALREADY);
	fw_state_free(st);
}

static void test_a_vip_on_a_self_address_is_refused_at_finalize(void **state)
{
	struct tt_topo *t = *state;
	struct fw_state *st = with_port(t);
	struct fw_vip_def vd = {
		.addr = TT_A(10, 0, 1, 10), .proto = IPPROTO_TCP, .port = 80, .port_id = TT_PORT};

	assert_true(fw_state_add_vip(st, &vd) >= 0);
	assert_int_equal(fw_state_finalize(st), -EEXIST);
	fw_state_free(st);
}

static void test_a_static_route_needs_a_connected_gateway(void **state)
{
	struct tt_topo *t = *state;
	struct fw_state *st = with_port(t);

	assert_int_equal(fw_state_add_route(st, TT_A(10, 0, 2, 0), 24, TT_A(10, 9, 9, 1)), 0);
	assert_int_equal(fw_state_finalize(st), -EINVAL);
	fw_state_free(st);
}

static void test_a_default_route_reaches_any_routed_backend(void **state)
{
	struct tt_topo *t = *state;
	struct fw_state *st = with_port(t);
	struct rte_ether_addr gw_mac = {{2, 0, 0, 0, 0, 0xfe}};
	struct fw_vip_def vd = {.addr = TT_A(10, 0, 1, 200),
				.proto = IPPROTO_TCP,
				.port = 80,
				.mode = FW_MODE_L3,
				.port_id = TT_PORT};
	struct fw_backend_def bd = {.addr = TT_A(192, 168, 7, 7), .weight = 1, .up = 1};
	uint32_t nh;
	uint8_t pi;
	int v, be;

	/* rte_lpm has no depth 0: 0.0.0.0/0 must still cover both halves of the space */
	assert_int_equal(fw_state_add_route(st, 0, 0, TT_A(10, 0, 1, 1)), 0);
	assert_int_equal(fw_state_add_neighbour(st, TT_PORT, TT_A(10, 0, 1, 1), &gw_mac), 0);
	v = fw_state_add_vip(st, &vd);
	be = fw_state_add_backend(st, v, &bd);
	assert_true(v >= 0 && be >= 0);
	assert_int_equal(fw_state_finalize(st), 0);
	assert_true(st->backends[be].usable);
	assert_int_equal(st->backends[be].nexthop, TT_A(10, 0, 1, 1));
	assert_int_equal(fw_state_route_lookup(st, TT_A(8, 8, 8, 8), &nh, &pi), 0);
	assert_int_equal(nh, TT_A(10, 0, 1, 1));
	assert_int_equal(fw_state_route_lookup(st, TT_A(200, 1, 2, 3), &nh, &pi), 0);
	assert_int_equal(nh, TT_A(10, 0, 1, 1));
	/* the connected subnet still wins over the default route */
	assert_int_equal(fw_state_route_lookup(st, TT_A(10, 0, 1, 50), &nh, &pi), 0);
	assert_int_equal(nh, TT_A(10, 0, 1, 50));
	fw_state_free(st);
}

static void test_backends_resolve_through_neighbours_and_routes(void **state)
{
	struct tt_topo *t = *state;
	const struct fw_state *st = fw_dp_state(t->dp);
	struct fw_state *s2 = with_port(t);
	struct fw_vip_def vd = {
		.addr = TT_A(10, 0, 1, 100), .proto = IPPROTO_TCP, .port = 80, .port_id = TT_PORT};
	struct fw_backend_def bd = {.weight = 1, .up = 1};
	uint32_t nh;
	uint8_t pi;
	int v, l2_far, l2_unknown, l3_noneigh;

	/* The topology: be3 via the static route's gateway, be1 directly. */
	assert_int_equal(st->backends[t->be3].nexthop, TT_A(10, 0, 1, 1));
	assert_memory_equal(&st->backends[t->be3].mac, ((uint8_t[]){2, 0, 0, 0, 0, 0xfe}), 6);
	assert_true(st->backends[t->be3].usable);
	assert_int_equal(st->backends[t->be1].nexthop, TT_A(10, 0, 1, 11));
	assert_int_equal(fw_state_route_lookup(st, TT_A(10, 0, 2, 99), &nh, &pi), 0);
	assert_int_equal(nh, TT_A(10, 0, 1, 1));
	assert_int_equal(fw_state_route_lookup(st, TT_A(10, 0, 1, 50), &nh, &pi), 0);
	assert_int_equal(nh, TT_A(10, 0, 1, 50)); /* connected: the address itself */
	assert_int_equal(fw_state_route_lookup(st, TT_A(8, 8, 8, 8), &nh, &pi), -ENETUNREACH);
	assert_int_equal(fw_state_backend_share(st, t->be1), 65537); /* alone in web */

	/* Unresolved backends are kept but never chosen. */
	v = fw_state_add_vip(s2, &vd);
	bd.addr = TT_A(10, 0, 7, 7); /* L2 but not on a connected subnet */
	l2_far = fw_state_add_backend(s2, v, &bd);
	bd.addr = TT_A(10, 0, 1, 77); /* connected, no ARP entry yet */
	l2_unknown = fw_state_add_backend(s2, v, &bd);
	vd.port = 443;
	vd.mode = FW_MODE_L3;
	v = fw_state_add_vip(s2, &vd);
	bd.addr = TT_A(10, 0, 1, 78); /* L3, connected, no neighbour */
	l3_noneigh = fw_state_add_backend(s2, v, &bd);
	assert_int_equal(fw_state_finalize(s2), 0);
	assert_false(s2->backends[l2_far].resolved);
	assert_false(s2->backends[l2_unknown].resolved);
	assert_false(s2->backends[l3_noneigh].resolved);
	assert_int_equal(fw_state_backend_share(s2, l2_unknown), 0);
	fw_state_free(s2);
}

static void test_identities_carry_over_by_vip_key_and_backend_address(void **state)
{
	struct tt_topo *t = *state;
	const struct fw_state *old = fw_dp_state(t->dp);
	struct tt_opts o = {.web_backends = 3};
	uint32_t web_gen = old->vips[t->web].gen, be1_gen = old->backends[t->be1].gen;
	int old_web = t->web, old_be1 = t->be1;
	const struct fw_state *st;

	assert_int_equal(fw_dp_publish_sync(t->dp, tt_topo_state(t, &o)), 0);
	st = fw_dp_state(t->dp);
	assert_int_equal(t->web, old_web);
	assert_int_equal(st->vips[t->web].gen, web_gen);
	assert_int_equal(t->be1, old_be1);
	assert_int_equal(st->backends[t->be1].gen, be1_gen);
	assert_int_equal(fw_state_vip_slot(st, TT_A(10, 0, 1, 100), IPPROTO_TCP, 80), t->web);
	assert_int_equal(fw_state_backend_slot(st, t->web, TT_A(10, 0, 1, 11)), t->be1);
	/* New backends got new generations. */
	assert_true(st->backends[fw_state_backend_slot(st, t->web, TT_A(10, 0, 1, 20))].gen >
		    be1_gen);
}

static const uint8_t *slot_addr(const void *arg, uint16_t slot)
{
	const struct fw_state *st = arg;

	return (const uint8_t *)&st->backends[slot].addr;
}

struct vip_of {
	const struct fw_state *st;
	const struct fw_state_vip *v;
};

static const uint8_t *index_addr(const void *arg, uint16_t idx)
{
	const struct vip_of *a = arg;

	return (const uint8_t *)&a->st->backends[a->v->backends[idx]].addr;
}

/*
 * The Maglev table holds indices into the VIP's backend list, where it held backend
 * slots: every entry still names the backend a table of slots would (built from the
 * same backends), so the fingerprint boxes compare is the same for a configuration.
 */
static void test_maglev_indices_pick_what_a_table_of_slots_picks(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o = {.web_backends = 16, .web_down_mask = 0x4, .web_weight0_mask = 0x10};
	struct fw_state *st = tt_topo_state(t, &o);
	const struct fw_state_vip *v = &st->vips[t->web];
	struct fw_maglev_backend mb[16];
	uint16_t *slots = calloc(st->maglev_size, sizeof(*slots));
	struct vip_of vo = {st, v};
	uint32_t i, n = 0;

	assert_non_null(slots);
	for (i = 0; i < v->nb_backends; i++) {
		const struct fw_state_backend *b = &st->backends[v->backends[i]];

		if (!b->usable)
			continue;
		mb[n] = (struct fw_maglev_backend){
			.addr = b->addr, .weight = b->weight, .id = (uint16_t)v->backends[i]};
		n++;
	}
	assert_int_equal(n, 15); /* one down; weight 0 is usable and takes no entry */
	/* slots differ from indices (the published state's backends kept theirs) */
	for (i = 0; i < v->nb_backends && v->backends[i] == i; i++)
		;
	assert_true(i < v->nb_backends);
	assert_int_equal(fw_maglev_build(slots, st->maglev_size, mb, n), 0);
	for (i = 0; i < st->maglev_size; i++) {
		assert_true(v->maglev[i] < v->nb_backends);
		assert_int_equal(v->backends[v->maglev[i]], slots[i]);
	}
	assert_true(
		fw_maglev_fingerprint(v->maglev, st->maglev_size, FW_AF_INET, index_addr, &vo) ==
		fw_maglev_fingerprint(slots, st->maglev_size, FW_AF_INET, slot_addr, st));
	free(slots);
	fw_state_free(st);
}

static int setup_70000(void **state)
{
	static struct tt_topo t;
	struct fw_dp_conf c = {
		.nb_workers = 1, .flow_entries = 4096, .max_vips = 64, .max_backends = 70000};

	tt_topo_setup(&t, &c);
	*state = &t;
	return 0;
}

/*
 * One VIP holds FW_VIP_MAX_BACKENDS (65535) backends, not one more (-E2BIG), whatever
 * the slots left; its Maglev table holds indices into its list, up to 65534, which name
 * the backends' slots through vip->backends. Another VIP takes the slots left.
 */
static void test_a_vip_holds_65535_backends_indexed_by_its_maglev_table(void **state)
{
	struct tt_topo *t = *state;
	struct fw_state *st = with_port(t);
	struct rte_ether_addr gw_mac = {{2, 0, 0, 0, 0, 0xfe}};
	struct fw_vip_def vd = {.addr = TT_A(10, 0, 1, 200),
				.proto = IPPROTO_TCP,
				.port = 80,
				.mode = FW_MODE_L3,
				.port_id = TT_PORT};
	struct fw_backend_def bd = {.weight = 1, .up = 1};
	const struct fw_state_vip *sv;
	uint32_t i, last = 0, hits = 0;
	int v, v2, be;

	assert_int_equal(fw_state_add_route(st, 0, 0, TT_A(10, 0, 1, 1)), 0);
	assert_int_equal(fw_state_add_neighbour(st, TT_PORT, TT_A(10, 0, 1, 1), &gw_mac), 0);
	v = fw_state_add_vip(st, &vd);
	assert_true(v >= 0);
	for (i = 0; i < FW_VIP_MAX_BACKENDS; i++) {
		bd.addr = rte_cpu_to_be_32(0x0b000000u + i); /* 11.0.0.0 + i, routed */
		be = fw_state_add_backend(st, v, &bd);
		assert_true(be >= 0);
		last = (uint32_t)be;
	}
	bd.addr = rte_cpu_to_be_32(0x0b000000u + FW_VIP_MAX_BACKENDS);
	assert_int_equal(fw_state_add_backend(st, v, &bd), -E2BIG);
	vd.port = 81;
	v2 = fw_state_add_vip(st, &vd);
	assert_true(v2 >= 0);
	assert_true(fw_state_add_backend(st, v2, &bd) >= 0);
	assert_int_equal(fw_state_finalize(st), 0);
	sv = &st->vips[v];
	assert_int_equal(sv->nb_backends, FW_VIP_MAX_BACKENDS);
	assert_int_equal(sv->backends[FW_VIP_MAX_BACKENDS - 1], last);
	for (i = 0; i < st->maglev_size; i++) {
		assert_true(sv->maglev[i] < FW_VIP_MAX_BACKENDS); /* all usable: no empty entry */
		hits += sv->maglev[i] == FW_VIP_MAX_BACKENDS - 1;
	}
	/* the last index's share is the last slot's, counted through the list */
	assert_true(hits >= 1);
	assert_int_equal(fw_state_backend_share(st, (int)last), hits);
	fw_state_free(st);
}

static void test_drop_and_event_names(void **state)
{
	(void)state;
	assert_string_equal(fw_drop_name(FW_DROP_IP_CHECKSUM), "ip-bad-checksum");
	assert_string_equal(fw_event_name(FW_EV_PTB_SENT), "icmp-frag-needed-sent");
	assert_null(fw_drop_name(FW_DROP_MAX));
	assert_null(fw_event_name(FW_EV_MAX));
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * `show services dsr` gives every backend its share of the VIP's Maglev table. With
 * 1 000 VIPs of 20 backends, one scan of the table per backend (fw_state_backend_share)
 * read 1.3 G entries; fw_state_vip_shares counts a VIP's backends in one pass. Both
 * agree on every backend (the show's share column is unchanged), weighted ones
 * included, and the counts of a VIP add up to the table. The
 * figures of both, printed, are the ones reported for the change.
 */
static void test_vip_shares_count_every_backend_in_one_pass(void **state)
{
	struct fw_dp_conf conf = {
		.nb_workers = 1, .flow_entries = 4096, .max_vips = 1000, .max_backends = 20000};
	struct rte_ether_addr gw_mac = {{2, 0, 0, 0, 0, 0xfe}};
	struct tt_topo t;
	struct fw_state *st;
	struct timespec t0;
	uint32_t counts[20];
	double one_pass, per_backend;
	int vips[1000], v, j;
	uint64_t sum, fp = 0;

	(void)state;
	tt_topo_setup(&t, &conf);
	st = with_port(&t);
	assert_int_equal(fw_state_add_route(st, 0, 0, TT_A(10, 0, 1, 1)), 0);
	assert_int_equal(fw_state_add_neighbour(st, TT_PORT, TT_A(10, 0, 1, 1), &gw_mac), 0);
	for (v = 0; v < 1000; v++) {
		struct fw_vip_def vd = {.addr = TT_A(10, 0, 1, 200),
					.proto = IPPROTO_TCP,
					.port = (uint16_t)(1000 + v),
					.mode = FW_MODE_L3,
					.port_id = TT_PORT};

		vips[v] = fw_state_add_vip(st, &vd);
		assert_true(vips[v] >= 0);
		for (j = 0; j < 20; j++) {
			uint32_t n = (uint32_t)(v * 20 + j + 1);
			struct fw_backend_def bd = {.addr = TT_A(10, 100, n >> 8, n & 255),
						    .weight = 1 + (uint32_t)j % 3,
						    .up = 1};

			snprintf(bd.name, sizeof(bd.name), "b%d", j);
			assert_true(fw_state_add_backend(st, vips[v], &bd) >= 0);
		}
	}
	assert_int_equal(fw_state_finalize(st), 0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (v = 0; v < 1000; v++)
		assert_int_equal(fw_state_vip_shares(st, vips[v], counts), 0);
	one_pass = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (v = 0; v < 1000; v++)
		for (j = 0; j < 20; j++)
			(void)fw_state_backend_share(st, st->vips[vips[v]].backends[j]);
	per_backend = ms_since(&t0);
	/* the other per-VIP pass of the show, for comparison */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (v = 0; v < 1000; v++) {
		struct vip_of a = {st, &st->vips[vips[v]]};

		fp ^= fw_maglev_fingerprint(a.v->maglev, st->maglev_size, FW_AF_INET, index_addr,
					    &a);
	}
	printf("figures: shares of 1000 VIPs x 20 backends: %.1f ms in one pass per VIP, "
	       "%.1f ms scanning the table per backend (the Maglev fingerprints of the same "
	       "show: %.1f ms)\n",
	       one_pass, per_backend, ms_since(&t0));
	assert_true(fp != 0);
	for (v = 0; v < 1000; v += 37) {
		const struct fw_state_vip *vp = &st->vips[vips[v]];

		assert_int_equal(fw_state_vip_shares(st, vips[v], counts), 0);
		sum = 0;
		for (j = 0; j < 20; j++) {
			assert_int_equal(counts[j], fw_state_backend_share(st, vp->backends[j]));
			sum += counts[j];
		}
		assert_int_equal(sum, st->maglev_size);
		assert_true(counts[2] > counts[0]); /* weight 3 against weight 1 */
	}
	assert_int_equal(fw_state_vip_shares(st, 1000, counts), -ENOENT);
	fw_state_free(st);
	tt_topo_teardown(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_bad_definitions_are_refused_with_their_errno),
		T(test_a_vip_on_a_self_address_is_refused_at_finalize),
		T(test_a_static_route_needs_a_connected_gateway),
		T(test_a_default_route_reaches_any_routed_backend),
		T(test_backends_resolve_through_neighbours_and_routes),
		T(test_identities_carry_over_by_vip_key_and_backend_address),
		T(test_maglev_indices_pick_what_a_table_of_slots_picks),
#undef T
		cmocka_unit_test_setup_teardown(
			test_a_vip_holds_65535_backends_indexed_by_its_maglev_table, setup_70000,
			teardown),
		cmocka_unit_test(test_drop_and_event_names),
		cmocka_unit_test(test_vip_shares_count_every_backend_in_one_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
