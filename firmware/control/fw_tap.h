/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exception path: a TAP device per port that carries Tula's own addresses in the
 * kernel of Tula's namespace, so Tula's own conversations (health probes, later BGP)
 * use the kernel's TCP/IP stack rather than a hand-made one (firmware/README.md, "The
 * exception path"). The TAP has the port's MAC: what the kernel writes there is already a
 * wire frame for the port; what the data path does not handle for a self address is
 * written back into the TAP.
 *
 * Control thread only. Addresses, routes and neighbours are set with rtnetlink.
 */
#ifndef FW_TAP_H
#define FW_TAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <rte_ether.h>

struct fw_tap;
struct fw_ip6;

/*
 * Create (or re-open) TAP device `name` with `mac`, `mtu`, bring it up and make its
 * kernel side quiet (no redirects, arp_ignore so it answers only for its own addresses;
 * IPv6 off, and set for later without duplicate address detection, router
 * solicitations or autoconfiguration). Returns the TAP, or NULL with errno set.
 */
struct fw_tap *fw_tap_open(const char *name, const struct rte_ether_addr *mac, uint16_t mtu);

/* Delete the device and free. NULL is ignored. */
void fw_tap_close(struct fw_tap *tap);

/* The non-blocking file descriptor to watch for frames the kernel sends. */
int fw_tap_fd(const struct fw_tap *tap);
const char *fw_tap_name(const struct fw_tap *tap);
int fw_tap_ifindex(const struct fw_tap *tap);

/* One frame the kernel sent (<= len bytes): its length, 0 if none, or -errno. */
ssize_t fw_tap_read(struct fw_tap *tap, void *frame, size_t len);
/* Hand one frame to the kernel as if received on the wire: 0 or -errno. */
int fw_tap_write(struct fw_tap *tap, const void *frame, size_t len);

/* Addresses (network byte order), static routes and permanent neighbours in the
 * kernel, each 0 or -errno (adding what exists is not an error). */
int fw_tap_addr(struct fw_tap *tap, int add, uint32_t addr, uint8_t plen);
int fw_tap_route(struct fw_tap *tap, int add, uint32_t dst, uint8_t plen, uint32_t gw);
int fw_tap_neigh(struct fw_tap *tap, int add, uint32_t addr, const struct rte_ether_addr *mac);

/*
 * IPv6 on the TAP: on (1) while the port has a v6 self address, so the kernel side can
 * ping6, probe and speak BGP over IPv6; off (0) drops every v6 address. 0 or -errno.
 */
int fw_tap_ipv6(struct fw_tap *tap, int enable);
/* The IPv6 counterparts of the three above (addresses without DAD; gw NULL or :: for a
 * connected route). */
int fw_tap_addr6(struct fw_tap *tap, int add, const struct fw_ip6 *addr, uint8_t plen);
int fw_tap_route6(struct fw_tap *tap, int add, const struct fw_ip6 *dst, uint8_t plen,
		  const struct fw_ip6 *gw);
int fw_tap_neigh6(struct fw_tap *tap, int add, const struct fw_ip6 *addr,
		  const struct rte_ether_addr *mac);

/*
 * Join (1) or leave (0) an IPv6 multicast group on the TAP: the kernel then reports the
 * membership with MLD out of the TAP, which the control side sends out of the port, so
 * a switch that snoops MLD forwards the group to Tula. Used for the solicited-node
 * groups of the VIPs (no kernel address has them). Needs IPv6 on (fw_tap_ipv6). Joining
 * twice or leaving a group not joined is not an error. 0 or -errno.
 */
int fw_tap_mcast6(struct fw_tap *tap, int join, const struct fw_ip6 *group);

#endif
