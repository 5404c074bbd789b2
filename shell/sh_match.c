/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The matcher (shell/sh_engine_int.h has the design): a line split into tokens and run
 * against every visible command at once, the parse result (struct sh_parsed, its pipes
 * compiled) and the handler's view of its words (sh_match_*).
 */
#include "shell/sh_engine_int.h"

#include "db/db.h"
#include "shell/sh_level.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- tokens ------------------------------------------------------------------------- */

void sh_match_toks_free(struct sh_toks *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->v[i].text);
	t->n = 0;
}

/* Split on blanks; "..." is one word with \" and \\ escapes; an unquoted | stands alone. */
int sh_match_tokenize(const char *line, size_t len, struct sh_toks *t)
{
	size_t i = 0;

	memset(t, 0, sizeof(*t));
	while (i < len) {
		struct sh_tok *k;
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

static const char *keep(struct sh_matcher *mt, const char *s)
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

static int visible(const struct sh_matcher *mt, const struct sh_ccmd *c, unsigned mode)
{
	if (!(c->cmd->modes & mode))
		return 0;
	return mt->no_filter || c->cmd->level <= mt->env->level;
}

static void add_item(struct sh_items *it, const struct sh_mstate *s, const struct sh_node *n,
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

int sh_match_is_path(const struct sh_node *n)
{
	return n->kind == SH_N_ARG && n->arg->type == SH_ARG_PATH && n->arg->walker != NULL;
}

static void closure_next(struct sh_matcher *mt, const struct sh_mstate *s,
			 const struct sh_node *from, struct sh_items *it,
			 const struct sh_node **seen, size_t *nseen);

/* The words a path placeholder has taken in state s (none when it starts fresh). */
static size_t path_words(const struct sh_mstate *s, const struct sh_node *n, const char *const **w)
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

void sh_match_walker_offer(struct sh_matcher *mt, const struct sh_item *x, struct sh_cands *out)
{
	const char *const *w;
	size_t nw = path_words(x->s, x->n, &w);

	/* a fresh path (x->pos is the start) has taken no words even if the state walked
	 * an earlier one */
	if (x->s->in_path && x->s->n == x->n && memcmp(&x->pos, &x->s->pos, sizeof(x->pos)) != 0)
		nw = 0;
	x->n->arg->walker->offer(mt->env->sess, x->n->arg, &x->pos, w, nw, out);
}

static void visit(struct sh_matcher *mt, const struct sh_mstate *s, const struct sh_node *n,
		  struct sh_items *it, const struct sh_node **seen, size_t *nseen)
{
	size_t i;

	for (i = 0; i < *nseen; i++)
		if (seen[i] == n)
			return;
	if (*nseen < 64)
		seen[(*nseen)++] = n;
	if (n->kind == SH_N_EPS) {
		closure_next(mt, s, n, it, seen, nseen);
	} else if (sh_match_is_path(n)) {
		struct sh_walk_pos pos = {0};

		n->arg->walker->start(mt->env->sess, n->arg, &pos);
		add_item(it, s, n, &pos);
		if (n->arg->walker->can_end(mt->env->sess, n->arg, &pos))
			closure_next(mt, s, n, it, seen, nseen);
	} else {
		add_item(it, s, n, NULL);
	}
}

static void closure_next(struct sh_matcher *mt, const struct sh_mstate *s,
			 const struct sh_node *from, struct sh_items *it,
			 const struct sh_node **seen, size_t *nseen)
{
	size_t i;

	for (i = 0; i < from->nnext; i++)
		visit(mt, s, from->next[i], it, seen, nseen);
}

/* What every state can take next. */
void sh_match_frontier(struct sh_matcher *mt, struct sh_mstate *const *set, size_t nset,
		       struct sh_items *it)
{
	const struct sh_node *seen[64];
	size_t i, nseen;

	it->n = 0;
	for (i = 0; i < nset; i++) {
		const struct sh_mstate *s = set[i];

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
	struct sh_cands offers[SH_MAX_STATES]; /* walker offers, one list per path item */
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

void sh_match_build(struct sh_matcher *mt, const struct sh_mstate *s, struct sh_match *m);

/* Every keyword the items can take, walker offers included (their strings live in k). */
static void keywords(struct sh_matcher *mt, struct sh_items *it, struct kwcs *k)
{
	size_t i, j;

	for (i = 0; i < it->n; i++) {
		const struct sh_node *n = it->v[i].n;

		if (n->kind == SH_N_KW) {
			kwcs_add(k, i, n->word, n->help);
		} else if (sh_match_is_path(n)) {
			struct sh_cands *o;

			if (k->noffers == SH_MAX_STATES)
				continue;
			o = &k->offers[k->noffers++];
			sh_match_walker_offer(mt, &it->v[i], o);
			for (j = 0; j < o->n; j++)
				if (o->v[j].kind == SH_CAND_KEYWORD)
					kwcs_add(k, i, o->v[j].word, o->v[j].help);
		}
	}
}

/* Does placeholder arg accept tok? 1 yes, 0 no, -1 invalid (why filled). */
static int accept_arg(const struct sh_arg *a, const struct sh_tok *t, char *why, size_t n)
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

static struct sh_mstate *advance(const struct sh_mstate *s, const struct sh_node *n, int in_path,
				 const struct sh_walk_pos *pos, const char *val)
{
	struct sh_mstate *ns = malloc(sizeof(*ns));

	if (ns == NULL)
		return NULL;
	memcpy(ns, s, offsetof(struct sh_mstate, by));
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

void sh_match_states_free(struct sh_sset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		sh_parsed_free(s->v[i]->sub);
		free(s->v[i]);
	}
	s->n = 0;
}

static void sset_add(struct sh_sset *s, struct sh_mstate *ns)
{
	size_t i;

	if (ns == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		const struct sh_mstate *o = s->v[i];

		if (o->c == ns->c && o->n == ns->n && o->in_path == ns->in_path &&
		    memcmp(&o->pos, &ns->pos, sizeof(o->pos)) == 0)
			goto drop;
	}
	if (s->n < SH_MAX_STATES) {
		s->v[s->n++] = ns;
		return;
	}
drop:
	free(ns);
}

void sh_match_start(struct sh_matcher *mt, unsigned mode, struct sh_sset *set)
{
	size_t i;

	set->n = 0;
	for (i = 0; i < mt->e->n; i++) {
		const struct sh_ccmd *c = mt->e->cmds[i];
		struct sh_mstate *s;

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
static void err_caret(struct sh_matcher *mt, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void err_caret(struct sh_matcher *mt, size_t pos, const char *fmt, ...)
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
static void expected(struct sh_matcher *mt, struct sh_items *it, struct tula_buf *b)
{
	struct sh_cands c = {0};
	struct kwcs k = {0};
	size_t i, j;

	keywords(mt, it, &k);
	for (i = 0; i < k.n; i++)
		sh_cands_add(&c, SH_CAND_KEYWORD, k.v[i].word, NULL);
	for (i = 0; i < it->n; i++) {
		const struct sh_node *n = it->v[i].n;

		if (n->kind == SH_N_END) {
			sh_cands_add(&c, SH_CAND_ENTER, "<[Enter]>", NULL);
		} else if (n->kind == SH_N_ARG && !sh_match_is_path(n)) {
			sh_cands_add(&c, SH_CAND_ARG, n->display, NULL);
		}
	}
	for (i = 0; i < k.noffers; i++)
		for (j = 0; j < k.offers[i].n; j++)
			if (k.offers[i].v[j].kind == SH_CAND_ARG)
				sh_cands_add(&c, SH_CAND_ARG, k.offers[i].v[j].word, NULL);
	if (c.n > 1)
		qsort(c.v, c.n, sizeof(c.v[0]), sh_cands_cmp);
	for (i = 0; i < c.n && i < 40; i++)
		tula_buf_printf(b, "%s%s", i ? " " : "", c.v[i].word);
	if (c.n > 40)
		tula_buf_puts(b, " ...");
	sh_cands_free(&c);
	kwcs_free(&k);
}

static int parse_range(struct sh_matcher *mt, unsigned mode, size_t from, size_t to,
		       struct sh_parsed *p, struct sh_match *m);

/*
 * Move set over token i. Returns 0 with *next filled, or -EINVAL / -EPERM with the
 * error written. *sub_done is set when an embedded command took the rest of the range.
 */
int sh_match_step(struct sh_matcher *mt, struct sh_sset *set, size_t i, size_t to,
		  struct sh_sset *next, int *sub_done)
{
	const struct sh_tok *t = &mt->tk->v[i];
	char why[256] = "", tmp[256];
	struct sh_items *it;
	struct kwcs k = {0};
	size_t j, nacc = 0;
	const char *word = NULL;
	int rc = 0, r, exact;

	it = malloc(sizeof(*it));
	if (it == NULL)
		return -ENOMEM;
	next->n = 0;
	*sub_done = 0;
	sh_match_frontier(mt, set->v, set->n, it);
	keywords(mt, it, &k);

	/* 1. an exact keyword */
	if (!t->quoted)
		for (j = 0; j < k.n; j++)
			if (strcmp(k.v[j].word, t->text) == 0)
				word = t->text;
	exact = word != NULL;
	/*
	 * 2. a unique prefix of a keyword: it wins over a placeholder that would take the
	 * word as free text (`load merge term` is terminal; quote the word for a file
	 * named term). Two or more keywords are an ambiguity that names them, and the
	 * placeholders that would also take the word.
	 */
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

			for (j = 0; j < it->n; j++) {
				const struct sh_item *x = &it->v[j];
				struct sh_walk_pos np = {0};

				if (x->n->kind != SH_N_ARG)
					continue;
				if (sh_match_is_path(x->n))
					r = x->n->arg->walker->step(mt->env->sess, x->n->arg,
								    &x->pos, t->text, 0, 0, &np,
								    tmp, sizeof(tmp));
				else
					r = accept_arg(x->n->arg, t, tmp, sizeof(tmp));
				if (r > 0)
					sh_cands_add(&amb, SH_CAND_ARG, x->n->display, x->n->help);
			}

			qsort(amb.v, amb.n, sizeof(amb.v[0]), sh_cands_cmp);
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
			const struct sh_item *x = &it->v[k.v[j].item];
			struct sh_walk_pos np = {0};
			const char *w;

			if (strcmp(k.v[j].word, word) != 0)
				continue;
			w = keep(mt, k.v[j].word);
			if (x->n->kind == SH_N_KW) {
				sset_add(next, advance(x->s, x->n, 0, NULL, w));
			} else if (x->n->arg->walker->step(mt->env->sess, x->n->arg, &x->pos, w, 1,
							   0, &np, tmp, sizeof(tmp)) > 0) {
				sset_add(next, advance(x->s, x->n, 1, &np, w));
			}
		}
		if (next->n > 0)
			goto out;
		/* led nowhere: an exact keyword fits nothing else; a prefix may be free text */
		word = NULL;
	}
	/* 3. a placeholder that accepts the word (no keyword took it) */
	if (!exact) {
		for (j = 0; j < it->n; j++) {
			const struct sh_item *x = &it->v[j];
			struct sh_walk_pos np = {0};

			if (x->n->kind != SH_N_ARG)
				continue;
			if (sh_match_is_path(x->n)) {
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
					struct sh_mstate *ns =
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
						sh_match_states_free(next);
						goto out;
					}
					ns->sub->m.sub_mode = x->n->arg->sub_mode;
					sh_match_states_free(next);
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

void sh_match_build(struct sh_matcher *mt, const struct sh_mstate *s, struct sh_match *m)
{
	size_t i;

	m->cmd = s->c->cmd;
	m->sess = mt->env->sess;
	m->n = s->ntok;
	for (i = 0; i < s->ntok; i++) {
		m->name[i] = s->by[i]->kind == SH_N_ARG ? s->by[i]->word : NULL;
		m->val[i] = s->val[i];
	}
}

/* Parse tokens [from, to) as one command of mode; fill m. */
static int parse_range(struct sh_matcher *mt, unsigned mode, size_t from, size_t to,
		       struct sh_parsed *p, struct sh_match *m)
{
	struct sh_sset *a, *b, *tmp;
	struct sh_items *it = NULL;
	size_t i, j;
	int rc = 0, sub_done = 0;
	const struct sh_mstate *best = NULL;

	(void)p;
	a = calloc(1, sizeof(*a));
	b = calloc(1, sizeof(*b));
	if (a == NULL || b == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	sh_match_start(mt, mode, a);
	for (i = from; i < to && !sub_done; i++) {
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
	for (j = 0; j < it->n; j++)
		if (it->v[j].n->kind == SH_N_END &&
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
	sh_match_build(mt, best, m);
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
		sh_match_states_free(a);
	if (b != NULL)
		sh_match_states_free(b);
	free(a);
	free(b);
	return rc;
}

/* Parse one range; when it fails for the class but parses for a super-user, say so. */
static int parse_checked(struct sh_matcher *mt, unsigned mode, size_t from, size_t to,
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
			  tula_buf_str(&words), sh_level_name(probe->cmd->level),
			  sh_level_name(mt->env->level));
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
		if (p->pipes[i].kind == SH_PIPE_MATCH || p->pipes[i].kind == SH_PIPE_EXCEPT ||
		    p->pipes[i].kind == SH_PIPE_FIND)
			tula_re_free(p->pipes[i].re);
	free(p->line);
	free(p);
}

static int pipe_from_match(struct sh_matcher *mt, const struct sh_match *m, size_t tokpos,
			   struct sh_pipe *pp)
{
	uint64_t n;
	int r;

	pp->kind = (enum sh_pipe_kind)(intptr_t)m->cmd->arg;
	pp->rollback = -1;
	if (pp->kind == SH_PIPE_DISPLAY_SET && !sh_match_has(m, "set"))
		pp->kind = SH_PIPE_DISPLAY_JSON;
	if (pp->kind == SH_PIPE_SAVE)
		pp->file = sh_match_str(m, "FILE");
	if (pp->kind == SH_PIPE_COMPARE && sh_match_uint(m, "N", &n) == 0)
		pp->rollback = (int)n;
	if (pp->kind == SH_PIPE_LAST && sh_match_uint(m, "N", &n) == 0)
		pp->last = (size_t)n;
	if (pp->kind == SH_PIPE_MATCH || pp->kind == SH_PIPE_EXCEPT || pp->kind == SH_PIPE_FIND) {
		char msg[160];

		r = tula_re_compile(sh_match_str(m, "PATTERN"), &pp->re, msg, sizeof(msg));
		if (r == -EINVAL) {
			err_caret(mt, tokpos, "invalid regular expression: %s", msg);
			return -EINVAL;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int sh_match_parse_line(struct sh_engine *e, const struct sh_env *env, const char *line,
			struct sh_parsed **out, struct tula_buf *err)
{
	struct sh_matcher mt = {.e = e, .env = env, .line = line, .err = err};
	struct sh_parsed *p = NULL;
	size_t i, segstart, seg;
	struct sh_toks *tk;
	int rc = 0;

	*out = NULL;
	tk = malloc(sizeof(*tk));
	if (tk == NULL)
		return -ENOMEM;
	mt.tk = tk;
	rc = sh_match_tokenize(line, strlen(line), tk);
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
	sh_match_toks_free(tk);
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
