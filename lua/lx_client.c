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

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t r = read(fd, p, len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int send_msg(int fd, uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
	struct sh_msg_hdr h = {.type = type, .len = (uint32_t)(alen + blen)};
	int rc = write_all(fd, &h, sizeof(h));

	if (rc == 0 && alen > 0)
		rc = write_all(fd, a, alen);
	if (rc == 0 && blen > 0)
		rc = write_all(fd, b, blen);
	return rc;
}

/* One message: its type, and its payload in *p (malloc'd, NUL terminated). */
static int recv_msg(int fd, uint32_t *type, char **p, size_t *len)
{
	struct sh_msg_hdr h;
	int rc = read_all(fd, &h, sizeof(h));

	if (rc < 0)
		return rc;
	if (h.len > SH_PROTO_MAX_PAYLOAD)
		return -EPROTO;
	*p = malloc((size_t)h.len + 1);
	if (*p == NULL)
		return -ENOMEM;
	rc = read_all(fd, *p, h.len);
	if (rc < 0) {
		free(*p);
		*p = NULL;
		return rc;
	}
	(*p)[h.len] = '\0';
	*type = h.type;
	*len = h.len;
	return 0;
}

static int read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, r;
	char *buf = NULL, *nb;

	if (f == NULL)
		return -errno;
	for (;;) {
		nb = realloc(buf, cap);
		if (nb == NULL) {
			free(buf);
			fclose(f);
			return -ENOMEM;
		}
		buf = nb;
		r = fread(buf + n, 1, cap - n, f);
		n += r;
		if (n < cap)
			break;
		if (cap > LX_SCRIPT_MAX) {
			free(buf);
			fclose(f);
			return -E2BIG;
		}
		cap *= 2;
	}
	if (ferror(f)) {
		int err = errno;

		free(buf);
		fclose(f);
		return -err;
	}
	fclose(f);
	if (n > LX_SCRIPT_MAX) {
		free(buf);
		return -E2BIG;
	}
	*data = buf;
	*len = n;
	return 0;
}

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "tula lua: socket path too long: %s\n", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = errno;

		fprintf(stderr, "tula lua: cannot reach the daemon at %s: %s%s\n", path,
			strerror(err),
			err == ENOENT || err == ECONNREFUSED ? " (is tula running? --socket PATH)"
							     : "");
		close(fd);
		return -err;
	}
	return fd;
}

/* Greet the daemon: 0 when welcomed, else the exit code. */
static int hello(int fd)
{
	struct sh_hello h = {.version = SH_PROTO_VERSION, .pid = (uint32_t)getpid()};
	uint32_t type = 0;
	size_t len = 0;
	char *p = NULL;
	int rc;

	rc = send_msg(fd, SH_MSG_HELLO, &h, sizeof(h), NULL, 0);
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
				write_all(STDOUT_FILENO, p + sizeof(struct sh_output),
					  len - sizeof(struct sh_output));
			break;
		case SH_MSG_ERROR:
			write_all(STDERR_FILENO, p, len);
			break;
		case SH_MSG_ASK: {
			struct sh_answer a = {0};

			if (len >= sizeof(struct sh_ask))
				a.yes = ((struct sh_ask *)p)->default_yes;
			send_msg(fd, SH_MSG_ANSWER, &a, sizeof(a), NULL, 0);
			break;
		}
		case SH_MSG_READ_TEXT:
			send_msg(fd, SH_MSG_TEXT, NULL, 0, NULL, 0);
			break;
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
		rc = strcmp(file, "-") == 0 ? read_file("/dev/stdin", &text, &len)
					    : read_file(file, &text, &len);
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
	fd = connect_to(sock);
	if (fd < 0) {
		free(text);
		free(args);
		return EXIT_CONNECT;
	}
	rc = hello(fd);
	if (rc == 0) {
		struct sh_msg_hdr h = {.type = SH_MSG_LUA_RUN,
				       .len = (uint32_t)(sizeof(rq) + rq.name_len + len + alen)};

		if (write_all(fd, &h, sizeof(h)) < 0 || write_all(fd, &rq, sizeof(rq)) < 0 ||
		    write_all(fd, name, rq.name_len) < 0 ||
		    write_all(fd, text != NULL ? text : code, len) < 0 ||
		    write_all(fd, args, alen) < 0) {
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
