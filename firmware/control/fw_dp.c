/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The data path's control side: worker contexts and rings, publishing states with
 * RCU-deferred frees, counters with control-side baselines, flush, inject and punt.
 */
#include "firmware/control/fw_dp.h"

#include "firmware/control/fw_dp_priv.h"
#include "firmware/control/fw_eal.h"
#include "firmware/control/fw_maglev.h"
#include "firmware/fw_state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

int fw_meta_offset = -1;

/* max_vips is 16 bits: at most 65535 slots, 0..65534, so FW_SLOT_NONE is never one. */
_Static_assert(FW_MAX_VIPS == UINT16_MAX, "fw_dp_conf.max_vips bounds the VIP slots");

static int register_meta(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "tula_fw_meta",
		.size = sizeof(struct fw_mbuf_meta),
		.align = __alignof__(struct fw_mbuf_meta),
	};

	if (fw_meta_offset >= 0)
		return 0;
	fw_meta_offset = rte_mbuf_dynfield_register(&desc);
	return fw_meta_offset < 0 ? -rte_errno : 0;
}

const struct fw_dp_conf *fw_dp_conf(const struct fw_dp *dp)
{
	return &dp->conf;
}

struct fw_worker *fw_dp_worker(struct fw_dp *dp, unsigned int idx)
{
	return idx < dp->nb_workers ? dp->workers[idx] : NULL;
}

unsigned int fw_dp_nb_workers(const struct fw_dp *dp)
{
	return dp->nb_workers;
}

const struct fw_state *fw_dp_state(const struct fw_dp *dp)
{
	return dp->current;
}

static struct rte_ring *ring(struct fw_dp *dp, const char *what, unsigned int idx,
			     unsigned int esize)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "fw%s%u_%u", what, dp->name_seq++, idx);
	return rte_ring_create_elem(name, esize, dp->conf.ring_size, (int)rte_socket_id(),
				    RING_F_SP_ENQ | RING_F_SC_DEQ);
}

static void worker_free(struct fw_worker *w)
{
	uint8_t pi;

	if (w == NULL)
		return;
	for (pi = 0; pi < FW_STATE_MAX_PORTS; pi++)
		rte_pktmbuf_free_bulk(w->txb[pi].pkts, w->txb[pi].n);
	if (w->inject != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(w->inject, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	if (w->punt != NULL) {
		struct rte_mbuf *m;

		while (rte_ring_dequeue(w->punt, (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
	rte_ring_free(w->req);
	rte_ring_free(w->resp);
	rte_ring_free(w->inject);
	rte_ring_free(w->punt);
	fw_flow_free(w->flows);
	fw_flow6_free(w->flows6);
	rte_free(w->cnt.vip);
	rte_free(w->cnt.be);
	rte_free(w);
}

static struct fw_worker *worker_new(struct fw_dp *dp, unsigned int idx)
{
	int socket = (int)rte_socket_id();
	struct fw_worker *w;
	uint32_t rate;

	w = rte_zmalloc_socket("fw_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);
	if (w == NULL)
		return NULL;
	w->qsbr = dp->qsbr;
	w->idx = (uint16_t)idx;
	w->pool = dp->conf.pool;
	w->tsc_hz = rte_get_tsc_hz();
	fw_worker_set_tx(w, NULL, NULL);
	w->cnt.vip = rte_zmalloc_socket("fw_cnt_vip", dp->conf.max_vips * sizeof(*w->cnt.vip),
					RTE_CACHE_LINE_SIZE, socket);
	w->cnt.be = rte_zmalloc_socket("fw_cnt_be", dp->conf.max_backends * sizeof(*w->cnt.be),
				       RTE_CACHE_LINE_SIZE, socket);
	w->flows = fw_flow_create(dp->conf.flow_entries, socket);
	w->flows6 = fw_flow6_create(dp->conf.flow6_entries, socket);
	w->req = ring(dp, "q", idx, sizeof(struct fw_req));
	w->resp = ring(dp, "r", idx, sizeof(struct fw_resp));
	w->inject = ring(dp, "i", idx, sizeof(void *));
	w->punt = ring(dp, "p", idx, sizeof(void *));
	if (w->cnt.vip == NULL || w->cnt.be == NULL || w->flows == NULL || w->flows6 == NULL ||
	    w->req == NULL || w->resp == NULL || w->inject == NULL || w->punt == NULL) {
		worker_free(w);
		return NULL;
	}
	/* new flows: a bucket of 1/10 s worth (at least one burst); a state carrying
	 * another rate re-arms it when the worker adopts it (0 = no cap there) */
	rate = dp->conf.new_flow_rate == FW_DP_NEW_FLOW_UNCAPPED ? 0 : dp->conf.new_flow_rate;
	w->new_flow_rate = rate;
	fw_bucket_init(&w->new_flows, w->tsc_hz, rate, RTE_MAX(rate / 10, (uint32_t)FW_BURST),
		       rte_rdtsc());
	w->talk.every = FW_TALKER_SAMPLE;
	w->talk.left = FW_TALKER_SAMPLE;
	fw_bucket_init(&w->icmp_errors, w->tsc_hz, FW_ICMP_RATE, FW_ICMP_BURST, rte_rdtsc());
	return w;
}

struct fw_dp *fw_dp_create(const struct fw_dp_conf *conf)
{
	struct fw_dp *dp;
	unsigned int i;
	size_t sz;
	int rc;

	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		return NULL;
	dp->conf = *conf;
	if (dp->conf.nb_workers == 0)
		dp->conf.nb_workers = rte_lcore_count() > 1 ? (uint16_t)(rte_lcore_count() - 1) : 1;
	if (dp->conf.max_vips == 0)
		dp->conf.max_vips = 256;
	if (dp->conf.max_backends == 0)
		dp->conf.max_backends = 4096;
	if (dp->conf.flow_entries == 0)
		dp->conf.flow_entries = 1u << 20;
	if (dp->conf.flow6_entries == 0)
		dp->conf.flow6_entries = RTE_MAX(dp->conf.flow_entries / 2, 1u);
	if (dp->conf.new_flow_rate == 0)
		dp->conf.new_flow_rate = FW_DP_NEW_FLOW_RATE_DEFAULT;
	if (dp->conf.maglev_size == 0)
		dp->conf.maglev_size = FW_MAGLEV_DEFAULT;
	if (dp->conf.ring_size == 0)
		dp->conf.ring_size = 1024;
	if (dp->conf.pool == NULL)
		dp->conf.pool = fw_eal_pktmbuf_pool();
	rc = -EINVAL;
	if (dp->conf.nb_workers > FW_DP_MAX_WORKERS || dp->conf.max_backends > FW_MAX_BACKENDS ||
	    !rte_is_power_of_2(dp->conf.ring_size) || dp->conf.maglev_size >= (1u << 24) ||
	    !fw_maglev_is_prime(dp->conf.maglev_size) || dp->conf.pool == NULL)
		goto fail;
	rc = register_meta();
	if (rc < 0)
		goto fail;
	rc = -ENOMEM;
	dp->vip_base = calloc(dp->conf.max_vips, sizeof(*dp->vip_base));
	dp->be_base = calloc(dp->conf.max_backends, sizeof(*dp->be_base));
	if (dp->vip_base == NULL || dp->be_base == NULL)
		goto fail;
	dp->nb_workers = dp->conf.nb_workers;
	sz = rte_rcu_qsbr_get_memsize(dp->nb_workers);
	dp->qsbr = rte_zmalloc("fw_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (dp->qsbr == NULL || rte_rcu_qsbr_init(dp->qsbr, dp->nb_workers) != 0)
		goto fail;
	for (i = 0; i < dp->nb_workers; i++) {
		dp->workers[i] = worker_new(dp, i);
		if (dp->workers[i] == NULL)
			goto fail;
		rte_rcu_qsbr_thread_register(dp->qsbr, i);
	}
	return dp;
fail:
	fw_dp_free(dp);
	errno = -rc;
	return NULL;
}

void fw_dp_free(struct fw_dp *dp)
{
	unsigned int i;

	if (dp == NULL)
		return;
	fw_dp_stop(dp);
	for (i = 0; i < dp->nb_workers; i++)
		worker_free(dp->workers[i]);
	for (i = 0; i < dp->nb_retired; i++)
		fw_state_free(dp->retired[i].st);
	fw_state_free(dp->current);
	rte_free(dp->qsbr);
	free(dp->vip_base);
	free(dp->be_base);
	free(dp);
}

static void stop_workers(struct fw_dp *dp)
{
	unsigned int i;

	for (i = 0; i < dp->nb_workers; i++)
		dp->workers[i]->stop = 1;
}

unsigned int fw_dp_worker_lcores(void)
{
	return rte_lcore_count() - 1;
}

int fw_dp_start(struct fw_dp *dp)
{
	unsigned int lcore, i = 0;
	int rc;

	if (dp->running)
		return -EBUSY;
	if (rte_lcore_count() - 1 < dp->nb_workers)
		return -EINVAL;
	for (i = 0; i < dp->nb_workers; i++)
		dp->workers[i]->stop = 0;
	i = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == dp->nb_workers)
			break;
		rc = rte_eal_remote_launch(fw_worker_main, dp->workers[i], lcore);
		if (rc < 0) {
			stop_workers(dp);
			rte_eal_mp_wait_lcore();
			return rc;
		}
		i++;
	}
	dp->running = 1;
	return 0;
}

void fw_dp_stop(struct fw_dp *dp)
{
	if (!dp->running)
		return;
	stop_workers(dp);
	rte_eal_mp_wait_lcore();
	dp->running = 0;
}

int fw_dp_running(const struct fw_dp *dp)
{
	return dp != NULL && dp->running;
}

/* ---- publish / reclaim ------------------------------------------------------------- */

static void sum_obj(struct fw_dp *dp, int vip, unsigned int slot, struct fw_obj_counters *out)
{
	unsigned int i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < dp->nb_workers; i++) {
		const struct fw_obj_counters *c =
			vip ? &dp->workers[i]->cnt.vip[slot] : &dp->workers[i]->cnt.be[slot];

		out->packets += c->packets;
		out->bytes += c->bytes;
		out->new_flows += c->new_flows;
		out->capped += c->capped;
	}
}

static void drop_stale_adopts(struct rte_ring *req)
{
	unsigned int n = rte_ring_count(req);
	struct fw_req r;

	while (n-- > 0 && rte_ring_sc_dequeue_elem(req, &r, sizeof(r)) == 0)
		if (r.type != FW_REQ_ADOPT)
			rte_ring_sp_enqueue_elem(req, &r, sizeof(r));
}

int fw_dp_publish(struct fw_dp *dp, struct fw_state *st)
{
	const struct fw_state *old = dp->current;
	struct fw_req r = {.type = FW_REQ_ADOPT, .state = st};
	unsigned int i;

	if (st == NULL || st->dp != dp || !st->finalized)
		return -EINVAL;
	/* No worker loop runs (a one-lcore EAL, or before fw_dp_start): nobody consumes the
	 * request rings, and the states they hold are superseded by this one. Drop those
	 * ADOPTs (keeping other requests, in order) so that commits never fill the rings; a
	 * worker started later adopts the newest state. Nothing else touches the rings now. */
	if (!dp->running)
		for (i = 0; i < dp->nb_workers; i++)
			drop_stale_adopts(dp->workers[i]->req);
	for (i = 0; i < dp->nb_workers; i++)
		if (rte_ring_free_count(dp->workers[i]->req) == 0)
			return -ENOBUFS;
	if (dp->nb_retired == FW_DP_MAX_RETIRED)
		fw_dp_reclaim(dp, 1);
	/* A slot that changes hands starts from zero. The old holder is not in the
	 * current state any more, so no worker counts on it now. */
	for (i = 0; i < st->max_vips; i++)
		if (st->vips[i].gen != 0 && (old == NULL || old->vips[i].gen != st->vips[i].gen))
			sum_obj(dp, 1, i, &dp->vip_base[i]);
	for (i = 0; i < st->max_backends; i++)
		if (st->backends[i].gen != 0 &&
		    (old == NULL || old->backends[i].gen != st->backends[i].gen))
			sum_obj(dp, 0, i, &dp->be_base[i]);
	st->serial = ++dp->serial;
	dp->current = st;
	for (i = 0; i < dp->nb_workers; i++)
		rte_ring_sp_enqueue_elem(dp->workers[i]->req, &r, sizeof(r));
	if (old != NULL) {
		/* Workers that report quiescence after this token have drained the
		 * ADOPT above (it was enqueued before the token was taken). */
		dp->retired[dp->nb_retired].st = (struct fw_state *)old;
		dp->retired[dp->nb_retired].token = rte_rcu_qsbr_start(dp->qsbr);
		dp->nb_retired++;
	}
	fw_dp_reclaim(dp, 0);
	return 0;
}

unsigned int fw_dp_reclaim(struct fw_dp *dp, int wait)
{
	unsigned int i = 0, j = 0;

	for (i = 0; i < dp->nb_retired; i++) {
		if (rte_rcu_qsbr_check(dp->qsbr, dp->retired[i].token, wait ? true : false) == 1)
			fw_state_free(dp->retired[i].st);
		else
			dp->retired[j++] = dp->retired[i];
	}
	dp->nb_retired = j;
	return j;
}

int fw_dp_publish_sync(struct fw_dp *dp, struct fw_state *st)
{
	int rc = fw_dp_publish(dp, st);

	if (rc == 0)
		fw_dp_reclaim(dp, 1);
	return rc;
}

/* ---- counters ------------------------------------------------------------------------ */

static void raw_global(struct fw_dp *dp, uint64_t drop[FW_DROP_MAX], uint64_t ev[FW_EV_MAX])
{
	unsigned int i, k;

	memset(drop, 0, FW_DROP_MAX * sizeof(*drop));
	memset(ev, 0, FW_EV_MAX * sizeof(*ev));
	for (i = 0; i < dp->nb_workers; i++) {
		const struct fw_counters *c = &dp->workers[i]->cnt;

		for (k = 0; k < FW_DROP_MAX; k++)
			drop[k] += c->drop[k];
		for (k = 0; k < FW_EV_MAX; k++)
			ev[k] += c->ev[k];
	}
}

void fw_dp_counters_global(struct fw_dp *dp, uint64_t drop[FW_DROP_MAX], uint64_t ev[FW_EV_MAX])
{
	unsigned int k;

	raw_global(dp, drop, ev);
	for (k = 0; k < FW_DROP_MAX; k++)
		drop[k] -= dp->drop_base[k];
	for (k = 0; k < FW_EV_MAX; k++)
		ev[k] -= dp->ev_base[k];
}

static void sub_base(struct fw_obj_counters *c, const struct fw_obj_counters *b)
{
	c->packets -= b->packets;
	c->bytes -= b->bytes;
	c->new_flows -= b->new_flows;
	c->capped -= b->capped;
}

int fw_dp_counters_vip(struct fw_dp *dp, unsigned int slot, struct fw_obj_counters *out)
{
	if (slot >= dp->conf.max_vips)
		return -EINVAL;
	sum_obj(dp, 1, slot, out);
	sub_base(out, &dp->vip_base[slot]);
	return 0;
}

int fw_dp_counters_backend(struct fw_dp *dp, unsigned int slot, struct fw_obj_counters *out)
{
	if (slot >= dp->conf.max_backends)
		return -EINVAL;
	sum_obj(dp, 0, slot, out);
	sub_base(out, &dp->be_base[slot]);
	return 0;
}

void fw_dp_counters_clear(struct fw_dp *dp)
{
	unsigned int i;

	raw_global(dp, dp->drop_base, dp->ev_base);
	for (i = 0; i < dp->conf.max_vips; i++)
		sum_obj(dp, 1, i, &dp->vip_base[i]);
	for (i = 0; i < dp->conf.max_backends; i++)
		sum_obj(dp, 0, i, &dp->be_base[i]);
}

int fw_dp_counters_clear_vip(struct fw_dp *dp, unsigned int slot)
{
	const struct fw_state *st = dp->current;
	unsigned int i;

	if (slot >= dp->conf.max_vips)
		return -EINVAL;
	sum_obj(dp, 1, slot, &dp->vip_base[slot]);
	if (st != NULL && st->vips[slot].gen != 0)
		for (i = 0; i < st->vips[slot].nb_backends; i++)
			sum_obj(dp, 0, st->vips[slot].backends[i],
				&dp->be_base[st->vips[slot].backends[i]]);
	return 0;
}

/* ---- flows ---------------------------------------------------------------------------- */

int fw_dp_flow_stats(struct fw_dp *dp, unsigned int worker, struct fw_flow_stats *out)
{
	if (worker >= dp->nb_workers)
		return -EINVAL;
	*out = dp->workers[worker]->flows->st;
	return 0;
}

int fw_dp_flow6_stats(struct fw_dp *dp, unsigned int worker, struct fw_flow_stats *out)
{
	if (worker >= dp->nb_workers)
		return -EINVAL;
	*out = dp->workers[worker]->flows6->st;
	return 0;
}

unsigned int fw_dp_flow_top(struct fw_dp *dp, unsigned int worker, struct fw_talker *out,
			    unsigned int n)
{
	unsigned int got = 0, i, j;

	if (worker >= dp->nb_workers || n == 0)
		return 0;
	for (i = 0; i < FW_TALKERS; i++) {
		struct fw_talker t = dp->workers[worker]->talk.t[i];

		if (t.packets == 0 || (got == n && t.packets <= out[n - 1].packets))
			continue;
		/* Insertion into the sorted top-n list. */
		j = got < n ? got++ : n - 1;
		while (j > 0 && out[j - 1].packets < t.packets) {
			out[j] = out[j - 1];
			j--;
		}
		out[j] = t;
	}
	return got;
}

int fw_dp_flush(struct fw_dp *dp, int vip, int be)
{
	struct fw_req r = {.type = FW_REQ_FLUSH};
	unsigned int i;

	if (vip < 0 || (unsigned int)vip >= dp->conf.max_vips ||
	    (be >= 0 && (unsigned int)be >= dp->conf.max_backends))
		return -EINVAL;
	r.vip = (uint16_t)vip;
	r.be = be < 0 ? FW_BE_NONE : (uint32_t)be;
	for (i = 0; i < dp->nb_workers; i++)
		if (rte_ring_free_count(dp->workers[i]->req) == 0)
			return -ENOBUFS;
	for (i = 0; i < dp->nb_workers; i++)
		rte_ring_sp_enqueue_elem(dp->workers[i]->req, &r, sizeof(r));
	return 0;
}

int fw_dp_poll_response(struct fw_dp *dp, struct fw_resp *out)
{
	unsigned int i;

	for (i = 0; i < dp->nb_workers; i++)
		if (rte_ring_sc_dequeue_elem(dp->workers[i]->resp, out, sizeof(*out)) == 0)
			return 1;
	return 0;
}

/* ---- inject / punt ---------------------------------------------------------------------- */

static int inject(struct fw_dp *dp, struct rte_mbuf *m)
{
	struct fw_worker *w = dp->workers[dp->inject_rr++ % dp->nb_workers];

	return rte_ring_sp_enqueue(w->inject, m) == 0 ? 0 : -ENOBUFS;
}

int fw_dp_inject_raw(struct fw_dp *dp, uint16_t port_id, struct rte_mbuf *m)
{
	const struct fw_state *st = dp->current;
	struct fw_mbuf_meta *meta = fw_mbuf_meta(m);

	if (st == NULL || port_id >= RTE_MAX_ETHPORTS ||
	    st->port_index[port_id] == FW_PORT_INDEX_NONE)
		return -ENODEV;
	memset(meta, 0, sizeof(*meta));
	meta->kind = FW_META_RAW;
	meta->port_id = port_id;
	return inject(dp, m);
}

int fw_dp_inject_dsr(struct fw_dp *dp, int vip, int be, struct rte_mbuf *m)
{
	const struct fw_state *st = dp->current;
	struct fw_mbuf_meta *meta = fw_mbuf_meta(m);

	if (st == NULL || vip < 0 || (unsigned int)vip >= st->max_vips || be < 0 ||
	    (unsigned int)be >= st->max_backends || st->vips[vip].gen == 0 ||
	    st->backends[be].gen == 0 || st->backends[be].vip != vip)
		return -ENOENT;
	memset(meta, 0, sizeof(*meta));
	meta->kind = FW_META_DSR;
	meta->vip = (uint16_t)vip;
	meta->be = (uint32_t)be;
	meta->be_gen = st->backends[be].gen;
	return inject(dp, m);
}

unsigned int fw_dp_punt_poll(struct fw_dp *dp, struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int i, got = 0;

	for (i = 0; i < dp->nb_workers && got < n; i++)
		got += rte_ring_sc_dequeue_burst(dp->workers[i]->punt, (void **)&pkts[got], n - got,
						 NULL);
	return got;
}
