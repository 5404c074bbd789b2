/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show services dsr backend-setup`: the exact commands of the DSR guide for each mode,
 * with the persistent sysctl lines, followed by the troubleshooting checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "shell/sh_session.h"

static const struct sh_dsr_backend two[] = {{"be1", "10.0.2.11"}, {"be2", "10.0.2.12"}};

static char *setup_text_be(const char *proto, unsigned port, int l3,
			   const struct sh_dsr_backend *be, size_t nbe)
{
	struct tula_buf b = TULA_BUF_INIT;
	struct tula_val *v = sh_dsr_backend_setup("web", "10.0.1.100", proto, port, l3, be, nbe);

	sh_dsr_backend_setup_render(v, &b);
	tula_val_free(v);
	return tula_buf_steal(&b);
}

static char *setup_text(const char *proto, unsigned port, int l3)
{
	return setup_text_be(proto, port, l3, NULL, 0);
}

/* needle appears, and after the previous one */
static const char *in_order(const char *text, const char *after, const char *needle)
{
	const char *p = strstr(after != NULL ? after : text, needle);

	if (p == NULL)
		fail_msg("missing (or out of order): %s\n--- text ---\n%s", needle, text);
	return p + strlen(needle);
}

static void l2_gives_loopback_vip_arp_sysctls_and_checks(void **state)
{
	char *t = setup_text("tcp", 80, 0);
	const char *p;

	(void)state;
	p = in_order(t, NULL, "ip addr add 10.0.1.100/32 dev lo\n");
	p = in_order(t, p, "sysctl -w net.ipv4.conf.all.arp_ignore=1\n");
	p = in_order(t, p, "sysctl -w net.ipv4.conf.all.arp_announce=2\n");
	p = in_order(t, p, "/etc/sysctl.d/99-dsr.conf");
	p = in_order(t, p, "net.ipv4.conf.all.arp_ignore = 1\n");
	p = in_order(t, p, "net.ipv4.conf.all.arp_announce = 2\n");
	p = in_order(t, p, "When it does not work");
	p = in_order(t, p, "ip addr show lo");
	p = in_order(t, p, "sysctl net.ipv4.conf.all.arp_ignore");
	p = in_order(t, p, "curl -v http://10.0.1.100/\n");
	assert_null(strstr(t, "ipip"));
	assert_null(strstr(t, "tunl0"));
	assert_null(strstr(t, "rp_filter"));
	free(t);
}

static void l3_adds_ipip_tunnel_rp_filter_and_protocol_4(void **state)
{
	char *t = setup_text("tcp", 80, 1);
	const char *p;

	(void)state;
	p = in_order(t, NULL, "ip addr add 10.0.1.100/32 dev lo\n");
	p = in_order(t, p, "sysctl -w net.ipv4.conf.all.arp_ignore=1\n");
	p = in_order(t, p, "modprobe ipip\n");
	p = in_order(t, p, "ip link add ipip0 type ipip local <backend-address> remote any\n");
	p = in_order(t, p, "ip link set ipip0 up\n");
	p = in_order(t, p, "ip addr add 10.0.1.100/32 dev ipip0\n");
	p = in_order(t, p, "sysctl -w net.ipv4.conf.ipip0.rp_filter=0\n");
	p = in_order(t, p, "/etc/sysctl.d/99-dsr.conf");
	p = in_order(t, p, "net.ipv4.conf.ipip0.rp_filter = 0\n");
	p = in_order(t, p, "When it does not work");
	p = in_order(t, p, "ip addr show lo");
	p = in_order(t, p, "lsmod | grep ipip");
	p = in_order(t, p, "IP protocol 4");
	p = in_order(t, p, "curl -v http://10.0.1.100/\n");
	assert_null(strstr(t, "tunl0"));
	free(t);
}

/* The guide's form once per backend, each with its own address as the tunnel's local. */
static void l3_form_is_written_once_per_backend(void **state)
{
	char *t = setup_text_be("tcp", 80, 1, two, 2);
	const char *p;

	(void)state;
	p = in_order(t, NULL, "backend be1 (10.0.2.11)");
	p = in_order(t, p, "ip addr add 10.0.1.100/32 dev lo\n");
	p = in_order(t, p, "ip link add ipip0 type ipip local 10.0.2.11 remote any\n");
	p = in_order(t, p, "ip addr add 10.0.1.100/32 dev ipip0\n");
	p = in_order(t, p, "backend be2 (10.0.2.12)");
	p = in_order(t, p, "ip link add ipip0 type ipip local 10.0.2.12 remote any\n");
	p = in_order(t, p, "When it does not work");
	assert_null(strstr(t, "<backend-address>"));
	free(t);
}

/* `| display json`: every backend carries its commands as a list of strings. */
static void json_lists_commands_per_backend(void **state)
{
	struct tula_val *v = sh_dsr_backend_setup("web", "10.0.1.100", "tcp", 80, 1, two, 2);
	const struct tula_val *bl = tula_val_get(v, "backends"), *cmds;

	(void)state;
	assert_int_equal(tula_val_count(bl), 2);
	assert_string_equal(tula_val_get_str(tula_val_at(bl, 1), "name"), "be2");
	cmds = tula_val_get(tula_val_at(bl, 1), "commands");
	assert_int_equal(tula_val_type(cmds), TULA_VAL_LIST);
	assert_string_equal(tula_val_as_str(tula_val_at(cmds, 0)),
			    "ip addr add 10.0.1.100/32 dev lo");
	assert_string_equal(tula_val_as_str(tula_val_at(cmds, 4)),
			    "ip link add ipip0 type ipip local 10.0.2.12 remote any");
	assert_int_equal(tula_val_count(cmds), 9);
	assert_string_equal(tula_val_get_str(v, "mode"), "l3");
	tula_val_free(v);
}

static void port_and_protocol_shape_the_client_check(void **state)
{
	char *t;

	(void)state;
	t = setup_text("tcp", 8080, 0);
	assert_non_null(strstr(t, "curl -v http://10.0.1.100:8080/"));
	assert_non_null(strstr(t, "tcp port 8080"));
	free(t);
	t = setup_text("tcp", 0, 0);
	assert_non_null(strstr(t, "all ports"));
	free(t);
	t = setup_text("udp", 53, 0);
	assert_null(strstr(t, "curl"));
	assert_non_null(strstr(t, "UDP service"));
	free(t);
}

/* ---- IPv6 VIPs (see sh_dsr.c for what was measured on a bare Linux backend) ---- */

static const struct sh_dsr_backend two6[] = {{"be1", "fd00:1::11"}, {"be2", "fd00:2::12"}};

static char *setup6_text(const char *proto, unsigned port, int l3, const struct sh_dsr_backend *be,
			 size_t nbe)
{
	struct tula_buf b = TULA_BUF_INIT;
	struct tula_val *v = sh_dsr_backend_setup("web6", "fd00:1::100", proto, port, l3, be, nbe);

	sh_dsr_backend_setup_render(v, &b);
	tula_val_free(v);
	return tula_buf_steal(&b);
}

static void v6_l2_gives_deprecated_loopback_vip_and_ns_guard_not_arp(void **state)
{
	char *t = setup6_text("tcp", 80, 0, two6, 1);
	const char *p;

	(void)state;
	p = in_order(t, NULL, "backend be1 (fd00:1::11)");
	p = in_order(t, p, "ip -6 addr add fd00:1::100/128 dev lo preferred_lft 0\n");
	p = in_order(t, p, "nft add table inet tula_dsr\n");
	p = in_order(t, p,
		     "nft add chain inet tula_dsr ns_guard '{ type filter hook input priority "
		     "filter; }'\n");
	/* the NS target (8 bytes into the ICMPv6 message) as one 128-bit integer */
	p = in_order(t, p,
		     "nft add rule inet tula_dsr ns_guard icmpv6 type nd-neighbor-solicit "
		     "@th,64,128 0xfd000001000000000000000000000100 counter drop\n");
	p = in_order(t, p, "nft list table inet tula_dsr > /etc/tula-dsr.nft\n");
	p = in_order(t, p, "When it does not work");
	p = in_order(t, p, "ip -6 addr show dev lo");
	p = in_order(t, p, "ss -lnt");
	p = in_order(t, p, "curl -g -v 'http://[fd00:1::100]/'\n");
	/* nothing of IPv4's guide, nor of the l3 tunnel, nor a useless nodad */
	assert_null(strstr(t, "arp_"));
	assert_null(strstr(t, "sysctl"));
	assert_null(strstr(t, "ipip"));
	assert_null(strstr(t, "ip6_tunnel"));
	assert_null(strstr(t, "nodad"));
	assert_null(strstr(t, "/32"));
	free(t);
}

static void v6_l3_adds_ip6ip6_tunnel_per_backend_and_firewall_checks(void **state)
{
	char *t = setup6_text("tcp", 8080, 1, two6, 2);
	const char *p;

	(void)state;
	p = in_order(t, NULL, "IPv6-in-IPv6");
	p = in_order(t, p, "backend be1 (fd00:1::11)");
	p = in_order(t, p, "ip -6 addr add fd00:1::100/128 dev lo preferred_lft 0\n");
	p = in_order(t, p, "@th,64,128 0xfd000001000000000000000000000100 counter drop\n");
	p = in_order(t, p, "modprobe ip6_tunnel\n");
	p = in_order(t, p, "ip -6 tunnel add ip6dsr0 mode ip6ip6 local fd00:1::11 remote any\n");
	p = in_order(t, p, "ip link set ip6dsr0 up\n");
	p = in_order(t, p, "backend be2 (fd00:2::12)");
	p = in_order(t, p, "ip -6 tunnel add ip6dsr0 mode ip6ip6 local fd00:2::12 remote any\n");
	p = in_order(t, p, "echo ip6_tunnel > /etc/modules-load.d/ip6_tunnel.conf\n");
	p = in_order(t, p, "When it does not work");
	p = in_order(t, p, "lsmod | grep ip6_tunnel");
	p = in_order(t, p, "IPv6 has no rp_filter sysctl");
	p = in_order(t, p, "ip6tables -I INPUT -p 41 -j ACCEPT");
	p = in_order(t, p, "curl -g -v 'http://[fd00:1::100]:8080/'");
	assert_null(strstr(t, "rp_filter="));
	assert_null(strstr(t, "modprobe ipip"));
	free(t);
}

/* A UDP service on [::] answers from the backend's own address (measured): say so. */
static void v6_udp_check_asks_for_a_socket_on_the_vip(void **state)
{
	char *t = setup6_text("udp", 53, 0, NULL, 0);

	(void)state;
	assert_non_null(strstr(t, "ss -lnu"));
	assert_non_null(strstr(t, "a UDP socket on [::] answers from the backend's own address"));
	assert_non_null(strstr(t, "aimed at [fd00:1::100] port 53"));
	assert_non_null(strstr(t, "<backend-address>"));
	assert_null(strstr(t, "curl"));
	free(t);
}

/* The lab test runs these lists as they are: the JSON form carries every command. */
static void v6_json_lists_the_commands_and_the_family(void **state)
{
	struct tula_val *v = sh_dsr_backend_setup("web6", "2001:db8::1", "tcp", 80, 1, two6, 2);
	const struct tula_val *cmds;

	(void)state;
	assert_string_equal(tula_val_get_str(v, "family"), "inet6");
	cmds = tula_val_get(tula_val_at(tula_val_get(v, "backends"), 0), "commands");
	assert_int_equal(tula_val_count(cmds), 7);
	assert_string_equal(tula_val_as_str(tula_val_at(cmds, 0)),
			    "ip -6 addr add 2001:db8::1/128 dev lo preferred_lft 0");
	assert_string_equal(tula_val_as_str(tula_val_at(cmds, 3)),
			    "nft add rule inet tula_dsr ns_guard icmpv6 type nd-neighbor-solicit "
			    "@th,64,128 0x20010db8000000000000000000000001 counter drop");
	assert_string_equal(tula_val_as_str(tula_val_at(cmds, 5)),
			    "ip -6 tunnel add ip6dsr0 mode ip6ip6 local fd00:1::11 remote any");
	tula_val_free(v);
	v = sh_dsr_backend_setup("web", "10.0.1.100", "tcp", 80, 0, two, 2);
	assert_string_equal(tula_val_get_str(v, "family"), "inet");
	tula_val_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(l2_gives_loopback_vip_arp_sysctls_and_checks),
		cmocka_unit_test(l3_adds_ipip_tunnel_rp_filter_and_protocol_4),
		cmocka_unit_test(port_and_protocol_shape_the_client_check),
		cmocka_unit_test(l3_form_is_written_once_per_backend),
		cmocka_unit_test(json_lists_commands_per_backend),
		cmocka_unit_test(v6_l2_gives_deprecated_loopback_vip_and_ns_guard_not_arp),
		cmocka_unit_test(v6_l3_adds_ip6ip6_tunnel_per_backend_and_firewall_checks),
		cmocka_unit_test(v6_udp_check_asks_for_a_socket_on_the_vip),
		cmocka_unit_test(v6_json_lists_the_commands_and_the_family),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
