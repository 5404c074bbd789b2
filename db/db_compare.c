/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differences between configurations: `| compare` in Junos format, and the
 * three-way merge behind private sessions (`update`, and committing a private
 * copy after someone else committed).
 *
 * Compare walks both trees side by side (children are sorted the same way, so a
 * merge-join finds added, removed and common statements); each place with
 * direct differences gets one `[edit PATH]` banner, then nested places follow
 * in document order, as Junos prints them.
 *
 * The merge flattens each tree into statements keyed by their path and decides
 * per statement: unchanged by the session -> theirs; unchanged by them -> mine;
 * same result -> either; else a conflict on that path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_int.h"

/* --- compare -------------------------------------------------------------------------- */

static int kid_order(const struct db_node *a, const struct db_node *b)
{
	if (a->sn->index != b->sn->index)
		return a->sn->index < b->sn->index ? -1 : 1;
	if (a->sn->kind != DB_SNODE_LIST)
		return 0;
	return db_key_cmp(a->sn, a->key, b->key);
}

static int str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int oneline(const struct db_node *n)
{
	const struct db_node *k = n->nkids == 1 ? n->kids[0] : NULL;

	return (n->sn->flags & DB_SF_ONELINE) && k != NULL && k->sn->kind == DB_SNODE_LEAF &&
	       !k->inactive && k->annotation == NULL;
}

/* One line standing for a whole statement: `sign   [prefix ]head value;` or
 * `head { ... }`. */
static void context_line(struct tula_buf *b, const struct db_node *n, char sign, const char *prefix)
{
	tula_buf_printf(b, "%c   %s%s", sign, prefix ? prefix : "", prefix ? " " : "");
	db_put_head(b, n);
	if (n->sn->kind == DB_SNODE_LEAF) {
		if (n->value != NULL) {
			tula_buf_putc(b, ' ');
			db_put_value(b, n->sn, n->value);
		}
		tula_buf_puts(b, ";\n");
	} else if (n->nkids == 0) {
		tula_buf_puts(b, ";\n");
	} else {
		tula_buf_puts(b, " { ... }\n");
	}
}

struct cmp {
	struct tula_buf *out;
	int banners;
};

static int wanted(const struct db_node *k, const struct db_snode *fsn, const char *fkey)
{
	if (fsn == NULL)
		return 1;
	if (k->sn != fsn)
		return 0;
	return fkey == NULL || str_eq(k->key, fkey);
}

/*
 * Differences between the children of o and n (either may be NULL: no
 * children), optionally only those of schema node fsn (and key fkey).
 */
static int is_bare(const struct db_node *n)
{
	return n->sn->kind == DB_SNODE_LIST && (n->sn->flags & DB_SF_BARE);
}

/* Close the section of a bare list's entries: `[edit PATH interfaces]` + lines. */
static void flush_bare(struct cmp *c, const struct db_node *here, const struct db_snode *sn,
		       struct tula_buf *bare, struct tula_buf *out)
{
	if (bare->len == 0)
		return;
	tula_buf_puts(out, "[edit ");
	if (here != NULL && here->parent != NULL) {
		db_put_path(out, here);
		tula_buf_putc(out, ' ');
	}
	tula_buf_printf(out, "%s]\n", sn->name);
	tula_buf_add(out, bare->data, bare->len);
	tula_buf_reset(bare);
	c->banners++;
}

/*
 * Differences between the children of o and n (either may be NULL: no
 * children), optionally only those of schema node fsn (and key fkey).
 * Entries of a bare list (interfaces) get their own `[edit ... interfaces]`
 * section, as Junos shows them.
 */
static void diff(struct cmp *c, const struct db_node *o, const struct db_node *n,
		 const struct db_snode *fsn, const char *fkey)
{
	struct tula_buf lines = TULA_BUF_INIT, bare = TULA_BUF_INIT, bare_out = TULA_BUF_INIT;
	const struct db_node **later_o = NULL, **later_n = NULL;
	uint32_t i = 0, j = 0, no = o ? o->nkids : 0, nn = n ? n->nkids : 0, nlater = 0;
	const struct db_node *here = n ? n : o;
	const struct db_snode *bare_sn = NULL;

	later_o = malloc((no < nn ? nn : no) * sizeof(*later_o) + 1);
	later_n = malloc((no < nn ? nn : no) * sizeof(*later_n) + 1);
	if (later_o == NULL || later_n == NULL) {
		c->out->oom = 1;
		goto out;
	}
	while (i < no || j < nn) {
		const struct db_node *a = i < no ? o->kids[i] : NULL;
		const struct db_node *b = j < nn ? n->kids[j] : NULL;
		int ord = a == NULL ? 1 : b == NULL ? -1 : kid_order(a, b);
		const struct db_node *x = ord < 0 ? a : b;
		struct tula_buf *l = &lines;

		if (is_bare(x) && wanted(x, fsn, fkey)) {
			if (bare_sn != x->sn) {
				if (bare_sn != NULL)
					flush_bare(c, here, bare_sn, &bare, &bare_out);
				bare_sn = x->sn;
			}
			l = &bare;
		}
		if (ord < 0) {
			if (wanted(a, fsn, fkey))
				db_render_stmt(l, a, 3, "-", 0);
			i++;
			continue;
		}
		if (ord > 0) {
			if (wanted(b, fsn, fkey))
				db_render_stmt(l, b, 3, "+", 0);
			j++;
			continue;
		}
		i++;
		j++;
		if (!wanted(a, fsn, fkey) || db_tree_equal(a, b))
			continue;
		if (!str_eq(a->annotation, b->annotation)) {
			if (a->annotation)
				tula_buf_printf(l, "-   /* %s */\n", a->annotation);
			if (b->annotation)
				tula_buf_printf(l, "+   /* %s */\n", b->annotation);
			context_line(l, b, ' ', NULL);
		}
		if (a->inactive != b->inactive)
			context_line(l, b, '!', b->inactive ? "inactive:" : "active:");
		if (a->sn->kind == DB_SNODE_LEAF) {
			if (!str_eq(a->value, b->value)) {
				db_render_stmt(l, a, 3, "-", DB_RENDER_NO_ANNOTATION);
				db_render_stmt(l, b, 3, "+", DB_RENDER_NO_ANNOTATION);
			}
			continue;
		}
		if (oneline(a) || oneline(b)) {
			struct db_node ta = *a, tb = *b;

			/* compare contents only: attributes were reported above */
			ta.inactive = tb.inactive = 0;
			ta.annotation = tb.annotation = NULL;
			if (!db_tree_equal(&ta, &tb)) {
				db_render_stmt(l, a, 3, "-", DB_RENDER_NO_ANNOTATION);
				db_render_stmt(l, b, 3, "+", DB_RENDER_NO_ANNOTATION);
			}
			continue;
		}
		later_o[nlater] = a;
		later_n[nlater++] = b;
	}
	if (bare_sn != NULL)
		flush_bare(c, here, bare_sn, &bare, &bare_out);
	if (lines.len > 0) {
		tula_buf_puts(c->out, "[edit");
		if (here != NULL && here->parent != NULL) {
			tula_buf_putc(c->out, ' ');
			db_put_path(c->out, here);
		}
		tula_buf_puts(c->out, "]\n");
		tula_buf_add(c->out, lines.data, lines.len);
		c->banners++;
	}
	if (bare_out.len > 0)
		tula_buf_add(c->out, bare_out.data, bare_out.len);
	if (lines.oom || bare.oom || bare_out.oom)
		c->out->oom = 1;
	for (i = 0; i < nlater; i++)
		diff(c, later_o[i], later_n[i], NULL, NULL);
out:
	free(later_o);
	free(later_n);
	tula_buf_free(&lines);
	tula_buf_free(&bare);
	tula_buf_free(&bare_out);
}

int db_compare(const struct db_node *old_root, const struct db_node *new_root,
	       const char *const *argv, int argc, struct tula_buf *out)
{
	struct cmp c = {.out = out};
	struct db_rpath rp;
	const struct db_node *po, *pn;
	const struct db_snode *fsn;
	const char *fkey;
	int was = out->oom;

	if (argc == 0) {
		diff(&c, old_root, new_root, NULL, NULL);
		return out->oom && !was ? -ENOMEM : c.banners;
	}
	if (db_rpath_resolve(&rp, argv, argc,
			     RP_ALLOW_CONTAINER | RP_ALLOW_LIST_KW | RP_ALLOW_LEAF_KW, NULL,
			     0) != 0)
		return -EINVAL;
	if (rp.ends_list_kw) {
		po = db_node_at(old_root, &rp);
		pn = db_node_at(new_root, &rp);
		fsn = rp.v[rp.n - 1].sn;
		fkey = NULL;
	} else {
		const struct db_rstep *last = &rp.v[rp.n - 1];
		const struct db_node *xo, *xn;

		xo = db_node_at(old_root, &rp);
		xn = db_node_at(new_root, &rp);
		if (xo != NULL && xn != NULL && last->sn->kind != DB_SNODE_LEAF) {
			diff(&c, xo, xn, NULL, NULL);
			db_rpath_free(&rp);
			return out->oom && !was ? -ENOMEM : c.banners;
		}
		/* compare within the parent, only this statement */
		rp.n--;
		po = db_node_at(old_root, &rp);
		pn = db_node_at(new_root, &rp);
		rp.n++;
		fsn = last->sn;
		fkey = last->sn->kind == DB_SNODE_LIST ? last->arg : NULL;
	}
	diff(&c, po, pn, fsn, fkey);
	db_rpath_free(&rp);
	return out->oom && !was ? -ENOMEM : c.banners;
}

/* --- three-way merge -------------------------------------------------------------------- */

struct item {
	char *key; /* path tokens joined by '\1' (keys included, leaf values not) */
	const struct db_node *n;
};

struct items {
	struct item *v;
	size_t n, cap;
};

static int flatten(struct items *it, const struct db_node *n, struct tula_buf *path)
{
	size_t mark = path->len;
	uint32_t i;
	int rc = 0;

	if (n->parent != NULL) {
		if (path->len > 0)
			tula_buf_putc(path, '\1');
		tula_buf_puts(path, n->sn->name);
		if (n->key != NULL) {
			tula_buf_putc(path, '\1');
			tula_buf_puts(path, n->key);
		}
		if (it->n == it->cap) {
			size_t cap = it->cap ? it->cap * 2 : 64;
			struct item *v = realloc(it->v, cap * sizeof(*v));

			if (v == NULL)
				return -ENOMEM;
			it->v = v;
			it->cap = cap;
		}
		it->v[it->n].key = strdup(tula_buf_str(path));
		it->v[it->n].n = n;
		if (it->v[it->n].key == NULL || path->oom)
			return -ENOMEM;
		it->n++;
	}
	for (i = 0; i < n->nkids && rc == 0; i++)
		rc = flatten(it, n->kids[i], path);
	path->len = mark;
	if (path->data)
		path->data[mark] = '\0';
	return rc;
}

static int item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->key, ((const struct item *)b)->key);
}

static int items_of(struct items *it, const struct db_node *root)
{
	struct tula_buf path = TULA_BUF_INIT;
	int rc = flatten(it, root, &path);

	tula_buf_free(&path);
	if (rc == 0 && it->n > 0)
		qsort(it->v, it->n, sizeof(*it->v), item_cmp);
	return rc;
}

static void items_free(struct items *it)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		free(it->v[i].key);
	free(it->v);
}

/* Same statement state: both absent, or both present with the same value and
 * attributes (children are separate items). */
static int same(const struct db_node *a, const struct db_node *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return str_eq(a->value, b->value) && a->inactive == b->inactive &&
	       str_eq(a->annotation, b->annotation);
}

static const struct db_node *pick(const struct items *it, size_t *i, const char *key)
{
	if (*i < it->n && strcmp(it->v[*i].key, key) == 0)
		return it->v[(*i)++].n;
	return NULL;
}

static void key_to_text(struct tula_buf *b, const char *key)
{
	for (; *key; key++)
		tula_buf_putc(b, *key == '\1' ? ' ' : *key);
}

/* Re-create statement n (from one of the inputs) in out at its path. */
static int add_stmt(struct db_node *out, const char *key, const struct db_node *n)
{
	char **argv;
	int argc, rc;
	struct db_rpath rp;
	struct db_node *made;

	/* split on the separator (keys never contain it) */
	{
		size_t len = strlen(key), i;
		char *copy = malloc(len + 1);
		int cap = 1;

		if (copy == NULL)
			return -ENOMEM;
		memcpy(copy, key, len + 1);
		for (i = 0; i < len; i++)
			cap += copy[i] == '\1';
		argv = malloc((size_t)(cap + 2) * sizeof(*argv));
		if (argv == NULL) {
			free(copy);
			return -ENOMEM;
		}
		argc = 0;
		argv[argc++] = copy;
		for (i = 0; i < len; i++)
			if (copy[i] == '\1') {
				copy[i] = '\0';
				argv[argc++] = copy + i + 1;
			}
		if (n->sn->kind == DB_SNODE_LEAF && n->value != NULL)
			argv[argc++] = n->value;
	}
	rc = db_rpath_resolve(&rp, (const char *const *)argv, argc, RP_ALLOW_CONTAINER, NULL, 0);
	if (rc == 0) {
		made = db_node_make(out, &rp);
		if (made == NULL) {
			rc = -ENOMEM;
		} else {
			made->inactive = n->inactive;
			free(made->annotation);
			made->annotation = n->annotation ? strdup(n->annotation) : NULL;
		}
		db_rpath_free(&rp);
	}
	free(argv[0]);
	free(argv);
	return rc;
}

static const char *parent_key_end(const char *key, const struct db_node *n)
{
	/* drop the last step: `kw` (1 token) or `kw key` (2 tokens) */
	const char *end = strrchr(key, '\1');

	if (end != NULL && n->key != NULL) {
		const char *p = end;

		while (p > key && p[-1] != '\1')
			p--;
		end = p > key ? p - 1 : NULL;
	}
	return end;
}

struct db_node *db_merge3(const struct db_node *base, const struct db_node *mine,
			  const struct db_node *theirs, const char *why, struct db_diags *d)
{
	struct items ib = {0}, im = {0}, it = {0};
	struct db_node *out = NULL;
	size_t xb = 0, xm = 0, xt = 0;
	const char **present = NULL;
	size_t npresent = 0;
	int conflicts = 0, rc;

	if (items_of(&ib, base) || items_of(&im, mine) || items_of(&it, theirs))
		goto nomem;
	out = db_tree_new();
	present = malloc((im.n + it.n + 1) * sizeof(*present));
	if (out == NULL || present == NULL)
		goto nomem;
	while (xb < ib.n || xm < im.n || xt < it.n) {
		const char *key = NULL;
		const struct db_node *b, *m, *t, *r;

		if (xb < ib.n)
			key = ib.v[xb].key;
		if (xm < im.n && (key == NULL || strcmp(im.v[xm].key, key) < 0))
			key = im.v[xm].key;
		if (xt < it.n && (key == NULL || strcmp(it.v[xt].key, key) < 0))
			key = it.v[xt].key;
		b = pick(&ib, &xb, key);
		m = pick(&im, &xm, key);
		t = pick(&it, &xt, key);
		if (same(m, b))
			r = t;
		else if (same(t, b) || same(m, t))
			r = m;
		else {
			struct tula_buf p = TULA_BUF_INIT;

			key_to_text(&p, key);
			db_diag_add(d, DB_DIAG_ERROR, tula_buf_str(&p), -1,
				    "conflict: changed in this session and by %s", why);
			tula_buf_free(&p);
			conflicts++;
			continue;
		}
		if (r == NULL)
			continue;
		/*
		 * A statement kept while the other side removed its parent. Keys are
		 * sorted and a parent's descendants follow it contiguously, so the
		 * parent is present exactly when the last statement kept is the
		 * parent or one of its descendants.
		 */
		{
			const char *end = parent_key_end(key, r);

			if (end != NULL) {
				size_t plen = (size_t)(end - key);
				const char *last = npresent > 0 ? present[npresent - 1] : "";

				if (strncmp(last, key, plen) != 0 ||
				    (last[plen] != '\1' && last[plen] != '\0')) {
					struct tula_buf p = TULA_BUF_INIT;

					key_to_text(&p, key);
					db_diag_add(
						d, DB_DIAG_ERROR, tula_buf_str(&p), -1,
						"conflict: changed in this session but its parent "
						"was deleted by %s",
						why);
					tula_buf_free(&p);
					conflicts++;
					continue;
				}
			}
		}
		rc = add_stmt(out, key, r);
		if (rc == -ENOMEM)
			goto nomem;
		present[npresent++] = key;
	}
	free(present);
	present = NULL;
	if (conflicts > 0) {
		db_node_free(out);
		out = NULL;
		errno = EAGAIN;
	} else {
		db_node_prune_all(out); /* containers emptied by deletions */
	}
	items_free(&ib);
	items_free(&im);
	items_free(&it);
	return out;
nomem:
	free(present);
	db_node_free(out);
	items_free(&ib);
	items_free(&im);
	items_free(&it);
	errno = ENOMEM;
	return NULL;
}
