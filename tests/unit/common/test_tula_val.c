/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <errno.h>

#include <cmocka.h>

#include "common/tula_val.h"

static void map_keeps_insertion_order_and_replaces_in_place(void **state)
{
	struct tula_val *m = tula_val_map();

	(void)state;
	assert_int_equal(tula_val_map_set(m, "zeta", tula_val_int(1)), 0);
	assert_int_equal(tula_val_map_set(m, "alpha", tula_val_str("a")), 0);
	assert_int_equal(tula_val_map_set(m, "zeta", tula_val_uint(7)), 0);
	assert_int_equal(tula_val_count(m), 2);
	assert_string_equal(tula_val_key_at(m, 0), "zeta");
	assert_string_equal(tula_val_key_at(m, 1), "alpha");
	assert_int_equal(tula_val_as_uint(tula_val_get(m, "zeta")), 7);
	assert_string_equal(tula_val_as_str(tula_val_get(m, "alpha")), "a");
	assert_null(tula_val_get(m, "missing"));
	tula_val_free(m);
}

static void json_compact_renders_every_type(void **state)
{
	struct tula_buf b = TULA_BUF_INIT;
	struct tula_val *m = tula_val_map(), *l = tula_val_list();

	(void)state;
	tula_val_list_add(l, tula_val_null());
	tula_val_list_add(l, tula_val_bool(1));
	tula_val_list_add(l, tula_val_int(-5));
	tula_val_list_add(l, tula_val_uint(18446744073709551615ull));
	tula_val_list_add(l, tula_val_double(0.5));
	tula_val_map_set(m, "list", l);
	tula_val_map_set(m, "name", tula_val_strf("vip-%d", 3));
	tula_val_map_set(m, "empty", tula_val_map());
	tula_val_json(m, &b, 0);
	assert_string_equal(tula_buf_str(&b), "{\"list\":[null,true,-5,18446744073709551615,0.5],"
					      "\"name\":\"vip-3\",\"empty\":{}}");
	tula_buf_free(&b);
	tula_val_free(m);
}

static void json_escapes_quotes_backslashes_and_controls(void **state)
{
	struct tula_buf b = TULA_BUF_INIT;
	struct tula_val *s = tula_val_str("a\"b\\c\nd\x01");

	(void)state;
	tula_val_json(s, &b, 0);
	assert_string_equal(tula_buf_str(&b), "\"a\\\"b\\\\c\\nd\\u0001\"");
	tula_buf_free(&b);
	tula_val_free(s);
}

static void json_pretty_indents_and_ends_with_newline(void **state)
{
	struct tula_buf b = TULA_BUF_INIT;
	struct tula_val *m = tula_val_map(), *l = tula_val_list();

	(void)state;
	tula_val_list_add(l, tula_val_int(1));
	tula_val_map_set(m, "a", l);
	tula_val_map_set(m, "nan", tula_val_double(NAN));
	tula_val_json(m, &b, 1);
	assert_string_equal(tula_buf_str(&b),
			    "{\n    \"a\": [\n        1\n    ],\n    \"nan\": null\n}\n");
	tula_buf_free(&b);
	tula_val_free(m);
}

static void null_child_fails_and_type_mismatch_reads_zero(void **state)
{
	struct tula_val *l = tula_val_list(), *i = tula_val_int(-3);

	(void)state;
	assert_int_equal(tula_val_list_add(l, NULL), -EINVAL);
	assert_int_equal(tula_val_map_set(l, "k", tula_val_int(1)), -EINVAL);
	assert_int_equal(tula_val_count(l), 0);
	assert_int_equal(tula_val_as_uint(i), 0);
	assert_int_equal(tula_val_as_int(i), -3);
	assert_string_equal(tula_val_as_str(i), "");
	assert_null(tula_val_at(i, 0));
	tula_val_free(i);
	tula_val_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(map_keeps_insertion_order_and_replaces_in_place),
		cmocka_unit_test(json_compact_renders_every_type),
		cmocka_unit_test(json_escapes_quotes_backslashes_and_controls),
		cmocka_unit_test(json_pretty_indents_and_ends_with_newline),
		cmocka_unit_test(null_child_fails_and_type_mismatch_reads_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
