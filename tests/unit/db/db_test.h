/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the db/ unit tests: temporary directories, trees from text,
 * rendering to strings, and diagnostics lookups. Include after <cmocka.h>.
 */
#ifndef DB_TEST_H
#define DB_TEST_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"

/* A minimal configuration that commits: one interface, one VIP, one backend. */
#define BASE_CONF                              \
	"interfaces {\n"                       \
	"    port0 {\n"                        \
	"        device \"net_null0\";\n"      \
	"        address 10.0.1.10/24;\n"      \
	"    }\n"                              \
	"}\n"                                  \
	"services {\n"                         \
	"    dsr {\n"                          \
	"        vip web {\n"                  \
	"            address 10.0.1.100;\n"    \
	"            protocol tcp;\n"          \
	"            port 80;\n"               \
	"            backend be1 {\n"          \
	"                address 10.0.1.11;\n" \
	"            }\n"                      \
	"        }\n"                          \
	"    }\n"                              \
	"}\n"

static inline struct db_node *tparse(const char *text)
{
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *t = db_tree_parse(text, &d);
	size_t i;

	for (i = 0; i < d.n; i++)
		fprintf(stderr, "parse: line %d col %d [%s] %s\n", d.v[i].line, d.v[i].column,
			d.v[i].path, d.v[i].message);
	db_diags_free(&d);
	assert_non_null(t);
	return t;
}

/* Render to a malloc'd string. */
static inline char *trender(const struct db_node *n, enum db_format fmt, unsigned flags)
{
	struct tula_buf b = TULA_BUF_INIT;

	assert_int_equal(db_render(n, fmt, flags, &b), 0);
	return tula_buf_steal(&b);
}

/* Index of the first diagnostic whose message contains needle, or -1. */
static inline int tdiag(const struct db_diags *d, const char *needle)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strstr(d->v[i].message, needle) != NULL)
			return (int)i;
	return -1;
}

static inline void tdump(const struct db_diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "  diag %s line %d col %d tok %d [%s] %s\n",
			d->v[i].level == DB_DIAG_ERROR ? "error" : "warning", d->v[i].line,
			d->v[i].column, d->v[i].token, d->v[i].path, d->v[i].message);
}

/* Assert some diagnostic has this path and a message containing needle. */
#define assert_diag(d, want_path, needle)                                                          \
	do {                                                                                       \
		size_t i_;                                                                         \
		int ok_ = 0;                                                                       \
		for (i_ = 0; i_ < (d)->n; i_++)                                                    \
			if (strcmp((d)->v[i_].path, (want_path)) == 0 &&                           \
			    strstr((d)->v[i_].message, (needle)) != NULL)                          \
				ok_ = 1;                                                           \
		if (!ok_) {                                                                        \
			fprintf(stderr, "missing diag [%s] ~ %s; have:\n", (want_path), (needle)); \
			tdump(d);                                                                  \
		}                                                                                  \
		assert_true(ok_);                                                                  \
	} while (0)

/* A fresh temporary directory (removed by trmdir). */
static inline char *tmkdir(void)
{
	char *p = strdup("/tmp/tula-db-test-XXXXXX");

	assert_non_null(p);
	assert_non_null(mkdtemp(p));
	return p;
}

static inline void trmdir(char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* Apply `display set` lines (one per line) to a tree; asserts success. */
static inline void texec(struct db_node *t, const char *lines)
{
	struct db_diags d = DB_DIAGS_INIT;
	int rc = db_tree_load(t, DB_LOAD_SET, lines, NULL, 0, &d);

	if (rc != 0)
		tdump(&d);
	assert_int_equal(rc, 0);
	db_diags_free(&d);
}

#endif
