/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Candidate lists and completion (shell/sh_engine.h): what TAB and `?` show. The
 * candidates at a position are what the matcher's live states would accept next
 * (sh_match.c), so completion offers exactly what execution accepts.
 */
#include "shell/sh_engine_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int sh_cands_cmp(const void *a, const void *b)
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

/* --- completion and help ------------------------------------------------------------- */

struct compl
{
	struct sh_matcher *mt;
	const char *partial;
	struct sh_cands *out;
	int pipes_ok; /* offer `|` at the end of a command */
};

static int has_prefix(const char *word, const char *prefix)
{
	return strncmp(word, prefix, strlen(prefix)) == 0;
}

static void offer_items(struct compl *cp, struct sh_items *it, unsigned mode)
{
	const char *pa = cp->partial;
	struct sh_cands tmp = {0};
	size_t i, j;

	for (i = 0; i < it->n; i++) {
		const struct sh_item *x = &it->v[i];
		const struct sh_node *n = x->n;

		if (n->kind == SH_N_END) {
			if (pa[0] == '\0') {
				sh_cands_add(cp->out, SH_CAND_ENTER, "<[Enter]>",
					     "Execute this command");
				if (cp->pipes_ok && !(x->s->c->cmd->flags & SH_CMD_F_NO_PIPE))
					sh_cands_add(cp->out, SH_CAND_PIPE, "|",
						     "Pipe through a command");
			}
		} else if (n->kind == SH_N_KW) {
			if (has_prefix(n->word, pa))
				sh_cands_add(cp->out, SH_CAND_KEYWORD, n->word, n->help);
		} else if (sh_match_is_path(n)) {
			sh_match_walker_offer(cp->mt, x, &tmp);
			for (j = 0; j < tmp.n; j++)
				if (tmp.v[j].kind == SH_CAND_ARG
					    ? pa[0] == '\0' || tmp.v[j].word[0] == '<'
					    : has_prefix(tmp.v[j].word, pa))
					sh_cands_add(cp->out, tmp.v[j].kind, tmp.v[j].word,
						     tmp.v[j].help);
			sh_cands_free(&tmp);
		} else if (n->arg->type == SH_ARG_COMMAND) {
			struct sh_sset *set = calloc(1, sizeof(*set));
			struct sh_items *sub = malloc(sizeof(*sub));

			if (set != NULL && sub != NULL) {
				sh_match_start(cp->mt, n->arg->sub_mode, set);
				sh_match_frontier(cp->mt, set->v, set->n, sub);
				offer_items(cp, sub, n->arg->sub_mode);
				sh_match_states_free(set);
			}
			free(set);
			free(sub);
		} else {
			sh_cands_add(cp->out, SH_CAND_ARG, n->display, n->help);
			if (n->arg->names != NULL) {
				struct sh_match *m = calloc(1, sizeof(*m));

				if (m == NULL)
					continue;
				sh_match_build(cp->mt, x->s, m);
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
	struct sh_matcher *mt = cp->mt;
	struct sh_sset *a, *b, *tmp;
	struct sh_items *it = NULL;
	int rc = 0, sub_done = 0;
	size_t i;

	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (a == NULL || b == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	sh_match_start(mt, mode, a);
	for (i = from; i < to; i++) {
		size_t j;

		/* an embedded command (run CMD): complete inside it */
		it = malloc(sizeof(*it));
		if (it == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		sh_match_frontier(mt, a->v, a->n, it);
		for (j = 0; j < it->n; j++) {
			const struct sh_node *n = it->v[j].n;

			if (n->kind == SH_N_ARG && n->arg->type == SH_ARG_COMMAND) {
				rc = complete_range(cp, n->arg->sub_mode, i, to);
				goto out;
			}
		}
		free(it);
		it = NULL;
		rc = sh_match_step(mt, a, i, to, b, &sub_done);
		if (rc < 0)
			goto out;
		sh_match_states_free(a);
		tmp = a;
		a = b;
		b = tmp;
	}
	it = malloc(sizeof(*it));
	if (it == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	sh_match_frontier(mt, a->v, a->n, it);
	offer_items(cp, it, mode);
out:
	free(it);
	if (a != NULL)
		sh_match_states_free(a);
	if (b != NULL)
		sh_match_states_free(b);
	free(a);
	free(b);
	return rc;
}

int sh_cands_complete(struct sh_engine *e, const struct sh_env *env, const char *line,
		      size_t cursor, struct sh_cands *out, struct tula_buf *err)
{
	struct sh_matcher mt = {.e = e, .env = env, .err = err};
	struct compl cp = {.mt = &mt, .out = out, .partial = ""};
	struct sh_parsed *owner;
	struct sh_toks *tk;
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
	rc = sh_match_tokenize(prefix, cursor, tk);
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
		qsort(out->v, out->n, sizeof(out->v[0]), sh_cands_cmp);
out:
	sh_parsed_free(owner);
	sh_match_toks_free(tk);
	free(tk);
	free(prefix);
	return rc;
}
