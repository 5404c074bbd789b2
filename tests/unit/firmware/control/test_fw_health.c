/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The health checker's run time (firmware/control/fw_health.c) with real kernel sockets on the
 * loopback and a fake control side: fw_ctl's functions are replaced at link time by
 * the ones below, which record steering, up/down marks and ARP requests and serve a
 * hand-built forwarding state. The "VIP" is 127.0.0.2, where a small HTTP server on the
 * test's loop answers each probe as the backend the probe's source port is steered to
 * would — so each backend can pass, fail with a status, close, reset or stay silent.
 * Time is shrunk: a configured second lasts 20 ms.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/tula_loop.h"
#include "db/db.h"
#include "firmware/control/fw_ctl.h"
#include "firmware/control/fw_health_priv.h"
#include "firmware/control/fw_ndp.h"
#include "firmware/control/fw_neigh.h"
#include "firmware/fw_state.h"

#define SEC   20 /* ms per configured second */
#define NB_BE 32 /* backend slots of the fake state */

/* ---- the fake control side ---------------------------------------------------------------- */

enum behaviour { B_OK = 0, B_503, B_CLOSE, B_RESET, B_SILENT };

struct mark {
	char vip[FW_STATE_NAME_MAX];
	uint32_t addr;
	int up;
};

static struct {
	struct fw_state st;
	struct fw_state_vip vips[2];
	struct fw_state_backend bes[NB_BE];
	uint32_t slots[2][NB_BE];
	struct fw_ctl_steer steer[65536];
	struct mark marks[64];
	int nb_marks;
	struct fw_ip6 marks6[64]; /* fw_ctl_set_backend6_up: the address, and */
	int up6[64];		  /* its mark */
	int nb_marks6;
	int arp_requests;
	uint32_t arp_last;
	fw_ctl_arp_fn arp_fn;
	void *arp_arg;
	fw_ctl_ndp_fn ndp_fn;
	void *ndp_arg;
	int ns_requests;
	struct fw_ip6 ns_last;
	enum behaviour be[NB_BE]; /* by backend slot */
	int asking;		  /* fw_neigh_lookup: still resolving */
} F;

static const struct rte_ether_addr port_mac = {{2, 0, 0x0a, 0, 1, 0x0a}};
static const struct rte_ether_addr be_mac[4] = {{{2, 0, 0x0a, 0, 1, 0x0b}},
						{{2, 0, 0x0a, 0, 1, 0x0c}},
						{{2, 0, 0x0a, 0, 1, 0x0d}},
						{{2, 0, 0x0a, 0, 1, 0x0e}}};

const struct fw_state *fw_ctl_state(const struct fw_ctl *ctl)
{
	(void)ctl;
	return &F.st;
}

void fw_ctl_steer(struct fw_ctl *ctl, uint16_t sport, const struct fw_ctl_steer *target)
{
	(void)ctl;
	if (target != NULL)
		F.steer[sport] = *target;
	else
		memset(&F.steer[sport], 0, sizeof(F.steer[sport]));
}

int fw_ctl_set_backend_up(struct fw_ctl *ctl, const char *vip, uint32_t addr, int up)
{
	(void)ctl;
	if (F.nb_marks < 64) {
		snprintf(F.marks[F.nb_marks].vip, FW_STATE_NAME_MAX, "%s", vip);
		F.marks[F.nb_marks].addr = addr;
		F.marks[F.nb_marks++].up = up;
	}
	return 0;
}

int fw_ctl_set_backend6_up(struct fw_ctl *ctl, const char *vip, const struct fw_ip6 *addr, int up)
{
	(void)ctl;
	(void)vip;
	if (F.nb_marks6 < 64) {
		F.marks6[F.nb_marks6] = *addr;
		F.up6[F.nb_marks6++] = up;
	}
	return 0;
}

void fw_ctl_ndp_observer(struct fw_ctl *ctl, fw_ctl_ndp_fn fn, void *arg)
{
	(void)ctl;
	F.ndp_fn = fn;
	F.ndp_arg = arg;
}

int fw_ctl_ns_request(struct fw_ctl *ctl, uint16_t port_id, const struct fw_ip6 *target)
{
	(void)ctl;
	(void)port_id;
	F.ns_requests++;
	F.ns_last = *target;
	return 0;
}

void fw_ctl_arp_observer(struct fw_ctl *ctl, fw_ctl_arp_fn fn, void *arg)
{
	(void)ctl;
	F.arp_fn = fn;
	F.arp_arg = arg;
}

int fw_ctl_arp_request(struct fw_ctl *ctl, uint16_t port_id, uint32_t tip)
{
	(void)ctl;
	(void)port_id;
	F.arp_requests++;
	F.arp_last = tip;
	return 0;
}

const char *fw_ctl_port_name(const struct fw_ctl *ctl, uint16_t port_id)
{
	(void)ctl;
	return port_id == 0 ? "port0" : NULL;
}

struct fw_neigh *fw_ctl_neigh(struct fw_ctl *ctl)
{
	(void)ctl;
	return NULL;
}

/* Unresolved backends: "still asking" (-EAGAIN) while F.asking, else failed. */
int fw_neigh_lookup(const struct fw_neigh *n, uint16_t port, uint32_t ip,
		    struct rte_ether_addr *mac)
{
	(void)n;
	(void)port;
	(void)ip;
	(void)mac;
	return F.asking ? -EAGAIN : -EHOSTUNREACH;
}

struct fw_neigh *fw_ctl_neigh6(struct fw_ctl *ctl)
{
	(void)ctl;
	return NULL;
}

int fw_neigh_lookup6(const struct fw_neigh *n, uint16_t port, const struct fw_ip6 *ip,
		     struct rte_ether_addr *mac)
{
	(void)n;
	(void)port;
	(void)ip;
	(void)mac;
	return F.asking ? -EAGAIN : -EHOSTUNREACH;
}

/* One host the neighbour table knows that is no backend. */
size_t fw_neigh_walk(const struct fw_neigh *n,
		     void (*fn)(void *arg, const struct fw_neigh_entry *e), void *arg)
{
	struct fw_neigh_entry e = {.ip = inet_addr("10.0.1.99"),
				   .state = FW_NEIGH_REACHABLE,
				   .mac = {{2, 0, 0x0a, 0, 1, 0x63}}};

	(void)n;
	fn(arg, &e);
	return 1;
}

static struct fw_ctl *const CTL = (struct fw_ctl *)&F; /* never dereferenced */

/* VIP 0 "web" at 127.0.0.2 with be1 (10.0.1.11, slot 0) and be2 (10.0.1.12, slot 1);
 * VIP 1 "other" at 127.0.0.3 with be3 (slot 2). Self address 127.0.0.1/8. */
static void fake_state(void)
{
	memset(&F, 0, sizeof(F));
	F.st.nb_ports = 1;
	F.st.ports[0].port_id = 0;
	F.st.ports[0].mac = port_mac;
	F.st.ports[0].nb_addrs = 1;
	F.st.ports[0].addrs[0] = inet_addr("127.0.0.1");
	F.st.ports[0].plens[0] = 8;
	snprintf(F.st.ports[0].name, FW_STATE_NAME_MAX, "port0");
	F.st.max_vips = 2;
	F.st.max_backends = 4;
	F.st.vips = F.vips;
	F.st.backends = F.bes;
	for (int v = 0; v < 2; v++) {
		F.vips[v].gen = (uint32_t)v + 1;
		F.vips[v].addr = inet_addr(v == 0 ? "127.0.0.2" : "127.0.0.3");
		F.vips[v].proto = IPPROTO_TCP;
		F.vips[v].backends = F.slots[v];
		snprintf(F.vips[v].name, FW_STATE_NAME_MAX, v == 0 ? "web" : "other");
	}
	F.vips[0].nb_backends = 2;
	F.slots[0][0] = 0;
	F.slots[0][1] = 1;
	F.vips[1].nb_backends = 1;
	F.slots[1][0] = 2;
	for (int b = 0; b < 3; b++) {
		F.bes[b].gen = 10 + (uint32_t)b;
		F.bes[b].vip = b < 2 ? 0 : 1;
		F.bes[b].addr = htonl(0x0a00010b + (uint32_t)b);
		F.bes[b].nexthop = F.bes[b].addr;
		F.bes[b].resolved = 1;
		F.bes[b].up = 1;
		F.bes[b].usable = 1;
		F.bes[b].mac = be_mac[b];
		snprintf(F.bes[b].name, FW_STATE_NAME_MAX, "be%d", b + 1);
	}
}

/* ---- the "VIP": an HTTP server answering as the steered backend would ---------------------- */

struct server {
	struct tula_loop *loop;
	int lfd;
	uint16_t port;
	int conns[32];
	int requests;
};

static struct server *the_server; /* served by the fake pump */

static int behaviour_of(int fd)
{
	struct sockaddr_in6 peer6;
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer6);
	const struct fw_ctl_steer *s;

	if (getpeername(fd, (struct sockaddr *)&peer6, &len) < 0)
		return B_SILENT;
	memcpy(&peer, &peer6, sizeof(peer));
	s = &F.steer[ntohs(peer.sin_port)]; /* sin6_port sits where sin_port does */
	for (int b = 0; b < NB_BE; b++)
		if (F.bes[b].gen != 0 && F.bes[b].family == s->family &&
		    (s->family == FW_AF_INET6 ? fw_ip6_eq(&F.bes[b].addr6, &s->be6)
					      : F.bes[b].addr == s->be_addr))
			return F.be[b];
	return B_SILENT;
}

static void forget(struct server *sv, int fd)
{
	for (int i = 0; i < 32; i++)
		if (sv->conns[i] == fd)
			sv->conns[i] = -1;
	tula_loop_del_fd(sv->loop, fd);
	close(fd);
}

static void on_conn(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n";
	static const char bad[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
	struct server *sv = arg;
	struct linger lg = {1, 0};
	char buf[1024];
	ssize_t n;

	(void)loop;
	(void)events;
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			forget(sv, fd);
		return;
	}
	buf[n] = '\0';
	if (strstr(buf, "\r\n\r\n") == NULL)
		return;
	sv->requests++;
	assert_non_null(strstr(buf, "GET /healthz HTTP/1.0\r\n"));
	switch (behaviour_of(fd)) {
	case B_OK:
		assert_int_equal(send(fd, ok, sizeof(ok) - 1, MSG_NOSIGNAL), sizeof(ok) - 1);
		break;
	case B_503:
		assert_int_equal(send(fd, bad, sizeof(bad) - 1, MSG_NOSIGNAL), sizeof(bad) - 1);
		break;
	case B_CLOSE:
		forget(sv, fd);
		break;
	case B_RESET:
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		forget(sv, fd);
		break;
	case B_SILENT:
		break;
	}
}

static void on_accept(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct server *sv = arg;
	int c;

	(void)events;
	while ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		int i;

		for (i = 0; i < 32 && sv->conns[i] >= 0; i++)
			;
		if (i == 32) {
			close(c);
			continue;
		}
		sv->conns[i] = c;
		tula_loop_add_fd(loop, c, TULA_EV_READ, on_conn, sv);
	}
}

static void server_start(struct server *sv, struct tula_loop *loop)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t len = sizeof(a);

	memset(sv, 0, sizeof(*sv));
	sv->loop = loop;
	for (int i = 0; i < 32; i++)
		sv->conns[i] = -1;
	a.sin_addr.s_addr = inet_addr("127.0.0.2");
	sv->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(sv->lfd >= 0);
	assert_int_equal(bind(sv->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(sv->lfd, 64), 0);
	assert_int_equal(getsockname(sv->lfd, (struct sockaddr *)&a, &len), 0);
	sv->port = ntohs(a.sin_port);
	assert_int_equal(tula_loop_add_fd(loop, sv->lfd, TULA_EV_READ, on_accept, sv), 0);
	the_server = sv;
}

/* Stop listening: probes are then refused. */
static void server_stop(struct server *sv)
{
	for (int i = 0; i < 32; i++)
		if (sv->conns[i] >= 0)
			forget(sv, sv->conns[i]);
	if (sv->lfd >= 0) {
		tula_loop_del_fd(sv->loop, sv->lfd);
		close(sv->lfd);
		sv->lfd = -1;
	}
}

/* ---- harness ---------------------------------------------------------------------------------- */

struct env {
	struct tula_loop *loop;
	struct fw_health *h;
	struct server sv;
	struct db_node *cfg;
};

static struct fw_health_params params(void)
{
	/* source ports below the ephemeral range, apart per process (tests run in
	 * parallel) */
	struct fw_health_params p = {
		.ms_per_second = SEC,
		.arp_interval_ms = 30,
		.arp_expire = 2,
		.port_base = (uint16_t)(20000 + (getpid() % 700) * 16),
		.port_count = 16,
		.port_linger_ms = 2,
		.check_wait_ms = 2000,
		.no_observers = 1,
	};

	return p;
}

static struct db_node *parse(const char *text)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *t = db_tree_parse(text, &d);

	if (t == NULL)
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "config: %s: %s\n", d.v[i].path, d.v[i].message);
	db_diags_free(&d);
	assert_non_null(t);
	return t;
}

/* The configuration of VIP web (be1, be2) and other (be3), checked with check. */
static void apply(struct env *e, const char *check)
{
	char text[2048];

	snprintf(text, sizeof(text),
		 "services { dsr {\n"
		 " vip web { address 127.0.0.2; protocol tcp; port %u; mode l2;\n"
		 "  backend be1 { address 10.0.1.11; } backend be2 { address 10.0.1.12; }\n"
		 "  %s }\n"
		 " vip other { address 127.0.0.3; protocol tcp; port %u; mode l2;\n"
		 "  backend be3 { address 10.0.1.13; } }\n"
		 "} }\n",
		 e->sv.port, check, e->sv.port);
	db_tree_free(e->cfg);
	e->cfg = parse(text);
	assert_int_equal(fw_health_apply(e->h, e->cfg), 0);
}

static const char *HTTP =
	"health-check { type http; http-path /healthz; interval 1; timeout 1; rise 2; fall 3; }";

static void setup_with(struct env *e, const struct fw_health_params *p)
{
	struct fw_health_conf c = {.ctl = CTL, .params = p};

	memset(e, 0, sizeof(*e));
	fake_state();
	e->loop = tula_loop_new();
	assert_non_null(e->loop);
	c.loop = e->loop;
	server_start(&e->sv, e->loop);
	e->h = fw_health_new(&c);
	assert_non_null(e->h);
	assert_non_null(F.arp_fn);
}

static void setup(struct env *e)
{
	struct fw_health_params p = params();

	setup_with(e, &p);
}

static void teardown(struct env *e)
{
	fw_health_free(e->h);
	assert_null(F.arp_fn);
	server_stop(&e->sv);
	the_server = NULL;
	db_tree_free(e->cfg);
	tula_loop_free(e->loop);
}

static void run_for(struct env *e, uint64_t ms)
{
	uint64_t end = tula_now_ms() + ms;

	while (tula_now_ms() < end)
		tula_loop_run_once(e->loop, 2);
}

static struct fw_health_status status(struct env *e, const char *vip, const char *addr)
{
	struct fw_health_status s;

	assert_int_equal(fw_health_get(e->h, vip, inet_addr(addr), &s), 0);
	return s;
}

/* Run until be's state is want (or fail after ms). */
static void wait_state(struct env *e, const char *addr, enum fw_health_state want, uint64_t ms)
{
	uint64_t end = tula_now_ms() + ms;

	while (status(e, "web", addr).state != want) {
		if (tula_now_ms() > end)
			fail_msg("%s: state %s, expected %s (reason: %s)", addr,
				 fw_health_state_name(status(e, "web", addr).state),
				 fw_health_state_name(want), status(e, "web", addr).reason);
		tula_loop_run_once(e->loop, 2);
	}
}

static int marks_of(const char *addr, int up)
{
	int n = 0;

	for (int i = 0; i < F.nb_marks; i++)
		n += F.marks[i].addr == inet_addr(addr) && F.marks[i].up == up;
	return n;
}

/* ---- tests ------------------------------------------------------------------------------------- */

static void backends_start_unchecked_and_pass_through_the_steered_port(void **state)
{
	struct env e;
	struct fw_health_status s;
	uint16_t p1 = 0, p2 = 0;

	(void)state;
	setup(&e);
	apply(&e, HTTP);
	s = status(&e, "web", "10.0.1.11");
	assert_int_equal(s.state, FW_HEALTH_UNCHECKED);
	assert_int_equal(s.last_ok, -1);
	assert_int_equal(fw_health_vip_up(e.h, "web"), 1);
	assert_int_equal(status(&e, "other", "10.0.1.13").state, FW_HEALTH_DISABLED);
	wait_state(&e, "10.0.1.11", FW_HEALTH_UP, 40 * SEC);
	wait_state(&e, "10.0.1.12", FW_HEALTH_UP, 40 * SEC);
	s = status(&e, "web", "10.0.1.11");
	assert_int_equal(s.last_ok, 1);
	assert_string_equal(s.reason, "");
	assert_true(e.sv.requests >= 2);
	/* each backend's probe has a port of its own, steered to it through the VIP */
	for (uint32_t i = 0; i < 65536; i++) {
		if (F.steer[i].be_addr == inet_addr("10.0.1.11"))
			p1 = (uint16_t)i;
		if (F.steer[i].be_addr == inet_addr("10.0.1.12"))
			p2 = (uint16_t)i;
	}
	assert_true(p1 != 0 && p2 != 0 && p1 != p2);
	assert_int_equal(F.steer[p1].vip_addr, inet_addr("127.0.0.2"));
	assert_int_equal(F.steer[p1].vip_port, e.sv.port);
	assert_int_equal(F.steer[p1].proto, IPPROTO_TCP);
	assert_int_equal(F.nb_marks, 0); /* unchecked -> up changes nothing in fw_ctl */
	teardown(&e);
}

static void failing_backend_goes_down_after_fall_and_back_after_rise(void **state)
{
	struct env e;
	struct fw_health_status s;
	uint64_t t0;

	(void)state;
	setup(&e);
	apply(&e, HTTP);
	wait_state(&e, "10.0.1.12", FW_HEALTH_UP, 40 * SEC);
	F.be[1] = B_503;
	t0 = tula_now_ms();
	wait_state(&e, "10.0.1.12", FW_HEALTH_DOWN, 40 * SEC);
	/* fall 3 at interval 1: three failed probes (generous bound: a loaded machine) */
	assert_true(tula_now_ms() - t0 <= 10 * SEC);
	s = status(&e, "web", "10.0.1.12");
	assert_int_equal(s.fail, FW_HC_HTTP_STATUS);
	assert_string_equal(s.reason, "HTTP status 503 for GET /healthz (healthy is 2xx or 3xx)");
	assert_in_range(s.failures, 3, 4);
	assert_int_equal(marks_of("10.0.1.12", 0), 1);
	assert_int_equal(status(&e, "web", "10.0.1.11").state, FW_HEALTH_UP);
	assert_int_equal(fw_health_vip_up(e.h, "web"), 1);

	F.be[1] = B_OK;
	run_for(&e, SEC / 2);
	t0 = tula_now_ms();
	wait_state(&e, "10.0.1.12", FW_HEALTH_UP, 40 * SEC);
	assert_true(tula_now_ms() - t0 <= 10 * SEC);
	s = status(&e, "web", "10.0.1.12");
	assert_string_equal(s.reason, "");
	assert_in_range(s.successes, 2, 3);
	assert_int_equal(marks_of("10.0.1.12", 1), 1);
	teardown(&e);
}

static void one_failure_does_not_take_an_unchecked_backend_out(void **state)
{
	struct env e;
	struct fw_health_status s;

	(void)state;
	setup(&e);
	F.be[0] = B_503;
	apply(&e, HTTP);
	/* two failures in: still unchecked, still forwarding, reason already visible */
	while (status(&e, "web", "10.0.1.11").failures < 2)
		tula_loop_run_once(e.loop, 2);
	s = status(&e, "web", "10.0.1.11");
	assert_int_equal(s.state, FW_HEALTH_UNCHECKED);
	assert_non_null(strstr(s.reason, "HTTP status 503"));
	assert_int_equal(F.nb_marks, 0);
	wait_state(&e, "10.0.1.11", FW_HEALTH_DOWN, 40 * SEC);
	assert_int_equal(marks_of("10.0.1.11", 0), 1);
	teardown(&e);
}

static void every_backend_down_makes_the_vip_down(void **state)
{
	struct env e;

	(void)state;
	setup(&e);
	apply(&e, HTTP);
	F.be[0] = F.be[1] = B_503;
	wait_state(&e, "10.0.1.11", FW_HEALTH_DOWN, 40 * SEC);
	wait_state(&e, "10.0.1.12", FW_HEALTH_DOWN, 40 * SEC);
	assert_int_equal(fw_health_vip_up(e.h, "web"), 0);
	assert_int_equal(fw_health_vip_up(e.h, "other"), 1); /* not checked: usable */
	assert_int_equal(fw_health_vip_up(e.h, "nope"), -ENOENT);
	teardown(&e);
}

static void http_failures_are_told_apart(void **state)
{
	struct env e;

	(void)state;
	setup(&e);
	F.be[0] = B_CLOSE;
	F.be[1] = B_SILENT;
	apply(&e, HTTP);
	wait_state(&e, "10.0.1.11", FW_HEALTH_DOWN, 40 * SEC);
	wait_state(&e, "10.0.1.12", FW_HEALTH_DOWN, 40 * SEC);
	assert_string_equal(status(&e, "web", "10.0.1.11").reason,
			    "connection closed before an HTTP status line (GET /healthz)");
	assert_string_equal(status(&e, "web", "10.0.1.12").reason,
			    "no HTTP status line within 1 s after GET /healthz");
	F.be[0] = B_RESET;
	while (status(&e, "web", "10.0.1.11").fail == FW_HC_HTTP_BAD &&
	       strstr(status(&e, "web", "10.0.1.11").reason, "closed") != NULL)
		tula_loop_run_once(e.loop, 2);
	assert_string_equal(status(&e, "web", "10.0.1.11").reason,
			    "reset after GET /healthz, before an HTTP status line");
	teardown(&e);
}

static void refused_tcp_check_reads_as_reset(void **state)
{
	struct env e;

	(void)state;
	setup(&e);
	apply(&e, "health-check { type tcp; interval 1; timeout 1; rise 1; fall 1; }");
	wait_state(&e, "10.0.1.11", FW_HEALTH_UP, 40 * SEC);
	server_stop(&e.sv); /* nothing listens on VIP:port any more */
	wait_state(&e, "10.0.1.11", FW_HEALTH_DOWN, 40 * SEC);
	assert_int_equal(status(&e, "web", "10.0.1.11").fail, FW_HC_RESET);
	assert_non_null(strstr(status(&e, "web", "10.0.1.11").reason,
			       "reset: nothing listens on 127.0.0.2:"));
	teardown(&e);
}

static void backend_without_a_mac_waits_for_arp_then_fails_with_its_reason(void **state)
{
	struct env e;

	(void)state;
	setup(&e);
	F.bes[1].resolved = 0;
	F.asking = 1; /* ARP still being asked: probes wait, nothing is counted */
	apply(&e, HTTP);
	run_for(&e, 5 * SEC);
	assert_int_equal(status(&e, "web", "10.0.1.12").probes, 0);
	assert_int_equal(status(&e, "web", "10.0.1.12").state, FW_HEALTH_UNCHECKED);
	assert_true(status(&e, "web", "10.0.1.11").probes > 0);
	F.asking = 0; /* the neighbour table gave up: the path is broken */
	wait_state(&e, "10.0.1.12", FW_HEALTH_DOWN, 40 * SEC);
	assert_string_equal(status(&e, "web", "10.0.1.12").reason,
			    "the backend 10.0.1.12 does not answer ARP");
	F.slots[0][1] = 3; /* be2 no longer in the published state */
	F.bes[3] = F.bes[2];
	F.bes[3].addr = inet_addr("10.0.1.99");
	while (status(&e, "web", "10.0.1.12").fail != FW_HC_NOT_INSTALLED)
		tula_loop_run_once(e.loop, 2);
	teardown(&e);
}

static void commits_keep_health_and_forget_what_is_removed(void **state)
{
	struct env e;
	struct fw_health_status before, after;

	(void)state;
	setup(&e);
	apply(&e, HTTP);
	F.be[1] = B_503;
	wait_state(&e, "10.0.1.11", FW_HEALTH_UP, 40 * SEC);
	wait_state(&e, "10.0.1.12", FW_HEALTH_DOWN, 40 * SEC);
	before = status(&e, "web", "10.0.1.11");
	F.nb_marks = 0;

	/* the same configuration again (another part of it changed): nothing flaps */
	apply(&e, HTTP);
	after = status(&e, "web", "10.0.1.11");
	assert_int_equal(after.state, FW_HEALTH_UP);
	assert_int_equal(after.since, before.since);
	assert_int_equal(status(&e, "web", "10.0.1.12").state, FW_HEALTH_DOWN);
	assert_int_equal(F.nb_marks, 0);

	/* new timings keep the verdicts too */
	apply(&e, "health-check { type http; http-path /healthz; interval 2; timeout 1; "
		  "rise 2; fall 3; }");
	assert_int_equal(status(&e, "web", "10.0.1.12").state, FW_HEALTH_DOWN);
	assert_int_equal(F.nb_marks, 0);

	/* checks off: the down backend is usable again, and shown as not checked */
	apply(&e, "health-check { type none; }");
	assert_int_equal(status(&e, "web", "10.0.1.12").state, FW_HEALTH_DISABLED);
	assert_int_equal(marks_of("10.0.1.12", 1), 1);
	assert_null(fw_health_check_start(e.h, "web", NULL, NULL));
	assert_int_equal(errno, ENOTSUP);
	before = status(&e, "web", "10.0.1.12");
	run_for(&e, 3 * SEC);
	assert_int_equal(status(&e, "web", "10.0.1.12").probes, before.probes); /* no probes */

	/* back on: unchecked again, then down again */
	apply(&e, HTTP);
	assert_int_equal(status(&e, "web", "10.0.1.12").state, FW_HEALTH_UNCHECKED);
	wait_state(&e, "10.0.1.12", FW_HEALTH_DOWN, 40 * SEC);
	F.nb_marks = 0;

	/* a backend removed while down is forgotten in fw_ctl too, its port unsteered */
	db_tree_free(e.cfg);
	e.cfg = parse("services { dsr { vip web { address 127.0.0.2; protocol tcp; port 80; "
		      "backend be1 { address 10.0.1.11; } health-check { type tcp; } } } }\n");
	assert_int_equal(fw_health_apply(e.h, e.cfg), 0);
	assert_int_equal(fw_health_get(e.h, "web", inet_addr("10.0.1.12"), &after), -ENOENT);
	assert_int_equal(marks_of("10.0.1.12", 1), 1);
	for (uint32_t i = 0; i < 65536; i++)
		assert_int_not_equal(F.steer[i].be_addr, inet_addr("10.0.1.12"));
	assert_int_equal(fw_health_vip_up(e.h, "other"), -ENOENT);
	teardown(&e);
}

/* A source port is leased to a probe only while it is in flight, so the range bounds
 * the probes in flight, not the backends (it used to hold two ports per backend for
 * good, and a ninth backend of a 16-port range got no probe: ENOSPC). With 4 ports
 * that rest a configured second after each probe and 24 backends due every second,
 * most probes wait for a port: all 24 are probed nonetheless and reach their verdict
 * (every fifth answers 503 and goes down), never more than 4 in flight, and the
 * waits are counted for `show services dsr health`. */
static void more_backends_than_probe_ports_are_all_probed(void **state)
{
	struct fw_health_params p = params();
	struct fw_health_ports hp;
	struct env e;
	char text[4096], a[32];
	size_t n;
	int nb = 24, done = 0;
	uint64_t end;

	(void)state;
	p.port_count = 4;
	p.port_linger_ms = SEC;
	setup_with(&e, &p);
	F.st.max_backends = (uint32_t)nb;
	F.vips[0].nb_backends = (uint16_t)nb;
	F.vips[1].gen = 0;
	for (int i = 0; i < nb; i++) {
		F.bes[i] = F.bes[0];
		F.bes[i].gen = 100 + (uint32_t)i;
		F.bes[i].addr = htonl(0x0a000200 + (uint32_t)i + 1);
		F.bes[i].nexthop = F.bes[i].addr;
		snprintf(F.bes[i].name, FW_STATE_NAME_MAX, "b%d", i);
		F.slots[0][i] = (uint32_t)i;
		F.be[i] = i % 5 == 4 ? B_503 : B_OK;
	}
	n = (size_t)snprintf(text, sizeof(text),
			     "services { dsr { vip web { address 127.0.0.2; protocol tcp; "
			     "port %u; mode l2;\n",
			     e.sv.port);
	for (int i = 0; i < nb; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      " backend b%d { address 10.0.2.%d; }\n", i, i + 1);
	snprintf(text + n, sizeof(text) - n,
		 " health-check { type http; http-path /healthz; interval 1; timeout 1; "
		 "rise 1; fall 1; } } } }\n");
	e.cfg = parse(text);
	assert_int_equal(fw_health_apply(e.h, e.cfg), 0);
	end = tula_now_ms() + 200 * SEC;
	while (done < nb) {
		if (tula_now_ms() > end)
			fail_msg("only %d of %d backends have a verdict", done, nb);
		tula_loop_run_once(e.loop, 2);
		fw_health_ports(e.h, &hp);
		assert_true(hp.in_flight <= 4);
		done = 0;
		for (int i = 0; i < nb; i++) {
			struct fw_health_status s;

			snprintf(a, sizeof(a), "10.0.2.%d", i + 1);
			assert_int_equal(fw_health_get(e.h, "web", inet_addr(a), &s), 0);
			done += s.state == (i % 5 == 4 ? FW_HEALTH_DOWN : FW_HEALTH_UP);
		}
	}
	fw_health_ports(e.h, &hp);
	assert_int_equal(hp.first, p.port_base);
	assert_int_equal(hp.count, 4);
	assert_in_range(hp.peak, 1, 4);
	assert_true(hp.delayed > 0);
	assert_int_equal(marks_of("10.0.2.5", 0), 1); /* down: reported to fw_ctl */
	for (uint32_t i = 0; i < 65536; i++)	      /* nothing but the range was ever steered */
		if (F.steer[i].be_addr != 0)
			assert_in_range(i, p.port_base, p.port_base + 3);
	teardown(&e);
}

struct results {
	int calls;
	int n;
	struct fw_health_result r[4];
	char reason[4][FW_HEALTH_REASON_MAX];
};

static void collect(void *arg, const struct fw_health_result *r, size_t n)
{
	struct results *rs = arg;

	rs->calls++;
	rs->n = (int)n;
	for (size_t i = 0; i < n && i < 4; i++) {
		rs->r[i] = r[i];
		snprintf(rs->reason[i], FW_HEALTH_REASON_MAX, "%s", r[i].reason);
		rs->r[i].reason = rs->reason[i];
	}
}

/* Run the loop until the check reports (at most ms). */
static void wait_results(struct env *e, struct results *rs, uint64_t ms)
{
	uint64_t end = tula_now_ms() + ms;

	while (rs->calls == 0 && tula_now_ms() < end)
		tula_loop_run_once(e->loop, 2);
	assert_int_equal(rs->calls, 1);
}

static void check_reports_every_backend_from_the_loop(void **state)
{
	struct env e;
	struct results rs = {0};
	struct fw_health_run *run;

	(void)state;
	setup(&e);
	/* a long interval (first probes are spread over it: be2's is due after 12 s): only
	 * the check itself probes */
	apply(&e, "health-check { type http; http-path /healthz; interval 1000; timeout 1; "
		  "rise 2; fall 3; }");
	F.be[1] = B_503;
	run = fw_health_check_start(e.h, "web", collect, &rs);
	assert_non_null(run);
	assert_int_equal(rs.calls, 0); /* it returns at once: the loop does the waiting */
	wait_results(&e, &rs, 3000);
	assert_int_equal(rs.n, 2);
	assert_string_equal(rs.r[0].backend, "be1");
	assert_int_equal(rs.r[0].addr, inet_addr("10.0.1.11"));
	assert_true(rs.r[0].done && rs.r[0].ok);
	assert_string_equal(rs.r[0].reason, "");
	assert_int_equal(rs.r[0].state, FW_HEALTH_UP);
	assert_string_equal(rs.r[1].backend, "be2");
	assert_true(rs.r[1].done && !rs.r[1].ok);
	assert_int_equal(rs.r[1].fail, FW_HC_HTTP_STATUS);
	assert_string_equal(rs.r[1].reason,
			    "HTTP status 503 for GET /healthz (healthy is 2xx or 3xx)");
	assert_int_equal(rs.r[1].failures, 1);
	assert_int_equal(rs.r[1].fall, 3);
	/* results count like any probe */
	assert_int_equal(status(&e, "web", "10.0.1.12").probes, 1);

	/* a silent backend: the wait ends at the check's timeout, the result says so */
	F.be[1] = B_SILENT;
	memset(&rs, 0, sizeof(rs));
	assert_non_null(fw_health_check_start(e.h, "web", collect, &rs));
	wait_results(&e, &rs, 3000);
	assert_int_equal(rs.n, 2);
	assert_true(rs.r[1].done);
	assert_true(rs.r[1].latency_us >= 1000 * (SEC - 1));
	assert_string_equal(rs.r[1].reason, "no HTTP status line within 1 s after GET /healthz");

	/* a cancelled run never reports; its probes still count */
	memset(&rs, 0, sizeof(rs));
	run = fw_health_check_start(e.h, "web", collect, &rs);
	assert_non_null(run);
	fw_health_check_cancel(run);
	run_for(&e, 1500);
	assert_int_equal(rs.calls, 0);
	assert_int_equal(status(&e, "web", "10.0.1.12").probes, 3);

	assert_null(fw_health_check_start(e.h, "nope", collect, &rs));
	assert_int_equal(errno, ENOENT);
	teardown(&e);
}

static struct fw_health_conflict seen[4];
static int nseen;

static void grab(void *arg, const struct fw_health_conflict *c)
{
	(void)arg;
	if (nseen < 4)
		seen[nseen++] = *c;
}

static void arp_answers_from_another_mac_are_conflicts_named_and_expire(void **state)
{
	struct env e;
	int requests;
	struct rte_ether_addr stranger = {{2, 0, 0x0a, 0, 1, 0x63}}, nobody = {{2, 9, 9, 9, 9, 9}};

	(void)state;
	setup(&e);
	apply(&e, HTTP);
	requests = F.arp_requests;
	run_for(&e, 100);
	assert_true(F.arp_requests >= requests + 2 * 2); /* both VIPs, every round */

	/* Tula's own MAC, or an ARP about another address: no conflict */
	F.arp_fn(F.arp_arg, 0, 2, inet_addr("127.0.0.2"), &port_mac, inet_addr("127.0.0.1"));
	F.arp_fn(F.arp_arg, 0, 2, inet_addr("10.0.1.11"), &be_mac[0], inet_addr("127.0.0.1"));
	assert_int_equal(fw_health_conflicts(e.h, NULL, NULL), 0);

	/* be1 answers for VIP web; a known host and an unknown one announce VIP other */
	F.arp_fn(F.arp_arg, 0, 2, inet_addr("127.0.0.2"), &be_mac[0], inet_addr("127.0.0.1"));
	F.arp_fn(F.arp_arg, 0, 2, inet_addr("127.0.0.2"), &be_mac[0], inet_addr("127.0.0.1"));
	F.arp_fn(F.arp_arg, 0, 1, inet_addr("127.0.0.3"), &stranger, inet_addr("127.0.0.3"));
	F.arp_fn(F.arp_arg, 0, 1, inet_addr("127.0.0.3"), &nobody, inet_addr("127.0.0.3"));
	nseen = 0;
	assert_int_equal(fw_health_conflicts(e.h, grab, NULL), 3);
	assert_string_equal(seen[0].vip, "web");
	assert_int_equal(seen[0].vip_addr, inet_addr("127.0.0.2"));
	assert_string_equal(seen[0].port, "port0");
	assert_memory_equal(&seen[0].mac, &be_mac[0], sizeof(be_mac[0]));
	assert_string_equal(seen[0].backend, "be1");
	assert_string_equal(seen[0].backend_vip, "web");
	assert_int_equal(seen[0].host, inet_addr("10.0.1.11"));
	assert_int_equal(seen[0].answers, 2);
	assert_string_equal(seen[1].vip, "other");
	assert_null(seen[1].backend);
	assert_int_equal(seen[1].host, inet_addr("10.0.1.99"));
	assert_null(seen[2].backend);
	assert_int_equal(seen[2].host, 0);

	/* silent for arp_expire rounds: gone */
	run_for(&e, 150);
	assert_int_equal(fw_health_conflicts(e.h, NULL, NULL), 0);
	teardown(&e);
}

/* ---- IPv6 ---------------------------------------------------------------------------------- */

/* VIP "other" made an IPv6 VIP at ::1 (the loopback's only v6 address, where the v6
 * "backend" listens) with be3 at fd00:1::13; the self address is ::1 too. */
static void fake_state6(uint16_t *port6, int *lfd6, struct server *sv)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	socklen_t len = sizeof(a);

	F.st.ports[0].nb_addrs6 = 1;
	memcpy(&F.st.ports[0].addrs6[0], &in6addr_loopback, 16);
	F.st.ports[0].plens6[0] = 128;
	F.vips[1].family = FW_AF_INET6;
	F.vips[1].addr = 0;
	memcpy(&F.vips[1].addr6, &in6addr_loopback, 16);
	snprintf(F.vips[1].name, FW_STATE_NAME_MAX, "web6");
	F.bes[2].family = FW_AF_INET6;
	F.bes[2].addr = F.bes[2].nexthop = 0;
	assert_int_equal(inet_pton(AF_INET6, "fd00:1::13", &F.bes[2].addr6), 1);
	F.bes[2].nexthop6 = F.bes[2].addr6;
	*lfd6 = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(*lfd6 >= 0);
	assert_int_equal(bind(*lfd6, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(*lfd6, 64), 0);
	assert_int_equal(getsockname(*lfd6, (struct sockaddr *)&a, &len), 0);
	*port6 = ntohs(a.sin6_port);
	assert_int_equal(tula_loop_add_fd(sv->loop, *lfd6, TULA_EV_READ, on_accept, sv), 0);
}

static struct fw_health_status status6(struct env *e, const char *addr)
{
	struct fw_health_status s;
	struct fw_ip6 a;

	assert_int_equal(inet_pton(AF_INET6, addr, &a), 1);
	assert_int_equal(fw_health_get6(e->h, "web6", &a, &s), 0);
	return s;
}

static void wait_state6(struct env *e, enum fw_health_state want, uint64_t ms)
{
	uint64_t end = tula_now_ms() + ms;

	while (status6(e, "fd00:1::13").state != want) {
		if (tula_now_ms() > end)
			fail_msg("fd00:1::13: state %s, expected %s (reason: %s)",
				 fw_health_state_name(status6(e, "fd00:1::13").state),
				 fw_health_state_name(want), status6(e, "fd00:1::13").reason);
		tula_loop_run_once(e->loop, 2);
	}
}

static void v6_backend_is_probed_at_the_v6_vip_through_its_steered_port(void **state)
{
	struct env e;
	struct fw_ip6 be, lo;
	char text[1024];
	uint16_t port6, sp = 0;
	struct fw_health_status s;
	int lfd6;

	(void)state;
	setup(&e);
	fake_state6(&port6, &lfd6, &e.sv);
	snprintf(text, sizeof(text),
		 "services { dsr {\n"
		 " vip web6 { address ::1; protocol tcp; port %u; mode l2;\n"
		 "  backend be3 { address fd00:1::13; }\n"
		 "  %s }\n"
		 "} }\n",
		 port6, HTTP);
	e.cfg = parse(text);
	assert_int_equal(fw_health_apply(e.h, e.cfg), 0);
	assert_int_equal(status6(&e, "fd00:1::13").state, FW_HEALTH_UNCHECKED);
	wait_state6(&e, FW_HEALTH_UP, 40 * SEC);
	assert_int_equal(status6(&e, "fd00:1::13").last_ok, 1);
	/* the probe's source port is steered to the v6 backend of the v6 VIP */
	assert_int_equal(inet_pton(AF_INET6, "fd00:1::13", &be), 1);
	memcpy(&lo, &in6addr_loopback, sizeof(lo));
	for (uint32_t i = 0; i < 65536; i++)
		if (F.steer[i].family == FW_AF_INET6 && fw_ip6_eq(&F.steer[i].be6, &be))
			sp = (uint16_t)i;
	assert_true(sp != 0);
	assert_true(fw_ip6_eq(&F.steer[sp].vip6, &lo));
	assert_int_equal(F.steer[sp].vip_port, port6);
	assert_int_equal(F.steer[sp].be_addr, 0);

	F.be[2] = B_503; /* down after fall = 3, marked down in fw_ctl by its v6 address */
	wait_state6(&e, FW_HEALTH_DOWN, 40 * SEC);
	s = status6(&e, "fd00:1::13");
	assert_string_equal(s.reason, "HTTP status 503 for GET /healthz (healthy is 2xx or 3xx)");
	assert_int_equal(F.nb_marks6, 1);
	assert_true(fw_ip6_eq(&F.marks6[0], &be));
	assert_int_equal(F.up6[0], 0);
	assert_int_equal(F.nb_marks, 0);

	F.be[2] = B_OK;
	wait_state6(&e, FW_HEALTH_UP, 40 * SEC);
	assert_int_equal(F.nb_marks6, 2);
	assert_int_equal(F.up6[1], 1);

	/* nothing listens: the reason names the VIP the IPv6 way */
	tula_loop_del_fd(e.loop, lfd6);
	close(lfd6);
	wait_state6(&e, FW_HEALTH_DOWN, 40 * SEC);
	snprintf(text, sizeof(text), "reset: nothing listens on [::1]:%u on the backend", port6);
	assert_string_equal(status6(&e, "fd00:1::13").reason, text);
	/* a v4 query does not find the v6 backend */
	assert_int_equal(fw_health_get(e.h, "web6", 0, &s), -ENOENT);
	teardown(&e);
}

static void grab6(void *arg, const struct fw_health_conflict *c)
{
	struct fw_health_conflict *out = arg;

	if (c->family == FW_AF_INET6)
		*out = *c;
}

/* A backend that answers Tula's Neighbor Solicitation for a v6 VIP (the VIP on its LAN
 * interface) is a conflict naming it; Tula's own frames are not; it expires. */
static void ndp_answer_for_a_v6_vip_is_a_conflict_naming_the_backend(void **state)
{
	struct fw_ip6 vip, be, lo;
	struct fw_health_conflict c = {0};
	uint8_t na[FW_NDP_FRAME_LEN];
	struct env e;
	int lfd6;
	uint16_t port6;

	(void)state;
	setup(&e);
	fake_state6(&port6, &lfd6, &e.sv);
	assert_non_null(F.ndp_fn);
	memcpy(&vip, &in6addr_loopback, sizeof(vip));
	memcpy(&lo, &in6addr_loopback, sizeof(lo));
	assert_int_equal(inet_pton(AF_INET6, "fd00:1::13", &be), 1);
	run_for(&e, 100); /* rounds of questions: Tula asks for its v6 VIP with an NS */
	assert_true(F.ns_requests > 0);
	assert_true(fw_ip6_eq(&F.ns_last, &vip));

	/* Tula's own advertisement for the VIP is no conflict */
	assert_int_equal(fw_ndp_build_na(na, sizeof(na), &port_mac, &be_mac[2], &lo, &be, &vip,
					 FW_NA_F_SOLICITED | FW_NA_F_OVERRIDE),
			 FW_NDP_FRAME_LEN);
	F.ndp_fn(F.ndp_arg, 0, na, sizeof(na));
	assert_int_equal(fw_health_conflicts(e.h, NULL, NULL), 0);

	/* be3 answers for it: a conflict that names be3, its MAC and what it did */
	assert_int_equal(fw_ndp_build_na(na, sizeof(na), &be_mac[2], &port_mac, &be, &lo, &vip,
					 FW_NA_F_SOLICITED | FW_NA_F_OVERRIDE),
			 FW_NDP_FRAME_LEN);
	F.ndp_fn(F.ndp_arg, 0, na, sizeof(na));
	F.ndp_fn(F.ndp_arg, 0, na, sizeof(na));
	assert_int_equal(fw_health_conflicts(e.h, grab6, &c), 1);
	assert_int_equal(c.family, FW_AF_INET6);
	assert_string_equal(c.vip, "web6");
	assert_true(fw_ip6_eq(&c.vip_addr6, &vip));
	assert_string_equal(c.port, "port0");
	assert_true(rte_is_same_ether_addr(&c.mac, &be_mac[2]));
	assert_non_null(c.backend);
	assert_string_equal(c.backend, "be3");
	assert_string_equal(c.backend_vip, "web6");
	assert_true(fw_ip6_eq(&c.host6, &be));
	assert_string_equal(c.claim, "answers Neighbor Solicitations for it");
	assert_int_equal(c.answers, 2);

	/* a frame that is no valid NA (hop limit 64: not from this link) counts nothing */
	na[14 + 7] = 64;
	F.ndp_fn(F.ndp_arg, 0, na, sizeof(na));
	fw_health_conflicts(e.h, grab6, &c);
	assert_int_equal(c.answers, 2);

	/* silent for arp_expire rounds: over */
	run_for(&e, 200);
	assert_int_equal(fw_health_conflicts(e.h, NULL, NULL), 0);

	/* As Linux answers: from the VIP itself, and be3 not resolved (no MAC known). Tula
	 * then asks the v6 backends for their own addresses; be3's answer names it. */
	F.bes[2].resolved = 0;
	assert_int_equal(fw_ndp_build_na(na, sizeof(na), &be_mac[2], &port_mac, &vip, &lo, &vip,
					 FW_NA_F_SOLICITED | FW_NA_F_OVERRIDE),
			 FW_NDP_FRAME_LEN);
	F.ns_requests = 0;
	F.ndp_fn(F.ndp_arg, 0, na, sizeof(na));
	memset(&c, 0, sizeof(c));
	assert_int_equal(fw_health_conflicts(e.h, grab6, &c), 1);
	assert_null(c.backend);
	assert_int_equal(F.ns_requests, 1);
	assert_true(fw_ip6_eq(&F.ns_last, &be));
	assert_int_equal(fw_ndp_build_na(na, sizeof(na), &be_mac[2], &port_mac, &be, &lo, &be,
					 FW_NA_F_SOLICITED | FW_NA_F_OVERRIDE),
			 FW_NDP_FRAME_LEN);
	F.ndp_fn(F.ndp_arg, 0, na, sizeof(na));
	assert_int_equal(fw_health_conflicts(e.h, grab6, &c), 1);
	assert_non_null(c.backend);
	assert_string_equal(c.backend, "be3");
	assert_true(fw_ip6_eq(&c.host6, &be));
	tula_loop_del_fd(e.loop, lfd6);
	close(lfd6);
	teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(backends_start_unchecked_and_pass_through_the_steered_port),
		cmocka_unit_test(failing_backend_goes_down_after_fall_and_back_after_rise),
		cmocka_unit_test(more_backends_than_probe_ports_are_all_probed),
		cmocka_unit_test(one_failure_does_not_take_an_unchecked_backend_out),
		cmocka_unit_test(every_backend_down_makes_the_vip_down),
		cmocka_unit_test(http_failures_are_told_apart),
		cmocka_unit_test(refused_tcp_check_reads_as_reset),
		cmocka_unit_test(backend_without_a_mac_waits_for_arp_then_fails_with_its_reason),
		cmocka_unit_test(commits_keep_health_and_forget_what_is_removed),
		cmocka_unit_test(check_reports_every_backend_from_the_loop),
		cmocka_unit_test(arp_answers_from_another_mac_are_conflicts_named_and_expire),
		cmocka_unit_test(v6_backend_is_probed_at_the_v6_vip_through_its_steered_port),
		cmocka_unit_test(ndp_answer_for_a_v6_vip_is_a_conflict_naming_the_backend),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
