/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fw_ctl's data-path limits through real commits, without a NIC: a database, a data
 * path of 4 VIP and 8 backend slots (its workers never started), the control side's
 * commit hook and one port on net_null (its TAP lives in a network namespace of the
 * test's own, so the host sees nothing). Asserted: the schema defaults, the limits in
 * force (fw_dp's sizes, the published state's rate and sleep), a size change accepted
 * with a warning that it waits for a restart, more VIPs or backends than in force
 * refused naming the limit and the VIP where it is passed (and a VIP of more backends
 * than one VIP can hold), and new-flow-rate /
 * idle-sleep published at once in the state the workers read; a dual-stack commit
 * maps IPv6 self addresses, routes, VIPs (l2 and l3 with a tunnel-source prefix) and
 * backends into the state next to the IPv4 ones, a health verdict on an IPv6 backend
 * reaches it, and IPv6 refusals name the statement.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/tula_loop.h"
#include "db/db.h"
#include "firmware/control/fw_ctl.h"
#include "firmware/control/fw_dp.h"
#include "firmware/fw_state.h"
#include "tt_pkt.h"

#include <netinet/in.h>

static struct {
	char dir[64];
	struct tula_loop *loop;
	struct db *db;
	struct fw_dp *dp;
	struct fw_ctl *ctl;
	struct db_session *s;
} F;

static int setup(void **state)
{
	struct db_open_opts o = {.seed_text = "system { host-name t; } interfaces { ctlt0 { "
					      "device net_null0; address 10.0.0.254/24; } }"};
	struct fw_dp_conf dc = {.nb_workers = 1,
				.max_vips = 4,
				.max_backends = 8,
				.flow_entries = 1024,
				.new_flow_rate = 5};
	struct db_diags d = DB_DIAGS_INIT;
	char path[128];

	(void)state;
	tt_eal_init("0");
	snprintf(F.dir, sizeof(F.dir), "/tmp/test-fw-ctl-XXXXXX");
	assert_non_null(mkdtemp(F.dir));
	snprintf(path, sizeof(path), "%s/config.db", F.dir);
	o.path = path;
	dc.pool = tt_pool();
	F.loop = tula_loop_new();
	assert_non_null(F.loop);
	assert_int_equal(db_open(&o, &F.db, NULL), 0);
	F.dp = fw_dp_create(&dc);
	assert_non_null(F.dp);
	F.ctl = fw_ctl_new(
		&(struct fw_ctl_conf){.loop = F.loop, .db = F.db, .dp = F.dp, .nb_queues = 1});
	assert_non_null(F.ctl);
	assert_int_equal(db_activate(F.db, &d), 0);
	assert_int_equal(db_session_open(F.db, "t", DB_CLIENT_CLI, "t", DB_MODE_SHARED, &F.s, &d),
			 0);
	db_diags_free(&d);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	db_session_close(F.s);
	fw_ctl_free(F.ctl);
	fw_dp_free(F.dp);
	db_close(F.db);
	tula_loop_free(F.loop);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", F.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* Run the statements then commit; returns commit's result, diagnostics in d. */
static int commit(struct db_diags *d, const char *const *lines)
{
	for (; *lines != NULL; lines++)
		assert_int_equal(db_exec(F.s, *lines, d), 0);
	return db_commit(F.s, NULL, NULL, d);
}

/* The diagnostic at path whose message holds text, or NULL. */
static const struct db_diag *diag(const struct db_diags *d, enum db_diag_level level,
				  const char *path, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].level == level && strcmp(d->v[i].path, path) == 0 &&
		    strstr(d->v[i].message, text) != NULL)
			return &d->v[i];
	for (size_t i = 0; i < d->n; i++)
		print_message("diag [%s] %s\n", d->v[i].path, d->v[i].message);
	return NULL;
}

static void test_defaults(void **state)
{
	struct fw_ctl_limits l;

	(void)state;
	fw_ctl_limits(NULL, &l);
	assert_int_equal(l.flows_per_worker, 1048576);
	assert_int_equal(l.max_vips, 1024);
	assert_int_equal(l.max_backends, 65536);
	assert_int_equal(l.new_flow_rate, 100000);
	assert_int_equal(l.idle_sleep_us, 0);
}

static void test_in_force_are_the_data_paths_sizes(void **state)
{
	struct fw_ctl_limits l;

	(void)state;
	fw_ctl_limits_in_force(F.ctl, &l);
	assert_int_equal(l.flows_per_worker, 1024);
	assert_int_equal(l.max_vips, 4);
	assert_int_equal(l.max_backends, 8);
	/* the published state carries the configuration's rate (the default), not fw_dp's */
	assert_int_equal(l.new_flow_rate, 100000);
	assert_int_equal(fw_ctl_state(F.ctl)->new_flow_rate, 100000);
}

static void test_size_change_waits_for_a_restart(void **state)
{
	static const char *const lines[] = {"set system data-path max-vips 8",
					    "set system data-path flows-per-worker 4096", NULL};
	struct db_diags d = DB_DIAGS_INIT;
	struct fw_ctl_limits l;

	(void)state;
	assert_int_equal(commit(&d, lines), 0);
	assert_non_null(diag(&d, DB_DIAG_WARNING, "system data-path max-vips",
			     "takes effect at the next restart"));
	assert_non_null(
		diag(&d, DB_DIAG_WARNING, "system data-path max-vips", "4 in force until then"));
	assert_non_null(diag(&d, DB_DIAG_WARNING, "system data-path flows-per-worker",
			     "1024 in force until then"));
	fw_ctl_limits_in_force(F.ctl, &l);
	assert_int_equal(l.max_vips, 4);
	assert_int_equal(l.flows_per_worker, 1024);
	fw_ctl_limits(db_active_effective(F.db), &l);
	assert_int_equal(l.max_vips, 8); /* pending */
	db_diags_free(&d);
}

static void test_one_vip_over_the_limit_is_refused(void **state)
{
	static const char *const lines[] = {"set services dsr vip v0 address 10.0.0.1",
					    "set services dsr vip v0 protocol tcp",
					    "set services dsr vip v0 port 80",
					    "set services dsr vip v0 backend a address 10.0.0.101",
					    "set services dsr vip v1 address 10.0.0.2",
					    "set services dsr vip v1 protocol tcp",
					    "set services dsr vip v1 port 80",
					    "set services dsr vip v1 backend a address 10.0.0.102",
					    "set services dsr vip v2 address 10.0.0.3",
					    "set services dsr vip v2 protocol tcp",
					    "set services dsr vip v2 port 80",
					    "set services dsr vip v2 backend a address 10.0.0.103",
					    "set services dsr vip v3 address 10.0.0.4",
					    "set services dsr vip v3 protocol tcp",
					    "set services dsr vip v3 port 80",
					    "set services dsr vip v3 backend a address 10.0.0.104",
					    "set services dsr vip v4 address 10.0.0.5",
					    "set services dsr vip v4 protocol tcp",
					    "set services dsr vip v4 port 80",
					    "set services dsr vip v4 backend a address 10.0.0.105",
					    NULL};
	static const char *const undo[] = {"delete services", NULL};
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(commit(&d, lines), -EINVAL);
	assert_non_null(diag(&d, DB_DIAG_ERROR, "services dsr vip v4",
			     "more VIPs than system data-path max-vips (4 in force; a new value "
			     "needs a restart)"));
	db_diags_free(&d);
	assert_int_equal(db_exec(F.s, undo[0], &d), 0);
	db_diags_free(&d);
}

static void test_one_backend_over_the_limit_is_refused(void **state)
{
	static const char *const lines[] = {"set services dsr vip v0 address 10.0.0.1",
					    "set services dsr vip v0 protocol tcp",
					    "set services dsr vip v0 port 80",
					    "set services dsr vip v0 backend a address 10.0.0.11",
					    "set services dsr vip v0 backend b address 10.0.0.12",
					    "set services dsr vip v0 backend c address 10.0.0.13",
					    "set services dsr vip v0 backend d address 10.0.0.14",
					    "set services dsr vip v0 backend e address 10.0.0.15",
					    "set services dsr vip v1 address 10.0.0.2",
					    "set services dsr vip v1 protocol tcp",
					    "set services dsr vip v1 port 80",
					    "set services dsr vip v1 backend a address 10.0.0.11",
					    "set services dsr vip v1 backend b address 10.0.0.12",
					    "set services dsr vip v1 backend c address 10.0.0.13",
					    "set services dsr vip v1 backend d address 10.0.0.14",
					    NULL};
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	assert_int_equal(commit(&d, lines), -EINVAL);
	assert_non_null(diag(&d, DB_DIAG_ERROR, "services dsr vip v1",
			     "more backends than system data-path max-backends (8 in force"));
	db_diags_free(&d);
	assert_int_equal(db_exec(F.s, "delete services", &d), 0);
	db_diags_free(&d);
}

/* One VIP of 65536 backends is refused naming the VIP and why (its Maglev table holds
 * 16-bit indices), beside the max-backends refusal of this small data path. */
static void test_a_vip_of_65536_backends_is_refused(void **state)
{
	struct db_diags d = DB_DIAGS_INIT;
	size_t cap = 256 + 48 * 65536, n = 0;
	char *text = malloc(cap);
	int rc, found;

	(void)state;
	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n,
			      "routing-options { static { route 11.0.0.0/8 { next-hop 10.0.0.1; "
			      "} } } services { dsr { vip big { address 10.0.0.9; protocol tcp; "
			      "port 80; mode l3; ");
	for (unsigned int i = 0; i < 65536; i++)
		n += (size_t)snprintf(text + n, cap - n, "backend b%u { address 11.%u.%u.%u; } ", i,
				      i >> 16, (i >> 8) & 255, i & 255);
	n += (size_t)snprintf(text + n, cap - n, "} } }");
	assert_true(n < cap);
	assert_int_equal(db_load(F.s, DB_LOAD_MERGE, text, NULL, 0, &d), 0);
	free(text);
	rc = db_commit(F.s, NULL, NULL, &d);
	found = diag(&d, DB_DIAG_ERROR, "services dsr vip big",
		     "65536 backends: one VIP has at most 65535 (its Maglev table holds "
		     "16-bit indices") != NULL;
	db_diags_free(&d);
	/* the candidate goes before any assertion: the next tests commit theirs */
	assert_int_equal(db_exec(F.s, "delete services", &d), 0);
	assert_int_equal(db_exec(F.s, "delete routing-options", &d), 0);
	db_diags_free(&d);
	assert_int_equal(rc, -EINVAL);
	assert_true(found);
}

static void test_rate_and_sleep_apply_at_commit(void **state)
{
	static const char *const lines[] = {"set system data-path new-flow-rate 777",
					    "set system data-path idle-sleep 50", NULL};
	struct db_diags d = DB_DIAGS_INIT;
	struct fw_ctl_limits l;

	(void)state;
	assert_int_equal(commit(&d, lines), 0);
	assert_null(diag(&d, DB_DIAG_WARNING, "system data-path new-flow-rate", ""));
	assert_int_equal(fw_ctl_state(F.ctl)->new_flow_rate, 777);
	assert_int_equal(fw_ctl_state(F.ctl)->idle_sleep_us, 50);
	fw_ctl_limits_in_force(F.ctl, &l);
	assert_int_equal(l.new_flow_rate, 777);
	assert_int_equal(l.idle_sleep_us, 50);
	db_diags_free(&d);
}

static struct fw_ip6 ip6(const char *s)
{
	struct fw_ip6 a;

	assert_int_equal(inet_pton(AF_INET6, s, a.b), 1);
	return a;
}

/* Run the loop until the rebuild timer (armed by a health change) has published. */
static void settle(void)
{
	uint64_t until = tula_now_ms() + 200;

	while (tula_now_ms() < until)
		tula_loop_run_once(F.loop, 10);
}

static void test_dual_stack_commit_builds_both_families(void **state)
{
	static const char *const lines[] = {
		"set interfaces ctlt0 address 2001:DB8:0::FE/64",
		"set routing-options static route 2001:db8:9::/48 next-hop 2001:db8::1",
		"set services dsr vip web address 10.0.0.1",
		"set services dsr vip web protocol tcp",
		"set services dsr vip web port 80",
		"set services dsr vip web backend a address 10.0.0.101",
		"set services dsr vip web6 address 2001:db8::100",
		"set services dsr vip web6 protocol tcp",
		"set services dsr vip web6 port 80",
		"set services dsr vip web6 backend a address 2001:db8::101",
		"set services dsr vip web6 backend b address 2001:db8::102",
		"set services dsr vip web6 backend b weight 50",
		"set services dsr vip tun6 address 2001:db8::200",
		"set services dsr vip tun6 protocol udp",
		"set services dsr vip tun6 port 53",
		"set services dsr vip tun6 mode l3",
		"set services dsr vip tun6 tunnel-source 2001:db8:f::/64",
		"set services dsr vip tun6 backend far address 2001:db8:9::5",
		NULL};
	struct db_diags d = DB_DIAGS_INIT;
	struct fw_ip6 a, b, far, nh;
	const struct fw_state *st;
	const struct fw_state_port *port;
	const struct fw_state_vip *v;
	uint8_t pi;
	int vs, ls, fs;

	(void)state;
	assert_int_equal(commit(&d, lines), 0);
	db_diags_free(&d);
	st = fw_ctl_state(F.ctl);
	assert_non_null(st);
	/* the self address, as typed in any spelling */
	port = &st->ports[0];
	assert_int_equal(port->nb_addrs, 1);
	assert_int_equal(port->nb_addrs6, 1);
	a = ip6("2001:db8::fe");
	assert_true(fw_ip6_eq(&port->addrs6[0], &a));
	assert_int_equal(port->plens6[0], 64);
	/* the IPv4 VIP as before */
	vs = fw_state_vip_slot(st, htonl(0x0a000001), IPPROTO_TCP, 80);
	assert_true(vs >= 0);
	assert_int_equal(st->vips[vs].family, FW_AF_INET);
	assert_true(fw_state_backend_slot(st, vs, htonl(0x0a000065)) >= 0);
	/* the IPv6 VIP with its two backends, their weights and family */
	a = ip6("2001:db8::100");
	vs = fw_state_vip6_slot(st, &a, IPPROTO_TCP, 80);
	assert_true(vs >= 0);
	v = &st->vips[vs];
	assert_int_equal(v->family, FW_AF_INET6);
	assert_true(fw_ip6_eq(&v->addr6, &a));
	assert_int_equal(v->addr, 0);
	assert_int_equal(v->mode, FW_MODE_L2);
	assert_int_equal(v->nb_backends, 2);
	a = ip6("2001:db8::101");
	b = ip6("2001:db8::102");
	assert_true(fw_state_backend6_slot(st, vs, &a) >= 0);
	fs = fw_state_backend6_slot(st, vs, &b);
	assert_true(fs >= 0);
	assert_int_equal(st->backends[fs].family, FW_AF_INET6);
	assert_int_equal(st->backends[fs].weight, 50);
	assert_int_equal(st->backends[fs].up, 1);
	assert_true(fw_state_is_vip6_addr(st, &v->addr6));
	/* mode l3 with its IPv6 per-flow source prefix, the backend behind the v6 route */
	a = ip6("2001:db8::200");
	ls = fw_state_vip6_slot(st, &a, IPPROTO_UDP, 53);
	assert_true(ls >= 0);
	assert_int_equal(st->vips[ls].mode, FW_MODE_L3);
	a = ip6("2001:db8:f::");
	assert_true(fw_ip6_eq(&st->vips[ls].tunnel_src6, &a));
	assert_int_equal(st->vips[ls].tunnel_src6_len, 64);
	assert_int_equal(st->vips[ls].tunnel_src, 0);
	far = ip6("2001:db8:9::5");
	assert_true(fw_state_backend6_slot(st, ls, &far) >= 0);
	assert_int_equal(fw_state_route6_lookup(st, &far, &nh, &pi), 0);
	a = ip6("2001:db8::1");
	assert_true(fw_ip6_eq(&nh, &a));
	assert_int_equal(pi, 0);

	/* a health verdict on an IPv6 backend reaches the state, only that one */
	assert_int_equal(fw_ctl_set_backend6_up(F.ctl, "web6", &b, 0), 0);
	assert_int_equal(fw_ctl_backend6_up(F.ctl, "web6", &b), 0);
	a = ip6("2001:db8::101");
	assert_int_equal(fw_ctl_backend6_up(F.ctl, "web6", &a), 1);
	assert_int_equal(fw_ctl_backend_up(F.ctl, "web6", 0), 1); /* not an IPv4 entry */
	settle();
	st = fw_ctl_state(F.ctl);
	a = ip6("2001:db8::100");
	vs = fw_state_vip6_slot(st, &a, IPPROTO_TCP, 80);
	fs = fw_state_backend6_slot(st, vs, &b);
	assert_int_equal(st->backends[fs].up, 0);
	a = ip6("2001:db8::101");
	assert_int_equal(st->backends[fw_state_backend6_slot(st, vs, &a)].up, 1);
	assert_int_equal(fw_ctl_set_backend6_up(F.ctl, "web6", &b, 1), 0);
	settle();

	assert_int_equal(db_exec(F.s, "delete services", &d), 0);
	assert_int_equal(db_exec(F.s, "delete routing-options", &d), 0);
	assert_int_equal(db_exec(F.s, "delete interfaces ctlt0 address 2001:db8::fe/64", &d), 0);
	assert_int_equal(db_commit(F.s, NULL, NULL, &d), 0);
	db_diags_free(&d);
}

static void test_ipv6_refusals_name_the_path(void **state)
{
	static const char *const lines[] = {
		"set services dsr vip web6 address 2001:db8::100",
		"set services dsr vip web6 protocol tcp",
		"set services dsr vip web6 port 80",
		"set services dsr vip web6 backend v4 address 10.0.0.101",
		"set services dsr vip web6 backend far address 2001:db8:7::1",
		NULL};
	struct db_diags d = DB_DIAGS_INIT;

	(void)state;
	/* no IPv6 subnet: the l2 backend is not connected, the v4 one is of the other
	 * family, and nothing of the candidate reaches the data path */
	assert_int_equal(commit(&d, lines), -EINVAL);
	assert_non_null(diag(&d, DB_DIAG_ERROR, "services dsr vip web6 backend v4 address",
			     "(6in4) are not supported"));
	assert_non_null(diag(&d, DB_DIAG_ERROR, "services dsr vip web6 backend far address",
			     "mode l2: backend address 2001:db8:7::1 is not on a connected "
			     "subnet"));
	db_diags_free(&d);
	assert_int_equal(fw_ctl_state(F.ctl)->vip6_hash, NULL);
	assert_int_equal(db_exec(F.s, "delete services", &d), 0);
	db_diags_free(&d);
}

/* Health marks of many backends (20 000 in the scale lab; 3 000 here, over three VIPs
 * and both families) are found through an index: each one marked down is down, each
 * other one up, through a removal order that moves entries around (every third
 * first, then the rest backwards), and the last removal leaves them all up. */
static void test_many_down_marks_are_found_and_removed(void **state)
{
	static const char *const vips[] = {"a", "b", "c"};
	struct fw_ip6 a6;
	int i;

	(void)state;
	memset(&a6, 0, sizeof(a6));
	for (i = 0; i < 3000; i++) {
		uint32_t a = htonl(0x0a640000u + (uint32_t)i / 3);

		if (i % 2 == 0) {
			assert_int_equal(fw_ctl_set_backend_up(F.ctl, vips[i % 3], a, 0), 0);
		} else {
			a6.b[15] = (uint8_t)i;
			a6.b[14] = (uint8_t)(i >> 8);
			assert_int_equal(fw_ctl_set_backend6_up(F.ctl, vips[i % 3], &a6, 0), 0);
		}
	}
	for (int round = 0; round < 2; round++)
		for (int k = 0; k < 3000; k++) {
			i = round == 0 ? (k * 3) % 3000 : 2999 - k;
			if (round == 0 && k >= 1000)
				break;
			if (round == 1 && i % 3 == 0)
				continue;
			if (i % 2 == 0) {
				uint32_t a = htonl(0x0a640000u + (uint32_t)i / 3);

				assert_int_equal(fw_ctl_backend_up(F.ctl, vips[i % 3], a), 0);
				assert_int_equal(fw_ctl_backend_up(F.ctl, vips[(i + 1) % 3], a), 1);
				assert_int_equal(fw_ctl_set_backend_up(F.ctl, vips[i % 3], a, 1),
						 0);
				assert_int_equal(fw_ctl_backend_up(F.ctl, vips[i % 3], a), 1);
			} else {
				a6.b[15] = (uint8_t)i;
				a6.b[14] = (uint8_t)(i >> 8);
				assert_int_equal(fw_ctl_backend6_up(F.ctl, vips[i % 3], &a6), 0);
				assert_int_equal(fw_ctl_set_backend6_up(F.ctl, vips[i % 3], &a6, 1),
						 0);
				assert_int_equal(fw_ctl_backend6_up(F.ctl, vips[i % 3], &a6), 1);
			}
		}
	for (i = 0; i < 3000; i += 7) /* every one is up again */
		assert_int_equal(
			fw_ctl_backend_up(F.ctl, vips[i % 3], htonl(0x0a640000u + (uint32_t)i / 3)),
			1);
	settle();
}

int main(void)
{
	/* the port's TAP and its address stay out of the host's namespace */
	if (unshare(CLONE_NEWNET) != 0) {
		perror("test_fw_ctl: unshare(CLONE_NEWNET) (run as root)");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_in_force_are_the_data_paths_sizes),
		cmocka_unit_test(test_size_change_waits_for_a_restart),
		cmocka_unit_test(test_one_vip_over_the_limit_is_refused),
		cmocka_unit_test(test_one_backend_over_the_limit_is_refused),
		cmocka_unit_test(test_a_vip_of_65536_backends_is_refused),
		cmocka_unit_test(test_rate_and_sleep_apply_at_commit),
		cmocka_unit_test(test_dual_stack_commit_builds_both_families),
		cmocka_unit_test(test_ipv6_refusals_name_the_path),
		cmocka_unit_test(test_many_down_marks_are_found_and_removed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
