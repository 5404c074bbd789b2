/* SPDX-License-Identifier: BSD-3-Clause */
/*
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
#include "shell/sh_engine.h"

#include "common/tula_log.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STATES 256
#define MAX_NEXT   16

/* --- compiled grammar ------------------------------------------------------------- */

enum nkind { N_EPS, N_KW, N_ARG, N_END };

struct node {
	enum nkind kind;
	char *word; /* keyword, or placeholder name */
	const char *help;
	const struct sh_arg *arg; /* N_ARG: the declaration (or dflt) */
	struct sh_arg dflt;	  /* an undeclared placeholder: a free string */
	char display[48];	  /* "<name>" for ? */
	struct node *next[MAX_NEXT];
	size_t nnext;
};

struct ccmd {
	const struct sh_cmd *cmd;
	struct node **nodes;
	size_t nnodes;
	struct node *start;
	unsigned order; /* registration order: the first complete command wins a tie */
};

struct sh_engine {
	struct ccmd **cmds;
	size_t n, cap;
	unsigned order;
};

static void ccmd_free(struct ccmd *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nnodes; i++) {
		free(c->nodes[i]->word);
		free(c->nodes[i]);
	}
	free(c->nodes);
	free(c);
}

struct syn {
	struct ccmd *c;
	char *toks[128];
	size_t n, i;
	const char *const *help;
	size_t hi;
	char why[160];
};

static struct node *new_node(struct syn *p, enum nkind kind)
{
	struct node *n, **v;

	v = realloc(p->c->nodes, (p->c->nnodes + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	p->c->nodes = v;
	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->kind = kind;
	v[p->c->nnodes++] = n;
	return n;
}

static int link_node(struct syn *p, struct node *from, struct node *to)
{
	size_t i;

	for (i = 0; i < from->nnext; i++)
		if (from->next[i] == to)
			return 0;
	if (from->nnext == MAX_NEXT) {
		snprintf(p->why, sizeof(p->why), "too many alternatives");
		return -1;
	}
	from->next[from->nnext++] = to;
	return 0;
}

static int is_punct(const char *t)
{
	return t[0] != '\0' && t[1] == '\0' && strchr("[]()|", t[0]) != NULL;
}

static const struct sh_arg *find_arg(const struct sh_cmd *cmd, const char *name)
{
	const struct sh_arg *a;

	for (a = cmd->args; a != NULL && a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

static struct node *word_node(struct syn *p, const char *w)
{
	struct node *n;
	size_t i;

	if (p->help == NULL || p->help[p->hi] == NULL) {
		snprintf(p->why, sizeof(p->why), "no help line for word '%s'", w);
		return NULL;
	}
	n = new_node(p, isupper((unsigned char)w[0]) ? N_ARG : N_KW);
	if (n == NULL || (n->word = strdup(w)) == NULL) {
		snprintf(p->why, sizeof(p->why), "out of memory");
		return NULL;
	}
	n->help = p->help[p->hi++];
	if (n->kind == N_ARG) {
		n->arg = find_arg(p->c->cmd, w);
		if (n->arg == NULL) {
			n->dflt.name = n->word;
			n->arg = &n->dflt;
		}
		if (n->arg->display != NULL) {
			snprintf(n->display, sizeof(n->display), "%s", n->arg->display);
		} else {
			n->display[0] = '<';
			for (i = 0; w[i] != '\0' && i + 3 < sizeof(n->display); i++)
				n->display[i + 1] =
					w[i] == '_' ? '-' : (char)tolower((unsigned char)w[i]);
			n->display[i + 1] = '>';
			n->display[i + 2] = '\0';
		}
	}
	return n;
}

/* seq := item* ; item := WORD | '[' alts ']' | '(' alts ')' ; alts := seq ('|' seq)* */
static struct node *build_seq(struct syn *p, struct node *cur)
{
	while (p->i < p->n) {
		const char *t = p->toks[p->i];
		struct node *n;

		if (strcmp(t, "]") == 0 || strcmp(t, ")") == 0 || strcmp(t, "|") == 0)
			return cur;
		if (strcmp(t, "[") == 0 || strcmp(t, "(") == 0) {
			char open = t[0];
			struct node *join = new_node(p, N_EPS);

			if (join == NULL)
				return NULL;
			p->i++;
			for (;;) {
				struct node *exit = build_seq(p, cur);

				if (exit == NULL || link_node(p, exit, join) < 0)
					return NULL;
				if (p->i >= p->n) {
					snprintf(p->why, sizeof(p->why), "unclosed '%c'", open);
					return NULL;
				}
				t = p->toks[p->i++];
				if (strcmp(t, "|") == 0)
					continue;
				if (open == '[' && strcmp(t, "]") == 0) {
					if (link_node(p, cur, join) < 0)
						return NULL;
					break;
				}
				if (open == '(' && strcmp(t, ")") == 0)
					break;
				snprintf(p->why, sizeof(p->why), "'%c' closed by '%s'", open, t);
				return NULL;
			}
			cur = join;
			continue;
		}
		n = word_node(p, t);
		if (n == NULL || link_node(p, cur, n) < 0)
			return NULL;
		if (n->kind == N_ARG && n->arg->type == SH_ARG_WORDS && link_node(p, n, n) < 0)
			return NULL;
		p->i++;
		cur = n;
	}
	return cur;
}

static int split_syntax(struct syn *p, const char *s)
{
	while (*s != '\0') {
		size_t len;

		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		len = strchr("[]()|", *s) != NULL ? 1 : strcspn(s, " \t[]()|");
		if (p->n == sizeof(p->toks) / sizeof(p->toks[0]))
			return -1;
		p->toks[p->n] = strndup(s, len);
		if (p->toks[p->n] == NULL)
			return -1;
		p->n++;
		s += len;
	}
	return 0;
}

static struct ccmd *compile(const struct sh_cmd *cmd, char *why, size_t whylen)
{
	struct syn p = {.help = cmd->help};
	struct node *exit, *end;
	size_t i;

	why[0] = '\0';
	p.c = calloc(1, sizeof(*p.c));
	if (p.c == NULL)
		return NULL;
	p.c->cmd = cmd;
	if (split_syntax(&p, cmd->syntax) < 0) {
		snprintf(p.why, sizeof(p.why), "too many words");
		goto fail;
	}
	if (p.n == 0 || is_punct(p.toks[0])) {
		snprintf(p.why, sizeof(p.why), "a command starts with a keyword");
		goto fail;
	}
	p.c->start = new_node(&p, N_EPS);
	if (p.c->start == NULL)
		goto fail;
	exit = build_seq(&p, p.c->start);
	if (exit == NULL)
		goto fail;
	if (p.i < p.n) {
		snprintf(p.why, sizeof(p.why), "unexpected '%s'", p.toks[p.i]);
		goto fail;
	}
	if (p.help[p.hi] != NULL) {
		snprintf(p.why, sizeof(p.why), "more help lines than words");
		goto fail;
	}
	end = new_node(&p, N_END);
	if (end == NULL || link_node(&p, exit, end) < 0)
		goto fail;
	for (i = 0; i < p.n; i++)
		free(p.toks[i]);
	return p.c;
fail:
	snprintf(why, whylen, "%s", p.why[0] ? p.why : "out of memory");
	for (i = 0; i < p.n; i++)
		free(p.toks[i]);
	ccmd_free(p.c);
	return NULL;
}

int sh_engine_add(struct sh_engine *e, const struct sh_cmd *cmd)
{
	struct ccmd *c;
	char why[160];
	size_t i;

	if (cmd == NULL || cmd->syntax == NULL || cmd->modes == 0)
		return -EINVAL;
	for (i = 0; i < e->n; i++) {
		if (e->cmds[i]->cmd == cmd || (strcmp(e->cmds[i]->cmd->syntax, cmd->syntax) == 0 &&
					       (e->cmds[i]->cmd->modes & cmd->modes) != 0))
			return -EEXIST;
	}
	c = compile(cmd, why, sizeof(why));
	if (c == NULL) {
		TLOG_ERR("shell: cannot declare command '%s': %s", cmd->syntax, why);
		return strcmp(why, "out of memory") == 0 ? -ENOMEM : -EINVAL;
	}
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 32;
		struct ccmd **v = realloc(e->cmds, cap * sizeof(*v));

		if (v == NULL) {
			ccmd_free(c);
			return -ENOMEM;
		}
		e->cmds = v;
		e->cap = cap;
	}
	c->order = e->order++;
	e->cmds[e->n++] = c;
	return 0;
}

int sh_engine_remove(struct sh_engine *e, const struct sh_cmd *cmd)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		if (e->cmds[i]->cmd == cmd) {
			ccmd_free(e->cmds[i]);
			memmove(&e->cmds[i], &e->cmds[i + 1], (e->n - i - 1) * sizeof(e->cmds[0]));
			e->n--;
			return 0;
		}
	}
	return -ENOENT;
}

/* --- pipes: the engine's own commands after `|` ------------------------------------ */

static const char *const match_help[] = {"Show only text that matches a pattern",
					 "Regular expression (POSIX extended)", NULL};
static const char *const except_help[] = {"Show only text that does not match a pattern",
					  "Regular expression (POSIX extended)", NULL};
static const char *const count_help[] = {"Count occurrences (lines)", NULL};
static const char *const nomore_help[] = {"Don't paginate output", NULL};
static const char *const display_help[] = {"Show additional kinds of information",
					   "Show configuration as set commands",
					   "Show output as JSON", NULL};
static const char *const compare_help[] = {"Compare configuration changes with a prior version",
					   "Compare with a committed revision",
					   "Revision number (0 is the active configuration)", NULL};
static const struct sh_arg compare_args[] = {
	{.name = "N", .type = SH_ARG_UINT, .display = "<number>", .min = 0, .max = 49},
	{NULL},
};
static const struct sh_arg pattern_args[] = {
	{.name = "PATTERN", .display = "<pattern>"},
	{NULL},
};

static const struct sh_cmd pipe_cmds[] = {
	{.syntax = "match PATTERN",
	 .help = match_help,
	 .args = pattern_args,
	 .arg = (void *)SH_PIPE_MATCH,
	 .modes = SH_MODE_PIPE},
	{.syntax = "except PATTERN",
	 .help = except_help,
	 .args = pattern_args,
	 .arg = (void *)SH_PIPE_EXCEPT,
	 .modes = SH_MODE_PIPE},
	{.syntax = "count",
	 .help = count_help,
	 .arg = (void *)SH_PIPE_COUNT,
	 .modes = SH_MODE_PIPE},
	{.syntax = "no-more",
	 .help = nomore_help,
	 .arg = (void *)SH_PIPE_NO_MORE,
	 .modes = SH_MODE_PIPE},
	{.syntax = "display (set | json)",
	 .help = display_help,
	 .arg = (void *)SH_PIPE_DISPLAY_SET,
	 .modes = SH_MODE_PIPE},
	{.syntax = "compare [rollback N]",
	 .help = compare_help,
	 .args = compare_args,
	 .arg = (void *)SH_PIPE_COMPARE,
	 .modes = SH_MODE_PIPE},
};

#define NB_PIPE_CMDS (sizeof(pipe_cmds) / sizeof(pipe_cmds[0]))

struct sh_engine *sh_engine_new(void)
{
	struct sh_engine *e = calloc(1, sizeof(*e));
	size_t i;

	if (e == NULL)
		return NULL;
	for (i = 0; i < NB_PIPE_CMDS; i++) {
		if (sh_engine_add(e, &pipe_cmds[i]) < 0) {
			sh_engine_free(e);
			return NULL;
		}
	}
	return e;
}

void sh_engine_free(struct sh_engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++)
		ccmd_free(e->cmds[i]);
	free(e->cmds);
	free(e);
}

static struct sh_engine *default_engine;

struct sh_engine *sh_engine_default(void)
{
	if (default_engine == NULL)
		default_engine = sh_engine_new();
	return default_engine;
}

void sh_engine_default_free(void)
{
	sh_engine_free(default_engine);
	default_engine = NULL;
}

int sh_engine_add_all(struct sh_engine *e, const struct sh_cmd *cmds, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = sh_engine_add(e, &cmds[i]);
		if (rc < 0) {
			while (i-- > 0)
				sh_engine_remove(e, &cmds[i]);
			return rc;
		}
	}
	return 0;
}

void sh_engine_remove_all(struct sh_engine *e, const struct sh_cmd *cmds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sh_engine_remove(e, &cmds[i]);
}

int sh_cmds_register(const struct sh_cmd *cmds, size_t n)
{
	struct sh_engine *e = sh_engine_default();

	return e == NULL ? -ENOMEM : sh_engine_add_all(e, cmds, n);
}

void sh_cmds_unregister(const struct sh_cmd *cmds, size_t n)
{
	if (default_engine != NULL)
		sh_engine_remove_all(default_engine, cmds, n);
}

int sh_cmd_register(const struct sh_cmd *cmd)
{
	struct sh_engine *e = sh_engine_default();

	return e == NULL ? -ENOMEM : sh_engine_add(e, cmd);
}

int sh_cmd_unregister(const struct sh_cmd *cmd)
{
	return default_engine == NULL ? -ENOENT : sh_engine_remove(default_engine, cmd);
}

/* --- candidate lists ---------------------------------------------------------------- */

void sh_cands_add(struct sh_cands *out, enum sh_cand_kind kind, const char *word, const char *help)
{
	struct sh_cand *c;
	size_t i;

	if (out->oom || word == NULL)
		return;
	for (i = 0; i < out->n; i++)
		if (out->v[i].kind == kind && strcmp(out->v[i].word, word) == 0)
			return;
	if (out->n == out->cap) {
		size_t cap = out->cap ? out->cap * 2 : 16;
		struct sh_cand *v = realloc(out->v, cap * sizeof(*v));

		if (v == NULL) {
			out->oom = 1;
			return;
		}
		out->v = v;
		out->cap = cap;
	}
	c = &out->v[out->n];
	c->kind = kind;
	c->word = strdup(word);
	c->help = strdup(help != NULL ? help : "");
	if (c->word == NULL || c->help == NULL) {
		free(c->word);
		free(c->help);
		out->oom = 1;
		return;
	}
	out->n++;
}

void sh_cands_free(struct sh_cands *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].word);
		free(c->v[i].help);
	}
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
	c->oom = 0;
}

static int cand_rank(enum sh_cand_kind k)
{
	switch (k) {
	case SH_CAND_ENTER:
		return 0;
	case SH_CAND_ARG:
		return 1;
	case SH_CAND_PIPE:
		return 3;
	default:
		return 2;
	}
}

static int cand_cmp(const void *a, const void *b)
{
	const struct sh_cand *x = a, *y = b;
	int rx = cand_rank(x->kind), ry = cand_rank(y->kind);

	if (rx != ry)
		return rx - ry;
	return strcmp(x->word, y->word);
}

void sh_cands_format(const struct sh_cands *c, struct tula_buf *out)
{
	size_t i;

	tula_buf_puts(out, "Possible completions:\n");
	for (i = 0; i < c->n; i++) {
		if (strlen(c->v[i].word) > 20)
			tula_buf_printf(out, "  %s\n  %-20s %s\n", c->v[i].word, "", c->v[i].help);
		else
			tula_buf_printf(out, "  %-20s %s\n", c->v[i].word, c->v[i].help);
	}
}

/* --- tokens ------------------------------------------------------------------------- */

struct tok {
	char *text; /* unquoted, unescaped */
	size_t start, end;
	int quoted;
	int pipe; /* an unquoted `|` */
};

struct toks {
	struct tok v[SH_MAX_TOKENS];
	size_t n;
	int open_quote; /* the line ends inside a quoted word */
	int too_many;
};

static void toks_free(struct toks *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].text);
	t->n = 0;
}

/* Split on blanks; "..." is one word with \" and \\ escapes; an unquoted | stands alone. */
static int tokenize(const char *line, size_t len, struct toks *t)
{
	size_t i = 0;

	memset(t, 0, sizeof(*t));
	while (i < len) {
		struct tok *k;
		char *w;
		size_t wn = 0;

		if (isspace((unsigned char)line[i])) {
			i++;
			continue;
		}
		if (t->n == SH_MAX_TOKENS) {
			t->too_many = 1;
			return -E2BIG;
		}
		k = &t->v[t->n];
		k->start = i;
		w = malloc(len - i + 1);
		if (w == NULL)
			return -ENOMEM;
		if (line[i] == '|') {
			w[wn++] = '|';
			k->pipe = 1;
			i++;
		} else {
			while (i < len && !isspace((unsigned char)line[i]) && line[i] != '|') {
				if (line[i] == '"') {
					k->quoted = 1;
					i++;
					while (i < len && line[i] != '"') {
						if (line[i] == '\\' && i + 1 < len &&
						    (line[i + 1] == '"' || line[i + 1] == '\\'))
							i++;
						w[wn++] = line[i++];
					}
					if (i >= len) {
						t->open_quote = 1;
						break;
					}
					i++; /* the closing quote */
					continue;
				}
				w[wn++] = line[i++];
			}
		}
		w[wn] = '\0';
		k->text = w;
		k->end = i;
		t->n++;
	}
	return 0;
}

/* --- matching ----------------------------------------------------------------------- */

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

struct mstate {
	const struct ccmd *c;
	const struct node *n;
	int in_path;
	struct sh_walk_pos pos;
	size_t ntok; /* words taken in this segment */
	const struct node *by[SH_MAX_TOKENS];
	const char *val[SH_MAX_TOKENS];
	struct sh_parsed *sub;
};

struct item {
	const struct mstate *s;
	const struct node *n;	/* N_KW, N_ARG (incl. paths), N_END */
	struct sh_walk_pos pos; /* paths: where the walker stands */
};

struct matcher {
	struct sh_engine *e;
	const struct sh_env *env;
	const char *line;
	struct toks *tk;
	struct sh_parsed *owner; /* strings go here */
	struct tula_buf *err;
	int no_filter; /* ignore the class (to tell "forbidden" from "unknown") */
};

static const char *keep(struct matcher *mt, const char *s)
{
	struct sh_parsed *p = mt->owner;
	char **v, *d;

	v = realloc(p->strs, (p->nstrs + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	p->strs = v;
	d = strdup(s);
	if (d == NULL)
		return NULL;
	v[p->nstrs++] = d;
	return d;
}

static int visible(const struct matcher *mt, const struct ccmd *c, unsigned mode)
{
	if (!(c->cmd->modes & mode))
		return 0;
	return mt->no_filter || c->cmd->level <= mt->env->level;
}

struct items {
	struct item v[MAX_STATES * 4];
	size_t n;
};

static void add_item(struct items *it, const struct mstate *s, const struct node *n,
		     const struct sh_walk_pos *pos)
{
	size_t i;

	if (it->n == sizeof(it->v) / sizeof(it->v[0]))
		return;
	for (i = 0; i < it->n; i++) /* the same node reached twice from one state */
		if (it->v[i].s == s && it->v[i].n == n &&
		    (pos == NULL || memcmp(&it->v[i].pos, pos, sizeof(*pos)) == 0))
			return;
	it->v[it->n].s = s;
	it->v[it->n].n = n;
	memset(&it->v[it->n].pos, 0, sizeof(it->v[it->n].pos));
	if (pos != NULL)
		it->v[it->n].pos = *pos;
	it->n++;
}

static int is_path(const struct node *n)
{
	return n->kind == N_ARG && n->arg->type == SH_ARG_PATH && n->arg->walker != NULL;
}

static void closure_next(struct matcher *mt, const struct mstate *s, const struct node *from,
			 struct items *it, const struct node **seen, size_t *nseen);

/* The words a path placeholder has taken in state s (none when it starts fresh). */
static size_t path_words(const struct mstate *s, const struct node *n, const char *const **w)
{
	size_t i = s->ntok;

	if (!s->in_path || s->n != n) {
		*w = NULL;
		return 0;
	}
	while (i > 0 && s->by[i - 1] == n)
		i--;
	*w = &s->val[i];
	return s->ntok - i;
}

static void walker_offer(struct matcher *mt, const struct item *x, struct sh_cands *out)
{
	const char *const *w;
	size_t nw = path_words(x->s, x->n, &w);

	/* a fresh path (x->pos is the start) has taken no words even if the state walked
	 * an earlier one */
	if (x->s->in_path && x->s->n == x->n && memcmp(&x->pos, &x->s->pos, sizeof(x->pos)) != 0)
		nw = 0;
	x->n->arg->walker->offer(mt->env->sess, x->n->arg, &x->pos, w, nw, out);
}

static void visit(struct matcher *mt, const struct mstate *s, const struct node *n,
		  struct items *it, const struct node **seen, size_t *nseen)
{
	size_t i;

	for (i = 0; i < *nseen; i++)
		if (seen[i] == n)
			return;
	if (*nseen < 64)
		seen[(*nseen)++] = n;
	if (n->kind == N_EPS) {
		closure_next(mt, s, n, it, seen, nseen);
	} else if (is_path(n)) {
		struct sh_walk_pos pos = {0};

		n->arg->walker->start(mt->env->sess, n->arg, &pos);
		add_item(it, s, n, &pos);
		if (n->arg->walker->can_end(mt->env->sess, n->arg, &pos))
			closure_next(mt, s, n, it, seen, nseen);
	} else {
		add_item(it, s, n, NULL);
	}
}

static void closure_next(struct matcher *mt, const struct mstate *s, const struct node *from,
			 struct items *it, const struct node **seen, size_t *nseen)
{
	size_t i;

	for (i = 0; i < from->nnext; i++)
		visit(mt, s, from->next[i], it, seen, nseen);
}

/* What every state can take next. */
static void frontier(struct matcher *mt, struct mstate *const *set, size_t nset, struct items *it)
{
	const struct node *seen[64];
	size_t i, nseen;

	it->n = 0;
	for (i = 0; i < nset; i++) {
		const struct mstate *s = set[i];

		nseen = 0;
		if (s->in_path) {
			add_item(it, s, s->n, &s->pos);
			if (s->n->arg->walker->can_end(mt->env->sess, s->n->arg, &s->pos))
				closure_next(mt, s, s->n, it, seen, &nseen);
		} else {
			closure_next(mt, s, s->n, it, seen, &nseen);
		}
	}
}

/* A keyword candidate: from the grammar (item's node) or offered by a walker. */
struct kwc {
	size_t item;
	const char *word;
	const char *help;
};

struct kwcs {
	struct kwc *v;
	size_t n, cap;
	struct sh_cands offers[MAX_STATES]; /* walker offers, one list per path item */
	size_t noffers;
};

static void kwcs_free(struct kwcs *k)
{
	size_t i;

	free(k->v);
	for (i = 0; i < k->noffers; i++)
		sh_cands_free(&k->offers[i]);
}

static void kwcs_add(struct kwcs *k, size_t item, const char *word, const char *help)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 32;
		struct kwc *v = realloc(k->v, cap * sizeof(*v));

		if (v == NULL)
			return;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n].item = item;
	k->v[k->n].word = word;
	k->v[k->n].help = help;
	k->n++;
}

static void build_match(struct matcher *mt, const struct mstate *s, struct sh_match *m);

/* Every keyword the items can take, walker offers included (their strings live in k). */
static void keywords(struct matcher *mt, struct items *it, struct kwcs *k)
{
	size_t i, j;

	for (i = 0; i < it->n; i++) {
		const struct node *n = it->v[i].n;

		if (n->kind == N_KW) {
			kwcs_add(k, i, n->word, n->help);
		} else if (is_path(n)) {
			struct sh_cands *o;

			if (k->noffers == MAX_STATES)
				continue;
			o = &k->offers[k->noffers++];
			walker_offer(mt, &it->v[i], o);
			for (j = 0; j < o->n; j++)
				if (o->v[j].kind == SH_CAND_KEYWORD)
					kwcs_add(k, i, o->v[j].word, o->v[j].help);
		}
	}
}

/* Does placeholder arg accept tok? 1 yes, 0 no, -1 invalid (why filled). */
static int accept_arg(const struct sh_arg *a, const struct tok *t, char *why, size_t n)
{
	unsigned long long v;
	char *end;

	switch (a->type) {
	case SH_ARG_UINT:
		if (t->text[0] == '\0' || !isdigit((unsigned char)t->text[0]))
			return 0;
		errno = 0;
		v = strtoull(t->text, &end, 10);
		if (*end != '\0')
			return 0;
		if (errno != 0 || v < a->min || (a->max != 0 && v > a->max)) {
			if (a->max != 0)
				snprintf(why, n, "value %s is out of range (%llu..%llu)", t->text,
					 (unsigned long long)a->min, (unsigned long long)a->max);
			else
				snprintf(why, n, "value %s is out of range (at least %llu)",
					 t->text, (unsigned long long)a->min);
			return -1;
		}
		return 1;
	default:
		return 1;
	}
}

static struct mstate *advance(const struct mstate *s, const struct node *n, int in_path,
			      const struct sh_walk_pos *pos, const char *val)
{
	struct mstate *ns = malloc(sizeof(*ns));

	if (ns == NULL)
		return NULL;
	memcpy(ns, s, offsetof(struct mstate, by));
	memcpy(ns->by, s->by, s->ntok * sizeof(s->by[0]));
	memcpy(ns->val, s->val, s->ntok * sizeof(s->val[0]));
	ns->sub = NULL;
	ns->n = n;
	ns->in_path = in_path;
	if (pos != NULL)
		ns->pos = *pos;
	ns->by[ns->ntok] = n;
	ns->val[ns->ntok] = val;
	ns->ntok++;
	return ns;
}

struct sset {
	struct mstate *v[MAX_STATES];
	size_t n;
};

static void sset_free(struct sset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		sh_parsed_free(s->v[i]->sub);
		free(s->v[i]);
	}
	s->n = 0;
}

static void sset_add(struct sset *s, struct mstate *ns)
{
	size_t i;

	if (ns == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		const struct mstate *o = s->v[i];

		if (o->c == ns->c && o->n == ns->n && o->in_path == ns->in_path &&
		    memcmp(&o->pos, &ns->pos, sizeof(o->pos)) == 0)
			goto drop;
	}
	if (s->n < MAX_STATES) {
		s->v[s->n++] = ns;
		return;
	}
drop:
	free(ns);
}

static void start_set(struct matcher *mt, unsigned mode, struct sset *set)
{
	size_t i;

	set->n = 0;
	for (i = 0; i < mt->e->n; i++) {
		const struct ccmd *c = mt->e->cmds[i];
		struct mstate *s;

		if (!visible(mt, c, mode))
			continue;
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			continue;
		s->c = c;
		s->n = c->start;
		sset_add(set, s);
	}
}

/* Write "LINE\n   ^\nmessage\n" into the error buffer. */
static void err_caret(struct matcher *mt, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void err_caret(struct matcher *mt, size_t pos, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (mt->err == NULL)
		return;
	tula_buf_reset(mt->err);
	tula_buf_printf(mt->err, "%s\n", mt->line);
	for (i = 0; i < pos && mt->line[i] != '\0'; i++)
		tula_buf_putc(mt->err, mt->line[i] == '\t' ? '\t' : ' ');
	tula_buf_puts(mt->err, "^\n");
	va_start(ap, fmt);
	tula_buf_vprintf(mt->err, fmt, ap);
	va_end(ap);
	tula_buf_putc(mt->err, '\n');
}

/* The "expecting ..." list: keywords and placeholders the items could take. */
static void expected(struct matcher *mt, struct items *it, struct tula_buf *b)
{
	struct sh_cands c = {0};
	struct kwcs k = {0};
	size_t i, j;

	keywords(mt, it, &k);
	for (i = 0; i < k.n; i++)
		sh_cands_add(&c, SH_CAND_KEYWORD, k.v[i].word, NULL);
	for (i = 0; i < it->n; i++) {
		const struct node *n = it->v[i].n;

		if (n->kind == N_END) {
			sh_cands_add(&c, SH_CAND_ENTER, "<[Enter]>", NULL);
		} else if (n->kind == N_ARG && !is_path(n)) {
			sh_cands_add(&c, SH_CAND_ARG, n->display, NULL);
		}
	}
	for (i = 0; i < k.noffers; i++)
		for (j = 0; j < k.offers[i].n; j++)
			if (k.offers[i].v[j].kind == SH_CAND_ARG)
				sh_cands_add(&c, SH_CAND_ARG, k.offers[i].v[j].word, NULL);
	if (c.n > 1)
		qsort(c.v, c.n, sizeof(c.v[0]), cand_cmp);
	for (i = 0; i < c.n && i < 40; i++)
		tula_buf_printf(b, "%s%s", i ? " " : "", c.v[i].word);
	if (c.n > 40)
		tula_buf_puts(b, " ...");
	sh_cands_free(&c);
	kwcs_free(&k);
}

static int parse_range(struct matcher *mt, unsigned mode, size_t from, size_t to,
		       struct sh_parsed *p, struct sh_match *m);

/*
 * Move set over token i. Returns 0 with *next filled, or -EINVAL / -EPERM with the
 * error written. *sub_done is set when an embedded command took the rest of the range.
 */
static int step(struct matcher *mt, struct sset *set, size_t i, size_t to, struct sset *next,
		int *sub_done)
{
	const struct tok *t = &mt->tk->v[i];
	char why[256] = "", tmp[256];
	struct items *it;
	struct kwcs k = {0};
	size_t j, nacc = 0;
	const char *word = NULL;
	int rc = 0, r;

	it = malloc(sizeof(*it));
	if (it == NULL)
		return -ENOMEM;
	next->n = 0;
	*sub_done = 0;
	frontier(mt, set->v, set->n, it);
	keywords(mt, it, &k);

	/* 1. an exact keyword */
	if (!t->quoted)
		for (j = 0; j < k.n; j++)
			if (strcmp(k.v[j].word, t->text) == 0)
				word = t->text;
	/* 2. a placeholder that accepts the word */
	if (word == NULL) {
		for (j = 0; j < it->n; j++) {
			const struct item *x = &it->v[j];
			struct sh_walk_pos np = {0};

			if (x->n->kind != N_ARG)
				continue;
			if (is_path(x->n)) {
				tmp[0] = '\0';
				r = x->n->arg->walker->step(mt->env->sess, x->n->arg, &x->pos,
							    t->text, 0, t->quoted, &np, tmp,
							    sizeof(tmp));
				if (r > 0)
					sset_add(next,
						 advance(x->s, x->n, 1, &np, keep(mt, t->text)));
			} else {
				tmp[0] = '\0';
				r = accept_arg(x->n->arg, t, tmp, sizeof(tmp));
				if (r > 0 && x->n->arg->type == SH_ARG_COMMAND) {
					struct mstate *ns =
						advance(x->s, x->n, 0, NULL, keep(mt, t->text));

					if (ns == NULL)
						continue;
					ns->sub = calloc(1, sizeof(*ns->sub));
					if (ns->sub == NULL) {
						free(ns);
						continue;
					}
					ns->sub->m.line = mt->line;
					rc = parse_range(mt, x->n->arg->sub_mode, i, to, mt->owner,
							 &ns->sub->m);
					if (rc < 0) {
						free(ns->sub);
						free(ns);
						sset_free(next);
						goto out;
					}
					ns->sub->m.sub_mode = x->n->arg->sub_mode;
					sset_free(next);
					next->v[next->n++] = ns;
					*sub_done = 1;
					goto out;
				}
				if (r > 0)
					sset_add(next,
						 advance(x->s, x->n, 0, NULL, keep(mt, t->text)));
			}
			if (r > 0)
				nacc++;
			else if (r < 0 && why[0] == '\0')
				snprintf(why, sizeof(why), "%s", tmp);
		}
		if (nacc > 0)
			goto out;
	}
	/* 3. a unique prefix of a keyword */
	if (word == NULL && !t->quoted && t->text[0] != '\0') {
		size_t tl = strlen(t->text), nprefix = 0;
		struct sh_cands amb = {0};

		for (j = 0; j < k.n; j++) {
			if (strncmp(k.v[j].word, t->text, tl) != 0)
				continue;
			if (word == NULL || strcmp(word, k.v[j].word) != 0) {
				size_t before = amb.n;

				sh_cands_add(&amb, SH_CAND_KEYWORD, k.v[j].word, k.v[j].help);
				if (amb.n > before)
					nprefix++;
			}
			if (word == NULL)
				word = k.v[j].word;
		}
		if (nprefix > 1) {
			struct tula_buf b = TULA_BUF_INIT;

			qsort(amb.v, amb.n, sizeof(amb.v[0]), cand_cmp);
			sh_cands_format(&amb, &b);
			err_caret(mt, t->start, "'%s' is ambiguous.\n%.*s", t->text,
				  (int)(b.len > 0 ? b.len - 1 : 0), tula_buf_str(&b));
			tula_buf_free(&b);
			sh_cands_free(&amb);
			rc = -EINVAL;
			goto out;
		}
		sh_cands_free(&amb);
	}
	if (word != NULL) {
		for (j = 0; j < k.n; j++) {
			const struct item *x = &it->v[k.v[j].item];
			struct sh_walk_pos np = {0};
			const char *w;

			if (strcmp(k.v[j].word, word) != 0)
				continue;
			w = keep(mt, k.v[j].word);
			if (x->n->kind == N_KW) {
				sset_add(next, advance(x->s, x->n, 0, NULL, w));
			} else if (x->n->arg->walker->step(mt->env->sess, x->n->arg, &x->pos, w, 1,
							   0, &np, tmp, sizeof(tmp)) > 0) {
				sset_add(next, advance(x->s, x->n, 1, &np, w));
			}
		}
		if (next->n > 0)
			goto out;
	}
	/* 4. nothing fits */
	rc = -EINVAL;
	if (why[0] != '\0') {
		err_caret(mt, t->start, "%s", why);
	} else {
		struct tula_buf b = TULA_BUF_INIT;

		expected(mt, it, &b);
		if (b.len == 0)
			err_caret(mt, t->start, "syntax error, unexpected '%s'", t->text);
		else
			err_caret(mt, t->start, "syntax error, expecting one of: %s",
				  tula_buf_str(&b));
		tula_buf_free(&b);
	}
out:
	kwcs_free(&k);
	free(it);
	return rc;
}

static const char *level_name(enum sh_level l)
{
	switch (l) {
	case SH_LEVEL_READ_ONLY:
		return "read-only";
	case SH_LEVEL_OPERATOR:
		return "operator";
	default:
		return "super-user";
	}
}

static void build_match(struct matcher *mt, const struct mstate *s, struct sh_match *m)
{
	size_t i;

	m->cmd = s->c->cmd;
	m->sess = mt->env->sess;
	m->n = s->ntok;
	for (i = 0; i < s->ntok; i++) {
		m->name[i] = s->by[i]->kind == N_ARG ? s->by[i]->word : NULL;
		m->val[i] = s->val[i];
	}
}

/* Parse tokens [from, to) as one command of mode; fill m. */
static int parse_range(struct matcher *mt, unsigned mode, size_t from, size_t to,
		       struct sh_parsed *p, struct sh_match *m)
{
	struct sset *a, *b, *tmp;
	struct items *it = NULL;
	size_t i, j;
	int rc = 0, sub_done = 0;
	const struct mstate *best = NULL;

	(void)p;
	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (a == NULL || b == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	start_set(mt, mode, a);
	for (i = from; i < to && !sub_done; i++) {
		rc = step(mt, a, i, to, b, &sub_done);
		if (rc < 0)
			goto out;
		sset_free(a);
		tmp = a;
		a = b;
		b = tmp;
	}
	it = malloc(sizeof(*it));
	if (it == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	frontier(mt, a->v, a->n, it);
	for (j = 0; j < it->n; j++)
		if (it->v[j].n->kind == N_END &&
		    (best == NULL || it->v[j].s->c->order < best->c->order))
			best = it->v[j].s;
	if (best == NULL) {
		struct tula_buf eb = TULA_BUF_INIT;
		size_t pos = strlen(mt->line);

		if (to < mt->tk->n) /* a pipe follows */
			pos = mt->tk->v[to].start;
		expected(mt, it, &eb);
		err_caret(mt, pos, "syntax error, incomplete command; expecting one of: %s",
			  tula_buf_str(&eb));
		tula_buf_free(&eb);
		rc = -EINVAL;
		goto out;
	}
	build_match(mt, best, m);
	m->line = mt->line;
	if (best->sub != NULL) {
		/* the embedded command's match moves to m (its strings live in the owner) */
		m->sub = best->sub;
		for (j = 0; j < a->n; j++)
			if (a->v[j] == best)
				a->v[j]->sub = NULL;
	}
out:
	free(it);
	if (a != NULL)
		sset_free(a);
	if (b != NULL)
		sset_free(b);
	free(a);
	free(b);
	return rc;
}

/* Parse one range; when it fails for the class but parses for a super-user, say so. */
static int parse_checked(struct matcher *mt, unsigned mode, size_t from, size_t to,
			 struct sh_parsed *p, struct sh_match *m)
{
	struct tula_buf saved = TULA_BUF_INIT;
	struct sh_match *probe;
	int rc;

	rc = parse_range(mt, mode, from, to, p, m);
	if (rc != -EINVAL || mt->env->level >= SH_LEVEL_SUPER_USER || mt->err == NULL)
		return rc;
	probe = calloc(1, sizeof(*probe));
	if (probe == NULL)
		return rc;
	tula_buf_add(&saved, mt->err->data, mt->err->len);
	mt->no_filter = 1;
	if (parse_range(mt, mode, from, to, p, probe) == 0 && probe->cmd->level > mt->env->level) {
		struct tula_buf words = TULA_BUF_INIT;
		size_t i;

		for (i = 0; i < probe->n && probe->name[i] == NULL; i++)
			tula_buf_printf(&words, "%s%s", i ? " " : "", probe->val[i]);
		err_caret(mt, mt->tk->v[from].start,
			  "permission denied: '%s' needs class %s; your class is %s",
			  tula_buf_str(&words), level_name(probe->cmd->level),
			  level_name(mt->env->level));
		tula_buf_free(&words);
		rc = -EPERM;
	} else {
		tula_buf_reset(mt->err);
		tula_buf_add(mt->err, saved.data, saved.len);
	}
	mt->no_filter = 0;
	sh_parsed_free(probe->sub);
	free(probe);
	tula_buf_free(&saved);
	return rc;
}

void sh_parsed_free(struct sh_parsed *p)
{
	size_t i;

	if (p == NULL)
		return;
	sh_parsed_free(p->m.sub);
	for (i = 0; i < p->nstrs; i++)
		free(p->strs[i]);
	free(p->strs);
	for (i = 0; i < p->npipes; i++)
		if (p->pipes[i].kind == SH_PIPE_MATCH || p->pipes[i].kind == SH_PIPE_EXCEPT)
			regfree(&p->pipes[i].re);
	free(p->line);
	free(p);
}

static int pipe_from_match(struct matcher *mt, const struct sh_match *m, size_t tokpos,
			   struct sh_pipe *pp)
{
	uint64_t n;
	int r;

	pp->kind = (enum sh_pipe_kind)(intptr_t)m->cmd->arg;
	pp->rollback = -1;
	if (pp->kind == SH_PIPE_DISPLAY_SET && !sh_match_has(m, "set"))
		pp->kind = SH_PIPE_DISPLAY_JSON;
	if (pp->kind == SH_PIPE_COMPARE && sh_match_uint(m, "N", &n) == 0)
		pp->rollback = (int)n;
	if (pp->kind == SH_PIPE_MATCH || pp->kind == SH_PIPE_EXCEPT) {
		r = regcomp(&pp->re, sh_match_str(m, "PATTERN"), REG_EXTENDED | REG_NOSUB);
		if (r != 0) {
			char msg[128];

			regerror(r, &pp->re, msg, sizeof(msg));
			err_caret(mt, tokpos, "invalid regular expression: %s", msg);
			return -EINVAL;
		}
	}
	return 0;
}

int sh_engine_parse(struct sh_engine *e, const struct sh_env *env, const char *line,
		    struct sh_parsed **out, struct tula_buf *err)
{
	struct matcher mt = {.e = e, .env = env, .line = line, .err = err};
	struct sh_parsed *p = NULL;
	size_t i, segstart, seg;
	struct toks *tk;
	int rc = 0;

	*out = NULL;
	tk = malloc(sizeof(*tk));
	if (tk == NULL)
		return -ENOMEM;
	mt.tk = tk;
	rc = tokenize(line, strlen(line), tk);
	if (rc == -E2BIG) {
		err_caret(&mt, tk->v[SH_MAX_TOKENS - 1].start, "too many words (at most %d)",
			  SH_MAX_TOKENS);
		goto out;
	}
	if (rc < 0)
		goto out;
	if (tk->open_quote) {
		err_caret(&mt, tk->v[tk->n - 1].start, "missing closing quote");
		rc = -EINVAL;
		goto out;
	}
	if (tk->n == 0)
		goto out;
	p = calloc(1, sizeof(*p));
	if (p == NULL || (p->line = strdup(line)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	mt.owner = p;
	/* segments split at pipes: the command, then each pipe */
	for (seg = 0, segstart = 0, i = 0; i <= tk->n; i++) {
		struct sh_match pm;

		if (i < tk->n && !tk->v[i].pipe)
			continue;
		if (i == segstart) {
			err_caret(&mt, i < tk->n ? tk->v[i].start : strlen(line),
				  seg == 0 ? "syntax error, a command must come before '|'"
					   : "syntax error, expecting a pipe command after '|'");
			rc = -EINVAL;
			goto out;
		}
		if (seg == 0) {
			rc = parse_checked(&mt, env->mode, segstart, i, p, &p->m);
			if (rc < 0)
				goto out;
			p->m.line = p->line;
			if (i < tk->n && (p->m.cmd->flags & SH_CMD_F_NO_PIPE)) {
				err_caret(&mt, tk->v[i].start, "'%s' does not take pipes",
					  p->m.val[0]);
				rc = -EINVAL;
				goto out;
			}
		} else {
			memset(&pm, 0, sizeof(pm));
			if (p->npipes == SH_MAX_PIPES) {
				err_caret(&mt, tk->v[segstart].start, "too many pipes (at most %d)",
					  SH_MAX_PIPES);
				rc = -EINVAL;
				goto out;
			}
			rc = parse_range(&mt, SH_MODE_PIPE, segstart, i, p, &pm);
			if (rc < 0)
				goto out;
			rc = pipe_from_match(&mt, &pm, tk->v[segstart].start, &p->pipes[p->npipes]);
			if (rc < 0)
				goto out;
			p->npipes++;
		}
		seg++;
		segstart = i + 1;
	}
	*out = p;
	p = NULL;
out:
	sh_parsed_free(p);
	toks_free(tk);
	free(tk);
	return rc;
}

const struct sh_cmd *sh_parsed_cmd(const struct sh_parsed *p)
{
	return p->m.cmd;
}

const struct sh_match *sh_parsed_match(const struct sh_parsed *p)
{
	return &p->m;
}

size_t sh_parsed_npipes(const struct sh_parsed *p)
{
	return p->npipes;
}

enum sh_pipe_kind sh_parsed_pipe(const struct sh_parsed *p, size_t i)
{
	return p->pipes[i].kind;
}

/* --- completion and help ------------------------------------------------------------- */

struct compl
{
	struct matcher *mt;
	const char *partial;
	struct sh_cands *out;
	int pipes_ok; /* offer `|` at the end of a command */
};

static int has_prefix(const char *word, const char *prefix)
{
	return strncmp(word, prefix, strlen(prefix)) == 0;
}

static void offer_items(struct compl *cp, struct items *it, unsigned mode)
{
	const char *pa = cp->partial;
	struct sh_cands tmp = {0};
	size_t i, j;

	for (i = 0; i < it->n; i++) {
		const struct item *x = &it->v[i];
		const struct node *n = x->n;

		if (n->kind == N_END) {
			if (pa[0] == '\0') {
				sh_cands_add(cp->out, SH_CAND_ENTER, "<[Enter]>",
					     "Execute this command");
				if (cp->pipes_ok && !(x->s->c->cmd->flags & SH_CMD_F_NO_PIPE))
					sh_cands_add(cp->out, SH_CAND_PIPE, "|",
						     "Pipe through a command");
			}
		} else if (n->kind == N_KW) {
			if (has_prefix(n->word, pa))
				sh_cands_add(cp->out, SH_CAND_KEYWORD, n->word, n->help);
		} else if (is_path(n)) {
			walker_offer(cp->mt, x, &tmp);
			for (j = 0; j < tmp.n; j++)
				if (tmp.v[j].kind == SH_CAND_ARG
					    ? pa[0] == '\0' || tmp.v[j].word[0] == '<'
					    : has_prefix(tmp.v[j].word, pa))
					sh_cands_add(cp->out, tmp.v[j].kind, tmp.v[j].word,
						     tmp.v[j].help);
			sh_cands_free(&tmp);
		} else if (n->arg->type == SH_ARG_COMMAND) {
			struct sset *set = calloc(1, sizeof(*set));
			struct items *sub = malloc(sizeof(*sub));

			if (set != NULL && sub != NULL) {
				start_set(cp->mt, n->arg->sub_mode, set);
				frontier(cp->mt, set->v, set->n, sub);
				offer_items(cp, sub, n->arg->sub_mode);
				sset_free(set);
			}
			free(set);
			free(sub);
		} else {
			sh_cands_add(cp->out, SH_CAND_ARG, n->display, n->help);
			if (n->arg->names != NULL) {
				struct sh_match *m = calloc(1, sizeof(*m));

				if (m == NULL)
					continue;
				build_match(cp->mt, x->s, m);
				m->line = cp->mt->line;
				n->arg->names(cp->mt->env->sess, m, &tmp);
				free(m);
				for (j = 0; j < tmp.n; j++)
					if (has_prefix(tmp.v[j].word, pa))
						sh_cands_add(cp->out, SH_CAND_NAME, tmp.v[j].word,
							     tmp.v[j].help);
				sh_cands_free(&tmp);
			}
		}
	}
	(void)mode;
}

/* Walk tokens [from, to) of mode, then offer what may come next. */
static int complete_range(struct compl *cp, unsigned mode, size_t from, size_t to)
{
	struct matcher *mt = cp->mt;
	struct sset *a, *b, *tmp;
	struct items *it = NULL;
	int rc = 0, sub_done = 0;
	size_t i;

	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (a == NULL || b == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	start_set(mt, mode, a);
	for (i = from; i < to; i++) {
		size_t j;

		/* an embedded command (run CMD): complete inside it */
		it = malloc(sizeof(*it));
		if (it == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		frontier(mt, a->v, a->n, it);
		for (j = 0; j < it->n; j++) {
			const struct node *n = it->v[j].n;

			if (n->kind == N_ARG && n->arg->type == SH_ARG_COMMAND) {
				rc = complete_range(cp, n->arg->sub_mode, i, to);
				goto out;
			}
		}
		free(it);
		it = NULL;
		rc = step(mt, a, i, to, b, &sub_done);
		if (rc < 0)
			goto out;
		sset_free(a);
		tmp = a;
		a = b;
		b = tmp;
	}
	it = malloc(sizeof(*it));
	if (it == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	frontier(mt, a->v, a->n, it);
	offer_items(cp, it, mode);
out:
	free(it);
	if (a != NULL)
		sset_free(a);
	if (b != NULL)
		sset_free(b);
	free(a);
	free(b);
	return rc;
}

int sh_engine_complete(struct sh_engine *e, const struct sh_env *env, const char *line,
		       size_t cursor, struct sh_cands *out, struct tula_buf *err)
{
	struct matcher mt = {.e = e, .env = env, .err = err};
	struct compl cp = {.mt = &mt, .out = out, .partial = ""};
	struct sh_parsed *owner;
	struct toks *tk;
	size_t i, lastpipe = 0, to;
	char *prefix;
	int rc, inpipe = 0;

	out->word_start = cursor;
	prefix = strndup(line, cursor);
	tk = malloc(sizeof(*tk));
	owner = calloc(1, sizeof(*owner));
	if (prefix == NULL || tk == NULL || owner == NULL) {
		free(prefix);
		free(tk);
		free(owner);
		return -ENOMEM;
	}
	mt.line = prefix;
	mt.tk = tk;
	mt.owner = owner;
	rc = tokenize(prefix, cursor, tk);
	if (rc < 0 || tk->open_quote) {
		rc = tk->open_quote ? 0 : rc; /* nothing completes inside quotes */
		goto out;
	}
	to = tk->n;
	if (to > 0 && cursor > 0 && !isspace((unsigned char)prefix[cursor - 1]) &&
	    !tk->v[to - 1].pipe) {
		to--;
		cp.partial = tk->v[to].text;
		out->word_start = tk->v[to].start;
	}
	for (i = 0; i < to; i++) {
		if (tk->v[i].pipe) {
			inpipe = 1;
			lastpipe = i;
		}
	}
	if (inpipe) {
		struct sh_parsed *p = NULL;
		size_t cut = tk->v[lastpipe].start;
		char *head = strndup(prefix, cut);

		/* everything before the last pipe must already be a valid command */
		if (head == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rc = sh_engine_parse(e, env, head, &p, err);
		free(head);
		if (rc < 0)
			goto out;
		if (p == NULL || (p->m.cmd->flags & SH_CMD_F_NO_PIPE)) {
			sh_parsed_free(p);
			goto out;
		}
		sh_parsed_free(p);
		cp.pipes_ok = 1;
		rc = complete_range(&cp, SH_MODE_PIPE, lastpipe + 1, to);
	} else {
		cp.pipes_ok = 1;
		rc = complete_range(&cp, env->mode, 0, to);
	}
	if (rc == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), cand_cmp);
out:
	sh_parsed_free(owner);
	toks_free(tk);
	free(tk);
	free(prefix);
	return rc;
}

/* --- the handler's view ------------------------------------------------------------ */

const char *sh_match_str(const struct sh_match *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->name[i] != NULL && strcmp(m->name[i], name) == 0)
			return m->val[i];
	return NULL;
}

int sh_match_uint(const struct sh_match *m, const char *name, uint64_t *v)
{
	const char *s = sh_match_str(m, name);
	char *end;

	if (s == NULL)
		return -ENOENT;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || s[0] == '\0')
		return -EINVAL;
	return 0;
}

int sh_match_has(const struct sh_match *m, const char *kw)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->name[i] == NULL && strcmp(m->val[i], kw) == 0)
			return 1;
	return 0;
}

size_t sh_match_words(const struct sh_match *m, const char *name, const char *const **words)
{
	size_t i, n;

	for (i = 0; i < m->n; i++) {
		if (m->name[i] == NULL || strcmp(m->name[i], name) != 0)
			continue;
		for (n = 0;
		     i + n < m->n && m->name[i + n] != NULL && strcmp(m->name[i + n], name) == 0;
		     n++)
			;
		*words = &m->val[i];
		return n;
	}
	*words = NULL;
	return 0;
}

const char *sh_match_line(const struct sh_match *m)
{
	return m->line;
}

struct sh_session *sh_match_session(const struct sh_match *m)
{
	return m->sess;
}

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

int sh_ctx_defer(struct sh_ctx *ctx, sh_cancel_fn cancel, void *arg)
{
	if (ctx->resumed == NULL || ctx->pending != SH_PENDING_NONE)
		return -ENOTSUP;
	ctx->pending = SH_PENDING_WAIT;
	ctx->cancel_fn = cancel;
	ctx->cont_arg = arg;
	return 0;
}

/* Keep the lines of text that match (or, with invert, do not match) re. */
static void filter_lines(struct tula_buf *text, const regex_t *re, int invert)
{
	struct tula_buf out = TULA_BUF_INIT;
	char *s = text->data, *nl;
	size_t len;

	if (text->len == 0)
		return;
	while (s != NULL && *s != '\0') {
		nl = strchr(s, '\n');
		len = nl != NULL ? (size_t)(nl - s) + 1 : strlen(s);
		if (nl != NULL)
			*nl = '\0';
		if ((regexec(re, s, 0, NULL, 0) == 0) != invert) {
			tula_buf_puts(&out, s);
			tula_buf_putc(&out, '\n');
		}
		s += len;
	}
	tula_buf_free(text);
	*text = out;
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

static int finish(struct sh_ctx *ctx)
{
	struct sh_parsed *p = ctx->parsed;
	size_t i;

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
			filter_lines(&ctx->out, &p->pipes[i].re, 0);
			break;
		case SH_PIPE_EXCEPT:
			filter_lines(&ctx->out, &p->pipes[i].re, 1);
			break;
		case SH_PIPE_COUNT:
			count_lines(&ctx->out);
			break;
		default:
			break;
		}
	}
	if (ctx->out.oom || ctx->err.oom) {
		tula_buf_reset(&ctx->out);
		sh_err(ctx, "error: out of memory while producing the output");
	}
	return ctx->failed ? -EINVAL : 0;
}

static int after_handler(struct sh_ctx *ctx, int rc)
{
	if (rc < 0 && !ctx->failed)
		sh_err(ctx, "error: %s", strerror(-rc));
	if (ctx->pending != SH_PENDING_NONE && !ctx->failed)
		return 0;
	ctx->pending = SH_PENDING_NONE;
	return finish(ctx);
}

int sh_engine_exec_parsed(struct sh_engine *e, const struct sh_env *env, struct sh_parsed *p,
			  struct sh_ctx *ctx)
{
	const struct sh_match *m;
	size_t i;
	int rc;

	(void)e;
	sh_parsed_free(ctx->parsed);
	ctx->parsed = p;
	if (p == NULL)
		return 0;
	/* `run CMD`: the embedded command is the one that runs */
	m = &p->m;
	while (m->cmd->fn == NULL && m->sub != NULL)
		m = &m->sub->m;
	ctx->cmd_flags = m->cmd->flags;
	for (i = 0; i < p->npipes; i++) {
		switch (p->pipes[i].kind) {
		case SH_PIPE_DISPLAY_SET:
		case SH_PIPE_COMPARE:
			if (!(ctx->cmd_flags & SH_CMD_F_CONFIG))
				return sh_err(ctx,
					      "error: '| %s' applies to configuration output "
					      "only",
					      p->pipes[i].kind == SH_PIPE_COMPARE ? "compare"
										  : "display set");
			if (p->pipes[i].kind == SH_PIPE_COMPARE) {
				ctx->compare = 1;
				ctx->compare_rb = p->pipes[i].rollback;
			} else {
				ctx->format = SH_FORMAT_SET;
			}
			break;
		case SH_PIPE_DISPLAY_JSON:
			ctx->format = SH_FORMAT_JSON;
			break;
		case SH_PIPE_NO_MORE:
			ctx->no_more = 1;
			break;
		default:
			break;
		}
	}
	if (m->cmd->fn == NULL)
		return sh_err(ctx, "error: '%s' has no handler", m->cmd->syntax);
	(void)env;
	rc = m->cmd->fn(ctx, m, m->cmd->arg);
	return after_handler(ctx, rc);
}

int sh_engine_exec(struct sh_engine *e, const struct sh_env *env, const char *line,
		   struct sh_ctx *ctx)
{
	struct sh_parsed *p = NULL;
	int rc;

	rc = sh_engine_parse(e, env, line, &p, &ctx->err);
	if (rc < 0) {
		ctx->failed = 1;
		return rc;
	}
	return sh_engine_exec_parsed(e, env, p, ctx);
}

void sh_ctx_resume(struct sh_ctx *ctx, int rc)
{
	if (ctx->pending != SH_PENDING_WAIT)
		return;
	ctx->pending = SH_PENDING_NONE;
	ctx->cancel_fn = NULL;
	after_handler(ctx, rc);
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
	return after_handler(ctx, fn(ctx, yes, ctx->cont_arg));
}

int sh_ctx_text(struct sh_ctx *ctx, const char *text, size_t len)
{
	sh_text_fn fn = ctx->text_fn;

	if (ctx->pending != SH_PENDING_TEXT || fn == NULL)
		return -EINVAL;
	ctx->pending = SH_PENDING_NONE;
	ctx->text_fn = NULL;
	return after_handler(ctx, fn(ctx, text, len, ctx->cont_arg));
}
