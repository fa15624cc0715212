/* SPDX-License-Identifier: ISC */
/*
 * Open addressing with linear probing over at most REPLAY_PROBES slots. The
 * keys are challenge tags, outputs of a MAC keyed by a secret nobody else
 * knows, so their first bytes are a good index and nobody can aim many keys
 * at one probe window. A slot whose expiry has passed is free; there is no
 * deletion and no tombstone, since an entry is only ever found while live.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/replay.h"

struct slot {
	uint8_t key[REPLAY_KEY_LEN];
	uint64_t expires; /* 0: never used */
};

struct replay_cache {
	size_t mask;
	struct slot slots[];
};

int replay_create(struct replay_cache **rc, size_t slots)
{
	struct replay_cache *c;

	*rc = NULL;
	if (slots < REPLAY_PROBES || (slots & (slots - 1)) != 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c) + slots * sizeof(struct slot));
	if (c == NULL)
		return -ENOMEM;
	c->mask = slots - 1;
	/* Touched now, so that its memory is resident from the start and the
	 * footprint under a flood is the one at start. */
	sodium_memzero(c->slots, slots * sizeof(struct slot));
	*rc = c;
	return 0;
}

void replay_destroy(struct replay_cache **rc)
{
	if (*rc == NULL)
		return;
	free(*rc);
	*rc = NULL;
}

static size_t index_of(const uint8_t key[REPLAY_KEY_LEN])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | key[i];
	return (size_t)v;
}

int replay_insert(struct replay_cache *rc, const uint8_t key[REPLAY_KEY_LEN], uint64_t expires,
		  uint64_t now)
{
	size_t start = index_of(key), free_slot = SIZE_MAX;

	/* Look through the whole window: the key may sit past a free slot that
	 * expired after the key was recorded. */
	for (size_t i = 0; i < REPLAY_PROBES; i++) {
		struct slot *s = &rc->slots[(start + i) & rc->mask];

		if (s->expires <= now || s->expires == 0) {
			if (free_slot == SIZE_MAX)
				free_slot = (start + i) & rc->mask;
			continue;
		}
		if (sodium_memcmp(s->key, key, REPLAY_KEY_LEN) == 0)
			return -EEXIST;
	}
	if (free_slot == SIZE_MAX)
		return -ENOSPC;
	memcpy(rc->slots[free_slot].key, key, REPLAY_KEY_LEN);
	rc->slots[free_slot].expires = expires;
	return 0;
}

bool replay_contains(const struct replay_cache *rc, const uint8_t key[REPLAY_KEY_LEN], uint64_t now)
{
	size_t start = index_of(key);

	for (size_t i = 0; i < REPLAY_PROBES; i++) {
		const struct slot *s = &rc->slots[(start + i) & rc->mask];

		if (s->expires > now && sodium_memcmp(s->key, key, REPLAY_KEY_LEN) == 0)
			return true;
	}
	return false;
}

size_t replay_count(const struct replay_cache *rc, uint64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i <= rc->mask; i++)
		if (rc->slots[i].expires > now)
			n++;
	return n;
}

size_t replay_slots_for(uint32_t per_sec, unsigned lifetime)
{
	uint64_t need = (uint64_t)per_sec * (lifetime + 1) * 4 / 3;
	size_t slots = 4096;

	while (slots < need && slots < (size_t)1 << 22)
		slots <<= 1;
	return slots;
}
