/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bounded regular-expression matcher (common/tula_re.h): a recursive-descent
 * parser builds a syntax tree, the tree is compiled to a program of a few instruction
 * kinds, and the program runs as a Pike VM — a list of live threads (program counters)
 * advanced together over the input, each counter at most once per position. That is
 * what makes the cost linear in the input: a backtracking matcher (glibc regexec on
 * "(a|aa)*b") retries the same positions exponentially or quadratically often.
 * Russ Cox, "Regular Expression Matching Can Be Simple And Fast" (2007), describes the
 * construction.
 */
#include "common/tula_re.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATTERN_MAX 1024 /* bytes of a pattern (a CLI word is shorter anyway) */

/* --- syntax tree -------------------------------------------------------------------- */

enum nkind { N_EMPTY, N_SET, N_BOL, N_EOL, N_CAT, N_ALT, N_REP };

struct node {
	enum nkind kind;
	int a, b;	 /* N_CAT / N_ALT: children; N_REP: a = child */
	int min, max;	 /* N_REP: max -1 = unbounded */
	uint8_t set[32]; /* N_SET: the bytes it accepts */
};

struct parser {
	const char *p;
	struct node *n;
	int nn, cap;
	char *why;
	size_t whylen;
	int failed;
};

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (!ps->failed) {
		va_start(ap, fmt);
		vsnprintf(ps->why, ps->whylen, fmt, ap);
		va_end(ap);
		ps->failed = 1;
	}
	return -1;
}

static int node(struct parser *ps, enum nkind kind, int a, int b)
{
	struct node *x;

	if (ps->nn == ps->cap)
		return fail(ps, "pattern too complex");
	x = &ps->n[ps->nn];
	memset(x, 0, sizeof(*x));
	x->kind = kind;
	x->a = a;
	x->b = b;
	return ps->nn++;
}

static void set_add(struct node *x, unsigned c)
{
	x->set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static int parse_alt(struct parser *ps);

/* [:name:] inside a bracket expression: add the class's bytes. 0 or -1. */
static int add_class(struct parser *ps, struct node *x, const char *name, size_t len)
{
	static const struct {
		const char *name;
		int (*fn)(int);
	} classes[] = {
		{"alpha", isalpha}, {"digit", isdigit}, {"alnum", isalnum}, {"space", isspace},
		{"upper", isupper}, {"lower", islower}, {"punct", ispunct}, {"xdigit", isxdigit},
		{"blank", isblank}, {"print", isprint}, {"graph", isgraph}, {"cntrl", iscntrl},
	};
	size_t i;
	unsigned c;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		if (strlen(classes[i].name) != len || strncmp(classes[i].name, name, len) != 0)
			continue;
		for (c = 0; c < 256; c++)
			if (classes[i].fn((int)c))
				set_add(x, c);
		return 0;
	}
	return fail(ps, "unknown character class '[:%.*s:]'", (int)len, name);
}

static int parse_bracket(struct parser *ps)
{
	int id = node(ps, N_SET, 0, 0), neg = 0, first = 1;
	struct node *x;
	unsigned c;

	if (id < 0)
		return -1;
	x = &ps->n[id];
	if (*ps->p == '^') {
		neg = 1;
		ps->p++;
	}
	for (;;) {
		const unsigned char *p = (const unsigned char *)ps->p;

		if (*p == '\0')
			return fail(ps, "unmatched '['");
		if (*p == ']' && !first) {
			ps->p++;
			break;
		}
		first = 0;
		if (p[0] == '[' && p[1] == ':') {
			const char *end = strstr((const char *)p + 2, ":]");

			if (end == NULL)
				return fail(ps, "unmatched '[:'");
			if (add_class(ps, x, (const char *)p + 2,
				      (size_t)(end - (const char *)p - 2)) < 0)
				return -1;
			ps->p = end + 2;
			continue;
		}
		if (p[1] == '-' && p[2] != '\0' && p[2] != ']') {
			if (p[2] < p[0])
				return fail(ps, "invalid range '%c-%c'", p[0], p[2]);
			for (c = p[0]; c <= p[2]; c++)
				set_add(x, c);
			ps->p += 3;
			continue;
		}
		set_add(x, p[0]);
		ps->p++;
	}
	if (neg)
		for (c = 0; c < 32; c++)
			x->set[c] = (uint8_t)~x->set[c];
	return id;
}

static int parse_atom(struct parser *ps)
{
	unsigned char c = (unsigned char)*ps->p;
	int id;

	switch (c) {
	case '(':
		ps->p++;
		if (*ps->p == ')') {
			ps->p++;
			return node(ps, N_EMPTY, 0, 0);
		}
		id = parse_alt(ps);
		if (id < 0)
			return -1;
		if (*ps->p != ')')
			return fail(ps, "unmatched '('");
		ps->p++;
		return id;
	case '[':
		ps->p++;
		return parse_bracket(ps);
	case '^':
		ps->p++;
		return node(ps, N_BOL, 0, 0);
	case '$':
		ps->p++;
		return node(ps, N_EOL, 0, 0);
	case '*':
	case '+':
	case '?':
		return fail(ps, "'%c' has nothing to repeat", c);
	case '\\':
		c = (unsigned char)ps->p[1];
		if (c == '\0')
			return fail(ps, "trailing backslash");
		if (c >= '1' && c <= '9')
			return fail(ps,
				    "back-references (\\%c) are not supported: they cannot be "
				    "matched in bounded time",
				    c);
		ps->p += 2;
		break;
	case '.':
		ps->p++;
		id = node(ps, N_SET, 0, 0);
		if (id >= 0)
			memset(ps->n[id].set, 0xff, sizeof(ps->n[id].set));
		return id;
	default:
		ps->p++;
		break;
	}
	id = node(ps, N_SET, 0, 0);
	if (id >= 0)
		set_add(&ps->n[id], c);
	return id;
}

/* {m}, {m,}, {m,n} after an atom; ps->p is on the '{'. */
static int parse_count(struct parser *ps, int *min, int *max)
{
	char *end;
	long m, n;

	m = strtol(ps->p + 1, &end, 10);
	n = m;
	if (*end == ',') {
		if (end[1] == '}') {
			n = -1;
			end++;
		} else {
			n = strtol(end + 1, &end, 10);
		}
	}
	if (*end != '}')
		return fail(ps, "invalid repetition count");
	if (m > TULA_RE_DUP_MAX || n > TULA_RE_DUP_MAX || (n >= 0 && n < m))
		return fail(ps, "repetition count out of range (0..%d, m <= n)", TULA_RE_DUP_MAX);
	ps->p = end + 1;
	*min = (int)m;
	*max = (int)n;
	return 0;
}

static int parse_rep(struct parser *ps)
{
	int id = parse_atom(ps);

	while (id >= 0) {
		int min = 0, max = 0, r;

		if (*ps->p == '*') {
			min = 0, max = -1;
			ps->p++;
		} else if (*ps->p == '+') {
			min = 1, max = -1;
			ps->p++;
		} else if (*ps->p == '?') {
			min = 0, max = 1;
			ps->p++;
		} else if (*ps->p == '{' && isdigit((unsigned char)ps->p[1])) {
			if (parse_count(ps, &min, &max) < 0)
				return -1;
		} else {
			break;
		}
		r = node(ps, N_REP, id, 0);
		if (r < 0)
			return -1;
		ps->n[r].min = min;
		ps->n[r].max = max;
		id = r;
	}
	return id;
}

static int parse_cat(struct parser *ps)
{
	int id = node(ps, N_EMPTY, 0, 0);

	while (id >= 0 && *ps->p != '\0' && *ps->p != '|' && *ps->p != ')') {
		int r = parse_rep(ps);

		if (r < 0)
			return -1;
		id = node(ps, N_CAT, id, r);
	}
	return id;
}

static int parse_alt(struct parser *ps)
{
	int id = parse_cat(ps);

	while (id >= 0 && *ps->p == '|') {
		int r;

		ps->p++;
		r = parse_cat(ps);
		if (r < 0)
			return -1;
		id = node(ps, N_ALT, id, r);
	}
	return id;
}

/* --- program ------------------------------------------------------------------------- */

enum op { I_SET, I_BOL, I_EOL, I_SPLIT, I_JMP, I_MATCH };

struct inst {
	uint8_t op;
	int x, y; /* I_SET: x = set index; I_SPLIT: x, y; I_JMP: x */
};

struct tula_re {
	struct inst *prog;
	int n;
	uint8_t (*sets)[32];
	int nsets;
	/* scratch of one search */
	int *clist, *nlist, *stack;
	uint32_t *mark;
	uint32_t gen;
};

struct gen {
	struct tula_re *re;
	const struct node *n;
	int failed;
};

static int emit(struct gen *g, uint8_t op, int x, int y)
{
	if (g->re->n == TULA_RE_MAX_PROG) {
		g->failed = 1;
		return 0;
	}
	g->re->prog[g->re->n].op = op;
	g->re->prog[g->re->n].x = x;
	g->re->prog[g->re->n].y = y;
	return g->re->n++;
}

static void gen_node(struct gen *g, int id)
{
	const struct node *x = &g->n[id];
	int i, split, jmp, ends[TULA_RE_DUP_MAX], nends = 0;

	if (g->failed)
		return;
	switch (x->kind) {
	case N_EMPTY:
		break;
	case N_SET:
		if (g->re->nsets == TULA_RE_MAX_PROG) {
			g->failed = 1;
			return;
		}
		memcpy(g->re->sets[g->re->nsets], x->set, 32);
		emit(g, I_SET, g->re->nsets++, 0);
		break;
	case N_BOL:
		emit(g, I_BOL, 0, 0);
		break;
	case N_EOL:
		emit(g, I_EOL, 0, 0);
		break;
	case N_CAT:
		gen_node(g, x->a);
		gen_node(g, x->b);
		break;
	case N_ALT:
		split = emit(g, I_SPLIT, 0, 0);
		g->re->prog[split].x = g->re->n;
		gen_node(g, x->a);
		jmp = emit(g, I_JMP, 0, 0);
		g->re->prog[split].y = g->re->n;
		gen_node(g, x->b);
		g->re->prog[jmp].x = g->re->n;
		break;
	case N_REP:
		for (i = 0; i < x->min && !g->failed; i++)
			gen_node(g, x->a);
		if (x->max < 0) { /* L: SPLIT body, out; body; JMP L */
			split = emit(g, I_SPLIT, 0, 0);
			g->re->prog[split].x = g->re->n;
			gen_node(g, x->a);
			emit(g, I_JMP, split, 0);
			g->re->prog[split].y = g->re->n;
			break;
		}
		for (i = x->min; i < x->max && !g->failed; i++) { /* (body (body ...)?)? */
			split = emit(g, I_SPLIT, 0, 0);
			g->re->prog[split].x = g->re->n;
			ends[nends++] = split;
			gen_node(g, x->a);
		}
		for (i = 0; i < nends && !g->failed; i++)
			g->re->prog[ends[i]].y = g->re->n;
		break;
	}
}

void tula_re_free(struct tula_re *re)
{
	if (re == NULL)
		return;
	free(re->prog);
	free(re->sets);
	free(re->clist);
	free(re->nlist);
	free(re->stack);
	free(re->mark);
	free(re);
}

int tula_re_compile(const char *pattern, struct tula_re **out, char *why, size_t whylen)
{
	struct parser ps = {.p = pattern, .why = why, .whylen = whylen};
	struct tula_re *re = NULL;
	struct gen g = {0};
	size_t len = strlen(pattern);
	int root, rc = -ENOMEM;

	*out = NULL;
	if (whylen > 0)
		why[0] = '\0';
	if (len > PATTERN_MAX) {
		snprintf(why, whylen, "pattern longer than %d bytes", PATTERN_MAX);
		return -EINVAL;
	}
	ps.cap = (int)len * 3 + 8;
	ps.n = calloc((size_t)ps.cap, sizeof(*ps.n));
	if (ps.n == NULL)
		return -ENOMEM;
	root = parse_alt(&ps);
	if (root >= 0 && *ps.p == ')')
		root = fail(&ps, "unmatched ')'");
	if (root < 0) {
		rc = -EINVAL;
		goto out;
	}
	re = calloc(1, sizeof(*re));
	if (re == NULL)
		goto out;
	re->prog = calloc(TULA_RE_MAX_PROG, sizeof(*re->prog));
	re->sets = calloc(TULA_RE_MAX_PROG, sizeof(*re->sets));
	if (re->prog == NULL || re->sets == NULL)
		goto out;
	g.re = re;
	g.n = ps.n;
	gen_node(&g, root);
	emit(&g, I_MATCH, 0, 0);
	if (g.failed) {
		snprintf(why, whylen, "pattern too complex (more than %d instructions)",
			 TULA_RE_MAX_PROG);
		rc = -EINVAL;
		goto out;
	}
	re->clist = calloc((size_t)re->n, sizeof(int));
	re->nlist = calloc((size_t)re->n, sizeof(int));
	re->stack = calloc((size_t)re->n * 2 + 1, sizeof(int));
	re->mark = calloc((size_t)re->n, sizeof(uint32_t));
	if (re->clist == NULL || re->nlist == NULL || re->stack == NULL || re->mark == NULL)
		goto out;
	*out = re;
	re = NULL;
	rc = 0;
out:
	tula_re_free(re);
	free(ps.n);
	return rc;
}

/* --- the Pike VM --------------------------------------------------------------------- */

/*
 * Add pc and everything reachable from it without consuming a byte to list (each pc
 * once per generation). Returns 1 when MATCH was reached, 0, or -ETIME.
 */
static int add_thread(struct tula_re *re, int *list, int *nlist, int pc, size_t pos, size_t len,
		      uint64_t *budget)
{
	int sp = 0;

	re->stack[sp++] = pc;
	while (sp > 0) {
		const struct inst *in;

		pc = re->stack[--sp];
		if (re->mark[pc] == re->gen)
			continue;
		re->mark[pc] = re->gen;
		if (*budget == 0)
			return -ETIME;
		(*budget)--;
		in = &re->prog[pc];
		switch (in->op) {
		case I_MATCH:
			return 1;
		case I_SET:
			list[(*nlist)++] = pc;
			break;
		case I_JMP:
			re->stack[sp++] = in->x;
			break;
		case I_SPLIT:
			re->stack[sp++] = in->y;
			re->stack[sp++] = in->x;
			break;
		case I_BOL:
			if (pos == 0)
				re->stack[sp++] = pc + 1;
			break;
		case I_EOL:
			if (pos == len)
				re->stack[sp++] = pc + 1;
			break;
		}
	}
	return 0;
}

int tula_re_search(struct tula_re *re, const char *s, size_t len, uint64_t *budget)
{
	int *cl = re->clist, *nl = re->nlist, *t, nc = 0, nn, i, r;
	size_t pos;

	if (++re->gen == 0) { /* the generation wrapped: forget every mark */
		memset(re->mark, 0, (size_t)re->n * sizeof(*re->mark));
		re->gen = 1;
	}
	for (pos = 0;; pos++) {
		r = add_thread(re, cl, &nc, 0, pos, len, budget); /* a match may start here */
		if (r != 0)
			return r;
		if (pos == len)
			return 0;
		if (++re->gen == 0) {
			memset(re->mark, 0, (size_t)re->n * sizeof(*re->mark));
			re->gen = 1;
		}
		nn = 0;
		for (i = 0; i < nc; i++) {
			unsigned c = (unsigned char)s[pos];
			const struct inst *in = &re->prog[cl[i]];

			if (!(re->sets[in->x][c >> 3] & (1u << (c & 7))))
				continue;
			r = add_thread(re, nl, &nn, cl[i] + 1, pos + 1, len, budget);
			if (r != 0)
				return r;
		}
		t = cl;
		cl = nl;
		nl = t;
		nc = nn;
	}
}
