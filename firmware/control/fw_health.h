/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Health checks that prove the DSR path, and ARP conflict detection.
 *
 * Probes. For every backend of a VIP with `health-check { type tcp | http; }` the
 * control side opens a kernel TCP socket from Tula's own address on the VIP's port,
 * bound to a source port of a reserved range leased to that attempt while it is in
 * flight, and connects to VIP:port. fw_ctl steers what the kernel sends from that port
 * through the DSR rewrite to that backend (MAC rewrite, or IP-in-IP with the outer
 * source data uses), so the
 * backend only answers when it accepts traffic for the VIP the way real traffic
 * arrives; it answers Tula's address directly, and the data path punts the answer to
 * the kernel. `tcp` passes on a completed handshake; `http` sends `GET http-path` and
 * passes on a 2xx or 3xx status line. A probe is closed with a reset (SO_LINGER 0):
 * no TIME_WAIT, so a port serves the next attempt (of any backend) at once. The range
 * bounds the probes in flight, not the backends: probes are spread over their interval,
 * and one due while every port is in flight waits for one (fw_health_ports).
 *
 * Why a probe failed (enum fw_health_fail): no answer (timeout); reset (nothing
 * listens); answered by the wrong address (a TCP segment for the probe's port from an
 * address other than VIP:port, seen by a raw TCP socket); HTTP status; ICMP protocol
 * unreachable for an IP-in-IP probe (the backend cannot decapsulate), or another ICMP
 * error about the probe (seen by a raw ICMP socket); backend or next hop without a
 * MAC; VIP not installed; a local socket error.
 *
 * State per (VIP, backend), enum fw_health_state. A backend starts UNCHECKED, which
 * forwards like UP (as HAProxy starts servers up): a commit or a restart never takes
 * a healthy backend out, and a dead one goes DOWN after `fall` failed probes in a row.
 * A DOWN backend is never chosen (fw_ctl_set_backend_up: only its flows move) and
 * comes back UP after `rise` passed probes in a row. The state of an existing
 * (VIP name, backend address) survives commits; every change is logged with the VIP,
 * the backend and the reason. While the backend's (or its next hop's) MAC is still
 * being asked for, probes wait and count nothing; once ARP has failed they fail.
 *
 * ARP conflicts. Every 3 s Tula asks its segment who has each VIP address (on the
 * VIP's port); any answer — or any ARP announcing the VIP — from a MAC that is not
 * Tula's means a host (usually a backend without arp_ignore=1 / arp_announce=2) can
 * steal the VIP's traffic. A conflict is logged once per (VIP, MAC) and listed until
 * the MAC has stayed silent for 3 rounds (then "over" is logged).
 *
 * IPv6. A v6 VIP's probes go from Tula's v6 self address to [VIP]:port the same way
 * (IPv6-in-IPv6 in l3 mode). A Linux backend drops a probe for an address it does not
 * have (no answer: the reason asks for the VIP on lo), or, routing, sends an ICMPv6
 * redirect ("VIP not configured on the backend"); without IPv6-in-IPv6 decapsulation it
 * answers with a parameter problem "unrecognized next header" (41). NDP conflicts: every
 * round Tula also solicits each v6 VIP; an advertisement for it (or a solicitation from
 * it, or a duplicate address probe for it) from another MAC is a conflict, named after
 * the backend whose own advertisement came from that MAC.
 *
 * Thread: the control thread (the tula_loop's) only. Nothing here touches a worker.
 */
#ifndef FW_HEALTH_H
#define FW_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "firmware/fw_state.h"

struct db;
struct fw_ctl;
struct fw_ip6;
struct fw_health;
struct tula_loop;

#define FW_HEALTH_REASON_MAX 256

enum fw_health_state {
	FW_HEALTH_DISABLED = 0, /* no health-check (or type none): always usable */
	FW_HEALTH_UNCHECKED,	/* checked, no verdict yet: forwards like up */
	FW_HEALTH_UP,
	FW_HEALTH_DOWN, /* never chosen */
};

/* Why the last probe failed. */
enum fw_health_fail {
	FW_HC_OK = 0,
	FW_HC_NO_ANSWER,     /* no SYN-ACK within the timeout */
	FW_HC_RESET,	     /* connection refused: nothing listens on VIP:port */
	FW_HC_WRONG_SOURCE,  /* a reply came from another address than VIP:port */
	FW_HC_HTTP_STATUS,   /* an HTTP status other than 2xx / 3xx */
	FW_HC_HTTP_BAD,	     /* no usable HTTP answer (closed, reset, timeout, not HTTP) */
	FW_HC_NO_DECAP,	     /* ICMP protocol 4 unreachable: no IP-in-IP decapsulation */
	FW_HC_ICMP,	     /* another ICMP error about the probe */
	FW_HC_UNRESOLVED,    /* the backend (L2) or its next hop (L3) has no MAC */
	FW_HC_NOT_INSTALLED, /* the VIP or backend is not in the forwarding state */
	FW_HC_LOCAL,	     /* Tula could not send the probe (socket error) */
	FW_HC_NOT_LOCAL,     /* the backend routes the probe on: the VIP is not its address */
};

/* Knobs with defaults (all 0 = default). Tests shrink time; the daemon passes NULL. */
struct fw_health_params {
	uint32_t ms_per_second;	  /* length of a configured second (1000) */
	uint32_t arp_interval_ms; /* who-has for every VIP this often (3000) */
	uint32_t arp_expire;	  /* a conflict is cleared after this many silent rounds (3) */
	uint16_t port_base;	  /* probe source ports: port_base .. + port_count - 1, */
	uint16_t port_count;	  /* one per probe in flight (24576, 8192: below the ephemeral
				   * range) */
	uint32_t port_linger_ms;  /* a returned port rests this long before its next lease
				   * (500) */
	uint32_t check_wait_ms;	  /* longest wait of fw_health_check_start (10000) */
	int no_observers;	  /* 1: no raw ICMP/TCP sockets (unprivileged tests) */
};

struct fw_health_conf {
	struct tula_loop *loop;
	struct db *db;	    /* its commit hook ("health") reconfigures the probes */
	struct fw_ctl *ctl; /* steering, backend up/down, ARP, forwarding state */
	const struct fw_health_params *params; /* NULL = defaults */
};

/*
 * Create the health checker, register its commit hook with db (after fw_ctl's, so it
 * sees the state fw_ctl just published), take fw_ctl's ARP observer and reserve the
 * probe ports (net.ipv4.ip_local_reserved_ports, when they overlap the ephemeral
 * range). Without CAP_NET_RAW the ICMP and wrong-address reasons are unavailable (a
 * warning is logged; probes still run). Returns NULL with errno on failure.
 */
struct fw_health *fw_health_new(const struct fw_health_conf *conf);
/* Stop every probe, unregister, free. NULL is ignored. */
void fw_health_free(struct fw_health *h);

/* One backend's health (fw_health_get). */
struct fw_health_status {
	enum fw_health_state state;
	enum fw_health_fail fail;	   /* of the last failed probe still relevant */
	char reason[FW_HEALTH_REASON_MAX]; /* its text; "" when up and the last probe passed */
	int64_t since;			   /* unix time of the last state change */
	int last_ok;			   /* last probe: 1 passed, 0 failed, -1 none yet */
	int64_t last_probe;		   /* unix time it finished, 0 = none */
	uint32_t latency_us;		   /* duration of the last passed probe */
	uint32_t successes, failures;	   /* in a row */
	uint64_t probes, failed;	   /* since the backend was configured */
	uint32_t rise, fall;		   /* as configured (0 when disabled) */
};

/*
 * Health of backend be_addr (network order) of VIP vip (configuration name) as of
 * the last probe. Returns 0, or -ENOENT when the pair is not in the active
 * configuration.
 */
int fw_health_get(const struct fw_health *h, const char *vip, uint32_t be_addr,
		  struct fw_health_status *out);
/* The same for an IPv6 backend (be_addr in network order). */
int fw_health_get6(const struct fw_health *h, const char *vip, const struct fw_ip6 *be_addr,
		   struct fw_health_status *out);

/*
 * 1 when the VIP has a backend that may be chosen by health (not DOWN), 0 when every
 * backend is DOWN (the data path then drops the VIP's packets as no-usable-backend),
 * -ENOENT for an unknown VIP.
 */
int fw_health_vip_up(const struct fw_health *h, const char *vip);

/* An ARP conflict: a MAC other than Tula's answering for (or announcing) a VIP; or an
 * NDP conflict: one advertising, soliciting from or probing for a v6 VIP. */
struct fw_health_conflict {
	const char *vip;   /* VIP name */
	uint32_t vip_addr; /* network order */
	const char *port;  /* interface name ("port0") */
	struct rte_ether_addr mac;
	const char *backend;	       /* the backend with that MAC (name), or NULL */
	const char *backend_vip;       /* the VIP that backend belongs to, or NULL */
	uint32_t host;		       /* an address known to use that MAC (0 = unknown) */
	int64_t first_seen, last_seen; /* unix time */
	uint64_t answers;
	/* FW_AF_INET6: an NDP conflict — vip_addr6 and host6 (the claim's IPv6 source, ::
	 * for a duplicate address probe) instead of vip_addr and host */
	uint8_t family;
	struct fw_ip6 vip_addr6, host6;
	const char *claim; /* what the host did: "answers Neighbor Solicitations for it" */
};
/* Visit the current conflicts (oldest first); fn may be NULL. Returns the count. */
size_t fw_health_conflicts(const struct fw_health *h,
			   void (*fn)(void *arg, const struct fw_health_conflict *c), void *arg);

/* The outcome of one probe of a `request services dsr check` run. */
struct fw_health_result {
	const char *backend; /* name */
	uint32_t addr;
	uint8_t family;	   /* FW_AF_INET6: addr6 instead of addr */
	uint8_t addr6[16]; /* network order (a struct fw_ip6's bytes) */
	int done;	   /* 0: still running when the wait ended */
	int ok;
	uint32_t latency_us; /* how long it took (pass or fail) */
	enum fw_health_fail fail;
	const char *reason;	    /* "" when ok */
	enum fw_health_state state; /* the backend's state after this probe */
	uint32_t successes, failures, rise, fall;
};

/*
 * `request services dsr check vip NAME`: abandon the VIP's probes in flight and probe
 * every backend now. The control thread goes on serving meanwhile; once every probe
 * has its answer (or the check's timeout, capped at check_wait_ms, has passed), done
 * runs from the loop with one result per backend, in configuration order (strings
 * valid during the call), and the run is freed. The probes count towards rise/fall like
 * scheduled ones. Returns the run (cancel it with fw_health_check_cancel if the caller
 * goes away first), or NULL with errno: ENOENT (no such VIP), ENOTSUP (the VIP has no
 * health check), ENOMEM.
 */
struct fw_health_run;
typedef void (*fw_health_done_fn)(void *arg, const struct fw_health_result *r, size_t n);
struct fw_health_run *fw_health_check_start(struct fw_health *h, const char *vip,
					    fw_health_done_fn done, void *arg);
/* Forget the run: done will not be called. The probes go on as scheduled ones. */
void fw_health_check_cancel(struct fw_health_run *run);

/* The check a VIP runs, as configured (fw_health_vip_check). */
struct fw_health_check {
	const char *type;			/* "tcp", "http" or "none" */
	uint16_t port;				/* probed port */
	const char *path;			/* http-path (type http) */
	uint32_t interval, timeout, rise, fall; /* seconds, counts */
};
/* Returns 0 or -ENOENT. */
int fw_health_vip_check(const struct fw_health *h, const char *vip, struct fw_health_check *out);

/* The probe source ports (`show services dsr health`). */
struct fw_health_ports {
	uint16_t first, count;	  /* the range */
	uint32_t in_flight, peak; /* leased now, and at most since start */
	uint32_t waiting;	  /* probes due now that wait for a port */
	uint64_t delayed;	  /* probes that had to wait for a port, since start */
};
void fw_health_ports(const struct fw_health *h, struct fw_health_ports *out);

/* "up", "down", "unchecked", "disabled". */
const char *fw_health_state_name(enum fw_health_state s);
/* "no-answer", "reset", "wrong-address", "http-status", ... ("" for FW_HC_OK). */
const char *fw_health_fail_name(enum fw_health_fail f);

/*
 * Declare `request services dsr check vip NAME` and `show services dsr health [vip
 * NAME]` (fw_health_cmd.c). Returns 0 or what sh_cmd_register returned.
 */
int fw_health_cmds_register(struct fw_health *h);
void fw_health_cmds_unregister(void);

#endif
