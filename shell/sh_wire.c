/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client end of the CLI socket and the client-side file reader (shell/sh_wire.h):
 * one copy for `tula cli`, the console and `tula lua`.
 */
#include "shell/sh_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int sh_wire_write_all(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int sh_wire_read_all(int fd, void *p, size_t n)
{
	char *b = p;

	while (n > 0) {
		ssize_t r = recv(fd, b, n, 0);

		if (r == 0)
			return -ECONNRESET;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		b += r;
		n -= (size_t)r;
	}
	return 0;
}

int sh_wire_send(int fd, uint32_t type, const void *a, size_t alen, const void *b, size_t blen)
{
	struct sh_msg_hdr h = {.type = type, .len = (uint32_t)(alen + blen)};
	int rc;

	if (alen + blen > SH_PROTO_MAX_PAYLOAD)
		return -EMSGSIZE;
	rc = sh_wire_write_all(fd, &h, sizeof(h));
	if (rc == 0 && alen > 0)
		rc = sh_wire_write_all(fd, a, alen);
	if (rc == 0 && blen > 0)
		rc = sh_wire_write_all(fd, b, blen);
	return rc;
}

int sh_wire_recv(int fd, struct sh_msg_hdr *h, char **payload)
{
	int rc;

	*payload = NULL;
	rc = sh_wire_read_all(fd, h, sizeof(*h));
	if (rc == 0 && h->len > SH_PROTO_MAX_PAYLOAD)
		rc = -EPROTO;
	if (rc == 0) {
		*payload = malloc((size_t)h->len + 1);
		if (*payload == NULL)
			rc = -ENOMEM;
	}
	if (rc == 0)
		rc = sh_wire_read_all(fd, *payload, h->len);
	if (rc < 0) {
		free(*payload);
		*payload = NULL;
		return rc;
	}
	(*payload)[h->len] = '\0';
	return 0;
}

int sh_wire_connect(const char *path, char *why, size_t whylen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(why, whylen, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		snprintf(why, whylen, "socket: %s", strerror(err));
		return -err;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		if (err == EACCES || err == EPERM)
			snprintf(why, whylen,
				 "cannot connect to %s: %s (only root and members of group tula "
				 "may use the CLI)",
				 path, strerror(err));
		else if (err == ENOENT || err == ECONNREFUSED)
			snprintf(why, whylen,
				 "cannot connect to %s: %s (is tula running? --socket PATH)", path,
				 strerror(err));
		else
			snprintf(why, whylen, "cannot connect to %s: %s", path, strerror(err));
		return -err;
	}
	return fd;
}

int sh_wire_read_file(const char *path, size_t max, char **data, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL, *nb;
	struct stat st;
	int fd, rc = 0;

	*data = NULL;
	*len = 0;
	if (strcmp(path, "-") == 0)
		fd = dup(STDIN_FILENO);
	else
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	for (;;) {
		ssize_t r;

		if (n == cap || buf == NULL) {
			cap = buf == NULL ? cap : cap * 2;
			if (cap > max + 1)
				cap = max +
				      1; /* one byte more tells "too large" from "exactly max" */
			nb = realloc(buf, cap + 1);
			if (nb == NULL) {
				rc = -ENOMEM;
				break;
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = -E2BIG;
			break;
		}
	}
	close(fd);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int sh_wire_write_file(const char *path, const char *data, size_t len)
{
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t w = write(fd, data, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = -errno;
			break;
		}
		data += w;
		len -= (size_t)w;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}
