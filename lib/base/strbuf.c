/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/strbuf.h"

void strbuf_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

void strbuf_init_max(struct strbuf *sb, size_t max)
{
	strbuf_init(sb);
	sb->max = max;
}

int strbuf_error(const struct strbuf *sb)
{
	if (!sb->failed)
		return 0;
	return sb->full ? -ENOSPC : -ENOMEM;
}

void strbuf_finish(struct strbuf *sb)
{
	if (sb->buf != NULL)
		sodium_memzero(sb->buf, sb->cap);
	free(sb->buf);
	strbuf_init(sb);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf != NULL)
		sb->buf[0] = '\0';
}

void strbuf_truncate(struct strbuf *sb, size_t len)
{
	if (len >= sb->len)
		return;
	sodium_memzero(sb->buf + len, sb->len - len);
	sb->len = len;
}

static int strbuf_grow(struct strbuf *sb, size_t more)
{
	size_t cap = sb->cap != 0 ? sb->cap : 256;
	char *p;

	if (sb->failed || more > ((size_t)-1) / 4 - sb->len)
		goto fail;
	if (sb->max != 0 && more > sb->max - sb->len) {
		sb->full = true;
		goto fail;
	}
	while (cap < sb->len + more + 1)
		cap *= 2;
	if (sb->max != 0 && cap > sb->max + 1)
		cap = sb->max + 1;
	if (cap <= sb->cap)
		return 0;
	p = malloc(cap);
	if (p == NULL)
		goto fail;
	/* Copy and wipe instead of realloc: the old block may hold keys. */
	if (sb->buf != NULL) {
		memcpy(p, sb->buf, sb->len + 1);
		sodium_memzero(sb->buf, sb->cap);
		free(sb->buf);
	}
	sb->buf = p;
	sb->cap = cap;
	return 0;
fail:
	sb->failed = true;
	return -ENOMEM;
}

void strbuf_add(struct strbuf *sb, const char *s, size_t len)
{
	if (strbuf_grow(sb, len) < 0)
		return;
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || strbuf_grow(sb, (size_t)n) < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

static void strbuf_json(struct strbuf *sb, const char *s, bool ascii)
{
	strbuf_add(sb, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			strbuf_printf(sb, "\\%c", c);
		else if (c < 0x20 || c == 0x7f || (ascii && c > 0x7f))
			strbuf_printf(sb, "\\u%04x", c);
		else
			strbuf_add(sb, s, 1);
	}
	strbuf_add(sb, "\"", 1);
}

void strbuf_json_string(struct strbuf *sb, const char *s)
{
	strbuf_json(sb, s, false);
}

void strbuf_json_ascii(struct strbuf *sb, const char *s)
{
	strbuf_json(sb, s, true);
}
