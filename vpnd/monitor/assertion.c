/* SPDX-License-Identifier: ISC */
/* Assertion checks (assertion.h); below verify.c, above libfido2 and
 * OpenSSL only. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <sodium.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>

#include "monitor/assertion.h"

#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define FLAG_AT 0x40
#define FLAG_ED 0x80

uint32_t assertion_sign_count(const uint8_t *auth_data, size_t len)
{
	if (len < 37)
		return 0;
	return (uint32_t)auth_data[33] << 24 | (uint32_t)auth_data[34] << 16 |
	       (uint32_t)auth_data[35] << 8 | auth_data[36];
}

static int verify_sig(const struct assertion_key *key, const char *rp_id, const uint8_t cdh[32],
		      const struct proto_assertion *a)
{
	fido_assert_t *fa = NULL;
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	int r = -1;

	fa = fido_assert_new();
	if (fa == NULL)
		goto fail;
	/* UP and UV are checked by the caller, after the signature. */
	if (fido_assert_set_rp(fa, rp_id) != FIDO_OK ||
	    fido_assert_set_clientdata_hash(fa, cdh, 32) != FIDO_OK ||
	    fido_assert_set_count(fa, 1) != FIDO_OK ||
	    fido_assert_set_authdata_raw(fa, 0, a->auth_data, a->auth_data_len) != FIDO_OK ||
	    fido_assert_set_sig(fa, 0, a->sig, a->sig_len) != FIDO_OK ||
	    fido_assert_set_up(fa, FIDO_OPT_OMIT) != FIDO_OK ||
	    fido_assert_set_uv(fa, FIDO_OPT_OMIT) != FIDO_OK)
		goto fail;
	if (key->alg == PROTO_COSE_ES256 && key->pk_len == 64) {
		if ((es = es256_pk_new()) == NULL ||
		    es256_pk_from_ptr(es, key->pk, key->pk_len) != FIDO_OK)
			goto fail;
		r = fido_assert_verify(fa, 0, COSE_ES256, es) == FIDO_OK ? 0 : -1;
	} else if (key->alg == PROTO_COSE_EDDSA && key->pk_len == 32) {
		if ((ed = eddsa_pk_new()) == NULL ||
		    eddsa_pk_from_ptr(ed, key->pk, key->pk_len) != FIDO_OK)
			goto fail;
		r = fido_assert_verify(fa, 0, COSE_EDDSA, ed) == FIDO_OK ? 0 : -1;
	}
fail:
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	fido_assert_free(&fa);
	return r;
}

/* Flags, UP, UV and the counter, once the signature has verified. */
static enum proto_err check_flags(const struct assertion_policy *policy,
				  const struct proto_assertion *a, uint32_t *new_count)
{
	uint8_t flags = a->auth_data[32];
	uint32_t count;

	if ((flags & FLAG_UP) == 0)
		return PROTO_ERR_NO_PRESENCE;
	if (policy->require_uv && (flags & FLAG_UV) == 0)
		return PROTO_ERR_UV_REQUIRED;
	count = assertion_sign_count(a->auth_data, a->auth_data_len);
	/* Zero both times: a key without a counter. Otherwise it must grow; a
	 * clone and its original cannot both keep it growing. */
	if ((count != 0 || policy->stored_count != 0) && count <= policy->stored_count)
		return PROTO_ERR_COUNTER_REGRESSED;
	*new_count = count;
	return PROTO_OK;
}

/* We ask for no extensions, so an assertion's authenticator data is
 * rpIdHash, flags and counter: 37 bytes, with neither AT nor ED set. */
static bool shape_ok(const struct proto_assertion *a)
{
	return a->auth_data_len == 37 && a->sig_len >= PROTO_SIG_MIN &&
	       a->sig_len <= PROTO_SIG_MAX && (a->auth_data[32] & (FLAG_AT | FLAG_ED)) == 0;
}

enum proto_err assertion_verify(const struct assertion_key *key,
				const struct assertion_policy *policy, const uint8_t cdh[32],
				const struct proto_assertion *a, uint32_t *new_count)
{
	if (!shape_ok(a) || verify_sig(key, policy->rp_id, cdh, a) < 0)
		return PROTO_ERR_BAD_SIGNATURE;
	return check_flags(policy, a, new_count);
}

struct assertion_verifier {
	int alg;
	EVP_PKEY *pkey;
};

int assertion_verifier_create(struct assertion_verifier **out, const struct assertion_key *key)
{
	struct assertion_verifier *v = NULL;
	es256_pk_t *es = NULL;
	eddsa_pk_t *ed = NULL;
	int r = -EINVAL;

	*out = NULL;
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		r = -ENOMEM;
		goto fail;
	}
	v->alg = key->alg;
	if (key->alg == PROTO_COSE_ES256 && key->pk_len == 64) {
		if ((es = es256_pk_new()) == NULL ||
		    es256_pk_from_ptr(es, key->pk, key->pk_len) != FIDO_OK ||
		    (v->pkey = es256_pk_to_EVP_PKEY(es)) == NULL)
			goto fail;
	} else if (key->alg == PROTO_COSE_EDDSA && key->pk_len == 32) {
		if ((ed = eddsa_pk_new()) == NULL ||
		    eddsa_pk_from_ptr(ed, key->pk, key->pk_len) != FIDO_OK ||
		    (v->pkey = eddsa_pk_to_EVP_PKEY(ed)) == NULL)
			goto fail;
	} else {
		goto fail;
	}
	*out = v;
	v = NULL;
	r = 0;
fail:
	es256_pk_free(&es);
	eddsa_pk_free(&ed);
	assertion_verifier_destroy(&v);
	return r;
}

void assertion_verifier_destroy(struct assertion_verifier **v)
{
	if (*v == NULL)
		return;
	EVP_PKEY_free((*v)->pkey);
	free(*v);
	*v = NULL;
}

/* What fido_assert_verify does: the rpIdHash, then the signature over
 * authData || cdh (ES256: SHA-256 and DER ECDSA; EdDSA: the message). */
enum proto_err assertion_check(const struct assertion_verifier *v,
			       const struct assertion_policy *policy, const uint8_t cdh[32],
			       const struct proto_assertion *a, uint32_t *new_count)
{
	uint8_t rp_hash[32], msg[37 + 32];
	EVP_MD_CTX *ctx = NULL;
	int ok = 0;

	if (!shape_ok(a))
		return PROTO_ERR_BAD_SIGNATURE;
	crypto_hash_sha256(rp_hash, (const uint8_t *)policy->rp_id, strlen(policy->rp_id));
	if (sodium_memcmp(rp_hash, a->auth_data, 32) != 0)
		return PROTO_ERR_BAD_SIGNATURE;
	memcpy(msg, a->auth_data, 37);
	memcpy(msg + 37, cdh, 32);
	ctx = EVP_MD_CTX_new();
	if (ctx != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, v->alg == PROTO_COSE_ES256 ? EVP_sha256() : NULL, NULL,
				 v->pkey) == 1)
		ok = EVP_DigestVerify(ctx, a->sig, a->sig_len, msg, sizeof(msg)) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return PROTO_ERR_BAD_SIGNATURE;
	return check_flags(policy, a, new_count);
}
