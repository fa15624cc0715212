/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "render.h"

/* Grows by copying, never by realloc, so no copy of a secret is left
 * behind in freed memory. */
static int buf_reserve(struct buf *b, size_t more)
{
	unsigned char *bigger;
	size_t cap;

	if (more <= b->cap - b->len)
		return 0;
	if (more > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	cap = b->cap > 0 ? b->cap : 1024;
	while (cap - b->len < more)
		cap *= 2;
	bigger = malloc(cap);
	if (bigger == NULL)
		return -ENOMEM;
	if (b->len > 0)
		memcpy(bigger, b->data, b->len);
	if (b->data != NULL)
		sodium_memzero(b->data, b->cap);
	free(b->data);
	b->data = bigger;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *data, size_t len)
{
	int ret = buf_reserve(b, len + 1);

	if (ret < 0)
		return ret;
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	ret = buf_reserve(b, (size_t)n + 1);
	if (ret < 0)
		return ret;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void buf_free(struct buf *b)
{
	if (b->data != NULL)
		sodium_memzero(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
