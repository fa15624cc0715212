/* SPDX-License-Identifier: ISC */
/* A growing text buffer for files, replies and tables. */
#ifndef KEYGATE_STRBUF_H
#define KEYGATE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf; /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
	bool failed; /* an allocation failed; the content is incomplete */
	size_t max;  /* 0: no limit; else len never passes it */
	bool full;   /* failed because max was reached */
};

void strbuf_init(struct strbuf *sb);
/* For text with a size limit (a config file, a reply from another process):
 * what would take the content past max bytes fails the buffer instead. */
void strbuf_init_max(struct strbuf *sb, size_t max);
/* 0, or why the content is incomplete: -ENOSPC (max) or -ENOMEM. */
int strbuf_error(const struct strbuf *sb);
/* Wipes the content (it may hold keys) and frees it. */
void strbuf_finish(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
/* Cuts the content to len bytes, wiping what goes; longer content only. */
void strbuf_truncate(struct strbuf *sb, size_t len);
void strbuf_add(struct strbuf *sb, const char *s, size_t len);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal, quotes included. */
void strbuf_json_string(struct strbuf *sb, const char *s);
/* The same with every byte past 0x7e escaped too, so that text from the
 * system (process names), which need not be UTF-8, still makes valid JSON. */
void strbuf_json_ascii(struct strbuf *sb, const char *s);

#endif
