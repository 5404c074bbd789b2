/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine object (shell/sh_engine.h): each declared syntax compiled into a small
 * graph of nodes (keyword, placeholder, end) joined by epsilon nodes for `[ ]` and
 * `( | )`; the registry of commands with their registration order; the pipe commands
 * every engine has; and the engine's three verbs — parse (sh_match.c does the work),
 * exec (the handler, then the pipes) and complete (sh_cands.c).
 */
#include "shell/sh_engine_int.h"

#include "common/tula_log.h"
#include "db/db.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- compiled grammar ------------------------------------------------------------- */

static void ccmd_free(struct sh_ccmd *c)
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
	struct sh_ccmd *c;
	char *toks[128];
	size_t n, i;
	const char *const *help;
	size_t hi;
	char why[160];
};

static struct sh_node *new_node(struct syn *p, enum sh_nkind kind)
{
	struct sh_node *n, **v;

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

static int link_node(struct syn *p, struct sh_node *from, struct sh_node *to)
{
	size_t i;

	for (i = 0; i < from->nnext; i++)
		if (from->next[i] == to)
			return 0;
	if (from->nnext == SH_MAX_NEXT) {
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

static struct sh_node *word_node(struct syn *p, const char *w)
{
	struct sh_node *n;
	size_t i;

	if (p->help == NULL || p->help[p->hi] == NULL) {
		snprintf(p->why, sizeof(p->why), "no help line for word '%s'", w);
		return NULL;
	}
	n = new_node(p, isupper((unsigned char)w[0]) ? SH_N_ARG : SH_N_KW);
	if (n == NULL || (n->word = strdup(w)) == NULL) {
		snprintf(p->why, sizeof(p->why), "out of memory");
		return NULL;
	}
	n->help = p->help[p->hi++];
	if (n->kind == SH_N_ARG) {
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
static struct sh_node *build_seq(struct syn *p, struct sh_node *cur)
{
	while (p->i < p->n) {
		const char *t = p->toks[p->i];
		struct sh_node *n;

		if (strcmp(t, "]") == 0 || strcmp(t, ")") == 0 || strcmp(t, "|") == 0)
			return cur;
		if (strcmp(t, "[") == 0 || strcmp(t, "(") == 0) {
			char open = t[0];
			struct sh_node *join = new_node(p, SH_N_EPS);

			if (join == NULL)
				return NULL;
			p->i++;
			for (;;) {
				struct sh_node *exit = build_seq(p, cur);

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
		if (n->kind == SH_N_ARG && n->arg->type == SH_ARG_WORDS && link_node(p, n, n) < 0)
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

static struct sh_ccmd *compile(const struct sh_cmd *cmd, char *why, size_t whylen)
{
	struct syn p = {.help = cmd->help};
	struct sh_node *exit, *end;
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
	p.c->start = new_node(&p, SH_N_EPS);
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
	end = new_node(&p, SH_N_END);
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
	struct sh_ccmd *c;
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
		struct sh_ccmd **v = realloc(e->cmds, cap * sizeof(*v));

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
					 "Regular expression (POSIX extended, no back-references)",
					 NULL};
static const char *const except_help[] = {"Show only text that does not match a pattern",
					  "Regular expression (POSIX extended, no back-references)",
					  NULL};
static const char *const count_help[] = {"Count occurrences (lines)", NULL};
static const char *const last_help[] = {"Display end of output only", "Lines", NULL};
static const char *const find_help[] = {"Search for the first occurrence of a pattern",
					"Regular expression (the output starts at its line)", NULL};
static const struct sh_arg last_args[] = {
	{.name = "N", .type = SH_ARG_UINT, .display = "<lines>", .min = 1, .max = 100000},
	{NULL},
};
static const char *const nomore_help[] = {"Don't paginate output", NULL};
static const char *const display_help[] = {"Show additional kinds of information",
					   "Show configuration as set commands",
					   "Show output as JSON", NULL};
static const char *const compare_help[] = {"Compare configuration changes with a prior version",
					   "Compare with a committed revision",
					   "Revision number (0 is the active configuration)", NULL};
static const char *const save_help[] = {
	"Save the output to a file (written by your client, as you)",
	"File name (relative to your working directory)", NULL};
static const struct sh_arg save_args[] = {
	{.name = "FILE", .display = "<filename>"},
	{NULL},
};
static const struct sh_arg compare_args[] = {
	{.name = "N", .type = SH_ARG_UINT, .display = "<number>", .min = 0, .max = DB_ROLLBACK_MAX},
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
	{.syntax = "last N",
	 .help = last_help,
	 .args = last_args,
	 .arg = (void *)SH_PIPE_LAST,
	 .modes = SH_MODE_PIPE},
	{.syntax = "find PATTERN",
	 .help = find_help,
	 .args = pattern_args,
	 .arg = (void *)SH_PIPE_FIND,
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
	{.syntax = "save FILE",
	 .help = save_help,
	 .args = save_args,
	 .arg = (void *)SH_PIPE_SAVE,
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

struct sh_engine *sh_engine_default_peek(void)
{
	return default_engine;
}

/* --- the verbs ------------------------------------------------------------------------ */

int sh_engine_parse(struct sh_engine *e, const struct sh_env *env, const char *line,
		    struct sh_parsed **out, struct tula_buf *err)
{
	return sh_match_parse_line(e, env, line, out, err);
}

int sh_engine_complete(struct sh_engine *e, const struct sh_env *env, const char *line,
		       size_t cursor, struct sh_cands *out, struct tula_buf *err)
{
	return sh_cands_complete(e, env, line, cursor, out, err);
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
		case SH_PIPE_SAVE:
			if (i + 1 != p->npipes)
				return sh_err(ctx, "error: '| save' must be the last pipe");
			if (!ctx->can_file)
				return sh_err(ctx,
					      "error: '| save %s': only a CLI client (tula cli, "
					      "the console) can write files",
					      p->pipes[i].file);
			break;
		default:
			break;
		}
	}
	if (m->cmd->fn == NULL)
		return sh_err(ctx, "error: '%s' has no handler", m->cmd->syntax);
	(void)env;
	rc = m->cmd->fn(ctx, m, m->cmd->arg);
	return sh_ctx_finish(ctx, rc);
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
