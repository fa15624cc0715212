/* SPDX-License-Identifier: ISC */
/*
 * The key schedule (docs/protocol.md 5), the gateway's side: its keys, its
 * answers to HELLOs, the opening of a REQUEST and the sealing of the one
 * REPLY. The client's side is proto_client.c, the slot keys proto_slot.c.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_crypto.h"
#include "proto/proto_slot.h"

#define SCHEDULE "keygate-activation-v2"

const uint8_t proto_zero_nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

void proto_kdf(uint8_t ck_out[32], uint8_t k_out[32], const uint8_t ck[32], const char *label,
	       const uint8_t *const in[], size_t n)
{
	crypto_generichash_state st;
	uint8_t out[64];

	crypto_generichash_init(&st, ck, 32, sizeof(out));
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	for (size_t i = 0; i < n; i++)
		crypto_generichash_update(&st, in[i], 32);
	crypto_generichash_final(&st, out, sizeof(out));
	if (ck_out != NULL)
		memcpy(ck_out, out, 32);
	memcpy(k_out, out + 32, 32);
	sodium_memzero(out, sizeof(out));
	sodium_memzero(&st, sizeof(st));
}

void proto_chaining_key0(uint8_t c0[32], const char *name)
{
	crypto_generichash(c0, 32, (const uint8_t *)name, strlen(name), NULL, 0);
}

void proto_header(uint8_t *pkt, uint8_t type, uint8_t version)
{
	pkt[0] = type;
	pkt[1] = version;
	pkt[2] = pkt[3] = 0;
}

/* The X25519 secret is clamped here, so that the Edwards point made from
 * the same scalar (noclamp) is the one whose Montgomery form is G. */
static int gwkey_init(struct proto_gwkey *k, const uint8_t sk[KEY_LEN])
{
	uint8_t u[KEY_LEN];

	memcpy(k->sk, sk, KEY_LEN);
	k->sk[0] &= 248;
	k->sk[31] = (k->sk[31] & 127) | 64;
	if (crypto_scalarmult_base(k->pk, k->sk) != 0 ||
	    crypto_scalarmult_ed25519_base_noclamp(k->ed_pk, k->sk) != 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(u, k->ed_pk) != 0 ||
	    sodium_memcmp(u, k->pk, KEY_LEN) != 0) {
		sodium_memzero(k, sizeof(*k));
		return -EINVAL;
	}
	proto_macs_init(&k->macs, k->pk);
	return 0;
}

int proto_gateway_init(struct proto_gateway *gw, const uint8_t act_sk[KEY_LEN])
{
	memset(gw, 0, sizeof(*gw));
	if (gwkey_init(&gw->key[0], act_sk) < 0)
		return -EINVAL;
	gw->n_keys = 1;
	randombytes_buf(gw->challenge_secret, sizeof(gw->challenge_secret));
	return 0;
}

int proto_gateway_add_previous(struct proto_gateway *gw, const uint8_t prev_sk[KEY_LEN])
{
	if (gw->n_keys != 1 || gwkey_init(&gw->key[1], prev_sk) < 0)
		return -EINVAL;
	gw->n_keys = 2;
	/* Slots made before it need its certificate too. */
	return proto_slot_certify(gw, 1);
}

void proto_gateway_set_retired(struct proto_gateway *gw, const uint8_t pk[KEY_LEN])
{
	memcpy(gw->retired_pk, pk, KEY_LEN);
	proto_macs_init(&gw->retired_macs, pk);
	gw->has_retired = true;
}

void proto_gateway_retire(struct proto_gateway *gw)
{
	if (gw->n_keys < 2)
		return;
	proto_gateway_set_retired(gw, gw->key[1].pk);
	sodium_memzero(&gw->key[1], sizeof(gw->key[1]));
	for (size_t i = 0; i < PROTO_SLOTS; i++)
		sodium_memzero(gw->slot[i].sig[1], PROTO_SLOT_SIG_LEN);
	gw->n_keys = 1;
}

void proto_gateway_finish(struct proto_gateway *gw)
{
	sodium_memzero(gw, sizeof(*gw));
}

int proto_gw_challenge(const struct proto_gateway *gw, unsigned key,
		       uint8_t out[PROTO_CHALLENGE_LEN], const uint8_t hello[PROTO_HELLO_LEN],
		       uint64_t now, const uint8_t addr[18])
{
	const struct proto_slot *sl = proto_gateway_slot(gw, now);
	struct proto_challenge ch;

	if (sl == NULL || key >= gw->n_keys)
		return -ENOKEY;
	proto_header(out, PROTO_CHALLENGE, PROTO_VERSION);
	memcpy(out + PROTO_OFF_COMMIT, hello + PROTO_OFF_COMMIT, PROTO_COMMIT_LEN);
	proto_challenge_make(gw, &ch, now, addr, hello + PROTO_OFF_COMMIT);
	proto_layout_put_u64(out + PROTO_OFF_TIME, ch.time);
	memcpy(out + PROTO_OFF_TAG, ch.tag, PROTO_TAG_LEN);
	memcpy(out + PROTO_OFF_SLOT_PUB, sl->pk, KEY_LEN);
	proto_layout_put_u64(out + PROTO_OFF_SLOT_WALL, sl->wall);
	memcpy(out + PROTO_OFF_SLOT_ED, gw->key[key].ed_pk, KEY_LEN);
	memcpy(out + PROTO_OFF_SLOT_SIG, sl->sig[key], PROTO_SLOT_SIG_LEN);
	proto_macs_set(out, PROTO_CHALLENGE_LEN, &gw->key[key].macs);
	return 0;
}

void proto_gw_error(const struct proto_gateway *gw, unsigned key, uint8_t out[PROTO_ERROR_LEN],
		    const uint8_t *pkt, enum proto_err code)
{
	memset(out, 0, PROTO_ERROR_LEN);
	proto_header(out, PROTO_ERROR, PROTO_VERSION);
	memcpy(out + PROTO_OFF_COMMIT, pkt + PROTO_OFF_COMMIT, PROTO_COMMIT_LEN);
	out[PROTO_OFF_CODE] = (uint8_t)code;
	proto_macs_set(out, PROTO_ERROR_LEN,
		       key == PROTO_KEY_RETIRED ? &gw->retired_macs : &gw->key[key].macs);
}

void proto_request_peek(const uint8_t pkt[PROTO_REQUEST_LEN], uint8_t commit[32],
			struct proto_challenge *ch)
{
	memcpy(commit, pkt + PROTO_OFF_COMMIT, PROTO_COMMIT_LEN);
	ch->time = proto_layout_get_u64(pkt + PROTO_OFF_TIME);
	memcpy(ch->tag, pkt + PROTO_OFF_TAG, PROTO_TAG_LEN);
}

/* Two MACs that already cover the request: nothing to hash again. */
void proto_request_id(uint8_t id[32], const uint8_t pkt[PROTO_REQUEST_LEN])
{
	memcpy(id, pkt + PROTO_OFF_TAG, 16);
	memcpy(id + 16, pkt + PROTO_OFF_MAC1 - PROTO_AEAD_TAG, PROTO_AEAD_TAG);
}

/* The schedule's two steps (docs/protocol.md 5), the same on both sides:
 * the slot key's DH, then the device's static DH (zeros without one). */
void proto_schedule_x(uint8_t ck1[32], uint8_t k1[32], const uint8_t gw_pub[KEY_LEN],
		      const uint8_t slot_pub[KEY_LEN], const uint8_t eph_pub[KEY_LEN],
		      const uint8_t dhx[32])
{
	const uint8_t *const in[] = {gw_pub, slot_pub, eph_pub, dhx};
	uint8_t c0[32];

	proto_chaining_key0(c0, SCHEDULE);
	proto_kdf(ck1, k1, c0, "x", in, 4);
}

void proto_schedule_s(uint8_t ck2[32], uint8_t k2[32], const uint8_t ck1[32],
		      const uint8_t static_pub[KEY_LEN], const uint8_t ss[32])
{
	const uint8_t *const in[] = {static_pub, ss};

	proto_kdf(ck2, k2, ck1, "s", in, 2);
}

void proto_reply_key(uint8_t kr[32], uint8_t id[32], const uint8_t ck2[32], const uint8_t *pkt)
{
	const uint8_t *const in[] = {id};

	proto_request_id(id, pkt);
	proto_kdf(NULL, kr, ck2, "r", in, 1);
}

int proto_gw_open(const struct proto_gateway *gw, unsigned key,
		  const uint8_t pkt[PROTO_REQUEST_LEN], proto_ss_fn ss_fn, void *arg,
		  struct proto_opened *o)
{
	uint8_t dhx[32], ss[32] = {0}, payload[PROTO_PAYLOAD_LEN], commit[32];
	uint8_t ck1[32] = {0}, k1[32] = {0}, ck2[32] = {0}, k2[32] = {0};
	const uint8_t *eph = pkt + PROTO_OFF_EPH;
	const struct proto_slot *sl;
	const struct proto_gwkey *k;
	int r = -EBADMSG;

	memset(o, 0, sizeof(*o));
	if (key >= gw->n_keys)
		return -EBADMSG;
	k = &gw->key[key];
	o->key = key;
	proto_request_peek(pkt, o->commit, &o->challenge);
	sl = proto_gateway_slot(gw, o->challenge.time);
	if (sl == NULL || crypto_scalarmult(dhx, sl->sk, eph) != 0)
		goto fail;
	proto_schedule_x(ck1, k1, k->pk, sl->pk, eph, dhx);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(
		    o->static_pub, NULL, NULL, pkt + PROTO_OFF_STATIC, KEY_LEN + PROTO_AEAD_TAG,
		    pkt, PROTO_OFF_STATIC, proto_zero_nonce, k1) != 0)
		goto fail;
	o->has_static = !key_is_zero(o->static_pub);
	if (o->has_static) {
		if (ss_fn != NULL ? ss_fn(arg, key, o->static_pub, ss) < 0
				  : crypto_scalarmult(ss, k->sk, o->static_pub) != 0)
			goto fail;
	}
	proto_schedule_s(ck2, k2, ck1, o->static_pub, ss);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(payload, NULL, NULL, pkt + PROTO_OFF_PAYLOAD,
						      PROTO_PAYLOAD_LEN + PROTO_AEAD_TAG, pkt,
						      PROTO_OFF_PAYLOAD, proto_zero_nonce, k2) != 0)
		goto fail;
	/* From here on the sender holds the keys: it gets an answer. */
	proto_reply_key(o->kr, o->req_id, ck2, pkt);
	r = -EPROTO;
	if (proto_request_decode(&o->req, payload, sizeof(payload)) < 0)
		goto fail;
	proto_commit(commit, o->req.nonce, o->req.op, eph, &o->req.target);
	if (sodium_memcmp(commit, o->commit, sizeof(commit)) != 0)
		goto fail;
	r = 0;
fail:
	if (r == -EBADMSG)
		proto_opened_wipe(o);
	else if (r < 0)
		sodium_memzero(&o->req, sizeof(o->req));
	sodium_memzero(dhx, sizeof(dhx));
	sodium_memzero(ss, sizeof(ss));
	sodium_memzero(payload, sizeof(payload));
	sodium_memzero(ck1, sizeof(ck1));
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	sodium_memzero(ck2, sizeof(ck2));
	return r;
}

int proto_gw_reply(const struct proto_gateway *gw, const struct proto_opened *o,
		   const struct proto_reply *rep, uint8_t out[PROTO_REPLY_MAX], size_t *outlen)
{
	uint8_t pt[PROTO_REPLY_PT_MAX];
	size_t n = 0;
	int r;

	if (o->key >= gw->n_keys)
		return -EINVAL;
	r = proto_reply_encode(pt, sizeof(pt), &n, rep);
	if (r < 0)
		goto fail;
	proto_header(out, PROTO_REPLY, PROTO_VERSION);
	memcpy(out + PROTO_OFF_COMMIT, o->commit, PROTO_COMMIT_LEN);
	*outlen = PROTO_OFF_REPLY + n + PROTO_AEAD_TAG + PROTO_MAC_LEN;
	proto_mac0_set(out, *outlen, &gw->key[o->key].macs);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + PROTO_OFF_REPLY, NULL, pt, n, out,
						  PROTO_OFF_REPLY, NULL, proto_zero_nonce, o->kr);
	proto_macs_set(out, *outlen, &gw->key[o->key].macs);
fail:
	sodium_memzero(pt, sizeof(pt));
	return r;
}

void proto_opened_wipe(struct proto_opened *o)
{
	sodium_memzero(o, sizeof(*o));
}
