/* SPDX-License-Identifier: ISC */
/*
 * The key schedule (docs/protocol.md 5): the client seals a REQUEST to the
 * gateway's activation key, with or without the device's static key; the
 * gateway opens it and seals the one REPLY.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"

#define OFF_COMMIT  4
#define OFF_TIME    36
#define OFF_TAG     44
#define OFF_EPH     68
#define OFF_STATIC  100
#define OFF_PAYLOAD 148
#define OFF_MAC1    (PROTO_REQUEST_LEN - PROTO_MAC_LEN)
#define OFF_REPLY   36
#define AEAD_TAG    crypto_aead_chacha20poly1305_ietf_ABYTES

static const uint8_t zero_nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

/* (ck', k) = BLAKE2b-512(key = ck, label || a || b || c). */
static void kdf(uint8_t ck_out[32], uint8_t k_out[32], const uint8_t ck[32], const char *label,
		const uint8_t *a, const uint8_t *b, const uint8_t *c)
{
	crypto_generichash_state st;
	uint8_t out[64];

	crypto_generichash_init(&st, ck, 32, sizeof(out));
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	if (a != NULL)
		crypto_generichash_update(&st, a, 32);
	if (b != NULL)
		crypto_generichash_update(&st, b, 32);
	if (c != NULL)
		crypto_generichash_update(&st, c, 32);
	crypto_generichash_final(&st, out, sizeof(out));
	if (ck_out != NULL)
		memcpy(ck_out, out, 32);
	memcpy(k_out, out + 32, 32);
	sodium_memzero(out, sizeof(out));
	sodium_memzero(&st, sizeof(st));
}

static void chaining_key0(uint8_t c0[32])
{
	static const char name[] = "keygate-activation-v1";

	crypto_generichash(c0, 32, (const uint8_t *)name, sizeof(name) - 1, NULL, 0);
}

static void put_u64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static uint64_t get_u64(const uint8_t in[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | in[i];
	return v;
}

static void header(uint8_t *pkt, uint8_t type)
{
	pkt[0] = type;
	pkt[1] = PROTO_VERSION;
	pkt[2] = pkt[3] = 0;
}

/* k1, k2 and kr from the DH results; h is NULL until the request is whole. */
struct keys {
	uint8_t ck1[32], k1[32], ck2[32], k2[32];
};

static void keys_wipe(struct keys *k)
{
	sodium_memzero(k, sizeof(*k));
}

int proto_gateway_init(struct proto_gateway *gw, const uint8_t act_sk[KEY_LEN])
{
	memcpy(gw->sk, act_sk, KEY_LEN);
	if (crypto_scalarmult_base(gw->pk, gw->sk) != 0) {
		sodium_memzero(gw, sizeof(*gw));
		return -EINVAL;
	}
	proto_macs_init(&gw->macs, gw->pk);
	randombytes_buf(gw->challenge_secret, sizeof(gw->challenge_secret));
	return 0;
}

void proto_gateway_finish(struct proto_gateway *gw)
{
	sodium_memzero(gw, sizeof(*gw));
}

void proto_gw_challenge(const struct proto_gateway *gw, uint8_t out[PROTO_CHALLENGE_LEN],
			const uint8_t hello[PROTO_HELLO_LEN], uint64_t now, const uint8_t addr[18])
{
	struct proto_challenge ch;

	header(out, PROTO_CHALLENGE);
	memcpy(out + OFF_COMMIT, hello + OFF_COMMIT, PROTO_COMMIT_LEN);
	proto_challenge_make(gw, &ch, now, addr, hello + OFF_COMMIT);
	put_u64(out + OFF_TIME, ch.time);
	memcpy(out + OFF_TAG, ch.tag, PROTO_TAG_LEN);
	proto_macs_set(out, PROTO_CHALLENGE_LEN, &gw->macs);
}

void proto_gw_error(const struct proto_gateway *gw, uint8_t out[PROTO_ERROR_LEN],
		    const uint8_t *pkt, enum proto_err code)
{
	memset(out, 0, PROTO_ERROR_LEN);
	header(out, PROTO_ERROR);
	memcpy(out + OFF_COMMIT, pkt + OFF_COMMIT, PROTO_COMMIT_LEN);
	out[36] = (uint8_t)code;
	proto_macs_set(out, PROTO_ERROR_LEN, &gw->macs);
}

void proto_request_peek(const uint8_t pkt[PROTO_REQUEST_LEN], uint8_t commit[32],
			struct proto_challenge *ch)
{
	memcpy(commit, pkt + OFF_COMMIT, PROTO_COMMIT_LEN);
	ch->time = get_u64(pkt + OFF_TIME);
	memcpy(ch->tag, pkt + OFF_TAG, PROTO_TAG_LEN);
}

static void reply_key(uint8_t kr[32], uint8_t id[32], const uint8_t ck2[32], const uint8_t *pkt)
{
	proto_request_id(id, pkt);
	kdf(NULL, kr, ck2, "r", id, NULL, NULL);
}

/* Two MACs that already cover the request: nothing to hash again. */
void proto_request_id(uint8_t id[32], const uint8_t pkt[PROTO_REQUEST_LEN])
{
	memcpy(id, pkt + OFF_TAG, 16);
	memcpy(id + 16, pkt + OFF_MAC1 - AEAD_TAG, AEAD_TAG);
}

int proto_gw_open(const struct proto_gateway *gw, const uint8_t pkt[PROTO_REQUEST_LEN],
		  proto_ss_fn ss_fn, void *arg, struct proto_opened *o)
{
	uint8_t c0[32], dh1[32], ss[32] = {0}, payload[PROTO_PAYLOAD_LEN], commit[32];
	const uint8_t *eph = pkt + OFF_EPH;
	struct keys k;
	int r = -EBADMSG;

	memset(o, 0, sizeof(*o));
	proto_request_peek(pkt, o->commit, &o->challenge);
	chaining_key0(c0);
	if (crypto_scalarmult(dh1, gw->sk, eph) != 0)
		goto fail;
	kdf(k.ck1, k.k1, c0, "e", gw->pk, eph, dh1);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(o->static_pub, NULL, NULL, pkt + OFF_STATIC,
						      KEY_LEN + AEAD_TAG, pkt, OFF_STATIC,
						      zero_nonce, k.k1) != 0)
		goto fail;
	o->has_static = !key_is_zero(o->static_pub);
	if (o->has_static) {
		if (ss_fn != NULL ? ss_fn(arg, o->static_pub, ss) < 0
				  : crypto_scalarmult(ss, gw->sk, o->static_pub) != 0)
			goto fail;
	}
	kdf(k.ck2, k.k2, k.ck1, "s", o->static_pub, ss, NULL);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(payload, NULL, NULL, pkt + OFF_PAYLOAD,
						      PROTO_PAYLOAD_LEN + AEAD_TAG, pkt,
						      OFF_PAYLOAD, zero_nonce, k.k2) != 0)
		goto fail;
	/* From here on the sender holds the key: it gets an answer. */
	reply_key(o->kr, o->req_id, k.ck2, pkt);
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
	sodium_memzero(dh1, sizeof(dh1));
	sodium_memzero(ss, sizeof(ss));
	sodium_memzero(payload, sizeof(payload));
	keys_wipe(&k);
	return r;
}

int proto_gw_reply(const struct proto_gateway *gw, const struct proto_opened *o,
		   const struct proto_reply *rep, uint8_t out[PROTO_REPLY_MAX], size_t *outlen)
{
	uint8_t pt[PROTO_REPLY_PT_MAX];
	size_t n = 0;
	int r;

	r = proto_reply_encode(pt, sizeof(pt), &n, rep);
	if (r < 0)
		goto fail;
	header(out, PROTO_REPLY);
	memcpy(out + OFF_COMMIT, o->commit, PROTO_COMMIT_LEN);
	*outlen = OFF_REPLY + n + AEAD_TAG + PROTO_MAC_LEN;
	proto_mac0_set(out, *outlen, &gw->macs);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + OFF_REPLY, NULL, pt, n, out, OFF_REPLY,
						  NULL, zero_nonce, o->kr);
	proto_macs_set(out, *outlen, &gw->macs);
fail:
	sodium_memzero(pt, sizeof(pt));
	return r;
}

void proto_opened_wipe(struct proto_opened *o)
{
	sodium_memzero(o, sizeof(*o));
}

int proto_client_begin(struct proto_client *c, const uint8_t gw_pub[KEY_LEN], enum proto_op op,
		       const struct proto_target *target, uint8_t hello[PROTO_HELLO_LEN])
{
	memset(c, 0, sizeof(*c));
	if (target->kind == PROTO_TARGET_NAME &&
	    !proto_name_valid(target->name, strnlen(target->name, sizeof(target->name))))
		return -EINVAL;
	memcpy(c->gw_pub, gw_pub, KEY_LEN);
	proto_macs_init(&c->macs, gw_pub);
	crypto_box_keypair(c->eph_pub, c->eph_sk);
	randombytes_buf(c->nonce, sizeof(c->nonce));
	c->op = (uint8_t)op;
	c->target = *target;
	proto_commit(c->commit, c->nonce, c->op, c->eph_pub, &c->target);
	memset(hello, 0, PROTO_HELLO_LEN);
	header(hello, PROTO_HELLO);
	memcpy(hello + OFF_COMMIT, c->commit, PROTO_COMMIT_LEN);
	proto_macs_set(hello, PROTO_HELLO_LEN, &c->macs);
	return 0;
}

int proto_client_receive(struct proto_client *c, const uint8_t *pkt, size_t len, int *code,
			 struct proto_reply *rep)
{
	uint8_t pt[PROTO_REPLY_PT_MAX];
	int type = proto_packet_type(pkt, len), r = -EBADMSG;
	size_t n;

	if (type != PROTO_CHALLENGE && type != PROTO_ERROR && type != PROTO_REPLY)
		return -EBADMSG;
	if (!proto_mac0_ok(pkt, len, &c->macs) || !proto_mac1_ok(pkt, len, &c->macs) ||
	    sodium_memcmp(pkt + OFF_COMMIT, c->commit, PROTO_COMMIT_LEN) != 0)
		return -EBADMSG;
	switch (type) {
	case PROTO_CHALLENGE:
		if (c->sent)
			return -EBADMSG;
		c->challenge.time = get_u64(pkt + OFF_TIME);
		memcpy(c->challenge.tag, pkt + OFF_TAG, PROTO_TAG_LEN);
		c->have_challenge = true;
		return PROTO_CHALLENGE;
	case PROTO_ERROR:
		if (!proto_err_is_plain(pkt[36]) || pkt[37] != 0 || pkt[38] != 0 || pkt[39] != 0)
			return -EBADMSG;
		*code = pkt[36];
		return PROTO_ERROR;
	default:
		break;
	}
	if (!c->sent)
		return -EBADMSG;
	n = len - OFF_REPLY - AEAD_TAG - PROTO_MAC_LEN;
	if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, pkt + OFF_REPLY, n + AEAD_TAG,
						      pkt, OFF_REPLY, zero_nonce, c->kr) != 0)
		goto fail;
	if (proto_reply_decode(rep, pt, n) < 0)
		goto fail;
	r = PROTO_REPLY;
fail:
	sodium_memzero(pt, sizeof(pt));
	return r;
}

void proto_client_cdh(const struct proto_client *c, uint8_t cdh[32], const char *purpose,
		      const uint8_t *extra)
{
	if (purpose == NULL)
		purpose = proto_op_purpose(c->op);
	proto_client_data_hash(cdh, purpose != NULL ? purpose : "", c->gw_pub, &c->target,
			       &c->challenge, extra);
}

int proto_client_request(struct proto_client *c, const uint8_t *static_sk,
			 struct proto_request *req, uint8_t out[PROTO_REQUEST_LEN])
{
	uint8_t c0[32], dh1[32], ss[32] = {0}, spub[KEY_LEN] = {0}, payload[PROTO_PAYLOAD_LEN],
				 h[32];
	struct keys k;
	int r;

	/* k1, k2 and kr come from this exchange's ephemeral and use the zero
	 * nonce: a second, different request would reuse them. */
	if (!c->have_challenge || c->sent)
		return -EINVAL;
	req->op = c->op;
	memcpy(req->nonce, c->nonce, sizeof(c->nonce));
	req->target = c->target;
	req->fields &= ~(uint32_t)(PROTO_REQ_TARGET_KEY | PROTO_REQ_TARGET_NAME);
	if (c->target.kind == PROTO_TARGET_KEY)
		req->fields |= PROTO_REQ_TARGET_KEY;
	else if (c->target.kind == PROTO_TARGET_NAME)
		req->fields |= PROTO_REQ_TARGET_NAME;
	r = proto_request_encode(payload, sizeof(payload), req);
	if (r < 0)
		goto fail;
	r = -EINVAL;
	if (static_sk != NULL && (crypto_scalarmult_base(spub, static_sk) != 0 ||
				  crypto_scalarmult(ss, static_sk, c->gw_pub) != 0))
		goto fail;
	if (crypto_scalarmult(dh1, c->eph_sk, c->gw_pub) != 0)
		goto fail;
	header(out, PROTO_REQUEST);
	memcpy(out + OFF_COMMIT, c->commit, PROTO_COMMIT_LEN);
	put_u64(out + OFF_TIME, c->challenge.time);
	memcpy(out + OFF_TAG, c->challenge.tag, PROTO_TAG_LEN);
	memcpy(out + OFF_EPH, c->eph_pub, KEY_LEN);
	proto_mac0_set(out, PROTO_REQUEST_LEN, &c->macs);
	chaining_key0(c0);
	kdf(k.ck1, k.k1, c0, "e", c->gw_pub, c->eph_pub, dh1);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + OFF_STATIC, NULL, spub, KEY_LEN, out,
						  OFF_STATIC, NULL, zero_nonce, k.k1);
	kdf(k.ck2, k.k2, k.ck1, "s", spub, ss, NULL);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + OFF_PAYLOAD, NULL, payload, sizeof(payload),
						  out, OFF_PAYLOAD, NULL, zero_nonce, k.k2);
	proto_macs_set(out, PROTO_REQUEST_LEN, &c->macs);
	reply_key(c->kr, h, k.ck2, out);
	c->sent = true;
	r = 0;
fail:
	sodium_memzero(dh1, sizeof(dh1));
	sodium_memzero(ss, sizeof(ss));
	sodium_memzero(payload, sizeof(payload));
	keys_wipe(&k);
	return r;
}

void proto_client_finish(struct proto_client *c)
{
	sodium_memzero(c, sizeof(*c));
}
