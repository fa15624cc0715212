/* SPDX-License-Identifier: ISC */
/*
 * The CBOR payloads of REQUEST and REPLY (docs/protocol.md 5.1, 5.2). The
 * decoder is strict: one definite map with unsigned keys in ascending order,
 * each of the one type and size range it allows, followed only by zero
 * padding; and the bytes must be exactly what our encoder makes of the
 * decoded values, which rules out every non-canonical encoding at once.
 */
#include <errno.h>
#include <string.h>

#include <cbor.h>
#include <sodium.h>

#include "proto.h"

#define MAX_PAIRS 17

/* Pairs collected in key order before the map is made. */
struct builder {
	size_t n;
	uint64_t keys[MAX_PAIRS];
	cbor_item_t *vals[MAX_PAIRS];
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
	if (val == NULL || b->n == MAX_PAIRS) {
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

/* Which fields each op needs (docs/protocol.md 6). */
static bool request_shape_ok(const struct proto_request *r)
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
	case PROTO_OP_ENROLL:
		return !name && !as && code && cred;
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

	if (!request_shape_ok(req))
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

static bool text_ok(const char *s, const char *extra)
{
	for (; *s != '\0'; s++) {
		char ch = *s;

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr(extra, ch) != NULL))
			return false;
	}
	return true;
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
	r = finish(&b, buf, cap, &n);
	if (r < 0)
		return r;
	padded = n < 32 ? 32 : (n + 63) / 64 * 64;
	if (padded > cap)
		return -EMSGSIZE;
	*outlen = padded;
	return 0;
}

/* --- decoding --- */

static bool get_uint(const cbor_item_t *v, uint64_t max, uint64_t *out)
{
	if (!cbor_isa_uint(v) || cbor_get_int(v) > max)
		return false;
	*out = cbor_get_int(v);
	return true;
}

static bool get_int(const cbor_item_t *v, int64_t min, int64_t max, int64_t *out)
{
	uint64_t u;
	int64_t x;

	if (!cbor_isa_uint(v) && !cbor_isa_negint(v))
		return false;
	u = cbor_get_int(v);
	if (cbor_isa_uint(v) && u <= INT64_MAX)
		x = (int64_t)u;
	else if (cbor_isa_negint(v) && u <= INT64_MAX)
		x = -1 - (int64_t)u;
	else
		return false;
	if (x < min || x > max)
		return false;
	*out = x;
	return true;
}

static bool get_bytes(const cbor_item_t *v, size_t min, size_t max, uint8_t *out, size_t *len)
{
	size_t n;

	if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v))
		return false;
	n = cbor_bytestring_length(v);
	if (n < min || n > max)
		return false;
	memcpy(out, cbor_bytestring_handle(v), n);
	if (len != NULL)
		*len = n;
	return true;
}

/* A text string into a NUL-terminated buffer of max+1 bytes. */
static bool get_text(const cbor_item_t *v, size_t max, char *out)
{
	size_t n;

	if (!cbor_isa_string(v) || !cbor_string_is_definite(v))
		return false;
	n = cbor_string_length(v);
	if (n < 1 || n > max || memchr(cbor_string_handle(v), '\0', n) != NULL)
		return false;
	memcpy(out, cbor_string_handle(v), n);
	out[n] = '\0';
	return true;
}

/* One head: major type and argument; 0 or -EBADMSG. Only definite
 * lengths in their shortest form are let through. */
static int read_head(const uint8_t *buf, size_t len, size_t *pos, uint8_t *major, uint64_t *arg)
{
	uint8_t ib, ai;
	size_t n;

	if (*pos >= len)
		return -EBADMSG;
	ib = buf[(*pos)++];
	*major = ib >> 5;
	ai = ib & 0x1f;
	if (ai < 24) {
		*arg = ai;
		return 0;
	}
	if (ai > 27)
		return -EBADMSG; /* indefinite lengths, reserved values */
	n = (size_t)1 << (ai - 24);
	if (len - *pos < n)
		return -EBADMSG;
	*arg = 0;
	for (size_t i = 0; i < n; i++)
		*arg = *arg << 8 | buf[(*pos)++];
	/* The shortest form only: one encoding per value (CTAP2 canonical). */
	if ((n == 1 && *arg < 24) || (n == 2 && *arg <= UINT8_MAX) ||
	    (n == 4 && *arg <= UINT16_MAX) || (n == 8 && *arg <= UINT32_MAX))
		return -EBADMSG;
	return 0;
}

/*
 * Our payloads are flat: one map of at most MAX_PAIRS pairs whose keys and
 * values are integers or strings. Walking that grammar before cbor_load
 * matters: libcbor allocates a container for the size its head declares,
 * so a 5-byte head could otherwise ask for gigabytes.
 */
static int precheck(const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	uint8_t major;
	uint64_t arg, pairs;

	if (read_head(buf, len, &pos, &major, &pairs) < 0 || major != CBOR_TYPE_MAP ||
	    pairs > MAX_PAIRS)
		return -EBADMSG;
	for (uint64_t i = 0; i < 2 * pairs; i++) {
		if (read_head(buf, len, &pos, &major, &arg) < 0)
			return -EBADMSG;
		if (major == CBOR_TYPE_UINT || major == CBOR_TYPE_NEGINT)
			continue;
		if ((major != CBOR_TYPE_BYTESTRING && major != CBOR_TYPE_STRING) || arg > len - pos)
			return -EBADMSG;
		pos += (size_t)arg;
	}
	return 0;
}

/* Loads one map from buf, checks the padding, returns its pairs. */
static cbor_item_t *load_map(const uint8_t *buf, size_t len, size_t *used)
{
	struct cbor_load_result res;
	cbor_item_t *item;
	struct cbor_pair *pairs;
	uint64_t last = 0;

	if (precheck(buf, len) < 0)
		return NULL;
	item = cbor_load(buf, len, &res);
	if (item == NULL)
		return NULL;
	if (res.error.code != CBOR_ERR_NONE || !cbor_isa_map(item) || !cbor_map_is_definite(item) ||
	    cbor_map_size(item) > MAX_PAIRS)
		goto fail;
	for (size_t i = res.read; i < len; i++)
		if (buf[i] != 0)
			goto fail;
	pairs = cbor_map_handle(item);
	for (size_t i = 0; i < cbor_map_size(item); i++) {
		if (!cbor_isa_uint(pairs[i].key) || cbor_get_int(pairs[i].key) <= last)
			goto fail;
		last = cbor_get_int(pairs[i].key);
	}
	*used = res.read;
	return item;
fail:
	cbor_decref(&item);
	return NULL;
}

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			goto fail;                                                                 \
	} while (0)

static int decode_request_map(struct proto_request *r, const cbor_item_t *map)
{
	const struct cbor_pair *p = cbor_map_handle(map);
	uint32_t seen_as = 0, seen_cred = 0;
	uint64_t u;
	int64_t i64;

	for (size_t i = 0; i < cbor_map_size(map); i++) {
		const cbor_item_t *v = p[i].value;

		switch (cbor_get_int(p[i].key)) {
		case 1:
			CHECK(get_uint(v, PROTO_OP_STATUS, &u) && u >= 1);
			r->op = (uint8_t)u;
			break;
		case 2:
			CHECK(get_bytes(v, 32, 32, r->nonce, NULL));
			break;
		case 3:
			CHECK(get_bytes(v, KEY_LEN, KEY_LEN, r->target.key, NULL));
			r->target.kind = PROTO_TARGET_KEY;
			r->fields |= PROTO_REQ_TARGET_KEY;
			break;
		case 4:
			CHECK(get_text(v, PROTO_NAME_MAX, r->target.name));
			r->target.kind = PROTO_TARGET_NAME;
			r->fields |= PROTO_REQ_TARGET_NAME;
			break;
		case 5:
			CHECK(get_uint(v, PROTO_TIME_MAX, &r->client_time));
			break;
		case 6:
			CHECK(get_bytes(v, 1, PROTO_CRED_ID_MAX, r->assertion.cred_id,
					&r->assertion.cred_id_len));
			seen_as |= 1;
			break;
		case 7:
			CHECK(get_bytes(v, PROTO_AUTHDATA_MIN, PROTO_AUTHDATA_MAX,
					r->assertion.auth_data, &r->assertion.auth_data_len));
			seen_as |= 2;
			break;
		case 8:
			CHECK(get_bytes(v, PROTO_SIG_MIN, PROTO_SIG_MAX, r->assertion.sig,
					&r->assertion.sig_len));
			seen_as |= 4;
			break;
		case 9:
			CHECK(get_bytes(v, PROTO_CODE_LEN, PROTO_CODE_LEN, r->code, NULL));
			r->fields |= PROTO_REQ_CODE;
			break;
		case 10:
			CHECK(get_int(v, PROTO_COSE_EDDSA, PROTO_COSE_ES256, &i64));
			r->cred.alg = (int)i64;
			seen_cred |= 1;
			break;
		case 11:
			CHECK(get_bytes(v, 1, PROTO_CRED_ID_MAX, r->cred.id, &r->cred.id_len));
			seen_cred |= 2;
			break;
		case 12:
			CHECK(get_bytes(v, 32, 64, r->cred.pk, &r->cred.pk_len));
			seen_cred |= 4;
			break;
		case 13:
			CHECK(get_uint(v, UINT32_MAX, &u));
			r->cred.sign_count = (uint32_t)u;
			seen_cred |= 8;
			break;
		case 14:
			CHECK(get_uint(v, 1, &u));
			r->cred.uv = u == 1;
			seen_cred |= 16;
			break;
		default:
			goto fail;
		}
	}
	CHECK(seen_as == 0 || seen_as == 7);
	CHECK(seen_cred == 0 || seen_cred == 31);
	if (seen_as != 0)
		r->fields |= PROTO_REQ_ASSERTION;
	if (seen_cred != 0)
		r->fields |= PROTO_REQ_NEW_CRED;
	/* op, nonce and client_time are required: keys 1, 2, 5. */
	CHECK(cbor_map_size(map) >= 3 && cbor_get_int(p[0].key) == 1 &&
	      cbor_get_int(p[1].key) == 2);
	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (cbor_get_int(p[i].key) == 5)
			return request_shape_ok(r) ? 0 : -EBADMSG;
fail:
	return -EBADMSG;
}

int proto_request_decode(struct proto_request *req, const uint8_t *buf, size_t len)
{
	cbor_item_t *map = NULL;
	size_t used = 0;
	int r = -EBADMSG;

	/* Canonical by construction: precheck wants shortest forms, load_map
	 * ascending keys and zero padding, and there is nothing else a flat
	 * map of integers and strings could encode two ways. */
	memset(req, 0, sizeof(*req));
	if (len > PROTO_PAYLOAD_LEN || (map = load_map(buf, len, &used)) == NULL)
		goto fail;
	if (decode_request_map(req, map) < 0)
		goto fail;
	r = 0;
fail:
	if (map != NULL)
		cbor_decref(&map);
	if (r < 0)
		sodium_memzero(req, sizeof(*req));
	return r;
}

static int decode_reply_map(struct proto_reply *r, const cbor_item_t *map)
{
	const struct cbor_pair *p = cbor_map_handle(map);
	uint64_t u;

	CHECK(cbor_map_size(map) >= 2 && cbor_get_int(p[0].key) == 1 &&
	      cbor_get_int(p[1].key) == 2);
	for (size_t i = 0; i < cbor_map_size(map); i++) {
		const cbor_item_t *v = p[i].value;

		switch (cbor_get_int(p[i].key)) {
		case 1:
			/* Not WIRE_MAX: a newer gateway's code is still a refusal. */
			CHECK(get_uint(v, PROTO_ERR_SEND_MAX, &u));
			r->status = (uint8_t)u;
			break;
		case 2:
			CHECK(get_uint(v, UINT64_MAX, &r->gateway_time));
			break;
		case 3:
			CHECK(get_uint(v, UINT64_MAX, &r->seconds_left));
			r->fields |= PROTO_REP_SECONDS_LEFT;
			break;
		case 4:
			CHECK(get_bytes(v, KEY_LEN, KEY_LEN, r->psk, NULL));
			r->fields |= PROTO_REP_PSK;
			break;
		case 5:
			CHECK(get_text(v, PROTO_NAME_MAX, r->peer));
			CHECK(proto_name_valid(r->peer, strlen(r->peer)));
			r->fields |= PROTO_REP_PEER;
			break;
		case 6:
			CHECK(get_text(v, PROTO_NAME_MAX, r->owner));
			CHECK(proto_name_valid(r->owner, strlen(r->owner)));
			r->fields |= PROTO_REP_OWNER;
			break;
		case 7:
			CHECK(get_bytes(v, KEY_LEN, KEY_LEN, r->gw_wg_key, NULL));
			r->fields |= PROTO_REP_GW_WG_KEY;
			break;
		case 8:
			CHECK(get_text(v, PROTO_ENDPOINT_MAX, r->wg_endpoint));
			CHECK(text_ok(r->wg_endpoint, ".:-[]"));
			r->fields |= PROTO_REP_WG_ENDPOINT;
			break;
		case 9:
			CHECK(get_text(v, PROTO_ADDRESSES_MAX, r->addresses));
			CHECK(text_ok(r->addresses, ".:/, "));
			r->fields |= PROTO_REP_ADDRESSES;
			break;
		case 10:
			CHECK(get_text(v, PROTO_ALLOWED_IPS_MAX, r->allowed_ips));
			CHECK(text_ok(r->allowed_ips, ".:/, "));
			r->fields |= PROTO_REP_ALLOWED_IPS;
			break;
		case 11:
			CHECK(get_text(v, PROTO_RP_ID_MAX, r->rp_id));
			CHECK(text_ok(r->rp_id, ".:-"));
			r->fields |= PROTO_REP_RP_ID;
			break;
		case 12:
			CHECK(get_text(v, PROTO_NAME_MAX, r->key_id));
			CHECK(proto_name_valid(r->key_id, strlen(r->key_id)));
			r->fields |= PROTO_REP_KEY_ID;
			break;
		case 13:
			CHECK(get_uint(v, 1, &u));
			r->state = (uint8_t)u;
			r->fields |= PROTO_REP_STATE;
			break;
		case 14:
			CHECK(get_uint(v, PROTO_END_MAX, &u));
			r->end_reason = (uint8_t)u;
			r->fields |= PROTO_REP_END_REASON;
			break;
		case 15:
			CHECK(get_uint(v, UINT64_MAX, &r->idle_seconds));
			r->fields |= PROTO_REP_IDLE_SECONDS;
			break;
		case 16:
			CHECK(get_int(v, INT64_MIN / 2, INT64_MAX / 2, &r->skew));
			r->fields |= PROTO_REP_SKEW;
			break;
		case 17:
			CHECK(get_bytes(v, KEY_LEN, KEY_LEN, r->peer_key, NULL));
			r->fields |= PROTO_REP_PEER_KEY;
			break;
		default:
			goto fail;
		}
	}
	return 0;
fail:
	return -EBADMSG;
}

int proto_reply_decode(struct proto_reply *rep, const uint8_t *buf, size_t len)
{
	uint8_t again[PROTO_REPLY_PT_MAX];
	cbor_item_t *map = NULL;
	size_t used = 0, n = 0;
	int r = -EBADMSG;

	memset(rep, 0, sizeof(*rep));
	if (len > sizeof(again) || (map = load_map(buf, len, &used)) == NULL)
		goto fail;
	if (decode_reply_map(rep, map) < 0)
		goto fail;
	if (proto_reply_encode(again, sizeof(again), &n, rep) < 0 || n != len ||
	    memcmp(again, buf, len) != 0)
		goto fail;
	r = 0;
fail:
	if (map != NULL)
		cbor_decref(&map);
	sodium_memzero(again, sizeof(again));
	if (r < 0)
		sodium_memzero(rep, sizeof(*rep));
	return r;
}
