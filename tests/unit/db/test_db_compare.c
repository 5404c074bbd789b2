/* SPDX-License-Identifier: BSD-3-Clause */
/* db/db_compare.c: `| compare` output and the three-way merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <errno.h>

#include "tests/unit/db/db_test.h"
#include "db/db_int.h"

static char *cmp(const char *old_text, const char *new_text, const char *const *argv, int argc,
		 int *banners)
{
	struct db_node *a = tparse(old_text), *b = tparse(new_text);
	struct tula_buf out = TULA_BUF_INIT;

	*banners = db_compare(a, b, argv, argc, &out);
	db_tree_free(a);
	db_tree_free(b);
	return tula_buf_steal(&out);
}

static void identical_configurations_compare_empty(void **state)
{
	int n;
	char *s = cmp(BASE_CONF, BASE_CONF, NULL, 0, &n);

	(void)state;
	assert_int_equal(n, 0);
	assert_string_equal(s, "");
	free(s);
}

static void changed_leaf_shows_minus_and_plus_under_its_banner(void **state)
{
	int n;
	char *s = cmp("system { host-name old; }", "system { host-name new; }", NULL, 0, &n);

	(void)state;
	assert_int_equal(n, 1);
	assert_string_equal(s, "[edit system]\n"
			       "-   host-name old;\n"
			       "+   host-name new;\n");
	free(s);
}

static void added_and_removed_subtrees_are_shown_whole(void **state)
{
	int n;
	char *s =
		cmp(BASE_CONF "services { dsr { vip web { backend be2 { address 10.0.1.12; } } } }",
		    BASE_CONF "services { dsr { vip api { address 10.0.1.101; protocol udp; } } }"
			      "routing-options { static { route 0.0.0.0/0 next-hop 10.0.1.1; } }",
		    NULL, 0, &n);

	(void)state;
	assert_int_equal(n, 3);
	assert_string_equal(s, "[edit]\n"
			       "+   routing-options {\n"
			       "+       static {\n"
			       "+           route 0.0.0.0/0 next-hop 10.0.1.1;\n"
			       "+       }\n"
			       "+   }\n"
			       "[edit services dsr]\n"
			       "+   vip api {\n"
			       "+       address 10.0.1.101;\n"
			       "+       protocol udp;\n"
			       "+   }\n"
			       "[edit services dsr vip web]\n"
			       "-   backend be2 {\n"
			       "-       address 10.0.1.12;\n"
			       "-   }\n");
	free(s);
}

static void nested_places_follow_their_parent_in_document_order(void **state)
{
	int n;
	char *s = cmp(BASE_CONF "system { host-name a; login { user u { class operator; } } }",
		      BASE_CONF "system { host-name b; login { user u { class read-only; } } } "
				"interfaces { port0 { mtu 9000; } }",
		      NULL, 0, &n);

	(void)state;
	assert_int_equal(n, 3);
	assert_string_equal(s, "[edit system]\n"
			       "-   host-name a;\n"
			       "+   host-name b;\n"
			       "[edit system login user u]\n"
			       "-   class operator;\n"
			       "+   class read-only;\n"
			       "[edit interfaces port0]\n"
			       "+   mtu 9000;\n");
	free(s);
}

static void one_line_routes_compare_as_lines(void **state)
{
	int n;
	char *s = cmp("routing-options { static { route 0.0.0.0/0 next-hop 10.0.1.1; } }",
		      "routing-options { static { route 0.0.0.0/0 next-hop 10.0.1.2; } }", NULL, 0,
		      &n);

	(void)state;
	assert_string_equal(s, "[edit routing-options static]\n"
			       "-   route 0.0.0.0/0 next-hop 10.0.1.1;\n"
			       "+   route 0.0.0.0/0 next-hop 10.0.1.2;\n");
	free(s);
}

static void activation_and_annotation_changes_are_marked(void **state)
{
	int n;
	char *s = cmp(BASE_CONF,
		      BASE_CONF "services { dsr { /* main site */ vip web { inactive: backend be1 "
				"{ address 10.0.1.11; } } } }",
		      NULL, 0, &n);

	(void)state;
	assert_string_equal(s, "[edit services dsr]\n"
			       "+   /* main site */\n"
			       "    vip web { ... }\n"
			       "[edit services dsr vip web]\n"
			       "!   inactive: backend be1 { ... }\n");
	free(s);
	s = cmp(BASE_CONF "services { dsr { vip web { inactive: port 80; } } }", BASE_CONF, NULL, 0,
		&n);
	assert_string_equal(s, "[edit services dsr vip web]\n"
			       "!   active: port 80;\n");
	free(s);
}

static void interfaces_get_their_own_section(void **state)
{
	int n;
	char *s = cmp(BASE_CONF "system { host-name a; }",
		      BASE_CONF "interfaces { port1 { device \"d1\"; } inactive: port0 { mtu 9000; "
				"} }",
		      NULL, 0, &n);

	(void)state;
	assert_int_equal(n, 3);
	assert_string_equal(s, "[edit]\n"
			       "-   system {\n"
			       "-       host-name a;\n"
			       "-   }\n"
			       "[edit interfaces]\n"
			       "!   inactive: port0 { ... }\n"
			       "+   port1 {\n"
			       "+       device \"d1\";\n"
			       "+   }\n"
			       "[edit interfaces port0]\n"
			       "+   mtu 9000;\n");
	free(s);
}

static void compare_can_be_limited_to_a_path(void **state)
{
	const char *const web[] = {"services", "dsr", "vip", "web"};
	const char *const host[] = {"system", "host-name"};
	const char *const vips[] = {"services", "dsr", "vip"};
	const char *const newvip[] = {"services", "dsr", "vip", "api"};
	const char *const bad[] = {"nope"};
	const char *a = BASE_CONF "system { host-name a; }";
	const char *b = BASE_CONF "system { host-name b; } services { dsr { vip web { port 81; } "
				  "vip api { port 1; } } }";
	int n;
	char *s;

	(void)state;
	s = cmp(a, b, web, 4, &n);
	assert_string_equal(s, "[edit services dsr vip web]\n"
			       "-   port 80;\n"
			       "+   port 81;\n");
	free(s);
	s = cmp(a, b, host, 2, &n);
	assert_string_equal(s, "[edit system]\n"
			       "-   host-name a;\n"
			       "+   host-name b;\n");
	free(s);
	s = cmp(a, b, newvip, 4, &n);
	assert_string_equal(s, "[edit services dsr]\n"
			       "+   vip api {\n"
			       "+       port 1;\n"
			       "+   }\n");
	free(s);
	s = cmp(a, b, vips, 3, &n);
	assert_int_equal(n, 2);
	assert_null(strstr(s, "host-name"));
	free(s);
	s = cmp(a, b, bad, 1, &n);
	assert_int_equal(n, -EINVAL);
	free(s);
}

static struct db_node *merge(const char *base, const char *mine, const char *theirs,
			     struct db_diags *d)
{
	struct db_node *b = tparse(base), *m = tparse(mine), *t = tparse(theirs), *r;

	r = db_merge3(b, m, t, "revision 9 by bob", d);
	db_tree_free(b);
	db_tree_free(m);
	db_tree_free(t);
	return r;
}

static void merge_combines_disjoint_changes(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *r = merge(BASE_CONF, BASE_CONF "system { host-name mine; }",
				  BASE_CONF "services { dsr { vip web { port 81; } } }", &d);
	struct db_node *want = tparse(BASE_CONF "system { host-name mine; } services { dsr { vip "
						"web { port 81; } } }");

	(void)state;
	assert_non_null(r);
	assert_int_equal(d.n, 0);
	assert_true(db_tree_equal(r, want));
	db_tree_free(r);
	db_tree_free(want);
}

static void merge_keeps_deletions_and_attributes(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *r =
		merge(BASE_CONF "system { host-name x; }",
		      "interfaces { port0 { device \"net_null0\"; address 10.0.1.10/24; "
		      "} }\n"
		      "system { host-name x; }",
		      BASE_CONF "system { /* note */ inactive: host-name x; }", &d);

	(void)state;
	assert_non_null(r);
	assert_null(db_node_get(r, "services"));
	assert_int_equal(db_node_inactive(db_node_get(r, "system host-name")), 1);
	assert_string_equal(db_node_annotation(db_node_get(r, "system host-name")), "note");
	db_tree_free(r);
	db_diags_free(&d);
}

static void merge_accepts_the_same_change_on_both_sides(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *r = merge(BASE_CONF, BASE_CONF "system { host-name same; }",
				  BASE_CONF "system { host-name same; }", &d);

	(void)state;
	assert_non_null(r);
	assert_string_equal(db_get_str(db_node_get(r, "system"), "host-name"), "same");
	db_tree_free(r);
}

static void merge_reports_each_conflicting_path(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *r = merge(BASE_CONF,
				  BASE_CONF "services { dsr { vip web { port 81; backend be1 { "
					    "weight 5; } } } }",
				  BASE_CONF "services { dsr { vip web { port 82; } } }", &d);

	(void)state;
	assert_null(r);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(d.errors, 1);
	assert_diag(&d, "services dsr vip web port",
		    "conflict: changed in this session and by revision 9 by bob");
	db_diags_free(&d);
}

static void merge_refuses_changes_under_a_deleted_parent(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *r =
		merge(BASE_CONF,
		      BASE_CONF "services { dsr { vip web { backend be1 { weight 5; } "
				"} } }",
		      "interfaces { port0 { device \"net_null0\"; address 10.0.1.10/24; "
		      "} }\n",
		      &d);

	(void)state;
	assert_null(r);
	assert_diag(&d, "services dsr vip web backend be1 weight", "parent was deleted");
	db_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identical_configurations_compare_empty),
		cmocka_unit_test(changed_leaf_shows_minus_and_plus_under_its_banner),
		cmocka_unit_test(added_and_removed_subtrees_are_shown_whole),
		cmocka_unit_test(nested_places_follow_their_parent_in_document_order),
		cmocka_unit_test(one_line_routes_compare_as_lines),
		cmocka_unit_test(activation_and_annotation_changes_are_marked),
		cmocka_unit_test(interfaces_get_their_own_section),
		cmocka_unit_test(compare_can_be_limited_to_a_path),
		cmocka_unit_test(merge_combines_disjoint_changes),
		cmocka_unit_test(merge_keeps_deletions_and_attributes),
		cmocka_unit_test(merge_accepts_the_same_change_on_both_sides),
		cmocka_unit_test(merge_reports_each_conflicting_path),
		cmocka_unit_test(merge_refuses_changes_under_a_deleted_parent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
