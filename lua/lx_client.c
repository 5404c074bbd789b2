/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `tula lua [--socket PATH] (FILE | -e CODE) [ARGS]...`: the client side.
 *
 * Reads the script here (as the caller, with the caller's permissions), sends it to
 * the daemon over the CLI socket as one SH_MSG_LUA_RUN request, and copies the answer
 * out: OUTPUT to stdout, ERROR to stderr, DONE's status into the exit code. The
 * daemon runs the script under the caller's login class (SO_PEERCRED).
 */
#include "lua/lx.h"
#include "lua/lx_proto.h"

#include "shell/sh_proto.h"
#include "shell/sh_wire.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define EXIT_SCRIPT  1
#define EXIT_USAGE   2
#define EXIT_CONNECT 3

static void usage(FILE *f)
{
	fprintf(f, "Usage: tula lua [--socket PATH] (FILE | -e CODE) [ARGS]...\n"
		   "\n"
		   "Run a Lua script in the Tula daemon, with your login class.\n"
		   "  --socket PATH  the daemon's CLI socket (default /run/tula/cli.sock)\n"
		   "  -e CODE        run CODE instead of a file\n"
		   "The script receives ARGS as ... and as the table arg (arg[0] is its name).\n"
		   "Exit status: 0 success, 1 the script failed, 2 usage, 3 no daemon.\n");
}

/* One message: its type, and its payload in *p (malloc'd, NUL terminated). */
static int recv_msg(int fd, uint32_t *type, char **p, size_t *len)
{
	struct sh_msg_hdr h;
	int rc = sh_wire_recv(fd, &h, p);

	if (rc < 0)
		return rc;
	*type = h.type;
	*len = h.len;
	return 0;
}

/* Copy to stdout / stderr (files or pipes, so write(), not the socket helpers). */
static void write_out(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

/* Greet the daemon: 0 when welcomed, else the exit code. */
static int hello(int fd)
{
	struct sh_hello h = {.version = SH_PROTO_VERSION, .pid = (uint32_t)getpid()};
	uint32_t type = 0;
	size_t len = 0;
	char *p = NULL;
	int rc;

	rc = sh_wire_send(fd, SH_MSG_HELLO, &h, sizeof(h), NULL, 0);
	if (rc == 0)
		rc = recv_msg(fd, &type, &p, &len);
	if (rc < 0) {
		fprintf(stderr, "tula lua: the daemon closed the connection: %s\n", strerror(-rc));
		return EXIT_CONNECT;
	}
	rc = 0;
	if (type == SH_MSG_REFUSED) {
		fprintf(stderr, "tula lua: refused: %s\n", p);
		rc = EXIT_CONNECT;
	} else if (type != SH_MSG_WELCOME) {
		fprintf(stderr, "tula lua: unexpected answer %u from the daemon\n", type);
		rc = EXIT_CONNECT;
	}
	free(p);
	return rc;
}

/* Copy the daemon's answer out until DONE; returns the exit code. */
static int answer(int fd)
{
	for (;;) {
		uint32_t type = 0;
		size_t len = 0;
		char *p = NULL;
		int rc = recv_msg(fd, &type, &p, &len);

		if (rc < 0) {
			fprintf(stderr, "tula lua: connection to the daemon lost: %s\n",
				strerror(-rc));
			return EXIT_CONNECT;
		}
		switch (type) {
		case SH_MSG_OUTPUT:
			if (len > sizeof(struct sh_output))
				write_out(STDOUT_FILENO, p + sizeof(struct sh_output),
					  len - sizeof(struct sh_output));
			break;
		case SH_MSG_ERROR:
			write_out(STDERR_FILENO, p, len);
			break;
		case SH_MSG_ASK: {
			struct sh_answer a = {0};

			if (len >= sizeof(struct sh_ask))
				a.yes = ((struct sh_ask *)p)->default_yes;
			sh_wire_send(fd, SH_MSG_ANSWER, &a, sizeof(a), NULL, 0);
			break;
		}
		case SH_MSG_READ_TEXT:
			sh_wire_send(fd, SH_MSG_TEXT, NULL, 0, NULL, 0);
			break;
		case SH_MSG_READ_FILE:
		case SH_MSG_WRITE_FILE: {
			/* a script names no files for the operator's client to open */
			struct sh_file_status st = {.status = -EPERM};

			sh_wire_send(fd, SH_MSG_FILE, &st, sizeof(st), NULL, 0);
			break;
		}
		case SH_MSG_DONE: {
			int status = len >= sizeof(struct sh_done) ? ((struct sh_done *)p)->status
								   : -EPROTO;

			free(p);
			return status == 0 ? 0 : EXIT_SCRIPT;
		}
		default:
			break;
		}
		free(p);
	}
}

int lx_client_main(int argc, char **argv)
{
	const char *sock = "/run/tula/cli.sock", *file = NULL, *code = NULL;
	struct lx_run_req rq = {0};
	char *text = NULL, *args = NULL;
	const char *name;
	size_t len = 0, alen = 0;
	char why[512];
	int i, fd, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--socket") == 0 && i + 1 < argc) {
			sock = argv[++i];
		} else if (strncmp(argv[i], "--socket=", 9) == 0) {
			sock = argv[i] + 9;
		} else if (strcmp(argv[i], "-e") == 0 && i + 1 < argc) {
			code = argv[++i];
			i++;
			break;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "tula lua: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		} else {
			file = argv[i++];
			break;
		}
	}
	if (file == NULL && code == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (file != NULL) {
		rc = sh_wire_read_file(file, LX_SCRIPT_MAX, &text, &len);
		if (rc < 0) {
			fprintf(stderr, "tula lua: cannot read %s: %s\n", file,
				rc == -E2BIG ? "larger than 1 MiB" : strerror(-rc));
			return EXIT_USAGE;
		}
		name = strrchr(file, '/') != NULL ? strrchr(file, '/') + 1 : file;
	} else {
		len = strlen(code);
		name = "(command line)";
		rq.flags |= LX_REQ_INLINE;
	}
	for (; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		char *na = realloc(args, alen + n);

		if (na == NULL) {
			fprintf(stderr, "tula lua: out of memory\n");
			free(args);
			free(text);
			return EXIT_USAGE;
		}
		args = na;
		memcpy(args + alen, argv[i], n);
		alen += n;
		rq.argc++;
	}
	rq.name_len = (uint32_t)(strlen(name) > 100 ? 100 : strlen(name));
	rq.code_len = (uint32_t)len;
	rq.args_len = (uint32_t)alen;

	signal(SIGPIPE, SIG_IGN);
	fd = sh_wire_connect(sock, why, sizeof(why));
	if (fd < 0) {
		fprintf(stderr, "tula lua: %s\n", why);
		free(text);
		free(args);
		return EXIT_CONNECT;
	}
	rc = hello(fd);
	if (rc == 0) {
		struct sh_msg_hdr h = {.type = SH_MSG_LUA_RUN,
				       .len = (uint32_t)(sizeof(rq) + rq.name_len + len + alen)};

		if (sh_wire_write_all(fd, &h, sizeof(h)) < 0 ||
		    sh_wire_write_all(fd, &rq, sizeof(rq)) < 0 ||
		    sh_wire_write_all(fd, name, rq.name_len) < 0 ||
		    sh_wire_write_all(fd, text != NULL ? text : code, len) < 0 ||
		    sh_wire_write_all(fd, args, alen) < 0) {
			fprintf(stderr, "tula lua: cannot send the script: %s\n", strerror(errno));
			rc = EXIT_CONNECT;
		} else {
			rc = answer(fd);
		}
	}
	close(fd);
	free(text);
	free(args);
	return rc;
}
