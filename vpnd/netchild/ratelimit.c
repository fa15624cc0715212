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

static struct bucket *lookup(struct ratelimit *rl, const struct sockaddr *src, uint64_t now_ms)
{
	uint8_t p[16], h[crypto_shorthash_BYTES];
	struct bucket *b;
	uint64_t v = 0;

	prefix_of(p, src);
	crypto_shorthash(h, p, sizeof(p), rl->key);
	for (size_t i = 0; i < sizeof(h); i++)
		v = v << 8 | h[i];
	b = &rl->buckets[v & rl->mask];
	if (b->used && now_ms > b->last_ms) {
		uint64_t add = (now_ms - b->last_ms) * rl->rate;

		b->milli_tokens = add >= rl->burst_milli - b->milli_tokens ? rl->burst_milli
									   : b->milli_tokens + add;
	}
	if (!b->used || (b->milli_tokens == rl->burst_milli && memcmp(b->prefix, p, 16) != 0)) {
		/* Free, or idle and full: the new source takes it over. */
		memcpy(b->prefix, p, 16);
		b->milli_tokens = rl->burst_milli;
		b->notified_ms = 0;
		b->used = true;
	}
	if (now_ms > b->last_ms)
		b->last_ms = now_ms;
	return b;
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
