/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shell's client: `tula cli` for SSH sessions and scripts, and the console (the
 * same code in a thread of the daemon, over a socketpair).
 *
 * Interactive use edits lines with libedit's native API: `?` and TAB are functions
 * bound with EL_ADDFN/EL_BIND (the readline compatibility layer cannot bind `?`); both
 * ask the daemon, which owns the grammar. ^C is a key, not a signal — the terminal's
 * ISIG is off in both of libedit's modes — so it cancels the line or stops the pager
 * and can never reach the daemon's SIGINT handling. Non-interactive use (-c, or
 * commands on stdin) prints plain output, answers questions with their default, and
 * stops at the first error with the error on stderr and exit status 1.
 */
#include "shell/sh_client.h"

#include "shell/sh_engine.h"
#include "shell/sh_proto.h"
#include "shell/sh_wire.h"

#include <errno.h>
#include <getopt.h>
#include <histedit.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

struct client {
	int fd;
	int interactive;
	int console;
	int wake_fd;
	FILE *out; /* stdout */
	EditLine *el;
	History *hist;
	char hist_path[PATH_MAX];
	char prompt[128];
	char banner[256];
	uint16_t width, height;
	int closed;    /* the daemon ended the session */
	int cancel;    /* ^C in the line editor */
	int more_rows; /* rows printed since the last pager stop */
	int more_quit; /* q at ---(more)---: drop the rest of this output */
	struct termios saved;
	int have_saved;
	const char *stdin_text_end; /* non-interactive: the line ending a pasted text */
};

/* --- the wire -------------------------------------------------------------------- */

static int send_msg(struct client *c, uint32_t type, const void *a, size_t alen, const void *b,
		    size_t blen)
{
	int rc = sh_wire_send(c->fd, type, a, alen, b, blen);

	if (rc < 0)
		c->closed = 1;
	return rc;
}

/* One message; *payload is malloc'd (NUL terminated for convenience). */
static int recv_msg(struct client *c, struct sh_msg_hdr *h, char **payload)
{
	int rc = sh_wire_recv(c->fd, h, payload);

	if (rc < 0)
		c->closed = 1;
	return rc;
}

static int send_line(struct client *c, uint32_t type, const char *line, size_t len, size_t cursor)
{
	struct sh_line l = {.cursor = (uint32_t)cursor, .len = (uint32_t)len};

	return send_msg(c, type, &l, sizeof(l), line, len);
}

/* --- terminal -------------------------------------------------------------------- */

static void winsize(struct client *c)
{
	struct winsize ws;

	c->width = 80;
	c->height = 24;
	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		c->width = ws.ws_col;
		c->height = ws.ws_row;
	}
}

/* Wait until the terminal has input: 1, or 0 when woken to stop (c->closed set). */
static int wait_stdin(struct client *c)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = STDIN_FILENO, .events = POLLIN},
				      {.fd = c->wake_fd, .events = POLLIN}};

		if (poll(p, c->wake_fd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		if (c->wake_fd >= 0 && p[1].revents != 0) {
			c->closed = 1;
			return 0;
		}
		if (p[0].revents != 0)
			return 1;
	}
}

/* One key, without echo or line buffering (the pager). */
static int read_key(struct client *c)
{
	struct termios t, raw;
	unsigned char ch = 0;
	ssize_t n;

	(void)c;
	if (tcgetattr(STDIN_FILENO, &t) < 0)
		return 'q';
	raw = t;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	do
		n = wait_stdin(c) ? read(STDIN_FILENO, &ch, 1) : 0;
	while (n < 0 && errno == EINTR);
	tcsetattr(STDIN_FILENO, TCSANOW, &t);
	return n == 1 ? ch : 'q';
}

/* One line from the terminal in canonical mode (questions, pasted text).
 * Returns its length, 0 at end of input (^D), -1 on error. */
static ssize_t read_tty_line(struct client *c, char *buf, size_t size)
{
	size_t n = 0;

	while (n + 1 < size) {
		char ch;
		ssize_t r = wait_stdin(c) ? read(STDIN_FILENO, &ch, 1) : 0;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		buf[n++] = ch;
		if (ch == '\n')
			break;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

/* --- output and the pager ------------------------------------------------------------ */

static void pager_reset(struct client *c)
{
	c->more_rows = 0;
	c->more_quit = 0;
	winsize(c);
}

/*
 * Print text; on a terminal stop every screenful at ---(more)---: space shows the
 * next page, enter one more line, q (or ^C) drops the rest of this command's output.
 */
static void print_out(struct client *c, const char *text, size_t len, int no_more,
		      const struct sh_output *o)
{
	size_t i, start = 0, col = 0;
	int rows = o->screen_length ? o->screen_length : c->height;
	size_t cols = o->screen_width ? o->screen_width : c->width;

	if (!c->interactive || no_more) {
		fwrite(text, 1, len, c->out);
		fflush(c->out);
		return;
	}
	for (i = 0; i < len && !c->more_quit; i++) {
		int row_done = text[i] == '\n';

		if (!row_done && ++col >= cols) /* the terminal wraps here */
			row_done = 1;
		if (!row_done)
			continue;
		col = 0;
		fwrite(text + start, 1, i + 1 - start, c->out);
		start = i + 1;
		if (++c->more_rows < rows - 1)
			continue;
		fputs("---(more)---", c->out);
		fflush(c->out);
		for (;;) {
			int k = read_key(c);

			if (k == ' ') {
				c->more_rows = 0;
			} else if (k == '\r' || k == '\n') {
				c->more_rows = rows - 2;
			} else if (k == 'q' || k == 'Q' || k == 3 /* ^C */) {
				c->more_quit = 1;
			} else {
				continue;
			}
			break;
		}
		fputs("\r            \r", c->out);
	}
	if (!c->more_quit && start < len)
		fwrite(text + start, 1, len - start, c->out);
	fflush(c->out);
}

static void print_err(struct client *c, const char *text, size_t len)
{
	if (c->interactive) { /* the same screen, in order with the output */
		if (!c->more_quit)
			fwrite(text, 1, len, c->out);
		fflush(c->out);
		return;
	}
	fflush(c->out);
	fwrite(text, 1, len, stderr);
	fflush(stderr);
}

/* --- requests -------------------------------------------------------------------- */

static int answer_question(struct client *c, const struct sh_ask *a)
{
	struct sh_answer ans = {.yes = a->default_yes};
	char line[64];

	if (c->interactive) {
		for (;;) {
			ssize_t n;

			fprintf(c->out, "%s [yes,no] (%s) ", a->question,
				a->default_yes ? "yes" : "no");
			fflush(c->out);
			n = read_tty_line(c, line, sizeof(line));
			if (n <= 0 || strchr(line, 3) != NULL) { /* ^D or ^C: no */
				fputc('\n', c->out);
				ans.yes = 0;
				break;
			}
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0')
				break;
			if (strcmp(line, "yes") == 0 || strcmp(line, "y") == 0) {
				ans.yes = 1;
				break;
			}
			if (strcmp(line, "no") == 0 || strcmp(line, "n") == 0) {
				ans.yes = 0;
				break;
			}
		}
	} else {
		fprintf(stderr, "%s [yes,no] (%s) %s (non-interactive default)\n", a->question,
			a->default_yes ? "yes" : "no", a->default_yes ? "yes" : "no");
	}
	return send_msg(c, SH_MSG_ANSWER, &ans, sizeof(ans), NULL, 0);
}

/*
 * `load ... terminal`: the text ends at ^D on a line of its own (interactive), or at
 * the end of standard input / a line holding only ^D (non-interactive).
 */
static int send_text(struct client *c, const char *prompt)
{
	struct tula_buf text = TULA_BUF_INIT;
	char line[8192];
	int rc;

	if (c->interactive) {
		fprintf(c->out, "%s\n", prompt);
		fflush(c->out);
	}
	for (;;) {
		ssize_t n;

		if (c->interactive) {
			n = read_tty_line(c, line, sizeof(line));
		} else {
			n = fgets(line, sizeof(line), stdin) != NULL ? (ssize_t)strlen(line) : 0;
		}
		if (n <= 0 || strcmp(line, "\x04\n") == 0 || strcmp(line, "\x04") == 0)
			break;
		if (c->interactive && strchr(line, 3) != NULL) { /* ^C abandons the load */
			tula_buf_free(&text);
			tula_buf_puts(&text, "\x03");
			break;
		}
		tula_buf_add(&text, line, (size_t)n);
	}
	if (c->interactive)
		fputc('\n', c->out);
	rc = send_msg(c, SH_MSG_TEXT, text.data, text.len, NULL, 0);
	tula_buf_free(&text);
	return rc;
}

/* Read the daemon's messages until DONE; returns the command's status (< 0 = failed). */
/*
 * The daemon asks for a file a command named: open it HERE, as the user running this
 * client, relative to its working directory — the daemon never opens the path itself.
 */
static int read_file_for(struct client *c, const char *path)
{
	struct sh_file_status st = {0};
	char *data = NULL;
	size_t len = 0;
	int rc;

	/* "-" is a file name here, not stdin (stdin carries the commands) */
	st.status =
		sh_wire_read_file(strcmp(path, "-") == 0 ? "./-" : path, SH_FILE_MAX, &data, &len);
	rc = send_msg(c, SH_MSG_FILE, &st, sizeof(st), data, st.status == 0 ? len : 0);
	free(data);
	return rc;
}

static int write_file_for(struct client *c, const char *p, size_t len)
{
	struct sh_file_status st = {0};
	struct sh_file_write w;
	char *path;

	if (len < sizeof(w))
		return -EPROTO;
	memcpy(&w, p, sizeof(w));
	if (w.path_len == 0 || w.path_len > len - sizeof(w))
		return -EPROTO;
	path = strndup(p + sizeof(w), w.path_len);
	if (path == NULL)
		return -ENOMEM;
	st.status =
		sh_wire_write_file(path, p + sizeof(w) + w.path_len, len - sizeof(w) - w.path_len);
	free(path);
	return send_msg(c, SH_MSG_FILE, &st, sizeof(st), NULL, 0);
}

/*
 * Live output (SH_OUT_LIVE: monitor interface): the terminal goes to single keys
 * without echo until the command ends, and q or ^C asks the daemon to stop it.
 */
static void live_begin(struct client *c, struct termios *saved, int *live)
{
	struct termios raw;

	if (*live || !c->interactive || tcgetattr(STDIN_FILENO, saved) < 0)
		return;
	raw = *saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ISIG);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	*live = 1;
}

/* Wait for the daemon; while live, a q / ^C on the terminal sends STOP (once). */
static void live_wait(struct client *c, int *stopped)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN},
				      {.fd = STDIN_FILENO, .events = POLLIN}};
		unsigned char ch;

		if (poll(p, *stopped ? 1 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (p[0].revents != 0)
			return;
		if (read(STDIN_FILENO, &ch, 1) != 1) {
			*stopped = 1; /* no more keys: wait for the end */
			continue;
		}
		if (ch == 'q' || ch == 'Q' || ch == 3 /* ^C */) {
			send_msg(c, SH_MSG_STOP, NULL, 0, NULL, 0);
			*stopped = 1;
		}
	}
}

static int wait_done(struct client *c)
{
	struct termios saved;
	int live = 0, stopped = 0;

	for (;;) {
		struct sh_msg_hdr h;
		char *p;
		int rc;

		if (live)
			live_wait(c, &stopped);
		rc = recv_msg(c, &h, &p);
		if (rc < 0 || h.type == SH_MSG_DONE) {
			if (live)
				tcsetattr(STDIN_FILENO, TCSANOW, &saved);
			live = 0;
		}

		if (rc < 0) {
			if (!c->console)
				fprintf(stderr, "tula cli: the daemon closed the session\n");
			return rc;
		}
		switch (h.type) {
		case SH_MSG_OUTPUT:
			if (h.len >= sizeof(struct sh_output)) {
				const struct sh_output *o = (const void *)p;

				if (o->flags & SH_OUT_LIVE)
					live_begin(c, &saved, &live);
				print_out(c, p + sizeof(*o), h.len - sizeof(*o),
					  (o->flags & SH_OUT_NO_MORE) != 0, o);
			}
			break;
		case SH_MSG_ERROR:
			print_err(c, p, h.len);
			break;
		case SH_MSG_ASK:
			if (h.len >= sizeof(struct sh_ask)) {
				struct sh_ask *a = (void *)p;

				a->question[sizeof(a->question) - 1] = '\0';
				rc = answer_question(c, a);
			}
			break;
		case SH_MSG_READ_TEXT:
			rc = send_text(c, p);
			break;
		case SH_MSG_READ_FILE:
			rc = read_file_for(c, p);
			break;
		case SH_MSG_WRITE_FILE:
			rc = write_file_for(c, p, h.len);
			break;
		case SH_MSG_DONE:
			if (h.len >= sizeof(struct sh_done)) {
				struct sh_done *d = (void *)p;

				d->prompt[sizeof(d->prompt) - 1] = '\0';
				d->banner[sizeof(d->banner) - 1] = '\0';
				snprintf(c->prompt, sizeof(c->prompt), "%s", d->prompt);
				snprintf(c->banner, sizeof(c->banner), "%s", d->banner);
				if (d->flags & SH_DONE_CLOSE)
					c->closed = 1;
				rc = d->status;
			}
			free(p);
			return rc;
		default:
			break;
		}
		free(p);
		if (rc < 0)
			return rc;
	}
}

static int exec_line(struct client *c, const char *line)
{
	int rc;

	pager_reset(c);
	rc = send_line(c, SH_MSG_EXEC, line, strlen(line), 0);
	if (rc == -EPIPE || rc == -ECONNRESET) {
		/* the daemon ended the session: show why (idle timeout, logout) */
		wait_done(c);
		return rc;
	}
	if (rc < 0)
		return rc;
	return wait_done(c);
}

/* Ask for completions (COMPLETE) or help (HELP) at cursor. */
static int ask_cands(struct client *c, uint32_t type, const char *line, size_t len, size_t cursor,
		     struct sh_cands *out, struct tula_buf *err)
{
	const struct sh_cands_hdr *h;
	struct sh_msg_hdr mh;
	size_t off, i;
	char *p;
	int rc;

	rc = send_line(c, type, line, len, cursor);
	if (rc < 0)
		return rc;
	rc = recv_msg(c, &mh, &p);
	if (rc < 0)
		return rc;
	if (mh.type != SH_MSG_CANDS || mh.len < sizeof(*h)) {
		free(p);
		return -EPROTO;
	}
	h = (const void *)p;
	out->word_start = h->word_start;
	if (h->status < 0) {
		tula_buf_add(err, p + sizeof(*h), mh.len - sizeof(*h));
		rc = h->status;
		free(p);
		return rc;
	}
	off = sizeof(*h);
	for (i = 0; i < h->count && off + sizeof(struct sh_cand_wire) <= mh.len; i++) {
		struct sh_cand_wire w;
		char *word, *help;

		memcpy(&w, p + off, sizeof(w));
		off += sizeof(w);
		if (off + w.word_len + w.help_len > mh.len)
			break;
		word = strndup(p + off, w.word_len);
		help = strndup(p + off + w.word_len, w.help_len);
		if (word != NULL && help != NULL)
			sh_cands_add(out, (enum sh_cand_kind)w.kind, word, help);
		free(word);
		free(help);
		off += (size_t)w.word_len + w.help_len;
	}
	free(p);
	return 0;
}

/* --- libedit front end ------------------------------------------------------------ */

static struct client *client_of(EditLine *el)
{
	struct client *c = NULL;

	el_get(el, EL_CLIENTDATA, &c);
	return c;
}

static char *prompt_fn(EditLine *el)
{
	return client_of(el)->prompt;
}

static int inside_quotes(const char *s, size_t n)
{
	size_t i;
	int in = 0;

	for (i = 0; i < n; i++) {
		if (in && s[i] == '\\' && i + 1 < n) {
			i++;
			continue;
		}
		if (s[i] == '"')
			in = !in;
	}
	return in;
}

static void show_cands(struct client *c, const struct sh_cands *cands, const struct tula_buf *err)
{
	struct tula_buf txt = TULA_BUF_INIT;

	fputc('\n', c->out);
	if (err->len > 0)
		tula_buf_add(&txt, err->data, err->len);
	else
		sh_cands_format(cands, &txt);
	pager_reset(c);
	print_out(c, txt.data, txt.len, 0, &(struct sh_output){0});
	tula_buf_free(&txt);
}

/* `?`: the daemon's help for the words before the cursor; literal inside quotes. */
static unsigned char help_fn(EditLine *el, int ch)
{
	struct client *c = client_of(el);
	const LineInfo *li = el_line(el);
	size_t cursor = (size_t)(li->cursor - li->buffer);
	struct tula_buf err = TULA_BUF_INIT;
	struct sh_cands cands = {0};

	(void)ch;
	if (inside_quotes(li->buffer, cursor)) {
		el_insertstr(el, "?");
		return CC_REFRESH;
	}
	if (ask_cands(c, SH_MSG_HELP, li->buffer, (size_t)(li->lastchar - li->buffer), cursor,
		      &cands, &err) < 0 &&
	    err.len == 0) {
		sh_cands_free(&cands);
		return c->closed ? CC_EOF : CC_ERROR;
	}
	show_cands(c, &cands, &err);
	sh_cands_free(&cands);
	tula_buf_free(&err);
	return CC_REDISPLAY;
}

/* TAB: complete a unique word, extend a common prefix, or list the choices. */
static unsigned char complete_fn(EditLine *el, int ch)
{
	struct client *c = client_of(el);
	const LineInfo *li = el_line(el);
	size_t cursor = (size_t)(li->cursor - li->buffer), partial, common = 0, i, nins = 0;
	struct tula_buf err = TULA_BUF_INIT;
	struct sh_cands cands = {0};
	const char *first = NULL;
	unsigned char rc = CC_ERROR;

	(void)ch;
	if (inside_quotes(li->buffer, cursor))
		return CC_ERROR;
	if (ask_cands(c, SH_MSG_COMPLETE, li->buffer, (size_t)(li->lastchar - li->buffer), cursor,
		      &cands, &err) < 0)
		goto out;
	if (cands.word_start > cursor)
		goto out;
	partial = cursor - cands.word_start;
	for (i = 0; i < cands.n; i++) {
		const char *w = cands.v[i].word;
		size_t k;

		if (cands.v[i].kind != SH_CAND_KEYWORD && cands.v[i].kind != SH_CAND_NAME)
			continue;
		if (first == NULL) {
			first = w;
			common = strlen(w);
		} else {
			for (k = 0; k < common && w[k] == first[k]; k++)
				;
			common = k;
		}
		nins++;
	}
	if (nins == 1) {
		char word[512];

		snprintf(word, sizeof(word), "%s ", first);
		el_deletestr(el, (int)partial);
		el_insertstr(el, word);
		rc = CC_REFRESH;
	} else if (nins > 1 && common > partial) {
		char word[512];

		snprintf(word, sizeof(word), "%.*s", (int)common, first);
		el_deletestr(el, (int)partial);
		el_insertstr(el, word);
		rc = CC_REFRESH;
	} else if (cands.n > 0) {
		show_cands(c, &cands, &err);
		rc = CC_REDISPLAY;
	}
out:
	sh_cands_free(&cands);
	tula_buf_free(&err);
	return c->closed ? CC_EOF : rc;
}

/* ^C: abandon the line. */
static unsigned char cancel_fn(EditLine *el, int ch)
{
	struct client *c = client_of(el);

	(void)ch;
	c->cancel = 1;
	fputs("^C", c->out);
	return CC_NEWLINE;
}

/* Characters for libedit: the terminal, but give up when the daemon hangs up. */
static int getc_fn(EditLine *el, wchar_t *wc)
{
	struct client *c = client_of(el);
	unsigned char b[4];
	int i, need;

	for (;;) {
		struct pollfd p[3] = {{.fd = STDIN_FILENO, .events = POLLIN},
				      {.fd = c->fd, .events = POLLIN},
				      {.fd = c->wake_fd, .events = POLLIN}};

		if (poll(p, c->wake_fd >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[1].revents != 0 || (c->wake_fd >= 0 && p[2].revents != 0)) {
			/* the daemon speaks only to end the session; wake_fd stops the console */
			c->closed = 1;
			return 0;
		}
		if (p[0].revents != 0) {
			ssize_t n = read(STDIN_FILENO, b, 1);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return (int)n;
			break;
		}
	}
	/* UTF-8: the lead byte says how many follow */
	need = b[0] < 0x80 ? 0 : b[0] >= 0xf0 ? 3 : b[0] >= 0xe0 ? 2 : b[0] >= 0xc0 ? 1 : 0;
	*wc = need == 0	  ? b[0]
	      : need == 1 ? (b[0] & 0x1f)
	      : need == 2 ? (b[0] & 0x0f)
			  : (b[0] & 0x07);
	for (i = 0; i < need; i++) {
		if (read(STDIN_FILENO, &b[1], 1) != 1)
			return -1;
		*wc = (*wc << 6) | (b[1] & 0x3f);
	}
	return 1;
}

static void history_path(struct client *c)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	c->hist_path[0] = '\0';
	/* TULA_HISTORY overrides the file (empty: keep no history) */
	if (getenv("TULA_HISTORY") != NULL) {
		snprintf(c->hist_path, sizeof(c->hist_path), "%s", getenv("TULA_HISTORY"));
		return;
	}
	if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL &&
	    pw.pw_dir != NULL && pw.pw_dir[0] != '\0')
		snprintf(c->hist_path, sizeof(c->hist_path), "%s/.tula_history", pw.pw_dir);
}

static int editor_start(struct client *c)
{
	HistEvent ev;
	struct termios t;

	/* ^C, ^\ and ^Z are keys while the shell owns the terminal */
	if (tcgetattr(STDIN_FILENO, &c->saved) == 0) {
		c->have_saved = 1;
		t = c->saved;
		t.c_lflag &= ~(tcflag_t)ISIG;
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	c->el = el_init("tula", stdin, c->out, stderr);
	if (c->el == NULL)
		return -ENOMEM;
	c->hist = history_init();
	if (c->hist != NULL) {
		history(c->hist, &ev, H_SETSIZE, 1000);
		history(c->hist, &ev, H_SETUNIQUE, 1);
		history_path(c);
		if (c->hist_path[0] != '\0')
			history(c->hist, &ev, H_LOAD, c->hist_path);
		el_set(c->el, EL_HIST, history, c->hist);
	}
	el_set(c->el, EL_CLIENTDATA, c);
	el_set(c->el, EL_EDITOR, "emacs");
	el_set(c->el, EL_SETTY, "-d", "-isig", NULL);
	el_set(c->el, EL_SETTY, "-x", "-isig", NULL);
	el_set(c->el, EL_PROMPT, prompt_fn);
	el_set(c->el, EL_GETCFN, getc_fn);
	/* the wide call keeps these static strings; the narrow one copies and leaks them */
	el_wset(c->el, EL_ADDFN, L"tula-help", L"Help for the current word", help_fn);
	el_wset(c->el, EL_ADDFN, L"tula-complete", L"Complete the current word", complete_fn);
	el_wset(c->el, EL_ADDFN, L"tula-cancel", L"Abandon the line", cancel_fn);
	el_set(c->el, EL_BIND, "?", "tula-help", NULL);
	el_set(c->el, EL_BIND, "^I", "tula-complete", NULL);
	el_set(c->el, EL_BIND, "^C", "tula-cancel", NULL);
	return 0;
}

static void editor_stop(struct client *c)
{
	HistEvent ev;

	if (c->hist != NULL) {
		if (c->hist_path[0] != '\0')
			history(c->hist, &ev, H_SAVE, c->hist_path);
		history_end(c->hist);
		c->hist = NULL;
	}
	if (c->el != NULL) {
		el_end(c->el);
		c->el = NULL;
	}
	if (c->have_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &c->saved);
}

static int interactive_loop(struct client *c)
{
	uint16_t w = 0, h = 0;
	HistEvent ev;

	if (editor_start(c) < 0) {
		editor_stop(c);
		fprintf(stderr, "tula cli: cannot start the line editor\n");
		return 1;
	}
	while (!c->closed) {
		const char *line;
		char *copy;
		int count = 0;

		if (c->banner[0] != '\0')
			fprintf(c->out, "\n%s\n", c->banner);
		fflush(c->out);
		line = el_gets(c->el, &count);
		if (c->closed)
			break;
		if (line == NULL || count <= 0) { /* ^D on an empty line leaves the mode */
			fputc('\n', c->out);
			exec_line(c, strchr(c->prompt, '#') != NULL ? "exit configuration-mode"
								    : "exit");
			continue;
		}
		if (c->cancel) {
			c->cancel = 0;
			fputc('\n', c->out);
			continue;
		}
		copy = strdup(line);
		if (copy == NULL)
			break;
		copy[strcspn(copy, "\r\n")] = '\0';
		if (copy[strspn(copy, " \t")] == '\0') {
			free(copy);
			continue;
		}
		if (c->hist != NULL)
			history(c->hist, &ev, H_ENTER, copy);
		winsize(c);
		if (c->width != w || c->height != h) {
			struct sh_winsize ws = {.width = c->width, .height = c->height};

			w = c->width;
			h = c->height;
			send_msg(c, SH_MSG_WINSIZE, &ws, sizeof(ws), NULL, 0);
		}
		exec_line(c, copy);
		free(copy);
	}
	editor_stop(c);
	return 0;
}

/* A trailing unquoted `?` asks for help instead of running the line. */
static int wants_help(const char *line, size_t *cut)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\n'))
		n--;
	if (n == 0 || line[n - 1] != '?' || inside_quotes(line, n - 1))
		return 0;
	*cut = n - 1;
	return 1;
}

static int batch_one(struct client *c, const char *line)
{
	size_t cut;
	int rc;

	if (line[strspn(line, " \t\r\n")] == '\0')
		return 0;
	if (wants_help(line, &cut)) {
		struct tula_buf err = TULA_BUF_INIT, txt = TULA_BUF_INIT;
		struct sh_cands cands = {0};

		rc = ask_cands(c, SH_MSG_HELP, line, cut, cut, &cands, &err);
		if (rc < 0) {
			if (err.len == 0)
				tula_buf_printf(&err, "tula cli: %s\n", strerror(-rc));
			print_err(c, err.data, err.len);
		} else {
			sh_cands_format(&cands, &txt);
			print_out(c, txt.data, txt.len, 1, &(struct sh_output){0});
		}
		sh_cands_free(&cands);
		tula_buf_free(&err);
		tula_buf_free(&txt);
		return rc;
	}
	return exec_line(c, line);
}

static int batch(struct client *c, const char *const *cmds, int ncmds)
{
	char line[65536];
	int i;

	if (ncmds > 0) {
		for (i = 0; i < ncmds && !c->closed; i++)
			if (batch_one(c, cmds[i]) < 0)
				return 1;
		return 0;
	}
	while (!c->closed && fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (batch_one(c, line) < 0)
			return 1;
	}
	return 0;
}

int sh_client_run(int fd, const struct sh_client_opts *o)
{
	struct client c = {.fd = fd,
			   .interactive = o->interactive,
			   .console = o->console,
			   .wake_fd = o->wake_fd};
	struct sh_hello h = {.version = SH_PROTO_VERSION};
	struct sh_msg_hdr mh;
	char *p, *tty;
	int rc;

	c.out = stdout;
	winsize(&c);
	h.flags = o->interactive ? SH_HELLO_INTERACTIVE : 0;
	h.width = c.width;
	h.height = c.height;
	h.pid = (uint32_t)getpid();
	tty = o->console ? "console" : (isatty(STDIN_FILENO) ? ttyname(STDIN_FILENO) : NULL);
	if (tty != NULL)
		snprintf(h.tty, sizeof(h.tty), "%s", strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty);
	if (getenv("SSH_CLIENT") != NULL)
		snprintf(h.from, sizeof(h.from), "%s", getenv("SSH_CLIENT"));
	if (send_msg(&c, SH_MSG_HELLO, &h, sizeof(h), NULL, 0) < 0 || recv_msg(&c, &mh, &p) < 0) {
		fprintf(stderr, "tula cli: the daemon closed the connection\n");
		return 1;
	}
	if (mh.type == SH_MSG_REFUSED) {
		fprintf(stderr, "tula cli: %s\n", p);
		free(p);
		return 1;
	}
	if (mh.type != SH_MSG_WELCOME || mh.len < sizeof(struct sh_welcome)) {
		fprintf(stderr, "tula cli: unexpected answer from the daemon\n");
		free(p);
		return 1;
	}
	{
		struct sh_welcome *w = (void *)p;

		w->prompt[sizeof(w->prompt) - 1] = '\0';
		w->banner[sizeof(w->banner) - 1] = '\0';
		snprintf(c.prompt, sizeof(c.prompt), "%s", w->prompt);
		if (o->interactive && w->banner[0] != '\0')
			fprintf(c.out, "%s\n", w->banner);
	}
	free(p);
	if (o->interactive)
		rc = interactive_loop(&c);
	else
		rc = batch(&c, o->cmds, o->ncmds);
	return rc;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: tula cli [--socket PATH] [-c COMMAND]...\n"
		   "\n"
		   "The Tula shell, as a client of the running daemon.\n"
		   "  -c, --command CMD  run CMD (repeatable; in order) and exit; a trailing ?\n"
		   "                     prints the help list. Without -c and with stdin not a\n"
		   "                     terminal, commands are read from stdin.\n"
		   "  --socket PATH      the daemon's socket (default /run/tula/cli.sock)\n"
		   "Exit status: 0 when every command succeeded, 1 at the first error (on "
		   "stderr),\n2 for bad usage.\n");
}

int sh_client_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"command", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sh_client_opts o = {.wake_fd = -1};
	const char *path = "/run/tula/cli.sock";
	const char **cmds;
	char why[512];
	int ch, fd, rc;

	cmds = calloc((size_t)argc + 1, sizeof(*cmds));
	if (cmds == NULL)
		return 1;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'c':
			cmds[o.ncmds++] = optarg;
			break;
		case 'h':
			usage(stdout);
			free(cmds);
			return 0;
		default:
			usage(stderr);
			free(cmds);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tula cli: unexpected argument '%s' (quote commands with -c)\n",
			argv[optind]);
		free(cmds);
		return 2;
	}
	o.cmds = cmds;
	o.interactive = o.ncmds == 0 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	fd = sh_wire_connect(path, why, sizeof(why));
	if (fd < 0) {
		fprintf(stderr, "tula cli: %s\n", why);
		free(cmds);
		return 1;
	}
	rc = sh_client_run(fd, &o);
	close(fd);
	free(cmds);
	return rc;
}
