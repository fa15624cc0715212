/* SPDX-License-Identifier: ISC */
/*
 * Decoding the CBOR payloads of REQUEST and REPLY (docs/protocol.md 5.1,
 * 5.2). The decoder is strict: one definite map with unsigned keys in
 * ascending order, each of the one type and size range it allows, followed
 * only by zero padding; and the bytes must be exactly what our encoder
 * (proto_cbor.c) makes of the decoded values, which rules out every
 * non-canonical encoding at once.
 */
#include <errno.h>
#include <string.h>

#include <cbor.h>
#include <sodium.h>

#include "proto/proto.h"
#include "proto/proto_cbor.h"

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

/* Each get_ takes a value of its one type and range: 0 or -EBADMSG. */
static int get_uint(const cbor_item_t *v, uint64_t max, uint64_t *out)
{
	if (!cbor_isa_uint(v) || cbor_get_int(v) > max)
		return -EBADMSG;
	*out = cbor_get_int(v);
	return 0;
}

static int get_int(const cbor_item_t *v, int64_t min, int64_t max, int64_t *out)
{
	uint64_t u;
	int64_t x;

	if (!cbor_isa_uint(v) && !cbor_isa_negint(v))
		return -EBADMSG;
	u = cbor_get_int(v);
	if (cbor_isa_uint(v) && u <= INT64_MAX)
		x = (int64_t)u;
	else if (cbor_isa_negint(v) && u <= INT64_MAX)
		x = -1 - (int64_t)u;
	else
		return -EBADMSG;
	if (x < min || x > max)
		return -EBADMSG;
	*out = x;
	return 0;
}

static int get_bytes(const cbor_item_t *v, size_t min, size_t max, uint8_t *out, size_t *len)
{
	size_t n;

	if (!cbor_isa_bytestring(v) || !cbor_bytestring_is_definite(v))
		return -EBADMSG;
	n = cbor_bytestring_length(v);
	if (n < min || n > max)
		return -EBADMSG;
	memcpy(out, cbor_bytestring_handle(v), n);
	if (len != NULL)
		*len = n;
	return 0;
}

/* A text string into a NUL-terminated buffer of max+1 bytes. */
static int get_text(const cbor_item_t *v, size_t max, char *out)
{
	size_t n;

	if (!cbor_isa_string(v) || !cbor_string_is_definite(v))
		return -EBADMSG;
	n = cbor_string_length(v);
	if (n < 1 || n > max || memchr(cbor_string_handle(v), '\0', n) != NULL)
		return -EBADMSG;
	memcpy(out, cbor_string_handle(v), n);
	out[n] = '\0';
	return 0;
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
 * Our payloads are flat: one map of at most PROTO_CBOR_MAX_PAIRS pairs
 * whose keys and values are integers or strings. Walking that grammar
 * before cbor_load matters: libcbor allocates a container for the size its
 * head declares, so a 5-byte head could otherwise ask for gigabytes.
 */
static int precheck(const uint8_t *buf, size_t len)
{
	size_t pos = 0;
	uint8_t major;
	uint64_t arg, pairs;

	if (read_head(buf, len, &pos, &major, &pairs) < 0 || major != CBOR_TYPE_MAP ||
	    pairs > PROTO_CBOR_MAX_PAIRS)
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
	    cbor_map_size(item) > PROTO_CBOR_MAX_PAIRS)
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
			CHECK(get_uint(v, PROTO_OP_STATUS, &u) == 0 && u >= 1);
			r->op = (uint8_t)u;
			break;
		case 2:
			CHECK(get_bytes(v, 32, 32, r->nonce, NULL) == 0);
			break;
		case 3:
			CHECK(get_bytes(v, KEY_LEN, KEY_LEN, r->target.key, NULL) == 0);
			r->target.kind = PROTO_TARGET_KEY;
			r->fields |= PROTO_REQ_TARGET_KEY;
			break;
		case 4:
			CHECK(get_text(v, PROTO_NAME_MAX, r->target.name) == 0);
			r->target.kind = PROTO_TARGET_NAME;
			r->fields |= PROTO_REQ_TARGET_NAME;
			break;
		case 5:
			CHECK(get_uint(v, PROTO_TIME_MAX, &r->client_time) == 0);
			break;
		case 6:
			CHECK(get_bytes(v, 1, PROTO_CRED_ID_MAX, r->assertion.cred_id,
					&r->assertion.cred_id_len) == 0);
			seen_as |= 1;
			break;
		case 7:
			CHECK(get_bytes(v, PROTO_AUTHDATA_MIN, PROTO_AUTHDATA_MAX,
					r->assertion.auth_data, &r->assertion.auth_data_len) == 0);
			seen_as |= 2;
			break;
		case 8:
			CHECK(get_bytes(v, PROTO_SIG_MIN, PROTO_SIG_MAX, r->assertion.sig,
					&r->assertion.sig_len) == 0);
			seen_as |= 4;
			break;
		case 9:
			CHECK(get_bytes(v, PROTO_CODE_LEN, PROTO_CODE_LEN, r->code, NULL) == 0);
			r->fields |= PROTO_REQ_CODE;
			break;
		case 10:
			CHECK(get_int(v, PROTO_COSE_EDDSA, PROTO_COSE_ES256, &i64) == 0);
			r->cred.alg = (int)i64;
			seen_cred |= 1;
			break;
		case 11:
			CHECK(get_bytes(v, 1, PROTO_CRED_ID_MAX, r->cred.id, &r->cred.id_len) == 0);
			seen_cred |= 2;
			break;
		case 12:
			CHECK(get_bytes(v, 32, 64, r->cred.pk, &r->cred.pk_len) == 0);
			seen_cred |= 4;
			break;
		case 13:
			CHECK(get_uint(v, UINT32_MAX, &u) == 0);
			r->cred.sign_count = (uint32_t)u;
			seen_cred |= 8;
			break;
		case 14:
			CHECK(get_uint(v, 1, &u) == 0);
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
			return proto_cbor_request_ok(r) ? 0 : -EBADMSG;
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
			CHECK(get_uint(v, PROTO_ERR_SEND_MAX, &u) == 0);
			r->status = (uint8_t)u;
			break;
		case 2:
			CHECK(get_uint(v, UINT64_MAX, &r->gateway_time) == 0);
			break;
		case 3:
			CHECK(get_uint(v, UINT64_MAX, &r->seconds_left) == 0);
			r->fields |= PROTO_REP_SECONDS_LEFT;
			break;
		case 4:
			CHECK(get_bytes(v, KEY_LEN, KEY_LEN, r->psk, NULL) == 0);
			r->fields |= PROTO_REP_PSK;
			break;
		case 5:
			CHECK(get_text(v, PROTO_NAME_MAX, r->peer) == 0);
			CHECK(proto_name_valid(r->peer, strlen(r->peer)));
			r->fields |= PROTO_REP_PEER;
			break;
		case 6:
			CHECK(get_text(v, PROTO_NAME_MAX, r->owner) == 0);
			CHECK(proto_name_valid(r->owner, strlen(r->owner)));
			r->fields |= PROTO_REP_OWNER;
			break;
		case 7:
			CHECK(get_bytes(v, KEY_LEN, KEY_LEN, r->gw_wg_key, NULL) == 0);
			r->fields |= PROTO_REP_GW_WG_KEY;
			break;
		case 8:
			CHECK(get_text(v, PROTO_ENDPOINT_MAX, r->wg_endpoint) == 0);
			CHECK(text_ok(r->wg_endpoint, ".:-[]"));
			r->fields |= PROTO_REP_WG_ENDPOINT;
			break;
		case 9:
			CHECK(get_text(v, PROTO_ADDRESSES_MAX, r->addresses) == 0);
			CHECK(text_ok(r->addresses, ".:/, "));
			r->fields |= PROTO_REP_ADDRESSES;
			break;
		case 10:
			CHECK(get_text(v, PROTO_ALLOWED_IPS_MAX, r->allowed_ips) == 0);
			CHECK(text_ok(r->allowed_ips, ".:/, "));
			r->fields |= PROTO_REP_ALLOWED_IPS;
			break;
		case 11:
			CHECK(get_text(v, PROTO_RP_ID_MAX, r->rp_id) == 0);
			CHECK(text_ok(r->rp_id, ".:-"));
			r->fields |= PROTO_REP_RP_ID;
			break;
		case 12:
			CHECK(get_text(v, PROTO_NAME_MAX, r->key_id) == 0);
			CHECK(proto_name_valid(r->key_id, strlen(r->key_id)));
			r->fields |= PROTO_REP_KEY_ID;
			break;
		case 13:
			CHECK(get_uint(v, 1, &u) == 0);
			r->state = (uint8_t)u;
			r->fields |= PROTO_REP_STATE;
			break;
		case 14:
			CHECK(get_uint(v, PROTO_END_MAX, &u) == 0);
			r->end_reason = (uint8_t)u;
			r->fields |= PROTO_REP_END_REASON;
			break;
		case 15:
			CHECK(get_uint(v, UINT64_MAX, &r->idle_seconds) == 0);
			r->fields |= PROTO_REP_IDLE_SECONDS;
			break;
		case 16:
			CHECK(get_int(v, INT64_MIN / 2, INT64_MAX / 2, &r->skew) == 0);
			r->fields |= PROTO_REP_SKEW;
			break;
		case 17:
			CHECK(get_bytes(v, KEY_LEN, KEY_LEN, r->peer_key, NULL) == 0);
			r->fields |= PROTO_REP_PEER_KEY;
			break;
		case 18:
			CHECK(get_bytes(v, KEY_LEN, KEY_LEN, r->act_key, NULL) == 0);
			r->fields |= PROTO_REP_ACT_KEY;
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
