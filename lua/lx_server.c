/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon side of `tula lua`: a request of the CLI server (SH_MSG_LUA_RUN, payload
 * in lx_proto.h). The script runs in a sandbox as the session's user with the
 * session's login class — identified by the server with SO_PEERCRED — and its
 * arguments arrive as `...` and as the table `arg` (arg[0] is the script's name), as
 * with the standalone lua interpreter.
 */
#include "lua/lx_int.h"
#include "lua/lx_proto.h"

#include "shell/sh_proto.h"
#include "shell/sh_level.h"
#include "shell/sh_server.h"

#include <errno.h>
#include <lauxlib.h>
#include <stdio.h>
#include <string.h>

struct req_args {
	const char *name;
	const char *args;
	uint32_t argc;
};

static int push_req_args(lua_State *L, void *arg)
{
	const struct req_args *a = arg;
	const char *p = a->args;
	uint32_t i;

	lua_createtable(L, (int)a->argc, 1);
	lua_pushstring(L, a->name);
	lua_rawseti(L, -2, 0);
	for (i = 0; i < a->argc; i++) {
		lua_pushstring(L, p);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
		p += strlen(p) + 1;
	}
	lua_setglobal(L, "arg");
	p = a->args;
	luaL_checkstack(L, (int)a->argc, "too many arguments");
	for (i = 0; i < a->argc; i++) {
		lua_pushstring(L, p);
		p += strlen(p) + 1;
	}
	return (int)a->argc;
}

/* The arguments area holds exactly argc NUL-terminated strings. */
static int args_ok(const char *args, size_t len, uint32_t argc)
{
	size_t off = 0;
	uint32_t i;

	for (i = 0; i < argc; i++) {
		const char *nul = memchr(args + off, '\0', len - off);

		if (nul == NULL)
			return 0;
		off = (size_t)(nul - args) + 1;
	}
	return off == len;
}

/* Output in pieces well under SH_PROTO_MAX_PAYLOAD (print() may write more). */
static void send_output(struct sh_session *s, const struct tula_buf *out)
{
	size_t off = 0, n;

	while (off < out->len) {
		n = out->len - off < (1u << 20) ? out->len - off : (1u << 20);
		sh_session_output(s, out->data + off, n);
		off += n;
	}
}

static int on_lua_run(struct sh_session *s, uint32_t type, const void *payload, size_t len,
		      void *arg)
{
	struct lx *lx = arg;
	const struct lx_run_req *rq = payload;
	struct tula_buf err = TULA_BUF_INIT;
	struct req_args a;
	struct lx_run run;
	char name[128];
	const char *code;
	int rc;

	(void)type;
	if (len < sizeof(*rq) ||
	    (uint64_t)rq->name_len + rq->code_len + rq->args_len != len - sizeof(*rq) ||
	    rq->name_len >= sizeof(name) || rq->argc > 1024 ||
	    !args_ok((const char *)(rq + 1) + rq->name_len + rq->code_len, rq->args_len, rq->argc))
		return -EPROTO;
	memcpy(name, rq + 1, rq->name_len);
	name[rq->name_len] = '\0';
	code = (const char *)(rq + 1) + rq->name_len;
	a.name = name;
	a.args = code + rq->code_len;
	a.argc = rq->argc;

	/* a script holds the control thread for up to its whole budget: operator or above */
	if (sh_session_level(s) < SH_LEVEL_OPERATOR) {
		tula_buf_printf(&err,
				"permission denied: 'tula lua' needs class operator; your class is "
				"%s",
				sh_level_name(sh_session_level(s)));
		rc = -EACCES;
		goto out;
	}
	rc = lx_run_init(&run, lx, sh_session_user(s), sh_session_level(s), name, LX_API_OPER, NULL,
			 &err);
	if (rc == 0)
		rc = lx_run_exec(&run, NULL, code, rq->code_len,
				 (rq->flags & LX_REQ_INLINE) ? "=(command line)" : name,
				 push_req_args, &a, &err);
	send_output(s, &run.out);
	lx_run_fini(&run);
out:
	if (rc < 0) {
		struct tula_buf line = TULA_BUF_INIT;

		tula_buf_printf(&line, "%s%s\n",
				strncmp(tula_buf_str(&err), "error: ", 7) ? "error: " : "",
				tula_buf_str(&err));
		sh_session_error(s, line.data, line.len);
		tula_buf_free(&line);
	}
	tula_buf_free(&err);
	sh_session_done(s, rc);
	return 0;
}

int lx_server_register(struct lx *lx)
{
	int rc = sh_server_register_request(SH_MSG_LUA_RUN, on_lua_run, lx);

	if (rc == 0)
		lx->request_registered = 1;
	return rc;
}

void lx_server_unregister(struct lx *lx)
{
	if (lx->request_registered)
		sh_server_unregister_request(SH_MSG_LUA_RUN);
	lx->request_registered = 0;
}
