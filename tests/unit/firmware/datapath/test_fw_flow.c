/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow table, alone (set-associative LRU, expiry, flush) and in the pipeline
 * (pinning across backend-set changes, drain, down backends, idle expiry, eviction when
 * full, the new-flow rate cap).
 */
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "firmware/datapath/fw_flow.h"
#include "tt_topo.h"

/* ---- the table alone ------------------------------------------------------------------- */

static struct fw_flow_key key(uint32_t i)
{
	struct fw_flow_key k = {.src = i + 1, .dst = 99, .sport = 7, .dport = 80, .proto = 6};

	return k;
}

static void test_lookup_finds_what_was_inserted(void **state)
{
	struct fw_flow_table *t = fw_flow_create(1024, 0);
	struct fw_flow_key k = key(1), other = key(2);
	struct fw_flow_entry *e;
	int ev;

	(void)state;
	assert_non_null(t);
	assert_null(fw_flow_lookup(t, &k, fw_flow_hash(&k)));
	e = fw_flow_insert(t, &k, fw_flow_hash(&k), 100, 50, &ev);
	e->be = 3;
	assert_int_equal(ev, 0);
	e = fw_flow_lookup(t, &k, fw_flow_hash(&k));
	assert_non_null(e);
	assert_int_equal(e->be, 3);
	assert_null(fw_flow_lookup(t, &other, fw_flow_hash(&other)));
	assert_false(fw_flow_expired(e, 150));
	assert_true(fw_flow_expired(e, 151));
	assert_int_equal(t->st.used, 1);
	fw_flow_free(t);
}

/* Keys that all land in bucket 0 of a one-bucket table. */
static void test_full_bucket_evicts_the_least_recently_used(void **state)
{
	struct fw_flow_table *t = fw_flow_create(FW_FLOW_WAYS, 0); /* one bucket */
	struct fw_flow_key k[FW_FLOW_WAYS + 1];
	uint32_t i;
	int ev;

	(void)state;
	assert_int_equal(fw_flow_buckets(t), 1);
	for (i = 0; i <= FW_FLOW_WAYS; i++)
		k[i] = key(i);
	for (i = 0; i < FW_FLOW_WAYS; i++) {
		fw_flow_insert(t, &k[i], fw_flow_hash(&k[i]), 10 + i, 1000, &ev);
		assert_int_equal(ev, 0);
	}
	/* Key 0 is used again: key 1 becomes the least recently used. */
	fw_flow_lookup(t, &k[0], fw_flow_hash(&k[0]))->last = 50;
	fw_flow_insert(t, &k[FW_FLOW_WAYS], fw_flow_hash(&k[FW_FLOW_WAYS]), 60, 1000, &ev);
	assert_int_equal(ev, 1);
	assert_int_equal(t->st.evicted, 1);
	assert_null(fw_flow_lookup(t, &k[1], fw_flow_hash(&k[1])));
	assert_non_null(fw_flow_lookup(t, &k[0], fw_flow_hash(&k[0])));
	assert_non_null(fw_flow_lookup(t, &k[FW_FLOW_WAYS], fw_flow_hash(&k[FW_FLOW_WAYS])));
	assert_int_equal(t->st.used, FW_FLOW_WAYS);
	fw_flow_free(t);
}

static void test_an_expired_entry_is_reused_before_evicting_a_live_one(void **state)
{
	struct fw_flow_table *t = fw_flow_create(FW_FLOW_WAYS, 0);
	struct fw_flow_key k[FW_FLOW_WAYS + 1];
	uint32_t i;
	int ev;

	(void)state;
	for (i = 0; i <= FW_FLOW_WAYS; i++)
		k[i] = key(i);
	for (i = 0; i < FW_FLOW_WAYS; i++) /* key 5 idles out after 10 */
		fw_flow_insert(t, &k[i], fw_flow_hash(&k[i]), 100, i == 5 ? 10 : 1000, &ev);
	fw_flow_insert(t, &k[FW_FLOW_WAYS], fw_flow_hash(&k[FW_FLOW_WAYS]), 200, 1000, &ev);
	assert_int_equal(ev, 0);
	assert_int_equal(t->st.expired, 1);
	assert_null(fw_flow_lookup(t, &k[5], fw_flow_hash(&k[5])));
	for (i = 0; i < FW_FLOW_WAYS; i++)
		if (i != 5)
			assert_non_null(fw_flow_lookup(t, &k[i], fw_flow_hash(&k[i])));
	fw_flow_free(t);
}

static void test_flush_removes_a_vip_or_one_backend(void **state)
{
	struct fw_flow_table *t = fw_flow_create(4096, 0);
	uint32_t i, next = 0, rounds = 0;
	int ev;

	(void)state;
	for (i = 0; i < 300; i++) {
		struct fw_flow_key k = key(i);
		struct fw_flow_entry *e = fw_flow_insert(t, &k, fw_flow_hash(&k), 1, 1000, &ev);

		e->vip = (uint16_t)(i % 3);
		e->be = (uint16_t)(i % 2);
	}
	/* VIP 0, backend 1 only: i % 3 == 0 && i % 2 == 1 -> 50 entries, in slices. */
	do {
		next = fw_flow_flush_slice(t, 0, 1, next, 64);
		rounds++;
	} while (next != 0);
	assert_true(rounds > 1);
	assert_int_equal(t->st.flushed, 50);
	assert_int_equal(t->st.used, 250);
	fw_flow_flush_slice(t, 1, FW_SLOT_NONE, 0, UINT32_MAX);
	assert_int_equal(t->st.used, 150);
	for (i = 0; i < 300; i++) {
		struct fw_flow_key k = key(i);
		int gone = (i % 3 == 0 && i % 2 == 1) || i % 3 == 1;

		assert_true((fw_flow_lookup(t, &k, fw_flow_hash(&k)) == NULL) == gone);
	}
	fw_flow_free(t);
}

/* ---- in the pipeline --------------------------------------------------------------------- */

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

/* Send flow i of the web VIP (client port 10000 + i); returns the backend MAC's
 * last two bytes, or -1 if nothing left. */
static int send_flow(struct tt_topo *t, unsigned int i)
{
	uint8_t out[128];
	int id;

	tt_run1(t, tt_l4(IPPROTO_TCP, TT_A(192, 0, 2, (uint8_t)(1 + i / 50000)),
			 TT_A(10, 0, 1, 100), (uint16_t)(10000 + i % 50000), 80, 64, 0));
	if (t->cap[0].n == 0)
		return -1;
	assert_int_equal(t->cap[0].n, 1);
	tt_bytes(t->cap[0].pkts[0], out, sizeof(out));
	tt_cap_reset(&t->cap[0]);
	id = out[4] << 8 | out[5];
	return id;
}

/* MAC id of web backend i (be1 = 0x0011, others 0x01ii). */
static int web_id(unsigned int i)
{
	return i == 0 ? 0x11 : (int)(0x100 | i);
}

#define NF 400

static void test_flows_stay_pinned_when_backends_are_added(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o4 = {.web_backends = 4}, o16 = {.web_backends = 16};
	static int before[NF];
	unsigned int i, moved_without_table = 0, to_new = 0;

	republish(t, &o4);
	for (i = 0; i < NF; i++)
		before[i] = send_flow(t, i);
	republish(t, &o16);
	for (i = 0; i < NF; i++)
		assert_int_equal(send_flow(t, i), before[i]);
	/* New flows see the 16-backend table. */
	for (i = NF; i < 2 * NF; i++)
		to_new += (send_flow(t, i) & 0xff) >= 4;
	assert_true(to_new > NF / 2);
	/* Without the flow table (flushed), the same flows would have moved: the pinning
	 * above is the flow table's doing, not Maglev's. */
	assert_int_equal(fw_dp_flush(t->dp, t->web, -1), 0);
	for (i = 0; i < NF; i++)
		moved_without_table += send_flow(t, i) != before[i];
	print_message("  %u of %u flows would have moved without the flow table\n",
		      moved_without_table, NF);
	assert_true(moved_without_table > NF / 2);
}

static void test_weight_zero_keeps_pinned_flows_and_takes_no_new_ones(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o4 = {.web_backends = 4};
	static int before[NF];
	unsigned int i, on2 = 0;

	republish(t, &o4);
	for (i = 0; i < NF; i++) {
		before[i] = send_flow(t, i);
		on2 += before[i] == web_id(2);
	}
	assert_true(on2 > 0);
	o4.web_weight0_mask = 1u << 2; /* drain backend 2 */
	republish(t, &o4);
	for (i = 0; i < NF; i++)
		assert_int_equal(send_flow(t, i), before[i]);
	for (i = NF; i < 3 * NF; i++)
		assert_int_not_equal(send_flow(t, i), web_id(2));
}

static void test_down_backend_loses_its_flows_and_gets_none(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o4 = {.web_backends = 4};
	static int before[NF];
	unsigned int i, on2 = 0;

	republish(t, &o4);
	for (i = 0; i < NF; i++) {
		before[i] = send_flow(t, i);
		on2 += before[i] == web_id(2);
	}
	o4.web_down_mask = 1u << 2;
	republish(t, &o4);
	for (i = 0; i < NF; i++) {
		int now = send_flow(t, i);

		assert_int_not_equal(now, web_id(2));
		if (before[i] != web_id(2))
			assert_int_equal(now, before[i]); /* the others stay */
	}
	assert_int_equal(tt_ev(t, FW_EV_FLOW_REPINNED), on2);
}

static void test_a_backend_removed_and_readded_does_not_inherit_old_flows(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o4 = {.web_backends = 4}, o3 = {.web_backends = 4, .skip_web_backend = 3};
	unsigned int i, on2 = 0;

	republish(t, &o4);
	for (i = 0; i < NF; i++)
		on2 += send_flow(t, i) == web_id(2);
	republish(t, &o3); /* backend 2 removed: its identity ends */
	republish(t, &o4); /* same address again: a new identity (generation) */
	for (i = 0; i < NF; i++)
		send_flow(t, i);
	/* The flows pinned to the old identity are re-pinned (by Maglev, possibly to the
	 * same address), never taken over silently by the new one. */
	assert_int_equal(tt_ev(t, FW_EV_FLOW_REPINNED), on2);
}

static void test_idle_flows_expire_after_the_vip_timeout(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o4 = {.web_backends = 4, .web_timeout = 10};
	struct tt_opts o16 = {.web_backends = 16, .web_timeout = 10};
	static int before[NF];
	unsigned int i, moved = 0;
	uint64_t hz = rte_get_tsc_hz();

	republish(t, &o4);
	for (i = 0; i < NF; i++)
		before[i] = send_flow(t, i);
	republish(t, &o16);
	t->now += 9 * hz; /* still within 10 s: pinned, and refreshed */
	for (i = 0; i < NF; i++)
		assert_int_equal(send_flow(t, i), before[i]);
	t->now += 9 * hz; /* 9 s after the refresh: still pinned */
	for (i = 0; i < NF / 2; i++)
		assert_int_equal(send_flow(t, i), before[i]);
	t->now += 10 * hz + 1; /* the second half idled 19 s, the first 10 s + 1 */
	for (i = 0; i < NF; i++)
		moved += send_flow(t, i) != before[i];
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EXPIRED), NF);
	assert_true(moved > NF / 2);
}

static void test_a_full_table_evicts_and_keeps_forwarding(void **state)
{
	struct tt_topo *t = *state;
	struct fw_dp_conf c = {
		.nb_workers = 1, .flow_entries = 64, .max_vips = 64, .max_backends = 1024};
	struct fw_flow_stats fs;
	unsigned int i;

	tt_topo_teardown(t);
	tt_topo_setup(t, &c);
	for (i = 0; i < 1000; i++)
		assert_int_equal(send_flow(t, i), 0x11);
	assert_int_equal(fw_dp_flow_stats(t->dp, 0, &fs), 0);
	print_message("  capacity %lu, used %lu, evicted %lu\n", (unsigned long)fs.capacity,
		      (unsigned long)fs.used, (unsigned long)fs.evicted);
	assert_int_equal(fs.capacity, 64);
	assert_int_equal(fs.used, 64);
	assert_int_equal(fs.evicted, 1000 - 64);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EVICTED), 1000 - 64);
	assert_int_equal(tt_drops(t), 0);
}

static void test_new_flows_over_the_rate_cap_are_forwarded_but_not_inserted(void **state)
{
	struct tt_topo *t = *state;
	struct fw_dp_conf c = {.nb_workers = 1,
			       .flow_entries = 4096,
			       .max_vips = 64,
			       .max_backends = 1024,
			       .new_flow_rate = 1000};
	struct tt_opts o4 = {.web_backends = 4};
	struct fw_flow_stats fs;
	static int first[200];
	unsigned int i;

	tt_topo_teardown(t);
	tt_topo_setup(t, &c); /* bucket: 1000/s, 100 at most */
	republish(t, &o4);
	for (i = 0; i < 150; i++) /* a burst of new flows at one instant */
		first[i] = send_flow(t, i);
	for (i = 0; i < 150; i++)
		assert_true(first[i] >= 0);
	assert_int_equal(tt_ev(t, FW_EV_NEW_FLOWS), 100);
	assert_int_equal(tt_ev(t, FW_EV_NEW_FLOW_CAPPED), 50);
	fw_dp_flow_stats(t->dp, 0, &fs);
	assert_int_equal(fs.used, 100);
	/* Established flows are not disturbed by the flood... */
	for (i = 0; i < 100; i++)
		assert_int_equal(send_flow(t, i), first[i]);
	assert_int_equal(tt_ev(t, FW_EV_NEW_FLOWS), 100);
	/* ...and the capped ones went where the hash says, as they will once inserted. */
	t->now += rte_get_tsc_hz() / 20; /* 50 ms: 50 tokens */
	for (i = 100; i < 150; i++)
		assert_int_equal(send_flow(t, i), first[i]);
	assert_int_equal(tt_ev(t, FW_EV_NEW_FLOWS), 150);
	assert_int_equal(tt_ev(t, FW_EV_NEW_FLOW_CAPPED), 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_finds_what_was_inserted),
		cmocka_unit_test(test_full_bucket_evicts_the_least_recently_used),
		cmocka_unit_test(test_an_expired_entry_is_reused_before_evicting_a_live_one),
		cmocka_unit_test(test_flush_removes_a_vip_or_one_backend),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_flows_stay_pinned_when_backends_are_added),
		T(test_weight_zero_keeps_pinned_flows_and_takes_no_new_ones),
		T(test_down_backend_loses_its_flows_and_gets_none),
		T(test_a_backend_removed_and_readded_does_not_inherit_old_flows),
		T(test_idle_flows_expire_after_the_vip_timeout),
		T(test_a_full_table_evicts_and_keeps_forwarding),
		T(test_new_flows_over_the_rate_cap_are_forwarded_but_not_inserted),
#undef T
	};

	tt_eal_init("0"); /* the table uses rte_zmalloc */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
