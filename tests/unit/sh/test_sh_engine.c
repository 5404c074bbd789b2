/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command engine against a small declared grammar and a fake configuration schema:
 * parsing, abbreviation, ambiguity, `^` error placement, completion, `?` help, pipes
 * and chains, access levels, embedded commands (`run`), and questions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "shell/sh_engine.h"

/* --- a fake schema: services dsr vip NAME { address A; port P; protocol tcp|udp; } ---- */

enum fk { F_CONT, F_LIST, F_LEAF };

struct fnode {
	const char *name, *help;
	enum fk kind;
	const struct fnode *const *kids;
	const char *const *enums; /* leaf keywords, or NULL for free values */
	unsigned max;		  /* numeric leaf bound */
};

static const char *const proto_enum[] = {"tcp", "udp", NULL};
static const struct fnode f_addr = {"address", "IPv4 address of the VIP", F_LEAF};
static const struct fnode f_port = {"port", "Port", F_LEAF, NULL, NULL, 65535};
static const struct fnode f_proto = {"protocol", "Protocol", F_LEAF, NULL, proto_enum};
static const struct fnode *const vip_kids[] = {&f_addr, &f_port, &f_proto, NULL};
static const struct fnode f_vip = {"vip", "A virtual IP", F_LIST, vip_kids};
static const struct fnode *const dsr_kids[] = {&f_vip, NULL};
static const struct fnode f_dsr = {"dsr", "Direct Server Return", F_CONT, dsr_kids};
static const struct fnode *const svc_kids[] = {&f_dsr, NULL};
static const struct fnode f_svc = {"services", "Services", F_CONT, svc_kids};
static const struct fnode f_sys = {"system", "System parameters", F_CONT, NULL};
static const struct fnode *const top_kids[] = {&f_svc, &f_sys, NULL};
static const struct fnode f_top = {"", "", F_CONT, top_kids};

/* pos.state: 0 at a container / list entry, 1 list wants a key, 2 leaf wants a value,
 * 3 leaf has its value */
#define WALK_SET 1u

static void fk_start(struct sh_session *s, const struct sh_arg *a, struct sh_walk_pos *pos)
{
	(void)s;
	(void)a;
	pos->node = &f_top;
}

static char offered_after[256]; /* the words the walker saw when it last offered names */

static void fk_offer(struct sh_session *s, const struct sh_arg *a, const struct sh_walk_pos *pos,
		     const char *const *words, size_t nwords, struct sh_cands *out)
{
	const struct fnode *n = pos->node;
	size_t i;

	(void)s;
	(void)a;
	offered_after[0] = '\0';
	for (i = 0; i < nwords; i++) {
		strncat(offered_after, words[i], sizeof(offered_after) - strlen(offered_after) - 2);
		strcat(offered_after, " ");
	}
	if (pos->state == 0) {
		for (i = 0; n->kids != NULL && n->kids[i] != NULL; i++)
			sh_cands_add(out, SH_CAND_KEYWORD, n->kids[i]->name, n->kids[i]->help);
	} else if (pos->state == 1) {
		sh_cands_add(out, SH_CAND_ARG, "<name>", "VIP name");
		sh_cands_add(out, SH_CAND_NAME, "web", "existing VIP");
		sh_cands_add(out, SH_CAND_NAME, "video", "existing VIP");
	} else if (pos->state == 2) {
		if (n->enums != NULL)
			for (i = 0; n->enums[i] != NULL; i++)
				sh_cands_add(out, SH_CAND_KEYWORD, n->enums[i], "value");
		else
			sh_cands_add(out, SH_CAND_ARG, "<value>", n->help);
	}
}

static int fk_step(struct sh_session *s, const struct sh_arg *a, const struct sh_walk_pos *pos,
		   const char *tok, int keyword, int quoted, struct sh_walk_pos *next, char *err,
		   size_t errlen)
{
	const struct fnode *n = pos->node;
	size_t i;

	(void)s;
	(void)a;
	(void)quoted;
	*next = *pos;
	if (pos->state == 0) {
		for (i = 0; keyword && n->kids != NULL && n->kids[i] != NULL; i++) {
			if (strcmp(n->kids[i]->name, tok) == 0) {
				next->node = n->kids[i];
				next->state = n->kids[i]->kind == F_LIST   ? 1
					      : n->kids[i]->kind == F_LEAF ? 2
									   : 0;
				next->depth++;
				return 1;
			}
		}
		return 0;
	}
	if (pos->state == 1) {
		if (keyword)
			return 0;
		next->state = 0;
		return 1;
	}
	if (pos->state == 2) {
		if (n->enums != NULL) {
			if (!keyword)
				return 0;
			next->state = 3;
			return 1;
		}
		if (keyword)
			return 0;
		if (n->max != 0 && strtoul(tok, NULL, 10) > n->max) {
			snprintf(err, errlen, "invalid value '%s' for %s: must be 1..%u", tok,
				 n->name, n->max);
			return -1;
		}
		next->state = 3;
		return 1;
	}
	return 0;
}

static int fk_can_end(struct sh_session *s, const struct sh_arg *a, const struct sh_walk_pos *pos)
{
	(void)s;
	if (a->walk_flags & WALK_SET)
		return pos->state == 3;
	return pos->state == 0 || pos->state == 3;
}

static const struct sh_walker fake_walker = {fk_start, fk_offer, fk_step, fk_can_end};

/* --- a small grammar -------------------------------------------------------------- */

static char last[512];

static int record(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const char *const *w;
	size_t n, i;

	snprintf(last, sizeof(last), "%s", (const char *)arg);
	n = sh_match_words(m, "PATH", &w);
	for (i = 0; i < n; i++) {
		strncat(last, " ", sizeof(last) - strlen(last) - 1);
		strncat(last, w[i], sizeof(last) - strlen(last) - 1);
	}
	if (sh_match_str(m, "NAME") != NULL) {
		strncat(last, " NAME=", sizeof(last) - strlen(last) - 1);
		strncat(last, sh_match_str(m, "NAME"), sizeof(last) - strlen(last) - 1);
	}
	if (sh_match_str(m, "FILE") != NULL) {
		strncat(last, " FILE=", sizeof(last) - strlen(last) - 1);
		strncat(last, sh_match_str(m, "FILE"), sizeof(last) - strlen(last) - 1);
	}
	if (sh_match_has(m, "terminal"))
		strncat(last, " terminal", sizeof(last) - strlen(last) - 1);
	sh_printf(ctx, "line one\nline two\nthird line\n");
	return 0;
}

static void render_version(const struct tula_val *v, struct tula_buf *out)
{
	tula_buf_printf(out, "Tula %s\n", tula_val_as_str(tula_val_get(v, "version")));
}

static int version(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	struct tula_val *v = tula_val_map();

	(void)m;
	(void)arg;
	tula_val_map_set(v, "version", tula_val_str("0.1.0"));
	sh_ctx_set_val(ctx, v, render_version);
	return 0;
}

static int config_out(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	int rb = -2;

	(void)m;
	(void)arg;
	if (sh_ctx_compare(ctx, &rb))
		sh_printf(ctx, "compare %d\n", rb);
	else if (sh_ctx_format(ctx) == SH_FORMAT_SET)
		sh_printf(ctx, "set system host-name lb1\n");
	else
		sh_printf(ctx, "system {\n    host-name lb1;\n}\n");
	return 0;
}

static int failing(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)m;
	(void)arg;
	return sh_err(ctx, "error: VIP %s not found", sh_match_str(m, "NAME"));
}

static int asked_answer = -1;

static int on_answer(struct sh_ctx *ctx, int yes, void *arg)
{
	(void)arg;
	asked_answer = yes;
	sh_printf(ctx, "answered %s\n", yes ? "yes" : "no");
	return 0;
}

static int asking(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	(void)m;
	(void)arg;
	return sh_ctx_ask(ctx, "Discard uncommitted changes?", 1, on_answer, NULL);
}

static void vip_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	(void)s;
	(void)m;
	sh_cands_add(out, SH_CAND_NAME, "web", "10.0.1.100 tcp/80");
	sh_cands_add(out, SH_CAND_NAME, "video", "10.0.1.101 tcp/443");
}

static const char *const h_show_dsr[] = {
	"Show information", "Services", "Direct Server Return", "Backend set-up", "A VIP",
	"VIP name",	    NULL};
static const char *const h_show_stat[] = {
	"Show information", "Services", "Direct Server Return", "Counters", "A VIP",
	"VIP name",	    NULL};
static const char *const h_show_sys[] = {"Show information", "System information", "Uptime", NULL};
static const char *const h_version[] = {"Show information", "Software version", NULL};
static const char *const h_conf[] = {"Show information", "Configuration", NULL};
static const char *const h_status[] = {"Session status", NULL};
static const char *const h_clear[] = {"Clear information", "Services", "Direct Server Return",
				      "Counters", NULL};
static const char *const h_configure[] = {"Enter configuration mode", "Private candidate",
					  "Exclusive lock", NULL};
static const char *const h_set[] = {"Set a parameter", "Configuration path", NULL};
static const char *const h_show_c[] = {"Show the candidate", "Configuration path", NULL};
static const char *const h_run[] = {"Run an operational command", "The command", NULL};
static const char *const h_commit[] = {"Commit the candidate",
				       "Check only",
				       "Roll back unless confirmed",
				       "Minutes",
				       "A comment",
				       "The comment",
				       "Leave configuration mode",
				       NULL};
static const char *const h_exit[] = {"Leave", NULL};
static const char *const h_op[] = {"Run an op script", "Script name", "Arguments", NULL};

static void script_names(struct sh_session *s, const struct sh_match *m, struct sh_cands *out)
{
	(void)s;
	(void)m;
	sh_cands_add(out, SH_CAND_NAME, "drain", "drain.lua");
}

static char op_args[256];

static int op_script(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	const char *const *w;
	size_t n = sh_match_words(m, "ARGS", &w), i;

	(void)ctx;
	(void)arg;
	snprintf(op_args, sizeof(op_args), "%s:", sh_match_str(m, "SCRIPT"));
	for (i = 0; i < n; i++) {
		strncat(op_args, "[", sizeof(op_args) - strlen(op_args) - 1);
		strncat(op_args, w[i], sizeof(op_args) - strlen(op_args) - 1);
		strncat(op_args, "]", sizeof(op_args) - strlen(op_args) - 1);
	}
	return 0;
}

static const struct sh_arg a_vip[] = {{.name = "NAME", .display = "<vip-name>", .names = vip_names},
				      {NULL}};
static const struct sh_arg a_set[] = {
	{.name = "PATH", .type = SH_ARG_PATH, .walker = &fake_walker, .walk_flags = WALK_SET},
	{NULL}};
static const struct sh_arg a_show_c[] = {
	{.name = "PATH", .type = SH_ARG_PATH, .walker = &fake_walker}, {NULL}};
static const struct sh_arg a_run[] = {
	{.name = "CMD", .type = SH_ARG_COMMAND, .sub_mode = SH_MODE_OPER}, {NULL}};
static const struct sh_arg a_op[] = {
	{.name = "SCRIPT", .names = script_names}, {.name = "ARGS", .type = SH_ARG_WORDS}, {NULL}};
static const struct sh_arg a_commit[] = {
	{.name = "MIN", .type = SH_ARG_UINT, .min = 1, .max = 65535}, {NULL}};

static const char *const h_load[] = {"Load configuration",
				     "Merge into the candidate",
				     "Read the text from the terminal",
				     "A template (for the ambiguity)",
				     "File name",
				     NULL};
static const struct sh_arg a_load[] = {{.name = "FILE", .display = "<filename>"}, {NULL}};

static const struct sh_cmd cmds[] = {
	{.syntax = "load merge (terminal | template | FILE)",
	 .help = h_load,
	 .args = a_load,
	 .modes = SH_MODE_CONF,
	 .level = SH_LEVEL_SUPER_USER,
	 .fn = record,
	 .arg = "load"},
	{.syntax = "show services dsr backend-setup vip NAME",
	 .help = h_show_dsr,
	 .args = a_vip,
	 .modes = SH_MODE_OPER,
	 .fn = record,
	 .arg = "backend-setup"},
	{.syntax = "show services dsr statistics [vip NAME]",
	 .help = h_show_stat,
	 .args = a_vip,
	 .modes = SH_MODE_OPER,
	 .fn = failing},
	{.syntax = "show system uptime",
	 .help = h_show_sys,
	 .modes = SH_MODE_OPER,
	 .fn = record,
	 .arg = "uptime"},
	{.syntax = "show version", .help = h_version, .modes = SH_MODE_OPER, .fn = version},
	{.syntax = "show configuration",
	 .help = h_conf,
	 .modes = SH_MODE_OPER,
	 .flags = SH_CMD_F_CONFIG,
	 .fn = config_out},
	{.syntax = "status", .help = h_status, .modes = SH_MODE_OPER | SH_MODE_CONF, .fn = asking},
	{.syntax = "clear services dsr statistics",
	 .help = h_clear,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = record,
	 .arg = "clear"},
	{.syntax = "configure [private | exclusive]",
	 .help = h_configure,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_SUPER_USER,
	 .flags = SH_CMD_F_NO_PIPE,
	 .fn = record,
	 .arg = "configure"},
	{.syntax = "set PATH",
	 .help = h_set,
	 .args = a_set,
	 .modes = SH_MODE_CONF,
	 .level = SH_LEVEL_SUPER_USER,
	 .fn = record,
	 .arg = "set"},
	{.syntax = "show [PATH]",
	 .help = h_show_c,
	 .args = a_show_c,
	 .modes = SH_MODE_CONF,
	 .level = SH_LEVEL_SUPER_USER,
	 .flags = SH_CMD_F_CONFIG,
	 .fn = record,
	 .arg = "show"},
	{.syntax = "run CMD",
	 .help = h_run,
	 .args = a_run,
	 .modes = SH_MODE_CONF,
	 .level = SH_LEVEL_SUPER_USER},
	{.syntax = "commit [check | confirmed [MIN] | comment TEXT | and-quit]",
	 .help = h_commit,
	 .args = a_commit,
	 .modes = SH_MODE_CONF,
	 .level = SH_LEVEL_SUPER_USER,
	 .fn = record,
	 .arg = "commit"},
	{.syntax = "exit",
	 .help = h_exit,
	 .modes = SH_MODE_OPER | SH_MODE_CONF,
	 .fn = record,
	 .arg = "exit"},
	{.syntax = "op SCRIPT [ARGS]",
	 .help = h_op,
	 .args = a_op,
	 .modes = SH_MODE_OPER,
	 .level = SH_LEVEL_OPERATOR,
	 .fn = op_script},
};

static struct sh_engine *eng;
static const struct sh_env oper = {SH_MODE_OPER, SH_LEVEL_SUPER_USER, NULL};
static const struct sh_env conf = {SH_MODE_CONF, SH_LEVEL_SUPER_USER, NULL};
static const struct sh_env ro = {SH_MODE_OPER, SH_LEVEL_READ_ONLY, NULL};
static const struct sh_env op = {SH_MODE_OPER, SH_LEVEL_OPERATOR, NULL};

static int setup(void **state)
{
	size_t i;

	(void)state;
	eng = sh_engine_new();
	if (eng == NULL)
		return -1;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (sh_engine_add(eng, &cmds[i]) != 0)
			return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh_engine_free(eng);
	return 0;
}

/* Run line; return the handler's output (or the error text) in a static buffer. */
static char result[4096];

static int run(const struct sh_env *env, const char *line)
{
	struct sh_ctx ctx;
	int rc;

	last[0] = '\0';
	sh_ctx_init(&ctx, NULL, 1);
	rc = sh_engine_exec(eng, env, line, &ctx);
	snprintf(result, sizeof(result), "%s",
		 ctx.failed ? tula_buf_str(&ctx.err) : tula_buf_str(&ctx.out));
	sh_ctx_fini(&ctx);
	return rc;
}

/* The candidates for line (cursor at its end) as "w1 w2 ..." */
static char cands[2048];
static size_t word_start;

static int complete(const struct sh_env *env, const char *line)
{
	struct tula_buf err = TULA_BUF_INIT;
	struct sh_cands c = {0};
	size_t i;
	int rc;

	cands[0] = '\0';
	rc = sh_engine_complete(eng, env, line, strlen(line), &c, &err);
	for (i = 0; i < c.n; i++) {
		if (i > 0)
			strncat(cands, " ", sizeof(cands) - strlen(cands) - 1);
		strncat(cands, c.v[i].word, sizeof(cands) - strlen(cands) - 1);
	}
	if (rc < 0)
		snprintf(cands, sizeof(cands), "%s", tula_buf_str(&err));
	word_start = c.word_start;
	sh_cands_free(&c);
	tula_buf_free(&err);
	return rc;
}

static void full_words_parse_and_bind_placeholders(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show services dsr backend-setup vip web"), 0);
	assert_string_equal(last, "backend-setup NAME=web");
	assert_string_equal(result, "line one\nline two\nthird line\n");
}

static void unique_prefixes_are_expanded(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "sh serv d back vip web"), 0);
	assert_string_equal(last, "backend-setup NAME=web");
	assert_int_equal(run(&oper, "sh sys up"), 0);
	assert_string_equal(last, "uptime");
}

static void ambiguous_prefix_lists_candidates_with_help(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show s"), -EINVAL);
	assert_string_equal(result, "show s\n"
				    "     ^\n"
				    "'s' is ambiguous.\n"
				    "Possible completions:\n"
				    "  services             Services\n"
				    "  system               System information\n");
}

/*
 * Junos: a unique keyword prefix wins over a placeholder that would take the word as
 * free text; quoting makes it free text; two keyword prefixes are an ambiguity naming
 * both keywords and the placeholder.
 */
static void keyword_prefix_wins_over_free_text(void **state)
{
	(void)state;
	assert_int_equal(run(&conf, "load merge term"), 0);
	assert_string_equal(last, "load terminal");
	assert_int_equal(run(&conf, "load merge \"term\""), 0);
	assert_string_equal(last, "load FILE=term");
	assert_int_equal(run(&conf, "load merge backup.conf"), 0);
	assert_string_equal(last, "load FILE=backup.conf");
	/* a path's keyword prefix too: `set services dsr vip web add` is address */
	assert_int_equal(run(&conf, "set serv dsr vip web add 10.0.0.1"), 0);
	assert_string_equal(last, "set services dsr vip web address 10.0.0.1");
	assert_int_equal(run(&conf, "load merge te"), -EINVAL);
	assert_non_null(strstr(result, "'te' is ambiguous."));
	assert_non_null(strstr(result, "terminal"));
	assert_non_null(strstr(result, "template"));
	assert_non_null(strstr(result, "<filename>"));
	/* ? shows both kinds where both could match */
	assert_int_equal(complete(&conf, "load merge "), 0);
	assert_string_equal(cands, "<filename> template terminal");
}

static void syntax_error_points_at_the_bad_word(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show servics dsr"), -EINVAL);
	assert_string_equal(
		result, "show servics dsr\n"
			"     ^\n"
			"syntax error, expecting one of: configuration services system version\n");
	assert_int_equal(run(&oper, "show services dsr backend-setup vip web extra"), -EINVAL);
	assert_non_null(strstr(result, "\n                                        ^\n"));
	assert_non_null(strstr(result, "expecting one of: <[Enter]>"));
}

static void incomplete_command_is_an_error_at_the_end(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show services dsr"), -EINVAL);
	assert_string_equal(result, "show services dsr\n"
				    "                 ^\n"
				    "syntax error, incomplete command; expecting one of: "
				    "backend-setup statistics\n");
}

static void quoted_words_are_one_token_and_never_keywords(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show services dsr backend-setup vip \"my vip\""), 0);
	assert_string_equal(last, "backend-setup NAME=my vip");
	assert_int_equal(run(&oper, "\"show\" version"), -EINVAL);
	assert_int_equal(run(&oper, "show \"version"), -EINVAL);
	assert_non_null(strstr(result, "missing closing quote"));
}

static void handler_error_is_reported(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show services dsr statistics vip nope"), -EINVAL);
	assert_string_equal(result, "error: VIP nope not found\n");
}

static void uint_out_of_range_says_the_range(void **state)
{
	(void)state;
	assert_int_equal(run(&conf, "commit confirmed 0"), -EINVAL);
	assert_string_equal(result, "commit confirmed 0\n"
				    "                 ^\n"
				    "value 0 is out of range (1..65535)\n");
	assert_int_equal(run(&conf, "commit confirmed 5"), 0);
	assert_int_equal(run(&conf, "commit comment \"check this\""), 0);
	assert_int_equal(run(&conf, "commit c"), -EINVAL);
	assert_non_null(strstr(result, "'c' is ambiguous"));
}

static void completion_offers_keywords_by_prefix(void **state)
{
	(void)state;
	assert_int_equal(complete(&oper, "sh"), 0);
	assert_string_equal(cands, "show");
	assert_int_equal(word_start, 0);
	assert_int_equal(complete(&oper, "show s"), 0);
	assert_string_equal(cands, "services system");
	assert_int_equal(word_start, 5);
	assert_int_equal(complete(&oper, "sh serv dsr "), 0);
	assert_string_equal(cands, "backend-setup statistics");
}

static void completion_offers_existing_names(void **state)
{
	(void)state;
	assert_int_equal(complete(&oper, "show services dsr backend-setup vip "), 0);
	assert_string_equal(cands, "<vip-name> video web");
	assert_int_equal(complete(&oper, "show services dsr backend-setup vip w"), 0);
	assert_string_equal(cands, "<vip-name> web");
}

static void help_shows_enter_and_pipe_when_complete(void **state)
{
	struct tula_buf err = TULA_BUF_INIT, txt = TULA_BUF_INIT;
	struct sh_cands c = {0};
	const char *line = "show services dsr statistics ";

	(void)state;
	assert_int_equal(sh_engine_complete(eng, &oper, line, strlen(line), &c, &err), 0);
	sh_cands_format(&c, &txt);
	assert_string_equal(tula_buf_str(&txt), "Possible completions:\n"
						"  <[Enter]>            Execute this command\n"
						"  vip                  A VIP\n"
						"  |                    Pipe through a command\n");
	sh_cands_free(&c);
	tula_buf_free(&txt);
	tula_buf_free(&err);
}

static void completion_after_a_bad_word_returns_the_error(void **state)
{
	(void)state;
	assert_int_equal(complete(&oper, "show nothing "), -EINVAL);
	assert_non_null(strstr(cands, "     ^\nsyntax error"));
	assert_int_equal(complete(&oper, "show services dsr backend-setup vip \"my"), 0);
	assert_string_equal(cands, "");
}

static void pipes_filter_and_chain(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show system uptime | match line"), 0);
	assert_string_equal(result, "line one\nline two\nthird line\n");
	assert_int_equal(run(&oper, "show system uptime | match ^line | except two"), 0);
	assert_string_equal(result, "line one\n");
	assert_int_equal(run(&oper, "show system uptime | except one | count"), 0);
	assert_string_equal(result, "Count: 2 lines\n");
	assert_int_equal(run(&oper, "sh sys up|m \"e t\"|cou"), 0);
	assert_string_equal(result, "Count: 1 lines\n");
}

/* Junos' | last N and | find RE (output from the first match on), chained. */
static void pipes_last_and_find(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show system uptime | last 2"), 0);
	assert_string_equal(result, "line two\nthird line\n");
	assert_int_equal(run(&oper, "show system uptime | last 99"), 0);
	assert_string_equal(result, "line one\nline two\nthird line\n");
	assert_int_equal(run(&oper, "show system uptime | find tw"), 0);
	assert_string_equal(result, "line two\nthird line\n");
	assert_int_equal(run(&oper, "show system uptime | find nothing"), 0);
	assert_string_equal(result, "");
	assert_int_equal(run(&oper, "show system uptime | find one | last 1 | count"), 0);
	assert_string_equal(result, "Count: 1 lines\n");
	assert_int_equal(run(&oper, "show system uptime | last 0"), -EINVAL);
	/* the same bounded matcher as match: no back-references */
	assert_int_equal(run(&oper, "show system uptime | find \"(a*)\\1\""), -EINVAL);
}

static void pipes_complete_and_help(void **state)
{
	(void)state;
	assert_int_equal(complete(&oper, "show version | "), 0);
	assert_string_equal(cands, "compare count display except find last match no-more save");
	assert_int_equal(complete(&oper, "show version | display "), 0);
	assert_string_equal(cands, "json set");
	assert_int_equal(complete(&oper, "show version | count "), 0);
	assert_string_equal(cands, "<[Enter]> |");
	assert_int_equal(complete(&oper, "show version | c"), 0);
	assert_string_equal(cands, "compare count");
	assert_int_equal(complete(&oper, "configure "), 0);
	assert_string_equal(cands, "<[Enter]> exclusive private");
}

static void display_json_renders_structured_output(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show version"), 0);
	assert_string_equal(result, "Tula 0.1.0\n");
	assert_int_equal(run(&oper, "show version | display json"), 0);
	assert_string_equal(result, "{\n    \"version\": \"0.1.0\"\n}\n");
	assert_int_equal(run(&oper, "show version | display json | match version"), 0);
	assert_string_equal(result, "    \"version\": \"0.1.0\"\n");
	assert_int_equal(run(&oper, "show system uptime | display json"), -EINVAL);
	assert_non_null(strstr(result, "not available"));
}

static void display_set_and_compare_apply_to_configuration_only(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show configuration | display set"), 0);
	assert_string_equal(result, "set system host-name lb1\n");
	assert_int_equal(run(&oper, "show configuration | compare rollback 3"), 0);
	assert_string_equal(result, "compare 3\n");
	assert_int_equal(run(&oper, "show configuration | compare"), 0);
	assert_string_equal(result, "compare -1\n");
	assert_int_equal(run(&oper, "show version | display set"), -EINVAL);
	assert_non_null(strstr(result, "applies to configuration output only"));
}

static void bad_pipes_are_syntax_errors(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "show version | match \"(\""), -EINVAL);
	assert_non_null(strstr(result, "invalid regular expression"));
	assert_int_equal(run(&oper, "show version |"), -EINVAL);
	assert_non_null(strstr(result, "expecting a pipe command"));
	assert_int_equal(run(&oper, "show version | frob"), -EINVAL);
	assert_string_equal(result, "show version | frob\n"
				    "               ^\n"
				    "syntax error, expecting one of: compare count display except "
				    "find last match no-more save\n");
	/* the bounded matcher refuses what it cannot match in bounded time */
	assert_int_equal(run(&oper, "show version | match \"(a)\\1\""), -EINVAL);
	assert_non_null(strstr(result, "invalid regular expression: back-references"));
	/* no client to write the file (the daemon never opens it itself) */
	assert_int_equal(run(&oper, "show version | save /tmp/x"), -EINVAL);
	assert_non_null(strstr(result, "only a CLI client (tula cli, the console) can write"));
	assert_int_equal(run(&oper, "show version | save /tmp/x | count"), -EINVAL);
	assert_non_null(strstr(result, "'| save' must be the last pipe"));
	assert_int_equal(run(&oper, "configure | count"), -EINVAL);
	assert_non_null(strstr(result, "does not take pipes"));
}

static void read_only_class_may_only_show(void **state)
{
	(void)state;
	assert_int_equal(run(&ro, "show version"), 0);
	assert_int_equal(run(&ro, "clear services dsr statistics"), -EPERM);
	assert_string_equal(result,
			    "clear services dsr statistics\n"
			    "^\n"
			    "permission denied: 'clear services dsr statistics' needs class "
			    "operator; your class is read-only\n");
	assert_int_equal(run(&ro, "configure"), -EPERM);
	assert_int_equal(complete(&ro, ""), 0);
	assert_string_equal(cands, "exit show status");
}

static void operator_class_may_clear_but_not_configure(void **state)
{
	(void)state;
	assert_int_equal(run(&op, "clear services dsr statistics"), 0);
	assert_string_equal(last, "clear");
	/* "c" is clear for an operator: configure is not visible */
	assert_int_equal(run(&op, "c services dsr statistics"), 0);
	assert_int_equal(run(&op, "configure private"), -EPERM);
	assert_non_null(strstr(result, "needs class super-user; your class is operator"));
	assert_int_equal(complete(&op, "c"), 0);
	assert_string_equal(cands, "clear");
	assert_int_equal(complete(&oper, "c"), 0);
	assert_string_equal(cands, "clear configure");
}

static void schema_paths_parse_abbreviate_and_validate(void **state)
{
	(void)state;
	assert_int_equal(run(&conf, "set services dsr vip web port 80"), 0);
	assert_string_equal(last, "set services dsr vip web port 80");
	assert_int_equal(run(&conf, "set serv d vip web prot t"), 0);
	assert_string_equal(last, "set services dsr vip web protocol tcp");
	assert_int_equal(run(&conf, "set services dsr vip web port 70000"), -EINVAL);
	assert_string_equal(result, "set services dsr vip web port 70000\n"
				    "                              ^\n"
				    "invalid value '70000' for port: must be 1..65535\n");
	assert_int_equal(run(&conf, "set services dsr vip web"), -EINVAL);
	assert_non_null(strstr(result, "incomplete command; expecting one of: address port "
				       "protocol"));
	assert_int_equal(run(&conf, "set services dsr vip web p 80"), -EINVAL);
	assert_non_null(strstr(result, "'p' is ambiguous"));
	assert_int_equal(run(&conf, "show services dsr"), 0);
	assert_string_equal(last, "show services dsr");
	assert_int_equal(run(&conf, "show"), 0);
	assert_string_equal(last, "show");
}

static void schema_paths_complete(void **state)
{
	(void)state;
	assert_int_equal(complete(&conf, "set "), 0);
	assert_string_equal(cands, "services system");
	assert_int_equal(complete(&conf, "set services dsr vip "), 0);
	assert_string_equal(cands, "<name> video web");
	assert_string_equal(offered_after, "services dsr vip ");
	assert_int_equal(complete(&conf, "set services dsr vip web pro"), 0);
	assert_string_equal(cands, "protocol");
	assert_int_equal(complete(&conf, "set services dsr vip web protocol "), 0);
	assert_string_equal(cands, "tcp udp");
	assert_int_equal(complete(&conf, "set services dsr vip web port 80 "), 0);
	assert_string_equal(cands, "<[Enter]> |");
	assert_int_equal(complete(&conf, "show services "), 0);
	assert_string_equal(cands, "<[Enter]> dsr |");
}

static void run_embeds_an_operational_command(void **state)
{
	(void)state;
	assert_int_equal(run(&conf, "run show version"), 0);
	assert_string_equal(result, "Tula 0.1.0\n");
	assert_int_equal(run(&conf, "run sh vers | display json"), 0);
	assert_string_equal(result, "{\n    \"version\": \"0.1.0\"\n}\n");
	assert_int_equal(run(&conf, "run show nothing"), -EINVAL);
	assert_string_equal(
		result, "run show nothing\n"
			"         ^\n"
			"syntax error, expecting one of: configuration services system version\n");
	assert_int_equal(complete(&conf, "run sh"), 0);
	assert_string_equal(cands, "show");
	assert_int_equal(complete(&conf, "run show sys"), 0);
	assert_string_equal(cands, "system");
	assert_int_equal(complete(&conf, "run "), 0);
	assert_non_null(strstr(cands, "clear configure exit op show status"));
}

static void questions_suspend_and_resume_the_command(void **state)
{
	struct sh_ctx ctx;

	(void)state;
	sh_ctx_init(&ctx, NULL, 1);
	assert_int_equal(sh_engine_exec(eng, &oper, "status | count", &ctx), 0);
	assert_int_equal(ctx.pending, SH_PENDING_ASK);
	assert_string_equal(ctx.question, "Discard uncommitted changes?");
	assert_int_equal(sh_ctx_answer(&ctx, 0), 0);
	assert_int_equal(asked_answer, 0);
	assert_int_equal(ctx.pending, SH_PENDING_NONE);
	assert_string_equal(tula_buf_str(&ctx.out), "Count: 1 lines\n");
	sh_ctx_fini(&ctx);

	sh_ctx_init(&ctx, NULL, 0);
	assert_int_equal(sh_engine_exec(eng, &oper, "status", &ctx), -EINVAL);
	assert_true(ctx.failed);
	sh_ctx_fini(&ctx);
}

static const char *const h_bad[] = {"only one", NULL};

static void declarations_are_checked(void **state)
{
	static const struct sh_cmd too_few = {
		.syntax = "frob nicate", .help = h_bad, .modes = SH_MODE_OPER};
	static const struct sh_cmd unclosed = {
		.syntax = "frob [x", .help = h_bad, .modes = SH_MODE_OPER};
	static const struct sh_cmd dup = {
		.syntax = "show version", .help = h_version, .modes = SH_MODE_OPER};

	(void)state;
	assert_int_equal(sh_engine_add(eng, &too_few), -EINVAL);
	assert_int_equal(sh_engine_add(eng, &unclosed), -EINVAL);
	assert_int_equal(sh_engine_add(eng, &dup), -EEXIST);
	assert_int_equal(sh_engine_remove(eng, &dup), -ENOENT);
}

static void variadic_words_take_the_rest_up_to_a_pipe(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "op drain vip web \"two words\" show"), 0);
	assert_string_equal(op_args, "drain:[vip][web][two words][show]");
	assert_int_equal(run(&oper, "op drain"), 0);
	assert_string_equal(op_args, "drain:");
	assert_int_equal(run(&oper, "op drain now | count"), 0);
	assert_string_equal(op_args, "drain:[now]");
	assert_int_equal(complete(&oper, "op "), 0);
	assert_string_equal(cands, "<script> drain");
	assert_int_equal(complete(&oper, "op drain x "), 0);
	assert_string_equal(cands, "<[Enter]> <args> |");
}

static void empty_line_does_nothing(void **state)
{
	(void)state;
	assert_int_equal(run(&oper, "   "), 0);
	assert_string_equal(result, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_words_parse_and_bind_placeholders),
		cmocka_unit_test(unique_prefixes_are_expanded),
		cmocka_unit_test(ambiguous_prefix_lists_candidates_with_help),
		cmocka_unit_test(keyword_prefix_wins_over_free_text),
		cmocka_unit_test(syntax_error_points_at_the_bad_word),
		cmocka_unit_test(incomplete_command_is_an_error_at_the_end),
		cmocka_unit_test(quoted_words_are_one_token_and_never_keywords),
		cmocka_unit_test(handler_error_is_reported),
		cmocka_unit_test(uint_out_of_range_says_the_range),
		cmocka_unit_test(completion_offers_keywords_by_prefix),
		cmocka_unit_test(completion_offers_existing_names),
		cmocka_unit_test(help_shows_enter_and_pipe_when_complete),
		cmocka_unit_test(completion_after_a_bad_word_returns_the_error),
		cmocka_unit_test(pipes_filter_and_chain),
		cmocka_unit_test(pipes_last_and_find),
		cmocka_unit_test(pipes_complete_and_help),
		cmocka_unit_test(display_json_renders_structured_output),
		cmocka_unit_test(display_set_and_compare_apply_to_configuration_only),
		cmocka_unit_test(bad_pipes_are_syntax_errors),
		cmocka_unit_test(read_only_class_may_only_show),
		cmocka_unit_test(operator_class_may_clear_but_not_configure),
		cmocka_unit_test(schema_paths_parse_abbreviate_and_validate),
		cmocka_unit_test(schema_paths_complete),
		cmocka_unit_test(run_embeds_an_operational_command),
		cmocka_unit_test(questions_suspend_and_resume_the_command),
		cmocka_unit_test(declarations_are_checked),
		cmocka_unit_test(variadic_words_take_the_rest_up_to_a_pipe),
		cmocka_unit_test(empty_line_does_nothing),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
