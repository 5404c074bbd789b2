/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/tula_net.h"

static void mask_of_is_host_order_and_covers_the_edges(void **state)
{
	(void)state;
	assert_int_equal(tula_mask_of(0), 0);
	assert_int_equal(tula_mask_of(1), 0x80000000u);
	assert_int_equal(tula_mask_of(8), 0xff000000u);
	assert_int_equal(tula_mask_of(24), 0xffffff00u);
	assert_int_equal(tula_mask_of(31), 0xfffffffeu);
	assert_int_equal(tula_mask_of(32), 0xffffffffu);
}

static void mask_of_clamps_lengths_above_32(void **state)
{
	(void)state;
	/* a shift by 32 or more is undefined in C: the helper must not compute it */
	assert_int_equal(tula_mask_of(33), 0xffffffffu);
	assert_int_equal(tula_mask_of(255), 0xffffffffu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mask_of_is_host_order_and_covers_the_edges),
		cmocka_unit_test(mask_of_clamps_lengths_above_32),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
