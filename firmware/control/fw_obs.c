/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Taking the picture of fw_obs.h: the published state's slots in slot order, each
 * with its counters, rates and health.
 */
#include "firmware/control/fw_obs.h"

#include "common/tula_loop.h"
#include "db/db.h"
#include "firmware/control/fw_ctl.h"
#include "firmware/control/fw_dp.h"
#include "firmware/control/fw_health.h"
#include "firmware/datapath/fw_worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fw_obs *fw_obs_new(struct fw_ctl *ctl)
{
	const struct fw_dp_conf *c = fw_dp_conf(fw_ctl_dp(ctl));
	struct fw_obs *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->cap_vips = c->max_vips;
	o->cap_backends = c->max_backends;
	o->vips = calloc(o->cap_vips, sizeof(*o->vips));
	o->backends = calloc(o->cap_backends, sizeof(*o->backends));
	if (o->vips == NULL || o->backends == NULL) {
		fw_obs_free(o);
		errno = ENOMEM;
		return NULL;
	}
	return o;
}

void fw_obs_free(struct fw_obs *o)
{
	if (o == NULL)
		return;
	free(o->vips);
	free(o->backends);
	free(o);
}

const char *fw_obs_proto_name(uint8_t proto)
{
	return proto == IPPROTO_UDP ? "udp" : "tcp";
}

const char *fw_obs_mode_name(uint8_t mode)
{
	return mode == FW_MODE_L3 ? "l3" : "l2";
}

static void take_backend(struct fw_obs *o, const struct fw_obs_src *src, const struct fw_state *st,
			 uint32_t vi, uint32_t slot)
{
	const struct fw_state_backend *sb = &st->backends[slot];
	struct fw_obs_backend *b;
	struct fw_health_status hs;

	if (o->nb_backends == o->cap_backends || sb->gen == 0)
		return;
	b = &o->backends[o->nb_backends++];
	memset(b, 0, sizeof(*b));
	b->vip = vi;
	snprintf(b->name, sizeof(b->name), "%s", sb->name);
	b->addr = sb->addr;
	b->weight = sb->weight;
	b->up = sb->up;
	b->usable = sb->usable;
	if (src->health != NULL && fw_health_get(src->health, o->vips[vi].name, sb->addr, &hs) == 0)
		b->health = fw_health_state_name(hs.state);
	else
		b->health = sb->up ? "up" : "down";
	fw_dp_counters_backend(fw_ctl_dp(src->ctl), slot, &b->c);
	if (src->rates != NULL)
		fw_rates_backend(src->rates, slot, &b->r);
	if (b->usable)
		o->vips[vi].up = 1;
}

void fw_obs_take(struct fw_obs *o, const struct fw_obs_src *src)
{
	struct fw_dp *dp = fw_ctl_dp(src->ctl);
	const struct fw_state *st = fw_ctl_state(src->ctl);

	o->taken_ms = tula_now_ms();
	o->revision = src->db != NULL ? db_active_id(src->db) : 0;
	o->nb_vips = 0;
	o->nb_backends = 0;
	for (uint32_t i = 0; st != NULL && i < st->max_vips && o->nb_vips < o->cap_vips; i++) {
		const struct fw_state_vip *sv = &st->vips[i];
		struct fw_obs_vip *v;
		uint32_t vi;

		if (sv->gen == 0)
			continue;
		vi = o->nb_vips++;
		v = &o->vips[vi];
		memset(v, 0, sizeof(*v));
		snprintf(v->name, sizeof(v->name), "%s", sv->name);
		v->addr = sv->addr;
		v->port = sv->port;
		v->proto = sv->proto;
		v->mode = sv->mode;
		v->nb_backends = sv->nb_backends;
		fw_dp_counters_vip(dp, i, &v->c);
		if (src->rates != NULL)
			fw_rates_vip(src->rates, i, &v->r);
		for (uint16_t k = 0; k < sv->nb_backends; k++)
			take_backend(o, src, st, vi, sv->backends[k]);
		/* as `show services dsr`: down when health says every backend is down */
		if (v->up && src->health != NULL && fw_health_vip_up(src->health, v->name) == 0)
			v->up = 0;
	}
	fw_dp_counters_global(dp, o->drop, o->ev);
	o->nb_workers = 0;
	for (unsigned int w = 0; w < fw_dp_nb_workers(dp) && w < FW_OBS_MAX_WORKERS; w++) {
		const struct fw_worker *wk = fw_dp_worker(dp, w);
		struct fw_obs_worker *ow = &o->workers[o->nb_workers++];
		struct fw_flow_stats fs = {0};

		memset(ow, 0, sizeof(*ow));
		ow->rx = wk->cnt.ev[FW_EV_RX];
		ow->tx = wk->cnt.ev[FW_EV_TX];
		for (unsigned int k = 0; k < FW_DROP_MAX; k++)
			ow->drops += wk->cnt.drop[k];
		if (fw_dp_flow_stats(dp, w, &fs) == 0) {
			ow->flows_used = fs.used;
			ow->flows_capacity = fs.capacity;
			ow->flows_inserted = fs.inserted;
		}
	}
}
