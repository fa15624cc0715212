/* SPDX-License-Identifier: ISC */
/*
 * The client's side of one exchange (docs/protocol.md 5, 6): the HELLO,
 * the CHALLENGE and its slot key's certificate, the sealed REQUEST and the
 * REPLY that only this exchange's keys open.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_crypto.h"
#include "proto/proto_slot.h"

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
	proto_header(hello, PROTO_HELLO, PROTO_VERSION);
	memcpy(hello + PROTO_OFF_COMMIT, c->commit, PROTO_COMMIT_LEN);
	proto_macs_set(hello, PROTO_HELLO_LEN, &c->macs);
	return 0;
}

/* MACs under our key and our commitment: a packet of this exchange. */
static bool ours(const struct proto_client *c, const uint8_t *pkt, size_t len)
{
	return proto_mac0_ok(pkt, len, &c->macs) && proto_mac1_ok(pkt, len, &c->macs) &&
	       sodium_memcmp(pkt + PROTO_OFF_COMMIT, c->commit, PROTO_COMMIT_LEN) == 0;
}

/* The one packet every version keeps the shape of (docs/protocol.md
 * 4.1): a gateway of another version says so in it. */
static bool version_error(const uint8_t *pkt, size_t len)
{
	return len == PROTO_ERROR_LEN && pkt[0] == PROTO_ERROR && pkt[1] != PROTO_VERSION &&
	       pkt[PROTO_OFF_CODE] == PROTO_ERR_VERSION;
}

int proto_client_receive(struct proto_client *c, const uint8_t *pkt, size_t len, int *code,
			 struct proto_reply *rep)
{
	uint8_t pt[PROTO_REPLY_PT_MAX];
	int type, r = -EBADMSG;
	size_t n;

	if (version_error(pkt, len)) {
		if (!ours(c, pkt, len))
			return -EBADMSG;
		c->gw_version = pkt[1];
		*code = PROTO_ERR_VERSION;
		return PROTO_ERROR;
	}
	type = proto_packet_type(pkt, len);
	if (type != PROTO_CHALLENGE && type != PROTO_ERROR && type != PROTO_REPLY)
		return -EBADMSG;
	if (!ours(c, pkt, len))
		return -EBADMSG;
	switch (type) {
	case PROTO_CHALLENGE:
		/* Whoever knows G makes the MACs; only the gateway certifies
		 * a slot key. */
		if (c->sent || !proto_slot_cert_ok(c->gw_pub, pkt))
			return -EBADMSG;
		c->challenge.time = proto_layout_get_u64(pkt + PROTO_OFF_TIME);
		memcpy(c->challenge.tag, pkt + PROTO_OFF_TAG, PROTO_TAG_LEN);
		memcpy(c->slot_pub, pkt + PROTO_OFF_SLOT_PUB, KEY_LEN);
		c->slot_wall = proto_layout_get_u64(pkt + PROTO_OFF_SLOT_WALL);
		c->have_challenge = true;
		return PROTO_CHALLENGE;
	case PROTO_ERROR:
		if (!proto_err_is_plain(pkt[PROTO_OFF_CODE]) || pkt[37] != 0 || pkt[38] != 0 ||
		    pkt[39] != 0)
			return -EBADMSG;
		*code = pkt[PROTO_OFF_CODE];
		return PROTO_ERROR;
	default:
		break;
	}
	if (!c->sent)
		return -EBADMSG;
	n = len - PROTO_OFF_REPLY - PROTO_AEAD_TAG - PROTO_MAC_LEN;
	if (crypto_aead_chacha20poly1305_ietf_decrypt(pt, NULL, NULL, pkt + PROTO_OFF_REPLY,
						      n + PROTO_AEAD_TAG, pkt, PROTO_OFF_REPLY,
						      proto_zero_nonce, c->kr) != 0)
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
	uint8_t dhx[32], ss[32] = {0}, spub[KEY_LEN] = {0}, payload[PROTO_PAYLOAD_LEN], id[32];
	uint8_t ck1[32] = {0}, k1[32] = {0}, ck2[32] = {0}, k2[32] = {0};
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
	if (crypto_scalarmult(dhx, c->eph_sk, c->slot_pub) != 0)
		goto fail;
	proto_header(out, PROTO_REQUEST, PROTO_VERSION);
	memcpy(out + PROTO_OFF_COMMIT, c->commit, PROTO_COMMIT_LEN);
	proto_layout_put_u64(out + PROTO_OFF_TIME, c->challenge.time);
	memcpy(out + PROTO_OFF_TAG, c->challenge.tag, PROTO_TAG_LEN);
	memcpy(out + PROTO_OFF_EPH, c->eph_pub, KEY_LEN);
	proto_mac0_set(out, PROTO_REQUEST_LEN, &c->macs);
	proto_schedule_x(ck1, k1, c->gw_pub, c->slot_pub, c->eph_pub, dhx);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + PROTO_OFF_STATIC, NULL, spub, KEY_LEN, out,
						  PROTO_OFF_STATIC, NULL, proto_zero_nonce, k1);
	proto_schedule_s(ck2, k2, ck1, spub, ss);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + PROTO_OFF_PAYLOAD, NULL, payload,
						  sizeof(payload), out, PROTO_OFF_PAYLOAD, NULL,
						  proto_zero_nonce, k2);
	proto_macs_set(out, PROTO_REQUEST_LEN, &c->macs);
	proto_reply_key(c->kr, id, ck2, out);
	c->sent = true;
	r = 0;
fail:
	sodium_memzero(dhx, sizeof(dhx));
	sodium_memzero(ss, sizeof(ss));
	sodium_memzero(payload, sizeof(payload));
	sodium_memzero(ck1, sizeof(ck1));
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(ck2, sizeof(ck2));
	sodium_memzero(k2, sizeof(k2));
	return r;
}

void proto_client_finish(struct proto_client *c)
{
	sodium_memzero(c, sizeof(*c));
}
