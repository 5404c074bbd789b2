/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/tula_buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tula_buf_free(struct tula_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = 0;
}

void tula_buf_reset(struct tula_buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int tula_buf_reserve(struct tula_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return -ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (p == NULL) {
		b->oom = 1;
		return -ENOMEM;
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

void tula_buf_add(struct tula_buf *b, const void *data, size_t len)
{
	if (len == 0) /* data may be an empty buffer's NULL: memcpy must not see it */
		return;
	if (tula_buf_reserve(b, len) < 0)
		return;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void tula_buf_puts(struct tula_buf *b, const char *s)
{
	tula_buf_add(b, s, strlen(s));
}

void tula_buf_putc(struct tula_buf *b, char c)
{
	tula_buf_add(b, &c, 1);
}

void tula_buf_vprintf(struct tula_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || tula_buf_reserve(b, (size_t)n) < 0)
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void tula_buf_printf(struct tula_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tula_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

const char *tula_buf_str(const struct tula_buf *b)
{
	return b->len > 0 ? b->data : "";
}

char *tula_buf_steal(struct tula_buf *b)
{
	char *p = b->data;

	if (p == NULL)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
