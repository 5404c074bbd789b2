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

static char *setup_text(const char *proto, unsigned port, int l3)
{
	struct tula_buf b = TULA_BUF_INIT;

	sh_dsr_backend_setup(&b, "web", "10.0.1.100", proto, port, l3);
	return tula_buf_steal(&b);
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
	p = in_order(t, p, "ip link set tunl0 up\n");
	p = in_order(t, p, "ip addr add 10.0.1.100/32 dev tunl0\n");
	p = in_order(t, p, "sysctl -w net.ipv4.conf.tunl0.rp_filter=0\n");
	p = in_order(t, p, "/etc/sysctl.d/99-dsr.conf");
	p = in_order(t, p, "net.ipv4.conf.tunl0.rp_filter = 0\n");
	p = in_order(t, p, "When it does not work");
	p = in_order(t, p, "ip addr show lo");
	p = in_order(t, p, "lsmod | grep ipip");
	p = in_order(t, p, "IP protocol 4");
	p = in_order(t, p, "curl -v http://10.0.1.100/\n");
	free(t);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(l2_gives_loopback_vip_arp_sysctls_and_checks),
		cmocka_unit_test(l3_adds_ipip_tunnel_rp_filter_and_protocol_4),
		cmocka_unit_test(port_and_protocol_shape_the_client_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
