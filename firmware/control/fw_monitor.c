/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `monitor traffic`, the control side (see fw_monitor.h).
 */
#define ALLOW_EXPERIMENTAL_API /* rte_pcapng is experimental in DPDK 22.11 */

#include "firmware/control/fw_monitor.h"

#include "common/tula_buf.h"
#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "firmware/control/fw_dp.h"
#include "firmware/datapath/fw_worker.h"
#include "firmware/fw_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pcapng.h>
#include <rte_ring.h>
#include <rte_tcp.h>
#include <rte_udp.h>

/* Copies waiting per worker: RING_MAX, and together at most a quarter of the packet
 * pool (the copies are its mbufs: a stalled capture never starves reception). */
#define RING_MAX   8191
#define POOL_SHARE 4
#define POLL_MS	   10
#define DRAIN_MAX  512 /* copies taken per worker and poll: bounds a loop turn */
#define MAX_WORKER 64
#define EPB_HDR	   28 /* pcapng Enhanced Packet Block header before the frame */

struct fw_monitor {
	struct tula_loop *loop;
	struct fw_dp *dp;
	struct tula_timer *timer;
	unsigned int nb_rings;
	struct rte_ring *rings[MAX_WORKER];
	int running;
	uint8_t stop_pending[MAX_WORKER]; /* a stop request still to send (ring was full) */
	struct fw_monitor_opts o;
	rte_pcapng_t *pcapng;
	struct fw_monitor_result res;
	uint64_t lost_base; /* capture-copies-lost of the workers at the start */
	char why[128];
};

static uint64_t lost_now(struct fw_monitor *m)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < fw_dp_nb_workers(m->dp); i++)
		n += fw_dp_worker(m->dp, i)->cnt.ev[FW_EV_CAPTURE_LOST];
	return n;
}

/* Ask worker i to copy to ring (NULL: stop). 0 or -ENOBUFS. */
static int ask(struct fw_monitor *m, unsigned int i, struct rte_ring *ring)
{
	struct fw_req r = {.type = FW_REQ_CAPTURE,
			   .vip = m->o.vip_slot < 0 ? FW_SLOT_NONE : (uint16_t)m->o.vip_slot,
			   .be = m->o.port_id,
			   .capture = ring};

	return rte_ring_sp_enqueue_elem(fw_dp_worker(m->dp, i)->req, &r, sizeof(r)) == 0 ? 0
											 : -ENOBUFS;
}

static void drain_all(struct fw_monitor *m)
{
	struct rte_mbuf *pkts[64];
	unsigned int n;

	for (unsigned int i = 0; i < m->nb_rings; i++)
		while (m->rings[i] != NULL &&
		       (n = rte_ring_sc_dequeue_burst(m->rings[i], (void **)pkts, 64, NULL)) > 0)
			rte_pktmbuf_free_bulk(pkts, n);
}

/* One decoded line for the copy c (an EPB: header, frame, options). */
static void decode(struct fw_monitor *m, const struct rte_mbuf *c, struct tula_buf *out)
{
	uint8_t buf[128];
	const uint8_t *p;
	uint32_t caplen, origlen, hlen = EPB_HDR;
	const uint32_t *h;
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN], ts[32];
	uint64_t ns;
	time_t sec;
	struct tm tm;
	uint16_t type;

	h = rte_pktmbuf_read(c, 0, EPB_HDR, buf);
	if (h == NULL)
		return;
	ns = ((uint64_t)h[3] << 32) | h[4];
	caplen = h[5];
	origlen = h[6];
	sec = (time_t)(ns / 1000000000u);
	localtime_r(&sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	tula_buf_printf(out, "%s.%06llu %s In ", ts, (unsigned long long)(ns % 1000000000u / 1000u),
			m->o.port_name);
	p = rte_pktmbuf_read(c, hlen, RTE_MIN(caplen, (uint32_t)sizeof(buf)), buf);
	if (p == NULL || caplen < sizeof(struct rte_ether_hdr)) {
		tula_buf_printf(out, "truncated frame, %u bytes\n", origlen);
		return;
	}
	type = rte_be_to_cpu_16(((const struct rte_ether_hdr *)p)->ether_type);
	p += sizeof(struct rte_ether_hdr);
	caplen = RTE_MIN(caplen, (uint32_t)sizeof(buf)) - (uint32_t)sizeof(struct rte_ether_hdr);
	if (type == RTE_ETHER_TYPE_ARP && caplen >= sizeof(struct rte_arp_hdr)) {
		const struct rte_arp_hdr *a = (const void *)p;

		inet_ntop(AF_INET, &a->arp_data.arp_sip, src, sizeof(src));
		inet_ntop(AF_INET, &a->arp_data.arp_tip, dst, sizeof(dst));
		if (rte_be_to_cpu_16(a->arp_opcode) == RTE_ARP_OP_REQUEST)
			tula_buf_printf(out, "ARP, Request who-has %s tell %s, length %u\n", dst,
					src, origlen);
		else
			tula_buf_printf(
				out, "ARP, Reply %s is-at " RTE_ETHER_ADDR_PRT_FMT ", length %u\n",
				src, RTE_ETHER_ADDR_BYTES(&a->arp_data.arp_sha), origlen);
		return;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && caplen >= sizeof(struct rte_ipv4_hdr)) {
		const struct rte_ipv4_hdr *ip = (const void *)p;
		uint32_t ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
		const uint8_t *l4 = p + ihl;

		inet_ntop(AF_INET, &ip->src_addr, src, sizeof(src));
		inet_ntop(AF_INET, &ip->dst_addr, dst, sizeof(dst));
		if (ip->next_proto_id == IPPROTO_TCP &&
		    caplen >= ihl + sizeof(struct rte_tcp_hdr)) {
			const struct rte_tcp_hdr *t = (const void *)l4;
			static const char fl[] = "FSRPAU";
			char flags[8];
			int k = 0;

			for (int b = 0; b < 6; b++)
				if (t->tcp_flags & (1u << b))
					flags[k++] = fl[b] == 'A' ? '.' : fl[b];
			flags[k] = '\0';
			tula_buf_printf(out, "IP %s.%u > %s.%u: Flags [%s], seq %u, length %u\n",
					src, rte_be_to_cpu_16(t->src_port), dst,
					rte_be_to_cpu_16(t->dst_port), flags,
					rte_be_to_cpu_32(t->sent_seq), origlen);
		} else if (ip->next_proto_id == IPPROTO_UDP &&
			   caplen >= ihl + sizeof(struct rte_udp_hdr)) {
			const struct rte_udp_hdr *u = (const void *)l4;

			tula_buf_printf(out, "IP %s.%u > %s.%u: UDP, length %u\n", src,
					rte_be_to_cpu_16(u->src_port), dst,
					rte_be_to_cpu_16(u->dst_port), origlen);
		} else {
			tula_buf_printf(out, "IP %s > %s: proto %u, length %u\n", src, dst,
					ip->next_proto_id, origlen);
		}
		return;
	}
	tula_buf_printf(out, "ethertype 0x%04x, length %u\n", type, origlen);
}

static void finish(struct fw_monitor *m, const char *why)
{
	struct fw_monitor_result r;
	void (*done)(void *, const struct fw_monitor_result *) = m->o.done;
	void *arg = m->o.arg;

	snprintf(m->why, sizeof(m->why), "%s", why);
	fw_monitor_stop(m, &r);
	if (done != NULL)
		done(arg, &r);
}

/* Hand what the rings hold to the file or the text callback (at most DRAIN_MAX per
 * worker). Returns why the capture must end, or NULL. */
static const char *take(struct fw_monitor *m)
{
	struct rte_mbuf *pkts[64];
	struct tula_buf text = TULA_BUF_INIT;
	uint64_t max = m->o.count ? m->o.count : FW_MONITOR_MAX_PACKETS;
	const char *why = NULL;

	for (unsigned int i = 0; i < m->nb_rings && why == NULL; i++) {
		unsigned int taken = 0, n;

		while (taken < DRAIN_MAX && why == NULL &&
		       (n = rte_ring_sc_dequeue_burst(
				m->rings[i], (void **)pkts,
				RTE_MIN(64u, (unsigned int)(max - m->res.packets)), NULL)) > 0) {
			taken += n;
			m->res.packets += n;
			if (m->pcapng != NULL) {
				ssize_t w = rte_pcapng_write_packets(m->pcapng, pkts, (uint16_t)n);

				if (w < 0) {
					why = "write error";
					break;
				}
				m->res.bytes += (uint64_t)w;
				if (m->res.bytes >= FW_MONITOR_MAX_BYTES)
					why = "size limit reached";
			} else {
				for (unsigned int k = 0; k < n; k++)
					decode(m, pkts[k], &text);
				rte_pktmbuf_free_bulk(pkts, n);
			}
			if (m->res.packets >= max)
				why = m->o.count ? "count reached" : "packet limit reached";
		}
	}
	if (text.len > 0 && m->o.text != NULL && m->o.text(m->o.arg, text.data, text.len) < 0)
		for (size_t k = 0; k < text.len; k++)
			m->res.lost_text += text.data[k] == '\n';
	tula_buf_free(&text);
	return why;
}

static void poll_rings(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_monitor *m = arg;
	const char *why;

	(void)loop;
	(void)t;
	for (unsigned int i = 0; i < m->nb_rings; i++)
		if (m->stop_pending[i] && ask(m, i, NULL) == 0)
			m->stop_pending[i] = 0;
	if (!m->running) {
		int pending = 0;

		drain_all(m);
		for (unsigned int i = 0; i < m->nb_rings; i++)
			pending |= m->stop_pending[i];
		if (!pending)
			tula_timer_disarm(m->timer); /* what comes late waits for the next start */
		return;
	}
	why = take(m);
	if (why != NULL)
		finish(m, why);
}

struct fw_monitor *fw_monitor_new(struct tula_loop *loop, struct fw_dp *dp)
{
	struct fw_monitor *m = calloc(1, sizeof(*m));
	char name[RTE_RING_NAMESIZE];
	unsigned int size;

	if (m == NULL)
		return NULL;
	m->loop = loop;
	m->dp = dp;
	m->nb_rings = RTE_MIN(fw_dp_nb_workers(dp), (unsigned int)MAX_WORKER);
	size = fw_dp_conf(dp)->pool != NULL ? fw_dp_conf(dp)->pool->size : RING_MAX;
	size = RTE_MAX(RTE_MIN(size / POOL_SHARE / RTE_MAX(m->nb_rings, 1u), RING_MAX), 64u);
	for (unsigned int i = 0; i < m->nb_rings; i++) {
		snprintf(name, sizeof(name), "fwcap_%u", i);
		m->rings[i] = rte_ring_create(name, size, (int)rte_socket_id(),
					      RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (m->rings[i] == NULL) {
			fw_monitor_free(m);
			errno = ENOMEM;
			return NULL;
		}
	}
	m->timer = tula_timer_new(loop, poll_rings, m);
	if (m->timer == NULL) {
		fw_monitor_free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

void fw_monitor_free(struct fw_monitor *m)
{
	if (m == NULL)
		return;
	if (m->running)
		fw_monitor_stop(m, NULL);
	tula_timer_free(m->timer);
	drain_all(m); /* before any ring is freed: it walks them all */
	for (unsigned int i = 0; i < m->nb_rings; i++) {
		if (m->rings[i] == NULL)
			continue;
		rte_ring_free(m->rings[i]);
		m->rings[i] = NULL;
	}
	free(m);
}

int fw_monitor_busy(const struct fw_monitor *m)
{
	return m->running;
}

int fw_monitor_start(struct fw_monitor *m, const struct fw_monitor_opts *opts)
{
	char comment[128];
	unsigned int i;

	if (m->running) {
		if (opts->fd >= 0)
			close(opts->fd);
		return -EBUSY;
	}
	for (i = 0; i < m->nb_rings; i++)
		if (m->stop_pending[i] || rte_ring_free_count(fw_dp_worker(m->dp, i)->req) < 1)
			break;
	if (i < m->nb_rings) {
		if (opts->fd >= 0)
			close(opts->fd);
		return -ENOBUFS;
	}
	drain_all(m); /* copies a stopped capture left behind */
	m->o = *opts;
	m->res = (struct fw_monitor_result){0};
	m->why[0] = '\0';
	m->pcapng = NULL;
	if (opts->fd >= 0) {
		snprintf(comment, sizeof(comment), "tula monitor traffic interface %s",
			 opts->port_name);
		m->pcapng = rte_pcapng_fdopen(opts->fd, NULL, NULL, "tula " TULA_VERSION, comment);
		if (m->pcapng == NULL) {
			close(opts->fd);
			return -EIO;
		}
	}
	m->lost_base = lost_now(m);
	for (i = 0; i < m->nb_rings; i++)
		ask(m, i, m->rings[i]); /* room checked above: the control thread is the producer */
	m->running = 1;
	tula_timer_arm(m->timer, POLL_MS, POLL_MS);
	return 0;
}

void fw_monitor_stop(struct fw_monitor *m, struct fw_monitor_result *r)
{
	if (!m->running)
		return;
	for (unsigned int i = 0; i < m->nb_rings; i++)
		m->stop_pending[i] = ask(m, i, NULL) < 0;
	/* a file keeps what was copied before the stop (no text: nobody reads it now) */
	if (m->pcapng != NULL && m->why[0] == '\0')
		take(m);
	m->running = 0;
	m->res.lost = lost_now(m) - m->lost_base;
	m->res.why = m->why[0] ? m->why : "stopped";
	if (m->pcapng != NULL) {
		rte_pcapng_close(m->pcapng); /* closes the file */
		m->pcapng = NULL;
	}
	if (r != NULL)
		*r = m->res;
	/* keep polling while stop requests wait or copies still arrive; then idle */
	drain_all(m);
}
