/* SPDX-License-Identifier: BSD-3-Clause */
/* db/db_text.c: the braces parser and the load modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>

#include "tests/unit/db/db_test.h"

static char *slurp(const char *name)
{
	char path[4096];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void parses_the_cli_md_configuration(void **state)
{
	char *text = slurp("lab.conf");
	struct db_node *t = tparse(text);
	const struct db_node *vip = db_node_get(t, "services dsr vip streaming-dsr");

	(void)state;
	assert_non_null(vip);
	assert_string_equal(db_get_str(vip, "address"), "10.0.1.100");
	assert_string_equal(db_get_str(db_node_get(t, "interfaces port0"), "device"),
			    "net_af_packet0,iface=veth-lb");
	assert_string_equal(db_get_str(db_node_get(t, "interfaces port0"), "description"),
			    "uplink");
	assert_string_equal(
		db_get_str(db_node_get(t, "routing-options static route 0.0.0.0/0"), "next-hop"),
		"10.0.1.1");
	assert_non_null(db_node_get(t, "system scripts commit file check-ports.lua"));
	assert_string_equal(db_node_annotation(vip), "the streaming front end");
	assert_int_equal(db_node_inactive(db_node_get(vip, "backend be10")), 1);
	assert_int_equal(db_node_inactive(db_node_get(vip, "backend be1")), 0);
	assert_string_equal(db_get_str(db_node_get(vip, "health-check"), "http-path"), "/healthz");
	free(text);
	db_tree_free(t);
}

static void statements_may_span_lines_and_share_them(void **state)
{
	struct db_node *t = tparse("services { dsr { vip a { address\n 10.0.1.1; port 1; } } }"
				   "# trailing comment\n"
				   "services dsr vip b port 2;\n");

	(void)state;
	assert_string_equal(db_get_str(db_node_get(t, "services dsr vip a"), "address"),
			    "10.0.1.1");
	assert_string_equal(db_get_str(db_node_get(t, "services dsr vip b"), "port"), "2");
	db_tree_free(t);
}

static void inactive_and_annotations_attach_to_the_next_statement(void **state)
{
	struct db_node *t = tparse("/* first */ /* second wins */\n"
				   "inactive: system { host-name x; }\n"
				   "routing-options { static {\n"
				   "  /* default */ inactive: route 0.0.0.0/0 next-hop 10.0.0.1;\n"
				   "  route 10.0.0.0/8 { /* on the leaf */ next-hop 10.0.0.2; }\n"
				   "  /* dangling */ } }\n");
	const struct db_node *sys = db_node_get(t, "system");
	const struct db_node *r0 = db_node_get(t, "routing-options static route 0.0.0.0/0");
	const struct db_node *r8 = db_node_get(t, "routing-options static route 10.0.0.0/8");

	(void)state;
	assert_int_equal(db_node_inactive(sys), 1);
	assert_string_equal(db_node_annotation(sys), "second wins");
	/* a one-line route carries its attributes itself, not its next-hop */
	assert_int_equal(db_node_inactive(r0), 1);
	assert_string_equal(db_node_annotation(r0), "default");
	assert_null(db_node_annotation(db_node_find(r0, "next-hop", NULL)));
	assert_null(db_node_annotation(r8));
	assert_string_equal(db_node_annotation(db_node_find(r8, "next-hop", NULL)), "on the leaf");
	db_tree_free(t);
}

/* An annotation is one line: what loads from braces text must render in `display set`
 * form and load back (the fuzz target config found both cases below). */
static void multi_line_and_empty_comments_fold_into_one_line_annotations(void **state)
{
	struct db_node *t = tparse("/* the front\n   end, \r\n  two lines \n*/\n"
				   "system { /* */ host-name x; }\n");
	struct db_node *back = db_tree_new();
	struct tula_buf set = TULA_BUF_INIT, b1 = TULA_BUF_INIT, b2 = TULA_BUF_INIT;
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_string_equal(db_node_annotation(db_node_get(t, "system")),
			    "the front end, two lines");
	assert_null(db_node_annotation(db_node_get(t, "system host-name")));
	assert_int_equal(db_render(t, DB_FMT_SET, 0, &set), 0);
	assert_int_equal(db_tree_load(back, DB_LOAD_SET, tula_buf_str(&set), NULL, 0, &d), 0);
	assert_int_equal(db_render(t, DB_FMT_BRACES, 0, &b1), 0);
	assert_int_equal(db_render(back, DB_FMT_BRACES, 0, &b2), 0);
	assert_string_equal(tula_buf_str(&b1), tula_buf_str(&b2));
	tula_buf_free(&set);
	tula_buf_free(&b1);
	tula_buf_free(&b2);
	db_diags_free(&d);
	db_tree_free(back);
	db_tree_free(t);
}

static void empty_blocks_leave_nothing(void **state)
{
	struct db_node *t = tparse("system { login { } commit { } }\nservices { dsr; }\n");

	(void)state;
	assert_int_equal(db_node_child_count(t), 0);
	db_tree_free(t);
}

struct bad {
	const char *text;
	int line, column, token;
	const char *path;
	const char *msg;
};

static void errors_name_line_column_token_and_path(void **state)
{
	static const struct bad cases[] = {
		{"system {\n    host-name lb_1;\n}\n", 2, 15, 1, "system host-name",
		 "expected a host name"},
		{"services {\n dsr {\n  vip web {\n   port 99999;\n  }\n }\n}\n", 4, 9, 1,
		 "services dsr vip web port", "expected a port 1..65535, or *"},
		{"services { colour red; }\n", 1, 12, 0, "services",
		 "unknown statement \"colour\""},
		{"system { host-name a }\n", 1, 22, -1, "", "expected ';' or '{' after \"a\""},
		{"system { host-name a;\n", 2, 1, -1, "", "missing '}'"},
		{"system { }\n}\n", 2, 1, -1, "", "unexpected '}'"},
		{"system { host-name \"a;\n}\n", 1, 20, -1, "", "unterminated quoted string"},
		{"system { host-name x { } }\n", 1, 20, -1, "", "host-name is a single statement"},
		{"services { dsr { vip { } } }\n", 1, 18, -1, "", "missing name"},
		{"/* never closed\nsystem { }\n", 1, 1, -1, "", "unterminated comment"},
		{"{ }\n", 1, 1, -1, "", "expected a statement"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct db_diags d = DB_DIAGS_INIT;
		struct db_node *t = db_tree_parse(cases[i].text, &d);

		if (t != NULL || d.n == 0 || d.v[0].line != cases[i].line ||
		    d.v[0].column != cases[i].column || d.v[0].token != cases[i].token ||
		    strcmp(d.v[0].path, cases[i].path) != 0 ||
		    strstr(d.v[0].message, cases[i].msg) == NULL) {
			fprintf(stderr, "case %zu:\n%s", i, cases[i].text);
			tdump(&d);
			fail();
		}
		db_diags_free(&d);
	}
}

static void parsing_goes_on_after_an_error(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *t = db_tree_parse("services { dsr { vip a { port x; colour; } } }\n"
					  "system { host-name -bad; }\n",
					  &d);

	(void)state;
	assert_null(t);
	assert_int_equal(d.errors, 3);
	assert_int_equal(d.v[0].line, 1);
	assert_int_equal(d.v[2].line, 2);
	db_diags_free(&d);
}

static void load_merge_adds_and_replaces(void **state)
{
	struct db_node *t = tparse(BASE_CONF);
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(db_tree_load(t, DB_LOAD_MERGE,
				      "services { dsr { vip web { port 8080; backend be2 { address "
				      "10.0.1.12; } } } }",
				      NULL, 0, &d),
			 0);
	assert_string_equal(db_get_str(db_node_get(t, "services dsr vip web"), "port"), "8080");
	assert_int_equal(db_node_count(db_node_get(t, "services dsr vip web"), "backend"), 2);
	assert_non_null(db_node_get(t, "interfaces port0"));
	db_diags_free(&d);
	db_tree_free(t);
}

static void load_override_replaces_everything(void **state)
{
	struct db_node *t = tparse(BASE_CONF);

	(void)state;
	assert_int_equal(
		db_tree_load(t, DB_LOAD_OVERRIDE, "system { host-name x; }", NULL, 0, NULL), 0);
	assert_null(db_node_get(t, "interfaces"));
	assert_string_equal(db_get_str(db_node_get(t, "system"), "host-name"), "x");
	db_tree_free(t);
}

static void load_is_all_or_nothing(void **state)
{
	struct db_node *t = tparse(BASE_CONF), *before = db_tree_dup(t);
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(db_tree_load(t, DB_LOAD_OVERRIDE,
				      "system { host-name ok; }\nservices { dsr { vip x { port 0; "
				      "} } }\n",
				      NULL, 0, &d),
			 -EINVAL);
	assert_int_equal(d.v[0].line, 2);
	assert_true(db_tree_equal(t, before));
	db_diags_clear(&d);
	assert_int_equal(db_tree_load(t, DB_LOAD_SET,
				      "set system host-name ok\nset services dsr vip web port 0\n",
				      NULL, 0, &d),
			 -EINVAL);
	assert_true(db_tree_equal(t, before));
	db_diags_free(&d);
	db_tree_free(before);
	db_tree_free(t);
}

static void load_set_reports_line_and_column_of_the_token(void **state)
{
	struct db_node *t = db_tree_new();
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(db_tree_load(t, DB_LOAD_SET,
				      "# a comment\n\nset system host-name ok\n"
				      "set interfaces port0 mtu 20\n"
				      "delete interfaces port7\n",
				      NULL, 0, &d),
			 -EINVAL);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[0].line, 4);
	assert_int_equal(d.v[0].token, 4);
	assert_int_equal(d.v[0].column, 26);
	assert_string_equal(d.v[0].path, "interfaces port0 mtu");
	assert_non_null(strstr(d.v[0].message, "68..9600"));
	assert_int_equal(d.v[1].line, 5);
	assert_non_null(strstr(d.v[1].message, "statement not found"));
	db_diags_free(&d);
	db_tree_free(t);
}

static void load_relative_to_a_level(void **state)
{
	struct db_node *t = tparse(BASE_CONF);
	const char *const at[] = {"services", "dsr", "vip", "web"};
	const char *const leaf[] = {"services", "dsr", "vip", "web", "port"};
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(db_tree_load(t, DB_LOAD_MERGE, "port 81; backend b2 { address 10.0.1.2; }",
				      at, 4, &d),
			 0);
	assert_string_equal(db_get_str(db_node_get(t, "services dsr vip web"), "port"), "81");
	assert_non_null(db_node_get(t, "services dsr vip web backend b2"));
	assert_int_equal(
		db_tree_load(t, DB_LOAD_SET, "set mode l3\ndelete backend b2\n", at, 4, &d), 0);
	assert_string_equal(db_get_str(db_node_get(t, "services dsr vip web"), "mode"), "l3");
	assert_null(db_node_get(t, "services dsr vip web backend b2"));
	/* override relative: only that subtree is replaced */
	assert_int_equal(db_tree_load(t, DB_LOAD_OVERRIDE, "address 10.0.1.99;", at, 4, &d), 0);
	assert_null(db_node_get(t, "services dsr vip web port"));
	assert_non_null(db_node_get(t, "interfaces port0"));
	/* an error in relative set text names the token of the line */
	assert_int_equal(db_tree_load(t, DB_LOAD_SET, "set port x\n", at, 4, &d), -EINVAL);
	assert_int_equal(d.v[0].token, 2);
	assert_int_equal(d.v[0].column, 10);
	assert_int_equal(db_tree_load(t, DB_LOAD_MERGE, "x;", leaf, 5, &d), -EINVAL);
	db_diags_free(&d);
	db_tree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_the_cli_md_configuration),
		cmocka_unit_test(statements_may_span_lines_and_share_them),
		cmocka_unit_test(inactive_and_annotations_attach_to_the_next_statement),
		cmocka_unit_test(multi_line_and_empty_comments_fold_into_one_line_annotations),
		cmocka_unit_test(empty_blocks_leave_nothing),
		cmocka_unit_test(errors_name_line_column_token_and_path),
		cmocka_unit_test(parsing_goes_on_after_an_error),
		cmocka_unit_test(load_merge_adds_and_replaces),
		cmocka_unit_test(load_override_replaces_everything),
		cmocka_unit_test(load_is_all_or_nothing),
		cmocka_unit_test(load_set_reports_line_and_column_of_the_token),
		cmocka_unit_test(load_relative_to_a_level),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
