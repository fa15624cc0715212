/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "cbor_write.h"

void cbw_init(struct cbw *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->overflow = false;
}

bool cbw_ok(const struct cbw *w)
{
	return !w->overflow;
}

void cbw_raw(struct cbw *w, const uint8_t *p, size_t len)
{
	if (w->overflow || w->cap - w->len < len) {
		w->overflow = true;
		return;
	}
	if (len > 0)
		memcpy(w->buf + w->len, p, len);
	w->len += len;
}

/* The shortest head, as canonical CBOR requires. */
static void cbw_head(struct cbw *w, uint8_t major, uint64_t arg)
{
	uint8_t h[9];
	size_t n;

	if (arg < 24) {
		h[0] = (uint8_t)(major << 5 | arg);
		n = 1;
	} else if (arg <= 0xff) {
		h[0] = (uint8_t)(major << 5 | 24);
		n = 2;
	} else if (arg <= 0xffff) {
		h[0] = (uint8_t)(major << 5 | 25);
		n = 3;
	} else if (arg <= 0xffffffff) {
		h[0] = (uint8_t)(major << 5 | 26);
		n = 5;
	} else {
		h[0] = (uint8_t)(major << 5 | 27);
		n = 9;
	}
	for (size_t i = 1; i < n; i++)
		h[i] = (uint8_t)(arg >> (8 * (n - 1 - i)));
	cbw_raw(w, h, n);
}

void cbw_int(struct cbw *w, int64_t v)
{
	if (v >= 0)
		cbw_head(w, 0, (uint64_t)v);
	else
		cbw_head(w, 1, (uint64_t)(-1 - v));
}

void cbw_bytes(struct cbw *w, const uint8_t *p, size_t len)
{
	cbw_head(w, 2, len);
	cbw_raw(w, p, len);
}

void cbw_text(struct cbw *w, const char *s)
{
	size_t len = strlen(s);

	cbw_head(w, 3, len);
	cbw_raw(w, (const uint8_t *)s, len);
}

void cbw_bool(struct cbw *w, bool v)
{
	cbw_head(w, 7, v ? 21 : 20);
}

void cbw_map(struct cbw *w, size_t n)
{
	cbw_head(w, 5, n);
}

void cbw_array(struct cbw *w, size_t n)
{
	cbw_head(w, 4, n);
}
