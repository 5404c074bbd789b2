/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/tula_buf.h"

static void empty_buffer_reads_as_empty_string(void **state)
{
	struct tula_buf b = TULA_BUF_INIT;

	(void)state;
	assert_string_equal(tula_buf_str(&b), "");
	assert_int_equal(b.len, 0);
	tula_buf_free(&b);
}

static void printf_appends_and_grows(void **state)
{
	struct tula_buf b = TULA_BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		tula_buf_printf(&b, "%d,", i);
	assert_int_equal(b.oom, 0);
	assert_true(b.len > 3000);
	assert_memory_equal(b.data, "0,1,2,", 6);
	assert_string_equal(b.data + b.len - 4, "999,");
	tula_buf_free(&b);
}

static void puts_putc_and_reset(void **state)
{
	struct tula_buf b = TULA_BUF_INIT;

	(void)state;
	tula_buf_puts(&b, "abc");
	tula_buf_putc(&b, 'd');
	assert_string_equal(tula_buf_str(&b), "abcd");
	tula_buf_reset(&b);
	assert_string_equal(tula_buf_str(&b), "");
	tula_buf_puts(&b, "x");
	assert_string_equal(tula_buf_str(&b), "x");
	tula_buf_free(&b);
}

static void steal_hands_over_memory(void **state)
{
	struct tula_buf b = TULA_BUF_INIT;
	char *s;

	(void)state;
	s = tula_buf_steal(&b);
	assert_string_equal(s, "");
	free(s);
	tula_buf_puts(&b, "hello");
	s = tula_buf_steal(&b);
	assert_string_equal(s, "hello");
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_buffer_reads_as_empty_string),
		cmocka_unit_test(printf_appends_and_grows),
		cmocka_unit_test(puts_putc_and_reset),
		cmocka_unit_test(steal_hands_over_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
