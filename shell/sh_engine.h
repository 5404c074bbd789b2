/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command engine's driving side, used by the CLI server, the unit tests and Lua
 * (tula.show): parse a line against a set of declared commands, execute it with its
 * pipes, and list completions / help. One matcher does all three, so what TAB offers
 * is exactly what execution accepts.
 *
 * Matching rules (Junos): a token equal to a keyword takes it; otherwise a placeholder
 * that accepts the token takes it; otherwise a unique keyword prefix is expanded; two
 * or more prefixes are an ambiguity error listing them. Quoted tokens are never
 * keywords. Commands above the session's class are invisible to completion and help,
 * and refused with a permission error when typed.
 *
 * Thread: the owner's (the control thread for the server's engine).
 */
#ifndef SH_ENGINE_H
#define SH_ENGINE_H

#include "shell/sh_cmd.h"

#include "common/tula_re.h"

#define SH_MAX_TOKENS 128 /* words on one line, pipes included */
#define SH_MAX_PIPES  8
/* Steps of the pattern matcher one command's `| match` / `| except` pipes may take
 * together (about a second of the control thread at most); past it the command fails
 * and says so, instead of holding every other session. */
#define SH_MATCH_BUDGET 100000000ull

/* Who is asking, and where: filters the commands that are visible. */
struct sh_env {
	unsigned mode;	     /* SH_MODE_OPER or SH_MODE_CONF */
	enum sh_level level; /* the session's class */
	struct sh_session *sess;
};

struct sh_cand {
	enum sh_cand_kind kind;
	char *word;
	char *help;
};

/* A candidate list: what TAB and ? show. Owner: the caller (sh_cands_free). */
struct sh_cands {
	struct sh_cand *v;
	size_t n, cap;
	size_t word_start; /* offset in the line of the word being completed */
	int oom;
};

void sh_cands_free(struct sh_cands *c);

enum sh_pipe_kind {
	SH_PIPE_MATCH = 1,
	SH_PIPE_EXCEPT,
	SH_PIPE_COUNT,
	SH_PIPE_NO_MORE,
	SH_PIPE_DISPLAY_SET,
	SH_PIPE_DISPLAY_JSON,
	SH_PIPE_COMPARE,
	SH_PIPE_SAVE, /* the output goes to a file the client writes (always the last pipe) */
	SH_PIPE_LAST, /* the last N lines */
	SH_PIPE_FIND, /* from the first line that matches on */
};

struct sh_pipe {
	enum sh_pipe_kind kind;
	int rollback;	    /* compare rollback N (-1: none) */
	const char *file;   /* save FILE (a string of the parsed line) */
	struct tula_re *re; /* match / except / find (bounded: common/tula_re.h) */
	size_t last;	    /* last N */
};

/* A parsed line: the command, its words and its pipes. Owner: sh_parsed_free(). */
struct sh_parsed;

/*
 * The state of one command's execution, created by the caller (the server, a test)
 * with sh_ctx_init() and released with sh_ctx_fini(). After sh_engine_exec() the
 * caller reads: failed/err (the error text), out (the text after pipes), no_more,
 * and pending (the handler asked a question or for text: answer with
 * sh_ctx_answer() / sh_ctx_text(), which run the continuation and finish the output;
 * or it waits for work in progress: sh_ctx_resume() finishes it and calls resumed).
 */
struct sh_ctx {
	struct sh_session *sess;
	struct tula_buf out;
	struct tula_buf err;
	struct tula_buf warn;
	int failed;
	int can_ask;  /* the front end can answer questions / send text */
	int can_file; /* the front end has a client that opens files (READ/WRITE_FILE) */
	unsigned cmd_flags;
	enum sh_format format;
	int compare, compare_rb;
	int no_more;
	struct tula_val *val;
	sh_render_fn render;
	struct sh_parsed *parsed; /* the running command and its pipes */
	enum {
		SH_PENDING_NONE,
		SH_PENDING_ASK,
		SH_PENDING_TEXT,
		SH_PENDING_WAIT,
		SH_PENDING_READ_FILE,  /* question: the path */
		SH_PENDING_WRITE_FILE, /* question: the path; file: the content */
	} pending;
	char *question;	      /* the question, the text prompt or the file's path */
	struct tula_buf file; /* SH_PENDING_WRITE_FILE: what to write */
	sh_file_fn file_fn;
	int piped; /* the value is rendered and the pipes ran: never twice */
	int default_yes;
	sh_answer_fn answer_fn;
	sh_text_fn text_fn;
	void *cont_arg;
	sh_cancel_fn cancel_fn; /* SH_PENDING_WAIT: the session ended before the resume */
	/* Set by the front end that can wait (the server): called by sh_ctx_resume() once
	 * the command has finished, to send its output. NULL: sh_ctx_defer is refused. */
	void (*resumed)(struct sh_ctx *ctx);
	/* Set by a front end that can show output before the end (the server): sends what
	 * out holds now while the command waits (sh_ctx_progress, sh_ctx_stream). Returns
	 * 0, or -EAGAIN when the client is behind (out keeps the text). */
	int (*streamed)(struct sh_ctx *ctx);
	sh_cancel_fn stop_fn; /* SH_PENDING_WAIT: the operator pressed q (sh_ctx_on_stop) */
};

void sh_ctx_init(struct sh_ctx *ctx, struct sh_session *sess, int can_ask);
void sh_ctx_fini(struct sh_ctx *ctx);

/* A new empty engine (with the pipe commands), or NULL. */
struct sh_engine *sh_engine_new(void);
void sh_engine_free(struct sh_engine *e);
/* Same contract as sh_cmd_register(), for this engine. */
int sh_engine_add(struct sh_engine *e, const struct sh_cmd *cmd);
int sh_engine_remove(struct sh_engine *e, const struct sh_cmd *cmd);
/* Add cmds[0..n): 0, or the first error with none of them left added. */
int sh_engine_add_all(struct sh_engine *e, const struct sh_cmd *cmds, size_t n);
void sh_engine_remove_all(struct sh_engine *e, const struct sh_cmd *cmds, size_t n);
/* The process-wide engine behind sh_cmd_register() (created on first use; NULL on ENOMEM). */
struct sh_engine *sh_engine_default(void);
/* Free the process-wide engine (at exit, so leak checkers stay quiet). */
void sh_engine_default_free(void);

/*
 * Parse line. Returns 0 and *out, or -EINVAL / -EPERM / -E2BIG with the operator's
 * error text in err: the line, a `^` under the bad word, and what was expected (or
 * the ambiguous candidates). An empty line parses to *out = NULL and returns 0.
 */
int sh_engine_parse(struct sh_engine *e, const struct sh_env *env, const char *line,
		    struct sh_parsed **out, struct tula_buf *err);
void sh_parsed_free(struct sh_parsed *p);
const struct sh_cmd *sh_parsed_cmd(const struct sh_parsed *p);
const struct sh_match *sh_parsed_match(const struct sh_parsed *p);
size_t sh_parsed_npipes(const struct sh_parsed *p);
enum sh_pipe_kind sh_parsed_pipe(const struct sh_parsed *p, size_t i);

/*
 * Parse and run line: the handler, then the pipes. Returns 0 (done, or pending),
 * or -errno with ctx->failed set and ctx->err filled. An empty line does nothing.
 */
int sh_engine_exec(struct sh_engine *e, const struct sh_env *env, const char *line,
		   struct sh_ctx *ctx);
/* Run an already parsed command with its pipes (takes ownership of p). */
int sh_engine_exec_parsed(struct sh_engine *e, const struct sh_env *env, struct sh_parsed *p,
			  struct sh_ctx *ctx);
/* Resume a pending command with the operator's answer / text. Returns as exec. */
int sh_ctx_answer(struct sh_ctx *ctx, int yes);
int sh_ctx_text(struct sh_ctx *ctx, const char *text, size_t len);
/* Resume a pending file read / write with the client's status and (read) bytes. */
int sh_ctx_file(struct sh_ctx *ctx, int status, const char *data, size_t len);

/*
 * What may come at offset cursor of line: fills out (sorted: <[Enter]>, placeholders,
 * then words) with out->word_start at the start of the partial word. Returns 0 (the
 * list may be empty), or -EINVAL with err filled when the words before the cursor do
 * not parse (the same text execution would show).
 */
int sh_engine_complete(struct sh_engine *e, const struct sh_env *env, const char *line,
		       size_t cursor, struct sh_cands *out, struct tula_buf *err);

/* Format a candidate list the way `?` shows it ("Possible completions:" + columns). */
void sh_cands_format(const struct sh_cands *c, struct tula_buf *out);

#endif
