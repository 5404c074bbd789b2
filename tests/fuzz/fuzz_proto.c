/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the client protocol (shell/sh_proto.h, and lua/lx_proto.h for
 * SH_MSG_LUA_RUN) as the daemon's CLI server decodes it. The input is the byte stream
 * a client sends: it is written into one end of a socketpair whose other end the real
 * server (sh_server_add_fd, with the Lua request registered by lx_init) serves on this
 * thread's event loop, over a real database in a temporary directory. Then the client
 * end is shut for writing and the loop runs until the server ends the session.
 *
 * Checked beyond the sanitizers: the server ends the session within 10 s of the
 * client's end of stream (it must not wait forever on a request, a question or text),
 * and every message it sends is well framed (type in the daemon's range, length within
 * SH_PROTO_MAX_PAYLOAD).
 *
 * The session is the fuzzer's own user, root, hence super-user: everything a
 * configuration session can do is reachable. `load`/`save` FILE ask the client to
 * read or write the file (READ_FILE / WRITE_FILE); this client never answers, and the
 * process works in its temporary directory (removed at exit) all the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/tula_log.h"
#include "common/tula_loop.h"
#include "db/db.h"
#include "lua/lx.h"
#include "shell/sh_proto.h"
#include "shell/sh_server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tula_loop *loop;
static struct db *db;
static char dir[4096];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* libFuzzer leaves through exit(): take the temporary directory with us */
static void cleanup(void)
{
	sh_server_stop();
	lx_fini();
	db_close(db);
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct lx_limits lim = {.memory = 8u << 20, .instructions = 200000, .time_ms = 200};
	struct db_open_opts o = {0};
	struct sh_server_opts so = {.host_name = "fuzz"};
	struct lx_opts lo = {.limits = &lim};
	char path[4200], scripts[4200], why[256];

	(void)argc;
	(void)argv;
	tula_log_set_stderr(0); /* protocol errors are logged: expected here */
	snprintf(dir, sizeof(dir), "%s/tula-fuzz-proto-XXXXXX",
		 getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL || chdir(dir) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/config.db", dir);
	snprintf(scripts, sizeof(scripts), "%s/scripts", dir);
	o.path = path;
	loop = tula_loop_new();
	if (loop == NULL || db_open(&o, &db, NULL) < 0)
		abort();
	lo.db = db;
	lo.loop = loop;
	lo.scripts_dir = scripts;
	if (lx_init(&lo) != 0 || sh_server_start(loop, db, &so, why, sizeof(why)) != 0) {
		fprintf(stderr, "fuzz_proto: cannot start the server: %s\n", why);
		abort();
	}
	atexit(cleanup);
	return 0;
}

static void on_close(void *arg)
{
	*(int *)arg = 1;
}

/* Read what the server sent so far and check its framing; keeps a partial header. */
struct reader {
	uint8_t hdr[sizeof(struct sh_msg_hdr)];
	size_t have;   /* header bytes held */
	uint64_t skip; /* payload bytes still to skip */
};

static void drain(int fd, struct reader *r)
{
	uint8_t buf[65536];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size_t i = 0;

		while (i < (size_t)n) {
			if (r->skip > 0) {
				size_t k = (size_t)n - i < r->skip ? (size_t)n - i : r->skip;

				i += k;
				r->skip -= k;
				continue;
			}
			r->hdr[r->have++] = buf[i++];
			if (r->have == sizeof(r->hdr)) {
				struct sh_msg_hdr h;

				memcpy(&h, r->hdr, sizeof(h));
				/* WRITE_FILE: the last daemon -> client type */
				if (h.type < SH_MSG_WELCOME || h.type > SH_MSG_WRITE_FILE ||
				    h.len > SH_PROTO_MAX_PAYLOAD) {
					fprintf(stderr, "fuzz_proto: server sent type %u len %u\n",
						h.type, h.len);
					abort();
				}
				r->skip = h.len;
				r->have = 0;
			}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = {0};
	size_t off = 0;
	uint64_t deadline;
	int sv[2], closed = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0)
		abort();
	if (sh_server_add_fd(sv[0], on_close, &closed) != 0)
		abort();
	/* feed the stream as fast as the server takes it, then end it */
	while (off < size && !closed) {
		ssize_t n = write(sv[1], data + off, size - off);

		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && errno != EAGAIN)
			break;
		tula_loop_run_once(loop, 0);
		drain(sv[1], &r);
	}
	shutdown(sv[1], SHUT_WR);
	deadline = tula_now_ms() + 10000;
	while (!closed) {
		if (tula_now_ms() > deadline) {
			fprintf(stderr, "fuzz_proto: the session outlived its client by 10 s\n");
			abort();
		}
		tula_loop_run_once(loop, 10);
		drain(sv[1], &r);
	}
	close(sv[1]);
	return 0;
}
