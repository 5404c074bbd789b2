/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus endpoint (see fw_metrics.h): the commit hook that follows
 * `system services metrics listen`, libmicrohttpd in the control loop, and the
 * exposition text.
 */
#include "firmware/control/fw_metrics.h"

#include "common/tula_buf.h"
#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#define LISTEN_PATH "system services metrics listen"
#define MAX_CONNS   16
#define PER_IP	    4
#define TIMEOUT_S   5
#define MEM_LIMIT   (32 * 1024)
#define BACKLOG	    16

struct server {
	struct MHD_Daemon *mhd;
	int epfd;
	uint32_t addr; /* network order */
	uint16_t port; /* host order */
};

struct fw_metrics {
	struct tula_loop *loop;
	struct fw_obs_src src;
	struct fw_obs *obs;
	struct tula_timer *timer; /* MHD's own timeouts, while serving */
	struct server cur;	  /* serving (mhd NULL: disabled) */
	struct server next;	  /* prepared by the commit in progress */
	int next_set;		  /* the commit changes the endpoint */
	uint64_t scrapes;
};

/* ---- exposition text ------------------------------------------------------------------- */

static void family(struct tula_buf *b, const char *name, const char *type, const char *help)
{
	tula_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Names come from the configuration (letters, digits, '_', '.', '-'): nothing to escape,
 * but a label value is escaped anyway as the format asks (\\, \", \n). */
static void label(struct tula_buf *b, const char *k, const char *v, int first)
{
	tula_buf_printf(b, "%s%s=\"", first ? "" : ",", k);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			tula_buf_putc(b, '\\');
		if (*v == '\n') {
			tula_buf_puts(b, "\\n");
			continue;
		}
		tula_buf_putc(b, *v);
	}
	tula_buf_putc(b, '"');
}

enum { F_PACKETS, F_BYTES, F_FLOWS };

static uint64_t obj_field(const struct fw_obj_counters *c, int f)
{
	return f == F_PACKETS ? c->packets : f == F_BYTES ? c->bytes : c->new_flows;
}

char *fw_metrics_render(const struct fw_obs *o, size_t *len)
{
	static const struct {
		const char *suffix, *help;
	} obj[] = {
		[F_PACKETS] = {"packets_total", "Packets the data path forwarded"},
		[F_BYTES] = {"bytes_total",
			     "Bytes (Ethernet frames as received) the data path forwarded"},
		[F_FLOWS] = {"new_flows_total", "Flows the data path pinned"},
	};
	struct tula_buf b = TULA_BUF_INIT;
	char name[64];
	uint32_t i;

	for (int f = F_PACKETS; f <= F_FLOWS; f++) {
		snprintf(name, sizeof(name), "tula_vip_%s", obj[f].suffix);
		family(&b, name, "counter", obj[f].help);
		for (i = 0; i < o->nb_vips; i++) {
			tula_buf_printf(&b, "%s{", name);
			label(&b, "vip", o->vips[i].name, 1);
			tula_buf_printf(&b, "} %llu\n",
					(unsigned long long)obj_field(&o->vips[i].c, f));
		}
	}
	family(&b, "tula_vip_up", "gauge", "1 when some backend of the VIP may take new flows");
	for (i = 0; i < o->nb_vips; i++) {
		tula_buf_puts(&b, "tula_vip_up{");
		label(&b, "vip", o->vips[i].name, 1);
		tula_buf_printf(&b, "} %u\n", o->vips[i].up);
	}
	for (int f = F_PACKETS; f <= F_FLOWS; f++) {
		snprintf(name, sizeof(name), "tula_backend_%s", obj[f].suffix);
		family(&b, name, "counter", obj[f].help);
		for (i = 0; i < o->nb_backends; i++) {
			tula_buf_printf(&b, "%s{", name);
			label(&b, "vip", o->vips[o->backends[i].vip].name, 1);
			label(&b, "backend", o->backends[i].name, 0);
			tula_buf_printf(&b, "} %llu\n",
					(unsigned long long)obj_field(&o->backends[i].c, f));
		}
	}
	family(&b, "tula_backend_up", "gauge",
	       "1 when health checks let the backend take traffic (label health: the check's "
	       "state)");
	for (i = 0; i < o->nb_backends; i++) {
		tula_buf_puts(&b, "tula_backend_up{");
		label(&b, "vip", o->vips[o->backends[i].vip].name, 1);
		label(&b, "backend", o->backends[i].name, 0);
		label(&b, "health", o->backends[i].health, 0);
		tula_buf_printf(&b, "} %u\n", o->backends[i].up);
	}
	family(&b, "tula_backend_usable", "gauge",
	       "1 when the backend is up and its next hop resolved (it gets new flows)");
	for (i = 0; i < o->nb_backends; i++) {
		tula_buf_puts(&b, "tula_backend_usable{");
		label(&b, "vip", o->vips[o->backends[i].vip].name, 1);
		label(&b, "backend", o->backends[i].name, 0);
		tula_buf_printf(&b, "} %u\n", o->backends[i].usable);
	}
	family(&b, "tula_backend_weight", "gauge", "Configured weight (0 = drained)");
	for (i = 0; i < o->nb_backends; i++) {
		tula_buf_puts(&b, "tula_backend_weight{");
		label(&b, "vip", o->vips[o->backends[i].vip].name, 1);
		label(&b, "backend", o->backends[i].name, 0);
		tula_buf_printf(&b, "} %u\n", o->backends[i].weight);
	}
	family(&b, "tula_drops_total", "counter", "Packets the data path dropped, by reason");
	for (i = 0; i < FW_DROP_MAX; i++) {
		tula_buf_puts(&b, "tula_drops_total{");
		label(&b, "reason", fw_drop_name(i), 1);
		tula_buf_printf(&b, "} %llu\n", (unsigned long long)o->drop[i]);
	}
	family(&b, "tula_datapath_events_total", "counter", "Data-path events, by kind");
	for (i = 0; i < FW_EV_MAX; i++) {
		tula_buf_puts(&b, "tula_datapath_events_total{");
		label(&b, "event", fw_event_name(i), 1);
		tula_buf_printf(&b, "} %llu\n", (unsigned long long)o->ev[i]);
	}
	family(&b, "tula_flow_table_entries", "gauge", "Flow-table entries in use, per worker");
	for (i = 0; i < o->nb_workers; i++)
		tula_buf_printf(&b, "tula_flow_table_entries{worker=\"%u\"} %llu\n", i,
				(unsigned long long)o->workers[i].flows_used);
	family(&b, "tula_flow_table_capacity_entries", "gauge", "Flow-table size, per worker");
	for (i = 0; i < o->nb_workers; i++)
		tula_buf_printf(&b, "tula_flow_table_capacity_entries{worker=\"%u\"} %llu\n", i,
				(unsigned long long)o->workers[i].flows_capacity);
	family(&b, "tula_config_revision", "gauge",
	       "Id of the active configuration revision (changes at every commit)");
	tula_buf_printf(&b, "tula_config_revision %llu\n", (unsigned long long)o->revision);
	if (b.oom) {
		tula_buf_free(&b);
		errno = ENOMEM;
		return NULL;
	}
	*len = b.len;
	return tula_buf_steal(&b);
}

/* ---- HTTP ---------------------------------------------------------------------------- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *text)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	struct fw_metrics *m = cls;
	struct MHD_Response *r;
	enum MHD_Result rc;
	size_t len;
	char *body;

	(void)version;
	(void)upload;
	(void)con_cls;
	/* a body is never read: answering at once makes MHD discard it */
	*upload_len = 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "only GET /metrics\n");
	fw_obs_take(m->obs, &m->src);
	body = fw_metrics_render(m->obs, &len);
	if (body == NULL)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; version=0.0.4; charset=utf-8");
	rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	m->scrapes++;
	return rc;
}

static void mhd_log(void *arg, const char *fmt, va_list ap)
{
	char line[256];

	(void)arg;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	TLOG_DEBUG("metrics: %s", line);
}

static void on_epoll(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct fw_metrics *m = arg;

	(void)loop;
	(void)fd;
	(void)events;
	if (m->cur.mhd != NULL)
		MHD_run(m->cur.mhd);
}

static void on_timer(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	(void)t;
	on_epoll(loop, -1, 0, arg);
}

static void server_stop(struct server *s)
{
	if (s->mhd != NULL)
		MHD_stop_daemon(s->mhd); /* closes the listening socket */
	s->mhd = NULL;
	s->epfd = -1;
}

/* Bind addr:port and start MHD on it (not yet watched). 0 or -errno, why filled. */
static int server_start(struct fw_metrics *m, struct server *s, char *why, size_t whylen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(s->port)};
	const union MHD_DaemonInfo *info;
	int fd, one = 1, rc;

	sa.sin_addr.s_addr = s->addr;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return rc;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* the address appears on its TAP only when the commit applies */
	setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, BACKLOG) < 0) {
		rc = -errno;
		snprintf(why, whylen, "%s", strerror(errno));
		close(fd);
		return rc;
	}
	s->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, m,
				  MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned int)MAX_CONNS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
				  (unsigned int)PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				  (size_t)MEM_LIMIT, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				  MHD_OPTION_END);
	if (s->mhd == NULL) {
		snprintf(why, whylen, "the HTTP server (libmicrohttpd) did not start");
		close(fd);
		return -EIO;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || info->epoll_fd < 0) {
		snprintf(why, whylen, "libmicrohttpd has no epoll descriptor");
		server_stop(s);
		return -EIO;
	}
	s->epfd = info->epoll_fd;
	return 0;
}

/* ---- commit hook ------------------------------------------------------------------------ */

/* The configured endpoint: 1 (filled), 0 (none), -1 (unparsable: the schema forbids it),
 * -2 (an IPv6 endpoint, which the schema takes but this server does not serve yet). */
static int configured(const struct db_node *cfg, uint32_t *addr, uint16_t *port)
{
	const char *v = db_get_str(db_node_get(cfg, "system services metrics"), "listen");
	char host[INET_ADDRSTRLEN];
	const char *colon;
	struct in_addr a;
	unsigned long p;

	if (v == NULL)
		return 0;
	if (v[0] == '[')
		return -2;
	colon = strrchr(v, ':');
	if (colon == NULL || (size_t)(colon - v) >= sizeof(host))
		return -1;
	memcpy(host, v, (size_t)(colon - v));
	host[colon - v] = '\0';
	p = strtoul(colon + 1, NULL, 10);
	if (inet_pton(AF_INET, host, &a) != 1 || p == 0 || p > 65535)
		return -1;
	*addr = a.s_addr;
	*port = (uint16_t)p;
	return 1;
}

static int is_self_address(const struct db_node *cfg, uint32_t addr)
{
	for (const struct db_node *i = db_node_first(cfg, "interfaces"); i; i = db_node_next(i))
		for (const struct db_node *a = db_node_first(i, "address"); a;
		     a = db_node_next(a)) {
			const char *t = db_node_key(a);
			char host[INET_ADDRSTRLEN];
			struct in_addr ia;
			size_t n;

			if (t == NULL)
				continue;
			n = strcspn(t, "/");
			if (n >= sizeof(host))
				continue;
			memcpy(host, t, n);
			host[n] = '\0';
			if (inet_pton(AF_INET, host, &ia) == 1 && ia.s_addr == addr)
				return 1;
		}
	return 0;
}

static int hook_validate(struct db_commit *c, void *arg)
{
	const struct db_node *cfg = db_commit_new(c);
	char s[INET_ADDRSTRLEN];
	uint32_t addr;
	uint16_t port;
	int rc = configured(cfg, &addr, &port);

	(void)arg;
	if (rc == -2)
		return db_commit_error(c, LISTEN_PATH,
				       "the metrics endpoint listens on an IPv4 self address (the "
				       "kernel side of the data ports carries IPv4 only)");
	if (rc < 0)
		return db_commit_error(c, LISTEN_PATH, "expected ADDRESS:PORT");
	if (rc == 1 && !is_self_address(cfg, addr))
		return db_commit_error(c, LISTEN_PATH,
				       "%s is not a self address of any interface (the endpoint "
				       "listens on one of Tula's own addresses)",
				       inet_ntop(AF_INET, &addr, s, sizeof(s)));
	return 0;
}

static int hook_prepare(struct db_commit *c, void *arg)
{
	struct fw_metrics *m = arg;
	char why[128], s[INET_ADDRSTRLEN];
	uint32_t addr = 0;
	uint16_t port = 0;
	int rc = configured(db_commit_new(c), &addr, &port);

	m->next_set = 0;
	if (rc <= 0) {
		m->next_set = m->cur.mhd != NULL; /* turned off */
		m->next = (struct server){.epfd = -1};
		return 0;
	}
	if (m->cur.mhd != NULL && m->cur.addr == addr && m->cur.port == port)
		return 0; /* unchanged: keep serving */
	m->next = (struct server){.addr = addr, .port = port, .epfd = -1};
	if (db_commit_kind(c) == DB_COMMIT_CHECK) {
		m->next_set = 1; /* nothing to bind for a check */
		return 0;
	}
	/* a port moving on the same address cannot bind before the old one closes */
	if (m->cur.mhd != NULL && m->cur.addr == addr)
		server_stop(&m->cur);
	rc = server_start(m, &m->next, why, sizeof(why));
	if (rc < 0)
		return db_commit_error(c, LISTEN_PATH, "cannot listen on %s:%u: %s",
				       inet_ntop(AF_INET, &addr, s, sizeof(s)), port, why);
	m->next_set = 1;
	return 0;
}

static void hook_apply(struct db_commit *c, void *arg)
{
	struct fw_metrics *m = arg;
	char s[INET_ADDRSTRLEN];

	(void)c;
	if (!m->next_set)
		return;
	if (m->cur.mhd != NULL) {
		tula_loop_del_fd(m->loop, m->cur.epfd);
		server_stop(&m->cur);
	}
	m->cur = m->next;
	m->next = (struct server){.epfd = -1};
	m->next_set = 0;
	if (m->cur.mhd == NULL) {
		tula_timer_disarm(m->timer);
		TLOG_NOTICE("metrics: endpoint closed");
		return;
	}
	if (tula_loop_add_fd(m->loop, m->cur.epfd, TULA_EV_READ, on_epoll, m) < 0) {
		TLOG_ERR("metrics: cannot watch the HTTP server: endpoint closed");
		server_stop(&m->cur);
		return;
	}
	tula_timer_arm(m->timer, 1000, 1000);
	TLOG_NOTICE("metrics: serving http://%s:%u/metrics",
		    inet_ntop(AF_INET, &m->cur.addr, s, sizeof(s)), m->cur.port);
}

static void hook_abort(struct db_commit *c, void *arg)
{
	struct fw_metrics *m = arg;

	(void)c;
	server_stop(&m->next);
	m->next_set = 0;
}

static const struct db_hook hook = {
	.name = "metrics",
	.validate = hook_validate,
	.prepare = hook_prepare,
	.apply = hook_apply,
	.abort = hook_abort,
};

struct fw_metrics *fw_metrics_new(struct tula_loop *loop, const struct fw_obs_src *src)
{
	struct fw_metrics *m = calloc(1, sizeof(*m));
	int rc;

	if (m == NULL)
		return NULL;
	m->loop = loop;
	m->src = *src;
	m->cur.epfd = m->next.epfd = -1;
	m->obs = fw_obs_new(src->ctl);
	m->timer = tula_timer_new(loop, on_timer, m);
	if (m->obs == NULL || m->timer == NULL) {
		fw_metrics_free(m);
		errno = ENOMEM;
		return NULL;
	}
	rc = db_commit_hook_register(src->db, &hook, m);
	if (rc < 0) {
		fw_obs_free(m->obs);
		tula_timer_free(m->timer);
		free(m);
		errno = -rc;
		return NULL;
	}
	return m;
}

void fw_metrics_free(struct fw_metrics *m)
{
	if (m == NULL)
		return;
	if (m->src.db != NULL)
		db_commit_hook_unregister(m->src.db, &hook, m);
	if (m->cur.mhd != NULL)
		tula_loop_del_fd(m->loop, m->cur.epfd);
	server_stop(&m->cur);
	server_stop(&m->next);
	tula_timer_free(m->timer);
	fw_obs_free(m->obs);
	free(m);
}
