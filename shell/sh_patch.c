/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `load patch terminal`: apply a `show | compare` diff (pasted from another Tula or
 * saved from this one) to the candidate, as Junos' load patch does.
 *
 * The diff is a list of places, each an `[edit PATH]` banner followed by lines that
 * start with `-` (statements removed there) or `+` (statements added there), each a
 * piece of braces text. Per place, the removed statements are deleted (each top-level
 * statement of the `-` text, by its path) and the added text is merged at PATH. The
 * whole patch is tried on a copy of the candidate first, so it applies entirely or
 * not at all, and an error names the line of the diff.
 */
#include "shell/sh_session.h"

#include "db/db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATCH_MAX_WORDS 64

struct hunk {
	char *words[PATCH_MAX_WORDS];
	int nwords;
	int line; /* of the banner */
	struct tula_buf minus, plus;
};

static void hunk_reset(struct hunk *h)
{
	for (int i = 0; i < h->nwords; i++)
		free(h->words[i]);
	h->nwords = 0;
	tula_buf_free(&h->minus);
	tula_buf_free(&h->plus);
}

/* "[edit services dsr vip \"my vip\"]" -> words. 0 or -EINVAL. */
static int banner_words(const char *s, size_t len, struct hunk *h)
{
	size_t i = 5; /* after "[edit" */

	while (i < len && s[i] != ']') {
		size_t start;
		char *w;

		while (i < len && s[i] == ' ')
			i++;
		if (i >= len || s[i] == ']')
			break;
		if (h->nwords == PATCH_MAX_WORDS)
			return -EINVAL;
		if (s[i] == '"') {
			start = ++i;
			while (i < len && s[i] != '"')
				i++;
			if (i >= len)
				return -EINVAL;
			w = strndup(s + start, i - start);
			i++;
		} else {
			start = i;
			while (i < len && s[i] != ' ' && s[i] != ']')
				i++;
			w = strndup(s + start, i - start);
		}
		if (w == NULL)
			return -ENOMEM;
		h->words[h->nwords++] = w;
	}
	return i < len && s[i] == ']' ? 0 : -EINVAL;
}

/*
 * Apply one place to the session (dry = 0) or to tree (dry = 1). The `-` text is
 * loaded into an empty tree at the place to learn which statements it names; each is
 * then deleted by its path.
 */
static int apply_hunk(struct db_session *s, struct db_node *tree, const struct hunk *h,
		      struct db_diags *d)
{
	const char *const *at = (const char *const *)h->words;
	int rc = 0;

	if (h->minus.len > 0) {
		struct db_node *gone = db_tree_new();
		const struct db_node *place;

		if (gone == NULL)
			return -ENOMEM;
		rc = db_tree_load(gone, DB_LOAD_MERGE, tula_buf_str(&h->minus), at, h->nwords, d);
		place = rc == 0 ? (h->nwords > 0 ? db_node_lookup(gone, at, h->nwords) : gone)
				: NULL;
		for (size_t i = 0; rc == 0 && place != NULL && i < db_node_child_count(place);
		     i++) {
			char path[4096], line[4200];

			db_node_path(db_node_child_at(place, i), path, sizeof(path));
			snprintf(line, sizeof(line), "delete %s", path);
			rc = tree != NULL ? db_tree_exec(tree, line, d) : db_exec(s, line, d);
		}
		db_tree_free(gone);
	}
	if (rc == 0 && h->plus.len > 0)
		rc = tree != NULL
			     ? db_tree_load(tree, DB_LOAD_MERGE, tula_buf_str(&h->plus), at,
					    h->nwords, d)
			     : db_load(s, DB_LOAD_MERGE, tula_buf_str(&h->plus), at, h->nwords, d);
	return rc;
}

/* Walk the diff; apply each place. Returns 0, or -EINVAL with *bad_line set. */
static int run_patch(struct db_session *s, struct db_node *tree, const char *text, size_t len,
		     struct db_diags *d, int *bad_line, unsigned *nplaces)
{
	struct hunk h = {.minus = TULA_BUF_INIT, .plus = TULA_BUF_INIT};
	size_t off = 0;
	int line = 0, rc = 0, have = 0;

	*nplaces = 0;
	while (rc == 0 && off <= len) {
		const char *p = text + off, *nl = memchr(p, '\n', len - off);
		size_t l = nl != NULL ? (size_t)(nl - p) : len - off;

		line++;
		if (off == len || strncmp(p, "[edit", 5) == 0) {
			if (have) {
				rc = apply_hunk(s, tree, &h, d);
				if (rc < 0)
					*bad_line = h.line;
				(*nplaces)++;
			}
			hunk_reset(&h);
			have = 0;
			if (off == len || rc < 0)
				break;
			rc = banner_words(p, l, &h);
			if (rc < 0) {
				*bad_line = line;
				break;
			}
			h.line = line;
			have = 1;
		} else if (l > 0 && (p[0] == '+' || p[0] == '-')) {
			if (!have) {
				*bad_line = line;
				rc = -EINVAL;
				break;
			}
			tula_buf_add(p[0] == '+' ? &h.plus : &h.minus, p + 1, l - 1);
			tula_buf_putc(p[0] == '+' ? &h.plus : &h.minus, '\n');
		} else if (l > 0 && p[0] != '#' && strspn(p, " \t\r") != l) {
			*bad_line = line; /* not a line of a compare diff */
			rc = -EINVAL;
			break;
		}
		off += l + (nl != NULL ? 1 : 0);
		if (nl == NULL && off == len)
			continue; /* one more round flushes the last place */
	}
	hunk_reset(&h);
	return rc;
}

static int patch_text(struct sh_ctx *ctx, const char *text, size_t len, void *arg)
{
	struct sh_session *s = sh_ctx_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *copy;
	unsigned n = 0;
	int bad = 0, rc;

	(void)arg;
	if (s == NULL || s->dbs == NULL)
		return sh_err(ctx, "error: not in configuration mode");
	if (len == 1 && text[0] == '\x03')
		return sh_err(ctx, "error: load patch abandoned (^C)");
	/* all or nothing: a dry run on a copy of the candidate first */
	copy = db_tree_dup(db_candidate(s->dbs));
	if (copy == NULL)
		return -ENOMEM;
	rc = run_patch(NULL, copy, text, len, &d, &bad, &n);
	db_tree_free(copy);
	if (rc == 0) {
		db_diags_free(&d);
		rc = run_patch(s->dbs, NULL, text, len, &d, &bad, &n);
	}
	if (rc < 0) {
		char tail[128];

		snprintf(tail, sizeof(tail),
			 "error: load patch failed at line %d of the diff: nothing changed", bad);
		if (d.errors == 0)
			sh_err(ctx, "%s", tail);
		else
			sh_print_diags(ctx, &d, tail);
		db_diags_free(&d);
		return -EINVAL;
	}
	db_diags_free(&d);
	if (n == 0)
		return sh_err(ctx, "error: load patch: no [edit ...] place in the text");
	sh_printf(ctx, "load complete (%u place%s patched)\n", n, n == 1 ? "" : "s");
	return 0;
}

/* ---- load replace terminal ------------------------------------------------------ */

#define REPLACE_MAX_DEPTH 32

/*
 * Junos' `replace:` tag: the statement it marks replaces its counterpart instead of
 * merging into it. Strips the tags from text into out and collects the marked
 * statements' paths (the words of the enclosing statements, then the statement's
 * own) as `delete` lines. One statement per line, as `show` writes it.
 */
static int replace_paths(const char *text, size_t len, struct tula_buf *out,
			 struct tula_buf *deletes)
{
	size_t stack[REPLACE_MAX_DEPTH], depth = 0, off = 0;
	struct tula_buf path = TULA_BUF_INIT;

	while (off < len) {
		const char *p = text + off, *nl = memchr(p, '\n', len - off);
		size_t l = nl != NULL ? (size_t)(nl - p) : len - off, i = 0, end;
		int marked = 0;

		off += l + (nl != NULL ? 1 : 0);
		while (i < l && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i + 8 <= l && strncmp(p + i, "replace:", 8) == 0) {
			marked = 1;
			tula_buf_add(out, p, i);
			i += 8;
			while (i < l && p[i] == ' ')
				i++;
		} else {
			tula_buf_add(out, p, i);
		}
		tula_buf_add(out, p + i, l - i);
		tula_buf_putc(out, '\n');
		if (i + 9 <= l && strncmp(p + i, "inactive:", 9) == 0)
			i += 9;
		if (i < l && p[i] == '}') {
			if (depth == 0)
				goto bad;
			path.len = stack[--depth];
			if (path.data != NULL)
				path.data[path.len] = '\0';
			continue;
		}
		if (i >= l || p[i] == '#' || p[i] == '/' || p[i] == '*')
			continue; /* blank line or comment */
		end = i;
		while (end < l && p[end] != '{' && p[end] != ';')
			end++;
		if (end >= l)
			goto bad; /* not one statement per line */
		while (end > i && p[end - 1] == ' ')
			end--;
		if (marked)
			tula_buf_printf(deletes, "delete %s%s%.*s\n", tula_buf_str(&path),
					path.len ? " " : "", (int)(end - i), p + i);
		if (memchr(p + i, '{', l - i) != NULL) {
			if (depth == REPLACE_MAX_DEPTH)
				goto bad;
			stack[depth++] = path.len;
			tula_buf_printf(&path, "%s%.*s", path.len ? " " : "", (int)(end - i),
					p + i);
		}
	}
	tula_buf_free(&path);
	return 0;
bad:
	tula_buf_free(&path);
	return -EINVAL;
}

/* Delete each marked statement (absent is fine: it is then simply added). */
static int run_deletes(struct db_session *s, struct db_node *tree, const char *dels,
		       struct db_diags *d)
{
	char line[4200];
	const char *p = dels;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t l = nl != NULL ? (size_t)(nl - p) : strlen(p);
		int rc;

		if (l >= sizeof(line))
			return -E2BIG;
		memcpy(line, p, l);
		line[l] = '\0';
		rc = tree != NULL ? db_tree_exec(tree, line, d) : db_exec(s, line, d);
		if (rc == -ENOENT) {
			db_diags_clear(d);
			rc = 0;
		}
		if (rc < 0)
			return rc;
		p += l + (nl != NULL ? 1 : 0);
	}
	return 0;
}

static int replace_text(struct sh_ctx *ctx, const char *text, size_t len, void *arg)
{
	struct sh_session *s = sh_ctx_session(ctx);
	struct tula_buf body = TULA_BUF_INIT, dels = TULA_BUF_INIT;
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *copy = NULL;
	int rc;

	(void)arg;
	if (s == NULL || s->dbs == NULL)
		return sh_err(ctx, "error: not in configuration mode");
	if (len == 1 && text[0] == '\x03')
		return sh_err(ctx, "error: load replace abandoned (^C)");
	if (replace_paths(text, len, &body, &dels) < 0) {
		rc = sh_err(ctx, "error: load replace: write one statement per line, braces "
				 "balanced, as show prints it");
		goto out;
	}
	/* all or nothing: a dry run on a copy of the candidate first */
	copy = db_tree_dup(db_candidate(s->dbs));
	rc = copy == NULL ? -ENOMEM : run_deletes(NULL, copy, tula_buf_str(&dels), &d);
	if (rc == 0)
		rc = db_tree_load(copy, DB_LOAD_MERGE, tula_buf_str(&body), NULL, 0, &d);
	if (rc == 0) {
		rc = run_deletes(s->dbs, NULL, tula_buf_str(&dels), &d);
		if (rc == 0)
			rc = db_load(s->dbs, DB_LOAD_MERGE, tula_buf_str(&body), NULL, 0, &d);
	}
	if (rc < 0) {
		if (d.errors > 0)
			sh_print_diags(ctx, &d, "error: load replace failed: nothing changed");
		else
			sh_err(ctx, "error: load replace failed: %s", strerror(-rc));
		rc = -EINVAL;
	} else {
		sh_print_diags(ctx, &d, NULL);
		sh_puts(ctx, "load complete\n");
	}
out:
	db_tree_free(copy);
	db_diags_free(&d);
	tula_buf_free(&body);
	tula_buf_free(&dels);
	return rc;
}

static int load_replace(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	int rc;

	(void)m;
	(void)arg;
	if (sh_ctx_session(ctx) == NULL || sh_ctx_session(ctx)->dbs == NULL)
		return sh_err(ctx, "error: not in configuration mode");
	rc = sh_ctx_read_text(ctx, "[Type ^D at a new line to end input]", replace_text, NULL);
	return rc == -ENOTSUP ? sh_err(ctx, "error: this session cannot send text") : rc;
}

static int load_patch(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	int rc;

	(void)m;
	(void)arg;
	if (sh_ctx_session(ctx) == NULL || sh_ctx_session(ctx)->dbs == NULL)
		return sh_err(ctx, "error: not in configuration mode");
	rc = sh_ctx_read_text(ctx, "[Type ^D at a new line to end input]", patch_text, NULL);
	return rc == -ENOTSUP ? sh_err(ctx, "error: this session cannot send text") : rc;
}

static const char *const h_patch[] = {"Load configuration",
				      "Apply a `show | compare` diff to the candidate",
				      "Read the diff from the terminal (end with ^D)", NULL};

static const char *const h_replace[] = {
	"Load configuration", "Merge, but statements tagged replace: replace their counterparts",
	"Read the text from the terminal (end with ^D)", NULL};

static const struct sh_cmd patch_cmds[] = {
	{.syntax = "load replace terminal",
	 .help = h_replace,
	 .modes = SH_MODE_CONF,
	 .level = SH_LEVEL_SUPER_USER,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = load_replace},
	{.syntax = "load patch terminal",
	 .help = h_patch,
	 .modes = SH_MODE_CONF,
	 .level = SH_LEVEL_SUPER_USER,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = load_patch},
};

int sh_patch_register(struct sh_engine *e)
{
	return sh_engine_add_all(e, patch_cmds, sizeof(patch_cmds) / sizeof(patch_cmds[0]));
}

void sh_patch_unregister(struct sh_engine *e)
{
	sh_engine_remove_all(e, patch_cmds, sizeof(patch_cmds) / sizeof(patch_cmds[0]));
}
