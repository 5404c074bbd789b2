/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `show services dsr backend-setup vip NAME`: the Linux commands a backend needs to
 * serve a VIP in Direct Server Return, per mode (the README's table of modes), with the
 * persistent /etc/sysctl.d/99-dsr.conf lines, then the checks an operator runs when it
 * does not work. Pure text from the VIP's attributes, so it is tested without a daemon.
 *
 * Why each step: the backend answers the client from the VIP, so it must own the VIP
 * (on lo) yet never answer ARP for it (arp_ignore=1, arp_announce=2) or the segment
 * would learn the backend's MAC for the VIP. In l3 mode packets arrive inside IP-in-IP
 * (protocol 4): the ipip module's tunl0 decapsulates them, and rp_filter must not drop
 * packets whose client source is not routed back through tunl0.
 */
#include "shell/sh_session.h"

#include <stdio.h>
#include <string.h>

void sh_dsr_backend_setup(struct tula_buf *out, const char *vip, const char *address,
			  const char *protocol, unsigned port, int l3)
{
	char portstr[16];

	if (port == 0)
		snprintf(portstr, sizeof(portstr), "all ports");
	else
		snprintf(portstr, sizeof(portstr), "port %u", port);
	tula_buf_printf(out,
			"# Backend set-up for VIP %s: %s %s %s, mode %s\n#   (%s)\n"
			"# Run on every backend of this VIP, as root.\n"
			"# Replies go from the backend straight to the client with source %s,\n"
			"# so the backend must own %s without answering ARP for it.\n\n",
			vip, address, protocol, portstr, l3 ? "l3" : "l2",
			l3 ? "IP-in-IP: Tula sends packets inside an outer IPv4 header, protocol 4"
			   : "MAC rewrite: the backend must share a layer-2 segment with Tula",
			address, address);
	tula_buf_printf(out,
			"# 1. The VIP on the loopback interface\n"
			"ip addr add %s/32 dev lo\n\n"
			"# 2. Never answer or announce ARP for the VIP\n"
			"sysctl -w net.ipv4.conf.all.arp_ignore=1\n"
			"sysctl -w net.ipv4.conf.all.arp_announce=2\n\n",
			address);
	if (l3)
		tula_buf_printf(
			out,
			"# 3. Decapsulate IP-in-IP: the ipip module and a tunnel interface\n"
			"#    that carries the VIP\n"
			"modprobe ipip\n"
			"ip link set tunl0 up\n"
			"ip addr add %s/32 dev tunl0\n"
			"# Accept packets whose source is not routed back through tunl0\n"
			"sysctl -w net.ipv4.conf.tunl0.rp_filter=0\n"
			"sysctl -w net.ipv4.conf.all.rp_filter=0\n\n",
			address);
	tula_buf_printf(out,
			"# %d. Keep the settings across reboots: /etc/sysctl.d/99-dsr.conf\n"
			"cat > /etc/sysctl.d/99-dsr.conf <<'EOF'\n"
			"net.ipv4.conf.all.arp_ignore = 1\n"
			"net.ipv4.conf.all.arp_announce = 2\n",
			l3 ? 4 : 3);
	if (l3)
		tula_buf_puts(out, "net.ipv4.conf.tunl0.rp_filter = 0\n"
				   "net.ipv4.conf.all.rp_filter = 0\n");
	tula_buf_puts(out, "EOF\n");
	if (l3)
		tula_buf_puts(out, "echo ipip > /etc/modules-load.d/ipip.conf\n");
	tula_buf_printf(out,
			"# and add the VIP address (%s/32 on lo%s) to the network "
			"configuration (ifupdown, netplan, systemd-networkd).\n\n",
			address, l3 ? " and tunl0" : "");
	tula_buf_printf(out,
			"# When it does not work, check on the backend:\n"
			"ip addr show lo                        # %s/32 must be listed\n"
			"sysctl net.ipv4.conf.all.arp_ignore    # must be 1\n"
			"sysctl net.ipv4.conf.all.arp_announce  # must be 2\n",
			address);
	if (l3)
		tula_buf_printf(
			out,
			"lsmod | grep ipip                      # the module must be "
			"loaded\n"
			"ip addr show tunl0                     # up, with %s/32\n"
			"sysctl net.ipv4.conf.tunl0.rp_filter   # must be 0 (or 2)\n"
			"# IP protocol 4 (IP-in-IP) must be allowed by every firewall between "
			"Tula and the backend,\n"
			"# and by the backend's own (iptables -I INPUT -p 4 -j ACCEPT)\n",
			address);
	tula_buf_printf(out,
			"# the service must listen on the VIP (or on 0.0.0.0) %s\n"
			"ss -lnt%s                                 # listening sockets\n"
			"# and from a client (not from Tula or a backend):\n",
			portstr, strcmp(protocol, "udp") == 0 ? "u" : "");
	if (strcmp(protocol, "tcp") == 0 && (port == 80 || port == 0))
		tula_buf_printf(out, "curl -v http://%s/\n", address);
	else if (strcmp(protocol, "tcp") == 0)
		tula_buf_printf(out, "curl -v http://%s:%u/   # or a client of the service\n",
				address, port);
	else
		tula_buf_printf(out, "# a client of the UDP service, aimed at %s %s\n", address,
				portstr);
}
