/* SPDX-License-Identifier: ISC */
/*
 * A hash index over caller-owned objects: open addressing, linear probing,
 * backward-shift deletion, keyed SipHash (crypto_shorthash) so that names
 * and keys chosen by others cannot flood one bucket. The table holds only
 * pointers; each object yields its own key through the key function.
 */
#ifndef KEYGATE_HTAB_H
#define KEYGATE_HTAB_H

#include <stddef.h>
#include <stdint.h>

/* Returns a pointer to the object's key bytes and sets *len. */
typedef const void *(*htab_key_fn)(const void *obj, size_t *len);

struct htab {
	void **slots;
	size_t size; /* a power of two, or 0 */
	size_t count;
	htab_key_fn key;
};

void htab_init(struct htab *h, htab_key_fn key);
void htab_finish(struct htab *h);
/* Room for n objects without growing; 0 or -ENOMEM. */
int htab_reserve(struct htab *h, size_t n);
/* 0, -EEXIST when an object with the same key is there, or -ENOMEM. */
int htab_insert(struct htab *h, void *obj);
void *htab_find(const struct htab *h, const void *key, size_t len);
/* Removes the object with this key; returns it, or NULL. */
void *htab_remove(struct htab *h, const void *key, size_t len);

#endif
