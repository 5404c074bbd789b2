/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small neighbour table modelled on the kernel's (RFC 1122 2.3.2.1: keep asking,
 * rate-limited, and age what was learned). Entries live in a sorted array: the table
 * holds one entry per backend and next hop, a few thousand at most, and is touched on
 * the control thread only, so a binary search keeps it simple. An IPv6 table is the
 * same array keyed by the 16-byte address, with its own tick (RFC 4861 states, see
 * fw_neigh.h).
 */
#include "firmware/control/fw_neigh.h"

#include "common/tula_loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fw_neigh {
	struct tula_loop *loop;
	struct fw_neigh_params p;
	struct fw_neigh_ops ops;
	void *arg;
	struct fw_neigh_entry *e;
	size_t count, cap;
	struct tula_timer *tick;   /* walks entries for retransmits and ageing */
	struct tula_timer *notify; /* coalesces ops->changed calls */
	uint8_t family;
	/* IPv6 solicitation budget: a token bucket in thousandths of a solicitation */
	uint64_t tokens_milli, tokens_ms;
};

const char *fw_neigh_state_name(enum fw_neigh_state s)
{
	switch (s) {
	case FW_NEIGH_INCOMPLETE:
		return "incomplete";
	case FW_NEIGH_REACHABLE:
		return "reachable";
	case FW_NEIGH_PROBE:
		return "probe";
	case FW_NEIGH_FAILED:
		return "failed";
	case FW_NEIGH_STALE:
		return "stale";
	}
	return "?";
}

static int key_cmp6(uint16_t port, const struct fw_ip6 *ip, const struct fw_neigh_entry *e)
{
	int c;

	if (port != e->port)
		return port < e->port ? -1 : 1;
	c = memcmp(ip->b, e->ip6.b, sizeof(ip->b));
	return c < 0 ? -1 : c > 0;
}

static int key_cmp(uint16_t port, uint32_t ip, const struct fw_neigh_entry *e)
{
	uint32_t a = __builtin_bswap32(ip), b = __builtin_bswap32(e->ip);

	if (port != e->port)
		return port < e->port ? -1 : 1;
	if (a != b)
		return a < b ? -1 : 1;
	return 0;
}

/* Index of (port, ip), or -(insertion point) - 1. */
static long find(const struct fw_neigh *n, uint16_t port, uint32_t ip)
{
	size_t lo = 0, hi = n->count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = key_cmp(port, ip, &n->e[mid]);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -(long)lo - 1;
}

/* find() for an IPv6 table. */
static long find6(const struct fw_neigh *n, uint16_t port, const struct fw_ip6 *ip)
{
	size_t lo = 0, hi = n->count;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = key_cmp6(port, ip, &n->e[mid]);

		if (c == 0)
			return (long)mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -(long)lo - 1;
}

static void changed(struct fw_neigh *n)
{
	if (!tula_timer_armed(n->notify))
		tula_timer_arm(n->notify, 0, 0);
}

static void on_notify(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_neigh *n = arg;

	(void)loop;
	(void)t;
	if (n->ops.changed != NULL)
		n->ops.changed(n->arg);
}

/* One IPv6 solicitation from the bucket, refilled at solicit_per_s: 1, or 0 when empty. */
static int take_token(struct fw_neigh *n, uint64_t now)
{
	uint64_t cap = (uint64_t)n->p.solicit_per_s * 1000;

	n->tokens_milli += (now - n->tokens_ms) * n->p.solicit_per_s;
	if (n->tokens_milli > cap)
		n->tokens_milli = cap;
	n->tokens_ms = now;
	if (n->tokens_milli < 1000)
		return 0;
	n->tokens_milli -= 1000;
	return 1;
}

/* Ask for e now. In PROBE the known MAC is a hint (a unicast refresh is enough). An
 * IPv6 request the budget cannot pay for waits (returns 0): the entry stays due. */
static int solicit(struct fw_neigh *n, struct fw_neigh_entry *e, uint64_t now)
{
	const struct rte_ether_addr *hint = e->state == FW_NEIGH_PROBE ? &e->mac : NULL;

	if (n->family == FW_AF_INET6) {
		if (!take_token(n, now))
			return 0;
		n->ops.solicit6(n->arg, e->port, &e->ip6, hint);
	} else {
		n->ops.solicit(n->arg, e->port, e->ip, hint);
	}
	e->probes++;
	e->asked_ms = now;
	return 1;
}

/* Per-entry timers are implicit: every tick looks at what is due. */
static uint64_t next_request_at(const struct fw_neigh *n, const struct fw_neigh_entry *e)
{
	switch (e->state) {
	case FW_NEIGH_REACHABLE:
		return e->updated_ms + n->p.reachable_ms;
	case FW_NEIGH_INCOMPLETE:
	case FW_NEIGH_PROBE:
		return e->asked_ms + n->p.retrans_ms;
	case FW_NEIGH_FAILED:
		return e->asked_ms + n->p.failed_retry_ms;
	case FW_NEIGH_STALE:
		return e->stale_ms + n->p.delay_ms;
	}
	return e->asked_ms;
}

static void make_stale(struct fw_neigh_entry *e, uint64_t now)
{
	e->state = FW_NEIGH_STALE;
	e->stale_ms = now;
	e->probes = 0;
}

/* The IPv6 tick (RFC 4861 7.3.3 transitions, DELAY folded into STALE). */
static void tick6(struct fw_neigh *n, uint64_t now)
{
	int any = 0;

	for (size_t i = 0; i < n->count; i++) {
		struct fw_neigh_entry *e = &n->e[i];

		if (!e->wanted || now < next_request_at(n, e))
			continue;
		switch (e->state) {
		case FW_NEIGH_REACHABLE: /* ReachableTime over: used, unconfirmed */
			make_stale(e, now);
			continue;
		case FW_NEIGH_STALE: /* DELAY_FIRST_PROBE_TIME over: unicast probes */
			e->state = FW_NEIGH_PROBE;
			e->probes = 0;
			break;
		case FW_NEIGH_INCOMPLETE:
		case FW_NEIGH_PROBE:
			if (e->probes >= n->p.max_probes) {
				e->state = FW_NEIGH_FAILED;
				any = 1;
			}
			break;
		case FW_NEIGH_FAILED:
			break;
		}
		solicit(n, e, now);
	}
	if (any)
		changed(n);
}

static void on_tick(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_neigh *n = arg;
	uint64_t now = tula_now_ms();
	size_t i;
	int any = 0;

	(void)loop;
	(void)t;
	if (n->family == FW_AF_INET6) {
		tick6(n, now);
		return;
	}
	for (i = 0; i < n->count; i++) {
		struct fw_neigh_entry *e = &n->e[i];

		if (!e->wanted || now < next_request_at(n, e))
			continue;
		switch (e->state) {
		case FW_NEIGH_REACHABLE:
			e->state = FW_NEIGH_PROBE;
			e->probes = 0;
			break;
		case FW_NEIGH_INCOMPLETE:
		case FW_NEIGH_PROBE:
			if (e->probes >= n->p.max_probes) {
				e->state = FW_NEIGH_FAILED;
				any = 1;
			}
			break;
		case FW_NEIGH_FAILED:
		case FW_NEIGH_STALE: /* never in an IPv4 table */
			break;
		}
		solicit(n, e, now);
	}
	if (any)
		changed(n);
}

static int grow(struct fw_neigh *n, size_t want)
{
	size_t cap = n->cap ? n->cap : 16;
	struct fw_neigh_entry *e;

	if (want <= n->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	e = realloc(n->e, cap * sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	n->e = e;
	n->cap = cap;
	return 0;
}

static void insert_at(struct fw_neigh *n, size_t at, uint16_t port, uint32_t ip)
{
	memmove(&n->e[at + 1], &n->e[at], (n->count - at) * sizeof(n->e[0]));
	memset(&n->e[at], 0, sizeof(n->e[0]));
	n->e[at].port = port;
	n->e[at].ip = ip;
	n->e[at].state = FW_NEIGH_INCOMPLETE;
	n->count++;
}

static void insert6_at(struct fw_neigh *n, size_t at, uint16_t port, const struct fw_ip6 *ip)
{
	insert_at(n, at, port, 0);
	n->e[at].family = FW_AF_INET6;
	n->e[at].ip6 = *ip;
}

static void remove_at(struct fw_neigh *n, size_t at)
{
	memmove(&n->e[at], &n->e[at + 1], (n->count - at - 1) * sizeof(n->e[0]));
	n->count--;
}

static struct fw_neigh *neigh_new(struct tula_loop *loop, const struct fw_neigh_params *params,
				  const struct fw_neigh_ops *ops, void *arg, uint8_t family)
{
	struct fw_neigh *n = calloc(1, sizeof(*n));
	uint32_t tick;

	if (n == NULL)
		return NULL;
	n->loop = loop;
	n->family = family;
	/* RFC 4861 10: RETRANS_TIMER 1 s, MAX_*_SOLICIT 3, REACHABLE_TIME 30 s,
	 * DELAY_FIRST_PROBE_TIME 5 s (RFC 1122 leaves ARP's to the implementation) */
	n->p = (struct fw_neigh_params){1000, 3, 30000, 5000, 0, 0};
	if (params != NULL)
		n->p = *params;
	if (n->p.delay_ms == 0)
		n->p.delay_ms = 5 * n->p.retrans_ms;
	if (n->p.solicit_per_s == 0)
		n->p.solicit_per_s = 100;
	n->tokens_ms = tula_now_ms();
	n->tokens_milli = (uint64_t)n->p.solicit_per_s * 1000;
	n->ops = *ops;
	n->arg = arg;
	n->tick = tula_timer_new(loop, on_tick, n);
	n->notify = tula_timer_new(loop, on_notify, n);
	if (n->tick == NULL || n->notify == NULL || grow(n, 16) < 0) {
		fw_neigh_free(n);
		errno = ENOMEM;
		return NULL;
	}
	/* Look at the table often enough for the shortest interval, at most every 100 ms. */
	tick = n->p.retrans_ms / 2;
	tick = tick < 5 ? 5 : tick > 100 ? 100 : tick;
	tula_timer_arm(n->tick, tick, tick);
	return n;
}

struct fw_neigh *fw_neigh_new(struct tula_loop *loop, const struct fw_neigh_params *params,
			      const struct fw_neigh_ops *ops, void *arg)
{
	return neigh_new(loop, params, ops, arg, FW_AF_INET);
}

struct fw_neigh *fw_neigh_new6(struct tula_loop *loop, const struct fw_neigh_params *params,
			       const struct fw_neigh_ops *ops, void *arg)
{
	if (ops->solicit6 == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return neigh_new(loop, params, ops, arg, FW_AF_INET6);
}

uint8_t fw_neigh_family(const struct fw_neigh *n)
{
	return n->family;
}

void fw_neigh_free(struct fw_neigh *n)
{
	if (n == NULL)
		return;
	tula_timer_free(n->tick);
	tula_timer_free(n->notify);
	free(n->e);
	free(n);
}

int fw_neigh_set_wanted(struct fw_neigh *n, const uint16_t *ports, const uint32_t *ips,
			size_t count)
{
	uint64_t now = tula_now_ms();
	size_t i;

	if (n->family != FW_AF_INET)
		return -EAFNOSUPPORT;
	if (grow(n, n->count + count) < 0)
		return -ENOMEM;
	for (i = 0; i < n->count; i++)
		n->e[i].wanted = 0;
	for (i = 0; i < count; i++) {
		long at = find(n, ports[i], ips[i]);

		if (at < 0) {
			at = -at - 1;
			insert_at(n, (size_t)at, ports[i], ips[i]);
			n->e[at].wanted = 1;
			solicit(n, &n->e[at], now);
		} else {
			n->e[at].wanted = 1;
		}
	}
	for (i = n->count; i-- > 0;)
		if (!n->e[i].wanted)
			remove_at(n, i);
	return 0;
}

void fw_neigh_input(struct fw_neigh *n, uint16_t port, uint32_t ip,
		    const struct rte_ether_addr *mac)
{
	long at = n->family == FW_AF_INET ? find(n, port, ip) : -1;
	struct fw_neigh_entry *e;
	int was_usable;

	if (at < 0)
		return; /* only what the configuration needs is kept */
	e = &n->e[at];
	was_usable = e->state == FW_NEIGH_REACHABLE || e->state == FW_NEIGH_PROBE;
	if (!was_usable || !rte_is_same_ether_addr(&e->mac, mac))
		changed(n);
	e->mac = *mac;
	e->state = FW_NEIGH_REACHABLE;
	e->updated_ms = tula_now_ms();
	e->probes = 0;
}

static int lookup_at(const struct fw_neigh *n, long at, struct rte_ether_addr *mac)
{
	const struct fw_neigh_entry *e;

	if (at < 0)
		return -ENOENT;
	e = &n->e[at];
	switch (e->state) {
	case FW_NEIGH_REACHABLE:
	case FW_NEIGH_STALE:
	case FW_NEIGH_PROBE:
		*mac = e->mac;
		return 0;
	case FW_NEIGH_INCOMPLETE:
		return -EAGAIN;
	case FW_NEIGH_FAILED:
		break;
	}
	return -EHOSTUNREACH;
}

int fw_neigh_lookup(const struct fw_neigh *n, uint16_t port, uint32_t ip,
		    struct rte_ether_addr *mac)
{
	return n->family == FW_AF_INET ? lookup_at(n, find(n, port, ip), mac) : -ENOENT;
}

int fw_neigh_lookup6(const struct fw_neigh *n, uint16_t port, const struct fw_ip6 *ip,
		     struct rte_ether_addr *mac)
{
	return n->family == FW_AF_INET6 ? lookup_at(n, find6(n, port, ip), mac) : -ENOENT;
}

int fw_neigh_set_wanted6(struct fw_neigh *n, const uint16_t *ports, const struct fw_ip6 *ips,
			 size_t count)
{
	uint64_t now = tula_now_ms();
	size_t i;

	if (n->family != FW_AF_INET6)
		return -EAFNOSUPPORT;
	if (grow(n, n->count + count) < 0)
		return -ENOMEM;
	for (i = 0; i < n->count; i++)
		n->e[i].wanted = 0;
	for (i = 0; i < count; i++) {
		long at = find6(n, ports[i], &ips[i]);

		if (at < 0) {
			at = -at - 1;
			insert6_at(n, (size_t)at, ports[i], &ips[i]);
			n->e[at].wanted = 1;
			solicit(n, &n->e[at], now); /* or at the next tick, when over budget */
		} else {
			n->e[at].wanted = 1;
		}
	}
	for (i = n->count; i-- > 0;)
		if (!n->e[i].wanted)
			remove_at(n, i);
	return 0;
}

static int usable(enum fw_neigh_state s)
{
	return s == FW_NEIGH_REACHABLE || s == FW_NEIGH_STALE || s == FW_NEIGH_PROBE;
}

/* memcmp, not rte_is_same_ether_addr: its 16-bit loads of a byte array break strict
 * aliasing, and GCC may then read a MAC just copied in as what the memory held before. */
static int same_mac(const struct rte_ether_addr *a, const struct rte_ether_addr *b)
{
	return memcmp(a->addr_bytes, b->addr_bytes, RTE_ETHER_ADDR_LEN) == 0;
}

static void confirm(struct fw_neigh_entry *e, uint64_t now)
{
	e->state = FW_NEIGH_REACHABLE;
	e->updated_ms = now;
	e->probes = 0;
}

void fw_neigh_input6(struct fw_neigh *n, uint16_t port, const struct fw_ip6 *ip,
		     const struct rte_ether_addr *mac, unsigned int flags)
{
	long at = n->family == FW_AF_INET6 ? find6(n, port, ip) : -1;
	uint64_t now = tula_now_ms();
	struct fw_neigh_entry *e;
	struct rte_ether_addr old;
	int was_usable, differs;

	if (at < 0)
		return; /* only what the configuration needs is kept */
	e = &n->e[at];
	was_usable = usable(e->state);
	old = e->mac;
	differs = mac != NULL && !same_mac(mac, &e->mac);
	if (!(flags & FW_NEIGH_F_ADVERT)) {
		/* 7.2.3: a solicitation's source link-layer address; a new one is STALE */
		if (mac == NULL || (was_usable && !differs))
			return;
		e->mac = *mac;
		make_stale(e, now);
	} else if (!was_usable) {
		/* 7.2.5, INCOMPLETE (FAILED alike): without an address nothing is learned */
		if (mac == NULL)
			return;
		e->mac = *mac;
		if (flags & FW_NEIGH_F_SOLICITED)
			confirm(e, now);
		else
			make_stale(e, now);
	} else if (!(flags & FW_NEIGH_F_OVERRIDE) && differs) {
		/* another MAC without Override: doubt the one we have, but keep it */
		if (e->state == FW_NEIGH_REACHABLE)
			make_stale(e, now);
		return;
	} else {
		if (mac != NULL)
			e->mac = *mac;
		if (flags & FW_NEIGH_F_SOLICITED)
			confirm(e, now);
		else if (differs)
			make_stale(e, now);
	}
	if (!was_usable || !same_mac(&old, &e->mac))
		changed(n);
}

size_t fw_neigh_walk(const struct fw_neigh *n,
		     void (*fn)(void *arg, const struct fw_neigh_entry *e), void *arg)
{
	size_t i;

	for (i = 0; i < n->count; i++)
		fn(arg, &n->e[i]);
	return n->count;
}

void fw_neigh_flush(struct fw_neigh *n)
{
	uint64_t now = tula_now_ms();
	size_t i;

	for (i = 0; i < n->count; i++) {
		n->e[i].state = FW_NEIGH_INCOMPLETE;
		n->e[i].probes = 0;
		memset(&n->e[i].mac, 0, sizeof(n->e[i].mac));
		solicit(n, &n->e[i], now);
	}
	if (n->count > 0)
		changed(n);
}
