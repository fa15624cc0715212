/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/htab.h"

static unsigned char htab_seed[crypto_shorthash_KEYBYTES];
static int htab_seeded;

static size_t htab_hash(const void *key, size_t len)
{
	uint64_t h;

	if (!htab_seeded) {
		randombytes_buf(htab_seed, sizeof(htab_seed));
		htab_seeded = 1;
	}
	crypto_shorthash((unsigned char *)&h, key, len, htab_seed);
	return (size_t)h;
}

void htab_init(struct htab *h, htab_key_fn key)
{
	memset(h, 0, sizeof(*h));
	h->key = key;
}

void htab_finish(struct htab *h)
{
	free(h->slots);
	h->slots = NULL;
	h->size = h->count = 0;
}

static size_t htab_slot_of(const struct htab *h, const void *obj)
{
	size_t len;
	const void *k = h->key(obj, &len);

	return htab_hash(k, len) & (h->size - 1);
}

static int htab_resize(struct htab *h, size_t size)
{
	void **old = h->slots;
	size_t oldsize = h->size;

	h->slots = calloc(size, sizeof(*h->slots));
	if (h->slots == NULL) {
		h->slots = old;
		return -ENOMEM;
	}
	h->size = size;
	for (size_t i = 0; i < oldsize; i++) {
		size_t j;

		if (old[i] == NULL)
			continue;
		for (j = htab_slot_of(h, old[i]); h->slots[j] != NULL; j = (j + 1) & (size - 1))
			;
		h->slots[j] = old[i];
	}
	free(old);
	return 0;
}

int htab_reserve(struct htab *h, size_t n)
{
	size_t size = h->size != 0 ? h->size : 16;

	/* Load stays under 2/3 so that probes stay short. */
	while (size / 3 * 2 < n) {
		if (size > SIZE_MAX / 4)
			return -ENOMEM;
		size *= 2;
	}
	return size == h->size ? 0 : htab_resize(h, size);
}

static size_t htab_lookup(const struct htab *h, const void *key, size_t len, int *found)
{
	size_t i = htab_hash(key, len) & (h->size - 1);

	*found = 0;
	for (; h->slots[i] != NULL; i = (i + 1) & (h->size - 1)) {
		size_t klen;
		const void *k = h->key(h->slots[i], &klen);

		if (klen == len && memcmp(k, key, len) == 0) {
			*found = 1;
			break;
		}
	}
	return i;
}

int htab_insert(struct htab *h, void *obj)
{
	size_t len, i;
	const void *k;
	int found, ret;

	ret = htab_reserve(h, h->count + 1);
	if (ret < 0)
		return ret;
	k = h->key(obj, &len);
	i = htab_lookup(h, k, len, &found);
	if (found)
		return -EEXIST;
	h->slots[i] = obj;
	h->count++;
	return 0;
}

void *htab_find(const struct htab *h, const void *key, size_t len)
{
	size_t i;
	int found;

	if (h->size == 0)
		return NULL;
	i = htab_lookup(h, key, len, &found);
	return found ? h->slots[i] : NULL;
}

void *htab_remove(struct htab *h, const void *key, size_t len)
{
	size_t i, j, mask = h->size - 1;
	void *obj;
	int found;

	if (h->size == 0)
		return NULL;
	i = htab_lookup(h, key, len, &found);
	if (!found)
		return NULL;
	obj = h->slots[i];
	h->slots[i] = NULL;
	h->count--;
	/* Backward shift: move later members of the run into the hole when
	 * their home slot does not lie cyclically between hole and them. */
	for (j = (i + 1) & mask; h->slots[j] != NULL; j = (j + 1) & mask) {
		size_t home = htab_slot_of(h, h->slots[j]);

		if (((j - home) & mask) >= ((j - i) & mask)) {
			h->slots[i] = h->slots[j];
			h->slots[j] = NULL;
			i = j;
		}
	}
	return obj;
}
