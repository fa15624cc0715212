/* SPDX-License-Identifier: ISC */
#include <string.h>

#include "cbor_read.h"
#include "cbor_req.h"

#define TRY(x)                                                                                     \
	do {                                                                                       \
		uint8_t st_ = (x);                                                                 \
		if (st_ != CTAP2_OK)                                                               \
			return st_;                                                                \
	} while (0)

/* Top-level maps use small unsigned keys; each may appear once. */
static uint8_t map_key(struct cbr *r, uint32_t *seen, uint64_t *key, bool *known)
{
	uint8_t major;

	TRY(cbr_peek_major(r, &major));
	if (major != 0) {
		*known = false;
		return cbr_skip(r);
	}
	TRY(cbr_uint(r, key));
	*known = *key < 32;
	if (*known) {
		if (*seen & (1u << *key))
			return CTAP2_ERR_INVALID_CBOR;
		*seen |= 1u << *key;
	}
	return CTAP2_OK;
}

static uint8_t cdh_read(struct cbr *r, uint8_t *cdh)
{
	size_t len;

	TRY(cbr_bytes_copy(r, cdh, 32, &len));
	return len == 32 ? CTAP2_OK : CTAP1_ERR_INVALID_LENGTH;
}

/* A map of text keys; calls fn for each, which must consume the value. */
static uint8_t text_map(struct cbr *r,
			uint8_t (*fn)(struct cbr *r, const char *k, size_t kl, void *arg),
			void *arg)
{
	size_t n, kl;
	const char *k;

	TRY(cbr_map(r, &n));
	for (size_t i = 0; i < n; i++) {
		TRY(cbr_text(r, &k, &kl));
		TRY(fn(r, k, kl, arg));
	}
	return CTAP2_OK;
}

static bool key_is(const char *k, size_t kl, const char *want)
{
	return kl == strlen(want) && memcmp(k, want, kl) == 0;
}

static uint8_t opt_field(struct cbr *r, const char *k, size_t kl, void *arg)
{
	struct sk_options *o = arg;
	int *dst = NULL;
	bool v;

	if (key_is(k, kl, "rk"))
		dst = &o->rk;
	else if (key_is(k, kl, "up"))
		dst = &o->up;
	else if (key_is(k, kl, "uv"))
		dst = &o->uv;
	TRY(cbr_bool(r, &v));
	if (dst != NULL)
		*dst = v;
	return CTAP2_OK;
}

static uint8_t rp_field(struct cbr *r, const char *k, size_t kl, void *arg)
{
	char *rp_id = arg;

	if (key_is(k, kl, "id"))
		return cbr_text_copy(r, rp_id, SK_RPID_MAX);
	return cbr_skip(r);
}

struct user_arg {
	bool has_id;
};

static uint8_t user_field(struct cbr *r, const char *k, size_t kl, void *arg)
{
	struct user_arg *u = arg;
	uint8_t id[64];
	size_t len;

	if (key_is(k, kl, "id")) {
		TRY(cbr_bytes_copy(r, id, sizeof(id), &len));
		u->has_id = true;
		return CTAP2_OK;
	}
	return cbr_skip(r);
}

struct cred_arg {
	struct sk_credid *id;
	bool has_id;
	bool public_key;
	bool too_long;
};

static uint8_t cred_field(struct cbr *r, const char *k, size_t kl, void *arg)
{
	struct cred_arg *c = arg;
	const uint8_t *p;
	const char *t;
	size_t len;

	if (key_is(k, kl, "id")) {
		TRY(cbr_bytes(r, &p, &len));
		c->has_id = true;
		/* Longer IDs are someone else's; they can never match. */
		c->too_long = len > SK_CREDID_MAX;
		if (!c->too_long) {
			memcpy(c->id->id, p, len);
			c->id->len = len;
		}
		return CTAP2_OK;
	}
	if (key_is(k, kl, "type")) {
		TRY(cbr_text(r, &t, &len));
		c->public_key = key_is(t, len, "public-key");
		return CTAP2_OK;
	}
	return cbr_skip(r);
}

/* An allowList or excludeList: PublicKeyCredentialDescriptors. */
static uint8_t cred_list(struct cbr *r, struct sk_credid *list, size_t *count)
{
	size_t n;

	TRY(cbr_array(r, &n));
	if (n > SK_LIST_MAX)
		return CTAP2_ERR_LIMIT_EXCEEDED;
	*count = 0;
	for (size_t i = 0; i < n; i++) {
		struct cred_arg c = {.id = &list[*count]};

		TRY(text_map(r, cred_field, &c));
		if (!c.has_id)
			return CTAP2_ERR_MISSING_PARAMETER;
		if (c.public_key && !c.too_long)
			(*count)++;
	}
	return CTAP2_OK;
}

struct param_arg {
	int64_t alg;
	bool has_alg, public_key;
};

static uint8_t param_field(struct cbr *r, const char *k, size_t kl, void *arg)
{
	struct param_arg *p = arg;
	const char *t;
	size_t len;

	if (key_is(k, kl, "alg")) {
		TRY(cbr_int(r, &p->alg));
		p->has_alg = true;
		return CTAP2_OK;
	}
	if (key_is(k, kl, "type")) {
		TRY(cbr_text(r, &t, &len));
		p->public_key = key_is(t, len, "public-key");
		return CTAP2_OK;
	}
	return cbr_skip(r);
}

static uint8_t alg_list(struct cbr *r, struct sk_mc_req *req)
{
	size_t n;

	TRY(cbr_array(r, &n));
	for (size_t i = 0; i < n; i++) {
		struct param_arg p = {0};

		TRY(text_map(r, param_field, &p));
		if (!p.has_alg)
			return CTAP2_ERR_MISSING_PARAMETER;
		if (p.public_key && req->n_algs < SK_ALGS_MAX && p.alg >= -65536 && p.alg <= 65535)
			req->algs[req->n_algs++] = (int)p.alg;
	}
	return CTAP2_OK;
}

static uint8_t pin_auth_read(struct cbr *r, uint8_t *out, size_t *len, bool *has)
{
	TRY(cbr_bytes_copy(r, out, 32, len));
	*has = true;
	return CTAP2_OK;
}

static uint8_t protocol_read(struct cbr *r, int *protocol)
{
	uint64_t v;

	TRY(cbr_uint(r, &v));
	/* Zero means absent elsewhere; an unknown protocol is refused later. */
	*protocol = v > 0 && v < 256 ? (int)v : 255;
	return CTAP2_OK;
}

static void options_init(struct sk_options *o)
{
	o->rk = o->up = o->uv = -1;
}

static uint8_t trailing(const struct cbr *r)
{
	return r->left == 0 ? CTAP2_OK : CTAP2_ERR_INVALID_CBOR;
}

/* A whole request: one map of small unsigned keys and nothing after it.
 * Calls fn for each known key, which must consume the value; skips the
 * rest. */
static uint8_t req_map(struct cbr *r, uint32_t *seen,
		       uint8_t (*fn)(struct cbr *r, uint64_t key, void *arg), void *arg)
{
	uint64_t key;
	bool known;
	size_t n;

	TRY(cbr_map(r, &n));
	for (size_t i = 0; i < n; i++) {
		TRY(map_key(r, seen, &key, &known));
		if (!known) {
			TRY(cbr_skip(r));
			continue;
		}
		TRY(fn(r, key, arg));
	}
	return trailing(r);
}

struct mc_ctx {
	struct sk_mc_req *req;
	struct user_arg user;
};

static uint8_t mc_field(struct cbr *r, uint64_t key, void *arg)
{
	struct mc_ctx *m = arg;

	switch (key) {
	case 1:
		TRY(cdh_read(r, m->req->cdh));
		break;
	case 2:
		TRY(text_map(r, rp_field, m->req->rp_id));
		break;
	case 3:
		TRY(text_map(r, user_field, &m->user));
		break;
	case 4:
		TRY(alg_list(r, m->req));
		break;
	case 5:
		TRY(cred_list(r, m->req->excl, &m->req->n_excl));
		break;
	case 7:
		TRY(text_map(r, opt_field, &m->req->opt));
		break;
	case 8:
		TRY(pin_auth_read(r, m->req->pin_auth, &m->req->pin_auth_len,
				  &m->req->has_pin_auth));
		break;
	case 9:
		TRY(protocol_read(r, &m->req->pin_protocol));
		break;
	default: /* extensions (6) and newer keys */
		TRY(cbr_skip(r));
		break;
	}
	return CTAP2_OK;
}

uint8_t cbor_req_make_credential(const uint8_t *buf, size_t len, struct sk_mc_req *req)
{
	struct cbr r = {buf, len};
	struct mc_ctx m = {.req = req};
	uint32_t seen = 0;

	memset(req, 0, sizeof(*req));
	options_init(&req->opt);
	TRY(req_map(&r, &seen, mc_field, &m));
	if ((seen & 0x1e) != 0x1e || req->rp_id[0] == '\0' || !m.user.has_id)
		return CTAP2_ERR_MISSING_PARAMETER;
	return CTAP2_OK;
}

static uint8_t ga_field(struct cbr *r, uint64_t key, void *arg)
{
	struct sk_ga_req *req = arg;

	switch (key) {
	case 1:
		TRY(cbr_text_copy(r, req->rp_id, SK_RPID_MAX));
		break;
	case 2:
		TRY(cdh_read(r, req->cdh));
		break;
	case 3:
		TRY(cred_list(r, req->allow, &req->n_allow));
		break;
	case 5:
		TRY(text_map(r, opt_field, &req->opt));
		break;
	case 6:
		TRY(pin_auth_read(r, req->pin_auth, &req->pin_auth_len, &req->has_pin_auth));
		break;
	case 7:
		TRY(protocol_read(r, &req->pin_protocol));
		break;
	default:
		TRY(cbr_skip(r));
		break;
	}
	return CTAP2_OK;
}

uint8_t cbor_req_get_assertion(const uint8_t *buf, size_t len, struct sk_ga_req *req)
{
	struct cbr r = {buf, len};
	uint32_t seen = 0;

	memset(req, 0, sizeof(*req));
	options_init(&req->opt);
	TRY(req_map(&r, &seen, ga_field, req));
	if ((seen & 0x6) != 0x6 || req->rp_id[0] == '\0')
		return CTAP2_ERR_MISSING_PARAMETER;
	return CTAP2_OK;
}

/* COSE_Key for ECDH on P-256: {1: 2, 3: -25, -1: 1, -2: x, -3: y}. */
static uint8_t cose_ecdh_read(struct cbr *r, struct sk_cp_req *req)
{
	unsigned have = 0;
	int64_t k, v;
	size_t n, len;

	TRY(cbr_map(r, &n));
	for (size_t i = 0; i < n; i++) {
		TRY(cbr_int(r, &k));
		if (k == -2 || k == -3) {
			TRY(cbr_bytes_copy(r, k == -2 ? req->key_x : req->key_y, 32, &len));
			if (len != 32)
				return CTAP1_ERR_INVALID_PARAMETER;
			have |= k == -2 ? 1 : 2;
		} else if (k == 1 || k == -1) {
			TRY(cbr_int(r, &v));
			if ((k == 1 && v != 2) || (k == -1 && v != 1))
				return CTAP1_ERR_INVALID_PARAMETER;
		} else {
			TRY(cbr_skip(r));
		}
	}
	if (have != 3)
		return CTAP2_ERR_MISSING_PARAMETER;
	req->has_key = true;
	return CTAP2_OK;
}

static uint8_t cp_field(struct cbr *r, uint64_t key, void *arg)
{
	struct sk_cp_req *req = arg;
	uint64_t v;

	switch (key) {
	case 1:
		TRY(protocol_read(r, &req->protocol));
		break;
	case 2:
		TRY(cbr_uint(r, &v));
		req->subcommand = v > 0 && v < 256 ? (int)v : 255;
		break;
	case 3:
		TRY(cose_ecdh_read(r, req));
		break;
	case 4:
		TRY(pin_auth_read(r, req->pin_auth, &req->pin_auth_len, &req->has_pin_auth));
		break;
	case 5:
		TRY(cbr_bytes_copy(r, req->new_pin_enc, sizeof(req->new_pin_enc),
				   &req->new_pin_len));
		break;
	case 6:
		TRY(cbr_bytes_copy(r, req->pin_hash_enc, sizeof(req->pin_hash_enc),
				   &req->pin_hash_len));
		break;
	case 9:
		TRY(cbr_uint(r, &v));
		req->permissions = v < 256 ? (unsigned)v : 0x100;
		break;
	case 10:
		TRY(cbr_text_copy(r, req->rp_id, SK_RPID_MAX));
		req->has_rp = true;
		break;
	default:
		TRY(cbr_skip(r));
		break;
	}
	return CTAP2_OK;
}

uint8_t cbor_req_client_pin(const uint8_t *buf, size_t len, struct sk_cp_req *req)
{
	struct cbr r = {buf, len};
	uint32_t seen = 0;

	memset(req, 0, sizeof(*req));
	TRY(req_map(&r, &seen, cp_field, req));
	if (req->subcommand == 0)
		return CTAP2_ERR_MISSING_PARAMETER;
	return CTAP2_OK;
}
