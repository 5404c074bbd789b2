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
#include "firmware/datapath/fw_flow6.h"
#include "tt_topo.h"

/* ---- the table alone ------------------------------------------------------------------- */

static struct fw_flow_key key(uint32_t i)
{
	struct fw_flow_key k = {.src = i + 1, .dst = 99, .sport = 7, .dport = 80, .proto = 6};

	return k;
}

/* Flow i of VIP slot vip: its key word and its bucket hash. */
static uint64_t fid(uint16_t vip, uint32_t i)
{
	struct fw_flow_key k = key(i);

	return fw_flow_id(vip, k.src, k.sport);
}

static uint32_t fh(uint32_t i)
{
	struct fw_flow_key k = key(i);

	return fw_flow_hash(&k);
}

static struct fw_flow_entry *put(struct fw_flow_table *t, uint16_t vip, uint32_t i, uint32_t now,
				 uint32_t expire, int *ev)
{
	struct fw_flow_entry *e = fw_flow_insert(t, fid(vip, i), fh(i), now, ev);

	e->expire = expire;
	e->bg = fw_flow_bg(0, 1, 0);
	return e;
}

static void test_lookup_finds_what_was_inserted(void **state)
{
	struct fw_flow_table *t = fw_flow_create(1024, 0);
	struct fw_flow_entry *e;
	int ev;

	(void)state;
	assert_non_null(t);
	assert_null(fw_flow_lookup(t, fid(1, 1), fh(1)));
	e = put(t, 1, 1, 100, 150, &ev);
	e->bg = fw_flow_bg(3, 1, 0);
	assert_int_equal(ev, 0);
	e = fw_flow_lookup(t, fid(1, 1), fh(1));
	assert_non_null(e);
	assert_int_equal(fw_flow_be(e), 3);
	assert_int_equal(fw_flow_vip(e), 1);
	assert_int_equal(fw_flow_src(e), key(1).src);
	assert_int_equal(fw_flow_sport(e), key(1).sport);
	assert_null(fw_flow_lookup(t, fid(1, 2), fh(2)));
	assert_null(fw_flow_lookup(t, fid(2, 1), fh(1))); /* same client, another VIP */
	assert_false(fw_flow_expired(e, 150));
	assert_true(fw_flow_expired(e, 151));
	assert_int_equal(t->st.used, 1);
	fw_flow_free(t);
}

static void test_expiry_survives_the_tick_wrapping(void **state)
{
	struct fw_flow_entry e = {.expire = 5};

	(void)state;
	assert_false(fw_flow_expired(&e, UINT32_MAX - 10)); /* 16 ticks before, across 0 */
	assert_false(fw_flow_expired(&e, 5));
	assert_true(fw_flow_expired(&e, 6));
}

static void test_a_tick_is_between_a_sixteenth_and_a_thirty_second_of_a_second(void **state)
{
	uint64_t hz[] = {1000000000ull, 2096000000ull, 3700000000ull, rte_get_tsc_hz()};
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(hz); i++) {
		uint8_t s = fw_flow_tick_shift(hz[i]);

		assert_true((hz[i] >> s) >= FW_FLOW_TICK_HZ);
		assert_true((hz[i] >> s) < 2 * FW_FLOW_TICK_HZ);
		/* 5 s in ticks, rounded up: never shorter than 5 s */
		assert_true(((uint64_t)fw_flow_ticks(hz[i], s, 5) << s) >= 5 * hz[i]);
		assert_true(((uint64_t)(fw_flow_ticks(hz[i], s, 5) - 1) << s) < 5 * hz[i]);
	}
}

/* Keys that all land in bucket 0 of a one-bucket table. */
static void test_full_bucket_evicts_the_entry_closest_to_expiry(void **state)
{
	struct fw_flow_table *t = fw_flow_create(FW_FLOW_WAYS / 2, 0); /* one bucket */
	uint32_t i;
	int ev;

	(void)state;
	assert_int_equal(fw_flow_buckets(t), 1);
	for (i = 0; i < FW_FLOW_WAYS; i++) {
		put(t, 1, i, 10, 1010 + i, &ev);
		assert_int_equal(ev, 0);
	}
	/* Key 0 is used again: its expiry moves; key 1 is now the least recently used. */
	fw_flow_lookup(t, fid(1, 0), fh(0))->expire = 1050;
	put(t, 1, FW_FLOW_WAYS, 60, 1060, &ev);
	assert_int_equal(ev, 1);
	assert_int_equal(t->st.evicted, 1);
	assert_null(fw_flow_lookup(t, fid(1, 1), fh(1)));
	assert_non_null(fw_flow_lookup(t, fid(1, 0), fh(0)));
	assert_non_null(fw_flow_lookup(t, fid(1, FW_FLOW_WAYS), fh(FW_FLOW_WAYS)));
	assert_int_equal(t->st.used, FW_FLOW_WAYS);
	fw_flow_free(t);
}

static void test_an_expired_entry_is_reused_before_evicting_a_live_one(void **state)
{
	struct fw_flow_table *t = fw_flow_create(FW_FLOW_WAYS / 2, 0);
	uint32_t i;
	int ev;

	(void)state;
	for (i = 0; i < FW_FLOW_WAYS; i++) /* key 2 idles out at 110 */
		put(t, 1, i, 100, i == 2 ? 110 : 1100, &ev);
	put(t, 1, FW_FLOW_WAYS, 200, 1200, &ev);
	assert_int_equal(ev, 0);
	assert_int_equal(t->st.expired, 1);
	assert_null(fw_flow_lookup(t, fid(1, 2), fh(2)));
	for (i = 0; i < FW_FLOW_WAYS; i++)
		if (i != 2)
			assert_non_null(fw_flow_lookup(t, fid(1, i), fh(i)));
	fw_flow_free(t);
}

/* An entry's backend word holds a backend slot of 20 bits (the highest, 1048575, too),
 * the generation modulo 2^10 and the two state bits, none spilling into another. */
static void test_an_entry_round_trips_a_20_bit_slot_and_wraps_the_generation(void **state)
{
	struct fw_flow_table *t = fw_flow_create(1024, 0);
	struct fw_flow_entry *e;
	int ev;

	(void)state;
	assert_int_equal(FW_MAX_BACKENDS - 1, 1048575);
	e = put(t, 7, 1, 100, 150, &ev);
	e->bg = fw_flow_bg(1048575, UINT32_MAX, FW_FLOW_SYN);
	e = fw_flow_lookup(t, fid(7, 1), fh(1));
	assert_non_null(e);
	assert_int_equal(fw_flow_be(e), 1048575);
	assert_int_equal(fw_flow_gen(e), 1023);
	assert_int_equal(e->bg & FW_FLOW_STATE, FW_FLOW_SYN);
	assert_int_equal(fw_flow_vip(e), 7);
	assert_int_equal(e->expire, 150);
	/* the generation is kept modulo 2^10: 1024 identities later it matches again */
	assert_true(fw_flow_gen_is(e, UINT32_MAX));
	assert_true(fw_flow_gen_is(e, UINT32_MAX - 1024));
	assert_false(fw_flow_gen_is(e, UINT32_MAX - 1));
	assert_false(fw_flow_gen_is(e, 0));
	/* a generation past 2^10 wraps without touching the slot or the state bits */
	e->bg = fw_flow_bg(65536, 1024 + 5, FW_FLOW_FIN);
	assert_int_equal(fw_flow_be(e), 65536);
	assert_int_equal(fw_flow_gen(e), 5);
	assert_int_equal(e->bg & FW_FLOW_STATE, FW_FLOW_FIN);
	assert_true(fw_flow_gen_is(e, 5));
	assert_true(fw_flow_gen_is(e, 1024 + 5));
	e->bg = fw_flow_bg(0, 0, FW_FLOW_SYN | FW_FLOW_FIN);
	assert_int_equal(fw_flow_be(e), 0);
	assert_int_equal(fw_flow_gen(e), 0);
	assert_int_equal(e->bg & FW_FLOW_STATE, FW_FLOW_SYN | FW_FLOW_FIN);
	fw_flow_free(t);
}

static void test_flush_removes_a_vip_or_one_backend(void **state)
{
	struct fw_flow_table *t = fw_flow_create(4096, 0);
	uint32_t i, next = 0, rounds = 0;
	int ev;

	(void)state;
	for (i = 0; i < 300; i++)
		put(t, (uint16_t)(i % 3), i, 1, 1000, &ev)->bg =
			fw_flow_bg(i % 2 ? FW_MAX_BACKENDS - 1 : 65536, 7, FW_FLOW_FIN);
	/* VIP 0, the backend in the last slot only: i % 3 == 0 && i % 2 == 1 -> 50 entries,
	 * in slices (a slot above 16 bits: 65536 is another backend). */
	do {
		next = fw_flow_flush_slice(t, 0, FW_MAX_BACKENDS - 1, next, 64);
		rounds++;
	} while (next != 0);
	assert_true(rounds > 1);
	assert_int_equal(t->st.flushed, 50);
	assert_int_equal(t->st.used, 250);
	fw_flow_flush_slice(t, 1, FW_BE_NONE, 0, UINT32_MAX);
	assert_int_equal(t->st.used, 150);
	for (i = 0; i < 300; i++) {
		int gone = (i % 3 == 0 && i % 2 == 1) || i % 3 == 1;

		assert_true((fw_flow_lookup(t, fid((uint16_t)(i % 3), i), fh(i)) == NULL) == gone);
	}
	fw_flow_free(t);
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void) /* xorshift64* (Vigna 2016): keys with no structure */
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dull;
}

/* n random clients (address, port) of VIP slot 1 inserted as live flows: the share of
 * inserts that evicted a live entry. */
static double fill_random(struct fw_flow_table *t, uint32_t n)
{
	uint32_t i;
	int ev;

	for (i = 0; i < n; i++) {
		uint64_t r = rnd();
		struct fw_flow_key k = {.src = (uint32_t)r,
					.dst = 99,
					.sport = (uint16_t)(r >> 32),
					.dport = 80,
					.proto = 6};
		uint32_t h = fw_flow_hash(&k);
		uint64_t id = fw_flow_id(1, k.src, k.sport);

		if (fw_flow_lookup(t, id, h) != NULL)
			continue; /* the same client twice: not a new flow */
		fw_flow_insert(t, id, h, 0, &ev)->expire = 1000000;
	}
	return (double)t->st.evicted / (double)t->st.inserted;
}

/*
 * The sizing promise of fw_flow.h, with random keys: a table created for n flows holds
 * them in at most 32 bytes each (load factor 0.5), and about 3.7 % of them find their
 * bucket full (E[max(X - 4, 0)] / 2 for X ~ Poisson(2): 0.0375); at half that load,
 * about 0.4 %.
 */
static void test_random_keys_fill_half_the_table_at_32_bytes_per_flow(void **state)
{
	const uint32_t n = 1u << 18;
	struct fw_flow_table *t = fw_flow_create(n, 0), *h = fw_flow_create(n, 0);
	double full, half;

	(void)state;
	assert_int_equal(t->st.capacity, 2 * n);
	assert_true(t->bytes <= 32ull * n);
	full = fill_random(t, n);
	half = fill_random(h, n / 2);
	print_message("  %u flows in %zu bytes (%.1f B/flow), load factor %.2f: %.2f %% of "
		      "inserts evicted; at load %.2f: %.2f %%\n",
		      n, t->bytes, (double)t->bytes / n, (double)n / (double)t->st.capacity,
		      100 * full, (double)n / 2 / (double)h->st.capacity, 100 * half);
	assert_true(full > 0.030 && full < 0.045);
	assert_true(half > 0.002 && half < 0.007);
	fw_flow_free(t);
	fw_flow_free(h);
}

/* ---- the IPv6 table alone ------------------------------------------------------------ */

/* Client i of the IPv6 tests: 2001:db8:ff::/64 plus i in the low 32 bits, and i << 32 in
 * the upper 32 host bits when `far` (clients that differ only above the key word). */
static struct fw_flow_key6 key6(uint32_t i, int far)
{
	struct fw_flow_key6 k;
	uint32_t lo = rte_cpu_to_be_32(i + 1), hi = rte_cpu_to_be_32(far ? i + 1 : 0);

	memset(&k, 0, sizeof(k));
	k.src.b[0] = 0x20;
	k.src.b[1] = 0x01;
	k.src.b[2] = 0x0d;
	k.src.b[3] = 0xb8;
	k.src.b[5] = 0xff;
	memcpy(&k.src.b[8], &hi, 4);
	memcpy(&k.src.b[12], &lo, 4);
	k.dst = k.src;
	k.dst.b[15] = 0x99;
	k.sport = 7;
	k.dport = 80;
	k.proto = 6;
	return k;
}

static void test_v6_lookup_compares_all_128_bits_of_the_client(void **state)
{
	struct fw_flow6_table *t = fw_flow6_create(1024, 0);
	struct fw_flow_key6 a = key6(1, 0), b = key6(1, 0);
	struct fw_flow6_entry *e;
	int ev;

	(void)state;
	assert_non_null(t);
	/* b: the same low 32 bits (the same key word), another /64: another flow */
	b.src.b[7] = 1;
	assert_int_equal(fw_flow6_id(3, &a.src, a.sport), fw_flow6_id(3, &b.src, b.sport));
	e = fw_flow6_insert(t, fw_flow6_id(3, &a.src, a.sport), &a.src, fw_flow_hash6(&a), 0, &ev);
	e->f.bg = fw_flow_bg(5, 0, 0);
	e->f.expire = 100;
	assert_int_equal(ev, 0);
	assert_ptr_equal(
		fw_flow6_lookup(t, fw_flow6_id(3, &a.src, a.sport), &a.src, fw_flow_hash6(&a)), e);
	assert_null(fw_flow6_lookup(t, fw_flow6_id(3, &b.src, b.sport), &b.src,
				    fw_flow_hash6(&a))); /* same bucket, other address */
	assert_null(fw_flow6_lookup(t, fw_flow6_id(4, &a.src, a.sport), &a.src,
				    fw_flow_hash6(&a))); /* another VIP */
	assert_int_equal(fw_flow_vip(&e->f), 3);
	assert_int_equal(t->st.used, 1);
	fw_flow6_free(t);
}

static void test_v6_hash_covers_every_field_of_the_tuple_but_the_pad(void **state)
{
	struct fw_flow_key6 k = key6(0, 0);
	struct fw_flow_key6 r = k;

	(void)state;
	/* every field counts, and swapping the ports gives another hash */
	r.sport = k.dport;
	r.dport = k.sport;
	assert_int_not_equal(fw_flow_hash6(&k), fw_flow_hash6(&r));
	r = k;
	r.src.b[0] ^= 0x80; /* the top bit of the address: outside the key word */
	assert_int_not_equal(fw_flow_hash6(&k), fw_flow_hash6(&r));
	r = k;
	r.proto = 17;
	assert_int_not_equal(fw_flow_hash6(&k), fw_flow_hash6(&r));
	/* the pad bytes are not hashed */
	r = k;
	r.pad[1] = 9;
	assert_int_equal(fw_flow_hash6(&k), fw_flow_hash6(&r));
}

static void test_v6_full_bucket_evicts_and_flush_removes_a_vip_or_one_backend(void **state)
{
	struct fw_flow6_table *t = fw_flow6_create(4096, 0);
	uint32_t i, next = 0, rounds = 0;
	int ev;

	(void)state;
	for (i = 0; i < 300; i++) {
		struct fw_flow_key6 k = key6(i, 1);
		struct fw_flow6_entry *e;

		e = fw_flow6_insert(t, fw_flow6_id((uint16_t)(i % 3), &k.src, k.sport), &k.src,
				    fw_flow_hash6(&k), 1, &ev);
		e->f.expire = 1000;
		e->f.bg = fw_flow_bg(i % 2 ? 1048575 : 0, i, FW_FLOW_SYN);
	}
	do {
		next = fw_flow6_flush_slice(t, 0, 1048575, next, 64);
		rounds++;
	} while (next != 0);
	assert_true(rounds > 1);
	assert_int_equal(t->st.flushed, 50);
	assert_int_equal(t->st.used, 250);
	fw_flow6_flush_slice(t, 1, FW_BE_NONE, 0, UINT32_MAX);
	assert_int_equal(t->st.used, 150);
	fw_flow6_free(t);

	/* one bucket: a fifth flow pushes out the one closest to expiry */
	t = fw_flow6_create(2, 0);
	assert_int_equal(fw_flow6_buckets(t), 1);
	for (i = 0; i < 5; i++) {
		struct fw_flow_key6 k = key6(i, 1);
		struct fw_flow6_entry *e;

		e = fw_flow6_insert(t, fw_flow6_id(1, &k.src, k.sport), &k.src, fw_flow_hash6(&k),
				    10, &ev);
		assert_int_equal(ev, i == 4);
		e->f.expire = i == 2 ? 20 : 100 + i;
	}
	for (i = 0; i < 5; i++) {
		struct fw_flow_key6 k = key6(i, 1);

		assert_true((fw_flow6_lookup(t, fw_flow6_id(1, &k.src, k.sport), &k.src,
					     fw_flow_hash6(&k)) == NULL) == (i == 2));
	}
	fw_flow6_free(t);
}

/* As fill_random, for the IPv6 table: random client addresses (all 128 bits). */
static double fill_random6(struct fw_flow6_table *t, uint32_t n)
{
	uint32_t i;
	int ev;

	for (i = 0; i < n; i++) {
		struct fw_flow_key6 k;
		uint64_t a = rnd(), b = rnd();
		uint32_t h;
		uint64_t id;

		memset(&k, 0, sizeof(k));
		memcpy(&k.src.b[0], &a, 8);
		memcpy(&k.src.b[8], &b, 8);
		k.dst.b[15] = 99;
		k.sport = (uint16_t)(b >> 40);
		k.dport = 80;
		k.proto = 6;
		h = fw_flow_hash6(&k);
		id = fw_flow6_id(1, &k.src, k.sport);
		if (fw_flow6_lookup(t, id, &k.src, h) != NULL)
			continue;
		fw_flow6_insert(t, id, &k.src, h, 0, &ev)->f.expire = 1000000;
	}
	return (double)t->st.evicted / (double)t->st.inserted;
}

/*
 * The IPv6 sizing promise of fw_flow6.h: a table created for n flows holds them in at
 * most 64 bytes each (32-byte entries at a load factor of 0.5), with the eviction rate of
 * the IPv4 table (4 ways: about 3.7 %; at half the load about 0.4 %).
 */
static void test_v6_random_keys_fill_half_the_table_at_64_bytes_per_flow(void **state)
{
	const uint32_t n = 1u << 18;
	struct fw_flow6_table *t = fw_flow6_create(n, 0), *h = fw_flow6_create(n, 0);
	struct fw_flow_table *v4 = fw_flow_create(2 * n, 0);
	double full, half;

	(void)state;
	assert_int_equal(t->st.capacity, 2 * n);
	assert_true(t->bytes <= 64ull * n);
	full = fill_random6(t, n);
	half = fill_random6(h, n / 2);
	print_message("  IPv6: %u flows in %zu bytes (%.1f B/flow), load factor %.2f: %.2f %% of "
		      "inserts evicted; at load %.2f: %.2f %%\n",
		      n, t->bytes, (double)t->bytes / n, (double)n / (double)t->st.capacity,
		      100 * full, (double)n / 2 / (double)h->st.capacity, 100 * half);
	assert_true(full > 0.030 && full < 0.045);
	assert_true(half > 0.002 && half < 0.007);
	/* the default share (half of the IPv4 count) takes the IPv4 table's memory */
	print_message("  IPv4 table for %u flows: %zu bytes (%.1f B/flow)\n", 2 * n, v4->bytes,
		      (double)v4->bytes / (2 * n));
	assert_int_equal(t->bytes, v4->bytes);
	fw_flow6_free(t);
	fw_flow6_free(h);
	fw_flow_free(v4);
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
	/* the second half idled 19 s, the first 10 s + 1/16 and 2 ticks (an idle flow goes
	 * between its timeout and 17/16 of it, counted in ticks: fw_flow.h) */
	t->now += 10 * hz + 10 * hz / 16 + (2ull << t->w[0]->flows->tick_shift);
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
	assert_int_equal(fs.capacity, 128); /* two ways per flow: fw_flow_create */
	assert_int_equal(fs.used, 128);
	assert_int_equal(fs.evicted, 1000 - 128);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EVICTED), 1000 - 128);
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

/* One frame of the client 192.0.2.1:sport to web (TCP, flags) or dns (UDP port 53);
 * returns the backend MAC id, or -1 if nothing left. */
static int send_one(struct tt_topo *t, uint8_t proto, uint16_t sport, uint8_t flags)
{
	uint8_t out[128];
	int id;

	if (proto == IPPROTO_TCP)
		tt_run1(t, tt_l4_flags(IPPROTO_TCP, TT_A(192, 0, 2, 1), TT_A(10, 0, 1, 100), sport,
				       80, 64, 0, flags));
	else
		tt_run1(t, tt_l4(IPPROTO_UDP, TT_A(192, 0, 2, 1), TT_A(10, 0, 1, 102), sport, 53,
				 64, 0));
	if (t->cap[0].n == 0)
		return -1;
	assert_int_equal(t->cap[0].n, 1);
	tt_bytes(t->cap[0].pkts[0], out, sizeof(out));
	tt_cap_reset(&t->cap[0]);
	id = out[4] << 8 | out[5];
	return id;
}

static uint64_t ticks(struct tt_topo *t, unsigned int n)
{
	return (uint64_t)n << t->w[0]->flows->tick_shift;
}

/* Enough time for a flow of timeout secs to be gone: 17/16 of it and 2 ticks (fw_flow.h) */
static uint64_t past(struct tt_topo *t, unsigned int secs)
{
	return (uint64_t)secs * rte_get_tsc_hz() * 17 / 16 + ticks(t, 2);
}

/*
 * SYN flood at 10x the new-flow rate, from 10 000 sources, against a VIP with 100
 * established flows: what goes over the cap is forwarded (by Maglev) and counted, never
 * inserted; no established flow loses its entry (they stay pinned when the backend set
 * changes), and the capped counter, global and per VIP, is what the flood sent above
 * the rate (+- the bucket's burst).
 */
static void test_a_flood_over_the_cap_inserts_nothing_and_evicts_no_established_flow(void **state)
{
	struct tt_topo *t = *state;
	struct fw_dp_conf c = {.nb_workers = 1,
			       .flow_entries = 4096,
			       .max_vips = 64,
			       .max_backends = 1024,
			       .new_flow_rate = 1000};
	struct tt_opts o4 = {.web_backends = 4}, o16 = {.web_backends = 16};
	uint64_t hz = rte_get_tsc_hz(), capped, inserted;
	struct fw_obj_counters vc;
	struct fw_flow_stats fs;
	static int est[100];
	unsigned int i, ms, sent = 0;

	tt_topo_teardown(t);
	tt_topo_setup(t, &c); /* bucket: 1000/s, 100 at most */
	republish(t, &o4);
	for (i = 0; i < 100; i++) /* the established flows take the bucket's 100 tokens */
		est[i] = send_one(t, IPPROTO_TCP, (uint16_t)(1000 + i), TT_ACK);
	assert_int_equal(tt_ev(t, FW_EV_NEW_FLOWS), 100);
	/* 1 s of flood, 10 SYNs every ms, each from a new source; the established flows
	 * keep talking every 100 ms. */
	for (ms = 1; ms <= 1000; ms++) {
		t->now += hz / 1000;
		for (i = 0; i < 10; i++, sent++)
			assert_true(tt_run1(t, tt_l4_flags(IPPROTO_TCP,
							   TT_A(198, 18, (uint8_t)(sent >> 8),
								(uint8_t)sent),
							   TT_A(10, 0, 1, 100),
							   (uint16_t)(40000 + sent % 1000), 80, 64,
							   0, TT_SYN)) == 1);
		tt_cap_reset(&t->cap[0]);
		if (ms % 100 == 0)
			for (i = 0; i < 100; i++)
				assert_int_equal(
					send_one(t, IPPROTO_TCP, (uint16_t)(1000 + i), TT_ACK),
					est[i]);
	}
	capped = tt_ev(t, FW_EV_NEW_FLOW_CAPPED);
	inserted = tt_ev(t, FW_EV_NEW_FLOWS) - 100;
	fw_dp_flow_stats(t->dp, 0, &fs);
	fw_dp_counters_vip(t->dp, (unsigned int)t->web, &vc);
	print_message("  flood %u SYNs in 1 s at a cap of 1000/s: %lu inserted, %lu capped, %lu "
		      "evicted\n",
		      sent, (unsigned long)inserted, (unsigned long)capped,
		      (unsigned long)tt_ev(t, FW_EV_FLOW_EVICTED));
	assert_int_equal(inserted + capped, sent);
	assert_true(capped >= 9000 - 32 && capped <= 9000 + 32); /* 10 000 - 1 s x 1000/s */
	assert_int_equal(vc.capped, capped);
	assert_int_equal(fs.used, 100 + inserted); /* nothing else went in */
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EVICTED), 0);
	/* Every established flow still has its entry: pinned across a new backend set. */
	republish(t, &o16);
	for (i = 0; i < 100; i++)
		assert_int_equal(send_one(t, IPPROTO_TCP, (uint16_t)(1000 + i), TT_ACK), est[i]);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_REPINNED), 0);
}

/* The client's FIN or RST: the flow goes fin-timeout (5 s) after its last packet instead
 * of the VIP's flow-timeout (300 s); a flow without them stays. */
static void test_fin_or_rst_from_the_client_shortens_the_timeout(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o4 = {.web_backends = 4}, o16 = {.web_backends = 16};
	int fin, rst, ack, fin_late;
	uint64_t hz = rte_get_tsc_hz();

	republish(t, &o4);
	fin = send_one(t, IPPROTO_TCP, 2001, TT_ACK);
	rst = send_one(t, IPPROTO_TCP, 2002, TT_ACK);
	ack = send_one(t, IPPROTO_TCP, 2003, TT_ACK);
	fin_late = send_one(t, IPPROTO_TCP, 2004, TT_ACK);
	t->now += hz;
	send_one(t, IPPROTO_TCP, 2001, TT_FIN | TT_ACK);
	send_one(t, IPPROTO_TCP, 2002, TT_RST);
	send_one(t, IPPROTO_TCP, 2004, TT_FIN | TT_ACK);
	t->now += 4 * hz; /* 4 s after the FIN: still there; the last ACK after a FIN ... */
	assert_int_equal(send_one(t, IPPROTO_TCP, 2004, TT_ACK), fin_late);
	/* ... does not give the flow its long timeout back */
	t->now += past(t, 5) - 4 * hz; /* 5 s (+ 1/16 + 2 ticks) after the FIN and the RST */
	republish(t, &o16);
	send_one(t, IPPROTO_TCP, 2001, TT_ACK);
	send_one(t, IPPROTO_TCP, 2002, TT_ACK);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EXPIRED), 2);
	assert_int_equal(send_one(t, IPPROTO_TCP, 2003, TT_ACK), ack);	    /* pinned */
	assert_int_equal(send_one(t, IPPROTO_TCP, 2004, TT_ACK), fin_late); /* 1 s after */
	t->now += past(t, 5);
	send_one(t, IPPROTO_TCP, 2004, TT_ACK);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EXPIRED), 3);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_REPINNED), 0);
	(void)fin;
	(void)rst;
}

/* A SYN alone is a half-open flow: fin-timeout until the client's next packet. */
static void test_a_half_open_flow_lasts_the_fin_timeout(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts o = {.web_backends = 4, .web_fin_timeout = 3};

	republish(t, &o);
	send_one(t, IPPROTO_TCP, 3001, TT_SYN); /* never completed */
	send_one(t, IPPROTO_TCP, 3002, TT_SYN);
	send_one(t, IPPROTO_TCP, 3002, TT_ACK); /* completed */
	t->now += past(t, 3);
	send_one(t, IPPROTO_TCP, 3001, TT_ACK);
	send_one(t, IPPROTO_TCP, 3002, TT_ACK);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EXPIRED), 1);
}

/* udp flows: the VIP's udp-timeout (30 s by default, or as set), not the TCP default. */
static void test_udp_flows_use_the_udp_timeout(void **state)
{
	struct tt_topo *t = *state;
	struct tt_opts dflt = {0}, ten = {.dns_udp_timeout = 10};
	uint64_t hz = rte_get_tsc_hz();

	republish(t, &dflt);
	assert_true(send_one(t, IPPROTO_UDP, 5001, 0) >= 0);
	assert_true(send_one(t, IPPROTO_TCP, 5001, TT_ACK) >= 0);
	t->now += 29 * hz;
	send_one(t, IPPROTO_UDP, 5001, 0);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EXPIRED), 0);
	t->now += past(t, 30);
	send_one(t, IPPROTO_UDP, 5001, 0);
	send_one(t, IPPROTO_TCP, 5001, TT_ACK); /* 59 s idle: TCP keeps its 300 s */
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EXPIRED), 1);
	republish(t, &ten); /* udp-timeout 10: a new flow gets it */
	send_one(t, IPPROTO_UDP, 5002, 0);
	t->now += 9 * hz;
	send_one(t, IPPROTO_UDP, 5002, 0);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EXPIRED), 1);
	t->now += past(t, 10);
	send_one(t, IPPROTO_UDP, 5002, 0);
	assert_int_equal(tt_ev(t, FW_EV_FLOW_EXPIRED), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_finds_what_was_inserted),
		cmocka_unit_test(test_an_entry_round_trips_a_20_bit_slot_and_wraps_the_generation),
		cmocka_unit_test(test_expiry_survives_the_tick_wrapping),
		cmocka_unit_test(
			test_a_tick_is_between_a_sixteenth_and_a_thirty_second_of_a_second),
		cmocka_unit_test(test_full_bucket_evicts_the_entry_closest_to_expiry),
		cmocka_unit_test(test_an_expired_entry_is_reused_before_evicting_a_live_one),
		cmocka_unit_test(test_flush_removes_a_vip_or_one_backend),
		cmocka_unit_test(test_random_keys_fill_half_the_table_at_32_bytes_per_flow),
		cmocka_unit_test(test_v6_lookup_compares_all_128_bits_of_the_client),
		cmocka_unit_test(test_v6_hash_covers_every_field_of_the_tuple_but_the_pad),
		cmocka_unit_test(test_v6_full_bucket_evicts_and_flush_removes_a_vip_or_one_backend),
		cmocka_unit_test(test_v6_random_keys_fill_half_the_table_at_64_bytes_per_flow),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_flows_stay_pinned_when_backends_are_added),
		T(test_weight_zero_keeps_pinned_flows_and_takes_no_new_ones),
		T(test_down_backend_loses_its_flows_and_gets_none),
		T(test_a_backend_removed_and_readded_does_not_inherit_old_flows),
		T(test_idle_flows_expire_after_the_vip_timeout),
		T(test_a_full_table_evicts_and_keeps_forwarding),
		T(test_new_flows_over_the_rate_cap_are_forwarded_but_not_inserted),
		T(test_a_flood_over_the_cap_inserts_nothing_and_evicts_no_established_flow),
		T(test_fin_or_rst_from_the_client_shortens_the_timeout),
		T(test_a_half_open_flow_lasts_the_fin_timeout),
		T(test_udp_flows_use_the_udp_timeout),
#undef T
	};

	tt_eal_init("0"); /* the table uses rte_zmalloc */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
