/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lists and maps are plain growable arrays: show output has at most a few thousand
 * entries per level and is built once then rendered once, so a hash for map lookups
 * would cost more than the linear scans it saves. Maps keep insertion order because
 * operators read fields in the order the handler chose.
 */
#include "common/tula_val.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tula_val {
	enum tula_val_type type;
	union {
		int b;
		int64_t i;
		uint64_t u;
		double d;
		char *s;
		struct {
			struct tula_val **items;
			char **keys; /* maps only */
			size_t n, cap;
		} c;
	};
};

static struct tula_val *new_val(enum tula_val_type type)
{
	struct tula_val *v = calloc(1, sizeof(*v));

	if (v != NULL)
		v->type = type;
	return v;
}

struct tula_val *tula_val_null(void)
{
	return new_val(TULA_VAL_NULL);
}

struct tula_val *tula_val_bool(int b)
{
	struct tula_val *v = new_val(TULA_VAL_BOOL);

	if (v != NULL)
		v->b = !!b;
	return v;
}

struct tula_val *tula_val_int(int64_t i)
{
	struct tula_val *v = new_val(TULA_VAL_INT);

	if (v != NULL)
		v->i = i;
	return v;
}

struct tula_val *tula_val_uint(uint64_t u)
{
	struct tula_val *v = new_val(TULA_VAL_UINT);

	if (v != NULL)
		v->u = u;
	return v;
}

struct tula_val *tula_val_double(double d)
{
	struct tula_val *v = new_val(TULA_VAL_DOUBLE);

	if (v != NULL)
		v->d = d;
	return v;
}

struct tula_val *tula_val_str(const char *s)
{
	struct tula_val *v = new_val(TULA_VAL_STRING);

	if (v == NULL)
		return NULL;
	v->s = strdup(s != NULL ? s : "");
	if (v->s == NULL) {
		free(v);
		return NULL;
	}
	return v;
}

struct tula_val *tula_val_strf(const char *fmt, ...)
{
	struct tula_val *v;
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	v = new_val(TULA_VAL_STRING);
	if (v == NULL) {
		free(s);
		return NULL;
	}
	v->s = s;
	return v;
}

struct tula_val *tula_val_list(void)
{
	return new_val(TULA_VAL_LIST);
}

struct tula_val *tula_val_map(void)
{
	return new_val(TULA_VAL_MAP);
}

void tula_val_free(struct tula_val *v)
{
	size_t i;

	if (v == NULL)
		return;
	switch (v->type) {
	case TULA_VAL_STRING:
		free(v->s);
		break;
	case TULA_VAL_LIST:
	case TULA_VAL_MAP:
		for (i = 0; i < v->c.n; i++) {
			tula_val_free(v->c.items[i]);
			if (v->c.keys != NULL)
				free(v->c.keys[i]);
		}
		free(v->c.items);
		free(v->c.keys);
		break;
	default:
		break;
	}
	free(v);
}

static int grow(struct tula_val *c)
{
	size_t cap;
	void *p;

	if (c->c.n < c->c.cap)
		return 0;
	cap = c->c.cap ? c->c.cap * 2 : 8;
	p = realloc(c->c.items, cap * sizeof(*c->c.items));
	if (p == NULL)
		return -ENOMEM;
	c->c.items = p;
	if (c->type == TULA_VAL_MAP) {
		p = realloc(c->c.keys, cap * sizeof(*c->c.keys));
		if (p == NULL)
			return -ENOMEM;
		c->c.keys = p;
	}
	c->c.cap = cap;
	return 0;
}

int tula_val_list_add(struct tula_val *list, struct tula_val *child)
{
	if (list == NULL || list->type != TULA_VAL_LIST || child == NULL) {
		tula_val_free(child);
		return -EINVAL;
	}
	if (grow(list) < 0) {
		tula_val_free(child);
		return -ENOMEM;
	}
	list->c.items[list->c.n++] = child;
	return 0;
}

int tula_val_map_set(struct tula_val *map, const char *key, struct tula_val *child)
{
	size_t i;
	char *k;

	if (map == NULL || map->type != TULA_VAL_MAP || child == NULL || key == NULL) {
		tula_val_free(child);
		return -EINVAL;
	}
	for (i = 0; i < map->c.n; i++) {
		if (strcmp(map->c.keys[i], key) == 0) {
			tula_val_free(map->c.items[i]);
			map->c.items[i] = child;
			return 0;
		}
	}
	k = strdup(key);
	if (k == NULL || grow(map) < 0) {
		free(k);
		tula_val_free(child);
		return -ENOMEM;
	}
	map->c.keys[map->c.n] = k;
	map->c.items[map->c.n++] = child;
	return 0;
}

enum tula_val_type tula_val_type(const struct tula_val *v)
{
	return v != NULL ? v->type : TULA_VAL_NULL;
}

int tula_val_as_bool(const struct tula_val *v)
{
	return v != NULL && v->type == TULA_VAL_BOOL ? v->b : 0;
}

int64_t tula_val_as_int(const struct tula_val *v)
{
	if (v == NULL)
		return 0;
	if (v->type == TULA_VAL_INT)
		return v->i;
	if (v->type == TULA_VAL_UINT)
		return (int64_t)v->u;
	return 0;
}

uint64_t tula_val_as_uint(const struct tula_val *v)
{
	if (v == NULL)
		return 0;
	if (v->type == TULA_VAL_UINT)
		return v->u;
	if (v->type == TULA_VAL_INT && v->i >= 0)
		return (uint64_t)v->i;
	return 0;
}

double tula_val_as_double(const struct tula_val *v)
{
	if (v == NULL)
		return 0;
	switch (v->type) {
	case TULA_VAL_DOUBLE:
		return v->d;
	case TULA_VAL_INT:
		return (double)v->i;
	case TULA_VAL_UINT:
		return (double)v->u;
	default:
		return 0;
	}
}

const char *tula_val_as_str(const struct tula_val *v)
{
	return v != NULL && v->type == TULA_VAL_STRING ? v->s : "";
}

size_t tula_val_count(const struct tula_val *v)
{
	if (v == NULL || (v->type != TULA_VAL_LIST && v->type != TULA_VAL_MAP))
		return 0;
	return v->c.n;
}

struct tula_val *tula_val_at(const struct tula_val *v, size_t i)
{
	return i < tula_val_count(v) ? v->c.items[i] : NULL;
}

const char *tula_val_key_at(const struct tula_val *v, size_t i)
{
	if (v == NULL || v->type != TULA_VAL_MAP || i >= v->c.n)
		return NULL;
	return v->c.keys[i];
}

struct tula_val *tula_val_get(const struct tula_val *map, const char *key)
{
	size_t i;

	if (map == NULL || map->type != TULA_VAL_MAP)
		return NULL;
	for (i = 0; i < map->c.n; i++)
		if (strcmp(map->c.keys[i], key) == 0)
			return map->c.items[i];
	return NULL;
}

/* RFC 8259 section 7: escape the quote, the backslash and control characters. */
static void json_string(struct tula_buf *out, const char *s)
{
	const unsigned char *p;

	tula_buf_putc(out, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			tula_buf_puts(out, "\\\"");
			break;
		case '\\':
			tula_buf_puts(out, "\\\\");
			break;
		case '\n':
			tula_buf_puts(out, "\\n");
			break;
		case '\r':
			tula_buf_puts(out, "\\r");
			break;
		case '\t':
			tula_buf_puts(out, "\\t");
			break;
		default:
			if (*p < 0x20)
				tula_buf_printf(out, "\\u%04x", *p);
			else
				tula_buf_putc(out, (char)*p);
		}
	}
	tula_buf_putc(out, '"');
}

static void indent(struct tula_buf *out, int pretty, int depth)
{
	int i;

	if (!pretty)
		return;
	tula_buf_putc(out, '\n');
	for (i = 0; i < depth; i++)
		tula_buf_puts(out, "    ");
}

static void json_value(const struct tula_val *v, struct tula_buf *out, int pretty, int depth)
{
	size_t i;

	switch (tula_val_type(v)) {
	case TULA_VAL_NULL:
		tula_buf_puts(out, "null");
		break;
	case TULA_VAL_BOOL:
		tula_buf_puts(out, v->b ? "true" : "false");
		break;
	case TULA_VAL_INT:
		tula_buf_printf(out, "%lld", (long long)v->i);
		break;
	case TULA_VAL_UINT:
		tula_buf_printf(out, "%llu", (unsigned long long)v->u);
		break;
	case TULA_VAL_DOUBLE:
		if (isfinite(v->d))
			tula_buf_printf(out, "%.17g", v->d);
		else
			tula_buf_puts(out, "null");
		break;
	case TULA_VAL_STRING:
		json_string(out, v->s);
		break;
	case TULA_VAL_LIST:
	case TULA_VAL_MAP:
		tula_buf_putc(out, v->type == TULA_VAL_LIST ? '[' : '{');
		for (i = 0; i < v->c.n; i++) {
			if (i > 0)
				tula_buf_putc(out, ',');
			indent(out, pretty, depth + 1);
			if (v->type == TULA_VAL_MAP) {
				json_string(out, v->c.keys[i]);
				tula_buf_puts(out, pretty ? ": " : ":");
			}
			json_value(v->c.items[i], out, pretty, depth + 1);
		}
		if (v->c.n > 0)
			indent(out, pretty, depth);
		tula_buf_putc(out, v->type == TULA_VAL_LIST ? ']' : '}');
		break;
	}
}

void tula_val_json(const struct tula_val *v, struct tula_buf *out, int pretty)
{
	json_value(v, out, pretty, 0);
	if (pretty)
		tula_buf_putc(out, '\n');
}

const char *tula_val_get_str(const struct tula_val *map, const char *key)
{
	const char *s = tula_val_as_str(tula_val_get(map, key));

	return s != NULL ? s : "";
}

uint64_t tula_val_get_uint(const struct tula_val *map, const char *key)
{
	return tula_val_as_uint(tula_val_get(map, key));
}
