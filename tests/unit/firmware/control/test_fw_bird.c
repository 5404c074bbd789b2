/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The BIRD driver's pure parts: the configuration Tula renders from `protocols bgp`
 * (and that BIRD's own parser accepts it; IPv6 VIPs as /128s in ipv6 channels, over
 * IPv4 and IPv6 sessions), where each rendered line came from, what
 * it refuses before BIRD sees it, the protocol names, and the control-socket reply
 * parser.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/tula_buf.h"
#include "db/db.h"
#include "firmware/control/fw_bird.h"

static const char *const base =
	"interfaces { port0 { device \"net_null0\"; address 10.0.1.21/24; } }\n"
	"protocols { bgp { local-as 65001; group up { peer-as 65000; hold-time 9; bfd;\n"
	"  neighbor 10.0.1.1; neighbor 10.0.1.2; } } }\n"
	"services { dsr {\n"
	"  vip web { address 10.0.1.100; protocol tcp; port 80; med 20;\n"
	"    community 65000:100; community 65000:7; backend a { address 10.0.1.11; } }\n"
	"  vip quiet { address 10.0.1.101; protocol tcp; port 80; no-announce;\n"
	"    backend a { address 10.0.1.11; } }\n"
	"} }\n";

static struct db_node *parse(const char *text)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *t = db_tree_parse(text, &d);

	assert_non_null(t);
	assert_int_equal(d.n, 0);
	db_diags_free(&d);
	return t;
}

static int web_announced(void *arg, const char *vip)
{
	(void)arg;
	return strcmp(vip, "web") == 0;
}

/* The line of out containing needle, as a number from 1, or 0. */
static size_t line_of(const struct tula_buf *out, const char *needle)
{
	const char *p = strstr(out->data, needle);
	size_t n = 1;

	if (p == NULL)
		return 0;
	for (const char *q = out->data; q < p; q++)
		n += *q == '\n';
	return n;
}

static void test_render_has_one_static_per_announced_vip_and_one_bgp_per_neighbour(void **state)
{
	struct db_node *t = parse(base);
	struct tula_buf out = TULA_BUF_INIT;
	static struct fw_bird_line lines[512];
	char wp[FW_BIRD_PATH_MAX], why[FW_BIRD_WHY_MAX];

	(void)state;
	assert_int_equal(fw_bird_render(t, web_announced, NULL, &out, lines, 512, wp, why), 0);
	assert_non_null(strstr(out.data, "router id 10.0.1.21;")); /* first self address */
	assert_non_null(strstr(out.data, "protocol static vip_web {"));
	assert_non_null(strstr(out.data, "route 10.0.1.100/32 blackhole;"));
	assert_non_null(strstr(out.data, "disabled no;"));
	/* no-announce: no static, nothing exported */
	assert_null(strstr(out.data, "vip_quiet"));
	assert_null(strstr(out.data, "10.0.1.101"));
	assert_non_null(strstr(out.data, "bgp_med = 20;"));
	assert_non_null(strstr(out.data, "bgp_community.add((65000, 100));"));
	assert_non_null(strstr(out.data, "bgp_community.add((65000, 7));"));
	assert_non_null(strstr(out.data, "protocol bgp peer_10_0_1_1 {"));
	assert_non_null(strstr(out.data, "protocol bgp peer_10_0_1_2 {"));
	assert_non_null(strstr(out.data, "neighbor 10.0.1.1 as 65000;"));
	assert_non_null(strstr(out.data, "local as 65001;"));
	assert_non_null(strstr(out.data, "hold time 9; keepalive time 3;"));
	assert_non_null(
		strstr(out.data,
		       "bfd { min rx interval 100 ms; min tx interval 100 ms; multiplier 3; };"));
	assert_non_null(strstr(out.data, "graceful restart off;"));
	assert_non_null(strstr(out.data, "protocol bfd tula_bfd"));
	assert_non_null(strstr(out.data, "interface \"tula-*\""));
	/* every line knows its configuration path */
	assert_string_equal(lines[line_of(&out, "neighbor 10.0.1.2 as") - 1].path,
			    "protocols bgp group up neighbor 10.0.1.2");
	assert_string_equal(lines[line_of(&out, "hold time 9") - 1].path, "protocols bgp group up");
	assert_string_equal(lines[line_of(&out, "bgp_community.add((65000, 7))") - 1].path,
			    "services dsr vip web community 65000:7");
	assert_string_equal(lines[line_of(&out, "route 10.0.1.100/32") - 1].path,
			    "services dsr vip web");
	tula_buf_free(&out);
	db_tree_free(t);
}

/* BIRD's own parser accepts what Tula renders (bird2 is a test dependency). */
static void test_bird_parser_accepts_the_rendered_configuration(void **state)
{
	struct db_node *t = parse(base);
	struct tula_buf out = TULA_BUF_INIT;
	char path[] = "/tmp/test_fw_bird.XXXXXX", cmd[256];
	int fd, rc;

	(void)state;
	assert_int_equal(fw_bird_render(t, NULL, NULL, &out, NULL, 0, NULL, NULL), 0);
	assert_non_null(strstr(out.data, "disabled yes;")); /* nothing announced */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, out.data, out.len), (ssize_t)out.len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "bird -p -c %s 2>&1 || /usr/sbin/bird -p -c %s", path, path);
	rc = system(cmd);
	unlink(path);
	assert_true(WIFEXITED(rc));
	assert_int_equal(WEXITSTATUS(rc), 0);
	tula_buf_free(&out);
	db_tree_free(t);
}

static void refused(const char *text, const char *want_path, const char *want_why)
{
	struct db_node *t = parse(text);
	struct tula_buf out = TULA_BUF_INIT;
	char wp[FW_BIRD_PATH_MAX] = "", why[FW_BIRD_WHY_MAX] = "";

	assert_int_equal(fw_bird_render(t, NULL, NULL, &out, NULL, 0, wp, why), -EINVAL);
	assert_string_equal(wp, want_path);
	if (strstr(why, want_why) == NULL)
		fail_msg("reason '%s' lacks '%s'", why, want_why);
	tula_buf_free(&out);
	db_tree_free(t);
}

static void test_what_bgp_cannot_use_is_refused_with_its_path(void **state)
{
	(void)state;
	refused("interfaces { port0 { address 10.0.1.21/24; } }\n"
		"protocols { bgp { local-as 1; group g { peer-as 2; neighbor 192.168.9.9; } } }\n",
		"protocols bgp group g neighbor 192.168.9.9", "no subnet of an interface");
	refused("interfaces { port0 { address 10.0.1.21/24; } }\n"
		"protocols { bgp { local-as 1; group g { peer-as 2; neighbor 10.0.1.1; }\n"
		"  group h { peer-as 3; neighbor 10.0.1.1; } } }\n",
		"protocols bgp group h neighbor 10.0.1.1", "also in group g");
	refused("interfaces { port0 { address 10.0.1.21/24; } }\n"
		"protocols { bgp { local-as 1; } }\n"
		"services { dsr { vip w { address 10.0.1.100; protocol tcp; port 80;\n"
		"  community 70000:1; } } }\n",
		"services dsr vip w community 70000:1", "each 0..65535");
	refused("interfaces { port0 { address 10.0.1.21/24; } }\n"
		"protocols { bgp { local-as 1; group g { peer-as 2; password \"a\\\"b\";\n"
		"  neighbor 10.0.1.1; } } }\n",
		"protocols bgp group g", "password");
}

static void test_no_bgp_renders_nothing(void **state)
{
	struct db_node *t = parse("interfaces { port0 { address 10.0.1.21/24; } }\n");
	struct tula_buf out = TULA_BUF_INIT;

	(void)state;
	assert_int_equal(fw_bird_render(t, NULL, NULL, &out, NULL, 0, NULL, NULL), -ENOENT);
	tula_buf_free(&out);
	db_tree_free(t);
}

static void test_protocol_names_are_distinct_for_distinct_vips(void **state)
{
	char a[FW_BIRD_NAME_MAX], b[FW_BIRD_NAME_MAX], c[FW_BIRD_NAME_MAX];

	(void)state;
	fw_bird_vip_proto("a-b", a, sizeof(a));
	fw_bird_vip_proto("a_b", b, sizeof(b));
	fw_bird_vip_proto("a.b", c, sizeof(c));
	assert_string_equal(a, "vip_a_db");
	assert_string_equal(b, "vip_a__b");
	assert_string_equal(c, "vip_a_pb");
	{
		struct db_addr x;

		assert_int_equal(db_parse_addr("10.0.1.1", &x), 0);
		fw_bird_peer_proto(&x, a, sizeof(a));
		assert_string_equal(a, "peer_10_0_1_1");
		assert_int_equal(db_parse_addr("2001:db8:1::1", &x), 0);
		fw_bird_peer_proto(&x, a, sizeof(a));
		assert_string_equal(a, "peer6_2001_db8_1__1");
		assert_int_equal(db_parse_addr("2001:db8:1:0:0:0:1:1", &x), 0);
		fw_bird_peer_proto(&x, b, sizeof(b));
		assert_string_equal(b, "peer6_2001_db8_1__1_1");
		/* the longest address fits a BIRD symbol (64 characters) */
		assert_int_equal(db_parse_addr("2001:db8:1111:2222:3333:4444:5555:6666", &x), 0);
		fw_bird_peer_proto(&x, c, sizeof(c));
		assert_string_equal(c, "peer6_2001_db8_1111_2222_3333_4444_5555_6666");
	}
}

/* Dual stack: an IPv4 and an IPv6 session, an IPv4 and an IPv6 VIP. */
static const char *const dual =
	"interfaces { port0 { device \"net_null0\"; address 10.0.1.21/24;\n"
	"  address 2001:db8:1::21/64; } }\n"
	"protocols { bgp { local-as 65001; group up { peer-as 65000;\n"
	"  neighbor 10.0.1.1; neighbor 2001:db8:1::1; } } }\n"
	"services { dsr {\n"
	"  vip web { address 10.0.1.100; protocol tcp; port 80; backend a { address 10.0.1.11; } "
	"}\n"
	"  vip web6 { address 2001:db8:1::100; protocol tcp; port 80; med 5;\n"
	"    backend a { address 2001:db8:1::11; } }\n"
	"} }\n";

/* The text of BGP protocol name's block in out ("protocol bgp NAME {" to "}\n"). */
static char *bgp_block(const struct tula_buf *out, const char *name)
{
	char head[128];
	const char *p, *e;

	snprintf(head, sizeof(head), "protocol bgp %s {", name);
	p = strstr(out->data, head);
	assert_non_null(p);
	e = strstr(p, "\n}\n");
	assert_non_null(e);
	return strndup(p, (size_t)(e - p) + 2);
}

static void test_ipv6_vips_go_as_128s_in_ipv6_channels(void **state)
{
	struct db_node *t = parse(dual);
	struct tula_buf out = TULA_BUF_INIT;
	static struct fw_bird_line lines[512];
	char wp[FW_BIRD_PATH_MAX], why[FW_BIRD_WHY_MAX], *b4, *b6;
	const char *p;

	(void)state;
	assert_int_equal(fw_bird_render(t, NULL, NULL, &out, lines, 512, wp, why), 0);
	/* the identifier stays the IPv4 self address */
	assert_non_null(strstr(out.data, "router id 10.0.1.21;"));
	/* each VIP's static in the table of its family */
	p = strstr(out.data, "protocol static vip_web6 {");
	assert_non_null(p);
	assert_non_null(strstr(p, "\tipv6;\n\troute 2001:db8:1::100/128 blackhole;\n"));
	p = strstr(out.data, "protocol static vip_web {");
	assert_non_null(strstr(p, "\tipv4;\n\troute 10.0.1.100/32 blackhole;\n"));
	assert_string_equal(lines[line_of(&out, "route 2001:db8:1::100/128") - 1].path,
			    "services dsr vip web6");
	/* the export filter serves both channels: the IPv6 VIP with its MED */
	p = strstr(out.data, "if proto = \"vip_web6\" then {");
	assert_non_null(p);
	assert_non_null(strstr(p, "bgp_med = 5;"));
	/* the IPv4 session: its own channel, and the IPv6 one (MP-BGP) with the IPv6 self
	 * address of the interface facing the peer as next hop */
	b4 = bgp_block(&out, "peer_10_0_1_1");
	assert_non_null(strstr(b4, "\tneighbor 10.0.1.1 as 65000;\n"));
	assert_non_null(
		strstr(b4, "\tipv4 { import none; export filter tula_export; next hop self; };\n"));
	assert_non_null(strstr(b4, "\tipv6 { import none; export filter tula_export; next hop "
				   "address 2001:db8:1::21; };\n"));
	/* the IPv6 session: the other way round */
	b6 = bgp_block(&out, "peer6_2001_db8_1__1");
	assert_non_null(strstr(b6, "\tneighbor 2001:db8:1::1 as 65000;\n"));
	assert_non_null(
		strstr(b6, "\tipv6 { import none; export filter tula_export; next hop self; };\n"));
	assert_non_null(strstr(b6, "\tipv4 { import none; export filter tula_export; next hop "
				   "address 10.0.1.21; };\n"));
	assert_string_equal(lines[line_of(&out, "neighbor 2001:db8:1::1 as") - 1].path,
			    "protocols bgp group up neighbor 2001:db8:1::1");
	free(b4);
	free(b6);
	tula_buf_free(&out);
	db_tree_free(t);

	/* IPv4 only: no ipv6 channel anywhere (what BIRD was told before IPv6) */
	t = parse(base);
	assert_int_equal(fw_bird_render(t, NULL, NULL, &out, NULL, 0, wp, why), 0);
	assert_null(strstr(out.data, "ipv6"));
	tula_buf_free(&out);
	db_tree_free(t);
}

static void test_bird_parser_accepts_the_dual_stack_configuration(void **state)
{
	struct db_node *t = parse(dual);
	struct tula_buf out = TULA_BUF_INIT;
	char path[] = "/tmp/test_fw_bird.XXXXXX", cmd[256];
	int fd, rc;

	(void)state;
	assert_int_equal(fw_bird_render(t, web_announced, NULL, &out, NULL, 0, NULL, NULL), 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, out.data, out.len), (ssize_t)out.len);
	close(fd);
	snprintf(cmd, sizeof(cmd), "bird -p -c %s 2>&1 || /usr/sbin/bird -p -c %s", path, path);
	rc = system(cmd);
	unlink(path);
	assert_true(WIFEXITED(rc));
	assert_int_equal(WEXITSTATUS(rc), 0);
	tula_buf_free(&out);
	db_tree_free(t);
}

static void test_ipv6_refusals_name_the_path(void **state)
{
	(void)state;
	/* an IPv6 VIP over an IPv4 session needs an IPv6 next hop on that interface */
	refused("interfaces { port0 { address 10.0.1.21/24; } port1 { address 2001:db8:2::1/64; } "
		"}\n"
		"protocols { bgp { local-as 1; group g { peer-as 2; neighbor 10.0.1.1; } } }\n"
		"services { dsr { vip w { address 2001:db8:2::100; protocol tcp; port 80; } } }\n",
		"protocols bgp group g neighbor 10.0.1.1",
		"IPv6 VIPs are announced over this IPv4 session with an IPv6 next hop: give the "
		"interface facing 10.0.1.1 an IPv6 address");
	/* and an IPv4 VIP over an IPv6 session an IPv4 one */
	refused("interfaces { port0 { address 2001:db8:1::21/64; } port1 { address 10.0.2.1/24; } "
		"}\n"
		"protocols { bgp { local-as 1; router-id 10.0.2.1;\n"
		"  group g { peer-as 2; neighbor 2001:db8:1::1; } } }\n"
		"services { dsr { vip w { address 10.0.2.100; protocol tcp; port 80; } } }\n",
		"protocols bgp group g neighbor 2001:db8:1::1",
		"give the interface facing 2001:db8:1::1 an IPv4 address");
	refused("interfaces { port0 { address 2001:db8:1::21/64; } }\n"
		"protocols { bgp { local-as 1; router-id 192.0.2.1;\n"
		"  group g { peer-as 2; neighbor 2001:db8:9::1; } } }\n",
		"protocols bgp group g neighbor 2001:db8:9::1", "no subnet of an interface");
	/* IPv6 only: the 32-bit identifier has nothing to come from */
	refused("interfaces { port0 { address 2001:db8:1::21/64; } }\n"
		"protocols { bgp { local-as 1; group g { peer-as 2; neighbor 2001:db8:1::1; } } "
		"}\n",
		"protocols bgp", "set protocols bgp router-id");
}

static int all_announced(void *arg, const char *vip)
{
	(void)arg;
	(void)vip;
	return 1;
}

/*
 * The rendered dual-stack configuration against a real BIRD 2 router: two network
 * namespaces of this test's own (a veth pair; they vanish with their processes), Tula's
 * BIRD on one end with what fw_bird_render wrote, a router's BIRD on the other with an
 * ipv4 and an ipv6 channel on its IPv4 session. The router must learn the IPv6 VIP as
 * a /128 over the IPv4 session (MP-BGP) with Tula's IPv6 self address as next hop, and
 * the IPv4 VIP as a /32 via Tula's IPv4 address.
 */
static const char peer_script[] =
	"set -e\n"
	"d=$1\n"
	"ip link set lo up\n"
	"unshare -n sleep 60 & rt=$!\n"
	"trap 'kill $(cat $d/t.pid $d/r.pid 2>/dev/null) $rt 2>/dev/null || true' EXIT\n"
	"sleep 0.2\n"
	"ip link add t0 type veth peer name r0\n"
	"ip link set r0 netns $rt\n"
	"ip addr add 10.0.1.21/24 dev t0\n"
	"ip addr add 2001:db8:1::21/64 dev t0 nodad\n"
	"ip link set t0 up\n"
	"nsenter -t $rt -n ip link set lo up\n"
	"nsenter -t $rt -n ip addr add 10.0.1.1/24 dev r0\n"
	"nsenter -t $rt -n ip addr add 2001:db8:1::1/64 dev r0 nodad\n"
	"nsenter -t $rt -n ip link set r0 up\n"
	"cat >$d/r.conf <<EOF\n"
	"router id 10.0.1.1;\n"
	"protocol device { scan time 1; }\n"
	"protocol bgp tula { local 10.0.1.1 as 65000; neighbor 10.0.1.21 as 65001;\n"
	"  connect delay time 1; connect retry time 1;\n"
	"  ipv4 { import all; export none; }; ipv6 { import all; export none; }; }\n"
	"EOF\n"
	"bird -c $d/t.conf -s $d/t.ctl -P $d/t.pid\n"
	"nsenter -t $rt -n bird -c $d/r.conf -s $d/r.ctl -P $d/r.pid\n"
	"for i in $(seq 1 100); do\n"
	"  birdc -s $d/r.ctl show route all >$d/routes 2>&1 || true\n"
	"  grep -q '2001:db8:1::100/128' $d/routes && grep -q '10.0.1.100/32' $d/routes && break\n"
	"  sleep 0.2\n"
	"done\n"
	"cat $d/routes\n";

static void test_a_bird_router_learns_the_128_over_an_ipv4_session(void **state)
{
	struct db_node *t = parse(dual);
	struct tula_buf out = TULA_BUF_INIT;
	char dir[] = "/tmp/test_fw_bird_peer.XXXXXX", path[128], cmd[512], routes[8192];
	FILE *f;
	size_t n;
	int rc;

	(void)state;
	assert_int_equal(fw_bird_render(t, all_announced, NULL, &out, NULL, 0, NULL, NULL), 0);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.conf", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(out.data, 1, out.len, f), out.len);
	fclose(f);
	snprintf(path, sizeof(path), "%s/peer.sh", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(peer_script, f);
	fclose(f);
	/* the whole exchange runs in namespaces of its own: nothing touches the host */
	snprintf(cmd, sizeof(cmd), "unshare -n bash %s %s >%s/out 2>&1", path, dir, dir);
	rc = system(cmd);
	snprintf(path, sizeof(path), "%s/out", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(routes, 1, sizeof(routes) - 1, f);
	routes[n] = '\0';
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	if (rc != 0 || strstr(routes, "2001:db8:1::100/128") == NULL)
		fail_msg("the router did not learn the IPv6 VIP (exit %d):\n%s", rc, routes);
	/* over the IPv4 session, via the IPv6 self address named as next hop */
	assert_non_null(strstr(strstr(routes, "2001:db8:1::100/128"), "via 2001:db8:1::21"));
	assert_non_null(strstr(strstr(routes, "2001:db8:1::100/128"), "BGP.med: 5"));
	assert_non_null(strstr(routes, "10.0.1.100/32"));
	assert_non_null(strstr(strstr(routes, "10.0.1.100/32"), "via 10.0.1.21"));
	tula_buf_free(&out);
	db_tree_free(t);
}

/* Replies as BIRD 2.0 writes them: "-" continues, a blank continues the same code,
 * the first "DDDD " line ends the reply. */
static void test_reply_lines_are_parsed_across_chunks(void **state)
{
	struct fw_bird_reply r = {0};
	const char *c1 = "2002-Name       Proto      Table      State  Since         Info\n"
			 "1002-device1    Device     ---        up     13:21:31.568  \n";
	const char *c2 = " peer_10_0_1_1 BGP        ---        up     13:22:04.891  Established\n"
			 "0000 \n";

	(void)state;
	assert_int_equal(fw_bird_parse(c1, strlen(c1), &r), 0);
	assert_int_equal(fw_bird_parse(c2, strlen(c2), &r), 1);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.v[0].code, 2002);
	assert_int_equal(r.v[1].code, 1002);
	assert_int_equal(r.v[2].code, 1002); /* continuation keeps the code */
	assert_non_null(strstr(r.v[2].text, "Established"));
	assert_int_equal(r.last_code, 0);
	fw_bird_reply_free(&r);

	assert_int_equal(fw_bird_parse("9001 syntax error\n", 18, &r), 1);
	assert_int_equal(r.last_code, 9001);
	assert_string_equal(r.v[0].text, "syntax error");
	fw_bird_reply_free(&r);

	assert_int_equal(fw_bird_parse("HTTP/1.1 200 OK\n", 16, &r), -EPROTO);
	fw_bird_reply_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_render_has_one_static_per_announced_vip_and_one_bgp_per_neighbour),
		cmocka_unit_test(test_bird_parser_accepts_the_rendered_configuration),
		cmocka_unit_test(test_what_bgp_cannot_use_is_refused_with_its_path),
		cmocka_unit_test(test_no_bgp_renders_nothing),
		cmocka_unit_test(test_protocol_names_are_distinct_for_distinct_vips),
		cmocka_unit_test(test_reply_lines_are_parsed_across_chunks),
		cmocka_unit_test(test_ipv6_vips_go_as_128s_in_ipv6_channels),
		cmocka_unit_test(test_bird_parser_accepts_the_dual_stack_configuration),
		cmocka_unit_test(test_ipv6_refusals_name_the_path),
		cmocka_unit_test(test_a_bird_router_learns_the_128_over_an_ipv4_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
