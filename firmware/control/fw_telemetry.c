/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry commands (see fw_telemetry.h). The picture is double-buffered: the control
 * thread fills `back` without a lock, then swaps it with `front` under T.mu; a callback
 * formats `front` while holding T.mu, so the control thread waits at most one
 * formatting (microseconds) at a swap.
 *
 * Lists are columns (a dictionary of arrays: "name": [...], "packets": [...]) because
 * the library nests only arrays in a dictionary and takes as keys only letters, digits,
 * '_' and '/' (a VIP name may hold '-' or '.'). An answer is capped at 16 KB: lists stop
 * at LIST_MAX entries and say how many were left out ("truncated").
 */
#include "firmware/control/fw_telemetry.h"

#include "common/tula_log.h"
#include "common/tula_loop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_telemetry.h>

#define LIST_MAX 100 /* entries of a list answer: ~150 bytes each, under 16 KB */

struct fw_telemetry {
	struct fw_obs_src src;
	struct fw_obs *back; /* control thread only */
};

/* What the telemetry thread may see; static because DPDK keeps our callbacks forever. */
static struct {
	pthread_mutex_t mu;
	struct fw_obs *front; /* under mu; NULL = no Tula data (not started, or stopped) */
	int registered;
} T = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* A column: one array value per VIP / backend / worker, under a fixed key. */
static struct rte_tel_data *column(int strings)
{
	struct rte_tel_data *a = rte_tel_data_alloc();

	if (a != NULL)
		rte_tel_data_start_array(a, strings ? RTE_TEL_STRING_VAL : RTE_TEL_U64_VAL);
	return a;
}

/* Add the columns (NULL ones are skipped: out of memory) to d, which takes them. */
static void add_columns(struct rte_tel_data *d, const char *const *keys, struct rte_tel_data **cols,
			size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cols[i] != NULL)
			rte_tel_data_add_dict_container(d, keys[i], cols[i], 0);
}

/* Drop and event names as dictionary keys: the library takes only letters, digits,
 * '_' and '/', so "no-usable-backend" is given as "no_usable_backend". */
static void key_of(const char *name, char *key, size_t len)
{
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < len; i++)
		key[i] = name[i] == '-' ? '_' : name[i];
	key[i] = '\0';
}

/* Lock and return the picture, or NULL (unlocked) when there is none. */
static const struct fw_obs *front_lock(void)
{
	pthread_mutex_lock(&T.mu);
	if (T.front == NULL) {
		pthread_mutex_unlock(&T.mu);
		return NULL;
	}
	return T.front;
}

static void front_unlock(void)
{
	pthread_mutex_unlock(&T.mu);
}

static int cmd_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct fw_obs *o;

	(void)cmd;
	(void)params;
	if ((o = front_lock()) == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "revision", o->revision);
	rte_tel_data_add_dict_u64(d, "age_ms", tula_now_ms() - o->taken_ms);
	rte_tel_data_add_dict_u64(d, "vips", o->nb_vips);
	rte_tel_data_add_dict_u64(d, "backends", o->nb_backends);
	rte_tel_data_add_dict_u64(d, "workers", o->nb_workers);
	front_unlock();
	return 0;
}

static int cmd_vips(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const keys[] = {"name",	     "address",	  "packets",
					   "bytes",	     "new_flows", "packets_per_second",
					   "bits_per_second"};
	struct rte_tel_data *c[RTE_DIM(keys)];
	const struct fw_obs *o;
	char addr[INET_ADDRSTRLEN];
	uint32_t i;

	(void)cmd;
	(void)params;
	if ((o = front_lock()) == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	for (i = 0; i < RTE_DIM(keys); i++)
		c[i] = column(i < 2);
	for (i = 0; i < o->nb_vips && i < LIST_MAX; i++) {
		const struct fw_obs_vip *v = &o->vips[i];
		uint64_t u[] = {v->c.packets, v->c.bytes, v->c.new_flows,
				(uint64_t)(v->r.pps + 0.5), (uint64_t)(v->r.bps + 0.5)};

		rte_tel_data_add_array_string(c[0], v->name);
		rte_tel_data_add_array_string(c[1],
					      inet_ntop(AF_INET, &v->addr, addr, sizeof(addr)));
		for (size_t k = 0; k < RTE_DIM(u); k++)
			rte_tel_data_add_array_u64(c[2 + k], u[k]);
	}
	add_columns(d, keys, c, RTE_DIM(keys));
	if (i < o->nb_vips)
		rte_tel_data_add_dict_u64(d, "truncated", o->nb_vips - i);
	front_unlock();
	return 0;
}

static int cmd_vip(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct fw_obs *o;
	const struct fw_obs_vip *v = NULL;
	struct rte_tel_data *bes;
	char addr[INET_ADDRSTRLEN];
	uint32_t i;

	(void)cmd;
	if (params == NULL || params[0] == '\0')
		return -1;
	if ((o = front_lock()) == NULL)
		return -1;
	for (i = 0; i < o->nb_vips && v == NULL; i++)
		if (strcmp(o->vips[i].name, params) == 0)
			v = &o->vips[i];
	if (v == NULL) {
		front_unlock();
		return -1;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", v->name);
	rte_tel_data_add_dict_string(d, "address",
				     inet_ntop(AF_INET, &v->addr, addr, sizeof(addr)));
	rte_tel_data_add_dict_string(d, "protocol", fw_obs_proto_name(v->proto));
	if (v->port == 0)
		rte_tel_data_add_dict_string(d, "port", "*");
	else
		rte_tel_data_add_dict_u64(d, "port", v->port);
	rte_tel_data_add_dict_string(d, "mode", fw_obs_mode_name(v->mode));
	rte_tel_data_add_dict_string(d, "state", v->up ? "up" : "down");
	rte_tel_data_add_dict_u64(d, "packets", v->c.packets);
	rte_tel_data_add_dict_u64(d, "bytes", v->c.bytes);
	rte_tel_data_add_dict_u64(d, "new_flows", v->c.new_flows);
	rte_tel_data_add_dict_u64(d, "packets_per_second", (uint64_t)(v->r.pps + 0.5));
	rte_tel_data_add_dict_u64(d, "bits_per_second", (uint64_t)(v->r.bps + 0.5));
	rte_tel_data_add_dict_u64(d, "packets_per_second_average", (uint64_t)(v->r.pps_avg + 0.5));
	rte_tel_data_add_dict_u64(d, "bits_per_second_average", (uint64_t)(v->r.bps_avg + 0.5));
	bes = rte_tel_data_alloc();
	if (bes != NULL) {
		rte_tel_data_start_array(bes, RTE_TEL_STRING_VAL);
		for (i = 0; i < o->nb_backends; i++)
			if (&o->vips[o->backends[i].vip] == v)
				rte_tel_data_add_array_string(bes, o->backends[i].name);
		rte_tel_data_add_dict_container(d, "backends", bes, 0);
	}
	front_unlock();
	return 0;
}

static int cmd_backends(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const keys[] = {"vip",
					   "name",
					   "address",
					   "health",
					   "packets",
					   "bytes",
					   "new_flows",
					   "packets_per_second",
					   "bits_per_second",
					   "up",
					   "usable",
					   "weight"};
	struct rte_tel_data *c[RTE_DIM(keys)];
	const struct fw_obs *o;
	char addr[INET_ADDRSTRLEN];
	uint32_t i, n = 0, left = 0;

	(void)cmd;
	if ((o = front_lock()) == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	for (i = 0; i < RTE_DIM(keys); i++)
		c[i] = column(i < 4);
	for (i = 0; i < o->nb_backends; i++) {
		const struct fw_obs_backend *b = &o->backends[i];
		const char *vip = o->vips[b->vip].name;
		uint64_t u[] = {b->c.packets,
				b->c.bytes,
				b->c.new_flows,
				(uint64_t)(b->r.pps + 0.5),
				(uint64_t)(b->r.bps + 0.5),
				b->up,
				b->usable,
				b->weight};

		if (params != NULL && params[0] != '\0' && strcmp(params, vip) != 0)
			continue;
		if (n == LIST_MAX) {
			left++;
			continue;
		}
		rte_tel_data_add_array_string(c[0], vip);
		rte_tel_data_add_array_string(c[1], b->name);
		rte_tel_data_add_array_string(c[2],
					      inet_ntop(AF_INET, &b->addr, addr, sizeof(addr)));
		rte_tel_data_add_array_string(c[3], b->health);
		for (size_t k = 0; k < RTE_DIM(u); k++)
			rte_tel_data_add_array_u64(c[4 + k], u[k]);
		n++;
	}
	add_columns(d, keys, c, RTE_DIM(keys));
	if (left != 0)
		rte_tel_data_add_dict_u64(d, "truncated", left);
	front_unlock();
	return 0;
}

static int cmd_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	static const char *const keys[] = {"worker",	 "rx_packets",	   "tx_packets",    "drops",
					   "flows_used", "flows_capacity", "flows_inserted"};
	struct rte_tel_data *c[RTE_DIM(keys)];
	const struct fw_obs *o;
	uint32_t i;

	(void)cmd;
	(void)params;
	if ((o = front_lock()) == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	for (i = 0; i < RTE_DIM(keys); i++)
		c[i] = column(0);
	for (i = 0; i < o->nb_workers; i++) {
		const struct fw_obs_worker *w = &o->workers[i];
		uint64_t u[] = {i,
				w->rx,
				w->tx,
				w->drops,
				w->flows_used,
				w->flows_capacity,
				w->flows_inserted};

		for (size_t k = 0; k < RTE_DIM(u); k++)
			rte_tel_data_add_array_u64(c[k], u[k]);
	}
	add_columns(d, keys, c, RTE_DIM(keys));
	front_unlock();
	return 0;
}

/* A dict of named counters: names from name_of(i), values v[0..n). */
static int named_counters(struct rte_tel_data *d, const char *(*name_of)(unsigned int), size_t off,
			  unsigned int n)
{
	const struct fw_obs *o;

	if ((o = front_lock()) == NULL)
		return -1;
	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < n; i++) {
		const uint64_t *v = (const uint64_t *)((const char *)o + off);
		char key[RTE_TEL_MAX_STRING_LEN];

		key_of(name_of(i), key, sizeof(key));
		rte_tel_data_add_dict_u64(d, key, v[i]);
	}
	front_unlock();
	return 0;
}

static int cmd_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return named_counters(d, fw_drop_name, offsetof(struct fw_obs, drop), FW_DROP_MAX);
}

static int cmd_events(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	return named_counters(d, fw_event_name, offsetof(struct fw_obs, ev), FW_EV_MAX);
}

static const struct {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
} cmds[] = {
	{"/tula/info", cmd_info,
	 "Tula: active configuration revision, age of these figures. No parameters"},
	{"/tula/vips", cmd_vips,
	 "Tula: per VIP packets, bytes, new flows, packets/s, bits/s. No parameters"},
	{"/tula/vip", cmd_vip,
	 "Tula: one VIP's settings, state, counters and rates. Parameter: VIP name"},
	{"/tula/backends", cmd_backends,
	 "Tula: per backend counters, rates, health, weight. Parameter: VIP name (optional)"},
	{"/tula/workers", cmd_workers,
	 "Tula: per worker rx, tx, drops, flow-table use. No parameters"},
	{"/tula/drops", cmd_drops, "Tula: data-path drops by reason. No parameters"},
	{"/tula/events", cmd_events, "Tula: data-path events. No parameters"},
};

struct fw_telemetry *fw_telemetry_new(const struct fw_obs_src *src)
{
	struct fw_telemetry *t = calloc(1, sizeof(*t));
	struct fw_obs *first;

	if (t == NULL)
		return NULL;
	t->src = *src;
	t->back = fw_obs_new(src->ctl);
	first = fw_obs_new(src->ctl);
	if (t->back == NULL || first == NULL) {
		fw_obs_free(first);
		fw_telemetry_free(t);
		errno = ENOMEM;
		return NULL;
	}
	fw_obs_take(first, &t->src);
	pthread_mutex_lock(&T.mu);
	T.front = first;
	pthread_mutex_unlock(&T.mu);
	if (!T.registered) {
		for (size_t i = 0; i < RTE_DIM(cmds); i++)
			if (rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help) < 0)
				TLOG_WARNING("telemetry: cannot register %s", cmds[i].cmd);
		T.registered = 1;
	}
	TLOG_INFO("telemetry: %s/dpdk_telemetry.v2 answers /tula/vips, /tula/backends, "
		  "/tula/workers, /tula/drops",
		  rte_eal_get_runtime_dir());
	return t;
}

void fw_telemetry_refresh(void *arg)
{
	struct fw_telemetry *t = arg;
	struct fw_obs *old;

	fw_obs_take(t->back, &t->src);
	pthread_mutex_lock(&T.mu);
	old = T.front;
	T.front = t->back;
	pthread_mutex_unlock(&T.mu);
	t->back = old;
}

void fw_telemetry_free(struct fw_telemetry *t)
{
	struct fw_obs *old;

	if (t == NULL)
		return;
	pthread_mutex_lock(&T.mu);
	old = T.front;
	T.front = NULL;
	pthread_mutex_unlock(&T.mu);
	fw_obs_free(old);
	fw_obs_free(t->back);
	free(t);
}
