/* SPDX-License-Identifier: ISC */
/* The messages' byte layer (wire.h). */
#include <errno.h>
#include <string.h>

#include "common/wire.h"

void wire_put(struct wire_wr *w, const void *v, size_t n)
{
	if (w->over || n > w->cap - w->len) {
		w->over = true;
		return;
	}
	/* n = 0 may come with v = NULL (no certificate behind a proxy). */
	if (n > 0)
		memcpy(w->p + w->len, v, n);
	w->len += n;
}

void wire_put_u8(struct wire_wr *w, uint8_t v)
{
	wire_put(w, &v, 1);
}

void wire_put_u32(struct wire_wr *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	wire_put(w, b, 4);
}

void wire_put_u64(struct wire_wr *w, uint64_t v)
{
	wire_put_u32(w, (uint32_t)(v >> 32));
	wire_put_u32(w, (uint32_t)v);
}

void wire_put_short(struct wire_wr *w, const uint8_t *v, size_t n, size_t cap)
{
	if (n > cap || n > 255) {
		w->over = true;
		return;
	}
	wire_put_u8(w, (uint8_t)n);
	wire_put(w, v, n);
}

void wire_put_long(struct wire_wr *w, const uint8_t *v, size_t n, size_t cap)
{
	if (n > cap || n > UINT32_MAX) {
		w->over = true;
		return;
	}
	wire_put_u32(w, (uint32_t)n);
	wire_put(w, v, n);
}

void wire_put_str_short(struct wire_wr *w, const char *s, size_t cap)
{
	wire_put_short(w, (const uint8_t *)s, strnlen(s, cap + 1), cap);
}

void wire_put_str_long(struct wire_wr *w, const char *s, size_t cap)
{
	wire_put_long(w, (const uint8_t *)s, strnlen(s, cap + 1), cap);
}

int wire_wr_end(const struct wire_wr *w, size_t *len)
{
	*len = w->over ? 0 : w->len;
	return w->over ? -EMSGSIZE : 0;
}

const uint8_t *wire_get(struct wire_rd *r, size_t n)
{
	const uint8_t *v;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	v = r->p + r->off;
	r->off += n;
	return v;
}

void wire_get_raw(struct wire_rd *r, void *out, size_t n)
{
	const uint8_t *v = wire_get(r, n);

	if (v != NULL)
		memcpy(out, v, n);
}

uint8_t wire_get_u8(struct wire_rd *r)
{
	const uint8_t *v = wire_get(r, 1);

	return v != NULL ? v[0] : 0;
}

uint32_t wire_get_u32(struct wire_rd *r)
{
	const uint8_t *v = wire_get(r, 4);

	if (v == NULL)
		return 0;
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

uint64_t wire_get_u64(struct wire_rd *r)
{
	uint64_t hi = wire_get_u32(r);

	return hi << 32 | wire_get_u32(r);
}

bool wire_get_bool(struct wire_rd *r)
{
	uint8_t v = wire_get_u8(r);

	if (v > 1)
		r->bad = true;
	return v == 1;
}

size_t wire_get_short(struct wire_rd *r, uint8_t *out, size_t cap)
{
	size_t n = wire_get_u8(r);

	if (n > cap) {
		r->bad = true;
		return 0;
	}
	wire_get_raw(r, out, n);
	return r->bad ? 0 : n;
}

const uint8_t *wire_get_long_ref(struct wire_rd *r, size_t *n, size_t cap)
{
	uint32_t l = wire_get_u32(r);

	const uint8_t *v;

	*n = 0;
	if (r->bad || l > cap) {
		r->bad = true;
		return NULL;
	}
	v = wire_get(r, l);
	if (v != NULL)
		*n = l;
	return v;
}

void wire_get_long(struct wire_rd *r, uint8_t *out, size_t *n, size_t cap)
{
	const uint8_t *v = wire_get_long_ref(r, n, cap);

	if (v != NULL)
		memcpy(out, v, *n);
}

void wire_get_str_short(struct wire_rd *r, char *out, size_t cap)
{
	size_t n = wire_get_short(r, (uint8_t *)out, cap);

	out[n] = '\0';
	if (memchr(out, '\0', n) != NULL)
		r->bad = true;
}

void wire_get_str_long(struct wire_rd *r, char *out, size_t cap, bool (*valid)(const char *))
{
	size_t n = 0;
	const uint8_t *v = wire_get_long_ref(r, &n, cap);

	out[0] = '\0';
	if (v == NULL)
		return;
	if (memchr(v, '\0', n) != NULL) {
		r->bad = true;
		return;
	}
	memcpy(out, v, n);
	out[n] = '\0';
	if (n > 0 && valid != NULL && !valid(out))
		r->bad = true;
}

bool wire_rd_done(const struct wire_rd *r)
{
	return !r->bad && r->off == r->len;
}
