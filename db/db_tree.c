/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration trees: nodes, lookups, typed getters, and the edit operations
 * (set, delete, activate, annotate, rename) behind both the sessions and the
 * text loaders. Every edit resolves its whole path against the schema first
 * (db_rpath_resolve) and touches the tree only when the path is valid, so a
 * failed edit leaves the tree as it was.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"

/* --- diagnostics ------------------------------------------------------------------- */

void db_diags_clear(struct db_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].path);
		free(d->v[i].message);
	}
	d->n = 0;
	d->errors = 0;
}

void db_diags_free(struct db_diags *d)
{
	if (d == NULL)
		return;
	db_diags_clear(d);
	free(d->v);
	d->v = NULL;
	d->cap = 0;
}

static int diag_vadd(struct db_diags *d, enum db_diag_level level, const char *path, int token,
		     const char *fmt, va_list ap)
{
	struct db_diag *g;
	int rc = level == DB_DIAG_ERROR ? -EINVAL : 0;

	if (d == NULL)
		return rc;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct db_diag *v = realloc(d->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	g = &d->v[d->n];
	memset(g, 0, sizeof(*g));
	g->level = level;
	g->token = token;
	g->path = strdup(path ? path : "");
	if (vasprintf(&g->message, fmt, ap) < 0)
		g->message = NULL;
	if (g->path == NULL || g->message == NULL) {
		free(g->path);
		free(g->message);
		return -ENOMEM;
	}
	d->n++;
	if (level == DB_DIAG_ERROR)
		d->errors++;
	return rc;
}

int db_diag_add(struct db_diags *d, enum db_diag_level level, const char *path, int token,
		const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = diag_vadd(d, level, path, token, fmt, ap);
	va_end(ap);
	return rc;
}

/* --- quoting ------------------------------------------------------------------------- */

int db_needs_quotes(const char *s)
{
	if (*s == '\0')
		return 1;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c <= ' ' || c == 0x7f || strchr("\"'\\;{}#[]()|?!$<>&`", c) != NULL)
			return 1;
	}
	return 0;
}

void db_put_value(struct tula_buf *b, const struct db_snode *sn, const char *s)
{
	/* free text is always quoted, as Junos shows it (description "uplink") */
	if (sn->type == DB_TYPE_STRING) {
		db_put_quoted(b, s);
		return;
	}
	db_put_word(b, s);
}

void db_put_word(struct tula_buf *b, const char *s)
{
	if (!db_needs_quotes(s)) {
		tula_buf_puts(b, s);
		return;
	}
	db_put_quoted(b, s);
}

void db_put_quoted(struct tula_buf *b, const char *s)
{
	tula_buf_putc(b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			tula_buf_putc(b, '\\');
		tula_buf_putc(b, *s);
	}
	tula_buf_putc(b, '"');
}

char *db_path_text(const char *const *argv, int n)
{
	struct tula_buf b = TULA_BUF_INIT;
	int i;

	for (i = 0; i < n; i++) {
		if (i)
			tula_buf_putc(&b, ' ');
		db_put_word(&b, argv[i]);
	}
	return tula_buf_steal(&b);
}

/* --- splitting ------------------------------------------------------------------------- */

int db_split_pos(const char *line, char ***argvp, int **offp)
{
	size_t len = strlen(line), maxtok = len / 2 + 2;
	char **argv;
	int *off = NULL;
	char *store;
	const char *p = line;
	int n = 0;

	argv = malloc(maxtok * sizeof(char *) + len + maxtok + 1);
	if (argv == NULL)
		return -ENOMEM;
	if (offp != NULL) {
		off = malloc(maxtok * sizeof(int));
		if (off == NULL) {
			free(argv);
			return -ENOMEM;
		}
	}
	store = (char *)(argv + maxtok);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		if (off != NULL)
			off[n] = (int)(p - line);
		argv[n++] = store;
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				*store++ = *p++;
			}
			if (*p != '"') {
				free(argv);
				free(off);
				return -EINVAL;
			}
			p++;
		} else {
			while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				*store++ = *p++;
		}
		*store++ = '\0';
	}
	argv[n] = NULL;
	*argvp = argv;
	if (offp != NULL)
		*offp = off;
	return n;
}

int db_split(const char *line, char ***argv)
{
	return db_split_pos(line, argv, NULL);
}

/* --- nodes ---------------------------------------------------------------------------- */

struct db_node *db_node_new(const struct db_snode *sn, const char *key, const char *value)
{
	struct db_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	n->sn = sn;
	if ((key != NULL && (n->key = strdup(key)) == NULL) ||
	    (value != NULL && (n->value = strdup(value)) == NULL)) {
		free(n->key);
		free(n);
		return NULL;
	}
	return n;
}

void db_node_free(struct db_node *n)
{
	uint32_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkids; i++)
		db_node_free(n->kids[i]);
	free(n->kids);
	free(n->key);
	free(n->value);
	free(n->annotation);
	free(n);
}

static int kid_cmp(const struct db_node *k, const struct db_snode *sn, const char *key)
{
	if (k->sn->index != sn->index)
		return k->sn->index < sn->index ? -1 : 1;
	if (sn->kind != DB_SNODE_LIST)
		return 0;
	return db_key_cmp(sn, k->key, key);
}

struct db_node *db_node_child_find(const struct db_node *n, const struct db_snode *sn,
				   const char *key, uint32_t *pos)
{
	uint32_t lo = 0, hi = n->nkids;

	/* sorted input (our own renders) appends: try the end first */
	if (hi > 0 && kid_cmp(n->kids[hi - 1], sn, key) < 0) {
		if (pos != NULL)
			*pos = hi;
		return NULL;
	}
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = kid_cmp(n->kids[mid], sn, key);

		if (c == 0) {
			if (pos != NULL)
				*pos = mid;
			return n->kids[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pos != NULL)
		*pos = lo;
	return NULL;
}

int db_node_insert(struct db_node *parent, struct db_node *child, uint32_t pos)
{
	if (parent->nkids == parent->cap) {
		uint32_t cap = parent->cap ? parent->cap * 2 : 4;
		struct db_node **k = realloc(parent->kids, cap * sizeof(*k));

		if (k == NULL)
			return -ENOMEM;
		parent->kids = k;
		parent->cap = cap;
	}
	memmove(&parent->kids[pos + 1], &parent->kids[pos],
		(parent->nkids - pos) * sizeof(*parent->kids));
	parent->kids[pos] = child;
	parent->nkids++;
	child->parent = parent;
	return 0;
}

void db_node_detach(struct db_node *child)
{
	struct db_node *p = child->parent;
	uint32_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nkids; i++)
		if (p->kids[i] == child)
			break;
	if (i < p->nkids) {
		memmove(&p->kids[i], &p->kids[i + 1], (p->nkids - i - 1) * sizeof(*p->kids));
		p->nkids--;
	}
	child->parent = NULL;
}

void db_node_prune_up(struct db_node *n)
{
	while (n != NULL && n->parent != NULL && n->sn->kind == DB_SNODE_CONTAINER &&
	       n->nkids == 0) {
		struct db_node *p = n->parent;

		db_node_detach(n);
		db_node_free(n);
		n = p;
	}
}

void db_node_take(struct db_node *a, struct db_node *b)
{
	uint32_t i;

	for (i = 0; i < a->nkids; i++)
		db_node_free(a->kids[i]);
	free(a->kids);
	free(a->annotation);
	a->kids = b->kids;
	a->nkids = b->nkids;
	a->cap = b->cap;
	a->annotation = b->annotation;
	a->inactive = b->inactive;
	for (i = 0; i < a->nkids; i++)
		a->kids[i]->parent = a;
	b->kids = NULL;
	b->nkids = b->cap = 0;
	b->annotation = NULL;
	db_node_free(b);
}

struct db_node *db_node_copy(const struct db_node *n, struct db_node *parent, int effective)
{
	struct db_node *c = db_node_new(n->sn, n->key, n->value);
	uint32_t i;

	if (c == NULL)
		return NULL;
	c->parent = parent;
	if (!effective) {
		c->inactive = n->inactive;
		if (n->annotation != NULL && (c->annotation = strdup(n->annotation)) == NULL)
			goto fail;
	}
	if (n->nkids > 0) {
		c->kids = malloc(n->nkids * sizeof(*c->kids));
		if (c->kids == NULL)
			goto fail;
		c->cap = n->nkids;
	}
	for (i = 0; i < n->nkids; i++) {
		struct db_node *k;

		if (effective && n->kids[i]->inactive)
			continue;
		k = db_node_copy(n->kids[i], c, effective);
		if (k == NULL)
			goto fail;
		/* an effective container whose contents were all inactive is gone */
		if (effective && k->sn->kind == DB_SNODE_CONTAINER && k->nkids == 0) {
			db_node_free(k);
			continue;
		}
		c->kids[c->nkids++] = k;
	}
	return c;
fail:
	db_node_free(c);
	return NULL;
}

/* --- trees ----------------------------------------------------------------------------- */

struct db_node *db_tree_new(void)
{
	return db_node_new(db_schema_root(), NULL, NULL);
}

struct db_node *db_tree_dup(const struct db_node *root)
{
	return db_node_copy(root, NULL, 0);
}

struct db_node *db_tree_effective(const struct db_node *root)
{
	return db_node_copy(root, NULL, 1);
}

void db_tree_free(struct db_node *root)
{
	db_node_free(root);
}

static int streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int db_tree_equal(const struct db_node *a, const struct db_node *b)
{
	uint32_t i;

	if (a->sn != b->sn || a->nkids != b->nkids || a->inactive != b->inactive ||
	    !streq(a->key, b->key) || !streq(a->value, b->value) ||
	    !streq(a->annotation, b->annotation))
		return 0;
	for (i = 0; i < a->nkids; i++)
		if (!db_tree_equal(a->kids[i], b->kids[i]))
			return 0;
	return 1;
}

/* --- reading ----------------------------------------------------------------------------- */

const struct db_snode *db_node_snode(const struct db_node *n)
{
	return n->sn;
}

const char *db_node_keyword(const struct db_node *n)
{
	return n->sn->name;
}

const char *db_node_key(const struct db_node *n)
{
	return n->key;
}

const char *db_node_value(const struct db_node *n)
{
	return n->value;
}

int db_node_inactive(const struct db_node *n)
{
	return n->inactive;
}

const char *db_node_annotation(const struct db_node *n)
{
	return n->annotation;
}

const struct db_node *db_node_parent(const struct db_node *n)
{
	return n->parent;
}

size_t db_node_child_count(const struct db_node *n)
{
	return n->nkids;
}

const struct db_node *db_node_child_at(const struct db_node *n, size_t i)
{
	return i < n->nkids ? n->kids[i] : NULL;
}

const struct db_node *db_node_first(const struct db_node *n, const char *kw)
{
	const struct db_snode *sn;
	uint32_t pos;
	struct db_node *k;

	if (n == NULL || (sn = db_snode_child(n->sn, kw)) == NULL)
		return NULL;
	if (sn->kind != DB_SNODE_LIST)
		return db_node_child_find(n, sn, NULL, NULL);
	/* the first entry: the insertion point of the smallest key */
	for (pos = 0; pos < n->nkids; pos++) {
		k = n->kids[pos];
		if (k->sn == sn) {
			k->hint = pos;
			return k;
		}
		if (k->sn->index > sn->index)
			break;
	}
	return NULL;
}

const struct db_node *db_node_next(const struct db_node *n)
{
	const struct db_node *p = n->parent;
	struct db_node *next;
	uint32_t pos = n->hint;

	if (p == NULL || n->sn->kind != DB_SNODE_LIST)
		return NULL;
	/* iterating a list is O(1) per step while nothing moves */
	if (pos >= p->nkids || p->kids[pos] != n) {
		if (db_node_child_find(p, n->sn, n->key, &pos) != n)
			return NULL;
		((struct db_node *)n)->hint = pos;
	}
	if (pos + 1 < p->nkids && p->kids[pos + 1]->sn == n->sn) {
		next = p->kids[pos + 1];
		next->hint = pos + 1;
		return next;
	}
	return NULL;
}

const struct db_node *db_node_find(const struct db_node *n, const char *kw, const char *key)
{
	const struct db_snode *sn;

	if (n == NULL || (sn = db_snode_child(n->sn, kw)) == NULL)
		return NULL;
	if (sn->kind == DB_SNODE_LIST && key == NULL)
		return db_node_first(n, kw);
	return db_node_child_find(n, sn, sn->kind == DB_SNODE_LIST ? key : NULL, NULL);
}

size_t db_node_count(const struct db_node *n, const char *kw)
{
	const struct db_node *e;
	size_t c = 0;

	for (e = db_node_first(n, kw); e != NULL; e = db_node_next(e))
		c++;
	if (c == 1 && e == NULL) {
		const struct db_snode *sn = db_snode_child(n->sn, kw);

		if (sn != NULL && sn->kind != DB_SNODE_LIST)
			return 1;
	}
	return c;
}

const struct db_node *db_node_leaf(const struct db_node *n, const char *kw)
{
	const struct db_snode *sn = db_snode_child(n->sn, kw);

	if (sn == NULL || sn->kind != DB_SNODE_LEAF)
		return NULL;
	return db_node_child_find(n, sn, NULL, NULL);
}

int db_node_path_tokens(const struct db_node *n, const char **argv, int max)
{
	const struct db_node *chain[64];
	int depth = 0, i, c = 0;

	for (; n != NULL && n->parent != NULL && depth < 64; n = n->parent)
		chain[depth++] = n;
	for (i = depth - 1; i >= 0; i--) {
		if (c < max)
			argv[c] = chain[i]->sn->name;
		c++;
		if (chain[i]->key != NULL) {
			if (c < max)
				argv[c] = chain[i]->key;
			c++;
		}
	}
	return c;
}

void db_put_path(struct tula_buf *b, const struct db_node *n)
{
	const char *argv[160];
	int c = db_node_path_tokens(n, argv, 160), i;

	for (i = 0; i < c && i < 160; i++) {
		if (i)
			tula_buf_putc(b, ' ');
		db_put_word(b, argv[i]);
	}
}

size_t db_node_path(const struct db_node *n, char *buf, size_t size)
{
	struct tula_buf b = TULA_BUF_INIT;
	size_t len;

	db_put_path(&b, n);
	len = b.len;
	if (size > 0)
		snprintf(buf, size, "%s", tula_buf_str(&b));
	tula_buf_free(&b);
	return len;
}

/* --- typed getters ------------------------------------------------------------------------- */

const char *db_get_str(const struct db_node *parent, const char *leaf)
{
	const struct db_snode *sn;
	const struct db_node *n;

	if (parent == NULL || (sn = db_snode_child(parent->sn, leaf)) == NULL ||
	    sn->kind != DB_SNODE_LEAF)
		return NULL;
	n = db_node_child_find(parent, sn, NULL, NULL);
	if (n != NULL)
		return n->value;
	return sn->dflt;
}

int db_get_uint(const struct db_node *parent, const char *leaf, uint32_t *out)
{
	const char *s = db_get_str(parent, leaf);
	uint64_t v;

	if (s == NULL)
		return -ENOENT;
	if (db_parse_uint(s, UINT32_MAX, &v) != 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

int db_get_port(const struct db_node *parent, const char *leaf, uint16_t *port)
{
	const char *s = db_get_str(parent, leaf);
	uint64_t v;

	if (s == NULL)
		return -ENOENT;
	if (strcmp(s, "*") == 0) {
		*port = 0;
		return 0;
	}
	if (db_parse_uint(s, 65535, &v) != 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int db_get_ipv4(const struct db_node *parent, const char *leaf, struct in_addr *out)
{
	const char *s = db_get_str(parent, leaf);
	struct db_addr a;

	if (s == NULL)
		return -ENOENT;
	if (db_parse_addr(s, &a) != 0)
		return -EINVAL;
	if (a.family != AF_INET)
		return -EAFNOSUPPORT;
	memcpy(&out->s_addr, a.b, 4);
	return 0;
}

int db_get_addr(const struct db_node *parent, const char *leaf, struct db_addr *out)
{
	const char *s = db_get_str(parent, leaf);

	if (s == NULL)
		return -ENOENT;
	return db_parse_addr(s, out) == 0 ? 0 : -EINVAL;
}

static int parse_addr_or_prefix(const char *s, struct in_addr *addr, uint8_t *len)
{
	struct db_addr a;

	if (s == NULL)
		return -ENOENT;
	if (db_parse_addr_or_prefix(s, &a, len) != 0)
		return -EINVAL;
	if (a.family != AF_INET)
		return -EAFNOSUPPORT;
	memcpy(&addr->s_addr, a.b, 4);
	return 0;
}

int db_get_prefix(const struct db_node *parent, const char *leaf, struct in_addr *addr,
		  uint8_t *len)
{
	return parse_addr_or_prefix(db_get_str(parent, leaf), addr, len);
}

int db_node_prefix(const struct db_node *n, struct in_addr *addr, uint8_t *len)
{
	return parse_addr_or_prefix(db_node_value(n) != NULL ? db_node_value(n) : db_node_key(n),
				    addr, len);
}

int db_get_addr_prefix(const struct db_node *parent, const char *leaf, struct db_addr *addr,
		       uint8_t *len)
{
	const char *s = db_get_str(parent, leaf);

	if (s == NULL)
		return -ENOENT;
	return db_parse_addr_or_prefix(s, addr, len) == 0 ? 0 : -EINVAL;
}

int db_node_addr_prefix(const struct db_node *n, struct db_addr *addr, uint8_t *len)
{
	const char *s = db_node_value(n) != NULL ? db_node_value(n) : db_node_key(n);

	if (s == NULL)
		return -ENOENT;
	return db_parse_addr_or_prefix(s, addr, len) == 0 ? 0 : -EINVAL;
}

int db_get_flag(const struct db_node *parent, const char *leaf)
{
	const struct db_snode *sn;

	if (parent == NULL || (sn = db_snode_child(parent->sn, leaf)) == NULL)
		return 0;
	return db_node_child_find(parent, sn, NULL, NULL) != NULL;
}

/* --- path resolution ------------------------------------------------------------------------ */

void db_rpath_free(struct db_rpath *rp)
{
	int i;

	for (i = 0; i < rp->n; i++)
		free(rp->v[i].arg);
	free(rp->v);
	memset(rp, 0, sizeof(*rp));
}

static int rpath_push(struct db_rpath *rp, const struct db_snode *sn, int tok)
{
	if (rp->n == rp->cap) {
		int cap = rp->cap ? rp->cap * 2 : 8;
		struct db_rstep *v = realloc(rp->v, (size_t)cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		rp->v = v;
		rp->cap = cap;
	}
	rp->v[rp->n].sn = sn;
	rp->v[rp->n].arg = NULL;
	rp->v[rp->n].tok = tok;
	rp->n++;
	return 0;
}

static int resolve_fail(struct db_diags *d, const char *const *argv, int upto, int tok, int rc,
			const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int resolve_fail(struct db_diags *d, const char *const *argv, int upto, int tok, int rc,
			const char *fmt, ...)
{
	char *path = db_path_text(argv, upto);
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, DB_DIAG_ERROR, path ? path : "", tok, fmt, ap);
	va_end(ap);
	free(path);
	return rc;
}

int db_rpath_resolve(struct db_rpath *rp, const char *const *argv, int argc, unsigned allow,
		     struct db_diags *d, int tok_base)
{
	const struct db_snode *sn = db_schema_root();
	char reason[DB_REASON_MAX], canon[DB_VALUE_MAX];
	int i = 0, rc;

	memset(rp, 0, sizeof(*rp));
	if (argc == 0) {
		if (allow & RP_ALLOW_ROOT)
			return 0;
		return resolve_fail(d, argv, 0, -1, -EINVAL, "missing statement");
	}
	while (i < argc) {
		const struct db_snode *c = db_snode_child(sn, argv[i]);
		struct db_rstep *st;

		if (c == NULL) {
			rc = resolve_fail(d, argv, i, tok_base + i, -EINVAL,
					  "syntax error: unknown statement \"%s\"", argv[i]);
			goto out;
		}
		rc = rpath_push(rp, c, tok_base + i);
		if (rc != 0)
			goto out;
		st = &rp->v[rp->n - 1];
		i++;
		if (c->kind == DB_SNODE_CONTAINER) {
			sn = c;
			continue;
		}
		if (c->kind == DB_SNODE_LEAF && c->type == DB_TYPE_FLAG) {
			if (i < argc) {
				rc = resolve_fail(d, argv, i, tok_base + i, -EINVAL,
						  "syntax error: %s takes no value", c->name);
				goto out;
			}
			break;
		}
		if (i == argc) {
			if (c->kind == DB_SNODE_LIST) {
				if (allow & RP_ALLOW_LIST_KW) {
					rp->ends_list_kw = 1;
					return 0;
				}
				rc = resolve_fail(d, argv, i, -1, -EINVAL, "missing %s: %s",
						  c->value_name, c->value_help);
				goto out;
			}
			if (allow & RP_ALLOW_LEAF_KW) {
				rp->ends_leaf_kw = 1;
				return 0;
			}
			rc = resolve_fail(d, argv, i, -1, -EINVAL, "missing value: %s",
					  c->value_help);
			goto out;
		}
		rc = db_snode_check(c, argv[i], reason, sizeof(reason), canon, sizeof(canon));
		if (rc != 0) {
			rc = resolve_fail(d, argv, i, tok_base + i, -EINVAL, "%s", reason);
			goto out;
		}
		st->arg = strdup(canon);
		if (st->arg == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		i++;
		if (c->kind == DB_SNODE_LEAF) {
			if (i < argc) {
				rc = resolve_fail(d, argv, i, tok_base + i, -EINVAL,
						  "syntax error: nothing may follow %s %s", c->name,
						  argv[i - 1]);
				goto out;
			}
			break;
		}
		sn = c; /* a list entry: its children follow */
	}
	if (rp->v[rp->n - 1].sn->kind == DB_SNODE_CONTAINER && !(allow & RP_ALLOW_CONTAINER)) {
		rc = resolve_fail(d, argv, argc, -1, -EINVAL,
				  "incomplete statement: %s needs a statement below it",
				  argv[argc - 1]);
		goto out;
	}
	return 0;
out:
	db_rpath_free(rp);
	return rc;
}

struct db_node *db_node_at(const struct db_node *root, const struct db_rpath *rp)
{
	const struct db_node *n = root;
	int i, last = rp->n - (rp->ends_list_kw ? 1 : 0);

	for (i = 0; i < last && n != NULL; i++) {
		const struct db_rstep *st = &rp->v[i];

		n = db_node_child_find(n, st->sn, st->sn->kind == DB_SNODE_LIST ? st->arg : NULL,
				       NULL);
	}
	return (struct db_node *)n;
}

struct db_node *db_node_make(struct db_node *root, const struct db_rpath *rp)
{
	struct db_node *n = root;
	int i;

	for (i = 0; i < rp->n; i++) {
		const struct db_rstep *st = &rp->v[i];
		int is_list = st->sn->kind == DB_SNODE_LIST;
		uint32_t pos;
		struct db_node *c;

		if (is_list && st->arg == NULL)
			break; /* ends at a list keyword */
		c = db_node_child_find(n, st->sn, is_list ? st->arg : NULL, &pos);
		if (c == NULL) {
			c = db_node_new(st->sn, is_list ? st->arg : NULL,
					st->sn->kind == DB_SNODE_LEAF ? st->arg : NULL);
			if (c == NULL || db_node_insert(n, c, pos) != 0) {
				db_node_free(c);
				db_node_prune_up(n);
				return NULL;
			}
		} else if (st->sn->kind == DB_SNODE_LEAF && st->arg != NULL &&
			   !streq(c->value, st->arg)) {
			char *v = strdup(st->arg);

			if (v == NULL)
				return NULL;
			free(c->value);
			c->value = v;
		}
		n = c;
	}
	return n;
}

const struct db_node *db_node_lookup(const struct db_node *root, const char *const *argv, int argc)
{
	struct db_rpath rp;
	struct db_node *n;

	if (db_rpath_resolve(&rp, argv, argc, RP_ALLOW_CONTAINER | RP_ALLOW_LEAF_KW | RP_ALLOW_ROOT,
			     NULL, 0) != 0) {
		errno = EINVAL;
		return NULL;
	}
	n = db_node_at(root, &rp);
	if (n != NULL && n->sn->kind == DB_SNODE_LEAF && rp.n > 0 && rp.v[rp.n - 1].arg != NULL &&
	    !streq(n->value, rp.v[rp.n - 1].arg))
		n = NULL;
	db_rpath_free(&rp);
	if (n == NULL)
		errno = ENOENT;
	return n;
}

const struct db_node *db_node_get(const struct db_node *from, const char *path)
{
	const char *argv[64];
	const char *pre[160];
	char **tok;
	int n, np, i;
	const struct db_node *r;

	n = db_split(path, &tok);
	if (n < 0) {
		errno = EINVAL;
		return NULL;
	}
	np = db_node_path_tokens(from, pre, 160);
	if (np + n > 64) {
		free(tok);
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < np; i++)
		argv[i] = pre[i];
	for (i = 0; i < n; i++)
		argv[np + i] = tok[i];
	while (from->parent != NULL)
		from = from->parent;
	r = db_node_lookup(from, argv, np + n);
	free(tok);
	return r;
}

/* --- edits ---------------------------------------------------------------------------------- */

static int not_found(struct db_diags *d, const char *const *argv, int argc)
{
	return resolve_fail(d, argv, argc, -1, -ENOENT, "statement not found");
}

int db_tree_set(struct db_node *root, const char *const *argv, int argc, struct db_diags *d)
{
	struct db_rpath rp;
	int rc;

	rc = db_rpath_resolve(&rp, argv, argc, 0, d, 0);
	if (rc != 0)
		return rc;
	rc = db_node_make(root, &rp) != NULL ? 0 : -ENOMEM;
	db_rpath_free(&rp);
	return rc;
}

int db_tree_delete(struct db_node *root, const char *const *argv, int argc, struct db_diags *d)
{
	struct db_rpath rp;
	struct db_node *n;
	int rc;

	rc = db_rpath_resolve(
		&rp, argv, argc,
		RP_ALLOW_CONTAINER | RP_ALLOW_LIST_KW | RP_ALLOW_LEAF_KW | RP_ALLOW_ROOT, d, 0);
	if (rc != 0)
		return rc;
	n = db_node_at(root, &rp);
	if (n == NULL) {
		rc = not_found(d, argv, argc);
	} else if (argc == 0) {
		uint32_t i;

		for (i = 0; i < n->nkids; i++)
			db_node_free(n->kids[i]);
		n->nkids = 0;
	} else if (rp.ends_list_kw) {
		const struct db_snode *list = rp.v[rp.n - 1].sn;
		uint32_t i, j = 0, before = n->nkids;

		for (i = 0; i < n->nkids; i++) {
			if (n->kids[i]->sn == list)
				db_node_free(n->kids[i]);
			else
				n->kids[j++] = n->kids[i];
		}
		n->nkids = j;
		if (j == before)
			rc = not_found(d, argv, argc);
		else
			db_node_prune_up(n);
	} else if (n->sn->kind == DB_SNODE_LEAF && rp.v[rp.n - 1].arg != NULL &&
		   !streq(n->value, rp.v[rp.n - 1].arg)) {
		rc = not_found(d, argv, argc);
	} else {
		struct db_node *p = n->parent;

		db_node_detach(n);
		db_node_free(n);
		db_node_prune_up(p);
	}
	db_rpath_free(&rp);
	return rc;
}

int db_tree_activate(struct db_node *root, const char *const *argv, int argc, int active,
		     struct db_diags *d)
{
	struct db_rpath rp;
	struct db_node *n;
	int rc;

	rc = db_rpath_resolve(&rp, argv, argc,
			      RP_ALLOW_CONTAINER | RP_ALLOW_LIST_KW | RP_ALLOW_LEAF_KW, d, 0);
	if (rc != 0)
		return rc;
	n = db_node_at(root, &rp);
	if (n == NULL) {
		rc = not_found(d, argv, argc);
	} else if (rp.ends_list_kw) {
		const struct db_snode *list = rp.v[rp.n - 1].sn;
		uint32_t i, hit = 0;

		for (i = 0; i < n->nkids; i++)
			if (n->kids[i]->sn == list) {
				n->kids[i]->inactive = !active;
				hit++;
			}
		if (hit == 0)
			rc = not_found(d, argv, argc);
	} else {
		n->inactive = !active;
	}
	db_rpath_free(&rp);
	return rc;
}

int db_tree_annotate(struct db_node *root, const char *const *argv, int argc, const char *text,
		     struct db_diags *d)
{
	struct db_rpath rp;
	struct db_node *n;
	char *copy = NULL;
	size_t len;
	int rc;

	if (text != NULL && (strstr(text, "*/") != NULL || strchr(text, '\n') != NULL)) {
		return resolve_fail(d, argv, argc, -1, -EINVAL,
				    "an annotation may not contain \"*/\" or a line break");
	}
	rc = db_rpath_resolve(&rp, argv, argc, RP_ALLOW_CONTAINER | RP_ALLOW_LEAF_KW, d, 0);
	if (rc != 0)
		return rc;
	/* Blanks at either end do not survive the braces form (a C comment is read
	 * back trimmed), so they are not kept at all: what `show` prints loads back as
	 * the same configuration (found by tests/fuzz, target config). */
	len = text != NULL ? strlen(text) : 0;
	while (len > 0 && (*text == ' ' || *text == '\t'))
		text++, len--;
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	n = db_node_at(root, &rp);
	if (n == NULL) {
		rc = not_found(d, argv, argc);
	} else if (len > 0 && (copy = strndup(text, len)) == NULL) {
		rc = -ENOMEM;
	} else {
		free(n->annotation);
		n->annotation = copy;
	}
	db_rpath_free(&rp);
	return rc;
}

int db_tree_rename(struct db_node *root, const char *const *argv, int argc, const char *new_key,
		   struct db_diags *d)
{
	struct db_rpath rp;
	struct db_node *n, *p;
	const struct db_snode *list;
	char reason[DB_REASON_MAX], canon[DB_VALUE_MAX];
	uint32_t pos;
	char *k;
	int rc;

	rc = db_rpath_resolve(&rp, argv, argc, 0, d, 0);
	if (rc != 0)
		return rc;
	list = rp.v[rp.n - 1].sn;
	if (list->kind != DB_SNODE_LIST) {
		rc = resolve_fail(d, argv, argc, -1, -EINVAL, "only a named entry can be renamed");
		goto out;
	}
	rc = db_snode_check(list, new_key, reason, sizeof(reason), canon, sizeof(canon));
	if (rc != 0) {
		rc = resolve_fail(d, argv, argc, -1, -EINVAL, "%s", reason);
		goto out;
	}
	n = db_node_at(root, &rp);
	if (n == NULL) {
		rc = not_found(d, argv, argc);
		goto out;
	}
	p = n->parent;
	if (db_node_child_find(p, list, canon, NULL) != NULL) {
		rc = resolve_fail(d, argv, argc - 1, -1, -EEXIST, "%s %s already exists",
				  list->name, canon);
		goto out;
	}
	k = strdup(canon);
	if (k == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	db_node_detach(n);
	free(n->key);
	n->key = k;
	db_node_child_find(p, list, k, &pos);
	db_node_insert(p, n, pos); /* cannot fail: the slot was just freed */
out:
	db_rpath_free(&rp);
	return rc;
}

/*
 * One `display set` line. The command word is token 0, so diagnostics from the
 * path are shifted by one.
 */
int db_tree_exec_argv(struct db_node *root, char **tok, int n, struct db_diags *d)
{
	const char *const *argv = (const char *const *)tok + 1;
	struct db_diags local = DB_DIAGS_INIT;
	size_t i;
	int rc;

	if (n == 0)
		return 0;
	if (strcmp(tok[0], "set") == 0) {
		rc = db_tree_set(root, argv, n - 1, &local);
	} else if (strcmp(tok[0], "delete") == 0) {
		rc = db_tree_delete(root, argv, n - 1, &local);
	} else if (strcmp(tok[0], "activate") == 0) {
		rc = db_tree_activate(root, argv, n - 1, 1, &local);
	} else if (strcmp(tok[0], "deactivate") == 0) {
		rc = db_tree_activate(root, argv, n - 1, 0, &local);
	} else if (strcmp(tok[0], "annotate") == 0) {
		if (n < 3)
			return db_diag_add(d, DB_DIAG_ERROR, "", 0,
					   "annotate needs a statement and a comment");
		rc = db_tree_annotate(root, argv, n - 2, tok[n - 1], &local);
	} else if (strcmp(tok[0], "rename") == 0) {
		/* rename PATH to KEYWORD KEY */
		if (n < 5 || strcmp(tok[n - 3], "to") != 0)
			return db_diag_add(d, DB_DIAG_ERROR, "", 0,
					   "expected: rename PATH to KEYWORD NEW-NAME");
		/* the keyword after `to` must name the renamed entry's own list */
		if (strcmp(tok[n - 2], tok[n - 5]) != 0)
			return db_diag_add(d, DB_DIAG_ERROR, "", n - 2,
					   "rename keeps the keyword: expected \"to %s NEW-NAME\"",
					   tok[n - 5]);
		rc = db_tree_rename(root, argv, n - 4, tok[n - 1], &local);
	} else {
		return db_diag_add(d, DB_DIAG_ERROR, "", 0,
				   "unknown command \"%s\" (expected set, delete, activate, "
				   "deactivate, annotate or rename)",
				   tok[0]);
	}
	for (i = 0; i < local.n; i++) {
		struct db_diag *g = &local.v[i];

		db_diag_add(d, g->level, g->path, g->token >= 0 ? g->token + 1 : -1, "%s",
			    g->message);
	}
	db_diags_free(&local);
	return rc;
}

int db_tree_exec(struct db_node *root, const char *line, struct db_diags *d)
{
	char **tok;
	int n, rc;

	n = db_split(line, &tok);
	if (n < 0)
		return db_diag_add(d, DB_DIAG_ERROR, "", -1, "unterminated quoted string");
	rc = db_tree_exec_argv(root, tok, n, d);
	free(tok);
	return rc;
}
