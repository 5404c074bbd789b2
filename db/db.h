/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration database: configuration trees, their text forms, the SQLite
 * store of candidates and committed revisions, configuration sessions, and the
 * Junos-style commit model (validate -> prepare -> apply | abort, commit
 * confirmed, rollback, rescue). The shell, the Lua bindings and the firmware
 * use only this header and db/db_schema.h.
 *
 * Threading: one thread — the control thread that runs the tula_loop — owns a
 * struct db, its sessions and every tree obtained from it. Nothing here locks.
 *
 * Errors are values (README, "Design", rule 6): functions return 0 or -errno,
 * pointers or NULL; the operator's reasons (what and where) come back in a
 * struct db_diags the caller renders. Every diagnostic names the path of the
 * statement, and for text input the line and token.
 *
 * Ownership: a tree returned by a db_tree_* constructor or by
 * db_revision_load()/db_rescue_load() belongs to the caller (db_tree_free).
 * Trees returned by db_candidate()/db_active()/db_active_effective() belong to
 * the database: read-only, valid until the next call that edits that candidate
 * or commits (see each function).
 *
 * Levels: the `[edit ...]` level of configuration mode is the shell's business.
 * Every path given to this API is absolute (the shell prepends its level); the
 * shell reports its level with db_session_set_where() so `status` can show it.
 */
#ifndef DB_DB_H
#define DB_DB_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "common/tula_buf.h"
#include "db/db_schema.h"

/*
 * `system commit history`: the most committed revisions the schema lets an operator keep
 * (also the default). Every bound on a revision index derives from it: `rollback N`,
 * `show system rollback N`, `| compare rollback N` and Lua's cfg:rollback(N) accept
 * 0..DB_ROLLBACK_MAX.
 */
#define DB_HISTORY_MAX	50
#define DB_ROLLBACK_MAX (DB_HISTORY_MAX - 1)

struct db;	   /* an open database; one per daemon */
struct db_session; /* a configuration session (configure / private / exclusive) */
struct db_node;	   /* a node of a configuration tree; a tree is its root node */
struct db_commit;  /* a commit in progress, handed to commit hooks */
struct tula_loop;

/* ========================================================================== */
/* Diagnostics                                                                 */
/* ========================================================================== */

enum db_diag_level {
	DB_DIAG_ERROR = 1,
	DB_DIAG_WARNING,
};

struct db_diag {
	enum db_diag_level level;
	char *path;    /* set-style path of the statement ("services dsr vip web port"),
			  "" for the top, never NULL */
	char *message; /* the reason, e.g. "expected an integer 1..65535" */
	int line;      /* 1-based line of loaded text, 0 when not from text */
	int column;    /* 1-based column of the token in that line, 0 when unknown */
	int token;     /* 0-based index of the offending token in the argv given (or
			  in the line), -1 when no single token is at fault */
};

/* A growable list of diagnostics. Zero-initialise (DB_DIAGS_INIT); every
 * function taking one appends (it never clears); release with db_diags_free. */
struct db_diags {
	struct db_diag *v;
	size_t n;
	size_t cap;
	size_t errors; /* how many of v are DB_DIAG_ERROR */
};
#define DB_DIAGS_INIT         \
	{                     \
		NULL, 0, 0, 0 \
	}

void db_diags_free(struct db_diags *d);
void db_diags_clear(struct db_diags *d); /* n = 0, keep the memory */
/* Append one (printf-style message). Returns -EINVAL for errors, 0 for
 * warnings (handy as `return db_diag_add(...)`); -ENOMEM if out of memory. */
int db_diag_add(struct db_diags *d, enum db_diag_level level, const char *path, int token,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* ========================================================================== */
/* Trees: reading                                                              */
/* ========================================================================== */

/*
 * A node is the root, a container, a list entry or a leaf. Children are kept in
 * schema order; a list's entries are kept sorted by key (addresses and prefixes
 * numerically, names in natural order: be2 < be10), so every rendering of the
 * same tree is byte-identical.
 */
const struct db_snode *db_node_snode(const struct db_node *n);
const char *db_node_keyword(const struct db_node *n);	       /* "" for the root */
const char *db_node_key(const struct db_node *n);	       /* list entries; else NULL */
const char *db_node_value(const struct db_node *n);	       /* leaves with a value; else NULL */
int db_node_inactive(const struct db_node *n);		       /* 1 when marked inactive */
const char *db_node_annotation(const struct db_node *n);       /* comment text or NULL */
const struct db_node *db_node_parent(const struct db_node *n); /* NULL for root */

/* All children in order; i >= count gives NULL. */
size_t db_node_child_count(const struct db_node *n);
const struct db_node *db_node_child_at(const struct db_node *n, size_t i);

/*
 * Children by keyword:
 *   db_node_first  the first child named kw: the first entry of list kw, or the
 *                  leaf/container kw; NULL when absent
 *   db_node_next   the next entry of the same list; NULL after the last (and
 *                  for non-entries)
 *   db_node_find   the entry of list kw with key (or, key == NULL, the child kw)
 *   db_node_count  entries of list kw (0 or 1 for other kinds)
 * Example: for (v = db_node_first(dsr, "vip"); v; v = db_node_next(v)) ...
 */
const struct db_node *db_node_first(const struct db_node *n, const char *kw);
const struct db_node *db_node_next(const struct db_node *n);
const struct db_node *db_node_find(const struct db_node *n, const char *kw, const char *key);
size_t db_node_count(const struct db_node *n, const char *kw);

/*
 * The node at an absolute path (tokens as for `set`; a leaf may be named with or
 * without its value; with a value, it must match). NULL with errno = ENOENT when
 * the statement does not exist, EINVAL when the path is not valid for the schema.
 * db_node_get splits a string path on blanks, honouring "quotes".
 */
const struct db_node *db_node_lookup(const struct db_node *root, const char *const *argv, int argc);
const struct db_node *db_node_get(const struct db_node *from, const char *path);

/* Set-style path of n ("services dsr vip web backend be1 weight", keys
 * included, quoted when needed) into buf; returns the length needed. */
size_t db_node_path(const struct db_node *n, char *buf, size_t size);

/*
 * Typed leaf getters: parent is a container or list entry, leaf the child's
 * keyword. When the leaf is not set the schema default is used.
 *   db_get_str     value (or default) or NULL when neither exists
 *   db_get_uint    DB_TYPE_UINT/PORT; 0, -ENOENT (unset, no default), -EINVAL
 *   db_get_port    DB_TYPE_PORT; *port = 0 means "*" (all ports)
 *   db_get_ipv4    an IPv4 address (DB_TYPE_IPV4, or an IPv4 value of DB_TYPE_IP or
 *                  a plain address in IP_OR_NETWORK); network byte order;
 *                  -EAFNOSUPPORT when the value is an IPv6 address
 *   db_get_prefix  an IPv4 DB_TYPE_PREFIX/NETWORK (a plain address gives len 32);
 *                  -EAFNOSUPPORT for an IPv6 value
 *   db_get_addr    an address of either family (DB_TYPE_IP, IPV4, or a plain
 *                  address in IP_OR_NETWORK)
 *   db_get_addr_prefix  either family; a plain address gives len 32 or 128
 *   db_get_flag    1 when a flag leaf is present, else 0
 */
const char *db_get_str(const struct db_node *parent, const char *leaf);
int db_get_uint(const struct db_node *parent, const char *leaf, uint32_t *out);
int db_get_port(const struct db_node *parent, const char *leaf, uint16_t *port);
int db_get_ipv4(const struct db_node *parent, const char *leaf, struct in_addr *out);
int db_get_prefix(const struct db_node *parent, const char *leaf, struct in_addr *addr,
		  uint8_t *len);
int db_get_addr(const struct db_node *parent, const char *leaf, struct db_addr *out);
int db_get_addr_prefix(const struct db_node *parent, const char *leaf, struct db_addr *addr,
		       uint8_t *len);
int db_get_flag(const struct db_node *parent, const char *leaf);

/*
 * The prefix a node itself holds: a leaf's value, or a list / leaf-list entry's key
 * (`interfaces NAME address 10.0.1.10/24`, `route 10.0.2.0/24`); a plain address gives
 * len 32. Network byte order. 0, -ENOENT (no text), -EAFNOSUPPORT (an IPv6 prefix),
 * -EINVAL (not a prefix: the schema refuses such trees, so only a caller reading the
 * wrong node sees it).
 */
int db_node_prefix(const struct db_node *n, struct in_addr *addr, uint8_t *len);
/* The same for either family (-EAFNOSUPPORT above is for IPv6 prefixes, which this
 * returns). A plain address gives len 32 or 128. */
int db_node_addr_prefix(const struct db_node *n, struct db_addr *addr, uint8_t *len);

/* 1 when two trees hold the same statements, values, inactive marks and
 * annotations; else 0. */
int db_tree_equal(const struct db_node *a, const struct db_node *b);

/* ========================================================================== */
/* Trees: building, editing, text                                              */
/* ========================================================================== */

/* An empty tree, a deep copy, or the effective copy (inactive statements
 * removed, annotations dropped). NULL with errno = ENOMEM. */
struct db_node *db_tree_new(void);
struct db_node *db_tree_dup(const struct db_node *root);
struct db_node *db_tree_effective(const struct db_node *root);
void db_tree_free(struct db_node *root); /* NULL is ignored */

/*
 * Edits on a standalone tree (the session functions below add locking and
 * bookkeeping around the same operations). argv is an absolute path.
 *   db_tree_set       create what the path names; a leaf's value replaces the old
 *                     one (its inactive mark and annotation stay). A path must
 *                     end with a leaf value, a flag or a list entry.
 *   db_tree_delete    remove the statement (with its subtree); naming a list
 *                     keyword removes every entry. Empty containers left behind
 *                     are removed.
 *   db_tree_activate  active = 0 marks the statement inactive (`deactivate`),
 *                     1 clears the mark (`activate`)
 *   db_tree_annotate  attach a comment (NULL or "" removes it; blanks at either end
 *                     are dropped, as the braces form drops them); the text may not
 *                     contain "*" "/" in sequence
 *   db_tree_rename    give list entry argv a new key (`rename ... to vip NEW`)
 * Return 0; -EINVAL (bad path/value; a diagnostic names the token), -ENOENT
 * (statement not found), -EEXIST (rename target exists), -ENOMEM.
 * On error the tree is unchanged.
 */
int db_tree_set(struct db_node *root, const char *const *argv, int argc, struct db_diags *d);
int db_tree_delete(struct db_node *root, const char *const *argv, int argc, struct db_diags *d);
int db_tree_activate(struct db_node *root, const char *const *argv, int argc, int active,
		     struct db_diags *d);
int db_tree_annotate(struct db_node *root, const char *const *argv, int argc, const char *text,
		     struct db_diags *d);
int db_tree_rename(struct db_node *root, const char *const *argv, int argc, const char *new_key,
		   struct db_diags *d);

/*
 * One command line in `display set` form applied to root:
 *   set PATH | delete PATH | activate PATH | deactivate PATH |
 *   annotate PATH "TEXT" | rename PATH to KEYWORD KEY
 * Same returns as the edits; the diagnostic's token indexes the line's tokens.
 */
int db_tree_exec(struct db_node *root, const char *line, struct db_diags *d);

/*
 * Load configuration text into root.
 *   DB_LOAD_MERGE     braces text merged in (leaves replaced, entries added)
 *   DB_LOAD_OVERRIDE  braces text replaces the whole tree (or the subtree at)
 *   DB_LOAD_SET       lines as for db_tree_exec, one per line ('#' comments and
 *                     blank lines skipped)
 * at/nat: absolute path the text is relative to (Junos `load ... relative`);
 * nat = 0 for the top. Braces text may contain `inactive:`, annotations as
 * C comments (attached to the next statement) and `#` comments.
 * All or nothing: returns 0, or -EINVAL with diagnostics carrying line, column
 * and token, leaving root unchanged.
 */
enum db_load_mode {
	DB_LOAD_MERGE = 1,
	DB_LOAD_OVERRIDE,
	DB_LOAD_SET,
};
int db_tree_load(struct db_node *root, enum db_load_mode mode, const char *text,
		 const char *const *at, int nat, struct db_diags *d);

/* Parse braces text into a new tree (NULL and diagnostics on error). */
struct db_node *db_tree_parse(const char *text, struct db_diags *d);

/*
 * Render a tree or a subtree:
 *   DB_FMT_BRACES  Junos `show`: 4-space indents, `inactive:` prefixes,
 *                  annotations as C comment lines before the statement; for a
 *                  container or entry its contents, for a leaf its statement
 *   DB_FMT_SET     `| display set`: one absolute `set` line per leaf, flag and
 *                  empty entry, then `deactivate PATH` for inactive statements
 *                  and `annotate PATH "TEXT"` for annotations (so the text
 *                  loads back with DB_LOAD_SET losing nothing)
 *   DB_FMT_JSON    `| display json`: {"system": {"host-name": "lb1", ...}};
 *                  lists are arrays of objects whose "name" is the key; uints
 *                  are numbers; flags are [null]; attributes as Junos does:
 *                  "@": {"inactive": true, "comment": "..."} on an object,
 *                  "@kw": {...} next to a leaf
 * flags: DB_RENDER_EFFECTIVE leaves inactive statements (and annotations) out.
 * Output is appended to out. Returns 0 or -ENOMEM.
 */
enum db_format {
	DB_FMT_BRACES = 1,
	DB_FMT_SET,
	DB_FMT_JSON,
};
#define DB_RENDER_EFFECTIVE 0x1u
int db_render(const struct db_node *n, enum db_format fmt, unsigned flags, struct tula_buf *out);

/*
 * `show [PATH]`: render what the absolute path names in root. A path ending at
 * a list keyword shows every entry (`show services dsr vip`). A path naming
 * nothing renders nothing and returns -ENOENT (Junos prints nothing either);
 * an invalid path gives -EINVAL with a diagnostic.
 */
int db_show(const struct db_node *root, const char *const *argv, int argc, enum db_format fmt,
	    unsigned flags, struct tula_buf *out, struct db_diags *d);

/*
 * `| compare` in Junos format: for each place that differs, a banner
 * `[edit services dsr vip web]` then `-`/`+` lines at the statements' own
 * indentation (whole subtrees for added or removed entries), `!` lines for
 * activation changes. argv/argc limits the comparison to a subtree (0 = all).
 * Appends to out; returns the number of banners written (0 = no differences)
 * or -ENOMEM.
 */
int db_compare(const struct db_node *old_root, const struct db_node *new_root,
	       const char *const *argv, int argc, struct tula_buf *out);

/*
 * Split a command line into tokens: blanks separate, "double quotes" group
 * (with \" and \\ escapes), the quotes themselves are removed. *argv is one
 * allocation (free() it); returns the token count, or -EINVAL for an unclosed
 * quote, -ENOMEM.
 */
int db_split(const char *line, char ***argv);

/* ========================================================================== */
/* The database                                                                */
/* ========================================================================== */

struct db_open_opts {
	const char *path;	 /* database file; created when missing */
	const char *seed_text;	 /* braces text for revision 1 of a NEW database;
				    NULL = factory default */
	const char *seed_user;	 /* user recorded for revision 1 (NULL = "tula") */
	const char *rescue_file; /* copy of the rescue configuration kept outside the
				    database; NULL = PATH ".rescue" */
};

enum db_open_source {
	DB_OPENED = 1,	 /* the existing database, integrity_check ok */
	DB_CREATED,	 /* a new database, seeded with seed_text or the factory
			     default */
	DB_FROM_RESCUE,	 /* the database was damaged: moved aside, a new one started
			     from the rescue configuration */
	DB_FROM_FACTORY, /* damaged and no rescue: factory default */
};

struct db_open_report {
	enum db_open_source source;
	char reason[256];    /* DB_FROM_*: what the damage was; on failure: why the
				database was refused, in one line */
	char moved_to[4096]; /* where the damaged file was moved ("" if not moved) */
	int stale_sessions;  /* sessions/locks/private candidates left by a previous
				run and discarded */
	int seed_errors;     /* seed_text did not parse: the factory default was used
				(reason says why) */
};

/*
 * Open (or create) the database. The database is never replaced behind the
 * operator's back:
 *   - a damaged file (SQLite: corrupt or not a database; `PRAGMA integrity_check`
 *     not ok) is moved aside with its -wal/-shm as PATH.damaged-YYYYmmddTHHMMSS —
 *     renamed, never deleted — and a new database is started from the rescue
 *     configuration (rescue_file) or the factory default; rep->source says which,
 *     rep->reason what the damage was, and the daemon must say so loudly;
 *   - anything else is refused with rep->reason in one line and the files left as
 *     they were: a schema version newer than this Tula (-EPROTO), a read-only
 *     database, -wal or -shm file or an unwritable directory (-EROFS, -EACCES: as
 *     root, a file whose owner lacks write permission counts as read-only), a
 *     revision that does not parse (-EINVAL), another process holding the database
 *     (-EBUSY, an advisory lock on PATH.lock), a damaged file that cannot be moved
 *     aside, a full disk or an I/O error.
 * A new database file is created 0600 (SQLite gives its -wal/-shm the same mode).
 * The active configuration is loaded but NOT yet applied: register the commit
 * hooks, then db_activate(). Returns 0 with *out set, or -errno. rep may be NULL.
 */
int db_open(const struct db_open_opts *o, struct db **out, struct db_open_report *rep);

/* Close sessions still open, disarm the timer, close SQLite. NULL is ignored.
 * Does not run any hook. */
void db_close(struct db *db);

/*
 * Run the commit phases for the active configuration as it is (start-up): the
 * hooks see old = an empty tree and new = the active effective tree. Nothing is
 * recorded. Returns 0, or -EINVAL with diagnostics when validate/prepare fail
 * (the daemon then reports them; the configuration stays as stored).
 */
int db_activate(struct db *db, struct db_diags *d);

/*
 * Arm the commit-confirmed deadline on the daemon's loop. A pending deadline
 * already past (e.g. Tula was down) reverts on the loop's first turn. The revert
 * runs the commit hooks like any commit and is recorded as a new revision by
 * client "auto" with a comment saying why. Returns 0 or -errno. loop must
 * outlive db (or call db_close first).
 */
int db_attach_loop(struct db *db, struct tula_loop *loop);

/*
 * Revert now if a pending confirmed commit's deadline has passed (the timer
 * calls this; tools and tests without a loop may too). Returns 1 when it
 * reverted, 0 when nothing was due, or -errno with diagnostics (the pending
 * state is kept and retried a minute later).
 */
int db_confirm_poll(struct db *db, struct db_diags *d);

/* The active configuration as committed (inactive statements included) and
 * its effective form (what the hooks last applied). Valid until the next
 * commit. */
const struct db_node *db_active(const struct db *db);
const struct db_node *db_active_effective(const struct db *db);
uint64_t db_active_id(const struct db *db); /* stable id of revision 0 */

/* `system login user NAME class CLASS` of the active configuration, or NULL
 * when the user is not configured. */
const char *db_user_class(const struct db *db, const char *user);

/* ========================================================================== */
/* Sessions                                                                    */
/* ========================================================================== */

enum db_client {
	DB_CLIENT_CLI = 1,
	DB_CLIENT_LUA,
	DB_CLIENT_AUTO, /* Tula itself: automatic reverts */
};

enum db_mode {
	DB_MODE_SHARED = 1, /* `configure`: the one shared candidate */
	DB_MODE_EXCLUSIVE,  /* `configure exclusive`: shared candidate + the lock */
	DB_MODE_PRIVATE,    /* `configure private`: an own copy of the active config */
};

/*
 * Enter configuration mode.
 *   user       login name ("alice"); client_id says where from ("console",
 *              "pid 1234 tty pts/3", "lua drain.lua"); both copied
 * Rules (as Junos):
 *   - exclusive: refused (-EBUSY) while another session holds the lock or
 *     another live shared session has uncommitted changes in the shared
 *     candidate;
 *   - private: refused (-EBUSY) while another session holds the lock or the
 *     shared candidate has uncommitted changes;
 *   - shared: always allowed; while another session holds the lock its edits
 *     and commits fail with -EBUSY.
 * Returns 0 with *out, -EBUSY (a diagnostic says who holds what since when),
 * -EINVAL, -ENOMEM, -EIO (store).
 */
int db_session_open(struct db *db, const char *user, enum db_client client, const char *client_id,
		    enum db_mode mode, struct db_session **out, struct db_diags *d);

/*
 * Leave configuration mode: releases the lock; discards a private candidate;
 * in exclusive mode uncommitted changes are discarded (the shared candidate
 * returns to the active configuration, as Junos does); in shared mode they stay
 * for the next user. Ask first with db_session_changed(). NULL is ignored.
 */
void db_session_close(struct db_session *s);

enum db_mode db_session_mode(const struct db_session *s);
const char *db_session_user(const struct db_session *s);

/* What `status` shows next to this session: the shell's edit level, e.g.
 * "services dsr" (NULL or "" = top). Copied. */
void db_session_set_where(struct db_session *s, const char *where);

/*
 * Edits of the session's candidate; paths are absolute (see db_tree_set etc. for
 * the semantics and returns). In addition: -EBUSY when another session holds the
 * exclusive lock. Edits change memory at once; the candidate reaches SQLite at
 * db_session_sync(), commit and close.
 */
int db_set(struct db_session *s, const char *const *argv, int argc, struct db_diags *d);
int db_delete(struct db_session *s, const char *const *argv, int argc, struct db_diags *d);
int db_activate_path(struct db_session *s, const char *const *argv, int argc, int active,
		     struct db_diags *d);
int db_annotate(struct db_session *s, const char *const *argv, int argc, const char *text,
		struct db_diags *d);
int db_rename(struct db_session *s, const char *const *argv, int argc, const char *new_key,
	      struct db_diags *d);
int db_exec(struct db_session *s, const char *line, struct db_diags *d);
int db_load(struct db_session *s, enum db_load_mode mode, const char *text, const char *const *at,
	    int nat, struct db_diags *d);

/* Write the candidate to the store now (the shell calls it after each command
 * line so a crash loses no edit). 0 or -EIO. */
int db_session_sync(struct db_session *s);

/* The session's candidate (shared or private), read-only; valid until the next
 * edit, commit, rollback, update or close by any session sharing it. */
const struct db_node *db_candidate(const struct db_session *s);

/* 1 when the candidate differs from the configuration it was based on (shared:
 * the active configuration; private: the copy it started from or was last
 * updated to) — what `exit` asks about. */
int db_session_changed(const struct db_session *s);

/*
 * `rollback N` (0 = active, up to history-1) and `rollback rescue`: replace the
 * candidate with that revision; nothing is committed. 0, -ENOENT (no such
 * revision / no rescue configuration; diagnostic), -EBUSY, -EIO.
 */
int db_rollback(struct db_session *s, unsigned index, struct db_diags *d);
int db_rollback_rescue(struct db_session *s, struct db_diags *d);

/*
 * `update` (private sessions): re-base the private candidate on the current
 * active configuration, keeping the session's own changes. A statement changed
 * both by the session and by a commit since, to different results, is a
 * conflict: returns -ESTALE with one error per conflicting path and changes
 * nothing. -EINVAL for other modes.
 */
int db_update(struct db_session *s, struct db_diags *d);

/* ========================================================================== */
/* Commit                                                                      */
/* ========================================================================== */

struct db_commit_opts {
	const char *comment;  /* `commit comment "TEXT"`, NULL = none */
	int check;	      /* `commit check`: validate + prepare + abort, nothing
				 stored, the candidate untouched */
	uint32_t confirm_sec; /* > 0: `commit confirmed`; reverts automatically after
				 this many seconds unless another commit confirms it
				 (the shell passes MIN * 60, default 10 min) */
};

struct db_commit_result {
	uint64_t id;	  /* the new revision's stable id (0 for check) */
	int confirmed;	  /* this commit confirmed a pending commit confirmed */
	int64_t deadline; /* confirm_sec > 0: revert time, unix seconds */
	int merged;	  /* private: other commits since the session's copy
				  were merged in */
};

/*
 * Commit the session's candidate:
 *   1. the effective tree (inactive statements removed) is built;
 *   2. validate: every hook's validate in registration order (hooks may add
 *      transient changes and warnings), then the schema and the semantic
 *      semantic rules; all errors are collected;
 *   3. prepare: every hook's prepare in order; on failure the hooks already
 *      prepared are aborted in reverse order;
 *   4. check only: abort every hook in reverse order, return;
 *   5. store: one SQLite transaction records the revision (trimming history to
 *      `system commit history`, default 50), updates the candidate and the
 *      pending confirm; on failure every hook is aborted (-EIO);
 *   6. apply: every hook's apply in order (cannot fail).
 * Any successful non-check commit confirms a pending `commit confirmed`.
 * A failed commit changes neither the active configuration nor the candidate.
 * Private sessions whose copy is older than the active configuration are
 * merged first (conflicts: -ESTALE, one error per path, "run update").
 * Returns 0 (r filled, warnings in d), -EINVAL (errors in d), -EBUSY (locked
 * by another session), -ESTALE, -EIO, -ENOMEM. r may be NULL.
 * `commit and-quit`: the shell calls db_session_close() after success.
 */
int db_commit(struct db_session *s, const struct db_commit_opts *o, struct db_commit_result *r,
	      struct db_diags *d);

/*
 * Commit phase hooks (the firmware registers prepare/apply/abort; Lua commit
 * scripts register validate). Called in registration order (abort in reverse),
 * each with the commit in progress and its own arg. Any callback may be NULL.
 *   validate  pure checks on db_commit_new(); report problems with
 *             db_commit_error() (return its value) and db_commit_warning(); add
 *             transient changes with db_commit_change(). Non-zero fails.
 *   prepare   build what apply will publish (reserve everything); non-zero
 *             fails the commit (say why with db_commit_error()).
 *   apply     publish; cannot fail.
 *   abort     undo prepare (only called for hooks whose prepare succeeded).
 * The same hook struct + arg may be registered once. Returns 0, -EEXIST,
 * -ENOMEM. Not callable from inside a hook.
 */
struct db_hook {
	const char *name; /* "firmware", "commit scripts": shown in errors and logs */
	int (*validate)(struct db_commit *c, void *arg);
	int (*prepare)(struct db_commit *c, void *arg);
	void (*apply)(struct db_commit *c, void *arg);
	void (*abort)(struct db_commit *c, void *arg);
};
int db_commit_hook_register(struct db *db, const struct db_hook *h, void *arg);
/* 0 or -ENOENT. */
int db_commit_hook_unregister(struct db *db, const struct db_hook *h, void *arg);

/*
 * Inside a hook:
 *   db_commit_new   the new effective configuration (inactive removed,
 *                   transient changes applied so far; complete from prepare on).
 *                   After apply it stays readable as db_active_effective() until
 *                   the next successful commit.
 *   db_commit_old   the effective configuration being replaced (empty tree at
 *                   start-up)
 *   db_commit_kind  why this commit runs
 *   db_commit_user / db_commit_client / db_commit_comment  who and why
 *   db_commit_error / db_commit_warning  add a diagnostic at path (absolute
 *                   set-style path, "" for the top); error returns -EINVAL
 *   db_commit_change  validate only: a transient change, one db_tree_exec line
 *                   ("set services dsr vip web flow-timeout 60"), applied to the
 *                   configuration being committed (never to the candidate, never
 *                   stored); later hooks and the built-in rules see it. 0, or
 *                   -EINVAL with an error diagnostic added (the commit fails),
 *                   -EPERM outside validate.
 */
enum db_commit_kind {
	DB_COMMIT_NORMAL = 1,
	DB_COMMIT_CHECK,   /* commit check: will be aborted after prepare */
	DB_COMMIT_STARTUP, /* db_activate() */
	DB_COMMIT_REVERT,  /* automatic revert of an unconfirmed commit */
};
const struct db_node *db_commit_new(const struct db_commit *c);
const struct db_node *db_commit_old(const struct db_commit *c);
enum db_commit_kind db_commit_kind(const struct db_commit *c);
const char *db_commit_user(const struct db_commit *c);
enum db_client db_commit_client(const struct db_commit *c);
const char *db_commit_comment(const struct db_commit *c); /* NULL = none */
int db_commit_error(struct db_commit *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void db_commit_warning(struct db_commit *c, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int db_commit_change(struct db_commit *c, const char *line);

/* ========================================================================== */
/* Status, history, rescue (operational data)                                 */
/* ========================================================================== */

/* `status`: one call per open session, oldest first. */
struct db_session_info {
	uint32_t id;
	const char *user;
	enum db_client client;
	const char *client_id;
	enum db_mode mode;
	int64_t since;	   /* unix seconds */
	const char *where; /* edit level, "" = top */
	int locked;	   /* holds the exclusive lock */
	int changed;	   /* its candidate has uncommitted changes */
};
/* Returns the number of sessions visited; a callback returning non-zero stops.
 * fn may be NULL to only count them. */
int db_status(const struct db *db, int (*fn)(void *arg, const struct db_session_info *i),
	      void *arg);

/* `show system commit`: revisions newest first (index 0 = active). */
struct db_revision {
	unsigned index;
	uint64_t id;  /* stable across trimming and restarts, increasing */
	int64_t time; /* unix seconds */
	const char *user;
	enum db_client client;
	const char *client_id;
	const char *comment; /* NULL = none */
};
/* Returns the number visited, or -EIO. Strings valid during the callback. */
int db_history(struct db *db, int (*fn)(void *arg, const struct db_revision *r), void *arg);

/* Revision at index as a new tree (caller frees), its metadata in info when not
 * NULL (strings valid until the next db call). 0, -ENOENT, -EIO, -ENOMEM. */
int db_revision_load(struct db *db, unsigned index, struct db_node **tree,
		     struct db_revision *info);

/* A pending `commit confirmed`. */
struct db_confirm {
	uint64_t id;	     /* the unconfirmed revision */
	uint64_t restore_id; /* what the revert restores */
	int64_t deadline;    /* unix seconds */
	const char *user;    /* who committed it (valid until the next db call) */
};
/* 0 when pending (info filled), -ENOENT when none. */
int db_confirm_pending(struct db *db, struct db_confirm *info);

/* `request system configuration rescue save`: the active configuration becomes
 * the rescue configuration (in the store and in rescue_file). 0, -EIO. */
int db_rescue_save(struct db *db);
/* Drop the rescue configuration. 0, -ENOENT, -EIO. */
int db_rescue_delete(struct db *db);
/* The rescue configuration as a new tree. 0, -ENOENT, -EIO, -ENOMEM. */
int db_rescue_load(struct db *db, struct db_node **tree);

#endif
