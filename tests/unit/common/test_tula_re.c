/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/tula_re.h"

static int search(const char *pattern, const char *s)
{
	struct tula_re *re = NULL;
	uint64_t budget = 1000000;
	char why[128];
	int r;

	assert_int_equal(tula_re_compile(pattern, &re, why, sizeof(why)), 0);
	r = tula_re_search(re, s, strlen(s), &budget);
	tula_re_free(re);
	return r;
}

/* The same answers as glibc's regexec(REG_EXTENDED) on the syntax both accept. */
static void answers_agree_with_posix_regexec(void **state)
{
	static const char *const patterns[] = {
		"abc",
		"^abc",
		"abc$",
		"^$",
		"a.c",
		"a*",
		"ab*c",
		"ab+c",
		"ab?c",
		"a|b",
		"(ab|cd)+e",
		"[0-9]+",
		"[^a-z]",
		"[[:digit:]]{3}",
		"x{2,3}y",
		"x{2,}y",
		"(a*)*b",
		"(a|aa)*b",
		"port [0-9]+;",
		"^ *vip ",
		"\\.",
		"a\\|b",
		"[]a]",
		"[a-]",
		"()",
		"(^a|b$)",
		"colou?r",
		"^(ab){2}$",
		"[[:space:]]+x",
	};
	static const char *const texts[] = {
		"",	"abc",	  "xabcx",     "ac",   "abbbc",	       "a",
		"b",	"ababe",  "cde",       "123",  "12",	       "xxy",
		"xy",	"xxxxy",  "aaaaaaaab", "aaaa", "    port 80;", "    vip web {",
		"a.b",	"a|b",	  "]",	       "-",    "color",	       "colour",
		"abab", "ababab", "  \tx",
	};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		regex_t re;

		assert_int_equal(regcomp(&re, patterns[i], REG_EXTENDED | REG_NOSUB), 0);
		for (j = 0; j < sizeof(texts) / sizeof(texts[0]); j++) {
			int want = regexec(&re, texts[j], 0, NULL, 0) == 0;
			int got = search(patterns[i], texts[j]);

			if (got != want)
				fail_msg("pattern '%s' on '%s': %d, regexec says %d", patterns[i],
					 texts[j], got, want);
		}
		regfree(&re);
	}
}

static void bad_patterns_are_refused_with_a_reason(void **state)
{
	static const struct {
		const char *pattern, *why;
	} bad[] = {
		{"(ab", "unmatched '('"},
		{"ab)", "unmatched ')'"},
		{"[ab", "unmatched '['"},
		{"*a", "'*' has nothing to repeat"},
		{"(a)\\1", "back-references (\\1) are not supported"},
		{"a{3,2}", "repetition count out of range"},
		{"a{300}", "repetition count out of range"},
		{"[[:nope:]]", "unknown character class"},
		{"[z-a]", "invalid range"},
		{"a\\", "trailing backslash"},
		{"((a{200}){200})", "pattern too complex"},
	};
	struct tula_re *re;
	char why[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		re = (struct tula_re *)1;
		assert_int_equal(tula_re_compile(bad[i].pattern, &re, why, sizeof(why)), -EINVAL);
		assert_null(re);
		if (strstr(why, bad[i].why) == NULL)
			fail_msg("'%s': '%s' lacks '%s'", bad[i].pattern, why, bad[i].why);
	}
}

/* "(a*)*b" and "(a|aa)*b" on 100000 'a': linear, well inside a budget of 20 steps/byte. */
static void catastrophic_patterns_cost_linear_steps(void **state)
{
	static const char *const patterns[] = {"(a*)*b", "(a|aa)*b", "(a+)+$x", "(.*)*c"};
	size_t n = 100000, i;
	char *s = malloc(n), why[128];

	(void)state;
	assert_non_null(s);
	memset(s, 'a', n);
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		struct tula_re *re = NULL;
		uint64_t budget = 20 * (uint64_t)n;

		assert_int_equal(tula_re_compile(patterns[i], &re, why, sizeof(why)), 0);
		assert_int_equal(tula_re_search(re, s, n, &budget), 0);
		assert_true(budget > 0);
		tula_re_free(re);
	}
	free(s);
}

static void an_exhausted_budget_stops_the_search(void **state)
{
	struct tula_re *re = NULL;
	uint64_t budget = 1000;
	char s[5000], why[128];

	(void)state;
	memset(s, 'a', sizeof(s));
	assert_int_equal(tula_re_compile("(a|aa)*b", &re, why, sizeof(why)), 0);
	assert_int_equal(tula_re_search(re, s, sizeof(s), &budget), -ETIME);
	assert_int_equal(budget, 0);
	/* the same pattern is reusable after a stopped search */
	budget = 1000000;
	assert_int_equal(tula_re_search(re, "aab", 3, &budget), 1);
	tula_re_free(re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answers_agree_with_posix_regexec),
		cmocka_unit_test(bad_patterns_are_refused_with_a_reason),
		cmocka_unit_test(catastrophic_patterns_cost_linear_steps),
		cmocka_unit_test(an_exhausted_budget_stops_the_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
