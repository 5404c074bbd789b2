/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet pipeline, frame in -> frames out: golden frames (made by scapy, see
 * tests/data/gen_fw_golden.py) for every rewrite and reply, and every drop reason for
 * malformed input, with the counters the operator will read.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_mbuf.h>

#include "firmware/control/fw_dp_priv.h" /* be_hint: where the next backend slot is taken */
#include "firmware/datapath/fw_pipeline.h"
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

static void republish(struct tt_topo *t, const struct tt_opts *o)
{
	assert_int_equal(fw_dp_publish_sync(t->dp, tt_topo_state(t, o)), 0);
}

/* Exactly one frame left, on port 0 queue 0; returns it. */
static struct rte_mbuf *one_out(struct tt_topo *t)
{
	assert_int_equal(t->cap[0].n, 1);
	assert_int_equal(t->cap[0].port[0], TT_PORT);
	assert_int_equal(t->cap[0].queue[0], 0);
	return t->cap[0].pkts[0];
}

static void test_l2_rewrite_changes_only_the_macs(void **state)
{
	struct tt_topo *t = *state;
	struct fw_obj_counters vc, bc;

	assert_int_equal(tt_run1(t, tt_golden_mbuf("l2_in", TT_PORT)), 1);
	tt_assert_golden(one_out(t), "l2_out");
	assert_int_equal(tt_drops(t), 0);
	assert_int_equal(fw_dp_counters_vip(t->dp, (unsigned int)t->web, &vc), 0);
	assert_int_equal(fw_dp_counters_backend(t->dp, (unsigned int)t->be1, &bc), 0);
	assert_int_equal(vc.packets, 1);
	assert_int_equal(vc.bytes, 54);
	assert_int_equal(vc.new_flows, 1);
	assert_int_equal(bc.packets, 1);
	assert_int_equal(bc.new_flows, 1);
	assert_int_equal(tt_ev(t, FW_EV_NEW_FLOWS), 1);
}

static void test_l2_rewrite_trims_ethernet_padding(void **state)
{
	struct tt_topo *t = *state;
	uint8_t b[128];
	size_t n = tt_golden("l2_in", b, sizeof(b));

	memset(b + n, 0, 6); /* padded to the 60-byte minimum */
	assert_int_equal(tt_run1(t, tt_mbuf(b, n + 6, TT_PORT)), 1);
	tt_assert_golden(one_out(t), "l2_out");
}

static void test_l2_rewrite_keeps_an_8021q_tag(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, tt_golden_mbuf("vlan_in", TT_PORT)), 1);
	tt_assert_golden(one_out(t), "vlan_out");
}

static void test_l3_encapsulation_golden_and_outer_header_checked_field_by_field(void **state)
{
	struct tt_topo *t = *state;
	uint8_t in[128], out[256];
	size_t nin, nout;
	const uint8_t *o;

	assert_int_equal(tt_run1(t, tt_golden_mbuf("l3_in", TT_PORT)), 1);
	tt_assert_golden(one_out(t), "l3_out");
	/* The same fields again, independently of scapy. */
	nin = tt_golden("l3_in", in, sizeof(in));
	nout = tt_bytes(one_out(t), out, sizeof(out));
	assert_int_equal(nout, nin + 20);
	o = out + 14;
	assert_int_equal(o[0], 0x45);			   /* version 4, IHL 5 */
	assert_int_equal(o[1], in[14 + 1]);		   /* DSCP/ECN copied */
	assert_int_equal(o[2] << 8 | o[3], nin - 14 + 20); /* total length */
	assert_int_equal(o[6] & 0x40, 0x40);		   /* DF copied */
	assert_int_equal(o[8], 64);			   /* TTL */
	assert_int_equal(o[9], 4);			   /* IP-in-IP */
	assert_memory_equal(o + 12, ((uint8_t[]){172, 16, 0, 1}), 4);
	assert_memory_equal(o + 16, ((uint8_t[]){10, 0, 2, 21}), 4);
	assert_int_equal(tt_csum(o, 20), 0);		  /* RFC 1071, not rte_ip */
	assert_memory_equal(out + 34, in + 14, nin - 14); /* inner untouched */
	assert_memory_equal(out, ((uint8_t[]){2, 0, 0, 0, 0, 0xfe, 2, 0, 0, 0, 0, 1}), 12);
}

/* An L3 frame that may be fragmented (DF clear) and fits: the outer header takes DF
 * clear too and a fresh identification per packet (RFC 6864), right checksum. */
static void test_l3_without_df_numbers_each_outer_header(void **state)
{
	struct tt_topo *t = *state;
	uint8_t in[128], out[2][256];
	size_t nin = tt_golden("l3_in", in, sizeof(in));
	unsigned int k;
	uint16_t c;

	in[14 + 6] &= (uint8_t)~0x40; /* DF off */
	in[14 + 10] = in[14 + 11] = 0;
	c = tt_csum(in + 14, 20);
	in[14 + 10] = (uint8_t)(c >> 8);
	in[14 + 11] = (uint8_t)c;
	for (k = 0; k < 2; k++) {
		assert_int_equal(tt_run1(t, tt_mbuf(in, nin, TT_PORT)), 1);
		assert_int_equal(tt_bytes(one_out(t), out[k], sizeof(out[k])), nin + 20);
		tt_cap_reset(&t->cap[0]);
		assert_int_equal(out[k][14 + 6] & 0x40, 0);	     /* DF clear */
		assert_int_equal(tt_csum(out[k] + 14, 20), 0);	     /* RFC 1071 */
		assert_memory_equal(out[k] + 34, in + 14, nin - 14); /* inner untouched */
	}
	assert_int_equal((out[1][18] << 8 | out[1][19]) - (out[0][18] << 8 | out[0][19]), 1);
}

/* The NIC's verdict on the IPv4 header checksum is taken where it gives one: GOOD and
 * NONE (verified, not correct in the frame) forward a frame whose sum is wrong, BAD
 * drops one whose sum is right. */
static void test_nic_ip_checksum_verdict_is_used(void **state)
{
	struct tt_topo *t = *state;
	uint8_t b[128];
	size_t n = tt_golden("l2_in", b, sizeof(b));
	struct rte_mbuf *m;

	b[14 + 10] ^= 0x55; /* wrong sum */
	m = tt_mbuf(b, n, TT_PORT);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	assert_int_equal(tt_run1(t, m), 1);
	tt_cap_reset(&t->cap[0]);
	m = tt_mbuf(b, n, TT_PORT);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_NONE;
	assert_int_equal(tt_run1(t, m), 1);
	tt_cap_reset(&t->cap[0]);
	b[14 + 10] ^= 0x55; /* right again */
	m = tt_mbuf(b, n, TT_PORT);
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	assert_int_equal(tt_run1(t, m), 0);
	assert_int_equal(tt_drop(t, FW_DROP_IP_CHECKSUM), 1);
	assert_int_equal(tt_drops(t), 1);
}

static void test_l3_outer_source_is_per_flow_from_the_prefix(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o = {.tls_src = TT_A(172, 16, 0, 0), .tls_src_len = 16};
	uint32_t seen[64];
	unsigned int i, j, distinct = 0;

	republish(t, &o);
	for (i = 0; i < 64; i++) {
		uint8_t out[256];
		uint32_t src;

		tt_run1(t, tt_l4(IPPROTO_TCP, TT_A(192, 0, 2, 1), TT_A(10, 0, 1, 101),
				 (uint16_t)(20000 + i), 443, 64, 0));
		assert_int_equal(t->cap[0].n, 1);
		tt_bytes(t->cap[0].pkts[0], out, sizeof(out));
		assert_int_equal(tt_csum(out + 14, 20), 0);
		memcpy(&src, out + 14 + 12, 4);
		assert_int_equal(out[26], 172);
		assert_int_equal(out[27], 16);
		assert_false(out[28] == 0 && out[29] == 0);
		assert_false(out[28] == 255 && out[29] == 255);
		for (j = 0; j < distinct; j++)
			if (seen[j] == src)
				break;
		if (j == distinct)
			seen[distinct++] = src;
		tt_cap_reset(&t->cap[0]);
		/* The same flow again: the same source. */
		tt_run1(t, tt_l4(IPPROTO_TCP, TT_A(192, 0, 2, 1), TT_A(10, 0, 1, 101),
				 (uint16_t)(20000 + i), 443, 64, 0));
		tt_bytes(t->cap[0].pkts[0], out, sizeof(out));
		assert_memory_equal(out + 26, &src, 4);
		tt_cap_reset(&t->cap[0]);
	}
	print_message("  64 flows used %u distinct outer sources\n", distinct);
	assert_true(distinct >= 60);
}

static void test_l3_outer_source_defaults_to_the_port_address(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o = {0};
	uint8_t out[256];

	o.web_backends = 1;
	republish(t, &o);
	tt_run1(t, tt_golden_mbuf("l3_in", TT_PORT));
	tt_bytes(one_out(t), out, sizeof(out));
	assert_memory_equal(out + 26, ((uint8_t[]){10, 0, 1, 10}), 4);
	assert_int_equal(tt_csum(out + 14, 20), 0);
}

static void test_arp_request_for_a_vip_is_answered(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, tt_golden_mbuf("arp_in", TT_PORT)), 1);
	tt_assert_golden(one_out(t), "arp_out");
	assert_int_equal(tt_ev(t, FW_EV_ARP_REPLY), 1);
}

static void test_arp_request_for_a_self_address_is_answered(void **state)
{
	struct tt_topo *t = *state;
	uint8_t b[128], out[128];
	size_t n = tt_golden("arp_in", b, sizeof(b));

	b[14 + 24 + 3] = 10; /* target 10.0.1.10 */
	tt_run1(t, tt_mbuf(b, n, TT_PORT));
	tt_bytes(one_out(t), out, sizeof(out));
	assert_int_equal(out[14 + 7], 2);				       /* reply */
	assert_memory_equal(out + 14 + 8, ((uint8_t[]){2, 0, 0, 0, 0, 1}), 6); /* sha */
	assert_memory_equal(out + 14 + 14, ((uint8_t[]){10, 0, 1, 10}), 4);    /* spa */
}

static void test_arp_for_others_dropped_and_replies_punted(void **state)
{
	struct tt_topo *t = *state;
	uint8_t b[128];
	size_t n = tt_golden("arp_in", b, sizeof(b));
	struct rte_mbuf *m;

	b[14 + 24 + 3] = 77; /* somebody else's address */
	assert_int_equal(tt_run1(t, tt_mbuf(b, n, TT_PORT)), 0);
	assert_int_equal(tt_drop(t, FW_DROP_ARP_NOT_OURS), 1);

	/* A reply (to our MAC) is what neighbour resolution waits for: punted. */
	n = tt_golden("arp_out", b, sizeof(b));
	memcpy(b, ((uint8_t[]){2, 0, 0, 0, 0, 1}), 6);
	assert_int_equal(tt_run1(t, tt_mbuf(b, n, TT_PORT)), 0);
	assert_int_equal(t->cap[0].n, 0);
	assert_int_equal(fw_dp_punt_poll(t->dp, &m, 1), 1);
	assert_int_equal(fw_mbuf_meta(m)->kind, FW_META_PUNT_ARP);
	assert_int_equal(fw_mbuf_meta(m)->port_id, TT_PORT);
	tt_assert_frame(m, b, n);
	rte_pktmbuf_free(m);
	assert_int_equal(tt_ev(t, FW_EV_PUNTED), 1);
}

static void test_icmp_echo_to_a_vip_is_answered(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, tt_golden_mbuf("echo_in", TT_PORT)), 1);
	tt_assert_golden(one_out(t), "echo_out");
	assert_int_equal(tt_ev(t, FW_EV_ICMP_ECHO_REPLY), 1);
}

static void test_icmp_echo_with_bad_checksum_is_dropped(void **state)
{
	struct tt_topo *t = *state;
	uint8_t b[128];
	size_t n = tt_golden("echo_in", b, sizeof(b));

	b[n - 1] ^= 1;
	assert_int_equal(tt_run1(t, tt_mbuf(b, n, TT_PORT)), 0);
	assert_int_equal(tt_drop(t, FW_DROP_ICMP_CHECKSUM), 1);
}

static void test_packet_for_a_self_address_is_punted(void **state)
{
	struct tt_topo *t = *state;
	struct rte_mbuf *m;

	tt_run1(t, tt_l4(IPPROTO_TCP, TT_A(10, 0, 1, 11), TT_A(10, 0, 1, 10), 80, 33333, 64, 0));
	assert_int_equal(t->cap[0].n, 0);
	assert_int_equal(fw_dp_punt_poll(t->dp, &m, 1), 1);
	assert_int_equal(fw_mbuf_meta(m)->kind, FW_META_PUNT_LOCAL);
	rte_pktmbuf_free(m);
}

static void test_too_big_with_df_sends_frag_needed_mtu_minus_20(void **state)
{
	struct tt_topo *t = *state;
	uint8_t out[256];
	size_t n;

	assert_int_equal(tt_run1(t, tt_golden_mbuf("ptb_in", TT_PORT)), 1);
	tt_assert_golden(one_out(t), "ptb_out");
	n = tt_bytes(one_out(t), out, sizeof(out));
	assert_int_equal(tt_csum(out + 14, 20), 0);
	assert_int_equal(tt_csum(out + 34, n - 34), 0);
	assert_int_equal(out[34], 3);
	assert_int_equal(out[35], 4);
	assert_int_equal(out[40] << 8 | out[41], 1480);
	assert_int_equal(tt_ev(t, FW_EV_PTB_SENT), 1);
	assert_int_equal(tt_drop(t, FW_DROP_TOO_BIG), 1);
}

/* A flood of oversized packets gets at most FW_ICMP_BURST answers at once, then
 * FW_ICMP_RATE per second; every one of them is still dropped and counted. */
static void test_frag_needed_is_rate_limited(void **state)
{
	struct tt_topo *t = *state;
	unsigned int i;

	for (i = 0; i < FW_ICMP_BURST + 10; i++) {
		tt_run1(t, tt_golden_mbuf("ptb_in", TT_PORT));
		tt_cap_reset(&t->cap[0]);
	}
	assert_int_equal(tt_ev(t, FW_EV_PTB_SENT), FW_ICMP_BURST);
	assert_int_equal(tt_ev(t, FW_EV_ICMP_RATE_LIMITED), 10);
	assert_int_equal(tt_drop(t, FW_DROP_TOO_BIG), FW_ICMP_BURST + 10);
	/* 10 ms later: 10 more tokens */
	t->now += rte_get_tsc_hz() / 100;
	for (i = 0; i < 15; i++) {
		tt_run1(t, tt_golden_mbuf("ptb_in", TT_PORT));
		tt_cap_reset(&t->cap[0]);
	}
	assert_int_equal(tt_ev(t, FW_EV_PTB_SENT), FW_ICMP_BURST + 10);
	assert_int_equal(tt_ev(t, FW_EV_ICMP_RATE_LIMITED), 15);
	assert_string_equal(fw_event_name(FW_EV_ICMP_RATE_LIMITED), "icmp-errors-rate-limited");
}

static void test_too_big_without_df_fragments_the_outer_packet(void **state)
{
	struct tt_topo *t = *state;
	uint8_t out[1600];

	assert_int_equal(tt_run1(t, tt_golden_mbuf("frag_in", TT_PORT)), 2);
	assert_int_equal(t->cap[0].n, 2);
	tt_assert_golden(t->cap[0].pkts[0], "frag_out0");
	tt_assert_golden(t->cap[0].pkts[1], "frag_out1");
	tt_bytes(t->cap[0].pkts[0], out, sizeof(out));
	assert_int_equal(tt_csum(out + 14, 20), 0);
	assert_int_equal(tt_ev(t, FW_EV_OUTER_FRAGMENTS), 2);
	assert_int_equal(tt_drops(t), 0);
}

static void test_icmp_error_quoting_a_vip_flow_goes_to_its_backend(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, tt_golden_mbuf("icmperr_in", TT_PORT)), 1);
	tt_assert_golden(one_out(t), "icmperr_out");
	assert_int_equal(tt_ev(t, FW_EV_ICMP_ERROR_FORWARDED), 1);
}

static void test_icmp_error_follows_the_flow_among_16_backends(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o = {.web_backends = 16};
	unsigned int i, macs = 0;
	uint8_t seen[16] = {0};

	republish(t, &o);
	for (i = 0; i < 64; i++) {
		uint16_t cport = (uint16_t)(30000 + i * 7);
		uint8_t syn_out[128], err[128], out[128];
		size_t n;

		tt_run1(t, tt_l4(IPPROTO_TCP, TT_A(192, 0, 2, 1), TT_A(10, 0, 1, 100), cport, 80,
				 64, 0));
		tt_bytes(one_out(t), syn_out, sizeof(syn_out));
		tt_cap_reset(&t->cap[0]);
		/* ICMP error quoting VIP:80 -> client:cport. */
		n = tt_golden("icmperr_in", err, sizeof(err));
		err[14 + 20 + 8 + 20 + 2] = (uint8_t)(cport >> 8);
		err[14 + 20 + 8 + 20 + 3] = (uint8_t)cport;
		tt_run1(t, tt_mbuf(err, n, TT_PORT));
		tt_bytes(one_out(t), out, sizeof(out));
		assert_memory_equal(out, syn_out, 6); /* same backend MAC */
		tt_cap_reset(&t->cap[0]);
		if (!seen[syn_out[5] & 15]) {
			seen[syn_out[5] & 15] = 1;
			macs++;
		}
	}
	print_message("  64 flows spread over %u of 16 backends\n", macs);
	assert_true(macs >= 8);
}

/* A data path of the most backend slots (1 Mi): the topology's backends are placed by
 * the test in the highest slots. */
static int setup_big(void **state)
{
	static struct tt_topo t;
	struct fw_dp_conf c = {.nb_workers = 1,
			       .flow_entries = 4096,
			       .max_vips = 64,
			       .max_backends = FW_MAX_BACKENDS};

	tt_topo_setup(&t, &c);
	*state = &t;
	return 0;
}

/*
 * Maglev entries are indices into the VIP's backend list: with the web VIP's 16 backends
 * in slots 1048560..1048575 (above 16 bits, up to the last slot), every flow goes to the
 * backend of the slot the pipeline counts it on (its MAC on the wire), and the flow's
 * entry keeps that 20-bit slot: the next packet of the flow is a hit, not a re-pin.
 */
static void test_maglev_maps_through_the_vip_backends_to_slots_above_16_bits(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o = {.web_backends = 16};
	struct fw_state *empty = fw_state_new(t->dp);
	const struct fw_state *st;
	const struct fw_state_vip *v;
	struct fw_obj_counters c;
	uint64_t before[16];
	unsigned int i, j, used = 0;
	uint8_t seen[16] = {0};

	/* a state without the topology frees its slots; the next one takes them from the
	 * hint on */
	assert_non_null(empty);
	assert_int_equal(fw_state_finalize(empty), 0);
	assert_int_equal(fw_dp_publish_sync(t->dp, empty), 0);
	t->dp->be_hint = FW_MAX_BACKENDS - 16;
	republish(t, &o);
	st = fw_dp_state(t->dp);
	v = &st->vips[t->web];
	assert_int_equal(v->nb_backends, 16);
	for (j = 0; j < 16; j++)
		assert_int_equal(v->backends[j], FW_MAX_BACKENDS - 16 + j);
	for (i = 0; i < 64; i++) {
		uint16_t cport = (uint16_t)(40000 + i * 13);
		uint8_t out[64], again[64];
		int hit = -1;

		for (j = 0; j < 16; j++) {
			assert_int_equal(fw_dp_counters_backend(t->dp, v->backends[j], &c), 0);
			before[j] = c.packets;
		}
		tt_run1(t, tt_l4_flags(IPPROTO_TCP, TT_A(192, 0, 2, 7), TT_A(10, 0, 1, 100), cport,
				       80, 64, 0, TT_SYN));
		tt_bytes(one_out(t), out, sizeof(out));
		tt_cap_reset(&t->cap[0]);
		for (j = 0; j < 16; j++) {
			fw_dp_counters_backend(t->dp, v->backends[j], &c);
			if (c.packets != before[j]) {
				assert_int_equal(c.packets, before[j] + 1);
				assert_int_equal(hit, -1); /* one backend only */
				hit = (int)j;
			}
		}
		assert_true(hit >= 0);
		/* the frame went to the MAC of the backend in that slot */
		assert_memory_equal(out, st->backends[v->backends[hit]].mac.addr_bytes, 6);
		if (!seen[hit]) {
			seen[hit] = 1;
			used++;
		}
		tt_run1(t, tt_l4(IPPROTO_TCP, TT_A(192, 0, 2, 7), TT_A(10, 0, 1, 100), cport, 80,
				 64, 0));
		tt_bytes(one_out(t), again, sizeof(again));
		tt_cap_reset(&t->cap[0]);
		assert_memory_equal(again, out, 6);
	}
	print_message("  64 flows spread over %u of 16 backends in slots 1048560..1048575\n", used);
	assert_true(used >= 8);
	assert_int_equal(tt_ev(t, FW_EV_NEW_FLOWS), 64);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_REPINNED), 0);
	assert_int_equal(tt_drops(t), 0);
}

static void test_icmp_error_not_about_a_vip_flow_is_dropped(void **state)
{
	struct tt_topo *t = *state;
	uint8_t b[128];
	size_t n = tt_golden("icmperr_in", b, sizeof(b));

	b[14 + 28 + 12 + 3] = 99; /* quoted source is not the VIP */
	assert_int_equal(tt_run1(t, tt_mbuf(b, n, TT_PORT)), 0);
	assert_int_equal(tt_drop(t, FW_DROP_ICMP_ERROR_NO_VIP), 1);
}

static void test_port_star_vip_takes_every_port(void **state)
{
	struct tt_topo *t = *state;
	uint8_t out[128];

	tt_run1(t, tt_golden_mbuf("portany_in", TT_PORT));
	tt_assert_golden(one_out(t), "portany_out");
	tt_cap_reset(&t->cap[0]);
	tt_run1(t, tt_l4(IPPROTO_UDP, TT_A(192, 0, 2, 9), TT_A(10, 0, 1, 102), 1, 9999, 64, 3));
	tt_bytes(one_out(t), out, sizeof(out));
	assert_memory_equal(out, ((uint8_t[]){2, 0, 0, 0, 0, 0x12}), 6);
}

static void test_vip_address_with_other_port_or_protocol_is_a_counted_miss(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, tt_l4(IPPROTO_TCP, TT_A(192, 0, 2, 1), TT_A(10, 0, 1, 100),
					  1234, 81, 64, 0)),
			 0);
	assert_int_equal(tt_run1(t, tt_l4(IPPROTO_UDP, TT_A(192, 0, 2, 1), TT_A(10, 0, 1, 100),
					  1234, 80, 64, 0)),
			 0);
	assert_int_equal(t->cap[0].n, 0);
	assert_int_equal(tt_drop(t, FW_DROP_VIP_MISS), 2);
	assert_int_equal(tt_drops(t), 2);
}

static void test_fragments_of_an_addresses_hash_vip_reach_one_backend(void **state)
{
	struct tt_topo *t = *state;
	struct rte_mbuf *m[3];

	/* Out of order, as the network may deliver them. */
	m[0] = tt_golden_mbuf("vipfrag_in2", TT_PORT);
	m[1] = tt_golden_mbuf("vipfrag_in0", TT_PORT);
	m[2] = tt_golden_mbuf("vipfrag_in1", TT_PORT);
	assert_int_equal(tt_run(t, 0, m, 3), 3);
	assert_int_equal(t->cap[0].n, 3);
	tt_assert_golden(t->cap[0].pkts[0], "vipfrag_out2");
	tt_assert_golden(t->cap[0].pkts[1], "vipfrag_out0");
	tt_assert_golden(t->cap[0].pkts[2], "vipfrag_out1");
	assert_int_equal(tt_ev(t, FW_EV_FRAGMENT_FORWARDED), 3);
}

static void test_fragments_of_a_five_tuple_vip_are_dropped(void **state)
{
	struct tt_topo *t = *state;
	uint8_t b[128];
	size_t n = tt_golden("l2_in", b, sizeof(b));
	uint16_t c;

	b[14 + 6] = 0x20; /* MF, offset 0 */
	b[14 + 10] = b[14 + 11] = 0;
	c = tt_csum(b + 14, 20);
	b[14 + 10] = (uint8_t)(c >> 8);
	b[14 + 11] = (uint8_t)c;
	assert_int_equal(tt_run1(t, tt_mbuf(b, n, TT_PORT)), 0);
	b[14 + 6] = 0x00;
	b[14 + 7] = 0x10; /* offset 16 * 8 */
	b[14 + 10] = b[14 + 11] = 0;
	c = tt_csum(b + 14, 20);
	b[14 + 10] = (uint8_t)(c >> 8);
	b[14 + 11] = (uint8_t)c;
	assert_int_equal(tt_run1(t, tt_mbuf(b, n, TT_PORT)), 0);
	assert_int_equal(tt_drop(t, FW_DROP_FRAGMENT), 2);
}

/* ---- malformed input: one drop reason each, nothing sent, nothing leaked ------------- */

struct bad {
	const char *what;
	unsigned int reason;
	void (*mutate)(uint8_t *b, size_t *n);
	int fix_csum;
};

static void ip_csum_fix(uint8_t *b)
{
	uint16_t c;
	size_t ihl = (size_t)(b[14] & 0xf) * 4;

	if (ihl < 20)
		ihl = 20;
	b[24] = b[25] = 0;
	c = tt_csum(b + 14, ihl);
	b[24] = (uint8_t)(c >> 8);
	b[25] = (uint8_t)c;
}

static void set_tot(uint8_t *b, unsigned int tot)
{
	b[16] = (uint8_t)(tot >> 8);
	b[17] = (uint8_t)tot;
}

static void m_eth_trunc(uint8_t *b, size_t *n)
{
	(void)b;
	*n = 13;
}
static void m_vlan_trunc(uint8_t *b, size_t *n)
{
	b[12] = 0x81;
	b[13] = 0x00;
	*n = 16;
}
static void m_vlan_stacked(uint8_t *b, size_t *n)
{
	memmove(b + 18, b + 12, *n - 12);
	b[12] = 0x81;
	b[13] = 0x00;
	b[14] = 0;
	b[15] = 5;
	b[16] = 0x88;
	b[17] = 0xa8;
	*n += 6;
}
static void m_not_our_mac(uint8_t *b, size_t *n)
{
	(void)n;
	b[5] = 0x77;
}
static void m_ipv6(uint8_t *b, size_t *n)
{
	(void)n;
	b[12] = 0x86;
	b[13] = 0xdd;
}
/* EtherType 0 (an 802.3 length of 0): the pipeline once read it as "already dropped"
 * and lost the mbuf without a counter (found by tests/fuzz, target pipeline) */
static void m_ethertype0(uint8_t *b, size_t *n)
{
	(void)n;
	b[12] = 0;
	b[13] = 0;
}
static void m_vlan_ethertype0(uint8_t *b, size_t *n)
{
	memmove(b + 16, b + 12, *n - 12);
	b[12] = 0x81;
	b[13] = 0x00;
	b[14] = 0;
	b[15] = 5;
	b[16] = 0;
	b[17] = 0;
	*n += 4;
}
static void m_arp_trunc(uint8_t *b, size_t *n)
{
	b[12] = 0x08;
	b[13] = 0x06;
	*n = 14 + 20;
}
static void m_arp_bad(uint8_t *b, size_t *n)
{
	static const uint8_t arp[28] = {0, 1, 8, 0, 8, 4, 0, 1}; /* hlen 8 */

	b[12] = 0x08;
	b[13] = 0x06;
	memcpy(b + 14, arp, sizeof(arp));
	*n = 14 + 28;
}
static void m_ip_trunc(uint8_t *b, size_t *n)
{
	(void)b;
	*n = 14 + 19;
}
static void m_ip_version(uint8_t *b, size_t *n)
{
	(void)n;
	b[14] = 0x65;
}
static void m_ihl_small(uint8_t *b, size_t *n)
{
	(void)n;
	b[14] = 0x44;
}
static void m_ihl_past_frame(uint8_t *b, size_t *n)
{
	b[14] = 0x4f; /* 60-byte header in a 40-byte datagram */
	*n = 14 + 40;
}
static void m_tot_big(uint8_t *b, size_t *n)
{
	set_tot(b, (unsigned int)(*n - 14 + 1));
}
static void m_tot_small(uint8_t *b, size_t *n)
{
	(void)n;
	set_tot(b, 19);
}
static void m_bad_csum(uint8_t *b, size_t *n)
{
	(void)n;
	b[24] ^= 0x55;
}
static void m_ttl1(uint8_t *b, size_t *n)
{
	(void)n;
	b[22] = 1;
}
static void m_ttl0(uint8_t *b, size_t *n)
{
	(void)n;
	b[22] = 0;
}
static void m_tcp_trunc(uint8_t *b, size_t *n)
{
	set_tot(b, 20 + 10);
	*n = 14 + 30;
}
static void m_tcp_doff(uint8_t *b, size_t *n)
{
	(void)n;
	b[34 + 12] = 0x40;
}
static void m_tcp_doff_past_datagram(uint8_t *b, size_t *n)
{
	(void)n;
	b[34 + 12] = 0x60; /* 24-byte header in a 20-byte segment */
}
static void m_udp_trunc(uint8_t *b, size_t *n)
{
	b[23] = IPPROTO_UDP;
	set_tot(b, 20 + 4);
	*n = 14 + 24;
}
static void m_udp_len(uint8_t *b, size_t *n)
{
	(void)n;
	b[23] = IPPROTO_UDP;
	b[34 + 2] = 0x13; /* dport 0x1300: dns is `port *` on UDP */
	b[34 + 4] = 0;
	b[34 + 5] = 200; /* longer than the datagram */
	b[33] = 102;	 /* 10.0.1.102 */
}
static void m_icmp_trunc(uint8_t *b, size_t *n)
{
	b[23] = IPPROTO_ICMP;
	set_tot(b, 20 + 4);
	*n = 14 + 24;
}
static void m_not_ours(uint8_t *b, size_t *n)
{
	(void)n;
	b[33] = 200;
}
static void m_icmp_type(uint8_t *b, size_t *n)
{
	(void)n;
	b[23] = IPPROTO_ICMP;
	b[34] = 13; /* timestamp */
}

static const struct bad bads[] = {
	{"truncated Ethernet", FW_DROP_ETH_TRUNCATED, m_eth_trunc, 0},
	{"truncated 802.1Q tag", FW_DROP_ETH_TRUNCATED, m_vlan_trunc, 0},
	{"stacked VLAN tags", FW_DROP_VLAN_STACKED, m_vlan_stacked, 0},
	{"unicast to another MAC", FW_DROP_NOT_OUR_MAC, m_not_our_mac, 0},
	{"IPv4 header under the IPv6 EtherType", FW_DROP_IP6_VERSION, m_ipv6, 0},
	{"EtherType 0", FW_DROP_ETHERTYPE, m_ethertype0, 0},
	{"802.1Q tag, inner EtherType 0", FW_DROP_ETHERTYPE, m_vlan_ethertype0, 0},
	{"truncated ARP", FW_DROP_ARP_TRUNCATED, m_arp_trunc, 0},
	{"ARP with hardware length 8", FW_DROP_ARP_BAD, m_arp_bad, 0},
	{"truncated IP header", FW_DROP_IP_TRUNCATED, m_ip_trunc, 0},
	{"IP version 6 in an IPv4 frame", FW_DROP_IP_VERSION, m_ip_version, 1},
	{"IHL < 5", FW_DROP_IP_IHL, m_ihl_small, 1},
	{"IHL past the frame", FW_DROP_IP_TRUNCATED, m_ihl_past_frame, 0},
	{"total length > frame", FW_DROP_IP_TOTAL_LENGTH, m_tot_big, 1},
	{"total length < IHL", FW_DROP_IP_TOTAL_LENGTH, m_tot_small, 1},
	{"bad header checksum", FW_DROP_IP_CHECKSUM, m_bad_csum, 0},
	{"TTL 1 to be forwarded", FW_DROP_IP_TTL, m_ttl1, 1},
	{"TTL 0", FW_DROP_IP_TTL, m_ttl0, 1},
	{"truncated TCP", FW_DROP_L4_TRUNCATED, m_tcp_trunc, 1},
	{"TCP data offset < 5", FW_DROP_L4_TRUNCATED, m_tcp_doff, 0},
	{"TCP data offset past the datagram", FW_DROP_L4_TRUNCATED, m_tcp_doff_past_datagram, 0},
	{"truncated UDP", FW_DROP_L4_TRUNCATED, m_udp_trunc, 1},
	{"UDP length > datagram", FW_DROP_L4_TRUNCATED, m_udp_len, 1},
	{"truncated ICMP", FW_DROP_L4_TRUNCATED, m_icmp_trunc, 1},
	{"ICMP timestamp to a VIP", FW_DROP_ICMP_UNHANDLED, m_icmp_type, 1},
	{"IP to an address that is not ours", FW_DROP_IP_NOT_OURS, m_not_ours, 1},
};

static void test_each_malformed_frame_is_dropped_with_its_reason(void **state)
{
	struct tt_topo *t = *state;
	unsigned int i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		uint8_t b[256];
		size_t n = tt_golden("l2_in", b, sizeof(b));
		uint64_t before = tt_drop(t, bads[i].reason), all = tt_drops(t);

		bads[i].mutate(b, &n);
		if (bads[i].fix_csum)
			ip_csum_fix(b);
		print_message("  %-36s -> %s\n", bads[i].what, fw_drop_name(bads[i].reason));
		assert_int_equal(tt_run1(t, tt_mbuf(b, n, TT_PORT)), 0);
		assert_int_equal(t->cap[0].n, 0);
		if (tt_drop(t, bads[i].reason) != before + 1)
			fail_msg("%s: %s not counted", bads[i].what, fw_drop_name(bads[i].reason));
		assert_int_equal(tt_drops(t), all + 1); /* and nothing else */
	}
}

static void test_frame_on_an_unknown_port_is_dropped(void **state)
{
	struct tt_topo *t = *state;

	assert_int_equal(tt_run1(t, tt_golden_mbuf("l2_in", 7)), 0);
	assert_int_equal(tt_drop(t, FW_DROP_UNKNOWN_PORT), 1);
}

static void test_tx_refused_by_the_device_is_counted(void **state)
{
	struct tt_topo *t = *state;

	t->cap[0].refuse_after = 1;
	tt_run1(t, tt_golden_mbuf("l2_in", TT_PORT));
	tt_run1(t, tt_golden_mbuf("l2_in", TT_PORT));
	assert_int_equal(t->cap[0].n, 1);
	assert_int_equal(tt_drop(t, FW_DROP_TX_FULL), 1);
	assert_int_equal(tt_ev(t, FW_EV_TX), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_l2_rewrite_changes_only_the_macs),
		T(test_l2_rewrite_trims_ethernet_padding),
		T(test_l2_rewrite_keeps_an_8021q_tag),
		T(test_l3_encapsulation_golden_and_outer_header_checked_field_by_field),
		T(test_l3_without_df_numbers_each_outer_header),
		T(test_nic_ip_checksum_verdict_is_used),
		T(test_l3_outer_source_is_per_flow_from_the_prefix),
		T(test_l3_outer_source_defaults_to_the_port_address),
		T(test_arp_request_for_a_vip_is_answered),
		T(test_arp_request_for_a_self_address_is_answered),
		T(test_arp_for_others_dropped_and_replies_punted),
		T(test_icmp_echo_to_a_vip_is_answered),
		T(test_icmp_echo_with_bad_checksum_is_dropped),
		T(test_packet_for_a_self_address_is_punted),
		T(test_too_big_with_df_sends_frag_needed_mtu_minus_20),
		T(test_frag_needed_is_rate_limited),
		T(test_too_big_without_df_fragments_the_outer_packet),
		T(test_icmp_error_quoting_a_vip_flow_goes_to_its_backend),
		T(test_icmp_error_follows_the_flow_among_16_backends),
		T(test_icmp_error_not_about_a_vip_flow_is_dropped),
		T(test_port_star_vip_takes_every_port),
		T(test_vip_address_with_other_port_or_protocol_is_a_counted_miss),
		T(test_fragments_of_an_addresses_hash_vip_reach_one_backend),
		T(test_fragments_of_a_five_tuple_vip_are_dropped),
		T(test_each_malformed_frame_is_dropped_with_its_reason),
		T(test_frame_on_an_unknown_port_is_dropped),
		T(test_tx_refused_by_the_device_is_counted),
#undef T
		cmocka_unit_test_setup_teardown(
			test_maglev_maps_through_the_vip_backends_to_slots_above_16_bits, setup_big,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
