/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev tables: balance, weights, minimal disruption, independence from the order
 * backends are given in, the table fingerprint boxes compare, and the build time for
 * 1000 backends (printed, not asserted).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "firmware/control/fw_maglev.h"
#include "firmware/fw_state.h"

#define M 65537

static uint16_t table[M], table2[M];

/* n backends on 10.x.y.z with ids 0..n-1 and weight w. */
static void make(struct fw_maglev_backend *be, uint32_t n, uint32_t w)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		be[i].addr = rte_cpu_to_be_32(
			RTE_IPV4(10, (i >> 16) & 255, (i >> 8) & 255, i & 255) + 1);
		be[i].family = FW_AF_INET;
		be[i].weight = w;
		be[i].id = (uint16_t)i;
	}
}

/* n backends on 2001:db8:0:1::<i + 1> (or, with spread, addresses differing in every
 * byte) with ids 0..n-1 and weight w. */
static void make6(struct fw_maglev_backend *be, uint32_t n, uint32_t w, int spread)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		static const uint8_t base[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1};

		memset(&be[i], 0, sizeof(be[i]));
		be[i].family = FW_AF_INET6;
		memcpy(be[i].addr6, base, sizeof(base));
		be[i].addr6[14] = (uint8_t)((i + 1) >> 8);
		be[i].addr6[15] = (uint8_t)(i + 1);
		if (spread)
			for (int k = 4; k < 14; k++)
				be[i].addr6[k] = (uint8_t)(i * 37 + k * 11);
		be[i].weight = w;
		be[i].id = (uint16_t)i;
	}
}

static void count(const uint16_t *t, uint32_t *c, uint32_t n)
{
	uint32_t i;

	memset(c, 0, n * sizeof(*c));
	for (i = 0; i < M; i++) {
		assert_true(t[i] < n);
		c[t[i]]++;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_equal_weights_give_counts_within_one(void **state)
{
	static struct fw_maglev_backend be[1000];
	static uint32_t c[1000];
	uint32_t i, lo = UINT32_MAX, hi = 0;
	double t0, t1;

	(void)state;
	make(be, 1000, 100);
	t0 = now_ms();
	assert_int_equal(fw_maglev_build(table, M, be, 1000), 0);
	t1 = now_ms();
	print_message("  Maglev build, 65537 entries, 1000 backends: %.2f ms\n", t1 - t0);
	count(table, c, 1000);
	for (i = 0; i < 1000; i++) {
		lo = c[i] < lo ? c[i] : lo;
		hi = c[i] > hi ? c[i] : hi;
	}
	print_message("  entries per backend: min %u max %u\n", lo, hi);
	assert_true(hi - lo <= 1);
}

static void test_weights_are_honoured_within_one_percent(void **state)
{
	struct fw_maglev_backend be[10];
	uint32_t c[10], i, sum = 0;

	(void)state;
	make(be, 10, 0);
	for (i = 0; i < 10; i++) {
		be[i].weight = (i + 1) * 10; /* 10, 20, ... 100 */
		sum += be[i].weight;
	}
	assert_int_equal(fw_maglev_build(table, M, be, 10), 0);
	count(table, c, 10);
	for (i = 0; i < 10; i++) {
		double want = (double)M * be[i].weight / sum;
		double err = (c[i] - want) / want;

		print_message("  weight %3u: %5u entries, expected %.1f (%+.3f %%)\n", be[i].weight,
			      c[i], want, err * 100);
		assert_true(err < 0.01 && err > -0.01);
	}
}

static void removal(uint32_t n)
{
	static struct fw_maglev_backend be[1000];
	uint32_t i, gone = n / 2, moved = 0, rest = 0;

	make(be, n, 100);
	assert_int_equal(fw_maglev_build(table, M, be, n), 0);
	/* Remove backend `gone` (keeping ids). */
	memmove(&be[gone], &be[gone + 1], (n - gone - 1) * sizeof(be[0]));
	assert_int_equal(fw_maglev_build(table2, M, be, n - 1), 0);
	for (i = 0; i < M; i++) {
		assert_true(table2[i] != gone);
		if (table[i] == gone)
			continue;
		rest++;
		moved += table[i] != table2[i];
	}
	print_message("  %u backends, one removed: %u of %u other entries moved (%.3f %%)\n", n,
		      moved, rest, 100.0 * moved / rest);
	assert_true(moved * 100 <= rest);
}

static void test_removing_one_backend_moves_at_most_one_percent_of_the_rest(void **state)
{
	(void)state;
	removal(10);
	removal(100);
	removal(1000);
}

static void test_table_is_identical_whatever_the_backend_order(void **state)
{
	static struct fw_maglev_backend be[1000], sh[1000];
	uint32_t i;

	(void)state;
	make(be, 1000, 0);
	for (i = 0; i < 1000; i++)
		be[i].weight = 1 + i % 7;
	memcpy(sh, be, sizeof(be));
	srand(42);
	for (i = 999; i > 0; i--) {
		uint32_t j = (uint32_t)rand() % (i + 1);
		struct fw_maglev_backend x = sh[i];

		sh[i] = sh[j];
		sh[j] = x;
	}
	assert_int_equal(fw_maglev_build(table, M, be, 1000), 0);
	assert_int_equal(fw_maglev_build(table2, M, sh, 1000), 0);
	assert_memory_equal(table, table2, sizeof(table));
}

/* Table ids index these addresses (network order). */
static uint32_t addr_by_id[1000];

static const uint8_t *addr_of(const void *arg, uint16_t id)
{
	(void)arg;
	return (const uint8_t *)&addr_by_id[id];
}

/* The same for IPv6 tables: arg is the backend array, indexed by id. */
static const uint8_t *addr6_of(const void *arg, uint16_t id)
{
	const struct fw_maglev_backend *be = arg;

	return be[id].addr6;
}

/*
 * Two boxes with the same backends (addresses, weights) given in another order and with
 * other ids (the slots their configurations happened to give) build tables that differ
 * in ids but pick the same address everywhere: their fingerprints are equal. A changed
 * weight or a missing backend changes it.
 */
static void test_fingerprint_is_equal_across_boxes_with_the_same_backends(void **state)
{
	static struct fw_maglev_backend a[100], b[100];
	static uint32_t addr_a[100], addr_b[100];
	uint64_t fa, fb, fc, fd;
	uint32_t i;

	(void)state;
	make(a, 100, 0);
	for (i = 0; i < 100; i++) {
		a[i].weight = 1 + i % 3;
		/* box B: reverse order, ids shifted */
		b[99 - i] = a[i];
		b[99 - i].id = (uint16_t)((i + 37) % 100);
	}
	for (i = 0; i < 100; i++) {
		addr_a[a[i].id] = a[i].addr;
		addr_b[b[i].id] = b[i].addr;
	}
	assert_int_equal(fw_maglev_build(table, M, a, 100), 0);
	assert_int_equal(fw_maglev_build(table2, M, b, 100), 0);
	assert_memory_not_equal(table, table2, sizeof(table)); /* ids differ... */
	memcpy(addr_by_id, addr_a, sizeof(addr_a));
	fa = fw_maglev_fingerprint(table, M, FW_AF_INET, addr_of, NULL);
	memcpy(addr_by_id, addr_b, sizeof(addr_b));
	fb = fw_maglev_fingerprint(table2, M, FW_AF_INET, addr_of, NULL);
	assert_true(fa == fb); /* ...the chosen addresses do not */

	b[5].weight += 1;
	assert_int_equal(fw_maglev_build(table2, M, b, 100), 0);
	fc = fw_maglev_fingerprint(table2, M, FW_AF_INET, addr_of, NULL);
	assert_true(fc != fa);
	assert_int_equal(fw_maglev_build(table2, M, b, 99), 0);
	fd = fw_maglev_fingerprint(table2, M, FW_AF_INET, addr_of, NULL);
	assert_true(fd != fa && fd != fc);
}

/* FNV-1a over the table's ids: equal means the tables are bit-identical. */
static uint64_t ids_hash(const uint16_t *t)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t i = 0; i < M; i++) {
		h ^= t[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/*
 * IPv4 tables and fingerprints are what they were before IPv6 backends existed (values
 * recorded from the IPv4-only build): boxes running either version agree.
 */
static void test_ipv4_tables_and_fingerprints_are_unchanged(void **state)
{
	static struct fw_maglev_backend be[100];
	uint32_t i;

	(void)state;
	make(be, 100, 0);
	for (i = 0; i < 100; i++) {
		be[i].weight = 1 + i % 3;
		addr_by_id[i] = be[i].addr;
	}
	assert_int_equal(fw_maglev_build(table, M, be, 100), 0);
	assert_true(ids_hash(table) == 0xcd3cde1a1f28b28bull);
	assert_true(fw_maglev_fingerprint(table, M, FW_AF_INET, addr_of, NULL) ==
		    0xb63d1c4b233a32baull);
}

/*
 * IPv6 backends: the permutation comes from the 16-byte address, so two boxes given
 * the same backends in different orders (and with other ids) build tables that pick
 * the same address everywhere, with equal fingerprints; the shares stay balanced.
 */
static void test_ipv6_tables_do_not_depend_on_the_backend_order(void **state)
{
	static struct fw_maglev_backend a[200], b[200], byid_b[200];
	static uint32_t c[200];
	uint64_t fa, fb, fc;
	uint32_t i, lo = UINT32_MAX, hi = 0;

	(void)state;
	make6(a, 200, 100, 1);
	for (i = 0; i < 200; i++) {
		/* box B: reverse order, ids shifted */
		b[199 - i] = a[i];
		b[199 - i].id = (uint16_t)((i + 71) % 200);
	}
	for (i = 0; i < 200; i++)
		byid_b[b[i].id] = b[i];
	assert_int_equal(fw_maglev_build(table, M, a, 200), 0);
	assert_int_equal(fw_maglev_build(table2, M, b, 200), 0);
	for (i = 0; i < M; i++)
		assert_memory_equal(a[table[i]].addr6, byid_b[table2[i]].addr6, 16);
	fa = fw_maglev_fingerprint(table, M, FW_AF_INET6, addr6_of, a);
	fb = fw_maglev_fingerprint(table2, M, FW_AF_INET6, addr6_of, byid_b);
	assert_true(fa == fb);
	count(table, c, 200);
	for (i = 0; i < 200; i++) {
		lo = c[i] < lo ? c[i] : lo;
		hi = c[i] > hi ? c[i] : hi;
	}
	assert_true(hi - lo <= 1);
	/* a byte far from the end of one address changes the table and the fingerprint */
	a[17].addr6[5] ^= 0x40;
	assert_int_equal(fw_maglev_build(table2, M, a, 200), 0);
	fc = fw_maglev_fingerprint(table2, M, FW_AF_INET6, addr6_of, a);
	assert_true(fc != fa);
	assert_memory_not_equal(table, table2, sizeof(table));
}

/* An IPv6 fingerprint covers all 16 bytes: backends that differ only in the upper 96
 * bits still give different fingerprints (a 4-byte fingerprint would not see it). */
static void test_ipv6_fingerprints_cover_the_whole_address(void **state)
{
	static struct fw_maglev_backend a[4], b[4];
	uint64_t fa, fb;

	(void)state;
	make6(a, 4, 1, 0);
	memcpy(b, a, sizeof(a));
	for (int i = 0; i < 4; i++)
		b[i].addr6[2] = 0x0c; /* 2001:cb8::... instead of 2001:db8::... */
	assert_int_equal(fw_maglev_build(table, M, a, 4), 0);
	fa = fw_maglev_fingerprint(table, M, FW_AF_INET6, addr6_of, a);
	fb = fw_maglev_fingerprint(table, M, FW_AF_INET6, addr6_of, b);
	assert_true(fa != fb);
}

static void test_weight_zero_takes_nothing_and_all_zero_means_none(void **state)
{
	struct fw_maglev_backend be[3];
	uint32_t c[3], i;

	(void)state;
	make(be, 3, 1);
	be[1].weight = 0;
	assert_int_equal(fw_maglev_build(table, M, be, 3), 0);
	count(table, c, 3);
	assert_int_equal(c[1], 0);
	assert_int_equal(c[0] + c[2], M);
	be[0].weight = be[2].weight = 0;
	assert_int_equal(fw_maglev_build(table, M, be, 3), 0);
	for (i = 0; i < M; i++)
		assert_int_equal(table[i], FW_MAGLEV_NONE);
}

static void test_bad_input_is_refused(void **state)
{
	struct fw_maglev_backend be[2];

	(void)state;
	make(be, 2, 1);
	assert_int_equal(fw_maglev_build(table, 65536, be, 2), -EINVAL); /* not prime */
	be[1].addr = be[0].addr;
	assert_int_equal(fw_maglev_build(table, M, be, 2), -EINVAL); /* duplicate */
	make6(be, 2, 1, 0);
	assert_int_equal(fw_maglev_build(table, M, be, 2), 0);
	memcpy(be[1].addr6, be[0].addr6, 16);
	assert_int_equal(fw_maglev_build(table, M, be, 2), -EINVAL); /* duplicate v6 */
	be[1].family = 7;
	assert_int_equal(fw_maglev_build(table, M, be, 2), -EINVAL); /* no such family */
	assert_true(fw_maglev_is_prime(65537));
	assert_false(fw_maglev_is_prime(65535));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_weights_give_counts_within_one),
		cmocka_unit_test(test_weights_are_honoured_within_one_percent),
		cmocka_unit_test(test_removing_one_backend_moves_at_most_one_percent_of_the_rest),
		cmocka_unit_test(test_table_is_identical_whatever_the_backend_order),
		cmocka_unit_test(test_fingerprint_is_equal_across_boxes_with_the_same_backends),
		cmocka_unit_test(test_ipv4_tables_and_fingerprints_are_unchanged),
		cmocka_unit_test(test_ipv6_tables_do_not_depend_on_the_backend_order),
		cmocka_unit_test(test_ipv6_fingerprints_cover_the_whole_address),
		cmocka_unit_test(test_weight_zero_takes_nothing_and_all_zero_means_none),
		cmocka_unit_test(test_bad_input_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
