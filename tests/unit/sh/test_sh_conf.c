/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration paths walked through db/'s real schema by the engine: parsing,
 * abbreviation, value checks with their reasons, completion of keywords and enum
 * values, `?` placeholders — with no schema knowledge in the shell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "db/db.h"
#include "shell/sh_session.h"

static struct sh_engine *eng;
static const struct sh_env conf = {SH_MODE_CONF, SH_LEVEL_SUPER_USER, NULL};
static const struct sh_env oper = {SH_MODE_OPER, SH_LEVEL_SUPER_USER, NULL};
static char text[4096];

static int setup(void **state)
{
	(void)state;
	eng = sh_engine_new();
	return eng != NULL && sh_conf_register(eng) == 0 && sh_oper_register(eng) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	sh_engine_free(eng);
	return 0;
}

/* Parse line; on success text = the PATH words joined, else the error. */
static int parse(const struct sh_env *env, const char *line)
{
	struct tula_buf err = TULA_BUF_INIT;
	struct sh_parsed *p = NULL;
	const char *const *w;
	size_t n, i;
	int rc;

	rc = sh_engine_parse(eng, env, line, &p, &err);
	text[0] = '\0';
	if (rc == 0) {
		n = sh_match_words(sh_parsed_match(p), "PATH", &w);
		for (i = 0; i < n; i++) {
			strncat(text, i ? " " : "", sizeof(text) - strlen(text) - 1);
			strncat(text, w[i], sizeof(text) - strlen(text) - 1);
		}
	} else {
		snprintf(text, sizeof(text), "%s", tula_buf_str(&err));
	}
	sh_parsed_free(p);
	tula_buf_free(&err);
	return rc;
}

static int complete(const struct sh_env *env, const char *line, int with_help)
{
	struct tula_buf err = TULA_BUF_INIT;
	struct sh_cands c = {0};
	size_t i;
	int rc;

	text[0] = '\0';
	rc = sh_engine_complete(eng, env, line, strlen(line), &c, &err);
	for (i = 0; i < c.n; i++) {
		strncat(text, i ? " " : "", sizeof(text) - strlen(text) - 1);
		strncat(text, c.v[i].word, sizeof(text) - strlen(text) - 1);
		if (with_help) {
			strncat(text, "=", sizeof(text) - strlen(text) - 1);
			strncat(text, c.v[i].help, sizeof(text) - strlen(text) - 1);
		}
	}
	sh_cands_free(&c);
	tula_buf_free(&err);
	return rc;
}

static void set_paths_parse_with_the_schema(void **state)
{
	(void)state;
	assert_int_equal(parse(&conf, "set services dsr vip web port 80"), 0);
	assert_string_equal(text, "services dsr vip web port 80");
	assert_int_equal(parse(&conf, "set services dsr vip web port *"), 0);
	assert_int_equal(parse(&conf, "set services dsr vip web backend be1 weight 0"), 0);
	assert_int_equal(parse(&conf, "set system login user alice class operator"), 0);
	assert_int_equal(parse(&conf, "set interfaces port0 description \"the uplink\""), 0);
	assert_string_equal(text, "interfaces port0 description the uplink");
}

static void schema_keywords_and_enum_values_abbreviate(void **state)
{
	(void)state;
	assert_int_equal(parse(&conf, "set serv d vip web prot t"), 0);
	assert_string_equal(text, "services dsr vip web protocol tcp");
	assert_int_equal(parse(&conf, "set services dsr vip web mode l"), -EINVAL);
	assert_non_null(strstr(text, "'l' is ambiguous"));
	assert_non_null(strstr(text, "l2"));
}

static void bad_values_are_refused_at_the_word_with_the_reason(void **state)
{
	(void)state;
	assert_int_equal(parse(&conf, "set services dsr vip web port 70000"), -EINVAL);
	assert_non_null(strstr(text, "set services dsr vip web port 70000\n"
				     "                              ^\n"
				     "port: invalid value '70000': "));
	assert_int_equal(parse(&conf, "set services dsr vip web address 10.0.1"), -EINVAL);
	assert_non_null(strstr(text, "address: invalid value '10.0.1'"));
	assert_int_equal(parse(&conf, "set services dsr vip web protocol sctp"), -EINVAL);
	assert_non_null(strstr(text, "protocol: invalid value 'sctp'"));
}

static void set_needs_a_value_or_an_entry(void **state)
{
	(void)state;
	assert_int_equal(parse(&conf, "set services dsr vip web"), 0); /* an empty entry */
	assert_int_equal(parse(&conf, "set system"), -EINVAL);
	assert_non_null(strstr(text, "incomplete command"));
	assert_int_equal(parse(&conf, "set services dsr vip web port"), -EINVAL);
	assert_non_null(strstr(text, "<port>"));
	assert_int_equal(parse(&conf, "edit services dsr vip"), -EINVAL);
	assert_int_equal(parse(&conf, "edit services dsr vip web"), 0);
	assert_int_equal(parse(&conf, "delete services dsr vip"), 0);
	assert_int_equal(parse(&conf, "rename services dsr vip web to vip web2"), 0);
}

static void completion_comes_from_the_schema(void **state)
{
	(void)state;
	assert_int_equal(complete(&conf, "set ", 0), 0);
	assert_string_equal(text, "interfaces protocols routing-options services system");
	assert_int_equal(complete(&conf, "set services dsr vip web pro", 0), 0);
	assert_string_equal(text, "protocol");
	assert_int_equal(complete(&conf, "set services dsr vip web protocol ", 0), 0);
	assert_string_equal(text, "tcp udp");
	assert_int_equal(complete(&conf, "set services dsr vip web port ", 1), 0);
	assert_string_equal(text, "<port>=1..65535, or * for all ports");
	assert_int_equal(complete(&conf, "show services dsr vip web ", 0), 0);
	assert_non_null(strstr(text, "<[Enter]> address backend"));
	assert_non_null(strstr(text, " |"));
}

static void operational_show_configuration_walks_from_the_top(void **state)
{
	(void)state;
	assert_int_equal(parse(&oper, "show configuration services dsr"), 0);
	assert_string_equal(text, "services dsr");
	assert_int_equal(parse(&oper, "sh conf sys"), 0);
	assert_string_equal(text, "system");
	assert_int_equal(complete(&oper, "show configuration s", 0), 0);
	assert_string_equal(text, "services system");
}

/* Every revision bound derives from the schema's `system commit history` maximum. */
static void revision_bounds_follow_the_schema_history_maximum(void **state)
{
	const struct db_snode *h = db_snode_child(
		db_snode_child(db_snode_child(db_schema_root(), "system"), "commit"), "history");
	uint64_t min = 0, max = 0;
	char line[128], range[64];

	(void)state;
	assert_non_null(h);
	assert_int_equal(db_snode_range(h, &min, &max), 0);
	assert_int_equal(max, DB_HISTORY_MAX);
	assert_int_equal(DB_ROLLBACK_MAX, DB_HISTORY_MAX - 1);
	snprintf(range, sizeof(range), "out of range (0..%d)", DB_ROLLBACK_MAX);
	snprintf(line, sizeof(line), "rollback %d", DB_ROLLBACK_MAX);
	assert_int_equal(parse(&conf, line), 0);
	snprintf(line, sizeof(line), "rollback %d", DB_HISTORY_MAX);
	assert_int_equal(parse(&conf, line), -EINVAL);
	assert_non_null(strstr(text, range));
	snprintf(line, sizeof(line), "show configuration | compare rollback %d", DB_HISTORY_MAX);
	assert_int_equal(parse(&oper, line), -EINVAL);
	assert_non_null(strstr(text, range));
	snprintf(line, sizeof(line), "show system rollback %d", DB_HISTORY_MAX);
	assert_int_equal(parse(&oper, line), -EINVAL);
	assert_non_null(strstr(text, range));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_paths_parse_with_the_schema),
		cmocka_unit_test(revision_bounds_follow_the_schema_history_maximum),
		cmocka_unit_test(schema_keywords_and_enum_values_abbreviate),
		cmocka_unit_test(bad_values_are_refused_at_the_word_with_the_reason),
		cmocka_unit_test(set_needs_a_value_or_an_entry),
		cmocka_unit_test(completion_comes_from_the_schema),
		cmocka_unit_test(operational_show_configuration_walks_from_the_top),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
