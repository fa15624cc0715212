/* SPDX-License-Identifier: ISC */
/* Credential lockout (lockout.h); below verify.c and handle_key.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "monitor/lockout.h"
#include "state/registry.h"

struct entry {
	char key[NAME_MAX_LEN + REG_CRED_ID_LEN + 2]; /* owner/cred; "" when free */
	unsigned fails;
	uint64_t first, until;
};

struct set {
	struct entry ways[LOCKOUT_WAYS];
	struct entry shared; /* the set's other credentials, once every way is live */
};

struct lockout {
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
	struct set sets[LOCKOUT_SETS];
	uint64_t locks;                           /* locks begun since start, for the metrics */
	struct lockout_note notes[LOCKOUT_NOTES]; /* a ring: for the shared store */
	size_t note_first, n_notes;
	uint64_t notes_lost;
};

static void note(struct lockout *l, const char *owner, const char *cred, uint64_t until)
{
	struct lockout_note *n;

	if (l->n_notes == LOCKOUT_NOTES) {
		l->note_first = (l->note_first + 1) % LOCKOUT_NOTES;
		l->n_notes--;
		l->notes_lost++;
	}
	n = &l->notes[(l->note_first + l->n_notes++) % LOCKOUT_NOTES];
	snprintf(n->owner, sizeof(n->owner), "%s", owner);
	snprintf(n->cred, sizeof(n->cred), "%s", cred);
	n->until = until;
}

_Static_assert(LOCKOUT_KEYLEN == crypto_shorthash_KEYBYTES, "the test's key is SipHash's");

int lockout_create_keyed(struct lockout **out, const uint8_t key[LOCKOUT_KEYLEN])
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	memcpy((*out)->hash_key, key, LOCKOUT_KEYLEN);
	return 0;
}

int lockout_create(struct lockout **out)
{
	uint8_t key[LOCKOUT_KEYLEN];
	int ret;

	randombytes_buf(key, sizeof(key));
	ret = lockout_create_keyed(out, key);
	sodium_memzero(key, sizeof(key));
	return ret;
}

void lockout_destroy(struct lockout **l)
{
	free(*l);
	*l = NULL;
}

static void key_of(char key[NAME_MAX_LEN + REG_CRED_ID_LEN + 2], const char *owner,
		   const char *cred)
{
	snprintf(key, NAME_MAX_LEN + REG_CRED_ID_LEN + 2, "%s/%s", owner, cred);
}

size_t lockout_set(const struct lockout *l, const char *owner, const char *cred)
{
	char key[NAME_MAX_LEN + REG_CRED_ID_LEN + 2];
	uint8_t h[crypto_shorthash_BYTES];

	key_of(key, owner, cred);
	crypto_shorthash(h, (const uint8_t *)key, strlen(key), l->hash_key);
	return (size_t)(h[0] | h[1] << 8) % LOCKOUT_SETS;
}

/* Holds something that matters: a lock, or failures within the window. */
static bool live(const struct entry *e, uint64_t now)
{
	return e->key[0] != '\0' && (e->until > now || e->first + LOCKOUT_WINDOW > now);
}

/* The way that holds the credential's own entry, or -1. */
static int way_of(const struct set *s, const char *key)
{
	for (int i = 0; i < LOCKOUT_WAYS; i++)
		if (strcmp(s->ways[i].key, key) == 0)
			return i;
	return -1;
}

/* The credential's own entry, or NULL. With take, a free or stale entry of
 * its set becomes its own; never a live one. */
static struct entry *find(struct set *s, const char *key, uint64_t now, bool take)
{
	int w = way_of(s, key);

	if (w >= 0)
		return &s->ways[w];
	if (!take)
		return NULL;
	for (size_t i = 0; i < LOCKOUT_WAYS; i++) {
		struct entry *e = &s->ways[i];

		if (!live(e, now)) {
			memset(e, 0, sizeof(*e));
			snprintf(e->key, sizeof(e->key), "%s", key);
			return e;
		}
	}
	return NULL;
}

static uint64_t left(const struct entry *e, uint64_t now)
{
	return e->until > now ? e->until - now : 0;
}

uint64_t lockout_left(const struct lockout *l, const char *owner, const char *cred, uint64_t now)
{
	char key[NAME_MAX_LEN + REG_CRED_ID_LEN + 2];
	const struct set *s = &l->sets[lockout_set(l, owner, cred)];
	int w;

	key_of(key, owner, cred);
	w = way_of(s, key);
	return left(w >= 0 ? &s->ways[w] : &s->shared, now);
}

bool lockout_fail(struct lockout *l, const char *owner, const char *cred, uint64_t now)
{
	char key[NAME_MAX_LEN + REG_CRED_ID_LEN + 2];
	struct set *s = &l->sets[lockout_set(l, owner, cred)];
	struct entry *e;

	key_of(key, owner, cred);
	e = find(s, key, now, true);
	if (e == NULL) {
		/* Every way holds a live count or lock of another credential:
		 * this failure still counts, in the set's shared entry. */
		e = &s->shared;
		e->key[0] = '*';
	}
	if (e->first + LOCKOUT_WINDOW <= now) {
		e->first = now;
		e->fails = 0;
	}
	if (++e->fails < LOCKOUT_FAILS || e->until > now)
		return false;
	e->until = now + LOCKOUT_TIME;
	e->fails = 0;
	e->first = 0;
	l->locks++;
	note(l, owner, cred, e->until);
	return true;
}

void lockout_succeeded(struct lockout *l, const char *owner, const char *cred, uint64_t now)
{
	char key[NAME_MAX_LEN + REG_CRED_ID_LEN + 2];
	struct entry *e;

	key_of(key, owner, cred);
	e = find(&l->sets[lockout_set(l, owner, cred)], key, now, false);
	if (e != NULL)
		memset(e, 0, sizeof(*e));
}

/* The admin's unlock, here or on another gateway: the credential's own
 * entry, or the shared entry that locks it. True when it was locked. */
static bool unlock(struct lockout *l, const char *owner, const char *cred, uint64_t now)
{
	char key[NAME_MAX_LEN + REG_CRED_ID_LEN + 2];
	struct set *s = &l->sets[lockout_set(l, owner, cred)];
	struct entry *e;
	bool was;

	key_of(key, owner, cred);
	e = find(s, key, now, false);
	if (e == NULL) {
		/* Not tracked: locked, if at all, by the shared entry. */
		if (left(&s->shared, now) == 0)
			return false;
		e = &s->shared;
	}
	was = left(e, now) > 0;
	memset(e, 0, sizeof(*e));
	return was;
}

bool lockout_clear(struct lockout *l, const char *owner, const char *cred, uint64_t now)
{
	bool was = unlock(l, owner, cred, now);

	if (was)
		note(l, owner, cred, 0);
	return was;
}

size_t lockout_notes(const struct lockout *l, struct lockout_note *out, size_t max)
{
	size_t n = l->n_notes < max ? l->n_notes : max;

	for (size_t i = 0; i < n; i++)
		out[i] = l->notes[(l->note_first + i) % LOCKOUT_NOTES];
	return n;
}

void lockout_notes_done(struct lockout *l, size_t n)
{
	if (n > l->n_notes)
		n = l->n_notes;
	l->note_first = (l->note_first + n) % LOCKOUT_NOTES;
	l->n_notes -= n;
}

uint64_t lockout_notes_lost(const struct lockout *l)
{
	return l->notes_lost;
}

void lockout_apply(struct lockout *l, const char *owner, const char *cred, uint64_t until,
		   uint64_t now)
{
	char key[NAME_MAX_LEN + REG_CRED_ID_LEN + 2];
	struct set *s = &l->sets[lockout_set(l, owner, cred)];
	struct entry *e;

	if (until <= now) {
		/* Unlocked there: as `vpnd key unlock` here would (a lock
		 * applied from the store may sit in the shared entry). */
		unlock(l, owner, cred, now);
		return;
	}
	key_of(key, owner, cred);
	e = find(s, key, now, true);
	if (e == NULL) {
		/* Every way is live: the set's shared entry holds it, as a
		 * failure here would be counted there. */
		e = &s->shared;
		e->key[0] = '*';
	}
	/* A row never shortens a lock of this gateway's own. */
	if (e->until < until)
		e->until = until;
	e->fails = 0;
	e->first = 0;
}

uint64_t lockout_deadline(int64_t until_wall, int64_t now_wall, uint64_t now, bool *clamped)
{
	uint64_t in;

	*clamped = false;
	if (until_wall <= now_wall)
		return 0;
	in = (uint64_t)until_wall - (uint64_t)now_wall;
	if (in > LOCKOUT_TIME + LOCKOUT_SKEW) {
		*clamped = true;
		in = LOCKOUT_TIME + LOCKOUT_SKEW;
	}
	return now + in;
}

unsigned lockout_count(const struct lockout *l, uint64_t now)
{
	unsigned n = 0;

	for (size_t i = 0; i < LOCKOUT_SETS; i++) {
		for (size_t j = 0; j < LOCKOUT_WAYS; j++)
			n += left(&l->sets[i].ways[j], now) > 0;
		n += left(&l->sets[i].shared, now) > 0;
	}
	return n;
}

uint64_t lockout_locks(const struct lockout *l)
{
	return l->locks;
}
