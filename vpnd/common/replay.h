/* SPDX-License-Identifier: ISC */
/*
 * A replay cache of fixed size (docs/protocol.md 7.1): remembers challenge
 * tags until they expire. Its memory is set at creation and never grows,
 * whatever is sent; when it is full it refuses rather than forget a live
 * entry, since forgetting would let that entry be replayed.
 */
#ifndef KEYGATE_REPLAY_H
#define KEYGATE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REPLAY_KEY_LEN 16
#define REPLAY_PROBES  32

struct replay_cache;

/* Slots for per_sec new entries a second kept lifetime seconds each, at
 * most three quarters full: a power of two from 4096 to 2^22 (96 MiB). */
size_t replay_slots_for(uint32_t per_sec, unsigned lifetime);
/* slots: a power of two, at least REPLAY_PROBES. */
int replay_create(struct replay_cache **rc, size_t slots);
void replay_destroy(struct replay_cache **rc);

/*
 * Records key until expires (any clock, the caller's `now` is on the same
 * one). 0: recorded; -EEXIST: seen and not yet expired; -ENOSPC: every slot
 * where key may go holds a live entry.
 */
int replay_insert(struct replay_cache *rc, const uint8_t key[REPLAY_KEY_LEN], uint64_t expires,
		  uint64_t now);
/* Is key recorded and live? */
bool replay_contains(const struct replay_cache *rc, const uint8_t key[REPLAY_KEY_LEN],
		     uint64_t now);
/* Live entries; for `vpnd status`. */
size_t replay_count(const struct replay_cache *rc, uint64_t now);

#endif
