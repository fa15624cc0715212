/* SPDX-License-Identifier: ISC */
/*
 * A small reader for the CBOR subset CTAP2 requests use: definite lengths,
 * integers, byte and text strings, arrays, maps, booleans. Every length is
 * checked against the bytes left before anything is read; nesting is
 * bounded. Errors are CTAP2 status codes.
 */
#ifndef SOFTKEY_CBOR_READ_H
#define SOFTKEY_CBOR_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cbr {
	const uint8_t *p;
	size_t left;
};

#define CBR_MAX_DEPTH 8

uint8_t cbr_peek_major(const struct cbr *r, uint8_t *major);
uint8_t cbr_skip(struct cbr *r);
uint8_t cbr_uint(struct cbr *r, uint64_t *v);
/* An unsigned or negative integer that fits int64_t. */
uint8_t cbr_int(struct cbr *r, int64_t *v);
uint8_t cbr_bytes(struct cbr *r, const uint8_t **ptr, size_t *len);
uint8_t cbr_text(struct cbr *r, const char **ptr, size_t *len);
uint8_t cbr_bool(struct cbr *r, bool *v);
uint8_t cbr_map(struct cbr *r, size_t *n);
uint8_t cbr_array(struct cbr *r, size_t *n);
/* A text string copied NUL-terminated; no NUL inside, at most max bytes. */
uint8_t cbr_text_copy(struct cbr *r, char *out, size_t max);
/* A byte string of at most max bytes. */
uint8_t cbr_bytes_copy(struct cbr *r, uint8_t *out, size_t max, size_t *len);

#endif
