/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A growable byte buffer: command handlers write their output here, never to a
 * terminal; renderers and the socket protocol read it back.
 *
 * Owner: whoever declared it. Zero-initialise (TULA_BUF_INIT) and release with
 * tula_buf_free(). On allocation failure a buffer goes into a sticky error state
 * (oom = 1) and further writes are dropped, so callers check once at the end.
 */
#ifndef TULA_BUF_H
#define TULA_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct tula_buf {
	char *data; /* always NUL terminated when len > 0 */
	size_t len;
	size_t cap;
	int oom;
};

#define TULA_BUF_INIT         \
	{                     \
		NULL, 0, 0, 0 \
	}

void tula_buf_free(struct tula_buf *b);
void tula_buf_reset(struct tula_buf *b);		/* len = 0, keep the memory */
int tula_buf_reserve(struct tula_buf *b, size_t extra); /* 0 or -ENOMEM */
void tula_buf_add(struct tula_buf *b, const void *data, size_t len);
void tula_buf_puts(struct tula_buf *b, const char *s);
void tula_buf_putc(struct tula_buf *b, char c);
void tula_buf_printf(struct tula_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tula_buf_vprintf(struct tula_buf *b, const char *fmt, va_list ap);
/* The contents as a C string ("" when empty); valid until the next write. */
const char *tula_buf_str(const struct tula_buf *b);
/* Hand the memory to the caller (who frees it); the buffer becomes empty. */
char *tula_buf_steal(struct tula_buf *b);

#endif
