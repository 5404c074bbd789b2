/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "shell/sh_level.h"

static void every_class_name_parses_back_to_its_level(void **state)
{
	enum sh_level l, got;

	(void)state;
	for (l = SH_LEVEL_READ_ONLY; l <= SH_LEVEL_SUPER_USER; l++) {
		got = (enum sh_level)99;
		assert_int_equal(sh_level_parse(sh_level_name(l), &got), 0);
		assert_int_equal(got, l);
	}
	assert_string_equal(sh_level_name(SH_LEVEL_READ_ONLY), "read-only");
	assert_string_equal(sh_level_name(SH_LEVEL_OPERATOR), "operator");
	assert_string_equal(sh_level_name(SH_LEVEL_SUPER_USER), "super-user");
}

static void unknown_names_are_refused_and_leave_the_output_alone(void **state)
{
	enum sh_level got = SH_LEVEL_OPERATOR;

	(void)state;
	assert_int_equal(sh_level_parse("root", &got), -EINVAL);
	assert_int_equal(sh_level_parse("Super-User", &got), -EINVAL);
	assert_int_equal(sh_level_parse("", &got), -EINVAL);
	assert_int_equal(got, SH_LEVEL_OPERATOR);
	assert_string_equal(sh_level_name((enum sh_level)7), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_class_name_parses_back_to_its_level),
		cmocka_unit_test(unknown_names_are_refused_and_leave_the_output_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
