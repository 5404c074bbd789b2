/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbor Discovery frames byte by byte: what fw_ndp builds must equal scapy's frames
 * (tests/data/ndp_golden.hex, see gen_ndp_golden.py), its checksums must verify with the
 * test's own sum, parsing must take what a host takes and refuse what RFC 4861 7.1 says to
 * refuse, and the conflict test must name who claims which of Tula's addresses.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "firmware/control/fw_ndp.h"

static const struct rte_ether_addr port_mac = {{2, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr be1_mac = {{2, 0, 0, 0, 0, 0x11}};
static const struct rte_ether_addr other_mac = {{2, 0, 0, 0, 0, 0x77}};

static struct fw_ip6 ip6(const char *s)
{
	struct fw_ip6 a;

	assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

/* The golden frame `name` from ndp_golden.hex into out; its length. */
static size_t golden(const char *name, uint8_t *out, size_t cap)
{
	FILE *f = fopen(TT_DATA_DIR "/ndp_golden.hex", "r");
	char line[2048], *sp;
	size_t n = 0;

	if (f == NULL)
		fail_msg("cannot open %s", TT_DATA_DIR "/ndp_golden.hex");
	while (fgets(line, sizeof(line), f) != NULL) {
		sp = strchr(line, ' ');
		if (sp == NULL || (size_t)(sp - line) != strlen(name) ||
		    strncmp(line, name, strlen(name)) != 0)
			continue;
		for (char *h = sp + 1; h[0] && h[1] && h[0] != '\n' && n < cap; h += 2) {
			char b[3] = {h[0], h[1], 0};

			out[n++] = (uint8_t)strtoul(b, NULL, 16);
		}
		fclose(f);
		return n;
	}
	fclose(f);
	fail_msg("golden frame %s not in ndp_golden.hex", name);
	return 0;
}

/* The test's own ICMPv6 checksum check, 32-bit accumulation over the pseudo-header and
 * the message as it is on the wire: a correct frame sums to 0xffff. */
static int cksum_ok(const uint8_t *frame, size_t eth_len)
{
	const uint8_t *ip = frame + eth_len;
	size_t plen = (size_t)ip[4] << 8 | ip[5];
	uint64_t sum = 0;

	for (int i = 8; i < 40; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	sum += plen;
	sum += 58;
	for (size_t i = 0; i < plen; i++)
		sum += i % 2 == 0 ? (uint32_t)ip[40 + i] << 8 : ip[40 + i];
	while (sum > 0xffff)
		sum = (sum >> 16) + (sum & 0xffff);
	return sum == 0xffff;
}

static void solicited_node_group_mac_and_link_local_are_derived_from_the_address(void **state)
{
	struct fw_ip6 a = ip6("2001:db8:1::abcd:1234"), g, ll;
	struct rte_ether_addr mac;
	const struct rte_ether_addr m = {{0x00, 0x1b, 0x21, 0x3a, 0x4b, 0x5c}};

	(void)state;
	fw_ndp_solicited_node(&a, &g);
	assert_memory_equal(g.b, ip6("ff02::1:ffcd:1234").b, 16);
	fw_ndp_multicast_mac(&g, &mac);
	assert_memory_equal(mac.addr_bytes, ((uint8_t[]){0x33, 0x33, 0xff, 0xcd, 0x12, 0x34}), 6);
	fw_ndp_link_local(&m, &ll); /* RFC 4291 appendix A: the U/L bit flips */
	assert_memory_equal(ll.b, ip6("fe80::21b:21ff:fe3a:4b5c").b, 16);
	assert_true(fw_ndp_is_multicast(&g));
	assert_false(fw_ndp_is_multicast(&a));
}

static struct fw_state_port the_port(void)
{
	struct fw_state_port p;

	memset(&p, 0, sizeof(p));
	p.mac = port_mac;
	p.nb_addrs6 = 1;
	p.addrs6[0] = ip6("2001:db8:1::10");
	p.plens6[0] = 64;
	snprintf(p.name, sizeof(p.name), "port0");
	return p;
}

static void resolution_ns_goes_to_the_solicited_node_group_as_scapy_builds_it(void **state)
{
	struct fw_state_port p = the_port();
	struct fw_ip6 tgt = ip6("2001:db8:1::11"), src;
	uint8_t got[128], want[128];
	size_t n;

	(void)state;
	fw_ndp_source(&p, &tgt, &src);
	assert_memory_equal(src.b, ip6("2001:db8:1::10").b, 16);
	n = fw_ndp_build_ns(got, sizeof(got), &port_mac, NULL, &src, &tgt);
	assert_int_equal(n, FW_NDP_FRAME_LEN);
	assert_int_equal(golden("ns_resolve", want, sizeof(want)), n);
	assert_memory_equal(got, want, n);
	/* the fields that matter, independently of scapy */
	assert_memory_equal(got, ((uint8_t[]){0x33, 0x33, 0xff, 0x00, 0x00, 0x11}), 6);
	assert_int_equal(got[14 + 7], 255);	/* hop limit */
	assert_int_equal(got[14 + 40], 135);	/* NS */
	assert_int_equal(got[14 + 40 + 24], 1); /* source link-layer option */
	assert_memory_equal(&got[14 + 40 + 26], port_mac.addr_bytes, 6);
	assert_true(cksum_ok(got, 14));
	/* too small a buffer: nothing written */
	assert_int_equal(fw_ndp_build_ns(got, FW_NDP_FRAME_LEN - 1, &port_mac, NULL, &src, &tgt),
			 0);
}

static void target_outside_every_prefix_is_solicited_from_the_link_local_address(void **state)
{
	struct fw_state_port p = the_port();
	struct fw_ip6 tgt = ip6("2001:db8:2::99"), src;
	uint8_t got[128], want[128];

	(void)state;
	fw_ndp_source(&p, &tgt, &src); /* link_local left zero: computed from the MAC */
	assert_memory_equal(src.b, ip6("fe80::ff:fe00:1").b, 16);
	p.link_local = ip6("fe80::ff:fe00:1");
	fw_ndp_source(&p, &tgt, &src);
	assert_memory_equal(src.b, ip6("fe80::ff:fe00:1").b, 16);
	assert_int_equal(fw_ndp_build_ns(got, sizeof(got), &port_mac, NULL, &src, &tgt),
			 FW_NDP_FRAME_LEN);
	assert_int_equal(golden("ns_resolve_ll", want, sizeof(want)), FW_NDP_FRAME_LEN);
	assert_memory_equal(got, want, FW_NDP_FRAME_LEN);
	assert_true(cksum_ok(got, 14));
}

static void probe_ns_is_unicast_to_the_cached_mac_and_the_target(void **state)
{
	struct fw_ip6 tgt = ip6("2001:db8:1::11"), src = ip6("2001:db8:1::10");
	uint8_t got[128], want[128];

	(void)state;
	assert_int_equal(fw_ndp_build_ns(got, sizeof(got), &port_mac, &be1_mac, &src, &tgt),
			 FW_NDP_FRAME_LEN);
	assert_int_equal(golden("ns_probe", want, sizeof(want)), FW_NDP_FRAME_LEN);
	assert_memory_equal(got, want, FW_NDP_FRAME_LEN);
	assert_memory_equal(got, be1_mac.addr_bytes, 6);
	assert_memory_equal(&got[14 + 24], tgt.b, 16); /* IPv6 destination = target */
	assert_true(cksum_ok(got, 14));
}

static void unsolicited_na_for_a_vip_goes_to_all_nodes_with_override_and_our_mac(void **state)
{
	struct fw_ip6 vip = ip6("2001:db8:1::100"), src = ip6("fe80::ff:fe00:1"),
		      all = ip6("ff02::1");
	uint8_t got[128], want[128];
	struct fw_ndp_msg m;

	(void)state;
	assert_int_equal(fw_ndp_build_na(got, sizeof(got), &port_mac, NULL, &src, &all, &vip,
					 FW_NA_F_OVERRIDE),
			 FW_NDP_FRAME_LEN);
	assert_int_equal(golden("na_unsolicited", want, sizeof(want)), FW_NDP_FRAME_LEN);
	assert_memory_equal(got, want, FW_NDP_FRAME_LEN);
	assert_memory_equal(got, ((uint8_t[]){0x33, 0x33, 0, 0, 0, 1}), 6);
	assert_int_equal(got[14 + 40], 136);
	assert_int_equal(got[14 + 44], 0x20);	/* O only: R and S clear */
	assert_int_equal(got[14 + 40 + 24], 2); /* target link-layer option */
	assert_true(cksum_ok(got, 14));
	/* and it parses back to itself */
	assert_int_equal(fw_ndp_parse(got, FW_NDP_FRAME_LEN, &m), FW_NDP_OK);
	assert_int_equal(m.type, FW_ND_NA);
	assert_int_equal(m.flags, FW_NA_F_OVERRIDE);
	assert_memory_equal(m.target.b, vip.b, 16);
	assert_true(m.has_lla);
	assert_memory_equal(m.lla.addr_bytes, port_mac.addr_bytes, 6);
}

static void backend_na_parses_with_flags_target_and_link_layer_address(void **state)
{
	uint8_t f[128];
	size_t n;
	struct fw_ndp_msg m;

	(void)state;
	n = golden("na_be1_solicited", f, sizeof(f));
	assert_int_equal(fw_ndp_parse(f, n, &m), FW_NDP_OK);
	assert_int_equal(m.type, FW_ND_NA);
	assert_int_equal(m.flags, FW_NA_F_SOLICITED | FW_NA_F_OVERRIDE);
	assert_memory_equal(m.target.b, ip6("2001:db8:1::11").b, 16);
	assert_memory_equal(m.src.b, ip6("2001:db8:1::11").b, 16);
	assert_true(m.has_lla);
	assert_memory_equal(m.lla.addr_bytes, be1_mac.addr_bytes, 6);
	assert_memory_equal(m.eth_src.addr_bytes, be1_mac.addr_bytes, 6);

	n = golden("na_be1_vlan", f, sizeof(f));
	assert_int_equal(fw_ndp_parse(f, n, &m), FW_NDP_OK);
	assert_int_equal(m.flags, FW_NA_F_SOLICITED | FW_NA_F_OVERRIDE);
	assert_memory_equal(m.lla.addr_bytes, be1_mac.addr_bytes, 6);

	n = golden("na_be1_no_lla", f, sizeof(f));
	assert_int_equal(fw_ndp_parse(f, n, &m), FW_NDP_OK);
	assert_false(m.has_lla);
	assert_int_equal(m.flags, FW_NA_F_SOLICITED);

	n = golden("ns_from_be1", f, sizeof(f));
	assert_int_equal(fw_ndp_parse(f, n, &m), FW_NDP_OK);
	assert_int_equal(m.type, FW_ND_NS);
	assert_true(m.has_lla);
	assert_memory_equal(m.lla.addr_bytes, be1_mac.addr_bytes, 6);
	assert_memory_equal(m.target.b, ip6("2001:db8:1::10").b, 16);

	n = golden("ns_dad_other_for_vip", f, sizeof(f));
	assert_int_equal(fw_ndp_parse(f, n, &m), FW_NDP_OK);
	assert_false(m.has_lla);
}

static void invalid_frames_are_refused_with_their_reason(void **state)
{
	static const struct {
		const char *name;
		enum fw_ndp_bad why;
	} cases[] = {
		{"bad_hlim", FW_NDP_BAD_HOP_LIMIT},
		{"bad_code", FW_NDP_BAD_CODE},
		{"bad_cksum", FW_NDP_BAD_CKSUM},
		{"bad_target", FW_NDP_BAD_TARGET},
		{"bad_optlen", FW_NDP_BAD_OPTION},
		{"bad_dad_lla", FW_NDP_BAD_DAD},
		{"bad_mcast_solicited", FW_NDP_BAD_SOLICITED},
	};
	uint8_t f[128];
	struct fw_ndp_msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = golden(cases[i].name, f, sizeof(f));

		if (fw_ndp_parse(f, n, &m) != cases[i].why)
			fail_msg("%s: reason %d, want %d", cases[i].name, fw_ndp_parse(f, n, &m),
				 cases[i].why);
	}
	/* one bit flipped anywhere in the ICMPv6 message breaks the checksum */
	size_t n = golden("na_be1_solicited", f, sizeof(f));

	for (size_t i = 14 + 40 + 4; i < n; i++) {
		f[i] ^= 0x10;
		assert_int_equal(fw_ndp_parse(f, n, &m), FW_NDP_BAD_CKSUM);
		f[i] ^= 0x10;
	}
	/* not NDP at all */
	f[12] = 0x08;
	f[13] = 0x00;
	assert_int_equal(fw_ndp_parse(f, n, &m), FW_NDP_BAD_NOT_ND);
}

static void truncated_frames_are_refused_at_every_length(void **state)
{
	uint8_t f[128], *copy;
	size_t n;
	struct fw_ndp_msg m;

	(void)state;
	n = golden("na_be1_solicited", f, sizeof(f));
	for (size_t len = 0; len < n; len++) {
		copy = malloc(len ? len : 1); /* exact size: a read past it trips the sanitizer */
		memcpy(copy, f, len);
		assert_int_not_equal(fw_ndp_parse(copy, len, &m), FW_NDP_OK);
		free(copy);
	}
	/* Ethernet padding after the message is fine */
	memset(f + n, 0, 10);
	assert_int_equal(fw_ndp_parse(f, n + 10, &m), FW_NDP_OK);
}

/* The golden topology as a forwarding state, by hand (no builder needed). */
struct topo {
	struct fw_state st;
	struct fw_state_vip vips[2];
	struct fw_state_backend bes[2];
};

static void topo_init(struct topo *t)
{
	memset(t, 0, sizeof(*t));
	t->st.nb_ports = 1;
	t->st.ports[0] = the_port();
	t->st.max_vips = 2;
	t->st.vips = t->vips;
	t->st.max_backends = 2;
	t->st.backends = t->bes;
	t->vips[1].gen = 1;
	t->vips[1].family = FW_AF_INET6;
	t->vips[1].addr6 = ip6("2001:db8:1::100");
	snprintf(t->vips[1].name, sizeof(t->vips[1].name), "web6");
	t->bes[0].gen = 1;
	t->bes[0].vip = 1;
	t->bes[0].family = FW_AF_INET6;
	t->bes[0].resolved = 1;
	t->bes[0].addr6 = t->bes[0].nexthop6 = ip6("2001:db8:1::11");
	t->bes[0].mac = be1_mac;
	snprintf(t->bes[0].name, sizeof(t->bes[0].name), "be1");
}

static struct fw_ndp_msg parsed(const char *name)
{
	uint8_t f[128];
	size_t n = golden(name, f, sizeof(f));
	struct fw_ndp_msg m;

	assert_int_equal(fw_ndp_parse(f, n, &m), FW_NDP_OK);
	return m;
}

static void backend_answering_for_the_vip_is_a_conflict_naming_it(void **state)
{
	struct topo t;
	struct fw_ndp_conflict c;
	struct fw_ndp_msg m = parsed("na_be1_for_vip");

	(void)state;
	topo_init(&t);
	assert_int_equal(fw_ndp_conflict(&t.st, &m, &c), 1);
	assert_int_equal(c.claim, FW_NDP_CLAIM_NA);
	assert_string_equal(c.vip, "web6");
	assert_memory_equal(c.addr.b, ip6("2001:db8:1::100").b, 16);
	assert_memory_equal(c.mac.addr_bytes, be1_mac.addr_bytes, 6);
	assert_memory_equal(c.sender.b, ip6("fe80::ff:fe00:11").b, 16);
	assert_non_null(c.backend);
	assert_string_equal(c.backend, "be1");
	assert_string_equal(c.backend_vip, "web6");
	assert_int_equal(c.backend_family, FW_AF_INET6);
	assert_memory_equal(c.backend_addr6.b, ip6("2001:db8:1::11").b, 16); /* not the sender */
}

static void foreign_claims_on_self_addresses_and_dad_for_a_vip_are_conflicts(void **state)
{
	struct topo t;
	struct fw_ndp_conflict c;
	struct fw_ndp_msg m;

	(void)state;
	topo_init(&t);
	m = parsed("na_other_for_self");
	assert_int_equal(fw_ndp_conflict(&t.st, &m, &c), 1);
	assert_int_equal(c.claim, FW_NDP_CLAIM_NA);
	assert_null(c.vip);
	assert_string_equal(c.port, "port0");
	assert_memory_equal(c.mac.addr_bytes, other_mac.addr_bytes, 6);
	assert_null(c.backend);

	m = parsed("ns_dad_other_for_vip");
	assert_int_equal(fw_ndp_conflict(&t.st, &m, &c), 1);
	assert_int_equal(c.claim, FW_NDP_CLAIM_DAD);
	assert_string_equal(c.vip, "web6");
	assert_memory_equal(c.mac.addr_bytes, other_mac.addr_bytes, 6); /* Ethernet source */

	/* a solicitation sent from the link-local address of Tula's port by someone else */
	m = parsed("ns_from_be1");
	m.src = ip6("fe80::ff:fe00:1");
	assert_int_equal(fw_ndp_conflict(&t.st, &m, &c), 1);
	assert_int_equal(c.claim, FW_NDP_CLAIM_SRC);
	assert_string_equal(c.port, "port0");
	assert_string_equal(c.backend, "be1"); /* its MAC is be1's */
}

static void ordinary_traffic_and_our_own_frames_are_no_conflict(void **state)
{
	struct topo t;
	struct fw_ndp_conflict c;
	struct fw_ndp_msg m;
	uint8_t f[128];
	struct fw_ip6 vip = ip6("2001:db8:1::100"), src = ip6("fe80::ff:fe00:1"),
		      all = ip6("ff02::1");

	(void)state;
	topo_init(&t);
	m = parsed("na_be1_solicited"); /* be1 answering for itself */
	assert_int_equal(fw_ndp_conflict(&t.st, &m, &c), 0);
	m = parsed("ns_from_be1"); /* be1 resolving Tula's address */
	assert_int_equal(fw_ndp_conflict(&t.st, &m, &c), 0);
	/* Tula's own announcement, seen again (a looped segment) */
	fw_ndp_build_na(f, sizeof(f), &port_mac, NULL, &src, &all, &vip, FW_NA_F_OVERRIDE);
	assert_int_equal(fw_ndp_parse(f, FW_NDP_FRAME_LEN, &m), FW_NDP_OK);
	assert_int_equal(fw_ndp_conflict(&t.st, &m, &c), 0);
	/* a VIP slot that is unused, or of the other family, claims nothing */
	t.vips[1].family = FW_AF_INET;
	m = parsed("na_be1_for_vip");
	assert_int_equal(fw_ndp_conflict(&t.st, &m, &c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			solicited_node_group_mac_and_link_local_are_derived_from_the_address),
		cmocka_unit_test(resolution_ns_goes_to_the_solicited_node_group_as_scapy_builds_it),
		cmocka_unit_test(
			target_outside_every_prefix_is_solicited_from_the_link_local_address),
		cmocka_unit_test(probe_ns_is_unicast_to_the_cached_mac_and_the_target),
		cmocka_unit_test(
			unsolicited_na_for_a_vip_goes_to_all_nodes_with_override_and_our_mac),
		cmocka_unit_test(backend_na_parses_with_flags_target_and_link_layer_address),
		cmocka_unit_test(invalid_frames_are_refused_with_their_reason),
		cmocka_unit_test(truncated_frames_are_refused_at_every_length),
		cmocka_unit_test(backend_answering_for_the_vip_is_a_conflict_naming_it),
		cmocka_unit_test(foreign_claims_on_self_addresses_and_dad_for_a_vip_are_conflicts),
		cmocka_unit_test(ordinary_traffic_and_our_own_frames_are_no_conflict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
