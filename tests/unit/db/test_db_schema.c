/* SPDX-License-Identifier: BSD-3-Clause */
/* db/db_schema.c: introspection, value checks, walking and completion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>

#include "db/db_int.h"
#include "tests/unit/db/db_test.h"

static const struct db_snode *sn_at(const char *path)
{
	const struct db_snode *sn = db_schema_root();
	char buf[256], *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		sn = db_snode_child(sn, tok);
		assert_non_null(sn);
	}
	return sn;
}

static void root_lists_the_cli_md_hierarchy_in_order(void **state)
{
	const struct db_snode *r = db_schema_root();
	const char *want[] = {"system", "interfaces", "routing-options", "protocols", "services"};
	size_t i;

	(void)state;
	assert_string_equal(db_snode_name(r), "");
	assert_null(db_snode_parent(r));
	assert_int_equal(db_snode_child_count(r), 5);
	for (i = 0; i < 5; i++)
		assert_string_equal(db_snode_name(db_snode_child_at(r, i)), want[i]);
	assert_null(db_snode_child_at(r, 5));
}

static void every_node_has_help_and_a_parent_link(void **state)
{
	const struct db_snode *stack[64];
	int n = 0;

	(void)state;
	stack[n++] = db_schema_root();
	while (n > 0) {
		const struct db_snode *sn = stack[--n];
		size_t i;

		assert_non_null(db_snode_help(sn));
		assert_true(strlen(db_snode_help(sn)) > 0);
		for (i = 0; i < db_snode_child_count(sn); i++) {
			const struct db_snode *c = db_snode_child_at(sn, i);

			assert_ptr_equal(db_snode_parent(c), sn);
			if (db_snode_kind(c) != DB_SNODE_CONTAINER &&
			    db_snode_type(c) != DB_TYPE_FLAG) {
				assert_non_null(db_snode_value_name(c));
				assert_non_null(db_snode_value_help(c));
			}
			assert_true(n < 64);
			stack[n++] = c;
		}
	}
}

static void kinds_types_defaults_and_ranges_are_declared(void **state)
{
	const struct db_snode *vip = sn_at("services dsr vip");
	const struct db_snode *port = sn_at("services dsr vip port");
	const struct db_snode *weight = sn_at("services dsr vip backend weight");
	const struct db_snode *ifs = sn_at("interfaces");
	uint64_t lo, hi;

	(void)state;
	assert_int_equal(db_snode_kind(vip), DB_SNODE_LIST);
	assert_int_equal(db_snode_type(vip), DB_TYPE_NAME);
	assert_int_equal(db_snode_kind(port), DB_SNODE_LEAF);
	assert_int_equal(db_snode_type(port), DB_TYPE_PORT);
	assert_true(db_snode_flags(port) & DB_SF_STAR);
	assert_true(db_snode_flags(port) & DB_SF_MANDATORY);
	assert_int_equal(db_snode_range(port, &lo, &hi), 0);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 65535);
	assert_string_equal(db_snode_default(weight), "100");
	assert_string_equal(db_snode_default(sn_at("system commit history")), "50");
	assert_int_equal(db_snode_range(sn_at("system commit history"), &lo, &hi), 0);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 50);
	assert_int_equal(db_snode_range(vip, &lo, &hi), -EINVAL);
	assert_true(db_snode_flags(ifs) & DB_SF_BARE);
	assert_true(db_snode_flags(sn_at("routing-options static route")) & DB_SF_ONELINE);
	assert_int_equal(db_snode_type(sn_at("interfaces disable")), DB_TYPE_FLAG);
}

static void enum_values_come_with_help(void **state)
{
	const struct db_snode *mode = sn_at("services dsr vip mode");
	const char *help = NULL;

	(void)state;
	assert_int_equal(db_snode_enum_count(mode), 2);
	assert_string_equal(db_snode_enum(mode, 0, &help), "l2");
	assert_non_null(strstr(help, "MAC"));
	assert_string_equal(db_snode_enum(mode, 1, &help), "l3");
	assert_null(db_snode_enum(mode, 2, &help));
	assert_int_equal(db_snode_completion(mode), DB_COMPLETE_ENUM);
}

static void reference_points_at_the_interfaces_list(void **state)
{
	const struct db_snode *ifref = sn_at("services dsr vip interface");

	(void)state;
	assert_int_equal(db_snode_type(ifref), DB_TYPE_REF);
	assert_ptr_equal(db_snode_ref(ifref), sn_at("interfaces"));
	assert_null(db_snode_ref(sn_at("services dsr vip address")));
}

static void prefix_match_is_unique_or_exact(void **state)
{
	const struct db_snode *vip = sn_at("services dsr vip");
	const struct db_snode *out = NULL;

	(void)state;
	assert_int_equal(db_snode_match(db_schema_root(), "serv", &out), 1);
	assert_string_equal(db_snode_name(out), "services");
	/* "a" is ambiguous inside a VIP? only "address" starts with "a" */
	assert_int_equal(db_snode_match(vip, "a", &out), 1);
	assert_string_equal(db_snode_name(out), "address");
	/* "h" matches hash and health-check */
	assert_int_equal(db_snode_match(vip, "h", &out), 2);
	assert_null(out);
	assert_int_equal(db_snode_match(vip, "zzz", &out), 0);
	assert_null(out);
}

static void snode_path_names_keywords_only(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(db_snode_path(sn_at("services dsr vip backend weight"), buf, sizeof(buf)),
			 strlen("services dsr vip backend weight"));
	assert_string_equal(buf, "services dsr vip backend weight");
	db_snode_path(db_schema_root(), buf, sizeof(buf));
	assert_string_equal(buf, "");
}

static void check(const char *path, const char *tok, int want_rc, const char *want_reason)
{
	char reason[DB_REASON_MAX] = "", canon[DB_VALUE_MAX] = "";
	int rc = db_snode_check(sn_at(path), tok, reason, sizeof(reason), canon, sizeof(canon));

	if (rc != want_rc)
		fprintf(stderr, "%s '%s': rc %d (%s)\n", path, tok, rc, reason);
	assert_int_equal(rc, want_rc);
	if (want_rc == 0)
		assert_string_equal(canon, tok);
	else
		assert_non_null(strstr(reason, want_reason));
}

static void value_checks_give_operator_reasons(void **state)
{
	(void)state;
	check("services dsr vip port", "80", 0, NULL);
	check("services dsr vip port", "*", 0, NULL);
	check("services dsr vip port", "0", -ERANGE, "expected a port 1..65535, or *");
	check("services dsr vip port", "65536", -ERANGE, "1..65535");
	check("services dsr vip port", "http", -EINVAL, "1..65535, or *");
	check("services dsr vip health-check port", "*", -EINVAL, "expected an integer 1..65535");
	check("services dsr vip backend weight", "0", 0, NULL);
	check("services dsr vip backend weight", "007", -EINVAL, "expected an integer 0..65535");
	check("services dsr vip backend weight", "-1", -EINVAL, "0..65535");
	check("system commit history", "51", -ERANGE, "expected an integer 1..50");
	/* backend slots are 20 bits in a flow entry; VIP slots 16 with 0xffff as none */
	check("system data-path max-backends", "1048576", 0, NULL);
	check("system data-path max-backends", "1048577", -ERANGE, "1..1048576");
	check("system data-path max-backends", "0", -ERANGE, "1..1048576");
	check("system data-path max-vips", "65535", 0, NULL);
	check("system data-path max-vips", "65536", -ERANGE, "1..65535");
	check("services dsr vip address", "10.0.1.100", 0, NULL);
	check("services dsr vip address", "10.0.1", -EINVAL, "invalid IPv4 address");
	check("services dsr vip address", "10.0.1.256", -EINVAL, "invalid IPv4 address");
	check("services dsr vip address", "010.0.1.1", -EINVAL, "invalid IPv4 address");
	check("services dsr vip address", "10.0.1.1 ", -EINVAL, "invalid IPv4 address");
	check("interfaces address", "10.0.1.10/24", 0, NULL);
	check("interfaces address", "10.0.1.10/33", -EINVAL, "invalid IPv4 prefix");
	check("interfaces address", "10.0.1.10", -EINVAL, "a.b.c.d/len");
	check("routing-options static route", "10.0.0.0/8", 0, NULL);
	check("routing-options static route", "10.1.0.0/8", -EINVAL,
	      "host bits set in 10.1.0.0/8 (the network is 10.0.0.0/8)");
	check("services dsr vip tunnel-source", "172.16.0.0/16", 0, NULL);
	check("services dsr vip tunnel-source", "172.16.0.1", 0, NULL);
	check("services dsr vip tunnel-source", "172.16.0.1/16", -EINVAL, "host bits set");
	check("services dsr vip protocol", "tcp", 0, NULL);
	check("services dsr vip protocol", "sctp", -EINVAL, "expected one of: tcp, udp");
	check("services dsr vip", "web-1.a_b", 0, NULL);
	check("services dsr vip", "-web", -EINVAL, "expected a name");
	check("services dsr vip", "we b", -EINVAL, "expected a name");
	check("system host-name", "lb1.example", 0, NULL);
	check("system host-name", "lb_1", -EINVAL, "expected a host name");
	check("system host-name", "-lb", -EINVAL, "expected a host name");
	check("interfaces description", "uplink to core", 0, NULL);
	check("interfaces description", "bad\ttab", -EINVAL, "control characters");
	check("services dsr vip health-check http-path", "/healthz", 0, NULL);
	check("services dsr vip health-check http-path", "healthz", -EINVAL, "absolute URL path");
	check("system scripts commit file", "check.lua", 0, NULL);
	check("system scripts commit file", "../x.lua", -EINVAL, "expected a file name");
	check("interfaces disable", "yes", -EINVAL, "takes no value");
	check("services dsr vip interface", "port0", 0, NULL);
	check("system services metrics listen", "10.0.1.10:9100", 0, NULL);
	check("system services metrics listen", "10.0.1.10", -EINVAL, "address and a port");
	check("system services metrics listen", "10.0.1:9100", -EINVAL, "invalid IPv4 address");
	check("system services metrics listen", "10.0.1.10:0", -EINVAL, "port 1..65535");
	check("system services metrics listen", "10.0.1.10:65536", -EINVAL, "port 1..65535");
	check("system services metrics listen", "10.0.1.10:http", -EINVAL, "port 1..65535");
}

/* A value accepted and stored as canon (the canonical text). */
static void check_canon(const char *path, const char *tok, const char *canon_want)
{
	char reason[DB_REASON_MAX] = "", canon[DB_VALUE_MAX] = "";
	int rc = db_snode_check(sn_at(path), tok, reason, sizeof(reason), canon, sizeof(canon));

	if (rc != 0)
		fprintf(stderr, "%s '%s': rc %d (%s)\n", path, tok, rc, reason);
	assert_int_equal(rc, 0);
	assert_string_equal(canon, canon_want);
}

static void ipv6_is_accepted_wherever_ipv4_is_and_stored_canonical(void **state)
{
	(void)state;
	/* inet_ntop's form: lower case, leading zeros and the longest zero run folded */
	check_canon("services dsr vip address", "2001:DB8:0::0001", "2001:db8::1");
	check_canon("services dsr vip address", "2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	check_canon("services dsr vip backend address", "fd00:0:0:2::0a", "fd00:0:0:2::a");
	check_canon("interfaces address", "2001:DB8:1::10/64", "2001:db8:1::10/64");
	check_canon("routing-options static route", "::/0", "::/0");
	check_canon("routing-options static route", "2001:DB8:2:0::/64", "2001:db8:2::/64");
	check_canon("routing-options static route next-hop", "2001:db8:1::0001", "2001:db8:1::1");
	check_canon("services dsr vip tunnel-source", "2001:DB8:F::/64", "2001:db8:f::/64");
	check_canon("services dsr vip tunnel-source", "2001:db8:f::0001", "2001:db8:f::1");
	check_canon("system services metrics listen", "[2001:DB8:1::10]:9100",
		    "[2001:db8:1::10]:9100");
	check_canon("protocols bgp group neighbor", "2001:DB8:1::1", "2001:db8:1::1");
	/* IPv4 stays as typed (its strict form is the only form) */
	check_canon("services dsr vip address", "10.0.1.100", "10.0.1.100");
	check_canon("system services metrics listen", "10.0.1.10:9100", "10.0.1.10:9100");

	check("services dsr vip address", "2001:db8::1::2", -EINVAL, "invalid IPv6 address");
	check("services dsr vip address", "2001:db8:::1", -EINVAL, "invalid IPv6 address");
	check("services dsr vip address", "fe80::1%eth0", -EINVAL, "zone");
	check("services dsr vip address", "::ffff:10.0.0.1", -EINVAL, "IPv4-mapped");
	check("services dsr vip address", "2001:db8::1/64", -EINVAL, "invalid IPv6 address");
	check("services dsr vip address", "2001:db8::g", -EINVAL, "invalid IPv6 address");
	check("interfaces address", "2001:db8::1/129", -EINVAL, "len 0..128");
	check("interfaces address", "2001:db8::1", -EINVAL, "invalid IPv6 prefix");
	check("routing-options static route", "2001:db8::1/64", -EINVAL,
	      "host bits set in 2001:db8::1/64 (the network is 2001:db8::/64)");
	check("routing-options static route", "2001:db8:0:1::/63", -EINVAL,
	      "the network is 2001:db8::/63");
	check("services dsr vip tunnel-source", "2001:db8:f::1/64", -EINVAL, "host bits set");
	check("system services metrics listen", "2001:db8::1:9100", -EINVAL, "[address]:port");
	check("system services metrics listen", "[2001:db8::1]", -EINVAL, "[IPv6-address]:port");
	check("system services metrics listen", "[2001:db8::1]:0", -EINVAL, "port 1..65535");
	check("system services metrics listen", "[10.0.0.1]:80", -EINVAL, "invalid IPv6 address");
	check("system services metrics listen", "[2001:db8::zz]:80", -EINVAL,
	      "invalid IPv6 address");
	/* a BGP identifier is 32 bits */
	check("protocols bgp router-id", "2001:db8::1", -EINVAL, "invalid IPv4 address");
}

static void address_keys_compare_by_value_and_family(void **state)
{
	const struct db_snode *nb = sn_at("protocols bgp group neighbor"),
			      *ia = sn_at("interfaces address"),
			      *rt = sn_at("routing-options static route");
	struct db_addr a, b;
	uint8_t len;

	(void)state;
	assert_int_equal(db_key_cmp(nb, "2001:db8::1", "2001:DB8:0::1"), 0);
	assert_true(db_key_cmp(nb, "10.0.0.1", "::1") < 0); /* IPv4 first */
	assert_true(db_key_cmp(nb, "2001:db8::2", "2001:db8::10") < 0);
	assert_true(db_key_cmp(nb, "10.0.0.2", "10.0.0.10") < 0);
	assert_int_equal(db_key_cmp(ia, "2001:db8::1/64", "2001:DB8::1/64"), 0);
	assert_true(db_key_cmp(ia, "2001:db8::1/64", "2001:db8::1/80") < 0);
	assert_true(db_key_cmp(rt, "0.0.0.0/0", "::/0") < 0);

	assert_int_equal(db_parse_addr("2001:db8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.b[0], 0x20);
	assert_int_equal(a.b[15], 1);
	assert_int_equal(db_parse_addr("10.0.0.1", &b), 0);
	assert_int_equal(b.family, AF_INET);
	assert_true(db_addr_cmp(&b, &a) < 0);
	assert_int_equal(db_parse_addr_prefix("2001:db8:1::/48", &b, &len), 0);
	assert_int_equal(len, 48);
	assert_false(db_addr_in(&a, &b, 48));
	assert_true(db_addr_in(&a, &b, 32));
	assert_int_equal(db_parse_addr_prefix("2001:db8:1:ff80::/57", &b, &len), 0);
	assert_int_equal(db_parse_addr("2001:db8:1:ffc0::", &a), 0);
	assert_true(db_addr_in(&a, &b, 57));
	assert_false(db_addr_in(&a, &b, 58));
	db_addr_mask(&a, 57);
	assert_int_equal(a.b[7], 0x80);
	assert_int_equal(db_parse_addr("10.0.0.1", &a), 0);
	assert_false(db_addr_in(&a, &b, 0)); /* never across families */
	assert_int_equal(db_parse_addr_or_prefix("2001:db8::5", &a, &len), 0);
	assert_int_equal(len, 128);
	assert_int_equal(db_parse_addr_or_prefix("10.0.0.5", &a, &len), 0);
	assert_int_equal(len, 32);
	assert_int_equal(db_parse_addr_prefix("10.0.0.0/33", &a, &len), -EINVAL);
}

static void overlong_values_are_refused(void **state)
{
	char big[DB_VALUE_MAX + 10];
	char reason[DB_REASON_MAX];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(db_snode_check(sn_at("interfaces description"), big, reason,
					sizeof(reason), NULL, 0),
			 -ENAMETOOLONG);
}

static void parsers_are_strict(void **state)
{
	struct in_addr a;
	uint8_t len;
	uint64_t v;

	(void)state;
	assert_int_equal(db_parse_ipv4("192.168.1.2", &a), 0);
	assert_int_equal(ntohl(a.s_addr), 0xc0a80102);
	assert_int_equal(db_parse_ipv4("1.2.3", &a), -EINVAL);
	assert_int_equal(db_parse_ipv4("1.2.3.4.5", &a), -EINVAL);
	assert_int_equal(db_parse_ipv4("1..3.4", &a), -EINVAL);
	assert_int_equal(db_parse_prefix("10.0.0.0/8", &a, &len), 0);
	assert_int_equal(len, 8);
	assert_int_equal(db_parse_prefix("10.0.0.0/", &a, &len), -EINVAL);
	assert_int_equal(db_parse_uint("4294967295", UINT32_MAX, &v), 0);
	assert_int_equal(db_parse_uint("4294967296", UINT32_MAX, &v), -ERANGE);
	assert_int_equal(db_parse_uint("99999999999999999999999", UINT64_MAX, &v), -ERANGE);
	assert_int_equal(db_parse_uint("", 10, &v), -EINVAL);
}

static void walk_reports_what_comes_next(void **state)
{
	const char *a[] = {"services", "dsr", "vip", "web", "backend", "be1", "weight", "5"};
	const char *bad[] = {"services", "dsr", "vip", "web", "prot"};
	const char *badval[] = {"services", "dsr", "vip", "web", "port", "http"};
	const char *flag[] = {"interfaces", "port0", "disable", "now"};
	struct db_walk w;

	(void)state;
	assert_int_equal(db_schema_walk(a, 0, &w), 0);
	assert_ptr_equal(w.sn, db_schema_root());
	assert_int_equal(w.want, DB_WANT_STATEMENT);
	assert_int_equal(w.keyword_at, -1);
	assert_int_equal(db_schema_walk(a, 3, &w), 0);
	assert_int_equal(w.want, DB_WANT_KEY);
	assert_string_equal(db_snode_name(w.sn), "vip");
	assert_int_equal(db_schema_walk(a, 4, &w), 0);
	assert_int_equal(w.want, DB_WANT_STATEMENT);
	assert_int_equal(db_schema_walk(a, 7, &w), 0);
	assert_int_equal(w.want, DB_WANT_VALUE);
	assert_string_equal(db_snode_name(w.sn), "weight");
	assert_int_equal(w.keyword_at, 6);
	assert_int_equal(db_schema_walk(a, 8, &w), 0);
	assert_int_equal(w.want, DB_WANT_END);
	assert_int_equal(w.consumed, 8);
	assert_int_equal(db_schema_walk(bad, 5, &w), -ENOENT);
	assert_int_equal(w.consumed, 4);
	assert_non_null(strstr(w.reason, "unknown statement \"prot\" under services dsr vip"));
	assert_int_equal(db_schema_walk(badval, 6, &w), -EINVAL);
	assert_int_equal(w.consumed, 5);
	assert_non_null(strstr(w.reason, "1..65535, or *"));
	assert_int_equal(db_schema_walk(flag, 4, &w), -E2BIG);
	assert_int_equal(w.consumed, 3);
}

struct seen {
	char v[16][64];
	char h[16][128];
	int n;
	int stop_after;
};

static int collect(void *arg, const char *value, const char *help)
{
	struct seen *s = arg;

	if (s->n < 16) {
		snprintf(s->v[s->n], sizeof(s->v[0]), "%s", value);
		snprintf(s->h[s->n], sizeof(s->h[0]), "%s", help);
	}
	s->n++;
	return s->stop_after && s->n >= s->stop_after;
}

static void completion_offers_enums_entries_references_and_files(void **state)
{
	struct db_node *t =
		tparse(BASE_CONF "interfaces { port1 { description \"to servers\"; "
				 "device x; } }\n"
				 "services { dsr { vip api { backend a1; backend a2; } } }\n");
	const char *vip[] = {"services", "dsr", "vip", "api"};
	const char *dsr[] = {"services", "dsr"};
	const char *nowhere[] = {"services", "dsr", "vip", "nope"};
	struct seen s = {0};
	char *dir = tmkdir(), path[4200];
	int fd;

	(void)state;
	assert_int_equal(db_snode_complete(sn_at("services dsr vip protocol"), t, NULL, 0, NULL,
					   collect, &s),
			 2);
	assert_string_equal(s.v[0], "tcp");
	assert_string_equal(s.v[1], "udp");

	memset(&s, 0, sizeof(s));
	assert_int_equal(db_snode_complete(sn_at("services dsr vip"), t, dsr, 2, NULL, collect, &s),
			 2);
	assert_string_equal(s.v[0], "api");
	assert_string_equal(s.v[1], "web");

	memset(&s, 0, sizeof(s));
	assert_int_equal(
		db_snode_complete(sn_at("services dsr vip backend"), t, vip, 4, NULL, collect, &s),
		2);
	assert_string_equal(s.v[0], "a1");
	assert_string_equal(s.v[1], "a2");

	memset(&s, 0, sizeof(s));
	assert_int_equal(db_snode_complete(sn_at("services dsr vip backend"), t, nowhere, 4, NULL,
					   collect, &s),
			 0);

	memset(&s, 0, sizeof(s));
	assert_int_equal(db_snode_complete(sn_at("services dsr vip interface"), t, vip, 4, NULL,
					   collect, &s),
			 2);
	assert_string_equal(s.v[0], "port0");
	assert_string_equal(s.v[1], "port1");
	assert_string_equal(s.h[1], "to servers");

	snprintf(path, sizeof(path), "%s/b.lua", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	snprintf(path, sizeof(path), "%s/a.lua", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	snprintf(path, sizeof(path), "%s/.hidden", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	memset(&s, 0, sizeof(s));
	assert_int_equal(
		db_snode_complete(sn_at("system scripts op file"), t, NULL, 0, dir, collect, &s),
		2);
	assert_string_equal(s.v[0], "a.lua");
	assert_string_equal(s.v[1], "b.lua");
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	assert_int_equal(
		db_snode_complete(sn_at("system scripts op file"), t, NULL, 0, dir, collect, &s),
		1);
	assert_int_equal(db_snode_complete(sn_at("system scripts op file"), t, NULL, 0,
					   "/nonexistent-dir", collect, &s),
			 -ENOENT);
	trmdir(dir);
	db_tree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(root_lists_the_cli_md_hierarchy_in_order),
		cmocka_unit_test(every_node_has_help_and_a_parent_link),
		cmocka_unit_test(kinds_types_defaults_and_ranges_are_declared),
		cmocka_unit_test(enum_values_come_with_help),
		cmocka_unit_test(reference_points_at_the_interfaces_list),
		cmocka_unit_test(prefix_match_is_unique_or_exact),
		cmocka_unit_test(snode_path_names_keywords_only),
		cmocka_unit_test(value_checks_give_operator_reasons),
		cmocka_unit_test(overlong_values_are_refused),
		cmocka_unit_test(parsers_are_strict),
		cmocka_unit_test(ipv6_is_accepted_wherever_ipv4_is_and_stored_canonical),
		cmocka_unit_test(address_keys_compare_by_value_and_family),
		cmocka_unit_test(walk_reports_what_comes_next),
		cmocka_unit_test(completion_offers_enums_entries_references_and_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
