/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the CLI line parser and completer (shell/sh_engine.h) with the
 * real operational and configuration command sets, so configuration paths are walked
 * through db/'s schema exactly as TAB, `?` and Enter walk them.
 *
 * Input: byte 0 picks the mode (operational or configuration) and the class
 * (read-only, operator, super-user); byte 1 is the cursor position for completion
 * (taken modulo the line length + 1); the rest is the line.
 *
 * Checked beyond the sanitizers: a refused line comes with an error text, and the
 * completion's word start lies within the line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tula_buf.h"
#include "shell/sh_engine.h"
#include "shell/sh_session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sh_engine *eng;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	eng = sh_engine_new();
	if (eng == NULL || sh_conf_register(eng) != 0 || sh_oper_register(eng) != 0) {
		fprintf(stderr, "fuzz_cli: cannot build the engine\n");
		exit(1);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tula_buf err = TULA_BUF_INIT, fmt = TULA_BUF_INIT;
	struct sh_cands c = {0};
	struct sh_parsed *p = NULL;
	struct sh_env env;
	size_t len, cursor, i;
	char *line;
	int rc;

	if (size < 2)
		return 0;
	env.mode = data[0] & 1 ? SH_MODE_CONF : SH_MODE_OPER;
	env.level = (enum sh_level)((data[0] >> 1) % 3);
	env.sess = NULL;
	len = size - 2;
	line = malloc(len + 1);
	if (line == NULL)
		return 0;
	memcpy(line, data + 2, len);
	line[len] = '\0';
	len = strlen(line); /* the server takes a line up to its first NUL too */
	cursor = data[1] % (len + 1);

	rc = sh_engine_parse(eng, &env, line, &p, &err);
	if (rc != 0 && err.len == 0) {
		fprintf(stderr, "fuzz_cli: '%s' refused (%d) without a reason\n", line, rc);
		abort();
	}
	if (rc == 0 && p != NULL) {
		(void)sh_parsed_cmd(p);
		for (i = 0; i < sh_parsed_npipes(p); i++)
			(void)sh_parsed_pipe(p, i);
	}
	sh_parsed_free(p);

	tula_buf_reset(&err);
	rc = sh_engine_complete(eng, &env, line, cursor, &c, &err);
	if (rc == 0) {
		if (c.word_start > cursor) {
			fprintf(stderr, "fuzz_cli: word start %zu after the cursor %zu\n",
				c.word_start, cursor);
			abort();
		}
		sh_cands_format(&c, &fmt);
	}
	sh_cands_free(&c);
	tula_buf_free(&fmt);
	tula_buf_free(&err);
	free(line);
	return 0;
}
