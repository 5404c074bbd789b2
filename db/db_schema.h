/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration schema: every node of the hierarchy declared once
 * (README, "Design", rule 1). The shell's matcher (parse, TAB, `?`), the Lua
 * bindings, the text parsers, the renderers and commit validation all walk it,
 * so a new configuration statement is one entry in db_schema.c and nothing else.
 *
 * Vocabulary
 *   container  a keyword grouping statements:        `system { ... }`
 *   list       a keyword followed by a key naming one entry:
 *                                                     `vip web { ... }`
 *              a "bare" list (DB_SF_BARE) shows its entries under its keyword:
 *                                                     `interfaces { port0 { ... } }`
 *              (set paths are the same: `set interfaces port0 mtu 9000`)
 *   leaf       a keyword and one value:               `port 80;`
 *              a flag leaf (DB_TYPE_FLAG) has no value: `disable;`
 *
 * A path is a sequence of tokens from the root: keywords, each list keyword
 * followed by its key, a leaf keyword followed by its value:
 *     services dsr vip web backend be1 weight 5
 * Keywords are matched exactly here; accepting unique prefixes is the shell's
 * job (db_snode_match() helps).
 *
 * Schema nodes are static, immutable and live for the whole process: pointers
 * may be kept and compared. Every function here is thread safe (no state), and
 * none allocates except where said.
 */
#ifndef DB_SCHEMA_H
#define DB_SCHEMA_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct db_snode; /* opaque schema node */
struct db_node;	 /* a configuration tree node, see db/db.h */

enum db_snode_kind {
	DB_SNODE_CONTAINER = 1,
	DB_SNODE_LIST,
	DB_SNODE_LEAF,
};

/* The type of a leaf's value, or of a list's key. */
enum db_type {
	DB_TYPE_NONE = 0,      /* containers */
	DB_TYPE_STRING,	       /* any text (quoted when it holds blanks or specials) */
	DB_TYPE_NAME,	       /* identifier: [A-Za-z0-9_.-], starts alnum, 1..63 chars */
	DB_TYPE_HOSTNAME,      /* RFC 1123 host name, 1..63 chars */
	DB_TYPE_UINT,	       /* decimal unsigned integer within [min, max] */
	DB_TYPE_PORT,	       /* 1..65535, or "*" (all ports) where the schema allows */
	DB_TYPE_IPV4,	       /* dotted quad only, e.g. 10.0.1.100 (a BGP router id) */
	DB_TYPE_PREFIX,	       /* address/len, host bits allowed (an interface address) */
	DB_TYPE_NETWORK,       /* address/len with host bits zero (a route destination) */
	DB_TYPE_IP_OR_NETWORK, /* either a plain address or a network */
	DB_TYPE_ENUM,	       /* one of a fixed set of words, see db_snode_enum() */
	DB_TYPE_FLAG,	       /* presence only: the keyword takes no value */
	DB_TYPE_REF,	       /* the key of an entry of another list (db_snode_ref()) */
	DB_TYPE_FILE,	       /* a file name (no '/'), completed from a directory */
	DB_TYPE_PATH,	       /* an absolute URL path such as /healthz */
	DB_TYPE_ENDPOINT,      /* address and port: a.b.c.d:port or [v6]:port, 1..65535 */
	DB_TYPE_IP,	       /* an IPv4 or IPv6 address, e.g. 10.0.1.100, 2001:db8::10 */
};
/*
 * Every address type but DB_TYPE_IPV4 takes either family: IPv4 as a strict dotted
 * quad, IPv6 as inet_pton(3) reads it (no zone "%if", no IPv4-mapped ::ffff:a.b.c.d,
 * which would be a second spelling of an IPv4 address). The tree stores the canonical
 * text (RFC 5952, as inet_ntop writes it: lower case, the longest zero run as "::"),
 * so 2001:DB8:0::1 and 2001:db8::1 are one key and show the same.
 */

/* Where TAB and `?` find candidates for a value position. */
enum db_completion {
	DB_COMPLETE_NONE = 0, /* free text: only the placeholder (<name>) is shown */
	DB_COMPLETE_ENUM,     /* the enum values with their help */
	DB_COMPLETE_ENTRIES,  /* a list key: the existing entries' keys in the tree */
	DB_COMPLETE_REF,      /* the keys of the referenced list (e.g. interfaces) */
	DB_COMPLETE_FILES,    /* regular files in a directory the caller passes */
};

/* Schema flags (db_snode_flags). */
#define DB_SF_MANDATORY 0x1u /* a leaf that must be set (checked at commit) */
#define DB_SF_BARE	0x2u /* list shown as `kw { key { } }` (interfaces) */
#define DB_SF_ONELINE	0x4u /* list entry with one leaf shown on one line (route) */
#define DB_SF_STAR	0x8u /* DB_TYPE_PORT accepts "*" */

/* The root: a container without keyword whose children are the top-level
 * statements (system, interfaces, routing-options, services). Never NULL. */
const struct db_snode *db_schema_root(void);

/* --- introspection ---------------------------------------------------------- */

const char *db_snode_name(const struct db_snode *sn); /* keyword; "" for the root */
enum db_snode_kind db_snode_kind(const struct db_snode *sn);
const char *db_snode_help(const struct db_snode *sn); /* one line, for `?` */
uint32_t db_snode_flags(const struct db_snode *sn);   /* DB_SF_* */
/* The parent node, NULL for the root. */
const struct db_snode *db_snode_parent(const struct db_snode *sn);

/*
 * Children of a container or list (a list's children are the statements inside
 * each entry), in declaration order, which is also the order of `show`.
 * Leaves have none. i >= count gives NULL.
 */
size_t db_snode_child_count(const struct db_snode *sn);
const struct db_snode *db_snode_child_at(const struct db_snode *sn, size_t i);
/* The child whose keyword is exactly kw, or NULL. */
const struct db_snode *db_snode_child(const struct db_snode *sn, const char *kw);
/*
 * Children whose keyword starts with prefix: returns how many match and sets
 * *out to the match when there is exactly one, or to the exact match when the
 * prefix is itself a keyword (then the return is 1 even if longer keywords share
 * it). *out is NULL when the count is not 1.
 */
size_t db_snode_match(const struct db_snode *sn, const char *prefix, const struct db_snode **out);

/*
 * The value of a leaf, or the key of a list:
 *   db_snode_type       DB_TYPE_* (DB_TYPE_NONE for containers)
 *   db_snode_value_name placeholder for `?`, e.g. "name", "port", "address"
 *                       (shown as <port>); NULL for containers and flags
 *   db_snode_value_help one line on the accepted values, e.g.
 *                       "1..65535, or * for all ports"
 *   db_snode_default    the default value as text, or NULL when none
 *   db_snode_range      DB_TYPE_UINT and DB_TYPE_PORT: inclusive bounds; returns
 *                       0, or -EINVAL for other types
 *   db_snode_completion where candidates come from (enum db_completion)
 */
enum db_type db_snode_type(const struct db_snode *sn);
const char *db_snode_value_name(const struct db_snode *sn);
const char *db_snode_value_help(const struct db_snode *sn);
const char *db_snode_default(const struct db_snode *sn);
int db_snode_range(const struct db_snode *sn, uint64_t *min, uint64_t *max);
enum db_completion db_snode_completion(const struct db_snode *sn);

/* DB_TYPE_ENUM: the number of values, and value i with its help (NULL past the
 * end). */
size_t db_snode_enum_count(const struct db_snode *sn);
const char *db_snode_enum(const struct db_snode *sn, size_t i, const char **help);

/* DB_TYPE_REF: the list whose keys are valid values (e.g. `interface` ->
 * the `interfaces` list). NULL for other types. */
const struct db_snode *db_snode_ref(const struct db_snode *sn);

/*
 * Absolute keyword path of a schema node, keys omitted ("services dsr vip
 * backend weight"), written into buf (always NUL terminated). Returns the length
 * it needed, like snprintf.
 */
size_t db_snode_path(const struct db_snode *sn, char *buf, size_t size);

/* --- values ---------------------------------------------------------------- */

/*
 * Check one token as the value of leaf sn (or as the key of list sn).
 * On success returns 0 and, when canon != NULL, writes the canonical text that
 * the tree stores (e.g. "010" -> rejected, "10.0.1.1" unchanged, "0x10" ->
 * rejected: the canonical form of IPv4 and numbers is the accepted form, since
 * only one spelling is accepted; IPv6 values become their inet_ntop text,
 * "2001:DB8:0::1/64" -> "2001:db8::1/64", "[2001:DB8::1]:80" -> "[2001:db8::1]:80").
 * On failure returns -EINVAL (-ERANGE for a number out of range, -ENAMETOOLONG
 * for text over DB_VALUE_MAX) and writes a
 * reason an operator understands into reason, e.g. "expected an integer
 * 1..65535", "invalid IPv4 address", "expected one of: tcp, udp".
 * A DB_TYPE_REF value is only checked for syntax here; whether the entry exists
 * is a commit check (the reference may be created later in the same session).
 * Either buffer may be NULL; sizes of DB_REASON_MAX / DB_VALUE_MAX suffice.
 */
#define DB_REASON_MAX 160
#define DB_VALUE_MAX  1024
int db_snode_check(const struct db_snode *sn, const char *tok, char *reason, size_t reason_size,
		   char *canon, size_t canon_size);

/*
 * Completion candidates for the value or key position of sn: calls fn once per
 * candidate, in display order, with a one-line help (may be "").
 *   tree   the configuration to take existing names from (the session's
 *          candidate, or the active configuration); may be NULL
 *   path   tokens of the absolute path to sn's parent entry/container (so that
 *          `backend` lists the backends of that very VIP); may name a place
 *          that does not exist yet (then no existing entries are offered)
 *   dir    for DB_COMPLETE_FILES: the directory to list (e.g. the scripts
 *          directory); files starting with '.' are skipped
 * Enum values come with their help; existing keys and referenced names with
 * their `description` if they have one. Returns the number of candidates, or
 * -errno (e.g. -ENOENT when dir cannot be read). A callback returning non-zero
 * stops the walk (the count so far is returned).
 */
typedef int (*db_complete_fn)(void *arg, const char *value, const char *help);
int db_snode_complete(const struct db_snode *sn, const struct db_node *tree,
		      const char *const *path, int npath, const char *dir, db_complete_fn fn,
		      void *arg);

/*
 * Resolve path tokens (exact keywords) against the schema, for the shell's
 * matcher and for error messages. Walks as far as the tokens allow and reports
 * where it stopped:
 *   w->sn     the last schema node reached (the root for npath == 0)
 *   w->want   what the next token must be:
 *               DB_WANT_STATEMENT  a child keyword of w->sn (container or entry)
 *               DB_WANT_KEY        the key of list w->sn
 *               DB_WANT_VALUE      the value of leaf w->sn
 *               DB_WANT_END        nothing (a leaf and its value are complete)
 *   w->consumed  tokens used (== npath when the whole path resolved)
 *   w->keyword_at index of the token naming w->sn, -1 for the root
 * Returns 0 when every token resolved; -ENOENT when token w->consumed is not a
 * keyword of w->sn (reason says so, listing nothing: the shell lists), -EINVAL
 * when it is an invalid key or value (reason from db_snode_check), -E2BIG when
 * tokens follow a complete leaf.
 */
enum db_want {
	DB_WANT_STATEMENT = 1,
	DB_WANT_KEY,
	DB_WANT_VALUE,
	DB_WANT_END,
};
struct db_walk {
	const struct db_snode *sn;
	enum db_want want;
	int consumed;
	int keyword_at;
	char reason[DB_REASON_MAX];
};
int db_schema_walk(const char *const *tokens, int ntokens, struct db_walk *w);

/* --- typed value parsers (shared by the checks and the typed getters) ------ */

/* Strict dotted quad (no leading zeros, no short forms). 0 or -EINVAL. The
 * address is returned in network byte order. */
int db_parse_ipv4(const char *s, struct in_addr *out);
/* "a.b.c.d/len", len 0..32. 0 or -EINVAL. */
int db_parse_prefix(const char *s, struct in_addr *addr, uint8_t *len);
/*
 * An address of either family: family AF_INET (the 4 bytes in b[0..3], network order,
 * the rest zero) or AF_INET6 (16 bytes). Zero-initialised it is no address (family 0).
 */
struct db_addr {
	uint8_t family;
	uint8_t b[16];
};
#define DB_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN: the longest text of either family */

/* A plain address of either family (see above). 0 or -EINVAL. */
int db_parse_addr(const char *s, struct db_addr *out);
/* "address/len" of either family, len 0..32 or 0..128. 0 or -EINVAL. */
int db_parse_addr_prefix(const char *s, struct db_addr *addr, uint8_t *len);
/* "address" (len = 32 or 128) or "address/len". 0 or -EINVAL. */
int db_parse_addr_or_prefix(const char *s, struct db_addr *addr, uint8_t *len);
/* "a.b.c.d:port" or "[v6]:port", port 1..65535. 0 or -EINVAL. */
int db_parse_endpoint(const char *s, struct db_addr *addr, uint16_t *port);
/* Canonical text of a (inet_ntop), "?" for no address. Returns buf. */
const char *db_addr_str(const struct db_addr *a, char *buf, size_t size);
/* 32 or 128 (0 for no address). */
unsigned db_addr_bits(const struct db_addr *a);
/* 1 when a and net are of one family and their first len bits are equal. */
int db_addr_in(const struct db_addr *a, const struct db_addr *net, unsigned len);
/* Keep the first len bits of a, zero the rest. */
void db_addr_mask(struct db_addr *a, unsigned len);
/* Order: IPv4 before IPv6, then by value. <0, 0, >0. */
int db_addr_cmp(const struct db_addr *a, const struct db_addr *b);
/* "IPv4" or "IPv6" (or "an unknown family"), for messages. */
const char *db_addr_family_name(const struct db_addr *a);

/* Decimal without sign or leading zeros, <= max. 0, -EINVAL or -ERANGE. */
int db_parse_uint(const char *s, uint64_t max, uint64_t *out);

#endif
