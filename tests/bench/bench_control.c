/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control-plane benchmark (an executable, not a test), each figure next to a baseline
 * measured in the same run:
 *
 *   maglev   Maglev table build (65537 entries) for N backends of equal weight;
 *            baseline: filling the same table round-robin (id = i % N), the least any
 *            table-driven scheme pays.
 *   commit   the full commit of one changed statement with N VIPs (2 backends each, all
 *            resolved): validate, store (SQLite, WAL, synchronous=FULL), prepare
 *            (compile the whole forwarding state: the Maglev table of every changed
 *            VIP built, the others shared with the published state) and apply
 *            (publish to the running worker lcore and wait until it has adopted the
 *            new state: rte_rcu_qsbr). The same code as the daemon: db + fw_ctl +
 *            fw_dp, a worker running on lcore 1, port net_null0. Also `commit check`
 *            (validate + prepare, then abort). Baseline: a bare SQLite transaction
 *            (same pragmas) storing the same configuration text.
 *   flows    flow-table memory for N flows: bytes per flow and in total; baseline:
 *            an rte_hash of the same capacity on the same 16-byte key holding a
 *            pointer, plus the 32 bytes of per-flow data a flow entry carries.
 *
 *   bench_control [--quick] [maglev] [commit] [flows]     (default: all three)
 *
 * Run it in a throwaway network namespace (bench-control.sh does: `unshare -n`):
 * the firmware creates a TAP interface for the port's self address.
 * Output: one table per part; lines starting with "RESULT\t" are for run-all.sh.
 */
#include <errno.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "common/tula_buf.h"
#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db.h"
#include "firmware/control/fw_ctl.h"
#include "firmware/control/fw_dp.h"
#include "firmware/control/fw_eal.h"
#include "firmware/datapath/fw_flow.h"
#include "firmware/control/fw_maglev.h"
#include "firmware/control/fw_neigh.h"
#include "firmware/fw_state.h"

#include "bench_util.h"

#define MAGLEV_SIZE 65537

static int quick;

static void result(const char *figure, double tula, double base, const char *unit)
{
	printf("RESULT\t%s\t%.4g\t%.4g\t%.2f\t%s\n", figure, tula, base, tula / base, unit);
}

/* ---- Maglev ----------------------------------------------------------------------- */

static volatile uint16_t sink16;

static void bench_maglev(void)
{
	static const uint32_t counts[] = {10, 100, 1000, 10000};
	uint16_t *table = malloc(MAGLEV_SIZE * sizeof(*table));
	unsigned int c;

	printf("Maglev table build, %u entries, equal weights (median of alternating runs)\n",
	       MAGLEV_SIZE);
	printf("%9s %12s %14s %8s\n", "backends", "build ms", "baseline ms", "ratio");
	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		uint32_t n = counts[c], i, k, reps = quick ? 3 : (n >= 1000 ? 9 : 31);
		struct fw_maglev_backend *be = calloc(n, sizeof(*be));
		double tb[31], tr[31], b, r;
		char fig[64];

		for (i = 0; i < n; i++) {
			be[i].addr = rte_cpu_to_be_32(RTE_IPV4(10, 2, 0, 0) + i + 1);
			be[i].weight = 100;
			be[i].id = (uint16_t)i;
		}
		for (k = 0; k < reps; k++) {
			double t0 = bench_now_ms();

			if (fw_maglev_build(table, MAGLEV_SIZE, be, n) != 0)
				bench_die("fw_maglev_build", NULL);
			tb[k] = bench_now_ms() - t0;
			sink16 = table[k];
			t0 = bench_now_ms();
			for (i = 0; i < MAGLEV_SIZE; i++)
				table[i] = (uint16_t)(i % n);
			tr[k] = bench_now_ms() - t0;
			sink16 = table[k + 1];
		}
		b = bench_median(tb, (int)reps);
		r = bench_median(tr, (int)reps);
		printf("%9u %12.3f %14.3f %8.1f\n", n, b, r, b / r);
		snprintf(fig, sizeof(fig), "maglev build %u backends", n);
		result(fig, b, r, "ms");
		free(be);
	}
	printf("\n");
	free(table);
}

/* ---- commit ----------------------------------------------------------------------- */

/* n VIPs of two backends each; VIP i at 10.1.i, backends 10.0.x.y on port0's /8. */
static void config(struct tula_buf *b, int n)
{
	int i;

	tula_buf_puts(b, "system { host-name bench; }\n"
			 "interfaces { port0 { device \"net_null0\"; address 10.0.0.1/8; } }\n"
			 "services { dsr {\n");
	for (i = 0; i < n; i++)
		tula_buf_printf(b,
				"vip v%d { address 11.%d.%d.%d; protocol tcp; port 80; "
				"backend a { address 10.%d.%d.%d; } "
				"backend b { address 10.%d.%d.%d; } }\n",
				i, i >> 16, (i >> 8) & 255, i & 255, 1 + (2 * i >> 16),
				(2 * i >> 8) & 255, 2 * i & 255, 1 + ((2 * i + 1) >> 16),
				((2 * i + 1) >> 8) & 255, (2 * i + 1) & 255);
	tula_buf_puts(b, "} }\n");
}

/* Every backend of the configuration gets a MAC, as ARP replies would bring them. */
static void resolve_all(struct fw_ctl *ctl, struct tula_loop *loop, int n)
{
	struct fw_neigh *ng = fw_ctl_neigh(ctl);
	int i, k;

	for (i = 0; i < 2 * n; i++) {
		uint32_t a = RTE_IPV4(10, 1 + (i >> 16), (i >> 8) & 255, i & 255);
		struct rte_ether_addr mac = {
			{2, 0xbe, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i}};

		fw_neigh_input(ng, 0, rte_cpu_to_be_32(a), &mac);
	}
	for (k = 0; k < 5; k++) /* the neighbour table reports, the control side rebuilds */
		tula_loop_run_once(loop, 10);
}

static int usable_backends(const struct fw_state *st)
{
	int n = 0;

	for (uint32_t i = 0; i < st->max_backends; i++)
		n += st->backends[i].gen != 0 && st->backends[i].usable;
	return n;
}

static void bench_commit_one(struct tula_loop *loop, int n, int iters)
{
	struct tula_buf text = TULA_BUF_INIT, line = TULA_BUF_INIT, canon = TULA_BUF_INIT;
	const char *tmp = getenv("TMPDIR");
	char path[256], dbpath[300], basepath[300];
	struct db_open_opts o = {0};
	struct db_diags d = DB_DIAGS_INIT;
	struct db_commit_opts chk = {.check = 1};
	struct fw_dp_conf dc = {.nb_workers = 1,
				.max_vips = (uint16_t)(n + 16 > 65535 ? 65535 : n + 16),
				.max_backends = (uint32_t)(2 * n + 16),
				.flow_entries = 1 << 16};
	struct fw_ctl_conf cc = {.loop = loop, .nb_queues = 1};
	struct db_session *s;
	struct fw_dp *dp;
	struct fw_ctl *ctl;
	struct db *db;
	double tc[64], tk[64], commit, check, base;
	uint64_t serial;
	char fig[64];
	int i;

	snprintf(path, sizeof(path), "%s/bench-control-XXXXXX", tmp != NULL ? tmp : "/tmp");
	if (mkdtemp(path) == NULL)
		bench_die("mkdtemp", NULL);
	snprintf(dbpath, sizeof(dbpath), "%s/config.db", path);
	snprintf(basepath, sizeof(basepath), "%s/sqlite.db", path);
	config(&text, n);
	o.path = dbpath;
	o.seed_text = tula_buf_str(&text);
	if (db_open(&o, &db, NULL) != 0)
		bench_die("db_open", NULL);
	dp = fw_dp_create(&dc);
	if (dp == NULL || fw_dp_start(dp) != 0)
		bench_die("fw_dp_create/start", NULL);
	cc.db = db;
	cc.dp = dp;
	ctl = fw_ctl_new(&cc);
	if (ctl == NULL)
		bench_die("fw_ctl_new", NULL);
	if (db_activate(db, &d) != 0)
		bench_die("db_activate", &d);
	resolve_all(ctl, loop, n);
	if (usable_backends(fw_dp_state(dp)) != 2 * n) {
		fprintf(stderr, "bench_control: %d of %d backends usable\n",
			usable_backends(fw_dp_state(dp)), 2 * n);
		exit(1);
	}
	if (db_session_open(db, "bench", DB_CLIENT_CLI, "bench", DB_MODE_SHARED, &s, &d) != 0)
		bench_die("session", &d);
	for (i = 0; i < iters; i++) {
		double t0;

		tula_buf_reset(&line);
		tula_buf_printf(&line, "set services dsr vip v0 backend a weight %d", 50 + i);
		if (db_exec(s, tula_buf_str(&line), &d) != 0)
			bench_die("edit", &d);
		t0 = bench_now_ms();
		if (db_commit(s, &chk, NULL, &d) != 0)
			bench_die("commit check", &d);
		tk[i] = bench_now_ms() - t0;
		serial = fw_dp_state(dp)->serial;
		t0 = bench_now_ms();
		if (db_commit(s, NULL, NULL, &d) != 0)
			bench_die("commit", &d);
		tc[i] = bench_now_ms() - t0;
		/* The commit returned: the new state is published and the worker adopted it. */
		if (fw_dp_state(dp)->serial == serial || usable_backends(fw_dp_state(dp)) != 2 * n)
			bench_die("commit did not publish a complete state", NULL);
		tula_loop_run_once(loop, 0);
	}
	commit = bench_median(tc, iters);
	check = bench_median(tk, iters);
	db_render(db_active(db), DB_FMT_BRACES, 0, &canon);
	base = bench_sqlite_commit(basepath, tula_buf_str(&canon), iters);
	printf("%6d %9.1f %11.2f %11.2f %13.3f %9.0f\n", n, (double)canon.len / 1024.0, check,
	       commit, base, commit / base);
	fflush(stdout);
	snprintf(fig, sizeof(fig), "commit %d VIPs (to every worker)", n);
	result(fig, commit, base, "ms");
	db_session_close(s);
	fw_dp_stop(dp);
	fw_ctl_free(ctl);
	fw_dp_free(dp);
	db_close(db);
	{
		char cmd[320];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", path);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_control: could not remove %s\n", path);
	}
	db_diags_free(&d);
	tula_buf_free(&text);
	tula_buf_free(&line);
	tula_buf_free(&canon);
}

static void bench_commit(void)
{
	struct tula_loop *loop = tula_loop_new();

	if (loop == NULL)
		bench_die("tula_loop_new", NULL);
	printf("Commit of one changed statement through db + fw_ctl + fw_dp (1 worker running):\n"
	       "validate, store, compile the forwarding state (Maglev tables of changed VIPs\n"
	       "built, the others shared), publish, wait for the worker to adopt it.\n"
	       "Baseline: a bare SQLite transaction storing the same text. Medians.\n");
	printf("%6s %9s %11s %11s %13s %9s\n", "VIPs", "text KiB", "check ms", "commit ms",
	       "baseline ms", "ratio");
	bench_commit_one(loop, 1, quick ? 5 : 31);
	bench_commit_one(loop, 100, quick ? 3 : 15);
	if (!quick)
		bench_commit_one(loop, 1000, 7);
	bench_commit_one(loop, 10000, quick ? 1 : 3);
	printf("\n");
	tula_loop_free(loop);
}

/* ---- flow-table memory -------------------------------------------------------------- */

static size_t heap_used(void)
{
	struct rte_malloc_socket_stats st;

	rte_malloc_get_socket_stats((int)rte_socket_id(), &st);
	return st.heap_allocsz_bytes;
}

static void bench_flows(void)
{
	static const uint32_t counts[] = {65536, 1u << 20, 8u << 20};
	unsigned int c;

	printf("Flow-table memory (allocated for the capacity; entries per worker)\n");
	printf("%9s %12s %10s %15s %13s %8s\n", "flows", "Tula MiB", "B/flow", "rte_hash MiB",
	       "base B/flow", "ratio");
	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		uint32_t n = counts[c];
		struct fw_flow_table *t = fw_flow_create(n, (int)rte_socket_id());
		struct rte_hash_parameters hp = {.name = "bench_flows",
						 .entries = n,
						 .key_len = sizeof(struct fw_flow_key),
						 .hash_func = rte_hash_crc,
						 .socket_id = (int)rte_socket_id()};
		/* the per-flow data a hash table would point to: VIP, backend, generation, last
		 * seen, timeout, packets (a flow table entry without Tula's packing) */
		const size_t data = 2 + 2 + 4 + 8 + 8 + 8;
		size_t h0 = heap_used(), hbytes;
		struct rte_hash *h;
		double tula_b, base_b;
		char fig[64];

		if (t == NULL)
			bench_die("fw_flow_create", NULL);
		h = rte_hash_create(&hp);
		if (h == NULL) {
			printf("%9u: rte_hash of this size cannot be created here (EAL memory)\n",
			       n);
			fw_flow_free(t);
			continue;
		}
		hbytes = heap_used() - h0 + (size_t)n * data;
		tula_b = (double)t->bytes / n;
		base_b = (double)hbytes / n;
		printf("%9u %12.1f %10.1f %15.1f %13.1f %8.2f\n", n, (double)t->bytes / 1048576.0,
		       tula_b, hbytes / 1048576.0, base_b, (double)t->bytes / (double)hbytes);
		snprintf(fig, sizeof(fig), "flow table %u flows", n);
		printf("RESULT\t%s\t%.1f\t%.1f\t%.2f\tMiB\n", fig, (double)t->bytes / 1048576.0,
		       hbytes / 1048576.0, (double)t->bytes / (double)hbytes);
		if (c == 1)
			printf("RESULT\tflow table bytes per flow\t%.1f\t%.1f\t%.2f\tB\n", tula_b,
			       base_b, tula_b / base_b);
		rte_hash_free(h);
		fw_flow_free(t);
	}
	printf("(Tula: %zu-byte buckets of %d ways of %zu-byte entries: key word (VIP slot,\n"
	       "client port and address), expiry tick, backend slot with generation and TCP\n"
	       "state; rte_hash: its key store, buckets and a pointer, plus %d bytes of\n"
	       "per-flow data it would point to.)\n\n",
	       sizeof(struct fw_flow_bucket), FW_FLOW_WAYS, sizeof(struct fw_flow_entry), 32);
}

int main(int argc, char **argv)
{
	char *eal[] = {"bench_control", "--no-huge", "--no-pci", "--no-shconf",		"-m",
		       "2048",		"-l",	     "0-1",	 "--log-level=*:error", NULL};
	int want_maglev = 0, want_commit = 0, want_flows = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0)
			quick = 1;
		else if (strcmp(argv[i], "maglev") == 0)
			want_maglev = 1;
		else if (strcmp(argv[i], "commit") == 0)
			want_commit = 1;
		else if (strcmp(argv[i], "flows") == 0)
			want_flows = 1;
		else {
			fprintf(stderr,
				"usage: bench_control [--quick] [maglev] [commit] [flows]\n");
			return 2;
		}
	}
	if (!want_maglev && !want_commit && !want_flows)
		want_maglev = want_commit = want_flows = 1;
	/* fw_eal_init: the daemon's EAL start-up, with the packet pool fw_dp needs */
	if (fw_eal_init(9, eal) < 0) {
		fprintf(stderr, "bench_control: EAL init failed (needs 2 lcores: -l 0-1)\n");
		return 1;
	}
	tula_log_set_level(TULA_LOG_ERR);
	if (want_maglev)
		bench_maglev();
	if (want_flows)
		bench_flows();
	if (want_commit)
		bench_commit();
	fw_eal_fini();
	return 0;
}
