/* SPDX-License-Identifier: ISC */
/*
 * Packet framing, the MACs, the commitment, the challenge and the
 * clientDataHash (docs/protocol.md 4 and 6.1): everything the gateway may
 * compute before it spends an X25519.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_wire.h"

#define TAG_LABEL "keygate-challenge-v2"

static const struct {
	uint8_t type;
	size_t min, max;
} lengths[] = {
	{PROTO_HELLO, PROTO_HELLO_LEN, PROTO_HELLO_LEN},
	{PROTO_CHALLENGE, PROTO_CHALLENGE_LEN, PROTO_CHALLENGE_LEN},
	{PROTO_REQUEST, PROTO_REQUEST_LEN, PROTO_REQUEST_LEN},
	{PROTO_REPLY, PROTO_REPLY_MIN, PROTO_REPLY_MAX},
	{PROTO_ERROR, PROTO_ERROR_LEN, PROTO_ERROR_LEN},
};

int proto_packet_type(const uint8_t *pkt, size_t len)
{
	if (len < PROTO_HDR_LEN || pkt[1] != PROTO_VERSION)
		return -EBADMSG;
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++)
		if (lengths[i].type == pkt[0])
			return len >= lengths[i].min && len <= lengths[i].max ? pkt[0] : -EBADMSG;
	return -EBADMSG;
}

/* Every version keeps the header, the commitment after it and mac1 at the
 * end: enough to check the MACs of a packet we cannot parse. */
bool proto_packet_is_newer_hello(const uint8_t *pkt, size_t len)
{
	return len >= PROTO_ERROR_LEN && len <= PROTO_REQUEST_LEN && pkt[0] == PROTO_HELLO &&
	       pkt[1] > PROTO_VERSION;
}

static void label_key(uint8_t *key, size_t len, const char *label, const uint8_t gw_pub[KEY_LEN])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, len);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, gw_pub, KEY_LEN);
	crypto_generichash_final(&st, key, len);
}

void proto_macs_init(struct proto_macs *m, const uint8_t gw_pub[KEY_LEN])
{
	label_key(m->k0, sizeof(m->k0), "keygate-mac0-v1", gw_pub);
	label_key(m->k1, sizeof(m->k1), "keygate-mac1-v1", gw_pub);
}

/* SipHash-2-4 over the length, type and version, and the 32 bytes after
 * the header (the commitment in every type); its first two bytes. */
static void mac0_compute(uint8_t mac0[2], const uint8_t *pkt, size_t len,
			 const struct proto_macs *m)
{
	uint8_t in[2 + 2 + 32], out[crypto_shorthash_siphash24_BYTES];

	in[0] = (uint8_t)(len >> 8);
	in[1] = (uint8_t)len;
	in[2] = pkt[0];
	in[3] = pkt[1];
	memcpy(in + 4, pkt + PROTO_HDR_LEN, 32);
	crypto_shorthash_siphash24(out, in, sizeof(in), m->k0);
	mac0[0] = out[0];
	mac0[1] = out[1];
}

bool proto_mac0_ok(const uint8_t *pkt, size_t len, const struct proto_macs *m)
{
	uint8_t mac0[2];

	if (len < PROTO_HDR_LEN + 32 + PROTO_MAC_LEN)
		return false;
	mac0_compute(mac0, pkt, len, m);
	/* No secret to time: anyone who knows the gateway's key computes it. */
	return mac0[0] == pkt[2] && mac0[1] == pkt[3];
}

static void mac1_compute(uint8_t mac[PROTO_MAC_LEN], const uint8_t *pkt, size_t len,
			 const uint8_t key[32])
{
	crypto_generichash(mac, PROTO_MAC_LEN, pkt, len - PROTO_MAC_LEN, key, 32);
}

void proto_mac0_set(uint8_t *pkt, size_t len, const struct proto_macs *m)
{
	mac0_compute(pkt + 2, pkt, len, m);
}

void proto_macs_set(uint8_t *pkt, size_t len, const struct proto_macs *m)
{
	mac0_compute(pkt + 2, pkt, len, m);
	mac1_compute(pkt + len - PROTO_MAC_LEN, pkt, len, m->k1);
}

bool proto_mac1_ok(const uint8_t *pkt, size_t len, const struct proto_macs *m)
{
	uint8_t mac[PROTO_MAC_LEN];

	if (len < PROTO_HDR_LEN + PROTO_MAC_LEN)
		return false;
	mac1_compute(mac, pkt, len, m->k1);
	return crypto_verify_16(mac, pkt + len - PROTO_MAC_LEN) == 0;
}

int proto_addr_bytes(uint8_t out[18], const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &in->sin_addr, 4);
		memcpy(out + 16, &in->sin_port, 2);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		memcpy(out, &in6->sin6_addr, 16);
		memcpy(out + 16, &in6->sin6_port, 2);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/* The target encoding shared by the commitment and the cdh. */
static size_t target_bytes(uint8_t out[2 + PROTO_NAME_MAX], const struct proto_target *t)
{
	size_t n;

	switch (t->kind) {
	case PROTO_TARGET_KEY:
		out[0] = 0x01;
		memcpy(out + 1, t->key, KEY_LEN);
		return 1 + KEY_LEN;
	case PROTO_TARGET_NAME:
		n = strnlen(t->name, PROTO_NAME_MAX);
		out[0] = 0x02;
		out[1] = (uint8_t)n;
		memcpy(out + 2, t->name, n);
		return 2 + n;
	default:
		out[0] = 0x00;
		return 1;
	}
}

void proto_commit(uint8_t commit[PROTO_COMMIT_LEN], const uint8_t nonce[32], uint8_t op,
		  const uint8_t eph_pub[KEY_LEN], const struct proto_target *target)
{
	static const char label[] = "keygate-commit-v2";
	uint8_t tb[2 + PROTO_NAME_MAX];
	size_t tlen = target_bytes(tb, target);
	crypto_generichash_state st;

	crypto_generichash_init(&st, nonce, 32, PROTO_COMMIT_LEN);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_generichash_update(&st, &op, 1);
	crypto_generichash_update(&st, eph_pub, KEY_LEN);
	crypto_generichash_update(&st, tb, tlen);
	crypto_generichash_final(&st, commit, PROTO_COMMIT_LEN);
}

static void put_u64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

void proto_wire_tag(const struct proto_gateway *gw, const char *label, uint8_t tag[PROTO_TAG_LEN],
		    uint64_t time, const uint8_t addr[18], const uint8_t commit[32])
{
	crypto_generichash_state st;
	uint8_t t[8];

	put_u64(t, time);
	crypto_generichash_init(&st, gw->challenge_secret, 32, PROTO_TAG_LEN);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, t, 8);
	crypto_generichash_update(&st, addr, 18);
	crypto_generichash_update(&st, commit, PROTO_COMMIT_LEN);
	crypto_generichash_final(&st, tag, PROTO_TAG_LEN);
}

void proto_challenge_make(const struct proto_gateway *gw, struct proto_challenge *ch, uint64_t now,
			  const uint8_t addr[18], const uint8_t commit[32])
{
	ch->time = now;
	proto_wire_tag(gw, TAG_LABEL, ch->tag, now, addr, commit);
}

enum proto_err proto_challenge_check(const struct proto_gateway *gw,
				     const struct proto_challenge *ch, uint64_t now,
				     const uint8_t addr[18], const uint8_t commit[32])
{
	uint8_t tag[PROTO_TAG_LEN];

	proto_wire_tag(gw, TAG_LABEL, tag, ch->time, addr, commit);
	if (crypto_verify_16(tag, ch->tag) != 0 || sodium_memcmp(tag + 16, ch->tag + 16, 8) != 0)
		return PROTO_ERR_CHALLENGE_BAD;
	/* Our clock is monotonic: a valid tag from the future was made by
	 * another instance that shares the secret, with another clock. */
	if (ch->time > now)
		return PROTO_ERR_CLOCK_SKEW;
	if (now - ch->time > PROTO_CHALLENGE_LIFE || proto_gateway_slot(gw, ch->time) == NULL)
		return PROTO_ERR_CHALLENGE_EXPIRED;
	return PROTO_OK;
}

int proto_gw_key_of(const struct proto_gateway *gw, const uint8_t *pkt, size_t len)
{
	const struct proto_macs *m[PROTO_GW_KEYS + 1];
	int n = 0, r = -ENOKEY;

	for (unsigned i = 0; i < gw->n_keys; i++)
		m[n++] = &gw->key[i].macs;
	if (gw->has_retired)
		m[n++] = &gw->retired_macs;
	for (int i = 0; i < n; i++) {
		if (!proto_mac0_ok(pkt, len, m[i]))
			continue;
		if (proto_mac1_ok(pkt, len, m[i]))
			return m[i] == &gw->retired_macs ? PROTO_KEY_RETIRED : i;
		r = -EBADMSG;
	}
	return r;
}

void proto_client_data_hash(uint8_t cdh[32], const char *purpose, const uint8_t gw_pub[KEY_LEN],
			    const struct proto_target *target, const struct proto_challenge *ch,
			    const uint8_t *extra)
{
	static const uint8_t label[] = "keygate-fido-v2"; /* with its NUL: the separator */
	static const uint8_t zero = 0;
	uint8_t tb[2 + PROTO_NAME_MAX], t[8];
	size_t tlen = target_bytes(tb, target);
	crypto_hash_sha256_state st;

	put_u64(t, ch->time);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, label, sizeof(label));
	crypto_hash_sha256_update(&st, (const uint8_t *)purpose, strlen(purpose));
	crypto_hash_sha256_update(&st, &zero, 1);
	crypto_hash_sha256_update(&st, gw_pub, KEY_LEN);
	crypto_hash_sha256_update(&st, tb, tlen);
	crypto_hash_sha256_update(&st, t, 8);
	crypto_hash_sha256_update(&st, ch->tag, PROTO_TAG_LEN);
	if (extra != NULL)
		crypto_hash_sha256_update(&st, extra, 32);
	crypto_hash_sha256_final(&st, cdh);
}

void proto_cred_digest(uint8_t out[32], const struct proto_cred *cred)
{
	static const char label[] = "keygate-cred-v1";
	uint32_t a = (uint32_t)cred->alg;
	uint8_t alg[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
	uint8_t idl = (uint8_t)cred->id_len, pkl = (uint8_t)cred->pk_len;
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_hash_sha256_update(&st, alg, 4);
	crypto_hash_sha256_update(&st, &idl, 1);
	crypto_hash_sha256_update(&st, cred->id, cred->id_len);
	crypto_hash_sha256_update(&st, &pkl, 1);
	crypto_hash_sha256_update(&st, cred->pk, cred->pk_len);
	crypto_hash_sha256_final(&st, out);
}
