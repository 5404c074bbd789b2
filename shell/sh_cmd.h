/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command engine's public side: how a module declares a command and how its
 * handler reads arguments and writes output.
 *
 * A command is declared once, next to its handler (HAProxy/FRR style), as a syntax
 * string with one help line per word, the placeholders' types, the modes it exists in
 * and the access level it needs:
 *
 *	static const char *const flush_help[] = {
 *		"Make a system-level request", "Services", "Direct Server Return",
 *		"Drop pinned flows", "A virtual IP", "VIP name", "Only one backend",
 *		"Backend name", NULL};
 *	static const struct sh_arg flush_args[] = {
 *		{.name = "NAME", .names = vip_names},
 *		{.name = "BACKEND", .names = backend_names},
 *		{NULL}};
 *	static const struct sh_cmd flush = {
 *		.syntax = "request services dsr flush vip NAME [backend BACKEND]",
 *		.help = flush_help, .args = flush_args, .modes = SH_MODE_OPER,
 *		.level = SH_LEVEL_OPERATOR, .fn = do_flush};
 *	sh_cmd_register(&flush);
 *
 * Syntax: lower-case words are keywords; upper-case words are placeholders (declared
 * in .args, or a free string when not declared); `[ ... ]` is optional, `( a | b )`
 * picks one, `[ a | b ]` picks at most one. One matcher serves execution, TAB
 * completion and `?` help, so a declared command completes and helps itself.
 *
 * Threads: registration happens before the CLI server starts or on the control thread;
 * handlers run on the control thread (one at a time, no locks).
 */
#ifndef SH_CMD_H
#define SH_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "common/tula_buf.h"
#include "common/tula_val.h"

struct sh_session; /* one CLI session (console, `tula cli`, a test) */
struct sh_ctx;	   /* one command being executed */
struct sh_match;   /* the parsed command line handed to a handler */
struct sh_cands;   /* candidate list being built by a completion callback */
struct sh_engine;  /* a set of declared commands */

/* Login classes (system login user NAME class CLASS), lowest first. */
enum sh_level {
	SH_LEVEL_READ_ONLY = 0,	 /* show */
	SH_LEVEL_OPERATOR = 1,	 /* + clear, request, op */
	SH_LEVEL_SUPER_USER = 2, /* + configure */
};

/* Where a command exists (bit mask). */
#define SH_MODE_OPER 0x1u /* operational mode, user@host> */
#define SH_MODE_CONF 0x2u /* configuration mode, user@host# */
#define SH_MODE_PIPE 0x4u /* after `|` (the engine's own pipe commands) */

enum sh_arg_type {
	SH_ARG_STRING = 0, /* one token, any text (quote it for spaces) */
	SH_ARG_UINT,	   /* a decimal integer in [min, max] */
	SH_ARG_WORDS,	   /* every remaining token up to a pipe (one or more) */
	SH_ARG_PATH,	   /* a configuration path walked through .walker (the schema) */
	SH_ARG_COMMAND,	   /* a whole command of mode .sub_mode (`run CMD`) */
};

/* What a completion / help list entry is. */
enum sh_cand_kind {
	SH_CAND_KEYWORD = 1, /* a word of the grammar: completes, and abbreviates */
	SH_CAND_ARG,	     /* a placeholder, shown as <name>: never inserted by TAB */
	SH_CAND_NAME,	     /* an existing name (VIP, backend...): completes, never abbreviates */
	SH_CAND_ENTER,	     /* <[Enter]>: the command may end here */
	SH_CAND_PIPE,	     /* `|`: pipes may follow */
};

/*
 * A position inside a configuration path, owned by the walker that made it. The
 * engine copies it by value and never looks inside.
 */
struct sh_walk_pos {
	const void *node;
	const void *aux;
	uint64_t state;
	uint32_t depth;
};

struct sh_arg;

/*
 * How an SH_ARG_PATH placeholder walks the configuration schema (db/'s schema behind
 * it; unit tests use a fake). Every callback receives the session (may be NULL in
 * tests) and the placeholder's declaration.
 */
struct sh_walker {
	/* Where the path starts for this session (e.g. the [edit ...] level). */
	void (*start)(struct sh_session *s, const struct sh_arg *arg, struct sh_walk_pos *pos);
	/*
	 * Offer what may follow pos: keywords, value placeholders, existing names. words
	 * are the path's words taken so far (keywords expanded), for names that depend
	 * on them (the backends of that very VIP).
	 */
	void (*offer)(struct sh_session *s, const struct sh_arg *arg, const struct sh_walk_pos *pos,
		      const char *const *words, size_t nwords, struct sh_cands *out);
	/*
	 * Take tok at pos. keyword = 1 when tok is one of the offered keywords, already
	 * expanded from an abbreviation; 0 when tok is free text (quoted = 1 if it was).
	 * Returns 1 and fills *next when taken, 0 when tok does not fit here, or -1 when
	 * tok is the right kind of thing but invalid (err says why, e.g. "port 70000:
	 * must be 1..65535").
	 */
	int (*step)(struct sh_session *s, const struct sh_arg *arg, const struct sh_walk_pos *pos,
		    const char *tok, int keyword, int quoted, struct sh_walk_pos *next, char *err,
		    size_t errlen);
	/* Whether the path may stop at pos (1) or needs more words (0). */
	int (*can_end)(struct sh_session *s, const struct sh_arg *arg,
		       const struct sh_walk_pos *pos);
};

/* Existing names for a placeholder (TAB and ?): call sh_cands_add(out, SH_CAND_NAME...). */
typedef void (*sh_names_fn)(struct sh_session *s, const struct sh_match *m, struct sh_cands *out);

struct sh_arg {
	const char *name;		/* the placeholder as written in the syntax */
	enum sh_arg_type type;		/* SH_ARG_STRING by default */
	const char *display;		/* shown by ? (default: "<name>" in lower case) */
	uint64_t min, max;		/* SH_ARG_UINT bounds (max 0 = no upper bound) */
	sh_names_fn names;		/* existing names to offer, may be NULL */
	const struct sh_walker *walker; /* SH_ARG_PATH */
	unsigned walk_flags; /* SH_ARG_PATH: passed to the walker (e.g. "must reach a value") */
	unsigned sub_mode;   /* SH_ARG_COMMAND: the mode of the embedded command */
};

/* Handler: 0 on success, or negative after sh_err() (or a bare -errno). */
typedef int (*sh_cmd_fn)(struct sh_ctx *ctx, const struct sh_match *m, void *arg);

#define SH_CMD_F_CONFIG	 0x1u /* output is configuration: `display set`, `compare` apply */
#define SH_CMD_F_NO_PIPE 0x2u /* pipes are not offered (configure, exit, ...) */

struct sh_cmd {
	const char *syntax;
	const char *const *help;   /* one line per word of the syntax, NULL-terminated */
	const struct sh_arg *args; /* placeholders, terminated by {NULL}; may be NULL */
	unsigned modes;		   /* SH_MODE_* */
	enum sh_level level;
	unsigned flags; /* SH_CMD_F_* */
	sh_cmd_fn fn;
	void *arg;
};

/*
 * Declare a command in the process-wide engine that the CLI server uses. cmd (and
 * everything it points to) must stay valid until sh_cmd_unregister() or exit; static
 * storage is the intended use. Returns 0, -EINVAL (bad syntax, or the help lines do not
 * match the words; the reason is logged with the syntax), -EEXIST (the same syntax in
 * an overlapping mode), or -ENOMEM.
 */
int sh_cmd_register(const struct sh_cmd *cmd);
/* Remove a declared command. Returns 0 or -ENOENT. */
int sh_cmd_unregister(const struct sh_cmd *cmd);
/* A module's table of n commands: all declared (0), or none (the first error). */
int sh_cmds_register(const struct sh_cmd *cmds, size_t n);
void sh_cmds_unregister(const struct sh_cmd *cmds, size_t n);

/* --- reading the parsed line (in a handler or a names callback) ------------------ */

/* The value of placeholder name (its first word), or NULL when absent. */
const char *sh_match_str(const struct sh_match *m, const char *name);
/* Placeholder as a number: 0 and *v set, -ENOENT when absent. */
int sh_match_uint(const struct sh_match *m, const char *name, uint64_t *v);
/* 1 if keyword kw (full spelling) was given, else 0. */
int sh_match_has(const struct sh_match *m, const char *kw);
/*
 * The words of a multi-word placeholder (SH_ARG_WORDS, SH_ARG_PATH): the count, with
 * *words pointing at an array owned by the match (valid during the call). Keywords of a
 * path are expanded to their full spelling. 0 when absent.
 */
size_t sh_match_words(const struct sh_match *m, const char *name, const char *const **words);
/* The line as typed, and the session it came from (NULL in some tests). */
const char *sh_match_line(const struct sh_match *m);
struct sh_session *sh_match_session(const struct sh_match *m);

/* --- writing output (in a handler) ---------------------------------------------- */

/* Append text to the command's output. */
void sh_printf(struct sh_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sh_puts(struct sh_ctx *ctx, const char *s);
struct tula_buf *sh_ctx_out(struct sh_ctx *ctx);
/*
 * Record the error the operator sees (one line saying what and where) and return
 * -EINVAL so a handler can `return sh_err(ctx, ...)`. The first error wins.
 */
int sh_err(struct sh_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A warning printed before the output (e.g. "warning: no backends are healthy"). */
void sh_warn(struct sh_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Hand structured output to the engine (it takes ownership of v): `| display json`
 * prints it as JSON, otherwise render(v, out) turns it into text. Lua's tula.show()
 * receives v itself.
 */
typedef void (*sh_render_fn)(const struct tula_val *v, struct tula_buf *out);
void sh_ctx_set_val(struct sh_ctx *ctx, struct tula_val *v, sh_render_fn render);

/* The output format requested by pipes (SH_CMD_F_CONFIG commands honour all three). */
enum sh_format {
	SH_FORMAT_TEXT = 0,
	SH_FORMAT_SET,	/* | display set */
	SH_FORMAT_JSON, /* | display json */
};
enum sh_format sh_ctx_format(const struct sh_ctx *ctx);
/*
 * `| compare [rollback N]` on configuration output: returns 1 and sets *rollback to N
 * (or -1 for plain `compare`: candidate against active), 0 when not requested.
 */
int sh_ctx_compare(const struct sh_ctx *ctx, int *rollback);
struct sh_session *sh_ctx_session(const struct sh_ctx *ctx);

/*
 * Ask the operator a yes/no question before going on (`exit` with uncommitted changes).
 * The handler returns the value of this call at once; when the answer arrives, cont
 * runs with a fresh ctx and answer 1 (yes) or 0 (no). Non-interactive clients answer
 * with the default. Returns 0, or -ENOTSUP when the session cannot ask (cont is then
 * never called).
 */
typedef int (*sh_answer_fn)(struct sh_ctx *ctx, int answer, void *arg);
int sh_ctx_ask(struct sh_ctx *ctx, const char *question, int default_yes, sh_answer_fn cont,
	       void *arg);
/*
 * Read a block of text from the operator (`load merge terminal`): the client shows
 * prompt, collects lines until ^D (or end of input) and cont receives the text.
 * Returns 0 or -ENOTSUP as sh_ctx_ask().
 */
typedef int (*sh_text_fn)(struct sh_ctx *ctx, const char *text, size_t len, void *arg);
int sh_ctx_read_text(struct sh_ctx *ctx, const char *prompt, sh_text_fn cont, void *arg);

/*
 * Read or write a file the operator named (`load merge FILE`, `save FILE`): the CLIENT
 * opens it as its own Unix user — the daemon never opens a path a client names. The
 * handler returns the value of this call at once; cont runs when the client answered,
 * with path, status 0 or a negative errno (-E2BIG: over SH_FILE_MAX, sh_proto.h) and,
 * for a read, the file's bytes (len of them; not NUL terminated). Returns 0, -ENOTSUP when
 * the front end has no client that can open files (Lua's tula.cli), or -ENOMEM.
 */
typedef int (*sh_file_fn)(struct sh_ctx *ctx, const char *path, int status, const char *data,
			  size_t len, void *arg);
int sh_ctx_read_file(struct sh_ctx *ctx, const char *path, sh_file_fn cont, void *arg);
int sh_ctx_write_file(struct sh_ctx *ctx, const char *path, const char *data, size_t len,
		      sh_file_fn cont, void *arg);

/*
 * Finish the command later (a `request` that waits for the network): the handler
 * returns the value of this call at once, and the control thread goes on serving
 * everyone else. When the work is done, write the output to ctx (sh_printf,
 * sh_ctx_set_val, sh_err) and call sh_ctx_resume(ctx, rc) from a later loop callback —
 * never from inside the handler, which still holds ctx. If the
 * session ends first, cancel(arg) runs instead and ctx must never be used again.
 * Returns 0, or -ENOTSUP when this front end cannot wait (Lua's tula.cli / tula.show):
 * the handler must then say so with sh_err().
 */
typedef void (*sh_cancel_fn)(void *arg);
int sh_ctx_defer(struct sh_ctx *ctx, sh_cancel_fn cancel, void *arg);
void sh_ctx_resume(struct sh_ctx *ctx, int rc);
/*
 * While a deferred command waits: show what it wrote so far (ping's replies as they
 * come). The front end sends and empties the output; without that ability, or when
 * pipes follow the command (they need the whole text), the output simply waits for
 * sh_ctx_resume().
 */
void sh_ctx_progress(struct sh_ctx *ctx);
/*
 * A deferred command that runs until the operator stops it (`monitor interface`):
 * stop(arg) runs on the loop when the operator presses q or ^C (the client sends it
 * while this command's output is live); it must finish the command soon with
 * sh_ctx_resume() from a later loop callback. Call after sh_ctx_defer().
 */
void sh_ctx_on_stop(struct sh_ctx *ctx, sh_cancel_fn stop);
/*
 * While deferred: send what the command has written so far to the client now, unpaged
 * and past the pipes (`monitor traffic` prints a line per packet until stopped). The
 * text is sent or, when the client has not read the last SH_STREAM_BACKLOG bytes yet,
 * left in ctx's output for the caller to drop (a slow terminal never makes the daemon
 * buffer without bound). Returns 0 (sent), -EAGAIN (the client is behind), -ENOTSUP
 * (not deferred, or the front end cannot stream).
 */
#define SH_STREAM_BACKLOG (256u * 1024)
int sh_ctx_stream(struct sh_ctx *ctx);

/* --- candidate lists (names callbacks and walkers fill them) ------------------------ */

/* Add one entry; word and help are copied. */
void sh_cands_add(struct sh_cands *out, enum sh_cand_kind kind, const char *word, const char *help);

#endif
