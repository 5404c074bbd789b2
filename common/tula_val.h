/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small tree of values — null, bool, int, uint, double, string, list, and map with
 * ordered keys — that operational `show` handlers fill instead of writing text. The
 * shell renders it (a per-command text renderer for the Junos-like view, or
 * tula_val_json() for `| display json`) and Lua's `tula.show()` converts the same tree
 * into tables, so scripts never parse text.
 *
 * Ownership: a value owns its children; tula_val_free() releases the whole tree. The
 * constructors return NULL on allocation failure; the container setters accept a NULL
 * child and then fail, so a chain of builders needs one check at the end
 * (tula_val_map_set(m, "x", tula_val_int(1)) returns -ENOMEM when either allocation
 * failed). Not thread safe; a tree belongs to the thread that built it.
 */
#ifndef TULA_VAL_H
#define TULA_VAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/tula_buf.h"

enum tula_val_type {
	TULA_VAL_NULL,
	TULA_VAL_BOOL,
	TULA_VAL_INT,
	TULA_VAL_UINT,
	TULA_VAL_DOUBLE,
	TULA_VAL_STRING,
	TULA_VAL_LIST,
	TULA_VAL_MAP,
};

struct tula_val;

/* Constructors: a new value, or NULL (ENOMEM). Strings are copied. */
struct tula_val *tula_val_null(void);
struct tula_val *tula_val_bool(int b);
struct tula_val *tula_val_int(int64_t i);
struct tula_val *tula_val_uint(uint64_t u);
struct tula_val *tula_val_double(double d);
struct tula_val *tula_val_str(const char *s);
struct tula_val *tula_val_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct tula_val *tula_val_list(void);
struct tula_val *tula_val_map(void);

/* Release v and all its children. NULL is ignored. */
void tula_val_free(struct tula_val *v);

/*
 * Append child to a list. Takes ownership of child in every case (it is freed on
 * failure). Returns 0, -EINVAL (list is not a list, or child is NULL after an earlier
 * allocation failure), or -ENOMEM.
 */
int tula_val_list_add(struct tula_val *list, struct tula_val *child);

/*
 * Set key to child in a map, keeping first-insertion order; an existing key's value is
 * replaced in place. Takes ownership of child in every case. Returns 0, -EINVAL, or
 * -ENOMEM.
 */
int tula_val_map_set(struct tula_val *map, const char *key, struct tula_val *child);

/* Readers. Type mismatches return the zero value (0, "", NULL). */
enum tula_val_type tula_val_type(const struct tula_val *v);
int tula_val_as_bool(const struct tula_val *v);
int64_t tula_val_as_int(const struct tula_val *v);   /* also converts uint */
uint64_t tula_val_as_uint(const struct tula_val *v); /* also converts a non-negative int */
double tula_val_as_double(const struct tula_val *v); /* also converts int and uint */
const char *tula_val_as_str(const struct tula_val *v);
/* Number of elements of a list or entries of a map; 0 for scalars. */
size_t tula_val_count(const struct tula_val *v);
/* The i-th element of a list or the i-th value of a map (NULL out of range). */
struct tula_val *tula_val_at(const struct tula_val *v, size_t i);
/* The i-th key of a map (NULL out of range or not a map). */
const char *tula_val_key_at(const struct tula_val *v, size_t i);
/* A map's value for key, or NULL. */
struct tula_val *tula_val_get(const struct tula_val *map, const char *key);
/* For renderers: the string at key ("" when absent or not a string), the number at key
 * (0 when absent). */
const char *tula_val_get_str(const struct tula_val *map, const char *key);
uint64_t tula_val_get_uint(const struct tula_val *map, const char *key);

/*
 * Append v as JSON to out (RFC 8259: strings escaped, non-finite doubles as null).
 * pretty = indent with 4 spaces per level and end with a newline; 0 = one line.
 */
void tula_val_json(const struct tula_val *v, struct tula_buf *out, int pretty);

#endif
