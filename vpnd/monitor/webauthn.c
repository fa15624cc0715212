/* SPDX-License-Identifier: ISC */
/* WebAuthn's checks for the web page (webauthn.h); above json-c, libcbor,
 * libfido2 and libsodium only. */
#include <errno.h>
#include <string.h>

#include <cbor.h>
#include <fido.h>
#include <json-c/json.h>
#include <sodium.h>

#include "monitor/webauthn.h"

#define VERSION  1
#define HEAD_LEN 18 /* version, purpose, time, nonce */
#define TAG_LEN  (WEBAUTHN_CHALLENGE_LEN - HEAD_LEN)
#define FLAG_UP  0x01
#define FLAG_UV  0x04
#define JSON_MAX 1024

static void put_u64(uint8_t b[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

static uint64_t get_u64(const uint8_t b[8])
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

static void tag(const uint8_t secret[WEBAUTHN_SECRET_LEN], uint8_t out[TAG_LEN],
		const uint8_t head[HEAD_LEN], const char *target, const char *origin)
{
	static const uint8_t label[] = "keygate-web-challenge-v1";
	crypto_generichash_state st;
	uint8_t full[32];

	/* Each text with its NUL: the separator, as in the UDP cdh. */
	crypto_generichash_init(&st, secret, WEBAUTHN_SECRET_LEN, sizeof(full));
	crypto_generichash_update(&st, label, sizeof(label));
	crypto_generichash_update(&st, head, HEAD_LEN);
	crypto_generichash_update(&st, (const uint8_t *)target, strlen(target) + 1);
	crypto_generichash_update(&st, (const uint8_t *)origin, strlen(origin) + 1);
	crypto_generichash_final(&st, full, sizeof(full));
	memcpy(out, full, TAG_LEN);
}

void webauthn_challenge_make(const uint8_t secret[WEBAUTHN_SECRET_LEN],
			     uint8_t out[WEBAUTHN_CHALLENGE_LEN], enum webauthn_purpose purpose,
			     const char *target, const char *origin, uint64_t now)
{
	out[0] = VERSION;
	out[1] = (uint8_t)purpose;
	put_u64(out + 2, now);
	/* Two challenges of the same second differ: each can be spent. */
	randombytes_buf(out + 10, 8);
	tag(secret, out + HEAD_LEN, out, target, origin);
}

enum proto_err webauthn_challenge_check(const uint8_t secret[WEBAUTHN_SECRET_LEN],
					const uint8_t ch[WEBAUTHN_CHALLENGE_LEN],
					enum webauthn_purpose purpose, const char *target,
					const char *origin, uint64_t now, uint64_t life,
					uint64_t *made)
{
	uint8_t t[TAG_LEN];
	uint64_t time = get_u64(ch + 2);

	if (ch[0] != VERSION || ch[1] != (uint8_t)purpose)
		return PROTO_ERR_CHALLENGE_BAD;
	tag(secret, t, ch, target, origin);
	if (sodium_memcmp(t, ch + HEAD_LEN, TAG_LEN) != 0)
		return PROTO_ERR_CHALLENGE_BAD;
	if (time > now)
		return PROTO_ERR_CLOCK_SKEW;
	if (now - time > life)
		return PROTO_ERR_CHALLENGE_EXPIRED;
	*made = time;
	return PROTO_OK;
}

static const char *json_text(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

enum proto_err webauthn_client_data(const uint8_t *json, size_t len, const char *type,
				    const char *origin, uint8_t ch[WEBAUTHN_CHALLENGE_LEN])
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL, *v;
	enum proto_err e = PROTO_ERR_BAD_REQUEST;
	const char *s;
	size_t n = 0;

	sodium_memzero(ch, WEBAUTHN_CHALLENGE_LEN);
	if (len == 0 || len > JSON_MAX || memchr(json, '\0', len) != NULL)
		return PROTO_ERR_BAD_REQUEST;
	/* An object of strings and booleans: two levels are plenty. */
	tok = json_tokener_new_ex(3);
	if (tok == NULL)
		return PROTO_ERR_INTERNAL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, (const char *)json, (int)len);
	if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object))
		goto out;
	s = json_text(o, "type");
	if (s == NULL || strcmp(s, type) != 0)
		goto out;
	s = json_text(o, "challenge");
	if (s == NULL ||
	    sodium_base642bin(ch, WEBAUTHN_CHALLENGE_LEN, s, strlen(s), NULL, &n, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != WEBAUTHN_CHALLENGE_LEN)
		goto out;
	s = json_text(o, "origin");
	if (s == NULL)
		goto out;
	e = PROTO_ERR_WRONG_TARGET;
	if (strcmp(s, origin) != 0 || json_object_object_get_ex(o, "topOrigin", NULL))
		goto out;
	if (json_object_object_get_ex(o, "crossOrigin", &v) &&
	    (!json_object_is_type(v, json_type_boolean) || json_object_get_boolean(v)))
		goto out;
	e = PROTO_OK;
out:
	json_object_put(o);
	json_tokener_free(tok);
	if (e != PROTO_OK)
		sodium_memzero(ch, WEBAUTHN_CHALLENGE_LEN);
	return e;
}

/*
 * One CBOR item at *p, its heads walked without allocating: definite
 * lengths only, and none larger than the bytes left, nesting at most depth.
 * libcbor allocates an array's or a map's slots from the length it reads,
 * before the items: 5 bytes claiming 2^32 elements would cost gigabytes.
 * So every input to cbor_load, ours and libfido2's, is walked first.
 */
static bool item_sane(const uint8_t **p, const uint8_t *end, int depth)
{
	uint8_t major, info;
	uint64_t arg = 0;
	size_t extra;

	if (*p >= end || depth == 0)
		return false;
	major = **p >> 5;
	info = **p & 0x1f;
	(*p)++;
	if (info < 24) {
		arg = info;
	} else if (info <= 27) {
		extra = (size_t)1 << (info - 24);
		if ((size_t)(end - *p) < extra)
			return false;
		for (size_t i = 0; i < extra; i++)
			arg = arg << 8 | *(*p)++;
	} else {
		return false; /* indefinite lengths and reserved values */
	}
	switch (major) {
	case 0: /* integers */
	case 1:
	case 7: /* simple values and floats: the argument was all */
		return true;
	case 2: /* byte and text strings */
	case 3:
		if (arg > (uint64_t)(end - *p))
			return false;
		*p += arg;
		return true;
	case 4: /* arrays: each item at least one byte */
	case 5: /* maps: two items each */
		if (arg > (uint64_t)(end - *p) / (major == 5 ? 2 : 1))
			return false;
		for (uint64_t i = 0; i < arg * (major == 5 ? 2 : 1); i++)
			if (!item_sane(p, end, depth - 1))
				return false;
		return true;
	default: /* tags: one item follows */
		return item_sane(p, end, depth - 1);
	}
}

/* n items exactly fill the bytes. */
static bool cbor_sane(const uint8_t *p, size_t len, int n)
{
	const uint8_t *end = p + len;

	for (int i = 0; i < n; i++)
		if (!item_sane(&p, end, 8))
			return false;
	return p == end;
}

/* The CBOR inside authenticator data with an attested credential: after
 * rpIdHash, flags, counter, AAGUID, the ID's length and the ID, the COSE
 * key and, with ED, the extensions map. libfido2 loads them. */
static bool auth_data_sane(const uint8_t *a, size_t len)
{
	size_t id_len, off;

	if (len < 55 || (a[32] & 0x40) == 0)
		return false;
	id_len = (size_t)a[53] << 8 | a[54];
	off = 55 + id_len;
	if (id_len > PROTO_CRED_ID_MAX || off >= len)
		return false;
	return cbor_sane(a + off, len - off, (a[32] & 0x80) != 0 ? 2 : 1);
}

/* The three members of an attestationObject, pointing into root. */
struct attobj {
	char fmt[16];
	cbor_item_t *stmt;
	const uint8_t *auth;
	size_t auth_len;
};

static bool key_is(const struct cbor_pair *p, const char *k)
{
	size_t n = strlen(k);

	return cbor_isa_string(p->key) && cbor_string_is_definite(p->key) &&
	       cbor_string_length(p->key) == n && memcmp(cbor_string_handle(p->key), k, n) == 0;
}

static int attobj_split(const cbor_item_t *root, struct attobj *a)
{
	struct cbor_pair *p;
	size_t n;
	unsigned seen = 0;

	if (!cbor_isa_map(root) || !cbor_map_is_definite(root) || cbor_map_size(root) != 3)
		return -EBADMSG;
	p = cbor_map_handle(root);
	for (size_t i = 0; i < 3; i++) {
		if (key_is(&p[i], "fmt") && cbor_isa_string(p[i].value) &&
		    cbor_string_is_definite(p[i].value) &&
		    (n = cbor_string_length(p[i].value)) < sizeof(a->fmt)) {
			memcpy(a->fmt, cbor_string_handle(p[i].value), n);
			a->fmt[n] = '\0';
			seen |= 1;
		} else if (key_is(&p[i], "attStmt") && cbor_isa_map(p[i].value)) {
			a->stmt = p[i].value;
			seen |= 2;
		} else if (key_is(&p[i], "authData") && cbor_isa_bytestring(p[i].value) &&
			   cbor_bytestring_is_definite(p[i].value)) {
			a->auth = cbor_bytestring_handle(p[i].value);
			a->auth_len = cbor_bytestring_length(p[i].value);
			seen |= 4;
		}
	}
	return seen == 7 ? 0 : -EBADMSG;
}

/* libfido2 reads the COSE key for the type it is told: try both. */
static enum proto_err cred_load(fido_cred_t **out, const struct attobj *a, const char *rp_id,
				const uint8_t cdh[32], const uint8_t *stmt, size_t stmt_len)
{
	static const int types[] = {COSE_ES256, COSE_EDDSA};

	for (size_t i = 0; i < 2; i++) {
		fido_cred_t *c = fido_cred_new();

		if (c == NULL)
			return PROTO_ERR_INTERNAL;
		if (fido_cred_set_type(c, types[i]) == FIDO_OK &&
		    fido_cred_set_rp(c, rp_id, NULL) == FIDO_OK &&
		    fido_cred_set_clientdata_hash(c, cdh, 32) == FIDO_OK &&
		    fido_cred_set_authdata_raw(c, a->auth, a->auth_len) == FIDO_OK &&
		    fido_cred_set_fmt(c, a->fmt) == FIDO_OK &&
		    (strcmp(a->fmt, "none") == 0 ||
		     fido_cred_set_attstmt(c, stmt, stmt_len) == FIDO_OK)) {
			*out = c;
			return PROTO_OK;
		}
		fido_cred_free(&c);
	}
	return PROTO_ERR_BAD_REQUEST;
}

enum proto_err webauthn_attestation(const uint8_t *obj, size_t len, const char *rp_id,
				    const uint8_t cdh[32], struct webauthn_cred *out)
{
	struct cbor_load_result res;
	cbor_item_t *root = NULL;
	struct attobj a = {0};
	fido_cred_t *c = NULL;
	uint8_t *stmt = NULL, rp_hash[32];
	size_t stmt_len = 0, stmt_cap = 0;
	enum proto_err e = PROTO_ERR_BAD_REQUEST;
	int r;

	memset(out, 0, sizeof(*out));
	if (!cbor_sane(obj, len, 1))
		goto out;
	root = cbor_load(obj, len, &res);
	if (root == NULL || res.error.code != CBOR_ERR_NONE || res.read != len ||
	    attobj_split(root, &a) < 0)
		goto out;
	if (strcmp(a.fmt, "none") != 0 && strcmp(a.fmt, "packed") != 0 &&
	    strcmp(a.fmt, "fido-u2f") != 0)
		goto out;
	if (strcmp(a.fmt, "none") == 0 && cbor_map_size(a.stmt) != 0)
		goto out;
	stmt_len = cbor_serialize_alloc(a.stmt, &stmt, &stmt_cap);
	if (stmt_len == 0 || !auth_data_sane(a.auth, a.auth_len))
		goto out;
	crypto_hash_sha256(rp_hash, (const uint8_t *)rp_id, strlen(rp_id));
	if (sodium_memcmp(rp_hash, a.auth, 32) != 0) {
		e = PROTO_ERR_WRONG_TARGET;
		goto out;
	}
	if ((a.auth[32] & FLAG_UP) == 0) {
		e = PROTO_ERR_NO_PRESENCE;
		goto out;
	}
	if ((e = cred_load(&c, &a, rp_id, cdh, stmt, stmt_len)) != PROTO_OK)
		goto out;
	if (strcmp(a.fmt, "none") == 0)
		r = FIDO_OK; /* nothing signed: the rp ID hash and UP are all */
	else if (fido_cred_x5c_len(c) > 0)
		r = fido_cred_verify(c);
	else
		r = fido_cred_verify_self(c);
	e = PROTO_ERR_BAD_SIGNATURE;
	if (r != FIDO_OK)
		goto out;
	e = PROTO_ERR_BAD_REQUEST;
	out->alg = fido_cred_type(c) == COSE_EDDSA ? PROTO_COSE_EDDSA : PROTO_COSE_ES256;
	out->pk_len = fido_cred_pubkey_len(c);
	out->id_len = fido_cred_id_len(c);
	if (out->pk_len != (out->alg == PROTO_COSE_EDDSA ? 32U : 64U) || out->id_len == 0 ||
	    out->id_len > sizeof(out->id))
		goto out;
	memcpy(out->pk, fido_cred_pubkey_ptr(c), out->pk_len);
	memcpy(out->id, fido_cred_id_ptr(c), out->id_len);
	out->sign_count = fido_cred_sigcount(c);
	out->uv = (a.auth[32] & FLAG_UV) != 0;
	snprintf(out->fmt, sizeof(out->fmt), "%s", a.fmt);
	e = PROTO_OK;
out:
	if (e != PROTO_OK)
		memset(out, 0, sizeof(*out));
	fido_cred_free(&c);
	free(stmt);
	if (root != NULL)
		cbor_decref(&root);
	return e;
}
