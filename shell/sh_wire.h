/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client end of the CLI socket (shell/sh_proto.h), shared by every client binary:
 * `tula cli` (shell/sh_client.c), the console thread, and `tula lua` (lua/lx_client.c).
 * Blocking I/O on a connected stream socket; SIGPIPE never fires (MSG_NOSIGNAL).
 * Also the client-side file access: the daemon never opens a path a client names, so
 * a client reads and writes files itself, as its own user, through these helpers.
 */
#ifndef SH_WIRE_H
#define SH_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "shell/sh_proto.h"

/* Write / read exactly n bytes (EINTR retried). 0, or -errno (-ECONNRESET at EOF). */
int sh_wire_write_all(int fd, const void *p, size_t n);
int sh_wire_read_all(int fd, void *p, size_t n);

/* One message: header, then a (alen bytes) and b (blen bytes). 0 or -errno. */
int sh_wire_send(int fd, uint32_t type, const void *a, size_t alen, const void *b, size_t blen);

/*
 * One message: its header in *h and its payload in *payload (malloc'd, NUL terminated
 * after h->len bytes; the caller frees it). 0, -EPROTO (longer than
 * SH_PROTO_MAX_PAYLOAD; nothing of it is read), -ENOMEM or the read error. On error
 * *payload is NULL.
 */
int sh_wire_recv(int fd, struct sh_msg_hdr *h, char **payload);

/*
 * Connect to the daemon's socket at path: the fd (close-on-exec), or -errno with a
 * sentence for the operator in why (what failed, where, and the likely cause).
 */
int sh_wire_connect(const char *path, char *why, size_t whylen);

/*
 * Read the whole file at path ("-" is stdin) as the calling user: 0 with *data
 * (malloc'd, NUL terminated after *len bytes), -E2BIG when it holds more than max
 * bytes (nothing returned), -EISDIR, -ENOMEM or the open/read errno.
 */
int sh_wire_read_file(const char *path, size_t max, char **data, size_t *len);

/*
 * Create or replace the file at path with data, as the calling user (mode 0666 less
 * the umask for a new file). 0 or the negative errno of open/write/close.
 */
int sh_wire_write_file(const char *path, const char *data, size_t len);

#endif
