/* SPDX-License-Identifier: ISC */
/*
 * Version 1, as far as a gateway of version 2 still speaks it
 * (docs/protocol.md 4.1): its derivation of the activation key, which a
 * migrated gateway accepts as its previous key for a while, and a refusal
 * that an enroll of version 1 can print. Such an enroll prints nothing
 * that says "upgrade" for any plain ERROR; the one line it has that
 * points at the cause is BAD_REQUEST's "(version mismatch?)", which comes
 * only in an encrypted REPLY. So its HELLO gets version 1's CHALLENGE and
 * its REQUEST a REPLY of BAD_REQUEST, sealed with version 1's schedule:
 * the static key is opened (the reply key depends on it), the payload,
 * which holds codes and assertions, never is.
 */
#include <errno.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_crypto.h"
#include "proto/proto_wire.h"

#define V1           1
#define V1_SCHEDULE  "keygate-activation-v1"
#define V1_TAG_LABEL "keygate-challenge-v1"

void proto_v1_activation_key(uint8_t act_sk[KEY_LEN], const uint8_t wg_sk[KEY_LEN])
{
	static const char label[] = "keygate-activation-key-v1";

	crypto_generichash(act_sk, KEY_LEN, (const uint8_t *)label, sizeof(label) - 1, wg_sk,
			   KEY_LEN);
	act_sk[0] &= 248;
	act_sk[31] = (act_sk[31] & 127) | 64;
}

int proto_v1_packet_type(const uint8_t *pkt, size_t len)
{
	if (len < PROTO_HDR_LEN || pkt[1] != V1)
		return -EBADMSG;
	if (pkt[0] == PROTO_HELLO && len == PROTO_V1_HELLO_LEN)
		return PROTO_HELLO;
	if (pkt[0] == PROTO_REQUEST && len == PROTO_REQUEST_LEN)
		return PROTO_REQUEST;
	return -EBADMSG;
}

void proto_v1_challenge(const struct proto_gateway *gw, unsigned key,
			uint8_t out[PROTO_V1_CHALLENGE_LEN], const uint8_t *hello, uint64_t now,
			const uint8_t addr[18])
{
	proto_header(out, PROTO_CHALLENGE, V1);
	memcpy(out + PROTO_OFF_COMMIT, hello + PROTO_OFF_COMMIT, PROTO_COMMIT_LEN);
	proto_layout_put_u64(out + PROTO_OFF_TIME, now);
	proto_wire_tag(gw, V1_TAG_LABEL, out + PROTO_OFF_TAG, now, addr, hello + PROTO_OFF_COMMIT);
	proto_macs_set(out, PROTO_V1_CHALLENGE_LEN, &gw->key[key].macs);
}

static bool v1_challenge_ok(const struct proto_gateway *gw, const uint8_t *pkt, uint64_t now,
			    const uint8_t addr[18])
{
	uint8_t tag[PROTO_TAG_LEN];
	uint64_t time = proto_layout_get_u64(pkt + PROTO_OFF_TIME);

	proto_wire_tag(gw, V1_TAG_LABEL, tag, time, addr, pkt + PROTO_OFF_COMMIT);
	return sodium_memcmp(tag, pkt + PROTO_OFF_TAG, PROTO_TAG_LEN) == 0 && time <= now &&
	       now - time <= PROTO_CHALLENGE_LIFE;
}

int proto_v1_refuse(const struct proto_gateway *gw, unsigned key,
		    const uint8_t pkt[PROTO_REQUEST_LEN], uint64_t now, const uint8_t addr[18],
		    uint64_t wall, proto_ss_fn ss_fn, void *arg, uint8_t out[PROTO_REPLY_MAX],
		    size_t *outlen)
{
	struct proto_reply rep = {.status = PROTO_ERR_BAD_REQUEST, .gateway_time = wall};
	uint8_t c0[32], dh1[32], ss[32] = {0}, spub[KEY_LEN], ck1[32] = {0}, k1[32] = {0};
	uint8_t ck2[32] = {0}, k2[32], kr[32] = {0}, id[32], pt[64];
	const uint8_t *eph = pkt + PROTO_OFF_EPH;
	const struct proto_gwkey *k;
	size_t n = 0;
	int r = -EBADMSG;

	*outlen = 0;
	if (key >= gw->n_keys)
		return -EBADMSG;
	if (!v1_challenge_ok(gw, pkt, now, addr))
		return -ESTALE;
	k = &gw->key[key];
	proto_chaining_key0(c0, V1_SCHEDULE);
	if (crypto_scalarmult(dh1, k->sk, eph) != 0)
		goto fail;
	proto_kdf(ck1, k1, c0, "e", (const uint8_t *const[]){k->pk, eph, dh1}, 3);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(spub, NULL, NULL, pkt + PROTO_OFF_STATIC,
						      KEY_LEN + PROTO_AEAD_TAG, pkt,
						      PROTO_OFF_STATIC, proto_zero_nonce, k1) != 0)
		goto fail;
	if (!key_is_zero(spub) && (ss_fn != NULL ? ss_fn(arg, key, spub, ss) < 0
						 : crypto_scalarmult(ss, k->sk, spub) != 0))
		goto fail;
	proto_kdf(ck2, k2, ck1, "s", (const uint8_t *const[]){spub, ss}, 2);
	proto_request_id(id, pkt);
	proto_kdf(NULL, kr, ck2, "r", (const uint8_t *const[]){id}, 1);
	if (proto_reply_encode(pt, sizeof(pt), &n, &rep) < 0)
		goto fail;
	proto_header(out, PROTO_REPLY, V1);
	memcpy(out + PROTO_OFF_COMMIT, pkt + PROTO_OFF_COMMIT, PROTO_COMMIT_LEN);
	*outlen = PROTO_OFF_REPLY + n + PROTO_AEAD_TAG + PROTO_MAC_LEN;
	proto_mac0_set(out, *outlen, &k->macs);
	crypto_aead_chacha20poly1305_ietf_encrypt(out + PROTO_OFF_REPLY, NULL, pt, n, out,
						  PROTO_OFF_REPLY, NULL, proto_zero_nonce, kr);
	proto_macs_set(out, *outlen, &k->macs);
	r = 0;
fail:
	sodium_memzero(dh1, sizeof(dh1));
	sodium_memzero(ss, sizeof(ss));
	sodium_memzero(ck1, sizeof(ck1));
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(ck2, sizeof(ck2));
	sodium_memzero(k2, sizeof(k2));
	sodium_memzero(kr, sizeof(kr));
	return r;
}
