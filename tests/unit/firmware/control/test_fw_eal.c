/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL start-up without an EAL: fw_eal.c is linked with -Wl,--wrap on the DPDK calls it
 * makes (see meson.build). Asserted: the defaults Tula gives the EAL when the operator
 * gives none (no PCI scan, 512 MB, in-memory or no-huge by the free hugepages), that
 * the operator's arguments go through untouched, the control pool's size, and the
 * reasons given when the EAL or the pool fails.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "firmware/control/fw_eal.h"

static struct {
	int argc;
	char argv[16][64];
	int eal_rc;
	int fail_pool;
	unsigned int lcores;
	unsigned int pool_n, pool_cache;
	int cleanups, pools_freed;
} eal;

static struct rte_mempool fake_pool;

int __wrap_rte_eal_init(int argc, char **argv);
int __wrap_rte_eal_init(int argc, char **argv)
{
	eal.argc = argc;
	for (int i = 0; i < argc && i < 16; i++)
		snprintf(eal.argv[i], sizeof(eal.argv[i]), "%s", argv[i]);
	if (eal.eal_rc < 0)
		rte_errno = -eal.eal_rc;
	return eal.eal_rc;
}

int __wrap_rte_eal_cleanup(void);
int __wrap_rte_eal_cleanup(void)
{
	eal.cleanups++;
	return 0;
}

unsigned int __wrap_rte_lcore_count(void);
unsigned int __wrap_rte_lcore_count(void)
{
	return eal.lcores;
}

unsigned int __wrap_rte_socket_id(void);
unsigned int __wrap_rte_socket_id(void)
{
	return 0;
}

int __wrap_rte_openlog_stream(FILE *f);
int __wrap_rte_openlog_stream(FILE *f)
{
	(void)f;
	return 0;
}

struct rte_mempool *__wrap_rte_pktmbuf_pool_create(const char *name, unsigned int n,
						   unsigned int cache_size, uint16_t priv_size,
						   uint16_t data_room_size, int socket_id);
struct rte_mempool *__wrap_rte_pktmbuf_pool_create(const char *name, unsigned int n,
						   unsigned int cache_size, uint16_t priv_size,
						   uint16_t data_room_size, int socket_id)
{
	(void)name;
	(void)priv_size;
	(void)data_room_size;
	(void)socket_id;
	eal.pool_n = n;
	eal.pool_cache = cache_size;
	if (eal.fail_pool) {
		rte_errno = ENOMEM;
		return NULL;
	}
	return &fake_pool;
}

void __wrap_rte_mempool_free(struct rte_mempool *mp);
void __wrap_rte_mempool_free(struct rte_mempool *mp)
{
	assert_ptr_equal(mp, &fake_pool);
	eal.pools_freed++;
}

static int reset(void **state)
{
	(void)state;
	memset(&eal, 0, sizeof(eal));
	eal.lcores = 2;
	return 0;
}

static int free_hugepages(void)
{
	FILE *f = fopen("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "re");
	int n = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%d", &n) != 1)
		n = 0;
	fclose(f);
	return n;
}

static int has_arg(const char *a)
{
	for (int i = 1; i < eal.argc; i++)
		if (strcmp(eal.argv[i], a) == 0)
			return 1;
	return 0;
}

static void test_defaults_without_arguments(void **state)
{
	char prog[] = "tula";
	char *argv[] = {prog, NULL};

	(void)state;
	assert_int_equal(fw_eal_init(1, argv), 0);
	assert_string_equal(eal.argv[0], "tula");
	assert_true(has_arg("--no-pci"));
	assert_true(has_arg("-m"));
	assert_true(has_arg("512"));
	if (free_hugepages() < 256) {
		assert_true(has_arg("--no-huge"));
		assert_true(has_arg("--no-shconf"));
		assert_false(has_arg("--in-memory"));
	} else {
		assert_true(has_arg("--in-memory"));
		assert_false(has_arg("--no-huge"));
	}
	assert_int_equal(eal.pool_n, 32767);
	assert_int_equal(eal.pool_cache, 256);
	assert_ptr_equal(fw_eal_pktmbuf_pool(), &fake_pool);
	fw_eal_fini();
	assert_int_equal(eal.pools_freed, 1);
	assert_int_equal(eal.cleanups, 1);
	assert_null(fw_eal_pktmbuf_pool());
}

static void test_operator_arguments_untouched(void **state)
{
	char a0[] = "tula", a1[] = "-l", a2[] = "0-2", a3[] = "-a", a4[] = "0000:03:00.0";
	char *argv[] = {a0, a1, a2, a3, a4, NULL};

	(void)state;
	assert_int_equal(fw_eal_init(5, argv), 0);
	assert_int_equal(eal.argc, 5);
	assert_string_equal(eal.argv[1], "-l");
	assert_string_equal(eal.argv[2], "0-2");
	assert_string_equal(eal.argv[4], "0000:03:00.0");
	assert_false(has_arg("--no-pci"));
	fw_eal_fini();
}

static void test_eal_failure_gives_a_reason(void **state)
{
	char prog[] = "tula";
	char *argv[] = {prog, NULL};

	(void)state;
	eal.eal_rc = -EACCES;
	fw_eal_clear_error();
	assert_int_equal(fw_eal_init(1, argv), -EACCES);
	assert_true(fw_eal_last_error()[0] != '\0');
	assert_int_equal(eal.pool_n, 0); /* no pool without an EAL */
}

static void test_pool_failure_says_how_many(void **state)
{
	char prog[] = "tula";
	char *argv[] = {prog, NULL};

	(void)state;
	eal.fail_pool = 1;
	assert_int_equal(fw_eal_init(1, argv), -ENOMEM);
	assert_non_null(strstr(fw_eal_last_error(), "packet pool of 32767 buffers"));
	assert_int_equal(eal.cleanups, 1); /* the EAL is not left half started */
	fw_eal_clear_error();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults_without_arguments, reset),
		cmocka_unit_test_setup(test_operator_arguments_untouched, reset),
		cmocka_unit_test_setup(test_eal_failure_gives_a_reason, reset),
		cmocka_unit_test_setup(test_pool_failure_says_how_many, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
