/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reading configuration text: the braces format of `show` (with `inactive:`,
 * C-comment annotations and `#` comments) and `display set` lines. A braces
 * statement is a path relative to the enclosing block, so
 *     services { dsr { vip web { port 80; } } }
 * and `set services dsr vip web port 80` go through the same resolution and the
 * same tree edits. Loading is all or nothing: the text is applied to a copy,
 * which replaces the tree only when no statement failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"

enum ttype {
	T_EOF = 0,
	T_WORD,
	T_LBRACE,
	T_RBRACE,
	T_SEMI,
	T_COMMENT,
	T_INACTIVE,
	T_ERROR,
};

struct token {
	enum ttype t;
	char *text; /* T_WORD, T_COMMENT, T_ERROR (message) */
	int line;
	int col;
};

struct lexer {
	const char *s;
	size_t pos;
	int line;
	size_t line_start;
	struct token peeked;
	int has_peek;
};

static void lex_skip(struct lexer *lx)
{
	for (;;) {
		char c = lx->s[lx->pos];

		if (c == '\n') {
			lx->pos++;
			lx->line++;
			lx->line_start = lx->pos;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			lx->pos++;
		} else if (c == '#') {
			while (lx->s[lx->pos] != '\0' && lx->s[lx->pos] != '\n')
				lx->pos++;
		} else {
			return;
		}
	}
}

static char *trim_dup(const char *s, size_t n)
{
	char *r;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	r = malloc(n + 1);
	if (r != NULL) {
		memcpy(r, s, n);
		r[n] = '\0';
	}
	return r;
}

/*
 * An annotation is one line (db_tree_annotate refuses line breaks, and `display set`
 * prints it inside one quoted string): a C comment spanning lines becomes one line,
 * each break with the blanks around it folded into one space (the fuzz target config
 * found a comment that loaded but whose `display set` form did not).
 */
static void fold_lines(char *s)
{
	char *r = s, *w = s;

	if (s == NULL)
		return;
	while (*r != '\0') {
		if (*r != '\n' && *r != '\r') {
			*w++ = *r++;
			continue;
		}
		while (w > s && (w[-1] == ' ' || w[-1] == '\t'))
			w--;
		while (*r == '\n' || *r == '\r' || *r == ' ' || *r == '\t')
			r++;
		if (w > s && *r != '\0')
			*w++ = ' ';
	}
	*w = '\0';
}

static struct token lex_next(struct lexer *lx)
{
	struct token t = {0};
	const char *s = lx->s;
	size_t start;

	if (lx->has_peek) {
		lx->has_peek = 0;
		return lx->peeked;
	}
	lex_skip(lx);
	t.line = lx->line;
	t.col = (int)(lx->pos - lx->line_start) + 1;
	start = lx->pos;
	switch (s[lx->pos]) {
	case '\0':
		t.t = T_EOF;
		return t;
	case '{':
		lx->pos++;
		t.t = T_LBRACE;
		return t;
	case '}':
		lx->pos++;
		t.t = T_RBRACE;
		return t;
	case ';':
		lx->pos++;
		t.t = T_SEMI;
		return t;
	case '"': {
		struct tula_buf b = TULA_BUF_INIT;

		lx->pos++;
		while (s[lx->pos] != '\0' && s[lx->pos] != '"' && s[lx->pos] != '\n') {
			if (s[lx->pos] == '\\' && (s[lx->pos + 1] == '"' || s[lx->pos + 1] == '\\'))
				lx->pos++;
			tula_buf_putc(&b, s[lx->pos++]);
		}
		if (s[lx->pos] != '"') {
			tula_buf_free(&b);
			t.t = T_ERROR;
			t.text = strdup("unterminated quoted string");
			return t;
		}
		lx->pos++;
		t.t = T_WORD;
		t.text = tula_buf_steal(&b);
		return t;
	}
	case '/':
		if (s[lx->pos + 1] == '*') {
			const char *end = strstr(s + lx->pos + 2, "*/");

			if (end == NULL) {
				t.t = T_ERROR;
				t.text = strdup("unterminated comment");
				lx->pos = strlen(s);
				return t;
			}
			t.t = T_COMMENT;
			t.text = trim_dup(s + lx->pos + 2, (size_t)(end - (s + lx->pos + 2)));
			fold_lines(t.text);
			for (; s + lx->pos < end + 2; lx->pos++)
				if (s[lx->pos] == '\n') {
					lx->line++;
					lx->line_start = lx->pos + 1;
				}
			return t;
		}
		break;
	default:
		break;
	}
	while (s[lx->pos] != '\0' && strchr(" \t\r\n{};\"", s[lx->pos]) == NULL)
		lx->pos++;
	t.text = trim_dup(s + start, lx->pos - start);
	t.t = strcmp(t.text ? t.text : "", "inactive:") == 0 ? T_INACTIVE : T_WORD;
	return t;
}

static struct token lex_peek(struct lexer *lx)
{
	if (!lx->has_peek) {
		lx->peeked = lex_next(lx);
		lx->has_peek = 1;
	}
	return lx->peeked;
}

static const char *tname(const struct token *t)
{
	switch (t->t) {
	case T_EOF:
		return "end of text";
	case T_LBRACE:
		return "'{'";
	case T_RBRACE:
		return "'}'";
	case T_SEMI:
		return "';'";
	case T_COMMENT:
		return "a comment";
	case T_INACTIVE:
		return "inactive:";
	default:
		return t->text ? t->text : "?";
	}
}

struct parser {
	struct lexer lx;
	struct db_node *root;
	const char **ctx; /* absolute path of the enclosing block */
	int nctx;
	int capctx;
	struct db_diags *d;
	int errors;
};

#define MAX_ERRORS 50

static void perr(struct parser *p, int line, int col, int token, const char *path, const char *msg)
{
	struct db_diags *d = p->d;

	p->errors++;
	if (p->errors > MAX_ERRORS)
		return;
	db_diag_add(d, DB_DIAG_ERROR, path, token, "%s", msg);
	if (d != NULL && d->n > 0) {
		d->v[d->n - 1].line = line;
		d->v[d->n - 1].column = col;
	}
}

static int ctx_push(struct parser *p, const char *w)
{
	if (p->nctx == p->capctx) {
		int cap = p->capctx ? p->capctx * 2 : 16;
		const char **v = realloc(p->ctx, (size_t)cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		p->ctx = v;
		p->capctx = cap;
	}
	p->ctx[p->nctx++] = w;
	return 0;
}

/* Skip a block whose '{' was just read, through its matching '}'. */
static void skip_block(struct parser *p)
{
	int depth = 1;

	while (depth > 0) {
		struct token t = lex_next(&p->lx);

		if (t.t == T_LBRACE)
			depth++;
		else if (t.t == T_RBRACE)
			depth--;
		free(t.text);
		if (t.t == T_EOF)
			return;
	}
}

static void free_words(struct token *w, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(w[i].text);
	free(w);
}

static int parse_block(struct parser *p, int depth);

/* The node a statement's `inactive:` and annotation belong to. */
static struct db_node *attr_target(struct db_node *last, const struct db_rpath *rp, int first)
{
	struct db_node *n = last;
	int i;

	/* `route 0.0.0.0/0 next-hop 10.0.0.1;`: the route carries the attributes */
	if (first < rp->n && rp->v[first].sn->kind == DB_SNODE_LIST &&
	    (rp->v[first].sn->flags & DB_SF_ONELINE) && rp->n > first + 1) {
		for (i = rp->n - 1; i > first && n != NULL; i--)
			n = n->parent;
	}
	return n;
}

static int parse_statement(struct parser *p, int depth, char *annotation, int inactive)
{
	struct token *words = NULL, t;
	int nw = 0, capw = 0, i, rc = 0, first;
	struct db_diags local = DB_DIAGS_INIT;
	struct db_rpath rp;
	struct db_node *n;
	int saved = p->nctx;

	for (;;) {
		t = lex_next(&p->lx);
		if (t.t != T_WORD)
			break;
		if (nw == capw) {
			struct token *v;

			capw = capw ? capw * 2 : 8;
			v = realloc(words, (size_t)capw * sizeof(*v));
			if (v == NULL) {
				free(t.text);
				free_words(words, nw);
				free(annotation);
				return -ENOMEM;
			}
			words = v;
		}
		words[nw++] = t;
	}
	if (t.t == T_ERROR) {
		perr(p, t.line, t.col, -1, "", t.text);
		free(t.text);
		free_words(words, nw);
		free(annotation);
		return -EINVAL;
	}
	if (nw == 0 || (t.t != T_SEMI && t.t != T_LBRACE)) {
		char msg[200];

		if (nw == 0)
			snprintf(msg, sizeof(msg), "syntax error: expected a statement, found %s",
				 tname(&t));
		else
			snprintf(msg, sizeof(msg),
				 "syntax error: expected ';' or '{' after \"%s\", found %s",
				 words[nw - 1].text, tname(&t));
		perr(p, t.line, t.col, -1, "", msg);
		free(t.text);
		free_words(words, nw);
		free(annotation); /* ours on every path (a leak found by tests/fuzz) */
		if (t.t == T_LBRACE)
			skip_block(p);
		return -EINVAL;
	}
	for (i = 0; i < nw; i++)
		if (ctx_push(p, words[i].text) != 0) {
			rc = -ENOMEM;
			goto out;
		}
	rc = db_rpath_resolve(&rp, p->ctx, p->nctx,
			      t.t == T_LBRACE ? (RP_ALLOW_CONTAINER | RP_ALLOW_LIST_KW)
					      : RP_ALLOW_CONTAINER,
			      &local, 0);
	if (rc == 0 && t.t == T_LBRACE) {
		const struct db_rstep *last = &rp.v[rp.n - 1];

		if (last->sn->kind == DB_SNODE_LEAF) {
			db_diag_add(&local, DB_DIAG_ERROR, "", -1,
				    "syntax error: %s is a single statement: expected ';'",
				    last->sn->name);
			rc = -EINVAL;
		} else if (rp.ends_list_kw && !(last->sn->flags & DB_SF_BARE)) {
			db_diag_add(&local, DB_DIAG_ERROR, "", -1, "missing %s: %s",
				    last->sn->value_name, last->sn->value_help);
			rc = -EINVAL;
		} else if (rp.ends_list_kw && (inactive || annotation != NULL)) {
			db_diag_add(&local, DB_DIAG_ERROR, "", -1,
				    "inactive: and comments go on the %s entries, not on the list",
				    last->sn->name);
			rc = -EINVAL;
		}
		if (rc != 0)
			db_rpath_free(&rp);
	}
	if (rc != 0) {
		for (i = 0; i < (int)local.n; i++) {
			struct db_diag *g = &local.v[i];
			int w = g->token >= saved ? g->token - saved : nw - 1;

			if (w < 0 || w >= nw)
				w = nw - 1;
			perr(p, words[w].line, words[w].col, g->token >= saved ? w : -1, g->path,
			     g->message);
		}
		if (t.t == T_LBRACE)
			skip_block(p);
		rc = -EINVAL;
		goto out;
	}
	n = db_node_make(p->root, &rp);
	if (n == NULL) {
		db_rpath_free(&rp);
		rc = -ENOMEM;
		goto out;
	}
	for (first = 0; first < rp.n && rp.v[first].tok < saved; first++)
		;
	if (!rp.ends_list_kw) {
		struct db_node *target = attr_target(n, &rp, first);

		if (inactive)
			target->inactive = 1;
		if (annotation != NULL) {
			free(target->annotation);
			target->annotation = annotation;
			annotation = NULL;
		}
	}
	db_rpath_free(&rp);
	if (t.t == T_LBRACE)
		rc = parse_block(p, depth + 1);
out:
	p->nctx = saved;
	free(annotation);
	free_words(words, nw);
	db_diags_free(&local);
	return rc;
}

static int parse_block(struct parser *p, int depth)
{
	for (;;) {
		struct token t = lex_peek(&p->lx);
		char *annotation = NULL;
		int inactive = 0, rc;

		if (t.t == T_EOF) {
			lex_next(&p->lx);
			if (depth > 0)
				perr(p, t.line, t.col, -1, "",
				     "syntax error: missing '}' at end of text");
			return 0;
		}
		if (t.t == T_RBRACE) {
			lex_next(&p->lx);
			if (depth == 0) {
				perr(p, t.line, t.col, -1, "", "syntax error: unexpected '}'");
				continue;
			}
			return 0;
		}
		while (t.t == T_COMMENT) {
			t = lex_next(&p->lx);
			free(annotation);
			annotation = t.text;
			if (annotation != NULL && annotation[0] == '\0') {
				/* an empty comment annotates nothing (as annotate "" removes) */
				free(annotation);
				annotation = NULL;
			}
			t = lex_peek(&p->lx);
		}
		if (t.t == T_RBRACE || t.t == T_EOF) {
			free(annotation); /* a trailing comment annotates nothing */
			continue;
		}
		if (t.t == T_INACTIVE) {
			t = lex_next(&p->lx);
			free(t.text);
			inactive = 1;
		}
		rc = parse_statement(p, depth, annotation, inactive);
		if (rc == -ENOMEM)
			return rc;
		if (p->errors > MAX_ERRORS)
			return 0;
	}
}

void db_node_prune_all(struct db_node *n)
{
	uint32_t i, j = 0;

	for (i = 0; i < n->nkids; i++) {
		struct db_node *k = n->kids[i];

		db_node_prune_all(k);
		if (k->sn->kind == DB_SNODE_CONTAINER && k->nkids == 0)
			db_node_free(k);
		else
			n->kids[j++] = k;
	}
	n->nkids = j;
}

static int load_braces(struct db_node *scratch, const char *text, const char *const *at, int nat,
		       struct db_diags *d)
{
	struct parser p = {0};
	int i, rc;

	p.lx.s = text;
	p.lx.line = 1;
	p.root = scratch;
	p.d = d;
	for (i = 0; i < nat; i++)
		if (ctx_push(&p, at[i]) != 0) {
			free(p.ctx);
			return -ENOMEM;
		}
	rc = parse_block(&p, 0);
	free(p.ctx);
	if (rc == 0 && p.errors > 0)
		rc = -EINVAL;
	if (p.errors > MAX_ERRORS)
		db_diag_add(d, DB_DIAG_ERROR, "", -1, "too many errors (%d), giving up", p.errors);
	db_node_prune_all(scratch);
	return rc;
}

static int load_set(struct db_node *scratch, const char *text, const char *const *at, int nat,
		    struct db_diags *d)
{
	const char *line = text;
	int lineno = 0, errors = 0;

	while (*line != '\0') {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char *buf = malloc(len + 1), **tok = NULL, **argv = NULL;
		int *off = NULL, n, rc, i;
		struct db_diags local = DB_DIAGS_INIT;

		lineno++;
		if (buf == NULL)
			return -ENOMEM;
		memcpy(buf, line, len);
		buf[len] = '\0';
		line = eol ? eol + 1 : line + len;
		n = db_split_pos(buf, &tok, &off);
		if (n < 0) {
			db_diag_add(d, DB_DIAG_ERROR, "", -1, "unterminated quoted string");
			d->v[d->n - 1].line = lineno;
			errors++;
			free(buf);
			continue;
		}
		if (n == 0 || tok[0][0] == '#') {
			free(tok);
			free(off);
			free(buf);
			continue;
		}
		/* relative loading: the level's path goes between the command and the rest */
		argv = malloc((size_t)(n + nat + 1) * sizeof(*argv));
		if (argv == NULL) {
			free(tok);
			free(off);
			free(buf);
			return -ENOMEM;
		}
		argv[0] = tok[0];
		for (i = 0; i < nat; i++)
			argv[1 + i] = (char *)at[i];
		for (i = 1; i < n; i++)
			argv[nat + i] = tok[i];
		rc = db_tree_exec_argv(scratch, argv, n + nat, &local);
		if (rc != 0) {
			errors++;
			for (i = 0; i < (int)local.n; i++) {
				struct db_diag *g = &local.v[i];
				int t = g->token;

				/* map back to the token of this line */
				if (t > 0 && t <= nat)
					t = -1;
				else if (t > nat)
					t -= nat;
				db_diag_add(d, g->level, g->path, t, "%s", g->message);
				if (d != NULL && d->n > 0) {
					d->v[d->n - 1].line = lineno;
					d->v[d->n - 1].column = t >= 0 && t < n ? off[t] + 1 : 0;
				}
			}
		}
		db_diags_free(&local);
		free(argv);
		free(tok);
		free(off);
		free(buf);
		if (rc == -ENOMEM)
			return rc;
		if (errors > MAX_ERRORS)
			break;
	}
	return errors ? -EINVAL : 0;
}

int db_tree_load(struct db_node *root, enum db_load_mode mode, const char *text,
		 const char *const *at, int nat, struct db_diags *d)
{
	struct db_node *scratch;
	struct db_rpath rp;
	int rc;

	if (nat > 0) {
		rc = db_rpath_resolve(&rp, at, nat, RP_ALLOW_CONTAINER, d, 0);
		if (rc != 0)
			return rc;
		if (rp.v[rp.n - 1].sn->kind == DB_SNODE_LEAF) {
			db_rpath_free(&rp);
			return db_diag_add(d, DB_DIAG_ERROR, "", -1,
					   "cannot load relative to a single statement");
		}
	}
	scratch = db_tree_dup(root);
	if (scratch == NULL) {
		if (nat > 0)
			db_rpath_free(&rp);
		return -ENOMEM;
	}
	if (mode == DB_LOAD_OVERRIDE) {
		struct db_node *n = nat > 0 ? db_node_at(scratch, &rp) : scratch;

		if (n != NULL && n == scratch) {
			uint32_t i;

			for (i = 0; i < n->nkids; i++)
				db_node_free(n->kids[i]);
			n->nkids = 0;
		} else if (n != NULL) {
			struct db_node *p = n->parent;

			db_node_detach(n);
			db_node_free(n);
			db_node_prune_up(p);
		}
	}
	if (nat > 0)
		db_rpath_free(&rp);
	if (mode == DB_LOAD_SET)
		rc = load_set(scratch, text, at, nat, d);
	else
		rc = load_braces(scratch, text, at, nat, d);
	if (rc != 0) {
		db_node_free(scratch);
		return rc;
	}
	db_node_take(root, scratch);
	return 0;
}

struct db_node *db_tree_parse(const char *text, struct db_diags *d)
{
	struct db_node *root = db_tree_new();

	if (root == NULL)
		return NULL;
	if (load_braces(root, text, NULL, 0, d) != 0) {
		db_node_free(root);
		return NULL;
	}
	return root;
}
