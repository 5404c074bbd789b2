/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: one Ethernet frame as the data path punts it (FW_META_PUNT_NDP)
 * through what the control side does with it — fw_ndp_parse(), the conflict test against
 * a forwarding state (a v6 VIP, a backend, a port with a global and a link-local
 * address), and an IPv6 neighbour table learning from it (fw_neigh_input6).
 *
 * Input: byte 0, then the frame as received. Byte 0 odd: the ICMPv6 checksum is made
 * right first (where the frame is long enough to hold one), so mutations reach past
 * the checksum into flags, options and the neighbour table.
 *
 * Checked beyond what the sanitizers see: a frame the parser accepts is an NS or NA
 * whose target is not multicast, and what it says survives a round trip — the same
 * message built again by fw_ndp_build_ns / fw_ndp_build_na parses back to the same
 * type, addresses, flags and link-layer address.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tula_loop.h"
#include "firmware/control/fw_ndp.h"
#include "firmware/control/fw_neigh.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fw_state st;
static struct fw_state_vip vips[1];
static struct fw_state_backend bes[1];
static struct tula_loop *loop;
static struct fw_neigh *neigh;

static int solicit6(void *arg, uint16_t port, const struct fw_ip6 *ip,
		    const struct rte_ether_addr *hint)
{
	(void)arg, (void)port, (void)ip, (void)hint;
	return 0;
}

static void changed(void *arg)
{
	(void)arg;
}

static struct fw_ip6 ip6(uint8_t net, uint8_t last)
{
	struct fw_ip6 a = {{0x20, 0x01, 0x0d, 0xb8, 0, net}};

	a.b[15] = last;
	return a;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct fw_neigh_ops ops = {.changed = changed, .solicit6 = solicit6};
	uint16_t ports[2] = {0, 0};
	struct fw_ip6 wanted[2] = {ip6(1, 0x11), ip6(1, 0x12)};

	(void)argc, (void)argv;
	st.nb_ports = 1;
	st.ports[0].mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, 1}};
	st.ports[0].nb_addrs6 = 1;
	st.ports[0].addrs6[0] = ip6(1, 0x10);
	st.ports[0].plens6[0] = 64;
	fw_ndp_link_local(&st.ports[0].mac, &st.ports[0].link_local);
	snprintf(st.ports[0].name, sizeof(st.ports[0].name), "port0");
	st.max_vips = 1;
	st.vips = vips;
	vips[0].gen = 1;
	vips[0].family = FW_AF_INET6;
	vips[0].addr6 = ip6(1, 0x00);
	vips[0].addr6.b[14] = 1; /* 2001:db8:1::100 */
	snprintf(vips[0].name, sizeof(vips[0].name), "web6");
	st.max_backends = 1;
	st.backends = bes;
	bes[0].gen = 1;
	bes[0].family = FW_AF_INET6;
	bes[0].resolved = 1;
	bes[0].addr6 = bes[0].nexthop6 = ip6(1, 0x11);
	bes[0].mac = (struct rte_ether_addr){{2, 0, 0, 0, 0, 0x11}};
	snprintf(bes[0].name, sizeof(bes[0].name), "be1");
	loop = tula_loop_new();
	neigh = loop != NULL ? fw_neigh_new6(loop, NULL, &ops, NULL) : NULL;
	if (neigh == NULL || fw_neigh_set_wanted6(neigh, ports, wanted, 2) < 0)
		abort();
	return 0;
}

static void round_trip(const struct fw_ndp_msg *m)
{
	uint8_t f[FW_NDP_FRAME_LEN];
	struct fw_ndp_msg back;
	const struct rte_ether_addr *lla = m->has_lla ? &m->lla : &m->eth_src;

	/* the option always carries the source MAC in what fw_ndp builds */
	if (m->type == FW_ND_NS) {
		if (fw_ndp_is_multicast(&m->dst) ||
		    (m->src.b[0] == 0 && memcmp(m->src.b, (uint8_t[16]){0}, 16) == 0))
			return; /* resolution or DAD: built differently, covered by the tests */
		fw_ndp_build_ns(f, sizeof(f), lla, &m->eth_dst, &m->src, &m->target);
	} else {
		fw_ndp_build_na(f, sizeof(f), lla, &m->eth_dst, &m->src, &m->dst, &m->target,
				m->flags);
	}
	if (fw_ndp_parse(f, sizeof(f), &back) != FW_NDP_OK || back.type != m->type ||
	    back.flags != m->flags || !fw_ip6_eq(&back.src, &m->src) ||
	    !fw_ip6_eq(&back.target, &m->target) || !back.has_lla ||
	    memcmp(&back.lla, lla, sizeof(*lla)) != 0) {
		fprintf(stderr, "fuzz_ndp: the rebuilt message does not parse back the same\n");
		abort();
	}
}

/* Make the ICMPv6 checksum of frame f right, when it holds one. */
static void fix_cksum(uint8_t *f, size_t len)
{
	size_t off = 14, plen;
	struct fw_ip6 src, dst;
	uint16_t ck;

	if (len >= 18 && f[12] == 0x81 && f[13] == 0x00)
		off += 4;
	if (len < off + 40 + 4)
		return;
	plen = (size_t)f[off + 4] << 8 | f[off + 5];
	if (plen < 4 || plen > len - off - 40)
		return;
	memcpy(src.b, f + off + 8, 16);
	memcpy(dst.b, f + off + 24, 16);
	memset(f + off + 40 + 2, 0, 2);
	ck = fw_ndp_cksum(&src, &dst, f + off + 40, plen);
	memcpy(f + off + 40 + 2, &ck, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fw_ndp_msg m;
	struct fw_ndp_conflict c;
	unsigned int flags;
	uint8_t *f;
	size_t len;
	int ok;

	if (size < 1)
		return 0;
	len = size - 1;
	f = malloc(len ? len : 1); /* exactly the frame: a read past it is a finding */
	if (f == NULL)
		return 0;
	memcpy(f, data + 1, len);
	if (data[0] & 1)
		fix_cksum(f, len);
	ok = fw_ndp_parse(f, len, &m) == FW_NDP_OK;
	free(f);
	if (!ok)
		return 0;
	if ((m.type != FW_ND_NS && m.type != FW_ND_NA) || fw_ndp_is_multicast(&m.target)) {
		fprintf(stderr, "fuzz_ndp: accepted type %u or a multicast target\n", m.type);
		abort();
	}
	fw_ndp_conflict(&st, &m, &c);
	flags = m.type == FW_ND_NA ? FW_NEIGH_F_ADVERT : 0;
	if (m.flags & FW_NA_F_SOLICITED)
		flags |= FW_NEIGH_F_SOLICITED;
	if (m.flags & FW_NA_F_OVERRIDE)
		flags |= FW_NEIGH_F_OVERRIDE;
	fw_neigh_input6(neigh, 0, m.type == FW_ND_NA ? &m.target : &m.src,
			m.has_lla ? &m.lla : NULL, flags);
	round_trip(&m);
	return 0;
}
