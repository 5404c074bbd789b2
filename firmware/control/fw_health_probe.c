/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pure parts of the health checker (see fw_health_priv.h): the rise/fall state
 * machine, HTTP status lines (RFC 9112 section 4), the ICMP errors (RFC 792) and TCP
 * segments the raw observers read, the ICMPv6 errors (RFC 4443) and redirects (RFC
 * 4861 8) about IPv6 probes, and the reason texts an operator acts on. No sockets, no
 * timers, no DPDK calls.
 *
 * What a Linux backend sends back to an IPv6 probe it cannot take, measured in the lab
 * (tests/data/gen_health6_golden.py makes these messages for the unit tests): without
 * the ip6_tunnel module, IPv6-in-IPv6 draws a parameter problem "unrecognized next
 * header" (code 1) whose pointer is 6, the outer header's next-header byte; an l2 probe
 * to a backend without the VIP is dropped silently (forwarding off: a timeout, whose
 * reason asks for the VIP on lo) or, forwarding on, draws a redirect quoting it.
 */
#include "firmware/control/fw_health_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* ---- rise / fall ---------------------------------------------------------------------- */

int fw_hc_sm_feed(struct fw_hc_sm *sm, int ok, uint32_t rise, uint32_t fall)
{
	enum fw_health_state old = sm->state;

	if (rise == 0)
		rise = 1;
	if (fall == 0)
		fall = 1;
	if (ok) {
		sm->failures = 0;
		if (sm->successes < UINT32_MAX)
			sm->successes++;
		/* an unchecked backend already forwards: its first pass only confirms it */
		if (sm->state == FW_HEALTH_UNCHECKED ||
		    (sm->state == FW_HEALTH_DOWN && sm->successes >= rise))
			sm->state = FW_HEALTH_UP;
	} else {
		sm->successes = 0;
		if (sm->failures < UINT32_MAX)
			sm->failures++;
		if (sm->state != FW_HEALTH_DOWN && sm->failures >= fall)
			sm->state = FW_HEALTH_DOWN;
	}
	return sm->state != old;
}

/* ---- HTTP ----------------------------------------------------------------------------- */

int fw_hc_http_status(const char *buf, size_t len, int *status)
{
	static const char proto[] = "HTTP/";
	size_t i, n = len < sizeof(proto) - 1 ? len : sizeof(proto) - 1;
	int st = 0;

	/* status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF */
	if (memcmp(buf, proto, n) != 0)
		return -EPROTO;
	for (i = 0; i < len && buf[i] != '\n'; i++)
		;
	if (i == len)
		return len > 1024 ? -EPROTO : 0; /* a status line is short */
	i = sizeof(proto) - 1;
	if (i + 3 > len || buf[i] < '0' || buf[i] > '9' || buf[i + 1] != '.' || buf[i + 2] < '0' ||
	    buf[i + 2] > '9')
		return -EPROTO;
	i += 3;
	if (buf[i++] != ' ')
		return -EPROTO;
	for (n = 0; n < 3; n++, i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return -EPROTO;
		st = st * 10 + (buf[i] - '0');
	}
	if (buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
		return -EPROTO;
	if (st < 100 || st > 599)
		return -EPROTO;
	*status = st;
	return 1;
}

int fw_hc_http_healthy(int status)
{
	return status >= 200 && status < 400;
}

/* ---- packets ------------------------------------------------------------------------------ */

/* The IPv4 header at p (len bytes available): its length, or 0 when not IPv4. */
static size_t ip_hlen(const uint8_t *p, size_t len)
{
	size_t hl;

	if (len < 20 || (p[0] >> 4) != 4)
		return 0;
	hl = (size_t)(p[0] & 0xf) * 4;
	return hl < 20 || hl > len ? 0 : hl;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int fw_hc_icmp_parse(const uint8_t *pkt, size_t len, struct fw_hc_icmp *out)
{
	size_t hl = ip_hlen(pkt, len), ehl;
	const uint8_t *icmp, *e;

	memset(out, 0, sizeof(*out));
	if (hl == 0 || pkt[9] != IPPROTO_ICMP || len < hl + 8)
		return -EINVAL;
	icmp = pkt + hl;
	switch (icmp[0]) {
	case 3:	 /* destination unreachable */
	case 4:	 /* source quench */
	case 5:	 /* redirect */
	case 11: /* time exceeded */
	case 12: /* parameter problem */
		break;
	default:
		return -EINVAL;
	}
	out->from = get32(pkt + 12);
	out->type = icmp[0];
	out->code = icmp[1];
	/* the packet in error: its IP header and at least 8 bytes of what followed */
	e = icmp + 8;
	len -= hl + 8;
	ehl = ip_hlen(e, len);
	if (ehl == 0)
		return -EINVAL;
	out->src = get32(e + 12);
	out->dst = get32(e + 16);
	out->proto = e[9];
	if (out->proto == IPPROTO_IPIP) {
		out->ipip = 1;
		out->tunnel_dst = out->dst;
		out->proto = 0;
		e += ehl;
		len -= ehl;
		ehl = ip_hlen(e, len);
		if (ehl == 0)
			return 0; /* the inner header was cut off: the tunnel is still named */
		out->src = get32(e + 12);
		out->dst = get32(e + 16);
		out->proto = e[9];
	}
	if ((out->proto == IPPROTO_TCP || out->proto == IPPROTO_UDP) && len >= ehl + 4) {
		out->sport = get16(e + ehl);
		out->dport = get16(e + ehl + 2);
	}
	return 0;
}

int fw_hc_tcp_parse(const uint8_t *pkt, size_t len, struct fw_hc_tcp *out)
{
	size_t hl = ip_hlen(pkt, len);

	if (hl == 0 || pkt[9] != IPPROTO_TCP || len < hl + 20)
		return -EINVAL;
	if ((get16(pkt + 6) & 0x1fff) != 0) /* a later fragment has no ports */
		return -EINVAL;
	out->src = get32(pkt + 12);
	out->dst = get32(pkt + 16);
	out->sport = get16(pkt + hl);
	out->dport = get16(pkt + hl + 2);
	out->flags = pkt[hl + 13];
	return 0;
}

static void get6(struct fw_ip6 *a, const uint8_t *p)
{
	memcpy(a, p, sizeof(*a));
}

/* The packet in error inside a Redirect: its Redirected Header option (type 4). */
static const uint8_t *redirected(const uint8_t *msg, size_t len, size_t *elen)
{
	size_t off = 40; /* type, code, checksum, reserved, target, destination */

	while (off + 8 <= len) {
		size_t olen = (size_t)msg[off + 1] * 8;

		if (olen == 0 || olen > len - off)
			return NULL; /* RFC 4861 8.1: a zero-length option invalidates the message */
		if (msg[off] == 4) {
			*elen = olen - 8;
			return msg + off + 8;
		}
		off += olen;
	}
	return NULL;
}

int fw_hc_icmp6_parse(const uint8_t *msg, size_t len, const struct fw_ip6 *from,
		      struct fw_hc_icmp6 *out)
{
	const uint8_t *e = NULL;
	size_t elen = 0;

	memset(out, 0, sizeof(*out));
	if (len < 8)
		return -EINVAL;
	switch (msg[0]) {
	case 1: /* destination unreachable */
	case 2: /* packet too big */
	case 3: /* time exceeded */
	case 4: /* parameter problem */
		e = msg + 8;
		elen = len - 8;
		break;
	case 137: /* redirect */
		e = redirected(msg, len, &elen);
		break;
	default:
		return -EINVAL;
	}
	if (e == NULL || elen < 40 || (e[0] >> 4) != 6)
		return -EINVAL;
	out->from = *from;
	out->type = msg[0];
	out->code = msg[1];
	if (msg[0] == 4)
		out->pointer = (uint32_t)get16(msg + 4) << 16 | get16(msg + 6);
	get6(&out->src, e + 8);
	get6(&out->dst, e + 24);
	out->proto = e[6];
	if (out->proto == 41) {
		out->ip6ip6 = 1;
		out->tunnel_dst = out->dst;
		out->proto = 0;
		e += 40;
		elen -= 40;
		if (elen < 40 || (e[0] >> 4) != 6)
			return 0; /* the inner header was cut off: the tunnel is still named */
		get6(&out->src, e + 8);
		get6(&out->dst, e + 24);
		out->proto = e[6];
	}
	if ((out->proto == IPPROTO_TCP || out->proto == IPPROTO_UDP) && elen >= 44) {
		out->sport = get16(e + 40);
		out->dport = get16(e + 42);
	}
	return 0;
}

enum fw_health_fail fw_hc_icmp6_verdict(const struct fw_hc_icmp6 *m)
{
	/* RFC 4443 3.4: code 1 points at the next-header field naming what is unknown */
	if (m->ip6ip6 && m->type == 4 && m->code == 1 && m->pointer == 6)
		return FW_HC_NO_DECAP;
	if (!m->ip6ip6 && (m->type == 137 || (m->type == 1 && (m->code == 0 || m->code == 3))))
		return FW_HC_NOT_LOCAL;
	return FW_HC_ICMP;
}

const char *fw_hc_icmp6_name(uint8_t type, uint8_t code)
{
	static const char *const unreach[] = {
		"no route to destination",
		"communication administratively prohibited",
		"beyond scope of source address",
		"address unreachable",
		"port unreachable",
		"source address failed ingress/egress policy",
		"reject route to destination",
	};
	static const char *const param[] = {
		"parameter problem: erroneous header field",
		"parameter problem: unrecognized next header",
		"parameter problem: unrecognized IPv6 option",
	};

	switch (type) {
	case 1:
		return code < sizeof(unreach) / sizeof(unreach[0]) ? unreach[code]
								   : "destination unreachable";
	case 2:
		return "packet too big";
	case 3:
		return code == 1 ? "fragment reassembly time exceeded"
				 : "hop limit exceeded in transit";
	case 4:
		return code < sizeof(param) / sizeof(param[0]) ? param[code] : "parameter problem";
	case 137:
		return "redirect";
	}
	return "error";
}

/* ---- reasons ------------------------------------------------------------------------------ */

const char *fw_hc_icmp_name(uint8_t type, uint8_t code)
{
	static const char *const unreach[] = {
		"network unreachable",
		"host unreachable",
		"protocol unreachable",
		"port unreachable",
		"fragmentation needed",
		"source route failed",
		"destination network unknown",
		"destination host unknown",
		"source host isolated",
		"network administratively prohibited",
		"host administratively prohibited",
		"network unreachable for TOS",
		"host unreachable for TOS",
		"communication administratively prohibited",
		"host precedence violation",
		"precedence cutoff in effect",
	};

	switch (type) {
	case 3:
		return code < sizeof(unreach) / sizeof(unreach[0]) ? unreach[code]
								   : "destination unreachable";
	case 4:
		return "source quench";
	case 5:
		return "redirect";
	case 11:
		return code == 1 ? "fragment reassembly time exceeded" : "TTL exceeded in transit";
	case 12:
		return "parameter problem";
	}
	return "error";
}

static const char *ip(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* The IPv6 reasons: the same sentences with [VIP]:port, /128, NDP, ICMPv6, ip6ip6. */
static char *reason6(char *buf, size_t len, const struct fw_hc_failure *f)
{
	char v[INET6_ADDRSTRLEN], o[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &f->vip6, v, sizeof(v));
	inet_ntop(AF_INET6, &f->from6, o, sizeof(o));
	inet_ntop(AF_INET6, &f->nexthop6, n, sizeof(n));
	switch (f->kind) {
	case FW_HC_NO_ANSWER:
		if (f->l3)
			snprintf(
				buf, len,
				"no answer from VIP [%s]:%u via the IPv6-in-IPv6 path within %u s: "
				"is the backend's ip6ip6 tunnel up, with %s/128 on lo (and no "
				"reverse-path filter rule dropping what it decapsulates)?",
				v, f->port, f->timeout, v);
		else
			snprintf(buf, len,
				 "no answer from VIP [%s]:%u via the DSR path within %u s: is "
				 "%s/128 on the backend's lo?",
				 v, f->port, f->timeout, v);
		return buf;
	case FW_HC_RESET:
		snprintf(buf, len, "reset: nothing listens on [%s]:%u on the backend", v, f->port);
		return buf;
	case FW_HC_WRONG_SOURCE:
		snprintf(buf, len,
			 "answered by the wrong address: [%s]:%u instead of VIP [%s]:%u (the "
			 "backend must answer from the VIP: no source NAT on its replies)",
			 o, f->from_port, v, f->port);
		return buf;
	case FW_HC_NO_DECAP:
		snprintf(buf, len,
			 "ICMPv6 parameter problem (unrecognized next header 41) from %s: the "
			 "backend has no IPv6-in-IPv6 decapsulation (ip6_tunnel module or its "
			 "ip6ip6 tunnel down)",
			 o);
		return buf;
	case FW_HC_NOT_LOCAL:
		snprintf(buf, len,
			 "VIP not configured on the backend: it routes the probe to [%s]:%u on "
			 "instead of taking it (ICMPv6 %s from %s): put %s/128 on its lo",
			 v, f->port, fw_hc_icmp6_name(f->icmp_type, f->icmp_code), o, v);
		return buf;
	case FW_HC_ICMP:
		if (f->err == 0)
			snprintf(buf, len, "ICMPv6 %s from %s about the probe to [%s]:%u",
				 fw_hc_icmp6_name(f->icmp_type, f->icmp_code), o, v, f->port);
		else
			snprintf(buf, len, "ICMPv6 error about the probe to [%s]:%u (%s)", v,
				 f->port, strerror(f->err));
		return buf;
	case FW_HC_UNRESOLVED:
		if (f->l3)
			snprintf(buf, len,
				 "the next hop %s towards the backend does not answer Neighbor "
				 "Solicitations",
				 n);
		else
			snprintf(buf, len, "the backend %s does not answer Neighbor Solicitations",
				 n);
		return buf;
	default: /* the family plays no part in the others */
		return NULL;
	}
}

char *fw_hc_reason(char *buf, size_t len, const struct fw_hc_failure *f)
{
	char v[INET_ADDRSTRLEN], o[INET_ADDRSTRLEN];
	const char *path = f->path != NULL ? f->path : "/";

	if (f->family == FW_AF_INET6 && reason6(buf, len, f) != NULL)
		return buf;
	ip(f->vip, v);
	ip(f->from, o);
	switch (f->kind) {
	case FW_HC_OK:
		snprintf(buf, len, "%s", "");
		break;
	case FW_HC_NO_ANSWER:
		if (f->l3)
			snprintf(buf, len,
				 "no answer from VIP %s:%u via the IP-in-IP path within %u s: is "
				 "the backend's tunnel up, with %s on it (rp_filter 0 or 2)?",
				 v, f->port, f->timeout, v);
		else
			snprintf(buf, len,
				 "no answer from VIP %s:%u via the DSR path within %u s: is %s/32 "
				 "on the backend's lo?",
				 v, f->port, f->timeout, v);
		break;
	case FW_HC_RESET:
		snprintf(buf, len, "reset: nothing listens on %s:%u on the backend", v, f->port);
		break;
	case FW_HC_WRONG_SOURCE:
		snprintf(buf, len,
			 "answered by the wrong address: %s:%u instead of VIP %s:%u (the backend "
			 "must answer from the VIP: no source NAT on its replies)",
			 o, f->from_port, v, f->port);
		break;
	case FW_HC_HTTP_STATUS:
		snprintf(buf, len, "HTTP status %d for GET %s (healthy is 2xx or 3xx)", f->status,
			 path);
		break;
	case FW_HC_HTTP_BAD:
		switch (f->http) {
		case FW_HC_HTTP_CLOSED:
			snprintf(buf, len, "connection closed before an HTTP status line (GET %s)",
				 path);
			break;
		case FW_HC_HTTP_RESET:
			snprintf(buf, len, "reset after GET %s, before an HTTP status line", path);
			break;
		case FW_HC_HTTP_TIMEOUT:
			snprintf(buf, len, "no HTTP status line within %u s after GET %s",
				 f->timeout, path);
			break;
		default:
			snprintf(buf, len, "not an HTTP answer to GET %s", path);
			break;
		}
		break;
	case FW_HC_NO_DECAP:
		snprintf(buf, len,
			 "ICMP protocol unreachable from %s: the backend has no IP-in-IP "
			 "decapsulation (ipip module or tunnel down)",
			 o);
		break;
	case FW_HC_ICMP:
		if (f->from != 0)
			snprintf(buf, len, "ICMP %s from %s about the probe to %s:%u",
				 fw_hc_icmp_name(f->icmp_type, f->icmp_code), o, v, f->port);
		else
			snprintf(buf, len, "ICMP error about the probe to %s:%u (%s)", v, f->port,
				 strerror(f->err));
		break;
	case FW_HC_UNRESOLVED:
		if (f->l3)
			snprintf(buf, len,
				 "the next hop %s towards the backend does not answer ARP",
				 ip(f->nexthop, o));
		else
			snprintf(buf, len, "the backend %s does not answer ARP", ip(f->nexthop, o));
		break;
	case FW_HC_NOT_INSTALLED:
		snprintf(buf, len, "the VIP or backend is not in the forwarding state");
		break;
	case FW_HC_LOCAL:
		snprintf(buf, len, "Tula cannot send the probe: %s: %s",
			 f->what != NULL ? f->what : "socket", strerror(f->err));
		break;
	case FW_HC_NOT_LOCAL:
		snprintf(buf, len,
			 "VIP not configured on the backend: it routes the probe to %s:%u on "
			 "instead of taking it (ICMP %s from %s): put %s/32 on its lo",
			 v, f->port, fw_hc_icmp_name(f->icmp_type, f->icmp_code), o, v);
		break;
	}
	return buf;
}

const char *fw_health_state_name(enum fw_health_state s)
{
	switch (s) {
	case FW_HEALTH_DISABLED:
		return "disabled";
	case FW_HEALTH_UNCHECKED:
		return "unchecked";
	case FW_HEALTH_UP:
		return "up";
	case FW_HEALTH_DOWN:
		return "down";
	}
	return "?";
}

const char *fw_health_fail_name(enum fw_health_fail f)
{
	switch (f) {
	case FW_HC_OK:
		return "";
	case FW_HC_NO_ANSWER:
		return "no-answer";
	case FW_HC_RESET:
		return "reset";
	case FW_HC_WRONG_SOURCE:
		return "wrong-address";
	case FW_HC_HTTP_STATUS:
		return "http-status";
	case FW_HC_HTTP_BAD:
		return "http-no-status";
	case FW_HC_NO_DECAP:
		return "no-ipip-decapsulation";
	case FW_HC_ICMP:
		return "icmp-error";
	case FW_HC_UNRESOLVED:
		return "no-arp-answer";
	case FW_HC_NOT_INSTALLED:
		return "not-installed";
	case FW_HC_LOCAL:
		return "local-error";
	case FW_HC_NOT_LOCAL:
		return "vip-not-on-backend";
	}
	return "?";
}
