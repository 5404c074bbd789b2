/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour resolution for the control side: the IPv4 → MAC table of the backends
 * (L2 DSR) and next hops (L3 DSR) the forwarding state needs.
 *
 * The table knows which addresses are wanted (the committed configuration says so),
 * asks for them with ARP requests sent through the data path (ops->solicit), learns
 * from ARP replies and requests the data path punts up (fw_neigh_input), refreshes
 * reachable entries before they age out, and declares an entry failed when a refresh
 * goes unanswered. Every change a forwarding state cares about (resolved, MAC changed,
 * failed) is reported through ops->changed, once per loop iteration at most, so that
 * the control side rebuilds and publishes one state for a burst of changes.
 *
 * Control thread only (it runs on the tula_loop).
 */
#ifndef FW_NEIGH_H
#define FW_NEIGH_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

struct tula_loop;
struct fw_neigh;

enum fw_neigh_state {
	FW_NEIGH_INCOMPLETE, /* asked, never answered yet */
	FW_NEIGH_REACHABLE,  /* answered within the reachable time */
	FW_NEIGH_PROBE,	     /* reachable time over, refresh requests sent */
	FW_NEIGH_FAILED,     /* no answer to the last requests; still asked, slowly */
};

struct fw_neigh_params {
	uint32_t retrans_ms;	  /* between requests while INCOMPLETE / PROBE (1000) */
	uint32_t max_probes;	  /* unanswered requests before FAILED (3) */
	uint32_t reachable_ms;	  /* an answer is good for this long (30000) */
	uint32_t failed_retry_ms; /* request interval once FAILED (5000) */
};

struct fw_neigh_ops {
	/* Send an ARP request for ip (network order) out of port. 0 or -errno. */
	int (*solicit)(void *arg, uint16_t port, uint32_t ip,
		       const struct rte_ether_addr *mac_hint);
	/* Something a forwarding state depends on changed; called from a zero-delay timer. */
	void (*changed)(void *arg);
};

struct fw_neigh_entry {
	uint32_t ip; /* network order */
	uint16_t port;
	enum fw_neigh_state state;
	struct rte_ether_addr mac; /* valid unless INCOMPLETE */
	uint64_t updated_ms;	   /* when the MAC was last confirmed (tula_now_ms) */
	uint64_t asked_ms;	   /* when the last request went out */
	uint32_t probes;	   /* unanswered requests in a row */
	int wanted;		   /* the configuration needs it (else learned only) */
};

/* params may be NULL for the defaults. Returns NULL with errno on failure. */
struct fw_neigh *fw_neigh_new(struct tula_loop *loop, const struct fw_neigh_params *params,
			      const struct fw_neigh_ops *ops, void *arg);
void fw_neigh_free(struct fw_neigh *n);

/*
 * Replace the wanted set with these (port, ip) pairs: new ones are solicited at once,
 * entries no longer wanted are forgotten. Returns 0 or -ENOMEM.
 */
int fw_neigh_set_wanted(struct fw_neigh *n, const uint16_t *ports, const uint32_t *ips,
			size_t count);

/* The data path saw an ARP packet from ip/mac on port (reply, or request naming it). */
void fw_neigh_input(struct fw_neigh *n, uint16_t port, uint32_t ip,
		    const struct rte_ether_addr *mac);

/*
 * A usable MAC for ip on port: fills *mac and returns 0 when REACHABLE or PROBE
 * (still believed), -EAGAIN while INCOMPLETE, -EHOSTUNREACH when FAILED, -ENOENT when
 * not wanted.
 */
int fw_neigh_lookup(const struct fw_neigh *n, uint16_t port, uint32_t ip,
		    struct rte_ether_addr *mac);

/* Visit every entry (for `show arp`), sorted by port then address. Returns the count. */
size_t fw_neigh_walk(const struct fw_neigh *n,
		     void (*fn)(void *arg, const struct fw_neigh_entry *e), void *arg);

/* Forget learned MACs and ask again for every wanted address (`clear arp`). */
void fw_neigh_flush(struct fw_neigh *n);

const char *fw_neigh_state_name(enum fw_neigh_state s);

#endif
