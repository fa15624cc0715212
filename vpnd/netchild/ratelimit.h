/* SPDX-License-Identifier: ISC */
/*
 * Per-source rate limits for the activation port: a token bucket per IPv4
 * address or IPv6 /64, in a table of fixed size indexed by a keyed hash of
 * the source: two places for each. Sources whose places are both taken
 * share a bucket; the key is random per process, so nobody can choose whom
 * they collide with.
 */
#ifndef KEYGATE_RATELIMIT_H
#define KEYGATE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct ratelimit;

/* buckets: a power of two; burst tokens, refilled at rate per second. */
int ratelimit_create(struct ratelimit **rl, size_t buckets, uint32_t burst, uint32_t rate);
void ratelimit_destroy(struct ratelimit **rl);

/* Takes a token for src at now_ms (a monotonic clock); false: over limit.
 * Sources of other families than IPv4 and IPv6 share one bucket. */
bool ratelimit_allow(struct ratelimit *rl, const struct sockaddr *src, uint64_t now_ms);
/* Has src used less than half its burst? Such a source is no part of a
 * flood, and the global limit keeps some room for it (actserver.c). */
bool ratelimit_quiet(struct ratelimit *rl, const struct sockaddr *src, uint64_t now_ms);
/* May src be sent an ERROR about its limit now? At most one a second. */
bool ratelimit_may_notify(struct ratelimit *rl, const struct sockaddr *src, uint64_t now_ms);

#endif
