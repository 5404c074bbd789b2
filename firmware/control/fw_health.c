/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health checker's run time (fw_health.h has the whole picture): one probe per
 * (VIP, backend) on the control thread's loop — a non-blocking kernel socket, a
 * periodic timer and a deadline — and the ARP conflict watch.
 *
 * Source ports. Seen from Tula's kernel a probe is the 4-tuple (self address, source
 * port, VIP, checked port): every backend of a VIP shares all of it but the source
 * port, and fw_ctl steers what the kernel sends by that port alone, as the observers
 * match replies by it. So a source port is leased to one attempt at a time, for as
 * long as it is in flight, from a reserved range: the range bounds how many probes
 * are in flight at once, not how many backends are checked. A probe due while every
 * port is in use waits in line (counted as delayed, shown by `show services dsr
 * health`) and starts as soon as one comes back. A returned port keeps steering to
 * its last backend (the reset that closed the probe, or the one answering a late
 * SYN-ACK, still reaches it) and is leased again only after the others (first in,
 * first out) and never within port_linger_ms (500 ms by default) of its return: the
 * closing reset has left the TAP by then, and the same 4-tuple rarely meets the same
 * backend twice in a row (a backend still holding a half-open connection from an
 * abandoned attempt would answer a new SYN on it with an ACK of the old one). First
 * probes are spread over the whole interval, so 20 000 backends do not all start in
 * the same second.
 *
 * Two raw sockets watch what the kernel's TCP cannot report: ICMP errors about a
 * probe (an IP-in-IP probe
 * answered "protocol 4 unreachable" comes back with the probe's own headers inside)
 * and TCP segments for a probe port from an address other than the VIP (a backend
 * that answers from its real address). Either concludes the probe at once.
 *
 * `request services dsr check` restarts a VIP's probes and reports when they have all
 * answered (or the wait ended), from the loop: the command waits, the control side
 * does not (the shell's deferred completion, sh_ctx_defer).
 */
#include "firmware/control/fw_health.h"

#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db.h"
#include "firmware/control/fw_ctl.h"
#include "firmware/control/fw_health_priv.h"
#include "firmware/control/fw_ndp.h"
#include "firmware/control/fw_neigh.h"
#include "firmware/fw_state.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEF_MS_PER_SECOND 1000
#define DEF_ARP_INTERVAL  3000
#define DEF_ARP_EXPIRE	  3
#define DEF_PORT_BASE	  24576 /* up to 32767: below Linux's default ephemeral range */
#define DEF_PORT_COUNT	  8192	/* probes in flight at once, at most */
#define DEF_PORT_LINGER	  500	/* ms a returned port rests before it is leased again */
#define DEF_CHECK_WAIT	  10000
#define RX_MAX		  512
#define ND_MACS		  64 /* v6 backend MACs remembered for naming NDP conflicts */
#define ND_SOLICIT_MAX	  64 /* backends asked for at once to name a conflict */
#define PATH_MAX_LEN	  256

#define PORT_LINGER(h) ((h)->p.port_linger_ms ? (h)->p.port_linger_ms : DEF_PORT_LINGER)

#define RESERVED_PORTS "/proc/sys/net/ipv4/ip_local_reserved_ports"
#define PORT_RANGE     "/proc/sys/net/ipv4/ip_local_port_range"

enum { T_NONE = 0, T_TCP, T_HTTP };
enum { PH_IDLE = 0, PH_CONNECT, PH_READ };

/* One (VIP, backend). Owner: struct fw_health (probes[]); control thread. */
struct probe {
	struct fw_health *h;
	int live; /* named by the configuration being applied */
	char vip[FW_STATE_NAME_MAX];
	char be[FW_STATE_NAME_MAX];
	uint8_t family; /* FW_AF_INET6: be6 and vip6 instead of be_addr and vip_addr */
	uint32_t be_addr;
	struct fw_ip6 be6;
	struct fw_ip6 vip6;

	/* the VIP and its check, as configured */
	uint32_t vip_addr;
	uint8_t proto;
	uint16_t vip_port;
	uint8_t l3;
	uint8_t type;
	uint16_t port;
	char path[PATH_MAX_LEN];
	uint32_t interval, timeout, rise, fall;
	struct port *lease;	 /* leased while an attempt is in flight */
	uint16_t sport;		 /* the source port of the attempt in flight (or last) */
	LIST_HEAD(, port) owned; /* ports still steered to this backend */
	int waiting;		 /* in h->waiting: due, but no port was free */
	struct probe *hnext;	 /* in h->hash's chain */
	TAILQ_ENTRY(probe) wait_link;

	/* the probe in flight */
	int fd;
	int phase;
	uint64_t started_ms, started_us;
	char rx[RX_MAX];
	size_t rxlen;
	struct fw_hc_failure seen; /* an observer's finding about this probe */
	struct tula_timer *tick, *deadline;
	int sync, sync_done; /* restarted by a `request services dsr check` run */

	/* the verdict */
	struct fw_hc_sm sm;
	int64_t since;
	enum fw_health_fail fail; /* status: why down / failing */
	char reason[FW_HEALTH_REASON_MAX];
	enum fw_health_fail last_fail; /* the last probe's own outcome */
	char last_reason[FW_HEALTH_REASON_MAX];
	int last_ok;
	int64_t last_probe;
	uint32_t latency_us, last_us;
	uint64_t probes, failed;
};

/* One source port of the probe range. Owner: struct fw_health (ports[]). */
struct port {
	struct probe *owner;	 /* the lessee, or the last one (its steering stays) */
	LIST_ENTRY(port) owned;	 /* in owner->owned */
	STAILQ_ENTRY(port) free; /* in h->free_ports while not leased */
	uint64_t free_at;	 /* ms: not leased again before */
	uint16_t num;
	uint8_t leased;
};

static void runs_progress(struct fw_health *h);
static void run_free(struct fw_health_run *run);

struct conflict {
	char vip[FW_STATE_NAME_MAX];
	uint32_t vip_addr;
	/* FW_AF_INET6: an NDP conflict, named when it was seen (ndp6's fw_ndp_conflict) */
	uint8_t family;
	uint8_t claim;	/* enum fw_ndp_claim */
	uint8_t logged; /* its first log line was written (named when it could be) */
	struct fw_ip6 vip6, host6;
	char backend[FW_STATE_NAME_MAX], backend_vip[FW_STATE_NAME_MAX];
	uint16_t port_id;
	struct rte_ether_addr mac;
	int64_t first_seen, last_seen;
	uint64_t last_ms;
	uint64_t answers;
};

struct fw_health {
	struct tula_loop *loop;
	struct db *db;
	struct fw_ctl *ctl;
	struct fw_health_params p;

	struct probe **probes; /* in configuration order */
	size_t nb, cap;
	/* every probe by (VIP name, backend address): a commit or a show of 20 000
	 * backends looks each one up */
	struct probe **hash;
	uint32_t hmask, hcount;
	struct port *ports;		    /* [port_count]: port_base + i */
	STAILQ_HEAD(, port) free_ports;	    /* oldest return first */
	TAILQ_HEAD(, probe) waiting;	    /* due probes without a port, in order */
	struct tula_timer *port_timer;	    /* starts waiting probes when a port is free */
	uint32_t in_flight, peak_in_flight; /* ports leased */
	uint32_t nb_waiting;
	uint64_t delayed; /* probes that had to wait for a port */
	uint32_t spread;  /* spreads first probes over their interval */

	int icmp_fd, tcp_fd;
	int icmp6_fd, tcp6_fd; /* the same observers for IPv6 probes */
	struct tula_timer *arp_timer;
	struct conflict *conflicts;
	size_t nb_conflicts, cap_conflicts;
	/* MACs of v6 backends as their own Neighbor Advertisements told (a ring): they name
	 * the host behind an NDP conflict, whose messages come from the VIP, not from the
	 * backend's address */
	struct nd_mac {
		struct fw_ip6 addr;
		struct rte_ether_addr mac;
	} nd_macs[ND_MACS];
	unsigned int nd_next;

	char *reserved_old; /* ip_local_reserved_ports before we added ours */
	int hooked;
	LIST_HEAD(, fw_health_run) runs; /* `request services dsr check` in progress */
};

static const struct db_hook hook;

static int64_t wall(void)
{
	return (int64_t)time(NULL);
}

/* Probe durations in microseconds (the loop's clock counts milliseconds). */
static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static const char *ip_str(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static int ip6_zero(const struct fw_ip6 *a)
{
	static const struct fw_ip6 zero;

	return fw_ip6_eq(a, &zero);
}

/* The backend's address as text, either family. */
static const char *be_str(const struct probe *p, char *buf)
{
	if (p->family == FW_AF_INET6)
		return inet_ntop(AF_INET6, &p->be6, buf, INET6_ADDRSTRLEN);
	return ip_str(p->be_addr, buf);
}

static uint64_t secs_ms(const struct fw_health *h, uint32_t s)
{
	return (uint64_t)s * h->p.ms_per_second;
}

/* ---- the forwarding state --------------------------------------------------------------- */

static int vip_slot(const struct fw_state *st, const struct probe *p)
{
	for (uint32_t i = 0; st != NULL && i < st->max_vips; i++) {
		const struct fw_state_vip *v = &st->vips[i];

		if (v->gen == 0 || v->family != p->family || strcmp(v->name, p->vip) != 0)
			continue;
		if (p->family == FW_AF_INET6 ? fw_ip6_eq(&v->addr6, &p->vip6)
					     : v->addr == p->vip_addr)
			return (int)i;
	}
	return -ENOENT;
}

static int backend_slot(const struct fw_state *st, int vslot, const struct probe *p)
{
	const struct fw_state_vip *v = &st->vips[vslot];

	for (uint16_t i = 0; i < v->nb_backends; i++) {
		const struct fw_state_backend *b = &st->backends[v->backends[i]];

		if (b->family == p->family &&
		    (p->family == FW_AF_INET6 ? fw_ip6_eq(&b->addr6, &p->be6)
					      : b->addr == p->be_addr))
			return v->backends[i];
	}
	return -ENOENT;
}

/* The v6 counterpart of source_addr: the port's global address sharing the most
 * leading bits with the VIP within its prefix, else its first. 0 or -ENOENT. */
static int source_addr6(const struct fw_state *st, const struct fw_state_vip *v, struct fw_ip6 *out)
{
	const struct fw_state_port *pt = &st->ports[v->port_index];

	for (uint8_t i = 0; i < pt->nb_addrs6; i++) {
		unsigned bits = pt->plens6[i], k;

		for (k = 0; k < bits; k++)
			if (((pt->addrs6[i].b[k / 8] ^ v->addr6.b[k / 8]) >> (7 - k % 8)) & 1)
				break;
		if (k == bits) {
			*out = pt->addrs6[i];
			return 0;
		}
	}
	if (pt->nb_addrs6 == 0)
		return -ENOENT;
	*out = pt->addrs6[0];
	return 0;
}

/* Tula's address to probe from: the VIP port's self address on the VIP's subnet, or
 * its first one. */
static uint32_t source_addr(const struct fw_state *st, const struct fw_state_vip *v)
{
	const struct fw_state_port *pt = &st->ports[v->port_index];

	for (uint8_t i = 0; i < pt->nb_addrs; i++) {
		uint32_t mask = pt->plens[i] ? htonl(~0u << (32 - pt->plens[i])) : 0;

		if (((pt->addrs[i] ^ v->addr) & mask) == 0)
			return pt->addrs[i];
	}
	return pt->nb_addrs ? pt->addrs[0] : 0;
}

/* ---- source ports ------------------------------------------------------------------------- */

/* Lease the port rested longest to p's attempt, or NULL when none is free yet. */
static struct port *lease_port(struct fw_health *h, struct probe *p)
{
	struct port *pt = STAILQ_FIRST(&h->free_ports);

	if (pt == NULL || pt->free_at > tula_now_ms())
		return NULL;
	STAILQ_REMOVE_HEAD(&h->free_ports, free);
	if (pt->owner != p) {
		if (pt->owner != NULL)
			LIST_REMOVE(pt, owned);
		pt->owner = p;
		LIST_INSERT_HEAD(&p->owned, pt, owned);
	}
	pt->leased = 1;
	p->lease = pt;
	p->sport = pt->num;
	if (++h->in_flight > h->peak_in_flight)
		h->peak_in_flight = h->in_flight;
	return pt;
}

/* Wake the waiting probes from the loop once the oldest returned port has rested. */
static void wake_waiting(struct fw_health *h)
{
	const struct port *pt = STAILQ_FIRST(&h->free_ports);
	uint64_t now = tula_now_ms();

	if (TAILQ_EMPTY(&h->waiting) || pt == NULL)
		return;
	tula_timer_arm(h->port_timer, pt->free_at > now ? pt->free_at - now : 0, 0);
}

/* The attempt is over: its port goes back (still steered to p's backend). */
static void return_port(struct fw_health *h, struct probe *p)
{
	struct port *pt = p->lease;

	if (pt == NULL)
		return;
	pt->leased = 0;
	pt->free_at = tula_now_ms() + PORT_LINGER(h);
	STAILQ_INSERT_TAIL(&h->free_ports, pt, free);
	p->lease = NULL;
	h->in_flight--;
	wake_waiting(h);
}

static void stop_waiting(struct fw_health *h, struct probe *p)
{
	if (!p->waiting)
		return;
	TAILQ_REMOVE(&h->waiting, p, wait_link);
	p->waiting = 0;
	h->nb_waiting--;
}

/* p's backend is gone or no longer checked: no port steers to it any more. */
static void unsteer(struct fw_health *h, struct probe *p)
{
	struct port *pt;

	while ((pt = LIST_FIRST(&p->owned)) != NULL) {
		LIST_REMOVE(pt, owned);
		pt->owner = NULL;
		fw_ctl_steer(h->ctl, pt->num, NULL);
	}
}

/* ---- verdicts ----------------------------------------------------------------------------- */

static void set_up(struct probe *p, int up)
{
	int rc = p->family == FW_AF_INET6
			 ? fw_ctl_set_backend6_up(p->h->ctl, p->vip, &p->be6, up)
			 : fw_ctl_set_backend_up(p->h->ctl, p->vip, p->be_addr, up);

	if (rc < 0)
		TLOG_ERR("health: VIP %s backend %s: cannot mark it %s: %s", p->vip, p->be,
			 up ? "up" : "down", strerror(-rc));
}

static void close_probe(struct probe *p)
{
	if (p->fd >= 0) {
		tula_loop_del_fd(p->h->loop, p->fd);
		close(p->fd); /* SO_LINGER 0: a reset, no TIME_WAIT */
		p->fd = -1;
	}
	return_port(p->h, p);
	tula_timer_disarm(p->deadline);
	p->phase = PH_IDLE;
}

/* The probe's outcome: ok, or f says why not. Feeds rise/fall and logs a change. */
static void finish(struct probe *p, int ok, const struct fw_hc_failure *f)
{
	enum fw_health_state old = p->sm.state;
	char a[INET6_ADDRSTRLEN];

	close_probe(p);
	p->last_us = (uint32_t)(now_us() - p->started_us);
	p->probes++;
	p->last_probe = wall();
	p->last_ok = ok;
	if (ok) {
		p->latency_us = p->last_us;
		p->last_fail = FW_HC_OK;
		p->last_reason[0] = '\0';
	} else {
		p->failed++;
		p->last_fail = f->kind;
		fw_hc_reason(p->last_reason, sizeof(p->last_reason), f);
		p->fail = f->kind;
		memcpy(p->reason, p->last_reason, sizeof(p->reason));
	}
	if (p->sync) {
		p->sync_done = 1;
		runs_progress(p->h);
	}
	if (!fw_hc_sm_feed(&p->sm, ok, p->rise, p->fall)) {
		if (ok && p->sm.state != FW_HEALTH_DOWN) {
			p->fail = FW_HC_OK;
			p->reason[0] = '\0';
		}
		return;
	}
	p->since = wall();
	be_str(p, a);
	switch (p->sm.state) {
	case FW_HEALTH_DOWN:
		TLOG_WARNING("health: VIP %s backend %s (%s) is down after %u failed probe(s): %s",
			     p->vip, p->be, a, p->sm.failures, p->reason);
		set_up(p, 0);
		break;
	case FW_HEALTH_UP:
		p->fail = FW_HC_OK;
		p->reason[0] = '\0';
		if (old == FW_HEALTH_DOWN) {
			TLOG_NOTICE("health: VIP %s backend %s (%s) is up after %u passed probe(s)",
				    p->vip, p->be, a, p->sm.successes);
			set_up(p, 1);
		} else {
			TLOG_INFO("health: VIP %s backend %s (%s) is up (first probe passed in "
				  "%u.%u ms)",
				  p->vip, p->be, a, p->last_us / 1000, p->last_us % 1000 / 100);
		}
		break;
	default:
		break;
	}
}

static void base_failure(const struct probe *p, struct fw_hc_failure *f, enum fw_health_fail k)
{
	memset(f, 0, sizeof(*f));
	f->kind = k;
	f->l3 = p->l3;
	f->family = p->family;
	f->vip = p->vip_addr;
	f->vip6 = p->vip6;
	f->port = p->port;
	f->timeout = p->timeout;
	f->path = p->path;
}

static void fail_with(struct probe *p, enum fw_health_fail k)
{
	struct fw_hc_failure f;

	base_failure(p, &f, k);
	finish(p, 0, &f);
}

static void fail_local(struct probe *p, const char *what, int err)
{
	struct fw_hc_failure f;

	base_failure(p, &f, FW_HC_LOCAL);
	f.what = what;
	f.err = err;
	finish(p, 0, &f);
}

/* A connect() that failed with err: what the kernel's TCP knows. */
static void fail_errno(struct probe *p, int err)
{
	struct fw_hc_failure f;

	if (err == ECONNREFUSED) { /* the VIP itself answered: nothing listens */
		fail_with(p, FW_HC_RESET);
		return;
	}
	if (p->seen.kind != FW_HC_OK) { /* an observer saw who answered and how */
		finish(p, 0, &p->seen);
		return;
	}
	switch (err) {
	case ETIMEDOUT:
		fail_with(p, FW_HC_NO_ANSWER);
		return;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENONET:
	case EPROTO:
	case ENOPROTOOPT:
	case EACCES:
		base_failure(p, &f, FW_HC_ICMP);
		f.err = err;
		finish(p, 0, &f);
		return;
	default:
		fail_local(p, "connect", err);
	}
}

/* ---- one probe ----------------------------------------------------------------------------- */

static void on_probe_fd(struct tula_loop *loop, int fd, uint32_t events, void *arg);

static int send_request(struct probe *p)
{
	char req[PATH_MAX_LEN + 200], host[INET6_ADDRSTRLEN + 2], a6[INET6_ADDRSTRLEN];
	int n;
	ssize_t w;

	if (p->family == FW_AF_INET6) /* RFC 9110 7.2: an IPv6 literal in brackets */
		snprintf(host, sizeof(host), "[%s]", inet_ntop(AF_INET6, &p->vip6, a6, sizeof(a6)));
	else
		ip_str(p->vip_addr, host);
	if (p->port != 80)
		n = snprintf(req, sizeof(req),
			     "GET %s HTTP/1.0\r\nHost: %s:%u\r\nUser-Agent: tula-health-check\r\n"
			     "Accept: */*\r\n\r\n",
			     p->path, host, p->port);
	else
		n = snprintf(req, sizeof(req),
			     "GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: tula-health-check\r\n"
			     "Accept: */*\r\n\r\n",
			     p->path, host);
	w = send(p->fd, req, (size_t)n, MSG_NOSIGNAL);
	if (w == n)
		return 0;
	return w < 0 ? -errno : -EMSGSIZE;
}

static void connected(struct probe *p)
{
	int rc;

	if (p->type == T_TCP) {
		finish(p, 1, NULL);
		return;
	}
	rc = send_request(p);
	if (rc < 0) {
		if (rc == -ECONNRESET || rc == -EPIPE) {
			struct fw_hc_failure f;

			base_failure(p, &f, FW_HC_HTTP_BAD);
			f.http = FW_HC_HTTP_RESET;
			finish(p, 0, &f);
		} else {
			fail_local(p, "send", -rc);
		}
		return;
	}
	p->phase = PH_READ;
	tula_loop_mod_fd(p->h->loop, p->fd, TULA_EV_READ);
}

static void http_bad(struct probe *p, int why)
{
	struct fw_hc_failure f;

	base_failure(p, &f, FW_HC_HTTP_BAD);
	f.http = why;
	finish(p, 0, &f);
}

static void readable(struct probe *p)
{
	struct fw_hc_failure f;
	int status = 0, rc;
	ssize_t n;

	n = recv(p->fd, p->rx + p->rxlen, sizeof(p->rx) - 1 - p->rxlen, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (errno == ECONNRESET)
			http_bad(p, FW_HC_HTTP_RESET);
		else
			fail_local(p, "recv", errno);
		return;
	}
	if (n == 0) {
		http_bad(p, FW_HC_HTTP_CLOSED);
		return;
	}
	p->rxlen += (size_t)n;
	rc = fw_hc_http_status(p->rx, p->rxlen, &status);
	if (rc == 0 && p->rxlen < sizeof(p->rx) - 1)
		return;
	if (rc <= 0) {
		http_bad(p, FW_HC_HTTP_GARBAGE);
		return;
	}
	if (fw_hc_http_healthy(status)) {
		finish(p, 1, NULL);
		return;
	}
	base_failure(p, &f, FW_HC_HTTP_STATUS);
	f.status = status;
	finish(p, 0, &f);
}

static void on_probe_fd(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct probe *p = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)loop;
	(void)events;
	if (p->fd != fd)
		return;
	if (p->phase == PH_CONNECT) {
		struct pollfd pf = {.fd = fd, .events = POLLOUT};

		/* poll first: a spurious call (the check's own wait) must not end a connect */
		if (poll(&pf, 1, 0) <= 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err != 0)
			fail_errno(p, err);
		else
			connected(p);
	} else if (p->phase == PH_READ) {
		readable(p);
	}
}

static void on_deadline(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct probe *p = arg;

	(void)loop;
	(void)t;
	if (p->phase == PH_CONNECT) {
		if (p->seen.kind != FW_HC_OK)
			finish(p, 0, &p->seen);
		else
			fail_with(p, FW_HC_NO_ANSWER);
	} else if (p->phase == PH_READ) {
		http_bad(p, FW_HC_HTTP_TIMEOUT);
	}
}

/* Tula's address for p's probe, and the VIP's, as socket addresses (port sport /
 * the checked port). 0, or -EADDRNOTAVAIL when the VIP's interface has none. */
static int endpoints(const struct fw_state *st, const struct fw_state_vip *v, const struct probe *p,
		     struct sockaddr_storage *src, struct sockaddr_storage *dst, socklen_t *len)
{
	memset(src, 0, sizeof(*src));
	memset(dst, 0, sizeof(*dst));
	if (p->family == FW_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)src,
				    *d6 = (struct sockaddr_in6 *)dst;
		struct fw_ip6 a;

		if (source_addr6(st, v, &a) < 0)
			return -EADDRNOTAVAIL;
		s6->sin6_family = d6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, &a, sizeof(a));
		s6->sin6_port = htons(p->sport);
		memcpy(&d6->sin6_addr, &p->vip6, sizeof(p->vip6));
		d6->sin6_port = htons(p->port);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)src, *d4 = (struct sockaddr_in *)dst;

		s4->sin_family = d4->sin_family = AF_INET;
		s4->sin_addr.s_addr = source_addr(st, v);
		if (s4->sin_addr.s_addr == 0)
			return -EADDRNOTAVAIL;
		s4->sin_port = htons(p->sport);
		d4->sin_addr.s_addr = p->vip_addr;
		d4->sin_port = htons(p->port);
		*len = sizeof(*s4);
	}
	return 0;
}

/* A backend without a MAC: 1 while the neighbour table is still asking (no verdict
 * yet), 0 when resolution has failed. */
static int still_asking(const struct fw_health *h, const struct fw_state *st,
			const struct fw_state_backend *b, const struct probe *p)
{
	struct rte_ether_addr mac;

	if (p->sync || b->port >= st->nb_ports)
		return 0;
	if (p->family == FW_AF_INET6)
		return fw_neigh_lookup6(fw_ctl_neigh6(h->ctl), st->ports[b->port].port_id,
					ip6_zero(&b->nexthop6) ? &b->addr6 : &b->nexthop6,
					&mac) == -EAGAIN;
	return fw_neigh_lookup(fw_ctl_neigh(h->ctl), st->ports[b->port].port_id, b->nexthop,
			       &mac) == -EAGAIN;
}

static void start(struct probe *p)
{
	struct fw_health *h = p->h;
	const struct fw_state *st = fw_ctl_state(h->ctl);
	struct fw_ctl_steer steer = {p->vip_addr, p->proto, p->vip_port, p->be_addr};
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	struct sockaddr_storage src, dst;
	const struct fw_state_backend *b;
	struct fw_hc_failure f;
	int one = 1, vs, bs, rc, was_waiting = p->waiting;
	socklen_t len;

	stop_waiting(h, p);
	if (p->phase != PH_IDLE)
		close_probe(p);
	memset(&p->seen, 0, sizeof(p->seen));
	p->rxlen = 0;
	p->started_ms = tula_now_ms();
	p->started_us = now_us();
	vs = vip_slot(st, p);
	bs = vs >= 0 ? backend_slot(st, vs, p) : -ENOENT;
	if (bs < 0) {
		fail_with(p, FW_HC_NOT_INSTALLED);
		return;
	}
	b = &st->backends[bs];
	if (!b->resolved) {
		/* Still being asked (start-up, a new backend): no verdict either way, or
		 * every start would count a failure. Failed: the path is broken. */
		if (still_asking(h, st, b, p))
			return;
		base_failure(p, &f, FW_HC_UNRESOLVED);
		f.nexthop = b->nexthop ? b->nexthop : p->be_addr;
		f.nexthop6 = ip6_zero(&b->nexthop6) ? p->be6 : b->nexthop6;
		finish(p, 0, &f);
		return;
	}
	if (lease_port(h, p) == NULL) {
		/* every port is in flight or resting: wait in line (a check's probe first) */
		if (p->sync)
			TAILQ_INSERT_HEAD(&h->waiting, p, wait_link);
		else
			TAILQ_INSERT_TAIL(&h->waiting, p, wait_link);
		p->waiting = 1;
		h->nb_waiting++;
		if (!was_waiting)
			h->delayed++;
		wake_waiting(h);
		return;
	}
	if (endpoints(st, &st->vips[vs], p, &src, &dst, &len) < 0) {
		fail_local(p, "no self address on the VIP's interface", EADDRNOTAVAIL);
		return;
	}
	p->fd = socket(src.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		fail_local(p, "socket", errno);
		return;
	}
	setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (bind(p->fd, (struct sockaddr *)&src, len) < 0) {
		rc = errno;
		close(p->fd);
		p->fd = -1;
		fail_local(p, "bind", rc);
		return;
	}
	steer.family = p->family;
	steer.vip6 = p->vip6;
	steer.be6 = p->be6;
	fw_ctl_steer(h->ctl, p->sport, &steer);
	rc = tula_loop_add_fd(h->loop, p->fd, TULA_EV_WRITE, on_probe_fd, p);
	if (rc < 0) {
		close(p->fd);
		p->fd = -1;
		fail_local(p, "event loop", -rc);
		return;
	}
	p->phase = PH_CONNECT;
	tula_timer_arm(p->deadline, secs_ms(h, p->timeout), 0);
	if (connect(p->fd, (struct sockaddr *)&dst, len) == 0)
		connected(p);
	else if (errno != EINPROGRESS)
		fail_errno(p, errno);
}

static void on_tick(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct probe *p = arg;

	(void)loop;
	(void)t;
	if (p->waiting)
		return; /* the last round's probe still waits for a port: it covers this one */
	if (p->phase != PH_IDLE) {
		/* A probe started off schedule (`request services dsr check`) is within its
		 * timeout: let it finish rather than count it failed; the next tick probes. */
		if (p->sync && !p->sync_done &&
		    tula_now_ms() < p->started_ms + secs_ms(p->h, p->timeout))
			return;
		on_deadline(loop, p->deadline, p); /* timeout == interval: due now */
	}
	start(p);
}

/* Due probes that waited for a port, started in line while ports are free. */
static void on_port_timer(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_health *h = arg;
	struct probe *p;

	(void)loop;
	(void)t;
	while ((p = TAILQ_FIRST(&h->waiting)) != NULL) {
		const struct port *pt = STAILQ_FIRST(&h->free_ports);

		if (pt == NULL || pt->free_at > tula_now_ms())
			break;
		start(p);
		if (TAILQ_FIRST(&h->waiting) == p)
			break; /* cannot happen (a port was free): never spin */
	}
	wake_waiting(h);
}

/* ---- observers ------------------------------------------------------------------------------- */

/* The probe whose attempt in flight has source port port, or NULL. */
static struct probe *probe_of_port(const struct fw_health *h, uint16_t port)
{
	const struct port *pt;

	if (port < h->p.port_base || port - h->p.port_base >= h->p.port_count)
		return NULL;
	pt = &h->ports[port - h->p.port_base];
	return pt->leased ? pt->owner : NULL;
}

static void on_icmp(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct fw_health *h = arg;
	uint8_t buf[2048];
	struct fw_hc_icmp ic;
	struct probe *p;
	ssize_t n;

	(void)loop;
	(void)events;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		if (fw_hc_icmp_parse(buf, (size_t)n, &ic) < 0 || ic.proto != IPPROTO_TCP)
			continue;
		p = probe_of_port(h, ic.sport);
		if (p == NULL || p->phase == PH_IDLE || ic.sport != p->sport ||
		    ic.dst != p->vip_addr)
			continue; /* not about the attempt in flight */
		base_failure(p, &p->seen,
			     ic.ipip && ic.type == 3 && ic.code == 2 ? FW_HC_NO_DECAP : FW_HC_ICMP);
		p->seen.from = ic.from;
		p->seen.icmp_type = ic.type;
		p->seen.icmp_code = ic.code;
		/* unreachable ends the probe; a redirect or a quench only explains a timeout */
		if (ic.type == 3)
			finish(p, 0, &p->seen);
	}
}

static void on_tcp(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct fw_health *h = arg;
	uint8_t buf[256];
	struct fw_hc_tcp t;
	struct probe *p;
	ssize_t n;

	(void)loop;
	(void)events;
	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC)) > 0) {
		if (fw_hc_tcp_parse(buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf), &t) < 0)
			continue;
		p = probe_of_port(h, t.dport);
		if (p == NULL || p->phase == PH_IDLE || t.dport != p->sport)
			continue;
		if (t.src == p->vip_addr && t.sport == p->port)
			continue; /* the right answer: the kernel's TCP handles it */
		base_failure(p, &p->seen, FW_HC_WRONG_SOURCE);
		p->seen.from = t.src;
		p->seen.from_port = t.sport;
		finish(p, 0, &p->seen);
	}
}

/* An ICMPv6 error or redirect about an IPv6 probe (the raw socket gives no IPv6 header:
 * the sender comes from recvfrom). */
static void on_icmp6(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct fw_health *h = arg;
	struct sockaddr_in6 from;
	socklen_t flen = sizeof(from);
	uint8_t buf[2048];
	struct fw_hc_icmp6 ic;
	struct fw_ip6 f6;
	struct probe *p;
	ssize_t n;

	(void)loop;
	(void)events;
	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, (struct sockaddr *)&from, &flen)) >
	       0) {
		flen = sizeof(from);
		memcpy(&f6, &from.sin6_addr, sizeof(f6));
		if (fw_hc_icmp6_parse(buf, (size_t)n, &f6, &ic) < 0 || ic.proto != IPPROTO_TCP)
			continue;
		p = probe_of_port(h, ic.sport);
		if (p == NULL || p->family != FW_AF_INET6 || p->phase == PH_IDLE ||
		    ic.sport != p->sport || !fw_ip6_eq(&ic.dst, &p->vip6))
			continue; /* not about the attempt in flight */
		base_failure(p, &p->seen, fw_hc_icmp6_verdict(&ic));
		p->seen.from6 = ic.from;
		p->seen.icmp_type = ic.type;
		p->seen.icmp_code = ic.code;
		/* unreachable, parameter problem and a redirect of the probe (the VIP is not
		 * the backend's) end it; too big or hop limit only explain a timeout */
		if (ic.type == 1 || ic.type == 4 || p->seen.kind == FW_HC_NOT_LOCAL)
			finish(p, 0, &p->seen);
	}
}

/* A TCP segment for an IPv6 probe's port (the raw socket gives the TCP header first). */
static void on_tcp6(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct fw_health *h = arg;
	struct sockaddr_in6 from;
	socklen_t flen = sizeof(from);
	uint8_t buf[64];
	uint16_t sport, dport;
	struct probe *p;
	ssize_t n;

	(void)loop;
	(void)events;
	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &flen)) > 0) {
		flen = sizeof(from);
		if (n < 20)
			continue;
		sport = (uint16_t)(buf[0] << 8 | buf[1]);
		dport = (uint16_t)(buf[2] << 8 | buf[3]);
		p = probe_of_port(h, dport);
		if (p == NULL || p->family != FW_AF_INET6 || p->phase == PH_IDLE ||
		    dport != p->sport)
			continue;
		if (memcmp(&from.sin6_addr, &p->vip6, sizeof(p->vip6)) == 0 && sport == p->port)
			continue; /* the right answer: the kernel's TCP handles it */
		base_failure(p, &p->seen, FW_HC_WRONG_SOURCE);
		memcpy(&p->seen.from6, &from.sin6_addr, sizeof(p->seen.from6));
		p->seen.from_port = sport;
		finish(p, 0, &p->seen);
	}
}

/* The IPv6 observers: ICMPv6 errors and redirects; TCP segments to the probe ports (a
 * raw IPv6 socket's filter sees the TCP header first, no IP header). */
static void open_observers6(struct fw_health *h)
{
	uint32_t end = (uint32_t)h->p.port_base + h->p.port_count;
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 2), /* A = TCP destination port */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, h->p.port_base, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, end, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	struct icmp6_filter icf;

	ICMP6_FILTER_SETBLOCKALL(&icf);
	ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &icf);
	ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &icf);
	ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &icf);
	ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &icf);
	ICMP6_FILTER_SETPASS(ND_REDIRECT, &icf);
	h->icmp6_fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
	h->tcp6_fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (h->icmp6_fd < 0 || h->tcp6_fd < 0 ||
	    setsockopt(h->icmp6_fd, IPPROTO_ICMPV6, ICMP6_FILTER, &icf, sizeof(icf)) < 0 ||
	    setsockopt(h->tcp6_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		goto fail;
	if (tula_loop_add_fd(h->loop, h->icmp6_fd, TULA_EV_READ, on_icmp6, h) < 0)
		goto fail;
	if (tula_loop_add_fd(h->loop, h->tcp6_fd, TULA_EV_READ, on_tcp6, h) < 0) {
		tula_loop_del_fd(h->loop, h->icmp6_fd);
		goto fail;
	}
	return;
fail:
	TLOG_WARNING("health: no IPv6 raw observers (%s): IPv6 probe failures will not name "
		     "ICMPv6 errors or answers from a wrong address",
		     strerror(errno));
	if (h->icmp6_fd >= 0)
		close(h->icmp6_fd);
	if (h->tcp6_fd >= 0)
		close(h->tcp6_fd);
	h->icmp6_fd = h->tcp6_fd = -1;
}

static int open_observers(struct fw_health *h)
{
	uint32_t end = (uint32_t)h->p.port_base + h->p.port_count;
	struct sock_filter code[] = {
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* X = IPv4 header length */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),	/* A = TCP destination port */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, h->p.port_base, 0, 2),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, end, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	/* ICMP_FILTER blocks the types whose bit is set: keep only errors */
	struct icmp_filter icf = {
		.data = ~((1u << 3) | (1u << 4) | (1u << 5) | (1u << 11) | (1u << 12))};

	h->icmp_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	h->tcp_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (h->icmp_fd < 0 || h->tcp_fd < 0) {
		TLOG_WARNING("health: no raw sockets (%s): probe failures will not name ICMP "
			     "errors or answers from a wrong address",
			     strerror(errno));
		goto none;
	}
	if (setsockopt(h->icmp_fd, SOL_RAW, ICMP_FILTER, &icf, sizeof(icf)) < 0 ||
	    setsockopt(h->tcp_fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
	    tula_loop_add_fd(h->loop, h->icmp_fd, TULA_EV_READ, on_icmp, h) < 0)
		goto fail;
	if (tula_loop_add_fd(h->loop, h->tcp_fd, TULA_EV_READ, on_tcp, h) < 0) {
		tula_loop_del_fd(h->loop, h->icmp_fd);
		goto fail;
	}
	return 0;
fail:
	TLOG_WARNING("health: cannot set up the raw observers: %s", strerror(errno));
none:
	if (h->icmp_fd >= 0)
		close(h->icmp_fd);
	if (h->tcp_fd >= 0)
		close(h->tcp_fd);
	h->icmp_fd = h->tcp_fd = -1;
	return 0;
}

/* ---- ARP conflicts ------------------------------------------------------------------------ */

static int our_mac(const struct fw_state *st, const struct rte_ether_addr *mac)
{
	for (uint8_t i = 0; i < st->nb_ports; i++)
		if (rte_is_same_ether_addr(&st->ports[i].mac, mac))
			return 1;
	return 0;
}

struct who {
	const struct rte_ether_addr *mac;
	uint32_t ip;
};

static void who_neigh(void *arg, const struct fw_neigh_entry *e)
{
	struct who *w = arg;

	if (w->ip == 0 && e->state != FW_NEIGH_INCOMPLETE &&
	    rte_is_same_ether_addr(&e->mac, w->mac))
		w->ip = e->ip;
}

/* Name the host behind mac: a backend (name, its VIP) or an address the neighbour
 * table knows. */
static void identify(const struct fw_health *h, const struct rte_ether_addr *mac,
		     struct fw_health_conflict *c)
{
	const struct fw_state *st = fw_ctl_state(h->ctl);
	struct who w = {mac, 0};

	c->backend = c->backend_vip = NULL;
	c->host = 0;
	for (uint32_t i = 0; st != NULL && i < st->max_backends; i++) {
		const struct fw_state_backend *b = &st->backends[i];

		if (b->gen != 0 && b->resolved && b->nexthop == b->addr &&
		    rte_is_same_ether_addr(&b->mac, mac)) {
			c->backend = b->name;
			c->backend_vip = st->vips[b->vip].name;
			c->host = b->addr;
			return;
		}
	}
	fw_neigh_walk(fw_ctl_neigh(h->ctl), who_neigh, &w);
	c->host = w.ip;
}

static void conflict_view(const struct fw_health *h, const struct conflict *k,
			  struct fw_health_conflict *c);

/* A v6 backend of the current state at addr, or NULL. */
static const struct fw_state_backend *backend6_at(const struct fw_state *st,
						  const struct fw_ip6 *addr)
{
	for (uint32_t i = 0; st != NULL && i < st->max_backends; i++) {
		const struct fw_state_backend *b = &st->backends[i];

		if (b->gen != 0 && b->family == FW_AF_INET6 && fw_ip6_eq(&b->addr6, addr))
			return b;
	}
	return NULL;
}

/* Name the host behind mac by the v6 backend whose advertisement came from it. */
static void name6(const struct fw_health *h, const struct rte_ether_addr *mac,
		  struct fw_health_conflict *c)
{
	const struct fw_state *st = fw_ctl_state(h->ctl);

	for (unsigned int i = 0; st != NULL && i < ND_MACS; i++) {
		const struct nd_mac *n = &h->nd_macs[i];
		const struct fw_state_backend *b;

		if (!rte_is_same_ether_addr(&n->mac, mac) || rte_is_zero_ether_addr(&n->mac))
			continue;
		b = backend6_at(st, &n->addr);
		if (b != NULL) {
			c->backend = b->name;
			c->backend_vip = b->vip < st->max_vips ? st->vips[b->vip].name : NULL;
			c->host6 = n->addr;
			return;
		}
	}
}

static void remember_mac6(struct fw_health *h, const struct fw_ip6 *addr,
			  const struct rte_ether_addr *mac)
{
	for (unsigned int i = 0; i < ND_MACS; i++)
		if (fw_ip6_eq(&h->nd_macs[i].addr, addr)) {
			h->nd_macs[i].mac = *mac;
			return;
		}
	h->nd_macs[h->nd_next].addr = *addr;
	h->nd_macs[h->nd_next].mac = *mac;
	h->nd_next = (h->nd_next + 1) % ND_MACS;
}

static void log_conflict6(const struct fw_health *h, const struct conflict *k)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], who[160], mac[RTE_ETHER_ADDR_FMT_SIZE];
	struct fw_health_conflict view;

	conflict_view(h, k, &view);
	rte_ether_format_addr(mac, sizeof(mac), &k->mac);
	inet_ntop(AF_INET6, &view.host6, b, sizeof(b));
	if (view.backend != NULL)
		snprintf(who, sizeof(who), "backend %s of VIP %s, %s", view.backend,
			 view.backend_vip, b);
	else
		snprintf(who, sizeof(who), "not a backend, from %s", b);
	TLOG_WARNING("health: NDP conflict on %s: %s (%s) %s, VIP %s %s: keep the VIP on lo "
		     "only, with the NS guard of show services dsr backend-setup",
		     view.port, mac, who, view.claim, k->vip,
		     inet_ntop(AF_INET6, &k->vip6, a, sizeof(a)));
}

static void conflict_view(const struct fw_health *h, const struct conflict *k,
			  struct fw_health_conflict *c)
{
	const char *port = fw_ctl_port_name(h->ctl, k->port_id);

	c->vip = k->vip;
	c->vip_addr = k->vip_addr;
	c->family = k->family;
	c->vip_addr6 = k->vip6;
	c->port = port != NULL ? port : "?";
	c->mac = k->mac;
	c->first_seen = k->first_seen;
	c->last_seen = k->last_seen;
	c->answers = k->answers;
	c->claim = k->claim == FW_NDP_CLAIM_DAD	  ? "probes for it (duplicate address detection)"
		   : k->claim == FW_NDP_CLAIM_SRC ? "solicits from it"
						  : "answers Neighbor Solicitations for it";
	if (k->family != FW_AF_INET6) {
		identify(h, &k->mac, c);
		return;
	}
	c->backend = k->backend[0] != '\0' ? k->backend : NULL;
	c->backend_vip = k->backend[0] != '\0' ? k->backend_vip : NULL;
	c->host = 0;
	c->host6 = k->host6;
	if (c->backend == NULL)
		name6(h, &k->mac, c);
}

/* The conflict of (family, VIP name, MAC), created when new (*is_new = 1); NULL when
 * out of memory. */
static struct conflict *conflict_of(struct fw_health *h, uint8_t family, const char *vip,
				    const struct rte_ether_addr *mac, int *is_new)
{
	struct conflict *k;

	*is_new = 0;
	for (size_t j = 0; j < h->nb_conflicts; j++)
		if (h->conflicts[j].family == family && strcmp(h->conflicts[j].vip, vip) == 0 &&
		    rte_is_same_ether_addr(&h->conflicts[j].mac, mac))
			return &h->conflicts[j];
	if (h->nb_conflicts == h->cap_conflicts) {
		size_t cap = h->cap_conflicts ? h->cap_conflicts * 2 : 8;
		struct conflict *n = realloc(h->conflicts, cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		h->conflicts = n;
		h->cap_conflicts = cap;
	}
	k = &h->conflicts[h->nb_conflicts++];
	memset(k, 0, sizeof(*k));
	snprintf(k->vip, sizeof(k->vip), "%s", vip);
	k->family = family;
	k->mac = *mac;
	k->first_seen = wall();
	*is_new = 1;
	return k;
}

/*
 * A Neighbor Discovery frame the data path punted. A host other than Tula that
 * advertises a v6 VIP (answers Tula's NS for it, or announces it), solicits from it or
 * probes for it steals or disturbs the VIP's traffic — usually a backend with the VIP
 * on its LAN interface. fw_ndp_conflict (fw_ndp.c) decides and names the backend.
 */
static void on_ndp(void *arg, uint16_t port_id, const void *frame, size_t len)
{
	struct fw_health *h = arg;
	const struct fw_state *st = fw_ctl_state(h->ctl);
	struct fw_ndp_conflict c;
	struct fw_ndp_msg m;
	struct conflict *k;
	int is_new, asked = 0;

	if (st == NULL || fw_ndp_parse(frame, len, &m) != FW_NDP_OK)
		return;
	if (m.type == FW_ND_NA && backend6_at(st, &m.target) != NULL)
		remember_mac6(h, &m.target, m.has_lla ? &m.lla : &m.eth_src);
	if (fw_ndp_conflict(st, &m, &c) != 1 || c.vip == NULL)
		return; /* a claim on a self address is the TAP kernel's business */
	k = conflict_of(h, FW_AF_INET6, c.vip, &c.mac, &is_new);
	if (k == NULL)
		return;
	if (is_new) {
		k->vip6 = c.addr;
		k->claim = (uint8_t)c.claim;
		/* the backend's own address (a Linux backend answers from the VIP) */
		k->host6 = c.backend != NULL && c.backend_family == FW_AF_INET6 ? c.backend_addr6
										: c.sender;
		if (c.backend != NULL) {
			snprintf(k->backend, sizeof(k->backend), "%s", c.backend);
			snprintf(k->backend_vip, sizeof(k->backend_vip), "%s",
				 c.backend_vip != NULL ? c.backend_vip : "?");
		}
	}
	k->port_id = port_id;
	k->last_seen = wall();
	k->last_ms = tula_now_ms();
	k->answers++;
	if (!is_new || k->backend[0] != '\0') {
		if (is_new) {
			log_conflict6(h, k);
			k->logged = 1;
		}
		return;
	}
	/* A Linux backend answers from the VIP itself: ask every v6 backend on that port
	 * for its own address; their answers (above) name the host at the next round,
	 * when the conflict is logged. */
	for (uint32_t i = 0; i < st->max_backends && asked < ND_SOLICIT_MAX; i++) {
		const struct fw_state_backend *b = &st->backends[i];

		if (b->gen == 0 || b->family != FW_AF_INET6 || b->port >= st->nb_ports ||
		    st->ports[b->port].port_id != port_id)
			continue;
		fw_ctl_ns_request(h->ctl, port_id, &b->addr6);
		asked++;
	}
}

static void on_arp(void *arg, uint16_t port_id, uint16_t op, uint32_t sip,
		   const struct rte_ether_addr *sha, uint32_t tip)
{
	struct fw_health *h = arg;
	const struct fw_state *st = fw_ctl_state(h->ctl);
	char a[INET_ADDRSTRLEN], who[96], mac[RTE_ETHER_ADDR_FMT_SIZE];

	(void)op;
	(void)tip;
	if (st == NULL || our_mac(st, sha))
		return;
	for (uint32_t i = 0; i < st->max_vips; i++) {
		const struct fw_state_vip *v = &st->vips[i];
		struct fw_health_conflict view;
		struct conflict *k = NULL;

		if (v->gen == 0 || v->family != FW_AF_INET || v->addr != sip)
			continue;
		for (size_t j = 0; j < h->nb_conflicts && k == NULL; j++)
			if (h->conflicts[j].family == FW_AF_INET &&
			    strcmp(h->conflicts[j].vip, v->name) == 0 &&
			    rte_is_same_ether_addr(&h->conflicts[j].mac, sha))
				k = &h->conflicts[j];
		if (k == NULL) {
			if (h->nb_conflicts == h->cap_conflicts) {
				size_t cap = h->cap_conflicts ? h->cap_conflicts * 2 : 8;
				struct conflict *n = realloc(h->conflicts, cap * sizeof(*n));

				if (n == NULL)
					return;
				h->conflicts = n;
				h->cap_conflicts = cap;
			}
			k = &h->conflicts[h->nb_conflicts++];
			memset(k, 0, sizeof(*k));
			snprintf(k->vip, sizeof(k->vip), "%s", v->name);
			k->vip_addr = v->addr;
			k->mac = *sha;
			k->first_seen = wall();
			k->port_id = port_id;
			conflict_view(h, k, &view);
			rte_ether_format_addr(mac, sizeof(mac), sha);
			if (view.backend != NULL)
				snprintf(who, sizeof(who), "backend %s of VIP %s, %s", view.backend,
					 view.backend_vip, ip_str(view.host, a));
			else if (view.host != 0)
				snprintf(who, sizeof(who), "host %s, not a backend",
					 ip_str(view.host, a));
			else
				snprintf(who, sizeof(who), "an unknown host");
			TLOG_WARNING("health: ARP conflict on %s: %s (%s) answers for VIP %s %s: "
				     "set arp_ignore=1 and arp_announce=2 on it",
				     view.port, mac, who, v->name, ip_str(v->addr, a));
		}
		k->port_id = port_id;
		k->last_seen = wall();
		k->last_ms = tula_now_ms();
		k->answers++;
	}
}

static void on_arp_timer(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_health *h = arg;
	const struct fw_state *st = fw_ctl_state(h->ctl);
	uint64_t now = tula_now_ms(), quiet = (uint64_t)h->p.arp_expire * h->p.arp_interval_ms;
	size_t i, n;

	(void)loop;
	(void)t;
	for (i = n = 0; i < h->nb_conflicts; i++) {
		struct conflict *k = &h->conflicts[i];

		if (now - k->last_ms > quiet) {
			char mac[RTE_ETHER_ADDR_FMT_SIZE], a[INET6_ADDRSTRLEN];

			rte_ether_format_addr(mac, sizeof(mac), &k->mac);
			if (k->family == FW_AF_INET6)
				TLOG_NOTICE("health: NDP conflict over: %s no longer claims VIP "
					    "%s %s",
					    mac, k->vip,
					    inet_ntop(AF_INET6, &k->vip6, a, sizeof(a)));
			else
				TLOG_NOTICE("health: ARP conflict over: %s no longer answers for "
					    "VIP %s %s",
					    mac, k->vip, ip_str(k->vip_addr, a));
			continue;
		}
		if (k->family == FW_AF_INET6 && !k->logged) {
			log_conflict6(h, k);
			k->logged = 1;
		}
		h->conflicts[n++] = *k;
	}
	h->nb_conflicts = n;
	for (i = 0; st != NULL && i < st->max_vips; i++) {
		const struct fw_state_vip *v = &st->vips[i];
		size_t j;

		if (v->gen == 0 || v->port_index >= st->nb_ports)
			continue;
		for (j = 0; j < i; j++) /* one question per address (VIPs share them) */
			if (st->vips[j].gen != 0 && st->vips[j].family == v->family &&
			    st->vips[j].port_index == v->port_index &&
			    (v->family == FW_AF_INET6 ? fw_ip6_eq(&st->vips[j].addr6, &v->addr6)
						      : st->vips[j].addr == v->addr))
				break;
		if (j < i)
			continue;
		/* IPv6: Tula asks its segment for its own VIP; any Neighbor Advertisement
		 * from another MAC is a conflict (on_ndp) */
		if (v->family == FW_AF_INET6)
			fw_ctl_ns_request(h->ctl, st->ports[v->port_index].port_id, &v->addr6);
		else
			fw_ctl_arp_request(h->ctl, st->ports[v->port_index].port_id, v->addr);
	}
}

/* ---- configuration --------------------------------------------------------------------------- */

static uint32_t hash_of(const struct probe *p)
{
	return fw_ctl_backend_hash(p->vip, p->family, p->be_addr, &p->be6);
}

/* The probe of backend (family, addr or addr6) of VIP vip. */
static struct probe *find_probe(const struct fw_health *h, const char *vip, uint8_t family,
				uint32_t addr, const struct fw_ip6 *addr6)
{
	if (h->hash == NULL)
		return NULL;
	for (struct probe *p = h->hash[fw_ctl_backend_hash(vip, family, addr, addr6) & h->hmask]; p;
	     p = p->hnext) {
		if (p->family != family || strcmp(p->vip, vip) != 0)
			continue;
		if (family == FW_AF_INET6 ? fw_ip6_eq(&p->be6, addr6) : p->be_addr == addr)
			return p;
	}
	return NULL;
}

/* Index p (the table doubles when it is full). 0 or -ENOMEM. */
static int hash_add(struct fw_health *h, struct probe *p)
{
	if (h->hash == NULL || h->hcount >= h->hmask + 1) {
		uint32_t size = h->hash ? (h->hmask + 1) * 2 : 64;
		struct probe **t = calloc(size, sizeof(*t));

		if (t == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; h->hash != NULL && i <= h->hmask; i++)
			for (struct probe *q = h->hash[i], *next; q; q = next) {
				next = q->hnext;
				q->hnext = t[hash_of(q) & (size - 1)];
				t[hash_of(q) & (size - 1)] = q;
			}
		free(h->hash);
		h->hash = t;
		h->hmask = size - 1;
	}
	p->hnext = h->hash[hash_of(p) & h->hmask];
	h->hash[hash_of(p) & h->hmask] = p;
	h->hcount++;
	return 0;
}

static void hash_del(struct fw_health *h, struct probe *p)
{
	for (struct probe **q = &h->hash[hash_of(p) & h->hmask]; *q; q = &(*q)->hnext)
		if (*q == p) {
			*q = p->hnext;
			h->hcount--;
			return;
		}
}

/* forget: also clear a down mark in fw_ctl (a backend of the same address configured
 * later starts clean); not at shut-down, where nothing is published any more. */
static void destroy(struct fw_health *h, struct probe *p, int forget)
{
	close_probe(p);
	stop_waiting(h, p);
	if (forget && p->sm.state == FW_HEALTH_DOWN)
		set_up(p, 1);
	unsteer(h, p);
	hash_del(h, p);
	tula_timer_free(p->tick);
	tula_timer_free(p->deadline);
	free(p);
}

static struct probe *new_probe(struct fw_health *h, const char *vip, uint8_t family, uint32_t addr,
			       const struct fw_ip6 *addr6)
{
	struct probe *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->h = h;
	p->fd = -1;
	p->last_ok = -1;
	p->family = family;
	p->be_addr = addr;
	if (family == FW_AF_INET6)
		p->be6 = *addr6;
	p->since = wall();
	snprintf(p->vip, sizeof(p->vip), "%s", vip);
	p->tick = tula_timer_new(h->loop, on_tick, p);
	p->deadline = tula_timer_new(h->loop, on_deadline, p);
	if (p->tick == NULL || p->deadline == NULL) {
		tula_timer_free(p->tick);
		tula_timer_free(p->deadline);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	LIST_INIT(&p->owned);
	if (hash_add(h, p) < 0) {
		tula_timer_free(p->tick);
		tula_timer_free(p->deadline);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

/* The configuration of one probe, read from the VIP and its health-check. */
struct want {
	uint8_t family;
	uint32_t vip_addr;
	struct fw_ip6 vip6;
	uint8_t proto, l3, type;
	uint16_t vip_port, port;
	const char *path;
	uint32_t interval, timeout, rise, fall;
};

static void read_vip(const struct db_node *v, struct want *w)
{
	const struct db_node *hc = db_node_first(v, "health-check");
	const char *s;
	struct db_addr a = {0};
	uint32_t u;

	memset(w, 0, sizeof(*w));
	if (db_get_addr(v, "address", &a) == 0 && a.family == AF_INET6) {
		w->family = FW_AF_INET6;
		memcpy(&w->vip6, a.b, sizeof(w->vip6));
	} else {
		memcpy(&w->vip_addr, a.b, sizeof(w->vip_addr));
	}
	s = db_get_str(v, "protocol");
	w->proto = s != NULL && strcmp(s, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	db_get_port(v, "port", &w->vip_port);
	s = db_get_str(v, "mode");
	w->l3 = s != NULL && strcmp(s, "l3") == 0;
	s = hc != NULL ? db_get_str(hc, "type") : NULL;
	w->type = s == NULL || strcmp(s, "none") == 0 ? T_NONE
		  : strcmp(s, "http") == 0	      ? T_HTTP
						      : T_TCP;
	if (w->type == T_NONE)
		return;
	w->port = db_get_uint(hc, "port", &u) == 0 ? (uint16_t)u : w->vip_port;
	w->path = db_get_str(hc, "http-path");
	if (w->path == NULL)
		w->path = "/";
	w->interval = db_get_uint(hc, "interval", &u) == 0 && u > 0 ? u : 2;
	w->timeout = db_get_uint(hc, "timeout", &u) == 0 && u > 0 ? u : 1;
	w->rise = db_get_uint(hc, "rise", &u) == 0 && u > 0 ? u : 2;
	w->fall = db_get_uint(hc, "fall", &u) == 0 && u > 0 ? u : 3;
	if (w->port == 0) /* port * without a check port: the validator refuses it */
		w->type = T_NONE;
}

/* Bring p in line with w. */
static void configure(struct fw_health *h, struct probe *p, const struct want *w, int is_new)
{
	int target = p->vip_addr != w->vip_addr || !fw_ip6_eq(&p->vip6, &w->vip6) ||
		     p->proto != w->proto || p->vip_port != w->vip_port || p->l3 != w->l3 ||
		     p->type != w->type || p->port != w->port ||
		     strcmp(p->path, w->path ? w->path : "") != 0;
	int timing = p->interval != w->interval;
	uint8_t old_type = p->type;

	p->vip_addr = w->vip_addr;
	p->vip6 = w->vip6;
	p->proto = w->proto;
	p->vip_port = w->vip_port;
	p->l3 = w->l3;
	p->type = w->type;
	p->port = w->port;
	snprintf(p->path, sizeof(p->path), "%s", w->path ? w->path : "");
	p->interval = w->interval;
	p->timeout = w->timeout;
	p->rise = w->rise;
	p->fall = w->fall;
	if (target && p->phase != PH_IDLE)
		close_probe(p); /* it tests what is no longer configured */

	if (w->type == T_NONE) {
		tula_timer_disarm(p->tick);
		close_probe(p);
		stop_waiting(h, p);
		unsteer(h, p);
		if (p->sm.state == FW_HEALTH_DOWN) {
			TLOG_NOTICE("health: VIP %s backend %s was down; its checks are off: it "
				    "takes traffic again",
				    p->vip, p->be);
			set_up(p, 1);
		}
		if (is_new || p->sm.state != FW_HEALTH_DISABLED)
			p->since = wall();
		memset(&p->sm, 0, sizeof(p->sm));
		p->sm.state = FW_HEALTH_DISABLED;
		p->fail = FW_HC_OK;
		p->reason[0] = '\0';
		return;
	}
	if (is_new || old_type == T_NONE) {
		memset(&p->sm, 0, sizeof(p->sm));
		p->sm.state = FW_HEALTH_UNCHECKED;
		p->since = wall();
		p->fail = FW_HC_OK;
		p->reason[0] = '\0';
	}
	if (is_new || old_type == T_NONE || timing || !tula_timer_armed(p->tick)) {
		/* spread the first probes evenly over the interval (the golden ratio's
		 * sequence), so that many backends never start in the same instant */
		uint64_t iv = secs_ms(h, p->interval);
		uint64_t first = 1 + (uint64_t)((h->spread++ * 40503u) & 0xffff) * iv / 65536;

		tula_timer_arm(p->tick, first, iv);
	}
}

int fw_health_apply(struct fw_health *h, const struct db_node *cfg)
{
	const struct db_node *dsr = db_node_get(cfg, "services dsr");
	struct probe **order;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	for (i = 0; i < h->nb; i++)
		h->probes[i]->live = 0;
	for (const struct db_node *v = db_node_first(dsr, "vip"); v; v = db_node_next(v))
		cap += db_node_count(v, "backend");
	order = calloc(cap + 1, sizeof(*order));
	if (order == NULL)
		return -ENOMEM;
	for (const struct db_node *v = db_node_first(dsr, "vip"); v; v = db_node_next(v)) {
		struct want w;

		read_vip(v, &w);
		for (const struct db_node *b = db_node_first(v, "backend"); b;
		     b = db_node_next(b)) {
			struct db_addr a;
			struct fw_ip6 a6;
			uint32_t a4 = 0;
			uint8_t fam;
			struct probe *p;
			int is_new = 0;

			if (db_get_addr(b, "address", &a) < 0)
				continue;
			fam = a.family == AF_INET6 ? FW_AF_INET6 : FW_AF_INET;
			if (fam != w.family)
				continue; /* a backend of the other family: the commit refused it */
			memcpy(&a6, a.b, sizeof(a6));
			if (fam == FW_AF_INET)
				memcpy(&a4, a.b, sizeof(a4));
			p = find_probe(h, db_node_key(v), fam, a4, &a6);
			if (p != NULL && p->live)
				continue; /* the same address twice: the commit refused it */
			if (p == NULL) {
				p = new_probe(h, db_node_key(v), fam, a4, &a6);
				if (p == NULL) {
					TLOG_ERR("health: VIP %s backend %s: cannot create its "
						 "probe (out of memory)",
						 db_node_key(v), db_node_key(b));
					rc = -ENOMEM;
					continue;
				}
				is_new = 1;
			}
			p->live = 1;
			snprintf(p->be, sizeof(p->be), "%s", db_node_key(b));
			configure(h, p, &w, is_new);
			order[n++] = p;
		}
	}
	for (i = 0; i < h->nb; i++)
		if (!h->probes[i]->live) {
			if (h->probes[i]->sm.state == FW_HEALTH_DOWN)
				TLOG_INFO(
					"health: VIP %s backend %s (down) is no longer configured",
					h->probes[i]->vip, h->probes[i]->be);
			destroy(h, h->probes[i], 1);
		}
	free(h->probes);
	h->probes = order;
	h->nb = n;
	h->cap = cap + 1;
	return rc;
}

static void hook_apply(struct db_commit *c, void *arg)
{
	fw_health_apply(arg, db_commit_new(c));
}

static const struct db_hook hook = {
	.name = "health checks",
	.apply = hook_apply,
};

/* ---- reserved ports ------------------------------------------------------------------------ */

static char *read_line(const char *path)
{
	char buf[4096];
	FILE *f = fopen(path, "re");
	char *s;

	if (f == NULL)
		return NULL;
	s = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (s == NULL)
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return strdup(buf);
}

static int write_line(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	int rc = 0;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	if (n < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* Keep the kernel from handing our probe ports to other sockets: reserve them when
 * they overlap the ephemeral range. */
static void reserve_ports(struct fw_health *h)
{
	unsigned lo = 0, hi = 0, first = h->p.port_base, last = first + h->p.port_count - 1;
	char *range = read_line(PORT_RANGE), buf[4200];
	int rc;

	if (range == NULL || sscanf(range, "%u %u", &lo, &hi) != 2 || last < lo || first > hi) {
		free(range);
		return;
	}
	free(range);
	h->reserved_old = read_line(RESERVED_PORTS);
	if (h->reserved_old == NULL)
		return;
	snprintf(buf, sizeof(buf), "%s%s%u-%u", h->reserved_old, h->reserved_old[0] ? "," : "",
		 first, last);
	rc = write_line(RESERVED_PORTS, buf);
	if (rc < 0) {
		TLOG_WARNING("health: probe ports %u-%u overlap the ephemeral range %u-%u and "
			     "cannot be reserved (%s): a probe may find its port taken",
			     first, last, lo, hi, strerror(-rc));
		free(h->reserved_old);
		h->reserved_old = NULL;
	}
}

/* ---- life cycle ------------------------------------------------------------------------------ */

struct fw_health *fw_health_new(const struct fw_health_conf *conf)
{
	struct fw_health *h = calloc(1, sizeof(*h));
	int rc;

	if (h == NULL)
		return NULL;
	h->loop = conf->loop;
	h->db = conf->db;
	h->ctl = conf->ctl;
	h->icmp_fd = h->tcp_fd = -1;
	h->icmp6_fd = h->tcp6_fd = -1;
	if (conf->params != NULL)
		h->p = *conf->params;
	if (h->p.ms_per_second == 0)
		h->p.ms_per_second = DEF_MS_PER_SECOND;
	if (h->p.arp_interval_ms == 0)
		h->p.arp_interval_ms = DEF_ARP_INTERVAL;
	if (h->p.arp_expire == 0)
		h->p.arp_expire = DEF_ARP_EXPIRE;
	if (h->p.port_base == 0)
		h->p.port_base = DEF_PORT_BASE;
	if (h->p.port_count == 0)
		h->p.port_count = DEF_PORT_COUNT;
	if ((uint32_t)h->p.port_base + h->p.port_count > 65536)
		h->p.port_count = (uint16_t)(65536 - h->p.port_base);
	if (h->p.check_wait_ms == 0)
		h->p.check_wait_ms = DEF_CHECK_WAIT;
	h->ports = calloc(h->p.port_count, sizeof(*h->ports));
	h->arp_timer = tula_timer_new(h->loop, on_arp_timer, h);
	h->port_timer = tula_timer_new(h->loop, on_port_timer, h);
	STAILQ_INIT(&h->free_ports);
	TAILQ_INIT(&h->waiting);
	for (uint32_t i = 0; h->ports != NULL && i < h->p.port_count; i++) {
		h->ports[i].num = (uint16_t)(h->p.port_base + i);
		STAILQ_INSERT_TAIL(&h->free_ports, &h->ports[i], free);
	}
	if (h->ports == NULL || h->arp_timer == NULL || h->port_timer == NULL) {
		fw_health_free(h);
		errno = ENOMEM;
		return NULL;
	}
	if (!h->p.no_observers) {
		open_observers(h);
		open_observers6(h);
		reserve_ports(h);
	}
	if (h->db != NULL) {
		rc = db_commit_hook_register(h->db, &hook, h);
		if (rc < 0) {
			fw_health_free(h);
			errno = -rc;
			return NULL;
		}
		h->hooked = 1;
	}
	fw_ctl_arp_observer(h->ctl, on_arp, h);
	fw_ctl_ndp_observer(h->ctl, on_ndp, h);
	tula_timer_arm(h->arp_timer, h->p.arp_interval_ms, h->p.arp_interval_ms);
	return h;
}

void fw_health_free(struct fw_health *h)
{
	if (h == NULL)
		return;
	if (h->hooked)
		db_commit_hook_unregister(h->db, &hook, h);
	if (h->ctl != NULL) {
		fw_ctl_arp_observer(h->ctl, NULL, NULL);
		fw_ctl_ndp_observer(h->ctl, NULL, NULL);
	}
	while (!LIST_EMPTY(&h->runs)) /* their sessions are gone by now */
		run_free(LIST_FIRST(&h->runs));
	for (size_t i = 0; i < h->nb; i++)
		destroy(h, h->probes[i], 0);
	free(h->probes);
	free(h->hash);
	if (h->icmp_fd >= 0) {
		tula_loop_del_fd(h->loop, h->icmp_fd);
		close(h->icmp_fd);
	}
	if (h->icmp6_fd >= 0) {
		tula_loop_del_fd(h->loop, h->icmp6_fd);
		close(h->icmp6_fd);
	}
	if (h->tcp6_fd >= 0) {
		tula_loop_del_fd(h->loop, h->tcp6_fd);
		close(h->tcp6_fd);
	}
	if (h->tcp_fd >= 0) {
		tula_loop_del_fd(h->loop, h->tcp_fd);
		close(h->tcp_fd);
	}
	if (h->reserved_old != NULL) {
		write_line(RESERVED_PORTS, h->reserved_old[0] ? h->reserved_old : "\n");
		free(h->reserved_old);
	}
	tula_timer_free(h->arp_timer);
	tula_timer_free(h->port_timer);
	free(h->conflicts);
	free(h->ports);
	free(h);
}

/* ---- queries ------------------------------------------------------------------------------- */

static void status_of(const struct probe *p, struct fw_health_status *out);

int fw_health_get(const struct fw_health *h, const char *vip, uint32_t be_addr,
		  struct fw_health_status *out)
{
	const struct probe *p = find_probe(h, vip, FW_AF_INET, be_addr, NULL);

	if (p == NULL)
		return -ENOENT;
	status_of(p, out);
	return 0;
}

int fw_health_get6(const struct fw_health *h, const char *vip, const struct fw_ip6 *be_addr,
		   struct fw_health_status *out)
{
	const struct probe *p = find_probe(h, vip, FW_AF_INET6, 0, be_addr);

	if (p == NULL)
		return -ENOENT;
	status_of(p, out);
	return 0;
}

static void status_of(const struct probe *p, struct fw_health_status *out)
{
	memset(out, 0, sizeof(*out));
	out->state = p->sm.state;
	out->fail = p->fail;
	memcpy(out->reason, p->reason, sizeof(out->reason));
	out->since = p->since;
	out->last_ok = p->last_ok;
	out->last_probe = p->last_probe;
	out->latency_us = p->latency_us;
	out->successes = p->sm.successes;
	out->failures = p->sm.failures;
	out->probes = p->probes;
	out->failed = p->failed;
	if (p->type != T_NONE) {
		out->rise = p->rise;
		out->fall = p->fall;
	}
}

void fw_health_ports(const struct fw_health *h, struct fw_health_ports *out)
{
	memset(out, 0, sizeof(*out));
	out->first = h->p.port_base;
	out->count = h->p.port_count;
	out->in_flight = h->in_flight;
	out->peak = h->peak_in_flight;
	out->waiting = h->nb_waiting;
	out->delayed = h->delayed;
}

int fw_health_vip_up(const struct fw_health *h, const char *vip)
{
	int found = 0;

	for (size_t i = 0; i < h->nb; i++) {
		if (strcmp(h->probes[i]->vip, vip) != 0)
			continue;
		found = 1;
		if (h->probes[i]->sm.state != FW_HEALTH_DOWN)
			return 1;
	}
	return found ? 0 : -ENOENT;
}

int fw_health_vip_check(const struct fw_health *h, const char *vip, struct fw_health_check *out)
{
	for (size_t i = 0; i < h->nb; i++) {
		const struct probe *p = h->probes[i];

		if (strcmp(p->vip, vip) != 0)
			continue;
		memset(out, 0, sizeof(*out));
		out->type = p->type == T_HTTP ? "http" : p->type == T_TCP ? "tcp" : "none";
		if (p->type == T_NONE)
			return 0;
		out->port = p->port;
		out->path = p->type == T_HTTP ? p->path : NULL;
		out->interval = p->interval;
		out->timeout = p->timeout;
		out->rise = p->rise;
		out->fall = p->fall;
		return 0;
	}
	return -ENOENT;
}

size_t fw_health_conflicts(const struct fw_health *h,
			   void (*fn)(void *arg, const struct fw_health_conflict *c), void *arg)
{
	for (size_t i = 0; fn != NULL && i < h->nb_conflicts; i++) {
		struct fw_health_conflict c;

		conflict_view(h, &h->conflicts[i], &c);
		fn(arg, &c);
	}
	return h->nb_conflicts;
}

/* ---- request services dsr check ------------------------------------------------------------- */

/*
 * A run waits for the probes of its VIP that it restarted (p->sync). Several runs on the
 * same VIP share those probes: a later run restarts them again and every waiting run
 * reports the newest answers.
 */
struct fw_health_run {
	struct fw_health *h;
	char vip[FW_STATE_NAME_MAX];
	fw_health_done_fn done;
	void *arg;
	struct tula_timer *deadline;
	LIST_ENTRY(fw_health_run) link;
};

static void run_free(struct fw_health_run *run)
{
	LIST_REMOVE(run, link);
	tula_timer_free(run->deadline);
	free(run);
}

/* Report a run's results and free it; probes no other run waits for stop being "sync". */
static void run_finish(struct fw_health_run *run)
{
	struct fw_health *h = run->h;
	struct fw_health_result *res = calloc(h->nb ? h->nb : 1, sizeof(*res));
	struct fw_health_run *other;
	size_t i, n = 0;
	int shared = 0;

	LIST_FOREACH(other, &h->runs, link)
		if (other != run && strcmp(other->vip, run->vip) == 0)
			shared = 1;
	for (i = 0; i < h->nb && res != NULL; i++) {
		struct probe *p = h->probes[i];
		struct fw_health_result *r = &res[n];

		if (!p->sync || strcmp(p->vip, run->vip) != 0)
			continue;
		r->backend = p->be;
		r->addr = p->be_addr;
		r->family = p->family;
		memcpy(r->addr6, &p->be6, sizeof(r->addr6));
		r->done = p->sync_done;
		r->ok = p->sync_done && p->last_ok == 1;
		r->latency_us = p->sync_done ? p->last_us : (uint32_t)(now_us() - p->started_us);
		r->fail = p->sync_done ? p->last_fail : FW_HC_OK;
		r->reason = p->sync_done ? p->last_reason : "";
		r->state = p->sm.state;
		r->successes = p->sm.successes;
		r->failures = p->sm.failures;
		r->rise = p->rise;
		r->fall = p->fall;
		n++;
	}
	run->done(run->arg, res, n);
	free(res);
	if (!shared)
		for (i = 0; i < h->nb; i++)
			if (strcmp(h->probes[i]->vip, run->vip) == 0)
				h->probes[i]->sync = h->probes[i]->sync_done = 0;
	run_free(run);
}

/* After a probe finished: runs whose probes have all answered are done. */
static void runs_progress(struct fw_health *h)
{
	struct fw_health_run *run, *next;

	for (run = LIST_FIRST(&h->runs); run != NULL; run = next) {
		int pending = 0;

		next = LIST_NEXT(run, link);
		for (size_t i = 0; i < h->nb; i++)
			if (h->probes[i]->sync && !h->probes[i]->sync_done &&
			    strcmp(h->probes[i]->vip, run->vip) == 0)
				pending = 1;
		if (!pending)
			tula_timer_arm(run->deadline, 0, 0); /* report from the loop, not here */
	}
}

static void on_run_deadline(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	(void)loop;
	(void)t;
	run_finish(arg);
}

struct fw_health_run *fw_health_check_start(struct fw_health *h, const char *vip,
					    fw_health_done_fn done, void *arg)
{
	struct fw_health_run *run;
	uint32_t timeout = 0;
	size_t i, count = 0;
	uint64_t wait;

	for (i = 0; i < h->nb; i++) {
		if (strcmp(h->probes[i]->vip, vip) != 0)
			continue;
		if (h->probes[i]->type == T_NONE) {
			errno = ENOTSUP;
			return NULL;
		}
		count++;
		if (h->probes[i]->timeout > timeout)
			timeout = h->probes[i]->timeout;
	}
	if (count == 0) {
		errno = ENOENT;
		return NULL;
	}
	run = calloc(1, sizeof(*run));
	if (run == NULL)
		return NULL;
	run->h = h;
	snprintf(run->vip, sizeof(run->vip), "%s", vip);
	run->done = done;
	run->arg = arg;
	run->deadline = tula_timer_new(h->loop, on_run_deadline, run);
	if (run->deadline == NULL) {
		free(run);
		errno = ENOMEM;
		return NULL;
	}
	LIST_INSERT_HEAD(&h->runs, run, link);
	/* a little past the probes' own timeout, so that their verdicts come in first */
	wait = secs_ms(h, timeout) + 100;
	tula_timer_arm(run->deadline, wait < h->p.check_wait_ms ? wait : h->p.check_wait_ms, 0);
	for (i = 0; i < h->nb; i++) {
		struct probe *p = h->probes[i];

		if (strcmp(p->vip, vip) != 0)
			continue;
		p->sync = 1;
		p->sync_done = 0;
		start(p); /* abandons a probe in flight */
	}
	runs_progress(h); /* probes that failed at once (no MAC, not installed) */
	return run;
}

void fw_health_check_cancel(struct fw_health_run *run)
{
	if (run != NULL)
		run_free(run);
}
