/* SPDX-License-Identifier: ISC */
/* Credential lockout (lockout.h); below verify.c and handle_key.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "monitor/lockout.h"
#include "state/registry.h"

struct slot {
	char key[NAME_MAX_LEN + REG_CRED_ID_LEN + 2]; /* owner/cred; "" when free */
	unsigned fails;
	uint64_t first, until;
};

struct lockout {
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
	struct slot slots[LOCKOUT_SLOTS];
};

int lockout_create(struct lockout **out)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return -ENOMEM;
	randombytes_buf((*out)->hash_key, sizeof((*out)->hash_key));
	return 0;
}

void lockout_destroy(struct lockout **l)
{
	free(*l);
	*l = NULL;
}

static struct slot *find(struct lockout *l, const char *owner, const char *cred, uint64_t now,
			 bool take)
{
	char key[sizeof(l->slots[0].key)];
	uint8_t h[crypto_shorthash_BYTES];
	struct slot *s;

	snprintf(key, sizeof(key), "%s/%s", owner, cred);
	crypto_shorthash(h, (const uint8_t *)key, strlen(key), l->hash_key);
	s = &l->slots[(h[0] | h[1] << 8) % LOCKOUT_SLOTS];
	if (strcmp(s->key, key) == 0)
		return s;
	/* Another credential's slot is taken over only when it holds
	 * nothing that matters any more: no lock, no recent failures. */
	if (!take || (s->key[0] != '\0' && (s->until > now || s->first + LOCKOUT_WINDOW > now)))
		return NULL;
	memset(s, 0, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", key);
	return s;
}

uint64_t lockout_left(struct lockout *l, const char *owner, const char *cred, uint64_t now)
{
	struct slot *s = find(l, owner, cred, now, false);

	return s != NULL && s->until > now ? s->until - now : 0;
}

bool lockout_fail(struct lockout *l, const char *owner, const char *cred, uint64_t now)
{
	struct slot *s = find(l, owner, cred, now, true);

	if (s == NULL)
		return false;
	if (s->first + LOCKOUT_WINDOW <= now) {
		s->first = now;
		s->fails = 0;
	}
	if (++s->fails < LOCKOUT_FAILS || s->until > now)
		return false;
	s->until = now + LOCKOUT_TIME;
	s->fails = 0;
	s->first = 0;
	return true;
}

bool lockout_clear(struct lockout *l, const char *owner, const char *cred, uint64_t now)
{
	struct slot *s = find(l, owner, cred, now, false);
	bool was = s != NULL && s->until > now;

	if (s != NULL)
		memset(s, 0, sizeof(*s));
	return was;
}

unsigned lockout_count(const struct lockout *l, uint64_t now)
{
	unsigned n = 0;

	for (size_t i = 0; i < LOCKOUT_SLOTS; i++)
		n += l->slots[i].until > now;
	return n;
}
