/* SPDX-License-Identifier: BSD-3-Clause */
/* db/db_tree.c: edits, lookups, typed getters, copies, splitting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>

#include "tests/unit/db/db_test.h"

#define A(...)	       ((const char *const[]){__VA_ARGS__})
#define N(...)	       ((int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))
#define SET(t, d, ...) db_tree_set((t), A(__VA_ARGS__), N(__VA_ARGS__), (d))

static void set_creates_the_path_and_replaces_leaf_values(void **state)
{
	struct db_node *t = db_tree_new();
	struct db_diags d = DB_DIAGS_INIT;
	const struct db_node *vip, *port;
	char *s;

	(void)state;
	assert_int_equal(SET(t, &d, "services", "dsr", "vip", "web", "port", "80"), 0);
	assert_int_equal(SET(t, &d, "services", "dsr", "vip", "web", "port", "8080"), 0);
	vip = db_node_get(t, "services dsr vip web");
	assert_non_null(vip);
	assert_string_equal(db_node_key(vip), "web");
	assert_string_equal(db_node_keyword(vip), "vip");
	port = db_node_find(vip, "port", NULL);
	assert_string_equal(db_node_value(port), "8080");
	assert_int_equal(db_node_count(vip, "port"), 1);
	s = trender(t, DB_FMT_SET, 0);
	assert_string_equal(s, "set services dsr vip web port 8080\n");
	free(s);
	assert_int_equal(d.n, 0);
	db_tree_free(t);
}

static void set_refuses_bad_paths_and_leaves_the_tree_unchanged(void **state)
{
	struct db_node *t = tparse(BASE_CONF);
	struct db_node *before = db_tree_dup(t);
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(SET(t, &d, "services", "dsr", "vip", "new", "port", "99999"), -EINVAL);
	assert_int_equal(d.v[0].token, 5);
	assert_string_equal(d.v[0].path, "services dsr vip new port");
	assert_non_null(strstr(d.v[0].message, "1..65535"));
	assert_int_equal(SET(t, &d, "services", "dsr", "vip", "new", "colour", "red"), -EINVAL);
	assert_int_equal(d.v[1].token, 4);
	assert_non_null(strstr(d.v[1].message, "unknown statement \"colour\""));
	assert_int_equal(SET(t, &d, "services", "dsr", "vip", "new", "port"), -EINVAL);
	assert_non_null(strstr(d.v[2].message, "missing value"));
	assert_int_equal(SET(t, &d, "services", "dsr", "vip"), -EINVAL);
	assert_non_null(strstr(d.v[3].message, "missing name"));
	assert_int_equal(SET(t, &d, "services", "dsr"), -EINVAL);
	assert_non_null(strstr(d.v[4].message, "incomplete statement"));
	assert_int_equal(SET(t, &d, "interfaces", "port0", "disable", "yes"), -EINVAL);
	assert_int_equal(SET(t, &d, "services", "dsr", "vip", "web", "port", "80", "extra"),
			 -EINVAL);
	assert_non_null(strstr(d.v[6].message, "nothing may follow port 80"));
	assert_int_equal(d.errors, 7);
	assert_true(db_tree_equal(t, before));
	db_tree_free(before);
	db_tree_free(t);
	db_diags_free(&d);
}

static void set_of_flags_and_empty_entries(void **state)
{
	struct db_node *t = db_tree_new();

	(void)state;
	assert_int_equal(SET(t, NULL, "interfaces", "port0", "disable"), 0);
	assert_int_equal(SET(t, NULL, "interfaces", "port0", "address", "10.0.0.1/24"), 0);
	assert_int_equal(db_get_flag(db_node_get(t, "interfaces port0"), "disable"), 1);
	assert_int_equal(db_get_flag(db_node_get(t, "interfaces port0"), "mtu"), 0);
	assert_non_null(db_node_get(t, "interfaces port0 address 10.0.0.1/24"));
	db_tree_free(t);
}

static void entries_sort_naturally_and_numerically(void **state)
{
	struct db_node *t = db_tree_new();
	const struct db_node *vip, *b;
	const char *want[] = {"be1", "be2", "be10", "x"};
	const char *routes[] = {"0.0.0.0/0", "9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16"};
	int i = 0;

	(void)state;
	texec(t, "set services dsr vip v backend x address 1.1.1.1\n"
		 "set services dsr vip v backend be10 address 1.1.1.2\n"
		 "set services dsr vip v backend be2 address 1.1.1.3\n"
		 "set services dsr vip v backend be1 address 1.1.1.4\n"
		 "set routing-options static route 10.0.0.0/16 next-hop 1.1.1.1\n"
		 "set routing-options static route 10.0.0.0/8 next-hop 1.1.1.1\n"
		 "set routing-options static route 9.0.0.0/8 next-hop 1.1.1.1\n"
		 "set routing-options static route 0.0.0.0/0 next-hop 1.1.1.1\n");
	vip = db_node_get(t, "services dsr vip v");
	for (b = db_node_first(vip, "backend"); b; b = db_node_next(b))
		assert_string_equal(db_node_key(b), want[i++]);
	assert_int_equal(i, 4);
	assert_int_equal(db_node_count(vip, "backend"), 4);
	i = 0;
	for (b = db_node_first(db_node_get(t, "routing-options static"), "route"); b;
	     b = db_node_next(b))
		assert_string_equal(db_node_key(b), routes[i++]);
	assert_int_equal(i, 4);
	db_tree_free(t);
}

static void delete_removes_statements_lists_and_empty_parents(void **state)
{
	struct db_node *t = tparse(BASE_CONF);
	struct db_diags d = DB_DIAGS_INIT;
	const char *const vip_port[] = {"services", "dsr", "vip", "web", "port"};
	const char *const vip_port_val[] = {"services", "dsr", "vip", "web", "port", "81"};
	const char *const vips[] = {"services", "dsr", "vip"};
	const char *const missing[] = {"services", "dsr", "vip", "nope"};

	(void)state;
	assert_int_equal(db_tree_delete(t, vip_port_val, 6, &d), -ENOENT);
	assert_non_null(strstr(d.v[0].message, "statement not found"));
	assert_non_null(db_node_get(t, "services dsr vip web port"));
	assert_int_equal(db_tree_delete(t, vip_port, 5, &d), 0);
	assert_null(db_node_get(t, "services dsr vip web port"));
	assert_int_equal(db_tree_delete(t, missing, 4, &d), -ENOENT);
	assert_int_equal(db_tree_delete(t, vips, 3, &d), 0);
	/* services and dsr were left empty: gone too */
	assert_null(db_node_get(t, "services"));
	assert_non_null(db_node_get(t, "interfaces port0"));
	assert_int_equal(db_tree_delete(t, vips, 3, &d), -ENOENT);
	assert_int_equal(db_tree_delete(t, NULL, 0, &d), 0);
	assert_int_equal(db_node_child_count(t), 0);
	db_diags_free(&d);
	db_tree_free(t);
}

static void deactivate_and_activate_mark_statements(void **state)
{
	struct db_node *t = tparse(BASE_CONF);
	struct db_diags d = DB_DIAGS_INIT;
	const char *const be[] = {"services", "dsr", "vip", "web", "backend", "be1"};
	const char *const vips[] = {"services", "dsr", "vip"};
	const char *const nobe[] = {"services", "dsr", "vip", "web", "backend", "zz"};
	struct db_node *eff;

	(void)state;
	assert_int_equal(db_tree_activate(t, be, 6, 0, &d), 0);
	assert_int_equal(db_node_inactive(db_node_get(t, "services dsr vip web backend be1")), 1);
	eff = db_tree_effective(t);
	assert_null(db_node_get(eff, "services dsr vip web backend be1"));
	assert_non_null(db_node_get(eff, "services dsr vip web port"));
	db_tree_free(eff);
	assert_int_equal(db_tree_activate(t, be, 6, 1, &d), 0);
	assert_int_equal(db_node_inactive(db_node_get(t, "services dsr vip web backend be1")), 0);
	assert_int_equal(db_tree_activate(t, nobe, 6, 0, &d), -ENOENT);
	/* a list keyword deactivates every entry */
	assert_int_equal(db_tree_activate(t, vips, 3, 0, &d), 0);
	assert_int_equal(db_node_inactive(db_node_get(t, "services dsr vip web")), 1);
	/* effective copies drop containers whose contents were all inactive */
	eff = db_tree_effective(t);
	assert_null(db_node_get(eff, "services"));
	db_tree_free(eff);
	db_diags_free(&d);
	db_tree_free(t);
}

static void annotate_attaches_and_removes_comments(void **state)
{
	struct db_node *t = tparse(BASE_CONF);
	struct db_diags d = DB_DIAGS_INIT;
	const char *const vip[] = {"services", "dsr", "vip", "web"};

	(void)state;
	assert_int_equal(db_tree_annotate(t, vip, 4, "front end", &d), 0);
	assert_string_equal(db_node_annotation(db_node_get(t, "services dsr vip web")),
			    "front end");
	assert_int_equal(db_tree_annotate(t, vip, 4, "bad */ text", &d), -EINVAL);
	assert_int_equal(db_tree_annotate(t, vip, 4, "two\nlines", &d), -EINVAL);
	assert_string_equal(db_node_annotation(db_node_get(t, "services dsr vip web")),
			    "front end");
	/* blanks at the ends would not survive `show` + `load`: not kept */
	assert_int_equal(db_tree_annotate(t, vip, 4, " \tweb site \t", &d), 0);
	assert_string_equal(db_node_annotation(db_node_get(t, "services dsr vip web")), "web site");
	assert_int_equal(db_tree_annotate(t, vip, 4, "  ", &d), 0);
	assert_null(db_node_annotation(db_node_get(t, "services dsr vip web")));
	assert_int_equal(db_tree_annotate(t, vip, 4, "front end", &d), 0);
	assert_int_equal(db_tree_annotate(t, vip, 4, "", &d), 0);
	assert_null(db_node_annotation(db_node_get(t, "services dsr vip web")));
	db_diags_free(&d);
	db_tree_free(t);
}

static void rename_moves_an_entry_and_keeps_order(void **state)
{
	struct db_node *t = tparse(BASE_CONF);
	struct db_diags d = DB_DIAGS_INIT;
	const char *const vip[] = {"services", "dsr", "vip", "web"};
	const char *const zzz[] = {"services", "dsr", "vip", "zzz"};
	const char *const port[] = {"services", "dsr", "vip", "zzz", "port"};

	(void)state;
	texec(t, "set services dsr vip api address 10.0.1.101\n"
		 "annotate services dsr vip web \"kept\"\n");
	assert_int_equal(db_tree_rename(t, vip, 4, "zzz", &d), 0);
	assert_null(db_node_get(t, "services dsr vip web"));
	assert_string_equal(db_get_str(db_node_get(t, "services dsr vip zzz"), "address"),
			    "10.0.1.100");
	assert_string_equal(db_node_annotation(db_node_get(t, "services dsr vip zzz")), "kept");
	assert_string_equal(db_node_key(db_node_first(db_node_get(t, "services dsr"), "vip")),
			    "api");
	/* target exists / not an entry / bad name */
	assert_int_equal(db_tree_rename(t, zzz, 4, "api", &d), -EEXIST);
	assert_non_null(strstr(d.v[0].message, "vip api already exists"));
	assert_int_equal(db_tree_rename(t, port, 5, "x", &d), -EINVAL);
	assert_int_equal(db_tree_rename(t, zzz, 4, "bad name", &d), -EINVAL);
	db_diags_free(&d);
	db_tree_free(t);
}

static void exec_runs_display_set_lines(void **state)
{
	struct db_node *t = db_tree_new();
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(db_tree_exec(t, "set interfaces port0 description \"to the core\"", &d),
			 0);
	assert_string_equal(db_get_str(db_node_get(t, "interfaces port0"), "description"),
			    "to the core");
	assert_int_equal(db_tree_exec(t, "deactivate interfaces port0", &d), 0);
	assert_int_equal(db_node_inactive(db_node_get(t, "interfaces port0")), 1);
	assert_int_equal(db_tree_exec(t, "activate interfaces port0", &d), 0);
	assert_int_equal(db_tree_exec(t, "annotate interfaces port0 \"hello\"", &d), 0);
	assert_int_equal(db_tree_exec(t, "rename interfaces port0 to interfaces port9", &d), 0);
	assert_non_null(db_node_get(t, "interfaces port9"));
	assert_int_equal(db_tree_exec(t, "rename interfaces port9 to vip port1", &d), -EINVAL);
	assert_int_equal(db_tree_exec(t, "delete interfaces port9", &d), 0);
	assert_int_equal(db_node_child_count(t), 0);
	assert_int_equal(db_tree_exec(t, "frobnicate x", &d), -EINVAL);
	assert_non_null(strstr(d.v[d.n - 1].message, "unknown command \"frobnicate\""));
	assert_int_equal(db_tree_exec(t, "set interfaces port0 mtu 10", &d), -EINVAL);
	/* tokens count from the command word */
	assert_int_equal(d.v[d.n - 1].token, 4);
	assert_int_equal(db_tree_exec(t, "set interfaces \"port0", &d), -EINVAL);
	assert_non_null(strstr(d.v[d.n - 1].message, "unterminated"));
	db_diags_free(&d);
	db_tree_free(t);
}

static void typed_getters_use_schema_defaults(void **state)
{
	struct db_node *t = tparse(BASE_CONF "services { dsr { vip dns { address 10.0.1.101; "
					     "protocol udp; port *; tunnel-source 172.16.0.0/16; "
					     "backend b { address 10.0.1.5; weight 7; } } } }");
	const struct db_node *web = db_node_get(t, "services dsr vip web");
	const struct db_node *dns = db_node_get(t, "services dsr vip dns");
	uint32_t u;
	uint16_t port;
	struct in_addr a;
	uint8_t len;

	(void)state;
	assert_string_equal(db_get_str(web, "mode"), "l2");
	assert_string_equal(db_get_str(web, "hash"), "five-tuple");
	assert_null(db_get_str(web, "interface"));
	assert_null(db_get_str(web, "nonsense"));
	assert_int_equal(db_get_uint(web, "flow-timeout", &u), 0);
	assert_int_equal(u, 300);
	assert_int_equal(db_get_uint(web, "description", &u), -ENOENT);
	assert_int_equal(db_get_port(web, "port", &port), 0);
	assert_int_equal(port, 80);
	assert_int_equal(db_get_port(dns, "port", &port), 0);
	assert_int_equal(port, 0);
	assert_int_equal(db_get_ipv4(web, "address", &a), 0);
	assert_int_equal(ntohl(a.s_addr), 0x0a000164);
	assert_int_equal(db_get_prefix(dns, "tunnel-source", &a, &len), 0);
	assert_int_equal(len, 16);
	assert_int_equal(db_get_prefix(web, "address", &a, &len), 0);
	assert_int_equal(len, 32);
	/* a list entry's own key, as the firmware reads interface addresses */
	assert_int_equal(
		db_node_prefix(db_node_get(t, "interfaces port0 address 10.0.1.10/24"), &a, &len),
		0);
	assert_int_equal(ntohl(a.s_addr), 0x0a00010a);
	assert_int_equal(len, 24);
	assert_int_equal(db_node_prefix(db_node_get(t, "services dsr vip web protocol"), &a, &len),
			 -EINVAL);
	assert_int_equal(db_node_prefix(db_node_get(t, "services dsr"), &a, &len), -ENOENT);
	assert_int_equal(
		db_get_uint(db_node_get(t, "services dsr vip dns backend b"), "weight", &u), 0);
	assert_int_equal(u, 7);
	assert_int_equal(
		db_get_uint(db_node_get(t, "services dsr vip web backend be1"), "weight", &u), 0);
	assert_int_equal(u, 100);
	/* a health-check that is not configured still has its defaults */
	assert_int_equal(
		db_get_uint(db_node_get(t, "services dsr vip web health-check"), "interval", &u),
		-ENOENT);
	db_tree_free(t);
}

static void lookup_and_paths(void **state)
{
	struct db_node *t = tparse(BASE_CONF);
	const char *const ok[] = {"services", "dsr", "vip", "web", "port", "80"};
	const char *const wrong[] = {"services", "dsr", "vip", "web", "port", "81"};
	const char *const bad[] = {"services", "nope"};
	const struct db_node *n;
	char buf[128];

	(void)state;
	n = db_node_lookup(t, ok, 6);
	assert_non_null(n);
	assert_int_equal(db_node_path(n, buf, sizeof(buf)), strlen("services dsr vip web port"));
	assert_string_equal(buf, "services dsr vip web port");
	assert_null(db_node_lookup(t, wrong, 6));
	assert_int_equal(errno, ENOENT);
	assert_null(db_node_lookup(t, bad, 2));
	assert_int_equal(errno, EINVAL);
	assert_ptr_equal(db_node_lookup(t, NULL, 0), t);
	/* db_node_get is relative to its node */
	n = db_node_get(t, "services dsr");
	assert_ptr_equal(db_node_get(n, "vip web"), db_node_get(t, "services dsr vip web"));
	assert_ptr_equal(db_node_parent(db_node_get(t, "services dsr vip web")), n);
	assert_int_equal(db_node_child_count(n), 1);
	assert_null(db_node_child_at(n, 1));
	db_tree_free(t);
}

static void copies_compare_equal_and_differ_on_attributes(void **state)
{
	struct db_node *t = tparse(BASE_CONF), *c = db_tree_dup(t);

	(void)state;
	assert_true(db_tree_equal(t, c));
	texec(c, "annotate services dsr vip web \"x\"\n");
	assert_false(db_tree_equal(t, c));
	texec(c, "annotate services dsr vip web \"\"\ndeactivate services dsr vip web port\n");
	assert_false(db_tree_equal(t, c));
	texec(c, "activate services dsr vip web port\n");
	assert_true(db_tree_equal(t, c));
	db_tree_free(c);
	db_tree_free(t);
}

static void split_honours_quotes_and_escapes(void **state)
{
	char **argv;

	(void)state;
	assert_int_equal(db_split("  set a \"b c\" \"d\\\"e\" f\\g ", &argv), 5);
	assert_string_equal(argv[0], "set");
	assert_string_equal(argv[2], "b c");
	assert_string_equal(argv[3], "d\"e");
	assert_string_equal(argv[4], "f\\g");
	assert_null(argv[5]);
	free(argv);
	assert_int_equal(db_split("", &argv), 0);
	free(argv);
	assert_int_equal(db_split("a \"b", &argv), -EINVAL);
	assert_int_equal(db_split("\"\"", &argv), 1);
	assert_string_equal(argv[0], "");
	free(argv);
}

static void diags_collect_errors_and_warnings(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(db_diag_add(&d, DB_DIAG_ERROR, "a b", 2, "bad %d", 1), -EINVAL);
	assert_int_equal(db_diag_add(&d, DB_DIAG_WARNING, NULL, -1, "meh"), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.errors, 1);
	assert_string_equal(d.v[0].message, "bad 1");
	assert_string_equal(d.v[1].path, "");
	db_diags_clear(&d);
	assert_int_equal(d.n, 0);
	assert_int_equal(d.errors, 0);
	db_diags_free(&d);
	db_diags_free(NULL);
}

static void ipv6_values_are_one_key_whatever_the_spelling(void **state)
{
	struct db_node *t = tparse(BASE_CONF);
	const char *set1[] = {"interfaces", "port0", "address", "2001:DB8:1:0::10/64"};
	const char *set2[] = {"interfaces", "port0", "address", "2001:db8:1::10/64"};
	const char *vip[] = {"services", "dsr", "vip", "web6", "address", "2001:DB8::0:100"};
	const char *del[] = {"interfaces", "port0", "address", "2001:0db8:0001:0000::0010/64"};
	struct db_diags d = DB_DIAGS_INIT;
	const struct db_node *n;
	struct db_addr a;
	struct in_addr a4;
	uint8_t len;

	(void)state;
	assert_int_equal(db_tree_set(t, set1, 4, &d), 0);
	assert_int_equal(db_tree_set(t, set2, 4, &d), 0); /* the same entry: no second one */
	assert_int_equal(db_node_count(db_node_get(t, "interfaces port0"), "address"), 2);
	n = db_node_get(t, "interfaces port0 address 2001:db8:1::10/64");
	assert_non_null(n);
	assert_string_equal(db_node_key(n), "2001:db8:1::10/64");
	/* either family through the generic getters; the IPv4 ones say "not mine" */
	assert_int_equal(db_node_addr_prefix(n, &a, &len), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(len, 64);
	assert_int_equal(db_node_prefix(n, &a4, &len), -EAFNOSUPPORT);
	assert_int_equal(db_tree_set(t, vip, 6, &d), 0);
	n = db_node_get(t, "services dsr vip web6");
	assert_string_equal(db_get_str(n, "address"), "2001:db8::100");
	assert_int_equal(db_get_addr(n, "address", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.b[15], 0);
	assert_int_equal(a.b[14], 1);
	assert_int_equal(db_get_ipv4(n, "address", &a4), -EAFNOSUPPORT);
	assert_int_equal(db_get_addr_prefix(n, "address", &a, &len), 0);
	assert_int_equal(len, 128);
	assert_int_equal(db_get_addr(db_node_get(t, "services dsr vip web"), "address", &a), 0);
	assert_int_equal(a.family, AF_INET);
	/* IPv4 entries sort before IPv6 ones */
	n = db_node_first(db_node_get(t, "interfaces port0"), "address");
	assert_string_equal(db_node_key(n), "10.0.1.10/24");
	/* deleting with yet another spelling finds it */
	assert_int_equal(db_tree_delete(t, del, 4, &d), 0);
	assert_int_equal(db_node_count(db_node_get(t, "interfaces port0"), "address"), 1);
	assert_int_equal(d.n, 0);
	db_diags_free(&d);
	db_tree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_creates_the_path_and_replaces_leaf_values),
		cmocka_unit_test(set_refuses_bad_paths_and_leaves_the_tree_unchanged),
		cmocka_unit_test(set_of_flags_and_empty_entries),
		cmocka_unit_test(entries_sort_naturally_and_numerically),
		cmocka_unit_test(delete_removes_statements_lists_and_empty_parents),
		cmocka_unit_test(deactivate_and_activate_mark_statements),
		cmocka_unit_test(annotate_attaches_and_removes_comments),
		cmocka_unit_test(rename_moves_an_entry_and_keeps_order),
		cmocka_unit_test(exec_runs_display_set_lines),
		cmocka_unit_test(typed_getters_use_schema_defaults),
		cmocka_unit_test(lookup_and_paths),
		cmocka_unit_test(copies_compare_equal_and_differ_on_attributes),
		cmocka_unit_test(split_honours_quotes_and_escapes),
		cmocka_unit_test(diags_collect_errors_and_warnings),
		cmocka_unit_test(ipv6_values_are_one_key_whatever_the_spelling),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
