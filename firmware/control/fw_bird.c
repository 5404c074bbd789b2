/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tula drives BIRD 2 (see fw_bird.h for the contract): render its configuration from
 * `protocols bgp`, check it with BIRD's own parser at commit, run and supervise the
 * process, and speak its control-socket protocol to enable or disable one static
 * protocol per VIP as the VIP's health and the data path's state change.
 *
 * BIRD's control socket (doc/prog "CLI"): BIRD greets with "0001 BIRD x.y ready.",
 * then answers each command line with reply lines "DDDD-text" (more follow), "DDDD
 * text" (the last) or " text" (continues the previous code). 0xxx codes end a command
 * that succeeded, 1xxx are table rows, 2xxx table headings, 8xxx run-time errors and
 * 9xxx parse errors.
 */
#include "firmware/control/fw_bird.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/tula_buf.h"
#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db.h"
#include "firmware/control/fw_ctl.h"
#include "firmware/control/fw_dp.h"
#include "firmware/control/fw_health.h"
#include "firmware/fw_counters.h"
#include "firmware/fw_state.h"

#define TICK_MS		 100  /* announce state checked this often */
#define RESTART_MS	 1000 /* a BIRD that died is started again after this */
#define CHECK_MS	 5000 /* longest `bird -p` run at commit */
#define STOP_MS		 3000 /* longest wait for BIRD to close its sessions */
#define REPLY_MAX	 (4u << 20)
#define MAX_RENDER_LINES 4096
#define NAME_MAX_LEN	 64

struct vip_ent {
	char name[NAME_MAX_LEN];
	char proto[FW_BIRD_NAME_MAX];
	struct db_addr addr;
	uint8_t l4;
	uint16_t port;
	int no_announce;
	int has_med;
	uint32_t med;
	char comms[256];
	int announced; /* enabled in BIRD (or will be when it starts) */
	const char *why;
};

struct peer_ent {
	struct db_addr addr;
	char proto[FW_BIRD_NAME_MAX];
	char group[NAME_MAX_LEN];
	uint32_t peer_as;
	int bfd;
};

struct fw_bird {
	struct tula_loop *loop;
	struct db *db;
	struct fw_ctl *ctl;
	struct fw_dp *dp;
	struct fw_health *health;
	char bird[PATH_MAX];
	char conf_path[PATH_MAX], new_path[PATH_MAX], sock_path[108];

	int configured; /* active configuration has protocols bgp */
	uint32_t local_as;
	struct vip_ent *vips;
	size_t nvips;
	struct peer_ent *peers;
	size_t npeers;

	pid_t pid; /* running BIRD, 0 = none */
	int pidfd, errfd;
	char errbuf[512];
	size_t errlen;
	int ready; /* its control socket answered */
	unsigned restarts;
	int stopping, draining;
	int staged; /* prepare wrote new_path */
	int pump_until_exit;
	uint64_t pump_deadline;
	struct tula_timer *tick, *restart;
};

/* ---- names --------------------------------------------------------------------------- */

void fw_bird_vip_proto(const char *vip_name, char *buf, size_t len)
{
	/* BIRD symbols take [A-Za-z0-9_]: '_' doubles, '-' and '.' become _d and _p, so
	 * two VIP names never share a protocol name. */
	size_t o = 0;

	o += (size_t)snprintf(buf, len, "vip_");
	for (const char *s = vip_name; *s != '\0' && o + 3 < len; s++) {
		if (*s == '_' || *s == '-' || *s == '.') {
			buf[o++] = '_';
			buf[o++] = *s == '_' ? '_' : *s == '-' ? 'd' : 'p';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o < len ? o : len - 1] = '\0';
}

void fw_bird_peer_proto(const struct db_addr *addr, char *buf, size_t len)
{
	char ip[DB_ADDR_STRLEN];

	if (addr->family == AF_INET) {
		const uint8_t *b = addr->b;

		snprintf(buf, len, "peer_%u_%u_%u_%u", b[0], b[1], b[2], b[3]);
		return;
	}
	/* canonical text with ':' as '_' (BIRD symbols take [A-Za-z0-9_]); the canonical
	 * form makes it one name per address */
	db_addr_str(addr, ip, sizeof(ip));
	for (char *c = ip; *c != '\0'; c++)
		if (*c == ':')
			*c = '_';
	snprintf(buf, len, "peer6_%s", ip);
}

/* ---- rendering ------------------------------------------------------------------------ */

struct render {
	struct tula_buf *out;
	struct fw_bird_line *lines;
	size_t nlines, line;
};

static void __attribute__((format(printf, 3, 4)))
emit(struct render *r, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tula_buf_vprintf(r->out, fmt, ap);
	va_end(ap);
	tula_buf_putc(r->out, '\n');
	if (r->lines != NULL && r->line < r->nlines)
		snprintf(r->lines[r->line].path, sizeof(r->lines[r->line].path), "%s",
			 path ? path : "");
	r->line++;
}

/* "65000:100" with both halves 0..65535 -> (a, b). */
static int parse_community(const char *s, unsigned *a, unsigned *b)
{
	char *end;
	unsigned long x, y;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	x = strtoul(s, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	y = strtoul(end + 1, &end, 10);
	if (*end != '\0' || x > 65535 || y > 65535)
		return -EINVAL;
	*a = (unsigned)x;
	*b = (unsigned)y;
	return 0;
}

static const char *ip_str(const struct db_addr *a, char *buf)
{
	return db_addr_str(a, buf, DB_ADDR_STRLEN);
}

/*
 * Tula's self address of family fam on the interface whose subnet (of the peer's
 * family) holds peer — or, peer NULL, the first self address of fam anywhere. Returns
 * 0 with *out, or -ENOENT.
 */
static int self_address(const struct db_node *cfg, const struct db_addr *peer, uint8_t fam,
			struct db_addr *out)
{
	for (const struct db_node *i = db_node_first(cfg, "interfaces"); i != NULL;
	     i = db_node_next(i)) {
		int facing = peer == NULL;

		for (const struct db_node *a = db_node_first(i, "address"); a && !facing;
		     a = db_node_next(a)) {
			struct db_addr ia;
			uint8_t plen;

			if (db_node_addr_prefix(a, &ia, &plen) == 0 && db_addr_in(peer, &ia, plen))
				facing = 1;
		}
		if (!facing)
			continue;
		for (const struct db_node *a = db_node_first(i, "address"); a;
		     a = db_node_next(a)) {
			uint8_t plen;

			if (db_node_addr_prefix(a, out, &plen) == 0 && out->family == fam)
				return 0;
		}
	}
	return -ENOENT;
}

/* 1 when some VIP of family fam would be announced (not no-announce). */
static int has_vips(const struct db_node *cfg, uint8_t fam)
{
	const struct db_node *dsr = db_node_get(cfg, "services dsr");
	struct db_addr a;

	for (const struct db_node *v = db_node_first(dsr, "vip"); v; v = db_node_next(v))
		if (!db_get_flag(v, "no-announce") && db_get_addr(v, "address", &a) == 0 &&
		    a.family == fam)
			return 1;
	return 0;
}

static int bad(char *why_path, char *why, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad(char *why_path, char *why, const char *path, const char *fmt, ...)
{
	va_list ap;

	if (why_path != NULL)
		snprintf(why_path, FW_BIRD_PATH_MAX, "%s", path);
	if (why != NULL) {
		va_start(ap, fmt);
		vsnprintf(why, FW_BIRD_WHY_MAX, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int render_vips(struct render *r, const struct db_node *cfg,
		       int (*announced)(void *arg, const char *vip), void *arg, char *why_path,
		       char *why)
{
	const struct db_node *dsr = db_node_get(cfg, "services dsr");
	char path[FW_BIRD_PATH_MAX], proto[FW_BIRD_NAME_MAX], ip[DB_ADDR_STRLEN];

	/* One static protocol per announced VIP: its /32 (/128) as a blackhole route in
	 * the table of its family (BIRD has no kernel protocol here, so nothing reaches
	 * the kernel's table). */
	for (const struct db_node *v = db_node_first(dsr, "vip"); v; v = db_node_next(v)) {
		struct db_addr a;
		int v6;

		if (db_get_flag(v, "no-announce") || db_get_addr(v, "address", &a) < 0)
			continue;
		v6 = a.family == AF_INET6;
		snprintf(path, sizeof(path), "services dsr vip %s", db_node_key(v));
		fw_bird_vip_proto(db_node_key(v), proto, sizeof(proto));
		emit(r, path, "protocol static %s {", proto);
		emit(r, path, "\tdescription \"VIP %s\";", db_node_key(v));
		emit(r, path, "\t%s;", v6 ? "ipv6" : "ipv4");
		emit(r, path, "\troute %s/%u blackhole;", ip_str(&a, ip), v6 ? 128 : 32);
		emit(r, path, "\tdisabled %s;",
		     announced != NULL && announced(arg, db_node_key(v)) ? "no" : "yes");
		emit(r, path, "}");
	}
	/* What BGP sends: those statics only, with each VIP's MED and communities. */
	emit(r, NULL, "filter tula_export {");
	for (const struct db_node *v = db_node_first(dsr, "vip"); v; v = db_node_next(v)) {
		uint32_t med;

		if (db_get_flag(v, "no-announce"))
			continue;
		snprintf(path, sizeof(path), "services dsr vip %s", db_node_key(v));
		fw_bird_vip_proto(db_node_key(v), proto, sizeof(proto));
		emit(r, path, "\tif proto = \"%s\" then {", proto);
		if (db_get_uint(v, "med", &med) == 0)
			emit(r, path, "\t\tbgp_med = %u;", med);
		for (const struct db_node *c = db_node_first(v, "community"); c;
		     c = db_node_next(c)) {
			unsigned x, y;
			char cpath[FW_BIRD_PATH_MAX + 80];

			snprintf(cpath, sizeof(cpath), "%s community %s", path, db_node_key(c));
			if (parse_community(db_node_key(c), &x, &y) < 0)
				return bad(why_path, why, cpath,
					   "community '%s': expected AS:VALUE, each 0..65535",
					   db_node_key(c));
			emit(r, cpath, "\t\tbgp_community.add((%u, %u));", x, y);
		}
		emit(r, path, "\t\taccept;");
		emit(r, path, "\t}");
	}
	emit(r, NULL, "\treject;");
	emit(r, NULL, "}");
	return 0;
}

int fw_bird_render(const struct db_node *cfg, int (*announced)(void *arg, const char *vip),
		   void *arg, struct tula_buf *out, struct fw_bird_line *lines, size_t nlines,
		   char *why_path, char *why)
{
	const struct db_node *bgp = db_node_get(cfg, "protocols bgp");
	struct render r = {out, lines, nlines, 0};
	char path[FW_BIRD_PATH_MAX], ip[DB_ADDR_STRLEN], proto[FW_BIRD_NAME_MAX];
	uint32_t local_as = 0;
	struct db_addr rid = {0};
	int any_bfd = 0, rc, vips4 = has_vips(cfg, AF_INET), vips6 = has_vips(cfg, AF_INET6);

	if (bgp == NULL)
		return -ENOENT;
	db_get_uint(bgp, "local-as", &local_as);
	/* the BGP identifier is 32 bits: the first IPv4 self address, unless set */
	if (db_get_addr(bgp, "router-id", &rid) < 0 || rid.family != AF_INET ||
	    db_addr_bits(&rid) == 0 || (rid.b[0] | rid.b[1] | rid.b[2] | rid.b[3]) == 0)
		if (self_address(cfg, NULL, AF_INET, &rid) < 0)
			rid.family = 0;

	emit(&r, NULL, "# BIRD 2 configuration rendered by Tula from its committed configuration;");
	emit(&r, NULL, "# rewritten at every commit: change `protocols bgp` in Tula instead.");
	emit(&r, NULL, "log stderr { info, remote, warning, error, auth, fatal, bug };");
	if (rid.family == AF_INET)
		emit(&r, "protocols bgp router-id", "router id %s;", ip_str(&rid, ip));
	else
		return bad(why_path, why, "protocols bgp",
			   "no IPv4 self address to take the BGP identifier from (it is 32 bits, "
			   "on IPv6 sessions too): set protocols bgp router-id");
	emit(&r, NULL, "protocol device { scan time 10; }");

	/* BFD per group: one interface block per group would clash (all TAPs are tula-*),
	 * so the sessions of each neighbour carry their group's timers (BIRD's per-session
	 * `bfd { ... }` options in the BGP protocol). */
	for (const struct db_node *g = db_node_first(bgp, "group"); g; g = db_node_next(g))
		any_bfd |= db_get_flag(g, "bfd");
	if (any_bfd) {
		emit(&r, NULL, "protocol bfd tula_bfd {");
		emit(&r, NULL, "\tinterface \"tula-*\" { };");
		emit(&r, NULL, "}");
	}

	rc = render_vips(&r, cfg, announced, arg, why_path, why);
	if (rc < 0)
		return rc;

	for (const struct db_node *g = db_node_first(bgp, "group"); g; g = db_node_next(g)) {
		uint32_t peer_as = 0, hold = 90;
		const char *pw = db_get_str(g, "password");

		db_get_uint(g, "peer-as", &peer_as);
		db_get_uint(g, "hold-time", &hold);
		snprintf(path, sizeof(path), "protocols bgp group %s", db_node_key(g));
		if (pw != NULL && (strpbrk(pw, "\"\\\n") != NULL || strlen(pw) > 80 || !*pw))
			return bad(why_path, why, path,
				   "password: 1..80 characters without quote or backslash");
		for (const struct db_node *n = db_node_first(g, "neighbor"); n;
		     n = db_node_next(n)) {
			struct db_addr na, own, nh4 = {0}, nh6 = {0};
			char npath[FW_BIRD_PATH_MAX + 32];
			int v6 = 0;

			snprintf(npath, sizeof(npath), "%s neighbor %s", path, db_node_key(n));
			if (db_parse_addr(db_node_key(n), &na) < 0)
				return bad(why_path, why, npath, "not an IPv4 or IPv6 address");
			v6 = na.family == AF_INET6;
			if (self_address(cfg, &na, na.family, &own) < 0)
				return bad(why_path, why, npath,
					   "%s is on no subnet of an interface address: sessions "
					   "run over the data ports, one hop",
					   db_node_key(n));
			/* a channel of the other family than the session names its next hop */
			if (!v6 && vips6 && self_address(cfg, &na, AF_INET6, &nh6) < 0)
				return bad(why_path, why, npath,
					   "IPv6 VIPs are announced over this IPv4 session with an "
					   "IPv6 next hop: give the interface facing %s an IPv6 "
					   "address",
					   db_node_key(n));
			if (v6 && vips4 && self_address(cfg, &na, AF_INET, &nh4) < 0)
				return bad(why_path, why, npath,
					   "IPv4 VIPs are announced over this IPv6 session with an "
					   "IPv4 next hop: give the interface facing %s an IPv4 "
					   "address",
					   db_node_key(n));
			for (const struct db_node *g2 = db_node_first(bgp, "group"); g2 != g;
			     g2 = db_node_next(g2))
				if (db_node_find(g2, "neighbor", db_node_key(n)) != NULL)
					return bad(why_path, why, npath,
						   "neighbor %s is also in group %s",
						   db_node_key(n), db_node_key(g2));
			fw_bird_peer_proto(&na, proto, sizeof(proto));
			emit(&r, npath, "protocol bgp %s {", proto);
			emit(&r, path, "\tdescription \"group %s\";", db_node_key(g));
			emit(&r, "protocols bgp local-as", "\tlocal as %u;", local_as);
			emit(&r, npath, "\tneighbor %s as %u;", db_node_key(n), peer_as);
			emit(&r, path, "\thold time %u; keepalive time %u;", hold,
			     hold / 3 ? hold / 3 : 1);
			/* Come back quickly after BIRD or the peer restarts. */
			emit(&r, NULL, "\tconnect delay time 1; connect retry time 5;");
			emit(&r, NULL, "\terror wait time 1, 10;");
			/* A dead box must lose its routes at once, not keep them as stale. */
			emit(&r, NULL, "\tgraceful restart off;");
			if (db_get_flag(g, "bfd")) {
				uint32_t iv = 100, mult = 3;

				db_get_uint(g, "bfd-interval", &iv);
				db_get_uint(g, "bfd-multiplier", &mult);
				/* a dead box is noticed after iv x mult */
				emit(&r, path,
				     "\tbfd { min rx interval %u ms; min tx interval %u ms; "
				     "multiplier %u; };",
				     iv, iv, mult);
			}
			if (pw != NULL)
				emit(&r, path, "\tpassword \"%s\";", pw);
			if (!v6)
				emit(&r, NULL,
				     "\tipv4 { import none; export filter tula_export; next hop "
				     "self; };");
			else if (vips4)
				emit(&r, npath,
				     "\tipv4 { import none; export filter tula_export; next hop "
				     "address %s; };",
				     ip_str(&nh4, ip));
			if (v6)
				emit(&r, NULL,
				     "\tipv6 { import none; export filter tula_export; next hop "
				     "self; };");
			else if (vips6)
				emit(&r, npath,
				     "\tipv6 { import none; export filter tula_export; next hop "
				     "address %s; };",
				     ip_str(&nh6, ip));
			emit(&r, npath, "}");
		}
	}
	return out->oom ? -ENOMEM : 0;
}

/* ---- the control socket ---------------------------------------------------------------- */

void fw_bird_reply_free(struct fw_bird_reply *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].text);
	free(r->v);
	memset(r, 0, sizeof(*r));
}

static int add_rline(struct fw_bird_reply *r, int code, const char *s, size_t len)
{
	struct fw_bird_rline *v;

	if ((r->n & (r->n - 1)) == 0 || r->n == 0) {
		v = realloc(r->v, (r->n ? r->n * 2 : 8) * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		r->v = v;
	}
	r->v[r->n].code = code;
	r->v[r->n].text = strndup(s, len);
	if (r->v[r->n].text == NULL)
		return -ENOMEM;
	r->n++;
	return 0;
}

int fw_bird_parse(const char *buf, size_t len, struct fw_bird_reply *r)
{
	size_t i = 0;

	while (i < len) {
		const char *l = buf + i, *nl = memchr(l, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - l) : len - i;
		int code, rc;

		i += ll + 1;
		if (ll > 0 && l[0] == ' ') {
			/* continuation of the previous code */
			code = r->n ? r->v[r->n - 1].code : 0;
			rc = add_rline(r, code, l + 1, ll - 1);
			if (rc < 0)
				return rc;
			continue;
		}
		if (ll < 5 || l[0] < '0' || l[0] > '9' || l[1] < '0' || l[1] > '9' || l[2] < '0' ||
		    l[2] > '9' || l[3] < '0' || l[3] > '9' || (l[4] != '-' && l[4] != ' '))
			return -EPROTO;
		code = (l[0] - '0') * 1000 + (l[1] - '0') * 100 + (l[2] - '0') * 10 + (l[3] - '0');
		rc = add_rline(r, code, l + 5, ll - 5);
		if (rc < 0)
			return rc;
		if (l[4] == ' ') {
			r->last_code = code;
			return 1;
		}
	}
	return 0;
}

/* Read until a whole reply (final line) arrived. Returns 0 or -errno. */
static int read_reply(int fd, uint64_t deadline, struct fw_bird_reply *r)
{
	struct tula_buf in = TULA_BUF_INIT;
	size_t done = 0;
	int rc = -ETIMEDOUT;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t now = tula_now_ms();
		char chunk[4096];
		ssize_t n;

		if (now >= deadline)
			break;
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n <= 0) {
			rc = -EPROTO;
			break;
		}
		tula_buf_add(&in, chunk, (size_t)n);
		if (in.len > REPLY_MAX || in.oom) {
			rc = in.oom ? -ENOMEM : -E2BIG;
			break;
		}
		/* parse the complete lines that arrived */
		{
			const char *last = NULL;

			for (size_t k = in.len; k > done; k--)
				if (in.data[k - 1] == '\n') {
					last = in.data + k;
					break;
				}
			if (last == NULL)
				continue;
			rc = fw_bird_parse(in.data + done, (size_t)(last - in.data) - done, r);
			done = (size_t)(last - in.data);
			if (rc != 0) {
				rc = rc > 0 ? 0 : rc;
				break;
			}
			rc = -ETIMEDOUT;
		}
	}
	tula_buf_free(&in);
	return rc;
}

int fw_bird_query(struct fw_bird *b, const char *cmd, struct fw_bird_reply *r)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct fw_bird_reply greet = {0};
	uint64_t deadline = tula_now_ms() + FW_BIRD_IO_MS;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	if (b->pid == 0)
		return -ENOTCONN;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", b->sock_path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -ENOTCONN;
	}
	rc = read_reply(fd, deadline, &greet);
	if (rc == 0 && greet.last_code != 1)
		rc = -EPROTO;
	fw_bird_reply_free(&greet);
	if (rc == 0) {
		size_t len = strlen(cmd);
		struct iovec iov[2] = {{(void *)cmd, len}, {(void *)"\n", 1}};

		if (memchr(cmd, '\n', len) != NULL)
			rc = -EINVAL;
		else if (writev(fd, iov, 2) != (ssize_t)(len + 1))
			rc = -EPROTO;
		else
			rc = read_reply(fd, deadline, r);
	}
	close(fd);
	if (rc < 0)
		fw_bird_reply_free(r);
	return rc;
}

/* A command whose reply only says done or not; logs a failure. */
static int bird_do(struct fw_bird *b, const char *cmd)
{
	struct fw_bird_reply r;
	int rc = fw_bird_query(b, cmd, &r);

	if (rc < 0) {
		TLOG_ERR("bgp: BIRD did not answer `%s`: %s", cmd, strerror(-rc));
		return rc;
	}
	if (r.last_code >= 8000) {
		TLOG_ERR("bgp: BIRD refused `%s`: %s", cmd, r.n ? r.v[r.n - 1].text : "");
		rc = -EIO;
	}
	fw_bird_reply_free(&r);
	return rc;
}

/* ---- announce state ----------------------------------------------------------------- */

static struct vip_ent *vip_named(const struct fw_bird *b, const char *name)
{
	for (size_t i = 0; i < b->nvips; i++)
		if (strcmp(b->vips[i].name, name) == 0)
			return &b->vips[i];
	return NULL;
}

static int vip_slot(const struct fw_state *st, const struct vip_ent *v)
{
	struct fw_ip6 a6;
	uint32_t a4;

	if (v->addr.family == AF_INET6) {
		memcpy(a6.b, v->addr.b, sizeof(a6.b));
		return fw_state_vip6_slot(st, &a6, v->l4, v->port);
	}
	memcpy(&a4, v->addr.b, sizeof(a4));
	return fw_state_vip_slot(st, a4, v->l4, v->port);
}

/* Whether VIP v should be announced now; *why says why not. */
static int vip_wanted(const struct fw_bird *b, const struct vip_ent *v, const char **why)
{
	const struct fw_state *st = fw_ctl_state(b->ctl);
	int slot, usable = 0;

	*why = "";
	if (v->no_announce)
		*why = "no-announce is configured";
	else if (b->stopping)
		*why = "Tula is stopping";
	else if (!fw_dp_running(b->dp))
		*why = "the data path is not running";
	else if (b->draining)
		*why = "drained (request system drain)";
	else if (st == NULL || (slot = vip_slot(st, v)) < 0)
		*why = "not installed in the data path";
	else {
		const struct fw_state_vip *sv = &st->vips[slot];

		for (uint16_t i = 0; i < sv->nb_backends; i++)
			usable += st->backends[sv->backends[i]].usable;
		if (usable > 0 && b->health != NULL && fw_health_vip_up(b->health, v->name) == 0)
			usable = 0;
		if (usable == 0)
			*why = "no usable backend (all down by health check, or without a MAC)";
	}
	return **why == '\0';
}

static int announced_cb(void *arg, const char *vip)
{
	const struct vip_ent *v = vip_named(arg, vip);

	return v != NULL && v->announced;
}

/* Bring BIRD's statics in line with what should be announced; log each change. With
 * force, send every VIP's state (after BIRD (re)started or reconfigured). */
static void sync_vips(struct fw_bird *b, int force)
{
	char cmd[FW_BIRD_NAME_MAX + 16], ip[DB_ADDR_STRLEN];

	for (size_t i = 0; i < b->nvips; i++) {
		struct vip_ent *v = &b->vips[i];
		const char *why;
		int want = vip_wanted(b, v, &why);

		v->why = why;
		if (v->no_announce || (want == v->announced && !force))
			continue;
		if (b->ready) {
			snprintf(cmd, sizeof(cmd), "%s %s", want ? "enable" : "disable", v->proto);
			if (bird_do(b, cmd) < 0)
				continue; /* tried again next tick */
		}
		if (want != v->announced) {
			if (want)
				TLOG_NOTICE("bgp: VIP %s (%s/%u) announced", v->name,
					    ip_str(&v->addr, ip), db_addr_bits(&v->addr));
			else
				TLOG_NOTICE("bgp: VIP %s (%s/%u) withdrawn: %s", v->name,
					    ip_str(&v->addr, ip), db_addr_bits(&v->addr), why);
		}
		v->announced = want;
	}
}

/* ---- the process ---------------------------------------------------------------------- */

static void bird_start(struct fw_bird *b);

static int write_file(const char *path, const struct tula_buf *buf)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return -errno;
	ok = fwrite(buf->data, 1, buf->len, f) == buf->len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) < 0) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}

static void on_bird_stderr(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct fw_bird *b = arg;
	ssize_t n;
	char *nl;

	(void)loop;
	(void)events;
	n = read(fd, b->errbuf + b->errlen, sizeof(b->errbuf) - 1 - b->errlen);
	if (n <= 0) {
		tula_loop_del_fd(b->loop, fd);
		close(fd);
		b->errfd = -1;
		b->errlen = 0;
		return;
	}
	b->errlen += (size_t)n;
	b->errbuf[b->errlen] = '\0';
	while ((nl = strchr(b->errbuf, '\n')) != NULL || b->errlen == sizeof(b->errbuf) - 1) {
		size_t take = nl ? (size_t)(nl - b->errbuf) + 1 : b->errlen;

		if (nl != NULL)
			*nl = '\0';
		TLOG_INFO("bird: %s", b->errbuf);
		memmove(b->errbuf, b->errbuf + take, b->errlen - take);
		b->errlen -= take;
		b->errbuf[b->errlen] = '\0';
	}
}

static void reap(struct fw_bird *b, int status)
{
	if (b->stopping || !b->configured)
		TLOG_NOTICE("bgp: BIRD (pid %d) stopped", (int)b->pid);
	else if (WIFEXITED(status))
		TLOG_ERR("bgp: BIRD (pid %d) exited with status %d", (int)b->pid,
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		TLOG_ERR("bgp: BIRD (pid %d) was killed by signal %d (%s)", (int)b->pid,
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	tula_loop_del_fd(b->loop, b->pidfd);
	close(b->pidfd);
	b->pidfd = -1;
	b->pid = 0;
	b->ready = 0;
}

static void on_bird_exit(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct fw_bird *b = arg;
	int status = 0;

	(void)loop;
	(void)fd;
	(void)events;
	if (waitpid(b->pid, &status, WNOHANG) <= 0)
		return;
	reap(b, status);
	if (b->configured && !b->stopping) {
		TLOG_NOTICE("bgp: starting BIRD again in %d ms", RESTART_MS);
		tula_timer_arm(b->restart, RESTART_MS, 0);
	}
}

static void on_restart(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_bird *b = arg;

	(void)loop;
	(void)t;
	if (b->pid != 0 && !b->configured) {
		TLOG_WARNING("bgp: BIRD (pid %d) did not stop in %d ms: killing it", (int)b->pid,
			     STOP_MS);
		kill(b->pid, SIGKILL);
		return; /* on_bird_exit reaps it */
	}
	if (b->pid == 0 && b->configured && !b->stopping) {
		b->restarts++;
		bird_start(b);
	}
}

/* Run argv with stderr collected into out; the child dies with Tula. Returns the wait
 * status, or -errno. */
static pid_t spawn(const char *const argv[], int errfd)
{
	pid_t parent = getpid(), pid;

	pid = fork();
	if (pid != 0)
		return pid < 0 ? -errno : pid;
	/* The child: only async-signal-safe calls until exec. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127); /* Tula died before the death signal was armed */
	{
		sigset_t none;
		int null = open("/dev/null", O_RDWR);

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL); /* Tula blocks SIGTERM/SIGINT */
		signal(SIGPIPE, SIG_DFL);
		if (null >= 0) {
			dup2(null, 0);
			dup2(errfd >= 0 ? errfd : null, 1);
		}
		if (errfd >= 0)
			dup2(errfd, 2);
		syscall(SYS_close_range, 3u, ~0u, 0u);
	}
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

static void bird_start(struct fw_bird *b)
{
	struct tula_buf conf = TULA_BUF_INIT;
	int errp[2] = {-1, -1};
	const char *argv[] = {b->bird, "-f", "-c", b->conf_path, "-s", b->sock_path, NULL};
	pid_t pid;
	int rc;

	/* Fresh configuration with what is announced right now. */
	rc = fw_bird_render(db_active_effective(b->db), announced_cb, b, &conf, NULL, 0, NULL,
			    NULL);
	if (rc == 0)
		rc = write_file(b->conf_path, &conf);
	tula_buf_free(&conf);
	if (rc < 0) {
		TLOG_ERR("bgp: cannot write %s: %s", b->conf_path, strerror(-rc));
		goto retry;
	}
	unlink(b->sock_path);
	if (pipe2(errp, O_CLOEXEC) < 0) {
		rc = -errno;
		TLOG_ERR("bgp: cannot start BIRD: pipe: %s", strerror(-rc));
		goto retry;
	}
	pid = spawn(argv, errp[1]);
	close(errp[1]);
	if (pid < 0) {
		close(errp[0]);
		TLOG_ERR("bgp: cannot start BIRD: fork: %s", strerror((int)-pid));
		goto retry;
	}
	b->pid = pid;
	b->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (b->pidfd < 0 ||
	    tula_loop_add_fd(b->loop, b->pidfd, TULA_EV_READ, on_bird_exit, b) < 0) {
		TLOG_ERR("bgp: cannot watch BIRD (pid %d): %s", (int)pid, strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (b->pidfd >= 0)
			close(b->pidfd);
		b->pidfd = -1;
		b->pid = 0;
		close(errp[0]);
		goto retry;
	}
	fcntl(errp[0], F_SETFL, O_NONBLOCK);
	if (b->errfd >= 0) {
		tula_loop_del_fd(b->loop, b->errfd);
		close(b->errfd);
	}
	b->errfd = errp[0];
	b->errlen = 0;
	tula_loop_add_fd(b->loop, b->errfd, TULA_EV_READ, on_bird_stderr, b);
	TLOG_NOTICE("bgp: BIRD started (pid %d, %s, control socket %s)", (int)pid, b->conf_path,
		    b->sock_path);
	return;
retry:
	tula_timer_arm(b->restart, RESTART_MS, 0);
}

static void on_pump(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_bird *b = arg;

	(void)t;
	if (b->pump_until_exit && b->pid != 0 && tula_now_ms() < b->pump_deadline)
		return;
	tula_loop_stop(loop);
}

/*
 * Shutdown only (the event loop has returned): run it again for up to ms, so that what
 * BIRD sends — withdrawals, its Cease, the FIN — leaves through the TAP, which the loop
 * serves. With until_exit, stop as soon as BIRD has exited (on_bird_exit reaps it).
 */
static void pump(struct fw_bird *b, uint64_t ms, int until_exit)
{
	struct tula_timer *t = tula_timer_new(b->loop, on_pump, b);

	if (t == NULL)
		return;
	b->pump_until_exit = until_exit;
	b->pump_deadline = tula_now_ms() + ms;
	tula_timer_arm(t, until_exit ? 10 : ms, until_exit ? 10 : 0);
	tula_loop_run(b->loop);
	tula_timer_free(t);
}

/*
 * Ask BIRD to close its sessions (a Cease: the peers withdraw at once) and exit. At
 * shutdown (pumping) the VIPs' withdrawals go out first and this waits for BIRD;
 * otherwise (protocols bgp removed) on_bird_exit reaps it later and on_restart kills it
 * if it takes longer than STOP_MS.
 */
static void bird_stop(struct fw_bird *b, int pumping)
{
	if (b->restart != NULL)
		tula_timer_disarm(b->restart);
	if (b->pid == 0)
		return;
	if (pumping && b->ready)
		pump(b, 300, 0);
	if (!b->ready || bird_do(b, "down") < 0)
		kill(b->pid, SIGTERM);
	if (!pumping) {
		tula_timer_arm(b->restart, STOP_MS, 0);
		return;
	}
	pump(b, STOP_MS, 1);
	if (b->pid == 0) {
		pump(b, 200, 0);
		return;
	}
	TLOG_WARNING("bgp: BIRD (pid %d) did not stop in %d ms: killing it", (int)b->pid, STOP_MS);
	kill(b->pid, SIGKILL);
	{
		int status;

		waitpid(b->pid, &status, 0);
		reap(b, status);
	}
}

static void on_tick(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct fw_bird *b = arg;

	(void)loop;
	(void)t;
	if (!b->configured)
		return;
	if (b->pid != 0 && !b->ready) {
		struct fw_bird_reply r;

		if (fw_bird_query(b, "show status", &r) == 0) {
			fw_bird_reply_free(&r);
			b->ready = 1;
			size_t n = 0;

			for (size_t i = 0; i < b->nvips; i++)
				n += b->vips[i].announced;
			TLOG_NOTICE("bgp: BIRD (pid %d) answers on %s: %zu VIP(s) announced",
				    (int)b->pid, b->sock_path, n);
			sync_vips(b, 1);
			return;
		}
	}
	sync_vips(b, 0);
}

/* ---- the active configuration --------------------------------------------------------- */

static void load_model(struct fw_bird *b, const struct db_node *cfg)
{
	const struct db_node *bgp = db_node_get(cfg, "protocols bgp");
	const struct db_node *dsr = db_node_get(cfg, "services dsr");
	struct vip_ent *vips = NULL;
	struct peer_ent *peers = NULL;
	size_t nv = 0, np = 0;

	b->configured = bgp != NULL;
	b->local_as = 0;
	if (bgp != NULL) {
		db_get_uint(bgp, "local-as", &b->local_as);
		for (const struct db_node *g = db_node_first(bgp, "group"); g; g = db_node_next(g))
			np += db_node_count(g, "neighbor");
	}
	nv = db_node_count(dsr, "vip");
	vips = calloc(nv ? nv : 1, sizeof(*vips));
	peers = calloc(np ? np : 1, sizeof(*peers));
	if (vips == NULL || peers == NULL) {
		free(vips);
		free(peers);
		TLOG_ERR("bgp: out of memory reading the configuration");
		return;
	}
	nv = 0;
	for (const struct db_node *v = db_node_first(dsr, "vip"); v; v = db_node_next(v)) {
		struct vip_ent *e = &vips[nv];
		const struct vip_ent *old = vip_named(b, db_node_key(v));
		const char *p = db_get_str(v, "protocol");

		snprintf(e->name, sizeof(e->name), "%s", db_node_key(v));
		fw_bird_vip_proto(e->name, e->proto, sizeof(e->proto));
		db_get_addr(v, "address", &e->addr);
		e->l4 = p != NULL && strcmp(p, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
		db_get_port(v, "port", &e->port);
		e->no_announce = db_get_flag(v, "no-announce") || bgp == NULL;
		e->has_med = db_get_uint(v, "med", &e->med) == 0;
		for (const struct db_node *c = db_node_first(v, "community"); c;
		     c = db_node_next(c))
			snprintf(e->comms + strlen(e->comms), sizeof(e->comms) - strlen(e->comms),
				 "%s%s", e->comms[0] ? " " : "", db_node_key(c));
		/* A VIP keeps its state across commits; a new one starts withdrawn. */
		e->announced = old != NULL && old->announced && !e->no_announce;
		e->why = "";
		nv++;
	}
	np = 0;
	for (const struct db_node *g = bgp ? db_node_first(bgp, "group") : NULL; g;
	     g = db_node_next(g)) {
		uint32_t pas = 0;

		db_get_uint(g, "peer-as", &pas);
		for (const struct db_node *n = db_node_first(g, "neighbor"); n;
		     n = db_node_next(n)) {
			struct peer_ent *e = &peers[np++];

			db_parse_addr(db_node_key(n), &e->addr);
			fw_bird_peer_proto(&e->addr, e->proto, sizeof(e->proto));
			snprintf(e->group, sizeof(e->group), "%s", db_node_key(g));
			e->peer_as = pas;
			e->bfd = db_get_flag(g, "bfd");
		}
	}
	free(b->vips);
	free(b->peers);
	b->vips = vips;
	b->nvips = nv;
	b->peers = peers;
	b->npeers = np;
}

/* ---- the commit hook ----------------------------------------------------------------- */

/* Run `bird -p -c path`: 0 when BIRD accepts it, else -EINVAL with its complaint. */
static int bird_check(struct fw_bird *b, const char *path, char *msg, size_t len)
{
	const char *argv[] = {b->bird, "-p", "-c", path, NULL};
	int errp[2], status = 0;
	size_t got = 0;
	uint64_t deadline = tula_now_ms() + CHECK_MS;
	pid_t pid;

	msg[0] = '\0';
	if (pipe2(errp, O_CLOEXEC) < 0)
		return -errno;
	pid = spawn(argv, errp[1]);
	close(errp[1]);
	if (pid < 0) {
		close(errp[0]);
		return (int)pid;
	}
	for (;;) {
		struct pollfd pfd = {.fd = errp[0], .events = POLLIN};
		uint64_t now = tula_now_ms();
		ssize_t n;

		if (now >= deadline) {
			kill(pid, SIGKILL);
			snprintf(msg, len, "bird -p did not finish in %d ms", CHECK_MS);
			break;
		}
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		n = read(errp[0], msg + got, len - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		msg[got] = '\0';
		if (got == len - 1)
			break;
	}
	close(errp[0]);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && msg[0] == '\0')
		snprintf(msg, len, "cannot run %s (install bird2)", b->bird);
	return -EINVAL;
}

static int hook_prepare(struct db_commit *c, void *arg)
{
	struct fw_bird *b = arg;
	struct tula_buf conf = TULA_BUF_INIT;
	struct fw_bird_line *lines = calloc(MAX_RENDER_LINES, sizeof(*lines));
	char why_path[FW_BIRD_PATH_MAX] = "", why[FW_BIRD_WHY_MAX] = "", msg[1024];
	int rc;

	b->staged = 0;
	if (lines == NULL)
		return db_commit_error(c, "protocols bgp", "out of memory");
	rc = fw_bird_render(db_commit_new(c), announced_cb, b, &conf, lines, MAX_RENDER_LINES,
			    why_path, why);
	if (rc == -ENOENT) {
		rc = 0; /* no BGP: BIRD stops at apply */
		goto out;
	}
	if (rc == -EINVAL) {
		rc = db_commit_error(c, why_path, "%s", why);
		goto out;
	}
	if (rc == 0)
		rc = write_file(b->new_path, &conf);
	if (rc < 0) {
		rc = db_commit_error(c, "protocols bgp", "cannot write %s: %s", b->new_path,
				     strerror(-rc));
		goto out;
	}
	rc = bird_check(b, b->new_path, msg, sizeof(msg));
	if (rc < 0) {
		/* "bird: FILE:LINE:COL what" -> the path line LINE came from */
		const char *p = strstr(msg, b->new_path);
		unsigned long line = 0;
		const char *what = msg;
		char *end;

		if (p != NULL && p[strlen(b->new_path)] == ':') {
			line = strtoul(p + strlen(b->new_path) + 1, &end, 10);
			if (*end == ':')
				strtoul(end + 1, &end, 10);
			what = end;
			while (*what == ' ')
				what++;
		}
		msg[strcspn(msg, "\n")] = '\0';
		rc = db_commit_error(c,
				     line >= 1 && line <= MAX_RENDER_LINES &&
						     lines[line - 1].path[0]
					     ? lines[line - 1].path
					     : "protocols bgp",
				     "BIRD refuses it: %s", what);
		unlink(b->new_path);
		goto out;
	}
	b->staged = 1;
out:
	free(lines);
	tula_buf_free(&conf);
	return rc;
}

static void hook_abort(struct db_commit *c, void *arg)
{
	struct fw_bird *b = arg;

	(void)c;
	if (b->staged)
		unlink(b->new_path);
	b->staged = 0;
}

static void hook_apply(struct db_commit *c, void *arg)
{
	struct fw_bird *b = arg;
	char cmd[PATH_MAX + 16];

	load_model(b, db_commit_new(c));
	if (!b->configured) {
		if (b->pid != 0) {
			TLOG_NOTICE("bgp: protocols bgp removed: stopping BIRD");
			sync_vips(b, 0);
			bird_stop(b, 0);
		}
		return;
	}
	if (b->staged && rename(b->new_path, b->conf_path) < 0)
		TLOG_ERR("bgp: cannot install %s: %s", b->conf_path, strerror(errno));
	b->staged = 0;
	if (b->pid == 0) {
		bird_start(b);
		return;
	}
	if (b->ready) {
		snprintf(cmd, sizeof(cmd), "configure \"%s\"", b->conf_path);
		if (bird_do(b, cmd) == 0)
			TLOG_INFO("bgp: BIRD reconfigured");
		sync_vips(b, 1);
	}
}

static const struct db_hook hook = {
	.name = "bgp",
	.prepare = hook_prepare,
	.apply = hook_apply,
	.abort = hook_abort,
};

/* ---- views and drain ------------------------------------------------------------------ */

int fw_bird_configured(const struct fw_bird *b)
{
	return b->configured;
}

int fw_bird_pid(const struct fw_bird *b)
{
	return b->ready ? (int)b->pid : 0;
}

unsigned fw_bird_restarts(const struct fw_bird *b)
{
	return b->restarts;
}

size_t fw_bird_vips(const struct fw_bird *b, void (*fn)(void *arg, const struct fw_bird_vip *v),
		    void *arg)
{
	for (size_t i = 0; fn != NULL && i < b->nvips; i++) {
		const struct vip_ent *e = &b->vips[i];
		const char *why = e->why;
		struct fw_bird_vip v = {
			.name = e->name,
			.addr = e->addr,
			.proto = e->proto,
			.announced = e->announced && b->ready,
			.med = e->med,
			.has_med = e->has_med,
			.communities = e->comms,
		};

		vip_wanted(b, e, &why);
		if (e->announced && !b->ready)
			why = "BIRD is not running";
		v.why = v.announced ? "" : why;
		fn(arg, &v);
	}
	return b->nvips;
}

size_t fw_bird_peers(const struct fw_bird *b, void (*fn)(void *arg, const struct fw_bird_peer *p),
		     void *arg)
{
	for (size_t i = 0; fn != NULL && i < b->npeers; i++) {
		const struct peer_ent *e = &b->peers[i];
		struct fw_bird_peer p = {e->addr,    e->proto,	  e->group,
					 e->peer_as, b->local_as, e->bfd};

		fn(arg, &p);
	}
	return b->npeers;
}

void fw_bird_drain(struct fw_bird *b, int on)
{
	if (b->draining == on)
		return;
	b->draining = on;
	TLOG_NOTICE("bgp: %s", on ? "drain: withdrawing every VIP" : "undrain: announcing again");
	sync_vips(b, 0);
}

int fw_bird_draining(const struct fw_bird *b)
{
	return b->draining;
}

uint64_t fw_bird_vip_packets(struct fw_bird *b)
{
	const struct fw_state *st = fw_ctl_state(b->ctl);
	uint64_t sum = 0;

	for (uint32_t s = 0; st != NULL && s < st->max_vips; s++) {
		struct fw_obj_counters c;

		if (st->vips[s].gen != 0 && fw_dp_counters_vip(b->dp, s, &c) == 0)
			sum += c.packets;
	}
	return sum;
}

struct tula_loop *fw_bird_loop(const struct fw_bird *b)
{
	return b->loop;
}

/* ---- life cycle ------------------------------------------------------------------------ */

static void find_bird(const char *name, char *out, size_t len)
{
	const char *path = getenv("PATH");

	snprintf(out, len, "%s", name);
	if (strchr(name, '/') != NULL)
		return;
	/* exec happens after fork, where searching PATH is not safe: resolve it now */
	if (path == NULL || *path == '\0')
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path != '\0') {
		size_t n = strcspn(path, ":");
		char cand[PATH_MAX];

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, path, name);
		if (access(cand, X_OK) == 0) {
			snprintf(out, len, "%s", cand);
			return;
		}
		path += n + (path[n] == ':');
	}
	/* not on PATH: try sbin, where Debian puts bird */
	snprintf(out, len, "/usr/sbin/%s", name);
}

struct fw_bird *fw_bird_new(const struct fw_bird_conf *conf)
{
	struct fw_bird *b = calloc(1, sizeof(*b));
	int rc;

	if (b == NULL)
		return NULL;
	b->loop = conf->loop;
	b->db = conf->db;
	b->ctl = conf->ctl;
	b->dp = conf->dp;
	b->health = conf->health;
	b->pidfd = -1;
	b->errfd = -1;
	find_bird(conf->bird ? conf->bird : "bird", b->bird, sizeof(b->bird));
	snprintf(b->conf_path, sizeof(b->conf_path), "%s/bird.conf", conf->run_dir);
	snprintf(b->new_path, sizeof(b->new_path), "%s/bird.conf.new", conf->run_dir);
	if ((size_t)snprintf(b->sock_path, sizeof(b->sock_path), "%s/bird.ctl", conf->run_dir) >=
	    sizeof(b->sock_path)) {
		free(b);
		errno = ENAMETOOLONG;
		return NULL;
	}
	b->tick = tula_timer_new(conf->loop, on_tick, b);
	b->restart = tula_timer_new(conf->loop, on_restart, b);
	if (b->tick == NULL || b->restart == NULL) {
		fw_bird_free(b);
		errno = ENOMEM;
		return NULL;
	}
	rc = db_commit_hook_register(conf->db, &hook, b);
	if (rc < 0) {
		fw_bird_free(b);
		errno = -rc;
		return NULL;
	}
	tula_timer_arm(b->tick, TICK_MS, TICK_MS);
	return b;
}

void fw_bird_free(struct fw_bird *b)
{
	if (b == NULL)
		return;
	b->stopping = 1;
	sync_vips(b, 0); /* withdraw (logged) while the workers still forward */
	bird_stop(b, 1);
	if (b->db != NULL)
		db_commit_hook_unregister(b->db, &hook, b);
	tula_timer_free(b->tick);
	tula_timer_free(b->restart);
	if (b->errfd >= 0) {
		tula_loop_del_fd(b->loop, b->errfd);
		close(b->errfd);
	}
	free(b->vips);
	free(b->peers);
	free(b);
}
