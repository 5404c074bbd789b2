/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the configuration text parser behind `load merge | override | set`
 * (db_tree_load), then what the daemon does next with a loaded tree: validation, the
 * effective tree, and rendering in the three display formats.
 *
 * Input: byte 0 picks the mode (merge, override, set) and whether the text is loaded
 * into an empty tree or into a small existing configuration; the rest is the text.
 *
 * Checked beyond the sanitizers: what loads renders back to text that parses again
 * into the same configuration — braces text re-renders identically, and the
 * `display set` form loaded into an empty tree gives the same braces text (that form
 * claims to lose nothing: inactive marks and annotations included).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tula_buf.h"
#include "db/db.h"
#include "db/db_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_text[] = "system {\n"
				"    host-name lb1;\n"
				"}\n"
				"services {\n"
				"    dsr {\n"
				"        vip web {\n"
				"            address 10.0.1.100;\n"
				"            protocol tcp;\n"
				"            port 80;\n"
				"            backend be1 {\n"
				"                address 10.0.1.11;\n"
				"            }\n"
				"        }\n"
				"    }\n"
				"}\n";

static void render(const struct db_node *t, enum db_format fmt, unsigned flags,
		   struct tula_buf *out)
{
	if (db_render(t, fmt, flags, out) != 0 || out->oom)
		abort(); /* nothing here runs out of memory at these sizes */
}

static void mismatch(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_config: %s\n--- first\n%s\n--- second\n%s\n", what, a, b);
	abort();
}

/* The round trips a successfully loaded tree must survive. */
static void check_round_trips(const struct db_node *t)
{
	struct tula_buf braces = TULA_BUF_INIT, set = TULA_BUF_INIT, json = TULA_BUF_INIT;
	struct tula_buf again = TULA_BUF_INIT, eff = TULA_BUF_INIT;
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *p, *e, *s;

	render(t, DB_FMT_BRACES, 0, &braces);
	render(t, DB_FMT_SET, 0, &set);
	render(t, DB_FMT_JSON, 0, &json);

	p = db_tree_parse(tula_buf_str(&braces), &d);
	if (p == NULL)
		mismatch("rendered braces text does not parse", tula_buf_str(&braces),
			 d.n ? d.v[0].message : "");
	render(p, DB_FMT_BRACES, 0, &again);
	if (strcmp(tula_buf_str(&braces), tula_buf_str(&again)) != 0)
		mismatch("braces text re-renders differently", tula_buf_str(&braces),
			 tula_buf_str(&again));
	db_tree_free(p);

	s = db_tree_new();
	if (s == NULL)
		abort();
	db_diags_clear(&d);
	if (db_tree_load(s, DB_LOAD_SET, tula_buf_str(&set), NULL, 0, &d) != 0)
		mismatch("`display set` text does not load", tula_buf_str(&set),
			 d.n ? d.v[0].message : "");
	tula_buf_reset(&again);
	render(s, DB_FMT_BRACES, 0, &again);
	if (strcmp(tula_buf_str(&braces), tula_buf_str(&again)) != 0)
		mismatch("`display set` text loads into another configuration",
			 tula_buf_str(&braces), tula_buf_str(&again));
	db_tree_free(s);

	db_diags_clear(&d);
	(void)db_validate(t, &d);
	e = db_tree_effective(t);
	if (e == NULL)
		abort();
	render(e, DB_FMT_BRACES, DB_RENDER_EFFECTIVE, &eff);
	db_tree_free(e);

	db_diags_free(&d);
	tula_buf_free(&braces);
	tula_buf_free(&set);
	tula_buf_free(&json);
	tula_buf_free(&again);
	tula_buf_free(&eff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum db_load_mode modes[] = {DB_LOAD_MERGE, DB_LOAD_OVERRIDE, DB_LOAD_SET};
	struct db_diags d = DB_DIAGS_INIT;
	struct db_node *t;
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	t = data[0] & 4 ? db_tree_parse(base_text, NULL) : db_tree_new();
	if (t == NULL)
		abort();
	if (db_tree_load(t, modes[data[0] % 3], text, NULL, 0, &d) == 0)
		check_round_trips(t);
	db_tree_free(t);
	db_diags_free(&d);
	free(text);
	return 0;
}
