/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet pipeline a worker runs on each received burst:
 *
 *   parse Ethernet (+ one 802.1Q tag) -> ARP (answer for VIP / self addresses, punt
 *   replies) | IPv4 (version, IHL, total length, checksum, TTL) -> self address: punt
 *   | VIP address: ICMP echo reply, ICMP error -> the quoted flow's backend, TCP/UDP ->
 *   VIP (address, protocol, port | *) -> flow table -> Maglev -> L2 rewrite or
 *   IP-in-IP (MTU: fragmentation-needed to the client, or outer fragmentation)
 *   | IPv6 (fw_pipeline6.c, fw_icmp6.c: the same stages with the IPv6 flow table,
 *   Neighbor Discovery instead of ARP, IPv6-in-IPv6 and Packet Too Big, never
 *   fragmenting).
 *
 * Every mbuf given is consumed: queued on the worker's TX buffers, punted to the
 * control side, or freed with a counted drop reason. Nothing here allocates memory
 * (mbufs from the pool aside), locks, logs or makes a system call.
 *
 * Thread: the worker owning w, between fw_worker_begin() and fw_worker_end().
 */
#ifndef FW_PIPELINE_H
#define FW_PIPELINE_H

#include <stdint.h>

struct fw_worker;
struct rte_mbuf;

/*
 * Process n frames received on m->port. Returns the number of frames queued for
 * transmission (replies and fragments included), for tests and the benchmark.
 */
uint16_t fw_pipeline_burst(struct fw_worker *w, struct rte_mbuf **pkts, uint16_t n);

/* Process n mbufs from the control side's inject ring (fw_mbuf_meta says what to do). */
uint16_t fw_pipeline_inject(struct fw_worker *w, struct rte_mbuf **pkts, uint16_t n);

#endif
