/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path as the control side drives it: several workers agreeing on backends,
 * publish waiting for quiescence (RCU), counters across states and cleared without
 * touching workers, flush, inject (raw and through the DSR rewrite), punt, and the real
 * worker loop on a second lcore over a ring-backed port.
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "firmware/datapath/fw_pipeline.h"
#include "tt_topo.h"

static int setup2(void **state)
{
	static struct tt_topo t;
	struct fw_dp_conf c = {
		.nb_workers = 2, .flow_entries = 4096, .max_vips = 64, .max_backends = 1024};

	tt_topo_setup(&t, &c);
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

/* The backend MAC id a frame went to through worker idx, or -1. */
static int out_id(struct tt_topo *t, unsigned int idx, struct rte_mbuf *m)
{
	uint8_t out[128];

	tt_run(t, idx, &m, 1);
	if (t->cap[idx].n == 0)
		return -1;
	tt_bytes(t->cap[idx].pkts[0], out, sizeof(out));
	assert_int_equal(t->cap[idx].queue[0], idx); /* each worker its own TX queue */
	tt_cap_reset(&t->cap[idx]);
	return out[4] << 8 | out[5];
}

static void test_a_flow_gets_the_same_backend_whichever_worker_sees_it(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o = {.web_backends = 16};
	struct fw_flow_stats s0, s1;
	unsigned int i;

	republish(t, &o);
	for (i = 0; i < 500; i++) {
		uint16_t sp = (uint16_t)(1024 + i * 13);
		int a = out_id(
			t, 0,
			tt_l4(IPPROTO_TCP, TT_A(192, 0, 2, 7), TT_A(10, 0, 1, 100), sp, 80, 64, 0));
		int b = out_id(
			t, 1,
			tt_l4(IPPROTO_TCP, TT_A(192, 0, 2, 7), TT_A(10, 0, 1, 100), sp, 80, 64, 0));

		assert_true(a > 0);
		assert_int_equal(a, b);
	}
	/* Each worker learnt the flows in its own table. */
	fw_dp_flow_stats(t->dp, 0, &s0);
	fw_dp_flow_stats(t->dp, 1, &s1);
	assert_int_equal(s0.used, 500);
	assert_int_equal(s1.used, 500);
}

static void test_publish_frees_the_old_state_only_after_every_worker_is_quiescent(void **state)
{
	struct tt_topo *t = *state;
	struct fw_worker *w0 = t->w[0], *w1 = t->w[1];
	struct fw_state *next = tt_topo_state(t, NULL);
	const struct fw_state *old = fw_dp_state(t->dp);
	struct rte_mbuf *m;

	/* Worker 0 is in the middle of an iteration on the old state; worker 1 is
	 * online but idle between iterations. */
	fw_worker_online(w0);
	fw_worker_online(w1);
	fw_worker_begin(w0, t->now);
	fw_worker_begin(w1, t->now);
	fw_worker_end(w1);
	assert_ptr_equal(w0->st, old);

	assert_int_equal(fw_dp_publish(t->dp, next), 0);
	assert_ptr_equal(fw_dp_state(t->dp), next);
	assert_int_equal(fw_dp_reclaim(t->dp, 0), 1); /* neither has reported since */

	/* Worker 0 still uses the old state: with ASan, a premature free shows here. */
	m = tt_golden_mbuf("l2_in", TT_PORT);
	assert_int_equal(fw_pipeline_burst(w0, &m, 1), 1);
	fw_worker_end(w0);
	assert_int_equal(fw_dp_reclaim(t->dp, 0), 1); /* worker 1 has not reported */

	fw_worker_begin(w1, t->now);
	assert_ptr_equal(w1->st, next); /* adopted between bursts */
	fw_worker_end(w1);
	assert_int_equal(fw_dp_reclaim(t->dp, 0), 0); /* freed */

	fw_worker_begin(w0, t->now);
	assert_ptr_equal(w0->st, next);
	fw_worker_end(w0);
	fw_worker_offline(w0);
	fw_worker_offline(w1);
	tt_cap_reset(&t->cap[0]);
}

static void test_publish_refuses_an_unfinished_state(void **state)
{
	struct tt_topo *t = *state;
	struct fw_state *st = fw_state_new(t->dp);

	assert_int_equal(fw_dp_publish(t->dp, st), -EINVAL);
	fw_state_free(st);
}

static void test_publishing_without_running_workers_never_fills_the_rings(void **state)
{
	struct tt_topo *t = *state;
	struct fw_worker *w = fw_dp_worker(t->dp, 0);
	const struct fw_state *last = NULL;

	/* A one-lcore daemon commits with no worker loop consuming the request rings. */
	for (unsigned int i = 0; i < 1024 + 64; i++) { /* past the ring size (1024) */
		assert_int_equal(fw_dp_publish_sync(t->dp, tt_topo_state(t, NULL)), 0);
		last = fw_dp_state(t->dp);
	}
	/* A worker that starts afterwards adopts the newest state. */
	fw_worker_begin(w, rte_rdtsc());
	assert_ptr_equal(w->st, last);
	fw_worker_end(w);
}

static void test_counters_follow_vips_across_states_and_clear_on_the_control_side(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o = {.web_backends = 1};
	struct fw_obj_counters c;
	unsigned int i;
	uint64_t raw;

	for (i = 0; i < 5; i++)
		tt_run1(t, tt_golden_mbuf("l2_in", TT_PORT));
	republish(t, &o); /* web keeps its identity and slot */
	tt_run1(t, tt_golden_mbuf("l2_in", TT_PORT));
	fw_dp_counters_vip(t->dp, (unsigned int)t->web, &c);
	assert_int_equal(c.packets, 6);
	fw_dp_counters_backend(t->dp, (unsigned int)t->be1, &c);
	assert_int_equal(c.packets, 6);
	assert_int_equal(c.new_flows, 1);

	raw = t->w[0]->cnt.vip[t->web].packets;
	fw_dp_counters_clear(t->dp);
	assert_int_equal(t->w[0]->cnt.vip[t->web].packets, raw); /* workers untouched */
	fw_dp_counters_vip(t->dp, (unsigned int)t->web, &c);
	assert_int_equal(c.packets, 0);
	assert_int_equal(tt_ev(t, FW_EV_RX), 0);
	tt_run1(t, tt_golden_mbuf("l2_in", TT_PORT));
	fw_dp_counters_vip(t->dp, (unsigned int)t->web, &c);
	assert_int_equal(c.packets, 1);
	assert_int_equal(tt_ev(t, FW_EV_RX), 1);

	/* Clearing one VIP leaves the others alone. */
	tt_run1(t, tt_golden_mbuf("portany_in", TT_PORT));
	fw_dp_counters_clear_vip(t->dp, (unsigned int)t->web);
	fw_dp_counters_vip(t->dp, (unsigned int)t->web, &c);
	assert_int_equal(c.packets, 0);
	fw_dp_counters_vip(t->dp, (unsigned int)t->dns, &c);
	assert_int_equal(c.packets, 1);
	tt_cap_reset(&t->cap[0]);
}

static void test_a_new_vip_in_a_reused_slot_starts_from_zero(void **state)
{
	struct tt_topo *t = *state;
	struct fw_port_def pd = {
		.port_id = TT_PORT, .mac = {{2, 0, 0, 0, 0, 1}}, .mtu = 1500, .nb_queues = 2};
	struct fw_vip_def vd = {
		.addr = TT_A(10, 0, 1, 200), .proto = IPPROTO_TCP, .port = 80, .port_id = TT_PORT};
	struct fw_backend_def bd = {.addr = TT_A(10, 0, 1, 11), .weight = 1, .up = 1};
	struct fw_dp_conf conf = {
		.nb_workers = 2, .flow_entries = 4096, .max_vips = 4, .max_backends = 1024};
	struct fw_obj_counters c;
	struct fw_state *st;
	int slot;

	/* Four VIP slots, all taken by the topology: a new VIP must reuse one. */
	tt_topo_teardown(t);
	tt_topo_setup(t, &conf);
	st = fw_state_new(t->dp);
	tt_run1(t, tt_golden_mbuf("l2_in", TT_PORT));
	tt_cap_reset(&t->cap[0]);
	assert_int_equal(fw_state_add_port(st, &pd), 0);
	assert_int_equal(fw_state_add_address(st, TT_PORT, TT_A(10, 0, 1, 10), 24), 0);
	slot = fw_state_add_vip(st, &vd);
	assert_true(slot >= 0);
	assert_int_equal(fw_state_add_backend(st, slot, &bd) >= 0, 1);
	assert_int_equal(fw_state_finalize(st), 0);
	assert_int_equal(fw_dp_publish_sync(t->dp, st), 0);
	assert_int_equal(slot, t->web);
	assert_int_equal(t->w[0]->cnt.vip[slot].packets, 1); /* the old VIP's packet */
	fw_dp_counters_vip(t->dp, (unsigned int)slot, &c);
	assert_int_equal(c.packets, 0);
}

static void test_flush_of_a_backend_drops_only_its_flows(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o = {.web_backends = 4};
	struct fw_flow_stats fs;
	struct fw_resp r;
	int be2;
	unsigned int i, on2 = 0;

	republish(t, &o);
	be2 = fw_state_backend_slot(fw_dp_state(t->dp), t->web, TT_A(10, 0, 1, 21));
	assert_true(be2 >= 0);
	for (i = 0; i < 200; i++)
		on2 += out_id(t, 0,
			      tt_l4(IPPROTO_TCP, TT_A(192, 0, 2, 1), TT_A(10, 0, 1, 100),
				    (uint16_t)(2000 + i), 80, 64, 0)) == 0x102;
	assert_int_equal(fw_dp_flush(t->dp, t->web, be2), 0);
	/* the worker runs the flush between bursts, 1024 buckets at a time */
	for (i = 0; i * 1024 < fw_flow_buckets(t->w[0]->flows); i++) {
		assert_int_equal(fw_dp_poll_response(t->dp, &r), 0);
		tt_run(t, 0, NULL, 0);
		tt_run(t, 1, NULL, 0);
	}
	fw_dp_flow_stats(t->dp, 0, &fs);
	assert_int_equal(fs.used, 200 - on2);
	assert_int_equal(fs.flushed, on2);
	assert_int_equal(fw_dp_poll_response(t->dp, &r), 1);
	assert_int_equal(r.type, FW_RESP_FLUSHED);
	assert_int_equal(r.count, on2);
	assert_int_equal(fw_dp_poll_response(t->dp, &r), 1); /* worker 1: nothing to do */
	assert_int_equal(r.count, 0);
	assert_int_equal(fw_dp_poll_response(t->dp, &r), 0);
}

static void test_top_talkers_are_the_busiest_flows_first(void **state)
{
	struct tt_topo *t = *state;
	struct fw_talker top[2];
	unsigned int i, j;

	/* every packet sampled (the default is one in FW_TALKER_SAMPLE) */
	t->w[0]->talk.every = t->w[0]->talk.left = 1;
	for (i = 0; i < 4; i++) /* flow i sends i + 1 packets */
		for (j = 0; j <= i; j++)
			out_id(t, 0,
			       tt_l4(IPPROTO_TCP, TT_A(192, 0, 2, 1), TT_A(10, 0, 1, 100),
				     (uint16_t)(5000 + i), 80, 64, 0));
	assert_int_equal(fw_dp_flow_top(t->dp, 0, top, 2), 2);
	assert_int_equal(top[0].packets, 4);
	assert_int_equal(rte_be_to_cpu_16(top[0].key.sport), 5003);
	assert_int_equal(top[1].packets, 3);
	assert_int_equal(rte_be_to_cpu_16(top[1].key.sport), 5002);
	assert_int_equal(fw_dp_flow_top(t->dp, 1, top, 2), 0); /* worker 1 saw nothing */
}

static void test_inject_raw_sends_the_frame_as_is(void **state)
{
	struct tt_topo *t = *state;
	uint8_t b[128];
	size_t n = tt_golden("arp_in", b, sizeof(b)); /* e.g. an ARP request of ours */
	unsigned int i;

	assert_int_equal(fw_dp_inject_raw(t->dp, TT_PORT, tt_mbuf(b, n, 99)), 0);
	assert_int_equal(fw_dp_inject_raw(t->dp, 5, NULL), -ENODEV);
	for (i = 0; i < 2; i++) {
		fw_worker_begin(t->w[i], t->now);
		fw_worker_inject(t->w[i]);
		fw_worker_end(t->w[i]);
	}
	assert_int_equal(t->cap[0].n + t->cap[1].n, 1);
	tt_assert_frame(t->cap[0].n ? t->cap[0].pkts[0] : t->cap[1].pkts[0], b, n);
	assert_int_equal(tt_ev(t, FW_EV_INJECTED), 1);
}

/* Inject m toward (vip, be) and return the frame that left. */
static struct rte_mbuf *inject_dsr(struct tt_topo *t, int vip, int be, struct rte_mbuf *m)
{
	unsigned int i;

	assert_int_equal(fw_dp_inject_dsr(t->dp, vip, be, m), 0);
	for (i = 0; i < 2; i++) {
		fw_worker_begin(t->w[i], t->now);
		fw_worker_inject(t->w[i]);
		fw_worker_end(t->w[i]);
	}
	assert_int_equal(t->cap[0].n + t->cap[1].n, 1);
	return t->cap[0].n ? t->cap[0].pkts[0] : t->cap[1].pkts[0];
}

static void test_a_probe_injected_to_a_backend_takes_the_data_path_rewrite(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o = {.web_backends = 16,
			    .web_down_mask = 1u << 5,
			    .tls_src = TT_A(172, 16, 0, 0),
			    .tls_src_len = 16};
	uint8_t data[128], probe[128];
	struct rte_mbuf *m;
	int be5;

	republish(t, &o);
	/* L2: to backend 5 (down: probes still go), not to a Maglev choice. */
	be5 = fw_state_backend_slot(fw_dp_state(t->dp), t->web, TT_A(10, 0, 1, 24));
	m = inject_dsr(
		t, t->web, be5,
		tt_l4(IPPROTO_TCP, TT_A(10, 0, 1, 10), TT_A(10, 0, 1, 100), 40000, 80, 64, 0));
	tt_bytes(m, probe, sizeof(probe));
	assert_memory_equal(probe, ((uint8_t[]){2, 0, 0, 0, 1, 5, 2, 0, 0, 0, 0, 1}), 12);
	tt_cap_reset(&t->cap[0]);
	tt_cap_reset(&t->cap[1]);

	/* L3: the same outer header (per-flow source) as data of the same 5-tuple. */
	tt_run1(t, tt_l4(IPPROTO_TCP, TT_A(10, 0, 1, 10), TT_A(10, 0, 1, 101), 40001, 443, 64, 0));
	assert_int_equal(t->cap[0].n, 1);
	tt_bytes(t->cap[0].pkts[0], data, sizeof(data));
	tt_cap_reset(&t->cap[0]);
	m = inject_dsr(
		t, t->tls, t->be3,
		tt_l4(IPPROTO_TCP, TT_A(10, 0, 1, 10), TT_A(10, 0, 1, 101), 40001, 443, 64, 0));
	tt_bytes(m, probe, sizeof(probe));
	assert_memory_equal(probe, data, 14 + 20 + 40);
	tt_cap_reset(&t->cap[0]);
	tt_cap_reset(&t->cap[1]);
	assert_int_equal(fw_dp_inject_dsr(t->dp, t->web, t->be3, NULL), -ENOENT); /* other VIP */
}

static void test_an_injected_probe_for_a_removed_backend_is_dropped(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o4 = {.web_backends = 4}, o3 = {.web_backends = 4, .skip_web_backend = 2};
	struct rte_mbuf *m =
		tt_l4(IPPROTO_TCP, TT_A(10, 0, 1, 10), TT_A(10, 0, 1, 100), 1, 80, 64, 0);
	int be;
	unsigned int i;

	republish(t, &o4);
	be = fw_state_backend_slot(fw_dp_state(t->dp), t->web, TT_A(10, 0, 1, 20));
	assert_int_equal(fw_dp_inject_dsr(t->dp, t->web, be, m), 0);
	republish(t, &o3); /* removed while the probe waits in the ring */
	for (i = 0; i < 2; i++) {
		fw_worker_begin(t->w[i], t->now);
		fw_worker_inject(t->w[i]);
		fw_worker_end(t->w[i]);
	}
	assert_int_equal(t->cap[0].n + t->cap[1].n, 0);
	assert_int_equal(tt_drop(t, FW_DROP_INJECT_STALE), 1);
}

/* ---- the real worker loop on lcore 1 ---------------------------------------------------- */

static void test_worker_lcore_forwards_from_a_port_and_adopts_new_states(void **state)
{
	struct tt_topo *t = *state;
	struct fw_dp_conf c = {
		.nb_workers = 1, .flow_entries = 4096, .max_vips = 64, .max_backends = 1024};
	struct rte_eth_conf ec = {0};
	struct rte_ring *rx, *tx;
	struct rte_mbuf *m = NULL;
	struct tt_opts down = {.web_down_mask = 1};
	int port, i;

	(void)state;
	if (rte_lcore_count() < 2) {
		print_message("  needs two lcores\n");
		fail();
	}
	rx = rte_ring_create("tt_rx", 256, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	tx = rte_ring_create("tt_tx", 256, (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
	assert_non_null(rx);
	assert_non_null(tx);
	port = rte_eth_from_rings("tt_port", &rx, 1, &tx, 1, (unsigned int)rte_socket_id());
	assert_int_equal(port, TT_PORT); /* the topology's port id */
	assert_int_equal(rte_eth_dev_configure((uint16_t)port, 1, 1, &ec), 0);
	assert_int_equal(rte_eth_rx_queue_setup((uint16_t)port, 0, 256, 0, NULL, tt_pool()), 0);
	assert_int_equal(rte_eth_tx_queue_setup((uint16_t)port, 0, 256, 0, NULL), 0);
	assert_int_equal(rte_eth_dev_start((uint16_t)port), 0);

	tt_topo_teardown(t);
	tt_topo_setup(t, &c);
	fw_worker_set_tx(t->w[0], NULL, NULL); /* the real rte_eth_tx_burst */
	assert_int_equal(fw_dp_start(t->dp), 0);
	assert_int_equal(fw_dp_start(t->dp), -EBUSY);

	assert_int_equal(rte_ring_enqueue(rx, tt_golden_mbuf("l2_in", TT_PORT)), 0);
	for (i = 0; i < 2000 && rte_ring_count(tx) == 0; i++)
		usleep(1000);
	assert_int_equal(rte_ring_dequeue(tx, (void **)&m), 0);
	tt_assert_golden(m, "l2_out");
	rte_pktmbuf_free(m);

	/* A publish completes while the worker runs (it reports between bursts)... */
	assert_int_equal(fw_dp_publish_sync(t->dp, tt_topo_state(t, &down)), 0);
	/* ...and the next frame meets the new state: be1 down, nothing usable. */
	assert_int_equal(rte_ring_enqueue(rx, tt_golden_mbuf("l2_in", TT_PORT)), 0);
	for (i = 0; i < 2000 && tt_drop(t, FW_DROP_NO_BACKEND) == 0; i++)
		usleep(1000);
	assert_int_equal(tt_drop(t, FW_DROP_NO_BACKEND), 1);
	assert_int_equal(rte_ring_count(tx), 0);

	fw_dp_stop(t->dp);
	rte_eth_dev_stop((uint16_t)port);
	rte_eth_dev_close((uint16_t)port);
	rte_ring_free(rx);
	rte_ring_free(tx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup2, teardown)
		T(test_a_flow_gets_the_same_backend_whichever_worker_sees_it),
		T(test_publish_frees_the_old_state_only_after_every_worker_is_quiescent),
		T(test_publish_refuses_an_unfinished_state),
		T(test_publishing_without_running_workers_never_fills_the_rings),
		T(test_counters_follow_vips_across_states_and_clear_on_the_control_side),
		T(test_a_new_vip_in_a_reused_slot_starts_from_zero),
		T(test_flush_of_a_backend_drops_only_its_flows),
		T(test_top_talkers_are_the_busiest_flows_first),
		T(test_inject_raw_sends_the_frame_as_is),
		T(test_a_probe_injected_to_a_backend_takes_the_data_path_rewrite),
		T(test_an_injected_probe_for_a_removed_backend_is_dropped),
		T(test_worker_lcore_forwards_from_a_port_and_adopts_new_states),
#undef T
	};

	tt_eal_init("0-1");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
