/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI server over its wire protocol (shell/sh_proto.h), driven message by message
 * through a socketpair on the test's own event loop: greeting, execution with output,
 * errors and prompts, completion, questions, pasted text, registered request types,
 * protocol violations, and capturing structured output for Lua.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/tula_loop.h"
#include "db/db.h"
#include "shell/sh_cmd.h"
#include "shell/sh_proto.h"
#include "shell/sh_server.h"

static struct tula_loop *loop;
static struct db *db;
static char dir[64];
static int fd = -1; /* the test's end of the session */
static int closed;  /* the server ended the session */

struct msg {
	uint32_t type;
	uint32_t len;
	char p[65536];
};

static void on_close(void *arg)
{
	*(int *)arg = 1;
}

static void open_session(void)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	closed = 0;
	assert_int_equal(sh_server_add_fd(sv[0], on_close, &closed), 0);
	fd = sv[1];
}

static void send_msg(uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
	struct sh_msg_hdr h = {.type = type, .len = (uint32_t)(alen + blen)};

	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	if (alen > 0)
		assert_int_equal(write(fd, a, alen), (ssize_t)alen);
	if (blen > 0)
		assert_int_equal(write(fd, b, blen), (ssize_t)blen);
}

static void send_line(uint32_t type, const char *line)
{
	struct sh_line l = {.cursor = (uint32_t)strlen(line), .len = (uint32_t)strlen(line)};

	send_msg(type, &l, sizeof(l), line, strlen(line));
}

/* Run the loop until the server has something for us; 0, or -1 when it hung up. */
static int recv_msg(struct msg *m)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	struct sh_msg_hdr h;
	int i;

	for (i = 0; i < 500; i++) {
		tula_loop_run_once(loop, 10);
		if (poll(&p, 1, 0) == 1)
			break;
	}
	if (read(fd, &h, sizeof(h)) != (ssize_t)sizeof(h))
		return -1;
	m->type = h.type;
	m->len = h.len;
	assert_true(h.len < sizeof(m->p));
	assert_int_equal(read(fd, m->p, h.len), (ssize_t)h.len);
	m->p[h.len] = '\0';
	return 0;
}

static void hello(void)
{
	struct sh_hello h = {.version = SH_PROTO_VERSION, .width = 80, .height = 24};
	struct msg m;

	open_session();
	snprintf(h.tty, sizeof(h.tty), "pts/9");
	send_msg(SH_MSG_HELLO, &h, sizeof(h), NULL, 0);
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_WELCOME);
}

/* Execute line; collect stdout and stderr text; return DONE. */
static struct sh_done exec(const char *line, char *out, char *err)
{
	struct sh_done d = {0};
	struct msg m;

	out[0] = err[0] = '\0';
	send_line(SH_MSG_EXEC, line);
	for (;;) {
		assert_int_equal(recv_msg(&m), 0);
		if (m.type == SH_MSG_OUTPUT)
			strcat(out, m.p + sizeof(struct sh_output));
		else if (m.type == SH_MSG_ERROR)
			strcat(err, m.p);
		else if (m.type == SH_MSG_DONE)
			break;
		else
			fail_msg("unexpected message %u", m.type);
	}
	memcpy(&d, m.p, sizeof(d));
	return d;
}

static void bye(void)
{
	close(fd);
	fd = -1;
	tula_loop_run_once(loop, 10);
}

static int setup(void **state)
{
	struct db_open_opts o = {0};
	struct sh_server_opts so = {.host_name = "lbtest"};
	char path[128], why[256];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/tula-shsrv-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/config.db", dir);
	o.path = path;
	loop = tula_loop_new();
	if (loop == NULL || db_open(&o, &db, NULL) < 0)
		return -1;
	return sh_server_start(loop, db, &so, why, sizeof(why));
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	sh_server_stop();
	db_close(db);
	tula_loop_free(loop);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void welcome_names_the_peer_and_its_class(void **state)
{
	struct sh_hello h = {.version = SH_PROTO_VERSION};
	struct sh_welcome w;
	struct msg m;

	(void)state;
	open_session();
	send_msg(SH_MSG_HELLO, &h, sizeof(h), NULL, 0);
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_WELCOME);
	memcpy(&w, m.p, sizeof(w));
	assert_int_equal(w.level, SH_LEVEL_SUPER_USER); /* the test's own uid */
	assert_string_equal(w.klass, "super-user");
	assert_string_equal(w.prompt + strlen(w.prompt) - 2, "> ");
	assert_memory_equal(w.prompt, "root@", 5);
	bye();
}

static void exec_streams_output_then_done_with_the_prompt(void **state)
{
	char out[8192], err[8192];
	struct sh_done d;

	(void)state;
	hello();
	d = exec("show version", out, err);
	assert_int_equal(d.status, 0);
	assert_non_null(strstr(out, "Tula version: "));
	assert_string_equal(err, "");
	assert_string_equal(d.prompt + strlen(d.prompt) - 2, "> ");
	assert_string_equal(d.banner, "");
	bye();
}

/* A message of odd size (a WINSIZE with a byte more) puts the next header at an odd
 * offset of the stream: its payload must still reach the handler aligned (under
 * UBSan, a misaligned struct sh_line read fails this test; found by tests/fuzz). */
static void a_request_after_an_odd_sized_message_is_served(void **state)
{
	struct sh_winsize ws = {.width = 100, .height = 30};
	char out[8192], err[8192], odd[sizeof(ws) + 1] = {0};
	struct sh_done d;

	(void)state;
	hello();
	memcpy(odd, &ws, sizeof(ws));
	send_msg(SH_MSG_WINSIZE, odd, sizeof(odd), NULL, 0);
	d = exec("show version", out, err);
	assert_int_equal(d.status, 0);
	assert_non_null(strstr(out, "Tula version: "));
	bye();
}

static void errors_come_as_error_messages_and_a_failed_done(void **state)
{
	char out[8192], err[8192];
	struct sh_done d;

	(void)state;
	hello();
	d = exec("show verison", out, err);
	assert_true(d.status < 0);
	assert_string_equal(out, "");
	assert_string_equal(err, "show verison\n     ^\nsyntax error, expecting one of: "
				 "cli configuration log services system version\n");
	bye();
}

static void configuration_mode_changes_prompt_and_banner(void **state)
{
	char out[8192], err[8192];
	struct sh_done d;

	(void)state;
	hello();
	d = exec("configure", out, err);
	assert_int_equal(d.status, 0);
	assert_string_equal(d.prompt + strlen(d.prompt) - 2, "# ");
	assert_string_equal(d.banner, "[edit]");
	d = exec("edit services dsr vip web", out, err);
	assert_string_equal(d.banner, "[edit services dsr vip web]");
	d = exec("up", out, err);
	assert_string_equal(d.banner, "[edit services dsr]");
	d = exec("exit configuration-mode", out, err);
	assert_string_equal(d.prompt + strlen(d.prompt) - 2, "> ");
	assert_string_equal(d.banner, "");
	bye();
}

/*
 * Junos: deleting or deactivating what is not there, or activating what is active, is
 * a warning: the command succeeds (a `tula cli -c` batch goes on) and changes nothing.
 */
static void absent_statements_are_warnings_not_errors(void **state)
{
	char out[8192], err[8192];
	struct sh_done d;

	(void)state;
	hello();
	d = exec("configure", out, err);
	assert_int_equal(d.status, 0);
	d = exec("delete services dsr vip nothere", out, err);
	assert_int_equal(d.status, 0);
	assert_string_equal(err, "warning: statement not found\n");
	d = exec("deactivate services dsr vip nothere", out, err);
	assert_int_equal(d.status, 0);
	assert_string_equal(err, "warning: statement not found\n");
	d = exec("set services dsr vip w1 address 10.0.0.1", out, err);
	assert_int_equal(d.status, 0);
	d = exec("activate services dsr vip w1", out, err);
	assert_int_equal(d.status, 0);
	assert_string_equal(err, "warning: statement not found (it is not inactive)\n");
	d = exec("deactivate services dsr vip w1", out, err);
	assert_int_equal(d.status, 0);
	assert_string_equal(err, "");
	d = exec("show services dsr", out, err);
	assert_non_null(strstr(out, "inactive: vip w1 {"));
	d = exec("activate services dsr vip w1", out, err);
	assert_int_equal(d.status, 0);
	assert_string_equal(err, "");
	d = exec("show services dsr", out, err);
	assert_null(strstr(out, "inactive:"));
	d = exec("delete services dsr vip w1", out, err);
	assert_int_equal(d.status, 0);
	assert_string_equal(err, "");
	/* a path the schema does not know stays an error */
	d = exec("delete system bogus", out, err);
	assert_true(d.status < 0);
	d = exec("exit configuration-mode", out, err);
	bye();
}

/* copy services dsr vip A to vip B: B holds all of A (backends included), A stays. */
static void copy_clones_a_list_entry(void **state)
{
	char out[8192], err[8192];
	struct sh_done d;

	(void)state;
	hello();
	d = exec("configure", out, err);
	d = exec("set services dsr vip c1 address 10.0.0.7", out, err);
	d = exec("set services dsr vip c1 backend b1 address 10.0.0.21", out, err);
	assert_int_equal(d.status, 0);
	d = exec("copy services dsr vip c1 to vip c2", out, err);
	assert_int_equal(d.status, 0);
	assert_string_equal(err, "");
	d = exec("show services dsr vip c2 | display set", out, err);
	assert_non_null(strstr(out, "set services dsr vip c2 address 10.0.0.7"));
	assert_non_null(strstr(out, "set services dsr vip c2 backend b1 address 10.0.0.21"));
	d = exec("show services dsr vip c1 | display set", out, err);
	assert_non_null(strstr(out, "set services dsr vip c1 backend b1 address 10.0.0.21"));
	d = exec("copy services dsr vip c1 to vip c2", out, err);
	assert_true(d.status < 0);
	assert_string_equal(err, "error: vip c2 already exists\n");
	d = exec("copy services dsr vip nope to vip c3", out, err);
	assert_true(d.status < 0);
	d = exec("delete services dsr", out, err);
	d = exec("exit configuration-mode", out, err);
	bye();
}

/* Junos: exit returns to the level before the last edit, not to the parent level. */
static void exit_returns_to_the_level_before_the_last_edit(void **state)
{
	char out[8192], err[8192];
	struct sh_done d;

	(void)state;
	hello();
	exec("configure", out, err);
	d = exec("edit services dsr", out, err);
	assert_string_equal(d.banner, "[edit services dsr]");
	d = exec("edit vip web backend be1", out, err);
	assert_string_equal(d.banner, "[edit services dsr vip web backend be1]");
	d = exec("exit", out, err);
	assert_string_equal(d.banner, "[edit services dsr]");
	d = exec("exit", out, err);
	assert_string_equal(d.banner, "[edit]");
	/* after up, nothing was left by edit: exit goes up one level */
	exec("top", out, err);
	d = exec("edit services dsr vip web", out, err);
	exec("exit", out, err);
	d = exec("edit services dsr vip web", out, err);
	d = exec("up", out, err);
	assert_string_equal(d.banner, "[edit services dsr]");
	d = exec("exit", out, err);
	assert_string_equal(d.banner, "[edit]"); /* the level before that edit */
	d = exec("exit", out, err);
	assert_int_equal(d.status, 0);
	assert_string_equal(d.prompt + strlen(d.prompt) - 2, "> ");
	bye();
}

static void completion_and_help_return_candidates(void **state)
{
	struct sh_cands_hdr h;
	struct sh_cand_wire w;
	struct msg m;

	(void)state;
	hello();
	send_line(SH_MSG_COMPLETE, "sh");
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_CANDS);
	memcpy(&h, m.p, sizeof(h));
	assert_int_equal(h.status, 0);
	assert_int_equal(h.count, 1);
	assert_int_equal(h.word_start, 0);
	memcpy(&w, m.p + sizeof(h), sizeof(w));
	assert_int_equal(w.kind, SH_CAND_KEYWORD);
	assert_memory_equal(m.p + sizeof(h) + sizeof(w), "show", 4);

	send_line(SH_MSG_HELP, "show system rollback ");
	assert_int_equal(recv_msg(&m), 0);
	memcpy(&h, m.p, sizeof(h));
	assert_int_equal(h.status, 0);
	assert_true(h.count >= 2); /* <number> and revision 0 with its time and user */
	assert_non_null(memmem(m.p, m.len, "<number>", 8));
	assert_non_null(memmem(m.p, m.len, " by ", 4)); /* "0" = "<time> by <user>" */

	send_line(SH_MSG_HELP, "show nothing ");
	assert_int_equal(recv_msg(&m), 0);
	memcpy(&h, m.p, sizeof(h));
	assert_true(h.status < 0);
	assert_non_null(strstr(m.p + sizeof(h), "syntax error"));
	bye();
}

static void exit_with_changes_asks_and_honours_the_answer(void **state)
{
	struct sh_answer no = {.yes = 0}, yes = {.yes = 1};
	char out[8192], err[8192];
	struct sh_ask a;
	struct sh_done d;
	struct msg m;

	(void)state;
	hello();
	exec("configure", out, err);
	exec("set system host-name asked", out, err);
	send_line(SH_MSG_EXEC, "exit");
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_ASK);
	memcpy(&a, m.p, sizeof(a));
	assert_non_null(strstr(a.question, "Exit with uncommitted changes?"));
	assert_int_equal(a.default_yes, 1);
	send_msg(SH_MSG_ANSWER, &no, sizeof(no), NULL, 0);
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_DONE);
	memcpy(&d, m.p, sizeof(d));
	assert_string_equal(d.banner, "[edit]"); /* still configuring */

	send_line(SH_MSG_EXEC, "exit");
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_ASK);
	send_msg(SH_MSG_ANSWER, &yes, sizeof(yes), NULL, 0);
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_OUTPUT);
	assert_non_null(strstr(m.p + sizeof(struct sh_output), "Exiting configuration mode"));
	assert_int_equal(recv_msg(&m), 0);
	memcpy(&d, m.p, sizeof(d));
	assert_string_equal(d.banner, "");
	bye();
}

static void load_terminal_asks_for_text_and_loads_it(void **state)
{
	const char *text = "system {\n    host-name pasted;\n}\n";
	char out[8192], err[8192];
	struct sh_done d;
	struct msg m;

	(void)state;
	hello();
	exec("configure", out, err);
	send_line(SH_MSG_EXEC, "load merge terminal");
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_READ_TEXT);
	assert_string_equal(m.p, "[Type ^D at a new line to end input]");
	send_msg(SH_MSG_TEXT, text, strlen(text), NULL, 0);
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_OUTPUT);
	assert_string_equal(m.p + sizeof(struct sh_output), "load complete\n");
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_DONE);
	d = exec("show system host-name", out, err);
	assert_int_equal(d.status, 0);
	assert_string_equal(out, "host-name pasted;\n");
	exec("rollback 0", out, err);
	exec("exit", out, err);
	bye();
}

static void exit_in_operational_mode_ends_the_session(void **state)
{
	char out[8192], err[8192];
	struct sh_done d;
	struct msg m;

	(void)state;
	hello();
	d = exec("exit", out, err);
	assert_true(d.flags & SH_DONE_CLOSE);
	assert_int_equal(recv_msg(&m), -1); /* the server hung up */
	assert_true(closed);
	bye();
}

static int echo_request(struct sh_session *s, uint32_t type, const void *p, size_t len, void *arg)
{
	(void)type;
	(void)arg;
	sh_session_output(s, p, len);
	sh_session_done(s, 0);
	return 0;
}

static void registered_request_types_reach_their_handler(void **state)
{
	struct sh_done d;
	struct msg m;

	(void)state;
	assert_int_equal(sh_server_register_request(SH_MSG_LUA_RUN, echo_request, NULL), 0);
	assert_int_equal(sh_server_register_request(SH_MSG_LUA_RUN, echo_request, NULL), -EEXIST);
	assert_int_equal(sh_server_register_request(SH_MSG_EXEC, echo_request, NULL), -EINVAL);
	hello();
	send_msg(SH_MSG_LUA_RUN, "print(1)", 8, NULL, 0);
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_OUTPUT);
	assert_string_equal(m.p + sizeof(struct sh_output), "print(1)");
	assert_int_equal(recv_msg(&m), 0);
	assert_int_equal(m.type, SH_MSG_DONE);
	memcpy(&d, m.p, sizeof(d));
	assert_int_equal(d.status, 0);
	assert_int_equal(sh_server_unregister_request(SH_MSG_LUA_RUN), 0);
	/* an unregistered type is a protocol error: the session ends */
	send_msg(SH_MSG_LUA_RUN, "x", 1, NULL, 0);
	assert_int_equal(recv_msg(&m), -1);
	assert_true(closed);
	bye();
}

static void protocol_violations_end_the_session(void **state)
{
	struct sh_msg_hdr big = {.type = SH_MSG_EXEC, .len = SH_PROTO_MAX_PAYLOAD + 1};
	struct msg m;

	(void)state;
	open_session(); /* EXEC before HELLO */
	send_line(SH_MSG_EXEC, "show version");
	assert_int_equal(recv_msg(&m), -1);
	assert_true(closed);
	bye();
	hello(); /* a message larger than the protocol allows */
	assert_int_equal(write(fd, &big, sizeof(big)), sizeof(big));
	assert_int_equal(recv_msg(&m), -1);
	assert_true(closed);
	bye();
}

/* A command that finishes later, from a timer, like `request services dsr check`. */
static struct {
	struct sh_ctx *ctx;
	struct tula_timer *t;
	int cancelled;
} W;

static void wait_done(struct tula_loop *l, struct tula_timer *t, void *arg)
{
	(void)l;
	(void)t;
	(void)arg;
	sh_printf(W.ctx, "waited\n");
	sh_ctx_resume(W.ctx, 0);
	W.ctx = NULL;
}

static void wait_cancel(void *arg)
{
	(void)arg;
	W.cancelled++;
	tula_timer_disarm(W.t);
	W.ctx = NULL;
}

static int do_wait(struct sh_ctx *ctx, const struct sh_match *m, void *arg)
{
	int rc;

	(void)m;
	(void)arg;
	sh_printf(ctx, "started\n");
	rc = sh_ctx_defer(ctx, wait_cancel, NULL);
	if (rc < 0)
		return sh_err(ctx, "error: cannot wait here");
	W.ctx = ctx;
	tula_timer_arm(W.t, 50, 0);
	return 0;
}

static const char *const h_wait[] = {"Make a request", "Wait a little", NULL};
static const struct sh_cmd wait_cmd = {.syntax = "request wait",
				       .help = h_wait,
				       .modes = SH_MODE_OPER,
				       .level = SH_LEVEL_OPERATOR,
				       .fn = do_wait};

static void a_deferred_command_finishes_later_while_others_are_served(void **state)
{
	char out[8192], err[8192];
	struct sh_done d;
	struct msg m;
	int a, b;

	(void)state;
	W.t = tula_timer_new(loop, wait_done, NULL);
	assert_int_equal(sh_cmd_register(&wait_cmd), 0);
	hello();
	a = fd;
	hello();
	b = fd;
	fd = a;
	send_line(SH_MSG_EXEC, "request wait");
	tula_loop_run_once(loop, 0);
	assert_non_null(W.ctx); /* the handler returned, the command goes on */
	fd = b;			/* meanwhile another session is served */
	d = exec("show version", out, err);
	assert_int_equal(d.status, 0);
	assert_non_null(W.ctx);
	bye();
	fd = a; /* then the waiting command ends with all its output */
	out[0] = '\0';
	for (;;) {
		assert_int_equal(recv_msg(&m), 0);
		if (m.type == SH_MSG_OUTPUT)
			strcat(out, m.p + sizeof(struct sh_output));
		else if (m.type == SH_MSG_DONE)
			break;
	}
	memcpy(&d, m.p, sizeof(d));
	assert_int_equal(d.status, 0);
	assert_string_equal(out, "started\nwaited\n");
	assert_null(W.ctx);
	bye();

	/* the session leaves while its command waits: the work is cancelled, once */
	hello();
	send_line(SH_MSG_EXEC, "request wait");
	tula_loop_run_once(loop, 0);
	assert_non_null(W.ctx);
	bye();
	tula_loop_run_once(loop, 100);
	assert_int_equal(W.cancelled, 1);
	assert_null(W.ctx);

	/* a front end that cannot wait (Lua's capture) is refused with the handler's error */
	{
		struct tula_buf text = TULA_BUF_INIT, e = TULA_BUF_INIT;
		struct tula_val *v = NULL;

		assert_true(sh_server_exec_capture("request wait", SH_LEVEL_OPERATOR, &v, &text,
						   &e) < 0);
		assert_non_null(strstr(tula_buf_str(&e), "cannot wait here"));
		tula_buf_free(&text);
		tula_buf_free(&e);
	}
	assert_int_equal(sh_cmd_unregister(&wait_cmd), 0);
	tula_timer_free(W.t);
}

static void capture_returns_the_structured_value(void **state)
{
	struct tula_buf text = TULA_BUF_INIT, err = TULA_BUF_INIT;
	struct tula_val *v = NULL;

	(void)state;
	assert_int_equal(
		sh_server_exec_capture("show version", SH_LEVEL_READ_ONLY, &v, &text, &err), 0);
	assert_non_null(v);
	assert_true(strlen(tula_val_as_str(tula_val_get(v, "host-name"))) > 0);
	assert_non_null(strstr(tula_buf_str(&text), "Tula version: "));
	tula_val_free(v);
	v = NULL;
	assert_true(sh_server_exec_capture("configure", SH_LEVEL_READ_ONLY, &v, &text, &err) < 0);
	assert_null(v);
	assert_non_null(strstr(tula_buf_str(&err), "permission denied"));
	tula_buf_free(&text);
	tula_buf_free(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(welcome_names_the_peer_and_its_class),
		cmocka_unit_test(exec_streams_output_then_done_with_the_prompt),
		cmocka_unit_test(a_request_after_an_odd_sized_message_is_served),
		cmocka_unit_test(errors_come_as_error_messages_and_a_failed_done),
		cmocka_unit_test(configuration_mode_changes_prompt_and_banner),
		cmocka_unit_test(completion_and_help_return_candidates),
		cmocka_unit_test(exit_returns_to_the_level_before_the_last_edit),
		cmocka_unit_test(absent_statements_are_warnings_not_errors),
		cmocka_unit_test(copy_clones_a_list_entry),
		cmocka_unit_test(exit_with_changes_asks_and_honours_the_answer),
		cmocka_unit_test(load_terminal_asks_for_text_and_loads_it),
		cmocka_unit_test(exit_in_operational_mode_ends_the_session),
		cmocka_unit_test(registered_request_types_reach_their_handler),
		cmocka_unit_test(protocol_violations_end_the_session),
		cmocka_unit_test(capture_returns_the_structured_value),
		cmocka_unit_test(a_deferred_command_finishes_later_while_others_are_served),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
