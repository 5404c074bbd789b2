/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration mode and the walker that lets the
 * engine parse, complete and explain configuration paths from db/'s schema — so a new
 * schema node needs no change here (README, "Design", rule 1).
 *
 * Paths typed at an [edit ...] level are relative to it; every path handed to db/ is
 * absolute (the level's words first). A walk position is (schema node, what comes
 * next: a statement keyword, a list key, a leaf value, or nothing).
 */
#include "shell/sh_session.h"

#include "db/db.h"
#include "shell/sh_proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- the schema walker ------------------------------------------------------------- */

static const struct db_node *walk_tree(struct sh_session *s)
{
	if (s != NULL && s->mode == SH_MODE_CONF && s->dbs != NULL)
		return db_candidate(s->dbs);
	return sh_db() != NULL ? db_active(sh_db()) : NULL;
}

static int relative(const struct sh_session *s, const struct sh_arg *a)
{
	return s != NULL && s->mode == SH_MODE_CONF && !(a->walk_flags & SH_WALK_ABS);
}

static void w_start(struct sh_session *s, const struct sh_arg *a, struct sh_walk_pos *pos)
{
	struct db_walk w;

	memset(pos, 0, sizeof(*pos));
	pos->node = db_schema_root();
	pos->state = DB_WANT_STATEMENT;
	if (relative(s, a) && s->nedit > 0 &&
	    db_schema_walk((const char *const *)s->edit, (int)s->nedit, &w) == 0) {
		pos->node = w.sn;
		pos->state = w.want;
	}
}

struct compl_arg {
	struct sh_cands *out;
};

static int add_name(void *arg, const char *value, const char *help)
{
	sh_cands_add(((struct compl_arg *)arg)->out, SH_CAND_NAME, value, help);
	return 0;
}

/* Existing names for the key / value of sn, whose parent is at words[0 .. n-1). */
static void offer_names(struct sh_session *s, const struct sh_arg *a, const struct db_snode *sn,
			const char *const *words, size_t nwords, struct sh_cands *out)
{
	const char *abs[SH_EDIT_MAX + SH_MAX_TOKENS];
	struct compl_arg ca = {out};
	size_t k = 0, i;

	if (db_snode_completion(sn) == DB_COMPLETE_NONE ||
	    db_snode_completion(sn) == DB_COMPLETE_ENUM)
		return;
	if (relative(s, a))
		for (i = 0; i < s->nedit; i++)
			abs[k++] = s->edit[i];
	for (i = 0; i < nwords; i++)
		abs[k++] = words[i];
	if (k > 0)
		k--; /* the keyword of sn itself */
	db_snode_complete(sn, walk_tree(s), abs, (int)k,
			  sh_opts()->scripts_dir != NULL ? sh_opts()->scripts_dir
							 : "/etc/tula/scripts",
			  add_name, &ca);
}

static void w_offer(struct sh_session *s, const struct sh_arg *a, const struct sh_walk_pos *pos,
		    const char *const *words, size_t nwords, struct sh_cands *out)
{
	const struct db_snode *sn = pos->node;
	char disp[64];
	size_t i;

	switch (pos->state) {
	case DB_WANT_STATEMENT:
		for (i = 0; i < db_snode_child_count(sn); i++) {
			const struct db_snode *c = db_snode_child_at(sn, i);

			sh_cands_add(out, SH_CAND_KEYWORD, db_snode_name(c), db_snode_help(c));
		}
		break;
	case DB_WANT_KEY:
	case DB_WANT_VALUE:
		if (db_snode_type(sn) == DB_TYPE_ENUM) {
			for (i = 0; i < db_snode_enum_count(sn); i++) {
				const char *help = NULL, *v = db_snode_enum(sn, i, &help);

				sh_cands_add(out, SH_CAND_KEYWORD, v, help);
			}
			break;
		}
		snprintf(disp, sizeof(disp), "<%s>",
			 db_snode_value_name(sn) ? db_snode_value_name(sn) : "value");
		sh_cands_add(out, SH_CAND_ARG, disp,
			     db_snode_value_help(sn) ? db_snode_value_help(sn) : db_snode_help(sn));
		offer_names(s, a, sn, words, nwords, out);
		break;
	default:
		break;
	}
}

static int enum_prefix(const struct db_snode *sn, const char *tok)
{
	size_t i, n = strlen(tok);

	for (i = 0; i < db_snode_enum_count(sn); i++)
		if (strncmp(db_snode_enum(sn, i, NULL), tok, n) == 0)
			return 1;
	return 0;
}

static int w_step(struct sh_session *s, const struct sh_arg *a, const struct sh_walk_pos *pos,
		  const char *tok, int keyword, int quoted, struct sh_walk_pos *next, char *err,
		  size_t errlen)
{
	const struct db_snode *sn = pos->node, *c;
	char reason[DB_REASON_MAX];

	(void)s;
	(void)a;
	(void)quoted;
	*next = *pos;
	next->depth++;
	switch (pos->state) {
	case DB_WANT_STATEMENT:
		if (!keyword || (c = db_snode_child(sn, tok)) == NULL)
			return 0;
		next->node = c;
		switch (db_snode_kind(c)) {
		case DB_SNODE_LIST:
			next->state = DB_WANT_KEY;
			break;
		case DB_SNODE_LEAF:
			next->state =
				db_snode_type(c) == DB_TYPE_FLAG ? DB_WANT_END : DB_WANT_VALUE;
			break;
		default:
			next->state = DB_WANT_STATEMENT;
		}
		return 1;
	case DB_WANT_KEY:
	case DB_WANT_VALUE:
		if (db_snode_type(sn) == DB_TYPE_ENUM) {
			/* a prefix is not a value yet: the engine expands it */
			if (!keyword && enum_prefix(sn, tok))
				return 0;
		} else if (keyword) {
			return 0;
		}
		if (db_snode_check(sn, tok, reason, sizeof(reason), NULL, 0) < 0) {
			snprintf(err, errlen, "%s: invalid value '%s': %s", db_snode_name(sn), tok,
				 reason);
			return -1;
		}
		next->state = pos->state == DB_WANT_KEY ? DB_WANT_STATEMENT : DB_WANT_END;
		return 1;
	default:
		return 0;
	}
}

static int w_can_end(struct sh_session *s, const struct sh_arg *a, const struct sh_walk_pos *pos)
{
	const struct db_snode *sn = pos->node;
	int entry = pos->state == DB_WANT_STATEMENT && db_snode_kind(sn) == DB_SNODE_LIST;

	(void)s;
	if (a->walk_flags & SH_WALK_SET)
		return pos->state == DB_WANT_END || entry;
	if (a->walk_flags & SH_WALK_ENTRY)
		return entry;
	if (a->walk_flags & SH_WALK_EDIT)
		return pos->state == DB_WANT_STATEMENT && pos->depth > 0;
	return 1;
}

const struct sh_walker sh_db_walker = {
	.start = w_start,
	.offer = w_offer,
	.step = w_step,
	.can_end = w_can_end,
};

/* --- helpers ------------------------------------------------------------------------ */

int sh_print_diags(struct sh_ctx *ctx, const struct db_diags *d, const char *tail)
{
	struct tula_buf b = TULA_BUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < d->n; i++) {
		const struct db_diag *x = &d->v[i];
		struct tula_buf *to = x->level == DB_DIAG_ERROR ? &b : NULL;
		char where[512] = "";

		if (x->line > 0)
			snprintf(where, sizeof(where), "line %d%s%.0d: ", x->line,
				 x->column > 0 ? ", column " : "", x->column);
		if (to == NULL) {
			if (x->path[0] != '\0')
				sh_warn(ctx, "[edit %s]\n  warning: %s%s", x->path, where,
					x->message);
			else
				sh_warn(ctx, "warning: %s%s", where, x->message);
			continue;
		}
		if (x->path[0] != '\0')
			tula_buf_printf(to, "[edit %s]\n  %s%s\n", x->path, where, x->message);
		else
			tula_buf_printf(to, "error: %s%s\n", where, x->message);
	}
	if (tail != NULL)
		tula_buf_printf(&b, "%s\n", tail);
	if (b.len > 0)
		rc = sh_err(ctx, "%s", tula_buf_str(&b));
	tula_buf_free(&b);
	return rc;
}

int sh_show_tree(struct sh_ctx *ctx, const struct db_node *tree, const struct db_node *cmp_base,
		 const char *const *path, size_t npath)
{
	struct db_diags d = DB_DIAGS_INIT;
	enum db_format fmt = DB_FMT_BRACES;
	int rc;

	if (cmp_base != NULL) {
		rc = db_compare(cmp_base, tree, path, (int)npath, sh_ctx_out(ctx));
		return rc < 0 ? rc : 0;
	}
	if (sh_ctx_format(ctx) == SH_FORMAT_SET)
		fmt = DB_FMT_SET;
	else if (sh_ctx_format(ctx) == SH_FORMAT_JSON)
		fmt = DB_FMT_JSON;
	rc = db_show(tree, path, (int)npath, fmt, 0, sh_ctx_out(ctx), &d);
	if (rc == -ENOENT)
		rc = 0; /* nothing there: Junos prints nothing */
	else if (rc < 0)
		rc = sh_print_diags(ctx, &d, NULL);
	db_diags_free(&d);
	return rc;
}

#define ABS_MAX (SH_EDIT_MAX + SH_MAX_TOKENS)

/* The [edit] level followed by placeholder name's words. */
static size_t abs_path(const struct sh_session *s, const struct sh_match *m, const char *name,
		       const char **argv)
{
	const char *const *w;
	size_t n = sh_match_words(m, name, &w), k = 0, i;

	for (i = 0; i < s->nedit; i++)
		argv[k++] = s->edit[i];
	for (i = 0; i < n; i++)
		argv[k++] = w[i];
	return k;
}

static int edit_failed(struct sh_ctx *ctx, int rc, struct db_diags *d)
{
	if (d->errors > 0)
		return sh_print_diags(ctx, d, NULL);
	if (rc == -ENOENT)
		return sh_err(ctx, "warning: statement not found");
	if (rc == -EBUSY)
		return sh_err(ctx, "error: configuration database locked by another session "
				   "(configure exclusive); see status");
	return sh_err(ctx, "error: %s", strerror(-rc));
}

static struct sh_session *conf_session(struct sh_ctx *ctx)
{
	struct sh_session *s = sh_ctx_session(ctx);

	if (s == NULL || s->dbs == NULL) {
		sh_err(ctx, "error: not in configuration mode");
		return NULL;
	}
	return s;
}

/* Word counts of each statement level in the edit path (a list entry is one level). */
static size_t parent_level(const struct sh_session *s, unsigned times)
{
	size_t bounds[SH_EDIT_MAX + 1], nb = 0, k;
	struct db_walk w;

	bounds[nb++] = 0;
	for (k = 1; k <= s->nedit; k++)
		if (db_schema_walk((const char *const *)s->edit, (int)k, &w) == 0 &&
		    w.want == DB_WANT_STATEMENT)
			bounds[nb++] = k;
	if (bounds[nb - 1] != s->nedit)
		bounds[nb++] = s->nedit;
	return nb - 1 >= times ? bounds[nb - 1 - times] : 0;
}

/* --- the commands ---------------------------------------------------------------------- */

typedef int (*edit_fn)(struct db_session *s, const char *const *argv, int argc, struct db_diags *d);

static int do_edit_op(struct sh_ctx *ctx, const struct sh_match *m, edit_fn fn)
{
	struct sh_session *s = conf_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	const char *argv[ABS_MAX];
	size_t n;
	int rc;

	if (s == NULL)
		return -EINVAL;
	n = abs_path(s, m, "PATH", argv);
	rc = fn(s->dbs, argv, (int)n, &d);
	if (rc < 0)
		rc = edit_failed(ctx, rc, &d);
	else
		sh_print_diags(ctx, &d, NULL);
	db_diags_free(&d);
	return rc;
}

/*
 * delete / activate / deactivate: as Junos, naming what is not there (or activating
 * what is already active) is a warning and changes nothing, so a batch
 * (`tula cli -c ...`) goes on.
 */
static int do_remove_op(struct sh_ctx *ctx, const struct sh_match *m, edit_fn fn, int activate)
{
	struct sh_session *s = conf_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	const char *argv[ABS_MAX];
	const struct db_node *n;
	size_t np;
	int rc;

	if (s == NULL)
		return -EINVAL;
	np = abs_path(s, m, "PATH", argv);
	if (activate) {
		n = db_node_lookup(db_candidate(s->dbs), argv, (int)np);
		if (n != NULL && !db_node_inactive(n)) {
			sh_warn(ctx, "warning: statement not found (it is not inactive)");
			return 0;
		}
	}
	rc = fn(s->dbs, argv, (int)np, &d);
	if (rc == -ENOENT) {
		sh_warn(ctx, "warning: statement not found");
		rc = 0;
	} else if (rc < 0) {
		rc = edit_failed(ctx, rc, &d);
	} else {
		sh_print_diags(ctx, &d, NULL);
	}
	db_diags_free(&d);
	return rc;
}

static int c_set(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)arg;
	return do_edit_op(ctx, m, db_set);
}

static int delete_all(struct sh_ctx *ctx, int yes, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	const struct db_node *root;
	int rc = 0;

	(void)arg;
	if (s == NULL || !yes)
		return s == NULL ? -EINVAL : 0;
	if (s->nedit > 0) {
		rc = db_delete(s->dbs, (const char *const *)s->edit, (int)s->nedit, &d);
	} else {
		/* the top: every top-level statement */
		while (rc == 0 && (root = db_candidate(s->dbs)) != NULL &&
		       db_node_child_count(root) > 0) {
			const char *kw = db_node_keyword(db_node_child_at(root, 0));
			char *copy = strdup(kw);

			if (copy == NULL)
				return -ENOMEM;
			rc = db_delete(s->dbs, (const char *const *)&copy, 1, &d);
			free(copy);
		}
	}
	if (rc < 0 && rc != -ENOENT)
		rc = edit_failed(ctx, rc, &d);
	else
		rc = 0;
	db_diags_free(&d);
	return rc;
}

static int c_delete(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const char *const *w;

	(void)arg;
	if (sh_match_words(m, "PATH", &w) == 0) {
		int rc =
			sh_ctx_ask(ctx, "Delete everything under this level?", 0, delete_all, NULL);

		return rc == -ENOTSUP ? sh_err(ctx, "error: say what to delete") : rc;
	}
	return do_remove_op(ctx, m, db_delete, 0);
}

static int activate(struct db_session *s, const char *const *argv, int argc, struct db_diags *d)
{
	return db_activate_path(s, argv, argc, 1, d);
}

static int deactivate(struct db_session *s, const char *const *argv, int argc, struct db_diags *d)
{
	return db_activate_path(s, argv, argc, 0, d);
}

static int c_activate(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	return do_remove_op(ctx, m, arg != NULL ? deactivate : activate, arg == NULL);
}

static int c_annotate(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	const char *argv[ABS_MAX];
	size_t n;
	int rc;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	n = abs_path(s, m, "PATH", argv);
	rc = db_annotate(s->dbs, argv, (int)n, sh_match_str(m, "TEXT"), &d);
	if (rc < 0)
		rc = edit_failed(ctx, rc, &d);
	db_diags_free(&d);
	return rc;
}

static int c_rename(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	const char *argv[ABS_MAX];
	size_t n;
	int rc;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	n = abs_path(s, m, "PATH", argv);
	if (n < 2 || strcmp(argv[n - 2], sh_match_str(m, "KEYWORD")) != 0)
		return sh_err(ctx,
			      "error: rename %s ... to %s NEW: the keyword after 'to' must be "
			      "'%s'",
			      n >= 2 ? argv[n - 2] : "", n >= 2 ? argv[n - 2] : "",
			      n >= 2 ? argv[n - 2] : "");
	rc = db_rename(s->dbs, argv, (int)n, sh_match_str(m, "NAME"), &d);
	if (rc == -EEXIST && d.n == 0)
		rc = sh_err(ctx, "error: %s %s already exists", argv[n - 2],
			    sh_match_str(m, "NAME"));
	else if (rc < 0)
		rc = edit_failed(ctx, rc, &d);
	db_diags_free(&d);
	return rc;
}

/*
 * `copy services dsr vip A to vip B`: B gets everything A holds (backends, health
 * check, annotations), through the same merge `load` uses; A stays. B must not exist.
 */
static int c_copy(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	struct tula_buf text = TULA_BUF_INIT;
	const char *argv[ABS_MAX], *dst[ABS_MAX];
	const struct db_node *src;
	size_t n;
	int rc;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	n = abs_path(s, m, "PATH", argv);
	if (n < 2 || strcmp(argv[n - 2], sh_match_str(m, "KEYWORD")) != 0)
		return sh_err(ctx,
			      "error: copy %s ... to %s NEW: the keyword after 'to' must be '%s'",
			      n >= 2 ? argv[n - 2] : "", n >= 2 ? argv[n - 2] : "",
			      n >= 2 ? argv[n - 2] : "");
	src = db_node_lookup(db_candidate(s->dbs), argv, (int)n);
	if (src == NULL)
		return sh_err(ctx, "error: statement not found: %s %s", argv[n - 2], argv[n - 1]);
	memcpy(dst, argv, n * sizeof(argv[0]));
	dst[n - 1] = sh_match_str(m, "NAME");
	if (db_node_lookup(db_candidate(s->dbs), dst, (int)n) != NULL)
		return sh_err(ctx, "error: %s %s already exists", argv[n - 2], dst[n - 1]);
	if (db_render(src, DB_FMT_BRACES, 0, &text) < 0) {
		tula_buf_free(&text);
		return -ENOMEM;
	}
	rc = db_set(s->dbs, dst, (int)n, &d);
	if (rc == 0 && text.len > 0) {
		rc = db_load(s->dbs, DB_LOAD_MERGE, tula_buf_str(&text), dst, (int)n, &d);
		if (rc < 0) {
			struct db_diags d2 = DB_DIAGS_INIT;

			db_delete(s->dbs, dst, (int)n, &d2); /* all or nothing */
			db_diags_free(&d2);
		}
	}
	if (rc < 0)
		rc = edit_failed(ctx, rc, &d);
	tula_buf_free(&text);
	db_diags_free(&d);
	return rc;
}

static void rename_keyword(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	const char *const *w;
	size_t n = sh_match_words(m, "PATH", &w);

	(void)s;
	if (n >= 2)
		sh_cands_add(out, SH_CAND_NAME, w[n - 2], "The list keyword");
}

static int c_edit(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	const char *argv[ABS_MAX];
	size_t n;
	int rc;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	n = abs_path(s, m, "PATH", argv);
	if (n > SH_EDIT_MAX)
		return sh_err(ctx, "error: the level is too deep");
	rc = sh_session_push_level(s);
	return rc != 0 ? rc : sh_session_set_edit(s, argv, n);
}

static int c_up(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	uint64_t times = 1;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	sh_match_uint(m, "N", &times);
	if (s->nedit == 0)
		sh_puts(ctx, "Already at the top of the configuration\n");
	return sh_session_set_edit(s, (const char *const *)s->edit,
				   parent_level(s, (unsigned)times));
}

static int c_top(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);

	(void)m;
	(void)arg;
	return s == NULL ? -EINVAL : sh_session_set_edit(s, NULL, 0);
}

static int leave(struct sh_ctx *ctx, int yes, void *arg)
{
	struct sh_session *s = sh_ctx_session(ctx);

	(void)arg;
	if (!yes || s == NULL)
		return 0;
	sh_session_leave_conf(s);
	sh_puts(ctx, "Exiting configuration mode\n");
	return 0;
}

static int c_exit(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	int rc;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	/* as in Junos: back to the level before the last `edit` (or up one level after
	 * `up`/`top` moved), and out of configuration mode from the top */
	if (!sh_match_has(m, "configuration-mode") && s->nedit > 0) {
		rc = sh_session_pop_level(s);
		if (rc != -ENOENT)
			return rc;
		return sh_session_set_edit(s, (const char *const *)s->edit, parent_level(s, 1));
	}
	if (db_session_changed(s->dbs)) {
		rc = sh_ctx_ask(ctx,
				"The configuration has been changed but not committed\n"
				"Exit with uncommitted changes?",
				1, leave, NULL);
		if (rc != -ENOTSUP)
			return rc;
	}
	return leave(ctx, 1, NULL);
}

static int c_show(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	const char *argv[ABS_MAX];
	struct db_node *rev = NULL;
	const struct db_node *base = NULL;
	int rb = -1, rc;
	size_t n;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	n = abs_path(s, m, "PATH", argv);
	if (sh_ctx_compare(ctx, &rb)) {
		if (rb < 0) {
			base = db_active(sh_db());
		} else {
			rc = db_revision_load(sh_db(), (unsigned)rb, &rev, NULL);
			if (rc < 0)
				return sh_err(ctx,
					      "error: there is no revision %d (see run show system "
					      "commit)",
					      rb);
			base = rev;
		}
	}
	rc = sh_show_tree(ctx, db_candidate(s->dbs), base, argv, n);
	db_tree_free(rev);
	return rc;
}

static int status_one(void *arg, const struct db_session_info *i)
{
	struct sh_ctx *ctx = arg;
	const char *mode = i->mode == DB_MODE_PRIVATE	  ? " private"
			   : i->mode == DB_MODE_EXCLUSIVE ? " exclusive"
							  : "";

	sh_printf(ctx, "  %s %s%s%s%s [edit%s%s]\n", i->user, i->client_id, mode,
		  i->locked ? " (locked)" : "", i->changed ? " (changed)" : "",
		  i->where[0] ? " " : "", i->where);
	return 0;
}

static int c_status(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)m;
	(void)arg;
	sh_puts(ctx, "Users currently editing the configuration:\n");
	db_status(sh_db(), status_one, ctx);
	return 0;
}

static int c_commit(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	struct db_commit_opts o = {0};
	struct db_commit_result r = {0};
	struct db_diags d = DB_DIAGS_INIT;
	uint64_t min = 10;
	int rc;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	o.check = sh_match_has(m, "check");
	o.comment = sh_match_str(m, "TEXT");
	if (o.check &&
	    (sh_match_has(m, "confirmed") || o.comment != NULL || sh_match_has(m, "and-quit")))
		return sh_err(ctx, "error: commit check commits nothing: it takes no other option");
	if (sh_match_has(m, "confirmed")) {
		sh_match_uint(m, "MIN", &min);
		o.confirm_sec = (uint32_t)(min * 60);
	}
	rc = db_commit(s->dbs, &o, &r, &d);
	if (rc < 0) {
		if (d.n == 0)
			db_diag_add(&d, DB_DIAG_ERROR, "", -1, "%s",
				    rc == -EBUSY ? "the configuration is locked by another session"
						 : strerror(-rc));
		rc = sh_print_diags(ctx, &d,
				    o.check ? "error: configuration check-out failed"
					    : "error: commit failed");
		db_diags_free(&d);
		return rc;
	}
	sh_print_diags(ctx, &d, NULL);
	db_diags_free(&d);
	if (o.check) {
		sh_puts(ctx, "configuration check succeeds\n");
		return 0;
	}
	if (r.merged)
		sh_puts(ctx, "commits made since this private session started were merged in\n");
	if (o.confirm_sec > 0)
		sh_printf(ctx,
			  "commit confirmed will be automatically rolled back in %llu minutes "
			  "unless confirmed\n",
			  (unsigned long long)min);
	else if (r.confirmed)
		sh_puts(ctx, "the pending commit confirmed is now confirmed\n");
	sh_puts(ctx, "commit complete\n");
	if (sh_match_has(m, "and-quit"))
		return leave(ctx, 1, NULL);
	return 0;
}

static int c_rollback(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	uint64_t n = 0;
	int rc;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	sh_match_uint(m, "N", &n);
	rc = sh_match_has(m, "rescue") ? db_rollback_rescue(s->dbs, &d)
				       : db_rollback(s->dbs, (unsigned)n, &d);
	if (rc < 0)
		rc = edit_failed(ctx, rc, &d);
	else
		sh_puts(ctx, "load complete\n");
	db_diags_free(&d);
	return rc;
}

static enum db_load_mode load_mode(const struct sh_match *m)
{
	if (sh_match_has(m, "override"))
		return DB_LOAD_OVERRIDE;
	if (sh_match_has(m, "set"))
		return DB_LOAD_SET;
	return DB_LOAD_MERGE;
}

static int load_text(struct sh_ctx *ctx, const char *text, size_t len, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	char *copy;
	int rc;

	if (s == NULL)
		return -EINVAL;
	if (len == 1 && text[0] == '\x03')
		return sh_err(ctx, "error: load abandoned (^C)");
	copy = strndup(text, len);
	if (copy == NULL)
		return -ENOMEM;
	rc = db_load(s->dbs, (enum db_load_mode)(intptr_t)arg, copy, NULL, 0, &d);
	free(copy);
	if (rc < 0)
		rc = sh_print_diags(ctx, &d, "error: load failed; the candidate is unchanged");
	else
		sh_puts(ctx, "load complete\n");
	db_diags_free(&d);
	return rc;
}

/* What a client's errno means to the operator, for load and save. */
static const char *file_error(int status)
{
	static char msg[96];

	if (status == -E2BIG) {
		snprintf(msg, sizeof(msg), "larger than %u MiB, the most load and save handle",
			 SH_FILE_MAX >> 20);
		return msg;
	}
	if (status == -EPERM)
		return "this client does not open files (use tula cli)";
	return strerror(-status);
}

static int load_file_done(struct sh_ctx *ctx, const char *path, int status, const char *data,
			  size_t len, void *arg)
{
	if (status < 0)
		return sh_err(ctx, "error: cannot read %s: %s", path, file_error(status));
	return load_text(ctx, data, len, arg);
}

static int c_load(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	enum db_load_mode mode = load_mode(m);
	const char *file = sh_match_str(m, "FILE");
	int rc;

	(void)arg;
	if (conf_session(ctx) == NULL)
		return -EINVAL;
	if (file == NULL) {
		rc = sh_ctx_read_text(ctx, "[Type ^D at a new line to end input]", load_text,
				      (void *)(intptr_t)mode);
		return rc == -ENOTSUP ? sh_err(ctx, "error: this session cannot send text") : rc;
	}
	/* the client reads the file as its own user: the daemon never opens it */
	rc = sh_ctx_read_file(ctx, file, load_file_done, (void *)(intptr_t)mode);
	if (rc == -ENOTSUP)
		return sh_err(ctx,
			      "error: load %s: only a CLI client (tula cli, the console) "
			      "can read files; use load ... terminal",
			      file);
	return rc;
}

static int save_file_done(struct sh_ctx *ctx, const char *path, int status, const char *data,
			  size_t len, void *arg)
{
	(void)data;
	(void)len;
	if (status < 0)
		return sh_err(ctx, "error: cannot write %s: %s", path, file_error(status));
	sh_printf(ctx, "Wrote %zu lines of configuration to '%s'\n", (size_t)(uintptr_t)arg, path);
	return 0;
}

static int c_save(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	struct tula_buf out = TULA_BUF_INIT;
	struct db_diags d = DB_DIAGS_INIT;
	const char *file = sh_match_str(m, "FILE");
	size_t lines = 0, i;
	int rc;

	(void)arg;
	if (s == NULL)
		return -EINVAL;
	rc = db_show(db_candidate(s->dbs), (const char *const *)s->edit, (int)s->nedit,
		     DB_FMT_BRACES, 0, &out, &d);
	db_diags_free(&d);
	if (rc < 0 && rc != -ENOENT) {
		tula_buf_free(&out);
		return sh_err(ctx, "error: cannot render the configuration: %s", strerror(-rc));
	}
	for (i = 0; i < out.len; i++)
		lines += out.data[i] == '\n';
	/* the client writes the file as its own user: the daemon never opens it */
	rc = sh_ctx_write_file(ctx, file, out.data ? out.data : "", out.len, save_file_done,
			       (void *)(uintptr_t)lines);
	tula_buf_free(&out);
	if (rc == -ENOTSUP)
		return sh_err(ctx,
			      "error: save %s: only a CLI client (tula cli, the console) "
			      "can write files",
			      file);
	if (rc == -E2BIG)
		return sh_err(ctx, "error: cannot write %s: %s", file, file_error(rc));
	return rc;
}

static int c_update(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct sh_session *s = conf_session(ctx);
	struct db_diags d = DB_DIAGS_INIT;
	int rc;

	(void)m;
	(void)arg;
	if (s == NULL)
		return -EINVAL;
	if (db_session_mode(s->dbs) != DB_MODE_PRIVATE)
		return sh_err(ctx, "error: update applies to configure private sessions only");
	rc = db_update(s->dbs, &d);
	if (rc < 0)
		rc = sh_print_diags(ctx, &d, "error: update failed; resolve the conflicts above");
	else
		sh_puts(ctx, "the private candidate now includes the latest commits\n");
	db_diags_free(&d);
	return rc;
}

/* --- declarations ------------------------------------------------------------------- */

#define CP "Configuration path"

static const char *const h_set[] = {"Set a parameter", CP, NULL};
static const char *const h_delete[] = {"Delete a statement (and everything under it)", CP, NULL};
static const char *const h_edit[] = {"Edit a particular level of the configuration", CP, NULL};
static const char *const h_up[] = {"Go up one or more levels", "Number of levels", NULL};
static const char *const h_top[] = {"Go to the top of the configuration", NULL};
static const char *const h_exit[] = {
	"Back to the level before the last edit; at the top, leave configuration mode",
	"Leave configuration mode from any level", NULL};
static const char *const h_quit[] = {
	"Back to the level before the last edit; at the top, leave configuration mode",
	"Leave configuration mode from any level", NULL};
static const char *const h_show[] = {"Show the candidate configuration", CP, NULL};
static const char *const h_status[] = {"Show who is editing the configuration", NULL};
static const char *const h_run[] = {"Run an operational-mode command", "The command", NULL};
static const char *const h_activate[] = {"Remove the inactive tag from a statement", CP, NULL};
static const char *const h_deactivate[] = {"Make a statement inactive (kept, ignored at commit)",
					   CP, NULL};
static const char *const h_copy[] = {"Copy a list entry under a new name (everything it holds)",
				     CP,
				     "Name the copy",
				     "The same list keyword",
				     "Name of the copy",
				     NULL};
static const char *const h_rename[] = {"Rename a list entry", CP,
				       "Give the new name",   "The list keyword again",
				       "The new name",	      NULL};
static const char *const h_annotate[] = {"Attach a comment to a statement", CP,
					 "The comment (quoted)", NULL};
static const char *const h_commit[] = {"Commit the candidate (make it active)",
				       "Only check the candidate; commit nothing",
				       "Roll back automatically unless confirmed by another commit",
				       "Minutes before the automatic rollback (default 10)",
				       "Record a comment with the revision",
				       "The comment (quoted)",
				       "Commit, then leave configuration mode",
				       NULL};
static const char *const h_rollback[] = {
	"Load a committed revision into the candidate (nothing is committed)",
	"Revision number (0 is the active configuration)", "The rescue configuration", NULL};
static const char *const h_load[] = {"Load configuration text into the candidate",
				     "Merge the text into the candidate",
				     "Replace the candidate with the text",
				     "The text is set commands",
				     "Type or paste the text; ^D on a line of its own ends it",
				     "File name (on the Tula host)",
				     NULL};
static const char *const h_save[] = {"Save the candidate at this level to a file",
				     "File name (on the Tula host)", NULL};
static const char *const h_update[] = {"Bring the latest commits into a private candidate", NULL};

static const struct sh_arg a_set[] = {
	{.name = "PATH", .type = SH_ARG_PATH, .walker = &sh_db_walker, .walk_flags = SH_WALK_SET},
	{NULL}};
static const struct sh_arg a_any[] = {
	{.name = "PATH", .type = SH_ARG_PATH, .walker = &sh_db_walker}, {NULL}};
static const struct sh_arg a_edit[] = {
	{.name = "PATH", .type = SH_ARG_PATH, .walker = &sh_db_walker, .walk_flags = SH_WALK_EDIT},
	{NULL}};
static const struct sh_arg a_rename[] = {
	{.name = "PATH", .type = SH_ARG_PATH, .walker = &sh_db_walker, .walk_flags = SH_WALK_ENTRY},
	{.name = "KEYWORD", .display = "<keyword>", .names = rename_keyword},
	{.name = "NAME", .display = "<new-name>"},
	{NULL}};
static const struct sh_arg a_annotate[] = {
	{.name = "PATH", .type = SH_ARG_PATH, .walker = &sh_db_walker},
	{.name = "TEXT", .display = "<comment>"},
	{NULL}};
static const struct sh_arg a_up[] = {
	{.name = "N", .type = SH_ARG_UINT, .display = "<number>", .min = 1, .max = 64}, {NULL}};
static const struct sh_arg a_run[] = {
	{.name = "CMD", .type = SH_ARG_COMMAND, .sub_mode = SH_MODE_OPER}, {NULL}};
static const struct sh_arg a_commit[] = {
	{.name = "MIN", .type = SH_ARG_UINT, .display = "<minutes>", .min = 1, .max = 65535},
	{.name = "TEXT", .display = "<comment>"},
	{NULL}};
static const struct sh_arg a_rollback[] = {{.name = "N",
					    .type = SH_ARG_UINT,
					    .display = "<number>",
					    .min = 0,
					    .max = DB_ROLLBACK_MAX,
					    .names = sh_revision_names},
					   {NULL}};
static const struct sh_arg a_file[] = {{.name = "FILE", .display = "<filename>"}, {NULL}};

#define CONF_CMD(syn, h, a, fl, f, ar)                                        \
	{                                                                     \
		.syntax = syn, .help = h, .args = a, .modes = SH_MODE_CONF,   \
		.level = SH_LEVEL_SUPER_USER, .flags = fl, .fn = f, .arg = ar \
	}
#define NP SH_CMD_F_NO_PIPE

static const struct sh_cmd conf_cmds[] = {
	CONF_CMD("set PATH", h_set, a_set, NP, c_set, NULL),
	CONF_CMD("delete [PATH]", h_delete, a_any, NP, c_delete, NULL),
	CONF_CMD("edit PATH", h_edit, a_edit, NP, c_edit, NULL),
	CONF_CMD("up [N]", h_up, a_up, NP, c_up, NULL),
	CONF_CMD("top", h_top, NULL, NP, c_top, NULL),
	CONF_CMD("exit [configuration-mode]", h_exit, NULL, NP, c_exit, NULL),
	CONF_CMD("quit [configuration-mode]", h_quit, NULL, NP, c_exit, NULL),
	CONF_CMD("show [PATH]", h_show, a_any, SH_CMD_F_CONFIG, c_show, NULL),
	CONF_CMD("status", h_status, NULL, 0, c_status, NULL),
	CONF_CMD("run CMD", h_run, a_run, 0, NULL, NULL),
	CONF_CMD("activate PATH", h_activate, a_any, NP, c_activate, NULL),
	CONF_CMD("deactivate PATH", h_deactivate, a_any, NP, c_activate, (void *)1),
	CONF_CMD("rename PATH to KEYWORD NAME", h_rename, a_rename, NP, c_rename, NULL),
	CONF_CMD("copy PATH to KEYWORD NAME", h_copy, a_rename, NP, c_copy, NULL),
	CONF_CMD("annotate PATH TEXT", h_annotate, a_annotate, NP, c_annotate, NULL),
	CONF_CMD("commit [check] [confirmed [MIN]] [comment TEXT] [and-quit]", h_commit, a_commit,
		 0, c_commit, NULL),
	CONF_CMD("rollback [N | rescue]", h_rollback, a_rollback, NP, c_rollback, NULL),
	CONF_CMD("load (merge | override | set) (terminal | FILE)", h_load, a_file, NP, c_load,
		 NULL),
	CONF_CMD("save FILE", h_save, a_file, NP, c_save, NULL),
	CONF_CMD("update", h_update, NULL, NP, c_update, NULL),
};

#define NB_CONF (sizeof(conf_cmds) / sizeof(conf_cmds[0]))

int sh_conf_register(struct sh_engine *e)
{
	return sh_engine_add_all(e, conf_cmds, NB_CONF);
}

void sh_conf_unregister(struct sh_engine *e)
{
	sh_engine_remove_all(e, conf_cmds, NB_CONF);
}
