/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI server: a UNIX stream socket on the control thread's loop, one session per
 * connection. Who is calling comes from SO_PEERCRED (never from what the client
 * says): uid -> login name -> class from the active configuration's `system login
 * user NAME class CLASS`; root and the daemon's own uid are super-users. Requests run
 * to completion on the loop thread; output is queued per session and written as the
 * socket drains, so a slow client never blocks the loop.
 */
#include "shell/sh_session.h"

#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db.h"
#include "shell/sh_proto.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define READ_CHUNK 65536

struct req_reg {
	sh_request_fn fn;
	void *arg;
};

static struct {
	int started;
	struct tula_loop *loop;
	struct db *db;
	struct sh_server_opts opts;
	char *socket_path;
	char *scripts_dir;
	char *host_name;
	int lfd;
	uint32_t next_id;
	LIST_HEAD(, sh_session) sessions;
	struct req_reg reqs[SH_MSG_REQ_MAX + 1];
	char host[256];
	struct tula_timer *idle_timer; /* idle_check, every second */
} S = {.lfd = -1};

struct db *sh_db(void)
{
	return S.db;
}

struct db *sh_server_db(void)
{
	return S.db;
}

struct tula_loop *sh_loop(void)
{
	return S.loop;
}

struct tula_loop *sh_server_loop(void)
{
	return S.loop;
}

int sh_session_interactive(const struct sh_session *s)
{
	return s != NULL && s->interactive;
}

const struct sh_server_opts *sh_opts(void)
{
	return &S.opts;
}

struct sh_session *sh_sessions_first(void)
{
	return LIST_FIRST(&S.sessions);
}

struct sh_session *sh_sessions_next(struct sh_session *s)
{
	return LIST_NEXT(s, link);
}

const char *sh_host_name(void)
{
	const char *h = NULL;

	if (S.db != NULL)
		h = db_get_str(db_node_find(db_active(S.db), "system", NULL), "host-name");
	if (h != NULL && h[0] != '\0')
		return h;
	if (S.opts.host_name != NULL)
		return S.opts.host_name;
	if (S.host[0] == '\0' && gethostname(S.host, sizeof(S.host) - 1) < 0)
		snprintf(S.host, sizeof(S.host), "tula");
	return S.host;
}

const char *sh_session_user(const struct sh_session *s)
{
	return s->user;
}

enum sh_level sh_session_level(const struct sh_session *s)
{
	return s->level;
}

uid_t sh_session_uid(const struct sh_session *s)
{
	return s->uid;
}

/* --- output ----------------------------------------------------------------------- */

static void session_free(struct sh_session *s);

static void flush(struct sh_session *s)
{
	while (s->out_off < s->out.len) {
		ssize_t n = send(s->fd, s->out.data + s->out_off, s->out.len - s->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				tula_loop_mod_fd(S.loop, s->fd, TULA_EV_READ | TULA_EV_WRITE);
				return;
			}
			s->dead = 1; /* the peer left: reading will see it too */
			s->out_off = s->out.len;
			break;
		}
		s->out_off += (size_t)n;
	}
	tula_buf_reset(&s->out);
	s->out_off = 0;
	tula_loop_mod_fd(S.loop, s->fd, TULA_EV_READ);
}

static void send_msg(struct sh_session *s, uint32_t type, const void *a, size_t alen, const void *b,
		     size_t blen)
{
	struct sh_msg_hdr h = {.type = type, .len = (uint32_t)(alen + blen)};

	tula_buf_add(&s->out, &h, sizeof(h));
	if (alen > 0)
		tula_buf_add(&s->out, a, alen);
	if (blen > 0)
		tula_buf_add(&s->out, b, blen);
}

/*
 * Command output: one OUTPUT message per SH_OUTPUT_CHUNK bytes, so a large view (a
 * thousand VIPs in JSON) never exceeds the protocol's message limit; the client prints
 * the pieces in order.
 */
#define SH_OUTPUT_CHUNK (1u << 20)
static void send_output(struct sh_session *s, const struct sh_output *o, const char *text,
			size_t len)
{
	size_t off = 0;

	if (len == 0) {
		send_msg(s, SH_MSG_OUTPUT, o, sizeof(*o), NULL, 0);
		return;
	}
	do {
		size_t n = len - off > SH_OUTPUT_CHUNK ? SH_OUTPUT_CHUNK : len - off;

		send_msg(s, SH_MSG_OUTPUT, o, sizeof(*o), text + off, n);
		off += n;
	} while (off < len);
}

/* The output header with the session's `set cli screen-*` (screen-length 0: no pager). */
static struct sh_output out_hdr(const struct sh_session *s)
{
	struct sh_output o = {0};

	if (s->screen_length == 0)
		o.flags |= SH_OUT_NO_MORE;
	else if (s->screen_length > 0)
		o.screen_length = (uint16_t)s->screen_length;
	if (s->screen_width > 0)
		o.screen_width = (uint16_t)s->screen_width;
	return o;
}

void sh_session_output(struct sh_session *s, const char *text, size_t len)
{
	struct sh_output o = out_hdr(s);

	if (len > 0)
		send_output(s, &o, text, len);
}

void sh_session_error(struct sh_session *s, const char *text, size_t len)
{
	if (len > 0)
		send_msg(s, SH_MSG_ERROR, text, len, NULL, 0);
}

static void prompt_of(const struct sh_session *s, struct sh_done *d)
{
	size_t i, n;

	snprintf(d->prompt, sizeof(d->prompt), "%s@%s%c ", s->user, sh_host_name(),
		 s->mode == SH_MODE_CONF ? '#' : '>');
	d->banner[0] = '\0';
	if (s->mode != SH_MODE_CONF)
		return;
	n = (size_t)snprintf(d->banner, sizeof(d->banner), "[edit");
	for (i = 0; i < s->nedit && n < sizeof(d->banner); i++)
		n += (size_t)snprintf(d->banner + n, sizeof(d->banner) - n, " %s", s->edit[i]);
	if (n < sizeof(d->banner) - 1)
		snprintf(d->banner + n, sizeof(d->banner) - n, "]");
}

void sh_session_done(struct sh_session *s, int status)
{
	struct sh_done d = {.status = status};

	s->in_request = 0;
	prompt_of(s, &d);
	if (s->closing)
		d.flags |= SH_DONE_CLOSE;
	send_msg(s, SH_MSG_DONE, &d, sizeof(d), NULL, 0);
	flush(s);
}

void sh_session_close_after(struct sh_session *s)
{
	s->closing = 1;
}

static void level_free(struct sh_edit_level *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->words[i]);
	free(l->words);
	l->words = NULL;
	l->n = 0;
}

void sh_session_leave_conf(struct sh_session *s)
{
	size_t i;

	db_session_close(s->dbs);
	s->dbs = NULL;
	for (i = 0; i < s->nedit; i++)
		free(s->edit[i]);
	s->nedit = 0;
	for (i = 0; i < s->nback; i++)
		level_free(&s->back[i]);
	s->nback = 0;
	s->mode = SH_MODE_OPER;
}

int sh_session_push_level(struct sh_session *s)
{
	struct sh_edit_level l = {.words = calloc(s->nedit + 1, sizeof(char *))};

	if (l.words == NULL)
		return -ENOMEM;
	for (l.n = 0; l.n < s->nedit; l.n++) {
		l.words[l.n] = strdup(s->edit[l.n]);
		if (l.words[l.n] == NULL) {
			level_free(&l);
			return -ENOMEM;
		}
	}
	if (s->nback == SH_EDIT_BACK) {
		level_free(&s->back[0]);
		memmove(&s->back[0], &s->back[1], (SH_EDIT_BACK - 1) * sizeof(s->back[0]));
		s->nback--;
	}
	s->back[s->nback++] = l;
	return 0;
}

int sh_session_pop_level(struct sh_session *s)
{
	struct sh_edit_level *l;
	int rc;

	if (s->nback == 0)
		return -ENOENT;
	l = &s->back[s->nback - 1];
	rc = sh_session_set_edit(s, (const char *const *)l->words, l->n);
	if (rc == 0) {
		level_free(l);
		s->nback--;
	}
	return rc;
}

int sh_session_set_edit(struct sh_session *s, const char *const *words, size_t n)
{
	char *copy[SH_EDIT_MAX];
	size_t i;

	if (n > SH_EDIT_MAX)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		copy[i] = strdup(words[i]);
		if (copy[i] == NULL) {
			while (i-- > 0)
				free(copy[i]);
			return -ENOMEM;
		}
	}
	for (i = 0; i < s->nedit; i++)
		free(s->edit[i]);
	memcpy(s->edit, copy, n * sizeof(copy[0]));
	s->nedit = n;
	if (s->dbs != NULL) {
		struct tula_buf w = TULA_BUF_INIT;

		/* s->edit: words may have pointed into the level just freed */
		for (i = 0; i < n; i++)
			tula_buf_printf(&w, "%s%s", i ? " " : "", s->edit[i]);
		db_session_set_where(s->dbs, tula_buf_str(&w));
		tula_buf_free(&w);
	}
	return 0;
}

/* --- commands ---------------------------------------------------------------------- */

static struct sh_env env_of(struct sh_session *s)
{
	struct sh_env env = {.mode = s->mode, .level = s->level, .sess = s};

	return env;
}

/* Send what a finished (or suspended) command produced. */
static void flush_ctx(struct sh_session *s)
{
	struct sh_ctx *ctx = s->ctx;
	struct sh_output o = out_hdr(s);

	if (ctx->pending == SH_PENDING_ASK) {
		struct sh_ask a = {.default_yes = (uint32_t)ctx->default_yes};

		snprintf(a.question, sizeof(a.question), "%s", ctx->question);
		if (ctx->out.len > 0) /* what the command printed before asking */
			send_output(s, &o, ctx->out.data, ctx->out.len);
		tula_buf_reset(&ctx->out);
		send_msg(s, SH_MSG_ASK, &a, sizeof(a), NULL, 0);
		flush(s);
		return;
	}
	if (ctx->pending == SH_PENDING_WAIT)
		return; /* the handler finishes later: sh_ctx_resume() calls resumed() */
	if (ctx->pending == SH_PENDING_TEXT) {
		if (ctx->out.len > 0)
			send_output(s, &o, ctx->out.data, ctx->out.len);
		tula_buf_reset(&ctx->out);
		send_msg(s, SH_MSG_READ_TEXT, ctx->question, strlen(ctx->question), NULL, 0);
		flush(s);
		return;
	}
	if (ctx->pending == SH_PENDING_READ_FILE || ctx->pending == SH_PENDING_WRITE_FILE) {
		if (ctx->out.len > 0)
			send_output(s, &o, ctx->out.data, ctx->out.len);
		tula_buf_reset(&ctx->out);
		if (ctx->pending == SH_PENDING_READ_FILE) {
			send_msg(s, SH_MSG_READ_FILE, ctx->question, strlen(ctx->question), NULL,
				 0);
		} else {
			struct sh_file_write w = {.path_len = (uint32_t)strlen(ctx->question)};
			struct tula_buf b = TULA_BUF_INIT;

			tula_buf_add(&b, &w, sizeof(w));
			tula_buf_add(&b, ctx->question, w.path_len);
			send_msg(s, SH_MSG_WRITE_FILE, b.data, b.len, ctx->file.data,
				 ctx->file.len);
			tula_buf_free(&b);
		}
		flush(s);
		return;
	}
	if (ctx->no_more)
		o.flags |= SH_OUT_NO_MORE;
	sh_session_error(s, ctx->warn.data, ctx->warn.len);
	if (ctx->out.len > 0)
		send_output(s, &o, ctx->out.data, ctx->out.len);
	if (ctx->failed)
		sh_session_error(s, ctx->err.data, ctx->err.len);
	if (s->dbs != NULL)
		db_session_sync(s->dbs); /* a crash loses no edit */
	sh_session_done(s, ctx->failed ? -EINVAL : 0);
	sh_ctx_fini(ctx);
	free(ctx);
	s->ctx = NULL;
}

/* A deferred command finished (sh_ctx_resume): send its output, end the request. */
static void resumed(struct sh_ctx *ctx)
{
	struct sh_session *s = ctx->sess;

	if (s == NULL || s->ctx != ctx)
		return;
	flush_ctx(s);
}

/*
 * A deferred command's output so far (sh_ctx_progress, sh_ctx_stream): sent now unless
 * the client has not read the last SH_STREAM_BACKLOG bytes yet; marked live while the
 * operator can stop the command with q (sh_ctx_on_stop).
 */
static int streamed(struct sh_ctx *ctx)
{
	struct sh_session *s = ctx->sess;
	struct sh_output o = {.flags = SH_OUT_NO_MORE};

	if (s == NULL || s->ctx != ctx || s->dead)
		return -EAGAIN;
	if (s->out.len - s->out_off > SH_STREAM_BACKLOG)
		return -EAGAIN;
	if (ctx->stop_fn != NULL)
		o.flags |= SH_OUT_LIVE;
	/* an empty live message still tells the client to read the operator's keys */
	if (ctx->out.len > 0 || (o.flags & SH_OUT_LIVE))
		send_output(s, &o, ctx->out.data, ctx->out.len);
	tula_buf_reset(&ctx->out);
	flush(s);
	return 0;
}

static void do_exec(struct sh_session *s, const char *line)
{
	struct sh_env env = env_of(s);

	s->ctx = malloc(sizeof(*s->ctx));
	if (s->ctx == NULL) {
		sh_session_error(s, "error: out of memory\n", 21);
		sh_session_done(s, -ENOMEM);
		return;
	}
	sh_ctx_init(s->ctx, s, 1);
	s->ctx->can_file = 1;
	s->ctx->resumed = resumed;
	s->ctx->streamed = streamed;
	sh_engine_exec(sh_engine_default(), &env, line, s->ctx);
	flush_ctx(s);
}

static void do_complete(struct sh_session *s, const char *line, size_t cursor)
{
	struct sh_cands_hdr h = {0};
	struct tula_buf err = TULA_BUF_INIT, body = TULA_BUF_INIT;
	struct sh_cands c = {0};
	struct sh_env env = env_of(s);
	size_t i;
	int rc;

	rc = sh_engine_complete(sh_engine_default(), &env, line, cursor, &c, &err);
	h.status = rc;
	h.word_start = (uint32_t)c.word_start;
	if (rc < 0) {
		tula_buf_add(&body, err.data, err.len);
	} else {
		for (i = 0; i < c.n; i++) {
			struct sh_cand_wire w = {.kind = (uint8_t)c.v[i].kind};
			size_t wl = strlen(c.v[i].word), hl = strlen(c.v[i].help);

			w.word_len = (uint16_t)(wl > 4096 ? 4096 : wl);
			w.help_len = (uint16_t)(hl > 4096 ? 4096 : hl);
			tula_buf_add(&body, &w, sizeof(w));
			tula_buf_add(&body, c.v[i].word, w.word_len);
			tula_buf_add(&body, c.v[i].help, w.help_len);
		}
		h.count = (uint32_t)c.n;
	}
	send_msg(s, SH_MSG_CANDS, &h, sizeof(h), body.data, body.len);
	flush(s);
	sh_cands_free(&c);
	tula_buf_free(&err);
	tula_buf_free(&body);
}

/* --- identification ---------------------------------------------------------------- */

static int identify(struct sh_session *s, char *why, size_t whylen)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct passwd pw, *res = NULL;
	char pwbuf[4096];

	if (getsockopt(s->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		snprintf(why, whylen, "cannot identify the caller: %s", strerror(errno));
		return -errno;
	}
	s->uid = cred.uid;
	s->pid = cred.pid;
	if (getpwuid_r(cred.uid, &pw, pwbuf, sizeof(pwbuf), &res) == 0 && res != NULL)
		snprintf(s->user, sizeof(s->user), "%s", pw.pw_name);
	else
		snprintf(s->user, sizeof(s->user), "uid%u", (unsigned)cred.uid);
	return sh_level_of_user(S.db, cred.uid, s->user, &s->level, why, whylen);
}

static unsigned per_user_max(void)
{
	return S.opts.max_sessions_per_user ? S.opts.max_sessions_per_user
					    : SH_SESSIONS_PER_USER_MAX;
}

/* Identified (greeted) sessions of uid, the console's excepted. */
static unsigned user_sessions(uid_t uid)
{
	struct sh_session *o;
	unsigned n = 0;

	LIST_FOREACH(o, &S.sessions, link)
		if (o->greeted && !o->console && o->uid == uid)
			n++;
	return n;
}

static void do_hello(struct sh_session *s, const struct sh_hello *h)
{
	struct sh_welcome w = {.version = SH_PROTO_VERSION};
	char why[256];

	if (h->version != SH_PROTO_VERSION) {
		snprintf(why, sizeof(why),
			 "protocol version %u is not supported (the daemon speaks %u): use the "
			 "tula binary of the running daemon",
			 h->version, SH_PROTO_VERSION);
		goto refuse;
	}
	if (identify(s, why, sizeof(why)) < 0)
		goto refuse;
	if (!s->console && user_sessions(s->uid) >= per_user_max()) {
		snprintf(why, sizeof(why),
			 "too many CLI sessions for %s (at most %u): close one and try again",
			 s->user, per_user_max());
		goto refuse;
	}
	s->greeted = 1;
	tula_timer_free(s->hello_timer);
	s->hello_timer = NULL;
	s->interactive = !!(h->flags & SH_HELLO_INTERACTIVE);
	s->width = h->width;
	s->height = h->height;
	memcpy(s->tty, h->tty, sizeof(s->tty));
	s->tty[sizeof(s->tty) - 1] = '\0';
	memcpy(s->from, h->from, sizeof(s->from));
	s->from[sizeof(s->from) - 1] = '\0';
	w.level = s->level;
	snprintf(w.user, sizeof(w.user), "%s", s->user);
	snprintf(w.klass, sizeof(w.klass), "%s", sh_level_name(s->level));
	snprintf(w.prompt, sizeof(w.prompt), "%s@%s> ", s->user, sh_host_name());
	send_msg(s, SH_MSG_WELCOME, &w, sizeof(w), NULL, 0);
	flush(s);
	TLOG_INFO("cli: session %u: %s (uid %u, class %s) logged in%s%s", s->id, s->user,
		  (unsigned)s->uid, sh_level_name(s->level), s->tty[0] ? " on " : "", s->tty);
	return;
refuse:
	TLOG_NOTICE("cli: refused uid %u: %s", (unsigned)s->uid, why);
	send_msg(s, SH_MSG_REFUSED, why, strlen(why), NULL, 0);
	flush(s);
	s->closing = 1;
	s->dead = 1;
}

/* --- the protocol ------------------------------------------------------------------ */

static int payload_line(const void *p, size_t len, char **line, size_t *cursor)
{
	const struct sh_line *l = p;

	if (len < sizeof(*l) || l->len != len - sizeof(*l) || l->cursor > l->len)
		return -EPROTO;
	*line = strndup((const char *)p + sizeof(*l), l->len);
	if (*line == NULL)
		return -ENOMEM;
	if (strlen(*line) != l->len) { /* an embedded NUL */
		free(*line);
		return -EPROTO;
	}
	*cursor = l->cursor;
	return 0;
}

static int dispatch(struct sh_session *s, uint32_t type, const void *p, size_t len)
{
	char *line = NULL;
	size_t cursor;
	int rc;

	s->last = time(NULL);
	if (!s->greeted) {
		if (type != SH_MSG_HELLO || len < sizeof(struct sh_hello))
			return -EPROTO;
		do_hello(s, p);
		return 0;
	}
	if (type == SH_MSG_STOP) {
		/* late (the command just ended) or for a command that cannot stop: ignored */
		if (s->ctx != NULL && s->ctx->pending == SH_PENDING_WAIT &&
		    s->ctx->stop_fn != NULL) {
			sh_cancel_fn stop = s->ctx->stop_fn;

			s->ctx->stop_fn = NULL;
			stop(s->ctx->cont_arg);
		}
		return 0;
	}
	if (s->ctx != NULL) { /* a command is waiting: only its answer may come */
		if (type == SH_MSG_ANSWER && len >= sizeof(struct sh_answer) &&
		    s->ctx->pending == SH_PENDING_ASK) {
			sh_ctx_answer(s->ctx, ((const struct sh_answer *)p)->yes != 0);
			flush_ctx(s);
			return 0;
		}
		if (type == SH_MSG_FILE && len >= sizeof(struct sh_file_status) &&
		    (s->ctx->pending == SH_PENDING_READ_FILE ||
		     s->ctx->pending == SH_PENDING_WRITE_FILE)) {
			const struct sh_file_status *fs = p;

			sh_ctx_file(s->ctx, fs->status, (const char *)(fs + 1), len - sizeof(*fs));
			flush_ctx(s);
			return 0;
		}
		if (type == SH_MSG_TEXT && s->ctx->pending == SH_PENDING_TEXT) {
			sh_ctx_text(s->ctx, p, len);
			flush_ctx(s);
			return 0;
		}
		if (type == SH_MSG_WINSIZE)
			return 0;
		return -EPROTO;
	}
	if (s->in_request && type != SH_MSG_WINSIZE)
		return -EPROTO;
	switch (type) {
	case SH_MSG_EXEC:
	case SH_MSG_COMPLETE:
	case SH_MSG_HELP:
		rc = payload_line(p, len, &line, &cursor);
		if (rc < 0)
			return rc;
		if (type == SH_MSG_EXEC)
			do_exec(s, line);
		else
			do_complete(s, line, cursor);
		free(line);
		return 0;
	case SH_MSG_WINSIZE:
		if (len >= sizeof(struct sh_winsize)) {
			s->width = ((const struct sh_winsize *)p)->width;
			s->height = ((const struct sh_winsize *)p)->height;
		}
		return 0;
	default:
		if (type <= SH_MSG_REQ_MAX && S.reqs[type].fn != NULL) {
			s->in_request = 1;
			rc = S.reqs[type].fn(s, type, p, len, S.reqs[type].arg);
			if (rc < 0 && s->in_request) {
				char msg[128];
				int n = snprintf(msg, sizeof(msg), "error: %s\n", strerror(-rc));

				sh_session_error(s, msg, (size_t)n);
				sh_session_done(s, rc);
			}
			return 0;
		}
		return -EPROTO;
	}
}

static void on_session(struct tula_loop *loop, int fd, uint32_t events, void *arg)
{
	struct sh_session *s = arg;
	size_t off = 0;
	ssize_t n;

	(void)loop;
	(void)fd;
	if (events & TULA_EV_WRITE)
		flush(s);
	if ((events & TULA_EV_READ) && !s->dead) {
		if (tula_buf_reserve(&s->in, READ_CHUNK) < 0) {
			s->dead = 1;
		} else {
			n = recv(s->fd, s->in.data + s->in.len, READ_CHUNK, MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				s->dead = 1;
			else if (n > 0)
				s->in.len += (size_t)n;
		}
	}
	while (!s->dead && s->in.len - off >= sizeof(struct sh_msg_hdr)) {
		struct sh_msg_hdr h;

		/* Handlers read the payload as its struct (sh_line, lx_run_req, ...): keep
		 * it 8-byte aligned by moving what follows an odd-sized message to the start
		 * of the buffer, which malloc aligns (found by tests/fuzz, target proto). */
		if (((uintptr_t)(s->in.data + off) & 7) != 0) {
			memmove(s->in.data, s->in.data + off, s->in.len - off);
			s->in.len -= off;
			off = 0;
		}
		memcpy(&h, s->in.data + off, sizeof(h));
		if (!s->greeted && h.len > SH_PRE_AUTH_MAX) {
			char why[128];

			snprintf(why, sizeof(why),
				 "message of %u bytes before HELLO refused (at most %u)", h.len,
				 SH_PRE_AUTH_MAX);
			TLOG_WARNING("cli: session %u: %s", s->id, why);
			send_msg(s, SH_MSG_REFUSED, why, strlen(why), NULL, 0);
			flush(s);
			s->dead = 1;
			break;
		}
		if (h.len > SH_PROTO_MAX_PAYLOAD) {
			TLOG_WARNING("cli: session %u: message of %u bytes refused", s->id, h.len);
			s->dead = 1;
			break;
		}
		if (s->in.len - off - sizeof(h) < h.len)
			break;
		if (dispatch(s, h.type, s->in.data + off + sizeof(h), h.len) < 0) {
			TLOG_WARNING("cli: session %u: protocol error (message type %u)", s->id,
				     h.type);
			s->dead = 1;
		}
		off += sizeof(h) + h.len;
		if (s->closing && s->out.len == 0)
			s->dead = 1;
	}
	if (off > 0) {
		memmove(s->in.data, s->in.data + off, s->in.len - off);
		s->in.len -= off;
	}
	if (s->closing && s->out.len == 0)
		s->dead = 1;
	if (s->dead)
		session_free(s);
}

static void session_free(struct sh_session *s)
{
	void (*on_close)(void *) = s->on_close;
	void *arg = s->on_close_arg;

	if (s->greeted)
		TLOG_INFO("cli: session %u: %s logged out", s->id, s->user);
	LIST_REMOVE(s, link);
	tula_timer_free(s->hello_timer);
	tula_loop_del_fd(S.loop, s->fd);
	close(s->fd);
	if (s->ctx != NULL) {
		sh_ctx_fini(s->ctx);
		free(s->ctx);
	}
	sh_session_leave_conf(s); /* releases the lock and a private candidate */
	tula_buf_free(&s->in);
	tula_buf_free(&s->out);
	free(s);
	if (on_close != NULL)
		on_close(arg);
}

void sh_session_kick(struct sh_session *s, const char *why)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "\n%s\n", why);

	TLOG_INFO("cli: session %u: %s: %s", s->id, s->user, why);
	if (s->ctx != NULL && s->ctx->pending == SH_PENDING_NONE) {
		/* it is the session running this very command: end it after the answer */
		sh_session_error(s, msg + 1, (size_t)n - 1);
		sh_session_close_after(s);
		return;
	}
	sh_session_error(s, msg, (size_t)n);
	flush(s);
	session_free(s);
}

/* The idle timeout in minutes: the session's (`set cli idle-timeout`), else the system's. */
int sh_session_idle_timeout(const struct sh_session *s)
{
	uint32_t v;

	if (s->idle_timeout >= 0)
		return s->idle_timeout;
	if (S.db != NULL && db_get_uint(db_node_get(db_active_effective(S.db), "system login"),
					"idle-timeout", &v) == 0)
		return (int)v;
	return 0;
}

/*
 * Log out sessions idle past their timeout, as Junos does (a forgotten `configure
 * exclusive` would otherwise block every commit): the lock and a private candidate
 * go with the session. A session whose command is still running is not idle. The
 * console is never logged out: it is the daemon's own terminal.
 */
static void idle_check(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct sh_session *s, *next;
	time_t now = time(NULL);

	(void)loop;
	(void)t;
	(void)arg;
	for (s = LIST_FIRST(&S.sessions); s != NULL; s = next) {
		int min;

		next = LIST_NEXT(s, link);
		if (!s->greeted || s->in_request || s->console)
			continue;
		min = sh_session_idle_timeout(s);
		if (min > 0 && now - s->last >= (time_t)min * 60) {
			char why[128];

			snprintf(why, sizeof(why), "Session timed out: idle for %d minute%s", min,
				 min == 1 ? "" : "s");
			sh_session_kick(s, why);
		}
	}
}

static void on_hello_timeout(struct tula_loop *loop, struct tula_timer *t, void *arg)
{
	struct sh_session *s = arg;
	char c;

	(void)loop;
	/* A busy control thread (a long commit, start-up) can let the timer fire before
	 * the loop read a HELLO that arrived in time: bytes waiting in the socket get one
	 * grace period, once, so a slow sender cannot stretch it. */
	if (!s->hello_grace &&
	    (s->in.len > 0 || recv(s->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 1)) {
		s->hello_grace = 1;
		tula_timer_arm(t, SH_HELLO_TIMEOUT_MS, 0);
		return;
	}
	TLOG_NOTICE("cli: session %u: no HELLO within %u ms: closed", s->id, SH_HELLO_TIMEOUT_MS);
	session_free(s); /* frees t too (safe from its own callback) */
}

static unsigned count_sessions(void)
{
	struct sh_session *o;
	unsigned n = 0;

	LIST_FOREACH(o, &S.sessions, link)
		n++;
	return n;
}

static int add_session(int fd, int console, void (*on_close)(void *), void *arg)
{
	struct sh_session *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->console = console;
	s->hello_timer = tula_timer_new(S.loop, on_hello_timeout, s);
	if (s->hello_timer == NULL) {
		free(s);
		return -ENOMEM;
	}
	tula_timer_arm(s->hello_timer, SH_HELLO_TIMEOUT_MS, 0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	s->fd = fd;
	s->id = ++S.next_id;
	s->mode = SH_MODE_OPER;
	s->login = s->last = time(NULL);
	s->screen_length = s->screen_width = s->idle_timeout = -1; /* not set */
	s->on_close = on_close;
	s->on_close_arg = arg;
	rc = tula_loop_add_fd(S.loop, fd, TULA_EV_READ, on_session, s);
	if (rc < 0) {
		tula_timer_free(s->hello_timer);
		free(s);
		return rc;
	}
	LIST_INSERT_HEAD(&S.sessions, s, link);
	return 0;
}

int sh_server_add_fd(int fd, void (*on_close)(void *arg), void *arg)
{
	if (!S.started)
		return -ENOTCONN;
	return add_session(fd, 1, on_close, arg);
}

static void on_accept(struct tula_loop *loop, int lfd, uint32_t events, void *arg)
{
	unsigned max = S.opts.max_sessions ? S.opts.max_sessions : SH_SESSIONS_MAX;
	int fd;

	(void)loop;
	(void)events;
	(void)arg;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	if (count_sessions() >= max) {
		static const char why_fmt[] = "too many CLI sessions (at most %u): try again later";
		struct sh_msg_hdr h = {.type = SH_MSG_REFUSED};
		char why[96];

		/* one non-blocking write into an empty socket buffer: it fits */
		snprintf(why, sizeof(why), why_fmt, max);
		h.len = (uint32_t)strlen(why);
		if (send(fd, &h, sizeof(h), MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)sizeof(h) &&
		    send(fd, why, h.len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			TLOG_DEBUG("cli: cannot tell a refused client why: %s", strerror(errno));
		TLOG_NOTICE("cli: %s", why);
		close(fd);
		return;
	}
	if (add_session(fd, 0, NULL, NULL) < 0)
		close(fd);
}

/* --- start / stop ------------------------------------------------------------------ */

static int make_dirs(const char *path)
{
	char dir[PATH_MAX], *p;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int listen_on(const char *path, const char *group, char *why, size_t whylen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct group gr, *gres = NULL;
	char grbuf[4096];
	mode_t old_mask;
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, whylen, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	rc = make_dirs(path);
	if (rc < 0) {
		snprintf(why, whylen, "cannot create the directory of %s: %s", path, strerror(-rc));
		return rc;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -errno;
	}
	/* a socket file left by a crash is replaced; a live daemon's is not */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		snprintf(why, whylen, "another tula is listening on %s (use --socket)", path);
		return -EADDRINUSE;
	}
	close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -errno;
	}
	unlink(path);
	/* bind creates the file with 0777 & ~umask: under 0117 it is born 0660, so there
	 * is no moment when a wider mode lets anyone connect (chmod after bind left one) */
	old_mask = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old_mask);
	if (rc < 0 || listen(fd, 16) < 0) {
		rc = -errno;
		snprintf(why, whylen, "cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if (getgrnam_r(group, &gr, grbuf, sizeof(grbuf), &gres) == 0 && gres != NULL) {
		if (chown(path, geteuid(), gr.gr_gid) < 0)
			TLOG_WARNING("cli: cannot give %s to group %s: %s", path, group,
				     strerror(errno));
	} else {
		TLOG_WARNING("cli: group '%s' does not exist: only root can use %s (create the "
			     "group and restart to let its members in)",
			     group, path);
	}
	if (chmod(path, 0660) < 0) {
		rc = -errno;
		snprintf(why, whylen, "chmod %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return rc;
	}
	return fd;
}

int sh_server_start(struct tula_loop *loop, struct db *db, const struct sh_server_opts *opts,
		    char *why, size_t whylen)
{
	struct sh_engine *e;
	int rc;

	if (S.started) {
		snprintf(why, whylen, "the CLI server is already running");
		return -EALREADY;
	}
	LIST_INIT(&S.sessions);
	S.loop = loop;
	S.db = db;
	S.opts = opts != NULL ? *opts : (struct sh_server_opts){0};
	if (S.opts.group == NULL)
		S.opts.group = "tula";
	e = sh_engine_default();
	if (e == NULL) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	rc = sh_oper_register(e);
	if (rc == 0)
		rc = sh_conf_register(e);
	if (rc < 0) {
		snprintf(why, whylen, "cannot declare the built-in commands: %s", strerror(-rc));
		sh_oper_unregister(e);
		sh_conf_unregister(e);
		return rc;
	}
	S.lfd = -1;
	if (S.opts.socket_path != NULL) {
		S.lfd = listen_on(S.opts.socket_path, S.opts.group, why, whylen);
		if (S.lfd < 0) {
			rc = S.lfd;
			S.lfd = -1;
			sh_oper_unregister(e);
			sh_conf_unregister(e);
			return rc;
		}
		rc = tula_loop_add_fd(loop, S.lfd, TULA_EV_READ, on_accept, NULL);
		if (rc < 0) {
			snprintf(why, whylen, "cannot watch %s: %s", S.opts.socket_path,
				 strerror(-rc));
			close(S.lfd);
			unlink(S.opts.socket_path);
			S.lfd = -1;
			return rc;
		}
	}
	S.idle_timer = tula_timer_new(loop, idle_check, NULL);
	if (S.idle_timer != NULL)
		tula_timer_arm(S.idle_timer, 1000, 1000);
	S.started = 1;
	return 0;
}

void sh_server_stop(void)
{
	struct sh_session *s;

	if (!S.started)
		return;
	tula_timer_free(S.idle_timer);
	S.idle_timer = NULL;
	sh_commit_at_stop();
	while ((s = LIST_FIRST(&S.sessions)) != NULL) {
		s->on_close = NULL; /* the daemon is already stopping */
		session_free(s);
	}
	if (S.lfd >= 0) {
		tula_loop_del_fd(S.loop, S.lfd);
		close(S.lfd);
		unlink(S.opts.socket_path);
		S.lfd = -1;
	}
	sh_engine_default_free();
	memset(S.reqs, 0, sizeof(S.reqs));
	S.started = 0;
	S.db = NULL;
}

int sh_server_register_request(uint32_t type, sh_request_fn fn, void *arg)
{
	if (type < SH_MSG_LUA_RUN || type > SH_MSG_REQ_MAX || fn == NULL)
		return -EINVAL;
	if (S.reqs[type].fn != NULL)
		return -EEXIST;
	S.reqs[type].fn = fn;
	S.reqs[type].arg = arg;
	return 0;
}

int sh_server_unregister_request(uint32_t type)
{
	if (type < SH_MSG_LUA_RUN || type > SH_MSG_REQ_MAX || S.reqs[type].fn == NULL)
		return -ENOENT;
	S.reqs[type].fn = NULL;
	return 0;
}

int sh_server_exec_capture(const char *line, enum sh_level level, struct tula_val **val,
			   struct tula_buf *text, struct tula_buf *err)
{
	struct sh_env env = {.mode = SH_MODE_OPER, .level = level, .sess = NULL};
	struct sh_engine *e = sh_engine_default();
	struct sh_ctx ctx;
	int rc;

	if (e == NULL)
		return -ENOMEM;
	sh_ctx_init(&ctx, NULL, 0);
	rc = sh_engine_exec(e, &env, line, &ctx);
	if (val != NULL) {
		*val = ctx.val;
		ctx.val = NULL;
	}
	if (text != NULL)
		tula_buf_add(text, ctx.out.data, ctx.out.len);
	if (err != NULL && ctx.failed)
		tula_buf_add(err, ctx.err.data, ctx.err.len);
	sh_ctx_fini(&ctx);
	return rc;
}
