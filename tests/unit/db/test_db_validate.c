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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
