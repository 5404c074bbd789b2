/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handler context (shell/sh_cmd.h, shell/sh_engine.h): where a command writes its
 * output, errors and warnings, how it asks a question, reads text or waits for work in
 * progress, and what happens after it returns — its value rendered, then the pipes
 * (match, except, count) applied to the text.
 */
#include "shell/sh_engine_int.h"
#include "shell/sh_proto.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- execution ----------------------------------------------------------------------- */

void sh_ctx_init(struct sh_ctx *ctx, struct sh_session *sess, int can_ask)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->sess = sess;
	ctx->can_ask = can_ask;
	ctx->compare_rb = -1;
}

void sh_ctx_fini(struct sh_ctx *ctx)
{
	if (ctx->pending == SH_PENDING_WAIT && ctx->cancel_fn != NULL)
		ctx->cancel_fn(ctx->cont_arg); /* the session ended while the work ran */
	ctx->pending = SH_PENDING_NONE;
	ctx->cancel_fn = NULL;
	tula_buf_free(&ctx->out);
	tula_buf_free(&ctx->err);
	tula_buf_free(&ctx->warn);
	tula_val_free(ctx->val);
	ctx->val = NULL;
	sh_parsed_free(ctx->parsed);
	ctx->parsed = NULL;
	free(ctx->question);
	ctx->question = NULL;
	tula_buf_free(&ctx->file);
}

void sh_printf(struct sh_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tula_buf_vprintf(&ctx->out, fmt, ap);
	va_end(ap);
}

void sh_puts(struct sh_ctx *ctx, const char *s)
{
	tula_buf_puts(&ctx->out, s);
}

struct tula_buf *sh_ctx_out(struct sh_ctx *ctx)
{
	return &ctx->out;
}

int sh_err(struct sh_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if (!ctx->failed) {
		ctx->failed = 1;
		tula_buf_reset(&ctx->err);
		va_start(ap, fmt);
		tula_buf_vprintf(&ctx->err, fmt, ap);
		va_end(ap);
		if (ctx->err.len == 0 || ctx->err.data[ctx->err.len - 1] != '\n')
			tula_buf_putc(&ctx->err, '\n');
	}
	return -EINVAL;
}

void sh_warn(struct sh_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tula_buf_vprintf(&ctx->warn, fmt, ap);
	va_end(ap);
	if (ctx->warn.len > 0 && ctx->warn.data[ctx->warn.len - 1] != '\n')
		tula_buf_putc(&ctx->warn, '\n');
}

void sh_ctx_set_val(struct sh_ctx *ctx, struct tula_val *v, sh_render_fn render)
{
	tula_val_free(ctx->val);
	ctx->val = v;
	ctx->render = render;
}

enum sh_format sh_ctx_format(const struct sh_ctx *ctx)
{
	return ctx->format;
}

int sh_ctx_compare(const struct sh_ctx *ctx, int *rollback)
{
	if (!ctx->compare)
		return 0;
	if (rollback != NULL)
		*rollback = ctx->compare_rb;
	return 1;
}

struct sh_session *sh_ctx_session(const struct sh_ctx *ctx)
{
	return ctx->sess;
}

int sh_ctx_ask(struct sh_ctx *ctx, const char *question, int default_yes, sh_answer_fn cont,
	       void *arg)
{
	if (!ctx->can_ask || ctx->pending != SH_PENDING_NONE)
		return -ENOTSUP;
	free(ctx->question);
	ctx->question = strdup(question);
	if (ctx->question == NULL)
		return -ENOMEM;
	ctx->pending = SH_PENDING_ASK;
	ctx->default_yes = default_yes;
	ctx->answer_fn = cont;
	ctx->cont_arg = arg;
	return 0;
}

int sh_ctx_read_text(struct sh_ctx *ctx, const char *prompt, sh_text_fn cont, void *arg)
{
	if (!ctx->can_ask || ctx->pending != SH_PENDING_NONE)
		return -ENOTSUP;
	free(ctx->question);
	ctx->question = strdup(prompt);
	if (ctx->question == NULL)
		return -ENOMEM;
	ctx->pending = SH_PENDING_TEXT;
	ctx->text_fn = cont;
	ctx->cont_arg = arg;
	return 0;
}

static int want_file(struct sh_ctx *ctx, const char *path, sh_file_fn cont, void *arg)
{
	if (!ctx->can_file || ctx->pending != SH_PENDING_NONE)
		return -ENOTSUP;
	free(ctx->question);
	ctx->question = strdup(path);
	if (ctx->question == NULL)
		return -ENOMEM;
	ctx->file_fn = cont;
	ctx->cont_arg = arg;
	return 0;
}

int sh_ctx_read_file(struct sh_ctx *ctx, const char *path, sh_file_fn cont, void *arg)
{
	int rc = want_file(ctx, path, cont, arg);

	if (rc == 0)
		ctx->pending = SH_PENDING_READ_FILE;
	return rc;
}

int sh_ctx_write_file(struct sh_ctx *ctx, const char *path, const char *data, size_t len,
		      sh_file_fn cont, void *arg)
{
	int rc;

	if (len > SH_FILE_MAX)
		return -E2BIG;
	rc = want_file(ctx, path, cont, arg);
	if (rc < 0)
		return rc;
	tula_buf_reset(&ctx->file);
	tula_buf_add(&ctx->file, data, len);
	if (ctx->file.oom) {
		tula_buf_free(&ctx->file);
		return -ENOMEM;
	}
	ctx->pending = SH_PENDING_WRITE_FILE;
	return 0;
}

int sh_ctx_stream(struct sh_ctx *ctx)
{
	if (ctx->pending != SH_PENDING_WAIT || ctx->streamed == NULL)
		return -ENOTSUP;
	return ctx->streamed(ctx);
}

int sh_ctx_defer(struct sh_ctx *ctx, sh_cancel_fn cancel, void *arg)
{
	if (ctx->resumed == NULL || ctx->pending != SH_PENDING_NONE)
		return -ENOTSUP;
	ctx->pending = SH_PENDING_WAIT;
	ctx->cancel_fn = cancel;
	ctx->cont_arg = arg;
	return 0;
}

void sh_ctx_on_stop(struct sh_ctx *ctx, sh_cancel_fn stop)
{
	if (ctx->pending == SH_PENDING_WAIT)
		ctx->stop_fn = stop;
}

void sh_ctx_progress(struct sh_ctx *ctx)
{
	/* pipes filter the whole output at the end: nothing leaves before then */
	if (ctx->pending != SH_PENDING_WAIT || ctx->streamed == NULL || ctx->out.len == 0 ||
	    (ctx->parsed != NULL && sh_parsed_npipes(ctx->parsed) > 0))
		return;
	/* a client that is behind gets the text with the next call or at the end */
	(void)ctx->streamed(ctx);
}

/*
 * Keep the lines of text that match (or, with invert, do not match) re, taking the
 * matcher's steps from *budget. 0, or -ETIME when the budget ran out (text untouched).
 */
static int filter_lines(struct tula_buf *text, struct tula_re *re, int invert, uint64_t *budget)
{
	struct tula_buf out = TULA_BUF_INIT;
	char *s = text->data, *nl;
	size_t len;

	if (text->len == 0)
		return 0;
	while (*s != '\0') {
		int r;

		nl = strchr(s, '\n');
		len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		r = tula_re_search(re, s, len, budget);
		if (r < 0) {
			tula_buf_free(&out);
			return r;
		}
		if ((r == 1) != invert) {
			tula_buf_add(&out, s, len);
			tula_buf_putc(&out, '\n');
		}
		s += len + (nl != NULL);
	}
	tula_buf_free(text);
	*text = out;
	return 0;
}

/*
 * | find RE: drop the lines before the first one that matches (all when none does),
 * with the same step budget as match. 0, or -ETIME (text untouched).
 */
static int find_first(struct tula_buf *text, struct tula_re *re, uint64_t *budget)
{
	size_t off = 0;

	while (off < text->len) {
		const char *nl = memchr(text->data + off, '\n', text->len - off);
		size_t end = nl != NULL ? (size_t)(nl - text->data) : text->len;
		int r = tula_re_search(re, text->data + off, end - off, budget);

		if (r < 0)
			return r;
		if (r == 1) {
			memmove(text->data, text->data + off, text->len - off);
			text->len -= off;
			text->data[text->len] = '\0';
			return 0;
		}
		off = end + 1;
	}
	tula_buf_reset(text);
	return 0;
}

/* | last N: keep the last n lines. */
static void last_lines(struct tula_buf *text, size_t n)
{
	size_t i = text->len, seen = 0;

	if (i > 0 && text->data[i - 1] == '\n')
		i--; /* the final newline ends the last line */
	while (i > 0) {
		if (text->data[i - 1] == '\n' && ++seen == n)
			break;
		i--;
	}
	if (i > 0) {
		memmove(text->data, text->data + i, text->len - i);
		text->len -= i;
		text->data[text->len] = '\0';
	}
}

static void count_lines(struct tula_buf *text)
{
	size_t i, n = 0;

	for (i = 0; i < text->len; i++)
		if (text->data[i] == '\n')
			n++;
	if (text->len > 0 && text->data[text->len - 1] != '\n')
		n++;
	tula_buf_reset(text);
	tula_buf_printf(text, "Count: %zu lines\n", n);
}

static int save_done(struct sh_ctx *ctx, const char *path, int status, const char *data, size_t len,
		     void *arg)
{
	(void)data;
	(void)len;
	if (status < 0)
		return sh_err(ctx, "error: cannot write %s: %s", path,
			      status == -E2BIG ? "the output is too large" : strerror(-status));
	sh_printf(ctx, "Wrote %zu lines of output to '%s'\n", (size_t)(uintptr_t)arg, path);
	return 0;
}

/* `| save FILE`: the text goes to the client as a file instead of the screen. */
static void save_output(struct sh_ctx *ctx, const char *file)
{
	size_t i, lines = 0;
	int rc;

	for (i = 0; i < ctx->out.len; i++)
		lines += ctx->out.data[i] == '\n';
	rc = sh_ctx_write_file(ctx, file, ctx->out.data ? ctx->out.data : "", ctx->out.len,
			       save_done, (void *)(uintptr_t)lines);
	tula_buf_reset(&ctx->out);
	if (rc < 0)
		sh_err(ctx, "error: cannot write %s: %s", file,
		       rc == -E2BIG ? "the output is too large" : strerror(-rc));
}

static int finish(struct sh_ctx *ctx)
{
	struct sh_parsed *p = ctx->parsed;
	uint64_t budget = SH_MATCH_BUDGET;
	size_t i;

	if (ctx->piped) /* a pipe's own continuation (| save) finished */
		goto out;
	ctx->piped = 1;
	if (ctx->val != NULL && !ctx->failed) {
		if (ctx->format == SH_FORMAT_JSON)
			tula_val_json(ctx->val, &ctx->out, 1);
		else if (ctx->render != NULL)
			ctx->render(ctx->val, &ctx->out);
	} else if (ctx->format == SH_FORMAT_JSON && !(ctx->cmd_flags & SH_CMD_F_CONFIG) &&
		   !ctx->failed) {
		sh_err(ctx, "error: '| display json' is not available for this command");
	}
	for (i = 0; p != NULL && i < p->npipes; i++) {
		switch (p->pipes[i].kind) {
		case SH_PIPE_MATCH:
		case SH_PIPE_EXCEPT:
			if (ctx->failed)
				break;
			if (filter_lines(&ctx->out, p->pipes[i].re,
					 p->pipes[i].kind == SH_PIPE_EXCEPT, &budget) < 0) {
				tula_buf_reset(&ctx->out);
				sh_err(ctx,
				       "error: '| %s': the pattern needs more than %llu matching "
				       "steps on this output; narrow the command or simplify the "
				       "pattern",
				       p->pipes[i].kind == SH_PIPE_EXCEPT ? "except" : "match",
				       (unsigned long long)SH_MATCH_BUDGET);
			}
			break;
		case SH_PIPE_COUNT:
			count_lines(&ctx->out);
			break;
		case SH_PIPE_FIND:
			if (!ctx->failed && find_first(&ctx->out, p->pipes[i].re, &budget) < 0) {
				tula_buf_reset(&ctx->out);
				sh_err(ctx,
				       "error: '| find': the pattern needs more than %llu matching "
				       "steps on this output; narrow the command or simplify the "
				       "pattern",
				       (unsigned long long)SH_MATCH_BUDGET);
			}
			break;
		case SH_PIPE_LAST:
			last_lines(&ctx->out, p->pipes[i].last);
			break;
		case SH_PIPE_SAVE:
			if (!ctx->failed && !ctx->out.oom)
				save_output(ctx, p->pipes[i].file);
			break;
		default:
			break;
		}
	}
out:
	if (ctx->out.oom || ctx->err.oom) {
		tula_buf_reset(&ctx->out);
		sh_err(ctx, "error: out of memory while producing the output");
	}
	return ctx->failed ? -EINVAL : 0;
}

int sh_ctx_finish(struct sh_ctx *ctx, int rc)
{
	if (rc < 0 && !ctx->failed)
		sh_err(ctx, "error: %s", strerror(-rc));
	if (ctx->pending != SH_PENDING_NONE && !ctx->failed)
		return 0;
	ctx->pending = SH_PENDING_NONE;
	return finish(ctx);
}

void sh_ctx_resume(struct sh_ctx *ctx, int rc)
{
	if (ctx->pending != SH_PENDING_WAIT)
		return;
	ctx->pending = SH_PENDING_NONE;
	ctx->cancel_fn = NULL;
	sh_ctx_finish(ctx, rc);
	if (ctx->resumed != NULL)
		ctx->resumed(ctx); /* may free ctx */
}

int sh_ctx_answer(struct sh_ctx *ctx, int yes)
{
	sh_answer_fn fn = ctx->answer_fn;

	if (ctx->pending != SH_PENDING_ASK || fn == NULL)
		return -EINVAL;
	ctx->pending = SH_PENDING_NONE;
	ctx->answer_fn = NULL;
	return sh_ctx_finish(ctx, fn(ctx, yes, ctx->cont_arg));
}

int sh_ctx_text(struct sh_ctx *ctx, const char *text, size_t len)
{
	sh_text_fn fn = ctx->text_fn;

	if (ctx->pending != SH_PENDING_TEXT || fn == NULL)
		return -EINVAL;
	ctx->pending = SH_PENDING_NONE;
	ctx->text_fn = NULL;
	return sh_ctx_finish(ctx, fn(ctx, text, len, ctx->cont_arg));
}

int sh_ctx_file(struct sh_ctx *ctx, int status, const char *data, size_t len)
{
	sh_file_fn fn = ctx->file_fn;
	char *path = ctx->question;
	int rc;

	if ((ctx->pending != SH_PENDING_READ_FILE && ctx->pending != SH_PENDING_WRITE_FILE) ||
	    fn == NULL)
		return -EINVAL;
	if (status > 0 ||
	    (status == 0 && ctx->pending == SH_PENDING_READ_FILE && len > SH_FILE_MAX))
		status = -EPROTO; /* a client that does not keep the protocol's bounds */
	ctx->pending = SH_PENDING_NONE;
	ctx->file_fn = NULL;
	ctx->question = NULL;
	tula_buf_free(&ctx->file);
	rc = fn(ctx, path, status, status == 0 ? data : NULL, status == 0 ? len : 0, ctx->cont_arg);
	free(path);
	return sh_ctx_finish(ctx, rc);
}
