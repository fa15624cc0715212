/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "cbor_read.h"
#include "softkey.h"

#define MAJOR_UINT  0
#define MAJOR_NEG   1
#define MAJOR_BYTES 2
#define MAJOR_TEXT  3
#define MAJOR_ARRAY 4
#define MAJOR_MAP   5
#define MAJOR_TAG   6
#define MAJOR_OTHER 7

/* Reads an initial byte and its argument. Indefinite lengths and the
 * reserved additional-information values are refused. */
static uint8_t cbr_head(struct cbr *r, uint8_t *major, uint64_t *arg)
{
	uint8_t ai;
	size_t n;

	if (r->left < 1)
		return CTAP2_ERR_INVALID_CBOR;
	*major = r->p[0] >> 5;
	ai = r->p[0] & 0x1f;
	r->p++;
	r->left--;
	if (ai < 24) {
		*arg = ai;
		return CTAP2_OK;
	}
	if (ai > 27)
		return CTAP2_ERR_INVALID_CBOR;
	n = (size_t)1 << (ai - 24);
	if (r->left < n)
		return CTAP2_ERR_INVALID_CBOR;
	*arg = 0;
	for (size_t i = 0; i < n; i++)
		*arg = *arg << 8 | r->p[i];
	r->p += n;
	r->left -= n;
	return CTAP2_OK;
}

uint8_t cbr_peek_major(const struct cbr *r, uint8_t *major)
{
	if (r->left < 1)
		return CTAP2_ERR_INVALID_CBOR;
	*major = r->p[0] >> 5;
	return CTAP2_OK;
}

static uint8_t cbr_skip_depth(struct cbr *r, unsigned depth)
{
	uint8_t major, st;
	uint64_t arg;

	if (depth > CBR_MAX_DEPTH)
		return CTAP2_ERR_INVALID_CBOR;
	if ((st = cbr_head(r, &major, &arg)) != CTAP2_OK)
		return st;
	switch (major) {
	case MAJOR_UINT:
	case MAJOR_NEG:
		return CTAP2_OK;
	case MAJOR_BYTES:
	case MAJOR_TEXT:
		if (arg > r->left)
			return CTAP2_ERR_INVALID_CBOR;
		r->p += arg;
		r->left -= (size_t)arg;
		return CTAP2_OK;
	case MAJOR_ARRAY:
	case MAJOR_MAP:
		if (arg > r->left)
			return CTAP2_ERR_INVALID_CBOR;
		if (major == MAJOR_MAP)
			arg *= 2;
		for (uint64_t i = 0; i < arg; i++)
			if ((st = cbr_skip_depth(r, depth + 1)) != CTAP2_OK)
				return st;
		return CTAP2_OK;
	case MAJOR_TAG:
		return cbr_skip_depth(r, depth + 1);
	default:
		/* Simple values and floats: the argument was the payload. */
		return CTAP2_OK;
	}
}

uint8_t cbr_skip(struct cbr *r)
{
	return cbr_skip_depth(r, 0);
}

static uint8_t cbr_expect(struct cbr *r, uint8_t want, uint64_t *arg)
{
	uint8_t major;

	if (cbr_peek_major(r, &major) != CTAP2_OK)
		return CTAP2_ERR_INVALID_CBOR;
	if (major != want)
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	return cbr_head(r, &major, arg);
}

uint8_t cbr_uint(struct cbr *r, uint64_t *v)
{
	return cbr_expect(r, MAJOR_UINT, v);
}

uint8_t cbr_int(struct cbr *r, int64_t *v)
{
	uint8_t major, st;
	uint64_t arg;

	if ((st = cbr_peek_major(r, &major)) != CTAP2_OK)
		return st;
	if (major != MAJOR_UINT && major != MAJOR_NEG)
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if ((st = cbr_head(r, &major, &arg)) != CTAP2_OK)
		return st;
	if (arg > INT64_MAX)
		return CTAP2_ERR_INVALID_CBOR;
	*v = major == MAJOR_UINT ? (int64_t)arg : -1 - (int64_t)arg;
	return CTAP2_OK;
}

static uint8_t cbr_string(struct cbr *r, uint8_t want, const uint8_t **ptr, size_t *len)
{
	uint64_t arg;
	uint8_t st;

	if ((st = cbr_expect(r, want, &arg)) != CTAP2_OK)
		return st;
	if (arg > r->left)
		return CTAP2_ERR_INVALID_CBOR;
	*ptr = r->p;
	*len = (size_t)arg;
	r->p += arg;
	r->left -= (size_t)arg;
	return CTAP2_OK;
}

uint8_t cbr_bytes(struct cbr *r, const uint8_t **ptr, size_t *len)
{
	return cbr_string(r, MAJOR_BYTES, ptr, len);
}

uint8_t cbr_text(struct cbr *r, const char **ptr, size_t *len)
{
	return cbr_string(r, MAJOR_TEXT, (const uint8_t **)ptr, len);
}

uint8_t cbr_bool(struct cbr *r, bool *v)
{
	uint64_t arg;
	uint8_t st;

	if ((st = cbr_expect(r, MAJOR_OTHER, &arg)) != CTAP2_OK)
		return st;
	if (arg != 20 && arg != 21)
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	*v = arg == 21;
	return CTAP2_OK;
}

/* A container cannot hold more items than bytes remain. */
static uint8_t cbr_container(struct cbr *r, uint8_t want, size_t *n)
{
	uint64_t arg;
	uint8_t st;

	if ((st = cbr_expect(r, want, &arg)) != CTAP2_OK)
		return st;
	if (arg > r->left)
		return CTAP2_ERR_INVALID_CBOR;
	*n = (size_t)arg;
	return CTAP2_OK;
}

uint8_t cbr_map(struct cbr *r, size_t *n)
{
	return cbr_container(r, MAJOR_MAP, n);
}

uint8_t cbr_array(struct cbr *r, size_t *n)
{
	return cbr_container(r, MAJOR_ARRAY, n);
}

uint8_t cbr_text_copy(struct cbr *r, char *out, size_t max)
{
	const char *p;
	size_t len;
	uint8_t st;

	if ((st = cbr_text(r, &p, &len)) != CTAP2_OK)
		return st;
	if (len > max)
		return CTAP2_ERR_LIMIT_EXCEEDED;
	if (memchr(p, '\0', len) != NULL)
		return CTAP1_ERR_INVALID_PARAMETER;
	memcpy(out, p, len);
	out[len] = '\0';
	return CTAP2_OK;
}

uint8_t cbr_bytes_copy(struct cbr *r, uint8_t *out, size_t max, size_t *len)
{
	const uint8_t *p;
	uint8_t st;

	if ((st = cbr_bytes(r, &p, len)) != CTAP2_OK)
		return st;
	if (*len > max)
		return CTAP1_ERR_INVALID_LENGTH;
	memcpy(out, p, *len);
	return CTAP2_OK;
}
