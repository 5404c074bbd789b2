/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fleet simulation: N Tula boxes behind one ECMP router, B backends, F established
 * flows, using Tula's own code for what decides a flow's backend — fw_flow_hash (the
 * flow's hash), fw_maglev_build (the table every box builds from the backends'
 * addresses) and the per-box flow table (fw_flow_lookup / fw_flow_insert, which pins an
 * established flow to its backend). The router is modelled as Linux's ECMP: an L4 hash
 * of the flow (not Tula's), next hop by hash-threshold over the live next hops, so
 * losing a next hop moves flows between the surviving boxes too.
 *
 * For each event it reports the share of established flows whose backend changes (a
 * broken connection) against the theoretical minimum:
 *
 *   box dies                 minimum 0: every box builds the same table
 *   backend removed          minimum: the removed backend's own flows
 *   backend added            minimum 0 (flows stay pinned where they are known)
 *   weight doubled           minimum 0
 *   backend added, then a box dies: ECMP moves flows to boxes that never saw them,
 *                            which choose from the new table (the hard case)
 *   backend removed, then a box dies
 *
 * and, for comparison, the share of table entries that changed (what a box with no
 * flow table, or a flow that lands on a box that never saw it, experiences).
 *
 *   fleet_sim [-n BOXES] [-b BACKENDS] [-f FLOWS] [-m TABLE_SIZE] [--check]
 *
 * Defaults: 64 boxes, 10 000 backends, 10 000 000 flows, Tula's table size 65537.
 * --check exits 1 when an invariant that Tula promises does not hold (box death moves
 * no flow to another backend, a removal moves exactly the removed backend's flows, an
 * addition or a weight change moves none): the unit suite runs it small.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_jhash.h>

#include "firmware/control/fw_maglev.h"
#include "firmware/datapath/fw_flow.h"

#define VIP_ADDR 0x0a000164u /* 10.0.1.100 */
#define NEVER	 0x7fffffffu /* expiry tick far ahead of the tick (1) used */

struct sim {
	uint32_t nboxes, nbe, nflows, m;
	struct fw_maglev_backend *be; /* nbe + 1: room for an added backend */
	uint16_t *t0, *t1;	      /* the table before and after the change */
	uint8_t *be_alive;	      /* by backend id */
	struct fw_flow_table **ft;    /* one per box */
	uint8_t *alive;		      /* boxes */
	uint16_t *be0;		      /* backend of each flow once established */
	uint64_t evicted;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Flow i: a client address and port from a fixed stream, to VIP:80. */
static void flow_key(uint32_t i, struct fw_flow_key *k)
{
	uint64_t s = (uint64_t)i * 0x2545f4914f6cdd1dull, r = splitmix(&s);

	memset(k, 0, sizeof(*k));
	k->src = htonl(0x64400000u | (uint32_t)(r & 0x3fffff)); /* 100.64.0.0/10 */
	k->sport = htons((uint16_t)(1024 + (r >> 32) % 64512));
	k->dst = htonl(VIP_ADDR);
	k->dport = htons(80);
	k->proto = 6;
}

/* The router's next hop: its own L4 hash, hash-threshold over the live boxes. */
static uint32_t ecmp(const struct sim *s, const struct fw_flow_key *k)
{
	uint32_t h = rte_jhash(k, 13, 0x0ec3u), live = 0, pick, i;

	for (i = 0; i < s->nboxes; i++)
		live += s->alive[i];
	pick = (uint32_t)(((uint64_t)h * live) >> 32);
	for (i = 0; i < s->nboxes; i++)
		if (s->alive[i] && pick-- == 0)
			return i;
	return 0;
}

/* What the box's data path does with a packet of the flow (fw_pipeline's choose()). */
static uint16_t pick(struct sim *s, uint32_t box, const struct fw_flow_key *k,
		     const uint16_t *table)
{
	uint32_t h = fw_flow_hash(k);
	uint64_t id = fw_flow_id(0, k->src, k->sport); /* one VIP: slot 0 */
	struct fw_flow_entry *e = fw_flow_lookup(s->ft[box], id, h);
	int ev = 0;

	if (e != NULL && s->be_alive[fw_flow_be(e)])
		return (uint16_t)fw_flow_be(e);
	if (e == NULL) {
		e = fw_flow_insert(s->ft[box], id, h, 1, &ev);
		s->evicted += (uint64_t)ev;
	}
	e->expire = NEVER; /* nothing expires during the simulation */
	e->bg = fw_flow_bg(table[h % s->m], 0, 0);
	return (uint16_t)fw_flow_be(e);
}

static void build(struct sim *s, uint16_t *table, uint32_t n)
{
	if (fw_maglev_build(table, s->m, s->be, n) < 0) {
		fprintf(stderr, "fleet_sim: cannot build a Maglev table\n");
		exit(2);
	}
}

/* Fresh fleet: every box up, empty flow tables, every flow established with t0. */
static void establish(struct sim *s)
{
	struct fw_flow_key k;

	for (uint32_t b = 0; b < s->nboxes; b++) {
		fw_flow_free(s->ft[b]);
		s->ft[b] = fw_flow_create(8 * (s->nflows / s->nboxes + 1024), 0);
		if (s->ft[b] == NULL) {
			fprintf(stderr, "fleet_sim: no memory for the flow tables\n");
			exit(2);
		}
		s->alive[b] = 1;
	}
	for (uint32_t i = 0; i <= s->nbe; i++)
		s->be_alive[i] = i < s->nbe;
	for (uint32_t i = 0; i < s->nflows; i++) {
		flow_key(i, &k);
		s->be0[i] = pick(s, ecmp(s, &k), &k, s->t0);
	}
}

struct result {
	const char *event;
	double moved_ecmp; /* flows the router sent to another box */
	double changed;	   /* flows whose backend changed */
	double minimum;
	double table; /* table entries that changed */
};

/* Send every flow again (after the change) and count. */
static void replay(struct sim *s, const uint16_t *table, uint16_t gone, struct result *r,
		   const uint32_t *box_before)
{
	struct fw_flow_key k;
	uint64_t changed = 0, moved = 0, on_gone = 0, diff = 0;

	for (uint32_t i = 0; i < s->nflows; i++) {
		uint32_t box;

		flow_key(i, &k);
		box = ecmp(s, &k);
		moved += box != box_before[i];
		on_gone += s->be0[i] == gone;
		changed += pick(s, box, &k, table) != s->be0[i];
	}
	for (uint32_t i = 0; i < s->m; i++)
		diff += s->t0[i] != table[i];
	r->moved_ecmp = 100.0 * (double)moved / s->nflows;
	r->changed = 100.0 * (double)changed / s->nflows;
	r->minimum = 100.0 * (double)on_gone / s->nflows;
	r->table = 100.0 * (double)diff / s->m;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"check", no_argument, NULL, 'c'},
		{NULL, 0, NULL, 0},
	};
	char *eal[] = {argv[0],	   "-l",	  "0",		 "--no-huge", "-m", "64",
		       "--no-pci", "--no-shconf", "--log-level", "1",	      NULL};
	struct sim s = {.nboxes = 64, .nbe = 10000, .nflows = 10000000, .m = 65537};
	struct result res[8];
	uint32_t *box_before;
	uint16_t none = FW_MAGLEV_NONE, victim, added;
	int c, check = 0, nres = 0, bad = 0, differ = 0;
	double t_start = now_s();

	while ((c = getopt_long(argc, argv, "n:b:f:m:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			s.nboxes = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			s.nbe = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'f':
			s.nflows = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			s.m = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			check = 1;
			break;
		default:
			fprintf(stderr, "usage: fleet_sim [-n BOXES] [-b BACKENDS] [-f FLOWS] "
					"[-m TABLE_SIZE] [--check]\n");
			return 2;
		}
	}
	if (s.nboxes < 2 || s.nbe < 2 || s.nbe >= FW_MAGLEV_NONE - 1 || s.nflows < 1 ||
	    !fw_maglev_is_prime(s.m)) {
		fprintf(stderr, "fleet_sim: need 2+ boxes, 2..65533 backends, 1+ flows, a prime "
				"table size\n");
		return 2;
	}
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0) {
		fprintf(stderr, "fleet_sim: EAL did not start\n");
		return 2;
	}
	s.be = calloc(s.nbe + 1, sizeof(*s.be));
	s.t0 = malloc(s.m * sizeof(*s.t0));
	s.t1 = malloc(s.m * sizeof(*s.t1));
	s.be_alive = calloc(s.nbe + 1, 1);
	s.ft = calloc(s.nboxes, sizeof(*s.ft));
	s.alive = calloc(s.nboxes, 1);
	s.be0 = malloc((size_t)s.nflows * sizeof(*s.be0));
	box_before = malloc((size_t)s.nflows * sizeof(*box_before));
	if (!s.be || !s.t0 || !s.t1 || !s.be_alive || !s.ft || !s.alive || !s.be0 || !box_before) {
		fprintf(stderr, "fleet_sim: out of memory\n");
		return 2;
	}
	for (uint32_t i = 0; i <= s.nbe; i++) {
		s.be[i].addr = htonl(0x0a800000u + i + 1); /* 10.128.0.1 ... */
		s.be[i].weight = 100;
		s.be[i].id = (uint16_t)i;
	}
	build(&s, s.t0, s.nbe);

	/* Boxes agree: each box gets the backends in its own order (configurations differ);
	 * every table is the same. */
	{
		struct fw_maglev_backend *sh = malloc(s.nbe * sizeof(*sh));
		uint64_t seed = 7;

		for (uint32_t b = 0; b < s.nboxes && sh != NULL; b++) {
			memcpy(sh, s.be, s.nbe * sizeof(*sh));
			for (uint32_t i = s.nbe - 1; i > 0; i--) {
				uint32_t j = (uint32_t)(splitmix(&seed) % (i + 1));
				struct fw_maglev_backend x = sh[i];

				sh[i] = sh[j];
				sh[j] = x;
			}
			if (fw_maglev_build(s.t1, s.m, sh, s.nbe) < 0 ||
			    memcmp(s.t1, s.t0, s.m * sizeof(*s.t0)) != 0) {
				printf("box %u built another table from the same backends\n", b);
				differ = bad = 1;
			}
		}
		free(sh);
	}

	victim = (uint16_t)(s.nbe / 3);
	added = (uint16_t)s.nbe;

#define RECORD_BOXES()                                    \
	do {                                              \
		struct fw_flow_key k_;                    \
		for (uint32_t i = 0; i < s.nflows; i++) { \
			flow_key(i, &k_);                 \
			box_before[i] = ecmp(&s, &k_);    \
		}                                         \
	} while (0)

	/* 1. a box dies */
	establish(&s);
	RECORD_BOXES();
	s.alive[s.nboxes / 2] = 0;
	res[nres].event = "a box dies";
	replay(&s, s.t0, none, &res[nres], box_before);
	if (check && res[nres].changed != 0)
		bad = 1;
	nres++;

	/* 2. a backend is removed */
	establish(&s);
	RECORD_BOXES();
	s.be[victim].weight = 0; /* gone from the table... */
	build(&s, s.t1, s.nbe);
	s.be[victim].weight = 100;
	s.be_alive[victim] = 0; /* ...and from the forwarding state: its flows are re-chosen */
	res[nres].event = "a backend is removed";
	replay(&s, s.t1, victim, &res[nres], box_before);
	if (check && res[nres].changed != res[nres].minimum)
		bad = 1;
	nres++;

	/* 3. a backend is added */
	establish(&s);
	RECORD_BOXES();
	build(&s, s.t1, s.nbe + 1);
	s.be_alive[added] = 1;
	res[nres].event = "a backend is added";
	replay(&s, s.t1, none, &res[nres], box_before);
	if (check && res[nres].changed != 0)
		bad = 1;
	nres++;

	/* 4. a weight doubles */
	establish(&s);
	RECORD_BOXES();
	s.be[victim].weight = 200;
	build(&s, s.t1, s.nbe);
	s.be[victim].weight = 100;
	res[nres].event = "a backend's weight doubles";
	replay(&s, s.t1, none, &res[nres], box_before);
	if (check && res[nres].changed != 0)
		bad = 1;
	nres++;

	/* 5. the hard case: a backend is added, then a box dies and ECMP moves flows to
	 * boxes that never saw them */
	establish(&s);
	RECORD_BOXES();
	build(&s, s.t1, s.nbe + 1);
	s.be_alive[added] = 1;
	s.alive[s.nboxes / 2] = 0;
	res[nres].event = "backend added, then a box dies";
	replay(&s, s.t1, none, &res[nres], box_before);
	nres++;

	/* 6. a backend is removed, then a box dies */
	establish(&s);
	RECORD_BOXES();
	s.be[victim].weight = 0;
	build(&s, s.t1, s.nbe);
	s.be[victim].weight = 100;
	s.be_alive[victim] = 0;
	s.alive[s.nboxes / 2] = 0;
	res[nres].event = "backend removed, then a box dies";
	replay(&s, s.t1, victim, &res[nres], box_before);
	nres++;

	printf("Fleet: %u boxes, %u backends (weight 100), %u flows, Maglev table %u entries"
	       " (%.1f per backend)\n\n",
	       s.nboxes, s.nbe, s.nflows, s.m, (double)s.m / s.nbe);
	printf("| event | flows ECMP moves to another box | flows that change backend | "
	       "theoretical minimum | Maglev entries that change |\n");
	printf("|---|---:|---:|---:|---:|\n");
	for (int i = 0; i < nres; i++)
		printf("| %s | %.3f %% | %.4f %% | %.4f %% | %.3f %% |\n", res[i].event,
		       res[i].moved_ecmp, res[i].changed, res[i].minimum, res[i].table);
	printf("\nflow-table evictions: %llu; every box built the same table from the backends "
	       "in its own order: %s; %.1f s\n",
	       (unsigned long long)s.evicted, differ ? "NO" : "yes", now_s() - t_start);
	for (uint32_t b = 0; b < s.nboxes; b++)
		fw_flow_free(s.ft[b]);
	free(s.be);
	free(s.t0);
	free(s.t1);
	free(s.be_alive);
	free(s.ft);
	free(s.alive);
	free(s.be0);
	free(box_before);
	rte_eal_cleanup();
	return check && bad ? 1 : 0;
}
