/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * shell/-private: the command engine's internals, shared by its files —
 *   sh_engine.c  the engine object: syntaxes compiled into automata, the registry,
 *                the pipe commands, and the three verbs (parse, exec, complete);
 *   sh_match.c   tokens and the matcher: a line against every command at once
 *                (sh_match_*), the parse result (sh_parsed_*), the handler's view;
 *   sh_cands.c   candidate lists and completion / help (sh_cands_*);
 *   sh_ctx.c     the handler context: output, errors, questions, pipes (sh_ctx_*);
 *   sh_cmd.c     the process-wide engine behind sh_cmd_register().
 * Nothing outside these files includes this header.
 *
 * The command engine: declared syntaxes compiled into small automata, and one matcher
 * that parses a line, completes it and lists help.
 *
 * Each command's syntax becomes a graph of nodes (keyword, placeholder, end) joined by
 * epsilon nodes for `[ ]` and `( | )`. Matching runs all commands of the mode at once,
 * as a set of states (command, last node, position in a configuration path, the words
 * taken so far); each token moves every state that accepts it. Keeping every command
 * alive until the line decides is what lets abbreviation, ambiguity, `?` and TAB share
 * one implementation: the candidates at a position are simply what the live states
 * would accept next. Configuration paths are one placeholder whose words are walked by
 * the schema (struct sh_walker), so a new schema node needs no grammar change.
 */
#ifndef SH_ENGINE_INT_H
#define SH_ENGINE_INT_H

#include "shell/sh_engine.h"

#include <stddef.h>

#define SH_MAX_STATES 256 /* live matcher states per token */
#define SH_MAX_NEXT   16  /* alternatives after one syntax node */

enum sh_nkind { SH_N_EPS, SH_N_KW, SH_N_ARG, SH_N_END };

struct sh_node {
	enum sh_nkind kind;
	char *word; /* keyword, or placeholder name */
	const char *help;
	const struct sh_arg *arg; /* SH_N_ARG: the declaration (or dflt) */
	struct sh_arg dflt;	  /* an undeclared placeholder: a free string */
	char display[48];	  /* "<name>" for ? */
	struct sh_node *next[SH_MAX_NEXT];
	size_t nnext;
};

struct sh_ccmd {
	const struct sh_cmd *cmd;
	struct sh_node **nodes;
	size_t nnodes;
	struct sh_node *start;
	unsigned order; /* registration order: the first complete command wins a tie */
};

struct sh_engine {
	struct sh_ccmd **cmds;
	size_t n, cap;
	unsigned order;
};

struct sh_tok {
	char *text; /* unquoted, unescaped */
	size_t start, end;
	int quoted;
	int pipe; /* an unquoted `|` */
};

struct sh_toks {
	struct sh_tok v[SH_MAX_TOKENS];
	size_t n;
	int open_quote; /* the line ends inside a quoted word */
	int too_many;
};

struct sh_match {
	const struct sh_cmd *cmd;
	const char *line;
	struct sh_session *sess;
	size_t n;
	const char *name[SH_MAX_TOKENS]; /* placeholder per word, NULL for a keyword */
	const char *val[SH_MAX_TOKENS];	 /* the word (keywords expanded) */
	struct sh_parsed *sub;		 /* SH_ARG_COMMAND: the embedded command */
	unsigned sub_mode;
};

struct sh_parsed {
	struct sh_match m;
	char *line;
	char **strs; /* strings the match points to */
	size_t nstrs;
	struct sh_pipe pipes[SH_MAX_PIPES];
	size_t npipes;
};

struct sh_mstate {
	const struct sh_ccmd *c;
	const struct sh_node *n;
	int in_path;
	struct sh_walk_pos pos;
	size_t ntok; /* words taken in this segment */
	const struct sh_node *by[SH_MAX_TOKENS];
	const char *val[SH_MAX_TOKENS];
	struct sh_parsed *sub;
};

struct sh_item {
	const struct sh_mstate *s;
	const struct sh_node *n; /* SH_N_KW, SH_N_ARG (incl. paths), SH_N_END */
	struct sh_walk_pos pos;	 /* paths: where the walker stands */
};

struct sh_matcher {
	struct sh_engine *e;
	const struct sh_env *env;
	const char *line;
	struct sh_toks *tk;
	struct sh_parsed *owner; /* strings go here */
	struct tula_buf *err;
	int no_filter; /* ignore the class (to tell "forbidden" from "unknown") */
};

struct sh_items {
	struct sh_item v[SH_MAX_STATES * 4];
	size_t n;
};

struct sh_sset {
	struct sh_mstate *v[SH_MAX_STATES];
	size_t n;
};

/* --- across the engine's files ------------------------------------------------------ */

/* sh_engine.c: the process-wide engine if it exists (NULL: never created or freed). */
struct sh_engine *sh_engine_default_peek(void);

/* sh_match.c */
/* Split on blanks; "..." is one word with \" and \\ escapes; an unquoted | stands alone.
 * 0, -E2BIG (more than SH_MAX_TOKENS words) or -ENOMEM; free with sh_match_toks_free. */
int sh_match_tokenize(const char *line, size_t len, struct sh_toks *t);
void sh_match_toks_free(struct sh_toks *t);
/* Is n a configuration path placeholder (walked by the schema)? */
int sh_match_is_path(const struct sh_node *n);
/* What the walker of path item x offers next, into out. */
void sh_match_walker_offer(struct sh_matcher *mt, const struct sh_item *x, struct sh_cands *out);
/* What every state of set can take next, into it. */
void sh_match_frontier(struct sh_matcher *mt, struct sh_mstate *const *set, size_t nset,
		       struct sh_items *it);
/* The start states of every command of mode visible to the session. */
void sh_match_start(struct sh_matcher *mt, unsigned mode, struct sh_sset *set);
/* Move set over token i (of [.., to)): 0 with *next filled, or -EINVAL / -EPERM with
 * the error written; *sub_done when an embedded command took the rest of the range. */
int sh_match_step(struct sh_matcher *mt, struct sh_sset *set, size_t i, size_t to,
		  struct sh_sset *next, int *sub_done);
void sh_match_states_free(struct sh_sset *s);
/* Fill m from state s (the command, its words and placeholders). */
void sh_match_build(struct sh_matcher *mt, const struct sh_mstate *s, struct sh_match *m);
/* sh_engine_parse() */
int sh_match_parse_line(struct sh_engine *e, const struct sh_env *env, const char *line,
			struct sh_parsed **out, struct tula_buf *err);

/* sh_cands.c */
/* qsort order of candidates: <[Enter]>, placeholders, words, then `|`. */
int sh_cands_cmp(const void *a, const void *b);
/* sh_engine_complete() */
int sh_cands_complete(struct sh_engine *e, const struct sh_env *env, const char *line,
		      size_t cursor, struct sh_cands *out, struct tula_buf *err);

/* sh_ctx.c: after the handler (or its continuation) returned rc: record an error, and
 * unless the command is pending, render the value and run the pipes. 0 or -EINVAL. */
int sh_ctx_finish(struct sh_ctx *ctx, int rc);

#endif
