/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * db/ internals shared by its source files; nothing outside db/ includes this.
 *
 * Design
 *   - The schema (db_schema.c) is a static table of struct db_snode; parent
 *     links, child indexes and reference targets are filled once at first use.
 *   - A tree node keeps its children in one array sorted by (schema position,
 *     key), so lookups are binary searches and a sorted input (every text we
 *     render ourselves) is built by appending. Values are kept as canonical
 *     text; typed getters parse on demand.
 *   - Every edit first resolves the whole path against the schema (struct
 *     rpath) and only then touches the tree, so a failed edit changes nothing.
 *   - The store (db_store.c) keeps configurations as braces text: what an
 *     operator would read, diffable, and the same code path as `load`.
 */
#ifndef DB_INT_H
#define DB_INT_H

#include <stdint.h>
#include <sqlite3.h>

#include "db/db.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct db_vctx; /* validation context, db_validate.c */

struct db_enum {
	const char *value;
	const char *help;
};

struct db_snode {
	/* declared in db_schema.c */
	const char *name;
	enum db_snode_kind kind;
	enum db_type type;
	uint32_t flags;
	const char *help;
	const char *value_name;
	const char *value_help;
	const char *dflt;
	uint64_t min, max;
	const struct db_enum *enums;
	size_t nenums;
	const char *ref_path; /* DB_TYPE_REF: keyword path of the target list */
	enum db_completion completion;
	struct db_snode *const *children;
	size_t nchildren;
	/* semantic checks run at commit for every instance (db_validate.c) */
	void (*validate)(struct db_vctx *v, const struct db_node *n);
	/* filled by schema_init() */
	const struct db_snode *parent;
	const struct db_snode *ref;
	uint32_t index; /* position among the parent's children */
};

struct db_node {
	const struct db_snode *sn;
	struct db_node *parent;
	struct db_node **kids; /* sorted by (sn->index, key) */
	uint32_t nkids;
	uint32_t cap;
	char *key;	  /* list entries */
	char *value;	  /* leaves with a value */
	char *annotation; /* NULL = none */
	uint8_t inactive;
	/* probable position in parent->kids (a cache for db_node_next, checked
	 * before use, so edits need not maintain it) */
	uint32_t hint;
};

/* --- schema helpers ---------------------------------------------------------- */

/* Type-aware key order (names naturally, addresses numerically). */
int db_key_cmp(const struct db_snode *list, const char *a, const char *b);

/* Whether a value must be quoted in text; and appending it, quoted if so. */
int db_needs_quotes(const char *s);
void db_put_word(struct tula_buf *b, const char *s);
void db_put_quoted(struct tula_buf *b, const char *s);
/* A leaf value as text shows it: STRING values always quoted. */
void db_put_value(struct tula_buf *b, const struct db_snode *sn, const char *s);

/* --- resolved paths ------------------------------------------------------------ */

struct db_rstep {
	const struct db_snode *sn;
	char *arg; /* list key or leaf value (canonical), NULL when absent */
	int tok;   /* index of the keyword token */
};

struct db_rpath {
	struct db_rstep *v;
	int n;
	int cap;
	/* what the path ends with */
	int ends_list_kw; /* last step is a list keyword without key */
	int ends_leaf_kw; /* last step is a leaf (non-flag) keyword without value */
};

/* Resolution modes: what an incomplete end is allowed to be. */
#define RP_ALLOW_CONTAINER 0x1u /* may end at a container */
#define RP_ALLOW_LIST_KW   0x2u /* may end at a list keyword without key */
#define RP_ALLOW_LEAF_KW   0x4u /* may end at a leaf keyword without value */
#define RP_ALLOW_ROOT	   0x8u /* may be empty */

int db_rpath_resolve(struct db_rpath *rp, const char *const *argv, int argc, unsigned allow,
		     struct db_diags *d, int tok_base);
void db_rpath_free(struct db_rpath *rp);
/* The set-style text of argv[0..n) for diagnostics. */
char *db_path_text(const char *const *argv, int n);

/* --- tree internals -------------------------------------------------------------- */

struct db_node *db_node_new(const struct db_snode *sn, const char *key, const char *value);
void db_node_free(struct db_node *n);
/* Find the child of n for schema sn with key (NULL for non-entries); *pos gets
 * the insertion position when absent. */
struct db_node *db_node_child_find(const struct db_node *n, const struct db_snode *sn,
				   const char *key, uint32_t *pos);
int db_node_insert(struct db_node *parent, struct db_node *child, uint32_t pos);
void db_node_detach(struct db_node *child);
/* Walk/create along a resolved path; returns the last node, NULL on ENOMEM. */
struct db_node *db_node_make(struct db_node *root, const struct db_rpath *rp);
/* The node a resolved path names (NULL when absent); for paths ending at a list
 * keyword, the parent holding the list. */
struct db_node *db_node_at(const struct db_node *root, const struct db_rpath *rp);
/* Remove empty containers below n (recursively). */
void db_node_prune_all(struct db_node *n);
/* Remove empty containers from n upwards (not the root, not entries). */
void db_node_prune_up(struct db_node *n);
/* Move b's contents into a (a's old contents are freed); b is freed. */
void db_node_take(struct db_node *a, struct db_node *b);
/* Deep copy; effective = skip inactive and drop annotations. */
struct db_node *db_node_copy(const struct db_node *n, struct db_node *parent, int effective);
/* The path of n as tokens appended to argv (keys included). Returns count. */
int db_node_path_tokens(const struct db_node *n, const char **argv, int max);
/* The leaf child named kw of n, or NULL. */
const struct db_node *db_node_leaf(const struct db_node *n, const char *kw);

/* One `display set` line already split (tok[0] is the command). */
int db_tree_exec_argv(struct db_node *root, char **tok, int n, struct db_diags *d);

/* --- text ---------------------------------------------------------------- */

/* Split with positions: offsets[i] = byte offset of token i in line. */
int db_split_pos(const char *line, char ***argv, int **offsets);
/* Render the path of n (set style) into b. */
void db_put_path(struct tula_buf *b, const struct db_node *n);
/* Render one statement (node and its subtree) in braces at indent, every line
 * prefixed with sign (NULL = none; compare uses "+"/"-"). */
void db_render_stmt(struct tula_buf *b, const struct db_node *n, int indent, const char *sign,
		    unsigned flags);
/* Internal render flag: leave annotations out (compare prints them itself). */
#define DB_RENDER_NO_ANNOTATION 0x100u

/* Render the `kw key` header of n (keyword, key for entries). */
void db_put_head(struct tula_buf *b, const struct db_node *n);

/* --- validation ---------------------------------------------------------------- */

/* Schema and semantic commit rules on an effective tree; errors/warnings
 * appended to d. Returns the number of errors added. */
int db_validate(const struct db_node *root, struct db_diags *d);

/* semantic validators referenced from the schema table */
void db_v_vip(struct db_vctx *v, const struct db_node *n);
void db_v_backend(struct db_vctx *v, const struct db_node *n);
void db_v_health(struct db_vctx *v, const struct db_node *n);
void db_v_interface(struct db_vctx *v, const struct db_node *n);
void db_v_route(struct db_vctx *v, const struct db_node *n);

/* --- merge (private sessions) ------------------------------------------------------ */

/* Three-way merge: result = theirs + (mine - base). Conflicts are reported as
 * errors in d ("conflict: changed in this session and by <why>"). Returns a new tree, or NULL (errno EAGAIN for conflicts, ENOMEM). */
struct db_node *db_merge3(const struct db_node *base, const struct db_node *mine,
			  const struct db_node *theirs, const char *why, struct db_diags *d);

/* --- store (db_store.c) -------------------------------------------------------------- */

struct db_store {
	sqlite3 *sql;
	char *path;
};

#define DB_STORE_VERSION 1

struct db_store_rev {
	uint64_t id;
	int64_t time;
	char *user;
	char *client; /* "cli" | "lua" | "auto" */
	char *client_id;
	char *comment;
	char *text;
};

/*
 * Open (creating if absent), check integrity, switch to WAL, migrate. Returns 0;
 * -EBADMSG when the file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB, integrity_check
 * not ok); -EPROTO when its schema is newer than this code; else -EROFS, -EACCES,
 * -EBUSY, -ENOSPC, -ENOMEM, -EIO. reason says what in one line. A refused file is
 * closed without being written.
 */
int db_store_open(struct db_store *st, const char *path, char *reason, size_t rsize);
void db_store_close(struct db_store *st);
int db_store_begin(struct db_store *st);
int db_store_commit(struct db_store *st);
void db_store_rollback(struct db_store *st);
/* revisions */
int db_store_rev_add(struct db_store *st, const struct db_store_rev *r, uint64_t *id);
int db_store_rev_get(struct db_store *st, unsigned index, struct db_store_rev *r);
int db_store_rev_by_id(struct db_store *st, uint64_t id, struct db_store_rev *r);
int db_store_rev_count(struct db_store *st, unsigned *count);
int db_store_rev_trim(struct db_store *st, unsigned keep, uint64_t protect_id);
int db_store_rev_walk(struct db_store *st,
		      int (*fn)(void *arg, unsigned index, const struct db_store_rev *r),
		      void *arg);
void db_store_rev_clear(struct db_store_rev *r);
/* candidates: owner "shared" or "private:<session id>"; text NULL = same as
 * the base revision */
int db_store_cand_put(struct db_store *st, const char *owner, uint64_t base_id, const char *text);
int db_store_cand_get(struct db_store *st, const char *owner, uint64_t *base_id, char **text);
int db_store_cand_del(struct db_store *st, const char *owner);
/* sessions and the lock (for `status`; stale after a restart) */
int db_store_session_put(struct db_store *st, uint32_t id, const char *user, const char *client,
			 const char *client_id, const char *mode, int64_t since, int locked);
int db_store_session_del(struct db_store *st, uint32_t id);
int db_store_clear_stale(struct db_store *st);
/* pending confirm */
struct db_store_confirm {
	uint64_t id, restore_id;
	int64_t deadline;
	char *user;
};
int db_store_confirm_put(struct db_store *st, const struct db_store_confirm *c);
int db_store_confirm_get(struct db_store *st, struct db_store_confirm *c); /* -ENOENT */
int db_store_confirm_del(struct db_store *st);
/* rescue */
int db_store_rescue_put(struct db_store *st, const char *text);
int db_store_rescue_get(struct db_store *st, char **text);
int db_store_rescue_del(struct db_store *st);
/* meta */
int db_store_meta_get_u64(struct db_store *st, const char *key, uint64_t *v);
int db_store_meta_put_u64(struct db_store *st, const char *key, uint64_t v);

const char *db_client_name(enum db_client c);
enum db_client db_client_parse(const char *s);
const char *db_mode_name(enum db_mode m);

/* --- the database ---------------------------------------------------------------- */

struct db_hook_reg {
	const struct db_hook *h;
	void *arg;
	int prepared;
};

struct db_session {
	struct db *db;
	struct db_session *next;
	uint32_t id;
	char *user;
	enum db_client client;
	char *client_id;
	enum db_mode mode;
	int64_t since;
	char *where;
	int locked;
	int touched; /* edited the shared candidate since its last commit */
	/* private mode */
	struct db_node *priv;
	struct db_node *priv_base; /* the active configuration it was copied from */
	uint64_t priv_base_id;
	int dirty; /* private candidate not yet written to the store */
};

struct db {
	struct db_store st;
	/* active and effective are one tree when the committed candidate had no
	 * inactive statements, annotations or transient changes (saves a copy of
	 * a large configuration per commit); db_set_trees() frees accordingly */
	int lock_fd; /* flock on PATH.lock: one Tula per database */
	char *rescue_file;
	struct db_node *active;	   /* revision 0 as committed */
	struct db_node *effective; /* what the hooks last applied */
	uint64_t active_id;
	struct db_node *shared; /* the shared candidate */
	int shared_dirty;
	struct db_session *sessions; /* newest first */
	uint32_t next_session;
	struct db_session *lock_owner;
	struct db_hook_reg *hooks;
	size_t nhooks;
	int in_commit;
	struct tula_loop *loop;
	struct tula_timer *confirm_timer;
	/* strings handed out by the info functions, valid until the next call */
	struct db_store_rev scratch_rev;
	char *scratch_user;
};

int db_commit_tree(struct db *db, const struct db_node *cand, enum db_commit_kind kind,
		   const char *user, enum db_client client, const char *client_id,
		   const char *comment, uint32_t confirm_sec, struct db_session *s,
		   struct db_commit_result *r, struct db_diags *d);
void db_confirm_rearm(struct db *db);
/* Install new active/effective trees (may be the same), freeing the old ones. */
void db_set_trees(struct db *db, struct db_node *active, struct db_node *effective);
int db_shared_sync(struct db *db);

#endif
