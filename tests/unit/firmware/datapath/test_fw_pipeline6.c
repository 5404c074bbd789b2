/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPv6 pipeline, frame in -> frames out, against golden frames made by scapy
 * (golden6.py -> golden6.h): L2 rewrite, 6in6 (outer header field by field), Neighbor
 * Discovery, echo, Packet Too Big (contents, rate limit), ICMPv6 errors routed to the
 * flow's backend, fragments per hash mode, every malformed-IPv6 drop reason with its
 * counter, punts, inject, and IPv4 unchanged beside IPv6 in one state.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "firmware/datapath/fw_flow6.h"
#include "firmware/datapath/fw_pipeline.h"
#include "golden6.h"
#include "tt_topo.h"

static const struct rte_ether_addr port_mac = {{2, 0, 0, 0, 0, 1}};
static const struct rte_ether_addr gw_mac = {{2, 0, 0, 0, 0, 0xfe}};
static const struct rte_ether_addr be1_mac = {{2, 0, 0, 0, 0, 0x11}};

struct o6 {
	unsigned int web_backends;  /* be1 plus (n - 1) more on 2001:db8:1::20.. (0 = 1) */
	const char *tun;	    /* tunnel source of tls6 (NULL = 2001:db8:feed::1/128) */
	uint8_t tun_len;	    /* 0 with tun "" = the port's address */
	unsigned int frag_backends; /* frag6: be1 plus (n - 1) of web6's others (0 = 1) */
};

/* The slots of the v6 topology (and of the v4 VIP beside it). */
static int web6, tls6, frag6, be1, be3, web4, be4;

static struct fw_ip6 ip6(const char *s)
{
	struct fw_ip6 a;

	assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

static void ok(int rc, const char *what)
{
	if (rc < 0)
		fail_msg("%s: %d (%s)", what, rc, strerror(-rc));
}

static int vip6(struct fw_state *st, const char *name, const char *addr, uint8_t proto,
		uint16_t port, uint8_t mode, uint8_t hash)
{
	struct fw_vip_def vd;

	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "%s", name);
	vd.family = FW_AF_INET6;
	vd.addr6 = ip6(addr);
	vd.proto = proto;
	vd.port = port;
	vd.mode = mode;
	vd.hash = hash;
	vd.port_id = TT_PORT;
	return fw_state_add_vip(st, &vd);
}

static int backend6(struct fw_state *st, int vip, const char *addr)
{
	struct fw_backend_def bd;

	memset(&bd, 0, sizeof(bd));
	snprintf(bd.name, sizeof(bd.name), "%s", addr);
	bd.family = FW_AF_INET6;
	bd.addr6 = ip6(addr);
	bd.weight = 100;
	bd.up = 1;
	return fw_state_add_backend(st, vip, &bd);
}

static struct fw_state *state6(struct tt_topo *t, const struct o6 *o)
{
	static const struct o6 none;
	struct fw_port_def pd = {.port_id = TT_PORT, .mac = port_mac, .mtu = 1500, .nb_queues = 2};
	struct fw_state *st = fw_state_new(t->dp);
	struct fw_ip6 a, g;
	struct fw_vip_def vd;
	struct fw_backend_def bd;
	unsigned int i, n;

	if (o == NULL)
		o = &none;
	n = o->web_backends ? o->web_backends : 1;
	assert_non_null(st);
	snprintf(pd.name, sizeof(pd.name), "port0");
	ok(fw_state_add_port(st, &pd), "add port");
	ok(fw_state_add_address(st, TT_PORT, TT_A(10, 0, 1, 10), 24), "add address");
	ok(fw_state_add_neighbour(st, TT_PORT, TT_A(10, 0, 1, 11), &be1_mac), "neigh be1 v4");
	a = ip6("2001:db8:1::10");
	ok(fw_state_add_address6(st, TT_PORT, &a, 64), "add address6");
	a = ip6("2001:db8:2::");
	g = ip6("2001:db8:1::1");
	ok(fw_state_add_route6(st, &a, 64, &g), "add route6");
	ok(fw_state_add_neighbour6(st, TT_PORT, &g, &gw_mac), "neigh6 gw");
	a = ip6("2001:db8:1::11");
	ok(fw_state_add_neighbour6(st, TT_PORT, &a, &be1_mac), "neigh6 be1");

	/* the v4 web VIP of the v4 golden frames, beside the v6 ones */
	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "web");
	vd.addr = TT_A(10, 0, 1, 100);
	vd.proto = IPPROTO_TCP;
	vd.port = 80;
	vd.port_id = TT_PORT;
	web4 = fw_state_add_vip(st, &vd);
	ok(web4, "add vip web");
	memset(&bd, 0, sizeof(bd));
	bd.addr = TT_A(10, 0, 1, 11);
	bd.weight = 100;
	bd.up = 1;
	be4 = fw_state_add_backend(st, web4, &bd);
	ok(be4, "add backend web");

	web6 = vip6(st, "web6", "2001:db8:1::100", IPPROTO_TCP, 80, FW_MODE_L2, FW_HASH_FIVE_TUPLE);
	ok(web6, "add vip web6");
	be1 = backend6(st, web6, "2001:db8:1::11");
	ok(be1, "add be1");
	for (i = 1; i < n; i++) {
		char s[64];
		struct rte_ether_addr mac = {{2, 0, 0, 0, 1, (uint8_t)i}};

		snprintf(s, sizeof(s), "2001:db8:1::%x", 0x20 + i);
		a = ip6(s);
		ok(fw_state_add_neighbour6(st, TT_PORT, &a, &mac), "neigh6 web");
		ok(backend6(st, web6, s), "add backend web6");
	}

	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "tls6");
	vd.family = FW_AF_INET6;
	vd.addr6 = ip6("2001:db8:1::101");
	vd.proto = IPPROTO_TCP;
	vd.port = 443;
	vd.mode = FW_MODE_L3;
	vd.port_id = TT_PORT;
	if (o->tun == NULL) {
		vd.tunnel_src6 = ip6("2001:db8:feed::1");
		vd.tunnel_src6_len = 128;
	} else if (o->tun[0] != '\0') {
		vd.tunnel_src6 = ip6(o->tun);
		vd.tunnel_src6_len = o->tun_len;
	}
	tls6 = fw_state_add_vip(st, &vd);
	ok(tls6, "add vip tls6");
	be3 = backend6(st, tls6, "2001:db8:2::21");
	ok(be3, "add be3");

	frag6 = vip6(st, "frag6", "2001:db8:1::103", IPPROTO_UDP, 4789, FW_MODE_L2,
		     FW_HASH_ADDRESSES);
	ok(frag6, "add vip frag6");
	ok(backend6(st, frag6, "2001:db8:1::11"), "add backend frag6");
	for (i = 1; i < o->frag_backends && i < n; i++) {
		char s[64];

		snprintf(s, sizeof(s), "2001:db8:1::%x", 0x20 + i);
		ok(backend6(st, frag6, s), "add backend frag6");
	}
	ok(fw_state_finalize(st), "finalize");
	assert_true(st->backends[be1].usable);
	assert_true(st->backends[be3].usable);
	return st;
}

static int setup(void **state)
{
	static struct tt_topo t;

	tt_topo_setup(&t, NULL);
	assert_int_equal(fw_dp_publish_sync(t.dp, state6(&t, NULL)), 0);
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	tt_topo_teardown(*state);
	return 0;
}

static void republish(struct tt_topo *t, const struct o6 *o)
{
	assert_int_equal(fw_dp_publish_sync(t->dp, state6(t, o)), 0);
}

static const struct g6_frame *g6(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(g6_frames) / sizeof(g6_frames[0]); i++)
		if (strcmp(g6_frames[i].name, name) == 0)
			return &g6_frames[i];
	fail_msg("golden frame %s not in golden6.h", name);
	return NULL;
}

static struct rte_mbuf *g6_mbuf(const char *name)
{
	const struct g6_frame *f = g6(name);

	return tt_mbuf(f->b, f->n, TT_PORT);
}

static void assert_g6(const struct rte_mbuf *m, const char *name)
{
	const struct g6_frame *f = g6(name);

	print_message("  comparing with golden frame %s\n", name);
	tt_assert_frame(m, f->b, f->n);
}

/* Exactly one frame left, on port 0 queue 0; returns it. */
static struct rte_mbuf *one_out(struct tt_topo *t)
{
	assert_int_equal(t->cap[0].n, 1);
	assert_int_equal(t->cap[0].port[0], TT_PORT);
	assert_int_equal(t->cap[0].queue[0], 0);
	return t->cap[0].pkts[0];
}

/* The ICMPv6 checksum of msg[len] under the IPv6 header ip, by tt_csum (RFC 1071) over
 * the pseudo-header of RFC 8200 8.1: 0 when right. */
static uint16_t csum6(const uint8_t *ip, const uint8_t *msg, size_t len)
{
	uint8_t b[2048];

	assert_true(len + 40 <= sizeof(b));
	memcpy(b, ip + 8, 32);
	b[32] = (uint8_t)(len >> 24);
	b[33] = (uint8_t)(len >> 16);
	b[34] = (uint8_t)(len >> 8);
	b[35] = (uint8_t)len;
	b[36] = b[37] = b[38] = 0;
	b[39] = 58;
	memcpy(b + 40, msg, len);
	return tt_csum(b, 40 + len);
}

/* ---- forwarding ------------------------------------------------------------------------ */

static void test_v6_l2_rewrite_changes_only_the_macs(void **state)
{
	struct tt_topo *t = *state;
	struct fw_obj_counters vc, bc;
	struct fw_flow_stats fs;

	assert_int_equal(tt_run1(t, g6_mbuf("l2_in")), 1);
	assert_g6(one_out(t), "l2_out");
	assert_int_equal(tt_drops(t), 0);
	assert_int_equal(fw_dp_counters_vip(t->dp, (unsigned int)web6, &vc), 0);
	assert_int_equal(fw_dp_counters_backend(t->dp, (unsigned int)be1, &bc), 0);
	assert_int_equal(vc.packets, 1);
	assert_int_equal(vc.bytes, g6("l2_in")->n);
	assert_int_equal(vc.new_flows, 1);
	assert_int_equal(bc.packets, 1);
	assert_int_equal(bc.new_flows, 1);
	assert_int_equal(fw_dp_flow6_stats(t->dp, 0, &fs), 0);
	assert_int_equal(fs.used, 1);
	assert_int_equal(fs.inserted, 1);
	assert_int_equal(fs.capacity, 2 * 2048); /* flow6_entries: half of 4096 by default */
	assert_int_equal(fw_dp_flow_stats(t->dp, 0, &fs), 0);
	assert_int_equal(fs.used, 0); /* the v4 table is not touched */
}

static void test_v6_l2_rewrite_trims_padding_and_keeps_an_8021q_tag(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, g6_mbuf("l2_padded_in")), 1);
	assert_g6(one_out(t), "l2_out");
	tt_cap_reset(&t->cap[0]);
	assert_int_equal(tt_run1(t, g6_mbuf("vlan_in")), 1);
	assert_g6(one_out(t), "vlan_out");
}

static void test_v6_l3_6in6_golden_and_outer_header_field_by_field(void **state)
{
	struct tt_topo *t = *state;
	const struct g6_frame *in = g6("l3_in");
	uint8_t out[256], first[256];
	const uint8_t *o;
	size_t n;
	uint32_t fl;

	assert_int_equal(tt_run1(t, g6_mbuf("l3_in")), 1);
	assert_g6(one_out(t), "l3_out");
	n = tt_bytes(one_out(t), out, sizeof(out));
	assert_int_equal(n, in->n + 40);
	o = out + 14;
	assert_int_equal(o[0] >> 4, 6);
	/* RFC 6040 normal mode: the inner traffic class (DSCP 46, ECT(1)) copied */
	assert_int_equal((o[0] & 0xf) << 4 | o[1] >> 4, 0xb9);
	fl = (uint32_t)(o[1] & 0xf) << 16 | (uint32_t)o[2] << 8 | o[3];
	assert_true(fl != 0);				/* RFC 6437: labelled */
	assert_int_equal(o[4] << 8 | o[5], in->n - 14); /* payload = the inner packet */
	assert_int_equal(o[6], 41);			/* IPv6 in IPv6 */
	assert_int_equal(o[7], 64);			/* hop limit */
	assert_memory_equal(o + 8, ip6("2001:db8:feed::1").b, 16);
	assert_memory_equal(o + 24, ip6("2001:db8:2::21").b, 16);
	assert_memory_equal(out + 54, in->b + 14, in->n - 14); /* inner untouched */
	assert_memory_equal(out, ((uint8_t[]){2, 0, 0, 0, 0, 0xfe, 2, 0, 0, 0, 0, 1}), 12);
	/* the same flow again: the same label */
	memcpy(first, out, n);
	tt_cap_reset(&t->cap[0]);
	tt_run1(t, g6_mbuf("l3_in"));
	tt_bytes(one_out(t), out, sizeof(out));
	assert_memory_equal(out, first, n);
}

/* A TCP/IPv6 frame client:sport -> dst:dport into a new mbuf. */
static struct rte_mbuf *l4_6(const char *src, const char *dst, uint16_t sport, uint16_t dport,
			     uint8_t tc)
{
	uint8_t b[128] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0xaa, 0x86, 0xdd};
	uint8_t *ip = b + 14, *l4 = ip + 40;
	struct fw_ip6 s = ip6(src), d = ip6(dst);

	ip[0] = (uint8_t)(0x60 | tc >> 4);
	ip[1] = (uint8_t)(tc << 4);
	ip[5] = 20;
	ip[6] = IPPROTO_TCP;
	ip[7] = 64;
	memcpy(ip + 8, s.b, 16);
	memcpy(ip + 24, d.b, 16);
	l4[0] = (uint8_t)(sport >> 8);
	l4[1] = (uint8_t)sport;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	l4[12] = 0x50;
	l4[13] = TT_ACK;
	return tt_mbuf(b, 14 + 40 + 20, TT_PORT);
}

static void test_v6_l3_outer_source_and_label_are_per_flow(void **state)
{
	struct tt_topo *t = *state;
	struct o6 o = {.tun = "2001:db8:feed::", .tun_len = 64};
	uint8_t seen[64][16];
	uint32_t labels[64];
	unsigned int i, j, distinct = 0, dlab = 0;

	republish(t, &o);
	for (i = 0; i < 64; i++) {
		uint8_t out[256], again[256];
		static const uint8_t zero[8];
		uint32_t fl;

		tt_run1(t,
			l4_6("2001:db8:ff::1", "2001:db8:1::101", (uint16_t)(20000 + i), 443, 0));
		tt_bytes(one_out(t), out, sizeof(out));
		assert_memory_equal(out + 14 + 8, ip6("2001:db8:feed::").b, 8); /* in the /64 */
		assert_memory_not_equal(out + 14 + 16, zero, 8); /* not the anycast address */
		fl = (uint32_t)(out[15] & 0xf) << 16 | (uint32_t)out[16] << 8 | out[17];
		assert_true(fl != 0);
		for (j = 0; j < distinct; j++)
			if (memcmp(seen[j], out + 22, 16) == 0)
				break;
		if (j == distinct)
			memcpy(seen[distinct++], out + 22, 16);
		for (j = 0; j < dlab; j++)
			if (labels[j] == fl)
				break;
		if (j == dlab)
			labels[dlab++] = fl;
		tt_cap_reset(&t->cap[0]);
		/* the same flow again: the same source and label */
		tt_run1(t,
			l4_6("2001:db8:ff::1", "2001:db8:1::101", (uint16_t)(20000 + i), 443, 0));
		tt_bytes(one_out(t), again, sizeof(again));
		assert_memory_equal(again + 14, out + 14, 40);
		tt_cap_reset(&t->cap[0]);
	}
	print_message("  64 flows used %u distinct outer sources, %u distinct labels\n", distinct,
		      dlab);
	assert_true(distinct >= 60);
	assert_true(dlab >= 60);
}

static void test_v6_l3_outer_source_defaults_to_the_port_address(void **state)
{
	struct tt_topo *t = *state;
	struct o6 o = {.tun = ""};
	uint8_t out[256];

	republish(t, &o);
	assert_int_equal(tt_run1(t, g6_mbuf("l3_in")), 1);
	tt_bytes(one_out(t), out, sizeof(out));
	assert_memory_equal(out + 14 + 8, ip6("2001:db8:1::10").b, 16);
}

static void test_v6_flows_stay_pinned_when_backends_are_added(void **state)
{
	struct tt_topo *t = *state;
	struct o6 o = {.web_backends = 16};
	unsigned int i, moved = 0, fresh_elsewhere = 0;

	for (i = 0; i < 64; i++) {
		tt_run1(t, l4_6("2001:db8:ff::1", "2001:db8:1::100", (uint16_t)(3000 + i), 80, 0));
		tt_cap_reset(&t->cap[0]);
	}
	republish(t, &o); /* be1 keeps its slot and generation; 15 more */
	for (i = 0; i < 64; i++) {
		uint8_t out[128];

		/* the established flows: still on be1 */
		tt_run1(t, l4_6("2001:db8:ff::1", "2001:db8:1::100", (uint16_t)(3000 + i), 80, 0));
		tt_bytes(one_out(t), out, sizeof(out));
		moved += memcmp(out, be1_mac.addr_bytes, 6) != 0;
		tt_cap_reset(&t->cap[0]);
		/* new flows: spread by Maglev */
		tt_run1(t, l4_6("2001:db8:ff::1", "2001:db8:1::100", (uint16_t)(9000 + i), 80, 0));
		tt_bytes(one_out(t), out, sizeof(out));
		fresh_elsewhere += memcmp(out, be1_mac.addr_bytes, 6) != 0;
		tt_cap_reset(&t->cap[0]);
	}
	print_message("  64 pinned flows moved: %u; 64 new flows off be1: %u\n", moved,
		      fresh_elsewhere);
	assert_int_equal(moved, 0);
	assert_true(fresh_elsewhere >= 48);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_REPINNED), 0);
}

/* ---- Packet Too Big ------------------------------------------------------------------- */

static void test_v6_too_big_for_the_tunnel_sends_packet_too_big_mtu_minus_40(void **state)
{
	struct tt_topo *t = *state;
	const struct g6_frame *in = g6("ptb_in");
	uint8_t out[1600];
	size_t n;

	assert_int_equal(tt_run1(t, g6_mbuf("ptb_in")), 1);
	assert_g6(one_out(t), "ptb_out");
	n = tt_bytes(one_out(t), out, sizeof(out));
	assert_int_equal(n, 14 + 1280); /* the IPv6 minimum MTU, no more */
	assert_int_equal(out[14 + 6], 58);
	assert_memory_equal(out + 14 + 8, ip6("2001:db8:1::101").b, 16); /* from the VIP */
	assert_memory_equal(out + 14 + 24, ip6("2001:db8:ff::1").b, 16);
	assert_int_equal(out[54], 2); /* Packet Too Big */
	assert_int_equal(out[55], 0);
	assert_int_equal(out[58] << 24 | out[59] << 16 | out[60] << 8 | out[61], 1460);
	assert_memory_equal(out + 62, in->b + 14, 1280 - 48); /* the quote */
	assert_int_equal(csum6(out + 14, out + 54, n - 54), 0);
	assert_int_equal(tt_ev(t, FW_EV_PTB6_SENT), 1);
	assert_int_equal(tt_drop(t, FW_DROP_TOO_BIG), 1);
	assert_int_equal(tt_drops(t), 1);
	/* 1460 bytes fit the 1500-byte link with the outer header: tunnelled */
	tt_cap_reset(&t->cap[0]);
	assert_int_equal(tt_run1(t, g6_mbuf("fit_in")), 1);
	n = tt_bytes(one_out(t), out, sizeof(out));
	assert_int_equal(n, 14 + 1500);
	assert_int_equal(out[14 + 6], 41);
}

static void test_v6_packet_too_big_is_rate_limited(void **state)
{
	struct tt_topo *t = *state;
	unsigned int i;

	for (i = 0; i < FW_ICMP_BURST + 10; i++) {
		tt_run1(t, g6_mbuf("ptb_in"));
		tt_cap_reset(&t->cap[0]);
	}
	assert_int_equal(tt_ev(t, FW_EV_PTB6_SENT), FW_ICMP_BURST);
	assert_int_equal(tt_ev(t, FW_EV_ICMP_RATE_LIMITED), 10);
	assert_int_equal(tt_drop(t, FW_DROP_TOO_BIG), FW_ICMP_BURST + 10);
	t->now += rte_get_tsc_hz() / 100; /* 10 ms: 10 more */
	for (i = 0; i < 15; i++) {
		tt_run1(t, g6_mbuf("ptb_in"));
		tt_cap_reset(&t->cap[0]);
	}
	assert_int_equal(tt_ev(t, FW_EV_PTB6_SENT), FW_ICMP_BURST + 10);
	assert_int_equal(tt_ev(t, FW_EV_ICMP_RATE_LIMITED), 15);
}

/* ---- ICMPv6 errors ------------------------------------------------------------------- */

static void test_v6_icmp_error_quoting_a_vip_flow_goes_to_its_backend(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, g6_mbuf("icmperr_in")), 1);
	assert_g6(one_out(t), "icmperr_out");
	tt_cap_reset(&t->cap[0]);
	/* an L3 VIP's: tunnelled with the client flow's outer header */
	assert_int_equal(tt_run1(t, g6_mbuf("icmperr3_in")), 1);
	assert_g6(one_out(t), "icmperr3_out");
	assert_int_equal(tt_ev(t, FW_EV_ICMP_ERROR_FORWARDED), 2);
	tt_cap_reset(&t->cap[0]);
	assert_int_equal(tt_run1(t, g6_mbuf("icmperr_novip_in")), 0);
	assert_int_equal(tt_drop(t, FW_DROP_ICMP_ERROR_NO_VIP), 1);
}

static void test_v6_icmp_error_follows_the_flow_among_16_backends(void **state)
{
	struct tt_topo *t = *state;
	struct o6 o = {.web_backends = 16};
	const struct g6_frame *e = g6("icmperr_in");
	unsigned int i, macs = 0;
	uint8_t seen[16] = {0};

	republish(t, &o);
	for (i = 0; i < 64; i++) {
		uint16_t cport = (uint16_t)(30000 + i * 7);
		uint8_t syn_out[128], err[256], out[256];
		/* the quoted TCP header's destination port: eth + ipv6 + icmp + ipv6 + 2 */
		size_t dp = 14 + 40 + 8 + 40 + 2;

		tt_run1(t, l4_6("2001:db8:ff::1", "2001:db8:1::100", cport, 80, 0));
		tt_bytes(one_out(t), syn_out, sizeof(syn_out));
		tt_cap_reset(&t->cap[0]);
		memcpy(err, e->b, e->n);
		err[dp] = (uint8_t)(cport >> 8);
		err[dp + 1] = (uint8_t)cport;
		tt_run1(t, tt_mbuf(err, e->n, TT_PORT));
		tt_bytes(one_out(t), out, sizeof(out));
		assert_memory_equal(out, syn_out, 6); /* the flow's backend */
		tt_cap_reset(&t->cap[0]);
		if (!seen[syn_out[5] & 15]) {
			seen[syn_out[5] & 15] = 1;
			macs++;
		}
	}
	print_message("  64 flows spread over %u of 16 backends\n", macs);
	assert_true(macs >= 8);
}

/* ---- Neighbor Discovery, echo --------------------------------------------------------- */

static void test_v6_neighbor_solicitations_for_vip_and_self_addresses_are_answered(void **state)
{
	struct tt_topo *t = *state;
	static const char *const pairs[][2] = {{"ns_in", "na_out"},
					       {"ns_self_in", "na_self_out"},
					       {"ns_ll_in", "na_ll_out"},
					       {"ns_vlan_in", "na_vlan_out"}};
	unsigned int i;

	for (i = 0; i < 4; i++) {
		uint8_t out[256];
		size_t n, l2 = i == 3 ? 18 : 14;

		assert_int_equal(tt_run1(t, g6_mbuf(pairs[i][0])), 1);
		assert_g6(one_out(t), pairs[i][1]);
		n = tt_bytes(one_out(t), out, sizeof(out));
		assert_int_equal(csum6(out + l2, out + l2 + 40, n - l2 - 40), 0);
		assert_int_equal(out[l2 + 7], 255);
		assert_int_equal(out[l2 + 40 + 4], 0x60); /* S and O, not R */
		tt_cap_reset(&t->cap[0]);
	}
	assert_int_equal(tt_ev(t, FW_EV_NDP_ADVERT), 4);
	assert_int_equal(tt_drops(t), 0);
}

static void test_v6_dad_foreign_solicitations_and_advertisements_are_punted(void **state)
{
	struct tt_topo *t = *state;
	static const char *const names[] = {"ns_dad_in", "ns_other_in", "na_in"};
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct rte_mbuf *m;

		assert_int_equal(tt_run1(t, g6_mbuf(names[i])), 0);
		assert_int_equal(t->cap[0].n, 0);
		assert_int_equal(fw_dp_punt_poll(t->dp, &m, 1), 1);
		assert_int_equal(fw_mbuf_meta(m)->kind, FW_META_PUNT_NDP);
		assert_int_equal(fw_mbuf_meta(m)->port_id, TT_PORT);
		print_message("  %s punted whole\n", names[i]);
		tt_assert_frame(m, g6(names[i])->b, g6(names[i])->n); /* Ethernet kept */
		rte_pktmbuf_free(m);
	}
	assert_int_equal(tt_ev(t, FW_EV_PUNTED), 3);
	assert_int_equal(tt_ev(t, FW_EV_NDP_ADVERT), 0);
}

static void test_v6_malformed_solicitations_are_dropped(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, g6_mbuf("ns_hlim_in")), 0);
	assert_int_equal(tt_run1(t, g6_mbuf("ns_code_in")), 0);
	assert_int_equal(tt_drop(t, FW_DROP_NDP_BAD), 2);
	assert_int_equal(tt_run1(t, g6_mbuf("ns_cksum_in")), 0);
	assert_int_equal(tt_drop(t, FW_DROP_ICMP_CHECKSUM), 1);
	assert_int_equal(tt_drops(t), 3);
	assert_string_equal(fw_drop_name(FW_DROP_NDP_BAD), "ndp-malformed");
}

static void test_v6_echo_to_a_vip_is_answered(void **state)
{
	struct tt_topo *t = *state;
	uint8_t out[256];
	size_t n;

	assert_int_equal(tt_run1(t, g6_mbuf("echo_in")), 1);
	assert_g6(one_out(t), "echo_out");
	n = tt_bytes(one_out(t), out, sizeof(out));
	assert_int_equal(csum6(out + 14, out + 54, n - 54), 0);
	assert_int_equal(tt_ev(t, FW_EV_ICMP6_ECHO_REPLY), 1);
	tt_cap_reset(&t->cap[0]);
	assert_int_equal(tt_run1(t, g6_mbuf("echo_cksum_in")), 0);
	assert_int_equal(tt_drop(t, FW_DROP_ICMP_CHECKSUM), 1);
}

static void test_v6_packet_for_a_self_address_is_punted_to_the_kernel(void **state)
{
	struct tt_topo *t = *state;
	struct rte_mbuf *m;

	assert_int_equal(tt_run1(t, g6_mbuf("self_tcp_in")), 0);
	assert_int_equal(fw_dp_punt_poll(t->dp, &m, 1), 1);
	assert_int_equal(fw_mbuf_meta(m)->kind, FW_META_PUNT_LOCAL6);
	tt_assert_frame(m, g6("self_tcp_in")->b, g6("self_tcp_in")->n);
	rte_pktmbuf_free(m);
}

/* ---- fragments, extension headers ----------------------------------------------------- */

static void test_v6_fragments_of_an_addresses_hash_vip_reach_one_backend(void **state)
{
	struct tt_topo *t = *state;
	struct rte_mbuf *m[3];

	m[0] = g6_mbuf("vipfrag_in2");
	m[1] = g6_mbuf("vipfrag_in0");
	m[2] = g6_mbuf("vipfrag_in1");
	assert_int_equal(tt_run(t, 0, m, 3), 3);
	assert_int_equal(t->cap[0].n, 3);
	assert_g6(t->cap[0].pkts[0], "vipfrag_out2");
	assert_g6(t->cap[0].pkts[1], "vipfrag_out0");
	assert_g6(t->cap[0].pkts[2], "vipfrag_out1");
	assert_int_equal(tt_ev(t, FW_EV_FRAGMENT_FORWARDED), 3);
}

/* Among 16 backends, the first fragment (which has ports) and the later ones (which have
 * none) still meet on one backend: the addresses-hash flow key ignores ports. */
static void test_v6_fragments_meet_on_one_of_16_backends(void **state)
{
	struct tt_topo *t = *state;
	struct o6 o = {.web_backends = 16, .frag_backends = 16};
	const uint8_t *mac;
	unsigned int i;

	republish(t, &o);
	for (i = 0; i < 3; i++) {
		char name[32];

		snprintf(name, sizeof(name), "vipfrag_in%u", i);
		assert_int_equal(tt_run1(t, g6_mbuf(name)), 1);
	}
	assert_int_equal(t->cap[0].n, 3);
	mac = rte_pktmbuf_mtod(t->cap[0].pkts[0], const uint8_t *);
	for (i = 1; i < 3; i++)
		assert_memory_equal(rte_pktmbuf_mtod(t->cap[0].pkts[i], const uint8_t *), mac, 6);
	print_message("  3 fragments to %02x:%02x:%02x:%02x:%02x:%02x\n", mac[0], mac[1], mac[2],
		      mac[3], mac[4], mac[5]);
}

static void test_v6_fragments_of_a_five_tuple_vip_are_dropped(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, g6_mbuf("frag5_first_in")), 0);
	assert_int_equal(tt_run1(t, g6_mbuf("frag5_later_in")), 0);
	assert_int_equal(tt_drop(t, FW_DROP_IP6_FRAGMENT), 2);
	assert_int_equal(tt_drops(t), 2);
}

static void test_v6_atomic_fragment_and_extension_headers_are_forwarded(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, g6_mbuf("atomic_in")), 1);
	assert_g6(one_out(t), "atomic_out");
	tt_cap_reset(&t->cap[0]);
	assert_int_equal(tt_run1(t, g6_mbuf("ext_in")), 1);
	assert_g6(one_out(t), "ext_out");
	assert_int_equal(tt_drops(t), 0);
}

/* ---- malformed input: one drop reason each, nothing sent, nothing leaked --------------- */

static void test_each_malformed_v6_frame_is_dropped_with_its_reason(void **state)
{
	struct tt_topo *t = *state;
	static const struct {
		const char *name, *what;
		unsigned int reason;
	} bads[] = {
		{"bad_trunc", "39 bytes of IPv6 header", FW_DROP_IP6_TRUNCATED},
		{"bad_version", "version 4 under 0x86DD", FW_DROP_IP6_VERSION},
		{"bad_len_long", "payload length > frame", FW_DROP_IP6_LENGTH},
		{"bad_ext_trunc", "options header past the payload", FW_DROP_IP6_EXT_TRUNCATED},
		{"bad_ext_cut", "1 byte of extension header", FW_DROP_IP6_EXT_TRUNCATED},
		{"bad_ext_many", "9 extension headers", FW_DROP_IP6_EXT_TOO_MANY},
		{"bad_hbh_late", "hop-by-hop after another header", FW_DROP_IP6_EXT_BAD},
		{"bad_routing", "routing header, segments left 1", FW_DROP_IP6_EXT_BAD},
		{"bad_hlim1", "hop limit 1 to be forwarded", FW_DROP_IP6_HOP_LIMIT},
		{"bad_hlim0", "hop limit 0", FW_DROP_IP6_HOP_LIMIT},
		{"bad_tcp_trunc", "4 bytes of TCP", FW_DROP_L4_TRUNCATED},
		{"bad_port", "VIP address, other port", FW_DROP_VIP_MISS},
		{"bad_not_ours", "an address that is not ours", FW_DROP_IP6_NOT_OURS},
		{"bad_mcast", "mDNS multicast", FW_DROP_IP6_NOT_OURS},
		{"frag5_later_in", "later fragment, five-tuple VIP", FW_DROP_IP6_FRAGMENT},
		{"ns_hlim_in", "solicitation with hop limit 64", FW_DROP_NDP_BAD},
	};
	unsigned int i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		uint64_t before = tt_drop(t, bads[i].reason), all = tt_drops(t);

		print_message("  %-36s -> %s\n", bads[i].what, fw_drop_name(bads[i].reason));
		assert_int_equal(tt_run1(t, g6_mbuf(bads[i].name)), 0);
		assert_int_equal(t->cap[0].n, 0);
		if (tt_drop(t, bads[i].reason) != before + 1)
			fail_msg("%s: %s not counted", bads[i].what, fw_drop_name(bads[i].reason));
		assert_int_equal(tt_drops(t), all + 1); /* and nothing else */
	}
	assert_string_equal(fw_drop_name(FW_DROP_IP6_LENGTH), "ipv6-bad-length");
	assert_string_equal(fw_drop_name(FW_DROP_IP6_EXT_TRUNCATED), "ipv6-truncated-ext");
	assert_string_equal(fw_drop_name(FW_DROP_IP6_FRAGMENT), "ipv6-fragment");
}

/* ---- hostile input ------------------------------------------------------------------- */

static uint64_t rnd_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void) /* xorshift64* */
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

/*
 * Every golden input with random bytes flipped and random lengths: each frame is sent,
 * punted or dropped with a counted reason (the counters add up to the frames), none
 * leaks (teardown counts the pool) and none leaves longer than it can be.
 */
static void test_v6_corrupted_frames_are_all_accounted_for(void **state)
{
	struct tt_topo *t = *state;
	const unsigned int rounds = 20000;
	uint64_t punted = 0;
	unsigned int i;

	for (i = 0; i < rounds; i++) {
		const struct g6_frame *f =
			&g6_frames[rnd() % (sizeof(g6_frames) / sizeof(g6_frames[0]))];
		uint8_t b[2048];
		size_t n = f->n, k, flips = 1 + rnd() % 4;
		struct rte_mbuf *m;
		uint64_t before = tt_drops(t) + tt_ev(t, FW_EV_TX) + tt_ev(t, FW_EV_PUNTED);
		uint16_t q;

		memcpy(b, f->b, n);
		for (k = 0; k < flips; k++) /* past the MACs: the frame stays ours */
			b[12 + rnd() % (n - 12)] ^= (uint8_t)(1 + rnd() % 255);
		if (rnd() % 4 == 0)
			n = 12 + rnd() % (n - 11);
		q = tt_run1(t, tt_mbuf(b, n, TT_PORT));
		/* replies to one frame: at most two (an error and nothing, or one frame) */
		assert_true(q <= 1);
		assert_int_equal(t->cap[0].n, q);
		if (q == 1)
			assert_true(rte_pktmbuf_pkt_len(t->cap[0].pkts[0]) <= 14 + 4 + 1500 + 40);
		while (fw_dp_punt_poll(t->dp, &m, 1) == 1) {
			rte_pktmbuf_free(m);
			punted++;
		}
		/* one frame in: one frame out, punted or dropped (a PTB also drops its
		 * cause: two) */
		k = tt_drops(t) + tt_ev(t, FW_EV_TX) + tt_ev(t, FW_EV_PUNTED) - before;
		if (k != 1 && !(k == 2 && tt_ev(t, FW_EV_PTB6_SENT) != 0))
			fail_msg("round %u (%s, %zu bytes): %zu outcomes", i, f->name, n, k);
		tt_cap_reset(&t->cap[0]);
	}
	print_message("  %u corrupted frames: %lu sent, %lu punted, %lu dropped\n", rounds,
		      (unsigned long)tt_ev(t, FW_EV_TX), (unsigned long)punted,
		      (unsigned long)tt_drops(t));
}

/* ---- inject, flows, both families ------------------------------------------------------ */

static uint16_t inject_run(struct tt_topo *t)
{
	struct fw_worker *w = t->w[0];
	uint16_t q;

	fw_worker_online(w);
	fw_worker_begin(w, t->now);
	q = fw_worker_inject(w);
	fw_worker_end(w);
	fw_worker_offline(w);
	return q;
}

static void test_v6_probe_injected_for_dsr_leaves_as_data_would(void **state)
{
	struct tt_topo *t = *state;
	uint8_t out[256], data[256];
	size_t n;

	/* L2: the MAC rewrite of l2_in */
	assert_int_equal(fw_dp_inject_dsr(t->dp, web6, be1, g6_mbuf("l2_in")), 0);
	assert_int_equal(inject_run(t), 1);
	assert_g6(one_out(t), "l2_out");
	tt_cap_reset(&t->cap[0]);
	/* L3: the outer header a data packet of the same 5-tuple gets */
	tt_run1(t, g6_mbuf("l3_in"));
	n = tt_bytes(one_out(t), data, sizeof(data));
	tt_cap_reset(&t->cap[0]);
	assert_int_equal(fw_dp_inject_dsr(t->dp, tls6, be3, g6_mbuf("l3_in")), 0);
	assert_int_equal(inject_run(t), 1);
	assert_int_equal(tt_bytes(one_out(t), out, sizeof(out)), n);
	assert_memory_equal(out, data, n);
	assert_int_equal(tt_ev(t, FW_EV_INJECTED), 2);
	tt_cap_reset(&t->cap[0]);
	/* a frame of the other family than the VIP's is refused, both ways */
	assert_int_equal(fw_dp_inject_dsr(t->dp, web6, be1, tt_golden_mbuf("l2_in", TT_PORT)), 0);
	assert_int_equal(fw_dp_inject_dsr(t->dp, web4, be4, g6_mbuf("l2_in")), 0);
	assert_int_equal(inject_run(t), 0);
	assert_int_equal(t->cap[0].n, 0);
	assert_int_equal(tt_drop(t, FW_DROP_INJECT_BAD), 2);
}

static void test_v6_flush_of_a_vip_empties_the_v6_table(void **state)
{
	struct tt_topo *t = *state;
	struct fw_resp r;
	unsigned int i;

	for (i = 0; i < 50; i++) {
		tt_run1(t, l4_6("2001:db8:ff::1", "2001:db8:1::100", (uint16_t)(1000 + i), 80, 0));
		tt_cap_reset(&t->cap[0]);
	}
	assert_int_equal(t->w[0]->flows6->st.used, 50);
	assert_int_equal(fw_dp_flush(t->dp, web6, -1), 0);
	while (fw_dp_poll_response(t->dp, &r) == 0)
		tt_run(t, 0, NULL, 0);
	assert_int_equal(r.type, FW_RESP_FLUSHED);
	assert_int_equal(r.count, 50);
	assert_int_equal(t->w[0]->flows6->st.used, 0);
}

static void test_v4_goldens_unchanged_beside_v6_in_one_burst(void **state)
{
	struct tt_topo *t = *state;
	struct rte_mbuf *m[4];

	m[0] = tt_golden_mbuf("l2_in", TT_PORT); /* IPv4, tests/data/fw_golden.hex */
	m[1] = g6_mbuf("l2_in");
	m[2] = tt_golden_mbuf("echo_in", TT_PORT);
	m[3] = g6_mbuf("ns_in");
	assert_int_equal(tt_run(t, 0, m, 4), 4);
	assert_int_equal(t->cap[0].n, 4);
	/* the flow stages run after the burst's replies: echo, NA, then v4, then v6 */
	tt_assert_golden(t->cap[0].pkts[0], "echo_out");
	assert_g6(t->cap[0].pkts[1], "na_out");
	tt_assert_golden(t->cap[0].pkts[2], "l2_out");
	assert_g6(t->cap[0].pkts[3], "l2_out");
	assert_int_equal(t->w[0]->flows->st.used, 1);
	assert_int_equal(t->w[0]->flows6->st.used, 1);
	assert_int_equal(tt_drops(t), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_v6_l2_rewrite_changes_only_the_macs),
		T(test_v6_l2_rewrite_trims_padding_and_keeps_an_8021q_tag),
		T(test_v6_l3_6in6_golden_and_outer_header_field_by_field),
		T(test_v6_l3_outer_source_and_label_are_per_flow),
		T(test_v6_l3_outer_source_defaults_to_the_port_address),
		T(test_v6_flows_stay_pinned_when_backends_are_added),
		T(test_v6_too_big_for_the_tunnel_sends_packet_too_big_mtu_minus_40),
		T(test_v6_packet_too_big_is_rate_limited),
		T(test_v6_icmp_error_quoting_a_vip_flow_goes_to_its_backend),
		T(test_v6_icmp_error_follows_the_flow_among_16_backends),
		T(test_v6_neighbor_solicitations_for_vip_and_self_addresses_are_answered),
		T(test_v6_dad_foreign_solicitations_and_advertisements_are_punted),
		T(test_v6_malformed_solicitations_are_dropped),
		T(test_v6_echo_to_a_vip_is_answered),
		T(test_v6_packet_for_a_self_address_is_punted_to_the_kernel),
		T(test_v6_fragments_of_an_addresses_hash_vip_reach_one_backend),
		T(test_v6_fragments_meet_on_one_of_16_backends),
		T(test_v6_fragments_of_a_five_tuple_vip_are_dropped),
		T(test_v6_atomic_fragment_and_extension_headers_are_forwarded),
		T(test_each_malformed_v6_frame_is_dropped_with_its_reason),
		T(test_v6_corrupted_frames_are_all_accounted_for),
		T(test_v6_probe_injected_for_dsr_leaves_as_data_would),
		T(test_v6_flush_of_a_vip_empties_the_v6_table),
		T(test_v4_goldens_unchanged_beside_v6_in_one_burst),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
