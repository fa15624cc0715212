/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "netchild/ratelimit.h"

struct bucket {
	uint8_t prefix[16];
	uint64_t last_ms;
	uint64_t notified_ms;
	uint64_t milli_tokens;
	bool used;
};

struct ratelimit {
	size_t mask;
	uint64_t burst_milli;
	uint32_t rate;
	uint8_t key[crypto_shorthash_KEYBYTES];
	struct bucket buckets[];
};

int ratelimit_create(struct ratelimit **rl, size_t buckets, uint32_t burst, uint32_t rate)
{
	struct ratelimit *r;

	*rl = NULL;
	if (buckets == 0 || (buckets & (buckets - 1)) != 0 || burst == 0 || rate == 0)
		return -EINVAL;
	r = calloc(1, sizeof(*r) + buckets * sizeof(struct bucket));
	if (r == NULL)
		return -ENOMEM;
	r->mask = buckets - 1;
	sodium_memzero(r->buckets, buckets * sizeof(struct bucket)); /* resident from the start */
	r->burst_milli = (uint64_t)burst * 1000;
	r->rate = rate;
	randombytes_buf(r->key, sizeof(r->key));
	*rl = r;
	return 0;
}

void ratelimit_destroy(struct ratelimit **rl)
{
	if (*rl == NULL)
		return;
	free(*rl);
	*rl = NULL;
}

static void prefix_of(uint8_t p[16], const struct sockaddr *sa)
{
	memset(p, 0, 16);
	if (sa->sa_family == AF_INET) {
		p[10] = p[11] = 0xff;
		memcpy(p + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

		/* An IPv4 source on a dual-stack socket counts as that address. */
		memcpy(p, a, memcmp(a, mapped, 12) == 0 ? 16 : 8);
	}
}

static void refill(struct ratelimit *rl, struct bucket *b, uint64_t now_ms)
{
	if (b->used && now_ms > b->last_ms) {
		uint64_t add = (now_ms - b->last_ms) * rl->rate;

		b->milli_tokens = add >= rl->burst_milli - b->milli_tokens ? rl->burst_milli
									   : b->milli_tokens + add;
	}
	if (now_ms > b->last_ms)
		b->last_ms = now_ms;
}

/*
 * Each source has two places, from two halves of its hash: its own bucket
 * if either holds it, else the first that is free or idle and full, which
 * it takes over. Only when both are busy with others does it share one.
 * With one place, an owner shared a drained bucket with one of a flood's
 * 256 sources one time in 16 and was turned away as that source was; with
 * two, both must be taken (some 1 in 250).
 */
static struct bucket *lookup(struct ratelimit *rl, const struct sockaddr *src, uint64_t now_ms)
{
	uint8_t p[16], h[crypto_shorthash_BYTES];
	struct bucket *c[2];
	uint64_t v = 0;

	prefix_of(p, src);
	crypto_shorthash(h, p, sizeof(p), rl->key);
	for (size_t i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	c[0] = &rl->buckets[v & rl->mask];
	c[1] = &rl->buckets[(v >> 32) & rl->mask];
	for (int i = 0; i < 2; i++) {
		refill(rl, c[i], now_ms);
		if (c[i]->used && memcmp(c[i]->prefix, p, 16) == 0)
			return c[i];
	}
	for (int i = 0; i < 2; i++)
		if (!c[i]->used || c[i]->milli_tokens == rl->burst_milli) {
			memcpy(c[i]->prefix, p, 16);
			c[i]->milli_tokens = rl->burst_milli;
			c[i]->notified_ms = 0;
			c[i]->last_ms = now_ms;
			c[i]->used = true;
			return c[i];
		}
	return c[0];
}

bool ratelimit_allow(struct ratelimit *rl, const struct sockaddr *src, uint64_t now_ms)
{
	struct bucket *b = lookup(rl, src, now_ms);

	if (b->milli_tokens < 1000)
		return false;
	b->milli_tokens -= 1000;
	return true;
}

bool ratelimit_quiet(struct ratelimit *rl, const struct sockaddr *src, uint64_t now_ms)
{
	return lookup(rl, src, now_ms)->milli_tokens >= rl->burst_milli / 2;
}

bool ratelimit_may_notify(struct ratelimit *rl, const struct sockaddr *src, uint64_t now_ms)
{
	struct bucket *b = lookup(rl, src, now_ms);

	if (b->notified_ms != 0 && now_ms < b->notified_ms + 1000)
		return false;
	b->notified_ms = now_ms == 0 ? 1 : now_ms;
	return true;
}
