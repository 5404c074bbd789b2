/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * firmware/-private: the pure parts of the health checker (fw_health_probe.c), kept
 * apart from the sockets and timers so that unit tests drive them directly — the
 * rise/fall state machine, HTTP status lines, the packets the raw observers see, and
 * the operator's reason texts.
 */
#ifndef FW_HEALTH_PRIV_H
#define FW_HEALTH_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "firmware/control/fw_health.h"
#include "firmware/fw_state.h"

/* ---- rise / fall ---------------------------------------------------------------------- */

struct fw_hc_sm {
	enum fw_health_state state; /* UNCHECKED, UP or DOWN */
	uint32_t successes;	    /* passed probes in a row */
	uint32_t failures;	    /* failed probes in a row */
};

/*
 * Feed one probe result. UNCHECKED becomes UP on a pass and DOWN after `fall` failures
 * in a row; UP becomes DOWN after `fall` failures in a row; DOWN becomes UP after
 * `rise` passes in a row. Returns 1 when the state changed, else 0.
 */
int fw_hc_sm_feed(struct fw_hc_sm *sm, int ok, uint32_t rise, uint32_t fall);

/* ---- HTTP ----------------------------------------------------------------------------- */

/*
 * The status of an HTTP response whose first len bytes are buf ("HTTP/1.1 200 OK\r\n").
 * Returns 1 with *status (100..599) once the status line is complete, 0 while more
 * bytes are needed, -EPROTO when it is not an HTTP status line.
 */
int fw_hc_http_status(const char *buf, size_t len, int *status);

/* 1 for a healthy status (2xx, 3xx), else 0. */
int fw_hc_http_healthy(int status);

/* ---- what the raw observers see --------------------------------------------------------- */

/* An ICMP error about one of Tula's packets (raw ICMP socket: IPv4 header first). */
struct fw_hc_icmp {
	uint32_t from; /* who sent the error (network order) */
	uint8_t type, code;
	uint8_t ipip;	       /* the packet in error was IP-in-IP */
	uint32_t tunnel_dst;   /* ipip: its outer destination (the backend) */
	uint32_t src, dst;     /* the probe's own addresses (inner header for ipip) */
	uint8_t proto;	       /* its protocol (0 when the inner header was cut off) */
	uint16_t sport, dport; /* host order; 0 when cut off */
};

/*
 * Parse an ICMP error (types 3, 4, 5, 11, 12) from an IPv4 packet. Returns 0, or
 * -EINVAL when pkt is not an ICMP error or too short to say which packet it is about.
 */
int fw_hc_icmp_parse(const uint8_t *pkt, size_t len, struct fw_hc_icmp *out);

/* A TCP segment (raw TCP socket: IPv4 header first). */
struct fw_hc_tcp {
	uint32_t src, dst;     /* network order */
	uint16_t sport, dport; /* host order */
	uint8_t flags;
};
/* Returns 0 or -EINVAL (not a complete IPv4/TCP header, or a later fragment). */
int fw_hc_tcp_parse(const uint8_t *pkt, size_t len, struct fw_hc_tcp *out);

/*
 * An ICMPv6 message about one of Tula's IPv6 packets. A raw ICMPv6 socket reads the
 * message without its IPv6 header, so the sender comes from recvfrom.
 */
struct fw_hc_icmp6 {
	struct fw_ip6 from; /* who sent it */
	uint8_t type, code;
	uint32_t pointer;	  /* parameter problem: offset of the byte in error */
	uint8_t ip6ip6;		  /* the packet in error was IPv6-in-IPv6 (next header 41) */
	struct fw_ip6 tunnel_dst; /* ip6ip6: its outer destination (the backend) */
	struct fw_ip6 src, dst;	  /* the probe's own addresses (inner header for ip6ip6) */
	uint8_t proto;		  /* its next header (0 when the inner header was cut off) */
	uint16_t sport, dport;	  /* host order; 0 when cut off */
};

/*
 * Parse an ICMPv6 error (types 1-4, RFC 4443) or a Redirect (137, RFC 4861 8: the packet
 * in error sits in its Redirected Header option) from the message msg of len bytes.
 * Returns 0, or -EINVAL when it is neither or too short to say which packet it is
 * about. Extension headers in the quoted packet are not walked (probes carry none).
 */
int fw_hc_icmp6_parse(const uint8_t *msg, size_t len, const struct fw_ip6 *from,
		      struct fw_hc_icmp6 *out);

/*
 * What an ICMPv6 message about a probe says about the backend:
 *   FW_HC_NO_DECAP  ip6ip6 answered by "unrecognized next header" pointing at the outer
 *                   header's next-header byte (offset 6): no ip6_tunnel decapsulation;
 *   FW_HC_NOT_LOCAL an l2 probe answered by a redirect or "address unreachable" / "no
 *                   route" from the backend's side: the VIP is not one of its addresses;
 *   FW_HC_ICMP      anything else.
 */
enum fw_health_fail fw_hc_icmp6_verdict(const struct fw_hc_icmp6 *m);

/* "parameter problem: unrecognized next header" etc. */
const char *fw_hc_icmp6_name(uint8_t type, uint8_t code);

/* ---- reasons ----------------------------------------------------------------------------- */

/* Everything a reason text may name. */
struct fw_hc_failure {
	enum fw_health_fail kind;
	uint8_t l3;	    /* the VIP is in l3 (IP-in-IP) mode */
	uint8_t family;	    /* FW_AF_INET6: vip6, from6, nexthop6 instead of vip, from, nexthop */
	struct fw_ip6 vip6; /* and icmp_type/code are ICMPv6's */
	struct fw_ip6 from6;
	struct fw_ip6 nexthop6;
	uint32_t vip;	    /* network order */
	uint16_t port;	    /* the probed port */
	uint32_t from;	    /* WRONG_SOURCE, ICMP, NO_DECAP: who answered */
	uint16_t from_port; /* WRONG_SOURCE */
	uint32_t nexthop;   /* UNRESOLVED */
	int status;	    /* HTTP_STATUS */
	int http;	    /* HTTP_BAD: enum fw_hc_http_bad */
	uint8_t icmp_type, icmp_code;
	int err;	  /* LOCAL, and ICMP seen only as an errno */
	const char *what; /* LOCAL: the call that failed ("bind") */
	uint32_t timeout; /* seconds */
	const char *path; /* http-path */
};

enum fw_hc_http_bad {
	FW_HC_HTTP_CLOSED = 1, /* closed before a status line */
	FW_HC_HTTP_RESET,      /* reset after the request */
	FW_HC_HTTP_TIMEOUT,    /* no status line within the timeout */
	FW_HC_HTTP_GARBAGE,    /* not an HTTP status line */
};

/* The operator's sentence for f (what failed, and what to fix). Returns buf. */
char *fw_hc_reason(char *buf, size_t len, const struct fw_hc_failure *f);

/* "destination unreachable: protocol unreachable" etc. */
const char *fw_hc_icmp_name(uint8_t type, uint8_t code);

/* ---- the run time (fw_health.c) ---------------------------------------------------------- */

struct db_node;
/*
 * Bring the probes in line with cfg (an effective configuration tree): what the
 * commit hook does after each commit and at start-up; tests call it directly.
 * Returns 0, or -ENOMEM when some probe could not be created (logged). The number of
 * backends is not bounded by the probe ports (they bound the probes in flight).
 */
int fw_health_apply(struct fw_health *h, const struct db_node *cfg);

#endif
