/* SPDX-License-Identifier: ISC */
/*
 * The gateway's ephemeral keys, one per slot of PROTO_SLOT_LEN seconds
 * (docs/protocol.md 3.1). Each is fresh randomness, lives in the gateway's
 * struct only, and is erased once every challenge issued with it has
 * expired, which is what bounds what a later theft of the gateway's state
 * reveals. Its certificate is a Schnorr signature over Edwards25519 made
 * with the activation key's own scalar, as in Signal's XEdDSA: a client
 * that holds G checks it with any Ed25519 verifier, given the Edwards
 * point that maps to G, which the CHALLENGE carries.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_layout.h"
#include "proto/proto_slot.h"

#define CERT_LABEL  "keygate-slot-v2"
#define NONCE_LABEL "keygate-slot-nonce-v2"
#define CERT_LEN    (sizeof(CERT_LABEL) - 1 + KEY_LEN + 8 + KEY_LEN)

/* "keygate-slot-v2" || G || wall || X */
static void cert_msg(uint8_t msg[CERT_LEN], const uint8_t gw_pub[KEY_LEN], uint64_t wall,
		     const uint8_t slot_pub[KEY_LEN])
{
	size_t n = sizeof(CERT_LABEL) - 1;

	memcpy(msg, CERT_LABEL, n);
	memcpy(msg + n, gw_pub, KEY_LEN);
	proto_layout_put_u64(msg + n + KEY_LEN, wall);
	memcpy(msg + n + KEY_LEN + 8, slot_pub, KEY_LEN);
}

/* 64 bytes reduced mod the group order. */
static void reduce(uint8_t out[32], crypto_hash_sha512_state *st)
{
	uint8_t h[64];

	crypto_hash_sha512_final(st, h);
	crypto_core_ed25519_scalar_reduce(out, h);
	sodium_memzero(h, sizeof(h));
}

/*
 * Ed25519's equations with a scalar that comes from no seed: R = rB,
 * S = r + SHA512(R || A || M) a (mod l), A = aB. The nonce r is derived
 * from the secret and the message, as Ed25519 derives it, so no bad
 * randomness can leak a.
 */
static int sign(uint8_t sig[PROTO_SLOT_SIG_LEN], const struct proto_gwkey *k, const uint8_t *msg,
		size_t len)
{
	uint8_t wide[64] = {0}, a[32], r[32], h[32], ha[32];
	crypto_hash_sha512_state st;
	int ret = 0;

	memcpy(wide, k->sk, KEY_LEN);
	crypto_core_ed25519_scalar_reduce(a, wide);
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, (const uint8_t *)NONCE_LABEL, sizeof(NONCE_LABEL) - 1);
	crypto_hash_sha512_update(&st, k->sk, KEY_LEN);
	crypto_hash_sha512_update(&st, msg, len);
	reduce(r, &st);
	if (crypto_scalarmult_ed25519_base_noclamp(sig, r) != 0) {
		ret = -EINVAL; /* r = 0: never, short of a broken hash */
		goto out;
	}
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, sig, 32);
	crypto_hash_sha512_update(&st, k->ed_pk, KEY_LEN);
	crypto_hash_sha512_update(&st, msg, len);
	reduce(h, &st);
	crypto_core_ed25519_scalar_mul(ha, h, a);
	crypto_core_ed25519_scalar_add(sig + 32, r, ha);
out:
	sodium_memzero(wide, sizeof(wide));
	sodium_memzero(a, sizeof(a));
	sodium_memzero(r, sizeof(r));
	sodium_memzero(ha, sizeof(ha));
	sodium_memzero(&st, sizeof(st));
	return ret;
}

static int certify(struct proto_slot *s, const struct proto_gwkey *k, unsigned i)
{
	uint8_t msg[CERT_LEN];

	cert_msg(msg, k->pk, s->wall, s->pk);
	return sign(s->sig[i], k, msg, sizeof(msg));
}

int proto_slot_certify(struct proto_gateway *gw, unsigned key)
{
	for (size_t i = 0; i < PROTO_SLOTS; i++)
		if (gw->slot[i].n != 0 && certify(&gw->slot[i], &gw->key[key], key) < 0)
			return -EINVAL;
	return 0;
}

bool proto_slot_cert_ok(const uint8_t gw_pub[KEY_LEN], const uint8_t chal[PROTO_CHALLENGE_LEN])
{
	const uint8_t *ed = chal + PROTO_OFF_SLOT_ED;
	uint8_t msg[CERT_LEN], u[KEY_LEN];

	/* Both A and -A map to G; either is fine, nobody knows the scalar of
	 * either but the gateway. */
	if (crypto_sign_ed25519_pk_to_curve25519(u, ed) != 0 ||
	    sodium_memcmp(u, gw_pub, KEY_LEN) != 0)
		return false;
	cert_msg(msg, gw_pub, proto_layout_get_u64(chal + PROTO_OFF_SLOT_WALL),
		 chal + PROTO_OFF_SLOT_PUB);
	return crypto_sign_ed25519_verify_detached(chal + PROTO_OFF_SLOT_SIG, msg, sizeof(msg),
						   ed) == 0;
}

/* The slot number of a boot time, plus 1 so that 0 means empty. */
static uint64_t slot_no(uint64_t time)
{
	return time / PROTO_SLOT_LEN + 1;
}

const struct proto_slot *proto_gateway_slot(const struct proto_gateway *gw, uint64_t time)
{
	uint64_t n = slot_no(time);
	const struct proto_slot *s = &gw->slot[n % PROTO_SLOTS];

	return s->n == n ? s : NULL;
}

static int slot_make(struct proto_gateway *gw, uint64_t now, uint64_t wall, const uint8_t *sk)
{
	uint64_t n = slot_no(now);
	struct proto_slot *s = &gw->slot[n % PROTO_SLOTS];
	int r = 0;

	sodium_memzero(s, sizeof(*s));
	if (sk != NULL)
		memcpy(s->sk, sk, KEY_LEN);
	else
		randombytes_buf(s->sk, KEY_LEN);
	s->wall = wall;
	if (crypto_scalarmult_base(s->pk, s->sk) != 0)
		r = -EINVAL;
	for (unsigned i = 0; r == 0 && i < gw->n_keys; i++)
		r = certify(s, &gw->key[i], i);
	if (r < 0) {
		sodium_memzero(s, sizeof(*s));
		return r;
	}
	s->n = n;
	return 0;
}

/* A slot's last challenge was issued at n * PROTO_SLOT_LEN - 1 (n as
 * slot_no gives it) and expires PROTO_CHALLENGE_LIFE seconds later; then
 * its secret has no more use, and goes. */
static void expire(struct proto_gateway *gw, uint64_t now)
{
	for (size_t i = 0; i < PROTO_SLOTS; i++) {
		struct proto_slot *s = &gw->slot[i];

		if (s->n != 0 && s->n * PROTO_SLOT_LEN + PROTO_CHALLENGE_LIFE <= now)
			sodium_memzero(s, sizeof(*s));
	}
}

int proto_gateway_tick(struct proto_gateway *gw, uint64_t now, uint64_t wall)
{
	expire(gw, now);
	if (proto_gateway_slot(gw, now) != NULL)
		return 0;
	return slot_make(gw, now, wall, NULL);
}

int proto_gateway_slot_set(struct proto_gateway *gw, uint64_t now, uint64_t wall,
			   const uint8_t sk[KEY_LEN])
{
	expire(gw, now);
	return slot_make(gw, now, wall, sk);
}
