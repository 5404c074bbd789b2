/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small neighbour table modelled on the kernel's (RFC 1122 2.3.2.1: keep asking,
 * rate-limited, and age what was learned). Entries live in a sorted array: the table
 * holds one entry per backend and next hop, a few thousand at most, and is touched on
 * the control thread only, so a binary search keeps it simple.
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
	}
	return "?";
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

/* Ask for e now. In PROBE the known MAC is a hint (a unicast refresh is enough). */
static void solicit(struct fw_neigh *n, struct fw_neigh_entry *e, uint64_t now)
{
	const struct rte_ether_addr *hint = e->state == FW_NEIGH_PROBE ? &e->mac : NULL;

	n->ops.solicit(n->arg, e->port, e->ip, hint);
	e->probes++;
	e->asked_ms = now;
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
	}
	return e->asked_ms;
}

static void on_tick(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_neigh *n = arg;
	uint64_t now = tula_now_ms();
	size_t i;
	int any = 0;

	(void)loop;
	(void)t;
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

static void remove_at(struct fw_neigh *n, size_t at)
{
	memmove(&n->e[at], &n->e[at + 1], (n->count - at - 1) * sizeof(n->e[0]));
	n->count--;
}

struct fw_neigh *fw_neigh_new(struct tula_loop *loop, const struct fw_neigh_params *params,
			      const struct fw_neigh_ops *ops, void *arg)
{
	struct fw_neigh *n = calloc(1, sizeof(*n));
	uint32_t tick;

	if (n == NULL)
		return NULL;
	n->loop = loop;
	n->p = (struct fw_neigh_params){1000, 3, 30000, 5000};
	if (params != NULL)
		n->p = *params;
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
	long at = find(n, port, ip);
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

int fw_neigh_lookup(const struct fw_neigh *n, uint16_t port, uint32_t ip,
		    struct rte_ether_addr *mac)
{
	long at = find(n, port, ip);
	const struct fw_neigh_entry *e;

	if (at < 0)
		return -ENOENT;
	e = &n->e[at];
	switch (e->state) {
	case FW_NEIGH_REACHABLE:
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
