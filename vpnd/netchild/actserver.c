/* SPDX-License-Identifier: ISC */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "netchild/actserver.h"
#include "netchild/ratelimit.h"
#include "common/replay.h"

/* Replies kept for retransmitted requests: few, since a client retransmits
 * within seconds, and fixed, since memory must not depend on traffic. */
#define RING 64

struct ring_entry {
	uint8_t req_id[32];
	uint64_t expires_ms;
	size_t len;
	uint8_t pkt[PROTO_REPLY_MAX];
};

/* A request whose operation the caller has yet to answer. */
struct pending {
	bool used;
	uint64_t wall; /* the gateway's time when it came */
	struct sockaddr_storage src;
	struct proto_opened o;
};

struct actserver {
	struct proto_gateway gw;
	uint64_t prev_until; /* unix seconds: the previous key's grace ends */
	struct actserver_config cfg;
	struct replay_cache *replay;
	struct ratelimit *rate;
	struct actstats stats;
	uint64_t global_milli, global_last_ms; /* one token bucket for all */
	size_t ring_next;
	struct ring_entry ring[RING];
	struct pending *pending; /* ACTSERVER_PENDING of them, with cfg.submit */
	size_t n_pending;
};

int actserver_create(struct actserver **out, const struct actserver_keys *keys,
		     const struct actserver_config *cfg)
{
	struct actserver *s = NULL;
	int r = -ENOMEM;

	*out = NULL;
	if (cfg->op == NULL && cfg->submit == NULL)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto fail;
	if (cfg->submit != NULL &&
	    (s->pending = calloc(ACTSERVER_PENDING, sizeof(*s->pending))) == NULL)
		goto fail;
	s->cfg = *cfg;
	if (s->cfg.rate_buckets == 0)
		s->cfg.rate_buckets = 4096;
	if (s->cfg.rate_burst == 0)
		s->cfg.rate_burst = 20;
	if (s->cfg.rate_per_sec == 0)
		s->cfg.rate_per_sec = 5;
	if (s->cfg.global_burst == 0)
		s->cfg.global_burst = 400;
	if (s->cfg.global_per_sec == 0)
		s->cfg.global_per_sec = 200;
	s->global_milli = (uint64_t)s->cfg.global_burst * 1000;
	/* Every request that decrypts stays for a challenge's life. */
	if (s->cfg.replay_slots == 0)
		s->cfg.replay_slots = replay_slots_for(s->cfg.global_per_sec, PROTO_CHALLENGE_LIFE);
	if (s->cfg.replay_slots < 65536)
		s->cfg.replay_slots = 65536;
	if (s->cfg.max_skew == 0)
		s->cfg.max_skew = PROTO_MAX_SKEW;
	r = proto_gateway_init(&s->gw, keys->act_sk);
	if (r == 0 && keys->prev_sk != NULL)
		r = proto_gateway_add_previous(&s->gw, keys->prev_sk);
	if (r < 0)
		goto fail;
	s->prev_until = keys->prev_until;
	if (keys->retired_pk != NULL)
		proto_gateway_set_retired(&s->gw, keys->retired_pk);
	r = replay_create(&s->replay, s->cfg.replay_slots);
	if (r < 0)
		goto fail;
	r = ratelimit_create(&s->rate, s->cfg.rate_buckets, s->cfg.rate_burst, s->cfg.rate_per_sec);
	if (r < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	actserver_destroy(&s);
	return r;
}

void actserver_destroy(struct actserver **s)
{
	if (*s == NULL)
		return;
	replay_destroy(&(*s)->replay);
	ratelimit_destroy(&(*s)->rate);
	if ((*s)->pending != NULL)
		sodium_memzero((*s)->pending, ACTSERVER_PENDING * sizeof(*(*s)->pending));
	free((*s)->pending);
	sodium_memzero(*s, sizeof(**s));
	free(*s);
	*s = NULL;
}

const uint8_t *actserver_public_key(const struct actserver *s)
{
	return s->gw.key[0].pk;
}

void actserver_tick(struct actserver *s, uint64_t now_ms, uint64_t wall)
{
	/* The previous key's users hear KEY_ROTATED from now on. */
	if (s->gw.n_keys > 1 && wall >= s->prev_until)
		proto_gateway_retire(&s->gw);
	/* Fails only if a signature cannot be made; the HELLOs of this
	 * slot then go unanswered, and the next tick tries again. */
	proto_gateway_tick(&s->gw, now_ms / 1000, wall);
}

const struct actstats *actserver_stats(const struct actserver *s)
{
	return &s->stats;
}

/*
 * The budget of X25519s for all sources together. Its lower half is kept
 * for quiet sources (ratelimit_quiet): a flood from sources that each run
 * over their own limit drains it to half and no further, so an owner who
 * sends two packets an activation still finds a token. Sources that each
 * send no faster than their own rate stay quiet: some 40 of them can
 * still take all of it, as before.
 */
static bool global_allow(struct actserver *s, const struct sockaddr *src, uint64_t now_ms)
{
	uint64_t cap = (uint64_t)s->cfg.global_burst * 1000;

	if (now_ms > s->global_last_ms) {
		uint64_t add = (now_ms - s->global_last_ms) * s->cfg.global_per_sec;

		s->global_milli = add >= cap - s->global_milli ? cap : s->global_milli + add;
		s->global_last_ms = now_ms;
	}
	/* A noisy source's token must leave half: the check comes first. */
	if (s->global_milli < 1000 ||
	    (s->global_milli < cap / 2 + 1000 && !ratelimit_quiet(s->rate, src, now_ms)))
		return false;
	s->global_milli -= 1000;
	return true;
}

static void plain_error(struct actserver *s, unsigned key, const uint8_t *pkt,
			const struct sockaddr *src, uint64_t now_ms, enum proto_err code,
			uint8_t *out, size_t *outlen)
{
	/* Errors in the clear are advice; one a second per source is plenty. */
	if (!ratelimit_may_notify(s->rate, src, now_ms))
		return;
	proto_gw_error(&s->gw, key, out, pkt, code);
	*outlen = PROTO_ERROR_LEN;
}

static struct ring_entry *ring_find(struct actserver *s, const uint8_t h[32], uint64_t now_ms)
{
	for (size_t i = 0; i < RING; i++)
		if (s->ring[i].expires_ms > now_ms && sodium_memcmp(s->ring[i].req_id, h, 32) == 0)
			return &s->ring[i];
	return NULL;
}

static void ring_add(struct actserver *s, const uint8_t h[32], uint64_t now_ms, const uint8_t *pkt,
		     size_t len)
{
	struct ring_entry *e = &s->ring[s->ring_next++ % RING];

	memcpy(e->req_id, h, 32);
	e->expires_ms = now_ms + PROTO_CHALLENGE_LIFE * 1000ULL;
	e->len = len;
	memcpy(e->pkt, pkt, len);
}

/* Every reply to a request under the previous key tells the new one. */
static void tell_key(const struct actserver *s, const struct proto_opened *o,
		     struct proto_reply *rep)
{
	if (o->key == 0)
		return;
	rep->fields |= PROTO_REP_ACT_KEY;
	memcpy(rep->act_key, s->gw.key[0].pk, KEY_LEN);
}

/* The reply sealed, counted and kept for retransmissions. */
static void seal(struct actserver *s, const struct proto_opened *o, struct proto_reply *rep,
		 uint64_t now_ms, uint64_t wall, uint8_t *out, size_t *outlen)
{
	tell_key(s, o, rep);
	if (proto_gw_reply(&s->gw, o, rep, out, outlen) < 0) {
		memset(rep, 0, sizeof(*rep));
		rep->gateway_time = wall;
		rep->status = PROTO_ERR_INTERNAL;
		tell_key(s, o, rep);
		if (proto_gw_reply(&s->gw, o, rep, out, outlen) < 0)
			*outlen = 0;
	}
	if (*outlen > 0) {
		s->stats.replies[rep->status]++;
		ring_add(s, o->req_id, now_ms, out, *outlen);
	}
}

/* Whether the request named h waits for its operation's answer. */
static bool pending_has(const struct actserver *s, const uint8_t h[32])
{
	for (size_t i = 0; s->n_pending > 0 && i < ACTSERVER_PENDING; i++)
		if (s->pending[i].used && sodium_memcmp(s->pending[i].o.req_id, h, 32) == 0)
			return true;
	return false;
}

/* Hands the opened request to cfg.submit: 0 when it waits now (o wiped),
 * or -errno, for an answer at once. */
static int pending_submit(struct actserver *s, struct proto_opened *o, const struct sockaddr *src,
			  uint64_t wall)
{
	struct pending *p;
	size_t i = 0;
	int r;

	while (i < ACTSERVER_PENDING && s->pending[i].used)
		i++;
	if (i == ACTSERVER_PENDING)
		return -EBUSY;
	p = &s->pending[i];
	p->o = *o;
	p->wall = wall;
	memset(&p->src, 0, sizeof(p->src));
	memcpy(&p->src, src,
	       src->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					  : sizeof(struct sockaddr_in));
	r = s->cfg.submit(s->cfg.arg, &p->o, src, (unsigned)i);
	if (r < 0) {
		sodium_memzero(p, sizeof(*p));
		return r;
	}
	p->used = true;
	s->n_pending++;
	proto_opened_wipe(o);
	return 0;
}

bool actserver_busy(const struct actserver *s)
{
	return s->pending != NULL && s->n_pending == ACTSERVER_PENDING;
}

int actserver_answer(struct actserver *s, unsigned slot, struct proto_reply *rep, uint64_t now_ms,
		     uint8_t *out, size_t *outlen, struct sockaddr_storage *dst, socklen_t *dstlen)
{
	struct proto_reply failed = {0};
	struct pending *p;

	*outlen = 0;
	if (s->pending == NULL || slot >= ACTSERVER_PENDING || !s->pending[slot].used)
		return -ENOENT;
	p = &s->pending[slot];
	if (rep == NULL || rep->status > PROTO_ERR_WIRE_MAX) {
		failed.status = PROTO_ERR_INTERNAL;
		rep = &failed;
	}
	rep->gateway_time = p->wall;
	seal(s, &p->o, rep, now_ms, p->wall, out, outlen);
	*dst = p->src;
	*dstlen = p->src.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
					       : sizeof(struct sockaddr_in);
	sodium_memzero(p, sizeof(*p));
	s->n_pending--;
	return 0;
}

static void request(struct actserver *s, unsigned key, const uint8_t *pkt,
		    const struct sockaddr *src, const uint8_t addr[18], uint64_t now_ms,
		    uint64_t wall, uint8_t *out, size_t *outlen)
{
	uint64_t now = now_ms / 1000;
	struct proto_opened o;
	struct proto_reply rep;
	struct ring_entry *e;
	uint8_t h[32];
	enum proto_err err;
	int r, opened;

	proto_request_peek(pkt, o.commit, &o.challenge);
	err = proto_challenge_check(&s->gw, &o.challenge, now, addr, o.commit);
	if (err != PROTO_OK) {
		s->stats.drop_challenge++;
		plain_error(s, key, pkt, src, now_ms, err, out, outlen);
		return;
	}
	/* A challenge used before: the same bytes again mean the client lost
	 * our reply; anything else is a replay. */
	if (replay_contains(s->replay, o.challenge.tag, now)) {
		proto_request_id(h, pkt);
		e = ring_find(s, h, now_ms);
		if (e != NULL) {
			s->stats.retransmits++;
			memcpy(out, e->pkt, e->len);
			*outlen = e->len;
		} else if (pending_has(s, h)) {
			s->stats.retransmits++; /* its reply comes with the answer */
		} else {
			s->stats.drop_replay++;
			plain_error(s, key, pkt, src, now_ms, PROTO_ERR_REPLAYED, out, outlen);
		}
		return;
	}
	/* The X25519 and what follows are the expensive part: however many
	 * sources an attacker has, only so many a second get there. */
	if (!global_allow(s, src, now_ms)) {
		s->stats.drop_global++;
		plain_error(s, key, pkt, src, now_ms, PROTO_ERR_RATE_LIMITED, out, outlen);
		return;
	}
	/* Every slot waits for the monitor: it is behind, and more would
	 * only wait longer. */
	if (s->pending != NULL && s->n_pending == ACTSERVER_PENDING) {
		s->stats.drop_busy++;
		plain_error(s, key, pkt, src, now_ms, PROTO_ERR_RATE_LIMITED, out, outlen);
		return;
	}
	opened = proto_gw_open(&s->gw, key, pkt, s->cfg.ss, s->cfg.arg, &o);
	if (opened == -EBADMSG) {
		s->stats.drop_decrypt++;
		return;
	}
	/* Only a request that decrypts takes a place in the cache: anyone
	 * could otherwise fill it with challenges for made-up commitments. */
	r = replay_insert(s->replay, o.challenge.tag, o.challenge.time + PROTO_CHALLENGE_LIFE + 1,
			  now);
	if (r < 0) {
		s->stats.drop_busy++;
		plain_error(s, key, pkt, src, now_ms, PROTO_ERR_RATE_LIMITED, out, outlen);
		proto_opened_wipe(&o);
		return;
	}
	s->stats.requests++;
	memset(&rep, 0, sizeof(rep));
	rep.gateway_time = wall;
	if (opened < 0) {
		rep.status = PROTO_ERR_BAD_REQUEST;
	} else if (o.req.client_time + s->cfg.max_skew < wall ||
		   o.req.client_time > wall + s->cfg.max_skew) {
		rep.status = PROTO_ERR_CLOCK_SKEW;
		rep.fields = PROTO_REP_SKEW;
		rep.skew = (int64_t)o.req.client_time - (int64_t)wall;
	} else if (s->cfg.submit != NULL) {
		if (pending_submit(s, &o, src, wall) == 0)
			return;
		rep.status = PROTO_ERR_INTERNAL;
	} else if (s->cfg.op(s->cfg.arg, &o, src, &rep) < 0 || rep.status > PROTO_ERR_WIRE_MAX) {
		/* The encoder takes codes up to 63, for clients of newer
		 * gateways; this one sends only the codes it knows. */
		memset(&rep, 0, sizeof(rep));
		rep.gateway_time = wall;
		rep.status = PROTO_ERR_INTERNAL;
	}
	seal(s, &o, &rep, now_ms, wall, out, outlen);
	sodium_memzero(&rep, sizeof(rep));
	proto_opened_wipe(&o);
}

/* A packet of another version (docs/protocol.md 4.1): a newer client
 * hears VERSION, one of version 1 what it can print about a mismatch. */
static void other_version(struct actserver *s, unsigned key, int type, const uint8_t *pkt,
			  const struct sockaddr *src, const uint8_t addr[18], uint64_t now_ms,
			  uint64_t wall, uint8_t *out, size_t *outlen)
{
	int r;

	if (pkt[1] > PROTO_VERSION) {
		s->stats.other_version++;
		plain_error(s, key, pkt, src, now_ms, PROTO_ERR_VERSION, out, outlen);
		return;
	}
	if (type == PROTO_HELLO) {
		s->stats.other_version++;
		proto_v1_challenge(&s->gw, key, out, pkt, now_ms / 1000, addr);
		*outlen = PROTO_V1_CHALLENGE_LEN;
		return;
	}
	/* Its X25519s cost what a REQUEST's do. */
	if (!global_allow(s, src, now_ms)) {
		s->stats.drop_global++;
		return;
	}
	r = proto_v1_refuse(&s->gw, key, pkt, now_ms / 1000, addr, wall, s->cfg.ss, s->cfg.arg, out,
			    outlen);
	if (r == -ESTALE)
		s->stats.drop_challenge++;
	else if (r < 0)
		s->stats.drop_decrypt++;
	else
		s->stats.other_version++;
}

void actserver_packet(struct actserver *s, const uint8_t *pkt, size_t len,
		      const struct sockaddr *src, uint64_t now_ms, uint64_t wall, uint8_t *out,
		      size_t *outlen)
{
	uint8_t addr[18];
	int type, key;

	*outlen = 0;
	s->stats.received++;
	type = proto_packet_type(pkt, len);
	if (type < 0)
		type = proto_v1_packet_type(pkt, len);
	if (type < 0 && proto_packet_is_newer_hello(pkt, len))
		type = PROTO_HELLO;
	if ((type != PROTO_HELLO && type != PROTO_REQUEST) || proto_addr_bytes(addr, src) < 0) {
		s->stats.drop_malformed++;
		return;
	}
	/* Keys first: one past its grace must not be taken. */
	actserver_tick(s, now_ms, wall);
	/* Blind garbage ends at mac0, one short SipHash per key; what passes
	 * it (1 in 65536 of it, or a sender who knows a key) gets mac1. */
	key = proto_gw_key_of(&s->gw, pkt, len);
	if (key == -ENOKEY) {
		s->stats.drop_mac0++;
		return;
	}
	if (key < 0) {
		s->stats.drop_mac1++;
		return;
	}
	if (!ratelimit_allow(s->rate, src, now_ms)) {
		s->stats.drop_rate++;
		if (pkt[1] == PROTO_VERSION)
			plain_error(s, (unsigned)key, pkt, src, now_ms, PROTO_ERR_RATE_LIMITED, out,
				    outlen);
		return;
	}
	if (key == PROTO_KEY_RETIRED) {
		s->stats.retired_key++;
		if (pkt[1] == PROTO_VERSION)
			plain_error(s, PROTO_KEY_RETIRED, pkt, src, now_ms, PROTO_ERR_KEY_ROTATED,
				    out, outlen);
		return;
	}
	if (pkt[1] != PROTO_VERSION) {
		other_version(s, (unsigned)key, type, pkt, src, addr, now_ms, wall, out, outlen);
		return;
	}
	if (type == PROTO_HELLO) {
		s->stats.hellos++;
		if (proto_gw_challenge(&s->gw, (unsigned)key, out, pkt, now_ms / 1000, addr) == 0)
			*outlen = PROTO_CHALLENGE_LEN;
		return;
	}
	request(s, (unsigned)key, pkt, src, addr, now_ms, wall, out, outlen);
}
