/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 Neighbor Discovery frames for the control side (RFC 4861): the Neighbor
 * Solicitations that resolve backends and next hops, the unsolicited Neighbor
 * Advertisements that announce a VIP, the parsing and validation of what the data path
 * punts (FW_META_PUNT_NDP: whole Ethernet frames), and the conflict test — a host other
 * than Tula claiming one of Tula's v6 addresses (a VIP or a self address).
 *
 * Pure functions on byte buffers: no mbuf, no ring, no timer, no log. Addresses are in
 * network order (struct fw_ip6) as everywhere in the forwarding state.
 *
 * Thread: any (nothing here keeps state); the control thread in practice.
 */
#ifndef FW_NDP_H
#define FW_NDP_H

#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>

#include "firmware/fw_state.h"

/* ICMPv6 types (RFC 4861 4.3, 4.4) and Neighbor Advertisement flags (first byte). */
#define FW_ND_NS	  135
#define FW_ND_NA	  136
#define FW_NA_F_ROUTER	  0x80
#define FW_NA_F_SOLICITED 0x40
#define FW_NA_F_OVERRIDE  0x20

/* Every frame built here: Ethernet 14 + IPv6 40 + NS/NA 24 + one link-layer option 8. */
#define FW_NDP_FRAME_LEN 86

/* A Neighbor Solicitation or Advertisement, as parsed from a frame. */
struct fw_ndp_msg {
	uint8_t type;	 /* FW_ND_NS or FW_ND_NA */
	uint8_t flags;	 /* NA: FW_NA_F_*; NS: 0 */
	uint8_t has_lla; /* a source (NS) or target (NA) link-layer address option came */
	struct rte_ether_addr eth_src, eth_dst;
	struct fw_ip6 src, dst; /* IPv6 header; src all zero: a DAD probe (NS only) */
	struct fw_ip6 target;
	struct rte_ether_addr lla; /* the option's address when has_lla */
};

/* Why fw_ndp_parse refused a frame (RFC 4861 7.1.1, 7.1.2 validity checks). */
enum fw_ndp_bad {
	FW_NDP_OK = 0,
	FW_NDP_BAD_SHORT,     /* shorter than its headers, or payload length beyond it */
	FW_NDP_BAD_NOT_ND,    /* not IPv6 / ICMPv6 NS or NA (extension headers included) */
	FW_NDP_BAD_HOP_LIMIT, /* hop limit not 255: not from this link */
	FW_NDP_BAD_CODE,      /* ICMP code not 0 */
	FW_NDP_BAD_CKSUM,     /* ICMPv6 checksum wrong */
	FW_NDP_BAD_TARGET,    /* target is multicast */
	FW_NDP_BAD_OPTION,    /* an option of length 0 or running past the message */
	FW_NDP_BAD_DAD,	      /* NS from :: not to a solicited-node group, or with an LLA */
	FW_NDP_BAD_SOLICITED, /* NA to a multicast address with the Solicited flag */
};

/* ff02::1:ffXX:XXXX, the solicited-node group of addr (RFC 4291 2.7.1). */
void fw_ndp_solicited_node(const struct fw_ip6 *addr, struct fw_ip6 *group);
/* 33:33 + the group's last four bytes (RFC 2464 7). */
void fw_ndp_multicast_mac(const struct fw_ip6 *group, struct rte_ether_addr *mac);
/* fe80::/64 with the modified EUI-64 of mac (RFC 4291 2.5.1, appendix A). */
void fw_ndp_link_local(const struct rte_ether_addr *mac, struct fw_ip6 *ll);
/* 1 for ff00::/8. */
int fw_ndp_is_multicast(const struct fw_ip6 *a);

/*
 * The source address of a solicitation for target on port p: the port's global v6
 * address whose prefix holds target, else its link-local (p->link_local, or computed
 * from p->mac when the state left it zero).
 */
void fw_ndp_source(const struct fw_state_port *p, const struct fw_ip6 *target, struct fw_ip6 *src);

/*
 * The ICMPv6 checksum over the pseudo-header of src/dst and the len bytes of msg (whose
 * checksum field must be zero or is included as is). Network order result.
 */
uint16_t fw_ndp_cksum(const struct fw_ip6 *src, const struct fw_ip6 *dst, const void *msg,
		      size_t len);

/*
 * A Neighbor Solicitation for target from smac/src, with a source link-layer option.
 * dmac NULL = multicast to target's solicited-node group (resolution); else unicast to
 * dmac and target (RFC 4861 7.2.2: the PROBE refresh). Writes FW_NDP_FRAME_LEN bytes
 * into buf and returns that, or 0 when len is too small.
 */
size_t fw_ndp_build_ns(void *buf, size_t len, const struct rte_ether_addr *smac,
		       const struct rte_ether_addr *dmac, const struct fw_ip6 *src,
		       const struct fw_ip6 *target);

/*
 * A Neighbor Advertisement for target (with a target link-layer option = smac), from
 * src to dst; dst multicast (ff02::1 for an unsolicited announcement, RFC 4861 7.2.6)
 * sets the Ethernet destination to its 33:33 group, else dmac is used. flags are
 * FW_NA_F_*. Returns FW_NDP_FRAME_LEN, or 0 when len is too small.
 */
size_t fw_ndp_build_na(void *buf, size_t len, const struct rte_ether_addr *smac,
		       const struct rte_ether_addr *dmac, const struct fw_ip6 *src,
		       const struct fw_ip6 *dst, const struct fw_ip6 *target, uint8_t flags);

/*
 * Parse and validate an Ethernet frame (one 802.1Q tag allowed) carrying an NS or NA.
 * Returns FW_NDP_OK and fills *m, or the enum fw_ndp_bad reason (then *m is partial).
 */
enum fw_ndp_bad fw_ndp_parse(const void *frame, size_t len, struct fw_ndp_msg *m);

/* What a foreign host claimed. */
enum fw_ndp_claim {
	FW_NDP_CLAIM_NA = 1,  /* advertised the address (answer or announcement) */
	FW_NDP_CLAIM_SRC = 2, /* sent a solicitation from the address */
	FW_NDP_CLAIM_DAD = 3, /* probed for it (duplicate address detection) */
};

/*
 * A conflict: a host other than Tula claims one of Tula's v6 addresses. For a VIP it
 * is typically a backend whose kernel answers Neighbor Solicitations for the VIP
 * (the VIP not on lo only, or no NS filter): it steals the VIP's traffic.
 */
struct fw_ndp_conflict {
	enum fw_ndp_claim claim;
	struct fw_ip6 addr;	     /* the address claimed */
	const char *vip;	     /* the VIP with that address (name), NULL = a self address */
	const char *port;	     /* the self address's port name (vip == NULL) */
	struct rte_ether_addr mac;   /* the claimant: link-layer option, else Ethernet source */
	struct fw_ip6 sender;	     /* the message's IPv6 source (:: for DAD) */
	const char *backend;	     /* the backend whose MAC or address that is, or NULL */
	const char *backend_vip;     /* the VIP that backend belongs to */
	uint8_t backend_family;	     /* that backend's family (FW_AF_INET / FW_AF_INET6) */
	uint32_t backend_addr;	     /* its address: IPv4 (network order) ... */
	struct fw_ip6 backend_addr6; /* ... or IPv6 (a Linux backend answers from the VIP:
				      * sender is then the VIP, this is the backend) */
};

/*
 * Whether m (received on any port) is a conflict against st: an NA whose target, or an
 * NS whose source or DAD target, is a v6 VIP or a self address (global or link-local)
 * of st, from a MAC that is none of st's ports'. Returns 1 and fills *c (its strings
 * point into st), or 0.
 */
int fw_ndp_conflict(const struct fw_state *st, const struct fw_ndp_msg *m,
		    struct fw_ndp_conflict *c);

#endif
