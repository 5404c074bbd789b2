/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show services dsr backend-setup vip NAME [backend NAME]`: the Linux commands each
 * backend needs to serve a VIP in Direct Server Return, per mode (the README's table
 * of modes), once per backend with its address filled in, the persistent
 * /etc/sysctl.d/99-dsr.conf lines, then the checks an operator runs when it does not
 * work. Built as a tula_val (`| display json` gives each backend's commands as a list)
 * from the VIP's attributes alone, so it is tested without a daemon.
 *
 * Why each step: the backend answers the client from the VIP, so it must own the VIP
 * (on lo) yet never answer ARP for it (arp_ignore=1, arp_announce=2) or the segment
 * would learn the backend's MAC for the VIP. In l3 mode packets arrive inside IP-in-IP
 * (protocol 4) addressed to the backend's own address: a named tunnel `ipip0` bound to
 * that local address (remote any: Tula's source is whichever self address routes)
 * decapsulates them and carries the VIP, and rp_filter must not drop packets whose
 * client source is not routed back through the tunnel.
 *
 * IPv6 VIPs need other commands, because Linux has no arp_ignore for IPv6 and does not
 * need one. Measured on this project's lab kernel (6.x, two namespaces joined by a veth,
 * the VIP fd00:1::100/128 on the backend's lo, its LAN address fd00:1::2/64):
 *   - Neighbor Solicitations for the VIP get no answer, neither to its solicited-node
 *     group nor unicast to the backend's MAC, nor with forwarding=1 and proxy_ndp=1: the
 *     kernel answers an NS only for addresses of the interface it came in on (the
 *     client's neighbour entry for the VIP stays INCOMPLETE);
 *   - an address on lo is never tentative (loopback does no duplicate address
 *     detection): `nodad` changes nothing there;
 *   - a TCP connection to [VIP]:80 is answered from the VIP (SYN-ACK source fd00:1::100),
 *     also with the VIP deprecated (preferred_lft 0); a UDP service bound to [::] without
 *     IPV6_PKTINFO answers from fd00:1::2 (the source-address rules pick the outgoing
 *     interface's address), so UDP services must bind the VIP;
 *   - the backend's own NS (resolving the client to send its SYN-ACK from the VIP) comes
 *     from its link-local address, never from the VIP;
 *   - the source of the backend's NEW connections: with its own address on lo and only a
 *     link-local on the LAN interface (addresses on loopback, as in routed designs),
 *     `ip -6 route get` to a destination sharing a longer prefix with the VIP gave
 *     `src fd00:1::100` — its replies would then go to Tula; with the VIP deprecated
 *     (preferred_lft 0) it gave the backend's own address (RFC 6724 rule 3);
 *   - the VIP on the LAN interface (a mistake) makes the backend probe it (DAD, NS from
 *     ::) and answer NS for it: an nftables rule `icmpv6 type nd-neighbor-solicit
 *     @th,64,128 <VIP as 128-bit hex>` (the NS target follows 8 bytes of ICMPv6 header)
 *     in an inet input chain, or a netdev ingress chain, drops them and nothing else
 *     (the NS for the backend's own address was still answered).
 * So a v6 backend gets: the VIP on lo with preferred_lft 0 (no nodad: nothing to skip),
 * that nftables rule as a guard against the VIP landing on a LAN interface, and in l3
 * mode an ip6ip6 tunnel on the backend's address (module ip6_tunnel). IPv6 has no
 * rp_filter sysctl: its reverse-path filters are firewall rules (nft `fib`, firewalld's
 * IPv6_rpfilter), named in the checks. tests/lab/test-backend-setup6.sh runs these
 * commands, as this command prints them, on a bare backend.
 */
#include "shell/sh_session.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

/* The nftables names the v6 commands create (one table for every VIP of a backend). */
#define NFT_TABLE "inet tula_dsr"
#define NFT_CHAIN "ns_guard"
#define TUN6	  "ip6dsr0"

static void step(struct tula_val *steps, struct tula_val *flat, const char *title,
		 const char *const *cmds)
{
	struct tula_val *st = tula_val_map(), *l = tula_val_list();

	for (; *cmds != NULL; cmds++) {
		tula_val_list_add(l, tula_val_str(*cmds));
		tula_val_list_add(flat, tula_val_str(*cmds));
	}
	tula_val_map_set(st, "title", tula_val_str(title));
	tula_val_map_set(st, "commands", l);
	tula_val_list_add(steps, st);
}

static struct tula_val *one_backend(const char *name, const char *baddr, const char *vip_addr,
				    int l3)
{
	struct tula_val *b = tula_val_map(), *steps = tula_val_list(), *flat = tula_val_list();
	char lo[64], tun[160], tunaddr[64];
	const char *c_lo[] = {lo, NULL};
	const char *c_arp[] = {"sysctl -w net.ipv4.conf.all.arp_ignore=1",
			       "sysctl -w net.ipv4.conf.all.arp_announce=2", NULL};
	const char *c_tun[] = {"modprobe ipip", tun, "ip link set ipip0 up", tunaddr, NULL};
	const char *c_rp[] = {"sysctl -w net.ipv4.conf.ipip0.rp_filter=0",
			      "sysctl -w net.ipv4.conf.all.rp_filter=0", NULL};

	snprintf(lo, sizeof(lo), "ip addr add %s/32 dev lo", vip_addr);
	snprintf(tun, sizeof(tun), "ip link add ipip0 type ipip local %s remote any", baddr);
	snprintf(tunaddr, sizeof(tunaddr), "ip addr add %s/32 dev ipip0", vip_addr);
	tula_val_map_set(b, "name", tula_val_str(name));
	tula_val_map_set(b, "address", tula_val_str(baddr));
	step(steps, flat, "The VIP on the loopback interface", c_lo);
	step(steps, flat, "Never answer or announce ARP for the VIP", c_arp);
	if (l3) {
		step(steps, flat,
		     "Decapsulate IP-in-IP: a tunnel on this backend's address that carries "
		     "the VIP",
		     c_tun);
		step(steps, flat, "Accept packets whose source is not routed back through ipip0",
		     c_rp);
	}
	tula_val_map_set(b, "steps", steps);
	tula_val_map_set(b, "commands", flat);
	return b;
}

/* addr as nftables' 128-bit integer ("0x" and 32 hex digits), for a raw payload match */
static void nft_hex(const struct in6_addr *a, char *out, size_t len)
{
	size_t o = (size_t)snprintf(out, len, "0x");

	for (size_t i = 0; i < 16 && o + 2 < len; i++, o += 2)
		snprintf(out + o, len - o, "%02x", a->s6_addr[i]);
}

static struct tula_val *one_backend6(const char *name, const char *baddr, const char *vip_addr,
				     const struct in6_addr *vip6, int l3)
{
	struct tula_val *b = tula_val_map(), *steps = tula_val_list(), *flat = tula_val_list();
	char lo[96], rule[192], hex[40], tun[160];
	const char *c_lo[] = {lo, NULL};
	const char *c_ns[] = {"nft add table " NFT_TABLE,
			      "nft add chain " NFT_TABLE " " NFT_CHAIN
			      " '{ type filter hook input priority filter; }'",
			      rule, NULL};
	const char *c_tun[] = {"modprobe ip6_tunnel", tun, "ip link set " TUN6 " up", NULL};

	nft_hex(vip6, hex, sizeof(hex));
	snprintf(lo, sizeof(lo), "ip -6 addr add %s/128 dev lo preferred_lft 0", vip_addr);
	snprintf(rule, sizeof(rule),
		 "nft add rule " NFT_TABLE " " NFT_CHAIN
		 " icmpv6 type nd-neighbor-solicit @th,64,128 %s counter drop",
		 hex);
	snprintf(tun, sizeof(tun), "ip -6 tunnel add " TUN6 " mode ip6ip6 local %s remote any",
		 baddr);
	tula_val_map_set(b, "name", tula_val_str(name));
	tula_val_map_set(b, "address", tula_val_str(baddr));
	step(steps, flat,
	     "The VIP on the loopback interface, deprecated: still accepted and answered "
	     "from, never the source of the backend's own new connections",
	     c_lo);
	step(steps, flat,
	     "Never answer Neighbor Solicitations for the VIP (Linux answers only for the "
	     "interface's own addresses: this drops them should the VIP ever be put on a LAN "
	     "interface)",
	     c_ns);
	if (l3)
		step(steps, flat,
		     "Decapsulate IPv6-in-IPv6 (next header 41): a tunnel on this backend's "
		     "address",
		     c_tun);
	tula_val_map_set(b, "steps", steps);
	tula_val_map_set(b, "commands", flat);
	return b;
}

static void check(struct tula_val *l, const char *cmd, const char *expect)
{
	struct tula_val *c = tula_val_map();

	tula_val_map_set(c, "command", tula_val_str(cmd));
	tula_val_map_set(c, "expect", tula_val_str(expect));
	tula_val_list_add(l, c);
}

static struct tula_val *setup6(const char *vip, const char *address, const struct in6_addr *a6,
			       const char *protocol, unsigned port, int l3,
			       const struct sh_dsr_backend *be, size_t nbe)
{
	struct tula_val *v = tula_val_map(), *bl = tula_val_list(), *checks = tula_val_list();
	char buf[200], hex[40];

	tula_val_map_set(v, "vip", tula_val_str(vip));
	tula_val_map_set(v, "family", tula_val_str("inet6"));
	tula_val_map_set(v, "address", tula_val_str(address));
	tula_val_map_set(v, "protocol", tula_val_str(protocol));
	tula_val_map_set(v, "port", tula_val_uint(port));
	tula_val_map_set(v, "mode", tula_val_str(l3 ? "l3" : "l2"));
	for (size_t i = 0; i < nbe; i++)
		tula_val_list_add(bl, one_backend6(be[i].name, be[i].address, address, a6, l3));
	if (nbe == 0)
		tula_val_list_add(bl, one_backend6("", "<backend-address>", address, a6, l3));
	tula_val_map_set(v, "backends", bl);
	if (l3)
		tula_val_map_set(v, "modules-load", tula_val_str("ip6_tunnel"));

	nft_hex(a6, hex, sizeof(hex));
	snprintf(buf, sizeof(buf), "%s/128 must be listed, deprecated (preferred_lft 0sec)",
		 address);
	check(checks, "ip -6 addr show dev lo", buf);
	snprintf(buf, sizeof(buf),
		 "a drop rule for @th,64,128 %s (its counter: solicitations kept unanswered)", hex);
	check(checks, "nft list chain " NFT_TABLE " " NFT_CHAIN, buf);
	snprintf(buf, sizeof(buf), "src must be this backend's own address, never %s", address);
	check(checks, "ip -6 route get <a-client-address>", buf);
	if (l3) {
		check(checks, "lsmod | grep ip6_tunnel", "the module must be loaded");
		check(checks, "ip -d link show " TUN6,
		      "up, ip6ip6, local the backend's address, remote any");
		check(checks, "nft list ruleset | grep fib",
		      "no reverse-path filter (fib saddr . iif oif missing drop; firewalld's "
		      "IPv6_rpfilter) may drop what " TUN6
		      " decapsulates: IPv6 has no rp_filter sysctl, only such rules");
		check(checks, "ip6tables -I INPUT -p 41 -j ACCEPT",
		      "next header 41 (IPv6-in-IPv6) allowed here and by every firewall between "
		      "Tula and the backend");
	}
	if (strcmp(protocol, "udp") == 0)
		check(checks, "ss -lnu",
		      "the service listens on the VIP itself: a UDP socket on [::] answers from "
		      "the backend's own address");
	else
		check(checks, "ss -lnt", "the service listens on the VIP (or on [::])");
	tula_val_map_set(v, "checks", checks);
	return v;
}

struct tula_val *sh_dsr_backend_setup(const char *vip, const char *address, const char *protocol,
				      unsigned port, int l3, const struct sh_dsr_backend *be,
				      size_t nbe)
{
	struct tula_val *v, *bl, *checks;
	struct tula_buf conf = TULA_BUF_INIT;
	struct in6_addr a6;
	char buf[160];

	if (inet_pton(AF_INET6, address, &a6) == 1)
		return setup6(vip, address, &a6, protocol, port, l3, be, nbe);
	v = tula_val_map();
	bl = tula_val_list();
	checks = tula_val_list();
	tula_val_map_set(v, "vip", tula_val_str(vip));
	tula_val_map_set(v, "family", tula_val_str("inet"));
	tula_val_map_set(v, "address", tula_val_str(address));
	tula_val_map_set(v, "protocol", tula_val_str(protocol));
	tula_val_map_set(v, "port", tula_val_uint(port));
	tula_val_map_set(v, "mode", tula_val_str(l3 ? "l3" : "l2"));
	for (size_t i = 0; i < nbe; i++)
		tula_val_list_add(bl, one_backend(be[i].name, be[i].address, address, l3));
	if (nbe == 0) /* no backend configured yet: the form with a blank to fill */
		tula_val_list_add(bl, one_backend("", "<backend-address>", address, l3));
	tula_val_map_set(v, "backends", bl);

	tula_buf_puts(&conf, "net.ipv4.conf.all.arp_ignore = 1\n"
			     "net.ipv4.conf.all.arp_announce = 2\n");
	if (l3)
		tula_buf_puts(&conf, "net.ipv4.conf.ipip0.rp_filter = 0\n"
				     "net.ipv4.conf.all.rp_filter = 0\n");
	tula_val_map_set(v, "sysctl-conf", tula_val_str(tula_buf_str(&conf)));
	tula_buf_free(&conf);
	if (l3)
		tula_val_map_set(v, "modules-load", tula_val_str("ipip"));

	snprintf(buf, sizeof(buf), "%s/32 must be listed", address);
	check(checks, "ip addr show lo", buf);
	check(checks, "sysctl net.ipv4.conf.all.arp_ignore", "must be 1");
	check(checks, "sysctl net.ipv4.conf.all.arp_announce", "must be 2");
	if (l3) {
		check(checks, "lsmod | grep ipip", "the module must be loaded");
		snprintf(buf, sizeof(buf), "up, local the backend's address, with %s/32", address);
		check(checks, "ip -d addr show ipip0", buf);
		check(checks, "sysctl net.ipv4.conf.ipip0.rp_filter", "must be 0 (or 2)");
		check(checks, "iptables -I INPUT -p 4 -j ACCEPT",
		      "IP protocol 4 (IP-in-IP) allowed here and by every firewall between Tula "
		      "and the backend");
	}
	check(checks, strcmp(protocol, "udp") == 0 ? "ss -lnu" : "ss -lnt",
	      "the service listens on the VIP (or on 0.0.0.0)");
	tula_val_map_set(v, "checks", checks);
	return v;
}

/* The per-backend steps, numbered (both families). */
static void render_backends(const struct tula_val *bl, struct tula_buf *out)
{
	for (size_t i = 0; i < tula_val_count(bl); i++) {
		const struct tula_val *b = tula_val_at(bl, i), *steps = tula_val_get(b, "steps");

		if (tula_val_get_str(b, "name")[0] != '\0')
			tula_buf_printf(out, "\n# ==== backend %s (%s) ====\n",
					tula_val_get_str(b, "name"),
					tula_val_get_str(b, "address"));
		else
			tula_buf_printf(out,
					"\n# ==== every backend (no backend is configured yet: "
					"put its own address for <backend-address>) ====\n");
		for (size_t j = 0; j < tula_val_count(steps); j++) {
			const struct tula_val *st = tula_val_at(steps, j),
					      *cmds = tula_val_get(st, "commands");

			tula_buf_printf(out, "# %zu. %s\n", j + 1, tula_val_get_str(st, "title"));
			for (size_t k = 0; k < tula_val_count(cmds); k++)
				tula_buf_printf(out, "%s\n", tula_val_as_str(tula_val_at(cmds, k)));
		}
	}
}

static void render_checks(const struct tula_val *checks, struct tula_buf *out)
{
	tula_buf_puts(out, "# When it does not work, check on the backend:\n");
	for (size_t i = 0; i < tula_val_count(checks); i++) {
		const struct tula_val *c = tula_val_at(checks, i);

		tula_buf_printf(out, "%-38s # %s\n", tula_val_get_str(c, "command"),
				tula_val_get_str(c, "expect"));
	}
	tula_buf_puts(out, "# and from a client (not from Tula or a backend):\n");
}

static void render6(const struct tula_val *v, struct tula_buf *out)
{
	const char *address = tula_val_get_str(v, "address");
	const char *protocol = tula_val_get_str(v, "protocol");
	unsigned port = (unsigned)tula_val_get_uint(v, "port");
	int l3 = strcmp(tula_val_get_str(v, "mode"), "l3") == 0;
	char portstr[16];

	if (port == 0)
		snprintf(portstr, sizeof(portstr), "all ports");
	else
		snprintf(portstr, sizeof(portstr), "port %u", port);
	tula_buf_printf(out,
			"# Backend set-up for VIP %s: %s %s %s, mode %s\n#   (%s)\n"
			"# Run on each backend of this VIP, as root.\n"
			"# Replies go from the backend straight to the client with source %s,\n"
			"# so the backend must own %s without answering Neighbor Solicitations "
			"for it.\n",
			tula_val_get_str(v, "vip"), address, protocol, portstr, l3 ? "l3" : "l2",
			l3 ? "IPv6-in-IPv6: Tula sends packets inside an outer IPv6 header, next "
			     "header 41"
			   : "MAC rewrite: the backend must share a layer-2 segment with Tula",
			address, address);
	render_backends(tula_val_get(v, "backends"), out);
	tula_buf_puts(out, "\n# Keep the settings across reboots (on each backend):\n"
			   "nft list table " NFT_TABLE " > /etc/tula-dsr.nft\n"
			   "echo 'include \"/etc/tula-dsr.nft\"' >> /etc/nftables.conf\n"
			   "systemctl enable nftables\n");
	if (l3)
		tula_buf_puts(out, "echo ip6_tunnel > /etc/modules-load.d/ip6_tunnel.conf\n");
	tula_buf_printf(out,
			"# and add the VIP address (%s/128 on lo, preferred_lft 0%s) to the "
			"network configuration (ifupdown, netplan, systemd-networkd).\n\n",
			address, l3 ? ", and the " TUN6 " tunnel" : "");
	render_checks(tula_val_get(v, "checks"), out);
	if (strcmp(protocol, "tcp") == 0 && (port == 80 || port == 0))
		tula_buf_printf(out, "curl -g -v 'http://[%s]/'\n", address);
	else if (strcmp(protocol, "tcp") == 0)
		tula_buf_printf(out,
				"curl -g -v 'http://[%s]:%u/'   # or a client of the service\n",
				address, port);
	else
		tula_buf_printf(out, "# a client of the UDP service, aimed at [%s] %s\n", address,
				portstr);
}

void sh_dsr_backend_setup_render(const struct tula_val *v, struct tula_buf *out)
{
	const char *address = tula_val_get_str(v, "address");
	const char *protocol = tula_val_get_str(v, "protocol");
	unsigned port = (unsigned)tula_val_get_uint(v, "port");
	int l3 = strcmp(tula_val_get_str(v, "mode"), "l3") == 0;
	const struct tula_val *bl = tula_val_get(v, "backends"),
			      *checks = tula_val_get(v, "checks");
	char portstr[16];

	if (strcmp(tula_val_get_str(v, "family"), "inet6") == 0) {
		render6(v, out);
		return;
	}
	if (port == 0)
		snprintf(portstr, sizeof(portstr), "all ports");
	else
		snprintf(portstr, sizeof(portstr), "port %u", port);
	tula_buf_printf(out,
			"# Backend set-up for VIP %s: %s %s %s, mode %s\n#   (%s)\n"
			"# Run on each backend of this VIP, as root.\n"
			"# Replies go from the backend straight to the client with source %s,\n"
			"# so the backend must own %s without answering ARP for it.\n",
			tula_val_get_str(v, "vip"), address, protocol, portstr, l3 ? "l3" : "l2",
			l3 ? "IP-in-IP: Tula sends packets inside an outer IPv4 header, protocol 4"
			   : "MAC rewrite: the backend must share a layer-2 segment with Tula",
			address, address);
	render_backends(bl, out);
	tula_buf_printf(out,
			"\n# Keep the settings across reboots (on each backend): "
			"/etc/sysctl.d/99-dsr.conf\n"
			"cat > /etc/sysctl.d/99-dsr.conf <<'EOF'\n%sEOF\n",
			tula_val_get_str(v, "sysctl-conf"));
	if (l3)
		tula_buf_puts(out, "echo ipip > /etc/modules-load.d/ipip.conf\n");
	tula_buf_printf(out,
			"# and add the VIP address (%s/32 on lo%s) to the network "
			"configuration (ifupdown, netplan, systemd-networkd).\n\n",
			address, l3 ? " and the ipip0 tunnel" : "");
	render_checks(checks, out);
	if (strcmp(protocol, "tcp") == 0 && (port == 80 || port == 0))
		tula_buf_printf(out, "curl -v http://%s/\n", address);
	else if (strcmp(protocol, "tcp") == 0)
		tula_buf_printf(out, "curl -v http://%s:%u/   # or a client of the service\n",
				address, port);
	else
		tula_buf_printf(out, "# a client of the UDP service, aimed at %s %s\n", address,
				portstr);
}
