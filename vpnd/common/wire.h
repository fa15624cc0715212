/* SPDX-License-Identifier: ISC */
/*
 * The byte layer of the messages between the monitor and the network child
 * (actmsg.c, webmsg.c): big-endian integers and length-prefixed strings,
 * written into a buffer of fixed size and read back with every length
 * checked before a byte is copied. A writer that runs over, or a reader
 * that finds too few bytes or a length over its cap, only sets a flag and
 * writes or reads nothing more; the codec looks at the flag once, at the
 * end, so no field needs its own error path.
 */
#ifndef VPND_WIRE_H
#define VPND_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wire_wr {
	uint8_t *p;
	size_t len, cap;
	bool over;
};

struct wire_rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

void wire_put(struct wire_wr *w, const void *v, size_t n);
void wire_put_u8(struct wire_wr *w, uint8_t v);
void wire_put_u32(struct wire_wr *w, uint32_t v);
void wire_put_u64(struct wire_wr *w, uint64_t v);
/* A byte string of at most cap (< 256) bytes, its length in one byte. */
void wire_put_short(struct wire_wr *w, const uint8_t *v, size_t n, size_t cap);
/* A byte string of at most cap bytes, its length in 32 bits; v may be
 * NULL when n is 0. */
void wire_put_long(struct wire_wr *w, const uint8_t *v, size_t n, size_t cap);
/* Text of at most cap bytes, as wire_put_short or wire_put_long. */
void wire_put_str_short(struct wire_wr *w, const char *s, size_t cap);
void wire_put_str_long(struct wire_wr *w, const char *s, size_t cap);
/* The message's length, or 0 and -EMSGSIZE when it ran over. */
int wire_wr_end(const struct wire_wr *w, size_t *len);

/* n bytes in place, or NULL (and bad) when fewer are left. */
const uint8_t *wire_get(struct wire_rd *r, size_t n);
void wire_get_raw(struct wire_rd *r, void *out, size_t n);
uint8_t wire_get_u8(struct wire_rd *r);
uint32_t wire_get_u32(struct wire_rd *r);
uint64_t wire_get_u64(struct wire_rd *r);
/* 0 or 1; any other byte is bad. */
bool wire_get_bool(struct wire_rd *r);
/* wire_put_short's string into out (cap bytes); its length, 0 when bad. */
size_t wire_get_short(struct wire_rd *r, uint8_t *out, size_t cap);
/* wire_put_long's string in place, *n its length; NULL when bad. */
const uint8_t *wire_get_long_ref(struct wire_rd *r, size_t *n, size_t cap);
/* wire_put_long's string into out (cap bytes). */
void wire_get_long(struct wire_rd *r, uint8_t *out, size_t *n, size_t cap);
/* Text into out (cap + 1 bytes), NUL-terminated, with no NUL inside;
 * valid(out), when given, judges a non-empty one. */
void wire_get_str_short(struct wire_rd *r, char *out, size_t cap);
void wire_get_str_long(struct wire_rd *r, char *out, size_t cap, bool (*valid)(const char *));
/* Whether the whole message was read, and well. */
bool wire_rd_done(const struct wire_rd *r);

#endif
