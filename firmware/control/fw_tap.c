/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TAP device and the few rtnetlink requests Tula needs (address, route, neighbour).
 * A netlink request is a header plus a handful of attributes and an ACK to wait for;
 * it is short enough here not to pull in a netlink library.
 */
#include "firmware/control/fw_tap.h"

#include "firmware/fw_state.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_tun.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct fw_tap {
	int fd;
	int ifindex;
	int mc_fd; /* IPv6 socket holding the TAP's multicast memberships, -1 = none yet */
	char name[IFNAMSIZ];
};

int fw_tap_fd(const struct fw_tap *tap)
{
	return tap->fd;
}

const char *fw_tap_name(const struct fw_tap *tap)
{
	return tap->name;
}

int fw_tap_ifindex(const struct fw_tap *tap)
{
	return tap->ifindex;
}

static int write_sysctl(const char *fmt, const char *ifname, const char *value)
{
	char path[256];
	int fd, rc = 0;

	snprintf(path, sizeof(path), fmt, ifname);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

static int set_link(const char *name, const struct rte_ether_addr *mac, uint16_t mtu)
{
	struct ifreq ifr;
	int s, rc = 0;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_hwaddr.sa_family = 1; /* ARPHRD_ETHER */
	memcpy(ifr.ifr_hwaddr.sa_data, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	if (ioctl(s, SIOCSIFHWADDR, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	if (mtu != 0) {
		ifr.ifr_mtu = mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
			rc = -errno;
			goto out;
		}
	}
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		rc = -errno;
		goto out;
	}
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		rc = -errno;
out:
	close(s);
	return rc;
}

struct fw_tap *fw_tap_open(const char *name, const struct rte_ether_addr *mac, uint16_t mtu)
{
	struct fw_tap *tap;
	struct ifreq ifr;
	int rc;

	if (strlen(name) >= IFNAMSIZ) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	tap = calloc(1, sizeof(*tap));
	if (tap == NULL)
		return NULL;
	tap->mc_fd = -1;
	tap->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (tap->fd < 0)
		goto fail;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(tap->fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	snprintf(tap->name, sizeof(tap->name), "%s", ifr.ifr_name);
	/* Quiet kernel side: no redirects, ARP only for its own addresses, and IPv6 off
	 * until the port has a v6 self address (fw_tap_ipv6). For then, already: no duplicate
	 * address detection (Tula owns its addresses and defends them in the data path; a
	 * tentative address would only delay BGP and probes), no router solicitations or
	 * autoconfiguration from whatever router is on the segment (routes are Tula's
	 * configuration), and a link-local address from the MAC (EUI-64), the one the data
	 * path answers for. */
	write_sysctl("/proc/sys/net/ipv6/conf/%s/disable_ipv6", tap->name, "1");
	write_sysctl("/proc/sys/net/ipv6/conf/%s/accept_dad", tap->name, "0");
	write_sysctl("/proc/sys/net/ipv6/conf/%s/dad_transmits", tap->name, "0");
	write_sysctl("/proc/sys/net/ipv6/conf/%s/router_solicitations", tap->name, "0");
	write_sysctl("/proc/sys/net/ipv6/conf/%s/accept_ra", tap->name, "0");
	write_sysctl("/proc/sys/net/ipv6/conf/%s/autoconf", tap->name, "0");
	write_sysctl("/proc/sys/net/ipv6/conf/%s/addr_gen_mode", tap->name, "0");
	write_sysctl("/proc/sys/net/ipv4/conf/%s/send_redirects", tap->name, "0");
	write_sysctl("/proc/sys/net/ipv4/conf/%s/arp_ignore", tap->name, "1");
	write_sysctl("/proc/sys/net/ipv4/conf/%s/rp_filter", tap->name, "0");
	rc = set_link(tap->name, mac, mtu);
	if (rc < 0) {
		errno = -rc;
		goto fail;
	}
	tap->ifindex = (int)if_nametoindex(tap->name);
	if (tap->ifindex == 0)
		goto fail;
	return tap;
fail:
	rc = errno;
	if (tap->fd >= 0)
		close(tap->fd);
	free(tap);
	errno = rc;
	return NULL;
}

void fw_tap_close(struct fw_tap *tap)
{
	if (tap == NULL)
		return;
	if (tap->mc_fd >= 0)
		close(tap->mc_fd); /* memberships end with it */
	close(tap->fd);		   /* a non-persistent TAP disappears with its last descriptor */
	free(tap);
}

int fw_tap_ipv6(struct fw_tap *tap, int enable)
{
	return write_sysctl("/proc/sys/net/ipv6/conf/%s/disable_ipv6", tap->name,
			    enable ? "0" : "1");
}

ssize_t fw_tap_read(struct fw_tap *tap, void *frame, size_t len)
{
	ssize_t n = read(tap->fd, frame, len);

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	return n;
}

int fw_tap_write(struct fw_tap *tap, const void *frame, size_t len)
{
	ssize_t n = write(tap->fd, frame, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

/* --- rtnetlink ------------------------------------------------------------------------ */

struct nlreq {
	struct nlmsghdr nh;
	union {
		struct ifaddrmsg ifa;
		struct rtmsg rt;
		struct ndmsg nd;
	};
	char attrs[256];
};

static void add_attr(struct nlreq *req, unsigned short type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->nh.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	req->nh.nlmsg_len = NLMSG_ALIGN(req->nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
}

/* Send one request and wait for its ACK. Returns 0 or -errno from the kernel. */
static int nl_talk(struct nlreq *req)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	char buf[4096];
	int s, rc = -EIO;
	ssize_t n;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0)
		return -errno;
	req->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nh.nlmsg_seq = 1;
	if (sendto(s, req, req->nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	n = recv(s, buf, sizeof(buf), 0);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)n);
	     h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(h);

			rc = e->error;
			break;
		}
	}
out:
	close(s);
	return rc;
}

static void nl_init(struct nlreq *req, unsigned short type, int add, size_t body)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = (unsigned int)NLMSG_LENGTH(body);
	req->nh.nlmsg_type = type;
	if (add)
		req->nh.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
}

static int ignore_exists(int rc, int add)
{
	if (add && rc == -EEXIST)
		return 0;
	if (!add && (rc == -ESRCH || rc == -EADDRNOTAVAIL || rc == -ENOENT))
		return 0;
	return rc;
}

int fw_tap_addr(struct fw_tap *tap, int add, uint32_t addr, uint8_t plen)
{
	struct nlreq req;

	nl_init(&req, add ? RTM_NEWADDR : RTM_DELADDR, add, sizeof(struct ifaddrmsg));
	req.ifa.ifa_family = AF_INET;
	req.ifa.ifa_prefixlen = plen;
	req.ifa.ifa_index = (unsigned int)tap->ifindex;
	add_attr(&req, IFA_LOCAL, &addr, 4);
	add_attr(&req, IFA_ADDRESS, &addr, 4);
	return ignore_exists(nl_talk(&req), add);
}

int fw_tap_route(struct fw_tap *tap, int add, uint32_t dst, uint8_t plen, uint32_t gw)
{
	struct nlreq req;
	uint32_t oif = (uint32_t)tap->ifindex;

	nl_init(&req, add ? RTM_NEWROUTE : RTM_DELROUTE, add, sizeof(struct rtmsg));
	req.rt.rtm_family = AF_INET;
	req.rt.rtm_dst_len = plen;
	req.rt.rtm_table = RT_TABLE_MAIN;
	req.rt.rtm_protocol = RTPROT_STATIC;
	req.rt.rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	req.rt.rtm_type = RTN_UNICAST;
	add_attr(&req, RTA_DST, &dst, 4);
	if (gw)
		add_attr(&req, RTA_GATEWAY, &gw, 4);
	add_attr(&req, RTA_OIF, &oif, 4);
	return ignore_exists(nl_talk(&req), add);
}

int fw_tap_neigh(struct fw_tap *tap, int add, uint32_t addr, const struct rte_ether_addr *mac)
{
	struct nlreq req;

	nl_init(&req, add ? RTM_NEWNEIGH : RTM_DELNEIGH, add, sizeof(struct ndmsg));
	req.nd.ndm_family = AF_INET;
	req.nd.ndm_ifindex = tap->ifindex;
	req.nd.ndm_state = NUD_PERMANENT;
	add_attr(&req, NDA_DST, &addr, 4);
	if (add && mac != NULL)
		add_attr(&req, NDA_LLADDR, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return ignore_exists(nl_talk(&req), add);
}

/* ---- IPv6 ------------------------------------------------------------------------- */

int fw_tap_addr6(struct fw_tap *tap, int add, const struct fw_ip6 *addr, uint8_t plen)
{
	struct nlreq req;
	uint32_t flags = IFA_F_NODAD; /* usable at once: see fw_tap_open */

	nl_init(&req, add ? RTM_NEWADDR : RTM_DELADDR, add, sizeof(struct ifaddrmsg));
	req.ifa.ifa_family = AF_INET6;
	req.ifa.ifa_prefixlen = plen;
	req.ifa.ifa_flags = (unsigned char)flags;
	req.ifa.ifa_index = (unsigned int)tap->ifindex;
	add_attr(&req, IFA_LOCAL, addr->b, 16);
	add_attr(&req, IFA_ADDRESS, addr->b, 16);
	if (add)
		add_attr(&req, IFA_FLAGS, &flags, sizeof(flags));
	return ignore_exists(nl_talk(&req), add);
}

int fw_tap_route6(struct fw_tap *tap, int add, const struct fw_ip6 *dst, uint8_t plen,
		  const struct fw_ip6 *gw)
{
	static const struct fw_ip6 zero;
	struct nlreq req;
	uint32_t oif = (uint32_t)tap->ifindex;
	int via = gw != NULL && !fw_ip6_eq(gw, &zero);

	nl_init(&req, add ? RTM_NEWROUTE : RTM_DELROUTE, add, sizeof(struct rtmsg));
	req.rt.rtm_family = AF_INET6;
	req.rt.rtm_dst_len = plen;
	req.rt.rtm_table = RT_TABLE_MAIN;
	req.rt.rtm_protocol = RTPROT_STATIC;
	req.rt.rtm_scope = RT_SCOPE_UNIVERSE; /* IPv6 routes have no link scope */
	req.rt.rtm_type = RTN_UNICAST;
	add_attr(&req, RTA_DST, dst->b, 16);
	if (via)
		add_attr(&req, RTA_GATEWAY, gw->b, 16);
	add_attr(&req, RTA_OIF, &oif, 4);
	return ignore_exists(nl_talk(&req), add);
}

int fw_tap_neigh6(struct fw_tap *tap, int add, const struct fw_ip6 *addr,
		  const struct rte_ether_addr *mac)
{
	struct nlreq req;

	nl_init(&req, add ? RTM_NEWNEIGH : RTM_DELNEIGH, add, sizeof(struct ndmsg));
	req.nd.ndm_family = AF_INET6;
	req.nd.ndm_ifindex = tap->ifindex;
	req.nd.ndm_state = NUD_PERMANENT;
	add_attr(&req, NDA_DST, addr->b, 16);
	if (add && mac != NULL)
		add_attr(&req, NDA_LLADDR, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	return ignore_exists(nl_talk(&req), add);
}

int fw_tap_mcast6(struct fw_tap *tap, int join, const struct fw_ip6 *group)
{
	struct ipv6_mreq mr;

	if (tap->mc_fd < 0) {
		if (!join)
			return 0;
		tap->mc_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (tap->mc_fd < 0)
			return -errno;
	}
	memset(&mr, 0, sizeof(mr));
	memcpy(&mr.ipv6mr_multiaddr, group->b, sizeof(group->b));
	mr.ipv6mr_interface = (unsigned int)tap->ifindex;
	if (setsockopt(tap->mc_fd, IPPROTO_IPV6, join ? IPV6_ADD_MEMBERSHIP : IPV6_DROP_MEMBERSHIP,
		       &mr, sizeof(mr)) < 0) {
		if (join && errno == EADDRINUSE)
			return 0; /* already a member */
		if (!join && (errno == EADDRNOTAVAIL || errno == EINVAL || errno == ENODEV))
			return 0; /* not (or no longer) a member */
		return -errno;
	}
	return 0;
}
