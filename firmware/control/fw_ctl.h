/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware's control side: it joins the configuration database to the data path.
 *
 *   commit  validate -> prepare: open new ports (rte_dev_probe), compile the new
 *           effective configuration into a complete forwarding state (fw_state)
 *           -> apply: publish it to every worker (ring message + RCU), then close the
 *           ports no longer configured and bring the TAPs, the neighbour table and
 *           the kernel's view (addresses, routes, VIP neighbours) in line
 *           -> abort: free the state, close the ports prepare opened.
 *   events  a neighbour resolved, changed or failed, or a backend's health changed:
 *           the active configuration is compiled again and published (one rebuild
 *           per loop turn however many events arrived).
 *   punt    ARP replies and NDP advertisements feed the neighbour tables (IPv4, IPv6);
 *           packets for Tula's own addresses
 *           go to the kernel through the port's TAP; what the kernel sends on a TAP
 *           goes out of the port (health probes to a VIP through the DSR path, steered
 *           to the backend they test by their source port).
 *
 * Control thread only: every function runs on the tula_loop's thread.
 */
#ifndef FW_CTL_H
#define FW_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "firmware/control/fw_neigh.h"

struct db;
struct db_node;
struct fw_dp;
struct fw_ctl;
struct fw_ip6;
struct fw_state;
struct fw_ip6;
struct tula_loop;

struct fw_ctl_conf {
	struct tula_loop *loop;
	struct db *db;
	struct fw_dp *dp;
	uint16_t nb_queues;		     /* RX/TX queue pairs per port: one per worker */
	const struct fw_neigh_params *neigh; /* NULL = defaults */
};

/*
 * Create the control side and register its commit hook ("firmware") with db.
 * Returns NULL with errno on failure.
 */
struct fw_ctl *fw_ctl_new(const struct fw_ctl_conf *conf);

/* Unregister, close every port and TAP, free. The data path must be stopped or
 * about to be freed. NULL is ignored. */
void fw_ctl_free(struct fw_ctl *ctl);

/* The hash of a backend by its VIP's name and its address (family FW_AF_INET: addr,
 * network order; FW_AF_INET6: addr6): FNV-1a, for the control side's indexes of
 * backends (health marks here, probes in the health checker). */
static inline uint32_t fw_ctl_backend_hash(const char *vip, uint8_t family, uint32_t addr,
					   const struct fw_ip6 *addr6)
{
	const uint8_t *b = family == FW_AF_INET6 ? addr6->b : (const uint8_t *)&addr;
	size_t n = family == FW_AF_INET6 ? 16 : 4;
	uint32_t x = 2166136261u; /* FNV-1a */

	for (; *vip != '\0'; vip++)
		x = (x ^ (uint8_t)*vip) * 16777619u;
	for (size_t i = 0; i < n; i++)
		x = (x ^ b[i]) * 16777619u;
	return x ^ family;
}

/* Health of backend `addr` of VIP `vip` (configuration name); 1 = up. A change is
 * published at once (only that backend's flows move). Returns 0 or -ENOMEM. */
int fw_ctl_set_backend_up(struct fw_ctl *ctl, const char *vip, uint32_t addr, int up);
/* 1 when up (the default), 0 when marked down. */
int fw_ctl_backend_up(const struct fw_ctl *ctl, const char *vip, uint32_t addr);
/* The same for an IPv6 backend (its address in network order). */
int fw_ctl_set_backend6_up(struct fw_ctl *ctl, const char *vip, const struct fw_ip6 *addr, int up);
int fw_ctl_backend6_up(const struct fw_ctl *ctl, const char *vip, const struct fw_ip6 *addr);

/*
 * Health probes prove the very path data takes: a frame the kernel sends on a TAP from
 * source port `sport` to the VIP's address goes through the DSR rewrite to backend
 * `be_addr` of the VIP (addr, proto, port) — whatever its destination port, so a check
 * may probe another port than the VIP's. NULL removes the steering of sport.
 */
struct fw_ctl_steer {
	uint32_t vip_addr; /* network order */
	uint8_t proto;	   /* IPPROTO_TCP / IPPROTO_UDP */
	uint16_t vip_port; /* host order, 0 = `port *` */
	uint32_t be_addr;  /* network order */
	uint8_t family;	   /* FW_AF_INET6: vip6 and be6 instead of vip_addr and be_addr */
	struct fw_ip6 vip6;
	struct fw_ip6 be6;
};
void fw_ctl_steer(struct fw_ctl *ctl, uint16_t sport, const struct fw_ctl_steer *target);

/*
 * Every ARP packet the data path punts (replies, and requests it does not answer) is
 * shown to fn with the port it came in on — ARP conflict detection listens here.
 * One observer; NULL removes it.
 */
typedef void (*fw_ctl_arp_fn)(void *arg, uint16_t port_id, uint16_t op, uint32_t sip,
			      const struct rte_ether_addr *sha, uint32_t tip);
void fw_ctl_arp_observer(struct fw_ctl *ctl, fw_ctl_arp_fn fn, void *arg);

/*
 * Send an ARP request for tip out of port_id (from the port's MAC and, as sender, the
 * self address sharing a subnet with tip, else 0.0.0.0). Returns 0 or -errno.
 */
int fw_ctl_arp_request(struct fw_ctl *ctl, uint16_t port_id, uint32_t tip);

/*
 * Every IPv6 Neighbor Discovery frame the data path punts (FW_META_PUNT_NDP: NA, and
 * NS it does not answer) is shown to fn as the whole Ethernet frame, with the port it
 * came in on — NDP conflict detection listens here. One observer; NULL removes it.
 */
typedef void (*fw_ctl_ndp_fn)(void *arg, uint16_t port_id, const void *frame, size_t len);
void fw_ctl_ndp_observer(struct fw_ctl *ctl, fw_ctl_ndp_fn fn, void *arg);

/*
 * Send a Neighbor Solicitation for target out of port_id, to target's solicited-node
 * group, from the port's MAC and its v6 address for target (fw_ndp_source). Returns 0
 * or -errno.
 */
int fw_ctl_ns_request(struct fw_ctl *ctl, uint16_t port_id, const struct fw_ip6 *target);

/* The published forwarding state (read-only; valid until the next loop turn). */
const struct fw_state *fw_ctl_state(const struct fw_ctl *ctl);

/* An open port as the operator knows it. */
struct fw_ctl_port {
	const char *name;    /* configuration name: "port0" */
	const char *devargs; /* as configured */
	const char *tap;     /* the TAP carrying its self addresses in the kernel */
	uint16_t port_id;
	uint16_t mtu;
	struct rte_ether_addr mac;
	uint16_t nb_queues;  /* RX = TX queue pairs (one per worker) */
	uint64_t rss_hf;     /* RSS hash fields in use, 0 = none */
	uint16_t reta_size;  /* redirection table entries, 0 = none set */
	int socket;	     /* NUMA socket, -1 = any */
	uint32_t pool_size;  /* mbufs in the port's pool */
	uint32_t pool_avail; /* of which free now */
	uint8_t tx_ip_cksum_offload, tx_multi_seg, rx_ip_cksum_offload;
};
/* Visit the open ports in configuration order. Returns the count. */
size_t fw_ctl_ports(const struct fw_ctl *ctl, void (*fn)(void *arg, const struct fw_ctl_port *p),
		    void *arg);

/* The port's configuration name for a DPDK port id, or NULL. */
const char *fw_ctl_port_name(const struct fw_ctl *ctl, uint16_t port_id);

struct fw_neigh *fw_ctl_neigh(struct fw_ctl *ctl);
struct fw_neigh *fw_ctl_neigh6(struct fw_ctl *ctl); /* IPv6 (fw_neigh_new6) */
struct fw_dp *fw_ctl_dp(struct fw_ctl *ctl);

/*
 * The data path's limits (`system data-path`). Table sizes (flows_per_worker, max_vips,
 * max_backends) are fixed when fw_dp is created: a commit that changes them is accepted
 * with a warning and they wait for a restart. new_flow_rate and idle_sleep_us travel in
 * each published state and apply at once.
 */
struct fw_ctl_limits {
	uint32_t flows_per_worker;
	uint32_t max_vips;
	uint32_t max_backends;
	uint32_t new_flow_rate; /* new flows pinned per second per worker, 0 = no cap */
	uint32_t idle_sleep_us; /* 0 = busy-poll */
};
/* The limits cfg (an effective tree, NULL = empty) sets, schema defaults for the rest. */
void fw_ctl_limits(const struct db_node *cfg, struct fw_ctl_limits *out);
/* The limits in force: fw_dp's sizes, the published state's rate and sleep. */
void fw_ctl_limits_in_force(const struct fw_ctl *ctl, struct fw_ctl_limits *out);

/* Control-side counters (frames through the TAPs and what could not be passed on). */
struct fw_ctl_stats {
	uint64_t punted;	    /* taken from the punt ring */
	uint64_t to_kernel;	    /* written into a TAP */
	uint64_t from_kernel;	    /* read from a TAP */
	uint64_t injected;	    /* handed to the data path */
	uint64_t dropped;	    /* could not be passed on (ring full, no port, no mbuf) */
	uint64_t unsteered;	    /* kernel packets to a VIP without a probe steering */
	uint64_t arp_requests;	    /* neighbour solicitations sent */
	uint64_t garps;		    /* gratuitous ARPs sent */
	uint64_t nd_solicits;	    /* IPv6 Neighbor Solicitations sent */
	uint64_t unsolicited_nas;   /* IPv6 announcements (unsolicited NAs) sent */
	uint64_t ndp_invalid;	    /* punted NS/NA refused (RFC 4861 7.1 checks) */
	uint64_t kernel_v6_dropped; /* RS/RA/redirect/DAD from a TAP, not sent */
	uint64_t publishes;	    /* forwarding states published */
	uint64_t rebuild_errors;    /* event-driven rebuilds that failed (logged) */
};
void fw_ctl_stats(const struct fw_ctl *ctl, struct fw_ctl_stats *out);

#endif
