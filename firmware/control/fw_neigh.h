/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour resolution for the control side: the IPv4 → MAC table of the backends
 * (L2 DSR) and next hops (L3 DSR) the forwarding state needs, and its IPv6 twin (a table
 * made with fw_neigh_new6, resolved with Neighbor Discovery, RFC 4861).
 *
 * The table knows which addresses are wanted (the committed configuration says so),
 * asks for them with ARP requests sent through the data path (ops->solicit), learns
 * from ARP replies and requests the data path punts up (fw_neigh_input), refreshes
 * reachable entries before they age out, and declares an entry failed when a refresh
 * goes unanswered. Every change a forwarding state cares about (resolved, MAC changed,
 * failed) is reported through ops->changed, once per loop iteration at most, so that
 * the control side rebuilds and publishes one state for a burst of changes.
 *
 * An IPv6 table follows RFC 4861 7.3: an entry is REACHABLE for reachable_ms after a
 * solicited advertisement, then STALE (still used); STALE lasts delay_ms — the RFC's
 * DELAY state folded in, because the data path sends to every wanted neighbour — then
 * PROBE asks by unicast, and max_probes unanswered probes make it FAILED. An unsolicited
 * advertisement or a solicitation carrying a new MAC makes an entry STALE, not
 * REACHABLE (7.2.3, 7.2.5). Its solicitations, over the whole table, are rate-limited to
 * solicit_per_s (a token bucket as deep as one second), so a flush or a commit adding
 * thousands of backends does not flood the segment; the per-entry pacing (one every
 * retrans_ms) is the RFC's. An IPv4 table is unchanged by all this.
 *
 * Control thread only (it runs on the tula_loop).
 */
#ifndef FW_NEIGH_H
#define FW_NEIGH_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "firmware/fw_state.h"

struct tula_loop;
struct fw_neigh;

enum fw_neigh_state {
	FW_NEIGH_INCOMPLETE, /* asked, never answered yet */
	FW_NEIGH_REACHABLE,  /* answered within the reachable time */
	FW_NEIGH_PROBE,	     /* reachable time over, refresh requests sent */
	FW_NEIGH_FAILED,     /* no answer to the last requests; still asked, slowly */
	FW_NEIGH_STALE,	     /* IPv6: MAC unconfirmed (aged, or learned unsolicited); used */
};

struct fw_neigh_params {
	uint32_t retrans_ms;	  /* between requests while INCOMPLETE / PROBE (1000) */
	uint32_t max_probes;	  /* unanswered requests before FAILED (3) */
	uint32_t reachable_ms;	  /* an answer is good for this long (30000) */
	uint32_t failed_retry_ms; /* request interval once FAILED (5000) */
	/* IPv6 tables only; 0 = the default */
	uint32_t delay_ms;	/* STALE -> PROBE after this long (5 x retrans_ms) */
	uint32_t solicit_per_s; /* solicitations per second over the table (100) */
};

struct fw_neigh_ops {
	/* Send an ARP request for ip (network order) out of port. 0 or -errno. */
	int (*solicit)(void *arg, uint16_t port, uint32_t ip,
		       const struct rte_ether_addr *mac_hint);
	/* Something a forwarding state depends on changed; called from a zero-delay timer. */
	void (*changed)(void *arg);
	/* IPv6 tables: send a Neighbor Solicitation for ip out of port; mac_hint NULL =
	 * multicast to the solicited-node group, else unicast to it (PROBE). 0 or -errno. */
	int (*solicit6)(void *arg, uint16_t port, const struct fw_ip6 *ip,
			const struct rte_ether_addr *mac_hint);
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
	uint8_t family;		   /* FW_AF_INET6 in a table made by fw_neigh_new6 */
	struct fw_ip6 ip6;	   /* FW_AF_INET6: the address (ip is 0) */
	uint64_t stale_ms;	   /* IPv6: when the entry became STALE */
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

/* Visit every entry (for `show arp`, `show ipv6 neighbors`), sorted by port then
 * address. Returns the count. */
size_t fw_neigh_walk(const struct fw_neigh *n,
		     void (*fn)(void *arg, const struct fw_neigh_entry *e), void *arg);

/* Forget learned MACs and ask again for every wanted address (`clear arp`). */
void fw_neigh_flush(struct fw_neigh *n);

const char *fw_neigh_state_name(enum fw_neigh_state s);

/* ---- IPv6 tables ------------------------------------------------------------------ */

/* A table of IPv6 neighbours (ops->solicit6 is used, ops->solicit never). NULL + errno. */
struct fw_neigh *fw_neigh_new6(struct tula_loop *loop, const struct fw_neigh_params *params,
			       const struct fw_neigh_ops *ops, void *arg);

/* FW_AF_INET or FW_AF_INET6. */
uint8_t fw_neigh_family(const struct fw_neigh *n);

/* fw_neigh_set_wanted for an IPv6 table. Returns 0, -ENOMEM, -EAFNOSUPPORT (a v4 table). */
int fw_neigh_set_wanted6(struct fw_neigh *n, const uint16_t *ports, const struct fw_ip6 *ips,
			 size_t count);

/* What fw_neigh_input6 was told. */
#define FW_NEIGH_F_ADVERT    0x1 /* a Neighbor Advertisement (else a Solicitation) */
#define FW_NEIGH_F_SOLICITED 0x2 /* NA: the Solicited flag */
#define FW_NEIGH_F_OVERRIDE  0x4 /* NA: the Override flag */

/*
 * The data path punted an NA for target ip (flags FW_NEIGH_F_ADVERT | ...) or an NS
 * from ip on port; mac is the message's link-layer address option, NULL when it had
 * none. Applies RFC 4861 7.2.5 (NA) or 7.2.3 (NS) to a wanted entry; others are ignored.
 */
void fw_neigh_input6(struct fw_neigh *n, uint16_t port, const struct fw_ip6 *ip,
		     const struct rte_ether_addr *mac, unsigned int flags);

/* fw_neigh_lookup for an IPv6 table: 0 when REACHABLE, STALE or PROBE, else as there. */
int fw_neigh_lookup6(const struct fw_neigh *n, uint16_t port, const struct fw_ip6 *ip,
		     struct rte_ether_addr *mac);

#endif
