/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv6 half of the forwarding-state builder: self addresses and the port's
 * link-local, connected and static v6 routes (rte_lpm6), neighbours, v6 VIPs and
 * backends (L2 on a connected subnet, L3 through a route), the v6 VIP map the workers
 * read (vip6_hash), identities carried over like v4 ones, and what is refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_hash.h>

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

static struct fw_ip6 a6(const char *s)
{
	struct fw_ip6 a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* a6 as a pointer to a temporary (block-scope compound literal). */
#define P6(s) (&(struct fw_ip6[]){a6(s)}[0])

static const struct rte_ether_addr PORT_MAC = {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
static const struct rte_ether_addr GW_MAC = {{2, 0, 0, 0, 0, 0xfe}};
static const struct rte_ether_addr BE_MAC = {{2, 0, 0, 0, 0, 0x11}};

/* A state with one port; with addr6 it has 2001:db8:1::10/64 on it. */
static struct fw_state *with_port6(struct tt_topo *t, int addr6)
{
	struct fw_port_def pd = {.port_id = TT_PORT, .mac = PORT_MAC, .mtu = 1500, .nb_queues = 1};
	struct fw_state *st = fw_state_new(t->dp);
	struct fw_ip6 a = a6("2001:db8:1::10");

	assert_non_null(st);
	assert_int_equal(fw_state_add_port(st, &pd), 0);
	if (addr6)
		assert_int_equal(fw_state_add_address6(st, TT_PORT, &a, 64), 0);
	return st;
}

static struct fw_vip_def vip6(const char *addr, uint16_t port, uint8_t mode)
{
	struct fw_vip_def vd = {.family = FW_AF_INET6,
				.addr6 = a6(addr),
				.proto = IPPROTO_TCP,
				.port = port,
				.mode = mode,
				.port_id = TT_PORT};

	snprintf(vd.name, sizeof(vd.name), "v6-%u", port);
	return vd;
}

static struct fw_backend_def be6(const char *addr)
{
	struct fw_backend_def bd = {.family = FW_AF_INET6, .addr6 = a6(addr), .weight = 1, .up = 1};

	return bd;
}

/* The data a worker gets from vip6_hash for key k, or -1 when k is absent. */
static long lookup6(const struct fw_state *st, const char *addr, uint8_t proto, uint16_t port,
		    uint8_t kind)
{
	struct fw_vip6_key k = {.addr = a6(addr), .port = port, .proto = proto, .kind = kind};
	void *data;

	assert_non_null(st->vip6_hash);
	if (rte_hash_lookup_data(st->vip6_hash, &k, &data) < 0)
		return -1;
	return (long)(uintptr_t)data;
}

static void test_the_link_local_address_is_the_modified_eui64_of_the_port_mac(void **state)
{
	struct fw_state *st = with_port6(*state, 0);
	struct fw_ip6 want = a6("fe80::5054:ff:fe12:3456"); /* 0x52 ^ 0x02 = 0x50 */

	assert_memory_equal(&st->ports[0].link_local, &want, sizeof(want));
	fw_state_free(st);
}

static void test_a_v4_only_state_has_no_v6_map_and_no_v6_routes(void **state)
{
	const struct fw_state *st = fw_dp_state(((struct tt_topo *)*state)->dp);

	assert_null(st->vip6_hash);
	assert_null(st->lpm6);
	assert_int_equal(st->nb_routes6, 0);
}

static void test_v6_addresses_routes_and_neighbours_are_checked_and_looked_up(void **state)
{
	struct fw_state *st = with_port6(*state, 1);
	struct fw_ip6 a = a6("2001:db8:1::10"), b = a6("2001:db8:1::11"), nh, gw;
	struct fw_ip6 pfx = a6("2001:db8:2::"), any = a6("::"), mc = a6("ff02::1");
	uint8_t pi = 0xaa;

	assert_int_equal(fw_state_add_address6(st, TT_PORT, &a, 64), -EEXIST);
	assert_int_equal(fw_state_add_address6(st, TT_PORT, &b, 129), -EINVAL);
	assert_int_equal(fw_state_add_address6(st, TT_PORT, &any, 64), -EINVAL);
	assert_int_equal(fw_state_add_address6(st, TT_PORT, &mc, 64), -EINVAL);
	assert_int_equal(fw_state_add_address6(st, 9, &b, 64), -ENODEV);
	/* a second address in the same subnet: one connected route */
	assert_int_equal(fw_state_add_address6(st, TT_PORT, &b, 64), 0);
	assert_int_equal(st->nb_routes6, 1);
	assert_int_equal(st->ports[0].nb_addrs6, 2);
	gw = a6("2001:db8:1::1");
	assert_int_equal(fw_state_add_route6(st, &a, 64, &gw), -EINVAL); /* host bits set */
	assert_int_equal(fw_state_add_route6(st, &pfx, 48, &gw), 0);
	assert_int_equal(fw_state_add_route6(st, &pfx, 48, &gw), -EEXIST);
	assert_int_equal(fw_state_add_route6(st, &pfx, 64, &any), -EINVAL); /* no gateway */
	assert_int_equal(fw_state_add_neighbour6(st, TT_PORT, &gw, &GW_MAC), 0);
	assert_int_equal(fw_state_add_neighbour6(st, TT_PORT, &gw, &GW_MAC), -EEXIST);
	assert_int_equal(fw_state_add_neighbour6(st, 9, &gw, &GW_MAC), -ENODEV);
	assert_int_equal(fw_state_finalize(st), 0);
	assert_int_equal(fw_state_add_address6(st, TT_PORT, &pfx, 64), -EINVAL); /* finalized */

	/* static: the gateway; connected: the address itself; else unreachable */
	nh = any;
	assert_int_equal(fw_state_route6_lookup(st, P6("2001:db8:2:ffff::99"), &nh, &pi), 0);
	assert_memory_equal(&nh, &gw, sizeof(gw));
	assert_int_equal(pi, 0);
	assert_int_equal(fw_state_route6_lookup(st, P6("2001:db8:1::50"), &nh, &pi), 0);
	assert_memory_equal(&nh, P6("2001:db8:1::50"), sizeof(nh));
	assert_int_equal(fw_state_route6_lookup(st, P6("2001:db8:9::1"), &nh, &pi), -ENETUNREACH);

	/* self addresses, the link-local included, are in the worker's map */
	assert_int_equal(lookup6(st, "2001:db8:1::10", 0, 0, FW_VK_ADDRESS), 0 | FW_VK_SELF_BIT);
	assert_int_equal(lookup6(st, "2001:db8:1::11", 0, 0, FW_VK_ADDRESS), 0 | FW_VK_SELF_BIT);
	assert_int_equal(lookup6(st, "fe80::5054:ff:fe12:3456", 0, 0, FW_VK_ADDRESS),
			 0 | FW_VK_SELF_BIT);
	assert_int_equal(lookup6(st, "2001:db8:1::12", 0, 0, FW_VK_ADDRESS), -1);
	fw_state_free(st);
}

static void test_a_static_v6_route_needs_a_connected_gateway(void **state)
{
	struct fw_state *st = with_port6(*state, 1);
	struct fw_ip6 pfx = a6("2001:db8:2::"), gw = a6("2001:db8:9::1");

	assert_int_equal(fw_state_add_route6(st, &pfx, 64, &gw), 0);
	assert_int_equal(fw_state_finalize(st), -EINVAL);
	fw_state_free(st);
}

static void test_a_default_v6_route_covers_the_whole_space(void **state)
{
	struct fw_state *st = with_port6(*state, 1);
	struct fw_ip6 any = a6("::"), gw = a6("2001:db8:1::1"), nh;
	uint8_t pi;

	/* rte_lpm6 has no depth 0: ::/0 must still cover both halves of the space */
	assert_int_equal(fw_state_add_route6(st, &any, 0, &gw), 0);
	assert_int_equal(fw_state_finalize(st), 0);
	assert_int_equal(fw_state_route6_lookup(st, P6("2a00::1"), &nh, &pi), 0);
	assert_memory_equal(&nh, &gw, sizeof(gw));
	assert_int_equal(fw_state_route6_lookup(st, P6("fd00::1"), &nh, &pi), 0);
	assert_memory_equal(&nh, &gw, sizeof(gw));
	fw_state_free(st);
}

static void test_l2_v6_backends_resolve_on_a_connected_subnet_through_neighbours(void **state)
{
	struct fw_state *st = with_port6(*state, 1);
	struct fw_vip_def vd = vip6("2001:db8:1::100", 80, FW_MODE_L2);
	struct fw_backend_def b_ok = be6("2001:db8:1::21"), b_noneigh = be6("2001:db8:1::22"),
			      b_far = be6("2001:db8:7::7");
	int v, ok, noneigh, far;

	assert_int_equal(fw_state_add_neighbour6(st, TT_PORT, &b_ok.addr6, &BE_MAC), 0);
	/* a neighbour for the far one does not make it connected */
	assert_int_equal(fw_state_add_neighbour6(st, TT_PORT, &b_far.addr6, &BE_MAC), 0);
	v = fw_state_add_vip(st, &vd);
	assert_true(v >= 0);
	ok = fw_state_add_backend(st, v, &b_ok);
	noneigh = fw_state_add_backend(st, v, &b_noneigh);
	far = fw_state_add_backend(st, v, &b_far);
	assert_true(ok >= 0 && noneigh >= 0 && far >= 0);
	assert_int_equal(fw_state_finalize(st), 0);

	assert_int_equal(st->vips[v].family, FW_AF_INET6);
	assert_int_equal(st->vips[v].addr, 0);
	assert_true(st->backends[ok].usable);
	assert_int_equal(st->backends[ok].family, FW_AF_INET6);
	assert_memory_equal(&st->backends[ok].nexthop6, &b_ok.addr6, 16);
	assert_memory_equal(&st->backends[ok].mac, &BE_MAC, 6);
	assert_int_equal(st->backends[ok].port, 0);
	assert_false(st->backends[noneigh].resolved); /* kept, never chosen */
	assert_false(st->backends[far].resolved);
	assert_int_equal(fw_state_backend_share(st, ok), st->maglev_size); /* alone */
	assert_int_equal(fw_state_backend_share(st, noneigh), 0);
	fw_state_free(st);
}

static void test_l3_v6_backends_resolve_through_a_route_and_need_a_source(void **state)
{
	struct tt_topo *t = *state;
	struct fw_state *st = with_port6(t, 1);
	struct fw_ip6 pfx = a6("2001:db8:2::"), gw = a6("2001:db8:1::1");
	struct fw_vip_def vd = vip6("2001:db8:1::200", 443, FW_MODE_L3);
	struct fw_backend_def routed = be6("2001:db8:2::7"), lost = be6("2001:db8:3::7");
	int v, r, l;

	assert_int_equal(fw_state_add_route6(st, &pfx, 64, &gw), 0);
	assert_int_equal(fw_state_add_neighbour6(st, TT_PORT, &gw, &GW_MAC), 0);
	v = fw_state_add_vip(st, &vd);
	r = fw_state_add_backend(st, v, &routed);
	l = fw_state_add_backend(st, v, &lost);
	assert_true(v >= 0 && r >= 0 && l >= 0);
	assert_int_equal(fw_state_finalize(st), 0);
	assert_true(st->backends[r].usable);
	assert_memory_equal(&st->backends[r].nexthop6, &gw, 16);
	assert_memory_equal(&st->backends[r].mac, &GW_MAC, 6);
	assert_false(st->backends[l].resolved);		  /* no route */
	assert_int_equal(st->vips[v].tunnel_src6_len, 0); /* the port's address */
	fw_state_free(st);
}

/* A tunnel source is kept as a prefix (host bits cleared); none, or length 0, means
 * the egress port's first global v6 address (tunnel_src6_len 0). */
static void test_a_v6_tunnel_source_is_kept_as_a_prefix(void **state)
{
	struct tt_topo *t = *state;
	const char *src[] = {NULL, "2001:db8:ff::1234", "2001:db8:ff::1234"};
	uint8_t len[] = {0, 112, 0};
	const char *want[] = {"::", "2001:db8:ff::", "::"};

	for (int i = 0; i < 3; i++) {
		struct fw_state *st = with_port6(t, 1);
		struct fw_vip_def vd = vip6("2001:db8:1::200", 443, FW_MODE_L3);
		struct fw_backend_def bd = be6("2001:db8:1::7");
		int v, b;

		assert_int_equal(fw_state_add_neighbour6(st, TT_PORT, &bd.addr6, &BE_MAC), 0);
		if (src[i] != NULL)
			vd.tunnel_src6 = a6(src[i]);
		vd.tunnel_src6_len = len[i];
		v = fw_state_add_vip(st, &vd);
		b = fw_state_add_backend(st, v, &bd);
		assert_true(v >= 0 && b >= 0);
		assert_int_equal(fw_state_finalize(st), 0);
		assert_true(st->backends[b].usable);
		assert_int_equal(st->vips[v].tunnel_src6_len, len[i]);
		assert_memory_equal(&st->vips[v].tunnel_src6, P6(want[i]), 16);
		fw_state_free(st);
	}
}

static void test_a_backend_of_the_other_family_is_refused(void **state)
{
	struct tt_topo *t = *state;
	struct fw_state *st = with_port6(t, 1);
	struct fw_vip_def vd6 = vip6("2001:db8:1::100", 80, FW_MODE_L2);
	struct fw_vip_def vd4 = {
		.addr = TT_A(10, 0, 1, 100), .proto = IPPROTO_TCP, .port = 80, .port_id = TT_PORT};
	struct fw_backend_def b6 = be6("2001:db8:1::21");
	struct fw_backend_def b4 = {.addr = TT_A(10, 0, 1, 11), .weight = 1, .up = 1};
	struct fw_backend_def bad = {.family = 9, .addr = TT_A(10, 0, 1, 12), .weight = 1};
	int v6 = fw_state_add_vip(st, &vd6), v4 = fw_state_add_vip(st, &vd4);

	assert_true(v6 >= 0 && v4 >= 0);
	assert_int_equal(fw_state_add_backend(st, v6, &b4), -EINVAL);
	assert_int_equal(fw_state_add_backend(st, v4, &b6), -EINVAL);
	assert_int_equal(fw_state_add_backend(st, v4, &bad), -EINVAL);
	assert_true(fw_state_add_backend(st, v6, &b6) >= 0);
	assert_int_equal(fw_state_add_backend(st, v6, &b6), -EEXIST);
	assert_true(fw_state_add_backend(st, v4, &b4) >= 0);
	vd6.family = 5;
	assert_int_equal(fw_state_add_vip(st, &vd6), -EINVAL);
	vd6.family = FW_AF_INET6;
	assert_int_equal(fw_state_add_vip(st, &vd6), -EEXIST); /* same address/proto/port */
	vd6.tunnel_src6_len = 129;
	vd6.port = 81;
	assert_int_equal(fw_state_add_vip(st, &vd6), -EINVAL);
	vd6.tunnel_src6_len = 0;
	vd6.port_id = 3;
	assert_int_equal(fw_state_add_vip(st, &vd6), -ENODEV);
	fw_state_free(st);
}

static void test_a_v6_vip_on_a_self_address_is_refused_at_finalize(void **state)
{
	struct tt_topo *t = *state;
	const char *self[] = {"2001:db8:1::10", "fe80::5054:ff:fe12:3456"};

	for (int i = 0; i < 2; i++) {
		struct fw_state *st = with_port6(t, 1);
		struct fw_vip_def vd = vip6(self[i], 80, FW_MODE_L2);

		assert_true(fw_state_add_vip(st, &vd) >= 0);
		assert_int_equal(fw_state_finalize(st), -EEXIST);
		fw_state_free(st);
	}
}

static void test_v6_vips_are_found_in_the_workers_map_and_by_the_helpers(void **state)
{
	struct fw_state *st = with_port6(*state, 1);
	struct fw_vip_def web = vip6("2001:db8:1::100", 80, FW_MODE_L2);
	struct fw_vip_def any = vip6("2001:db8:1::100", 0, FW_MODE_L2);
	struct fw_vip_def dns = vip6("2001:db8:1::53", 53, FW_MODE_L2);
	struct fw_backend_def bd = be6("2001:db8:1::21");
	int w, a, d, b;

	dns.proto = IPPROTO_UDP;
	dns.hash = FW_HASH_ADDRESSES;
	w = fw_state_add_vip(st, &web);
	a = fw_state_add_vip(st, &any);
	d = fw_state_add_vip(st, &dns);
	b = fw_state_add_backend(st, w, &bd);
	assert_true(w >= 0 && a >= 0 && d >= 0 && b >= 0);
	assert_int_equal(fw_state_finalize(st), 0);

	assert_int_equal(lookup6(st, "2001:db8:1::100", IPPROTO_TCP, 80, FW_VK_SERVICE), w);
	assert_int_equal(lookup6(st, "2001:db8:1::100", IPPROTO_TCP, 0, FW_VK_SERVICE), a);
	assert_int_equal(lookup6(st, "2001:db8:1::100", IPPROTO_UDP, 80, FW_VK_SERVICE), -1);
	assert_int_equal(lookup6(st, "2001:db8:1::53", IPPROTO_UDP, 53, FW_VK_SERVICE), d);
	/* a VIP's address: its port index, no self bit */
	assert_int_equal(lookup6(st, "2001:db8:1::100", 0, 0, FW_VK_ADDRESS), 0);
	assert_int_equal(lookup6(st, "2001:db8:1::53", 0, 0, FW_VK_ADDRESS), 0);
	/* only the addresses-hash VIP takes non-first fragments */
	assert_int_equal(lookup6(st, "2001:db8:1::53", IPPROTO_UDP, 0, FW_VK_FRAGS), d);
	assert_int_equal(lookup6(st, "2001:db8:1::100", IPPROTO_TCP, 0, FW_VK_FRAGS), -1);

	assert_int_equal(fw_state_vip6_slot(st, &web.addr6, IPPROTO_TCP, 80), w);
	assert_int_equal(fw_state_vip6_slot(st, &web.addr6, IPPROTO_TCP, 8080), -ENOENT);
	assert_int_equal(fw_state_is_vip6_addr(st, &dns.addr6), 1);
	assert_int_equal(fw_state_is_vip6_addr(st, &bd.addr6), 0);
	assert_int_equal(fw_state_backend6_slot(st, w, &bd.addr6), b);
	assert_int_equal(fw_state_backend6_slot(st, a, &bd.addr6), -ENOENT);
	/* v4 helpers never see v6 objects, whose v4 fields are 0 */
	assert_int_equal(fw_state_vip_slot(st, 0, IPPROTO_TCP, 80), -ENOENT);
	assert_int_equal(fw_state_is_vip_addr(st, 0), 0);
	assert_int_equal(fw_state_backend_slot(st, w, 0), -ENOENT);
	fw_state_free(st);
}

/* Build the v6 service (VIP 2001:db8:1::100 port vport, backends addrs) and publish it. */
static const struct fw_state *publish6(struct tt_topo *t, uint16_t vport, const char **addrs, int n,
				       int *vip)
{
	struct fw_state *st = with_port6(t, 1);
	struct fw_vip_def vd = vip6("2001:db8:1::100", vport, FW_MODE_L2);

	*vip = fw_state_add_vip(st, &vd);
	assert_true(*vip >= 0);
	for (int i = 0; i < n; i++) {
		struct fw_backend_def bd = be6(addrs[i]);

		assert_int_equal(fw_state_add_neighbour6(st, TT_PORT, &bd.addr6, &BE_MAC), 0);
		assert_true(fw_state_add_backend(st, *vip, &bd) >= 0);
	}
	assert_int_equal(fw_state_finalize(st), 0);
	assert_int_equal(fw_dp_publish_sync(t->dp, st), 0);
	return fw_dp_state(t->dp);
}

static void test_v6_identities_carry_over_by_vip_key_and_backend_address(void **state)
{
	struct tt_topo *t = *state;
	const char *first[] = {"2001:db8:1::21", "2001:db8:1::22"};
	const char *second[] = {"2001:db8:1::23", "2001:db8:1::22"};
	struct fw_ip6 kept = a6("2001:db8:1::22"), added = a6("2001:db8:1::23");
	const struct fw_state *st;
	uint32_t vgen, bgen;
	int v, v2, b;

	st = publish6(t, 80, first, 2, &v);
	vgen = st->vips[v].gen;
	b = fw_state_backend6_slot(st, v, &kept);
	assert_true(b >= 0);
	bgen = st->backends[b].gen;

	/* same VIP key: same slot and generation; a kept backend keeps its own */
	st = publish6(t, 80, second, 2, &v2);
	assert_int_equal(v2, v);
	assert_int_equal(st->vips[v].gen, vgen);
	assert_int_equal(fw_state_backend6_slot(st, v, &kept), b);
	assert_int_equal(st->backends[b].gen, bgen);
	assert_true(st->backends[fw_state_backend6_slot(st, v, &added)].gen > bgen);

	/* another port is another VIP: a fresh identity, and fresh backends */
	st = publish6(t, 8080, second, 2, &v2);
	assert_true(st->vips[v2].gen != vgen);
	assert_true(st->backends[fw_state_backend6_slot(st, v2, &kept)].gen != bgen);
}

static void test_unchanged_v6_routes_share_one_lpm6_between_states(void **state)
{
	struct tt_topo *t = *state;
	struct fw_ip6 pfx = a6("2001:db8:2::"), gw = a6("2001:db8:1::1");
	struct fw_state *a = with_port6(t, 1), *b;
	const struct rte_lpm6 *first;

	assert_int_equal(fw_state_add_route6(a, &pfx, 64, &gw), 0);
	assert_int_equal(fw_state_finalize(a), 0);
	first = a->lpm6;
	assert_int_equal(fw_dp_publish_sync(t->dp, a), 0);
	b = with_port6(t, 1);
	assert_int_equal(fw_state_add_route6(b, &pfx, 64, &gw), 0);
	assert_int_equal(fw_state_finalize(b), 0);
	assert_ptr_equal(b->lpm6, first);
	assert_int_equal(fw_dp_publish_sync(t->dp, b), 0); /* frees a: b keeps the table */
	b = with_port6(t, 1);
	assert_int_equal(fw_state_finalize(b), 0); /* no static route: no longer shared */
	assert_ptr_not_equal(b->lpm6, first);
	assert_int_equal(fw_dp_publish_sync(t->dp, b), 0);
}

static const uint8_t *backend_addr6(const void *arg, uint16_t slot)
{
	const struct fw_state *st = arg;

	return st->backends[slot].addr6.b;
}

/*
 * Two boxes given the same v6 backends in other orders (other slots) pick the same
 * backend address for every Maglev entry: equal fingerprints. (The second "box" is
 * the next state of the same data path with the service on another port, so that its
 * slots are fresh; both states share one lpm6, the test EAL has room for one.)
 */
static void test_v6_maglev_tables_agree_whatever_the_backend_order(void **state)
{
	struct tt_topo *t = *state;
	const char *order[2][3] = {{"2001:db8:1::21", "2001:db8:1::22", "2001:db8:1::23"},
				   {"2001:db8:1::23", "2001:db8:1::21", "2001:db8:1::22"}};
	const struct fw_state *st[2];
	int v[2], same_slots = 1;
	uint64_t fp[2];

	st[0] = publish6(t, 80, order[0], 3, &v[0]);
	fp[0] = fw_maglev_fingerprint(st[0]->vips[v[0]].maglev, st[0]->maglev_size, FW_AF_INET6,
				      backend_addr6, st[0]);
	{
		struct fw_state *s1 = with_port6(t, 1);
		struct fw_vip_def vd = vip6("2001:db8:1::100", 8080, FW_MODE_L2);

		v[1] = fw_state_add_vip(s1, &vd);
		for (int i = 0; i < 3; i++) {
			struct fw_backend_def bd = be6(order[1][i]);

			assert_int_equal(fw_state_add_neighbour6(s1, TT_PORT, &bd.addr6, &BE_MAC),
					 0);
			assert_true(fw_state_add_backend(s1, v[1], &bd) >= 0);
		}
		assert_int_equal(fw_state_finalize(s1), 0);
		st[1] = s1;
	}
	fp[1] = fw_maglev_fingerprint(st[1]->vips[v[1]].maglev, st[1]->maglev_size, FW_AF_INET6,
				      backend_addr6, st[1]);
	for (uint32_t i = 0; i < st[0]->maglev_size; i++) {
		uint16_t a = st[0]->vips[v[0]].maglev[i], b = st[1]->vips[v[1]].maglev[i];

		assert_memory_equal(&st[0]->backends[a].addr6, &st[1]->backends[b].addr6, 16);
		same_slots &= a == b;
	}
	assert_false(same_slots); /* the slots differ, the addresses do not */
	assert_true(fp[0] == fp[1]);
	fw_state_free((struct fw_state *)(uintptr_t)st[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_the_link_local_address_is_the_modified_eui64_of_the_port_mac),
		T(test_a_v4_only_state_has_no_v6_map_and_no_v6_routes),
		T(test_v6_addresses_routes_and_neighbours_are_checked_and_looked_up),
		T(test_a_static_v6_route_needs_a_connected_gateway),
		T(test_a_default_v6_route_covers_the_whole_space),
		T(test_l2_v6_backends_resolve_on_a_connected_subnet_through_neighbours),
		T(test_l3_v6_backends_resolve_through_a_route_and_need_a_source),
		T(test_a_v6_tunnel_source_is_kept_as_a_prefix),
		T(test_a_backend_of_the_other_family_is_refused),
		T(test_a_v6_vip_on_a_self_address_is_refused_at_finalize),
		T(test_v6_vips_are_found_in_the_workers_map_and_by_the_helpers),
		T(test_v6_identities_carry_over_by_vip_key_and_backend_address),
		T(test_unchanged_v6_routes_share_one_lpm6_between_states),
		T(test_v6_maglev_tables_agree_whatever_the_backend_order),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
