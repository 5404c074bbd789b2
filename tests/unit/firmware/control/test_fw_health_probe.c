/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pure parts of the health checker (firmware/control/fw_health_probe.c): rise/fall, HTTP
 * status lines, the ICMP errors and TCP segments the raw observers parse, and the
 * reason texts the operator reads.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/control/fw_health_priv.h"

/* ---- rise / fall ---------------------------------------------------------------------- */

static void unchecked_backend_is_up_on_its_first_pass(void **state)
{
	struct fw_hc_sm sm = {.state = FW_HEALTH_UNCHECKED};

	(void)state;
	assert_int_equal(fw_hc_sm_feed(&sm, 1, 2, 3), 1);
	assert_int_equal(sm.state, FW_HEALTH_UP);
	assert_int_equal(fw_hc_sm_feed(&sm, 1, 2, 3), 0);
	assert_int_equal(sm.successes, 2);
}

static void unchecked_backend_goes_down_only_after_fall_failures(void **state)
{
	struct fw_hc_sm sm = {.state = FW_HEALTH_UNCHECKED};

	(void)state;
	assert_int_equal(fw_hc_sm_feed(&sm, 0, 2, 3), 0);
	assert_int_equal(fw_hc_sm_feed(&sm, 0, 2, 3), 0);
	assert_int_equal(sm.state, FW_HEALTH_UNCHECKED);
	assert_int_equal(fw_hc_sm_feed(&sm, 0, 2, 3), 1);
	assert_int_equal(sm.state, FW_HEALTH_DOWN);
	assert_int_equal(sm.failures, 3);
}

static void up_backend_needs_fall_failures_in_a_row(void **state)
{
	struct fw_hc_sm sm = {.state = FW_HEALTH_UP};

	(void)state;
	fw_hc_sm_feed(&sm, 0, 2, 3);
	fw_hc_sm_feed(&sm, 0, 2, 3);
	fw_hc_sm_feed(&sm, 1, 2, 3); /* a pass breaks the run */
	assert_int_equal(sm.failures, 0);
	fw_hc_sm_feed(&sm, 0, 2, 3);
	fw_hc_sm_feed(&sm, 0, 2, 3);
	assert_int_equal(sm.state, FW_HEALTH_UP);
	assert_int_equal(fw_hc_sm_feed(&sm, 0, 2, 3), 1);
	assert_int_equal(sm.state, FW_HEALTH_DOWN);
	assert_int_equal(fw_hc_sm_feed(&sm, 0, 2, 3), 0); /* stays down, counts on */
	assert_int_equal(sm.failures, 4);
}

static void down_backend_needs_rise_passes_in_a_row(void **state)
{
	struct fw_hc_sm sm = {.state = FW_HEALTH_DOWN, .failures = 5};

	(void)state;
	assert_int_equal(fw_hc_sm_feed(&sm, 1, 3, 2), 0);
	assert_int_equal(fw_hc_sm_feed(&sm, 1, 3, 2), 0);
	assert_int_equal(fw_hc_sm_feed(&sm, 0, 3, 2), 0); /* a failure breaks the run */
	assert_int_equal(sm.state, FW_HEALTH_DOWN);
	assert_int_equal(fw_hc_sm_feed(&sm, 1, 3, 2), 0);
	assert_int_equal(fw_hc_sm_feed(&sm, 1, 3, 2), 0);
	assert_int_equal(fw_hc_sm_feed(&sm, 1, 3, 2), 1);
	assert_int_equal(sm.state, FW_HEALTH_UP);
}

static void rise_and_fall_of_one_flip_at_once(void **state)
{
	struct fw_hc_sm sm = {.state = FW_HEALTH_UP};

	(void)state;
	assert_int_equal(fw_hc_sm_feed(&sm, 0, 1, 1), 1);
	assert_int_equal(sm.state, FW_HEALTH_DOWN);
	assert_int_equal(fw_hc_sm_feed(&sm, 1, 1, 1), 1);
	assert_int_equal(sm.state, FW_HEALTH_UP);
	/* 0 is taken as 1 rather than never deciding */
	assert_int_equal(fw_hc_sm_feed(&sm, 0, 0, 0), 1);
	assert_int_equal(sm.state, FW_HEALTH_DOWN);
}

/* ---- HTTP ----------------------------------------------------------------------------- */

static int status_of(const char *s, int *st)
{
	*st = -1;
	return fw_hc_http_status(s, strlen(s), st);
}

static void http_status_lines_are_parsed(void **state)
{
	int st;

	(void)state;
	assert_int_equal(status_of("HTTP/1.1 200 OK\r\nServer: x\r\n", &st), 1);
	assert_int_equal(st, 200);
	assert_int_equal(status_of("HTTP/1.0 503 Service Unavailable\r\n", &st), 1);
	assert_int_equal(st, 503);
	assert_int_equal(status_of("HTTP/1.1 301\r\n", &st), 1); /* empty reason */
	assert_int_equal(st, 301);
	assert_int_equal(status_of("HTTP/1.1 204 No Content\n", &st), 1); /* bare LF */
	assert_int_equal(st, 204);
}

static void http_status_waits_for_the_whole_line(void **state)
{
	int st;

	(void)state;
	assert_int_equal(status_of("", &st), 0);
	assert_int_equal(status_of("HT", &st), 0);
	assert_int_equal(status_of("HTTP/1.1 20", &st), 0);
	assert_int_equal(status_of("HTTP/1.1 200 OK", &st), 0);
	assert_int_equal(st, -1);
}

static void non_http_answers_are_refused(void **state)
{
	int st;

	(void)state;
	assert_int_equal(status_of("SSH-2.0-OpenSSH_9.2\r\n", &st), -EPROTO);
	assert_int_equal(status_of("S", &st), -EPROTO); /* known at the first byte */
	assert_int_equal(status_of("HTTP/1.1 2000 X\r\n", &st), -EPROTO);
	assert_int_equal(status_of("HTTP/1.1 20 X\r\n", &st), -EPROTO);
	assert_int_equal(status_of("HTTP/1.1 099 X\r\n", &st), -EPROTO);
	assert_int_equal(status_of("HTTP/x.1 200 X\r\n", &st), -EPROTO);
	assert_int_equal(status_of("HTTP/1.1200 OK\r\n", &st), -EPROTO);
}

static void healthy_is_2xx_or_3xx(void **state)
{
	(void)state;
	assert_false(fw_hc_http_healthy(199));
	assert_true(fw_hc_http_healthy(200));
	assert_true(fw_hc_http_healthy(302));
	assert_true(fw_hc_http_healthy(399));
	assert_false(fw_hc_http_healthy(400));
	assert_false(fw_hc_http_healthy(503));
}

/* ---- packets ------------------------------------------------------------------------------ */

static size_t put_ip(uint8_t *p, uint8_t proto, const char *src, const char *dst, uint16_t total)
{
	uint32_t a;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(total >> 8);
	p[3] = (uint8_t)total;
	p[8] = 64;
	p[9] = proto;
	a = inet_addr(src);
	memcpy(p + 12, &a, 4);
	a = inet_addr(dst);
	memcpy(p + 16, &a, 4);
	return 20;
}

static size_t put_ports(uint8_t *p, uint16_t sport, uint16_t dport)
{
	p[0] = (uint8_t)(sport >> 8);
	p[1] = (uint8_t)sport;
	p[2] = (uint8_t)(dport >> 8);
	p[3] = (uint8_t)dport;
	return 4;
}

/* An ICMP error from `from` about an IP-in-IP probe (outer to the backend, inner to
 * the VIP); cut = bytes of the quoted packet kept (0 = all). */
static size_t icmp_about_ipip(uint8_t *b, uint8_t type, uint8_t code, size_t cut)
{
	size_t n = 0, q;

	n += put_ip(b, IPPROTO_ICMP, "10.0.2.13", "10.0.1.10", 0);
	memset(b + n, 0, 8);
	b[n] = type;
	b[n + 1] = code;
	n += 8;
	q = n;
	n += put_ip(b + n, IPPROTO_IPIP, "10.0.1.10", "10.0.2.13", 60);
	n += put_ip(b + n, IPPROTO_TCP, "10.0.1.10", "10.0.1.200", 40);
	n += put_ports(b + n, 28001, 80);
	memset(b + n, 0, 16);
	n += 16;
	return cut ? q + cut : n;
}

static void icmp_protocol_unreachable_about_ipip_names_the_probe(void **state)
{
	uint8_t b[256];
	struct fw_hc_icmp ic;
	size_t n = icmp_about_ipip(b, 3, 2, 0);

	(void)state;
	assert_int_equal(fw_hc_icmp_parse(b, n, &ic), 0);
	assert_int_equal(ic.from, inet_addr("10.0.2.13"));
	assert_int_equal(ic.type, 3);
	assert_int_equal(ic.code, 2);
	assert_true(ic.ipip);
	assert_int_equal(ic.tunnel_dst, inet_addr("10.0.2.13"));
	assert_int_equal(ic.src, inet_addr("10.0.1.10"));
	assert_int_equal(ic.dst, inet_addr("10.0.1.200"));
	assert_int_equal(ic.proto, IPPROTO_TCP);
	assert_int_equal(ic.sport, 28001);
	assert_int_equal(ic.dport, 80);
}

static void icmp_quoting_only_the_outer_header_still_names_the_tunnel(void **state)
{
	uint8_t b[256];
	struct fw_hc_icmp ic;
	size_t n = icmp_about_ipip(b, 3, 2, 28); /* outer header + 8 bytes (RFC 792) */

	(void)state;
	assert_int_equal(fw_hc_icmp_parse(b, n, &ic), 0);
	assert_true(ic.ipip);
	assert_int_equal(ic.tunnel_dst, inet_addr("10.0.2.13"));
	assert_int_equal(ic.proto, 0);
	assert_int_equal(ic.sport, 0);
}

static void icmp_about_plain_tcp_names_the_ports(void **state)
{
	uint8_t b[128];
	struct fw_hc_icmp ic;
	size_t n = put_ip(b, IPPROTO_ICMP, "10.0.1.1", "10.0.1.10", 0);

	(void)state;
	memset(b + n, 0, 8);
	b[n] = 3;
	b[n + 1] = 1; /* host unreachable */
	n += 8;
	n += put_ip(b + n, IPPROTO_TCP, "10.0.1.10", "10.0.1.100", 40);
	n += put_ports(b + n, 28003, 8080);
	memset(b + n, 0, 4);
	n += 4;
	assert_int_equal(fw_hc_icmp_parse(b, n, &ic), 0);
	assert_false(ic.ipip);
	assert_int_equal(ic.from, inet_addr("10.0.1.1"));
	assert_int_equal(ic.dst, inet_addr("10.0.1.100"));
	assert_int_equal(ic.sport, 28003);
	assert_int_equal(ic.dport, 8080);
}

static void icmp_that_is_no_error_or_too_short_is_refused(void **state)
{
	uint8_t b[256];
	struct fw_hc_icmp ic;
	size_t n = icmp_about_ipip(b, 0, 0, 0); /* echo reply */

	(void)state;
	assert_int_equal(fw_hc_icmp_parse(b, n, &ic), -EINVAL);
	n = icmp_about_ipip(b, 3, 2, 0);
	assert_int_equal(fw_hc_icmp_parse(b, 27, &ic), -EINVAL); /* no ICMP header */
	assert_int_equal(fw_hc_icmp_parse(b, 40, &ic), -EINVAL); /* quoted header cut */
	b[9] = IPPROTO_TCP;
	assert_int_equal(fw_hc_icmp_parse(b, n, &ic), -EINVAL);
}

static void tcp_segments_are_parsed_and_fragments_refused(void **state)
{
	uint8_t b[64];
	struct fw_hc_tcp t;
	size_t n = put_ip(b, IPPROTO_TCP, "10.0.1.11", "10.0.1.10", 40);

	(void)state;
	n += put_ports(b + n, 80, 28002);
	memset(b + n, 0, 16);
	b[n + 9] = 0x12; /* SYN+ACK at offset 13 of the TCP header */
	n += 16;
	assert_int_equal(fw_hc_tcp_parse(b, n, &t), 0);
	assert_int_equal(t.src, inet_addr("10.0.1.11"));
	assert_int_equal(t.sport, 80);
	assert_int_equal(t.dport, 28002);
	assert_int_equal(t.flags, 0x12);
	assert_int_equal(fw_hc_tcp_parse(b, 30, &t), -EINVAL);
	b[7] = 10; /* fragment offset 80 */
	assert_int_equal(fw_hc_tcp_parse(b, n, &t), -EINVAL);
}

/* ---- reasons -------------------------------------------------------------------------------- */

static const char *reason(struct fw_hc_failure f)
{
	static char buf[FW_HEALTH_REASON_MAX];

	if (f.vip == 0)
		f.vip = inet_addr("10.0.1.100");
	if (f.port == 0)
		f.port = 80;
	if (f.timeout == 0)
		f.timeout = 1;
	return fw_hc_reason(buf, sizeof(buf), &f);
}

static void reasons_say_what_failed_and_what_to_fix(void **state)
{
	(void)state;
	assert_string_equal(reason((struct fw_hc_failure){.kind = FW_HC_NO_ANSWER}),
			    "no answer from VIP 10.0.1.100:80 via the DSR path within 1 s: is "
			    "10.0.1.100/32 on the backend's lo?");
	assert_non_null(strstr(
		reason((struct fw_hc_failure){.kind = FW_HC_NO_ANSWER, .l3 = 1, .timeout = 2}),
		"no answer from VIP 10.0.1.100:80 via the IP-in-IP path within 2 s: is the "
		"backend's tunnel up"));
	assert_string_equal(reason((struct fw_hc_failure){.kind = FW_HC_RESET}),
			    "reset: nothing listens on 10.0.1.100:80 on the backend");
	assert_non_null(
		strstr(reason((struct fw_hc_failure){.kind = FW_HC_WRONG_SOURCE,
						     .from = inet_addr("10.0.1.11"),
						     .from_port = 80}),
		       "answered by the wrong address: 10.0.1.11:80 instead of VIP 10.0.1.100:80"));
	assert_string_equal(reason((struct fw_hc_failure){
				    .kind = FW_HC_HTTP_STATUS, .status = 503, .path = "/healthz"}),
			    "HTTP status 503 for GET /healthz (healthy is 2xx or 3xx)");
	assert_non_null(
		strstr(reason((struct fw_hc_failure){
			       .kind = FW_HC_NO_DECAP, .l3 = 1, .from = inet_addr("10.0.2.13")}),
		       "ICMP protocol unreachable from 10.0.2.13: the backend has no "
		       "IP-in-IP decapsulation"));
	assert_string_equal(reason((struct fw_hc_failure){.kind = FW_HC_ICMP,
							  .from = inet_addr("10.0.1.1"),
							  .icmp_type = 3,
							  .icmp_code = 1}),
			    "ICMP host unreachable from 10.0.1.1 about the probe to 10.0.1.100:80");
	assert_string_equal(reason((struct fw_hc_failure){.kind = FW_HC_UNRESOLVED,
							  .nexthop = inet_addr("10.0.1.11")}),
			    "the backend 10.0.1.11 does not answer ARP");
	assert_string_equal(reason((struct fw_hc_failure){.kind = FW_HC_UNRESOLVED,
							  .l3 = 1,
							  .nexthop = inet_addr("10.0.1.1")}),
			    "the next hop 10.0.1.1 towards the backend does not answer ARP");
	assert_string_equal(reason((struct fw_hc_failure){
				    .kind = FW_HC_LOCAL, .what = "bind", .err = EADDRINUSE}),
			    "Tula cannot send the probe: bind: Address already in use");
}

static void http_failures_name_the_request(void **state)
{
	(void)state;
	assert_string_equal(reason((struct fw_hc_failure){.kind = FW_HC_HTTP_BAD,
							  .http = FW_HC_HTTP_CLOSED,
							  .path = "/healthz"}),
			    "connection closed before an HTTP status line (GET /healthz)");
	assert_string_equal(reason((struct fw_hc_failure){.kind = FW_HC_HTTP_BAD,
							  .http = FW_HC_HTTP_RESET,
							  .path = "/healthz"}),
			    "reset after GET /healthz, before an HTTP status line");
	assert_string_equal(reason((struct fw_hc_failure){.kind = FW_HC_HTTP_BAD,
							  .http = FW_HC_HTTP_TIMEOUT,
							  .path = "/"}),
			    "no HTTP status line within 1 s after GET /");
	assert_string_equal(reason((struct fw_hc_failure){.kind = FW_HC_HTTP_BAD,
							  .http = FW_HC_HTTP_GARBAGE,
							  .path = "/x"}),
			    "not an HTTP answer to GET /x");
}

static void names_of_states_and_failures(void **state)
{
	(void)state;
	assert_string_equal(fw_health_state_name(FW_HEALTH_UP), "up");
	assert_string_equal(fw_health_state_name(FW_HEALTH_DOWN), "down");
	assert_string_equal(fw_health_state_name(FW_HEALTH_UNCHECKED), "unchecked");
	assert_string_equal(fw_health_state_name(FW_HEALTH_DISABLED), "disabled");
	assert_string_equal(fw_health_fail_name(FW_HC_NO_DECAP), "no-ipip-decapsulation");
	assert_string_equal(fw_health_fail_name(FW_HC_WRONG_SOURCE), "wrong-address");
	assert_string_equal(fw_health_fail_name(FW_HC_OK), "");
	assert_string_equal(fw_hc_icmp_name(3, 2), "protocol unreachable");
	assert_string_equal(fw_hc_icmp_name(11, 0), "TTL exceeded in transit");
}

/* ---- IPv6: ICMPv6 about a probe, and the v6 reasons ---------------------------------- */

/* What a raw ICMPv6 socket reads (no IPv6 header), made by scapy:
 * tests/data/gen_health6_golden.py. Probe: [fd00:1::10]:24577 -> [fd00:1::200]:80 SYN;
 * in l3 inside [fd00:1::10] -> [fd00:2::13] (next header 41). */
static const uint8_t icmp6_pp_6in6[] = {
	0x04, 0x01, 0x17, 0x4c, 0x00, 0x00, 0x00, 0x06, 0x60, 0x00, 0x00, 0x00, 0x00, 0x3c,
	0x29, 0x40, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x10, 0xfd, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x13, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40,
	0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x10, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x02, 0x00, 0x60, 0x01, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x50, 0x02, 0x20, 0x00, 0x33, 0x7d, 0x00, 0x00,
};
static const uint8_t icmp6_pp_6in6_cut[] = {
	0x04, 0x01, 0x7d, 0xc2, 0x00, 0x00, 0x00, 0x06, 0x60, 0x00, 0x00, 0x00,
	0x00, 0x3c, 0x29, 0x40, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xfd, 0x00, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x13,
};
static const uint8_t icmp6_unreach_addr[] = {
	0x01, 0x03, 0x9e, 0x1f, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14,
	0x06, 0x40, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x10, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x60, 0x01, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x20, 0x00, 0x33, 0x7d, 0x00, 0x00,
};
static const uint8_t icmp6_redirect[] = {
	0x89, 0x00, 0x46, 0xff, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x04, 0x08, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14, 0x06, 0x40, 0xfd, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xfd, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x60, 0x01,
	0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x20, 0x00,
};
static const uint8_t icmp6_time_exceeded[] = {
	0x03, 0x00, 0x9c, 0x32, 0x00, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x00, 0x14,
	0x06, 0x40, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x10, 0xfd, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x60, 0x01, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0x20, 0x00, 0x33, 0x7d, 0x00, 0x00,
};
static const uint8_t icmp6_echo_reply[] = {
	0x81, 0x00, 0x82, 0xa7, 0x00, 0x01, 0x00, 0x01,
};

static struct fw_ip6 a6(const char *s)
{
	struct fw_ip6 a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void assert_ip6(const struct fw_ip6 *got, const char *want)
{
	struct fw_ip6 w = a6(want);

	assert_memory_equal(got, &w, sizeof(w));
}

static void icmp6_unrecognized_next_header_41_is_no_decapsulation(void **state)
{
	struct fw_ip6 be = a6("fd00:2::13");
	struct fw_hc_icmp6 m;

	(void)state;
	assert_int_equal(fw_hc_icmp6_parse(icmp6_pp_6in6, sizeof(icmp6_pp_6in6), &be, &m), 0);
	assert_int_equal(m.type, 4);
	assert_int_equal(m.code, 1);
	assert_int_equal(m.pointer, 6);
	assert_int_equal(m.ip6ip6, 1);
	assert_ip6(&m.tunnel_dst, "fd00:2::13");
	assert_ip6(&m.src, "fd00:1::10");
	assert_ip6(&m.dst, "fd00:1::200");
	assert_int_equal(m.proto, IPPROTO_TCP);
	assert_int_equal(m.sport, 24577);
	assert_int_equal(m.dport, 80);
	assert_int_equal(fw_hc_icmp6_verdict(&m), FW_HC_NO_DECAP);
	/* another pointer (not the outer next-header byte) is some other problem */
	m.pointer = 40 + 6;
	assert_int_equal(fw_hc_icmp6_verdict(&m), FW_HC_ICMP);
}

static void icmp6_quoting_only_the_outer_header_still_names_the_tunnel(void **state)
{
	struct fw_ip6 be = a6("fd00:2::13");
	struct fw_hc_icmp6 m;

	(void)state;
	assert_int_equal(fw_hc_icmp6_parse(icmp6_pp_6in6_cut, sizeof(icmp6_pp_6in6_cut), &be, &m),
			 0);
	assert_int_equal(m.ip6ip6, 1);
	assert_ip6(&m.tunnel_dst, "fd00:2::13");
	assert_int_equal(m.proto, 0);
	assert_int_equal(m.sport, 0);
	assert_int_equal(fw_hc_icmp6_verdict(&m), FW_HC_NO_DECAP);
}

static void icmp6_redirect_or_address_unreachable_means_vip_not_on_backend(void **state)
{
	struct fw_ip6 ll = a6("fe80::ff:fe00:2"), be = a6("fd00:1::11");
	struct fw_hc_icmp6 m;

	(void)state;
	assert_int_equal(fw_hc_icmp6_parse(icmp6_redirect, sizeof(icmp6_redirect), &ll, &m), 0);
	assert_int_equal(m.type, 137);
	assert_int_equal(m.ip6ip6, 0);
	assert_ip6(&m.from, "fe80::ff:fe00:2");
	assert_ip6(&m.dst, "fd00:1::200");
	assert_int_equal(m.sport, 24577);
	assert_int_equal(fw_hc_icmp6_verdict(&m), FW_HC_NOT_LOCAL);
	assert_int_equal(fw_hc_icmp6_parse(icmp6_unreach_addr, sizeof(icmp6_unreach_addr), &be, &m),
			 0);
	assert_int_equal(m.type, 1);
	assert_int_equal(m.code, 3);
	assert_int_equal(m.dport, 80);
	assert_int_equal(fw_hc_icmp6_verdict(&m), FW_HC_NOT_LOCAL);
	assert_int_equal(
		fw_hc_icmp6_parse(icmp6_time_exceeded, sizeof(icmp6_time_exceeded), &be, &m), 0);
	assert_int_equal(fw_hc_icmp6_verdict(&m), FW_HC_ICMP);
	assert_string_equal(fw_hc_icmp6_name(m.type, m.code), "hop limit exceeded in transit");
}

static void icmp6_that_is_no_error_or_too_short_is_refused(void **state)
{
	struct fw_ip6 be = a6("fd00:1::200");
	uint8_t bad[sizeof(icmp6_redirect)];
	struct fw_hc_icmp6 m;

	(void)state;
	assert_int_equal(fw_hc_icmp6_parse(icmp6_echo_reply, sizeof(icmp6_echo_reply), &be, &m),
			 -EINVAL);
	/* the quoted header must be whole */
	assert_int_equal(fw_hc_icmp6_parse(icmp6_unreach_addr, 8 + 39, &be, &m), -EINVAL);
	assert_int_equal(fw_hc_icmp6_parse(icmp6_unreach_addr, 7, &be, &m), -EINVAL);
	/* a redirect whose option has length 0 (RFC 4861 8.1) or runs past the message */
	memcpy(bad, icmp6_redirect, sizeof(bad));
	bad[41] = 0;
	assert_int_equal(fw_hc_icmp6_parse(bad, sizeof(bad), &be, &m), -EINVAL);
	bad[41] = 200;
	assert_int_equal(fw_hc_icmp6_parse(bad, sizeof(bad), &be, &m), -EINVAL);
	assert_int_equal(fw_hc_icmp6_parse(icmp6_redirect, 40, &be, &m), -EINVAL);
}

static const char *reason6(struct fw_hc_failure f)
{
	static char buf[FW_HEALTH_REASON_MAX];

	f.family = FW_AF_INET6;
	f.vip6 = a6("fd00:1::200");
	if (f.port == 0)
		f.port = 80;
	if (f.timeout == 0)
		f.timeout = 1;
	return fw_hc_reason(buf, sizeof(buf), &f);
}

static void v6_reasons_name_the_vip_in_brackets_and_say_what_to_fix(void **state)
{
	(void)state;
	assert_string_equal(reason6((struct fw_hc_failure){.kind = FW_HC_NO_ANSWER}),
			    "no answer from VIP [fd00:1::200]:80 via the DSR path within 1 s: is "
			    "fd00:1::200/128 on the backend's lo?");
	assert_non_null(strstr(reason6((struct fw_hc_failure){.kind = FW_HC_NO_ANSWER, .l3 = 1}),
			       "via the IPv6-in-IPv6 path within 1 s: is the backend's ip6ip6 "
			       "tunnel up, with fd00:1::200/128 on lo"));
	assert_string_equal(reason6((struct fw_hc_failure){.kind = FW_HC_RESET}),
			    "reset: nothing listens on [fd00:1::200]:80 on the backend");
	assert_string_equal(reason6((struct fw_hc_failure){.kind = FW_HC_WRONG_SOURCE,
							   .from6 = a6("fd00:1::11"),
							   .from_port = 80}),
			    "answered by the wrong address: [fd00:1::11]:80 instead of VIP "
			    "[fd00:1::200]:80 (the backend must answer from the VIP: no source "
			    "NAT on its replies)");
	assert_string_equal(
		reason6((struct fw_hc_failure){.kind = FW_HC_NO_DECAP,
					       .l3 = 1,
					       .from6 = a6("fd00:2::13"),
					       .icmp_type = 4,
					       .icmp_code = 1}),
		"ICMPv6 parameter problem (unrecognized next header 41) from fd00:2::13: the "
		"backend has no IPv6-in-IPv6 decapsulation (ip6_tunnel module or its ip6ip6 "
		"tunnel down)");
	assert_string_equal(
		reason6((struct fw_hc_failure){
			.kind = FW_HC_NOT_LOCAL, .from6 = a6("fe80::ff:fe00:2"), .icmp_type = 137}),
		"VIP not configured on the backend: it routes the probe to [fd00:1::200]:80 on "
		"instead of taking it (ICMPv6 redirect from fe80::ff:fe00:2): put "
		"fd00:1::200/128 on its lo");
	assert_string_equal(reason6((struct fw_hc_failure){.kind = FW_HC_ICMP,
							   .from6 = a6("fd00:1::1"),
							   .icmp_type = 1,
							   .icmp_code = 1}),
			    "ICMPv6 communication administratively prohibited from fd00:1::1 "
			    "about the probe to [fd00:1::200]:80");
	assert_string_equal(reason6((struct fw_hc_failure){.kind = FW_HC_UNRESOLVED,
							   .nexthop6 = a6("fd00:1::11")}),
			    "the backend fd00:1::11 does not answer Neighbor Solicitations");
	/* the family plays no part in these */
	assert_string_equal(reason6((struct fw_hc_failure){.kind = FW_HC_NOT_INSTALLED}),
			    "the VIP or backend is not in the forwarding state");
	assert_string_equal(fw_health_fail_name(FW_HC_NOT_LOCAL), "vip-not-on-backend");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unchecked_backend_is_up_on_its_first_pass),
		cmocka_unit_test(unchecked_backend_goes_down_only_after_fall_failures),
		cmocka_unit_test(up_backend_needs_fall_failures_in_a_row),
		cmocka_unit_test(down_backend_needs_rise_passes_in_a_row),
		cmocka_unit_test(rise_and_fall_of_one_flip_at_once),
		cmocka_unit_test(http_status_lines_are_parsed),
		cmocka_unit_test(http_status_waits_for_the_whole_line),
		cmocka_unit_test(non_http_answers_are_refused),
		cmocka_unit_test(healthy_is_2xx_or_3xx),
		cmocka_unit_test(icmp_protocol_unreachable_about_ipip_names_the_probe),
		cmocka_unit_test(icmp_quoting_only_the_outer_header_still_names_the_tunnel),
		cmocka_unit_test(icmp_about_plain_tcp_names_the_ports),
		cmocka_unit_test(icmp_that_is_no_error_or_too_short_is_refused),
		cmocka_unit_test(tcp_segments_are_parsed_and_fragments_refused),
		cmocka_unit_test(reasons_say_what_failed_and_what_to_fix),
		cmocka_unit_test(http_failures_name_the_request),
		cmocka_unit_test(names_of_states_and_failures),
		cmocka_unit_test(icmp6_unrecognized_next_header_41_is_no_decapsulation),
		cmocka_unit_test(icmp6_quoting_only_the_outer_header_still_names_the_tunnel),
		cmocka_unit_test(icmp6_redirect_or_address_unreachable_means_vip_not_on_backend),
		cmocka_unit_test(icmp6_that_is_no_error_or_too_short_is_refused),
		cmocka_unit_test(v6_reasons_name_the_vip_in_brackets_and_say_what_to_fix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
