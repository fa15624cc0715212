/* SPDX-License-Identifier: ISC */
/*
 * The registry's pending enrollment codes (registry.h): only their hash is
 * kept, with the peer they enroll and their expiry.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/clock.h"
#include "state/registry.h"

static void code_del(struct registry *r, size_t i)
{
	r->codes[i] = r->codes[--r->n_codes];
	r->dirty |= REG_CODES;
}

int registry_code_create(struct registry *r, const struct reg_peer *p, int64_t ttl, bool new_key,
			 char code[ENROLLCODE_STR_LEN + 1])
{
	struct reg_code *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	if (r->n_codes == r->cap_codes) {
		size_t cap = r->cap_codes != 0 ? r->cap_codes * 2 : 16;
		struct reg_code **v = realloc(r->codes, cap * sizeof(*v));

		if (v == NULL) {
			free(c);
			return -ENOMEM;
		}
		r->codes = v;
		r->cap_codes = cap;
	}
	enrollcode_generate(code, c->hash);
	strcpy(c->peer, p->name);
	c->expires = clock_wall() + ttl;
	c->new_key = new_key;
	r->codes[r->n_codes++] = c;
	r->dirty |= REG_CODES;
	return 0;
}

int registry_code_take(struct registry *r, const char *code, struct reg_code **out)
{
	uint8_t h[ENROLLCODE_HASH_LEN];
	int64_t now = clock_wall();

	*out = NULL;
	if (enrollcode_hash(h, code) < 0)
		return -EINVAL;
	for (size_t i = 0; i < r->n_codes; i++) {
		struct reg_code *c = r->codes[i];

		if (sodium_memcmp(c->hash, h, sizeof(h)) != 0)
			continue;
		code_del(r, i);
		if (c->expires <= now) {
			free(c);
			return -ETIMEDOUT;
		}
		*out = c;
		return 0;
	}
	return -ENOENT;
}

void registry_code_put_back(struct registry *r, struct reg_code *c)
{
	/* Taking a code never shrinks the array: there is room. */
	r->codes[r->n_codes++] = c;
	r->dirty |= REG_CODES;
}

size_t registry_code_void(struct registry *r, const char *peer)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_codes;) {
		if (strcmp(r->codes[i]->peer, peer) == 0) {
			sodium_memzero(r->codes[i], sizeof(*r->codes[i]));
			free(r->codes[i]);
			code_del(r, i);
			n++;
		} else {
			i++;
		}
	}
	return n;
}

void registry_codes_purge(struct registry *r, int64_t now)
{
	for (size_t i = 0; i < r->n_codes;) {
		if (r->codes[i]->expires <= now) {
			free(r->codes[i]);
			code_del(r, i);
		} else {
			i++;
		}
	}
}
