/* SPDX-License-Identifier: ISC */
/*
 * Assertion checks (verify.h); below ops.c, above lockout.c, assertion.c
 * and the registry. Keys, codes and assertions never reach a log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "monitor/actport.h"
#include "monitor/assertion.h"
#include "monitor/audit.h"
#include "monitor/lockout.h"
#include "monitor/verify.h"
#include "common/replay.h"

#define VERIFIER_MAX 4096 /* cached credential keys */

/* A slot holds the verifier of exactly one public key: the slot is picked
 * by the credential's ID, but the key is compared whole, so that nothing
 * a client chooses can make a slot answer for another key. */
struct verifier_slot {
	char owner[NAME_MAX_LEN + 1];
	enum reg_alg alg;
	uint8_t pubkey[REG_CRED_PK_MAX];
	size_t pubkey_len;
	struct assertion_verifier *v;
};

struct verify {
	uint8_t hash_key[crypto_shorthash_KEYBYTES];
	struct replay_cache *used;
	uint64_t locked_refusals;
	struct verifier_slot verifiers[VERIFIER_MAX];
};

int verify_create(struct verify **out, uint32_t rate)
{
	struct verify *v = calloc(1, sizeof(*v));
	int r;

	*out = NULL;
	if (v == NULL)
		return -ENOMEM;
	/* The challenges of verified assertions, for their lifetime: as many
	 * as ActivationRate lets through. */
	r = replay_create(&v->used, replay_slots_for(rate, PROTO_CHALLENGE_LIFE));
	if (r < 0) {
		free(v);
		return r;
	}
	randombytes_buf(v->hash_key, sizeof(v->hash_key));
	*out = v;
	return 0;
}

void verify_destroy(struct verify **v)
{
	if (*v == NULL)
		return;
	for (size_t i = 0; i < VERIFIER_MAX; i++)
		assertion_verifier_destroy(&(*v)->verifiers[i].v);
	replay_destroy(&(*v)->used);
	free(*v);
	*v = NULL;
}

uint64_t verify_locked_refusals(const struct verify *v)
{
	return v->locked_refusals;
}

static size_t slot_of(const struct verify *vf, const char *id)
{
	uint8_t h[crypto_shorthash_BYTES];

	crypto_shorthash(h, (const uint8_t *)id, strlen(id), vf->hash_key);
	return (size_t)(h[0] | h[1] << 8) % VERIFIER_MAX;
}

static struct assertion_verifier *verifier_for(struct verify *vf, const struct reg_owner *o,
					       const struct reg_cred *c)
{
	struct verifier_slot *s = &vf->verifiers[slot_of(vf, c->id)];
	struct assertion_key k = {.alg = c->alg == REG_EDDSA ? PROTO_COSE_EDDSA : PROTO_COSE_ES256};

	if (s->v != NULL && strcmp(s->owner, o->name) == 0 && s->alg == c->alg &&
	    s->pubkey_len == c->pubkey_len && memcmp(s->pubkey, c->pubkey, c->pubkey_len) == 0)
		return s->v;
	assertion_verifier_destroy(&s->v);
	/* The registry may keep ES256 keys with their 0x04 prefix. */
	if (c->pubkey_len == 65) {
		memcpy(k.pk, c->pubkey + 1, 64);
		k.pk_len = 64;
	} else {
		memcpy(k.pk, c->pubkey, c->pubkey_len);
		k.pk_len = c->pubkey_len;
	}
	if (assertion_verifier_create(&s->v, &k) < 0)
		return NULL;
	snprintf(s->owner, sizeof(s->owner), "%s", o->name);
	s->alg = c->alg;
	memcpy(s->pubkey, c->pubkey, c->pubkey_len);
	s->pubkey_len = c->pubkey_len;
	return s->v;
}

const char *verify_rp_id(const struct vpnd *d)
{
	return d->conf.web.enabled ? d->conf.web.domain : VERIFY_RP_ID;
}

/* The rp ID an assertion was made for: [Web] Domain when its hash is the
 * one signed, else the default, under which credentials made before
 * [Web] was set keep working. The signature covers the hash either way. */
static const char *assertion_rp_id(const struct vpnd *d, const struct proto_assertion *as)
{
	uint8_t h[32];

	if (!d->conf.web.enabled || as->auth_data_len < 32)
		return VERIFY_RP_ID;
	crypto_hash_sha256(h, (const uint8_t *)d->conf.web.domain, strlen(d->conf.web.domain));
	return sodium_memcmp(h, as->auth_data, 32) == 0 ? d->conf.web.domain : VERIFY_RP_ID;
}

struct assertion_verifier *verify_verifier(struct verify *v, const struct reg_owner *o,
					   const struct reg_cred *c)
{
	return verifier_for(v, o, c);
}

/* The challenge the assertion signs: the child checked its tag, but a
 * child that lies could offer an old one with an old assertion. Its time
 * is our own boot clock's; a challenge whose assertion verified is spent. */
static enum proto_err check_challenge(const struct verify *v, const struct proto_challenge *ch,
				      uint64_t now)
{
	if (ch->time > now + 1)
		return PROTO_ERR_CHALLENGE_BAD;
	if (ch->time + PROTO_CHALLENGE_LIFE < now)
		return PROTO_ERR_CHALLENGE_EXPIRED;
	if (replay_contains(v->used, ch->tag, now))
		return PROTO_ERR_REPLAYED;
	return PROTO_OK;
}

static void audit_locked(const struct reg_owner *ow, const struct reg_cred *c)
{
	char fails[16], secs[16];

	snprintf(fails, sizeof(fails), "%d", LOCKOUT_FAILS);
	snprintf(secs, sizeof(secs), "%ds", LOCKOUT_TIME);
	audit_event("key-locked", "owner", ow->name, "key", c->id, "failures", fails, "for", secs,
		    NULL);
}

enum proto_err verify_assertion(struct vpnd *d, const struct actmsg_op *op, struct reg_peer *p,
				const char *purpose, const uint8_t *extra, struct proto_reply *rep,
				struct reg_cred **out, uint32_t *counter)
{
	const struct proto_assertion *as = &op->req.assertion;
	struct verify *vf = d->verify;
	struct reg_owner *ow = p->owner;
	struct reg_cred *c = registry_cred_find_credid(ow, as->cred_id, as->cred_id_len);
	struct assertion_policy pol = {.rp_id = assertion_rp_id(d, as),
				       .require_uv = ow->require_uv};
	struct assertion_verifier *v;
	uint64_t now = clock_boot_ns() / NS_PER_SEC, locked;
	const uint8_t *act_pub = actport_request_key(d->actport, op->key);
	enum proto_err e;
	uint8_t cdh[32];
	uint32_t count = 0;

	/* The key the client used, which its assertion names: the previous
	 * one only during its grace, by our clock. */
	if ((op->req.fields & PROTO_REQ_ASSERTION) == 0 || act_pub == NULL)
		return PROTO_ERR_BAD_REQUEST;
	if (c == NULL)
		return PROTO_ERR_CREDENTIAL_UNKNOWN;
	if (c->revoked)
		return PROTO_ERR_CREDENTIAL_REVOKED;
	locked = lockout_left(d->lockout, ow->name, c->id, now);
	if (locked > 0) {
		vf->locked_refusals++;
		rep->fields |= PROTO_REP_SECONDS_LEFT;
		rep->seconds_left = locked;
		return PROTO_ERR_KEY_LOCKED;
	}
	e = check_challenge(vf, &op->challenge, now);
	if (e != PROTO_OK)
		return e;
	v = verifier_for(vf, ow, c);
	if (v == NULL)
		return PROTO_ERR_INTERNAL;
	pol.stored_count = c->counter;
	proto_client_data_hash(cdh, purpose, act_pub, &op->req.target, &op->challenge, extra);
	e = assertion_check(v, &pol, cdh, as, &count);
	if (e == PROTO_ERR_COUNTER_REGRESSED) {
		char was[16], got[16];

		snprintf(was, sizeof(was), "%u", c->counter);
		snprintf(got, sizeof(got), "%u", count);
		audit_event("counter-regressed", "owner", ow->name, "key", c->id, "stored", was,
			    "got", got, "flag", "possibly-cloned", NULL);
	}
	if (e != PROTO_OK) {
		if (lockout_fail(d->lockout, ow->name, c->id, now))
			audit_locked(ow, c);
		return e;
	}
	lockout_succeeded(d->lockout, ow->name, c->id, now);
	/* Spent: refused should it come again, through any child. */
	if (replay_insert(vf->used, op->challenge.tag,
			  op->challenge.time + PROTO_CHALLENGE_LIFE + 1, now) < 0)
		return PROTO_ERR_RATE_LIMITED;
	*out = c;
	*counter = count;
	return PROTO_OK;
}
