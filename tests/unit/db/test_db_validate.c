/* SPDX-License-Identifier: BSD-3-Clause */
/* db/db_validate.c: one test per commit rule; each error names path and reason. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/unit/db/db_test.h"
#include "db/db_int.h"

/* Validate BASE_CONF with set lines applied; returns the error count. */
static int run(const char *lines, struct db_diags *d)
{
	struct db_node *t = tparse(BASE_CONF), *e;
	int rc;

	texec(t, lines);
	e = db_tree_effective(t);
	rc = db_validate(e, d);
	db_tree_free(e);
	db_tree_free(t);
	return rc;
}

static void base_configuration_is_valid(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("", &d), 0);
	assert_int_equal(d.n, 0);
}

static void vip_needs_address_protocol_port_and_a_backend(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip bare description x\n", &d), 4);
	assert_diag(&d, "services dsr vip bare", "missing mandatory statement \"address\"");
	assert_diag(&d, "services dsr vip bare", "missing mandatory statement \"protocol\"");
	assert_diag(&d, "services dsr vip bare", "missing mandatory statement \"port\"");
	assert_diag(&d, "services dsr vip bare", "a VIP needs at least one backend");
	db_diags_free(&d);
}

static void vip_address_protocol_port_is_unique(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip web2 address 10.0.1.100\n"
			     "set services dsr vip web2 protocol tcp\n"
			     "set services dsr vip web2 port 80\n"
			     "set services dsr vip web2 backend b address 10.0.1.12\n",
			     &d),
			 1);
	assert_diag(&d, "services dsr vip web2",
		    "address 10.0.1.100 protocol tcp port 80 is already used by vip web");
	db_diags_free(&d);
	/* another protocol or port is another VIP */
	assert_int_equal(run("set services dsr vip dns address 10.0.1.100\n"
			     "set services dsr vip dns protocol udp\n"
			     "set services dsr vip dns port 80\n"
			     "set services dsr vip dns backend b address 10.0.1.12\n"
			     "set services dsr vip tls address 10.0.1.100\n"
			     "set services dsr vip tls protocol tcp\n"
			     "set services dsr vip tls port 443\n"
			     "set services dsr vip tls backend b address 10.0.1.12\n",
			     &d),
			 0);
}

static void port_star_overlaps_every_port(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip all address 10.0.1.100\n"
			     "set services dsr vip all protocol tcp\n"
			     "set services dsr vip all port *\n"
			     "set services dsr vip all backend b address 10.0.1.12\n"
			     "set services dsr vip all health-check type none\n",
			     &d),
			 1);
	assert_diag(&d, "services dsr vip web", "port 80 overlaps vip all");
	db_diags_free(&d);
}

static void l2_backends_sit_on_a_connected_subnet(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip web backend far address 192.168.9.9\n"
			     "set routing-options static route 0.0.0.0/0 next-hop 10.0.1.1\n",
			     &d),
			 1);
	assert_diag(&d, "services dsr vip web backend far address",
		    "mode l2: backend address 192.168.9.9 is not on a connected subnet");
	db_diags_free(&d);
}

static void l3_backends_must_be_reachable(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip web mode l3\n"
			     "set services dsr vip web backend far address 192.168.9.9\n",
			     &d),
			 1);
	assert_diag(&d, "services dsr vip web backend far address",
		    "mode l3: backend address 192.168.9.9 is not reachable");
	db_diags_free(&d);
	/* a route makes it reachable; so does a default route */
	assert_int_equal(run("set services dsr vip web mode l3\n"
			     "set services dsr vip web backend far address 192.168.9.9\n"
			     "set routing-options static route 192.168.0.0/16 next-hop 10.0.1.1\n",
			     &d),
			 0);
	assert_int_equal(run("set services dsr vip web mode l3\n"
			     "set services dsr vip web backend far address 192.168.9.9\n"
			     "set routing-options static route 0.0.0.0/0 next-hop 10.0.1.1\n",
			     &d),
			 0);
	/* an inactive route does not count */
	assert_int_equal(run("set services dsr vip web mode l3\n"
			     "set services dsr vip web backend far address 192.168.9.9\n"
			     "set routing-options static route 0.0.0.0/0 next-hop 10.0.1.1\n"
			     "deactivate routing-options static route 0.0.0.0/0\n",
			     &d),
			 1);
	db_diags_free(&d);
}

static void addresses_are_unicast(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip web address 224.0.0.5\n"
			     "set services dsr vip web backend be1 address 255.255.255.255\n"
			     "set services dsr vip web backend lo address 127.0.0.1\n"
			     "set services dsr vip web backend zero address 0.0.0.0\n"
			     "set services dsr vip web backend e address 240.0.0.1\n",
			     &d),
			 5);
	assert_diag(&d, "services dsr vip web address", "not a unicast address: a multicast");
	assert_diag(&d, "services dsr vip web backend be1 address", "the broadcast address");
	assert_diag(&d, "services dsr vip web backend lo address", "a loopback address");
	assert_diag(&d, "services dsr vip web backend zero address", "the unspecified address");
	assert_diag(&d, "services dsr vip web backend e address", "reserved (class E)");
	db_diags_free(&d);
	/* the network and broadcast addresses of a connected subnet are not hosts */
	assert_int_equal(run("set services dsr vip web address 10.0.1.255\n"
			     "set services dsr vip web backend be1 address 10.0.1.0\n",
			     &d),
			 2);
	assert_diag(&d, "services dsr vip web address", "broadcast address of the connected");
	assert_diag(&d, "services dsr vip web backend be1 address", "network address");
	db_diags_free(&d);
}

static void addresses_are_not_tulas_own(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip web address 10.0.1.10\n", &d), 1);
	assert_diag(&d, "services dsr vip web address",
		    "VIP address 10.0.1.10 is Tula's own address (interfaces port0 address "
		    "10.0.1.10/24)");
	db_diags_free(&d);
	assert_int_equal(run("set services dsr vip web backend be1 address 10.0.1.10\n", &d), 1);
	assert_diag(&d, "services dsr vip web backend be1 address", "Tula's own address");
	db_diags_free(&d);
}

static void a_backend_cannot_be_another_vip(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip api address 10.0.1.101\n"
			     "set services dsr vip api protocol tcp\n"
			     "set services dsr vip api port 80\n"
			     "set services dsr vip api backend b address 10.0.1.12\n"
			     "set services dsr vip web backend be2 address 10.0.1.101\n",
			     &d),
			 1);
	assert_diag(&d, "services dsr vip web backend be2 address",
		    "backend address 10.0.1.101 is a VIP (services dsr vip api)");
	db_diags_free(&d);
}

static void backend_addresses_are_distinct_within_a_vip(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip web backend be2 address 10.0.1.11\n", &d), 1);
	assert_diag(&d, "services dsr vip web backend be2 address", "also backend be1");
	db_diags_free(&d);
	/* each later copy names the first one; another VIP may have the same address */
	assert_int_equal(run("set services dsr vip web backend be2 address 10.0.1.11\n"
			     "set services dsr vip web backend be3 address 10.0.1.40\n"
			     "set services dsr vip web backend be4 address 10.0.1.11\n"
			     "set services dsr vip web backend be5 address 10.0.1.40\n",
			     &d),
			 3);
	assert_diag(&d, "services dsr vip web backend be2 address", "also backend be1 ");
	assert_diag(&d, "services dsr vip web backend be4 address", "also backend be1 ");
	assert_diag(&d, "services dsr vip web backend be5 address", "also backend be3 ");
	db_diags_free(&d);
}

static void referenced_interface_must_exist(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip web interface port9\n", &d), 1);
	assert_diag(&d, "services dsr vip web interface", "interfaces port9 is not configured");
	db_diags_free(&d);
	assert_int_equal(run("set services dsr vip web interface port0\n", &d), 0);
	/* an inactive interface does not exist for the commit */
	assert_int_equal(run("set services dsr vip web interface port0\n"
			     "set interfaces port1 device d1\n"
			     "set interfaces port1 address 10.0.2.10/24\n"
			     "deactivate interfaces port0\n",
			     &d),
			 2);
	db_diags_free(&d);
}

static void interface_may_be_omitted_only_when_unambiguous(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	const char *two = "set interfaces port1 device d1\n"
			  "set interfaces port1 address 10.0.2.10/24\n";
	char lines[512];

	(void)state;
	/* one interface: it */
	assert_int_equal(run("set services dsr vip web address 10.9.9.9\n"
			     "set services dsr vip web mode l3\n",
			     &d),
			 0);
	/* two interfaces, the VIP on one's subnet: that one */
	assert_int_equal(run(two, &d), 0);
	/* two interfaces, on neither subnet: say which is meant */
	snprintf(lines, sizeof(lines), "%sset services dsr vip web address 10.9.9.9\n", two);
	assert_int_equal(run(lines, &d), 1);
	assert_diag(&d, "services dsr vip web",
		    "missing interface: 10.9.9.9 is on no interface's subnet and 2 interfaces are "
		    "configured");
	db_diags_free(&d);
	snprintf(lines, sizeof(lines),
		 "%sset services dsr vip web address 10.9.9.9\n"
		 "set services dsr vip web interface port1\n",
		 two);
	assert_int_equal(run(lines, &d), 0);
	/* no interface at all */
	assert_int_equal(run("delete interfaces\nset services dsr vip web mode l3\n"
			     "set routing-options static route 0.0.0.0/0 next-hop 10.0.1.1\n",
			     &d),
			 2);
	assert_diag(&d, "services dsr vip web", "no interface is configured");
	assert_diag(&d, "routing-options static route 0.0.0.0/0 next-hop",
		    "not on a connected subnet");
	db_diags_free(&d);
}

static void tunnel_source_only_for_l3(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip web tunnel-source 172.16.0.0/16\n", &d), 1);
	assert_diag(&d, "services dsr vip web tunnel-source",
		    "tunnel-source applies only to mode l3 (mode is l2)");
	db_diags_free(&d);
	assert_int_equal(run("set services dsr vip web tunnel-source 172.16.0.0/16\n"
			     "set services dsr vip web mode l3\n",
			     &d),
			 0);
}

static void health_check_rules(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip web health-check interval 2\n"
			     "set services dsr vip web health-check timeout 5\n"
			     "set services dsr vip web health-check http-path /x\n",
			     &d),
			 2);
	assert_diag(&d, "services dsr vip web health-check timeout",
		    "timeout 5 must not exceed interval 2");
	assert_diag(&d, "services dsr vip web health-check http-path",
		    "http-path applies only to type http (type is tcp)");
	db_diags_free(&d);
	assert_int_equal(run("set services dsr vip web health-check type http\n"
			     "set services dsr vip web health-check http-path /x\n",
			     &d),
			 0);
	/* port * needs the probe's own port, unless nothing is probed */
	assert_int_equal(run("set services dsr vip web port *\n", &d), 1);
	db_diags_free(&d);
	assert_int_equal(run("set services dsr vip web port *\n"
			     "set services dsr vip web health-check type tcp\n",
			     &d),
			 1);
	assert_diag(&d, "services dsr vip web health-check", "missing port");
	db_diags_free(&d);
	assert_int_equal(run("set services dsr vip web port *\n"
			     "set services dsr vip web health-check port 80\n",
			     &d),
			 0);
	assert_int_equal(run("set services dsr vip web port *\n"
			     "set services dsr vip web health-check type none\n",
			     &d),
			 0);
}

static void port_star_without_health_check_defaults_to_tcp_probe(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	/* no health-check block at all means default tcp probes on the VIP port: with
	 * port * there is none, which the operator must be told */
	assert_int_equal(run("set services dsr vip web port *\n", &d), 1);
	assert_diag(&d, "services dsr vip web", "port *");
	db_diags_free(&d);
}

static void route_next_hop_on_a_connected_subnet(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(
		run("set routing-options static route 10.8.0.0/16 next-hop 10.7.0.1\n", &d), 1);
	assert_diag(&d, "routing-options static route 10.8.0.0/16 next-hop",
		    "next-hop 10.7.0.1 is not on a connected subnet");
	db_diags_free(&d);
	assert_int_equal(
		run("set routing-options static route 10.8.0.0/16 next-hop 10.0.1.10\n", &d), 1);
	assert_diag(&d, "routing-options static route 10.8.0.0/16 next-hop", "Tula's own");
	db_diags_free(&d);
}

static void interface_rules(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set interfaces port1 address 10.0.1.20/24\n"
			     "set interfaces port1 device \"net_null0\"\n"
			     "set interfaces port2 address 10.0.3.0/24\n"
			     "set interfaces port2 address 10.0.4.255/24\n"
			     "set interfaces port2 device d2\n"
			     "set interfaces port3 address 10.0.5.1/0\n"
			     "set interfaces port3 device d3\n"
			     "set interfaces port4 mtu 9000\n",
			     &d),
			 7);
	assert_diag(&d, "services dsr vip web",
		    "missing interface: 10.0.1.100 is on the subnets of 2 interfaces");
	assert_diag(&d, "interfaces port1 address 10.0.1.20/24",
		    "subnet overlaps interfaces port0 address 10.0.1.10/24");
	assert_diag(&d, "interfaces port1 device", "device is already used by interfaces port0");
	assert_diag(&d, "interfaces port2 address 10.0.3.0/24", "network address of 10.0.3.0/24");
	assert_diag(&d, "interfaces port2 address 10.0.4.255/24", "broadcast address");
	assert_diag(&d, "interfaces port3 address 10.0.5.1/0", "prefix length 0");
	assert_diag(&d, "interfaces port4", "missing mandatory statement \"device\"");
	db_diags_free(&d);
	/* /31 and /32 have no network or broadcast address */
	assert_int_equal(run("set interfaces port1 address 10.0.9.0/31\n"
			     "set interfaces port1 address 10.0.8.0/32\n"
			     "set interfaces port1 device d1\n",
			     &d),
			 0);
}

static void login_user_needs_a_class(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set system login user bob\n", &d), 1);
	assert_diag(&d, "system login user bob", "missing mandatory statement \"class\"");
	db_diags_free(&d);
}

static void all_backends_drained_is_a_warning(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip web backend be1 weight 0\n", &d), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].level, DB_DIAG_WARNING);
	assert_diag(&d, "services dsr vip web", "every backend has weight 0");
	db_diags_free(&d);
}

static void inactive_statements_are_not_validated(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run("set services dsr vip broken description x\n"
			     "deactivate services dsr vip broken\n",
			     &d),
			 0);
	/* but deactivating a mandatory statement makes the VIP incomplete */
	assert_int_equal(run("deactivate services dsr vip web port\n", &d), 1);
	assert_diag(&d, "services dsr vip web", "missing mandatory statement \"port\"");
	db_diags_free(&d);
}

/* Dual stack: port0 and port1 with an IPv4 and an IPv6 subnet each, and an IPv6 VIP on
 * port0 next to BASE_CONF's IPv4 one. */
#define DUAL                                                  \
	"set interfaces port0 address 2001:db8:1::10/64\n"    \
	"set interfaces port1 device net_null1\n"             \
	"set interfaces port1 address 10.0.2.10/24\n"         \
	"set interfaces port1 address 2001:db8:2::10/64\n"    \
	"set services dsr vip web6 address 2001:db8:1::100\n" \
	"set services dsr vip web6 protocol tcp\n"            \
	"set services dsr vip web6 port 80\n"                 \
	"set services dsr vip web6 backend be1 address 2001:db8:1::11\n"

static int run6(const char *more, struct db_diags *d)
{
	char lines[4096];

	snprintf(lines, sizeof(lines), "%s%s", DUAL, more);
	return run(lines, d);
}

static void dual_stack_configuration_is_valid(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run6("", &d), 0);
	assert_int_equal(d.n, 0);
	/* the same address, protocol and port in both families are two VIPs; an IPv6 VIP
	 * may listen on the port an IPv4 one does */
	assert_int_equal(run6("set services dsr vip web6b address 2001:db8:1::101\n"
			      "set services dsr vip web6b protocol udp\n"
			      "set services dsr vip web6b port 80\n"
			      "set services dsr vip web6b backend b address 2001:db8:1::12\n",
			      &d),
			 0);
}

static void backends_are_of_the_vips_family(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run6("set services dsr vip web6 backend v4 address 10.0.1.12\n"
			      "set services dsr vip web backend v6 address 2001:db8:1::12\n",
			      &d),
			 2);
	assert_diag(&d, "services dsr vip web6 backend v4 address",
		    "backend address 10.0.1.12 is IPv4 but the VIP's address 2001:db8:1::100 is "
		    "IPv6: a VIP's backends are of its family (IPv6 VIPs with IPv4 backends "
		    "(6in4) are not supported)");
	assert_diag(&d, "services dsr vip web backend v6 address",
		    "IPv4 VIPs with IPv6 backends (4in6) are not supported");
	db_diags_free(&d);
	/* the same in mode l3 */
	assert_int_equal(run6("set services dsr vip web6 mode l3\n"
			      "set services dsr vip web6 backend v4 address 10.0.1.12\n",
			      &d),
			 1);
	assert_diag(&d, "services dsr vip web6 backend v4 address", "6in4");
	db_diags_free(&d);
}

static void l2_ipv6_backend_on_a_subnet_of_the_vips_interface(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run6("set services dsr vip web6 backend far address 2001:db8:9::11\n", &d),
			 1);
	assert_diag(&d, "services dsr vip web6 backend far address",
		    "mode l2: backend address 2001:db8:9::11 is not on a connected subnet of any "
		    "interface");
	db_diags_free(&d);
	/* connected, but on port1 while the VIP lives on port0 */
	assert_int_equal(
		run6("set services dsr vip web6 backend other address 2001:db8:2::11\n", &d), 1);
	assert_diag(&d, "services dsr vip web6 backend other address",
		    "mode l2: backend address 2001:db8:2::11 is not on a connected IPv6 subnet of "
		    "the VIP's interface port0");
	db_diags_free(&d);
	/* the VIP named on port1: that backend is fine there, be1 no longer is */
	assert_int_equal(run6("set services dsr vip web6 interface port1\n"
			      "set services dsr vip web6 backend other address 2001:db8:2::11\n",
			      &d),
			 1);
	assert_diag(&d, "services dsr vip web6 backend be1 address", "the VIP's interface port1");
	db_diags_free(&d);
}

static void l3_ipv6_backend_needs_an_ipv6_route(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	/* an IPv4 default route does not reach an IPv6 backend */
	assert_int_equal(run6("set services dsr vip web6 mode l3\n"
			      "set services dsr vip web6 backend far address 2001:db8:9::11\n"
			      "set routing-options static route 0.0.0.0/0 next-hop 10.0.1.1\n",
			      &d),
			 1);
	assert_diag(&d, "services dsr vip web6 backend far address",
		    "mode l3: backend address 2001:db8:9::11 is not reachable: no connected subnet "
		    "or static route covers it");
	db_diags_free(&d);
	assert_int_equal(run6("set services dsr vip web6 mode l3\n"
			      "set services dsr vip web6 backend far address 2001:db8:9::11\n"
			      "set routing-options static route 2001:db8:9::/48 next-hop "
			      "2001:db8:2::1\n",
			      &d),
			 0);
	/* and a connected backend on another port is fine in l3 */
	assert_int_equal(run6("set services dsr vip web6 mode l3\n"
			      "set services dsr vip web6 backend other address 2001:db8:2::11\n",
			      &d),
			 0);
}

static void l3_ipv6_vip_needs_an_ipv6_tunnel_source(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	/* no IPv6 self address anywhere and no tunnel-source */
	assert_int_equal(run("set services dsr vip web6 address 2001:db8:1::100\n"
			     "set services dsr vip web6 protocol tcp\n"
			     "set services dsr vip web6 port 80\n"
			     "set services dsr vip web6 mode l3\n"
			     "set services dsr vip web6 interface port0\n"
			     "set services dsr vip web6 backend be1 address 2001:db8:9::11\n",
			     &d),
			 2);
	assert_diag(&d, "services dsr vip web6",
		    "mode l3: an IPv6 VIP needs an IPv6 outer source address: set tunnel-source "
		    "or give an interface an IPv6 address");
	assert_diag(&d, "services dsr vip web6 backend be1 address", "not reachable");
	db_diags_free(&d);
	/* of the VIP's family */
	assert_int_equal(run6("set services dsr vip web6 mode l3\n"
			      "set services dsr vip web6 tunnel-source 172.16.0.0/16\n",
			      &d),
			 1);
	assert_diag(&d, "services dsr vip web6 tunnel-source",
		    "tunnel-source 172.16.0.0/16 is IPv4 but the VIP is IPv6: the outer header is "
		    "of the VIP's family (IPv6 in IPv4 (6in4) is not supported)");
	db_diags_free(&d);
	assert_int_equal(run6("set services dsr vip web mode l3\n"
			      "set services dsr vip web tunnel-source 2001:db8:f::/64\n",
			      &d),
			 1);
	assert_diag(&d, "services dsr vip web tunnel-source", "IPv4 in IPv6 (4in6)");
	db_diags_free(&d);
	/* /64 .. /128 */
	assert_int_equal(run6("set services dsr vip web6 mode l3\n"
			      "set services dsr vip web6 tunnel-source 2001:db8:f::/48\n",
			      &d),
			 1);
	assert_diag(&d, "services dsr vip web6 tunnel-source",
		    "tunnel-source 2001:db8:f::/48: an IPv6 source prefix is /64 to /128");
	db_diags_free(&d);
	assert_int_equal(run6("set services dsr vip web6 mode l3\n"
			      "set services dsr vip web6 tunnel-source ff02::/64\n",
			      &d),
			 1);
	assert_diag(&d, "services dsr vip web6 tunnel-source", "multicast");
	db_diags_free(&d);
	assert_int_equal(run6("set services dsr vip web6 mode l3\n"
			      "set services dsr vip web6 tunnel-source 2001:db8:f::/64\n",
			      &d),
			 0);
	assert_int_equal(run6("set services dsr vip web6 mode l3\n"
			      "set services dsr vip web6 tunnel-source 2001:db8:f::7\n",
			      &d),
			 0);
	/* without tunnel-source, the IPv6 self addresses serve */
	assert_int_equal(run6("set services dsr vip web6 mode l3\n", &d), 0);
}

static void ipv6_route_next_hop_rules(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run6("set routing-options static route ::/0 next-hop 2001:db8:1::1\n", &d),
			 0);
	assert_int_equal(run6("set routing-options static route ::/0 next-hop 2001:db8:7::1\n", &d),
			 1);
	assert_diag(&d, "routing-options static route ::/0 next-hop",
		    "next-hop 2001:db8:7::1 is not on a connected subnet of any interface");
	db_diags_free(&d);
	assert_int_equal(run6("set routing-options static route ::/0 next-hop 10.0.1.1\n", &d), 1);
	assert_diag(&d, "routing-options static route ::/0 next-hop",
		    "next-hop 10.0.1.1 is IPv4 but the route ::/0 is IPv6: a route's next hop is "
		    "of its family");
	db_diags_free(&d);
	assert_int_equal(run6("set routing-options static route ::/0 next-hop fe80::1\n", &d), 1);
	assert_diag(&d, "routing-options static route ::/0 next-hop",
		    "next-hop fe80::1 is not a unicast address: a link-local address");
	db_diags_free(&d);
	assert_int_equal(
		run6("set routing-options static route ::/0 next-hop 2001:db8:1::10\n", &d), 1);
	assert_diag(&d, "routing-options static route ::/0 next-hop", "Tula's own address");
	db_diags_free(&d);
	assert_int_equal(run6("set routing-options static route ::/0 next-hop 2001:db8:1::\n", &d),
			 1);
	assert_diag(&d, "routing-options static route ::/0 next-hop",
		    "next-hop 2001:db8:1:: is the Subnet-Router anycast address of the connected "
		    "subnet (interfaces port0 address 2001:db8:1::10/64)");
	db_diags_free(&d);
}

static void ipv6_interface_address_rules(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run6("set interfaces port0 address fe80::1/64\n", &d), 1);
	assert_diag(&d, "interfaces port0 address fe80::1/64", "link-local");
	db_diags_free(&d);
	assert_int_equal(run6("set interfaces port0 address 2001:db8:5::/64\n", &d), 1);
	assert_diag(&d, "interfaces port0 address 2001:db8:5::/64",
		    "2001:db8:5:: is the Subnet-Router anycast address of 2001:db8:5::/64, not a "
		    "host address");
	db_diags_free(&d);
	/* a /127 point-to-point link uses both addresses (RFC 6164) */
	assert_int_equal(run6("set interfaces port0 address 2001:db8:5::/127\n", &d), 0);
	assert_int_equal(run6("set interfaces port0 address 2001:db8:5::9/128\n", &d), 0);
	assert_int_equal(run6("set interfaces port0 address ::/0\n", &d), 1);
	assert_diag(&d, "interfaces port0 address ::/0", "prefix length 0");
	db_diags_free(&d);
	/* IPv6 subnets of two interfaces must not overlap; an IPv4 one never overlaps */
	assert_int_equal(run6("set interfaces port1 address 2001:db8:1::20/48\n", &d), 2);
	assert_diag(&d, "interfaces port1 address 2001:db8:1::20/48",
		    "subnet overlaps interfaces port0 address 2001:db8:1::10/64");
	assert_diag(&d, "services dsr vip web6",
		    "missing interface: 2001:db8:1::100 is on the subnets of 2 interfaces");
	db_diags_free(&d);
}

static void ipv6_vip_and_backend_addresses(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(run6("set services dsr vip web6 address 2001:db8:1::10\n", &d), 1);
	assert_diag(&d, "services dsr vip web6 address",
		    "VIP address 2001:db8:1::10 is Tula's own address (interfaces port0 address "
		    "2001:db8:1::10/64)");
	db_diags_free(&d);
	assert_int_equal(run6("set services dsr vip web6 address ff02::1\n", &d), 1);
	assert_diag(&d, "services dsr vip web6 address", "a multicast address");
	db_diags_free(&d);
	assert_int_equal(run6("set services dsr vip web6 backend lo address ::1\n", &d), 1);
	assert_diag(&d, "services dsr vip web6 backend lo address", "the loopback address ::1");
	db_diags_free(&d);
	/* another VIP as backend, and the same backend twice (spelled differently: the
	 * tree holds one canonical form) */
	assert_int_equal(run6("set services dsr vip web6 backend v address 2001:db8:1::100\n"
			      "set services dsr vip web6 backend dup address 2001:DB8:1:0::11\n",
			      &d),
			 2);
	assert_diag(&d, "services dsr vip web6 backend v address",
		    "backend address 2001:db8:1::100 is a VIP (services dsr vip web6)");
	assert_diag(&d, "services dsr vip web6 backend dup address",
		    "backend address 2001:db8:1::11 is also backend be1 of this VIP");
	db_diags_free(&d);
	/* one (address, protocol, port) per VIP, whatever the spelling */
	assert_int_equal(run6("set services dsr vip again address 2001:DB8:1::0:100\n"
			      "set services dsr vip again protocol tcp\n"
			      "set services dsr vip again port 80\n"
			      "set services dsr vip again backend b address 2001:db8:1::12\n",
			      &d),
			 1);
	assert_diag(&d, "services dsr vip web6",
		    "address 2001:db8:1::100 protocol tcp port 80 is already used by vip again");
	db_diags_free(&d);
	/* two interfaces, an IPv6 VIP on neither's subnet: say which is meant */
	assert_int_equal(run6("set services dsr vip web6 address 2001:db8:9::100\n"
			      "set services dsr vip web6 mode l3\n",
			      &d),
			 1);
	assert_diag(&d, "services dsr vip web6",
		    "missing interface: 2001:db8:9::100 is on no interface's subnet and 2 "
		    "interfaces are configured");
	db_diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base_configuration_is_valid),
		cmocka_unit_test(vip_needs_address_protocol_port_and_a_backend),
		cmocka_unit_test(vip_address_protocol_port_is_unique),
		cmocka_unit_test(port_star_overlaps_every_port),
		cmocka_unit_test(l2_backends_sit_on_a_connected_subnet),
		cmocka_unit_test(l3_backends_must_be_reachable),
		cmocka_unit_test(addresses_are_unicast),
		cmocka_unit_test(addresses_are_not_tulas_own),
		cmocka_unit_test(a_backend_cannot_be_another_vip),
		cmocka_unit_test(backend_addresses_are_distinct_within_a_vip),
		cmocka_unit_test(referenced_interface_must_exist),
		cmocka_unit_test(interface_may_be_omitted_only_when_unambiguous),
		cmocka_unit_test(tunnel_source_only_for_l3),
		cmocka_unit_test(health_check_rules),
		cmocka_unit_test(port_star_without_health_check_defaults_to_tcp_probe),
		cmocka_unit_test(route_next_hop_on_a_connected_subnet),
		cmocka_unit_test(interface_rules),
		cmocka_unit_test(login_user_needs_a_class),
		cmocka_unit_test(all_backends_drained_is_a_warning),
		cmocka_unit_test(inactive_statements_are_not_validated),
		cmocka_unit_test(dual_stack_configuration_is_valid),
		cmocka_unit_test(backends_are_of_the_vips_family),
		cmocka_unit_test(l2_ipv6_backend_on_a_subnet_of_the_vips_interface),
		cmocka_unit_test(l3_ipv6_backend_needs_an_ipv6_route),
		cmocka_unit_test(l3_ipv6_vip_needs_an_ipv6_tunnel_source),
		cmocka_unit_test(ipv6_route_next_hop_rules),
		cmocka_unit_test(ipv6_interface_address_rules),
		cmocka_unit_test(ipv6_vip_and_backend_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
