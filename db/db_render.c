/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The three renderings of a tree: braces (Junos `show`), `display set` and
 * `display json`. All walk the same sorted tree, so the output is
 * deterministic: children in schema order, list entries sorted by key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "db/db_int.h"

static void pad(struct tula_buf *b, const char *sign, int ind)
{
	static const char spaces[] = "                                                ";

	if (sign != NULL)
		tula_buf_puts(b, sign);
	for (; ind > 0; ind -= (int)sizeof(spaces) - 1)
		tula_buf_add(b, spaces,
			     ind < (int)sizeof(spaces) - 1 ? (size_t)ind : sizeof(spaces) - 1);
}

static int hidden(const struct db_node *n, unsigned flags)
{
	return (flags & DB_RENDER_EFFECTIVE) && n->inactive;
}

static int is_bare_entry(const struct db_node *n)
{
	return n->sn->kind == DB_SNODE_LIST && (n->sn->flags & DB_SF_BARE);
}

static uint32_t visible_kids(const struct db_node *n, unsigned flags)
{
	uint32_t i, c = 0;

	for (i = 0; i < n->nkids; i++)
		c += !hidden(n->kids[i], flags);
	return c;
}

void db_put_head(struct tula_buf *b, const struct db_node *n)
{
	if (is_bare_entry(n)) {
		db_put_word(b, n->key);
		return;
	}
	tula_buf_puts(b, n->sn->name);
	if (n->key != NULL) {
		tula_buf_putc(b, ' ');
		db_put_word(b, n->key);
	}
}

static void contents(struct tula_buf *b, const struct db_node *n, int ind, const char *sign,
		     unsigned flags);

void db_render_stmt(struct tula_buf *b, const struct db_node *n, int ind, const char *sign,
		    unsigned flags)
{
	const struct db_node *only;

	if (hidden(n, flags))
		return;
	if (n->annotation != NULL && !(flags & (DB_RENDER_EFFECTIVE | DB_RENDER_NO_ANNOTATION))) {
		pad(b, sign, ind);
		tula_buf_printf(b, "/* %s */\n", n->annotation);
	}
	pad(b, sign, ind);
	if (n->inactive)
		tula_buf_puts(b, "inactive: ");
	db_put_head(b, n);
	switch (n->sn->kind) {
	case DB_SNODE_LEAF:
		if (n->value != NULL) {
			tula_buf_putc(b, ' ');
			db_put_value(b, n->sn, n->value);
		}
		tula_buf_puts(b, ";\n");
		return;
	case DB_SNODE_LIST:
		if (visible_kids(n, flags) == 0) {
			tula_buf_puts(b, ";\n");
			return;
		}
		only = n->kids[0];
		if ((n->sn->flags & DB_SF_ONELINE) && n->nkids == 1 &&
		    only->sn->kind == DB_SNODE_LEAF && !only->inactive &&
		    only->annotation == NULL) {
			tula_buf_putc(b, ' ');
			tula_buf_puts(b, only->sn->name);
			if (only->value != NULL) {
				tula_buf_putc(b, ' ');
				db_put_value(b, only->sn, only->value);
			}
			tula_buf_puts(b, ";\n");
			return;
		}
		break;
	case DB_SNODE_CONTAINER:
		if (visible_kids(n, flags) == 0) {
			tula_buf_puts(b, ";\n");
			return;
		}
		break;
	}
	tula_buf_puts(b, " {\n");
	contents(b, n, ind + 4, sign, flags);
	pad(b, sign, ind);
	tula_buf_puts(b, "}\n");
}

static void contents(struct tula_buf *b, const struct db_node *n, int ind, const char *sign,
		     unsigned flags)
{
	uint32_t i = 0, j;

	while (i < n->nkids) {
		const struct db_node *k = n->kids[i];

		if (!is_bare_entry(k)) {
			db_render_stmt(b, k, ind, sign, flags);
			i++;
			continue;
		}
		/* a bare list: `interfaces {` around its entries */
		for (j = i; j < n->nkids && n->kids[j]->sn == k->sn; j++)
			;
		{
			uint32_t x, shown = 0;

			for (x = i; x < j; x++)
				shown += !hidden(n->kids[x], flags);
			if (shown > 0) {
				pad(b, sign, ind);
				tula_buf_printf(b, "%s {\n", k->sn->name);
				for (x = i; x < j; x++)
					db_render_stmt(b, n->kids[x], ind + 4, sign, flags);
				pad(b, sign, ind);
				tula_buf_puts(b, "}\n");
			}
		}
		i = j;
	}
}

/* --- display set ---------------------------------------------------------------------- */

static void set_lines(struct tula_buf *b, struct tula_buf *path, const struct db_node *n,
		      unsigned flags)
{
	size_t mark = path->len;
	uint32_t i;

	if (hidden(n, flags))
		return;
	if (path->len > 0)
		tula_buf_putc(path, ' ');
	tula_buf_puts(path, n->sn->name);
	if (n->key != NULL) {
		tula_buf_putc(path, ' ');
		db_put_word(path, n->key);
	}
	if (n->sn->kind == DB_SNODE_LEAF) {
		tula_buf_printf(b, "set %s", tula_buf_str(path));
		if (n->value != NULL) {
			tula_buf_putc(b, ' ');
			db_put_value(b, n->sn, n->value);
		}
		tula_buf_putc(b, '\n');
	} else if (visible_kids(n, flags) == 0) {
		tula_buf_printf(b, "set %s\n", tula_buf_str(path));
	}
	for (i = 0; i < n->nkids; i++)
		set_lines(b, path, n->kids[i], flags);
	if (!(flags & DB_RENDER_EFFECTIVE)) {
		if (n->inactive)
			tula_buf_printf(b, "deactivate %s\n", tula_buf_str(path));
		if (n->annotation != NULL) {
			tula_buf_printf(b, "annotate %s ", tula_buf_str(path));
			db_put_quoted(b, n->annotation);
			tula_buf_putc(b, '\n');
		}
	}
	path->len = mark;
	if (path->data != NULL)
		path->data[mark] = '\0';
}

static void render_set(struct tula_buf *b, const struct db_node *n, unsigned flags)
{
	struct tula_buf path = TULA_BUF_INIT;
	uint32_t i;

	if (n->parent == NULL) {
		for (i = 0; i < n->nkids; i++)
			set_lines(b, &path, n->kids[i], flags);
	} else {
		/* the path up to n's parent, then n itself */
		db_put_path(&path, n->parent);
		set_lines(b, &path, n, flags);
	}
	if (path.oom)
		b->oom = 1;
	tula_buf_free(&path);
}

/* --- display json ------------------------------------------------------------------------ */

static void json_str(struct tula_buf *b, const char *s)
{
	tula_buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			tula_buf_printf(b, "\\%c", c);
		else if (c < 0x20)
			tula_buf_printf(b, "\\u%04x", c);
		else
			tula_buf_putc(b, (char)c);
	}
	tula_buf_putc(b, '"');
}

static void json_value(struct tula_buf *b, const struct db_node *n)
{
	switch (n->sn->type) {
	case DB_TYPE_FLAG:
		tula_buf_puts(b, "[null]");
		return;
	case DB_TYPE_UINT:
		tula_buf_puts(b, n->value);
		return;
	case DB_TYPE_PORT:
		if (strcmp(n->value, "*") != 0) {
			tula_buf_puts(b, n->value);
			return;
		}
		break;
	default:
		break;
	}
	json_str(b, n->value ? n->value : "");
}

static void json_attrs(struct tula_buf *b, const struct db_node *n, int ind, unsigned flags)
{
	int first = 1;

	tula_buf_puts(b, "{");
	if (n->inactive) {
		tula_buf_puts(b, "\"inactive\": true");
		first = 0;
	}
	if (n->annotation != NULL) {
		tula_buf_puts(b, first ? "" : ", ");
		tula_buf_puts(b, "\"comment\": ");
		json_str(b, n->annotation);
	}
	tula_buf_puts(b, "}");
	(void)ind;
	(void)flags;
}

static int has_attrs(const struct db_node *n, unsigned flags)
{
	return !(flags & DB_RENDER_EFFECTIVE) && (n->inactive || n->annotation != NULL);
}

static void json_members(struct tula_buf *b, const struct db_node *n, int ind, unsigned flags,
			 int first);

static void member_sep(struct tula_buf *b, int *first, int ind)
{
	tula_buf_puts(b, *first ? "\n" : ",\n");
	*first = 0;
	pad(b, NULL, ind);
}

static void json_object(struct tula_buf *b, const struct db_node *n, int ind, unsigned flags)
{
	int first = 1;

	tula_buf_putc(b, '{');
	if (has_attrs(n, flags)) {
		member_sep(b, &first, ind + 4);
		tula_buf_puts(b, "\"@\": ");
		json_attrs(b, n, ind + 4, flags);
	}
	if (n->key != NULL) {
		member_sep(b, &first, ind + 4);
		tula_buf_puts(b, "\"name\": ");
		json_str(b, n->key);
	}
	json_members(b, n, ind + 4, flags, first);
	if (!first || visible_kids(n, flags) > 0) {
		tula_buf_putc(b, '\n');
		pad(b, NULL, ind);
	}
	tula_buf_putc(b, '}');
}

static void json_members(struct tula_buf *b, const struct db_node *n, int ind, unsigned flags,
			 int first)
{
	uint32_t i = 0, j;

	while (i < n->nkids) {
		const struct db_node *k = n->kids[i];

		if (k->sn->kind == DB_SNODE_LIST) {
			int efirst = 1;

			uint32_t shown = 0;

			for (j = i; j < n->nkids && n->kids[j]->sn == k->sn; j++)
				shown += !hidden(n->kids[j], flags);
			if (shown == 0) {
				i = j;
				continue;
			}
			member_sep(b, &first, ind);
			json_str(b, k->sn->name);
			tula_buf_puts(b, ": [");
			for (; i < j; i++) {
				if (hidden(n->kids[i], flags))
					continue;
				member_sep(b, &efirst, ind + 4);
				json_object(b, n->kids[i], ind + 4, flags);
			}
			tula_buf_putc(b, '\n');
			pad(b, NULL, ind);
			tula_buf_putc(b, ']');
			continue;
		}
		i++;
		if (hidden(k, flags))
			continue;
		member_sep(b, &first, ind);
		json_str(b, k->sn->name);
		tula_buf_puts(b, ": ");
		if (k->sn->kind == DB_SNODE_LEAF) {
			json_value(b, k);
			if (has_attrs(k, flags)) {
				member_sep(b, &first, ind);
				tula_buf_printf(b, "\"@%s\": ", k->sn->name);
				json_attrs(b, k, ind, flags);
			}
		} else {
			json_object(b, k, ind, flags);
		}
	}
}

static void render_json(struct tula_buf *b, const struct db_node *n, unsigned flags)
{
	if (n->parent == NULL || n->sn->kind != DB_SNODE_LEAF) {
		json_object(b, n, 0, flags);
	} else {
		int first = 1;

		tula_buf_putc(b, '{');
		member_sep(b, &first, 4);
		json_str(b, n->sn->name);
		tula_buf_puts(b, ": ");
		json_value(b, n);
		tula_buf_puts(b, "\n}");
	}
	tula_buf_putc(b, '\n');
}

/* --- entry points ------------------------------------------------------------------------ */

int db_render(const struct db_node *n, enum db_format fmt, unsigned flags, struct tula_buf *out)
{
	int was_oom = out->oom;

	switch (fmt) {
	case DB_FMT_BRACES:
		if (n->parent != NULL && n->sn->kind == DB_SNODE_LEAF)
			db_render_stmt(out, n, 0, NULL, flags);
		else if (!hidden(n, flags))
			contents(out, n, 0, NULL, flags);
		break;
	case DB_FMT_SET:
		render_set(out, n, flags);
		break;
	case DB_FMT_JSON:
		render_json(out, n, flags);
		break;
	default:
		return -EINVAL;
	}
	return out->oom && !was_oom ? -ENOMEM : 0;
}

int db_show(const struct db_node *root, const char *const *argv, int argc, enum db_format fmt,
	    unsigned flags, struct tula_buf *out, struct db_diags *d)
{
	struct db_rpath rp;
	const struct db_node *n;
	int rc;

	rc = db_rpath_resolve(
		&rp, argv, argc,
		RP_ALLOW_CONTAINER | RP_ALLOW_LIST_KW | RP_ALLOW_LEAF_KW | RP_ALLOW_ROOT, d, 0);
	if (rc != 0)
		return rc;
	n = db_node_at(root, &rp);
	if (n != NULL && rp.n > 0 && !rp.ends_list_kw && n->sn->kind == DB_SNODE_LEAF &&
	    rp.v[rp.n - 1].arg != NULL && strcmp(n->value ? n->value : "", rp.v[rp.n - 1].arg))
		n = NULL;
	if (n == NULL) {
		db_rpath_free(&rp);
		return -ENOENT;
	}
	if (rp.ends_list_kw) {
		const struct db_snode *list = rp.v[rp.n - 1].sn;
		const struct db_node *e;
		int found = 0, first = 1;

		if (fmt == DB_FMT_JSON) {
			tula_buf_puts(out, "{\n    ");
			json_str(out, list->name);
			tula_buf_puts(out, ": [");
		}
		for (e = db_node_first(n, list->name); e != NULL; e = db_node_next(e)) {
			if (hidden(e, flags))
				continue;
			found++;
			if (fmt == DB_FMT_BRACES) {
				db_render_stmt(out, e, 0, NULL, flags);
			} else if (fmt == DB_FMT_SET) {
				render_set(out, e, flags);
			} else {
				member_sep(out, &first, 8);
				json_object(out, e, 8, flags);
			}
		}
		if (fmt == DB_FMT_JSON)
			tula_buf_puts(out, "\n    ]\n}\n");
		db_rpath_free(&rp);
		if (found == 0)
			return -ENOENT;
		return out->oom ? -ENOMEM : 0;
	}
	db_rpath_free(&rp);
	if (hidden(n, flags))
		return -ENOENT;
	return db_render(n, fmt, flags, out);
}
