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

#define M 65537

static uint16_t table[M], table2[M];

/* n backends on 10.x.y.z with ids 0..n-1 and weight w. */
static void make(struct fw_maglev_backend *be, uint32_t n, uint32_t w)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		be[i].addr = rte_cpu_to_be_32(
			RTE_IPV4(10, (i >> 16) & 255, (i >> 8) & 255, i & 255) + 1);
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

static uint32_t addr_of(const void *arg, uint16_t id)
{
	(void)arg;
	return addr_by_id[id];
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
	fa = fw_maglev_fingerprint(table, M, addr_of, NULL);
	memcpy(addr_by_id, addr_b, sizeof(addr_b));
	fb = fw_maglev_fingerprint(table2, M, addr_of, NULL);
	assert_true(fa == fb); /* ...the chosen addresses do not */

	b[5].weight += 1;
	assert_int_equal(fw_maglev_build(table2, M, b, 100), 0);
	fc = fw_maglev_fingerprint(table2, M, addr_of, NULL);
	assert_true(fc != fa);
	assert_int_equal(fw_maglev_build(table2, M, b, 99), 0);
	fd = fw_maglev_fingerprint(table2, M, addr_of, NULL);
	assert_true(fd != fa && fd != fc);
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
		cmocka_unit_test(test_weight_zero_takes_nothing_and_all_zero_means_none),
		cmocka_unit_test(test_bad_input_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
