/* SPDX-License-Identifier: ISC */
/*
 * Encoding the CBOR payloads of REQUEST and REPLY (docs/protocol.md 5.1,
 * 5.2): pairs are collected in key order and serialized as one definite map
 * in the shortest forms, then zero padded. proto_cbor_decode.c holds the
 * strict decoder, which re-encodes to prove what it read canonical.
 */
#include <errno.h>
#include <string.h>

#include <cbor.h>

#include "proto/proto.h"
#include "proto/proto_cbor.h"

/* Pairs collected in key order before the map is made. */
struct builder {
	size_t n;
	uint64_t keys[PROTO_CBOR_MAX_PAIRS];
	cbor_item_t *vals[PROTO_CBOR_MAX_PAIRS];
	bool failed;
};

static cbor_item_t *build_uint(uint64_t v)
{
	if (v <= UINT8_MAX)
		return cbor_build_uint8((uint8_t)v);
	if (v <= UINT16_MAX)
		return cbor_build_uint16((uint16_t)v);
	if (v <= UINT32_MAX)
		return cbor_build_uint32((uint32_t)v);
	return cbor_build_uint64(v);
}

/* Only the small values this protocol has (alg, skew). */
static cbor_item_t *build_int(int64_t v)
{
	if (v >= 0)
		return build_uint((uint64_t)v);
	uint64_t m = (uint64_t)(-(v + 1));
	if (m <= UINT8_MAX)
		return cbor_build_negint8((uint8_t)m);
	if (m <= UINT16_MAX)
		return cbor_build_negint16((uint16_t)m);
	if (m <= UINT32_MAX)
		return cbor_build_negint32((uint32_t)m);
	return cbor_build_negint64(m);
}

static void add(struct builder *b, uint64_t key, cbor_item_t *val)
{
	if (val == NULL || b->n == PROTO_CBOR_MAX_PAIRS) {
		if (val != NULL)
			cbor_decref(&val);
		b->failed = true;
		return;
	}
	b->keys[b->n] = key;
	b->vals[b->n++] = val;
}

static void add_str(struct builder *b, uint64_t key, const char *s)
{
	add(b, key, cbor_build_stringn(s, strlen(s)));
}

/* Serializes into buf and pads with zeros to padded(len). */
static int finish(struct builder *b, uint8_t *buf, size_t cap, size_t *len)
{
	cbor_item_t *map = NULL;
	size_t n = 0;
	int r = -ENOMEM;

	if (b->failed)
		goto fail;
	map = cbor_new_definite_map(b->n);
	if (map == NULL)
		goto fail;
	for (size_t i = 0; i < b->n; i++) {
		cbor_item_t *k = build_uint(b->keys[i]);
		bool ok = k != NULL && cbor_map_add(map, (struct cbor_pair){k, b->vals[i]});

		if (k != NULL)
			cbor_decref(&k);
		cbor_decref(&b->vals[i]);
		b->vals[i] = NULL;
		if (!ok)
			goto fail;
	}
	b->n = 0;
	n = cbor_serialize(map, buf, cap);
	r = n == 0 ? -EMSGSIZE : 0;
	if (r == 0) {
		memset(buf + n, 0, cap - n);
		*len = n;
	}
fail:
	for (size_t i = 0; i < b->n; i++)
		cbor_decref(&b->vals[i]);
	b->n = 0;
	if (map != NULL)
		cbor_decref(&map);
	return r;
}

static bool cred_ok(const struct proto_cred *c)
{
	if (c->alg == PROTO_COSE_ES256)
		return c->pk_len == 64 && c->id_len >= 1 && c->id_len <= PROTO_CRED_ID_MAX;
	if (c->alg == PROTO_COSE_EDDSA)
		return c->pk_len == 32 && c->id_len >= 1 && c->id_len <= PROTO_CRED_ID_MAX;
	return false;
}

static bool assertion_ok(const struct proto_assertion *a)
{
	return a->cred_id_len >= 1 && a->cred_id_len <= PROTO_CRED_ID_MAX &&
	       a->auth_data_len >= PROTO_AUTHDATA_MIN && a->auth_data_len <= PROTO_AUTHDATA_MAX &&
	       a->sig_len >= PROTO_SIG_MIN && a->sig_len <= PROTO_SIG_MAX;
}

bool proto_cbor_request_ok(const struct proto_request *r)
{
	uint32_t f = r->fields;
	bool key = f & PROTO_REQ_TARGET_KEY, name = f & PROTO_REQ_TARGET_NAME;
	bool as = f & PROTO_REQ_ASSERTION, code = f & PROTO_REQ_CODE, cred = f & PROTO_REQ_NEW_CRED;

	if (key && name)
		return false;
	if (r->client_time > PROTO_TIME_MAX)
		return false;
	if ((key && r->target.kind != PROTO_TARGET_KEY) ||
	    (name && r->target.kind != PROTO_TARGET_NAME) ||
	    (!key && !name && r->target.kind != PROTO_TARGET_NONE))
		return false;
	if (name && !proto_name_valid(r->target.name, strlen(r->target.name)))
		return false;
	if (as && !assertion_ok(&r->assertion))
		return false;
	if (cred && !cred_ok(&r->cred))
		return false;
	switch (r->op) {
	case PROTO_OP_ACTIVATE:
		return (key || name) && as && !code && !cred;
	case PROTO_OP_ENROLL: /* the assertion: an existing key of the owner's */
		return !name && code && cred;
	case PROTO_OP_ADD_KEY:
		return (key || name) && as && !code && cred;
	case PROTO_OP_DEACTIVATE:
		return key && !as && !code && !cred;
	case PROTO_OP_STATUS: /* by name: another peer of the device's owner */
		return (key || name) && !as && !code && !cred;
	default:
		return false;
	}
}

int proto_request_encode(uint8_t *buf, size_t len, const struct proto_request *req)
{
	struct builder b = {0};
	size_t n;

	if (!proto_cbor_request_ok(req))
		return -EINVAL;
	add(&b, 1, build_uint(req->op));
	add(&b, 2, cbor_build_bytestring(req->nonce, 32));
	if (req->fields & PROTO_REQ_TARGET_KEY)
		add(&b, 3, cbor_build_bytestring(req->target.key, KEY_LEN));
	if (req->fields & PROTO_REQ_TARGET_NAME)
		add_str(&b, 4, req->target.name);
	add(&b, 5, build_uint(req->client_time));
	if (req->fields & PROTO_REQ_ASSERTION) {
		const struct proto_assertion *a = &req->assertion;

		add(&b, 6, cbor_build_bytestring(a->cred_id, a->cred_id_len));
		add(&b, 7, cbor_build_bytestring(a->auth_data, a->auth_data_len));
		add(&b, 8, cbor_build_bytestring(a->sig, a->sig_len));
	}
	if (req->fields & PROTO_REQ_CODE)
		add(&b, 9, cbor_build_bytestring(req->code, PROTO_CODE_LEN));
	if (req->fields & PROTO_REQ_NEW_CRED) {
		const struct proto_cred *c = &req->cred;

		add(&b, 10, build_int(c->alg));
		add(&b, 11, cbor_build_bytestring(c->id, c->id_len));
		add(&b, 12, cbor_build_bytestring(c->pk, c->pk_len));
		add(&b, 13, build_uint(c->sign_count));
		add(&b, 14, build_uint(c->uv ? 1 : 0));
	}
	return finish(&b, buf, len, &n);
}

int proto_reply_encode(uint8_t *buf, size_t cap, size_t *outlen, const struct proto_reply *rep)
{
	struct builder b = {0};
	size_t n, padded;
	int r;

	if (rep->status > PROTO_ERR_SEND_MAX || rep->end_reason > PROTO_END_MAX)
		return -EINVAL;
	add(&b, 1, build_uint(rep->status));
	add(&b, 2, build_uint(rep->gateway_time));
	if (rep->fields & PROTO_REP_SECONDS_LEFT)
		add(&b, 3, build_uint(rep->seconds_left));
	if (rep->fields & PROTO_REP_PSK)
		add(&b, 4, cbor_build_bytestring(rep->psk, KEY_LEN));
	if (rep->fields & PROTO_REP_PEER)
		add_str(&b, 5, rep->peer);
	if (rep->fields & PROTO_REP_OWNER)
		add_str(&b, 6, rep->owner);
	if (rep->fields & PROTO_REP_GW_WG_KEY)
		add(&b, 7, cbor_build_bytestring(rep->gw_wg_key, KEY_LEN));
	if (rep->fields & PROTO_REP_WG_ENDPOINT)
		add_str(&b, 8, rep->wg_endpoint);
	if (rep->fields & PROTO_REP_ADDRESSES)
		add_str(&b, 9, rep->addresses);
	if (rep->fields & PROTO_REP_ALLOWED_IPS)
		add_str(&b, 10, rep->allowed_ips);
	if (rep->fields & PROTO_REP_RP_ID)
		add_str(&b, 11, rep->rp_id);
	if (rep->fields & PROTO_REP_KEY_ID)
		add_str(&b, 12, rep->key_id);
	if (rep->fields & PROTO_REP_STATE)
		add(&b, 13, build_uint(rep->state));
	if (rep->fields & PROTO_REP_END_REASON)
		add(&b, 14, build_uint(rep->end_reason));
	if (rep->fields & PROTO_REP_IDLE_SECONDS)
		add(&b, 15, build_uint(rep->idle_seconds));
	if (rep->fields & PROTO_REP_SKEW)
		add(&b, 16, build_int(rep->skew));
	if (rep->fields & PROTO_REP_PEER_KEY)
		add(&b, 17, cbor_build_bytestring(rep->peer_key, KEY_LEN));
	if (rep->fields & PROTO_REP_ACT_KEY)
		add(&b, 18, cbor_build_bytestring(rep->act_key, KEY_LEN));
	r = finish(&b, buf, cap, &n);
	if (r < 0)
		return r;
	padded = n < 32 ? 32 : (n + 63) / 64 * 64;
	if (padded > cap)
		return -EMSGSIZE;
	*outlen = padded;
	return 0;
}
