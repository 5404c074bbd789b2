/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rates from counter samples (see fw_rates.h): per slot the last sample, its time, and
 * the rates derived from the two last samples.
 */
#include "firmware/control/fw_rates.h"

#include "common/tula_loop.h"
#include "firmware/control/fw_dp.h"
#include "firmware/fw_state.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

struct slot {
	uint32_t gen; /* identity sampled; 0 = nothing sampled yet */
	uint64_t packets, bytes;
	struct fw_rate rate;
};

struct fw_rates {
	struct fw_dp *dp;
	struct tula_timer *timer;
	void (*on_tick)(void *arg);
	void *arg;
	uint64_t last_ms; /* time of the last sample, 0 = none */
	unsigned int nb_vips, nb_bes;
	struct slot *vips, *bes;
};

static void tick(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_rates *r = arg;

	(void)loop;
	(void)t;
	fw_rates_sample(r);
	if (r->on_tick != NULL)
		r->on_tick(r->arg);
}

struct fw_rates *fw_rates_new(struct tula_loop *loop, struct fw_dp *dp, void (*on_tick)(void *arg),
			      void *arg)
{
	const struct fw_dp_conf *c = fw_dp_conf(dp);
	struct fw_rates *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->dp = dp;
	r->on_tick = on_tick;
	r->arg = arg;
	r->nb_vips = c->max_vips;
	r->nb_bes = c->max_backends;
	r->vips = calloc(r->nb_vips, sizeof(*r->vips));
	r->bes = calloc(r->nb_bes, sizeof(*r->bes));
	if (r->vips == NULL || r->bes == NULL ||
	    (r->timer = tula_timer_new(loop, tick, r)) == NULL) {
		fw_rates_free(r);
		errno = ENOMEM;
		return NULL;
	}
	tula_timer_arm(r->timer, FW_RATES_PERIOD_MS, FW_RATES_PERIOD_MS);
	return r;
}

void fw_rates_free(struct fw_rates *r)
{
	if (r == NULL)
		return;
	tula_timer_free(r->timer);
	free(r->vips);
	free(r->bes);
	free(r);
}

/* One slot's new sample c (of identity gen) taken dt seconds after the previous one. */
static void update(struct slot *s, uint32_t gen, const struct fw_obj_counters *c, double dt,
		   double alpha)
{
	double dp, db;

	/* unused and already reset: left unwritten, so that the pages of the slots never
	 * used (most of them, with a large max-backends) stay untouched */
	if (gen == 0 && s->gen == 0)
		return;
	if (gen == 0 || gen != s->gen || dt <= 0) {
		/* unused, newly taken, or the first sample: rates start from here */
		s->gen = gen;
		s->packets = c->packets;
		s->bytes = c->bytes;
		s->rate = (struct fw_rate){0};
		return;
	}
	/* a clear moved the baseline: nothing measurable this period */
	dp = c->packets >= s->packets ? (double)(c->packets - s->packets) : 0;
	db = c->bytes >= s->bytes ? (double)(c->bytes - s->bytes) : 0;
	s->packets = c->packets;
	s->bytes = c->bytes;
	s->rate.pps = dp / dt;
	s->rate.bps = 8 * db / dt;
	s->rate.pps_avg += alpha * (s->rate.pps - s->rate.pps_avg);
	s->rate.bps_avg += alpha * (s->rate.bps - s->rate.bps_avg);
}

void fw_rates_sample(struct fw_rates *r)
{
	const struct fw_state *st = fw_dp_state(r->dp);
	uint64_t now = tula_now_ms();
	double dt = r->last_ms != 0 ? (double)(now - r->last_ms) / 1000.0 : 0;
	/* the weight of one sample for a time constant of TAU whatever the period was */
	double alpha = dt > 0 ? 1.0 - exp(-dt / FW_RATES_TAU_S) : 0;
	struct fw_obj_counters c;
	unsigned int i;

	r->last_ms = now;
	for (i = 0; i < r->nb_vips; i++) {
		uint32_t gen = st != NULL && i < st->max_vips ? st->vips[i].gen : 0;

		c = (struct fw_obj_counters){0};
		if (gen != 0)
			fw_dp_counters_vip(r->dp, i, &c);
		update(&r->vips[i], gen, &c, dt, alpha);
	}
	for (i = 0; i < r->nb_bes; i++) {
		uint32_t gen = st != NULL && i < st->max_backends ? st->backends[i].gen : 0;

		c = (struct fw_obj_counters){0};
		if (gen != 0)
			fw_dp_counters_backend(r->dp, i, &c);
		update(&r->bes[i], gen, &c, dt, alpha);
	}
}

int fw_rates_vip(const struct fw_rates *r, unsigned int slot, struct fw_rate *out)
{
	if (r == NULL || slot >= r->nb_vips)
		return -EINVAL;
	*out = r->vips[slot].rate;
	return 0;
}

int fw_rates_backend(const struct fw_rates *r, unsigned int slot, struct fw_rate *out)
{
	if (r == NULL || slot >= r->nb_bes)
		return -EINVAL;
	*out = r->bes[slot].rate;
	return 0;
}
