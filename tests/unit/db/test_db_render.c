/* SPDX-License-Identifier: BSD-3-Clause */
/* db/db_render.c: braces, display set, display json, show PATH. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>

#include "tests/unit/db/db_test.h"

static const char small[] =
	"interfaces { /* edge */ port0 { description \"up link\"; device \"d0\"; "
	"address 10.0.1.10/24; disable; } }\n"
	"routing-options { static { route 0.0.0.0/0 next-hop 10.0.1.1; } }\n"
	"services { dsr { vip web { address 10.0.1.100; protocol tcp; "
	"port *; inactive: mode l3; backend be1 { address 10.0.1.11; } } } }\n";

static void braces_render_like_junos_show(void **state)
{
	struct db_node *t = tparse(small);
	char *s = trender(t, DB_FMT_BRACES, 0);

	(void)state;
	assert_string_equal(s, "interfaces {\n"
			       "    /* edge */\n"
			       "    port0 {\n"
			       "        description \"up link\";\n"
			       "        device \"d0\";\n"
			       "        address 10.0.1.10/24;\n"
			       "        disable;\n"
			       "    }\n"
			       "}\n"
			       "routing-options {\n"
			       "    static {\n"
			       "        route 0.0.0.0/0 next-hop 10.0.1.1;\n"
			       "    }\n"
			       "}\n"
			       "services {\n"
			       "    dsr {\n"
			       "        vip web {\n"
			       "            address 10.0.1.100;\n"
			       "            protocol tcp;\n"
			       "            port *;\n"
			       "            inactive: mode l3;\n"
			       "            backend be1 {\n"
			       "                address 10.0.1.11;\n"
			       "            }\n"
			       "        }\n"
			       "    }\n"
			       "}\n");
	free(s);
	s = trender(t, DB_FMT_BRACES, DB_RENDER_EFFECTIVE);
	assert_null(strstr(s, "mode"));
	assert_null(strstr(s, "/* edge */"));
	free(s);
	db_tree_free(t);
}

static void display_set_loses_nothing(void **state)
{
	struct db_node *t = tparse(small);
	char *s = trender(t, DB_FMT_SET, 0);

	(void)state;
	assert_string_equal(s, "set interfaces port0 description \"up link\"\n"
			       "set interfaces port0 device \"d0\"\n"
			       "set interfaces port0 address 10.0.1.10/24\n"
			       "set interfaces port0 disable\n"
			       "annotate interfaces port0 \"edge\"\n"
			       "set routing-options static route 0.0.0.0/0 next-hop 10.0.1.1\n"
			       "set services dsr vip web address 10.0.1.100\n"
			       "set services dsr vip web protocol tcp\n"
			       "set services dsr vip web port *\n"
			       "set services dsr vip web mode l3\n"
			       "deactivate services dsr vip web mode\n"
			       "set services dsr vip web backend be1 address 10.0.1.11\n");
	free(s);
	s = trender(t, DB_FMT_SET, DB_RENDER_EFFECTIVE);
	assert_null(strstr(s, "mode"));
	assert_null(strstr(s, "annotate"));
	free(s);
	db_tree_free(t);
}

static void display_json_types_values_and_attributes(void **state)
{
	struct db_node *t = tparse("interfaces { port0 { mtu 9000; disable; } }\n"
				   "services { dsr { vip web { port *; inactive: protocol udp; "
				   "flow-timeout 60; } } }\n");
	char *s = trender(t, DB_FMT_JSON, 0);

	(void)state;
	assert_string_equal(s, "{\n"
			       "    \"interfaces\": [\n"
			       "        {\n"
			       "            \"name\": \"port0\",\n"
			       "            \"mtu\": 9000,\n"
			       "            \"disable\": [null]\n"
			       "        }\n"
			       "    ],\n"
			       "    \"services\": {\n"
			       "        \"dsr\": {\n"
			       "            \"vip\": [\n"
			       "                {\n"
			       "                    \"name\": \"web\",\n"
			       "                    \"protocol\": \"udp\",\n"
			       "                    \"@protocol\": {\"inactive\": true},\n"
			       "                    \"port\": \"*\",\n"
			       "                    \"flow-timeout\": 60\n"
			       "                }\n"
			       "            ]\n"
			       "        }\n"
			       "    }\n"
			       "}\n");
	free(s);
	db_tree_free(t);
}

static void json_escapes_strings(void **state)
{
	struct db_node *t = tparse("interfaces { p { description \"a \\\"q\\\" \\\\ b\"; } }");
	char *s = trender(t, DB_FMT_JSON, 0);

	(void)state;
	assert_non_null(strstr(s, "\"description\": \"a \\\"q\\\" \\\\ b\""));
	free(s);
	db_tree_free(t);
}

static void empty_tree_renders_empty(void **state)
{
	struct db_node *t = db_tree_new();
	char *s;

	(void)state;
	s = trender(t, DB_FMT_BRACES, 0);
	assert_string_equal(s, "");
	free(s);
	s = trender(t, DB_FMT_SET, 0);
	assert_string_equal(s, "");
	free(s);
	s = trender(t, DB_FMT_JSON, 0);
	assert_string_equal(s, "{}\n");
	free(s);
	db_tree_free(t);
}

/* braces -> tree -> set -> tree -> json: the same tree all the way */
static void round_trip_braces_set_json_keeps_the_tree(void **state)
{
	FILE *f;
	char path[4096], *text, *set1, *braces2, *json1, *json2;
	long n;
	struct db_node *t1, *t2, *t3;

	(void)state;
	snprintf(path, sizeof(path), "%s/lab.conf", TEST_DATA_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);

	t1 = tparse(text);
	set1 = trender(t1, DB_FMT_SET, 0);
	t2 = db_tree_new();
	texec(t2, set1);
	assert_true(db_tree_equal(t1, t2));
	json1 = trender(t1, DB_FMT_JSON, 0);
	json2 = trender(t2, DB_FMT_JSON, 0);
	assert_string_equal(json1, json2);
	/* and braces rendered back parse to the same tree, byte-identical again */
	braces2 = trender(t2, DB_FMT_BRACES, 0);
	t3 = tparse(braces2);
	assert_true(db_tree_equal(t1, t3));
	{
		char *b3 = trender(t3, DB_FMT_BRACES, 0);

		assert_string_equal(braces2, b3);
		free(b3);
	}
	free(text);
	free(set1);
	free(braces2);
	free(json1);
	free(json2);
	db_tree_free(t1);
	db_tree_free(t2);
	db_tree_free(t3);
}

static void output_does_not_depend_on_edit_order(void **state)
{
	struct db_node *a = db_tree_new(), *b = db_tree_new();
	char *sa, *sb;

	(void)state;
	texec(a, "set services dsr vip b port 2\nset services dsr vip a port 1\n"
		 "set system host-name x\nset interfaces p1 mtu 1000\nset interfaces p0 mtu 999\n");
	texec(b,
	      "set interfaces p0 mtu 999\nset system host-name x\nset services dsr vip a port 1\n"
	      "set interfaces p1 mtu 1000\nset services dsr vip b port 2\n");
	sa = trender(a, DB_FMT_BRACES, 0);
	sb = trender(b, DB_FMT_BRACES, 0);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	db_tree_free(a);
	db_tree_free(b);
}

static void show_renders_what_the_path_names(void **state)
{
	struct db_node *t = tparse(small);
	struct tula_buf b = TULA_BUF_INIT;
	struct db_diags d = DB_DIAGS_INIT;
	const char *const vips[] = {"services", "dsr", "vip"};
	const char *const port[] = {"services", "dsr", "vip", "web", "port"};
	const char *const ifs[] = {"interfaces"};
	const char *const mode[] = {"services", "dsr", "vip", "web", "mode"};
	const char *const none[] = {"services", "dsr", "vip", "nope"};
	const char *const bad[] = {"services", "dsx"};

	(void)state;
	assert_int_equal(db_show(t, vips, 3, DB_FMT_BRACES, 0, &b, &d), 0);
	assert_non_null(strstr(tula_buf_str(&b), "vip web {\n    address 10.0.1.100;\n"));
	tula_buf_reset(&b);
	assert_int_equal(db_show(t, port, 5, DB_FMT_BRACES, 0, &b, &d), 0);
	assert_string_equal(tula_buf_str(&b), "port *;\n");
	tula_buf_reset(&b);
	assert_int_equal(db_show(t, port, 5, DB_FMT_SET, 0, &b, &d), 0);
	assert_string_equal(tula_buf_str(&b), "set services dsr vip web port *\n");
	tula_buf_reset(&b);
	assert_int_equal(db_show(t, port, 5, DB_FMT_JSON, 0, &b, &d), 0);
	assert_string_equal(tula_buf_str(&b), "{\n    \"port\": \"*\"\n}\n");
	tula_buf_reset(&b);
	assert_int_equal(db_show(t, ifs, 1, DB_FMT_BRACES, 0, &b, &d), 0);
	assert_true(strncmp(tula_buf_str(&b), "/* edge */\nport0 {\n", 19) == 0);
	tula_buf_reset(&b);
	assert_int_equal(db_show(t, vips, 3, DB_FMT_JSON, 0, &b, &d), 0);
	assert_true(strncmp(tula_buf_str(&b), "{\n    \"vip\": [\n        {\n", 24) == 0);
	tula_buf_reset(&b);
	assert_int_equal(db_show(t, mode, 5, DB_FMT_BRACES, DB_RENDER_EFFECTIVE, &b, &d), -ENOENT);
	assert_int_equal(db_show(t, none, 4, DB_FMT_BRACES, 0, &b, &d), -ENOENT);
	assert_int_equal(b.len, 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(db_show(t, bad, 2, DB_FMT_BRACES, 0, &b, &d), -EINVAL);
	assert_int_equal(d.errors, 1);
	tula_buf_reset(&b);
	assert_int_equal(db_show(t, NULL, 0, DB_FMT_SET, 0, &b, &d), 0);
	assert_non_null(strstr(tula_buf_str(&b), "set interfaces port0 disable\n"));
	tula_buf_free(&b);
	db_diags_free(&d);
	db_tree_free(t);
}

static void quoting_keeps_specials_loadable(void **state)
{
	struct db_node *t = db_tree_new(), *t2;
	char *set, *braces;

	(void)state;
	texec(t, "set interfaces p0 description \"a;b {c} #d \\\"e\\\" | f\"\n"
		 "set interfaces p0 device \"\"\n"
		 "annotate interfaces p0 \"say \\\"hi\\\"\"\n");
	set = trender(t, DB_FMT_SET, 0);
	braces = trender(t, DB_FMT_BRACES, 0);
	t2 = db_tree_new();
	texec(t2, set);
	assert_true(db_tree_equal(t, t2));
	db_tree_free(t2);
	t2 = tparse(braces);
	assert_true(db_tree_equal(t, t2));
	db_tree_free(t2);
	free(set);
	free(braces);
	db_tree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(braces_render_like_junos_show),
		cmocka_unit_test(display_set_loses_nothing),
		cmocka_unit_test(display_json_types_values_and_attributes),
		cmocka_unit_test(json_escapes_strings),
		cmocka_unit_test(empty_tree_renders_empty),
		cmocka_unit_test(round_trip_braces_set_json_keeps_the_tree),
		cmocka_unit_test(output_does_not_depend_on_edit_order),
		cmocka_unit_test(show_renders_what_the_path_names),
		cmocka_unit_test(quoting_keeps_specials_loadable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
