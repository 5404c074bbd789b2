/* SPDX-License-Identifier: BSD-3-Clause */
/* The golden topology as a state, and the driven-worker fixture (see tt_topo.h). */
#include "tt_topo.h"

#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

static const struct rte_ether_addr port_mac = {{2, 0, 0, 0, 0, 1}};
static const struct rte_ether_addr gw_mac = {{2, 0, 0, 0, 0, 0xfe}};
static const struct rte_ether_addr be1_mac = {{2, 0, 0, 0, 0, 0x11}};
static const struct rte_ether_addr be2_mac = {{2, 0, 0, 0, 0, 0x12}};

static void ok(int rc, const char *what)
{
	if (rc < 0)
		fail_msg("%s: %d (%s)", what, rc, strerror(-rc));
}

struct fw_state *tt_topo_state(struct tt_topo *t, const struct tt_opts *o)
{
	static const struct tt_opts none;
	struct fw_port_def pd = {.port_id = TT_PORT, .mac = port_mac, .mtu = 1500, .nb_queues = 2};
	struct fw_vip_def vd;
	struct fw_backend_def bd;
	struct fw_state *st = fw_state_new(t->dp);
	unsigned int i, n;
	int s;

	if (o == NULL)
		o = &none;
	n = o->web_backends ? o->web_backends : 1;
	assert_non_null(st);
	snprintf(pd.name, sizeof(pd.name), "port0");
	ok(fw_state_add_port(st, &pd), "add port");
	ok(fw_state_add_address(st, TT_PORT, TT_A(10, 0, 1, 10), 24), "add address");
	ok(fw_state_add_route(st, TT_A(10, 0, 2, 0), 24, TT_A(10, 0, 1, 1)), "add route");
	ok(fw_state_add_neighbour(st, TT_PORT, TT_A(10, 0, 1, 1), &gw_mac), "neigh gw");
	ok(fw_state_add_neighbour(st, TT_PORT, TT_A(10, 0, 1, 11), &be1_mac), "neigh be1");
	ok(fw_state_add_neighbour(st, TT_PORT, TT_A(10, 0, 1, 12), &be2_mac), "neigh be2");

	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "web");
	vd.addr = TT_A(10, 0, 1, 100);
	vd.proto = IPPROTO_TCP;
	vd.port = 80;
	vd.mode = FW_MODE_L2;
	vd.port_id = TT_PORT;
	vd.flow_timeout = o->web_timeout;
	vd.fin_timeout_s = o->web_fin_timeout;
	t->web = fw_state_add_vip(st, &vd);
	ok(t->web, "add vip web");
	for (i = 0; i < n; i++) {
		if (o->skip_web_backend == i + 1)
			continue;
		memset(&bd, 0, sizeof(bd));
		snprintf(bd.name, sizeof(bd.name), "web%u", i);
		bd.addr = i == 0 ? TT_A(10, 0, 1, 11) : TT_A(10, 0, 1, (uint8_t)(19 + i));
		bd.weight = (o->web_weight0_mask >> i) & 1 ? 0 : 100;
		bd.up = !((o->web_down_mask >> i) & 1);
		if (i > 0) {
			struct rte_ether_addr mac = {{2, 0, 0, 0, 1, (uint8_t)i}};

			ok(fw_state_add_neighbour(st, TT_PORT, bd.addr, &mac), "neigh web");
		}
		s = fw_state_add_backend(st, t->web, &bd);
		ok(s, "add backend web");
		if (i == 0)
			t->be1 = s;
	}

	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "tls");
	vd.addr = TT_A(10, 0, 1, 101);
	vd.proto = IPPROTO_TCP;
	vd.port = 443;
	vd.mode = FW_MODE_L3;
	vd.port_id = TT_PORT;
	vd.tunnel_src = o->tls_src;
	vd.tunnel_src_len = o->tls_src_len;
	if (o == &none) {
		vd.tunnel_src = TT_A(172, 16, 0, 1);
		vd.tunnel_src_len = 32;
	}
	t->tls = fw_state_add_vip(st, &vd);
	ok(t->tls, "add vip tls");
	memset(&bd, 0, sizeof(bd));
	snprintf(bd.name, sizeof(bd.name), "be3");
	bd.addr = TT_A(10, 0, 2, 21);
	bd.weight = 1;
	bd.up = 1;
	t->be3 = fw_state_add_backend(st, t->tls, &bd);
	ok(t->be3, "add backend be3");

	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "dns");
	vd.addr = TT_A(10, 0, 1, 102);
	vd.proto = IPPROTO_UDP;
	vd.port = 0; /* * */
	vd.udp_timeout_s = o->dns_udp_timeout;
	vd.mode = FW_MODE_L2;
	vd.port_id = TT_PORT;
	t->dns = fw_state_add_vip(st, &vd);
	ok(t->dns, "add vip dns");
	memset(&bd, 0, sizeof(bd));
	bd.addr = TT_A(10, 0, 1, 12);
	bd.weight = 5;
	bd.up = 1;
	t->be2 = fw_state_add_backend(st, t->dns, &bd);
	ok(t->be2, "add backend be2");

	memset(&vd, 0, sizeof(vd));
	snprintf(vd.name, sizeof(vd.name), "frag");
	vd.addr = TT_A(10, 0, 1, 103);
	vd.proto = IPPROTO_UDP;
	vd.port = 4789;
	vd.mode = FW_MODE_L2;
	vd.hash = FW_HASH_ADDRESSES;
	vd.port_id = TT_PORT;
	t->frag = fw_state_add_vip(st, &vd);
	ok(t->frag, "add vip frag");
	memset(&bd, 0, sizeof(bd));
	bd.addr = TT_A(10, 0, 1, 11);
	bd.weight = 1;
	bd.up = 1;
	ok(fw_state_add_backend(st, t->frag, &bd), "add backend frag");

	ok(fw_state_finalize(st), "finalize");
	return st;
}

void tt_topo_setup(struct tt_topo *t, const struct fw_dp_conf *conf)
{
	struct fw_dp_conf c = {
		.nb_workers = 1, .flow_entries = 4096, .max_vips = 64, .max_backends = 1024};
	unsigned int i;

	tt_eal_init("0");
	memset(t, 0, sizeof(*t));
	if (conf != NULL)
		c = *conf;
	c.pool = tt_pool();
	t->avail = rte_mempool_avail_count(tt_pool());
	t->dp = fw_dp_create(&c);
	assert_non_null(t->dp);
	for (i = 0; i < fw_dp_nb_workers(t->dp) && i < 2; i++) {
		t->w[i] = fw_dp_worker(t->dp, i);
		fw_worker_set_tx(t->w[i], tt_cap_tx, &t->cap[i]);
	}
	t->now = 1000;
	ok(fw_dp_publish_sync(t->dp, tt_topo_state(t, NULL)), "publish");
}

void tt_topo_teardown(struct tt_topo *t)
{
	struct rte_mbuf *m;
	unsigned int avail;

	while (fw_dp_punt_poll(t->dp, &m, 1) == 1)
		rte_pktmbuf_free(m);
	tt_cap_reset(&t->cap[0]);
	tt_cap_reset(&t->cap[1]);
	fw_dp_free(t->dp);
	t->dp = NULL;
	avail = rte_mempool_avail_count(tt_pool());
	if (avail != t->avail)
		fail_msg("mbuf leak: %u free before, %u after", t->avail, avail);
}

uint16_t tt_run(struct tt_topo *t, unsigned int idx, struct rte_mbuf **pkts, uint16_t n)
{
	struct fw_worker *w = t->w[idx];
	uint16_t q;

	/* Online only while it runs: between calls the context holds no state, so a
	 * publish from the test thread does not wait for it. */
	fw_worker_online(w);
	fw_worker_begin(w, t->now);
	q = fw_pipeline_burst(w, pkts, n);
	fw_worker_end(w);
	fw_worker_offline(w);
	return q;
}

uint64_t tt_drop(struct tt_topo *t, unsigned int reason)
{
	uint64_t drop[FW_DROP_MAX], ev[FW_EV_MAX];

	fw_dp_counters_global(t->dp, drop, ev);
	return drop[reason];
}

uint64_t tt_ev(struct tt_topo *t, unsigned int e)
{
	uint64_t drop[FW_DROP_MAX], ev[FW_EV_MAX];

	fw_dp_counters_global(t->dp, drop, ev);
	return ev[e];
}

uint64_t tt_drops(struct tt_topo *t)
{
	uint64_t drop[FW_DROP_MAX], ev[FW_EV_MAX], n = 0;
	unsigned int i;

	fw_dp_counters_global(t->dp, drop, ev);
	for (i = 0; i < FW_DROP_MAX; i++)
		n += drop[i];
	return n;
}

struct rte_mbuf *tt_l4(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
		       uint8_t ttl, uint16_t payload)
{
	return tt_l4_flags(proto, src, dst, sport, dport, ttl, payload, TT_ACK);
}

struct rte_mbuf *tt_l4_flags(uint8_t proto, uint32_t src, uint32_t dst, uint16_t sport,
			     uint16_t dport, uint8_t ttl, uint16_t payload, uint8_t tcp_flags)
{
	uint8_t b[1600] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0xaa, 0x08, 0x00};
	uint8_t *ip = b + 14, *l4 = ip + 20;
	uint16_t l4len = (uint16_t)((proto == IPPROTO_TCP ? 20 : 8) + payload);
	uint16_t tot = (uint16_t)(20 + l4len), c;
	uint8_t ph[12];
	uint32_t s;

	assert_true((size_t)tot + 14 <= sizeof(b));
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = 0x40; /* DF */
	ip[8] = ttl;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = tt_csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	l4[0] = (uint8_t)(sport >> 8);
	l4[1] = (uint8_t)sport;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (proto == IPPROTO_TCP) {
		l4[12] = 0x50;
		l4[13] = tcp_flags;
	} else {
		l4[4] = (uint8_t)(l4len >> 8);
		l4[5] = (uint8_t)l4len;
	}
	memset(l4 + (proto == IPPROTO_TCP ? 20 : 8), 'p', payload);
	/* L4 checksum over the pseudo-header: the pipeline does not check it, but the
	 * frames should be what a real client sends. */
	memcpy(ph, &src, 4);
	memcpy(ph + 4, &dst, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)(l4len >> 8);
	ph[11] = (uint8_t)l4len;
	s = (uint16_t)~tt_csum(ph, 12);
	s += (uint16_t)~tt_csum(l4, l4len);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	c = (uint16_t)~s;
	l4[proto == IPPROTO_TCP ? 16 : 6] = (uint8_t)(c >> 8);
	l4[proto == IPPROTO_TCP ? 17 : 7] = (uint8_t)c;
	return tt_mbuf(b, 14u + tot, TT_PORT);
}
