/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data-path counters: every drop has a named reason, every other event a named counter,
 * and every VIP and backend slot has packets / bytes / new flows.
 *
 * Each worker owns one struct fw_counters (cache aligned, written with plain stores, no
 * atomics). The control side sums them on demand (fw_dp_counters_*() in fw_dp.h); a
 * "clear" stores a baseline on the control side and never writes a worker's memory.
 * VIP and backend arrays are indexed by the stable slot ids of fw_state.h, so counters
 * stay with a VIP or a backend across states.
 */
#ifndef FW_COUNTERS_H
#define FW_COUNTERS_H

#include <stdint.h>

#include <rte_common.h>

/* Drop reasons: X(enum suffix, operator-visible name). Order is ABI for nobody. */
#define FW_DROP_REASONS(X)                              \
	X(NO_STATE, "no-forwarding-state")              \
	X(UNKNOWN_PORT, "unknown-port")                 \
	X(ETH_TRUNCATED, "ethernet-truncated")          \
	X(NOT_OUR_MAC, "not-our-mac")                   \
	X(VLAN_STACKED, "vlan-stacked")                 \
	X(ETHERTYPE, "unsupported-ethertype")           \
	X(ARP_TRUNCATED, "arp-truncated")               \
	X(ARP_BAD, "arp-malformed")                     \
	X(ARP_NOT_OURS, "arp-not-for-us")               \
	X(IP_TRUNCATED, "ip-truncated")                 \
	X(IP_VERSION, "ip-bad-version")                 \
	X(IP_IHL, "ip-bad-header-length")               \
	X(IP_TOTAL_LENGTH, "ip-bad-total-length")       \
	X(IP_CHECKSUM, "ip-bad-checksum")               \
	X(IP_TTL, "ip-ttl-expired")                     \
	X(IP_NOT_OURS, "ip-not-for-us")                 \
	X(IP6_TRUNCATED, "ipv6-truncated")              \
	X(IP6_VERSION, "ipv6-bad-version")              \
	X(IP6_LENGTH, "ipv6-bad-length")                \
	X(IP6_EXT_TRUNCATED, "ipv6-truncated-ext")      \
	X(IP6_EXT_TOO_MANY, "ipv6-too-many-ext")        \
	X(IP6_EXT_BAD, "ipv6-bad-ext")                  \
	X(IP6_HOP_LIMIT, "ipv6-hop-limit-expired")      \
	X(IP6_FRAGMENT, "ipv6-fragment")                \
	X(IP6_NOT_OURS, "ipv6-not-for-us")              \
	X(NDP_BAD, "ndp-malformed")                     \
	X(L4_TRUNCATED, "l4-truncated")                 \
	X(ICMP_CHECKSUM, "icmp-bad-checksum")           \
	X(ICMP_UNHANDLED, "icmp-type-unhandled")        \
	X(ICMP_ERROR_NO_VIP, "icmp-error-not-vip-flow") \
	X(VIP_MISS, "vip-port-protocol-miss")           \
	X(FRAGMENT, "fragment-not-forwardable")         \
	X(NO_BACKEND, "no-usable-backend")              \
	X(TOO_BIG, "too-big-ptb-sent")                  \
	X(FRAG_FAILED, "fragmentation-failed")          \
	X(NO_MBUF, "no-mbuf")                           \
	X(HEADROOM, "no-headroom")                      \
	X(TX_FULL, "tx-queue-full")                     \
	X(NO_TX_QUEUE, "no-tx-queue")                   \
	X(PUNT_FULL, "punt-ring-full")                  \
	X(INJECT_BAD, "inject-invalid")                 \
	X(INJECT_STALE, "inject-stale-target")

/* Other events: X(enum suffix, name). */
#define FW_EVENTS(X)                                      \
	X(RX, "rx-packets")                               \
	X(TX, "tx-packets")                               \
	X(ARP_REPLY, "arp-replies-sent")                  \
	X(ICMP_ECHO_REPLY, "icmp-echo-replies-sent")      \
	X(PTB_SENT, "icmp-frag-needed-sent")              \
	X(NDP_ADVERT, "ndp-advertisements-sent")          \
	X(ICMP6_ECHO_REPLY, "icmpv6-echo-replies-sent")   \
	X(PTB6_SENT, "icmpv6-packet-too-big-sent")        \
	X(ICMP_RATE_LIMITED, "icmp-errors-rate-limited")  \
	X(ICMP_ERROR_FORWARDED, "icmp-errors-to-backend") \
	X(FRAGMENT_FORWARDED, "fragments-forwarded")      \
	X(OUTER_FRAGMENTS, "outer-fragments-sent")        \
	X(PUNTED, "punted-to-control")                    \
	X(INJECTED, "injected-from-control")              \
	X(NEW_FLOWS, "new-flows")                         \
	X(NEW_FLOW_CAPPED, "new-flows-over-rate-cap")     \
	X(FLOW_EVICTED, "flows-evicted")                  \
	X(FLOW_EXPIRED, "flows-expired")                  \
	X(FLOW_REPINNED, "flows-repinned")                \
	X(CAPTURED, "capture-copies")                     \
	X(CAPTURE_LOST, "capture-copies-lost")

#define FW_ENUM_DROP(e, s) FW_DROP_##e,
#define FW_ENUM_EV(e, s)   FW_EV_##e,
enum fw_drop_reason { FW_DROP_REASONS(FW_ENUM_DROP) FW_DROP_MAX };
enum fw_event { FW_EVENTS(FW_ENUM_EV) FW_EV_MAX };
#undef FW_ENUM_DROP
#undef FW_ENUM_EV

/* "ip-bad-checksum" etc.; NULL for an out-of-range value. */
const char *fw_drop_name(unsigned int reason);
const char *fw_event_name(unsigned int ev);

/* Per VIP slot and per backend slot. */
struct fw_obj_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t new_flows;
	uint64_t capped; /* new flows over the new-flow rate: forwarded, not inserted */
};

/*
 * One worker's counters. Owner: the worker (the only writer). The control side reads
 * (64-bit aligned loads are atomic on the supported CPUs, so a read is never torn).
 */
struct fw_counters {
	uint64_t drop[FW_DROP_MAX];
	uint64_t ev[FW_EV_MAX];
	struct fw_obj_counters *vip; /* [max_vips], cache aligned, allocated with the worker */
	struct fw_obj_counters *be;  /* [max_backends] */
} __rte_cache_aligned;

#endif
